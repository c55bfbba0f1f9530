//! Lines as CommonMark and YAML see them: a line ends with `\n`, `\r\n` or a lone `\r`, and
//! a file may mix the three. Every byte-range computation of the parser and the renderer goes
//! through here, so that no convention is mistaken for one long line.

use std::borrow::Cow;

/// The lines of `text`, each with its line ending (the last one may have none).
pub(crate) fn split_inclusive(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = match rest.find(['\n', '\r']) {
            None => rest.len(),
            Some(at) if rest.get(at..at + 2) == Some("\r\n") => at + 2,
            Some(at) => at + 1,
        };
        let (line, tail) = rest.split_at(end);
        rest = tail;
        Some(line)
    })
}

/// The line ending `line` finishes with: `"\r\n"`, `"\n"`, `"\r"` or `""`.
pub(crate) fn ending(line: &str) -> &'static str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else if line.ends_with('\n') {
        "\n"
    } else if line.ends_with('\r') {
        "\r"
    } else {
        ""
    }
}

/// `text` without the one line ending it finishes with (if any).
pub(crate) fn strip_ending(text: &str) -> &str {
    text.get(..text.len() - ending(text).len()).unwrap_or(text)
}

/// `text` without the one line ending it starts with (if any).
pub(crate) fn strip_leading_ending(text: &str) -> &str {
    text.strip_prefix("\r\n")
        .or_else(|| text.strip_prefix('\n'))
        .or_else(|| text.strip_prefix('\r'))
        .unwrap_or(text)
}

/// `text` with each lone `\r` replaced by `\n`: the same line breaks at the same byte
/// offsets, for a reader that mishandles lone `\r` (pulldown-cmark reads a code fence opened
/// by `` ```\r `` as a paragraph, so the `#` lines inside it would become headings).
pub(crate) fn lone_cr_as_lf(text: &str) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let lone = |at: usize| bytes.get(at) == Some(&b'\r') && bytes.get(at + 1) != Some(&b'\n');
    if !(0..bytes.len()).any(lone) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\r') {
        let (before, after) = rest.split_at(at);
        out.push_str(before);
        out.push(if after.starts_with("\r\n") {
            '\r'
        } else {
            '\n'
        });
        rest = after.get(1..).unwrap_or_default();
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Number of line breaks in `text`.
pub(crate) fn count_breaks(text: &str) -> usize {
    split_inclusive(text)
        .filter(|line| !ending(line).is_empty())
        .count()
}

/// Start of the line holding byte `at`.
pub(crate) fn line_start(text: &str, at: usize) -> usize {
    text.get(..at)
        .and_then(|t| t.rfind(['\n', '\r']))
        .map_or(0, |i| i + 1)
}

/// End of the line holding byte `end - 1` (after its line ending, or the end of the text);
/// `end` itself when the text before it already ends a line.
pub(crate) fn line_end(text: &str, end: usize) -> usize {
    let Some(before) = text.get(..end) else {
        return text.len();
    };
    if before.ends_with('\n') {
        return end;
    }
    if before.ends_with('\r') {
        // A `\r` that opens a `\r\n` ends its line only with the `\n`.
        return if text.get(end..end + 1) == Some("\n") {
            end + 1
        } else {
            end
        };
    }
    let rest = text.get(end..).unwrap_or_default();
    match split_inclusive(rest).next() {
        Some(line) if !ending(line).is_empty() => end + line.len(),
        _ => text.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_convention_splits() {
        let text = "a\nb\r\nc\rd\r\r\ne";
        let lines: Vec<&str> = split_inclusive(text).collect();
        assert_eq!(lines, ["a\n", "b\r\n", "c\r", "d\r", "\r\n", "e"]);
        assert_eq!(lines.concat(), text);
        assert_eq!(count_breaks(text), 5);
        assert_eq!(ending("x\r"), "\r");
        assert_eq!(strip_ending("x\r\n"), "x");
        assert_eq!(strip_leading_ending("\r\nx"), "x");
        assert_eq!(lone_cr_as_lf(text), "a\nb\r\nc\nd\n\r\ne");
        assert!(matches!(lone_cr_as_lf("a\r\nb\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn line_bounds() {
        let text = "ab\rcd\r\nef";
        assert_eq!(line_start(text, 4), 3);
        assert_eq!(line_start(text, 8), 7);
        assert_eq!(line_end(text, 4), 7);
        assert_eq!(line_end(text, 3), 3);
        assert_eq!(line_end(text, 6), 7);
        assert_eq!(line_end(text, 8), 9);
    }
}
