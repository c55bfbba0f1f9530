//! The escaping `json.dumps` does with `ensure_ascii=True`, and Python's integer text: one
//! implementation for every JSON writer of the crate ([`super::to_string_pretty`],
//! [`super::SchemaText`]) and for callers that write JSON fragments themselves.

/// A buffer escaped JSON text is appended to: it is ASCII, so a `String` takes it as well as
/// bytes.
pub trait AsciiSink {
    /// Appends an ASCII byte.
    fn push_ascii(&mut self, byte: u8);
    /// Appends ASCII text.
    fn push_text(&mut self, text: &str);
}

impl AsciiSink for Vec<u8> {
    fn push_ascii(&mut self, byte: u8) {
        self.push(byte);
    }
    fn push_text(&mut self, text: &str) {
        self.extend_from_slice(text.as_bytes());
    }
}

impl AsciiSink for String {
    fn push_ascii(&mut self, byte: u8) {
        self.push(char::from(byte));
    }
    fn push_text(&mut self, text: &str) {
        self.push_str(text);
    }
}

/// `value` in decimal (what `str(int)` gives), without the formatting machinery: ids and
/// integers are written for most nodes.
pub fn push_u64(out: &mut impl AsciiSink, value: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = value;
    loop {
        start -= 1;
        if let Some(digit) = digits.get_mut(start) {
            *digit = b'0' + (rest % 10) as u8;
        }
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    for &digit in digits.get(start..).unwrap_or_default() {
        out.push_ascii(digit);
    }
}

/// `value` in decimal, with a `-` if negative.
pub fn push_i64(out: &mut impl AsciiSink, value: i64) {
    if value < 0 {
        out.push_ascii(b'-');
    }
    push_u64(out, value.unsigned_abs());
}

/// Whether `json.dumps` writes this byte as it is (printable ASCII except `"` and `\`).
fn is_plain(byte: u8) -> bool {
    (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\'
}

/// `text` escaped as `json.dumps` escapes string contents with `ensure_ascii=True`.
pub fn escape_into(out: &mut impl AsciiSink, text: &str) {
    escape_runs(out, text, |out, ch| match ch {
        '"' => out.push_text("\\\""),
        '\\' => out.push_text("\\\\"),
        _ => {
            out.push_ascii(b'\\');
            push_short_or_unicode_escape(out, ch, "\\");
        }
    });
}

/// Copies the runs of `text` that `json.dumps` writes as they are, and hands every other
/// character to `escape`.
pub(super) fn escape_runs<S: AsciiSink>(out: &mut S, text: &str, escape: impl Fn(&mut S, char)) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if is_plain(byte) {
            index += 1;
            continue;
        }
        out.push_text(text.get(start..index).unwrap_or_default());
        let Some(ch) = text.get(index..).and_then(|rest| rest.chars().next()) else {
            break;
        };
        escape(out, ch);
        index += ch.len_utf8();
        start = index;
    }
    out.push_text(text.get(start..).unwrap_or_default());
}

/// The escape of a control or non-ASCII character, after `backslash`: `n`, `t`... or
/// `u00e9` (twice with a surrogate pair for characters above U+FFFF).
pub(super) fn push_short_or_unicode_escape(out: &mut impl AsciiSink, ch: char, backslash: &str) {
    // The caller wrote the first backslash already.
    match ch {
        '\n' => out.push_ascii(b'n'),
        '\r' => out.push_ascii(b'r'),
        '\t' => out.push_ascii(b't'),
        '\u{8}' => out.push_ascii(b'b'),
        '\u{c}' => out.push_ascii(b'f'),
        _ => {
            let mut units = [0u16; 2];
            let encoded = ch.encode_utf16(&mut units);
            for (position, unit) in encoded.iter().enumerate() {
                if position > 0 {
                    out.push_text(backslash);
                }
                out.push_ascii(b'u');
                for shift in [12, 8, 4, 0] {
                    out.push_ascii(
                        HEX_DIGITS
                            .get(usize::from(unit >> shift & 0xf))
                            .copied()
                            .unwrap_or(b'0'),
                    );
                }
            }
        }
    }
}

/// `json.dumps` of a string: the quoted, escaped text.
pub fn json_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    escape_into(&mut out, text);
    out.push('"');
    out
}

/// Python writes `\uXXXX` escapes in lowercase hexadecimal.
const HEX_DIGITS: &[u8; 16] = b"0123456789abcdef";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_like_python() {
        for value in [0, 7, -7, 10, 1234567890, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            push_i64(&mut out, value);
            assert_eq!(out, value.to_string().as_bytes());
        }
        let mut out = String::new();
        push_u64(&mut out, u64::MAX);
        assert_eq!(out, u64::MAX.to_string());
    }

    #[test]
    fn escapes_like_python_json() {
        assert_eq!(
            json_encoded("a\"b\\c\n\u{1}é😀\u{7f}"),
            r#""a\"b\\c\n\u0001\u00e9\ud83d\ude00\u007f""#
        );
    }
}
