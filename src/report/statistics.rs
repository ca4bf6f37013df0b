//! `--statistics`: how many findings each rule reported, instead of the findings.
//!
//! As a table (every format but `json`), most frequent first, then by rule id:
//!
//! ```text
//!   12  lock-across-await     warning
//!    3  split-atomic-update   warning  3 fixable
//!    1  double-lock           error
//! 16 findings in 9 files (120 files checked)
//! ```
//!
//! The last line is the human footer (see [`super::human::footer`]); a run with no
//! findings prints only it. With `--format json`, one document on one line:
//!
//! ```text
//! { "version": 1,
//!   "statistics": [ { "rule": "lock-across-await", "severity": "warning", "count": 12, "fixable": 0 } ] }
//! ```
//!
//! A rule reported at two severities (a level set per path) has a row for each.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::report::finding::Finding;
use crate::report::Summary;

/// The schema version of the JSON statistics document.
pub const VERSION: u32 = 1;

/// One rule's count at one severity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Row {
    /// The rule id.
    pub rule: &'static str,
    /// `error`, `warning` or `note`.
    pub severity: &'static str,
    /// Findings of the rule.
    pub count: usize,
    /// How many of them carry a machine-applicable fix.
    pub fixable: usize,
}

/// The rows for `findings`, most frequent first, then by rule id and severity.
pub fn rows(findings: &[Finding]) -> Vec<Row> {
    let mut counts: BTreeMap<(&'static str, &'static str), (usize, usize)> = BTreeMap::new();
    for f in findings {
        let entry = counts.entry((f.rule, f.severity.as_str())).or_default();
        entry.0 += 1;
        entry.1 += usize::from(f.fix.is_some());
    }
    let mut rows: Vec<Row> = counts
        .into_iter()
        .map(|((rule, severity), (count, fixable))| Row {
            rule,
            severity,
            count,
            fixable,
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then(a.rule.cmp(b.rule)));
    rows
}

/// The table, then the footer line.
pub fn write_table(out: &mut impl Write, rows: &[Row], summary: &Summary) -> io::Result<()> {
    let count_w = rows
        .iter()
        .map(|r| r.count.to_string().len())
        .max()
        .unwrap_or(1);
    let rule_w = rows.iter().map(|r| r.rule.len()).max().unwrap_or(0);
    let sev_w = rows.iter().map(|r| r.severity.len()).max().unwrap_or(0);
    for r in rows {
        let fixable = if r.fixable > 0 {
            format!("{} fixable", r.fixable)
        } else {
            String::new()
        };
        let line = format!(
            "{:>count_w$}  {:<rule_w$}  {:<sev_w$}  {fixable}",
            r.count, r.rule, r.severity
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(out, "{}", super::human::footer(summary))?;
    out.flush()
}

/// The JSON document, on one line.
pub fn write_json(out: &mut impl Write, rows: &[Row]) -> io::Result<()> {
    #[derive(Serialize)]
    struct Document<'a> {
        version: u32,
        statistics: &'a [Row],
    }
    let doc = Document {
        version: VERSION,
        statistics: rows,
    };
    super::escape::write_json(&mut *out, &doc)?;
    out.write_all(b"\n")?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::finding::Severity;
    use crate::report::testing::{sample_finding, sample_sources};

    #[test]
    fn rows_count_per_rule_most_frequent_first() {
        let (sources, a, _) = sample_sources();
        let one = sample_finding(&sources, a, None);
        let mut other = one.clone();
        other.rule = "double-lock";
        other.severity = Severity::Deny;
        let rows = rows(&[one.clone(), other, one]);
        assert_eq!(
            rows,
            [
                Row {
                    rule: "lock-across-await",
                    severity: "warning",
                    count: 2,
                    fixable: 0
                },
                Row {
                    rule: "double-lock",
                    severity: "error",
                    count: 1,
                    fixable: 0
                },
            ]
        );
        let mut out = Vec::new();
        let summary = Summary {
            files_checked: 2,
            findings: 3,
            files_with_findings: 1,
            ..Summary::default()
        };
        write_table(&mut out, &rows, &summary).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "2  lock-across-await  warning\n\
             1  double-lock        error\n\
             3 findings in 1 file (2 files checked)\n"
        );
        let mut out = Vec::new();
        write_json(&mut out, &rows[1..]).expect("write");
        assert_eq!(
            String::from_utf8(out).expect("utf-8"),
            "{\"version\":1,\"statistics\":[{\"rule\":\"double-lock\",\"severity\":\"error\",\"count\":1,\"fixable\":0}]}\n"
        );
    }
}
