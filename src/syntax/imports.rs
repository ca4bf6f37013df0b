//! The per-file collection of `use` imports and `type` aliases into [`Imports`].

use std::collections::HashMap;

use syn::visit::Visit;

use crate::model::imports::Imports;
use crate::report::finding::FileId;
use crate::source::SourceFile;

/// Collects every `use` and `type` alias of a file, at any module depth. `source`
/// is the file the tree was parsed from: a block whose text has neither word is
/// passed by.
pub fn collect(file: &syn::File, source: &SourceFile, id: FileId) -> Imports {
    let mut c = Collector {
        imports: Imports::default(),
        source,
        id,
    };
    c.visit_file(file);
    c.imports
}

struct Collector<'s> {
    imports: Imports,
    source: &'s SourceFile,
    id: FileId,
}

/// Whether a text has the word `use` or `type` in it (as a word: not in `user`).
fn has_item_word(text: &str) -> bool {
    let b = text.as_bytes();
    let word = |c: Option<&u8>| c.is_some_and(|&c| crate::source::is_word_byte(c));
    ["use", "type"].iter().any(|w| {
        memchr::memmem::find_iter(b, w.as_bytes())
            .any(|i| !word(i.checked_sub(1).and_then(|p| b.get(p))) && !word(b.get(i + w.len())))
    })
}

impl Collector<'_> {
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

/// Writes the types that name a renamed import by the path they import: with
/// `use parking_lot::Mutex as PlMutex;`, a field `stats: PlMutex<u8>` reads as
/// `parking_lot::Mutex<u8>`, so that it is a lock wherever the type is read. Only
/// renames (`as`) whose alias is not the imported item's own name are written, and
/// an alias renamed to two paths in one file (in two modules) is left as written.
pub fn expand_renamed_types(file: &mut syn::File) {
    let mut renames: HashMap<String, Option<Vec<syn::Ident>>> = HashMap::new();
    for item in &file.items {
        collect_renames(item, &mut renames);
    }
    // A name the file also declares (`pub use LazyCell as LazyLock;` under one
    // `cfg`, `struct LazyLock` under another) is not the import alone.
    let mut declared = std::collections::HashSet::new();
    for item in &file.items {
        collect_declared(item, &mut declared);
    }
    let renames: HashMap<String, Vec<syn::Ident>> = renames
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .filter(|(k, v)| v.len() > 1 && !declared.contains(k))
        .collect();
    if !renames.is_empty() {
        syn::visit_mut::VisitMut::visit_file_mut(&mut Renamer(&renames), file);
    }
}

fn collect_renames(item: &syn::Item, out: &mut HashMap<String, Option<Vec<syn::Ident>>>) {
    fn tree(
        prefix: &mut Vec<syn::Ident>,
        t: &syn::UseTree,
        out: &mut HashMap<String, Option<Vec<syn::Ident>>>,
    ) {
        match t {
            syn::UseTree::Path(p) => {
                prefix.push(p.ident.clone());
                tree(prefix, &p.tree, out);
                prefix.pop();
            }
            syn::UseTree::Rename(r)
                if r.ident != r.rename && r.ident != "self" && r.rename != "_" =>
            {
                let mut full = prefix.clone();
                full.push(r.ident.clone());
                let alias = r.rename.to_string();
                match out.get(&alias) {
                    None => {
                        out.insert(alias, Some(full));
                    }
                    Some(Some(prev)) if *prev == full => {}
                    Some(_) => {
                        out.insert(alias, None);
                    }
                }
            }
            syn::UseTree::Group(g) => {
                for t in &g.items {
                    tree(prefix, t, out);
                }
            }
            _ => {}
        }
    }
    match item {
        syn::Item::Use(u) => tree(&mut Vec::new(), &u.tree, out),
        syn::Item::Mod(m) => {
            for item in m.content.iter().flat_map(|(_, items)| items) {
                collect_renames(item, out);
            }
        }
        _ => {}
    }
}

/// The names of the types and traits the file declares, in inline modules too.
fn collect_declared(item: &syn::Item, out: &mut std::collections::HashSet<String>) {
    let name = match item {
        syn::Item::Struct(i) => &i.ident,
        syn::Item::Enum(i) => &i.ident,
        syn::Item::Union(i) => &i.ident,
        syn::Item::Type(i) => &i.ident,
        syn::Item::Trait(i) => &i.ident,
        syn::Item::Mod(m) => {
            for item in m.content.iter().flat_map(|(_, items)| items) {
                collect_declared(item, out);
            }
            return;
        }
        _ => return,
    };
    out.insert(name.to_string());
}

struct Renamer<'r>(&'r HashMap<String, Vec<syn::Ident>>);

impl syn::visit_mut::VisitMut for Renamer<'_> {
    fn visit_type_path_mut(&mut self, tp: &mut syn::TypePath) {
        syn::visit_mut::visit_type_path_mut(self, tp);
        if tp.qself.is_some() || tp.path.leading_colon.is_some() {
            return;
        }
        let Some(first) = tp.path.segments.first() else {
            return;
        };
        let Some(full) = self
            .0
            .iter()
            .find_map(|(alias, full)| (first.ident == alias).then_some(full))
        else {
            return;
        };
        let at = first.ident.span();
        let rest: Vec<syn::PathSegment> = tp.path.segments.iter().skip(1).cloned().collect();
        let args = first.arguments.clone();
        let mut segments = syn::punctuated::Punctuated::new();
        for (i, ident) in full.iter().enumerate() {
            let mut ident = ident.clone();
            ident.set_span(at);
            segments.push(syn::PathSegment {
                ident,
                arguments: if i + 1 == full.len() {
                    args.clone()
                } else {
                    syn::PathArguments::None
                },
            });
        }
        segments.extend(rest);
        tp.path.segments = segments;
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_block(&mut self, b: &'ast syn::Block) {
        let text = self
            .source
            .delimited_text(self.id, &b.brace_token.span, (b'{', b'}'));
        if text.is_some_and(|t| !has_item_word(t)) {
            return;
        }
        syn::visit::visit_block(self, b);
    }

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

    fn collect_str(text: &str) -> Imports {
        let source = SourceFile::new(
            "src/a.rs",
            text.to_string(),
            crate::source::Edition::default(),
        );
        let file = syn::parse_file(text).expect("invariant: test source parses");
        collect(&file, &source, FileId(0))
    }

    #[test]
    fn items_inside_bodies_are_found_and_blocks_without_one_passed_by() {
        let imports = collect_str(
            "fn f() { let user = 1; if user > 0 { use std::sync::mpsc; } } fn g() { let used = 2; }",
        );
        assert_eq!(
            imports.resolve(&seg("mpsc::channel")),
            "std::sync::mpsc::channel"
        );
        assert!(has_item_word("{ use a; }"));
        assert!(has_item_word("{ type A = u8; }"));
        assert!(!has_item_word("{ let user = used; cause(typed); }"));
    }

    fn seg(s: &str) -> Vec<String> {
        s.split("::").map(str::to_string).collect()
    }

    #[test]
    fn resolves_through_use_trees() {
        let imports = collect_str("use std::{fs::{self, File}, thread::sleep as nap}; use tokio::sync::*; mod m { use std::sync::mpsc; }");
        assert_eq!(imports.resolve(&seg("fs::read")), "std::fs::read");
        assert_eq!(imports.resolve(&seg("File::open")), "std::fs::File::open");
        assert_eq!(imports.resolve(&seg("nap")), "std::thread::sleep");
        assert_eq!(
            imports.resolve(&seg("mpsc::channel")),
            "std::sync::mpsc::channel"
        );
        assert_eq!(imports.resolve(&seg("other::f")), "other::f");
        assert_eq!(imports.globs(), ["tokio::sync"]);
        // The joined form resolves every path as the segment form does.
        for path in [
            "fs::read",
            "File::open",
            "nap",
            "mpsc::channel",
            "other::f",
            "fs",
            "x",
        ] {
            assert_eq!(
                imports.resolve_joined(path.to_string()),
                imports.resolve(&seg(path)),
                "{path}"
            );
        }
    }

    #[test]
    fn async_lock_types_follow_the_files_aliases() {
        let imports = collect_str("use futures_intrusive::sync::LocalMutex; type Fork = LocalMutex<()>; type Forks = Vec<Fork>; type Plain = std::sync::Mutex<()>;");
        let known = ["futures_intrusive::sync::LocalMutex".to_string()];
        assert!(imports.is_async_lock_type("&Fork", &known));
        assert!(imports.is_async_lock_type("Rc<Forks>", &known));
        assert!(!imports.is_async_lock_type("&Plain", &known));
        assert!(!imports.is_async_lock_type("Other", &known));
    }

    #[test]
    fn renamed_types_read_as_the_path_they_import() {
        let mut file: syn::File = syn::parse_str(
            "use parking_lot::{Mutex as PlMutex, RwLock}; use std::sync::Arc as A; use crate::x::Same as Same;
             use crate::rt::Cell as Lazy; struct Lazy; use Local as L;
             mod m { use a::B as Two; } mod n { use c::D as Two; }
             struct S { a: PlMutex<u8>, b: A<PlMutex<()>>, c: RwLock<u8>, d: Two, e: Same, f: Lazy, g: L }",
        )
        .expect("invariant: test source parses");
        expand_renamed_types(&mut file);
        let text = quote::ToTokens::to_token_stream(&file).to_string();
        assert!(text.contains("a : parking_lot :: Mutex < u8 >"), "{text}");
        assert!(
            text.contains("b : std :: sync :: Arc < parking_lot :: Mutex < () > >"),
            "{text}"
        );
        assert!(text.contains("c : RwLock < u8 >"), "{text}");
        assert!(
            text.contains("d : Two"),
            "an alias of two paths stays: {text}"
        );
        assert!(text.contains("e : Same"), "{text}");
        assert!(
            text.contains("f : Lazy"),
            "a name the file declares stays: {text}"
        );
        assert!(
            text.contains("g : L"),
            "a rename of a local name stays: {text}"
        );
    }

    #[test]
    fn conflicting_imports_resolve_to_nothing() {
        let imports = collect_str("mod a { use std::fs; } mod b { use tokio::fs; }");
        assert_eq!(imports.resolve(&seg("fs::read")), "fs::read");
    }
}
