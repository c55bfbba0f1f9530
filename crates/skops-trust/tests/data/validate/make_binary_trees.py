"""Writes binary_trees.skops: a list of neighbors models whose KD/ball trees carry every kind
of metric state, saved by skops 0.16, for the binary tree table (binary_tree.json): [0] a
KNeighborsRegressor with a BallTree (leaf_size 4), [1] a KernelDensity with sample weights,
[2] a KernelDensity with a KDTree, [3] a Chebyshev KDTree, [4] a Minkowski (p = 3) KDTree,
[5] a weighted Minkowski BallTree, [6] a SEuclidean BallTree, [7] a Manhattan BallTree. Each
is fitted on the same 60 samples of 3 features."""

import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.neighbors import KernelDensity, KNeighborsRegressor, NearestNeighbors

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 3))
weights = rng.uniform(0.5, 1.5, size=60)
models = [
    KNeighborsRegressor(algorithm="ball_tree", leaf_size=4).fit(X, X[:, 0]),
    KernelDensity(algorithm="ball_tree", leaf_size=5).fit(X, sample_weight=weights),
    KernelDensity(algorithm="kd_tree", kernel="tophat").fit(X),
    NearestNeighbors(algorithm="kd_tree", metric="chebyshev").fit(X),
    NearestNeighbors(algorithm="kd_tree", p=3).fit(X),
    NearestNeighbors(algorithm="ball_tree", p=3, metric_params={"w": np.arange(1.0, 4.0)}).fit(X),
    NearestNeighbors(
        algorithm="ball_tree", metric="seuclidean", metric_params={"V": np.arange(1.0, 4.0)}
    ).fit(X),
    NearestNeighbors(algorithm="ball_tree", metric="manhattan").fit(X),
]
sio.dump(
    models, Path(__file__).with_name("binary_trees.skops"), compression=zipfile.ZIP_DEFLATED
)
