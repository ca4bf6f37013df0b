//! What a type's safe API hands out and takes in of its parameters: methods by
//! receiver, `Deref`, `pub` fields, and the bound each way of handing out a `T`
//! through `&self` asks for.

use super::*;

impl<'a> Index<'a> {
    /// Whether the type's safe API reaches a value of the parameter at `pos`: a
    /// method of any impl (other than the thread impls) that takes one in or hands
    /// one out, a `Deref` to it, or a `pub` field of it. Handing out another
    /// generic type made of it (an iterator, a handle carrying the same tag) is
    /// not a value of it.
    pub(super) fn api_values(&self, t: usize, pos: usize) -> bool {
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

    /// Whether the type's safe methods take a `T` in and hand a `T` or `&T` back.
    pub(super) fn stores(&self, t: usize, pos: usize) -> bool {
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
    pub(super) fn gives_owned(&self, t: usize, pos: usize) -> bool {
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
    pub(super) fn is_unique_owner(&self, t: usize) -> bool {
        let impls: Vec<&ApiImpl> = self.impls.get(&t).into_iter().flatten().copied().collect();
        let has = |n: &str| impls.iter().any(|i| i.trait_name.as_deref() == Some(n));
        has("DerefMut") && !has("Clone") && !self.types[t].decl.derives_clone
    }

    /// Whether a safe part of the type's API reaches its parameter at `pos`: a
    /// method that is not `unsafe fn`, a `Deref`, a `Drop`, a `pub` field. A type
    /// whose raw pointer is reached only by `unsafe fn`s is a token its callers
    /// vouch for.
    pub(super) fn has_safe_use(&self, t: usize, pos: usize) -> bool {
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
    pub(super) fn outside_phantom(&self, t: usize, pos: usize) -> bool {
        let decl = self.types[t].decl;
        let Some(name) = decl.generics.get(pos) else {
            return false;
        };
        decl.fields.iter().any(|f| {
            f.type_tree()
                .mentions(name, &|n: &TypeTree| n.head == "PhantomData")
        })
    }

    /// The bound a way of handing out a `T` through `&self` asks for.
    pub(super) fn use_need(&self, t: usize, kind: &UseKind) -> (Req, String) {
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
