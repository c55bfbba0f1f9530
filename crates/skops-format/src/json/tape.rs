//! A parsed JSON text as one flat array of tokens that borrow their strings from the text:
//! what `schema.json` is read through, instead of a tree of owned [`Value`]s.
//!
//! Reading a schema into a [`Value`] tree and then into the typed schema allocated every key,
//! string and object of the file and moved each value several times: for a text pipeline's
//! 10 MB schema that tree cost more than the typed schema built from it. A [`Tape`] is one
//! vector of 12-byte tokens in document order (a container token records where it ends, so a
//! reader skips a whole subtree in one step), and a string without escapes is a range of the
//! source, so a plain schema is parsed with a single growing allocation. [`TapeValue`] offers
//! the read-only part of [`Value`]'s interface with the same Python semantics (the last of
//! duplicate keys wins, [`TapeObject::dict_entries`] is what a Python `dict` holds), and
//! [`TapeValue::to_value`] builds the owned value where one is kept.

use super::number::{integer_text_as_u64, is_integer_text};
use super::{Number, Object, Text, Value, python_dict_entries};

/// One JSON value, or the start of one, in a [`Tape`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Token {
    Null,
    True,
    False,
    /// A number (or `NaN`, `Infinity`, `-Infinity`): `len` bytes of the source at `start`.
    Number {
        start: u32,
        len: u32,
    },
    /// A string without escapes: `len` bytes of the source at `start` (quotes excluded).
    Plain {
        start: u32,
        len: u32,
    },
    /// A string that needed decoding: the index of its [`Text`] in the tape.
    Decoded(u32),
    /// An array of `len` items; `end` is the index of the token after its last item.
    Array {
        len: u32,
        end: u32,
    },
    /// An object of `len` members (each a string token, then the value); `end` as for arrays.
    Object {
        len: u32,
        end: u32,
    },
}

/// A parsed JSON text (see the module documentation). Made by [`super::parse_tape`].
#[derive(Debug)]
pub struct Tape<'s> {
    /// The source as a `str`, when it holds no encoded surrogate; plain strings borrow it.
    pub(super) source: &'s str,
    pub(super) bytes: &'s [u8],
    pub(super) tokens: Vec<Token>,
    pub(super) decoded: Vec<Text>,
}

impl Tape<'_> {
    /// The top-level value.
    pub fn root(&self) -> TapeValue<'_> {
        TapeValue {
            tape: self,
            index: 0,
        }
    }

    fn token(&self, index: usize) -> Token {
        self.tokens.get(index).copied().unwrap_or(Token::Null)
    }

    fn slice(&self, start: u32, len: u32) -> &[u8] {
        let start = start as usize;
        self.bytes
            .get(start..start + len as usize)
            .unwrap_or_default()
    }

    fn str_at(&self, start: u32, len: u32) -> &str {
        let start = start as usize;
        self.source
            .get(start..start + len as usize)
            .unwrap_or_default()
    }
}

/// A value of a [`Tape`].
#[derive(Debug, Clone, Copy)]
pub struct TapeValue<'t> {
    tape: &'t Tape<'t>,
    index: usize,
}

impl<'t> TapeValue<'t> {
    fn token(self) -> Token {
        self.tape.token(self.index)
    }

    /// The index of the token after this value (and everything in it).
    fn end(self) -> usize {
        match self.token() {
            Token::Array { end, .. } | Token::Object { end, .. } => end as usize,
            _ => self.index + 1,
        }
    }

    fn at(self, index: usize) -> Self {
        Self {
            tape: self.tape,
            index,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(self) -> bool {
        self.token() == Token::Null
    }

    /// The string, surrogates included.
    pub fn as_text(self) -> Option<TapeText<'t>> {
        match self.token() {
            Token::Plain { start, len } => Some(TapeText::Plain(self.tape.str_at(start, len))),
            Token::Decoded(index) => self.tape.decoded.get(index as usize).map(TapeText::Decoded),
            _ => None,
        }
    }

    /// The string, when this is a string without surrogates.
    pub fn as_str(self) -> Option<&'t str> {
        self.as_text().and_then(TapeText::as_str)
    }

    /// The object, when this is an object.
    pub fn as_object(self) -> Option<TapeObject<'t>> {
        match self.token() {
            Token::Object { len, .. } => Some(TapeObject {
                value: self,
                len: len as usize,
            }),
            _ => None,
        }
    }

    /// The array, when this is an array.
    pub fn as_array(self) -> Option<TapeArray<'t>> {
        match self.token() {
            Token::Array { len, .. } => Some(TapeArray {
                value: self,
                len: len as usize,
            }),
            _ => None,
        }
    }

    /// The number's source text, when this is a number.
    fn number_text(self) -> Option<&'t str> {
        match self.token() {
            // Numbers are ASCII.
            Token::Number { start, len } => std::str::from_utf8(self.tape.slice(start, len)).ok(),
            _ => None,
        }
    }

    /// The number, when this is a number.
    pub fn as_number(self) -> Option<Number> {
        self.number_text()
            .map(|text| Number::from_checked_text(text.to_owned()))
    }

    /// The value as a `u64`, when it is a non-negative integer that fits (as
    /// [`Number::as_u64`]).
    pub fn as_u64(self) -> Option<u64> {
        self.number_text().and_then(integer_text_as_u64)
    }

    /// The name of this value's JSON type, as [`Value::type_name`].
    pub fn type_name(self) -> &'static str {
        match self.token() {
            Token::Null => "null",
            Token::True | Token::False => "boolean",
            Token::Number { .. } => match self.number_text() {
                Some(text) if is_integer_text(text) => "integer",
                _ => "float",
            },
            Token::Plain { .. } | Token::Decoded(_) => "string",
            Token::Array { .. } => "array",
            Token::Object { .. } => "object",
        }
    }

    /// What Python's `repr()` prints for this value, as [`Value::python_repr`].
    pub fn python_repr(self) -> String {
        self.to_value().python_repr()
    }

    /// The value as an owned [`Value`]. Built without recursion: the tape is in document
    /// order, so one pass over this value's tokens with a stack of open containers suffices.
    pub fn to_value(self) -> Value {
        enum Open {
            Array(Vec<Value>, usize),
            Object(Object, usize, Text),
        }
        let mut stack: Vec<Open> = Vec::new();
        let mut index = self.index;
        loop {
            let here = self.at(index);
            index += 1;
            let mut value = match here.token() {
                Token::Null => Value::Null,
                Token::True => Value::Bool(true),
                Token::False => Value::Bool(false),
                Token::Number { .. } => here.as_number().map_or(Value::Null, Value::Number),
                Token::Plain { .. } | Token::Decoded(_) => {
                    Value::String(here.as_text().map(TapeText::to_text).unwrap_or_default())
                }
                Token::Array { len: 0, .. } => Value::Array(Vec::new()),
                Token::Object { len: 0, .. } => Value::Object(Object::new()),
                Token::Array { len, .. } => {
                    stack.push(Open::Array(Vec::with_capacity(len as usize), len as usize));
                    continue;
                }
                Token::Object { len, .. } => {
                    let key = self.at(index).key_text();
                    index += 1;
                    let object = Object::with_capacity(len as usize);
                    stack.push(Open::Object(object, len as usize, key));
                    continue;
                }
            };
            // Attach the finished value, closing the containers it completes.
            loop {
                match stack.last_mut() {
                    None => return value,
                    Some(Open::Array(items, remaining)) => {
                        items.push(value);
                        *remaining -= 1;
                        if *remaining > 0 {
                            break;
                        }
                        value = match stack.pop() {
                            Some(Open::Array(items, _)) => Value::Array(items),
                            _ => Value::Null,
                        };
                    }
                    Some(Open::Object(object, remaining, key)) => {
                        object.push(std::mem::take(key), value);
                        *remaining -= 1;
                        if *remaining > 0 {
                            *key = self.at(index).key_text();
                            index += 1;
                            break;
                        }
                        value = match stack.pop() {
                            Some(Open::Object(object, _, _)) => Value::Object(object),
                            _ => Value::Null,
                        };
                    }
                }
            }
        }
    }

    /// A member name (always a string token).
    fn key_text(self) -> Text {
        self.as_text().map(TapeText::to_text).unwrap_or_default()
    }
}

/// A string of a [`Tape`]: borrowed from the source, or decoded.
#[derive(Debug, Clone, Copy)]
pub enum TapeText<'t> {
    /// A string without escapes, as it stands in the source.
    Plain(&'t str),
    /// A string with escapes or surrogates, decoded.
    Decoded(&'t Text),
}

impl<'t> TapeText<'t> {
    /// The string, unless it holds a surrogate.
    pub fn as_str(self) -> Option<&'t str> {
        match self {
            Self::Plain(text) => Some(text),
            Self::Decoded(text) => text.as_str(),
        }
    }

    /// The code points encoded as `str.encode("utf-8", "surrogatepass")` does (see
    /// [`Text::surrogatepass_bytes`]): equal strings have equal bytes.
    pub fn surrogatepass_bytes(self) -> &'t [u8] {
        match self {
            Self::Plain(text) => text.as_bytes(),
            Self::Decoded(text) => text.surrogatepass_bytes(),
        }
    }

    /// The string as an owned [`Text`].
    pub fn to_text(self) -> Text {
        match self {
            Self::Plain(text) => Text::from(text),
            Self::Decoded(text) => text.clone(),
        }
    }
}

impl PartialEq for TapeText<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.surrogatepass_bytes() == other.surrogatepass_bytes()
    }
}

impl Eq for TapeText<'_> {}

impl std::hash::Hash for TapeText<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.surrogatepass_bytes().hash(state);
    }
}

impl PartialEq<&str> for TapeText<'_> {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == Some(*other)
    }
}

/// An object of a [`Tape`]: its members in source order, duplicate keys kept.
#[derive(Debug, Clone, Copy)]
pub struct TapeObject<'t> {
    value: TapeValue<'t>,
    len: usize,
}

impl<'t> TapeObject<'t> {
    /// The number of members, duplicates included.
    pub fn len(self) -> usize {
        self.len
    }

    /// Whether there are no members.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The members in source order, duplicates included.
    pub fn iter(self) -> impl Iterator<Item = (TapeText<'t>, TapeValue<'t>)> {
        let value = self.value;
        let mut next = value.index + 1;
        (0..self.len).map(move |_| {
            let key = value.at(next);
            let member = value.at(next + 1);
            next = member.end();
            (key.as_text().unwrap_or(TapeText::Plain("")), member)
        })
    }

    /// The keys in source order, duplicates included.
    pub fn keys(self) -> impl Iterator<Item = TapeText<'t>> {
        self.iter().map(|(key, _)| key)
    }

    /// The value of `key`; when the key is repeated, the last one wins, as in Python.
    pub fn get(self, key: &str) -> Option<TapeValue<'t>> {
        self.iter()
            .filter(|(name, _)| *name == key)
            .last()
            .map(|(_, value)| value)
    }

    /// The members a Python `dict` built from this object holds, in its iteration order:
    /// each distinct key once, at the position of its first occurrence, with its last value
    /// (as [`Object::dict_entries`]).
    pub fn dict_entries(self) -> Vec<(TapeText<'t>, TapeValue<'t>)> {
        python_dict_entries(self.iter().collect())
    }
}

/// An array of a [`Tape`].
#[derive(Debug, Clone, Copy)]
pub struct TapeArray<'t> {
    value: TapeValue<'t>,
    len: usize,
}

impl<'t> TapeArray<'t> {
    /// The number of items.
    pub fn len(self) -> usize {
        self.len
    }

    /// Whether there are no items.
    pub fn is_empty(self) -> bool {
        self.len == 0
    }

    /// The items in order.
    pub fn iter(self) -> impl Iterator<Item = TapeValue<'t>> {
        let value = self.value;
        let mut next = value.index + 1;
        (0..self.len).map(move |_| {
            let item = value.at(next);
            next = item.end();
            item
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{parse, parse_tape};
    use super::*;

    const SAMPLE: &[u8] = br#"{"a": 1, "b": [true, null, {"c": "x\u00e9"}], "a": 3, "\ud800": "s",
        "d": {}, "e": [], "f": -0, "g": 1.5, "h": NaN, "\ud800": "t"}"#;

    /// Every accessor of the tape agrees with the owned value Python's semantics are
    /// defined on.
    #[test]
    fn the_tape_reads_as_the_value_does() {
        let tape = parse_tape(SAMPLE, 8).unwrap();
        let value = parse(SAMPLE, 8).unwrap();
        assert_eq!(tape.root().to_value(), value);
        let object = tape.root().as_object().unwrap();
        let owned = value.as_object().unwrap();
        assert_eq!(object.len(), owned.len());
        for key in ["a", "b", "d", "e", "f", "g", "h", "missing"] {
            assert_eq!(
                object.get(key).map(TapeValue::to_value).as_ref(),
                owned.get(key),
                "{key}"
            );
        }
        let entries: Vec<(Text, Value)> = object
            .dict_entries()
            .into_iter()
            .map(|(key, value)| (key.to_text(), value.to_value()))
            .collect();
        let expected: Vec<(Text, Value)> = owned
            .dict_entries()
            .into_iter()
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        assert_eq!(entries, expected);
        // The surrogate key is one key, with its last value.
        assert_eq!(entries.len(), 8);
        assert_eq!(entries[2].1, Value::from("t"));

        let types: Vec<&str> = object.iter().map(|(_, v)| v.type_name()).collect();
        assert_eq!(
            types,
            [
                "integer", "array", "integer", "string", "object", "array", "integer", "float",
                "float", "string"
            ]
        );
        assert_eq!(object.get("f").and_then(TapeValue::as_u64), Some(0));
        assert_eq!(object.get("g").and_then(TapeValue::as_u64), None);
        let items: Vec<Value> = object
            .get("b")
            .and_then(TapeValue::as_array)
            .unwrap()
            .iter()
            .map(TapeValue::to_value)
            .collect();
        assert_eq!(items, owned.get("b").unwrap().as_array().unwrap());
    }

    /// A string with an escape is decoded; one without stays a range of the source.
    #[test]
    fn plain_strings_borrow_the_source() {
        let tape = parse_tape(br#"["plain", "esc\"aped"]"#, 2).unwrap();
        let items: Vec<TapeText<'_>> = tape
            .root()
            .as_array()
            .unwrap()
            .iter()
            .map(|item| item.as_text().unwrap())
            .collect();
        assert!(matches!(items[0], TapeText::Plain("plain")));
        assert!(matches!(items[1], TapeText::Decoded(text) if text == "esc\"aped"));
    }
}
