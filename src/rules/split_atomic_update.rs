//! `split-atomic-update`: a read-modify-write on an atomic done as a `load` whose
//! value flows into a later `store` to the same atomic, so an update made in between
//! by another thread is lost. Page: rules/split-atomic-update.md.
//!
//! A lost update needs a second writer, so the pair is reported only when nothing
//! the syntax shows serialises the writers: no guard or raw lock held across both,
//! no `compare_exchange` whose success the store depends on, and a receiver that
//! another thread can reach (not `&mut self`, not a `!Sync` owner, not the state of
//! the lock a guard type's method holds). The data flow comes from the walker
//! (`Call::arg_calls` follows values through `let` bindings); the receiver's
//! declared type, when the crate shows it, keeps `load`/`store` methods of
//! non-atomic types out.

use rustc_hash::FxHashSet as HashSet;

use crate::flow::methods::RAW_UNLOCKS;
use crate::flow::{AtomicOrdering, Body, Call, EventKind, GuardKind, LockPath, SelfKind, UpdateOp};
use crate::graph::{BodyIdx, BodyRef};
use crate::model::{CrateId, Model};
use crate::report::finding::{Edit, Finding, Fix};
use crate::rules::support::{
    has_guard_lock_type, is_borrow, label, place_type, root_name, self_name,
};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `split-atomic-update` rule.
    SplitAtomicUpdate,
    "split-atomic-update",
    // Opt-in: on real lock-free code most pairs are serialised by protocols the
    // syntax does not show (see the page).
    Allow
}

impl Rule for SplitAtomicUpdate {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        let owners = Owners::build(cx);
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            // `&mut self` is exclusive: no other thread can touch `self`'s atomics
            // between the load and the store. An `unsafe fn` puts a contract on its
            // caller that the syntax cannot read; being the only writer is the one a
            // load-store pair relies on.
            if body.self_kind == Some(SelfKind::RefMut) || body.is_unsafe {
                continue;
            }
            let krate = cx.crate_of(i);
            for (si, store) in body.events.iter().enumerate() {
                let Some(call) = store.call() else { continue };
                if call.callee.method() != Some("store") || call.arg_calls().is_empty() {
                    continue;
                }
                let Some(target) = &call.receiver else {
                    continue;
                };
                let loads: Vec<usize> = call
                    .arg_calls()
                    .iter()
                    .copied()
                    .filter(|&li| li < si)
                    .filter(|&li| {
                        body.events[li]
                            .call()
                            .is_some_and(|c| is_load_of(c, target))
                    })
                    .collect();
                if loads.is_empty() || !is_atomic_place(cx, i, body, target) {
                    continue;
                }
                // Both under one lock: the lock serialises the update, as long as every
                // writer takes it (which is the lock's whole point).
                let locked = store.live().iter().any(|g| {
                    !is_borrow(body.guards[*g].kind)
                        && loads.iter().all(|&li| body.events[li].live().contains(g))
                });
                // The store runs only where a `compare_exchange` (or another atomic
                // read-modify-write) succeeded: that write picked one winner, and the
                // update is the winner's.
                let after_cas = !store.tested_writes().is_empty();
                if locked
                    || after_cas
                    || is_under_raw_lock(cx.model, body, loads[0], si)
                    || !owners.is_shared(krate, body, target)
                {
                    continue;
                }
                let mut labels: Vec<_> = loads
                    .iter()
                    .map(|&li| label(body.events[li].span, "value loaded here"))
                    .collect();
                labels.push(label(store.span, "and stored back here"));
                let fix = fix_of(cx, i, body, si, &loads, target);
                out.push(META.finding(store.span, format!(
                        "`{}` is updated by a separate `load` and `store`: an update another thread makes in between is lost",
                        target.text
                    ), labels, "do the read-modify-write as one atomic operation: `fetch_add`, `fetch_sub`, `fetch_or`, `fetch_and` or `fetch_max` for arithmetic and bits, `fetch_update` or a `compare_exchange` loop for anything else").with_fix(fix));
            }
        }
    }
}

/// The rewrite of the store into one read-modify-write, where the walker saw a
/// shape that one maps exactly (`StoreUpdate`) and nothing else can change the
/// atomic between the load and the store: every event in between is a `load`, or
/// no call at all. A binding of the load keeps its value: only the store is
/// rewritten, so `let v = x.load(..)` still holds what it read.
///
/// The ordering is the union of the two: the read half takes the load's acquire
/// (or `SeqCst`), the write half the store's release (`Acquire` and `Release` give
/// `AcqRel`, either `SeqCst` gives `SeqCst`). A `fetch_update` reads with the load's
/// ordering where its exchange fails. An ordering named without its path
/// (`SeqCst` after `use Ordering::*`) is kept only when the fix writes the same one,
/// since another variant may not be in scope.
fn fix_of(
    cx: &RuleCx<'_>,
    i: BodyIdx,
    body: &Body,
    si: usize,
    loads: &[usize],
    target: &LockPath,
) -> Option<Fix> {
    let update = body.events[si].call()?.store_update()?;
    let li = update.load;
    if !loads.contains(&li) {
        return None;
    }
    let quiet = body.events[li + 1..si]
        .iter()
        .all(|e| e.call().is_none_or(|c| c.callee.method() == Some("load")));
    if !quiet {
        return None;
    }
    // The value type decides which operations exist: `fetch_add` is only on the
    // integer atomics, the bit operations on those and `AtomicBool`.
    let declared = place_type(cx.model, cx.crate_of(i), body.self_ty.as_deref(), target)?;
    let ty = declared.text();
    let integer = ty.names_any(&["AtomicU", "AtomicI"]);
    let boolean = ty.names_any(&["AtomicBool"]);
    let fits = match update.op {
        UpdateOp::Or | UpdateOp::And | UpdateOp::Xor | UpdateOp::Update => integer || boolean,
        UpdateOp::Add | UpdateOp::Sub | UpdateOp::Max | UpdateOp::Min => integer,
    };
    if !fits || ty.names_any(&["ArcSwap", "AtomicPtr"]) {
        return None;
    }
    let set = combined(update.load_ordering, update.ordering)?;
    let path = &update.ordering_path;
    let named = |o: AtomicOrdering| (!path.is_empty() || o == update.ordering).then_some(o);
    let method = match update.op {
        UpdateOp::Add => "fetch_add",
        UpdateOp::Sub => "fetch_sub",
        UpdateOp::Or => "fetch_or",
        UpdateOp::And => "fetch_and",
        UpdateOp::Xor => "fetch_xor",
        UpdateOp::Max => "fetch_max",
        UpdateOp::Min => "fetch_min",
        UpdateOp::Update => "fetch_update",
    };
    let replacement = if update.op == UpdateOp::Update {
        let fetch = match update.load_ordering {
            o @ (AtomicOrdering::Relaxed | AtomicOrdering::Acquire | AtomicOrdering::SeqCst) => o,
            AtomicOrdering::Release | AtomicOrdering::AcqRel => return None,
        };
        let (set, fetch) = (named(set)?.name(), named(fetch)?.name());
        // The closure always gives `Some`, so the result is always `Ok`; `.ok()`
        // drops it without an unused `Result`.
        format!(
            "fetch_update({path}{set}, {path}{fetch}, |current| Some({})).ok()",
            update.operand
        )
    } else {
        format!("{method}({}, {path}{})", update.operand, named(set)?.name())
    };
    Some(Fix {
        message: format!("replace the `load` and `store` with `{method}`"),
        edits: vec![Edit {
            span: body.events[si].span,
            replacement,
        }],
    })
}

/// The ordering of one read-modify-write that is at least as strong as a load with
/// `load` followed by a store with `store`, or `None` for a pair that names an
/// ordering a load or a store cannot have.
fn combined(load: AtomicOrdering, store: AtomicOrdering) -> Option<AtomicOrdering> {
    use AtomicOrdering::*;
    let acquire = match load {
        Relaxed => false,
        Acquire => true,
        SeqCst => return Some(SeqCst),
        Release | AcqRel => return None,
    };
    let release = match store {
        Relaxed => false,
        Release => true,
        SeqCst => return Some(SeqCst),
        Acquire | AcqRel => return None,
    };
    Some(match (acquire, release) {
        (true, true) => AcqRel,
        (true, false) => Acquire,
        (false, true) => Release,
        (false, false) => Relaxed,
    })
}

/// A `load` of the same place.
fn is_load_of(call: &Call, target: &LockPath) -> bool {
    call.callee.method() == Some("load")
        && call.receiver.as_ref().is_some_and(|r| {
            r.text == target.text
                && r.segments == target.segments
                && r.root_origin == target.root_origin
        })
}

/// Whether the place can be an atomic: its declared type (a field, a static, a
/// parameter or annotated local) names an atomic, or is not known at all. A known
/// type that is not atomic (a key-value store with `load`/`store` methods) keeps
/// the pair out.
fn is_atomic_place(cx: &RuleCx<'_>, i: BodyIdx, body: &Body, place: &LockPath) -> bool {
    let krate = cx.crate_of(i);
    let declared = place_type(cx.model, krate, body.self_ty.as_deref(), place);
    declared.is_none_or(|ty| ty.text().names_any(&["Atomic", "ArcSwap"]))
}

/// Whether a raw lock (`lock_api::RawMutex`-style: a bare `x.lock();` whose type
/// does not show a guard-returning lock) is taken before the load and released
/// after the store, or not released in this body at all. A release in between (a
/// retry path that unlocks and starts over) does not end the critical section the
/// store is in when the lock is released again after it.
fn is_under_raw_lock(model: &Model, body: &Body, first_load: usize, store: usize) -> bool {
    body.events[..first_load].iter().any(|e| {
        let EventKind::Acquire(g) = e.kind else {
            return false;
        };
        let guard = &body.guards[g];
        let is_raw = guard.discarded.is_some()
            && !guard.wrapped
            && !guard.is_try
            && !guard.is_async
            && matches!(guard.kind, GuardKind::Mutex | GuardKind::Write)
            && !has_guard_lock_type(guard, model);
        if !is_raw {
            return false;
        }
        let mut unlocks = body.events.iter().enumerate().filter(|(_, e)| {
            e.call().is_some_and(|c| {
                c.callee.method().is_some_and(|m| RAW_UNLOCKS.contains(&m))
                    && c.receiver
                        .as_ref()
                        .is_some_and(|r| r.text == guard.lock.text)
            })
        });
        let mut any = false;
        let after = unlocks.any(|(ui, _)| {
            any = true;
            ui > store
        });
        after || !any
    })
}

/// What the crate shows about the types whose methods update atomics: which ones
/// cannot be shared between threads, and which ones are guards of a lock.
struct Owners {
    /// Types that are `!Sync`: a field of a type that is never `Sync` (`Cell`,
    /// `RefCell`, `UnsafeCell`, `Rc`, a raw pointer, or a `PhantomData` of one) and
    /// no `unsafe impl Sync`.
    not_sync: HashSet<(CrateId, String)>,
    /// Types whose `Drop` releases a lock: it calls `unlock` on, or `store`s into,
    /// state reached through one of its fields (`self.lock.state.store(..)`).
    guards: HashSet<(CrateId, String)>,
}

impl Owners {
    fn build(cx: &RuleCx<'_>) -> Owners {
        let model = cx.model;
        let sync_impls: HashSet<(CrateId, String)> = model
            .unsafe_impls
            .iter()
            .filter(|(_, imp)| imp.trait_name == "Sync")
            .filter_map(|(k, imp)| Some((*k, imp.self_name()?)))
            .collect();
        let not_sync = model
            .field_decls
            .iter()
            .filter(|(_, f)| f.type_text().is_never_sync())
            .map(|(k, f)| (*k, f.owner.clone()))
            .filter(|key| !sync_impls.contains(key))
            .collect();
        let guards = cx
            .bodies()
            .map(|b| (b.krate, b.body))
            .filter(|(_, b)| b.trait_name.as_deref() == Some("Drop") && b.name == "drop")
            .filter(|(_, b)| b.events.iter().any(releases_through_field))
            .filter_map(|(krate, b)| Some((krate, self_name(b)?)))
            .collect();
        Owners { not_sync, guards }
    }

    /// Whether another thread can run an update of `place` at the same time: the
    /// place is reached from a `!Sync` owner (`self` of a `!Sync` type, or a
    /// parameter `&T` of one), or it is the state of the lock that the method of a
    /// guard type holds.
    fn is_shared(&self, krate: CrateId, body: &Body, place: &LockPath) -> bool {
        let Some(root) = place.segments.as_ref().and_then(|s| s.first()) else {
            return true;
        };
        let owner = if root == "self" {
            self_name(body)
        } else {
            root_name(place)
        };
        let Some(owner) = owner else { return true };
        let key = (krate, owner);
        if self.not_sync.contains(&key) {
            return false;
        }
        !(root == "self" && self.guards.contains(&key))
    }
}

/// `self.lock.state.store(..)`, `self.mutex.raw.unlock()`: a write to state the
/// value refers to, not to one of its own fields.
fn releases_through_field(e: &crate::flow::Event) -> bool {
    e.call().is_some_and(|c| {
        c.callee
            .method()
            .is_some_and(|name| name == "store" || RAW_UNLOCKS.contains(&name))
            && c.receiver
                .as_ref()
                .and_then(|r| r.segments.as_ref())
                .is_some_and(|s| s.len() >= 3 && s[0] == "self")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use AtomicOrdering::*;

    #[test]
    fn the_update_is_as_strong_as_the_load_and_the_store() {
        assert_eq!(combined(Acquire, Release), Some(AcqRel));
        assert_eq!(combined(Acquire, Relaxed), Some(Acquire));
        assert_eq!(combined(Relaxed, Release), Some(Release));
        assert_eq!(combined(Relaxed, Relaxed), Some(Relaxed));
        assert_eq!(combined(SeqCst, Relaxed), Some(SeqCst));
        assert_eq!(combined(Relaxed, SeqCst), Some(SeqCst));
        // A load cannot be `Release`, a store cannot be `Acquire`.
        assert_eq!(combined(Release, Relaxed), None);
        assert_eq!(combined(Relaxed, Acquire), None);
    }
}
