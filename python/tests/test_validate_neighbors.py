"""The refuse-only validators of the neighbors estimators and of KMeans/MiniBatchKMeans, which
skops 0.16 trusts by default: real files load with no trusted list and predict as the
original; skops 0.16 loads crafted files that crash sklearn at predict time (shown in a
subprocess), which skops_rs refuses. Each broken invariant is a case of the `neighbors` table
(`test_validate_tables.py`)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
import skops_rs.io as rio
from _support import (
    assert_dies_after_loading,
    edit_array,
    json_node,
    rewrite_archive,
    run_python,
)
from sklearn.cluster import KMeans, MiniBatchKMeans
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsRegressor,
    KNeighborsTransformer,
    LocalOutlierFactor,
    NearestNeighbors,
    RadiusNeighborsClassifier,
    RadiusNeighborsRegressor,
    RadiusNeighborsTransformer,
)
from skops_rs.exceptions import SkopsFormatError

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(40, 5))
Y = (X[:, 0] > 0).astype(int)
Y2 = np.column_stack([Y, np.digitize(X[:, 1], [-0.5, 0.5])])
X_TEST = np.random.default_rng(1).normal(size=(7, 5))
X_SPARSE = sp.csr_matrix(np.where(X > 0.5, X, 0.0))


def _build(name: str) -> Any:
    return {
        "knn": lambda: KNeighborsClassifier(algorithm="brute", metric="manhattan").fit(X, Y),
        "knn-2d": lambda: KNeighborsClassifier(algorithm="brute").fit(X, Y2),
        "knn-kd": lambda: KNeighborsClassifier(algorithm="kd_tree").fit(X, Y),
        "knn-strings": lambda: KNeighborsClassifier().fit(X, np.array(["a", "b"])[Y]),
        # Object classes: skops stores `classes_` as a JSON-stored array of child nodes.
        "knn-objects": lambda: KNeighborsClassifier(algorithm="brute").fit(
            X, np.array(["a", "bb"], dtype=object)[Y]
        ),
        "radius": lambda: RadiusNeighborsClassifier(
            radius=100.0, algorithm="brute", metric="manhattan"
        ).fit(X, Y),
        "knn-regressor": lambda: KNeighborsRegressor().fit(X, X[:, 0]),
        "radius-regressor": lambda: RadiusNeighborsRegressor(radius=100.0).fit(X, X[:, 0]),
        "nearest": lambda: NearestNeighbors(algorithm="brute").fit(X),
        "nearest-sparse": lambda: NearestNeighbors(algorithm="brute").fit(X_SPARSE),
        "knn-transformer": lambda: KNeighborsTransformer(algorithm="brute").fit(X),
        "radius-transformer": lambda: RadiusNeighborsTransformer(radius=100.0).fit(X),
        "lof": lambda: LocalOutlierFactor(novelty=True, algorithm="brute").fit(X),
        "kmeans": lambda: KMeans(n_clusters=3, n_init=1, random_state=0).fit(X),
        "minibatch": lambda: MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0).fit(X),
    }[name]()


_MODELS: dict[str, Any] = {}


def _model(name: str) -> Any:
    if name not in _MODELS:
        _MODELS[name] = _build(name)
    return _MODELS[name]


def _data(name: str) -> bytes:
    return sio.dumps(_model(name))


def _rewrite(
    data: bytes,
    arrays: dict[str, Callable[[np.ndarray], np.ndarray]] | None = None,
    json_values: dict[str, Any] | None = None,
) -> bytes:
    """`data` with arrays and JSON values of the root's state dict changed."""

    def change(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        entries = schema["content"]["content"]
        for key, array_change in (arrays or {}).items():
            edit_array(members, entries[key]["file"], array_change)
        for key, value in (json_values or {}).items():
            entries[key] = json_node(value)

    return rewrite_archive(data, change)


def _outputs(model: Any, x: np.ndarray) -> list[Any]:
    outputs = []
    for method in ("predict", "predict_proba", "transform", "score_samples", "kneighbors"):
        if hasattr(model, method):
            result = getattr(model, method)(x)
            if sp.issparse(result):
                result = result.toarray()
            outputs.append(result)
    return outputs


REAL = [
    "knn",
    "knn-2d",
    "knn-kd",
    "knn-strings",
    "knn-objects",
    "radius",
    "knn-regressor",
    "radius-regressor",
    "nearest",
    "nearest-sparse",
    "knn-transformer",
    "radius-transformer",
    "lof",
    "kmeans",
    "minibatch",
]


@pytest.mark.parametrize("name", REAL)
def test_real_models_load_with_no_trusted_list_and_predict_equal(name):
    original = _model(name)
    data = _data(name)
    assert rio.get_untrusted_types(data=data) == []
    loaded = rio.loads(data)
    x = X_SPARSE[:7] if name == "nearest-sparse" else X_TEST
    for expected, got in zip(_outputs(original, x), _outputs(loaded, x), strict=True):
        if isinstance(expected, tuple):
            for part, other in zip(expected, got, strict=True):
                np.testing.assert_array_equal(part, other)
        elif isinstance(expected, list):
            for part, other in zip(expected, got, strict=True):
                np.testing.assert_array_equal(part, other)
        else:
            np.testing.assert_array_equal(expected, got)


@pytest.mark.parametrize(
    "estimator",
    [KNeighborsClassifier(), RadiusNeighborsRegressor(), LocalOutlierFactor(), KMeans()],
)
def test_unfitted_estimators_pass(estimator):
    data = sio.dumps(estimator)
    assert rio.get_untrusted_types(data=data) == []
    assert type(rio.loads(data)) is type(estimator)


_PREDICT_WITH_SKOPS = textwrap.dedent(
    """
    import sys
    import numpy as np
    import scipy.sparse as sp
    import skops.io as sio

    model = sio.load(sys.argv[1])
    print("loaded", flush=True)
    case = sys.argv[2]
    if case == "fit-x-narrower-than-n-features-in":
        model.predict(np.zeros((3, 2_000_000)))
    elif case in ("label-huge", "label-huge-radius"):
        model.predict_proba(np.zeros((50, 5)))
    else:
        # A query as wide as the crafted `n_features_in_`, touching its last columns: the
        # sparse Lloyd loop reads `centers[j, X.indices[k]]`.
        width = model.n_features_in_
        columns = np.array([width - 1, width - 2, width - 3], dtype=np.int32)
        query = sp.csr_matrix((np.ones(3), columns, np.arange(4, dtype=np.int32)), (3, width))
        model.predict(query)
    print("survived", flush=True)
    """
)

CRASHES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "fit-x-narrower-than-n-features-in": (
        "validate-neighbors-fit-x",
        "knn",
        {"json_values": {"n_features_in_": 2_000_000}},
    ),
    "label-huge": (
        "validate-neighbors-labels",
        "knn",
        {"arrays": {"_y": lambda y: np.full(40, 10**9)}},
    ),
    "label-huge-radius": (
        "validate-neighbors-labels",
        "radius",
        {"arrays": {"_y": lambda y: np.full(40, 10**9)}},
    ),
    "centers-narrower-than-n-features-in": (
        "validate-kmeans-shape",
        "kmeans",
        {"json_values": {"n_features_in_": 10**8}},
    ),
}


@pytest.mark.parametrize("case", sorted(CRASHES))
def test_skops_loads_a_crafted_model_that_crashes_predict_and_we_refuse_it(case, tmp_path):
    """skops 0.16 trusts these estimators: it loads each file with no trusted list, and
    sklearn's Cython (the pairwise-distance reductions, the k-means Lloyd loop) reads or writes
    far outside an array; the process dies from a signal."""
    kind, model, changes = CRASHES[case]
    path = tmp_path / "crafted.skops"
    path.write_bytes(_rewrite(_data(model), **changes))
    result = run_python(_PREDICT_WITH_SKOPS, str(path), case)
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == kind
