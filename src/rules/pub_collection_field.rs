//! `pub-collection-field`: a `pub` field of map, set or vector type (or a lock around
//! one) on a type that is shared between threads. Page: rules/pub-collection-field.md.
//!
//! Everything comes from the crate model: field declarations and their visibility,
//! which types hold a lock or an atomic, appear inside `Arc<..>` or a static, or have
//! an `unsafe impl Send/Sync`. No body is looked at.

use std::collections::{HashMap, HashSet};

use crate::model::{CrateId, FieldDecl, Model, TypeText, TypeTree};
use crate::report::finding::{FileId, Finding};
use crate::rules::support::label;
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `pub-collection-field` rule.
    PubCollectionField,
    "pub-collection-field",
    Warn
}

/// Growable collections, by the last segment of their path.
const COLLECTIONS: &[&str] = &[
    "Vec",
    "VecDeque",
    "LinkedList",
    "BinaryHeap",
    "HashMap",
    "HashSet",
    "BTreeMap",
    "BTreeSet",
    "IndexMap",
    "IndexSet",
    "FxHashMap",
    "FxHashSet",
    "AHashMap",
    "AHashSet",
    "SmallVec",
    "ThinVec",
    "Slab",
];

/// Collections that are mutated through a shared reference: public, they are
/// mutable by anyone who can see the owner.
const CONCURRENT_COLLECTIONS: &[&str] = &["DashMap", "DashSet", "SkipMap", "SkipSet"];

/// Wrappers that do not change what a field is.
const TRANSPARENT: &[&str] = &["Option", "Box", "Pin", "CachePadded"];

/// Shared pointers: a collection behind one without a lock cannot be mutated.
const SHARED_POINTERS: &[&str] = &["Arc", "Rc"];

impl Rule for PubCollectionField {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        // FIXME(pub-collection-field): `pub(crate)` fields should count when
        // configured; rules do not see the configuration yet.
        let candidates: Vec<(CrateId, &FieldDecl, Exposed)> = cx
            .model
            .field_decls
            .iter()
            .filter(|(_, field)| field.vis == "pub")
            .filter_map(|(krate, field)| Some((*krate, field, collection_kind(field.type_text())?)))
            .collect();
        if candidates.is_empty() {
            return;
        }
        // What makes a type shared is read only for the crates with a candidate.
        let crates: HashSet<CrateId> = candidates.iter().map(|(k, _, _)| *k).collect();
        let shared = SharedTypes::new(cx.model, &crates);
        for (krate, field, what) in candidates {
            if !shared.is_pub_type(krate, &field.owner) {
                continue;
            }
            let why = match what {
                // A lock or a concurrent map is itself shared mutable state.
                Exposed::Locked(_) | Exposed::Concurrent(_) => Some("it is mutable through `&`"),
                Exposed::Plain(_) => shared.why_shared(krate, field),
            };
            let Some(why) = why else { continue };
            out.push(finding(field, &what, why));
        }
    }
}

/// What a public field hands out.
enum Exposed {
    /// A collection (`HashMap`).
    Plain(String),
    /// A lock around a collection (`Mutex<HashMap<..>>`, also inside `Arc`).
    Locked(String),
    /// A collection mutable through `&` (`DashMap`).
    Concurrent(String),
}

/// Whether a field type is a collection, a lock around one, or a concurrent one.
fn collection_kind(ty: TypeText<'_>) -> Option<Exposed> {
    let tree = ty.tree();
    let mut t = tree.strip(TRANSPARENT);
    let mut behind_pointer = false;
    while SHARED_POINTERS.contains(&t.head.as_str()) {
        behind_pointer = true;
        t = t.args.first()?.strip(TRANSPARENT);
    }
    if CONCURRENT_COLLECTIONS.contains(&t.head.as_str()) {
        return Some(Exposed::Concurrent(t.head.clone()));
    }
    if t.is_lock() {
        let inner = t.args.first()?.strip(TRANSPARENT);
        return is_collection(inner).map(Exposed::Locked);
    }
    if behind_pointer {
        // `Arc<Vec<T>>` is immutable once shared.
        return None;
    }
    is_collection(t).map(Exposed::Plain)
}

/// The collection's name for messages, when the type is one: `HashMap`, `Box<[T]>`.
fn is_collection(t: &TypeTree) -> Option<String> {
    if COLLECTIONS.contains(&t.head.as_str()) {
        return Some(t.head.clone());
    }
    if t.is_slice() {
        return Some("slice".into());
    }
    None
}

/// Which types of each crate are shared between threads, and why.
struct SharedTypes {
    /// Types holding a lock or an atomic field, with the file that declares them
    /// (two types of one name in different files are different types).
    with_sync: HashSet<(CrateId, String, FileId)>,
    /// Types with an `unsafe impl Send` or `Sync`, with the file of the impl and
    /// whether that file declares a type of that name itself.
    unsafe_impl: HashMap<(CrateId, String), Vec<(FileId, bool)>>,
    /// Types declared without plain `pub` (private, `pub(crate)`, `pub(super)`):
    /// code outside the crate cannot reach their fields.
    private: HashSet<(CrateId, String)>,
}

impl SharedTypes {
    fn new(model: &Model, crates: &HashSet<CrateId>) -> SharedTypes {
        let mut with_sync = HashSet::new();
        for (krate, f) in model.field_decls.iter().filter(|(k, _)| crates.contains(k)) {
            let tree = f.type_tree();
            let mut nodes = Vec::new();
            tree.nodes(&|n| n.head == "PhantomData", &mut nodes);
            if nodes.iter().any(|n| n.is_lock() || n.is_atomic()) {
                with_sync.insert((*krate, f.owner.clone(), f.span.file));
            }
        }
        let declared_in: HashSet<(CrateId, &str, FileId)> = model
            .type_decls
            .iter()
            .map(|(k, t)| (*k, t.name.as_str(), t.span.file))
            .collect();
        let mut unsafe_impl: HashMap<(CrateId, String), Vec<(FileId, bool)>> = HashMap::new();
        for (k, u) in &model.unsafe_impls {
            if let Some(n) = u.self_name() {
                let local = declared_in.contains(&(*k, n.as_str(), u.span.file));
                unsafe_impl
                    .entry((*k, n))
                    .or_default()
                    .push((u.span.file, local));
            }
        }
        let private = model
            .type_decls
            .iter()
            .filter(|(_, t)| !t.is_exported)
            .map(|(k, t)| (*k, t.name.clone()))
            .collect();
        SharedTypes {
            with_sync,
            unsafe_impl,
            private,
        }
    }

    /// A field of a private type is not exported, whatever its own visibility.
    fn is_pub_type(&self, krate: CrateId, owner: &str) -> bool {
        !self.private.contains(&(krate, owner.to_string()))
    }

    /// Why the owner counts as shared between threads, for the message.
    fn why_shared(&self, krate: CrateId, field: &FieldDecl) -> Option<&'static str> {
        let owner = field.owner.as_str();
        let key = (krate, owner.to_string());
        let file = field.span.file;
        // An impl next to a type of its own name is for that type, not for this one.
        let has_impl = self
            .unsafe_impl
            .get(&key)
            .is_some_and(|impls| impls.iter().any(|&(f, local)| f == file || !local));
        // A type shared only through `Arc` or a `static`, with no lock, atomic or
        // unsafe impl of its own, has no interior mutability: once shared, its plain
        // collections can only be read (a configuration built before it is shared).
        // Only a type whose other state is changed through `&` has a collection that
        // callers can read while the type's own methods change it.
        if self.with_sync.contains(&(krate, owner.to_string(), file)) {
            Some("it holds a lock or an atomic")
        } else if has_impl {
            Some("it has an `unsafe impl Send/Sync`")
        } else {
            None
        }
    }
}

fn finding(field: &FieldDecl, what: &Exposed, why: &str) -> Finding {
    let (message, what_label) = match what {
        Exposed::Plain(c) => (
            format!(
                "`pub` field `{}.{}` exposes a `{c}` of a type shared between threads ({why})",
                field.owner, field.name
            ),
            format!("public `{c}` field"),
        ),
        Exposed::Locked(c) => (
            format!(
                "`pub` field `{}.{}` hands out the lock around an internal `{c}`: any caller can lock and change it",
                field.owner, field.name
            ),
            format!("public lock around a `{c}`"),
        ),
        Exposed::Concurrent(c) => (
            format!(
                "`pub` field `{}.{}` exposes a `{c}`, which any caller can change through `&`",
                field.owner, field.name
            ),
            format!("public `{c}` field"),
        ),
    };
    META.finding(field.span, message, vec![label(field.span, what_label)], "make the field private and give the type methods that do the lookups and updates under its lock, or return owned snapshots")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(ty: &str) -> Option<String> {
        collection_kind(TypeText::new(ty)).map(|e| match e {
            Exposed::Plain(c) => format!("plain {c}"),
            Exposed::Locked(c) => format!("locked {c}"),
            Exposed::Concurrent(c) => format!("concurrent {c}"),
        })
    }

    #[test]
    fn collection_kinds() {
        assert_eq!(
            kind("HashMap<String,u32>").as_deref(),
            Some("plain HashMap")
        );
        assert_eq!(
            kind("Arc<Mutex<HashMap<K,V>>>").as_deref(),
            Some("locked HashMap")
        );
        assert_eq!(
            kind("std::sync::RwLock<Vec<u8>>").as_deref(),
            Some("locked Vec")
        );
        assert_eq!(kind("Box<[u8]>").as_deref(), Some("plain slice"));
        assert_eq!(kind("Arc<Vec<u8>>"), None);
        assert_eq!(kind("&'a [u8]"), None);
        assert_eq!(kind("[u8;32]"), None);
        assert_eq!(kind("Mutex<u32>"), None);
        assert_eq!(
            kind("Arc<DashMap<u32,u32>>").as_deref(),
            Some("concurrent DashMap")
        );
    }
}
