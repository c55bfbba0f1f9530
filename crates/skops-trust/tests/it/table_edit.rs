//! The edits of the validator tables (`tests/data/validate/README.md`): schema operations on
//! `schema.json` by key path, and array operations on `.npy` members (also inside a sparse
//! matrix's `.npz`).

use std::cell::Cell;

use skops_format::Limits;
use skops_format::container::{Archive, ArchiveWriter, WriteCompression};
use skops_format::json::{self, Number, Object, Value};
use skops_format::npy::{ByteOrder, Descr, Field, NpyHeader, TypeStr, read_npy, write_npy};

use super::craft::{remove_key, set_at};

/// A `.skops` archive opened for editing: its schema and its members, in order.
pub(crate) struct Edited {
    schema: Value,
    members: Vec<(String, Vec<u8>)>,
    aliases: Vec<(String, String)>,
    next_id: Cell<u64>,
}

impl Edited {
    /// `bytes` (a `.skops` archive), with `aliases` (`@name` → path) for the paths.
    pub(crate) fn new(bytes: &[u8], aliases: &Object) -> Self {
        let archive = Archive::parse(bytes, &Limits::default()).unwrap();
        let members: Vec<(String, Vec<u8>)> = archive
            .entries()
            .iter()
            .map(|entry| (entry.name.clone(), archive.read_entry(entry).unwrap()))
            .collect();
        let schema = members
            .iter()
            .find(|(name, _)| name == "schema.json")
            .map(|(_, content)| json::parse(content, 10_000).unwrap())
            .unwrap();
        let aliases = aliases
            .iter()
            .map(|(name, path)| {
                (
                    name.as_str().unwrap().to_owned(),
                    path.as_str().unwrap().to_owned(),
                )
            })
            .collect();
        Self {
            schema,
            members,
            aliases,
            // Above every `__id__` skops writes (CPython addresses are below 2**47).
            next_id: Cell::new(10u64.pow(15)),
        }
    }

    /// Applies each operation of `edit`, in order.
    pub(crate) fn apply(mut self, edit: &[Value]) -> Self {
        for operation in edit {
            let operation = operation.as_object().unwrap();
            if let Some(path) = operation.get("array") {
                let path = self.path(path);
                self.edit_array(&path, operation);
            } else {
                self.edit_schema(operation);
            }
        }
        self
    }

    /// The archive, written back (deflated, as skops writes it).
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
        for (name, content) in &self.members {
            if name == "schema.json" {
                writer
                    .add(name, json::to_string_pretty(&self.schema).as_bytes())
                    .unwrap();
            } else {
                writer.add(name, content).unwrap();
            }
        }
        writer.finish().unwrap()
    }

    /// The segments of a path (`a/0/b`, or `@alias/b`).
    fn path(&self, path: &Value) -> Vec<String> {
        let text = path.as_str().unwrap();
        let text = match text.strip_prefix('@') {
            Some(aliased) => {
                let (name, rest) = aliased.split_once('/').unwrap_or((aliased, ""));
                let (_, base) = self
                    .aliases
                    .iter()
                    .find(|(alias, _)| alias == name)
                    .unwrap_or_else(|| panic!("no alias {name}"));
                if rest.is_empty() {
                    base.clone()
                } else {
                    format!("{base}/{rest}")
                }
            }
            None => text.to_owned(),
        };
        text.split('/').map(str::to_owned).collect()
    }

    fn fresh_id(&self) -> Value {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        Value::Number(Number::from_u64(id))
    }

    fn get(&self, path: &[String]) -> &Value {
        path.iter().fold(&self.schema, |value, step| match value {
            Value::Object(object) => object
                .get(step)
                .unwrap_or_else(|| panic!("no {step} in {path:?}")),
            Value::Array(items) => &items[step.parse::<usize>().unwrap()],
            other => panic!("no {step} in {other:?}"),
        })
    }

    fn edit_schema(&mut self, operation: &Object) {
        if let Some(path) = operation.get("set") {
            let path = self.path(path);
            let value = operation.get("value").unwrap();
            let value = if path.last().unwrap() == "__id__" && value.as_str() == Some("fresh") {
                self.fresh_id()
            } else {
                self.fresh_ids(value.clone())
            };
            self.put(&path, value);
        } else if let Some(path) = operation.get("json") {
            let path = self.path(path);
            let content = operation.get("content").unwrap().as_str().unwrap();
            let node = self.json_node(content);
            self.put(&path, node);
        } else if let Some(path) = operation.get("remove") {
            let path = self.path(path);
            let (key, parent) = path.split_last().unwrap();
            let steps: Vec<&str> = parent.iter().map(String::as_str).collect();
            let removed_from = match self.get(parent) {
                Value::Array(items) => {
                    let mut items = items.clone();
                    items.remove(key.parse::<usize>().unwrap());
                    Some(Value::Array(items))
                }
                _ => None,
            };
            let schema = std::mem::replace(&mut self.schema, Value::Null);
            self.schema = match removed_from {
                Some(items) => set_at(schema, &steps, items),
                None => remove_key(schema, &steps, key),
            };
        } else if let Some(path) = operation.get("wrap") {
            let path = self.path(path);
            let inner = self.get(&path).clone();
            let mut outer = self.fresh_ids(operation.get("in").unwrap().clone());
            let at: Vec<&str> = operation
                .get("at")
                .unwrap()
                .as_str()
                .unwrap()
                .split('/')
                .collect();
            outer = set_at(outer, &at, inner);
            self.put(&path, outer);
        } else if let Some(from) = operation.get("copy") {
            let value = self.get(&self.path(from)).clone();
            let to = self.path(operation.get("to").unwrap());
            self.put(&to, value);
        } else {
            panic!("unknown operation {operation:?}");
        }
    }

    /// Sets the value at `path`; a new key of a DictNode's `content` gets a `str` key type, and
    /// the index one past the end of a list appends.
    fn put(&mut self, path: &[String], value: Value) {
        let (key, parent) = path.split_last().unwrap();
        if let Value::Array(items) = self.get(parent) {
            if key.parse::<usize>().unwrap() == items.len() {
                let mut items = items.clone();
                items.push(value);
                let steps: Vec<&str> = parent.iter().map(String::as_str).collect();
                let schema = std::mem::replace(&mut self.schema, Value::Null);
                self.schema = set_at(schema, &steps, Value::Array(items));
                return;
            }
        }
        let is_new_key =
            matches!(self.get(parent), Value::Object(object) if !object.contains_key(key));
        if is_new_key {
            let steps: Vec<&str> = parent.iter().map(String::as_str).collect();
            let mut object = self.get(parent).as_object().unwrap().clone();
            object.push(key.as_str(), value);
            let schema = std::mem::replace(&mut self.schema, Value::Null);
            self.schema = set_at(schema, &steps, Value::Object(object));
            if parent.last().map(String::as_str) == Some("content") {
                self.add_str_key_type(&parent[..parent.len() - 1]);
            }
        } else {
            let steps: Vec<&str> = path.iter().map(String::as_str).collect();
            let schema = std::mem::replace(&mut self.schema, Value::Null);
            self.schema = set_at(schema, &steps, value);
        }
    }

    fn add_str_key_type(&mut self, dict: &[String]) {
        let Some(Value::Object(key_types)) = self.get(dict).as_object().unwrap().get("key_types")
        else {
            return;
        };
        let Some(Value::Array(types)) = key_types.get("content") else {
            return;
        };
        let mut types = types.clone();
        let mut str_type = Object::new();
        str_type.push("__class__", "str");
        str_type.push("__module__", "builtins");
        str_type.push("__loader__", "TypeNode");
        types.push(Value::Object(str_type));
        let mut steps: Vec<&str> = dict.iter().map(String::as_str).collect();
        steps.extend(["key_types", "content"]);
        let schema = std::mem::replace(&mut self.schema, Value::Null);
        self.schema = set_at(schema, &steps, Value::Array(types));
    }

    /// `value` with every `"__id__": "fresh"` given a new id.
    fn fresh_ids(&self, value: Value) -> Value {
        match value {
            Value::Object(object) => {
                let mut out = Object::new();
                for (key, child) in object.into_vec() {
                    let fresh = child.as_str() == Some("fresh");
                    let child = match key.as_str() {
                        Some("__id__") if fresh => self.fresh_id(),
                        Some("file") if fresh => {
                            let Value::Number(id) = self.fresh_id() else {
                                unreachable!()
                            };
                            Value::from(format!("{}.npy", id.as_str()))
                        }
                        _ => self.fresh_ids(child),
                    };
                    out.push(key, child);
                }
                Value::Object(out)
            }
            Value::Array(items) => {
                Value::Array(items.into_iter().map(|item| self.fresh_ids(item)).collect())
            }
            other => other,
        }
    }

    /// A JsonNode holding the JSON text `content`, as skops writes one (class `str`: the
    /// class of the text, whatever the value).
    fn json_node(&self, content: &str) -> Value {
        json::parse(content.as_bytes(), 100).unwrap();
        let mut node = Object::new();
        node.push("__class__", "str");
        node.push("__module__", "builtins");
        node.push("__loader__", "JsonNode");
        node.push("content", content);
        node.push("is_json", true);
        node.push("__id__", self.fresh_id());
        Value::Object(node)
    }

    fn edit_array(&mut self, path: &[String], operation: &Object) {
        let node = self.get(path).as_object().unwrap();
        let member = node.get("file").unwrap().as_str().unwrap().to_owned();
        let inner = operation
            .get("npz")
            .map(|name| format!("{}.npy", name.as_str().unwrap()));
        if !self.members.iter().any(|(name, _)| *name == member) {
            // A new array node (`"file": "fresh"`): its member is made by `replace`.
            self.members.push((member.clone(), Vec::new()));
        }
        let (_, content) = self
            .members
            .iter_mut()
            .find(|(name, _)| *name == member)
            .unwrap();
        *content = match inner {
            None => edit_npy(content, operation),
            Some(inner) => {
                let npz = Archive::parse(content, &Limits::default()).unwrap();
                let mut writer = ArchiveWriter::new(WriteCompression::Stored);
                for entry in npz.entries() {
                    let mut array = npz.read_entry(entry).unwrap();
                    if entry.name == inner {
                        array = edit_npy(&array, operation);
                    }
                    writer.add(&entry.name, &array).unwrap();
                }
                writer.finish().unwrap()
            }
        };
    }
}

/// The `.npy` bytes `npy` with one array operation applied.
fn edit_npy(npy: &[u8], operation: &Object) -> Vec<u8> {
    if let Some(Value::Array(pair)) = operation.get("header") {
        let (from, to) = (pair[0].as_str().unwrap(), pair[1].as_str().unwrap());
        return replace_in_header(npy, from, to);
    }
    if let Some(Value::Object(spec)) = operation.get("replace") {
        return replacement(spec);
    }
    let view = read_npy(npy, &Limits::default()).unwrap();
    let mut header = view.header.clone();
    let mut data = view.data.to_vec();
    if let Some(item) = operation.get("item") {
        let index = flat_index(&header, item);
        let (offset, type_str) = element_type(&header.descr, operation.get("field"));
        let size = header.descr.itemsize().unwrap() as usize;
        let at = index * size + offset;
        let bytes = encode(&type_str, number(operation.get("value").unwrap()));
        data[at..at + bytes.len()].copy_from_slice(&bytes);
    } else if let Some(ranges) = operation.get("slice") {
        (header, data) = slice(&header, &data, ranges.as_array().unwrap());
    } else if let Some(shape) = operation.get("reshape") {
        let shape = dims(shape);
        assert_eq!(
            shape.iter().product::<u64>(),
            header.shape.iter().product::<u64>()
        );
        assert!(!header.fortran_order);
        header.shape = shape;
    } else if let Some(target) = operation.get("astype") {
        (header, data) = astype(&header, &data, target);
    } else if let Some(descr) = operation.get("view") {
        let descr = Descr::parse(descr.as_str().unwrap()).unwrap();
        assert_eq!(descr.itemsize(), header.descr.itemsize());
        header.descr = descr;
    } else if operation.get("fortran").is_some() {
        data = to_fortran(&header, &data);
        header.fortran_order = true;
    } else {
        panic!("unknown array operation {operation:?}");
    }
    write_npy(&header, &data).unwrap()
}

/// The `.npy` of a new array: `spec` gives its plain dtype, shape and elements (`fill`,
/// `values` or `linspace`).
fn replacement(spec: &Object) -> Vec<u8> {
    let descr = Descr::parse(spec.get("descr").unwrap().as_str().unwrap()).unwrap();
    let Descr::Simple(type_str) = &descr else {
        panic!("replace makes plain arrays")
    };
    let shape = dims(spec.get("shape").unwrap());
    let count = shape.iter().product::<u64>() as usize;
    let values: Vec<Num> = if let Some(Value::Array(values)) = spec.get("values") {
        values.iter().map(number).collect()
    } else if let Some(Value::Array(ends)) = spec.get("linspace") {
        let (Num::Float(start), Num::Float(stop)) = (number(&ends[0]), number(&ends[1])) else {
            panic!("linspace between floats")
        };
        let step = (stop - start) / (count.max(2) - 1) as f64;
        (0..count)
            .map(|index| Num::Float(start + step * index as f64))
            .collect()
    } else {
        vec![number(spec.get("fill").unwrap()); count]
    };
    assert_eq!(values.len(), count);
    let data: Vec<u8> = values
        .into_iter()
        .flat_map(|value| encode(type_str, value))
        .collect();
    let header = NpyHeader {
        descr,
        fortran_order: false,
        shape,
    };
    write_npy(&header, &data).unwrap()
}

/// A version 1 `.npy` `npy` with the first `from` of its header text replaced by `to`, and
/// the header padded again: any text, even one the writers refuse (an object descr).
fn replace_in_header(npy: &[u8], from: &str, to: &str) -> Vec<u8> {
    assert_eq!(&npy[..8], b"\x93NUMPY\x01\x00");
    let length = usize::from(u16::from_le_bytes([npy[8], npy[9]]));
    let header = std::str::from_utf8(&npy[10..10 + length])
        .unwrap()
        .trim_end();
    assert!(header.contains(from), "no {from} in {header}");
    let mut header = header.replacen(from, to, 1);
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = npy[..8].to_vec();
    out.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(&npy[10 + length..]);
    out
}

fn dims(value: &Value) -> Vec<u64> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|dim| dim.as_number().unwrap().as_u64().unwrap())
        .collect()
}

/// Python's index `value` (negative from the end) into an axis of length `len`.
fn python_index(value: &Value, len: u64) -> u64 {
    let index = value.as_number().unwrap().as_i64().unwrap();
    if index < 0 {
        len.checked_sub(index.unsigned_abs()).unwrap()
    } else {
        index as u64
    }
}

/// The C-order element index of `item` (an index of a 1-d array, or one per axis).
fn flat_index(header: &NpyHeader, item: &Value) -> usize {
    assert!(!header.fortran_order);
    let indices = match item {
        Value::Array(items) => items.clone(),
        one => vec![one.clone()],
    };
    assert_eq!(indices.len(), header.shape.len(), "{item:?}");
    let mut flat = 0;
    for (index, &len) in indices.iter().zip(&header.shape) {
        let index = python_index(index, len);
        assert!(index < len);
        flat = flat * len + index;
    }
    flat as usize
}

/// The offset in an element and the type of the element, or of its field `field`.
fn element_type(descr: &Descr, field: Option<&Value>) -> (usize, TypeStr) {
    match (descr, field) {
        (Descr::Simple(type_str), None) => (0, type_str.clone()),
        (Descr::Structured(fields), Some(name)) => {
            let name = name.as_str().unwrap();
            let mut offset = 0;
            for field in fields {
                if field.name == name {
                    let Descr::Simple(type_str) = &field.descr else {
                        panic!("nested field {name}")
                    };
                    return (offset, type_str.clone());
                }
                offset += field.descr.itemsize().unwrap() as usize;
            }
            panic!("no field {name}")
        }
        (descr, field) => panic!("{field:?} of {descr:?}"),
    }
}

/// A number of a table: an integer, or a float (also `"nan"`, `"inf"`, `"-inf"`).
#[derive(Clone, Copy, Debug)]
enum Num {
    Int(i128),
    Float(f64),
}

fn number(value: &Value) -> Num {
    match value {
        Value::Number(number) if number.is_integer() => {
            Num::Int(number.as_str().parse::<i128>().unwrap())
        }
        Value::Number(number) => Num::Float(number.as_f64().unwrap()),
        Value::String(text) => Num::Float(match text.as_str().unwrap() {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            other => panic!("not a number: {other}"),
        }),
        other => panic!("not a number: {other:?}"),
    }
}

/// `value` as an element of `type_str` (numpy's casting: floats truncated to integers).
fn encode(type_str: &TypeStr, value: Num) -> Vec<u8> {
    let size = type_str.size as usize;
    let mut bytes = match (type_str.kind, value) {
        ('f', Num::Int(int)) => float_bytes(int as f64, size),
        ('f', Num::Float(float)) => float_bytes(float, size),
        ('i' | 'u' | 'b' | 'm' | 'M', value) => {
            let int = match value {
                Num::Int(int) => int,
                Num::Float(float) => float.trunc() as i128,
            };
            // numpy stores a boolean as 0 or 1, and refuses an integer its type cannot hold.
            let int = if type_str.kind == 'b' {
                i128::from(int != 0)
            } else {
                int
            };
            let bits = 8 * size as u32;
            let (low, high) = match type_str.kind {
                'u' | 'b' => (0, 1i128 << bits),
                _ => (-(1i128 << (bits - 1)), 1i128 << (bits - 1)),
            };
            assert!(
                (low..high).contains(&int),
                "{int} does not fit {type_str:?}"
            );
            int.to_le_bytes()[..size].to_vec()
        }
        (kind, value) => panic!("{value:?} as {kind}"),
    };
    if type_str.byte_order == ByteOrder::Big {
        bytes.reverse();
    }
    bytes
}

fn float_bytes(value: f64, size: usize) -> Vec<u8> {
    match size {
        8 => value.to_le_bytes().to_vec(),
        4 => (value as f32).to_le_bytes().to_vec(),
        _ => panic!("float of {size} bytes"),
    }
}

/// The element `bytes` of `type_str` as a number.
fn decode(type_str: &TypeStr, bytes: &[u8]) -> Num {
    let mut bytes = bytes.to_vec();
    if type_str.byte_order == ByteOrder::Big {
        bytes.reverse();
    }
    match type_str.kind {
        'f' => Num::Float(match bytes.len() {
            8 => f64::from_le_bytes(bytes.try_into().unwrap()),
            4 => f64::from(f32::from_le_bytes(bytes.try_into().unwrap())),
            size => panic!("float of {size} bytes"),
        }),
        kind @ ('i' | 'u' | 'b' | 'm' | 'M') => {
            let negative = matches!(kind, 'i' | 'm' | 'M')
                && bytes.last().is_some_and(|&byte| byte & 0x80 != 0);
            let mut wide = [if negative { 0xff } else { 0 }; 16];
            wide[..bytes.len()].copy_from_slice(&bytes);
            Num::Int(i128::from_le_bytes(wide))
        }
        kind => panic!("cannot convert kind {kind}"),
    }
}

/// The slice `ranges` (one per leading axis) of a C-order array.
fn slice(header: &NpyHeader, data: &[u8], ranges: &[Value]) -> (NpyHeader, Vec<u8>) {
    assert!(!header.fortran_order);
    let size = header.descr.itemsize().unwrap() as usize;
    let bounds: Vec<(u64, u64)> = header
        .shape
        .iter()
        .enumerate()
        .map(|(axis, &len)| match ranges.get(axis) {
            None | Some(Value::Null) => (0, len),
            Some(Value::Array(pair)) => {
                let end = |value: &Value, default: u64| match value {
                    Value::Null => default,
                    value => python_index(value, len).min(len),
                };
                (end(&pair[0], 0), end(&pair[1], len))
            }
            Some(other) => panic!("not a range: {other:?}"),
        })
        .collect();
    let shape: Vec<u64> = bounds.iter().map(|(start, stop)| stop - start).collect();
    let mut out = Vec::new();
    for index in 0..shape.iter().product::<u64>() {
        // The source position of output element `index`.
        let (mut rest, mut source, mut stride) = (index, 0, 1);
        for axis in (0..shape.len()).rev() {
            source += (bounds[axis].0 + rest % shape[axis]) * stride;
            rest /= shape[axis];
            stride *= header.shape[axis];
        }
        let at = source as usize * size;
        out.extend_from_slice(&data[at..at + size]);
    }
    let header = NpyHeader {
        shape,
        ..header.clone()
    };
    (header, out)
}

/// The elements of a C-order array in Fortran order.
fn to_fortran(header: &NpyHeader, data: &[u8]) -> Vec<u8> {
    assert!(!header.fortran_order);
    let size = header.descr.itemsize().unwrap() as usize;
    let shape = &header.shape;
    let mut out = Vec::with_capacity(data.len());
    for index in 0..shape.iter().product::<u64>() {
        // Output element `index` walks the first axis fastest.
        let (mut rest, mut source) = (index, 0);
        let mut multi = vec![0; shape.len()];
        for (axis, &len) in shape.iter().enumerate() {
            multi[axis] = rest % len;
            rest /= len;
        }
        for (&position, &len) in multi.iter().zip(shape) {
            source = source * len + position;
        }
        let at = source as usize * size;
        out.extend_from_slice(&data[at..at + size]);
    }
    out
}

/// The array converted to `target`: a plain dtype, or new dtypes for some fields.
fn astype(header: &NpyHeader, data: &[u8], target: &Value) -> (NpyHeader, Vec<u8>) {
    let size = header.descr.itemsize().unwrap() as usize;
    // Each output field: its offset in an input element, its input and output types.
    let (descr, fields): (Descr, Vec<(usize, TypeStr, TypeStr)>) = match (&header.descr, target) {
        (Descr::Simple(from), Value::String(to)) => {
            let Descr::Simple(to) = Descr::parse(&format!("'{}'", to.as_str().unwrap())).unwrap()
            else {
                unreachable!()
            };
            (Descr::Simple(to.clone()), vec![(0, from.clone(), to)])
        }
        (Descr::Structured(from), Value::Object(changes)) => {
            let mut offset = 0;
            let mut out_fields = Vec::new();
            let mut conversions = Vec::new();
            for field in from {
                let field_size = field.descr.itemsize().unwrap() as usize;
                if !field.name.is_empty() {
                    let Descr::Simple(from_type) = &field.descr else {
                        panic!("nested field {}", field.name)
                    };
                    let to_type = match changes.get(&field.name) {
                        Some(to) => {
                            let Descr::Simple(to) =
                                Descr::parse(&format!("'{}'", to.as_str().unwrap())).unwrap()
                            else {
                                unreachable!()
                            };
                            to
                        }
                        None => from_type.clone(),
                    };
                    out_fields.push(Field {
                        descr: Descr::Simple(to_type.clone()),
                        ..field.clone()
                    });
                    conversions.push((offset, from_type.clone(), to_type));
                }
                offset += field_size;
            }
            (Descr::Structured(out_fields), conversions)
        }
        (descr, target) => panic!("astype {target:?} of {descr:?}"),
    };
    let mut out = Vec::new();
    for element in data.chunks_exact(size) {
        for (offset, from, to) in &fields {
            let bytes = &element[*offset..*offset + from.itemsize().unwrap() as usize];
            out.extend(encode(to, decode(from, bytes)));
        }
    }
    let header = NpyHeader {
        descr,
        ..header.clone()
    };
    (header, out)
}
