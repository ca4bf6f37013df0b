//! Packages and their editions, read from the nearest `Cargo.toml` above a file as
//! TOML only: the sources a package's manifest names (target paths outside the
//! package are skipped), the edition it declares or inherits from its workspace, and
//! the bounded reading of manifests.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use super::{absolute, escaped, Skipped};
use crate::error::Error;
use crate::source::Edition;

/// A Cargo package as its manifest describes it, read without cargo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The folder of its `Cargo.toml`, absolute.
    pub root: PathBuf,
    /// `package.name`, when the manifest gives one.
    pub name: Option<String>,
    /// Its edition.
    pub edition: Edition,
    /// Where its crate's sources are, absolute: `src/`, `tests/`, `examples/`,
    /// `benches/`, the build script, and the folder of every target path the manifest
    /// names (or the file itself when it sits at the root). Some may not exist.
    pub sources: Vec<PathBuf>,
    /// Target paths and source folders the manifest points outside the package (an
    /// absolute path, a `..` that leaves it, a symlink out of it); never read.
    pub skipped: Vec<Skipped>,
    /// Whether a target's root file sits in the package root (`[lib] path =
    /// "lib.rs"`): its modules (`storage.rs`, `storage/wal.rs`) are then files
    /// anywhere under the root, not only under [`sources`](Self::sources).
    pub root_target: bool,
}

impl Package {
    /// Whether the file at `path` (absolute) is one of the package's sources. When a
    /// target's root file sits in the package root, every file below the root is (the
    /// callers ask the nearest package of a file, so one of a package nested below
    /// is that package's).
    pub fn contains(&self, path: &Path) -> bool {
        (self.root_target && path.starts_with(&self.root))
            || self.sources.iter().any(|s| path.starts_with(s))
    }
}

/// Finds the package of files from the nearest `Cargo.toml` with a `[package]` table
/// above them, caching the answer per folder.
///
/// The edition:
/// - `[package] edition = "2024"` gives that edition.
/// - `edition.workspace = true` reads `[workspace.package] edition` from the workspace
///   root: the folder named by `package.workspace`, or else the nearest `Cargo.toml`
///   with a `[workspace]` table at or above the package.
/// - A package without an `edition` key is edition 2015, as cargo says.
/// - A manifest without `[package]` (a virtual workspace) is passed over.
/// - No manifest, a malformed one, or an edition that cannot be resolved gives the
///   default, 2021.
#[derive(Debug, Default)]
pub struct PackageFinder {
    by_dir: HashMap<PathBuf, Option<Rc<Package>>>,
}

impl PackageFinder {
    /// The package whose manifest is nearest above the file at `path`.
    pub fn package_of(&mut self, path: &Path) -> Option<Rc<Package>> {
        let abs = absolute(path);
        let mut visited = Vec::new();
        let mut dir = abs.parent();
        let found = loop {
            let Some(d) = dir else {
                break None;
            };
            if let Some(known) = self.by_dir.get(d) {
                break known.clone();
            }
            visited.push(d.to_path_buf());
            if let Some(package) = read_package(d) {
                break Some(Rc::new(package));
            }
            dir = d.parent();
        };
        for d in visited {
            self.by_dir.insert(d, found.clone());
        }
        found
    }

    /// The edition of the file at `path`.
    pub fn edition_of(&mut self, path: &Path) -> Edition {
        self.package_of(path)
            .map_or_else(Edition::default, |p| p.edition)
    }
}

/// The package whose manifest is nearest above the file at `path`, looking no higher
/// than the folder `stop` (absolute): `None` when no folder from the file's up to
/// `stop` has a package manifest, or the file is outside `stop`. No manifest above
/// `stop` is read but the workspace manifest an `edition.workspace = true` names.
pub fn package_within(path: &Path, stop: &Path) -> Option<Package> {
    let abs = absolute(path);
    abs.parent()
        .into_iter()
        .flat_map(Path::ancestors)
        .take_while(|d| d.starts_with(stop))
        .find_map(read_package)
}

/// The package whose manifest is in `dir`, or `None` when `dir` has no package
/// manifest (no `Cargo.toml`, or one without `[package]`).
fn read_package(dir: &Path) -> Option<Package> {
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        return None;
    }
    let Some(table) = read_manifest(&manifest) else {
        // Malformed or unreadable: it is still the nearest manifest, so stop here.
        let mut skipped = Vec::new();
        let sources = inside(dir, default_sources(dir, true), &mut skipped);
        return Some(Package {
            root: dir.to_path_buf(),
            name: None,
            edition: Edition::default(),
            sources,
            skipped,
            root_target: false,
        });
    };
    package_from(dir, &table)
}

/// The package a parsed manifest in `dir` describes; `None` without `[package]`.
pub(super) fn package_from(dir: &Path, table: &toml::Table) -> Option<Package> {
    let package = table.get("package")?.as_table()?;
    let edition = match package.get("edition") {
        None => Edition::E2015,
        Some(toml::Value::String(s)) => Edition::parse(s).unwrap_or_default(),
        Some(toml::Value::Table(t)) if t.get("workspace") == Some(&toml::Value::Boolean(true)) => {
            let root = match package.get("workspace") {
                Some(toml::Value::String(rel)) => Some(absolute(&dir.join(rel))),
                _ => workspace_root(dir),
            };
            root.and_then(|r| workspace_edition(&r)).unwrap_or_default()
        }
        Some(_) => Edition::default(),
    };
    let mut skipped = Vec::new();
    let manifest = dir.join("Cargo.toml");
    let mut sources = Vec::new();
    // `autotests = false` and the like: the folder holds a target only when the
    // manifest names one there, which the target paths below bring in.
    for (folder, auto) in [
        ("src", None),
        ("tests", Some("autotests")),
        ("examples", Some("autoexamples")),
        ("benches", Some("autobenches")),
    ] {
        let off = auto.is_some_and(|key| package.get(key) == Some(&toml::Value::Boolean(false)));
        if !off {
            sources.push(dir.join(folder));
        }
    }
    // An absolute path, or one whose `..` climbs out, is not the package's.
    let mut checked = |path: &str| {
        let given = Path::new(path);
        let joined = absolute(&dir.join(given));
        if given.has_root() || !joined.starts_with(dir) || joined == dir {
            skipped.push(Skipped::new(
                given,
                format!(
                    "`{}` names a target path outside its package",
                    escaped(&manifest.to_string_lossy())
                ),
            ));
            return None;
        }
        Some(joined)
    };
    let mut target_paths: Vec<&str> = Vec::new();
    match package.get("build") {
        Some(toml::Value::String(build)) => sources.extend(checked(build)),
        Some(toml::Value::Boolean(false)) => {}
        _ => sources.push(dir.join("build.rs")),
    }
    if let Some(path) = table
        .get("lib")
        .and_then(|l| l.get("path"))
        .and_then(|p| p.as_str())
    {
        target_paths.push(path);
    }
    for kind in ["bin", "test", "example", "bench"] {
        let Some(targets) = table.get(kind).and_then(|t| t.as_array()) else {
            continue;
        };
        target_paths.extend(
            targets
                .iter()
                .filter_map(|t| t.get("path").and_then(|p| p.as_str())),
        );
    }
    let mut root_target = false;
    for path in target_paths {
        if let Some(joined) = checked(path) {
            let source = target_source(dir, &joined);
            root_target |= source == joined;
            sources.push(source);
        }
    }
    sources.sort();
    sources.dedup();
    let sources = inside(dir, sources, &mut skipped);
    Some(Package {
        root: dir.to_path_buf(),
        name: package
            .get("name")
            .and_then(|n| n.as_str())
            .map(str::to_string),
        edition,
        sources,
        skipped,
        root_target,
    })
}

/// The sources that stay inside the package `dir` once symlinks are resolved (a
/// `src` that is a symlink to `/etc` does not); the others go to `skipped`.
fn inside(dir: &Path, sources: Vec<PathBuf>, skipped: &mut Vec<Skipped>) -> Vec<PathBuf> {
    let Ok(real_dir) = dir.canonicalize() else {
        return sources;
    };
    sources
        .into_iter()
        .filter(|s| match s.canonicalize() {
            Ok(real) if !real.starts_with(&real_dir) => {
                skipped.push(Skipped::new(s, "it leads outside its package"));
                false
            }
            _ => true,
        })
        .collect()
}

/// The folders every package's sources are in by cargo's conventions, and
/// `build.rs` when asked.
fn default_sources(dir: &Path, with_build: bool) -> Vec<PathBuf> {
    let mut sources: Vec<PathBuf> = ["src", "tests", "examples", "benches"]
        .into_iter()
        .map(|name| dir.join(name))
        .collect();
    if with_build {
        sources.push(dir.join("build.rs"));
    }
    sources
}

/// What to walk for a target whose root file is `src_path`: its folder, or the file
/// alone when it sits in the package root (walking the root would take in every
/// other package below it).
fn target_source(root: &Path, src_path: &Path) -> PathBuf {
    let src_path = absolute(src_path);
    match src_path.parent() {
        Some(parent) if parent != absolute(root) => parent.to_path_buf(),
        _ => src_path,
    }
}

/// The nearest folder at or above `dir` whose `Cargo.toml` has a `[workspace]` table.
fn workspace_root(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .find(|d| {
            let manifest = d.join("Cargo.toml");
            manifest.is_file()
                && read_manifest(&manifest).is_some_and(|t| t.contains_key("workspace"))
        })
        .map(Path::to_path_buf)
}

/// `[workspace.package] edition` of the workspace whose root is `root`.
fn workspace_edition(root: &Path) -> Option<Edition> {
    let table = read_manifest(&root.join("Cargo.toml"))?;
    let edition = table
        .get("workspace")?
        .get("package")?
        .get("edition")?
        .as_str()?;
    Edition::parse(edition)
}

/// A manifest the workspace reading needs: one that cannot be read or parsed stops
/// the run, as it would stop cargo.
pub(super) fn parse_manifest(path: &Path) -> Result<toml::Table, Error> {
    let shown = escaped(&path.to_string_lossy());
    let text = crate::source::read_limited(path, MAX_MANIFEST).map_err(|e| Error::Workspace {
        message: format!("cannot read `{shown}`: {e}"),
    })?;
    let text = String::from_utf8(text).map_err(|_| Error::Workspace {
        message: format!("`{shown}` is not valid UTF-8"),
    })?;
    text.parse::<toml::Table>().map_err(|e| Error::Workspace {
        message: format!(
            "`{shown}` is not valid TOML: {}",
            e.message().trim().trim_end_matches('.')
        ),
    })
}

/// The largest `Cargo.toml` read.
const MAX_MANIFEST: u64 = 16 << 20;

pub(super) fn read_manifest(path: &Path) -> Option<toml::Table> {
    let bytes = crate::source::read_limited(path, MAX_MANIFEST).ok()?;
    String::from_utf8(bytes).ok()?.parse::<toml::Table>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::tests::{found, write};

    #[test]
    fn edition_from_package_manifest() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "new/Cargo.toml",
            "[package]\nname = \"new\"\nedition = \"2024\"\n",
        );
        write(root, "new/src/deep/a.rs", "");
        write(
            root,
            "old/Cargo.toml",
            "[package]\nname = \"old\"\nedition = \"2018\"\n",
        );
        write(root, "old/src/lib.rs", "");
        write(root, "bare/Cargo.toml", "[package]\nname = \"bare\"\n");
        write(root, "bare/src/lib.rs", "");
        write(root, "loose/x.rs", "");
        assert_eq!(
            found(root, &["."], None),
            [
                ("bare/src/lib.rs".to_string(), Edition::E2015),
                ("loose/x.rs".to_string(), Edition::E2021),
                ("new/src/deep/a.rs".to_string(), Edition::E2024),
                ("old/src/lib.rs".to_string(), Edition::E2018),
            ]
        );
    }

    #[test]
    fn edition_inherited_from_workspace() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\"]\n\n[workspace.package]\nedition = \"2024\"\n",
        );
        write(
            root,
            "crates/a/Cargo.toml",
            "[package]\nname = \"a\"\nedition.workspace = true\n",
        );
        write(root, "crates/a/src/lib.rs", "");
        write(
            root,
            "crates/b/Cargo.toml",
            "[package]\nname = \"b\"\nedition = { workspace = true }\n",
        );
        write(root, "crates/b/src/lib.rs", "");
        assert_eq!(
            found(root, &["crates"], None),
            [
                ("crates/a/src/lib.rs".to_string(), Edition::E2024),
                ("crates/b/src/lib.rs".to_string(), Edition::E2024),
            ]
        );
    }

    #[test]
    fn edition_from_root_package_that_is_also_the_workspace() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[package]\nname = \"r\"\nedition.workspace = true\n\n[workspace]\n\n[workspace.package]\nedition = \"2024\"\n",
        );
        write(root, "src/main.rs", "");
        assert_eq!(
            found(root, &["src"], None),
            [("src/main.rs".to_string(), Edition::E2024)]
        );
    }

    #[test]
    fn malformed_manifest_means_default_edition() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[package]\nname = \"outer\"\nedition = \"2018\"\n",
        );
        write(root, "inner/Cargo.toml", "[package\nedition = 2024");
        write(root, "inner/src/lib.rs", "");
        assert_eq!(
            found(root, &["inner"], None),
            [("inner/src/lib.rs".to_string(), Edition::E2021)]
        );
    }

    #[test]
    fn virtual_manifest_is_passed_over() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[package]\nname = \"outer\"\nedition = \"2024\"\n",
        );
        write(root, "sub/Cargo.toml", "[workspace]\nmembers = []\n");
        write(root, "sub/x.rs", "");
        assert_eq!(
            found(root, &["sub"], None),
            [("sub/x.rs".to_string(), Edition::E2024)]
        );
    }

    #[test]
    fn edition_flag_overrides_manifest() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "Cargo.toml",
            "[package]\nname = \"p\"\nedition = \"2024\"\n",
        );
        write(root, "src/lib.rs", "");
        assert_eq!(
            found(root, &["src"], Some(Edition::E2018)),
            [("src/lib.rs".to_string(), Edition::E2018)]
        );
    }

    #[test]
    fn target_paths_outside_the_package_are_skipped() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = &absolute(tmp.path());
        write(
            root,
            "p/Cargo.toml",
            "[package]\nname = \"p\"\nautotests = false\nbuild = \"../b.rs\"\n\n[lib]\npath = \"../outside/lib.rs\"\n\n[[bin]]\nname = \"x\"\npath = \"/x.rs\"\n\n[[example]]\nname = \"e\"\npath = \"demo/e.rs\"\n",
        );
        let package = read_package(&root.join("p")).expect("a package");
        let rel: Vec<String> = package
            .sources
            .iter()
            .map(|s| {
                s.strip_prefix(root)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        assert_eq!(rel, ["p/benches", "p/demo", "p/examples", "p/src"]);
        let skipped: Vec<String> = package
            .skipped
            .iter()
            .map(|s| s.path.to_string_lossy().into_owned())
            .collect();
        assert_eq!(skipped, ["../b.rs", "../outside/lib.rs", "/x.rs"]);
    }
}
