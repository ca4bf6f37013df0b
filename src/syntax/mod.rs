//! The syntax-facing per-file pass: the only code that reads `syn` trees.
//!
//! Each parsed file is read here once and turned into its facts, plain data that
//! outlives the tree: the `use` imports ([`imports`]), the items it declares
//! ([`items`], [`api`]) and the guard-lifetime facts of every body ([`walk`]). After
//! that the tree is dropped, and the crate-wide pass (`model`, `graph`, the rules)
//! reads only the facts, `model::FileItems` and `flow::FileFlows`.

pub mod api;
pub mod imports;
pub mod items;
pub mod macros;
pub mod walk;

use crate::flow::FileFlows;
use crate::model::known::Known;
use crate::model::FileItems;
use crate::report::finding::{FileId, Span};
use crate::source::{self, SourceFile};

/// Why a file does not parse, and where.
#[derive(Clone, Debug)]
pub struct ParseError {
    /// Where the parser stopped.
    pub span: Span,
    /// The parser's message.
    pub message: String,
}

/// Parses a file's text (its possibly blanked copy) and takes its facts: its items and
/// the flows of its bodies. The tree is dropped on return.
///
/// An edition-2015 file that does not parse has the syntax `syn` does not read blanked
/// in place ([`source::blank_2015_syntax`]) and is parsed again; the second error, if
/// any, is the one reported.
pub fn file_facts(
    file: &SourceFile,
    text: &str,
    id: FileId,
    known: &Known,
    crate_fns: Option<&crate::flow::guard_fns::CrateGuardFns>,
) -> Result<(FileItems, FileFlows), ParseError> {
    let mut parsed = syn::parse_file(text);
    if parsed.is_err() && file.edition == source::Edition::E2015 {
        if let Some(rewritten) = source::blank_2015_syntax(text) {
            parsed = syn::parse_file(&rewritten);
        }
    }
    match parsed {
        Ok(mut ast) => {
            imports::expand_renamed_types(&mut ast);
            let imports = imports::collect(&ast, file, id);
            let items = items::collect(&ast, &imports, known, file, id);
            macros::expand_local_macros(&mut ast);
            let flows = walk::walk_file(&ast, &imports, known, file, id, crate_fns);
            Ok((items, flows))
        }
        Err(e) => Err(ParseError {
            span: file.span(id, e.span()),
            message: e.to_string(),
        }),
    }
}

/// Whether a text parses as a file of the given edition, as [`file_facts`] reads
/// it (edition-2015 syntax blanked where `syn` rejects it). The spans of the parse
/// are freed before it returns.
pub fn parses(text: &str, edition: source::Edition) -> bool {
    let mut ok = syn::parse_file(text).is_ok();
    if !ok && edition == source::Edition::E2015 {
        ok = source::blank_2015_syntax(text).is_some_and(|t| syn::parse_file(&t).is_ok());
    }
    forget_spans();
    ok
}

/// Frees the span table `proc_macro2` keeps for the current thread: every span of
/// the files this thread parsed is dead once their facts are taken.
pub fn forget_spans() {
    proc_macro2::extra::invalidate_current_thread_spans();
}
