//! Source files as read from disk: their text, a line index, and the edition they are
//! compiled with; and the `SourceMap` that owns them all for one run.
//!
//! This module turns `proc_macro2` line/column positions into [`Span`]s. It does not
//! parse anything; the passes over a file's text before it is parsed are in
//! `prepass`.

mod prepass;

use std::path::{Component, Path, PathBuf};

pub use prepass::{blank_2015_syntax, blank_literal_tables};
pub(crate) use prepass::{is_word_byte, may_nest_too_deep, nesting};

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
    /// A hash of the text taken when it was freed, which a reload compares.
    digest: u64,
    /// A reload read a text other than the one freed: the file changed on disk.
    changed: bool,
    /// Bytes of text when it was made, byte-order mark included: a reload reads no
    /// more than that.
    len: usize,
}

/// A hash of a text, to tell whether a file read again is the one read first.
fn digest(text: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write(text.as_bytes());
    h.write_usize(text.len());
    h.finish()
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
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| (i + 1) as u32));
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
            digest: 0,
            changed: false,
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
        self.digest = digest(&self.text);
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
        self.changed |= digest(&text) != self.digest;
        self.text = text;
        self.evicted = false;
        Ok(())
    }

    /// Whether the text read again by [`reload`](Self::reload) differs from the
    /// one analysed, so that positions in it may not be the findings' positions.
    pub fn changed_since_read(&self) -> bool {
        self.changed
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

    /// The text between a pair of delimiters parsed out of this file (`(`, `)`
    /// given as `chars`), without them, when both sit where their spans say: not for
    /// tokens a macro made, whose spans point at a definition's text or nowhere.
    pub fn delimited_text(
        &self,
        file: FileId,
        delim: &proc_macro2::extra::DelimSpan,
        chars: (u8, u8),
    ) -> Option<&str> {
        let (open, close) = (
            self.span(file, delim.open()),
            self.span(file, delim.close()),
        );
        let bytes = self.text.as_bytes();
        let sits = |s: &Span, c: u8| s.end == s.start + 1 && bytes.get(s.start) == Some(&c);
        if !sits(&open, chars.0) || !sits(&close, chars.1) || open.end > close.start {
            return None;
        }
        self.text.get(open.end..close.start)
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

    #[test]
    fn delimited_text_is_read_where_the_delimiters_sit() {
        let text = "fn f() { g(a, \"é\"); }";
        let file = SourceFile::new("src/a.rs", text, Edition::default());
        let item: syn::ItemFn = syn::parse_str(text).expect("invariant: test item parses");
        let syn::Stmt::Expr(syn::Expr::Call(call), _) = &item.block.stmts[0] else {
            panic!("a call statement");
        };
        let parens = &call.paren_token.span;
        assert_eq!(
            file.delimited_text(FileId(0), parens, (b'(', b')')),
            Some("a, \"é\"")
        );
        assert_eq!(file.delimited_text(FileId(0), parens, (b'[', b']')), None);
        assert_eq!(
            file.delimited_text(FileId(0), &item.block.brace_token.span, (b'{', b'}')),
            Some(" g(a, \"é\"); ")
        );
    }

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
