//! The rule registry: `declare_rule!`, with which each rule declares its metadata, the
//! [`Rule`] trait, and [`ALL`], the one hand-kept list of rules in the order of the
//! README's rule table.
//!
//! Rules read the model and the bodies' flows and graph through [`Analysis`]; they
//! never parse or walk syntax themselves, nor index the graph's tables.

pub mod support;

mod blocking_in_async;
mod check_then_act;
mod condvar_misuse;
mod declared_lock_order;
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

use crate::graph::Analysis;
use crate::report::finding::Finding;

pub use crate::report::finding::RuleMeta;

pub(crate) use lock_order_inversion::can_meet_another;

/// Declares a rule: its unit struct, its [`RuleMeta`] (as `META`, for the rule's
/// findings: `META.finding(..)`) and the [`Declared`] impl that hands it out.
///
/// ```ignore
/// declare_rule! {
///     /// The `double-lock` rule.
///     DoubleLock, "double-lock", Deny
/// }
/// ```
///
/// The id names the page, `rules/<id>.md`, which is embedded (from the package root,
/// so that a rule may be a file `src/rules/<id>.rs` or a folder); the level is the one the
/// rule runs at unless configured (`Allow` for a rule that is off by default). The
/// rule then implements [`Rule`] with its `check`.
macro_rules! declare_rule {
    ($(#[$attr:meta])* $name:ident, $id:literal, $default:ident) => {
        $(#[$attr])*
        pub(crate) struct $name;

        static META: $crate::rules::RuleMeta = $crate::rules::RuleMeta {
            id: $id,
            default: $crate::report::finding::Level::$default,
            doc: include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/rules/", $id, ".md")),
            page: concat!("rules/", $id, ".md"),
        };

        impl $crate::rules::Declared for $name {
            fn meta(&self) -> &'static $crate::rules::RuleMeta {
                &META
            }
        }
    };
}
pub(crate) use declare_rule;

/// What a rule gets to look at: the analysis of the run ([`Analysis`]), whose
/// queries are the only way to the graph (its bodies, locks, calls and summaries).
pub type RuleCx<'a> = Analysis<'a>;

/// What `declare_rule!` implements for a rule: its metadata.
pub trait Declared {
    /// Its metadata.
    fn meta(&self) -> &'static RuleMeta;
}

/// A rule. The findings it pushes are built with its metadata (`META.finding(..)`),
/// so the rule chooses no severity: the run sets the configured one.
pub trait Rule: Declared + Sync {
    /// Pushes every finding of this rule.
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>);
}

/// Every rule, in the order of the README's rule table.
pub const ALL: &[&dyn Rule] = &[
    &lock_across_await::LockAcrossAwait,
    &lock_across_blocking::LockAcrossBlocking,
    &lock_across_callback::LockAcrossCallback,
    &double_lock::DoubleLock,
    &lock_order_inversion::LockOrderInversion,
    &declared_lock_order::DeclaredLockOrder,
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
