//! The golden dump: every stage's facts of a run as stable text, so that a change
//! meant to move code can be shown to change nothing (`tests/golden.rs`).
//!
//! It writes the `Debug` form of the per-file items and flows, of the model (its hash
//! tables turned into sorted maps first, so that the text does not depend on hashing)
//! and of the graph, then the JSON report.
//! The pretty `Debug` form is folded: a group that fits on a line of 120 characters (not counting its indentation) is
//! written on one line, so that a `Span` is one line and a diff stays readable. It is a test aid, not an interface: its
//! text may change with any fact, and the golden file is regenerated then.
//! It does not analyse anything itself; [`crate::check_sources_dumped`] hands it the
//! pipeline's own data at each stage.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

use crate::flow::FileFlows;
use crate::graph::Graph;
use crate::model::{FileItems, Model};
use crate::report::finding::FileId;
use crate::report::Report;
use crate::report::{self, Format, Printer, Style};
use crate::source::SourceMap;

/// Each file's items and flows, in the order of the files' shown paths.
pub(crate) fn per_file(
    out: &mut String,
    sources: &SourceMap,
    items: &[(FileId, FileItems)],
    flows: &[(FileId, FileFlows)],
) {
    // `finish` splits one list of facts into the two, so they are in step.
    let mut files: Vec<(String, &FileItems, &FileFlows)> = items
        .iter()
        .zip(flows)
        .map(|((id, item), (_, flow))| (sources.get(*id).display_path(), item, flow))
        .collect();
    files.sort_by(|a, b| a.0.cmp(&b.0));
    for (path, item, flow) in files {
        let _ = writeln!(out, "=== file {path}\n--- items");
        fold_into(out, &format!("{item:#?}"));
        let _ = writeln!(out, "--- flows");
        fold_into(out, &format!("{flow:#?}"));
    }
}

/// The model, with every hash table sorted.
pub(crate) fn model(out: &mut String, model: &Model) {
    fn map<K: Ord + std::hash::Hash, V>(m: &rustc_hash::FxHashMap<K, V>) -> BTreeMap<&K, &V> {
        m.iter().collect()
    }
    fn set<K: Ord>(s: &rustc_hash::FxHashSet<K>) -> BTreeSet<&K> {
        s.iter().collect()
    }
    let Model {
        file_crate,
        file_module,
        fields,
        fields_named,
        types,
        statics,
        field_decls,
        type_decls,
        static_decls,
        unsafe_impls,
        in_arc,
        callback_aliases,
        async_lock_fields,
        traits,
        api_types,
        private_mods,
        reexports,
        reexport_globs,
        reexports_any,
        api,
    } = model;
    let _ = writeln!(out, "=== model");
    let _ = writeln!(
        out,
        "file_crate: {file_crate:?}\nfile_module: {file_module:?}"
    );
    named(out, "fields", &map(fields));
    named(out, "fields_named", &map(fields_named));
    named(out, "types", &set(types));
    named(out, "statics", &map(statics));
    named(out, "field_decls", field_decls);
    named(out, "type_decls", type_decls);
    named(out, "static_decls", static_decls);
    named(out, "unsafe_impls", unsafe_impls);
    named(out, "in_arc", &set(in_arc));
    named(out, "callback_aliases", &set(callback_aliases));
    named(out, "async_lock_fields", async_lock_fields);
    named(out, "traits", &map(traits));
    named(out, "api_types", &set(api_types));
    named(out, "private_mods", &set(private_mods));
    named(out, "reexports", &set(reexports));
    named(out, "reexport_globs", &set(reexport_globs));
    named(out, "reexports_any", &set(reexports_any));
    // Each file's `FileApi` is the `api` of its items, shown above; only where the
    // model put it is new.
    let placed: Vec<(&u32, &Vec<String>)> = api.iter().map(|(k, m, _)| (k, m)).collect();
    named(out, "api (crate, module)", &placed);
}

/// The graph: bodies, resolved guards and calls, callers, summaries, order edges.
pub(crate) fn graph(out: &mut String, graph: &Graph) {
    let _ = writeln!(out, "=== graph");
    fold_into(out, &format!("{graph:#?}"));
}

/// The report as the JSON printer writes it.
pub(crate) fn report(out: &mut String, report: &Report) {
    let mut json = Vec::new();
    let mut printer = Printer::new(Format::Json, &mut json, Style::default(), Vec::new());
    let printed = report::print_report(&mut printer, report);
    drop(printer);
    let _ = writeln!(out, "=== report");
    match printed {
        Ok(()) => out.push_str(&String::from_utf8_lossy(&json)),
        Err(e) => {
            let _ = writeln!(out, "cannot print the report: {e}");
        }
    }
    out.push('\n');
}

/// Writes `name: value` in the folded pretty form.
fn named(out: &mut String, name: &str, value: &dyn std::fmt::Debug) {
    let _ = write!(out, "{name}: ");
    fold_into(out, &format!("{value:#?}"));
}

/// The widest line (not counting its indentation) a group is folded into.
const WIDTH: usize = 120;

/// Appends `pretty` (a `{:#?}` text) to `out`, every group that fits in [`WIDTH`]
/// characters folded onto one line.
fn fold_into(out: &mut String, pretty: &str) {
    let lines: Vec<&str> = pretty.lines().collect();
    let mut at = 0;
    while at < lines.len() {
        let (folded, next) = fold(&lines, at);
        for line in folded {
            out.push_str(&line);
            out.push('\n');
        }
        at = next;
    }
}

/// The group that starts at `lines[at]` (one line, or an opening line through its
/// closing line at the same indentation), folded, and the index after it.
fn fold(lines: &[&str], at: usize) -> (Vec<String>, usize) {
    let first = lines[at];
    let opens = first.ends_with('{') || first.ends_with('[') || first.ends_with('(');
    if !opens {
        return (vec![first.to_string()], at + 1);
    }
    let indent = first.len() - first.trim_start().len();
    let mut children: Vec<Vec<String>> = Vec::new();
    let mut i = at + 1;
    while i < lines.len() {
        let line = lines[i];
        let own = line.len() - line.trim_start().len();
        if own == indent && line.trim_start().starts_with(['}', ']', ')']) {
            break;
        }
        let (child, next) = fold(lines, i);
        children.push(child);
        i = next;
    }
    let Some(close) = lines.get(i) else {
        // No closing line: keep the text as it is.
        let mut all = vec![first.to_string()];
        all.extend(children.into_iter().flatten());
        return (all, i);
    };
    if children.iter().all(|c| c.len() == 1) {
        let inner: Vec<&str> = children.iter().map(|c| c[0].trim()).collect();
        let mut joined = inner.join(" ");
        if joined.ends_with(',') {
            joined.pop();
        }
        let pad = if first.ends_with('{') { " " } else { "" };
        let one = format!("{first}{pad}{joined}{pad}{}", close.trim_start());
        if one.trim_start().len() <= WIDTH {
            return (vec![one], i + 1);
        }
    }
    let mut all = vec![first.to_string()];
    all.extend(children.into_iter().flatten());
    all.push(close.to_string());
    (all, i + 1)
}
