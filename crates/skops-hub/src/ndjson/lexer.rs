//! A push parser for NDJSON: bytes go in as they arrive, events come out, and one string
//! value (a file's base64 content) is streamed in pieces instead of being held whole.
//!
//! It accepts exactly JSON (RFC 8259), one object per line; a line break may only end a line.
//! Everything it buffers (keys, other strings, numbers) counts against a per-line budget.

use crate::error::RequestError;

/// Where the parser is inside a value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Expecting a value (or, with an empty stack, the start of a line).
    Value,
    /// After a value: `,`, a closing bracket, or the end of the line.
    AfterValue,
    /// After `{`: a key or `}`.
    KeyOrEnd,
    /// After `,` in an object: a key.
    Key,
    /// After a key: `:`.
    Colon,
    /// Inside a string.
    Str,
    /// Inside a number or `true`/`false`/`null`.
    Literal,
}

/// Progress through an escape sequence inside a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Escape {
    None,
    Backslash,
    /// `\u` and the hex digits read so far.
    Unicode {
        digits: u8,
        value: u32,
    },
}

/// An open container, with the key of the value being read in it.
#[derive(Debug)]
enum Frame {
    Object { key: Option<String> },
    Array,
}

/// What happens to a string value (the receiver decides when the string starts).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Target {
    /// Kept whole and handed over as a scalar.
    Buffer,
    /// Handed over in pieces ([`Receiver::content`]).
    Stream,
}

/// Receives the parser's events for each line.
pub(crate) trait Receiver {
    /// Line `line` (from 1) starts: its first byte that is not whitespace arrived.
    fn line_start(&mut self, line: u64);
    /// A string value starts at `path` (the object keys leading to it; `None` for an array
    /// element): buffer it or stream it?
    fn string_target(&mut self, path: &[Option<&str>]) -> Target;
    /// A piece of a streamed string (decoded: escapes resolved).
    fn content(&mut self, piece: &[u8]) -> Result<(), crate::Error>;
    /// The streamed string ended.
    fn content_end(&mut self) -> Result<(), crate::Error>;
    /// A scalar (buffered string, number, `true`, `false`, `null`) at `path`.
    fn scalar(&mut self, path: &[Option<&str>], value: serde_json::Value);
    /// The line ended (its top-level object closed).
    fn line_end(&mut self) -> Result<(), crate::Error>;
}

/// The parser's state across chunks.
#[derive(Debug)]
pub(crate) struct Lexer {
    state: State,
    stack: Vec<Frame>,
    /// The key or the buffered string or literal being read.
    text: Vec<u8>,
    /// Whether the string being read is a key.
    in_key: bool,
    target: Target,
    escape: Escape,
    /// A high surrogate waiting for its low half.
    high_surrogate: Option<u32>,
    /// Bytes buffered or structural on this line (streamed content excluded).
    budget_used: u64,
    budget: u64,
    max_depth: usize,
    /// The current line, from 1.
    line: u64,
    /// Whether anything but whitespace was seen on this line.
    line_started: bool,
}

impl Lexer {
    /// A parser whose lines may hold `budget` bytes besides streamed content, nested at most
    /// `max_depth` deep.
    pub(crate) fn new(budget: u64, max_depth: u32) -> Self {
        Self {
            state: State::Value,
            stack: Vec::new(),
            text: Vec::new(),
            in_key: false,
            target: Target::Buffer,
            escape: Escape::None,
            high_surrogate: None,
            budget_used: 0,
            budget,
            max_depth: max_depth as usize,
            line: 1,
            line_started: false,
        }
    }

    fn error(&self, message: impl Into<String>) -> crate::Error {
        RequestError::BadNdjson {
            line: self.line,
            message: message.into(),
        }
        .into()
    }

    fn spend(&mut self, n: usize) -> Result<(), crate::Error> {
        self.budget_used += n as u64;
        if self.budget_used > self.budget {
            return Err(RequestError::TooLong {
                what: format!("commit line {}", self.line),
                limit: self.budget,
            }
            .into());
        }
        Ok(())
    }

    /// The keys leading to the value being read.
    fn path(&self) -> Vec<Option<&str>> {
        self.stack
            .iter()
            .map(|frame| match frame {
                Frame::Object { key } => key.as_deref(),
                Frame::Array => None,
            })
            .collect()
    }

    /// Feeds the next bytes of the body.
    pub(crate) fn feed(
        &mut self,
        mut bytes: &[u8],
        receiver: &mut impl Receiver,
    ) -> Result<(), crate::Error> {
        while !bytes.is_empty() {
            if self.state == State::Str {
                let used = self.string_bytes(bytes, receiver)?;
                bytes = bytes.get(used..).unwrap_or_default();
                continue;
            }
            let Some((&byte, rest)) = bytes.split_first() else {
                break;
            };
            bytes = rest;
            self.structural(byte, receiver)?;
        }
        Ok(())
    }

    /// The body ended: a last line without a line break still counts.
    pub(crate) fn finish(&mut self, receiver: &mut impl Receiver) -> Result<(), crate::Error> {
        if self.state == State::Literal {
            self.end_literal(receiver)?;
        }
        if self.line_started {
            if self.state == State::AfterValue && self.stack.is_empty() {
                self.end_line(receiver)?;
            } else {
                return Err(self.error("the body ends inside a JSON value"));
            }
        }
        Ok(())
    }

    fn end_line(&mut self, receiver: &mut impl Receiver) -> Result<(), crate::Error> {
        receiver.line_end()?;
        self.line += 1;
        self.line_started = false;
        self.budget_used = 0;
        self.state = State::Value;
        Ok(())
    }

    /// One byte outside a string.
    fn structural(&mut self, byte: u8, receiver: &mut impl Receiver) -> Result<(), crate::Error> {
        if self.state == State::Literal {
            if matches!(byte, b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'+' | b'-' | b'.') {
                self.spend(1)?;
                self.text.push(byte);
                return Ok(());
            }
            self.end_literal(receiver)?;
        }
        if byte == b'\n' {
            if !self.line_started {
                // A blank line.
                self.line += 1;
                return Ok(());
            }
            if self.state == State::AfterValue && self.stack.is_empty() {
                return self.end_line(receiver);
            }
            return Err(self.error("the line ends inside a JSON value"));
        }
        if matches!(byte, b' ' | b'\t' | b'\r') {
            return Ok(());
        }
        self.spend(1)?;
        if !self.line_started {
            self.line_started = true;
            receiver.line_start(self.line);
        }
        match (self.state, byte) {
            (State::Value, b'{') => self.open(Frame::Object { key: None }, State::KeyOrEnd),
            (State::Value, b'[') if !self.stack.is_empty() => self.open(Frame::Array, State::Value),
            (State::Value, _) if self.stack.is_empty() => {
                Err(self.error("a line must be a JSON object"))
            }
            (State::Value, b']') if matches!(self.stack.last(), Some(Frame::Array)) => self.close(),
            (State::Value, b'"') => {
                let target = receiver.string_target(&self.path());
                self.start_string(false, target);
                if target == Target::Stream {
                    // Nothing to buffer: the content goes straight to the receiver.
                }
                Ok(())
            }
            (State::Value, b'-' | b'0'..=b'9' | b't' | b'f' | b'n') => {
                self.text.clear();
                self.text.push(byte);
                self.state = State::Literal;
                Ok(())
            }
            (State::KeyOrEnd, b'}') => self.close(),
            (State::KeyOrEnd | State::Key, b'"') => {
                self.start_string(true, Target::Buffer);
                Ok(())
            }
            (State::Colon, b':') => {
                self.state = State::Value;
                Ok(())
            }
            (State::AfterValue, b',') => {
                match self.stack.last_mut() {
                    Some(Frame::Object { key }) => {
                        *key = None;
                        self.state = State::Key;
                    }
                    Some(Frame::Array) => self.state = State::Value,
                    None => return Err(self.error("one JSON object per line")),
                }
                Ok(())
            }
            (State::AfterValue, b'}')
                if matches!(self.stack.last(), Some(Frame::Object { .. })) =>
            {
                self.close()
            }
            (State::AfterValue, b']') if matches!(self.stack.last(), Some(Frame::Array)) => {
                self.close()
            }
            (_, byte) => {
                Err(self.error(format!("unexpected {}", char::from(byte).escape_default())))
            }
        }
    }

    fn open(&mut self, frame: Frame, state: State) -> Result<(), crate::Error> {
        if self.stack.len() >= self.max_depth {
            return Err(self.error(format!("nested deeper than {}", self.max_depth)));
        }
        self.stack.push(frame);
        self.state = state;
        Ok(())
    }

    fn close(&mut self) -> Result<(), crate::Error> {
        self.stack.pop();
        self.state = State::AfterValue;
        Ok(())
    }

    fn start_string(&mut self, key: bool, target: Target) {
        self.text.clear();
        self.in_key = key;
        self.target = if key { Target::Buffer } else { target };
        self.escape = Escape::None;
        self.high_surrogate = None;
        self.state = State::Str;
    }

    /// Reads string bytes from the start of `bytes`; returns how many it used.
    fn string_bytes(
        &mut self,
        bytes: &[u8],
        receiver: &mut impl Receiver,
    ) -> Result<usize, crate::Error> {
        if self.escape == Escape::None && self.high_surrogate.is_none() {
            // The fast path: a run of plain characters.
            let run = bytes
                .iter()
                .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
                .unwrap_or(bytes.len());
            if run > 0 {
                let plain = bytes.get(..run).unwrap_or_default();
                self.emit(plain, receiver)?;
                return Ok(run);
            }
        }
        let Some(&byte) = bytes.first() else {
            return Ok(0);
        };
        match self.escape {
            Escape::None => match byte {
                b'"' if self.high_surrogate.is_none() => self.end_string(receiver)?,
                b'\\' => self.escape = Escape::Backslash,
                _ if self.high_surrogate.is_some() => {
                    return Err(self.error("a lone surrogate in a string"));
                }
                _ => return Err(self.error("a control character in a string")),
            },
            Escape::Backslash => {
                let decoded = match byte {
                    b'"' => b'"',
                    b'\\' => b'\\',
                    b'/' => b'/',
                    b'b' => 0x08,
                    b'f' => 0x0c,
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    b'u' => {
                        self.escape = Escape::Unicode {
                            digits: 0,
                            value: 0,
                        };
                        return Ok(1);
                    }
                    _ => return Err(self.error("an invalid escape in a string")),
                };
                if self.high_surrogate.is_some() {
                    return Err(self.error("a lone surrogate in a string"));
                }
                self.escape = Escape::None;
                self.emit(&[decoded], receiver)?;
            }
            Escape::Unicode { digits, value } => {
                let digit = char::from(byte)
                    .to_digit(16)
                    .ok_or_else(|| self.error("an invalid \\u escape"))?;
                let value = value * 16 + digit;
                if digits < 3 {
                    self.escape = Escape::Unicode {
                        digits: digits + 1,
                        value,
                    };
                } else {
                    self.escape = Escape::None;
                    self.code_point(value, receiver)?;
                }
            }
        }
        Ok(1)
    }

    fn code_point(&mut self, value: u32, receiver: &mut impl Receiver) -> Result<(), crate::Error> {
        let scalar = match (self.high_surrogate.take(), value) {
            (None, 0xD800..=0xDBFF) => {
                self.high_surrogate = Some(value);
                return Ok(());
            }
            (Some(high), 0xDC00..=0xDFFF) => 0x10000 + ((high - 0xD800) << 10) + (value - 0xDC00),
            (None, value) if !(0xDC00..=0xDFFF).contains(&value) => value,
            _ => return Err(self.error("a lone surrogate in a string")),
        };
        let c = char::from_u32(scalar).ok_or_else(|| self.error("an invalid \\u escape"))?;
        let mut utf8 = [0u8; 4];
        self.emit(c.encode_utf8(&mut utf8).as_bytes(), receiver)
    }

    fn emit(&mut self, piece: &[u8], receiver: &mut impl Receiver) -> Result<(), crate::Error> {
        match self.target {
            Target::Stream => receiver.content(piece),
            Target::Buffer => {
                self.spend(piece.len())?;
                self.text.extend_from_slice(piece);
                Ok(())
            }
        }
    }

    fn end_string(&mut self, receiver: &mut impl Receiver) -> Result<(), crate::Error> {
        self.state = if self.in_key {
            State::Colon
        } else {
            State::AfterValue
        };
        if self.target == Target::Stream {
            return receiver.content_end();
        }
        let text = String::from_utf8(std::mem::take(&mut self.text))
            .map_err(|_| self.error("a string is not valid UTF-8"))?;
        if self.in_key {
            if let Some(Frame::Object { key }) = self.stack.last_mut() {
                *key = Some(text);
            }
        } else {
            receiver.scalar(&self.path(), serde_json::Value::String(text));
        }
        Ok(())
    }

    fn end_literal(&mut self, receiver: &mut impl Receiver) -> Result<(), crate::Error> {
        let value = std::str::from_utf8(&self.text)
            .ok()
            .and_then(|text| serde_json::from_str::<serde_json::Value>(text).ok())
            .filter(|value| !value.is_string() && !value.is_object() && !value.is_array())
            .ok_or_else(|| {
                self.error(format!(
                    "`{}` is not a JSON value",
                    String::from_utf8_lossy(&self.text)
                ))
            })?;
        receiver.scalar(&self.path(), value);
        self.state = State::AfterValue;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects events as text, streaming `value.content`.
    #[derive(Default)]
    struct Log {
        events: Vec<String>,
        content: Vec<u8>,
    }

    impl Receiver for Log {
        fn line_start(&mut self, _line: u64) {}
        fn string_target(&mut self, path: &[Option<&str>]) -> Target {
            if path == [Some("value"), Some("content")] {
                Target::Stream
            } else {
                Target::Buffer
            }
        }
        fn content(&mut self, piece: &[u8]) -> Result<(), crate::Error> {
            self.content.extend_from_slice(piece);
            Ok(())
        }
        fn content_end(&mut self) -> Result<(), crate::Error> {
            self.events.push(format!(
                "content={}",
                String::from_utf8_lossy(&self.content)
            ));
            self.content.clear();
            Ok(())
        }
        fn scalar(&mut self, path: &[Option<&str>], value: serde_json::Value) {
            let path: Vec<_> = path.iter().map(|k| k.unwrap_or("[]")).collect();
            self.events.push(format!("{}={value}", path.join(".")));
        }
        fn line_end(&mut self) -> Result<(), crate::Error> {
            self.events.push("eol".into());
            Ok(())
        }
    }

    fn run(input: &str, chunk: usize) -> Result<Vec<String>, String> {
        let mut lexer = Lexer::new(1000, 8);
        let mut log = Log::default();
        for piece in input.as_bytes().chunks(chunk) {
            lexer
                .feed(piece, &mut log)
                .map_err(|e| e.kind().to_owned())?;
        }
        lexer.finish(&mut log).map_err(|e| e.kind().to_owned())?;
        Ok(log.events)
    }

    #[test]
    fn events_are_the_same_whatever_the_chunking() {
        let input = "{\"key\":\"file\",\"value\":{\"content\":\"aGk\\/\\u00e9\",\"path\":\"a\\\"b\",\"n\":[1,-2.5e3,true,null],\"x\":{}}}\n\n{\"key\": \"h\"}";
        let expected = run(input, input.len()).unwrap();
        assert_eq!(
            expected,
            [
                "key=\"file\"",
                "content=aGk/é",
                "value.path=\"a\\\"b\"",
                "value.n.[]=1",
                "value.n.[]=-2500.0",
                "value.n.[]=true",
                "value.n.[]=null",
                "eol",
                "key=\"h\"",
                "eol",
            ]
        );
        for chunk in 1..8 {
            assert_eq!(run(input, chunk).unwrap(), expected, "chunk {chunk}");
        }
    }

    #[test]
    fn malformed_lines_are_refused() {
        for bad in [
            "[1]\n",
            "{\"a\":1\n}\n",
            "{\"a\":tru}\n",
            "{\"a\" 1}\n",
            "{\"a\":1,}\n",
            "{\"a\":\"\\x\"}\n",
            "{\"a\":\"\\ud800\"}\n",
            "{\"a\":\"tab\there\"}\n",
            "{\"a\":1} {\"b\":2}\n",
            "{\"a\":",
            "{\"a\":[[[[[[[[[[1]]]]]]]]]]}\n",
        ] {
            assert_eq!(run(bad, 3), Err("request-bad-ndjson".to_owned()), "{bad:?}");
        }
        let long = format!("{{\"a\":\"{}\"}}\n", "x".repeat(2000));
        assert_eq!(run(&long, 64), Err("request-too-long".to_owned()));
    }
}
