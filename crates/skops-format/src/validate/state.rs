//! Reading an ObjectNode's state for the validators: entries by key, JSON scalars, and the
//! `.npy` arrays of NdArrayNodes (header and decoded integer or float items).

use std::borrow::Cow;

use super::records::IntField;
use super::tree::numpy_member;
use super::usage::dict_entry;
use crate::file::SkopsFile;
use crate::json::{self, Text, Value};
use crate::limits::Limits;
use crate::npy::{ByteOrder, Descr, NpyHeader, read_npy};
use crate::schema::{NodeId, NodeKind, Schema};
use crate::{Error, Result};

/// The `__setstate__` dict of an ObjectNode, as skops builds it: only the entries whose key
/// type is `str` become attributes (see [`super::usage::dict_entry`]).
pub(super) struct State<'s> {
    schema: &'s Schema,
    dict: NodeId,
    entries: &'s [(Text, NodeId)],
}

impl<'s> State<'s> {
    /// The state dict of ObjectNode `id`, if it has one.
    pub(super) fn of(file: &'s SkopsFile<'_>, id: NodeId) -> Option<Self> {
        let schema = file.schema();
        let NodeKind::Object {
            content: Some(state),
        } = &schema.node(id).kind
        else {
            return None;
        };
        Self::of_dict(file, *state)
    }

    /// DictNode `dict` as the state skops builds from it (e.g. a reduce node's state), if it
    /// is a DictNode.
    pub(super) fn of_dict(file: &'s SkopsFile<'_>, dict: NodeId) -> Option<Self> {
        let schema = file.schema();
        match &schema.node(dict).kind {
            NodeKind::Dict { entries, .. } => Some(Self {
                schema,
                dict,
                entries,
            }),
            _ => None,
        }
    }

    /// The value of attribute `key`, if skops sets one.
    pub(super) fn get(&self, key: &str) -> Option<NodeId> {
        dict_entry(self.schema, self.dict, key)
    }

    /// The entries, in order, with every key (whatever its key type).
    pub(super) fn entries(&self) -> &'s [(Text, NodeId)] {
        self.entries
    }

    /// The keys of the entries, in order (whatever their key type: an entry that does not
    /// become an attribute is still one more key than sklearn writes).
    pub(super) fn keys(&self) -> impl Iterator<Item = &'s Text> {
        self.entries.iter().map(|(name, _)| name)
    }
}

/// The value a JsonNode holds, if node `id` is a JsonNode with valid JSON.
pub(super) fn json_value(file: &SkopsFile<'_>, id: NodeId) -> Option<Value> {
    let NodeKind::Json { content } = &file.schema().node(id).kind else {
        return None;
    };
    json::parse(content.surrogatepass_bytes(), 2).ok()
}

/// The integer a JsonNode holds.
pub(super) fn json_int(file: &SkopsFile<'_>, id: NodeId) -> Option<i64> {
    match json_value(file, id)? {
        Value::Number(number) => number.as_i64(),
        _ => None,
    }
}

/// The integers of a TupleNode or ListNode of integer JsonNodes (`shape_fit_`).
pub(super) fn json_int_sequence(file: &SkopsFile<'_>, id: NodeId) -> Option<Vec<i64>> {
    let items = match &file.schema().node(id).kind {
        NodeKind::Tuple(items) | NodeKind::List(items) => items,
        _ => return None,
    };
    items.iter().map(|&item| json_int(file, item)).collect()
}

/// A numpy array member: its header and bytes.
pub(super) struct Array<'a> {
    bytes: Cow<'a, [u8]>,
    /// The `.npy` header.
    pub(super) header: NpyHeader,
    start: usize,
}

impl<'a> Array<'a> {
    /// Reads the `.npy` member of NdArrayNode `id`; `malformed` builds the error when the node
    /// is not a numpy array.
    pub(super) fn load(
        file: &SkopsFile<'a>,
        id: NodeId,
        limits: &Limits,
        malformed: &dyn Fn(String) -> Error,
    ) -> Result<Self> {
        let bytes = numpy_member(file, id).map_err(malformed)?;
        let view = read_npy(&bytes, limits)?;
        let header = view.header.clone();
        let start = bytes.len() - view.data.len();
        Ok(Self {
            bytes,
            header,
            start,
        })
    }

    /// The shape.
    pub(super) fn shape(&self) -> &[u64] {
        &self.header.shape
    }

    /// Whether the items are plain numbers of numpy kind `kind` (`'f'`, `'i'`, ...) and `size`
    /// bytes.
    pub(super) fn is(&self, kind: char, size: u64) -> bool {
        matches!(&self.header.descr, Descr::Simple(type_str) if type_str.kind == kind && type_str.size == size)
    }

    /// Whether the items are in the machine's byte order (C code that only checks the type
    /// number reads them as native values).
    pub(super) fn is_native(&self) -> bool {
        match &self.header.descr {
            Descr::Simple(type_str) => match type_str.byte_order {
                ByteOrder::Big => cfg!(target_endian = "big"),
                ByteOrder::Little => cfg!(target_endian = "little"),
                ByteOrder::Native | ByteOrder::NotApplicable => true,
            },
            Descr::Structured(_) => false,
        }
    }

    /// The dtype, as numpy prints it.
    pub(super) fn dtype(&self) -> String {
        self.header.descr.to_python_repr()
    }

    fn data(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or_default()
    }

    /// The items of a plain integer array, in memory order; `None` for another dtype.
    pub(super) fn ints(&self) -> Option<Vec<i128>> {
        let Descr::Simple(type_str) = &self.header.descr else {
            return None;
        };
        let field = IntField::plain(type_str).ok()?;
        let size = usize::try_from(type_str.size).ok()?;
        self.data()
            .chunks_exact(size)
            .map(|item| field.read(item))
            .collect()
    }

    /// The items of a float64 array, in memory order; `None` for another dtype.
    pub(super) fn floats(&self) -> Option<Vec<f64>> {
        let Descr::Simple(type_str) = &self.header.descr else {
            return None;
        };
        if type_str.kind != 'f' || type_str.size != 8 {
            return None;
        }
        let big_endian = match type_str.byte_order {
            ByteOrder::Big => true,
            ByteOrder::Little | ByteOrder::NotApplicable => false,
            ByteOrder::Native => cfg!(target_endian = "big"),
        };
        self.data()
            .chunks_exact(8)
            .map(|item| {
                let bytes: [u8; 8] = item.try_into().ok()?;
                Some(if big_endian {
                    f64::from_be_bytes(bytes)
                } else {
                    f64::from_le_bytes(bytes)
                })
            })
            .collect()
    }
}
