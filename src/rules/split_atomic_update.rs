//! `split-atomic-update`: a read-modify-write on an atomic done as a `load` whose
//! value flows into a later `store` to the same atomic, so an update made in between
//! by another thread is lost. Page: rules/split-atomic-update.md.
//!
//! The data flow comes from the walker (`Call::arg_calls` follows values through
//! `let` bindings); the receiver's declared type, when the crate shows it, keeps
//! `load`/`store` methods of non-atomic types out.

use crate::config::Level;
use crate::flow::{Body, Call, LockPath};
use crate::graph::BodyIdx;
use crate::report::finding::{Finding, Severity};
use crate::rules::support::{is_borrow, label, place_type};
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `split-atomic-update` rule.
pub(crate) struct SplitAtomicUpdate;

static META: RuleMeta = RuleMeta {
    id: "split-atomic-update",
    default: Level::Warn,
    doc: include_str!("../../rules/split-atomic-update.md"),
};

impl Rule for SplitAtomicUpdate {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        for (i, body) in cx.indexed_bodies() {
            // `&mut self` is exclusive: no other thread can touch `self`'s atomics
            // between the load and the store.
            if body.self_kind == Some(crate::flow::SelfKind::RefMut) {
                continue;
            }
            for (si, store) in body.events.iter().enumerate() {
                let Some(call) = store.call() else { continue };
                if call.callee != ".store" || call.arg_calls.is_empty() {
                    continue;
                }
                let Some(target) = &call.receiver else {
                    continue;
                };
                let loads: Vec<usize> = call
                    .arg_calls
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
                let locked = store.live.iter().any(|g| {
                    !is_borrow(body.guards[*g].kind)
                        && loads.iter().all(|&li| body.events[li].live.contains(g))
                });
                if locked {
                    continue;
                }
                let mut labels: Vec<_> = loads
                    .iter()
                    .map(|&li| label(body.events[li].span, "value loaded here"))
                    .collect();
                labels.push(label(store.span, "and stored back here"));
                out.push(Finding {
                    rule: META.id,
                    severity: Severity::Warn,
                    primary: store.span,
                    message: format!(
                        "`{}` is updated by a separate `load` and `store`: an update another thread makes in between is lost",
                        target.text
                    ),
                    labels,
                    help: "do the read-modify-write as one atomic operation: `fetch_add`, `fetch_sub`, `fetch_or`, `fetch_and` or `fetch_max` for arithmetic and bits, `fetch_update` or a `compare_exchange` loop for anything else".into(),
                });
            }
        }
    }
}

/// A `load` of the same place.
fn is_load_of(call: &Call, target: &LockPath) -> bool {
    call.callee == ".load"
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
    let krate = cx.graph.crate_of[i];
    let declared = place_type(cx.model, krate, body.self_ty.as_deref(), place);
    declared.is_none_or(|ty| is_atomic_type_text(&ty))
}

/// `AtomicUsize`, `Arc<AtomicBool>`, `AtomicCell<T>`, `ArcSwap<T>`, `Atomic<T>`.
fn is_atomic_type_text(ty: &str) -> bool {
    ty.contains("Atomic") || ty.contains("ArcSwap")
}
