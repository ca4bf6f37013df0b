//! A file's `use` imports: which local name stands for which full path.
//!
//! Imports in nested modules are merged into one table for the file; a name imported
//! twice with different paths is kept ambiguous and resolves to nothing.

use rustc_hash::FxHashMap as HashMap;

/// Local name to full path (`fs` to `std::fs`, `sleep` to `std::thread::sleep`).
#[derive(Clone, Debug, Default)]
pub struct Imports {
    names: HashMap<String, Option<String>>,
    globs: Vec<String>,
    /// The file's `type` aliases: name to the aliased type as written. A name
    /// declared twice (in different modules) with different types is ambiguous.
    aliases: HashMap<String, Option<String>>,
}

impl Imports {
    /// The full path for a path as written: its first segment is looked up in the
    /// imports; `crate::`, `self::`, `super::` and unknown first segments are kept.
    pub fn resolve(&self, segments: &[String]) -> String {
        let Some(first) = segments.first() else {
            return String::new();
        };
        let head = match self.names.get(first) {
            Some(Some(full)) => full.clone(),
            _ => first.clone(),
        };
        let mut out = head;
        for s in &segments[1..] {
            out.push_str("::");
            out.push_str(s);
        }
        out.strip_prefix("::").map(str::to_string).unwrap_or(out)
    }

    /// [`resolve`](Self::resolve) for a path whose segments are already joined by
    /// `::` (`fs::read`), reusing its text.
    pub fn resolve_joined(&self, mut path: String) -> String {
        let head = path.find("::").unwrap_or(path.len());
        if let Some(Some(full)) = self.names.get(&path[..head]) {
            path.replace_range(..head, full);
        }
        match path.strip_prefix("::") {
            Some(rest) => rest.to_string(),
            None => path,
        }
    }

    /// Whether any import path starts with `prefix` (`tokio::`).
    pub fn mentions(&self, prefix: &str) -> bool {
        self.names
            .values()
            .flatten()
            .chain(self.globs.iter())
            .any(|p| p.starts_with(prefix))
    }

    /// Whether a type as written (`Arc<tokio::sync::Mutex<T>>`, `&Mutex<T>` with
    /// `use tokio::sync::Mutex;`) is, or wraps, one of the given async lock types.
    /// A `type` alias of the file is followed to the type it names
    /// (`type Fork = LocalMutex<()>;` makes `&Fork` an async lock).
    pub fn is_async_lock_type(&self, ty: &str, async_locks: &[String]) -> bool {
        self.is_async_lock_type_within(ty, async_locks, 0)
    }

    fn is_async_lock_type_within(&self, ty: &str, async_locks: &[String], depth: u8) -> bool {
        let words = || ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'));
        // Aliases of aliases are followed a few steps; a cycle of aliases ends there.
        if depth < 4 && !self.aliases.is_empty() {
            let aliased = words().any(|w| {
                matches!(self.aliases.get(w), Some(Some(target))
                    if self.is_async_lock_type_within(target, async_locks, depth + 1))
            });
            if aliased {
                return true;
            }
        }
        words()
            .filter(|w| w.ends_with("Mutex") || w.ends_with("RwLock"))
            .any(|w| {
                let segs: Vec<String> = w
                    .split("::")
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                let full = self.resolve(&segs);
                async_locks.contains(&full)
            })
    }

    /// Glob imports (`use std::fs::*;` gives `std::fs`).
    pub fn globs(&self) -> &[String] {
        &self.globs
    }

    /// Records that `name` stands for `path`; a name recorded twice with different
    /// paths becomes ambiguous.
    pub(crate) fn add(&mut self, name: String, path: String) {
        match self.names.get(&name) {
            Some(Some(existing)) if *existing != path => {
                self.names.insert(name, None);
            }
            Some(_) => {}
            None => {
                self.names.insert(name, Some(path));
            }
        }
    }

    /// Records a glob import of `prefix::*`.
    pub(crate) fn add_glob(&mut self, prefix: String) {
        self.globs.push(prefix);
    }

    /// Records a `type` alias; a name declared twice with different types becomes
    /// ambiguous.
    pub(crate) fn add_alias(&mut self, name: String, target: String) {
        match self.aliases.get(&name) {
            Some(Some(existing)) if *existing != target => {
                self.aliases.insert(name, None);
            }
            Some(_) => {}
            None => {
                self.aliases.insert(name, Some(target));
            }
        }
    }
}
