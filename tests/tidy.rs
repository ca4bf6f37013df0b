//! House-keeping checks over the source tree, in the manner of rust-analyzer's
//! `tidy.rs`: every module under `src/` opens with a `//!` doc comment, and no `TODO`
//! or leftover `dbg!` call is committed there (`FIXME` is the marker for known gaps).
//! It also keeps the layering of `docs/architecture.md`: modules import only the
//! modules below them ([`LAYERS`]), only the syntax-facing modules name `syn`, `quote`
//! or `proc_macro2`, and no source file is over 1,000 lines but the listed ones.
//!
//! It reads files only; prose style (one sentence per line in Markdown) is too fuzzy
//! to check mechanically and is left to review.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, sorted, with its path relative to the package root.
fn source_files() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root.join("src"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        .map(|e| e.into_path())
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "no .rs files under src/");
    paths
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .to_string_lossy()
                .replace('\\', "/");
            (rel, text)
        })
        .collect()
}

/// `file:line: text` for every line of `src/` that contains `needle`.
fn lines_containing(needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    for (path, text) in source_files() {
        for (i, line) in text.lines().enumerate() {
            if line.contains(needle) {
                hits.push(format!("{path}:{}: {}", i + 1, line.trim()));
            }
        }
    }
    hits
}

#[test]
fn every_module_starts_with_a_doc_comment() {
    let missing: Vec<String> = source_files()
        .into_iter()
        .filter(|(_, text)| !text.trim_start_matches('\u{feff}').starts_with("//!"))
        .map(|(path, _)| path)
        .collect();
    assert!(
        missing.is_empty(),
        "these files do not start with a `//!` comment saying what the module is for \
         and what it does not do:\n  {}",
        missing.join("\n  ")
    );
}

#[test]
fn no_todo_in_src() {
    // Built from parts so that this file does not trip checks that scan tests/ too.
    let hits = lines_containing(concat!("TO", "DO"));
    assert!(
        hits.is_empty(),
        "use `FIXME` with a fixture that shows the gap instead:\n  {}",
        hits.join("\n  ")
    );
}

#[test]
fn no_dbg_in_src() {
    let hits = lines_containing(concat!("dbg", "!("));
    assert!(
        hits.is_empty(),
        "remove the debugging output:\n  {}",
        hits.join("\n  ")
    );
}

// ---- Layering -------------------------------------------------------------------
//
// The table below is the one statement of who may import whom; `docs/architecture.md`
// mirrors it. A module is a top-level module of `src/` (a file or a folder), except
// `report::finding`, the finding types, which sit at the bottom although they live
// in `report/` (their public path is `synclint::report::finding`). `root` is the
// crate root, `lib.rs`: the pipeline and the facade. `main.rs` and `src/bin/` are
// separate crates that see only the library's public API, and are not listed.

/// Each module and the modules it may import, bottom first.
const LAYERS: &[(&str, &[&str])] = &[
    ("report::finding", &[]),
    ("source", &["report::finding"]),
    ("report", &["report::finding", "source"]),
    ("error", &["report::finding", "source", "report"]),
    ("model", &["report::finding", "source"]),
    ("flow", &["report::finding", "source", "model"]),
    ("syntax", &["report::finding", "source", "model", "flow"]),
    ("graph", &["report::finding", "source", "model", "flow"]),
    ("config", &["report::finding", "source", "error", "model"]),
    (
        "rules",
        &[
            "report::finding",
            "source",
            "model",
            "flow",
            "graph",
            "config",
        ],
    ),
    (
        "suppress",
        &[
            "report::finding",
            "source",
            "report",
            "error",
            "config",
            "rules",
        ],
    ),
    (
        "discover",
        &["report::finding", "source", "report", "error", "config"],
    ),
    (
        "dump",
        &[
            "report::finding",
            "source",
            "report",
            "model",
            "flow",
            "graph",
        ],
    ),
    ("fix", &["report::finding", "source", "report", "syntax"]),
    (
        "lock_map",
        &[
            "report::finding",
            "source",
            "report",
            "model",
            "graph",
            "rules",
        ],
    ),
    (
        "root",
        &[
            "report::finding",
            "source",
            "report",
            "error",
            "model",
            "flow",
            "syntax",
            "graph",
            "config",
            "rules",
            "suppress",
            "discover",
            "dump",
            "lock_map",
            "fix",
        ],
    ),
    (
        "server",
        &[
            "report::finding",
            "source",
            "report",
            "error",
            "config",
            "rules",
            "suppress",
            "discover",
            "root",
        ],
    ),
    (
        "cli",
        &[
            "report::finding",
            "source",
            "report",
            "error",
            "config",
            "rules",
            "suppress",
            "discover",
            "fix",
            "root",
            "server",
        ],
    ),
    (
        "bench",
        &[
            "report::finding",
            "source",
            "error",
            "config",
            "discover",
            "root",
        ],
    ),
    (
        "ecosystem",
        &["report::finding", "source", "report", "root"],
    ),
];

/// The only modules that may name `syn`, `quote` or `proc_macro2`: the per-file pass
/// (`syntax`: parsing, collecting items, walking bodies), `source` (positions to
/// spans, and the pre-parse text passes) and the benchmark's parse-only floor, which
/// must parse as the analysis does.
const SYNTAX_FACING: &[&str] = &["source", "syntax", "bench"];

/// The longest a source file may be.
const MAX_LINES: usize = 1000;

/// Files over [`MAX_LINES`], each waiting for a cut, with a FIXME here naming it;
/// none now.
const TOO_LONG: &[&str] = &[];

use proc_macro2::{Delimiter, Spacing, TokenStream, TokenTree};

/// The module (a row of [`LAYERS`]) a file of `src/` belongs to, and its module path.
fn module_of(path: &str) -> Option<(String, Vec<String>)> {
    let rel = path.strip_prefix("src/")?.strip_suffix(".rs")?;
    let mut segs: Vec<String> = rel.split('/').map(str::to_string).collect();
    if segs.last().is_some_and(|s| s == "mod") {
        segs.pop();
    }
    match segs.first().map(String::as_str) {
        None | Some("main") | Some("bin") => None,
        Some("lib") => Some(("root".to_string(), Vec::new())),
        Some(first) => {
            let node = if segs.len() >= 2 && first == "report" && segs[1] == "finding" {
                "report::finding".to_string()
            } else {
                first.to_string()
            };
            Some((node, segs))
        }
    }
}

/// The module a path from the crate root names (`["report", "finding", ..]` is
/// `report::finding`; an item of the root itself is `root`).
fn target_of(segs: &[String]) -> String {
    let top: Vec<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    match segs {
        [first, second, ..] if first == "report" && second == "finding" => {
            "report::finding".to_string()
        }
        [first, ..] if top.contains(&first.as_str()) => first.clone(),
        _ => "root".to_string(),
    }
}

fn is_path_sep(tokens: &[TokenTree], at: usize) -> bool {
    matches!(
        (tokens.get(at), tokens.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

fn is_ident(tt: Option<&TokenTree>, name: &str) -> bool {
    matches!(tt, Some(TokenTree::Ident(i)) if i == name)
}

/// The paths a path or `use` tree starting at `tokens[0]` names, each after `prefix`.
fn paths_from(tokens: &[TokenTree], prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    match tokens.first() {
        Some(TokenTree::Ident(i)) if i != "self" => {
            let mut next = prefix;
            next.push(i.to_string());
            if is_path_sep(tokens, 1) {
                paths_from(&tokens[3..], next, out);
            } else {
                out.push(next);
            }
        }
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace => {
            let inner: Vec<TokenTree> = g.stream().into_iter().collect();
            for piece in inner.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
                paths_from(piece, prefix.clone(), out);
            }
        }
        _ => out.push(prefix),
    }
}

/// Every path out of the crate root that a file names: `crate::..`, `super::..` that
/// climbs out of its top-level module, and (in `lib.rs`) `module::..`. Comments and
/// string literals are not tokens here, so paths in docs do not count.
fn crate_paths(tokens: &[TokenTree], module: &[String], is_root: bool, out: &mut Vec<Vec<String>>) {
    let modules: Vec<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    let mut i = 0;
    while i < tokens.len() {
        let prev = i.checked_sub(1).and_then(|p| tokens.get(p));
        let after_sep = i >= 2 && is_path_sep(tokens, i - 2);
        let after_dollar = matches!(prev, Some(TokenTree::Punct(p)) if p.as_char() == '$');
        match &tokens[i] {
            TokenTree::Ident(id) if id == "mod" => {
                if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(g))) =
                    (tokens.get(i + 1), tokens.get(i + 2))
                {
                    if g.delimiter() == Delimiter::Brace {
                        let mut inner = module.to_vec();
                        inner.push(name.to_string());
                        let body: Vec<TokenTree> = g.stream().into_iter().collect();
                        crate_paths(&body, &inner, false, out);
                        i += 3;
                        continue;
                    }
                }
            }
            TokenTree::Ident(id)
                if id == "crate" && !after_sep && !after_dollar && is_path_sep(tokens, i + 1) =>
            {
                paths_from(&tokens[i + 3..], Vec::new(), out);
            }
            TokenTree::Ident(id) if id == "super" && !after_sep && is_path_sep(tokens, i + 1) => {
                let mut at = i;
                let mut up = 0;
                while is_ident(tokens.get(at), "super") && is_path_sep(tokens, at + 1) {
                    up += 1;
                    at += 3;
                }
                if up >= module.len() {
                    paths_from(&tokens[at..], Vec::new(), out);
                }
                i = at;
                continue;
            }
            TokenTree::Ident(id)
                if is_root
                    && !after_sep
                    && modules.contains(&id.to_string().as_str())
                    && is_path_sep(tokens, i + 1) =>
            {
                paths_from(&tokens[i..], Vec::new(), out);
            }
            TokenTree::Group(g) => {
                let body: Vec<TokenTree> = g.stream().into_iter().collect();
                crate_paths(&body, module, is_root, out);
            }
            _ => {}
        }
        i += 1;
    }
}

/// Every identifier of a token tree.
fn idents(stream: TokenStream, out: &mut Vec<String>) {
    for tt in stream {
        match tt {
            TokenTree::Ident(i) => out.push(i.to_string()),
            TokenTree::Group(g) => idents(g.stream(), out),
            _ => {}
        }
    }
}

fn tokens_of(path: &str, text: &str) -> TokenStream {
    text.parse()
        .unwrap_or_else(|e| panic!("{path} does not lex: {e:?}"))
}

/// `file: module -> target` for every import that the table does not allow.
fn layering_violations(files: &[(String, String)]) -> Vec<String> {
    let mut bad = Vec::new();
    for (path, text) in files {
        let Some((node, module)) = module_of(path) else {
            continue;
        };
        let Some((_, allowed)) = LAYERS.iter().find(|(m, _)| *m == node) else {
            bad.push(format!("{path}: module `{node}` is not in the table"));
            continue;
        };
        let tokens: Vec<TokenTree> = tokens_of(path, text).into_iter().collect();
        let mut paths = Vec::new();
        crate_paths(&tokens, &module, node == "root", &mut paths);
        for segs in paths {
            let target = target_of(&segs);
            if target != node && !allowed.contains(&target.as_str()) {
                bad.push(format!(
                    "{path}: `{node}` imports `crate::{}` (module `{target}`)",
                    segs.join("::")
                ));
            }
        }
    }
    bad.sort();
    bad.dedup();
    bad
}

#[test]
fn the_layer_table_has_no_cycle() {
    // Each module may import only modules listed before it: the table is in
    // topological order, so it has no cycle.
    for (at, (module, allowed)) in LAYERS.iter().enumerate() {
        for target in *allowed {
            let before = LAYERS[..at].iter().any(|(m, _)| m == target);
            assert!(
                before,
                "`{module}` may import `{target}`, which is not listed before it"
            );
        }
    }
}

#[test]
fn modules_import_only_downward() {
    let bad = layering_violations(&source_files());
    assert!(
        bad.is_empty(),
        "imports against the layering (the table is in `tests/tidy.rs` and \
         `docs/architecture.md`; move the item to the module below, or hand it in as a \
         parameter):\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn the_layering_check_sees_a_wrong_import() {
    // A printer reaching up into the rules, in each spelling the check reads.
    let files = vec![
        (
            "src/report/json.rs".to_string(),
            "use crate::rules::ALL;\nfn f() { let _ = crate::suppress::META; }".to_string(),
        ),
        (
            "src/report/mod.rs".to_string(),
            "mod inner { use super::super::config::Level; }\n\
             use crate::{rules::lookup, source::SourceMap};\n\
             // crate::discover in a comment does not count\n\
             const S: &str = \"crate::cli\";"
                .to_string(),
        ),
    ];
    let bad = layering_violations(&files);
    assert_eq!(bad.len(), 4, "{bad:#?}");
    assert!(bad
        .iter()
        .all(|b| !b.contains("discover") && !b.contains("cli")));
    assert!(bad.iter().any(|b| b.contains("crate::config::Level")));
}

#[test]
fn only_the_syntax_facing_modules_name_syn() {
    let mut bad = Vec::new();
    for (path, text) in source_files() {
        let Some((node, _)) = module_of(&path) else {
            continue;
        };
        if SYNTAX_FACING.contains(&node.as_str()) {
            continue;
        }
        let mut names = Vec::new();
        idents(tokens_of(&path, &text), &mut names);
        for crate_name in ["syn", "quote", "proc_macro2"] {
            if names.iter().any(|n| n == crate_name) {
                bad.push(format!("{path} (module `{node}`) names `{crate_name}`"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "only {SYNTAX_FACING:?} read syntax; take what you need from the facts \
         (`flow`, `model`) instead:\n  {}",
        bad.join("\n  ")
    );
}

/// What rules must not call to read a type: the model gives types as trees
/// (`TypeTree`) and type texts to ask (`TypeText`), and its reader,
/// `TypeTree::parse`, is private to `model` (the compiler keeps that). These are the
/// public ways to reach a type's text that the compiler cannot keep from rules.
const TYPE_TEXT_READERS: &[&str] = &["type_name_of", "field_type"];

#[test]
fn rules_read_types_through_the_model() {
    let mut bad = Vec::new();
    for (path, text) in source_files() {
        if !path.starts_with("src/rules/") {
            continue;
        }
        let mut names = Vec::new();
        idents(tokens_of(&path, &text), &mut names);
        for reader in TYPE_TEXT_READERS {
            if names.iter().any(|n| n == reader) {
                bad.push(format!("{path} calls `{reader}`"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "rules ask the model for types (`Model::field_tree`, `field_type_text`, \
         `place_type`, `TypeText` and `TypeTree` questions) and never read type text:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn no_file_is_over_a_thousand_lines() {
    let mut bad = Vec::new();
    for (path, text) in source_files() {
        let lines = text.lines().count();
        let listed = TOO_LONG.contains(&path.as_str());
        if lines > MAX_LINES && !listed {
            bad.push(format!("{path} has {lines} lines; cut it by concern"));
        }
        if lines <= MAX_LINES && listed {
            bad.push(format!(
                "{path} has {lines} lines now: take it off `TOO_LONG` in tests/tidy.rs"
            ));
        }
    }
    for listed in TOO_LONG {
        assert!(
            source_files().iter().any(|(p, _)| p == listed),
            "{listed} is listed in `TOO_LONG` but does not exist"
        );
    }
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
