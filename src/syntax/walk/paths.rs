//! Lock paths: the syntactic place a lock call's receiver names (`self.state.map`,
//! a local, a static), through the aliases the body declares.

use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    pub(super) fn lock_path(&self, recv: &syn::Expr) -> LockPath {
        let (segments, root_ty) = match place_segments(recv) {
            Some(segs) => {
                let (segs, ty) = self.resolve_place(segs);
                (Some(segs), ty)
            }
            None => (None, None),
        };
        let root_origin = segments
            .as_ref()
            .and_then(|s| s.first())
            .and_then(|r| self.lookup(r))
            .and_then(|v| v.origin.clone());
        LockPath {
            text: compact(&quote::ToTokens::to_token_stream(recv).to_string()),
            segments,
            root_ty,
            root_origin,
            root_built: None,
        }
    }

    /// The associated function whose result the root of a resolved place holds,
    /// when the root is a local with no declared type (see `Var::built`).
    pub(super) fn built_root(&self, segs: &[String]) -> Option<Box<BuiltBy>> {
        let v = self.lookup(segs.first()?)?;
        if v.ty_text.is_some() {
            return None;
        }
        v.built.clone().map(Box::new)
    }

    /// Follows a `let` alias of the place's root variable, and finds the declared
    /// type of the root it ends at.
    pub(super) fn resolve_place(&self, segs: Vec<String>) -> (Vec<String>, Option<String>) {
        let Some(first) = segs.first() else {
            return (segs, None);
        };
        if first == "self" {
            return (segs, None);
        }
        match self.lookup(first) {
            Some(v) => match &v.alias {
                Some(alias) => {
                    let root_ty = alias
                        .first()
                        .and_then(|r| self.lookup(r))
                        .and_then(|r| r.ty_text.clone());
                    let mut out = alias.clone();
                    out.extend(segs[1..].iter().cloned());
                    (out, root_ty)
                }
                None => {
                    let ty = v.ty_text.clone();
                    (segs, ty)
                }
            },
            None => (segs, None),
        }
    }

    /// The place a `let` initializer aliases: `&self.state`, `self.state.clone()`,
    /// `Arc::clone(&self.state)`, `other` (another alias).
    pub(super) fn alias_of(&self, e: &syn::Expr) -> Option<Vec<String>> {
        let e = strip(e);
        if let syn::Expr::Call(c) = e {
            let syn::Expr::Path(p) = strip(&c.func) else {
                return None;
            };
            return match (is_shared_clone(&p.path), c.args.first()) {
                (true, Some(arg)) => self.alias_of(arg),
                _ => None,
            };
        }
        let segs = place_segments(e)?;
        if segs.len() == 1 && self.lookup(&segs[0]).is_none() && segs[0] != "self" {
            // A bare name that is no variable: a static or a constant.
            return is_static_name(&segs[0]).then_some(segs);
        }
        Some(self.resolve_place(segs).0)
    }

    /// Records the local locks a struct literal moves into its named fields
    /// (`Inner { paused, state: Arc::clone(&state), .. }`): each is, from then on,
    /// that field of the value built ([`StoredLock`](crate::flow::StoredLock)).
    /// Only locals the body built as a lock count: a parameter stays the caller's lock.
    pub(super) fn note_stored_locks(&mut self, s: &syn::ExprStruct) {
        let Some(last) = s.path.segments.last() else {
            return;
        };
        let mut owner: Option<String> = None;
        for fv in &s.fields {
            let syn::Member::Named(field) = &fv.member else {
                continue;
            };
            // Most fields are not a local lock; only a name of the body (maybe in
            // an `Arc::clone`) can be one, which is seen without allocating.
            if !self.may_be_local(&fv.expr) {
                continue;
            }
            let Some(segs) = self.alias_of(&fv.expr) else {
                continue;
            };
            let [name] = segs.as_slice() else { continue };
            let Some(v) = self.lookup(name) else { continue };
            if v.is_param || v.lock_ty.is_none() || v.guard.is_some() {
                continue;
            }
            let Some(origin) = v.origin.clone() else {
                continue;
            };
            if owner.is_none() {
                owner = if last.ident == "Self" {
                    self.body.self_ty.as_deref().and_then(type_name_of)
                } else {
                    Some(last.ident.to_string())
                };
            }
            // `Self` outside an impl: no type to store into.
            let Some(owner) = owner.clone() else { return };
            self.stored_locks.push(crate::flow::StoredLock {
                origin,
                name: name.clone(),
                owner,
                field: field.to_string(),
            });
        }
    }

    /// Whether `e` names a variable of the body by its bare name (borrowed,
    /// dereferenced, cloned, or in an `Arc::clone` / `Rc::clone`): the only fields
    /// [`note_stored_locks`](Self::note_stored_locks) can link.
    fn may_be_local(&self, e: &syn::Expr) -> bool {
        match strip(e) {
            syn::Expr::Path(p) if p.qself.is_none() => p
                .path
                .get_ident()
                .is_some_and(|id| self.lookup_ident(id).is_some()),
            syn::Expr::Call(c) => {
                matches!(strip(&c.func), syn::Expr::Path(f) if is_shared_clone(&f.path))
                    && c.args.first().is_some_and(|a| self.may_be_local(a))
            }
            // As `place_segments` reads a place: `&x`, `*x`, `x.clone()`.
            syn::Expr::Reference(r) => self.may_be_local(&r.expr),
            syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => {
                self.may_be_local(&u.expr)
            }
            syn::Expr::MethodCall(m) if is_place_method(m) => self.may_be_local(&m.receiver),
            // A field is a place of two names or more, which is not linked.
            _ => false,
        }
    }
}
