//! Source files as read from disk: their text, a line index, and the edition they are
//! compiled with; and the `SourceMap` that owns them all for one run.
//!
//! This module turns `proc_macro2` line/column positions into [`Span`]s. It does not
//! parse anything.

use std::path::{Component, Path, PathBuf};

use crate::report::finding::{FileId, Span};

/// The Rust edition a file is compiled with. It decides some drop scopes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Edition {
    /// Rust 2015.
    E2015,
    /// Rust 2018.
    E2018,
    /// Rust 2021, the default.
    #[default]
    E2021,
    /// Rust 2024: `if let` scrutinees drop before `else`, tail temporaries before locals.
    E2024,
}

impl Edition {
    /// Parses `"2015"`, `"2018"`, `"2021"` or `"2024"`.
    pub fn parse(s: &str) -> Option<Edition> {
        match s.trim() {
            "2015" => Some(Edition::E2015),
            "2018" => Some(Edition::E2018),
            "2021" => Some(Edition::E2021),
            "2024" => Some(Edition::E2024),
            _ => None,
        }
    }

    /// Whether the 2024 temporary-scope rules apply.
    pub fn is_2024(self) -> bool {
        self >= Edition::E2024
    }
}

/// Why [`read_limited`] read nothing.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be opened or read.
    Io(std::io::Error),
    /// Not a regular file (a folder, FIFO, socket or device): never opened, so that
    /// a FIFO cannot hang the run.
    NotRegular,
    /// The file holds more than the limit, in bytes.
    TooLarge(u64),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io(e) => write!(f, "{e}"),
            ReadError::NotRegular => write!(f, "not a regular file"),
            ReadError::TooLarge(limit) => write!(f, "larger than {}", size_text(*limit)),
        }
    }
}

impl From<std::io::Error> for ReadError {
    fn from(e: std::io::Error) -> ReadError {
        ReadError::Io(e)
    }
}

/// `bytes` for people: `10 MiB`, `512 KiB`, or a count of bytes.
pub fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes % (1 << 20) == 0 {
        format!("{} MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes % (1 << 10) == 0 {
        format!("{} KiB", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// Reads the regular file at `path` (symlinks followed), at most `limit` bytes.
///
/// Anything else is refused before it is opened. The limit holds on what is read,
/// not on the size the file reports: `/proc/self/pagemap` says 0 and never ends.
pub fn read_limited(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    use std::io::Read;
    if !std::fs::metadata(path)?.is_file() {
        return Err(ReadError::NotRegular);
    }
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge(limit));
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // A whole page past the limit tells a larger file from one of exactly the limit;
    // reads stay multiples of 8, which some `/proc` files require.
    let cap = (limit / 4096).saturating_add(1).saturating_mul(4096);
    file.take(cap).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge(limit));
    }
    Ok(bytes)
}

/// One source file's text and where its lines start.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// The path as the user gave it or as discovery found it.
    pub path: PathBuf,
    /// The text, without a leading byte-order mark.
    pub text: String,
    /// The edition the file is compiled with.
    pub edition: Edition,
    /// The root folder of the Cargo package the file belongs to; files of one
    /// package form one crate for the cross-function analysis. `None` groups the
    /// file with the other loose files.
    pub krate: Option<PathBuf>,
    /// The path relative to [`krate`](Self::krate) (`tests/a.rs`), whether the
    /// path was given relative to the working directory or absolute.
    in_package: Option<PathBuf>,
    line_starts: Vec<u32>,
    /// Lines (0-based) with a non-ASCII character; on the others a column is a byte
    /// count.
    non_ascii_lines: Vec<u32>,
    /// Bytes of a `#!` line that `syn` leaves out of what it parses.
    shebang: usize,
    evicted: bool,
    /// Bytes of text when it was made, byte-order mark included: a reload reads no
    /// more than that.
    len: usize,
}

impl SourceFile {
    /// Makes a source file from its text; a leading byte-order mark is removed.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>, edition: Edition) -> SourceFile {
        let mut text = text.into();
        let len = text.len();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        // Offsets fit in `u32`: a file that large is far past anything parsed.
        let mut line_starts = vec![0u32];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| (i + 1) as u32));
        let non_ascii_lines = if text.is_ascii() {
            Vec::new()
        } else {
            (0..line_starts.len())
                .filter(|&l| {
                    let a = line_starts[l] as usize;
                    let b = line_starts.get(l + 1).map_or(text.len(), |&e| e as usize);
                    !text.as_bytes()[a..b].is_ascii()
                })
                .map(|l| l as u32)
                .collect()
        };
        let shebang = shebang_len(&text);
        SourceFile {
            path: path.into(),
            text,
            edition,
            krate: None,
            in_package: None,
            line_starts,
            non_ascii_lines,
            shebang,
            evicted: false,
            len,
        }
    }

    /// The same file, as part of the package rooted at `krate`.
    pub fn with_krate(mut self, krate: Option<PathBuf>) -> SourceFile {
        self.in_package = krate.as_deref().and_then(|root| {
            match self.path.strip_prefix(root) {
                Ok(rel) => Some(rel.to_path_buf()),
                // The package root is absolute; a path given relative to the working
                // directory (`synclint .`, `synclint tests/a.rs`) is compared in the
                // same form.
                Err(_) => absolute(&self.path)
                    .strip_prefix(root)
                    .ok()
                    .map(Path::to_path_buf),
            }
        });
        self.krate = krate;
        self
    }

    /// The path inside its package (`src/lib.rs`, `tests/a.rs`), or `None` for a file
    /// of no package.
    pub fn path_in_package(&self) -> Option<&Path> {
        self.in_package.as_deref()
    }

    /// Frees the text of a file read from disk; [`reload`](Self::reload) reads it
    /// again. Positions stay valid: the line index is kept.
    pub fn evict(&mut self) {
        self.text = String::new();
        self.evicted = true;
    }

    /// Whether the text was freed by [`evict`](Self::evict).
    pub fn is_evicted(&self) -> bool {
        self.evicted
    }

    /// Reads an evicted file's text again from its path.
    pub fn reload(&mut self) -> std::io::Result<()> {
        if !self.evicted {
            return Ok(());
        }
        let bytes = read_limited(&self.path, self.len as u64).map_err(|e| match e {
            ReadError::Io(e) => e,
            other => std::io::Error::other(other.to_string()),
        })?;
        let mut text = String::from_utf8_lossy(&bytes).into_owned();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        self.text = text;
        self.evicted = false;
        Ok(())
    }

    /// The path shown to users (see [`display_path`]).
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// The byte offset of a 1-based line and 0-based character column, clamped to the
    /// text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let start = start as usize;
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&e| e as usize);
        let line_text = &self.text[start..end];
        let within = line_text
            .char_indices()
            .nth(column)
            .map_or(line_text.len(), |(i, _)| i);
        start + within
    }

    /// The 1-based line and 1-based character column of a byte offset.
    pub fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self
            .line_starts
            .partition_point(|&s| s as usize <= offset)
            .max(1);
        let start = self.line_starts[line - 1] as usize;
        // On an ASCII line a column is a byte count: no scan of a long line.
        let column = if self
            .non_ascii_lines
            .binary_search(&(line as u32 - 1))
            .is_err()
        {
            offset - start
        } else {
            self.text
                .get(start..offset)
                .map_or(0, |s| s.chars().count())
        };
        (line as u32, column as u32 + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(idx) else {
            return "";
        };
        let start = start as usize;
        let end = self
            .line_starts
            .get(idx + 1)
            .map_or(self.text.len(), |&e| e as usize);
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Number of lines.
    pub fn n_lines(&self) -> usize {
        self.line_starts.len()
    }

    /// A [`Span`] from a `proc_macro2` span parsed out of this file's text.
    ///
    /// It goes through the span's byte range: `proc_macro2`'s own line and column
    /// count the characters of the line, which on a long line costs its length.
    pub fn span(&self, file: FileId, span: proc_macro2::Span) -> Span {
        // Where both ends sit on ASCII lines, the parser's line and column give the
        // offsets directly; `byte_range` counts characters from the nearest offset
        // it has seen, which costs a scan of the file over a whole walk.
        let (from, to) = (span.start(), span.end());
        if let (Some(start), Some(end)) = (self.ascii_offset(from), self.ascii_offset(to)) {
            let end = end.max(start);
            let (end_line, end_column) = if end == start {
                (from.line as u32, from.column as u32 + 1)
            } else {
                (to.line as u32, to.column as u32 + 1)
            };
            return Span {
                file,
                start,
                end,
                line: from.line as u32,
                column: from.column as u32 + 1,
                end_line,
                end_column,
            };
        }
        let range = span.byte_range();
        let start = (range.start + self.shebang).min(self.text.len());
        let end = (range.end + self.shebang).clamp(start, self.text.len());
        self.span_of_bytes(file, start, end)
    }

    /// The byte offset of a parser position on a line with only ASCII text.
    fn ascii_offset(&self, at: proc_macro2::LineColumn) -> Option<usize> {
        let idx = at.line.checked_sub(1)?;
        let start = *self.line_starts.get(idx)? as usize;
        if self.non_ascii_lines.binary_search(&(idx as u32)).is_ok() {
            return None;
        }
        let end = self
            .line_starts
            .get(idx + 1)
            .map_or(self.text.len(), |&e| e as usize);
        // The parser does not see a `#!` line's text (and finds no token there).
        if idx == 0 && self.shebang > 0 {
            return None;
        }
        let offset = start + at.column;
        (offset <= end).then_some(offset)
    }

    /// A [`Span`] from byte offsets into this file's text.
    pub fn span_of_bytes(&self, file: FileId, start: usize, end: usize) -> Span {
        let (line, column) = self.line_col(start);
        let (end_line, end_column) = self.line_col(end.max(start));
        Span {
            file,
            start,
            end: end.max(start),
            line,
            column,
            end_line,
            end_column,
        }
    }
}

/// The length of a `#!` line that `syn::parse_file` sets aside (not `#![..]`).
fn shebang_len(text: &str) -> usize {
    let Some(rest) = text.strip_prefix("#!") else {
        return 0;
    };
    if rest.trim_start().starts_with('[') {
        return 0;
    }
    text.find('\n').unwrap_or(text.len())
}

/// Content longer than this in one `[..]` of numbers is blanked before parsing.
const TABLE_MIN: usize = 256;

/// The text with the contents of long literal-number arrays (`[0x0041, 0x0042, ..]`)
/// replaced by spaces, newlines kept, so that every position is unchanged.
///
/// Generated data tables carry no concurrency facts, and a syntax tree of one
/// costs about a hundred times its text: a single 2.5 MB table file would need
/// 300 MB to parse. Only runs of digits, hex letters, number suffixes, `_`, `.`,
/// `-`, commas, white space and nested brackets count, so no code, string or
/// comment is touched.
pub fn blank_literal_tables(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() < 16 * TABLE_MIN {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let is_table_byte = |b: u8| {
        b.is_ascii_digit()
            || b.is_ascii_whitespace()
            || matches!(
                b,
                b',' | b'_' | b'.' | b'-' | b'x' | b'X' | b'o' | b'b' | b'a'..=b'f' | b'A'..=b'F'
                    | b'u' | b'i' | b's' | b'z'
            )
    };
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'[' {
            // Nested tables (`[[0x98, 0xEA], ..]`) count as one.
            let start = i + 1;
            let mut j = start;
            let mut depth = 0usize;
            while j < bytes.len() {
                match bytes[j] {
                    b'[' => depth += 1,
                    b']' if depth > 0 => depth -= 1,
                    b']' => break,
                    b if is_table_byte(b) => {}
                    _ => break,
                }
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b']' && j - start >= TABLE_MIN {
                ranges.push((start, j));
                i = j + 1;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    if ranges.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = bytes.to_vec();
    for (a, b) in ranges {
        for byte in &mut out[a..b] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    // Only ASCII bytes were replaced by ASCII spaces.
    std::borrow::Cow::Owned(String::from_utf8(out).expect("invariant: ASCII replaced by ASCII"))
}

/// The text of an edition-2015 file with the two forms of 2015 syntax that `syn`
/// does not read blanked in place (spaces for their bytes, newlines kept), so that
/// every position is unchanged; `None` when there is neither, or the text does not
/// lex.
///
/// - An anonymous parameter of a trait method (`fn f(&self, u8);`): its type is
///   blanked. The parameter has no name, so no body can use it.
/// - A bare `Fn(A) -> R` trait object in a type (`Box<Fn(u8)>`, `&Fn()`,
///   `type A = Fn() + Send;`): its arguments and return type are blanked, which
///   leaves the bare trait object `Fn`, which `syn` reads. Bounds (`F: Fn(u8)`,
///   `impl Fn()`, `dyn Fn()`) are left alone.
pub fn blank_2015_syntax(text: &str) -> Option<String> {
    use proc_macro2::{Delimiter, TokenTree};
    let skip = shebang_len(text);
    let stream: proc_macro2::TokenStream = text[skip..].parse().ok()?;
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let range_of = |first: &TokenTree, last: &TokenTree| {
        (
            first.span().byte_range().start + skip,
            last.span().byte_range().end + skip,
        )
    };
    // Token lists still to scan, with whether each is the inside of a `(..)`.
    let mut todo: Vec<(Vec<TokenTree>, bool)> = vec![(stream.into_iter().collect(), false)];
    while let Some((toks, in_parens)) = todo.pop() {
        for (i, tt) in toks.iter().enumerate() {
            match tt {
                TokenTree::Group(g) => {
                    let parens = g.delimiter() == Delimiter::Parenthesis;
                    todo.push((g.stream().into_iter().collect(), parens));
                }
                TokenTree::Ident(id) if id == "fn" => {
                    if let Some(params) = fn_params(&toks, i) {
                        // The parameter goes with the comma before it (or, for the
                        // first, after it), so that no empty parameter is left.
                        let (segs, commas) = split_params(&params);
                        for (k, &(a, b)) in segs.iter().enumerate() {
                            if a == b || !is_anonymous(&params[a..b]) {
                                continue;
                            }
                            let (from, to) = match (k.checked_sub(1), commas.first()) {
                                (Some(prev), _) => (commas[prev], b - 1),
                                (None, Some(&next)) => (a, next),
                                (None, None) => (a, b - 1),
                            };
                            ranges.push(range_of(&params[from], &params[to]));
                        }
                    }
                }
                TokenTree::Ident(id)
                    if (id == "Fn" || id == "FnMut" || id == "FnOnce")
                        && in_type_position(&toks, i, in_parens) =>
                {
                    let Some(TokenTree::Group(args)) = toks.get(i + 1) else {
                        continue;
                    };
                    if args.delimiter() != Delimiter::Parenthesis {
                        continue;
                    }
                    let mut last = &toks[i + 1];
                    if is_arrow(&toks, i + 2) {
                        let end = type_end(&toks, i + 4);
                        if end > i + 4 {
                            last = &toks[end - 1];
                        }
                    }
                    ranges.push(range_of(&toks[i + 1], last));
                }
                _ => {}
            }
        }
    }
    // The thread's span table is cleared by the caller, after the parse that
    // follows; clearing it here would invalidate the first parse's error.
    if ranges.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for (a, b) in ranges {
        for byte in out.get_mut(a..b).into_iter().flatten() {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    // Whole tokens were replaced, so no character is cut in two; should a span be
    // off, the text is left as it was.
    String::from_utf8(out).ok()
}

/// The parameters of a `fn NAME<..>(..)` item whose `fn` is at `at`; `None` for a
/// function pointer type (`fn(u8)`), which has no name.
fn fn_params(toks: &[proc_macro2::TokenTree], at: usize) -> Option<Vec<proc_macro2::TokenTree>> {
    use proc_macro2::{Delimiter, TokenTree};
    let Some(TokenTree::Ident(_)) = toks.get(at + 1) else {
        return None;
    };
    let mut j = at + 2;
    if is_punct(toks.get(j), '<') {
        let mut depth = 0usize;
        while j < toks.len() {
            if is_punct(toks.get(j), '<') {
                depth += 1;
            } else if is_punct(toks.get(j), '>') && !is_arrow_end(toks, j) {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            j += 1;
        }
        j += 1;
    }
    match toks.get(j) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
            Some(g.stream().into_iter().collect())
        }
        _ => None,
    }
}

/// A parameter list split at its top-level commas: each parameter's token range,
/// and the commas' indices.
type Split = (Vec<(usize, usize)>, Vec<usize>);

fn split_params(toks: &[proc_macro2::TokenTree]) -> Split {
    let (mut segs, mut commas) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    let mut start = 0;
    for (i, tt) in toks.iter().enumerate() {
        if is_punct(Some(tt), '<') {
            depth += 1;
        } else if is_punct(Some(tt), '>') && !is_arrow_end(toks, i) {
            depth = depth.saturating_sub(1);
        } else if is_punct(Some(tt), ',') && depth == 0 {
            segs.push((start, i));
            commas.push(i);
            start = i + 1;
        }
    }
    segs.push((start, toks.len()));
    (segs, commas)
}

/// A parameter with a type and no pattern: not `self` in any form, not `name: T`,
/// not a macro fragment (`$x`), not the `...` of a variadic.
fn is_anonymous(seg: &[proc_macro2::TokenTree]) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    if seg.is_empty() || matches!(seg.last(), Some(TokenTree::Ident(id)) if id == "self") {
        return false;
    }
    if seg.iter().all(|t| is_punct(Some(t), '.')) || seg.iter().any(|t| is_punct(Some(t), '$')) {
        return false;
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < seg.len() {
        match &seg[i] {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' && !is_arrow_end(seg, i) => {
                depth = depth.saturating_sub(1)
            }
            // `::` is a path; a lone `:` at the top separates a pattern from its type.
            TokenTree::Punct(p) if p.as_char() == ':' => {
                if p.spacing() == Spacing::Joint && is_punct(seg.get(i + 1), ':') {
                    i += 1;
                } else if depth == 0 {
                    return false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// Whether the token at `at` starts a type, not a bound: after `<`, `&`, `&'a`,
/// `&mut`, `*const`, `=`, `,`, `->`, `as`, or first inside `(..)`.
fn in_type_position(toks: &[proc_macro2::TokenTree], at: usize, in_parens: bool) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    let Some(before) = at.checked_sub(1).map(|b| &toks[b]) else {
        return in_parens;
    };
    match before {
        TokenTree::Punct(p) => match p.as_char() {
            '<' | '&' | ',' => true,
            '=' => {
                // Not `==`, `<=`, `=>`.
                let prev_joint = at >= 2
                    && matches!(&toks[at - 2], TokenTree::Punct(q) if q.spacing() == Spacing::Joint);
                p.spacing() == Spacing::Alone && !prev_joint
            }
            '>' => is_arrow_end(toks, at - 1),
            _ => false,
        },
        TokenTree::Ident(id) if id == "mut" || id == "const" => {
            at >= 2 && (is_punct(toks.get(at - 2), '*') || ends_reference(toks, at - 2))
        }
        TokenTree::Ident(id) => id == "as" || ends_reference(toks, at - 1),
        _ => false,
    }
}

/// Whether the token at `at` ends `&` or `&'a`.
fn ends_reference(toks: &[proc_macro2::TokenTree], at: usize) -> bool {
    is_punct(toks.get(at), '&')
        || (at >= 2
            && matches!(toks.get(at), Some(proc_macro2::TokenTree::Ident(_)))
            && is_punct(toks.get(at - 1), '\'')
            && is_punct(toks.get(at - 2), '&'))
}

/// Whether `->` starts at `at`.
fn is_arrow(toks: &[proc_macro2::TokenTree], at: usize) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    matches!(toks.get(at), Some(TokenTree::Punct(p)) if p.as_char() == '-' && p.spacing() == Spacing::Joint)
        && is_punct(toks.get(at + 1), '>')
}

/// Whether the `>` at `at` ends a `->` or `=>`.
fn is_arrow_end(toks: &[proc_macro2::TokenTree], at: usize) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    at >= 1
        && matches!(&toks[at - 1], TokenTree::Punct(p) if (p.as_char() == '-' || p.as_char() == '=') && p.spacing() == Spacing::Joint)
}

/// Where a return type starting at `from` ends: at the first top-level `,`, `+`,
/// `;`, `=`, closing `>`, `{..}` or `where`.
fn type_end(toks: &[proc_macro2::TokenTree], from: usize) -> usize {
    use proc_macro2::{Delimiter, TokenTree};
    let mut depth = 0usize;
    let mut i = from;
    while i < toks.len() {
        match &toks[i] {
            TokenTree::Punct(p) => match p.as_char() {
                '<' => depth += 1,
                '>' if is_arrow_end(toks, i) => {}
                '>' if depth == 0 => break,
                '>' => depth -= 1,
                ',' | '+' | ';' | '=' if depth == 0 => break,
                _ => {}
            },
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
            TokenTree::Ident(id) if id == "where" && depth == 0 => break,
            _ => {}
        }
        i += 1;
    }
    i
}

fn is_punct(tt: Option<&proc_macro2::TokenTree>, c: char) -> bool {
    matches!(tt, Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == c)
}

/// The path shown to users: as given, without a leading `./`, and on Windows with
/// `/` separators. Elsewhere a `\` is a character of a file name like any other and
/// is kept (the printers show it doubled, so it stays unambiguous).
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy();
    let s = if cfg!(windows) {
        s.replace('\\', "/")
    } else {
        s.into_owned()
    };
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
    }
}

/// The absolute form of `path`, with `.` and `..` resolved by their names (symlinks
/// are not resolved), so that two spellings of one file compare equal.
pub fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in abs.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to `base` (both absolute, as [`absolute`] gives them), with `..`
/// where it lies outside; `.` when they are the same.
pub fn relative_to(base: &Path, target: &Path) -> PathBuf {
    let base: Vec<Component> = base.components().collect();
    let target_parts: Vec<Component> = target.components().collect();
    let common = base
        .iter()
        .zip(&target_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return target.to_path_buf();
    }
    let mut rel: PathBuf = std::iter::repeat_n(Component::ParentDir, base.len() - common).collect();
    rel.extend(&target_parts[common..]);
    if rel.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        rel
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every token's span, through line and column on ASCII lines, equals the one
    /// from the parser's byte range, around a `#!` line, a byte-order mark,
    /// non-ASCII lines and a multi-line literal.
    #[test]
    fn spans_from_lines_match_byte_ranges() {
        fn tokens(ts: proc_macro2::TokenStream, out: &mut Vec<proc_macro2::Span>) {
            for tt in ts {
                out.push(tt.span());
                if let proc_macro2::TokenTree::Group(g) = tt {
                    out.push(g.span_open());
                    out.push(g.span_close());
                    tokens(g.stream(), out);
                }
            }
        }
        let texts = [
            "#!/usr/bin/env run\nfn main() { let x = 1; }\n",
            "\u{feff}fn f() -> u8 { 1 }\n",
            "fn f() {\n    let s = \"héllo\"; let t = s;\n    g(t, \"a\nb\", 'é');\n}\n",
            "// ünïcode comment\nstruct S { a: u8 }\nimpl S { fn m(&self) -> u8 { self.a } }",
        ];
        for text in texts {
            let file = SourceFile::new("t.rs", text, Edition::default());
            let ast = syn::parse_file(&file.text).expect("invariant: test source parses");
            let mut spans = Vec::new();
            tokens(quote::ToTokens::to_token_stream(&ast), &mut spans);
            assert!(spans.len() > 5, "{text:?}");
            for sp in spans {
                let range = sp.byte_range();
                let (start, end) = (range.start + file.shebang, range.end + file.shebang);
                let by_range = file.span_of_bytes(FileId(0), start, end);
                assert_eq!(file.span(FileId(0), sp), by_range, "{text:?} at {range:?}");
            }
            proc_macro2::extra::invalidate_current_thread_spans();
        }
    }

    #[test]
    fn edition_2015_syntax_is_blanked_in_place_and_bounds_are_not() {
        let text = "trait T {\n    fn a(&self, u8, Vec<u8>);\n    fn b(u8, x: u32);\n}\ntype A = Box<Fn(u8) -> u8 + Send>;\n";
        let out = blank_2015_syntax(text).expect("invariant: the text has 2015 syntax");
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.contains("fn a(&self             );"), "{out}");
        assert!(out.contains("fn b(    x: u32);"), "{out}");
        assert!(
            out.contains(&format!("Box<Fn{}+ Send>", " ".repeat(11))),
            "{out}"
        );
        syn::parse_file(&out).expect("invariant: the rewrite parses");
        // Named and `self` parameters, bounds, `dyn`, `impl`, function pointers and
        // macro fragments are left as they are.
        let untouched = [
            "fn f<F: Fn(u8) -> u8>(f: F, g: &dyn Fn(), h: impl FnOnce()) {}",
            "fn f<F>(f: F) where F: Send + Fn(u8) { let p: fn(u8) -> u8 = g; }",
            "trait T { fn f(self: Box<Self>, mut x: u8, (a, b): (u8, u8)); }",
            "macro_rules! m { ($t:ty) => { fn f(x: $t) {} }; }",
            "extern \"C\" { fn printf(fmt: *const u8, ...); }",
        ];
        for text in untouched {
            assert_eq!(blank_2015_syntax(text), None, "{text}");
        }
        proc_macro2::extra::invalidate_current_thread_spans();
    }

    #[test]
    fn long_number_tables_are_blanked_in_place() {
        let table: String = (0..2000).map(|i| format!("0x{i:04x}, ")).collect();
        let text = format!("static T: [u16; 2000] = [{table}];\nfn f() {{ let v = [a, b]; }}\n");
        let out = blank_literal_tables(&text);
        assert_eq!(out.len(), text.len());
        assert!(out.contains("static T: [u16; 2000] = [   "));
        assert!(out.contains("let v = [a, b];"));
        assert!(!out.contains("0x0001"));
        let pairs: String = (0..400)
            .map(|i| format!("[0x{:02X}, 0x{:02x}], ", i % 256, i % 256))
            .collect();
        let nested = format!("static P: [[u8; 2]; 400] = [{pairs}];");
        assert!(blank_literal_tables(&nested).contains("= [  "));
        let short = "static T: [u8; 2] = [1, 2];";
        assert_eq!(blank_literal_tables(short), short);
    }
}

/// Every file of one run, indexed by [`FileId`].
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<SourceFile>,
}

impl SourceMap {
    /// Adds a file and returns its id.
    pub fn add(&mut self, file: SourceFile) -> FileId {
        self.files.push(file);
        FileId(self.files.len() as u32 - 1)
    }

    /// The file with this id.
    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    /// The file with this id, to change.
    pub fn get_mut(&mut self, id: FileId) -> &mut SourceFile {
        &mut self.files[id.0 as usize]
    }

    /// All files, in id order.
    pub fn files(&self) -> impl Iterator<Item = (FileId, &SourceFile)> {
        self.files
            .iter()
            .enumerate()
            .map(|(i, f)| (FileId(i as u32), f))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}
