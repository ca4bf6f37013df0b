//! Statements and blocks: the order of a block's statements, `#[cfg]`
//! alternatives, a block's tail expression and its temporaries, and `let` with
//! temporary lifetime extension.

use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    pub(super) fn block(&mut self, block: &syn::Block, tail: Tail) -> Flow {
        self.push_scope();
        let depth = self.scopes.blocks.len();
        let mut out = Flow::default();
        let n = block.stmts.len();
        let deps_mark = self.deps.tested.len();
        let mut prev_cfg: Option<String> = None;
        let writes_mark = self.deps.cond_writes.len();
        for (i, stmt) in block.stmts.iter().enumerate() {
            self.deps.last_if = None;
            self.deps.after_writes.clear();
            // `#[cfg(P)] a; #[cfg(not(P))] b;` are alternatives: only one is
            // compiled, so walking both would hold two guards at once.
            let cfg = cfg_of(stmt);
            if !self.body.in_test && cfg.as_deref().is_some_and(is_test_only_cfg) {
                // `#[cfg(test)]` code exists only in test builds: it is test code,
                // walked as a body of its own, and a `#[cfg(not(test))]` statement
                // after it is the one the library runs.
                prev_cfg = None;
                self.test_only(stmt);
                continue;
            }
            let alternative =
                matches!((&prev_cfg, &cfg), (Some(a), Some(b)) if cfgs_exclusive(a, b));
            prev_cfg = cfg;
            if alternative {
                continue;
            }
            let is_tail = i + 1 == n && matches!(stmt, syn::Stmt::Expr(_, None));
            let f = if is_tail {
                let syn::Stmt::Expr(e, None) = stmt else {
                    unreachable!("invariant: checked by is_tail")
                };
                self.tail_expr(e, tail)
            } else {
                self.last_stmt = i + 1 == n;
                self.stmt(stmt)
            };
            if is_tail {
                out.value = f.value;
            }
            if f.diverges {
                out.diverges = true;
                break;
            }
            // `if test { return; }` guards the rest of the block with its test.
            if let (syn::Stmt::Expr(syn::Expr::If(_), _), Some((tested, true))) =
                (stmt, self.deps.last_if.take())
            {
                self.deps.tested.extend(tested);
            }
            let after = std::mem::take(&mut self.deps.after_writes);
            self.deps.cond_writes.extend(after);
        }
        self.deps.tested.truncate(deps_mark);
        self.deps.cond_writes.truncate(writes_mark);
        if tail == Tail::FnBody && self.body.in_test && depth == 2 {
            self.mark_serialising(depth);
        }
        self.pop_scope(out.value);
        out
    }

    pub(super) fn mark_serialising(&mut self, depth: usize) {
        let owned = self.scopes.blocks[depth - 1].owned.clone();
        for g in owned {
            if !self.scopes.alive[g] {
                continue;
            }
            let is_static = self.scopes.guards[g]
                .lock
                .segments
                .as_ref()
                .and_then(|s| s.last())
                .is_some_and(|last| is_static_name(last) || self.fw.statics.contains_key(last));
            if is_static && self.scopes.guards[g].name.is_some() {
                self.scopes.guards[g].serialises_test = true;
            }
        }
    }

    pub(super) fn tail_expr(&mut self, e: &syn::Expr, tail: Tail) -> Flow {
        self.scopes.temps.push(Vec::new());
        let f = self.expr(e, false);
        if tail == Tail::FnBody {
            self.note_return(e, f);
        }
        // Before 2024 the tail's temporaries belong to the enclosing statement.
        let outlive = tail == Tail::Expr && !self.fw.file.edition.is_2024();
        self.end_temps_keeping(|w, g| outlive || Some(g) == f.value || w.extended.contains(&g));
        f
    }

    pub(super) fn stmt(&mut self, stmt: &syn::Stmt) -> Flow {
        match stmt {
            syn::Stmt::Local(local) => self.local(local),
            syn::Stmt::Expr(e, semi) => {
                let last = std::mem::take(&mut self.last_stmt);
                self.scopes.temps.push(Vec::new());
                let target = if semi.is_some() {
                    self.result_call(e)
                } else {
                    std::ptr::null()
                };
                let saved = std::mem::replace(&mut self.dropped_call, target);
                let f = self.expr(e, false);
                self.dropped_call = saved;
                if semi.is_some() {
                    self.discard_check(f.value, || stmt.span(), last.then_some(e));
                }
                self.end_temps();
                f
            }
            syn::Stmt::Macro(m) => {
                self.scopes.temps.push(Vec::new());
                let f = self.mac(&m.mac, false);
                self.end_temps();
                f
            }
            syn::Stmt::Item(item) => {
                if let Some((name, value)) = str_const(item) {
                    self.declare(Var {
                        name,
                        str_value: Some(value),
                        ..Var::default()
                    });
                }
                self.nested_item(item);
                Flow::default()
            }
        }
    }

    pub(super) fn local(&mut self, local: &syn::Local) -> Flow {
        let last = std::mem::take(&mut self.last_stmt);
        self.scopes.temps.push(Vec::new());
        let mut f = Flow::default();
        let mut ty = None;
        let mut is_refcell = false;
        let mut derived = Vec::new();
        let mut from_calls = Vec::new();
        let mut alias = None;
        let mut ty_text = None;
        let mut built = None;
        let mut extended = Vec::new();
        let mut loaded = None;
        let lock_fn = local
            .init
            .as_ref()
            .and_then(|i| self.lock_closure(&i.expr))
            .map(std::rc::Rc::new);
        let closure_body = local.init.as_ref().and_then(|i| match strip(&i.expr) {
            syn::Expr::Closure(c) if c.asyncness.is_none() && lock_fn.is_none() => {
                u32::try_from(self.out.len()).ok()
            }
            _ => None,
        });
        if let Some(init) = &local.init {
            let mut targets = Vec::new();
            extending_operands(&init.expr, &mut targets);
            let saved_at = std::mem::replace(&mut self.extend_at, targets);
            let saved = std::mem::take(&mut self.extended);
            let target = if matches!(local.pat, syn::Pat::Wild(_)) {
                self.result_call(&init.expr)
            } else {
                std::ptr::null()
            };
            let saved_dropped = std::mem::replace(&mut self.dropped_call, target);
            let ((flow, used), calls) =
                self.collecting_calls(|w| w.collecting_direct(|w| w.expr(&init.expr, false)));
            self.dropped_call = saved_dropped;
            self.extend_at = saved_at;
            extended = std::mem::replace(&mut self.extended, saved);
            f = flow;
            derived = used;
            from_calls = calls;
            alias = self.alias_of(&init.expr);
            ty_text = struct_literal_type(&init.expr);
            built = self.built_by(&init.expr);
            loaded = self.loaded_by(&init.expr);
            let tys = self.expr_types(&init.expr);
            is_refcell = expr_mentions_refcell(&init.expr);
            ty = tys;
            if let Some((_, diverge)) = &init.diverge {
                let saved = self.scopes.alive.clone();
                self.scopes.temps.push(Vec::new());
                self.expr(diverge, false);
                self.end_temps();
                self.set_alive(saved);
            }
        }
        let borrows = match &local.init {
            Some(init) if self.scopes.n_alive > 0 && f.value.is_none() => {
                self.mut_borrow(&init.expr)
            }
            _ => None,
        };
        let mut is_async_lock = false;
        let mut lock_ty = None;
        if let Some(init) = &local.init {
            // `let m = tokio::sync::Mutex::new(0);`, `let m = Arc::new(Mutex::new(0));`
            let written = constructed_type(&init.expr);
            is_async_lock = self
                .fw
                .imports
                .is_async_lock_type(&written, &self.fw.known.async_locks);
            lock_ty = lock_type_in(&written);
        }
        if let syn::Pat::Type(pt) = &local.pat {
            let written = type_text(&pt.ty);
            ty_text = Some(written.clone());
            is_refcell |= written.contains("RefCell<");
            is_async_lock |= self
                .fw
                .imports
                .is_async_lock_type(&written, &self.fw.known.async_locks);
            lock_ty = lock_type_in(&written).or(lock_ty);
            if let Some(t) = self.fw.type_name(&written) {
                ty = Some(t);
            }
        }
        match &local.pat {
            syn::Pat::Wild(_) => {
                let value = local
                    .init
                    .as_ref()
                    .filter(|i| last && i.diverge.is_none() && local.attrs.is_empty())
                    .map(|i| &*i.expr);
                self.discard_check(f.value, || local.span(), value);
            }
            pat => {
                // `let x = &temp;`, `let x = &mut *temp;`, `let x = &temp.field;`:
                // the borrowed temporary lives to the end of the block.
                for g in extended {
                    if self.scopes.temps.last().is_some_and(|t| t.contains(&g)) {
                        self.own(None, g);
                    }
                }
                let binding = guard_binding(pat);
                if let (Some(g), Some(name)) = (f.value, binding.clone()) {
                    self.own(Some(name.clone()), g);
                    let is_pair = matches!(pat, syn::Pat::Ident(_) | syn::Pat::Type(_))
                        && local
                            .init
                            .as_ref()
                            .is_some_and(|i| is_timeout_wait(&i.expr));
                    if is_pair {
                        if let Some(v) = self.lookup_mut(&name) {
                            v.guard_in_tuple = true;
                        }
                    }
                }
                let mut names = Vec::new();
                pat_bindings(pat, &mut names);
                let tuple_tys: Vec<String> = ty
                    .as_deref()
                    .map(|t| t.split(',').map(str::to_string).collect())
                    .unwrap_or_default();
                for (i, name) in names.into_iter().enumerate() {
                    if f.value.is_some() && binding.as_deref() == Some(name.as_str()) {
                        continue;
                    }
                    let ty = if matches!(pat, syn::Pat::Tuple(_)) {
                        tuple_tys.get(i).cloned()
                    } else {
                        ty.clone()
                    };
                    let is_whole = matches!(pat, syn::Pat::Ident(_) | syn::Pat::Type(_));
                    self.declare(Var {
                        name,
                        guard: None,
                        ty,
                        is_refcell,
                        is_async_lock,
                        lock_ty: lock_ty.clone(),
                        ty_text: ty_text.clone().filter(|_| is_whole),
                        built: built.clone().filter(|_| is_whole),
                        alias: alias.clone().filter(|_| is_whole),
                        is_param: false,
                        closure_body: closure_body.filter(|_| is_whole),
                        derived: derived.clone(),
                        elem_of: None,
                        guard_in_tuple: false,
                        also: Vec::new(),
                        origin: None,
                        from_calls: from_calls.clone(),
                        str_value: None,
                        borrows,
                        lock_fn: lock_fn.clone().filter(|_| is_whole),
                        loaded: loaded.filter(|_| is_whole),
                    });
                }
            }
        }
        self.end_temps();
        f.value = None;
        f
    }
}
