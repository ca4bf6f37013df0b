//! `lock-across-blocking`: a guard alive across a blocking call.
//! Page: rules/lock-across-blocking.md.

use crate::flow::{Body, Call, GuardId, SelfKind};
use crate::graph::{BodyIdx, BodyRef};
use crate::report::finding::{Finding, Label};
use crate::rules::support::{
    acquired_label, chain_text, guard_noun, handed_to_wait, hop_labels, is_borrow, is_held_guard,
    label, self_name,
};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `lock-across-blocking` rule.
    LockAcrossBlocking,
    "lock-across-blocking",
    Warn
}

impl Rule for LockAcrossBlocking {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        // Tests orchestrate threads under locks on purpose (barriers, joins, timed
        // sleeps); only non-test code is checked.
        for BodyRef { idx: i, body, .. } in cx.bodies().filter(|b| !b.body.in_test) {
            for (g, guard) in body.guards.iter().enumerate() {
                // A `RefCell` borrow is single-threaded: no other thread waits on it.
                if is_borrow(guard.kind)
                    || !is_held_guard(guard, cx.model)
                    || is_exclusive(cx, i, body, g)
                {
                    continue;
                }
                let mut calls: Vec<Label> = Vec::new();
                for (ei, e) in body.events.iter().enumerate() {
                    if !e.live.contains(&g) {
                        continue;
                    }
                    let Some(call) = e.call() else { continue };
                    // Receiving on the guarded receiver itself (`rx.lock().unwrap().recv()`
                    // on a `Mutex<Receiver>` work queue) is what the lock serialises:
                    // whoever waits for the lock wants that very receiver. Other blocking
                    // calls on the guarded value keep its other uses out (`kill` on a
                    // `Mutex<Child>` being waited on, a write on a socket being read).
                    if call.on_guard == Some(g) && call.on_guard_value && is_receive(call) {
                        continue;
                    }
                    // Joining the thread a condition-variable wait on this very guard
                    // has heard from (`while !st.done { st = cv.wait(st)? } h.join()`) is
                    // the end of a shutdown handshake: the other thread announced under
                    // this lock that it is finishing, and the join waits for its exit.
                    if call.callee == ".join" && handed_to_wait(&body.events[..ei], g) {
                        continue;
                    }
                    if let Some(why) = &call.blocking {
                        calls.push(label(e.span, format!("{why} while the lock is held")));
                        continue;
                    }
                    // A helper of the crate that blocks, at any depth of calls.
                    if let Some(bl) = cx.blocks_through(i, ei).into_iter().next() {
                        calls.push(label(
                            e.span,
                            format!("{}{} while the lock is held", bl.why, chain_text(&bl.chain)),
                        ));
                        calls.extend(hop_labels(&bl.chain[1..]));
                        calls.push(label(bl.site, format!("{} here", bl.why)));
                    }
                }
                if !calls.is_empty() {
                    out.push(finding(body, g, calls));
                }
            }
        }
    }
}

/// A channel receive: the one thing a work queue's shared receiver is for.
fn is_receive(call: &Call) -> bool {
    matches!(
        call.callee.as_str(),
        ".recv" | ".recv_timeout" | ".recv_deadline"
    )
}

/// A lock no other thread can reach while this method runs: a lock field owned
/// inline by `self` (every hop a plain field, the last a `Mutex`/`RwLock` itself, not
/// an `Arc`, a reference or a pointer to one) in a method that takes `&mut self`.
/// Unknown field types count as shared, and so does a `self` taken by value, which
/// may be written `self: Arc<Self>`.
fn is_exclusive(cx: &RuleCx<'_>, i: BodyIdx, body: &Body, g: GuardId) -> bool {
    if body.self_kind != Some(SelfKind::RefMut) {
        return false;
    }
    let Some(segs) = body.guards[g].lock.segments.as_deref() else {
        return false;
    };
    let Some(("self", fields)) = segs.split_first().map(|(f, r)| (f.as_str(), r)) else {
        return false;
    };
    let Some(mut owner) = self_name(body) else {
        return false;
    };
    let krate = cx.crate_of(i);
    for (n, field) in fields.iter().enumerate() {
        let Some(tree) = cx.model.field_tree(krate, &owner, field) else {
            return false;
        };
        if n + 1 == fields.len() {
            return tree.is_lock();
        }
        // An inline struct (or a `Box` of one) is still owned by `self`.
        let inner = tree.strip(&["Box"]);
        if !inner.is_named() || ["Arc", "Rc", "Weak"].contains(&inner.head.as_str()) {
            return false;
        }
        owner = inner.head.clone();
    }
    false
}

fn finding(body: &Body, g: GuardId, calls: Vec<Label>) -> Finding {
    let guard = &body.guards[g];
    let first = calls[0].message.clone();
    let mut labels = vec![acquired_label(body, guard)];
    let n = calls
        .iter()
        .filter(|l| l.message.ends_with(" while the lock is held"))
        .count();
    labels.extend(calls);
    let what = first
        .split(" while the lock is held")
        .next()
        .unwrap_or_default()
        .to_string();
    META.finding(guard.acquired, if n == 1 {
            format!(
                "{} on `{}` held across a blocking call: {what}",
                guard_noun(guard),
                guard.lock.text
            )
        } else {
            format!(
                "{} on `{}` held across {n} blocking calls",
                guard_noun(guard),
                guard.lock.text
            )
        }, labels, "copy what you need out of the guard and drop it before blocking, or move the blocking work out of the critical section")
}
