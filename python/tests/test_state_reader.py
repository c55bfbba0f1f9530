"""The validators read an object's state exactly as skops 0.16 builds it (one reader,
`skops_trust::validate::state`): every key type and state form skops accepts, read from skops'
own code at test time, is either read as Python would read it or refused; every validator
still refuses its invariant when the offending entry hides behind another key type or state
form; and skops 0.16 loads such files and dies where skops_rs refuses them."""

from __future__ import annotations

import copy
import importlib
import json
import textwrap
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
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
)
from sklearn.cluster import BisectingKMeans, KMeans
from sklearn.ensemble import GradientBoostingRegressor, HistGradientBoostingRegressor
from sklearn.neighbors import KNeighborsClassifier
from sklearn.preprocessing import SplineTransformer
from sklearn.svm import SVC
from sklearn.tree import DecisionTreeClassifier
from skops.io._audit import NODE_TYPE_MAPPING
from skops.io._general import FunctionNode, TypeNode
from skops.io._utils import LoadContext
from skops_rs._skops_rs import state_reader_rules
from skops_rs.exceptions import SkopsFormatError

KEY_TYPE_RULES, FORM_RULES = state_reader_rules()
KEY_TYPES: dict[str, bool] = dict(KEY_TYPE_RULES)
FORMS: dict[str, str] = dict(FORM_RULES)

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(60, 3))
Y = (X[:, 0] + X[:, 1] > 0).astype(int)

# Keys whose conversion the tests check: attribute names skops writes, and odd ones.
SAMPLE_KEYS = ["_n_threads", "n_features_in_", "tree_", "", "1", "nan", "True", "2020-01-01"]


def _skops_default_key_types() -> list[str]:
    """The key types skops 0.16 trusts by default: what its `TypeNode` trusts."""
    state = {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
    return list(TypeNode(state, LoadContext(None, 2), trusted=None).trusted)


def _skops_default_key_functions() -> list[str]:
    """The functions skops 0.16 trusts by default, which a `key_types` list may hold too."""
    state = {"__class__": "add", "__module__": "numpy", "__loader__": "FunctionNode", "content": {}}
    return list(FunctionNode(state, LoadContext(None, 2), trusted=None).trusted)


def _key_names_attribute(type_name: str, key: str) -> bool:
    """Whether `key_type(key)` gives the attribute name `key` in Python (an exception or any
    other value sets no attribute of that name)."""
    module, name = type_name.rsplit(".", 1)
    key_type = getattr(importlib.import_module(module), name)
    try:
        value = key_type(key)
    except Exception:  # the load fails: nothing is set
        return False
    return isinstance(value, str) and value == key


def _type_node(type_name: str) -> dict[str, Any]:
    module, name = type_name.rsplit(".", 1)
    return {"__class__": name, "__module__": module, "__loader__": "TypeNode", "__id__": fresh_id()}


# ----- the rules, against skops' code and Python ------------------------------------------------


def test_every_key_type_skops_trusts_is_known_and_converts_as_in_python():
    default = _skops_default_key_types()
    assert default, "skops' TypeNode trusts no type: the enumeration broke"
    unknown = sorted(set(default) - set(KEY_TYPES))
    assert not unknown, f"key types skops 0.16 accepts that the reader does not know: {unknown}"
    for type_name in default:
        for key in SAMPLE_KEYS:
            assert KEY_TYPES[type_name] == _key_names_attribute(type_name, key), (type_name, key)


def test_every_state_loader_skops_has_has_a_form():
    loaders = {loader for loader, _ in NODE_TYPE_MAPPING} - {"CachedNode"}
    assert loaders, "skops' NODE_TYPE_MAPPING is empty: the enumeration broke"
    unknown = sorted(loaders - set(FORMS))
    assert not unknown, f"state forms skops 0.16 accepts that the reader does not know: {unknown}"
    assert set(FORMS.values()) <= {"mapping", "none-or-mapping", "unreadable"}


# ----- crafting ---------------------------------------------------------------------------------


def _dumps(model: Any) -> bytes:
    return sio.dumps(model)


def _entry_index(state: dict[str, Any], key: str) -> int:
    return list(state["content"]).index(key)


def _retype(state: dict[str, Any], key: str, type_name: str) -> None:
    """Gives the entry `key` of DictNode `state` the key type `type_name` (a fresh node: the
    TypeNodes skops writes share one `__id__`, and a later one with that id is the first)."""
    items = state["key_types"]["content"]
    items[_entry_index(state, key)] = _type_node(type_name)


def _to_defaultdict(owner: dict[str, Any]) -> None:
    owner["content"] = {
        "__class__": "defaultdict",
        "__module__": "collections",
        "__loader__": "DefaultDictNode",
        "content": {"main": owner["content"], "default_factory": json_node(None)},
        "__id__": fresh_id(),
    }


def _to_json(owner: dict[str, Any]) -> None:
    """The owner's state as one JsonNode holding its JSON-valued entries (others dropped)."""
    state = owner["content"]
    values = {
        key: json.loads(value["content"])
        for key, value in state["content"].items()
        if value.get("__loader__") == "JsonNode"
    }
    owner["content"] = json_node(values)


def _to_pairs(owner: dict[str, Any]) -> None:
    """A list of `[key, value]` pairs, which `__dict__.update` accepts: unreadable."""
    state = owner["content"]
    pairs = [
        [key, json.loads(value["content"])]
        for key, value in state["content"].items()
        if value.get("__loader__") == "JsonNode"
    ]
    owner["content"] = {
        "__class__": "list",
        "__module__": "builtins",
        "__loader__": "ListNode",
        "content": [json_node(pair) for pair in pairs],
        "__id__": fresh_id(),
    }


def _to_counter(owner: dict[str, Any]) -> None:
    """A dict of another class (skops builds it with that class): unreadable."""
    owner["content"]["__class__"] = "Counter"
    owner["content"]["__module__"] = "collections"


def _function_key_type(owner: dict[str, Any]) -> None:
    """A key type that is a (default-trusted) function, not a type: unreadable."""
    state = owner["content"]
    first = next(iter(state["content"]))
    state["key_types"]["content"][_entry_index(state, first)] = {
        "__class__": "negative",
        "__module__": "numpy",
        "__loader__": "FunctionNode",
        "content": {"module_path": "numpy", "function": "negative"},
        "__id__": fresh_id(),
    }


@dataclass(frozen=True)
class Case:
    """A real model broken at one attribute of one object (`owner`), refused with `kind`."""

    build: Callable[[], Any]
    owner: Callable[[dict[str, Any]], dict[str, Any]]
    key: str
    breaks: Callable[[dict[str, Any], dict[str, Any], dict[str, bytes]], None]
    kind: str
    # Whether the invariant can be broken in a JSON-form state (it needs no array).
    json_form: bool
    trusted: tuple[str, ...] = ()


def _set_json(key: str, value: Any) -> Callable[[dict[str, Any], dict[str, Any], dict], None]:
    def change(owner: dict[str, Any], _: dict[str, Any], __: dict[str, bytes]) -> None:
        owner["content"]["content"][key] = json_node(value)

    return change


def _edit_array(key: str, change: Callable[[np.ndarray], np.ndarray]) -> Callable[..., None]:
    def edit(owner: dict[str, Any], _: dict[str, Any], members: dict[str, bytes]) -> None:
        edit_array(members, owner["content"]["content"][key]["file"], change)

    return edit


def _set_item(index: int, value: Any) -> Callable[[np.ndarray], np.ndarray]:
    def change(array: np.ndarray) -> np.ndarray:
        array.flat[index] = value
        return array

    return change


def _root(schema: dict[str, Any]) -> dict[str, Any]:
    return schema


def _first_stage(schema: dict[str, Any]) -> dict[str, Any]:
    return schema["content"]["content"]["estimators_"]["content"][0]["content"][0]


def _first_predictor(schema: dict[str, Any]) -> dict[str, Any]:
    return schema["content"]["content"]["_predictors"]["content"][0]["content"][0]


def _first_spline(schema: dict[str, Any]) -> dict[str, Any]:
    return schema["content"]["content"]["bsplines_"]["content"][0]


def _tree_of(schema: dict[str, Any]) -> dict[str, Any]:
    return schema["content"]["content"]["tree_"]


def _child_out_of_range(field: str) -> Callable[[np.ndarray], np.ndarray]:
    def change(nodes: np.ndarray) -> np.ndarray:
        nodes[field][0] = 10**6
        return nodes

    return change


CASES: dict[str, Case] = {
    "kmeans-threads": Case(
        lambda: KMeans(n_clusters=3, n_init=1, random_state=0).fit(X),
        _root,
        "_n_threads",
        _set_json("_n_threads", -1),
        "validate-kmeans-state",
        json_form=True,
    ),
    "bisecting-threads": Case(
        lambda: BisectingKMeans(n_clusters=3, random_state=0).fit(X),
        _root,
        "_n_threads",
        _set_json("_n_threads", -1),
        "validate-kmeans-state",
        json_form=True,
    ),
    "boosting-stage": Case(
        lambda: GradientBoostingRegressor(n_estimators=1, max_depth=2, random_state=0).fit(X, Y),
        _first_stage,
        "tree_",
        _set_json("tree_", None),
        "validate-boosting-stage",
        json_form=True,
    ),
    "svm-counts": Case(
        lambda: SVC().fit(X, Y),
        _root,
        "_n_support",
        _edit_array("_n_support", _set_item(0, 10**6)),
        "validate-svm-support-counts",
        json_form=False,
    ),
    "neighbors-labels": Case(
        lambda: KNeighborsClassifier(algorithm="brute").fit(X, Y),
        _root,
        "_y",
        _edit_array("_y", _set_item(0, 10**9)),
        "validate-neighbors-labels",
        json_form=False,
    ),
    "neighbors-width": Case(
        lambda: KNeighborsClassifier(algorithm="brute").fit(X, Y),
        _root,
        "n_features_in_",
        _set_json("n_features_in_", 10**6),
        "validate-neighbors-fit-x",
        json_form=False,
    ),
    "predictor-child": Case(
        lambda: HistGradientBoostingRegressor(max_iter=2, random_state=0).fit(X, Y),
        _first_predictor,
        "nodes",
        _edit_array("nodes", _child_out_of_range("left")),
        "validate-predictor-child-out-of-range",
        json_form=False,
    ),
    "tree-child": Case(
        lambda: DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, Y),
        _tree_of,
        "nodes",
        _edit_array("nodes", _child_out_of_range("left_child")),
        "validate-tree-child-out-of-range",
        json_form=False,
    ),
    "bspline-degree": Case(
        lambda: SplineTransformer().fit(X),
        _first_spline,
        "k",
        _set_json("k", -1),
        "validate-bspline-state",
        json_form=False,
    ),
}

_DATA: dict[str, bytes] = {}


def _data(case: str) -> bytes:
    if case not in _DATA:
        _DATA[case] = _dumps(CASES[case].build())
    return _DATA[case]


VARIANTS: dict[str, tuple[Callable[[dict[str, Any], str], None], bool]] = {
    # name: (apply to the owner after breaking it, whether the case's own kind is expected)
    "str": (lambda owner, key: None, True),
    "numpy.str_": (lambda owner, key: _retype(owner["content"], key, "numpy.str_"), True),
    "numpy.object_": (lambda owner, key: _retype(owner["content"], key, "numpy.object_"), True),
    "defaultdict": (lambda owner, key: _to_defaultdict(owner), True),
    "json": (lambda owner, key: _to_json(owner), True),
    "pairs": (lambda owner, key: _to_pairs(owner), False),
    "counter": (lambda owner, key: _to_counter(owner), False),
    "function-key-type": (lambda owner, key: _function_key_type(owner), False),
}


def _variant_data(case: str, variant: str) -> bytes:
    spec = CASES[case]
    apply, _ = VARIANTS[variant]

    def change(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        owner = spec.owner(schema)
        spec.breaks(owner, schema, members)
        apply(owner, spec.key)

    return rewrite_archive(_data(case), change)


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_invariant_is_refused_through_every_key_type_and_state_form(case, variant):
    spec = CASES[case]
    _, own_kind = VARIANTS[variant]
    if variant == "json" and not spec.json_form:
        pytest.skip("the invariant needs an array, which a JSON-form state cannot hold")
    if variant in {"json", "pairs"} and spec.owner is _tree_of:
        pytest.skip("a Tree's state needs arrays: a JSON or list state fails in Cython")
    data = _variant_data(case, variant)
    trusted = [*spec.trusted, "collections.defaultdict", "collections.Counter"]
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(data, trusted=trusted)
    expected = spec.kind if own_kind else "validate-state-form"
    assert info.value.kind == expected, str(info.value)


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_unbroken_models_load_in_every_readable_form(case):
    """The readable forms of a sound state are read as sound (no false refusal)."""
    spec = CASES[case]
    for variant in ["numpy.str_", "numpy.object_", "defaultdict"]:
        apply, _ = VARIANTS[variant]

        def change(schema: dict[str, Any], _: dict[str, bytes], apply=apply) -> None:
            apply(spec.owner(schema), spec.key)

        data = rewrite_archive(_data(case), change)
        untrusted = rio.get_untrusted_types(data=data)
        rio.loads(data, trusted=untrusted)


# ----- each key type, against skops 0.16 --------------------------------------------------------


@pytest.mark.parametrize("type_name", _skops_default_key_types())
def test_a_bad_entry_under_each_key_type_is_refused_exactly_when_python_sets_it(type_name):
    """`_n_threads = -1` under each default-trusted key type: refused exactly when skops
    would set the attribute; otherwise both loaders leave it unset (or fail to load)."""

    def change(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        schema["content"]["content"]["_n_threads"] = json_node(-1)
        _retype(schema["content"], "_n_threads", type_name)

    data = rewrite_archive(_data("kmeans-threads"), change)
    sets = _key_names_attribute(type_name, "_n_threads")
    try:
        theirs = sio.loads(data, trusted=[type_name])
    except Exception:  # skops cannot build it: the key conversion raised
        theirs = None
    assert (theirs is not None and getattr(theirs, "_n_threads", None) == -1) == sets
    if sets:
        with pytest.raises(SkopsFormatError) as info:
            rio.loads(data, trusted=[type_name])
        assert info.value.kind == "validate-kmeans-state"
        return
    try:
        ours = rio.loads(data, trusted=[type_name])
    except SkopsFormatError:
        raise
    except Exception:  # the same conversion failure as skops'
        assert theirs is None
        return
    assert not hasattr(ours, "_n_threads") or ours._n_threads != -1


def test_a_key_type_that_is_a_function_skops_trusts_is_refused_on_a_read_class():
    functions = _skops_default_key_functions()
    assert "numpy.negative" in functions
    data = _variant_data("kmeans-threads", "function-key-type")
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(data)
    assert info.value.kind == "validate-state-form"
    assert "FunctionNode" in str(info.value)


def test_an_estimator_width_hidden_by_a_key_type_leaves_its_tree_untrusted():
    """`n_features_in_` under a key type that names no attribute: Python does not set it, so
    `validate_data` checks no width and the tree may not be trusted; under `numpy.str_` it is
    set, and the tree is trusted as usual."""
    tree = "sklearn.tree._tree.Tree"
    for type_name, trusted in [("builtins.bool", False), ("numpy.str_", True)]:

        def change(schema: dict[str, Any], _: dict[str, bytes], type_name=type_name) -> None:
            _retype(schema["content"], "n_features_in_", type_name)

        data = rewrite_archive(_data("tree-child"), change)
        assert (tree not in rio.get_untrusted_types(data=data)) == trusted, type_name


def test_a_cached_state_is_the_state_it_names():
    """A CachedNode `content` is the earlier node with that `__id__` (two objects sharing one
    state dict): the second object's bad entry is the first's."""
    model = [KMeans(n_clusters=2, n_init=1, random_state=0).fit(X) for _ in range(2)]

    def change(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        first, second = schema["content"]
        first["content"]["content"]["_n_threads"] = json_node(-1)
        first["content"]["__id__"] = state_id = fresh_id()
        second["content"] = {
            "__class__": "dict",
            "__module__": "builtins",
            "__loader__": "CachedNode",
            "__id__": state_id,
        }

    data = rewrite_archive(sio.dumps(model), change)
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(data)
    assert info.value.kind == "validate-kmeans-state"


# ----- each state form skops 0.16 has, from the fixtures it wrote -------------------------------


def _example_nodes(fixtures_dir: Path) -> dict[str, tuple[Path, dict[str, Any]]]:
    """For each loader, the first node of that loader in the fixtures (with its file)."""
    found: dict[str, tuple[Path, dict[str, Any]]] = {}
    for path in sorted(fixtures_dir.rglob("*.skops")):
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
        pending = [schema]
        while pending:
            node = pending.pop()
            if isinstance(node, dict):
                loader = node.get("__loader__")
                if isinstance(loader, str) and loader not in found:
                    found[loader] = (path, node)
                pending.extend(node.values())
            elif isinstance(node, list):
                pending.extend(node)
    return found


def _transplant(node: dict[str, Any], source: Path, members: dict[str, bytes]) -> dict[str, Any]:
    """A copy of `node` with fresh `__id__`s (sharing kept) and its members copied over."""
    node = copy.deepcopy(node)
    ids: dict[int, int] = {}
    with zipfile.ZipFile(source) as archive:
        pending: list[Any] = [node]
        while pending:
            item = pending.pop()
            if isinstance(item, dict):
                if isinstance(item.get("__id__"), int):
                    item["__id__"] = ids.setdefault(item["__id__"], fresh_id())
                if isinstance(item.get("file"), str):
                    name = f"transplant-{fresh_id()}-{item['file']}"
                    members[name] = archive.read(item["file"])
                    item["file"] = name
                pending.extend(item.values())
            elif isinstance(item, list):
                pending.extend(item)
    return node


def test_every_unreadable_state_form_is_refused_on_a_read_class(fixtures_dir):
    """Each loader the reader cannot read, as the state of a KMeans: refused with
    `validate-state-form`, whatever the node holds (examples from files skops 0.16 wrote)."""
    examples = _example_nodes(fixtures_dir)
    # QuantileForestNode needs `quantile_forest`, which the fixtures do not install: its state
    # has the TreeNode's form under another loader name.
    if "QuantileForestNode" not in examples and "TreeNode" in examples:
        path, tree = examples["TreeNode"]
        examples["QuantileForestNode"] = (path, {**tree, "__loader__": "QuantileForestNode"})
    unreadable = sorted(loader for loader, form in FORMS.items() if form == "unreadable")
    missing = [
        loader
        for loader in unreadable
        if loader not in examples and loader != "_DictWithDeprecatedKeysNode"
    ]
    assert not missing, f"no example of {missing} in the fixtures"
    for loader in unreadable:
        if loader not in examples:
            continue  # registered by skops only with scikit-learn < 1.2
        source, example = examples[loader]

        def change(
            schema: dict[str, Any], members: dict[str, bytes], example=example, source=source
        ) -> None:
            schema["content"] = _transplant(example, source, members)

        data = rewrite_archive(_data("kmeans-threads"), change)
        if loader == "QuantileForestNode":
            # skops (and skops_rs) refuse this loader before anything when the package that
            # would build it is missing.
            with pytest.raises(ImportError, match="quantile_forest"):
                rio.get_untrusted_types(data=data)
            continue
        with pytest.raises(SkopsFormatError) as info:
            rio.get_untrusted_types(data=data)
        assert info.value.kind == "validate-state-form", (loader, str(info.value))
        assert f"a `{loader}` state" in str(info.value), (loader, str(info.value))


# ----- crash demos: skops 0.16 dies, skops_rs refuses -------------------------------------------


def _predict_in_skops(path: Path) -> Any:
    code = textwrap.dedent(
        f"""
        import numpy as np, skops.io as sio
        model = sio.load({str(path)!r})
        print("loaded", flush=True)
        model.predict(np.zeros((50, 3)))
        print("predicted", flush=True)
        """
    )
    return run_python(code)


def test_a_key_type_hides_a_bad_thread_count_from_nobody(tmp_path):
    """Re-typing `_n_threads`' key to `numpy.str_` (a default-trusted key type that keeps the
    attribute name): skops 0.16 loads the file with no trusted list and libgomp aborts the
    process at predict; skops_rs reads the key as skops does and refuses it."""
    data = _variant_data("kmeans-threads", "numpy.str_")
    assert sio.get_untrusted_types(data=data) == []
    path = tmp_path / "retyped_threads.skops"
    path.write_bytes(data)
    result = _predict_in_skops(path)
    assert result.stdout.startswith("loaded"), result.stderr
    assert result.returncode != 0 and "libgomp" in result.stderr, result.stderr
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-kmeans-state"


def test_a_json_form_state_hides_a_missing_tree_from_nobody(tmp_path):
    """A boosting stage whose whole state is one JsonNode with `"tree_": null`: skops 0.16
    loads it with no trusted list and `predict_stages` dereferences the `None` (a segfault);
    skops_rs reads the JSON state and refuses it."""
    data = _variant_data("boosting-stage", "json")
    assert sio.get_untrusted_types(data=data) == []
    path = tmp_path / "json_stage.skops"
    path.write_bytes(data)
    assert_dies_after_loading(_predict_in_skops(path))
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-boosting-stage"


# ----- the Python loader builds what skops builds ------------------------------------------------


def _short_key_types(owner: dict[str, Any], key: str) -> None:
    """`key_types` one shorter than the entries: `zip` drops the last entry."""
    owner["content"]["key_types"]["content"].pop()


BUILD_VARIANTS: dict[str, Callable[[dict[str, Any], str], None]] = {
    "numpy.str_": VARIANTS["numpy.str_"][0],
    "numpy.object_": VARIANTS["numpy.object_"][0],
    "builtins.bool": lambda owner, key: _retype(owner["content"], key, "builtins.bool"),
    "defaultdict": VARIANTS["defaultdict"][0],
    "json": VARIANTS["json"][0],
    "short-key-types": _short_key_types,
}


@pytest.mark.parametrize("variant", sorted(BUILD_VARIANTS))
def test_skops_rs_sets_the_attributes_skops_sets(variant):
    """What the validators read is what gets built: for each readable form, skops_rs' loader
    sets the same attributes (keys of `__dict__`, and values where they are plain) as skops."""
    apply = BUILD_VARIANTS[variant]

    def change(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        apply(schema, "n_init")

    data = rewrite_archive(_data("kmeans-threads"), change)
    trusted = ["collections.defaultdict", "builtins.bool"]
    theirs, ours = sio.loads(data, trusted=trusted), rio.loads(data, trusted=trusted)
    assert sorted(map(repr, vars(ours))) == sorted(map(repr, vars(theirs)))
    for key, value in vars(theirs).items():
        if isinstance(value, (int, float, str)) or value is None:
            assert vars(ours)[key] == value, key
