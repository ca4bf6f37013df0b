//! Data and control dependencies: the collectors that gather the guards and calls an
//! expression uses, and the guards and atomic writes tested by the conditions that
//! enclose the current point.
//!
//! It gathers what other modules walk; it walks nothing itself.

use super::*;

/// What the expression being walked uses, and what the conditions enclosing the
/// current point test.
#[derive(Default)]
pub(super) struct Deps {
    /// Open call collectors: every call event made (or whose result is used) while
    /// one is open is added.
    pub(super) calls: Vec<Vec<usize>>,
    /// Open use collectors: every guard made or used while one is open is added.
    /// Each with whether it also takes the guards a variable's value was computed
    /// from (conditions do; `let` initializers take only guards used directly).
    pub(super) uses: Vec<(bool, Vec<GuardId>)>,
    /// Guards tested by the conditions enclosing the current point.
    pub(super) tested: Vec<GuardId>,
    /// Conditions of the enclosing `if`s and `match`es, innermost last.
    pub(super) cond_spans: Vec<Option<Span>>,
    /// What the last `if` tested, and whether its `then` block diverges with no
    /// `else` (an early return guarded by the test).
    pub(super) last_if: Option<(Vec<GuardId>, bool)>,
    /// Atomic writes tested by the conditions enclosing the current point (see
    /// [`Event::tested_writes`]), and those the last statement leaves tested for the
    /// rest of the block (an `if` that returns, a `while` that has ended).
    pub(super) cond_writes: Vec<usize>,
    pub(super) after_writes: Vec<usize>,
}

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    /// Walks `f` with a call collector open; returns the calls collected.
    pub(super) fn collecting_calls<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> T,
    ) -> (T, Vec<usize>) {
        self.deps.calls.push(Vec::new());
        let out = f(self);
        let mut calls = self.deps.calls.pop().unwrap_or_default();
        calls.sort_unstable();
        calls.dedup();
        calls.truncate(MAX_CALL_SOURCES);
        // Nested collectors are as deep as the expression: only pass on something.
        if !calls.is_empty() {
            for c in &mut self.deps.calls {
                c.extend(calls.iter().copied());
                c.truncate(MAX_CALL_SOURCES);
            }
        }
        (out, calls)
    }

    /// Records that guard `g` was made or used, for every open collector.
    pub(super) fn note_use(&mut self, g: GuardId) {
        for (_, c) in &mut self.deps.uses {
            if !c.contains(&g) {
                c.push(g);
            }
        }
    }

    /// Records that a value computed from guard `g` was used.
    pub(super) fn note_derived(&mut self, g: GuardId) {
        for (transitive, c) in &mut self.deps.uses {
            if *transitive && !c.contains(&g) {
                c.push(g);
            }
        }
    }

    /// Walks `f` with a use collector open; returns what it collected.
    pub(super) fn collecting<T>(&mut self, f: impl FnOnce(&mut Self) -> T) -> (T, Vec<GuardId>) {
        self.collect_with(true, f)
    }

    /// Like `collecting`, but a variable's `derived` guards are not taken: for `let`
    /// initializers, so that a value computed from another lock-derived value does
    /// not count as a read of the lock.
    pub(super) fn collecting_direct<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> T,
    ) -> (T, Vec<GuardId>) {
        self.collect_with(false, f)
    }

    pub(super) fn collect_with<T>(
        &mut self,
        transitive: bool,
        f: impl FnOnce(&mut Self) -> T,
    ) -> (T, Vec<GuardId>) {
        self.deps.uses.push((transitive, Vec::new()));
        let out = f(self);
        let used = self.deps.uses.pop().map(|c| c.1).unwrap_or_default();
        for &g in &used {
            self.note_use(g);
        }
        (out, used)
    }

    /// The atomic writes among the call events `calls`.
    pub(super) fn atomic_writes(&self, calls: &[usize]) -> Vec<usize> {
        calls
            .iter()
            .copied()
            .filter(|&c| {
                // A closure's captured variables carry indices into its parent's
                // events: only this body's own count.
                self.events
                    .get(c)
                    .and_then(Event::call)
                    .is_some_and(|call| {
                        let name = call.callee.trim_start_matches('.');
                        name != "store" && crate::flow::methods::ATOMIC_WRITES.contains(&name)
                    })
            })
            .collect()
    }

    /// Walks `f` with the atomic writes `writes` tested by an enclosing condition.
    pub(super) fn testing_writes<T>(
        &mut self,
        writes: &[usize],
        f: impl FnOnce(&mut Self) -> T,
    ) -> T {
        let mark = self.deps.cond_writes.len();
        self.deps.cond_writes.extend_from_slice(writes);
        let out = f(self);
        self.deps.cond_writes.truncate(mark);
        out
    }

    /// Walks `f` with `tested` added to the control dependencies.
    pub(super) fn depending<T>(&mut self, tested: &[GuardId], f: impl FnOnce(&mut Self) -> T) -> T {
        let mark = self.deps.tested.len();
        self.deps.tested.extend_from_slice(tested);
        let out = f(self);
        self.deps.tested.truncate(mark);
        out
    }
}
