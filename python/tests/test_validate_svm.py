"""The validators of the libsvm state of sklearn's SVMs and of the scipy `BSpline`s of a
`SplineTransformer`: real files load (the transformer with no trusted list) and predict as the
original; skops 0.16 loads crafted files that crash sklearn/scipy (shown in a subprocess),
which skops_rs refuses. Each broken invariant is a case of the `svm_bspline` table
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
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import SplineTransformer
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
from skops_rs.exceptions import SkopsFormatError

BSPLINE = "scipy.interpolate._bsplines.BSpline"
ASARRAY = "scipy._lib.array_api_compat.numpy._aliases.asarray"
CSR = "scipy.sparse._csr.csr_matrix"
RBF_KERNEL = "sklearn.metrics.pairwise.rbf_kernel"


_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(40, 3))
Y3 = np.digitize(X[:, 0], [-0.5, 0.5])
Y2 = (X[:, 1] > 0).astype(int)
X_TEST = np.random.default_rng(1).normal(size=(7, 3))
# String labels in an object array: skops stores such a `classes_` as JSON items, not `.npy`.
LABELS = np.array(["low", "mid", "high"], dtype=object)


def _build(name: str) -> Any:
    return {
        "svc": lambda: SVC(random_state=0).fit(X, Y3),
        "svc-linear": lambda: SVC(kernel="linear").fit(X, Y2),
        "svc-precomputed": lambda: SVC(kernel="precomputed").fit(X @ X.T, Y2),
        "nusvc": lambda: NuSVC(kernel="poly").fit(X, Y3),
        "svr": lambda: SVR().fit(X, X[:, 2]),
        "nusvr": lambda: NuSVR(kernel="sigmoid").fit(X, X[:, 2]),
        "oneclass": lambda: OneClassSVM().fit(X),
        "svc-sparse": lambda: SVC().fit(sp.csr_array(np.where(np.abs(X) > 0.5, X, 0.0)), Y2),
        "svr-sparse": lambda: SVR().fit(sp.csr_array(np.where(np.abs(X) > 0.5, X, 0.0)), Y2),
        "svc-callable": lambda: SVC(kernel=rbf_kernel).fit(X, Y3),
        "svc-objects": lambda: SVC(random_state=0).fit(X, LABELS[Y3]),
        "nusvc-objects": lambda: NuSVC(kernel="poly").fit(X, LABELS[Y2]),
        "svc-objects-precomputed": lambda: SVC(kernel="precomputed").fit(X @ X.T, LABELS[Y3]),
        "splines": lambda: SplineTransformer(n_knots=4, degree=3).fit(X),
    }[name]()


_MODELS: dict[str, Any] = {}


def _model(name: str) -> Any:
    if name not in _MODELS:
        _MODELS[name] = _build(name)
    return _MODELS[name]


def _data(name: str) -> bytes:
    return sio.dumps(_model(name))


def _test_input(name: str) -> Any:
    if name in ("svc-precomputed", "svc-objects-precomputed"):
        return X_TEST @ X.T
    return X_TEST


def _rewrite(
    data: bytes,
    state: Callable[[dict[str, Any]], dict[str, Any]] = lambda schema: schema["content"]["content"],
    arrays: dict[str, Callable[[np.ndarray], np.ndarray]] | None = None,
    json_values: dict[str, Any] | None = None,
    schema_change: Callable[[dict[str, Any]], None] | None = None,
) -> bytes:
    """`data` with arrays and JSON values of one state dict (the root's by default) changed."""

    def change(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        entries = state(schema)
        for key, array_change in (arrays or {}).items():
            edit_array(members, entries[key]["file"], array_change)
        for key, value in (json_values or {}).items():
            entries[key] = json_node(value)
        if schema_change is not None:
            schema_change(schema)

    return rewrite_archive(data, change)


def _set(index: int, value: Any) -> Callable[[np.ndarray], np.ndarray]:
    def change(array: np.ndarray) -> np.ndarray:
        array.flat[index] = value
        return array

    return change


# ----- SVMs ---------------------------------------------------------------------------------

# The crafted files of the crash demos (the `svm_bspline` table has every broken invariant).
SVM_CRASHES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "counts-sum-precomputed": (
        "validate-svm-support-counts",
        "svc-precomputed",
        {"arrays": {"_n_support": _set(1, 10**8)}},
    ),
    "support-index-precomputed": (
        "validate-svm-support-index",
        "svc-precomputed",
        {"arrays": {"support_": _set(0, 2 * 10**9)}},
    ),
}


@pytest.mark.parametrize(
    "name",
    ["svc", "svc-linear", "svc-precomputed", "nusvc", "svr", "nusvr", "oneclass"],
)
def test_real_svms_load_with_no_trusted_list_and_predict_equal(name):
    data = _data(name)
    assert rio.get_untrusted_types(data=data) == sio.get_untrusted_types(data=data) == []
    loaded = rio.loads(data)
    x = _test_input(name)
    original = _model(name)
    np.testing.assert_array_equal(loaded.predict(x), original.predict(x))
    if hasattr(original, "decision_function"):
        np.testing.assert_array_equal(loaded.decision_function(x), original.decision_function(x))


def test_a_real_svm_with_a_callable_kernel_passes_and_predicts_equal():
    data = _data("svc-callable")
    assert rio.get_untrusted_types(data=data) == sio.get_untrusted_types(data=data)
    loaded = rio.loads(data, trusted=[RBF_KERNEL])
    original = _model("svc-callable")
    np.testing.assert_array_equal(loaded.predict(X_TEST), original.predict(X_TEST))
    np.testing.assert_array_equal(
        loaded.decision_function(X_TEST), original.decision_function(X_TEST)
    )


@pytest.mark.parametrize("name", ["svc-sparse", "svr-sparse"])
def test_real_sparse_svms_pass_and_predict_equal(name):
    data = _data(name)
    # skops lists the sparse support vectors; the sparse validator trusts them here.
    assert sio.get_untrusted_types(data=data) == [CSR]
    assert rio.get_untrusted_types(data=data) == []
    x = sp.csr_array(X_TEST)
    np.testing.assert_array_equal(rio.loads(data).predict(x), _model(name).predict(x))


@pytest.mark.parametrize("name", ["svc-objects", "nusvc-objects", "svc-objects-precomputed"])
def test_svms_with_object_labels_load_from_either_writer_and_predict_equal(name):
    """Object-dtype string labels: `classes_` is an object array of JSON items, whose length
    the validator compares to `_n_support` as it does a `.npy` array's."""
    model = _model(name)
    assert model.classes_.dtype == object
    x = _test_input(name)
    ours, theirs = rio.dumps(model), sio.dumps(model)
    for data in (ours, theirs):
        assert rio.get_untrusted_types(data=data) == sio.get_untrusted_types(data=data) == []
        for loaded in (rio.loads(data), sio.loads(data)):
            assert loaded.classes_.dtype == object
            np.testing.assert_array_equal(loaded.classes_, model.classes_)
            np.testing.assert_array_equal(loaded.predict(x), model.predict(x))
            np.testing.assert_array_equal(loaded.decision_function(x), model.decision_function(x))


def _object_classes(
    items: int | None = None, shape: Any = None
) -> Callable[[dict[str, Any]], None]:
    """A schema change of the root SVM's object-array `classes_`: its first `items` items
    (one more, `"extra"`, when `items` exceeds them) and its stored `shape` (as a tuple node)."""

    def change(schema: dict[str, Any]) -> None:
        classes = schema["content"]["content"]["classes_"]
        assert classes["type"] == "json"
        if items is not None:
            content = classes["content"][:items]
            content += [json_node("extra") for _ in range(items - len(content))]
            classes["content"] = content
        if shape is not None:
            classes["shape"]["content"] = [json_node(dim) for dim in shape]

    return change


@pytest.mark.parametrize(
    "name,change,kind,message",
    [
        (
            "svc-objects",
            _object_classes(items=2, shape=[2]),
            "validate-svm-support-counts",
            "3 counts for `classes_` of shape [2]",
        ),
        (
            "nusvc-objects",
            _object_classes(items=3, shape=[3]),
            "validate-svm-support-counts",
            "2 counts for `classes_` of shape [3]",
        ),
        (
            "svc-objects-precomputed",
            _object_classes(items=1, shape=[1]),
            "validate-svm-support-counts",
            "3 counts for `classes_` of shape [1]",
        ),
        (
            "svc-objects",
            _object_classes(items=2),
            "validate-svm-state",
            "`classes_` is an object array of 2 items with shape [3]",
        ),
        (
            "svc-objects",
            _object_classes(shape=[3, 1]),
            "validate-svm-state",
            "shape [3, 1]",
        ),
    ],
)
def test_an_object_array_classes_of_the_wrong_length_is_refused(name, change, kind, message):
    for data in (sio.dumps(_model(name)), rio.dumps(_model(name))):
        crafted = _rewrite(data, schema_change=change)
        with pytest.raises(SkopsFormatError) as info:
            rio.loads(crafted)
        assert info.value.kind == kind
        assert message in str(info.value)


_PREDICT_WITH_SKOPS = textwrap.dedent(
    """
    import sys, numpy as np, skops.io as sio
    model = sio.load(sys.argv[1])
    print("loaded", flush=True)
    model.predict(np.ones((4, 40)))
    print("predicted", flush=True)
    """
)


@pytest.mark.parametrize("case", ["counts-sum-precomputed", "support-index-precomputed"])
def test_skops_loads_a_crafted_svm_that_crashes_predict_and_we_refuse_it(case, tmp_path):
    """skops 0.16 trusts the SVMs: it loads these files with no trusted list, and libsvm's
    predict reads far outside the kernel row (a precomputed kernel has no support vectors, so
    sklearn's CVE-2020-28975 check does not run) and the process dies from a signal."""
    kind, model, changes = SVM_CRASHES[case]
    path = tmp_path / "crafted.skops"
    path.write_bytes(_rewrite(_data(model), **changes))
    result = run_python(_PREDICT_WITH_SKOPS, str(path), timeout=120)
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == kind


# ----- BSplines of a SplineTransformer -----------------------------------------------------


def _first_spline(schema: dict[str, Any]) -> dict[str, Any]:
    spline = schema["content"]["content"]["bsplines_"]["content"][0]
    assert spline["__class__"] == "BSpline"
    return spline["content"]["content"]


@pytest.mark.parametrize(
    "params",
    [
        {"extrapolation": "constant"},
        {"extrapolation": "linear", "degree": 2},
        {"extrapolation": "continue", "knots": "quantile"},
        {"extrapolation": "periodic"},
        {"extrapolation": "error", "include_bias": False},
        {"sparse_output": True},
    ],
)
def test_real_spline_transformers_load_with_no_trusted_list(params):
    model = SplineTransformer(n_knots=5, **params).fit(X)
    data = sio.dumps(model)
    assert sorted(sio.get_untrusted_types(data=data)) == [ASARRAY, BSPLINE]
    assert rio.get_untrusted_types(data=data) == []
    x = np.clip(X_TEST, X.min(axis=0), X.max(axis=0))
    expected = model.transform(x)
    got = rio.loads(data).transform(x)
    if params.get("sparse_output"):
        expected, got = expected.toarray(), got.toarray()
    np.testing.assert_array_equal(got, expected)


def test_a_bspline_alone_is_checked_but_not_trusted():
    from scipy.interpolate import BSpline

    spline = BSpline(np.arange(8.0), np.ones(4), 3)
    data = sio.dumps(spline)
    assert rio.get_untrusted_types(data=data) == sorted([ASARRAY, BSPLINE])
    loaded = rio.loads(data, trusted=[ASARRAY, BSPLINE])
    np.testing.assert_array_equal(loaded(np.linspace(3, 4, 5)), spline(np.linspace(3, 4, 5)))


_TRANSFORM_WITH_SKOPS = textwrap.dedent(
    """
    import sys, numpy as np, skops.io as sio
    model = sio.load(sys.argv[1], trusted=sio.get_untrusted_types(file=sys.argv[1]))
    print("loaded", flush=True)
    model.transform(np.full((3, 3), 50.0))
    print("transformed", flush=True)
    """
)


def test_skops_loads_a_crafted_spline_that_crashes_transform_and_we_refuse_it(tmp_path):
    """With the BSpline trusted, skops 0.16 loads a spline of degree 10**8 on 10 knots; scipy's
    evaluation then reads far outside the knots and the process dies from a signal."""
    path = tmp_path / "crafted.skops"
    path.write_bytes(_rewrite(_data("splines"), state=_first_spline, json_values={"k": 10**8}))
    result = run_python(_TRANSFORM_WITH_SKOPS, str(path), timeout=120)
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=[BSPLINE, ASARRAY])
    assert info.value.kind == "validate-bspline-knots"
