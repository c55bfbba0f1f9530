//! [`Text`]: the Python `str` a JSON string decodes to, lone surrogates included.
//!
//! Python's `json.loads` turns `"\ud800"` into a `str` holding the code point U+D800, and it
//! decodes `bytes` with `surrogatepass`, so the bytes `ED A0 80` inside a string are U+D800
//! too. skops 0.16 loads such files (and writes them: `json.dumps` escapes a dict key
//! `'\ud800'` as `"\ud800"`). Rust's `str` holds Unicode scalar values only, so a [`Text`] is a
//! `String` whenever it can be one, and otherwise holds its code points in the encoding of
//! Python's `str.encode("utf-8", "surrogatepass")`: UTF-8, with each surrogate as its own
//! three bytes (`ED A0 80` for U+D800).
//!
//! This is written here rather than taken from a WTF-8 crate (`wtf8`, std's Windows
//! `OsString`) because WTF-8 joins a high surrogate followed by a low one into one
//! supplementary character, and Python does not: `json.loads('"\ud800\\udc00"')` (a raw
//! surrogate, then an escape) is the two code points `'\ud800\udc00'`, which is not equal to
//! `'\U00010000'`. Keeping surrogates apart keeps every Python `str` distinct.
//!
//! The representation is canonical (a text without surrogates is always the `String` form), so
//! equality and hashing are those of the code point sequences, and ordinary strings cost
//! nothing more than a `String`.

use std::fmt;

/// A JSON string's value as Python holds it: any sequence of code points.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Text(Repr);

#[derive(Clone, PartialEq, Eq, Hash)]
enum Repr {
    /// No surrogates: an ordinary string.
    Str(String),
    /// At least one surrogate: the code points, surrogates encoded as `surrogatepass` does.
    /// Never valid UTF-8 (that would be the `Str` form).
    Surrogates(Box<[u8]>),
}

impl Default for Repr {
    fn default() -> Self {
        Self::Str(String::new())
    }
}

/// A piece of a [`Text`]: a run of ordinary characters, or one surrogate code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Unicode scalar values.
    Str(&'a str),
    /// A surrogate code point (`0xD800..=0xDFFF`).
    Surrogate(u16),
}

impl Text {
    /// The text as a `str`, unless it holds a surrogate.
    pub fn as_str(&self) -> Option<&str> {
        match &self.0 {
            Repr::Str(text) => Some(text),
            Repr::Surrogates(_) => None,
        }
    }

    /// Whether the text holds a surrogate code point (and so is no Rust `str`).
    pub fn has_surrogates(&self) -> bool {
        matches!(self.0, Repr::Surrogates(_))
    }

    /// What Python's `text.encode("utf-8", "surrogatepass")` gives (plain UTF-8 when there is
    /// no surrogate).
    pub fn surrogatepass_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Str(text) => text.as_bytes(),
            Repr::Surrogates(bytes) => bytes,
        }
    }

    /// The text whose `surrogatepass` encoding is `bytes` (what Python's
    /// `bytes.decode("utf-8", "surrogatepass")` accepts), or the offset of the first byte
    /// that is not part of one.
    pub fn from_surrogatepass(bytes: Vec<u8>) -> Result<Self, usize> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Self(Repr::Str(text))),
            Err(error) => {
                let bytes = error.into_bytes();
                surrogatepass_len(&bytes)?;
                Ok(Self(Repr::Surrogates(bytes.into_boxed_slice())))
            }
        }
    }

    /// The text in pieces: runs of ordinary characters and single surrogates, in order.
    pub fn pieces(&self) -> Pieces<'_> {
        match &self.0 {
            Repr::Str(text) => Pieces {
                plain: Some(text),
                rest: &[],
            },
            Repr::Surrogates(bytes) => Pieces {
                plain: None,
                rest: bytes,
            },
        }
    }

    /// The text with each surrogate written as `\udXXX`, for messages and terminals (a text
    /// without surrogates is returned as it is).
    ///
    /// Not an encoding: a text holding a real backslash followed by `udXXX` looks the same.
    /// Where the difference matters, write the text as JSON ([`super::to_string_compact`]) or
    /// as a Python repr ([`super::Value::python_repr`]), which escape the backslash too.
    pub fn escaped(&self) -> std::borrow::Cow<'_, str> {
        match &self.0 {
            Repr::Str(text) => std::borrow::Cow::Borrowed(text),
            Repr::Surrogates(_) => {
                let mut out = String::new();
                for piece in self.pieces() {
                    match piece {
                        Piece::Str(text) => out.push_str(text),
                        Piece::Surrogate(unit) => out.push_str(&format!("\\u{unit:04x}")),
                    }
                }
                std::borrow::Cow::Owned(out)
            }
        }
    }
}

impl fmt::Debug for Text {
    /// As Rust's `str` debug form, a surrogate as `\u{d800}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("\"")?;
        for piece in self.pieces() {
            match piece {
                Piece::Str(text) => write!(f, "{}", text.escape_debug())?,
                Piece::Surrogate(unit) => write!(f, "\\u{{{unit:x}}}")?,
            }
        }
        f.write_str("\"")
    }
}

impl fmt::Display for Text {
    /// [`Text::escaped`]: for messages, not an encoding.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.escaped())
    }
}

impl From<String> for Text {
    fn from(text: String) -> Self {
        Self(Repr::Str(text))
    }
}

impl From<&str> for Text {
    fn from(text: &str) -> Self {
        Self(Repr::Str(text.to_owned()))
    }
}

impl From<&Text> for Text {
    fn from(text: &Text) -> Self {
        text.clone()
    }
}

impl From<&String> for Text {
    fn from(text: &String) -> Self {
        Self(Repr::Str(text.clone()))
    }
}

impl PartialEq<str> for Text {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == Some(other)
    }
}

impl PartialEq<&str> for Text {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

impl PartialEq<String> for Text {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == Some(other.as_str())
    }
}

impl PartialEq<Text> for str {
    fn eq(&self, other: &Text) -> bool {
        other == self
    }
}

impl PartialEq<Text> for &str {
    fn eq(&self, other: &Text) -> bool {
        other == *self
    }
}

/// The iterator of [`Text::pieces`].
#[derive(Debug, Clone)]
pub struct Pieces<'a> {
    /// An ordinary text, given whole without looking at its bytes again.
    plain: Option<&'a str>,
    rest: &'a [u8],
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        if let Some(text) = self.plain.take() {
            return (!text.is_empty()).then_some(Piece::Str(text));
        }
        if self.rest.is_empty() {
            return None;
        }
        let valid = match std::str::from_utf8(self.rest) {
            Ok(text) => {
                self.rest = &[];
                return Some(Piece::Str(text));
            }
            Err(error) => error.valid_up_to(),
        };
        if valid > 0 {
            let (head, tail) = self.rest.split_at(valid);
            self.rest = tail;
            return std::str::from_utf8(head).ok().map(Piece::Str);
        }
        // A `Text` holds only `surrogatepass` bytes, so this is a surrogate's three bytes.
        match surrogate_at(self.rest) {
            Some(unit) => {
                self.rest = self.rest.get(3..).unwrap_or_default();
                Some(Piece::Surrogate(unit))
            }
            None => {
                self.rest = &[];
                None
            }
        }
    }
}

/// The surrogate whose `surrogatepass` encoding starts `bytes` (`ED A0..=BF 80..=BF`).
fn surrogate_at(bytes: &[u8]) -> Option<u16> {
    match bytes {
        [0xed, second @ 0xa0..=0xbf, third @ 0x80..=0xbf, ..] => {
            Some(0xd000 | (u16::from(second & 0x3f) << 6) | u16::from(third & 0x3f))
        }
        _ => None,
    }
}

/// `unit`'s three `surrogatepass` bytes.
pub(crate) fn encode_surrogate(unit: u16) -> [u8; 3] {
    [
        0xe0 | (unit >> 12) as u8,
        0x80 | ((unit >> 6) & 0x3f) as u8,
        0x80 | (unit & 0x3f) as u8,
    ]
}

/// Checks that `bytes` is what `bytes.decode("utf-8", "surrogatepass")` accepts; on success,
/// whether it holds a surrogate, else the offset of the first byte it refuses.
pub(crate) fn surrogatepass_len(bytes: &[u8]) -> Result<bool, usize> {
    let mut offset = 0;
    let mut surrogates = false;
    loop {
        let rest = bytes.get(offset..).unwrap_or_default();
        match std::str::from_utf8(rest) {
            Ok(_) => return Ok(surrogates),
            Err(error) => {
                offset += error.valid_up_to();
                let rest = bytes.get(offset..).unwrap_or_default();
                if surrogate_at(rest).is_none() {
                    return Err(offset);
                }
                surrogates = true;
                offset += 3;
            }
        }
    }
}

/// A [`Text`] under construction: a `String` until a surrogate arrives.
#[derive(Default)]
pub struct TextBuf {
    text: String,
    /// Once a surrogate was pushed: the `surrogatepass` bytes so far.
    wide: Option<Vec<u8>>,
}

impl TextBuf {
    /// Ordinary characters.
    pub fn push_str(&mut self, text: &str) {
        match &mut self.wide {
            None => self.text.push_str(text),
            Some(bytes) => bytes.extend_from_slice(text.as_bytes()),
        }
    }

    /// One character.
    pub fn push(&mut self, ch: char) {
        match &mut self.wide {
            None => self.text.push(ch),
            Some(bytes) => bytes.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }

    /// A surrogate code point (`0xD800..=0xDFFF`; the caller checks).
    pub fn push_surrogate(&mut self, unit: u16) {
        self.wide_bytes().extend_from_slice(&encode_surrogate(unit));
    }

    /// Bytes already checked to be `surrogatepass` UTF-8, whole code points.
    pub fn push_surrogatepass(&mut self, bytes: &[u8]) {
        match std::str::from_utf8(bytes) {
            Ok(text) => self.push_str(text),
            Err(_) => self.wide_bytes().extend_from_slice(bytes),
        }
    }

    fn wide_bytes(&mut self) -> &mut Vec<u8> {
        let text = &mut self.text;
        self.wide
            .get_or_insert_with(|| std::mem::take(text).into_bytes())
    }

    /// The text built.
    pub fn finish(self) -> Text {
        match self.wide {
            None => Text(Repr::Str(self.text)),
            // Re-checked so that the canonical form holds whatever was pushed.
            Some(bytes) => Text::from_surrogatepass(bytes).unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_points(text: &Text) -> Vec<u32> {
        let mut out = Vec::new();
        for piece in text.pieces() {
            match piece {
                Piece::Str(run) => out.extend(run.chars().map(u32::from)),
                Piece::Surrogate(unit) => out.push(u32::from(unit)),
            }
        }
        out
    }

    #[test]
    fn surrogates_stay_apart_and_the_form_is_canonical() {
        let mut buf = TextBuf::default();
        buf.push_str("a");
        buf.push_surrogate(0xd800);
        buf.push_surrogate(0xdc00);
        buf.push('é');
        let text = buf.finish();
        assert!(text.has_surrogates());
        assert_eq!(text.as_str(), None);
        // `'a\ud800\udc00é'.encode('utf-8', 'surrogatepass')`
        assert_eq!(
            text.surrogatepass_bytes(),
            b"a\xed\xa0\x80\xed\xb0\x80\xc3\xa9"
        );
        assert_eq!(code_points(&text), [0x61, 0xd800, 0xdc00, 0xe9]);
        assert_ne!(text, Text::from("a\u{10000}é"));
        assert_eq!(text.escaped(), "a\\ud800\\udc00é");
        assert_eq!(format!("{text:?}"), "\"a\\u{d800}\\u{dc00}é\"");
        // Without surrogates it is the plain string, however it was built.
        let plain = Text::from_surrogatepass("x😀".as_bytes().to_vec()).unwrap();
        assert_eq!(plain, Text::from("x😀"));
        assert_eq!(plain, "x😀");
        let mut buf = TextBuf::default();
        buf.push_surrogatepass("y".as_bytes());
        assert_eq!(buf.finish().as_str(), Some("y"));
    }

    #[test]
    fn ordinary_strings_cost_no_more_than_a_string() {
        // The surrogate form hides in `String`'s niche: a JSON value stays as small as before.
        assert_eq!(std::mem::size_of::<Text>(), std::mem::size_of::<String>());
    }

    #[test]
    fn surrogatepass_decoding_matches_python() {
        // Each surrogate, both ends of the range.
        for (bytes, unit) in [
            (b"\xed\xa0\x80", 0xd800u16),
            (b"\xed\xaf\xbf", 0xdbff),
            (b"\xed\xb0\x80", 0xdc00),
            (b"\xed\xbf\xbf", 0xdfff),
        ] {
            let text = Text::from_surrogatepass(bytes.to_vec()).unwrap();
            assert_eq!(text.pieces().collect::<Vec<_>>(), [Piece::Surrogate(unit)]);
            assert_eq!(encode_surrogate(unit), *bytes);
        }
        // What `bytes.decode('utf-8', 'surrogatepass')` refuses.
        for (bytes, offset) in [
            (&b"ab\xed\xa0"[..], 2),
            (b"\xed\x9f", 0),
            (b"\xed\xa0\x80\xff", 3),
            (b"\xc0\x80", 0),
            (b"\xf0\xed\xa0\x80", 0),
        ] {
            assert_eq!(Text::from_surrogatepass(bytes.to_vec()), Err(offset));
        }
    }
}
