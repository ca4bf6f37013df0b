//! The synchronisation primitives and the auto-trait rules of concrete fields:
//! which types hold an atomic, a lock or another primitive by value, the raw-lock
//! parameters a guard type unlocks, and the `Rc`, `Cell` and `RefCell` fields that
//! no bound can make right.

use super::*;

/// Containers that give each thread its own value: what is inside is not shared.
pub(super) const SHIELDS: &[&str] = &[
    "PhantomData",
    "ThreadLocal",
    "CachedThreadLocal",
    "LocalKey",
];

/// Synchronisation primitives other than locks and atomics.
pub(super) const SYNC_PRIMITIVES: &[&str] = &["Once", "Condvar", "Barrier", "Semaphore"];

impl<'a> Index<'a> {
    /// Whether a type holds an atomic, a lock or another synchronisation primitive
    /// by value (through fields of the crate's own types, not through references
    /// or pointers): a synchronisation primitive or a type built on one.
    pub(super) fn holds_sync(
        &self,
        t: usize,
        depth: usize,
        memo: &mut FxHashMap<usize, bool>,
    ) -> bool {
        if let Some(&v) = memo.get(&t) {
            return v;
        }
        memo.insert(t, false);
        let at = &self.types[t];
        let mut found = known::is_primitive_name(&at.decl.name);
        for f in &at.decl.fields {
            if found {
                break;
            }
            let tree = f.type_tree();
            let skip = |n: &TypeTree| {
                matches!(
                    n.head.as_str(),
                    "&" | "&mut" | "*const" | "*mut" | "NonNull" | "PhantomData"
                )
            };
            let mut nodes = Vec::new();
            tree.nodes(&skip, &mut nodes);
            for n in nodes {
                let h = n.head.as_str();
                if n.is_atomic() || n.is_lock() || SYNC_PRIMITIVES.contains(&h) {
                    found = true;
                    break;
                }
                if depth < 4 && h != at.decl.name {
                    if let Some(inner) = self.resolve(at.krate, h, &[], &at.module, None) {
                        if self.holds_sync(inner, depth + 1, memo) {
                            found = true;
                            break;
                        }
                    }
                }
            }
        }
        memo.insert(t, found);
        found
    }

    /// `Rc`, `Cell` and `RefCell` fields, whatever the parameters.
    pub(super) fn concrete_problems(&self, t: usize, is_send: bool) -> Vec<Problem> {
        let decl = self.types[t].decl;
        let is_primitive = self.primitive.contains(&t) || self.param_lock(t);
        let skip = |n: &TypeTree| SHIELDS.contains(&n.head.as_str()) || n.is_lock();
        let mut out = Vec::new();
        for f in &decl.fields {
            let tree = f.type_tree();
            let mut nodes = Vec::new();
            tree.nodes(&skip, &mut nodes);
            let offending = nodes.iter().find_map(|n| match n.head.as_str() {
                "Rc" => Some("`Rc`"),
                "RefCell" if !is_send => Some("`RefCell`"),
                "Cell" if !is_send && !is_primitive => Some("`Cell`"),
                _ => None,
            });
            if let Some(what) = offending {
                let summary = if is_send {
                    format!("{what} field `{}` cannot be sent to another thread", f.name)
                } else {
                    format!(
                        "{what} field `{}` is not behind a lock and cannot be shared between threads",
                        f.name
                    )
                };
                out.push(Problem {
                    at: label(f.span, format!("{what} field, not behind a lock")),
                    summary,
                });
            }
        }
        out
    }

    /// A field of a type parameter bounded by a trait of its own (`raw: R` with
    /// `R: RawMutex` in some impl) may be the lock that guards the rest.
    pub(super) fn param_lock(&self, t: usize) -> bool {
        let decl = self.types[t].decl;
        self.impls.get(&t).into_iter().flatten().any(|imp| {
            decl.fields.iter().any(|f| {
                let Some(pos) = decl.generics.iter().position(|g| *g == f.ty) else {
                    return false;
                };
                imp.args
                    .get(pos)
                    .and_then(|a| a.as_deref())
                    .is_some_and(|a| {
                        bound_names_of(imp, a).iter().any(|b| {
                            !PLAIN_TRAITS.contains(&b.as_str()) && b != "Send" && b != "Sync"
                        })
                    })
            })
        })
    }

    /// A parameter kept only as a reference (`raw: &'a R`) and bounded by a trait
    /// that is not the standard library's is the raw lock a guard unlocks: its
    /// thread-safety is that trait's contract, stated where the lock is `Sync`.
    pub(super) fn is_lock_param(&self, t: usize, imp: &ApiImpl, pos: usize) -> bool {
        let decl = self.types[t].decl;
        let Some(name) = decl.generics.get(pos) else {
            return false;
        };
        let bare = decl.fields.iter().any(|f| {
            let tree = f.type_tree();
            tree.head == "&"
                && tree
                    .args
                    .first()
                    .is_some_and(|n| n.head == *name && n.args.is_empty())
        });
        bare && imp
            .args
            .get(pos)
            .and_then(|a| a.as_deref())
            .is_some_and(|a| {
                bound_names_of(imp, a)
                    .iter()
                    .any(|b| !PLAIN_TRAITS.contains(&b.as_str()) && b != "Send" && b != "Sync")
            })
    }
}
