//! Who refers to each node of a schema: a shared (memoised) node has several parents, and a
//! validator that trusts a node for one use must know it has no other.

use std::collections::HashMap;

use crate::schema::{ChildKey, NodeId, Schema};

/// The parents of every node, each with how the child hangs from it.
pub(crate) struct References<'s> {
    parents: HashMap<NodeId, Vec<(NodeId, ChildKey<'s>)>>,
}

impl<'s> References<'s> {
    /// Collects the references of every node of `schema`.
    pub(crate) fn of(schema: &'s Schema) -> Self {
        let mut parents: HashMap<NodeId, Vec<(NodeId, ChildKey<'s>)>> = HashMap::new();
        for (id, _) in schema.nodes() {
            for (key, child) in schema.children(id) {
                parents.entry(child).or_default().push((id, key));
            }
        }
        Self { parents }
    }

    /// The nodes referring to `id` (empty for the root), once per reference.
    pub(crate) fn parents(&self, id: NodeId) -> &[(NodeId, ChildKey<'s>)] {
        self.parents.get(&id).map_or(&[], Vec::as_slice)
    }
}
