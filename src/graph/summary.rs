//! Function summaries, computed to a fixpoint: the locks each function takes and the
//! blocking calls it makes, directly or through the calls it makes, with the call
//! chain kept; and what one call takes or blocks on through its callee, in the
//! caller's frame.

use std::collections::VecDeque;

use rayon::prelude::*;

use super::{BodyIdx, Graph, LockId};
use crate::flow::{Blocking, Call, EventKind, FileFlows, GuardKind};
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

impl Graph {
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
    pub(super) fn callee_name(&self, flows: &[(FileId, FileFlows)], k: BodyIdx) -> String {
        let b = self.body(flows, k);
        match b.self_ty.as_deref().and_then(type_name_of) {
            Some(t) => format!("{t}::{}", b.name),
            None => b.name.clone(),
        }
    }

    /// The locks a call at event `ei` of body `i` takes, in `i`'s frame, with the
    /// call as the first hop.
    pub(super) fn taken_through(
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
    pub(super) fn blocks_through(
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
