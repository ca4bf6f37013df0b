//! The per-file collection of items: what a parsed file declares (types, fields,
//! statics, impls, traits, modules, re-exports), as [`FileItems`], and the printing of
//! types as compact text.
//!
//! It reads only the item tree, never function bodies (that is [`crate::syntax::walk`]).

use syn::visit::Visit;

use crate::model::imports::Imports;
use crate::model::known::Known;
use crate::model::{type_name_of, FieldDecl, FileItems, StaticDecl, TypeDecl, UnsafeImpl};
use crate::report::finding::FileId;
use crate::source::SourceFile;
use crate::syntax::api;

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
    c.items.api = api::collect(file, src, id);
    c.items
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
                    syn::Visibility::Public(_) => "pub".to_string(),
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
    fn visit_item_type(&mut self, it: &'ast syn::ItemType) {
        let target = type_text(&it.ty);
        if crate::model::TypeText::new(&target).is_closure_object() {
            self.items.callback_aliases.push(it.ident.to_string());
        }
        syn::visit::visit_item_type(self, it);
    }

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
                let params = param_bounds(&it.generics);
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

/// Each type parameter with its bounds as compact text, from the parameter list and
/// the `where` clause joined by `+` (`T: Send` and `where T: Sync` give `Send+Sync`);
/// a `where` bound on another type (`Vec<T>: Debug`) is its own entry.
pub(super) fn param_bounds(generics: &syn::Generics) -> Vec<(String, String)> {
    let mut params: Vec<(String, String)> = generics
        .type_params()
        .map(|p| {
            (
                p.ident.to_string(),
                compact(&quote::ToTokens::to_token_stream(&p.bounds).to_string()),
            )
        })
        .collect();
    if let Some(wc) = &generics.where_clause {
        for pred in &wc.predicates {
            if let syn::WherePredicate::Type(pt) = pred {
                let name = type_text(&pt.bounded_ty);
                let bounds = compact(&quote::ToTokens::to_token_stream(&pt.bounds).to_string());
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
    params
}

/// A type as written, without whitespace (`Arc<Mutex<HashMap<K,V>>>`).
///
/// Common types are printed straight from the tree; the rest (function pointers,
/// macros, bounds with lifetimes or `for<..>`) through their tokens, with the same
/// result: one space only between two words.
pub fn type_text(ty: &syn::Type) -> String {
    // The allocator's smallest block holds 24 bytes: most types fit it at once.
    let mut out = String::with_capacity(24);
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
    fn compact_keeps_one_space_between_words() {
        assert_eq!(
            compact("& 'a mut Arc < dyn Fn (u32) + Send >"),
            "&'a mut Arc<dyn Fn(u32)+Send>"
        );
    }
}
