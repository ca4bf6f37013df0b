//! The crate-wide layer over the per-body flows: lock identities, call resolution,
//! function summaries computed to a fixpoint, and the lock-order graph with its
//! cycles; and [`Analysis`], the one interface through which rules read them.
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
//!
//! The concerns are modules: `locks.rs` (lock identities), `resolve.rs` (call
//! resolution), `summary.rs` (summaries to the fixpoint, and what a call takes or
//! blocks on through its callee), `order.rs` (the lock-order graph and its cycles)
//! and `analysis.rs` (the interface rules read). The tables of [`Graph`] are private
//! to this module: outside it, they are read through [`Analysis`] (and printed whole
//! by the golden dump, through `Debug`).

mod analysis;
mod locks;
mod order;
mod resolve;
mod summary;

use std::collections::BTreeMap;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use crate::flow::{Body, BodyKind, EventKind, FileFlows, LockPath};
use crate::model::{type_name_of, CrateId, Model};
use crate::report::finding::FileId;

pub use analysis::{Analysis, BodyRef};
pub use locks::{LockClass, LockId};
pub use order::{CycleClass, OrderEdge, MAX_CYCLES};
pub use summary::{BlockingSite, Hop, Summary, Taken};

use locks::lock_id;
use resolve::{FnInfo, Resolver};

/// Index of a body in the run: bodies are numbered file by file, in the order of the
/// run's flows, and in each file in the walker's order.
pub type BodyIdx = usize;

/// Where a body is: its file's index in the run's flows and its index there.
#[derive(Clone, Copy, Debug)]
struct BodyAt {
    /// Index into the flows slice.
    flow: usize,
    /// Index into that file's bodies.
    body: usize,
    /// The file.
    file: FileId,
}

/// A place argument of a resolved call ([`Call::arg_places`](crate::flow::Call)),
/// in the caller's frame.
#[derive(Clone, Debug)]
struct ArgLock {
    /// The argument's position (the receiver of a method call is not counted).
    pos: u32,
    /// The place's lock identity in the caller, as a guard on it would have.
    lock: Option<LockId>,
    /// The caller's parameter (its position among the parameters other than `self`)
    /// the place is reached through.
    param: Option<u32>,
}

/// The crate-wide graph. Its tables are indexed by [`BodyIdx`] (and then by guard or
/// event index); they are private to this module, and rules read them through
/// [`Analysis`].
#[derive(Debug)]
pub struct Graph {
    /// Every body of the run.
    bodies: Vec<BodyAt>,
    /// The crate of each body.
    crate_of: Vec<CrateId>,
    /// Each body's guards, resolved.
    guard_ids: Vec<Vec<Option<LockId>>>,
    /// Each body's events' resolved callees (`None` when not a call or unresolved).
    callees: Vec<Vec<Option<BodyIdx>>>,
    /// The other way: the calls into each body, as (caller, event index); a body's
    /// calls to itself are left out.
    callers: Vec<Vec<(BodyIdx, usize)>>,
    /// The place arguments of each resolved call that has some, by (caller, event
    /// index), in the caller's frame.
    arg_locks: BTreeMap<(BodyIdx, usize), Box<[ArgLock]>>,
    /// The closures each call runs before it returns, by (caller, event index): a
    /// closure written at a call of an iterator adapter or combinator
    /// ([`RUNS_CLOSURE_NOW`](crate::flow::methods::RUNS_CLOSURE_NOW)), or at a call
    /// of a function of the crate that calls the parameter it is given.
    closure_callees: BTreeMap<(BodyIdx, usize), Box<[BodyIdx]>>,
    /// The other way: the calls that run each such closure, as (caller, event index).
    closure_callers: BTreeMap<BodyIdx, Vec<(BodyIdx, usize)>>,
    /// Each body's summary.
    summaries: Vec<Summary>,
    /// Lock-order edges, by (from class, to class).
    edges: Vec<OrderEdge>,
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
                    trait_name: b.trait_name.as_deref(),
                    ret_ty: b.ret_ty.as_deref(),
                    bounds: &b.trait_bounds,
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
            model,
        };

        let crate_of: Vec<CrateId> = infos.iter().map(|i| i.krate).collect();
        let stored = &locks::stored_locks(bodies.iter().map(body_of));
        let guard_ids: Vec<Vec<Option<LockId>>> = bodies
            .par_iter()
            .enumerate()
            .map(|(i, at)| {
                let b = body_of(at);
                b.guards
                    .iter()
                    .map(|g| lock_id(model, &infos[i], i, b, &g.lock, stored))
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

        let arg_locks: BTreeMap<(BodyIdx, usize), Box<[ArgLock]>> = bodies
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, at)| {
                let b = body_of(at);
                let cs = &callees[i];
                let info = &infos[i];
                b.events.iter().enumerate().filter_map(move |(ei, e)| {
                    let call = e.call()?;
                    if call.arg_places().is_empty() || cs[ei].is_none() {
                        return None;
                    }
                    let args = call
                        .arg_places()
                        .iter()
                        .map(|(pos, path)| ArgLock {
                            pos: *pos,
                            lock: lock_id(model, info, i, b, path, stored),
                            param: param_of(b, path),
                        })
                        .collect();
                    Some(((i, ei), args))
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        let closure_callees: BTreeMap<(BodyIdx, usize), Box<[BodyIdx]>> = bodies
            .par_iter()
            .enumerate()
            .flat_map_iter(|(i, at)| {
                let b = body_of(at);
                let cs = &callees[i];
                let bodies = &bodies;
                b.events.iter().enumerate().filter_map(move |(ei, e)| {
                    let call = e.call()?;
                    if call.closure_args().is_empty() {
                        return None;
                    }
                    let first = i - at.body;
                    let run: Box<[BodyIdx]> = call
                        .closure_args()
                        .iter()
                        .filter(|&&(pos, _)| {
                            // `wait()` on `let wait = || ..;` runs the closure.
                            pos == crate::flow::CALLS_CLOSURE
                                || runs_at_once(call, cs[ei].map(|k| (k, body_of(&bodies[k]))), pos)
                        })
                        .filter_map(|&(_, cb)| {
                            let k = first + cb as usize;
                            let to = bodies.get(k).filter(|c| c.flow == at.flow)?;
                            let c = body_of(to);
                            (c.kind == BodyKind::Closure && !c.is_async).then_some(k)
                        })
                        .collect();
                    (!run.is_empty()).then_some(((i, ei), run))
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .collect();
        let mut closure_callers: BTreeMap<BodyIdx, Vec<(BodyIdx, usize)>> = BTreeMap::new();
        for (&(i, ei), run) in &closure_callees {
            for &k in run.iter() {
                closure_callers.entry(k).or_default().push((i, ei));
            }
        }
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
            arg_locks,
            closure_callees,
            closure_callers,
            summaries: Vec::new(),
            edges: Vec::new(),
        };
        graph.summaries = graph.fixpoint(flows);
        graph.edges = graph.order_edges(flows);
        graph
    }

    /// The place arguments of the call at event `ei` of body `i`, in `i`'s frame.
    fn arg_locks(&self, i: BodyIdx, ei: usize) -> &[ArgLock] {
        self.arg_locks.get(&(i, ei)).map_or(&[], |a| a)
    }

    /// The closures the call at event `ei` of body `i` runs before it returns.
    fn closure_callees(&self, i: BodyIdx, ei: usize) -> &[BodyIdx] {
        self.closure_callees.get(&(i, ei)).map_or(&[], |a| a)
    }

    /// The calls that run closure `k` before they return.
    fn closure_callers(&self, k: BodyIdx) -> &[(BodyIdx, usize)] {
        self.closure_callers.get(&k).map_or(&[], Vec::as_slice)
    }

    /// The body at an index.
    fn body<'f>(&self, flows: &'f [(FileId, FileFlows)], i: BodyIdx) -> &'f Body {
        let at = self.bodies[i];
        &flows[at.flow].1.bodies[at.body]
    }
}

/// The parameter of `body` (its position among the parameters other than `self`) a
/// place is rooted at: the root is named as the parameter and has its declared type,
/// so that a local shadowing the parameter is not taken for it.
fn param_of(body: &Body, path: &LockPath) -> Option<u32> {
    let root = path.segments.as_ref()?.first()?;
    let ty = path.root_ty.as_deref()?;
    let p = body.params.iter().position(|(n, t)| n == root && t == ty)?;
    u32::try_from(p).ok()
}

/// Whether a call runs the closure written as its argument `pos` before it returns:
/// the method is one that does ([`RUNS_CLOSURE_NOW`](crate::flow::methods::RUNS_CLOSURE_NOW)),
/// or the call resolves to a function of the crate that calls the callback
/// parameter the closure is given (`fn with<F: FnOnce(&T)>(&self, f: F) { f(&t) }`).
fn runs_at_once(call: &crate::flow::Call, callee: Option<(BodyIdx, &Body)>, pos: u32) -> bool {
    if let Some(m) = call.callee.method() {
        if crate::flow::methods::RUNS_CLOSURE_NOW.contains(&m) {
            return true;
        }
    }
    let Some((_, k)) = callee else {
        return false;
    };
    // `Type::method(&x, f)` passes the receiver first.
    let shift = u32::from(!call.callee.is_method() && k.self_kind.is_some());
    let Some(p) = pos.checked_sub(shift) else {
        return false;
    };
    let Some((name, _)) = k.params.get(p as usize) else {
        return false;
    };
    k.callback_params.iter().any(|c| c == name)
        && k.events.iter().any(|e| {
            e.call()
                .is_some_and(|c| !c.callee.is_method() && c.callee.plain() == Some(name.as_str()))
        })
}
