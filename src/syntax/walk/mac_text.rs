//! A macro's arguments read from the file's text, for the questions the walk asks
//! of them before it parses them: whether they can make any fact, and whether they
//! can parse as a list of expressions at all. Reading the text allocates nothing,
//! where iterating a `proc_macro2` token stream clones every token it yields.
//!
//! The reading follows [`BodyWalker::inert_tokens`](super::BodyWalker) token for
//! token, and gives up (`None`) on what it does not know: a `$` (tokens a macro
//! substituted, whose text is not the one between the delimiters), a raw
//! identifier, a lifetime, a doc comment (an attribute to the parser), a byte
//! outside ASCII that is not inside a literal or a comment, unbalanced brackets. The
//! walk then asks the tokens.

use super::INERT_KEYWORDS_DENY;
use crate::source::is_word_byte;

/// What the text of a macro's arguments says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct ArgsText {
    /// Walking the arguments would record nothing (see `inert_tokens`).
    pub inert: bool,
    /// An argument starts with `%` or `?`, or is `name: ..` (a logging macro's
    /// sigils and `target:`): the arguments do not parse as expressions.
    pub not_exprs: bool,
}

/// The characters `proc_macro2` reads as punctuation.
fn is_punct(c: u8) -> bool {
    matches!(
        c,
        b'~' | b'!'
            | b'@'
            | b'#'
            | b'$'
            | b'%'
            | b'^'
            | b'&'
            | b'*'
            | b'-'
            | b'='
            | b'+'
            | b'|'
            | b';'
            | b':'
            | b','
            | b'<'
            | b'.'
            | b'>'
            | b'/'
            | b'?'
            | b'\''
    )
}

/// Whether the punctuation at `i` is joined to the next token (`Spacing::Joint`):
/// punctuation follows at once, and not as the start of a comment.
fn joint_at(b: &[u8], i: usize) -> bool {
    let Some(&n) = b.get(i + 1) else {
        return false;
    };
    is_punct(n) && !(n == b'/' && matches!(b.get(i + 2), Some(b'/' | b'*')))
}

/// The end of a string literal whose text starts at `i` (after the opening quote).
fn string_end(b: &[u8], mut i: usize) -> Option<usize> {
    while i < b.len() {
        match b[i] {
            b'"' => return Some(i + 1),
            b'\\' => i += 2,
            _ => i += 1,
        }
    }
    None
}

/// The end of a raw string whose `#`s start at `i` (`r#"..."#`).
fn raw_string_end(b: &[u8], mut i: usize) -> Option<usize> {
    let hashes = b[i..].iter().take_while(|&&c| c == b'#').count();
    i += hashes;
    if b.get(i) != Some(&b'"') {
        // `r#name`: a raw identifier.
        return None;
    }
    i += 1;
    while i < b.len() {
        if b[i] == b'"'
            && b[i + 1..]
                .iter()
                .take(hashes)
                .filter(|&&c| c == b'#')
                .count()
                == hashes
        {
            return Some(i + 1 + hashes);
        }
        i += 1;
    }
    None
}

/// The end of a character literal whose opening quote is at `i`; `None` for a
/// lifetime or a character outside ASCII.
fn char_end(b: &[u8], i: usize) -> Option<usize> {
    match (b.get(i + 1), b.get(i + 2)) {
        (Some(b'\\'), Some(_)) => {
            // `'\n'`, `'\''`, `'\u{1F600}'`: the closing quote after the escape.
            let from = i + 3;
            let at = b.get(from..)?.iter().take(10).position(|&c| c == b'\'')?;
            Some(from + at + 1)
        }
        (Some(&c), Some(b'\'')) if c.is_ascii() && c != b'\'' => Some(i + 3),
        _ => None,
    }
}

/// The end of the comment starting at `i` (`//` or `/*`, nested); `None` for a
/// doc comment, which the parser reads as an attribute.
fn comment_end(b: &[u8], i: usize) -> Option<usize> {
    let third = b.get(i + 2).copied();
    let fourth = b.get(i + 3).copied();
    if b[i + 1] == b'/' {
        if third == Some(b'!') || (third == Some(b'/') && fourth != Some(b'/')) {
            return None;
        }
        return Some(
            b[i..]
                .iter()
                .position(|&c| c == b'\n')
                .map_or(b.len(), |p| i + p),
        );
    }
    if third == Some(b'!') || (third == Some(b'*') && !matches!(fourth, Some(b'*' | b'/'))) {
        return None;
    }
    let mut depth = 0usize;
    let mut j = i;
    while j + 1 < b.len() {
        match (b[j], b[j + 1]) {
            (b'/', b'*') => {
                depth += 1;
                j += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                j += 2;
                if depth == 0 {
                    return Some(j);
                }
            }
            _ => j += 1,
        }
    }
    None
}

/// Whether a punctuation mark in macro arguments can make no fact: an operator
/// that neither calls nor assigns (`==`, `!=`, `<=` and `>=` included; not `=`,
/// `+=` or `<<=`), a negation (not a nested macro's `name!`), a path's `::`. With
/// `fields`, a logging macro's `name = value` and `?x` are its field syntax.
/// `joined` holds the two marks just before when they are joined to this one,
/// `alone` says this one is not joined to the next, and `callee_before` that the
/// token before is one a call could follow (a name, a closing bracket).
pub(super) fn inert_punct(
    c: u8,
    alone: bool,
    joined: [Option<u8>; 2],
    callee_before: bool,
    fields: bool,
) -> bool {
    match c {
        b',' | b'.' | b'&' | b'*' | b'+' | b'-' | b'/' | b'%' | b'<' | b'>' | b':' => true,
        b'=' if alone => match joined {
            [Some(b'=' | b'!'), _] => true,
            [Some(b'<'), p] => p != Some(b'<'),
            [Some(b'>'), p] => p != Some(b'>'),
            [None, _] => fields,
            _ => false,
        },
        b'=' => joined[0].is_none(),
        b'!' => !alone || !callee_before,
        b'?' => fields && !callee_before,
        _ => false,
    }
}

/// Reads the text between a macro's delimiters. `holds(name)` says whether a name
/// is one the walk follows (a variable holding a guard, data read under one or a
/// call's result, or one of the file's statics); `fields` reads a logging macro's
/// field syntax (`name = value`, `?x`, `%x`) as `inert_tokens` does.
pub(super) fn read(text: &str, fields: bool, holds: impl Fn(&str) -> bool) -> Option<ArgsText> {
    let b = text.as_bytes();
    let mut out = ArgsText {
        inert: true,
        not_exprs: false,
    };
    // The open brackets, innermost last.
    let mut open: Vec<u8> = Vec::new();
    let mut callee_before = false;
    // The two punctuation marks just before, when joined to the next.
    let mut joined: [Option<u8>; 2] = [None, None];
    // At the top level: the next token starts an argument (or a field's value),
    // and the token before was a name.
    let mut item_start = true;
    let mut after_name = false;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let top = open.is_empty();
        match c {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c => {
                i += 1;
                continue;
            }
            b'/' if matches!(b.get(i + 1), Some(b'/' | b'*')) => {
                i = comment_end(b, i)?;
                continue;
            }
            b'"' => i = string_end(b, i + 1)?,
            b'\'' => i = char_end(b, i)?,
            b'0'..=b'9' => {
                i += 1;
                while i < b.len() {
                    if is_word_byte(b[i]) {
                        i += 1;
                    } else if b[i] == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
                        i += 2;
                    } else {
                        break;
                    }
                }
            }
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
                let start = i;
                while i < b.len() && is_word_byte(b[i]) {
                    i += 1;
                }
                let word = &text[start..i];
                match (word, b.get(i)) {
                    (_, Some(&n)) if !n.is_ascii() => return None,
                    ("b" | "c", Some(b'"')) => i = string_end(b, i + 1)?,
                    ("r" | "br" | "cr", Some(b'"' | b'#')) => i = raw_string_end(b, i)?,
                    ("b", Some(b'\'')) => i = char_end(b, i)?,
                    _ => {
                        if INERT_KEYWORDS_DENY.contains(&word) || holds(word) {
                            out.inert = false;
                        }
                        joined = [None, None];
                        callee_before = true;
                        item_start = false;
                        after_name = top;
                        continue;
                    }
                }
            }
            b'(' | b'[' | b'{' => {
                if c == b'{' || (c == b'(' && callee_before) {
                    out.inert = false;
                }
                open.push(c);
                i += 1;
                joined = [None, None];
                callee_before = false;
                item_start = false;
                after_name = false;
                continue;
            }
            b')' | b']' | b'}' => {
                let want = match c {
                    b')' => b'(',
                    b']' => b'[',
                    _ => b'{',
                };
                if open.pop() != Some(want) {
                    return None;
                }
                i += 1;
                joined = [None, None];
                callee_before = true;
                item_start = false;
                after_name = false;
                continue;
            }
            b'$' => return None,
            _ if is_punct(c) => {
                let alone = !joint_at(b, i);
                if !inert_punct(c, alone, joined, callee_before, fields) {
                    out.inert = false;
                }
                if top {
                    let prefix = (c == b'%' || c == b'?') && item_start;
                    let named = c == b':' && alone && joined[0] != Some(b':') && after_name;
                    if prefix || named {
                        out.not_exprs = true;
                    }
                    item_start = c == b',' || (c == b'=' && alone && joined[0].is_none());
                }
                joined = if alone {
                    [None, None]
                } else {
                    [Some(c), joined[0]]
                };
                callee_before = c == b'>';
                after_name = false;
                i += 1;
                continue;
            }
            _ => return None,
        }
        // A literal.
        joined = [None, None];
        callee_before = false;
        item_start = false;
        after_name = false;
    }
    open.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_plain(text: &str) -> Option<ArgsText> {
        read(text, false, |name| name == "guard")
    }

    fn inert(text: &str) -> Option<bool> {
        read_plain(text).map(|t| t.inert)
    }

    #[test]
    fn literals_names_and_comparisons_are_inert() {
        for text in [
            "\"{} of {}\", n, LIMIT",
            "a == b && c != 0, \"x {y:?}\"",
            "n <= 3 && n >= 5, \"\\\"quoted\\\"\"",
            "Ordering::Relaxed, x.0.1, -1.5e3, 'c', b'x', '\\''",
            "r#\"raw \" text\"#, br\"x\", c\"y\"",
            "&v[..], *p % 2, (a + b) * c",
            "x /* a (comment */ , y // another {\n",
            "'\\u{1F600}', \"é\"",
        ] {
            assert_eq!(inert(text), Some(true), "{text}");
        }
    }

    #[test]
    fn calls_assignments_blocks_and_followed_names_are_not() {
        for text in [
            "x.len()",
            "f::<u8>(x) == 1",
            "a = 1",
            "a += 1",
            "a <<= 1",
            "{ a }",
            "|x| x",
            "guard.len",
            "matches!(x, y)",
            "x?",
            "async { 1 }",
            "#[cfg(x)] a",
        ] {
            assert_eq!(inert(text), Some(false), "{text}");
        }
    }

    #[test]
    fn what_the_text_cannot_tell_is_left_to_the_tokens() {
        for text in [
            "$e",
            "r#type",
            "'a",
            "(a",
            "a)",
            "/// doc\n a",
            "\"open",
            "x.é",
        ] {
            assert_eq!(read_plain(text), None, "{text}");
        }
    }

    #[test]
    fn logging_fields_are_inert_and_not_expressions() {
        let log = |text: &str| read(text, true, |name| name == "guard");
        let t = log("target: \"app\", n = count, ?state, %id, \"at {}\", n");
        assert_eq!(
            t,
            Some(ArgsText {
                inert: true,
                not_exprs: true
            })
        );
        assert_eq!(
            log("n = count, \"at {}\", n"),
            Some(ArgsText {
                inert: true,
                not_exprs: false
            })
        );
        assert_eq!(log("n = guard.len, \"x\"").map(|t| t.inert), Some(false));
        assert_eq!(log("x?").map(|t| t.inert), Some(false));
        // Outside a logging macro, `a % b` and `std::f64::consts::PI` are
        // expressions.
        assert_eq!(
            read_plain("a % b, std::f64::consts::PI").map(|t| t.not_exprs),
            Some(false)
        );
        assert_eq!(read_plain("?x").map(|t| t.not_exprs), Some(true));
    }
}
