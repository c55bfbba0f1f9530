"""The validators of the libsvm state of sklearn's SVMs and of the scipy `BSpline`s of a
`SplineTransformer`: a real skops-written file, rewritten to break one invariant at a time, is
refused with that invariant's error kind; real files load (the transformer with no trusted
list) and predict as the original; skops 0.16 loads crafted files that crash sklearn/scipy
(shown in a subprocess), which skops_rs refuses."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
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
    fresh_id,
    json_node,
    rewrite_archive,
    run_python,
    set_attribute,
)
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import SplineTransformer
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException

BSPLINE = "scipy.interpolate._bsplines.BSpline"
ASARRAY = "scipy._lib.array_api_compat.numpy._aliases.asarray"
CSR = "scipy.sparse._csr.csr_matrix"
RBF_KERNEL = "sklearn.metrics.pairwise.rbf_kernel"


_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(40, 3))
Y3 = np.digitize(X[:, 0], [-0.5, 0.5])
Y2 = (X[:, 1] > 0).astype(int)
X_TEST = np.random.default_rng(1).normal(size=(7, 3))


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
    if name == "svc-precomputed":
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


def _new_root_attribute(key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Adds attribute `key` to the root object's state, with its `str` key type (skops sets
    only the entries that have one)."""

    def change(schema: dict[str, Any]) -> None:
        state = schema["content"]
        assert key not in state["content"]
        state["content"][key] = {
            "__class__": "str",
            "__module__": "builtins",
            "__loader__": "JsonNode",
            "content": json.dumps(value),
            "is_json": True,
            "__id__": fresh_id(),
        }
        key_types = state["key_types"]["content"]
        key_types.append(dict(key_types[0]))

    return change


def _set(index: int, value: Any) -> Callable[[np.ndarray], np.ndarray]:
    def change(array: np.ndarray) -> np.ndarray:
        array.flat[index] = value
        return array

    return change


def _rows(stop: int) -> Callable[[np.ndarray], np.ndarray]:
    return lambda array: array[:stop].copy()


def _assert_refused(data: bytes, kind: str, where: str, trusted: list[str]) -> None:
    for call in (
        lambda: rio.get_untrusted_types(data=data),
        lambda: rio.loads(data),
        lambda: rio.loads(data, trusted=trusted),
    ):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == kind, str(info.value)
        assert where in str(info.value), str(info.value)


# ----- SVMs ---------------------------------------------------------------------------------

SVM_CASES: dict[str, tuple[str, str, dict[str, Any]]] = {
    "counts-sum-precomputed": (
        "validate-svm-support-counts",
        "svc-precomputed",
        {"arrays": {"_n_support": _set(1, 10**8)}},
    ),
    "counts-sum": ("validate-svm-support-counts", "svc", {"arrays": {"_n_support": _set(0, 1)}}),
    "counts-negative": (
        "validate-svm-support-counts",
        "nusvc",
        {"arrays": {"_n_support": lambda c: c * np.array([-1, 1, 2], dtype=np.int32)}},
    ),
    "counts-per-class": (
        "validate-svm-support-counts",
        "svc",
        {"arrays": {"_n_support": _rows(2)}},
    ),
    "counts-regression": (
        "validate-svm-support-counts",
        "svr",
        {"arrays": {"_n_support": _set(1, 0)}},
    ),
    "counts-one-class": (
        "validate-svm-support-counts",
        "oneclass",
        {"arrays": {"_n_support": lambda c: c + 1}},
    ),
    "support-index-precomputed": (
        "validate-svm-support-index",
        "svc-precomputed",
        {"arrays": {"support_": _set(0, 2 * 10**9)}},
    ),
    "support-index-negative": (
        "validate-svm-support-index",
        "svr",
        {"arrays": {"support_": _set(3, -1)}},
    ),
    "support-vectors-rows": (
        "validate-svm-shape",
        "svc",
        {"arrays": {"support_vectors_": _rows(5)}},
    ),
    "support-vectors-columns": (
        "validate-svm-shape",
        "nusvr",
        {"arrays": {"support_vectors_": lambda sv: sv[:, :2].copy()}},
    ),
    "n-features-in": ("validate-svm-state", "svc", {"json_values": {"n_features_in_": 4}}),
    "dual-coef": (
        "validate-svm-shape",
        "nusvc",
        {"arrays": {"_dual_coef_": lambda coef: coef[:, :-1].copy()}},
    ),
    "dual-coef-regression": (
        "validate-svm-shape",
        "svr",
        {"arrays": {"_dual_coef_": lambda coef: np.vstack([coef, coef])}},
    ),
    "intercept": ("validate-svm-shape", "svc", {"arrays": {"_intercept_": _rows(1)}}),
    "public-intercept": (
        "validate-svm-shape",
        "oneclass",
        {"arrays": {"intercept_": lambda i: np.zeros(3)}},
    ),
    "prob-a": ("validate-svm-shape", "svc", {"arrays": {"_probA": lambda a: np.zeros(2)}}),
    "class-weight": ("validate-svm-shape", "svc", {"arrays": {"class_weight_": _rows(2)}}),
    "support-dtype": (
        "validate-svm-state",
        "svc",
        {"arrays": {"support_": lambda s: s.astype(np.int64)}},
    ),
    "dual-coef-dtype": (
        "validate-svm-state",
        "svr",
        {"arrays": {"_dual_coef_": lambda c: c.astype(np.float32)}},
    ),
    "kernel": ("validate-svm-state", "svc", {"json_values": {"kernel": "laplacian"}}),
    "sparse-flag": ("validate-svm-state", "svc", {"json_values": {"_sparse": "yes"}}),
    "impl": (
        "validate-svm-state",
        "svc",
        {"schema_change": _new_root_attribute("_impl", "epsilon_svr")},
    ),
    "sparse-precomputed": (
        "validate-svm-state",
        "svc-precomputed",
        {"json_values": {"_sparse": True}},
    ),
    "sparse-dense-vectors": ("validate-svm-sparse", "svc", {"json_values": {"_sparse": True}}),
    # `decision_function` reads the kernel row of `_BaseLibSVM__Xfit` at `support_` unchecked.
    "callable-training-rows": (
        "validate-svm-state",
        "svc-callable",
        {"arrays": {"_BaseLibSVM__Xfit": _rows(2)}},
    ),
    "callable-support-index": (
        "validate-svm-support-index",
        "svc-callable",
        {"arrays": {"support_": _set(0, 40)}},
    ),
}


@pytest.mark.parametrize("case", sorted(SVM_CASES))
def test_each_broken_svm_invariant_is_refused_with_its_kind(case):
    kind, model, changes = SVM_CASES[case]
    data = _rewrite(_data(model), **changes)
    _assert_refused(data, kind, "the SVM at", [CSR, RBF_KERNEL])


def _replace_npz(data: bytes, key: str, change: Callable[[dict[str, np.ndarray]], None]) -> bytes:
    """`data` with the `.npz` of the root state's sparse `key` changed member by member."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    member = json.loads(members["schema.json"])["content"]["content"][key]["file"]
    with zipfile.ZipFile(io.BytesIO(members[member])) as npz:
        arrays = {
            name: np.load(io.BytesIO(npz.read(name)), allow_pickle=False) for name in npz.namelist()
        }
    change(arrays)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as npz:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            npz.writestr(name, buffer.getvalue())
    members[member] = out.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _decreasing_indptr(arrays: dict[str, np.ndarray]) -> None:
    indptr = arrays["indptr.npy"].copy()
    indptr[1] = indptr[-1] + 5
    arrays["indptr.npy"] = indptr


def _fewer_coefficients(arrays: dict[str, np.ndarray]) -> None:
    """A coefficient matrix that stores one value less, with a consistent structure."""
    keep = arrays["data.npy"].size - 1
    arrays["data.npy"] = arrays["data.npy"][:keep].copy()
    arrays["indices.npy"] = arrays["indices.npy"][:keep].copy()
    arrays["indptr.npy"] = np.minimum(arrays["indptr.npy"], keep)


def _pruned_coefficients(arrays: dict[str, np.ndarray]) -> None:
    """Every value stored, but `indptr` ends one short: scipy prunes `data` to `indptr[-1]`."""
    arrays["indptr.npy"] = np.minimum(arrays["indptr.npy"], arrays["data.npy"].size - 1)


def _other_width(arrays: dict[str, np.ndarray]) -> None:
    arrays["shape.npy"] = arrays["shape.npy"] + np.array([0, 2])


@pytest.mark.parametrize(
    ("key", "change"),
    [
        ("support_vectors_", _decreasing_indptr),
        ("support_vectors_", _other_width),
        ("_dual_coef_", _fewer_coefficients),
        ("_dual_coef_", _pruned_coefficients),
        ("dual_coef_", _decreasing_indptr),
    ],
)
def test_broken_sparse_svm_matrices_are_refused(key, change):
    data = _replace_npz(_data("svr-sparse"), key, change)
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(data, trusted=[CSR])
    expected = "validate-svm-shape" if change is _other_width else "validate-svm-sparse"
    assert info.value.kind == expected, str(info.value)
    assert key.lstrip("_") in str(info.value)  # `_dual_coef_` may be `dual_coef_` itself


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
    kind, model, changes = SVM_CASES[case]
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


def _add_attribute(schema: dict[str, Any]) -> None:
    spline_state = schema["content"]["content"]["bsplines_"]["content"][0]["content"]
    set_attribute(spline_state, "_ensure_c_contiguous", json_node(1))


SPLINE_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "coefficient-rows": ("validate-bspline-coefficients", {"arrays": {"_c": _rows(2)}}),
    "coefficient-dtype": (
        "validate-bspline-coefficients",
        {"arrays": {"_c": lambda c: c.astype(np.int64)}},
    ),
    "coefficient-scalar": (
        "validate-bspline-coefficients",
        {"arrays": {"_c": lambda c: np.float64(1.0)}},
    ),
    "knots-short": ("validate-bspline-knots", {"arrays": {"_t": _rows(7)}}),
    "knots-decreasing": ("validate-bspline-knots", {"arrays": {"_t": lambda t: t[::-1].copy()}}),
    "knots-nan": ("validate-bspline-knots", {"arrays": {"_t": _set(4, np.nan)}}),
    "knots-infinite": ("validate-bspline-knots", {"arrays": {"_t": _set(-1, np.inf)}}),
    "knots-2d": ("validate-bspline-knots", {"arrays": {"_t": lambda t: t.reshape(2, -1)}}),
    "knots-dtype": ("validate-bspline-knots", {"arrays": {"_t": lambda t: t.astype(np.float32)}}),
    "knots-big-endian": (
        "validate-bspline-knots",
        {"arrays": {"_t": lambda t: t.astype(">f8")}},
    ),
    "coefficient-big-endian": (
        "validate-bspline-coefficients",
        {"arrays": {"_c": lambda c: c.astype(">f8")}},
    ),
    "degree-huge": ("validate-bspline-knots", {"json_values": {"k": 10**8}}),
    "degree-negative": ("validate-bspline-state", {"json_values": {"k": -1}}),
    "degree-float": ("validate-bspline-state", {"json_values": {"k": 3.0}}),
    "extrapolate": ("validate-bspline-state", {"json_values": {"extrapolate": "always"}}),
    "axis": ("validate-bspline-axis", {"json_values": {"axis": 2}}),
    "axis-negative": ("validate-bspline-axis", {"json_values": {"axis": -1}}),
    "extra-attribute": ("validate-bspline-state", {"schema_change": _add_attribute}),
}


@pytest.mark.parametrize("case", sorted(SPLINE_CASES))
def test_each_broken_bspline_invariant_is_refused_with_its_kind(case):
    kind, changes = SPLINE_CASES[case]
    data = _rewrite(_data("splines"), state=_first_spline, **changes)
    _assert_refused(data, kind, "bsplines_[0]", [BSPLINE, ASARRAY])


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


def test_a_spline_of_an_inconsistent_transformer_is_not_trusted():
    data = _rewrite(_data("splines"), json_values={"n_features_in_": 2})
    assert rio.get_untrusted_types(data=data) == sorted([ASARRAY, BSPLINE])
    with pytest.raises(UntrustedTypesFoundException):
        rio.loads(data)


def test_a_spline_with_another_asarray_is_not_trusted():
    def other_function(schema: dict[str, Any]) -> None:
        node = _first_spline(schema)["_asarray"]
        node.update({"__class__": "asarray", "__module__": "numpy", "__id__": fresh_id()})

    data = _rewrite(_data("splines"), schema_change=other_function)
    # The first spline stays untrusted; the others (and their scipy `asarray`) are validated.
    untrusted = rio.get_untrusted_types(data=data)
    assert untrusted == [BSPLINE, "numpy.asarray"] or untrusted == ["numpy.asarray", BSPLINE]
    assert ASARRAY in sio.get_untrusted_types(data=data)


def test_a_bspline_alone_is_checked_but_not_trusted():
    from scipy.interpolate import BSpline

    spline = BSpline(np.arange(8.0), np.ones(4), 3)
    data = sio.dumps(spline)
    assert rio.get_untrusted_types(data=data) == sorted([ASARRAY, BSPLINE])
    loaded = rio.loads(data, trusted=[ASARRAY, BSPLINE])
    np.testing.assert_array_equal(loaded(np.linspace(3, 4, 5)), spline(np.linspace(3, 4, 5)))
    broken = _rewrite(data, arrays={"_c": _rows(1)})
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(broken, trusted=[ASARRAY, BSPLINE])
    assert info.value.kind == "validate-bspline-coefficients"


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
    kind, changes = SPLINE_CASES["degree-huge"]
    path = tmp_path / "crafted.skops"
    path.write_bytes(_rewrite(_data("splines"), state=_first_spline, **changes))
    result = run_python(_TRANSFORM_WITH_SKOPS, str(path), timeout=120)
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=[BSPLINE, ASARRAY])
    assert info.value.kind == kind
