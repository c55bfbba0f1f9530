//! Which validator trusts which node of the real skops-written files of `tests/data/validate/`
//! (from their `make_*.py` scripts): the audit names the validator beside each validated node,
//! and `Validated::check` agrees; the validators run once per opened file, and a width above a
//! caller's tighter limit is refused. What the validators refuse in a file is in the tables
//! (`validate_tables.rs`).

use std::path::PathBuf;

use skops_format::container::{ArchiveWriter, WriteCompression};
use skops_format::npy::read_npy;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind, ReduceKind};
use skops_format::{Limits, SkopsFile};
use skops_trust::audit::{self, TrustReason};
use skops_trust::validate::{
    ASARRAY_FUNCTION, BALL_TREE_TYPE, BSPLINE_TYPE, KD_TREE_TYPE, Validator,
};
use skops_trust::validate::{TreeError, ValidateError, WidthError};
use skops_trust::{Error, ModelFile};

fn read(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/validate")
        .join(name);
    std::fs::read(path).unwrap()
}

/// The node of entry `key` of the root dict.
fn entry(file: &ModelFile<'_>, key: &str) -> NodeId {
    let NodeKind::Dict { entries, .. } = &file.schema().node(file.schema().root()).kind else {
        unreachable!()
    };
    entries.iter().find(|(name, _)| name == key).unwrap().1
}

/// The first node of type `type_name`.
fn first_of(file: &ModelFile<'_>, type_name: &str) -> NodeId {
    file.schema()
        .nodes()
        .find(|(_, node)| node.type_name() == type_name)
        .map(|(id, _)| id)
        .unwrap_or_else(|| panic!("no {type_name}"))
}

/// The items of a node's state tuple.
fn state_items(file: &ModelFile<'_>, id: NodeId) -> Vec<NodeId> {
    let NodeKind::Object {
        content: Some(state),
    } = &file.schema().node(id).kind
    else {
        unreachable!()
    };
    let NodeKind::Tuple(items) = &file.schema().node(*state).kind else {
        unreachable!()
    };
    items.clone()
}

/// Checks that node `id` of type `type_name` is trusted by `validator`, by the audit with
/// nothing trusted and by `Validated::check`.
fn assert_validated_by(file: &ModelFile<'_>, id: NodeId, type_name: &str, validator: Validator) {
    let report = file.audit(&[]).unwrap();
    match report.node(id).reason {
        TrustReason::Validated {
            type_name: found,
            validator: by,
        } => assert_eq!((found, by), (type_name, validator)),
        other => panic!("{type_name}: {other:?}"),
    }
    let check = file.validate().unwrap();
    assert_eq!(check.check(id).unwrap().validator, validator, "{type_name}");
}

#[test]
fn binary_trees_and_their_metrics_are_trusted_by_the_binary_tree_validator() {
    for (name, tree_type, metric_type) in [
        (
            "kneighbors_kd_tree.skops",
            KD_TREE_TYPE,
            "sklearn.metrics._dist_metrics.EuclideanDistance64",
        ),
        (
            "nearest_neighbors_mahalanobis.skops",
            BALL_TREE_TYPE,
            "sklearn.metrics._dist_metrics.MahalanobisDistance64",
        ),
    ] {
        let bytes = read(name);
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        let tree = first_of(&file, tree_type);
        let metric = state_items(&file, tree)[11];
        assert_validated_by(&file, tree, tree_type, Validator::BinaryTree);
        assert_validated_by(&file, metric, metric_type, Validator::BinaryTree);
        assert_eq!(Validator::BinaryTree.name(), "binary-tree");
        // The schema alone (no members to validate) is audited exactly as skops does.
        let mut expected = vec![metric_type, tree_type];
        expected.sort_unstable();
        assert_eq!(
            audit::audit(file.schema(), &[]).unwrap().untrusted_types(),
            expected
        );
    }
}

#[test]
fn plain_dtypes_are_trusted_by_the_dtype_validator_structured_and_object_ones_are_not() {
    let bytes = read("dtype.skops");
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    for key in ["float64", "big_endian", "datetime"] {
        assert_validated_by(&file, entry(&file, key), "numpy.dtype", Validator::DType);
    }
    let report = file.audit(&[]).unwrap();
    for key in ["structured", "object"] {
        assert_eq!(
            report.node(entry(&file, key)).reason,
            TrustReason::Untrusted,
            "{key}"
        );
    }
    assert_eq!(file.validate().unwrap().len(), 3);
    assert_eq!(Validator::DType.name(), "dtype");
}

#[test]
fn tweedie_losses_are_trusted_by_the_loss_validator() {
    let bytes = read("loss.skops");
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    for type_name in [
        "sklearn._loss.loss.HalfTweedieLossIdentity",
        "sklearn._loss.loss.HalfTweedieLoss",
    ] {
        assert_validated_by(
            &file,
            first_of(&file, type_name),
            type_name,
            Validator::Loss,
        );
    }
    assert_eq!(Validator::Loss.name(), "loss");
}

#[test]
fn sparse_matrices_are_trusted_by_the_sparse_validator_except_dia() {
    let bytes = read("sparse.skops");
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    for (key, class) in [
        ("csr", "scipy.sparse._csr.csr_matrix"),
        ("csc", "scipy.sparse._csc.csc_matrix"),
        ("bsr", "scipy.sparse._bsr.bsr_matrix"),
        ("coo", "scipy.sparse._coo.coo_matrix"),
        ("csr_array", "scipy.sparse._csr.csr_array"),
    ] {
        assert_validated_by(&file, entry(&file, key), class, Validator::Sparse);
    }
    let report = file.audit(&[]).unwrap();
    assert_eq!(
        report.node(entry(&file, "dia")).reason,
        TrustReason::Untrusted
    );
    assert_eq!(file.validate().unwrap().len(), 5);
    assert_eq!(Validator::Sparse.name(), "sparse");
}

#[test]
fn splines_are_trusted_by_the_bspline_validator_and_svms_are_only_checked() {
    let bytes = read("svm_bspline.skops");
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let validated = file.validate().unwrap();
    // Three BSplines (one per feature) and their one shared `_asarray` function.
    let by_bspline = file
        .schema()
        .nodes()
        .filter(|&(id, _)| {
            validated
                .check(id)
                .is_some_and(|check| check.validator == Validator::Bspline)
        })
        .count();
    assert_eq!(by_bspline, 4);
    let spline = first_of(&file, BSPLINE_TYPE);
    assert_validated_by(&file, spline, BSPLINE_TYPE, Validator::Bspline);
    assert_validated_by(
        &file,
        first_of(&file, ASARRAY_FUNCTION),
        ASARRAY_FUNCTION,
        Validator::Bspline,
    );
    // The SVMs' state is checked, not trusted: skops trusts them already.
    let svc = first_of(&file, "sklearn.svm._classes.SVC");
    assert!(validated.check(svc).is_none());
    assert_eq!(Validator::Bspline.name(), "bspline");
}

// ----- the tree of a pipeline (`pipeline_tree.skops` of the visualize data) --------------------

/// Offset of `left_child` in sklearn's 64-byte `NODE_DTYPE` record.
const LEFT: usize = 0;
const RECORD: usize = 64;

fn tree_file() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../skops-format/tests/data/visualize/pipeline_tree.skops");
    std::fs::read(path).unwrap()
}

fn tree_node(file: &SkopsFile<'_>) -> NodeId {
    file.schema()
        .nodes()
        .find(|(_, node)| {
            matches!(
                node.kind,
                NodeKind::Reduce {
                    kind: ReduceKind::Tree,
                    ..
                }
            )
        })
        .map(|(id, _)| id)
        .unwrap()
}

/// The file with the records of the tree's `nodes` member changed by `edit`.
fn with_nodes(edit: impl Fn(&mut [u8])) -> Vec<u8> {
    let bytes = tree_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let NodeKind::Reduce { state, .. } = &file.schema().node(tree_node(&file)).kind else {
        unreachable!()
    };
    let NodeKind::Dict { entries, .. } = &file.schema().node(*state).kind else {
        unreachable!()
    };
    let nodes = entries.iter().find(|(key, _)| key == "nodes").unwrap().1;
    let NodeKind::NdArray(NdArrayStorage::Numpy { file: member }) = &file.schema().node(nodes).kind
    else {
        unreachable!()
    };
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    for entry in file.archive().entries() {
        let mut content = file.member(&entry.name).unwrap().into_owned();
        if &entry.name == member {
            let data_len = read_npy(&content, &Limits::default()).unwrap().data.len();
            let start = content.len() - data_len;
            edit(&mut content[start..]);
        }
        writer.add(&entry.name, &content).unwrap();
    }
    writer.finish().unwrap()
}

fn set(records: &mut [u8], node: usize, offset: usize, value: i64) {
    let at = node * RECORD + offset;
    records[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

/// A sound tree held as `tree_` by a decision tree whose `n_features_in_` (what predict checks
/// `X` against) equals the tree's `n_features` is trusted by default, as validated.
#[test]
fn a_valid_tree_held_by_its_estimator_is_trusted() {
    let bytes = tree_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let validated = file.validate().unwrap();
    assert_eq!(
        validated.types().into_iter().collect::<Vec<_>>(),
        ["sklearn.tree._tree.Tree"]
    );
    let check = validated.check(tree_node(&file)).unwrap();
    assert_eq!(check.validator, Validator::Tree);
    assert_eq!(check.validator.name(), "tree");
    let report = file.audit(&[]).unwrap();
    assert!(report.is_clean(), "{:?}", report.untrusted_types());
    assert_eq!(
        report.node(tree_node(&file)).reason,
        TrustReason::Validated {
            type_name: "sklearn.tree._tree.Tree",
            validator: Validator::Tree,
        }
    );
    // The schema alone (no members to validate) is audited exactly as skops does.
    assert_eq!(
        audit::audit(file.schema(), &[]).unwrap().untrusted_types(),
        ["sklearn.tree._tree.Tree"]
    );
    // Rewritten unchanged, it still validates.
    let same = with_nodes(|_| {});
    let file = ModelFile::open(&same, &Limits::default()).unwrap();
    assert!(file.audit(&[]).unwrap().is_clean());
}

/// The validators run once per opened file: their result travels with `into_checked` and
/// `reopen` (which promise the very same bytes), so `get_untrusted_types` then `load` reads
/// the tree members once. Shown by reopening onto bytes whose tree is broken: the kept
/// result is used; without one, the validators run on the bytes at hand.
#[test]
fn validation_runs_once_per_opened_file() {
    let bytes = tree_file();
    let broken = with_nodes(|records| set(records, 0, LEFT, 1_000));
    assert!(
        ModelFile::open(&broken, &Limits::default())
            .unwrap()
            .audit(&[])
            .is_err()
    );

    let validated = ModelFile::open(&bytes, &Limits::default()).unwrap();
    assert!(validated.audit(&[]).unwrap().is_clean());
    let reopened = ModelFile::reopen(&broken, validated.into_checked(), &Limits::default());
    assert!(reopened.unwrap().audit(&[]).unwrap().is_clean());

    let not_validated = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let reopened = ModelFile::reopen(&broken, not_validated.into_checked(), &Limits::default());
    assert!(matches!(
        reopened.unwrap().audit(&[]),
        Err(Error::Validate(ValidateError::Tree(
            TreeError::ChildOutOfRange { .. }
        )))
    ));
}

#[test]
fn widths_above_their_limits_are_refused_with_the_width() {
    let bytes = tree_file();
    let sound = ModelFile::open(&bytes, &Limits::default()).unwrap();
    assert!(sound.validate().is_ok());
    let tight = |limits: Limits| {
        let file = ModelFile::open(&bytes, &limits).unwrap();
        file.validate().unwrap_err()
    };
    let cases = [
        (
            Limits {
                max_n_features: 1,
                ..Limits::default()
            },
            ("n_features", "steps[1][1].tree_"),
        ),
        (
            Limits {
                max_n_classes: 1,
                ..Limits::default()
            },
            // The estimator's `n_classes_` comes first, in build order.
            ("n_classes_", "steps[1][1]"),
        ),
        (
            Limits {
                max_class_columns: 1,
                ..Limits::default()
            },
            ("n_outputs * max(n_classes)", "steps[1][1].tree_"),
        ),
    ];
    for (limits, expected) in cases {
        match tight(limits) {
            Error::Validate(ValidateError::Width(WidthError::AboveLimit {
                attribute,
                path,
                ..
            })) => {
                assert_eq!((attribute.as_str(), path.as_str()), expected);
            }
            other => panic!("{expected:?}: {other:?}"),
        }
    }
}
