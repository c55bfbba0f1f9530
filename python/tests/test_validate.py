"""The validators of `sklearn.tree._tree.Tree`, of HistGradientBoosting's `TreePredictor` and of
the reviewed helpers: real files load with no `trusted` list and predict as the originals;
skops 0.16 with the type trusted loads a crafted file and sklearn's predict then crashes (shown
in a subprocess), while we refuse it. Each broken invariant is a case of the `tree`,
`hist_predictor` and `neighbors` tables (`test_validate_tables.py`)."""

from __future__ import annotations

import importlib
import inspect
import io
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
    json_node,
    rewrite_archive,
    run_python,
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


def _big_endian(nodes: np.ndarray) -> np.ndarray:
    return nodes.astype(nodes.dtype.newbyteorder(">"))


def test_sound_trees_are_trusted_by_default(tree_file):
    """A sound tree (also with big-endian nodes) held by its decision tree, whose
    `n_features_in_` equals the tree's `n_features`, loads with no `trusted` list."""
    x = np.random.default_rng(1).normal(size=(20, 3))
    expected = sio.loads(tree_file, trusted=["sklearn.tree._tree.Tree"]).predict(x)
    for data in (_rewrite(tree_file), _rewrite(tree_file, nodes_change=_big_endian)):
        assert rio.get_untrusted_types(data=data) == []
        np.testing.assert_array_equal(rio.loads(data).predict(x), expected)


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
    against. (A far `feature_idx`, or a model marked `_in_fit`, stays untrusted: the `tree`
    table.)"""
    x, y = _hgb_data()
    model = estimator(max_iter=5, random_state=0).fit(x, y)
    path = tmp_path / "model.skops"
    sio.dump(model, path)
    assert sio.get_untrusted_types(file=path) == [PREDICTOR]
    assert rio.get_untrusted_types(file=path) == []
    np.testing.assert_array_equal(rio.load(path).predict(x), model.predict(x))


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
    trusted (with another state form they are not: the `tree` table)."""
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


def test_bisecting_kmeans_loads_with_no_trusted_list(bisecting_file):
    x, _ = _tree_data()
    assert BISECTING_TREE in sio.get_untrusted_types(data=bisecting_file)
    assert rio.get_untrusted_types(data=bisecting_file) == []
    expected = sio.loads(bisecting_file, trusted=sio.get_untrusted_types(data=bisecting_file))
    expected = expected.predict(x)
    np.testing.assert_array_equal(rio.loads(bisecting_file).predict(x), expected)
