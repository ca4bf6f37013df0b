//! Matching findings with the triage file's entries: by fingerprint, then by line,
//! then across a crate's versions ([`compare`]); and the triage file a run's findings
//! make of it ([`update`]).

use std::collections::HashMap;

use serde::Serialize;

use super::{sort_entries, Entry, Observed, Verdict};

/// How a finding was matched to its entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum How {
    /// Same file, fingerprint and line.
    Same,
    /// Same file and fingerprint, another line: lines were added or removed above.
    Moved,
    /// Same rule, file and line, another fingerprint: the line's text or the item
    /// around it changed.
    ByLine,
    /// Same fingerprint in another version of the same crate.
    NewVersion,
}

/// The result of [`compare`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Comparison {
    /// `(observed, entry, how)` by index into the two inputs, in the order of the
    /// observed findings.
    pub matched: Vec<(usize, usize, How)>,
    /// Observed findings with no entry.
    pub new: Vec<usize>,
    /// Entries no finding matched.
    pub vanished: Vec<usize>,
}

/// Matches findings with entries: by file and fingerprint first (on another line, the
/// finding has moved), then the findings left by rule, file and line, then by
/// fingerprint alone, which carries an entry to a new version of its crate. Each
/// entry matches at most one finding.
pub fn compare(entries: &[Entry], observed: &[Observed]) -> Comparison {
    let mut taken = vec![false; entries.len()];
    let mut found: Vec<Option<(usize, How)>> = vec![None; observed.len()];

    let mut by_print: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    let mut by_line: HashMap<(&str, &str, u32), Vec<usize>> = HashMap::new();
    let mut by_version: HashMap<(&str, &str), Vec<usize>> = HashMap::new();
    for (i, e) in entries.iter().enumerate() {
        by_print
            .entry((e.file.as_str(), e.fingerprint.as_str()))
            .or_default()
            .push(i);
        by_line
            .entry((e.rule.as_str(), e.file.as_str(), e.line))
            .or_default()
            .push(i);
        by_version
            .entry((e.rule.as_str(), e.fingerprint.as_str()))
            .or_default()
            .push(i);
    }
    let take = |candidates: Option<&Vec<usize>>, taken: &mut Vec<bool>| {
        let i = candidates?.iter().copied().find(|&i| !taken[i])?;
        taken[i] = true;
        Some(i)
    };
    for (o, f) in observed.iter().enumerate() {
        if let Some(e) = take(by_print.get(&(&f.file[..], &f.fingerprint[..])), &mut taken) {
            let how = if entries[e].line == f.line {
                How::Same
            } else {
                How::Moved
            };
            found[o] = Some((e, how));
        }
    }
    for (o, f) in observed.iter().enumerate() {
        if found[o].is_none() {
            let key = (&f.rule[..], &f.file[..], f.line);
            if let Some(e) = take(by_line.get(&key), &mut taken) {
                found[o] = Some((e, How::ByLine));
            }
        }
    }
    for (o, f) in observed.iter().enumerate() {
        if found[o].is_none() {
            let key = (&f.rule[..], &f.fingerprint[..]);
            if let Some(e) = take(by_version.get(&key), &mut taken) {
                found[o] = Some((e, How::NewVersion));
            }
        }
    }
    let mut cmp = Comparison::default();
    for (o, hit) in found.into_iter().enumerate() {
        match hit {
            Some((e, how)) => cmp.matched.push((o, e, how)),
            None => cmp.new.push(o),
        }
    }
    cmp.vanished = (0..entries.len()).filter(|&i| !taken[i]).collect();
    cmp
}

/// The triage file after `--update`: every observed finding, with the verdict and
/// reason of its entry (and its location, fingerprint and message brought up to
/// date), or `untriaged` with an empty reason when it has none; vanished entries
/// are dropped. Sorted by file, line, rule and fingerprint, so that new entries land
/// next to their neighbours and two branches seldom touch the same lines.
pub fn update(entries: &[Entry], observed: &[Observed], cmp: &Comparison) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::with_capacity(observed.len());
    let verdict_of: HashMap<usize, usize> = cmp.matched.iter().map(|&(o, e, _)| (o, e)).collect();
    for (o, f) in observed.iter().enumerate() {
        let (verdict, reason) = match verdict_of.get(&o) {
            Some(&e) => (entries[e].verdict, entries[e].reason.clone()),
            None => (Verdict::Untriaged, String::new()),
        };
        out.push(Entry {
            rule: f.rule.clone(),
            file: f.file.clone(),
            line: f.line,
            fingerprint: f.fingerprint.clone(),
            verdict,
            reason,
            message: f.message.clone(),
        });
    }
    sort_entries(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::tests::{entry, observed};
    use crate::ecosystem::Figures;

    #[test]
    fn matching_by_fingerprint_then_line_then_crate_version() {
        let same = observed("double-lock", "a-1.0.0/x.rs", 10, "aaaa");
        let moved = observed("double-lock", "a-1.0.0/x.rs", 30, "bbbb");
        let by_line = observed("double-lock", "a-1.0.0/x.rs", 40, "cccc");
        let version = observed("double-lock", "b-2.0.0/y.rs", 5, "dddd");
        let new = observed("double-lock", "a-1.0.0/x.rs", 50, "eeee");
        let mut entries = vec![
            entry(&same, Verdict::Real),
            Entry {
                line: 20,
                ..entry(&moved, Verdict::False)
            },
            Entry {
                fingerprint: "old".to_string(),
                ..entry(&by_line, Verdict::Deliberate)
            },
            Entry {
                file: "b-1.9.0/y.rs".to_string(),
                ..entry(&version, Verdict::Real)
            },
            entry(
                &observed("lock-order-inversion", "a-1.0.0/x.rs", 60, "ffff"),
                Verdict::Real,
            ),
        ];
        sort_entries(&mut entries);
        let obs = vec![same, moved, by_line, version, new];
        let cmp = compare(&entries, &obs);
        let how: Vec<(usize, How)> = cmp.matched.iter().map(|&(o, _, h)| (o, h)).collect();
        assert_eq!(
            how,
            [
                (0, How::Same),
                (1, How::Moved),
                (2, How::ByLine),
                (3, How::NewVersion)
            ]
        );
        for &(o, e, _) in &cmp.matched {
            assert_eq!(entries[e].rule, obs[o].rule);
        }
        assert_eq!(cmp.new, [4]);
        assert_eq!(cmp.vanished.len(), 1);
        assert_eq!(entries[cmp.vanished[0]].rule, "lock-order-inversion");

        // The update keeps the verdicts, refreshes the rest, drops the vanished entry
        // and adds the new finding as untriaged.
        let updated = update(&entries, &obs, &cmp);
        assert_eq!(updated.len(), 5);
        let find = |line: u32| {
            updated
                .iter()
                .find(|e| e.line == line)
                .expect("an entry on that line")
        };
        assert_eq!(find(30).verdict, Verdict::False);
        assert_eq!(find(40).fingerprint, "cccc");
        assert_eq!(find(40).verdict, Verdict::Deliberate);
        assert_eq!(find(5).file, "b-2.0.0/y.rs");
        assert_eq!(
            (find(50).verdict, find(50).reason.as_str()),
            (Verdict::Untriaged, "")
        );
        assert!(updated.iter().all(|e| e.rule == "double-lock"));
        // After the update everything matches at its place, and only the new finding
        // still needs a verdict.
        let again = compare(&updated, &obs);
        assert!(again.new.is_empty() && again.vanished.is_empty());
        assert!(again.matched.iter().all(|&(_, _, h)| h == How::Same));
        let fig = Figures::new(&updated, &obs, &again, 1000);
        assert!(!fig.passes());
        assert_eq!(fig.untriaged.len(), 1);
    }

    #[test]
    fn an_entry_matches_one_finding_only() {
        let a = observed("double-lock", "a-1.0.0/x.rs", 10, "aaaa");
        let b = observed("double-lock", "a-1.0.0/x.rs", 10, "bbbb");
        let entries = vec![entry(&a, Verdict::Real)];
        let cmp = compare(&entries, &[a, b]);
        assert_eq!(cmp.matched, [(0, 0, How::Same)]);
        assert_eq!(cmp.new, [1]);
        assert!(cmp.vanished.is_empty());
    }
}
