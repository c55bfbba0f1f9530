//! The tree validator on a real skops-written file (`pipeline_tree.skops` of the visualize
//! data): unchanged, its tree is trusted as validated; with one `nodes` record edited to break
//! an invariant, the audit fails with that invariant's error. (The Python tests cover every
//! invariant against skops 0.16 and sklearn: `python/tests/test_validate.py`.)

use std::path::PathBuf;

use skops_format::container::{ArchiveWriter, WriteCompression};
use skops_format::error::FileError;
use skops_format::npy::read_npy;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind, ReduceKind};
use skops_format::{Limits, SkopsFile};
use skops_trust::audit::{self, TrustReason};
use skops_trust::validate::Validator;
use skops_trust::validate::{TreeError, ValidateError, WidthError};
use skops_trust::{Error, ModelFile};

/// Offsets of sklearn's `NODE_DTYPE` fields in a 64-byte record.
const LEFT: usize = 0;
const RIGHT: usize = 8;
const FEATURE: usize = 16;
const MISSING_GO_TO_LEFT: usize = 56;
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

fn audit_error(bytes: &[u8]) -> Error {
    let file = ModelFile::open(bytes, &Limits::default()).unwrap();
    file.audit(&["sklearn.tree._tree.Tree".to_owned()])
        .unwrap_err()
}

/// A sound tree passes its validator but stays untrusted by default: its own `n_features`
/// bounds `feature`, and a crafted file sets both (see `validate::validate`).
/// The file with `schema.json` rewritten by `edit`.
fn with_schema(edit: impl Fn(&str) -> String) -> Vec<u8> {
    let bytes = tree_file();
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    for entry in file.archive().entries() {
        let content = file.member(&entry.name).unwrap().into_owned();
        if entry.name == "schema.json" {
            let text = edit(std::str::from_utf8(&content).unwrap());
            writer.add(&entry.name, text.as_bytes()).unwrap();
        } else {
            writer.add(&entry.name, &content).unwrap();
        }
    }
    writer.finish().unwrap()
}

/// `schema` with the value of every `n_features_in_` (3 in this file) set to `value`.
fn set_n_features_in(schema: &str, value: &str) -> String {
    let key = "\"n_features_in_\"";
    let old = "\"content\": \"3\"";
    let mut out = String::new();
    let mut rest = schema;
    while let Some(at) = rest.find(key) {
        let (head, tail) = rest.split_at(at);
        out.push_str(head);
        let block = tail.find('}').unwrap();
        // skops gives equal small ints one `__id__` (Python caches them), and a repeated
        // `__id__` is one shared node: the edited value gets an `__id__` of its own.
        let edited = tail[..block].replace(old, &format!("\"content\": \"{value}\""));
        let id_at = edited.find("\"__id__\"").unwrap();
        out.push_str(&edited[..id_at]);
        out.push_str("\"__id__\": 7\n");
        rest = &tail[block..];
    }
    out.push_str(rest);
    assert_ne!(out, schema);
    out
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

/// When the estimator's `n_features_in_` differs from the tree's `n_features`, predict checks
/// `X` against a width the tree's splits are not bounded by: the tree stays untrusted.
#[test]
fn a_tree_wider_than_its_estimator_checks_is_not_trusted() {
    let bytes = with_schema(|schema| set_n_features_in(schema, "2"));
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    assert!(file.validate().unwrap().is_empty());
    assert_eq!(
        file.audit(&[]).unwrap().untrusted_types(),
        ["sklearn.tree._tree.Tree"]
    );
    // Without `n_features_in_`, validate_data checks nothing: untrusted too.
    let bytes = with_schema(|schema| schema.replace("\"n_features_in_\"", "\"n_features_seen\""));
    let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
    assert!(file.validate().unwrap().is_empty());
}

#[test]
fn each_broken_invariant_has_its_error() {
    let error = audit_error(&with_nodes(|r| set(r, 0, LEFT, 1_000_000_000)));
    assert!(
        matches!(&error, Error::Validate(ValidateError::Tree(TreeError::ChildOutOfRange { node: 0, side: "left", child: 1_000_000_000, path, .. })) if path == "steps[1][1].tree_"),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| {
        let left = i64::from_le_bytes(r[LEFT..LEFT + 8].try_into().unwrap());
        set(r, 0, RIGHT, left);
    }));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::Tree(TreeError::NodeReachedTwice { .. }))
        ),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| set(r, 0, FEATURE, 99)));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::Tree(TreeError::Feature {
                node: 0,
                feature: 99,
                ..
            }))
        ),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| r[MISSING_GO_TO_LEFT] = 7));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::Tree(TreeError::MissingGoToLeft {
                node: 0,
                value: 7,
                ..
            }))
        ),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| {
        set(r, 0, LEFT, -1);
        set(r, 0, RIGHT, -1);
    }));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::Tree(TreeError::NodeUnreached { .. }))
        ),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| set(r, 0, RIGHT, -1)));
    assert!(
        matches!(
            error,
            Error::Validate(ValidateError::Tree(TreeError::HalfLeaf { node: 0, .. }))
        ),
        "{error:?}"
    );
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

/// `schema` with the state of the estimator's `n_classes_` (a `numpy.int64` node) replaced by
/// `node`.
fn set_n_classes(schema: &str, node: &str) -> String {
    let at = schema.find("\"n_classes_\": {").unwrap() + "\"n_classes_\": ".len();
    let end = at + schema[at..].find('}').unwrap() + 1;
    format!("{}{node}{}", &schema[..at], &schema[end..])
}

/// The member of the `.npy` node held under `key` (the scaler's `mean_`, a float array).
fn member_of(schema: &str, key: &str) -> String {
    let at = schema.find(&format!("\"{key}\": {{")).unwrap();
    let file = at + schema[at..].find("\"file\": \"").unwrap() + "\"file\": \"".len();
    let end = file + schema[file..].find('"').unwrap();
    schema[file..end].to_owned()
}

/// A width is read through every form that hands numpy an integer: a JSON list in one
/// JsonNode (a forest iterates `np.atleast_1d(n_classes_)`), a list of numpy scalars; a
/// `numpy.int64` node over a float array (an integer of any size) is refused when the file is
/// opened (`FileScalarArray`).
#[test]
fn widths_in_lists_and_converted_arrays_are_read_or_refused() {
    let json_list = with_schema(|schema| {
        let node = r#"{"__class__": "list", "__module__": "builtins", "__loader__": "JsonNode", "content": "[100000000000]", "is_json": true, "__id__": 11}"#;
        set_n_classes(schema, node)
    });
    let numpy_scalars = with_schema(|schema| {
        let member = member_of(schema, "n_classes_");
        let node = format!(
            r#"{{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{{"__class__": "int64", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "{member}", "__id__": 12}}, {{"__class__": "int", "__module__": "builtins", "__loader__": "JsonNode", "content": "200000000000", "is_json": true, "__id__": 13}}], "__id__": 14}}"#
        );
        set_n_classes(schema, &node)
    });
    for (bytes, value) in [
        (json_list, 100_000_000_000u64),
        (numpy_scalars, 200_000_000_000),
    ] {
        let file = ModelFile::open(&bytes, &Limits::default()).unwrap();
        match file.validate().unwrap_err() {
            Error::Validate(ValidateError::Width(WidthError::AboveLimit {
                attribute,
                value: found,
                ..
            })) => assert_eq!((attribute.as_str(), found), ("n_classes_", value)),
            other => panic!("{other:?}"),
        }
    }
    let converted_float = with_schema(|schema| {
        let member = member_of(schema, "mean_");
        let node = format!(
            r#"{{"__class__": "int64", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "{member}", "__id__": 15}}"#
        );
        set_n_classes(schema, &node)
    });
    // Refused when the file is opened: a numpy scalar type must hold a 0-d array of its kind
    // (the width reader refuses such a node too, should one get that far).
    match ModelFile::open(&converted_float, &Limits::default()).unwrap_err() {
        Error::Format(skops_format::Error::File(FileError::ScalarArray {
            path, class, ..
        })) => {
            assert_eq!(
                (path.as_str(), class.as_str()),
                ("steps[1][1].n_classes_", "numpy.int64")
            );
        }
        other => panic!("{other:?}"),
    }
}
