//! Event recording: acquisitions, awaits and calls with the guards alive at each,
//! returned values, uses of statics, and the calls whose results a statement drops.
//!
//! It writes the body's facts; it does not decide what an expression is.

use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    pub(super) fn event(&mut self, kind: EventKind, span: proc_macro2::Span) {
        if let EventKind::Call(call) = &kind {
            // A closure or async block is never a callee of a resolved call, so a
            // call through a field there matters only while one of its guards lives;
            // nor does one through a field whose type this file shows is not the
            // crate's.
            if self.scopes.n_alive == 0 {
                let through_fields = matches!(self.body.kind, BodyKind::Fn | BodyKind::Method)
                    && call
                        .receiver
                        .as_deref()
                        .is_none_or(|r| self.field_path_may_resolve(r));
                if !is_call_of_interest(call, through_fields)
                    && !self.runs_closure_of_interest(call)
                {
                    return;
                }
            }
        }
        let span = self.fw.span(span);
        self.push_event(kind, span);
    }

    /// Whether a call runs a closure written at it before it returns
    /// ([`RUNS_CLOSURE_NOW`](crate::flow::methods::RUNS_CLOSURE_NOW)) and the
    /// closure takes a lock or records a call: what the closure does happens at the
    /// call, and the function's summary must see it.
    fn runs_closure_of_interest(&self, call: &Call) -> bool {
        call.callee
            .method()
            .is_some_and(|m| crate::flow::methods::RUNS_CLOSURE_NOW.contains(&m))
            && call.closure_args().iter().any(|&(_, cb)| {
                self.out
                    .get(cb as usize)
                    .is_some_and(|b| !b.guards.is_empty() || !b.events.is_empty())
            })
    }

    /// Records a call, at `at` (its address, see [`Self::result_call`]), as an event
    /// when it is one (see [`Self::event`]), and remembers it for an `.await` of its
    /// result.
    pub(super) fn call_event(&mut self, at: *const (), call: Call, span: proc_macro2::Span) {
        let n = self.events.len();
        self.event(EventKind::Call(Box::new(call)), span);
        if self.events.len() > n {
            self.last_call = (at, n);
        }
    }

    /// The call event the value of `e` is, when `e` (through parentheses) is a call
    /// recorded as the last call: the call an `.await` of `e` awaits.
    pub(super) fn recorded_call(&self, e: &syn::Expr) -> Option<usize> {
        let at: *const () = match strip(e) {
            syn::Expr::Call(c) => std::ptr::from_ref(c).cast(),
            syn::Expr::MethodCall(mc) => std::ptr::from_ref(mc).cast(),
            _ => return None,
        };
        let (last, ei) = self.last_call;
        std::ptr::eq(last, at).then_some(ei)
    }

    pub(super) fn push_event(&mut self, kind: EventKind, span: Span) {
        let live = self.live();
        let mut deps = self.deps.tested.clone();
        deps.sort_unstable();
        deps.dedup();
        // Only method calls on a place (`x.load(..)`) are data sources worth
        // following into later arguments.
        let is_call =
            matches!(&kind, EventKind::Call(c) if c.callee.is_method() && c.receiver.is_some());
        self.events.push(Event {
            kind,
            span,
            context: EventContext {
                live: live.into(),
                deps: deps.into(),
                tested_writes: self.deps.cond_writes.as_slice().into(),
            }
            .boxed(),
            in_loop: !self.loops.is_empty(),
            in_fixed_for: self.loops.last() == Some(&true),
            under_if: self.deps.cond_spans.last().copied().flatten(),
        });
        if is_call {
            let ei = self.events.len() - 1;
            for c in &mut self.deps.calls {
                if c.len() < MAX_CALL_SOURCES {
                    c.push(ei);
                }
            }
        }
    }

    /// Records what a function returns.
    pub(super) fn note_return(&mut self, e: &syn::Expr, f: Flow) {
        if !matches!(self.body.kind, BodyKind::Fn | BodyKind::Method) {
            return;
        }
        let (place, is_clone, is_ref) = match strip(e) {
            syn::Expr::MethodCall(m) if m.method == "clone" && m.args.is_empty() => (
                is_place(&m.receiver).then(|| self.lock_path(&m.receiver)),
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
                        (is_place(inner).then(|| self.lock_path(inner)), true, false)
                    }
                    _ => (None, false, false),
                }
            }
            syn::Expr::Reference(r) => (
                is_place(&r.expr).then(|| self.lock_path(&r.expr)),
                false,
                true,
            ),
            other => (is_place(other).then(|| self.lock_path(other)), false, false),
        };
        if f.value.is_none() && f.within.is_none() && place.is_none() {
            // Nothing a rule looks at; and `Spanned::span` walks the whole
            // expression, so it is not computed for nothing.
            return;
        }
        let span = self.fw.span(e.span());
        let holds = f.value.filter(|&g| self.scopes.guards[g].in_value);
        self.returns.push(crate::flow::Returned {
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
    pub(super) fn note_static(&mut self, name: &str, e: &syn::Expr, write: bool) {
        if !self.fw.statics.contains_key(name) || self.lookup(name).is_some() {
            return;
        }
        if write {
            // The write was recorded already; the path itself is not a second use.
            return;
        }
        let span = self.fw.span(e.span());
        if self
            .static_refs
            .iter()
            .any(|r| r.span == span && r.name == name)
        {
            return;
        }
        self.static_refs.push(crate::flow::StaticRef {
            name: name.to_string(),
            span,
            write: false,
        });
    }

    /// `STATIC = v`, `STATIC += v`, `&mut STATIC` (also `STATIC.field = v`).
    pub(super) fn note_static_write(&mut self, target: &syn::Expr) {
        let Some(segs) = place_segments(target) else {
            return;
        };
        let Some(name) = segs.first() else { return };
        if !self.fw.statics.contains_key(name) || self.lookup(name).is_some() {
            return;
        }
        let span = self.fw.span(target.span());
        self.static_refs.push(crate::flow::StaticRef {
            name: name.clone(),
            span,
            write: true,
        });
    }

    /// The call an expression's value is the result of, by address, through `?`,
    /// `.await` and `unwrap()`-like methods (`helper()?`, `self.lock_env().unwrap()`).
    pub(super) fn result_call(&self, e: &syn::Expr) -> *const () {
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

    pub(super) fn is_dropped_result(&self, at: *const ()) -> bool {
        !self.dropped_call.is_null() && std::ptr::eq(self.dropped_call, at)
    }

    /// A guard created in this statement and dropped at its end is discarded.
    /// `span` is only computed for a discarded guard: `Spanned::span` walks the
    /// whole statement.
    ///
    /// `last` is the value the statement drops, when the statement is the last of
    /// its block (see [`crate::flow::Discarded::last_value`]); its text is kept only
    /// when the statement's text is the file's own: `let` ..`;` or the value and `;`.
    pub(super) fn discard_check(
        &mut self,
        value: Option<GuardId>,
        span: impl FnOnce() -> proc_macro2::Span,
        last: Option<&syn::Expr>,
    ) {
        let Some(g) = value else { return };
        let created_here = self.scopes.temps.last().is_some_and(|t| t.contains(&g));
        if created_here && self.scopes.guards[g].name.is_none() {
            let stmt = self.fw.span(span());
            let text = |s: Span| self.fw.file.text.get(s.start..s.end);
            let last_value = last.and_then(|e| {
                let value = text(self.fw.span(syn::spanned::Spanned::span(e)))?;
                let whole = text(stmt)?;
                let own = whole.ends_with(';')
                    && (whole.starts_with("let ") || whole.starts_with(value))
                    && !value.is_empty()
                    && !value.starts_with('#')
                    // A value that starts as a macro call (`take!(m)`) is the text
                    // of the invocation whose tokens the macro wrote, not the value.
                    && !is_macro_call(value);
                own.then(|| value.into())
            });
            self.scopes.guards[g].discarded = Some(crate::flow::Discarded { stmt, last_value });
        }
    }
}

/// Whether a text starts with a macro call: a path followed by `!`.
fn is_macro_call(text: &str) -> bool {
    let name_end = text
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(text.len());
    name_end > 0 && text[name_end..].starts_with('!')
}

/// Whether a call made while no guard is alive can matter to any rule: it blocks,
/// it may resolve to a function of the crate, it is a method on a place (an atomic
/// `load`, a condvar `wait`), or it is one of the process-global calls the shared-state
/// rules look for. Calls that are none of these (`Some(x)`, `iter().map(..)`,
/// `Vec::new()`) are not recorded, to keep the facts small. A call through a field
/// path (`self.a.m()`, `x.a.m()`) counts only when `through_fields` says it may
/// resolve, in a body that calls can resolve to: there it may be a step of a chain
/// of calls.
pub(super) fn is_call_of_interest(call: &Call, through_fields: bool) -> bool {
    if call.blocking.is_some()
        || !call.arg_guards().is_empty()
        || !call.arg_calls().is_empty()
        || call.on_guard.is_some()
        || call.on_elem_of.is_some()
    {
        return true;
    }
    if let Some(name) = call.callee.method() {
        if crate::flow::methods::is_followed(name) {
            return true;
        }
        // Otherwise only a receiver a call can resolve through (`self`, a variable
        // of declared type, a field path from either) or a static.
        let Some(recv) = &call.receiver else {
            return false;
        };
        let Some(segs) = &recv.segments else {
            return false;
        };
        return match segs.as_slice() {
            [root] => {
                root == "self"
                    || recv.root_ty.is_some()
                    || recv.root_built.is_some()
                    || is_static_name(root)
            }
            [root, ..] => {
                is_static_name(root)
                    || (through_fields
                        && (root == "self" || recv.root_ty.is_some() || recv.root_built.is_some()))
            }
            [] => false,
        };
    }
    let callee = call.callee.name();
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
    !is_foreign_root(first)
}

/// Whether a call may be answered by a function of the crate, as call resolution
/// sees it: a method on `self` or on a variable of declared type, or a path that
/// is neither `std`'s nor one of the standard types' (`Vec::new`, `Arc::clone`).
pub(super) fn may_resolve_in_crate(callee: &Callee, receiver: Option<&LockPath>) -> bool {
    match callee {
        Callee::Method(_) => receiver.is_some_and(|r| match r.segments.as_deref() {
            Some([root]) => root == "self" || r.root_ty.is_some(),
            _ => false,
        }),
        Callee::Path(path) => {
            let first = path.split(':').next().unwrap_or_default();
            !matches!(
                first,
                "std" | "core" | "alloc" | "Some" | "Ok" | "Err" | "None"
            ) && !is_foreign_root(first)
        }
        Callee::Expr(_) => false,
    }
}

/// The first segment of a path that names a standard type, whose functions are
/// never the crate's.
fn is_foreign_root(first: &str) -> bool {
    matches!(
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
