//! Methods that hand their caller a guard, gathered across the files of a crate.
//!
//! The walker reads a call of a method of its own file whose body is one
//! acquisition (or a value holding one) as that acquisition; each file lists those
//! methods in [`FileFlows::guard_fns`]. Once every file is walked, the lists of a
//! crate are joined into a [`CrateGuardFns`], and a file that calls one of those
//! names declared elsewhere is walked again with the table in view, so that
//! `self.registry.entries()` takes `Registry.entries` when `entries` is declared in
//! another file. This module is plain data: it decides which files to walk again,
//! and the walker decides what a call means.
//!
//! Free functions whose body is one acquisition of a static of their file are
//! listed too, with the module they are declared in: a call in another file names
//! one by a path (`crate::a::state()`, or `state()` through a `use`), and the static
//! is named by its last segment, as the graph names statics.

use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

use super::{BodyKind, FileFlows};
use crate::report::finding::FileId;

/// A method of a file whose value is a guard of a lock it reaches from `self`
/// (`fn entries(&self) -> MutexGuard<'_, Map> { self.entries.lock().unwrap() }`),
/// or a value holding one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GuardFnFact {
    /// The method's name.
    pub name: String,
    /// The head of its `impl`'s type (`Registry` for `impl<T> Registry<T>`); empty
    /// for a free function.
    pub owner: String,
    /// The fields from `self` to the lock (`["entries"]`); empty when the lock is
    /// `self` itself, in a method of a lock type; for a free function, the static
    /// it locks (`["STATE"]`).
    pub lock: Box<[String]>,
    /// For a free function, the module it is declared in (the file's module, then
    /// the inline modules around it: `["a"]` for `src/a.rs`); `None` for a method.
    pub module: Option<Box<[String]>>,
    /// The lock method the body calls (`lock`, `read`, `write`...).
    pub method: String,
    /// The guard goes through `unwrap`-like calls.
    pub wrapped: bool,
    /// The guard is held inside the value handed back, not the value itself.
    pub in_value: bool,
}

/// A method of the crate declared in another file than the one being walked: its
/// owner and, if it hands back a guard, which.
#[derive(Clone, Debug)]
pub struct ForeignFn {
    /// The file that declares it.
    pub file: FileId,
    /// The head of its `impl`'s type, or its trait for a default method.
    pub owner: Option<String>,
    /// The guard it hands back, if it is one of the crate's guard methods.
    pub guard: Option<GuardFnFact>,
}

/// The methods of one crate named as one of its guard methods, by name: every
/// method of such a name in the crate, so that a receiver of unknown type, or two
/// types with a method of the name, resolve to nothing rather than to a guess.
#[derive(Clone, Debug, Default)]
pub struct CrateGuardFns {
    by_name: FxHashMap<String, Vec<ForeignFn>>,
}

impl CrateGuardFns {
    /// The methods of `name` declared in files other than `file`.
    pub fn others(&self, file: FileId) -> impl Iterator<Item = (&str, &ForeignFn)> {
        self.by_name.iter().flat_map(move |(name, fns)| {
            fns.iter()
                .filter(move |f| f.file != file)
                .map(move |f| (name.as_str(), f))
        })
    }

    /// Whether `flows` (of `file`) calls a guard method or free function of this
    /// crate declared in another file: a call of its name with no arguments, on a
    /// place or through a path, that the walk left a call, not an acquisition
    /// ([`FileFlows::nullary_calls`]). A file that does not is not walked again.
    pub fn is_called_in(&self, file: FileId, flows: &FileFlows) -> bool {
        flows.nullary_calls.iter().any(|m| {
            self.by_name
                .get(m)
                .is_some_and(|fns| fns.iter().any(|f| f.file != file && f.guard.is_some()))
        })
    }

    /// Joins the guard methods of every file into one table per crate (files of no
    /// package form one group), with every other method of the same names.
    pub fn gather<'f>(
        files: impl Iterator<Item = (FileId, Option<&'f Path>, &'f FileFlows)> + Clone,
    ) -> FxHashMap<Option<PathBuf>, CrateGuardFns> {
        let mut out: FxHashMap<Option<PathBuf>, CrateGuardFns> = FxHashMap::default();
        for (file, krate, flows) in files.clone() {
            for g in flows.guard_fns.iter() {
                out.entry(krate.map(Path::to_path_buf))
                    .or_default()
                    .by_name
                    .entry(g.name.clone())
                    .or_default()
                    .push(ForeignFn {
                        file,
                        owner: g.module.is_none().then(|| g.owner.clone()),
                        guard: Some(g.clone()),
                    });
            }
        }
        if out.is_empty() {
            return out;
        }
        for (file, krate, flows) in files {
            let Some(table) = out.get_mut(&krate.map(Path::to_path_buf)) else {
                continue;
            };
            for b in flows.bodies.iter().filter(|b| b.kind == BodyKind::Method) {
                let Some(fns) = table.by_name.get_mut(&b.name) else {
                    continue;
                };
                let owner = b
                    .self_ty
                    .as_deref()
                    .map(type_head)
                    .or_else(|| b.trait_name.clone());
                let is_guard_fn = fns.iter().any(|f| {
                    f.file == file && f.guard.is_some() && f.owner == owner && owner.is_some()
                });
                if !is_guard_fn {
                    fns.push(ForeignFn {
                        file,
                        owner,
                        guard: None,
                    });
                }
            }
        }
        out
    }
}

/// The head of a type as written, without its path and arguments: `Shared` for
/// `crate::Shared<T>`, as the walker names an `impl`'s type.
fn type_head(ty: &str) -> String {
    let ty = ty.trim_start_matches('&').trim_start();
    let path = ty.split('<').next().unwrap_or(ty);
    path.rsplit("::").next().unwrap_or(path).trim().to_string()
}
