//! The iterative graph walks the audit needs on top of [`skops_format::schema::path`]'s build order:
//! whether each subtree is safe, and every occurrence of every node with its path.
//!
//! The walks take the graph as a closure over `usize` indices, so they are tested on graphs the
//! schema layer cannot produce (cycles). None of them recurses.

#[cfg(test)]
use skops_format::schema::path::build_order;
pub(crate) use skops_format::schema::path::{Segment, build_order_of, child_segments, render};

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
