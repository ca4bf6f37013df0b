//! The per-file collection of `use` imports and `type` aliases into [`Imports`].

use syn::visit::Visit;

use crate::model::imports::Imports;

/// Collects every `use` of a file, at any module depth.
pub fn collect(file: &syn::File) -> Imports {
    let mut c = Collector::default();
    c.visit_file(file);
    c.imports
}

#[derive(Default)]
struct Collector {
    imports: Imports,
}

impl Collector {
    fn tree(&mut self, prefix: &str, tree: &syn::UseTree) {
        let join = |name: &str| {
            if prefix.is_empty() {
                name.to_string()
            } else {
                format!("{prefix}::{name}")
            }
        };
        match tree {
            syn::UseTree::Path(p) => self.tree(&join(&p.ident.to_string()), &p.tree),
            syn::UseTree::Name(n) => {
                let name = n.ident.to_string();
                if name == "self" {
                    if let Some(last) = prefix.rsplit("::").next() {
                        self.imports.add(last.to_string(), prefix.to_string());
                    }
                } else {
                    self.imports.add(name.clone(), join(&name));
                }
            }
            syn::UseTree::Rename(r) => {
                let name = r.ident.to_string();
                let full = if name == "self" {
                    prefix.to_string()
                } else {
                    join(&name)
                };
                self.imports.add(r.rename.to_string(), full);
            }
            syn::UseTree::Glob(_) => self.imports.add_glob(prefix.to_string()),
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    self.tree(prefix, t);
                }
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector {
    fn visit_item_use(&mut self, it: &'ast syn::ItemUse) {
        self.tree("", &it.tree);
    }

    fn visit_item_type(&mut self, it: &'ast syn::ItemType) {
        let target = quote::ToTokens::to_token_stream(&it.ty).to_string();
        let name = it.ident.to_string();
        self.imports.add_alias(name, target);
    }

    // No `use` item sits inside these: the visit passes them by.
    fn visit_attribute(&mut self, _: &'ast syn::Attribute) {}
    fn visit_signature(&mut self, _: &'ast syn::Signature) {}
    fn visit_generics(&mut self, _: &'ast syn::Generics) {}
    fn visit_type(&mut self, _: &'ast syn::Type) {}
    fn visit_pat(&mut self, _: &'ast syn::Pat) {}
    fn visit_path(&mut self, _: &'ast syn::Path) {}
    fn visit_macro(&mut self, _: &'ast syn::Macro) {}
    fn visit_lit(&mut self, _: &'ast syn::Lit) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(s: &str) -> Vec<String> {
        s.split("::").map(str::to_string).collect()
    }

    #[test]
    fn resolves_through_use_trees() {
        let file: syn::File = syn::parse_str(
            "use std::{fs::{self, File}, thread::sleep as nap}; use tokio::sync::*; mod m { use std::sync::mpsc; }",
        )
        .expect("invariant: test source parses");
        let imports = collect(&file);
        assert_eq!(imports.resolve(&seg("fs::read")), "std::fs::read");
        assert_eq!(imports.resolve(&seg("File::open")), "std::fs::File::open");
        assert_eq!(imports.resolve(&seg("nap")), "std::thread::sleep");
        assert_eq!(
            imports.resolve(&seg("mpsc::channel")),
            "std::sync::mpsc::channel"
        );
        assert_eq!(imports.resolve(&seg("other::f")), "other::f");
        assert_eq!(imports.globs(), ["tokio::sync"]);
    }

    #[test]
    fn async_lock_types_follow_the_files_aliases() {
        let file: syn::File = syn::parse_str(
            "use futures_intrusive::sync::LocalMutex; type Fork = LocalMutex<()>; type Forks = Vec<Fork>; type Plain = std::sync::Mutex<()>;",
        )
        .expect("invariant: test source parses");
        let imports = collect(&file);
        let known = ["futures_intrusive::sync::LocalMutex".to_string()];
        assert!(imports.is_async_lock_type("&Fork", &known));
        assert!(imports.is_async_lock_type("Rc<Forks>", &known));
        assert!(!imports.is_async_lock_type("&Plain", &known));
        assert!(!imports.is_async_lock_type("Other", &known));
    }

    #[test]
    fn conflicting_imports_resolve_to_nothing() {
        let file: syn::File = syn::parse_str("mod a { use std::fs; } mod b { use tokio::fs; }")
            .expect("invariant: parses");
        let imports = collect(&file);
        assert_eq!(imports.resolve(&seg("fs::read")), "fs::read");
    }
}
