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
    for entry in named {
        let path = entry.path;
        let abs = absolute(&path);
        let package = finder.package_of(&abs);
        let krate = package.as_ref().filter(|p| p.contains(&abs));
        if let Some(package) = krate {
            if !crates.iter().any(|(p, _)| p.root == package.root) {
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

/// A path found by a walk or named, and whether it may lead elsewhere through a
/// symlink (a named path, or a walked symlink), so that its target must be checked.
struct Entry {
    path: PathBuf,
    via_link: bool,
}

/// The folders a run may read from, resolved through symlinks.
#[derive(Default)]
struct Roots {
    dirs: Vec<PathBuf>,
}

impl Roots {
    fn add(&mut self, dir: &Path) {
        if let Ok(real) = dir.canonicalize() {
            if !self.dirs.contains(&real) {
                self.dirs.push(real);
            }
        }
    }

    /// Whether the file at `path`, symlinks resolved, lies in one of the roots. A
    /// path that cannot be resolved is kept: reading it reports why.
    fn holds(&self, path: &Path) -> bool {
        match path.canonicalize() {
            Ok(real) => self.dirs.iter().any(|d| real.starts_with(d)),
            Err(_) => true,
        }
    }
}

/// Pushes every `.rs` file below `root`, leaving out excluded files and folders;
/// `.rs` entries that are not regular files (nor symlinks to one) go to `skipped`.
fn walk(root: &Path, out: &mut Vec<Entry>, exclude: &Exclude, skipped: &mut Vec<Skipped>) {
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
                if entry.depth() == 0 || entry.path().extension().is_none_or(|ext| ext != "rs") {
                    continue;
                }
                let ty = entry.file_type();
                if ty.is_file() {
                    out.push(Entry {
                        path: normalize(entry.path()),
                        via_link: false,
                    });
                } else if ty.is_symlink() {
                    // A dangling symlink, or one to a folder, is left out quietly.
                    match std::fs::metadata(entry.path()) {
                        Ok(m) if m.is_file() => out.push(Entry {
                            path: normalize(entry.path()),
                            via_link: true,
                        }),
                        Ok(m) if !m.is_dir() => {
                            skipped
                                .push(Skipped::new(&normalize(entry.path()), "not a regular file"));
                        }
                        _ => {}
                    }
                } else if !ty.is_dir() {
                    skipped.push(Skipped::new(&normalize(entry.path()), "not a regular file"));
                }
            }
            // A folder that cannot be listed: hand it on as a file so that the read
            // fails with the real reason and is reported with the other problems.
            Err(err) => {
                if let Some(path) = err.path() {
                    out.push(Entry {
                        path: normalize(path),
                        via_link: false,
                    });
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

pub use crate::source::{absolute, relative_to};

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
        let mut skipped = Vec::new();
        let sources = inside(dir, default_sources(dir, true), &mut skipped);
        return Some(Package {
            root: dir.to_path_buf(),
            name: None,
            edition: Edition::default(),
            sources,
            skipped,
        });
    };
    package_from(dir, &table)
}

/// The package a parsed manifest in `dir` describes; `None` without `[package]`.
fn package_from(dir: &Path, table: &toml::Table) -> Option<Package> {
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
    for path in target_paths {
        if let Some(joined) = checked(path) {
            sources.push(target_source(dir, &joined));
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
fn parse_manifest(path: &Path) -> Result<toml::Table, Error> {
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

fn read_manifest(path: &Path) -> Option<toml::Table> {
    let bytes = crate::source::read_limited(path, MAX_MANIFEST).ok()?;
    String::from_utf8(bytes).ok()?.parse::<toml::Table>().ok()
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

/// What the manifests say to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CargoPlan {
    /// The folders and files to check, relative to the current folder, sorted.
    pub paths: Vec<PathBuf>,
    /// The workspace root, absolute.
    pub workspace_root: PathBuf,
    /// The folder of the manifest the selection started from, absolute: where the
    /// configuration is looked for first.
    pub start: PathBuf,
    /// Target paths and source folders of the selected packages that lie outside
    /// their package; never read.
    pub skipped: Vec<Skipped>,
}

/// Reads the workspace around `cwd` (or the one `--manifest-path` names) from its
/// manifests and returns the source folders of the selected packages: the folder of
/// every target's root file, plus `src/`, `tests/`, `examples/`, `benches/` and
/// `build.rs`, those that exist.
///
/// With no selection, the package whose manifest is the starting one is checked, or
/// the default members of a virtual workspace. No program is run: the manifests are
/// read as TOML, so no file of the tree (a `rust-toolchain.toml`, a
/// `.cargo/config.toml`) can choose what runs. See [`Workspace`] for how members are
/// found.
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
    let start = manifest
        .parent()
        .map_or_else(|| cwd.clone(), Path::to_path_buf);
    let workspace = Workspace::read(&manifest)?;
    let members = &workspace.members;
    let selected: Vec<&Package> = if !selection.packages.is_empty() {
        let mut picked = Vec::new();
        for name in &selection.packages {
            let Some(p) = members.iter().find(|p| p.name.as_deref() == Some(name)) else {
                let names: Vec<&str> = members.iter().filter_map(|p| p.name.as_deref()).collect();
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
            picked.push(p);
        }
        picked
    } else if selection.workspace {
        members.iter().collect()
    } else if let Some(p) = members.iter().find(|p| p.root == start) {
        vec![p]
    } else {
        members
            .iter()
            .filter(|p| workspace.default_members.contains(&p.root))
            .collect()
    };

    let mut sources: Vec<PathBuf> = Vec::new();
    let mut skipped = Vec::new();
    for package in selected {
        skipped.extend(package.skipped.iter().cloned());
        sources.extend(package.sources.iter().filter(|s| s.exists()).cloned());
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
        workspace_root: workspace.root,
        start,
        skipped,
    })
}

/// A workspace as its manifests describe it, read without cargo.
///
/// The root is the folder of the starting manifest when it has a `[workspace]`
/// table, else the folder `package.workspace` names, else the nearest folder above
/// whose `Cargo.toml` has a `[workspace]` table that takes the package in; a package
/// no workspace takes in is a workspace of its own.
///
/// The members are the root package (when the root manifest has `[package]`), the
/// folders `workspace.members` names (globs such as `crates/*` are expanded against
/// the folders that hold a `Cargo.toml`), and, as cargo does, every `path`
/// dependency of a member that lies inside the root; less those under a path of
/// `workspace.exclude`. The default members are `workspace.default-members`, or
/// every member.
#[derive(Debug)]
pub struct Workspace {
    /// The root folder, absolute.
    pub root: PathBuf,
    /// Every member package, in the order found.
    pub members: Vec<Package>,
    /// The root folders of the default members.
    pub default_members: Vec<PathBuf>,
}

/// The most members a workspace may have: a glob in a hostile manifest cannot make
/// discovery read the whole disk.
const MAX_MEMBERS: usize = 100_000;

impl Workspace {
    /// Reads the workspace of the manifest at `manifest` (absolute).
    pub fn read(manifest: &Path) -> Result<Workspace, Error> {
        let dir = manifest.parent().map(Path::to_path_buf).unwrap_or_default();
        let table = parse_manifest(manifest)?;
        let (root, root_table) = if table.contains_key("workspace") {
            (dir.clone(), table.clone())
        } else if let Some(rel) = table
            .get("package")
            .and_then(|p| p.get("workspace"))
            .and_then(|w| w.as_str())
        {
            let root = absolute(&dir.join(rel));
            let root_manifest = root.join("Cargo.toml");
            let root_table = parse_manifest(&root_manifest)?;
            if !root_table.contains_key("workspace") {
                return Err(Error::Workspace {
                    message: format!(
                        "`{}` has no `[workspace]` table",
                        escaped(&root_manifest.to_string_lossy())
                    ),
                });
            }
            (root, root_table)
        } else {
            let mut found = None;
            for above in dir.ancestors().skip(1) {
                let candidate = above.join("Cargo.toml");
                if !candidate.is_file() {
                    continue;
                }
                let Some(t) = read_manifest(&candidate) else {
                    continue;
                };
                if t.contains_key("workspace") {
                    found = Some((above.to_path_buf(), t));
                    break;
                }
            }
            match found {
                Some((root, t)) if takes_in(&root, &t, &dir) => (root, t),
                _ => (dir.clone(), table.clone()),
            }
        };
        let ws = root_table.get("workspace").and_then(|w| w.as_table());
        let excluded: Vec<PathBuf> = strings(ws.and_then(|w| w.get("exclude")))
            .iter()
            .map(|e| absolute(&root.join(e)))
            .collect();
        let is_excluded = |d: &Path| excluded.iter().any(|e| d.starts_with(e));

        let mut queue: Vec<PathBuf> = Vec::new();
        if root_table.contains_key("package") {
            queue.push(root.clone());
        }
        for pattern in strings(ws.and_then(|w| w.get("members"))) {
            queue.extend(expand_member(&root, &pattern, true)?);
        }
        if !root_table.contains_key("workspace") {
            // A package of its own.
            queue = vec![root.clone()];
        }
        let mut members: Vec<Package> = Vec::new();
        let mut i = 0;
        while i < queue.len() && members.len() < MAX_MEMBERS {
            let member = absolute(&queue[i]);
            i += 1;
            if members.iter().any(|m| m.root == member) || (member != root && is_excluded(&member))
            {
                continue;
            }
            let member_manifest = member.join("Cargo.toml");
            let member_table = parse_manifest(&member_manifest)?;
            let Some(package) = package_from(&member, &member_table) else {
                // A nested virtual manifest is not a package.
                continue;
            };
            for dep_dir in path_dependencies(&member_table, &member, &root, ws) {
                if dep_dir.starts_with(&root) && dep_dir.join("Cargo.toml").is_file() {
                    queue.push(dep_dir);
                }
            }
            members.push(package);
        }
        let default_members = match ws.and_then(|w| w.get("default-members")) {
            Some(value) => {
                let mut roots = Vec::new();
                for pattern in strings(Some(value)) {
                    roots.extend(expand_member(&root, &pattern, false)?);
                }
                roots.iter().map(|r| absolute(r)).collect()
            }
            None => members.iter().map(|m| m.root.clone()).collect(),
        };
        Ok(Workspace {
            root,
            members,
            default_members,
        })
    }
}

/// Whether the workspace at `root` takes in the package in `dir`: one of its
/// `members` names or matches it, and no `exclude` path holds it.
fn takes_in(root: &Path, table: &toml::Table, dir: &Path) -> bool {
    let ws = table.get("workspace").and_then(|w| w.as_table());
    let excluded = strings(ws.and_then(|w| w.get("exclude")))
        .iter()
        .any(|e| dir.starts_with(absolute(&root.join(e))));
    if excluded {
        return false;
    }
    let Ok(rel) = dir.strip_prefix(root) else {
        return false;
    };
    strings(ws.and_then(|w| w.get("members")))
        .iter()
        .any(|pattern| member_glob(pattern).is_some_and(|g| g.is_match(rel)))
}

/// The strings of a TOML array (anything else gives none).
fn strings(value: Option<&toml::Value>) -> Vec<String> {
    value
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str())
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// A member pattern as a glob over paths relative to the root.
fn member_glob(pattern: &str) -> Option<globset::GlobMatcher> {
    let pattern = pattern.trim_start_matches("./").trim_end_matches('/');
    globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .ok()
        .map(|g| g.compile_matcher())
}

/// The folders a `members` (or `default-members`) entry names: the folder itself
/// when it has no glob characters, else every folder below the root that it matches
/// and that holds a `Cargo.toml`. A literal member must have a manifest.
fn expand_member(root: &Path, pattern: &str, must_exist: bool) -> Result<Vec<PathBuf>, Error> {
    let is_glob = pattern.contains(['*', '?', '[', '{']);
    if !is_glob {
        let dir = absolute(&root.join(pattern));
        if must_exist && !dir.join("Cargo.toml").is_file() {
            return Err(Error::Workspace {
                message: format!("member `{}` has no `Cargo.toml`", escaped(pattern)),
            });
        }
        return Ok(vec![dir]);
    }
    let Some(glob) = member_glob(pattern) else {
        return Err(Error::Workspace {
            message: format!("member `{}` is not a valid glob", escaped(pattern)),
        });
    };
    // Walk from the part before the first glob character, only as deep as the
    // pattern reaches (any depth for `**`).
    let trimmed = pattern.trim_start_matches("./").trim_end_matches('/');
    let parts: Vec<&str> = trimmed.split('/').collect();
    let literal = parts
        .iter()
        .take_while(|p| !p.contains(['*', '?', '[', '{']))
        .count();
    let base = absolute(&root.join(parts[..literal].join("/")));
    if !base.starts_with(root) {
        return Ok(Vec::new());
    }
    let depth = if trimmed.contains("**") {
        usize::MAX
    } else {
        parts.len() - literal
    };
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&base)
        .follow_links(false)
        .min_depth(1)
        .max_depth(depth)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| {
            e.file_type().is_dir()
                && e.file_name() != "target"
                && !e.file_name().to_string_lossy().starts_with('.')
        })
        .flatten()
    {
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        if glob.is_match(rel) && entry.path().join("Cargo.toml").is_file() {
            found.push(entry.path().to_path_buf());
            if found.len() >= MAX_MEMBERS {
                break;
            }
        }
    }
    Ok(found)
}

/// The folders of the `path` dependencies of the manifest of `member`: those of `[dependencies]`, `[dev-dependencies]`, `[build-dependencies]` and
/// their `[target.*]` forms, with `{ workspace = true }` entries looked up in the
/// root's `[workspace.dependencies]`.
fn path_dependencies(
    table: &toml::Table,
    member: &Path,
    root: &Path,
    ws: Option<&toml::Table>,
) -> Vec<PathBuf> {
    let kinds = ["dependencies", "dev-dependencies", "build-dependencies"];
    let mut tables: Vec<&toml::Table> = kinds
        .iter()
        .filter_map(|k| table.get(*k).and_then(|t| t.as_table()))
        .collect();
    if let Some(targets) = table.get("target").and_then(|t| t.as_table()) {
        for target in targets.values() {
            tables.extend(
                kinds
                    .iter()
                    .filter_map(|k| target.get(*k).and_then(|t| t.as_table())),
            );
        }
    }
    let inherited = ws
        .and_then(|w| w.get("dependencies"))
        .and_then(|d| d.as_table());
    let mut out = Vec::new();
    for deps in tables {
        for (name, dep) in deps {
            if let Some(path) = dep.get("path").and_then(|p| p.as_str()) {
                out.push(absolute(&member.join(path)));
            } else if dep.get("workspace") == Some(&toml::Value::Boolean(true)) {
                // Relative to the workspace root.
                if let Some(path) = inherited
                    .and_then(|d| d.get(name))
                    .and_then(|d| d.get("path"))
                    .and_then(|p| p.as_str())
                {
                    out.push(absolute(&root.join(path)));
                }
            }
        }
    }
    out
}

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

    fn member_names(root: &Path) -> (Vec<String>, Vec<String>) {
        let ws = Workspace::read(&root.join("Cargo.toml")).expect("reads");
        let name = |r: &PathBuf| {
            ws.members
                .iter()
                .find(|m| &m.root == r)
                .and_then(|m| m.name.clone())
                .unwrap_or_default()
        };
        let mut all: Vec<String> = ws.members.iter().filter_map(|m| m.name.clone()).collect();
        all.sort();
        let mut defaults: Vec<String> = ws.default_members.iter().map(name).collect();
        defaults.sort();
        (all, defaults)
    }

    #[test]
    fn workspace_members_from_globs_excludes_and_path_dependencies() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = &absolute(tmp.path());
        write(
            root,
            "Cargo.toml",
            "[workspace]\nmembers = [\"crates/*\", \"tools/cli\"]\nexclude = [\"crates/old\"]\ndefault-members = [\"tools/cli\"]\n\n[workspace.dependencies]\nshared = { path = \"libs/shared\" }\n",
        );
        for (rel, name) in [
            ("crates/a", "a"),
            ("crates/b", "b"),
            ("crates/old", "old"),
            ("tools/cli", "cli"),
            ("libs/shared", "shared"),
            ("libs/helper", "helper"),
        ] {
            write(
                root,
                &format!("{rel}/Cargo.toml"),
                &format!("[package]\nname = \"{name}\"\n"),
            );
        }
        // Not a package folder: the glob passes over it.
        write(root, "crates/notes/README.md", "");
        write(
            root,
            "crates/a/Cargo.toml",
            "[package]\nname = \"a\"\n\n[dependencies]\nshared.workspace = true\n\n[target.'cfg(unix)'.dev-dependencies]\nhelper = { path = \"../../libs/helper\" }\noutside = { path = \"../../../elsewhere\" }\n",
        );
        let (all, defaults) = member_names(root);
        assert_eq!(all, ["a", "b", "cli", "helper", "shared"]);
        assert_eq!(defaults, ["cli"]);
    }

    #[test]
    fn a_package_finds_its_workspace_or_stands_alone() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = &absolute(tmp.path());
        write(
            root,
            "Cargo.toml",
            "[package]\nname = \"top\"\n\n[workspace]\nmembers = [\"m\"]\n",
        );
        write(root, "m/Cargo.toml", "[package]\nname = \"m\"\n");
        write(root, "alone/Cargo.toml", "[package]\nname = \"alone\"\n");
        write(
            root,
            "far/x/Cargo.toml",
            "[package]\nname = \"x\"\nworkspace = \"../..\"\n",
        );
        let ws = Workspace::read(&root.join("m/Cargo.toml")).expect("reads");
        assert_eq!(ws.root, *root);
        let ws = Workspace::read(&root.join("alone/Cargo.toml")).expect("reads");
        assert_eq!(ws.root, root.join("alone"));
        assert_eq!(ws.members.len(), 1);
        let ws = Workspace::read(&root.join("far/x/Cargo.toml")).expect("reads");
        assert_eq!(ws.root, *root);
        assert_eq!(member_names(root).0, ["m", "top"]);
        write(root, "Cargo.toml", "[workspace]\nmembers = [\"gone\"]\n");
        match Workspace::read(&root.join("Cargo.toml")) {
            Err(Error::Workspace { message }) => {
                assert_eq!(message, "member `gone` has no `Cargo.toml`")
            }
            other => panic!("expected a workspace error, got {other:?}"),
        }
        write(root, "Cargo.toml", "[workspace\n");
        assert!(matches!(
            Workspace::read(&root.join("Cargo.toml")),
            Err(Error::Workspace { .. })
        ));
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
