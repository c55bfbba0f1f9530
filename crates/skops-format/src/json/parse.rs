//! The JSON parser: Python's `json.loads` grammar, iterative, with a nesting limit.

use super::number::{MAX_INT_DIGITS, scan_number};
use super::tape::{Tape, Token};
use super::text::{TextBuf, surrogatepass_len};
use super::{Text, Value};
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
    Ok(parse_tape(text, max_depth)?.root().to_value())
}

/// Parses `text` as [`parse`] does, into a [`Tape`] that borrows its strings from `text`.
pub fn parse_tape(text: &[u8], max_depth: u64) -> Result<Tape<'_>> {
    let (base, body) = match text.strip_prefix(UTF8_BOM) {
        Some(rest) => (UTF8_BOM.len(), rest),
        None => (0, text),
    };
    // Token offsets are 32-bit; `schema.json` is far smaller (`limits::MAX_SCHEMA_SIZE`).
    if u32::try_from(body.len()).is_err() {
        return Err(Error::LimitExceeded {
            what: "JSON text size".to_owned(),
            value: offset_u64(body.len()),
            limit: u64::from(u32::MAX),
        });
    }
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
    let mut parser = Parser {
        source,
        bytes: body,
        pos: 0,
        base,
        // A schema has about one token per 24 bytes (`json.dumps(indent=2)`).
        tokens: Vec::with_capacity(body.len() / 24 + 1),
        decoded: Vec::new(),
    };
    parser.run(max_depth)?;
    Ok(Tape {
        source: source.unwrap_or_default(),
        bytes: body,
        tokens: parser.tokens,
        decoded: parser.decoded,
    })
}

fn offset_u64(offset: usize) -> u64 {
    u64::try_from(offset).unwrap_or(u64::MAX)
}

/// A position or count as stored in a token (the input was checked to fit in 32 bits, and a
/// token takes at least one byte).
fn token_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// A keyword value: its text and its token.
type Literal = (&'static [u8], Token);

/// An array or object whose closing bracket has not been seen yet: the index of its token
/// and the number of items or members so far.
struct Open {
    token: usize,
    is_object: bool,
    count: usize,
}

struct Parser<'a> {
    /// The input as a `str`, when it holds no encoded surrogate (nearly always).
    source: Option<&'a str>,
    /// The input, UTF-8 with `surrogatepass` (checked).
    bytes: &'a [u8],
    pos: usize,
    /// Bytes skipped before `source` (a byte order mark), added to reported offsets.
    base: usize,
    tokens: Vec<Token>,
    decoded: Vec<Text>,
}

impl Parser<'_> {
    fn run(&mut self, max_depth: u64) -> Result<()> {
        let mut stack: Vec<Open> = Vec::new();
        loop {
            self.skip_whitespace();
            match self.peek() {
                Some(open @ (b'[' | b'{')) => {
                    let depth = offset_u64(stack.len()).saturating_add(1);
                    if depth > max_depth {
                        return Err(Error::Json(JsonError::TooDeep {
                            offset: self.offset(),
                            limit: max_depth,
                        }));
                    }
                    self.pos += 1;
                    let token = self.tokens.len();
                    let is_object = open == b'{';
                    self.tokens.push(Token::Null);
                    self.skip_whitespace();
                    let close = if is_object { b'}' } else { b']' };
                    if self.peek() == Some(close) {
                        self.pos += 1;
                        self.close(token, is_object, 0);
                    } else {
                        if is_object {
                            self.member_key()?;
                        }
                        stack.push(Open {
                            token,
                            is_object,
                            count: 0,
                        });
                        continue;
                    }
                }
                _ => self.scalar()?,
            }
            // A value is complete: count it in its container, closing containers that end here.
            loop {
                let Some(open) = stack.last_mut() else {
                    self.skip_whitespace();
                    if self.pos != self.bytes.len() {
                        return Err(self.syntax("extra data after the JSON value"));
                    }
                    return Ok(());
                };
                open.count += 1;
                self.skip_whitespace();
                let (close, expected) = if open.is_object {
                    (b'}', "expected `,` or `}`")
                } else {
                    (b']', "expected `,` or `]`")
                };
                match self.peek() {
                    Some(b',') => {
                        self.pos += 1;
                        if open.is_object {
                            self.skip_whitespace();
                            self.member_key()?;
                        }
                        break;
                    }
                    Some(byte) if byte == close => {
                        self.pos += 1;
                        let Open {
                            token,
                            is_object,
                            count,
                        } = *open;
                        stack.pop();
                        self.close(token, is_object, count);
                    }
                    _ => return Err(self.syntax(expected)),
                }
            }
        }
    }

    /// Writes the token of the container opened at `token`, now that its end is known.
    fn close(&mut self, token: usize, is_object: bool, count: usize) {
        let (len, end) = (token_u32(count), token_u32(self.tokens.len()));
        if let Some(slot) = self.tokens.get_mut(token) {
            *slot = if is_object {
                Token::Object { len, end }
            } else {
                Token::Array { len, end }
            };
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
        // `json.dumps(indent=2)` puts a newline and a run of spaces before every member:
        // the spaces are skipped eight at a time.
        loop {
            match self.peek() {
                Some(b' ') => {
                    self.pos += 1;
                    while self.bytes.get(self.pos..self.pos + 8) == Some(b"        ") {
                        self.pos += 8;
                    }
                }
                Some(b'\t' | b'\n' | b'\r') => self.pos += 1,
                _ => return,
            }
        }
    }

    fn rest(&self) -> &[u8] {
        self.bytes.get(self.pos..).unwrap_or_default()
    }

    /// A member name and the `:` after it (whitespace before the name already skipped).
    fn member_key(&mut self) -> Result<()> {
        if self.peek() != Some(b'"') {
            return Err(self.syntax("expected a property name in double quotes"));
        }
        self.string()?;
        self.skip_whitespace();
        if self.peek() != Some(b':') {
            return Err(self.syntax("expected `:`"));
        }
        self.pos += 1;
        Ok(())
    }

    /// Any value that is not an array or object.
    fn scalar(&mut self) -> Result<()> {
        match self.peek() {
            Some(b'"') => return self.string(),
            Some(b'-' | b'0'..=b'9') => {
                if let Some(scan) = scan_number(self.rest()) {
                    if scan.is_integer && scan.digits > MAX_INT_DIGITS {
                        return Err(Error::Json(JsonError::IntegerTooLong {
                            offset: self.offset(),
                            digits: offset_u64(scan.digits),
                        }));
                    }
                    self.tokens.push(Token::Number {
                        start: token_u32(self.pos),
                        len: token_u32(scan.len),
                    });
                    self.pos += scan.len;
                    return Ok(());
                }
            }
            _ => {}
        }
        let number = Token::Number {
            start: token_u32(self.pos),
            len: 0,
        };
        let literal: Option<Literal> = match self.peek() {
            Some(b'n') => Some((b"null", Token::Null)),
            Some(b't') => Some((b"true", Token::True)),
            Some(b'f') => Some((b"false", Token::False)),
            Some(b'N') => Some((b"NaN", number)),
            Some(b'I') => Some((b"Infinity", number)),
            Some(b'-') => Some((b"-Infinity", number)),
            _ => None,
        };
        if let Some((text, token)) = literal {
            if self.rest().starts_with(text) {
                self.pos += text.len();
                self.tokens.push(match token {
                    Token::Number { start, .. } => Token::Number {
                        start,
                        len: token_u32(text.len()),
                    },
                    other => other,
                });
                return Ok(());
            }
        }
        if self.pos == self.bytes.len() {
            return Err(self.syntax("unexpected end of input, expected a value"));
        }
        Err(self.syntax("expected a value"))
    }

    /// A string, starting at its opening quote.
    fn string(&mut self) -> Result<()> {
        let start = self.pos;
        self.pos += 1;
        // Nearly every string of a schema is plain: no escape, no control character, valid
        // UTF-8. It is found with one `memchr2` and stays a range of the source.
        if self.source.is_some() {
            let rest = self.rest();
            if let Some(end) = memchr::memchr2(b'"', b'\\', rest) {
                let run = rest.get(..end).unwrap_or_default();
                if rest.get(end) == Some(&b'"') && !run.iter().any(|&byte| byte < 0x20) {
                    self.tokens.push(Token::Plain {
                        start: token_u32(self.pos),
                        len: token_u32(end),
                    });
                    self.pos += end + 1;
                    return Ok(());
                }
            }
        }
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
                    self.tokens
                        .push(Token::Decoded(token_u32(self.decoded.len())));
                    self.decoded.push(out.finish());
                    return Ok(());
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
