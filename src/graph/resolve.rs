//! Call resolution: a call names an in-crate function through `self.method()`, a
//! receiver of declared type, `Self::f()`, `Type::f()` or a path, and resolves only
//! when exactly one function of the crate fits.

use rustc_hash::FxHashMap;

use super::BodyIdx;
use crate::flow::{Body, BuiltBy, Call};
use crate::model::{lock_data_of, object_trait_of, type_name_of, CrateId, Model};

/// A function's resolution key.
pub(super) struct FnInfo<'a> {
    pub(super) name: &'a str,
    pub(super) self_ty: Option<String>,
    /// The trait of the `impl` (or the trait itself, for a default method).
    pub(super) trait_name: Option<&'a str>,
    /// The return type as written.
    pub(super) ret_ty: Option<&'a str>,
    /// The traits bounding the type parameters it sees, as (parameter, trait).
    pub(super) bounds: &'a [(String, String)],
    /// The file's module, then the inline `mod`s around the body.
    pub(super) file_module: &'a [String],
    pub(super) inner_module: &'a [String],
    pub(super) krate: CrateId,
    pub(super) callable: bool,
}

impl FnInfo<'_> {
    pub(super) fn module(&self) -> impl Iterator<Item = &String> + Clone {
        self.file_module.iter().chain(self.inner_module.iter())
    }

    fn same_module(&self, other: &FnInfo<'_>) -> bool {
        self.module().eq(other.module())
    }
}

/// Resolves calls to in-crate functions.
pub(super) struct Resolver<'a> {
    pub(super) infos: &'a [FnInfo<'a>],
    pub(super) by_name: &'a FxHashMap<(CrateId, &'a str), Vec<BodyIdx>>,
    pub(super) model: &'a Model,
}

/// What the walker knows of a receiver's root variable.
#[derive(Clone, Copy)]
enum Root<'a> {
    /// Its declared type, as written.
    Written(&'a str),
    /// The associated function whose result it holds.
    Built(&'a BuiltBy),
    Unknown,
}

/// What a method call's receiver is, as far as declared types show it.
enum RecvTy {
    /// A type of the crate (by name).
    Type(String),
    /// A trait object or opaque value of a trait (`Box<dyn Store>`, `impl Store`).
    Trait(String),
    /// A value of a type parameter (`s: &T` with `T: Store + Send`, `Self` in a
    /// trait's default body): the traits of the crate that bound it.
    Bounded(Vec<String>),
}

impl Resolver<'_> {
    pub(super) fn resolve(&self, caller: BodyIdx, call: &Call, body: &Body) -> Option<BodyIdx> {
        let me = &self.infos[caller];
        // No body of the crate has the name (`unwrap`, `mem::take`): nothing to work
        // out about the receiver or the path.
        let path = call.callee.name();
        let last = call
            .callee
            .method()
            .unwrap_or_else(|| path.rsplit("::").next().unwrap_or(path));
        if !self.by_name.contains_key(&(me.krate, last)) {
            return None;
        }
        if let Some(name) = call.callee.method() {
            // A method called on a guard (`g.insert(..)`, `m.lock().unwrap().len()`)
            // is the protected type's, through the guard's `Deref`.
            if let Some(g) = call.on_guard.filter(|_| call.on_guard_value) {
                let data = body
                    .guards
                    .get(g)
                    .and_then(|guard| self.lock_data_type(me, &guard.lock));
                return data.and_then(|ty| {
                    self.unique(name, me.krate, |f| {
                        f.self_ty.as_deref() == Some(ty.as_str())
                    })
                });
            }
            let recv = call.receiver.as_ref()?;
            let segs = recv.segments.as_ref()?;
            // `self.m()` resolves in the impl's type; `x.m()` in `x`'s declared type;
            // `self.a.b.m()` and `x.a.m()` in the declared type of the field.
            let root = match (&recv.root_ty, &recv.root_built) {
                (Some(written), _) => Root::Written(written),
                (None, Some(built)) => Root::Built(built),
                (None, None) => Root::Unknown,
            };
            return match self.receiver_ty(me, root, segs, name)? {
                RecvTy::Type(ty) => self.unique(name, me.krate, |f| {
                    f.self_ty.as_deref() == Some(ty.as_str())
                }),
                // A trait's method: the one body of that name among the trait's
                // default and its impls in the crate; two impls are ambiguous.
                RecvTy::Trait(tr) => self.unique(name, me.krate, |f| {
                    f.self_ty.is_some() && f.trait_name == Some(tr.as_str())
                }),
                // A bounded type parameter: the same, across the traits that bound
                // it, since the method may be any of theirs.
                RecvTy::Bounded(trs) => self.unique(name, me.krate, |f| {
                    f.self_ty.is_some() && f.trait_name.is_some_and(|t| trs.iter().any(|b| b == t))
                }),
            };
        }
        let segs: Vec<&str> = path.split("::").collect();
        let (&name, quals) = segs.split_last()?;
        if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return None;
        }
        match quals {
            [] => {
                // A plain name: a function of this module, unless a parameter or
                // local of the same name shadows it.
                if body.params.iter().any(|(p, _)| p == name) {
                    return None;
                }
                let here =
                    self.unique(name, me.krate, |f| f.self_ty.is_none() && f.same_module(me));
                if here.is_some() || me.inner_module.is_empty() {
                    return here;
                }
                // An inline module (`mod tests { use super::*; .. }`) calling a
                // function of its parent.
                let parent: Vec<&String> = {
                    let mut m: Vec<&String> = me.module().collect();
                    m.pop();
                    m
                };
                self.unique(name, me.krate, |f| {
                    f.self_ty.is_none() && f.module().eq(parent.iter().copied())
                })
            }
            ["Self"] => {
                if let Some(trs) = self.bounded(me, "Self") {
                    return self.unique(name, me.krate, |f| {
                        f.self_ty.is_some()
                            && f.trait_name.is_some_and(|t| trs.iter().any(|b| b == t))
                    });
                }
                let ty = me.self_ty.clone()?;
                self.unique(name, me.krate, |f| {
                    f.self_ty.as_deref() == Some(ty.as_str())
                })
            }
            [.., ty] if ty.starts_with(|c: char| c.is_ascii_uppercase()) => {
                self.unique(name, me.krate, |f| f.self_ty.as_deref() == Some(*ty))
            }
            _ => {
                let current: Vec<String> = me.module().cloned().collect();
                let target = module_target(&current, quals)?;
                self.unique(name, me.krate, |f| {
                    f.self_ty.is_none()
                        && module_matches(&f.module().cloned().collect::<Vec<_>>(), &target)
                })
            }
        }
    }

    /// The type a method call's receiver has: the impl's type for `self`, the
    /// declared type of a parameter or local, then the declared types of the fields
    /// along the path while they are types of the crate. `None` when any step is
    /// unknown, or when a smart pointer's own method may be the one called.
    /// The type a lock protects, from the declarations of its place: the field's
    /// type for `self.state` or `x.inner.state`, the variable's for a parameter or
    /// an annotated local (`m: &Mutex<S>` gives `S`).
    fn lock_data_type(&self, me: &FnInfo<'_>, lock: &crate::flow::LockPath) -> Option<String> {
        let segs = lock.segments.as_deref()?;
        let (root, fields) = segs.split_first()?;
        let (mut ty, mut written) = if root == "self" {
            (me.self_ty.clone()?, None)
        } else {
            let root_ty = lock.root_ty.as_deref()?;
            (type_name_of(root_ty)?, Some(root_ty))
        };
        for f in fields {
            let w = self.model.field_type(me.krate, &ty, f)?;
            ty = type_name_of(w)?;
            written = Some(w);
        }
        lock_data_of(written?)
    }

    fn receiver_ty(
        &self,
        me: &FnInfo<'_>,
        root_ty: Root<'_>,
        segs: &[String],
        method: &str,
    ) -> Option<RecvTy> {
        let (root, fields) = segs.split_first()?;
        let krate = me.krate;
        let mut ty = if root == "self" {
            if fields.is_empty() {
                if let Some(trs) = self.bounded(me, "Self") {
                    return Some(RecvTy::Bounded(trs));
                }
            }
            me.self_ty.clone()?
        } else if let Root::Built(built) = root_ty {
            if built.in_pointer && fields.is_empty() && is_pointer_method("Arc<", method) {
                return None;
            }
            self.built_type(me, built)?
        } else {
            let Root::Written(written) = root_ty else {
                return None;
            };
            if fields.is_empty() {
                if let Some(tr) = object_trait_of(written) {
                    return Some(RecvTy::Trait(tr));
                }
            }
            if is_pointer_method(written, method) && fields.is_empty() {
                return None;
            }
            let name = type_name_of(written)?;
            if let Some(trs) = self.bounded(me, &name) {
                // A type parameter has no fields the crate declares.
                return fields.is_empty().then_some(RecvTy::Bounded(trs));
            }
            match name {
                t if t == "Self" => me.self_ty.clone()?,
                t => t,
            }
        };
        if fields.is_empty() {
            return Some(RecvTy::Type(ty));
        }
        for (i, f) in fields.iter().enumerate() {
            let written = self.model.field_type(krate, &ty, f)?;
            let last = i + 1 == fields.len();
            if last {
                if let Some(tr) = object_trait_of(written) {
                    return Some(RecvTy::Trait(tr));
                }
                if is_pointer_method(written, method) {
                    return None;
                }
            }
            let next = type_name_of(written)?;
            if let Some(trs) = self.bounded(me, &next) {
                // A field of a type parameter's type (`store: S`, `Arc<S>`), in an
                // `impl<S: Store>` that names the parameter as its type does.
                return last.then_some(RecvTy::Bounded(trs));
            }
            if !self.model.has_type(krate, &next) {
                return None;
            }
            ty = next;
        }
        Some(RecvTy::Type(ty))
    }

    /// The type a local built by an associated function holds: the function's
    /// type, when the crate declares it and the function returns it (`-> Self`,
    /// `-> Cache`, `-> Cache<T>`), or when it is `default` with no body of the
    /// crate (a derived `Default`). Another return type (`Result<Self>`,
    /// `Arc<Self>`, a builder) and a type the crate does not declare give `None`.
    fn built_type(&self, me: &FnInfo<'_>, built: &BuiltBy) -> Option<String> {
        let ty = match built.ty.as_str() {
            "Self" => me.self_ty.clone()?,
            t => t.to_string(),
        };
        if !self.model.has_type(me.krate, &ty) {
            return None;
        }
        let of_ty = |f: &FnInfo| f.self_ty.as_deref() == Some(ty.as_str());
        let bodies = self
            .by_name
            .get(&(me.krate, built.func.as_str()))
            .map_or(&[][..], Vec::as_slice);
        if built.func == "default" && !bodies.iter().any(|&i| of_ty(&self.infos[i])) {
            return Some(ty);
        }
        let f = &self.infos[self.unique(&built.func, me.krate, of_ty)?];
        let ret = f.ret_ty?.trim();
        let head = ret.split('<').next().unwrap_or(ret).trim();
        let name = head.rsplit("::").next().unwrap_or(head);
        (ret == "Self" || name == ty).then_some(ty)
    }

    /// The traits of the crate bounding the type parameter `param` of the body,
    /// if it is one with such bounds: `Send`, `Clone` or a trait declared elsewhere
    /// say nothing of which body runs.
    fn bounded(&self, me: &FnInfo<'_>, param: &str) -> Option<Vec<String>> {
        let mut bounded = false;
        let mut trs = Vec::new();
        for (p, tr) in me.bounds {
            if p == param {
                bounded = true;
                if self.model.has_trait(me.krate, tr) {
                    trs.push(tr.clone());
                }
            }
        }
        match (bounded, trs.is_empty()) {
            (false, _) => None,
            // A parameter bounded only by traits of elsewhere: its methods are
            // not the crate's to name, and it is not a type of the crate either.
            (true, true) => Some(Vec::new()),
            (true, false) => Some(trs),
        }
    }

    fn unique(&self, name: &str, krate: CrateId, ok: impl Fn(&FnInfo) -> bool) -> Option<BodyIdx> {
        let mut found = None;
        for &i in self.by_name.get(&(krate, name))? {
            let f = &self.infos[i];
            if ok(f) {
                if found.is_some() {
                    return None;
                }
                found = Some(i);
            }
        }
        found
    }
}

/// The module a qualified path names, from the caller's module: `crate::a::b`,
/// `self::a`, `super::a`, or `a::b` relative to the caller (a child module).
fn module_target(current: &[String], quals: &[&str]) -> Option<Target> {
    let mut quals = quals;
    let mut base: Vec<String> = current.to_vec();
    let mut absolute = false;
    match quals.first() {
        Some(&"crate") => {
            base.clear();
            absolute = true;
            quals = &quals[1..];
        }
        Some(&"self") => {
            absolute = true;
            quals = &quals[1..];
        }
        Some(&"super") => {
            absolute = true;
            while quals.first() == Some(&"super") {
                base.pop()?;
                quals = &quals[1..];
            }
        }
        _ => {}
    }
    base.extend(quals.iter().map(|s| s.to_string()));
    Some(Target {
        path: base,
        tail: quals.iter().map(|s| s.to_string()).collect(),
        absolute,
    })
}

/// A module a path names: exactly, or (for a relative path) any module ending so.
struct Target {
    path: Vec<String>,
    tail: Vec<String>,
    absolute: bool,
}

fn module_matches(module: &[String], t: &Target) -> bool {
    if module == t.path.as_slice() {
        return true;
    }
    !t.absolute && !t.tail.is_empty() && module.ends_with(&t.tail)
}

/// Whether `method` on a value of this declared type may be the smart pointer's or
/// reference's own (`Arc::clone`, `Rc::downgrade`), not the pointee's.
fn is_pointer_method(written: &str, method: &str) -> bool {
    let pointer = ["Arc<", "Rc<", "Box<", "Weak<", "Pin<"]
        .iter()
        .any(|p| written.contains(p));
    pointer
        && matches!(
            method,
            "clone" | "downgrade" | "upgrade" | "as_ref" | "as_mut" | "borrow" | "into"
        )
}
