//! `check-then-act`: a condition tested under one acquisition, and acted on under a
//! later acquisition of the same lock. Page: rules/check-then-act.md.

use crate::flow::{EventKind, Guard, GuardKind};
use crate::graph::BodyRef;
use crate::model::known::Known;
use crate::report::finding::Finding;
use crate::rules::support::{is_borrow, label, same_lock};
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
            for e in &body.events {
                let EventKind::Acquire(act) = e.kind else {
                    continue;
                };
                if e.deps.is_empty() {
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
                for &check in &e.deps {
                    let checked = &body.guards[check];
                    // Still held: that is a double lock, reported there. A `try_`
                    // guard tests whether the lock was free, not the state. A guard
                    // re-taken into the same variable is a loop re-locking.
                    let relock = checked.name.is_some() && checked.name == guard.name;
                    if check == act
                        || e.live.contains(&check)
                        || is_borrow(checked.kind)
                        || checked.is_try
                        || relock
                    {
                        continue;
                    }
                    let Some(check_id) = cx.lock_of(i, check) else {
                        continue;
                    };
                    if !same_lock(check_id, act_id) || is_memoisation(checked, guard) {
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
