//! The text the human printer hands to miette for one file: the file's own text,
//! except that hazards are escaped and overlong lines are cut around the sites shown,
//! with offsets mapped both ways so that labels stay on the right columns.
//!
//! Escapes are those of [`crate::report::escape`] (`\u{1b}`); tabs, line breaks and
//! the `\r` of a `\r\n` stay as they are, since miette lays them out, but a lone `\r`
//! is escaped (a terminal would return to the start of the line and the text after
//! it would overwrite what came before).
//! A line longer than [`LONG_LINE`] bytes keeps [`WINDOW`] characters on each side
//! of every label end on it (or its first `2 * WINDOW` characters when no label ends
//! on it), and each part left out becomes one `…`.
//! A finding far into a minified line is therefore drawn at a small column: miette
//! panics on a label column past 65,535.
//! The view has the same lines as the file, so line numbers need no mapping.
//!
//! The plain case, a file with no hazard and no long line, borrows the text unchanged;
//! it costs one scan of the bytes, which the human printer makes once per file.

use std::borrow::Cow;
use std::ops::Range;

use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::report::escape;

/// Lines longer than this many bytes are cut.
pub const LONG_LINE: usize = 512;

/// Characters kept on each side of a label end on a cut line.
pub const WINDOW: usize = 120;

/// What a part of a cut line is replaced by.
const ELLIPSIS: &str = "…";

/// One replaced range: `src` in the file became `view` in the view.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Edit {
    src: Range<usize>,
    view: Range<usize>,
}

/// A file's text as shown, and how its offsets map to the file's.
#[derive(Debug)]
pub struct SnippetView<'a> {
    text: Cow<'a, str>,
    edits: Vec<Edit>,
}

impl<'a> SnippetView<'a> {
    /// The view of a text that [`is_plain`]: the text itself.
    pub fn plain(text: &'a str) -> SnippetView<'a> {
        SnippetView {
            text: Cow::Borrowed(text),
            edits: Vec::new(),
        }
    }

    /// The view of `text` for labels whose ends are the byte offsets in `ends`.
    pub fn new(text: &'a str, ends: &[usize]) -> SnippetView<'a> {
        if is_plain(text) {
            return SnippetView::plain(text);
        }
        let mut ends: Vec<usize> = ends.iter().map(|&e| e.min(text.len())).collect();
        ends.sort_unstable();
        ends.dedup();
        let mut replacements: Vec<(Range<usize>, Cow<'static, str>)> = Vec::new();
        let mut line_start = 0;
        let mut next_end = 0;
        while line_start <= text.len() {
            let line_end = text[line_start..]
                .find('\n')
                .map_or(text.len(), |i| line_start + i);
            // The `\r` of a `\r\n` is part of the line break.
            let content_end = if text[line_start..line_end].ends_with('\r') && line_end < text.len()
            {
                line_end - 1
            } else {
                line_end
            };
            while next_end < ends.len() && ends[next_end] < line_start {
                next_end += 1;
            }
            let first = next_end;
            while next_end < ends.len() && ends[next_end] <= line_end {
                next_end += 1;
            }
            let line = line_start..content_end;
            if content_end - line_start > LONG_LINE {
                cut_line(text, line, &ends[first..next_end], &mut replacements);
            } else {
                escape_range(text, line, &mut replacements);
            }
            line_start = line_end + 1;
        }
        let mut view = String::with_capacity(text.len() + 16 * replacements.len());
        let mut edits = Vec::with_capacity(replacements.len());
        let mut copied = 0;
        for (src, with) in replacements {
            view.push_str(&text[copied..src.start]);
            let start = view.len();
            view.push_str(&with);
            edits.push(Edit {
                view: start..view.len(),
                src: src.clone(),
            });
            copied = src.end;
        }
        view.push_str(&text[copied..]);
        SnippetView {
            text: Cow::Owned(view),
            edits,
        }
    }

    /// The text handed to miette.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The same view, owning its text.
    pub fn into_owned(self) -> SnippetView<'static> {
        SnippetView {
            text: Cow::Owned(self.text.into_owned()),
            edits: self.edits,
        }
    }

    /// Reads `span` (in the view's offsets) for miette, under the shown `name`.
    /// Without context miette reads the span for the `[file:line:col]` header: that
    /// read gives the file's own position, from `line_col` (1-based line and
    /// character column of a file offset), rather than a place in the view.
    pub fn read_span<'b>(
        &'b self,
        name: &str,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
        line_col: impl Fn(usize) -> (u32, u32),
    ) -> Result<Box<dyn SpanContents<'b> + 'b>, MietteError> {
        let inner = self
            .text()
            .read_span(span, context_lines_before, context_lines_after)?;
        let (line, column) = if context_lines_before == 0 {
            let (line, column) = line_col(self.to_source(span.offset()));
            (line as usize - 1, column as usize - 1)
        } else {
            (inner.line(), inner.column())
        };
        // miette's own count is of every line break from the start of the text,
        // and it joins two labels' contexts when the first context's line plus
        // this count reaches the second's: every label in the second half of a
        // file would share one snippet with the label before it, however far
        // apart. The lines of the context itself join only contexts that touch.
        let line_count = inner.data().iter().filter(|&&b| b == b'\n').count();
        Ok(Box::new(MietteSpanContents::new_named(
            name.to_string(),
            inner.data(),
            *inner.span(),
            line,
            column,
            line_count,
        )))
    }

    /// The view offset of a file offset. An offset inside a replaced range maps to
    /// the start of its replacement when it is the range's start, else to its end.
    pub fn to_view(&self, offset: usize) -> usize {
        map(&self.edits, offset, |e| &e.src, |e| &e.view)
    }

    /// The file offset of a view offset, the inverse of [`to_view`](Self::to_view).
    pub fn to_source(&self, offset: usize) -> usize {
        map(&self.edits, offset, |e| &e.view, |e| &e.src)
    }
}

fn map(
    edits: &[Edit],
    offset: usize,
    from: impl Fn(&Edit) -> &Range<usize>,
    to: impl Fn(&Edit) -> &Range<usize>,
) -> usize {
    let idx = edits.partition_point(|e| from(e).start <= offset);
    let Some(edit) = idx.checked_sub(1).map(|i| &edits[i]) else {
        return offset;
    };
    let (f, t) = (from(edit), to(edit));
    if offset == f.start {
        t.start
    } else if offset < f.end {
        t.end
    } else {
        t.end + (offset - f.end)
    }
}

/// Whether `text` has no hazard miette would print raw and no line to cut, so that
/// its view is the text itself whatever the labels.
pub fn is_plain(text: &str) -> bool {
    !needs_edits(text)
}

fn needs_edits(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut line_start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\n' => {
                if i - line_start > LONG_LINE {
                    return true;
                }
                line_start = i + 1;
            }
            b'\t' => {}
            b'\r' if bytes.get(i + 1) == Some(&b'\n') => {}
            0..=0x1f | 0x7f => return true,
            // The lead bytes of every other hazard: C1 (U+0080..U+009F), U+061C,
            // and U+200E..U+2069.
            0xc2 | 0xd8 | 0xe2 if text[i..].chars().next().is_some_and(escape::is_hazard) => {
                return true;
            }
            _ => {}
        }
    }
    bytes.len() - line_start > LONG_LINE
}

/// Escapes every hazard in `text[range]`.
fn escape_range(text: &str, range: Range<usize>, out: &mut Vec<(Range<usize>, Cow<'static, str>)>) {
    let part = &text[range.clone()];
    if part
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\t')
    {
        return;
    }
    for (i, c) in part.char_indices() {
        if c != '\t' && escape::is_hazard(c) {
            let mut with = String::new();
            escape::push_escape(&mut with, c);
            let at = range.start + i;
            out.push((at..at + c.len_utf8(), Cow::Owned(with)));
        }
    }
}

/// Cuts the overlong line `text[line]` to windows around `ends` (sorted offsets on
/// the line) and escapes what is kept.
fn cut_line(
    text: &str,
    line: Range<usize>,
    ends: &[usize],
    out: &mut Vec<(Range<usize>, Cow<'static, str>)>,
) {
    let mut kept: Vec<Range<usize>> = Vec::new();
    if ends.is_empty() {
        kept.push(line.start..chars_after(text, line.start, line.end, 2 * WINDOW));
    }
    for &end in ends {
        let end = end.clamp(line.start, line.end);
        let window =
            chars_before(text, line.start, end, WINDOW)..chars_after(text, end, line.end, WINDOW);
        match kept.last_mut() {
            Some(last) if window.start <= last.end => last.end = last.end.max(window.end),
            _ => kept.push(window),
        }
    }
    let mut at = line.start;
    for window in kept {
        if window.start > at {
            out.push((at..window.start, Cow::Borrowed(ELLIPSIS)));
        }
        escape_range(text, window.clone(), out);
        at = window.end;
    }
    if line.end > at {
        out.push((at..line.end, Cow::Borrowed(ELLIPSIS)));
    }
}

/// The offset `n` characters before `at`, not before `floor`.
fn chars_before(text: &str, floor: usize, at: usize, n: usize) -> usize {
    text[floor..at]
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(floor, |(i, _)| floor + i)
}

/// The offset `n` characters after `at`, not past `ceiling`.
fn chars_after(text: &str, at: usize, ceiling: usize, n: usize) -> usize {
    text[at..ceiling]
        .char_indices()
        .nth(n)
        .map_or(ceiling, |(i, _)| at + i)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        let text = "fn f() {\r\n\tlet x = 1;\n}\n";
        let view = SnippetView::new(text, &[3]);
        assert!(matches!(view.text, Cow::Borrowed(_)));
        assert_eq!(view.to_view(5), 5);
    }

    #[test]
    fn hazards_are_escaped_and_offsets_follow() {
        let text = "// \u{1b}]0;x\u{7}\nlet s = \"\u{202e}\"; m.lock();\r";
        let at = text.find("m.lock").expect("in text");
        let view = SnippetView::new(text, &[at, at + 6]);
        assert_eq!(
            view.text(),
            "// \\u{1b}]0;x\\u{7}\nlet s = \"\\u{202e}\"; m.lock();\\u{d}"
        );
        let v = view.to_view(at);
        assert_eq!(&view.text()[v..v + 6], "m.lock");
        assert_eq!(view.to_source(v), at);
        assert_eq!(view.to_view(3), 3);
        assert_eq!(view.to_view(4), 9, "inside an escaped char: its end");
    }

    #[test]
    fn long_lines_are_cut_around_labels() {
        let text = format!("{}m.lock(){}\nshort\n", "x".repeat(70_000), "y".repeat(500));
        let at = 70_000;
        let view = SnippetView::new(&text, &[at, at + 8]);
        let v = view.to_view(at);
        assert_eq!(&view.text()[v..v + 8], "m.lock()");
        let first_line = view.text().lines().next().expect("a line");
        assert!(first_line.starts_with('…') && first_line.ends_with('…'));
        assert_eq!(first_line.chars().count(), 2 * WINDOW + 8 + 2);
        assert!(view.text().ends_with("\nshort\n"));
        assert_eq!(view.to_source(v), at);
        assert_eq!(view.to_source(view.to_view(at + 8)), at + 8);
    }

    #[test]
    fn long_lines_without_labels_keep_their_start() {
        let text = format!("{}\n", "é".repeat(1000));
        let view = SnippetView::new(&text, &[]);
        let line = view.text().lines().next().expect("a line");
        assert_eq!(line.chars().count(), 2 * WINDOW + 1);
        assert!(line.ends_with('…'));
    }
}
