//! `double-lock`: a lock taken while this thread already holds it, directly or
//! through in-crate calls. Page: rules/double-lock.md.

use crate::flow::{Body, Call, Event, EventKind, Guard, GuardKind};
use crate::graph::{BodyRef, Hop, LockId};
use crate::model::{known, TypeText};
use crate::report::finding::{Finding, Label, Span};
use crate::rules::support::{
    acquired_label, chain_text, hop_labels, is_borrow, is_private_local_lock, label, same_lock,
};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `double-lock` rule.
    DoubleLock,
    "double-lock",
    Deny
}

impl Rule for DoubleLock {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            if body.guards.is_empty() {
                continue;
            }
            for (ei, e) in body.events.iter().enumerate() {
                // A guard moved into a callee that holds it is held by this thread
                // while the callee runs.
                let handed = match &e.kind {
                    EventKind::Call(_) => cx.handed_into(i, ei),
                    _ => Vec::new(),
                };
                if e.live().is_empty() && handed.is_empty() {
                    continue;
                }
                // What this event takes: (lock, kind, site, chain).
                let taken: Vec<(LockId, GuardKind, Span, Vec<Hop>)> = match &e.kind {
                    EventKind::Acquire(g) => {
                        let guard = &body.guards[*g];
                        let never_waits = guard.is_try || guard.method == "read_recursive";
                        match cx.lock_of(i, *g) {
                            Some(id) if !never_waits && !is_borrow(guard.kind) => {
                                vec![(id.clone(), guard.kind, guard.acquired, Vec::new())]
                            }
                            _ => Vec::new(),
                        }
                    }
                    EventKind::Call(c) => {
                        if let Some(f) = shard_write_finding(body, e, c) {
                            out.push(f);
                            continue;
                        }
                        cx.taken_through(i, ei)
                            .into_iter()
                            .filter(|t| !t.is_try && !t.is_recursive)
                            .map(|t| (t.lock, t.kind, t.site, t.chain))
                            .collect()
                    }
                    EventKind::Await { .. } => Vec::new(),
                };
                'taken: for (lock, kind, site, chain) in taken {
                    for &h in e.live().iter().chain(&handed) {
                        let held = &body.guards[h];
                        if is_borrow(held.kind) {
                            continue;
                        }
                        let Some(held_id) = cx.lock_of(i, h) else {
                            continue;
                        };
                        if is_reentrant(cx, held) {
                            continue;
                        }
                        if !same_lock(held_id, &lock) {
                            continue;
                        }
                        // Two reads block each other only behind a writer that queued
                        // between them, on another thread: a lock no other thread can
                        // reach has none.
                        if (held.kind, kind) == (GuardKind::Read, GuardKind::Read)
                            && (is_private_local_lock(cx, i, body, held)
                                || !is_named_rwlock(cx, held)
                                || is_shard_guard(held))
                        {
                            continue;
                        }
                        if is_shard_guard(held) {
                            let taken = Taken {
                                whole: false,
                                read: kind == GuardKind::Read,
                                hops: hop_labels(&chain),
                            };
                            out.push(shard_finding(body, held, e.span, site, taken));
                            break 'taken;
                        }
                        let mut labels = vec![acquired_label(body, held)];
                        labels.extend(hop_labels(&chain));
                        let again = match (held.kind, kind) {
                            (GuardKind::Read, GuardKind::Write) => {
                                "write lock requested while this thread holds a read guard"
                            }
                            (GuardKind::Read, GuardKind::Read) => {
                                "read lock taken again while this thread holds a read guard"
                            }
                            _ => "locked again while still held",
                        };
                        labels.push(label(site, again));
                        out.push(finding(&lock, held.kind, kind, e.span, labels, &chain));
                        break 'taken;
                    }
                }
            }
        }
    }
}

/// A re-entrant lock (`ReentrantMutex`) may be taken again by the thread that
/// holds it: its receiver's type or its field's declared type names one
/// ([`known::mentions_reentrant_lock`]).
fn is_reentrant(cx: &RuleCx<'_>, guard: &crate::flow::Guard) -> bool {
    let reentrant = known::mentions_reentrant_lock;
    if guard.receiver_ty.as_deref().is_some_and(reentrant) {
        return true;
    }
    guard
        .lock
        .segments
        .as_ref()
        .and_then(|s| s.last())
        .is_some_and(|f| cx.model.field_types(f).any(reentrant))
}

/// Whether the guard's lock is known to be an `RwLock` (std's, parking_lot's,
/// tokio's and their like, which make a new reader wait for a queued writer): its
/// receiver's type, its root's declared type or its field's declared type names one.
/// A read lock of another name (a spin lock that lets readers in past a waiting
/// writer) or of a type not shown is not known to queue readers.
fn is_named_rwlock(cx: &RuleCx<'_>, guard: &crate::flow::Guard) -> bool {
    let names = |t: &str| TypeText::new(t).names_any(&["RwLock"]);
    guard.receiver_ty.as_deref().is_some_and(names)
        || guard.lock.root_ty.as_deref().is_some_and(names)
        || guard
            .lock
            .segments
            .as_ref()
            .filter(|s| s.len() > 1)
            .and_then(|s| s.last())
            .is_some_and(|f| cx.model.field_types(f).any(names))
}

/// A guard into a shard map (`DashMap::get`), which holds its key's shard locked.
fn is_shard_guard(guard: &Guard) -> bool {
    guard
        .receiver_ty
        .as_deref()
        .is_some_and(|t| known::SHARD_MAP_TYPES.contains(&t))
}

/// A call that locks shards of a map (`map.insert(k, v)`, `map.retain(..)`) while
/// this thread holds a guard into the same map, named by the same place.
fn shard_write_finding(body: &Body, e: &Event, call: &Call) -> Option<Finding> {
    let name = call.callee.method()?;
    let key = known::SHARD_KEY_WRITES.contains(&name);
    let whole_write = known::SHARD_WHOLE_WRITES.contains(&name);
    let whole_read = known::SHARD_WHOLE_READS.contains(&name);
    if !(key || whole_write || whole_read) {
        return None;
    }
    let recv = call.receiver.as_ref()?;
    recv.segments.as_ref()?;
    let held = e.live().iter().map(|&h| &body.guards[h]).find(|held| {
        is_shard_guard(held)
            && !held.is_try
            && held.lock.segments == recv.segments
            && held.lock.root_origin == recv.root_origin
            && (!whole_read || held.kind == GuardKind::Write)
    })?;
    let taken = Taken {
        whole: !key,
        read: whole_read,
        hops: Vec::new(),
    };
    Some(shard_finding(body, held, e.span, e.span, taken))
}

/// How a shard map's locks are taken again under a guard into it.
struct Taken {
    /// Every shard in turn (`retain`, `len`), not the shard of one key.
    whole: bool,
    /// Read-locked (`len`, a `get` under a `get_mut`), not write-locked.
    read: bool,
    /// The calls through which they are taken, as labels.
    hops: Vec<Label>,
}

fn shard_finding(body: &Body, held: &Guard, at: Span, site: Span, taken: Taken) -> Finding {
    let map = &held.lock.text;
    let noun = crate::rules::support::guard_noun(held);
    let method = &held.method;
    let how = if taken.read {
        "read-locked"
    } else {
        "write-locked"
    };
    let message = if taken.whole {
        format!(
            "every shard of `{map}` is {how} while this thread holds a {noun} into it (from `.{method}`): this deadlocks on the guard's shard"
        )
    } else {
        format!(
            "a shard of `{map}` is {how} while this thread holds a {noun} into it (from `.{method}`): this deadlocks when the two keys fall in the same shard"
        )
    };
    let mut labels = vec![acquired_label(body, held)];
    labels.extend(taken.hops);
    labels.push(label(site, "the shard lock of the same map is taken here"));
    META.finding(
        at,
        message,
        labels,
        "drop the guard (clone the value out of it, or end its scope) before changing the map",
    )
}

fn finding(
    lock: &LockId,
    held: GuardKind,
    again: GuardKind,
    site: Span,
    labels: Vec<Label>,
    chain: &[Hop],
) -> Finding {
    let how = chain_text(chain);
    let message = match (held, again) {
        (GuardKind::Read, GuardKind::Write) => format!(
            "`{}` is write-locked{how} while this thread holds a read guard on it: this deadlocks",
            lock.name()
        ),
        (GuardKind::Read, GuardKind::Read) => format!(
            "`{}` is read-locked again{how} while this thread holds a read guard on it: a writer queued between the two deadlocks both",
            lock.name()
        ),
        _ => format!(
            "`{}` is locked again{how} while this thread already holds it: this deadlocks",
            lock.name()
        ),
    };
    META.finding(site, message, labels, "drop the first guard before locking again, or pass the guard (or the data it protects) to the code that needs it")
}
