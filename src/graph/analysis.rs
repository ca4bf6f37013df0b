//! The one interface rules read: the run's sources, model, flows and graph behind
//! queries, so that no rule indexes the graph's tables or hands the flows back to it.
//!
//! Every query takes a [`BodyIdx`] (from [`Analysis::bodies`], a callee or a caller)
//! and, where it asks about a guard or an event, that body's guard or event index, as
//! the body's own facts number them.

use rustc_hash::FxHashSet;

use super::{BlockingSite, BodyIdx, CycleClass, Graph, LockId, OrderEdge, Summary, Taken};
use crate::flow::{Body, FileFlows};
use crate::model::{CrateId, Model};
use crate::report::finding::FileId;
use crate::source::SourceMap;

/// What the crate-wide analysis knows, as rules read it: every file's text, the
/// model, and the bodies with their resolved locks, calls and summaries.
#[derive(Clone, Copy)]
pub struct Analysis<'a> {
    /// Every file's text.
    pub sources: &'a SourceMap,
    /// The crate-wide model.
    pub model: &'a Model,
    /// Every analysed file's flows, which the graph numbers the bodies of.
    flows: &'a [(FileId, FileFlows)],
    /// Lock identities, call resolution, summaries and the lock-order graph.
    graph: &'a Graph,
    /// The lock orders the configuration declares, each a list of lock names.
    declared: &'a [Vec<String>],
}

/// A body of the run: its index, file, crate and facts.
#[derive(Clone, Copy, Debug)]
pub struct BodyRef<'a> {
    /// Its index, which the other queries take.
    pub idx: BodyIdx,
    /// The file it is in.
    pub file: FileId,
    /// The crate it belongs to.
    pub krate: CrateId,
    /// What the walker found in it.
    pub body: &'a Body,
}

impl<'a> Analysis<'a> {
    /// The analysis of a run, over the graph built from `flows` and `model`.
    pub fn new(
        sources: &'a SourceMap,
        flows: &'a [(FileId, FileFlows)],
        model: &'a Model,
        graph: &'a Graph,
    ) -> Self {
        Analysis {
            sources,
            model,
            flows,
            graph,
            declared: &[],
        }
    }

    /// The same analysis, with the lock orders the run's configuration declares
    /// (each group a list of lock names, as [`LockId::name`] gives them, in the
    /// order they must be taken).
    pub fn with_declared_order(self, declared: &'a [Vec<String>]) -> Self {
        Analysis { declared, ..self }
    }

    /// The declared lock orders (see [`Analysis::with_declared_order`]); empty when
    /// the configuration declares none.
    pub fn declared_order(&self) -> &'a [Vec<String>] {
        self.declared
    }

    /// The names of every lock of the run, held or taken (as [`LockId::name`] gives
    /// them), once each.
    pub fn lock_names(&self) -> FxHashSet<String> {
        let mut names = FxHashSet::default();
        let ids = self.graph.guard_ids.iter().flatten().flatten();
        let ends = self.graph.edges.iter().flat_map(|e| [&e.from, &e.to]);
        for id in ids.chain(ends) {
            let name = id.name();
            if !names.contains(name.as_ref()) {
                names.insert(name.into_owned());
            }
        }
        names
    }

    /// How many bodies the run has; every [`BodyIdx`] is below it.
    pub fn body_count(&self) -> usize {
        self.graph.bodies.len()
    }

    /// Every body of the run, file by file, each file's in the walker's order.
    pub fn bodies(&self) -> impl Iterator<Item = BodyRef<'a>> + 'a {
        let cx = *self;
        (0..self.body_count()).map(move |i| cx.at(i))
    }

    /// The body at an index, with its file and crate.
    pub fn at(&self, i: BodyIdx) -> BodyRef<'a> {
        BodyRef {
            idx: i,
            file: self.graph.bodies[i].file,
            krate: self.graph.crate_of[i],
            body: self.body(i),
        }
    }

    /// The facts of the body at an index.
    pub fn body(&self, i: BodyIdx) -> &'a Body {
        self.graph.body(self.flows, i)
    }

    /// The file a body is in.
    pub fn file_of(&self, i: BodyIdx) -> FileId {
        self.graph.bodies[i].file
    }

    /// The crate a body belongs to.
    pub fn crate_of(&self, i: BodyIdx) -> CrateId {
        self.graph.crate_of[i]
    }

    /// The bodies after body `i` in its file, nearest first (the closures and async
    /// blocks of a function follow it).
    pub fn later_in_file(&self, i: BodyIdx) -> impl Iterator<Item = BodyRef<'a>> + 'a {
        let cx = *self;
        let flow = self.graph.bodies[i].flow;
        (i + 1..self.body_count())
            .take_while(move |&j| cx.graph.bodies[j].flow == flow)
            .map(move |j| cx.at(j))
    }

    /// The bodies before body `i` in its file, nearest first.
    pub fn earlier_in_file(&self, i: BodyIdx) -> impl Iterator<Item = BodyRef<'a>> + 'a {
        let cx = *self;
        let flow = self.graph.bodies[i].flow;
        (0..i)
            .rev()
            .take_while(move |&j| cx.graph.bodies[j].flow == flow)
            .map(move |j| cx.at(j))
    }

    /// The index of the body numbered `n` in the file of body `i` (as a body's
    /// facts number the bodies of its file), if there is one.
    pub fn body_in_file_of(&self, i: BodyIdx, n: usize) -> Option<BodyIdx> {
        let bodies = &self.graph.bodies;
        let flow = bodies[i].flow;
        let k = bodies.partition_point(|b| b.flow < flow) + n;
        bodies
            .get(k)
            .is_some_and(|b| b.flow == flow && b.body == n)
            .then_some(k)
    }

    /// The lock of guard `g` of body `i`, when it resolved.
    pub fn lock_of(&self, i: BodyIdx, g: usize) -> Option<&'a LockId> {
        self.graph.guard_ids[i].get(g).and_then(Option::as_ref)
    }

    /// The resolved locks of body `i`'s guards, in guard order.
    pub fn locks_in(&self, i: BodyIdx) -> impl Iterator<Item = &'a LockId> + 'a {
        self.graph.guard_ids[i].iter().flatten()
    }

    /// The in-crate function that event `ei` of body `i` calls, when it resolved.
    pub fn callee(&self, i: BodyIdx, ei: usize) -> Option<BodyIdx> {
        self.graph.callees[i].get(ei).copied().flatten()
    }

    /// The closures the call at event `ei` of body `i` runs before it returns: closures
    /// written as arguments of a call that runs them, or the closure a local bound to
    /// one stands for (`wait()` after `let wait = || ..;`).
    pub fn closures_run(&self, i: BodyIdx, ei: usize) -> &'a [BodyIdx] {
        self.graph.closure_callees(i, ei)
    }

    /// The resolved calls of body `i`, as (event index, callee), in event order.
    pub fn callees(&self, i: BodyIdx) -> impl Iterator<Item = (usize, BodyIdx)> + 'a {
        self.graph.callees[i]
            .iter()
            .enumerate()
            .filter_map(|(ei, k)| Some((ei, (*k)?)))
    }

    /// The calls into body `k`, as (caller, event index); a body's calls to itself
    /// are left out.
    pub fn callers(&self, k: BodyIdx) -> &'a [(BodyIdx, usize)] {
        &self.graph.callers[k]
    }

    /// What calling body `k` does: the locks it takes and the blocking calls it
    /// makes, directly or through calls.
    pub fn summary(&self, k: BodyIdx) -> &'a Summary {
        &self.graph.summaries[k]
    }

    /// The name a callee is shown by: `helper`, or `Type::helper` for a method.
    pub fn callee_name(&self, k: BodyIdx) -> String {
        self.graph.callee_name(self.flows, k)
    }

    /// The locks the call at event `ei` of body `i` takes, in `i`'s frame, with the
    /// call as the first hop (none when the call did not resolve).
    pub fn taken_through(&self, i: BodyIdx, ei: usize) -> Vec<Taken> {
        self.graph.taken_through(self.flows, i, ei)
    }

    /// The guards of body `i` the call at event `ei` moves into a callee of the
    /// crate that holds them while it runs (it does not `drop` that parameter): what
    /// the call takes through its callee is taken under them too.
    pub fn handed_into(&self, i: BodyIdx, ei: usize) -> Vec<usize> {
        self.graph.handed_into(self.flows, i, ei)
    }

    /// The blocking calls the call at event `ei` of body `i` makes, with the call as
    /// the first hop (none when the call did not resolve).
    pub fn blocks_through(&self, i: BodyIdx, ei: usize) -> Vec<BlockingSite> {
        self.graph.blocks_through(self.flows, i, ei)
    }

    /// Every edge of the lock-order graph: a lock taken while another is held.
    pub fn edges(&self) -> &'a [OrderEdge] {
        &self.graph.edges
    }

    /// The cycle classes of the lock-order graph over the edges for which `keep`
    /// holds (see `Graph::cycle_classes` in `order.rs`).
    pub fn cycle_classes(&self, keep: &dyn Fn(&OrderEdge) -> bool) -> Vec<CycleClass<'a>> {
        self.graph.cycle_classes(keep)
    }
}
