//! Lock identities: the class a guard's lock belongs to across the crate (a field of
//! a type, a static, a local of one function) and the object it is taken on.

use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

use super::resolve::FnInfo;
use super::BodyIdx;
use crate::flow::{Body, LockPath};
use crate::model::known::is_static_name;
use crate::model::{type_name_of, CrateId, Model};
use rustc_hash::FxHashMap;

/// The local locks the run's struct literals move into fields
/// ([`StoredLock`](crate::flow::StoredLock)), by the local's origin and name: the
/// field's owner type and name, or `None` when two literals disagree.
pub(super) type StoredLocks<'f> = FxHashMap<(&'f str, &'f str), Option<(&'f str, &'f str)>>;

/// Collects [`StoredLocks`] from every body.
pub(super) fn stored_locks<'f>(bodies: impl Iterator<Item = &'f Body>) -> StoredLocks<'f> {
    let mut out = StoredLocks::default();
    for s in bodies.flat_map(|b| b.stored_locks.iter()) {
        let to = (s.owner.as_str(), s.field.as_str());
        out.entry((s.origin.as_str(), s.name.as_str()))
            .and_modify(|e| {
                if *e != Some(to) {
                    *e = None;
                }
            })
            .or_insert(Some(to));
    }
    out
}

/// Which lock a guard's lock is, across the crate, whatever object it is taken on.
///
/// Its text ([`fmt::Display`]) is what messages and fingerprints show: `Type.field`,
/// `Type`, `static NAME`, `module::origin::name`. Two different classes never have
/// the same text, and classes are ordered as their texts are (byte by byte), which
/// is the order the lock-order graph visits them in; `Debug` writes the text too.
#[derive(Clone, PartialEq, Eq, Hash)]
pub enum LockClass {
    /// A field of a type of the crate, found by following declared field types from
    /// the receiver (`self.inner.state` with `inner: Arc<Inner>` is `Inner.state`):
    /// text `owner.field`. Where the types run out, `field` is the rest of the path,
    /// dotted (`Outer.cfg.state` when `cfg`'s type is not the crate's).
    Field {
        /// The type whose field it is.
        owner: String,
        /// The field, or the dotted path from `owner` to the lock.
        field: String,
    },
    /// The receiver itself, `self` in an `impl owner` whose value is the lock: text
    /// `owner`.
    Receiver {
        /// The type of `self`.
        owner: String,
    },
    /// A static, or a path into one (`STATE`, `STATE.inner`): text `static path`.
    Static {
        /// The static's name, then any fields, dotted.
        path: String,
    },
    /// A lock in a local or a parameter, which only the function that declared it
    /// (and the closures it made) knows: text `origin::name`.
    Local {
        /// Where the variable was declared: the module path, then the declaring
        /// function and the place (`cache::load#3@12:9`), or the function and its
        /// body index when the walker did not record one.
        origin: String,
        /// The variable's name.
        name: String,
    },
}

impl LockClass {
    /// The text in three pieces, without allocating.
    fn pieces(&self) -> [&str; 3] {
        match self {
            LockClass::Field { owner, field } => [owner, ".", field],
            LockClass::Receiver { owner } => [owner, "", ""],
            LockClass::Static { path } => ["static ", path, ""],
            LockClass::Local { origin, name } => [origin, "::", name],
        }
    }

    /// The variant's place, which only breaks ties between equal texts.
    fn rank(&self) -> u8 {
        match self {
            LockClass::Field { .. } => 0,
            LockClass::Receiver { .. } => 1,
            LockClass::Static { .. } => 2,
            LockClass::Local { .. } => 3,
        }
    }

    /// A short name for messages: `Type.field`, `Type`, the static's path, or the
    /// local variable's name.
    pub fn name(&self) -> Cow<'_, str> {
        match self {
            LockClass::Field { .. } => Cow::Owned(self.to_string()),
            LockClass::Receiver { owner } => Cow::Borrowed(owner),
            LockClass::Static { path } => Cow::Borrowed(path),
            LockClass::Local { name, .. } => Cow::Borrowed(name),
        }
    }
}

impl fmt::Display for LockClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.pieces().iter().try_for_each(|p| f.write_str(p))
    }
}

impl fmt::Debug for LockClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.to_string(), f)
    }
}

impl Ord for LockClass {
    fn cmp(&self, other: &Self) -> Ordering {
        fn bytes(c: &LockClass) -> impl Iterator<Item = u8> + '_ {
            let [a, b, d] = c.pieces();
            a.bytes().chain(b.bytes()).chain(d.bytes())
        }
        bytes(self)
            .cmp(bytes(other))
            .then_with(|| (self.rank(), self.pieces()).cmp(&(other.rank(), other.pieces())))
    }
}

impl PartialOrd for LockClass {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A resolved lock: which lock (class) on which object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockId {
    /// The crate the class belongs to.
    pub krate: CrateId,
    /// Which lock it is across the crate.
    pub class: LockClass,
    /// The object the lock is a field of, as seen from the function holding it
    /// (`["self"]`, `["self", "inner"]`, `["other"]`, `["static"]`); `None` when the
    /// syntax does not show it.
    pub obj: Option<Vec<String>>,
}

impl LockId {
    /// A short name for messages: `Type.field`, the static's name, or the local
    /// variable's name ([`LockClass::name`]).
    pub fn name(&self) -> Cow<'_, str> {
        self.class.name()
    }
}

/// Resolves a guard's lock to a crate-wide identity.
pub(super) fn lock_id(
    model: &Model,
    me: &FnInfo,
    idx: BodyIdx,
    body: &Body,
    lock: &LockPath,
    stored: &StoredLocks<'_>,
) -> Option<LockId> {
    let segs = lock.segments.as_ref()?;
    let root = segs.first()?;
    let krate = me.krate;
    let id = |class: LockClass, obj: Option<Vec<String>>| Some(LockId { krate, class, obj });
    if root == "self" {
        let ty = me.self_ty.clone()?;
        if segs.len() == 1 {
            return id(LockClass::Receiver { owner: ty }, Some(segs.clone()));
        }
        let class = chase(model, krate, ty, &segs[1..]);
        return id(class, Some(segs[..segs.len() - 1].to_vec()));
    }
    let is_param = body.params.iter().any(|(p, _)| p == root);
    let is_static =
        |name: &str| model.statics.contains_key(&(krate, name.to_string())) || is_static_name(name);
    if !is_param && lock.root_ty.is_none() {
        // `STATE`, `STATE.inner`, `crate::cache::STATE`: a static.
        if is_static(root) {
            return id(
                LockClass::Static {
                    path: segs.join("."),
                },
                Some(vec!["static".to_string()]),
            );
        }
        let last = segs.last()?;
        if segs.len() >= 2
            && is_static(last)
            && segs[..segs.len() - 1]
                .iter()
                .all(|s| s.starts_with(|c: char| c.is_lowercase()))
        {
            return id(
                LockClass::Static { path: last.clone() },
                Some(vec!["static".to_string()]),
            );
        }
    }
    if segs.len() == 1 {
        // A local lock the declaring body moved into a field of a struct literal is
        // that field, in the closures that captured a clone of it: they may run on
        // another thread while the value is used. In the declaring body itself the
        // lock is not yet shared.
        if let Some(from) = lock.root_origin.as_deref() {
            if let Some(Some((owner, field))) = stored.get(&(from, root.as_str())) {
                if !body.declared_here(from) && model.field_type(krate, owner, field).is_some() {
                    return id(
                        LockClass::Field {
                            owner: (*owner).to_string(),
                            field: (*field).to_string(),
                        },
                        Some(segs.clone()),
                    );
                }
            }
        }
        // A lock in a local or parameter: only the function that declared it (and
        // the closures it made) knows it.
        let origin = lock
            .root_origin
            .clone()
            .unwrap_or_else(|| format!("{}#{idx}", me.name));
        let module: Vec<&str> = me.module().map(String::as_str).collect();
        return id(
            LockClass::Local {
                origin: format!("{}::{origin}", module.join("::")),
                name: root.clone(),
            },
            Some(segs.clone()),
        );
    }
    let mut ty = type_name_of(lock.root_ty.as_deref()?)?;
    if ty == "Self" {
        ty = me.self_ty.clone()?;
    }
    let class = chase(model, krate, ty, &segs[1..]);
    id(class, Some(segs[..segs.len() - 1].to_vec()))
}

/// `Type` followed along `fields` through declared field types while they name types
/// of the crate: `Outer` + `inner.state` with `inner: Arc<Inner>` gives `Inner.state`.
fn chase(model: &Model, krate: CrateId, mut ty: String, fields: &[String]) -> LockClass {
    let mut used = 0;
    for f in &fields[..fields.len().saturating_sub(1)] {
        let next = model
            .field_type(krate, &ty, f)
            .and_then(type_name_of)
            .filter(|t| model.has_type(krate, t));
        match next {
            Some(t) => {
                ty = t;
                used += 1;
            }
            None => break,
        }
    }
    LockClass::Field {
        owner: ty,
        field: fields[used..].join("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes() -> Vec<LockClass> {
        let s = |x: &str| x.to_string();
        vec![
            LockClass::Field {
                owner: s("Cache"),
                field: s("map"),
            },
            LockClass::Field {
                owner: s("Cache"),
                field: s("inner.map"),
            },
            LockClass::Field {
                owner: s("Cach"),
                field: s("e"),
            },
            LockClass::Receiver { owner: s("Cache") },
            LockClass::Receiver { owner: s("Cachf") },
            LockClass::Static { path: s("STATE") },
            LockClass::Static {
                path: s("STATE.inner"),
            },
            LockClass::Local {
                origin: s("::run#0@3:9"),
                name: s("m"),
            },
            LockClass::Local {
                origin: s("a::b::run::{closure}#2@10:1"),
                name: s("lock"),
            },
        ]
    }

    /// The text a class was written as before it was typed, and the short name that
    /// text gave.
    fn old_name(text: &str) -> &str {
        if let Some(s) = text.strip_prefix("static ") {
            return s;
        }
        if text.contains('#') {
            return text.rsplit("::").next().unwrap_or(text);
        }
        text
    }

    #[test]
    fn the_text_is_the_one_messages_and_fingerprints_show() {
        let texts: Vec<String> = classes().iter().map(ToString::to_string).collect();
        assert_eq!(
            texts,
            [
                "Cache.map",
                "Cache.inner.map",
                "Cach.e",
                "Cache",
                "Cachf",
                "static STATE",
                "static STATE.inner",
                "::run#0@3:9::m",
                "a::b::run::{closure}#2@10:1::lock",
            ]
        );
        for c in classes() {
            assert_eq!(format!("{c:?}"), format!("{:?}", c.to_string()));
            assert_eq!(c.name(), old_name(&c.to_string()));
        }
    }

    #[test]
    fn classes_are_ordered_as_their_texts() {
        for a in classes() {
            for b in classes() {
                assert_eq!(a.cmp(&b), a.to_string().cmp(&b.to_string()), "{a} / {b}");
                assert_eq!(a == b, a.to_string() == b.to_string(), "{a} / {b}");
            }
        }
    }
}
