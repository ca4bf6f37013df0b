//! Expressions: the evaluation order of every expression kind, `.await`, futures
//! held for later awaiting, and macros read as expressions or scanned as tokens.
//!
//! Control flow (`if`, `while`, `match`) and calls have their own modules.

use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    pub(super) fn exprs<'e>(
        &mut self,
        es: impl IntoIterator<Item = &'e syn::Expr>,
        awaited: bool,
    ) -> Flow {
        let mut out = Flow::default();
        for e in es {
            out.diverges |= self.expr(e, awaited).diverges;
        }
        out
    }

    pub(super) fn expr(&mut self, e: &syn::Expr, awaited: bool) -> Flow {
        let f = self.expr_kind(e, awaited);
        if !self.extend_at.is_empty() && self.extend_at.contains(&std::ptr::from_ref(e)) {
            self.extended.extend(f.value);
        }
        f
    }

    pub(super) fn expr_kind(&mut self, e: &syn::Expr, awaited: bool) -> Flow {
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
                        v.loaded = None;
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
                if a.capture.is_some() && self.scopes.n_alive > 0 {
                    self.kill_captured(&quote::ToTokens::to_token_stream(&a.block));
                }
                Flow::default()
            }
            syn::Expr::Await(a) => self.await_expr(a),
            syn::Expr::Binary(b) => {
                if is_compound_assign(&b.op) {
                    self.note_static_write(&b.left);
                    self.forget_load(&b.left);
                }
                let l = self.expr(&b.left, false);
                let r = self.expr(&b.right, false);
                Flow::default().or_div(l).or_div(r)
            }
            syn::Expr::Block(b) => self.block(&b.block, Tail::Expr),
            syn::Expr::Break(b) => {
                if let Some(e) = &b.expr {
                    let f = self.expr(e, false);
                    if let (Some(g), None) = (f.value, &b.label) {
                        self.break_with(g);
                    }
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
                if self.scopes.n_alive > 0 {
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
                self.scopes.temps.push(Vec::new());
                let (it, used) = self.collecting(|w| w.expr(&fl.expr, false));
                // `for l in guard.iter()`: the loop variable is an element of the
                // collection the guard protects.
                let elem_of = it.value.or_else(|| used.first().copied());
                // `for c in conns.iter_mut()` over a guard of `Mutex<Vec<Conn>>`: `c` is
                // a `Conn`, as the lock field's declaration says.
                let elem_ty = match &*fl.pat {
                    syn::Pat::Ident(_) => self
                        .iterated_guard(&fl.expr)
                        .and_then(|g| self.guarded_elem_type(g)),
                    _ => None,
                };
                let before = self.save();
                self.push_scope();
                let mut names = Vec::new();
                pat_bindings(&fl.pat, &mut names);
                for name in names {
                    self.declare(Var {
                        name,
                        elem_of,
                        ty: elem_ty.clone(),
                        derived: used.clone(),
                        ..Var::default()
                    });
                }
                self.loops.push(!leaves_early(&fl.body));
                self.deps.cond_spans.push(None);
                self.block(&fl.body, Tail::Expr);
                self.deps.cond_spans.pop();
                self.loops.pop();
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
                self.loops.push(false);
                self.scopes.breaks.push(Vec::new());
                self.deps.cond_spans.push(None);
                self.block(&l.body, Tail::Expr);
                self.deps.cond_spans.pop();
                let values = self.scopes.breaks.pop().unwrap_or_default();
                self.loops.pop();
                let after = self.save();
                self.join(vec![before, after]);
                Flow::value(self.loop_value(values))
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
                    for c in &mut self.deps.calls {
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
                    self.forget_load(&r.expr);
                }
                self.expr(&r.expr, false).place()
            }
            syn::Expr::Repeat(r) => self.expr(&r.expr, false).no_value(),
            syn::Expr::Return(r) => {
                if let Some(e) = &r.expr {
                    // The guards the value was read under, without touching what the
                    // enclosing collectors see.
                    self.deps.uses.push((true, Vec::new()));
                    let f = self.expr(e, false);
                    let read = self.deps.uses.pop().map(|c| c.1).unwrap_or_default();
                    if !is_err_call(e) {
                        for g in read {
                            self.scopes.guards[g].returned = true;
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
                if s.qself.is_none() {
                    self.note_stored_locks(s);
                }
                out.with_value(held)
            }
            syn::Expr::Try(t) => {
                let f = self.expr(&t.expr, awaited);
                if let Some(g) = f.value {
                    self.scopes.guards[g].wrapped = true;
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

    pub(super) fn await_expr(&mut self, a: &syn::ExprAwait) -> Flow {
        let span = a
            .dot_token
            .span
            .join(a.await_token.span)
            .unwrap_or(a.await_token.span);
        if let Some((mc, method)) = self.acquisition(&a.base) {
            // `m.lock().await`: an async lock. The guard exists only after the await.
            let recv = self.expr(&mc.receiver, false);
            self.event(EventKind::Await { awaited: None }, span);
            let g = self.acquire(mc, method, true, true, None, true);
            return Flow::value(Some(g)).or_div(recv);
        }
        let f = self.expr(&a.base, true);
        self.note_future(&a.base);
        let awaited = self.recorded_call(&a.base);
        self.event(EventKind::Await { awaited }, span);
        Flow::default().or_div(f)
    }

    /// A lock call's result that the body awaits (`fut.await`, `pin_mut!(fut)`, a
    /// future of `select!`/`join!`) was a future: the lock is an async lock, and the
    /// value was its acquisition, not a guard held while it waited.
    pub(super) fn note_future(&mut self, e: &syn::Expr) {
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
    pub(super) fn mark_future(&mut self, g: GuardId) {
        let guard = &mut self.scopes.guards[g];
        if guard.kind.is_borrow() {
            return;
        }
        guard.is_async = true;
        for e in &mut self.events {
            e.forget_live(g);
        }
        self.kill(g);
    }

    /// The variables a future-taking macro is given: every argument of `join!`,
    /// `try_join!` and the pinning macros, the future after `=` of each `select!`
    /// branch (`res = fut => ..`, up to a `, if` precondition). Only an argument that
    /// is a variable alone (`fut`, `&mut fut`) counts: in `join!(g.len(), ..)` the
    /// variable is not the future.
    pub(super) fn note_macro_futures(&mut self, name: &str, tokens: &TokenStream) {
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

    pub(super) fn mac(&mut self, mac: &syn::Macro, awaited: bool) -> Flow {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let diverges = DIVERGING_MACROS.contains(&name.as_str());
        if FUTURE_MACROS.contains(&name.as_str()) && self.scopes.n_alive > 0 {
            self.note_macro_futures(&name, &mac.tokens);
        }
        if AWAITING_MACROS.contains(&name.as_str()) && self.is_async {
            if let Some(f) = self.awaiting_macro(&name, mac) {
                return f;
            }
            self.scan_awaits(&mac.tokens);
            self.event(EventKind::Await { awaited: None }, mac.path.span());
            return Flow::default();
        }
        // `matches!(scrutinee, pattern if guard)`: the scrutinee is evaluated here;
        // the pattern binds nothing outside the macro.
        if name == "matches" {
            let parsed = mac.parse_body_with(|input: syn::parse::ParseStream<'_>| {
                let scrutinee: syn::Expr = input.parse()?;
                input.parse::<proc_macro2::TokenStream>()?;
                Ok(scrutinee)
            });
            if let Ok(scrutinee) = parsed {
                let f = self.expr(&scrutinee, awaited);
                return Flow {
                    value: None,
                    within: None,
                    diverges: f.diverges,
                };
            }
        }
        let source = self.macro_text(mac);
        if EXPR_MACROS.contains(&name.as_str()) {
            let fields = LOG_MACROS.contains(&name.as_str());
            let text = source.and_then(|t| mac_text::read(t, fields, |n| self.holds_name(n)));
            // Arguments that can make no fact (literals, and names that hold no
            // guard, data read under one, call result or static) are not parsed.
            let inert = match text {
                Some(t) => t.inert,
                None => self.inert_tokens(&mac.tokens, fields),
            };
            if inert {
                return Flow {
                    value: None,
                    within: None,
                    diverges,
                };
            }
            // Nor are arguments that cannot parse as expressions (`target: ..`,
            // `?x`): their awaits are still counted below.
            if !text.is_some_and(|t| t.not_exprs) {
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
        }
        self.scan_macro_awaits(mac, source);
        Flow {
            value: None,
            within: None,
            diverges,
        }
    }

    /// The text between a macro's delimiters, when it is the text of the tokens
    /// there (see [`SourceFile::delimited_text`]) and nothing between them was
    /// substituted (`$x`).
    fn macro_text(&self, mac: &syn::Macro) -> Option<&'a str> {
        let (span, chars) = match &mac.delimiter {
            syn::MacroDelimiter::Paren(d) => (&d.span, (b'(', b')')),
            syn::MacroDelimiter::Bracket(d) => (&d.span, (b'[', b']')),
            syn::MacroDelimiter::Brace(d) => (&d.span, (b'{', b'}')),
        };
        let file: &'a SourceFile = self.fw.file;
        file.delimited_text(self.fw.id, span, chars)
            .filter(|t| !t.contains('$'))
    }

    /// Whether a name in macro arguments is one the walk follows (see
    /// [`holds_facts`]), or, unshadowed, one of the file's statics.
    fn holds_name(&self, name: &str) -> bool {
        match self.lookup(name) {
            Some(v) => holds_facts(v),
            None => self.fw.statics.contains_key(name),
        }
    }

    /// [`scan_awaits`](Self::scan_awaits) over a macro's tokens, unless the text
    /// between its delimiters (`text`, from [`Self::macro_text`]) has no `await`.
    fn scan_macro_awaits(&mut self, mac: &syn::Macro, text: Option<&str>) {
        if text.is_some_and(|t| !t.contains("await")) {
            return;
        }
        self.scan_awaits(&mac.tokens);
    }

    /// `join!(a, b)`, `try_join!(..)` and `select! { p = fut => handler, .. }` read as
    /// the code they expand to: the futures are evaluated in order (with their
    /// calls and acquisitions, under the guards alive) and bound by one `let`, whose
    /// temporaries die there, then awaited together (one await at the macro), then
    /// one `select!` handler runs, each walked from the
    /// same state like the arms of a `match` and joined. `None` when the tokens do
    /// not read as such a macro; the caller then scans them for awaits.
    fn awaiting_macro(&mut self, name: &str, mac: &syn::Macro) -> Option<Flow> {
        let at = mac.path.span();
        match name {
            "join" | "try_join" => {
                let args = mac.parse_body_with(parse_join).ok()?;
                // The futures are bound together by one `let` of the expansion:
                // their temporaries die before the await.
                self.scopes.temps.push(Vec::new());
                let f = self.exprs(&args, true);
                self.end_temps();
                self.event(EventKind::Await { awaited: None }, at);
                Some(Flow::default().or_div(f))
            }
            "select" | "select_biased" => {
                let arms = mac.parse_body_with(parse_select).ok()?;
                self.scopes.temps.push(Vec::new());
                let mut diverges = false;
                for arm in &arms {
                    if let Some(cond) = &arm.cond {
                        diverges |= self.expr(cond, false).diverges;
                    }
                    if let Some(fut) = &arm.fut {
                        diverges |= self.expr(fut, true).diverges;
                    }
                }
                self.end_temps();
                self.event(EventKind::Await { awaited: None }, at);
                let before = self.save();
                let mut branches = Vec::new();
                for arm in &arms {
                    self.restore(before.clone());
                    self.push_scope();
                    if let Some(pat) = &arm.pat {
                        self.bind_pattern(pat, None, None);
                    }
                    self.scopes.temps.push(Vec::new());
                    let f = self.expr(&arm.handler, false);
                    self.end_temps();
                    self.pop_scope(None);
                    if !f.diverges {
                        branches.push(self.save());
                    }
                }
                // Every handler diverging (`return`, `break`) makes the macro diverge.
                diverges |= branches.is_empty() && !arms.is_empty();
                if branches.is_empty() {
                    self.restore(before);
                } else {
                    self.join(branches);
                }
                Some(Flow {
                    diverges,
                    ..Flow::default()
                })
            }
            _ => None,
        }
    }

    /// Whether walking these macro arguments as expressions would record nothing:
    /// they hold only literals, paths, operators that neither call nor assign
    /// (comparisons included), brackets, parentheses that are not a call, and names
    /// that are neither a variable holding a guard, data read under one or a call's
    /// result, nor one of the file's statics. No call, closure, block, struct
    /// literal, nested macro, `?`, `.await` or assignment can occur in such tokens,
    /// so there is nothing for the walk to see. With `fields` (a logging macro's
    /// arguments), `name = value`, `target: ..` and the `?x` and `%x` sigils are its
    /// field syntax, not an assignment or a `?`.
    fn inert_tokens(&self, tokens: &TokenStream, fields: bool) -> bool {
        // Whether the token before is one a `(` after would make a call of
        // (a name, a closing bracket, the `>` of a turbofish).
        let mut callee_before = false;
        // The two punctuation marks just before, when joined to this one (`<<=`).
        let mut joined: [Option<u8>; 2] = [None, None];
        for tt in tokens.clone() {
            match tt {
                TokenTree::Literal(_) => callee_before = false,
                TokenTree::Punct(p) => {
                    // Punctuation is ASCII.
                    let c = u8::try_from(p.as_char()).unwrap_or(b'#');
                    let alone = p.spacing() == proc_macro2::Spacing::Alone;
                    if !mac_text::inert_punct(c, alone, joined, callee_before, fields) {
                        return false;
                    }
                    joined = if alone {
                        [None, None]
                    } else {
                        [Some(c), joined[0]]
                    };
                    callee_before = c == b'>';
                }
                TokenTree::Group(g) => {
                    let open = match g.delimiter() {
                        proc_macro2::Delimiter::Parenthesis => !callee_before,
                        proc_macro2::Delimiter::Bracket => true,
                        _ => false,
                    };
                    if !open || !self.inert_tokens(&g.stream(), fields) {
                        return false;
                    }
                    joined = [None, None];
                    callee_before = true;
                }
                TokenTree::Ident(i) => {
                    if INERT_KEYWORDS_DENY.iter().any(|k| i == k) {
                        return false;
                    }
                    let holds = match self.lookup_ident(&i) {
                        Some(v) => holds_facts(v),
                        None => {
                            !self.fw.statics.is_empty()
                                && self.fw.statics.contains_key(&i.to_string())
                        }
                    };
                    if holds {
                        return false;
                    }
                    joined = [None, None];
                    callee_before = true;
                }
            }
        }
        true
    }

    /// In a macro syn cannot parse, a visible `.await` still counts.
    pub(super) fn scan_awaits(&mut self, tokens: &TokenStream) {
        let mut prev_dot = false;
        for tt in tokens.clone() {
            match tt {
                TokenTree::Group(g) => {
                    self.scan_awaits(&g.stream());
                    prev_dot = false;
                }
                TokenTree::Ident(i) if prev_dot && i == "await" => {
                    self.event(EventKind::Await { awaited: None }, i.span());
                    prev_dot = false;
                }
                TokenTree::Punct(p) => prev_dot = p.as_char() == '.',
                _ => prev_dot = false,
            }
        }
    }
}

/// One branch of `select!`: `pat = fut if cond => handler`, or `else => handler`
/// (`complete =>`, `default =>` in `futures::select!`) with no future.
struct SelectArm {
    pat: Option<syn::Pat>,
    fut: Option<syn::Expr>,
    cond: Option<syn::Expr>,
    handler: syn::Expr,
}

/// `join!`'s arguments: futures separated by commas, after an optional `biased;`.
fn parse_join(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<syn::Expr>> {
    skip_biased(input)?;
    let args = Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated(input)?;
    Ok(args.into_iter().collect())
}

/// `select!`'s branches.
fn parse_select(input: syn::parse::ParseStream<'_>) -> syn::Result<Vec<SelectArm>> {
    skip_biased(input)?;
    let mut arms = Vec::new();
    while !input.is_empty() {
        let (pat, fut, cond) = if input.peek(syn::Token![else]) {
            input.parse::<syn::Token![else]>()?;
            (None, None, None)
        } else if input.peek(syn::Ident) && input.peek2(syn::Token![=>]) {
            input.parse::<syn::Ident>()?;
            (None, None, None)
        } else {
            let pat = syn::Pat::parse_multi_with_leading_vert(input)?;
            input.parse::<syn::Token![=]>()?;
            let fut: syn::Expr = input.parse()?;
            // `pat = fut, if cond =>` in `tokio::select!`.
            if input.peek(syn::Token![,]) && input.peek2(syn::Token![if]) {
                input.parse::<syn::Token![,]>()?;
            }
            let cond = if input.peek(syn::Token![if]) {
                input.parse::<syn::Token![if]>()?;
                Some(input.parse::<syn::Expr>()?)
            } else {
                None
            };
            (Some(pat), Some(fut), cond)
        };
        input.parse::<syn::Token![=>]>()?;
        // A block handler ends at its brace: `{ .. } (a, b) = fut => ..` is two
        // branches, not a call.
        let handler = if input.peek(syn::token::Brace) {
            syn::Expr::Block(syn::ExprBlock {
                attrs: Vec::new(),
                label: None,
                block: input.parse()?,
            })
        } else {
            input.parse()?
        };
        if input.peek(syn::Token![,]) {
            input.parse::<syn::Token![,]>()?;
        }
        arms.push(SelectArm {
            pat,
            fut,
            cond,
            handler,
        });
    }
    Ok(arms)
}

/// `biased;` at the start of `select!` or `join!`.
fn skip_biased(input: syn::parse::ParseStream<'_>) -> syn::Result<()> {
    if input.peek(syn::Ident) && input.peek2(syn::Token![;]) {
        input.parse::<syn::Ident>()?;
        input.parse::<syn::Token![;]>()?;
    }
    Ok(())
}

/// Whether a variable carries something the walk follows through uses of it: a
/// guard, data read under one, a call's result, or a closure that takes a lock.
fn holds_facts(v: &Var) -> bool {
    v.guard.is_some() || !v.derived.is_empty() || !v.from_calls.is_empty() || v.lock_fn.is_some()
}
