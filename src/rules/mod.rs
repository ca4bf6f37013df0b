//! The rule registry: the [`Rule`] trait, each rule's metadata, and [`ALL`], the one
//! hand-kept list of rules in the order of DESIGN.md's table.
//!
//! Rules read the flows and the model; they never parse or walk syntax themselves.

pub mod support;

mod blocking_in_async;
mod check_then_act;
mod condvar_misuse;
mod discarded_guard;
mod double_lock;
mod exposed_guard;
mod global_mutable_state;
mod lock_across_await;
mod lock_across_blocking;
mod lock_across_callback;
mod lock_order_inversion;
mod pub_collection_field;
mod split_atomic_update;
mod test_shared_state;
mod unsafe_send_sync;

use crate::config::Level;
use crate::flow::{Body, FileFlows};
use crate::graph::{BodyIdx, Graph};
use crate::model::Model;
use crate::report::finding::{FileId, Finding};
use crate::source::SourceMap;

/// What every rule declares about itself.
#[derive(Debug)]
pub struct RuleMeta {
    /// The stable, kebab-case id (`lock-across-await`).
    pub id: &'static str,
    /// The level it runs at unless configured.
    pub default: Level,
    /// The rule page, `rules/<id>.md`.
    pub doc: &'static str,
}

impl RuleMeta {
    /// The first sentence of the page's "What it flags" section.
    pub fn summary(&self) -> String {
        let section = self
            .doc
            .split("## What it flags")
            .nth(1)
            .unwrap_or_default()
            .trim_start();
        let paragraph = section.split("\n\n").next().unwrap_or_default();
        let joined = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        match joined.find(". ") {
            Some(i) => joined[..i].to_string(),
            None => joined.trim_end_matches('.').to_string(),
        }
    }
}

/// What a rule gets to look at.
pub struct RuleCx<'a> {
    /// Every file's text.
    pub sources: &'a SourceMap,
    /// Every analysed file's flows.
    pub flows: &'a [(FileId, FileFlows)],
    /// The crate-wide model.
    pub model: &'a Model,
    /// Lock identities, call resolution, summaries and the lock-order graph.
    pub graph: &'a Graph,
}

impl RuleCx<'_> {
    /// Every body in the run, with its file.
    pub fn bodies(&self) -> impl Iterator<Item = (FileId, &Body)> {
        self.flows
            .iter()
            .flat_map(|(f, flows)| flows.bodies.iter().map(move |b| (*f, b)))
    }

    /// Every body in the run with its index in the graph.
    pub fn indexed_bodies(&self) -> impl Iterator<Item = (BodyIdx, &Body)> {
        (0..self.graph.bodies.len()).map(move |i| (i, self.graph.body(self.flows, i)))
    }
}

/// A rule. Findings it pushes get their severity from the run's configuration.
pub trait Rule: Sync {
    /// Its metadata.
    fn meta(&self) -> &'static RuleMeta;
    /// Pushes every finding of this rule.
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>);
}

/// Every rule, in the order of DESIGN.md's table.
pub const ALL: &[&dyn Rule] = &[
    &lock_across_await::LockAcrossAwait,
    &lock_across_blocking::LockAcrossBlocking,
    &lock_across_callback::LockAcrossCallback,
    &double_lock::DoubleLock,
    &lock_order_inversion::LockOrderInversion,
    &check_then_act::CheckThenAct,
    &split_atomic_update::SplitAtomicUpdate,
    &pub_collection_field::PubCollectionField,
    &exposed_guard::ExposedGuard,
    &discarded_guard::DiscardedGuard,
    &blocking_in_async::BlockingInAsync,
    &global_mutable_state::GlobalMutableState,
    &test_shared_state::TestSharedState,
    &condvar_misuse::CondvarMisuse,
    &unsafe_send_sync::UnsafeSendSync,
];

/// The rule with this id.
pub fn lookup(id: &str) -> Option<&'static dyn Rule> {
    ALL.iter().copied().find(|r| r.meta().id == id)
}

/// The known id closest to `id`, for "did you mean" hints.
pub fn closest(id: &str) -> Option<&'static str> {
    crate::config::closest(id, ALL.iter().map(|r| r.meta().id))
}
