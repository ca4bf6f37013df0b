//! `unsafe-send-sync`: an `unsafe impl Send` or `unsafe impl Sync` that promises
//! what the type's fields do not keep: `Rc` or raw-pointer fields sent to another
//! thread, `Cell`, `RefCell`, `UnsafeCell` or `Rc` fields shared between threads with
//! no lock around them, or a type parameter stored without the matching bound.
//! Page: rules/unsafe-send-sync.md.
//!
//! Reads the crate model only: the impls, the declared generics and field types.

use std::collections::{HashMap, HashSet};

use crate::config::Level;
use crate::model::{type_name_of, CrateId, FieldDecl, TypeDecl, UnsafeImpl};
use crate::report::finding::{Finding, Label, Severity};
use crate::rules::support::{is_atomic_head, is_lock_head, label, TypeTree};
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `unsafe-send-sync` rule.
pub(crate) struct UnsafeSendSync;

static META: RuleMeta = RuleMeta {
    id: "unsafe-send-sync",
    default: Level::Deny,
    doc: include_str!("../../rules/unsafe-send-sync.md"),
};

/// Containers that give each thread its own value, or that are only reached through
/// a lock: what is inside them is not shared.
const SHIELDS: &[&str] = &[
    "PhantomData",
    "ThreadLocal",
    "CachedThreadLocal",
    "LocalKey",
];

/// Synchronisation primitives other than locks and atomics.
const SYNC_PRIMITIVES: &[&str] = &["Once", "Condvar", "Barrier", "Semaphore"];

/// Traits of the standard library that do not imply `Send` or `Sync`; any other
/// bound might (a crate trait with `Send` as a supertrait), so it is trusted.
const PLAIN_TRAITS: &[&str] = &[
    "Sized",
    "Clone",
    "Copy",
    "Debug",
    "Display",
    "Default",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
    "Fn",
    "FnMut",
    "FnOnce",
    "Into",
    "From",
    "AsRef",
    "AsMut",
    "Unpin",
    "Any",
    "Iterator",
    "IntoIterator",
    "ToString",
    "Deref",
    "DerefMut",
    "Borrow",
    "BorrowMut",
    "RangeBounds",
    "Future",
    "Read",
    "Write",
];

impl Rule for UnsafeSendSync {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        if cx.model.unsafe_impls.is_empty() {
            return;
        }
        // Only the crates with an unsafe impl are read.
        let crates: HashSet<CrateId> = cx.model.unsafe_impls.iter().map(|(k, _)| *k).collect();
        let mut fields: HashMap<(CrateId, &str), Vec<&FieldDecl>> = HashMap::new();
        for (k, f) in cx
            .model
            .field_decls
            .iter()
            .filter(|(k, _)| crates.contains(k))
        {
            fields.entry((*k, f.owner.as_str())).or_default().push(f);
        }
        let mut decls: HashMap<(CrateId, &str), &TypeDecl> = HashMap::new();
        for (k, t) in cx
            .model
            .type_decls
            .iter()
            .filter(|(k, _)| crates.contains(k))
        {
            decls.entry((*k, t.name.as_str())).or_insert(t);
        }
        let primitives = sync_types(&fields);
        for (krate, imp) in &cx.model.unsafe_impls {
            let Some(owner) = type_name_of(&imp.self_ty) else {
                continue;
            };
            let Some(own) = fields.get(&(*krate, owner.as_str())) else {
                continue;
            };
            // Two types of one name (`string::Drain`, `vec::Drain`): the one declared
            // next to the impl.
            let here: Vec<&FieldDecl> = own
                .iter()
                .copied()
                .filter(|f| f.span.file == imp.span.file)
                .collect();
            let own: &[&FieldDecl] = if here.is_empty() { own } else { &here };
            let decl = decls.get(&(*krate, owner.as_str())).copied();
            let cx = ImplCx {
                imp,
                fields: own,
                params: generic_params(imp, decl),
                is_primitive: primitives.contains(&(*krate, owner.clone()))
                    || is_primitive_name(&owner),
                types: Types {
                    krate: *krate,
                    fields: &fields,
                    decls: &decls,
                },
            };
            if let Some(f) = finding(imp, &owner, check_impl(&cx)) {
                out.push(f);
            }
        }
    }
}

/// Types of each crate that hold an atomic or a lock, directly or through fields of
/// other such types of the crate (to a fixpoint): synchronisation primitives and
/// the types built on them.
fn sync_types(fields: &HashMap<(CrateId, &str), Vec<&FieldDecl>>) -> HashSet<(CrateId, String)> {
    let shield = |n: &TypeTree| n.head == "PhantomData";
    let mut out: HashSet<(CrateId, String)> = HashSet::new();
    // Each type's field types are read once: the heads they mention, and whether one
    // is itself an atomic, a lock or a primitive.
    let mut pending: Vec<((CrateId, &str), Vec<String>)> = Vec::new();
    for ((k, owner), fs) in fields {
        let mut heads: Vec<String> = Vec::new();
        let mut direct = false;
        for f in fs {
            let tree = TypeTree::parse(&f.ty);
            let mut nodes = Vec::new();
            tree.nodes(&shield, &mut nodes);
            for n in nodes {
                direct |= is_atomic_head(&n.head)
                    || is_lock_head(&n.head)
                    || SYNC_PRIMITIVES.contains(&n.head.as_str());
                if n.head != *owner {
                    heads.push(n.head.clone());
                }
            }
        }
        if direct {
            out.insert((*k, owner.to_string()));
        } else {
            heads.sort();
            heads.dedup();
            pending.push(((*k, *owner), heads));
        }
    }
    loop {
        let before = out.len();
        pending.retain(|((k, owner), heads)| {
            if heads.iter().any(|h| out.contains(&(*k, h.clone()))) {
                out.insert((*k, owner.to_string()));
                false
            } else {
                true
            }
        });
        if out.len() == before {
            return out;
        }
    }
}

/// A type named as a synchronisation primitive (`AtomicCell`, `SpinMutex`,
/// `RawRwLock`, `OnceLock`): its atomics may sit behind platform code or a global
/// table that the declarations do not show.
fn is_primitive_name(name: &str) -> bool {
    name.starts_with("Atomic")
        || [
            "Mutex",
            "Lock",
            "Barrier",
            "Once",
            "OnceCell",
            "Lazy",
            "Semaphore",
            "Condvar",
        ]
        .iter()
        .any(|s| name.ends_with(s))
}

/// What one impl is checked against.
struct ImplCx<'a> {
    imp: &'a UnsafeImpl,
    fields: &'a [&'a FieldDecl],
    /// The declaration's type parameters with the bounds the impl gives them.
    params: Vec<(String, String)>,
    /// The type holds an atomic or a lock (see [`sync_types`]).
    is_primitive: bool,
    types: Types<'a>,
}

/// The crate's declarations, to see through its own types.
struct Types<'a> {
    krate: CrateId,
    fields: &'a HashMap<(CrateId, &'a str), Vec<&'a FieldDecl>>,
    decls: &'a HashMap<(CrateId, &'a str), &'a TypeDecl>,
}

/// Types that hold what their type arguments are: a value of `Vec<T>` holds `T`s.
const HOLDERS: &[&str] = &[
    "Option",
    "Box",
    "Vec",
    "VecDeque",
    "LinkedList",
    "BinaryHeap",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "Result",
    "Cell",
    "RefCell",
    "UnsafeCell",
    "SyncUnsafeCell",
    "MaybeUninit",
    "ManuallyDrop",
    "Rc",
    "Arc",
    "Mutex",
    "RwLock",
    "NonNull",
    "Pin",
    "*const",
    "*mut",
    "&",
    "&mut",
    "()",
    "[]",
    "[;]",
    "CachePadded",
];

impl Types<'_> {
    /// Whether a value of this type holds a value of the type parameter `param`
    /// (outside `PhantomData`, seeing through the standard containers and, a few
    /// levels deep, through the crate's own generic types). An unknown generic type
    /// is not assumed to hold its arguments.
    fn stores(&self, ty: &TypeTree, param: &str, depth: usize) -> bool {
        if ty.head == param && ty.args.is_empty() {
            return true;
        }
        // The crate's own type of that name first: spin's `RwLock<T, R>` keeps `R`
        // in a `PhantomData` only.
        let own = self.decls.get(&(self.krate, ty.head.as_str()));
        if own.is_none() && HOLDERS.contains(&ty.head.as_str()) {
            return ty.args.iter().any(|a| self.stores(a, param, depth));
        }
        if depth >= 3 {
            return false;
        }
        let Some(decl) = own else {
            return false;
        };
        let Some(fields) = self.fields.get(&(self.krate, ty.head.as_str())) else {
            return false;
        };
        ty.args.iter().zip(&decl.generics).any(|(arg, inner)| {
            self.stores(arg, param, depth)
                && fields
                    .iter()
                    .any(|f| self.stores(&TypeTree::parse(&f.ty), inner, depth + 1))
        })
    }
}

/// One reason the impl is wrong, at a field.
struct Problem {
    field: Label,
    summary: String,
}

fn check_impl(cx: &ImplCx<'_>) -> Vec<Problem> {
    let is_send = cx.imp.trait_name == "Send";
    let bound = if is_send { "Send" } else { "Sync" };
    let skip = |n: &TypeTree| SHIELDS.contains(&n.head.as_str()) || is_lock_head(&n.head);
    // A field of a type parameter with a bound of its own trait (`raw: R` with
    // `R: RawMutex`) may be the lock that guards the rest.
    let param_lock = cx.fields.iter().any(|f| {
        cx.params
            .iter()
            .any(|(d, b)| f.ty == *d && bounds_unknown(b))
    });
    let is_primitive = cx.is_primitive || param_lock;
    // A generic impl that bounds every parameter of the type by `Send`, `Sync` or a
    // trait that may imply them: its author reasoned about each, and the raw pointers
    // are taken to own or borrow values of those parameters.
    let all_bounded = !cx.params.is_empty()
        && cx
            .params
            .iter()
            .all(|(_, b)| bounds_thread_safe(b) || bounds_unknown(b));
    let mut out = Vec::new();
    for f in cx.fields {
        let tree = TypeTree::parse(&f.ty);
        let mut nodes = Vec::new();
        tree.nodes(&skip, &mut nodes);
        let offending = nodes.iter().find_map(|n| {
            let head = n.head.as_str();
            match head {
                "*const" | "*mut" | "NonNull" if is_send && !is_primitive && !all_bounded => {
                    Some("raw pointer".to_string())
                }
                "Rc" => Some("`Rc`".to_string()),
                "RefCell" if !is_send => Some("`RefCell`".to_string()),
                "Cell" | "UnsafeCell" if !is_send && !is_primitive => Some(format!("`{head}`")),
                _ => None,
            }
        });
        if let Some(what) = offending {
            let why = if is_send {
                format!("{what} field `{}` cannot be sent to another thread", f.name)
            } else {
                format!(
                    "{what} field `{}` is not behind a lock and cannot be shared between threads",
                    f.name
                )
            };
            out.push(Problem {
                field: label(f.span, format!("{what} field, not behind a lock")),
                summary: why,
            });
            continue;
        }
        // A stored type parameter with no thread-safety bound at all.
        let unbounded = cx.params.iter().find(|(d, bounds)| {
            !bounds_thread_safe(bounds) && !bounds_unknown(bounds) && cx.types.stores(&tree, d, 0)
        });
        if let Some((d, _)) = unbounded {
            out.push(Problem {
                field: label(f.span, format!("stores a `{d}`")),
                summary: format!(
                    "field `{}` stores the type parameter `{d}`, which the impl does not bound by `{bound}`",
                    f.name
                ),
            });
        }
    }
    out
}

/// The declaration's type parameters as the impl binds them, each with the bounds the
/// impl puts on it (its own parameter's bounds and `where` clauses that name it).
fn generic_params(imp: &UnsafeImpl, decl: Option<&TypeDecl>) -> Vec<(String, String)> {
    let Some(decl) = decl else {
        return Vec::new();
    };
    let self_ty = TypeTree::parse(&imp.self_ty);
    let mut out = Vec::new();
    for (pos, arg) in self_ty.args.iter().enumerate() {
        let Some(decl_param) = decl.generics.get(pos) else {
            break;
        };
        if !arg.args.is_empty() {
            continue;
        }
        let Some((_, bounds)) = imp.params.iter().find(|(p, _)| *p == arg.head) else {
            // A concrete type argument (`Cache<String>`): nothing to bound.
            continue;
        };
        let mut all = bounds.clone();
        for (p, b) in &imp.params {
            if p != &arg.head && mentions_word(p, &arg.head) {
                all.push('+');
                all.push_str(b);
            }
        }
        out.push((decl_param.clone(), all));
    }
    out
}

/// Whether `text` has `word` as a whole word.
fn mentions_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .any(|w| w == word)
}

/// The trait names in a bound list (`?Sized+Send+'static` gives `Sized`, `Send`).
fn bound_names(bounds: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut cur = String::new();
    for c in bounds.chars().chain(std::iter::once('+')) {
        match c {
            '<' | '(' | '[' => depth += 1,
            '>' | ')' | ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        if c == '+' && depth == 0 {
            let b = cur.trim().trim_start_matches('?');
            if !b.is_empty() && !b.starts_with('\'') {
                let path = b.split(['<', '(']).next().unwrap_or(b);
                let name = path.rsplit("::").next().unwrap_or(path).trim();
                out.push(name.to_string());
            }
            cur.clear();
        } else {
            cur.push(c);
        }
    }
    out
}

/// Whether the bounds say anything about threads: `Send` or `Sync`. Either is
/// taken as the author's reasoning: a guard is `Send` when `T: Sync`, a lock or a
/// channel is `Sync` when `T: Send`.
fn bounds_thread_safe(bounds: &str) -> bool {
    bound_names(bounds)
        .iter()
        .any(|n| n == "Send" || n == "Sync")
}

/// Whether a bound names a trait that might imply `Send`/`Sync` (any trait not known
/// to the standard library as one that does not).
fn bounds_unknown(bounds: &str) -> bool {
    bound_names(bounds)
        .iter()
        .any(|n| !PLAIN_TRAITS.contains(&n.as_str()) && n != "Send" && n != "Sync")
}

fn finding(imp: &UnsafeImpl, owner: &str, problems: Vec<Problem>) -> Option<Finding> {
    let first = problems.first()?;
    let more = match problems.len() {
        1 => String::new(),
        2 => " (and 1 more field)".to_string(),
        n => format!(" (and {} more fields)", n - 1),
    };
    let message = format!(
        "`unsafe impl {} for {}` promises what its fields do not keep: {}{more}",
        imp.trait_name, imp.self_ty, first.summary
    );
    let mut labels = vec![label(
        imp.span,
        format!("`{}` promised here", imp.trait_name),
    )];
    labels.extend(problems.into_iter().map(|p| p.field));
    let help = if imp.trait_name == "Send" {
        format!("bound the impl's type parameters by `Send`, replace `Rc` with `Arc`, or keep `{owner}` on one thread")
    } else {
        format!("put the cells behind a `Mutex` or `RwLock`, use atomics, bound the type parameters by `Sync`, or remove the impl and keep `{owner}` on one thread")
    };
    Some(Finding {
        rule: META.id,
        severity: Severity::Deny,
        primary: imp.span,
        message,
        labels,
        help,
    })
}
