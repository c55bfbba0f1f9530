//! Helpers that edit a schema's JSON at a path (for the validator tables' edits,
//! `table_edit.rs`).

use skops_format::json::{Object, Value};

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
