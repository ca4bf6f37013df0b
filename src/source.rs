//! Source files as read from disk: their text, a line index, and the edition they are
//! compiled with; and the `SourceMap` that owns them all for one run.
//!
//! This module turns `proc_macro2` line/column positions into [`Span`]s. It does not
//! parse anything.

use std::path::{Path, PathBuf};

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
    line_starts: Vec<usize>,
}

impl SourceFile {
    /// Makes a source file from its text; a leading byte-order mark is removed.
    pub fn new(path: impl Into<PathBuf>, text: impl Into<String>, edition: Edition) -> SourceFile {
        let mut text = text.into();
        if text.starts_with('\u{feff}') {
            text.drain(..'\u{feff}'.len_utf8());
        }
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            path: path.into(),
            text,
            edition,
            krate: None,
            line_starts,
        }
    }

    /// The same file, as part of the package rooted at `krate`.
    pub fn with_krate(mut self, krate: Option<PathBuf>) -> SourceFile {
        self.krate = krate;
        self
    }

    /// The path shown to users, with `/` separators.
    pub fn display_path(&self) -> String {
        display_path(&self.path)
    }

    /// The byte offset of a 1-based line and 0-based character column, clamped to the
    /// text.
    pub fn offset(&self, line: usize, column: usize) -> usize {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return self.text.len();
        };
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
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
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self
            .text
            .get(start..offset)
            .map_or(0, |s| s.chars().count());
        (line as u32, column as u32 + 1)
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: u32) -> &str {
        let idx = (line as usize).saturating_sub(1);
        let Some(&start) = self.line_starts.get(idx) else {
            return "";
        };
        let end = self
            .line_starts
            .get(idx + 1)
            .copied()
            .unwrap_or(self.text.len());
        self.text[start..end].trim_end_matches(['\n', '\r'])
    }

    /// Number of lines.
    pub fn n_lines(&self) -> usize {
        self.line_starts.len()
    }

    /// A [`Span`] from a `proc_macro2` span parsed out of this file's text.
    pub fn span(&self, file: FileId, span: proc_macro2::Span) -> Span {
        let (s, e) = (span.start(), span.end());
        let start = self.offset(s.line, s.column);
        let end = self.offset(e.line, e.column).max(start);
        Span {
            file,
            start,
            end,
            line: s.line as u32,
            column: s.column as u32 + 1,
            end_line: e.line as u32,
            end_column: e.column as u32 + 1,
        }
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

/// The path shown to users: as given, `/`-separated, without a leading `./`.
pub fn display_path(path: &Path) -> String {
    let s = path.to_string_lossy().replace('\\', "/");
    match s.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => s,
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
