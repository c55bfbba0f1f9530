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
        let is_control = c.is_control();
        if !is_control {
            run_start.get_or_insert(index);
            continue;
        }
        flush(&mut run_start, index, &mut column, &mut extent);
        match c {
            '\t' => column += TAB_SIZE - column % TAB_SIZE,
            '\x08' => column = column.saturating_sub(1),
            '\r' => column = 0,
            '\x1b' => skip_escape_sequence(&mut chars),
            _ => {}
        }
        extent = extent.max(column);
    }
    flush(&mut run_start, text.len(), &mut column, &mut extent);
    extent
}

/// Skips a CSI (`ESC [ ... final`) or two-character escape sequence after an `ESC`.
fn skip_escape_sequence(chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>) {
    match chars.peek() {
        Some((_, '[')) => {
            chars.next();
            for (_, c) in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&c) {
                    break;
                }
            }
        }
        Some((_, c)) if ('\x40'..='\x5f').contains(c) => {
            chars.next();
        }
        _ => {}
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
    fn widths() {
        assert_eq!(display_width("abc"), 3);
        assert_eq!(display_width("コンニチハ"), 10);
        assert_eq!(display_width("a\tb"), 9);
        assert_eq!(display_width("123\x084"), 3);
        assert_eq!(display_width("\x1b[31mred\x1b[0m"), 3);
        assert_eq!(display_width("é"), 1);
        assert_eq!(display_width("e\u{301}"), 1);
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
