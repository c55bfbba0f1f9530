//! `skops_trust::Error` / `skops_format::Error` -> `skops_rs.exceptions.SkopsFormatError(message,
//! kind=...)`.
//!
//! The `kind` is the error's own `kind()` (the one vocabulary of the crates: stable,
//! kebab-case, e.g. `"zip-crc-mismatch"`), so callers can branch on the problem without
//! parsing messages. Where skops 0.16 raises its own message for the same problem (protocol
//! checks, unknown loaders, tampered method/operator/generator nodes, ...), the message is
//! skops' text, so code matching skops' messages keeps working; the other messages are the
//! Rust error's, followed by its causes. Where skops raises another builtin than `ValueError`,
//! the class is also that builtin ([`class_name`], chosen by the error's variant).

use pyo3::prelude::*;
use pyo3::types::PyDict;
use skops_format::Error as FormatError;
use skops_format::error::{FileError, NpzError, SchemaError, SchemaErrorKind};
use skops_trust::Error;
use skops_trust::error::{AuditErrorKind, VisualizeError, VisualizeErrorKind};

/// An error of the crates, as Python shows it.
pub(crate) trait Describe {
    /// Its `kind` and the message of the Python exception.
    fn describe(&self) -> (&'static str, String);

    /// The `skops_rs.exceptions` class raised for it ([`class_name`]).
    fn class_name(&self) -> &'static str;
}

impl Describe for Error {
    fn describe(&self) -> (&'static str, String) {
        describe(self)
    }

    fn class_name(&self) -> &'static str {
        class_name(self)
    }
}

impl Describe for FormatError {
    fn describe(&self) -> (&'static str, String) {
        describe_format(self)
    }

    fn class_name(&self) -> &'static str {
        format_class_name(self)
    }
}

/// Every `kind` a `SkopsFormatError` raised for a `.skops` file can have (format and trust
/// layers), sorted: the one vocabulary the tests check their expectations against.
#[pyfunction]
pub(crate) fn error_kinds() -> Vec<&'static str> {
    let mut kinds: Vec<&'static str> = skops_trust::Error::kinds().collect();
    kinds.sort_unstable();
    kinds
}

/// The Python exception for `error`: a `SkopsFormatError` with its message and kind.
pub(crate) fn format_error(py: Python<'_>, error: &impl Describe) -> PyErr {
    let (kind, message) = error.describe();
    match new_format_error(py, &message, kind, error.class_name()) {
        Ok(err) | Err(err) => err,
    }
}

// The classes of `skops_rs.exceptions` a `.skops` file's error is raised as.
const VALUE_ERROR: &str = "SkopsFormatError";
const TYPE_ERROR: &str = "SkopsFormatTypeError";
const ATTRIBUTE_ERROR: &str = "SkopsFormatAttributeError";

/// The `skops_rs.exceptions` class raised for `error`: a `SkopsFormatError` that is also the
/// builtin exception skops 0.16 raises for the same problem where that is not a `ValueError`,
/// so code written for skops (`except TypeError:`) still catches it. The matches are
/// exhaustive over the families where skops raises another builtin, so a new variant there
/// must choose its class.
fn class_name(error: &Error) -> &'static str {
    match error {
        Error::Format(error) => format_class_name(error),
        Error::Audit(error) => match AuditErrorKind::from(error) {
            // skops' `get_unsafe_set` calls a method on each raw JSON value: `AttributeError`.
            AuditErrorKind::RawGeneratorState => ATTRIBUTE_ERROR,
            AuditErrorKind::TrustTables | AuditErrorKind::RawGeneratorScalar => VALUE_ERROR,
        },
        Error::Visualize(error) => match VisualizeErrorKind::from(error) {
            // `visualize`'s walk: `TypeError` for a value that is not a node.
            VisualizeErrorKind::NotANode => TYPE_ERROR,
            VisualizeErrorKind::InvalidKeyTypes => VALUE_ERROR,
        },
        Error::Policy(_) | Error::Validate(_) => VALUE_ERROR,
    }
}

/// [`class_name`] for a format error; a wrapper's is the class of what it wraps (as its kind
/// is).
fn format_class_name(error: &FormatError) -> &'static str {
    match error {
        FormatError::Schema(error) => match SchemaErrorKind::from(error) {
            // skops' `_check_protocol`: `TypeError` for a protocol that is not an `int`;
            // `get_tree`: for a loader it has no node class for.
            SchemaErrorKind::InvalidProtocol | SchemaErrorKind::UnknownLoader => TYPE_ERROR,
            SchemaErrorKind::NodeNotObject
            | SchemaErrorKind::ProtocolTooNew
            | SchemaErrorKind::ProtocolNegative
            | SchemaErrorKind::MissingKey
            | SchemaErrorKind::WrongType
            | SchemaErrorKind::CachedNodeUnknownId
            | SchemaErrorKind::IdCycle
            | SchemaErrorKind::UnknownArrayType
            | SchemaErrorKind::SparseType
            | SchemaErrorKind::MethodTypeMismatch
            | SchemaErrorKind::OperatorModule
            | SchemaErrorKind::BitGeneratorNameMissing
            | SchemaErrorKind::LoaderMismatch
            | SchemaErrorKind::UnknownNodeId
            | SchemaErrorKind::NodeProtocolMismatch
            | SchemaErrorKind::LoneSurrogate => VALUE_ERROR,
        },
        FormatError::File(FileError::MemberInvalid { source, .. })
        | FormatError::Npz(NpzError::Member { source, .. }) => format_class_name(source),
        FormatError::Io { .. }
        | FormatError::LimitExceeded { .. }
        | FormatError::Zip(_)
        | FormatError::Json(_)
        | FormatError::Npy(_)
        | FormatError::Npz(_)
        | FormatError::File(_) => VALUE_ERROR,
    }
}

fn new_format_error(
    py: Python<'_>,
    message: &str,
    kind: &str,
    class_name: &str,
) -> PyResult<PyErr> {
    let class = py.import("skops_rs.exceptions")?.getattr(class_name)?;
    let kwargs = PyDict::new(py);
    kwargs.set_item("kind", kind)?;
    let instance = class.call((message,), Some(&kwargs))?;
    Ok(PyErr::from_value(instance))
}

/// The message of `error` followed by the messages of its causes (`a: b: c`).
fn with_causes(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    message
}

/// A skops message, followed by where the node is (a JSONPath in `schema.json` for schema
/// errors, a Python access path from the loaded object otherwise).
fn skops_text(text: String, path: &str) -> String {
    if path.is_empty() {
        text
    } else {
        format!("{text} (at `{path}`)")
    }
}

/// The `kind` of `error` (its own `kind()`) and the message the Python exception carries.
pub(crate) fn describe(error: &Error) -> (&'static str, String) {
    let message = match error {
        Error::Format(error) => return describe_format(error),
        Error::Visualize(VisualizeError::NotANode { path, python_type }) => skops_text(
            format!(
                "Cannot deal with <class '{python_type}'>, please report the issue here: \
                 https://github.com/skops-dev/skops/issues"
            ),
            path,
        ),
        Error::Visualize(VisualizeError::InvalidKeyTypes { path }) => skops_text(
            "An invalid 'key_types' node was encountered, please report the issue here: \
             https://github.com/skops-dev/skops/issues"
                .to_owned(),
            path,
        ),
        _ => with_causes(error),
    };
    (error.kind(), message)
}

/// [`describe`] for a format error: skops 0.16's own text where skops raises one.
pub(crate) fn describe_format(error: &FormatError) -> (&'static str, String) {
    let message = match error {
        FormatError::Schema(SchemaError::InvalidProtocol { found }) => {
            format!("Invalid skops protocol {found} in schema.json, expected an integer.")
        }
        FormatError::Schema(SchemaError::ProtocolTooNew {
            protocol,
            supported,
        }) => format!(
            "The file was saved with skops protocol {protocol}, but this version of skops \
             only supports protocols up to {supported}. You might need to update skops to \
             load this file."
        ),
        FormatError::Schema(SchemaError::ProtocolNegative { protocol }) => format!(
            "Invalid skops protocol {protocol} in schema.json, expected a value between 0 \
             and {}.",
            skops_format::schema::PROTOCOL
        ),
        FormatError::Schema(SchemaError::UnknownLoader {
            loader,
            module,
            class,
            protocol,
            path,
        }) => skops_text(
            format!(
                " Can't find loader {loader} for type {module}.{class} and protocol \
                 {protocol}. You might need to update skops to load this file."
            ),
            path,
        ),
        FormatError::Schema(SchemaError::CachedNodeUnknownId { id, path }) => skops_text(
            format!(
                "A cached node refers to an unknown object id {}. This is probably due to \
                 a corrupted or a malicious file.",
                id.map_or_else(|| "None".to_owned(), |id| id.to_string())
            ),
            path,
        ),
        FormatError::Schema(SchemaError::UnknownArrayType { found, path }) => {
            skops_text(format!("Unknown type {found}."), path)
        }
        FormatError::Schema(SchemaError::SparseType {
            module,
            class,
            path,
        }) => skops_text(format!("Cannot load object of type {module}.{class}"), path),
        FormatError::Schema(SchemaError::MethodTypeMismatch {
            expected_module,
            expected_class,
            found_module,
            found_class,
            path,
        }) => skops_text(
            format!(
                "Expected object of type {expected_module}.{expected_class}, got \
                 {found_module}.{found_class}. This is probably due to a corrupted or a \
                 malicious file."
            ),
            path,
        ),
        FormatError::Schema(SchemaError::OperatorModule { module, path }) => skops_text(
            format!(
                "Expected module 'operator', got {module}. This is probably due to a \
                 corrupted or a malicious file."
            ),
            path,
        ),
        FormatError::Schema(SchemaError::BitGeneratorNameMissing { path }) => skops_text(
            "Could not find the bit generator name in the numpy.random.Generator state. \
             This is probably due to a corrupted or a malicious file."
                .to_owned(),
            path,
        ),
        _ => with_causes(error),
    };
    (error.kind(), message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use skops_format::error::NpyError;

    #[test]
    fn wrappers_take_the_kind_of_what_they_wrap() {
        let inner = FormatError::Npy(NpyError::BadMagic);
        let wrapped = FormatError::File(FileError::MemberInvalid {
            member: "1.npy".to_owned(),
            path: "coef_".to_owned(),
            source: Box::new(FormatError::Npz(NpzError::Member {
                name: "data.npy".to_owned(),
                source: Box::new(inner),
            })),
        });
        let (kind, message) = describe_format(&wrapped);
        assert_eq!(kind, "npy-bad-magic");
        assert!(message.contains("`1.npy`"), "{message}");
        assert!(message.contains("magic"), "{message}");
    }

    #[test]
    fn skops_messages_are_kept_with_the_path() {
        let error = FormatError::Schema(SchemaError::BitGeneratorNameMissing {
            path: "$[\"content\"]".to_owned(),
        });
        let (kind, message) = describe_format(&error);
        assert_eq!(kind, "schema-bit-generator-name-missing");
        assert!(message.starts_with("Could not find the bit generator name"));
        assert!(message.ends_with("(at `$[\"content\"]`)"));
    }

    #[test]
    fn the_class_is_the_builtin_skops_raises_even_when_wrapped() {
        let protocol = || {
            FormatError::Schema(SchemaError::InvalidProtocol {
                found: "1.0".to_owned(),
            })
        };
        assert_eq!(format_class_name(&protocol()), TYPE_ERROR);
        let wrapped = FormatError::File(FileError::MemberInvalid {
            member: "1.npy".to_owned(),
            path: "coef_".to_owned(),
            source: Box::new(protocol()),
        });
        assert_eq!(format_class_name(&wrapped), TYPE_ERROR);
        assert_eq!(class_name(&Error::Format(wrapped)), TYPE_ERROR);
        assert_eq!(
            format_class_name(&FormatError::Npy(NpyError::BadMagic)),
            VALUE_ERROR
        );
    }
}
