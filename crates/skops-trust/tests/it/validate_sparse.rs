//! The sparse matrix validator on a real skops-written file (`tests/data/validate/sparse.skops`,
//! from `make_sparse.py`: a dict of csr, csc, bsr, coo, csr_array and dia matrices with int32
//! indices and float64 data): unchanged, every matrix but the dia one is trusted as validated;
//! with one member of one matrix edited to break an invariant, the audit fails with that
//! invariant's error, whatever is trusted.

use std::path::PathBuf;

use skops_format::container::{Archive, ArchiveWriter, WriteCompression};
use skops_format::error::FileError;
use skops_format::npy::read_npy;
use skops_format::schema::{NodeId, NodeKind};
use skops_format::{Limits, SkopsFile};
use skops_trust::audit::TrustReason;
use skops_trust::validate::Validator;
use skops_trust::validate::{NeighborsError, SparseError, ValidateError};
use skops_trust::{Error, ModelFile};

fn sparse_file() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/validate/sparse.skops");
    std::fs::read(path).unwrap()
}

/// The node of dict entry `key` of the root.
fn entry(file: &SkopsFile<'_>, key: &str) -> NodeId {
    let NodeKind::Dict { entries, .. } = &file.schema().node(file.schema().root()).kind else {
        unreachable!()
    };
    entries.iter().find(|(name, _)| name == key).unwrap().1
}

/// The file with member `member` (without `.npy`) of the `.npz` of dict entry `key` rewritten
/// by `edit`, which gets the whole `.npy` bytes and the offset of its data.
fn with_member(key: &str, member: &str, edit: impl Fn(&mut Vec<u8>, usize)) -> Vec<u8> {
    let bytes = sparse_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let NodeKind::SparseMatrix { file: npz } = &file.schema().node(entry(&file, key)).kind else {
        unreachable!()
    };
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    for outer in file.archive().entries() {
        let mut content = file.member(&outer.name).unwrap().into_owned();
        if &outer.name == npz {
            let inner = Archive::parse(&content, &Limits::default()).unwrap();
            let mut npz_writer = ArchiveWriter::new(WriteCompression::Stored);
            for entry in inner.entries() {
                let mut array = inner.read_entry(entry).unwrap();
                if entry.name == format!("{member}.npy") {
                    let data_len = read_npy(&array, &Limits::default()).unwrap().data.len();
                    let start = array.len() - data_len;
                    edit(&mut array, start);
                }
                npz_writer.add(&entry.name, &array).unwrap();
            }
            content = npz_writer.finish().unwrap();
        }
        writer.add(&outer.name, &content).unwrap();
    }
    writer.finish().unwrap()
}

/// Sets item `index` of an int32 array.
fn set_i32(index: usize, value: i32) -> impl Fn(&mut Vec<u8>, usize) {
    move |array, start| {
        let at = start + 4 * index;
        array[at..at + 4].copy_from_slice(&value.to_le_bytes());
    }
}

/// Replaces `from` by `to` (same length) in an `.npy` header.
fn retype(from: &'static str, to: &'static str) -> impl Fn(&mut Vec<u8>, usize) {
    move |array, start| {
        let at = array[..start]
            .windows(from.len())
            .position(|window| window == from.as_bytes())
            .unwrap();
        array[at..at + to.len()].copy_from_slice(to.as_bytes());
    }
}

/// The audit's error, with every sparse type trusted (the validator runs first regardless).
fn audit_error(bytes: &[u8]) -> Error {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    let trusted: Vec<String> = skops_trust::validate::SPARSE_TYPES
        .iter()
        .map(|name| (*name).to_owned())
        .chain(["scipy.sparse._dia.dia_matrix".to_owned()])
        .collect();
    file.audit(&trusted).unwrap_err()
}

#[test]
fn real_matrices_are_trusted_except_dia() {
    for bytes in [sparse_file(), with_member("csr", "data", |_, _| {})] {
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        let validated = file.validate().unwrap();
        assert_eq!(validated.len(), 5);
        let report = file.audit(&[]).unwrap();
        assert_eq!(report.untrusted_types(), ["scipy.sparse._dia.dia_matrix"]);
        for (key, class) in [
            ("csr", "scipy.sparse._csr.csr_matrix"),
            ("csc", "scipy.sparse._csc.csc_matrix"),
            ("bsr", "scipy.sparse._bsr.bsr_matrix"),
            ("coo", "scipy.sparse._coo.coo_matrix"),
            ("csr_array", "scipy.sparse._csr.csr_array"),
        ] {
            let id = entry(&file, key);
            assert_eq!(
                report.node(id).reason,
                TrustReason::Validated {
                    type_name: class,
                    validator: Validator::Sparse,
                }
            );
            assert_eq!(validated.check(id).unwrap().validator.name(), "sparse");
        }
        assert_eq!(
            report.node(entry(&file, "dia")).reason,
            TrustReason::Untrusted
        );
    }
}

#[test]
fn a_schema_naming_another_class_is_not_trusted() {
    let bytes = sparse_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let schema = String::from_utf8(file.member("schema.json").unwrap().into_owned()).unwrap();
    // The csr entry's class renamed to csc: the `.npz` still builds a csr_matrix.
    let renamed = schema
        .replacen(r#""csr_matrix""#, r#""csc_matrix""#, 1)
        .replacen(r#""scipy.sparse._csr""#, r#""scipy.sparse._csc""#, 1);
    assert_ne!(renamed, schema);
    let mut writer = ArchiveWriter::new(WriteCompression::Stored);
    for outer in file.archive().entries() {
        let content = file.member(&outer.name).unwrap().into_owned();
        let content = if outer.name == "schema.json" {
            renamed.clone().into_bytes()
        } else {
            content
        };
        writer.add(&outer.name, &content).unwrap();
    }
    let bytes = writer.finish().unwrap();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let report = file.audit(&[]).unwrap();
    assert_eq!(
        report.untrusted_types(),
        [
            "scipy.sparse._csc.csc_matrix",
            "scipy.sparse._dia.dia_matrix"
        ]
    );
    assert_eq!(file.validate().unwrap().len(), 4);
}

#[test]
fn indptr_must_start_at_zero_rise_and_end_at_nnz() {
    // csr: 6 rows, 7 entries: indptr [0, 2, 3, 5, 6, 7, 7].
    let error = audit_error(&with_member("csr", "indptr", set_i32(0, 1)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Sparse(SparseError::Indptr { position: 0, path, .. })) if path == r#"["csr"]"#),
        "{error:?}"
    );
    let error = audit_error(&with_member("csr", "indptr", set_i32(2, 1)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Sparse(SparseError::Indptr { position: 2, reason, .. })) if reason.contains("decreases")),
        "{error:?}"
    );
    let error = audit_error(&with_member("csr", "indptr", |array, start| {
        set_i32(5, 6)(array, start);
        set_i32(6, 6)(array, start);
    }));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Sparse(SparseError::Indptr { position: 6, reason, .. })) if reason.contains("ends at 6")),
        "{error:?}"
    );
    // The same for csc and the block pointers of bsr (3 block rows, 4 blocks).
    let error = audit_error(&with_member("csc", "indptr", set_i32(0, 1)));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Sparse(SparseError::Indptr {
                position: 0,
                ..
            }))
        ),
        "{error:?}"
    );
    let error = audit_error(&with_member("bsr", "indptr", set_i32(3, 3)));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Sparse(SparseError::Indptr {
                position: 3,
                ..
            }))
        ),
        "{error:?}"
    );
}

#[test]
fn indices_must_be_inside_the_minor_dimension() {
    for (key, array, value, bound) in [
        ("csr", "indices", 4, 4),
        ("csr", "indices", -1, 4),
        ("csr_array", "indices", 1_000_000_000, 4),
        ("csc", "indices", 6, 6),
        // bsr: 2x2 blocks on a 6x4 matrix, so block columns in [0, 2).
        ("bsr", "indices", 2, 2),
        ("coo", "row", 6, 6),
        ("coo", "col", -3, 4),
        ("coo", "col", 4, 4),
    ] {
        let error = audit_error(&with_member(key, array, set_i32(0, value)));
        assert!(
            matches!(&error, Error::Validate(ValidateError::Sparse(SparseError::Index { array: found, position: 0, index, bound: b, .. }))
                if *found == array && *index == i64::from(value) && *b == bound),
            "{key} {array} {value}: {error:?}"
        );
    }
}

#[test]
fn data_must_be_numeric() {
    for key in ["csr", "coo", "dia"] {
        let error = audit_error(&with_member(key, "data", retype("<f8", "<m8")));
        assert!(
            matches!(&error, Error::Validate(ValidateError::Sparse(SparseError::Dtype { array: "data", dtype, .. })) if dtype.contains("m8")),
            "{key}: {error:?}"
        );
    }
}

#[test]
fn shape_must_fit_int64() {
    // csc: the rows only bound `indices`, so a huge row count passes the structure check.
    let bytes = with_member("csc", "shape", |array, start| {
        retype("<i8", "<u8")(array, start);
        array[start..start + 8].copy_from_slice(&(1u64 << 63).to_le_bytes());
    });
    let error = audit_error(&bytes);
    assert!(
        matches!(&error, Error::Validate(ValidateError::Sparse(SparseError::Shape { rows, cols: 4, .. })) if *rows == 1 << 63),
        "{error:?}"
    );
}

#[test]
fn the_structure_check_at_open_refuses_non_integer_indices_and_bad_lengths() {
    for bytes in [
        with_member("csr", "indices", retype("<i4", "<f4")),
        // `indptr` one short of the 6 rows.
        with_member("csr", "indptr", |array, start| {
            retype("(7,)", "(6,)")(array, start);
            array.truncate(start + 4 * 6);
        }),
    ] {
        let error = ModelFile::open(&bytes, &Limits::default()).unwrap_err();
        assert!(
            matches!(
                error,
                Error::Format(skops_format::Error::File(FileError::MemberInvalid { .. }))
            ),
            "{error:?}"
        );
    }
}

/// A file whose root is a `KNeighborsClassifier` holding the fixture's csr matrix (shape
/// `(6, 4)`) as `_fit_X`, with the given `n_features_in_` and `n_samples_fit_` (`None`: left
/// out).
fn neighbors_file(n_features_in: Option<i64>, n_samples_fit: Option<i64>) -> Vec<u8> {
    let bytes = sparse_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let NodeKind::SparseMatrix { file: npz } = &file.schema().node(entry(&file, "csr")).kind else {
        unreachable!()
    };
    let int = |id: u64, value: i64| {
        format!(
            r#"{{"__class__": "int", "__module__": "builtins", "__loader__": "JsonNode", "content": "{value}", "is_json": true, "__id__": {id}}}"#
        )
    };
    let mut entries = vec![format!(
        r#""_fit_X": {{"__class__": "csr_matrix", "__module__": "scipy.sparse._csr", "__loader__": "SparseMatrixNode", "type": "scipy", "file": "{npz}", "__id__": 10}}"#
    )];
    if let Some(value) = n_features_in {
        entries.push(format!(r#""n_features_in_": {}"#, int(11, value)));
    }
    if let Some(value) = n_samples_fit {
        entries.push(format!(r#""n_samples_fit_": {}"#, int(12, value)));
    }
    let key_types = vec![
        r#"{"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode", "__id__": 13}"#;
        entries.len()
    ];
    let schema = format!(
        r#"{{"__class__": "KNeighborsClassifier", "__module__": "sklearn.neighbors._classification", "__loader__": "ObjectNode", "content": {{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {{{}}}, "key_types": {{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}], "__id__": 14}}, "__id__": 15}}, "__id__": 16, "protocol": 2, "_skops_version": "0.16.0"}}"#,
        entries.join(", "),
        key_types.join(", ")
    );
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    writer.add(npz, &file.member(npz).unwrap()).unwrap();
    writer.add("schema.json", schema.as_bytes()).unwrap();
    writer.finish().unwrap()
}

/// Whether the `_fit_X` matrix of a [`neighbors_file`] is trusted by its validator (a shape
/// that disagrees with the estimator is refused outright by the neighbors validator).
fn fit_x_trusted(bytes: &[u8]) -> bool {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    let report = match file.audit(&[]) {
        Ok(report) => report,
        Err(Error::Validate(ValidateError::Neighbors(NeighborsError::FitX { .. }))) => {
            return false;
        }
        Err(error) => panic!("{error:?}"),
    };
    let fit_x = file
        .schema()
        .nodes()
        .find(|(_, node)| matches!(node.kind, NodeKind::SparseMatrix { .. }))
        .unwrap()
        .0;
    match report.node(fit_x).reason {
        TrustReason::Validated { validator, .. } => validator == Validator::Sparse,
        _ => false,
    }
}

/// A neighbors estimator's sparse `_fit_X` is read by the pairwise-distance reductions with the
/// query's width (checked against `n_features_in_`) and its rows index graphs of
/// `n_samples_fit_` columns: it is trusted only when both match its shape.
#[test]
fn a_fit_x_is_trusted_only_when_tied_to_its_estimator() {
    assert!(fit_x_trusted(&neighbors_file(Some(4), Some(6))));
    for (n_features_in, n_samples_fit) in [
        (Some(3), Some(6)),
        (Some(5), Some(6)),
        (Some(4), Some(5)),
        (Some(4), Some(7)),
        (None, Some(6)),
        (Some(4), None),
    ] {
        let bytes = neighbors_file(n_features_in, n_samples_fit);
        assert!(
            !fit_x_trusted(&bytes),
            "{n_features_in:?} {n_samples_fit:?}"
        );
        // A sound matrix is never refused for where it sits: only the estimator whose
        // `n_features_in_`/`n_samples_fit_` disagree with it is (by the neighbors validator).
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        let mismatched =
            n_features_in.is_some_and(|n| n != 4) || n_samples_fit.is_some_and(|n| n != 6);
        match file.validate() {
            Ok(_) => assert!(!mismatched),
            Err(error) => assert!(
                mismatched
                    && matches!(
                        error,
                        Error::Validate(ValidateError::Neighbors(NeighborsError::FitX { .. }))
                    ),
                "{error:?}"
            ),
        }
    }
}
