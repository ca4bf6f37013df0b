//! Builds the lock map (`--lock-graph`) from the analysis: the lock-order graph's
//! edges grouped by (held, taken) lock with a count and the first site, and each
//! order marked as an inverted pair, on a longer cycle, or unshared, as
//! `lock-order-inversion` reads them (see [`report::lock_graph`] for the data and
//! its printers).
//!
//! It runs only when the map is asked for, after the graph is built, and prints
//! nothing.

use std::collections::{BTreeMap, HashMap};

use crate::graph::{Analysis, LockClass, OrderEdge};
use crate::model::CrateId;
use crate::report::lock_graph::{CrateGraph, LockGraph, MapLock, MapOrder, OrderKind};
use crate::rules;

/// The orders of one (held, taken) pair of locks.
struct Pair<'a> {
    count: usize,
    first: &'a OrderEdge,
    /// Whether any of them can meet another thread's order.
    meets: bool,
}

/// The lock map of the run.
pub(crate) fn build(cx: &Analysis<'_>) -> LockGraph {
    let keep = |e: &OrderEdge| rules::can_meet_another(cx, e);
    let classes = cx.cycle_classes(&keep);
    let mut cycle_of: HashMap<(CrateId, &LockClass), usize> = HashMap::new();
    for (i, class) in classes.iter().enumerate() {
        for lock in &class.locks {
            cycle_of.insert((lock.krate, &lock.class), i);
        }
    }
    let mut pairs: BTreeMap<CrateId, BTreeMap<(&LockClass, &LockClass), Pair<'_>>> =
        BTreeMap::new();
    for e in cx.edges() {
        let meets = keep(e);
        let pair = pairs
            .entry(e.from.krate)
            .or_default()
            .entry((&e.from.class, &e.to.class))
            .or_insert(Pair {
                count: 0,
                first: e,
                meets: false,
            });
        pair.count += 1;
        // The site shown is one that counts, when there is one.
        if meets && !pair.meets {
            pair.first = e;
        }
        pair.meets |= meets;
    }
    let mut crates = Vec::with_capacity(pairs.len());
    for (krate, orders) in &pairs {
        let mut locks: Vec<&LockClass> = orders.keys().flat_map(|&(a, b)| [a, b]).collect();
        locks.sort();
        locks.dedup();
        let index = |c: &LockClass| locks.binary_search(&c).unwrap_or_default();
        let in_cycle = |c: &LockClass| cycle_of.get(&(*krate, c)).copied();
        let map_orders = orders
            .iter()
            .map(|(&(a, b), pair)| {
                let reverse_meets = orders.get(&(b, a)).is_some_and(|r| r.meets);
                let kind = if !pair.meets {
                    OrderKind::Unshared
                } else if in_cycle(a).is_some() && in_cycle(a) == in_cycle(b) {
                    if reverse_meets {
                        OrderKind::Inverted
                    } else {
                        OrderKind::Cycle
                    }
                } else {
                    OrderKind::Plain
                };
                MapOrder {
                    from: index(a),
                    to: index(b),
                    count: pair.count,
                    site: pair.first.taken_site,
                    holder: cx.callee_name(pair.first.holder),
                    kind,
                }
            })
            .collect();
        let first = orders.values().next().map(|p| p.first.held_site.file);
        // The package folder's own name: short, and the same wherever the run starts.
        let name = first
            .and_then(|f| cx.sources.get(f).krate.as_deref())
            .and_then(|k| k.file_name())
            .map_or_else(
                || "the files given".to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
        crates.push(CrateGraph {
            name,
            locks: locks
                .iter()
                .map(|c| MapLock {
                    name: c.name().into_owned(),
                    in_cycle: in_cycle(c).is_some(),
                })
                .collect(),
            orders: map_orders,
        });
    }
    LockGraph { crates }
}
