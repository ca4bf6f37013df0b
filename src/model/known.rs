//! The data tables of `rules/locks.toml` and `rules/blocking.toml`: guard methods,
//! pass-through methods, condvar waits, stream locks, async lock types, blocking calls
//! and the constructors that tell a local's type; and [`LOCK_TYPES`], the one table of
//! lock type names with the roles each plays.
//!
//! The tables are embedded at build time and parsed once. This module only answers
//! look-ups; deciding what a call means in context is the walker's job.

use rustc_hash::FxHashMap;
use std::sync::OnceLock;

use serde::Deserialize;

const LOCKS_TOML: &str = include_str!("../../rules/locks.toml");
const BLOCKING_TOML: &str = include_str!("../../rules/blocking.toml");

/// How a lock hands out its guard, as far as the syntax shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GuardKind {
    /// `Mutex::lock` / `try_lock` (std, parking_lot, spin...).
    Mutex,
    /// `RwLock::read` and friends.
    Read,
    /// `RwLock::write` and friends.
    Write,
    /// `RefCell::borrow`.
    Borrow,
    /// `RefCell::borrow_mut`.
    BorrowMut,
}

impl GuardKind {
    /// Whether this is a `RefCell` borrow rather than a lock guard.
    pub fn is_borrow(self) -> bool {
        matches!(self, GuardKind::Borrow | GuardKind::BorrowMut)
    }
}

/// Whether a name is written the way statics and constants are (`SCREAMING_CASE`:
/// upper-case letters, digits and `_`, with at least one letter): a place rooted at
/// such a name is taken to be a static when the crate declares none of that name.
pub fn is_static_name(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// A lock type, by the last segment of its path, with the roles it plays. The roles
/// are kept apart because callers asked different questions of different lists;
/// [`LOCK_TYPES`] keeps each caller's answer as it was.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LockType {
    /// The last path segment (`Mutex`, `parking_lot::FairMutex`'s `FairMutex`).
    pub name: &'static str,
    /// Its guard-returning lock and borrow methods are known: a bare `x.lock();` on
    /// it discards a guard, a local of this type is a lock the body owns.
    pub guard: bool,
    /// Its data is reached only through a guard: a field of this type is shielded
    /// state, not a shared collection or a cell.
    pub data: bool,
    /// The thread that holds it may take it again without waiting: taking it twice
    /// is no deadlock.
    pub reentrant: bool,
}

/// Every lock type the analysis names, once.
///
/// FIXME: the roles disagree on `SpinRwLock` (a data lock, but not known to hand out
/// guards), on `RefCell` (hands out borrows, but is not a lock around shared data) and
/// on std's `ReentrantLock` (re-entrant, but in neither of the other roles). Whether
/// they hand out guards is a change of findings, to be made with a fixture; so is
/// reading the table in the two name patterns below ([`SYNC_LOCK_ENDINGS`],
/// [`PRIMITIVE_ENDINGS`]), which read wider sets than the table.
pub const LOCK_TYPES: &[LockType] = &[
    LockType {
        name: "Mutex",
        guard: true,
        data: true,
        reentrant: false,
    },
    LockType {
        name: "RwLock",
        guard: true,
        data: true,
        reentrant: false,
    },
    LockType {
        name: "RefCell",
        guard: true,
        data: false,
        reentrant: false,
    },
    LockType {
        name: "ReentrantMutex",
        guard: true,
        data: true,
        reentrant: true,
    },
    LockType {
        name: "FairMutex",
        guard: true,
        data: true,
        reentrant: false,
    },
    LockType {
        name: "SpinMutex",
        guard: true,
        data: true,
        reentrant: false,
    },
    LockType {
        name: "SpinRwLock",
        guard: false,
        data: true,
        reentrant: false,
    },
    LockType {
        name: "TicketMutex",
        guard: true,
        data: true,
        reentrant: false,
    },
    LockType {
        name: "ShardedLock",
        guard: true,
        data: true,
        reentrant: false,
    },
    LockType {
        // parking_lot's reader-recursive lock: `read` may be taken again by a reader.
        name: "RecursiveRwLock",
        guard: true,
        data: true,
        reentrant: true,
    },
    LockType {
        name: "ReentrantLock",
        guard: false,
        data: false,
        reentrant: true,
    },
];

/// What a lock type's name says of it when the table does not list it: a name with
/// one of these in it is a re-entrant lock (`IrqReMutex`, a crate's own
/// `ReentrantRwLock`, a `RecursiveRwLock` whose readers may read again), as
/// re-entrant wrappers come under many names.
pub const REENTRANT_MARKS: &[&str] = &["Reentrant", "ReMutex", "Recursive"];

/// Whether a type as written names a re-entrant lock anywhere in it
/// (`Arc<ReentrantMutex<RefCell<T>>>`): a lock of the table's re-entrant role, or a
/// name with one of the [`REENTRANT_MARKS`] in it.
pub fn mentions_reentrant_lock(ty: &str) -> bool {
    ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .flat_map(|w| w.split("::"))
        .any(|name| {
            REENTRANT_MARKS.iter().any(|m| name.contains(m))
                || LOCK_TYPES.iter().any(|l| l.reentrant && l.name == name)
        })
}

/// The lock types whose guards are known ([`LockType::guard`]), in table order.
pub fn guard_lock_types() -> impl Iterator<Item = &'static str> {
    LOCK_TYPES.iter().filter(|l| l.guard).map(|l| l.name)
}

/// Whether `name` (a last path segment) is a lock type whose guards are known.
pub fn is_guard_lock(name: &str) -> bool {
    LOCK_TYPES.iter().any(|l| l.guard && l.name == name)
}

/// Whether `name` (a type head) is a lock whose data is reached only through a
/// guard ([`LockType::data`]).
pub fn is_data_lock(name: &str) -> bool {
    LOCK_TYPES.iter().any(|l| l.data && l.name == name)
}

/// A method that hands out a guard.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct GuardMethod {
    /// The method name.
    pub name: String,
    /// What kind of guard it gives.
    #[serde(deserialize_with = "de_kind")]
    pub kind: GuardKind,
    /// Never blocks.
    #[serde(default, rename = "try")]
    pub is_try: bool,
    /// Counts only on a receiver known to be a `RefCell`.
    #[serde(default)]
    pub refcell: bool,
    /// A shard-map guard (`DashMap::get`): takes the key as an argument and counts
    /// only on a receiver whose type is a [`SHARD_MAP_TYPES`] map.
    #[serde(default)]
    pub shard: bool,
}

/// Concurrent maps split into shards, each behind its own `RwLock`, whose `get`,
/// `get_mut` and `entry` hand out a guard (`Ref`, `RefMut`, `Entry`) holding the
/// key's shard locked.
pub const SHARD_MAP_TYPES: &[&str] = &["DashMap", "DashSet"];

/// Methods of a shard map that write-lock the shard of their key: they wait for any
/// guard into that shard.
pub const SHARD_KEY_WRITES: &[&str] = &[
    "insert",
    "remove",
    "remove_if",
    "remove_if_mut",
    "alter",
    "get_mut",
    "entry",
];

/// Methods of a shard map that write-lock every shard in turn: they wait for any
/// guard into the map.
pub const SHARD_WHOLE_WRITES: &[&str] = &["retain", "clear", "alter_all", "shrink_to_fit"];

/// Methods of a shard map that read-lock every shard in turn: they wait for a
/// write guard (`get_mut`, `entry`) into the map.
pub const SHARD_WHOLE_READS: &[&str] = &["len", "is_empty", "capacity"];

/// Methods of a shard map's `Entry` that hand its shard lock on: the `RefMut` of
/// `or_default`, `or_insert`..., the entry itself from `and_modify`, the
/// `OccupiedEntry` of `insert_entry`, the `RefMut` of `into_ref`. Each takes the
/// entry by value.
pub const SHARD_ENTRY_GUARDS: &[&str] = &[
    "or_default",
    "or_insert",
    "or_insert_with",
    "or_insert_with_key",
    "or_try_insert_with",
    "and_modify",
    "insert",
    "insert_entry",
    "into_ref",
];

/// Methods of a shard map's entry that take it by value and end its shard lock:
/// what they return holds no lock.
pub const SHARD_ENTRY_ENDS: &[&str] = &["into_key", "remove", "remove_entry", "replace_entry"];

/// The shard map a type as written is, or points to through references and `Arc`,
/// `Rc`, `Box` (`DashMap` for `&Arc<DashMap<K, V>>`). A collection of maps
/// (`Vec<DashMap<K, V>>`) is not one: its `get` is the collection's.
pub fn shard_map_in(ty: &str) -> Option<&'static str> {
    let mut ty = ty.trim();
    loop {
        let rest = ty.trim_start_matches('&').trim_start();
        let rest = rest.strip_prefix("mut ").unwrap_or(rest).trim_start();
        let (head, inner) = match rest.split_once('<') {
            Some((head, inner)) => (head.trim(), Some(inner)),
            None => (rest.trim(), None),
        };
        let last = head.rsplit("::").next().unwrap_or(head);
        if let Some(map) = SHARD_MAP_TYPES.iter().copied().find(|t| *t == last) {
            return Some(map);
        }
        match (last, inner) {
            ("Arc" | "Rc" | "Box", Some(inner)) => ty = inner.strip_suffix('>')?,
            _ => return None,
        }
    }
}

fn de_kind<'de, D: serde::Deserializer<'de>>(d: D) -> Result<GuardKind, D::Error> {
    let s = String::deserialize(d)?;
    match s.as_str() {
        "mutex" => Ok(GuardKind::Mutex),
        "read" => Ok(GuardKind::Read),
        "write" => Ok(GuardKind::Write),
        "borrow" => Ok(GuardKind::Borrow),
        "borrow_mut" => Ok(GuardKind::BorrowMut),
        other => Err(serde::de::Error::custom(format!(
            "unknown guard kind `{other}`"
        ))),
    }
}

#[derive(Debug, Deserialize)]
struct Methods {
    methods: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Streams {
    functions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Paths {
    paths: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct LocksFile {
    guard_method: Vec<GuardMethod>,
    passthrough: Methods,
    condvar: Methods,
    blocking_acquire: Methods,
    streams: Streams,
    async_locks: Paths,
}

/// A function that blocks, by full path.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct BlockingFn {
    /// Full path after imports are resolved.
    pub path: String,
    /// What it does, for messages ("reads a file").
    pub why: String,
}

/// A method that blocks, by name and shape.
#[derive(Clone, Debug, Deserialize, PartialEq)]
pub struct BlockingMethod {
    /// The method name.
    pub name: String,
    /// How many arguments the call must have.
    pub args: usize,
    /// Receiver types (last path segment) required everywhere.
    #[serde(default)]
    pub receivers: Option<Vec<String>>,
    /// Receiver types required inside async bodies.
    #[serde(default)]
    pub async_receivers: Option<Vec<String>>,
    /// What it does, for messages.
    pub why: String,
}

/// A function whose result has a known type.
#[derive(Clone, Debug, Deserialize)]
pub struct Constructor {
    /// Full path.
    pub path: String,
    /// The result type, or the tuple element types.
    pub types: Vec<String>,
}

/// A type the walker names by its full path, since its last segment is ambiguous
/// (`reqwest::blocking::Client` is not the async `reqwest::Client`).
#[derive(Clone, Debug, Deserialize)]
struct TypeName {
    /// Full path after imports are resolved.
    path: String,
    /// The name the walker gives it.
    name: String,
}

/// Methods whose result has a known type on a receiver of a known type.
#[derive(Clone, Debug, Deserialize)]
struct MethodType {
    /// Receiver type names.
    receivers: Vec<String>,
    /// Method names.
    methods: Vec<String>,
    /// The result's type name.
    gives: String,
}

#[derive(Debug, Deserialize)]
struct BlockingFile {
    function: Vec<BlockingFn>,
    method: Vec<BlockingMethod>,
    constructor: Vec<Constructor>,
    #[serde(default, rename = "type")]
    types: Vec<TypeName>,
    #[serde(default)]
    method_type: Vec<MethodType>,
}

/// Entries a user adds to the built-in tables (from configuration).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extensions {
    /// Extra guard methods.
    pub guard_methods: Vec<GuardMethod>,
    /// Extra async lock types, by full path.
    pub async_locks: Vec<String>,
    /// Extra blocking functions.
    pub blocking_fns: Vec<BlockingFn>,
    /// Extra blocking methods.
    pub blocking_methods: Vec<BlockingMethod>,
}

/// All tables, indexed for look-up.
#[derive(Debug)]
pub struct Known {
    guard_methods: FxHashMap<String, GuardMethod>,
    passthrough: Vec<String>,
    condvar: Vec<String>,
    blocking_acquire: Vec<String>,
    streams: Vec<String>,
    /// Lock types whose guards are awaited.
    pub async_locks: Vec<String>,
    blocking_fns: FxHashMap<String, BlockingFn>,
    blocking_methods: FxHashMap<String, Vec<BlockingMethod>>,
    constructors: FxHashMap<String, Vec<String>>,
    type_names: FxHashMap<String, String>,
    method_types: Vec<MethodType>,
}

impl Known {
    /// The built-in tables.
    pub fn builtin() -> &'static Known {
        static KNOWN: OnceLock<Known> = OnceLock::new();
        KNOWN.get_or_init(|| {
            Known::from_toml(LOCKS_TOML, BLOCKING_TOML)
                .expect("invariant: the embedded rules/*.toml tables parse (tested)")
        })
    }

    /// Builds the tables from the text of `locks.toml` and `blocking.toml`.
    pub fn from_toml(locks: &str, blocking: &str) -> Result<Known, toml::de::Error> {
        let locks: LocksFile = toml::from_str(locks)?;
        let blocking: BlockingFile = toml::from_str(blocking)?;
        let mut blocking_methods: FxHashMap<String, Vec<BlockingMethod>> = FxHashMap::default();
        for m in blocking.method {
            blocking_methods.entry(m.name.clone()).or_default().push(m);
        }
        Ok(Known {
            guard_methods: locks
                .guard_method
                .into_iter()
                .map(|m| (m.name.clone(), m))
                .collect(),
            passthrough: locks.passthrough.methods,
            condvar: locks.condvar.methods,
            blocking_acquire: locks.blocking_acquire.methods,
            streams: locks.streams.functions,
            async_locks: locks.async_locks.paths,
            blocking_fns: blocking
                .function
                .into_iter()
                .map(|f| (f.path.clone(), f))
                .collect(),
            blocking_methods,
            constructors: blocking
                .constructor
                .into_iter()
                .map(|c| (c.path, c.types))
                .collect(),
            type_names: blocking
                .types
                .into_iter()
                .map(|t| (t.path, t.name))
                .collect(),
            method_types: blocking.method_type,
        })
    }

    /// The built-in tables with a user's additions.
    pub fn with_extensions(ext: &Extensions) -> Known {
        let mut known = Known::from_toml(LOCKS_TOML, BLOCKING_TOML)
            .expect("invariant: the embedded rules/*.toml tables parse (tested)");
        for m in &ext.guard_methods {
            known.guard_methods.insert(m.name.clone(), m.clone());
        }
        known.async_locks.extend(ext.async_locks.iter().cloned());
        for f in &ext.blocking_fns {
            known.blocking_fns.insert(f.path.clone(), f.clone());
        }
        for m in &ext.blocking_methods {
            known
                .blocking_methods
                .entry(m.name.clone())
                .or_default()
                .push(m.clone());
        }
        known
    }

    /// The guard method of this name.
    pub fn guard_method(&self, name: &str) -> Option<&GuardMethod> {
        self.guard_methods.get(name)
    }

    /// Whether a guard passes through this method unchanged.
    pub fn is_passthrough(&self, name: &str) -> bool {
        self.passthrough.iter().any(|m| m == name)
    }

    /// Whether this is a condition-variable wait that takes and returns a guard.
    pub fn is_condvar_wait(&self, name: &str) -> bool {
        self.condvar.iter().any(|m| m == name)
    }

    /// Whether `lock().name()` blocks until the lock's future yields its guard.
    pub fn is_blocking_acquire(&self, name: &str) -> bool {
        self.blocking_acquire.iter().any(|m| m == name)
    }

    /// Whether `name()` returns a standard stream whose `lock()` is not shared state.
    pub fn is_stream_fn(&self, name: &str) -> bool {
        self.streams.iter().any(|m| m == name)
    }

    /// The blocking function with this full path.
    pub fn blocking_fn(&self, path: &str) -> Option<&BlockingFn> {
        self.blocking_fns.get(path)
    }

    /// Blocking methods of this name.
    pub fn blocking_methods(&self, name: &str) -> &[BlockingMethod] {
        self.blocking_methods.get(name).map_or(&[], Vec::as_slice)
    }

    /// The types a function's result is known to have.
    pub fn constructor(&self, path: &str) -> Option<&[String]> {
        self.constructors.get(path).map(Vec::as_slice)
    }

    /// The name the walker gives the type of this full path, when its last segment
    /// alone is ambiguous (`reqwest::blocking::Client` is `BlockingClient`).
    pub fn type_name(&self, path: &str) -> Option<&str> {
        self.type_names.get(path).map(String::as_str)
    }

    /// The type name of `recv.method(..)`'s result on a receiver of type `recv`.
    pub fn method_type(&self, recv: &str, method: &str) -> Option<&str> {
        self.method_types
            .iter()
            .find(|t| {
                t.receivers.iter().any(|r| r == recv) && t.methods.iter().any(|m| m == method)
            })
            .map(|t| t.gives.as_str())
    }
}

/// The name endings of a sync lock in a field's declared type (`Mutex<`, `RwLock<`,
/// anywhere in the type, behind any wrapper): a field named by an async lock
/// somewhere and declared with one of these elsewhere is not counted as async
/// ([`crate::model::Model::is_async_lock_field`]).
///
/// A pattern, not a list of [`LOCK_TYPES`]: it reads `SpinMutex`, `TicketMutex` and
/// any crate's own `AsyncMutex` too, and not `ShardedLock`; reading the table here
/// is a change of findings, to be made with a fixture.
pub const SYNC_LOCK_ENDINGS: &[&str] = &["Mutex<", "RwLock<"];

/// Whether a field's declared type names a sync lock by [`SYNC_LOCK_ENDINGS`].
pub fn names_sync_lock(ty: &str) -> bool {
    SYNC_LOCK_ENDINGS.iter().any(|e| ty.contains(e))
}

/// The name endings of a type declared as a synchronisation primitive (`SpinMutex`,
/// `RawRwLock`, `OnceLock`, `Lazy`); an `Atomic` prefix counts too.
///
/// A pattern, not a list of [`LOCK_TYPES`]: it reads every type of the table but
/// `RefCell`, and any crate's own `RawMutex` or `SeqLock`; `unsafe-send-sync` trusts
/// such a type, whose atomics may sit behind platform code the declarations do not
/// show.
pub const PRIMITIVE_ENDINGS: &[&str] = &[
    "Mutex",
    "Lock",
    "Barrier",
    "Once",
    "OnceCell",
    "Lazy",
    "Semaphore",
    "Condvar",
];

/// Whether a declared type's name is a synchronisation primitive's by
/// [`PRIMITIVE_ENDINGS`] (`AtomicCell`, `SpinMutex`, `RawRwLock`, `OnceLock`).
pub fn is_primitive_name(name: &str) -> bool {
    name.starts_with("Atomic") || PRIMITIVE_ENDINGS.iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_role_is_the_walkers_old_list_and_the_locks_that_hand_out_guards() {
        // `flow::methods::GUARD_LOCK_TYPES` was the first five, in this order; spin's
        // `SpinMutex` and `TicketMutex` and crossbeam's `ShardedLock` return guards
        // from `lock`, `read` and `write` as std's locks do, and so does parking_lot's
        // `RecursiveRwLock`.
        let guard: Vec<&str> = guard_lock_types().collect();
        assert_eq!(
            guard,
            [
                "Mutex",
                "RwLock",
                "RefCell",
                "ReentrantMutex",
                "FairMutex",
                "SpinMutex",
                "TicketMutex",
                "ShardedLock",
                "RecursiveRwLock",
            ]
        );
        assert!(is_guard_lock("RefCell") && !is_guard_lock("SpinRwLock"));
    }

    #[test]
    fn the_reentrant_role_answers_as_double_locks_old_test() {
        // `double-lock` asked `t.contains("Reentrant") || t.contains("ReMutex")` of
        // the type text; the marks are not split by what splits a type into names.
        // A recursive-read lock (`RecursiveRwLock`) was added to the marks since.
        let old =
            |t: &str| t.contains("Reentrant") || t.contains("ReMutex") || t.contains("Recursive");
        for ty in [
            "ReentrantMutex<()>",
            "parking_lot::ReentrantMutex<RefCell<u32>>",
            "Arc<ReentrantMutex<Cell<u8>>>",
            "lock_api::ReentrantMutex<RawMutex,RawThreadId,T>",
            "std::sync::ReentrantLock<u8>",
            "&'static ReentrantLock<RefCell<Vec<u8>>>",
            "IrqReMutex<Inner>",
            "ReMutex<T>",
            "MyReentrantRwLock<T>",
            "reentrant::Mutex<T>",
            "Mutex<u8>",
            "RwLock<HashMap<K,V>>",
            "Arc<Mutex<Reentrancy>>",
            "Remote<T>",
            "",
        ] {
            assert_eq!(mentions_reentrant_lock(ty), old(ty), "{ty}");
        }
        assert!(LOCK_TYPES
            .iter()
            .filter(|l| l.reentrant)
            .all(|l| old(l.name)));
    }

    #[test]
    fn static_names_are_screaming_case() {
        for name in ["COUNTER", "MAX_LEN", "V2", "A_1"] {
            assert!(is_static_name(name), "{name}");
        }
        for name in ["counter", "Counter", "MAX_len", "_", "123", ""] {
            assert!(!is_static_name(name), "{name}");
        }
    }

    #[test]
    fn borrows_are_the_refcell_kinds() {
        assert!(GuardKind::Borrow.is_borrow() && GuardKind::BorrowMut.is_borrow());
        assert!(![GuardKind::Mutex, GuardKind::Read, GuardKind::Write]
            .iter()
            .any(|k| k.is_borrow()));
    }

    #[test]
    fn embedded_tables_parse() {
        let known = Known::from_toml(LOCKS_TOML, BLOCKING_TOML).expect("tables parse");
        assert_eq!(
            known.guard_method("lock").map(|m| m.kind),
            Some(GuardKind::Mutex)
        );
        assert!(known.guard_method("borrow_mut").is_some_and(|m| m.refcell));
        assert!(known.blocking_fn("std::thread::sleep").is_some());
        assert!(!known.blocking_methods("recv").is_empty());
        assert_eq!(
            known.constructor("std::sync::mpsc::sync_channel"),
            Some(&["SyncSender".to_string(), "Receiver".to_string()][..])
        );
        assert_eq!(
            known.type_name("reqwest::blocking::Client"),
            Some("BlockingClient")
        );
        assert_eq!(known.type_name("reqwest::Client"), None);
        assert_eq!(
            known.method_type("BlockingClient", "get"),
            Some("BlockingRequest")
        );
        assert_eq!(known.method_type("Client", "get"), None);
    }

    /// The two name patterns keep the membership they had as inline tests: what
    /// each reads of the lock table, and of names outside it.
    #[test]
    fn the_lock_name_patterns_keep_their_membership() {
        let sync: Vec<&str> = LOCK_TYPES
            .iter()
            .map(|l| l.name)
            .filter(|n| names_sync_lock(&format!("Arc<{n}<T>>")))
            .collect();
        assert_eq!(
            sync,
            [
                "Mutex",
                "RwLock",
                "ReentrantMutex",
                "FairMutex",
                "SpinMutex",
                "SpinRwLock",
                "TicketMutex",
                "RecursiveRwLock",
            ]
        );
        let old = |t: &str| t.contains("Mutex<") || t.contains("RwLock<");
        for t in [
            "Mutex<u8>",
            "tokio::sync::RwLock<u8>",
            "AsyncMutex<u8>",
            "ShardedLock<u8>",
            "Mutex",
            "RefCell<u8>",
            "Option<Arc<parking_lot::Mutex<Vec<u8>>>>",
        ] {
            assert_eq!(names_sync_lock(t), old(t), "{t}");
        }
        let primitive: Vec<&str> = LOCK_TYPES
            .iter()
            .map(|l| l.name)
            .filter(|n| !is_primitive_name(n))
            .collect();
        assert_eq!(primitive, ["RefCell"]);
        let old = |name: &str| {
            name.starts_with("Atomic")
                || [
                    "Mutex",
                    "Lock",
                    "Barrier",
                    "Once",
                    "OnceCell",
                    "Lazy",
                    "Semaphore",
                    "Condvar",
                ]
                .iter()
                .any(|s| name.ends_with(s))
        };
        for n in [
            "AtomicCell",
            "SpinMutex",
            "RawRwLock",
            "OnceLock",
            "Lazy",
            "SeqLock",
            "Cache",
            "Barrier",
            "RefCell",
            "Guard",
            "Condvar",
            "Semaphore",
            "Atomic",
        ] {
            assert_eq!(is_primitive_name(n), old(n), "{n}");
        }
    }

    #[test]
    fn a_shard_map_is_seen_through_references_and_pointers_not_collections() {
        for ty in [
            "DashMap<u32,String>",
            "&Arc<DashMap<K,V>>",
            "&mut dashmap::DashMap<K,V>",
            "std::sync::Arc<Box<DashSet<u32>>>",
        ] {
            assert!(shard_map_in(ty).is_some(), "{ty}");
        }
        for ty in [
            "Vec<DashMap<K,V>>",
            "HashMap<u32,DashMap<K,V>>",
            "Arc<RwLock<DashMap<K,V>>>",
            "Option<DashMap<K,V>>",
        ] {
            assert_eq!(shard_map_in(ty), None, "{ty}");
        }
    }
}
