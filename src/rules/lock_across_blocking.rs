//! `lock-across-blocking`. Page: rules/lock-across-blocking.md.

use crate::config::Level;
use crate::report::finding::Finding;
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

    fn check(&self, _cx: &RuleCx<'_>, _out: &mut Vec<Finding>) {}
}
