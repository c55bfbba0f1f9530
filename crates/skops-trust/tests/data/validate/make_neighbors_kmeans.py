"""Writes neighbors_kmeans.skops: a list of small fitted models saved by skops 0.16 for the
neighbors and k-means validator tests (the neighbors table, neighbors.json):
[0] a brute-force manhattan KNeighborsClassifier, [1] a multi-output KNeighborsClassifier,
[2] a RadiusNeighborsClassifier, [3] a NearestNeighbors fitted on sparse data, [4] a KMeans,
[5] a MiniBatchKMeans, [6] an unfitted KNeighborsRegressor."""

import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import skops.io as sio
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    NearestNeighbors,
    RadiusNeighborsClassifier,
)

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 5))
y = (X[:, 0] > 0).astype(int)
y2 = np.column_stack([y, np.digitize(X[:, 1], [-0.5, 0.5])])
models = [
    KNeighborsClassifier(algorithm="brute", metric="manhattan").fit(X, y),
    KNeighborsClassifier(algorithm="brute").fit(X, y2),
    RadiusNeighborsClassifier(radius=100.0, algorithm="brute", metric="manhattan").fit(X, y),
    NearestNeighbors(algorithm="brute").fit(sp.csr_matrix(np.where(X > 0.5, X, 0.0))),
    KMeans(n_clusters=3, n_init=1, random_state=0).fit(X),
    MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0).fit(X),
    KNeighborsRegressor(),
]
sio.dump(
    models,
    Path(__file__).with_name("neighbors_kmeans.skops"),
    compression=zipfile.ZIP_DEFLATED,
)
