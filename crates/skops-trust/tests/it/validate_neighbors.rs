//! The neighbors and k-means validators on a real skops-written file
//! (`tests/data/validate/neighbors_kmeans.skops`, from `make_neighbors_kmeans.py`: a list of a
//! brute-force KNeighborsClassifier, a multi-output one, a RadiusNeighborsClassifier, a
//! NearestNeighbors on sparse data, a KMeans, a MiniBatchKMeans and an unfitted
//! KNeighborsRegressor): unchanged, they pass and gain no trust (skops trusts them already);
//! with one array or schema value edited to break an invariant, the audit fails with that
//! invariant's error, whatever is trusted.

use std::path::PathBuf;

use super::craft::{first_rows, remove_key, rewrite, set_at, set_item};
use skops_format::container::{Archive, ArchiveWriter, WriteCompression};
use skops_format::json::{self, Value};
use skops_format::npy::{NpyHeader, read_npy, write_npy};
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};
use skops_format::{Limits, SkopsFile};
use skops_trust::validate::{KMeansError, NeighborsError, ValidateError};
use skops_trust::{Error, ModelFile};

/// The models of the fixture list, by index.
const KNN: usize = 0;
const KNN_2D: usize = 1;
const RADIUS: usize = 2;
const SPARSE_NN: usize = 3;
const KMEANS: usize = 4;
const MINIBATCH: usize = 5;

/// The sparse NearestNeighbors' matrix type, which skops leaves untrusted.
const CSR: &str = "scipy.sparse._csr.csr_matrix";

fn fixture() -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/validate/neighbors_kmeans.skops");
    std::fs::read(path).unwrap()
}

fn model(file: &SkopsFile<'_>, model: usize) -> NodeId {
    let schema = file.schema();
    let NodeKind::List(models) = &schema.node(schema.root()).kind else {
        unreachable!()
    };
    models[model]
}

fn entry(file: &SkopsFile<'_>, object: NodeId, key: &str) -> NodeId {
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

/// The member name of array (or sparse matrix) `key` of model `index`.
fn member(file: &SkopsFile<'_>, index: usize, key: &str) -> String {
    match &file
        .schema()
        .node(entry(file, model(file, index), key))
        .kind
    {
        NodeKind::NdArray(NdArrayStorage::Numpy { file: name })
        | NodeKind::SparseMatrix { file: name } => name.clone(),
        other => panic!("{other:?}"),
    }
}

/// The fixture with the `key` array of model `index` replaced by `edit(header, data)`.
fn with_array(index: usize, key: &str, edit: impl Fn(&mut NpyHeader, &mut Vec<u8>)) -> Vec<u8> {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let name = member(&file, index, key);
    rewrite(&file, |member, content| {
        if member == name {
            let view = read_npy(content, &Limits::default()).unwrap();
            let mut header = view.header.clone();
            let mut data = view.data.to_vec();
            edit(&mut header, &mut data);
            *content = write_npy(&header, &data).unwrap();
        }
    })
}

/// The fixture with the `shape` of the sparse matrix `key` of model `index` set to `shape`.
fn with_sparse_shape(index: usize, key: &str, shape: [i64; 2]) -> Vec<u8> {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let name = member(&file, index, key);
    rewrite(&file, |member, content| {
        if member == name {
            let npz = Archive::parse(content, &Limits::default()).unwrap();
            let mut writer = ArchiveWriter::new(WriteCompression::Stored);
            for entry in npz.entries() {
                let array = npz.read_entry(entry).unwrap();
                let view = read_npy(&array, &Limits::default()).unwrap();
                let mut data = view.data.to_vec();
                if entry.name == "shape.npy" {
                    data = shape.iter().flat_map(|dim| dim.to_le_bytes()).collect();
                }
                writer
                    .add(&entry.name, &write_npy(&view.header, &data).unwrap())
                    .unwrap();
            }
            *content = writer.finish().unwrap();
        }
    })
}

/// The fixture with the JsonNode `key` of model `index` holding `text`, under a fresh
/// `__id__` (skops keeps the first node of an id, and small values share one).
fn with_json(index: usize, key: &str, text: &str) -> Vec<u8> {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let position = index.to_string();
    let path = ["content", position.as_str(), "content", "content", key];
    rewrite(&file, |name, content| {
        if name == "schema.json" {
            let mut schema = json::parse(content, 1000).unwrap();
            let at = |field: &'static str| [&path[..], &[field][..]].concat();
            schema = set_at(schema, &at("content"), Value::from(text));
            schema = set_at(
                schema,
                &at("__id__"),
                Value::Number(json::Number::from_i64(1_000_000_000_000)),
            );
            *content = json::to_string_pretty(&schema).into_bytes();
        }
    })
}

/// The audit's error, with every type of the fixture trusted (the validators run first).
fn audit_error(bytes: &[u8]) -> Error {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    file.audit(&[CSR.to_owned()]).unwrap_err()
}

#[test]
fn the_real_models_pass_and_gain_no_trust() {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let validated = file.validate().unwrap();
    // Only the sparse `_fit_X` (tied to its estimator) is trusted; the estimators are
    // trusted by skops' defaults already.
    assert_eq!(validated.types().into_iter().collect::<Vec<_>>(), [CSR]);
    assert!(file.audit(&[]).unwrap().is_clean());
}

#[test]
fn a_fit_x_narrower_than_n_features_in_is_refused() {
    let error = audit_error(&with_json(KNN, "n_features_in_", "2000000"));
    let Error::Validate(ValidateError::Neighbors(NeighborsError::FitX { path, found, .. })) =
        &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(found, &[40, 5]);
    assert!(path.contains("[0]"), "{path}");
}

#[test]
fn a_fit_x_of_other_rows_than_n_samples_fit_is_refused() {
    let error = audit_error(&with_array(RADIUS, "_fit_X", first_rows(10)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Neighbors(NeighborsError::FitX { found, .. })) if found == &[10, 5]),
        "{error:?}"
    );
}

#[test]
fn a_sparse_fit_x_of_another_shape_is_refused() {
    let error = audit_error(&with_sparse_shape(SPARSE_NN, "_fit_X", [40, 6]));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Neighbors(NeighborsError::FitX { found, .. })) if found == &[40, 6]),
        "{error:?}"
    );
}

#[test]
fn a_float_n_features_in_is_refused() {
    let error = audit_error(&with_json(KNN, "n_features_in_", "5.0"));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::Neighbors(NeighborsError::State { .. }))
        ),
        "{error:?}"
    );
}

#[test]
fn a_label_outside_the_classes_is_refused() {
    for index in [KNN, RADIUS] {
        for label in [1_000_000_000, 2, -1] {
            let error = audit_error(&with_array(
                index,
                "_y",
                set_item(7, i64::to_le_bytes(label)),
            ));
            let Error::Validate(ValidateError::Neighbors(NeighborsError::Labels {
                reason, ..
            })) = &error
            else {
                panic!("{error:?}")
            };
            assert!(reason.contains(&format!("label {label}")), "{reason}");
        }
    }
}

#[test]
fn a_label_outside_its_outputs_classes_is_refused() {
    // `_y` is (40, 2) in C order: item 0 is output 0 (two classes), item 1 output 1 (three).
    assert!(matches!(
        audit_error(&with_array(KNN_2D, "_y", set_item(0, i64::to_le_bytes(2)))),
        Error::Validate(ValidateError::Neighbors(NeighborsError::Labels { .. }))
    ));
    assert!(matches!(
        audit_error(&with_array(KNN_2D, "_y", set_item(1, i64::to_le_bytes(3)))),
        Error::Validate(ValidateError::Neighbors(NeighborsError::Labels { .. }))
    ));
    let sound = with_array(KNN_2D, "_y", set_item(1, i64::to_le_bytes(2)));
    ModelFile::open(&sound, &Limits::default())
        .unwrap()
        .validate()
        .unwrap();
}

#[test]
fn fewer_labels_than_samples_are_refused() {
    let error = audit_error(&with_array(KNN, "_y", first_rows(39)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Neighbors(NeighborsError::Labels { reason, .. })) if reason.contains("39")),
        "{error:?}"
    );
}

#[test]
fn float_labels_are_refused() {
    let error = audit_error(&with_array(KNN, "_y", |header, _| {
        header.descr = skops_format::npy::Descr::parse("'<f8'").unwrap();
    }));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::Neighbors(NeighborsError::Labels { .. }))
        ),
        "{error:?}"
    );
}

#[test]
fn a_missing_outputs_2d_is_refused() {
    let error = audit_error(&with_json(KNN, "outputs_2d_", "1"));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::Neighbors(NeighborsError::State { .. }))
        ),
        "{error:?}"
    );
}

#[test]
fn centers_narrower_than_n_features_in_are_refused() {
    for index in [KMEANS, MINIBATCH] {
        let error = audit_error(&with_json(index, "n_features_in_", "1000000"));
        assert!(
            matches!(&error, Error::Validate(ValidateError::KMeans(KMeansError::Shape { array, found, .. }))
                if array == "cluster_centers_" && found == &[3, 5]),
            "{error:?}"
        );
    }
}

#[test]
fn centers_of_other_rows_than_n_clusters_are_refused() {
    let error = audit_error(&with_array(KMEANS, "cluster_centers_", first_rows(2)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::KMeans(KMeansError::Shape { found, .. })) if found == &[2, 5]),
        "{error:?}"
    );
}

#[test]
fn integer_centers_are_refused() {
    let error = audit_error(&with_array(KMEANS, "cluster_centers_", |header, _| {
        header.descr = skops_format::npy::Descr::parse("'<i8'").unwrap();
    }));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::KMeans(KMeansError::State { .. }))
        ),
        "{error:?}"
    );
}

#[test]
fn fewer_counts_than_centers_are_refused() {
    let error = audit_error(&with_array(MINIBATCH, "_counts", first_rows(1)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::KMeans(KMeansError::Shape { array, .. })) if array == "_counts"),
        "{error:?}"
    );
}

#[test]
fn a_fitted_kmeans_without_n_features_in_is_refused() {
    let bytes = fixture();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let crafted = rewrite(&file, |name, content| {
        if name == "schema.json" {
            let schema = json::parse(content, 1000).unwrap();
            let schema = remove_key(
                schema,
                &["content", "4", "content", "content"],
                "n_features_in_",
            );
            *content = json::to_string_pretty(&schema).into_bytes();
        }
    });
    let error = audit_error(&crafted);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::KMeans(KMeansError::State { .. }))
        ),
        "{error:?}"
    );
}

/// `_n_threads` is OpenMP's thread count in `predict`: libgomp aborts on a negative one.
#[test]
fn a_thread_count_that_is_not_positive_is_refused() {
    for text in ["-1", "0", "2.5", "\"4\""] {
        let error = audit_error(&with_json(MINIBATCH, "_n_threads", text));
        assert!(
            matches!(&error, Error::Validate(ValidateError::KMeans(KMeansError::State { reason, .. })) if reason.contains("_n_threads")),
            "{text}: {error:?}"
        );
    }
    let bytes = with_json(MINIBATCH, "_n_threads", "3");
    assert!(
        ModelFile::open(&bytes, &Limits::default())
            .unwrap()
            .audit(&[])
            .is_ok()
    );
}
