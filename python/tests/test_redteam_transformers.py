"""Adversarial review (issue 9): transformers whose stored state drives native code or loops
at `transform` time.

- `PolynomialFeatures` (trusted by skops 0.16's defaults): `interaction_only = 2` makes the
  CSR expansion write one entry per row past its output (skops 0.16 aborts with "double free
  or corruption"); `_max_degree = 10**15` with `interaction_only` loops for days; now refused.
- `BSpline` of a `SplineTransformer` (trusted here once validated): evaluation costs
  `O(k^2)` per point, so a degree of 30,000 takes seconds per sample; above
  `MAX_SPLINE_DEGREE` it is left untrusted, as in skops 0.16.
- `numpy.dtype` (trusted here when plain): a `KBinsDiscretizer.dtype` of `<U16777216` makes
  `transform` turn each number into 64 MiB; above `MAX_DTYPE_ITEMSIZE` it is left untrusted.

The crafted flags, degrees, widths and item sizes are cases of the `polynomial`,
`svm_bspline` and `dtype` tables (`test_validate_tables.py`); here real models load and
transform as the originals, and the crash demos run skops 0.16 in a subprocess.
"""

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
    array_node,
    assert_dies_after_loading,
    json_node,
    rewrite_archive,
    run_python,
)
from sklearn.preprocessing import PolynomialFeatures, SplineTransformer
from skops_rs.exceptions import SkopsFormatError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(40, 3))

#: `skops_format::limits::MAX_SPLINE_DEGREE`, `MAX_DTYPE_ITEMSIZE`, `MAX_POLYNOMIAL_DEGREE`.
MAX_SPLINE_DEGREE = 64
MAX_DTYPE_ITEMSIZE = 64 * 1024
MAX_POLYNOMIAL_DEGREE = 1 << 16


def _rewrite(data: bytes, change: Callable[[dict[str, Any], dict[str, bytes]], None]) -> bytes:
    """`data` with its root object's state entries and members changed by
    `change(entries, members)`."""
    return rewrite_archive(
        data, lambda schema, members: change(schema["content"]["content"], members), deflated=True
    )


def _set(**values: Any) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    def change(entries: dict[str, Any], members: dict[str, bytes]) -> None:
        for key, value in values.items():
            entries[key] = json_node(value)

    return change


# ----- PolynomialFeatures ------------------------------------------------------------------

X_SPARSE = sp.random(40, 6, density=0.5, format="csr", random_state=0)

POLYNOMIAL = {
    "degree-2": lambda: PolynomialFeatures(degree=2),
    "interactions": lambda: PolynomialFeatures(degree=3, interaction_only=True),
    "numpy-bool": lambda: PolynomialFeatures(degree=2, interaction_only=np.True_),
    "degrees-2-to-4": lambda: PolynomialFeatures(degree=(2, 4), include_bias=False),
}


def _inputs() -> list[Any]:
    return [X_SPARSE.toarray(), X_SPARSE, X_SPARSE.tocsc()]


@pytest.mark.parametrize("name", sorted(POLYNOMIAL))
def test_real_polynomial_features_load_and_transform_as_the_original(name):
    model = POLYNOMIAL[name]().fit(X_SPARSE)
    data = sio.dumps(model)
    assert rio.get_untrusted_types(data=data) == []
    loaded = rio.loads(data)
    for x in _inputs():
        expected, got = model.transform(x), loaded.transform(x)
        if sp.issparse(expected):
            expected, got = expected.toarray(), got.toarray()
        np.testing.assert_array_equal(got, expected)


_TRANSFORM_WITH_SKOPS = textwrap.dedent(
    """
    import sys
    import numpy as np
    import scipy.sparse as sp
    import skops.io as sio

    model = sio.load(sys.argv[1])
    print("loaded", flush=True)
    model.transform(sp.csr_matrix(np.ones((10, 600))))
    print("survived", flush=True)
    """
)


def test_skops_loads_an_interaction_only_flag_that_overflows_the_heap_and_we_refuse_it(
    tmp_path,
):
    """With `interaction_only = k` each row of `m >= k` stored values writes `k (k - 1) / 2`
    entries past what `_calc_total_nnz` sized: with `k = 255` and ten rows of 600 values,
    2.6 MB past a 2.2 MB array (a smaller overflow corrupts the heap, and the process may
    then hang in `malloc` instead of dying)."""
    model = PolynomialFeatures(degree=2, interaction_only=True).fit(np.ones((2, 600)))
    path = tmp_path / "polynomial.skops"
    path.write_bytes(_rewrite(sio.dumps(model), _set(interaction_only=255)))
    assert_dies_after_loading(run_python(_TRANSFORM_WITH_SKOPS, str(path), timeout=120))
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-polynomial-state"


# ----- BSpline degree ----------------------------------------------------------------------

SPLINE_TYPES = {
    "scipy.interpolate._bsplines.BSpline",
    "scipy._lib.array_api_compat.numpy._aliases.asarray",
}


def _spline_of_degree(k: int) -> bytes:
    """A fitted one-feature `SplineTransformer` whose spline has degree `k` (sound knots and
    coefficients for it)."""
    model = SplineTransformer(n_knots=5, degree=3).fit(X[:, :1])

    def change(entries: dict[str, Any], members: dict[str, bytes]) -> None:
        state = entries["bsplines_"]["content"][0]["content"]["content"]
        knots = np.sort(np.concatenate([np.linspace(-4, 4, 2 * k + 7)]))
        state["_t"] = array_node(members, knots)
        state["_c"] = array_node(members, np.ones((len(knots) - k - 1, 7)))
        state["k"] = json_node(k)
        entries["degree"] = json_node(k)

    return _rewrite(sio.dumps(model), change)


def test_a_spline_of_the_limit_degree_is_trusted_and_transforms():
    data = _spline_of_degree(MAX_SPLINE_DEGREE)
    assert rio.get_untrusted_types(data=data) == []
    assert np.isfinite(rio.loads(data).transform(np.zeros((2, 1)))).all()


@pytest.mark.parametrize("k", [30_000])
def test_a_spline_of_a_higher_degree_is_left_untrusted(k):
    data = _spline_of_degree(k)
    assert set(rio.get_untrusted_types(data=data)) == SPLINE_TYPES
    with pytest.raises(Exception, match="Untrusted"):
        rio.loads(data)
    # Still checked: a sound high-degree spline loads when the caller trusts it.
    assert rio.loads(data, trusted=sorted(SPLINE_TYPES)) is not None
