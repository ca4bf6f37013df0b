//! Escaping of text that comes from the scanned tree (file names, source text, and
//! messages that quote it) before a printer writes it, so that nothing a file or its
//! name contains can drive a terminal or forge a line that an editor reads.
//!
//! The characters escaped are the C0 controls, DEL, the C1 controls, the bidi
//! overrides and isolates (U+202A to U+202E, U+2066 to U+2069), the direction marks
//! (U+200E, U+200F, U+061C) and the line and paragraph separators (U+2028, U+2029).
//! Each is written as Rust writes a char escape, `\u{1b}`, in lower-case hex; whether
//! `\n` is kept raw depends on where the text goes ([`Keep`]).
//! JSON documents keep every character (they are data, and their strings must
//! round-trip), but write the ones above as `\uXXXX` escapes through [`write_json`],
//! so no JSON text holds one raw either.
//!
//! This module does not decide layout: the source view that cuts long lines for the
//! human printer is [`crate::report::snippet`].

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;

/// Whether `c` is shown escaped in text output.
pub fn is_hazard(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}'
            | '\u{7f}'..='\u{9f}'
            | '\u{61c}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
    )
}

/// Whether `s` may hold a hazard: a cheap byte test that lets plain ASCII text through.
fn may_hold_hazard(s: &str) -> bool {
    s.bytes().any(|b| !(0x20..0x7f).contains(&b))
}

/// Which whitespace controls a piece of text keeps raw.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Nothing: the text must stay on one line (file names, `short` and `github`).
    Nothing,
    /// Line breaks: a message, label or help in the human report (where a line break
    /// is layout, not a new record) or in a `github` message (where it becomes `%0A`).
    LineBreaks,
}

/// Writes the escape of `c`: `\u{1b}`.
pub fn push_escape(out: &mut String, c: char) {
    // Writing to a `String` cannot fail.
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

/// `s` with every hazard escaped, keeping what `keep` allows.
pub fn text(s: &str, keep: Keep) -> Cow<'_, str> {
    let kept = |c: char| keep == Keep::LineBreaks && c == '\n';
    if !may_hold_hazard(s) || !s.chars().any(|c| is_hazard(c) && !kept(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_hazard(c) && !kept(c) {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A file name as shown in `human` and `github` output: hazards escaped, and a
/// backslash doubled so that a name that spells an escape stays distinct.
pub fn path(s: &str) -> Cow<'_, str> {
    if !may_hold_hazard(s) && !s.contains('\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if is_hazard(c) => push_escape(&mut out, c),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// A file name as shown in `short` output: as [`path`], and a colon also escaped
/// (`\u{3a}`), so that the first colon of a record always ends its path and no name
/// can spell a `:line:col:` of its own. On Windows a leading drive (`C:`) is kept.
pub fn short_path(s: &str) -> Cow<'_, str> {
    let drive = if cfg!(windows) { drive_len(s) } else { 0 };
    if !s[drive..].contains(':') {
        return path(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..drive]);
    for c in path(&s[drive..]).chars() {
        if c == ':' {
            push_escape(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The length of a leading drive such as `C:`, or 0.
fn drive_len(s: &str) -> usize {
    let b = s.as_bytes();
    if b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':' {
        2
    } else {
        0
    }
}

/// A JSON formatter that writes the hazards serde leaves raw (DEL, C1, bidi, the
/// separators) as `\uXXXX`; serde already escapes the C0 controls.
struct SafeJson;

impl serde_json::ser::Formatter for SafeJson {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        if !may_hold_hazard(fragment) {
            return writer.write_all(fragment.as_bytes());
        }
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_hazard(c) {
                writer.write_all(&fragment.as_bytes()[start..i])?;
                // Every hazard is in the basic plane, so one `\uXXXX` is the whole char.
                write!(writer, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[start..])
    }
}

/// Serialises `value` as compact JSON with every hazard escaped.
pub fn write_json<W: io::Write, T: serde::Serialize + ?Sized>(out: W, value: &T) -> io::Result<()> {
    let mut ser = serde_json::Serializer::with_formatter(out, SafeJson);
    value.serialize(&mut ser).map_err(io::Error::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hazards_are_escaped_and_plain_text_borrowed() {
        assert!(matches!(text("plain `x`", Keep::Nothing), Cow::Borrowed(_)));
        assert!(matches!(text("café", Keep::Nothing), Cow::Borrowed(_)));
        assert_eq!(
            text(
                "a\u{1b}]0;t\u{7}b\u{9b}c\u{202e}d\u{2066}e\u{61c}",
                Keep::Nothing
            ),
            "a\\u{1b}]0;t\\u{7}b\\u{9b}c\\u{202e}d\\u{2066}e\\u{61c}"
        );
        assert_eq!(text("a\n\tb\r", Keep::Nothing), "a\\u{a}\\u{9}b\\u{d}");
        assert_eq!(text("a\n\tb\r", Keep::LineBreaks), "a\n\\u{9}b\\u{d}");
    }

    #[test]
    fn paths_double_backslashes_and_short_paths_escape_colons() {
        assert_eq!(path("src/a.rs"), "src/a.rs");
        assert_eq!(path("a\\u{1b}\u{1b}.rs"), "a\\\\u{1b}\\u{1b}.rs");
        assert_eq!(
            short_path("x.rs:9:9: warning[fake]: y.rs"),
            "x.rs\\u{3a}9\\u{3a}9\\u{3a} warning[fake]\\u{3a} y.rs"
        );
        assert_eq!(
            short_path("evil\nfake.rs:1:1"),
            "evil\\u{a}fake.rs\\u{3a}1\\u{3a}1"
        );
        assert_eq!(short_path("src/a.rs"), "src/a.rs");
    }

    #[test]
    fn json_escapes_what_serde_leaves_raw() {
        let mut out = Vec::new();
        write_json(&mut out, &["\u{1b}[2J\u{7f}\u{85}\u{202e}é"]).expect("write");
        let text = String::from_utf8(out).expect("utf-8");
        assert_eq!(text, "[\"\\u001b[2J\\u007f\\u0085\\u202eé\"]");
        let back: Vec<String> = serde_json::from_str(&text).expect("valid json");
        assert_eq!(back[0], "\u{1b}[2J\u{7f}\u{85}\u{202e}é");
    }
}
