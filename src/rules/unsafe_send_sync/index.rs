//! The declarations of the crates with an unsafe impl, indexed for the judgement:
//! each type with where it sits, its impl blocks, which types of the crate hold it
//! and how, how a name written in a module resolves, and whether safe code outside
//! the crate can name a type.

use super::*;

/// How safe code outside the crate reaches a type's impl.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Reach {
    /// It does not.
    No,
    /// It names the type, or a holder derives its impl from exactly this one.
    Direct,
    /// A holder derives its impl from both of the type's impls.
    Shared,
}

/// The nodes of a field type with whether each is held by value from the root:
/// through `Option`, `Box`, `Vec`, arrays, tuples, slices and cells only.
pub(super) fn held_nodes<'t>(
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

/// A type declaration with where it sits.
pub(super) struct TypeAt<'a> {
    pub(super) krate: CrateId,
    pub(super) module: Vec<String>,
    pub(super) decl: &'a ApiType,
}

/// The declarations of the crates with an unsafe impl, indexed for the judgement.
pub(super) struct Index<'a> {
    pub(super) types: Vec<TypeAt<'a>>,
    pub(super) by_name: FxHashMap<(CrateId, &'a str), Vec<usize>>,
    /// Impl blocks by the type they resolve to.
    pub(super) impls: FxHashMap<usize, Vec<&'a ApiImpl>>,
    pub(super) traits: FxHashMap<(CrateId, &'a str), Vec<&'a ApiTrait>>,
    pub(super) mods: FxHashMap<(CrateId, Vec<String>), Vis>,
    pub(super) reexports: FxHashSet<(CrateId, &'a str)>,
    pub(super) globs: FxHashSet<(CrateId, &'a str)>,
    pub(super) aliases: FxHashSet<(CrateId, &'a str)>,
    /// Set while [`Index::held_params`] counts, so that it does not recurse.
    pub(super) in_held: std::cell::Cell<bool>,
    /// Types holding an atomic or a lock by value (see [`Index::holds_sync`]).
    pub(super) primitive: FxHashSet<usize>,
    /// For each type, the types of the crate whose fields hold it (outside
    /// markers and raw pointers), as their auto traits see it.
    /// Whether the hold is by value (through `Option`, `Box`, `Vec`, arrays,
    /// tuples and cells), so that the holder's auto trait is exactly the held
    /// type's; through an `Arc` or another crate's type it may need both traits.
    pub(super) holders: FxHashMap<usize, Vec<Hold>>,
}

/// One field of a type of the crate that holds another.
pub(super) struct Hold {
    pub(super) holder: usize,
    /// Held by value (see [`held_nodes`]).
    pub(super) direct: bool,
    /// For each type argument the field gives the held type, the holder's own
    /// parameters (by position) it names.
    pub(super) args: Vec<Vec<usize>>,
}

/// How a type's impl leaks through its holders, and which of its parameters
/// (by position) the holders leave open to their callers.
pub(super) struct Leak {
    pub(super) reach: Reach,
    pub(super) open: Vec<bool>,
    /// For parameters chosen outside the crate only through holders whose other
    /// fields already ask a bound of them (`PhantomData<&'a T>` or a
    /// `&'a mut Table<T>` next to the held type), the bound every such use
    /// meets: `Send`, `Sync`, or one of the two (`Req::Either`); `Req::None`
    /// where none is known.
    pub(super) marked: Vec<Req>,
}

pub(super) fn full_module(file_module: &[String], inline: &[String]) -> Vec<String> {
    let mut m = file_module.to_vec();
    m.extend(inline.iter().cloned());
    m
}

impl<'a> Index<'a> {
    /// Indexes the files of `crates`.
    pub(super) fn build(
        files: &'a [(CrateId, Vec<String>, FileApi)],
        crates: &FxHashSet<CrateId>,
    ) -> Self {
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

    /// The type a name written in module `at` (of file `file`) stands for: the one
    /// its path names, the one declared in that module, or the only one of that
    /// name in the crate; `None` when that cannot be told.
    pub(super) fn resolve(
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

    /// Whether the type is judged only because a reachable type holds it: its
    /// crate-visible methods are then its API, as its holder calls them.
    pub(super) fn internal(&self, t: usize) -> bool {
        !self.is_reachable(t)
    }

    /// Whether the type's declaration can be named by safe code outside its crate:
    /// `pub`, in modules that are `pub` or whose items are re-exported. A module
    /// whose declaration is not seen (a macro, a `#[path]`) is taken to be public.
    pub(super) fn is_reachable(&self, t: usize) -> bool {
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
}
