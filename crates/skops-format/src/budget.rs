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
//! A constructor that copies arrays of its state materialises them again. sklearn's `Tree`
//! (trusted once its validator passed) copies its `n_classes` argument and its `nodes` and
//! `values` into buffers of its own; skops writes a fresh state for every tree, but a crafted
//! file can give many `Tree` nodes one state, and each tree copies its arrays anew.
//!
//! Two more constructions make arrays from others' sizes (found by the adversarial review):
//! - `numpy.ma.MaskedArray(data, mask)` makes a mask of one byte per element of `data`
//!   unless `mask` already is such an array (JSON `True`, a one-element mask and a scalar all
//!   become a full mask). skops writes a full mask, or `nomask` (a numpy bool scalar, which
//!   numpy then expands once); a crafted file can instead give many masked arrays one `data`
//!   node, and each makes its own mask (20 of them over a 50 MB array: 1 GB from a 50 KB
//!   file);
//! - an object array of two or more dimensions is built with `np.array(items, dtype=object)`,
//!   which descends into the items' lists, tuples and numpy arrays and makes every number of
//!   those arrays a Python object (a pointer and a 24-byte float, [`OBJECT_ELEMENT_SIZE`]).
//!   skops writes each array of a 2-D object array once; a crafted file can list one array
//!   node many times (10 references to a 1M-element array: 460 MB from an 8 KB file).
//!
//! So [`check`] counts, for every node that names a member, the member's checked size (for a
//! sparse member, plus the sizes of the members inside it), for every `Tree` the sizes of
//! the arrays it copies, for every masked array the mask it makes, and for every object
//! array of two or more dimensions the objects it makes of each array it reaches: what the
//! load will materialise. The first mask or expansion of an array is what the file honestly
//! needs; each further one counts as a repeat. The file needs one copy of each
//! distinct member, and one tree's copy of each array; beyond that, repeats may add at most
//! [`Limits::max_rematerialised_size`] bytes ([`crate::limits::MAX_REMATERIALISED_SIZE`]), or
//! the file is refused with [`FileError::MaterialisationBudget`] before anything is built.
//! The count is of member bytes, so what a load allocates stays within a small multiple of it
//! (a deflated member is decompressed, then copied).

use std::collections::HashMap;

use crate::error::FileError;
use crate::limits::Limits;
use crate::schema::{NdArrayStorage, NodeId, NodeKind, ReduceKind, Schema};
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

/// The arrays a node's construction copies beyond their own materialisation: for a `Tree`
/// (`ctor(*args)`, then `__setstate__(state)`), the arrays among its arguments and state
/// entries (`n_classes`, `nodes`, `values`). Every array entry counts, whatever its key and
/// key type, so the count never falls short of what sklearn copies.
fn copied_arrays(schema: &Schema, kind: &NodeKind) -> Vec<NodeId> {
    let NodeKind::Reduce {
        kind: ReduceKind::Tree,
        args,
        state,
        ..
    } = kind
    else {
        return Vec::new();
    };
    let mut children: Vec<NodeId> = match &schema.node(*args).kind {
        NodeKind::Tuple(items) | NodeKind::List(items) => items.clone(),
        _ => Vec::new(),
    };
    let mut state = *state;
    if let NodeKind::DefaultDict { main, .. } = &schema.node(state).kind {
        // A `defaultdict` is a `dict` to `__setstate__`.
        state = *main;
    }
    if let NodeKind::Dict { entries, .. } = &schema.node(state).kind {
        children.extend(entries.iter().map(|(_, child)| *child));
    }
    children.retain(|&child| {
        matches!(
            schema.node(child).kind,
            NodeKind::NdArray(NdArrayStorage::Numpy { .. })
        )
    });
    children
}

/// The `.npy` array node a masked array's data resolves to (through nested masked arrays),
/// if it is one.
fn masked_data(schema: &Schema, mut id: NodeId) -> Option<NodeId> {
    // Nested masked arrays form a chain (the schema has no cycles).
    loop {
        match &schema.node(id).kind {
            NodeKind::MaskedArray { data, .. } => id = *data,
            NodeKind::NdArray(NdArrayStorage::Numpy { .. }) => return Some(id),
            _ => return None,
        }
    }
}

/// Whether the shape node of an object array says one dimension (the loader then sets the
/// items one by one; with any other shape it calls `np.array(items, dtype=object)`).
fn is_one_dimensional(schema: &Schema, shape: NodeId) -> bool {
    match &schema.node(shape).kind {
        NodeKind::Tuple(items) | NodeKind::List(items) => items.len() == 1,
        NodeKind::Json { content } => matches!(
            crate::json::parse(content.surrogatepass_bytes(), 2),
            Ok(crate::json::Value::Array(items)) if items.len() == 1
        ),
        _ => false,
    }
}

/// The arrays a node's construction materialises again besides the member it names, each
/// with how and at what cost (see the module doc): a masked array's mask, and the objects an
/// object array of two or more dimensions makes of every array it reaches through lists and
/// tuples (once per reference).
fn rebuilt_arrays(
    schema: &Schema,
    kind: &NodeKind,
    elements: &impl Fn(&str) -> u64,
) -> Vec<(NodeId, Copy, u64)> {
    let count = |array: NodeId| match &schema.node(array).kind {
        NodeKind::NdArray(NdArrayStorage::Numpy { file }) => elements(file),
        _ => 0,
    };
    match kind {
        NodeKind::MaskedArray { data, mask } => {
            let Some(array) = masked_data(schema, *data) else {
                return Vec::new();
            };
            let cells = count(array);
            // A mask of as many elements is used as it is (its own member counts it).
            let full_mask = matches!(
                schema.node(*mask).kind,
                NodeKind::NdArray(NdArrayStorage::Numpy { .. })
            ) && count(*mask) == cells;
            if full_mask || cells == 0 {
                Vec::new()
            } else {
                vec![(array, Copy::Mask, cells)]
            }
        }
        NodeKind::NdArray(NdArrayStorage::Json { items, shape })
            if !is_one_dimensional(schema, *shape) =>
        {
            let mut found = Vec::new();
            let mut pending: Vec<NodeId> = items.clone();
            while let Some(item) = pending.pop() {
                match &schema.node(item).kind {
                    NodeKind::List(children) | NodeKind::Tuple(children) => {
                        pending.extend(children.iter().copied());
                    }
                    NodeKind::NdArray(NdArrayStorage::Numpy { .. })
                    | NodeKind::MaskedArray { .. } => {
                        if let Some(array) = masked_data(schema, item) {
                            let cost = count(array).saturating_mul(OBJECT_ELEMENT_SIZE);
                            if cost > 0 {
                                found.push((array, Copy::Objects, cost));
                            }
                        }
                    }
                    _ => {}
                }
            }
            found
        }
        _ => Vec::new(),
    }
}

/// What a load of a file materialises from its members, in bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Plan {
    /// What every node naming a member materialises, and every copy a constructor makes of
    /// such a node's array, summed.
    pub planned: u64,
    /// One copy of each distinct member, and one copy of each copied array: what the file
    /// honestly needs.
    pub needed: u64,
}

/// What numpy allocates per element of an array it makes into Python objects (an item of an
/// object array of two or more dimensions): an 8-byte pointer and a 24-byte `float`.
pub(crate) const OBJECT_ELEMENT_SIZE: u64 = 32;

/// A construction that materialises an array node again, beyond the node's own member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Copy {
    /// A `Tree` copies its argument and state arrays.
    Tree,
    /// A masked array makes a mask of one byte per element of its data.
    Mask,
    /// An object array of two or more dimensions makes each element a Python object.
    Objects,
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

/// Sums what is materialised, per member or per copied array.
#[derive(Debug, Default)]
struct Ledger<'s> {
    plan: Plan,
    excess: u64,
    members: HashMap<&'s str, Tally>,
    copies: HashMap<(NodeId, Copy), Tally>,
    /// The first node whose repeat took the excess over the allowance, and the member.
    culprit: Option<(NodeId, &'s str)>,
}

impl<'s> Ledger<'s> {
    /// Adds `cost` materialised bytes to `tally`, to the plan, and to the excess (what
    /// `tally` holds beyond its largest copy).
    fn charge(tally: &mut Tally, cost: u64, plan: &mut Plan, excess: &mut u64) {
        let before = *tally;
        tally.sum = tally.sum.saturating_add(cost);
        tally.max = tally.max.max(cost);
        plan.planned = plan.planned.saturating_add(cost);
        plan.needed = plan.needed.saturating_add(tally.max - before.max);
        *excess = excess.saturating_add(tally.excess().saturating_sub(before.excess()));
    }

    /// Blames node `id` (copying `member`) if the excess is now over `allowance`, unless a
    /// node was blamed before.
    fn blame(&mut self, id: NodeId, member: &'s str, allowance: u64) {
        if self.culprit.is_none() && self.excess > allowance {
            self.culprit = Some((id, member));
        }
    }
}

/// Plans what loading `schema` materialises, `size(member, form)` giving what one node of
/// that form materialises of that member (its checked sizes) and `elements(member)` the
/// number of elements of a `.npy` member (0 for another), and checks it against one copy of
/// each distinct member and of each copied, masked or expanded array, plus
/// `limits.max_rematerialised_size`.
///
/// Fails with [`FileError::MaterialisationBudget`] naming the node, in build order, whose copy
/// takes the repeats over the allowance.
pub(crate) fn check(
    schema: &Schema,
    size: impl Fn(&str, Form) -> u64,
    elements: impl Fn(&str) -> u64,
    limits: &Limits,
) -> Result<Plan> {
    let allowance = limits.max_rematerialised_size;
    let mut ledger = Ledger::default();
    for (id, node) in schema.nodes() {
        for (array, copy, cost) in rebuilt_arrays(schema, &node.kind, &elements) {
            let Some((member, _)) = named_member(&schema.node(array).kind) else {
                continue;
            };
            let tally = ledger.copies.entry((array, copy)).or_default();
            Ledger::charge(tally, cost, &mut ledger.plan, &mut ledger.excess);
            ledger.blame(id, member, allowance);
        }
        if let Some((member, form)) = named_member(&node.kind) {
            let tally = ledger.members.entry(member).or_default();
            Ledger::charge(
                tally,
                size(member, form),
                &mut ledger.plan,
                &mut ledger.excess,
            );
            ledger.blame(id, member, allowance);
        }
        for array in copied_arrays(schema, &node.kind) {
            let Some((member, form)) = named_member(&schema.node(array).kind) else {
                continue;
            };
            let tally = ledger.copies.entry((array, Copy::Tree)).or_default();
            Ledger::charge(
                tally,
                size(member, form),
                &mut ledger.plan,
                &mut ledger.excess,
            );
            ledger.blame(id, member, allowance);
        }
    }
    let plan = ledger.plan;
    let Some((id, member)) = ledger.culprit else {
        return Ok(plan);
    };
    Err(Error::File(FileError::MaterialisationBudget {
        member: member.to_owned(),
        path: crate::schema::path::node_path(schema, id),
        planned: plan.planned,
        budget: plan.needed.saturating_add(allowance),
    }))
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
        let plan = check(&schema, size, |_| 0, &limits(0)).unwrap();
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
            check(&schema, size, |_| 0, &limits(900)).unwrap(),
            Plan {
                planned: 1000,
                needed: 100
            }
        );
        match check(&schema, size, |_| 0, &limits(850)) {
            Err(Error::File(FileError::MaterialisationBudget {
                member,
                path,
                planned,
                budget,
            })) => {
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
            check(&schema, size, |_| 0, &limits(40)).unwrap(),
            Plan {
                planned: 90,
                needed: 50
            }
        );
        assert!(matches!(
            check(&schema, size, |_| 0, &limits(39)),
            Err(Error::File(FileError::MaterialisationBudget { path, .. })) if path == "[2]"
        ));
    }

    /// A list of `trees` Tree nodes (`__id__` 10, 11, ...) sharing one state whose `nodes`
    /// array is member `n.npy`, and one argument tuple holding `n_classes` in `c.npy`.
    fn trees_sharing_a_state(trees: u64) -> Schema {
        let array = |file: &str, id: u64| {
            format!(
                r#"{{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "{file}", "__id__": {id}}}"#
            )
        };
        let json = |content: &str, id: u64| {
            format!(
                r#"{{"__class__": "int", "__module__": "builtins", "__loader__": "JsonNode", "content": "{content}", "is_json": true, "__id__": {id}}}"#
            )
        };
        let args = format!(
            r#"{{"__class__": "tuple", "__module__": "builtins", "__loader__": "TupleNode", "content": [{}, {}, {}], "__id__": 2}}"#,
            json("3", 3),
            array("c.npy", 4),
            json("1", 5)
        );
        let state = format!(
            r#"{{"__class__": "dict", "__module__": "builtins", "__loader__": "DictNode", "content": {{"node_count": {}, "nodes": {}}}, "key_types": {{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [], "__id__": 8}}, "__id__": 6}}"#,
            json("1", 7),
            array("n.npy", 9)
        );
        let tree = |id: u64| {
            format!(
                r#"{{"__class__": "Tree", "__module__": "sklearn.tree._tree", "__loader__": "TreeNode", "__reduce__": {{"args": {args}}}, "content": {state}, "__id__": {id}}}"#
            )
        };
        let items: Vec<String> = (10..10 + trees).map(tree).collect();
        let text = format!(
            r#"{{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}], "__id__": 1, "protocol": 2}}"#,
            items.join(", ")
        );
        Schema::from_json(text.as_bytes(), &Limits::default()).unwrap()
    }

    #[test]
    fn trees_copying_one_state_count_each_copy() {
        let size = |member: &str, _: Form| if member == "n.npy" { 1000 } else { 10 };
        // One tree: its arrays are materialised once and copied once.
        assert_eq!(
            check(&trees_sharing_a_state(1), size, |_| 0, &limits(0)).unwrap(),
            Plan {
                planned: 2020,
                needed: 2020
            }
        );
        // Five trees share the state and the arguments: the arrays are materialised once (one
        // node each) but copied five times.
        let five = trees_sharing_a_state(5);
        assert_eq!(
            check(&five, size, |_| 0, &limits(4040)).unwrap(),
            Plan {
                planned: 6060,
                needed: 2020
            }
        );
        match check(&five, size, |_| 0, &limits(3000)) {
            Err(Error::File(FileError::MaterialisationBudget { member, path, .. })) => {
                // The fourth tree's copy of `nodes` takes the repeats to 3030 bytes.
                assert_eq!(member, "n.npy");
                assert_eq!(path, "[3]");
            }
            other => panic!("{other:?}"),
        }
    }

    /// `count` masked arrays (`__id__` 10, 11, ...) over the one `.npy` node `d.npy` (`__id__`
    /// 2, referred to by `__id__` after its first use), each with `mask`.
    fn masked_arrays(count: u64, mask: &str) -> Schema {
        let items: Vec<String> = (0..count)
            .map(|index| {
                let data = if index == 0 {
                    r#"{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "d.npy", "__id__": 2}"#
                } else {
                    r#"{"__class__": "ndarray", "__module__": "numpy", "__loader__": "CachedNode", "__id__": 2}"#
                };
                format!(
                    r#"{{"__class__": "MaskedArray", "__module__": "numpy.ma", "__loader__": "MaskedArrayNode", "content": {{"data": {data}, "mask": {mask}}}, "__id__": {}}}"#,
                    10 + 2 * index
                )
            })
            .collect();
        let text = format!(
            r#"{{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}], "__id__": 1, "protocol": 2}}"#,
            items.join(", ")
        );
        Schema::from_json(text.as_bytes(), &Limits::default()).unwrap()
    }

    #[test]
    fn each_mask_a_masked_array_makes_counts_beyond_the_first() {
        let json_true = r#"{"__class__": "bool", "__module__": "builtins", "__loader__": "JsonNode", "content": "true", "is_json": true, "__id__": 3}"#;
        let size = |_: &str, _: Form| 800;
        let elements = |member: &str| if member == "d.npy" { 100 } else { 1 };
        // One mask of 100 bytes is what the file needs.
        assert_eq!(
            check(&masked_arrays(1, json_true), size, elements, &limits(0)).unwrap(),
            Plan {
                planned: 900,
                needed: 900
            }
        );
        // Four masks over one data node: three repeats of 100 bytes.
        assert_eq!(
            check(&masked_arrays(4, json_true), size, elements, &limits(300)).unwrap(),
            Plan {
                planned: 1200,
                needed: 900
            }
        );
        assert!(matches!(
            check(&masked_arrays(4, json_true), size, elements, &limits(299)),
            Err(Error::File(FileError::MaterialisationBudget { member, path, .. }))
                if member == "d.npy" && path == "[3]"
        ));
        // A full mask array is used as it is: its own member counts it.
        let full = r#"{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "m.npy", "__id__": 3}"#;
        let full_elements = |_: &str| 100;
        assert_eq!(
            check(&masked_arrays(4, full), size, full_elements, &limits(0)).unwrap(),
            Plan {
                planned: 1600,
                needed: 1600
            }
        );
    }

    /// An object array of `references` items all naming array node `__id__` 2 (`a.npy`),
    /// with JSON shape `shape`.
    fn object_array(references: u64, shape: &str) -> Schema {
        let items: Vec<&str> = (0..references)
            .map(|index| {
                if index == 0 {
                    r#"{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "a.npy", "__id__": 2}"#
                } else {
                    r#"{"__class__": "ndarray", "__module__": "numpy", "__loader__": "CachedNode", "__id__": 2}"#
                }
            })
            .collect();
        let text = format!(
            r#"{{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "json", "content": [{}], "shape": {{"__class__": "list", "__module__": "builtins", "__loader__": "JsonNode", "content": "{shape}", "is_json": true, "__id__": 3}}, "__id__": 1, "protocol": 2}}"#,
            items.join(", ")
        );
        Schema::from_json(text.as_bytes(), &Limits::default()).unwrap()
    }

    #[test]
    fn an_object_array_counts_every_expansion_of_an_array_beyond_the_first() {
        let size = |_: &str, _: Form| 80;
        let elements = |_: &str| 10;
        let objects = 10 * OBJECT_ELEMENT_SIZE;
        // One expansion: the array's member and its objects.
        assert_eq!(
            check(&object_array(1, "[1, 10]"), size, elements, &limits(0)).unwrap(),
            Plan {
                planned: 80 + objects,
                needed: 80 + objects
            }
        );
        // Five references: four repeated expansions.
        assert!(matches!(
            check(&object_array(5, "[5, 10]"), size, elements, &limits(4 * objects - 1)),
            Err(Error::File(FileError::MaterialisationBudget { member, .. })) if member == "a.npy"
        ));
        assert!(
            check(
                &object_array(5, "[5, 10]"),
                size,
                elements,
                &limits(4 * objects)
            )
            .is_ok()
        );
        // A one-dimensional object array sets its items one by one: nothing is expanded.
        assert_eq!(
            check(&object_array(5, "[5]"), size, elements, &limits(0)).unwrap(),
            Plan {
                planned: 80,
                needed: 80
            }
        );
    }

    #[test]
    fn empty_members_may_be_named_any_number_of_times() {
        let nodes: Vec<(&str, &str, u64)> =
            (2..1000).map(|id| ("BytesNode", "e.bin", id)).collect();
        let plan = check(&schema(&nodes), |_, _| 0, |_| 0, &limits(0)).unwrap();
        assert_eq!(plan, Plan::default());
    }
}
