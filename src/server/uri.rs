//! `file:` URIs to paths and back, read by hand so that a URI the server cannot
//! trust is refused instead of guessed at: only `file:` URIs with an empty or
//! `localhost` authority and an absolute path, without `.` or `..` segments or NUL
//! bytes, name a path. Every other URI (`untitled:`, `https:`, a malformed one)
//! names none, and the document is then not analysed.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use lsp_types::Uri;

/// The path a `file:` URI names, or `None` for any other URI.
pub(super) fn path_of(uri: &Uri) -> Option<PathBuf> {
    path_of_text(uri.as_str())
}

fn path_of_text(text: &str) -> Option<PathBuf> {
    let scheme_end = text.find(':')?;
    if !text[..scheme_end].eq_ignore_ascii_case("file") {
        return None;
    }
    let rest = text[scheme_end + 1..].strip_prefix("//")?;
    let path_start = rest.find('/')?;
    let authority = &rest[..path_start];
    if !(authority.is_empty() || authority.eq_ignore_ascii_case("localhost")) {
        return None;
    }
    let encoded = &rest[path_start..];
    let encoded = encoded.split(['?', '#']).next().unwrap_or_default();
    let bytes = percent_decode(encoded)?;
    if bytes.contains(&0) {
        return None;
    }
    let segments_ok = bytes
        .split(|&b| b == b'/')
        .all(|seg| seg != b"." && seg != b"..");
    if !segments_ok {
        return None;
    }
    let path = path_from_bytes(bytes)?;
    path.is_absolute().then_some(path)
}

/// `%XX` escapes decoded; `None` for a `%` not followed by two hex digits.
fn percent_decode(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(unix)]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(bytes)))
}

#[cfg(not(unix))]
fn path_from_bytes(bytes: Vec<u8>) -> Option<PathBuf> {
    let text = String::from_utf8(bytes).ok()?;
    // `/C:/x` on Windows is `C:/x`.
    let text = match text.strip_prefix('/') {
        Some(rest) if rest.as_bytes().get(1) == Some(&b':') => rest.to_string(),
        _ => text,
    };
    Some(PathBuf::from(text))
}

/// The `file:` URI of an absolute path: every byte but unreserved characters and
/// `/` percent-encoded. `None` for a relative path.
pub(super) fn uri_of(path: &Path) -> Option<Uri> {
    if !path.is_absolute() {
        return None;
    }
    let mut text = String::from("file://");
    #[cfg(not(unix))]
    text.push('/');
    for &b in path_bytes(path)?.iter() {
        let keep = b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/');
        if keep {
            text.push(char::from(b));
        } else {
            text.push_str(&format!("%{b:02X}"));
        }
    }
    Uri::from_str(&text).ok()
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    Some(path.as_os_str().as_bytes().to_vec())
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> Option<Vec<u8>> {
    Some(path.to_str()?.replace('\\', "/").into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uri(text: &str) -> Uri {
        Uri::from_str(text).expect("a valid URI")
    }

    #[cfg(unix)]
    #[test]
    fn file_uris_name_their_paths() {
        assert_eq!(
            path_of(&uri("file:///tmp/a%20b/src/lib.rs")),
            Some(PathBuf::from("/tmp/a b/src/lib.rs"))
        );
        assert_eq!(
            path_of(&uri("file://localhost/x.rs")),
            Some(PathBuf::from("/x.rs"))
        );
        assert_eq!(path_of(&uri("FILE:///x.rs")), Some(PathBuf::from("/x.rs")));
    }

    #[test]
    fn other_uris_name_nothing() {
        for text in [
            "untitled:Untitled-1",
            "https://example.com/x.rs",
            "file://other-host/x.rs",
            "file:///tmp/../etc/passwd",
            "file:///tmp/./x.rs",
            "file:///tmp/%2e%2e/etc/passwd",
            "file:///tmp/a%00b.rs",
            "file:relative.rs",
        ] {
            if let Ok(u) = Uri::from_str(text) {
                assert_eq!(path_of(&u), None, "{text}");
            }
        }
        assert_eq!(path_of_text("file:///x%zz.rs"), None);
        assert_eq!(path_of_text("file:///x%4"), None);
    }

    #[cfg(unix)]
    #[test]
    fn paths_round_trip_through_uris() {
        for path in ["/tmp/a b/é.rs", "/tmp/100%/x#y?.rs", "/tmp/plain/lib.rs"] {
            let u = uri_of(Path::new(path)).expect("an absolute path has a URI");
            assert_eq!(path_of(&u), Some(PathBuf::from(path)), "{}", u.as_str());
        }
        assert!(uri_of(Path::new("relative.rs")).is_none());
    }
}
