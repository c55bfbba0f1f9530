//! Which validator trusts which node of the real skops-written files of `tests/data/validate/`
//! (from their `make_*.py` scripts): the audit names the validator beside each validated node,
//! and `Validated::check` agrees. What the validators refuse is in the tables
//! (`validate_tables.rs`).

use std::path::PathBuf;

use skops_format::Limits;
use skops_format::schema::{NodeId, NodeKind};
use skops_trust::ModelFile;
use skops_trust::audit::{self, TrustReason};
use skops_trust::validate::{
    ASARRAY_FUNCTION, BALL_TREE_TYPE, BSPLINE_TYPE, KD_TREE_TYPE, Validator,
};

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
