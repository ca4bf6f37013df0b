//! `test-shared-state`: a test that changes process-global state (environment
//! variables, the current directory, a `static mut`, a static atomic or a static
//! lock's data) with no serialisation guard, while `cargo test` runs the other tests
//! of its binary on other threads. Page: rules/test-shared-state.md.
//!
//! Changes are found in the test body, the closures and async blocks inside it, and
//! the in-crate functions it calls (through the call graph). Other tests that use
//! the same static are named in the message.

use std::collections::{BTreeSet, HashMap, HashSet};

use crate::flow::methods::{ATOMIC_WRITES, MUTATORS, PATH_KIND_TESTS};
use crate::flow::{Body, BodyKind, Event, Guard, GuardKind};
use crate::graph::{BodyIdx, BodyRef, LockClass};
use crate::report::finding::{Finding, Label, Span};
use crate::rules::support::{env_mutation, label};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `test-shared-state` rule.
    TestSharedState,
    "test-shared-state",
    Warn
}

/// Deepest chain of in-crate calls followed from a test.
const MAX_DEPTH: usize = 4;

/// Other tests named in a finding, at most.
const MAX_NAMED: usize = 6;

/// A piece of process-global state two tests can share.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum State {
    /// An environment variable, by its literal name.
    Env(String),
    /// The current directory.
    Cwd,
    /// A static, by name; with the file when the crate declares several of the name.
    Static(String, Option<u32>),
}

impl State {
    fn describe(&self) -> String {
        match self {
            State::Env(name) => format!("the environment variable `{name}`"),
            State::Cwd => "the current directory".to_string(),
            State::Static(name, _) => format!("the static `{name}`"),
        }
    }
}

/// One change to process-global state.
#[derive(Clone, Debug)]
struct Change {
    /// Where, in the body being looked at (for a change inside a callee, the call).
    site: Span,
    /// What it does, for the label.
    what: String,
    /// The state it changes, when it is known (an environment variable named by a
    /// literal or a string `const`, the current directory, a static).
    state: Option<State>,
}

/// How a test is kept from running beside others.
#[derive(Default)]
struct Serial {
    /// `#[serial]` / `#[file_serial]`.
    attr: bool,
    /// Classes of the static locks whose guard it holds for its body.
    locks: Vec<LockClass>,
}

impl Serial {
    /// Whether two tests never run at the same time.
    fn excludes(&self, other: &Serial) -> bool {
        (self.attr && other.attr) || self.locks.iter().any(|l| other.locks.contains(l))
    }
}

impl Rule for TestSharedState {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        let n = cx.body_count();
        let tests: Vec<BodyIdx> = (0..n).filter(|&i| cx.body(i).is_test).collect();
        if tests.is_empty() {
            return;
        }
        let mut memo: HashMap<BodyIdx, Vec<Change>> = HashMap::new();
        let mut changing: Vec<(BodyIdx, Vec<BodyIdx>, Vec<Change>)> = Vec::new();
        for &t in &tests {
            let own = with_nested(cx, t);
            let mut changes = Vec::new();
            for &b in &own {
                changes.extend(changes_of(cx, b, 0, &mut memo));
            }
            changes.retain(|c| c.state.is_some());
            if !changes.is_empty() {
                changing.push((t, own, changes));
            }
        }
        if changing.is_empty() {
            return;
        }
        let binary: HashMap<BodyIdx, (u32, String)> =
            tests.iter().map(|&t| (t, binary_of(cx, t))).collect();
        let wanted: HashSet<&(u32, String)> = changing.iter().map(|(t, _, _)| &binary[t]).collect();
        let mut uses = Uses::new(cx);
        let allocator = allocator_states(cx, &mut uses, &wanted);
        // What every test of those binaries uses, directly or through the crate.
        let mut reach: HashMap<BodyIdx, BTreeSet<State>> = HashMap::new();
        for &u in &tests {
            let bin = &binary[&u];
            if !wanted.contains(bin) {
                continue;
            }
            let mut states = uses.reach(cx, &with_nested(cx, u));
            if let Some(extra) = allocator.get(bin) {
                states.extend(extra.iter().cloned());
            }
            reach.insert(u, states);
        }
        for (t, own, changes) in changing {
            let body = cx.body(t);
            let serial = serial_of(cx, t, body);
            let bin = &binary[&t];
            let mut shared: Vec<Change> = Vec::new();
            let mut others: BTreeSet<BodyIdx> = BTreeSet::new();
            for c in changes {
                let Some(state) = &c.state else { continue };
                let sharers: Vec<BodyIdx> = reach
                    .iter()
                    .filter(|(u, states)| {
                        **u != t
                            && !own.contains(u)
                            && binary[*u] == *bin
                            && states.contains(state)
                            && !serial.excludes(&serial_of(cx, **u, cx.body(**u)))
                    })
                    .map(|(u, _)| *u)
                    .collect();
                if !sharers.is_empty() {
                    others.extend(sharers);
                    shared.push(c);
                }
            }
            if shared.is_empty() {
                continue;
            }
            out.push(finding(cx, body, &shared, &others));
        }
    }
}

/// The test body and the closures and async blocks nested in it.
fn with_nested(cx: &RuleCx<'_>, t: BodyIdx) -> Vec<BodyIdx> {
    let body = cx.body(t);
    let prefix = format!("{}::", body.name);
    let mut out = vec![t];
    for BodyRef {
        idx: j, body: b, ..
    } in cx.later_in_file(t)
    {
        if !matches!(b.kind, BodyKind::Closure | BodyKind::AsyncBlock)
            || !b.name.starts_with(&prefix)
        {
            break;
        }
        out.push(j);
    }
    out
}

/// How a test is serialised: `#[serial]`, a guard on a static lock bound to a name
/// (the `ENV_LOCK` pattern, anywhere in the body) whose data it does not change, or a
/// call to an in-crate helper that returns such a guard.
fn serial_of(cx: &RuleCx<'_>, t: BodyIdx, body: &Body) -> Serial {
    let static_class = |i: BodyIdx, g: usize| {
        cx.lock_of(i, g)
            .filter(|id| matches!(id.class, LockClass::Static { .. }))
            .map(|id| id.class.clone())
    };
    let mut locks = Vec::new();
    for (g, guard) in body.guards.iter().enumerate() {
        let named = guard.discarded.is_none()
            && guard.name.as_deref().is_some_and(|n| n != "_")
            && !changes_data(guard);
        if guard.serialises_test || named {
            locks.extend(static_class(t, g));
        }
    }
    // A helper's guard serialises the test while the test keeps what the helper
    // returns: the guard itself or a value holding it (`let _g = cwd_lock();`), not
    // a result dropped at once (`let _ = cwd_lock();`, `cwd_lock();`).
    for (ei, k) in cx.callees(t) {
        if body.events[ei].call().is_some_and(|c| c.result_dropped) {
            continue;
        }
        let callee = cx.body(k);
        locks.extend(
            callee
                .returns
                .iter()
                .filter_map(|r| r.guard.or(r.holds).and_then(|g| static_class(k, g))),
        );
    }
    Serial {
        attr: body.is_serial,
        locks,
    }
}

/// The test binary a body is built into, by crate and name: each file (or folder)
/// directly under `tests/`, `benches/`, `examples/` or `src/bin/` is a binary of its
/// own; the rest of `src/` is the library's (or the main binary's) unit-test binary.
/// A file outside any package is a binary of its own.
fn binary_of(cx: &RuleCx<'_>, b: BodyIdx) -> (u32, String) {
    let krate = cx.crate_of(b);
    let src = cx.sources.get(cx.file_of(b));
    if src.krate.is_none() {
        return (krate, src.path.to_string_lossy().into_owned());
    }
    let rel = src.path_in_package().unwrap_or(&src.path);
    let parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let name = match parts.as_slice() {
        [dir, first, ..] if matches!(dir.as_str(), "tests" | "benches" | "examples") => {
            format!("{dir}/{}", first.trim_end_matches(".rs"))
        }
        [s, bin, first, ..] if s == "src" && bin == "bin" => {
            format!("src/bin/{}", first.trim_end_matches(".rs"))
        }
        _ => "src".to_string(),
    };
    (krate, name)
}

/// The states written by a global allocator (`impl GlobalAlloc`), per binary: every
/// allocation of every test goes through it, so every test of the binary uses them.
fn allocator_states(
    cx: &RuleCx<'_>,
    uses: &mut Uses,
    wanted: &HashSet<&(u32, String)>,
) -> HashMap<(u32, String), Vec<State>> {
    let mut out: HashMap<(u32, String), Vec<State>> = HashMap::new();
    for BodyRef { idx: b, body, .. } in cx.bodies() {
        if body.trait_name.as_deref() != Some("GlobalAlloc") {
            continue;
        }
        let bin = binary_of(cx, b);
        if !wanted.contains(&bin) {
            continue;
        }
        let states = uses.direct(cx, b).to_vec();
        out.entry(bin).or_default().extend(states);
    }
    out
}

/// The states each body uses directly, worked out once per body.
struct Uses {
    direct: HashMap<BodyIdx, Vec<State>>,
}

/// Whether the call of event `e` runs only under a test of whether a path is absolute
/// (`if !path.is_absolute() { env::current_dir()?.join(path) }`): the directory is read
/// to make a relative path absolute, so whether a test reaches the read depends on the
/// path it passes, which the syntax cannot tell; such a read is not counted.
fn resolves_relative(body: &Body, e: &Event) -> bool {
    let Some(cond) = e.under_if else {
        return false;
    };
    body.events.iter().any(|c| {
        c.span.start >= cond.start
            && c.span.end <= cond.end
            && c.call().is_some_and(|call| {
                call.callee
                    .method()
                    .is_some_and(|m| PATH_KIND_TESTS.contains(&m))
            })
    })
}

impl Uses {
    fn new(cx: &RuleCx<'_>) -> Uses {
        let _ = cx;
        Uses {
            direct: HashMap::new(),
        }
    }

    /// What body `b` uses itself: statics it names or locks, environment variables it
    /// reads or changes by literal name, the current directory.
    fn direct(&mut self, cx: &RuleCx<'_>, b: BodyIdx) -> &[State] {
        self.direct.entry(b).or_insert_with(|| {
            let body = cx.body(b);
            let krate = cx.crate_of(b);
            let mut out = Vec::new();
            for r in &body.static_refs {
                out.push(static_state(cx, b, &r.name));
            }
            for e in &body.events {
                let Some(call) = e.call() else { continue };
                if let Some(path) = call.callee.plain() {
                    if path.ends_with("env::set_current_dir")
                        || (path.ends_with("env::current_dir") && !resolves_relative(body, e))
                    {
                        out.push(State::Cwd);
                    }
                    let is_env = ["env::var", "env::var_os", "env::set_var", "env::remove_var"]
                        .iter()
                        .any(|p| path.ends_with(p));
                    if let (true, Some(var)) = (is_env, call.lit_arg.as_deref()) {
                        out.push(State::Env(var.to_string()));
                    }
                }
                if let Some((name, _)) = call
                    .receiver
                    .as_ref()
                    .and_then(|r| r.segments.as_ref())
                    .and_then(|s| cx.model.static_of(krate, s))
                {
                    out.push(static_state(cx, b, name));
                }
            }
            for id in cx.locks_in(b) {
                if let LockClass::Static { path: name } = &id.class {
                    if cx.model.statics.contains_key(&(krate, name.to_string())) {
                        out.push(static_state(cx, b, name));
                    }
                }
            }
            out.sort();
            out.dedup();
            out
        })
    }

    /// What these bodies use, directly or through the functions of the crate they
    /// call, up to [`MAX_DEPTH`] calls deep.
    fn reach(&mut self, cx: &RuleCx<'_>, from: &[BodyIdx]) -> BTreeSet<State> {
        let mut seen: HashSet<BodyIdx> = from.iter().copied().collect();
        let mut frontier: Vec<BodyIdx> = from.to_vec();
        let mut out = BTreeSet::new();
        for depth in 0..=MAX_DEPTH {
            let mut next = Vec::new();
            for &b in &frontier {
                out.extend(self.direct(cx, b).iter().cloned());
                if depth == MAX_DEPTH {
                    continue;
                }
                for (_, k) in cx.callees(b) {
                    if seen.insert(k) {
                        next.push(k);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            frontier = next;
        }
        out
    }
}

/// The state a static of this name is, seen from body `b`.
fn static_state(cx: &RuleCx<'_>, b: BodyIdx, name: &str) -> State {
    let krate = cx.crate_of(b);
    let ambiguous = cx
        .model
        .statics
        .get(&(krate, name.to_string()))
        .is_some_and(|d| d.len() > 1);
    let file = ambiguous.then(|| cx.file_of(b).0);
    State::Static(name.to_string(), file)
}

/// The unguarded changes body `i` makes, directly or through in-crate calls.
fn changes_of(
    cx: &RuleCx<'_>,
    i: BodyIdx,
    depth: usize,
    memo: &mut HashMap<BodyIdx, Vec<Change>>,
) -> Vec<Change> {
    if let Some(c) = memo.get(&i) {
        return c.clone();
    }
    // A call cycle sees no changes while its head is being worked out.
    memo.insert(i, Vec::new());
    let body = cx.body(i);
    let krate = cx.crate_of(i);
    let mut out = Vec::new();
    let static_locked = |live: &[usize]| {
        live.iter().any(|&g| {
            cx.lock_of(i, g)
                .is_some_and(|id| matches!(id.class, LockClass::Static { .. }))
        })
    };
    for (ei, e) in body.events.iter().enumerate() {
        let Some(call) = e.call() else { continue };
        if static_locked(e.live()) {
            continue;
        }
        if let Some(what) = env_mutation(call) {
            out.push(Change {
                site: e.span,
                what: what.to_string(),
                state: if call.callee.name().ends_with("set_current_dir") {
                    Some(State::Cwd)
                } else {
                    call.lit_arg.as_deref().map(|v| State::Env(v.to_string()))
                },
            });
            continue;
        }
        if call
            .callee
            .method()
            .is_some_and(|m| ATOMIC_WRITES.contains(&m))
        {
            let stat = call
                .receiver
                .as_ref()
                .and_then(|r| r.segments.as_ref())
                .and_then(|s| cx.model.static_of(krate, s))
                .filter(|(_, ty)| ty.tree().any(&|_| false, &|n| n.is_atomic()));
            if let Some((name, _)) = stat {
                out.push(Change {
                    site: e.span,
                    what: format!("writes the static atomic `{name}`"),
                    state: Some(static_state(cx, i, name)),
                });
            }
            continue;
        }
        if depth < MAX_DEPTH {
            if let Some(k) = cx.callee(i, ei) {
                if k != i {
                    let inner = changes_of(cx, k, depth + 1, memo);
                    // A library's own statics (an id counter, a registry) are its
                    // business; through library code only the environment and the
                    // current directory count. Test helpers count in full.
                    let is_helper = cx.body(k).in_test;
                    let first = inner.iter().find(|c| {
                        c.state.is_some()
                            && (is_helper || !matches!(c.state, Some(State::Static(..))))
                    });
                    if let Some(first) = first {
                        let name = cx.callee_name(k);
                        out.push(Change {
                            site: e.span,
                            what: format!("calls `{name}`, which {}", first.what),
                            state: first.state.clone(),
                        });
                    }
                }
            }
        }
    }
    let statics_mut: Vec<&str> = body
        .static_refs
        .iter()
        .filter(|r| r.write)
        .map(|r| r.name.as_str())
        .filter(|name| {
            cx.model
                .static_decls
                .iter()
                .any(|(k, st)| *k == krate && st.is_mut && st.name == *name)
        })
        .collect();
    for r in body.static_refs.iter().filter(|r| r.write) {
        if statics_mut.contains(&r.name.as_str()) {
            out.push(Change {
                site: r.span,
                what: format!("writes `static mut {}`", r.name),
                state: Some(static_state(cx, i, &r.name)),
            });
        }
    }
    for (g, guard) in body.guards.iter().enumerate() {
        let Some(LockClass::Static { path: name }) = cx.lock_of(i, g).map(|id| &id.class) else {
            continue;
        };
        // A static declared inside the test's own body is the test's alone.
        if guard.serialises_test
            || guard.is_try
            || !cx.model.statics.contains_key(&(krate, name.to_string()))
        {
            continue;
        }
        if changes_data(guard) {
            out.push(Change {
                site: guard.acquired,
                what: format!("changes the data of the static lock `{name}`"),
                state: Some(static_state(cx, i, name)),
            });
        }
    }
    out.sort_by_key(|c| (c.site.line, c.site.column));
    memo.insert(i, out.clone());
    out
}

/// Whether a guard is used to change its lock's data: a write guard, or a method
/// that changes a collection.
fn changes_data(guard: &Guard) -> bool {
    guard.kind == GuardKind::Write || guard.methods.iter().any(|m| MUTATORS.contains(&m.as_str()))
}

fn finding(
    cx: &RuleCx<'_>,
    body: &Body,
    changes: &[Change],
    others: &BTreeSet<BodyIdx>,
) -> Finding {
    let mut labels: Vec<Label> = vec![label(body.span, "test function")];
    labels.extend(changes.iter().map(|c| label(c.site, c.what.clone())));
    let mut names: Vec<String> = Vec::new();
    for &u in others {
        let other = cx.body(u);
        // Tests of the same name in different modules are told apart by module.
        let name = match other.module.last() {
            Some(m) if m != "tests" => format!("{m}::{}", other.name),
            _ => other.name.clone(),
        };
        if names.contains(&name) {
            continue;
        }
        if names.len() < MAX_NAMED {
            labels.push(label(
                other.span,
                format!("test `{name}` uses the same state"),
            ));
        }
        names.push(name);
    }
    names.sort();
    let more = names.len().saturating_sub(MAX_NAMED);
    let mut shown: Vec<String> = names
        .iter()
        .take(MAX_NAMED)
        .map(|n| format!("`{n}`"))
        .collect();
    if more > 0 {
        shown.push(format!("{more} more"));
    }
    let also = match shown.as_slice() {
        [] => String::new(),
        [one] => format!("test {one} uses the same state"),
        [rest @ .., last] => format!("tests {} and {last} use the same state", rest.join(", ")),
    };
    let what: BTreeSet<String> = changes
        .iter()
        .filter_map(|c| c.state.as_ref().map(State::describe))
        .collect();
    let what: Vec<String> = what.into_iter().collect();
    META.finding(body.span, format!(
            "test `{}` changes {} without a serialisation guard, while other tests run in parallel; {also}",
            body.name,
            what.join(", ")
        ), labels, "hold a static lock for the whole of every test that uses this state (`let _env = ENV_LOCK.lock().unwrap();`), mark them `#[serial]` (serial_test), or pass the state in instead of using a global")
}
