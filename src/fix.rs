//! Applying the findings' fixes: `--fix` writes them, `--diff` shows them.
//!
//! [`plan`] turns the fixes of a report into one new text per file: the fixes of a
//! file are taken in text order, a fix whose edits overlap one taken already is
//! left for a later run, and the edits are applied back to front so that earlier
//! offsets stay valid. A file is left alone when its text was not kept, when it
//! changed on disk since it was analysed, or when the fixed text no longer parses.
//! [`write`] replaces a file atomically (a temporary file in the same folder,
//! renamed over it) after checking that the file still holds the text the fixes
//! were made against; [`unified_diff`] shows the change.
//!
//! It does not decide what is fixed (the rules attach fixes), nor which files may
//! be written (the command line keeps to the roots it was given).

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::report::escape::{self, Keep};
use crate::report::finding::{Edit, FileId, Finding};
use crate::report::Report;

/// The fixed text of one file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileFix {
    /// The file, in the report's source map.
    pub file: FileId,
    /// Its path, as the report has it.
    pub path: PathBuf,
    /// The text the fixes were made against.
    pub old: String,
    /// The text with the fixes applied.
    pub new: String,
    /// The findings fixed (indices into the report's findings).
    pub fixed: Vec<usize>,
}

/// A file whose fixes were not applied, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    /// Its path.
    pub path: PathBuf,
    /// Why, lower-case.
    pub reason: String,
}

/// The fixed text of every file with a fix in `report`, in the order of the
/// report's files, and the files whose fixes could not be applied.
pub fn plan(report: &Report) -> (Vec<FileFix>, Vec<Refused>) {
    let mut by_file: Vec<(FileId, Vec<(usize, &Finding)>)> = Vec::new();
    for (i, f) in report.findings.iter().enumerate() {
        let Some(fix) = &f.fix else { continue };
        if fix.edits.is_empty() || fix.edits.iter().any(|e| e.span.file != f.primary.file) {
            continue;
        }
        match by_file.iter_mut().find(|(id, _)| *id == f.primary.file) {
            Some((_, list)) => list.push((i, f)),
            None => by_file.push((f.primary.file, vec![(i, f)])),
        }
    }
    by_file.sort_by_key(|(id, _)| *id);
    let mut out = Vec::new();
    let mut refused = Vec::new();
    for (id, findings) in by_file {
        let file = report.sources.get(id);
        let refuse = |reason: &str| Refused {
            path: file.path.clone(),
            reason: reason.to_string(),
        };
        if file.is_evicted() {
            refused.push(refuse("the file could not be read again"));
            continue;
        }
        if file.changed_since_read() {
            refused.push(refuse("the file changed since it was analysed"));
            continue;
        }
        let old = &file.text;
        let Some((new, fixed)) = apply(old, &findings) else {
            continue;
        };
        if !crate::syntax::parses(&new, file.edition) {
            refused.push(refuse("the fixed text does not parse"));
            continue;
        }
        out.push(FileFix {
            file: id,
            path: file.path.clone(),
            old: old.clone(),
            new,
            fixed,
        });
    }
    (out, refused)
}

/// `text` with the fixes of `findings` applied, taken in text order and skipping
/// a fix that overlaps one taken or has an edit outside the text; `None` when no
/// fix applies.
fn apply(text: &str, findings: &[(usize, &Finding)]) -> Option<(String, Vec<usize>)> {
    let mut fixes: Vec<(usize, Vec<&Edit>)> = findings
        .iter()
        .filter_map(|(i, f)| {
            let mut edits: Vec<&Edit> = f.fix.as_ref()?.edits.iter().collect();
            edits.sort_by_key(|e| (e.span.start, e.span.end));
            Some((*i, edits))
        })
        .collect();
    fixes.sort_by_key(|(i, edits)| (edits.first().map(|e| e.span.start), *i));
    let mut taken: Vec<&Edit> = Vec::new();
    let mut fixed = Vec::new();
    for (i, edits) in fixes {
        let valid = edits.iter().all(|e| {
            e.span.start <= e.span.end
                && text.is_char_boundary(e.span.start)
                && text.is_char_boundary(e.span.end)
                && e.span.end <= text.len()
        });
        let own_overlap = edits.windows(2).any(|w| w[0].span.end > w[1].span.start);
        let overlaps = edits.iter().any(|e| {
            taken
                .iter()
                .any(|t| e.span.start < t.span.end && t.span.start < e.span.end)
        });
        if !valid || own_overlap || overlaps {
            continue;
        }
        taken.extend(edits);
        fixed.push(i);
    }
    if taken.is_empty() {
        return None;
    }
    taken.sort_by_key(|e| (e.span.start, e.span.end));
    let mut new = text.to_string();
    for e in taken.iter().rev() {
        new.replace_range(e.span.start..e.span.end, &e.replacement);
    }
    fixed.sort_unstable();
    Some((new, fixed))
}

/// Replaces the file at `path` with `new`, if it still holds `old`: the text goes
/// to a temporary file in the same folder, which is then renamed over the file, so
/// that a reader sees the old text or the new one, never a part. A byte-order mark
/// the file starts with is kept. A symbolic link is not written through.
pub fn write(path: &Path, old: &str, new: &str) -> Result<(), String> {
    let meta = std::fs::symlink_metadata(path).map_err(|e| e.to_string())?;
    if !meta.file_type().is_file() {
        return Err("not a regular file".to_string());
    }
    let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
    const BOM: &[u8] = "\u{feff}".as_bytes();
    let (bom, body) = match bytes.strip_prefix(BOM) {
        Some(rest) => (BOM, rest),
        None => (&[][..], &bytes[..]),
    };
    if body != old.as_bytes() {
        return Err("the file changed since it was analysed".to_string());
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut tmp = None;
    for n in 0..100u32 {
        let candidate = dir.join(format!(".{name}.synclint-fix.{}.{n}", std::process::id()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&candidate)
        {
            Ok(f) => {
                tmp = Some((candidate, f));
                break;
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e.to_string()),
        }
    }
    let Some((tmp_path, mut f)) = tmp else {
        return Err("no temporary file could be made".to_string());
    };
    let written = f
        .write_all(bom)
        .and_then(|()| f.write_all(new.as_bytes()))
        .and_then(|()| f.sync_all())
        .and_then(|()| std::fs::set_permissions(&tmp_path, meta.permissions()))
        .and_then(|()| std::fs::rename(&tmp_path, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp_path);
        return Err(e.to_string());
    }
    Ok(())
}

/// Lines of context around each change in [`unified_diff`].
const CONTEXT: usize = 3;

/// A unified diff of `old` to `new` under the name `path` (`--- a/path`,
/// `+++ b/path` for a relative path), its hunks cut around the lines that differ.
pub fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    // Fixes change few lines: the common head and tail bound each change, and the
    // lines between them are compared by a longest-common-subsequence table.
    let ops = line_ops(&a, &b);
    let path = escape::path(path);
    // A relative path gets git's `a/` and `b/`, so that `git apply` and `patch -p1`
    // take the diff; an absolute one is written as it is.
    let (a_name, b_name) = if path.starts_with('/') {
        (path.to_string(), path.to_string())
    } else {
        (format!("a/{path}"), format!("b/{path}"))
    };
    let mut out = format!("--- {a_name}\n+++ {b_name}\n");
    let changed: Vec<usize> = ops
        .iter()
        .enumerate()
        .filter(|(_, op)| !matches!(op, Op::Same(..)))
        .map(|(i, _)| i)
        .collect();
    let mut k = 0;
    while k < changed.len() {
        let start = changed[k].saturating_sub(CONTEXT);
        let mut end = changed[k] + 1;
        while k + 1 < changed.len() && changed[k + 1] <= end + 2 * CONTEXT {
            k += 1;
            end = changed[k] + 1;
        }
        let end = (end + CONTEXT).min(ops.len());
        let hunk = &ops[start..end];
        let (a0, b0) = position(&ops[..start]);
        let (na, nb) = position(hunk);
        out.push_str(&format!(
            "@@ -{},{na} +{},{nb} @@\n",
            a0 + usize::from(na > 0),
            b0 + usize::from(nb > 0)
        ));
        for op in hunk {
            let (sign, line) = match op {
                Op::Same(i) => (' ', a[*i]),
                Op::Del(i) => ('-', a[*i]),
                Op::Add(j) => ('+', b[*j]),
            };
            out.push(sign);
            out.push_str(&shown(line.trim_end_matches('\n')));
            out.push('\n');
            if !line.ends_with('\n') {
                out.push_str("\\ No newline at end of file\n");
            }
        }
        k += 1;
    }
    out
}

/// A line of source as a diff shows it: every control and bidi character escaped
/// (the tree chose them) but tabs, which are indentation.
fn shown(line: &str) -> String {
    line.split('\t')
        .map(|part| escape::text(part, Keep::Nothing))
        .collect::<Vec<_>>()
        .join("\t")
}

/// One line of a diff: kept (its index in both), deleted from the old, added.
enum Op {
    Same(usize),
    Del(usize),
    Add(usize),
}

/// How many old and new lines `ops` cover.
fn position(ops: &[Op]) -> (usize, usize) {
    ops.iter().fold((0, 0), |(x, y), op| match op {
        Op::Same(..) => (x + 1, y + 1),
        Op::Del(_) => (x + 1, y),
        Op::Add(_) => (x, y + 1),
    })
}

/// The line operations from `a` to `b`: the common head and tail kept, the middle
/// by a longest common subsequence (or deleted and added whole when it is large).
fn line_ops(a: &[&str], b: &[&str]) -> Vec<Op> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..]
        .iter()
        .rev()
        .zip(b[head..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[head..a.len() - tail], &b[head..b.len() - tail]);
    let mut ops: Vec<Op> = (0..head).map(Op::Same).collect();
    if am.len().saturating_mul(bm.len()) <= 4_000_000 {
        let (n, m) = (am.len(), bm.len());
        let mut t = vec![0u32; (n + 1) * (m + 1)];
        for i in (0..n).rev() {
            for j in (0..m).rev() {
                t[i * (m + 1) + j] = if am[i] == bm[j] {
                    t[(i + 1) * (m + 1) + j + 1] + 1
                } else {
                    t[(i + 1) * (m + 1) + j].max(t[i * (m + 1) + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < n || j < m {
            if i < n && j < m && am[i] == bm[j] {
                ops.push(Op::Same(head + i));
                i += 1;
                j += 1;
            } else if i < n && (j == m || t[(i + 1) * (m + 1) + j] >= t[i * (m + 1) + j + 1]) {
                // Deleted lines come before the added ones that replace them.
                ops.push(Op::Del(head + i));
                i += 1;
            } else {
                ops.push(Op::Add(head + j));
                j += 1;
            }
        }
    } else {
        ops.extend((0..am.len()).map(|i| Op::Del(head + i)));
        ops.extend((0..bm.len()).map(|j| Op::Add(head + j)));
    }
    let ta = a.len() - tail;
    ops.extend((0..tail).map(|k| Op::Same(ta + k)));
    ops
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_shows_one_changed_line_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\n";
        let new = "a\nb\nc\nd\nE\nf\ng\nh\n";
        let d = unified_diff("x.rs", old, new);
        assert_eq!(
            d,
            "--- a/x.rs\n+++ b/x.rs\n@@ -2,7 +2,7 @@\n b\n c\n d\n-e\n+E\n f\n g\n h\n"
        );
    }

    fn fixing(start: usize, end: usize, replacement: &str) -> Finding {
        let span = crate::report::finding::Span {
            start,
            end,
            ..Default::default()
        };
        crate::report::finding::RuleMeta {
            id: "discarded-guard",
            default: crate::report::finding::Level::Warn,
            doc: "",
            page: "",
        }
        .finding(span, "m", Vec::new(), "h")
        .with_fix(Some(crate::report::finding::Fix {
            message: "fix".into(),
            edits: vec![Edit {
                span,
                replacement: replacement.into(),
            }],
        }))
    }

    #[test]
    fn fixes_apply_back_to_front_and_an_overlapping_one_waits() {
        let text = "abcdef";
        let (a, b, c) = (fixing(0, 2, "X"), fixing(1, 3, "Y"), fixing(4, 6, "ZZZ"));
        let findings = [(0, &a), (1, &b), (2, &c)];
        let (new, fixed) = apply(text, &findings).expect("a fix applies");
        assert_eq!(new, "XcdZZZ");
        assert_eq!(fixed, vec![0, 2]);
        // An edit past the text or inside a character is never applied.
        let past = fixing(5, 9, "");
        assert_eq!(apply(text, &[(0, &past)]), None);
        let inside = fixing(1, 2, "");
        assert_eq!(apply("é", &[(0, &inside)]), None);
    }

    #[test]
    fn write_replaces_a_file_only_if_it_holds_the_text_read() {
        let dir = tempfile::tempdir().expect("temporary folder");
        let path = dir.path().join("a.rs");
        std::fs::write(&path, "\u{feff}fn f() {}\n").expect("write");
        write(&path, "fn f() {}\n", "fn g() {}\n").expect("written");
        // The byte-order mark is kept, and no temporary file is left.
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "\u{feff}fn g() {}\n"
        );
        assert_eq!(std::fs::read_dir(dir.path()).expect("list").count(), 1);
        let refused = write(&path, "fn f() {}\n", "fn h() {}\n");
        assert!(refused.is_err());
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "\u{feff}fn g() {}\n"
        );
    }

    #[test]
    fn diff_of_equal_texts_has_no_hunk() {
        assert_eq!(
            unified_diff("x.rs", "a\n", "a\n"),
            "--- a/x.rs\n+++ b/x.rs\n"
        );
    }
}
