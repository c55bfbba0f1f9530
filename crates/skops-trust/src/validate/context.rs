//! What the validators share while one file is validated: the file and limits, the nodes found
//! sound so far, and work that is done once per file or deferred to the end of the walk.

use std::collections::{HashMap, HashSet};

use super::binary_tree::SoundTree;
use super::usage::Referrers;
use super::{Validated, Validator, parallel};
use crate::Result;
use skops_format::file::SkopsFile;
use skops_format::limits::Limits;
use skops_format::schema::NodeId;

/// The state of one validation walk over a file, handed to each registry entry.
pub(super) struct Context<'c, 'a> {
    /// The file being validated.
    pub(super) file: &'c SkopsFile<'a>,
    /// The limits it is validated under.
    pub(super) limits: &'c Limits,
    /// The nodes found sound and trusted so far.
    pub(super) validated: Validated,
    /// Every node's referrers, built on the first validator that asks (most files need none).
    referrers: Option<Referrers<'c>>,
    /// The BSplines a consistent `SplineTransformer` holds, found on the first spline.
    placed_bsplines: Option<HashSet<NodeId>>,
    /// The result of every TreeNode's check, computed up front on several threads
    /// ([`parallel`]): a forest's trees are most of what validating a large model costs.
    pub(super) tree_results: HashMap<NodeId, Result<u64>>,
    /// The sound `KDTree`/`BallTree` nodes, checked against their estimators at the end.
    pub(super) binary_trees: Vec<(NodeId, SoundTree)>,
    /// The nodes whose check runs once the walk is over, with the index of their registry
    /// entry ([`super::registry::Action::RefusesAtEnd`]), in schema order.
    pub(super) deferred: Vec<(usize, NodeId)>,
}

impl<'c, 'a> Context<'c, 'a> {
    /// A walk over `file` that has validated nothing yet.
    pub(super) fn new(file: &'c SkopsFile<'a>, limits: &'c Limits) -> Self {
        Self {
            file,
            limits,
            validated: Validated::none(),
            referrers: None,
            placed_bsplines: None,
            tree_results: parallel::validate_trees(file, limits),
            binary_trees: Vec::new(),
            deferred: Vec::new(),
        }
    }

    /// Every node's referrers (built once, on first use).
    pub(super) fn referrers(&mut self) -> &Referrers<'c> {
        let schema = self.file.schema();
        self.referrers.get_or_insert_with(|| Referrers::new(schema))
    }

    /// The BSpline nodes that are items of a consistent `SplineTransformer`'s `bsplines_`
    /// (found once, on first use).
    pub(super) fn placed_bsplines(&mut self) -> &HashSet<NodeId> {
        let file = self.file;
        self.placed_bsplines
            .get_or_insert_with(|| super::bspline::placed_bsplines(file))
    }

    /// Records that `validator` found node `id` sound, and trusts it as a `type_name`.
    pub(super) fn trust(&mut self, id: NodeId, type_name: &'static str, validator: Validator) {
        self.validated.insert(id, type_name, validator);
    }
}
