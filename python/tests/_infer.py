"""Shared pieces of the native-prediction tests: the data sets every estimator is fitted and
probed on, saving a fitted estimator and building its `Predictor`, and the comparison with
scikit-learn that sorts each (estimator, data set, method) case into exact / within-bound /
mismatch. `conftest.py` prints the counts per estimator class at the end of the run.
"""

from __future__ import annotations

import collections
import io
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import skops_rs.io as sio
from skops_rs.infer import Predictor

# (estimator class, outcome) -> number of cases; printed by conftest's terminal summary.
PARITY_COUNTS: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)

EPS = np.finfo(np.float64).eps


@dataclass
class DataSet:
    """A batch to fit on and the batches to predict on."""

    name: str
    X: Any
    y_reg: np.ndarray
    y_bin: np.ndarray
    y_multi: np.ndarray
    y_str: np.ndarray
    probes: list[Any] = field(default_factory=list)

    def batches(self) -> list[Any]:
        return [self.X, *self.probes]


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def dense(n: int = 300, d: int = 6, seed: int = 0) -> DataSet:
    """Gaussian features with a non-linear target; labels binary, 3-class and strings."""
    rng = _rng(seed)
    X = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d)
    score = X[:, 0] - 0.5 * X[:, 1] ** 2 / (1 + np.abs(X[:, 1])) + 0.3 * X[:, 2 % d]
    y_reg = score + rng.normal(scale=0.1, size=n)
    y_bin = (score > np.median(score)).astype(np.int64)
    y_multi = np.digitize(score, np.quantile(score, [0.33, 0.66]))
    y_str = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y_multi]
    probes = [rng.normal(size=(50, d)) * 10, X[:1]]
    return DataSet("dense", X, y_reg, y_bin, y_multi, y_str, probes)


def with_nan(n: int = 300, d: int = 6, seed: int = 1) -> DataSet:
    """`dense` with 10% NaN in every column (for estimators that accept missing values)."""
    base = dense(n, d, seed)
    rng = _rng(seed + 100)
    X = base.X.copy()
    X[rng.random(X.shape) < 0.1] = np.nan
    probe = base.probes[0].copy()
    probe[rng.random(probe.shape) < 0.3] = np.nan
    return DataSet("nan", X, base.y_reg, base.y_bin, base.y_multi, base.y_str, [probe])


def save(estimator: Any) -> bytes:
    """The `.skops` bytes of a fitted estimator, as skops-rs writes them."""
    return sio.dumps(estimator)


def predictor(estimator: Any) -> Predictor:
    """The native predictor of a fitted estimator (saved, then read back)."""
    return Predictor.from_bytes(save(estimator))


def ulp_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """How many float64 values lie between `a` and `b` (0 for equal bits, NaN = NaN)."""
    a = np.ascontiguousarray(a, dtype=np.float64)
    b = np.ascontiguousarray(b, dtype=np.float64)

    def ordered(x: np.ndarray) -> np.ndarray:
        bits = x.view(np.int64)
        return np.where(bits < 0, np.int64(-(2**63)) - bits, bits)

    distance = np.abs(ordered(a).astype(np.float64) - ordered(b).astype(np.float64))
    both_nan = np.isnan(a) & np.isnan(b)
    return np.where(both_nan, 0, distance)


def compare(
    estimator: Any,
    method: str,
    expected: Any,
    got: Any,
    *,
    ulps: int = 0,
    bound: np.ndarray | None = None,
) -> str:
    """Sorts one case: `exact` (same dtype kind, shape and bits), `within` (every float
    within `ulps` units in the last place, or within `bound` elementwise; labels equal), or
    `mismatch`. Records it under the estimator's class and returns it."""
    expected = np.asarray(expected)
    got = np.asarray(got)
    outcome = _outcome(expected, got, ulps, bound)
    PARITY_COUNTS[type(estimator).__name__][outcome] += 1
    return outcome


def _outcome(expected: np.ndarray, got: np.ndarray, ulps: int, bound: np.ndarray | None) -> str:
    if expected.shape != got.shape:
        return "mismatch"
    if expected.dtype.kind == "f":
        if got.dtype.kind != "f":
            return "mismatch"
        distance = ulp_distance(expected, got)
        if not distance.any():
            return "exact"
        if ulps and (distance <= ulps).all():
            return "within"
        if bound is not None:
            close = np.abs(expected - got) <= np.broadcast_to(bound, expected.shape)
            same_nan = np.isnan(expected) == np.isnan(got)
            if (close | (np.isnan(expected) & np.isnan(got))).all() and same_nan.all():
                return "within"
        return "mismatch"
    if expected.dtype.kind in "OUS":
        same = got.dtype.kind in "OUS" and [str(v) for v in expected.ravel()] == [
            str(v) for v in got.ravel()
        ]
        return "exact" if same else "mismatch"
    # Integers and booleans: equal values; the dtype kind must match what numpy gives.
    if got.dtype.kind != expected.dtype.kind and not (
        expected.dtype.kind in "iu" and got.dtype.kind in "iu"
    ):
        return "mismatch"
    return "exact" if np.array_equal(expected, got) else "mismatch"


def dot_bound(X: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """`2 * eps * sum_i |x_i w_i|` per row and output: the error bound of a dense dot product
    (scikit-learn's own BLAS disagrees with itself by up to 1.36 of it)."""
    weights = np.atleast_2d(weights)
    return 2 * EPS * (np.abs(X) @ np.abs(weights).T).reshape(len(X), -1).squeeze()


def pickled(predictor: Predictor) -> Predictor:
    """`predictor` through pickle (as Dask, Spark and Ray ship it)."""
    import pickle

    buffer = io.BytesIO()
    pickle.dump(predictor, buffer)
    return pickle.loads(buffer.getvalue())


def sparse(n: int = 300, d: int = 12, density: float = 0.3, seed: int = 4) -> DataSet:
    """`dense`-like features with ~70% zeros, as a scipy CSR matrix. The probes are a new CSR
    batch, the same as a `csr_array`, as CSC, with each row's indices stored in reverse
    order (scipy sums in stored order), with explicit zeros, and a single row."""
    import scipy.sparse as sp

    rng = _rng(seed)
    values = rng.normal(size=(n, d)) * rng.uniform(0.1, 10, size=d)
    values[rng.random((n, d)) >= density] = 0.0
    score = values[:, 0] - 0.5 * values[:, 1] + 0.3 * values[:, 2] + values[:, 3:].sum(axis=1) / d
    y_reg = score + rng.normal(scale=0.1, size=n)
    y_bin = (score > np.median(score)).astype(np.int64)
    y_multi = np.digitize(score, np.quantile(score, [0.33, 0.66]))
    y_str = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y_multi]
    probe = rng.normal(size=(60, d)) * 10
    probe[rng.random(probe.shape) >= density] = 0.0
    probe = sp.csr_matrix(probe)
    reversed_rows = probe.copy()
    for row in range(reversed_rows.shape[0]):
        start, end = reversed_rows.indptr[row], reversed_rows.indptr[row + 1]
        reversed_rows.indices[start:end] = reversed_rows.indices[start:end][::-1].copy()
        reversed_rows.data[start:end] = reversed_rows.data[start:end][::-1].copy()
    reversed_rows.has_sorted_indices = False
    explicit_zeros = probe.copy()
    explicit_zeros.data[::4] = 0.0
    X = sp.csr_matrix(values)
    probes = [probe, sp.csr_array(X), X.tocsc(), reversed_rows, explicit_zeros, X[:1]]
    return DataSet("sparse", X, y_reg, y_bin, y_multi, y_str, probes)
