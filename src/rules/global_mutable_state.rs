//! `global-mutable-state`: `static mut` items with their uses, and calls that change
//! process-global state (`std::env::set_var`, `remove_var`, `set_current_dir`) in
//! code that may run while other threads do. Page: rules/global-mutable-state.md.
//!
//! "Before threads start" is decided on the call graph: a synchronous `fn main` at a
//! crate root up to its first call that can start a thread, and private functions
//! called only from there. Test code is `test-shared-state`'s.

use rustc_hash::FxHashMap;

use crate::flow::methods::THREAD_STARTERS;
use crate::flow::{Body, BodyKind, Call};
use crate::graph::{BodyIdx, BodyRef};
use crate::report::finding::{Finding, Label, Span};
use crate::rules::support::{env_mutation, label};
use crate::rules::{declare_rule, Rule, RuleCx};

declare_rule! {
    /// The `global-mutable-state` rule.
    GlobalMutableState,
    "global-mutable-state",
    Warn
}

/// Uses labelled on one `static mut` finding; the message counts the rest.
const MAX_USE_LABELS: usize = 16;

impl Rule for GlobalMutableState {
    fn check(&self, cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
        static_muts(cx, out);
        let mut pre = PreThread::new(cx);
        for BodyRef { idx: i, body, .. } in cx.bodies() {
            if body.in_test {
                continue;
            }
            for (ei, e) in body.events.iter().enumerate() {
                let Some(what) = e.call().and_then(env_mutation) else {
                    continue;
                };
                if pre.is_before_threads(cx, i, ei) {
                    continue;
                }
                let call = e.call().map_or("", |c| c.callee.name());
                out.push(env_finding(body, e.span, call, what));
            }
        }
    }
}

/// One finding per `static mut` item, labelled at its uses in the same file.
fn static_muts(cx: &RuleCx<'_>, out: &mut Vec<Finding>) {
    let mut uses: FxHashMap<(u32, &str), Vec<(Span, bool)>> = FxHashMap::default();
    for BodyRef { file, body, .. } in cx.bodies() {
        for r in &body.static_refs {
            uses.entry((file.0, r.name.as_str()))
                .or_default()
                .push((r.span, r.write));
        }
    }
    for (_, st) in &cx.model.static_decls {
        if !st.is_mut {
            continue;
        }
        let mut found = uses
            .get(&(st.span.file.0, st.name.as_str()))
            .cloned()
            .unwrap_or_default();
        found.sort_by_key(|(s, _)| (s.line, s.column));
        found.dedup();
        let n = found.len();
        let mut labels = vec![label(st.span, "declared `static mut` here")];
        labels.extend(
            found
                .iter()
                .take(MAX_USE_LABELS)
                .map(|(s, write)| label(*s, if *write { "written here" } else { "used here" })),
        );
        let uses = match n {
            0 => String::new(),
            1 => " (1 use)".to_string(),
            n => format!(" ({n} uses)"),
        };
        out.push(META.finding(st.span, format!(
                "`static mut {}` is global state that any thread can change with no synchronisation{uses}",
                st.name
            ), labels, "use an atomic, a `Mutex` or `RwLock` in a plain `static`, a `OnceLock` for a value set once, or `thread_local!` for per-thread state"));
    }
}

fn env_finding(body: &Body, site: Span, callee: &str, what: &str) -> Finding {
    let short = callee.trim_start_matches("std::");
    let help = if callee.ends_with("set_current_dir") {
        "use absolute paths (or `Command::current_dir` for a child process), or change the directory in `fn main` before any thread starts"
    } else {
        "pass the value explicitly (a parameter, or `Command::env` for a child process), or set it in `fn main` before any thread starts"
    };
    let labels: Vec<Label> = vec![label(site, what.to_string())];
    META.finding(site, format!(
            "`{short}` in `{}` changes process-global state while other threads may be running and reading it",
            body.name
        ), labels, help)
}

/// Which events run before the process starts a thread.
struct PreThread {
    /// Per body: the index of its first event that can start a thread.
    spawn_at: Vec<Option<Option<usize>>>,
    /// Per body: events before this index run before threads start.
    limit: Vec<Option<Option<usize>>>,
}

/// Whether a call can start a thread.
fn is_thread_start(call: &Call) -> bool {
    let name = call.callee.name().rsplit("::").next().unwrap_or_default();
    if THREAD_STARTERS.contains(&name) {
        return true;
    }
    // A runtime starts its worker threads when it is made; `rayon`'s functions run
    // on its pool.
    call.callee
        .plain()
        .is_some_and(|p| p.ends_with("Runtime::new") || p.starts_with("rayon::"))
}

impl PreThread {
    fn new(cx: &RuleCx<'_>) -> PreThread {
        let n = cx.body_count();
        PreThread {
            spawn_at: vec![None; n],
            limit: vec![None; n],
        }
    }

    /// Whether event `ei` of body `i` runs before any thread is started.
    fn is_before_threads(&mut self, cx: &RuleCx<'_>, i: BodyIdx, ei: usize) -> bool {
        let Some(limit) = self.limit(cx, i, 0) else {
            return false;
        };
        let body = cx.body(i);
        // In a loop, a later iteration runs after a thread started in an earlier one.
        let spawns = self.spawn_at(cx, i, 0).is_some();
        ei < limit && !(body.events[ei].in_loop && spawns)
    }

    /// The first event of body `i` that can start a thread, directly or through an
    /// in-crate call.
    fn spawn_at(&mut self, cx: &RuleCx<'_>, i: BodyIdx, depth: usize) -> Option<usize> {
        if let Some(known) = self.spawn_at[i] {
            return known;
        }
        if depth > 8 {
            return None;
        }
        // Recursion assumes no spawn; the memo is written after.
        self.spawn_at[i] = Some(None);
        let body = cx.body(i);
        let mut found = None;
        for (ei, e) in body.events.iter().enumerate() {
            let Some(call) = e.call() else { continue };
            let through = cx
                .callee(i, ei)
                .is_some_and(|k| k != i && self.spawn_at(cx, k, depth + 1).is_some());
            if is_thread_start(call) || through {
                found = Some(ei);
                break;
            }
        }
        self.spawn_at[i] = Some(found);
        found
    }

    /// Events of body `i` before this index run before threads start; `None` when the
    /// body may run while threads do.
    fn limit(&mut self, cx: &RuleCx<'_>, i: BodyIdx, depth: usize) -> Option<usize> {
        if let Some(known) = self.limit[i] {
            return known;
        }
        if depth > 8 {
            return None;
        }
        self.limit[i] = Some(None);
        let body = cx.body(i);
        let end = |s: &mut Self| s.spawn_at(cx, i, 0).unwrap_or(body.events.len());
        let res = if is_root_main(cx, i, body) {
            Some(end(self))
        } else if matches!(body.kind, BodyKind::Fn | BodyKind::Method)
            && !body.is_pub
            && !body.in_test
            && !cx.callers(i).is_empty()
        {
            let all_early = cx.callers(i).iter().all(|&(c, ce)| {
                self.limit(cx, c, depth + 1).is_some_and(|l| {
                    let caller = cx.body(c);
                    ce < l && !(caller.events[ce].in_loop && self.spawn_at(cx, c, 0).is_some())
                })
            });
            all_early.then(|| end(self))
        } else {
            None
        };
        self.limit[i] = Some(res);
        res
    }
}

/// A synchronous `fn main` at the root of a crate or binary: nothing else of the
/// program has run yet. An `async fn main` (`#[tokio::main]`) runs on a runtime
/// whose worker threads already exist.
fn is_root_main(cx: &RuleCx<'_>, i: BodyIdx, body: &Body) -> bool {
    let file = cx.file_of(i);
    body.kind == BodyKind::Fn
        && body.name == "main"
        && !body.is_async
        && !body.in_test
        && body.module.is_empty()
        && cx
            .model
            .file_module
            .get(file.0 as usize)
            .is_none_or(|m| m.is_empty())
}
