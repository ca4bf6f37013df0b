//! `lock-across-callback`: user-supplied code run while a guard lives: a closure or
//! function parameter, a `Box<dyn Fn..>` field, or a trait object (a listener taken
//! out of a locked collection). Page: rules/lock-across-callback.md.

use rustc_hash::FxHashMap;

use rustc_hash::FxHashSet;

use crate::flow::methods::RUNS_CLOSURE_NOW;
use crate::flow::{Body, BodyKind, Call};
use crate::graph::{BodyIdx, BodyRef, LockClass};
use crate::model::{CrateId, TypeText};
use crate::report::finding::{Finding, Label};
use crate::rules::support::{acquired_label, guard_noun, is_held_guard, label, self_name};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `lock-across-callback` rule.
    LockAcrossCallback,
    "lock-across-callback",
    Warn
}

/// Trait objects of the standard library whose methods are not user callbacks in
/// the sense of this rule (writers, iterators, errors).
const NOT_CALLBACKS: &[&str] = &[
    "Write",
    "Read",
    "BufRead",
    "Seek",
    "Any",
    "Error",
    "Debug",
    "Display",
    "Iterator",
    "Hasher",
    "Future",
    "Stream",
    "AsyncRead",
    "AsyncWrite",
    "Send",
    "Sync",
];

impl Rule for LockAcrossCallback {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        let mut judge = Judge::new(cx);
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            for (g, guard) in body.guards.iter().enumerate() {
                if !is_held_guard(guard, cx.model) {
                    continue;
                }
                let mut calls: Vec<Label> = Vec::new();
                let mut evidence: Vec<Label> = Vec::new();
                let mut first = None;
                for e in body.events_while_held(g) {
                    let Some(call) = e.call() else { continue };
                    // `f(&mut *guard)`, `f(&mut guard.items[i])`: the callback is
                    // handed the locked data, so running it under the lock is the
                    // point (a scoped accessor, a `retain` predicate), unless it is a
                    // private helper's whose callers hand it closures that call user
                    // code with something else.
                    let handed = call.arg_guards().contains(&g) || call.arg_borrows().contains(&g);
                    let found = if handed {
                        judge.handed_callback(i, body, call)
                    } else {
                        None
                    };
                    let (cb, why) = match found {
                        Some(found) => found,
                        None if handed => continue,
                        None => match callback(cx, &judge.served, i, body, call) {
                            Some(cb) => {
                                let why = match &cb.param {
                                    Some(p) => match param_owner(cx, i, p)
                                        .and_then(|o| judge.user_param(o, p, 0))
                                    {
                                        Some(why) => why,
                                        None => continue,
                                    },
                                    None => Vec::new(),
                                };
                                (cb, why)
                            }
                            None => match judge.closure_run_now(i, call) {
                                Some(found) => found,
                                None => continue,
                            },
                        },
                    };
                    if first.is_none() {
                        let via = why
                            .last()
                            .map(|l| format!(", which runs {}", l.message))
                            .unwrap_or_default();
                        first = Some(format!("{}{via}", cb.what.trim_end_matches(',')));
                    }
                    calls.push(label(
                        e.span,
                        format!("{} called while the lock is held", cb.what),
                    ));
                    evidence.extend(why);
                }
                let Some(first) = first else { continue };
                let mut labels = vec![acquired_label(body, guard)];
                labels.extend(calls);
                labels.extend(evidence);
                out.push(META.finding(guard.acquired, format!(
                        "{} on `{}` held while calling user code: {first}",
                        guard_noun(guard),
                        guard.lock.text,
                    ), labels, "copy what the callback needs under the lock, drop the guard, then call it (snapshot under the lock, notify outside it)"));
            }
        }
    }
}

/// A call that runs code the body does not see.
struct Callback {
    /// What it is, for the label.
    what: String,
    /// The callback parameter it calls, whose origin decides whether it is user code.
    param: Option<String>,
}

/// Deepest chain of callers and calls followed to find where a callback comes from.
const MAX_DEPTH: usize = 4;

/// Decides which callback parameters carry user code, following private helpers to
/// their callers and the closures they are given.
struct Judge<'c, 'a> {
    cx: &'c RuleCx<'a>,
    /// `user_param` answers, by (body, parameter).
    params: FxHashMap<(BodyIdx, String), Option<Vec<Label>>>,
    /// `runs_user_code` answers, by body.
    bodies: FxHashMap<BodyIdx, Option<Vec<Label>>>,
    /// The traits each crate serves itself (see [`served_traits`]).
    served: FxHashSet<(CrateId, String)>,
}

impl<'c, 'a> Judge<'c, 'a> {
    fn new(cx: &'c RuleCx<'a>) -> Self {
        Judge {
            cx,
            params: FxHashMap::default(),
            bodies: FxHashMap::default(),
            served: served_traits(cx),
        }
    }

    /// Whether parameter `p` of body `h` can hold code from outside the crate, with
    /// the sites that show it (the call that hands a closure in, the user call in it).
    /// A parameter of the public API does; one of a private helper does when a caller
    /// passes it a closure that runs user code, or passes on a callback of its own
    /// that does. A helper nobody is seen calling is given nothing.
    fn user_param(&mut self, h: BodyIdx, p: &str, depth: usize) -> Option<Vec<Label>> {
        let key = (h, p.to_string());
        if let Some(known) = self.params.get(&key) {
            return known.clone();
        }
        // A cycle of helpers passing a callback around adds nothing while its head is
        // worked out.
        self.params.insert(key.clone(), None);
        let res = self.user_param_uncached(h, p, depth);
        self.params.insert(key, res.clone());
        res
    }

    fn user_param_uncached(&mut self, h: BodyIdx, p: &str, depth: usize) -> Option<Vec<Label>> {
        let cx = self.cx;
        let body = cx.body(h);
        if is_entry(cx, h, body) {
            return (!is_initialiser(body, p)).then(Vec::new);
        }
        if depth >= MAX_DEPTH {
            return None;
        }
        let pos = body.params.iter().position(|(n, _)| n == p)? as u32;
        for &(c, ei) in cx.callers(h) {
            let caller = cx.body(c);
            let Some(ev) = caller.events.get(ei) else {
                continue;
            };
            let Some(call) = ev.call() else { continue };
            // `Self::helper(self, f)` names the receiver among the arguments.
            let at = if body.self_kind.is_some() && !call.callee.is_method() {
                pos + 1
            } else {
                pos
            };
            if let Some(&(_, cb)) = call.closure_args().iter().find(|(q, _)| *q == at) {
                let Some(k) = cx.body_in_file_of(c, cb as usize) else {
                    continue;
                };
                if let Some(mut why) = self.runs_user_code(k, depth + 1) {
                    why.insert(
                        0,
                        label(ev.span, "given a closure here that calls user code"),
                    );
                    return Some(why);
                }
                continue;
            }
            if let Some((_, name)) = call.name_args().iter().find(|(q, _)| *q == at) {
                let Some(owner) = param_owner(cx, c, name) else {
                    continue;
                };
                if let Some(mut why) = self.user_param(owner, name, depth + 1) {
                    why.insert(0, label(ev.span, format!("given `{name}` here")));
                    return Some(why);
                }
            }
        }
        None
    }

    /// A callback parameter of a private helper called with the locked data
    /// (`handler(&mut guard, ev)`), when a caller hands it a closure that calls user
    /// code: `self.raw(|state, ev| { ..; user(ev) })` runs `user` under the helper's
    /// lock. The public API's own callback parameter handed the data, and one a
    /// caller hands on by name (`self.with_state(f)`), are the scoped accessor.
    fn handed_callback(
        &mut self,
        i: BodyIdx,
        body: &Body,
        call: &Call,
    ) -> Option<(Callback, Vec<Label>)> {
        let cx = self.cx;
        let cb = callback(cx, &self.served, i, body, call)?;
        let p = cb.param.clone()?;
        let h = param_owner(cx, i, &p)?;
        let helper = cx.body(h);
        if is_entry(cx, h, helper) {
            return None;
        }
        let pos = helper.params.iter().position(|(n, _)| *n == p)? as u32;
        for &(c, ei) in cx.callers(h) {
            let Some(ev) = cx.body(c).events.get(ei) else {
                continue;
            };
            let Some(given) = ev.call() else { continue };
            let at = if helper.self_kind.is_some() && !given.callee.is_method() {
                pos + 1
            } else {
                pos
            };
            let Some(&(_, k)) = given.closure_args().iter().find(|(q, _)| *q == at) else {
                continue;
            };
            let Some(k) = cx.body_in_file_of(c, k as usize) else {
                continue;
            };
            if let Some(mut why) = self.runs_user_code(k, 1) {
                why.insert(
                    0,
                    label(ev.span, "given a closure here that calls user code"),
                );
                return Some((cb, why));
            }
        }
        None
    }

    /// A closure written at a call that runs it before returning (`retain`,
    /// `for_each`), when the closure runs user code: `guard.retain(|x| keep(x))`
    /// with `keep` a callback parameter of the public API.
    fn closure_run_now(&mut self, i: BodyIdx, call: &Call) -> Option<(Callback, Vec<Label>)> {
        let method = call.callee.method()?;
        if !RUNS_CLOSURE_NOW.contains(&method) {
            return None;
        }
        for &(_, cb) in call.closure_args() {
            let Some(k) = self.cx.body_in_file_of(i, cb as usize) else {
                continue;
            };
            if let Some(why) = self.runs_user_code(k, 1) {
                let what = format!("the closure given to `{method}`, which calls user code,");
                return Some((Callback { what, param: None }, why));
            }
        }
        None
    }

    /// Whether body `b` (a closure handed to a helper, or a function it calls) runs
    /// user code: a callback of the public API, a method of a trait object of a
    /// public trait, directly or through functions of the crate.
    fn runs_user_code(&mut self, b: BodyIdx, depth: usize) -> Option<Vec<Label>> {
        if let Some(known) = self.bodies.get(&b) {
            return known.clone();
        }
        self.bodies.insert(b, None);
        let res = self.runs_user_code_uncached(b, depth);
        self.bodies.insert(b, res.clone());
        res
    }

    fn runs_user_code_uncached(&mut self, b: BodyIdx, depth: usize) -> Option<Vec<Label>> {
        if depth >= MAX_DEPTH {
            return None;
        }
        let cx = self.cx;
        let body = cx.body(b);
        for (ei, e) in body.events.iter().enumerate() {
            let Some(call) = e.call() else { continue };
            if let Some(cb) = callback(cx, &self.served, b, body, call) {
                let found = match &cb.param {
                    Some(p) => param_owner(cx, b, p).and_then(|o| self.user_param(o, p, depth + 1)),
                    None => Some(Vec::new()),
                };
                if let Some(mut why) = found {
                    why.push(label(e.span, cb.what));
                    return Some(why);
                }
                continue;
            }
            let Some(k) = cx.callee(b, ei) else {
                continue;
            };
            if k == b {
                continue;
            }
            if let Some(why) = self.runs_user_code(k, depth + 1) {
                return Some(why);
            }
        }
        None
    }
}

/// Whether a body is part of the crate's public API, callable by code outside it:
/// a plain `pub` function or method of a `pub` type (or of a type the crate does
/// not declare), not inside a private module unless re-exported, or a method of a
/// trait that is not private to the crate.
fn is_entry(cx: &RuleCx<'_>, b: BodyIdx, body: &Body) -> bool {
    let krate = cx.crate_of(b);
    if !matches!(body.kind, BodyKind::Fn | BodyKind::Method) {
        return false;
    }
    if !is_library_file(cx, b) {
        return false;
    }
    if let Some(tr) = &body.trait_name {
        return cx.model.traits.get(&(krate, tr.clone())) != Some(&false);
    }
    if !body.is_pub || body.is_pub_restricted {
        return false;
    }
    let owner = self_name(body);
    if let Some(ty) = &owner {
        if cx.model.has_type(krate, ty) && !cx.model.api_types.contains(&(krate, ty.clone())) {
            return false;
        }
    }
    // A `pub` item of a private module that nothing re-exports is the crate's own.
    let file = cx.file_of(b).0 as usize;
    let mut module = cx.model.file_module.get(file).cloned().unwrap_or_default();
    module.extend(body.module.iter().cloned());
    !cx.model
        .is_hidden(krate, &module, &body.name, owner.as_deref())
}

/// Whether a body's file is part of its package's library target: not a binary
/// (`src/main.rs`, `src/bin/`), an example, an integration test, a bench or a build
/// script, whose functions no other crate can call. A file given on its own, with
/// no package, is taken as library code.
fn is_library_file(cx: &RuleCx<'_>, b: BodyIdx) -> bool {
    let file = cx.sources.get(cx.file_of(b));
    let Some(rel) = file.path_in_package() else {
        return true;
    };
    let parts: Vec<&str> = rel.iter().filter_map(|c| c.to_str()).collect();
    !matches!(
        parts.as_slice(),
        ["examples" | "tests" | "benches", ..]
            | ["build.rs"]
            | ["src", "main.rs"]
            | ["src", "bin", ..]
    )
}

/// The traits a crate implements itself with code of its own: a method of a
/// `impl Trait for Type` of a type the crate declares, outside test code, that
/// does something (makes a call, takes a lock, or returns a value). A trait the crate serves itself is a
/// service it relies on (a runtime, a clock, a storage backend), not a hook for
/// user code, even when it is public so that users can plug in their own; an impl
/// whose methods are all empty (a no-op listener) does not make it one.
fn served_traits(cx: &RuleCx<'_>) -> FxHashSet<(CrateId, String)> {
    let mut out = FxHashSet::default();
    for BodyRef { idx: i, body, .. } in cx.bodies() {
        let Some(tr) = &body.trait_name else { continue };
        let does_something = !body.events.is_empty()
            || body
                .ret_ty
                .as_deref()
                .is_some_and(|t| !TypeText::new(t).is_unit());
        if body.in_test || !does_something || body.kind != BodyKind::Method {
            continue;
        }
        let krate = cx.crate_of(i);
        let declared = self_name(body).is_some_and(|t| cx.model.has_type(krate, &t));
        let name = TypeText::new(tr).last_segment();
        if declared && !name.is_empty() {
            out.insert((krate, name.to_string()));
        }
    }
    out
}

/// A one-value cell's initialiser: the only parameter, called with nothing and
/// returning the cell's own type parameter (`get_or_init(&self, f: F)` with
/// `F: FnOnce() -> T` on `OnceLock<T>`). Running it under the cell's lock is the
/// type's contract: that is how a second caller waits for the value.
fn is_initialiser(body: &Body, p: &str) -> bool {
    let Some(idx) = body.callback_params.iter().position(|c| c == p) else {
        return false;
    };
    let Some(sig) = body.callback_sigs.get(idx) else {
        return false;
    };
    let Some(ret) = TypeText::new(sig).fn_once_return() else {
        return false;
    };
    body.params.len() == 1
        && !ret.is_empty()
        && body
            .self_ty
            .as_deref()
            .is_some_and(|t| TypeText::new(t).has_generic_arg(&ret))
}

/// The function whose parameter `name` is, seen from body `b`: `b` itself, or the
/// function a closure or async block is nested in.
fn param_owner(cx: &RuleCx<'_>, b: BodyIdx, name: &str) -> Option<BodyIdx> {
    let body = cx.body(b);
    if body.callback_params.iter().any(|p| p == name) {
        return Some(b);
    }
    enclosing_fn(cx, b).filter(|&o| cx.body(o).callback_params.iter().any(|p| p == name))
}

/// The function or method a closure or async block is nested in.
fn enclosing_fn(cx: &RuleCx<'_>, b: BodyIdx) -> Option<BodyIdx> {
    let body = cx.body(b);
    if !matches!(body.kind, BodyKind::Closure | BodyKind::AsyncBlock) {
        return None;
    }
    let root = body.name.split("::{").next()?;
    cx.earlier_in_file(b)
        .find(|parent| {
            matches!(parent.body.kind, BodyKind::Fn | BodyKind::Method) && parent.body.name == root
        })
        .map(|parent| parent.idx)
}

/// What makes a call a callback; `None` when it is not one.
fn callback(
    cx: &RuleCx<'_>,
    served: &FxHashSet<(CrateId, String)>,
    i: BodyIdx,
    body: &Body,
    call: &Call,
) -> Option<Callback> {
    // A callback parameter handed by name to a method that runs it before returning
    // (`map.entry(k).or_insert_with(render)`) is called here, under the guards alive.
    if let Some(method) = call.callee.method() {
        if RUNS_CLOSURE_NOW.contains(&method) {
            let handed = call
                .name_args()
                .iter()
                .find(|(_, n)| body.callback_params.iter().any(|p| p == n));
            if let Some((_, name)) = handed {
                return Some(Callback {
                    what: format!("the callback parameter `{name}`, run by `{method}`"),
                    param: Some(name.clone()),
                });
            }
        }
    }
    // Methods of the protected data (`guard.retain(|x| ..)`) are not callbacks.
    if call.on_guard.is_some() {
        return None;
    }
    let krate = cx.crate_of(i);
    let plain = |what: String| Some(Callback { what, param: None });
    // A listener or callback taken out of a locked collection.
    if let Some(h) = call.on_elem_of {
        let ty = cx
            .lock_of(i, h)
            .and_then(|id| field_type_of_class(cx, krate, &id.class));
        if let Some(ty) = ty {
            if is_user_object(cx, None, krate, ty) {
                return plain(format!(
                    "`{}`, an element of a locked collection of `{}`,",
                    call.callee, ty
                ));
            }
            // `for l in state.listeners.iter() { l(&ev) }`: an element called as a
            // function, out of a locked struct of the crate that stores closures.
            if call.callee.plain().is_some() {
                if let Some(owner) = state_with_closures(cx, krate, ty) {
                    return plain(format!(
                        "`{}`, a callback stored in the locked `{owner}`,",
                        call.callee
                    ));
                }
            }
        }
    }
    if let Some(callee) = call.callee.plain() {
        let is_param = body.callback_params.iter().any(|p| p == callee)
            || (matches!(body.kind, BodyKind::Closure | BodyKind::AsyncBlock)
                && param_owner(cx, i, callee).is_some());
        if is_param {
            return Some(Callback {
                what: format!("the callback parameter `{callee}`"),
                param: Some(callee.to_string()),
            });
        }
        // `(self.on_change)(x)`: a field holding a closure.
        let inner = callee.strip_prefix('(')?.strip_suffix(')')?;
        let field = inner.strip_prefix("self.")?;
        let owner = self_name(body)?;
        let ty = cx.model.field_type_text(krate, &owner, field)?;
        return if ty.is_fn_like() || cx.model.holds_closure_object(krate, ty) {
            plain(format!("the callback field `{inner}`"))
        } else {
            None
        };
    }
    // `listener.on_event(..)` on a trait-object parameter or field; methods of the
    // pointer around it (`clone`, `as_ref`) are not the object's.
    if call
        .callee
        .method()
        .is_some_and(|m| POINTER_METHODS.contains(&m))
    {
        return None;
    }
    let recv = call.receiver.as_ref()?;
    let segs = recv.segments.as_ref()?;
    // A trait-object parameter of a binary, an example, a test or a bench holds
    // what that program passes itself: no other crate calls its functions.
    let is_field = segs.len() == 2;
    let ty = match segs.as_slice() {
        [p] if is_library_file(cx, i) => body
            .params
            .iter()
            .find(|(n, _)| n == p)
            .map(|(_, t)| TypeText::new(t))?,
        [s, field] if s == "self" => {
            let owner = self_name(body)?;
            cx.model.field_type_text(krate, &owner, field)?
        }
        _ => return None,
    };
    // A field holds the one component the type was built with; a parameter holds
    // whatever the caller passes, which may be any implementation of the trait.
    let served = is_field.then_some(served);
    if ty.is_direct_object() && is_user_object(cx, served, krate, ty) {
        plain(format!(
            "`{}{}` on a trait object `{ty}`",
            recv.text, call.callee
        ))
    } else {
        None
    }
}

/// The struct of the crate a lock's type guards (`RwLock<State>`, `Arc<Mutex<State>>`)
/// when one of its fields holds closure trait objects (`Vec<Box<dyn Fn(..)>>`, a
/// `type` alias of one).
fn state_with_closures(cx: &RuleCx<'_>, krate: CrateId, ty: TypeText<'_>) -> Option<String> {
    let tree = ty.tree();
    let lock = tree.strip(&["Arc", "Rc", "Box"]);
    if !lock.is_lock() {
        return None;
    }
    let state = lock.args.first()?.strip(&["Arc", "Rc", "Box"]);
    let owner = state.head.rsplit("::").next()?.to_string();
    cx.model
        .fields_of(krate, &owner)
        .any(|t| cx.model.holds_closure_object(krate, t))
        .then_some(owner)
}

/// Methods of `Arc`, `Box`, `Option` and references, not of the object inside.
const POINTER_METHODS: &[&str] = &[
    "clone",
    "as_ref",
    "as_mut",
    "as_deref",
    "borrow",
    "to_owned",
    "is_some",
    "is_none",
    "take",
    "map",
    "downgrade",
    "strong_count",
];

/// The declared type of the field a `Type.field` lock class names: the last field of
/// its path, looked up in the segment before it.
///
/// FIXME(lock-across-callback): for a longer path (`Outer.cfg.state`, where the
/// graph's chase through field types stopped, or a static's `STATE.inner.map`) the
/// segment before the last is a field's name, not a type's, so the lookup finds
/// nothing unless a type has that name; the type could be followed instead, which
/// changes findings and comes with a fixture.
fn field_type_of_class<'c>(cx: &RuleCx<'c>, krate: u32, class: &LockClass) -> Option<TypeText<'c>> {
    let (owner, field) = match class {
        LockClass::Field { owner, field } => match field.rsplit_once('.') {
            Some((path, last)) => (path.rsplit('.').next()?, last),
            None => (owner.as_str(), field.as_str()),
        },
        LockClass::Static { path } => {
            let (path, last) = path.rsplit_once('.')?;
            (path.rsplit_once('.')?.1, last)
        }
        LockClass::Receiver { .. } | LockClass::Local { .. } => return None,
    };
    cx.model.field_type_text(krate, owner, field)
}

/// A type holding user code: `dyn Trait` for a trait that is not a standard
/// plumbing trait nor a trait private to the crate (an internal service such as a
/// clock or a storage backend, which only the crate implements), or a closure type.
///
/// With `served` (a single object in a field, not a parameter nor an element of a
/// collection of listeners), a trait the crate serves itself is not user code either.
fn is_user_object(
    cx: &RuleCx<'_>,
    served: Option<&FxHashSet<(CrateId, String)>>,
    krate: u32,
    ty: TypeText<'_>,
) -> bool {
    if cx.model.holds_closure_object(krate, ty) {
        return true;
    }
    ty.trait_object_names().into_iter().any(|name| {
        !NOT_CALLBACKS.contains(&name.as_str())
            && served.is_none_or(|s| !s.contains(&(krate, name.clone())))
            && cx.model.traits.get(&(krate, name)) != Some(&false)
    })
}
