//! The guard-lifetime walker: one pass over every body of a file that records where
//! each guard is acquired, where it dies, and what happens while it lives.
//!
//! Drop scopes follow the Reference ("Destructors", "Temporary scopes"):
//!
//! - a named guard lives to the end of its block, to `drop(g)`, or to a move into a
//!   by-value call; shadowing does not drop it;
//! - a temporary dies at the end of its statement; `let x = &temp` extends it to the
//!   end of the block;
//! - `if` and `while` conditions drop their temporaries before the body runs;
//! - `match` scrutinee temporaries live to the end of the `match`; `if let` /
//!   `while let` scrutinee temporaries live through the body, and before edition 2024
//!   through the `else` block too;
//! - a block's tail-expression temporaries outlive the block before 2024 (they belong
//!   to the enclosing statement) and die with it from 2024;
//! - `for` iterator temporaries live for the whole loop.
//!
//! Closures and `async` blocks are separate bodies: nothing held in one is held in the
//! other. The walker never resolves locks across functions or files; it records the
//! syntactic lock and the callee of every call, and leaves the rest to the model.

use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use proc_macro2::{TokenStream, TokenTree};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;

use crate::flow::methods::GUARD_LOCK_TYPES;
use crate::flow::{Body, BodyKind, Call, Event, EventKind, FileFlows, Guard, GuardId, LockPath};
use crate::model::imports::Imports;
use crate::model::known::Known;
use crate::model::{compact, type_text};
use crate::report::finding::{FileId, Span};
use crate::source::SourceFile;

/// Crates whose types of the same name as std's (`File`, `Receiver`...) are async.
const ASYNC_CRATES: &[&str] = &[
    "tokio",
    "async_std",
    "futures",
    "futures_util",
    "smol",
    "async_lock",
    "async_channel",
    "async_fs",
    "async_net",
];

/// Macros whose arguments are plain comma-separated expressions.
const EXPR_MACROS: &[&str] = &[
    "format",
    "print",
    "println",
    "eprint",
    "eprintln",
    "write",
    "writeln",
    "vec",
    "assert",
    "assert_eq",
    "assert_ne",
    "debug_assert",
    "debug_assert_eq",
    "debug_assert_ne",
    "dbg",
    "format_args",
    "panic",
    "todo",
    "unimplemented",
    "unreachable",
    "info",
    "debug",
    "warn",
    "error",
    "trace",
];

/// Most data-source calls kept per call argument list or variable.
const MAX_CALL_SOURCES: usize = 8;

/// Macros that never return.
const DIVERGING_MACROS: &[&str] = &["panic", "todo", "unimplemented", "unreachable"];

/// Macros that await the futures they are given.
const AWAITING_MACROS: &[&str] = &["select", "select_biased", "join", "try_join", "pending"];

/// Macros whose arguments are futures: awaited (`select!`, `join!`) or pinned to be
/// awaited (`pin_mut!`, `tokio::pin!`, `std::pin::pin!`).
const FUTURE_MACROS: &[&str] = &[
    "select",
    "select_biased",
    "join",
    "try_join",
    "pin_mut",
    "pin",
];

/// Functions that run their closure argument on another thread or outside the async
/// context; the closure is a separate body either way, these only make it explicit.
const DIVERGING_FNS: &[&str] = &["std::process::exit", "process::exit", "std::process::abort"];

/// Walks every body of a parsed file.
pub fn walk_file(
    ast: &syn::File,
    imports: &Imports,
    known: &Known,
    file: &SourceFile,
    id: FileId,
) -> FileFlows {
    let mut fw = FileWalker {
        file,
        id,
        imports,
        known,
        statics: HashMap::default(),
        str_consts: HashMap::default(),
    };
    collect_statics(&ast.items, &mut fw.statics, &mut fw.str_consts);
    let mut bodies = Vec::new();
    // Cargo's integration tests and benchmarks are test code throughout.
    let in_test_file = file
        .path
        .components()
        .any(|c| matches!(c.as_os_str().to_str(), Some("tests" | "benches")));
    let cx = ItemCx {
        in_test: in_test_file,
        ..ItemCx::default()
    };
    fw.items(&ast.items, &cx, &mut bodies);
    FileFlows { bodies }
}

fn collect_statics(
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
const MUT_ACCESS: &[&str] = &[
    "as_mut",
    "get_mut",
    "iter_mut",
    "values_mut",
    "first_mut",
    "last_mut",
];

/// Names a pattern binds by `ref mut`.
fn ref_mut_bindings(pat: &syn::Pat, out: &mut Vec<String>) {
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
fn str_const(item: &syn::Item) -> Option<(String, String)> {
    match item {
        syn::Item::Const(c) => string_literal(&c.expr).map(|v| (c.ident.to_string(), v)),
        _ => None,
    }
}

struct FileWalker<'a> {
    file: &'a SourceFile,
    id: FileId,
    imports: &'a Imports,
    known: &'a Known,
    /// Static items of the file, with their types as written.
    statics: HashMap<String, String>,
    /// String constants of the file (`const NAME: &str = "..";`), by name.
    str_consts: HashMap<String, String>,
}

/// A function-like body to walk.
struct BodySpec<'s> {
    kind: BodyKind,
    name: String,
    is_async: bool,
    is_unsafe: bool,
    is_test: bool,
    is_serial: bool,
    is_pub: bool,
    is_exported: bool,
    is_pub_restricted: bool,
    cx: ItemCx,
    span: proc_macro2::Span,
    params: Vec<(String, String)>,
    callback_params: Vec<String>,
    callback_sigs: Vec<String>,
    ret_ty: Option<String>,
    self_kind: Option<crate::flow::SelfKind>,
    /// What a closure or async block sees of its parent's variables: their types
    /// and aliases, never their guards.
    captured: Vec<Var>,
    body: BodyRef<'s>,
}

/// Where an item stands: its module within the file, its `impl`, test code or not.
#[derive(Clone, Debug, Default)]
struct ItemCx {
    in_test: bool,
    module: Vec<String>,
    self_ty: Option<String>,
    trait_name: Option<String>,
}

enum BodyRef<'s> {
    Block(&'s syn::Block),
    Expr(&'s syn::Expr),
}

impl<'a> FileWalker<'a> {
    fn span(&self, span: proc_macro2::Span) -> Span {
        self.file.span(self.id, span)
    }

    /// The short name of a type as written, unless it comes from an async crate.
    fn type_name(&self, ty: &str) -> Option<String> {
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
        if is_async_path(&full) {
            return None;
        }
        segs.last().cloned()
    }

    fn items(&self, items: &[syn::Item], cx: &ItemCx, out: &mut Vec<Body>) {
        for item in items {
            self.item(item, cx, out);
        }
    }

    fn item(&self, item: &syn::Item, cx: &ItemCx, out: &mut Vec<Body>) {
        match item {
            syn::Item::Fn(f) => {
                let cx = ItemCx {
                    self_ty: None,
                    trait_name: None,
                    ..cx.clone()
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
                let cx = ItemCx {
                    self_ty: Some(tr.ident.to_string()),
                    trait_name: Some(tr.ident.to_string()),
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
                    };
                    self.items(items, &cx, out);
                }
            }
            _ => {}
        }
    }

    fn fn_spec<'s>(
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
                ..cx.clone()
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

    fn walk_body(&self, spec: BodySpec<'_>, out: &mut Vec<Body>) {
        let mut bw = BodyWalker::new(self, &spec, out);
        match spec.body {
            BodyRef::Block(block) => {
                bw.block(block, Tail::FnBody);
            }
            BodyRef::Expr(expr) => {
                bw.temps.push(Vec::new());
                bw.expr(expr, false);
                bw.end_temps();
            }
        }
        bw.finish();
    }
}

/// Whether a type as written holds user code: `Fn(..)`, `impl FnMut(..)`,
/// `&dyn FnOnce(..)`, `Box<dyn Fn(..) + Send>`.
fn is_fn_type(ty: &str) -> bool {
    ["Fn(", "FnMut(", "FnOnce("].iter().any(|f| {
        ty.match_indices(f)
            .any(|(i, _)| i == 0 || !ty[..i].ends_with(|c: char| c.is_alphanumeric() || c == '_'))
    })
}

/// Type parameters bounded by `Fn`, `FnMut` or `FnOnce`, in the parameter list or a
/// `where` clause, with their bounds.
fn fn_bounded_type_params(generics: &syn::Generics) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for p in &generics.params {
        if let syn::GenericParam::Type(tp) = p {
            let bounds = compact(&quote::ToTokens::to_token_stream(&tp.bounds).to_string());
            if is_fn_type(&bounds) {
                out.push((tp.ident.to_string(), bounds));
            }
        }
    }
    if let Some(wc) = &generics.where_clause {
        for pred in &wc.predicates {
            if let syn::WherePredicate::Type(pt) = pred {
                let bounds = compact(&quote::ToTokens::to_token_stream(&pt.bounds).to_string());
                if is_fn_type(&bounds) {
                    out.push((type_text(&pt.bounded_ty), bounds));
                }
            }
        }
    }
    out
}

fn is_test_fn(attrs: &[syn::Attribute]) -> bool {
    attrs.iter().any(|a| {
        let segs: Vec<String> = a
            .path()
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect();
        matches!(
            segs.last().map(String::as_str),
            Some("test" | "rstest" | "test_case")
        )
    })
}

/// `#[cfg(test)]` (also inside `all(..)`/`any(..)`).
fn is_cfg_test(attrs: &[syn::Attribute]) -> bool {
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

fn pat_ident(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
        syn::Pat::Type(pt) => pat_ident(&pt.pat),
        syn::Pat::Reference(r) => pat_ident(&r.pat),
        syn::Pat::Paren(p) => pat_ident(&p.pat),
        _ => None,
    }
}

/// Every identifier a pattern binds.
fn pat_bindings(pat: &syn::Pat, out: &mut Vec<String>) {
    match pat {
        syn::Pat::Ident(pi) => {
            out.push(pi.ident.to_string());
            if let Some((_, sub)) = &pi.subpat {
                pat_bindings(sub, out);
            }
        }
        syn::Pat::Type(pt) => pat_bindings(&pt.pat, out),
        syn::Pat::Reference(r) => pat_bindings(&r.pat, out),
        syn::Pat::Paren(p) => pat_bindings(&p.pat, out),
        syn::Pat::Guard(g) => pat_bindings(&g.pat, out),
        syn::Pat::Or(o) => {
            if let Some(first) = o.cases.first() {
                pat_bindings(first, out);
            }
        }
        syn::Pat::Tuple(t) => t.elems.iter().for_each(|p| pat_bindings(p, out)),
        syn::Pat::TupleStruct(t) => t.elems.iter().for_each(|p| pat_bindings(p, out)),
        syn::Pat::Slice(s) => s.elems.iter().for_each(|p| pat_bindings(p, out)),
        syn::Pat::Struct(s) => s.fields.iter().for_each(|f| pat_bindings(&f.pat, out)),
        _ => {}
    }
}

/// The identifier a pattern binds the whole matched value (or the only field of
/// `Ok(..)`, `Some(..)`, `Err(..)`) to: that binding holds a guard the scrutinee holds.
fn guard_binding(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(pi) if pi.subpat.is_none() => Some(pi.ident.to_string()),
        syn::Pat::Type(pt) => guard_binding(&pt.pat),
        syn::Pat::Paren(p) => guard_binding(&p.pat),
        syn::Pat::Guard(g) => guard_binding(&g.pat),
        syn::Pat::TupleStruct(t) if t.elems.len() == 1 => {
            let last = t.path.segments.last()?.ident.to_string();
            if matches!(last.as_str(), "Ok" | "Some" | "Err") {
                guard_binding(&t.elems[0])
            } else {
                None
            }
        }
        // `let (g, timeout) = cv.wait_timeout(g, d).unwrap();`
        syn::Pat::Tuple(t) => t.elems.first().and_then(guard_binding),
        _ => None,
    }
}

/// The variable an `if` condition tests empty in its `then` branch (`x.is_none()`,
/// `!x.is_some()`, either side of `&&`) or in its `else` branch (`x.is_some()`,
/// `!x.is_none()`).
fn empty_option_test(
    cond: &syn::Expr,
) -> (Option<&proc_macro2::Ident>, Option<&proc_macro2::Ident>) {
    if let syn::Expr::Binary(b) = strip(cond) {
        if matches!(b.op, syn::BinOp::And(_)) {
            let then = empty_option_test(&b.left)
                .0
                .or_else(|| empty_option_test(&b.right).0);
            return (then, None);
        }
    }
    let (negated, e) = match strip(cond) {
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Not(_)) => (true, strip(&u.expr)),
        other => (false, other),
    };
    let syn::Expr::MethodCall(mc) = e else {
        return (None, None);
    };
    if !mc.args.is_empty() {
        return (None, None);
    }
    let Some(ident) = path_ident(&mc.receiver) else {
        return (None, None);
    };
    let empty_then = match mc.method.to_string().as_str() {
        "is_none" => !negated,
        "is_some" => negated,
        _ => return (None, None),
    };
    if empty_then {
        (Some(ident), None)
    } else {
        (None, Some(ident))
    }
}

fn is_let_cond(e: &syn::Expr) -> bool {
    match e {
        syn::Expr::Let(_) => true,
        syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
            is_let_cond(&b.left) || is_let_cond(&b.right)
        }
        syn::Expr::Paren(p) => is_let_cond(&p.expr),
        syn::Expr::Group(g) => is_let_cond(&g.expr),
        _ => false,
    }
}

fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

/// `Err(..)`: a failure value, not a result handed back.
fn is_err_call(e: &syn::Expr) -> bool {
    matches!(strip(e), syn::Expr::Call(c) if matches!(strip(&c.func),
        syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Err")))
}

/// The operands of an extending expression whose temporaries live to the end of the
/// enclosing block (the Reference, "Temporary lifetime extension"): an extending
/// expression is the `let` initializer, the operand of an extending borrow, an
/// operand of an extending array, cast, braced struct, tuple or tuple-struct
/// constructor, or the tail of an extending block, `if`/`else` branch or `match` arm.
fn extending_operands(e: &syn::Expr, out: &mut Vec<*const syn::Expr>) {
    match e {
        syn::Expr::Paren(p) => extending_operands(&p.expr, out),
        syn::Expr::Group(g) => extending_operands(&g.expr, out),
        syn::Expr::Reference(r) => extended_place(&r.expr, out),
        syn::Expr::Array(a) => a.elems.iter().for_each(|e| extending_operands(e, out)),
        syn::Expr::Tuple(t) => t.elems.iter().for_each(|e| extending_operands(e, out)),
        syn::Expr::Cast(c) => extending_operands(&c.expr, out),
        syn::Expr::Struct(s) => s
            .fields
            .iter()
            .for_each(|f| extending_operands(&f.expr, out)),
        syn::Expr::Call(c) if is_tuple_constructor(&c.func) => {
            c.args.iter().for_each(|e| extending_operands(e, out));
        }
        syn::Expr::Block(b) => block_tail_operands(&b.block, out),
        syn::Expr::Unsafe(u) => block_tail_operands(&u.block, out),
        syn::Expr::Const(c) => block_tail_operands(&c.block, out),
        syn::Expr::If(i) => {
            block_tail_operands(&i.then_branch, out);
            if let Some((_, els)) = &i.else_branch {
                extending_operands(els, out);
            }
        }
        syn::Expr::Match(m) => m.arms.iter().for_each(|a| extending_operands(&a.body, out)),
        _ => {}
    }
}

fn block_tail_operands(block: &syn::Block, out: &mut Vec<*const syn::Expr>) {
    if let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
        extending_operands(tail, out);
    }
}

/// The operand of an extending borrow has its temporary extended, and so do the
/// operands of the place projections it is made of (a dereference, a field, a tuple
/// index, a borrow, the indexed expression of an index): in `&mut *m.lock()` and
/// `&m.lock().unwrap().field` the guard is extended; in `&m.lock().unwrap().len()`
/// only the `len()` result is.
fn extended_place(e: &syn::Expr, out: &mut Vec<*const syn::Expr>) {
    match e {
        syn::Expr::Paren(p) => extended_place(&p.expr, out),
        syn::Expr::Group(g) => extended_place(&g.expr, out),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => extended_place(&u.expr, out),
        syn::Expr::Field(f) => extended_place(&f.base, out),
        syn::Expr::Index(i) => extended_place(&i.expr, out),
        syn::Expr::Reference(r) => extended_place(&r.expr, out),
        other => {
            out.push(std::ptr::from_ref(other));
            extending_operands(other, out);
        }
    }
}

/// `Some(..)`, `Wrapper(..)`, `Enum::Variant(..)`: a call whose callee path ends in
/// an upper-case name, which is how tuple structs and variants are written.
fn is_tuple_constructor(func: &syn::Expr) -> bool {
    match strip(func) {
        syn::Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().starts_with(char::is_uppercase)),
        _ => false,
    }
}

fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// The identifier a path expression is, if it is a single one (compared in place,
/// where `path_var` would allocate its text).
fn path_ident(e: &syn::Expr) -> Option<&proc_macro2::Ident> {
    match strip(e) {
        syn::Expr::Path(p) if p.qself.is_none() && p.path.segments.len() == 1 => {
            Some(&p.path.segments[0].ident)
        }
        _ => None,
    }
}

/// The span of an expression, from its first token to its last. The common shapes
/// of conditions and scrutinees are read from their outer tokens; others fall back
/// to `Spanned::span`, which prints the expression's tokens to find them.
fn expr_span(e: &syn::Expr) -> proc_macro2::Span {
    match (first_span(e), last_span(e)) {
        (Some(a), Some(b)) => a.join(b).unwrap_or_else(|| e.span()),
        _ => e.span(),
    }
}

fn first_span(e: &syn::Expr) -> Option<proc_macro2::Span> {
    first_span_within(e, SPAN_DEPTH)
}

fn last_span(e: &syn::Expr) -> Option<proc_macro2::Span> {
    last_span_within(e, SPAN_DEPTH)
}

/// How far down an expression its outer tokens are looked for: a chain deeper than
/// this (`a.b().c()..`) gives up, so that each link of a long chain costs the same.
const SPAN_DEPTH: usize = 64;

fn first_span_within(e: &syn::Expr, depth: usize) -> Option<proc_macro2::Span> {
    use syn::Expr as E;
    let first_span = |e: &syn::Expr| first_span_within(e, depth.checked_sub(1)?);
    match e {
        E::Path(p) if p.attrs.is_empty() && p.qself.is_none() => match &p.path.leading_colon {
            Some(c) => Some(c.spans[0]),
            None => Some(p.path.segments.first()?.ident.span()),
        },
        E::Lit(l) if l.attrs.is_empty() => Some(l.lit.span()),
        E::MethodCall(m) if m.attrs.is_empty() => first_span(&m.receiver),
        E::Field(f) if f.attrs.is_empty() => first_span(&f.base),
        E::Call(c) if c.attrs.is_empty() => first_span(&c.func),
        E::Binary(b) if b.attrs.is_empty() => first_span(&b.left),
        E::Index(i) if i.attrs.is_empty() => first_span(&i.expr),
        E::Try(t) if t.attrs.is_empty() => first_span(&t.expr),
        E::Await(a) if a.attrs.is_empty() => first_span(&a.base),
        E::Unary(u) if u.attrs.is_empty() => Some(match u.op {
            syn::UnOp::Deref(t) => t.spans[0],
            syn::UnOp::Not(t) => t.spans[0],
            syn::UnOp::Neg(t) => t.spans[0],
            _ => return None,
        }),
        E::Reference(r) if r.attrs.is_empty() => Some(r.and_token.spans[0]),
        E::Paren(p) if p.attrs.is_empty() => Some(p.paren_token.span.open()),
        E::Let(l) if l.attrs.is_empty() => Some(l.let_token.span),
        E::Macro(m) if m.attrs.is_empty() => match &m.mac.path.leading_colon {
            Some(c) => Some(c.spans[0]),
            None => Some(m.mac.path.segments.first()?.ident.span()),
        },
        _ => None,
    }
}

fn last_span_within(e: &syn::Expr, depth: usize) -> Option<proc_macro2::Span> {
    use syn::Expr as E;
    let last_span = |e: &syn::Expr| last_span_within(e, depth.checked_sub(1)?);
    match e {
        E::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            last.arguments.is_none().then(|| last.ident.span())
        }
        E::Lit(l) => Some(l.lit.span()),
        E::MethodCall(m) => Some(m.paren_token.span.close()),
        E::Field(f) => Some(match &f.member {
            syn::Member::Named(n) => n.span(),
            syn::Member::Unnamed(i) => i.span,
        }),
        E::Call(c) => Some(c.paren_token.span.close()),
        E::Binary(b) => last_span(&b.right),
        E::Index(i) => Some(i.bracket_token.span.close()),
        E::Try(t) => Some(t.question_token.spans[0]),
        E::Await(a) => Some(a.await_token.span),
        E::Unary(u) => last_span(&u.expr),
        E::Reference(r) => last_span(&r.expr),
        E::Paren(p) => Some(p.paren_token.span.close()),
        E::Let(l) => last_span(&l.expr),
        E::Macro(m) => Some(match &m.mac.delimiter {
            syn::MacroDelimiter::Paren(d) => d.span.close(),
            syn::MacroDelimiter::Brace(d) => d.span.close(),
            syn::MacroDelimiter::Bracket(d) => d.span.close(),
        }),
        _ => None,
    }
}

/// Whether an expression has at most a few dozen nodes (counted up to that bound).
fn is_small(e: &syn::Expr) -> bool {
    struct Count(usize);
    impl<'ast> syn::visit::Visit<'ast> for Count {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if self.0 > SPAN_DEPTH {
                return;
            }
            self.0 += 1;
            syn::visit::visit_expr(self, e);
        }
    }
    let mut count = Count(0);
    syn::visit::Visit::visit_expr(&mut count, e);
    count.0 <= SPAN_DEPTH
}

/// The plain variable a path expression names, if it is a single identifier.
fn path_var(e: &syn::Expr) -> Option<String> {
    path_ident(e).map(ToString::to_string)
}

/// A receiver as field/path segments, when it is a plain place expression.
fn place_segments(e: &syn::Expr) -> Option<Vec<String>> {
    match strip(e) {
        syn::Expr::Path(p) if p.qself.is_none() => Some(path_segments(&p.path)),
        syn::Expr::Field(f) => {
            let mut base = place_segments(&f.base)?;
            base.push(match &f.member {
                syn::Member::Named(n) => n.to_string(),
                syn::Member::Unnamed(i) => i.index.to_string(),
            });
            Some(base)
        }
        syn::Expr::Reference(r) => place_segments(&r.expr),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => place_segments(&u.expr),
        // `self.inner.as_ref()`, `lock.clone()` name the same lock.
        syn::Expr::MethodCall(m)
            if m.args.is_empty()
                && ["as_ref", "clone", "deref", "borrow", "get_ref"]
                    .iter()
                    .any(|n| m.method == n) =>
        {
            place_segments(&m.receiver)
        }
        _ => None,
    }
}

fn is_static_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// What walking an expression tells its parent.
#[derive(Clone, Copy, Default)]
struct Flow {
    /// The guard the expression's value is (or owns).
    value: Option<GuardId>,
    /// The guard the expression's value is a place inside (`g.map`, `*g`, `g[i]`).
    within: Option<GuardId>,
    /// The expression never completes normally (`return`, `panic!`...).
    diverges: bool,
}

impl Flow {
    fn value(g: Option<GuardId>) -> Flow {
        Flow {
            value: g,
            within: None,
            diverges: false,
        }
    }

    fn diverging() -> Flow {
        Flow {
            value: None,
            within: None,
            diverges: true,
        }
    }

    /// A place inside whatever `self` is or is inside of.
    fn place(self) -> Flow {
        Flow {
            value: None,
            within: self.value.or(self.within),
            diverges: self.diverges,
        }
    }
}

/// How a block's tail expression's temporaries are dropped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Tail {
    /// The body of a function or closure: nothing happens after it.
    FnBody,
    /// A block used as an expression.
    Expr,
}

#[derive(Clone, Default)]
struct Var {
    name: String,
    guard: Option<GuardId>,
    /// Known type names (last path segment), one per tuple element for tuples.
    ty: Option<String>,
    is_refcell: bool,
    /// Declared as an async lock (`tokio::sync::Mutex`...), whose guards may cross
    /// `.await`.
    is_async_lock: bool,
    /// The lock type the declared type is or wraps (`Mutex` for `Arc<Mutex<T>>`).
    lock_ty: Option<String>,
    /// The declared type as written (parameter, annotation, struct literal).
    ty_text: Option<String>,
    /// The place this variable aliases (`let m = &self.state;`), as segments.
    alias: Option<Vec<String>>,
    /// Guards the value was computed from (`let found = m.read().contains_key(k);`).
    derived: Vec<GuardId>,
    /// An element taken out of the collection this guard protects (a `for`
    /// variable over `guard.iter()`).
    elem_of: Option<GuardId>,
    /// Holds the `(guard, timeout)` pair of `Condvar::wait_timeout`: `.0` is the guard.
    guard_in_tuple: bool,
    /// Other guards the variable may hold, on paths joined after a branch or loop
    /// (`locked` before a loop that drops and re-locks it).
    also: Vec<GuardId>,
    /// The body that declared it, and where (closures keep their parent's).
    origin: Option<String>,
    /// Calls (event indices) whose results the value was computed from.
    from_calls: Vec<usize>,
    /// A `const` of the body whose value is this string literal.
    str_value: Option<String>,
    /// A mutable reference into this guard's data (`let obj = &mut guard.items[i];`,
    /// `let (k, v) = elem.as_mut();` over the guard's collection, a `ref mut` binding
    /// of `match *guard { .. }`).
    borrows: Option<GuardId>,
}

/// What branches change and joins merge: which guards are alive, and which guards
/// each variable in scope may hold.
#[derive(Clone)]
struct State {
    alive: Vec<bool>,
    bindings: Vec<Vec<(Option<GuardId>, Vec<GuardId>)>>,
}

#[derive(Default)]
struct Scope {
    vars: Vec<Var>,
    owned: Vec<GuardId>,
}

struct BodyWalker<'w, 'a, 'o> {
    fw: &'w FileWalker<'a>,
    is_async: bool,
    guards: Vec<Guard>,
    events: Vec<Event>,
    alive: Vec<bool>,
    n_alive: usize,
    scopes: Vec<Scope>,
    temps: Vec<Vec<GuardId>>,
    unsafe_depth: usize,
    loop_depth: usize,
    /// This body's name and position, naming the variables it declares.
    origin: String,
    /// Open call collectors: every call event made (or whose result is used) while
    /// one is open is added.
    call_collectors: Vec<Vec<usize>>,
    /// Conditions of the enclosing `if`s and `match`es, innermost last.
    cond_spans: Vec<Option<Span>>,
    /// Open use collectors: every guard made or used while one is open is added.
    /// Each with whether it also takes the guards a variable's value was computed
    /// from (conditions do; `let` initializers take only guards used directly).
    collectors: Vec<(bool, Vec<GuardId>)>,
    /// Guards tested by the conditions enclosing the current point.
    deps: Vec<GuardId>,
    /// What the last `if` tested, and whether its `then` block diverges with no
    /// `else` (an early return guarded by the test).
    last_if: Option<(Vec<GuardId>, bool)>,
    /// The operands of the `let` initializer being walked whose temporaries live to
    /// the end of the block (temporary lifetime extension), by address, and the
    /// guards they turned out to hold.
    extend_at: Vec<*const syn::Expr>,
    extended: Vec<GuardId>,
    /// Atomic writes tested by the conditions enclosing the current point (see
    /// [`Event::tested_writes`]), and those the last statement leaves tested for the
    /// rest of the block (an `if` that returns, a `while` that has ended).
    cond_writes: Vec<usize>,
    after_writes: Vec<usize>,
    /// Where bodies go: this one at `slot`, reserved before the closures and items
    /// nested in it, which follow it.
    out: &'o mut Vec<Body>,
    slot: usize,
    body: Body,
    /// The call (by address) whose result the statement being walked drops at once
    /// (see [`Call::result_dropped`]); null when there is none.
    dropped_call: *const (),
}

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    fn new(fw: &'w FileWalker<'a>, spec: &BodySpec<'_>, out: &'o mut Vec<Body>) -> Self {
        let mut top = Scope::default();
        top.vars.extend(spec.captured.iter().cloned());
        let at = spec.span.start();
        let origin = format!("{}#{}@{}:{}", spec.name, fw.id.0, at.line, at.column);
        for (name, ty) in &spec.params {
            top.vars.push(Var {
                name: name.clone(),
                guard: None,
                ty: fw.type_name(ty),
                is_refcell: ty.contains("RefCell<"),
                is_async_lock: fw.imports.is_async_lock_type(ty, &fw.known.async_locks),
                lock_ty: lock_type_in(ty),
                ty_text: Some(ty.clone()),
                origin: Some(origin.clone()),
                ..Var::default()
            });
        }
        let bw = BodyWalker {
            fw,
            is_async: spec.is_async,
            guards: Vec::new(),
            events: Vec::new(),
            alive: Vec::new(),
            n_alive: 0,
            scopes: vec![top],
            temps: Vec::new(),
            unsafe_depth: 0,
            loop_depth: 0,
            origin,
            call_collectors: Vec::new(),
            cond_spans: Vec::new(),
            collectors: Vec::new(),
            deps: Vec::new(),
            last_if: None,
            extend_at: Vec::new(),
            extended: Vec::new(),
            cond_writes: Vec::new(),
            after_writes: Vec::new(),
            slot: out.len(),
            dropped_call: std::ptr::null(),
            out,
            body: Body {
                kind: spec.kind,
                name: spec.name.clone(),
                is_async: spec.is_async,
                is_unsafe: spec.is_unsafe,
                is_test: spec.is_test,
                in_test: spec.cx.in_test,
                self_ty: spec.cx.self_ty.clone(),
                trait_name: spec.cx.trait_name.clone(),
                module: spec.cx.module.clone(),
                is_pub: spec.is_pub,
                is_exported: spec.is_exported,
                is_pub_restricted: spec.is_pub_restricted,
                params: spec.params.clone(),
                callback_params: spec.callback_params.clone(),
                callback_sigs: spec.callback_sigs.clone(),
                ret_ty: spec.ret_ty.clone(),
                self_kind: spec.self_kind,
                span: fw.span(spec.span),
                guards: Vec::new(),
                events: Vec::new(),
                static_refs: Vec::new(),
                returns: Vec::new(),
                is_serial: spec.is_serial,
            },
        };
        bw.out.push(bw.body.clone());
        bw
    }

    fn finish(mut self) {
        self.guards.shrink_to_fit();
        self.events.shrink_to_fit();
        self.body.guards = std::mem::take(&mut self.guards);
        self.body.events = std::mem::take(&mut self.events);
        self.out[self.slot] = self.body;
    }

    // ---- guard bookkeeping -------------------------------------------------------

    fn live(&self) -> Vec<GuardId> {
        if self.n_alive == 0 {
            return Vec::new();
        }
        self.alive
            .iter()
            .enumerate()
            .filter_map(|(i, &a)| a.then_some(i))
            .collect()
    }

    fn kill(&mut self, g: GuardId) {
        if self.alive.get(g).copied().unwrap_or(false) {
            self.alive[g] = false;
            self.n_alive -= 1;
        }
    }

    /// Restores a liveness snapshot; guards made since it was taken are dead in it.
    fn set_alive(&mut self, mut alive: Vec<bool>) {
        alive.resize(self.guards.len(), false);
        self.n_alive = alive.iter().filter(|a| **a).count();
        self.alive = alive;
    }

    fn save(&self) -> State {
        State {
            alive: self.alive.clone(),
            bindings: self
                .scopes
                .iter()
                .map(|s| s.vars.iter().map(|v| (v.guard, v.also.clone())).collect())
                .collect(),
        }
    }

    /// Returns to a saved state, for the variables still in scope.
    fn restore(&mut self, st: State) {
        self.set_alive(st.alive);
        for (scope, saved) in self.scopes.iter_mut().zip(st.bindings) {
            for (v, (g, also)) in scope.vars.iter_mut().zip(saved) {
                v.guard = g;
                v.also = also;
            }
        }
    }

    /// Joins the states at the ends of several paths: a guard is alive if it is on
    /// any path, and a variable may hold any guard it holds on some path.
    fn join(&mut self, states: Vec<State>) {
        let alive = Self::merge(&states.iter().map(|s| s.alive.clone()).collect::<Vec<_>>());
        self.set_alive(alive);
        for (si, scope) in self.scopes.iter_mut().enumerate() {
            for (vi, v) in scope.vars.iter_mut().enumerate() {
                let mut all: Vec<GuardId> = Vec::new();
                for st in &states {
                    if let Some((g, also)) = st.bindings.get(si).and_then(|s| s.get(vi)) {
                        all.extend(g.iter().chain(also.iter()).copied());
                    }
                }
                all.sort_unstable();
                all.dedup();
                let first = states.iter().find_map(|st| {
                    st.bindings
                        .get(si)
                        .and_then(|s| s.get(vi))
                        .and_then(|b| b.0)
                });
                all.retain(|g| Some(*g) != first);
                v.guard = first.or(v.guard);
                v.also = all;
            }
        }
    }

    fn merge(branches: &[Vec<bool>]) -> Vec<bool> {
        let len = branches.iter().map(Vec::len).max().unwrap_or(0);
        let mut out = vec![false; len];
        for b in branches {
            for (i, &a) in b.iter().enumerate() {
                out[i] |= a;
            }
        }
        out
    }

    fn event(&mut self, kind: EventKind, span: proc_macro2::Span) {
        if let EventKind::Call(call) = &kind {
            if self.n_alive == 0 && !is_call_of_interest(call) {
                return;
            }
        }
        let span = self.fw.span(span);
        self.push_event(kind, span);
    }

    fn push_event(&mut self, kind: EventKind, span: Span) {
        let live = self.live();
        let mut deps = self.deps.clone();
        deps.sort_unstable();
        deps.dedup();
        // Only method calls on a place (`x.load(..)`) are data sources worth
        // following into later arguments.
        let is_call = matches!(&kind, EventKind::Call(c) if c.is_method && c.receiver.is_some());
        self.events.push(Event {
            kind,
            span,
            live,
            deps,
            tested_writes: self.cond_writes.clone(),
            in_loop: self.loop_depth > 0,
            under_if: self.cond_spans.last().copied().flatten(),
        });
        if is_call {
            let ei = self.events.len() - 1;
            for c in &mut self.call_collectors {
                if c.len() < MAX_CALL_SOURCES {
                    c.push(ei);
                }
            }
        }
    }

    /// Records what a function returns.
    fn note_return(&mut self, e: &syn::Expr, f: Flow) {
        if !matches!(self.body.kind, BodyKind::Fn | BodyKind::Method) {
            return;
        }
        let (place, is_clone, is_ref) = match strip(e) {
            syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => (
                place_segments(&m.receiver).map(|_| self.lock_path(&m.receiver)),
                true,
                false,
            ),
            syn::Expr::Call(c) => {
                let is_clone = matches!(strip(&c.func), syn::Expr::Path(p)
                    if p.path.segments.len() >= 2
                        && p.path.segments.last().is_some_and(|s| s.ident == "clone"));
                match (is_clone, c.args.first()) {
                    (true, Some(arg)) => {
                        let inner = match strip(arg) {
                            syn::Expr::Reference(r) => &*r.expr,
                            other => other,
                        };
                        (
                            place_segments(inner).map(|_| self.lock_path(inner)),
                            true,
                            false,
                        )
                    }
                    _ => (None, false, false),
                }
            }
            syn::Expr::Reference(r) => (
                place_segments(&r.expr).map(|_| self.lock_path(&r.expr)),
                false,
                true,
            ),
            other => (
                place_segments(other).map(|_| self.lock_path(other)),
                false,
                false,
            ),
        };
        if f.value.is_none() && f.within.is_none() && place.is_none() {
            // Nothing a rule looks at; and `Spanned::span` walks the whole
            // expression, so it is not computed for nothing.
            return;
        }
        let span = self.fw.span(e.span());
        let holds = f.value.filter(|&g| self.guards[g].in_value);
        self.body.returns.push(crate::flow::Returned {
            span,
            guard: f.value.filter(|_| holds.is_none()),
            holds,
            within: f.within,
            place,
            is_clone,
            is_ref,
        });
    }

    /// Records a use of a static of the file, unless a local shadows it.
    fn note_static(&mut self, name: &str, e: &syn::Expr, write: bool) {
        if !self.fw.statics.contains_key(name) || self.lookup(name).is_some() {
            return;
        }
        if write {
            // The write was recorded already; the path itself is not a second use.
            return;
        }
        let span = self.fw.span(e.span());
        if self
            .body
            .static_refs
            .iter()
            .any(|r| r.span == span && r.name == name)
        {
            return;
        }
        self.body.static_refs.push(crate::flow::StaticRef {
            name: name.to_string(),
            span,
            write: false,
        });
    }

    /// `STATIC = v`, `STATIC += v`, `&mut STATIC` (also `STATIC.field = v`).
    fn note_static_write(&mut self, target: &syn::Expr) {
        let Some(segs) = place_segments(target) else {
            return;
        };
        let Some(name) = segs.first() else { return };
        if !self.fw.statics.contains_key(name) || self.lookup(name).is_some() {
            return;
        }
        let span = self.fw.span(target.span());
        self.body.static_refs.push(crate::flow::StaticRef {
            name: name.clone(),
            span,
            write: true,
        });
    }

    /// Walks `f` with a call collector open; returns the calls collected.
    fn collecting_calls<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> (T, Vec<usize>) {
        self.call_collectors.push(Vec::new());
        let out = f(self);
        let mut calls = self.call_collectors.pop().unwrap_or_default();
        calls.sort_unstable();
        calls.dedup();
        calls.truncate(MAX_CALL_SOURCES);
        // Nested collectors are as deep as the expression: only pass on something.
        if !calls.is_empty() {
            for c in &mut self.call_collectors {
                c.extend(calls.iter().copied());
                c.truncate(MAX_CALL_SOURCES);
            }
        }
        (out, calls)
    }

    /// Records that guard `g` was made or used, for every open collector.
    fn note_use(&mut self, g: GuardId) {
        for (_, c) in &mut self.collectors {
            if !c.contains(&g) {
                c.push(g);
            }
        }
    }

    /// Records that a value computed from guard `g` was used.
    fn note_derived(&mut self, g: GuardId) {
        for (transitive, c) in &mut self.collectors {
            if *transitive && !c.contains(&g) {
                c.push(g);
            }
        }
    }

    /// Walks `f` with a use collector open; returns what it collected.
    fn collecting<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> (T, Vec<GuardId>) {
        self.collect_with(true, f)
    }

    /// Like `collecting`, but a variable's `derived` guards are not taken: for `let`
    /// initializers, so that a value computed from another lock-derived value does
    /// not count as a read of the lock.
    fn collecting_direct<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> (T, Vec<GuardId>) {
        self.collect_with(false, f)
    }

    fn collect_with<T>(
        &mut self,
        transitive: bool,
        f: impl FnOnce(&mut Self) -> T,
    ) -> (T, Vec<GuardId>) {
        self.collectors.push((transitive, Vec::new()));
        let out = f(self);
        let used = self.collectors.pop().map(|c| c.1).unwrap_or_default();
        for &g in &used {
            self.note_use(g);
        }
        (out, used)
    }

    /// The atomic writes among the call events `calls`.
    fn atomic_writes(&self, calls: &[usize]) -> Vec<usize> {
        calls
            .iter()
            .copied()
            .filter(|&c| {
                // A closure's captured variables carry indices into its parent's
                // events: only this body's own count.
                self.events
                    .get(c)
                    .and_then(Event::call)
                    .is_some_and(|call| {
                        let name = call.callee.trim_start_matches('.');
                        name != "store" && crate::flow::methods::ATOMIC_WRITES.contains(&name)
                    })
            })
            .collect()
    }

    /// Walks `f` with the atomic writes `writes` tested by an enclosing condition.
    fn testing_writes<T>(&mut self, writes: &[usize], f: impl FnOnce(&mut Self) -> T) -> T {
        let mark = self.cond_writes.len();
        self.cond_writes.extend_from_slice(writes);
        let out = f(self);
        self.cond_writes.truncate(mark);
        out
    }

    /// Walks `f` with `tested` added to the control dependencies.
    fn depending<T>(&mut self, tested: &[GuardId], f: impl FnOnce(&mut Self) -> T) -> T {
        let mark = self.deps.len();
        self.deps.extend_from_slice(tested);
        let out = f(self);
        self.deps.truncate(mark);
        out
    }

    fn new_guard(&mut self, guard: Guard) -> GuardId {
        let id = self.guards.len();
        let span = guard.acquired;
        self.push_event(EventKind::Acquire(id), span);
        self.note_use(id);
        self.guards.push(guard);
        self.alive.push(true);
        self.n_alive += 1;
        if let Some(t) = self.temps.last_mut() {
            t.push(id);
        }
        id
    }

    /// Ends the innermost temporary scope, dropping its temporaries.
    fn end_temps(&mut self) -> Vec<GuardId> {
        let temps = self.temps.pop().unwrap_or_default();
        for &g in &temps {
            self.kill(g);
        }
        temps
    }

    /// Moves guard `g` out of any temporary scope (it now has an owner elsewhere).
    fn untemp(&mut self, g: GuardId) {
        for t in self.temps.iter_mut().rev() {
            if let Some(pos) = t.iter().position(|&x| x == g) {
                t.remove(pos);
                return;
            }
        }
    }

    /// The innermost variable in scope that `is` picks.
    fn find_var(&self, is: impl Fn(&Var) -> bool) -> Option<&Var> {
        self.scopes
            .iter()
            .rev()
            .flat_map(|s| s.vars.iter().rev())
            .find(|v| is(v))
    }

    fn find_var_mut(&mut self, is: impl Fn(&Var) -> bool) -> Option<&mut Var> {
        self.scopes
            .iter_mut()
            .rev()
            .flat_map(|s| s.vars.iter_mut().rev())
            .find(|v| is(v))
    }

    fn lookup(&self, name: &str) -> Option<&Var> {
        self.find_var(|v| v.name == name)
    }

    /// [`lookup`](Self::lookup) by identifier, without allocating its text.
    fn lookup_ident(&self, name: &proc_macro2::Ident) -> Option<&Var> {
        self.find_var(|v| *name == v.name)
    }

    fn lookup_mut(&mut self, name: &str) -> Option<&mut Var> {
        self.find_var_mut(|v| v.name == name)
    }

    fn guard_var(&self, name: &str) -> Option<GuardId> {
        self.lookup(name).and_then(|v| v.guard)
    }

    fn declare(&mut self, mut var: Var) {
        if var.origin.is_none() {
            var.origin = Some(self.origin.clone());
        }
        if let Some(scope) = self.scopes.last_mut() {
            scope.vars.push(var);
        }
    }

    /// Binds `name` to guard `g`, owned by the innermost scope.
    fn own(&mut self, name: Option<String>, g: GuardId) {
        self.untemp(g);
        if let Some(scope) = self.scopes.last_mut() {
            scope.owned.push(g);
        }
        if let Some(name) = name {
            if self.guards[g].name.is_none() {
                self.guards[g].name = Some(name.clone());
            }
            self.declare(Var {
                name,
                guard: Some(g),
                ..Var::default()
            });
        }
    }

    /// The guard held by a bare variable passed by value: it moves, so it dies here.
    fn move_out(&mut self, e: &syn::Expr) {
        if let Some(ident) = path_ident(e) {
            self.forget_guards(|v| *ident == v.name);
        }
    }

    /// An operand moved into a struct, tuple or variant under construction, whose
    /// value is guard `g`: the first such guard now belongs to the value (it leaves
    /// its variable and becomes a temporary of the statement, which a `let` binding,
    /// a block's value or a return takes over); any other is no longer tracked.
    fn move_into_value(
        &mut self,
        e: &syn::Expr,
        g: Option<GuardId>,
        held: Option<GuardId>,
    ) -> Option<GuardId> {
        let Some(g) = g.filter(|_| held.is_none()) else {
            self.move_out(e);
            if let Some(g) = g {
                self.untemp(g);
                self.kill(g);
            }
            return held;
        };
        if let Some(ident) = path_ident(e) {
            if let Some(v) = self.find_var_mut(|v| *ident == v.name) {
                if v.guard == Some(g) {
                    v.guard = None;
                }
            }
        }
        self.guards[g].in_value = true;
        if let Some(t) = self.temps.last_mut() {
            if !t.contains(&g) {
                t.push(g);
            }
        }
        Some(g)
    }

    fn push_scope(&mut self) {
        self.scopes.push(Scope::default());
    }

    /// Ends a block scope, dropping the guards it owns except `keep` (the block's value).
    fn pop_scope(&mut self, keep: Option<GuardId>) {
        let Some(scope) = self.scopes.pop() else {
            return;
        };
        for g in scope.owned {
            if Some(g) == keep {
                if let Some(t) = self.temps.last_mut() {
                    t.push(g);
                }
                continue;
            }
            self.kill(g);
        }
    }

    // ---- statements and blocks ------------------------------------------------------

    fn block(&mut self, block: &syn::Block, tail: Tail) -> Flow {
        self.push_scope();
        let depth = self.scopes.len();
        let mut out = Flow::default();
        let n = block.stmts.len();
        let deps_mark = self.deps.len();
        let mut prev_cfg: Option<String> = None;
        let writes_mark = self.cond_writes.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            self.last_if = None;
            self.after_writes.clear();
            // `#[cfg(P)] a; #[cfg(not(P))] b;` are alternatives: only one is
            // compiled, so walking both would hold two guards at once.
            let cfg = cfg_of(stmt);
            if !self.body.in_test && cfg.as_deref().is_some_and(is_test_only_cfg) {
                // `#[cfg(test)]` code exists only in test builds: it is test code,
                // walked as a body of its own, and a `#[cfg(not(test))]` statement
                // after it is the one the library runs.
                prev_cfg = None;
                self.test_only(stmt);
                continue;
            }
            let alternative =
                matches!((&prev_cfg, &cfg), (Some(a), Some(b)) if cfgs_exclusive(a, b));
            prev_cfg = cfg;
            if alternative {
                continue;
            }
            let is_tail = i + 1 == n && matches!(stmt, syn::Stmt::Expr(_, None));
            let f = if is_tail {
                let syn::Stmt::Expr(e, None) = stmt else {
                    unreachable!("invariant: checked by is_tail")
                };
                self.tail_expr(e, tail)
            } else {
                self.stmt(stmt)
            };
            if is_tail {
                out.value = f.value;
            }
            if f.diverges {
                out.diverges = true;
                break;
            }
            // `if test { return; }` guards the rest of the block with its test.
            if let (syn::Stmt::Expr(syn::Expr::If(_), _), Some((tested, true))) =
                (stmt, self.last_if.take())
            {
                self.deps.extend(tested);
            }
            let after = std::mem::take(&mut self.after_writes);
            self.cond_writes.extend(after);
        }
        self.deps.truncate(deps_mark);
        self.cond_writes.truncate(writes_mark);
        if tail == Tail::FnBody && self.body.in_test && depth == 2 {
            self.mark_serialising(depth);
        }
        self.pop_scope(out.value);
        out
    }

    fn mark_serialising(&mut self, depth: usize) {
        let owned = self.scopes[depth - 1].owned.clone();
        for g in owned {
            if !self.alive[g] {
                continue;
            }
            let is_static = self.guards[g]
                .lock
                .segments
                .as_ref()
                .and_then(|s| s.last())
                .is_some_and(|last| is_static_name(last) || self.fw.statics.contains_key(last));
            if is_static && self.guards[g].name.is_some() {
                self.guards[g].serialises_test = true;
            }
        }
    }

    fn tail_expr(&mut self, e: &syn::Expr, tail: Tail) -> Flow {
        self.temps.push(Vec::new());
        let f = self.expr(e, false);
        if tail == Tail::FnBody {
            self.note_return(e, f);
        }
        let temps = self.temps.pop().unwrap_or_default();
        let outlive = tail == Tail::Expr && !self.fw.file.edition.is_2024();
        for g in temps {
            if outlive || Some(g) == f.value || self.extended.contains(&g) {
                // Before 2024 the tail's temporaries belong to the enclosing statement.
                if let Some(t) = self.temps.last_mut() {
                    t.push(g);
                    continue;
                }
            }
            self.kill(g);
        }
        f
    }

    fn stmt(&mut self, stmt: &syn::Stmt) -> Flow {
        match stmt {
            syn::Stmt::Local(local) => self.local(local),
            syn::Stmt::Expr(e, semi) => {
                self.temps.push(Vec::new());
                let target = if semi.is_some() {
                    self.result_call(e)
                } else {
                    std::ptr::null()
                };
                let saved = std::mem::replace(&mut self.dropped_call, target);
                let f = self.expr(e, false);
                self.dropped_call = saved;
                if semi.is_some() {
                    self.discard_check(f.value, || stmt.span());
                }
                self.end_temps();
                f
            }
            syn::Stmt::Macro(m) => {
                self.temps.push(Vec::new());
                let f = self.mac(&m.mac, false);
                self.end_temps();
                f
            }
            syn::Stmt::Item(item) => {
                if let Some((name, value)) = str_const(item) {
                    self.declare(Var {
                        name,
                        str_value: Some(value),
                        ..Var::default()
                    });
                }
                self.nested_item(item);
                Flow::default()
            }
        }
    }

    /// The call an expression's value is the result of, by address, through `?`,
    /// `.await` and `unwrap()`-like methods (`helper()?`, `self.lock_env().unwrap()`).
    fn result_call(&self, e: &syn::Expr) -> *const () {
        let mut e = strip(e);
        loop {
            e = match e {
                syn::Expr::Try(t) => strip(&t.expr),
                syn::Expr::Await(a) => strip(&a.base),
                syn::Expr::MethodCall(mc)
                    if self.fw.known.is_passthrough(&mc.method.to_string()) =>
                {
                    strip(&mc.receiver)
                }
                syn::Expr::Call(c) => return std::ptr::from_ref(c).cast(),
                syn::Expr::MethodCall(mc) => return std::ptr::from_ref(mc).cast(),
                _ => return std::ptr::null(),
            };
        }
    }

    fn is_dropped_result(&self, at: *const ()) -> bool {
        !self.dropped_call.is_null() && std::ptr::eq(self.dropped_call, at)
    }

    /// A guard created in this statement and dropped at its end is discarded.
    /// `span` is only computed for a discarded guard: `Spanned::span` walks the
    /// whole statement.
    fn discard_check(&mut self, value: Option<GuardId>, span: impl FnOnce() -> proc_macro2::Span) {
        let Some(g) = value else { return };
        let created_here = self.temps.last().is_some_and(|t| t.contains(&g));
        if created_here && self.guards[g].name.is_none() {
            self.guards[g].discarded = Some(self.fw.span(span()));
        }
    }

    fn nested_item(&mut self, item: &syn::Item) {
        // Items nested in a body share nothing with it.
        let cx = ItemCx {
            in_test: self.body.in_test,
            module: self.body.module.clone(),
            self_ty: None,
            trait_name: None,
        };
        self.fw.item(item, &cx, self.out);
    }

    fn local(&mut self, local: &syn::Local) -> Flow {
        self.temps.push(Vec::new());
        let mut f = Flow::default();
        let mut ty = None;
        let mut is_refcell = false;
        let mut derived = Vec::new();
        let mut from_calls = Vec::new();
        let mut alias = None;
        let mut ty_text = None;
        let mut extended = Vec::new();
        if let Some(init) = &local.init {
            let mut targets = Vec::new();
            extending_operands(&init.expr, &mut targets);
            let saved_at = std::mem::replace(&mut self.extend_at, targets);
            let saved = std::mem::take(&mut self.extended);
            let target = if matches!(local.pat, syn::Pat::Wild(_)) {
                self.result_call(&init.expr)
            } else {
                std::ptr::null()
            };
            let saved_dropped = std::mem::replace(&mut self.dropped_call, target);
            let ((flow, used), calls) =
                self.collecting_calls(|w| w.collecting_direct(|w| w.expr(&init.expr, false)));
            self.dropped_call = saved_dropped;
            self.extend_at = saved_at;
            extended = std::mem::replace(&mut self.extended, saved);
            f = flow;
            derived = used;
            from_calls = calls;
            alias = self.alias_of(&init.expr);
            ty_text = struct_literal_type(&init.expr);
            let tys = self.expr_types(&init.expr);
            is_refcell = expr_mentions_refcell(&init.expr);
            ty = tys;
            if let Some((_, diverge)) = &init.diverge {
                let saved = self.alive.clone();
                self.temps.push(Vec::new());
                self.expr(diverge, false);
                self.end_temps();
                self.set_alive(saved);
            }
        }
        let borrows = match &local.init {
            Some(init) if self.n_alive > 0 && f.value.is_none() => self.mut_borrow(&init.expr),
            _ => None,
        };
        let mut is_async_lock = false;
        let mut lock_ty = None;
        if let Some(init) = &local.init {
            // `let m = tokio::sync::Mutex::new(0);`, `let m = Arc::new(Mutex::new(0));`
            let written = constructed_type(&init.expr);
            is_async_lock = self
                .fw
                .imports
                .is_async_lock_type(&written, &self.fw.known.async_locks);
            lock_ty = lock_type_in(&written);
        }
        if let syn::Pat::Type(pt) = &local.pat {
            let written = type_text(&pt.ty);
            ty_text = Some(written.clone());
            is_refcell |= written.contains("RefCell<");
            is_async_lock |= self
                .fw
                .imports
                .is_async_lock_type(&written, &self.fw.known.async_locks);
            lock_ty = lock_type_in(&written).or(lock_ty);
            if let Some(t) = self.fw.type_name(&written) {
                ty = Some(t);
            }
        }
        match &local.pat {
            syn::Pat::Wild(_) => self.discard_check(f.value, || local.span()),
            pat => {
                // `let x = &temp;`, `let x = &mut *temp;`, `let x = &temp.field;`:
                // the borrowed temporary lives to the end of the block.
                for g in extended {
                    if self.temps.last().is_some_and(|t| t.contains(&g)) {
                        self.own(None, g);
                    }
                }
                let binding = guard_binding(pat);
                if let (Some(g), Some(name)) = (f.value, binding.clone()) {
                    self.own(Some(name.clone()), g);
                    let is_pair = matches!(pat, syn::Pat::Ident(_) | syn::Pat::Type(_))
                        && local
                            .init
                            .as_ref()
                            .is_some_and(|i| is_timeout_wait(&i.expr));
                    if is_pair {
                        if let Some(v) = self.lookup_mut(&name) {
                            v.guard_in_tuple = true;
                        }
                    }
                }
                let mut names = Vec::new();
                pat_bindings(pat, &mut names);
                let tuple_tys: Vec<String> = ty
                    .as_deref()
                    .map(|t| t.split(',').map(str::to_string).collect())
                    .unwrap_or_default();
                for (i, name) in names.into_iter().enumerate() {
                    if f.value.is_some() && binding.as_deref() == Some(name.as_str()) {
                        continue;
                    }
                    let ty = if matches!(pat, syn::Pat::Tuple(_)) {
                        tuple_tys.get(i).cloned()
                    } else {
                        ty.clone()
                    };
                    let is_whole = matches!(pat, syn::Pat::Ident(_) | syn::Pat::Type(_));
                    self.declare(Var {
                        name,
                        guard: None,
                        ty,
                        is_refcell,
                        is_async_lock,
                        lock_ty: lock_ty.clone(),
                        ty_text: ty_text.clone().filter(|_| is_whole),
                        alias: alias.clone().filter(|_| is_whole),
                        derived: derived.clone(),
                        elem_of: None,
                        guard_in_tuple: false,
                        also: Vec::new(),
                        origin: None,
                        from_calls: from_calls.clone(),
                        str_value: None,
                        borrows,
                    });
                }
            }
        }
        self.end_temps();
        f.value = None;
        f
    }

    // ---- expressions -----------------------------------------------------------------

    fn exprs<'e>(&mut self, es: impl IntoIterator<Item = &'e syn::Expr>, awaited: bool) -> Flow {
        let mut out = Flow::default();
        for e in es {
            out.diverges |= self.expr(e, awaited).diverges;
        }
        out
    }

    fn expr(&mut self, e: &syn::Expr, awaited: bool) -> Flow {
        let f = self.expr_kind(e, awaited);
        if !self.extend_at.is_empty() && self.extend_at.contains(&std::ptr::from_ref(e)) {
            self.extended.extend(f.value);
        }
        f
    }

    fn expr_kind(&mut self, e: &syn::Expr, awaited: bool) -> Flow {
        match e {
            syn::Expr::Array(a) => {
                let f = self.exprs(&a.elems, false);
                a.elems.iter().for_each(|e| self.move_out(e));
                Flow::value(None).or_div(f)
            }
            syn::Expr::Assign(a) => {
                let (right, calls) = self.collecting_calls(|w| w.expr(&a.right, false));
                self.note_static_write(&a.left);
                let left = self.expr(&a.left, false);
                if let Some(name) = path_var(&a.left) {
                    // The variable now holds a value computed from these calls only.
                    if let Some(v) = self.lookup_mut(&name) {
                        v.from_calls = calls;
                    }
                    self.assign(&name, right.value);
                    if let Some(ty) = self.expr_types(&a.right) {
                        if let Some(v) = self.lookup_mut(&name) {
                            v.ty = Some(ty);
                        }
                    }
                }
                Flow::default().or_div(right).or_div(left)
            }
            syn::Expr::Async(a) => {
                self.child(self.nested_spec(
                    BodyKind::AsyncBlock,
                    "{async block}",
                    true,
                    self.body.in_test,
                    a.async_token.span,
                    Vec::new(),
                    BodyRef::Block(&a.block),
                ));
                if a.capture.is_some() && self.n_alive > 0 {
                    self.kill_captured(&quote::ToTokens::to_token_stream(&a.block));
                }
                Flow::default()
            }
            syn::Expr::Await(a) => self.await_expr(a),
            syn::Expr::Binary(b) => {
                if is_compound_assign(&b.op) {
                    self.note_static_write(&b.left);
                }
                let l = self.expr(&b.left, false);
                let r = self.expr(&b.right, false);
                Flow::default().or_div(l).or_div(r)
            }
            syn::Expr::Block(b) => self.block(&b.block, Tail::Expr),
            syn::Expr::Break(b) => {
                if let Some(e) = &b.expr {
                    self.expr(e, false);
                }
                Flow::diverging()
            }
            syn::Expr::Call(c) => self.call(c, awaited),
            syn::Expr::Cast(c) => self.expr(&c.expr, false).no_value(),
            syn::Expr::Closure(c) => {
                let params = c
                    .inputs
                    .iter()
                    .filter_map(|p| match p {
                        syn::Pat::Type(pt) => pat_ident(&pt.pat).map(|n| (n, type_text(&pt.ty))),
                        _ => None,
                    })
                    .collect();
                self.child(self.nested_spec(
                    BodyKind::Closure,
                    "{closure}",
                    c.asyncness.is_some(),
                    self.body.in_test,
                    c.inputs_begin.span,
                    params,
                    BodyRef::Expr(&c.body),
                ));
                // Only a guard alive now can be taken; the tokens cost the closure's
                // size, so they are not made when there is none.
                if self.n_alive > 0 {
                    let tokens = quote::ToTokens::to_token_stream(&c.body);
                    if c.capture.is_some() {
                        self.kill_captured(&tokens);
                    } else {
                        // A closure that drops a guard takes it by value.
                        for name in dropped_names(&tokens) {
                            self.forget_guard_of(&name);
                        }
                    }
                }
                Flow::default()
            }
            syn::Expr::Const(_) => Flow::default(),
            syn::Expr::Continue(_) => Flow::diverging(),
            syn::Expr::Field(f) => {
                let base = self.expr(&f.base, false);
                let pair = path_var(&f.base)
                    .and_then(|n| self.lookup(&n))
                    .filter(|v| v.guard_in_tuple)
                    .and_then(|v| v.guard);
                match (&f.member, pair) {
                    (syn::Member::Unnamed(i), Some(g)) if i.index == 0 => Flow::value(Some(g)),
                    _ => base.place(),
                }
            }
            syn::Expr::ForLoop(fl) => {
                self.temps.push(Vec::new());
                let (it, used) = self.collecting(|w| w.expr(&fl.expr, false));
                // `for l in guard.iter()`: the loop variable is an element of the
                // collection the guard protects.
                let elem_of = it.value.or_else(|| used.first().copied());
                let before = self.save();
                self.push_scope();
                let mut names = Vec::new();
                pat_bindings(&fl.pat, &mut names);
                for name in names {
                    self.declare(Var {
                        name,
                        elem_of,
                        derived: used.clone(),
                        ..Var::default()
                    });
                }
                self.loop_depth += 1;
                self.cond_spans.push(None);
                self.block(&fl.body, Tail::Expr);
                self.cond_spans.pop();
                self.loop_depth -= 1;
                self.pop_scope(None);
                let after = self.save();
                self.join(vec![before, after]);
                self.end_temps();
                Flow::default().or_div(it)
            }
            syn::Expr::Group(g) => self.expr(&g.expr, awaited),
            syn::Expr::If(i) => self.if_expr(i),
            syn::Expr::Index(i) => {
                let a = self.expr(&i.expr, false);
                let b = self.expr(&i.index, false);
                a.place().or_div(b)
            }
            syn::Expr::Let(l) => {
                // A `let` outside an `if`/`while` condition (e.g. in `matches!`-like
                // positions): evaluate the scrutinee.
                self.expr(&l.expr, false).no_value()
            }
            syn::Expr::Loop(l) => {
                let before = self.save();
                self.loop_depth += 1;
                self.cond_spans.push(None);
                self.block(&l.body, Tail::Expr);
                self.cond_spans.pop();
                self.loop_depth -= 1;
                let after = self.save();
                self.join(vec![before, after]);
                Flow::default()
            }
            syn::Expr::Macro(m) => self.mac(&m.mac, awaited),
            syn::Expr::Match(m) => self.match_expr(m),
            syn::Expr::MethodCall(mc) => self.method_call(mc, awaited),
            syn::Expr::Paren(p) => self.expr(&p.expr, awaited),
            syn::Expr::Path(_) => {
                let Some(ident) = path_ident(e) else {
                    return Flow::default();
                };
                let (guard, derived, calls) = match self.lookup_ident(ident) {
                    Some(v) => (v.guard, v.derived.clone(), v.from_calls.clone()),
                    None => {
                        if !self.fw.statics.is_empty() {
                            self.note_static(&ident.to_string(), e, false);
                        }
                        (None, Vec::new(), Vec::new())
                    }
                };
                if !calls.is_empty() {
                    for c in &mut self.call_collectors {
                        c.extend(calls.iter().copied());
                        c.truncate(MAX_CALL_SOURCES);
                    }
                }
                for g in derived {
                    self.note_derived(g);
                }
                if let Some(g) = guard {
                    self.note_use(g);
                }
                Flow::value(guard)
            }
            syn::Expr::Range(r) => {
                let a = r.start.as_ref().map(|e| self.expr(e, false));
                let b = r.end.as_ref().map(|e| self.expr(e, false));
                let mut out = Flow::default();
                for f in [a, b].into_iter().flatten() {
                    out = out.or_div(f);
                }
                out
            }
            syn::Expr::RawAddr(r) => self.expr(&r.expr, false).no_value(),
            syn::Expr::Reference(r) => {
                if r.mutability.is_some() {
                    self.note_static_write(&r.expr);
                }
                self.expr(&r.expr, false).place()
            }
            syn::Expr::Repeat(r) => self.expr(&r.expr, false).no_value(),
            syn::Expr::Return(r) => {
                if let Some(e) = &r.expr {
                    // The guards the value was read under, without touching what the
                    // enclosing collectors see.
                    self.collectors.push((true, Vec::new()));
                    let f = self.expr(e, false);
                    let read = self.collectors.pop().map(|c| c.1).unwrap_or_default();
                    if !is_err_call(e) {
                        for g in read {
                            self.guards[g].returned = true;
                        }
                    }
                    self.note_return(e, f);
                }
                Flow::diverging()
            }
            syn::Expr::Struct(s) => {
                let mut out = Flow::default();
                let mut held = None;
                for fv in &s.fields {
                    let f = self.expr(&fv.expr, false);
                    out = out.or_div(f);
                    held = self.move_into_value(&fv.expr, f.value, held);
                }
                if let Some(rest) = &s.rest {
                    out = out.or_div(self.expr(rest, false));
                }
                out.with_value(held)
            }
            syn::Expr::Try(t) => {
                let f = self.expr(&t.expr, awaited);
                if let Some(g) = f.value {
                    self.guards[g].wrapped = true;
                }
                f
            }
            syn::Expr::TryBlock(t) => self.block(&t.block, Tail::Expr),
            syn::Expr::Tuple(t) => {
                let mut out = Flow::default();
                let mut held = None;
                for e in &t.elems {
                    let f = self.expr(e, awaited);
                    out.diverges |= f.diverges;
                    held = self.move_into_value(e, f.value, held);
                }
                out.with_value(held)
            }
            syn::Expr::Unary(u) => match u.op {
                syn::UnOp::Deref(_) => self.expr(&u.expr, false).place(),
                _ => self.expr(&u.expr, false).no_value(),
            },
            syn::Expr::Unsafe(u) => {
                self.unsafe_depth += 1;
                let f = self.block(&u.block, Tail::Expr);
                self.unsafe_depth -= 1;
                f
            }
            syn::Expr::While(w) => self.while_expr(w),
            syn::Expr::Yield(y) => {
                if let Some(e) = &y.expr {
                    self.expr(e, false);
                }
                Flow::default()
            }
            _ => Flow::default(),
        }
    }

    fn assign(&mut self, name: &str, value: Option<GuardId>) {
        let old = self.guard_var(name);
        if old.is_some() && old != value {
            if let Some(o) = old {
                self.kill(o);
            }
        }
        let depth = self
            .scopes
            .iter()
            .rposition(|s| s.vars.iter().any(|v| v.name == name));
        if let Some(v) = self.lookup_mut(name) {
            v.guard = value;
        }
        if let (Some(g), Some(depth)) = (value, depth) {
            self.untemp(g);
            if !self.scopes[depth].owned.contains(&g) {
                self.scopes[depth].owned.push(g);
            }
            if self.guards[g].name.is_none() {
                self.guards[g].name = Some(name.to_string());
            }
        }
    }

    /// A `move` closure or async block takes the guards it names.
    fn kill_captured(&mut self, tokens: &TokenStream) {
        let mut idents = HashSet::default();
        collect_idents(tokens, &mut idents);
        for name in idents {
            self.forget_guard_of(&name);
        }
    }

    /// The guards a variable holds are no longer this body's to track.
    fn forget_guard_of(&mut self, name: &str) {
        self.forget_guards(|v| v.name == name);
    }

    /// The guards held by the innermost variable that `is` picks are no longer tracked.
    fn forget_guards(&mut self, is: impl Fn(&Var) -> bool) {
        let Some(v) = self.find_var_mut(is) else {
            return;
        };
        let held: Vec<GuardId> = v.guard.take().into_iter().chain(v.also.drain(..)).collect();
        for g in held {
            self.kill(g);
        }
    }

    /// Binds a pattern over a scrutinee whose value may be guard `g`, or a place in
    /// guard `within`'s data (`match *guard { .. }`).
    fn bind_pattern(&mut self, pat: &syn::Pat, g: Option<GuardId>, within: Option<GuardId>) {
        let binding = g.and(guard_binding(pat));
        let mut names = Vec::new();
        pat_bindings(pat, &mut names);
        let mut ref_mut = Vec::new();
        if within.or(g).is_some() {
            ref_mut_bindings(pat, &mut ref_mut);
        }
        for name in names {
            let guard = if binding.as_deref() == Some(name.as_str()) {
                g
            } else {
                None
            };
            let borrows = if ref_mut.contains(&name) {
                within.or(g)
            } else {
                None
            };
            self.declare(Var {
                name,
                guard,
                borrows,
                ..Var::default()
            });
        }
    }

    /// The guard whose data the variable at the root of a place is or refers to
    /// (under `*`, fields, indexing and method calls): the guard itself, a mutable
    /// borrow of its data, or an element of its collection.
    fn guard_root(&self, e: &syn::Expr) -> Option<GuardId> {
        let mut e = strip(e);
        loop {
            e = match e {
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
                syn::Expr::Field(f) => strip(&f.base),
                syn::Expr::Index(i) => strip(&i.expr),
                syn::Expr::MethodCall(mc) => strip(&mc.receiver),
                _ => break,
            };
        }
        let v = self.lookup_ident(path_ident(e)?)?;
        v.borrows.or(v.elem_of).or(v.guard)
    }

    /// The guard whose data an expression borrows mutably: `&mut` of a place in it,
    /// `get_mut()`/`as_mut()` on one, or a variable holding such a borrow.
    fn mut_borrow(&self, e: &syn::Expr) -> Option<GuardId> {
        match strip(e) {
            syn::Expr::Reference(r) if r.mutability.is_some() => self.guard_root(&r.expr),
            syn::Expr::MethodCall(mc) if MUT_ACCESS.contains(&mc.method.to_string().as_str()) => {
                self.guard_root(&mc.receiver)
            }
            other => self.lookup_ident(path_ident(other)?)?.borrows,
        }
    }

    /// Guards whose data the arguments of a call borrow mutably (see
    /// [`mut_borrow`](Self::mut_borrow)).
    fn arg_borrows<'e>(&self, args: impl Iterator<Item = &'e syn::Expr>) -> Vec<GuardId> {
        if self.n_alive == 0 {
            return Vec::new();
        }
        let mut out: Vec<GuardId> = args.filter_map(|a| self.mut_borrow(a)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    fn await_expr(&mut self, a: &syn::ExprAwait) -> Flow {
        let span = a
            .dot_token
            .span
            .join(a.await_token.span)
            .unwrap_or(a.await_token.span);
        if let Some((mc, method)) = self.acquisition(&a.base) {
            // `m.lock().await`: an async lock. The guard exists only after the await.
            let recv = self.expr(&mc.receiver, false);
            self.event(EventKind::Await, span);
            let g = self.new_guard(Guard {
                lock: self.lock_path(&mc.receiver),
                method: method.name.clone(),
                kind: method.kind,
                is_async: true,
                is_try: method.is_try,
                confirmed: true,
                receiver_ty: None,
                wrapped: true,
                acquired: self.fw.span(mc.span()),
                name: None,
                methods: Vec::new(),
                discarded: None,
                serialises_test: false,
                returned: false,
                in_value: false,
            });
            return Flow::value(Some(g)).or_div(recv);
        }
        let f = self.expr(&a.base, true);
        self.note_future(&a.base);
        self.event(EventKind::Await, span);
        Flow::default().or_div(f)
    }

    /// A lock call's result that the body awaits (`fut.await`, `pin_mut!(fut)`, a
    /// future of `select!`/`join!`) was a future: the lock is an async lock, and the
    /// value was its acquisition, not a guard held while it waited.
    fn note_future(&mut self, e: &syn::Expr) {
        let mut e = strip(e);
        loop {
            e = match e {
                syn::Expr::Reference(r) => strip(&r.expr),
                syn::Expr::MethodCall(mc) if mc.method == "as_mut" && mc.args.is_empty() => {
                    strip(&mc.receiver)
                }
                _ => break,
            };
        }
        let Some(ident) = path_ident(e) else { return };
        if let Some(g) = self.lookup_ident(ident).and_then(|v| v.guard) {
            self.mark_future(g);
        }
    }

    /// The future holds no lock until it is awaited, and what the await yields is not
    /// followed: it is held by nothing, before or after. A `RefCell` borrow is never
    /// a future.
    fn mark_future(&mut self, g: GuardId) {
        let guard = &mut self.guards[g];
        if matches!(
            guard.kind,
            crate::flow::GuardKind::Borrow | crate::flow::GuardKind::BorrowMut
        ) {
            return;
        }
        guard.is_async = true;
        for e in &mut self.events {
            e.live.retain(|&x| x != g);
        }
        self.kill(g);
    }

    /// The variables a future-taking macro is given: every argument of `join!`,
    /// `try_join!` and the pinning macros, the future after `=` of each `select!`
    /// branch (`res = fut => ..`, up to a `, if` precondition). Only an argument that
    /// is a variable alone (`fut`, `&mut fut`) counts: in `join!(g.len(), ..)` the
    /// variable is not the future.
    fn note_macro_futures(&mut self, name: &str, tokens: &TokenStream) {
        let is_select = name.starts_with("select");
        let mut segment: Option<Vec<TokenTree>> = if is_select { None } else { Some(Vec::new()) };
        let mut prev: Option<(char, proc_macro2::Spacing)> = None;
        let mut ends = Vec::new();
        for tt in tokens.clone() {
            let punct = match &tt {
                TokenTree::Punct(p) => Some((p.as_char(), p.spacing())),
                _ => None,
            };
            let joint_eq = matches!(prev, Some(('=', proc_macro2::Spacing::Joint)));
            let after_op = matches!(prev, Some(('=' | '!' | '<' | '>', _)));
            prev = punct;
            match punct {
                Some((',', _)) => {
                    ends.extend(segment.take());
                    if !is_select {
                        segment = Some(Vec::new());
                    }
                    continue;
                }
                Some(('>', _)) if is_select && joint_eq => {
                    // `=>`: the branch's handler follows.
                    if let Some(mut seg) = segment.take() {
                        seg.pop();
                        ends.push(seg);
                    }
                    continue;
                }
                Some(('=', proc_macro2::Spacing::Alone)) if is_select && !after_op => {
                    segment = Some(Vec::new());
                    continue;
                }
                _ => {}
            }
            if let Some(seg) = &mut segment {
                seg.push(tt);
            }
        }
        ends.extend(segment);
        for seg in ends {
            let mut it = seg.iter().peekable();
            if matches!(it.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '&') {
                it.next();
            }
            if matches!(it.peek(), Some(TokenTree::Ident(i)) if i == "mut") {
                it.next();
            }
            let (Some(TokenTree::Ident(ident)), None) = (it.next(), it.next()) else {
                continue;
            };
            if let Some(g) = self.lookup_ident(ident).and_then(|v| v.guard) {
                self.mark_future(g);
            }
        }
    }

    /// `recv.method()` with no arguments where `method` hands out a guard.
    fn acquisition<'e>(
        &self,
        e: &'e syn::Expr,
    ) -> Option<(
        &'e syn::ExprMethodCall,
        &'a crate::model::known::GuardMethod,
    )> {
        let syn::Expr::MethodCall(mc) = strip(e) else {
            return None;
        };
        Some((mc, self.acquisition_method(mc, true)?))
    }

    /// The guard method `mc` calls, if it is an acquisition. `awaited` says the call
    /// is directly `.await`ed.
    fn acquisition_method(
        &self,
        mc: &syn::ExprMethodCall,
        awaited: bool,
    ) -> Option<&'a crate::model::known::GuardMethod> {
        if !mc.args.is_empty() {
            return None;
        }
        self.acquisition_method_named(mc, &mc.method.to_string(), awaited)
    }

    fn acquisition_method_named(
        &self,
        mc: &syn::ExprMethodCall,
        name: &str,
        awaited: bool,
    ) -> Option<&'a crate::model::known::GuardMethod> {
        if !mc.args.is_empty() {
            return None;
        }
        let method = self.fw.known.guard_method(name)?;
        if self.is_stream(&mc.receiver) {
            return None;
        }
        if name == "read" && self.is_pointer_like(&mc.receiver) {
            return None;
        }
        // On a lock declared async, `lock()` without `.await` makes a future.
        let waits_by_await = !method.is_try && !name.starts_with("blocking_");
        if !awaited && waits_by_await && self.declared_lock(&mc.receiver).0 {
            return None;
        }
        Some(method)
    }

    fn is_stream(&self, recv: &syn::Expr) -> bool {
        match strip(recv) {
            syn::Expr::Call(c) => match strip(&c.func) {
                syn::Expr::Path(p) => p
                    .path
                    .segments
                    .last()
                    .is_some_and(|s| self.fw.known.is_stream_fn(&s.ident.to_string())),
                _ => false,
            },
            e => path_var(e)
                .and_then(|n| self.lookup(&n).and_then(|v| v.ty.clone()))
                .is_some_and(|t| matches!(t.as_str(), "Stdout" | "Stdin" | "Stderr")),
        }
    }

    /// `ptr.read()` is a raw-pointer read, not an `RwLock`: inside `unsafe`, or on a
    /// pointer-producing expression.
    fn is_pointer_like(&self, recv: &syn::Expr) -> bool {
        match strip(recv) {
            syn::Expr::Cast(_) => true,
            syn::Expr::MethodCall(m) => [
                "add",
                "offset",
                "sub",
                "as_ptr",
                "as_mut_ptr",
                "cast",
                "byte_add",
                "get",
            ]
            .iter()
            .any(|n| m.method == n),
            e => {
                self.unsafe_depth > 0
                    && !place_segments(e)
                        .and_then(|s| s.last().cloned())
                        .is_some_and(|l| l.to_ascii_lowercase().contains("lock"))
            }
        }
    }

    fn lock_path(&self, recv: &syn::Expr) -> LockPath {
        let (segments, root_ty) = match place_segments(recv) {
            Some(segs) => {
                let (segs, ty) = self.resolve_place(segs);
                (Some(segs), ty)
            }
            None => (None, None),
        };
        let root_origin = segments
            .as_ref()
            .and_then(|s| s.first())
            .and_then(|r| self.lookup(r))
            .and_then(|v| v.origin.clone());
        LockPath {
            text: compact(&quote::ToTokens::to_token_stream(recv).to_string()),
            segments,
            root_ty,
            root_origin,
        }
    }

    /// Follows a `let` alias of the place's root variable, and finds the declared
    /// type of the root it ends at.
    fn resolve_place(&self, segs: Vec<String>) -> (Vec<String>, Option<String>) {
        let Some(first) = segs.first() else {
            return (segs, None);
        };
        if first == "self" {
            return (segs, None);
        }
        match self.lookup(first) {
            Some(v) => match &v.alias {
                Some(alias) => {
                    let root_ty = alias
                        .first()
                        .and_then(|r| self.lookup(r))
                        .and_then(|r| r.ty_text.clone());
                    let mut out = alias.clone();
                    out.extend(segs[1..].iter().cloned());
                    (out, root_ty)
                }
                None => {
                    let ty = v.ty_text.clone();
                    (segs, ty)
                }
            },
            None => (segs, None),
        }
    }

    /// The place a `let` initializer aliases: `&self.state`, `self.state.clone()`,
    /// `Arc::clone(&self.state)`, `other` (another alias).
    fn alias_of(&self, e: &syn::Expr) -> Option<Vec<String>> {
        let e = strip(e);
        if let syn::Expr::Call(c) = e {
            let syn::Expr::Path(p) = strip(&c.func) else {
                return None;
            };
            let segs = path_segments(&p.path);
            let is_clone = segs.len() >= 2
                && segs[segs.len() - 1] == "clone"
                && matches!(segs[segs.len() - 2].as_str(), "Arc" | "Rc");
            return match (is_clone, c.args.first()) {
                (true, Some(arg)) => self.alias_of(arg),
                _ => None,
            };
        }
        let segs = place_segments(e)?;
        if segs.len() == 1 && self.lookup(&segs[0]).is_none() && segs[0] != "self" {
            // A bare name that is no variable: a static or a constant.
            return is_static_name(&segs[0]).then_some(segs);
        }
        Some(self.resolve_place(segs).0)
    }

    /// The guard a method receiver is, or is a place inside.
    fn receiver_guard(&self, recv: &syn::Expr, flow: Flow) -> Option<GuardId> {
        flow.value.or(flow.within).or_else(|| {
            let root = place_segments(recv)?.into_iter().next()?;
            self.guard_var(&root)
        })
    }

    fn method_call(&mut self, mc: &syn::ExprMethodCall, awaited: bool) -> Flow {
        let name = mc.method.to_string();
        if let Some(method) = self.acquisition_method_named(mc, &name, false) {
            let recv = self.expr(&mc.receiver, false);
            let confirmed = !method.refcell || self.is_refcell(&mc.receiver);
            let (is_async, lock_ty) = self.declared_lock(&mc.receiver);
            let g = self.new_guard(Guard {
                lock: self.lock_path(&mc.receiver),
                method: method.name.clone(),
                kind: method.kind,
                is_async,
                is_try: method.is_try,
                confirmed,
                receiver_ty: lock_ty.or_else(|| self.receiver_type(&mc.receiver)),
                wrapped: false,
                acquired: self.fw.span(mc.span()),
                name: None,
                methods: Vec::new(),
                discarded: None,
                serialises_test: false,
                returned: false,
                in_value: false,
            });
            return Flow::value(Some(g)).or_div(recv);
        }
        let recv = self.expr(&mc.receiver, false);
        let on_guard = self.receiver_guard(&mc.receiver, recv);
        if let Some(g) = on_guard {
            self.guards[g].methods.push(name.clone());
            self.note_use(g);
        }
        let place = place_segments(&mc.receiver);
        let on_elem_of = place
            .as_ref()
            .and_then(|s| s.first())
            .and_then(|root| self.lookup(root).and_then(|v| v.elem_of));
        let mut out = Flow::default().or_div(recv);
        let mut arg_guard = None;
        let mut arg_guards = Vec::new();
        let mut closure_args = Vec::new();
        let (_, arg_calls) = self.collecting_calls(|w| {
            for (pos, arg) in mc.args.iter().enumerate() {
                if matches!(strip(arg), syn::Expr::Closure(_)) {
                    closure_args.push((pos as u32, w.out.len() as u32));
                }
                let f = w.expr(arg, awaited);
                out = out.or_div(f);
                if f.value.is_some() {
                    arg_guard = arg_guard.or(f.value);
                }
                arg_guards.extend(f.value.or(f.within));
            }
        });
        let on_acquisition = mc.args.is_empty()
            && recv.value.is_some()
            && matches!(strip(&mc.receiver), syn::Expr::MethodCall(inner) if self.acquisition_method(inner, false).is_some());
        // A `RefCell` borrow is no lock future: `cell.borrow_mut().wait()` calls
        // the borrowed value's own `wait`.
        let on_lock_future = recv.value.is_some_and(|g| {
            !matches!(
                self.guards[g].kind,
                crate::flow::GuardKind::Borrow | crate::flow::GuardKind::BorrowMut
            )
        });
        if on_acquisition && on_lock_future && self.fw.known.is_blocking_acquire(&name) {
            // `m.lock().wait()`: the wait is how the guard is acquired, not a call
            // made while it is held.
            return out.with_value(recv.value);
        }
        if self.fw.known.is_passthrough(&name) && recv.value.is_some() {
            out.value = recv.value;
            if let Some(g) = recv.value {
                self.guards[g].wrapped = true;
            }
        } else if self.fw.known.is_condvar_wait(&name) && arg_guard.is_some() {
            // The wait takes the guard and gives it back.
            out.value = arg_guard;
            for arg in &mc.args {
                if let Some(n) = path_var(arg) {
                    if let Some(v) = self.lookup_mut(&n) {
                        v.guard = None;
                    }
                }
            }
        } else {
            mc.args.iter().for_each(|a| self.move_out(a));
            // A guard passed by value moves into the callee.
            for &g in &arg_guards {
                if self.temps.iter().any(|t| t.contains(&g)) {
                    self.untemp(g);
                    self.kill(g);
                }
            }
        }
        let blocking = if awaited {
            None
        } else {
            self.blocking_method(&name, mc.args.len(), &mc.receiver)
        };
        let span = mc
            .method
            .span()
            .join(mc.paren_token.span.close())
            .unwrap_or_else(|| mc.method.span());
        // A call's receiver needs no origin (that names locks, not calls), and its
        // text is its path: no tokens are printed for it.
        let receiver = place.map(|segs| {
            let (segments, root_ty) = self.resolve_place(segs);
            LockPath {
                text: segments.join("."),
                segments: Some(segments),
                root_ty,
                root_origin: None,
            }
        });
        self.event(
            EventKind::Call(Box::new(Call {
                callee: format!(".{name}"),
                is_method: true,
                receiver,
                on_elem_of,
                on_guard,
                on_guard_value: on_guard.is_some() && recv.value == on_guard,
                arg_guards,
                arg_calls,
                blocking,
                lit_arg: mc.args.first().and_then(|a| self.str_arg(a)),
                closure_args,
                name_args: self.name_args(mc.args.iter()),
                lock_args: self.lock_args(mc.args.iter()),
                arg_borrows: self.arg_borrows(mc.args.iter()),
                result_dropped: self.is_dropped_result(std::ptr::from_ref(mc).cast()),
            })),
            span,
        );
        out
    }

    fn call(&mut self, c: &syn::ExprCall, awaited: bool) -> Flow {
        let func = strip(&c.func);
        let callee = match func {
            syn::Expr::Path(p) if p.qself.is_none() => {
                Some(self.fw.imports.resolve(&path_segments(&p.path)))
            }
            other => {
                self.expr(other, false);
                // `(self.on_change)(x)`, `handlers[i](x)`: named by their text, unless
                // the callee is a long expression (`g()()()..`), whose text each call
                // of the chain would print again.
                is_small(other)
                    .then(|| compact(&quote::ToTokens::to_token_stream(&c.func).to_string()))
            }
        };
        let on_elem_of = path_var(func).and_then(|n| self.lookup(&n).and_then(|v| v.elem_of));
        let is_drop = callee.as_deref().is_some_and(|p| {
            matches!(
                p,
                "drop" | "std::mem::drop" | "core::mem::drop" | "mem::drop"
            )
        });
        let mut out = Flow::default();
        let mut arg_guards = Vec::new();
        let mut closure_args = Vec::new();
        // `Some(guard)`, `Ok(guard)`, `Wrapper(guard)`: the value holds the guard.
        let is_ctor = !is_drop && is_tuple_constructor(func);
        let mut held = None;
        let (_, arg_calls) = self.collecting_calls(|w| {
            for (pos, arg) in c.args.iter().enumerate() {
                if matches!(strip(arg), syn::Expr::Closure(_)) {
                    closure_args.push((pos as u32, w.out.len() as u32));
                }
                let f = w.expr(arg, awaited);
                out = out.or_div(f);
                arg_guards.extend(f.value.or(f.within));
                if is_ctor {
                    held = w.move_into_value(arg, f.value, held);
                } else if let Some(g) = f.value {
                    // A guard passed by value moves into the callee; it is no longer
                    // ours to track (`Box::new(stdin.lock())`, `drop(g)`).
                    w.untemp(g);
                    w.kill(g);
                }
            }
        });
        if is_ctor {
            out.value = held;
        } else {
            c.args.iter().for_each(|a| self.move_out(a));
        }
        if is_drop {
            return out;
        }
        let Some(callee) = callee else {
            return out;
        };
        if DIVERGING_FNS.contains(&callee.as_str()) {
            out.diverges = true;
        }
        // A function named by its full path is never the async API of the same
        // name, so being awaited (or an argument of an awaited call) changes nothing.
        let blocking = self
            .fw
            .known
            .blocking_fn(&callee)
            .map(|b| format!("`{}` {}", short_path(&callee), b.why));
        self.event(
            EventKind::Call(Box::new(Call {
                callee,
                is_method: false,
                receiver: None,
                on_elem_of,
                on_guard: None,
                on_guard_value: false,
                arg_guards,
                arg_calls,
                blocking,
                lit_arg: c.args.first().and_then(|a| self.str_arg(a)),
                closure_args,
                name_args: self.name_args(c.args.iter()),
                lock_args: self.lock_args(c.args.iter()),
                arg_borrows: self.arg_borrows(c.args.iter()),
                result_dropped: self.is_dropped_result(std::ptr::from_ref(c).cast()),
            })),
            // The callee and the closing parenthesis: `Spanned::span` of the
            // whole call would walk all of its arguments.
            first_span(&c.func)
                .unwrap_or_else(|| c.paren_token.span.open())
                .join(c.paren_token.span.close())
                .unwrap_or_else(|| c.paren_token.span.close()),
        );
        out
    }

    /// A string argument: a literal, or a `const` of the body or file naming one.
    fn str_arg(&self, arg: &syn::Expr) -> Option<String> {
        if let Some(s) = string_literal(arg) {
            return Some(s);
        }
        let id = path_ident(arg)?;
        match self.lookup_ident(id) {
            Some(v) => v.str_value.clone(),
            None => self.fw.str_consts.get(&id.to_string()).cloned(),
        }
    }

    /// Arguments that pass on a callback this body holds: a callback parameter, or a
    /// variable of an enclosing body (what a closure captures), by name, perhaps
    /// borrowed (`&mut f`).
    fn name_args<'e>(&self, args: impl Iterator<Item = &'e syn::Expr>) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for (pos, arg) in args.enumerate() {
            let mut a = strip(arg);
            while let syn::Expr::Reference(r) = a {
                a = strip(&r.expr);
            }
            let Some(id) = path_ident(a) else { continue };
            let is_param = self.body.callback_params.iter().any(|p| id == p);
            let is_captured = || {
                self.lookup_ident(id)
                    .is_some_and(|v| v.origin.as_ref().is_some_and(|o| *o != self.origin))
            };
            if is_param || is_captured() {
                out.push((pos as u32, id.to_string()));
            }
        }
        out
    }

    /// Arguments that name a variable holding a lock, perhaps borrowed (`&lock`).
    fn lock_args<'e>(&self, args: impl Iterator<Item = &'e syn::Expr>) -> Vec<String> {
        let mut out = Vec::new();
        for arg in args {
            let mut a = strip(arg);
            while let syn::Expr::Reference(r) = a {
                a = strip(&r.expr);
            }
            let Some(id) = path_ident(a) else { continue };
            if self.lookup_ident(id).is_some_and(|v| v.lock_ty.is_some()) {
                out.push(id.to_string());
            }
        }
        out
    }

    fn blocking_method(&self, name: &str, n_args: usize, recv: &syn::Expr) -> Option<String> {
        let candidates = self.fw.known.blocking_methods(name);
        if candidates.is_empty() {
            return None;
        }
        let recv_ty = self.receiver_type(recv);
        for m in candidates {
            if m.args != n_args {
                continue;
            }
            let needed = match (&m.receivers, &m.async_receivers) {
                (Some(r), _) => Some(r),
                (None, Some(r)) if self.is_async => Some(r),
                _ => None,
            };
            if let Some(needed) = needed {
                if !recv_ty.as_ref().is_some_and(|t| needed.contains(t)) {
                    continue;
                }
            }
            return Some(format!("`{name}` {}", m.why));
        }
        None
    }

    /// The type name of a receiver, from locals, parameters and constructors.
    fn receiver_type(&self, recv: &syn::Expr) -> Option<String> {
        self.expr_types(recv).filter(|t| !t.contains(','))
    }

    /// The type name(s) of an expression's value, comma-separated for tuples.
    fn expr_types(&self, e: &syn::Expr) -> Option<String> {
        match strip(e) {
            syn::Expr::Path(_) => self.lookup_ident(path_ident(e)?).and_then(|v| v.ty.clone()),
            syn::Expr::Reference(r) => self.expr_types(&r.expr),
            syn::Expr::Try(t) => self.expr_types(&t.expr),
            syn::Expr::Call(c) => {
                let syn::Expr::Path(p) = strip(&c.func) else {
                    return None;
                };
                let segs = path_segments(&p.path);
                let full = self.fw.imports.resolve(&segs);
                if let Some(tys) = self.fw.known.constructor(&full) {
                    return Some(tys.join(","));
                }
                if is_async_path(&full) || segs.len() < 2 {
                    return None;
                }
                let ty = &segs[segs.len() - 2];
                let func = &segs[segs.len() - 1];
                let is_ctor = matches!(
                    func.as_str(),
                    "new"
                        | "open"
                        | "create"
                        | "create_new"
                        | "connect"
                        | "connect_timeout"
                        | "bind"
                        | "options"
                        | "default"
                        | "with_capacity"
                );
                (is_ctor && ty.starts_with(|c: char| c.is_ascii_uppercase())).then(|| ty.clone())
            }
            syn::Expr::MethodCall(m) => {
                let name = m.method.to_string();
                let inner = self.expr_types(&m.receiver);
                match name.as_str() {
                    "unwrap" | "expect" | "unwrap_or_else" => inner,
                    "arg" | "args" | "env" | "envs" | "env_clear" | "env_remove"
                    | "current_dir" | "stdin" | "stdout" | "stderr" | "uid" | "gid"
                        if inner.as_deref() == Some("Command") =>
                    {
                        inner
                    }
                    "spawn" if inner.as_deref() == Some("Command") => Some("Child".into()),
                    "read" | "write" | "create" | "append" | "truncate"
                        if inner.as_deref() == Some("OpenOptions") =>
                    {
                        inner
                    }
                    "open" if inner.as_deref() == Some("OpenOptions") => Some("File".into()),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// What the declarations in view say about a lock receiver: whether it is an
    /// async lock, and the lock type (`Mutex`...). Locals and parameters first, then
    /// the file's statics.
    fn declared_lock(&self, recv: &syn::Expr) -> (bool, Option<String>) {
        let Some(name) = path_var(recv) else {
            return (false, None);
        };
        if let Some(v) = self.lookup(&name) {
            return (v.is_async_lock, v.lock_ty.clone());
        }
        match self.fw.statics.get(&name) {
            Some(ty) => (
                self.fw
                    .imports
                    .is_async_lock_type(ty, &self.fw.known.async_locks),
                lock_type_in(ty),
            ),
            None => (false, None),
        }
    }

    fn is_refcell(&self, recv: &syn::Expr) -> bool {
        match path_var(recv) {
            Some(name) => self.lookup(&name).is_some_and(|v| v.is_refcell),
            None => false,
        }
    }

    fn if_expr(&mut self, i: &syn::ExprIf) -> Flow {
        let is_let = is_let_cond(&i.cond);
        self.temps.push(Vec::new());
        self.push_scope();
        let ((cond, tested), calls) = self.collecting_calls(|w| w.collecting(|w| w.cond(&i.cond)));
        let writes = self.atomic_writes(&calls);
        if !is_let {
            // An `if` condition's temporaries drop before the block runs.
            let temps = self.temps.last().cloned().unwrap_or_default();
            temps.into_iter().for_each(|g| self.kill(g));
        }
        let before = self.save();
        // `if slot.is_none() { .. }` on an `Option` that holds a guard on other paths
        // (`slot = Some(m.lock())`): the branch runs when it holds none.
        let (empty_then, empty_else) = if is_let {
            (None, None)
        } else {
            empty_option_test(&i.cond)
        };
        if let Some(ident) = empty_then {
            self.kill_held_by(ident);
        }
        self.cond_spans.push(Some(self.fw.span(expr_span(&i.cond))));
        let then = self.testing_writes(&writes, |w| {
            w.depending(&tested, |w| w.block(&i.then_branch, Tail::Expr))
        });
        self.pop_scope(None);
        let after_then = self.save();
        self.restore(before);
        if is_let && self.fw.file.edition.is_2024() {
            // Edition 2024 drops `if let` scrutinee temporaries before `else`.
            let temps = self.temps.last().cloned().unwrap_or_default();
            temps.into_iter().for_each(|g| self.kill(g));
        } else if is_let {
            // `if let Ok(g) = m.try_lock() { .. } else { .. }`: the `else` runs
            // when nothing was taken.
            let temps = self.temps.last().cloned().unwrap_or_default();
            for g in temps {
                if self.guards[g].is_try {
                    self.kill(g);
                }
            }
        }
        if let Some(ident) = empty_else {
            self.kill_held_by(ident);
        }
        let els = match &i.else_branch {
            Some((_, e)) => {
                self.testing_writes(&writes, |w| w.depending(&tested, |w| w.expr(e, false)))
            }
            None => Flow::default(),
        };
        self.cond_spans.pop();
        let after_else = self.save();
        let guards_rest = then.diverges && i.else_branch.is_none();
        if guards_rest {
            self.after_writes = writes;
        }
        self.last_if = Some((tested, guards_rest));
        let mut branches = Vec::new();
        if !then.diverges {
            branches.push(after_then);
        }
        if !els.diverges {
            branches.push(after_else);
        }
        let diverges = branches.is_empty() && !cond.diverges && i.else_branch.is_some();
        if !branches.is_empty() {
            self.join(branches);
        }
        let value = then.value.or(els.value);
        let temps = self.temps.pop().unwrap_or_default();
        for g in temps {
            if Some(g) == value {
                if let Some(t) = self.temps.last_mut() {
                    t.push(g);
                    continue;
                }
            }
            self.kill(g);
        }
        Flow {
            value,
            within: None,
            diverges: diverges || cond.diverges,
        }
    }

    /// The guards a variable holds inside an `Option` it was given (`slot =
    /// Some(guard)`) are not alive on this path: it is tested empty. A variable that
    /// is the guard itself keeps it: `state.is_none()` on a `MutexGuard<Option<T>>`
    /// tests the locked data.
    fn kill_held_by(&mut self, ident: &proc_macro2::Ident) {
        let Some(v) = self.lookup_ident(ident) else {
            return;
        };
        let held: Vec<GuardId> = v
            .guard
            .into_iter()
            .chain(v.also.iter().copied())
            .filter(|&g| self.guards[g].in_value)
            .collect();
        held.into_iter().for_each(|g| self.kill(g));
    }

    /// An `if`/`while` condition; `let` parts bind into the innermost scope.
    fn cond(&mut self, e: &syn::Expr) -> Flow {
        match e {
            syn::Expr::Let(l) => {
                // What the pattern binds was read under the guards its scrutinee used
                // (`if let Some(v) = m.read().get(k).cloned()`).
                self.collectors.push((true, Vec::new()));
                let f = self.expr(&l.expr, false);
                let read = self.collectors.pop().map(|c| c.1).unwrap_or_default();
                let first = self.scopes.last().map_or(0, |s| s.vars.len());
                self.bind_pattern(&l.pat, f.value, f.within);
                if let Some(scope) = self.scopes.last_mut() {
                    for v in scope.vars.iter_mut().skip(first) {
                        if v.guard.is_none() {
                            v.derived.clone_from(&read);
                        }
                    }
                }
                f.no_value()
            }
            syn::Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) && is_let_cond(e) => {
                let l = self.cond(&b.left);
                let r = self.cond(&b.right);
                l.or_div(r)
            }
            syn::Expr::Paren(p) => self.cond(&p.expr),
            other => self.expr(other, false).no_value(),
        }
    }

    fn while_expr(&mut self, wh: &syn::ExprWhile) -> Flow {
        let is_let = is_let_cond(&wh.cond);
        let before = self.save();
        self.temps.push(Vec::new());
        self.push_scope();
        let ((_, tested), calls) = self.collecting_calls(|w| w.collecting(|w| w.cond(&wh.cond)));
        let writes = self.atomic_writes(&calls);
        if !is_let {
            let temps = self.temps.last().cloned().unwrap_or_default();
            temps.into_iter().for_each(|g| self.kill(g));
        }
        self.loop_depth += 1;
        self.cond_spans.push(None);
        self.depending(&tested, |w| w.block(&wh.body, Tail::Expr));
        self.cond_spans.pop();
        self.loop_depth -= 1;
        self.pop_scope(None);
        self.end_temps();
        let after = self.save();
        self.join(vec![before, after]);
        // `while x.compare_exchange(..).is_err() { .. }`: what follows the loop runs
        // once its condition has been tested.
        self.after_writes = writes;
        Flow::default()
    }

    fn match_expr(&mut self, m: &syn::ExprMatch) -> Flow {
        self.temps.push(Vec::new());
        let ((scrut, tested), calls) =
            self.collecting_calls(|w| w.collecting(|w| w.expr(&m.expr, false)));
        let writes = self.atomic_writes(&calls);
        let before = self.save();
        let mut branches = Vec::new();
        let mut value = None;
        let mark = self.deps.len();
        self.deps.extend_from_slice(&tested);
        self.cond_spans.push(Some(self.fw.span(expr_span(&m.expr))));
        for arm in &m.arms {
            self.restore(before.clone());
            // `match m.try_lock() { Err(_) => .. }`: no guard was taken in that arm.
            if let Some(g) = scrut.value.filter(|&g| self.guards[g].is_try) {
                if is_failure_pattern(&arm.pat) {
                    self.kill(g);
                }
            }
            self.push_scope();
            self.bind_pattern(&arm.pat, scrut.value, scrut.within);
            if let syn::Pat::Guard(g) = &arm.pat {
                self.temps.push(Vec::new());
                self.expr(&g.guard, false);
                self.end_temps();
            }
            self.temps.push(Vec::new());
            // The `Err(_)` arm of a `compare_exchange` is where it failed.
            let arm_writes = if is_failure_pattern(&arm.pat) {
                &[][..]
            } else {
                &writes[..]
            };
            let f = self.testing_writes(arm_writes, |w| w.expr(&arm.body, false));
            let temps = self.temps.pop().unwrap_or_default();
            for g in temps {
                if Some(g) == f.value {
                    if let Some(t) = self.temps.last_mut() {
                        t.push(g);
                    }
                    continue;
                }
                self.kill(g);
            }
            self.pop_scope(f.value);
            if !f.diverges {
                branches.push(self.save());
                value = value.or(f.value);
            }
        }
        self.deps.truncate(mark);
        self.cond_spans.pop();
        let diverges = branches.is_empty() && !m.arms.is_empty();
        if branches.is_empty() {
            self.restore(before);
        } else {
            self.join(branches);
        }
        let temps = self.temps.pop().unwrap_or_default();
        for g in temps {
            if Some(g) == value {
                if let Some(t) = self.temps.last_mut() {
                    t.push(g);
                    continue;
                }
            }
            self.kill(g);
        }
        Flow {
            value,
            within: None,
            diverges: diverges || scrut.diverges,
        }
    }

    fn mac(&mut self, mac: &syn::Macro, awaited: bool) -> Flow {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let diverges = DIVERGING_MACROS.contains(&name.as_str());
        if FUTURE_MACROS.contains(&name.as_str()) && self.n_alive > 0 {
            self.note_macro_futures(&name, &mac.tokens);
        }
        if AWAITING_MACROS.contains(&name.as_str()) && self.is_async {
            self.scan_awaits(&mac.tokens);
            self.event(EventKind::Await, mac.path.span());
            return Flow::default();
        }
        if EXPR_MACROS.contains(&name.as_str()) {
            let parsed =
                mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated);
            if let Ok(args) = parsed {
                let f = self.exprs(&args, awaited);
                return Flow {
                    value: None,
                    within: None,
                    diverges: diverges || f.diverges,
                };
            }
        }
        self.scan_awaits(&mac.tokens);
        Flow {
            value: None,
            within: None,
            diverges,
        }
    }

    /// In a macro syn cannot parse, a visible `.await` still counts.
    fn scan_awaits(&mut self, tokens: &TokenStream) {
        let mut prev_dot = false;
        for tt in tokens.clone() {
            match tt {
                TokenTree::Group(g) => {
                    self.scan_awaits(&g.stream());
                    prev_dot = false;
                }
                TokenTree::Ident(i) if prev_dot && i == "await" => {
                    self.event(EventKind::Await, i.span());
                    prev_dot = false;
                }
                TokenTree::Punct(p) => prev_dot = p.as_char() == '.',
                _ => prev_dot = false,
            }
        }
    }

    // ---- child bodies ------------------------------------------------------------------

    /// A `#[cfg(test)]` statement inside a body: test code, run where it stands
    /// but only in test builds, so it is walked as a nested body marked as test code
    /// (the way `#[cfg(test)]` modules are), and nothing it does counts for the body
    /// around it.
    fn test_only(&mut self, stmt: &syn::Stmt) {
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
    fn nested_spec<'s>(
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
                module: self.body.module.clone(),
                self_ty: self.body.self_ty.clone(),
                trait_name: None,
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

    fn child(&mut self, mut spec: BodySpec<'_>) {
        spec.captured = self.visible_vars();
        self.fw.walk_body(spec, self.out);
    }

    /// The variables in scope, innermost last, as a closure sees them: types and
    /// aliases, without guards or per-body facts.
    fn visible_vars(&self) -> Vec<Var> {
        self.scopes
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
            })
            .map(|v| Var {
                guard: None,
                derived: Vec::new(),
                elem_of: None,
                ..v.clone()
            })
            .collect()
    }
}

impl Flow {
    /// Keeps `self`'s value and adds `other`'s divergence.
    fn or_div(mut self, other: Flow) -> Flow {
        self.diverges |= other.diverges;
        self
    }

    /// The same divergence, with this guard value.
    fn with_value(mut self, g: Option<GuardId>) -> Flow {
        self.value = g;
        self
    }

    /// The same divergence, with no guard value.
    fn no_value(mut self) -> Flow {
        self.value = None;
        self.within = None;
        self
    }
}

fn collect_idents(tokens: &TokenStream, out: &mut HashSet<String>) {
    for tt in tokens.clone() {
        match tt {
            TokenTree::Group(g) => collect_idents(&g.stream(), out),
            TokenTree::Ident(i) => {
                out.insert(i.to_string());
            }
            _ => {}
        }
    }
}

fn is_async_path(full: &str) -> bool {
    let first = full.split("::").next().unwrap_or_default();
    ASYNC_CRATES.contains(&first)
}

fn short_path(full: &str) -> String {
    let segs: Vec<&str> = full.split("::").collect();
    if segs.len() <= 2 {
        full.to_string()
    } else {
        segs[segs.len() - 2..].join("::")
    }
}

fn expr_mentions_refcell(e: &syn::Expr) -> bool {
    match strip(e) {
        syn::Expr::Call(c) => {
            let is_new = match strip(&c.func) {
                syn::Expr::Path(p) => {
                    let segs = path_segments(&p.path);
                    segs.iter().any(|s| s == "RefCell")
                }
                _ => false,
            };
            is_new || c.args.iter().any(expr_mentions_refcell)
        }
        syn::Expr::MethodCall(m) if m.method == "clone" => expr_mentions_refcell(&m.receiver),
        _ => false,
    }
}

/// The lock type a type as written is or wraps: `Mutex` for `Arc<Mutex<T>>`,
/// `RwLock` for `LazyLock<RwLock<T>>`; raw locks (`RawMutex`) are not guard locks.
fn lock_type_in(ty: &str) -> Option<String> {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .filter_map(|w| w.rsplit("::").next())
        .find(|last| GUARD_LOCK_TYPES.contains(last))
        .map(str::to_string)
}

/// The type a constructor expression builds, as a type string:
/// `Arc::new(Mutex::new(0))` gives `Arc<Mutex<>>`. Empty when it is not a chain of
/// `Type::new`-like calls.
fn constructed_type(e: &syn::Expr) -> String {
    match strip(e) {
        syn::Expr::Call(c) => {
            let syn::Expr::Path(p) = strip(&c.func) else {
                return String::new();
            };
            let segs = path_segments(&p.path);
            if segs.len() < 2 {
                return String::new();
            }
            let ty = segs[..segs.len() - 1].join("::");
            let inner = c.args.first().map(constructed_type).unwrap_or_default();
            format!("{ty}<{inner}>")
        }
        syn::Expr::MethodCall(m) if m.method == "into" || m.method == "clone" => {
            constructed_type(&m.receiver)
        }
        _ => String::new(),
    }
}

/// The struct a `let` initializer builds with a literal (`Foo { .. }`).
fn struct_literal_type(e: &syn::Expr) -> Option<String> {
    match strip(e) {
        syn::Expr::Struct(s) => Some(compact(
            &quote::ToTokens::to_token_stream(&s.path).to_string(),
        )),
        _ => None,
    }
}

/// `cv.wait_timeout(g, d)` (possibly unwrapped): its value is a `(guard, timeout)` pair.
fn is_timeout_wait(e: &syn::Expr) -> bool {
    match strip(e) {
        syn::Expr::MethodCall(m) => {
            let name = m.method.to_string();
            if matches!(name.as_str(), "unwrap" | "expect") {
                return is_timeout_wait(&m.receiver);
            }
            name.starts_with("wait_timeout")
        }
        syn::Expr::Try(t) => is_timeout_wait(&t.expr),
        _ => false,
    }
}

/// The predicate of a statement's `#[cfg(..)]`, as text.
fn cfg_of(stmt: &syn::Stmt) -> Option<String> {
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
fn is_test_only_cfg(cfg: &str) -> bool {
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
fn cfgs_exclusive(a: &str, b: &str) -> bool {
    a.strip_prefix("not(").and_then(|r| r.strip_suffix(')')) == Some(b)
        || b.strip_prefix("not(").and_then(|r| r.strip_suffix(')')) == Some(a)
}

/// `Err(..)`, `None` or `_`-free patterns that match a failed `try_` acquisition.
fn is_failure_pattern(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(t) => t.path.segments.last().is_some_and(|s| s.ident == "Err"),
        syn::Pat::Path(p) => p.path.segments.last().is_some_and(|s| s.ident == "None"),
        syn::Pat::Ident(i) => i.ident == "None",
        syn::Pat::Guard(g) => is_failure_pattern(&g.pat),
        syn::Pat::Or(o) => o.cases.iter().all(is_failure_pattern),
        _ => false,
    }
}

/// Names passed whole as an argument of a call in a token stream (`drop(g)`,
/// `Guard::upgrade(g)`): a closure doing that takes the guard by value.
fn dropped_names(tokens: &TokenStream) -> Vec<String> {
    let mut out = Vec::new();
    let mut prev_callee = false;
    for tt in tokens.clone() {
        match tt {
            TokenTree::Ident(_) => prev_callee = true,
            TokenTree::Group(g) => {
                if prev_callee && g.delimiter() == proc_macro2::Delimiter::Parenthesis {
                    let mut arg: Vec<TokenTree> = Vec::new();
                    let mut args = Vec::new();
                    for t in g.stream() {
                        match &t {
                            TokenTree::Punct(p) if p.as_char() == ',' => {
                                args.push(std::mem::take(&mut arg));
                            }
                            _ => arg.push(t),
                        }
                    }
                    args.push(arg);
                    for a in args {
                        if let [TokenTree::Ident(name)] = a.as_slice() {
                            out.push(name.to_string());
                        }
                    }
                }
                out.extend(dropped_names(&g.stream()));
                prev_callee = false;
            }
            _ => prev_callee = false,
        }
    }
    out
}

fn is_compound_assign(op: &syn::BinOp) -> bool {
    matches!(
        op,
        syn::BinOp::AddAssign(_)
            | syn::BinOp::SubAssign(_)
            | syn::BinOp::MulAssign(_)
            | syn::BinOp::DivAssign(_)
            | syn::BinOp::RemAssign(_)
            | syn::BinOp::BitXorAssign(_)
            | syn::BinOp::BitAndAssign(_)
            | syn::BinOp::BitOrAssign(_)
            | syn::BinOp::ShlAssign(_)
            | syn::BinOp::ShrAssign(_)
    )
}

/// Whether a call made while no guard is alive can matter to any rule: it blocks,
/// it may resolve to a function of the crate, it is a method on a place (an atomic
/// `load`, a condvar `wait`), or it is one of the process-global calls the shared-state
/// rules look for. Calls that are none of these (`Some(x)`, `iter().map(..)`,
/// `Vec::new()`) are not recorded, to keep the facts small.
fn is_call_of_interest(call: &Call) -> bool {
    if call.blocking.is_some()
        || !call.arg_guards.is_empty()
        || !call.arg_calls.is_empty()
        || call.on_guard.is_some()
        || call.on_elem_of.is_some()
    {
        return true;
    }
    if call.is_method {
        let name = call.callee.trim_start_matches('.');
        if crate::flow::methods::is_followed(name) {
            return true;
        }
        // Otherwise only a receiver a call can resolve through (`self`, a variable
        // of declared type) or a static.
        let Some(recv) = &call.receiver else {
            return false;
        };
        let Some(segs) = &recv.segments else {
            return false;
        };
        return match segs.as_slice() {
            [root] => root == "self" || recv.root_ty.is_some() || is_static_name(root),
            [root, ..] => is_static_name(root),
            [] => false,
        };
    }
    let callee = call.callee.as_str();
    if matches!(callee, "Some" | "Ok" | "Err" | "None") {
        return false;
    }
    let first = callee.split("::").next().unwrap_or_default();
    if matches!(first, "std" | "core" | "alloc") {
        return [
            "std::env::",
            "std::process::",
            "std::thread::",
            "std::mem::",
        ]
        .iter()
        .any(|p| callee.starts_with(p));
    }
    !matches!(
        first,
        "Box"
            | "Vec"
            | "String"
            | "Arc"
            | "Rc"
            | "Cell"
            | "RefCell"
            | "Option"
            | "Result"
            | "HashMap"
            | "HashSet"
            | "BTreeMap"
            | "BTreeSet"
            | "VecDeque"
            | "PhantomData"
            | "Default"
            | "From"
            | "Into"
            | "Duration"
            | "Instant"
            | "Pin"
            | "Ordering"
    )
}

/// The value of a string literal expression.
fn string_literal(e: &syn::Expr) -> Option<String> {
    match strip(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// A closure's or async block's name: its parent's with the kind appended once, so
/// that deeply nested closures do not make names that grow with the nesting.
fn nested_name(parent: &str, kind: &str) -> String {
    if parent.ends_with("::{closure}") || parent.ends_with("::{async block}") {
        let base = parent.rsplit_once("::").map_or(parent, |(b, _)| b);
        format!("{base}::{kind}")
    } else {
        format!("{parent}::{kind}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The spans read from outer tokens equal the ones `Spanned` finds by printing.
    #[test]
    fn expression_spans_match_spanned() {
        let exprs = [
            "a",
            "::std::env::var(\"X\").is_ok()",
            "!self.ready.load(Ordering::SeqCst)",
            "map.read().unwrap().contains_key(&k) && *flag || -x > 1",
            "let Some(v) = cache.get(&key)",
            "(a.b.0)[i]?",
            "fut.await",
            "matches!(x, Some(_))",
            "&mut *guard",
            "\"text\"",
            "f::<u8>()",
            "x as u32 == 3",
            "Vec::<u8>::new",
            "{ a }",
            "#[allow(unused)] a",
        ];
        for text in exprs {
            let e: syn::Expr = syn::parse_str(text).expect("invariant: test expression parses");
            assert_eq!(expr_span(&e).byte_range(), e.span().byte_range(), "{text}");
        }
    }
}
