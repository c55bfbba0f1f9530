"""Red-team cases against native inference (`skops_rs.infer`): crafted state whose parts
disagree, so that scikit-learn and a native model reading another part would answer
differently. Each was evaluated (a silent wrong answer) before its fix and is now refused
with a `SkopsFormatError`; the unmodified model still matches scikit-learn."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import skops.io as sio
from _support import fresh_id, rewrite_archive
from sklearn.compose import ColumnTransformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from skops_rs.exceptions import UnsupportedModelError
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
