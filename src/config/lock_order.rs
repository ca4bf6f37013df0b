//! The declared lock order of a configuration: `lock-order = ["A.x", "B.y"]` for one
//! hierarchy, or `[[lock-order]]` tables with `locks = [..]` for several, read with
//! the span of every name so that a name no lock of the run has can be reported in
//! the file (see [`LockOrder::unknown_error`]).
//!
//! This module checks the shape of the list and names listed twice; whether a name
//! is a lock is known only after the analysis, which hands the names it found back.
//! It does not decide what goes against the order: the `declared-lock-order` rule does.

use std::collections::HashMap;
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Arc;

use toml::de::DeValue;

use super::parse::{Doc, Value};
use crate::error::{ConfigErrorKind, Error};

/// The key of the declared lock order in a configuration table.
pub const KEY: &str = "lock-order";

/// Most unknown names the error lists besides the one it labels.
const MAX_LISTED: usize = 8;

/// The keys of a `[[lock-order]]` table.
const GROUP_KEYS: &[&str] = &["locks"];

/// The lock orders a configuration declares: each group is one hierarchy, its locks
/// in the order they must be taken.
#[derive(Clone, Debug, Default)]
pub struct LockOrder {
    /// The names of each group, in their declared order, as findings name locks
    /// (`Cache.files`, a static's path).
    pub groups: Vec<Vec<String>>,
    /// Where each name is, in bytes of the file's text, in the order of `groups`.
    spans: Vec<Vec<Range<usize>>>,
    /// The file the order was read from and its text, for errors that point into it.
    source: Option<Arc<(PathBuf, String)>>,
}

impl LockOrder {
    /// Whether no order is declared.
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(Vec::is_empty)
    }

    /// Every declared name, once each, in declared order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.groups.iter().flatten().map(String::as_str)
    }

    /// The configuration error for the declared names that are not locks of the
    /// run (`is_lock` says which are), labelled at the first of them; `None` when
    /// every name is a lock.
    pub fn unknown_error(&self, is_lock: impl Fn(&str) -> bool) -> Option<Error> {
        let unknown: Vec<(usize, usize)> = self
            .groups
            .iter()
            .enumerate()
            .flat_map(|(g, names)| (0..names.len()).map(move |i| (g, i)))
            .filter(|&(g, i)| !is_lock(&self.groups[g][i]))
            .collect();
        let &(g, i) = unknown.first()?;
        let name = &self.groups[g][i];
        let more = match unknown.len() {
            1 => String::new(),
            n => {
                let mut rest: Vec<String> = unknown[1..]
                    .iter()
                    .take(MAX_LISTED)
                    .map(|&(g, i)| format!("`{}`", self.groups[g][i]))
                    .collect();
                if n - 1 > MAX_LISTED {
                    rest.push(format!("{} more", n - 1 - MAX_LISTED));
                }
                format!(" (nor {}: {} unknown names)", rest.join(", "), n)
            }
        };
        let message = format!(
            "`lock-order` names `{name}`, which no lock of the checked crates is called{more}"
        );
        let help = "name locks as findings print them: `Type.field` for a field, the path of a static (`STATE`, `cache::STATE`); `synclint --lock-graph dot` lists every lock of the crate".to_string();
        let Some(source) = &self.source else {
            // An order built in code, not read from a file: nothing to point into.
            return Some(Error::Config(Box::new(crate::error::ConfigError::new(
                ConfigErrorKind::UnknownLock,
                std::path::Path::new("synclint.toml"),
                "",
                0..0,
                message,
                "not a lock".to_string(),
                Some(help),
            ))));
        };
        let (path, text) = &**source;
        Some(Error::Config(Box::new(crate::error::ConfigError::new(
            ConfigErrorKind::UnknownLock,
            path,
            text,
            self.spans[g][i].clone(),
            message,
            "not a lock of the checked crates".to_string(),
            Some(help),
        ))))
    }
}

impl Doc<'_> {
    /// Reads `lock-order`: an array of names (one group), or an array of tables
    /// (`[[lock-order]]`), each with `locks`, an array of names.
    pub(super) fn lock_order(&self, value: &Value<'_>) -> Result<LockOrder, Error> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(
                value,
                "`lock-order`",
                "an array of lock names, or `[[lock-order]]` tables with `locks`",
            ));
        };
        let mut order = LockOrder {
            source: Some(Arc::new((self.path.to_path_buf(), self.text.to_string()))),
            ..LockOrder::default()
        };
        // The first entry says which form the list takes; an entry of the other form
        // is then labelled as the wrong type.
        let is_names = items.iter().next().is_none_or(|i| !i.get_ref().is_table());
        if is_names {
            self.group(value, "lock-order", &mut order)?;
            return Ok(order);
        }
        for item in items.iter() {
            let Some(table) = item.get_ref().as_table() else {
                return Err(self.wrong_type(
                    item,
                    "an entry of `lock-order`",
                    "a lock name (in a list of names) or a table with `locks` (in `[[lock-order]]`), not both",
                ));
            };
            self.check_keys(table, GROUP_KEYS, "`lock-order` entry")?;
            let Some(locks) = table.get("locks") else {
                return Err(self.missing(item, "locks", "lock-order"));
            };
            self.group(locks, "locks", &mut order)?;
        }
        Ok(order)
    }

    /// One group of names, added to `order`; a name listed twice in it is an error.
    fn group(&self, value: &Value<'_>, key: &str, order: &mut LockOrder) -> Result<(), Error> {
        let names = self.strings(value, key)?;
        let mut group: Vec<String> = Vec::with_capacity(names.len());
        let mut spans = Vec::with_capacity(names.len());
        // Where each name is in the list, so that a long list costs no more than
        // its length.
        let mut seen: HashMap<String, usize> = HashMap::with_capacity(names.len());
        for (name, span) in names {
            if name.trim().is_empty() {
                return Err(self.error(
                    ConfigErrorKind::InvalidValue,
                    span,
                    "an empty lock name in `lock-order`".to_string(),
                    "empty",
                    None,
                ));
            }
            if let Some(&first) = seen.get(&name) {
                let help = Some(format!(
                    "remove one: it is also name {} of this list",
                    first + 1
                ));
                return Err(self.error(
                    ConfigErrorKind::InvalidValue,
                    span,
                    format!("`{name}` is listed twice in one lock order"),
                    "listed again here",
                    help,
                ));
            }
            seen.insert(name.clone(), group.len());
            group.push(name);
            spans.push(span);
        }
        order.groups.push(group);
        order.spans.push(spans);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::error::ConfigError;

    fn read(text: &str) -> Result<LockOrder, Error> {
        let doc = Doc {
            path: Path::new("/cfg/synclint.toml"),
            text,
            ids: &[],
        };
        let table = doc.parse()?;
        doc.config(&table).map(|c| c.lock_order)
    }

    fn error(text: &str) -> ConfigError {
        match read(text) {
            Err(Error::Config(e)) => *e,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn one_list_is_one_group() {
        let order = read("lock-order = [\"Cache.files\", \"Cache.state\"]\n").expect("valid");
        assert_eq!(order.groups, [["Cache.files", "Cache.state"]]);
        assert!(!order.is_empty());
    }

    #[test]
    fn tables_are_groups() {
        let text = "[[lock-order]]\nlocks = [\"A.x\", \"A.y\"]\n\n[[lock-order]]\nlocks = [\"STATE\", \"B.z\"]\n";
        let order = read(text).expect("valid");
        assert_eq!(order.groups, [vec!["A.x", "A.y"], vec!["STATE", "B.z"]]);
        assert_eq!(order.names().count(), 4);
    }

    #[test]
    fn unknown_names_point_into_the_file() {
        let text = "lock-order = [\"Cache.files\", \"Cache.stat\", \"Nope\"]\n";
        let order = read(text).expect("valid");
        let Some(Error::Config(e)) = order.unknown_error(|n| n == "Cache.files") else {
            panic!("expected an unknown-lock error");
        };
        assert_eq!(e.kind, ConfigErrorKind::UnknownLock);
        assert_eq!(&text[e.span_range()], "\"Cache.stat\"");
        assert!(e.message.contains("`Nope`"), "{}", e.message);
        assert!(order.unknown_error(|_| true).is_none());
    }

    #[test]
    fn wrong_shapes_are_labelled() {
        let text = "lock-order = \"Cache.files\"\n";
        assert_eq!(&text[error(text).span_range()], "\"Cache.files\"");
        let text = "lock-order = [\"A.x\", \"A.x\"]\n";
        let e = error(text);
        assert_eq!(e.span_range(), 21..26);
        assert!(e.message.contains("twice"), "{}", e.message);
        let text = "[[lock-order]]\nlock = [\"A.x\"]\n";
        let e = error(text);
        assert_eq!(&text[e.span_range()], "lock");
        assert_eq!(e.help.as_deref(), Some("did you mean `locks`?"));
        let text = "lock-order = [\"A.x\", 3]\n";
        assert_eq!(&text[error(text).span_range()], "3");
        let text = "[[lock-order]]\n";
        assert_eq!(error(text).kind, ConfigErrorKind::InvalidValue);
    }
}
