//! The tree validator on a real skops-written file (`pipeline_tree.skops` of the visualize
//! data): unchanged, its tree is trusted as validated; with one `nodes` record edited to break
//! an invariant, the audit fails with that invariant's error. (The Python tests cover every
//! invariant against skops 0.16 and sklearn: `python/tests/test_validate.py`.)

use std::path::PathBuf;

use skops_format::audit::{self, TrustReason};
use skops_format::container::{ArchiveWriter, WriteCompression};
use skops_format::npy::read_npy;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind, ReduceKind};
use skops_format::{Error, Limits, SkopsFile};

/// Offsets of sklearn's `NODE_DTYPE` fields in a 64-byte record.
const LEFT: usize = 0;
const RIGHT: usize = 8;
const FEATURE: usize = 16;
const MISSING_GO_TO_LEFT: usize = 56;
const RECORD: usize = 64;

fn tree_file() -> Vec<u8> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/visualize/pipeline_tree.skops");
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
    let file = SkopsFile::open(&bytes, &Limits::default()).unwrap();
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
    let file = SkopsFile::open(bytes, &Limits::default()).unwrap();
    file.audit(&["sklearn.tree._tree.Tree".to_owned()])
        .unwrap_err()
}

/// A sound tree passes its validator but stays untrusted by default: its own `n_features`
/// bounds `feature`, and a crafted file sets both (see `validate::validate`).
#[test]
fn a_valid_tree_passes_validation_but_is_not_trusted_by_default() {
    let bytes = tree_file();
    let file = SkopsFile::open(&bytes, &Limits::default()).unwrap();
    assert!(file.validate().unwrap().types().is_empty());
    let report = file.audit(&[]).unwrap();
    assert_eq!(report.untrusted_types(), ["sklearn.tree._tree.Tree"]);
    assert_ne!(
        report.node(tree_node(&file)).reason,
        TrustReason::Validated {
            validator: "sklearn.tree._tree.Tree"
        }
    );
    assert!(
        file.audit(&["sklearn.tree._tree.Tree".to_owned()])
            .unwrap()
            .is_clean()
    );
    // The schema alone (no members to validate) is audited exactly as skops does.
    assert_eq!(
        audit::audit(file.schema(), &[]).unwrap().untrusted_types(),
        ["sklearn.tree._tree.Tree"]
    );
    // Rewritten unchanged, it still validates.
    let same = with_nodes(|_| {});
    let file = SkopsFile::open(&same, &Limits::default()).unwrap();
    assert!(file.validate().is_ok());
}

#[test]
fn each_broken_invariant_has_its_error() {
    let error = audit_error(&with_nodes(|r| set(r, 0, LEFT, 1_000_000_000)));
    assert!(
        matches!(&error, Error::ValidateTreeChildOutOfRange { node: 0, side: "left", child: 1_000_000_000, path, .. } if path == "steps[1][1].tree_"),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| {
        let left = i64::from_le_bytes(r[LEFT..LEFT + 8].try_into().unwrap());
        set(r, 0, RIGHT, left);
    }));
    assert!(
        matches!(error, Error::ValidateTreeNodeReachedTwice { .. }),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| set(r, 0, FEATURE, 99)));
    assert!(
        matches!(
            error,
            Error::ValidateTreeFeature {
                node: 0,
                feature: 99,
                ..
            }
        ),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| r[MISSING_GO_TO_LEFT] = 7));
    assert!(
        matches!(
            error,
            Error::ValidateTreeMissingGoToLeft {
                node: 0,
                value: 7,
                ..
            }
        ),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| {
        set(r, 0, LEFT, -1);
        set(r, 0, RIGHT, -1);
    }));
    assert!(
        matches!(error, Error::ValidateTreeNodeUnreached { .. }),
        "{error:?}"
    );
    let error = audit_error(&with_nodes(|r| set(r, 0, RIGHT, -1)));
    assert!(
        matches!(error, Error::ValidateTreeHalfLeaf { node: 0, .. }),
        "{error:?}"
    );
}
