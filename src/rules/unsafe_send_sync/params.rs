//! What a type does with each of its type parameters: what it holds of each (by
//! value, only in a marker, beside untyped storage), what its fields need of each
//! for the compiler's derived auto traits, and the parameters an impl leaves
//! without the bound that asks for.

use super::*;

/// What the type does with one parameter, and where.
pub(super) struct Need {
    pub(super) pos: usize,
    pub(super) req: Req,
    pub(super) span: Span,
    /// Why it needs it, with `{T}` for the impl's name of the parameter.
    pub(super) why: String,
    pub(super) label: String,
}

impl<'a> Index<'a> {
    /// What the type at `t` needs of its own parameters (by position) to be `want`,
    /// from its fields, as the compiler would derive it; a type of the crate with
    /// an unsafe impl of `want` needs what that impl states.
    pub(super) fn own_needs(
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
    pub(super) fn needs(
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

    /// The parameters the impl leaves without the bound that what the type does
    /// with them asks for.
    pub(super) fn param_problems(
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
    pub(super) fn held_params(&self, t: usize) -> Vec<bool> {
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

    /// What sending a value of the type takes, from its fields.
    pub(super) fn send_needs(&self, t: usize) -> Vec<Need> {
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
    pub(super) fn sync_needs(&self, t: usize) -> Vec<Need> {
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
}
