//! The crate model: what the items of the crate declare, gathered from every file
//! and joined after the per-file pass. Today it knows struct field types and `use`
//! imports; rules consult it to confirm what the syntax of one body cannot tell.
//!
//! It never walks function bodies; that is `flow`'s job.

pub mod imports;
pub mod known;

use std::collections::{BTreeMap, BTreeSet};

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
}

/// What one file declares.
#[derive(Clone, Debug, Default)]
pub struct FileItems {
    /// Every named or tuple field of every struct and enum variant.
    pub fields: Vec<FieldDecl>,
}

impl FileItems {
    /// Collects the declarations of a parsed file.
    pub fn collect(file: &syn::File, imports: &Imports, known: &Known) -> FileItems {
        let mut c = Collector {
            items: FileItems::default(),
            imports,
            async_locks: &known.async_locks,
        };
        c.visit_file(file);
        c.items
    }
}

struct Collector<'a> {
    items: FileItems,
    imports: &'a Imports,
    async_locks: &'a [String],
}

impl Collector<'_> {
    fn fields(&mut self, owner: &str, fields: &syn::Fields) {
        for (i, field) in fields.iter().enumerate() {
            let name = field
                .ident
                .as_ref()
                .map_or_else(|| i.to_string(), ToString::to_string);
            let ty = type_text(&field.ty);
            self.items.fields.push(FieldDecl {
                owner: owner.to_string(),
                name,
                is_async_lock: self.imports.is_async_lock_type(&ty, self.async_locks),
                ty,
            });
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_struct(&mut self, it: &'ast syn::ItemStruct) {
        self.fields(&it.ident.to_string(), &it.fields);
        syn::visit::visit_item_struct(self, it);
    }

    fn visit_item_enum(&mut self, it: &'ast syn::ItemEnum) {
        for variant in &it.variants {
            self.fields(&it.ident.to_string(), &variant.fields);
        }
        syn::visit::visit_item_enum(self, it);
    }

    // Bodies are flow's business; items nested in them are rare enough to skip here.
    fn visit_block(&mut self, _: &'ast syn::Block) {}
}

/// A type as written, without whitespace (`Arc<Mutex<HashMap<K,V>>>`).
pub fn type_text(ty: &syn::Type) -> String {
    compact(&quote::ToTokens::to_token_stream(ty).to_string())
}

/// Token text without the spaces `proc_macro2` puts between tokens.
pub fn compact(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// The crate-wide model joined from every file's [`FileItems`].
#[derive(Clone, Debug, Default)]
pub struct Model {
    /// Field name to the types declared for it anywhere in the run.
    pub field_types: BTreeMap<String, BTreeSet<String>>,
    /// Field names declared with an async lock type somewhere, and with a sync lock
    /// type nowhere.
    pub async_lock_fields: BTreeSet<String>,
}

impl Model {
    /// Joins per-file declarations.
    pub fn build<'a>(files: impl IntoIterator<Item = &'a FileItems>) -> Model {
        let mut model = Model::default();
        let mut sync_lock_fields = BTreeSet::new();
        for items in files {
            for field in &items.fields {
                if field.is_async_lock {
                    model.async_lock_fields.insert(field.name.clone());
                } else if field.ty.contains("Mutex<") || field.ty.contains("RwLock<") {
                    sync_lock_fields.insert(field.name.clone());
                }
                model
                    .field_types
                    .entry(field.name.clone())
                    .or_default()
                    .insert(field.ty.clone());
            }
        }
        model
            .async_lock_fields
            .retain(|f| !sync_lock_fields.contains(f));
        model
    }

    /// Whether the field a lock path ends in (`self.state`) is declared as an async
    /// lock, and never as a sync one, anywhere in the run.
    pub fn is_async_lock_field(&self, name: &str) -> bool {
        self.async_lock_fields.contains(name)
    }

    /// Whether every field named `name` in the run is declared with a `RefCell` in
    /// its type.
    pub fn is_refcell_field(&self, name: &str) -> bool {
        self.field_types
            .get(name)
            .is_some_and(|tys| !tys.is_empty() && tys.iter().all(|t| t.contains("RefCell<")))
    }
}
