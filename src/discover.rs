//! Which files to read: walks the given paths for `.rs` files and finds each file's
//! edition from the nearest `Cargo.toml` above it.
//!
//! Folders are walked without following symlinked folders (so a symlink loop cannot
//! hang the walk), skipping `target/`, `.git/` and hidden entries below the given
//! path. A file named explicitly is always checked, whatever its name.
//!
//! This module does not read source files, does not expand cargo workspace members,
//! and never runs cargo: a `Cargo.toml` is only parsed as TOML for its edition.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::error::Error;
use crate::source::Edition;

/// A file to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// The path, as given or joined onto a given folder, without a leading `./`.
    pub path: PathBuf,
    /// The edition it is compiled with.
    pub edition: Edition,
}

/// Finds the `.rs` files under `paths` (files or folders), sorted by path and without
/// duplicates.
///
/// Each file's edition is `edition` when set, otherwise the one its package's
/// `Cargo.toml` declares (see [`EditionFinder`]).
///
/// Fails with [`Error::PathNotFound`] when a path does not exist. An entry inside a
/// folder that cannot be listed is returned as a file, so that reading it reports the
/// problem and every other file is still checked.
pub fn discover(paths: &[PathBuf], edition: Option<Edition>) -> Result<Vec<Discovered>, Error> {
    let mut files = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(meta) if meta.is_dir() => walk(p, &mut files),
            Ok(_) => files.push(normalize(p)),
            // A dangling symlink is missing too.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::PathNotFound(p.clone()));
            }
            // It exists but cannot be looked at: reading it reports why.
            Err(_) => files.push(normalize(p)),
        }
    }
    files.sort();
    files.dedup();

    let mut finder = EditionFinder::default();
    Ok(files
        .into_iter()
        .map(|path| {
            let edition = edition.unwrap_or_else(|| finder.edition_of(&path));
            Discovered { path, edition }
        })
        .collect())
}

/// Pushes every `.rs` file below `root`.
fn walk(root: &Path, out: &mut Vec<PathBuf>) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        // The root itself is walked even when hidden or named `target`: the user
        // asked for it.
        .filter_entry(|e| e.depth() == 0 || !is_skipped(e));
    for entry in walker {
        match entry {
            Ok(entry) => {
                if entry.depth() > 0 && is_rust_file(&entry) {
                    out.push(normalize(entry.path()));
                }
            }
            // A folder that cannot be listed: hand it on as a file so that the read
            // fails with the real reason and is reported with the other problems.
            Err(err) => {
                if let Some(path) = err.path() {
                    out.push(normalize(path));
                }
            }
        }
    }
}

/// Whether a walked entry (below the root) is left out with everything under it.
fn is_skipped(entry: &walkdir::DirEntry) -> bool {
    let name = entry.file_name().to_string_lossy();
    if name.starts_with('.') {
        // Hidden folders and files, and editor lock files such as emacs's `.#x.rs`.
        return true;
    }
    entry.file_type().is_dir() && name == "target"
}

/// A regular `.rs` file, or a symlink to one (a dangling symlink is left out).
fn is_rust_file(entry: &walkdir::DirEntry) -> bool {
    if entry.path().extension().is_none_or(|ext| ext != "rs") {
        return false;
    }
    let ty = entry.file_type();
    ty.is_file() || (ty.is_symlink() && std::fs::metadata(entry.path()).is_ok_and(|m| m.is_file()))
}

/// The path without leading `./` components, so that `.` and `src` name the same
/// files the same way.
fn normalize(path: &Path) -> PathBuf {
    let mut components = path.components().peekable();
    while components.peek() == Some(&Component::CurDir) {
        components.next();
    }
    let rest: PathBuf = components.collect();
    if rest.as_os_str().is_empty() {
        path.to_path_buf()
    } else {
        rest
    }
}

/// Finds the edition of files from the nearest package `Cargo.toml` above them,
/// caching the answer per folder.
///
/// - `[package] edition = "2024"` gives that edition.
/// - `edition.workspace = true` reads `[workspace.package] edition` from the workspace
///   root: the folder named by `package.workspace`, or else the nearest `Cargo.toml`
///   with a `[workspace]` table at or above the package.
/// - A package without an `edition` key is edition 2015, as cargo says.
/// - A manifest without `[package]` (a virtual workspace) is passed over.
/// - No manifest, a malformed one, or an edition that cannot be resolved gives the
///   default, 2021.
#[derive(Debug, Default)]
pub struct EditionFinder {
    by_dir: HashMap<PathBuf, Edition>,
}

impl EditionFinder {
    /// The edition of the file at `path`.
    pub fn edition_of(&mut self, path: &Path) -> Edition {
        let Ok(abs) = std::path::absolute(path) else {
            return Edition::default();
        };
        let mut visited = Vec::new();
        let mut dir = abs.parent();
        let edition = loop {
            let Some(d) = dir else {
                break Edition::default();
            };
            if let Some(&known) = self.by_dir.get(d) {
                break known;
            }
            visited.push(d.to_path_buf());
            if let Some(edition) = package_edition(d) {
                break edition;
            }
            dir = d.parent();
        };
        for d in visited {
            self.by_dir.insert(d, edition);
        }
        edition
    }
}

/// The edition of the package whose manifest is in `dir`, or `None` when `dir` has no
/// package manifest (no `Cargo.toml`, or one without `[package]`).
fn package_edition(dir: &Path) -> Option<Edition> {
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        return None;
    }
    let Some(table) = read_manifest(&manifest) else {
        // Malformed or unreadable: it is still the nearest manifest, so stop here.
        return Some(Edition::default());
    };
    let package = table.get("package")?.as_table()?;
    let edition = match package.get("edition") {
        None => Edition::E2015,
        Some(toml::Value::String(s)) => Edition::parse(s).unwrap_or_default(),
        Some(toml::Value::Table(t)) if t.get("workspace") == Some(&toml::Value::Boolean(true)) => {
            let root = match package.get("workspace") {
                Some(toml::Value::String(rel)) => Some(dir.join(rel)),
                _ => workspace_root(dir),
            };
            root.and_then(|r| workspace_edition(&r)).unwrap_or_default()
        }
        Some(_) => Edition::default(),
    };
    Some(edition)
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

fn read_manifest(path: &Path) -> Option<toml::Table> {
    let text = std::fs::read_to_string(path).ok()?;
    text.parse::<toml::Table>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("invariant: joined path has a parent"))
            .expect("create dirs");
        std::fs::write(path, text).expect("write file");
    }

    fn found(root: &Path, paths: &[&str], edition: Option<Edition>) -> Vec<(String, Edition)> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
        discover(&paths, edition)
            .expect("discover")
            .into_iter()
            .map(|d| {
                let rel = d.path.strip_prefix(root).expect("under root");
                (rel.to_string_lossy().replace('\\', "/"), d.edition)
            })
            .collect()
    }

    #[test]
    fn walks_rs_files_sorted_and_skips_target_git_and_hidden() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        for rel in [
            "src/b.rs",
            "src/a.rs",
            "src/notes.txt",
            "target/debug/build/x.rs",
            ".git/hooks/y.rs",
            ".hidden/z.rs",
            "src/.#lock.rs",
            "tests/t.rs",
        ] {
            write(root, rel, "fn f() {}");
        }
        let names: Vec<String> = found(root, &["."], None)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(names, ["src/a.rs", "src/b.rs", "tests/t.rs"]);
    }

    #[test]
    fn hidden_folder_given_explicitly_is_walked() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), ".hidden/z.rs", "fn f() {}");
        let names: Vec<String> = found(tmp.path(), &[".hidden"], None)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(names, [".hidden/z.rs"]);
    }

    #[test]
    fn duplicates_are_removed() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), "src/a.rs", "fn f() {}");
        let names: Vec<String> = found(tmp.path(), &["src", "src/a.rs", "."], None)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(names, ["src/a.rs"]);
    }

    #[test]
    fn leading_dot_components_are_dropped() {
        assert_eq!(
            normalize(Path::new("./src/a.rs")),
            PathBuf::from("src/a.rs")
        );
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
        assert_eq!(normalize(Path::new("../x.rs")), PathBuf::from("../x.rs"));
    }

    #[test]
    fn missing_path_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("nope");
        match discover(std::slice::from_ref(&missing), None) {
            Err(Error::PathNotFound(p)) => assert_eq!(p, missing),
            other => panic!("expected PathNotFound, got {other:?}"),
        }
    }

    #[cfg(unix)]
    #[test]
    fn symlink_loops_do_not_hang() {
        let tmp = tempfile::tempdir().expect("tempdir");
        write(tmp.path(), "src/a.rs", "fn f() {}");
        std::os::unix::fs::symlink(tmp.path(), tmp.path().join("src/loop")).expect("symlink");
        std::os::unix::fs::symlink("a.rs", tmp.path().join("src/link.rs")).expect("symlink");
        std::os::unix::fs::symlink("gone.rs", tmp.path().join("src/dangling.rs")).expect("symlink");
        let names: Vec<String> = found(tmp.path(), &["src"], None)
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        assert_eq!(names, ["src/a.rs", "src/link.rs"]);
    }

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
}
