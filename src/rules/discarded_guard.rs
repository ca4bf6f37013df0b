//! `discarded-guard`: a guard dropped as soon as it is made.
//! Page: rules/discarded-guard.md.

use crate::flow::{Body, BodyKind, Guard};
use crate::graph::BodyRef;
use crate::model::{CrateId, Model, TypeText};
use crate::report::finding::{Edit, FileId, Finding, Fix};
use crate::rules::support::{
    guard_noun, handed_to_wait, has_guard_lock_type, is_real_guard, label, self_name,
};
use crate::rules::{declare_rule, Rule, RuleCx};
use rustc_hash::FxHashSet;

declare_rule! {
    /// The `discarded-guard` rule.
    DiscardedGuard,
    "discarded-guard",
    Warn
}

impl Rule for DiscardedGuard {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        // Built the first time a discarded guard needs it.
        let mut shadowed: Option<FxHashSet<(CrateId, &str)>> = None;
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            for (g, guard) in body.guards.iter().enumerate() {
                let Some(discarded) = &guard.discarded else {
                    continue;
                };
                let stmt = discarded.stmt;
                if guard.is_try || !is_real_guard(guard, cx.model) {
                    continue;
                }
                // `let _ = cv.wait_while(m.lock().unwrap(), |p| *p);`: the wait used the
                // guard (it slept on it and gave it back once the condition held), so the
                // critical section is not empty, only over.
                if handed_to_wait(&body.events, g) {
                    continue;
                }
                // A bare `x.lock();` is also how raw locks (`lock_api::RawMutex`) are
                // taken, returning `()`: report it only when the type says guard.
                if !guard.wrapped && !has_guard_lock_type(guard, cx.model) {
                    continue;
                }
                // A field declared with types that are none of the lock types
                // (`file: File`, whose `lock()` is an OS file lock) gives no guard;
                // nor can the syntax tell when its declarations disagree.
                let krate = cx.crate_of(i);
                let file = cx.file_of(i);
                let decl = declared(guard, body, file, krate, cx.model);
                if matches!(decl, Declared::NotLock | Declared::Ambiguous) {
                    continue;
                }
                // A receiver not known to be a lock, whose method of that name the
                // crate declares returning no guard (`conn.lock().await?` on a
                // connection's own `async fn lock(&mut self) -> Result<(), E>`).
                if decl != Declared::Lock {
                    let shadowed = shadowed.get_or_insert_with(|| {
                        shadowing_methods(cx, &["lock", "read", "write", "borrow", "borrow_mut"])
                    });
                    if shadowed.contains(&(krate, guard.method.as_str())) {
                        continue;
                    }
                }
                let message = format!(
                    "{} on `{}` is dropped at once: the critical section is empty",
                    guard_noun(guard),
                    guard.lock.text
                );
                let labels = vec![label(
                    stmt,
                    "the guard is dropped at the end of this statement",
                )];
                let finding = match &discarded.last_value {
                    // Last in its block: nothing after it can have been meant to run
                    // under the lock, so the statement takes and releases it, as
                    // `drop(..)` says (the rewrite rustc suggests).
                    Some(value) => META
                        .finding(stmt, message, labels, "write `drop(..)` to say the lock is taken and released at once (to wait for its holder), or remove the statement")
                        .with_fix(Some(Fix {
                            message: "drop the guard explicitly with `drop(..)`".to_string(),
                            edits: vec![Edit {
                                span: stmt,
                                replacement: format!("drop({value});"),
                            }],
                        })),
                    // Code follows that may have been meant to run under the lock:
                    // holding it or releasing it at once are both plausible, and
                    // only the author knows which, so no rewrite is offered.
                    None => META.finding(stmt, message, labels, "bind the guard to a named variable (`let guard = ...`) for as long as the data must stay locked, or write `drop(..)` if taking and releasing the lock is meant; which one was meant cannot be told, so no fix is offered"),
                };
                out.push(finding);
            }
        }
    }
}

/// What the crate's declarations say about the receiver of a discarded acquisition.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Declared {
    /// A lock or cell type: its `lock()` hands out a guard.
    Lock,
    /// Declared with types that name no lock or cell at all (`file: File`, whose
    /// `lock()` is an OS file lock).
    NotLock,
    /// Several declarations of the owner type (under different `cfg`s, say) that
    /// disagree, with none in the body's own file to prefer.
    Ambiguous,
    /// Nothing declared in view.
    Unknown,
}

/// Whether a declared type names a lock or cell (or a wrapper that may hold one).
fn names_lock(ty: TypeText<'_>) -> bool {
    ty.names_any(&[
        "Mutex", "RwLock", "Lock", "Cell", "Guard", "Arc", "Box", "Rc",
    ])
}

/// The receiver as the crate declares it: the type the body shows for a local or
/// parameter, or the declared type of a field of `self`. A type with several
/// declarations is read from those in the body's file; when there are none there
/// and they disagree, it is ambiguous.
fn declared(guard: &Guard, body: &Body, file: FileId, krate: CrateId, model: &Model) -> Declared {
    if let Some(ty) = &guard.receiver_ty {
        if crate::model::known::is_guard_lock(ty) {
            return Declared::Lock;
        }
    }
    let Some([root, field]) = guard.lock.segments.as_deref() else {
        return Declared::Unknown;
    };
    let Some(owner) = self_name(body).filter(|_| root == "self") else {
        return Declared::Unknown;
    };
    let Some(decls) = model.fields.get(&(krate, owner)) else {
        return Declared::Unknown;
    };
    let all: Vec<&crate::model::FieldDecl> = decls
        .iter()
        .map(|&i| &model.field_decls[i as usize].1)
        .filter(|f| f.name == *field)
        .collect();
    let here: Vec<&crate::model::FieldDecl> = all
        .iter()
        .copied()
        .filter(|f| f.span.file == file)
        .collect();
    let seen = if here.is_empty() { all } else { here };
    let mut locks = seen.iter().map(|f| names_lock(f.type_text()));
    match locks.next() {
        None => Declared::Unknown,
        Some(first) if locks.any(|l| l != first) => Declared::Ambiguous,
        Some(true) => Declared::Lock,
        Some(false) => Declared::NotLock,
    }
}

/// Whether a method's declared return type can be a guard: it names a guard, a
/// reference or borrow, a lock, or an opaque `impl` type. A method of the crate
/// with the acquisition's name and no such return type (`fn lock(&mut self) ->
/// Result<(), E>`, a database's advisory lock) gives nothing to discard.
fn may_return_guard(ret: Option<&str>) -> bool {
    ret.is_some_and(|t| TypeText::new(t).names_any(&["Guard", "Ref", "Lock", "impl", "Self"]))
}

/// The method names of `wanted` that the crate declares on some type with a return
/// type that cannot be a guard, by crate.
fn shadowing_methods<'c>(cx: &'c RuleCx<'_>, wanted: &[&str]) -> FxHashSet<(CrateId, &'c str)> {
    let mut out = FxHashSet::default();
    for BodyRef { idx: i, body, .. } in cx.bodies() {
        if body.kind == BodyKind::Method
            && wanted.contains(&body.name.as_str())
            && !may_return_guard(body.ret_ty.as_deref())
        {
            out.insert((cx.crate_of(i), body.name.as_str()));
        }
    }
    out
}
