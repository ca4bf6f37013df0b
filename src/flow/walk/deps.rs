//! Data and control dependencies: the collectors that gather the guards and calls an
//! expression uses, and the guards and atomic writes tested by the conditions that
//! enclose the current point.
//!
//! It gathers what other modules walk; it walks nothing itself.

use super::*;

impl<'w, 'a, 'o> BodyWalker<'w, 'a, 'o> {
    /// Walks `f` with a call collector open; returns the calls collected.
    pub(super) fn collecting_calls<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> T,
    ) -> (T, Vec<usize>) {
        self.call_collectors.push(Vec::new());
        let out = f(self);
        let mut calls = self.call_collectors.pop().unwrap_or_default();
        calls.sort_unstable();
        calls.dedup();
        calls.truncate(MAX_CALL_SOURCES);
        // Nested collectors are as deep as the expression: only pass on something.
        if !calls.is_empty() {
            for c in &mut self.call_collectors {
                c.extend(calls.iter().copied());
                c.truncate(MAX_CALL_SOURCES);
            }
        }
        (out, calls)
    }

    /// Records that guard `g` was made or used, for every open collector.
    pub(super) fn note_use(&mut self, g: GuardId) {
        for (_, c) in &mut self.collectors {
            if !c.contains(&g) {
                c.push(g);
            }
        }
    }

    /// Records that a value computed from guard `g` was used.
    pub(super) fn note_derived(&mut self, g: GuardId) {
        for (transitive, c) in &mut self.collectors {
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
        self.collectors.push((transitive, Vec::new()));
        let out = f(self);
        let used = self.collectors.pop().map(|c| c.1).unwrap_or_default();
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
        let mark = self.cond_writes.len();
        self.cond_writes.extend_from_slice(writes);
        let out = f(self);
        self.cond_writes.truncate(mark);
        out
    }

    /// Walks `f` with `tested` added to the control dependencies.
    pub(super) fn depending<T>(&mut self, tested: &[GuardId], f: impl FnOnce(&mut Self) -> T) -> T {
        let mark = self.deps.len();
        self.deps.extend_from_slice(tested);
        let out = f(self);
        self.deps.truncate(mark);
        out
    }
}
