//! The triage file (`triage/corpus.toml`): its entries and verdicts, reading and
//! writing it (with the header that explains it), sorting its entries, and the
//! entries that are wrong whatever the tool reports.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

/// What a careful reader decided about one finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// A genuine hazard a maintainer would want to know about.
    Real,
    /// The pattern is really there, on purpose: a test, a benchmark, a documented
    /// protocol.
    Deliberate,
    /// A false alarm: a careful reviewer would dismiss it.
    False,
    /// Not decided yet; the check fails until a person decides.
    Untriaged,
}

impl Verdict {
    /// The word the triage file uses.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Real => "real",
            Verdict::Deliberate => "deliberate",
            Verdict::False => "false",
            Verdict::Untriaged => "untriaged",
        }
    }
}

/// One entry of the triage file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// The rule id.
    pub rule: String,
    /// The file, relative to the corpus root, `/`-separated.
    pub file: String,
    /// The 1-based line of the finding when it was last triaged or updated.
    pub line: u32,
    /// See [`fingerprint`](super::fingerprint()).
    pub fingerprint: String,
    /// The verdict.
    pub verdict: Verdict,
    /// Why, in one line; empty only while the verdict is `untriaged`.
    #[serde(default)]
    pub reason: String,
    /// The finding's message when it was last updated, so that a vanished entry can
    /// still say what it was.
    #[serde(default)]
    pub message: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriageDoc {
    #[serde(default)]
    finding: Vec<Entry>,
}

/// The comment at the top of the triage file; [`render_triage`] writes it.
pub const TRIAGE_HEADER: &str = "\
# Every finding synclint reports on the shared corpus (`../shared/bench`), with a verdict.
# `cargo run --release --features dev --bin synclint-ecosystem` checks that this file and
# the tool agree; `-- --update` rewrites it (matched entries kept, vanished ones dropped,
# new findings added as `untriaged`). See docs/ecosystem.md.
#
# verdict: `real` (a hazard a maintainer would want to know about), `deliberate` (the
# pattern is there on purpose: a test, a benchmark, a documented protocol), `false` (a
# false alarm), `untriaged` (not decided yet: the check fails).
# fingerprint: see docs/ecosystem.md; `line` is a hint, kept up to date by `--update`.
";

/// Reads the text of a triage file.
pub fn parse_triage(text: &str) -> Result<Vec<Entry>, String> {
    let doc: TriageDoc = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(doc.finding)
}

/// Writes entries as the text of a triage file, in the order given.
pub fn render_triage(entries: &[Entry]) -> String {
    let mut out = String::from(TRIAGE_HEADER);
    for e in entries {
        out.push_str("\n[[finding]]\n");
        let _ = writeln!(out, "rule = {}", toml_string(&e.rule));
        let _ = writeln!(out, "file = {}", toml_string(&e.file));
        let _ = writeln!(out, "line = {}", e.line);
        let _ = writeln!(out, "fingerprint = {}", toml_string(&e.fingerprint));
        let _ = writeln!(out, "verdict = {}", toml_string(e.verdict.as_str()));
        let _ = writeln!(out, "reason = {}", toml_string(&e.reason));
        let _ = writeln!(out, "message = {}", toml_string(&e.message));
    }
    out
}

/// A TOML basic string: quoted, with quotes, backslashes and control characters
/// escaped, so that every value stays on one line.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Sorts entries by file, line, rule and fingerprint.
pub fn sort_entries(entries: &mut [Entry]) {
    entries.sort_by(|a, b| {
        (&a.file, a.line, &a.rule, &a.fingerprint).cmp(&(&b.file, b.line, &b.rule, &b.fingerprint))
    });
}

/// Entries that are wrong whatever the tool reports: a verdict without a reason, or
/// a fingerprint given twice in one file. Each comes with what is wrong.
pub fn invalid_entries(entries: &[Entry]) -> Vec<(usize, &'static str)> {
    let mut out = Vec::new();
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        if e.verdict != Verdict::Untriaged && e.reason.trim().is_empty() {
            out.push((i, "a verdict needs a reason"));
        }
        if seen
            .insert((e.file.as_str(), e.fingerprint.as_str()), i)
            .is_some()
        {
            out.push((i, "the same fingerprint twice in one file"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::tests::{entry, observed};

    #[test]
    fn the_triage_file_round_trips_and_rejects_unknown_keys() {
        let o = observed("double-lock", "a-1.0.0/x.rs", 3, "aaaa");
        let entries = vec![
            Entry {
                reason: "a \"quoted\" \\ reason\twith a tab".to_string(),
                ..entry(&o, Verdict::Deliberate)
            },
            entry(
                &observed("exposed-guard", "b-0.1.0/y.rs", 7, "bbbb"),
                Verdict::Untriaged,
            ),
        ];
        let text = render_triage(&entries);
        assert!(text.starts_with(TRIAGE_HEADER));
        assert_eq!(parse_triage(&text), Ok(entries));
        assert_eq!(parse_triage(TRIAGE_HEADER), Ok(Vec::new()));
        let bad = "[[finding]]\nrule = \"x\"\nfile = \"f\"\nline = 1\nfingerprint = \"p\"\nverdict = \"maybe\"\n";
        assert!(parse_triage(bad).is_err());
        let extra = text.replace("message =", "messages =");
        assert!(parse_triage(&extra).is_err());
    }
}
