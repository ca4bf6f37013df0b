//! A file's `use` imports: which local name stands for which full path.
//!
//! Imports in nested modules are merged into one table for the file; a name imported
//! twice with different paths is kept ambiguous and resolves to nothing.

use rustc_hash::FxHashMap as HashMap;

use syn::visit::Visit;

/// Local name to full path (`fs` to `std::fs`, `sleep` to `std::thread::sleep`).
#[derive(Clone, Debug, Default)]
pub struct Imports {
    names: HashMap<String, Option<String>>,
    globs: Vec<String>,
    /// The file's `type` aliases: name to the aliased type as written. A name
    /// declared twice (in different modules) with different types is ambiguous.
    aliases: HashMap<String, Option<String>>,
}

impl Imports {
    /// Collects every `use` of a file, at any module depth.
    pub fn collect(file: &syn::File) -> Imports {
        let mut c = Collector::default();
        c.visit_file(file);
        c.imports
    }

    /// The full path for a path as written: its first segment is looked up in the
    /// imports; `crate::`, `self::`, `super::` and unknown first segments are kept.
    pub fn resolve(&self, segments: &[String]) -> String {
        let Some(first) = segments.first() else {
            return String::new();
        };
        let head = match self.names.get(first) {
            Some(Some(full)) => full.clone(),
            _ => first.clone(),
        };
        let mut out = head;
        for s in &segments[1..] {
            out.push_str("::");
            out.push_str(s);
        }
        out.strip_prefix("::").map(str::to_string).unwrap_or(out)
    }

    /// Whether any import path starts with `prefix` (`tokio::`).
    pub fn mentions(&self, prefix: &str) -> bool {
        self.names
            .values()
            .flatten()
            .chain(self.globs.iter())
            .any(|p| p.starts_with(prefix))
    }

    /// Whether a type as written (`Arc<tokio::sync::Mutex<T>>`, `&Mutex<T>` with
    /// `use tokio::sync::Mutex;`) is, or wraps, one of the given async lock types.
    /// A `type` alias of the file is followed to the type it names
    /// (`type Fork = LocalMutex<()>;` makes `&Fork` an async lock).
    pub fn is_async_lock_type(&self, ty: &str, async_locks: &[String]) -> bool {
        self.is_async_lock_type_within(ty, async_locks, 0)
    }

    fn is_async_lock_type_within(&self, ty: &str, async_locks: &[String], depth: u8) -> bool {
        let words = || ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
        // Aliases of aliases are followed a few steps; a cycle of aliases ends there.
        if depth < 4 && !self.aliases.is_empty() {
            let aliased = words().any(|w| {
                matches!(self.aliases.get(w), Some(Some(target))
                    if self.is_async_lock_type_within(target, async_locks, depth + 1))
            });
            if aliased {
                return true;
            }
        }
        words()
            .filter(|w| w.ends_with("Mutex") || w.ends_with("RwLock"))
            .any(|w| {
                let segs: Vec<String> = w
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let full = self.resolve(&segs);
                async_locks.contains(&full)
            })
    }

    /// Glob imports (`use std::fs::*;` gives `std::fs`).
    pub fn globs(&self) -> &[String] {
        &self.globs
    }

    fn add(&mut self, name: String, path: String) {
        match self.names.get(&name) {
            Some(Some(existing)) if *existing != path => {
                self.names.insert(name, None);
            }
            Some(_) => {}
            None => {
                self.names.insert(name, Some(path));
            }
        }
    }
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
            syn::UseTree::Glob(_) => self.imports.globs.push(prefix.to_string()),
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
        match self.imports.aliases.get(&name) {
            Some(Some(existing)) if *existing != target => {
                self.imports.aliases.insert(name, None);
            }
            Some(_) => {}
            None => {
                self.imports.aliases.insert(name, Some(target));
            }
        }
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
        let imports = Imports::collect(&file);
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
        let imports = Imports::collect(&file);
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
        let imports = Imports::collect(&file);
        assert_eq!(imports.resolve(&seg("fs::read")), "fs::read");
    }
}
