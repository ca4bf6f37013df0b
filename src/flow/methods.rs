//! Method names the walker follows and the rules read events by: one list of each,
//! so that what the walker records and what a rule looks for cannot drift apart.

/// Atomic methods that write.
pub const ATOMIC_WRITES: &[&str] = &[
    "store",
    "swap",
    "fetch_add",
    "fetch_sub",
    "fetch_and",
    "fetch_or",
    "fetch_xor",
    "fetch_nand",
    "fetch_max",
    "fetch_min",
    "fetch_update",
    "compare_exchange",
    "compare_exchange_weak",
    "compare_and_swap",
];

/// Condition-variable waits that return after one wake-up: the caller re-checks.
pub const WAITS_ONCE: &[&str] = &[
    "wait",
    "wait_timeout",
    "wait_timeout_ms",
    "wait_for",
    "wait_until",
];

/// Condition-variable waits that loop on a predicate themselves.
pub const WAITS_WHILE: &[&str] = &[
    "wait_while",
    "wait_timeout_while",
    "wait_while_for",
    "wait_while_until",
];

/// Releases of a raw lock (`lock_api::RawMutex` and the like), whose `lock()`
/// returns `()` and leaves the lock held until one of these.
pub const RAW_UNLOCKS: &[&str] = &[
    "unlock",
    "unlock_fair",
    "unlock_shared",
    "unlock_exclusive",
    "unlock_upgradable",
    "force_unlock",
];

/// Condition-variable wake-ups.
pub const NOTIFIES: &[&str] = &["notify_one", "notify_all"];

/// Functions and methods that start threads (or a thread pool), by the last segment
/// of their path.
pub const THREAD_STARTERS: &[&str] = &[
    "spawn",
    "spawn_scoped",
    "spawn_blocking",
    "spawn_local",
    "scope",
    "block_on",
    "new_multi_thread",
    "build_global",
    "par_iter",
    "par_iter_mut",
    "into_par_iter",
    "par_bridge",
    "par_chunks",
    "par_chunks_mut",
    "par_sort",
    "par_extend",
];

/// Methods that change a collection or a cell they are called on.
pub const MUTATORS: &[&str] = &[
    "insert",
    "push",
    "push_back",
    "push_front",
    "push_str",
    "pop",
    "pop_back",
    "pop_front",
    "remove",
    "clear",
    "extend",
    "append",
    "retain",
    "drain",
    "truncate",
    "entry",
    "get_mut",
    "iter_mut",
    "values_mut",
    "take",
    "replace",
    "set",
    "sort",
    "dedup",
];

/// Methods that run the closure they are given before they return, under whatever
/// guard is alive at the call: iterator adapters and consumers (an adapter's closure
/// runs as the chain is consumed, in the same expression as a rule), `Option` and
/// `Result` combinators, and the entry and slot initialisers.
pub const RUNS_CLOSURE_NOW: &[&str] = &[
    "retain",
    "retain_mut",
    "for_each",
    "try_for_each",
    "sort_by",
    "sort_by_key",
    "sort_unstable_by",
    "sort_unstable_by_key",
    "dedup_by",
    "dedup_by_key",
    "any",
    "all",
    "find",
    "position",
    "map",
    "filter",
    "filter_map",
    "flat_map",
    "find_map",
    "fold",
    "try_fold",
    "max_by_key",
    "min_by_key",
    "max_by",
    "min_by",
    "partition",
    "map_or",
    "map_or_else",
    "and_then",
    "or_else",
    "unwrap_or_else",
    "or_insert_with",
    "or_insert_with_key",
    "get_or_insert_with",
    "and_modify",
];

/// Tests of whether a path is absolute.
pub const PATH_KIND_TESTS: &[&str] = &["is_absolute", "is_relative"];

/// Whether the walker records a call of this method on any receiver, even when no
/// guard is alive: atomics, condition variables, what starts threads, what changes
/// a collection, a lazy cell's initialisation, and the tests of whether a path is
/// absolute (a read of the current directory under one resolves a relative path).
pub fn is_followed(name: &str) -> bool {
    name == "load"
        || name == "get_or_init"
        || PATH_KIND_TESTS.contains(&name)
        || [
            ATOMIC_WRITES,
            WAITS_ONCE,
            WAITS_WHILE,
            NOTIFIES,
            RAW_UNLOCKS,
            THREAD_STARTERS,
            MUTATORS,
        ]
        .iter()
        .any(|list| list.contains(&name))
}
