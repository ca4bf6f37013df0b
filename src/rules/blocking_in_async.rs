//! `blocking-in-async`: a blocking call made directly inside an `async fn` or block.
//! Page: rules/blocking-in-async.md.

use crate::graph::BodyRef;
use crate::report::finding::Finding;
use crate::rules::support::{blocking_text, label};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `blocking-in-async` rule.
    BlockingInAsync,
    "blocking-in-async",
    Warn
}

impl Rule for BlockingInAsync {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        // Tests drive servers on other threads with blocking clients by design.
        for BodyRef { body, .. } in cx.bodies().filter(|b| b.body.is_async && !b.body.in_test) {
            for event in &body.events {
                let Some(blocking) = event.call().and_then(|c| c.blocking.as_ref()) else {
                    continue;
                };
                let what = blocking_text(blocking);
                out.push(META.finding(event.span, format!("blocking call in async code: {what}"), vec![label(event.span, "blocks the executor thread")], "use the async equivalent, or run it in `tokio::task::spawn_blocking` / `block_in_place`"));
            }
        }
    }
}
