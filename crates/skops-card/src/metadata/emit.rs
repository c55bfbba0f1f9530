//! [`Value`] -> YAML text in PyYAML's block style (`yaml.dump(..., sort_keys=False)`, what
//! `huggingface_hub` writes): two-space indents, sequences inside mappings not indented,
//! strings plain when that reads back as the same string and quoted otherwise.

use skops_format::json::python_float_repr;

use super::Value;

/// A whole mapping as block YAML, every line ending in a newline.
pub fn emit_mapping(entries: &[(String, Value)]) -> String {
    let mut out = String::new();
    write_mapping(&mut out, entries, 0);
    out
}

/// One scalar as it appears after `key: ` (collections are emitted in flow style here).
pub fn emit_scalar(value: &Value) -> String {
    match value {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => if *b { "true" } else { "false" }.to_owned(),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => yaml_float(*f),
        Value::String(s) => quote_if_needed(s),
        Value::List(items) => {
            let inner: Vec<String> = items.iter().map(emit_scalar).collect();
            format!("[{}]", inner.join(", "))
        }
        Value::Map(entries) => {
            let inner: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}: {}", quote_if_needed(k), emit_scalar(v)))
                .collect();
            format!("{{{}}}", inner.join(", "))
        }
    }
}

fn write_mapping(out: &mut String, entries: &[(String, Value)], indent: usize) {
    for (index, (key, value)) in entries.iter().enumerate() {
        // The first entry of a mapping inside a sequence item follows the `- ` directly.
        if index > 0 || !out.ends_with("- ") {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        out.push_str(&quote_if_needed(key));
        out.push(':');
        match value {
            Value::List(items) if !items.is_empty() => {
                out.push('\n');
                write_sequence(out, items, indent);
            }
            Value::Map(inner) if !inner.is_empty() => {
                out.push('\n');
                write_mapping(out, inner, indent + 2);
            }
            scalar => {
                out.push(' ');
                out.push_str(&emit_scalar(scalar));
                out.push('\n');
            }
        }
    }
}

fn write_sequence(out: &mut String, items: &[Value], indent: usize) {
    for item in items {
        if !out.ends_with("- ") {
            out.extend(std::iter::repeat_n(' ', indent));
        }
        out.push_str("- ");
        match item {
            Value::List(inner) if !inner.is_empty() => write_sequence(out, inner, indent + 2),
            Value::Map(inner) if !inner.is_empty() => write_mapping(out, inner, indent + 2),
            scalar => {
                out.push_str(&emit_scalar(scalar));
                out.push('\n');
            }
        }
    }
}

/// PyYAML's float form: `repr(f).lower()`, with `.0` added before a bare exponent, and
/// `.inf`/`-.inf`/`.nan`.
fn yaml_float(value: f64) -> String {
    if value.is_nan() {
        return ".nan".to_owned();
    }
    if value.is_infinite() {
        return if value > 0.0 { ".inf" } else { "-.inf" }.to_owned();
    }
    let repr = python_float_repr(value);
    if !repr.contains('.') && repr.contains('e') {
        repr.replacen('e', ".0e", 1)
    } else {
        repr
    }
}

/// The string as a plain scalar when that is unambiguous, else single- or double-quoted.
pub(crate) fn quote_if_needed(text: &str) -> String {
    if is_plain_safe(text) {
        return text.to_owned();
    }
    if text.chars().all(|c| !c.is_control() && is_printable(c)) {
        return format!("'{}'", text.replace('\'', "''"));
    }
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32 & 0xff)),
            // Outside YAML's printable set (`U+FFFE`, `U+FFFF`): readers refuse it raw.
            c if !is_printable(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Whether `c` is in YAML's printable set (`c-printable`): tab, the line breaks, and every
/// character but the other C0 and C1 controls, `U+FFFE` and `U+FFFF`. Other characters may
/// appear only escaped in double quotes; YAML readers (PyYAML, the Hub's) refuse them raw,
/// and yaml-rust2 reads a NUL as the end of the text.
pub(crate) fn is_printable(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | ' '..='~' | '\u{85}' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}')
        || c >= '\u{10000}'
}

/// Whether `text` can be written unquoted and read back as the same string (by both YAML 1.1
/// readers like PyYAML and YAML 1.2 readers like the Hub's).
fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else {
        return false;
    };
    if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first) {
        // `-` and `?`/`:` may start a plain scalar when followed by a non-space, but PyYAML
        // quotes them anyway except for a leading `-` in words like `-x`.
        let dash_word =
            first == '-' && text.len() > 1 && !text.starts_with("- ") && !text.starts_with("---");
        if !dash_word {
            return false;
        }
    }
    if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
        return false;
    }
    if text
        .chars()
        .any(|c| c.is_control() || c == '\u{feff}' || !is_printable(c))
    {
        return false;
    }
    if text.contains([',', '[', ']', '{', '}']) {
        // Safe in block context, but quoting keeps the value valid if ever moved into a flow
        // collection (PyYAML does the same for flow indicators).
        return false;
    }
    // Anything that would read back as another type must be quoted.
    !reads_as_non_string(text)
}

/// Whether a YAML 1.1 or 1.2 reader would resolve `text` to something other than a string.
fn reads_as_non_string(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if matches!(
        lower.as_str(),
        "null"
            | "~"
            | "true"
            | "false"
            | "yes"
            | "no"
            | "on"
            | "off"
            | "y"
            | "n"
            | ".inf"
            | "-.inf"
            | "+.inf"
            | ".nan"
            | "="
    ) {
        return true;
    }
    // Numbers in any YAML 1.1 or 1.2 spelling (`1_000`, `0x1f`, `1:30`, `.5`, `1e3`) start
    // with a digit or a dot after the sign; over-quoting the rare word that merely looks like
    // one is harmless.
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    body.starts_with(|c: char| c.is_ascii_digit() || c == '.')
        && body.chars().all(|c| {
            c.is_ascii_hexdigit()
                || matches!(c, '.' | '_' | 'e' | 'E' | '+' | '-' | ':' | 'x' | 'o')
        })
        && body.chars().any(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floats_like_pyyaml() {
        for (value, repr) in [
            (0.1, "0.1"),
            (1.0, "1.0"),
            // PyYAML adds `.0` to a mantissa without a point, so that YAML 1.1 reads a float.
            (1e16, "1.0e+16"),
            (1.5e-5, "1.5e-05"),
            (0.0001, "0.0001"),
            (123456789.125, "123456789.125"),
            (-2.5, "-2.5"),
            (1e15, "1000000000000000.0"),
            // An exact tie between two shortest candidates: Python rounds half to even (the
            // card's own copy of the repr once printed ...563 here).
            (0.0015344619750976562, "0.0015344619750976562"),
        ] {
            assert_eq!(yaml_float(value), repr);
        }
        assert_eq!(yaml_float(-1e-300), "-1.0e-300");
        assert_eq!(yaml_float(f64::NAN), ".nan");
        assert_eq!(yaml_float(f64::NEG_INFINITY), "-.inf");
    }

    #[test]
    fn block_style_like_pyyaml() {
        let widget = Value::List(vec![Value::Map(vec![(
            "structuredData".to_owned(),
            Value::Map(vec![(
                "x0".to_owned(),
                Value::List(vec![Value::Float(5.1), Value::Float(4.9)]),
            )]),
        )])]);
        let entries = vec![
            ("library_name".to_owned(), Value::from("sklearn")),
            (
                "tags".to_owned(),
                Value::List(vec![Value::from("sklearn"), Value::from("skops")]),
            ),
            ("widget".to_owned(), widget),
            ("odd".to_owned(), Value::from("yes")),
            ("empty".to_owned(), Value::List(vec![])),
        ];
        insta::assert_snapshot!(emit_mapping(&entries), @r"
        library_name: sklearn
        tags:
        - sklearn
        - skops
        widget:
        - structuredData:
            x0:
            - 5.1
            - 4.9
        odd: 'yes'
        empty: []
        ");
    }
}
