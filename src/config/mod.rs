//! Run configuration: which rules run at which level, the edition override, thread
//! count, excluded files, and user extensions of the lock and blocking-call tables;
//! and reading it from `synclint.toml` or from the `[package.metadata.synclint]` /
//! `[workspace.metadata.synclint]` table of a `Cargo.toml`.
//!
//! Every key is checked. An unknown key, an unknown rule id or a value of the wrong
//! shape is an [`Error::Config`] labelled at the offending spot of the TOML, with the
//! closest known key or id as a suggestion; `docs/configuration.md` documents every key.
//!
//! This module does not walk files (`discover` asks [`Exclude`] about each one) and
//! does not merge several files: one run uses one configuration. It knows no rule:
//! the ids a `[rules]` table may name are handed in.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use toml::de::DeTable;

mod lock_order;
mod parse;

pub use lock_order::LockOrder;
use parse::Doc;
pub use parse::KEYS;

use crate::error::{ConfigErrorKind, Error};
use crate::model::known::Extensions;
pub use crate::report::finding::Level;
use crate::report::finding::{RuleMeta, Severity};
use crate::source::Edition;

/// The name of the configuration file looked for in every folder from the checked
/// root up.
pub const FILE_NAME: &str = "synclint.toml";

/// Everything that shapes one run.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Levels set by the user, by rule id; rules not named run at their default.
    pub levels: BTreeMap<String, Level>,
    /// When set, only these rules run (`--rule`).
    pub only: Option<Vec<String>>,
    /// Overrides the edition read from `Cargo.toml`.
    pub edition: Option<Edition>,
    /// Worker threads; `None` uses every core.
    pub threads: Option<usize>,
    /// Additions to the lock and blocking-call tables of `rules/*.toml`.
    pub extensions: crate::model::known::Extensions,
    /// Files left out of the run.
    pub exclude: Exclude,
    /// The most bytes one file may hold; `None` is [`DEFAULT_MAX_FILE_SIZE`].
    pub max_file_size: Option<u64>,
    /// The configuration file the settings above came from, if any.
    pub file: Option<PathBuf>,
    /// Bytes the syntax trees being built at one time may take
    /// (`max_analysis_memory`); `None` uses [`crate::DEFAULT_ANALYSIS_MEMORY`].
    pub analysis_memory: Option<u64>,
    /// The declared lock orders (`lock-order`), which `declared-lock-order` checks.
    pub lock_order: LockOrder,
    /// Whether the run builds the lock map (`--lock-graph`) into its report.
    pub lock_graph: bool,
    /// A text that stands for one file's, as read from stdin (`--stdin-filename`).
    pub buffer: Option<Buffer>,
}

/// The text of a file that is not read from disk: the bytes given on stdin for the
/// file at `path`, which is analysed with the rest of its crate in place of what
/// the disk holds.
#[derive(Clone, Debug)]
pub struct Buffer {
    /// The path the text stands for, as given.
    pub path: PathBuf,
    /// That path with every link resolved, when the file exists; files found on
    /// disk are matched against it.
    pub real: Option<PathBuf>,
    /// The bytes read.
    pub bytes: std::sync::Arc<[u8]>,
}

impl Buffer {
    /// Whether the file found at `path` is the one this buffer stands for.
    pub fn is_for(&self, path: &Path) -> bool {
        if path.file_name() != self.path.file_name() {
            return false;
        }
        match &self.real {
            Some(real) => path.canonicalize().is_ok_and(|p| &p == real),
            None => path == self.path,
        }
    }
}

/// The default per-file size limit: far above any hand-written or generated source
/// file (the largest file of a corpus of 256 popular crates is 2.5 MiB) and above the
/// 20 MB generated file the robustness tests check, low enough that one file cannot
/// exhaust memory.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 32 << 20;

/// Parses a size: a count of bytes, or a number with a unit (`KiB`, `MiB`, `GiB`,
/// also `K`, `M`, `G`, `KB`, `MB`, `GB`, all powers of 1024), such as `10MiB` or
/// `512 KiB`. At least one byte.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a size such as `10MiB` or `1048576`"))?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        other => return Err(format!("unknown unit `{other}`: use `KiB`, `MiB` or `GiB`")),
    };
    let bytes = number
        .checked_mul(1u64 << shift)
        .ok_or_else(|| format!("`{text}` is too large"))?;
    if bytes == 0 {
        return Err("must be at least 1 byte".to_string());
    }
    Ok(bytes)
}

impl Config {
    /// The severity the findings of a rule (or an allow check) get in this run, or
    /// `None` when it does not run: its configured level, else its default. This is
    /// the one place a finding's severity comes from.
    pub fn severity_of(&self, meta: &RuleMeta) -> Option<Severity> {
        self.level_of(meta.id, meta.default).severity()
    }

    /// The level `rule` runs at in this run.
    ///
    /// A rule whose default is `allow` is opt-in: it runs when a level is set for it
    /// (configuration, `--warn`, `--deny`) or when `--rule` names it, and then at
    /// `warn` unless a level says otherwise.
    pub fn level_of(&self, rule: &str, default: Level) -> Level {
        let set = self.levels.get(rule).copied();
        if let Some(only) = &self.only {
            if !only.iter().any(|r| r == rule) {
                return Level::Allow;
            }
            if default == Level::Allow {
                return set.unwrap_or(Level::Warn);
            }
        }
        set.unwrap_or(default)
    }

    /// The most bytes one file may hold.
    pub fn max_file_size(&self) -> u64 {
        self.max_file_size.unwrap_or(DEFAULT_MAX_FILE_SIZE)
    }

    /// Takes the settings of a configuration file. Levels already set (from flags)
    /// are applied after it by the caller, so that flags win.
    pub fn apply(&mut self, file: FileConfig) {
        self.levels.extend(file.levels);
        if self.max_file_size.is_none() {
            self.max_file_size = file.max_file_size;
        }
        self.exclude = file.exclude;
        self.extensions = file.extensions;
        self.analysis_memory = file.analysis_memory.or(self.analysis_memory);
        self.lock_order = file.lock_order;
        self.file = Some(file.path);
    }
}

/// The `exclude` globs of a configuration file, matched against paths relative to the
/// folder of that file.
#[derive(Clone, Debug, Default)]
pub struct Exclude {
    base: PathBuf,
    patterns: Vec<String>,
    set: Option<globset::GlobSet>,
}

impl Exclude {
    /// Globs relative to `base` (an absolute folder). Fails with the index of the
    /// first pattern that is not a valid glob, and why.
    pub fn new(base: &Path, patterns: Vec<String>) -> Result<Exclude, (usize, String)> {
        let mut builder = globset::GlobSetBuilder::new();
        for (i, pattern) in patterns.iter().enumerate() {
            let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
            let glob = globset::GlobBuilder::new(pattern)
                .literal_separator(true)
                .build()
                .map_err(|e| (i, e.kind().to_string()))?;
            builder.add(glob);
        }
        let set = builder.build().map_err(|e| (0, e.to_string()))?;
        Ok(Exclude {
            base: base.to_path_buf(),
            patterns,
            set: Some(set),
        })
    }

    /// Whether nothing is excluded.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether the file or folder at `path` (absolute, without `.` or `..`) is left
    /// out: a glob matches its path relative to the configuration's folder, or the
    /// path of a folder it is in.
    pub fn is_excluded(&self, path: &Path) -> bool {
        let Some(set) = &self.set else {
            return false;
        };
        if self.patterns.is_empty() {
            return false;
        }
        let Ok(rel) = path.strip_prefix(&self.base) else {
            return false;
        };
        let mut prefix = PathBuf::new();
        for component in rel.components() {
            prefix.push(component);
            if set.is_match(&prefix) {
                return true;
            }
        }
        false
    }
}

/// The settings read from one configuration file.
#[derive(Clone, Debug, Default)]
pub struct FileConfig {
    /// The file.
    pub path: PathBuf,
    /// Rule levels from `[rules]`.
    pub levels: BTreeMap<String, Level>,
    /// The `exclude` globs.
    pub exclude: Exclude,
    /// Guard methods, async locks and blocking calls to add to the built-in tables.
    pub extensions: Extensions,
    /// `max_file_size`, in bytes.
    pub max_file_size: Option<u64>,
    /// `max_analysis_memory`, in bytes.
    pub analysis_memory: Option<u64>,
    /// The declared lock orders, `lock-order`.
    pub lock_order: LockOrder,
}

/// Finds the configuration for a run that checks `start` (a file or folder): the
/// first folder from `start` up that has a `synclint.toml`, or a `Cargo.toml` with a
/// `[package.metadata.synclint]` or `[workspace.metadata.synclint]` table.
///
/// A `Cargo.toml` that cannot be read or parsed is passed over here: whether it
/// matters is for cargo, and the edition reader reports nothing either.
///
/// `ids` are the ids a `[rules]` table may name (the command line hands it
/// `suppress::known_ids()`): the configuration sits below the rules and knows none.
pub fn find(start: &Path, ids: &[&str]) -> Result<Option<FileConfig>, Error> {
    find_within(start, None, ids)
}

/// [`find`], looking no higher than the folder `stop` (absolute) when it is given:
/// the language server reads nothing above the workspace folders its client named.
/// A `start` outside `stop` finds nothing.
pub fn find_within(
    start: &Path,
    stop: Option<&Path>,
    ids: &[&str],
) -> Result<Option<FileConfig>, Error> {
    let abs = crate::source::absolute(start);
    let first = if abs.is_dir() {
        Some(abs.as_path())
    } else {
        abs.parent()
    };
    let within = |dir: &Path| stop.is_none_or(|stop| dir.starts_with(stop));
    for dir in first
        .into_iter()
        .flat_map(Path::ancestors)
        .take_while(|d| within(d))
    {
        let own = dir.join(FILE_NAME);
        if own.is_file() {
            return load(&shown(&own), ids).map(Some);
        }
        let manifest = shown(&dir.join("Cargo.toml"));
        if manifest.is_file() {
            let Ok(text) = read_text(&manifest) else {
                continue;
            };
            if let Some(config) = from_manifest(&manifest, &text, ids)? {
                return Ok(Some(config));
            }
        }
    }
    Ok(None)
}

/// The largest configuration file or manifest read.
const MAX_CONFIG_SIZE: u64 = 16 << 20;

/// The text of a configuration file: a regular file of at most 16 MiB, so that a
/// `synclint.toml` or `Cargo.toml` that is a symlink to `/proc/self/pagemap` or a
/// device cannot hang the run or exhaust memory.
fn read_text(path: &Path) -> std::io::Result<String> {
    let bytes = crate::source::read_limited(path, MAX_CONFIG_SIZE).map_err(|e| match e {
        crate::source::ReadError::Io(e) => e,
        other => std::io::Error::other(other.to_string()),
    })?;
    String::from_utf8(bytes)
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::InvalidData, "not valid UTF-8"))
}

/// An absolute path as shown to users: relative to the current folder.
fn shown(path: &Path) -> PathBuf {
    match std::env::current_dir() {
        Ok(cwd) => crate::source::relative_to(&crate::source::absolute(&cwd), path),
        Err(_) => path.to_path_buf(),
    }
}

/// Reads a configuration file named by `--config`: a `synclint.toml`, or a
/// `Cargo.toml` whose metadata table holds the settings; `ids` as for [`find`].
pub fn load(path: &Path, ids: &[&str]) -> Result<FileConfig, Error> {
    let text = read_text(path).map_err(|source| Error::Io {
        context: format!("cannot read `{}`", crate::error::shown_path(path)),
        error: source,
    })?;
    if path.file_name().is_some_and(|n| n == "Cargo.toml") {
        return Ok(
            from_manifest(path, &text, ids)?.unwrap_or_else(|| FileConfig {
                path: path.to_path_buf(),
                ..FileConfig::default()
            }),
        );
    }
    let doc = Doc {
        path,
        text: &text,
        ids,
    };
    let table = doc.parse()?;
    doc.config(&table)
}

/// Reads the settings of a `synclint.toml` whose text is given, as [`load`] reads
/// the file at `path` (for configurations held in memory, such as a test's).
pub fn from_text(path: &Path, text: &str, ids: &[&str]) -> Result<FileConfig, Error> {
    let doc = Doc { path, text, ids };
    let table = doc.parse()?;
    doc.config(&table)
}

/// The settings in a `Cargo.toml`'s `[package.metadata.synclint]` table, or else its
/// `[workspace.metadata.synclint]` table; `None` when it has neither or does not parse.
fn from_manifest(path: &Path, text: &str, ids: &[&str]) -> Result<Option<FileConfig>, Error> {
    let Ok(table) = DeTable::parse(text) else {
        return Ok(None);
    };
    let doc = Doc { path, text, ids };
    for section in ["package", "workspace"] {
        let found = table
            .get_ref()
            .get(section)
            .and_then(|v| v.get_ref().as_table())
            .and_then(|t| t.get("metadata"))
            .and_then(|v| v.get_ref().as_table())
            .and_then(|t| t.get("synclint"));
        if let Some(value) = found {
            let Some(settings) = value.get_ref().as_table() else {
                return Err(doc.error(
                    ConfigErrorKind::InvalidValue,
                    value.span(),
                    format!("`{section}.metadata.synclint` must be a table"),
                    "expected a table",
                    None,
                ));
            };
            return doc.config_table(settings).map(Some);
        }
    }
    Ok(None)
}

/// The candidate closest to `word` by edit distance, when it is close enough to be
/// what was meant.
pub fn closest<'c>(word: &str, candidates: impl IntoIterator<Item = &'c str>) -> Option<&'c str> {
    candidates
        .into_iter()
        .map(|known| (edit_distance(word, known), known))
        .filter(|(d, known)| *d <= 3.max(known.len() / 4))
        .min()
        .map(|(_, known)| known)
}

/// Levenshtein distance, for "did you mean" suggestions.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ConfigError;
    use crate::model::known::GuardKind;

    /// The ids these tests hand to the reader, as the command line hands it every
    /// rule's and allow check's.
    const IDS: &[&str] = &["lock-across-await", "discarded-guard", "unused-allow"];

    /// A configuration above the folder a search stops at is not read; one at or
    /// below it is.
    #[test]
    fn find_within_looks_no_higher_than_its_stop() {
        let dir = tempfile::tempdir().expect("tempdir");
        let top = dir.path();
        std::fs::create_dir_all(top.join("ws/pkg/src")).expect("folders");
        std::fs::write(top.join(FILE_NAME), "[rules]\ndiscarded-guard = \"deny\"\n")
            .expect("write");
        let start = top.join("ws/pkg/src");
        assert!(find(&start, IDS).expect("valid").is_some());
        let ws = top.join("ws");
        assert!(find_within(&start, Some(&ws), IDS)
            .expect("valid")
            .is_none());
        std::fs::write(top.join("ws/pkg").join(FILE_NAME), "").expect("write");
        let found = find_within(&start, Some(&ws), IDS).expect("valid");
        let path = found.map(|f| f.path).expect("found");
        assert!(path.ends_with("ws/pkg/synclint.toml"), "{}", path.display());
        assert!(find_within(top, Some(&ws), IDS).expect("valid").is_none());
    }

    fn parse(text: &str) -> Result<FileConfig, Error> {
        let doc = Doc {
            path: Path::new("/cfg/synclint.toml"),
            text,
            ids: IDS,
        };
        let table = doc.parse()?;
        doc.config(&table)
    }

    fn config_error(text: &str) -> ConfigError {
        match parse(text) {
            Err(Error::Config(e)) => *e,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn opt_in_rules_run_only_when_turned_on() {
        let mut config = Config::default();
        assert_eq!(config.level_of("r", Level::Allow), Level::Allow);
        assert_eq!(config.level_of("r", Level::Warn), Level::Warn);
        config.only = Some(vec!["r".to_string()]);
        assert_eq!(config.level_of("r", Level::Allow), Level::Warn);
        assert_eq!(config.level_of("other", Level::Warn), Level::Allow);
        config.levels.insert("r".to_string(), Level::Deny);
        assert_eq!(config.level_of("r", Level::Allow), Level::Deny);
        config.only = None;
        assert_eq!(config.level_of("r", Level::Allow), Level::Deny);
    }

    #[test]
    fn every_key_is_read() {
        let config = parse(
            r#"
exclude = ["gen/**", "tests/data"]
async_locks = ["my_rt::Mutex"]

[rules]
lock-across-await = "deny"
discarded-guard = "allow"
unused-allow = "warn"

[[guard_method]]
name = "lock_shared"
kind = "read"
try = false

[[blocking_function]]
path = "my::net::fetch"
why = "waits for the network"

[[blocking_method]]
name = "wait_ready"
args = 0
receivers = ["Device"]
"#,
        )
        .expect("valid");
        assert_eq!(config.levels.get("lock-across-await"), Some(&Level::Deny));
        assert_eq!(config.levels.get("discarded-guard"), Some(&Level::Allow));
        assert_eq!(config.levels.get("unused-allow"), Some(&Level::Warn));
        let ext = &config.extensions;
        assert_eq!(ext.guard_methods[0].name, "lock_shared");
        assert_eq!(ext.guard_methods[0].kind, GuardKind::Read);
        assert_eq!(ext.async_locks, ["my_rt::Mutex"]);
        assert_eq!(ext.blocking_fns[0].why, "waits for the network");
        assert_eq!(ext.blocking_methods[0].args, 0);
        assert_eq!(ext.blocking_methods[0].why, parse::DEFAULT_WHY);
        assert!(config.exclude.is_excluded(Path::new("/cfg/gen/deep/x.rs")));
        assert!(config
            .exclude
            .is_excluded(Path::new("/cfg/tests/data/a.rs")));
        assert!(!config.exclude.is_excluded(Path::new("/cfg/src/gen/x.rs")));
        assert!(!config.exclude.is_excluded(Path::new("/elsewhere/gen/x.rs")));
    }

    #[test]
    fn unknown_rule_is_labelled_with_a_suggestion() {
        let text = "[rules]\nlock-across-awiat = \"deny\"\n";
        let e = config_error(text);
        assert_eq!(e.kind, ConfigErrorKind::UnknownRule);
        assert_eq!(&text[e.span_range()], "lock-across-awiat");
        assert_eq!(e.help.as_deref(), Some("did you mean `lock-across-await`?"));
    }

    #[test]
    fn unknown_keys_are_labelled_at_every_depth() {
        let text = "exclud = []\n";
        let e = config_error(text);
        assert_eq!(e.kind, ConfigErrorKind::UnknownKey);
        assert_eq!(&text[e.span_range()], "exclud");
        assert_eq!(e.help.as_deref(), Some("did you mean `exclude`?"));

        let text = "[[guard_method]]\nname = \"x\"\nkind = \"read\"\nrefcel = true\n";
        let e = config_error(text);
        assert_eq!(&text[e.span_range()], "refcel");
        assert_eq!(e.help.as_deref(), Some("did you mean `refcell`?"));
    }

    #[test]
    fn wrong_values_are_labelled() {
        let text = "[rules]\ndiscarded-guard = \"deni\"\n";
        let e = config_error(text);
        assert_eq!(&text[e.span_range()], "\"deni\"");
        assert_eq!(e.help.as_deref(), Some("did you mean `deny`?"));

        let text = "exclude = \"src\"\n";
        let e = config_error(text);
        assert_eq!(&text[e.span_range()], "\"src\"");

        let text = "exclude = [\"a[\"]\n";
        let e = config_error(text);
        assert_eq!(&text[e.span_range()], "\"a[\"");

        let text = "[[guard_method]]\nname = \"x\"\nkind = \"reed\"\n";
        let e = config_error(text);
        assert_eq!(e.help.as_deref(), Some("did you mean `read`?"));

        let e = config_error("rules = [\n");
        assert_eq!(e.kind, ConfigErrorKind::Syntax);
    }

    #[test]
    fn sizes_with_units() {
        assert_eq!(parse_size("1048576"), Ok(1 << 20));
        assert_eq!(parse_size("10MiB"), Ok(10 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("2g"), Ok(2 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("ten").is_err());
        assert!(parse_size("5 parsecs").is_err());
        assert!(parse_size("99999999999999999999 GiB").is_err());
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join(FILE_NAME);
        std::fs::write(&file, "max_file_size = 4096\n").expect("write");
        assert_eq!(load(&file, IDS).expect("valid").max_file_size, Some(4096));
        std::fs::write(&file, "max_file_size = -1\n").expect("write");
        assert!(load(&file, IDS).is_err());
    }

    #[test]
    fn cargo_metadata_tables() {
        let text = "[package]\nname = \"p\"\n\n[package.metadata.synclint]\nexclude = [\"gen\"]\n\n[package.metadata.synclint.rules]\nlock-acros-await = \"warn\"\n";
        let e = from_manifest(Path::new("Cargo.toml"), text, IDS).expect_err("a typo");
        let Error::Config(e) = e else {
            panic!("expected a config error")
        };
        assert_eq!(&text[e.span_range()], "lock-acros-await");
        let text =
            "[workspace]\n\n[workspace.metadata.synclint.rules]\ndiscarded-guard = \"deny\"\n";
        let config = from_manifest(Path::new("Cargo.toml"), text, IDS)
            .expect("valid")
            .expect("found");
        assert_eq!(config.levels.get("discarded-guard"), Some(&Level::Deny));
        assert!(
            from_manifest(Path::new("Cargo.toml"), "[package]\nname = \"p\"\n", IDS)
                .expect("valid")
                .is_none()
        );
    }
}
