//! `exposed-guard`: a `pub` function that hands out a guard, a reference into
//! lock-protected state, or the internal lock itself (a clone of an
//! `Arc<Mutex<..>>` field, or a reference to it). Page: rules/exposed-guard.md.
//!
//! It reads what each body returns (`Body::returns`), the declared return type, and
//! the declared types of the fields a returned place names. It does not follow a
//! guard wrapped in a struct of the crate's own.

use rustc_hash::FxHashSet;

use crate::flow::{Body, BodyKind, Returned};
use crate::graph::{BodyIdx, BodyRef};
use crate::model::{CrateId, TypeText};
use crate::report::finding::{Finding, Label};
use crate::rules::support::{guard_noun, is_borrow, is_real_guard, label, place_type, self_name};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `exposed-guard` rule.
    ExposedGuard,
    "exposed-guard",
    Warn
}

/// Methods by which a lock type hands out its own guard: a wrapper's `lock()` is
/// the lock's API, not a leak of some other type's state.
const LOCK_METHODS: &[&str] = &[
    "lock",
    "try_lock",
    "lock_arc",
    "read",
    "try_read",
    "write",
    "try_write",
    "upgradable_read",
    "read_owned",
    "write_owned",
    "get_mut",
    "borrow",
    "borrow_mut",
];

/// Conversion traits whose methods a lock wrapper implements to hand out what it
/// wraps.
const CONVERSION_TRAITS: &[&str] = &["Deref", "DerefMut", "AsRef", "AsMut", "Borrow", "BorrowMut"];

impl Rule for ExposedGuard {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        // Types of the crate that no code outside it can name: declared private or
        // `pub(crate)`, `pub(super)`, `pub(in ..)`, and never also plainly `pub` under
        // the same name.
        let mut private: FxHashSet<(CrateId, &str)> = FxHashSet::default();
        let mut exported: FxHashSet<(CrateId, &str)> = FxHashSet::default();
        for (k, t) in &cx.model.type_decls {
            if t.is_exported {
                exported.insert((*k, t.name.as_str()));
            } else {
                private.insert((*k, t.name.as_str()));
            }
        }
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            // Only what code outside the crate can call: a plainly `pub` function or
            // inherent method. A trait impl's method has no visibility of its own and
            // its signature is the trait's.
            if !matches!(body.kind, BodyKind::Fn | BodyKind::Method)
                || !body.is_exported
                || body.in_test
                || is_lock_api(body)
            {
                continue;
            }
            let krate = cx.crate_of(i);
            if let Some(ty) = self_name(body) {
                let key = (krate, ty.as_str());
                if private.contains(&key) && !exported.contains(&key) {
                    continue;
                }
            }
            let mut what: Option<String> = None;
            let mut labels: Vec<Label> = Vec::new();
            for r in &body.returns {
                if let Some(w) = exposed(cx, i, body, r) {
                    labels.push(label(r.span, format!("returns {w}")));
                    what.get_or_insert(w);
                }
            }
            // A declared guard type the flow did not follow (`MutexGuard::map(..)`,
            // a guard out of a `match`) still says what callers get.
            if what.is_none() {
                if let Some(guard_ty) = declared_guard(body) {
                    what = Some(format!("a `{guard_ty}`"));
                    for r in &body.returns {
                        labels.push(label(r.span, "returned here"));
                    }
                }
            }
            let Some(what) = what else { continue };
            labels.insert(0, label(body.span, "public function"));
            out.push(finding(body, &what, labels));
        }
    }
}

/// A lock wrapper's own API: a method named like a lock method, a conversion trait's
/// method, or any method of a type named like a lock.
fn is_lock_api(body: &Body) -> bool {
    // `lock`, `write`, also `try_lock_fair` and `lock_shared`.
    let name = body.name.as_str();
    if LOCK_METHODS.contains(&name) || name.starts_with("lock_") || name.starts_with("try_lock") {
        return true;
    }
    // A guard handed in comes back out: `Condvar::wait(guard) -> guard`.
    if body
        .params
        .iter()
        .any(|(_, ty)| mentions_lock(TypeText::new(ty)))
    {
        return true;
    }
    if body
        .trait_name
        .as_deref()
        .is_some_and(|t| CONVERSION_TRAITS.contains(&t))
    {
        return true;
    }
    self_name(body).is_some_and(|t| {
        ["Mutex", "Lock", "Cell", "Guard"]
            .iter()
            .any(|s| t.ends_with(s))
    })
}

/// What a returned value exposes, for the message and label.
fn exposed(cx: &RuleCx<'_>, i: BodyIdx, body: &Body, r: &Returned) -> Option<String> {
    if let Some(g) = r.guard {
        let guard = &body.guards[g];
        if is_borrow(guard.kind)
            || !is_real_guard(guard, cx.model)
            || !is_internal(body, &guard.lock.segments)
        {
            return None;
        }
        return Some(format!("a {} on `{}`", guard_noun(guard), guard.lock.text));
    }
    if let Some(g) = r.within {
        let guard = &body.guards[g];
        let returns_ref = body.ret_ty.as_deref().is_some_and(|t| {
            TypeText::new(t)
                .tree()
                .strip(&["Option", "Result"])
                .is_reference()
        });
        if returns_ref && !is_borrow(guard.kind) && is_internal(body, &guard.lock.segments) {
            return Some(format!(
                "a reference into the data behind `{}`",
                guard.lock.text
            ));
        }
        return None;
    }
    let place = r.place.as_ref()?;
    let segs = place.segments.as_ref()?;
    if segs.first().map(String::as_str) != Some("self") || segs.len() < 2 {
        return None;
    }
    let krate = cx.crate_of(i);
    let tree = place_type(cx.model, krate, body.self_ty.as_deref(), place)?.tree();
    if r.is_clone {
        // `self.inner.clone()` of an `Arc<Mutex<..>>`: the caller shares the lock.
        if tree.head != "Arc" {
            return None;
        }
        let inner = tree.strip(&["Arc"]);
        return inner.is_lock().then(|| {
            format!(
                "a clone of the internal `Arc<{}<..>>` `{}`",
                inner.head, place.text
            )
        });
    }
    if r.is_ref {
        let inner = tree.strip(&["Arc", "Box"]);
        return inner.is_lock().then(|| {
            format!(
                "a reference to the internal `{}` `{}`",
                inner.head, place.text
            )
        });
    }
    None
}

/// The lock is the function's own state (a field of `self` or a static), not one a
/// caller passed in: a helper that locks its parameter is a lock utility.
fn is_internal(body: &Body, segments: &Option<Vec<String>>) -> bool {
    let Some(root) = segments.as_ref().and_then(|s| s.first()) else {
        return false;
    };
    !body.params.iter().any(|(p, _)| p == root)
}

/// A guard type named in a method's declared return type (`MutexGuard<'_, T>`,
/// `MappedRwLockReadGuard<..>`); `is_lock_api` has already left out functions that
/// are given a lock or a guard.
fn declared_guard(body: &Body) -> Option<String> {
    body.self_ty.as_ref()?;
    let ret_ty = TypeText::new(body.ret_ty.as_deref()?);
    if !ret_ty.names_any(&["Guard"]) {
        return None;
    }
    let ret = ret_ty.tree();
    let mut nodes = Vec::new();
    ret.nodes(&|_| false, &mut nodes);
    let guard = nodes.iter().find(|n| n.is_lock_guard())?;
    Some(guard.head.clone())
}

/// Whether a type as written names a lock or a lock guard.
fn mentions_lock(ty: TypeText<'_>) -> bool {
    // Every lock and guard name has one of these in it; most types have neither.
    if !ty.names_any(&["Mutex", "Lock"]) {
        return false;
    }
    ty.tree()
        .any(&|_| false, &|n| n.is_lock() || n.is_lock_guard())
}

fn finding(body: &Body, what: &str, labels: Vec<Label>) -> Finding {
    META.finding(body.span, format!(
            "public `{}` returns {what}: callers reach lock-protected state outside the type's control",
            body.name
        ), labels, "return an owned snapshot (a clone of the data, not of the lock), or take a closure and run it under the lock inside the type")
}
