//! Item traversal: which bodies a file has, in which order, and what each is told
//! about its surroundings (the `impl` it is in, its parameters, the variables a
//! closure captures, whether it is test code).
//!
//! It reads items and attributes only; what happens inside a body is the walker's.

use super::*;

impl<'a> FileWalker<'a> {
    pub(super) fn span(&self, span: proc_macro2::Span) -> Span {
        self.file.span(self.id, span)
    }

    /// Records a call with no arguments, by name: a guard method another file of
    /// the crate declares could answer it. A name is copied once.
    pub(super) fn note_nullary_call(&self, name: &str) {
        let mut seen = self.nullary_calls.borrow_mut();
        if !seen.contains(name) {
            seen.insert(name.to_string());
        }
    }

    /// The short name of a type as written, unless it comes from an async crate.
    pub(super) fn type_name(&self, ty: &str) -> Option<String> {
        let mut ty = ty.trim_start_matches('&');
        if let Some(rest) = ty.strip_prefix("mut ") {
            ty = rest;
        }
        let path = ty.split('<').next().unwrap_or(ty);
        if path.is_empty() || !path.starts_with(|c: char| c.is_alphabetic() || c == ':') {
            return None;
        }
        let segs: Vec<String> = path
            .split("::")
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        let full = self.imports.resolve(&segs);
        if let Some(name) = self.known.type_name(&full) {
            return Some(name.to_string());
        }
        if is_async_path(&full) {
            return None;
        }
        segs.last().cloned()
    }

    pub(super) fn items(&self, items: &[syn::Item], cx: &ItemCx, out: &mut Vec<Body>) {
        for item in items {
            self.item(item, cx, out);
        }
    }

    pub(super) fn item(&self, item: &syn::Item, cx: &ItemCx, out: &mut Vec<Body>) {
        match item {
            syn::Item::Fn(f) => {
                let cx = ItemCx {
                    in_test: cx.in_test,
                    module: cx.module.clone(),
                    self_ty: None,
                    trait_name: None,
                    bounds: Vec::new(),
                };
                let spec = self.fn_spec(&f.attrs, &f.vis, &f.sig, BodyKind::Fn, &cx, &f.block);
                self.walk_body(spec, out);
            }
            syn::Item::Impl(imp) => {
                let cx = ItemCx {
                    self_ty: Some(type_text(&imp.self_ty)),
                    trait_name: imp
                        .trait_
                        .as_ref()
                        .and_then(|(p, _)| p.segments.last())
                        .map(|s| s.ident.to_string()),
                    bounds: trait_bounds(&imp.generics),
                    ..cx.clone()
                };
                for it in &imp.items {
                    if let syn::ImplItem::Fn(f) = it {
                        // Methods of a trait impl are as public as the trait; they have
                        // no visibility of their own, so none is exported as written.
                        let vis = if imp.trait_.is_some() {
                            syn::Visibility::Public(Default::default())
                        } else {
                            f.vis.clone()
                        };
                        let mut spec =
                            self.fn_spec(&f.attrs, &vis, &f.sig, BodyKind::Method, &cx, &f.block);
                        spec.is_exported &= imp.trait_.is_none();
                        self.walk_body(spec, out);
                    }
                }
            }
            syn::Item::Trait(tr) => {
                // In a trait's default body, `Self` is any type of the trait: a
                // type parameter bounded by the trait itself.
                let mut bounds = trait_bounds(&tr.generics);
                bounds.push(("Self".to_string(), tr.ident.to_string()));
                let cx = ItemCx {
                    self_ty: Some(tr.ident.to_string()),
                    trait_name: Some(tr.ident.to_string()),
                    bounds,
                    ..cx.clone()
                };
                for it in &tr.items {
                    if let syn::TraitItem::Fn(f) = it {
                        if let Some(block) = &f.default {
                            let spec = self.fn_spec(
                                &f.attrs,
                                &tr.vis,
                                &f.sig,
                                BodyKind::Method,
                                &cx,
                                block,
                            );
                            self.walk_body(spec, out);
                        }
                    }
                }
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    let mut module = cx.module.clone();
                    module.push(m.ident.to_string());
                    let cx = ItemCx {
                        in_test: cx.in_test || is_cfg_test(&m.attrs),
                        module,
                        self_ty: None,
                        trait_name: None,
                        bounds: Vec::new(),
                    };
                    self.items(items, &cx, out);
                }
            }
            _ => {}
        }
    }

    pub(super) fn fn_spec<'s>(
        &self,
        attrs: &[syn::Attribute],
        vis: &syn::Visibility,
        sig: &syn::Signature,
        kind: BodyKind,
        cx: &ItemCx,
        block: &'s syn::Block,
    ) -> BodySpec<'s> {
        let params: Vec<(String, String)> = sig
            .inputs
            .iter()
            .filter_map(|arg| match arg {
                syn::FnArg::Typed(pt) => pat_ident(&pt.pat).map(|n| (n, type_text(&pt.ty))),
                syn::FnArg::Receiver(_) => None,
            })
            .collect();
        let fn_bounded = fn_bounded_type_params(&sig.generics);
        let (callback_params, callback_sigs) = params
            .iter()
            .filter_map(|(n, ty)| {
                if is_fn_type(ty) {
                    return Some((n.clone(), ty.clone()));
                }
                if fn_bounded.is_empty() {
                    return None;
                }
                let name = crate::model::type_name_of(ty)?;
                fn_bounded
                    .iter()
                    .find(|(g, _)| *g == name)
                    .map(|(_, bounds)| (n.clone(), bounds.clone()))
            })
            .unzip();
        let ret_ty = match &sig.output {
            syn::ReturnType::Default => None,
            syn::ReturnType::Type(_, ty) => Some(type_text(ty)),
        };
        let is_test = is_test_fn(attrs);
        let mut bounds = cx.bounds.clone();
        // A function's own type parameters shadow the `impl`'s of the same name.
        let own = trait_bounds(&sig.generics);
        bounds.retain(|(p, _)| !own.iter().any(|(q, _)| q == p));
        bounds.extend(own);
        BodySpec {
            kind,
            name: sig.ident.to_string(),
            is_async: sig.asyncness.is_some(),
            is_unsafe: matches!(sig.safety, syn::Safety::Unsafe(_)),
            is_test,
            is_serial: attrs.iter().any(|a| {
                a.path()
                    .segments
                    .last()
                    .is_some_and(|s| s.ident == "serial" || s.ident == "file_serial")
            }),
            is_pub: !matches!(vis, syn::Visibility::Inherited),
            is_exported: matches!(vis, syn::Visibility::Public(_)),
            is_pub_restricted: matches!(vis, syn::Visibility::Restricted(_)),
            cx: ItemCx {
                in_test: cx.in_test || is_test,
                bounds,
                module: cx.module.clone(),
                self_ty: cx.self_ty.clone(),
                trait_name: cx.trait_name.clone(),
            },
            span: sig.ident.span(),
            params,
            callback_params,
            callback_sigs,
            ret_ty,
            self_kind: sig.inputs.iter().find_map(|arg| match arg {
                syn::FnArg::Receiver(r) => Some(match &r.kind {
                    syn::ReceiverKind::Reference(_, _, Some(_)) => crate::flow::SelfKind::RefMut,
                    syn::ReceiverKind::Reference(_, _, None) => crate::flow::SelfKind::Ref,
                    _ => crate::flow::SelfKind::Value,
                }),
                syn::FnArg::Typed(_) => None,
            }),
            captured: Vec::new(),
            body: BodyRef::Block(block),
        }
    }

    pub(super) fn walk_body(&self, spec: BodySpec<'_>, out: &mut Vec<Body>) {
        let body = spec.body;
        let mut bw = BodyWalker::new(self, spec, out);
        match body {
            BodyRef::Block(block) => {
                bw.block(block, Tail::FnBody);
            }
            BodyRef::Expr(expr) => {
                bw.scopes.temps.push(Vec::new());
                bw.expr(expr, false);
                bw.end_temps();
            }
        }
        bw.finish();
    }
}

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    pub(super) fn nested_item(&mut self, item: &syn::Item) {
        // Items nested in a body share nothing with it.
        let cx = ItemCx {
            in_test: self.body.in_test,
            module: self.body.module.to_vec(),
            self_ty: None,
            trait_name: None,
            bounds: Vec::new(),
        };
        self.fw.item(item, &cx, self.out);
    }

    /// A `#[cfg(test)]` statement inside a body: test code, run where it stands
    /// but only in test builds, so it is walked as a nested body marked as test code
    /// (the way `#[cfg(test)]` modules are), and nothing it does counts for the body
    /// around it.
    pub(super) fn test_only(&mut self, stmt: &syn::Stmt) {
        let block = syn::Block {
            brace_token: syn::token::Brace::default(),
            stmts: vec![stmt.clone()],
        };
        self.child(self.nested_spec(
            if self.is_async {
                BodyKind::AsyncBlock
            } else {
                BodyKind::Closure
            },
            "{cfg(test)}",
            self.is_async,
            true,
            stmt.span(),
            Vec::new(),
            BodyRef::Block(&block),
        ));
    }

    /// The spec of a body nested in this one (a closure, an `async` block, a
    /// `#[cfg(test)]` statement): in the same module and impl, never itself a test,
    /// serial, exported or `unsafe` item, and given the variables in scope by
    /// [`Self::child`].
    #[allow(clippy::too_many_arguments)]
    pub(super) fn nested_spec<'s>(
        &self,
        kind: BodyKind,
        suffix: &str,
        is_async: bool,
        in_test: bool,
        span: proc_macro2::Span,
        params: Vec<(String, String)>,
        body: BodyRef<'s>,
    ) -> BodySpec<'s> {
        BodySpec {
            kind,
            name: nested_name(&self.body.name, suffix),
            is_async,
            is_unsafe: false,
            is_test: false,
            is_serial: false,
            is_pub: false,
            is_exported: false,
            is_pub_restricted: false,
            cx: ItemCx {
                in_test,
                module: self.body.module.to_vec(),
                self_ty: self.body.self_ty.clone(),
                trait_name: None,
                bounds: self.body.trait_bounds.to_vec(),
            },
            callback_params: Vec::new(),
            callback_sigs: Vec::new(),
            ret_ty: None,
            self_kind: None,
            captured: Vec::new(),
            span,
            params,
            body,
        }
    }

    pub(super) fn child(&mut self, mut spec: BodySpec<'_>) {
        spec.captured = self.visible_vars();
        self.fw.walk_body(spec, self.out);
    }

    /// The variables in scope, innermost last, as a closure sees them: types and
    /// aliases, without guards or per-body facts.
    pub(super) fn visible_vars(&self) -> Vec<Var> {
        self.scopes
            .blocks
            .iter()
            .flat_map(|s| s.vars.iter())
            .filter(|v| {
                v.ty.is_some()
                    || v.ty_text.is_some()
                    || v.alias.is_some()
                    || v.lock_ty.is_some()
                    || v.is_refcell
                    || v.is_async_lock
                    || v.str_value.is_some()
                    || v.lock_fn.is_some()
            })
            .map(|v| Var {
                guard: None,
                derived: Vec::new(),
                elem_of: None,
                // Event indices are the parent body's.
                loaded: None,
                ..v.clone()
            })
            .collect()
    }
}

pub(super) fn collect_statics(
    items: &[syn::Item],
    out: &mut HashMap<String, String>,
    str_consts: &mut HashMap<String, String>,
) {
    for item in items {
        match item {
            syn::Item::Static(s) => {
                out.insert(s.ident.to_string(), type_text(&s.ty));
            }
            syn::Item::Mod(m) => {
                if let Some((_, items)) = &m.content {
                    collect_statics(items, out, str_consts);
                }
            }
            _ => {
                if let Some((name, value)) = str_const(item) {
                    str_consts.insert(name, value);
                }
            }
        }
    }
}

/// Methods that hand out a mutable reference into their receiver.
pub(super) const MUT_ACCESS: &[&str] = &[
    "as_mut",
    "get_mut",
    "iter_mut",
    "values_mut",
    "first_mut",
    "last_mut",
];

/// Names a pattern binds by `ref mut`.
pub(super) fn ref_mut_bindings(pat: &syn::Pat, out: &mut Vec<String>) {
    match pat {
        syn::Pat::Ident(p) => {
            if p.by_ref.is_some() && p.mutability.is_some() {
                out.push(p.ident.to_string());
            }
            if let Some((_, sub)) = &p.subpat {
                ref_mut_bindings(sub, out);
            }
        }
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| ref_mut_bindings(p, out)),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| ref_mut_bindings(p, out)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| ref_mut_bindings(&f.pat, out)),
        syn::Pat::Or(o) => o.cases.iter().for_each(|p| ref_mut_bindings(p, out)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|p| ref_mut_bindings(p, out)),
        syn::Pat::Reference(r) => ref_mut_bindings(&r.pat, out),
        syn::Pat::Paren(p) => ref_mut_bindings(&p.pat, out),
        syn::Pat::Type(t) => ref_mut_bindings(&t.pat, out),
        _ => {}
    }
}

/// A `const` item whose value is a string literal: its name and value.
pub(super) fn str_const(item: &syn::Item) -> Option<(String, String)> {
    match item {
        syn::Item::Const(c) => string_literal(&c.expr).map(|v| (c.ident.to_string(), v)),
        _ => None,
    }
}

/// Whether a type as written holds user code: `Fn(..)`, `impl FnMut(..)`,
/// `&dyn FnOnce(..)`, `Box<dyn Fn(..) + Send>`.
pub(super) fn is_fn_type(ty: &str) -> bool {
    // Every form names its arguments in parentheses.
    if !ty.contains('(') {
        return false;
    }
    ["Fn(", "FnMut(", "FnOnce("].iter().any(|f| {
        ty.match_indices(f)
            .any(|(i, _)| i == 0 || !ty[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

/// Type parameters bounded by `Fn`, `FnMut` or `FnOnce`, in the parameter list or a
/// `where` clause, with their bounds.
pub(super) fn fn_bounded_type_params(generics: &syn::Generics) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in &generics.params {
        if let syn::GenericParam::Type(tp) = p {
            if !may_name_fn_trait(&tp.bounds) {
                continue;
            }
            let bounds = compact(&quote::ToTokens::to_token_stream(&tp.bounds).to_string());
            if is_fn_type(&bounds) {
                out.push((tp.ident.to_string(), bounds));
            }
        }
    }
    if let Some(wc) = &generics.where_clause {
        for pred in &wc.predicates {
            if let syn::WherePredicate::Type(pt) = pred {
                if !may_name_fn_trait(&pt.bounds) {
                    continue;
                }
                let bounds = compact(&quote::ToTokens::to_token_stream(&pt.bounds).to_string());
                if is_fn_type(&bounds) {
                    out.push((type_text(&pt.bounded_ty), bounds));
                }
            }
        }
    }
    out
}

/// Whether bounds may name a closure trait (`Fn(..)`, `FnMut(..)`, `FnOnce(..)`)
/// anywhere in them, as [`is_fn_type`] reads their text; tokens left unparsed (a
/// macro, verbatim tokens) may. Printing the bounds to read them costs far more.
fn may_name_fn_trait<'b>(bounds: impl IntoIterator<Item = &'b syn::TypeParamBound>) -> bool {
    use syn::visit::Visit;
    struct Finder(bool);
    impl<'ast> Visit<'ast> for Finder {
        fn visit_path_segment(&mut self, s: &'ast syn::PathSegment) {
            let named = s.ident == "Fn" || s.ident == "FnMut" || s.ident == "FnOnce";
            if named && matches!(s.arguments, syn::PathArguments::Parenthesized(_)) {
                self.0 = true;
            }
            syn::visit::visit_path_segment(self, s);
        }
        fn visit_macro(&mut self, _: &'ast syn::Macro) {
            self.0 = true;
        }
        fn visit_type(&mut self, t: &'ast syn::Type) {
            if matches!(t, syn::Type::Verbatim(_)) {
                self.0 = true;
            }
            syn::visit::visit_type(self, t);
        }
        fn visit_type_param_bound(&mut self, b: &'ast syn::TypeParamBound) {
            if matches!(b, syn::TypeParamBound::Verbatim(_)) {
                self.0 = true;
            }
            syn::visit::visit_type_param_bound(self, b);
        }
    }
    let mut f = Finder(false);
    for b in bounds {
        f.visit_type_param_bound(b);
    }
    f.0
}

/// The traits bounding each type parameter, in the parameter list or a `where`
/// clause, as (parameter, trait) pairs, the trait by its last path segment without
/// arguments (`T: store::Store<K> + Send` gives `(T, Store)` and `(T, Send)`);
/// `?Sized`, lifetimes and closure traits are left out.
pub(super) fn trait_bounds(generics: &syn::Generics) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut add = |param: String, bounds: &syn::punctuated::Punctuated<syn::TypeParamBound, _>| {
        for b in bounds {
            let syn::TypeParamBound::Trait(tb) = b else {
                continue;
            };
            if tb.maybe.is_some() {
                continue;
            }
            let Some(last) = tb.path.segments.last() else {
                continue;
            };
            let name = last.ident.to_string();
            if !matches!(name.as_str(), "Fn" | "FnMut" | "FnOnce") {
                out.push((param.clone(), name));
            }
        }
    };
    for p in &generics.params {
        if let syn::GenericParam::Type(tp) = p {
            add(tp.ident.to_string(), &tp.bounds);
        }
    }
    if let Some(wc) = &generics.where_clause {
        for pred in &wc.predicates {
            if let syn::WherePredicate::Type(pt) = pred {
                if let syn::Type::Path(tp) = &pt.bounded_ty {
                    if let Some(id) = tp.path.get_ident() {
                        add(id.to_string(), &pt.bounds);
                    }
                }
            }
        }
    }
    out
}

pub(super) fn is_test_fn(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path()
            .segments
            .last()
            .is_some_and(|s| s.ident == "test" || s.ident == "rstest" || s.ident == "test_case")
    })
}

/// `#[cfg(test)]` (also inside `all(..)`/`any(..)`).
pub(super) fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        a.path().is_ident("cfg") && {
            let mut idents = HashSet::default();
            if let syn::Meta::List(list) = &a.meta {
                collect_idents(&list.tokens, &mut idents);
            }
            idents.contains("test") && !idents.contains("not")
        }
    })
}

/// The predicate of a statement's `#[cfg(..)]`, as text.
pub(super) fn cfg_of(stmt: &syn::Stmt) -> Option<String> {
    let attrs: &[syn::Attribute] = match stmt {
        syn::Stmt::Local(l) => &l.attrs,
        syn::Stmt::Macro(m) => &m.attrs,
        syn::Stmt::Expr(e, _) => match e {
            syn::Expr::Call(c) => &c.attrs,
            syn::Expr::MethodCall(c) => &c.attrs,
            syn::Expr::Block(b) => &b.attrs,
            syn::Expr::If(i) => &i.attrs,
            syn::Expr::Match(m) => &m.attrs,
            syn::Expr::Unsafe(u) => &u.attrs,
            syn::Expr::Assign(a) => &a.attrs,
            syn::Expr::Macro(m) => &m.attrs,
            _ => return None,
        },
        syn::Stmt::Item(_) => return None,
    };
    attrs
        .iter()
        .find(|a| a.path().is_ident("cfg"))
        .and_then(|a| match &a.meta {
            syn::Meta::List(l) => Some(compact(&l.tokens.to_string())),
            _ => None,
        })
}

/// Whether a `cfg` predicate holds only in test builds: `test`, or `all(..)` with
/// `test` among its parts and no `not`/`any`.
pub(super) fn is_test_only_cfg(cfg: &str) -> bool {
    cfg == "test"
        || cfg.strip_prefix("all(").is_some_and(|rest| {
            !rest.contains("not(")
                && !rest.contains("any(")
                && rest
                    .trim_end_matches(')')
                    .split(',')
                    .any(|part| part.trim() == "test")
        })
}

/// Whether two `cfg` predicates exclude each other (`P` and `not(P)`).
pub(super) fn cfgs_exclusive(a: &str, b: &str) -> bool {
    a.strip_prefix("not(").and_then(|r| r.strip_suffix(')')) == Some(b)
        || b.strip_prefix("not(").and_then(|r| r.strip_suffix(')')) == Some(a)
}

/// A closure's or async block's name: its parent's with the kind appended once, so
/// that deeply nested closures do not make names that grow with the nesting.
pub(super) fn nested_name(parent: &str, kind: &str) -> String {
    if parent.ends_with("::{closure}") || parent.ends_with("::{async block}") {
        let base = parent.rsplit_once("::").map_or(parent, |(b, _)| b);
        format!("{base}::{kind}")
    } else {
        format!("{parent}::{kind}")
    }
}
