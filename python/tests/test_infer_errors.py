"""Every refusal of native prediction that a model or a batch can provoke today, through
`skops_rs.infer`: the exception class of its family and its `kind` (`docs/errors.md`).
An unsupported option and an unknown category have no supported class that raises them yet
(see `UNPROVOKED` in `test_error_kinds.py`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import skops_rs.io as sio
from sklearn.cluster import KMeans
from sklearn.preprocessing import StandardScaler
from skops_rs._skops_rs import infer_error_kinds
from skops_rs.exceptions import (
    InferenceError,
    InferenceInputError,
    InferenceMethodError,
    UnsupportedModelError,
)
from skops_rs.infer import Predictor

X = np.random.default_rng(0).normal(size=(20, 3))


@pytest.fixture(scope="module")
def scaler() -> Predictor:
    return Predictor.from_bytes(sio.dumps(StandardScaler().fit(X)))


def _raises(cls: type[InferenceError], kind: str, call) -> InferenceError:
    with pytest.raises(cls) as info:
        call()
    assert info.value.kind == kind, info.value
    assert kind in infer_error_kinds()
    return info.value


def test_a_class_the_engine_lacks_is_refused_with_its_path():
    model = KMeans(n_clusters=2, n_init=1, random_state=0).fit(X)
    error = _raises(
        UnsupportedModelError,
        "infer-unsupported",
        lambda: Predictor.from_bytes(sio.dumps(model)),
    )
    assert "sklearn.cluster._kmeans.KMeans" in str(error) and "(root)" in str(error)


def test_a_state_scikit_learn_never_writes_is_refused():
    model = StandardScaler().fit(X)
    model.with_mean = "yes"  # a flag that is not a boolean
    error = _raises(
        UnsupportedModelError,
        "infer-malformed-state",
        lambda: Predictor.from_bytes(sio.dumps(model)),
    )
    assert "with_mean" in str(error)


def test_a_method_the_estimator_lacks(scaler):
    assert not hasattr(StandardScaler(), "predict")
    _raises(InferenceMethodError, "infer-no-method", lambda: scaler.predict(X))


def test_another_number_of_columns(scaler):
    with pytest.raises(ValueError):
        StandardScaler().fit(X).transform(np.ones((2, 4)))
    _raises(InferenceInputError, "infer-input-width", lambda: scaler.transform(np.ones((2, 4))))


def test_strings_where_numbers_belong(scaler):
    batch = np.array([["a", "b", "c"]], dtype=object)
    _raises(InferenceInputError, "infer-input-type", lambda: scaler.transform(batch))


def test_columns_of_unequal_length(scaler):
    columns = [np.ones(2), np.ones(2), np.ones(1)]
    with pytest.raises(InferenceInputError) as info:
        scaler._native.run_columns("transform", columns, None)
    assert info.value.kind == "infer-input-shape"


def test_column_names_other_than_at_fit():
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    predictor = Predictor.from_bytes(sio.dumps(StandardScaler().fit(frame)))
    renamed = frame.rename(columns={"c": "d"})
    with pytest.raises(ValueError):
        StandardScaler().fit(frame).transform(renamed)
    error = _raises(InferenceInputError, "infer-input-column", lambda: predictor.transform(renamed))
    assert "'c'" in str(error) or '"c"' in str(error)


def test_infinity_is_refused_as_scikit_learn_refuses_it(scaler):
    batch = X[:2].copy()
    batch[1, 2] = np.inf
    with pytest.raises(ValueError):
        StandardScaler().fit(X).transform(batch)
    error = _raises(InferenceInputError, "infer-input-value", lambda: scaler.transform(batch))
    assert "row 1, column 2" in str(error)
