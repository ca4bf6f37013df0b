//! Plain data for what the analysis found: `Finding`, `Label`, `Span`, `Severity`, the
//! `Level` a rule is configured to run at, `RuleMeta`, what a rule (or an allow
//! check) declares about itself, and `Fix`/`Edit`, the machine-applicable rewrite a
//! finding may carry (`--fix`, `--diff`, JSON, SARIF and the language server read it).
//!
//! Nothing here knows about `syn` or formats text for a terminal; printers in the
//! sibling modules turn these values into output.

use std::cmp::Ordering;

/// Index of a file in a [`SourceMap`](crate::source::SourceMap).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct FileId(pub u32);

/// A range of one source file, with both byte offsets and 1-based line/column.
///
/// Columns count characters, not bytes, so they match what editors show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// The file the range lies in.
    pub file: FileId,
    /// Byte offset of the first byte.
    pub start: usize,
    /// Byte offset one past the last byte.
    pub end: usize,
    /// 1-based line of `start`.
    pub line: u32,
    /// 1-based column (in characters) of `start`.
    pub column: u32,
    /// 1-based line of `end`.
    pub end_line: u32,
    /// 1-based column (in characters) of `end`.
    pub end_column: u32,
}

/// How serious a finding is. `Deny` fails CI runs the same way `Warn` does, but
/// renders as an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Severity {
    /// Informational.
    Note,
    /// A hazard worth fixing.
    Warn,
    /// A hazard that is almost certainly a bug.
    Deny,
}

impl Severity {
    /// The word printers use: `error`, `warning` or `note`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Deny => "error",
            Severity::Warn => "warning",
            Severity::Note => "note",
        }
    }
}

/// The level a rule runs at.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Level {
    /// Not run.
    Allow,
    /// Reported as a warning.
    Warn,
    /// Reported as an error.
    Deny,
}

impl Level {
    /// The severity findings get at this level, or `None` for `Allow`.
    pub fn severity(self) -> Option<Severity> {
        match self {
            Level::Allow => None,
            Level::Warn => Some(Severity::Warn),
            Level::Deny => Some(Severity::Deny),
        }
    }

    /// `allow`, `warn` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Allow => "allow",
            Level::Warn => "warn",
            Level::Deny => "deny",
        }
    }

    /// Parses `allow`, `warn` or `deny`.
    pub fn parse(s: &str) -> Option<Level> {
        match s {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// A secondary site of a finding, with a short phrase saying what happens there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What happens there ("lock acquired here").
    pub message: String,
}

/// What a rule of the registry, or an allow check, declares about itself: the one
/// metadata type that the registry, the configuration's ids, `--list-rules`,
/// `--explain` and the SARIF rule list read.
///
/// A rule declares it with `declare_rule!` (in `rules`), which takes the id and the
/// default level and embeds the page `rules/<id>.md`.
#[derive(Debug)]
pub struct RuleMeta {
    /// The stable, kebab-case id (`lock-across-await`).
    pub id: &'static str,
    /// The level it runs at unless configured.
    pub default: Level,
    /// Its page, which `--explain` prints.
    pub doc: &'static str,
    /// Where the page is in the package (`rules/lock-across-await.md`).
    pub page: &'static str,
}

impl RuleMeta {
    /// The first sentence of the page's "What it flags" section, on one line and
    /// without its period.
    pub fn summary(&self) -> String {
        let section = self
            .doc
            .split("## What it flags")
            .nth(1)
            .unwrap_or_default()
            .trim_start();
        let paragraph = section.split("\n\n").next().unwrap_or_default();
        let joined = paragraph.split_whitespace().collect::<Vec<_>>().join(" ");
        match joined.find(". ") {
            Some(i) => joined[..i].to_string(),
            None => joined.trim_end_matches('.').to_string(),
        }
    }

    /// A finding of this rule. Its severity is the one the rule's default level
    /// gives (warn for a rule that is off unless turned on, the level a bare `--rule`
    /// runs it at); the run sets the configured one (`Config::severity_of`).
    pub fn finding(
        &self,
        primary: Span,
        message: impl Into<String>,
        labels: Vec<Label>,
        help: impl Into<String>,
    ) -> Finding {
        Finding {
            rule: self.id,
            severity: self.default.severity().unwrap_or(Severity::Warn),
            primary,
            message: message.into(),
            labels,
            help: help.into(),
            fix: None,
        }
    }
}

/// One replacement of a byte range of a file's text.
///
/// The span's byte range is what is replaced (an empty range inserts); its
/// line/column give the same range for editors and SARIF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edit {
    /// The text replaced, in the file of the finding's primary span.
    pub span: Span,
    /// The text put in its place.
    pub replacement: String,
}

/// A machine-applicable rewrite that removes a finding: every edit is applied, or
/// none.
///
/// A rule attaches one only where the rewrite is certain to keep what the code
/// does; edits of one fix never overlap, and are listed in the order of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, an imperative phrase ("replace with `fetch_add`").
    pub message: String,
    /// The replacements, in text order, none overlapping.
    pub edits: Vec<Edit>,
}

/// One hazard, with every site involved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    /// The rule id (`lock-across-await`).
    pub rule: &'static str,
    /// The level the rule runs at in this run.
    pub severity: Severity,
    /// The main site; printers anchor the finding here.
    pub primary: Span,
    /// One line saying what is wrong, lower-case, no trailing period.
    pub message: String,
    /// Every site involved, in reading order. May include the primary span.
    pub labels: Vec<Label>,
    /// One imperative sentence saying how to fix it.
    pub help: String,
    /// The machine-applicable rewrite that removes it, where one is certain.
    pub fix: Option<Fix>,
}

impl Finding {
    /// The same finding, carrying `fix`.
    pub fn with_fix(self, fix: Option<Fix>) -> Finding {
        Finding { fix, ..self }
    }

    /// The order findings are printed in: by file path, line, column, then rule.
    pub fn cmp_in(&self, other: &Finding, path_of: impl Fn(FileId) -> String) -> Ordering {
        path_of(self.primary.file)
            .cmp(&path_of(other.primary.file))
            .then(self.primary.line.cmp(&other.primary.line))
            .then(self.primary.column.cmp(&other.primary.column))
            .then(self.rule.cmp(other.rule))
            .then(self.message.cmp(&other.message))
    }
}
