//! The ecosystem check behind `synclint-ecosystem`: every finding of the default
//! analysis on a corpus of real crates compared with a committed triage file, in the
//! manner of clippy's `lintcheck` and ruff's ecosystem check.
//!
//! The triage file (`triage/corpus.toml`) holds one `[[finding]]` entry per finding:
//! rule, file (relative to the corpus root), line, fingerprint, verdict (`real`,
//! `deliberate`, `false` or `untriaged`), a one-line reason and the message. The
//! fingerprint ([`fingerprint`]) hashes the rule, the file without its crate's
//! version, the whitespace-collapsed text of the finding's line, the header of the
//! item around it and an occurrence index among findings that share all of these, so
//! that lines inserted elsewhere in the file, a crate's new version or a change to
//! another rule leave it alone. The line is a hint for people and a fallback for
//! matching ([`compare`]).
//!
//! This module reads findings, compares and counts; it does not run the analysis,
//! fetch the corpus, read or write files, or decide the exit code (the binary does).
//!
//! The folder is cut by concern: `triage` (the triage file and its entries),
//! `fingerprint` (what is observed of a finding, and its fingerprint), `matching`
//! (findings against entries) and `table` (the counts and the printed table).

mod fingerprint;
mod matching;
mod table;
mod triage;

pub use fingerprint::{
    fingerprint, line_context, observe, observe_sites, relative, unversioned, Observed, Site,
};
pub use matching::{compare, update, Comparison, How};
pub use table::{Counts, Figures};
pub use triage::{
    invalid_entries, parse_triage, render_triage, sort_entries, Entry, Verdict, TRIAGE_HEADER,
};

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn observed(rule: &str, file: &str, line: u32, print: &str) -> Observed {
        Observed {
            rule: rule.to_string(),
            file: file.to_string(),
            line,
            column: 1,
            message: format!("message of {print}"),
            fingerprint: print.to_string(),
        }
    }

    pub(crate) fn entry(o: &Observed, verdict: Verdict) -> Entry {
        Entry {
            rule: o.rule.clone(),
            file: o.file.clone(),
            line: o.line,
            fingerprint: o.fingerprint.clone(),
            verdict,
            reason: if verdict == Verdict::Untriaged {
                String::new()
            } else {
                "because".to_string()
            },
            message: o.message.clone(),
        }
    }
}
