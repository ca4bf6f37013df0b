//! `lock-across-await`. Page: rules/lock-across-await.md.

use crate::config::Level;
use crate::report::finding::Finding;
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `lock-across-await` rule.
pub(crate) struct LockAcrossAwait;

static META: RuleMeta = RuleMeta {
    id: "lock-across-await",
    default: Level::Warn,
    doc: include_str!("../../rules/lock-across-await.md"),
};

impl Rule for LockAcrossAwait {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _cx: &RuleCx<'_>, _out: &mut Vec<Finding>) {}
}
