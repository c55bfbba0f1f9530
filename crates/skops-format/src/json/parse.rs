//! The JSON parser: Python's `json.loads` grammar, iterative, with a nesting limit.

use super::number::{MAX_INT_DIGITS, scan_number};
use super::text::{TextBuf, surrogatepass_len};
use super::{Number, Object, Text, Value};
use crate::error::JsonError;
use crate::{Error, Result};

/// What `json.loads(bytes)` strips before decoding UTF-8 (it decodes with `utf-8-sig`).
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// Parses `text` as Python's `json.loads` would, refusing nesting deeper than `max_depth`
/// arrays/objects.
///
/// `text` is decoded as `json.loads(bytes)` decodes it, with `surrogatepass`: the UTF-8-style
/// encoding of a surrogate (`ED A0 80`) is that surrogate, so inside a string it becomes part
/// of a [`Text`] just as the escape `\ud800` does. The same bytes are what
/// [`Text::surrogatepass_bytes`] gives, so a JSON text held in a [`Text`] (a JsonNode's
/// content) parses as Python's `json.loads(str)` parses it.
///
/// Every error names the byte offset (in `text`) where parsing stopped. The parser keeps its own
/// stack of open containers, so deep input cannot exhaust the call stack.
pub fn parse(text: &[u8], max_depth: u64) -> Result<Value> {
    let (base, body) = match text.strip_prefix(UTF8_BOM) {
        Some(rest) => (UTF8_BOM.len(), rest),
        None => (0, text),
    };
    // Nearly every input is UTF-8; only the others are checked byte by byte again.
    let source = match std::str::from_utf8(body) {
        Ok(source) => Some(source),
        Err(_) => {
            surrogatepass_len(body).map_err(|offset| {
                Error::Json(JsonError::NotUtf8 {
                    offset: offset_u64(base + offset),
                })
            })?;
            None
        }
    };
    Parser {
        source,
        bytes: body,
        pos: 0,
        base,
    }
    .run(max_depth)
}

fn offset_u64(offset: usize) -> u64 {
    u64::try_from(offset).unwrap_or(u64::MAX)
}

/// Members an object gets room for up front (a skops node has four to six).
const OBJECT_CAPACITY: usize = 6;

/// A keyword value: its text and how to build it.
type Literal = (&'static [u8], fn() -> Value);

/// An array or object whose closing bracket has not been seen yet.
enum Open {
    Array(Vec<Value>),
    Object(Object, Text),
}

struct Parser<'a> {
    /// The input as a `str`, when it holds no encoded surrogate (nearly always).
    source: Option<&'a str>,
    /// The input, UTF-8 with `surrogatepass` (checked).
    bytes: &'a [u8],
    pos: usize,
    /// Bytes skipped before `source` (a byte order mark), added to reported offsets.
    base: usize,
}

impl Parser<'_> {
    fn run(mut self, max_depth: u64) -> Result<Value> {
        let mut stack: Vec<Open> = Vec::new();
        loop {
            self.skip_whitespace();
            let mut value = match self.peek() {
                Some(open @ (b'[' | b'{')) => {
                    let depth = offset_u64(stack.len()).saturating_add(1);
                    if depth > max_depth {
                        return Err(Error::Json(JsonError::TooDeep {
                            offset: self.offset(),
                            limit: max_depth,
                        }));
                    }
                    self.pos += 1;
                    self.skip_whitespace();
                    if open == b'[' {
                        if self.peek() == Some(b']') {
                            self.pos += 1;
                            Value::Array(Vec::new())
                        } else {
                            stack.push(Open::Array(Vec::new()));
                            continue;
                        }
                    } else if self.peek() == Some(b'}') {
                        self.pos += 1;
                        Value::Object(Object::new())
                    } else {
                        let key = self.member_key()?;
                        // skops nodes have four to six members: one allocation for most.
                        let object = Object::with_capacity(OBJECT_CAPACITY);
                        stack.push(Open::Object(object, key));
                        continue;
                    }
                }
                _ => self.scalar()?,
            };
            // Attach the finished value to its container, closing containers that end here.
            loop {
                match stack.last_mut() {
                    None => {
                        self.skip_whitespace();
                        if self.pos != self.bytes.len() {
                            return Err(self.syntax("extra data after the JSON value"));
                        }
                        return Ok(value);
                    }
                    Some(Open::Array(items)) => {
                        items.push(value);
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                break;
                            }
                            Some(b']') => {
                                self.pos += 1;
                                value = match stack.pop() {
                                    Some(Open::Array(items)) => Value::Array(items),
                                    _ => return Err(self.syntax("unbalanced brackets")),
                                };
                            }
                            _ => return Err(self.syntax("expected `,` or `]`")),
                        }
                    }
                    Some(Open::Object(object, key)) => {
                        object.push(std::mem::take(key), value);
                        self.skip_whitespace();
                        match self.peek() {
                            Some(b',') => {
                                self.pos += 1;
                                self.skip_whitespace();
                                let next_key = self.member_key()?;
                                if let Some(Open::Object(_, key)) = stack.last_mut() {
                                    *key = next_key;
                                }
                                break;
                            }
                            Some(b'}') => {
                                self.pos += 1;
                                value = match stack.pop() {
                                    Some(Open::Object(object, _)) => Value::Object(object),
                                    _ => return Err(self.syntax("unbalanced brackets")),
                                };
                            }
                            _ => return Err(self.syntax("expected `,` or `}`")),
                        }
                    }
                }
            }
        }
    }

    fn offset(&self) -> u64 {
        offset_u64(self.base + self.pos)
    }

    fn syntax(&self, reason: &'static str) -> Error {
        Error::Json(JsonError::Syntax {
            offset: self.offset(),
            reason,
        })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_whitespace(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    fn rest(&self) -> &[u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// A member name and the `:` after it (whitespace before the name already skipped).
    fn member_key(&mut self) -> Result<Text> {
        if self.peek() != Some(b'"') {
            return Err(self.syntax("expected a property name in double quotes"));
        }
        let key = self.string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.syntax("expected `:`"));
        }
        self.pos += 1;
        Ok(key)
    }

    /// Any value that is not an array or object.
    fn scalar(&mut self) -> Result<Value> {
        match self.peek() {
            Some(b'"') => return self.string().map(Value::String),
            Some(b'-' | b'0'..=b'9') => {
                if let Some(scan) = scan_number(self.rest()) {
                    if scan.is_integer && scan.digits > MAX_INT_DIGITS {
                        return Err(Error::Json(JsonError::IntegerTooLong {
                            offset: self.offset(),
                            digits: offset_u64(scan.digits),
                        }));
                    }
                    let end = self.pos + scan.len;
                    // A number is ASCII.
                    let text = self
                        .bytes
                        .get(self.pos..end)
                        .and_then(|text| std::str::from_utf8(text).ok())
                        .unwrap_or_default();
                    self.pos = end;
                    return Ok(Value::Number(Number::from_checked_text(text.to_owned())));
                }
            }
            _ => {}
        }
        // Values are built only on a match: this runs for every scalar of a large schema.
        let literal: Option<Literal> = match self.peek() {
            Some(b'n') => Some((b"null", || Value::Null)),
            Some(b't') => Some((b"true", || Value::Bool(true))),
            Some(b'f') => Some((b"false", || Value::Bool(false))),
            Some(b'N') => Some((b"NaN", || number_literal("NaN"))),
            Some(b'I') => Some((b"Infinity", || number_literal("Infinity"))),
            Some(b'-') => Some((b"-Infinity", || number_literal("-Infinity"))),
            _ => None,
        };
        if let Some((text, value)) = literal {
            if self.rest().starts_with(text) {
                self.pos += text.len();
                return Ok(value());
            }
        }
        if self.pos == self.bytes.len() {
            return Err(self.syntax("unexpected end of input, expected a value"));
        }
        Err(self.syntax("expected a value"))
    }

    /// A string, starting at its opening quote.
    fn string(&mut self) -> Result<Text> {
        let start = self.pos;
        self.pos += 1;
        let mut out = TextBuf::default();
        loop {
            let run_start = self.pos;
            self.pos += self
                .rest()
                .iter()
                .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)
                .unwrap_or(self.rest().len());
            // The run stops at an ASCII byte, so it ends on a code point boundary.
            match self.source {
                Some(source) => out.push_str(source.get(run_start..self.pos).unwrap_or_default()),
                None => {
                    out.push_surrogatepass(self.bytes.get(run_start..self.pos).unwrap_or_default());
                }
            }
            match self.peek() {
                None => {
                    self.pos = start;
                    return Err(self.syntax("unterminated string"));
                }
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out.finish());
                }
                Some(b'\\') => self.escape(&mut out)?,
                Some(_) => return Err(self.syntax("invalid control character in string")),
            }
        }
    }

    /// One escape sequence, starting at its backslash.
    ///
    /// `\uXXXX` follows CPython's `scanstring`: a high surrogate joins the low surrogate escape
    /// right after it into one character; otherwise a surrogate escape is that lone surrogate
    /// (and the escape after a high one is read on its own).
    fn escape(&mut self, out: &mut TextBuf) -> Result<()> {
        let escaped = match self.bytes.get(self.pos + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => {
                let first = self.hex4(self.pos + 2)?;
                self.pos += 6;
                if (0xd800..0xdc00).contains(&first) && self.rest().starts_with(b"\\u") {
                    let second = self.hex4(self.pos + 2)?;
                    if (0xdc00..0xe000).contains(&second) {
                        self.pos += 6;
                        let code = 0x10000 + ((first - 0xd800) << 10) + (second - 0xdc00);
                        out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
                        return Ok(());
                    }
                }
                match char::from_u32(first) {
                    Some(decoded) => out.push(decoded),
                    // Four hex digits that are no `char` are a surrogate.
                    None => out.push_surrogate(u16::try_from(first).unwrap_or(0xd800)),
                }
                return Ok(());
            }
            _ => return Err(self.syntax("invalid escape")),
        };
        out.push(escaped);
        self.pos += 2;
        Ok(())
    }

    /// Four hex digits at `at`.
    fn hex4(&self, at: usize) -> Result<u32> {
        let digits = self
            .bytes
            .get(at..at + 4)
            .filter(|digits| digits.iter().all(u8::is_ascii_hexdigit))
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| u32::from_str_radix(digits, 16).ok());
        digits.ok_or(Error::Json(JsonError::Syntax {
            offset: offset_u64(self.base + self.pos),
            reason: "invalid `\\u` escape",
        }))
    }
}

/// `NaN`, `Infinity` or `-Infinity` as the number Python's json module reads them as.
fn number_literal(text: &str) -> Value {
    Value::Number(Number::from_checked_text(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::super::Piece;
    use super::*;

    fn err(text: &[u8]) -> Error {
        parse(text, 16).unwrap_err()
    }

    #[test]
    fn python_extensions() {
        let value = parse(
            b"[NaN, Infinity, -Infinity, 340282366920938463463374607431768211456, 1.0, 1, -0]",
            4,
        )
        .unwrap();
        let texts: Vec<&str> = value
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item.as_number().unwrap().as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "NaN",
                "Infinity",
                "-Infinity",
                "340282366920938463463374607431768211456",
                "1.0",
                "1",
                "-0"
            ]
        );
    }

    #[test]
    fn strings_and_escapes() {
        let value = parse(br#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\u0000""#, 1).unwrap();
        assert_eq!(value.as_str(), Some("a\"\\/\u{8}\u{c}\n\r\té😀\0"));
        let value = parse("\"é😀\"".as_bytes(), 1).unwrap();
        assert_eq!(value.as_str(), Some("é😀"));
    }

    #[test]
    fn byte_order_mark_is_skipped_and_offsets_count_it() {
        assert_eq!(
            parse(b"\xef\xbb\xbf[1]", 2).unwrap(),
            Value::Array(vec![1i64.into()])
        );
        assert!(matches!(
            parse(b"\xef\xbb\xbf[1,]", 2),
            Err(Error::Json(JsonError::Syntax { offset: 6, .. }))
        ));
    }

    /// The code points of a parsed string.
    fn code_points(value: &Value) -> Vec<u32> {
        let mut out = Vec::new();
        for piece in value.as_text().unwrap().pieces() {
            match piece {
                Piece::Str(run) => out.extend(run.chars().map(u32::from)),
                Piece::Surrogate(unit) => out.push(u32::from(unit)),
            }
        }
        out
    }

    #[test]
    fn lone_surrogates_are_kept_as_python_keeps_them() {
        // Inputs and what `[ord(c) for c in json.loads(input)]` gives.
        let cases: [(&[u8], &[u32]); 12] = [
            (br#""\ud800""#, &[0xd800]),
            (br#""x\udc00""#, &[0x78, 0xdc00]),
            (br#""\ud800\u0041""#, &[0xd800, 0x41]),
            (br#""\ud800\ud800\udc00""#, &[0xd800, 0x10000]),
            (br#""\udc00\ud800""#, &[0xdc00, 0xd800]),
            (br#""\ud83d\ude00\uDBFF\uDFFF""#, &[0x1f600, 0x10ffff]),
            (br#""\ud800\n""#, &[0xd800, 0x0a]),
            // Encoded in the bytes: decoded with `surrogatepass`, never joined.
            (b"\"\xed\xa0\x80\"", &[0xd800]),
            (b"\"\xed\xa0\x80\\udc00\"", &[0xd800, 0xdc00]),
            (b"\"\\ud800\xed\xb0\x80\"", &[0xd800, 0xdc00]),
            (
                b"\"\xed\xa0\x80\xed\xb0\x80\xc3\xa9\"",
                &[0xd800, 0xdc00, 0xe9],
            ),
            (b"\xef\xbb\xbf\"a\xed\xbf\xbf\"", &[0x61, 0xdfff]),
        ];
        for (input, expected) in cases {
            let value = parse(input, 1).unwrap_or_else(|error| panic!("{input:?}: {error}"));
            assert_eq!(code_points(&value), expected, "{input:?}");
        }
        // As keys too; a repeated one is the same key.
        let value = parse(br#"{"\ud800": 1, "a": 2, "\ud800": 3}"#, 1).unwrap();
        let entries = value.as_object().unwrap().dict_entries();
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].0.surrogatepass_bytes(), b"\xed\xa0\x80");
        assert_eq!(entries[0].1, &Value::from(3i64));
        // The text of a string with a surrogate parses again to the same string (a JsonNode's
        // content is JSON inside JSON).
        let outer = parse(br#""\"\ud800\\udc00\"""#, 1).unwrap();
        let inner = parse(outer.as_text().unwrap().surrogatepass_bytes(), 1).unwrap();
        assert_eq!(code_points(&inner), [0xd800, 0xdc00]);
    }

    #[test]
    fn what_python_refuses_around_surrogates_is_refused() {
        // A bad escape after a high surrogate is an error, as in CPython's scanstring.
        assert!(matches!(
            err(br#""\ud800\u12g4""#),
            Error::Json(JsonError::Syntax { offset: 7, .. })
        ));
        // An encoded surrogate outside a string is no value.
        assert!(matches!(
            err(b"[\xed\xa0\x80]"),
            Error::Json(JsonError::Syntax { offset: 1, .. })
        ));
        // Bytes `surrogatepass` does not decode: a cut surrogate, an overlong form.
        assert!(matches!(
            err(b"\"\xed\xa0\""),
            Error::Json(JsonError::NotUtf8 { offset: 1 })
        ));
        assert!(matches!(
            err(b"\"\xed\xa0\x80\xc0\x80\""),
            Error::Json(JsonError::NotUtf8 { offset: 4 })
        ));
    }

    #[test]
    fn syntax_errors_name_the_offset() {
        let cases: [(&[u8], u64); 16] = [
            (b"", 0),
            (b"  ", 2),
            (b"[1,]", 3),
            (b"{\"a\":1,}", 7),
            (b"{\"a\" 1}", 5),
            (b"{1:2}", 1),
            (b"[1 2]", 3),
            (b"{\"a\":1 \"b\"}", 7),
            (b"[1] x", 4),
            (b"\"abc", 0),
            (b"\"a\nb\"", 2),
            (b"\"\\x\"", 1),
            (b"\"\\u12g4\"", 1),
            (b"nul", 0),
            (b"01", 1),
            (b"-", 0),
        ];
        for (text, offset) in cases {
            match parse(text, 8) {
                Err(Error::Json(JsonError::Syntax { offset: found, .. })) => {
                    assert_eq!(found, offset, "{:?}", String::from_utf8_lossy(text));
                }
                other => panic!("{:?}: {other:?}", String::from_utf8_lossy(text)),
            }
        }
        assert!(matches!(
            err(b"[\"\xff\"]"),
            Error::Json(JsonError::NotUtf8 { offset: 2 })
        ));
    }

    #[test]
    fn depth_limit() {
        assert!(parse(b"[[[]]]", 3).is_ok());
        assert!(matches!(
            parse(b"[[[]]]", 2),
            Err(Error::Json(JsonError::TooDeep {
                offset: 2,
                limit: 2
            }))
        ));
        assert!(matches!(
            parse(b"{\"a\": {}}", 1),
            Err(Error::Json(JsonError::TooDeep {
                offset: 6,
                limit: 1
            }))
        ));
        assert!(matches!(parse(b"1", 0), Ok(Value::Number(_))));
        // Deep input is refused without touching the call stack.
        let deep = "[".repeat(1_000_000);
        assert!(matches!(
            parse(deep.as_bytes(), 512),
            Err(Error::Json(JsonError::TooDeep {
                offset: 512,
                limit: 512
            }))
        ));
    }

    #[test]
    fn integer_digit_limit_matches_python() {
        let ok = format!("[-{}]", "7".repeat(MAX_INT_DIGITS));
        assert!(parse(ok.as_bytes(), 1).is_ok());
        let too_long = format!("[{}]", "7".repeat(MAX_INT_DIGITS + 1));
        assert!(matches!(
            parse(too_long.as_bytes(), 1),
            Err(Error::Json(JsonError::IntegerTooLong {
                offset: 1,
                digits: 4301
            }))
        ));
        // Floats have no digit limit in Python.
        let float = format!("{}.5", "7".repeat(MAX_INT_DIGITS + 1));
        assert!(parse(float.as_bytes(), 1).is_ok());
    }
}
