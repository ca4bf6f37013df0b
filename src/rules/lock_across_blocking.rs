//! `lock-across-blocking`: a guard alive across a blocking call.
//! Page: rules/lock-across-blocking.md.

use crate::flow::{Body, Call, GuardId, SelfKind};
use crate::graph::{BodyIdx, BodyRef};
use crate::report::finding::{Finding, Label, Span};
use crate::rules::support::{
    acquired_label, blocking_text, chain_text, guard_noun, handed_to_wait, hop_labels, is_borrow,
    is_held_guard, label, self_name,
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
                let mut calls = Blocked::default();
                for (ei, e) in body.events.iter().enumerate() {
                    if !e.live().contains(&g) {
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
                    if call.callee.method() == Some("join") && handed_to_wait(&body.events[..ei], g)
                    {
                        continue;
                    }
                    if let Some(blocking) = &call.blocking {
                        calls.call(e.span, blocking_text(blocking));
                        continue;
                    }
                    // A helper of the crate that blocks, at any depth of calls.
                    if let Some(bl) = cx.blocks_through(i, ei).into_iter().next() {
                        let what = blocking_text(&bl.call);
                        calls.call(e.span, format!("{what}{}", chain_text(&bl.chain)));
                        calls.labels.extend(hop_labels(&bl.chain[1..]));
                        calls.labels.push(label(bl.site, format!("{what} here")));
                    }
                }
                if let Some(first) = calls.first.take() {
                    out.push(finding(body, g, calls.n, first, calls.labels));
                }
            }
        }
    }
}

/// The blocking calls made while one guard is held, with the labels that show them.
#[derive(Default)]
struct Blocked {
    /// How many blocking calls: direct ones, and calls of the crate that block.
    n: usize,
    /// The first of them as the message names it (`` `fs::read` reads a file``,
    /// with the chain of calls to it).
    first: Option<String>,
    /// Each call while the lock is held, with the hops and the site of a blocking
    /// call reached through the crate's functions.
    labels: Vec<Label>,
}

impl Blocked {
    /// One blocking call at `site`, named `what`.
    fn call(&mut self, site: Span, what: String) {
        self.n += 1;
        self.labels
            .push(label(site, format!("{what} while the lock is held")));
        self.first.get_or_insert(what);
    }
}

/// A channel receive: the one thing a work queue's shared receiver is for.
fn is_receive(call: &Call) -> bool {
    matches!(
        call.callee.method(),
        Some("recv" | "recv_timeout" | "recv_deadline")
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

/// The finding for guard `g`, held across `n` blocking calls, the first named
/// `what`, with the labels of the calls.
fn finding(body: &Body, g: GuardId, n: usize, what: String, calls: Vec<Label>) -> Finding {
    let guard = &body.guards[g];
    let mut labels = vec![acquired_label(body, guard)];
    labels.extend(calls);
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
