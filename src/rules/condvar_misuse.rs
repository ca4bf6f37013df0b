//! `condvar-misuse`: a condition-variable wait that is not in a loop re-checking its
//! condition, and a wait while another lock is held (by the waiting function or by
//! its caller). Page: rules/condvar-misuse.md.
//!
//! A wait is a `wait`-family method on a receiver declared as a `Condvar`, or one
//! that is handed a guard (`cv.wait(guard)`, `cv.wait(&mut guard)`). Loops and
//! enclosing `if`s come from the walker's events; callers from the call graph.

use crate::flow::methods::{WAITS_ONCE, WAITS_WHILE};
use crate::flow::{Body, BodyKind, Call};
use crate::graph::{BodyIdx, BodyRef};
use crate::model::{CrateId, PlaceType, TypeText};
use crate::report::finding::{Finding, Label, Span};
use crate::rules::support::{
    acquired_label, is_borrow, is_private_local_lock, is_real_guard, label, place_type, same_lock,
    self_name,
};
use crate::rules::{declare_rule, Rule, RuleCx};
use rustc_hash::FxHashMap;

declare_rule! {
    /// The `condvar-misuse` rule.
    CondvarMisuse,
    "condvar-misuse",
    Warn
}

/// Waits that give up after a time: their callers already handle a return before
/// the condition holds.
const TIMED_WAITS: &[&str] = &["wait_timeout", "wait_timeout_ms", "wait_for", "wait_until"];

/// Atomic operations that read a state word to decide on it; counting
/// (`fetch_add`, `fetch_sub`) is not reading the condition.
const STATE_READS: &[&str] = &[
    "load",
    "swap",
    "compare_exchange",
    "compare_exchange_weak",
    "compare_and_swap",
    "fetch_update",
];

/// Whether every guard handed to the wait is of a lock made in place
/// (`cv.wait_timeout(Mutex::new(()).lock().unwrap(), d)`): no other thread can hold
/// such a lock, so it guards no condition to re-check and the wait is only a timer.
fn waits_on_a_fresh_lock(body: &Body, call: &Call) -> bool {
    !call.arg_guards().is_empty()
        && call.arg_guards().iter().all(|&g| {
            let lock = &body.guards[g].lock;
            lock.segments.is_none() && lock.text.contains("::new(")
        })
}

/// Whether every guard handed to the wait is of a lock that only this function can
/// reach: a local it built itself (`let lock = Mutex::new(());`), not a parameter,
/// that it never hands on (no call is given the lock or a reference to it, no method
/// other than taking it is called on it, which leaves out `clone`) and that none of
/// its closures names. No other thread can take such a lock, so nobody can change a
/// condition under it: the wait is a timer, as on a lock made in place.
fn waits_on_a_private_lock(cx: &RuleCx<'_>, i: BodyIdx, body: &Body, call: &Call) -> bool {
    !call.arg_guards().is_empty()
        && call
            .arg_guards()
            .iter()
            .all(|&g| is_private_local_lock(cx, i, body, &body.guards[g]))
}

/// Deepest chain of calls followed from a caller holding a lock to a wait.
const MAX_DEPTH: usize = 4;

impl Rule for CondvarMisuse {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        let n = cx.body_count();
        // The first wait of each body, directly: (wait site, receiver text).
        let mut waits: Vec<Option<(Span, String)>> = vec![None; n];
        // Per crate and condition variable (the name its receiver ends in): how many
        // wait sites it has and whether anything calls `notify_all` on it.
        let mut uses: FxHashMap<(CrateId, &str), (usize, bool)> = FxHashMap::default();
        // Waits under an `if` that cannot wake spuriously, decided once every wait
        // and `notify_all` of the crate is known: (body, event, other guards).
        let mut exact: Vec<(BodyIdx, usize, Vec<usize>)> = Vec::new();
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            for (ei, e) in body.events.iter().enumerate() {
                let Some(call) = e.call() else { continue };
                if call.callee.method() == Some("notify_all") {
                    if let Some(key) = condvar_key(call) {
                        uses.entry((cx.crate_of(i), key)).or_default().1 = true;
                    }
                    continue;
                }
                let Some(once) = condvar_wait(cx, i, body, call) else {
                    continue;
                };
                if let Some(key) = condvar_key(call) {
                    uses.entry((cx.crate_of(i), key)).or_default().0 += 1;
                }
                // A method of the crate named `wait` is a wait only when it is a
                // condition variable's own (a wrapper type's `wait`).
                if let Some(k) = cx.callee(i, ei) {
                    if !is_wait_wrapper(cx.body(k)) {
                        continue;
                    }
                }
                let recv = call.receiver.as_ref().map_or("", |r| r.text.as_str());
                waits[i].get_or_insert((e.span, format!("{recv}{}", call.callee)));
                // A `for` loop that never leaves early retries the wait a number of
                // times without testing what it woke to.
                let rechecked = !once
                    || (e.in_loop && !e.in_fixed_for)
                    || is_timed_park(body, ei, call)
                    || waits_on_a_fresh_lock(body, call)
                    || waits_on_a_private_lock(cx, i, body, call)
                    || is_wait_wrapper(body)
                    || body.in_test
                    || (!cx.callers(i).is_empty()
                        && matches!(body.kind, BodyKind::Fn | BodyKind::Method)
                        && cx
                            .callers(i)
                            .iter()
                            .all(|&(c, ce)| cx.body(c).events[ce].in_loop));
                let others = other_guards(cx, i, body, e.live(), call.arg_guards());
                if !rechecked && wakes_only_when_notified(call) {
                    exact.push((i, ei, others));
                    continue;
                }
                if rechecked && others.is_empty() {
                    continue;
                }
                out.push(direct_finding(body, ei, call, !rechecked, &others));
            }
        }
        for (i, ei, others) in exact {
            let body = cx.body(i);
            let Some(call) = body.events[ei].call() else {
                continue;
            };
            // Another waiter, or a `notify_all` that wakes every waiter at once,
            // can consume the condition before this thread gets the lock back.
            let contended = condvar_key(call).is_none_or(|key| {
                uses.get(&(cx.crate_of(i), key))
                    .is_none_or(|&(n_waits, all)| n_waits > 1 || all)
            });
            if contended || !others.is_empty() {
                out.push(direct_finding(body, ei, call, contended, &others));
            }
        }
        // Callers that hold a lock while calling a function that waits.
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            for (ei, e) in body.events.iter().enumerate() {
                if e.live().is_empty() {
                    continue;
                }
                let Some(call) = e.call() else { continue };
                // The function called, or the closures the call runs there.
                let found = cx
                    .callee(i, ei)
                    .into_iter()
                    .chain(cx.closures_run(i, ei).iter().copied())
                    .filter(|&k| k != i)
                    .find_map(|k| Some((k, wait_through(cx, &waits, k, 0)?)));
                let Some((k, (wait, chain))) = found else {
                    continue;
                };
                let mut others = other_guards(cx, i, body, e.live(), call.arg_guards());
                // A lock the callee takes again is `double-lock`'s, not a wait's.
                let taken = cx.taken_through(i, ei);
                others.retain(|&g| {
                    cx.lock_of(i, g)
                        .is_none_or(|id| !taken.iter().any(|t| same_lock(&t.lock, id)))
                });
                if others.is_empty() {
                    continue;
                }
                let mut names = vec![cx.callee_name(k)];
                names.extend(chain);
                out.push(caller_finding(body, e.span, &names, wait, &others));
            }
        }
    }
}

/// A condition variable's own `wait` (a wrapper type forwarding to the one inside):
/// re-checking is its callers' business, and calls to it are waits themselves.
fn is_wait_wrapper(body: &Body) -> bool {
    WAITS_ONCE.contains(&body.name.as_str())
        || WAITS_WHILE.contains(&body.name.as_str())
        || self_name(body).is_some_and(|t| t.ends_with("Condvar"))
}

/// A timed park: a wait with a timeout, not under a test of the data its guard
/// protects, after which the function reads the shared state again with an atomic
/// (`state.swap(EMPTY, ..)`, `compare_exchange`, `load`) and lets that read decide.
/// A wait with a timeout can return before the condition holds anyway, so a caller
/// that reads the state afterwards copes with a spurious wake-up the same way; a
/// plain `wait`, or a wait under `if !ready { .. }`, assumes the condition instead.
fn is_timed_park(body: &Body, ei: usize, call: &Call) -> bool {
    if !call
        .callee
        .method()
        .is_some_and(|name| TIMED_WAITS.contains(&name))
    {
        return false;
    }
    let e = &body.events[ei];
    if call.arg_guards().iter().any(|g| e.deps().contains(g)) {
        return false;
    }
    body.events[ei + 1..].iter().any(|later| {
        later.call().is_some_and(|c| {
            c.callee.method().is_some_and(|n| STATE_READS.contains(&n))
                && c.receiver.is_some()
                && c.on_guard.is_none()
        })
    })
}

/// A plain `wait` handed `&mut guard`, parking_lot's signature (std's takes the
/// guard by value): parking_lot documents that such a wait returns only when
/// `notify_one` or `notify_all` woke it, never spuriously.
fn wakes_only_when_notified(call: &Call) -> bool {
    call.callee.method() == Some("wait")
        && !call.arg_guards().is_empty()
        && call
            .arg_guards()
            .iter()
            .all(|g| call.arg_borrows().contains(g))
}

/// The name a condition variable is known by in its crate: the last segment of the
/// receiver (`self.ready`, `ready`). Waits and notifications of two condition
/// variables of the same name are counted together, which can only report more.
fn condvar_key(call: &Call) -> Option<&str> {
    call.receiver
        .as_ref()?
        .segments
        .as_ref()?
        .last()
        .map(String::as_str)
}

/// Whether a call is a condition-variable wait; `Some(true)` for a wait that
/// returns after one wake-up, `Some(false)` for one that re-checks a condition.
fn condvar_wait(cx: &RuleCx<'_>, i: BodyIdx, body: &Body, call: &Call) -> Option<bool> {
    let name = call.callee.method()?;
    let once = if WAITS_ONCE.contains(&name) {
        true
    } else if WAITS_WHILE.contains(&name) {
        false
    } else {
        return None;
    };
    match receiver_type(cx, i, body, call) {
        Some(ty) => ty.text().names_any(&["Condvar"]).then_some(once),
        // Unknown receiver: a `wait` handed a guard is a condvar's.
        None => (!call.arg_guards().is_empty()).then_some(once),
    }
}

/// The declared type of a method call's receiver, when the crate shows it.
fn receiver_type(cx: &RuleCx<'_>, i: BodyIdx, body: &Body, call: &Call) -> Option<PlaceType> {
    let recv = call.receiver.as_ref()?;
    if recv.segments.as_deref() == Some(&["self".to_string()][..]) {
        return body.self_ty.as_deref().map(|t| TypeText::new(t).into());
    }
    place_type(cx.model, cx.crate_of(i), body.self_ty.as_deref(), recv)
}

/// Live lock guards other than those handed to the call (and other than guards of
/// the same lock as those).
fn other_guards(
    cx: &RuleCx<'_>,
    i: BodyIdx,
    body: &Body,
    live: &[usize],
    handed: &[usize],
) -> Vec<usize> {
    live.iter()
        .copied()
        .filter(|g| !handed.contains(g))
        .filter(|&g| {
            let guard = &body.guards[g];
            // FIXME(condvar-misuse): a `try_lock` guard is reported live in the `else`
            // of `if let Some(g) = m.try_lock()`, where the lock was not taken; until
            // the walker tells the arms apart, `try_lock` guards are left out.
            !is_borrow(guard.kind) && !guard.is_try && is_real_guard(guard, cx.model)
        })
        .filter(|&g| {
            let text = &body.guards[g].lock.text;
            !handed.iter().any(|&h| {
                body.guards[h].lock.text == *text
                    || matches!((cx.lock_of(i, g), cx.lock_of(i, h)), (Some(a), Some(b)) if same_lock(a, b))
            })
        })
        .collect()
}

/// The first wait reached by calling body `k`, with the names of the calls below it.
fn wait_through(
    cx: &RuleCx<'_>,
    waits: &[Option<(Span, String)>],
    k: BodyIdx,
    depth: usize,
) -> Option<(Span, Vec<String>)> {
    if let Some((site, _)) = &waits[k] {
        return Some((*site, Vec::new()));
    }
    if depth >= MAX_DEPTH {
        return None;
    }
    for (_, callee) in cx.callees(k) {
        if callee == k {
            continue;
        }
        if let Some((site, mut chain)) = wait_through(cx, waits, callee, depth + 1) {
            chain.insert(0, cx.callee_name(callee));
            return Some((site, chain));
        }
    }
    None
}

fn direct_finding(body: &Body, ei: usize, call: &Call, no_loop: bool, others: &[usize]) -> Finding {
    let e = &body.events[ei];
    let recv = call.receiver.as_ref().map_or("", |r| r.text.as_str());
    let wait = format!("{recv}{}", call.callee);
    let other_names: Vec<String> = others
        .iter()
        .map(|&g| format!("`{}`", body.guards[g].lock.text))
        .collect();
    let mut labels: Vec<Label> = Vec::new();
    let message;
    let help;
    if no_loop {
        labels.push(label(
            e.span,
            if e.in_fixed_for {
                "waits again without testing the condition or `timed_out()`"
            } else {
                "waits once: nothing re-checks the condition after a wake-up"
            },
        ));
        if let Some(cond) = e.under_if {
            labels.push(label(cond, "the condition is checked only once, here"));
        }
        let held = if other_names.is_empty() {
            String::new()
        } else {
            format!(
                ", and {} stays locked while it sleeps",
                other_names.join(", ")
            )
        };
        message = if e.in_fixed_for {
            format!(
                "`{wait}` is retried by a `for` loop that never re-checks its condition: a spurious wake-up, a timeout and a notification look the same, and the loop runs on{held}"
            )
        } else {
            format!(
                "`{wait}` is not in a loop that re-checks its condition: a spurious or stolen wake-up goes on as if the condition held{held}"
            )
        };
        help = if other_names.is_empty() {
            "use `wait_while` (or `wait_timeout_while`), or call `wait` inside `while !condition { .. }`"
        } else {
            "use `wait_while` (or `wait_timeout_while`) or a `while` loop, and drop the other guards before waiting"
        };
    } else {
        labels.push(label(e.span, "this thread sleeps here"));
        message = format!(
            "`{wait}` sleeps while {} is still locked: the other lock stays held until this thread wakes",
            other_names.join(", ")
        );
        help = "drop the other guards before waiting, or wait on a condition protected by the lock that is already held";
    }
    for &g in others {
        let guard = &body.guards[g];
        labels.push(acquired_label(body, guard));
    }
    META.finding(e.span, message, labels, help)
}

fn caller_finding(
    body: &Body,
    site: Span,
    names: &[String],
    wait: Span,
    others: &[usize],
) -> Finding {
    let chain: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    let held: Vec<String> = others
        .iter()
        .map(|&g| format!("`{}`", body.guards[g].lock.text))
        .collect();
    let mut labels = vec![label(site, format!("calls {}", chain[0]))];
    labels.push(label(wait, "which waits on a condition variable here"));
    for &g in others {
        labels.push(acquired_label(body, &body.guards[g]));
    }
    META.finding(site, format!(
            "{} waits on a condition variable while {} is still locked here: the lock stays held while that thread sleeps",
            chain.join(" → "),
            held.join(", ")
        ), labels, "drop the guard before the call, or have the callee wait on the lock that is already held")
}
