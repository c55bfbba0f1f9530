"""The validator of `KDTree`/`BallTree` and of the distance metric each carries: real files
written by skops 0.16 load with no `trusted` list and answer as the originals; each broken
invariant is refused with its error kind (with or without the types trusted); metrics the
validator does not bound (a Python function, Minkowski below p = 1, a metric object shared
with the estimator) leave the tree untrusted; and a crafted `idx_array` that skops 0.16
loads when trusted crashes sklearn's predict (in a subprocess), while we refuse it."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import VALIDATED_TYPES, assert_dies_after_loading, fresh_id, run_python
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

# The items of `BinaryTree.__getstate__`.
DATA, IDX_ARRAY, NODE_DATA, NODE_BOUNDS, LEAF_SIZE, N_LEVELS, N_NODES = range(7)
N_CALLS, DIST_METRIC, SAMPLE_WEIGHT = 10, 11, 12
# The items of `DistanceMetric64.__getstate__`.
P, VEC, MAT = range(3)

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


# ----- crafted files -------------------------------------------------------------------------


def _find_tree(node: Any) -> dict[str, Any] | None:
    """The first KDTree/BallTree node of a schema (depth first)."""
    if isinstance(node, dict):
        if node.get("__class__") in ("KDTree", "BallTree") and "content" in node:
            return node
        children = node.values()
    elif isinstance(node, list):
        children = node
    else:
        return None
    for child in children:
        found = _find_tree(child)
        if found is not None:
            return found
    return None


class Crafted:
    """A skops file opened for editing its first tree's state."""

    def __init__(self, data: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.members = {name: archive.read(name) for name in archive.namelist()}
        self.schema = json.loads(self.members["schema.json"])
        tree = _find_tree(self.schema)
        assert tree is not None
        self.tree = tree

    @property
    def items(self) -> list[dict[str, Any]]:
        return self.tree["content"]["content"]

    @property
    def metric_items(self) -> list[dict[str, Any]]:
        return self.items[DIST_METRIC]["content"]["content"]

    @property
    def estimator_state(self) -> dict[str, Any]:
        return self.schema["content"]["content"]

    def array(self, node: dict[str, Any]) -> np.ndarray:
        return np.load(io.BytesIO(self.members[node["file"]]), allow_pickle=False)

    def set_array(self, node: dict[str, Any], array: np.ndarray) -> None:
        out = io.BytesIO()
        np.save(out, array, allow_pickle=False)
        self.members[node["file"]] = out.getvalue()
        node["__id__"] = fresh_id()

    def change_array(self, node: dict[str, Any], change: Callable[[np.ndarray], np.ndarray]):
        self.set_array(node, change(self.array(node).copy()))

    def to_bytes(self) -> bytes:
        self.members["schema.json"] = json.dumps(self.schema).encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, content in self.members.items():
                archive.writestr(name, content)
        return out.getvalue()


def _json(node: dict[str, Any], value: Any) -> None:
    node.clear()
    node.update(
        {
            "__class__": "str",
            "__module__": "builtins",
            "__loader__": "JsonNode",
            "content": json.dumps(value),
            "is_json": True,
            "__id__": fresh_id(),
        }
    )


def _add(item: int, delta: int) -> Callable[[Crafted], None]:
    def change(crafted: Crafted) -> None:
        node = crafted.items[item]
        _json(node, json.loads(node["content"]) + delta)

    return change


def _set(item: int, value: Any) -> Callable[[Crafted], None]:
    return lambda crafted: _json(crafted.items[item], value)


def _edit(item: int, change: Callable[[np.ndarray], np.ndarray]) -> Callable[[Crafted], None]:
    return lambda crafted: crafted.change_array(crafted.items[item], change)


def _edit_metric(
    item: int, change: Callable[[np.ndarray], np.ndarray]
) -> Callable[[Crafted], None]:
    return lambda crafted: crafted.change_array(crafted.metric_items[item], change)


def _at(field: str | None, index: Any, value: Any) -> Callable[[np.ndarray], np.ndarray]:
    def change(array: np.ndarray) -> np.ndarray:
        target = array if field is None else array[field]
        target[index] = value
        return array

    return change


def _repeat_first(array: np.ndarray) -> np.ndarray:
    array[1] = array[0]
    return array


def _last_node_split(array: np.ndarray) -> np.ndarray:
    array["is_leaf"][-1] = 0
    return array


def _shift_boundary(array: np.ndarray) -> np.ndarray:
    # Move one point from node 1 to node 2: both ranges stay within [0, n_samples).
    array["idx_end"][1] += 1
    array["idx_start"][2] += 1
    return array


def _node_fields_int32(array: np.ndarray) -> np.ndarray:
    return array.astype(
        [(name, "<i4" if name != "radius" else "<f8") for name in array.dtype.names]
    )


def _drop_item(crafted: Crafted) -> None:
    crafted.items.pop()


def _metric_none(crafted: Crafted) -> None:
    _json(crafted.items[DIST_METRIC], None)


def _metric_without_state(crafted: Crafted) -> None:
    del crafted.items[DIST_METRIC]["content"]


def _estimator_attribute(name: str, delta: int) -> Callable[[Crafted], None]:
    def change(crafted: Crafted) -> None:
        node = crafted.estimator_state[name]
        _json(node, json.loads(node["content"]) + delta)

    return change


def _metric_p(value: float) -> Callable[[Crafted], None]:
    return lambda crafted: _json(crafted.metric_items[P], value)


def _metric_class(name: str) -> Callable[[Crafted], None]:
    def change(crafted: Crafted) -> None:
        crafted.items[DIST_METRIC]["__class__"] = name

    return change


# case: (model, kind, change)
CASES: dict[str, tuple[str, str, Callable[[Crafted], None]]] = {
    "idx-far": (
        "knn-kd",
        "validate-binary-tree-index-out-of-range",
        _edit(IDX_ARRAY, _at(None, 3, 10**12)),
    ),
    "idx-n-samples": (
        "knn-ball",
        "validate-binary-tree-index-out-of-range",
        _edit(IDX_ARRAY, _at(None, 0, 60)),
    ),
    "idx-negative": (
        "knn-kd",
        "validate-binary-tree-index-out-of-range",
        _edit(IDX_ARRAY, _at(None, 5, -1)),
    ),
    "idx-repeated": (
        "knn-kd",
        "validate-binary-tree-index-repeated",
        _edit(IDX_ARRAY, _repeat_first),
    ),
    "idx-shorter": (
        "knn-kd",
        "validate-binary-tree-array",
        _edit(IDX_ARRAY, lambda a: a[:-1].copy()),
    ),
    "idx-int32": (
        "knn-kd",
        "validate-binary-tree-array",
        _edit(IDX_ARRAY, lambda a: a.astype("<i4")),
    ),
    "data-float32": (
        "knn-kd",
        "validate-binary-tree-array",
        _edit(DATA, lambda a: a.astype("<f4")),
    ),
    "data-big-endian": (
        "knn-kd",
        "validate-binary-tree-array",
        _edit(DATA, lambda a: a.astype(">f8")),
    ),
    "data-fortran": ("knn-kd", "validate-binary-tree-array", _edit(DATA, np.asfortranarray)),
    "data-1d": ("knn-kd", "validate-binary-tree-array", _edit(DATA, lambda a: a.ravel().copy())),
    "data-nan": ("knn-kd", "validate-binary-tree-array", _edit(DATA, _at(None, (2, 1), np.nan))),
    "data-wider": (
        "knn-kd",
        "validate-binary-tree-array",
        _edit(DATA, lambda a: np.hstack([a, a[:, :1]])),
    ),
    "leaf-size-zero": ("knn-kd", "validate-binary-tree-leaf-size", _set(LEAF_SIZE, 0)),
    "leaf-size-one": ("knn-kd", "validate-binary-tree-levels", _set(LEAF_SIZE, 1)),
    "n-levels": ("knn-kd", "validate-binary-tree-levels", _add(N_LEVELS, 1)),
    "n-nodes": ("knn-ball", "validate-binary-tree-levels", _add(N_NODES, -1)),
    "n-calls-beyond-int": ("knn-kd", "validate-binary-tree-state", _set(N_CALLS, 2**40)),
    "n-levels-float": ("knn-kd", "validate-binary-tree-state", _set(N_LEVELS, 3.0)),
    "node-range": ("knn-kd", "validate-binary-tree-node-range", _edit(NODE_DATA, _shift_boundary)),
    "node-range-past-end": (
        "knn-ball",
        "validate-binary-tree-node-range",
        _edit(NODE_DATA, _at("idx_end", -1, 10**9)),
    ),
    "root-is-leaf": (
        "knn-kd",
        "validate-binary-tree-leaf-flag",
        _edit(NODE_DATA, _at("is_leaf", 0, 1)),
    ),
    "last-node-splits": (
        "knn-kd",
        "validate-binary-tree-leaf-flag",
        _edit(NODE_DATA, _last_node_split),
    ),
    "radius-nan": (
        "knn-ball",
        "validate-binary-tree-radius",
        _edit(NODE_DATA, _at("radius", 2, np.nan)),
    ),
    "radius-negative": (
        "knn-kd",
        "validate-binary-tree-radius",
        _edit(NODE_DATA, _at("radius", 0, -1.0)),
    ),
    "node-data-shorter": (
        "knn-kd",
        "validate-binary-tree-node-count",
        _edit(NODE_DATA, lambda a: a[:-1].copy()),
    ),
    "node-data-int32": (
        "knn-kd",
        "validate-binary-tree-array",
        _edit(NODE_DATA, _node_fields_int32),
    ),
    "node-bounds-fewer-nodes": (
        "knn-kd",
        "validate-binary-tree-node-count",
        _edit(NODE_BOUNDS, lambda a: a[:, :-1].copy()),
    ),
    "kd-bounds-one-row": (
        "knn-kd",
        "validate-binary-tree-array",
        _edit(NODE_BOUNDS, lambda a: a[:1].copy()),
    ),
    "ball-bounds-narrow": (
        "knn-ball",
        "validate-binary-tree-array",
        _edit(NODE_BOUNDS, lambda a: a[:, :, :-1].copy()),
    ),
    "sample-weight-shorter": (
        "kde-weighted",
        "validate-binary-tree-array",
        _edit(SAMPLE_WEIGHT, lambda a: a[:-1].copy()),
    ),
    "sample-weight-negative": (
        "kde-weighted",
        "validate-binary-tree-array",
        _edit(SAMPLE_WEIGHT, _at(None, 4, -1.0)),
    ),
    "state-12-items": ("knn-kd", "validate-binary-tree-state", _drop_item),
    "metric-none": ("knn-kd", "validate-binary-tree-state", _metric_none),
    "n-features-in": (
        "knn-kd",
        "validate-binary-tree-estimator",
        _estimator_attribute("n_features_in_", 1),
    ),
    "n-samples-fit": (
        "knn-ball",
        "validate-binary-tree-estimator",
        _estimator_attribute("n_samples_fit_", -50),
    ),
    "kde-n-features-in": (
        "kde-kd",
        "validate-binary-tree-estimator",
        _estimator_attribute("n_features_in_", 5),
    ),
    "euclidean-p": ("knn-kd", "validate-metric-p", _metric_p(3.0)),
    "chebyshev-p": ("chebyshev", "validate-metric-p", _metric_p(2.0)),
    "minkowski-p-zero": ("minkowski", "validate-metric-p", _metric_p(0.0)),
    "metric-no-state": ("knn-kd", "validate-metric-state", _metric_without_state),
    "metric-vec-int": (
        "knn-kd",
        "validate-metric-state",
        _edit_metric(VEC, lambda a: a.astype("<i8")),
    ),
    "minkowski-w-short": (
        "minkowski-w",
        "validate-metric-size",
        _edit_metric(VEC, lambda a: a[:-1].copy()),
    ),
    "minkowski-w-negative": (
        "minkowski-w",
        "validate-metric-state",
        _edit_metric(VEC, _at(None, 0, -2.0)),
    ),
    "seuclidean-v-short": (
        "seuclidean",
        "validate-metric-size",
        _edit_metric(VEC, lambda a: a[:1].copy()),
    ),
    "haversine-3-features": (
        "manhattan",
        "validate-metric-state",
        _metric_class("HaversineDistance64"),
    ),
    "mahalanobis-in-kd-tree-mat-small": (
        "knn-kd",
        "validate-metric-size",
        _metric_class("MahalanobisDistance64"),
    ),
    "mahalanobis-mat-small": (
        "mahalanobis",
        "validate-metric-size",
        _edit_metric(MAT, lambda a: a[:1, :1].copy()),
    ),
    "mahalanobis-mat-not-square": (
        "mahalanobis",
        "validate-metric-size",
        _edit_metric(MAT, lambda a: a[:, :2].copy()),
    ),
}


def _craft(files: dict[str, bytes], case: str) -> tuple[bytes, str]:
    model, kind, change = CASES[case]
    crafted = Crafted(files[model])
    change(crafted)
    return crafted.to_bytes(), kind


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_invariant_is_refused_with_its_kind(case, files):
    data, kind = _craft(files, case)
    trusted = sorted(set(sio.get_untrusted_types(data=files[CASES[case][0]])))
    for call in (
        lambda: rio.get_untrusted_types(data=data),
        lambda: rio.loads(data),
        lambda: rio.loads(data, trusted=trusted),
    ):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == kind, str(info.value)


def test_errors_name_the_node_and_the_invariant(files):
    data, _ = _craft(files, "idx-far")
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(data)
    assert str(info.value).startswith(
        "the binary tree at `_tree` has `idx_array[3]` = 1000000000000, outside [0, 60)"
    ), str(info.value)
    data, _ = _craft(files, "mahalanobis-mat-small")
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(data)
    assert str(info.value).startswith(
        "the distance metric `MahalanobisDistance64` at `_tree.attrs[11]` has `mat` of shape "
        "[1, 1], expected (3, 3)"
    ), str(info.value)


def test_the_crafted_files_are_written_as_skops_reads_them(files):
    """The rewriting itself is sound: an unchanged rewrite still validates, and skops 0.16
    loads the crafted files it has no reason to refuse."""
    data = Crafted(files["knn-kd"]).to_bytes()
    assert rio.get_untrusted_types(data=data) == []
    crafted, _ = _craft(files, "root-is-leaf")
    trusted = sio.get_untrusted_types(data=crafted)
    sio.loads(crafted, trusted=trusted)


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


def test_skops_loads_a_crafted_tree_that_crashes_predict_and_we_refuse_it(files, tmp_path):
    model, _, _ = CASES["idx-far"]
    crafted = Crafted(files[model])
    crafted.change_array(crafted.items[IDX_ARRAY], lambda a: np.full_like(a, 10**12))
    path = tmp_path / "crafted.skops"
    path.write_bytes(crafted.to_bytes())
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


def test_a_sound_metric_in_a_tree_that_does_not_allow_it_stays_untrusted(files):
    """SEuclidean is a BallTree metric: in a KDTree (which sklearn never builds) it is checked
    and sound, but the tree is not trusted."""
    crafted = Crafted(files["knn-kd"])
    _metric_class("SEuclideanDistance64")(crafted)
    crafted.set_array(crafted.metric_items[VEC], np.ones(3))
    data = crafted.to_bytes()
    untrusted = rio.get_untrusted_types(data=data)
    assert set(untrusted) == {KD_TREE, "sklearn.metrics._dist_metrics.SEuclideanDistance64"}
    assert untrusted == sio.get_untrusted_types(data=data)
