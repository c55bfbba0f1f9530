//! The text of `schema.json`, streamed exactly as `json.dumps(state, indent=2)` writes it.
//!
//! skops builds the whole state as Python dicts and lists and serialises it at the end; the
//! writer here produces the same bytes directly while the object is walked: two-space indent,
//! `,` at line ends, `": "` between key and value, `{}`/`[]` for empty containers and
//! `ensure_ascii` escapes (`\uXXXX`, lowercase, surrogate pairs above the BMP).

use std::fmt::Write as _;

/// Enough spaces for 64 levels of indentation; deeper levels are written in several pieces.
const SPACES: &str = "                                                                                                                                ";

/// `schema.json` under construction.
pub(crate) struct SchemaText {
    out: String,
    /// One flag per open object or array: whether an entry was written in it yet.
    open: Vec<bool>,
}

impl SchemaText {
    pub(crate) fn with_capacity(bytes: usize) -> Self {
        Self {
            out: String::with_capacity(bytes),
            open: Vec::with_capacity(64),
        }
    }

    /// The finished text.
    pub(crate) fn into_string(self) -> String {
        self.out
    }

    /// How many objects and arrays are open.
    pub(crate) fn depth(&self) -> usize {
        self.open.len()
    }

    pub(crate) fn begin_object(&mut self) {
        self.out.push('{');
        self.open.push(false);
    }

    pub(crate) fn end_object(&mut self) {
        self.end('}');
    }

    pub(crate) fn begin_array(&mut self) {
        self.out.push('[');
        self.open.push(false);
    }

    pub(crate) fn end_array(&mut self) {
        self.end(']');
    }

    /// Starts an entry of the innermost object whose key needs no escaping (ASCII, no `"`).
    pub(crate) fn key(&mut self, key: &str) {
        self.next_entry();
        self.out.push('"');
        self.out.push_str(key);
        self.out.push_str("\": ");
    }

    /// Starts an entry of the innermost object with any key.
    pub(crate) fn key_escaped(&mut self, key: &str) {
        self.next_entry();
        self.string(key);
        self.out.push_str(": ");
    }

    /// Starts an entry of the innermost object whose key is JSON text already (quoted).
    pub(crate) fn key_json(&mut self, quoted_key: &str) {
        self.next_entry();
        self.out.push_str(quoted_key);
        self.out.push_str(": ");
    }

    /// Starts an item of the innermost array.
    pub(crate) fn item(&mut self) {
        self.next_entry();
    }

    /// Text that is already JSON (a number, `true`, a pre-escaped string).
    pub(crate) fn raw(&mut self, text: &str) {
        self.out.push_str(text);
    }

    /// JSON text written by `json.dumps(value, indent=2)` for a value at the current depth:
    /// its continuation lines get the current indentation in front.
    pub(crate) fn raw_nested(&mut self, text: &str) {
        let mut lines = text.split('\n');
        if let Some(first) = lines.next() {
            self.out.push_str(first);
        }
        for line in lines {
            self.newline(self.open.len());
            self.out.push_str(line);
        }
    }

    pub(crate) fn uint(&mut self, value: u64) {
        let _ = write!(self.out, "{value}");
    }

    /// A JSON string holding `text`.
    pub(crate) fn string(&mut self, text: &str) {
        self.out.push('"');
        escape_into(&mut self.out, text);
        self.out.push('"');
    }

    /// A JSON string holding `json.dumps(text)`: the string encoded twice, in one pass.
    pub(crate) fn double_encoded_str(&mut self, text: &str) {
        self.out.push_str("\"\\\"");
        let bytes = text.as_bytes();
        let mut start = 0;
        let mut index = 0;
        while let Some(&byte) = bytes.get(index) {
            if is_plain(byte) {
                index += 1;
                continue;
            }
            self.out
                .push_str(text.get(start..index).unwrap_or_default());
            // The inner escape is a backslash and ASCII; the outer one doubles that backslash
            // and escapes what follows it (`"` and `\` only).
            let ch = text.get(index..).and_then(|rest| rest.chars().next());
            let Some(ch) = ch else { break };
            self.out.push_str("\\\\");
            match ch {
                '"' => self.out.push_str("\\\""),
                '\\' => self.out.push_str("\\\\"),
                _ => push_short_or_unicode_escape(&mut self.out, ch, "\\\\"),
            }
            index += ch.len_utf8();
            start = index;
        }
        self.out.push_str(text.get(start..).unwrap_or_default());
        self.out.push_str("\\\"\"");
    }

    fn next_entry(&mut self) {
        if let Some(has_entry) = self.open.last_mut() {
            if *has_entry {
                self.out.push(',');
            }
            *has_entry = true;
        }
        self.newline(self.open.len());
    }

    fn end(&mut self, close: char) {
        if self.open.pop() == Some(true) {
            self.newline(self.open.len());
        }
        self.out.push(close);
    }

    fn newline(&mut self, depth: usize) {
        self.out.push('\n');
        let mut remaining = depth * 2;
        while remaining > 0 {
            let chunk = remaining.min(SPACES.len());
            self.out.push_str(SPACES.get(..chunk).unwrap_or_default());
            remaining -= chunk;
        }
    }
}

/// Whether `json.dumps` writes this byte as it is (printable ASCII except `"` and `\`).
fn is_plain(byte: u8) -> bool {
    (0x20..0x7f).contains(&byte) && byte != b'"' && byte != b'\\'
}

/// `text` escaped as `json.dumps` escapes string contents with `ensure_ascii=True`.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut start = 0;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        if is_plain(byte) {
            index += 1;
            continue;
        }
        out.push_str(text.get(start..index).unwrap_or_default());
        let ch = text.get(index..).and_then(|rest| rest.chars().next());
        let Some(ch) = ch else { break };
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            _ => {
                out.push('\\');
                push_short_or_unicode_escape(out, ch, "\\");
            }
        }
        index += ch.len_utf8();
        start = index;
    }
    out.push_str(text.get(start..).unwrap_or_default());
}

/// The escape of a control or non-ASCII character, after `backslash`: `n`, `t`... or
/// `u00e9` (twice with a surrogate pair for characters above U+FFFF).
fn push_short_or_unicode_escape(out: &mut String, ch: char, backslash: &str) {
    // The caller wrote the first backslash already.
    match ch {
        '\n' => out.push('n'),
        '\r' => out.push('r'),
        '\t' => out.push('t'),
        '\u{8}' => out.push('b'),
        '\u{c}' => out.push('f'),
        _ => {
            let mut units = [0u16; 2];
            let encoded = ch.encode_utf16(&mut units);
            for (position, unit) in encoded.iter().enumerate() {
                if position > 0 {
                    out.push_str(backslash);
                }
                let _ = write!(out, "u{unit:04x}");
            }
        }
    }
}

/// `json.dumps` of a string: the quoted, escaped text.
pub(crate) fn json_encoded(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    escape_into(&mut out, text);
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert_eq!(text.into_string(), r#""\"q\\\"b\\\\n\\nx\\ud83d\\ude00\"""#);
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
            text.into_string(),
            "{\n  \"a\": [\n    1,\n    {}\n  ],\n  \"b\": []\n}"
        );
    }
}
