"""The validators of `sklearn.tree._tree.Tree` and of HistGradientBoosting's `TreePredictor`: a
real skops-written file, rewritten to break one invariant at a time, is refused with that
invariant's error kind; skops 0.16 with the type trusted loads such a file and sklearn's predict
then crashes (shown in a subprocess)."""

from __future__ import annotations

import importlib
import inspect
import io
import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
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
from sklearn.cluster import BisectingKMeans
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomTreesEmbedding,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture(scope="module")
def tree_file() -> bytes:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    y = (x[:, 0] > 0).astype(int) + (x[:, 1] > 0.5)
    return sio.dumps(DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y))


def _tree_node(schema: dict[str, Any]) -> dict[str, Any]:
    return schema["content"]["content"]["tree_"]


def _rewrite(
    data: bytes,
    schema_change: Callable[[dict[str, Any]], None] | None = None,
    nodes_change: Callable[[np.ndarray], np.ndarray] | None = None,
    values_change: Callable[[np.ndarray], np.ndarray] | None = None,
) -> bytes:
    """`data` with the tree's schema node, `nodes` or `values` member changed."""

    def change(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        state = _tree_node(schema)["content"]["content"]
        for key, array_change in (("nodes", nodes_change), ("values", values_change)):
            if array_change is not None:
                edit_array(members, state[key]["file"], array_change)
        if schema_change is not None:
            schema_change(schema)

    return rewrite_archive(data, change)


def _set_json_int(node: dict[str, Any], value: int) -> None:
    node["content"] = json.dumps(value)
    node["__id__"] = fresh_id()


def _first_leaf(nodes: np.ndarray) -> int:
    return int(np.flatnonzero(nodes["left_child"] == -1)[0])


def _first_split_below_root(nodes: np.ndarray) -> int:
    return int(np.flatnonzero(nodes["left_child"][1:] != -1)[0]) + 1


def _with(field: str, index: int, value: int) -> Callable[[np.ndarray], np.ndarray]:
    def change(nodes: np.ndarray) -> np.ndarray:
        nodes[field][index] = value
        return nodes

    return change


def _root_children_equal(nodes: np.ndarray) -> np.ndarray:
    nodes["right_child"][0] = nodes["left_child"][0]
    return nodes


def _self_loop(nodes: np.ndarray) -> np.ndarray:
    split = _first_split_below_root(nodes)
    nodes["left_child"][split] = split
    return nodes


def _half_leaf(nodes: np.ndarray) -> np.ndarray:
    nodes["left_child"][_first_leaf(nodes)] = 1
    return nodes


def _root_is_leaf(nodes: np.ndarray) -> np.ndarray:
    nodes["left_child"][0] = nodes["right_child"][0] = -1
    return nodes


def _float_feature(nodes: np.ndarray) -> np.ndarray:
    dtype = [
        (name, "<f8" if name == "feature" else nodes.dtype[name]) for name in nodes.dtype.names
    ]
    return nodes.astype(dtype)


def _big_endian(nodes: np.ndarray) -> np.ndarray:
    return nodes.astype(nodes.dtype.newbyteorder(">"))


def _n_features(value: int) -> Callable[[dict[str, Any]], None]:
    return lambda schema: _set_json_int(
        _tree_node(schema)["__reduce__"]["args"]["content"][0], value
    )


def _n_outputs(value: int) -> Callable[[dict[str, Any]], None]:
    return lambda schema: _set_json_int(
        _tree_node(schema)["__reduce__"]["args"]["content"][2], value
    )


def _state_int(key: str, delta: int) -> Callable[[dict[str, Any]], None]:
    def change(schema: dict[str, Any]) -> None:
        node = _tree_node(schema)["content"]["content"][key]
        _set_json_int(node, json.loads(node["content"]) + delta)

    return change


CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "child-too-large": (
        "validate-tree-child-out-of-range",
        {"nodes_change": _with("left_child", 0, 10**9)},
    ),
    "child-zero": (
        "validate-tree-child-out-of-range",
        {"nodes_change": _with("right_child", 0, 0)},
    ),
    "child-negative": (
        "validate-tree-child-out-of-range",
        {"nodes_change": _with("left_child", 0, -5)},
    ),
    "half-leaf": ("validate-tree-half-leaf", {"nodes_change": _half_leaf}),
    "shared-child": ("validate-tree-node-reached-twice", {"nodes_change": _root_children_equal}),
    "cycle": ("validate-tree-node-reached-twice", {"nodes_change": _self_loop}),
    "orphans": ("validate-tree-node-unreached", {"nodes_change": _root_is_leaf}),
    "feature-too-large": ("validate-tree-feature", {"nodes_change": _with("feature", 0, 3)}),
    "feature-negative": ("validate-tree-feature", {"nodes_change": _with("feature", 0, -2)}),
    "n-features-smaller": ("validate-tree-feature", {"schema_change": _n_features(0)}),
    "missing-go-to-left": (
        "validate-tree-missing-go-to-left",
        {"nodes_change": _with("missing_go_to_left", 0, 2)},
    ),
    "values-shape": ("validate-tree-value-shape", {"values_change": lambda v: v[:, :, :-1].copy()}),
    "values-rows": ("validate-tree-value-shape", {"values_change": lambda v: v[:-1].copy()}),
    "max-depth": ("validate-tree-max-depth", {"schema_change": _state_int("max_depth", 1)}),
    "node-count": ("validate-tree-node-count", {"schema_change": _state_int("node_count", 1)}),
    "nodes-shorter": ("validate-tree-node-count", {"nodes_change": lambda n: n[:-1].copy()}),
    "n-outputs": ("validate-tree-classes", {"schema_change": _n_outputs(2)}),
    "feature-dtype": ("validate-tree-state", {"nodes_change": _float_feature}),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_invariant_is_refused_with_its_kind(case, tree_file):
    kind, changes = CASES[case]
    data = _rewrite(tree_file, **changes)
    for call in (
        lambda: rio.get_untrusted_types(data=data),
        lambda: rio.loads(data),
        lambda: rio.loads(data, trusted=["sklearn.tree._tree.Tree"]),
    ):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == kind, str(info.value)
        assert "tree_" in str(info.value)


def test_sound_trees_are_trusted_by_default(tree_file):
    """A sound tree (also with big-endian nodes) held by its decision tree, whose
    `n_features_in_` equals the tree's `n_features`, loads with no `trusted` list."""
    x = np.random.default_rng(1).normal(size=(20, 3))
    expected = sio.loads(tree_file, trusted=["sklearn.tree._tree.Tree"]).predict(x)
    for data in (_rewrite(tree_file), _rewrite(tree_file, nodes_change=_big_endian)):
        assert rio.get_untrusted_types(data=data) == []
        np.testing.assert_array_equal(rio.loads(data).predict(x), expected)


def test_a_tree_whose_own_n_features_covers_a_far_feature_is_not_trusted(tree_file):
    """`n_features = 10**7` and `feature = 10**6` satisfy the tree's own invariants (predict
    would read far out of bounds): the estimator's `n_features_in_` (3, what predict checks `X`
    against) does not match, so such a file is reported untrusted and refused without a list.
    Beyond the width limit (`n_features = 10**13`) the tree is refused outright."""

    def far_feature(nodes: np.ndarray) -> np.ndarray:
        nodes["feature"][0] = 10**6
        return nodes

    data = _rewrite(tree_file, schema_change=_n_features(10**7), nodes_change=far_feature)
    assert rio.get_untrusted_types(data=data) == ["sklearn.tree._tree.Tree"]
    with pytest.raises(UntrustedTypesFoundException):
        rio.loads(data)
    wide = _rewrite(tree_file, schema_change=_n_features(10**13), nodes_change=far_feature)
    with pytest.raises(SkopsFormatError) as info:
        rio.get_untrusted_types(data=wide)
    assert info.value.kind == "validate-width"
    assert "n_features" in str(info.value)


_PREDICT_WITH_SKOPS = textwrap.dedent(
    """
    import sys, numpy as np, skops.io as sio
    model = sio.load(sys.argv[1], trusted=["sklearn.tree._tree.Tree"])
    print("loaded", flush=True)
    model.predict(np.zeros((4, 3)))
    print("predicted", flush=True)
    """
)


def test_skops_loads_a_crafted_tree_that_crashes_predict_and_we_refuse_it(tree_file, tmp_path):
    def far_children(nodes: np.ndarray) -> np.ndarray:
        nodes["left_child"][0] = nodes["right_child"][0] = 10**12
        return nodes

    data = _rewrite(tree_file, nodes_change=far_children)
    path = tmp_path / "crafted.skops"
    path.write_bytes(data)
    result = run_python(_PREDICT_WITH_SKOPS, str(path), timeout=120)
    # skops 0.16 loads it; sklearn's predict then reads far outside `nodes` and the process
    # dies from a signal.
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=["sklearn.tree._tree.Tree"])
    assert info.value.kind == "validate-tree-child-out-of-range"


# ----- HistGradientBoosting `TreePredictor` ------------------------------------------------------

PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
# What a model with categorical features stores besides its predictors (skops leaves them
# untrusted): the `functools.partial` of `check_array` it keeps for its preprocessor.
CATEGORICAL_EXTRAS = ["functools.partial", "sklearn.utils.validation.check_array"]


def _hgb_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = np.column_stack([rng.integers(0, 4, 200), rng.normal(size=200)]).astype(float)
    y = ((x[:, 0] % 2 == 0) ^ (x[:, 1] > 0)).astype(int)
    return x, y


@pytest.fixture(scope="module")
def predictor_file() -> bytes:
    """A classifier whose first predictor splits on a categorical feature at its root."""
    x, y = _hgb_data()
    model = HistGradientBoostingClassifier(
        max_iter=2, max_leaf_nodes=4, categorical_features=[0], random_state=0
    ).fit(x, y)
    assert model._predictors[0][0].nodes["is_categorical"][0] == 1
    return sio.dumps(model)


def _rewrite_predictor(data: bytes, key: str, change: Callable[[np.ndarray], np.ndarray]) -> bytes:
    """`data` with the `key` array of the first predictor's state changed."""

    def edit(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        predictor = schema["content"]["content"]["_predictors"]["content"][0]["content"][0]
        assert predictor["__class__"] == "TreePredictor"
        edit_array(members, predictor["content"]["content"][key]["file"], change)

    return rewrite_archive(data, edit)


def _first_numeric_split(nodes: np.ndarray) -> int:
    return int(np.flatnonzero((nodes["is_leaf"] == 0) & (nodes["is_categorical"] == 0))[0])


def _set(field: str, value: int, node: Callable[[np.ndarray], int] = lambda _: 0):
    def change(nodes: np.ndarray) -> np.ndarray:
        nodes[field][node(nodes)] = value
        return nodes

    return change


def _share_a_child(nodes: np.ndarray) -> np.ndarray:
    nodes["right"][0] = nodes["left"][0]
    return nodes


def _orphan(nodes: np.ndarray) -> np.ndarray:
    nodes["is_leaf"][_first_numeric_split(nodes)] = 1
    return nodes


def _no_records(nodes: np.ndarray) -> np.ndarray:
    return nodes[:0]


def _renamed_field(nodes: np.ndarray) -> np.ndarray:
    names = ["is_lead" if name == "is_leaf" else name for name in nodes.dtype.names]
    formats = [nodes.dtype[index] for index in range(len(names))]
    return nodes.view(np.dtype({"names": names, "formats": formats}))


PREDICTOR_CASES: dict[str, tuple[str, str, Callable[[np.ndarray], np.ndarray]]] = {
    "left-far": ("validate-predictor-child-out-of-range", "nodes", _set("left", 10**9)),
    "right-root": (
        "validate-predictor-child-out-of-range",
        "nodes",
        _set("right", 0, _first_numeric_split),
    ),
    "shared-child": ("validate-predictor-node-reached-twice", "nodes", _share_a_child),
    "orphans": ("validate-predictor-node-unreached", "nodes", _orphan),
    "is-leaf-2": ("validate-predictor-flag", "nodes", _set("is_leaf", 2)),
    "missing-go-to-left-2": ("validate-predictor-flag", "nodes", _set("missing_go_to_left", 2)),
    "is-categorical-2": ("validate-predictor-flag", "nodes", _set("is_categorical", 7)),
    "negative-feature": ("validate-predictor-feature", "nodes", _set("feature_idx", -1)),
    "bitset-idx": ("validate-predictor-bitset-index", "nodes", _set("bitset_idx", 1)),
    "empty": ("validate-predictor-state", "nodes", _no_records),
    "renamed-field": ("validate-predictor-state", "nodes", _renamed_field),
    "bitset-words": (
        "validate-predictor-bitsets",
        "raw_left_cat_bitsets",
        lambda bitsets: bitsets.reshape(-1, 4),
    ),
    "bitset-dtype": (
        "validate-predictor-bitsets",
        "binned_left_cat_bitsets",
        lambda bitsets: bitsets.astype(np.uint8),
    ),
}


@pytest.mark.parametrize("case", sorted(PREDICTOR_CASES))
def test_each_broken_predictor_invariant_is_refused_with_its_kind(case, predictor_file):
    kind, key, change = PREDICTOR_CASES[case]
    data = _rewrite_predictor(predictor_file, key, change)
    for call in (
        lambda: rio.get_untrusted_types(data=data),
        lambda: rio.loads(data, trusted=[PREDICTOR, *CATEGORICAL_EXTRAS]),
    ):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == kind, str(info.value)
        assert "_predictors[0][0]" in str(info.value)


def test_the_categorical_predictors_pass_and_stay_untrusted(predictor_file):
    x, _ = _hgb_data()
    expected = sio.loads(predictor_file, trusted=[PREDICTOR, *CATEGORICAL_EXTRAS])
    # Unchanged, and with a numeric split's unused `bitset_idx` changed.
    unused = _set("bitset_idx", 9, _first_numeric_split)
    for data in (predictor_file, _rewrite_predictor(predictor_file, "nodes", unused)):
        assert rio.get_untrusted_types(data=data) == sio.get_untrusted_types(data=predictor_file)
        model = rio.loads(data, trusted=[PREDICTOR, *CATEGORICAL_EXTRAS])
        np.testing.assert_array_equal(model.predict_proba(x), expected.predict_proba(x))


@pytest.mark.parametrize(
    "estimator", [HistGradientBoostingClassifier, HistGradientBoostingRegressor]
)
def test_real_hist_gradient_boosting_is_trusted_by_default(estimator, tmp_path):
    """A numeric-only HistGradientBoosting model loads with no `trusted` list: its predictors
    are sound and every split feature is below the `n_features_in_` predict checks `X`
    against. A far `feature_idx` (which would read out of bounds), or a model marked `_in_fit`
    (predict then skips the check), stays untrusted."""
    x, y = _hgb_data()
    model = estimator(max_iter=5, random_state=0).fit(x, y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    assert sio.get_untrusted_types(file=path) == [PREDICTOR]
    assert rio.get_untrusted_types(file=path) == []
    np.testing.assert_array_equal(rio.load(path).predict(x), model.predict(x))
    far_feature = _rewrite_predictor(path.read_bytes(), "nodes", _set("feature_idx", 10**12))
    assert rio.get_untrusted_types(data=far_feature) == [PREDICTOR]
    just_outside = _rewrite_predictor(path.read_bytes(), "nodes", _set("feature_idx", 2))
    assert rio.get_untrusted_types(data=just_outside) == [PREDICTOR]

    def in_fit(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        set_attribute(schema["content"], "_in_fit", json_node(True))

    assert rio.get_untrusted_types(data=rewrite_archive(path.read_bytes(), in_fit)) == [PREDICTOR]


_PREDICT_HGB_WITH_SKOPS = textwrap.dedent(
    f"""
    import sys, numpy as np, skops.io as sio
    model = sio.load(sys.argv[1], trusted={[PREDICTOR, *CATEGORICAL_EXTRAS]!r})
    print("loaded", flush=True)
    model.predict(np.zeros((4, 2)))
    print("predicted", flush=True)
    """
)


def test_skops_loads_a_crafted_predictor_that_crashes_predict_and_we_refuse_it(
    predictor_file, tmp_path
):
    def far_children(nodes: np.ndarray) -> np.ndarray:
        nodes["left"][0] = nodes["right"][0] = 4_000_000_000
        return nodes

    path = tmp_path / "crafted.skops"
    path.write_bytes(_rewrite_predictor(predictor_file, "nodes", far_children))
    result = run_python(_PREDICT_HGB_WITH_SKOPS, str(path), timeout=120)
    # skops 0.16 loads it; sklearn's predict then reads far outside `nodes` and the process
    # dies from a signal.
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=[PREDICTOR, *CATEGORICAL_EXTRAS])
    assert info.value.kind == "validate-predictor-child-out-of-range"


# ----- where trees are used: the width of `X` that reaches them ----------------------------------

TREE = "sklearn.tree._tree.Tree"


def _tree_estimators(node: Any) -> list[dict[str, Any]]:
    """The ObjectNodes holding a `tree_`, in schema order."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        state = node.get("content")
        if isinstance(state, dict) and isinstance(state.get("content"), dict):
            if "tree_" in state["content"]:
                found.append(node)
        for value in node.values():
            found.extend(_tree_estimators(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_tree_estimators(value))
    return found


def _widen_last_tree(width: int) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    """Makes the last tree and its estimator agree on `width` features and split the root on
    the last one: sound on its own, out of bounds for an `X` checked against another width
    (gradient boosting checks `X` with its first tree only)."""

    def change(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        estimator = _tree_estimators(schema)[-1]
        state = estimator["content"]["content"]
        state["n_features_in_"] = json_node(width)
        tree = state["tree_"]
        tree["__reduce__"]["args"]["content"][0] = json_node(width)
        member = tree["content"]["content"]["nodes"]["file"]
        nodes = np.load(io.BytesIO(members[member]), allow_pickle=False).copy()
        assert nodes["left_child"][0] != -1
        nodes["feature"][0] = width - 1
        out = io.BytesIO()
        np.save(out, nodes, allow_pickle=False)
        members[member] = out.getvalue()

    return change


def _tree_data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    return x, (x[:, 0] + x[:, 1] > 0).astype(int)


_SMALL = {"n_estimators": 3, "random_state": 0}
TREE_MODELS: dict[str, Callable[[], Any]] = {
    "decision_tree": lambda: DecisionTreeClassifier(max_depth=3, random_state=0),
    "random_forest": lambda: RandomForestClassifier(max_depth=3, **_SMALL),
    "extra_trees": lambda: ExtraTreesRegressor(max_depth=3, **_SMALL),
    "random_trees_embedding": lambda: RandomTreesEmbedding(max_depth=3, **_SMALL),
    "isolation_forest": lambda: IsolationForest(**_SMALL),
    "gradient_boosting": lambda: GradientBoostingClassifier(max_depth=2, **_SMALL),
    "bagging": lambda: BaggingClassifier(DecisionTreeClassifier(max_depth=3), **_SMALL),
    "bagging_some_features": lambda: BaggingClassifier(
        DecisionTreeClassifier(max_depth=3), max_features=2, **_SMALL
    ),
    "adaboost": lambda: AdaBoostClassifier(DecisionTreeClassifier(max_depth=2), **_SMALL),
}
# Those that validate `X` once and call their trees with `check_input=False`.
UNCHECKED = {
    "random_forest",
    "extra_trees",
    "random_trees_embedding",
    "isolation_forest",
    "gradient_boosting",
}


def _outputs(model: Any, x: np.ndarray) -> np.ndarray:
    for method in ("predict_proba", "decision_function", "predict", "transform"):
        if hasattr(model, method):
            out = getattr(model, method)(x)
            return out.toarray() if hasattr(out, "toarray") else out
    raise AssertionError(model)


@pytest.fixture(scope="module")
def tree_models() -> dict[str, tuple[Any, bytes]]:
    x, y = _tree_data()
    fitted = {name: make().fit(x, y) for name, make in TREE_MODELS.items()}
    return {name: (model, sio.dumps(model)) for name, model in fitted.items()}


@pytest.mark.parametrize("name", sorted(TREE_MODELS))
def test_tree_models_load_with_no_trusted_list(name, tree_models):
    model, data = tree_models[name]
    assert sio.get_untrusted_types(data=data) == [TREE]
    assert rio.get_untrusted_types(data=data) == []
    x, _ = _tree_data()
    np.testing.assert_array_equal(_outputs(rio.loads(data), x), _outputs(model, x))


@pytest.mark.parametrize("name", sorted(TREE_MODELS))
def test_a_tree_wider_than_the_x_checked_for_it_is_not_trusted(name, tree_models):
    """The last tree and its estimator agree on 10**7 features; an ensemble that checks `X`
    itself (and then calls its trees unchecked) still checks 3, so the tree is untrusted
    there. Alone, or under an ensemble whose trees check `X` themselves, the tree estimator
    checks `X` against 10**7, so the tree is trusted. At 10**9 features the tree is beyond
    the width limit and refused whatever holds it."""
    _, data = tree_models[name]
    widened = rewrite_archive(data, _widen_last_tree(10**7))
    expected = [TREE] if name in UNCHECKED else []
    assert rio.get_untrusted_types(data=widened) == expected
    with pytest.raises(SkopsFormatError) as info:
        rio.get_untrusted_types(data=rewrite_archive(data, _widen_last_tree(10**9)))
    assert info.value.kind == "validate-width"


def test_isolation_forest_that_slices_x_is_not_trusted(tree_models):
    """With `_max_features` below the width, IsolationForest hands each tree the columns of
    `estimators_features_` without checking them against the tree."""
    _, data = tree_models["isolation_forest"]

    def fewer_features(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        schema["content"]["content"]["_max_features"] = json_node(2)

    assert rio.get_untrusted_types(data=rewrite_archive(data, fewer_features)) == [TREE]


def test_a_tree_estimator_without_n_features_in_is_not_trusted(tree_file):
    """`validate_data` checks nothing when `n_features_in_` is absent."""

    def forget_width(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        del schema["content"]["content"]["n_features_in_"]

    assert rio.get_untrusted_types(data=rewrite_archive(tree_file, forget_width)) == [TREE]


def test_a_tree_whose_estimator_has_a_bound_method_in_the_file_is_not_trusted():
    """A bound method of the tree estimator can be called with `check_input=False` (here by a
    FunctionTransformer's `kw_args`), which skips the width check."""
    x, y = _tree_data()
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y)
    transformer = FunctionTransformer(tree.apply, kw_args={"check_input": False})
    data = sio.dumps(make_pipeline(transformer).fit(x.astype(np.float32)))
    assert TREE in sio.get_untrusted_types(data=data)
    assert TREE in rio.get_untrusted_types(data=data)


_PREDICT_BOOSTING_WITH_SKOPS = textwrap.dedent(
    """
    import sys, numpy as np, skops.io as sio
    model = sio.load(sys.argv[1], trusted=["sklearn.tree._tree.Tree"])
    print("loaded", flush=True)
    model.predict(np.zeros((4, 3)))
    print("predicted", flush=True)
    """
)


def test_skops_loads_a_widened_boosted_tree_that_crashes_predict_and_we_refuse_it(
    tree_models, tmp_path
):
    """Every tree invariant holds and the last tree agrees with its own estimator, but gradient
    boosting checks `X` against its first tree's 3 features and then reads each `tree_`
    directly: skops 0.16
    (Tree trusted) loads it and predict reads 4 GB past `X`; skops_rs refuses it (a tree
    this wide is beyond the width limit; a narrower one stays untrusted, see above)."""
    _, data = tree_models["gradient_boosting"]
    path = tmp_path / "widened.skops"
    path.write_bytes(rewrite_archive(data, _widen_last_tree(10**9)))
    result = run_python(_PREDICT_BOOSTING_WITH_SKOPS, str(path), timeout=120)
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=[TREE])
    assert info.value.kind == "validate-width"


# ----- reviewed pure-Python helpers --------------------------------------------------------------

_REVIEWED_RS = ROOT / "crates" / "skops-trust" / "src" / "validate" / "reviewed.rs"
# Python's Py_TPFLAGS_HEAPTYPE: set for classes defined by a `class` statement, not for static
# extension types (Cython `cdef class`, C types).
_HEAP_TYPE = 1 << 9


def _reviewed_types() -> list[tuple[str, str]]:
    """The (type, loader) table of `validate/reviewed.rs`."""
    text = _REVIEWED_RS.read_text()
    table = text[text.index("REVIEWED_TYPES") : text.index("];")]
    return re.findall(r'"([\w.]+)",\s*Loader::(\w+)', table)


def _resolve(name: str) -> Any:
    module, _, attribute = name.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


def test_the_reviewed_table_is_read():
    assert len(_reviewed_types()) == 19


@pytest.mark.parametrize("name,loader", _reviewed_types())
def test_each_reviewed_type_is_still_pure_python(name, loader):
    """A release that moves a reviewed class or function to compiled code fails here, instead
    of silently widening what skops_rs trusts."""
    target = _resolve(name)
    if loader == "Function":
        function = getattr(target, "_implementation", target)  # numpy's dispatcher
        assert inspect.isfunction(function), (name, type(target))
        return
    assert isinstance(target, type), name
    for cls in target.__mro__:
        if cls in (object, dict, tuple):
            continue
        assert cls.__flags__ & _HEAP_TYPE, (name, cls)
        assert not cls.__module__.startswith("builtins"), (name, cls)
    setstate = target.__dict__.get("__setstate__")
    assert setstate is None or inspect.isfunction(setstate), name


def test_reviewed_types_are_trusted_only_in_their_plain_form():
    """A search's scorer and splitter, stored by skops (ObjectNodes with dict states), are
    trusted; the same type name with another state form (here a list) is not."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    x, y = _tree_data()
    search = GridSearchCV(LogisticRegression(), {"C": [0.5, 1.0]}).fit(x, y)
    data = sio.dumps(search)
    assert sio.get_untrusted_types(data=data) == [
        "sklearn.metrics._scorer._PassthroughScorer",
        "sklearn.model_selection._split.StratifiedKFold",
    ]
    assert rio.get_untrusted_types(data=data) == []
    np.testing.assert_array_equal(rio.loads(data).predict(x), search.predict(x))

    def list_state(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        scorer = schema["content"]["content"]["scorer_"]
        assert scorer["__class__"] == "_PassthroughScorer"
        scorer["content"] = {
            "__class__": "list",
            "__module__": "builtins",
            "__loader__": "ListNode",
            "content": [],
            "__id__": fresh_id(),
        }

    assert rio.get_untrusted_types(data=rewrite_archive(data, list_state)) == [
        "sklearn.metrics._scorer._PassthroughScorer"
    ]


KMEANS_SINGLE = "sklearn.cluster._kmeans._kmeans_single_lloyd"

_TRANSFORM_WITH_SKOPS = textwrap.dedent(
    f"""
    import sys, numpy as np, skops.io as sio
    model = sio.load(sys.argv[1], trusted=[{KMEANS_SINGLE!r}])
    print("loaded", flush=True)
    model.transform(np.ones((2, 2_000_000)))
    print("transformed", flush=True)
    """
)


def test_a_function_harmless_only_where_sklearn_calls_it_is_trusted_only_there(tmp_path):
    """`_kmeans_single_lloyd` is trusted as BisectingKMeans' `_kmeans_single`; held by a
    FunctionTransformer whose `kw_args` pass narrow `centers_init`, Cython k-means reads far
    past them: skops 0.16 with the function trusted crashes; skops_rs leaves it untrusted."""
    from sklearn.cluster._kmeans import _kmeans_single_lloyd

    x, _ = _tree_data()
    kmeans = sio.dumps(BisectingKMeans(n_clusters=3, random_state=0).fit(x))
    assert KMEANS_SINGLE in sio.get_untrusted_types(data=kmeans)
    assert KMEANS_SINGLE not in rio.get_untrusted_types(data=kmeans)

    kw_args = {"sample_weight": np.ones(2), "centers_init": np.zeros((2, 1)), "max_iter": 1}
    gadget = FunctionTransformer(_kmeans_single_lloyd, kw_args=kw_args)
    path = tmp_path / "gadget.skops"
    sio.dump(gadget, path)
    assert rio.get_untrusted_types(file=path) == [KMEANS_SINGLE]
    with pytest.raises(UntrustedTypesFoundException):
        rio.load(path)
    result = run_python(_TRANSFORM_WITH_SKOPS, str(path), timeout=120)
    assert_dies_after_loading(result)


# ----- BisectingKMeans' cluster tree -------------------------------------------------------------

BISECTING_TREE = "sklearn.cluster._bisect_k_means._BisectingTree"


@pytest.fixture(scope="module")
def bisecting_file() -> bytes:
    x, _ = _tree_data()
    return sio.dumps(BisectingKMeans(n_clusters=4, random_state=0).fit(x))


def _cluster_nodes(node: Any) -> list[dict[str, Any]]:
    """The `_BisectingTree` ObjectNodes, in schema order."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("__class__") == "_BisectingTree":
            found.append(node)
        for value in node.values():
            found.extend(_cluster_nodes(value))
    elif isinstance(node, list):
        for value in node:
            found.extend(_cluster_nodes(value))
    return found


def _narrow_center(schema: dict[str, Any], members: dict[str, bytes]) -> None:
    center = _cluster_nodes(schema)[-1]["content"]["content"]["center"]
    array = np.load(io.BytesIO(members[center["file"]]), allow_pickle=False)
    out = io.BytesIO()
    np.save(out, array[:1].copy(), allow_pickle=False)
    members[center["file"]] = out.getvalue()


def _int_center(schema: dict[str, Any], members: dict[str, bytes]) -> None:
    center = _cluster_nodes(schema)[-1]["content"]["content"]["center"]
    array = np.load(io.BytesIO(members[center["file"]]), allow_pickle=False)
    out = io.BytesIO()
    np.save(out, array.astype(np.int64), allow_pickle=False)
    members[center["file"]] = out.getvalue()


def _string_child(schema: dict[str, Any], _: dict[str, bytes]) -> None:
    _cluster_nodes(schema)[0]["content"]["content"]["left"] = json_node("not a cluster")


def test_bisecting_kmeans_loads_with_no_trusted_list(bisecting_file):
    x, _ = _tree_data()
    assert BISECTING_TREE in sio.get_untrusted_types(data=bisecting_file)
    assert rio.get_untrusted_types(data=bisecting_file) == []
    expected = sio.loads(bisecting_file, trusted=sio.get_untrusted_types(data=bisecting_file))
    expected = expected.predict(x)
    np.testing.assert_array_equal(rio.loads(bisecting_file).predict(x), expected)


@pytest.mark.parametrize("change", [_narrow_center, _int_center, _string_child])
def test_a_broken_cluster_node_is_refused(change, bisecting_file):
    data = rewrite_archive(bisecting_file, change)
    for call in (
        lambda: rio.get_untrusted_types(data=data),
        lambda: rio.loads(data, trusted=[BISECTING_TREE]),
    ):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == "validate-bisecting-tree", str(info.value)
        assert "_bisecting_tree" in str(info.value)


def test_a_cluster_node_elsewhere_stays_untrusted(bisecting_file):
    """Outside a BisectingKMeans nothing bounds a center's width: untrusted, as in skops."""

    def move_tree(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        state = schema["content"]["content"]
        state["elsewhere"] = state["_bisecting_tree"]
        del state["_bisecting_tree"]

    assert rio.get_untrusted_types(data=rewrite_archive(bisecting_file, move_tree)) == [
        BISECTING_TREE
    ]


def test_categorical_splits_must_read_features_the_bin_mapper_marks(predictor_file):
    """Without a `_preprocessor` (a crafted file: sklearn keeps one for categorical data), the
    raw values reach the categorical splits, which stay within the bitsets; predict then looks
    the split's feature up in the table of categorical features (unchecked), so every feature a
    categorical split reads must be marked in `_bin_mapper.is_categorical_`."""

    def no_preprocessor(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        schema["content"]["content"]["_preprocessor"] = json_node(None)

    def unmarked(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        no_preprocessor(schema, members)
        mapper = schema["content"]["content"]["_bin_mapper"]["content"]["content"]
        member = mapper["is_categorical_"]["file"]
        flags = np.load(io.BytesIO(members[member]), allow_pickle=False)
        out = io.BytesIO()
        np.save(out, np.zeros_like(flags), allow_pickle=False)
        members[member] = out.getvalue()

    x, _ = _hgb_data()
    bare = rewrite_archive(predictor_file, no_preprocessor)
    assert rio.get_untrusted_types(data=bare) == []
    assert rio.loads(bare).predict_proba(x).shape == (len(x), 2)
    assert rio.get_untrusted_types(data=rewrite_archive(predictor_file, unmarked)) == [PREDICTOR]
