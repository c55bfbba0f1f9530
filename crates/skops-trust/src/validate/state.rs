//! The one reading of object state: the attributes skops 0.16 sets on an object it builds,
//! read from the state node exactly as skops builds them, for every validator.
//!
//! skops builds an ObjectNode as `inst = cls.__new__(cls)`, then, when the node has a `content`
//! that does not construct to `None`, `inst.__setstate__(attrs)` (scikit-learn's estimators:
//! `__dict__.update` after popping `_sklearn_version`) or `inst.__dict__.update(attrs)`. A
//! reduce node (`TreeNode`, `LossNode`) hands its state to `__setstate__` unless it is empty.
//! So the attributes are the items of whatever mapping the state node constructs to:
//! - a `DictNode` of `builtins.dict` or `collections.OrderedDict`: skops sets
//!   `d[key_type(key)] = value` for `(key_type, (key, value))` in `zip(key_types, content)`.
//!   The JSON `content` keeps one entry per key (a repeated key at its first position, with
//!   its last value: the schema already holds it so), `zip` drops entries past the end of
//!   `key_types`, and each key becomes what its key type makes of it ([`key_types::KEY_TYPES`]): the same
//!   string for `str`, `numpy.str_` and `numpy.object_` (an attribute), something else or an
//!   exception for every other type skops trusts by default (no attribute);
//! - a `JsonNode` whose JSON is an object (`json.loads`: each key once, at its first position,
//!   with its last value): the attributes are JSON values, not nodes ([`Slot::Json`]);
//!   JSON `null` sets nothing;
//! - a `DefaultDictNode`: `defaultdict(**main)`, so the attributes of its `main` mapping;
//! - no `content` at all: nothing is set.
//!
//! Anything else — another state node (a list of pairs, which `__dict__.update` accepts, an
//! object, a tuple...), a `DictNode` of another class, a key type outside [`key_types::KEY_TYPES`] or
//! not a `TypeNode`, `key_types` that is not a plain list or tuple node — is [`Unreadable`]:
//! the validators cannot know what Python would set, and [`super::validate`] refuses such a
//! state on every class a validator reads ([`StateError::Form`]).

use std::borrow::Cow;

use super::records::IntField;

use crate::{Error, Result};
use skops_format::file::SkopsFile;
use skops_format::json::{self, Text, Value};
use skops_format::limits::Limits;
use skops_format::npy::{ByteOrder, Descr, NpyHeader, NpyView, read_npy, read_npy_with_header};
use skops_format::schema::{Loader, NdArrayStorage, NodeId, NodeKind, Schema, key_types};

/// The classes of DictNodes whose items are set with `dict.__setitem__` (so the state mapping
/// is exactly the zipped entries), as `(module, class)`.
pub const STATE_DICT_CLASSES: [(&str, &str); 2] =
    [("builtins", "dict"), ("collections", "OrderedDict")];

/// How the reader takes a state node of each loader skops 0.16 has (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StateForm {
    /// Read as the mapping it constructs to.
    Mapping,
    /// A JsonNode: `null` sets nothing, an object is a mapping, anything else is unreadable.
    NoneOrMapping,
    /// Unreadable: refused on the classes whose state the validators read.
    Unreadable,
}

impl StateForm {
    /// The form's name in reports and tests (`"mapping"`, `"none-or-mapping"`,
    /// `"unreadable"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::Mapping => "mapping",
            Self::NoneOrMapping => "none-or-mapping",
            Self::Unreadable => "unreadable",
        }
    }

    /// How a state node of `loader` is read.
    pub fn of(loader: Loader) -> Self {
        match loader {
            Loader::Dict | Loader::DefaultDict => Self::Mapping,
            Loader::Json => Self::NoneOrMapping,
            Loader::List
            | Loader::Set
            | Loader::Tuple
            | Loader::Slice
            | Loader::Bytes
            | Loader::Bytearray
            | Loader::Type
            | Loader::Function
            | Loader::Partial
            | Loader::Method
            | Loader::OperatorFunc
            | Loader::Object
            | Loader::ConstructorFromReduce
            | Loader::NdArray
            | Loader::MaskedArray
            | Loader::DType
            | Loader::SparseMatrix
            | Loader::RandomState
            | Loader::RandomGenerator
            | Loader::Tree
            | Loader::Loss
            | Loader::QuantileForest
            | Loader::DictWithDeprecatedKeys => Self::Unreadable,
        }
    }
}

/// Every loader with the form the reader takes it in, by loader name (a test compares the
/// loaders with skops' at test time).
pub fn state_forms() -> Vec<(&'static str, StateForm)> {
    Loader::ALL
        .iter()
        .map(|&loader| (loader.name(), StateForm::of(loader)))
        .collect()
}

/// Why a state cannot be read with certainty (see the module doc).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable(
    /// What makes it unreadable.
    pub String,
);

/// One attribute value: a node of the schema, or a value inside a JSON-form state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Slot<'v> {
    /// A node.
    Node(NodeId),
    /// A JSON value of a state held by one JsonNode.
    Json(&'v Value),
}

impl From<NodeId> for Slot<'_> {
    fn from(id: NodeId) -> Self {
        Slot::Node(id)
    }
}

impl Slot<'_> {
    /// The node, when the value is one.
    pub fn node(self) -> Option<NodeId> {
        match self {
            Slot::Node(id) => Some(id),
            Slot::Json(_) => None,
        }
    }
}

/// An attribute value the state holds.
#[derive(Debug, Clone, PartialEq)]
enum Held {
    Node(NodeId),
    Json(Value),
}

impl Held {
    fn slot(&self) -> Slot<'_> {
        match self {
            Held::Node(id) => Slot::Node(*id),
            Held::Json(value) => Slot::Json(value),
        }
    }
}

/// The attributes skops sets on an object from its state (see the module doc), in the order
/// Python sets them.
#[derive(Debug, Clone, PartialEq)]
pub struct State<'s> {
    attributes: Vec<(Cow<'s, Text>, Held)>,
    /// Entries whose key is not a string (they go into `__dict__` under that key, naming no
    /// attribute).
    other_keys: usize,
}

impl<'s> State<'s> {
    /// The attributes skops sets on ObjectNode `id` (none when it has no `content`).
    pub fn of(file: &'s SkopsFile<'_>, id: NodeId) -> Result<Self, Unreadable> {
        Self::of_object(file.schema(), id)
    }

    /// [`State::of`], refusing an unreadable state with [`StateError::Form`] (the
    /// validators of the classes whose state they read use this).
    pub fn read(file: &'s SkopsFile<'_>, id: NodeId, path: &dyn Fn() -> String) -> Result<Self> {
        Self::of(file, id).map_err(|Unreadable(reason)| {
            Error::from(StateError::Form {
                path: path(),
                type_name: file.schema().node(id).type_name(),
                reason,
            })
        })
    }

    /// [`State::of`] on a schema.
    pub fn of_object(schema: &'s Schema, id: NodeId) -> Result<Self, Unreadable> {
        match &schema.node(id).kind {
            NodeKind::Object { content: None } => Ok(Self::empty()),
            NodeKind::Object {
                content: Some(state),
            } => Self::of_node(schema, *state),
            _ => Err(Unreadable("not an object node".to_owned())),
        }
    }

    /// The attributes state node `state` sets as the state of an object (an ObjectNode's
    /// `content`, a reduce node's state).
    pub fn of_node(schema: &'s Schema, state: NodeId) -> Result<Self, Unreadable> {
        let mut current = state;
        // `defaultdict(**main)` holds the items of `main`; a chain of them ends (no cycles).
        loop {
            let node = schema.node(current);
            return match &node.kind {
                NodeKind::DefaultDict { main, .. } => {
                    current = *main;
                    continue;
                }
                NodeKind::Dict { entries, key_types } => {
                    if !STATE_DICT_CLASSES.contains(&(node.module.as_str(), node.class.as_str())) {
                        return Err(Unreadable(format!(
                            "a dict of class `{}`, not `dict` or `OrderedDict`",
                            node.type_name()
                        )));
                    }
                    Self::of_dict(schema, entries, *key_types)
                }
                NodeKind::Json { content } => Self::of_json(content),
                _ => Err(Unreadable(format!(
                    "a `{}` state, not a dict",
                    node.loader.name()
                ))),
            };
        }
    }

    fn empty() -> Self {
        Self {
            attributes: Vec::new(),
            other_keys: 0,
        }
    }

    fn of_dict(
        schema: &'s Schema,
        entries: &'s [(Text, NodeId)],
        key_types: NodeId,
    ) -> Result<Self, Unreadable> {
        let types = schema.node(key_types);
        let types = match &types.kind {
            NodeKind::List(items) if types.module == "builtins" && types.class == "list" => items,
            NodeKind::Tuple(items) if types.module == "builtins" && types.class == "tuple" => items,
            _ => {
                return Err(Unreadable(format!(
                    "`key_types` is a `{}` of `{}`, not a list",
                    types.loader.name(),
                    types.type_name()
                )));
            }
        };
        let mut state = Self::empty();
        // `zip` stops at the shorter of the two.
        for ((key, value), key_type) in entries.iter().zip(types) {
            if key_sets_attribute(schema, *key_type)? {
                state
                    .attributes
                    .push((Cow::Borrowed(key), Held::Node(*value)));
            } else {
                state.other_keys += 1;
            }
        }
        Ok(state)
    }

    fn of_json(content: &Text) -> Result<Self, Unreadable> {
        let value = json::parse(
            content.surrogatepass_bytes(),
            skops_format::limits::MAX_JSON_DEPTH,
        )
        .map_err(|error| Unreadable(format!("a JSON state that does not parse: {error}")))?;
        match value {
            Value::Null => Ok(Self::empty()),
            Value::Object(object) => {
                // `json.loads`: each key once, at its first position, with its last value.
                let mut attributes: Vec<(Cow<'s, Text>, Held)> = Vec::new();
                let mut position: std::collections::HashMap<Text, usize> =
                    std::collections::HashMap::new();
                for (key, value) in object.into_vec() {
                    match position.get(&key) {
                        Some(&index) => {
                            if let Some(slot) = attributes.get_mut(index) {
                                slot.1 = Held::Json(value);
                            }
                        }
                        None => {
                            position.insert(key.clone(), attributes.len());
                            attributes.push((Cow::Owned(key), Held::Json(value)));
                        }
                    }
                }
                Ok(Self {
                    attributes,
                    other_keys: 0,
                })
            }
            other => Err(Unreadable(format!(
                "a JSON {} state, not an object",
                other.type_name()
            ))),
        }
    }

    /// The value of attribute `key`, if the state sets it.
    pub fn get(&self, key: &str) -> Option<Slot<'_>> {
        self.attributes
            .iter()
            .find(|(name, _)| **name == *key)
            .map(|(_, held)| held.slot())
    }

    /// The node of attribute `key`, if the state sets it to a node.
    pub fn node(&self, key: &str) -> Option<NodeId> {
        self.get(key).and_then(Slot::node)
    }

    /// Whether the state sets attribute `key`.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// The attributes, in the order Python sets them.
    pub fn attributes(&self) -> impl Iterator<Item = (&Text, Slot<'_>)> {
        self.attributes
            .iter()
            .map(|(name, held)| (name.as_ref(), held.slot()))
    }

    /// How many entries have a key that is not a string.
    pub fn other_keys(&self) -> usize {
        self.other_keys
    }

    /// Whether the state sets nothing at all.
    pub fn is_empty(&self) -> bool {
        self.attributes.is_empty() && self.other_keys == 0
    }

    /// The integer attribute `key`, when it is a plain JSON integer.
    pub fn int(&self, file: &SkopsFile<'_>, key: &str) -> Option<i128> {
        json_int(file, self.get(key)?)
    }

    /// The JSON value of attribute `key`, when it is one.
    pub fn json(&self, file: &SkopsFile<'_>, key: &str) -> Option<Value> {
        json_value(file, self.get(key)?)
    }
}

/// Whether key type node `id` makes a DictNode key the attribute of the same name (see
/// [`key_types::KEY_TYPES`]); unreadable for any other node.
fn key_sets_attribute(schema: &Schema, id: NodeId) -> Result<bool, Unreadable> {
    let node = schema.node(id);
    if !matches!(node.kind, NodeKind::Type) {
        return Err(Unreadable(format!(
            "a key type that is a `{}`, not a type",
            node.loader.name()
        )));
    }
    let name = (node.module.as_str(), node.class.as_str());
    key_types::KEY_TYPES
        .iter()
        .find(|(module, class, _)| (*module, *class) == name)
        .map(|&(_, _, attribute)| attribute)
        .ok_or_else(|| {
            Unreadable(format!(
                "the key type `{}`, whose keys the validators cannot predict",
                node.type_name()
            ))
        })
}

/// The attributes of ObjectNode `id`, or `None` when its state is unreadable (callers that
/// need an attribute to prove something treat that as "not proven"; the classes whose state
/// the validators read were refused before, see [`super::validate`]).
pub fn readable<'s>(file: &'s SkopsFile<'_>, id: NodeId) -> Option<State<'s>> {
    State::of(file, id).ok()
}

/// The value a JSON slot holds: a JsonNode's parsed content, or a value of a JSON state.
pub fn json_value<'v>(file: &SkopsFile<'_>, slot: impl Into<Slot<'v>>) -> Option<Value> {
    match slot.into() {
        Slot::Json(value) => Some(value.clone()),
        Slot::Node(id) => {
            let NodeKind::Json { content } = &file.schema().node(id).kind else {
                return None;
            };
            json::parse(content.surrogatepass_bytes(), 2).ok()
        }
    }
}

/// The integer a JSON slot holds.
pub fn json_int<'v>(file: &SkopsFile<'_>, slot: impl Into<Slot<'v>>) -> Option<i128> {
    match json_value(file, slot)? {
        Value::Number(number) => number.as_i64().map(i128::from),
        _ => None,
    }
}

/// The integers of a TupleNode or ListNode of integer JsonNodes (`shape_fit_`), or of a JSON
/// array of integers.
pub fn json_int_sequence<'v>(file: &SkopsFile<'_>, slot: impl Into<Slot<'v>>) -> Option<Vec<i128>> {
    match slot.into() {
        Slot::Json(Value::Array(items)) => items
            .iter()
            .map(|item| item.as_number()?.as_i64().map(i128::from))
            .collect(),
        Slot::Json(_) => None,
        Slot::Node(id) => {
            let items = match &file.schema().node(id).kind {
                NodeKind::Tuple(items) | NodeKind::List(items) => items,
                _ => return None,
            };
            items.iter().map(|&item| json_int(file, item)).collect()
        }
    }
}

/// The NdArrayNode (stored as a `.npy` member) a slot holds, and that member's name.
fn numpy_node<'s>(
    schema: &'s Schema,
    slot: Slot<'_>,
) -> std::result::Result<(NodeId, &'s str), String> {
    let id = match slot {
        Slot::Node(id) => id,
        Slot::Json(value) => {
            return Err(format!(
                "a JSON {} where a numpy array belongs",
                value.type_name()
            ));
        }
    };
    let node = schema.node(id);
    match &node.kind {
        NodeKind::NdArray(NdArrayStorage::Numpy { file: member }) => Ok((id, member)),
        _ => Err(format!(
            "`{}` node where a numpy array belongs",
            node.loader.name()
        )),
    }
}

/// The bytes of a `.npy` member, with the header [`SkopsFile::open`] parsed from them: the
/// validators read the array through [`NpyMember::view`] without parsing the header again.
#[derive(Debug)]
pub struct NpyMember<'a, 'f> {
    bytes: Cow<'a, [u8]>,
    header: Option<&'f NpyHeader>,
}

impl std::ops::Deref for NpyMember<'_, '_> {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        &self.bytes
    }
}

impl<'a> NpyMember<'a, '_> {
    /// The member as a `.npy` array: [`read_npy`], reusing the header parsed at open.
    pub fn view(&self, limits: &Limits) -> Result<NpyView<'_>> {
        Ok(match self.header {
            Some(header) => read_npy_with_header(&self.bytes, header)?,
            None => read_npy(&self.bytes, limits)?,
        })
    }

    /// The member's bytes.
    pub fn into_bytes(self) -> Cow<'a, [u8]> {
        self.bytes
    }
}

/// The bytes of the `.npy` member of the NdArrayNode a slot holds.
pub fn numpy_member<'a, 'f, 'v>(
    file: &'f SkopsFile<'a>,
    slot: impl Into<Slot<'v>>,
) -> std::result::Result<NpyMember<'a, 'f>, String> {
    let (id, member) = numpy_node(file.schema(), slot.into())?;
    let bytes = file
        .validation_member(member)
        .map_err(|error| format!("cannot read `{member}`: {error}"))?;
    Ok(NpyMember {
        bytes,
        header: file.array_header(id),
    })
}

/// The `.npy` header of the NdArrayNode a slot holds (read at open: nothing is decompressed),
/// for checks of shape and dtype only; the errors are [`numpy_member`]'s.
pub fn numpy_header<'f, 'v>(
    file: &'f SkopsFile<'_>,
    slot: impl Into<Slot<'v>>,
) -> std::result::Result<&'f NpyHeader, String> {
    let (id, _) = numpy_node(file.schema(), slot.into())?;
    file.array_header(id)
        .ok_or_else(|| "no `.npy` header was read for it".to_owned())
}

/// The length of the one-dimensional object array (an NdArrayNode stored as JSON items, as
/// skops writes an object-dtype array: `classes_` of string labels) a slot holds, or what the
/// slot is instead.
///
/// skops builds such a node with a one-dimensional `shape` as `np.ndarray(shape=len(items))`,
/// so the array has one element per item whatever length the shape states; sklearn writes that
/// length, and a node whose shape says otherwise (or has more dimensions, where
/// `np.array(items)` makes the shape from the items) is refused.
pub fn object_vector_len<'v>(
    file: &SkopsFile<'_>,
    slot: impl Into<Slot<'v>>,
) -> std::result::Result<u64, String> {
    let Slot::Node(id) = slot.into() else {
        return Err("a JSON value, not an array".to_owned());
    };
    let NodeKind::NdArray(NdArrayStorage::Json { items, shape }) = &file.schema().node(id).kind
    else {
        return Err("not an object array".to_owned());
    };
    let length = items.len() as u64;
    match json_int_sequence(file, *shape).as_deref() {
        Some(&[stated]) if stated == i128::from(length) => Ok(length),
        Some(stated) => Err(format!(
            "an object array of {length} items with shape {stated:?}, not ({length},)"
        )),
        None => Err(format!(
            "an object array of {length} items whose shape is not a tuple of sizes"
        )),
    }
}

/// A numpy array member: its header and bytes.
pub struct Array<'a> {
    bytes: Cow<'a, [u8]>,
    /// The `.npy` header.
    pub header: NpyHeader,
    start: usize,
}

impl<'a> Array<'a> {
    /// Reads the `.npy` member of the NdArrayNode in `slot`; `malformed` builds the error when
    /// it is not a numpy array.
    pub fn load<'v>(
        file: &SkopsFile<'a>,
        slot: impl Into<Slot<'v>>,
        limits: &Limits,
        malformed: &dyn Fn(String) -> Error,
    ) -> Result<Self> {
        let member = numpy_member(file, slot).map_err(malformed)?;
        let view = member.view(limits)?;
        let header = view.header.clone();
        let start = member.len() - view.data.len();
        Ok(Self {
            bytes: member.into_bytes(),
            header,
            start,
        })
    }

    /// [`Array::load`] for callers that only use a sound array (anything else is `None`).
    pub fn read<'v>(
        file: &SkopsFile<'a>,
        slot: impl Into<Slot<'v>>,
        limits: &Limits,
    ) -> Option<Self> {
        let member = numpy_member(file, slot).ok()?;
        let view = member.view(limits).ok()?;
        let header = view.header.clone();
        let start = member.len() - view.data.len();
        Some(Self {
            bytes: member.into_bytes(),
            header,
            start,
        })
    }

    /// The shape.
    pub fn shape(&self) -> &[u64] {
        &self.header.shape
    }

    /// Whether the items are plain numbers of numpy kind `kind` (`'f'`, `'i'`, ...) and `size`
    /// bytes.
    pub fn is(&self, kind: char, size: u64) -> bool {
        matches!(&self.header.descr, Descr::Simple(type_str) if type_str.kind == kind && type_str.size == size)
    }

    /// Whether the items are in the machine's byte order (C code that only checks the type
    /// number reads them as native values).
    pub fn is_native(&self) -> bool {
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
    pub fn dtype(&self) -> String {
        self.header.descr.to_python_repr()
    }

    fn data(&self) -> &[u8] {
        self.bytes.get(self.start..).unwrap_or_default()
    }

    /// The items of a plain integer array, in memory order; `None` for another dtype.
    pub fn ints(&self) -> Option<Vec<i128>> {
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

    /// The items of a float32 or float64 array as `f64` (exactly), in memory order; `None` for
    /// another dtype.
    pub fn float_items(&self) -> Option<Vec<f64>> {
        match self.float_size()? {
            4 => self.decode(|bytes: [u8; 4], big| {
                f64::from(if big {
                    f32::from_be_bytes(bytes)
                } else {
                    f32::from_le_bytes(bytes)
                })
            }),
            _ => self.floats(),
        }
    }

    /// The items of a float64 array, in memory order; `None` for another dtype.
    pub fn floats(&self) -> Option<Vec<f64>> {
        if self.float_size()? != 8 {
            return None;
        }
        self.decode(|bytes: [u8; 8], big| {
            if big {
                f64::from_be_bytes(bytes)
            } else {
                f64::from_le_bytes(bytes)
            }
        })
    }

    /// The item size of a plain float array.
    fn float_size(&self) -> Option<u64> {
        match &self.header.descr {
            Descr::Simple(type_str) if type_str.kind == 'f' => Some(type_str.size),
            _ => None,
        }
    }

    /// Each `N`-byte item decoded by `decode(bytes, big_endian)`.
    fn decode<const N: usize, T>(&self, decode: impl Fn([u8; N], bool) -> T) -> Option<Vec<T>> {
        let Descr::Simple(type_str) = &self.header.descr else {
            return None;
        };
        let big_endian = match type_str.byte_order {
            ByteOrder::Big => true,
            ByteOrder::Little | ByteOrder::NotApplicable => false,
            ByteOrder::Native => cfg!(target_endian = "big"),
        };
        self.data()
            .chunks_exact(N)
            .map(|item| Some(decode(item.try_into().ok()?, big_endian)))
            .collect()
    }
}

/// What the state reader refuses (for every class whose state a validator reads).
#[derive(Debug, thiserror::Error, strum::EnumDiscriminants)]
#[strum_discriminants(name(StateErrorKind), derive(strum::EnumIter))]
#[strum_discriminants(doc = "The variants of [`StateError`], without their data.")]
pub enum StateError {
    /// The state of an object whose state a validator reads is in a form the one state reader
    /// cannot interpret with certainty (another loader than a plain dict, a JSON object or a
    /// defaultdict; a dict of another class; an unknown key type): skops 0.16 would set
    /// attributes the validators cannot predict, so the file is refused.
    #[error("the state of the `{type_name}` at `{path}` cannot be read with certainty: {reason}")]
    Form {
        /// Where the object is, as a Python access path from the root object.
        path: String,
        /// The object's type.
        type_name: String,
        /// What makes the state unreadable.
        reason: String,
    },
}

skops_format::error_kinds!(StateError / StateErrorKind {
    Form => "validate-state-form",
});

impl StateError {
    /// What to tell a user who meets this refusal (the CLI's `hint:` line).
    pub fn hint(&self) -> &'static str {
        "scikit-learn reads this object's attributes unchecked, and its state is in a \
         form skops never writes (a non-dict state, an unusual dict class or key type): \
         skops 0.16 would set attributes no check could see; re-save the model with skops \
         or skops-rs, or do not load it"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TypeNode state for `module.class`.
    fn type_node(module: &str, class: &str) -> String {
        format!(r#"{{"__class__": "{class}", "__module__": "{module}", "__loader__": "TypeNode"}}"#)
    }

    fn json_node(content: &str) -> String {
        format!(
            r#"{{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": {}, "is_json": true}}"#,
            skops_format::json::to_string_compact(&Value::String(content.to_owned().into()))
        )
    }

    /// A DictNode of class `module.class` with `entries` (key text, value state) and the key
    /// type states `key_types`.
    fn dict_node(
        module: &str,
        class: &str,
        entries: &[(&str, String)],
        key_types: &[String],
    ) -> String {
        let content: Vec<String> = entries
            .iter()
            .map(|(key, value)| format!(r#""{key}": {value}"#))
            .collect();
        format!(
            r#"{{"__class__": "{class}", "__module__": "{module}", "__loader__": "DictNode", "content": {{{}}}, "key_types": {{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}]}}}}"#,
            content.join(", "),
            key_types.join(", ")
        )
    }

    /// A schema whose root is an ObjectNode with `content` (none when `None`).
    fn object(content: Option<String>) -> Schema {
        let content = content.map_or(String::new(), |content| {
            format!(r#", "content": {content}"#)
        });
        let text = format!(
            r#"{{"__class__": "KMeans", "__module__": "sklearn.cluster._kmeans", "__loader__": "ObjectNode", "protocol": 2, "_skops_version": "0.16.0"{content}}}"#
        );
        Schema::from_json(text.as_bytes(), &Limits::default()).expect("schema")
    }

    fn str_type() -> String {
        type_node("builtins", "str")
    }

    fn attributes(schema: &Schema) -> std::result::Result<Vec<String>, Unreadable> {
        let state = State::of_object(schema, schema.root())?;
        Ok(state
            .attributes()
            .map(|(name, _)| name.to_string())
            .collect())
    }

    #[test]
    fn a_dict_of_string_keys_sets_every_entry() {
        let schema = object(Some(dict_node(
            "builtins",
            "dict",
            &[("a", json_node("1")), ("b", json_node("2"))],
            &[str_type(), str_type()],
        )));
        assert_eq!(
            attributes(&schema),
            Ok(vec!["a".to_owned(), "b".to_owned()])
        );
    }

    #[test]
    fn key_types_that_keep_the_string_set_attributes_and_others_do_not() {
        for (module, class, sets) in key_types::KEY_TYPES {
            let schema = object(Some(dict_node(
                "builtins",
                "dict",
                &[("_n_threads", json_node("-1"))],
                &[type_node(module, class)],
            )));
            let state = State::of_object(&schema, schema.root()).expect("readable");
            assert_eq!(state.has("_n_threads"), sets, "{module}.{class}");
            assert_eq!(state.other_keys(), usize::from(!sets), "{module}.{class}");
        }
    }

    #[test]
    fn entries_past_the_end_of_key_types_are_dropped() {
        let schema = object(Some(dict_node(
            "collections",
            "OrderedDict",
            &[("a", json_node("1")), ("b", json_node("2"))],
            &[str_type()],
        )));
        assert_eq!(attributes(&schema), Ok(vec!["a".to_owned()]));
    }

    #[test]
    fn a_repeated_key_keeps_its_first_position_and_its_last_value() {
        let schema = object(Some(dict_node(
            "builtins",
            "dict",
            &[
                ("a", json_node("1")),
                ("b", json_node("2")),
                ("a", json_node("3")),
            ],
            &[str_type(), str_type()],
        )));
        let state = State::of_object(&schema, schema.root()).expect("readable");
        assert_eq!(
            state
                .attributes()
                .map(|(name, _)| name.to_string())
                .collect::<Vec<_>>(),
            ["a", "b"]
        );
        let Some(Slot::Node(a)) = state.get("a") else {
            panic!("a is a node");
        };
        assert!(matches!(&schema.node(a).kind, NodeKind::Json { content } if content == "3"));
    }

    #[test]
    fn a_json_object_state_sets_json_values() {
        let schema = object(Some(json_node(
            r#"{"_n_threads": -1, "k": 1, "_n_threads": -2}"#,
        )));
        let state = State::of_object(&schema, schema.root()).expect("readable");
        assert_eq!(
            state
                .attributes()
                .map(|(name, _)| name.to_string())
                .collect::<Vec<_>>(),
            ["_n_threads", "k"]
        );
        assert!(matches!(
            state.get("_n_threads"),
            Some(Slot::Json(Value::Number(number))) if number.as_i64() == Some(-2)
        ));
    }

    #[test]
    fn no_content_and_a_json_null_set_nothing() {
        for schema in [object(None), object(Some(json_node("null")))] {
            let state = State::of_object(&schema, schema.root()).expect("readable");
            assert!(state.is_empty());
        }
    }

    #[test]
    fn a_defaultdict_state_sets_the_entries_of_its_main_dict() {
        let main = dict_node("builtins", "dict", &[("a", json_node("1"))], &[str_type()]);
        let state = format!(
            r#"{{"__class__": "defaultdict", "__module__": "collections", "__loader__": "DefaultDictNode", "content": {{"main": {main}, "default_factory": {}}}}}"#,
            json_node("null")
        );
        assert_eq!(attributes(&object(Some(state))), Ok(vec!["a".to_owned()]));
    }

    #[test]
    fn forms_whose_attributes_cannot_be_known_are_unreadable() {
        let list_of_pairs = r#"{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": []}"#.to_owned();
        let cases = [
            list_of_pairs,
            json_node("[]"),
            json_node(r#""ab""#),
            dict_node(
                "collections",
                "Counter",
                &[("a", json_node("1"))],
                &[str_type()],
            ),
            dict_node(
                "builtins",
                "dict",
                &[("a", json_node("1"))],
                &[type_node("collections", "OrderedDict")],
            ),
            dict_node(
                "builtins",
                "dict",
                &[("a", json_node("1"))],
                &[json_node(r#""str""#)],
            ),
        ];
        for (index, state) in cases.into_iter().enumerate() {
            let schema = object(Some(state));
            assert!(attributes(&schema).is_err(), "case {index}");
        }
    }

    #[test]
    fn key_types_in_a_tuple_are_zipped_too() {
        let state = format!(
            r#"{{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {{"a": {}}}, "key_types": {{"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": [{}]}}}}"#,
            json_node("1"),
            type_node("numpy", "str_")
        );
        assert_eq!(attributes(&object(Some(state))), Ok(vec!["a".to_owned()]));
    }

    #[test]
    fn every_loader_has_a_form() {
        let forms = state_forms();
        assert_eq!(forms.len(), Loader::ALL.len());
        let readable: Vec<&str> = forms
            .iter()
            .filter(|(_, form)| *form != StateForm::Unreadable)
            .map(|(name, _)| *name)
            .collect();
        assert_eq!(readable, ["JsonNode", "DictNode", "DefaultDictNode"]);
    }
}
