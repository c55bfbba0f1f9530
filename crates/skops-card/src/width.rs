//! Display width of table text, measured the way PrettyTable 3.x does (through `wcwidth`).
//!
//! PrettyTable pads every cell to the widest cell of its column by *display* width, so a CJK
//! character counts as two columns and a combining accent as none. `wcwidth.width` (parse mode)
//! also follows the cursor through tabs, backspaces and carriage returns and ignores other
//! control characters and escape sequences. This module reproduces those rules; East Asian
//! widths come from the `unicode-width` tables, which agree with `wcwidth` on everything but
//! rare emoji sequences.

use unicode_width::UnicodeWidthStr;

/// Width of a tab stop, as in `str.expandtabs()` and `wcwidth.width`.
const TAB_SIZE: usize = 8;

/// Display width of one line of text (`wcwidth.width(text)`).
pub fn display_width(text: &str) -> usize {
    if text.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return text.len();
    }
    let mut column = 0usize;
    let mut extent = 0usize;
    let mut run_start: Option<usize> = None;
    let mut chars = text.char_indices().peekable();
    // Printable runs are measured as strings so that emoji sequences (ZWJ, variation
    // selectors) get the width of the whole cluster.
    let flush =
        |run_start: &mut Option<usize>, end: usize, column: &mut usize, extent: &mut usize| {
            if let Some(start) = run_start.take() {
                *column += text.get(start..end).map_or(0, UnicodeWidthStr::width);
                *extent = (*extent).max(*column);
            }
        };
    while let Some((index, c)) = chars.next() {
        // wcwidth gives the line and paragraph separators (categories Zl, Zp) no width, as it
        // does control characters; `unicode-width` gives them one column.
        let is_control = c.is_control() || matches!(c, '\u{2028}' | '\u{2029}');
        if !is_control {
            run_start.get_or_insert(index);
            continue;
        }
        flush(&mut run_start, index, &mut column, &mut extent);
        match c {
            '\t' => column += TAB_SIZE - column % TAB_SIZE,
            '\x08' => column = column.saturating_sub(1),
            '\r' => column = 0,
            '\x1b' => {
                let rest = text.get(index + 1..).unwrap_or_default();
                let (len, movement) = escape_sequence(rest);
                match movement {
                    Movement::None => {}
                    Movement::Forward(n) => column += n,
                    Movement::Backward(n) => column = column.saturating_sub(n),
                    Movement::To(n) => column = n.saturating_sub(1),
                }
                for _ in 0..len {
                    chars.next();
                }
            }
            _ => {}
        }
        extent = extent.max(column);
    }
    flush(&mut run_start, text.len(), &mut column, &mut extent);
    extent
}

/// How an escape sequence moves the cursor.
enum Movement {
    None,
    Forward(usize),
    Backward(usize),
    /// To a 1-based column.
    To(usize),
}

/// The length in characters (after the `ESC`) and cursor effect of the escape sequence that
/// starts `rest`, by `wcwidth`'s patterns: CSI (with cursor right/left/column moves),
/// OSC/APC/DCS/PM strings, character set designations, nF sequences and two-character
/// Fe/Fp/Fs sequences. An `ESC` starting none of these stands alone (length 0).
fn escape_sequence(rest: &str) -> (usize, Movement) {
    let bytes = rest.as_bytes();
    let in_range = |b: Option<&u8>, lo: u8, hi: u8| b.is_some_and(|b| (lo..=hi).contains(b));
    match bytes.first() {
        Some(b'[') => {
            let mut i = 1;
            while in_range(bytes.get(i), 0x30, 0x3f) {
                i += 1;
            }
            let params_end = i;
            while in_range(bytes.get(i), 0x20, 0x2f) {
                i += 1;
            }
            if !in_range(bytes.get(i), 0x40, 0x7e) {
                // Not a CSI: `ESC [` alone is a two-character Fe sequence.
                return (1, Movement::None);
            }
            let params = rest.get(1..params_end).unwrap_or_default();
            let simple = params_end == i && params.bytes().all(|b| b.is_ascii_digit());
            let count = if params.is_empty() {
                1
            } else {
                params.parse::<usize>().unwrap_or(0)
            };
            let movement = match bytes.get(i) {
                Some(b'C') if simple => Movement::Forward(count),
                Some(b'D') if simple => Movement::Backward(count),
                Some(b'G') if simple => Movement::To(count),
                _ => Movement::None,
            };
            (i + 1, movement)
        }
        Some(b']' | b'_' | b'P' | b'^') => {
            // A string ended by BEL or `ESC \`; the body is ASCII-safe to count by bytes only
            // up to the terminator, so count characters instead.
            let mut count = 1;
            let mut iter = rest.chars().skip(1).peekable();
            while let Some(c) = iter.next() {
                count += 1;
                match c {
                    '\x07' => return (count, Movement::None),
                    '\x1b' if iter.peek() == Some(&'\\') => return (count + 1, Movement::None),
                    '\x1b' => break,
                    _ => {}
                }
            }
            (1, Movement::None)
        }
        Some(b'(' | b')') => match rest.chars().nth(1) {
            Some(_) => (2, Movement::None),
            None => (0, Movement::None),
        },
        Some(0x20..=0x2f) => {
            let mut i = 1;
            while in_range(bytes.get(i), 0x20, 0x2f) {
                i += 1;
            }
            if in_range(bytes.get(i), 0x30, 0x7e) {
                (i + 1, Movement::None)
            } else {
                (0, Movement::None)
            }
        }
        Some(0x30..=0x7e) => (1, Movement::None),
        _ => (0, Movement::None),
    }
}

/// `str.expandtabs()` with the default tab size of 8.
pub fn expand_tabs(text: &str) -> String {
    if !text.contains('\t') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 8);
    let mut column = 0usize;
    for c in text.chars() {
        match c {
            '\t' => {
                let spaces = TAB_SIZE - column % TAB_SIZE;
                out.extend(std::iter::repeat_n(' ', spaces));
                column += spaces;
            }
            '\n' | '\r' => {
                out.push(c);
                column = 0;
            }
            _ => {
                out.push(c);
                column += 1;
            }
        }
    }
    out
}

/// `wcwidth.center(text, width)`: pads like Python's `str.center`, which puts the odd extra
/// space on the left when `width` is odd and on the right when it is even.
pub fn center(text: &str, width: usize) -> String {
    let padding = width.saturating_sub(display_width(text));
    let left = padding / 2 + (padding & width & 1);
    let right = padding - left;
    let mut out = String::with_capacity(text.len() + padding);
    out.extend(std::iter::repeat_n(' ', left));
    out.push_str(text);
    out.extend(std::iter::repeat_n(' ', right));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn separators_have_no_width() {
        assert_eq!(display_width("\u{2028}"), 0);
        assert_eq!(display_width("a\u{2029}b"), 2);
    }

    #[test]
    fn widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("コンニチハ"), 10);
        assert_eq!(display_width("a\tb"), 9);
        assert_eq!(display_width("123\x084"), 3);
        assert_eq!(display_width("\x1b[31mred\x1b[0m"), 3);
        assert_eq!(display_width("é"), 1);
        assert_eq!(display_width("e\u{301}"), 1);
        // wcwidth: `ESC 0` is a two-character sequence; `ESC [5C` moves five columns right.
        assert_eq!(display_width("\x1b0"), 0);
        assert_eq!(display_width("a\x1b[5C"), 6);
        assert_eq!(display_width("\x1b]8;;http://x\x07link\x1b]8;;\x07"), 4);
    }

    #[test]
    fn center_matches_python() {
        // Python: 'a'.center(4) == ' a  ', 'a'.center(5) == '  a  ', 'ab'.center(5) == '  ab '
        assert_eq!(center("a", 4), " a  ");
        assert_eq!(center("a", 5), "  a  ");
        assert_eq!(center("ab", 5), "  ab ");
        assert_eq!(center("abcdef", 3), "abcdef");
    }

    #[test]
    fn tabs() {
        assert_eq!(expand_tabs("a\tb"), "a       b");
        assert_eq!(expand_tabs("abcdefgh\tb"), "abcdefgh        b");
    }
}
