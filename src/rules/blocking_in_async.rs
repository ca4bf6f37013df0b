//! `blocking-in-async`: a blocking call made directly inside an `async fn` or block.
//! Page: rules/blocking-in-async.md.

use crate::config::Level;
use crate::report::finding::{Finding, Severity};
use crate::rules::support::label;
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `blocking-in-async` rule.
pub(crate) struct BlockingInAsync;

static META: RuleMeta = RuleMeta {
    id: "blocking-in-async",
    default: Level::Warn,
    doc: include_str!("../../rules/blocking-in-async.md"),
};

impl Rule for BlockingInAsync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        // Tests drive servers on other threads with blocking clients by design.
        for (_, body) in cx.bodies().filter(|(_, b)| b.is_async && !b.in_test) {
            for event in &body.events {
                let Some(why) = event.call().and_then(|c| c.blocking.as_ref()) else {
                    continue;
                };
                out.push(Finding {
                    rule: META.id,
                    severity: Severity::Warn,
                    primary: event.span,
                    message: format!("blocking call in async code: {why}"),
                    labels: vec![label(event.span, "blocks the executor thread")],
                    help: "use the async equivalent, or run it in `tokio::task::spawn_blocking` / `block_in_place`".into(),
                });
            }
        }
    }
}
