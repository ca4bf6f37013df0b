//! Checks every rule page (`rules/<id>.md`, embedded as `meta().doc`): the fixed
//! headings are there in order, `Default:` matches the registry, every `rust` block
//! under `## Example` is flagged by its rule and every one under `## Fixed` is clean.
//!
//! Blocks run with only their own rule enabled. A block may carry `//~` annotations,
//! which are then checked both ways as in the fixtures; without them, only the count
//! of findings is checked. This test does not check prose: wording and one sentence
//! per line are left to review.

mod support;

use synclint::rules::ALL;
use synclint::source::SourceFile;

/// The second-level headings every page has, in this order.
const SECTIONS: &[&str] = &[
    "What it flags",
    "Why it is a hazard",
    "Example",
    "Fixed",
    "Options",
    "Known limits",
];

/// A fenced code block of a page.
#[derive(Debug)]
struct Block {
    /// The `##` section it is under.
    section: String,
    /// Its position among the `rust` blocks of that section, from 1.
    n: usize,
    /// The page line of its opening fence, from 1.
    line: usize,
    /// The info string after the opening fence.
    info: String,
    /// The code between the fences.
    code: String,
}

/// The parts of a page this test looks at.
#[derive(Debug, Default)]
struct Page {
    /// The text of the `# ` title line.
    title: Option<String>,
    /// The value of the `Default:` line.
    default: Option<String>,
    /// The `## ` headings outside code blocks, in order.
    sections: Vec<String>,
    blocks: Vec<Block>,
    /// Structural problems found while reading.
    problems: Vec<String>,
}

/// Reads a page: headings and fences, skipping anything inside code blocks.
fn parse_page(doc: &str) -> Page {
    let mut page = Page::default();
    let mut open: Option<Block> = None;
    let mut section = String::new();
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for (i, line) in doc.lines().enumerate() {
        let line_no = i + 1;
        if let Some(block) = open.as_mut() {
            if line.trim_start().starts_with("```") {
                page.blocks.extend(open.take());
            } else {
                block.code.push_str(line);
                block.code.push('\n');
            }
            continue;
        }
        if let Some(info) = line.trim_start().strip_prefix("```") {
            let info = info.trim().to_string();
            let n = if is_rust(&info) {
                let n = counts.entry(section.clone()).or_default();
                *n += 1;
                *n
            } else {
                0
            };
            open = Some(Block {
                section: section.clone(),
                n,
                line: line_no,
                info,
                code: String::new(),
            });
        } else if let Some(title) = line.strip_prefix("# ") {
            if page.title.is_some() {
                page.problems
                    .push(format!("line {line_no}: a second `# ` title"));
            }
            page.title = Some(title.trim().to_string());
        } else if let Some(heading) = line.strip_prefix("## ") {
            section = heading.trim().to_string();
            page.sections.push(section.clone());
        } else if let Some(level) = line.strip_prefix("Default:") {
            if page.default.is_some() {
                page.problems
                    .push(format!("line {line_no}: a second `Default:` line"));
            }
            if !page.sections.is_empty() {
                page.problems.push(format!(
                    "line {line_no}: `Default:` must come before the first `##` heading"
                ));
            }
            page.default = Some(level.trim().to_string());
        }
    }
    if let Some(block) = open {
        page.problems
            .push(format!("line {}: code block is never closed", block.line));
    }
    page
}

/// Whether a fence's info string marks Rust code (`rust`, `rust,edition2024`...).
fn is_rust(info: &str) -> bool {
    info.split(',').next().map(str::trim) == Some("rust")
}

/// Every problem with one rule's page; empty when it is right.
fn check_page(id: &str, default: &str, doc: &str) -> Vec<String> {
    let page = parse_page(doc);
    let mut problems = page.problems.clone();
    if page.title.as_deref() != Some(id) {
        problems.push(format!(
            "title is {:?}, expected `# {id}`",
            page.title.as_deref().unwrap_or("missing")
        ));
    }
    match page.default.as_deref() {
        Some(level) if level == default => {}
        Some(level) => problems.push(format!(
            "`Default: {level}` but the registry says `{default}`"
        )),
        None => problems.push(format!("no `Default: {default}` line")),
    }
    if page.sections != SECTIONS {
        problems.push(format!(
            "`##` headings are {:?}, expected exactly {SECTIONS:?} in this order",
            page.sections
        ));
    }
    for section in ["Example", "Fixed"] {
        let blocks: Vec<&Block> = page
            .blocks
            .iter()
            .filter(|b| b.section == section)
            .collect();
        if !blocks.iter().any(|b| is_rust(&b.info)) {
            problems.push(format!("`## {section}` has no ```rust block"));
        }
        for block in blocks {
            if is_rust(&block.info) {
                problems.extend(check_block(id, block));
            } else {
                problems.push(format!(
                    "`## {section}`: the block at line {} is ```{} but only ```rust blocks belong here",
                    block.line, block.info
                ));
            }
        }
    }
    problems
}

/// Runs one code block with only rule `id` enabled and compares with what its section
/// promises.
fn check_block(id: &str, block: &Block) -> Vec<String> {
    let what = format!(
        "`## {}` block {} (page line {})",
        block.section, block.n, block.line
    );
    let file_name = format!("rules/{id}.md#{}-{}", block.section.to_lowercase(), block.n);
    let edition = support::header_edition(&block.code).unwrap_or_default();
    let report = support::run_rule(
        id,
        vec![SourceFile::new(&file_name, block.code.as_str(), edition)],
    );
    let mut problems = Vec::new();
    for p in &report.problems {
        problems.push(format!("{what} does not parse: {}", p.message));
    }
    let found: Vec<String> = report
        .findings
        .iter()
        .filter(|f| f.rule == id)
        .map(|f| format!("line {}: {}", f.primary.line, f.message))
        .collect();
    if block.section == "Example" && found.is_empty() {
        problems.push(format!(
            "{what} should produce at least one `{id}` finding and produces none"
        ));
    }
    if block.section == "Fixed" && !found.is_empty() {
        problems.push(format!(
            "{what} should produce no `{id}` finding and produces {}:\n      {}",
            found.len(),
            found.join("\n      ")
        ));
    }
    let annotations = support::expectations(&block.code);
    for other in annotations.iter().filter(|e| e.rule != id) {
        problems.push(format!(
            "{what}: line {} annotates `{}`, but only `{id}` runs on this page",
            other.line, other.rule
        ));
    }
    if annotations.iter().any(|e| e.rule == id) {
        for mismatch in support::check_text(id, &file_name, &block.code) {
            problems.push(format!("{what}: {mismatch}"));
        }
    }
    problems
}

#[test]
fn rule_pages_match_the_registry_and_their_examples_hold() {
    let mut failures = Vec::new();
    for rule in ALL {
        let meta = rule.meta();
        for problem in check_page(meta.id, meta.default.as_str(), meta.doc) {
            failures.push(format!("{} (rules/{}.md): {problem}", meta.id, meta.id));
        }
    }
    assert!(
        failures.is_empty(),
        "{} problem(s) in rule pages:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

// The checks above are only as good as the page reader; these pin it down on a page
// made up for the purpose, run against a real rule.

const GOOD_PAGE: &str = "# discarded-guard

Default: warn

## What it flags

A guard dropped at once.

## Why it is a hazard

Nothing is protected.

## Example

```rust
fn f(m: &std::sync::Mutex<u32>) {
    let _ = m.lock(); //~ discarded-guard
}
```

## Fixed

```rust
fn f(m: &std::sync::Mutex<u32>) {
    let _g = m.lock();
}
```

## Options

None.

## Known limits

None.
";

#[test]
fn a_well_formed_page_passes() {
    assert_eq!(
        check_page("discarded-guard", "warn", GOOD_PAGE),
        Vec::<String>::new()
    );
    let page = parse_page(GOOD_PAGE);
    let blocks: Vec<(&str, usize)> = page
        .blocks
        .iter()
        .map(|b| (b.section.as_str(), b.n))
        .collect();
    assert_eq!(blocks, [("Example", 1), ("Fixed", 1)]);
}

#[test]
fn page_problems_are_reported() {
    let swapped = GOOD_PAGE.replace("## Options", "## Opts");
    assert!(check_page("discarded-guard", "warn", &swapped)
        .iter()
        .any(|p| p.contains("`##` headings")));

    let wrong_level = check_page("discarded-guard", "deny", GOOD_PAGE);
    assert!(wrong_level
        .iter()
        .any(|p| p.contains("registry says `deny`")));

    let clean_example = GOOD_PAGE.replace(
        "let _ = m.lock(); //~ discarded-guard",
        "let _g = m.lock();",
    );
    let problems = check_page("discarded-guard", "warn", &clean_example);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`## Example` block 1") && p.contains("produces none")),
        "{problems:?}"
    );

    let flagged_fix = GOOD_PAGE.replace("let _g = m.lock();", "let _ = m.lock();");
    let problems = check_page("discarded-guard", "warn", &flagged_fix);
    assert!(
        problems
            .iter()
            .any(|p| p.contains("`## Fixed` block 1") && p.contains("produces 1")),
        "{problems:?}"
    );

    let misannotated = GOOD_PAGE.replace(
        "let _ = m.lock(); //~ discarded-guard",
        "let _ = m.lock();\n    //~ discarded-guard",
    );
    let problems = check_page("discarded-guard", "warn", &misannotated);
    assert!(
        problems.iter().any(|p| p.contains("missing:")),
        "{problems:?}"
    );
}
