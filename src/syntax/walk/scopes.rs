//! Liveness and drop scopes: which guards are alive, the block scopes that own
//! named guards, the temporary scopes that own unnamed ones, and how branches are
//! saved, restored and joined.
//!
//! This is the one place that kills a guard; it does not decide when a construct
//! ends a scope (the statement, expression and control-flow modules do).

use super::*;

/// The guard table and the drop scopes of one body: which guards are alive, the
/// block scopes (with the variables they declare, which `env.rs` reads and changes,
/// and the named guards they own) and the temporary scopes that own unnamed guards.
#[derive(Default)]
pub(super) struct Scopes {
    /// Every guard the body acquires, indexed by [`GuardId`].
    pub(super) guards: Vec<Guard>,
    /// Whether each guard is alive at the current point.
    pub(super) alive: Vec<bool>,
    /// How many of `alive` are true.
    pub(super) n_alive: usize,
    /// The block scopes, innermost last; the first holds the parameters and what a
    /// closure captures.
    pub(super) blocks: Vec<Scope>,
    /// The temporary scopes, innermost last, each with the guards it owns.
    pub(super) temps: Vec<Vec<GuardId>>,
    /// Guards that die with another, as (the other, the guard): the values a `loop`
    /// breaks with on other paths die with the one its value is taken to be.
    pub(super) tied: Vec<(GuardId, GuardId)>,
    /// The guards each enclosing `loop` breaks with (`break m.lock()`,
    /// `break slot.expect(..)`), innermost last.
    pub(super) breaks: Vec<Vec<GuardId>>,
    /// The emptied variable lists of ended scopes, taken again by the next scopes
    /// so that a body's blocks do not each allocate and grow their own.
    pub(super) spare_vars: Vec<Vec<Var>>,
}

/// Emptied variable lists kept for reuse, at most.
const MAX_SPARE_SCOPES: usize = 32;

/// What branches change and joins merge: which guards are alive, and which guards
/// each variable in scope may hold.
#[derive(Clone)]
pub(super) struct State {
    alive: Vec<bool>,
    bindings: Vec<Vec<(Option<GuardId>, Vec<GuardId>)>>,
}

/// A block scope: the variables it declares and the named guards it owns.
#[derive(Default)]
pub(super) struct Scope {
    pub(super) vars: Vec<Var>,
    pub(super) owned: Vec<GuardId>,
}

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    pub(super) fn live(&self) -> Vec<GuardId> {
        if self.scopes.n_alive == 0 {
            return Vec::new();
        }
        self.scopes
            .alive
            .iter()
            .enumerate()
            .filter_map(|(i, &a)| a.then_some(i))
            .collect()
    }

    /// Guard `g` is a shard map's entry (`DashMap::entry`), or a guard it handed on.
    pub(super) fn is_shard_entry(&self, g: GuardId) -> bool {
        let g = &self.scopes.guards[g];
        g.method == "entry"
            && g.receiver_ty
                .as_deref()
                .is_some_and(|t| crate::model::known::SHARD_MAP_TYPES.contains(&t))
    }

    /// A guard into a shard map (`DashMap::get`) is alive.
    pub(super) fn shard_guard_alive(&self) -> bool {
        self.scopes.n_alive > 0
            && self.scopes.alive.iter().enumerate().any(|(i, &a)| {
                a && self.scopes.guards[i]
                    .receiver_ty
                    .as_deref()
                    .is_some_and(|t| crate::model::known::SHARD_MAP_TYPES.contains(&t))
            })
    }

    pub(super) fn kill(&mut self, g: GuardId) {
        if self.scopes.alive.get(g).copied().unwrap_or(false) {
            self.scopes.alive[g] = false;
            self.scopes.n_alive -= 1;
            if !self.scopes.tied.is_empty() {
                let tied: Vec<GuardId> = self
                    .scopes
                    .tied
                    .iter()
                    .filter(|(rep, _)| *rep == g)
                    .map(|&(_, h)| h)
                    .collect();
                tied.into_iter().for_each(|h| self.kill(h));
            }
        }
    }

    /// A guard a `break` carries out of the innermost `loop` (`break m.lock()`): it
    /// leaves the statement's temporaries, since it is the loop's value.
    pub(super) fn break_with(&mut self, g: GuardId) {
        if self.scopes.breaks.is_empty() {
            return;
        }
        self.untemp(g);
        if let Some(top) = self.scopes.breaks.last_mut() {
            top.push(g);
        }
    }

    /// Ends a `loop` whose `break`s carried `values`: the loop's value is the first,
    /// alive after the loop (it was alive where the loop was left) and owned by the
    /// enclosing temporary scope until a `let` binds it; the others are alive too,
    /// and die with it.
    ///
    /// Invariant: every guard a `break` carried is alive after the loop and dies when
    /// the loop's value does (or, for one a variable still owns, when that variable's
    /// scope ends, whichever comes first).
    pub(super) fn loop_value(&mut self, values: Vec<GuardId>) -> Option<GuardId> {
        let rep = *values.first()?;
        for &g in &values {
            if !self.scopes.alive[g] {
                self.scopes.alive[g] = true;
                self.scopes.n_alive += 1;
            }
            if g != rep && !self.scopes.tied.contains(&(rep, g)) {
                self.scopes.tied.push((rep, g));
            }
        }
        if !self.hand_to_enclosing_temps(rep) {
            self.kill(rep);
            return None;
        }
        Some(rep)
    }

    /// Restores a liveness snapshot; guards made since it was taken are dead in it.
    pub(super) fn set_alive(&mut self, mut alive: Vec<bool>) {
        alive.resize(self.scopes.guards.len(), false);
        self.scopes.n_alive = alive.iter().filter(|a| **a).count();
        self.scopes.alive = alive;
    }

    pub(super) fn save(&self) -> State {
        State {
            alive: self.scopes.alive.clone(),
            bindings: self
                .scopes
                .blocks
                .iter()
                .map(|s| s.vars.iter().map(|v| (v.guard, v.also.clone())).collect())
                .collect(),
        }
    }

    /// Returns to a saved state, for the variables still in scope.
    pub(super) fn restore(&mut self, st: State) {
        self.set_alive(st.alive);
        for (scope, saved) in self.scopes.blocks.iter_mut().zip(st.bindings) {
            for (v, (g, also)) in scope.vars.iter_mut().zip(saved) {
                v.guard = g;
                v.also = also;
            }
        }
    }

    /// Joins the states at the ends of several paths: a guard is alive if it is on
    /// any path, and a variable may hold any guard it holds on some path.
    pub(super) fn join(&mut self, states: Vec<State>) {
        let alive = Self::merge(&states.iter().map(|s| s.alive.clone()).collect::<Vec<_>>());
        self.set_alive(alive);
        for (si, scope) in self.scopes.blocks.iter_mut().enumerate() {
            for (vi, v) in scope.vars.iter_mut().enumerate() {
                let mut all: Vec<GuardId> = Vec::new();
                for st in &states {
                    if let Some((g, also)) = st.bindings.get(si).and_then(|s| s.get(vi)) {
                        all.extend(g.iter().chain(also.iter()).copied());
                    }
                }
                all.sort_unstable();
                all.dedup();
                let first = states.iter().find_map(|st| {
                    st.bindings
                        .get(si)
                        .and_then(|s| s.get(vi))
                        .and_then(|b| b.0)
                });
                all.retain(|g| Some(*g) != first);
                v.guard = first.or(v.guard);
                v.also = all;
            }
        }
    }

    pub(super) fn merge(branches: &[Vec<bool>]) -> Vec<bool> {
        let len = branches.iter().map(Vec::len).max().unwrap_or(0);
        let mut out = vec![false; len];
        for b in branches {
            for (i, &a) in b.iter().enumerate() {
                out[i] |= a;
            }
        }
        out
    }

    /// The guard the acquisition `mc` (a call of `method`) makes, new and alive: no
    /// name, no methods called on it, not yet discarded, returned or moved into a
    /// value.
    pub(super) fn acquire(
        &mut self,
        mc: &syn::ExprMethodCall,
        method: &crate::model::known::GuardMethod,
        is_async: bool,
        confirmed: bool,
        receiver_ty: Option<String>,
        wrapped: bool,
    ) -> GuardId {
        let guard = Guard {
            is_async,
            confirmed,
            receiver_ty,
            wrapped,
            ..self.guard_of(&mc.receiver, method, mc.span())
        };
        self.new_guard(guard)
    }

    /// The guard a call of a function of the file hands back ([`GuardFn`]): an
    /// acquisition of `lock` (the callee's lock named in this body) at the call,
    /// held inside the call's value when the callee wraps it.
    pub(super) fn acquire_via(
        &mut self,
        lock: &syn::Expr,
        method: &crate::model::known::GuardMethod,
        via: &GuardFn,
        at: proc_macro2::Span,
    ) -> GuardId {
        let (is_async, lock_ty) = self.declared_lock(lock);
        let guard = Guard {
            is_async,
            confirmed: !method.refcell || self.is_refcell(lock),
            receiver_ty: lock_ty.or_else(|| self.receiver_type(lock)),
            wrapped: via.wrapped,
            in_value: via.in_value,
            ..self.guard_of(lock, method, at)
        };
        self.new_guard(guard)
    }

    /// A guard of the lock at `lock` taken by `method` at `at`, with nothing yet
    /// known of its lock's type or of what becomes of it. The one place a guard is
    /// built, so a new fact about guards starts from one default.
    fn guard_of(
        &self,
        lock: &syn::Expr,
        method: &crate::model::known::GuardMethod,
        at: proc_macro2::Span,
    ) -> Guard {
        Guard {
            lock: self.lock_path(lock),
            method: method.name.clone(),
            kind: method.kind,
            is_async: false,
            is_try: method.is_try,
            confirmed: true,
            receiver_ty: None,
            wrapped: false,
            acquired: self.fw.span(at),
            name: None,
            methods: Vec::new(),
            discarded: None,
            serialises_test: false,
            returned: false,
            in_value: false,
        }
    }

    pub(super) fn new_guard(&mut self, guard: Guard) -> GuardId {
        let id = self.scopes.guards.len();
        let span = guard.acquired;
        self.push_event(EventKind::Acquire(id), span);
        self.note_use(id);
        self.scopes.guards.push(guard);
        self.scopes.alive.push(true);
        self.scopes.n_alive += 1;
        if let Some(t) = self.scopes.temps.last_mut() {
            t.push(id);
        }
        id
    }

    /// Ends the innermost temporary scope, dropping its temporaries.
    pub(super) fn end_temps(&mut self) {
        self.end_temps_keeping(|_, _| false);
    }

    /// Ends the innermost temporary scope but keeps the guards `keep` picks (the
    /// value of the construct that ends, and temporaries that outlive it): each of
    /// them moves to the enclosing temporary scope, and every other guard of the
    /// ended scope dies.
    ///
    /// Invariant: afterwards every guard the ended scope owned is either dead or
    /// owned by the enclosing temporary scope, so it dies when that one ends; a
    /// guard to keep with no enclosing temporary scope has no owner left and dies
    /// too. `keep` is asked once per guard, in the order the guards were created.
    ///
    /// This is the one way a construct that yields a value ends its temporaries:
    /// a block's tail expression, an `if`, a `match` and each of its arms.
    pub(super) fn end_temps_keeping(&mut self, keep: impl Fn(&Self, GuardId) -> bool) {
        let temps = self.scopes.temps.pop().unwrap_or_default();
        for g in temps {
            if keep(self, g) && self.hand_to_enclosing_temps(g) {
                continue;
            }
            self.kill(g);
        }
    }

    /// Drops the temporaries of the innermost temporary scope that `pick` picks, and
    /// leaves the scope open (an `if` or `while` condition, whose temporaries die
    /// before the body runs, while the scope stays for what the body makes).
    pub(super) fn drop_temps_now(&mut self, pick: impl Fn(&Self, GuardId) -> bool) {
        let temps = self.scopes.temps.last().cloned().unwrap_or_default();
        for g in temps {
            if pick(self, g) {
                self.kill(g);
            }
        }
    }

    /// Gives guard `g` to the innermost open temporary scope, if there is one; says
    /// whether there was.
    fn hand_to_enclosing_temps(&mut self, g: GuardId) -> bool {
        match self.scopes.temps.last_mut() {
            Some(t) => {
                t.push(g);
                true
            }
            None => false,
        }
    }

    /// Moves guard `g` out of any temporary scope (it now has an owner elsewhere).
    pub(super) fn untemp(&mut self, g: GuardId) {
        for t in self.scopes.temps.iter_mut().rev() {
            if let Some(pos) = t.iter().position(|&x| x == g) {
                t.remove(pos);
                return;
            }
        }
    }

    pub(super) fn push_scope(&mut self) {
        let vars = self.scopes.spare_vars.pop().unwrap_or_default();
        self.scopes.blocks.push(Scope {
            vars,
            owned: Vec::new(),
        });
    }

    /// Ends a block scope, dropping the guards it owns except `keep` (the block's value).
    pub(super) fn pop_scope(&mut self, keep: Option<GuardId>) {
        let Some(Scope { mut vars, owned }) = self.scopes.blocks.pop() else {
            return;
        };
        if self.scopes.spare_vars.len() < MAX_SPARE_SCOPES {
            vars.clear();
            self.scopes.spare_vars.push(vars);
        }
        for g in owned {
            if Some(g) == keep {
                // A block's value outlives the block; with no temporary scope open
                // it is left alive (unlike a kept temporary, see `end_temps_keeping`).
                self.hand_to_enclosing_temps(g);
                continue;
            }
            self.kill(g);
        }
    }
}
