//! Which files to read: walks the given paths for `.rs` files, brings in the rest of
//! the crate each one belongs to, finds each file's package and edition from the
//! nearest `Cargo.toml` above it, leaves out excluded files, and (for `cargo
//! synclint`) asks `cargo metadata --no-deps` which packages and targets to check.
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
//! This module does not read source files and never builds or runs anything: a
//! `Cargo.toml` is only parsed as TOML, and `cargo metadata --no-deps` neither resolves
//! dependencies nor runs build scripts.

use std::collections::{BTreeMap, HashMap};
use std::path::{Component, Path, PathBuf};
use std::rc::Rc;

use crate::config::{Config, Exclude};
use crate::error::Error;
use crate::source::Edition;

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

/// Finds the `.rs` files under `paths` (files or folders), plus the rest of the crate
/// of each, sorted by path and without duplicates.
///
/// Each file's edition is `config.edition` when set, otherwise the one its package's
/// `Cargo.toml` declares (see [`PackageFinder`]). Files and folders matched by
/// `config.exclude` are left out, even when named.
///
/// Fails with [`Error::PathNotFound`] when a path does not exist. An entry inside a
/// folder that cannot be listed is returned as a file, so that reading it reports the
/// problem and every other file is still checked.
pub fn discover(paths: &[PathBuf], config: &Config) -> Result<Vec<Discovered>, Error> {
    let exclude = &config.exclude;
    let mut named = Vec::new();
    let mut named_dirs = Vec::new();
    for p in paths {
        match std::fs::metadata(p) {
            Ok(meta) if meta.is_dir() => {
                walk(p, &mut named, exclude);
                named_dirs.push(absolute(p));
            }
            Ok(_) => {
                if !exclude.is_excluded(&absolute(p)) {
                    named.push(normalize(p));
                }
            }
            // A dangling symlink is missing too.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Error::PathNotFound(p.clone()));
            }
            // It exists but cannot be looked at: reading it reports why.
            Err(_) => named.push(normalize(p)),
        }
    }

    let cwd = std::env::current_dir().ok().map(|d| absolute(&d));
    let mut finder = PackageFinder::default();
    let mut by_key: BTreeMap<PathBuf, Discovered> = BTreeMap::new();
    // The packages of named files, with whether the named path was absolute (context
    // paths are shown in the same style).
    let mut crates: Vec<(Rc<Package>, bool)> = Vec::new();
    for path in named {
        let abs = absolute(&path);
        let package = finder.package_of(&abs);
        let krate = package.as_ref().filter(|p| p.contains(&abs));
        if let Some(package) = krate {
            if !crates.iter().any(|(p, _)| p.root == package.root) {
                crates.push((Rc::clone(package), path.is_absolute()));
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
        by_key.entry(abs).or_insert(found);
    }

    for (package, is_absolute) in crates {
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
                walk(&shown, &mut context, exclude);
            } else if !exclude.is_excluded(source) {
                context.push(shown);
            }
            for path in context {
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
                by_key.insert(abs, found);
            }
        }
    }

    let mut files: Vec<Discovered> = by_key.into_values().collect();
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}

/// Pushes every `.rs` file below `root`, leaving out excluded files and folders.
fn walk(root: &Path, out: &mut Vec<PathBuf>, exclude: &Exclude) {
    let abs_root = absolute(root);
    let walker = walkdir::WalkDir::new(root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        // The root itself is walked even when hidden or named `target`: the user
        // asked for it.
        .filter_entry(|e| {
            if e.depth() == 0 {
                return true;
            }
            if is_skipped(e) {
                return false;
            }
            if exclude.is_empty() {
                return true;
            }
            let rel = e.path().strip_prefix(root).unwrap_or(e.path());
            !exclude.is_excluded(&abs_root.join(rel))
        });
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

/// The absolute form of `path`, with `.` and `..` resolved by their names (symlinks
/// are not resolved), so that two spellings of one file compare equal.
pub fn absolute(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut out = PathBuf::new();
    for component in abs.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push(component);
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// `target` relative to `base` (both absolute, as [`absolute`] gives them), with `..`
/// where it lies outside; `.` when they are the same.
pub fn relative_to(base: &Path, target: &Path) -> PathBuf {
    let base: Vec<Component> = base.components().collect();
    let target_parts: Vec<Component> = target.components().collect();
    let common = base
        .iter()
        .zip(&target_parts)
        .take_while(|(a, b)| a == b)
        .count();
    if common == 0 {
        return target.to_path_buf();
    }
    let mut rel: PathBuf = std::iter::repeat_n(Component::ParentDir, base.len() - common).collect();
    rel.extend(&target_parts[common..]);
    if rel.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        rel
    }
}

/// A Cargo package as its manifest describes it, read without cargo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    /// The folder of its `Cargo.toml`, absolute.
    pub root: PathBuf,
    /// Its edition.
    pub edition: Edition,
    /// Where its crate's sources are, absolute: `src/`, `tests/`, `examples/`,
    /// `benches/`, the build script, and the folder of every target path the manifest
    /// names (or the file itself when it sits at the root). Some may not exist.
    pub sources: Vec<PathBuf>,
}

impl Package {
    /// Whether the file at `path` (absolute) is one of the package's sources.
    pub fn contains(&self, path: &Path) -> bool {
        self.sources.iter().any(|s| path.starts_with(s))
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

/// The package whose manifest is in `dir`, or `None` when `dir` has no package
/// manifest (no `Cargo.toml`, or one without `[package]`).
fn read_package(dir: &Path) -> Option<Package> {
    let manifest = dir.join("Cargo.toml");
    if !manifest.is_file() {
        return None;
    }
    let Some(table) = read_manifest(&manifest) else {
        // Malformed or unreadable: it is still the nearest manifest, so stop here.
        return Some(Package {
            root: dir.to_path_buf(),
            edition: Edition::default(),
            sources: default_sources(dir, true),
        });
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
    let mut sources = default_sources(dir, false);
    match package.get("build") {
        Some(toml::Value::String(build)) => sources.push(absolute(&dir.join(build))),
        Some(toml::Value::Boolean(false)) => {}
        _ => sources.push(dir.join("build.rs")),
    }
    let mut target_paths = Vec::new();
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
    for path in target_paths {
        sources.push(target_source(dir, &dir.join(path)));
    }
    sources.sort();
    sources.dedup();
    Some(Package {
        root: dir.to_path_buf(),
        edition,
        sources,
    })
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

fn read_manifest(path: &Path) -> Option<toml::Table> {
    let text = std::fs::read_to_string(path).ok()?;
    text.parse::<toml::Table>().ok()
}

/// Which packages `cargo synclint` checks, from its cargo-style flags.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CargoSelection {
    /// `--workspace`: every member of the workspace.
    pub workspace: bool,
    /// `-p NAME`: these packages.
    pub packages: Vec<String>,
    /// `--manifest-path`: the manifest to start from instead of the nearest one.
    pub manifest_path: Option<PathBuf>,
}

/// What `cargo metadata` says to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CargoPlan {
    /// The folders and files to check, relative to the current folder, sorted.
    pub paths: Vec<PathBuf>,
    /// The workspace root, absolute.
    pub workspace_root: PathBuf,
    /// The folder of the manifest the selection started from, absolute: where the
    /// configuration is looked for first.
    pub start: PathBuf,
}

#[derive(Debug, serde::Deserialize)]
struct Metadata {
    packages: Vec<MetaPackage>,
    workspace_members: Vec<String>,
    #[serde(default)]
    workspace_default_members: Option<Vec<String>>,
    workspace_root: PathBuf,
}

#[derive(Debug, serde::Deserialize)]
struct MetaPackage {
    name: String,
    id: String,
    manifest_path: PathBuf,
    targets: Vec<MetaTarget>,
}

#[derive(Debug, serde::Deserialize)]
struct MetaTarget {
    src_path: PathBuf,
}

/// Asks `cargo metadata --no-deps` about the workspace around `cwd` (or the one
/// `--manifest-path` names) and returns the source folders of the selected packages:
/// the folder of every target's root file, plus `src/`, `tests/`, `examples/`,
/// `benches/` and `build.rs`, those that exist.
///
/// With no selection, the package whose manifest is the starting one is checked, or
/// the default members of a virtual workspace. Cargo runs with `CARGO_NET_OFFLINE`,
/// and `--no-deps` keeps it from resolving, downloading or building anything.
pub fn cargo_plan(cwd: &Path, selection: &CargoSelection) -> Result<CargoPlan, Error> {
    let cwd = absolute(cwd);
    let manifest = match &selection.manifest_path {
        Some(path) => {
            let abs = absolute(&cwd.join(path));
            if !abs.is_file() {
                return Err(Error::PathNotFound(path.clone()));
            }
            abs
        }
        None => cwd
            .ancestors()
            .map(|d| d.join("Cargo.toml"))
            .find(|m| m.is_file())
            .ok_or_else(|| Error::NoManifest { dir: cwd.clone() })?,
    };
    let metadata = run_cargo_metadata(&cwd, &manifest)?;
    let members: Vec<&MetaPackage> = metadata
        .packages
        .iter()
        .filter(|p| metadata.workspace_members.contains(&p.id))
        .collect();
    let same_file = |a: &Path, b: &Path| {
        absolute(a) == absolute(b)
            || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
    };
    let selected: Vec<&MetaPackage> = if !selection.packages.is_empty() {
        let mut picked = Vec::new();
        for name in &selection.packages {
            let Some(p) = members.iter().find(|p| &p.name == name) else {
                let names: Vec<&str> = members.iter().map(|p| p.name.as_str()).collect();
                return Err(Error::UnknownPackage {
                    name: name.clone(),
                    help: match crate::config::closest(name, names.iter().copied()) {
                        Some(near) => format!("did you mean `{near}`?"),
                        None => format!(
                            "the packages are {}",
                            names
                                .iter()
                                .map(|n| format!("`{n}`"))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    },
                });
            };
            picked.push(*p);
        }
        picked
    } else if selection.workspace {
        members.clone()
    } else if let Some(p) = members
        .iter()
        .find(|p| same_file(&p.manifest_path, &manifest))
    {
        vec![*p]
    } else {
        let defaults = metadata
            .workspace_default_members
            .as_ref()
            .unwrap_or(&metadata.workspace_members);
        members
            .iter()
            .filter(|p| defaults.contains(&p.id))
            .copied()
            .collect()
    };

    let mut sources: Vec<PathBuf> = Vec::new();
    for package in selected {
        let Some(root) = package.manifest_path.parent() else {
            continue;
        };
        let root = absolute(root);
        let mut found = default_sources(&root, true);
        found.extend(
            package
                .targets
                .iter()
                .map(|t| target_source(&root, &t.src_path)),
        );
        if let Some(own) = read_package(&root) {
            found.extend(own.sources);
        }
        sources.extend(found.into_iter().filter(|s| s.exists()));
    }
    sources.sort();
    sources.dedup();
    // A folder inside another one on the list adds nothing.
    let outer: Vec<PathBuf> = sources
        .iter()
        .filter(|s| {
            !sources
                .iter()
                .any(|o| o != *s && s.starts_with(o) && o.is_dir())
        })
        .cloned()
        .collect();
    let mut paths: Vec<PathBuf> = outer.iter().map(|s| relative_to(&cwd, s)).collect();
    paths.sort();
    Ok(CargoPlan {
        paths,
        workspace_root: absolute(&metadata.workspace_root),
        start: manifest
            .parent()
            .map_or_else(|| cwd.clone(), Path::to_path_buf),
    })
}

fn run_cargo_metadata(cwd: &Path, manifest: &Path) -> Result<Metadata, Error> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = std::process::Command::new(&cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--manifest-path",
        ])
        .arg(manifest)
        .current_dir(cwd)
        .env("CARGO_NET_OFFLINE", "true")
        .env("CARGO_TERM_COLOR", "never")
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| Error::CargoMetadata {
            message: format!("cannot run `{}`: {e}", Path::new(&cargo).display()),
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let message = stderr
            .lines()
            .map(str::trim)
            .find_map(|l| l.strip_prefix("error: "))
            .unwrap_or_else(|| stderr.trim())
            .to_string();
        return Err(Error::CargoMetadata { message });
    }
    serde_json::from_slice(&output.stdout).map_err(|e| Error::CargoMetadata {
        message: format!("unexpected output: {e}"),
    })
}

/// Keeps only what concerns the reported files: findings with a site (primary or
/// label) in one of them, and problems of those files. Context files were analysed
/// only to see across the crate.
pub fn retain_reported(report: &mut crate::Report, files: &[Discovered]) {
    if files.iter().all(|f| f.reported) {
        return;
    }
    let reported: std::collections::HashSet<&Path> = files
        .iter()
        .filter(|f| f.reported)
        .map(|f| f.path.as_path())
        .collect();
    let sources = &report.sources;
    let is_reported = |id: crate::FileId| reported.contains(sources.get(id).path.as_path());
    report.findings.retain(|f| {
        is_reported(f.primary.file) || f.labels.iter().any(|l| is_reported(l.span.file))
    });
    report
        .problems
        .retain(|p| reported.contains(p.path.as_path()));
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
        match discover(std::slice::from_ref(&missing), &Config::default()) {
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
