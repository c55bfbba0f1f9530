//! The reachability walk shared by the tree validators: every node reached exactly once.

/// Why a binary tree's child links do not form a tree rooted at node 0.
pub(super) enum WalkError {
    /// A node is never reached from the root (or a link points past the last node).
    Unreached(u64),
    /// A node is reached a second time (a cycle, or two parents sharing it).
    ReachedTwice(u64),
}

/// Walks the nodes from node 0 (iteratively), following each split node's `(left, right)`
/// children (`None` for a leaf); returns the depth of the deepest node.
pub(super) fn walk(children: &[Option<(u64, u64)>]) -> Result<u64, WalkError> {
    let mut reached = vec![false; children.len()];
    let mut stack: Vec<(u64, u64)> = vec![(0, 0)];
    let mut deepest = 0u64;
    // Each node is marked once and expanded once, pushing two, so the loop runs at most
    // 2 * n_nodes + 1 times.
    while let Some((node, depth)) = stack.pop() {
        let index = usize::try_from(node).unwrap_or(usize::MAX);
        let Some(slot) = reached.get_mut(index) else {
            return Err(WalkError::Unreached(node));
        };
        if *slot {
            return Err(WalkError::ReachedTwice(node));
        }
        *slot = true;
        deepest = deepest.max(depth);
        if let Some(Some((left, right))) = children.get(index) {
            stack.push((*right, depth + 1));
            stack.push((*left, depth + 1));
        }
    }
    match reached.iter().position(|&reached| !reached) {
        Some(node) => Err(WalkError::Unreached(node as u64)),
        None => Ok(deepest),
    }
}
