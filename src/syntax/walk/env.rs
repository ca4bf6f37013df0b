//! The variable environment: the variables in scope, the guards they hold or borrow,
//! and how a binding, an assignment, a move or a pattern changes them.
//!
//! It holds names and what the walker knows of them; it records no event.

use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    /// The innermost variable in scope that `is` picks.
    pub(super) fn find_var(&self, is: impl Fn(&Var) -> bool) -> Option<&Var> {
        self.scopes
            .blocks
            .iter()
            .rev()
            .flat_map(|s| s.vars.iter().rev())
            .find(|v| is(v))
    }

    pub(super) fn find_var_mut(&mut self, is: impl Fn(&Var) -> bool) -> Option<&mut Var> {
        self.scopes
            .blocks
            .iter_mut()
            .rev()
            .flat_map(|s| s.vars.iter_mut().rev())
            .find(|v| is(v))
    }

    pub(super) fn lookup(&self, name: &str) -> Option<&Var> {
        self.find_var(|v| v.name == name)
    }

    /// [`lookup`](Self::lookup) by identifier, without allocating its text.
    pub(super) fn lookup_ident(&self, name: &proc_macro2::Ident) -> Option<&Var> {
        self.find_var(|v| *name == v.name)
    }

    pub(super) fn lookup_mut(&mut self, name: &str) -> Option<&mut Var> {
        self.find_var_mut(|v| v.name == name)
    }

    pub(super) fn guard_var(&self, name: &str) -> Option<GuardId> {
        self.lookup(name).and_then(|v| v.guard)
    }

    pub(super) fn declare(&mut self, mut var: Var) {
        if var.origin.is_none() {
            var.origin = Some(self.origin.clone());
        }
        if let Some(scope) = self.scopes.blocks.last_mut() {
            scope.vars.push(var);
        }
    }

    /// Binds `name` to guard `g`, owned by the innermost scope.
    pub(super) fn own(&mut self, name: Option<String>, g: GuardId) {
        self.untemp(g);
        if let Some(scope) = self.scopes.blocks.last_mut() {
            scope.owned.push(g);
        }
        if let Some(name) = name {
            if self.scopes.guards[g].name.is_none() {
                self.scopes.guards[g].name = Some(name.clone());
            }
            self.declare(Var {
                name,
                guard: Some(g),
                ..Var::default()
            });
        }
    }

    /// The guard held by a bare variable passed by value: it moves, so it dies here.
    pub(super) fn move_out(&mut self, e: &syn::Expr) {
        if let Some(ident) = path_ident(e) {
            self.forget_guards(|v| *ident == v.name);
        }
    }

    /// An operand moved into a struct, tuple or variant under construction, whose
    /// value is guard `g`: the first such guard now belongs to the value (it leaves
    /// its variable and becomes a temporary of the statement, which a `let` binding,
    /// a block's value or a return takes over); any other is no longer tracked.
    pub(super) fn move_into_value(
        &mut self,
        e: &syn::Expr,
        g: Option<GuardId>,
        held: Option<GuardId>,
    ) -> Option<GuardId> {
        let Some(g) = g.filter(|_| held.is_none()) else {
            self.move_out(e);
            if let Some(g) = g {
                self.untemp(g);
                self.kill(g);
            }
            return held;
        };
        if let Some(ident) = path_ident(e) {
            if let Some(v) = self.find_var_mut(|v| *ident == v.name) {
                if v.guard == Some(g) {
                    v.guard = None;
                }
            }
        }
        self.scopes.guards[g].in_value = true;
        if let Some(t) = self.scopes.temps.last_mut() {
            if !t.contains(&g) {
                t.push(g);
            }
        }
        Some(g)
    }

    pub(super) fn assign(&mut self, name: &str, value: Option<GuardId>) {
        let old = self.guard_var(name);
        if old.is_some() && old != value {
            if let Some(o) = old {
                self.kill(o);
            }
        }
        let depth = self
            .scopes
            .blocks
            .iter()
            .rposition(|s| s.vars.iter().any(|v| v.name == name));
        if let Some(v) = self.lookup_mut(name) {
            v.guard = value;
        }
        if let (Some(g), Some(depth)) = (value, depth) {
            self.untemp(g);
            if !self.scopes.blocks[depth].owned.contains(&g) {
                self.scopes.blocks[depth].owned.push(g);
            }
            if self.scopes.guards[g].name.is_none() {
                self.scopes.guards[g].name = Some(name.to_string());
            }
        }
    }

    /// A `move` closure or async block takes the guards it names (not the names
    /// it declares itself, see [`captured_idents`]).
    pub(super) fn kill_captured(&mut self, tokens: &TokenStream) {
        let mut idents = HashSet::default();
        captured_idents(tokens, &mut idents);
        for name in idents {
            self.forget_guard_of(&name);
        }
    }

    /// The guards a variable holds are no longer this body's to track.
    pub(super) fn forget_guard_of(&mut self, name: &str) {
        self.forget_guards(|v| v.name == name);
    }

    /// The guards held by the innermost variable that `is` picks are no longer tracked.
    pub(super) fn forget_guards(&mut self, is: impl Fn(&Var) -> bool) {
        let Some(v) = self.find_var_mut(is) else {
            return;
        };
        let held: Vec<GuardId> = v.guard.take().into_iter().chain(v.also.drain(..)).collect();
        for g in held {
            self.kill(g);
        }
    }

    /// Binds a pattern over a scrutinee whose value may be guard `g`, or a place in
    /// guard `within`'s data (`match *guard { .. }`).
    pub(super) fn bind_pattern(
        &mut self,
        pat: &syn::Pat,
        g: Option<GuardId>,
        within: Option<GuardId>,
    ) {
        let binding = g.and(guard_binding(pat));
        let mut names = Vec::new();
        pat_bindings(pat, &mut names);
        let mut ref_mut = Vec::new();
        if within.or(g).is_some() {
            ref_mut_bindings(pat, &mut ref_mut);
        }
        for name in names {
            let guard = if binding.as_deref() == Some(name.as_str()) {
                g
            } else {
                None
            };
            let borrows = if ref_mut.contains(&name) {
                within.or(g)
            } else {
                None
            };
            self.declare(Var {
                name,
                guard,
                borrows,
                ..Var::default()
            });
        }
        if !self.fw.variants.is_empty() {
            self.type_variant_fields(pat);
        }
    }

    /// Gives the names a pattern binds to the fields of one of the file's enum
    /// variants (`Kind::Multi { ref state, .. }`, `Location::After(bar)`,
    /// `Self::Idle(x)`) the types those fields are declared with, so that a call or
    /// an acquisition on them resolves as on a field. A variant named without its
    /// enum (after `use Kind::*`) gives nothing.
    fn type_variant_fields(&mut self, pat: &syn::Pat) {
        let (path, subpats): (&syn::Path, Vec<(String, &syn::Pat)>) = match pat {
            syn::Pat::TupleStruct(t) => (
                &t.path,
                t.elems
                    .iter()
                    // After `..` the positions are not known.
                    .take_while(|p| !matches!(p, syn::Pat::Rest(_)))
                    .enumerate()
                    .map(|(i, p)| (i.to_string(), p))
                    .collect(),
            ),
            syn::Pat::Struct(st) => (
                &st.path,
                st.fields
                    .iter()
                    .map(|f| {
                        let member = match &f.member {
                            syn::Member::Named(n) => n.to_string(),
                            syn::Member::Unnamed(i) => i.index.to_string(),
                        };
                        (member, &*f.pat)
                    })
                    .collect(),
            ),
            syn::Pat::Or(o) => return o.cases.iter().for_each(|c| self.type_variant_fields(c)),
            syn::Pat::Tuple(t) => return t.elems.iter().for_each(|p| self.type_variant_fields(p)),
            syn::Pat::Slice(sl) => {
                return sl.elems.iter().for_each(|p| self.type_variant_fields(p))
            }
            syn::Pat::Reference(r) => return self.type_variant_fields(&r.pat),
            syn::Pat::Paren(p) => return self.type_variant_fields(&p.pat),
            syn::Pat::Ident(i) => {
                if let Some((_, sub)) = &i.subpat {
                    self.type_variant_fields(sub);
                }
                return;
            }
            _ => return,
        };
        let n = path.segments.len();
        let fields = (n >= 2)
            .then(|| {
                let enum_name = path.segments[n - 2].ident.to_string();
                let enum_name = if enum_name == "Self" {
                    crate::model::type_name_of(self.body.self_ty.as_deref()?)?
                } else {
                    enum_name
                };
                let key = format!("{enum_name}::{}", path.segments[n - 1].ident);
                self.fw.variants.get(&key).cloned()
            })
            .flatten()
            .unwrap_or_default();
        for (member, sub) in subpats {
            match sub {
                syn::Pat::Ident(i) if i.subpat.is_none() => {
                    if let Some((_, ty)) = fields.iter().find(|(f, _)| *f == member) {
                        self.give_type(&i.ident.to_string(), ty);
                    }
                }
                other => self.type_variant_fields(other),
            }
        }
    }

    /// Types a variable declared without one as `ty`, as a parameter of that type
    /// would be.
    fn give_type(&mut self, name: &str, ty: &str) {
        let ty_name = self.fw.type_name(ty);
        let lock_ty = lock_type_in(ty);
        let is_async_lock = self
            .fw
            .imports
            .is_async_lock_type(ty, &self.fw.known.async_locks);
        let Some(v) = self.lookup_mut(name) else {
            return;
        };
        if v.ty.is_some() || v.ty_text.is_some() {
            return;
        }
        v.ty = ty_name;
        v.is_refcell = ty.contains("RefCell<");
        v.is_async_lock = is_async_lock;
        v.lock_ty = lock_ty;
        v.ty_text = Some(ty.to_string());
    }

    /// The guard whose data the variable at the root of a place is or refers to
    /// (under `*`, fields, indexing and method calls): the guard itself, a mutable
    /// borrow of its data, or an element of its collection.
    pub(super) fn guard_root(&self, e: &syn::Expr) -> Option<GuardId> {
        let mut e = strip(e);
        loop {
            e = match e {
                syn::Expr::Unary(u) if matches!(u.op, syn::UnOp::Deref(_)) => strip(&u.expr),
                syn::Expr::Field(f) => strip(&f.base),
                syn::Expr::Index(i) => strip(&i.expr),
                syn::Expr::MethodCall(mc) => strip(&mc.receiver),
                _ => break,
            };
        }
        let v = self.lookup_ident(path_ident(e)?)?;
        v.borrows.or(v.elem_of).or(v.guard)
    }

    /// The guard whose data an expression borrows mutably: `&mut` of a place in it,
    /// `get_mut()`/`as_mut()` on one, or a variable holding such a borrow.
    pub(super) fn mut_borrow(&self, e: &syn::Expr) -> Option<GuardId> {
        match strip(e) {
            syn::Expr::Reference(r) if r.mutability.is_some() => self.guard_root(&r.expr),
            syn::Expr::MethodCall(mc) if MUT_ACCESS.contains(&mc.method.to_string().as_str()) => {
                self.guard_root(&mc.receiver)
            }
            other => self.lookup_ident(path_ident(other)?)?.borrows,
        }
    }

    /// Guards whose data the arguments of a call borrow mutably (see
    /// [`mut_borrow`](Self::mut_borrow)).
    pub(super) fn arg_borrows<'e>(
        &self,
        args: impl Iterator<Item = &'e syn::Expr>,
    ) -> Vec<GuardId> {
        if self.scopes.n_alive == 0 {
            return Vec::new();
        }
        let mut out: Vec<GuardId> = args.filter_map(|a| self.mut_borrow(a)).collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The guards a variable holds inside an `Option` it was given (`slot =
    /// Some(guard)`) are not alive on this path: it is tested empty. A variable that
    /// is the guard itself keeps it: `state.is_none()` on a `MutexGuard<Option<T>>`
    /// tests the locked data.
    pub(super) fn kill_held_by(&mut self, ident: &proc_macro2::Ident) {
        self.held_in_slot(ident)
            .into_iter()
            .for_each(|g| self.kill(g));
    }

    /// The guards an `Option` variable holds as a value (`slot = Some(m.lock())`).
    pub(super) fn held_in_slot(&self, ident: &proc_macro2::Ident) -> Vec<GuardId> {
        let Some(v) = self.lookup_ident(ident) else {
            return Vec::new();
        };
        v.guard
            .into_iter()
            .chain(v.also.iter().copied())
            .filter(|&g| self.scopes.guards[g].in_value)
            .collect()
    }
}
