//! `check-then-act`: a condition tested under one acquisition, and acted on under a
//! later acquisition of the same lock. Page: rules/check-then-act.md.

use crate::flow::{EventKind, Guard, GuardKind};
use crate::graph::{BodyIdx, BodyRef, Taken};
use crate::model::known::Known;
use crate::report::finding::Finding;
use crate::rules::support::{is_borrow, is_private_local_lock, label, same_lock};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `check-then-act` rule.
    CheckThenAct,
    "check-then-act",
    Warn
}

/// Methods that look at the state again: an act that calls one of these under its
/// own guard re-checks, and is correct.
const RECHECKS: &[&str] = &[
    "get",
    "get_mut",
    "raw_entry",
    "raw_entry_mut",
    "contains_key",
    "contains",
    "entry",
    "is_empty",
    "is_none",
    "is_some",
    "len",
    "first",
    "last",
    "binary_search",
    "try_insert",
    "get_or_insert_with",
    "iter",
    "keys",
    "values",
];

/// A read-through cache: the check's hit hands back what it read as the function's
/// result (`if let Some(v) = m.read().get(k) { return v.clone() }`), and the act
/// only stores a value under a key (`insert`). Two racers that both miss both
/// compute and insert, and the later store replaces the earlier: duplicated work,
/// not a lost update, as long as the value is what every racer computes. A check
/// that rejects (`return Err(..)`) or an act that pushes, removes or changes an
/// entry in place is not this shape.
fn is_memoisation(checked: &Guard, act: &Guard) -> bool {
    // `unwrap`, `expect`... are the guard passing through, not acts.
    let known = Known::builtin();
    checked.returned
        && act.methods.iter().any(|m| m == "insert")
        && act
            .methods
            .iter()
            .all(|m| m == "insert" || known.is_passthrough(m))
}

impl Rule for CheckThenAct {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            split_helpers(cx, i, out);
            for e in &body.events {
                let EventKind::Acquire(act) = e.kind else {
                    continue;
                };
                if e.deps().is_empty() {
                    continue;
                }
                let guard = &body.guards[act];
                let is_act = matches!(guard.kind, GuardKind::Write | GuardKind::Mutex);
                if !is_act || guard.is_try {
                    continue;
                }
                // No method on the new guard: no act on the state (a re-lock in a
                // loop, `drop(m.lock())`). A re-checking method: a correct act.
                if guard.methods.is_empty()
                    || guard.methods.iter().any(|m| RECHECKS.contains(&m.as_str()))
                {
                    continue;
                }
                let Some(act_id) = cx.lock_of(i, act) else {
                    continue;
                };
                for &check in e.deps() {
                    let checked = &body.guards[check];
                    // Still held: that is a double lock, reported there. A `try_`
                    // guard tests whether the lock was free, not the state. A guard
                    // re-taken into the same variable is a loop re-locking.
                    let relock = checked.name.is_some() && checked.name == guard.name;
                    if check == act
                        || e.live().contains(&check)
                        || is_borrow(checked.kind)
                        || checked.is_try
                        || relock
                    {
                        continue;
                    }
                    let Some(check_id) = cx.lock_of(i, check) else {
                        continue;
                    };
                    // A lock private to this call (a local never handed on): no other
                    // thread can change it between the check and the act.
                    if !same_lock(check_id, act_id)
                        || is_memoisation(checked, guard)
                        || is_private_local_lock(cx, i, body, guard)
                    {
                        continue;
                    }
                    out.push(META.finding(guard.acquired, format!(
                            "`{}` is checked under one lock and acted on under another: another thread can change it in between",
                            act_id.name()
                        ), vec![
                            label(checked.acquired, format!("`{}` checked here", checked.lock.text)),
                            label(guard.acquired, "locked again to act on what was checked"),
                        ], "check and act under one guard (take the write lock once and re-check, or use the `entry` API)"));
                    break;
                }
            }
        }
    }
}

/// A check and its act in two helpers of the crate, each taking the lock itself:
/// `if self.contains(k) { self.insert(k, v) }`, where the `if`'s condition calls the
/// helper that checks and its branch the helper that acts, and both take the same
/// lock through the graph's summaries. The act must change the state under its own
/// guard without re-checking it (as for a direct act); a caller that holds the lock
/// across both makes them a double lock instead, reported there.
fn split_helpers(cx: &RuleCx<'_>, i: BodyIdx, out: &mut Vec<Finding>) {
    let body = cx.body(i);
    for (ai, a) in body.events.iter().enumerate() {
        let (EventKind::Call(_), Some(cond)) = (&a.kind, a.under_if) else {
            continue;
        };
        let Some(act_fn) = cx.callee(i, ai) else {
            continue;
        };
        let acts: Vec<Taken> = cx
            .taken_through(i, ai)
            .into_iter()
            .filter(|t| acts_on_state(cx, act_fn, t))
            .collect();
        if acts.is_empty() {
            continue;
        }
        // The calls of the condition the act's branch depends on.
        let checks = body.events[..ai].iter().enumerate().filter(|(_, c)| {
            matches!(c.kind, EventKind::Call(_))
                && c.span.start >= cond.start
                && c.span.end <= cond.end
        });
        'checks: for (ci, c) in checks {
            let Some(check_fn) = cx.callee(i, ci) else {
                continue;
            };
            if check_fn == act_fn || check_fn == i || act_fn == i {
                continue;
            }
            for checked in cx.taken_through(i, ci) {
                if checked.is_try {
                    continue;
                }
                let Some(act) = acts.iter().find(|t| same_lock(&t.lock, &checked.lock)) else {
                    continue;
                };
                let held = a.live().iter().chain(c.live()).any(|&g| {
                    cx.lock_of(i, g)
                        .is_some_and(|id| same_lock(id, &checked.lock))
                });
                if held {
                    continue;
                }
                let check_name = cx.callee_name(check_fn);
                let act_name = cx.callee_name(act_fn);
                out.push(META.finding(
                    a.span,
                    format!(
                        "`{}` is checked by `{check_name}` and acted on by `{act_name}`, each under its own lock: another thread can change it in between",
                        act.lock.name()
                    ),
                    vec![
                        label(c.span, format!("`{check_name}` locks `{}` to check", checked.lock.name())),
                        label(checked.site, "checked under this lock"),
                        label(a.span, format!("`{act_name}` locks it again to act on what was checked")),
                        label(act.site, "acted on under this lock"),
                    ],
                    "check and act under one guard: give the helper that acts the check too (or an `entry`-style method that does both)",
                ));
                break 'checks;
            }
        }
    }
}

/// Whether a lock the act's helper takes directly is a write or mutex guard that
/// changes the state without re-checking it (`insert`, `push`, not `contains_key`
/// or `entry`). The call is the chain's one hop; deeper acquisitions are not read,
/// their guard being in another body.
fn acts_on_state(cx: &RuleCx<'_>, act_fn: BodyIdx, t: &Taken) -> bool {
    if t.is_try || t.chain.len() != 1 || !matches!(t.kind, GuardKind::Write | GuardKind::Mutex) {
        return false;
    }
    cx.body(act_fn)
        .guards
        .iter()
        .find(|g| g.acquired == t.site)
        .is_some_and(|g| {
            // A guard handed back (`fn lock_m(&self) -> Wrapper { mg: m.lock() }`)
            // acts on nothing in the helper.
            let known = Known::builtin();
            !g.in_value
                && !g.returned
                && g.methods.iter().any(|m| !known.is_passthrough(m))
                && !g.methods.iter().any(|m| RECHECKS.contains(&m.as_str()))
        })
}
