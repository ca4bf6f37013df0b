//! How a type's impl reaches code outside the crate through the types that hold
//! it: the holder's derived auto trait, the bounds its other fields already ask of
//! the parameters, and holders that restate the impl or switch it off.

use super::*;

impl<'a> Index<'a> {
    /// Whether safe code outside the crate gets the type's `trait_name` impl
    /// through a type it can name: a reachable type of the crate (or one that
    /// leaks in turn) holds it in a field and states no impl of that trait of its
    /// own, so the compiler derives the holder's from this one. Through an `Arc`
    /// or another crate's type the holder's derived impl may ask for both of the
    /// held type's impls ([`Reach::Shared`]).
    pub(super) fn leaks(
        &self,
        t: usize,
        trait_name: &str,
        depth: usize,
        seen: &mut Vec<usize>,
    ) -> Leak {
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

    /// Whether the type cannot be named outside the crate and each type of the
    /// crate that holds it states its own `trait_name` impl, so that its own impl
    /// reaches outside code only as those holders restate it.
    pub(super) fn relayed_only(&self, t: usize, trait_name: &str) -> bool {
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

    /// Whether another field of the holder already switches its auto trait off: a
    /// raw pointer or an `Rc` (also in a marker) for either trait, a cell outside
    /// a lock for `Sync`.
    pub(super) fn blocks(&self, r: usize, trait_name: &str) -> bool {
        let skip = |n: &TypeTree| n.is_lock() || n.is_atomic();
        self.types[r].decl.fields.iter().any(|f| {
            f.type_tree().any(&skip, &|n| match n.head.as_str() {
                "*const" | "*mut" | "NonNull" | "Rc" => true,
                "Cell" | "RefCell" | "UnsafeCell" => trait_name == "Sync",
                _ => false,
            })
        })
    }

    /// For each parameter of the holder at `r`, the bound its fields other than
    /// those naming the held type at `held` already ask of it for the holder's
    /// derived `trait_name` impl: a marker naming it (`PhantomData<T>`,
    /// `PhantomData<&'a T>`; not under a `fn` type, which is always both) asks
    /// `Sync` for a `Sync` holder and one of the two for a `Send` one; another
    /// field asks what it needs of it by value (`&'a mut Table<T>` with
    /// `Table<T>: Send` only when `T: Send`).
    pub(super) fn holder_bounds(&self, r: usize, held: usize, trait_name: &str) -> Vec<Req> {
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
}
