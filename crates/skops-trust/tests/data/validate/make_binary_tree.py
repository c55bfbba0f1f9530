"""Writes the binary tree validator's test files (the binary_tree table, binary_tree.json),
saved by skops 0.16:

- kneighbors_kd_tree.skops: a KNeighborsClassifier with a KDTree (Euclidean metric), 40
  samples of 3 features, leaf_size 5 (3 levels, 7 nodes);
- nearest_neighbors_mahalanobis.skops: a NearestNeighbors with a BallTree and a Mahalanobis
  metric (its `mat` must be 3 x 3).
"""

import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y = (X[:, 0] > 0).astype(int)
here = Path(__file__).parent
sio.dump(
    KNeighborsClassifier(algorithm="kd_tree", leaf_size=5).fit(X, y),
    here / "kneighbors_kd_tree.skops",
    compression=zipfile.ZIP_DEFLATED,
)
sio.dump(
    NearestNeighbors(
        algorithm="ball_tree", metric="mahalanobis", metric_params={"VI": np.eye(3)}
    ).fit(X),
    here / "nearest_neighbors_mahalanobis.skops",
    compression=zipfile.ZIP_DEFLATED,
)
