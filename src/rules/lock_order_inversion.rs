//! `lock-order-inversion`: locks taken in inconsistent orders anywhere in the crate,
//! and the same lock of two instances nested with no order.
//! Page: rules/lock-order-inversion.md.

use crate::flow::{EventKind, GuardKind, SelfKind};
use std::borrow::Cow;

use crate::graph::{BodyIdx, BodyRef, CycleClass, LockClass, LockId, OrderEdge};
use crate::model::CrateId;
use crate::report::finding::Finding;
use crate::report::finding::Span;
use crate::rules::support::{
    acquired_label, chain_text, hop_labels, is_borrow, is_private_local_lock, label, self_name,
};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `lock-order-inversion` rule.
    LockOrderInversion,
    "lock-order-inversion",
    Deny
}

impl Rule for LockOrderInversion {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        // Orders that happen only while a thread has `&mut` access to the value
        // owning both locks cannot interleave with any other order on them.
        // A lock private to one call of its function (a local built there and never
        // handed on) is reached by no other thread: no order on it can meet another.
        let keep = |e: &OrderEdge| can_meet_another(cx, e);
        for class in cx.cycle_classes(&keep) {
            if let Some(f) = class_finding(cx, &class) {
                out.push(f);
            }
        }
        unordered_instances(cx, out);
    }
}

/// Whether an order takes part in the search for cycles: it is not taken only under
/// exclusive access ([`is_exclusive`]) nor on a lock private to one call
/// ([`on_private_local`]), so another thread's order can meet it. The lock map
/// (`--lock-graph`) draws the others apart.
pub(crate) fn can_meet_another(cx: &RuleCx<'_>, e: &OrderEdge) -> bool {
    !is_exclusive(cx, e) && !on_private_local(cx, e)
}

/// Whether an order is taken only under exclusive access: its holder is a
/// `&mut self` method and both locks are fields of that `self` itself, held by value
/// (`Mutex<T>`, `RwLock<T>`, in every declaration of the field). While the method
/// runs, no other thread can reach those locks through that value, so the order
/// cannot meet another order on them. A lock behind `Arc`, a reference or any other
/// wrapper may be shared with clones held elsewhere, and is not exclusive.
fn is_exclusive(cx: &RuleCx<'_>, e: &OrderEdge) -> bool {
    // The cheap test first: most orders involve a lock that is not a field of `self`.
    let on_self = |id: &LockId| {
        id.obj
            .as_deref()
            .is_some_and(|o| o.len() == 1 && o[0] == "self")
    };
    if !on_self(&e.from) || !on_self(&e.to) {
        return false;
    }
    let holder = cx.body(e.holder);
    if !has_self_exclusively(cx, e.holder, 0) {
        return false;
    }
    let Some(owner) = self_name(holder) else {
        return false;
    };
    let by_value_field = |id: &LockId| {
        let LockClass::Field {
            owner: class_owner,
            field,
        } = &id.class
        else {
            return false;
        };
        *class_owner == owner && !field.contains('.') && held_by_value(cx, id.krate, &owner, field)
    };
    by_value_field(&e.from) && by_value_field(&e.to)
}

/// Whether either lock of an order is a private local of the function holding the
/// first (`let m = Mutex::new(..)` that the function never hands on): each call has
/// its own, so no other thread can hold it.
fn on_private_local(cx: &RuleCx<'_>, e: &OrderEdge) -> bool {
    let is_local = |id: &LockId| matches!(id.class, LockClass::Local { .. });
    if !is_local(&e.from) && !is_local(&e.to) {
        return false;
    }
    let body = cx.body(e.holder);
    let private_at = |site: Span| {
        body.guards
            .iter()
            .filter(|g| g.acquired == site)
            .any(|g| is_private_local_lock(cx, e.holder, body, g))
    };
    (is_local(&e.from) && private_at(e.held_site))
        || (is_local(&e.to) && e.chain.is_empty() && private_at(e.taken_site))
}

/// Deepest chain of `&self` callers followed up to a `&mut self` method.
const MAX_EXCLUSIVE_DEPTH: usize = 4;

/// Whether body `b` runs only while its thread has `self` to itself: a method taking
/// `&mut self` or `self`, or a `&self` method private to the crate (not `pub`, not
/// a trait method, so every call to it is in view) that is called, and only called,
/// as `self.method()` from methods that have `self` to themselves.
fn has_self_exclusively(cx: &RuleCx<'_>, b: BodyIdx, depth: usize) -> bool {
    let body = cx.body(b);
    match body.self_kind {
        Some(SelfKind::RefMut | SelfKind::Value) => return true,
        Some(SelfKind::Ref) => {}
        None => return false,
    }
    let private =
        (!body.is_pub || body.is_pub_restricted) && !body.is_exported && body.trait_name.is_none();
    let callers = cx.callers(b);
    if !private || callers.is_empty() || depth >= MAX_EXCLUSIVE_DEPTH {
        return false;
    }
    callers.iter().all(|&(c, ei)| {
        let caller = cx.body(c);
        let on_self = caller.events[ei].call().is_some_and(|call| {
            call.callee.is_method()
                && call
                    .receiver
                    .as_ref()
                    .and_then(|r| r.segments.as_deref())
                    .is_some_and(|s| s.len() == 1 && s[0] == "self")
        });
        on_self && has_self_exclusively(cx, c, depth + 1)
    })
}

/// Whether every declaration of `owner.field` in the crate is a lock type itself,
/// not a wrapper around one.
fn held_by_value(cx: &RuleCx<'_>, krate: CrateId, owner: &str, field: &str) -> bool {
    let Some(decls) = cx.model.fields.get(&(krate, owner.to_string())) else {
        return false;
    };
    let mut tys = decls
        .iter()
        .map(|&i| &cx.model.field_decls[i as usize].1)
        .filter(|f| f.name == field)
        .peekable();
    tys.peek().is_some() && tys.all(|f| f.type_tree().is_lock())
}

/// Most labels on one finding: a dense set of locks is one finding, and its first
/// cycles are enough to show the orders to fix.
const MAX_LABELS: usize = 64;

/// Most orders spelled out in one message.
const MAX_STEPS: usize = 12;

/// Most lock names listed in one message.
const MAX_NAMES: usize = 8;

/// One finding per strongly connected set of locks, labelled at every acquisition
/// and call on the cycles reported for it. A set that is one simple cycle reads as
/// that cycle.
fn class_finding(cx: &RuleCx<'_>, class: &CycleClass<'_>) -> Option<Finding> {
    let first = *class.cycles.first()?.first()?;
    let mut labels = Vec::new();
    let mut steps = Vec::new();
    let mut shown: Vec<&OrderEdge> = Vec::new();
    for e in class.cycles.iter().flatten() {
        if shown.iter().any(|s| std::ptr::eq(*s, *e)) {
            continue;
        }
        shown.push(e);
        let holder = cx.callee_name(e.holder);
        if labels.len() < MAX_LABELS {
            labels.push(label(
                e.held_site,
                format!("`{}` acquired here, in `{holder}`", e.from.name()),
            ));
            labels.extend(hop_labels(&e.chain));
            labels.push(label(
                e.taken_site,
                format!(
                    "`{}` acquired while `{}` is held",
                    e.to.name(),
                    e.from.name()
                ),
            ));
        }
        if steps.len() < MAX_STEPS {
            steps.push(format!(
                "`{}` then `{}` in `{holder}`{}",
                e.from.name(),
                e.to.name(),
                chain_text(&e.chain)
            ));
        }
    }
    labels.truncate(MAX_LABELS);
    let simple =
        class.cycles.len() == 1 && class.locks.len() == shown.len() && class.orders == shown.len();
    let message = if simple {
        let cycle = &class.cycles[0];
        let names: Vec<Cow<str>> = cycle.iter().map(|e| e.from.name()).collect();
        if cycle.len() == 2 {
            format!(
                "lock order inversion between `{}` and `{}`: {}",
                names[0],
                names[1],
                steps.join("; ")
            )
        } else {
            format!(
                "lock order cycle `{}` → `{}`: {}",
                names.join("` → `"),
                names[0],
                steps.join("; ")
            )
        }
    } else {
        let mut names: Vec<String> = class
            .locks
            .iter()
            .take(MAX_NAMES)
            .map(|l| format!("`{}`", l.name()))
            .collect();
        if class.locks.len() > MAX_NAMES {
            names.push(format!("{} more", class.locks.len() - MAX_NAMES));
        }
        let untold = class.orders.saturating_sub(steps.len());
        let rest = if untold > 0 {
            format!("; and {untold} more orders between them")
        } else {
            String::new()
        };
        format!(
            "lock order cycles among {} locks ({}): {}{rest}",
            class.locks.len(),
            names.join(", "),
            steps.join("; ")
        )
    };
    Some(META.finding(first.taken_site, message, labels, "pick one order for these locks and take them in that order everywhere (or take them through one function that does)"))
}

/// `a.m` then `b.m`: the same lock of two instances, nested. Two threads doing it
/// with the instances swapped deadlock.
fn unordered_instances(cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
    for BodyRef { idx: i, body, .. } in cx.bodies() {
        for e in &body.events {
            let EventKind::Acquire(g) = e.kind else {
                continue;
            };
            let guard = &body.guards[g];
            if guard.is_try || is_borrow(guard.kind) {
                continue;
            }
            let Some(id) = cx.lock_of(i, g) else { continue };
            for &h in e.live() {
                let held = &body.guards[h];
                let Some(held_id) = cx.lock_of(i, h) else {
                    continue;
                };
                let both_read = held.kind == GuardKind::Read && guard.kind == GuardKind::Read;
                let distinct_roots = match (&held_id.obj, &id.obj) {
                    (Some(a), Some(b)) => {
                        a.len() == 1 && b.len() == 1 && a != b && a[0] != "static"
                    }
                    _ => false,
                };
                if held_id.class != id.class || !distinct_roots || both_read || is_borrow(held.kind)
                {
                    continue;
                }
                out.push(META.finding(guard.acquired, format!(
                        "`{}` of two instances nested with no order (`{}` then `{}`): two threads doing this with the instances swapped deadlock",
                        id.name(),
                        held.lock.text,
                        guard.lock.text
                    ), vec![
                        acquired_label(body, held),
                        label(guard.acquired, format!("`{}` acquired while `{}` is held", guard.lock.text, held.lock.text)),
                    ], "order the two instances by a stable key (an id or an address) and lock the smaller first"));
                break;
            }
        }
    }
}
