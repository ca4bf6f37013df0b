//! The crate model: what the items of each crate declare, gathered from every file
//! and joined after the per-file pass: which files form which crate and module,
//! structs and their field types, statics, and `use` imports. Rules and the call
//! graph consult it to resolve what the syntax of one body cannot tell.
//!
//! The facts of one file are collected from its syntax tree by [`crate::syntax`]; this
//! module holds them as plain data and joins them, and names no syntax type.

pub mod api;
pub mod imports;
pub mod known;
pub mod types;

pub use types::{lock_data_of, object_trait_of, type_name_of, PlaceType, TypeText, TypeTree};

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};

use crate::report::finding::{FileId, Span};
use crate::source::SourceFile;

/// One struct field as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldDecl {
    /// The struct (or enum variant owner) name.
    pub owner: String,
    /// The field name (`0`, `1`... for tuple fields).
    pub name: String,
    /// The type as written, without whitespace.
    pub ty: String,
    /// The type is, or wraps, an async lock (`tokio::sync::Mutex`...).
    pub is_async_lock: bool,
    /// The visibility as written (`pub`, `pub(crate)`), empty when private.
    pub vis: String,
    /// The field's declaration.
    pub span: Span,
}

/// A struct, enum or union as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeDecl {
    /// Its name.
    pub name: String,
    /// Its type parameters.
    pub generics: Vec<String>,
    /// `pub` (any `pub(..)` counts).
    pub is_pub: bool,
    /// Declared plainly `pub`, so code outside the crate may name it.
    pub is_exported: bool,
    /// Its name in the declaration.
    pub span: Span,
}

/// An `unsafe impl Send for T` or `unsafe impl Sync for T`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsafeImpl {
    /// `Send` or `Sync`.
    pub trait_name: String,
    /// The type, as written (`Cache<T>`).
    pub self_ty: String,
    /// The impl's type parameters with their bounds as written, including those of
    /// its `where` clause (`("T", "Send+Sync")`).
    pub params: Vec<(String, String)>,
    /// The impl header.
    pub span: Span,
}

/// A `static` item as declared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StaticDecl {
    /// Inline `mod` blocks around it within its file.
    pub module: Vec<String>,
    /// Its name.
    pub name: String,
    /// Its type as written.
    pub ty: String,
    /// `static mut`.
    pub is_mut: bool,
    /// Its name in the declaration.
    pub span: Span,
}

/// What one file declares.
#[derive(Clone, Debug, Default)]
pub struct FileItems {
    /// Every named or tuple field of every struct and enum variant.
    pub fields: Vec<FieldDecl>,
    /// Every struct, enum and union name.
    pub types: Vec<String>,
    /// Every struct, enum and union, with generics and span.
    pub type_decls: Vec<TypeDecl>,
    /// Every static item.
    pub statics: Vec<StaticDecl>,
    /// Every `unsafe impl Send/Sync`.
    pub unsafe_impls: Vec<UnsafeImpl>,
    /// Names of types that appear inside `Arc<..>` anywhere in the file.
    pub in_arc: Vec<String>,
    /// Every trait, with whether it is declared plain `pub` (not `pub(crate)`).
    pub traits: Vec<(String, bool)>,
    /// Structs, enums and unions declared plain `pub` (not `pub(crate)`).
    pub api_types: Vec<String>,
    /// Modules declared in the file (`mod a;`, `mod a { .. }`), by their inline
    /// module path within the file, with whether they are declared plain `pub`.
    pub mods: Vec<(Vec<String>, bool)>,
    /// Names a `pub use` re-exports.
    pub reexports: Vec<String>,
    /// Paths a `pub use` re-exports everything of (`pub use self::a::*`), as
    /// written, with the inline module the `use` is in.
    pub reexport_globs: Vec<(Vec<String>, Vec<String>)>,
    /// What the file's types offer through their methods (see [`api`]).
    pub api: api::FileApi,
    /// Names of the file's `type` aliases for a closure trait object
    /// (`type Listener = Box<dyn Fn(&Event) + Send>;`).
    pub callback_aliases: Vec<String>,
}

impl FileItems {
    /// Shrinks the file's vectors to their lengths once they are collected: they
    /// are kept for the whole run.
    pub fn shrink_to_fit(&mut self) {
        self.fields.shrink_to_fit();
        self.types.shrink_to_fit();
        self.type_decls.shrink_to_fit();
        self.statics.shrink_to_fit();
        self.unsafe_impls.shrink_to_fit();
        self.in_arc.shrink_to_fit();
        self.traits.shrink_to_fit();
        self.api_types.shrink_to_fit();
        self.mods.shrink_to_fit();
        self.reexports.shrink_to_fit();
        self.reexport_globs.shrink_to_fit();
        self.callback_aliases.shrink_to_fit();
    }
}

/// The positions of the fields in `decls`, grouped by `key`.
fn index_fields<K: std::hash::Hash + Eq>(
    decls: &[(CrateId, FieldDecl)],
    key: impl Fn(&(CrateId, FieldDecl)) -> K,
) -> FxHashMap<K, Vec<u32>> {
    let mut index: FxHashMap<K, Vec<u32>> = FxHashMap::default();
    for (i, decl) in decls.iter().enumerate() {
        index.entry(key(decl)).or_default().push(i as u32);
    }
    index
}

/// The fields of a run, joined from its files, with their indexes.
struct FieldTables {
    decls: Vec<(CrateId, FieldDecl)>,
    by_owner: FxHashMap<(CrateId, String), Vec<u32>>,
    by_name: FxHashMap<String, Vec<u32>>,
    async_lock: BTreeSet<String>,
}

impl FieldTables {
    fn build(files: Vec<(CrateId, Vec<FieldDecl>)>) -> FieldTables {
        let mut decls = Vec::with_capacity(files.iter().map(|(_, f)| f.len()).sum());
        let mut async_lock = BTreeSet::new();
        let mut sync_lock = BTreeSet::new();
        for (krate, fields) in files {
            for field in fields {
                if field.is_async_lock {
                    async_lock.insert(field.name.clone());
                } else if known::names_sync_lock(&field.ty) {
                    sync_lock.insert(field.name.clone());
                }
                decls.push((krate, field));
            }
        }
        async_lock.retain(|f| !sync_lock.contains(f));
        // The two indexes are built side by side.
        let (by_owner, by_name) = rayon::join(
            || index_fields(&decls, |(krate, f)| (*krate, f.owner.clone())),
            || index_fields(&decls, |(_, f)| f.name.clone()),
        );
        FieldTables {
            decls,
            by_owner,
            by_name,
            async_lock,
        }
    }
}

/// Where a static is declared (its full module path) and its type.
pub type StaticAt = (Vec<String>, String);

/// Index of a crate in the run: a Cargo package, or all loose files together.
pub type CrateId = u32;

/// The crate-wide model joined from every file's [`FileItems`].
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// The crate of each file, by [`FileId`] index.
    pub file_crate: Vec<CrateId>,
    /// The module path of each file within its crate (`["cache", "disk"]` for
    /// `src/cache/disk.rs`), by [`FileId`] index.
    pub file_module: Vec<Vec<String>>,
    /// Fields (indices into `field_decls`) by crate and owner type.
    pub fields: FxHashMap<(CrateId, String), Vec<u32>>,
    /// Fields (indices into `field_decls`) by field name, across the run.
    pub fields_named: FxHashMap<String, Vec<u32>>,
    /// Type names declared in each crate.
    pub types: FxHashSet<(CrateId, String)>,
    /// Statics by crate and name: their full module paths and types.
    pub statics: FxHashMap<(CrateId, String), Vec<StaticAt>>,
    /// Every field declaration, with its crate.
    pub field_decls: Vec<(CrateId, FieldDecl)>,
    /// Every struct, enum and union declaration, with its crate.
    pub type_decls: Vec<(CrateId, TypeDecl)>,
    /// Every static declaration, with its crate.
    pub static_decls: Vec<(CrateId, StaticDecl)>,
    /// Every `unsafe impl Send/Sync`, with its crate.
    pub unsafe_impls: Vec<(CrateId, UnsafeImpl)>,
    /// Types that appear inside `Arc<..>` in a declared type, by crate.
    pub in_arc: FxHashSet<(CrateId, String)>,
    /// `type` aliases for a closure trait object, by crate.
    pub callback_aliases: FxHashSet<(CrateId, String)>,
    /// Field names declared with an async lock type somewhere, and with a sync lock
    /// type nowhere.
    pub async_lock_fields: BTreeSet<String>,
    /// Traits declared in each crate, with whether any declaration of the name is
    /// plain `pub` (implementable outside the crate).
    pub traits: FxHashMap<(CrateId, String), bool>,
    /// Types of each crate declared plain `pub`.
    pub api_types: FxHashSet<(CrateId, String)>,
    /// Modules of each crate (full paths) declared without plain `pub` and never
    /// with it.
    pub private_mods: FxHashSet<(CrateId, Vec<String>)>,
    /// Names each crate re-exports with `pub use`.
    pub reexports: FxHashSet<(CrateId, String)>,
    /// Modules (full paths) whose items a `pub use` of a glob re-exports.
    pub reexport_globs: FxHashSet<(CrateId, Vec<String>)>,
    /// Crates with a glob re-export whose module could not be worked out.
    pub reexports_any: FxHashSet<CrateId>,
    /// Each file's [`api::FileApi`], with its crate and module path.
    pub api: Vec<(CrateId, Vec<String>, api::FileApi)>,
}

impl Model {
    /// Joins per-file declarations.
    pub fn build<'a>(
        n_files: usize,
        files: impl IntoIterator<Item = (FileId, &'a SourceFile, FileItems)>,
    ) -> Model {
        let mut model = Model {
            file_crate: vec![0; n_files],
            file_module: vec![Vec::new(); n_files],
            ..Model::default()
        };
        let mut crate_ids: FxHashMap<Option<PathBuf>, CrateId> = FxHashMap::default();
        // Crates are numbered in the order of the files; then the fields, the
        // largest part, are joined and indexed beside the rest.
        let mut files: Vec<(FileId, &SourceFile, CrateId, FileItems)> = files
            .into_iter()
            .map(|(id, file, items)| {
                let next = crate_ids.len() as CrateId;
                let krate = *crate_ids.entry(file.krate.clone()).or_insert(next);
                (id, file, krate, items)
            })
            .collect();
        let fields: Vec<(CrateId, Vec<FieldDecl>)> = files
            .iter_mut()
            .map(|(_, _, krate, items)| (*krate, std::mem::take(&mut items.fields)))
            .collect();
        let (fields, ()) = rayon::join(|| FieldTables::build(fields), || model.join_items(files));
        model.field_decls = fields.decls;
        model.fields = fields.by_owner;
        model.fields_named = fields.by_name;
        model.async_lock_fields = fields.async_lock;
        model
    }

    /// Joins everything of the files' declarations but their fields.
    fn join_items(&mut self, files: Vec<(FileId, &SourceFile, CrateId, FileItems)>) {
        let mut public_mods: Vec<(CrateId, Vec<String>)> = Vec::new();
        for (id, file, krate, items) in files {
            let module = match file.path_in_package() {
                Some(rel) => module_of(rel, None),
                None => module_of(&file.path, file.krate.as_deref()),
            };
            self.file_crate[id.0 as usize] = krate;
            for st in &items.statics {
                let mut path = module.clone();
                path.extend(st.module.iter().cloned());
                self.statics
                    .entry((krate, st.name.clone()))
                    .or_default()
                    .push((path, st.ty.clone()));
            }
            self.api.push((krate, module.clone(), items.api));
            self.file_module[id.0 as usize] = module;
            self.types
                .extend(items.types.into_iter().map(|t| (krate, t)));
            self.type_decls
                .extend(items.type_decls.into_iter().map(|t| (krate, t)));
            self.static_decls
                .extend(items.statics.into_iter().map(|t| (krate, t)));
            self.unsafe_impls
                .extend(items.unsafe_impls.into_iter().map(|t| (krate, t)));
            self.in_arc
                .extend(items.in_arc.into_iter().map(|t| (krate, t)));
            self.callback_aliases
                .extend(items.callback_aliases.into_iter().map(|t| (krate, t)));
            let mut api_mods = Vec::new();
            for (inner, is_api) in items.mods {
                let mut path = self.file_module[id.0 as usize].clone();
                path.extend(inner);
                if is_api {
                    api_mods.push((krate, path));
                } else {
                    self.private_mods.insert((krate, path));
                }
            }
            public_mods.extend(api_mods);
            self.reexports
                .extend(items.reexports.into_iter().map(|n| (krate, n)));
            for (inner, path) in items.reexport_globs {
                let mut base = self.file_module[id.0 as usize].clone();
                base.extend(inner);
                let mut rest = path.as_slice();
                match rest.first().map(String::as_str) {
                    Some("crate") => {
                        base.clear();
                        rest = &rest[1..];
                    }
                    Some("self") => rest = &rest[1..],
                    _ => {}
                }
                let mut ok = true;
                while rest.first().map(String::as_str) == Some("super") {
                    ok &= base.pop().is_some();
                    rest = &rest[1..];
                }
                base.extend(rest.iter().cloned());
                if ok {
                    self.reexport_globs.insert((krate, base));
                } else {
                    self.reexports_any.insert(krate);
                }
            }
            for (name, is_api) in items.traits {
                *self.traits.entry((krate, name)).or_default() |= is_api;
            }
            self.api_types
                .extend(items.api_types.into_iter().map(|t| (krate, t)));
        }
        for m in &public_mods {
            self.private_mods.remove(m);
        }
    }

    /// Whether an item of this module path, named `name` (or a method of the type
    /// `owner`), is out of reach of other crates: some module around it is private
    /// and the crate re-exports neither name, nor its module (or one around it) by
    /// glob.
    pub fn is_hidden(
        &self,
        krate: CrateId,
        module: &[String],
        name: &str,
        owner: Option<&str>,
    ) -> bool {
        let globbed = |n: usize| self.reexport_globs.contains(&(krate, module[..n].to_vec()));
        if self.reexports_any.contains(&krate) || (0..=module.len()).any(globbed) {
            return false;
        }
        let reexported = |n: &str| self.reexports.contains(&(krate, n.to_string()));
        if reexported(name) || owner.is_some_and(reexported) {
            return false;
        }
        (1..=module.len()).any(|n| self.private_mods.contains(&(krate, module[..n].to_vec())))
    }

    /// The types declared for fields of this name anywhere in the run.
    pub fn field_types(&self, name: &str) -> impl Iterator<Item = &str> {
        self.fields_named
            .get(name)
            .into_iter()
            .flatten()
            .map(|&i| self.field_decls[i as usize].1.ty.as_str())
    }

    /// The declared type of `owner.field` in a crate.
    pub fn field_type(&self, krate: CrateId, owner: &str, field: &str) -> Option<&str> {
        self.fields
            .get(&(krate, owner.to_string()))?
            .iter()
            .map(|&i| &self.field_decls[i as usize].1)
            .find(|f| f.name == field)
            .map(|f| f.ty.as_str())
    }

    /// Whether a type as written holds a closure trait object: `Box<dyn Fn(..)>`,
    /// `&dyn FnMut(..)`, or a `type` alias of the crate for one, anywhere in it
    /// (`Vec<Listener>`).
    pub fn holds_closure_object(&self, krate: CrateId, ty: TypeText<'_>) -> bool {
        ty.is_closure_object()
            || ty
                .words()
                .any(|w| self.callback_aliases.contains(&(krate, w.to_string())))
    }

    /// The declared types of every field of `owner` in a crate.
    pub fn fields_of(&self, krate: CrateId, owner: &str) -> impl Iterator<Item = TypeText<'_>> {
        self.fields
            .get(&(krate, owner.to_string()))
            .into_iter()
            .flatten()
            .map(|&i| TypeText::new(&self.field_decls[i as usize].1.ty))
    }

    /// Whether the crate declares a trait of this name.
    pub fn has_trait(&self, krate: CrateId, name: &str) -> bool {
        self.traits.contains_key(&(krate, name.to_string()))
    }

    /// Whether the crate declares a type of this name.
    pub fn has_type(&self, krate: CrateId, name: &str) -> bool {
        self.types.contains(&(krate, name.to_string()))
    }

    /// Whether the field a lock path ends in (`self.state`) is declared as an async
    /// lock, and never as a sync one, anywhere in the run.
    pub fn is_async_lock_field(&self, name: &str) -> bool {
        self.async_lock_fields.contains(name)
    }

    /// Whether every field named `name` in the run is declared with a `RefCell` in
    /// its type.
    pub fn is_refcell_field(&self, name: &str) -> bool {
        let mut tys = self.field_types(name).peekable();
        tys.peek().is_some() && tys.all(|t| t.contains("RefCell<"))
    }
}

/// The module path of a file within its crate, from its path: `src/lib.rs` and
/// `src/main.rs` are the root, `src/a.rs` and `src/a/mod.rs` are `a`, `src/a/b.rs`
/// is `a::b`. Files outside `src/` (tests, examples) are roots of their own.
pub fn module_of(path: &Path, krate: Option<&Path>) -> Vec<String> {
    let rel = krate
        .and_then(|k| path.strip_prefix(k).ok())
        .unwrap_or(path);
    let parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let Some(src) = parts.iter().rposition(|p| p == "src") else {
        return Vec::new();
    };
    let mut module: Vec<String> = parts[src + 1..].to_vec();
    if let Some(last) = module.pop() {
        let stem = last.strip_suffix(".rs").unwrap_or(&last).to_string();
        let is_root = module.is_empty() && (stem == "lib" || stem == "main");
        if stem != "mod" && !is_root {
            module.push(stem);
        }
    }
    if module.first().is_some_and(|m| m == "bin") {
        return Vec::new();
    }
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_follow_the_file_layout() {
        let k = Path::new("/p");
        let m = |p: &str| module_of(Path::new(p), Some(k)).join("::");
        assert_eq!(m("/p/src/lib.rs"), "");
        assert_eq!(m("/p/src/main.rs"), "");
        assert_eq!(m("/p/src/cache.rs"), "cache");
        assert_eq!(m("/p/src/cache/mod.rs"), "cache");
        assert_eq!(m("/p/src/cache/disk.rs"), "cache::disk");
        assert_eq!(m("/p/tests/it.rs"), "");
    }
}
