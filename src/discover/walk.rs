//! The walk over folders: every `.rs` file below a given folder, sorted, without
//! following symlinked folders and skipping `target/`, `.git/` and hidden entries;
//! what is not a regular file goes to the skipped list; and the folders a run may
//! read from ([`Roots`]), against which a path reached through a symlink is checked.

use std::path::{Component, Path, PathBuf};

use super::{absolute, Skipped};
use crate::config::Exclude;

/// A path found by a walk or named, and whether it may lead elsewhere through a
/// symlink (a named path, or a walked symlink), so that its target must be checked.
pub(super) struct Entry {
    pub(super) path: PathBuf,
    pub(super) via_link: bool,
}

/// The folders a run may read from, resolved through symlinks.
#[derive(Default)]
pub(super) struct Roots {
    dirs: Vec<PathBuf>,
}

impl Roots {
    pub(super) fn add(&mut self, dir: &Path) {
        if let Ok(real) = dir.canonicalize() {
            if !self.dirs.contains(&real) {
                self.dirs.push(real);
            }
        }
    }

    /// Whether the file at `path`, symlinks resolved, lies in one of the roots. A
    /// path that cannot be resolved is kept: reading it reports why.
    pub(super) fn holds(&self, path: &Path) -> bool {
        match path.canonicalize() {
            Ok(real) => self.dirs.iter().any(|d| real.starts_with(d)),
            Err(_) => true,
        }
    }
}

/// Pushes every `.rs` file below `root`, leaving out excluded files and folders;
/// `.rs` entries that are not regular files (nor symlinks to one) go to `skipped`.
pub(super) fn walk(
    root: &Path,
    out: &mut Vec<Entry>,
    exclude: &Exclude,
    skipped: &mut Vec<Skipped>,
) {
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
pub(super) fn normalize(path: &Path) -> PathBuf {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::tests::{found, write};

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
    fn leading_dot_components_are_dropped() {
        assert_eq!(
            normalize(Path::new("./src/a.rs")),
            PathBuf::from("src/a.rs")
        );
        assert_eq!(normalize(Path::new(".")), PathBuf::from("."));
        assert_eq!(normalize(Path::new("../x.rs")), PathBuf::from("../x.rs"));
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
}
