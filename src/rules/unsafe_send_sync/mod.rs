//! `unsafe-send-sync`: an `unsafe impl Send` or `unsafe impl Sync` that promises
//! more than the type keeps. A generic type is judged by what it does with each
//! type parameter, against the bounds the impl states: a type that holds a `T` is
//! `Send` only when `T: Send`; a type whose `&self` API hands out `&T` is `Sync`
//! only when `T: Sync`, and one that hands out or takes in a `T` through `&self`
//! only when `T: Send`. Concrete fields are judged by kind: an `Rc` is never
//! sendable, and a `Cell` or `RefCell` outside a lock cannot be shared.
//! Page: rules/unsafe-send-sync.md.
//!
//! Reads the crate model only (`model::api`: types, fields, impl blocks, method
//! signatures, traits and modules); it never looks at method bodies.
//!
//! The rule reads top-down: the declaration, `check`, the judgement of one impl and
//! the finding first; then the files of its concerns: the index of the
//! declarations (`index.rs`), what each parameter is held as and needs
//! (`params.rs`), what the API hands out (`api.rs`), the primitives and the
//! auto-trait rules of concrete fields (`primitives.rs`), the impl's bounds
//! (`bounds.rs`) and how an impl leaks through its holders (`holders.rs`).

mod api;
mod bounds;
mod holders;
mod index;
mod params;
mod primitives;

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::api::{ApiImpl, ApiTrait, ApiType, FileApi, Receiver, UseKind, Vis};
use crate::model::known;
use crate::model::types::{bound_names, is_atomic_name, mentions_word};
use crate::model::CrateId;
use crate::model::TypeTree;
use crate::report::finding::{Finding, Label, Span};
use crate::rules::support::label;
use crate::rules::{declare_rule, Rule, RuleCx};

use self::bounds::{bound_names_of, trait_of, Req, PLAIN_TRAITS, READING_TRAITS};
use self::index::{full_module, Index, Leak, Reach};
use self::primitives::SHIELDS;

declare_rule! {
    /// The `unsafe-send-sync` rule.
    UnsafeSendSync,
    "unsafe-send-sync",
    Deny
}

impl Rule for UnsafeSendSync {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        let crates: FxHashSet<CrateId> = cx
            .model
            .api
            .iter()
            .filter(|(_, _, f)| f.impls.iter().any(is_thread_impl))
            .map(|(k, _, _)| *k)
            .collect();
        if crates.is_empty() {
            return;
        }
        let ix = Index::build(&cx.model.api, &crates);
        for (krate, module, file) in &cx.model.api {
            for imp in file.impls.iter().filter(|i| is_thread_impl(i)) {
                if let Some(f) = ix.judge(*krate, module, imp) {
                    out.push(f);
                }
            }
        }
    }
}

impl<'a> Index<'a> {
    /// The judgement of one thread impl: its finding, if the type keeps less than
    /// the impl promises.
    pub(super) fn judge(
        &self,
        krate: CrateId,
        file_module: &[String],
        imp: &ApiImpl,
    ) -> Option<Finding> {
        // A target without atomics has no threads.
        if imp
            .cfgs
            .iter()
            .any(|c| c.contains("not(target_feature=\"atomics\")"))
        {
            return None;
        }
        let at = full_module(file_module, &imp.module);
        let t = self.resolve(
            krate,
            &imp.self_name,
            &imp.self_prefix,
            &at,
            Some(imp.span.file),
        )?;
        let is_send = imp.trait_name.as_deref() == Some("Send");
        let mut problems = self.concrete_problems(t, is_send);
        let trait_name = if is_send { "Send" } else { "Sync" };
        let leak = if self.is_reachable(t) {
            Leak {
                reach: Reach::Direct,
                open: vec![true; self.types[t].decl.generics.len()],
                marked: vec![Req::None; self.types[t].decl.generics.len()],
            }
        } else {
            self.leaks(t, trait_name, 0, &mut vec![t])
        };
        let reach = leak.reach;
        if reach != Reach::No {
            // Through a holder that asks for both impls, the other impl's bounds
            // count as well.
            let other =
                (reach == Reach::Shared)
                    .then(|| {
                        let other_name = if is_send { "Sync" } else { "Send" };
                        self.impls.get(&t).into_iter().flatten().copied().find(|i| {
                            is_thread_impl(i) && i.trait_name.as_deref() == Some(other_name)
                        })
                    })
                    .flatten();
            problems.extend(self.param_problems(t, imp, other, &leak, is_send));
        }
        finding(imp, problems)
    }
}

/// An `unsafe impl Send` or `unsafe impl Sync`.
pub(super) fn is_thread_impl(imp: &ApiImpl) -> bool {
    imp.is_unsafe && matches!(imp.trait_name.as_deref(), Some("Send" | "Sync"))
}

/// One reason the impl is wrong, at a field or method.
pub(super) struct Problem {
    pub(super) at: Label,
    pub(super) summary: String,
}

/// The finding for an impl and the reasons it is wrong, the first in the message.
pub(super) fn finding(imp: &ApiImpl, problems: Vec<Problem>) -> Option<Finding> {
    let first = problems.first()?;
    let trait_name = imp.trait_name.as_deref().unwrap_or("Send");
    let more = match problems.len() {
        1 => String::new(),
        2 => " (and 1 more reason)".to_string(),
        n => format!(" (and {} more reasons)", n - 1),
    };
    let message = format!(
        "`unsafe impl {trait_name} for {}` promises more than the type keeps: {}{more}",
        imp.self_ty, first.summary
    );
    let mut labels = vec![label(imp.span, format!("`{trait_name}` promised here"))];
    labels.extend(problems.into_iter().map(|p| p.at));
    let help = if trait_name == "Send" {
        "bound each type parameter the type holds by `Send` (by `Sync` for one it only borrows), replace `Rc` with `Arc`, or keep the type on one thread".to_string()
    } else {
        "bound each type parameter by `Sync` when `&self` hands out `&T` and by `Send` when it hands out or takes in `T`, put cells behind a `Mutex`, or remove the impl".to_string()
    };
    Some(META.finding(imp.span, message, labels, help))
}
