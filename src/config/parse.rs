//! Reading one configuration text into a [`FileConfig`]: every key, value and entry
//! checked, each mistake an error labelled at its place in the TOML. A wrong setting
//! does not stop the reading: every mistake of the file is reported at once, the
//! first as the error and the others after it (see [`ConfigError::also`]). Only a
//! text that is not TOML at all stops at its first error.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::Path;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::{closest, lock_order, parse_size, Exclude, FileConfig, Level};
use crate::error::{ConfigError, ConfigErrorKind, Error};
use crate::model::known::{BlockingFn, BlockingMethod, GuardKind, GuardMethod};

/// The keys a configuration table may have, in the order `docs/configuration.md`
/// lists them.
pub const KEYS: &[&str] = &[
    "exclude",
    "max_file_size",
    "rules",
    "guard_method",
    "async_locks",
    "blocking_function",
    "blocking_method",
    "max_analysis_memory",
    lock_order::KEY,
];

const GUARD_METHOD_KEYS: &[&str] = &["name", "kind", "try", "refcell"];
const BLOCKING_FUNCTION_KEYS: &[&str] = &["path", "why"];
const BLOCKING_METHOD_KEYS: &[&str] = &["name", "args", "receivers", "async_receivers", "why"];
const GUARD_KINDS: &[&str] = &["mutex", "read", "write", "borrow", "borrow_mut"];

/// What a user's blocking call does, when the entry does not say.
pub(super) const DEFAULT_WHY: &str = "blocks the thread";

/// One configuration text being read, for errors that point into it.
pub(super) struct Doc<'a> {
    pub(super) path: &'a Path,
    pub(super) text: &'a str,
    /// The ids a `[rules]` table may name.
    pub(super) ids: &'a [&'a str],
}

pub(super) type Table<'i> = DeTable<'i>;
pub(super) type Value<'i> = Spanned<DeValue<'i>>;

/// The errors found so far in one configuration text: a setting that is wrong is
/// recorded and the next one still read, so that one run names every mistake.
#[derive(Default)]
struct Errors {
    found: Vec<ConfigError>,
    /// An error that is not about a spot of the file, kept as it is.
    other: Option<Error>,
}

impl Errors {
    /// The value, or `None` after recording the error.
    fn keep<T>(&mut self, result: Result<T, Error>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(err) => {
                self.push(err);
                None
            }
        }
    }

    fn push(&mut self, err: Error) {
        match err {
            Error::Config(mut e) => {
                let also = std::mem::take(&mut e.also);
                self.found.push(*e);
                self.found.extend(also);
            }
            other => {
                self.other.get_or_insert(other);
            }
        }
    }

    /// `Ok` when nothing was recorded, else one error: the first in the file, with
    /// the others after it.
    fn finish(mut self) -> Result<(), Error> {
        if let Some(other) = self.other {
            return Err(other);
        }
        self.found.sort_by_key(|e| (e.span.start, e.span.end));
        self.found
            .dedup_by(|a, b| a.span == b.span && a.message == b.message);
        let mut found = self.found.into_iter();
        let Some(mut first) = found.next() else {
            return Ok(());
        };
        first.also = found.collect();
        Err(Error::Config(Box::new(first)))
    }
}

impl<'a> Doc<'a> {
    pub(super) fn parse(&self) -> Result<Spanned<Table<'a>>, Error> {
        DeTable::parse(self.text).map_err(|e| {
            let span = e.span().unwrap_or(0..0);
            let message = e.message().trim().trim_end_matches('.').to_string();
            self.error(
                ConfigErrorKind::Syntax,
                span,
                format!(
                    "`{}` is not valid TOML",
                    crate::error::shown_path(self.path)
                ),
                &message,
                None,
            )
        })
    }

    pub(super) fn error(
        &self,
        kind: ConfigErrorKind,
        span: Range<usize>,
        message: String,
        label: &str,
        help: Option<String>,
    ) -> Error {
        Error::Config(Box::new(ConfigError::new(
            kind,
            self.path,
            self.text,
            span,
            message,
            label.to_string(),
            help,
        )))
    }

    pub(super) fn config(&self, table: &Spanned<Table<'_>>) -> Result<FileConfig, Error> {
        self.config_table(table.get_ref())
    }

    /// The settings of `table`; every setting that is wrong is an error, all of them
    /// in one.
    pub(super) fn config_table(&self, table: &Table<'_>) -> Result<FileConfig, Error> {
        let mut errors = Errors::default();
        errors.keep(self.check_keys(table, KEYS, "configuration"));
        let base = crate::source::absolute(self.path)
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let mut config = FileConfig {
            path: self.path.to_path_buf(),
            ..FileConfig::default()
        };
        if let Some(value) = table.get("exclude") {
            if let Some(patterns) = errors.keep(self.strings(value, "exclude")) {
                let texts: Vec<String> = patterns.iter().map(|(s, _)| s.clone()).collect();
                let exclude = Exclude::new(&base, texts).map_err(|(i, why)| {
                    self.error(
                        ConfigErrorKind::InvalidValue,
                        patterns[i].1.clone(),
                        format!("`{}` is not a valid glob", patterns[i].0),
                        &why,
                        None,
                    )
                });
                if let Some(exclude) = errors.keep(exclude) {
                    config.exclude = exclude;
                }
            }
        }
        if let Some(value) = table.get("max_file_size") {
            config.max_file_size = errors.keep(self.size(value, "max_file_size"));
        }
        if let Some(value) = table.get("rules") {
            config.levels = self.rules(value, &mut errors);
        }
        if let Some(value) = table.get("guard_method") {
            for entry in errors
                .keep(self.tables(value, "guard_method"))
                .unwrap_or_default()
            {
                if let Some(method) = errors.keep(self.guard_method(entry)) {
                    config.extensions.guard_methods.push(method);
                }
            }
        }
        if let Some(value) = table.get("async_locks") {
            if let Some(locks) = errors.keep(self.strings(value, "async_locks")) {
                config.extensions.async_locks = locks.into_iter().map(|(s, _)| s).collect();
            }
        }
        if let Some(value) = table.get("blocking_function") {
            let entries = errors.keep(self.tables(value, "blocking_function"));
            for entry in entries.unwrap_or_default() {
                if let Some(f) = errors.keep(self.blocking_function(entry)) {
                    config.extensions.blocking_fns.push(f);
                }
            }
        }
        if let Some(value) = table.get("max_analysis_memory") {
            config.analysis_memory = errors.keep(self.size(value, "max_analysis_memory"));
        }
        if let Some(value) = table.get(lock_order::KEY) {
            if let Some(order) = errors.keep(self.lock_order(value)) {
                config.lock_order = order;
            }
        }
        if let Some(value) = table.get("blocking_method") {
            let entries = errors.keep(self.tables(value, "blocking_method"));
            for entry in entries.unwrap_or_default() {
                if let Some(method) = errors.keep(self.blocking_method(entry)) {
                    config.extensions.blocking_methods.push(method);
                }
            }
        }
        errors.finish()?;
        Ok(config)
    }

    fn blocking_function(&self, entry: &Value<'_>) -> Result<BlockingFn, Error> {
        let table = entry
            .get_ref()
            .as_table()
            .expect("invariant: `tables` returns only tables");
        self.check_keys(table, BLOCKING_FUNCTION_KEYS, "blocking_function")?;
        let path = self.required_str(entry, "path", "blocking_function")?;
        let why = self.optional_str(table, "why")?;
        Ok(BlockingFn {
            path,
            why: why.unwrap_or_else(|| DEFAULT_WHY.to_string()),
        })
    }

    /// Every key of `table` must be one of `known`; one error names every other.
    pub(super) fn check_keys(
        &self,
        table: &Table<'_>,
        known: &[&str],
        what: &str,
    ) -> Result<(), Error> {
        let mut errors = Errors::default();
        for key in table
            .keys()
            .filter(|k| !known.contains(&k.get_ref().as_ref()))
        {
            let name: &str = key.get_ref();
            let help = match closest(name, known.iter().copied()) {
                Some(near) => format!("did you mean `{near}`?"),
                None => format!(
                    "the keys of the {what} are {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            errors.push(self.error(
                ConfigErrorKind::UnknownKey,
                key.span(),
                format!("unknown key `{name}` in the {what}"),
                "unknown key",
                Some(help),
            ));
        }
        errors.finish()
    }

    /// A size key: a number of bytes, or a string with a unit (`"10MiB"`).
    fn size(&self, value: &Value<'_>, key: &str) -> Result<u64, Error> {
        let parsed = match value.get_ref() {
            DeValue::Integer(i) => u64::from_str_radix(i.as_str(), i.radix())
                .map_err(|_| "must be a positive number of bytes".to_string())
                .and_then(|n| parse_size(&n.to_string())),
            DeValue::String(s) => parse_size(s),
            _ => Err("expected a number of bytes or a string such as \"10MiB\"".to_string()),
        };
        parsed.map_err(|why| {
            self.error(
                ConfigErrorKind::InvalidValue,
                value.span(),
                format!("`{key}` is not a valid size"),
                &why,
                None,
            )
        })
    }

    /// The levels of `[rules]`; an entry that is wrong is recorded and left out.
    fn rules(&self, value: &Value<'_>, errors: &mut Errors) -> BTreeMap<String, Level> {
        let Some(table) = value.get_ref().as_table() else {
            errors.push(self.wrong_type(value, "`rules`", "a table of rule ids and levels"));
            return BTreeMap::new();
        };
        let mut entries: Vec<_> = table.iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut levels = BTreeMap::new();
        for (key, level) in entries {
            let id: &str = key.get_ref();
            if !self.ids.contains(&id) {
                let help = match closest(id, self.ids.iter().copied()) {
                    Some(near) => format!("did you mean `{near}`?"),
                    None => "run `synclint --list-rules` to see every rule".to_string(),
                };
                errors.push(self.error(
                    ConfigErrorKind::UnknownRule,
                    key.span(),
                    format!("unknown rule `{id}`"),
                    "not a rule id",
                    Some(help),
                ));
                continue;
            }
            let parsed = level.get_ref().as_str().and_then(Level::parse);
            let Some(parsed) = parsed else {
                errors.push(
                    self.error(
                        ConfigErrorKind::InvalidValue,
                        level.span(),
                        format!("the level of `{id}` must be `allow`, `warn` or `deny`"),
                        "not a level",
                        level
                            .get_ref()
                            .as_str()
                            .and_then(|s| closest(s, ["allow", "warn", "deny"]))
                            .map(|near| format!("did you mean `{near}`?")),
                    ),
                );
                continue;
            };
            levels.insert(id.to_string(), parsed);
        }
        levels
    }

    fn guard_method(&self, entry: &Value<'_>) -> Result<GuardMethod, Error> {
        let table = entry
            .get_ref()
            .as_table()
            .expect("invariant: `tables` returns only tables");
        self.check_keys(table, GUARD_METHOD_KEYS, "guard_method")?;
        let name = self.required_str(entry, "name", "guard_method")?;
        let kind_name = self.required_str(entry, "kind", "guard_method")?;
        let kind = match kind_name.as_str() {
            "mutex" => GuardKind::Mutex,
            "read" => GuardKind::Read,
            "write" => GuardKind::Write,
            "borrow" => GuardKind::Borrow,
            "borrow_mut" => GuardKind::BorrowMut,
            other => {
                let span = table.get("kind").map(|v| v.span()).unwrap_or(entry.span());
                return Err(self.error(
                    ConfigErrorKind::InvalidValue,
                    span,
                    format!("unknown guard kind `{other}`"),
                    "not a guard kind",
                    Some(match closest(other, GUARD_KINDS.iter().copied()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => "the kinds are `mutex`, `read`, `write`, `borrow` and `borrow_mut`"
                            .to_string(),
                    }),
                ));
            }
        };
        Ok(GuardMethod {
            name,
            kind,
            is_try: self.optional_bool(table, "try")?.unwrap_or(false),
            refcell: self.optional_bool(table, "refcell")?.unwrap_or(false),
            shard: false,
        })
    }

    fn blocking_method(&self, entry: &Value<'_>) -> Result<BlockingMethod, Error> {
        let table = entry
            .get_ref()
            .as_table()
            .expect("invariant: `tables` returns only tables");
        self.check_keys(table, BLOCKING_METHOD_KEYS, "blocking_method")?;
        let name = self.required_str(entry, "name", "blocking_method")?;
        let Some(args) = table.get("args") else {
            return Err(self.missing(entry, "args", "blocking_method"));
        };
        let n_args = args
            .get_ref()
            .as_integer()
            .and_then(|i| i.as_str().parse::<usize>().ok());
        let Some(n_args) = n_args else {
            return Err(self.wrong_type(args, "`args`", "a number of arguments, such as `0`"));
        };
        let list = |key: &str| -> Result<Option<Vec<String>>, Error> {
            table
                .get(key)
                .map(|v| {
                    self.strings(v, key)
                        .map(|xs| xs.into_iter().map(|(s, _)| s).collect())
                })
                .transpose()
        };
        Ok(BlockingMethod {
            name,
            args: n_args,
            receivers: list("receivers")?,
            async_receivers: list("async_receivers")?,
            why: self
                .optional_str(table, "why")?
                .unwrap_or_else(|| DEFAULT_WHY.to_string()),
        })
    }

    /// An array of tables (`[[key]]`), or one inline table.
    pub(super) fn tables<'v, 'i>(
        &self,
        value: &'v Value<'i>,
        key: &str,
    ) -> Result<Vec<&'v Value<'i>>, Error> {
        match value.get_ref() {
            DeValue::Array(items) => {
                for item in items.iter() {
                    if !item.get_ref().is_table() {
                        return Err(self.wrong_type(
                            item,
                            &format!("an entry of `{key}`"),
                            "a table",
                        ));
                    }
                }
                Ok(items.iter().collect())
            }
            DeValue::Table(_) => Ok(vec![value]),
            _ => Err(self.wrong_type(
                value,
                &format!("`{key}`"),
                &format!("an array of tables (`[[{key}]]`)"),
            )),
        }
    }

    /// An array of strings, each with its span.
    pub(super) fn strings(
        &self,
        value: &Value<'_>,
        key: &str,
    ) -> Result<Vec<(String, Range<usize>)>, Error> {
        let DeValue::Array(items) = value.get_ref() else {
            return Err(self.wrong_type(value, &format!("`{key}`"), "an array of strings"));
        };
        items
            .iter()
            .map(|item| match item.get_ref().as_str() {
                Some(s) => Ok((s.to_string(), item.span())),
                None => Err(self.wrong_type(item, &format!("an entry of `{key}`"), "a string")),
            })
            .collect()
    }

    pub(super) fn required_str(
        &self,
        entry: &Value<'_>,
        key: &str,
        what: &str,
    ) -> Result<String, Error> {
        let table = entry
            .get_ref()
            .as_table()
            .expect("invariant: `tables` returns only tables");
        match self.optional_str(table, key)? {
            Some(s) if !s.trim().is_empty() => Ok(s),
            Some(_) => {
                let span = table.get(key).map_or(entry.span(), |v| v.span());
                Err(self.error(
                    ConfigErrorKind::InvalidValue,
                    span,
                    format!("`{key}` of a `{what}` entry is empty"),
                    "empty",
                    None,
                ))
            }
            None => Err(self.missing(entry, key, what)),
        }
    }

    pub(super) fn optional_str(
        &self,
        table: &Table<'_>,
        key: &str,
    ) -> Result<Option<String>, Error> {
        table
            .get(key)
            .map(|v| match v.get_ref().as_str() {
                Some(s) => Ok(s.to_string()),
                None => Err(self.wrong_type(v, &format!("`{key}`"), "a string")),
            })
            .transpose()
    }

    pub(super) fn optional_bool(
        &self,
        table: &Table<'_>,
        key: &str,
    ) -> Result<Option<bool>, Error> {
        table
            .get(key)
            .map(|v| match v.get_ref().as_bool() {
                Some(b) => Ok(b),
                None => Err(self.wrong_type(v, &format!("`{key}`"), "`true` or `false`")),
            })
            .transpose()
    }

    pub(super) fn missing(&self, entry: &Value<'_>, key: &str, what: &str) -> Error {
        self.error(
            ConfigErrorKind::InvalidValue,
            entry.span(),
            format!("a `{what}` entry needs `{key}`"),
            &format!("`{key}` missing here"),
            None,
        )
    }

    pub(super) fn wrong_type(&self, value: &Value<'_>, what: &str, expected: &str) -> Error {
        self.error(
            ConfigErrorKind::InvalidValue,
            value.span(),
            format!("{what} must be {expected}"),
            &format!("this is {}", article(value.get_ref().type_str())),
            None,
        )
    }
}

fn article(type_name: &str) -> String {
    if type_name.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {type_name}")
    } else {
        format!("a {type_name}")
    }
}
