"""The validator of `KDTree`/`BallTree` and of the distance metric each carries: real files
written by skops 0.16 load with no `trusted` list and answer as the originals; metrics the
validator does not bound (a Python function, Minkowski below p = 1, a metric object shared
with the estimator) leave the tree untrusted, as in skops; the layout matches sklearn's for
every size; and a crafted `idx_array` that skops 0.16 loads when trusted crashes sklearn's
predict (in a subprocess), while we refuse it. Each broken invariant is a case of the
`binary_tree` table (`test_validate_tables.py`)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import VALIDATED_TYPES, assert_dies_after_loading, run_python
from _tables import edited, tables
from sklearn.metrics import DistanceMetric
from sklearn.neighbors import (
    BallTree,
    KDTree,
    KernelDensity,
    KNeighborsClassifier,
    KNeighborsRegressor,
    LocalOutlierFactor,
    NearestNeighbors,
    RadiusNeighborsClassifier,
)
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException

KD_TREE = "sklearn.neighbors._kd_tree.KDTree"
BALL_TREE = "sklearn.neighbors._ball_tree.BallTree"
EUCLIDEAN = "sklearn.metrics._dist_metrics.EuclideanDistance64"
TREE_TYPES = {KD_TREE, BALL_TREE}

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(60, 3))
Y = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0.5)
WEIGHTS = _RNG.uniform(0.5, 1.5, size=60)
QUERY = np.random.default_rng(1).normal(size=(15, 3))


MODELS: dict[str, Callable[[], Any]] = {
    "knn-kd": lambda: KNeighborsClassifier(algorithm="kd_tree", leaf_size=5).fit(X, Y),
    "knn-ball": lambda: KNeighborsRegressor(algorithm="ball_tree", leaf_size=4).fit(X, X[:, 0]),
    "kde-weighted": lambda: KernelDensity(algorithm="ball_tree", leaf_size=5).fit(
        X, sample_weight=WEIGHTS
    ),
    "kde-kd": lambda: KernelDensity(algorithm="kd_tree", kernel="tophat").fit(X),
    "lof": lambda: LocalOutlierFactor(algorithm="kd_tree", novelty=True, leaf_size=7).fit(X),
    "radius": lambda: RadiusNeighborsClassifier(algorithm="ball_tree", radius=3.0).fit(X, Y),
    "manhattan": lambda: NearestNeighbors(algorithm="ball_tree", metric="manhattan").fit(X),
    "chebyshev": lambda: NearestNeighbors(algorithm="kd_tree", metric="chebyshev").fit(X),
    "minkowski": lambda: NearestNeighbors(algorithm="kd_tree", p=3).fit(X),
    "minkowski-w": lambda: NearestNeighbors(
        algorithm="ball_tree", p=3, metric_params={"w": np.arange(1.0, 4.0)}
    ).fit(X),
    "seuclidean": lambda: NearestNeighbors(
        algorithm="ball_tree", metric="seuclidean", metric_params={"V": np.arange(1.0, 4.0)}
    ).fit(X),
    "mahalanobis": lambda: NearestNeighbors(
        algorithm="ball_tree", metric="mahalanobis", metric_params={"VI": np.eye(3) * 2.0}
    ).fit(X),
    "kd-tree-alone": lambda: KDTree(X, leaf_size=3),
    "haversine": lambda: NearestNeighbors(algorithm="ball_tree", metric="haversine").fit(X[:, :2]),
    "hamming": lambda: KNeighborsClassifier(algorithm="ball_tree", metric="hamming").fit(
        (X > 0).astype(float), Y
    ),
    "canberra": lambda: NearestNeighbors(algorithm="ball_tree", metric="canberra").fit(X),
}


@pytest.fixture(scope="module")
def files() -> dict[str, bytes]:
    return {name: sio.dumps(make()) for name, make in MODELS.items()}


def _outputs(model: Any) -> list[np.ndarray]:
    """What the model answers on `QUERY` (its first `n_features_in_` columns), through the
    tree."""
    query = QUERY[:, : getattr(model, "n_features_in_", QUERY.shape[1])]
    if isinstance(model, KDTree):
        dist, ind = model.query(query, k=4)
        return [
            dist,
            ind,
            model.kernel_density(query, h=0.5),
            model.two_point_correlation(query, [0.5, 1.0]),
        ]
    if isinstance(model, KernelDensity):
        return [model.score_samples(query)]
    if isinstance(model, LocalOutlierFactor):
        return [model.score_samples(query)]
    if isinstance(model, RadiusNeighborsClassifier):
        return [model.predict(query), model.radius_neighbors_graph(query).toarray()]
    dist, ind = model.kneighbors(query, n_neighbors=4)
    outputs = [dist, ind, model.kneighbors_graph(query).toarray()]
    if hasattr(model, "predict"):
        outputs.append(model.predict(query))
    return outputs


@pytest.mark.parametrize("name", sorted(MODELS))
def test_real_files_load_untrusted_and_answer_as_the_original(name, files):
    data = files[name]
    skops_untrusted = set(sio.get_untrusted_types(data=data))
    assert skops_untrusted & TREE_TYPES, skops_untrusted
    assert rio.get_untrusted_types(data=data) == []
    expected = _outputs(sio.loads(data, trusted=sorted(skops_untrusted)))
    for got, want in zip(_outputs(rio.loads(data)), expected, strict=True):
        np.testing.assert_array_equal(got, want)
    assert skops_untrusted <= VALIDATED_TYPES


@pytest.mark.parametrize(
    "name",
    [
        "composites/kneighbors_classifier_kd_tree",
        "composites/kneighbors_regressor_ball_tree",
        "estimators/KernelDensity",
    ],
)
def test_generated_fixtures_need_no_trusted_list(name, fixtures_dir):
    path = fixtures_dir / f"{name}.skops"
    data = path.read_bytes()
    skops_untrusted = sio.get_untrusted_types(data=data)
    assert skops_untrusted
    assert rio.get_untrusted_types(data=data) == []
    model = rio.load(path)
    original = sio.loads(data, trusted=skops_untrusted)
    x = np.random.default_rng(2).normal(size=(7, model.n_features_in_))
    method = "score_samples" if isinstance(model, KernelDensity) else "predict"
    np.testing.assert_array_equal(getattr(model, method)(x), getattr(original, method)(x))


# ----- metrics the validator does not bound ----------------------------------------------------


def _callable_metric(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).sum())


UNBOUNDED: dict[str, tuple[Callable[[], Any], str]] = {
    # Below p = 1 Minkowski is no metric (KDTree allows it; the estimators do not).
    "minkowski-below-1": (
        lambda: KDTree(X, metric="minkowski", p=0.5),
        "sklearn.metrics._dist_metrics.MinkowskiDistance64",
    ),
    "python-function": (
        lambda: NearestNeighbors(algorithm="ball_tree", metric=_callable_metric).fit(X),
        "sklearn.metrics._dist_metrics.PyFuncDistance64",
    ),
    # The estimator's `metric` is the tree's metric object: the brute-force path would use
    # it too, with an `X` the validator does not tie to the metric.
    "metric-shared-with-estimator": (
        lambda: KNeighborsRegressor(
            algorithm="kd_tree", metric=DistanceMetric.get_metric("euclidean")
        ).fit(X, X[:, 0]),
        EUCLIDEAN,
    ),
}


@pytest.mark.parametrize("case", sorted(UNBOUNDED))
def test_trees_with_unbounded_metrics_stay_untrusted(case):
    make, metric = UNBOUNDED[case]
    data = sio.dumps(make())
    untrusted = rio.get_untrusted_types(data=data)
    assert {metric} | (TREE_TYPES & set(untrusted)) <= set(untrusted)
    assert TREE_TYPES & set(untrusted)
    assert untrusted == sio.get_untrusted_types(data=data)
    with pytest.raises(UntrustedTypesFoundException):
        rio.loads(data)
    rio.loads(data, trusted=untrusted)


# ----- what skops 0.16 does with a crafted tree --------------------------------------------------

_PREDICT_WITH_SKOPS = textwrap.dedent(
    """
    import sys, numpy as np, skops.io as sio
    model = sio.load(sys.argv[1], trusted=sys.argv[2:])
    print("loaded", flush=True)
    model.predict(np.zeros((4, 3)))
    print("predicted", flush=True)
    """
)


def test_skops_loads_a_crafted_tree_that_crashes_predict_and_we_refuse_it(tmp_path):
    table = tables()["binary_tree"]
    far = [{"array": "@kd/1", "replace": {"descr": "'<i8'", "shape": [40], "fill": 10**12}}]
    path = tmp_path / "crafted.skops"
    path.write_bytes(edited(table, "kneighbors_kd_tree.skops", far))
    trusted = [KD_TREE, EUCLIDEAN]
    result = run_python(_PREDICT_WITH_SKOPS, str(path), *trusted, timeout=120)
    # skops 0.16 loads it; the KD tree's query then reads `data` at row 10**12 and the
    # process dies from a signal.
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(Path(path), trusted=trusted)
    assert info.value.kind == "validate-binary-tree-index-out-of-range"


@pytest.mark.parametrize("tree_class", [KDTree, BallTree])
def test_the_layout_matches_sklearn_for_every_size(tree_class):
    """`n_levels`, `n_nodes` and every node's range as the validator computes them are
    sklearn's, across sample counts around powers of two and leaf sizes (including a single
    sample, and fewer samples than `leaf_size`)."""
    sizes = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 64, 65, 100, 129]
    for n_samples in sizes:
        for leaf_size in (1, 2, 3, 5, 40):
            tree = tree_class(
                X[:1].repeat(n_samples, axis=0) + np.arange(n_samples)[:, None], leaf_size=leaf_size
            )
            data = sio.dumps(tree)
            assert rio.get_untrusted_types(data=data) == [], (n_samples, leaf_size)
