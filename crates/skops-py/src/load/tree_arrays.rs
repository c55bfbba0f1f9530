//! Which arrays only a Tree's `__setstate__` ever sees, so they can be read-only views of the
//! file's bytes instead of copies.
//!
//! `sklearn.tree._tree.Tree.__setstate__` copies its `nodes` and `values` arrays into buffers of
//! its own and keeps no reference to them, so when nothing else in the file refers to those
//! arrays (nor to the state dict holding them), nobody can tell a view from a copy: the loaded
//! Tree is the same, and a random forest loads without copying its node arrays twice. Every
//! other array is a writeable copy, as skops makes it.

use skops_format::schema::{NdArrayStorage, NodeId, NodeKind, ReduceKind, Schema};

/// For each node, whether it is a `numpy.ndarray` that only a Tree's `__setstate__` sees: the
/// `nodes` or `values` entry of a `builtins.dict` that is a TreeNode's state, the dict and the
/// array each referenced once in the whole schema.
pub(super) fn tree_private_arrays(schema: &Schema) -> Vec<bool> {
    let mut private = vec![false; schema.len()];
    let has_tree = schema.nodes().any(|(_, node)| {
        matches!(
            node.kind,
            NodeKind::Reduce {
                kind: ReduceKind::Tree,
                ..
            }
        )
    });
    if !has_tree {
        return private;
    }
    let mut references = vec![0u32; schema.len()];
    let mut count = |id: NodeId| {
        if let Some(slot) = references.get_mut(id.index()) {
            *slot = slot.saturating_add(1);
        }
    };
    count(schema.root());
    for (id, _) in schema.nodes() {
        for (_, child) in schema.children(id) {
            count(child);
        }
    }
    let once = |id: NodeId| references.get(id.index()) == Some(&1);
    for (_, node) in schema.nodes() {
        let NodeKind::Reduce {
            kind: ReduceKind::Tree,
            state,
            ..
        } = &node.kind
        else {
            continue;
        };
        let state_node = schema.node(*state);
        let NodeKind::Dict { entries, .. } = &state_node.kind else {
            continue;
        };
        if !once(*state) || state_node.module != "builtins" || state_node.class != "dict" {
            continue;
        }
        for (key, child) in entries {
            let array = schema.node(*child);
            let is_plain_array =
                matches!(array.kind, NodeKind::NdArray(NdArrayStorage::Numpy { .. }))
                    && array.module == "numpy"
                    && array.class == "ndarray";
            if (key == "nodes" || key == "values") && is_plain_array && once(*child) {
                if let Some(slot) = private.get_mut(child.index()) {
                    *slot = true;
                }
            }
        }
    }
    private
}
