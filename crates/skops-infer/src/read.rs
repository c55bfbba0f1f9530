//! Typed reads of an object's state for the builders: ints, floats, strings, arrays (plain
//! and structured), class labels and child objects, each error naming the node path.
//!
//! State is read as skops 0.16 sets it (`skops_trust::state::State`). Python scalars are
//! JSON nodes; numpy scalars (`np.float64(1.0)`) are 0-d `.npy` members; both read the same.

use std::borrow::Cow;

use skops_format::file::SkopsFile;
use skops_format::json::Value;
use skops_format::npy::{ByteOrder, Descr, NpyHeader, TypeStr, read_npy, read_npy_with_header};
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};
use skops_trust::state::{Slot, State, json_value};

use crate::error::{Error, ModelError, Result};
use crate::output::Labels;

/// An object node of the file and the attributes skops sets on it.
pub struct Obj<'f, 'a> {
    file: &'f SkopsFile<'a>,
    id: NodeId,
    path: String,
    type_name: String,
    state: State<'f>,
}

impl<'f, 'a> Obj<'f, 'a> {
    /// The object at node `id`, reached by `path` (`""` for the root).
    pub fn new(file: &'f SkopsFile<'a>, id: NodeId, path: String) -> Result<Self> {
        let node = file.schema().node(id);
        let type_name = node.type_name();
        if !matches!(node.kind, NodeKind::Object { .. }) {
            return Err(ModelError::Unsupported { type_name, path }.into());
        }
        let state = State::of(file, id).map_err(|unreadable| ModelError::Malformed {
            type_name: type_name.clone(),
            path: shown(&path),
            reason: unreadable.0,
        })?;
        Ok(Self {
            file,
            id,
            path,
            type_name,
            state,
        })
    }

    /// The root object of the file.
    pub fn root(file: &'f SkopsFile<'a>) -> Result<Self> {
        Self::new(file, file.schema().root(), String::new())
    }

    /// The file.
    pub fn file(&self) -> &'f SkopsFile<'a> {
        self.file
    }

    /// The object's node.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The object's `module.class`.
    pub fn type_name(&self) -> &str {
        &self.type_name
    }

    /// The object's class name alone.
    pub fn class(&self) -> &str {
        &self.file.schema().node(self.id).class
    }

    /// Its node path from the root, as messages show it (`(root)` for the root).
    pub fn path(&self) -> String {
        shown(&self.path)
    }

    /// Who this is in messages: `module.class` at its path.
    pub fn who(&self) -> String {
        format!("`{}` at `{}`", self.type_name, self.path())
    }

    /// The error of a state that is not what scikit-learn writes.
    pub fn malformed(&self, reason: impl Into<String>) -> Error {
        ModelError::Malformed {
            type_name: self.type_name.clone(),
            path: self.path(),
            reason: reason.into(),
        }
        .into()
    }

    /// The error of an option the engine does not evaluate.
    pub fn unsupported_option(&self, what: impl Into<String>) -> Error {
        ModelError::UnsupportedOption {
            type_name: self.type_name.clone(),
            path: self.path(),
            what: what.into(),
        }
        .into()
    }

    /// Whether the state sets `key`.
    pub fn has(&self, key: &str) -> bool {
        self.state.has(key)
    }

    /// The slot of attribute `key`.
    pub fn slot(&self, key: &str) -> Result<Slot<'_>> {
        self.state
            .get(key)
            .ok_or_else(|| self.malformed(format!("the state has no `{key}`")))
    }

    /// Attribute `key` as a JSON value (a JSON node's value; `None` for an array or object).
    pub fn json(&self, key: &str) -> Result<Option<Value>> {
        Ok(json_value(self.file, self.slot(key)?))
    }

    /// Whether attribute `key` is absent or `None`.
    pub fn is_none(&self, key: &str) -> bool {
        match self.state.get(key) {
            None => true,
            Some(slot) => matches!(json_value(self.file, slot), Some(Value::Null)),
        }
    }

    /// Attribute `key` as a number (a JSON number or a numpy scalar).
    pub fn float(&self, key: &str) -> Result<f64> {
        let slot = self.slot(key)?;
        if let Some(value) = json_value(self.file, slot) {
            return match value {
                Value::Number(number) => number.as_f64(),
                Value::Bool(flag) => Some(f64::from(u8::from(flag))),
                _ => None,
            }
            .ok_or_else(|| self.malformed(format!("`{key}` is not a number")));
        }
        let array = self.array_in(slot, key)?;
        match (array.shape().as_slice(), array.f64s(self)?.as_slice()) {
            ([], [value]) => Ok(*value),
            _ => Err(self.malformed(format!("`{key}` is not a scalar"))),
        }
    }

    /// Attribute `key` as an integer (a JSON integer or a numpy integer scalar).
    pub fn int(&self, key: &str) -> Result<i64> {
        let slot = self.slot(key)?;
        if let Some(value) = json_value(self.file, slot) {
            return match value {
                Value::Number(number) => number.as_i64(),
                Value::Bool(flag) => Some(i64::from(flag)),
                _ => None,
            }
            .ok_or_else(|| self.malformed(format!("`{key}` is not an integer")));
        }
        let array = self.array_in(slot, key)?;
        match (array.shape().as_slice(), array.i64s(self)?.as_slice()) {
            ([], [value]) => Ok(*value),
            _ => Err(self.malformed(format!("`{key}` is not a scalar"))),
        }
    }

    /// Attribute `key` as a non-negative integer that fits `usize`.
    pub fn count(&self, key: &str) -> Result<usize> {
        usize::try_from(self.int(key)?).map_err(|_| self.malformed(format!("`{key}` is negative")))
    }

    /// Attribute `key` as a boolean.
    pub fn bool(&self, key: &str) -> Result<bool> {
        match self.json(key)? {
            Some(Value::Bool(flag)) => Ok(flag),
            _ => Err(self.malformed(format!("`{key}` is not a boolean"))),
        }
    }

    /// Attribute `key` as a string.
    pub fn string(&self, key: &str) -> Result<String> {
        match self.json(key)? {
            Some(Value::String(text)) => text
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| self.malformed(format!("`{key}` is not valid UTF-8"))),
            _ => Err(self.malformed(format!("`{key}` is not a string"))),
        }
    }

    /// Attribute `key` as a numpy array stored as a `.npy` member.
    pub fn array(&self, key: &str) -> Result<NdArray<'a>> {
        self.array_in(self.slot(key)?, key)
    }

    /// Attribute `key` as float64 items and shape (any float, int or bool dtype, converted
    /// as numpy's `astype(float64)` does).
    pub fn floats(&self, key: &str) -> Result<(Vec<f64>, Vec<usize>)> {
        let array = self.array(key)?;
        Ok((array.f64s(self)?, array.shape().to_vec()))
    }

    /// Attribute `key` as a 1-D float64 vector of `len` items (any length when `None`).
    pub fn vector(&self, key: &str, len: Option<usize>) -> Result<Vec<f64>> {
        let (values, shape) = self.floats(key)?;
        match (shape.as_slice(), len) {
            ([n], Some(len)) if *n == len => Ok(values),
            ([_], None) => Ok(values),
            _ => Err(self.malformed(format!(
                "`{key}` has shape {shape:?}, expected ({},)",
                len.map_or("n".to_owned(), |len| len.to_string())
            ))),
        }
    }

    /// The NdArrayNode in `slot` as a `.npy` array.
    pub fn array_in(&self, slot: Slot<'_>, key: &str) -> Result<NdArray<'a>> {
        let Slot::Node(id) = slot else {
            return Err(self.malformed(format!("`{key}` is not a numpy array")));
        };
        NdArray::of(self.file, id).map_err(|reason| self.malformed(format!("`{key}`: {reason}")))
    }

    /// The items of attribute `key` when it is a list or tuple node.
    pub fn items(&self, key: &str) -> Result<Vec<NodeId>> {
        match self.slot(key)? {
            Slot::Node(id) => items_of(self.file, id)
                .ok_or_else(|| self.malformed(format!("`{key}` is not a list or tuple"))),
            Slot::Json(_) => Err(self.malformed(format!("`{key}` is not a list or tuple"))),
        }
    }

    /// The object held by attribute `key`.
    pub fn child(&self, key: &str) -> Result<Obj<'f, 'a>> {
        match self.slot(key)? {
            Slot::Node(id) => Obj::new(self.file, id, self.join(key)),
            Slot::Json(_) => Err(self.malformed(format!("`{key}` is not an object"))),
        }
    }

    /// The object at node `id`, reached from this one by `suffix` (`.estimators_[3]`,
    /// `[0][1]`, ...).
    pub fn descendant(&self, id: NodeId, suffix: &str) -> Result<Obj<'f, 'a>> {
        Obj::new(self.file, id, format!("{}{suffix}", self.path))
    }

    /// The object at node `id`, an item inside attribute `key` reached by `suffix`
    /// (`steps` + `[1][1]` gives `steps[1][1]`).
    pub fn item(&self, id: NodeId, key: &str, suffix: &str) -> Result<Obj<'f, 'a>> {
        Obj::new(self.file, id, format!("{}{suffix}", self.join(key)))
    }

    /// The node's string, when it is a JSON string node.
    pub fn str_at(&self, id: NodeId) -> Option<String> {
        match self.json_at(id) {
            Some(Value::String(text)) => text.as_str().map(str::to_owned),
            _ => None,
        }
    }

    /// Whether the node is a JSON `None`.
    pub fn is_null_at(&self, id: NodeId) -> bool {
        matches!(self.json_at(id), Some(Value::Null))
    }

    /// The node's number, when it is a JSON number or a numpy scalar.
    pub fn float_at(&self, id: NodeId) -> Option<f64> {
        match self.json_at(id) {
            Some(Value::Number(number)) => number.as_f64(),
            Some(_) => None,
            None => {
                let array = NdArray::of(self.file, id).ok()?;
                match (array.shape().as_slice(), array.f64s(self).ok()?.as_slice()) {
                    ([], [value]) => Some(*value),
                    _ => None,
                }
            }
        }
    }

    /// The module and name of a function node (`numpy.log`), when the node is one.
    pub fn function_at(&self, id: NodeId) -> Option<String> {
        let node = self.file.schema().node(id);
        match &node.kind {
            NodeKind::Function => Some(node.type_name()),
            NodeKind::FunctionV0 {
                module_path,
                function,
            } => Some(format!("{module_path}.{function}")),
            _ => None,
        }
    }

    /// The entries of attribute `key` when it is a dict node with string keys.
    pub fn dict(&self, key: &str) -> Result<Vec<(String, NodeId)>> {
        let Slot::Node(id) = self.slot(key)? else {
            return Err(self.malformed(format!("`{key}` is not a dict")));
        };
        match &self.file.schema().node(id).kind {
            NodeKind::Dict { entries, .. } => entries
                .iter()
                .map(|(name, value)| {
                    name.as_str()
                        .map(|name| (name.to_owned(), *value))
                        .ok_or_else(|| {
                            self.malformed(format!("`{key}` has a key that is not UTF-8"))
                        })
                })
                .collect(),
            _ => Err(self.malformed(format!("`{key}` is not a dict"))),
        }
    }

    /// The node's kind.
    pub fn kind_at(&self, id: NodeId) -> &'f NodeKind {
        &self.file.schema().node(id).kind
    }

    /// The node's JSON value, when it is a JSON node.
    pub fn json_at(&self, id: NodeId) -> Option<Value> {
        json_value(self.file, Slot::Node(id))
    }

    /// The items of a list or tuple node.
    pub fn items_at(&self, id: NodeId) -> Option<Vec<NodeId>> {
        items_of(self.file, id)
    }

    /// The labels array at node `id` (an item of a multi-output `classes_` list), named `what`
    /// in errors.
    pub fn labels_at(&self, id: NodeId, what: &str) -> Result<Labels> {
        labels_at(self, id, what)
    }

    /// The state of the reduce node held by attribute `key` (a `Tree`'s `nodes`, `values`,
    /// ...) read as an object, with the node ids of its constructor arguments.
    pub fn reduced(&self, key: &str) -> Result<(Obj<'f, 'a>, Vec<NodeId>)> {
        let Slot::Node(id) = self.slot(key)? else {
            return Err(self.malformed(format!("`{key}` is not a reduced object")));
        };
        let node = self.file.schema().node(id);
        let NodeKind::Reduce { args, state, .. } = &node.kind else {
            return Err(self.malformed(format!("`{key}` is not a reduced object")));
        };
        let path = self.join(key);
        let type_name = node.type_name();
        let state = State::of_node(self.file.schema(), *state).map_err(|unreadable| {
            ModelError::Malformed {
                type_name: type_name.clone(),
                path: shown(&path),
                reason: unreadable.0,
            }
        })?;
        let args = items_of(self.file, *args)
            .ok_or_else(|| self.malformed(format!("`{key}` has no tuple of arguments")))?;
        Ok((
            Obj {
                file: self.file,
                id,
                path,
                type_name,
                state,
            },
            args,
        ))
    }

    /// The items of attribute `key` when it is a numpy object array (GradientBoosting's
    /// `estimators_`), flattened in C order, with its shape (1-D or 2-D).
    pub fn object_array(&self, key: &str) -> Result<(Vec<NodeId>, Vec<usize>)> {
        let not_array = || self.malformed(format!("`{key}` is not an object array"));
        let Slot::Node(id) = self.slot(key)? else {
            return Err(not_array());
        };
        let NodeKind::NdArray(NdArrayStorage::Json { items, shape }) =
            &self.file.schema().node(id).kind
        else {
            return Err(not_array());
        };
        let shape: Vec<usize> = items_of(self.file, *shape)
            .ok_or_else(not_array)?
            .into_iter()
            .map(|dim| match json_value(self.file, Slot::Node(dim)) {
                Some(Value::Number(number)) => {
                    number.as_i64().and_then(|dim| usize::try_from(dim).ok())
                }
                _ => None,
            })
            .collect::<Option<_>>()
            .ok_or_else(not_array)?;
        let flat = match shape.as_slice() {
            [_] => items.clone(),
            [_, _] => {
                let mut flat = Vec::new();
                for &row in items {
                    flat.extend(items_of(self.file, row).ok_or_else(not_array)?);
                }
                flat
            }
            _ => return Err(not_array()),
        };
        if flat.len() != shape.iter().product::<usize>() {
            return Err(self.malformed(format!("`{key}` holds fewer items than its shape")));
        }
        Ok((flat, shape))
    }

    /// Attribute `key` as class labels (`classes_`: an int, float, bool or unicode `.npy`
    /// array, or an object array of strings).
    pub fn labels(&self, key: &str) -> Result<Labels> {
        let slot = self.slot(key)?;
        let Slot::Node(id) = slot else {
            return Err(self.malformed(format!("`{key}` is not an array of labels")));
        };
        labels_at(self, id, key)
    }

    /// The path of attribute `key` of this object.
    fn join(&self, key: &str) -> String {
        if self.path.is_empty() {
            key.to_owned()
        } else {
            format!("{}.{key}", self.path)
        }
    }
}

/// Class labels at node `id` (see [`Obj::labels`]).
pub fn labels_at(obj: &Obj<'_, '_>, id: NodeId, key: &str) -> Result<Labels> {
    let not_labels = |what: &str| obj.malformed(format!("`{key}` {what}"));
    match &obj.file.schema().node(id).kind {
        NodeKind::NdArray(NdArrayStorage::Json { items, .. }) => {
            let mut labels = Vec::with_capacity(items.len());
            for &item in items {
                match obj.json_at(item) {
                    Some(Value::String(text)) => labels.push(
                        text.as_str()
                            .map(str::to_owned)
                            .ok_or_else(|| not_labels("holds a string that is not UTF-8"))?,
                    ),
                    _ => {
                        return Err(not_labels(
                            "is an object array of something else than strings",
                        ));
                    }
                }
            }
            Ok(Labels::Str(labels))
        }
        NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => {
            let array = NdArray::of(obj.file, id).map_err(|reason| not_labels(&reason))?;
            if array.shape().len() != 1 {
                return Err(not_labels("is not one-dimensional"));
            }
            match array.type_str().map(|type_str| type_str.kind) {
                Some('i' | 'u') => Ok(Labels::I64(array.i64s(obj)?)),
                Some('f') => Ok(Labels::F64(array.f64s(obj)?)),
                Some('b') => Ok(Labels::Bool(
                    array
                        .i64s(obj)?
                        .into_iter()
                        .map(|value| value != 0)
                        .collect(),
                )),
                Some('U') => Ok(Labels::Str(array.unicode(obj)?)),
                _ => Err(not_labels(&format!("has dtype {}", array.dtype()))),
            }
        }
        _ => Err(not_labels("is not an array")),
    }
}

/// The items of a list or tuple node.
fn items_of(file: &SkopsFile<'_>, id: NodeId) -> Option<Vec<NodeId>> {
    match &file.schema().node(id).kind {
        NodeKind::List(items) | NodeKind::Tuple(items) => Some(items.clone()),
        _ => None,
    }
}

/// How a path is shown: the root as `(root)`.
fn shown(path: &str) -> String {
    skops_format::schema::path::node_path_display(path).to_owned()
}

/// A numpy array member: its header and bytes.
pub struct NdArray<'a> {
    header: NpyHeader,
    bytes: Cow<'a, [u8]>,
    start: usize,
}

impl<'a> NdArray<'a> {
    /// The `.npy` member of NdArrayNode `id`.
    pub fn of(file: &SkopsFile<'a>, id: NodeId) -> std::result::Result<Self, String> {
        let NodeKind::NdArray(NdArrayStorage::Numpy { file: member }) =
            &file.schema().node(id).kind
        else {
            return Err("is not a numpy array stored as `.npy`".to_owned());
        };
        let bytes = file.member(member).map_err(|error| error.to_string())?;
        // The header `open` parsed from these bytes, when it did: not parsed again.
        let view = match file.array_header(id) {
            Some(header) => read_npy_with_header(&bytes, header),
            None => read_npy(&bytes, file.limits()),
        }
        .map_err(|error| error.to_string())?;
        let header = view.header.clone();
        let start = bytes.len() - view.data.len();
        Ok(Self {
            header,
            bytes,
            start,
        })
    }

    /// The shape.
    pub fn shape(&self) -> Vec<usize> {
        self.header.shape.iter().map(|&dim| dim as usize).collect()
    }

    /// The header.
    pub fn header(&self) -> &NpyHeader {
        &self.header
    }

    /// The dtype as numpy prints it.
    pub fn dtype(&self) -> String {
        self.header.descr.to_python_repr()
    }

    /// The plain dtype's type string (`None` for a structured dtype).
    pub fn type_str(&self) -> Option<&TypeStr> {
        match &self.header.descr {
            Descr::Simple(type_str) => Some(type_str),
            Descr::Structured(_) => None,
        }
    }

    /// The data bytes.
    pub fn data(&self) -> &[u8] {
        &self.bytes[self.start..]
    }

    /// Whether the data is in Fortran order (items are then column-major).
    pub fn fortran_order(&self) -> bool {
        self.header.fortran_order
    }

    /// The items as float64 in C (row-major) order, converted as `astype(float64)` does.
    pub fn f64s(&self, obj: &Obj<'_, '_>) -> Result<Vec<f64>> {
        let type_str = self.plain(obj)?;
        let values = decode_all(self.data(), type_str, 0, item_size(type_str))
            .map(|items| items.into_iter().map(|item| item.as_f64()).collect())
            .ok_or_else(|| {
                obj.malformed(format!(
                    "an array of dtype {} where numbers belong",
                    self.dtype()
                ))
            })?;
        Ok(self.c_order(values))
    }

    /// The items as int64 in C order (integer and boolean dtypes only).
    pub fn i64s(&self, obj: &Obj<'_, '_>) -> Result<Vec<i64>> {
        let type_str = self.plain(obj)?;
        let values = decode_all(self.data(), type_str, 0, item_size(type_str))
            .and_then(|items| {
                items
                    .into_iter()
                    .map(Scalar::as_i64)
                    .collect::<Option<Vec<_>>>()
            })
            .ok_or_else(|| {
                obj.malformed(format!(
                    "an array of dtype {} where integers belong",
                    self.dtype()
                ))
            })?;
        Ok(self.c_order(values))
    }

    /// The items of a unicode (`<U`) array.
    pub fn unicode(&self, obj: &Obj<'_, '_>) -> Result<Vec<String>> {
        let type_str = self.plain(obj)?;
        if type_str.kind != 'U' {
            return Err(obj.malformed(format!("dtype {} where strings belong", self.dtype())));
        }
        let chars = type_str.size as usize;
        let big = matches!(type_str.byte_order, ByteOrder::Big);
        let width = chars * 4;
        if width == 0 {
            return Ok(vec![
                String::new();
                self.header.element_count().unwrap_or(0) as usize
            ]);
        }
        let mut out = Vec::new();
        for item in self.data().chunks_exact(width) {
            let mut text = String::new();
            for code in item.chunks_exact(4) {
                let bytes: [u8; 4] = code.try_into().unwrap_or_default();
                let value = if big {
                    u32::from_be_bytes(bytes)
                } else {
                    u32::from_le_bytes(bytes)
                };
                if value == 0 {
                    break;
                }
                text.push(
                    char::from_u32(value)
                        .ok_or_else(|| obj.malformed("a string holds an invalid code point"))?,
                );
            }
            out.push(text);
        }
        Ok(self.c_order(out))
    }

    /// Field `name` of every record of a structured array, as float64 (a `nodes` array of a
    /// tree: `threshold`, `left_child`, ...).
    pub fn field_f64s(&self, obj: &Obj<'_, '_>, name: &str) -> Result<Vec<f64>> {
        let (type_str, offset, record) = self.field(obj, name)?;
        decode_all(self.data(), type_str, offset, record)
            .map(|items| items.into_iter().map(|item| item.as_f64()).collect())
            .ok_or_else(|| obj.malformed(format!("field `{name}` cannot be read")))
    }

    /// Field `name` of every record, as int64 (integer and boolean fields only).
    pub fn field_i64s(&self, obj: &Obj<'_, '_>, name: &str) -> Result<Vec<i64>> {
        let (type_str, offset, record) = self.field(obj, name)?;
        decode_all(self.data(), type_str, offset, record)
            .and_then(|items| items.into_iter().map(Scalar::as_i64).collect())
            .ok_or_else(|| obj.malformed(format!("field `{name}` is not an integer field")))
    }

    /// The type, offset and record size of field `name`.
    fn field(&self, obj: &Obj<'_, '_>, name: &str) -> Result<(&TypeStr, usize, usize)> {
        let Descr::Structured(fields) = &self.header.descr else {
            return Err(obj.malformed(format!("dtype {} has no field `{name}`", self.dtype())));
        };
        let record = self.header.descr.itemsize().unwrap_or(0) as usize;
        let mut offset = 0usize;
        for field in fields {
            let size = field.descr.itemsize().unwrap_or(0) as usize
                * field.shape.iter().product::<u64>() as usize;
            if field.name == name {
                return match (&field.descr, field.shape.is_empty()) {
                    (Descr::Simple(type_str), true) => Ok((type_str, offset, record)),
                    _ => Err(obj.malformed(format!("field `{name}` is not a plain number"))),
                };
            }
            offset += size;
        }
        Err(obj.malformed(format!("dtype {} has no field `{name}`", self.dtype())))
    }

    fn plain(&self, obj: &Obj<'_, '_>) -> Result<&TypeStr> {
        self.type_str().ok_or_else(|| {
            obj.malformed(format!(
                "a structured array (dtype {}) where plain items belong",
                self.dtype()
            ))
        })
    }

    /// Items in memory order, reordered to C order when the array is in Fortran order.
    fn c_order<T: Clone>(&self, items: Vec<T>) -> Vec<T> {
        let shape = self.shape();
        if !self.header.fortran_order || shape.len() < 2 {
            return items;
        }
        // Fortran order: the first index varies fastest. Only 2-D arrays occur in fitted
        // state; higher ranks are transposed the same way, axis by axis.
        let mut strides = vec![1usize; shape.len()];
        for axis in 1..shape.len() {
            strides[axis] = strides[axis - 1] * shape[axis - 1];
        }
        let mut out = Vec::with_capacity(items.len());
        let mut index = vec![0usize; shape.len()];
        for _ in 0..items.len() {
            let at: usize = index.iter().zip(&strides).map(|(i, s)| i * s).sum();
            out.push(items[at].clone());
            for axis in (0..shape.len()).rev() {
                index[axis] += 1;
                if index[axis] < shape[axis] {
                    break;
                }
                index[axis] = 0;
            }
        }
        out
    }
}

/// One decoded item.
#[derive(Debug, Clone, Copy)]
enum Scalar {
    Float(f64),
    Int(i64),
    UInt(u64),
}

impl Scalar {
    fn as_f64(self) -> f64 {
        match self {
            Self::Float(value) => value,
            Self::Int(value) => value as f64,
            Self::UInt(value) => value as f64,
        }
    }

    fn as_i64(self) -> Option<i64> {
        match self {
            Self::Float(_) => None,
            Self::Int(value) => Some(value),
            Self::UInt(value) => i64::try_from(value).ok(),
        }
    }
}

fn item_size(type_str: &TypeStr) -> usize {
    type_str.size as usize
}

/// Decodes the item of type `type_str` at `offset` in every `stride`-byte record of `data`.
fn decode_all(
    data: &[u8],
    type_str: &TypeStr,
    offset: usize,
    stride: usize,
) -> Option<Vec<Scalar>> {
    let size = type_str.size as usize;
    if stride == 0 || size == 0 || offset + size > stride {
        return None;
    }
    let big = match type_str.byte_order {
        ByteOrder::Big => true,
        ByteOrder::Little | ByteOrder::NotApplicable => false,
        ByteOrder::Native => cfg!(target_endian = "big"),
    };
    data.chunks_exact(stride)
        .map(|record| decode(&record[offset..offset + size], type_str.kind, big))
        .collect()
}

fn decode(bytes: &[u8], kind: char, big: bool) -> Option<Scalar> {
    macro_rules! num {
        ($t:ty) => {{
            let array = bytes.try_into().ok()?;
            if big {
                <$t>::from_be_bytes(array)
            } else {
                <$t>::from_le_bytes(array)
            }
        }};
    }
    Some(match (kind, bytes.len()) {
        ('f', 8) => Scalar::Float(num!(f64)),
        ('f', 4) => Scalar::Float(f64::from(num!(f32))),
        ('i', 8) => Scalar::Int(num!(i64)),
        ('i', 4) => Scalar::Int(i64::from(num!(i32))),
        ('i', 2) => Scalar::Int(i64::from(num!(i16))),
        ('i', 1) => Scalar::Int(i64::from(num!(i8))),
        ('u', 8) => Scalar::UInt(num!(u64)),
        ('u', 4) => Scalar::UInt(u64::from(num!(u32))),
        ('u', 2) => Scalar::UInt(u64::from(num!(u16))),
        ('u', 1) => Scalar::UInt(u64::from(bytes[0])),
        // numpy's `astype` reads any non-zero byte as True.
        ('b', 1) => Scalar::Int(i64::from(bytes[0] != 0)),
        _ => return None,
    })
}
