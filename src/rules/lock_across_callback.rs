//! `lock-across-callback`: user-supplied code run while a guard lives: a closure or
//! function parameter, a `Box<dyn Fn..>` field, or a trait object (a listener taken
//! out of a locked collection). Page: rules/lock-across-callback.md.

use crate::config::Level;
use crate::flow::{Body, Call};
use crate::graph::BodyIdx;
use crate::report::finding::{Finding, Label, Severity};
use crate::rules::support::{acquired_label, guard_noun, is_held_guard, label};
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `lock-across-callback` rule.
pub(crate) struct LockAcrossCallback;

static META: RuleMeta = RuleMeta {
    id: "lock-across-callback",
    default: Level::Warn,
    doc: include_str!("../../rules/lock-across-callback.md"),
};

/// Trait objects of the standard library whose methods are not user callbacks in
/// the sense of this rule (writers, iterators, errors).
const NOT_CALLBACKS: &[&str] = &[
    "Write",
    "Read",
    "BufRead",
    "Seek",
    "Any",
    "Error",
    "Debug",
    "Display",
    "Iterator",
    "Hasher",
    "Future",
    "Stream",
    "AsyncRead",
    "AsyncWrite",
    "Send",
    "Sync",
];

impl Rule for LockAcrossCallback {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        for (i, body) in cx.indexed_bodies() {
            for (g, guard) in body.guards.iter().enumerate() {
                if !is_held_guard(guard, cx.model) {
                    continue;
                }
                let calls: Vec<Label> = body
                    .events_while_held(g)
                    .filter_map(|e| {
                        let call = e.call()?;
                        // `f(&mut *guard)`: the callback is handed the locked data, so
                        // running it under the lock is the point (a scoped accessor).
                        if call.arg_guards.contains(&g) {
                            return None;
                        }
                        let what = callback(cx, i, body, call)?;
                        Some(label(
                            e.span,
                            format!("{what} called while the lock is held"),
                        ))
                    })
                    .collect();
                if calls.is_empty() {
                    continue;
                }
                let mut labels = vec![acquired_label(body, guard)];
                let first = calls[0].message.clone();
                labels.extend(calls);
                out.push(Finding {
                    rule: META.id,
                    severity: Severity::Warn,
                    primary: guard.acquired,
                    message: format!(
                        "{} on `{}` held while calling user code: {}",
                        guard_noun(guard),
                        guard.lock.text,
                        first.trim_end_matches(" called while the lock is held")
                    ),
                    labels,
                    help: "copy what the callback needs under the lock, drop the guard, then call it (snapshot under the lock, notify outside it)".into(),
                });
            }
        }
    }
}

/// What makes a call a callback, for the label; `None` when it is not one.
fn callback(cx: &RuleCx<'_>, i: BodyIdx, body: &Body, call: &Call) -> Option<String> {
    // Methods of the protected data (`guard.retain(|x| ..)`) are not callbacks.
    if call.on_guard.is_some() {
        return None;
    }
    let krate = cx.graph.crate_of[i];
    // A listener or callback taken out of a locked collection.
    if let Some(h) = call.on_elem_of {
        let ty = cx.graph.guard_ids[i]
            .get(h)
            .and_then(|id| id.as_ref())
            .and_then(|id| field_type_of_class(cx, krate, &id.class));
        if let Some(ty) = ty {
            if is_user_object(&ty) {
                return Some(format!(
                    "`{}`, an element of a locked collection of `{}`,",
                    call.callee, ty
                ));
            }
        }
    }
    if !call.is_method {
        let callee = call.callee.as_str();
        if body.callback_params.iter().any(|p| p == callee) {
            return Some(format!("the callback parameter `{callee}`"));
        }
        // `(self.on_change)(x)`: a field holding a closure.
        let inner = callee.strip_prefix('(')?.strip_suffix(')')?;
        let field = inner.strip_prefix("self.")?;
        let owner = body
            .self_ty
            .as_deref()
            .and_then(crate::model::type_name_of)?;
        let ty = cx.model.field_type(krate, &owner, field)?;
        return is_fn_like(ty).then(|| format!("the callback field `{inner}`"));
    }
    // `listener.on_event(..)` on a trait-object parameter or field; methods of the
    // pointer around it (`clone`, `as_ref`) are not the object's.
    if POINTER_METHODS.contains(&call.callee.trim_start_matches('.')) {
        return None;
    }
    let recv = call.receiver.as_ref()?;
    let segs = recv.segments.as_ref()?;
    let ty = match segs.as_slice() {
        [p] => body
            .params
            .iter()
            .find(|(n, _)| n == p)
            .map(|(_, t)| t.clone())?,
        [s, field] if s == "self" => {
            let owner = body
                .self_ty
                .as_deref()
                .and_then(crate::model::type_name_of)?;
            cx.model.field_type(krate, &owner, field)?.to_string()
        }
        _ => return None,
    };
    (is_direct_object(&ty) && is_user_object(&ty))
        .then(|| format!("`{}{}` on a trait object `{ty}`", recv.text, call.callee))
}

/// Methods of `Arc`, `Box`, `Option` and references, not of the object inside.
const POINTER_METHODS: &[&str] = &[
    "clone",
    "as_ref",
    "as_mut",
    "as_deref",
    "borrow",
    "to_owned",
    "is_some",
    "is_none",
    "take",
    "map",
    "downgrade",
    "strong_count",
];

/// A type that is itself a pointer to a trait object: `&dyn T`, `&mut dyn T`,
/// `Box<dyn T>`, `Arc<dyn T>`, `Rc<dyn T>`, not an `Option` or a collection of them.
fn is_direct_object(ty: &str) -> bool {
    let t = ty.trim_start_matches('&').trim_start_matches("mut ");
    t.starts_with("dyn ")
        || ["Box<dyn ", "Arc<dyn ", "Rc<dyn "]
            .iter()
            .any(|p| t.starts_with(p) || t.contains(&format!("::{p}")))
}

/// The declared type of the field a `Type.field` lock class names.
fn field_type_of_class(cx: &RuleCx<'_>, krate: u32, class: &str) -> Option<String> {
    let (owner, field) = class.rsplit_once('.')?;
    let owner = owner.rsplit('.').next()?;
    cx.model.field_type(krate, owner, field).map(str::to_string)
}

/// `Fn(..)`, `FnMut(..)`, `FnOnce(..)` anywhere in a type.
fn is_fn_like(ty: &str) -> bool {
    ["Fn(", "FnMut(", "FnOnce("].iter().any(|f| ty.contains(f))
}

/// A type holding user code: `dyn Trait` for a trait that is not a standard
/// plumbing trait, or a closure type.
fn is_user_object(ty: &str) -> bool {
    if is_fn_like(ty) && ty.contains("dyn ") {
        return true;
    }
    ty.match_indices("dyn ").any(|(i, _)| {
        let rest = &ty[i + 4..];
        let name: String = rest
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .next()
            .unwrap_or_default()
            .rsplit("::")
            .next()
            .unwrap_or_default()
            .to_string();
        !name.is_empty() && !NOT_CALLBACKS.contains(&name.as_str())
    })
}
