//! Python-like access paths from the root object to a node (`steps[1][1].tree_`): the one
//! notation of every error message and report that names a place in a model, whether the
//! model is being read (the audit, the validators) or written (`skops_rs.io.dumps`).
//!
//! [`node_path`] is the path by which skops first builds a node ([`build_order_of`]: the
//! preorder walk `get_tree` makes, entering each node once); [`child_segments`] names each
//! child as skops 0.16 names it in the node's `children` (`.content`, `.attrs`, `.args`,
//! `.func`, `.obj`, `.kwds`, `.namespace`, `.main`, `.default_factory`, `.data`, `.mask`,
//! `.key_types`, `.shape`, `.bit_generator_state`, `.seed_seq_state`,
//! `._deprecated_key_to_new_key`), state entries that set no attribute included.
//!
//! A path is one [`Segment`] per edge. The root is `""`; an object's state dict is
//! transparent (its entries are attributes of the object: `.tree_`, or
//! `.__dict__["a b"]` when the key is not an identifier), list, tuple, set and object-array
//! items are `[i]`, plain dict entries are `["key"]` (JSON-quoted), and every other child is an
//! attribute (`.func`, `.main`). At the root the leading dot is dropped (`steps`, not
//! `.steps`).

use crate::json::{self, Text, Value};
use crate::schema::{Loader, NdArrayStorage, NodeId, NodeKind, Schema};

/// How a child hangs from its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'s> {
    /// `.name`.
    Attr(&'static str),
    /// The state dict of an ObjectNode: `.__dict__` when it is the end of the path, nothing
    /// when an entry of it follows (see [`Segment::StateAttr`]).
    StateDict,
    /// An entry of an object's state dict that sets an attribute: `.name` when `name` is an
    /// identifier, otherwise `.__dict__["name"]`.
    StateAttr(&'s Text),
    /// An entry of an object's state dict that sets no attribute (its key type makes another
    /// key of it, or `zip` drops it: see `validate::state`): `.__dict__[module.class("key")]`
    /// with its key type, `.__dict__["key"]` without one.
    StateKey(&'s Text, Option<(&'s str, &'s str)>),
    /// `["key"]`.
    Key(&'s Text),
    /// `[i]`.
    Index(usize),
}

/// Renders the segments from the root to a node as a path.
pub fn render(segments: &[Segment<'_>]) -> String {
    let mut out = String::new();
    let mut iter = segments.iter().peekable();
    while let Some(segment) = iter.next() {
        match segment {
            Segment::Attr(name) => push_attr(&mut out, name),
            Segment::StateDict => {
                let transparent = matches!(
                    iter.peek(),
                    Some(Segment::StateAttr(_) | Segment::StateKey(..) | Segment::StateDict)
                );
                if !transparent {
                    push_attr(&mut out, "__dict__");
                }
            }
            Segment::StateKey(key, key_type) => {
                push_attr(&mut out, "__dict__");
                match key_type {
                    Some((module, class)) => {
                        out.push('[');
                        out.push_str(module);
                        out.push('.');
                        out.push_str(class);
                        out.push('(');
                        out.push_str(&json::to_string_compact(&Value::from((*key).clone())));
                        out.push_str(")]");
                    }
                    None => push_key(&mut out, key),
                }
            }
            Segment::StateAttr(name) => {
                if let Some(name) = name.as_str().filter(|name| is_identifier(name)) {
                    push_attr(&mut out, name);
                } else {
                    push_attr(&mut out, "__dict__");
                    push_key(&mut out, name);
                }
            }
            Segment::Key(key) => push_key(&mut out, key),
            Segment::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out
}

fn push_attr(out: &mut String, name: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(name);
}

fn push_key(out: &mut String, key: &Text) {
    out.push('[');
    out.push_str(&json::to_string_compact(&Value::String(key.clone())));
    out.push(']');
}

/// Python's `str.isidentifier`, closely enough for attribute names (letters, digits and `_`,
/// not starting with a digit).
fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first == '_' || first.is_alphabetic())
        && chars.all(|c| c == '_' || c.is_alphanumeric())
}

/// The children of `id` in skops' build order, with their segments. `reached_as` is the
/// segment by which `id` itself was reached (a DictNode reached as an object's state dict
/// names its entries as attributes).
pub fn child_segments<'s>(
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
                        Some(node) if super::key_types::names_attribute(node) => {
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
pub struct BuildOrder<'s> {
    /// Indices in the order they are first reached (the root first).
    pub order: Vec<usize>,
    /// For each index, the parent and segment it was first reached by (`None` for the root
    /// and for unreachable indices).
    pub parent: Vec<Option<(usize, Segment<'s>)>>,
}

impl BuildOrder<'_> {
    /// The path by which `index` was first reached (`""` for the root or an unreached index).
    pub fn path(&self, index: usize) -> String {
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
pub fn build_order<'s>(
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

/// How a node path is shown to people: the root (`""`) as `(root)`.
pub fn node_path_display(path: &str) -> &str {
    if path.is_empty() { "(root)" } else { path }
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
pub fn build_order_of(schema: &Schema) -> BuildOrder<'_> {
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

    #[test]
    fn segments_render_like_python() {
        use Segment::*;
        assert_eq!(render(&[]), "");
        assert_eq!(
            render(&[
                StateDict,
                StateAttr(&Text::from("steps")),
                Index(1),
                Index(1),
                StateDict,
                StateAttr(&Text::from("tree_"))
            ]),
            "steps[1][1].tree_"
        );
        assert_eq!(
            render(&[Index(0), Key(&Text::from("a\"b"))]),
            r#"[0]["a\"b"]"#
        );
        assert_eq!(render(&[StateDict]), "__dict__");
        assert_eq!(
            render(&[StateDict, Attr("key_types"), Index(0)]),
            "__dict__.key_types[0]"
        );
        assert_eq!(
            render(&[
                Attr("func"),
                StateDict,
                StateAttr(&Text::from("not an identifier"))
            ]),
            r#"func.__dict__["not an identifier"]"#
        );
        assert_eq!(
            render(&[StateDict, StateAttr(&Text::from("1x"))]),
            r#"__dict__["1x"]"#
        );
        assert_eq!(render(&[Attr("args"), Index(1)]), "args[1]");
    }
}
