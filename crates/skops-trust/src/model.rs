//! A `.skops` file opened by `skops-format`, with what its validators found kept beside it:
//! the usual `get_untrusted_types` then `load` of one file validates it once.

use std::ops::Deref;
use std::path::Path;
use std::sync::OnceLock;

use skops_format::json::Value;
use skops_format::schema::NodeKind;
use skops_format::{CheckedFile, Limits, SkopsFile};

use crate::audit::{self, AuditReport};
use crate::validate::{self, State, Validated};
use crate::{Error, Result};

/// An opened `.skops` file ([`SkopsFile`], which it dereferences to) and its validation.
#[derive(Debug, Clone)]
pub struct ModelFile<'a> {
    file: SkopsFile<'a>,
    /// What the validators found, once they ran (tree members are read and walked again
    /// otherwise).
    validated: OnceLock<Validated>,
}

/// What [`ModelFile::into_checked`] keeps of an opened file, detached from its bytes.
#[derive(Debug, Clone)]
pub struct CheckedModel {
    file: CheckedFile,
    validated: Option<Validated>,
}

impl<'a> Deref for ModelFile<'a> {
    type Target = SkopsFile<'a>;

    fn deref(&self) -> &SkopsFile<'a> {
        &self.file
    }
}

impl<'a> ModelFile<'a> {
    /// Opens the `.skops` file in `data` ([`SkopsFile::open`]); nothing is validated yet.
    pub fn open(data: &'a [u8], limits: &Limits) -> Result<Self> {
        Ok(Self::new(SkopsFile::open(data, limits)?))
    }

    /// Reads the file at `path` into `buffer` and opens it ([`SkopsFile::open_path`]).
    pub fn open_path(
        path: impl AsRef<Path>,
        limits: &Limits,
        buffer: &'a mut Vec<u8>,
    ) -> Result<ModelFile<'a>> {
        Ok(Self::new(SkopsFile::open_path(path, limits, buffer)?))
    }

    /// A file opened by `skops-format`, not yet validated.
    pub fn new(file: SkopsFile<'a>) -> Self {
        Self {
            file,
            validated: OnceLock::new(),
        }
    }

    /// The opened file.
    pub fn file(&self) -> &SkopsFile<'a> {
        &self.file
    }

    /// Detaches what `open` checked and what the validators found from the bytes.
    pub fn into_checked(self) -> CheckedModel {
        CheckedModel {
            file: self.file.into_checked(),
            validated: self.validated.into_inner(),
        }
    }

    /// Attaches `checked` to the very bytes it was made from ([`SkopsFile::reopen`]).
    pub fn reopen(data: &'a [u8], checked: CheckedModel, limits: &Limits) -> Result<Self> {
        Ok(Self {
            file: SkopsFile::reopen(data, checked.file, limits)?,
            validated: checked.validated.map_or_else(OnceLock::new, OnceLock::from),
        })
    }

    /// Runs the validators of the native state sklearn trusts blindly (see
    /// [`validate::validate`]), then audits the schema as skops 0.16 does when loading with
    /// `trusted`, except that the validated nodes are trusted (see [`audit::audit_validated`]).
    ///
    /// Fails with a `Validate*` error for a node whose state fails its validator, whether or
    /// not `trusted` names its type.
    pub fn audit(&self, trusted: &[String]) -> Result<AuditReport> {
        let validated = self.validated()?;
        audit::audit_validated(self.file.schema(), trusted, validated)
    }

    /// Runs the validators on the nodes that have one (see [`validate::validate`]).
    pub fn validate(&self) -> Result<Validated> {
        self.validated().cloned()
    }

    /// The validators' result: computed on the first call, then kept (also across
    /// [`ModelFile::into_checked`] and [`ModelFile::reopen`]). A failure is not kept: it
    /// recurs on the next call.
    fn validated(&self) -> Result<&Validated> {
        if let Some(validated) = self.validated.get() {
            return Ok(validated);
        }
        self.file.begin_validation_reads();
        let result = validate::validate(&self.file, self.file.limits());
        // A read refused past the budget surfaces in a validator as an unreadable array (or
        // as nothing proven): the budget is the reason, whatever the validator made of it.
        if let Some(error) = self.file.validation_budget_error() {
            return Err(Error::Format(error));
        }
        let validated = result?;
        Ok(self.validated.get_or_init(|| validated))
    }

    /// The scikit-learn version that wrote the file: the first `_sklearn_version` string found
    /// in an object's state, in build order, read as skops sets attributes.
    pub fn sklearn_version(&self) -> Option<String> {
        let schema = self.file.schema();
        schema.nodes().find_map(|(id, node)| {
            if !matches!(node.kind, NodeKind::Object { .. }) {
                return None;
            }
            let state = State::of_object(schema, id).ok()?;
            match state.json(&self.file, "_sklearn_version")? {
                Value::String(version) => version.as_str().map(str::to_owned),
                _ => None,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use skops_format::container::{ArchiveWriter, WriteCompression};
    use skops_format::file::SCALAR_KINDS;

    use super::*;

    fn schema_with(body: &str) -> String {
        format!(r#"{{{body}, "protocol": 2, "_skops_version": "0.16.0"}}"#)
    }

    fn archive(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = ArchiveWriter::new(WriteCompression::Stored);
        for (name, bytes) in members {
            writer.add(name, bytes).unwrap();
        }
        writer.finish().unwrap()
    }

    #[test]
    fn the_scalar_kinds_of_the_format_are_those_of_the_types_skops_trusts() {
        let trusted = audit::TrustTables::skops_defaults()
            .unwrap()
            .list("NUMPY_DTYPE_TYPE_NAMES")
            .unwrap();
        let ours: HashSet<String> = SCALAR_KINDS
            .iter()
            .map(|(class, _)| format!("numpy.{class}"))
            .collect();
        assert_eq!(&ours, trusted);
    }

    #[test]
    fn a_file_of_plain_json_is_clean_and_has_no_sklearn_version() {
        let schema = schema_with(
            r#""__class__": "int", "__module__": "builtins", "__loader__": "JsonNode", "content": "1", "is_json": true"#,
        );
        let bytes = archive(&[("schema.json", schema.as_bytes())]);
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        assert!(file.audit(&[]).unwrap().is_clean());
        assert_eq!(file.sklearn_version(), None);
    }

    #[test]
    fn sklearn_version_is_the_first_in_an_object_state() {
        let state = |version: &str| {
            format!(
                r#"{{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {{"_sklearn_version": {{"__class__": "str", "__module__": "builtins", "__loader__": "JsonNode", "content": "\"{version}\"", "is_json": true}}}}, "key_types": {{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{{"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}}]}}}}"#
            )
        };
        let object = |version: &str| {
            format!(
                r#"{{"__class__": "StandardScaler", "__module__": "sklearn.preprocessing._data", "__loader__": "ObjectNode", "content": {}}}"#,
                state(version)
            )
        };
        let schema = schema_with(&format!(
            r#""__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}, {}, {}]"#,
            state("0.0"),
            object("1.9.1"),
            object("1.0")
        ));
        let bytes = archive(&[("schema.json", schema.as_bytes())]);
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        assert_eq!(file.sklearn_version().as_deref(), Some("1.9.1"));
    }
}
