//! `lock-across-await`: a synchronous guard alive across `.await`.
//! Page: rules/lock-across-await.md.

use crate::flow::{Body, EventKind, GuardId};
use crate::graph::BodyRef;
use crate::report::finding::Finding;
use crate::rules::support::{acquired_label, guard_noun, is_async_guard, is_held_guard, label};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `lock-across-await` rule.
    LockAcrossAwait,
    "lock-across-await",
    Warn
}

impl Rule for LockAcrossAwait {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        for BodyRef { idx: i, body, .. } in cx.bodies().filter(|b| b.body.is_async) {
            for (g, guard) in body.guards.iter().enumerate() {
                if is_async_guard(guard, cx.model) || !is_held_guard(guard, cx.model) {
                    continue;
                }
                let mut awaits = Vec::new();
                let mut inner = Vec::new();
                for e in &body.events {
                    let EventKind::Await { awaited } = e.kind else {
                        continue;
                    };
                    if !e.live().contains(&g) {
                        continue;
                    }
                    awaits.push(e.span);
                    // `self.helper().await`: name where the helper itself waits.
                    if let Some(k) = awaited.and_then(|p| cx.callee(i, p)) {
                        if let Some(site) = cx.summary(k).first_await {
                            let name = cx.callee_name(k);
                            inner.push(label(
                                site,
                                format!("`{name}` awaits here while the caller holds the lock"),
                            ));
                        }
                    }
                }
                if !awaits.is_empty() {
                    let mut f = finding(body, g, &awaits);
                    f.labels.extend(inner);
                    out.push(f);
                }
            }
        }
    }
}

fn finding(body: &Body, g: GuardId, awaits: &[crate::report::finding::Span]) -> Finding {
    let guard = &body.guards[g];
    let mut labels = vec![acquired_label(body, guard)];
    labels.extend(
        awaits
            .iter()
            .map(|&s| label(s, "still held at this `.await`")),
    );
    let n = awaits.len();
    META.finding(guard.acquired, format!(
            "{} on `{}` held across {}",
            guard_noun(guard),
            guard.lock.text,
            if n == 1 {
                "an `.await`".to_string()
            } else {
                format!("{n} `.await` points")
            }
        ), labels, "end the guard's scope or `drop` it before the `.await`, or use an async lock such as `tokio::sync::Mutex`")
}
