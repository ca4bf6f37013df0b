//! Run configuration: which rules run at which level, the edition override, thread
//! count, and user extensions of the lock and blocking-call tables.
//!
//! This module only holds settings; reading `synclint.toml` comes later and lands here.

use std::collections::BTreeMap;

use crate::report::finding::Severity;
use crate::source::Edition;

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
}

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
}

impl Config {
    /// The level `rule` runs at in this run.
    pub fn level_of(&self, rule: &str, default: Level) -> Level {
        if let Some(only) = &self.only {
            if !only.iter().any(|r| r == rule) {
                return Level::Allow;
            }
        }
        self.levels.get(rule).copied().unwrap_or(default)
    }
}
