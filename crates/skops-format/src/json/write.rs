//! Writers: `json.dumps` (pretty and compact) and Python's `repr()`, all without recursion.

use super::{Piece, Text, Value};

/// `json.dumps(value, indent=2)`, byte for byte: 2-space indent, `,` at line ends, `": "`
/// between key and value, `[]`/`{}` for empty containers, `ensure_ascii` escapes, no trailing
/// newline.
///
/// The output is what Python writes for the value `json.loads` makes of `value`: numbers as
/// [`super::Number::to_python_text`], and objects as [`super::Object::dict_entries`] (a repeated
/// key is written once, where it first appeared, with its last value).
pub fn to_string_pretty(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, Style::Pretty, &mut out);
    out
}

/// `json.dumps(value)`, byte for byte: separators `", "` and `": "`, `ensure_ascii` escapes.
pub fn to_string_compact(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, Style::Compact, &mut out);
    out
}

/// Python's `repr()` of what `json.loads` makes of `value`.
pub(super) fn python_repr(value: &Value, out: &mut String) {
    write_value(value, Style::PythonRepr, out);
}

#[derive(Clone, Copy, PartialEq)]
enum Style {
    Pretty,
    Compact,
    PythonRepr,
}

/// A container being written: the members still to write, and whether one was written.
enum Frame<'a> {
    Array(std::slice::Iter<'a, Value>, bool),
    Object(std::vec::IntoIter<(&'a Text, &'a Value)>, bool),
}

fn write_value(root: &Value, style: Style, out: &mut String) {
    let mut stack: Vec<Frame<'_>> = Vec::new();
    let mut next = Some(root);
    loop {
        if let Some(value) = next.take() {
            match value {
                Value::Array(items) if !items.is_empty() => {
                    out.push('[');
                    stack.push(Frame::Array(items.iter(), false));
                }
                Value::Object(object) if !object.is_empty() => {
                    out.push('{');
                    // Python writes the dict `json.loads` built: duplicates collapsed.
                    stack.push(Frame::Object(object.dict_entries().into_iter(), false));
                }
                scalar => write_scalar(scalar, style, out),
            }
        }
        let depth = stack.len();
        let Some(frame) = stack.last_mut() else {
            return;
        };
        let (started, member) = match frame {
            Frame::Array(items, started) => (started, items.next().map(|item| (None, item))),
            Frame::Object(members, started) => (
                started,
                members.next().map(|(key, value)| (Some(key), value)),
            ),
        };
        match member {
            Some((key, value)) => {
                if *started {
                    out.push(',');
                    if style != Style::Pretty {
                        out.push(' ');
                    }
                }
                *started = true;
                if style == Style::Pretty {
                    newline(out, depth);
                }
                if let Some(key) = key {
                    if style == Style::PythonRepr {
                        write_python_str(key, out);
                    } else {
                        write_json_str(key, out);
                    }
                    out.push_str(": ");
                }
                next = Some(value);
            }
            None => {
                let close = if matches!(frame, Frame::Array(..)) {
                    ']'
                } else {
                    '}'
                };
                stack.pop();
                if style == Style::Pretty {
                    newline(out, depth - 1);
                }
                out.push(close);
            }
        }
    }
}

fn newline(out: &mut String, depth: usize) {
    out.push('\n');
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn write_scalar(value: &Value, style: Style, out: &mut String) {
    let python = style == Style::PythonRepr;
    match value {
        Value::Null => out.push_str(if python { "None" } else { "null" }),
        Value::Bool(true) => out.push_str(if python { "True" } else { "true" }),
        Value::Bool(false) => out.push_str(if python { "False" } else { "false" }),
        Value::Number(number) => {
            let text = number.to_python_text();
            if python {
                out.push_str(match text.as_str() {
                    "NaN" => "nan",
                    "Infinity" => "inf",
                    "-Infinity" => "-inf",
                    other => other,
                });
            } else {
                out.push_str(&text);
            }
        }
        Value::String(text) if python => write_python_str(text, out),
        Value::String(text) => write_json_str(text, out),
        // Empty containers (non-empty ones are frames).
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

/// A string as `json.dumps` writes it with `ensure_ascii=True` (a surrogate as `\ud800`).
fn write_json_str(text: &Text, out: &mut String) {
    out.push('"');
    for piece in text.pieces() {
        match piece {
            Piece::Str(run) => write_json_run(run, out),
            Piece::Surrogate(unit) => out.push_str(&format!("\\u{unit:04x}")),
        }
    }
    out.push('"');
}

fn write_json_run(text: &str, out: &mut String) {
    super::escape::escape_into(out, text);
}

/// A string as Python's `repr()` writes it: single quotes unless the text holds `'` and no `"`.
///
/// Non-printable characters are escaped like Python does for control characters, the
/// separators and surrogates; Python's full `str.isprintable` table (e.g. for unassigned code
/// points) is not reproduced.
pub(super) fn write_python_str(text: &Text, out: &mut String) {
    let holds = |wanted: char| {
        text.pieces()
            .any(|piece| matches!(piece, Piece::Str(run) if run.contains(wanted)))
    };
    let quote = if holds('\'') && !holds('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for piece in text.pieces() {
        match piece {
            Piece::Str(run) => write_python_run(run, quote, out),
            Piece::Surrogate(unit) => out.push_str(&format!("\\u{unit:04x}")),
        }
    }
    out.push(quote);
}

fn write_python_run(text: &str, quote: char, out: &mut String) {
    for ch in text.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ if ch == quote => {
                out.push('\\');
                out.push(ch);
            }
            _ if ch.is_control()
                || (ch.is_whitespace() && ch != ' ')
                || matches!(ch, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{feff}') =>
            {
                let code = u32::from(ch);
                if code <= 0xff {
                    out.push_str(&format!("\\x{code:02x}"));
                } else if code <= 0xffff {
                    out.push_str(&format!("\\u{code:04x}"));
                } else {
                    out.push_str(&format!("\\U{code:08x}"));
                }
            }
            _ => out.push(ch),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::text::TextBuf;
    use super::super::{Number, Object, parse};
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pretty_layout() {
        let value = parse(br#"{"a": [1, {}, [], {"b": null}], "c": "\u00e9"}"#, 8).unwrap();
        assert_eq!(
            to_string_pretty(&value),
            "{\n  \"a\": [\n    1,\n    {},\n    [],\n    {\n      \"b\": null\n    }\n  ],\n  \"c\": \"\\u00e9\"\n}"
        );
        assert_eq!(
            to_string_compact(&value),
            r#"{"a": [1, {}, [], {"b": null}], "c": "\u00e9"}"#
        );
        assert_eq!(to_string_pretty(&Value::Array(vec![])), "[]");
        assert_eq!(to_string_pretty(&Value::Object(Object::new())), "{}");
    }

    #[test]
    fn numbers_are_written_as_python_writes_them() {
        let value = parse(b"[1E5, -0, 1.50, 1e400, NaN, 12345678901234567890123]", 2).unwrap();
        assert_eq!(
            to_string_compact(&value),
            "[100000.0, 0, 1.5, Infinity, NaN, 12345678901234567890123]"
        );
    }

    #[test]
    fn ascii_escapes() {
        let value = Value::from("\u{0}\u{1f}\u{7f}é\u{ffff}😀\"\\/");
        assert_eq!(
            to_string_compact(&value),
            r#""\u0000\u001f\u007f\u00e9\uffff\ud83d\ude00\"\\/""#
        );
    }

    #[test]
    fn deep_values_are_written_without_recursion() {
        let mut value = Value::Null;
        for _ in 0..100_000 {
            value = Value::Array(vec![value]);
        }
        let text = to_string_compact(&value);
        assert_eq!(text.len(), 200_004);
        // Dropping a deep value recurses, so take it apart by hand.
        let mut current = value;
        while let Value::Array(mut items) = current {
            current = items.pop().unwrap_or(Value::Null);
        }
    }

    fn arb_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            any::<f64>().prop_map(|x| Value::Number(Number::from_f64(x))),
            "-?[1-9][0-9]{20,40}"
                .prop_map(|digits| Value::Number(Number::from_text(&digits).unwrap())),
            any::<String>().prop_map(Value::from),
            arb_points().prop_map(|points| Value::String(text_of(&joined(&points)))),
        ];
        leaf.prop_recursive(6, 64, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                // Unique keys: a repeated key is written once, as Python does.
                prop::collection::btree_map(any::<String>(), inner.clone(), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
                // Keys with lone surrogates (distinct once Python has joined pairs).
                prop::collection::btree_map(arb_points().prop_map(|p| joined(&p)), inner, 0..4)
                    .prop_map(|members| Value::Object(
                        members
                            .into_iter()
                            .map(|(key, value)| (text_of(&key), value))
                            .collect()
                    )),
            ]
        })
    }

    /// Code points, a quarter of them surrogates.
    fn arb_points() -> impl Strategy<Value = Vec<u32>> {
        prop::collection::vec(
            prop_oneof![3 => any::<char>().prop_map(u32::from), 1 => 0xd800u32..0xe000],
            0..10,
        )
    }

    fn text_of(points: &[u32]) -> Text {
        let mut buf = TextBuf::default();
        for &point in points {
            match char::from_u32(point) {
                Some(ch) => buf.push(ch),
                None => buf.push_surrogate(u16::try_from(point).unwrap()),
            }
        }
        buf.finish()
    }

    /// What `json.loads(json.dumps(s))` gives for a `str` of these code points: `json.dumps`
    /// writes a high surrogate followed by a low one as the escape pair of one character.
    fn joined(points: &[u32]) -> Vec<u32> {
        let mut out: Vec<u32> = Vec::new();
        for &point in points {
            match out.last_mut() {
                Some(high @ 0xd800..=0xdbff) if (0xdc00..0xe000).contains(&point) => {
                    *high = 0x10000 + ((*high - 0xd800) << 10) + (point - 0xdc00);
                }
                _ => out.push(point),
            }
        }
        out
    }

    #[test]
    fn surrogates_are_escaped_as_python_escapes_them() {
        // json.dumps('a\ud800\udc00\udfff\U00010000"') and its repr().
        let value = Value::String(text_of(&[0x61, 0xd800, 0xdc00, 0xdfff, 0x10000, 0x22]));
        assert_eq!(
            to_string_compact(&value),
            r#""a\ud800\udc00\udfff\ud800\udc00\"""#
        );
        assert_eq!(value.python_repr(), "'a\\ud800\\udc00\\udfff\u{10000}\"'");
        let key = Value::Object(vec![(text_of(&[0xdbff, 0x27]), Value::Null)].into());
        assert_eq!(to_string_compact(&key), r#"{"\udbff'": null}"#);
        assert_eq!(key.python_repr(), r#"{"\udbff'": None}"#);
    }

    proptest! {
        #[test]
        fn surrogate_pairs_read_back_as_python_reads_them(points in arb_points()) {
            let written = to_string_compact(&Value::String(text_of(&points)));
            prop_assert!(written.is_ascii());
            let read = parse(written.as_bytes(), 1).unwrap();
            prop_assert_eq!(read, Value::String(text_of(&joined(&points))));
        }

        #[test]
        fn pretty_and_compact_round_trip(value in arb_value()) {
            let pretty = to_string_pretty(&value);
            prop_assert!(pretty.is_ascii());
            prop_assert_eq!(&parse(pretty.as_bytes(), 64).unwrap(), &value);
            let compact = to_string_compact(&value);
            prop_assert_eq!(&parse(compact.as_bytes(), 64).unwrap(), &value);
        }
    }
}
