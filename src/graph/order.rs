//! The lock-order graph: an edge for every lock taken while another is held,
//! directly or through a call, and its cycles, found per strongly connected set of
//! locks.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rustc_hash::FxHashMap;

use super::{BodyIdx, Graph, Hop, LockClass, LockId};
use crate::flow::{EventKind, FileFlows, GuardKind};
use crate::model::CrateId;
use crate::report::finding::{FileId, Span};

/// An edge of the lock-order graph: `to` taken while `from` is held.
#[derive(Clone, Debug)]
pub struct OrderEdge {
    /// The lock held.
    pub from: LockId,
    /// The lock taken.
    pub to: LockId,
    /// Where `from` was acquired.
    pub held_site: Span,
    /// Where `to` is acquired.
    pub taken_site: Span,
    /// Calls between the function holding `from` and the acquisition of `to`.
    pub chain: Vec<Hop>,
    /// The function holding `from`.
    pub holder: BodyIdx,
}

impl Graph {
    /// Every "B taken while A is held" in the run, directly or through calls.
    /// `try_` acquisitions never wait and add no edge; `RefCell` borrows are not
    /// locks; a lock taken again while held is a double lock, not an order.
    pub(super) fn order_edges(&self, flows: &[(FileId, FileFlows)]) -> Vec<OrderEdge> {
        let mut edges = Vec::new();
        for i in 0..self.bodies.len() {
            self.nested_edges(flows, i, &mut edges);
            let b = self.body(flows, i);
            if b.guards.is_empty() {
                continue;
            }
            for (ei, e) in b.events.iter().enumerate() {
                // A guard moved into a callee that holds it orders what the callee
                // takes after its lock.
                let handed = match &e.kind {
                    EventKind::Call(_) => self.handed_into(flows, i, ei),
                    _ => Vec::new(),
                };
                if e.live().is_empty() && handed.is_empty() {
                    continue;
                }
                let taken: Vec<(LockId, Span, Vec<Hop>)> = match &e.kind {
                    EventKind::Acquire(g) => {
                        let guard = &b.guards[*g];
                        match (&self.guard_ids[i][*g], guard.is_try, guard.kind) {
                            (
                                Some(id),
                                false,
                                GuardKind::Mutex | GuardKind::Read | GuardKind::Write,
                            ) => {
                                vec![(id.clone(), guard.acquired, Vec::new())]
                            }
                            _ => Vec::new(),
                        }
                    }
                    EventKind::Call(_) => self
                        .taken_through(flows, i, ei)
                        .into_iter()
                        .filter(|t| !t.is_try)
                        .map(|t| (t.lock, t.site, t.chain))
                        .collect(),
                    EventKind::Await { .. } => Vec::new(),
                };
                for (to, taken_site, chain) in taken {
                    for &h in e.live().iter().chain(&handed) {
                        let held = &b.guards[h];
                        if held.kind.is_borrow() {
                            continue;
                        }
                        let Some(from) = &self.guard_ids[i][h] else {
                            continue;
                        };
                        if from.class == to.class || from.krate != to.krate {
                            continue;
                        }
                        edges.push(OrderEdge {
                            from: from.clone(),
                            to: to.clone(),
                            held_site: held.acquired,
                            taken_site,
                            chain: chain.clone(),
                            holder: i,
                        });
                    }
                }
            }
        }
        edges
    }

    /// The orders body `i`'s calls take through callees that nest a lock they were
    /// handed (`g(&self.p, &self.q)` with `fn g(a: &Mutex<_>, b: &Mutex<_>)` taking
    /// `a` then `b`), in `i`'s frame, whatever `i` holds.
    fn nested_edges(&self, flows: &[(FileId, FileFlows)], i: BodyIdx, edges: &mut Vec<OrderEdge>) {
        for ei in 0..self.callees[i].len() {
            let k = self.run_callee(flows, i, ei);
            if k.is_none_or(|k| self.summaries[k].nested.is_empty()) {
                continue;
            }
            for (from, to) in self.nested_through(flows, i, ei) {
                if from.lock.class == to.lock.class || from.lock.krate != to.lock.krate {
                    continue;
                }
                edges.push(OrderEdge {
                    from: from.lock,
                    to: to.lock,
                    held_site: from.site,
                    taken_site: to.site,
                    chain: to.chain,
                    holder: i,
                });
            }
        }
    }

    /// The cycle classes of the lock-order graph: one per strongly connected set of
    /// locks (within a crate), with the shortest cycle through each inverted pair as
    /// its witnesses, at most [`MAX_CYCLES`] of them. One witness edge stands for each
    /// (from, to) class pair, so the work is linear in the distinct pairs, plus one
    /// breadth-first search per reported cycle inside its set.
    /// Only the edges for which `keep` holds take part.
    pub(super) fn cycle_classes(&self, keep: &dyn Fn(&OrderEdge) -> bool) -> Vec<CycleClass<'_>> {
        // One witness per (from, to) class pair: the first found, in a stable order.
        let mut witness: BTreeMap<(CrateId, &LockClass, &LockClass), &OrderEdge> = BTreeMap::new();
        for e in self.edges.iter().filter(|e| keep(e)) {
            witness
                .entry((e.from.krate, &e.from.class, &e.to.class))
                .or_insert(e);
        }
        // Nodes in (crate, class) order, so successors come out sorted too.
        let mut index: BTreeMap<(CrateId, &LockClass), usize> = BTreeMap::new();
        for &(k, a, b) in witness.keys() {
            index.insert((k, a), 0);
            index.insert((k, b), 0);
        }
        for (i, slot) in index.values_mut().enumerate() {
            *slot = i;
        }
        let n = index.len();
        let mut succ: Vec<Vec<(usize, &OrderEdge)>> = vec![Vec::new(); n];
        for (&(k, a, b), &e) in &witness {
            succ[index[&(k, a)]].push((index[&(k, b)], e));
        }
        let comp = strongly_connected(&succ);
        let mut members: Vec<Vec<usize>> = Vec::new();
        let mut comp_slot: FxHashMap<usize, usize> = FxHashMap::default();
        for (v, &c) in comp.iter().enumerate() {
            let slot = *comp_slot.entry(c).or_insert_with(|| {
                members.push(Vec::new());
                members.len() - 1
            });
            members[slot].push(v);
        }
        let mut out = Vec::new();
        let mut seen = vec![u32::MAX; n];
        let mut parent: Vec<Option<(usize, &OrderEdge)>> = vec![None; n];
        let mut stamp = 0u32;
        for nodes in members.iter().filter(|m| m.len() >= 2) {
            let c = comp[nodes[0]];
            let inside: Vec<(usize, usize, &OrderEdge)> = nodes
                .iter()
                .flat_map(|&a| {
                    succ[a]
                        .iter()
                        .filter(|(b, _)| comp[*b] == c)
                        .map(move |&(b, e)| (a, b, e))
                })
                .collect();
            let has = |a: usize, b: usize| succ[a].binary_search_by_key(&b, |s| s.0).is_ok();
            // Inverted pairs (A then B here, B then A there) first, then the other
            // orders, each only if no cycle reported so far passes through it.
            let mut order: Vec<&(usize, usize, &OrderEdge)> =
                inside.iter().filter(|(a, b, _)| has(*b, *a)).collect();
            order.extend(inside.iter().filter(|(a, b, _)| !has(*b, *a)));
            let mut covered: BTreeSet<(usize, usize)> = BTreeSet::new();
            let mut cycles: Vec<Vec<&OrderEdge>> = Vec::new();
            for &&(a, b, e) in &order {
                if cycles.len() >= MAX_CYCLES {
                    break;
                }
                if covered.contains(&(a, b)) {
                    continue;
                }
                stamp += 1;
                let Some(back) = shortest_path(&succ, &comp, b, a, stamp, &mut seen, &mut parent)
                else {
                    continue;
                };
                let mut cycle = vec![e];
                covered.insert((a, b));
                let mut at = b;
                for (next, edge) in back {
                    covered.insert((at, next));
                    cycle.push(edge);
                    at = next;
                }
                cycles.push(cycle);
            }
            // Every lock of the set holds another of it, and `inside` runs by holder.
            let mut locks: Vec<&LockId> = Vec::with_capacity(nodes.len());
            let mut last = None;
            for &(a, _, e) in &inside {
                if last != Some(a) {
                    locks.push(&e.from);
                    last = Some(a);
                }
            }
            out.push(CycleClass {
                locks,
                orders: inside.len(),
                cycles,
            });
        }
        out
    }
}

/// Most cycles reported for one strongly connected set of locks.
pub const MAX_CYCLES: usize = 8;

/// A class of lock-order cycles: a strongly connected set of locks, every one of
/// which can be reached from every other by "taken while held" orders.
#[derive(Debug)]
pub struct CycleClass<'g> {
    /// The locks of the set, in name order.
    pub locks: Vec<&'g LockId>,
    /// How many (from, to) orders run between locks of the set.
    pub orders: usize,
    /// The shortest cycle through each inverted pair, one witness edge per step,
    /// starting with the pair's first order; at most [`MAX_CYCLES`].
    pub cycles: Vec<Vec<&'g OrderEdge>>,
}

/// The strongly connected component of each node (Tarjan's algorithm, iterative so
/// that a long chain of locks cannot exhaust the stack). Linear in the edges.
fn strongly_connected<T>(succ: &[Vec<(usize, T)>]) -> Vec<usize> {
    let n = succ.len();
    let unvisited = usize::MAX;
    let mut index = vec![unvisited; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![unvisited; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next_index = 0usize;
    let mut next_comp = 0usize;
    // (node, position in its successor list)
    let mut work: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if index[root] != unvisited {
            continue;
        }
        work.push((root, 0));
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut pos)) = work.last_mut() {
            if let Some(&(w, _)) = succ[v].get(*pos) {
                *pos += 1;
                if index[w] == unvisited {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(u, _)) = work.last() {
                low[u] = low[u].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

/// The fewest orders from `from` to `to` inside their component, breadth first:
/// each step as (node reached, witness edge). `seen` and `parent` are scratch
/// space shared between searches, told apart by `stamp`.
fn shortest_path<'g>(
    succ: &[Vec<(usize, &'g OrderEdge)>],
    comp: &[usize],
    from: usize,
    to: usize,
    stamp: u32,
    seen: &mut [u32],
    parent: &mut [Option<(usize, &'g OrderEdge)>],
) -> Option<Vec<(usize, &'g OrderEdge)>> {
    let c = comp[from];
    let mut queue = VecDeque::from([from]);
    seen[from] = stamp;
    parent[from] = None;
    while let Some(v) = queue.pop_front() {
        if v == to {
            let mut path = Vec::new();
            let mut at = to;
            while let Some((p, e)) = parent[at] {
                path.push((at, e));
                at = p;
            }
            path.reverse();
            return Some(path);
        }
        for &(w, e) in &succ[v] {
            if comp[w] == c && seen[w] != stamp {
                seen[w] = stamp;
                parent[w] = Some((v, e));
                queue.push_back(w);
            }
        }
    }
    None
}
