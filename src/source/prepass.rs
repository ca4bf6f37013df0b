//! The passes over a file's text before it is parsed: long literal number tables
//! blanked in place ([`blank_literal_tables`]), the edition-2015 syntax `syn` does not
//! read blanked in place ([`blank_2015_syntax`]), and the one pass over the bytes that
//! measures how deep the text nests and how many tokens it has ([`nesting`]), so that
//! a file too deep or too large to parse is reported instead.
//!
//! Every pass keeps each byte position, so spans of the parsed text are spans of the
//! file.

use super::shebang_len;

/// Content longer than this in one `[..]` of numbers is blanked before parsing.
const TABLE_MIN: usize = 256;

/// The text with the contents of long literal-number arrays (`[0x0041, 0x0042, ..]`)
/// replaced by spaces, newlines kept, so that every position is unchanged.
///
/// Generated data tables carry no concurrency facts, and a syntax tree of one
/// costs about a hundred times its text: a single 2.5 MB table file would need
/// 300 MB to parse. Only runs of digits, hex letters, number suffixes, `_`, `.`,
/// `-`, commas, white space and nested brackets count, so no code, string or
/// comment is touched.
pub fn blank_literal_tables(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() < 16 * TABLE_MIN {
        return std::borrow::Cow::Borrowed(text);
    }
    let bytes = text.as_bytes();
    let is_table_byte = |b: u8| {
        b.is_ascii_digit()
            || b.is_ascii_whitespace()
            || matches!(
                b,
                b',' | b'_' | b'.' | b'-' | b'x' | b'X' | b'o' | b'b' | b'a'..=b'f' | b'A'..=b'F'
                    | b'u' | b'i' | b's' | b'z'
            )
    };
    let mut ranges = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'[' {
            // Nested tables (`[[0x98, 0xEA], ..]`) count as one.
            let start = i + 1;
            let mut j = start;
            let mut depth = 0usize;
            while j < bytes.len() {
                match bytes[j] {
                    b'[' => depth += 1,
                    b']' if depth > 0 => depth -= 1,
                    b']' => break,
                    b if is_table_byte(b) => {}
                    _ => break,
                }
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b']' && j - start >= TABLE_MIN {
                ranges.push((start, j));
                i = j + 1;
            } else {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    if ranges.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = bytes.to_vec();
    for (a, b) in ranges {
        for byte in &mut out[a..b] {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    // Only ASCII bytes were replaced by ASCII spaces.
    std::borrow::Cow::Owned(String::from_utf8(out).expect("invariant: ASCII replaced by ASCII"))
}

/// The text of an edition-2015 file with the two forms of 2015 syntax that `syn`
/// does not read blanked in place (spaces for their bytes, newlines kept), so that
/// every position is unchanged; `None` when there is neither, or the text does not
/// lex.
///
/// - An anonymous parameter of a trait method (`fn f(&self, u8);`): its type is
///   blanked. The parameter has no name, so no body can use it.
/// - A bare `Fn(A) -> R` trait object in a type (`Box<Fn(u8)>`, `&Fn()`,
///   `type A = Fn() + Send;`): its arguments and return type are blanked, which
///   leaves the bare trait object `Fn`, which `syn` reads. Bounds (`F: Fn(u8)`,
///   `impl Fn()`, `dyn Fn()`) are left alone.
pub fn blank_2015_syntax(text: &str) -> Option<String> {
    use proc_macro2::{Delimiter, TokenTree};
    let skip = shebang_len(text);
    let stream: proc_macro2::TokenStream = text[skip..].parse().ok()?;
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    let range_of = |first: &TokenTree, last: &TokenTree| {
        (
            first.span().byte_range().start + skip,
            last.span().byte_range().end + skip,
        )
    };
    // Token lists still to scan, with whether each is the inside of a `(..)`.
    let mut todo: Vec<(Vec<TokenTree>, bool)> = vec![(stream.into_iter().collect(), false)];
    while let Some((toks, in_parens)) = todo.pop() {
        for (i, tt) in toks.iter().enumerate() {
            match tt {
                TokenTree::Group(g) => {
                    let parens = g.delimiter() == Delimiter::Parenthesis;
                    todo.push((g.stream().into_iter().collect(), parens));
                }
                TokenTree::Ident(id) if id == "fn" => {
                    if let Some(params) = fn_params(&toks, i) {
                        // The parameter goes with the comma before it (or, for the
                        // first, after it), so that no empty parameter is left.
                        let (segs, commas) = split_params(&params);
                        for (k, &(a, b)) in segs.iter().enumerate() {
                            if a == b || !is_anonymous(&params[a..b]) {
                                continue;
                            }
                            let (from, to) = match (k.checked_sub(1), commas.first()) {
                                (Some(prev), _) => (commas[prev], b - 1),
                                (None, Some(&next)) => (a, next),
                                (None, None) => (a, b - 1),
                            };
                            ranges.push(range_of(&params[from], &params[to]));
                        }
                    }
                }
                TokenTree::Ident(id)
                    if (id == "Fn" || id == "FnMut" || id == "FnOnce")
                        && in_type_position(&toks, i, in_parens) =>
                {
                    let Some(TokenTree::Group(args)) = toks.get(i + 1) else {
                        continue;
                    };
                    if args.delimiter() != Delimiter::Parenthesis {
                        continue;
                    }
                    let mut last = &toks[i + 1];
                    if is_arrow(&toks, i + 2) {
                        let end = type_end(&toks, i + 4);
                        if end > i + 4 {
                            last = &toks[end - 1];
                        }
                    }
                    ranges.push(range_of(&toks[i + 1], last));
                }
                _ => {}
            }
        }
    }
    // The thread's span table is cleared by the caller, after the parse that
    // follows; clearing it here would invalidate the first parse's error.
    if ranges.is_empty() {
        return None;
    }
    let mut out = text.as_bytes().to_vec();
    for (a, b) in ranges {
        for byte in out.get_mut(a..b).into_iter().flatten() {
            if *byte != b'\n' && *byte != b'\r' {
                *byte = b' ';
            }
        }
    }
    // Whole tokens were replaced, so no character is cut in two; should a span be
    // off, the text is left as it was.
    String::from_utf8(out).ok()
}

/// The parameters of a `fn NAME<..>(..)` item whose `fn` is at `at`; `None` for a
/// function pointer type (`fn(u8)`), which has no name.
fn fn_params(toks: &[proc_macro2::TokenTree], at: usize) -> Option<Vec<proc_macro2::TokenTree>> {
    use proc_macro2::{Delimiter, TokenTree};
    let Some(TokenTree::Ident(_)) = toks.get(at + 1) else {
        return None;
    };
    let mut j = at + 2;
    if is_punct(toks.get(j), '<') {
        let mut depth = 0usize;
        while j < toks.len() {
            if is_punct(toks.get(j), '<') {
                depth += 1;
            } else if is_punct(toks.get(j), '>') && !is_arrow_end(toks, j) {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            j += 1;
        }
        j += 1;
    }
    match toks.get(j) {
        Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Parenthesis => {
            Some(g.stream().into_iter().collect())
        }
        _ => None,
    }
}

/// A parameter list split at its top-level commas: each parameter's token range,
/// and the commas' indices.
type Split = (Vec<(usize, usize)>, Vec<usize>);

fn split_params(toks: &[proc_macro2::TokenTree]) -> Split {
    let (mut segs, mut commas) = (Vec::new(), Vec::new());
    let mut depth = 0usize;
    let mut start = 0;
    for (i, tt) in toks.iter().enumerate() {
        if is_punct(Some(tt), '<') {
            depth += 1;
        } else if is_punct(Some(tt), '>') && !is_arrow_end(toks, i) {
            depth = depth.saturating_sub(1);
        } else if is_punct(Some(tt), ',') && depth == 0 {
            segs.push((start, i));
            commas.push(i);
            start = i + 1;
        }
    }
    segs.push((start, toks.len()));
    (segs, commas)
}

/// A parameter with a type and no pattern: not `self` in any form, not `name: T`,
/// not a macro fragment (`$x`), not the `...` of a variadic.
fn is_anonymous(seg: &[proc_macro2::TokenTree]) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    if seg.is_empty() || matches!(seg.last(), Some(TokenTree::Ident(id)) if id == "self") {
        return false;
    }
    if seg.iter().all(|t| is_punct(Some(t), '.')) || seg.iter().any(|t| is_punct(Some(t), '$')) {
        return false;
    }
    let mut depth = 0usize;
    let mut i = 0;
    while i < seg.len() {
        match &seg[i] {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' && !is_arrow_end(seg, i) => {
                depth = depth.saturating_sub(1)
            }
            // `::` is a path; a lone `:` at the top separates a pattern from its type.
            TokenTree::Punct(p) if p.as_char() == ':' => {
                if p.spacing() == Spacing::Joint && is_punct(seg.get(i + 1), ':') {
                    i += 1;
                } else if depth == 0 {
                    return false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    true
}

/// Whether the token at `at` starts a type, not a bound: after `<`, `&`, `&'a`,
/// `&mut`, `*const`, `=`, `,`, `->`, `as`, or first inside `(..)`.
fn in_type_position(toks: &[proc_macro2::TokenTree], at: usize, in_parens: bool) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    let Some(before) = at.checked_sub(1).map(|b| &toks[b]) else {
        return in_parens;
    };
    match before {
        TokenTree::Punct(p) => match p.as_char() {
            '<' | '&' | ',' => true,
            '=' => {
                // Not `==`, `<=`, `=>`.
                let prev_joint = at >= 2
                    && matches!(&toks[at - 2], TokenTree::Punct(q) if q.spacing() == Spacing::Joint);
                p.spacing() == Spacing::Alone && !prev_joint
            }
            '>' => is_arrow_end(toks, at - 1),
            _ => false,
        },
        TokenTree::Ident(id) if id == "mut" || id == "const" => {
            at >= 2 && (is_punct(toks.get(at - 2), '*') || ends_reference(toks, at - 2))
        }
        TokenTree::Ident(id) => id == "as" || ends_reference(toks, at - 1),
        _ => false,
    }
}

/// Whether the token at `at` ends `&` or `&'a`.
fn ends_reference(toks: &[proc_macro2::TokenTree], at: usize) -> bool {
    is_punct(toks.get(at), '&')
        || (at >= 2
            && matches!(toks.get(at), Some(proc_macro2::TokenTree::Ident(_)))
            && is_punct(toks.get(at - 1), '\'')
            && is_punct(toks.get(at - 2), '&'))
}

/// Whether `->` starts at `at`.
fn is_arrow(toks: &[proc_macro2::TokenTree], at: usize) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    matches!(toks.get(at), Some(TokenTree::Punct(p)) if p.as_char() == '-' && p.spacing() == Spacing::Joint)
        && is_punct(toks.get(at + 1), '>')
}

/// Whether the `>` at `at` ends a `->` or `=>`.
fn is_arrow_end(toks: &[proc_macro2::TokenTree], at: usize) -> bool {
    use proc_macro2::{Spacing, TokenTree};
    at >= 1
        && matches!(&toks[at - 1], TokenTree::Punct(p) if (p.as_char() == '-' || p.as_char() == '=') && p.spacing() == Spacing::Joint)
}

/// Where a return type starting at `from` ends: at the first top-level `,`, `+`,
/// `;`, `=`, closing `>`, `{..}` or `where`.
fn type_end(toks: &[proc_macro2::TokenTree], from: usize) -> usize {
    use proc_macro2::{Delimiter, TokenTree};
    let mut depth = 0usize;
    let mut i = from;
    while i < toks.len() {
        match &toks[i] {
            TokenTree::Punct(p) => match p.as_char() {
                '<' => depth += 1,
                '>' if is_arrow_end(toks, i) => {}
                '>' if depth == 0 => break,
                '>' => depth -= 1,
                ',' | '+' | ';' | '=' if depth == 0 => break,
                _ => {}
            },
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => break,
            TokenTree::Ident(id) if id == "where" && depth == 0 => break,
            _ => {}
        }
        i += 1;
    }
    i
}

fn is_punct(tt: Option<&proc_macro2::TokenTree>, c: char) -> bool {
    matches!(tt, Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == c)
}

/// Deeper than this, a file is reported rather than parsed: the recursion of parsing
/// and walking would outgrow even the workers' large stacks.
const MAX_NESTING: usize = 50_000;

/// The same for chains the parser or the walker also recurses on but that are not
/// nested brackets: prefix operators, pointer types and keywords (`!!!x`, `&&&x`,
/// `*const *const u8`, `break break x`), operator, assignment and postfix chains in
/// one statement (`a + b + ..`, `a = a = ..`, `g()()`, `x[0][0]`, `x???`, `x.a.a`,
/// `x as u8 as u8`), generic arguments (`Vec<Vec<..>>`) and function types
/// (`fn() -> fn() -> ..`). Their frames are larger.
const MAX_CHAIN: usize = 20_000;

/// Whether a byte continues a word or a number: an ASCII letter, digit or `_`.
pub(crate) fn is_word_byte(c: u8) -> bool {
    WORD_BYTE[c as usize]
}

/// The bytes that continue a word or a number: ASCII letters, digits and `_`.
static WORD_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric() || c == b'_';
        b += 1;
    }
    t
};

/// The bytes `u8::is_ascii_whitespace` accepts.
static SPACE_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_whitespace();
        b += 1;
    }
    t
};

/// Whether a text could go past a limit of [`Nesting::too_deep`], by counts that
/// are cheaper than [`nesting`]'s pass: each level of every kind it measures takes at
/// least one byte, so a text no longer than the smallest limit cannot; nor can one
/// with no more opening brackets than [`MAX_NESTING`] and no more of the bytes and
/// words at which a chain gains a level than [`MAX_CHAIN`]. The counts include
/// comments and literals, which [`nesting`] skips, so they only ever count more than
/// it does.
pub(crate) fn may_nest_too_deep(text: &str) -> bool {
    let smallest = if MAX_CHAIN < MAX_NESTING {
        MAX_CHAIN
    } else {
        MAX_NESTING
    };
    if text.len() <= smallest {
        return false;
    }
    let bytes = text.as_bytes();
    let counts = byte_counts(bytes);
    let count = |set: &[u8]| -> usize { set.iter().map(|&b| counts[b as usize]).sum() };
    if count(b"([{") > MAX_NESTING {
        return true;
    }
    // The bytes at which a chain gains a level: a prefix operator, a binary or
    // postfix operator, a call or index bracket, `<`, the `-` of `->`.
    let punct = count(b"([=!&*-+/%^|?.<");
    // The words are counted only when they could make the difference: no two of
    // their occurrences overlap (none ends with a letter another starts with) and
    // each takes two bytes or more, so there are at most half as many as bytes.
    punct > MAX_CHAIN
        || (punct + bytes.len() / 2 > MAX_CHAIN && punct + chain_words(bytes) > MAX_CHAIN)
}

/// How often each byte value occurs (four tables filled in turn, so that runs of
/// one byte do not wait on their own counts).
fn byte_counts(bytes: &[u8]) -> [usize; 256] {
    let mut tables = [[0u32; 256]; 4];
    let mut chunks = bytes.chunks_exact(4);
    for c in &mut chunks {
        tables[0][c[0] as usize] += 1;
        tables[1][c[1] as usize] += 1;
        tables[2][c[2] as usize] += 1;
        tables[3][c[3] as usize] += 1;
    }
    for &b in chunks.remainder() {
        tables[0][b as usize] += 1;
    }
    let mut out = [0usize; 256];
    for (i, n) in out.iter_mut().enumerate() {
        *n = tables.iter().map(|t| t[i] as usize).sum();
    }
    out
}

/// Occurrences of the words at which a chain gains a level (`as`, `break`, `return`,
/// `yield`, `become`, `box`), also inside longer words.
fn chain_words(bytes: &[u8]) -> usize {
    static FINDERS: std::sync::OnceLock<Vec<memchr::memmem::Finder<'static>>> =
        std::sync::OnceLock::new();
    FINDERS
        .get_or_init(|| {
            ["as", "break", "return", "yield", "become", "box"]
                .iter()
                .map(|w| memchr::memmem::Finder::new(w.as_bytes()))
                .collect()
        })
        .iter()
        .map(|f| f.find_iter(bytes).count())
        .sum()
}

/// How deep a text nests, by kind, with where each maximum is reached.
#[derive(Default)]
pub(crate) struct Nesting {
    brackets: (usize, usize),
    prefix: (usize, usize),
    operators: (usize, usize),
    angles: (usize, usize),
    arrows: (usize, usize),
    /// Tokens the lexer will make, about: words, literals, punctuation, brackets.
    pub(crate) tokens: usize,
}

impl Nesting {
    /// The first kind that goes past its limit: (what, depth, limit, offset).
    pub(crate) fn too_deep(&self) -> Option<(&'static str, usize, usize, usize)> {
        [
            ("brackets", self.brackets, MAX_NESTING),
            ("prefix operators and keywords", self.prefix, MAX_CHAIN),
            ("operators", self.operators, MAX_CHAIN),
            ("generic arguments", self.angles, MAX_CHAIN),
            ("function types", self.arrows, MAX_CHAIN),
        ]
        .into_iter()
        .find(|(_, (depth, _), limit)| depth > limit)
        .map(|(what, (depth, at), limit)| (what, depth, limit, at))
    }
}

/// Measures nesting in one pass over the bytes, skipping comments and string and
/// character literals. Generic and arrow chains reset at `;`, `{` and `}`, which
/// no type crosses, so comparisons (`a < b`) cannot add up across statements.
pub(crate) fn nesting(text: &str) -> Nesting {
    fn bump(slot: &mut (usize, usize), depth: usize, at: usize) {
        if depth > slot.0 {
            *slot = (depth, at);
        }
    }
    let bytes = text.as_bytes();
    let mut n = Nesting::default();
    let (mut brackets, mut prefix, mut angles, mut arrows) = (0usize, 0usize, 0usize, 0usize);
    // Operators and postfix links since the last `;`, `{`, `}` or `,`.
    let mut ops = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        // White space and words first: most of a file's bytes.
        if SPACE_BYTE[b as usize] {
            while i < bytes.len() && SPACE_BYTE[bytes[i] as usize] {
                i += 1;
            }
            continue;
        }
        if b.is_ascii_alphabetic() || b == b'_' {
            n.tokens += 1;
            let start = i;
            while i < bytes.len() && WORD_BYTE[bytes[i] as usize] {
                i += 1;
            }
            let word = &bytes[start..i];
            if matches!(word, b"r" | b"br" | b"cr")
                && matches!(bytes.get(i), Some(b'"') | Some(b'#'))
            {
                // A raw string: no escapes, ends at `"` and as many `#` as it opened with.
                let hashes = bytes[i..].iter().take_while(|&&c| c == b'#').count();
                if bytes.get(i + hashes) == Some(&b'"') {
                    let close = format!("\"{}", "#".repeat(hashes));
                    let from = i + hashes + 1;
                    i = text[from..]
                        .find(&close)
                        .map_or(bytes.len(), |at| from + at + close.len());
                    continue;
                }
            }
            match word {
                // `*const T`, `&mut x`: the word belongs to the prefix run.
                b"const" | b"mut" | b"raw" if prefix > 0 => {}
                // Keywords whose operand `syn` parses by recursion, as it does
                // for prefix operators: `break break ... x`, `return return ...`.
                b"break" | b"return" | b"yield" | b"become" | b"box" => {
                    prefix += 1;
                    bump(&mut n.prefix, prefix, start);
                }
                b"as" => {
                    prefix = 0;
                    ops += 1;
                    bump(&mut n.operators, ops, start);
                }
                _ => prefix = 0,
            }
            continue;
        }
        let next = bytes.get(i + 1).copied().unwrap_or(0);
        match b {
            // Comments are skipped with a fast search (`i` is at an ASCII byte, so on a
            // character boundary).
            b'/' if next == b'/' => {
                i = text[i..].find('\n').map_or(bytes.len(), |at| i + at);
                continue;
            }
            b'/' if next == b'*' => {
                i = text[i + 2..]
                    .find("*/")
                    .map_or(bytes.len(), |at| i + 2 + at + 2);
                continue;
            }
            b'"' => {
                n.tokens += 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            b'\'' if bytes.get(i + 2) == Some(&b'\'') || next == b'\\' => {
                // A character literal (a lifetime has no closing quote).
                n.tokens += 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'\'' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
                continue;
            }
            b'\'' => {
                // A lifetime or label: part of the run it sits in (`&'a &'a T`,
                // `break 'a break 'a`).
                n.tokens += 1;
                i += 1;
                while i < bytes.len() && WORD_BYTE[bytes[i] as usize] {
                    i += 1;
                }
                continue;
            }
            b'{' | b'(' | b'[' => {
                n.tokens += 1;
                brackets += 1;
                bump(&mut n.brackets, brackets, i);
                if b == b'{' {
                    angles = 0;
                    arrows = 0;
                    ops = 0;
                } else {
                    // A call or index link: `g()()..`, `x[0][0]..`.
                    ops += 1;
                    bump(&mut n.operators, ops, i);
                }
                prefix = 0;
            }
            b'}' | b')' | b']' => {
                brackets = brackets.saturating_sub(1);
                if b == b'}' {
                    angles = 0;
                    arrows = 0;
                    ops = 0;
                }
                prefix = 0;
            }
            b';' => {
                n.tokens += 1;
                angles = 0;
                arrows = 0;
                prefix = 0;
                ops = 0;
            }
            b',' => {
                n.tokens += 1;
                prefix = 0;
                ops = 0;
            }
            b'-' if next == b'>' => {
                n.tokens += 2;
                arrows += 1;
                bump(&mut n.arrows, arrows, i);
                prefix = 0;
                i += 2;
                continue;
            }
            b'=' if next == b'>' => {
                n.tokens += 2;
                prefix = 0;
                i += 2;
                continue;
            }
            // Assignments chain to the right: `a = a = ..`.
            b'=' => {
                n.tokens += 1;
                prefix = 0;
                ops += 1;
                bump(&mut n.operators, ops, i);
            }
            b'<' if next == b'<' || next == b'=' => {
                n.tokens += 2;
                prefix = 0;
                i += 2;
                continue;
            }
            b'<' => {
                n.tokens += 1;
                angles += 1;
                bump(&mut n.angles, angles, i);
                prefix = 0;
            }
            b'>' => {
                n.tokens += 1;
                angles = angles.saturating_sub(1);
                prefix = 0;
            }
            b'!' | b'&' | b'*' | b'-' => {
                n.tokens += 1;
                prefix += 1;
                bump(&mut n.prefix, prefix, i);
                ops += 1;
                bump(&mut n.operators, ops, i);
            }
            b'+' | b'/' | b'%' | b'^' | b'|' | b'?' | b'.' => {
                n.tokens += 1;
                prefix = 0;
                ops += 1;
                bump(&mut n.operators, ops, i);
            }
            b if b.is_ascii_digit() => {
                // A number is one token: `0x1F`, `1_000u32`.
                n.tokens += 1;
                prefix = 0;
                while i < bytes.len() && WORD_BYTE[bytes[i] as usize] {
                    i += 1;
                }
                continue;
            }
            _ => {
                n.tokens += 1;
                prefix = 0;
            }
        }
        i += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edition_2015_syntax_is_blanked_in_place_and_bounds_are_not() {
        let text = "trait T {\n    fn a(&self, u8, Vec<u8>);\n    fn b(u8, x: u32);\n}\ntype A = Box<Fn(u8) -> u8 + Send>;\n";
        let out = blank_2015_syntax(text).expect("invariant: the text has 2015 syntax");
        assert_eq!(out.len(), text.len());
        assert_eq!(out.lines().count(), text.lines().count());
        assert!(out.contains("fn a(&self             );"), "{out}");
        assert!(out.contains("fn b(    x: u32);"), "{out}");
        assert!(
            out.contains(&format!("Box<Fn{}+ Send>", " ".repeat(11))),
            "{out}"
        );
        syn::parse_file(&out).expect("invariant: the rewrite parses");
        // Named and `self` parameters, bounds, `dyn`, `impl`, function pointers and
        // macro fragments are left as they are.
        let untouched = [
            "fn f<F: Fn(u8) -> u8>(f: F, g: &dyn Fn(), h: impl FnOnce()) {}",
            "fn f<F>(f: F) where F: Send + Fn(u8) { let p: fn(u8) -> u8 = g; }",
            "trait T { fn f(self: Box<Self>, mut x: u8, (a, b): (u8, u8)); }",
            "macro_rules! m { ($t:ty) => { fn f(x: $t) {} }; }",
            "extern \"C\" { fn printf(fmt: *const u8, ...); }",
        ];
        for text in untouched {
            assert_eq!(blank_2015_syntax(text), None, "{text}");
        }
        proc_macro2::extra::invalidate_current_thread_spans();
    }

    #[test]
    fn long_number_tables_are_blanked_in_place() {
        let table: String = (0..2000).map(|i| format!("0x{i:04x}, ")).collect();
        let text = format!("static T: [u16; 2000] = [{table}];\nfn f() {{ let v = [a, b]; }}\n");
        let out = blank_literal_tables(&text);
        assert_eq!(out.len(), text.len());
        assert!(out.contains("static T: [u16; 2000] = [   "));
        assert!(out.contains("let v = [a, b];"));
        assert!(!out.contains("0x0001"));
        let pairs: String = (0..400)
            .map(|i| format!("[0x{:02X}, 0x{:02x}], ", i % 256, i % 256))
            .collect();
        let nested = format!("static P: [[u8; 2]; 400] = [{pairs}];");
        assert!(blank_literal_tables(&nested).contains("= [  "));
        let short = "static T: [u8; 2] = [1, 2];";
        assert_eq!(blank_literal_tables(short), short);
    }

    #[test]
    fn nesting_skips_comments_and_literals() {
        let deep = "(".repeat(100);
        let texts = [
            format!("// {deep}\nfn f() {{}}"),
            format!("/* {deep} */ fn f() {{}}"),
            format!("fn f() {{ let s = \"{deep}\\\"{deep}\"; }}"),
            format!("fn f() {{ let s = r#\"{deep}\"{deep}\"#; }}"),
            format!("fn f() {{ let c = '('; let s = br\"{deep}\"; }}"),
        ];
        for text in &texts {
            let n = nesting(text);
            assert!(n.brackets.0 <= 2, "{text}: {}", n.brackets.0);
        }
        // The same brackets in code count, and an unterminated comment ends the text.
        assert_eq!(nesting(&format!("fn f() {{ {deep} }}")).brackets.0, 101);
        assert_eq!(nesting(&format!("fn f() {{}} /* {deep}")).brackets.0, 1);
    }

    #[test]
    fn the_quick_bound_holds_whenever_the_pass_finds_too_deep() {
        let deep_kinds = [
            format!("fn f() {{ {} }}", "(".repeat(MAX_NESTING + 1)),
            format!("fn f() {{ {}x; }}", "!".repeat(MAX_CHAIN + 1)),
            format!("fn f() {{ {}x; }}", "break ".repeat(MAX_CHAIN + 1)),
            format!("fn f() {{ x{}; }}", " as u8".repeat(MAX_CHAIN + 1)),
            format!("fn f() {{ x{}; }}", ".a".repeat(MAX_CHAIN + 1)),
            format!("fn f() {{ a{}; }}", " = a".repeat(MAX_CHAIN + 1)),
            format!("type T = {}u8;", "Vec<".repeat(MAX_CHAIN + 1)),
            format!("type T = {}u8;", "fn() -> ".repeat(MAX_CHAIN + 1)),
            format!("fn f() {{ g{}; }}", "()".repeat(MAX_CHAIN + 1)),
        ];
        for text in &deep_kinds {
            assert!(nesting(text).too_deep().is_some(), "{}", &text[..40]);
            assert!(may_nest_too_deep(text), "{}", &text[..40]);
        }
        // Long code of ordinary shape is passed without the full pass.
        let ordinary = "fn f(a: &u8) -> u8 { let b = a.max(&1); g(b) }\n".repeat(1000);
        assert!(ordinary.len() > MAX_CHAIN);
        assert!(nesting(&ordinary).too_deep().is_none());
        assert!(!may_nest_too_deep(&ordinary));
        assert!(!may_nest_too_deep(&"(".repeat(MAX_CHAIN)));
    }

    #[test]
    fn nesting_counts_keyword_and_lifetime_runs() {
        let breaks = format!("fn f() {{ loop {{ {} }} }}", "break ".repeat(30));
        assert_eq!(nesting(&breaks).prefix.0, 30);
        let labelled = format!("fn f() {{ 'a: loop {{ {} }} }}", "break 'a ".repeat(30));
        assert_eq!(nesting(&labelled).prefix.0, 30);
        let refs = format!("type T<'a> = {}u8;", "&'a ".repeat(30));
        assert_eq!(nesting(&refs).prefix.0, 30);
        let pointers = format!("type T = {}u8;", "*const ".repeat(30));
        assert_eq!(nesting(&pointers).prefix.0, 30);
        // Words that are not keywords end a run.
        assert_eq!(nesting("fn f() { return x; return y; }").prefix.0, 1);
    }
}
