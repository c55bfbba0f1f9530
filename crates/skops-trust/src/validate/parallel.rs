//! Validates the trees of a forest on several threads: each tree is checked on its own, and a
//! forest of hundreds of trees is most of what validating a large model costs.

use std::collections::HashMap;
use std::num::NonZeroUsize;
use std::thread;

use super::tree;
use crate::Result;
use crate::audit;
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::schema::{NodeId, NodeKind, ReduceKind};

/// At most this many threads validate trees at once (fewer on a machine with fewer cores).
pub(super) const MAX_VALIDATION_THREADS: usize = 8;

/// Below this many trees, they are validated on the calling thread (a thread costs more than
/// a small tree).
const MIN_TREES_PER_THREAD: usize = 4;

/// The result of [`tree::validate_tree`] for every TreeNode of `file`, by node.
///
/// The caller takes each result in schema order, so the error it reports is the one a
/// sequential walk would report first.
pub(super) fn validate_trees(
    file: &SkopsFile<'_>,
    limits: &Limits,
) -> HashMap<NodeId, Result<u64>> {
    let schema = file.schema();
    let trees: Vec<NodeId> = schema
        .nodes()
        .filter(|(_, node)| {
            matches!(
                node.kind,
                NodeKind::Reduce {
                    kind: ReduceKind::Tree,
                    ..
                }
            )
        })
        .map(|(id, _)| id)
        .collect();
    let validate_one = |id: NodeId| {
        let path = || audit::node_path(schema, id);
        (id, tree::validate_tree(file, id, limits, &path))
    };
    if trees.len() < 2 * MIN_TREES_PER_THREAD {
        // Not worth a thread (and `available_parallelism` reads cgroup files on Linux).
        return trees.into_iter().map(validate_one).collect();
    }
    let threads = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(MAX_VALIDATION_THREADS)
        .min(trees.len() / MIN_TREES_PER_THREAD)
        .max(1);
    if threads == 1 {
        return trees.into_iter().map(validate_one).collect();
    }
    let chunk = trees.len().div_ceil(threads);
    thread::scope(|scope| {
        let workers: Vec<_> = trees
            .chunks(chunk)
            .map(|ids| {
                scope.spawn(move || ids.iter().map(|&id| validate_one(id)).collect::<Vec<_>>())
            })
            .collect();
        workers
            .into_iter()
            // A validator never panics on any input (fuzzed); were one to, re-raising it on
            // this thread keeps the behaviour of the sequential walk.
            .flat_map(|worker| {
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}
