//! Function summaries, computed to a fixpoint: the locks each function takes and the
//! blocking calls it makes, directly or through the calls it makes, with the call
//! chain kept; and what one call takes or blocks on through its callee, in the
//! caller's frame.
//!
//! A lock a function reaches through one of its parameters (the parameter itself,
//! or a lock inside it) is named, in a caller's frame, by the place the caller
//! passes there ([`crate::flow::Call::arg_places`]); and the locks a function
//! takes nested where one is a parameter are kept as pairs, which a caller orders
//! once it names them.

use std::collections::VecDeque;

use rayon::prelude::*;

use super::{param_of, ArgLock, BodyIdx, Graph, LockClass, LockId};
use crate::flow::{Blocking, Body, BodyKind, Call, EventKind, FileFlows, Guard, GuardKind};
use crate::model::type_name_of;
use crate::report::finding::{FileId, Span};

/// Longest call chain followed from a function.
const MAX_CHAIN: usize = 8;
/// Most locks (and blocking calls) a summary keeps.
const MAX_SUMMARY: usize = 64;

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
    /// The parameter of the function the summary belongs to (its position among
    /// the parameters other than `self`) the lock is reached through: the lock is
    /// that parameter, or a lock inside it. A caller names it by its argument.
    pub param: Option<u32>,
}

impl Taken {
    /// The lock is a parameter itself (`m` in `fn bump(m: &Mutex<u64>)`): its class
    /// is local to the function, and only a caller's argument says which lock it is.
    fn is_param_local(&self) -> bool {
        self.param.is_some() && matches!(self.lock.class, LockClass::Local { .. })
    }
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
    /// Locks it takes nested, as (held, taken), where one of the two is a
    /// parameter itself ([`Taken::is_param_local`]): which locks they are, and so
    /// their order, is known only in a caller's frame.
    pub nested: Vec<(Taken, Taken)>,
}

impl Graph {
    fn direct_summary(&self, flows: &[(FileId, FileFlows)], i: BodyIdx) -> Summary {
        let b = self.body(flows, i);
        let mut s = Summary::default();
        for g in 0..b.guards.len() {
            if let Some(t) = self.visible_taken(b, i, g) {
                push_taken(&mut s.takes, t);
            }
        }
        for e in &b.events {
            match &e.kind {
                EventKind::Acquire(g) if !e.live().is_empty() => {
                    let Some(taken) = self.visible_taken(b, i, *g) else {
                        continue;
                    };
                    if taken.is_try || !is_lock_kind(taken.kind) {
                        continue;
                    }
                    for &h in e.live() {
                        if let Some(held) = self.visible_taken(b, i, h) {
                            push_nested(&mut s.nested, &held, &taken);
                        }
                    }
                }
                EventKind::Call(c) => {
                    if let Some(blocking) = &c.blocking {
                        if s.blocks.len() < MAX_SUMMARY {
                            s.blocks.push(BlockingSite {
                                call: (**blocking).clone(),
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

    /// Guard `g` of body `i` as a lock its callers can name: one of its `self`, a
    /// static, or one reached through a parameter.
    fn visible_taken(&self, b: &Body, i: BodyIdx, g: usize) -> Option<Taken> {
        let guard: &Guard = &b.guards[g];
        if guard.kind.is_borrow() {
            return None;
        }
        let lock = self.guard_ids[i][g].as_ref()?;
        let root = lock.obj.as_ref()?.first()?;
        let param = if root == "self" || root == "static" {
            None
        } else if b.kind == BodyKind::Closure {
            // A closure run at a call takes its captured locks in its parent's
            // frame; its own parameters no caller names.
            if param_of(b, &guard.lock).is_some() {
                return None;
            }
            None
        } else {
            Some(param_of(b, &guard.lock)?)
        };
        Some(Taken {
            lock: lock.clone(),
            kind: guard.kind,
            is_try: guard.is_try,
            is_recursive: guard.method == "read_recursive",
            is_async: guard.is_async,
            site: guard.acquired,
            chain: Vec::new(),
            param,
        })
    }

    /// A lock of callee `k`'s summary in the frame of the call at event `ei` of body
    /// `i`, with the call as the first hop; `None` when the caller cannot name it.
    fn map_taken(
        &self,
        flows: &[(FileId, FileFlows)],
        at: (BodyIdx, usize),
        k: BodyIdx,
        call: &Call,
        hop: &Hop,
        t: &Taken,
    ) -> Option<Taken> {
        let (lock, param) = self.map_lock(flows, at, k, call, t)?;
        Some(with_hop(t, lock, param, hop.clone()))
    }

    /// The lock of `t`, taken by callee `k`, and the parameter of `i` it is reached
    /// through, in the frame of the call at event `ei` of body `i`; `None` when the
    /// caller cannot name it. The chain is left to the caller, which builds it only
    /// when the lock is added.
    fn map_lock(
        &self,
        flows: &[(FileId, FileFlows)],
        (i, ei): (BodyIdx, usize),
        k: BodyIdx,
        call: &Call,
        t: &Taken,
    ) -> Option<(LockId, Option<u32>)> {
        match t.param {
            Some(p) => {
                // `Type::method(&x, ..)` passes the receiver first.
                let shift =
                    u32::from(!call.callee.is_method() && self.body(flows, k).self_kind.is_some());
                let pos = p + shift;
                let arg = self.arg_locks(i, ei).iter().find(|a| a.pos == pos);
                if t.is_param_local() {
                    let arg: &ArgLock = arg?;
                    Some((arg.lock.clone()?, arg.param))
                } else {
                    // A lock inside the parameter: its class is known; its object is
                    // the argument's place.
                    let place = call
                        .arg_places()
                        .iter()
                        .find(|(q, _)| *q == pos)
                        .and_then(|(_, path)| path.segments.as_ref());
                    let (obj, param) = match (place, t.lock.obj.as_deref()) {
                        (Some(segs), Some(obj)) => {
                            let mut o = segs.clone();
                            o.extend(obj[1..].iter().cloned());
                            (Some(o), arg.and_then(|a| a.param))
                        }
                        _ => (None, None),
                    };
                    Some((
                        LockId {
                            krate: t.lock.krate,
                            class: t.lock.class.clone(),
                            obj,
                        },
                        param,
                    ))
                }
            }
            None => {
                if matches!(t.lock.class, LockClass::Local { .. }) {
                    // A lock local to the callee.
                    return None;
                }
                Some((
                    LockId {
                        krate: t.lock.krate,
                        class: t.lock.class.clone(),
                        obj: map_obj(t.lock.obj.as_deref(), call),
                    },
                    None,
                ))
            }
        }
    }

    /// The locks callee `k` takes, mapped into the frame of the call at event `ei`
    /// of body `i`, and the nested pairs it takes, mapped likewise.
    fn through(
        &self,
        flows: &[(FileId, FileFlows)],
        summaries: &[Summary],
        (i, ei): (BodyIdx, usize),
        k: BodyIdx,
        call: &Call,
    ) -> (Vec<Taken>, Vec<(Taken, Taken)>) {
        let hop = Hop {
            site: self.body(flows, i).events[ei].span,
            callee: self.callee_name(flows, k),
        };
        let takes = summaries[k]
            .takes
            .iter()
            .filter(|t| t.chain.len() < MAX_CHAIN)
            .filter_map(|t| self.map_taken(flows, (i, ei), k, call, &hop, t))
            .collect();
        let nested = summaries[k]
            .nested
            .iter()
            .filter(|(a, b)| a.chain.len().max(b.chain.len()) < MAX_CHAIN)
            .filter_map(|(a, b)| {
                let a = self.map_taken(flows, (i, ei), k, call, &hop, a)?;
                let b = self.map_taken(flows, (i, ei), k, call, &hop, b)?;
                Some((a, b))
            })
            .collect();
        (takes, nested)
    }

    /// What the closures the call at event `ei` of body `i` runs before it returns
    /// take and block on: in `i`'s frame as they are (a closure names its parent's
    /// `self` and variables), with the call as the first hop.
    fn closures_through(
        &self,
        flows: &[(FileId, FileFlows)],
        summaries: &[Summary],
        i: BodyIdx,
        ei: usize,
    ) -> (Vec<Taken>, Vec<BlockingSite>) {
        let mut takes = Vec::new();
        let mut blocks = Vec::new();
        for &c in self.closure_callees(i, ei) {
            let hop = Hop {
                site: self.body(flows, i).events[ei].span,
                callee: self.callee_name(flows, c),
            };
            for t in summaries[c]
                .takes
                .iter()
                .filter(|t| t.chain.len() < MAX_CHAIN)
            {
                let mut t = t.clone();
                t.param = None;
                t.chain.insert(0, hop.clone());
                takes.push(t);
            }
            for bl in summaries[c]
                .blocks
                .iter()
                .filter(|b| b.chain.len() < MAX_CHAIN)
            {
                let mut bl = bl.clone();
                bl.chain.insert(0, hop.clone());
                blocks.push(bl);
            }
        }
        (takes, blocks)
    }

    /// Summaries to a fixpoint: each function's own locks and blocking calls plus
    /// those of every function it calls, with the call chain kept. Recursion ends
    /// because summaries only grow and are capped.
    pub(super) fn fixpoint(&self, flows: &[(FileId, FileFlows)]) -> Vec<Summary> {
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
            if !s.takes.is_empty() || !s.blocks.is_empty() || !s.nested.is_empty() {
                for &(c, _) in callers {
                    if !queued[c] {
                        queued[c] = true;
                        queue.push_back(c);
                    }
                }
            }
        }
        for (k, s) in summaries.iter().enumerate() {
            if !s.takes.is_empty() || !s.blocks.is_empty() {
                for &(c, _) in self.closure_callers(k) {
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
            let visible: Vec<Option<Taken>> = (0..b.guards.len())
                .map(|g| self.visible_taken(b, i, g))
                .collect();
            for (ei, e) in b.events.iter().enumerate() {
                if !self.closure_callees(i, ei).is_empty() {
                    let (takes, blocks) = self.closures_through(flows, &summaries, i, ei);
                    for t in takes {
                        if !t.is_try && is_lock_kind(t.kind) {
                            for &h in e.live() {
                                if let Some(held) = &visible[h] {
                                    push_nested(&mut s.nested, held, &t);
                                }
                            }
                        }
                        push_taken(&mut s.takes, t);
                    }
                    for bl in blocks {
                        if s.blocks.len() < MAX_SUMMARY
                            && !s.blocks.iter().any(|x| x.site == bl.site)
                        {
                            s.blocks.push(bl);
                        }
                    }
                }
                let (Some(k), Some(call)) = (self.run_callee(flows, i, ei), e.call()) else {
                    continue;
                };
                if k == i
                    || (summaries[k].takes.is_empty()
                        && summaries[k].blocks.is_empty()
                        && summaries[k].nested.is_empty())
                {
                    continue;
                }
                // The hop is named once, when something is added through it; a lock
                // the summary already has, and that nests with nothing alive here, is
                // not copied.
                let mut hop: Option<Hop> = None;
                let mut hop_of = || {
                    hop.get_or_insert_with(|| Hop {
                        site: e.span,
                        callee: self.callee_name(flows, k),
                    })
                    .clone()
                };
                for (a, t) in summaries[k]
                    .nested
                    .iter()
                    .filter(|(a, b)| a.chain.len().max(b.chain.len()) < MAX_CHAIN)
                {
                    let Some((la, pa)) = self.map_lock(flows, (i, ei), k, call, a) else {
                        continue;
                    };
                    let Some((lt, pt)) = self.map_lock(flows, (i, ei), k, call, t) else {
                        continue;
                    };
                    let h = hop_of();
                    let a = with_hop(a, la, pa, h.clone());
                    let t = with_hop(t, lt, pt, h);
                    push_nested(&mut s.nested, &a, &t);
                }
                for t in summaries[k]
                    .takes
                    .iter()
                    .filter(|t| t.chain.len() < MAX_CHAIN)
                {
                    let Some((lock, param)) = self.map_lock(flows, (i, ei), k, call, t) else {
                        continue;
                    };
                    let kept = s.takes.len() >= MAX_SUMMARY
                        || s.takes
                            .iter()
                            .any(|x| x.lock == lock && x.kind == t.kind && x.is_try == t.is_try);
                    let param_local =
                        param.is_some() && matches!(lock.class, LockClass::Local { .. });
                    let may_nest = !t.is_try
                        && is_lock_kind(t.kind)
                        && s.nested.len() < MAX_SUMMARY
                        && e.live().iter().any(|&h| {
                            visible[h].as_ref().is_some_and(|held| {
                                (param_local || held.is_param_local())
                                    && held.lock.class != lock.class
                            })
                        });
                    if kept && !may_nest {
                        continue;
                    }
                    let t = with_hop(t, lock, param, hop_of());
                    if may_nest {
                        for &h in e.live() {
                            if let Some(held) = &visible[h] {
                                push_nested(&mut s.nested, held, &t);
                            }
                        }
                    }
                    push_taken(&mut s.takes, t);
                }
                for bl in &summaries[k].blocks {
                    if bl.chain.len() + 1 > MAX_CHAIN || s.blocks.len() >= MAX_SUMMARY {
                        continue;
                    }
                    if s.blocks.iter().any(|x| x.site == bl.site) {
                        continue;
                    }
                    let mut chain = Vec::with_capacity(bl.chain.len() + 1);
                    chain.push(hop_of());
                    chain.extend(bl.chain.iter().cloned());
                    s.blocks.push(BlockingSite {
                        call: bl.call.clone(),
                        site: bl.site,
                        chain,
                    });
                }
            }
            if s != summaries[i] {
                // Callers see it again only when an entry changed: a new chain to
                // the same lock or call is kept here but not handed on, since the
                // callers' chains are real paths to it already. Otherwise two
                // functions calling each other can trade chains to the end of the
                // budget.
                let changed = !same_entries(&s, &summaries[i]);
                summaries[i] = s;
                if !changed {
                    continue;
                }
                for &(c, _) in self.callers[i].iter().chain(self.closure_callers(i)) {
                    if !queued[c] {
                        queued[c] = true;
                        queue.push_back(c);
                    }
                }
            }
        }
        summaries
    }

    /// The callee a call at event `ei` of body `i` runs there: its resolved callee,
    /// unless that is an `async fn` whose future the body does not await
    /// (`self.futures.push(Box::pin(reconnect(inner)))`, `spawn(worker(rx))`): its
    /// body runs when that future is polled, elsewhere, not at the call. A future
    /// kept in a local and awaited later is taken as not awaited here.
    pub(super) fn run_callee(
        &self,
        flows: &[(FileId, FileFlows)],
        i: BodyIdx,
        ei: usize,
    ) -> Option<BodyIdx> {
        let k = self.callees[i][ei]?;
        if !self.body(flows, k).is_async {
            return Some(k);
        }
        // Awaited here: directly (`f().await`), as an argument of an awaited call
        // (`timeout(d, f()).await`), or maybe by an awaiting macro after it (`join!`,
        // whose await names no call).
        let events = &self.body(flows, i).events;
        let awaited_call = |a: usize| {
            a == ei
                || events
                    .get(a)
                    .and_then(|e| e.call())
                    .is_some_and(|c| c.arg_calls().contains(&ei))
        };
        let awaited = events[ei..].iter().any(|e| match e.kind {
            EventKind::Await { awaited: Some(a) } => awaited_call(a),
            EventKind::Await { awaited: None } => true,
            _ => false,
        });
        awaited.then_some(k)
    }

    /// The name a callee is shown by: `helper`, or `Type::helper` for a method.
    pub(super) fn callee_name(&self, flows: &[(FileId, FileFlows)], k: BodyIdx) -> String {
        let b = self.body(flows, k);
        match b.self_ty.as_deref().and_then(type_name_of) {
            Some(t) => format!("{t}::{}", b.name),
            None => b.name.clone(),
        }
    }

    /// The locks a call at event `ei` of body `i` takes, in `i`'s frame, with the
    /// call as the first hop.
    /// The guards the call at event `ei` of body `i` moves into its callee and the
    /// callee holds while it runs: moved by value ([`Call::moved_guards`]) into a
    /// parameter of a function of the crate that does not `drop` it. They die at
    /// the call in `i`, but what the callee takes, it takes under them.
    pub(super) fn handed_into(
        &self,
        flows: &[(FileId, FileFlows)],
        i: BodyIdx,
        ei: usize,
    ) -> Vec<usize> {
        let Some(call) = self.body(flows, i).events[ei].call() else {
            return Vec::new();
        };
        if call.moved_guards().is_empty() {
            return Vec::new();
        }
        let Some(k) = self.run_callee(flows, i, ei) else {
            return Vec::new();
        };
        let kb = self.body(flows, k);
        if !matches!(kb.kind, BodyKind::Fn | BodyKind::Method) {
            return Vec::new();
        }
        // `Type::method(x, ..)` passes the receiver first.
        let shift = u32::from(!call.callee.is_method() && kb.self_kind.is_some());
        call.moved_guards()
            .iter()
            .filter(|(pos, _)| {
                pos.checked_sub(shift).is_some_and(|p| {
                    (p as usize) < kb.params.len() && !kb.dropped_params.contains(&p)
                })
            })
            .map(|&(_, g)| g)
            .collect()
    }

    pub(super) fn taken_through(
        &self,
        flows: &[(FileId, FileFlows)],
        i: BodyIdx,
        ei: usize,
    ) -> Vec<Taken> {
        let mut out = if self.closure_callees(i, ei).is_empty() {
            Vec::new()
        } else {
            self.closures_through(flows, &self.summaries, i, ei).0
        };
        let Some(k) = self.run_callee(flows, i, ei) else {
            return out;
        };
        let b = self.body(flows, i);
        let e = &b.events[ei];
        let Some(call) = e.call() else {
            return out;
        };
        let hop = Hop {
            site: e.span,
            callee: self.callee_name(flows, k),
        };
        out.extend(
            self.summaries[k]
                .takes
                .iter()
                .filter_map(|t| self.map_taken(flows, (i, ei), k, call, &hop, t)),
        );
        out
    }

    /// The locks a call at event `ei` of body `i` takes nested through its callee,
    /// (held, taken), in `i`'s frame, where the callee took one of them through
    /// a parameter ([`Summary::nested`]).
    pub(super) fn nested_through(
        &self,
        flows: &[(FileId, FileFlows)],
        i: BodyIdx,
        ei: usize,
    ) -> Vec<(Taken, Taken)> {
        let Some(k) = self.run_callee(flows, i, ei) else {
            return Vec::new();
        };
        let Some(call) = self.body(flows, i).events[ei].call() else {
            return Vec::new();
        };
        if self.summaries[k].nested.is_empty() {
            return Vec::new();
        }
        self.through(flows, &self.summaries, (i, ei), k, call).1
    }

    /// The blocking calls a call at event `ei` of body `i` makes, with the call as
    /// the first hop.
    pub(super) fn blocks_through(
        &self,
        flows: &[(FileId, FileFlows)],
        i: BodyIdx,
        ei: usize,
    ) -> Vec<BlockingSite> {
        let mut out = if self.closure_callees(i, ei).is_empty() {
            Vec::new()
        } else {
            self.closures_through(flows, &self.summaries, i, ei).1
        };
        let Some(k) = self.run_callee(flows, i, ei) else {
            return out;
        };
        let e = &self.body(flows, i).events[ei];
        let hop = Hop {
            site: e.span,
            callee: self.callee_name(flows, k),
        };
        out.extend(self.summaries[k].blocks.iter().map(|bl| {
            let mut bl = bl.clone();
            bl.chain.insert(0, hop.clone());
            bl
        }));
        out
    }
}

/// `t`, taken by a callee, as its caller names it: the lock in the caller's frame,
/// the caller's parameter it is reached through, and the call as its first hop.
fn with_hop(t: &Taken, lock: LockId, param: Option<u32>, hop: Hop) -> Taken {
    let mut chain = Vec::with_capacity(t.chain.len() + 1);
    chain.push(hop);
    chain.extend(t.chain.iter().cloned());
    Taken {
        lock,
        param,
        chain,
        ..*t
    }
}

/// Whether two summaries of one function hold the same entries (locks, blocking
/// calls, nested pairs, first await), whatever chains lead to them.
fn same_entries(a: &Summary, b: &Summary) -> bool {
    a.first_await == b.first_await
        && a.takes.len() == b.takes.len()
        && a.blocks.len() == b.blocks.len()
        && a.nested.len() == b.nested.len()
        && a.takes.iter().zip(&b.takes).all(|(x, y)| {
            x.lock == y.lock && x.kind == y.kind && x.is_try == y.is_try && x.site == y.site
        })
        && a.blocks
            .iter()
            .zip(&b.blocks)
            .all(|(x, y)| x.site == y.site)
        && a.nested
            .iter()
            .zip(&b.nested)
            .all(|((p, q), (r, t))| p.lock == r.lock && q.lock == t.lock)
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

/// Adds a nested pair to a summary when one of its locks is a parameter itself (the
/// caller must name it to order it) and the two are different locks.
fn push_nested(nested: &mut Vec<(Taken, Taken)>, held: &Taken, taken: &Taken) {
    if nested.len() >= MAX_SUMMARY
        || !(held.is_param_local() || taken.is_param_local())
        || held.lock.class == taken.lock.class
    {
        return;
    }
    let dup = nested
        .iter()
        .any(|(a, b)| a.lock == held.lock && b.lock == taken.lock);
    if !dup {
        nested.push((held.clone(), taken.clone()));
    }
}

/// Guards of these kinds wait for each other, and so take part in lock order.
fn is_lock_kind(kind: GuardKind) -> bool {
    matches!(kind, GuardKind::Mutex | GuardKind::Read | GuardKind::Write)
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
