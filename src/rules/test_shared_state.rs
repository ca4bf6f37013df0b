//! `test-shared-state`: a test that changes process-global state (environment
//! variables, the current directory, a `static mut`, a static atomic or a static
//! lock's data) with no serialisation guard, while `cargo test` runs the other tests
//! of its binary on other threads. Page: rules/test-shared-state.md.
//!
//! Changes are found in the test body, the closures and async blocks inside it, and
//! the in-crate functions it calls (through the call graph). Other tests that use
//! the same static are named in the message.

use std::collections::{BTreeSet, HashMap, HashSet};

use rustc_hash::FxHashMap;

use crate::config::Level;
use crate::flow::methods::{ATOMIC_WRITES, MUTATORS};
use crate::flow::{Body, BodyKind, Guard, GuardKind};
use crate::graph::BodyIdx;
use crate::report::finding::{Finding, Label, Severity, Span};
use crate::rules::support::{env_mutation, is_atomic_head, label, static_of, TypeTree};
use crate::rules::{Rule, RuleCx, RuleMeta};

/// The `test-shared-state` rule.
pub(crate) struct TestSharedState;

static META: RuleMeta = RuleMeta {
    id: "test-shared-state",
    default: Level::Warn,
    doc: include_str!("../../rules/test-shared-state.md"),
};

/// Deepest chain of in-crate calls followed from a test.
const MAX_DEPTH: usize = 4;

/// One change to process-global state.
#[derive(Clone, Debug)]
struct Change {
    /// Where, in the body being looked at (for a change inside a callee, the call).
    site: Span,
    /// What it does, for the label.
    what: String,
    /// The static it touches, if any, to find the tests that read it.
    stat: Option<String>,
    /// It is the current directory.
    is_cwd: bool,
    /// The environment variable it sets or removes, when named by a literal.
    env_var: Option<String>,
}

impl Rule for TestSharedState {
    fn meta(&self) -> &'static RuleMeta {
        &META
    }

    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        let n = cx.graph.bodies.len();
        let tests: Vec<BodyIdx> = (0..n)
            .filter(|&i| cx.graph.body(cx.flows, i).is_test)
            .collect();
        if tests.is_empty() {
            return;
        }
        // Users are looked up by crate: only the crates with tests are read.
        let crates: HashSet<u32> = tests.iter().map(|&t| cx.graph.crate_of[t]).collect();
        let users = Users::new(cx, &crates);
        let mut tests_in_flow: HashMap<usize, usize> = HashMap::new();
        for &t in &tests {
            *tests_in_flow.entry(cx.graph.bodies[t].flow).or_default() += 1;
        }
        let mut memo: HashMap<BodyIdx, Vec<Change>> = HashMap::new();
        for &t in &tests {
            let body = cx.graph.body(cx.flows, t);
            if is_serialised(cx, t, body) || is_alone_in_binary(cx, t, &tests_in_flow) {
                continue;
            }
            let own = with_nested(cx, t);
            let mut changes = Vec::new();
            for &b in &own {
                changes.extend(changes_of(cx, b, 0, &mut memo));
            }
            // A static only this test touches is its own business.
            changes.retain(|c| {
                c.stat
                    .as_ref()
                    .is_none_or(|s| users.of_static(cx, t, s).any(|u| !own.contains(&u)))
            });
            if changes.is_empty() {
                continue;
            }
            let others = users.tests_sharing(cx, t, &own, &changes);
            out.push(finding(body, &changes, &others));
        }
    }
}

/// The test body and the closures and async blocks nested in it.
fn with_nested(cx: &RuleCx<'_>, t: BodyIdx) -> Vec<BodyIdx> {
    let at = cx.graph.bodies[t];
    let body = cx.graph.body(cx.flows, t);
    let prefix = format!("{}::", body.name);
    let mut out = vec![t];
    let mut j = t + 1;
    while j < cx.graph.bodies.len() {
        let next = cx.graph.bodies[j];
        let b = cx.graph.body(cx.flows, j);
        if next.flow != at.flow
            || !matches!(b.kind, BodyKind::Closure | BodyKind::AsyncBlock)
            || !b.name.starts_with(&prefix)
        {
            break;
        }
        out.push(j);
        j += 1;
    }
    out
}

/// A test serialised by `#[serial]`, by a guard on a static lock bound to a name
/// (the `ENV_LOCK` pattern, anywhere in the body), or by a call to an in-crate helper
/// that returns such a guard.
fn is_serialised(cx: &RuleCx<'_>, t: BodyIdx, body: &Body) -> bool {
    if body.is_serial {
        return true;
    }
    let static_guard = |i: BodyIdx, g: usize| {
        cx.graph.guard_ids[i]
            .get(g)
            .and_then(|id| id.as_ref())
            .is_some_and(|id| id.class.starts_with("static "))
    };
    // A named guard on a static lock whose data the test does not change.
    let held = body.guards.iter().enumerate().any(|(g, guard)| {
        guard.serialises_test
            || (guard.discarded.is_none()
                && guard.name.as_deref().is_some_and(|n| n != "_")
                && static_guard(t, g)
                && !changes_data(guard))
    });
    if held {
        return true;
    }
    cx.graph.callees[t].iter().flatten().any(|&k| {
        let callee = cx.graph.body(cx.flows, k);
        callee
            .returns
            .iter()
            .any(|r| r.guard.is_some_and(|g| static_guard(k, g)))
    })
}

/// An integration test that is the only test of its file: `tests/<name>.rs` is a
/// binary of its own, so nothing runs beside it.
fn is_alone_in_binary(cx: &RuleCx<'_>, t: BodyIdx, tests_in_flow: &HashMap<usize, usize>) -> bool {
    let at = cx.graph.bodies[t];
    let path = &cx.sources.get(at.file).path;
    let in_tests_dir = path
        .parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "tests");
    if !in_tests_dir {
        return false;
    }
    tests_in_flow.get(&at.flow) == Some(&1)
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
    let body = cx.graph.body(cx.flows, i);
    let krate = cx.graph.crate_of[i];
    let mut out = Vec::new();
    let static_locked = |live: &[usize]| {
        live.iter().any(|&g| {
            cx.graph.guard_ids[i]
                .get(g)
                .and_then(|id| id.as_ref())
                .is_some_and(|id| id.class.starts_with("static "))
        })
    };
    for (ei, e) in body.events.iter().enumerate() {
        let Some(call) = e.call() else { continue };
        if static_locked(&e.live) {
            continue;
        }
        if let Some(what) = env_mutation(call) {
            out.push(Change {
                site: e.span,
                what: what.to_string(),
                stat: None,
                is_cwd: call.callee.ends_with("set_current_dir"),
                env_var: call.lit_arg.clone(),
            });
            continue;
        }
        let method = call.callee.trim_start_matches('.');
        if call.is_method && ATOMIC_WRITES.contains(&method) {
            let stat = call
                .receiver
                .as_ref()
                .and_then(|r| r.segments.as_ref())
                .and_then(|s| static_of(cx.model, krate, s))
                .filter(|(_, ty)| {
                    TypeTree::parse(ty).any(&|_| false, &|n| is_atomic_head(&n.head))
                });
            if let Some((name, _)) = stat {
                out.push(Change {
                    site: e.span,
                    what: format!("writes the static atomic `{name}`"),
                    stat: Some(name.to_string()),
                    is_cwd: false,
                    env_var: None,
                });
            }
            continue;
        }
        if depth < MAX_DEPTH {
            if let Some(k) = cx.graph.callees[i][ei] {
                if k != i {
                    let inner = changes_of(cx, k, depth + 1, memo);
                    // A library's own statics (an id counter, a registry) are its
                    // business; through library code only the environment and the
                    // current directory count. Test helpers count in full.
                    let is_helper = cx.graph.body(cx.flows, k).in_test;
                    let first = inner.iter().find(|c| is_helper || c.stat.is_none());
                    if let Some(first) = first {
                        let name = cx.graph.callee_name(cx.flows, k);
                        out.push(Change {
                            site: e.span,
                            what: format!("calls `{name}`, which {}", first.what),
                            stat: first.stat.clone(),
                            is_cwd: first.is_cwd,
                            env_var: first.env_var.clone(),
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
                stat: Some(r.name.clone()),
                is_cwd: false,
                env_var: None,
            });
        }
    }
    for (g, guard) in body.guards.iter().enumerate() {
        let Some(id) = cx.graph.guard_ids[i].get(g).and_then(|id| id.as_ref()) else {
            continue;
        };
        let Some(name) = id.class.strip_prefix("static ") else {
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
                stat: Some(name.to_string()),
                is_cwd: false,
                env_var: None,
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

/// Which bodies use each static, which read the current directory, and which read
/// each environment variable (by literal name).
struct Users {
    statics: FxHashMap<(u32, String), BTreeSet<BodyIdx>>,
    cwd: BTreeSet<BodyIdx>,
    env: FxHashMap<(u32, String), BTreeSet<BodyIdx>>,
}

impl Users {
    fn new(cx: &RuleCx<'_>, crates: &HashSet<u32>) -> Users {
        let mut statics: FxHashMap<(u32, String), BTreeSet<BodyIdx>> = FxHashMap::default();
        let mut cwd = BTreeSet::new();
        let mut env: FxHashMap<(u32, String), BTreeSet<BodyIdx>> = FxHashMap::default();
        for (b, body) in cx.indexed_bodies() {
            let krate = cx.graph.crate_of[b];
            if !crates.contains(&krate) {
                continue;
            }
            let mut add = |name: &str| {
                statics
                    .entry((krate, name.to_string()))
                    .or_default()
                    .insert(b);
            };
            for r in &body.static_refs {
                add(&r.name);
            }
            for e in &body.events {
                let Some(call) = e.call() else { continue };
                if call.callee.ends_with("env::current_dir") {
                    cwd.insert(b);
                }
                let reads_env = !call.is_method
                    && (call.callee.ends_with("env::var") || call.callee.ends_with("env::var_os"));
                if let (true, Some(var)) = (reads_env, &call.lit_arg) {
                    env.entry((krate, var.clone())).or_default().insert(b);
                }
                if let Some((name, _)) = call
                    .receiver
                    .as_ref()
                    .and_then(|r| r.segments.as_ref())
                    .and_then(|s| static_of(cx.model, krate, s))
                {
                    add(name);
                }
            }
            for id in cx.graph.guard_ids[b].iter().flatten() {
                if let Some(name) = id.class.strip_prefix("static ") {
                    add(name);
                }
            }
        }
        Users { statics, cwd, env }
    }

    /// The bodies that use a static, seen from body `from`: when the crate declares
    /// several statics of that name, only those in `from`'s file.
    fn of_static<'s>(
        &'s self,
        cx: &'s RuleCx<'_>,
        from: BodyIdx,
        name: &str,
    ) -> impl Iterator<Item = BodyIdx> + 's {
        let krate = cx.graph.crate_of[from];
        let ambiguous = cx
            .model
            .statics
            .get(&(krate, name.to_string()))
            .is_some_and(|d| d.len() > 1);
        let file = cx.graph.bodies[from].file;
        self.statics
            .get(&(krate, name.to_string()))
            .into_iter()
            .flatten()
            .copied()
            .filter(move |&u| !ambiguous || cx.graph.bodies[u].file == file)
    }

    /// Other tests of the crate (or bodies nested in them) that use what this test
    /// changes, by name.
    fn tests_sharing(
        &self,
        cx: &RuleCx<'_>,
        t: BodyIdx,
        own: &[BodyIdx],
        changes: &[Change],
    ) -> Vec<String> {
        let krate = cx.graph.crate_of[t];
        let mut found: BTreeSet<BodyIdx> = BTreeSet::new();
        for c in changes {
            if let Some(s) = &c.stat {
                found.extend(self.of_static(cx, t, s));
            }
            if c.is_cwd {
                found.extend(self.cwd.iter().copied());
            }
            if let Some(var) = &c.env_var {
                found.extend(self.env.get(&(krate, var.clone())).into_iter().flatten());
            }
        }
        let mut out: Vec<String> = found
            .into_iter()
            .filter(|u| !own.contains(u) && cx.graph.crate_of[*u] == krate)
            .filter_map(|u| test_of(cx, u))
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

/// The test a body is or is nested in, by name.
fn test_of(cx: &RuleCx<'_>, b: BodyIdx) -> Option<String> {
    let body = cx.graph.body(cx.flows, b);
    if body.is_test {
        return Some(body.name.clone());
    }
    if !matches!(body.kind, BodyKind::Closure | BodyKind::AsyncBlock) {
        return None;
    }
    // Closures follow the body they are nested in, in the same file.
    let at = cx.graph.bodies[b];
    (0..b)
        .rev()
        .take_while(|&j| cx.graph.bodies[j].flow == at.flow)
        .find_map(|j| {
            let parent = cx.graph.body(cx.flows, j);
            (parent.is_test && body.name.starts_with(&format!("{}::", parent.name)))
                .then(|| parent.name.clone())
        })
}

fn finding(body: &Body, changes: &[Change], others: &[String]) -> Finding {
    let mut labels: Vec<Label> = vec![label(body.span, "test function")];
    labels.extend(changes.iter().map(|c| label(c.site, c.what.clone())));
    let also = match others {
        [] => String::new(),
        [one] => format!("; test `{one}` uses the same state"),
        [rest @ .., last] => format!(
            "; tests {} and `{last}` use the same state",
            rest.iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    Finding {
        rule: META.id,
        severity: Severity::Warn,
        primary: body.span,
        message: format!(
            "test `{}` changes process-global state without a serialisation guard, while other tests run in parallel{also}",
            body.name
        ),
        labels,
        help: "hold a static lock for the whole test (`let _env = ENV_LOCK.lock().unwrap();`), mark it `#[serial]` (serial_test), or pass the state in instead of using a global".into(),
    }
}
