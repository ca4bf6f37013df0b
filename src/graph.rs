//! The crate-wide layer over the per-body flows: lock identities, call resolution,
//! function summaries computed to a fixpoint, and the lock-order graph with its
//! cycles.
//!
//! Lock identity is a class and an object. The class names the lock across the
//! crate: `Cache.state` for `self.state` in `impl Cache` (following field types, so
//! `self.inner.state` with `inner: Arc<Inner>` is `Inner.state`), `static NAME` for a
//! static, or a name local to one function for a lock held in a local. The object is
//! the place the lock belongs to as the function sees it (`self`, `self.inner`,
//! `other`); two guards are the same lock when both match.
//!
//! Calls resolve through `self.method()`, `x.method()` with a declared type,
//! `Self::f()`, `Type::f()` and in-crate paths; a call with several candidates, or on
//! a receiver whose type is not known, resolves to nothing rather than to a guess.
//! Nothing here reads syntax.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::flow::{Blocking, Body, BodyKind, Call, EventKind, FileFlows, GuardKind, LockPath};
use crate::model::known::is_static_name;
use crate::model::{type_name_of, CrateId, Model};
use crate::report::finding::{FileId, Span};

/// Index of a body in [`Graph::bodies`].
pub type BodyIdx = usize;

/// Longest call chain followed from a function.
const MAX_CHAIN: usize = 8;
/// Most locks (and blocking calls) a summary keeps.
const MAX_SUMMARY: usize = 64;

/// Where a body is: its file's index in the run's flows and its index there.
#[derive(Clone, Copy, Debug)]
pub struct BodyAt {
    /// Index into the flows slice.
    pub flow: usize,
    /// Index into that file's bodies.
    pub body: usize,
    /// The file.
    pub file: FileId,
}

/// A resolved lock: which lock (class) on which object.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LockId {
    /// The crate the class belongs to.
    pub krate: CrateId,
    /// `Type.field`, `static NAME`, or a function-local name.
    pub class: String,
    /// The object the lock is a field of, as seen from the function holding it
    /// (`["self"]`, `["self", "inner"]`, `["other"]`, `["static"]`); `None` when the
    /// syntax does not show it.
    pub obj: Option<Vec<String>>,
}

impl LockId {
    /// A short name for messages: `Type.field`, the static's name, or the local
    /// variable's name.
    pub fn name(&self) -> &str {
        if let Some(s) = self.class.strip_prefix("static ") {
            return s;
        }
        if self.class.contains('#') {
            return self.class.rsplit("::").next().unwrap_or(&self.class);
        }
        &self.class
    }
}

/// One call on a chain from a function down to a site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hop {
    /// The call site.
    pub site: Span,
    /// The callee's name (`helper`, `Cache::load`).
    pub callee: String,
}

/// A lock a function takes while it runs, directly or through calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Taken {
    /// The lock, in the frame of the function the summary belongs to.
    pub lock: LockId,
    /// How it is taken.
    pub kind: GuardKind,
    /// `try_lock` and friends, which never wait.
    pub is_try: bool,
    /// `read_recursive`, which may be taken again by a reader.
    pub is_recursive: bool,
    /// An async lock.
    pub is_async: bool,
    /// The acquisition.
    pub site: Span,
    /// The calls from the function down to the acquisition (empty when direct).
    pub chain: Vec<Hop>,
}

/// A blocking call a function makes while it runs, directly or through calls.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BlockingSite {
    /// The blocking call, as the blocking-call table names it.
    pub call: Blocking,
    /// The blocking call.
    pub site: Span,
    /// The calls from the function down to it.
    pub chain: Vec<Hop>,
}

/// What calling a function does, as far as locks and blocking go.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Locks it takes.
    pub takes: Vec<Taken>,
    /// Blocking calls it makes.
    pub blocks: Vec<BlockingSite>,
    /// Its first `.await`, for an async function.
    pub first_await: Option<Span>,
}

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

/// The crate-wide graph.
#[derive(Debug)]
pub struct Graph {
    /// Every body of the run.
    pub bodies: Vec<BodyAt>,
    /// The crate of each body.
    pub crate_of: Vec<CrateId>,
    /// Each body's guards, resolved.
    pub guard_ids: Vec<Vec<Option<LockId>>>,
    /// Each body's events' resolved callees (`None` when not a call or unresolved).
    pub callees: Vec<Vec<Option<BodyIdx>>>,
    /// The other way: the calls into each body, as (caller, event index); a body's
    /// calls to itself are left out.
    pub callers: Vec<Vec<(BodyIdx, usize)>>,
    /// Each body's summary.
    pub summaries: Vec<Summary>,
    /// Lock-order edges, by (from class, to class).
    pub edges: Vec<OrderEdge>,
}

/// A function's resolution key.
struct FnInfo<'a> {
    name: &'a str,
    self_ty: Option<String>,
    /// The file's module, then the inline `mod`s around the body.
    file_module: &'a [String],
    inner_module: &'a [String],
    krate: CrateId,
    callable: bool,
}

impl FnInfo<'_> {
    fn module(&self) -> impl Iterator<Item = &String> + Clone {
        self.file_module.iter().chain(self.inner_module.iter())
    }

    fn same_module(&self, other: &FnInfo<'_>) -> bool {
        self.module().eq(other.module())
    }
}

impl Graph {
    /// Builds the graph over every body of the run.
    pub fn build(flows: &[(FileId, FileFlows)], model: &Model) -> Graph {
        let mut bodies = Vec::new();
        for (fi, (file, ff)) in flows.iter().enumerate() {
            for bi in 0..ff.bodies.len() {
                bodies.push(BodyAt {
                    flow: fi,
                    body: bi,
                    file: *file,
                });
            }
        }
        let body_of = |at: &BodyAt| &flows[at.flow].1.bodies[at.body];
        let infos: Vec<FnInfo> = bodies
            .par_iter()
            .map(|at| {
                let b = body_of(at);
                let krate = model
                    .file_crate
                    .get(at.file.0 as usize)
                    .copied()
                    .unwrap_or(0);
                let file_module = model
                    .file_module
                    .get(at.file.0 as usize)
                    .map_or(&[][..], Vec::as_slice);
                FnInfo {
                    name: b.name.as_str(),
                    self_ty: b.self_ty.as_deref().and_then(type_name_of),
                    file_module,
                    inner_module: &b.module,
                    krate,
                    callable: matches!(b.kind, BodyKind::Fn | BodyKind::Method),
                }
            })
            .collect();
        // Calls resolve within their own crate only: keyed by crate, a common name
        // (`new`, `get`) is not searched across every crate of a run.
        let mut by_name: FxHashMap<(CrateId, &str), Vec<BodyIdx>> = FxHashMap::default();
        for (i, info) in infos.iter().enumerate() {
            if info.callable {
                by_name.entry((info.krate, info.name)).or_default().push(i);
            }
        }
        let resolver = Resolver {
            infos: &infos,
            by_name: &by_name,
        };

        let crate_of: Vec<CrateId> = infos.iter().map(|i| i.krate).collect();
        let guard_ids: Vec<Vec<Option<LockId>>> = bodies
            .par_iter()
            .enumerate()
            .map(|(i, at)| {
                let b = body_of(at);
                b.guards
                    .iter()
                    .map(|g| lock_id(model, &infos[i], i, b, &g.lock))
                    .collect()
            })
            .collect();
        let callees: Vec<Vec<Option<BodyIdx>>> = bodies
            .par_iter()
            .enumerate()
            .map(|(i, at)| {
                body_of(at)
                    .events
                    .iter()
                    .map(|e| match &e.kind {
                        EventKind::Call(call) => resolver.resolve(i, call, body_of(at)),
                        _ => None,
                    })
                    .collect()
            })
            .collect();

        let mut callers: Vec<Vec<(BodyIdx, usize)>> = vec![Vec::new(); callees.len()];
        for (i, cs) in callees.iter().enumerate() {
            for (ei, k) in cs.iter().enumerate() {
                if let Some(k) = *k {
                    if k != i {
                        callers[k].push((i, ei));
                    }
                }
            }
        }
        let mut graph = Graph {
            bodies,
            crate_of,
            guard_ids,
            callees,
            callers,
            summaries: Vec::new(),
            edges: Vec::new(),
        };
        graph.summaries = graph.fixpoint(flows);
        graph.edges = graph.order_edges(flows);
        graph
    }

    /// The body at an index.
    pub fn body<'f>(&self, flows: &'f [(FileId, FileFlows)], i: BodyIdx) -> &'f Body {
        let at = self.bodies[i];
        &flows[at.flow].1.bodies[at.body]
    }

    fn direct_summary(&self, flows: &[(FileId, FileFlows)], i: BodyIdx) -> Summary {
        let b = self.body(flows, i);
        let mut s = Summary::default();
        for (g, guard) in b.guards.iter().enumerate() {
            if guard.kind.is_borrow() {
                continue;
            }
            let Some(lock) = &self.guard_ids[i][g] else {
                continue;
            };
            // Only locks a caller can name matter outside: its own and statics.
            let visible = lock
                .obj
                .as_ref()
                .and_then(|o| o.first())
                .is_some_and(|r| r == "self" || r == "static");
            if visible {
                push_taken(
                    &mut s.takes,
                    Taken {
                        lock: lock.clone(),
                        kind: guard.kind,
                        is_try: guard.is_try,
                        is_recursive: guard.method == "read_recursive",
                        is_async: guard.is_async,
                        site: guard.acquired,
                        chain: Vec::new(),
                    },
                );
            }
        }
        for e in &b.events {
            match &e.kind {
                EventKind::Call(c) => {
                    if let Some(blocking) = &c.blocking {
                        if s.blocks.len() < MAX_SUMMARY {
                            s.blocks.push(BlockingSite {
                                call: blocking.clone(),
                                site: e.span,
                                chain: Vec::new(),
                            });
                        }
                    }
                }
                EventKind::Await { .. } if b.is_async && s.first_await.is_none() => {
                    s.first_await = Some(e.span);
                }
                _ => {}
            }
        }
        s
    }

    /// Summaries to a fixpoint: each function's own locks and blocking calls plus
    /// those of every function it calls, with the call chain kept. Recursion ends
    /// because summaries only grow and are capped.
    fn fixpoint(&self, flows: &[(FileId, FileFlows)]) -> Vec<Summary> {
        let n = self.bodies.len();
        let mut summaries: Vec<Summary> = (0..n)
            .into_par_iter()
            .map(|i| self.direct_summary(flows, i))
            .collect();
        let mut queue: VecDeque<BodyIdx> = VecDeque::new();
        let mut queued = vec![false; n];
        // A function whose callees take and block nothing keeps its direct summary;
        // every caller of a function with something to report must see it.
        for (s, callers) in summaries.iter().zip(&self.callers) {
            if !s.takes.is_empty() || !s.blocks.is_empty() {
                for &(c, _) in callers {
                    if !queued[c] {
                        queued[c] = true;
                        queue.push_back(c);
                    }
                }
            }
        }
        let mut budget = n.saturating_mul(16).max(1024);
        while let Some(i) = queue.pop_front() {
            queued[i] = false;
            if budget == 0 {
                break;
            }
            budget -= 1;
            let mut s = self.direct_summary(flows, i);
            let b = self.body(flows, i);
            for (ei, e) in b.events.iter().enumerate() {
                let (Some(k), Some(call)) = (self.callees[i][ei], e.call()) else {
                    continue;
                };
                if k == i || (summaries[k].takes.is_empty() && summaries[k].blocks.is_empty()) {
                    continue;
                }
                let hop = Hop {
                    site: e.span,
                    callee: self.callee_name(flows, k),
                };
                for t in &summaries[k].takes {
                    if t.chain.len() + 1 > MAX_CHAIN {
                        continue;
                    }
                    let mut t = t.clone();
                    t.lock.obj = map_obj(t.lock.obj.as_deref(), call);
                    t.chain.insert(0, hop.clone());
                    push_taken(&mut s.takes, t);
                }
                for bl in &summaries[k].blocks {
                    if bl.chain.len() + 1 > MAX_CHAIN || s.blocks.len() >= MAX_SUMMARY {
                        continue;
                    }
                    if s.blocks.iter().any(|x| x.site == bl.site) {
                        continue;
                    }
                    let mut bl = bl.clone();
                    bl.chain.insert(0, hop.clone());
                    s.blocks.push(bl);
                }
            }
            if s != summaries[i] {
                summaries[i] = s;
                for &(c, _) in &self.callers[i] {
                    if !queued[c] {
                        queued[c] = true;
                        queue.push_back(c);
                    }
                }
            }
        }
        summaries
    }

    /// The name a callee is shown by: `helper`, or `Type::helper` for a method.
    pub fn callee_name(&self, flows: &[(FileId, FileFlows)], k: BodyIdx) -> String {
        let b = self.body(flows, k);
        match b.self_ty.as_deref().and_then(type_name_of) {
            Some(t) => format!("{t}::{}", b.name),
            None => b.name.clone(),
        }
    }

    /// The locks a call at event `ei` of body `i` takes, in `i`'s frame, with the
    /// call as the first hop.
    pub fn taken_through(
        &self,
        flows: &[(FileId, FileFlows)],
        i: BodyIdx,
        ei: usize,
    ) -> Vec<Taken> {
        let Some(k) = self.callees[i][ei] else {
            return Vec::new();
        };
        let b = self.body(flows, i);
        let e = &b.events[ei];
        let Some(call) = e.call() else {
            return Vec::new();
        };
        let hop = Hop {
            site: e.span,
            callee: self.callee_name(flows, k),
        };
        self.summaries[k]
            .takes
            .iter()
            .map(|t| {
                let mut t = t.clone();
                t.lock.obj = map_obj(t.lock.obj.as_deref(), call);
                t.chain.insert(0, hop.clone());
                t
            })
            .collect()
    }

    /// The blocking calls a call at event `ei` of body `i` makes, with the call as
    /// the first hop.
    pub fn blocks_through(
        &self,
        flows: &[(FileId, FileFlows)],
        i: BodyIdx,
        ei: usize,
    ) -> Vec<BlockingSite> {
        let Some(k) = self.callees[i][ei] else {
            return Vec::new();
        };
        let e = &self.body(flows, i).events[ei];
        let hop = Hop {
            site: e.span,
            callee: self.callee_name(flows, k),
        };
        self.summaries[k]
            .blocks
            .iter()
            .map(|bl| {
                let mut bl = bl.clone();
                bl.chain.insert(0, hop.clone());
                bl
            })
            .collect()
    }

    /// Every "B taken while A is held" in the run, directly or through calls.
    /// `try_` acquisitions never wait and add no edge; `RefCell` borrows are not
    /// locks; a lock taken again while held is a double lock, not an order.
    fn order_edges(&self, flows: &[(FileId, FileFlows)]) -> Vec<OrderEdge> {
        let mut edges = Vec::new();
        for i in 0..self.bodies.len() {
            let b = self.body(flows, i);
            if b.guards.is_empty() {
                continue;
            }
            for (ei, e) in b.events.iter().enumerate() {
                if e.live.is_empty() {
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
                    for &h in &e.live {
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

    /// The cycle classes of the lock-order graph: one per strongly connected set of
    /// locks (within a crate), with the shortest cycle through each inverted pair as
    /// its witnesses, at most [`MAX_CYCLES`] of them. One witness edge stands for each
    /// (from, to) class pair, so the work is linear in the distinct pairs, plus one
    /// breadth-first search per reported cycle inside its set.
    /// Only the edges for which `keep` holds take part.
    pub fn cycle_classes(&self, keep: &dyn Fn(&OrderEdge) -> bool) -> Vec<CycleClass<'_>> {
        // One witness per (from, to) class pair: the first found, in a stable order.
        let mut witness: BTreeMap<(CrateId, &str, &str), &OrderEdge> = BTreeMap::new();
        for e in self.edges.iter().filter(|e| keep(e)) {
            witness
                .entry((e.from.krate, e.from.class.as_str(), e.to.class.as_str()))
                .or_insert(e);
        }
        // Nodes in (crate, class) order, so successors come out sorted too.
        let mut index: BTreeMap<(CrateId, &str), usize> = BTreeMap::new();
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

/// Adds a lock to a summary unless the same lock taken the same way is there.
fn push_taken(takes: &mut Vec<Taken>, t: Taken) {
    if takes.len() >= MAX_SUMMARY {
        return;
    }
    let dup = takes
        .iter()
        .any(|x| x.lock == t.lock && x.kind == t.kind && x.is_try == t.is_try);
    if !dup {
        takes.push(t);
    }
}

/// A callee's object path in the caller's frame: the callee's `self` is the call's
/// receiver; statics stay statics; anything else is unknown to the caller.
fn map_obj(obj: Option<&[String]>, call: &Call) -> Option<Vec<String>> {
    let obj = obj?;
    match obj.first().map(String::as_str) {
        Some("static") => Some(obj.to_vec()),
        Some("self") => {
            let recv = call.receiver.as_ref()?.segments.as_ref()?;
            if !call.callee.is_method() {
                return None;
            }
            let mut out = recv.clone();
            out.extend(obj[1..].iter().cloned());
            Some(out)
        }
        _ => None,
    }
}

/// Resolves calls to in-crate functions.
struct Resolver<'a> {
    infos: &'a [FnInfo<'a>],
    by_name: &'a FxHashMap<(CrateId, &'a str), Vec<BodyIdx>>,
}

impl Resolver<'_> {
    fn resolve(&self, caller: BodyIdx, call: &Call, body: &Body) -> Option<BodyIdx> {
        let me = &self.infos[caller];
        if let Some(name) = call.callee.method() {
            let recv = call.receiver.as_ref()?;
            let segs = recv.segments.as_ref()?;
            // `self.m()` resolves in the impl's type; `x.m()` in `x`'s declared type.
            let ty = if segs.len() == 1 && segs[0] == "self" {
                me.self_ty.clone()?
            } else if segs.len() == 1 {
                type_name_of(recv.root_ty.as_deref()?)?
            } else {
                return None;
            };
            return self.unique(name, me.krate, |f| {
                f.self_ty.as_deref() == Some(ty.as_str())
            });
        }
        let segs: Vec<&str> = call.callee.name().split("::").collect();
        let (&name, quals) = segs.split_last()?;
        if !name.starts_with(|c: char| c.is_alphabetic() || c == '_') {
            return None;
        }
        match quals {
            [] => {
                // A plain name: a function of this module, unless a parameter or
                // local of the same name shadows it.
                if body.params.iter().any(|(p, _)| p == name) {
                    return None;
                }
                let here =
                    self.unique(name, me.krate, |f| f.self_ty.is_none() && f.same_module(me));
                if here.is_some() || me.inner_module.is_empty() {
                    return here;
                }
                // An inline module (`mod tests { use super::*; .. }`) calling a
                // function of its parent.
                let parent: Vec<&String> = {
                    let mut m: Vec<&String> = me.module().collect();
                    m.pop();
                    m
                };
                self.unique(name, me.krate, |f| {
                    f.self_ty.is_none() && f.module().eq(parent.iter().copied())
                })
            }
            ["Self"] => {
                let ty = me.self_ty.clone()?;
                self.unique(name, me.krate, |f| {
                    f.self_ty.as_deref() == Some(ty.as_str())
                })
            }
            [.., ty] if ty.starts_with(|c: char| c.is_ascii_uppercase()) => {
                self.unique(name, me.krate, |f| f.self_ty.as_deref() == Some(*ty))
            }
            _ => {
                let current: Vec<String> = me.module().cloned().collect();
                let target = module_target(&current, quals)?;
                self.unique(name, me.krate, |f| {
                    f.self_ty.is_none()
                        && module_matches(&f.module().cloned().collect::<Vec<_>>(), &target)
                })
            }
        }
    }

    fn unique(&self, name: &str, krate: CrateId, ok: impl Fn(&FnInfo) -> bool) -> Option<BodyIdx> {
        let mut found = None;
        for &i in self.by_name.get(&(krate, name))? {
            let f = &self.infos[i];
            if ok(f) {
                if found.is_some() {
                    return None;
                }
                found = Some(i);
            }
        }
        found
    }
}

/// The module a qualified path names, from the caller's module: `crate::a::b`,
/// `self::a`, `super::a`, or `a::b` relative to the caller (a child module).
fn module_target(current: &[String], quals: &[&str]) -> Option<Target> {
    let mut quals = quals;
    let mut base: Vec<String> = current.to_vec();
    let mut absolute = false;
    match quals.first() {
        Some(&"crate") => {
            base.clear();
            absolute = true;
            quals = &quals[1..];
        }
        Some(&"self") => {
            absolute = true;
            quals = &quals[1..];
        }
        Some(&"super") => {
            absolute = true;
            while quals.first() == Some(&"super") {
                base.pop()?;
                quals = &quals[1..];
            }
        }
        _ => {}
    }
    base.extend(quals.iter().map(|s| s.to_string()));
    Some(Target {
        path: base,
        tail: quals.iter().map(|s| s.to_string()).collect(),
        absolute,
    })
}

/// A module a path names: exactly, or (for a relative path) any module ending so.
struct Target {
    path: Vec<String>,
    tail: Vec<String>,
    absolute: bool,
}

fn module_matches(module: &[String], t: &Target) -> bool {
    if module == t.path.as_slice() {
        return true;
    }
    !t.absolute && !t.tail.is_empty() && module.ends_with(&t.tail)
}

/// Resolves a guard's lock to a crate-wide identity.
fn lock_id(
    model: &Model,
    me: &FnInfo,
    idx: BodyIdx,
    body: &Body,
    lock: &LockPath,
) -> Option<LockId> {
    let segs = lock.segments.as_ref()?;
    let root = segs.first()?;
    let krate = me.krate;
    let id = |class: String, obj: Option<Vec<String>>| Some(LockId { krate, class, obj });
    if root == "self" {
        let ty = me.self_ty.clone()?;
        if segs.len() == 1 {
            return id(ty, Some(segs.clone()));
        }
        let class = chase(model, krate, ty, &segs[1..]);
        return id(class, Some(segs[..segs.len() - 1].to_vec()));
    }
    let is_param = body.params.iter().any(|(p, _)| p == root);
    let is_static =
        |name: &str| model.statics.contains_key(&(krate, name.to_string())) || is_static_name(name);
    if !is_param && lock.root_ty.is_none() {
        // `STATE`, `STATE.inner`, `crate::cache::STATE`: a static.
        if is_static(root) {
            return id(
                format!("static {}", segs.join(".")),
                Some(vec!["static".to_string()]),
            );
        }
        let last = segs.last()?;
        if segs.len() >= 2
            && is_static(last)
            && segs[..segs.len() - 1]
                .iter()
                .all(|s| s.starts_with(|c: char| c.is_lowercase()))
        {
            return id(format!("static {last}"), Some(vec!["static".to_string()]));
        }
    }
    if segs.len() == 1 {
        // A lock in a local or parameter: only the function that declared it (and
        // the closures it made) knows it.
        let origin = lock
            .root_origin
            .clone()
            .unwrap_or_else(|| format!("{}#{idx}", me.name));
        let module: Vec<&str> = me.module().map(String::as_str).collect();
        return id(
            format!("{}::{origin}::{root}", module.join("::")),
            Some(segs.clone()),
        );
    }
    let mut ty = type_name_of(lock.root_ty.as_deref()?)?;
    if ty == "Self" {
        ty = me.self_ty.clone()?;
    }
    let class = chase(model, krate, ty, &segs[1..]);
    id(class, Some(segs[..segs.len() - 1].to_vec()))
}

/// `Type` followed along `fields` through declared field types while they name types
/// of the crate: `Outer` + `inner.state` with `inner: Arc<Inner>` gives `Inner.state`.
fn chase(model: &Model, krate: CrateId, mut ty: String, fields: &[String]) -> String {
    let mut used = 0;
    for f in &fields[..fields.len().saturating_sub(1)] {
        let next = model
            .field_type(krate, &ty, f)
            .and_then(type_name_of)
            .filter(|t| model.has_type(krate, t));
        match next {
            Some(t) => {
                ty = t;
                used += 1;
            }
            None => break,
        }
    }
    format!("{ty}.{}", fields[used..].join("."))
}
