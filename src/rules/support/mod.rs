//! Helpers shared by several rules: which guards count, label wording, and small
//! string utilities.
//!
//! Nothing here looks at syntax; it works on flows, the model and findings.

use crate::flow::{Body, Guard, GuardKind};
use crate::graph::{Hop, LockId};
use crate::model::Model;
use crate::report::finding::{Label, Span};

/// Whether two resolved locks are the same lock: same class, same known object.
pub fn same_lock(a: &LockId, b: &LockId) -> bool {
    a.krate == b.krate && a.class == b.class && a.obj.is_some() && a.obj == b.obj
}

/// Whether a guard is a `RefCell` borrow rather than a lock guard.
pub fn is_borrow(kind: GuardKind) -> bool {
    matches!(kind, GuardKind::Borrow | GuardKind::BorrowMut)
}

/// Labels for each call on a chain: "calls `helper`".
pub fn hop_labels(chain: &[Hop]) -> Vec<Label> {
    chain
        .iter()
        .map(|h| label(h.site, format!("calls `{}`", h.callee)))
        .collect()
}

/// A chain as text for messages: "through `a` → `b`".
pub fn chain_text(chain: &[Hop]) -> String {
    if chain.is_empty() {
        return String::new();
    }
    let names: Vec<String> = chain.iter().map(|h| format!("`{}`", h.callee)).collect();
    format!(" through {}", names.join(" → "))
}

/// Whether a guard really is a lock guard or a `RefCell` borrow: `borrow()` counts only
/// when the receiver is known to be a `RefCell`, from the body or the crate's fields.
pub fn is_real_guard(guard: &Guard, model: &Model) -> bool {
    if guard.confirmed {
        return true;
    }
    match guard.kind {
        GuardKind::Borrow | GuardKind::BorrowMut => guard
            .lock
            .segments
            .as_ref()
            .filter(|s| s.len() >= 2)
            .and_then(|s| s.last())
            .is_some_and(|field| model.is_refcell_field(field)),
        _ => true,
    }
}

/// Whether a guard is held across `.await` and blocking calls in a way the
/// lock-across rules report: a real guard that is not the test-serialisation
/// pattern. `try_lock` guards hold the lock once taken, so they count too.
pub fn is_held_guard(guard: &Guard, model: &Model) -> bool {
    is_real_guard(guard, model) && !guard.serialises_test
}

/// Whether a guard belongs to an async lock: acquired with `.await`, on a local
/// declared with an async lock type, or on a field declared with one in the crate.
pub fn is_async_guard(guard: &Guard, model: &Model) -> bool {
    guard.is_async
        || guard
            .lock
            .segments
            .as_ref()
            .filter(|s| s.len() >= 2)
            .and_then(|s| s.last())
            .is_some_and(|field| model.is_async_lock_field(field))
}

/// Whether the lock's type is known to hand out guards: the local or parameter type
/// the body shows, or the declared type of the field it ends in.
pub fn has_guard_lock_type(guard: &Guard, model: &Model) -> bool {
    const LOCKS: &[&str] = &["Mutex", "RwLock", "RefCell", "ReentrantMutex", "FairMutex"];
    if let Some(ty) = &guard.receiver_ty {
        return LOCKS.contains(&ty.as_str());
    }
    let Some(field) = guard
        .lock
        .segments
        .as_ref()
        .filter(|s| s.len() >= 2)
        .and_then(|s| s.last())
    else {
        return false;
    };
    model.field_types.get(field).is_some_and(|tys| {
        tys.iter()
            .all(|t| !t.contains("Raw") && LOCKS.iter().any(|l| t.contains(&format!("{l}<"))))
    })
}

/// What a guard is, for messages: "`MutexGuard`", "`RwLockReadGuard`", "`RefCell` borrow".
pub fn guard_noun(guard: &Guard) -> &'static str {
    match guard.kind {
        GuardKind::Mutex => "`MutexGuard`",
        GuardKind::Read => "`RwLockReadGuard`",
        GuardKind::Write => "`RwLockWriteGuard`",
        GuardKind::Borrow => "`RefCell` borrow",
        GuardKind::BorrowMut => "`RefCell` mutable borrow",
    }
}

/// The label on an acquisition.
pub fn acquired_label(body: &Body, guard: &Guard) -> Label {
    let _ = body;
    let what = match guard.kind {
        GuardKind::Borrow | GuardKind::BorrowMut => "borrowed here",
        _ => "lock acquired here",
    };
    let message = match &guard.name {
        Some(name) => format!("`{}` {what} as `{name}`", guard.lock.text),
        None => format!("`{}` {what}", guard.lock.text),
    };
    label(guard.acquired, message)
}

/// A label.
pub fn label(span: Span, message: impl Into<String>) -> Label {
    Label {
        span,
        message: message.into(),
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
