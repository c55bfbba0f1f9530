//! The size budget of metadata: one measure, in nodes, bytes as written out and nesting
//! depth, for YAML read from a card (aliases at their full size), for metadata set from
//! Python and for metadata about to be written ([`crate::limits`]).
//!
//! A node at depth `d` (the number of lists and mappings around it) costs the text the
//! writer gives it (a string as quoted, a number as printed, a key), `2 * d` bytes of
//! indentation and 3 bytes of punctuation and newline; a list or mapping costs its
//! indentation and punctuation. That is an upper bound of what [`super::emit_mapping`]
//! writes, so metadata within [`MAX_METADATA_BYTES`] is written back as front matter that
//! parsing accepts again.

use super::Value;
use super::emit::{emit_scalar, quote_if_needed};
use crate::limits::{MAX_METADATA_BYTES, MAX_METADATA_DEPTH, MAX_METADATA_NODES};
use crate::{Error, Result};

/// Indentation bytes per level of nesting.
const INDENT: u64 = 2;

/// Bytes a node costs besides its text and indentation: `: ` or `- `, and the newline.
const PUNCTUATION: u64 = 3;

/// What a value costs, measured as if it sat at depth 0, so that it can be charged again at
/// any depth (an alias lands wherever it is written).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Size {
    /// Nodes in the value, itself included.
    pub(crate) nodes: u64,
    /// Bytes of the value at depth 0.
    pub(crate) bytes_at_zero: u64,
    /// Levels of lists and mappings in the value (0 for a scalar).
    pub(crate) height: u64,
}

impl Size {
    /// Bytes of the value when it sits at `depth`: every node gets `depth` more levels.
    fn bytes_at(self, depth: u64) -> u64 {
        self.bytes_at_zero
            .saturating_add(INDENT.saturating_mul(depth).saturating_mul(self.nodes))
    }
}

/// Running totals of the metadata being read or built; each charge that crosses a limit is
/// refused with [`Error::LimitExceeded`].
///
/// Copies of a value the reader keeps (YAML anchors, kept so that aliases can expand them)
/// are charged too: they are memory, although not part of the metadata.
#[derive(Debug, Clone, Default)]
pub struct MetadataBudget {
    /// Nodes of the metadata so far.
    nodes: u64,
    /// Bytes of the metadata so far.
    bytes: u64,
    /// Nodes of the copies kept besides the metadata.
    kept_nodes: u64,
    /// Bytes of the copies kept besides the metadata.
    kept_bytes: u64,
}

impl MetadataBudget {
    /// An empty budget.
    pub fn new() -> Self {
        MetadataBudget::default()
    }

    /// Charges a scalar value (not a list or mapping) at `depth`.
    pub fn scalar(&mut self, value: &Value, depth: u64) -> Result<()> {
        self.scalar_size(value, depth).map(|_| ())
    }

    /// Charges a mapping key at `depth` (one more than its mapping's).
    pub fn key(&mut self, key: &str, depth: u64) -> Result<()> {
        self.key_size(key, depth).map(|_| ())
    }

    /// Charges a list or mapping opening at `depth` (its items are charged as they come);
    /// refuses one that would nest deeper than [`MAX_METADATA_DEPTH`].
    pub fn collection(&mut self, depth: u64) -> Result<()> {
        check_depth(depth.saturating_add(1))?;
        self.add(1, node_bytes(0, depth))
    }

    /// [`MetadataBudget::scalar`], returning what the scalar cost.
    pub(crate) fn scalar_size(&mut self, value: &Value, depth: u64) -> Result<Size> {
        self.text(scalar_len(value), depth)
    }

    /// [`MetadataBudget::key`], returning what the key cost.
    pub(crate) fn key_size(&mut self, key: &str, depth: u64) -> Result<Size> {
        self.text(quote_if_needed(key).len() as u64, depth)
    }

    /// Charges a whole value of known `size` landing at `depth` (an alias expansion).
    pub(crate) fn expansion(&mut self, size: Size, depth: u64) -> Result<()> {
        check_depth(depth.saturating_add(size.height))?;
        self.add(size.nodes, size.bytes_at(depth))
    }

    /// Charges a copy of a value of `size` at `depth`, kept besides the metadata.
    pub(crate) fn kept(&mut self, size: Size, depth: u64) -> Result<()> {
        self.kept_nodes = self.kept_nodes.saturating_add(size.nodes);
        self.kept_bytes = self.kept_bytes.saturating_add(size.bytes_at(depth));
        self.check()
    }

    /// Nodes and bytes of the metadata so far (copies kept besides it not included).
    pub(crate) fn totals(&self) -> (u64, u64) {
        (self.nodes, self.bytes)
    }

    fn text(&mut self, len: u64, depth: u64) -> Result<Size> {
        let size = Size {
            nodes: 1,
            bytes_at_zero: node_bytes(len, 0),
            height: 0,
        };
        self.add(1, size.bytes_at(depth))?;
        Ok(size)
    }

    fn add(&mut self, nodes: u64, bytes: u64) -> Result<()> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.bytes = self.bytes.saturating_add(bytes);
        self.check()
    }

    fn check(&self) -> Result<()> {
        let nodes = self.nodes.saturating_add(self.kept_nodes);
        if nodes > MAX_METADATA_NODES {
            return Err(Error::LimitExceeded {
                what: "metadata node count (aliases expanded)",
                value: nodes,
                limit: MAX_METADATA_NODES,
            });
        }
        let bytes = self.bytes.saturating_add(self.kept_bytes);
        if bytes > MAX_METADATA_BYTES {
            return Err(Error::LimitExceeded {
                what: "metadata size as written out (aliases expanded)",
                value: bytes,
                limit: MAX_METADATA_BYTES,
            });
        }
        Ok(())
    }
}

/// Checks a whole mapping against the budget (metadata built in code, before writing it).
pub fn check_mapping(entries: &[(String, Value)]) -> Result<()> {
    let mut budget = MetadataBudget::new();
    budget.collection(0)?;
    check_entries(&mut budget, entries, 1)
}

fn check_entries(
    budget: &mut MetadataBudget,
    entries: &[(String, Value)],
    depth: u64,
) -> Result<()> {
    for (key, value) in entries {
        budget.key(key, depth)?;
        check_value(budget, value, depth)?;
    }
    Ok(())
}

/// Charges `value` at `depth`; the recursion is bounded because [`MetadataBudget::collection`]
/// refuses to open a level past [`MAX_METADATA_DEPTH`].
fn check_value(budget: &mut MetadataBudget, value: &Value, depth: u64) -> Result<()> {
    match value {
        Value::List(items) => {
            budget.collection(depth)?;
            items
                .iter()
                .try_for_each(|item| check_value(budget, item, depth + 1))
        }
        Value::Map(entries) => {
            budget.collection(depth)?;
            check_entries(budget, entries, depth + 1)
        }
        scalar => budget.scalar(scalar, depth),
    }
}

/// Bytes of a node with `len` bytes of text at `depth`.
fn node_bytes(len: u64, depth: u64) -> u64 {
    len.saturating_add(INDENT.saturating_mul(depth))
        .saturating_add(PUNCTUATION)
}

/// Bytes the writer gives a scalar (a string as quoted, a number as printed).
fn scalar_len(value: &Value) -> u64 {
    emit_scalar(value).len() as u64
}

/// Refuses a nesting depth past [`MAX_METADATA_DEPTH`].
fn check_depth(depth: u64) -> Result<()> {
    if depth > MAX_METADATA_DEPTH {
        return Err(Error::LimitExceeded {
            what: "metadata nesting depth",
            value: depth,
            limit: MAX_METADATA_DEPTH,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::emit_mapping;

    #[test]
    fn the_measure_bounds_what_the_writer_writes() {
        let nested = Value::Map(vec![(
            "a".to_owned(),
            Value::List(vec![
                Value::Int(123),
                Value::from("needs: quoting"),
                Value::List(vec![Value::Float(0.5), Value::Null]),
                Value::Map(vec![("k".to_owned(), Value::List(vec![]))]),
                Value::from("\u{1}control"),
            ]),
        )]);
        let entries = vec![
            ("top".to_owned(), nested),
            ("yes".to_owned(), Value::Bool(true)),
            ("empty".to_owned(), Value::Map(vec![])),
        ];
        let mut budget = MetadataBudget::new();
        budget.collection(0).unwrap();
        check_entries(&mut budget, &entries, 1).unwrap();
        let (nodes, bytes) = budget.totals();
        assert_eq!(nodes, 18);
        assert!(bytes >= emit_mapping(&entries).len() as u64, "{bytes}");
    }

    #[test]
    fn depth_is_refused_past_the_limit() {
        let mut value = Value::Null;
        for _ in 0..MAX_METADATA_DEPTH - 1 {
            value = Value::List(vec![value]);
        }
        let entries = vec![("a".to_owned(), value)];
        check_mapping(&entries).unwrap();
        let deeper = vec![("a".to_owned(), Value::List(vec![entries[0].1.clone()]))];
        assert!(matches!(
            check_mapping(&deeper),
            Err(Error::LimitExceeded {
                what: "metadata nesting depth",
                ..
            })
        ));
    }

    #[test]
    fn bytes_and_nodes_are_refused_past_their_limits() {
        let big = vec![(
            "a".to_owned(),
            Value::from("x".repeat(MAX_METADATA_BYTES as usize)),
        )];
        assert!(matches!(
            check_mapping(&big),
            Err(Error::LimitExceeded { what, .. }) if what.starts_with("metadata size")
        ));
        let many = vec![(
            "a".to_owned(),
            Value::List(vec![Value::Int(0); MAX_METADATA_NODES as usize]),
        )];
        assert!(matches!(
            check_mapping(&many),
            Err(Error::LimitExceeded { what, .. }) if what.starts_with("metadata node count")
        ));
    }
}
