"""The validators of `sklearn.tree._tree.Tree` and of HistGradientBoosting's `TreePredictor`: a
real skops-written file, rewritten to break one invariant at a time, is refused with that
invariant's error kind; skops 0.16 with the type trusted loads such a file and sklearn's predict
then crashes (shown in a subprocess)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.tree import DecisionTreeClassifier
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException

# A fresh `__id__` for each edited JsonNode: skops (and skops_rs) keep the first node of an id,
# and small ints share one (`max_depth` and `n_features` are often the same object).
_NEXT_ID = iter(range(10**15, 10**16))


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
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    state = _tree_node(schema)["content"]["content"]
    for key, change in (("nodes", nodes_change), ("values", values_change)):
        if change is not None:
            member = state[key]["file"]
            array = np.load(io.BytesIO(members[member]), allow_pickle=False)
            out = io.BytesIO()
            np.save(out, change(array.copy()), allow_pickle=False)
            members[member] = out.getvalue()
    if schema_change is not None:
        schema_change(schema)
    members["schema.json"] = json.dumps(schema).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _set_json_int(node: dict[str, Any], value: int) -> None:
    node["content"] = json.dumps(value)
    node["__id__"] = next(_NEXT_ID)


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


def test_sound_trees_pass_validation_but_still_need_trust(tree_file):
    """A sound tree (also with big-endian nodes) loads once trusted; it is not trusted by
    default: the validator bounds `feature` by the tree's own `n_features` only."""
    x = np.random.default_rng(1).normal(size=(20, 3))
    expected = sio.loads(tree_file, trusted=["sklearn.tree._tree.Tree"]).predict(x)
    for data in (_rewrite(tree_file), _rewrite(tree_file, nodes_change=_big_endian)):
        assert rio.get_untrusted_types(data=data) == ["sklearn.tree._tree.Tree"]
        loaded = rio.loads(data, trusted=["sklearn.tree._tree.Tree"])
        np.testing.assert_array_equal(loaded.predict(x), expected)


def test_a_tree_whose_own_n_features_covers_a_far_feature_is_not_trusted(tree_file):
    """The gap that keeps trees out of the default trust: `n_features = 10**13` and
    `feature = 10**12` satisfy the tree's own invariants (predict would read far out of
    bounds), so such a file must still be reported untrusted and refused without a list."""

    def far_feature(nodes: np.ndarray) -> np.ndarray:
        nodes["feature"][0] = 10**12
        return nodes

    data = _rewrite(tree_file, schema_change=_n_features(10**13), nodes_change=far_feature)
    assert rio.get_untrusted_types(data=data) == ["sklearn.tree._tree.Tree"]
    with pytest.raises(UntrustedTypesFoundException):
        rio.loads(data)


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
    result = subprocess.run(
        [sys.executable, "-c", _PREDICT_WITH_SKOPS, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # skops 0.16 loads it; sklearn's predict then reads far outside `nodes` and the process
    # dies from a signal.
    assert result.stdout.startswith("loaded"), result.stderr
    assert result.returncode < 0, (result.returncode, result.stdout, result.stderr)
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
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    predictor = schema["content"]["content"]["_predictors"]["content"][0]["content"][0]
    assert predictor["__class__"] == "TreePredictor"
    member = predictor["content"]["content"][key]["file"]
    array = np.load(io.BytesIO(members[member]), allow_pickle=False)
    out = io.BytesIO()
    np.save(out, change(array.copy()), allow_pickle=False)
    members[member] = out.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


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
def test_real_hist_gradient_boosting_passes_and_needs_the_predictor_trusted(estimator, tmp_path):
    """The predictor is validated but not trusted by default: it cannot bound `feature_idx` by
    the width of `X` (a file whose `feature_idx` is far out of range passes the validator and
    sklearn's predict then reads out of bounds), so `load(file)` still asks for it."""
    x, y = _hgb_data()
    model = estimator(max_iter=5, random_state=0).fit(x, y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    assert rio.get_untrusted_types(file=path) == sio.get_untrusted_types(file=path) == [PREDICTOR]
    with pytest.raises(UntrustedTypesFoundException):
        rio.load(path)
    np.testing.assert_array_equal(rio.load(path, trusted=[PREDICTOR]).predict(x), model.predict(x))
    far_feature = _rewrite_predictor(path.read_bytes(), "nodes", _set("feature_idx", 10**12))
    assert rio.get_untrusted_types(data=far_feature) == [PREDICTOR]


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
    result = subprocess.run(
        [sys.executable, "-c", _PREDICT_HGB_WITH_SKOPS, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # skops 0.16 loads it; sklearn's predict then reads far outside `nodes` and the process
    # dies from a signal.
    assert result.stdout.startswith("loaded"), result.stderr
    assert result.returncode < 0, (result.returncode, result.stdout, result.stderr)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=[PREDICTOR, *CATEGORICAL_EXTRAS])
    assert info.value.kind == "validate-predictor-child-out-of-range"
