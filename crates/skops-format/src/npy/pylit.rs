//! A bounded parser and printer for the Python literal subset that `.npy` headers use.
//!
//! numpy reads headers with `ast.literal_eval`; we accept the part of that language numpy
//! itself writes (and a little more, e.g. `"..."` strings and Python 2 `L` suffixes): strings
//! with escapes, integers, `True`/`False`/`None`, tuples, lists and dicts. Floats, bytes,
//! sets and expressions are refused. Nesting depth is bounded, and every value allocated is
//! backed by bytes of the header text, so a hostile header cannot cost more than its length.

use crate::error::NpyError;
use crate::{Error, Result};

/// A parsed Python literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PyValue {
    /// `'text'` or `"text"`.
    Str(String),
    /// An integer, limited to what fits in `i128` (numpy shapes fit in `i64`).
    Int(i128),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
    /// `(a, b)`.
    Tuple(Vec<PyValue>),
    /// `[a, b]`.
    List(Vec<PyValue>),
    /// `{k: v}` with keys in text order.
    Dict(Vec<(PyValue, PyValue)>),
}

impl PyValue {
    /// A short name of the value's Python type, for error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "str",
            Self::Int(_) => "int",
            Self::Bool(_) => "bool",
            Self::None => "None",
            Self::Tuple(_) => "tuple",
            Self::List(_) => "list",
            Self::Dict(_) => "dict",
        }
    }

    /// The value written back as Python would `repr` it (used in error messages).
    pub(crate) fn to_repr(&self) -> String {
        let mut out = String::new();
        self.write_repr(&mut out);
        out
    }

    fn write_repr(&self, out: &mut String) {
        match self {
            Self::Str(text) => out.push_str(&str_repr(text)),
            Self::Int(value) => out.push_str(&value.to_string()),
            Self::Bool(true) => out.push_str("True"),
            Self::Bool(false) => out.push_str("False"),
            Self::None => out.push_str("None"),
            Self::Tuple(items) => {
                out.push('(');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr(out);
                }
                if items.len() == 1 {
                    out.push(',');
                }
                out.push(')');
            }
            Self::List(items) => {
                out.push('[');
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    item.write_repr(out);
                }
                out.push(']');
            }
            Self::Dict(entries) => {
                out.push('{');
                for (index, (key, value)) in entries.iter().enumerate() {
                    if index > 0 {
                        out.push_str(", ");
                    }
                    key.write_repr(out);
                    out.push_str(": ");
                    value.write_repr(out);
                }
                out.push('}');
            }
        }
    }
}

/// Options of one parse.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParseOptions {
    /// Deepest tuple/list/dict nesting accepted.
    pub(crate) max_depth: u64,
    /// Accept Python 2 long suffixes (`3L`), as numpy does for version 1 and 2 headers.
    pub(crate) allow_long_suffix: bool,
}

/// Parses `text` as one Python literal followed only by whitespace.
pub(crate) fn parse(text: &str, options: ParseOptions) -> Result<PyValue> {
    let mut parser = Parser {
        text,
        bytes: text.as_bytes(),
        pos: 0,
        options,
    };
    parser.skip_whitespace();
    let value = parser.parse_value(0)?;
    parser.skip_whitespace();
    if parser.pos != parser.bytes.len() {
        return Err(parser.error("unexpected text after the literal"));
    }
    Ok(value)
}

struct Parser<'t> {
    text: &'t str,
    bytes: &'t [u8],
    pos: usize,
    options: ParseOptions,
}

impl Parser<'_> {
    fn error(&self, reason: &str) -> Error {
        Error::Npy(NpyError::HeaderSyntax {
            offset: self.pos as u64,
            reason: reason.to_owned(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips spaces, tabs, newlines, form feeds, comments and backslash line continuations.
    fn skip_whitespace(&mut self) {
        while let Some(byte) = self.peek() {
            match byte {
                b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' => self.pos += 1,
                b'#' => {
                    while let Some(byte) = self.peek() {
                        if byte == b'\n' {
                            break;
                        }
                        self.pos += 1;
                    }
                }
                b'\\' if self.bytes.get(self.pos + 1) == Some(&b'\n') => self.pos += 2,
                _ => break,
            }
        }
    }

    fn parse_value(&mut self, depth: u64) -> Result<PyValue> {
        match self.peek() {
            None => Err(self.error("unexpected end of text")),
            Some(b'(') => self.parse_paren(depth),
            Some(b'[') => {
                let items = self.parse_sequence(depth, b']')?;
                Ok(PyValue::List(items))
            }
            Some(b'{') => self.parse_dict(depth),
            Some(b'\'' | b'"') => self.parse_strings(),
            Some(b'u' | b'U') if matches!(self.bytes.get(self.pos + 1), Some(b'\'' | b'"')) => {
                self.parse_strings()
            }
            Some(b'-' | b'+' | b'0'..=b'9') => self.parse_int(),
            Some(byte) if byte.is_ascii_alphabetic() || byte == b'_' => self.parse_name(),
            Some(_) => Err(self.error("unexpected character")),
        }
    }

    fn enter(&self, depth: u64) -> Result<u64> {
        let depth = depth + 1;
        crate::limits::Limits::check("`.npy` header nesting depth", depth, self.options.max_depth)?;
        Ok(depth)
    }

    /// `()` is the empty tuple, `(x)` is `x`, `(x,)` and `(x, y)` are tuples.
    fn parse_paren(&mut self, depth: u64) -> Result<PyValue> {
        let depth = self.enter(depth)?;
        self.pos += 1;
        self.skip_whitespace();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(PyValue::Tuple(Vec::new()));
        }
        let first = self.parse_value(depth)?;
        self.skip_whitespace();
        match self.peek() {
            Some(b')') => {
                self.pos += 1;
                Ok(first)
            }
            Some(b',') => {
                self.pos += 1;
                let mut items = vec![first];
                items.extend(self.parse_items(depth, b')')?);
                Ok(PyValue::Tuple(items))
            }
            _ => Err(self.error("expected `,` or `)`")),
        }
    }

    /// Parses `[a, b, ]`-style items after the opening bracket.
    fn parse_sequence(&mut self, depth: u64, close: u8) -> Result<Vec<PyValue>> {
        let depth = self.enter(depth)?;
        self.pos += 1;
        self.parse_items(depth, close)
    }

    /// Parses comma-separated values (trailing comma allowed) up to and including `close`.
    fn parse_items(&mut self, depth: u64, close: u8) -> Result<Vec<PyValue>> {
        let mut items = Vec::new();
        loop {
            self.skip_whitespace();
            if self.peek() == Some(close) {
                self.pos += 1;
                return Ok(items);
            }
            items.push(self.parse_value(depth)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(byte) if byte == close => {}
                _ => return Err(self.error("expected `,` or a closing bracket")),
            }
        }
    }

    fn parse_dict(&mut self, depth: u64) -> Result<PyValue> {
        let depth = self.enter(depth)?;
        self.pos += 1;
        let mut entries = Vec::new();
        loop {
            self.skip_whitespace();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(PyValue::Dict(entries));
            }
            let key = self.parse_value(depth)?;
            self.skip_whitespace();
            if self.peek() != Some(b':') {
                return Err(self.error("expected `:` after a dict key"));
            }
            self.pos += 1;
            self.skip_whitespace();
            let value = self.parse_value(depth)?;
            entries.push((key, value));
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {}
                _ => return Err(self.error("expected `,` or `}`")),
            }
        }
    }

    fn parse_name(&mut self) -> Result<PyValue> {
        let start = self.pos;
        while let Some(byte) = self.peek() {
            if !(byte.is_ascii_alphanumeric() || byte == b'_') {
                break;
            }
            self.pos += 1;
        }
        match self.text.get(start..self.pos) {
            Some("True") => Ok(PyValue::Bool(true)),
            Some("False") => Ok(PyValue::Bool(false)),
            Some("None") => Ok(PyValue::None),
            _ => {
                self.pos = start;
                Err(self.error("unsupported name or literal"))
            }
        }
    }

    fn parse_int(&mut self) -> Result<PyValue> {
        let negative = match self.peek() {
            Some(b'-') => {
                self.pos += 1;
                true
            }
            Some(b'+') => {
                self.pos += 1;
                false
            }
            _ => false,
        };
        self.skip_whitespace();
        let start = self.pos;
        let mut magnitude: i128 = 0;
        while let Some(byte @ b'0'..=b'9') = self.peek() {
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|value| value.checked_add(i128::from(byte - b'0')))
                .ok_or_else(|| self.error("integer is too large"))?;
            self.pos += 1;
        }
        let digits = self.pos - start;
        if digits == 0 {
            return Err(self.error("expected digits"));
        }
        // Python 3 forbids leading zeros in non-zero decimal literals (`007`).
        if digits > 1 && self.bytes.get(start) == Some(&b'0') && magnitude != 0 {
            return Err(self.error("integer with leading zeros"));
        }
        if self.options.allow_long_suffix && matches!(self.peek(), Some(b'L' | b'l')) {
            self.pos += 1;
        }
        if let Some(byte) = self.peek() {
            if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'.' {
                return Err(self.error("unsupported number literal"));
            }
        }
        Ok(PyValue::Int(if negative { -magnitude } else { magnitude }))
    }

    /// Parses one string or several adjacent ones (`'a' 'b'` is `'ab'` in Python).
    fn parse_strings(&mut self) -> Result<PyValue> {
        let mut text = self.parse_string()?;
        loop {
            let before = self.pos;
            self.skip_whitespace();
            let is_string = match self.peek() {
                Some(b'\'' | b'"') => true,
                Some(b'u' | b'U') => matches!(self.bytes.get(self.pos + 1), Some(b'\'' | b'"')),
                _ => false,
            };
            if !is_string {
                self.pos = before;
                return Ok(PyValue::Str(text));
            }
            text.push_str(&self.parse_string()?);
        }
    }

    fn parse_string(&mut self) -> Result<String> {
        if matches!(self.peek(), Some(b'u' | b'U')) {
            self.pos += 1;
        }
        let quote = self.peek().ok_or_else(|| self.error("expected a string"))?;
        if self.bytes.get(self.pos..self.pos + 3) == Some(&[quote, quote, quote]) {
            return Err(self.error("triple-quoted strings are not supported"));
        }
        self.pos += 1;
        let mut out = String::new();
        loop {
            let rest = self.text.get(self.pos..).unwrap_or_default();
            let mut chars = rest.chars();
            let Some(ch) = chars.next() else {
                return Err(self.error("unterminated string"));
            };
            match ch {
                '\n' | '\r' => return Err(self.error("newline inside a string")),
                '\\' => {
                    self.pos += 1;
                    self.parse_escape(&mut out)?;
                }
                _ if ch as u32 == u32::from(quote) => {
                    self.pos += 1;
                    return Ok(out);
                }
                _ => {
                    out.push(ch);
                    self.pos += ch.len_utf8();
                }
            }
        }
    }

    /// Decodes the escape after a backslash (already consumed) into `out`.
    fn parse_escape(&mut self, out: &mut String) -> Result<()> {
        let Some(byte) = self.peek() else {
            return Err(self.error("unterminated string"));
        };
        self.pos += 1;
        let simple = match byte {
            b'\n' => Some(None),
            b'\\' => Some(Some('\\')),
            b'\'' => Some(Some('\'')),
            b'"' => Some(Some('"')),
            b'a' => Some(Some('\x07')),
            b'b' => Some(Some('\x08')),
            b'f' => Some(Some('\x0c')),
            b'n' => Some(Some('\n')),
            b'r' => Some(Some('\r')),
            b't' => Some(Some('\t')),
            b'v' => Some(Some('\x0b')),
            _ => None,
        };
        if let Some(decoded) = simple {
            out.extend(decoded);
            return Ok(());
        }
        let code = match byte {
            b'x' => self.parse_hex(2)?,
            b'u' => self.parse_hex(4)?,
            b'U' => self.parse_hex(8)?,
            b'0'..=b'7' => {
                let mut code = u32::from(byte - b'0');
                for _ in 0..2 {
                    match self.peek() {
                        Some(digit @ b'0'..=b'7') => {
                            code = code * 8 + u32::from(digit - b'0');
                            self.pos += 1;
                        }
                        _ => break,
                    }
                }
                code
            }
            b'N' => return Err(self.error("named unicode escapes are not supported")),
            _ => {
                // Python keeps unknown escapes verbatim (with a warning); so do we.
                self.pos -= 1;
                out.push('\\');
                return Ok(());
            }
        };
        let ch = char::from_u32(code)
            .ok_or_else(|| self.error("escape is not a unicode scalar value"))?;
        out.push(ch);
        Ok(())
    }

    fn parse_hex(&mut self, digits: usize) -> Result<u32> {
        let mut code: u32 = 0;
        for _ in 0..digits {
            let digit = self
                .peek()
                .and_then(|byte| char::from(byte).to_digit(16))
                .ok_or_else(|| self.error("truncated hex escape"))?;
            code = code
                .checked_mul(16)
                .and_then(|value| value.checked_add(digit))
                .ok_or_else(|| self.error("escape is not a unicode scalar value"))?;
            self.pos += 1;
        }
        Ok(code)
    }
}

/// `text` written as Python 3's `repr(str)` writes it.
///
/// Quote choice and escapes follow CPython: single quotes unless the text holds `'` and no
/// `"`; `\\`, `\t`, `\n`, `\r` and the quote escaped; other non-printable characters as
/// `\xhh`, `\uhhhh` or `\Uhhhhhhhh`. Printability of non-ASCII characters is decided by
/// [`is_printable`], which knows the non-printable categories except unassigned code points.
pub fn str_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(text.len() + 2);
    out.push(quote);
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if ch == quote => {
                out.push('\\');
                out.push(ch);
            }
            _ if is_printable(ch) => out.push(ch),
            _ => {
                let code = ch as u32;
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code < 0x10000 {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
        }
    }
    out.push(quote);
    out
}

/// Python's `str.isprintable` for one character, without the unassigned (`Cn`) code points.
///
/// Non-printable are the categories Cc, Cf, Cs, Co, Zl, Zp and Zs except the ASCII space.
fn is_printable(ch: char) -> bool {
    let code = ch as u32;
    if code < 0x7f {
        return code >= 0x20;
    }
    const NON_PRINTABLE: &[(u32, u32)] = &[
        (0x7f, 0xa0),
        (0xad, 0xad),
        (0x600, 0x605),
        (0x61c, 0x61c),
        (0x6dd, 0x6dd),
        (0x70f, 0x70f),
        (0x890, 0x891),
        (0x8e2, 0x8e2),
        (0x1680, 0x1680),
        (0x180e, 0x180e),
        (0x2000, 0x200f),
        (0x2028, 0x202f),
        (0x205f, 0x2064),
        (0x2066, 0x206f),
        (0x3000, 0x3000),
        (0xe000, 0xf8ff),
        (0xfeff, 0xfeff),
        (0xfff9, 0xfffb),
        (0x110bd, 0x110bd),
        (0x110cd, 0x110cd),
        (0x13430, 0x1343f),
        (0x1bca0, 0x1bca3),
        (0x1d173, 0x1d17a),
        (0xe0001, 0xe0001),
        (0xe0020, 0xe007f),
        (0xf0000, 0x10ffff),
    ];
    !NON_PRINTABLE
        .iter()
        .any(|&(low, high)| (low..=high).contains(&code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const OPTIONS: ParseOptions = ParseOptions {
        max_depth: 64,
        allow_long_suffix: false,
    };

    fn parse_ok(text: &str) -> PyValue {
        parse(text, OPTIONS).unwrap()
    }

    #[test]
    fn parses_numpy_header() {
        let value =
            parse_ok("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }            \n");
        assert_eq!(
            value,
            PyValue::Dict(vec![
                (PyValue::Str("descr".into()), PyValue::Str("<f8".into())),
                (PyValue::Str("fortran_order".into()), PyValue::Bool(false)),
                (
                    PyValue::Str("shape".into()),
                    PyValue::Tuple(vec![PyValue::Int(5)])
                ),
            ])
        );
    }

    #[test]
    fn tuples_and_parentheses() {
        assert_eq!(parse_ok("()"), PyValue::Tuple(vec![]));
        assert_eq!(parse_ok("(3)"), PyValue::Int(3));
        assert_eq!(parse_ok("( 3 , )"), PyValue::Tuple(vec![PyValue::Int(3)]));
        assert_eq!(
            parse_ok("(2, -3)"),
            PyValue::Tuple(vec![PyValue::Int(2), PyValue::Int(-3)])
        );
        assert_eq!(parse_ok("[]"), PyValue::List(vec![]));
        assert_eq!(parse_ok("[None,]"), PyValue::List(vec![PyValue::None]));
    }

    #[test]
    fn strings_and_escapes() {
        assert_eq!(parse_ok(r#""it's""#), PyValue::Str("it's".into()));
        assert_eq!(
            parse_ok(r"'a\'b\\c\n\x41\u00e9\U0001F600\101\q'"),
            PyValue::Str("a'b\\c\nAé😀A\\q".into())
        );
        assert_eq!(parse_ok("'a' \"b\""), PyValue::Str("ab".into()));
        assert_eq!(parse_ok("u'x'"), PyValue::Str("x".into()));
    }

    #[test]
    fn rejects_what_numpy_never_writes() {
        for text in [
            "1.5",
            "b'x'",
            "r'x'",
            "{1, 2}",
            "--1",
            "007",
            "1e3",
            "'''x'''",
            "'x",
            "'a\nb'",
            "(1 2)",
            "{'a' 1}",
            "",
            "x",
            "'\\N{DASH}'",
            "'\\ud800'",
            "'\\x4'",
            "1L",
        ] {
            assert!(parse(text, OPTIONS).is_err(), "{text:?} should be refused");
        }
    }

    #[test]
    fn long_suffix_only_when_allowed() {
        let options = ParseOptions {
            allow_long_suffix: true,
            ..OPTIONS
        };
        assert_eq!(
            parse("(3L, 4L)", options).unwrap(),
            PyValue::Tuple(vec![PyValue::Int(3), PyValue::Int(4)])
        );
    }

    #[test]
    fn integer_overflow_is_an_error() {
        let text = "9".repeat(60);
        let error = parse(&text, OPTIONS).unwrap_err();
        assert!(error.to_string().contains("too large"), "{error}");
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
        let error = parse(&deep, OPTIONS).unwrap_err();
        assert!(
            matches!(
                error,
                Error::LimitExceeded {
                    value: 65,
                    limit: 64,
                    ..
                }
            ),
            "{error}"
        );
        let ok = format!("{}{}", "(".repeat(64), ")".repeat(64));
        assert!(parse(&ok, OPTIONS).is_ok());
    }

    #[test]
    fn repr_matches_python() {
        assert_eq!(str_repr("abc"), "'abc'");
        assert_eq!(str_repr("it's"), "\"it's\"");
        assert_eq!(str_repr("'\""), "'\\'\"'");
        assert_eq!(
            str_repr("a\\b\tc\n\x00\x7f\u{a0}é"),
            "'a\\\\b\\tc\\n\\x00\\x7f\\xa0é'"
        );
        assert_eq!(
            str_repr("\u{200b}α\u{e000}\u{f0000}"),
            "'\\u200bα\\ue000\\U000f0000'"
        );
    }

    proptest! {
        #[test]
        fn str_repr_round_trips(text in "\\PC*|[\\x00-\\x7f\u{80}-\u{ff}'\"\\\\]*") {
            let repr = str_repr(&text);
            prop_assert_eq!(parse(&repr, OPTIONS).unwrap(), PyValue::Str(text));
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,64}|[\\[\\](){}'\",:0-9a-zA-Z\\\\ -]{0,64}") {
            let _ = parse(&text, OPTIONS);
        }
    }
}
