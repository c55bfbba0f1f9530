"""Writes neighbors_more.skops: a list of small fitted neighbors and k-means models saved by
skops 0.16 for the neighbors table (neighbors.json), beside those of neighbors_kmeans.skops:
[0] a brute-force NearestNeighbors, [1] a KNeighborsTransformer, [2] a LocalOutlierFactor
(novelty), [3] a RadiusNeighborsRegressor, [4] a KNeighborsClassifier of string labels, [5] one
of object labels (skops stores their `classes_` as a JSON array), [6] a BisectingKMeans, [7] a
Mahalanobis NearestNeighbors (`VI` the identity), [8] a KNeighborsClassifier with a weighted
metric (`metric_params`), and, fitted on a sparse matrix: [9] a KNeighborsClassifier, [10] a
Manhattan NearestNeighbors, [11] a RadiusNeighborsRegressor, [12] a KNeighborsTransformer,
[13] a LocalOutlierFactor. The dense ones are fitted on the 40 samples of 5 features of
make_neighbors_kmeans.py, each on its own copy (skops writes an array shared by two models
once, and the tables edit one model at a time)."""

import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import skops.io as sio
from sklearn.cluster import BisectingKMeans
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsTransformer,
    LocalOutlierFactor,
    NearestNeighbors,
    RadiusNeighborsRegressor,
)

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 5))
y = (X[:, 0] > 0).astype(int)
X_sparse = sp.random(40, 5, density=0.5, format="csr", random_state=0)
y_sparse = np.arange(40) % 2
def x():
    return X.copy()


models = [
    NearestNeighbors(algorithm="brute").fit(x()),
    KNeighborsTransformer(algorithm="brute").fit(x()),
    LocalOutlierFactor(novelty=True, algorithm="brute").fit(x()),
    RadiusNeighborsRegressor(radius=100.0).fit(x(), X[:, 0]),
    KNeighborsClassifier().fit(x(), np.array(["a", "b"])[y]),
    KNeighborsClassifier(algorithm="brute").fit(x(), np.array(["a", "bb"], dtype=object)[y]),
    BisectingKMeans(n_clusters=3, random_state=0).fit(x()),
    NearestNeighbors(
        n_neighbors=3, algorithm="brute", metric="mahalanobis", metric_params={"VI": np.eye(5)}
    ).fit(x()),
    KNeighborsClassifier(n_neighbors=3, algorithm="brute", metric_params={"w": np.ones(5)}).fit(
        x(), y
    ),
    KNeighborsClassifier(algorithm="brute", n_neighbors=3).fit(X_sparse, y_sparse),
    NearestNeighbors(algorithm="brute", metric="manhattan").fit(X_sparse),
    RadiusNeighborsRegressor(algorithm="brute", radius=2.0).fit(X_sparse, y_sparse.astype(float)),
    KNeighborsTransformer(n_neighbors=3).fit(X_sparse),
    LocalOutlierFactor(novelty=True, n_neighbors=3).fit(X_sparse),
]
sio.dump(
    models, Path(__file__).with_name("neighbors_more.skops"), compression=zipfile.ZIP_DEFLATED
)
