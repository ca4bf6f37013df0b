//! Workspace membership for `cargo synclint`: which packages the cargo-style flags
//! select ([`cargo_plan`]), and the members a workspace's manifests name, with
//! member globs, excludes and `path` dependencies ([`Workspace`]).

use std::path::{Path, PathBuf};

use super::package::{package_from, parse_manifest, read_manifest, Package};
use super::{absolute, escaped, relative_to, Skipped};
use crate::error::Error;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::tests::write;

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
}
