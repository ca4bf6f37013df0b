//! Which files to read: walks the given paths for `.rs` files, brings in the rest of
//! the crate each one belongs to, finds each file's package and edition from the
//! nearest `Cargo.toml` above it, leaves out excluded files, and (for `cargo
//! synclint`) reads the workspace's manifests for which packages and targets to check.
//!
//! Folders are walked without following symlinked folders (so a symlink loop cannot
//! hang the walk), skipping `target/`, `.git/` and hidden entries below the given
//! path. A file named explicitly is always checked, whatever its name, unless the
//! configuration excludes it.
//!
//! A file that is part of a package (under its `src/`, `tests/`, `examples/`,
//! `benches/`, `build.rs` or a target path its manifest names) brings every other
//! source file of that package in as context: lock order and calls cross files, so
//! the whole crate is analysed, but only findings with a site in a named file are
//! reported (see [`Discovered::reported`]).
//!
//! Only regular files are kept, and a symlink only when it stays inside the folders
//! being checked; a target path outside its package is left out. What is left out
//! is listed with the reason ([`Skipped`]) and never read.
//!
//! This module does not read source files and never builds or runs anything: a
//! `Cargo.toml` is only parsed as TOML, and no program is started, so no file in the
//! tree can choose one.
//!
//! The folder is cut by concern: this file holds the discovery of files from paths
//! and what is reported; `walk` walks folders; `package` reads a package's manifest
//! (its sources and edition); `workspace` reads a workspace's members and what
//! `cargo synclint` selects.

mod package;
mod walk;
mod workspace;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use crate::config::Config;
use crate::error::Error;
use crate::source::Edition;

pub use package::{package_within, Package, PackageFinder};
use walk::{normalize, walk, Entry, Roots};
pub use workspace::{cargo_plan, CargoPlan, CargoSelection, Workspace};

/// A file to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// The path, as given or joined onto a given folder, without a leading `./`.
    pub path: PathBuf,
    /// The edition it is compiled with.
    pub edition: Edition,
    /// The root folder (absolute) of the Cargo package whose crate the file is part
    /// of; `None` for a file outside any package's sources.
    pub krate: Option<PathBuf>,
    /// Whether findings in this file are reported. Files brought in only as context
    /// for a named file's crate are analysed but not reported.
    pub reported: bool,
}

pub use crate::report::Skipped;

/// `text` (a path or a pattern) with control characters and bidi overrides shown as
/// escapes and backslashes doubled, so that a file name cannot act on the terminal it
/// is printed to: [`escape::path`](crate::report::escape::path).
pub fn escaped(text: &str) -> String {
    crate::report::escape::path(text).into_owned()
}

/// What [`discover_all`] found: the files to read, and what it left out.
#[derive(Clone, Debug, Default)]
pub struct Discovery {
    /// The files to check, sorted by path.
    pub files: Vec<Discovered>,
    /// Paths left out without being read (not regular files, symlinks to outside
    /// the checked folders, target paths outside their package), in the order found.
    pub skipped: Vec<Skipped>,
}

/// Finds the `.rs` files under `paths` (files or folders), plus the rest of the crate
/// of each, sorted by path and without duplicates; see [`discover_all`].
pub fn discover(paths: &[PathBuf], config: &Config) -> Result<Vec<Discovered>, Error> {
    discover_all(paths, config).map(|d| d.files)
}

/// Finds the `.rs` files under `paths` (files or folders), plus the rest of the crate
/// of each, sorted by path and without duplicates.
///
/// Each file's edition is `config.edition` when set, otherwise the one its package's
/// `Cargo.toml` declares (see [`PackageFinder`]). Files and folders matched by
/// `config.exclude` are left out, even when named.
///
/// Only regular files are kept: a FIFO, socket or device is left out, even when
/// named. A symlink is followed only when its target lies inside the checked roots:
/// the folders given, the folders of the files given, and the root of each package
/// they belong to; any other is left out. Both are listed in
/// [`Discovery::skipped`] and never read.
///
/// Fails with [`Error::PathNotFound`] when a path does not exist. An entry inside a
/// folder that cannot be listed is returned as a file, so that reading it reports the
/// problem and every other file is still checked.
pub fn discover_all(paths: &[PathBuf], config: &Config) -> Result<Discovery, Error> {
    let exclude = &config.exclude;
    let mut skipped = Vec::new();
    let mut named: Vec<Entry> = Vec::new();
    let mut named_dirs = Vec::new();
    let mut roots = Roots::default();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(meta) if meta.is_dir() => {
                walk(p, &mut named, exclude, &mut skipped);
                named_dirs.push(absolute(p));
                roots.add(p);
            }
            Ok(meta) if meta.is_file() => {
                if !exclude.is_excluded(&absolute(p)) {
                    named.push(Entry {
                        path: normalize(p),
                        via_link: true,
                    });
                    if let Some(parent) = absolute(p).parent() {
                        roots.add(parent);
                    }
                }
            }
            Ok(_) => skipped.push(Skipped::new(p, "not a regular file")),
            // A dangling symlink is missing too.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::PathNotFound(p.clone()));
            }
            // It exists but cannot be looked at: reading it reports why.
            Err(_) => named.push(Entry {
                path: normalize(p),
                via_link: false,
            }),
        }
    }

    let cwd = std::env::current_dir().ok().map(|d| absolute(&d));
    let mut finder = PackageFinder::default();
    let mut by_key: BTreeMap<PathBuf, (Discovered, bool)> = BTreeMap::new();
    // The packages of named files, with whether the named path was absolute (context
    // paths are shown in the same style).
    let mut crates: Vec<(Rc<Package>, bool)> = Vec::new();
    let mut crate_roots: rustc_hash::FxHashSet<PathBuf> = rustc_hash::FxHashSet::default();
    for entry in named {
        let path = entry.path;
        let abs = absolute(&path);
        let package = finder.package_of(&abs);
        let krate = package.as_ref().filter(|p| p.contains(&abs));
        if let Some(package) = krate {
            if !crate_roots.contains(&package.root) {
                crate_roots.insert(package.root.clone());
                crates.push((Rc::clone(package), path.is_absolute()));
                roots.add(&package.root);
            }
        }
        let found = Discovered {
            edition: config.edition.unwrap_or_else(|| {
                package
                    .as_ref()
                    .map_or_else(Edition::default, |p| p.edition)
            }),
            krate: krate.map(|p| p.root.clone()),
            reported: true,
            path,
        };
        by_key.entry(abs).or_insert((found, entry.via_link));
    }

    for (package, is_absolute) in crates {
        skipped.extend(package.skipped.iter().cloned());
        for source in &package.sources {
            let covered = named_dirs.iter().any(|d| source.starts_with(d));
            if covered || !source.exists() {
                continue;
            }
            let shown = match (&cwd, is_absolute) {
                (Some(cwd), false) => relative_to(cwd, source),
                _ => source.clone(),
            };
            let mut context = Vec::new();
            if source.is_dir() {
                walk(&shown, &mut context, exclude, &mut skipped);
            } else if !exclude.is_excluded(source) {
                if std::fs::metadata(source).is_ok_and(|m| m.is_file()) {
                    context.push(Entry {
                        path: shown,
                        via_link: true,
                    });
                } else {
                    skipped.push(Skipped::new(&shown, "not a regular file"));
                }
            }
            for entry in context {
                let path = entry.path;
                let abs = absolute(&path);
                if by_key.contains_key(&abs) {
                    continue;
                }
                let own = finder.package_of(&abs);
                let krate = own.as_ref().filter(|p| p.contains(&abs));
                let found = Discovered {
                    edition: config.edition.unwrap_or_else(|| {
                        own.as_ref().map_or_else(Edition::default, |p| p.edition)
                    }),
                    krate: krate.map(|p| p.root.clone()),
                    reported: false,
                    path,
                };
                by_key.insert(abs, (found, entry.via_link));
            }
        }
    }

    let mut files = Vec::with_capacity(by_key.len());
    for (found, via_link) in by_key.into_values() {
        if via_link && !roots.holds(&found.path) {
            skipped.push(Skipped::new(
                &found.path,
                "it leads outside the folders being checked",
            ));
            continue;
        }
        files.push(found);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Discovery { files, skipped })
}

pub use crate::source::{absolute, relative_to};

/// Keeps only what concerns the reported files: findings with a site (primary or
/// label) in one of them, and problems of those files. Context files were analysed
/// only to see across the crate.
pub fn retain_reported(report: &mut crate::report::Report, files: &[Discovered]) {
    if files.iter().all(|f| f.reported) {
        return;
    }
    let reported: std::collections::HashSet<&Path> = files
        .iter()
        .filter(|f| f.reported)
        .map(|f| f.path.as_path())
        .collect();
    let sources = &report.sources;
    let is_reported =
        |id: crate::report::finding::FileId| reported.contains(sources.get(id).path.as_path());
    report.findings.retain(|f| {
        is_reported(f.primary.file) || f.labels.iter().any(|l| is_reported(l.span.file))
    });
    report
        .problems
        .retain(|p| reported.contains(p.path.as_path()));
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::Exclude;

    pub(crate) fn write(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().expect("invariant: joined path has a parent"))
            .expect("create dirs");
        std::fs::write(path, text).expect("write file");
    }

    pub(crate) fn found(
        root: &Path,
        paths: &[&str],
        edition: Option<Edition>,
    ) -> Vec<(String, Edition)> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
        let config = Config {
            edition,
            ..Config::default()
        };
        discover(&paths, &config)
            .expect("discover")
            .into_iter()
            .map(|d| {
                let rel = d.path.strip_prefix(root).expect("under root");
                (rel.to_string_lossy().replace('\\', "/"), d.edition)
            })
            .collect()
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
    fn missing_path_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let missing = tmp.path().join("nope");
        match discover(std::slice::from_ref(&missing), &Config::default()) {
            Err(Error::PathNotFound(p)) => assert_eq!(p, missing),
            other => panic!("expected PathNotFound, got {other:?}"),
        }
    }

    fn discovered(
        root: &Path,
        paths: &[&str],
        config: &Config,
    ) -> Vec<(String, bool, Option<String>)> {
        let paths: Vec<PathBuf> = paths.iter().map(|p| root.join(p)).collect();
        let root = absolute(root);
        discover(&paths, config)
            .expect("discover")
            .into_iter()
            .map(|d| {
                let rel = |p: &Path| {
                    p.strip_prefix(&root)
                        .expect("under root")
                        .to_string_lossy()
                        .replace('\\', "/")
                };
                (rel(&d.path), d.reported, d.krate.as_deref().map(rel))
            })
            .collect()
    }

    #[test]
    fn a_root_level_target_takes_the_files_below_its_package_root() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "p/Cargo.toml",
            "[package]\nname = \"p\"\n\n[lib]\npath = \"lib.rs\"\n",
        );
        write(root, "p/lib.rs", "mod storage;");
        write(root, "p/storage/mod.rs", "mod wal;");
        write(root, "p/storage/wal.rs", "");
        write(
            root,
            "p/nested/Cargo.toml",
            "[package]\nname = \"nested\"\n",
        );
        write(root, "p/nested/src/lib.rs", "");
        write(root, "q/Cargo.toml", "[package]\nname = \"q\"\n");
        write(root, "q/src/lib.rs", "");
        write(root, "q/scratch/s.rs", "");
        let p = Some("p".to_string());
        assert_eq!(
            discovered(root, &["p", "q"], &Config::default()),
            [
                ("p/lib.rs".to_string(), true, p.clone()),
                (
                    "p/nested/src/lib.rs".to_string(),
                    true,
                    Some("p/nested".to_string())
                ),
                ("p/storage/mod.rs".to_string(), true, p.clone()),
                ("p/storage/wal.rs".to_string(), true, p.clone()),
                ("q/scratch/s.rs".to_string(), true, None),
                ("q/src/lib.rs".to_string(), true, Some("q".to_string())),
            ]
        );
    }

    #[test]
    fn a_named_file_brings_its_crate_in_as_context() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(
            root,
            "p/Cargo.toml",
            "[package]\nname = \"p\"\n\n[[bin]]\nname = \"t\"\npath = \"tools/t.rs\"\n",
        );
        write(root, "p/src/lib.rs", "");
        write(root, "p/src/a.rs", "");
        write(root, "p/tests/it.rs", "");
        write(root, "p/tools/t.rs", "");
        write(root, "p/build.rs", "");
        write(root, "p/scratch/s.rs", "");
        write(root, "loose.rs", "");
        let p = Some("p".to_string());
        assert_eq!(
            discovered(
                root,
                &["p/src/a.rs", "loose.rs", "p/scratch/s.rs"],
                &Config::default()
            ),
            [
                ("loose.rs".to_string(), true, None),
                ("p/build.rs".to_string(), false, p.clone()),
                ("p/scratch/s.rs".to_string(), true, None),
                ("p/src/a.rs".to_string(), true, p.clone()),
                ("p/src/lib.rs".to_string(), false, p.clone()),
                ("p/tests/it.rs".to_string(), false, p.clone()),
                ("p/tools/t.rs".to_string(), false, p.clone()),
            ]
        );
    }

    #[test]
    fn excluded_files_are_left_out_even_when_named() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        write(root, "src/a.rs", "");
        write(root, "src/gen/b.rs", "");
        write(root, "src/gen/deep/c.rs", "");
        let config = Config {
            exclude: Exclude::new(&absolute(root), vec!["src/gen".to_string()]).expect("valid"),
            ..Config::default()
        };
        assert_eq!(
            discovered(root, &["src", "src/gen/b.rs"], &config),
            [("src/a.rs".to_string(), true, None)]
        );
    }

    #[test]
    fn notices_escape_control_characters() {
        let skipped = Skipped::new(Path::new("a\u{1b}]0;x\u{7}\u{202e}.rs"), "why");
        assert_eq!(
            skipped.to_string(),
            "warning: skipped `a\\u{1b}]0;x\\u{7}\\u{202e}.rs`: why"
        );
    }

    #[test]
    fn relative_paths_between_folders() {
        let rel = |a: &str, b: &str| relative_to(Path::new(a), Path::new(b));
        assert_eq!(rel("/w/p/src", "/w/p/tests"), PathBuf::from("../tests"));
        assert_eq!(rel("/w/p", "/w/p/src/a.rs"), PathBuf::from("src/a.rs"));
        assert_eq!(rel("/w/p", "/w/p"), PathBuf::from("."));
        assert_eq!(
            absolute(Path::new("/w/p/../q/./r")),
            PathBuf::from("/w/q/r")
        );
    }
}
