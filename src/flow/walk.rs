//! The guard-lifetime walker.

use crate::flow::FileFlows;
use crate::report::finding::FileId;
use crate::source::SourceFile;

/// Walks every body of a parsed file.
pub fn walk_file(_ast: &syn::File, _file: &SourceFile, _id: FileId) -> FileFlows {
    FileFlows::default()
}
