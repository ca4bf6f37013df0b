//! Calls: method calls and function calls, in evaluation order (receiver,
//! arguments, then the call), with acquisitions, drops, moves of guards into
//! by-value calls and the call facts rules read.

use super::record::may_resolve_in_crate;
use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    /// The guard a method receiver is, or is a place inside.
    pub(super) fn receiver_guard(&self, recv: &syn::Expr, flow: Flow) -> Option<GuardId> {
        flow.value.or(flow.within).or_else(|| {
            let root = place_root(recv)?;
            self.guard_var(&root)
        })
    }

    pub(super) fn method_call(&mut self, mc: &syn::ExprMethodCall, awaited: bool) -> Flow {
        let name = mc.method.to_string();
        if let Some(method) = self.acquisition_method_named(mc, &name, false) {
            let recv = self.expr(&mc.receiver, false);
            let confirmed = !method.refcell || self.is_refcell(&mc.receiver);
            let (is_async, lock_ty) = self.declared_lock(&mc.receiver);
            let receiver_ty = lock_ty.or_else(|| self.receiver_type(&mc.receiver));
            let g = self.acquire(mc, method, is_async, confirmed, receiver_ty, false);
            return Flow::value(Some(g)).or_div(recv);
        }
        if let Some((lock, method, g)) = self.guard_fn_method(mc, &name, awaited) {
            let recv = self.expr(&mc.receiver, false);
            let g = self.acquire_via(&lock, method, &g, mc.span());
            return Flow::value(Some(g)).or_div(recv);
        }
        let place = place_segments(&mc.receiver);
        if !awaited && mc.args.is_empty() && place.is_some() {
            // A guard method another file of the crate declares could answer it.
            self.fw.note_nullary_call(&name);
        }
        if let Some((method, map_ty)) = self.shard_acquisition(mc, &name) {
            // The receiver and the key are evaluated before the shard is locked.
            let mut out = Flow::default().or_div(self.expr(&mc.receiver, false));
            for arg in &mc.args {
                out = out.or_div(self.expr(arg, false));
            }
            let g = self.acquire(mc, method, false, true, Some(map_ty.to_string()), false);
            return out.with_value(Some(g));
        }
        // A future adapter hands its receiver's future on: `rx.recv().fuse()` awaited
        // (in `select!`, say) awaits `rx.recv()`, which is then a future, not a wait.
        let keeps_future =
            awaited && mc.args.is_empty() && FUTURE_ADAPTERS.contains(&name.as_str());
        let recv = self.expr(&mc.receiver, keeps_future);
        let on_guard = self.receiver_guard(&mc.receiver, recv);
        if let Some(g) = on_guard {
            self.scopes.guards[g].methods.push(name.clone());
            self.note_use(g);
        }
        let on_elem_of = place
            .as_ref()
            .and_then(|s| s.first())
            .and_then(|root| self.lookup(root).and_then(|v| v.elem_of));
        let mut out = Flow::default().or_div(recv);
        let mut arg_guard = None;
        let mut arg_guards = Vec::new();
        let mut closure_args = Vec::new();
        let mut moved = Vec::new();
        let (_, arg_calls) = self.collecting_calls(|w| {
            for (pos, arg) in mc.args.iter().enumerate() {
                if matches!(strip(arg), syn::Expr::Closure(_)) {
                    closure_args.push((pos as u32, w.out.len() as u32));
                }
                let f = w.expr(arg, awaited);
                out = out.or_div(f);
                if let Some(g) = f.value {
                    arg_guard = arg_guard.or(f.value);
                    moved.push((pos as u32, g));
                }
                arg_guards.extend(f.value.or(f.within));
            }
        });
        let on_acquisition = mc.args.is_empty()
            && recv.value.is_some()
            && matches!(strip(&mc.receiver), syn::Expr::MethodCall(inner) if self.acquisition_method(inner, false).is_some());
        // A `RefCell` borrow is no lock future: `cell.borrow_mut().wait()` calls
        // the borrowed value's own `wait`.
        let on_lock_future = recv
            .value
            .is_some_and(|g| !self.scopes.guards[g].kind.is_borrow());
        if on_acquisition && on_lock_future && self.fw.known.is_blocking_acquire(&name) {
            // `m.lock().wait()`: the wait is how the guard is acquired, not a call
            // made while it is held.
            return out.with_value(recv.value);
        }
        let on_entry = recv.value.filter(|&g| self.is_shard_entry(g));
        let entry_guard =
            on_entry.filter(|_| crate::model::known::SHARD_ENTRY_GUARDS.contains(&name.as_str()));
        if let Some(g) =
            on_entry.filter(|_| crate::model::known::SHARD_ENTRY_ENDS.contains(&name.as_str()))
        {
            // `e.remove()`, `e.into_key()` take the entry by value and end its lock.
            self.move_out(&mc.receiver);
            self.untemp(g);
            self.kill(g);
        }
        if entry_guard.is_some() {
            // `map.entry(k).or_default()` hands the entry's shard lock on as a `RefMut`.
            out.value = entry_guard;
        } else if self.fw.known.is_passthrough(&name) && recv.value.is_some() {
            out.value = recv.value;
            if let Some(g) = recv.value {
                self.scopes.guards[g].wrapped = true;
            }
        } else if self.fw.known.is_condvar_wait(&name) && arg_guard.is_some() {
            // The wait takes the guard and gives it back.
            moved.clear();
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
                if self.scopes.temps.iter().any(|t| t.contains(&g)) {
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
        // text is its path: no tokens are printed for it. Under a shard-map guard it
        // does: `map.insert(..)` locks a shard of the map the guard is into only when
        // `map` is the same variable, not a shadowing one.
        let under_shard = self.shard_guard_alive();
        let receiver = place.map(|segs| {
            let (segments, root_ty) = self.resolve_place(segs);
            let root_built = if root_ty.is_none() {
                self.built_root(&segments)
            } else {
                None
            };
            let root_origin = under_shard
                .then(|| segments.first())
                .flatten()
                .and_then(|r| self.lookup(r))
                .and_then(|v| v.origin.clone());
            Box::new(LockPath {
                text: segments.join("."),
                segments: Some(segments),
                root_ty,
                root_origin,
                root_built,
            })
        });
        let callee = Callee::Method(name);
        let arg_places = if may_resolve_in_crate(&callee, receiver.as_deref()) {
            self.arg_places(mc.args.iter())
        } else {
            Box::default()
        };
        let result_dropped = self.is_dropped_result(std::ptr::from_ref(mc).cast());
        // A `store` whose `()` is used (a match arm's value) cannot become a
        // `fetch_*` call, which returns the old value.
        let store_update = if result_dropped {
            self.store_update(mc, &arg_calls)
        } else {
            None
        };
        let mut args = self.call_args(
            &mc.args,
            arg_guards,
            arg_calls,
            closure_args,
            arg_places,
            moved,
        );
        if store_update.is_some() {
            args.get_or_insert_with(Box::default).store_update = store_update;
        }
        self.call_event(
            std::ptr::from_ref(mc).cast(),
            Call {
                callee,
                receiver,
                on_elem_of,
                on_guard,
                on_guard_value: on_guard.is_some() && recv.value == on_guard,
                args,
                blocking: blocking.map(Box::new),
                lit_arg: mc
                    .args
                    .first()
                    .and_then(|a| self.str_arg(a))
                    .map(Into::into),
                result_dropped,
            },
            span,
        );
        out
    }

    pub(super) fn call(&mut self, c: &syn::ExprCall, awaited: bool) -> Flow {
        if let Some((lock, method, g)) = self.guard_fn_call(c, awaited) {
            let g = self.acquire_via(&lock, method, &g, c.span());
            return Flow::value(Some(g));
        }
        let func = strip(&c.func);
        if let syn::Expr::Path(p) = func {
            if !awaited && c.args.is_empty() && p.qself.is_none() {
                if let Some(last) = p.path.segments.last() {
                    // A guard function another file of the crate declares could answer it.
                    self.fw.note_nullary_call(&last.ident.to_string());
                }
            }
        }
        let callee = match func {
            syn::Expr::Path(p) if p.qself.is_none() => Some(Callee::Path(
                self.fw.imports.resolve_joined(path_text(&p.path)),
            )),
            other => {
                self.expr(other, false);
                // `(self.on_change)(x)`, `handlers[i](x)`: named by their text, unless
                // the callee is a long expression (`g()()()..`), whose text each call
                // of the chain would print again.
                is_small(other).then(|| {
                    Callee::Expr(compact(
                        &quote::ToTokens::to_token_stream(&c.func).to_string(),
                    ))
                })
            }
        };
        let on_elem_of =
            path_ident(func).and_then(|n| self.lookup_ident(n).and_then(|v| v.elem_of));
        let is_drop = callee.as_ref().and_then(Callee::path).is_some_and(|p| {
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
        let mut moved = Vec::new();
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
                    moved.push((pos as u32, g));
                }
            }
        });
        if is_ctor {
            out.value = held;
        } else {
            c.args.iter().for_each(|a| self.move_out(a));
        }
        if is_drop {
            self.note_dropped_params(c.args.iter());
            return out;
        }
        let Some(callee) = callee else {
            return out;
        };
        let path = callee.path();
        if path.is_some_and(|p| DIVERGING_FNS.contains(&p)) {
            out.diverges = true;
        }
        // A function named by its full path is never the async API of the same
        // name, so being awaited (or an argument of an awaited call) changes nothing.
        let blocking = path
            .and_then(|p| self.fw.known.blocking_fn(p))
            .map(|b| Blocking {
                name: b.path.clone(),
                why: b.why.clone(),
            });
        // `wait()` on `let wait = || ..;`: the call runs the closure's body.
        if let Some(cb) =
            path_ident(func).and_then(|n| self.lookup_ident(n).and_then(|v| v.closure_body))
        {
            closure_args.push((crate::flow::CALLS_CLOSURE, cb));
        }
        let arg_places = if may_resolve_in_crate(&callee, None) {
            self.arg_places(c.args.iter())
        } else {
            Box::default()
        };
        self.call_event(
            std::ptr::from_ref(c).cast(),
            Call {
                callee,
                receiver: None,
                on_elem_of,
                on_guard: None,
                on_guard_value: false,
                args: self.call_args(
                    &c.args,
                    arg_guards,
                    arg_calls,
                    closure_args,
                    arg_places,
                    moved,
                ),
                blocking: blocking.map(Box::new),
                lit_arg: c.args.first().and_then(|a| self.str_arg(a)).map(Into::into),
                result_dropped: self.is_dropped_result(std::ptr::from_ref(c).cast()),
            },
            // The callee and the closing parenthesis: `Spanned::span` of the
            // whole call would walk all of its arguments.
            first_span(&c.func)
                .unwrap_or_else(|| c.paren_token.span.open())
                .join(c.paren_token.span.close())
                .unwrap_or_else(|| c.paren_token.span.close()),
        );
        out
    }

    /// Notes the parameters of this body handed to `drop` by name (`drop(g)`), so
    /// that a guard its caller moves in through one is not taken as held to the end.
    fn note_dropped_params<'e>(&mut self, args: impl Iterator<Item = &'e syn::Expr>) {
        for arg in args {
            let Some(id) = path_ident(strip(arg)) else {
                continue;
            };
            let own = self
                .lookup_ident(id)
                .is_some_and(|v| v.origin.as_deref() == Some(self.origin.as_str()));
            let Some(pos) = self.body.params.iter().position(|(p, _)| id == p) else {
                continue;
            };
            let pos = pos as u32;
            if own && !self.body.dropped_params.contains(&pos) {
                let mut d = self.body.dropped_params.to_vec();
                d.push(pos);
                self.body.dropped_params = d.into();
            }
        }
    }

    /// A string argument: a literal, or a `const` of the body or file naming one.
    pub(super) fn str_arg(&self, arg: &syn::Expr) -> Option<String> {
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
    pub(super) fn name_args<'e>(
        &self,
        args: impl Iterator<Item = &'e syn::Expr>,
    ) -> Vec<(u32, String)> {
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

    /// Arguments that are places a lock may be ([`Call::arg_places`]): a place, a
    /// reference to one or its clone, rooted at `self`, a static, or a variable
    /// whose type may hold a lock (not a guard).
    pub(super) fn arg_places<'e>(
        &self,
        args: impl Iterator<Item = &'e syn::Expr>,
    ) -> Box<[(u32, LockPath)]> {
        let mut out = Vec::new();
        for (pos, arg) in args.enumerate() {
            let Some(segments) = self.alias_of(arg) else {
                continue;
            };
            let Some(root) = segments.first() else {
                continue;
            };
            let (root_ty, root_origin) = if root == "self" {
                (None, None)
            } else {
                match self.lookup(root) {
                    Some(v) if v.guard.is_none() && may_hold_lock(v) => {
                        (v.ty_text.clone(), v.origin.clone())
                    }
                    Some(_) => continue,
                    None if is_static_name(root) => (None, None),
                    None => continue,
                }
            };
            out.push((
                pos as u32,
                LockPath {
                    text: String::new(),
                    segments: Some(segments),
                    root_ty,
                    root_origin,
                    root_built: None,
                },
            ));
        }
        out.into_boxed_slice()
    }

    /// What a call's arguments carry, boxed only when some of it is there.
    fn call_args(
        &self,
        args: &Punctuated<syn::Expr, syn::Token![,]>,
        arg_guards: Vec<GuardId>,
        arg_calls: Vec<usize>,
        closure_args: Vec<(u32, u32)>,
        arg_places: Box<[(u32, LockPath)]>,
        moved_guards: Vec<(u32, GuardId)>,
    ) -> Option<Box<CallArgs>> {
        CallArgs {
            moved_guards: moved_guards.into(),
            arg_guards: arg_guards.into(),
            arg_calls: arg_calls.into(),
            closure_args: closure_args.into(),
            name_args: self.name_args(args.iter()).into(),
            lock_args: self.lock_args(args.iter()).into(),
            arg_borrows: self.arg_borrows(args.iter()).into(),
            arg_places,
            store_update: None,
        }
        .boxed()
    }

    /// Arguments that name a variable holding a lock, perhaps borrowed (`&lock`).
    pub(super) fn lock_args<'e>(&self, args: impl Iterator<Item = &'e syn::Expr>) -> Vec<String> {
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
}

/// Types a variable of which holds no lock of its own: primitives (lower-case, so
/// never listed) and the standard library's plain types.
const PLAIN_TYPES: &[&str] = &[
    "String",
    "Vec",
    "Option",
    "Result",
    "Box",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "VecDeque",
    "Path",
    "PathBuf",
    "OsStr",
    "OsString",
    "Duration",
    "Instant",
    "SystemTime",
    "Cow",
    "PhantomData",
    "Ordering",
    "Arc",
    "Rc",
    "Cell",
    "RefCell",
    "Formatter",
    "Error",
];

/// Whether a variable's type may hold a lock: it is or wraps one, or its type
/// names a type other than a primitive or a plain standard one.
fn may_hold_lock(v: &Var) -> bool {
    v.lock_ty.is_some()
        || v.ty_text.as_deref().is_some_and(|t| {
            crate::model::TypeText::new(t).words().any(|w| {
                w.starts_with(|c: char| c.is_ascii_uppercase()) && !PLAIN_TYPES.contains(&w)
            })
        })
}
