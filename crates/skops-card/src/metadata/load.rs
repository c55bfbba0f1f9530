//! YAML text -> [`Value`], bounded by the metadata budget ([`MetadataBudget`]): an alias
//! costs the full size of what it expands to, at the depth it lands at, so neither aliases
//! to large scalars nor alias-built nesting can make the reader (or the writer later)
//! allocate more than [`crate::limits::MAX_METADATA_BYTES`].
//!
//! Plain scalars are resolved with the YAML 1.2 core schema (what the Hub's YAML reader uses):
//! `null`/`~`/empty, `true`/`false`, decimal/octal/hex integers, floats with `.inf`/`.nan`.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::TScalarStyle;

use super::Value;
use super::budget::{MetadataBudget, Size};
use crate::{Error, Result};

/// A collection being built.
struct Frame {
    items: Items,
    /// The anchor id (0 for none).
    anchor: usize,
    /// Depth of the collection itself (lists and mappings around it).
    depth: u64,
    /// Budget totals before the collection was charged, to measure it when it ends.
    nodes_before: u64,
    bytes_before: u64,
    /// Largest height of a list or mapping inside it.
    inner_height: u64,
}

/// The items of a collection being built.
enum Items {
    List(Vec<Value>),
    Map {
        entries: Vec<(String, Value)>,
        /// Position of each key in `entries` (repeated keys take the last value in place).
        index: HashMap<String, usize>,
        /// A key read, waiting for its value.
        pending: Option<String>,
    },
}

impl Frame {
    /// Whether the next node is a mapping key.
    fn wants_key(&self) -> bool {
        matches!(&self.items, Items::Map { pending: None, .. })
    }
}

/// An anchored value, kept so that aliases can expand it, and its size.
struct Anchored {
    value: Value,
    size: Size,
}

/// Parses `text` (one YAML document) into a top-level mapping; an empty document is an empty
/// mapping. `first_line` is the card line the text starts on, for error positions.
pub fn load_mapping(text: &str, first_line: usize) -> Result<Vec<(String, Value)>> {
    match load(text, first_line)? {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Map(entries)) => Ok(entries),
        Some(other) => Err(Error::FrontMatterInvalid {
            message: format!("the top level is {}, not a mapping", kind_name(&other)),
        }),
    }
}

/// Parses one YAML document.
fn load(text: &str, first_line: usize) -> Result<Option<Value>> {
    let mut parser = Parser::new_from_str(text);
    let mut reader = Reader::default();
    let mut root: Option<Value> = None;
    loop {
        let (event, mark) = parser.next_token().map_err(|e| Error::FrontMatterSyntax {
            line: first_line + e.marker().line().saturating_sub(1),
            column: e.marker().col() + 1,
            message: e.info().to_owned(),
        })?;
        let position = |message: String| Error::FrontMatterSyntax {
            line: first_line + mark.line().saturating_sub(1),
            column: mark.col() + 1,
            message,
        };
        if matches!(event, Event::StreamEnd) {
            break;
        }
        let Some((value, height)) = reader.node(event, &position)? else {
            continue;
        };
        match reader.stack.last_mut() {
            None => root = Some(value),
            Some(frame) => frame.add(value, height).map_err(position)?,
        }
    }
    Ok(root)
}

/// What the reader keeps between events.
#[derive(Default)]
struct Reader {
    /// The collections being built, outermost first.
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchored>,
    budget: MetadataBudget,
    /// The documents started so far.
    documents: usize,
}

impl Reader {
    /// The node an event completes, with its height (levels of lists and mappings in it);
    /// `None` for an event that completes no node. `position` places an error at the event.
    fn node(
        &mut self,
        event: Event,
        position: &dyn Fn(String) -> Error,
    ) -> Result<Option<(Value, u64)>> {
        let depth = self.stack.len() as u64;
        let wants_key = self.stack.last().is_some_and(Frame::wants_key);
        match event {
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(position("more than one YAML document".to_owned()));
                }
                Ok(None)
            }
            Event::Nothing | Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => Ok(None),
            Event::SequenceStart(anchor, _) => self.start(Items::List(Vec::new()), anchor, depth),
            Event::MappingStart(anchor, _) => {
                let items = Items::Map {
                    entries: Vec::new(),
                    index: HashMap::new(),
                    pending: None,
                };
                self.start(items, anchor, depth)
            }
            Event::SequenceEnd | Event::MappingEnd => self.end(position).map(Some),
            Event::Scalar(text, style, anchor, tag) => {
                let value = resolve_scalar(text, style, tag.as_ref());
                let size = if wants_key {
                    self.budget
                        .key_size(&key_text(&value).map_err(position)?, depth)?
                } else {
                    self.budget.scalar_size(&value, depth)?
                };
                self.keep(anchor, &value, size, depth)?;
                Ok(Some((value, 0)))
            }
            Event::Alias(anchor) => self.alias(anchor, wants_key, depth, position).map(Some),
        }
    }

    /// A list or mapping starts: charged now, measured when it ends.
    fn start(&mut self, items: Items, anchor: usize, depth: u64) -> Result<Option<(Value, u64)>> {
        let (nodes_before, bytes_before) = self.budget.totals();
        self.budget.collection(depth)?;
        self.stack.push(Frame {
            items,
            anchor,
            depth,
            nodes_before,
            bytes_before,
            inner_height: 0,
        });
        Ok(None)
    }

    /// The innermost list or mapping ends: its value and height.
    fn end(&mut self, position: &dyn Fn(String) -> Error) -> Result<(Value, u64)> {
        let Some(frame) = self.stack.pop() else {
            return Err(position("unbalanced collection end".to_owned()));
        };
        let value = match frame.items {
            Items::List(items) => Value::List(items),
            Items::Map { entries, .. } => Value::Map(entries),
        };
        let (nodes, bytes) = self.budget.totals();
        let nodes = nodes.saturating_sub(frame.nodes_before);
        let size = Size {
            nodes,
            // Every node inside sits at least at the collection's depth.
            bytes_at_zero: bytes
                .saturating_sub(frame.bytes_before)
                .saturating_sub(2 * frame.depth * nodes),
            height: frame.inner_height + 1,
        };
        self.keep(frame.anchor, &value, size, frame.depth)?;
        Ok((value, size.height))
    }

    /// Keeps an anchored value (anchor id 0 is none) for the aliases to it, charging the copy.
    fn keep(&mut self, anchor: usize, value: &Value, size: Size, depth: u64) -> Result<()> {
        if anchor > 0 {
            self.budget.kept(size, depth)?;
            self.anchors.insert(
                anchor,
                Anchored {
                    value: value.clone(),
                    size,
                },
            );
        }
        Ok(())
    }

    /// The value an alias expands to, charged before the copy is made, so an expansion past
    /// the budget is refused before it allocates anything.
    fn alias(
        &mut self,
        anchor: usize,
        wants_key: bool,
        depth: u64,
        position: &dyn Fn(String) -> Error,
    ) -> Result<(Value, u64)> {
        let anchored = self
            .anchors
            .get(&anchor)
            .ok_or_else(|| position("alias to an unknown anchor".to_owned()))?;
        match &anchored.value {
            Value::List(_) | Value::Map(_) if wants_key => {
                return Err(position("a list or mapping used as a key".to_owned()));
            }
            Value::List(_) | Value::Map(_) => self.budget.expansion(anchored.size, depth)?,
            scalar if wants_key => {
                self.budget
                    .key(&key_text(scalar).map_err(position)?, depth)?;
            }
            scalar => self.budget.scalar(scalar, depth)?,
        }
        Ok((anchored.value.clone(), anchored.size.height))
    }
}

impl Frame {
    /// Adds a node read inside the collection: an item, a mapping key, or the value of the
    /// key read before it.
    fn add(&mut self, value: Value, height: u64) -> std::result::Result<(), String> {
        self.inner_height = self.inner_height.max(height);
        match &mut self.items {
            Items::List(items) => items.push(value),
            Items::Map {
                entries,
                index,
                pending,
            } => match pending.take() {
                None => *pending = Some(key_text(&value)?),
                Some(key) => match index.get(&key) {
                    // A repeated key keeps its first position and takes the last value, like
                    // a Python dict filled in order.
                    Some(&at) => {
                        if let Some(entry) = entries.get_mut(at) {
                            entry.1 = value;
                        }
                    }
                    None => {
                        index.insert(key.clone(), entries.len());
                        entries.push((key, value));
                    }
                },
            },
        }
        Ok(())
    }
}

/// A mapping key as a string (the Hub and Python both see string keys in practice).
fn key_text(value: &Value) -> std::result::Result<String, String> {
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Null => Ok("null".to_owned()),
        Value::Bool(b) => Ok(if *b { "true" } else { "false" }.to_owned()),
        Value::Int(i) => Ok(i.to_string()),
        Value::Float(f) => Ok(skops_format::json::python_float_repr(*f)),
        Value::List(_) | Value::Map(_) => Err("a list or mapping used as a key".to_owned()),
    }
}

/// A name for error messages.
fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Int(_) | Value::Float(_) => "a number",
        Value::String(_) => "a string",
        Value::List(_) => "a list",
        Value::Map(_) => "a mapping",
    }
}

/// The value of a scalar: quoted ones are strings, plain ones follow the core schema, and the
/// standard `!!str`/`!!int`/... tags force a type.
fn resolve_scalar(text: String, style: TScalarStyle, tag: Option<&Tag>) -> Value {
    if let Some(tag) = tag
        && tag.handle == "tag:yaml.org,2002:"
    {
        return match tag.suffix.as_str() {
            "str" => Value::String(text),
            "null" => Value::Null,
            "bool" => match text.as_str() {
                "true" | "True" | "TRUE" => Value::Bool(true),
                "false" | "False" | "FALSE" => Value::Bool(false),
                _ => Value::String(text),
            },
            "int" | "float" => resolve_plain(text),
            _ => Value::String(text),
        };
    }
    if style != TScalarStyle::Plain || tag.is_some() {
        return Value::String(text);
    }
    resolve_plain(text)
}

/// YAML 1.2 core schema resolution of a plain scalar.
fn resolve_plain(text: String) -> Value {
    match text.as_str() {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" => return Value::Bool(true),
        "false" | "False" | "FALSE" => return Value::Bool(false),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Value::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Value::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Value::Float(f64::NAN),
        _ => {}
    }
    if let Some(hex) = text.strip_prefix("0x")
        && !hex.is_empty()
        && hex.bytes().all(|b| b.is_ascii_hexdigit())
    {
        if let Ok(i) = i64::from_str_radix(hex, 16) {
            return Value::Int(i);
        }
    }
    if let Some(oct) = text.strip_prefix("0o")
        && !oct.is_empty()
        && oct.bytes().all(|b| (b'0'..=b'7').contains(&b))
    {
        if let Ok(i) = i64::from_str_radix(oct, 8) {
            return Value::Int(i);
        }
    }
    if is_decimal_int(&text) {
        return match text.parse::<i64>() {
            Ok(i) => Value::Int(i),
            Err(_) => text
                .parse::<f64>()
                .map_or(Value::String(text), Value::Float),
        };
    }
    if is_core_float(&text)
        && let Ok(f) = text.parse::<f64>()
    {
        return Value::Float(f);
    }
    Value::String(text)
}

/// `[-+]?[0-9]+`.
fn is_decimal_int(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
}

/// `[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?`.
fn is_core_float(text: &str) -> bool {
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(at) => (body.get(..at).unwrap_or(""), body.get(at + 1..)),
        None => (body, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((int, frac)) => {
            (!int.is_empty() || !frac.is_empty())
                && int.bytes().all(|b| b.is_ascii_digit())
                && frac.bytes().all(|b| b.is_ascii_digit())
                && !(int.is_empty() && frac.is_empty())
        }
        None => !mantissa.is_empty() && mantissa.bytes().all(|b| b.is_ascii_digit()),
    };
    let exponent_ok = exponent.is_none_or(is_decimal_int);
    mantissa_ok && exponent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_follow_the_core_schema() {
        let map = load_mapping(
            "a: 1\nb: 1.5\nc: true\nd: ~\ne: '1'\nf: 1e3\ng: .inf\nh: yes\ni: 0x1f\n",
            1,
        )
        .unwrap();
        let values: Vec<Value> = map.into_iter().map(|(_, v)| v).collect();
        assert_eq!(
            values,
            [
                Value::Int(1),
                Value::Float(1.5),
                Value::Bool(true),
                Value::Null,
                Value::from("1"),
                Value::Float(1000.0),
                Value::Float(f64::INFINITY),
                Value::from("yes"),
                Value::Int(31),
            ]
        );
    }

    #[test]
    fn billion_laughs_is_refused() {
        let mut doc = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut previous = 'a';
        for name in 'b'..='k' {
            doc.push_str(&format!(
                "{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
            ));
            previous = name;
        }
        assert!(matches!(
            load_mapping(&doc, 1),
            Err(Error::LimitExceeded { .. })
        ));
    }

    #[test]
    fn deep_nesting_is_refused() {
        let doc = format!("a: {}{}", "[".repeat(1000), "]".repeat(1000));
        let err = load_mapping(&doc, 1).unwrap_err();
        // The YAML scanner has a recursion limit of its own that may trigger first.
        assert!(
            matches!(
                err,
                Error::LimitExceeded { .. } | Error::FrontMatterSyntax { .. }
            ),
            "{err}"
        );
        let doc = format!("a: {}{}", "[".repeat(200), "]".repeat(200));
        assert!(load_mapping(&doc, 1).is_err());
    }

    #[test]
    fn errors_name_the_line() {
        let err = load_mapping("a: 1\nb: [1, 2\n", 2).unwrap_err();
        assert!(
            matches!(err, Error::FrontMatterSyntax { line: 3.., .. }),
            "{err}"
        );
        let err = load_mapping("- a\n- b\n", 2).unwrap_err();
        assert!(matches!(err, Error::FrontMatterInvalid { .. }));
    }
}
