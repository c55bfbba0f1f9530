//! The `numpy.dtype` validator: on a real skops-written file (`tests/data/validate/dtype.skops`,
//! from `make_dtype.py`) the plain dtypes are trusted as validated and the structured and object
//! ones are not; on hand-made files, a DTypeNode whose content is not an array is refused, and
//! an object descr is refused by the `.npy` reader at open.

use std::path::PathBuf;

use skops_format::Error as FormatError;
use skops_format::container::{ArchiveWriter, WriteCompression};
use skops_format::error::{FileError, NpyError};
use skops_format::schema::{NodeId, NodeKind};
use skops_format::{Limits, SkopsFile};
use skops_trust::audit::TrustReason;
use skops_trust::validate::Validator;
use skops_trust::validate::{DtypeError, ValidateError};
use skops_trust::{Error, ModelFile};

const DTYPE: &str = "numpy.dtype";

fn dtype_file() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/validate/dtype.skops");
    std::fs::read(path).unwrap()
}

fn entry(file: &SkopsFile<'_>, key: &str) -> NodeId {
    let NodeKind::Dict { entries, .. } = &file.schema().node(file.schema().root()).kind else {
        unreachable!()
    };
    entries.iter().find(|(name, _)| name == key).unwrap().1
}

/// A raw version 1 `.npy` of `header_dict` (any descr, even one the writer refuses) and `data`.
fn raw_npy(header_dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = header_dict.to_owned();
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&u16::try_from(header.len()).unwrap().to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

/// A file whose root is a DTypeNode with `content` (a node's JSON) and `members`.
fn dtype_root(content: &str, members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    node_root("dtype", content, members)
}

/// A file whose root is a DTypeNode naming class `numpy.{class}`.
fn node_root(class: &str, content: &str, members: &[(&str, Vec<u8>)]) -> Vec<u8> {
    let schema = format!(
        r#"{{"__class__": "{class}", "__module__": "numpy", "__loader__": "DTypeNode", "content": {content}, "__id__": 1, "protocol": 2, "_skops_version": "0.16.0"}}"#
    );
    let mut writer = ArchiveWriter::new(WriteCompression::Stored);
    for (name, bytes) in members {
        writer.add(name, bytes).unwrap();
    }
    writer.add("schema.json", schema.as_bytes()).unwrap();
    writer.finish().unwrap()
}

const ARRAY: &str = r#"{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "2.npy", "__id__": 2}"#;

fn array_root(header_dict: &str, data: &[u8]) -> Vec<u8> {
    dtype_root(ARRAY, &[("2.npy", raw_npy(header_dict, data))])
}

fn untrusted(bytes: &[u8]) -> Vec<String> {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    file.audit(&[]).unwrap().untrusted_types()
}

#[test]
fn plain_dtypes_are_trusted_structured_and_object_ones_are_not() {
    let bytes = dtype_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let report = file.audit(&[]).unwrap();
    let validated = file.validate().unwrap();
    for key in ["float64", "big_endian", "datetime"] {
        let id = entry(&file, key);
        assert_eq!(
            report.node(id).reason,
            TrustReason::Validated {
                type_name: DTYPE,
                validator: Validator::DType,
            },
            "{key}"
        );
        assert_eq!(validated.check(id).unwrap().validator.name(), "dtype");
    }
    for key in ["structured", "object"] {
        assert_eq!(
            report.node(entry(&file, key)).reason,
            TrustReason::Untrusted,
            "{key}"
        );
    }
    assert_eq!(validated.len(), 3);
    assert_eq!(report.untrusted_types(), [DTYPE]);
}

#[test]
fn hand_made_plain_dtypes_are_trusted() {
    for descr in ["<f8", ">i4", "|b1", "<c16", "<U3", "|S5", "<m8[s]"] {
        let bytes = array_root(
            &format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': (0,), }}"),
            &[],
        );
        assert!(untrusted(&bytes).is_empty(), "{descr}");
    }
}

#[test]
fn only_an_empty_one_dimensional_array_is_trusted() {
    // skops writes `np.ndarray(0, dtype)`: another shape is loadable but not trusted.
    for (shape, data) in [
        ("(1,)", vec![0u8; 8]),
        ("(0, 2)", vec![]),
        ("()", vec![0u8; 8]),
    ] {
        let bytes = array_root(
            &format!("{{'descr': '<f8', 'fortran_order': False, 'shape': {shape}, }}"),
            &data,
        );
        assert_eq!(untrusted(&bytes), [DTYPE], "{shape}");
    }
}

#[test]
fn a_structured_dtype_is_not_trusted() {
    let bytes = array_root(
        "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (0,), }",
        &[],
    );
    assert_eq!(untrusted(&bytes), [DTYPE]);
}

#[test]
fn a_class_other_than_dtype_is_not_trusted() {
    let npy = raw_npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (0,), }",
        &[],
    );
    let bytes = node_root("dtypf", ARRAY, &[("2.npy", npy)]);
    assert_eq!(untrusted(&bytes), ["numpy.dtypf"]);
}

#[test]
fn a_content_that_is_not_an_array_is_refused() {
    let json = r#"{"__class__": "int", "__module__": "builtins", "__loader__": "JsonNode", "content": "5", "is_json": true, "__id__": 2}"#;
    let bytes = dtype_root(json, &[]);
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let error = file.audit(&[DTYPE.to_owned()]).unwrap_err();
    assert!(
        matches!(&error, Error::Validate(ValidateError::Dtype(DtypeError::Content { loader: "JsonNode", path })) if path.is_empty()),
        "{error:?}"
    );
}

#[test]
fn an_object_descr_is_refused_at_open() {
    let bytes = array_root(
        "{'descr': '|O', 'fortran_order': False, 'shape': (0,), }",
        &[],
    );
    let error = ModelFile::open(&bytes, &Limits::default()).unwrap_err();
    assert!(
        matches!(&error, Error::Format(FormatError::File(FileError::MemberInvalid { source, .. })) if matches!(**source, FormatError::Npy(NpyError::ObjectDtype))),
        "{error:?}"
    );
}
