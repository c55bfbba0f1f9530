"""Red-team cases against native inference (`skops_rs.infer`): crafted state whose parts
disagree, so that scikit-learn and a native model reading another part would answer
differently. Each was evaluated (a silent wrong answer) before its fix and is now refused
with a `SkopsFormatError`; the unmodified model still matches scikit-learn."""

from __future__ import annotations

import copy
import warnings
from typing import Any

import numpy as np
import pytest
import skops.io as sio
from _support import fresh_id, rewrite_archive
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    IsolationForest,
    RandomForestClassifier,
)
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from skops_rs.exceptions import InferenceInputError, UnsupportedModelError
from skops_rs.infer import Predictor

RNG = np.random.default_rng(0)
X = np.c_[RNG.normal(size=(60, 3)), RNG.integers(0, 4, 60)]
Y = RNG.integers(0, 3, 60)


def _state(schema: dict[str, Any]) -> dict[str, Any]:
    return schema["content"]["content"]


def _sklearn(data: bytes) -> Any:
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


def _column_transformer(columns: Any) -> ColumnTransformer:
    return ColumnTransformer(
        [("s", StandardScaler(), columns), ("o", OneHotEncoder(), [3])],
        remainder="passthrough",
    ).fit(X)


@pytest.mark.parametrize("columns", [[0, 1], slice(0, 2), [-4, -3], np.array([0, 1])])
def test_column_transformer_selection_forms_still_load(columns: Any) -> None:
    model = _column_transformer(columns)
    got = Predictor.from_bytes(sio.dumps(model)).transform(X)
    np.testing.assert_array_equal(got, model.transform(X))


def test_column_transformer_columns_disagreeing_with_input_indices() -> None:
    """`transformers_[0][2]` says columns 2 and 3, `_transformer_to_input_indices` 0 and 1:
    scikit-learn scales columns 2 and 3 of an array, the engine scaled 0 and 1."""

    def change(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        columns = _state(schema)["transformers_"]["content"][0]["content"][2]
        columns["__id__"] = fresh_id()
        for item, value in zip(columns["content"], (2, 3), strict=True):
            item["content"] = str(value)
            item["__id__"] = fresh_id()

    data = rewrite_archive(sio.dumps(_column_transformer([0, 1])), change)
    expected = _sklearn(data).transform(X)
    assert not np.array_equal(expected, _column_transformer([0, 1]).transform(X))
    with pytest.raises(UnsupportedModelError, match="_transformer_to_input_indices") as error:
        Predictor.from_bytes(data)
    assert error.value.kind == "infer-malformed-state"


@pytest.mark.parametrize("n_classes", [0, 2, 4])
def test_tree_n_classes_disagreeing_with_the_tree(n_classes: int) -> None:
    """`predict_proba` keeps the first `n_classes_` columns of the tree's values."""
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, Y)

    def change(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        node = _state(schema)["n_classes_"]
        node.update(
            {
                "__class__": "int",
                "__module__": "builtins",
                "__loader__": "JsonNode",
                "content": str(n_classes),
                "is_json": True,
                "__id__": fresh_id(),
            }
        )
        node.pop("file", None)
        node.pop("type", None)

    data = rewrite_archive(sio.dumps(model), change)
    expected = _sklearn(data).predict_proba(X)
    # The engine either refuses the state or answers what scikit-learn answers for it.
    try:
        got = Predictor.from_bytes(data).predict_proba(X)
    except UnsupportedModelError as error:
        assert error.kind == "infer-malformed-state" and "n_classes_" in str(error)
    else:
        assert got.shape == expected.shape and got.tobytes() == expected.tobytes()


# ----- states mutated through the fitted object: each part scikit-learn reads at predict time
# disagrees with the part the engine read before its fix. The rule: the engine refuses the
# file (infer-malformed-state) or answers exactly what scikit-learn answers for it.

_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")


def _mutated(model: Any, change: Any) -> bytes:
    model = copy.deepcopy(model)
    change(model)
    return sio.dumps(model)


def _refused_or_same(data: bytes, x: Any) -> bool:
    """True when refused; otherwise asserts every method answers as scikit-learn does (or
    fails where it fails)."""
    try:
        predictor = Predictor.from_bytes(data)
    except UnsupportedModelError as error:
        assert error.kind == "infer-malformed-state", error
        return True
    model = _sklearn(data)
    for method in _METHODS:
        if not hasattr(model, method) or method not in predictor.methods:
            continue
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                expected = getattr(model, method)(x)
        except Exception:  # scikit-learn fails: the engine must too
            with pytest.raises((InferenceInputError, UnsupportedModelError)):
                getattr(predictor, method)(x)
            continue
        got = getattr(predictor, method)(x)
        assert got.shape == np.shape(expected), method
        if got.dtype.kind == "f":
            # Networks sum in another order than BLAS (docs/inference.md): a few ulps.
            np.testing.assert_allclose(got, expected, rtol=1e-9, atol=1e-12, err_msg=method)
        else:
            np.testing.assert_array_equal(got, expected, err_msg=method)
    return False


def _cases() -> dict[str, tuple[Any, Any, Any, bool]]:
    """name -> (fitted model, batch, change of the fitted object, refused?)."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 4))
    y2, y3 = (x[:, 0] > 0).astype(int), rng.integers(0, 3, 40)
    mlp2 = MLPClassifier(hidden_layer_sizes=(5,), max_iter=30, random_state=0).fit(x, y2)
    mlp3 = MLPClassifier(hidden_layer_sizes=(5, 3), max_iter=30, random_state=0).fit(x, y3)
    mlpr = MLPRegressor(hidden_layer_sizes=(5,), max_iter=30, random_state=0).fit(x, x[:, 0])
    iso = IsolationForest(n_estimators=5, random_state=0).fit(x)
    iso_sub = IsolationForest(n_estimators=5, max_features=2, random_state=0).fit(x)
    xc = np.c_[x[:, :2], rng.integers(0, 4, 40), rng.integers(0, 3, 40)]
    hgb = HistGradientBoostingClassifier(
        max_iter=10, categorical_features=[2, 3], random_state=0
    ).fit(xc, (x[:, 0] + (xc[:, 2] == 1) > 0).astype(int))
    codes = rng.integers(0, 5, size=(40, 2)).astype(float)
    ohe = OneHotEncoder(sparse_output=False).fit(codes)
    ohe_binary = OneHotEncoder(sparse_output=False, drop="if_binary").fit(codes)
    with_nan = codes.copy()
    with_nan[::4, 0] = np.nan
    ordinal = OrdinalEncoder(encoded_missing_value=-2).fit(with_nan)
    forest = RandomForestClassifier(n_estimators=3, max_depth=3, random_state=0).fit(x, y3)

    def swap_categorical(m: Any) -> None:
        m.is_categorical_ = m.is_categorical_[[0, 2, 1, 3]]

    def selection(m: Any) -> None:
        t = list(m._preprocessor.transformers_)
        t[0] = (t[0][0], t[0][1], np.array([True, True, False, False]))
        m._preprocessor.transformers_ = t

    def numeric_func(m: Any) -> None:
        m._preprocessor.transformers_[1][1].func = np.negative

    def encoder_missing(m: Any) -> None:
        m._preprocessor.transformers_[0][1].encoded_missing_value = 7.0

    def more(m: Any) -> None:
        m._n_features_outs = [k + 1 for k in m._n_features_outs]

    def drop_first(m: Any) -> None:
        m._drop_idx_after_grouping = np.array([1, None], dtype=object)

    def reverse(m: Any) -> None:
        m.categories_ = [c[::-1].copy() for c in m.categories_]

    def nan_first(m: Any) -> None:
        m.categories_ = [np.r_[np.nan, c[:-1]] if np.isnan(c[-1]) else c for c in m.categories_]

    def inf_last(m: Any) -> None:
        m.categories_ = [np.r_[-np.inf, c] for c in m.categories_]

    def stale_missing(m: Any) -> None:
        m._missing_indices = {}

    return {
        "mlp n_layers_ short": (mlp2, x, lambda m: setattr(m, "n_layers_", 2), True),
        "mlp n_layers_ long": (mlp2, x, lambda m: setattr(m, "n_layers_", 4), True),
        "mlp3 n_layers_": (mlp3, x, lambda m: setattr(m, "n_layers_", 3), True),
        "mlpr n_layers_": (mlpr, x, lambda m: setattr(m, "n_layers_", 2), True),
        "mlp n_outputs_": (mlp2, x, lambda m: setattr(m, "n_outputs_", 2), True),
        "mlp3 n_outputs_": (mlp3, x, lambda m: setattr(m, "n_outputs_", 1), True),
        "iforest features ignored at full width": (
            iso,
            x,
            lambda m: setattr(m, "estimators_features_", [f[::-1] for f in m.estimators_features_]),
            False,
        ),
        "iforest negative features": (
            iso_sub,
            x,
            lambda m: setattr(m, "estimators_features_", [f - 4 for f in m.estimators_features_]),
            False,
        ),
        "hgb is_categorical_ not the preprocessor's": (hgb, xc, swap_categorical, True),
        "hgb preprocessor columns": (hgb, xc, selection, True),
        "hgb numeric function": (hgb, xc, numeric_func, True),
        "hgb encoded_missing_value": (hgb, xc, encoder_missing, True),
        "onehot _n_features_outs": (ohe, codes, more, True),
        "onehot _drop_idx_after_grouping": (ohe, codes, drop_first, True),
        "onehot unsorted categories": (ohe_binary, codes, reverse, True),
        "ordinal unsorted categories": (ordinal, with_nan, reverse, True),
        "ordinal NaN category first": (ordinal, with_nan, nan_first, True),
        "ordinal -inf category": (ordinal, with_nan, inf_last, True),
        "ordinal stale _missing_indices": (ordinal, with_nan, stale_missing, True),
        "forest tree n_features_in_": (
            forest,
            x,
            lambda m: setattr(m.estimators_[1], "n_features_in_", 3),
            True,
        ),
    }


with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the small networks do not converge
    _CASES = _cases()


@pytest.mark.parametrize("name", sorted(_CASES))
def test_a_state_scikit_learn_reads_otherwise_is_refused_or_answered_alike(name: str) -> None:
    model, x, change, refused = _CASES[name]
    assert not _refused_or_same(sio.dumps(model), x)  # the real model is answered
    assert _refused_or_same(_mutated(model, change), x) == refused
