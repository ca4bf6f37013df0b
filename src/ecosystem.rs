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

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::Report;

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
    /// See [`fingerprint`].
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
# `cargo run --release --bin synclint-ecosystem` checks that this file and the tool agree;
# `-- --update` rewrites it (matched entries kept, vanished ones dropped, new findings
# added as `untriaged`). See docs/ecosystem.md.
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

/// One finding as the check sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Observed {
    /// The rule id.
    pub rule: String,
    /// The file, relative to the corpus root, `/`-separated.
    pub file: String,
    /// 1-based line of the primary span.
    pub line: u32,
    /// 1-based column of the primary span.
    pub column: u32,
    /// The finding's message.
    pub message: String,
    /// See [`fingerprint`].
    pub fingerprint: String,
}

/// A finding with the text of its file, before fingerprinting.
#[derive(Clone, Copy, Debug)]
pub struct Site<'a> {
    /// The rule id.
    pub rule: &'a str,
    /// The file, relative to the corpus root, `/`-separated.
    pub file: &'a str,
    /// The whole text of the file (empty when it could not be read again).
    pub text: &'a str,
    /// 1-based line of the primary span.
    pub line: u32,
    /// 1-based column of the primary span.
    pub column: u32,
    /// The finding's message.
    pub message: &'a str,
}

/// The findings of a run on the corpus at `root`, with paths relative to it.
pub fn observe(report: &Report, root: &Path) -> Vec<Observed> {
    let files: Vec<String> = report
        .findings
        .iter()
        .map(|f| relative(&report.sources.get(f.primary.file).path, root))
        .collect();
    let sites: Vec<Site> = report
        .findings
        .iter()
        .zip(&files)
        .map(|(f, file)| Site {
            rule: f.rule,
            file,
            text: &report.sources.get(f.primary.file).text,
            line: f.primary.line,
            column: f.primary.column,
            message: &f.message,
        })
        .collect();
    observe_sites(&sites)
}

/// `path` relative to `root`, `/`-separated; as shown to users when it is not under
/// `root`.
pub fn relative(path: &Path, root: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    crate::source::display_path(rel)
}

/// Fingerprints each site; the occurrence index counts, in the order of line, column
/// and message, the earlier sites with the same rule, file, line text and header.
pub fn observe_sites(sites: &[Site]) -> Vec<Observed> {
    let mut order: Vec<usize> = (0..sites.len()).collect();
    order.sort_by(|&a, &b| {
        let (a, b) = (&sites[a], &sites[b]);
        (a.file, a.line, a.column, a.rule, a.message)
            .cmp(&(b.file, b.line, b.column, b.rule, b.message))
    });
    let mut seen: HashMap<(String, String, String, String), u32> = HashMap::new();
    let mut out = Vec::with_capacity(sites.len());
    for i in order {
        let s = &sites[i];
        let (text, header) = line_context(s.text, s.line);
        let key = (s.rule.to_string(), s.file.to_string(), text, header);
        let index = seen.entry(key.clone()).or_insert(0);
        let print = fingerprint(s.rule, s.file, &key.2, &key.3, *index);
        *index += 1;
        out.push(Observed {
            rule: s.rule.to_string(),
            file: s.file.to_string(),
            line: s.line,
            column: s.column,
            message: s.message.to_string(),
            fingerprint: print,
        });
    }
    out
}

/// The fingerprint of a finding: 16 hex digits of the 64-bit FNV-1a hash of the rule,
/// the file with its crate folder's version left out ([`unversioned`]), the line's
/// text and the enclosing item's header (both from [`line_context`]) and the
/// occurrence index, mixed by MurmurHash3's 64-bit finaliser so that inputs that
/// differ only at the end do not give look-alike values. Both are written out here
/// so that the value never depends on the standard library's hasher.
pub fn fingerprint(rule: &str, file: &str, line_text: &str, header: &str, index: u32) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let index = index.to_string();
    let file = unversioned(file);
    for (i, part) in [rule, &file, line_text, header, &index].iter().enumerate() {
        if i > 0 {
            // A separator no source text contains, so that parts cannot run together.
            hash = fnv(hash, &[0x1f]);
        }
        hash = fnv(hash, part.as_bytes());
    }
    format!("{:016x}", fmix64(hash))
}

/// MurmurHash3's finaliser: every input bit flips each output bit with probability
/// about one half.
fn fmix64(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn fnv(mut hash: u64, bytes: &[u8]) -> u64 {
    for &b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    hash
}

/// `file` without the version of the crate folder it starts with:
/// `tokio-1.54.1/src/io/split.rs` becomes `tokio/src/io/split.rs`, so that a finding
/// in code a new version of the crate did not change keeps its fingerprint.
/// A first folder that does not end in `-<major>.<minor>.<patch>` (with an optional
/// pre-release or build suffix) is kept as it is.
pub fn unversioned(file: &str) -> String {
    let (first, rest) = match file.split_once('/') {
        Some((first, rest)) => (first, Some(rest)),
        None => (file, None),
    };
    let name = first
        .match_indices('-')
        .map(|(i, _)| i)
        .find(|&i| is_version(&first[i + 1..]))
        .map_or(first, |i| &first[..i]);
    match rest {
        Some(rest) => format!("{name}/{rest}"),
        None => name.to_string(),
    }
}

/// Whether `s` starts a semantic version: three dot-separated numbers, then nothing
/// or a `-`/`+` suffix.
fn is_version(s: &str) -> bool {
    let mut rest = s;
    for i in 0..3 {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return false;
        }
        rest = &rest[digits..];
        if i < 2 {
            match rest.strip_prefix('.') {
                Some(r) => rest = r,
                None => return false,
            }
        }
    }
    rest.is_empty() || rest.starts_with('-') || rest.starts_with('+')
}

/// The whitespace-collapsed text of 1-based `line` of `text`, and the header of the
/// item around it (empty at the top level).
///
/// The header is found in the text alone: the nearest line above that is indented
/// less than everything between and starts an item (`fn`, `impl`, `trait`, `mod`,
/// `struct`, `enum`, `union`, `macro_rules!`, after any visibility and qualifiers),
/// cut at its `{` or `where`. Lines that continue a signature (starting with `{`,
/// `)`, `>` or `where`) are passed over. It only needs to be stable and to tell
/// functions apart, not to be right about every macro.
pub fn line_context(text: &str, line: u32) -> (String, String) {
    let lines: Vec<&str> = text.split('\n').collect();
    let Some(at) = (line as usize).checked_sub(1).filter(|&i| i < lines.len()) else {
        return (String::new(), String::new());
    };
    let own = collapse(lines[at]);
    let mut bound = indent_of(lines[at]);
    for l in lines[..at].iter().rev() {
        let trimmed = l.trim();
        if trimmed.is_empty() {
            continue;
        }
        let indent = indent_of(l);
        if indent >= bound {
            continue;
        }
        if let Some(header) = item_header(trimmed) {
            return (own, header);
        }
        let continues = ["{", ")", ">", "where"]
            .iter()
            .any(|p| trimmed.starts_with(p));
        if !continues {
            bound = indent;
        }
    }
    (own, String::new())
}

fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start().len()
}

fn collapse(s: &str) -> String {
    let s = s.trim_start_matches('\u{feff}');
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The header of the item `line` (trimmed) starts, if it starts one.
fn item_header(line: &str) -> Option<String> {
    let mut rest = line;
    loop {
        rest = rest.trim_start();
        if let Some(r) = rest.strip_prefix("pub(") {
            rest = r.split_once(')').map_or("", |(_, after)| after);
            continue;
        }
        if let Some(r) = rest.strip_prefix("extern \"") {
            rest = r.split_once('"').map_or("", |(_, after)| after);
            continue;
        }
        let word_len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '!'))
            .unwrap_or(rest.len());
        let word = &rest[..word_len];
        match word {
            "pub" | "const" | "async" | "unsafe" | "extern" | "default" if word_len > 0 => {
                rest = &rest[word_len..];
            }
            "fn" | "impl" | "trait" | "mod" | "struct" | "enum" | "union" | "macro_rules!" => {
                let cut = line.find('{').map_or(line, |i| &line[..i]);
                let cut = cut.find(" where").map_or(cut, |i| &cut[..i]);
                return Some(collapse(cut));
            }
            _ => return None,
        }
    }
}

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

    const TEXT: &str = "\
use std::sync::Mutex;

impl Pool {
    pub fn get(&self) -> u8 {
        let g = self.m.lock().unwrap();
        *g
    }

    fn put<T>(&self, x: T)
    where
        T: Send,
    {
        let g = self.m.lock().unwrap();
        drop(g);
    }
}
";

    /// Computed independently of this code (FNV-1a, then the finaliser, in Python).
    const PINNED: &str = "8a00c0827378a8d6";

    fn site<'a>(rule: &'a str, file: &'a str, text: &'a str, line: u32) -> Site<'a> {
        Site {
            rule,
            file,
            text,
            line,
            column: 9,
            message: "`MutexGuard` held",
        }
    }

    fn prints(text: &str, lines: &[u32]) -> Vec<(u32, String)> {
        let sites: Vec<Site> = lines
            .iter()
            .map(|&l| site("double-lock", "pool-1.2.3/src/lib.rs", text, l))
            .collect();
        observe_sites(&sites)
            .into_iter()
            .map(|o| (o.line, o.fingerprint))
            .collect()
    }

    #[test]
    fn the_header_is_the_enclosing_item_through_a_where_clause() {
        assert_eq!(
            line_context(TEXT, 5),
            (
                "let g = self.m.lock().unwrap();".to_string(),
                "pub fn get(&self) -> u8".to_string()
            )
        );
        assert_eq!(line_context(TEXT, 13).1, "fn put<T>(&self, x: T)");
        assert_eq!(line_context(TEXT, 4).1, "impl Pool");
        assert_eq!(line_context(TEXT, 1).1, "");
        assert_eq!(line_context(TEXT, 0), (String::new(), String::new()));
        assert_eq!(line_context(TEXT, 999), (String::new(), String::new()));
    }

    #[test]
    fn a_fingerprint_survives_lines_inserted_above_and_tells_lines_apart() {
        let before = prints(TEXT, &[5, 13]);
        let shifted = format!("// a comment\n\nfn other() {{}}\n{TEXT}");
        let after = prints(&shifted, &[8, 16]);
        assert_eq!(before[0].1, after[0].1);
        assert_eq!(before[1].1, after[1].1);
        // The same text in two functions, and two other lines: all different.
        assert_ne!(before[0].1, before[1].1);
        let other = prints(TEXT, &[6, 14]);
        assert_ne!(other[0].1, before[0].1);
        assert_ne!(other[0].1, other[1].1);
        assert_eq!(before[0].1.len(), 16);
        // Pinned: a change to the hash would unmatch every entry of the triage file.
        assert_eq!(
            fingerprint("double-lock", "pool-1.2.3/src/lib.rs", "a", "fn f()", 0),
            PINNED
        );
    }

    #[test]
    fn a_fingerprint_depends_on_the_rule_and_the_crate_but_not_its_version() {
        let one = observe_sites(&[site("double-lock", "pool-1.2.3/src/lib.rs", TEXT, 5)]);
        let rule = observe_sites(&[site("discarded-guard", "pool-1.2.3/src/lib.rs", TEXT, 5)]);
        let version = observe_sites(&[site("double-lock", "pool-1.3.0/src/lib.rs", TEXT, 5)]);
        let krate = observe_sites(&[site("double-lock", "spool-1.2.3/src/lib.rs", TEXT, 5)]);
        assert_ne!(one[0].fingerprint, rule[0].fingerprint);
        assert_eq!(one[0].fingerprint, version[0].fingerprint);
        assert_ne!(one[0].fingerprint, krate[0].fingerprint);
    }

    #[test]
    fn identical_findings_get_an_occurrence_index() {
        let text = "fn f() {\n    a.lock();\n    a.lock();\n}\n";
        let p = prints(text, &[3, 2]);
        assert_eq!(p[0].0, 2, "sorted by line");
        assert_ne!(p[0].1, p[1].1);
        // Inserting a line between them changes neither.
        let q = prints(
            "fn f() {\n    a.lock();\n    b();\n    a.lock();\n}\n",
            &[2, 4],
        );
        assert_eq!(p[0].1, q[0].1);
        assert_eq!(p[1].1, q[1].1);
    }

    #[test]
    fn versions_are_left_out_of_crate_folders_only() {
        assert_eq!(
            unversioned("tokio-1.54.1/src/io/split.rs"),
            "tokio/src/io/split.rs"
        );
        assert_eq!(unversioned("md-5-0.10.6/src/lib.rs"), "md-5/src/lib.rs");
        assert_eq!(unversioned("foo-bar-1.0.0-alpha.1/x.rs"), "foo-bar/x.rs");
        assert_eq!(unversioned("src/lib.rs"), "src/lib.rs");
        assert_eq!(unversioned("x-1.2/lib.rs"), "x-1.2/lib.rs");
        assert_eq!(unversioned("lib.rs"), "lib.rs");
    }

    fn observed(rule: &str, file: &str, line: u32, print: &str) -> Observed {
        Observed {
            rule: rule.to_string(),
            file: file.to_string(),
            line,
            column: 1,
            message: format!("message of {print}"),
            fingerprint: print.to_string(),
        }
    }

    fn entry(o: &Observed, verdict: Verdict) -> Entry {
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
