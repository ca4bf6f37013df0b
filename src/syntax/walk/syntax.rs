//! Syntax helpers with no walker state: patterns and the names they bind, the
//! operands whose temporaries a `let` extends, places and paths, and the span
//! rebuilding that reads an expression's first and last tokens.
//!
//! Nothing here records a fact or reads the variable environment.

use super::*;

pub(super) fn pat_ident(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(pi) => Some(pi.ident.to_string()),
        syn::Pat::Type(pt) => pat_ident(&pt.pat),
        syn::Pat::Reference(r) => pat_ident(&r.pat),
        syn::Pat::Paren(p) => pat_ident(&p.pat),
        _ => None,
    }
}

/// Every identifier a pattern binds.
pub(super) fn pat_bindings(pat: &syn::Pat, out: &mut Vec<String>) {
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
pub(super) fn guard_binding(pat: &syn::Pat) -> Option<String> {
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

pub(super) fn is_let_cond(e: &syn::Expr) -> bool {
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

pub(super) fn strip(e: &syn::Expr) -> &syn::Expr {
    match e {
        syn::Expr::Paren(p) => strip(&p.expr),
        syn::Expr::Group(g) => strip(&g.expr),
        _ => e,
    }
}

/// `Err(..)`: a failure value, not a result handed back.
pub(super) fn is_err_call(e: &syn::Expr) -> bool {
    matches!(strip(e), syn::Expr::Call(c) if matches!(strip(&c.func),
        syn::Expr::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Err")))
}

/// The operands of an extending expression whose temporaries live to the end of the
/// enclosing block (the Reference, "Temporary lifetime extension"): an extending
/// expression is the `let` initializer, the operand of an extending borrow, an
/// operand of an extending array, cast, braced struct, tuple or tuple-struct
/// constructor, or the tail of an extending block, `if`/`else` branch or `match` arm.
pub(super) fn extending_operands(e: &syn::Expr, out: &mut Vec<*const syn::Expr>) {
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

pub(super) fn block_tail_operands(block: &syn::Block, out: &mut Vec<*const syn::Expr>) {
    if let Some(syn::Stmt::Expr(tail, None)) = block.stmts.last() {
        extending_operands(tail, out);
    }
}

/// The operand of an extending borrow has its temporary extended, and so do the
/// operands of the place projections it is made of (a dereference, a field, a tuple
/// index, a borrow, the indexed expression of an index): in `&mut *m.lock()` and
/// `&m.lock().unwrap().field` the guard is extended; in `&m.lock().unwrap().len()`
/// only the `len()` result is.
pub(super) fn extended_place(e: &syn::Expr, out: &mut Vec<*const syn::Expr>) {
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
pub(super) fn is_tuple_constructor(func: &syn::Expr) -> bool {
    match strip(func) {
        syn::Expr::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident.to_string().starts_with(char::is_uppercase)),
        _ => false,
    }
}

pub(super) fn path_segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

/// A path's segments joined by `::` (`std::fs::read`), written into one string.
pub(super) fn path_text(path: &syn::Path) -> String {
    use std::fmt::Write;
    // The allocator's smallest block holds 24 bytes: most paths fit it at once.
    let mut out = String::with_capacity(24);
    for (i, s) in path.segments.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        // Writing to a `String` cannot fail.
        let _ = write!(out, "{}", s.ident);
    }
    out
}

/// The identifier a path expression is, if it is a single one (compared in place,
/// where `path_var` would allocate its text).
pub(super) fn path_ident(e: &syn::Expr) -> Option<&proc_macro2::Ident> {
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
pub(super) fn expr_span(e: &syn::Expr) -> proc_macro2::Span {
    match (first_span(e), last_span(e)) {
        (Some(a), Some(b)) => a.join(b).unwrap_or_else(|| e.span()),
        _ => e.span(),
    }
}

pub(super) fn first_span(e: &syn::Expr) -> Option<proc_macro2::Span> {
    first_span_within(e, SPAN_DEPTH)
}

pub(super) fn last_span(e: &syn::Expr) -> Option<proc_macro2::Span> {
    last_span_within(e, SPAN_DEPTH)
}

/// How far down an expression its outer tokens are looked for: a chain deeper than
/// this (`a.b().c()..`) gives up, so that each link of a long chain costs the same.
pub(super) const SPAN_DEPTH: usize = 64;

pub(super) fn first_span_within(e: &syn::Expr, depth: usize) -> Option<proc_macro2::Span> {
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

pub(super) fn last_span_within(e: &syn::Expr, depth: usize) -> Option<proc_macro2::Span> {
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
pub(super) fn is_small(e: &syn::Expr) -> bool {
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
pub(super) fn path_var(e: &syn::Expr) -> Option<String> {
    path_ident(e).map(ToString::to_string)
}

/// A receiver as field/path segments, when it is a plain place expression.
/// Whether `m` names the same lock as its receiver: `self.inner.as_ref()`,
/// `lock.clone()`, `.deref()`, `.borrow()`, `.get_ref()`.
pub(super) fn is_place_method(m: &syn::ExprMethodCall) -> bool {
    m.args.is_empty()
        && ["as_ref", "clone", "deref", "borrow", "get_ref"]
            .iter()
            .any(|n| m.method == n)
}

/// Whether `path` is `Arc::clone` or `Rc::clone`, under any prefix.
pub(super) fn is_shared_clone(path: &syn::Path) -> bool {
    let n = path.segments.len();
    n >= 2
        && path.segments[n - 1].ident == "clone"
        && (path.segments[n - 2].ident == "Arc" || path.segments[n - 2].ident == "Rc")
}

pub(super) fn place_segments(e: &syn::Expr) -> Option<Vec<String>> {
    let mut out = Vec::new();
    place(e, Some(&mut out))?;
    Some(out)
}

/// Whether [`place_segments`] reads `e` as a place, without writing its segments.
pub(super) fn is_place(e: &syn::Expr) -> bool {
    place(e, None).is_some()
}

/// The first of [`place_segments`], without writing the others.
pub(super) fn place_root(e: &syn::Expr) -> Option<String> {
    place(e, None)?
        .segments
        .first()
        .map(|s| s.ident.to_string())
}

/// The root path of the place expression `e` is, if it is one; with `out`, its
/// segments (the path's, then each field's) are written there.
fn place<'e>(e: &'e syn::Expr, out: Option<&mut Vec<String>>) -> Option<&'e syn::Path> {
    match strip(e) {
        syn::Expr::Path(p) if p.qself.is_none() => {
            if let Some(out) = out {
                out.extend(p.path.segments.iter().map(|s| s.ident.to_string()));
            }
            Some(&p.path)
        }
        syn::Expr::Field(f) => match out {
            Some(out) => {
                let root = place(&f.base, Some(&mut *out))?;
                out.push(match &f.member {
                    syn::Member::Named(n) => n.to_string(),
                    syn::Member::Unnamed(i) => i.index.to_string(),
                });
                Some(root)
            }
            None => place(&f.base, None),
        },
        syn::Expr::Reference(r) => place(&r.expr, out),
        syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => place(&u.expr, out),
        syn::Expr::MethodCall(m) if is_place_method(m) => place(&m.receiver, out),
        _ => None,
    }
}

/// The names a closure's tokens take from around it: every identifier except one
/// whose first appearance is the name a `let` binds (`let g = ..`, `let mut g`).
/// A macro whose expansion declares `let _a = ..` in a function and again in a
/// closure inside it writes the same name twice; the closure's is its own.
pub(super) fn captured_idents(tokens: &TokenStream, out: &mut HashSet<String>) {
    fn walk(
        tokens: &TokenStream,
        seen: &mut HashSet<String>,
        out: &mut HashSet<String>,
        after_let: &mut bool,
    ) {
        for tt in tokens.clone() {
            match tt {
                TokenTree::Group(g) => {
                    *after_let = false;
                    walk(&g.stream(), seen, out, after_let);
                    *after_let = false;
                }
                TokenTree::Ident(i) => {
                    if i == "let" {
                        *after_let = true;
                        continue;
                    }
                    if *after_let && (i == "mut" || i == "ref") {
                        continue;
                    }
                    let declared = std::mem::take(after_let);
                    let name = i.to_string();
                    if !seen.contains(&name) {
                        if !declared {
                            out.insert(name.clone());
                        }
                        seen.insert(name);
                    }
                }
                _ => *after_let = false,
            }
        }
    }
    let mut seen = HashSet::default();
    walk(tokens, &mut seen, out, &mut false);
}

pub(super) fn collect_idents(tokens: &TokenStream, out: &mut HashSet<String>) {
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

/// `Err(..)`, `None` or `_`-free patterns that match a failed `try_` acquisition.
pub(super) fn is_failure_pattern(pat: &syn::Pat) -> bool {
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
pub(super) fn dropped_names(tokens: &TokenStream) -> Vec<String> {
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

pub(super) fn is_compound_assign(op: &syn::BinOp) -> bool {
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

/// The value of a string literal expression.
pub(super) fn string_literal(e: &syn::Expr) -> Option<String> {
    match strip(e) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// Whether a loop body can leave its loop before the loop's own test ends it: a
/// `break` of this loop (unlabelled outside nested loops, or labelled), a `return`,
/// a `?`, or a macro that may leave (`bail!`, `ensure!`, `panic!`, `assert!` and the
/// like, or one whose tokens hold `break`, `return` or `?`). Closures and nested
/// items are other bodies: what leaves them does not leave the loop.
pub(super) fn leaves_early(body: &syn::Block) -> bool {
    struct Leaves {
        nested: usize,
        found: bool,
    }
    impl<'ast> syn::visit::Visit<'ast> for Leaves {
        fn visit_expr(&mut self, e: &'ast syn::Expr) {
            if self.found {
                return;
            }
            match e {
                syn::Expr::Return(_) | syn::Expr::Try(_) => self.found = true,
                syn::Expr::Break(b) if b.label.is_some() || self.nested == 0 => {
                    self.found = true;
                }
                syn::Expr::Closure(_) | syn::Expr::Async(_) => {}
                syn::Expr::ForLoop(_) | syn::Expr::While(_) | syn::Expr::Loop(_) => {
                    self.nested += 1;
                    syn::visit::visit_expr(self, e);
                    self.nested -= 1;
                }
                _ => syn::visit::visit_expr(self, e),
            }
        }
        fn visit_item(&mut self, _: &'ast syn::Item) {}
        fn visit_macro(&mut self, m: &'ast syn::Macro) {
            let name = m.path.segments.last().map(|s| s.ident.to_string());
            let leaving = name.as_deref().is_some_and(|n| {
                matches!(n, "bail" | "ensure" | "panic" | "unreachable" | "todo")
                    || n.starts_with("assert")
            });
            let tokens = m.tokens.to_string();
            if leaving
                || tokens.contains("break")
                || tokens.contains("return")
                || tokens.contains('?')
            {
                self.found = true;
            }
        }
    }
    let mut v = Leaves {
        nested: 0,
        found: false,
    };
    syn::visit::Visit::visit_block(&mut v, body);
    v.found
}
