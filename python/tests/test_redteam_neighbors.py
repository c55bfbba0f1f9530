"""Adversarial review (issue 9): neighbors and k-means state that skops 0.16 trusts by default
and that the validators used to pass, each of which makes native code read out of bounds or
kill the process at query time.

- a `_fit_X` that is a `numpy.ma.MaskedArray` (trusted by skops' defaults) narrower than
  `n_features_in_`: the pairwise-distance reductions read it like any array (segfault);
- the metric's keyword arguments: a `VI` smaller than the data reaches scipy's Mahalanobis
  `cdist`, which reads it as `n x n` unchecked (segfault); `Y_norm_squared`/`X_norm_squared`
  replace the row norms the Euclidean reductions index by `_fit_X` row and query row;
- a k-means `_n_threads` of a million: `predict` on a large `X` asks libgomp for thousands of
  threads, and libgomp exits the process when it cannot create them.

Each crafted file is refused with a specific kind (the cases of the `neighbors` table,
`test_validate_tables.py`); real models of the same kinds still load with no `trusted` list
and answer as the original. The crash demos run skops 0.16 in a subprocess.
"""

from __future__ import annotations

import io
import json
import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import (
    array_node,
    assert_dies_after_loading,
    json_node,
    masked_node,
    rewrite_archive,
    run_python,
    set_attribute,
)
from sklearn.cluster import BisectingKMeans, KMeans, MiniBatchKMeans
from sklearn.neighbors import KNeighborsClassifier, NearestNeighbors
from skops_rs.exceptions import SkopsFormatError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))
Y = np.arange(40) % 2


def _rewrite(data: bytes, change: Callable[[dict[str, Any], dict[str, bytes]], None]) -> bytes:
    """`data` with its root object's state entries and members changed by
    `change(entries, members)`."""
    return rewrite_archive(
        data,
        lambda schema, members: change(schema["content"]["content"], members),
        deflated=True,
        drop_unnamed=True,
    )


def _loads_untrusted(data: bytes) -> Any:
    assert rio.get_untrusted_types(data=data) == []
    return rio.loads(data)


# ----- a masked `_fit_X` -------------------------------------------------------------------


def _knn() -> bytes:
    return sio.dumps(KNeighborsClassifier(n_neighbors=3, algorithm="brute").fit(X, Y))


def _masked_fit_x(width: int | None, data: Callable[[dict[str, bytes]], dict] | None = None):
    def change(entries: dict[str, Any], members: dict[str, bytes]) -> None:
        inner = data(members) if data else entries["_fit_X"]
        mask = array_node(members, np.zeros(inner_shape(inner, members), dtype=bool))
        entries["_fit_X"] = masked_node(inner, mask)
        if width is not None:
            entries["n_features_in_"] = json_node(width)

    def inner_shape(node: dict[str, Any], members: dict[str, bytes]) -> tuple[int, ...]:
        if node["__loader__"] == "NdArrayNode" and node.get("type") == "numpy":
            return np.load(io.BytesIO(members[node["file"]])).shape
        return np.asarray(json.loads(node["content"])).shape

    return change


def test_a_masked_fit_x_of_the_right_shape_loads_and_answers_as_the_original():
    model = KNeighborsClassifier(n_neighbors=3, algorithm="brute").fit(X, Y)
    loaded = _loads_untrusted(_rewrite(_knn(), _masked_fit_x(None)))
    assert isinstance(loaded._fit_X, np.ma.MaskedArray)
    np.testing.assert_array_equal(loaded.predict_proba(X[:7]), model.predict_proba(X[:7]))


_QUERY_WITH_SKOPS = textwrap.dedent(
    """
    import sys
    import numpy as np
    import skops.io as sio

    model = sio.load(sys.argv[1])
    print("loaded", flush=True)
    if sys.argv[2] == "kneighbors":
        model.kneighbors(np.ones((2, int(sys.argv[3]))))
    else:
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        model.predict(np.zeros((int(sys.argv[3]), 3)))
    print("survived", flush=True)
    """
)


def test_skops_loads_a_narrow_masked_fit_x_that_crashes_predict_and_we_refuse_it(tmp_path):
    path = tmp_path / "masked.skops"
    path.write_bytes(_rewrite(_knn(), _masked_fit_x(2_000_000)))
    assert_dies_after_loading(run_python(_QUERY_WITH_SKOPS, str(path), "kneighbors", "2000000"))
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-neighbors-fit-x"


# ----- the metric's keyword arguments ------------------------------------------------------

WIDE = 2000


def _mahalanobis(vi: Callable[[dict[str, bytes]], dict[str, Any]], features: int = 3) -> bytes:
    """A brute-force Mahalanobis `NearestNeighbors` on `features` columns whose `VI` (in both
    `metric_params` and `effective_metric_params_`) is replaced by `vi(members)`."""
    x = RNG.normal(size=(30, features))
    model = NearestNeighbors(
        n_neighbors=3,
        algorithm="brute",
        metric="mahalanobis",
        metric_params={"VI": np.eye(features)},
    ).fit(x)

    def change(entries: dict[str, Any], members: dict[str, bytes]) -> None:
        for key in ("metric_params", "effective_metric_params_"):
            entries[key]["content"]["VI"] = vi(members)

    return _rewrite(sio.dumps(model), change)


def test_a_sound_vi_loads_and_answers_as_the_original():
    vi = np.linalg.inv(np.cov(X.T))
    model = NearestNeighbors(
        n_neighbors=3, algorithm="brute", metric="mahalanobis", metric_params={"VI": vi}
    ).fit(X)
    loaded = _loads_untrusted(sio.dumps(model))
    for got, expected in zip(loaded.kneighbors(X[:5]), model.kneighbors(X[:5]), strict=True):
        np.testing.assert_array_equal(got, expected)


def test_skops_loads_a_small_vi_that_crashes_kneighbors_and_we_refuse_it(tmp_path):
    """scipy's `cdist(..., "mahalanobis", VI=VI)` reads `VI` as `n x n` for `n` features; a
    `1 x 1` `VI` over 6,000 features reads up to 288 MB past it (over 2,000 features, 32 MB
    past it was not always unmapped memory on a loaded machine)."""
    features = 6_000
    path = tmp_path / "vi.skops"
    path.write_bytes(_mahalanobis(lambda members: array_node(members, np.eye(1)), features))
    result = run_python(_QUERY_WITH_SKOPS, str(path), "kneighbors", str(features))
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-neighbors-metric-param"


def _euclidean_with(key: str, value: Callable[[dict[str, bytes]], dict[str, Any]]) -> bytes:
    model = NearestNeighbors(n_neighbors=3, algorithm="brute").fit(X)

    def change(entries: dict[str, Any], members: dict[str, bytes]) -> None:
        set_attribute(entries["effective_metric_params_"], key, value(members))

    return _rewrite(sio.dumps(model), change)


def test_row_norms_of_the_fit_data_load_and_answer_as_the_original():
    model = NearestNeighbors(n_neighbors=3, algorithm="brute").fit(X)
    norms = (X**2).sum(axis=1)
    loaded = _loads_untrusted(
        _euclidean_with("Y_norm_squared", lambda members: array_node(members, norms))
    )
    for got, expected in zip(loaded.kneighbors(X[:5]), model.kneighbors(X[:5]), strict=True):
        np.testing.assert_allclose(got, expected)


# ----- k-means `_n_threads` ----------------------------------------------------------------

KMEANS = {
    "kmeans": lambda: KMeans(n_clusters=3, n_init=1, random_state=0).fit(X),
    "minibatch": lambda: MiniBatchKMeans(n_clusters=3, n_init=1, random_state=0).fit(X),
    "bisecting": lambda: BisectingKMeans(n_clusters=3, random_state=0).fit(X),
}


def _threads(name: str, threads: int) -> bytes:
    def change(entries: dict[str, Any], members: dict[str, bytes]) -> None:
        entries["_n_threads"] = json_node(threads)

    return _rewrite(sio.dumps(KMEANS[name]()), change)


@pytest.mark.parametrize("name", sorted(KMEANS))
def test_a_thread_count_up_to_the_limit_loads(name):
    model = KMEANS[name]()
    loaded = _loads_untrusted(_threads(name, 1024))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


def test_skops_loads_a_million_threads_that_kill_predict_and_we_refuse_it(tmp_path):
    """`predict` runs the Lloyd loop with `min(_n_threads, chunks of 256 samples)` OpenMP
    threads: on a million samples libgomp is asked for 3,907 threads, cannot create them
    within the 4 GiB the child may map, and exits the process (status 1, no Python error)."""
    path = tmp_path / "threads.skops"
    path.write_bytes(_threads("kmeans", 10**6))
    result = run_python(_QUERY_WITH_SKOPS, str(path), "predict", "1000000")
    assert result.stdout.startswith("loaded"), result.stderr
    assert "survived" not in result.stdout
    assert "libgomp" in result.stderr and "Traceback" not in result.stderr, result.stderr
    assert result.returncode != 0
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-width"
