//! `lock-across-blocking`: a guard alive across a blocking call.
//! Page: rules/lock-across-blocking.md.

use crate::config::Level;
use crate::flow::{Body, GuardId, GuardKind};
use crate::report::finding::{Finding, Label, Severity};
use crate::rules::support::{
    acquired_label, chain_text, guard_noun, hop_labels, is_held_guard, label,
};
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `lock-across-blocking` rule.
pub(crate) struct LockAcrossBlocking;

static META: RuleMeta = RuleMeta {
    id: "lock-across-blocking",
    default: Level::Warn,
    doc: include_str!("../../rules/lock-across-blocking.md"),
};

impl Rule for LockAcrossBlocking {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        // Tests orchestrate threads under locks on purpose (barriers, joins, timed
        // sleeps); only non-test code is checked.
        for (i, body) in cx.indexed_bodies().filter(|(_, b)| !b.in_test) {
            for (g, guard) in body.guards.iter().enumerate() {
                // A `RefCell` borrow is single-threaded: no other thread waits on it.
                let is_borrow = matches!(guard.kind, GuardKind::Borrow | GuardKind::BorrowMut);
                if is_borrow || !is_held_guard(guard, cx.model) {
                    continue;
                }
                let mut calls: Vec<Label> = Vec::new();
                for (ei, e) in body.events.iter().enumerate() {
                    if !e.live.contains(&g) {
                        continue;
                    }
                    let Some(call) = e.call() else { continue };
                    if let Some(why) = &call.blocking {
                        calls.push(label(e.span, format!("{why} while the lock is held")));
                        continue;
                    }
                    // A helper of the crate that blocks, at any depth of calls.
                    if let Some(bl) = cx.graph.blocks_through(cx.flows, i, ei).into_iter().next() {
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
    Finding {
        rule: META.id,
        severity: Severity::Warn,
        primary: guard.acquired,
        message: if n == 1 {
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
        },
        labels,
        help: "copy what you need out of the guard and drop it before blocking, or move the blocking work out of the critical section".into(),
    }
}
