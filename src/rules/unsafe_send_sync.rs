//! `unsafe-send-sync`: an `unsafe impl Send` or `unsafe impl Sync` that promises
//! more than the type keeps. A generic type is judged by what it does with each
//! type parameter, against the bounds the impl states: a type that holds a `T` is
//! `Send` only when `T: Send`; a type whose `&self` API hands out `&T` is `Sync`
//! only when `T: Sync`, and one that hands out or takes in a `T` through `&self`
//! only when `T: Send`. Concrete fields are judged by kind: an `Rc` is never
//! sendable, and a `Cell` or `RefCell` outside a lock cannot be shared.
//! Page: rules/unsafe-send-sync.md.
//!
//! Reads the crate model only (`model::api`: types, fields, impl blocks, method
//! signatures, traits and modules); it never looks at method bodies.

use rustc_hash::{FxHashMap, FxHashSet};

use crate::model::api::{ApiImpl, ApiTrait, ApiType, FileApi, Receiver, UseKind, Vis};
use crate::model::known;
use crate::model::types::{bound_names, is_atomic_name, mentions_word};
use crate::model::CrateId;
use crate::model::TypeTree;
use crate::report::finding::{Finding, Label, Span};
use crate::rules::support::label;
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `unsafe-send-sync` rule.
    UnsafeSendSync,
    "unsafe-send-sync",
    Deny
}

/// Containers that give each thread its own value: what is inside is not shared.
const SHIELDS: &[&str] = &[
    "PhantomData",
    "ThreadLocal",
    "CachedThreadLocal",
    "LocalKey",
];

/// Synchronisation primitives other than locks and atomics.
const SYNC_PRIMITIVES: &[&str] = &["Once", "Condvar", "Barrier", "Semaphore"];

/// Traits of the standard library that do not imply `Send` or `Sync`. A trait of
/// the crate is followed through its supertraits; any other trait might imply
/// them, so a bound by it is trusted.
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
    "DoubleEndedIterator",
    "ExactSizeIterator",
    "ToString",
    "Deref",
    "DerefMut",
    "Borrow",
    "BorrowMut",
    "RangeBounds",
    "Future",
    "Read",
    "Write",
    "BufRead",
    "Seek",
    "Drop",
    "ToOwned",
    "Error",
    "Hasher",
    "BuildHasher",
];

/// Traits whose `&self` methods read the value through `&T` when the impl bounds
/// `T` by them (`impl<T: Debug> Debug for S<T>` formats each `&T`).
const READING_TRAITS: &[&str] = &[
    "Debug",
    "Display",
    "PartialEq",
    "Eq",
    "PartialOrd",
    "Ord",
    "Hash",
];

/// How safe code outside the crate reaches a type's impl.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Reach {
    /// It does not.
    No,
    /// It names the type, or a holder derives its impl from exactly this one.
    Direct,
    /// A holder derives its impl from both of the type's impls.
    Shared,
}

/// The nodes of a field type with whether each is held by value from the root:
/// through `Option`, `Box`, `Vec`, arrays, tuples, slices and cells only.
fn held_nodes<'t>(
    tree: &'t TypeTree,
    direct: bool,
    skip: &dyn Fn(&TypeTree) -> bool,
    out: &mut Vec<(&'t TypeTree, bool)>,
) {
    if skip(tree) {
        return;
    }
    out.push((tree, direct));
    let by_value = matches!(
        tree.head.as_str(),
        "Option"
            | "Box"
            | "Vec"
            | "VecDeque"
            | "[]"
            | "[;]"
            | "()"
            | "UnsafeCell"
            | "Cell"
            | "ManuallyDrop"
            | "MaybeUninit"
            | "CachePadded"
    );
    for a in &tree.args {
        held_nodes(a, direct && by_value, skip, out);
    }
}

/// What a type parameter must be for the impl to hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Req {
    Send,
    Sync,
    /// A raw pointer to a `T`: it owns one (`Send`) or borrows one (`Sync`), which
    /// the syntax cannot tell apart; either bound is taken as the author's reading.
    Either,
    /// Nothing.
    None,
}

impl Req {
    fn text(self, param: &str) -> String {
        match self {
            Req::Send => format!("`{param}: Send`"),
            Req::Sync => format!("`{param}: Sync`"),
            Req::Either | Req::None => format!("`{param}: Send` or `{param}: Sync`"),
        }
    }
}

impl Rule for UnsafeSendSync {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        let crates: FxHashSet<CrateId> = cx
            .model
            .api
            .iter()
            .filter(|(_, _, f)| f.impls.iter().any(is_thread_impl))
            .map(|(k, _, _)| *k)
            .collect();
        if crates.is_empty() {
            return;
        }
        let ix = Index::build(&cx.model.api, &crates);
        for (krate, module, file) in &cx.model.api {
            for imp in file.impls.iter().filter(|i| is_thread_impl(i)) {
                if let Some(f) = ix.judge(*krate, module, imp) {
                    out.push(f);
                }
            }
        }
    }
}

fn is_thread_impl(imp: &ApiImpl) -> bool {
    imp.is_unsafe && matches!(imp.trait_name.as_deref(), Some("Send" | "Sync"))
}

/// A type declaration with where it sits.
struct TypeAt<'a> {
    krate: CrateId,
    module: Vec<String>,
    decl: &'a ApiType,
}

/// The declarations of the crates with an unsafe impl, indexed for the judgement.
struct Index<'a> {
    types: Vec<TypeAt<'a>>,
    by_name: FxHashMap<(CrateId, &'a str), Vec<usize>>,
    /// Impl blocks by the type they resolve to.
    impls: FxHashMap<usize, Vec<&'a ApiImpl>>,
    traits: FxHashMap<(CrateId, &'a str), Vec<&'a ApiTrait>>,
    mods: FxHashMap<(CrateId, Vec<String>), Vis>,
    reexports: FxHashSet<(CrateId, &'a str)>,
    globs: FxHashSet<(CrateId, &'a str)>,
    aliases: FxHashSet<(CrateId, &'a str)>,
    /// Set while [`Index::held_params`] counts, so that it does not recurse.
    in_held: std::cell::Cell<bool>,
    /// Types holding an atomic or a lock by value (see [`Index::holds_sync`]).
    primitive: FxHashSet<usize>,
    /// For each type, the types of the crate whose fields hold it (outside
    /// markers and raw pointers), as their auto traits see it.
    /// Whether the hold is by value (through `Option`, `Box`, `Vec`, arrays,
    /// tuples and cells), so that the holder's auto trait is exactly the held
    /// type's; through an `Arc` or another crate's type it may need both traits.
    holders: FxHashMap<usize, Vec<Hold>>,
}

/// One field of a type of the crate that holds another.
struct Hold {
    holder: usize,
    /// Held by value (see [`held_nodes`]).
    direct: bool,
    /// For each type argument the field gives the held type, the holder's own
    /// parameters (by position) it names.
    args: Vec<Vec<usize>>,
}

/// How a type's impl leaks through its holders, and which of its parameters
/// (by position) the holders leave open to their callers.
struct Leak {
    reach: Reach,
    open: Vec<bool>,
    /// For parameters chosen outside the crate only through holders whose other
    /// fields already ask a bound of them (`PhantomData<&'a T>` or a
    /// `&'a mut Table<T>` next to the held type), the bound every such use
    /// meets: `Send`, `Sync`, or one of the two (`Req::Either`); `Req::None`
    /// where none is known.
    marked: Vec<Req>,
}

fn full_module(file_module: &[String], inline: &[String]) -> Vec<String> {
    let mut m = file_module.to_vec();
    m.extend(inline.iter().cloned());
    m
}

impl<'a> Index<'a> {
    fn build(files: &'a [(CrateId, Vec<String>, FileApi)], crates: &FxHashSet<CrateId>) -> Self {
        let mut ix = Index {
            types: Vec::new(),
            by_name: FxHashMap::default(),
            impls: FxHashMap::default(),
            traits: FxHashMap::default(),
            mods: FxHashMap::default(),
            reexports: FxHashSet::default(),
            globs: FxHashSet::default(),
            aliases: FxHashSet::default(),
            in_held: std::cell::Cell::new(false),
            primitive: FxHashSet::default(),
            holders: FxHashMap::default(),
        };
        let files: Vec<&(CrateId, Vec<String>, FileApi)> = files
            .iter()
            .filter(|(k, _, _)| crates.contains(k))
            .collect();
        for (krate, module, file) in &files {
            for t in &file.types {
                ix.by_name
                    .entry((*krate, t.name.as_str()))
                    .or_default()
                    .push(ix.types.len());
                ix.types.push(TypeAt {
                    krate: *krate,
                    module: full_module(module, &t.module),
                    decl: t,
                });
            }
            for t in &file.traits {
                ix.traits
                    .entry((*krate, t.name.as_str()))
                    .or_default()
                    .push(t);
            }
            for m in &file.mods {
                let mut path = full_module(module, &m.parent);
                path.push(m.name.clone());
                let e = ix.mods.entry((*krate, path)).or_insert(m.vis);
                if m.vis == Vis::Pub {
                    *e = Vis::Pub;
                }
            }
            ix.reexports
                .extend(file.reexports.iter().map(|n| (*krate, n.as_str())));
            ix.globs
                .extend(file.globs.iter().map(|n| (*krate, n.as_str())));
            ix.aliases
                .extend(file.aliases.iter().map(|n| (*krate, n.as_str())));
        }
        for (krate, module, file) in &files {
            for imp in &file.impls {
                let at = full_module(module, &imp.module);
                let file_id = imp.span.file;
                if let Some(t) =
                    ix.resolve(*krate, &imp.self_name, &imp.self_prefix, &at, Some(file_id))
                {
                    ix.impls.entry(t).or_default().push(imp);
                }
            }
        }
        let mut memo = FxHashMap::default();
        for t in 0..ix.types.len() {
            if ix.holds_sync(t, 0, &mut memo) {
                ix.primitive.insert(t);
            }
        }
        let mut holders: FxHashMap<usize, Vec<Hold>> = FxHashMap::default();
        for (r, at) in ix.types.iter().enumerate() {
            let skip = |n: &TypeTree| {
                matches!(
                    n.head.as_str(),
                    "PhantomData" | "*const" | "*mut" | "NonNull" | "AtomicPtr"
                )
            };
            for f in &at.decl.fields {
                let tree = f.type_tree();
                let mut nodes = Vec::new();
                held_nodes(&tree, true, &skip, &mut nodes);
                for (n, direct) in nodes {
                    if n.head == at.decl.name
                        || !ix.by_name.contains_key(&(at.krate, n.head.as_str()))
                    {
                        continue;
                    }
                    if let Some(c) = ix.resolve(at.krate, &n.head, &[], &at.module, None) {
                        let args: Vec<Vec<usize>> = n
                            .args
                            .iter()
                            .map(|a| {
                                at.decl
                                    .generics
                                    .iter()
                                    .enumerate()
                                    .filter(|(_, g)| a.mentions(g, &|_: &TypeTree| false))
                                    .map(|(q, _)| q)
                                    .collect()
                            })
                            .collect();
                        holders.entry(c).or_default().push(Hold {
                            holder: r,
                            direct,
                            args,
                        });
                    }
                }
            }
        }
        ix.holders = holders;
        ix
    }

    /// Whether another field of the holder already switches its auto trait off: a
    /// raw pointer or an `Rc` (also in a marker) for either trait, a cell outside
    /// a lock for `Sync`.
    fn blocks(&self, r: usize, trait_name: &str) -> bool {
        let skip = |n: &TypeTree| n.is_lock() || n.is_atomic();
        self.types[r].decl.fields.iter().any(|f| {
            f.type_tree().any(&skip, &|n| match n.head.as_str() {
                "*const" | "*mut" | "NonNull" | "Rc" => true,
                "Cell" | "RefCell" | "UnsafeCell" => trait_name == "Sync",
                _ => false,
            })
        })
    }

    /// Whether the type is judged only because a reachable type holds it: its
    /// crate-visible methods are then its API, as its holder calls them.
    fn internal(&self, t: usize) -> bool {
        !self.is_reachable(t)
    }

    /// Whether safe code outside the crate gets the type's `trait_name` impl
    /// through a type it can name: a reachable type of the crate (or one that
    /// leaks in turn) holds it in a field and states no impl of that trait of its
    /// own, so the compiler derives the holder's from this one. Through an `Arc`
    /// or another crate's type the holder's derived impl may ask for both of the
    /// held type's impls ([`Reach::Shared`]).
    fn leaks(&self, t: usize, trait_name: &str, depth: usize, seen: &mut Vec<usize>) -> Leak {
        let n = self.types[t].decl.generics.len();
        let mut out = Leak {
            reach: Reach::No,
            open: vec![false; n],
            marked: vec![Req::None; n],
        };
        for h in self.holders.get(&t).into_iter().flatten() {
            let r = h.holder;
            if seen.contains(&r) || self.types[r].decl.in_test || self.blocks(r, trait_name) {
                continue;
            }
            let own = self
                .impls
                .get(&r)
                .into_iter()
                .flatten()
                .any(|i| is_thread_impl(i) && i.trait_name.as_deref() == Some(trait_name));
            if own {
                continue;
            }
            let up = if self.is_reachable(r) {
                Leak {
                    reach: Reach::Direct,
                    open: vec![true; self.types[r].decl.generics.len()],
                    marked: vec![Req::None; self.types[r].decl.generics.len()],
                }
            } else if depth < 4 {
                seen.push(r);
                let up = self.leaks(r, trait_name, depth + 1, seen);
                seen.pop();
                up
            } else {
                continue;
            };
            if up.reach == Reach::No {
                continue;
            }
            // Only the arguments the holder leaves to its own callers are chosen
            // outside the crate; one it fixes (`Inner<Span>`) is the crate's own
            // choice, which the parameter's judgement does not see.
            let mut any = false;
            let given = self.holder_bounds(r, t, trait_name);
            for (p, qs) in h.args.iter().enumerate().take(n) {
                let chosen = |q: &usize| {
                    up.open.get(*q).copied().unwrap_or(false)
                        || up.marked.get(*q).is_some_and(|m| *m != Req::None)
                };
                if !qs.iter().any(chosen) {
                    continue;
                }
                any = true;
                // The bound each chosen argument meets: the holder's own, else the
                // one its holders ask; a compound argument meets the weakest.
                let mut met = Some(Req::None);
                for q in qs.iter().filter(|q| chosen(q)) {
                    let here = match given.get(*q).copied().unwrap_or(Req::None) {
                        Req::None if up.open.get(*q).copied().unwrap_or(false) => None,
                        Req::None => up.marked.get(*q).copied(),
                        g => Some(g),
                    };
                    met = match (met, here) {
                        (None, _) | (_, None) => None,
                        (Some(Req::None), h) => h,
                        (Some(a), Some(b)) if a == b => Some(a),
                        _ => Some(Req::Either),
                    };
                }
                match met {
                    None | Some(Req::None) => out.open[p] = true,
                    Some(m) => {
                        out.marked[p] = match out.marked[p] {
                            Req::None => m,
                            old if old == m => m,
                            _ => Req::Either,
                        }
                    }
                }
            }
            if !any {
                continue;
            }
            let reach = if h.direct && up.reach == Reach::Direct {
                Reach::Direct
            } else {
                Reach::Shared
            };
            if out.reach != Reach::Direct {
                out.reach = reach;
            }
        }
        out
    }

    /// The type a name written in module `at` (of file `file`) stands for: the one
    /// its path names, the one declared in that module, or the only one of that
    /// name in the crate; `None` when that cannot be told.
    fn resolve(
        &self,
        krate: CrateId,
        name: &str,
        prefix: &[String],
        at: &[String],
        file: Option<crate::report::finding::FileId>,
    ) -> Option<usize> {
        let cands = self.by_name.get(&(krate, name))?;
        if cands.len() == 1 {
            return cands.first().copied();
        }
        let path: Option<Vec<String>> = match prefix.first().map(String::as_str) {
            None => Some(at.to_vec()),
            Some("crate") => Some(prefix[1..].to_vec()),
            Some("self") => Some(full_module(at, &prefix[1..])),
            Some("super") => {
                let mut p = at.to_vec();
                let mut rest = prefix;
                while rest.first().is_some_and(|s| s == "super") {
                    p.pop();
                    rest = &rest[1..];
                }
                Some(full_module(&p, rest))
            }
            Some(_) => Some(full_module(at, prefix)),
        };
        if let Some(path) = path {
            if let Some(&c) = cands.iter().find(|&&c| self.types[c].module == path) {
                return Some(c);
            }
        }
        if let Some(file) = file {
            let here: Vec<usize> = cands
                .iter()
                .copied()
                .filter(|&c| self.types[c].decl.span.file == file)
                .collect();
            if here.len() == 1 {
                return here.first().copied();
            }
        }
        None
    }

    /// Whether a type holds an atomic, a lock or another synchronisation primitive
    /// by value (through fields of the crate's own types, not through references
    /// or pointers): a synchronisation primitive or a type built on one.
    fn holds_sync(&self, t: usize, depth: usize, memo: &mut FxHashMap<usize, bool>) -> bool {
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

    /// Whether the type cannot be named outside the crate and each type of the
    /// crate that holds it states its own `trait_name` impl, so that its own impl
    /// reaches outside code only as those holders restate it.
    fn relayed_only(&self, t: usize, trait_name: &str) -> bool {
        let holders = self.holders.get(&t).map_or(&[][..], Vec::as_slice);
        !self.is_reachable(t)
            && !holders.is_empty()
            && holders.iter().all(|h| {
                self.impls
                    .get(&h.holder)
                    .into_iter()
                    .flatten()
                    .any(|i| is_thread_impl(i) && i.trait_name.as_deref() == Some(trait_name))
            })
    }

    /// Whether the type's declaration can be named by safe code outside its crate:
    /// `pub`, in modules that are `pub` or whose items are re-exported. A module
    /// whose declaration is not seen (a macro, a `#[path]`) is taken to be public.
    fn is_reachable(&self, t: usize) -> bool {
        let at = &self.types[t];
        if at.decl.vis != Vis::Pub || at.decl.in_test {
            return false;
        }
        let krate = at.krate;
        for i in 0..at.module.len() {
            let path = at.module[..=i].to_vec();
            let name = at.module[i].as_str();
            match self.mods.get(&(krate, path)) {
                Some(Vis::Pub) | None => {}
                Some(_) => {
                    let reexported = self.reexports.contains(&(krate, at.decl.name.as_str()))
                        || self.globs.contains(&(krate, name));
                    if !reexported {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Whether a bound by trait `name` gives `want` (`Send` or `Sync`): directly, or
    /// through the supertraits of the crate's trait of that name. A trait of another
    /// crate might; so might an `unsafe trait`, whose implementors promise what its
    /// documentation asks (a raw lock's thread-safety), which the syntax cannot read.
    fn implies(&self, krate: CrateId, name: &str, want: &str, seen: &mut Vec<String>) -> bool {
        if name == want {
            return true;
        }
        if PLAIN_TRAITS.contains(&name) || name == "Send" || name == "Sync" {
            return false;
        }
        let Some(decls) = self.traits.get(&(krate, name)) else {
            return true;
        };
        if seen.iter().any(|s| s == name) {
            return false;
        }
        seen.push(name.to_string());
        decls.iter().any(|d| {
            d.is_unsafe
                || d.supertraits
                    .iter()
                    .any(|s| self.implies(krate, s, want, seen))
        })
    }

    fn satisfies(&self, krate: CrateId, bounds: &[String], req: Req) -> bool {
        let has = |want: &str| {
            bounds
                .iter()
                .any(|b| self.implies(krate, b, want, &mut Vec::new()))
        };
        match req {
            Req::Send => has("Send"),
            Req::Sync => has("Sync"),
            Req::Either => has("Send") || has("Sync"),
            Req::None => true,
        }
    }

    /// What the type at `t` needs of its own parameters (by position) to be `want`,
    /// from its fields, as the compiler would derive it; a type of the crate with
    /// an unsafe impl of `want` needs what that impl states.
    fn own_needs(
        &self,
        t: usize,
        want: Req,
        depth: usize,
        memo: &mut FxHashMap<(usize, Req), Vec<(usize, Req)>>,
    ) -> Vec<(usize, Req)> {
        if let Some(v) = memo.get(&(t, want)) {
            return v.clone();
        }
        memo.insert((t, want), Vec::new());
        let at = &self.types[t];
        let mut out = Vec::new();
        let stated = self
            .impls
            .get(&t)
            .into_iter()
            .flatten()
            .find(|i| is_thread_impl(i) && i.trait_name.as_deref() == Some(trait_of(want)))
            // A stated impl that no outside code reaches (the type is private and
            // every holder states its own) promises nothing the judgement checks:
            // a holder that rests on it is read through the fields instead.
            .filter(|_| want == Req::Either || !self.relayed_only(t, trait_of(want)));
        if let (Some(imp), false) = (stated, want == Req::Either) {
            for (pos, arg) in imp.args.iter().enumerate() {
                let Some(arg) = arg else { continue };
                let bounds = bound_names_of(imp, arg);
                for req in [Req::Send, Req::Sync] {
                    if bounds.iter().any(|b| b == trait_of(req))
                        || (bounds.iter().any(|b| {
                            self.traits.contains_key(&(at.krate, b.as_str()))
                                && self.implies(at.krate, b, trait_of(req), &mut Vec::new())
                        }))
                    {
                        out.push((pos, req));
                    }
                }
            }
        } else if depth < 8 {
            let params: FxHashMap<&str, usize> = at
                .decl
                .generics
                .iter()
                .enumerate()
                .map(|(i, g)| (g.as_str(), i))
                .collect();
            for f in &at.decl.fields {
                let tree = f.type_tree();
                self.needs(t, &tree, want, &params, false, depth + 1, memo, &mut out);
            }
            let held = self.held_params(t);
            out.retain(|(p, _)| held.get(*p).copied().unwrap_or(false));
        }
        out.sort_by_key(|(p, r)| (*p, *r as u8));
        out.dedup();
        memo.insert((t, want), out.clone());
        out
    }

    /// What a value of type `ty` (a field of the type at `owner`, whose parameters
    /// are `params`) needs of those parameters to be `want`.
    #[allow(clippy::too_many_arguments)]
    fn needs(
        &self,
        owner: usize,
        ty: &TypeTree,
        want: Req,
        params: &FxHashMap<&str, usize>,
        in_phantom: bool,
        depth: usize,
        memo: &mut FxHashMap<(usize, Req), Vec<(usize, Req)>>,
        out: &mut Vec<(usize, Req)>,
    ) {
        let head = ty.head.as_str();
        if ty.args.is_empty() {
            if let Some(&p) = params.get(head) {
                out.push((p, want));
                return;
            }
        }
        let each = |w: Req,
                    phantom: bool,
                    memo: &mut FxHashMap<(usize, Req), Vec<(usize, Req)>>,
                    out: &mut Vec<(usize, Req)>| {
            for a in &ty.args {
                self.needs(owner, a, w, params, phantom, depth, memo, out);
            }
        };
        // A type of the crate is read through its own declaration, even when it
        // shares a name with a standard one (a crate's own `RwLock` or `Guard`).
        let krate = self.types[owner].krate;
        let is_crate_name =
            self.by_name.contains_key(&(krate, head)) || self.aliases.contains(&(krate, head));
        match if is_crate_name { "" } else { head } {
            // What a value only borrows or shares is judged by either bound: a
            // borrow through an exclusive `&mut` parent is sent with `T: Send`, a
            // shared one with `T: Sync`, and which it is the fields do not say.
            "&" => each(Req::Either, in_phantom, memo, out),
            "&mut" => each(want, in_phantom, memo, out),
            "*const" | "*mut" | "NonNull" | "AtomicPtr" => {
                if !in_phantom {
                    each(Req::Either, false, memo, out);
                }
            }
            "PhantomData" => each(want, true, memo, out),
            "Arc" | "Weak" => each(Req::Either, in_phantom, memo, out),
            "Mutex" | "ReentrantMutex" => each(
                if want == Req::Sync { Req::Send } else { want },
                in_phantom,
                memo,
                out,
            ),
            "RwLock" | "ShardedLock" => {
                if want == Req::Sync {
                    each(Req::Send, in_phantom, memo, out);
                    each(Req::Sync, in_phantom, memo, out);
                } else {
                    each(want, in_phantom, memo, out);
                }
            }
            "Cell" | "RefCell" | "UnsafeCell" | "SyncUnsafeCell" | "OnceCell" => {
                if want != Req::Sync {
                    each(want, in_phantom, memo, out);
                }
            }
            "Rc" | "fn" | "dyn" | "impl" | "?" | "'" | "const" => {}
            // A guard borrows its lock's data.
            h if h.ends_with("Guard") || h == "Ref" || h == "RefMut" => {
                each(Req::Either, in_phantom, memo, out)
            }
            h if is_atomic_name(h) => {
                if h != "AtomicPtr" {
                    each(
                        if want == Req::Sync { Req::Send } else { want },
                        in_phantom,
                        memo,
                        out,
                    );
                }
            }
            h if SHIELDS.contains(&h) => each(Req::Send, in_phantom, memo, out),
            _ => {
                let h = ty.head.as_str();
                let at = &self.types[owner];
                let inner = if h == at.decl.name {
                    None
                } else {
                    self.resolve(at.krate, h, &[], &at.module, None)
                };
                match inner {
                    Some(c) if !self.types[c].decl.generics.is_empty() => {
                        for (pos, req) in self.own_needs(c, want, depth, memo) {
                            let req = if want == Req::Either {
                                Req::Either
                            } else {
                                req
                            };
                            if let Some(a) = ty.args.get(pos) {
                                self.needs(owner, a, req, params, in_phantom, depth, memo, out);
                            }
                        }
                    }
                    Some(_) => {}
                    // A name of the crate that cannot be told apart, or an alias: its
                    // contents are not known, and nothing is asked for them.
                    None if self.by_name.contains_key(&(at.krate, h))
                        || self.aliases.contains(&(at.krate, h)) => {}
                    // A type of another crate is taken to hold its arguments.
                    None => each(want, in_phantom, memo, out),
                }
            }
        }
    }

    fn judge(&self, krate: CrateId, file_module: &[String], imp: &ApiImpl) -> Option<Finding> {
        // A target without atomics has no threads.
        if imp
            .cfgs
            .iter()
            .any(|c| c.contains("not(target_feature=\"atomics\")"))
        {
            return None;
        }
        let at = full_module(file_module, &imp.module);
        let t = self.resolve(
            krate,
            &imp.self_name,
            &imp.self_prefix,
            &at,
            Some(imp.span.file),
        )?;
        let is_send = imp.trait_name.as_deref() == Some("Send");
        let mut problems = self.concrete_problems(t, is_send);
        let trait_name = if is_send { "Send" } else { "Sync" };
        let leak = if self.is_reachable(t) {
            Leak {
                reach: Reach::Direct,
                open: vec![true; self.types[t].decl.generics.len()],
                marked: vec![Req::None; self.types[t].decl.generics.len()],
            }
        } else {
            self.leaks(t, trait_name, 0, &mut vec![t])
        };
        let reach = leak.reach;
        if reach != Reach::No {
            // Through a holder that asks for both impls, the other impl's bounds
            // count as well.
            let other =
                (reach == Reach::Shared)
                    .then(|| {
                        let other_name = if is_send { "Sync" } else { "Send" };
                        self.impls.get(&t).into_iter().flatten().copied().find(|i| {
                            is_thread_impl(i) && i.trait_name.as_deref() == Some(other_name)
                        })
                    })
                    .flatten();
            problems.extend(self.param_problems(t, imp, other, &leak, is_send));
        }
        finding(imp, problems)
    }

    /// `Rc`, `Cell` and `RefCell` fields, whatever the parameters.
    fn concrete_problems(&self, t: usize, is_send: bool) -> Vec<Problem> {
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
    fn param_lock(&self, t: usize) -> bool {
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

    /// The parameters the impl leaves without the bound that what the type does
    /// with them asks for.
    fn param_problems(
        &self,
        t: usize,
        imp: &ApiImpl,
        other: Option<&ApiImpl>,
        leak: &Leak,
        is_send: bool,
    ) -> Vec<Problem> {
        let decl = self.types[t].decl;
        if decl.generics.is_empty() {
            return Vec::new();
        }
        let krate = self.types[t].krate;
        let needs = if is_send {
            self.send_needs(t)
        } else {
            self.sync_needs(t)
        };
        let held = self.held_params(t);
        let needs: Vec<Need> = needs
            .into_iter()
            .filter(|n| n.req != Req::None && held.get(n.pos).copied().unwrap_or(false))
            .filter(|n| {
                leak.open.get(n.pos).copied().unwrap_or(false)
                    || leak
                        .marked
                        .get(n.pos)
                        .is_some_and(|m| *m != Req::None && n.req != Req::Either && n.req != *m)
            })
            .filter(|n| !self.is_lock_param(t, imp, n.pos))
            .filter(|n| n.req != Req::Either || self.has_safe_use(t, n.pos))
            // A parameter kept only behind untyped storage and a marker is shared
            // through values moved in and out, not through a `&T` of the type's.
            .filter(|n| is_send || n.req == Req::Send || self.outside_phantom(t, n.pos))
            .collect();
        let self_args = imp.self_tree().args;
        let mut out = Vec::new();
        let mut seen: FxHashSet<(usize, Req)> = FxHashSet::default();
        for need in needs {
            if !seen.insert((need.pos, need.req)) {
                continue;
            }
            // The impl's own name for the parameter, or the names a compound
            // argument (`S<Box<T>>`) is made of.
            let names: Vec<String> = match imp.args.get(need.pos) {
                Some(Some(n)) => vec![n.clone()],
                _ => {
                    let Some(arg) = self_args.get(need.pos) else {
                        continue;
                    };
                    let mut nodes = Vec::new();
                    arg.nodes(&|_| false, &mut nodes);
                    nodes
                        .iter()
                        .filter(|n| imp.params.iter().any(|(p, _)| *p == n.head))
                        .map(|n| n.head.clone())
                        .collect()
                }
            };
            for name in names {
                let mut bounds = bound_names_of(imp, &name);
                if let Some(o) = other {
                    if let Some(Some(o_name)) = o.args.get(need.pos) {
                        bounds.extend(bound_names_of(o, o_name));
                    }
                }
                if self.satisfies(krate, &bounds, need.req) {
                    continue;
                }
                let summary = format!(
                    "it does not require {}, yet {}",
                    need.req.text(&name),
                    need.why.replace("{T}", &name)
                );
                out.push(Problem {
                    at: label(need.span, need.label.replace("{T}", &name)),
                    summary,
                });
            }
        }
        out
    }

    /// Which parameters the type holds a value of: named in a field outside
    /// `PhantomData`, or inside one when the type keeps untyped storage (a raw
    /// pointer, `NonNull` or `AtomicPtr` to a type that names no parameter), as
    /// `ThinVec` does. A parameter only in a marker is not held, and needs
    /// nothing. Next to untyped storage, one only in a marker is held when no
    /// parameter is held outside markers (the storage is where the values are),
    /// or when the type's safe API moves or lends values of it; otherwise it is
    /// a type-level tag beside typed values.
    fn held_params(&self, t: usize) -> Vec<bool> {
        let decl = self.types[t].decl;
        let raw = decl.fields.iter().any(|f| {
            let tree = f.type_tree();
            let skip = |n: &TypeTree| n.head == "PhantomData";
            tree.any(&skip, &|n| {
                matches!(n.head.as_str(), "*const" | "*mut" | "NonNull" | "AtomicPtr")
                    && !decl
                        .generics
                        .iter()
                        .any(|g| n.mentions(g, &|_: &TypeTree| false))
            })
        });
        let mut held = vec![false; decl.generics.len()];
        if raw {
            let typed: Vec<bool> = (0..held.len())
                .map(|pos| self.outside_phantom(t, pos))
                .collect();
            let any_typed = typed.iter().any(|&b| b);
            for (pos, h) in held.iter_mut().enumerate() {
                *h = !any_typed || typed[pos] || self.api_values(t, pos);
            }
            return held;
        }
        if self.in_held.replace(true) {
            // Inside another type's count: only the direct fields are read.
            for (pos, h) in held.iter_mut().enumerate() {
                *h = self.outside_phantom(t, pos);
            }
            self.in_held.set(true);
            return held;
        }
        let params: FxHashMap<&str, usize> = decl
            .generics
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), i))
            .collect();
        let mut memo = FxHashMap::default();
        let mut found = Vec::new();
        for f in &decl.fields {
            let tree = f.type_tree();
            if tree.head != "PhantomData" {
                self.needs(
                    t,
                    &tree,
                    Req::Send,
                    &params,
                    false,
                    0,
                    &mut memo,
                    &mut found,
                );
            }
        }
        self.in_held.set(false);
        for (pos, _) in found {
            if let Some(h) = held.get_mut(pos) {
                *h = true;
            }
        }
        let krate = self.types[t].krate;
        let sends = |n: &str| self.sends(krate, n);
        for pos in decl
            .fields
            .iter()
            .flat_map(|f| f.type_text().trait_object_params(&decl.generics, &sends))
        {
            if let Some(h) = held.get_mut(pos) {
                *h = true;
            }
        }
        // A parameter only in a marker, whose values the API takes in and gives
        // back, is kept in storage the fields do not type (an integer, a byte map).
        for (pos, h) in held.iter_mut().enumerate() {
            if !*h && self.stores(t, pos) {
                *h = true;
            }
        }
        held
    }

    /// Whether the type's safe API reaches a value of the parameter at `pos`: a
    /// method of any impl (other than the thread impls) that takes one in or hands
    /// one out, a `Deref` to it, or a `pub` field of it. Handing out another
    /// generic type made of it (an iterator, a handle carrying the same tag) is
    /// not a value of it.
    fn api_values(&self, t: usize, pos: usize) -> bool {
        let value =
            |u: &crate::model::api::Use| u.pos == pos && !matches!(u.kind, UseKind::Wrapped(_));
        let decl = self.types[t].decl;
        decl.fields.iter().any(|f| f.uses.iter().any(value))
            || self.impls.get(&t).into_iter().flatten().any(|imp| {
                imp.deref_uses.iter().any(value)
                    || (!is_thread_impl(imp)
                        && imp
                            .methods
                            .iter()
                            .any(|m| !m.is_unsafe && m.uses.iter().any(value)))
            })
    }

    /// For each parameter of the holder at `r`, the bound its fields other than
    /// those naming the held type at `held` already ask of it for the holder's
    /// derived `trait_name` impl: a marker naming it (`PhantomData<T>`,
    /// `PhantomData<&'a T>`; not under a `fn` type, which is always both) asks
    /// `Sync` for a `Sync` holder and one of the two for a `Send` one; another
    /// field asks what it needs of it by value (`&'a mut Table<T>` with
    /// `Table<T>: Send` only when `T: Send`).
    fn holder_bounds(&self, r: usize, held: usize, trait_name: &str) -> Vec<Req> {
        let decl = self.types[r].decl;
        let held_name = self.types[held].decl.name.as_str();
        let mut out = vec![Req::None; decl.generics.len()];
        let under_fn = |n: &TypeTree| n.head == "fn";
        let params: FxHashMap<&str, usize> = decl
            .generics
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), i))
            .collect();
        let want = if trait_name == "Send" {
            Req::Send
        } else {
            Req::Sync
        };
        let mut memo = FxHashMap::default();
        for f in &decl.fields {
            let tree = f.type_tree();
            if tree.mentions(held_name, &|_: &TypeTree| false) {
                continue;
            }
            for (pos, g) in decl.generics.iter().enumerate() {
                let marks = tree.any(&under_fn, &|n| {
                    n.head == "PhantomData" && n.args.iter().any(|a| a.mentions(g, &under_fn))
                });
                if marks && out[pos] == Req::None {
                    out[pos] = if want == Req::Sync {
                        Req::Sync
                    } else {
                        Req::Either
                    };
                }
            }
            if tree.head == "PhantomData" {
                continue;
            }
            let mut found = Vec::new();
            self.needs(r, &tree, want, &params, false, 0, &mut memo, &mut found);
            for (pos, req) in found {
                if matches!(req, Req::Send | Req::Sync) {
                    if let Some(o) = out.get_mut(pos) {
                        *o = match *o {
                            Req::None | Req::Either => req,
                            old => old,
                        };
                    }
                }
            }
        }
        out
    }

    /// Whether a trait object's trait is `Send` or a trait of the crate whose
    /// supertraits imply it; a trait of another crate is not looked into.
    fn sends(&self, krate: CrateId, name: &str) -> bool {
        name == "Send"
            || (self.traits.contains_key(&(krate, name))
                && self.implies(krate, name, "Send", &mut Vec::new()))
    }

    /// Whether the type's safe methods take a `T` in and hand a `T` or `&T` back.
    fn stores(&self, t: usize, pos: usize) -> bool {
        // A type whose fields name `T` only behind pointers (`PhantomData<*mut T>`)
        // points to `T`s it does not own: what it takes in and gives back are
        // pointers.
        let decl = self.types[t].decl;
        if let Some(name) = decl.generics.get(pos) {
            let pointer_like = |n: &TypeTree| {
                matches!(
                    n.head.as_str(),
                    "*const" | "*mut" | "&" | "&mut" | "NonNull" | "fn"
                )
            };
            let owns = decl
                .fields
                .iter()
                .any(|f| f.type_tree().mentions(name, &pointer_like));
            if !owns {
                return false;
            }
        }
        let mut takes = false;
        let mut gives = false;
        for imp in self.impls.get(&t).into_iter().flatten() {
            for m in imp.methods.iter().filter(|m| !m.is_unsafe) {
                for u in m.uses.iter().filter(|u| u.pos == pos) {
                    match u.kind {
                        UseKind::OwnedIn => takes = true,
                        UseKind::OwnedOut | UseKind::SharedOut => gives = true,
                        UseKind::Wrapped(_) => {}
                    }
                }
            }
        }
        takes && gives
    }

    /// Whether the type's safe API hands out a `T` or `&mut T` of the parameter
    /// at `pos`, through any receiver, or derefs mutably to it: whoever holds the
    /// value has the `T` itself.
    fn gives_owned(&self, t: usize, pos: usize) -> bool {
        let impls: Vec<&ApiImpl> = self.impls.get(&t).into_iter().flatten().copied().collect();
        let deref_mut = impls
            .iter()
            .any(|i| i.trait_name.as_deref() == Some("DerefMut"));
        impls.iter().any(|imp| {
            (deref_mut && imp.deref_uses.iter().any(|u| u.pos == pos))
                || (!is_thread_impl(imp)
                    && imp.methods.iter().any(|m| {
                        (m.is_pub || self.internal(t))
                            && !m.is_unsafe
                            && m.uses
                                .iter()
                                .any(|u| u.pos == pos && u.kind == UseKind::OwnedOut)
                    }))
        })
    }

    /// A type that derefs mutably and cannot be cloned owns what its shared
    /// pointer field points to alone (a unique `Arc`): sending it sends the `T`,
    /// and shares nothing.
    fn is_unique_owner(&self, t: usize) -> bool {
        let impls: Vec<&ApiImpl> = self.impls.get(&t).into_iter().flatten().copied().collect();
        let has = |n: &str| impls.iter().any(|i| i.trait_name.as_deref() == Some(n));
        has("DerefMut") && !has("Clone") && !self.types[t].decl.derives_clone
    }

    /// Whether a safe part of the type's API reaches its parameter at `pos`: a
    /// method that is not `unsafe fn`, a `Deref`, a `Drop`, a `pub` field. A type
    /// whose raw pointer is reached only by `unsafe fn`s is a token its callers
    /// vouch for.
    fn has_safe_use(&self, t: usize, pos: usize) -> bool {
        let decl = self.types[t].decl;
        let internal = self.internal(t);
        decl.fields
            .iter()
            .any(|f| f.uses.iter().any(|u| u.pos == pos))
            || self.impls.get(&t).into_iter().flatten().any(|imp| {
                imp.trait_name.as_deref() == Some("Drop")
                    || imp.deref_uses.iter().any(|u| u.pos == pos)
                    || (!is_thread_impl(imp)
                        && imp.methods.iter().any(|m| {
                            (m.is_pub || internal)
                                && !m.is_unsafe
                                && m.uses.iter().any(|u| u.pos == pos)
                        }))
            })
    }

    /// Whether a field names the parameter outside `PhantomData`.
    fn outside_phantom(&self, t: usize, pos: usize) -> bool {
        let decl = self.types[t].decl;
        let Some(name) = decl.generics.get(pos) else {
            return false;
        };
        decl.fields.iter().any(|f| {
            f.type_tree()
                .mentions(name, &|n: &TypeTree| n.head == "PhantomData")
        })
    }

    /// A parameter kept only as a reference (`raw: &'a R`) and bounded by a trait
    /// that is not the standard library's is the raw lock a guard unlocks: its
    /// thread-safety is that trait's contract, stated where the lock is `Sync`.
    fn is_lock_param(&self, t: usize, imp: &ApiImpl, pos: usize) -> bool {
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

    /// What sending a value of the type takes, from its fields.
    fn send_needs(&self, t: usize) -> Vec<Need> {
        let decl = self.types[t].decl;
        let params: FxHashMap<&str, usize> = decl
            .generics
            .iter()
            .enumerate()
            .map(|(i, g)| (g.as_str(), i))
            .collect();
        let mut memo = FxHashMap::default();
        let mut out = Vec::new();
        let unique = self.is_unique_owner(t);
        for f in &decl.fields {
            let tree = f.type_tree();
            let mut found = Vec::new();
            self.needs(
                t,
                &tree,
                Req::Send,
                &params,
                false,
                0,
                &mut memo,
                &mut found,
            );
            let krate = self.types[t].krate;
            let sends = |n: &str| self.sends(krate, n);
            for pos in f.type_text().trait_object_params(&decl.generics, &sends) {
                out.push(Need {
                    pos,
                    req: Req::Send,
                    span: f.span,
                    why: format!("field `{}` holds a trait object made of `{{T}}`", f.name),
                    label: "holds a trait object made of `{T}`".to_string(),
                });
            }
            // A pointer or borrow whose `T` the API hands out by value or as
            // `&mut T` carries the `T` itself.
            for (pos, req) in found.iter_mut() {
                if *req == Req::Either && self.gives_owned(t, *pos) {
                    *req = Req::Send;
                }
            }
            if unique {
                let sent: Vec<usize> = found
                    .iter()
                    .filter(|(_, r)| *r == Req::Send)
                    .map(|(p, _)| *p)
                    .collect();
                found.retain(|(p, r)| *r != Req::Sync || !sent.contains(p));
            }
            found.sort_by_key(|(p, r)| (*p, *r as u8));
            found.dedup();
            for (pos, req) in found {
                let what = match req {
                    Req::Send => "holds a `{T}`",
                    Req::Sync => "shares a `&{T}`",
                    Req::Either | Req::None => "points to or borrows a `{T}`",
                };
                out.push(Need {
                    pos,
                    req,
                    span: f.span,
                    why: format!("field `{}` {what}", f.name),
                    label: what.to_string(),
                });
            }
        }
        out
    }

    /// What sharing a value of the type takes, from what its `&self` API hands out
    /// and takes in: methods, `Deref`, `pub` fields.
    fn sync_needs(&self, t: usize) -> Vec<Need> {
        let decl = self.types[t].decl;
        let mut out = Vec::new();
        let is_primitive = self.primitive.contains(&t) || self.param_lock(t);
        // A type named as a per-thread container gives each thread its own value:
        // the `&T` it hands out is not shared.
        let per_thread = SHIELDS.contains(&decl.name.as_str());
        let internal = self.internal(t);
        for imp in self.impls.get(&t).into_iter().flatten() {
            if is_thread_impl(imp) {
                continue;
            }
            for u in &imp.deref_uses {
                let (req, what) = self.use_need(t, &u.kind);
                out.push(Need {
                    pos: u.pos,
                    req,
                    span: imp.span,
                    why: format!("its `Deref` {what}"),
                    label: format!("`Deref` {what}"),
                });
            }
            let shared = imp.methods.iter().filter(|m| {
                m.receiver == Receiver::Shared && (m.is_pub || internal) && !m.is_unsafe
            });
            let mut first = None;
            for m in shared {
                first.get_or_insert(m);
                for u in &m.uses {
                    // What a `&'static self` method stores is never dropped.
                    if m.is_static_self && u.kind == UseKind::OwnedIn
                        || per_thread && u.kind == UseKind::SharedOut
                    {
                        continue;
                    }
                    let (req, what) = self.use_need(t, &u.kind);
                    // A method of a block that bounds `T` by what the use asks is
                    // callable only with such a `T`.
                    let block_bounds = imp
                        .args
                        .get(u.pos)
                        .and_then(|a| a.as_deref())
                        .map(|a| bound_names_of(imp, a))
                        .unwrap_or_default();
                    if req != Req::None
                        && !block_bounds.is_empty()
                        && self.satisfies(self.types[t].krate, &block_bounds, req)
                    {
                        continue;
                    }
                    out.push(Need {
                        pos: u.pos,
                        req,
                        span: m.span,
                        why: format!("`{}` {what} through `&self`", m.name),
                        label: format!("{what} through `&self`"),
                    });
                }
            }
            // A `&self` method of a block that bounds `T` by a trait can call that
            // trait on `&T` (`Debug::fmt`, `Hash::hash`); a lock's own methods do
            // so under its lock.
            let reads = imp
                .trait_name
                .as_deref()
                .is_some_and(|n| READING_TRAITS.contains(&n));
            if let (Some(m), false, true) = (first, is_primitive, reads) {
                for &pos in &imp.bounded {
                    out.push(Need {
                        pos,
                        req: Req::Sync,
                        span: m.span,
                        why: format!(
                            "`{}` can reach `&{{T}}` through `&self` and `{{T}}`'s trait bound",
                            m.name
                        ),
                        label: "reaches `&{T}` through `&self`".to_string(),
                    });
                }
            }
        }
        for f in decl.fields.iter().filter(|f| f.is_pub) {
            for u in &f.uses {
                let (req, what) = self.use_need(t, &u.kind);
                out.push(Need {
                    pos: u.pos,
                    req,
                    span: f.span,
                    why: format!("the `pub` field `{}` {what}", f.name),
                    label: format!("`pub` field {what}"),
                });
            }
        }
        out
    }

    /// The bound a way of handing out a `T` through `&self` asks for.
    fn use_need(&self, t: usize, kind: &UseKind) -> (Req, String) {
        match kind {
            UseKind::SharedOut => (Req::Sync, "hands out `&{T}`".to_string()),
            UseKind::OwnedOut => (Req::Send, "hands out `{T}`".to_string()),
            UseKind::OwnedIn => (Req::Send, "takes in `{T}`".to_string()),
            UseKind::Wrapped(h) => {
                // A type of the crate that derefs mutably to `T` is an exclusive
                // guard: it gives `&mut T`. A shared one (a read guard, a reentrant
                // guard, an iterator) may still be handed out on one thread at a time,
                // which its type does not say.
                let at = &self.types[t];
                let shared = self
                    .resolve(at.krate, h, &[], &at.module, None)
                    .is_some_and(|w| {
                        let impls = self.impls.get(&w);
                        let has = |name: &str| {
                            impls
                                .into_iter()
                                .flatten()
                                .any(|i| i.trait_name.as_deref() == Some(name))
                        };
                        has("DerefMut")
                    });
                // One that derefs to `&T` and can be sent or cloned is a handle
                // other threads may hold at once (a reader of a cell): it shares the
                // `&T`. A guard of a reentrant lock is neither.
                let handle = self
                    .resolve(at.krate, h, &[], &at.module, None)
                    .is_some_and(|w| {
                        let impls: Vec<&ApiImpl> =
                            self.impls.get(&w).into_iter().flatten().copied().collect();
                        let has = |name: &str| {
                            impls.iter().any(|i| i.trait_name.as_deref() == Some(name))
                        };
                        has("Deref")
                            && (has("Send") || has("Clone") || self.types[w].decl.derives_clone)
                    });
                if shared {
                    (Req::Send, format!("hands out `&mut {{T}}` in `{h}`"))
                } else if handle {
                    (Req::Sync, format!("shares `&{{T}}` in `{h}`"))
                } else {
                    (Req::None, String::new())
                }
            }
        }
    }
}

fn trait_of(req: Req) -> &'static str {
    match req {
        Req::Send => "Send",
        Req::Sync | Req::Either | Req::None => "Sync",
    }
}

/// The trait names an impl bounds its parameter `name` by: in its parameter list,
/// its `where` clause, and a `Send` or `Sync` bound on a type built of it
/// (`Inner<T>: Send`, `T::Item: Sync`), which counts as both.
fn bound_names_of(imp: &ApiImpl, name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (p, b) in &imp.params {
        if p == name {
            out.extend(bound_names(b));
        } else if mentions_word(p, name) {
            // `Inner<T>: Send`, `T::Item: Sync`: the author bounds what is built
            // of `T`, and that speaks for `T`.
            let names = bound_names(b);
            if names.iter().any(|n| n == "Send" || n == "Sync") {
                out.push("Send".to_string());
                out.push("Sync".to_string());
            }
        }
    }
    out
}

/// What the type does with one parameter, and where.
struct Need {
    pos: usize,
    req: Req,
    span: Span,
    /// Why it needs it, with `{T}` for the impl's name of the parameter.
    why: String,
    label: String,
}

/// One reason the impl is wrong, at a field or method.
struct Problem {
    at: Label,
    summary: String,
}

fn finding(imp: &ApiImpl, problems: Vec<Problem>) -> Option<Finding> {
    let first = problems.first()?;
    let trait_name = imp.trait_name.as_deref().unwrap_or("Send");
    let more = match problems.len() {
        1 => String::new(),
        2 => " (and 1 more reason)".to_string(),
        n => format!(" (and {} more reasons)", n - 1),
    };
    let message = format!(
        "`unsafe impl {trait_name} for {}` promises more than the type keeps: {}{more}",
        imp.self_ty, first.summary
    );
    let mut labels = vec![label(imp.span, format!("`{trait_name}` promised here"))];
    labels.extend(problems.into_iter().map(|p| p.at));
    let help = if trait_name == "Send" {
        "bound each type parameter the type holds by `Send` (by `Sync` for one it only borrows), replace `Rc` with `Arc`, or keep the type on one thread".to_string()
    } else {
        "bound each type parameter by `Sync` when `&self` hands out `&T` and by `Send` when it hands out or takes in `T`, put cells behind a `Mutex`, or remove the impl".to_string()
    };
    Some(META.finding(imp.span, message, labels, help))
}
