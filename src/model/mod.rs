//! The crate model: what the items of each crate declare, gathered from every file
//! and joined after the per-file pass: which files form which crate and module,
//! structs and their field types, statics, and `use` imports. Rules and the call
//! graph consult it to resolve what the syntax of one body cannot tell.
//!
//! It never walks function bodies; that is `flow`'s job.

pub mod api;
pub mod imports;
pub mod known;
pub mod types;

pub use types::{type_name_of, PlaceType, TypeText, TypeTree};

use std::collections::BTreeSet;

use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};

use crate::report::finding::{FileId, Span};
use crate::source::SourceFile;

use syn::visit::Visit;

use crate::model::imports::Imports;
use crate::model::known::Known;

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
}

impl FileItems {
    /// Collects the declarations of a parsed file.
    pub fn collect(
        file: &syn::File,
        imports: &Imports,
        known: &Known,
        src: &SourceFile,
        id: FileId,
    ) -> FileItems {
        let mut c = Collector {
            items: FileItems::default(),
            imports,
            async_locks: &known.async_locks,
            module: Vec::new(),
            src,
            id,
        };
        c.visit_file(file);
        c.items.api = api::FileApi::collect(file, src, id);
        c.items
    }
}

struct Collector<'a> {
    items: FileItems,
    imports: &'a Imports,
    async_locks: &'a [String],
    module: Vec<String>,
    src: &'a SourceFile,
    id: FileId,
}

impl Collector<'_> {
    fn fields(&mut self, owner: &str, fields: &syn::Fields) {
        for (i, field) in fields.iter().enumerate() {
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| i.to_string(), ToString::to_string);
            let ty = type_text(&field.ty);
            let span = match &field.ident {
                Some(ident) => ident.span(),
                None => syn::spanned::Spanned::span(&field.ty),
            };
            self.items.fields.push(FieldDecl {
                owner: owner.to_string(),
                name,
                is_async_lock: self.imports.is_async_lock_type(&ty, self.async_locks),
                ty,
                vis: match &field.vis {
                    syn::Visibility::Inherited => String::new(),
                    vis => compact(&quote::ToTokens::to_token_stream(vis).to_string()),
                },
                span: self.src.span(self.id, span),
            });
        }
    }

    fn type_decl(&mut self, ident: &syn::Ident, generics: &syn::Generics, vis: &syn::Visibility) {
        self.items.types.push(ident.to_string());
        if matches!(vis, syn::Visibility::Public(_)) {
            self.items.api_types.push(ident.to_string());
        }
        self.items.type_decls.push(TypeDecl {
            name: ident.to_string(),
            generics: generics
                .type_params()
                .map(|p| p.ident.to_string())
                .collect(),
            is_pub: !matches!(vis, syn::Visibility::Inherited),
            is_exported: matches!(vis, syn::Visibility::Public(_)),
            span: self.src.span(self.id, ident.span()),
        });
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_struct(&mut self, it: &'ast syn::ItemStruct) {
        self.type_decl(&it.ident, &it.generics, &it.vis);
        self.fields(&it.ident.to_string(), &it.fields);
        syn::visit::visit_item_struct(self, it);
    }

    fn visit_item_enum(&mut self, it: &'ast syn::ItemEnum) {
        self.type_decl(&it.ident, &it.generics, &it.vis);
        for variant in &it.variants {
            self.fields(&it.ident.to_string(), &variant.fields);
        }
        syn::visit::visit_item_enum(self, it);
    }

    fn visit_item_trait(&mut self, it: &'ast syn::ItemTrait) {
        let is_api = matches!(it.vis, syn::Visibility::Public(_));
        self.items.traits.push((it.ident.to_string(), is_api));
        syn::visit::visit_item_trait(self, it);
    }

    fn visit_item_union(&mut self, it: &'ast syn::ItemUnion) {
        self.type_decl(&it.ident, &it.generics, &it.vis);
        syn::visit::visit_item_union(self, it);
    }

    fn visit_item_static(&mut self, it: &'ast syn::ItemStatic) {
        self.items.statics.push(StaticDecl {
            module: self.module.clone(),
            name: it.ident.to_string(),
            ty: type_text(&it.ty),
            is_mut: matches!(it.mutability, syn::StaticMutability::Mut(_)),
            span: self.src.span(self.id, it.ident.span()),
        });
        syn::visit::visit_item_static(self, it);
    }

    fn visit_item_impl(&mut self, it: &'ast syn::ItemImpl) {
        let trait_name = it
            .trait_
            .as_ref()
            .and_then(|(p, _)| p.segments.last())
            .map(|s| s.ident.to_string());
        if let (Some(_), Some(t)) = (&it.unsafety, trait_name) {
            if t == "Send" || t == "Sync" {
                let mut params: Vec<(String, String)> = it
                    .generics
                    .type_params()
                    .map(|p| {
                        (
                            p.ident.to_string(),
                            compact(&quote::ToTokens::to_token_stream(&p.bounds).to_string()),
                        )
                    })
                    .collect();
                if let Some(wc) = &it.generics.where_clause {
                    for pred in &wc.predicates {
                        if let syn::WherePredicate::Type(pt) = pred {
                            let name = type_text(&pt.bounded_ty);
                            let bounds =
                                compact(&quote::ToTokens::to_token_stream(&pt.bounds).to_string());
                            match params.iter_mut().find(|(n, _)| *n == name) {
                                Some(p) => {
                                    p.1.push('+');
                                    p.1.push_str(&bounds);
                                }
                                None => params.push((name, bounds)),
                            }
                        }
                    }
                }
                let header = it.impl_token.span;
                let end = syn::spanned::Spanned::span(&it.self_ty);
                self.items.unsafe_impls.push(UnsafeImpl {
                    trait_name: t,
                    self_ty: type_text(&it.self_ty),
                    params,
                    span: self.src.span(self.id, header.join(end).unwrap_or(header)),
                });
            }
        }
        syn::visit::visit_item_impl(self, it);
    }

    fn visit_type_path(&mut self, it: &'ast syn::TypePath) {
        if let Some(last) = it.path.segments.last() {
            if last.ident == "Arc" {
                if let syn::PathArguments::AngleBracketed(args) = &last.arguments {
                    for arg in &args.args {
                        if let syn::GenericArgument::Type(ty) = arg {
                            if let Some(name) = type_name_of(&type_text(ty)) {
                                self.items.in_arc.push(name);
                            }
                        }
                    }
                }
            }
        }
        syn::visit::visit_type_path(self, it);
    }

    fn visit_item_mod(&mut self, it: &'ast syn::ItemMod) {
        let mut path = self.module.clone();
        path.push(it.ident.to_string());
        let is_api = matches!(it.vis, syn::Visibility::Public(_));
        self.items.mods.push((path, is_api));
        self.module.push(it.ident.to_string());
        syn::visit::visit_item_mod(self, it);
        self.module.pop();
    }

    fn visit_item_use(&mut self, it: &'ast syn::ItemUse) {
        if matches!(it.vis, syn::Visibility::Public(_)) {
            let mut globs = Vec::new();
            use_names(
                &it.tree,
                &mut Vec::new(),
                &mut self.items.reexports,
                &mut globs,
            );
            self.items
                .reexport_globs
                .extend(globs.into_iter().map(|g| (self.module.clone(), g)));
        }
    }

    // Bodies are flow's business; items nested in them are rare enough to skip here.
    fn visit_block(&mut self, _: &'ast syn::Block) {}

    // Attributes (doc comments among them) declare nothing the model keeps.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
}

/// The names a `use` tree brings in (renamed ones under both names), and the paths
/// of its globs.
fn use_names(
    tree: &syn::UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<String>,
    globs: &mut Vec<Vec<String>>,
) {
    match tree {
        syn::UseTree::Path(p) => {
            prefix.push(p.ident.to_string());
            use_names(&p.tree, prefix, out, globs);
            prefix.pop();
        }
        syn::UseTree::Name(n) => out.push(n.ident.to_string()),
        syn::UseTree::Rename(r) => {
            out.push(r.ident.to_string());
            out.push(r.rename.to_string());
        }
        syn::UseTree::Glob(_) => globs.push(prefix.clone()),
        syn::UseTree::Group(g) => g
            .items
            .iter()
            .for_each(|t| use_names(t, prefix, out, globs)),
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

/// A type as written, without whitespace (`Arc<Mutex<HashMap<K,V>>>`).
///
/// Common types are printed straight from the tree; the rest (function pointers,
/// macros, bounds with lifetimes or `for<..>`) through their tokens, with the same
/// result: one space only between two words.
pub fn type_text(ty: &syn::Type) -> String {
    let mut out = String::new();
    match TypeWriter(&mut out).ty(ty) {
        Some(()) => out,
        None => compact(&quote::ToTokens::to_token_stream(ty).to_string()),
    }
}

/// Writes a type's tokens as [`compact`] would show them; `None` for a shape it
/// leaves to the token printer.
struct TypeWriter<'s>(&'s mut String);

impl TypeWriter<'_> {
    fn word_next(&mut self) {
        if self.0.ends_with(|c: char| c.is_alphanumeric() || c == '_') {
            self.0.push(' ');
        }
    }

    fn ident(&mut self, ident: &proc_macro2::Ident) {
        use std::fmt::Write as _;
        self.word_next();
        let _ = write!(self.0, "{ident}");
    }

    fn keyword(&mut self, word: &str) {
        self.word_next();
        self.0.push_str(word);
    }

    fn lifetime(&mut self, lt: &syn::Lifetime) {
        self.0.push('\'');
        self.ident(&lt.ident);
    }

    fn ty(&mut self, ty: &syn::Type) -> Option<()> {
        match ty {
            syn::Type::Path(p) if p.qself.is_none() => self.path(&p.path),
            syn::Type::Reference(r) => {
                self.0.push('&');
                if let Some(lt) = &r.lifetime {
                    self.lifetime(lt);
                }
                if r.mutability.is_some() {
                    self.keyword("mut");
                }
                self.ty(&r.elem)
            }
            syn::Type::Ptr(p) => {
                self.0.push('*');
                self.keyword(match p.mutability {
                    syn::PointerMutability::Mut(_) => "mut",
                    syn::PointerMutability::Const(_) => "const",
                });
                self.ty(&p.elem)
            }
            syn::Type::Slice(sl) => {
                self.0.push('[');
                self.ty(&sl.elem)?;
                self.0.push(']');
                Some(())
            }
            syn::Type::Array(a) => {
                self.0.push('[');
                self.ty(&a.elem)?;
                self.0.push(';');
                match &a.len {
                    syn::Expr::Lit(syn::ExprLit {
                        attrs,
                        lit: syn::Lit::Int(n),
                    }) if attrs.is_empty() => {
                        use std::fmt::Write as _;
                        let _ = write!(self.0, "{n}");
                    }
                    syn::Expr::Path(p) if p.attrs.is_empty() && p.qself.is_none() => {
                        self.path(&p.path)?;
                    }
                    _ => return None,
                }
                self.0.push(']');
                Some(())
            }
            syn::Type::Tuple(t) => {
                self.0.push('(');
                for pair in t.elems.pairs() {
                    self.ty(pair.value())?;
                    if pair.punct().is_some() {
                        self.0.push(',');
                    }
                }
                self.0.push(')');
                Some(())
            }
            syn::Type::Paren(p) => {
                self.0.push('(');
                self.ty(&p.elem)?;
                self.0.push(')');
                Some(())
            }
            syn::Type::Never(_) => {
                self.0.push('!');
                Some(())
            }
            syn::Type::Infer(_) => {
                self.keyword("_");
                Some(())
            }
            syn::Type::TraitObject(t) => {
                if t.dyn_token.is_some() {
                    self.keyword("dyn");
                }
                self.bounds(&t.bounds)
            }
            syn::Type::ImplTrait(t) => {
                self.keyword("impl");
                self.bounds(&t.bounds)
            }
            _ => None,
        }
    }

    fn bounds(
        &mut self,
        bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, syn::Token![+]>,
    ) -> Option<()> {
        for pair in bounds.pairs() {
            match pair.value() {
                syn::TypeParamBound::Trait(b)
                    if b.paren_token.is_none() && b.lifetimes.is_none() && b.maybe.is_none() =>
                {
                    self.path(&b.path)?;
                }
                syn::TypeParamBound::Lifetime(lt) => self.lifetime(lt),
                _ => return None,
            }
            if pair.punct().is_some() {
                self.0.push('+');
            }
        }
        Some(())
    }

    fn path(&mut self, path: &syn::Path) -> Option<()> {
        if path.leading_colon.is_some() {
            self.0.push_str("::");
        }
        for pair in path.segments.pairs() {
            let seg = pair.value();
            self.ident(&seg.ident);
            match &seg.arguments {
                syn::PathArguments::None => {}
                syn::PathArguments::AngleBracketed(a) => {
                    if a.colon2_token.is_some() {
                        self.0.push_str("::");
                    }
                    self.0.push('<');
                    for arg in a.args.pairs() {
                        match arg.value() {
                            syn::GenericArgument::Type(t) => self.ty(t)?,
                            syn::GenericArgument::Lifetime(lt) => self.lifetime(lt),
                            syn::GenericArgument::AssocType(at) if at.generics.is_none() => {
                                self.ident(&at.ident);
                                self.0.push('=');
                                self.ty(&at.ty)?;
                            }
                            _ => return None,
                        }
                        if arg.punct().is_some() {
                            self.0.push(',');
                        }
                    }
                    self.0.push('>');
                }
                syn::PathArguments::Parenthesized(p) => {
                    self.0.push('(');
                    for input in p.inputs.pairs() {
                        let arg = input.value();
                        if arg.name.is_some() || !arg.attrs.is_empty() {
                            return None;
                        }
                        self.ty(&arg.ty)?;
                        if input.punct().is_some() {
                            self.0.push(',');
                        }
                    }
                    self.0.push(')');
                    if let syn::ReturnType::Type(_, t) = &p.output {
                        self.0.push_str("->");
                        self.ty(t)?;
                    }
                }
            }
            if pair.punct().is_some() {
                self.0.push_str("::");
            }
        }
        Some(())
    }
}

/// Token text without the spaces `proc_macro2` puts between tokens, except one
/// space between two words (`dyn Fn(u32)`, `&'a mut Cache`, `Arc<Mutex<T>>`).
pub fn compact(s: &str) -> String {
    let is_word = |c: char| c.is_alphanumeric() || c == '_';
    let mut out = String::with_capacity(s.len());
    let mut pending_space = false;
    for c in s.chars() {
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && out.chars().last().is_some_and(is_word) && is_word(c) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
    }
    out
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
        let mut sync_lock_fields = BTreeSet::new();
        let mut public_mods: Vec<(CrateId, Vec<String>)> = Vec::new();
        for (id, file, items) in files {
            let next = crate_ids.len() as CrateId;
            let krate = *crate_ids.entry(file.krate.clone()).or_insert(next);
            let module = match file.path_in_package() {
                Some(rel) => module_of(rel, None),
                None => module_of(&file.path, file.krate.as_deref()),
            };
            model.file_crate[id.0 as usize] = krate;
            for st in &items.statics {
                let mut path = module.clone();
                path.extend(st.module.iter().cloned());
                model
                    .statics
                    .entry((krate, st.name.clone()))
                    .or_default()
                    .push((path, st.ty.clone()));
            }
            model.api.push((krate, module.clone(), items.api));
            model.file_module[id.0 as usize] = module;
            model
                .types
                .extend(items.types.into_iter().map(|t| (krate, t)));
            model
                .type_decls
                .extend(items.type_decls.into_iter().map(|t| (krate, t)));
            model
                .static_decls
                .extend(items.statics.into_iter().map(|t| (krate, t)));
            model
                .unsafe_impls
                .extend(items.unsafe_impls.into_iter().map(|t| (krate, t)));
            model
                .in_arc
                .extend(items.in_arc.into_iter().map(|t| (krate, t)));
            let mut api_mods = Vec::new();
            for (inner, is_api) in items.mods {
                let mut path = model.file_module[id.0 as usize].clone();
                path.extend(inner);
                if is_api {
                    api_mods.push((krate, path));
                } else {
                    model.private_mods.insert((krate, path));
                }
            }
            public_mods.extend(api_mods);
            model
                .reexports
                .extend(items.reexports.into_iter().map(|n| (krate, n)));
            for (inner, path) in items.reexport_globs {
                let mut base = model.file_module[id.0 as usize].clone();
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
                    model.reexport_globs.insert((krate, base));
                } else {
                    model.reexports_any.insert(krate);
                }
            }
            for (name, is_api) in items.traits {
                *model.traits.entry((krate, name)).or_default() |= is_api;
            }
            model
                .api_types
                .extend(items.api_types.into_iter().map(|t| (krate, t)));
            for field in items.fields {
                if field.is_async_lock {
                    model.async_lock_fields.insert(field.name.clone());
                } else if known::names_sync_lock(&field.ty) {
                    sync_lock_fields.insert(field.name.clone());
                }
                model.field_decls.push((krate, field));
            }
        }
        // The two indexes of the fields are built side by side.
        let decls = &model.field_decls;
        let (fields, fields_named) = rayon::join(
            || index_fields(decls, |(krate, f)| (*krate, f.owner.clone())),
            || index_fields(decls, |(_, f)| f.name.clone()),
        );
        model.fields = fields;
        model.fields_named = fields_named;
        model
            .async_lock_fields
            .retain(|f| !sync_lock_fields.contains(f));
        for m in &public_mods {
            model.private_mods.remove(m);
        }
        model
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

    /// Whether a type of this name is declared in the crate.
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

    /// Types printed from the tree read as their tokens do, for the shapes written
    /// directly and for those left to the token printer.
    #[test]
    fn type_text_matches_the_tokens() {
        struct Types(Vec<syn::Type>);
        impl<'ast> Visit<'ast> for Types {
            fn visit_type(&mut self, ty: &'ast syn::Type) {
                self.0.push(ty.clone());
                syn::visit::visit_type(self, ty);
            }
        }
        let written = [
            "&'a mut T",
            "*const u8",
            "*mut Node<T>",
            "[u8; 32]",
            "[Slot; N]",
            "[u8; 4 * 8]",
            "(A,)",
            "()",
            "(A, B)",
            "&[u8]",
            "dyn Fn(u32) -> u8 + Send + 'static",
            "impl Iterator<Item = u8>",
            "Box<dyn for<'a> Fn(&'a u8)>",
            "Box<dyn ?Sized>",
            "::std::sync::Mutex<T>",
            "Vec::<u8>",
            "fn(u8) -> u8",
            "_",
            "!",
            "r#type::Foo",
            "HashMap<K, V,>",
            "Größe<'static, dyn Send>",
            "Option<Box<dyn FnMut(&mut Context<'_>) -> Poll<()> + Send>>",
            "<T as Trait>::Assoc",
            "mac!(u8)",
        ];
        let mut types: Vec<syn::Type> = written
            .iter()
            .map(|t| syn::parse_str(t).expect("invariant: test type parses"))
            .collect();
        let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
        for entry in walkdir::WalkDir::new(fixtures).into_iter().flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(path).expect("invariant: fixture reads");
                if let Ok(file) = syn::parse_file(&text) {
                    let mut found = Types(Vec::new());
                    found.visit_file(&file);
                    types.extend(found.0);
                }
            }
        }
        assert!(types.len() > 500, "{}", types.len());
        for ty in &types {
            let tokens = compact(&quote::ToTokens::to_token_stream(ty).to_string());
            assert_eq!(type_text(ty), tokens);
        }
    }

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

    #[test]
    fn compact_text_drops_spaces_between_tokens() {
        assert_eq!(
            compact("& 'a mut Arc < dyn Fn (u32) + Send >"),
            "&'a mut Arc<dyn Fn(u32)+Send>"
        );
    }
}
