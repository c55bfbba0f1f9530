//! Helpers that craft `.skops` files for the validator tests: rewrite an archive's members,
//! and edit a schema's JSON at a path.

use skops_format::SkopsFile;
use skops_format::container::{ArchiveWriter, WriteCompression};
use skops_format::json::{Object, Value};
use skops_format::npy::NpyHeader;

/// `value` with the node at `path` (object keys, array indices) replaced by `new`.
pub(crate) fn set_at(value: Value, path: &[&str], new: Value) -> Value {
    let Some((head, rest)) = path.split_first() else {
        return new;
    };
    match value {
        Value::Object(object) => {
            let mut rebuilt = Object::new();
            for (key, child) in object.into_vec() {
                let child = if key == *head {
                    set_at(child, rest, new.clone())
                } else {
                    child
                };
                rebuilt.push(key, child);
            }
            Value::Object(rebuilt)
        }
        Value::Array(items) => {
            let index: usize = head.parse().unwrap();
            Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(at, child)| {
                        if at == index {
                            set_at(child, rest, new.clone())
                        } else {
                            child
                        }
                    })
                    .collect(),
            )
        }
        other => panic!("no {head} in {other:?}"),
    }
}

/// `value` with entry `key` of the object at `path` removed.
pub(crate) fn remove_key(value: Value, path: &[&str], key: &str) -> Value {
    match (value, path.split_first()) {
        (Value::Object(object), None) => {
            let mut rebuilt = Object::new();
            for (name, child) in object.into_vec() {
                if name != key {
                    rebuilt.push(name, child);
                }
            }
            Value::Object(rebuilt)
        }
        (Value::Object(object), Some((head, rest))) => {
            let mut rebuilt = Object::new();
            for (name, child) in object.into_vec() {
                let child = if name == *head {
                    remove_key(child, rest, key)
                } else {
                    child
                };
                rebuilt.push(name, child);
            }
            Value::Object(rebuilt)
        }
        (Value::Array(items), Some((head, rest))) => {
            let index: usize = head.parse().unwrap();
            Value::Array(
                items
                    .into_iter()
                    .enumerate()
                    .map(|(at, child)| {
                        if at == index {
                            remove_key(child, rest, key)
                        } else {
                            child
                        }
                    })
                    .collect(),
            )
        }
        (other, _) => panic!("no {path:?} in {other:?}"),
    }
}

/// The archive of `file` with each member passed through `edit(name, content)`.
pub(crate) fn rewrite(file: &SkopsFile<'_>, edit: impl Fn(&str, &mut Vec<u8>)) -> Vec<u8> {
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    for entry in file.archive().entries() {
        let mut content = file.member(&entry.name).unwrap().into_owned();
        edit(&entry.name, &mut content);
        writer.add(&entry.name, &content).unwrap();
    }
    writer.finish().unwrap()
}

/// An array edit (for the tests' `with_array`) that overwrites item `index` with `bytes`, the
/// item's little-endian encoding (`i64::to_le_bytes(7)`).
pub(crate) fn set_item<const N: usize>(
    index: usize,
    bytes: [u8; N],
) -> impl Fn(&mut NpyHeader, &mut Vec<u8>) {
    move |_, data| data[index * N..index * N + N].copy_from_slice(&bytes)
}

/// An array edit that keeps the first `rows` rows.
pub(crate) fn first_rows(rows: u64) -> impl Fn(&mut NpyHeader, &mut Vec<u8>) {
    move |header, data| {
        let row_bytes = data.len() / header.shape[0] as usize;
        header.shape[0] = rows;
        data.truncate(rows as usize * row_bytes);
    }
}
