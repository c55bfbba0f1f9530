//! The HistGradientBoosting `TreePredictor` validator on a real skops-written file
//! (`tests/data/validate/hist_gradient_boosting.skops`, from `make_hist_predictor.py`):
//! unchanged, its predictors pass the validator (and stay untrusted: the predictor alone cannot
//! bound `feature_idx`); with the first predictor's state edited to break one invariant, the
//! audit fails with that invariant's error, whatever is trusted.

use std::path::PathBuf;

use skops_format::container::{ArchiveWriter, WriteCompression};
use skops_format::npy::read_npy;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};
use skops_format::{Limits, SkopsFile};
use skops_trust::audit::TrustReason;
use skops_trust::validate::{PredictorError, ValidateError};
use skops_trust::{Error, ModelFile};

const PREDICTOR: &str = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor";

/// Offsets of sklearn's `PREDICTOR_RECORD_DTYPE` fields in a 56-byte record.
const FEATURE_IDX: usize = 12;
const MISSING_GO_TO_LEFT: usize = 28;
const LEFT: usize = 29;
const RIGHT: usize = 33;
const IS_LEAF: usize = 49;
const IS_CATEGORICAL: usize = 51;
const BITSET_IDX: usize = 52;
const RECORD: usize = 56;

/// The path of the first predictor (the root is a categorical split, bitset row 0).
const PATH: &str = "_predictors[0][0]";

fn predictor_file() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/validate/hist_gradient_boosting.skops");
    std::fs::read(path).unwrap()
}

fn predictors(file: &SkopsFile<'_>) -> Vec<NodeId> {
    file.schema()
        .nodes()
        .filter(|(_, node)| node.type_name() == PREDICTOR)
        .map(|(id, _)| id)
        .collect()
}

/// The file with the `member` array of the first predictor's state rewritten by `edit`, which
/// gets the whole `.npy` bytes and the offset of the data.
fn with_member(member: &str, edit: impl Fn(&mut Vec<u8>, usize)) -> Vec<u8> {
    let bytes = predictor_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let first = predictors(&file)[0];
    let NodeKind::Object {
        content: Some(state),
    } = &file.schema().node(first).kind
    else {
        unreachable!()
    };
    let NodeKind::Dict { entries, .. } = &file.schema().node(*state).kind else {
        unreachable!()
    };
    let array = entries.iter().find(|(key, _)| key == member).unwrap().1;
    let NodeKind::NdArray(NdArrayStorage::Numpy { file: name }) = &file.schema().node(array).kind
    else {
        unreachable!()
    };
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    for entry in file.archive().entries() {
        let mut content = file.member(&entry.name).unwrap().into_owned();
        if &entry.name == name {
            let data_len = read_npy(&content, &Limits::default()).unwrap().data.len();
            let start = content.len() - data_len;
            edit(&mut content, start);
        }
        writer.add(&entry.name, &content).unwrap();
    }
    writer.finish().unwrap()
}

/// The file with field bytes at `offset` of record `node` of the first predictor set.
fn with_field(node: usize, offset: usize, value: &[u8]) -> Vec<u8> {
    with_member("nodes", |content, start| {
        let at = start + node * RECORD + offset;
        content[at..at + value.len()].copy_from_slice(value);
    })
}

/// Where `needle` first occurs in `haystack` (an `.npy` header).
fn find(haystack: &[u8], needle: &[u8]) -> usize {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
        .unwrap()
}

/// The audit's error, with the predictor type trusted (the validator runs first regardless).
fn audit_error(bytes: &[u8]) -> Error {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    file.audit(&[PREDICTOR.to_owned()]).unwrap_err()
}

/// Checks that both predictors of `bytes` pass the validator and stay untrusted. (The file has
/// other untrusted types: the `functools.partial` of `check_array` sklearn stores for
/// categorical features.)
fn assert_predictors_pass(bytes: &[u8]) {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    let report = file.audit(&[]).unwrap();
    let ids = predictors(&file);
    assert_eq!(ids.len(), 2);
    for id in ids {
        assert_eq!(report.node(id).reason, TrustReason::Untrusted);
    }
    assert_eq!(
        report.untrusted_types(),
        [
            "functools.partial",
            PREDICTOR,
            "sklearn.utils.validation.check_array"
        ]
    );
    assert!(file.validate().unwrap().is_empty());
}

#[test]
fn valid_predictors_pass_and_stay_untrusted() {
    assert_predictors_pass(&predictor_file());
    // Rewritten unchanged, it still validates.
    assert_predictors_pass(&with_field(0, LEFT, &1u32.to_le_bytes()));
}

#[test]
fn each_broken_invariant_has_its_error() {
    let error = audit_error(&with_field(0, LEFT, &7u32.to_le_bytes()));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Predictor(PredictorError::ChildOutOfRange { node: 0, side: "left", child: 7, n_nodes: 7, path })) if path == PATH),
        "{error:?}"
    );
    let error = audit_error(&with_field(1, RIGHT, &0u32.to_le_bytes()));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Predictor(PredictorError::ChildOutOfRange {
                node: 1,
                side: "right",
                child: 0,
                ..
            }))
        ),
        "{error:?}"
    );
    // Node 0's right child made its left one: node 1 is shared.
    let error = audit_error(&with_field(0, RIGHT, &1u32.to_le_bytes()));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Predictor(PredictorError::NodeReachedTwice { node: 1, path })) if path == PATH),
        "{error:?}"
    );
    // Node 1 made a leaf: its children 2 and 3 are orphans.
    let error = audit_error(&with_field(1, IS_LEAF, &[1]));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Predictor(PredictorError::NodeUnreached {
                node: 2,
                ..
            }))
        ),
        "{error:?}"
    );
    for (offset, field) in [
        (IS_LEAF, "is_leaf"),
        (MISSING_GO_TO_LEFT, "missing_go_to_left"),
        (IS_CATEGORICAL, "is_categorical"),
    ] {
        let error = audit_error(&with_field(1, offset, &[2]));
        assert!(
            matches!(&error, Error::Validate(ValidateError::Predictor(PredictorError::Flag { node: 1, field: found, value: 2, .. })) if *found == field),
            "{error:?}"
        );
    }
    let error = audit_error(&with_field(1, FEATURE_IDX, &(-1i64).to_le_bytes()));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Predictor(PredictorError::Feature {
                node: 1,
                feature: -1,
                ..
            }))
        ),
        "{error:?}"
    );
    let error = audit_error(&with_field(0, BITSET_IDX, &1u32.to_le_bytes()));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Predictor(PredictorError::BitsetIndex {
                node: 0,
                bitset_idx: 1,
                array: "binned_left_cat_bitsets",
                rows: 1,
                ..
            }))
        ),
        "{error:?}"
    );
    // A numeric split (node 1) may hold any `bitset_idx`: predict does not read it.
    assert_predictors_pass(&with_field(1, BITSET_IDX, &9u32.to_le_bytes()));
}

#[test]
fn malformed_arrays_are_refused() {
    // The bitset rows given 4 words (shape (2, 4)) instead of 8.
    let error = audit_error(&with_member("raw_left_cat_bitsets", |content, _| {
        let header = find(content, b"(1, 8)");
        content[header..header + 6].copy_from_slice(b"(2, 4)");
    }));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Predictor(PredictorError::Bitsets {
                array: "raw_left_cat_bitsets",
                ..
            }))
        ),
        "{error:?}"
    );
    // A field renamed: the dtype is no longer `PREDICTOR_RECORD_DTYPE`.
    let error = audit_error(&with_member("nodes", |content, _| {
        let at = find(content, b"'is_leaf'");
        content[at..at + 9].copy_from_slice(b"'is_lead'");
    }));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Predictor(PredictorError::State { path, .. })) if path == PATH),
        "{error:?}"
    );
    // No records.
    let error = audit_error(&with_member("nodes", |content, start| {
        let at = find(&content[..start], b"(7,)");
        content[at..at + 4].copy_from_slice(b"(0,)");
        content.truncate(start);
    }));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Predictor(PredictorError::State { reason, .. })) if reason.contains("empty")),
        "{error:?}"
    );
}
