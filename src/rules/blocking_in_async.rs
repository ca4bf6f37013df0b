//! `blocking-in-async`. Page: rules/blocking-in-async.md.

use crate::config::Level;
use crate::report::finding::Finding;
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

    fn check(&self, _cx: &RuleCx<'_>, _out: &mut Vec<Finding>) {}
}
