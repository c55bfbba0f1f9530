//! The shared tree walker: a forest's nodes flattened into one array of compact records, and
//! the batch walked several rows (or, for a single row, several trees) at a time, so that the
//! independent walks overlap their memory loads instead of waiting for one another.
//!
//! A node type says how to step from a node to its child ([`Step`]); a leaf steps to itself,
//! so lanes that reached their leaf can keep stepping while the others finish. Child indices
//! carry [`LEAF`] when the child is a leaf: a walk knows it ended without loading the leaf.
//!
//! [`visit`] calls back once per (row, tree) with the leaf the row reaches, and for each row in
//! increasing tree order whatever the batch size: models that sum over trees keep
//! scikit-learn's summation order per row, and every row's result depends on that row alone.

/// Flag of a node index whose node is a leaf.
pub const LEAF: u32 = 1 << 31;
/// The index bits of a node index.
pub const INDEX: u32 = !LEAF;

/// Rows (or trees) walked together: enough independent walks to hide the latency of a node
/// load, few enough that their state stays in registers.
const LANES: usize = 8;

/// A flattened forest whose nodes know how to route a row.
pub trait Step {
    /// The type of an input value.
    type Value: Copy;

    /// The root of each tree (with [`LEAF`] when the tree is a single leaf).
    fn roots(&self) -> &[u32];

    /// The index of the child of node `at` (without [`LEAF`] set on `at`'s index bits, or with:
    /// both are accepted) that the row starting at `x[row..]` goes to; a leaf returns itself.
    fn step(&self, at: u32, x: &[Self::Value], row: usize) -> u32;
}

/// The leaf `x[row..]` reaches from `root`.
#[inline(always)]
fn walk_one<S: Step>(forest: &S, root: u32, x: &[S::Value], row: usize) -> u32 {
    let mut at = root;
    while at & LEAF == 0 {
        at = forest.step(at, x, row);
    }
    at & INDEX
}

/// The leaves of `LANES` walks in lock-step: lane `l` starts at `at[l]` on the row at `rows[l]`.
#[inline(always)]
fn walk_lanes<S: Step>(
    forest: &S,
    mut at: [u32; LANES],
    x: &[S::Value],
    rows: [usize; LANES],
) -> [u32; LANES] {
    loop {
        if at.iter().fold(LEAF, |done, &index| done & index) != 0 {
            return at.map(|index| index & INDEX);
        }
        for lane in 0..LANES {
            at[lane] = forest.step(at[lane], x, rows[lane]);
        }
    }
}

/// Calls `f(row, tree, leaf)` for every row of `x` (rows of `width` values, row-major) and
/// every tree of `forest`, `leaf` being the node index (into the flattened array) where the
/// row ends. For each row the trees come in increasing order.
#[inline(always)]
pub fn visit<S: Step>(
    forest: &S,
    x: &[S::Value],
    width: usize,
    mut f: impl FnMut(usize, usize, u32),
) {
    let rows = x.len().checked_div(width).unwrap_or(0);
    let roots = forest.roots();
    if rows < LANES {
        // Few rows: each row through several trees at once.
        for row in 0..rows {
            let start = row * width;
            let mut groups = roots.chunks_exact(LANES);
            let mut tree = 0;
            for group in &mut groups {
                let at = std::array::from_fn(|lane| group[lane]);
                for leaf in walk_lanes(forest, at, x, [start; LANES]) {
                    f(row, tree, leaf);
                    tree += 1;
                }
            }
            for &root in groups.remainder() {
                f(row, tree, walk_one(forest, root, x, start));
                tree += 1;
            }
        }
        return;
    }
    // A batch: one tree at a time (it stays in cache), several rows through it at once.
    for (tree, &root) in roots.iter().enumerate() {
        let mut row = 0;
        while row + LANES <= rows {
            let starts = std::array::from_fn(|lane| (row + lane) * width);
            for (lane, leaf) in walk_lanes(forest, [root; LANES], x, starts)
                .into_iter()
                .enumerate()
            {
                f(row + lane, tree, leaf);
            }
            row += LANES;
        }
        while row < rows {
            f(row, tree, walk_one(forest, root, x, row * width));
            row += 1;
        }
    }
}

/// The largest float32 `t` (±infinity included) such that `f64::from(t) <= threshold`, so
/// that for every float32 `x` that is not NaN, `x <= t` exactly when `f64::from(x) <=
/// threshold` (scikit-learn compares the float32 input, widened, to a float64 threshold). A
/// NaN threshold, which nothing is `<=`, stays NaN.
pub fn float32_threshold(threshold: f64) -> f32 {
    let nearest = threshold as f32;
    if nearest.is_nan() || f64::from(nearest) <= threshold {
        nearest
    } else {
        // The nearest float32 is above; the one below it is at or below `threshold` (else it
        // would be nearer).
        next_down(nearest)
    }
}

/// The float32 just below `x` (not NaN, not -inf): `f32::next_down`, stable after our MSRV.
fn next_down(x: f32) -> f32 {
    if x == 0.0 {
        -f32::from_bits(1)
    } else if x > 0.0 {
        f32::from_bits(x.to_bits() - 1)
    } else {
        f32::from_bits(x.to_bits() + 1)
    }
}

/// One node of a float32 tree (`sklearn.tree._tree.Tree`): 16 bytes.
#[derive(Debug, Clone, Copy)]
struct Node32 {
    /// [`float32_threshold`] of the node's threshold.
    threshold: f32,
    /// The feature, with [`MISSING_LEFT`] when NaN goes left.
    feature: u32,
    /// Left and right child (with [`LEAF`] when a leaf); a leaf holds itself twice.
    children: [u32; 2],
}

/// Flag of `Node32::feature`: NaN goes to the left child.
const MISSING_LEFT: u32 = 1 << 31;

/// The structure of one tree, in scikit-learn's node order, to flatten into a [`Forest32`].
#[derive(Debug, Clone, Default)]
pub struct TreeNodes {
    /// Per node: `None` for a leaf, else (feature, threshold, NaN goes left, left, right).
    pub splits: Vec<Option<Split>>,
}

/// An internal node: the split of `sklearn.tree._tree.Tree`.
#[derive(Debug, Clone, Copy)]
pub struct Split {
    /// The column the node reads.
    pub feature: usize,
    /// `x <= threshold` goes left.
    pub threshold: f64,
    /// Where NaN goes.
    pub missing_go_to_left: bool,
    /// The left child (a node index of the same tree, above the parent's).
    pub left: usize,
    /// The right child.
    pub right: usize,
}

/// Trees walked on float32 input, as `_apply_dense` walks them: NaN goes where
/// `missing_go_to_left` says, else left when `f64::from(x) <= threshold`.
#[derive(Debug, Clone, Default)]
pub struct Forest32 {
    nodes: Vec<Node32>,
    roots: Vec<u32>,
}

/// The most nodes a flattened forest holds (node indices keep a bit for [`LEAF`]).
pub const MAX_NODES: usize = INDEX as usize;

impl Forest32 {
    /// Flattens `trees` in order; `None` when they hold more than [`MAX_NODES`] nodes, a tree
    /// is empty, a child is not after its parent in its tree, or a feature is beyond `u32`.
    pub fn new<'t>(trees: impl IntoIterator<Item = &'t TreeNodes>) -> Option<Self> {
        let mut forest = Self::default();
        for tree in trees {
            let offset = forest.nodes.len();
            let count = tree.splits.len();
            if offset + count > MAX_NODES || count == 0 {
                return None;
            }
            // Children after their parent, within the tree: every walk ends, in the tree.
            let ordered = tree.splits.iter().enumerate().all(|(node, split)| {
                split.is_none_or(|split| {
                    (node + 1..count).contains(&split.left)
                        && (node + 1..count).contains(&split.right)
                })
            });
            if !ordered {
                return None;
            }
            // In range: checked against MAX_NODES just above.
            let index = |node: usize| -> u32 {
                let global = (offset + node) as u32;
                if tree.splits.get(node).is_some_and(Option::is_none) {
                    global | LEAF
                } else {
                    global
                }
            };
            forest.roots.push(index(0));
            for (node, split) in tree.splits.iter().enumerate() {
                forest.nodes.push(match split {
                    Some(split) => Node32 {
                        threshold: float32_threshold(split.threshold),
                        feature: u32::try_from(split.feature)
                            .ok()
                            .filter(|&f| f < MISSING_LEFT)?
                            | if split.missing_go_to_left {
                                MISSING_LEFT
                            } else {
                                0
                            },
                        children: [index(split.left), index(split.right)],
                    },
                    None => Node32 {
                        threshold: 0.0,
                        feature: 0,
                        children: [index(node); 2],
                    },
                });
            }
        }
        Some(forest)
    }

    /// The number of trees.
    pub fn len(&self) -> usize {
        self.roots.len()
    }

    /// Whether there are no trees.
    pub fn is_empty(&self) -> bool {
        self.roots.is_empty()
    }

    /// The number of nodes of all trees.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// The index of tree `tree`'s first node in the flattened array.
    pub fn offset(&self, tree: usize) -> usize {
        self.roots
            .get(tree)
            .map_or(0, |&root| (root & INDEX) as usize)
    }
}

impl Step for Forest32 {
    type Value = f32;

    fn roots(&self) -> &[u32] {
        &self.roots
    }

    #[inline(always)]
    fn step(&self, at: u32, x: &[f32], row: usize) -> u32 {
        let node = self.nodes[(at & INDEX) as usize];
        let value = x[row + (node.feature & !MISSING_LEFT) as usize];
        let left =
            (value <= node.threshold) | (value.is_nan() & (node.feature & MISSING_LEFT != 0));
        node.children[usize::from(!left)]
    }
}

/// A [`Forest32`] walked on input without NaN: the same routing without the NaN test.
#[derive(Debug, Clone, Copy)]
pub struct Finite<'f>(pub &'f Forest32);

impl Step for Finite<'_> {
    type Value = f32;

    fn roots(&self) -> &[u32] {
        &self.0.roots
    }

    #[inline(always)]
    fn step(&self, at: u32, x: &[f32], row: usize) -> u32 {
        let node = self.0.nodes[(at & INDEX) as usize];
        let value = x[row + (node.feature & !MISSING_LEFT) as usize];
        // Not `value > threshold`: a NaN threshold sends every row right, as in sklearn.
        #[allow(clippy::neg_cmp_op_on_partial_ord)]
        let right = !(value <= node.threshold);
        node.children[usize::from(right)]
    }
}

/// Calls [`visit`] on `forest`, without the NaN test when `x` holds no NaN (the same leaves).
#[inline(always)]
pub fn visit32(forest: &Forest32, x: &Rows32, f: impl FnMut(usize, usize, u32)) {
    if x.has_nan {
        visit(forest, &x.data, x.width, f);
    } else {
        visit(&Finite(forest), &x.data, x.width, f);
    }
}

/// A batch as float32 rows of at least one value (a leaf reads value 0 of its row), for
/// [`visit`] on a [`Forest32`].
#[derive(Debug, Clone)]
pub struct Rows32 {
    /// Row-major values.
    pub data: Vec<f32>,
    /// Values per row (at least 1).
    pub width: usize,
    /// The number of rows.
    pub rows: usize,
    /// Whether a value is NaN.
    pub has_nan: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_float32_threshold_decides_as_the_widened_comparison() {
        let mut thresholds = vec![
            0.1,
            -0.1,
            0.0,
            -0.0,
            1e-50,
            -1e-50,
            1e-45,
            -1e-45,
            f64::from(f32::MAX),
            f64::from(f32::MAX) * (1.0 + 1e-12),
            -f64::from(f32::MAX) * (1.0 + 1e-12),
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            1.5,
            f64::from_bits(0.5f64.to_bits() + 1),
            f64::from_bits(0.5f64.to_bits() - 1),
        ];
        // Thresholds sklearn writes: midpoints of float32 neighbours, and values near them.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..2000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let a = f32::from_bits((state >> 32) as u32);
            if !a.is_finite() {
                continue;
            }
            let above = f32::from_bits(a.to_bits() + 1);
            let mid = (f64::from(a) + f64::from(above)) / 2.0;
            let (up, down) = (
                f64::from_bits(mid.to_bits() + 1),
                f64::from_bits(mid.to_bits() - 1),
            );
            thresholds.extend([f64::from(a), mid, up, down]);
        }
        for threshold in thresholds {
            let t = float32_threshold(threshold);
            let nearest = threshold as f32;
            let mut probes = vec![
                0.0f32,
                -0.0,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MAX,
                f32::MIN,
                f32::from_bits(1),
                -f32::from_bits(1),
            ];
            for v in [nearest, t] {
                if v.is_finite() && v != 0.0 {
                    probes.extend([
                        v,
                        f32::from_bits(v.to_bits() + 1),
                        f32::from_bits(v.to_bits() - 1),
                    ]);
                }
            }
            for x in probes {
                assert_eq!(
                    x <= t,
                    f64::from(x) <= threshold,
                    "x = {x:e}, threshold = {threshold:e}, t = {t:e}"
                );
            }
        }
    }

    /// Feature 0 at 0.5, then on the right feature 1 at -1.0 with NaN going left.
    fn forest() -> Forest32 {
        let split = |feature, threshold, missing_go_to_left, left, right| {
            Some(Split {
                feature,
                threshold,
                missing_go_to_left,
                left,
                right,
            })
        };
        let tree = TreeNodes {
            splits: vec![
                split(0, 0.5, false, 1, 2),
                None,
                split(1, -1.0, true, 3, 4),
                None,
                None,
            ],
        };
        let stump = TreeNodes { splits: vec![None] };
        let trees: Vec<TreeNodes> = (0..11)
            .map(|i| if i == 5 { stump.clone() } else { tree.clone() })
            .collect();
        Forest32::new(&trees).unwrap()
    }

    #[test]
    fn every_batch_size_reaches_the_same_leaves() {
        let forest = forest();
        let rows: Vec<[f32; 2]> = (0..37)
            .map(|i| match i % 5 {
                0 => [0.25, 9.0],
                1 => [0.75, -2.0],
                2 => [0.75, f32::NAN],
                3 => [f32::NAN, 0.0],
                _ => [0.5, -1.0],
            })
            .collect();
        let expected = |row: &[f32; 2], tree: usize| -> u32 {
            let offset = (tree * 5 - if tree > 5 { 4 } else { 0 }) as u32;
            if tree == 5 {
                return offset;
            }
            if row[0] <= 0.5 {
                offset + 1
            } else if row[1].is_nan() || row[1] <= -1.0 {
                offset + 3
            } else {
                offset + 4
            }
        };
        for batch in [1, 3, 8, 9, 37] {
            let data: Vec<f32> = rows[..batch].iter().flatten().copied().collect();
            let mut seen = Vec::new();
            visit(&forest, &data, 2, |row, tree, leaf| {
                assert_eq!(leaf, expected(&rows[row], tree), "row {row}, tree {tree}");
                seen.push((row, tree));
            });
            assert_eq!(seen.len(), batch * 11);
            let finite: Vec<[f32; 2]> = rows[..batch]
                .iter()
                .filter(|row| !row[0].is_nan() && !row[1].is_nan())
                .copied()
                .collect();
            let data: Vec<f32> = finite.iter().flatten().copied().collect();
            let mut count = 0;
            visit(&Finite(&forest), &data, 2, |row, tree, leaf| {
                assert_eq!(leaf, expected(&finite[row], tree), "row {row}, tree {tree}");
                count += 1;
            });
            assert_eq!(count, finite.len() * 11);
            for row in 0..batch {
                let trees: Vec<usize> = seen
                    .iter()
                    .filter(|&&(r, _)| r == row)
                    .map(|&(_, t)| t)
                    .collect();
                assert_eq!(trees, (0..11).collect::<Vec<_>>());
            }
        }
    }
}
