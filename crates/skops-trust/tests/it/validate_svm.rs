//! The SVM and BSpline validators on a real skops-written file
//! (`tests/data/validate/svm_bspline.skops`, from `make_svm_bspline.py`: a list of a 3-class rbf
//! SVC with probabilities, a precomputed-kernel SVC, a NuSVR, a OneClassSVM, a sparse SVC and a
//! SplineTransformer): unchanged, the SVMs pass (skops trusts them already) and the
//! transformer's BSplines are trusted as validated; with one array or schema value edited to
//! break an invariant, the audit fails with that invariant's error, whatever is trusted.

use std::path::PathBuf;

use super::craft::{first_rows, rewrite, set_at, set_item};
use skops_format::container::{Archive, ArchiveWriter, WriteCompression};
use skops_format::json::{self, Value};
use skops_format::npy::{Descr, NpyHeader, read_npy, write_npy};
use skops_format::schema::{NdArrayStorage, NodeKind};
use skops_format::{Limits, SkopsFile};
use skops_trust::audit::TrustReason;
use skops_trust::validate::Validator;
use skops_trust::validate::{ASARRAY_FUNCTION, BSPLINE_TYPE};
use skops_trust::validate::{BsplineError, SvmError, ValidateError};
use skops_trust::{Error, ModelFile};

/// The models of the fixture list, by index.
const RBF_SVC: usize = 0;
const PRECOMPUTED_SVC: usize = 1;
const NU_SVR: usize = 2;
const SPARSE_SVC: usize = 4;
const SPLINES: usize = 5;
const CALLABLE_SVC: usize = 6;

/// The sparse SVC's matrix type and the callable SVC's kernel, which skops leaves untrusted.
const CSR: &str = "scipy.sparse._csr.csr_matrix";
const RBF_KERNEL: &str = "sklearn.metrics.pairwise.rbf_kernel";

fn fixture() -> Vec<u8> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/validate/svm_bspline.skops");
    std::fs::read(path).unwrap()
}

/// The state entries of model `model` of the fixture list (for the transformer, of its first
/// BSpline when `spline`).
fn state_member(file: &SkopsFile<'_>, model: usize, spline: bool, key: &str) -> String {
    let schema = file.schema();
    let NodeKind::List(models) = &schema.node(schema.root()).kind else {
        unreachable!()
    };
    let mut object = models[model];
    if spline {
        object = entry(file, object, "bsplines_");
        let NodeKind::List(splines) = &schema.node(object).kind else {
            unreachable!()
        };
        object = splines[0];
    }
    let array = entry(file, object, key);
    match &schema.node(array).kind {
        NodeKind::NdArray(NdArrayStorage::Numpy { file: name })
        | NodeKind::SparseMatrix { file: name } => name.clone(),
        other => panic!("{other:?}"),
    }
}

fn entry(
    file: &SkopsFile<'_>,
    object: skops_format::schema::NodeId,
    key: &str,
) -> skops_format::schema::NodeId {
    let NodeKind::Object {
        content: Some(state),
    } = &file.schema().node(object).kind
    else {
        unreachable!()
    };
    let NodeKind::Dict { entries, .. } = &file.schema().node(*state).kind else {
        unreachable!()
    };
    entries.iter().find(|(name, _)| name == key).unwrap().1
}

/// The fixture with the `key` array of model `model` (of its first BSpline when `spline`)
/// replaced by `edit(header, data)`.
fn with_array(
    model: usize,
    spline: bool,
    key: &str,
    edit: impl Fn(&mut NpyHeader, &mut Vec<u8>),
) -> Vec<u8> {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let member = state_member(&file, model, spline, key);
    rewrite(&file, |name, content| {
        if name == member {
            let view = read_npy(content, &Limits::default()).unwrap();
            let mut header = view.header.clone();
            let mut data = view.data.to_vec();
            edit(&mut header, &mut data);
            *content = write_npy(&header, &data).unwrap();
        }
    })
}

/// The fixture with the `key` sparse matrix of model `model` rewritten: `edit` gets each
/// `.npy` member of its `.npz` (name, header, data).
fn with_sparse(
    model: usize,
    key: &str,
    edit: impl Fn(&str, &mut NpyHeader, &mut Vec<u8>),
) -> Vec<u8> {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let member = state_member(&file, model, false, key);
    rewrite(&file, |name, content| {
        if name == member {
            let npz = Archive::parse(content, &Limits::default()).unwrap();
            let mut writer = ArchiveWriter::new(WriteCompression::Stored);
            for entry in npz.entries() {
                let array = npz.read_entry(entry).unwrap();
                let view = read_npy(&array, &Limits::default()).unwrap();
                let mut header = view.header.clone();
                let mut data = view.data.to_vec();
                edit(&entry.name, &mut header, &mut data);
                writer
                    .add(&entry.name, &write_npy(&header, &data).unwrap())
                    .unwrap();
            }
            *content = writer.finish().unwrap();
        }
    })
}

/// The fixture with the JsonNodes at the given schema paths (object keys and list indices)
/// holding new JSON text, each under a fresh `__id__` (skops keeps the first node of an id,
/// and small values share one).
fn with_json_nodes(edits: &[(&[&str], &str)]) -> Vec<u8> {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    rewrite(&file, |name, content| {
        if name == "schema.json" {
            let mut schema = json::parse(content, 1000).unwrap();
            for (fresh_id, (path, text)) in (1_000_000_000_000_i64..).zip(edits) {
                let at = |key: &'static str| [path, &[key][..]].concat();
                schema = set_at(schema, &at("content"), Value::from(*text));
                schema = set_at(
                    schema,
                    &at("__id__"),
                    Value::Number(json::Number::from_i64(fresh_id)),
                );
            }
            *content = json::to_string_pretty(&schema).into_bytes();
        }
    })
}

/// The audit's error, with every type of the fixture trusted (the validators run first).
fn audit_error(bytes: &[u8]) -> Error {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    file.audit(&[
        CSR.to_owned(),
        RBF_KERNEL.to_owned(),
        BSPLINE_TYPE.to_owned(),
        ASARRAY_FUNCTION.to_owned(),
    ])
    .unwrap_err()
}

#[test]
fn the_real_models_pass_and_only_the_splines_and_sparse_matrices_gain_trust() {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let validated = file.validate().unwrap();
    assert_eq!(
        validated.types().into_iter().collect::<Vec<_>>(),
        [ASARRAY_FUNCTION, BSPLINE_TYPE, CSR]
    );
    // The SVMs' state is checked, not trusted: they are trusted by skops' defaults already.
    let is_bspline = |id| {
        validated
            .check(id)
            .is_some_and(|check| check.validator == Validator::Bspline)
    };
    let splines = file
        .schema()
        .nodes()
        .filter(|&(id, _)| is_bspline(id))
        .count();
    // Three BSplines (one per feature) and their one shared `_asarray` function.
    assert_eq!(splines, 4);
    let report = file.audit(&[]).unwrap();
    assert_eq!(report.untrusted_types(), [RBF_KERNEL]);
    let bspline = file
        .schema()
        .nodes()
        .find(|(_, node)| node.type_name() == BSPLINE_TYPE)
        .unwrap()
        .0;
    assert_eq!(
        report.node(bspline).reason,
        TrustReason::Validated {
            type_name: BSPLINE_TYPE,
            validator: Validator::Bspline,
        }
    );
    assert!(
        file.audit(&[CSR.to_owned(), RBF_KERNEL.to_owned()])
            .unwrap()
            .is_clean()
    );
    // Rewritten unchanged, it still validates.
    let same = with_array(RBF_SVC, false, "support_", |_, _| {});
    assert_eq!(
        ModelFile::open(&same, &Limits::default())
            .unwrap()
            .validate()
            .unwrap(),
        validated
    );
}

#[test]
fn a_spline_outside_a_consistent_transformer_is_checked_but_not_trusted() {
    let transformer = ["content", "5", "content", "content", "n_features_in_"];
    let bytes = with_json_nodes(&[(&transformer, "4")]);
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    assert!(!file.validate().unwrap().types().contains(BSPLINE_TYPE));
    assert_eq!(
        file.audit(&[]).unwrap().untrusted_types(),
        [ASARRAY_FUNCTION, BSPLINE_TYPE, RBF_KERNEL]
    );
}

#[test]
fn each_broken_svm_invariant_has_its_error() {
    // The CVE-2020-28975 check does not run for a precomputed kernel (no support vectors).
    let error = audit_error(&with_array(
        PRECOMPUTED_SVC,
        false,
        "_n_support",
        set_item(1, i32::to_le_bytes(1 << 20)),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::SupportCounts { path, reason })) if path == "[1]" && reason.contains("sum")),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        RBF_SVC,
        false,
        "_n_support",
        set_item(0, i32::to_le_bytes(-1)),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::SupportCounts { reason, .. })) if reason.contains("negative")),
        "{error:?}"
    );
    let error = audit_error(&with_array(RBF_SVC, false, "_n_support", first_rows(2)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::SupportCounts { reason, .. })) if reason.contains("classes_")),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        NU_SVR,
        false,
        "_n_support",
        set_item(1, i32::to_le_bytes(3)),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::SupportCounts { path, .. })) if path == "[2]"),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        PRECOMPUTED_SVC,
        false,
        "support_",
        set_item(0, i32::to_le_bytes(1 << 30)),
    ));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Svm(SvmError::SupportIndex {
                position: 0,
                index: 1_073_741_824,
                bound: 30,
                ..
            }))
        ),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        RBF_SVC,
        false,
        "support_",
        set_item(2, i32::to_le_bytes(-4)),
    ));
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Svm(SvmError::SupportIndex {
                position: 2,
                index: -4,
                ..
            }))
        ),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        RBF_SVC,
        false,
        "support_vectors_",
        first_rows(1),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::Shape { array, found, .. })) if array == "support_vectors_" && found[0] == 1),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        RBF_SVC,
        false,
        "support_vectors_",
        |header, _| header.shape.swap(0, 1),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::Shape { array, .. })) if array == "support_vectors_"),
        "{error:?}"
    );
    let error = audit_error(&with_array(RBF_SVC, false, "_dual_coef_", first_rows(1)));
    assert!(
        // `dual_coef_` and `_dual_coef_` are one array (one member) in a multi-class SVC.
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::Shape { array, .. })) if array.ends_with("dual_coef_")),
        "{error:?}"
    );
    let error = audit_error(&with_array(RBF_SVC, false, "_intercept_", first_rows(2)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::Shape { array, found, .. })) if array == "_intercept_" && found == &[2]),
        "{error:?}"
    );
    let error = audit_error(&with_array(RBF_SVC, false, "_probA", first_rows(1)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::Shape { array, .. })) if array == "_probA"),
        "{error:?}"
    );
    let error = audit_error(&with_array(RBF_SVC, false, "support_", |header, data| {
        header.descr = Descr::parse("'<i8'").unwrap();
        *data = data
            .chunks_exact(4)
            .flat_map(|item| i64::from(i32::from_le_bytes(item.try_into().unwrap())).to_le_bytes())
            .collect();
    }));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::State { reason, .. })) if reason.contains("int32")),
        "{error:?}"
    );
    let precomputed = |key| ["content", "1", "content", "content", key];
    let error = audit_error(&with_json_nodes(&[(
        &precomputed("kernel"),
        "\"nonsense\"",
    )]));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::State { path, reason })) if path == "[1]" && reason.contains("kernel")),
        "{error:?}"
    );
    let error = audit_error(&with_json_nodes(&[(&precomputed("_sparse"), "true")]));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::State { path, reason })) if path == "[1]" && reason.contains("sparse model with a precomputed")),
        "{error:?}"
    );
}

/// Sets item `index` of an `indptr` (int32 or int64, little-endian), from its items.
fn set_indptr(
    index: usize,
    value: impl Fn(&[i64]) -> i64,
) -> impl Fn(&str, &mut NpyHeader, &mut Vec<u8>) {
    move |name, header, data| {
        if name == "indptr.npy" {
            let size = data.len() / header.shape[0] as usize;
            let items: Vec<i64> = data
                .chunks_exact(size)
                .map(|item| match size {
                    4 => i64::from(i32::from_le_bytes(item.try_into().unwrap())),
                    _ => i64::from_le_bytes(item.try_into().unwrap()),
                })
                .collect();
            let value = value(&items);
            data[index * size..(index + 1) * size].copy_from_slice(&value.to_le_bytes()[..size]);
        }
    }
}

#[test]
fn each_broken_sparse_or_callable_svm_invariant_has_its_error() {
    let error = audit_error(&with_sparse(
        SPARSE_SVC,
        "support_vectors_",
        set_indptr(1, |_| 1 << 20),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::Sparse { path, array, reason })) if path == "[4]" && array == "support_vectors_" && reason.contains("indptr[1]")),
        "{error:?}"
    );
    // `indptr` ends one value short: scipy prunes `data`, libsvm still copies every coefficient.
    let last = |items: &[i64]| items[items.len() - 1] - 1;
    let error = audit_error(&with_sparse(SPARSE_SVC, "_dual_coef_", set_indptr(1, last)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::Sparse { array, reason, .. })) if array.ends_with("dual_coef_") && reason.contains("copies")),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        CALLABLE_SVC,
        false,
        "_BaseLibSVM__Xfit",
        first_rows(3),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::State { path, reason })) if path == "[6]" && reason.contains("_BaseLibSVM__Xfit")),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        CALLABLE_SVC,
        false,
        "support_",
        set_item(0, i32::to_le_bytes(30)),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Svm(SvmError::SupportIndex { path, bound: 30, .. })) if path == "[6]"),
        "{error:?}"
    );
}

#[test]
fn each_broken_bspline_invariant_has_its_error() {
    let error = audit_error(&with_array(SPLINES, true, "_c", first_rows(2)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Bspline(BsplineError::Coefficients { path, .. })) if path == "[5].bsplines_[0]"),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        SPLINES,
        true,
        "_t",
        set_item(3, f64::to_le_bytes(f64::NAN)),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Bspline(BsplineError::Knots { reason, .. })) if reason.contains("finite")),
        "{error:?}"
    );
    let error = audit_error(&with_array(
        SPLINES,
        true,
        "_t",
        set_item(5, f64::to_le_bytes(-1e9)),
    ));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Bspline(BsplineError::Knots { reason, .. })) if reason.contains("decrease")),
        "{error:?}"
    );
    let error = audit_error(&with_array(SPLINES, true, "_t", first_rows(7)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Bspline(BsplineError::Knots { reason, .. })) if reason.contains("at least 8")),
        "{error:?}"
    );
    let spline = |key| {
        [
            "content",
            "5",
            "content",
            "content",
            "bsplines_",
            "content",
            "0",
            "content",
            "content",
            key,
        ]
    };
    let error = audit_error(&with_json_nodes(&[(&spline("axis"), "2")]));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Bspline(BsplineError::Axis { axis, ndim: 2, .. })) if axis == "2"),
        "{error:?}"
    );
    let error = audit_error(&with_json_nodes(&[(
        &spline("extrapolate"),
        "\"sideways\"",
    )]));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Bspline(BsplineError::State { reason, .. })) if reason.contains("extrapolate")),
        "{error:?}"
    );
    let error = audit_error(&with_json_nodes(&[(&spline("k"), "-1")]));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Bspline(BsplineError::State { reason, .. })) if reason.contains("`k`")),
        "{error:?}"
    );
}
