//! The materialisation budget: what one load materialises from the archive's members, planned
//! when the file is opened and held to what the file honestly needs.
//!
//! Loading builds each node once, and every node that names a member materialises it: an
//! NdArrayNode decompresses its `.npy` and copies it into a numpy array, a BytesNode into a
//! `bytes`, a SparseMatrixNode decompresses its `.npz` and every `.npy` inside it into scipy's
//! arrays (the validators and `visualize` read members per node too). skops never names one
//! member from two nodes: it names a member after the object's `id`, and an object met again
//! gets the same `__id__`, which *is* the same node. A crafted file can instead give many nodes
//! their own `__id__` and the same `file`, and a 60 KB file then makes a loader allocate
//! gigabytes (skops 0.16 does, until `MemoryError`).
//!
//! So [`check`] counts, for every node that names a member, the member's checked size (for a
//! sparse member, plus the sizes of the members inside it): what the load will materialise. The
//! file needs one copy of each distinct member; beyond that, repeats may add at most
//! [`Limits::max_rematerialised_size`] bytes ([`crate::limits::MAX_REMATERIALISED_SIZE`]), or
//! the file is refused with [`Error::FileMaterialisationBudget`] before anything is built.
//! The count is of member bytes, so what a load allocates stays within a small multiple of it
//! (a deflated member is decompressed, then copied).

use std::collections::HashMap;

use crate::audit;
use crate::limits::Limits;
use crate::schema::{NdArrayStorage, NodeId, NodeKind, Schema};
use crate::{Error, Result};

/// How loading materialises the member a node names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A `.npy` array (NdArrayNode): its bytes, copied into a numpy array.
    Array,
    /// A sparse `.npz` (SparseMatrixNode): its bytes and the `.npy` members inside it.
    Sparse,
    /// A `bytes` or `bytearray` (BytesNode, BytearrayNode): its bytes.
    Bytes,
}

/// The member a node of `kind` names, and how loading materialises it; `None` for a node that
/// names none.
pub(crate) fn named_member(kind: &NodeKind) -> Option<(&str, Form)> {
    match kind {
        NodeKind::NdArray(NdArrayStorage::Numpy { file }) => Some((file, Form::Array)),
        NodeKind::SparseMatrix { file } => Some((file, Form::Sparse)),
        NodeKind::Bytes { file } | NodeKind::Bytearray { file } => Some((file, Form::Bytes)),
        _ => None,
    }
}

/// What a load of a file materialises from its members, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    /// What every node naming a member materialises, summed over the nodes.
    pub planned: u64,
    /// One copy of each distinct member: what the file honestly needs.
    pub needed: u64,
}

/// Per member: the bytes its nodes materialise in all, and the most one of them does.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    sum: u64,
    max: u64,
}

impl Tally {
    /// The bytes beyond one copy of the member.
    fn excess(self) -> u64 {
        self.sum.saturating_sub(self.max)
    }
}

/// Plans what loading `schema` materialises, `size(member, form)` giving what one node of
/// that form materialises of that member (its checked sizes), and checks it against one copy
/// of each distinct member plus `limits.max_rematerialised_size`.
///
/// Fails with [`Error::FileMaterialisationBudget`] naming the node, in build order, whose copy
/// takes the repeats over the allowance.
pub(crate) fn check(
    schema: &Schema,
    size: impl Fn(&str, Form) -> u64,
    limits: &Limits,
) -> Result<Plan> {
    let mut tallies: HashMap<&str, Tally> = HashMap::new();
    let mut plan = Plan::default();
    let mut excess = 0u64;
    // The first node whose repeat takes the excess over the allowance.
    let mut culprit: Option<(NodeId, &str)> = None;
    for (id, node) in schema.nodes() {
        let Some((member, form)) = named_member(&node.kind) else {
            continue;
        };
        let cost = size(member, form);
        let tally = tallies.entry(member).or_default();
        let before = *tally;
        tally.sum = tally.sum.saturating_add(cost);
        tally.max = tally.max.max(cost);
        plan.planned = plan.planned.saturating_add(cost);
        plan.needed = plan.needed.saturating_add(tally.max - before.max);
        excess = excess.saturating_add(tally.excess().saturating_sub(before.excess()));
        if culprit.is_none() && excess > limits.max_rematerialised_size {
            culprit = Some((id, member));
        }
    }
    let Some((id, member)) = culprit else {
        return Ok(plan);
    };
    Err(Error::FileMaterialisationBudget {
        member: member.to_owned(),
        path: audit::node_path(schema, id),
        planned: plan.planned,
        budget: plan.needed.saturating_add(limits.max_rematerialised_size),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list of nodes, each `(loader, file, __id__)`.
    fn schema(nodes: &[(&str, &str, u64)]) -> Schema {
        let items: Vec<String> = nodes
            .iter()
            .map(|(loader, file, id)| {
                let (class, module, extra) = match *loader {
                    "NdArrayNode" => ("ndarray", "numpy", r#", "type": "numpy""#),
                    "SparseMatrixNode" => ("csr_matrix", "scipy.sparse", r#", "type": "scipy""#),
                    "BytesNode" => ("bytes", "builtins", ""),
                    _ => ("bytearray", "builtins", ""),
                };
                format!(
                    r#"{{"__class__": "{class}", "__module__": "{module}", "__loader__": "{loader}", "file": "{file}", "__id__": {id}{extra}}}"#
                )
            })
            .collect();
        let text = format!(
            r#"{{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}], "__id__": 1, "protocol": 2}}"#,
            items.join(", ")
        );
        Schema::from_json(text.as_bytes(), &Limits::default()).unwrap()
    }

    fn limits(allowance: u64) -> Limits {
        Limits {
            max_rematerialised_size: allowance,
            ..Limits::default()
        }
    }

    #[test]
    fn distinct_members_and_shared_nodes_cost_one_copy_each() {
        // `__id__` 2 twice is one node (skops' memo): its member is materialised once.
        let schema = schema(&[
            ("NdArrayNode", "a.npy", 2),
            ("NdArrayNode", "a.npy", 2),
            ("BytesNode", "b.bin", 3),
            ("SparseMatrixNode", "c.npz", 4),
        ]);
        let size = |member: &str, form: Form| match (member, form) {
            ("a.npy", Form::Array) => 100,
            ("b.bin", Form::Bytes) => 10,
            ("c.npz", Form::Sparse) => 1000,
            _ => panic!("{member} as {form:?}"),
        };
        let plan = check(&schema, size, &limits(0)).unwrap();
        assert_eq!(
            plan,
            Plan {
                planned: 1110,
                needed: 1110
            }
        );
    }

    #[test]
    fn a_member_named_by_several_nodes_is_refused_past_the_allowance() {
        let nodes: Vec<(&str, &str, u64)> =
            (2..12).map(|id| ("NdArrayNode", "a.npy", id)).collect();
        let schema = schema(&nodes);
        let size = |_: &str, _: Form| 100;
        // Ten copies of 100 bytes: 900 beyond the first.
        assert_eq!(
            check(&schema, size, &limits(900)).unwrap(),
            Plan {
                planned: 1000,
                needed: 100
            }
        );
        match check(&schema, size, &limits(850)) {
            Err(Error::FileMaterialisationBudget {
                member,
                path,
                planned,
                budget,
            }) => {
                assert_eq!(member, "a.npy");
                // The tenth node's copy (index 9) takes the repeats to 900 > 850.
                assert_eq!(path, "[9]");
                assert_eq!((planned, budget), (1000, 950));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_form_counts_and_a_member_costs_its_largest_form_once() {
        // A sparse node materialises its inner members too, so it costs more than a bytes
        // node naming the same member; the honest need is the larger cost.
        let schema = schema(&[
            ("BytesNode", "m", 2),
            ("SparseMatrixNode", "m", 3),
            ("BytearrayNode", "m", 4),
        ]);
        let size = |_: &str, form: Form| match form {
            Form::Sparse => 50,
            Form::Array | Form::Bytes => 20,
        };
        assert_eq!(
            check(&schema, size, &limits(40)).unwrap(),
            Plan {
                planned: 90,
                needed: 50
            }
        );
        assert!(matches!(
            check(&schema, size, &limits(39)),
            Err(Error::FileMaterialisationBudget { path, .. }) if path == "[2]"
        ));
    }

    #[test]
    fn empty_members_may_be_named_any_number_of_times() {
        let nodes: Vec<(&str, &str, u64)> =
            (2..1000).map(|id| ("BytesNode", "e.bin", id)).collect();
        let plan = check(&schema(&nodes), |_, _| 0, &limits(0)).unwrap();
        assert_eq!(plan, Plan::default());
    }
}
