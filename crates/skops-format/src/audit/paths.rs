//! The segments of a node's access path from the root object (`steps[1][1].tree_`, written
//! in the notation of [`crate::schema::path`]), and the iterative graph walks the audit needs.
//!
//! Every child other than a state entry, an item or a plain dict entry is an attribute named
//! as skops 0.16 names it in the node's `children` (`.content`, `.attrs`, `.args`, `.func`,
//! `.obj`, `.kwds`, `.namespace`, `.main`, `.default_factory`, `.data`, `.mask`,
//! `.key_types`, `.shape`, `.bit_generator_state`, `.seed_seq_state`,
//! `._deprecated_key_to_new_key`).
//!
//! The walks take the graph as a closure over `usize` indices, so they are tested on graphs the
//! schema layer cannot produce (cycles). None of them recurses.

pub(crate) use crate::schema::path::{Segment, render};
use crate::schema::{Loader, NdArrayStorage, NodeId, NodeKind, Schema};
use crate::validate;

/// The children of `id` in skops' build order, with their segments. `reached_as` is the
/// segment by which `id` itself was reached (a DictNode reached as an object's state dict
/// names its entries as attributes).
pub(crate) fn child_segments<'s>(
    schema: &'s Schema,
    id: NodeId,
    reached_as: Option<Segment<'_>>,
) -> Vec<(Segment<'s>, NodeId)> {
    use Segment::{Attr, Index};
    let indexed = |items: &[NodeId]| -> Vec<(Segment<'s>, NodeId)> {
        items
            .iter()
            .enumerate()
            .map(|(index, &child)| (Index(index), child))
            .collect()
    };
    match &schema.node(id).kind {
        NodeKind::Json { .. }
        | NodeKind::Slice { .. }
        | NodeKind::Bytes { .. }
        | NodeKind::Bytearray { .. }
        | NodeKind::Type
        | NodeKind::Function
        | NodeKind::FunctionV0 { .. }
        | NodeKind::SparseMatrix { .. }
        | NodeKind::RandomGeneratorV0 { .. }
        | NodeKind::NdArray(NdArrayStorage::Numpy { .. })
        | NodeKind::Object { content: None } => Vec::new(),
        NodeKind::Dict { entries, key_types } => {
            let state = reached_as == Some(Segment::StateDict);
            let mut children = Vec::with_capacity(entries.len().saturating_add(1));
            children.push((Attr("key_types"), *key_types));
            let types: &[NodeId] = match &schema.node(*key_types).kind {
                NodeKind::List(items) | NodeKind::Tuple(items) => items,
                _ => &[],
            };
            children.extend(entries.iter().enumerate().map(|(index, (key, child))| {
                let segment = if state {
                    // Named as the state reader reads it: an attribute only where skops sets one.
                    let key_type = types.get(index).map(|&id| schema.node(id));
                    match key_type {
                        Some(node) if validate::key_names_attribute(node) => {
                            Segment::StateAttr(key)
                        }
                        Some(node) => Segment::StateKey(
                            key,
                            Some((node.module.as_str(), node.class.as_str())),
                        ),
                        None => Segment::StateKey(key, None),
                    }
                } else {
                    Segment::Key(key)
                };
                (segment, *child)
            }));
            children
        }
        NodeKind::DefaultDict {
            main,
            default_factory,
        } => {
            // A defaultdict state holds the items of `main` (`defaultdict(**main)`).
            let main_segment = if reached_as == Some(Segment::StateDict) {
                Segment::StateDict
            } else {
                Attr("main")
            };
            vec![
                (main_segment, *main),
                (Attr("default_factory"), *default_factory),
            ]
        }
        NodeKind::List(items) | NodeKind::Set(items) | NodeKind::Tuple(items) => indexed(items),
        NodeKind::Partial {
            func,
            args,
            kwds,
            namespace,
        } => vec![
            (Attr("func"), *func),
            (Attr("args"), *args),
            (Attr("kwds"), *kwds),
            (Attr("namespace"), *namespace),
        ],
        NodeKind::Method { obj, .. } => vec![(Attr("obj"), *obj)],
        NodeKind::OperatorFunc { attrs } => vec![(Attr("attrs"), *attrs)],
        NodeKind::Object {
            content: Some(content),
        } => {
            let segment = if matches!(
                schema.node(*content).loader,
                Loader::Dict | Loader::DefaultDict
            ) {
                Segment::StateDict
            } else {
                Attr("attrs")
            };
            vec![(segment, *content)]
        }
        NodeKind::ConstructorFromReduce { content }
        | NodeKind::DType { content }
        | NodeKind::RandomState { content } => vec![(Attr("content"), *content)],
        NodeKind::NdArray(NdArrayStorage::Json { items, shape }) => {
            let mut children = indexed(items);
            children.push((Attr("shape"), *shape));
            children
        }
        NodeKind::MaskedArray { data, mask } => {
            vec![(Attr("data"), *data), (Attr("mask"), *mask)]
        }
        NodeKind::RandomGenerator {
            bit_generator,
            seed_seq,
            ..
        } => {
            let mut children = vec![(Attr("bit_generator_state"), *bit_generator)];
            if let Some(seed_seq) = seed_seq {
                children.push((Attr("seed_seq_state"), *seed_seq));
            }
            children
        }
        NodeKind::Reduce { args, state, .. } => {
            vec![(Attr("attrs"), *state), (Attr("args"), *args)]
        }
        NodeKind::DictWithDeprecatedKeys {
            main,
            deprecated_key_to_new_key,
        } => vec![
            (Attr("main"), *main),
            (
                Attr("_deprecated_key_to_new_key"),
                *deprecated_key_to_new_key,
            ),
        ],
    }
}

/// The first way each node is reached in skops' build order: a preorder walk that enters each
/// node once, where `get_tree` builds (and memoises) it.
#[derive(Debug)]
pub(crate) struct BuildOrder<'s> {
    /// Indices in the order they are first reached (the root first).
    pub(crate) order: Vec<usize>,
    /// For each index, the parent and segment it was first reached by (`None` for the root
    /// and for unreachable indices).
    pub(crate) parent: Vec<Option<(usize, Segment<'s>)>>,
}

impl BuildOrder<'_> {
    /// The path by which `index` was first reached (`""` for the root or an unreached index).
    pub(crate) fn path(&self, index: usize) -> String {
        let mut segments = Vec::new();
        let mut current = index;
        // Each step goes to a node reached earlier, so this ends within `parent.len()` steps.
        for _ in 0..self.parent.len() {
            match self.parent.get(current).copied().flatten() {
                Some((parent, segment)) => {
                    segments.push(segment);
                    current = parent;
                }
                None => break,
            }
        }
        segments.reverse();
        render(&segments)
    }
}

/// Walks the graph of `count` nodes from `root` in preorder, entering each node once.
/// `children(index, reached_as)` lists a node's children in build order.
pub(crate) fn build_order<'s>(
    root: usize,
    count: usize,
    mut children: impl FnMut(usize, Option<Segment<'s>>) -> Vec<(Segment<'s>, usize)>,
) -> BuildOrder<'s> {
    let mut order = Vec::with_capacity(count);
    let mut parent: Vec<Option<(usize, Segment<'s>)>> = vec![None; count];
    let mut entered = vec![false; count];
    let mut stack: Vec<(usize, Option<(usize, Segment<'s>)>)> = vec![(root, None)];
    while let Some((index, via)) = stack.pop() {
        match entered.get_mut(index) {
            Some(seen) if !*seen => *seen = true,
            _ => continue,
        }
        if let Some(slot) = parent.get_mut(index) {
            *slot = via;
        }
        order.push(index);
        let reached_as = via.map(|(_, segment)| segment);
        let mut kids = children(index, reached_as);
        // Reversed, so the first child is entered first, as in the recursive `get_tree`.
        kids.reverse();
        stack.extend(
            kids.into_iter()
                .map(|(segment, child)| (child, Some((index, segment)))),
        );
    }
    BuildOrder { order, parent }
}

/// For each of `count` nodes: whether it and everything below it satisfy `self_safe`.
///
/// Iterative postorder; a node met again while its own subtree is being computed (a cycle,
/// which the schema layer already refuses) counts as safe there, as skops' cycle guard makes
/// `get_unsafe_set` return an empty set for it. Nodes not reached from `root` stay `true`.
pub(crate) fn subtree_safe(
    root: usize,
    count: usize,
    self_safe: impl Fn(usize) -> bool,
    children: impl FnMut(usize) -> Vec<usize>,
) -> Vec<bool> {
    subtree_safe_from([root], count, self_safe, children)
}

/// [`subtree_safe`] from several starting nodes, each walked unless an earlier walk reached it.
pub(crate) fn subtree_safe_from(
    roots: impl IntoIterator<Item = usize>,
    count: usize,
    self_safe: impl Fn(usize) -> bool,
    mut children: impl FnMut(usize) -> Vec<usize>,
) -> Vec<bool> {
    #[derive(Clone, Copy, PartialEq)]
    enum State {
        New,
        Open,
        Done,
    }
    let mut state = vec![State::New; count];
    let mut safe = vec![true; count];
    // (node, its children, next child to look at)
    let mut stack: Vec<(usize, Vec<usize>, usize)> = Vec::new();
    for root in roots {
        if let Some(slot) = state.get_mut(root).filter(|slot| **slot == State::New) {
            *slot = State::Open;
            stack.push((root, children(root), 0));
        }
        while let Some((index, kids, next)) = stack.last_mut() {
            if let Some(&child) = kids.get(*next) {
                *next += 1;
                if state.get(child) == Some(&State::New) {
                    if let Some(slot) = state.get_mut(child) {
                        *slot = State::Open;
                    }
                    let grandchildren = children(child);
                    stack.push((child, grandchildren, 0));
                }
                continue;
            }
            let index = *index;
            let all_children_safe = kids.iter().all(|&child| {
                state.get(child) == Some(&State::Open) || safe.get(child) == Some(&true)
            });
            if let Some(slot) = safe.get_mut(index) {
                *slot = self_safe(index) && all_children_safe;
            }
            if let Some(slot) = state.get_mut(index) {
                *slot = State::Done;
            }
            stack.pop();
        }
    }
    safe
}

/// Visits every occurrence of a node in the tree the graph stands for (a node shared by two
/// parents is visited twice), skipping the subtrees `skip` rejects, at most `budget` visits.
/// `visit(index, segments)` gets the segments from the root to the occurrence. A node already
/// on the current path is not entered again (skops' cycle guard). Returns whether the whole
/// tree was walked within the budget.
pub(crate) fn walk_occurrences<'s>(
    root: usize,
    count: usize,
    budget: u64,
    skip: impl Fn(usize) -> bool,
    mut children: impl FnMut(usize, Option<Segment<'s>>) -> Vec<(Segment<'s>, usize)>,
    mut visit: impl FnMut(usize, &[Segment<'s>]),
) -> bool {
    /// One node on the current path, with its children and the next one to enter.
    struct Frame<'s> {
        index: usize,
        children: Vec<(Segment<'s>, usize)>,
        next: usize,
    }
    if root >= count || skip(root) {
        return true;
    }
    let mut on_path = vec![false; count];
    let mut segments: Vec<Segment<'s>> = Vec::new();
    visit(root, &segments);
    if let Some(flag) = on_path.get_mut(root) {
        *flag = true;
    }
    let mut stack = vec![Frame {
        index: root,
        children: children(root, None),
        next: 0,
    }];
    let mut visits: u64 = 1;
    while let Some(frame) = stack.last_mut() {
        if let Some(&(segment, child)) = frame.children.get(frame.next) {
            frame.next += 1;
            if skip(child) || on_path.get(child).copied().unwrap_or(true) {
                continue;
            }
            if visits >= budget {
                return false;
            }
            visits += 1;
            segments.push(segment);
            visit(child, &segments);
            if let Some(flag) = on_path.get_mut(child) {
                *flag = true;
            }
            stack.push(Frame {
                index: child,
                children: children(child, Some(segment)),
                next: 0,
            });
            continue;
        }
        if let Some(flag) = on_path.get_mut(frame.index) {
            *flag = false;
        }
        stack.pop();
        // The root has no segment; every other frame pushed one.
        if !stack.is_empty() {
            segments.pop();
        }
    }
    true
}

/// The path by which skops first builds node `id` (`""` for the root): what error messages
/// about a node show.
pub fn node_path(schema: &Schema, id: NodeId) -> String {
    build_order_of(schema).path(id.index())
}

/// The path by which skops first builds each node (`""` for the root), indexed by
/// [`NodeId::index`]: [`node_path`] for every node at once.
pub fn node_paths(schema: &Schema) -> Vec<String> {
    let order = build_order_of(schema);
    (0..schema.len()).map(|index| order.path(index)).collect()
}

/// [`build_order`] over a schema.
pub(crate) fn build_order_of(schema: &Schema) -> BuildOrder<'_> {
    let ids: Vec<NodeId> = schema.nodes().map(|(id, _)| id).collect();
    build_order(
        schema.root().index(),
        schema.len(),
        |index, reached_as| match ids.get(index) {
            Some(&id) => child_segments(schema, id, reached_as)
                .into_iter()
                .map(|(segment, child)| (segment, child.index()))
                .collect(),
            None => Vec::new(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A diamond: 0 → 1, 0 → 2, 1 → 3, 2 → 3.
    fn diamond(index: usize) -> Vec<usize> {
        match index {
            0 => vec![1, 2],
            1 | 2 => vec![3],
            _ => vec![],
        }
    }

    fn as_segments(kids: Vec<usize>) -> Vec<(Segment<'static>, usize)> {
        kids.into_iter()
            .enumerate()
            .map(|(position, child)| (Segment::Index(position), child))
            .collect()
    }

    #[test]
    fn build_order_enters_each_node_once_in_preorder() {
        let order = build_order(0, 4, |index, _| as_segments(diamond(index)));
        assert_eq!(order.order, vec![0, 1, 3, 2]);
        assert_eq!(order.path(3), "[0][0]");
        assert_eq!(order.path(2), "[1]");
        assert_eq!(order.path(0), "");
    }

    #[test]
    fn occurrences_visit_shared_nodes_on_every_path() {
        let mut seen = Vec::new();
        let complete = walk_occurrences(
            0,
            4,
            100,
            |_| false,
            |index, _| as_segments(diamond(index)),
            |index, segments| seen.push((index, render(segments))),
        );
        assert!(complete);
        assert_eq!(
            seen,
            vec![
                (0, String::new()),
                (1, "[0]".to_owned()),
                (3, "[0][0]".to_owned()),
                (2, "[1]".to_owned()),
                (3, "[1][0]".to_owned()),
            ]
        );
        // Skipped subtrees and the budget.
        let mut count = 0;
        assert!(walk_occurrences(
            0,
            4,
            100,
            |index| index == 1,
            |index, _| as_segments(diamond(index)),
            |_, _| count += 1
        ));
        assert_eq!(count, 3);
        assert!(!walk_occurrences(
            0,
            4,
            2,
            |_| false,
            |index, _| as_segments(diamond(index)),
            |_, _| {}
        ));
    }

    /// A cycle 0 → 1 → 2 → 0 (and 2 → 3): every walk ends, and the cycle guard makes the
    /// revisited ancestor contribute nothing.
    #[test]
    fn walks_end_on_cycles() {
        let cycle = |index: usize| match index {
            0 => vec![1],
            1 => vec![2],
            2 => vec![0, 3],
            _ => vec![],
        };
        let order = build_order(0, 4, |index, _| as_segments(cycle(index)));
        assert_eq!(order.order, vec![0, 1, 2, 3]);
        assert_eq!(order.path(3), "[0][0][1]");

        let mut visits = Vec::new();
        assert!(walk_occurrences(
            0,
            4,
            100,
            |_| false,
            |index, _| as_segments(cycle(index)),
            |index, _| visits.push(index)
        ));
        assert_eq!(visits, vec![0, 1, 2, 3]);

        // Only node 3 is unsafe; node 0 is safe itself, and re-entering it from 2 is cut.
        let safe = subtree_safe(0, 4, |index| index != 3, cycle);
        assert_eq!(safe, vec![false, false, false, false]);
        let safe = subtree_safe(0, 4, |_| true, cycle);
        assert_eq!(safe, vec![true; 4]);
        let safe = subtree_safe(0, 4, |index| index != 1, diamond);
        assert_eq!(safe, vec![false, false, true, true]);
    }
}
