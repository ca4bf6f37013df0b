//! `discarded-guard`: a guard dropped as soon as it is made.
//! Page: rules/discarded-guard.md.

use crate::config::Level;
use crate::flow::{Body, Guard};
use crate::model::{CrateId, Model};
use crate::report::finding::{Finding, Severity};
use crate::rules::support::{
    guard_noun, handed_to_wait, has_guard_lock_type, is_real_guard, label,
};
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `discarded-guard` rule.
pub(crate) struct DiscardedGuard;

static META: RuleMeta = RuleMeta {
    id: "discarded-guard",
    default: Level::Warn,
    doc: include_str!("../../rules/discarded-guard.md"),
};

impl Rule for DiscardedGuard {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        for (i, body) in cx.indexed_bodies() {
            for (g, guard) in body.guards.iter().enumerate() {
                let Some(stmt) = guard.discarded else {
                    continue;
                };
                if guard.is_try || !is_real_guard(guard, cx.model) {
                    continue;
                }
                // `let _ = cv.wait_while(m.lock().unwrap(), |p| *p);`: the wait used the
                // guard (it slept on it and gave it back once the condition held), so the
                // critical section is not empty, only over.
                if handed_to_wait(&body.events, g) {
                    continue;
                }
                // A bare `x.lock();` is also how raw locks (`lock_api::RawMutex`) are
                // taken, returning `()`: report it only when the type says guard.
                if !guard.wrapped && !has_guard_lock_type(guard, cx.model) {
                    continue;
                }
                // A field declared with types that are none of the lock types
                // (`file: File`, whose `lock()` is an OS file lock) gives no guard.
                if declared_without_lock(guard, body, cx.graph.crate_of[i], cx.model) {
                    continue;
                }
                out.push(Finding {
                    rule: META.id,
                    severity: Severity::Warn,
                    primary: stmt,
                    message: format!(
                        "{} on `{}` is dropped at once: the critical section is empty",
                        guard_noun(guard),
                        guard.lock.text
                    ),
                    labels: vec![label(stmt, "the guard is dropped at the end of this statement")],
                    help: "bind the guard to a named variable (`let guard = ...`) for as long as the data must stay locked, or remove the statement".into(),
                });
            }
        }
    }
}

/// Whether the guard's lock is a field of `self` whose declared type, in the body's
/// crate, names no lock or cell at all: its `lock()` or `borrow()` is some other
/// method (`file: File`, whose `lock()` is an OS file lock).
fn declared_without_lock(guard: &Guard, body: &Body, krate: CrateId, model: &Model) -> bool {
    let Some([root, field]) = guard.lock.segments.as_deref() else {
        return false;
    };
    let Some(owner) = body.self_ty.as_deref().filter(|_| root == "self") else {
        return false;
    };
    model.field_type(krate, owner, field).is_some_and(|t| {
        ![
            "Mutex", "RwLock", "Lock", "Cell", "Guard", "Arc", "Box", "Rc",
        ]
        .iter()
        .any(|l| t.contains(l))
    })
}
