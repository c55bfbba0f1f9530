"""Native prediction against scikit-learn: every supported estimator, fitted on the shared
data sets (`_infer`), evaluated by scikit-learn and by `skops_rs.infer.Predictor` for every
method it has. Each case is exact, within its bound (`docs/inference.md`) or a mismatch; a
mismatch fails. The counts per estimator class are printed at the end of the run.

Add an estimator: one entry in `CASES` (how to build it, which target, which data sets,
which methods and how exact each is).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from _infer import DataSet, compare, dense, predictor, with_nan
from sklearn.preprocessing import StandardScaler


@dataclass
class Case:
    """One estimator configuration and how its outputs compare."""

    id: str
    make: Callable[[], Any]
    target: str | None  # "y_reg", "y_bin", "y_multi", "y_str" or None (unsupervised)
    methods: dict[str, int] = field(default_factory=dict)  # method -> ulps allowed (0: exact)
    data: tuple[Callable[[], DataSet], ...] = (dense,)


CASES = [
    Case("standard-scaler", StandardScaler, None, {"transform": 0}, (dense, with_nan)),
    Case(
        "standard-scaler-no-mean", lambda: StandardScaler(with_mean=False), None, {"transform": 0}
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_native_outputs_equal_scikit_learn(case: Case) -> None:
    for make_data in case.data:
        data = make_data()
        estimator = case.make()
        if case.target is None:
            estimator.fit(data.X)
        else:
            estimator.fit(data.X, getattr(data, case.target))
        native = predictor(estimator)
        for method, ulps in case.methods.items():
            for batch in data.batches():
                expected = getattr(estimator, method)(batch)
                got = getattr(native, method)(batch)
                outcome = compare(estimator, method, expected, got, ulps=ulps)
                assert outcome != "mismatch", (case.id, data.name, method)


def test_batch_split_and_threads_do_not_change_bits() -> None:
    data = dense(n=20_000, seed=3)
    estimator = StandardScaler().fit(data.X)
    native = predictor(estimator)
    whole = native.transform(data.X)
    pieces = np.concatenate([native.transform(data.X[i : i + 777]) for i in range(0, 20_000, 777)])
    assert whole.tobytes() == pieces.tobytes()
    assert whole.tobytes() == estimator.transform(data.X).tobytes()
