//! What skops 0.16 makes of a DictNode key: `key_type(key)` for each entry, where the key type
//! is a `TypeNode` zipped with the entries (`zip(key_types, content.items())`). Whether a key
//! names an attribute of the object whose state the dict is decides what the object holds;
//! paths ([`super::path`]) and the trust layer's state reader both follow this table.

use super::Node;
use crate::schema::NodeKind;

/// What `key_type(key)` makes of a DictNode key, for each key type skops 0.16 trusts by
/// default (`TypeNode`'s default trust: `PRIMITIVE_TYPE_NAMES + CONTAINER_TYPE_NAMES +
/// NUMPY_DTYPE_TYPE_NAMES`), as `(module, class, sets_attribute)`. `sets_attribute` is true
/// where the result is a `str` equal to the key (`str(key)`, `numpy.str_(key)`, and
/// `numpy.object_(key)`, which returns its argument); every other type makes a number, a
/// bool, bytes, a tuple (none names an attribute), or raises (the load fails). A test reads
/// the default trust from skops at test time and checks each type against Python.
pub const KEY_TYPES: [(&str, &str, bool); 33] = [
    ("builtins", "str", true),
    ("numpy", "str_", true),
    ("numpy", "object_", true),
    ("builtins", "int", false),
    ("builtins", "float", false),
    ("builtins", "bool", false),
    ("builtins", "list", false),
    ("builtins", "set", false),
    ("builtins", "map", false),
    ("builtins", "tuple", false),
    ("numpy", "bool", false),
    ("numpy", "bool_", false),
    ("numpy", "bytes_", false),
    ("numpy", "clongdouble", false),
    ("numpy", "complex128", false),
    ("numpy", "complex64", false),
    ("numpy", "datetime64", false),
    ("numpy", "float16", false),
    ("numpy", "float32", false),
    ("numpy", "float64", false),
    ("numpy", "int16", false),
    ("numpy", "int32", false),
    ("numpy", "int64", false),
    ("numpy", "int8", false),
    ("numpy", "longdouble", false),
    ("numpy", "longlong", false),
    ("numpy", "timedelta64", false),
    ("numpy", "uint16", false),
    ("numpy", "uint32", false),
    ("numpy", "uint64", false),
    ("numpy", "uint8", false),
    ("numpy", "ulonglong", false),
    ("numpy", "void", false),
];

/// Whether TypeNode `node`, as a key type, makes a DictNode key the attribute of the same name
/// (false for any other node or type: see [`KEY_TYPES`]).
pub fn names_attribute(node: &Node) -> bool {
    matches!(node.kind, NodeKind::Type)
        && KEY_TYPES
            .iter()
            .any(|&(module, class, sets)| sets && module == node.module && class == node.class)
}
