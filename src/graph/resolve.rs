//! Call resolution: a call names an in-crate function through `self.method()`, a
//! receiver of declared type, `Self::f()`, `Type::f()` or a path, and resolves only
//! when exactly one function of the crate fits.

use rustc_hash::FxHashMap;

use super::BodyIdx;
use crate::flow::{Body, Call};
use crate::model::{type_name_of, CrateId};

/// A function's resolution key.
pub(super) struct FnInfo<'a> {
    pub(super) name: &'a str,
    pub(super) self_ty: Option<String>,
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
}

impl Resolver<'_> {
    pub(super) fn resolve(&self, caller: BodyIdx, call: &Call, body: &Body) -> Option<BodyIdx> {
        let me = &self.infos[caller];
        if let Some(name) = call.callee.method() {
            let recv = call.receiver.as_ref()?;
            let segs = recv.segments.as_ref()?;
            // `self.m()` resolves in the impl's type; `x.m()` in `x`'s declared type.
            let ty = if segs.len() == 1 && segs[0] == "self" {
                me.self_ty.clone()?
            } else if segs.len() == 1 {
                type_name_of(recv.root_ty.as_deref()?)?
            } else {
                return None;
            };
            return self.unique(name, me.krate, |f| {
                f.self_ty.as_deref() == Some(ty.as_str())
            });
        }
        let segs: Vec<&str> = call.callee.name().split("::").collect();
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
