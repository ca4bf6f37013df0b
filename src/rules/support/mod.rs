//! Helpers shared by several rules: which guards count, label wording, and the
//! process-global calls.
//!
//! Nothing here looks at syntax or reads type text; it works on flows, the model
//! (whose queries answer for types, `model::types`) and findings.

use crate::flow::{Blocking, Body, BodyKind, Guard, GuardKind};
use crate::graph::{BodyIdx, Hop, LockId};
use crate::model::known;
use crate::model::{Model, PlaceType, TypeText};
use crate::report::finding::{Label, Span};
use crate::rules::RuleCx;

/// Whether two resolved locks are the same lock: same class, same known object.
pub fn same_lock(a: &LockId, b: &LockId) -> bool {
    a.krate == b.krate && a.class == b.class && a.obj.is_some() && a.obj == b.obj
}

/// Whether a guard is a `RefCell` borrow rather than a lock guard.
pub fn is_borrow(kind: GuardKind) -> bool {
    kind.is_borrow()
}

/// A blocking call as messages name it: "`fs::read` reads a file".
pub fn blocking_text(b: &Blocking) -> String {
    format!("`{}` {}", b.short_name(), b.why)
}

/// Labels for each call on a chain: "calls `helper`".
pub fn hop_labels(chain: &[Hop]) -> Vec<Label> {
    chain
        .iter()
        .map(|h| label(h.site, format!("calls `{}`", h.callee)))
        .collect()
}

/// A chain as text for messages: "through `a` → `b`".
pub fn chain_text(chain: &[Hop]) -> String {
    if chain.is_empty() {
        return String::new();
    }
    let names: Vec<String> = chain.iter().map(|h| format!("`{}`", h.callee)).collect();
    format!(" through {}", names.join(" → "))
}

/// Whether a guard really is a lock guard or a `RefCell` borrow: `borrow()` counts only
/// when the receiver is known to be a `RefCell`, from the body or the crate's fields.
pub fn is_real_guard(guard: &Guard, model: &Model) -> bool {
    if guard.confirmed {
        return true;
    }
    match guard.kind {
        GuardKind::Borrow | GuardKind::BorrowMut => guard
            .lock
            .segments
            .as_ref()
            .filter(|s| s.len() >= 2)
            .and_then(|s| s.last())
            .is_some_and(|field| model.is_refcell_field(field)),
        _ => true,
    }
}

/// Whether a guard is held across `.await` and blocking calls in a way the
/// lock-across rules report: a real guard that is not the test-serialisation
/// pattern. `try_lock` guards hold the lock once taken, so they count too.
pub fn is_held_guard(guard: &Guard, model: &Model) -> bool {
    is_real_guard(guard, model) && !guard.serialises_test
}

/// Whether a guard belongs to an async lock: acquired with `.await`, on a local
/// declared with an async lock type, or on a field declared with one in the crate.
pub fn is_async_guard(guard: &Guard, model: &Model) -> bool {
    guard.is_async
        || guard
            .lock
            .segments
            .as_ref()
            .filter(|s| s.len() >= 2)
            .and_then(|s| s.last())
            .is_some_and(|field| model.is_async_lock_field(field))
}

/// Whether the lock's type is known to hand out guards: the local or parameter type
/// the body shows, or the declared type of the field it ends in.
pub fn has_guard_lock_type(guard: &Guard, model: &Model) -> bool {
    if let Some(ty) = &guard.receiver_ty {
        return known::is_guard_lock(ty);
    }
    let Some(field) = guard
        .lock
        .segments
        .as_ref()
        .filter(|s| s.len() >= 2)
        .and_then(|s| s.last())
    else {
        return false;
    };
    model.is_guard_lock_field(field)
}

/// What a guard is, for messages: "`MutexGuard`", "`RwLockReadGuard`", "`RefCell` borrow".
pub fn guard_noun(guard: &Guard) -> &'static str {
    // A shard map's guard is its own type, not the `RwLock` guard of its shard.
    match (guard.receiver_ty.as_deref(), guard.method.as_str()) {
        (Some("DashMap"), "get") => return "`Ref` of a `DashMap`",
        (Some("DashMap"), "get_mut") => return "`RefMut` of a `DashMap`",
        (Some("DashMap"), "entry") => return "`DashMap` `Entry`",
        (Some("DashSet"), _) => return "`Ref` of a `DashSet`",
        _ => {}
    }
    match guard.kind {
        GuardKind::Mutex => "`MutexGuard`",
        GuardKind::Read => "`RwLockReadGuard`",
        GuardKind::Write => "`RwLockWriteGuard`",
        GuardKind::Borrow => "`RefCell` borrow",
        GuardKind::BorrowMut => "`RefCell` mutable borrow",
    }
}

/// The label on an acquisition.
pub fn acquired_label(body: &Body, guard: &Guard) -> Label {
    let _ = body;
    let what = match guard.kind {
        GuardKind::Borrow | GuardKind::BorrowMut => "borrowed here",
        _ => "lock acquired here",
    };
    let message = match &guard.name {
        Some(name) => format!("`{}` {what} as `{name}`", guard.lock.text),
        None => format!("`{}` {what}", guard.lock.text),
    };
    label(guard.acquired, message)
}

/// A label.
pub fn label(span: Span, message: impl Into<String>) -> Label {
    Label {
        span,
        message: message.into(),
    }
}

// ---- Shared-state helpers: process-global calls, condition-variable waits ---------

/// What a call does to process-global state, when it is one of `std::env`'s
/// mutators: `set_var`, `remove_var`, `set_current_dir` called as functions.
/// `Command::env` and `Command::current_dir` are method calls that change only the
/// child process, and never match.
pub fn env_mutation(call: &crate::flow::Call) -> Option<&'static str> {
    let path = call.callee.plain()?.trim_start_matches("::");
    if !(path.ends_with("_var") || path.ends_with("_dir")) {
        return None;
    }
    let (module, name) = path.rsplit_once("::")?;
    if !(module == "env" || module.ends_with("std::env") || module.ends_with("core::env")) {
        return None;
    }
    match name {
        "set_var" => Some("sets an environment variable"),
        "remove_var" => Some("removes an environment variable"),
        "set_current_dir" => Some("changes the current directory"),
        _ => None,
    }
}

/// The name of the type the body's `impl` is for (`Cache` of `impl<T> Cache<T>`).
pub fn self_name(body: &Body) -> Option<String> {
    body.self_ty
        .as_deref()
        .and_then(|t| TypeText::new(t).name())
}

/// The name of the type of a place's first segment, as the body declares it (a
/// parameter's or an annotated local's type).
pub fn root_name(place: &crate::flow::LockPath) -> Option<String> {
    place
        .root_ty
        .as_deref()
        .and_then(|t| TypeText::new(t).name())
}

/// The declared type of a place as the crate shows it ([`Model::place_type`]), in a
/// body whose `impl` is for `self_ty`.
pub fn place_type(
    model: &Model,
    krate: crate::model::CrateId,
    self_ty: Option<&str>,
    place: &crate::flow::LockPath,
) -> Option<PlaceType> {
    model.place_type(
        krate,
        self_ty,
        place.segments.as_deref(),
        place.root_ty.as_deref(),
    )
}

/// Whether guard `g` is handed to a condition-variable wait among `events` (the guard
/// went to sleep on the condvar and came back).
pub fn handed_to_wait(events: &[crate::flow::Event], g: crate::flow::GuardId) -> bool {
    use crate::flow::methods::{WAITS_ONCE, WAITS_WHILE};
    events.iter().any(|e| {
        e.call().is_some_and(|c| {
            c.callee
                .method()
                .is_some_and(|name| WAITS_ONCE.contains(&name) || WAITS_WHILE.contains(&name))
                && c.arg_guards().contains(&g)
        })
    })
}

/// Whether a guard is of a lock that only this function can reach: a local it built
/// itself (`let lock = Mutex::new(());`), not a parameter, that it never hands on (no
/// call is given the lock or a reference to it, no method other than taking it is
/// called on it, which leaves out `clone`) and that none of its closures names. No
/// other thread can take such a lock: nobody can change a condition under it, or
/// queue for it.
pub fn is_private_local_lock(cx: &RuleCx<'_>, i: BodyIdx, body: &Body, guard: &Guard) -> bool {
    let lock = &guard.lock;
    let Some([name]) = lock.segments.as_deref() else {
        return false;
    };
    // Built in place or annotated as a lock type (not a reference to one), and
    // declared in this body rather than received from its caller (a closure or an
    // `async` block counts when the local is its own, not one it captured). The
    // walker gives an async lock's guard no receiver type: its local is taken at its
    // word, so a local cloned from a shared handle (`let l = self.l.clone()`) counts.
    let is_lock_local = (guard.is_async
        || guard
            .receiver_ty
            .as_deref()
            .is_some_and(known::is_guard_lock))
        && lock.root_origin.is_some()
        && lock
            .root_ty
            .as_deref()
            .is_none_or(|t| !TypeText::new(t).is_reference())
        && !body.params.iter().any(|(p, _)| p == name)
        && (matches!(body.kind, BodyKind::Fn | BodyKind::Method)
            || lock
                .root_origin
                .as_deref()
                .is_some_and(|o| body.declared_here(o)));
    if !is_lock_local {
        return false;
    }
    let known = known::Known::builtin();
    let handed_on = |b: &Body| {
        b.events.iter().any(|e| {
            e.call().is_some_and(|c| {
                // Taking the lock (`lock.read().await` is also the call it awaits)
                // does not hand it on.
                let takes_it = c
                    .callee
                    .method()
                    .is_some_and(|m| known.guard_method(m).is_some())
                    && c.receiver.as_ref().and_then(|r| r.segments.as_deref())
                        == Some(std::slice::from_ref(name));
                // Nor does asking it a question with nothing to hand it to
                // (`lock.is_locked()`, `lock.is_poisoned()`).
                let asks_it = c.callee.method().is_some_and(|m| m.starts_with("is_"))
                    && c.arg_calls().is_empty()
                    && c.name_args().is_empty()
                    && c.closure_args().is_empty()
                    && c.receiver.as_ref().and_then(|r| r.segments.as_deref())
                        == Some(std::slice::from_ref(name));
                c.lock_args().iter().any(|a| a == name)
                    || c.name_args().iter().any(|(_, a)| a == name)
                    || (!takes_it
                        && !asks_it
                        && c.receiver.as_ref().is_some_and(|r| {
                            r.segments
                                .as_deref()
                                .is_some_and(|s| s.first() == Some(name))
                        }))
            })
        })
    };
    if handed_on(body) {
        return false;
    }
    // Closures and async blocks of this function follow it in its file: a closure
    // that takes or names the lock shares it (a scoped thread, a callback).
    let prefix = format!("{}::", body.name);
    let nested = cx
        .later_in_file(i)
        .map(|b| b.body)
        .take_while(|b| b.name.starts_with(&prefix));
    for b in nested {
        let names_it = b.guards.iter().any(|g| {
            g.lock.root_origin == lock.root_origin
                || g.lock
                    .segments
                    .as_deref()
                    .is_some_and(|s| s.first() == Some(name))
        });
        if names_it || handed_on(b) {
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_roles_answer_as_the_lists_they_replace() {
        let data: Vec<&str> = known::LOCK_TYPES
            .iter()
            .filter(|l| l.data)
            .map(|l| l.name)
            .collect();
        assert_eq!(
            data,
            [
                "Mutex",
                "RwLock",
                "ReentrantMutex",
                "FairMutex",
                "SpinMutex",
                "SpinRwLock",
                "TicketMutex",
                "ShardedLock",
                "RecursiveRwLock",
            ]
        );
        assert!(known::is_data_lock("ShardedLock") && !known::is_data_lock("RefCell"));
        assert!(known::is_guard_lock("RefCell") && !known::is_guard_lock("SpinRwLock"));
    }
}
