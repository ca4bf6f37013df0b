//! What the check sees of a finding ([`Observed`]) and its fingerprint: the rule, the
//! file without its crate's version, the whitespace-collapsed text of its line, the
//! header of the item around it and an occurrence index.

use std::collections::HashMap;
use std::path::Path;

use serde::Serialize;

use crate::Report;

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
}
