"""Widths scikit-learn sizes predict-time arrays by, read from the state alone, are bounded
(`skops_format::limits::MAX_N_FEATURES` and the limits after it): a consistent but enormous
`n_features`, `n_classes`, `n_outputs`, `n_classes_`, `n_outputs_` or `n_trees_per_iteration_`
is refused with `validate-width` before anything is built, where skops 0.16 loads the file and
the first `predict_proba` asks for gigabytes. Real models are far below the limits."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import json_node, rewrite_archive, run_python
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier
from skops_rs.exceptions import SkopsFormatError

TREE = "sklearn.tree._tree.Tree"
PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
MAX_N_FEATURES = 1 << 24
MAX_N_CLASSES = 1 << 20
MAX_N_OUTPUTS = 1 << 16

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(60, 3))
Y = (X[:, 0] > 0).astype(int)


def _root_attribute(key: str, value: Any) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    def change(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        schema["content"]["content"][key] = json_node(value)

    return change


def _refused(data: bytes, attribute: str) -> None:
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(data, trusted=[TREE, PREDICTOR])
    assert info.value.kind == "validate-width"
    assert f"`{attribute}`" in str(info.value)


CASES: dict[str, tuple[Callable[[], Any], str, int, int]] = {
    # name: (model, attribute, limit, value just above)
    "forest-classes": (
        lambda: RandomForestClassifier(n_estimators=2, random_state=0).fit(X, Y),
        "n_classes_",
        MAX_N_CLASSES,
        10**10,
    ),
    "forest-outputs": (
        lambda: RandomForestClassifier(n_estimators=2, random_state=0).fit(X, Y),
        "n_outputs_",
        MAX_N_OUTPUTS,
        MAX_N_OUTPUTS + 1,
    ),
    "dummy-classes": (
        lambda: DummyClassifier(strategy="uniform").fit(X, Y),
        "n_classes_",
        MAX_N_CLASSES,
        MAX_N_CLASSES + 1,
    ),
    "hgb-trees-per-iteration": (
        lambda: HistGradientBoostingClassifier(max_iter=2).fit(X, Y),
        "n_trees_per_iteration_",
        MAX_N_CLASSES,
        MAX_N_CLASSES + 1,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_an_estimator_width_above_its_limit_is_refused(case):
    build, attribute, limit, above = CASES[case]
    data = sio.dumps(build())
    _refused(rewrite_archive(data, _root_attribute(attribute, above)), attribute)
    # At the limit the width is not what refuses the file (other validators may still do).
    at_limit = rewrite_archive(data, _root_attribute(attribute, limit))
    try:
        rio.loads(at_limit, trusted=[TREE, PREDICTOR])
    except SkopsFormatError as error:
        assert error.kind != "validate-width", str(error)


def test_a_multi_output_width_array_is_checked_item_by_item():
    """A multi-output tree estimator keeps `n_classes_` as an integer array."""
    y2 = np.column_stack([Y, 1 - Y])
    data = sio.dumps(DecisionTreeClassifier(random_state=0).fit(X, y2))

    def widen(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        import io

        member = schema["content"]["content"]["n_classes_"]["file"]
        array = np.load(io.BytesIO(members[member]))
        array[1] = MAX_N_CLASSES + 1
        out = io.BytesIO()
        np.save(out, array)
        members[member] = out.getvalue()

    _refused(rewrite_archive(data, widen), "n_classes_")


def _tree_arguments(index: int, value: int) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    def change(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        arguments = schema["content"]["content"]["tree_"]["__reduce__"]["args"]["content"]
        arguments[index] = json_node(value)
        if index == 0:
            schema["content"]["content"]["n_features_in_"] = json_node(value)

    return change


def test_a_tree_wider_than_the_feature_limit_is_refused():
    """`n_features` sizes `feature_importances_` (and the tree agrees with its estimator)."""
    data = sio.dumps(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, Y))
    _refused(rewrite_archive(data, _tree_arguments(0, MAX_N_FEATURES + 1)), "n_features")
    within = rewrite_archive(data, _tree_arguments(0, MAX_N_FEATURES))
    assert rio.get_untrusted_types(data=within) == []


def test_a_tree_with_more_classes_than_the_limit_is_refused_before_its_values_are_read():
    """The class count is refused before `values` (which would have to be as wide) is read:
    the file need not hold the array it claims."""
    data = sio.dumps(DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, Y))

    def many_classes(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        import io

        tree = schema["content"]["content"]["tree_"]
        member = tree["__reduce__"]["args"]["content"][1]["file"]
        out = io.BytesIO()
        np.save(out, np.array([MAX_N_CLASSES + 1], dtype=np.intp))
        members[member] = out.getvalue()

    _refused(rewrite_archive(data, many_classes), "n_classes")


def test_skops_loads_a_forest_whose_predict_proba_asks_for_gigabytes(tmp_path):
    """skops 0.16 loads a forest with `n_classes_ = 10**10` and `predict_proba` allocates
    `(n_samples, n_classes_)` doubles: 80 GB for one sample (here stopped by an address-space
    limit of 4 GiB as `MemoryError`); skops_rs refuses the file."""
    data = sio.dumps(RandomForestClassifier(n_estimators=2, random_state=0).fit(X, Y))
    path = tmp_path / "wide_forest.skops"
    path.write_bytes(rewrite_archive(data, _root_attribute("n_classes_", 10**10)))
    code = textwrap.dedent(
        f"""
        import resource, numpy as np, skops.io as sio
        model = sio.load({str(path)!r}, trusted={[TREE]!r})
        print("loaded", flush=True)
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        try:
            model.predict_proba(np.zeros((1, 3)))
        except MemoryError as error:
            print("MemoryError", error, flush=True)
        """
    )
    result = run_python(code)
    assert result.stdout.startswith("loaded"), result.stderr
    assert "MemoryError" in result.stdout, (result.stdout, result.stderr)
    _refused(path.read_bytes(), "n_classes_")
