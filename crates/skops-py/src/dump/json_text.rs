//! The text of `schema.json`, streamed exactly as `json.dumps(state, indent=2)` writes it.
//!
//! skops builds the whole state as Python dicts and lists and serialises it at the end; the
//! writer here produces the same bytes directly while the object is walked: two-space indent,
//! `,` at line ends, `": "` between key and value, `{}`/`[]` for empty containers and
//! `ensure_ascii` escapes (`\uXXXX`, lowercase, surrogate pairs above the BMP).

/// Enough spaces for 64 levels of indentation; deeper levels are written in several pieces.
const SPACES: &str = "                                                                                                                                ";

/// `schema.json` under construction.
pub(crate) struct SchemaText {
    /// ASCII only: every non-ASCII character is escaped, as with `ensure_ascii`.
    out: Vec<u8>,
    /// One flag per open object or array: whether an entry was written in it yet.
    open: Vec<bool>,
}

impl SchemaText {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Self {
            out: Vec::with_capacity(bytes),
            open: Vec::with_capacity(64),
        }
    }

    /// The finished text (ASCII).
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// How many objects and arrays are open.
    pub(crate) fn depth(&self) -> usize {
        self.open.len()
    }

    /// Bytes written so far.
    pub(crate) fn len(&self) -> usize {
        self.out.len()
    }

    /// Writes again the bytes at `range` (a node rendered before at the same depth).
    pub(crate) fn repeat(&mut self, range: std::ops::Range<usize>) {
        if range.end <= self.out.len() {
            self.out.extend_from_within(range);
        }
    }

    pub(crate) fn begin_object(&mut self) {
        self.out.push(b'{');
        self.open.push(false);
    }

    pub(crate) fn end_object(&mut self) {
        self.end(b'}');
    }

    pub(crate) fn begin_array(&mut self) {
        self.out.push(b'[');
        self.open.push(false);
    }

    pub(crate) fn end_array(&mut self) {
        self.end(b']');
    }

    /// Starts an entry of the innermost object whose key needs no escaping (ASCII, no `"`).
    pub(crate) fn key(&mut self, key: &str) {
        self.next_entry();
        self.out.push(b'"');
        push_str(&mut self.out, key);
        push_str(&mut self.out, "\": ");
    }

    /// Starts an entry of the innermost object with any key.
    pub(crate) fn key_escaped(&mut self, key: &str) {
        self.next_entry();
        self.string(key);
        push_str(&mut self.out, ": ");
    }

    /// Starts an entry of the innermost object whose key is JSON text already (quoted).
    pub(crate) fn key_json(&mut self, quoted_key: &str) {
        self.next_entry();
        push_str(&mut self.out, quoted_key);
        push_str(&mut self.out, ": ");
    }

    /// Starts an item of the innermost array.
    pub(crate) fn item(&mut self) {
        self.next_entry();
    }

    /// Text that is already JSON (a number, `true`, a pre-escaped string).
    pub(crate) fn raw(&mut self, text: &str) {
        push_str(&mut self.out, text);
    }

    /// JSON text written by `json.dumps(value, indent=2)` for a value at the current depth:
    /// its continuation lines get the current indentation in front.
    pub(crate) fn raw_nested(&mut self, text: &str) {
        let mut lines = text.split('\n');
        if let Some(first) = lines.next() {
            push_str(&mut self.out, first);
        }
        for line in lines {
            self.newline(self.open.len());
            push_str(&mut self.out, line);
        }
    }

    pub(crate) fn uint(&mut self, value: u64) {
        push_u64(&mut self.out, value);
    }

    /// A JSON string holding `text`.
    pub(crate) fn string(&mut self, text: &str) {
        self.out.push(b'"');
        escape_into(&mut self.out, text);
        self.out.push(b'"');
    }

    /// A JSON string holding `text`, which needs no escaping (a number's text).
    pub(crate) fn plain_string(&mut self, text: &[u8]) {
        self.out.push(b'"');
        self.out.extend_from_slice(text);
        self.out.push(b'"');
    }

    /// A JSON string holding `json.dumps(text)`: the string encoded twice, in one pass.
    pub(crate) fn double_encoded_str(&mut self, text: &str) {
        push_str(&mut self.out, "\"\\\"");
        let bytes = text.as_bytes();
        let mut start = 0;
        let mut index = 0;
        while let Some(&byte) = bytes.get(index) {
            if is_plain(byte) {
                index += 1;
                continue;
            }
            push_str(&mut self.out, text.get(start..index).unwrap_or_default());
            // The inner escape is a backslash and ASCII; the outer one doubles that backslash
            // and escapes what follows it (`"` and `\` only).
            let ch = text.get(index..).and_then(|rest| rest.chars().next());
            let Some(ch) = ch else { break };
            push_str(&mut self.out, "\\\\");
            match ch {
                '"' => push_str(&mut self.out, "\\\""),
                '\\' => push_str(&mut self.out, "\\\\"),
                _ => push_short_or_unicode_escape(&mut self.out, ch, "\\\\"),
            }
            index += ch.len_utf8();
            start = index;
        }
        push_str(&mut self.out, text.get(start..).unwrap_or_default());
        push_str(&mut self.out, "\\\"\"");
    }

    fn next_entry(&mut self) {
        if let Some(has_entry) = self.open.last_mut() {
            if *has_entry {
                self.out.push(b',');
            }
            *has_entry = true;
        }
        self.newline(self.open.len());
    }

    fn end(&mut self, close: u8) {
        if self.open.pop() == Some(true) {
            self.newline(self.open.len());
        }
        self.out.push(close);
    }

    fn newline(&mut self, depth: usize) {
        self.out.push(b'\n');
        let mut remaining = depth * 2;
        while remaining > 0 {
            let chunk = remaining.min(SPACES.len());
            push_str(&mut self.out, SPACES.get(..chunk).unwrap_or_default());
            remaining -= chunk;
        }
    }
}

/// `value` in decimal (what `str(int)` gives), without the formatting machinery: ids and
/// integers are written for most nodes.
pub(crate) fn push_u64(out: &mut Vec<u8>, value: u64) {
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
    out.extend_from_slice(digits.get(start..).unwrap_or_default());
}

/// `value` in decimal, with a `-` if negative.
pub(crate) fn push_i64(out: &mut Vec<u8>, value: i64) {
    if value < 0 {
        out.push(b'-');
    }
    push_u64(out, value.unsigned_abs());
}

/// Whether `json.dumps` writes this byte as it is (printable ASCII except `"` and `\`).
fn is_plain(byte: u8) -> bool {
    (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\'
}

/// `text` escaped as `json.dumps` escapes string contents with `ensure_ascii=True`.
pub(crate) fn escape_into(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if is_plain(byte) {
            index += 1;
            continue;
        }
        push_str(out, text.get(start..index).unwrap_or_default());
        let ch = text.get(index..).and_then(|rest| rest.chars().next());
        let Some(ch) = ch else { break };
        match ch {
            '"' => push_str(out, "\\\""),
            '\\' => push_str(out, "\\\\"),
            _ => {
                out.push(b'\\');
                push_short_or_unicode_escape(out, ch, "\\");
            }
        }
        index += ch.len_utf8();
        start = index;
    }
    push_str(out, text.get(start..).unwrap_or_default());
}

/// The escape of a control or non-ASCII character, after `backslash`: `n`, `t`... or
/// `u00e9` (twice with a surrogate pair for characters above U+FFFF).
fn push_short_or_unicode_escape(out: &mut Vec<u8>, ch: char, backslash: &str) {
    // The caller wrote the first backslash already.
    match ch {
        '\n' => out.push(b'n'),
        '\r' => out.push(b'r'),
        '\t' => out.push(b't'),
        '\u{8}' => out.push(b'b'),
        '\u{c}' => out.push(b'f'),
        _ => {
            let mut units = [0u16; 2];
            let encoded = ch.encode_utf16(&mut units);
            for (position, unit) in encoded.iter().enumerate() {
                if position > 0 {
                    push_str(out, backslash);
                }
                out.push(b'u');
                for shift in [12, 8, 4, 0] {
                    out.push(
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
pub(crate) fn json_encoded(text: &str) -> String {
    let mut out = Vec::with_capacity(text.len() + 2);
    out.push(b'"');
    escape_into(&mut out, text);
    out.push(b'"');
    // Escaped text is ASCII.
    String::from_utf8(out).unwrap_or_default()
}

/// Appends `text` (the writer's output is bytes; everything pushed is ASCII or UTF-8).
fn push_str(out: &mut Vec<u8>, text: &str) {
    out.extend_from_slice(text.as_bytes());
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
        let mut out = Vec::new();
        push_u64(&mut out, u64::MAX);
        assert_eq!(out, u64::MAX.to_string().as_bytes());
    }

    #[test]
    fn escapes_like_python_json() {
        assert_eq!(
            json_encoded("a\"b\\c\n\u{1}é😀\u{7f}"),
            r#""a\"b\\c\n\u0001\u00e9\ud83d\ude00\u007f""#
        );
    }

    #[test]
    fn double_encoding_is_json_of_json() {
        let mut text = SchemaText::with_capacity(0);
        text.double_encoded_str("q\"b\\n\nx😀");
        // json.dumps(json.dumps('q"b\\n\nx😀'))
        assert_eq!(
            String::from_utf8(text.into_bytes()).unwrap(),
            r#""\"q\\\"b\\\\n\\nx\\ud83d\\ude00\"""#
        );
    }

    #[test]
    fn indents_and_empty_containers() {
        let mut text = SchemaText::with_capacity(0);
        text.begin_object();
        text.key("a");
        text.begin_array();
        text.item();
        text.uint(1);
        text.item();
        text.begin_object();
        text.end_object();
        text.end_array();
        text.key("b");
        text.begin_array();
        text.end_array();
        text.end_object();
        assert_eq!(
            String::from_utf8(text.into_bytes()).unwrap(),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}"
        );
    }
}
