//! `discarded-guard`. Page: rules/discarded-guard.md.

use crate::config::Level;
use crate::report::finding::Finding;
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `discarded-guard` rule.
pub(crate) struct DiscardedGuard;

static META: RuleMeta = RuleMeta {
    id: "discarded-guard",
    default: Level::Warn,
    doc: include_str!("../../rules/discarded-guard.md"),
};

impl Rule for DiscardedGuard {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, _cx: &RuleCx<'_>, _out: &mut Vec<Finding>) {}
}
