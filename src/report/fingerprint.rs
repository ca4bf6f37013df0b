//! The fingerprint of a finding: what the baseline matches a finding by, and what
//! SARIF gives code scanning to follow a result across runs.
//!
//! It reads the finding and the text of its lines; it does not read or write the
//! baseline file (that is `suppress`'s).

use crate::report::finding::{FileId, Finding};
use crate::source::SourceMap;

/// A fingerprint of a finding that survives edits elsewhere in its file: a hash of
/// its rule and the text of the lines of its primary site and labels, with spacing
/// collapsed. Line numbers, columns and the message are left out.
pub fn fingerprint(finding: &Finding, sources: &SourceMap) -> String {
    let mut hash = Fnv::new();
    hash.write(finding.rule.as_bytes());
    let line_of = |file: FileId, line: u32| {
        let text = sources.get(file).line_text(line);
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    hash.write(b"\0");
    hash.write(line_of(finding.primary.file, finding.primary.line).as_bytes());
    for label in &finding.labels {
        hash.write(b"\0");
        hash.write(line_of(label.span.file, label.span.line).as_bytes());
    }
    format!("{:016x}", hash.finish())
}

/// 64-bit FNV-1a: small, and stable across platforms and releases (unlike std's
/// hasher), which a fingerprint stored in a file needs.
struct Fnv(u64);

impl Fnv {
    fn new() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
