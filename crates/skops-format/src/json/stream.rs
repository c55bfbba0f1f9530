//! JSON text streamed exactly as `json.dumps(value, indent=2)` writes it, without building a
//! [`super::Value`] first (what `skops_rs.io.dumps` writes `schema.json` with).
//!
//! skops builds the whole state as Python dicts and lists and serialises it at the end; the
//! writer here produces the same bytes directly while the object is walked: two-space indent,
//! `,` at line ends, `": "` between key and value, `{}`/`[]` for empty containers and
//! `ensure_ascii` escapes ([`super::escape`], shared with [`super::to_string_pretty`]).

/// Enough spaces for 64 levels of indentation; deeper levels are written in several pieces.
const SPACES: &str = "                                                                                                                                ";

use super::escape::{AsciiSink, escape_into, escape_runs, push_short_or_unicode_escape, push_u64};

/// `schema.json` under construction.
pub struct SchemaText {
    /// ASCII only: every non-ASCII character is escaped, as with `ensure_ascii`.
    out: Vec<u8>,
    /// One flag per open object or array: whether an entry was written in it yet.
    open: Vec<bool>,
}

impl SchemaText {
    /// An empty text with room for `bytes` bytes.
    pub fn with_capacity(bytes: usize) -> Self {
        Self {
            out: Vec::with_capacity(bytes),
            open: Vec::with_capacity(64),
        }
    }

    /// The finished text (ASCII).
    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    /// How many objects and arrays are open.
    pub fn depth(&self) -> usize {
        self.open.len()
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.out.len()
    }

    /// Whether nothing was written yet.
    pub fn is_empty(&self) -> bool {
        self.out.is_empty()
    }

    /// Writes again the bytes at `range` (a node rendered before at the same depth).
    pub fn repeat(&mut self, range: std::ops::Range<usize>) {
        if range.end <= self.out.len() {
            self.out.extend_from_within(range);
        }
    }

    /// Opens an object (`{`).
    pub fn begin_object(&mut self) {
        self.out.push(b'{');
        self.open.push(false);
    }

    /// Closes the innermost object.
    pub fn end_object(&mut self) {
        self.end(b'}');
    }

    /// Opens an array (`[`).
    pub fn begin_array(&mut self) {
        self.out.push(b'[');
        self.open.push(false);
    }

    /// Closes the innermost array.
    pub fn end_array(&mut self) {
        self.end(b']');
    }

    /// Starts an entry of the innermost object whose key needs no escaping (ASCII, no `"`).
    pub fn key(&mut self, key: &str) {
        self.next_entry();
        self.out.push(b'"');
        self.out.push_text(key);
        self.out.push_text("\": ");
    }

    /// Starts an entry of the innermost object with any key.
    pub fn key_escaped(&mut self, key: &str) {
        self.next_entry();
        self.string(key);
        self.out.push_text(": ");
    }

    /// Starts an entry of the innermost object whose key is JSON text already (quoted).
    pub fn key_json(&mut self, quoted_key: &str) {
        self.next_entry();
        self.out.push_text(quoted_key);
        self.out.push_text(": ");
    }

    /// Starts an item of the innermost array.
    pub fn item(&mut self) {
        self.next_entry();
    }

    /// Text that is already JSON (a number, `true`, a pre-escaped string).
    pub fn raw(&mut self, text: &str) {
        self.out.push_text(text);
    }

    /// JSON text written by `json.dumps(value, indent=2)` for a value at the current depth:
    /// its continuation lines get the current indentation in front.
    pub fn raw_nested(&mut self, text: &str) {
        let mut lines = text.split('\n');
        if let Some(first) = lines.next() {
            self.out.push_text(first);
        }
        for line in lines {
            self.newline(self.open.len());
            self.out.push_text(line);
        }
    }

    /// An unsigned integer, in decimal.
    pub fn uint(&mut self, value: u64) {
        push_u64(&mut self.out, value);
    }

    /// A JSON string holding `text`.
    pub fn string(&mut self, text: &str) {
        self.out.push(b'"');
        escape_into(&mut self.out, text);
        self.out.push(b'"');
    }

    /// A JSON string holding `text`, which needs no escaping (a number's text).
    pub fn plain_string(&mut self, text: &[u8]) {
        self.out.push(b'"');
        self.out.extend_from_slice(text);
        self.out.push(b'"');
    }

    /// A JSON string holding `json.dumps(text)`: the string encoded twice, in one pass.
    pub fn double_encoded_str(&mut self, text: &str) {
        self.out.push_text("\"\\\"");
        // The inner escape is a backslash and ASCII; the outer one doubles that backslash
        // and escapes what follows it (`"` and `\` only).
        escape_runs(&mut self.out, text, |out, ch| {
            out.push_text("\\\\");
            match ch {
                '"' => out.push_text("\\\""),
                '\\' => out.push_text("\\\\"),
                _ => push_short_or_unicode_escape(out, ch, "\\\\"),
            }
        });
        self.out.push_text("\\\"\"");
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
            self.out.push_text(SPACES.get(..chunk).unwrap_or_default());
            remaining -= chunk;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
