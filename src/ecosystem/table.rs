//! The figures of a comparison: findings by verdict per rule, precision, false alarms
//! per 100,000 lines, whether the check passes, and the table the binary prints.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{invalid_entries, Comparison, Entry, How, Observed, Verdict};

/// Findings by verdict for one rule or for all.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Every finding reported.
    pub findings: usize,
    /// Those triaged `real`.
    pub real: usize,
    /// Those triaged `deliberate`.
    pub deliberate: usize,
    /// Those triaged `false`.
    #[serde(rename = "false")]
    pub false_alarms: usize,
    /// Those without a verdict: new findings and `untriaged` entries.
    pub untriaged: usize,
    /// Findings with no entry (a part of `untriaged`).
    pub new: usize,
    /// Entries no finding matched (not part of `findings`).
    pub vanished: usize,
}

impl Counts {
    fn add(&mut self, verdict: Verdict) {
        self.findings += 1;
        match verdict {
            Verdict::Real => self.real += 1,
            Verdict::Deliberate => self.deliberate += 1,
            Verdict::False => self.false_alarms += 1,
            Verdict::Untriaged => self.untriaged += 1,
        }
    }

    /// `(real + deliberate) / findings`; `None` without findings.
    pub fn precision(&self) -> Option<f64> {
        (self.findings > 0).then(|| (self.real + self.deliberate) as f64 / self.findings as f64)
    }

    /// False alarms per 100,000 lines of a corpus of `lines` lines.
    pub fn false_per_100k(&self, lines: u64) -> f64 {
        if lines == 0 {
            0.0
        } else {
            self.false_alarms as f64 * 100_000.0 / lines as f64
        }
    }
}

/// Everything the check prints.
#[derive(Clone, Debug, Serialize)]
pub struct Figures {
    /// Lines of the corpus's `.rs` files, as `wc -l` counts them.
    pub lines: u64,
    /// Counts per rule id, for every rule with a finding or an entry.
    pub rules: BTreeMap<String, Counts>,
    /// Counts over every rule.
    pub total: Counts,
    /// Findings matched on another line.
    pub moved: usize,
    /// Findings matched by rule, file and line only.
    pub by_line: usize,
    /// Findings matched in a new version of their crate.
    pub new_version: usize,
    /// Matched findings whose message is not the one in their entry (the entry's
    /// verdict may be worth a second look; `--update` records the new message).
    pub reworded: usize,
    /// Findings with no entry.
    pub new: Vec<Observed>,
    /// Matched findings whose entry is still `untriaged`.
    pub untriaged: Vec<Observed>,
    /// Entries no finding matched.
    pub vanished: Vec<Entry>,
    /// Entries that are wrong in themselves, with why.
    pub invalid: Vec<(Entry, String)>,
}

impl Figures {
    /// Counts the comparison of `observed` with `entries` on a corpus of `lines`.
    pub fn new(entries: &[Entry], observed: &[Observed], cmp: &Comparison, lines: u64) -> Figures {
        let mut rules: BTreeMap<String, Counts> = BTreeMap::new();
        let mut total = Counts::default();
        let mut fig = Figures {
            lines,
            rules: BTreeMap::new(),
            total: Counts::default(),
            moved: 0,
            by_line: 0,
            new_version: 0,
            reworded: 0,
            new: Vec::new(),
            untriaged: Vec::new(),
            vanished: Vec::new(),
            invalid: Vec::new(),
        };
        for &(o, e, how) in &cmp.matched {
            let f = &observed[o];
            let verdict = entries[e].verdict;
            rules.entry(f.rule.clone()).or_default().add(verdict);
            total.add(verdict);
            if verdict == Verdict::Untriaged {
                fig.untriaged.push(f.clone());
            }
            if entries[e].message != f.message {
                fig.reworded += 1;
            }
            match how {
                How::Same => {}
                How::Moved => fig.moved += 1,
                How::ByLine => fig.by_line += 1,
                How::NewVersion => fig.new_version += 1,
            }
        }
        for &o in &cmp.new {
            let f = &observed[o];
            let counts = rules.entry(f.rule.clone()).or_default();
            counts.add(Verdict::Untriaged);
            counts.new += 1;
            total.add(Verdict::Untriaged);
            total.new += 1;
            fig.new.push(f.clone());
        }
        for &e in &cmp.vanished {
            rules.entry(entries[e].rule.clone()).or_default().vanished += 1;
            total.vanished += 1;
            fig.vanished.push(entries[e].clone());
        }
        fig.invalid = invalid_entries(entries)
            .into_iter()
            .map(|(i, why)| (entries[i].clone(), why.to_string()))
            .collect();
        fig.untriaged
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        fig.new
            .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        fig.rules = rules;
        fig.total = total;
        fig
    }

    /// Whether the triage file and the tool agree: every finding has a verdict, no
    /// entry has vanished, and every entry is well formed.
    pub fn passes(&self) -> bool {
        self.total.untriaged == 0 && self.total.vanished == 0 && self.invalid.is_empty()
    }

    /// Writes the table of counts per rule, then every new, untriaged, vanished and
    /// invalid entry with its location and message.
    pub fn print(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        writeln!(
            out,
            "{:<22} {:>8} {:>5} {:>10} {:>5} {:>9} {:>9} {:>10} {:>4} {:>8}",
            "rule",
            "findings",
            "real",
            "deliberate",
            "false",
            "untriaged",
            "precision",
            "false/100k",
            "new",
            "vanished"
        )?;
        for (rule, c) in &self.rules {
            self.row(out, rule, c)?;
        }
        self.row(out, "total", &self.total)?;
        writeln!(out)?;
        writeln!(
            out,
            "{} matched ({} moved, {} by line, {} in a new crate version, {} with another \
             message); {} new, {} vanished",
            self.total.findings - self.total.new,
            self.moved,
            self.by_line,
            self.new_version,
            self.reworded,
            self.total.new,
            self.total.vanished
        )?;
        if !self.new.is_empty() {
            writeln!(out, "\nnew findings (no triage entry):")?;
            for f in &self.new {
                writeln!(
                    out,
                    "  {}:{}:{}: {}: {}",
                    f.file, f.line, f.column, f.rule, f.message
                )?;
            }
        }
        if !self.untriaged.is_empty() {
            writeln!(out, "\nfindings whose entry is still `untriaged`:")?;
            for f in &self.untriaged {
                writeln!(
                    out,
                    "  {}:{}:{}: {}: {}",
                    f.file, f.line, f.column, f.rule, f.message
                )?;
            }
        }
        if !self.vanished.is_empty() {
            writeln!(out, "\nvanished entries (no longer reported):")?;
            for e in &self.vanished {
                writeln!(
                    out,
                    "  {}:{}: {}: {} (was {}: {})",
                    e.file,
                    e.line,
                    e.rule,
                    e.message,
                    e.verdict.as_str(),
                    e.reason
                )?;
            }
        }
        if !self.invalid.is_empty() {
            writeln!(out, "\ninvalid entries:")?;
            for (e, why) in &self.invalid {
                writeln!(out, "  {}:{}: {}: {why}", e.file, e.line, e.rule)?;
            }
        }
        Ok(())
    }

    fn row(&self, out: &mut impl std::io::Write, name: &str, c: &Counts) -> std::io::Result<()> {
        let precision = c
            .precision()
            .map_or("-".to_string(), |p| format!("{:.1}%", p * 100.0));
        writeln!(
            out,
            "{:<22} {:>8} {:>5} {:>10} {:>5} {:>9} {:>9} {:>10.2} {:>4} {:>8}",
            name,
            c.findings,
            c.real,
            c.deliberate,
            c.false_alarms,
            c.untriaged,
            precision,
            c.false_per_100k(self.lines),
            c.new,
            c.vanished
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::compare;
    use crate::ecosystem::tests::{entry, observed};

    #[test]
    fn the_table_counts_verdicts_precision_and_false_alarms_per_100k_lines() {
        let obs: Vec<Observed> = (0..5)
            .map(|i| {
                observed(
                    "split-atomic-update",
                    "a-1.0.0/x.rs",
                    i + 1,
                    &format!("p{i}"),
                )
            })
            .chain([observed("double-lock", "a-1.0.0/x.rs", 9, "q")])
            .collect();
        let verdicts = [
            Verdict::Real,
            Verdict::Deliberate,
            Verdict::False,
            Verdict::False,
        ];
        let mut entries: Vec<Entry> = obs.iter().zip(verdicts).map(|(o, v)| entry(o, v)).collect();
        entries.push(entry(
            &observed("double-lock", "a-1.0.0/x.rs", 99, "gone"),
            Verdict::Real,
        ));
        let cmp = compare(&entries, &obs);
        let fig = Figures::new(&entries, &obs, &cmp, 200_000);
        let split = fig.rules["split-atomic-update"];
        assert_eq!(
            (
                split.findings,
                split.real,
                split.deliberate,
                split.false_alarms,
                split.untriaged
            ),
            (5, 1, 1, 2, 1)
        );
        assert_eq!(split.new, 1);
        assert_eq!(split.precision(), Some(0.4));
        assert!((split.false_per_100k(fig.lines) - 1.0).abs() < 1e-9);
        let double = fig.rules["double-lock"];
        assert_eq!((double.findings, double.new, double.vanished), (1, 1, 1));
        assert_eq!(fig.total.findings, 6);
        assert_eq!(fig.total.untriaged, 2);
        assert_eq!(Counts::default().precision(), None);
        assert!(!fig.passes());

        let mut out = Vec::new();
        fig.print(&mut out).expect("write to a vector");
        let text = String::from_utf8(out).expect("utf-8");
        let row = text
            .lines()
            .find(|l| l.starts_with("split-atomic-update"))
            .expect("a row per rule");
        let cells: Vec<&str> = row.split_whitespace().collect();
        assert_eq!(
            cells,
            [
                "split-atomic-update",
                "5",
                "1",
                "1",
                "2",
                "1",
                "40.0%",
                "1.00",
                "1",
                "0"
            ]
        );
        let total = text
            .lines()
            .find(|l| l.starts_with("total"))
            .expect("a total row");
        assert_eq!(total.split_whitespace().nth(1), Some("6"));
        assert!(
            text.contains("a-1.0.0/x.rs:5:1: split-atomic-update: message of p4"),
            "{text}"
        );
        assert!(
            text.contains("a-1.0.0/x.rs:99: double-lock: message of gone (was real: because)"),
            "{text}"
        );
    }

    #[test]
    fn a_clean_comparison_passes() {
        let obs = vec![observed("double-lock", "a-1.0.0/x.rs", 3, "aaaa")];
        let entries = vec![entry(&obs[0], Verdict::False)];
        let fig = Figures::new(&entries, &obs, &compare(&entries, &obs), 10);
        assert!(fig.passes());
        assert_eq!(fig.reworded, 0);
        let reworded = vec![Entry {
            message: "an older message".to_string(),
            ..entry(&obs[0], Verdict::False)
        }];
        let fig = Figures::new(&reworded, &obs, &compare(&reworded, &obs), 10);
        assert!(fig.passes());
        assert_eq!(fig.reworded, 1);
        let unreasoned = vec![Entry {
            reason: " ".to_string(),
            ..entry(&obs[0], Verdict::False)
        }];
        let fig = Figures::new(&unreasoned, &obs, &compare(&unreasoned, &obs), 10);
        assert!(!fig.passes());
        assert_eq!(fig.invalid[0].1, "a verdict needs a reason");
    }
}
