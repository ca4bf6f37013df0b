//! `discarded-guard`: a guard dropped as soon as it is made.
//! Page: rules/discarded-guard.md.

use crate::config::Level;
use crate::flow::methods::{WAITS_ONCE, WAITS_WHILE};
use crate::flow::Guard;
use crate::model::Model;
use crate::report::finding::{Finding, Severity};
use crate::rules::support::{guard_noun, has_guard_lock_type, is_real_guard, label};
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
        for (_, body) in cx.bodies() {
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
                if body.events.iter().any(|e| {
                    e.call().is_some_and(|c| {
                        let name = c.callee.trim_start_matches('.');
                        c.is_method
                            && (WAITS_ONCE.contains(&name) || WAITS_WHILE.contains(&name))
                            && c.arg_guards.contains(&g)
                    })
                }) {
                    continue;
                }
                // A bare `x.lock();` is also how raw locks (`lock_api::RawMutex`) are
                // taken, returning `()`: report it only when the type says guard.
                if !guard.wrapped && !has_guard_lock_type(guard, cx.model) {
                    continue;
                }
                // A field declared with types that are none of the lock types
                // (`file: File`, whose `lock()` is an OS file lock) gives no guard.
                if declared_without_lock(guard, cx.model) {
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

/// Whether the guard's lock is a field whose every declaration in the run names no
/// lock or cell type at all: its `lock()` or `borrow()` is some other method.
fn declared_without_lock(guard: &Guard, model: &Model) -> bool {
    let Some(field) = guard
        .lock
        .segments
        .as_ref()
        .filter(|s| s.len() >= 2)
        .and_then(|s| s.last())
    else {
        return false;
    };
    let mut tys = model.field_types(field).peekable();
    tys.peek().is_some()
        && tys.all(|t| {
            ![
                "Mutex", "RwLock", "Lock", "Cell", "Guard", "Arc", "Box", "Rc",
            ]
            .iter()
            .any(|l| t.contains(l))
        })
}
