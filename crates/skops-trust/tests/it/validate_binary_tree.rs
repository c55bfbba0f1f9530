//! The `KDTree`/`BallTree` validator on real skops-written files (`tests/data/validate/`, from
//! `make_binary_tree.py`): unchanged, the tree and its metric are trusted as validated; with one
//! array member or schema node edited to break an invariant, the audit fails with that
//! invariant's error, whatever is trusted. (The Python tests cover every invariant against
//! skops 0.16 and sklearn: `python/tests/test_validate_binary_tree.py`.)

use std::path::PathBuf;

use skops_format::container::{ArchiveWriter, WriteCompression};
use skops_format::json::{self, Object, Value};
use skops_format::npy::{NpyHeader, read_npy, write_npy};
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind};
use skops_format::{Limits, SkopsFile};
use skops_trust::audit::TrustReason;
use skops_trust::validate::{BALL_TREE_TYPE, KD_TREE_TYPE, Validator};
use skops_trust::validate::{BinaryTreeError, MetricError, ValidateError};
use skops_trust::{Error, ModelFile};

const EUCLIDEAN: &str = "sklearn.metrics._dist_metrics.EuclideanDistance64";
const MAHALANOBIS: &str = "sklearn.metrics._dist_metrics.MahalanobisDistance64";

/// Items of the tree's state tuple.
const IDX_ARRAY: usize = 1;
const NODE_DATA: usize = 2;
const LEAF_SIZE: usize = 4;
const N_LEVELS: usize = 5;
const DIST_METRIC: usize = 11;
/// Items of the metric's state tuple.
const MAT: usize = 2;

/// Bytes of a `NodeData` record and offsets of its fields.
const RECORD: usize = 32;
const IDX_END: usize = 8;
const IS_LEAF: usize = 16;
const RADIUS: usize = 24;

/// The KD tree file: 40 samples, leaf_size 5, so 3 levels and 7 nodes.
const KNN: &str = "kneighbors_kd_tree.skops";
/// The ball tree file with a Mahalanobis metric.
const MAHALANOBIS_FILE: &str = "nearest_neighbors_mahalanobis.skops";

fn read(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/validate")
        .join(name);
    std::fs::read(path).unwrap()
}

fn tree_node(file: &SkopsFile<'_>) -> NodeId {
    file.schema()
        .nodes()
        .find(|(_, node)| [KD_TREE_TYPE, BALL_TREE_TYPE].contains(&node.type_name().as_str()))
        .map(|(id, _)| id)
        .unwrap()
}

/// The items of a node's state tuple.
fn state_items(file: &SkopsFile<'_>, id: NodeId) -> Vec<NodeId> {
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

/// `bytes` with the `.npy` member of the array picked by `pick` replaced by
/// `edit(header, data)`.
fn with_array(
    bytes: &[u8],
    pick: impl Fn(&SkopsFile<'_>) -> NodeId,
    edit: impl Fn(&mut NpyHeader, &mut Vec<u8>),
) -> Vec<u8> {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    let NodeKind::NdArray(NdArrayStorage::Numpy { file: name }) =
        &file.schema().node(pick(&file)).kind
    else {
        unreachable!()
    };
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    for entry in file.archive().entries() {
        let mut content = file.member(&entry.name).unwrap().into_owned();
        if &entry.name == name {
            let view = read_npy(&content, &Limits::default()).unwrap();
            let mut header = view.header.clone();
            let mut data = view.data.to_vec();
            edit(&mut header, &mut data);
            content = write_npy(&header, &data).unwrap();
        }
        writer.add(&entry.name, &content).unwrap();
    }
    writer.finish().unwrap()
}

/// `bytes` with item `item` of the tree's state tuple edited.
fn with_tree_array(
    bytes: &[u8],
    item: usize,
    edit: impl Fn(&mut NpyHeader, &mut Vec<u8>),
) -> Vec<u8> {
    with_array(bytes, |file| state_items(file, tree_node(file))[item], edit)
}

/// `bytes` with its `schema.json` rewritten by `edit`.
fn with_schema(bytes: &[u8], edit: impl Fn(Value) -> Value) -> Vec<u8> {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    for entry in file.archive().entries() {
        let mut content = file.member(&entry.name).unwrap().into_owned();
        if entry.name == "schema.json" {
            let value = json::parse(&content, 1000).unwrap();
            content = json::to_string_pretty(&edit(value)).into_bytes();
        }
        writer.add(&entry.name, &content).unwrap();
    }
    writer.finish().unwrap()
}

/// A step into a JSON value: an object key or an array index.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// `value` with the value at `path` replaced by `new`.
fn replace(value: Value, path: &[Step<'_>], new: &Value) -> Value {
    let Some((step, rest)) = path.split_first() else {
        return new.clone();
    };
    match (value, step) {
        (Value::Object(object), Step::Key(key)) => {
            let mut out = Object::new();
            for (name, child) in object.into_vec() {
                let child = if name == *key {
                    replace(child, rest, new)
                } else {
                    child
                };
                out.push(name, child);
            }
            Value::Object(out)
        }
        (Value::Array(items), Step::Index(index)) => Value::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(at, item)| {
                    if at == *index {
                        replace(item, rest, new)
                    } else {
                        item
                    }
                })
                .collect(),
        ),
        (other, _) => panic!("no such path in {other:?}"),
    }
}

/// The value at `path`.
fn get<'v>(value: &'v Value, path: &[Step<'_>]) -> &'v Value {
    path.iter().fold(value, |value, step| match step {
        Step::Key(key) => value.as_object().unwrap().get(key).unwrap(),
        Step::Index(index) => &value.as_array().unwrap()[*index],
    })
}

/// A JsonNode holding `content`, with an `__id__` no other node has.
fn json_node(content: &str) -> Value {
    let mut node = Object::new();
    node.push("__class__", "str");
    node.push("__module__", "builtins");
    node.push("__loader__", "JsonNode");
    node.push("content", content);
    node.push("is_json", true);
    node.push("__id__", 10u64.pow(15) + content.len() as u64);
    Value::Object(node)
}

/// The path of the estimator's state entry `key`.
fn estimator(key: &str) -> Vec<Step<'_>> {
    vec![Step::Key("content"), Step::Key("content"), Step::Key(key)]
}

/// The path of item `item` of the tree's state tuple.
fn tree_item(item: usize) -> Vec<Step<'static>> {
    let mut path = estimator("_tree");
    path.extend([
        Step::Key("content"),
        Step::Key("content"),
        Step::Index(item),
    ]);
    path
}

/// The path of item `item` of the metric's state tuple.
fn metric_item(item: usize) -> Vec<Step<'static>> {
    let mut path = tree_item(DIST_METRIC);
    path.extend([
        Step::Key("content"),
        Step::Key("content"),
        Step::Index(item),
    ]);
    path
}

fn audit_error(bytes: &[u8], trusted: &[&str]) -> Error {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    let trusted: Vec<String> = trusted.iter().map(|name| (*name).to_owned()).collect();
    file.audit(&trusted).unwrap_err()
}

fn set_i64(data: &mut [u8], at: usize, value: i64) {
    data[at..at + 8].copy_from_slice(&value.to_le_bytes());
}

#[test]
fn real_trees_and_their_metrics_are_trusted_as_validated() {
    for (name, tree_type, metric_type) in [
        (KNN, KD_TREE_TYPE, EUCLIDEAN),
        (MAHALANOBIS_FILE, BALL_TREE_TYPE, MAHALANOBIS),
    ] {
        let bytes = read(name);
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        let validated = file.validate().unwrap();
        assert_eq!(
            validated.types().into_iter().collect::<Vec<_>>(),
            {
                let mut types = vec![tree_type, metric_type];
                types.sort_unstable();
                types
            },
            "{name}"
        );
        let report = file.audit(&[]).unwrap();
        assert!(report.is_clean(), "{name}: {:?}", report.untrusted_types());
        let tree = tree_node(&file);
        let metric = state_items(&file, tree)[DIST_METRIC];
        assert_eq!(
            report.node(tree).reason,
            TrustReason::Validated {
                type_name: tree_type,
                validator: Validator::BinaryTree,
            }
        );
        assert_eq!(
            report.node(metric).reason,
            TrustReason::Validated {
                type_name: metric_type,
                validator: Validator::BinaryTree,
            }
        );
        assert_eq!(
            validated.check(tree).unwrap().validator.name(),
            "binary-tree"
        );
        // The schema alone (no members to validate) is audited exactly as skops does.
        assert_eq!(
            skops_trust::audit::audit(file.schema(), &[])
                .unwrap()
                .untrusted_types(),
            {
                let mut types = vec![metric_type, tree_type];
                types.sort_unstable();
                types
            }
        );
    }
}

#[test]
fn an_index_out_of_range_is_refused_even_when_trusted() {
    let bytes = with_tree_array(&read(KNN), IDX_ARRAY, |_, data| {
        set_i64(data, 3 * 8, 1_000_000_000_000);
    });
    let error = audit_error(&bytes, &[KD_TREE_TYPE, EUCLIDEAN]);
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::IndexOutOfRange {
                position: 3,
                index: 1_000_000_000_000,
                n_samples: 40,
                path,
            })) if path == "_tree"
        ),
        "{error:?}"
    );
}

#[test]
fn a_repeated_index_is_refused() {
    let bytes = with_tree_array(&read(KNN), IDX_ARRAY, |_, data| {
        let first = i64::from_le_bytes(data[..8].try_into().unwrap());
        set_i64(data, 8, first);
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(
                BinaryTreeError::IndexRepeated { .. }
            ))
        ),
        "{error:?}"
    );
}

#[test]
fn node_records_must_match_the_layout() {
    // Node 1 covers [0, 20): ending it past the data breaks the layout.
    let bytes = with_tree_array(&read(KNN), NODE_DATA, |_, data| {
        set_i64(data, RECORD + IDX_END, 1_000);
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::NodeRange {
                node: 1,
                idx_start: 0,
                idx_end: 1_000,
                expected_start: 0,
                expected_end: 20,
                ..
            }))
        ),
        "{error:?}"
    );
    // The last node (6) is a leaf: as a split node the queries would visit nodes 13 and 14.
    let bytes = with_tree_array(&read(KNN), NODE_DATA, |_, data| {
        set_i64(data, 6 * RECORD + IS_LEAF, 0);
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::LeafFlag {
                node: 6,
                is_leaf: 0,
                expected: 1,
                ..
            }))
        ),
        "{error:?}"
    );
    let bytes = with_tree_array(&read(KNN), NODE_DATA, |_, data| {
        data[2 * RECORD + RADIUS..3 * RECORD].copy_from_slice(&f64::NAN.to_le_bytes());
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::Radius {
                node: 2,
                ..
            }))
        ),
        "{error:?}"
    );
}

#[test]
fn arrays_must_have_their_length_and_dtype() {
    let bytes = with_tree_array(&read(KNN), NODE_DATA, |header, data| {
        header.shape = vec![6];
        data.truncate(6 * RECORD);
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::NodeCount {
                n_nodes: 7,
                array: "node_data",
                length: 6,
                ..
            }))
        ),
        "{error:?}"
    );
    let bytes = with_tree_array(&read(KNN), IDX_ARRAY, |header, _| {
        header.descr = skops_format::npy::Descr::parse("'>i8'").unwrap();
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::Array {
                array: "idx_array",
                ..
            }))
        ),
        "{error:?}"
    );
}

#[test]
fn counts_must_be_what_sklearn_computes() {
    let bytes = with_schema(&read(KNN), |value| {
        replace(value, &tree_item(LEAF_SIZE), &json_node("0"))
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::LeafSize {
                leaf_size: 0,
                ..
            }))
        ),
        "{error:?}"
    );
    let bytes = with_schema(&read(KNN), |value| {
        replace(value, &tree_item(N_LEVELS), &json_node("5"))
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::Levels {
                n_levels: 5,
                n_nodes: 7,
                n_samples: 40,
                leaf_size: 5,
                expected_levels: 3,
                expected_nodes: 7,
                ..
            }))
        ),
        "{error:?}"
    );
}

#[test]
fn a_missing_metric_is_refused() {
    let bytes = with_schema(&read(KNN), |value| {
        replace(value, &tree_item(DIST_METRIC), &json_node("null"))
    });
    let error = audit_error(&bytes, &[KD_TREE_TYPE]);
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::State { .. }))
        ),
        "{error:?}"
    );
}

#[test]
fn the_estimator_must_agree_with_its_tree() {
    let bytes = with_schema(&read(KNN), |value| {
        replace(value, &estimator("n_samples_fit_"), &json_node("41"))
    });
    let error = audit_error(&bytes, &[]);
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::BinaryTree(BinaryTreeError::Estimator {
                attribute: "n_samples_fit_",
                value: 41,
                expected: 40,
                ..
            }))
        ),
        "{error:?}"
    );
}

#[test]
fn metric_state_is_checked_against_the_features() {
    let bytes = with_schema(&read(KNN), |value| {
        replace(value, &metric_item(0), &json_node("3.0"))
    });
    let error = audit_error(&bytes, &[KD_TREE_TYPE, EUCLIDEAN]);
    assert!(
        matches!(&error, Error::Validate(ValidateError::Metric(MetricError::P { metric: "EuclideanDistance64", p, .. })) if *p == 3.0),
        "{error:?}"
    );
    // Mahalanobis writes a buffer of `mat`'s size, one entry per feature.
    let bytes = with_array(
        &read(MAHALANOBIS_FILE),
        |file| {
            let metric = state_items(file, tree_node(file))[DIST_METRIC];
            state_items(file, metric)[MAT]
        },
        |header, data| {
            header.shape = vec![1, 1];
            data.truncate(8);
        },
    );
    let error = audit_error(&bytes, &[BALL_TREE_TYPE, MAHALANOBIS]);
    assert!(
        matches!(
            &error,
            Error::Validate(ValidateError::Metric(MetricError::Size { metric: "MahalanobisDistance64", array: "mat", shape, path, .. }))
                if shape == &[1, 1] && path == "_tree.attrs[11]"
        ),
        "{error:?}"
    );
}

#[test]
fn a_metric_used_outside_its_tree_is_not_trusted() {
    // The estimator's `metric` becomes the tree's metric object (same `__id__`, so one node
    // with two parents): the brute-force path would use it with an unchecked `X`.
    let bytes = with_schema(&read(KNN), |value| {
        let metric = get(&value, &tree_item(DIST_METRIC)).clone();
        replace(value, &estimator("metric"), &metric)
    });
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    assert!(file.validate().unwrap().is_empty());
    let report = file.audit(&[]).unwrap();
    assert_eq!(report.untrusted_types(), [EUCLIDEAN, KD_TREE_TYPE]);
}
