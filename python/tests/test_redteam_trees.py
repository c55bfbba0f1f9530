"""Red-team cases against the tree validators: files that skops_rs used to trust with no
`trusted` list and that crash sklearn at predict time. Each is now refused or reported
untrusted; where skops 0.16 (with the type trusted) loads it, a subprocess shows the crash."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import rewrite_archive
from sklearn.cluster import BisectingKMeans
from sklearn.ensemble import GradientBoostingRegressor
from sklearn.tree import DecisionTreeRegressor
from skops_rs.exceptions import SkopsFormatError

Members = dict[str, bytes]


def _set_attribute(state: dict[str, Any], key: str, node: dict[str, Any]) -> None:
    """Adds `key` to the DictNode `state` with a `str` key type, as skops writes it."""
    state["content"][key] = node
    state["key_types"]["content"].append(
        {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
    )


def _run_under_skops(
    path: Path, trusted: list[str], width: int, rows: int
) -> subprocess.CompletedProcess[str]:
    """A subprocess that loads `path` with skops 0.16 and predicts."""
    code = textwrap.dedent(
        f"""
        import numpy as np, skops.io as sio
        model = sio.load({str(path)!r}, trusted={trusted!r})
        print(model.predict(np.zeros(({rows}, {width}))).sum())
        """
    )
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(60, 3))
    return x, x[:, 0] + x[:, 1]


def _reorder_feature_and_samples(schema: dict[str, Any], members: Members) -> None:
    """Swaps the positions of the `feature` and `n_node_samples` fields of the tree's `nodes`
    (names kept), and puts a far feature in `n_node_samples` of every split."""
    state = schema["content"]["content"]["tree_"]["content"]["content"]
    member = state["nodes"]["file"]
    nodes = np.load(io.BytesIO(members[member]), allow_pickle=False)
    names = list(nodes.dtype.names)
    fields = [(name, nodes.dtype.fields[name][0]) for name in names]
    first, second = names.index("feature"), names.index("n_node_samples")
    fields[first], fields[second] = fields[second], fields[first]
    reordered = np.zeros(nodes.shape, dtype=np.dtype(fields))
    for name in names:
        reordered[name] = nodes[name]
    reordered["n_node_samples"][reordered["left_child"] != -1] = 10**12
    out = io.BytesIO()
    np.save(out, reordered, allow_pickle=False)
    members[member] = out.getvalue()


def test_tree_nodes_with_reordered_fields_are_refused(tmp_path):
    # sklearn's `Tree.__setstate__` compares the field names as a dict and then casts with
    # `astype`, field by position: it reads `n_node_samples` as `feature`.
    x, y = _data()
    data = sio.dumps(DecisionTreeRegressor(max_depth=3, random_state=0).fit(x, y))
    path = tmp_path / "reordered.skops"
    path.write_bytes(rewrite_archive(data, _reorder_feature_and_samples))
    with pytest.raises(SkopsFormatError) as caught:
        rio.get_untrusted_types(file=path)
    assert caught.value.kind == "validate-tree-state"
    with pytest.raises(SkopsFormatError):
        rio.load(path, trusted=["sklearn.tree._tree.Tree"])
    assert _run_under_skops(path, ["sklearn.tree._tree.Tree"], 3, 5).returncode < 0


def _widen_stage(columns: int) -> Callable[[dict[str, Any], Members], None]:
    """Makes the first stage of a gradient boosting's `estimators_` `columns` trees wide
    (the same tree estimator each time) and drops the other stages."""

    def change(schema: dict[str, Any], _: Members) -> None:
        estimators = schema["content"]["content"]["estimators_"]
        row = estimators["content"][0]
        row["content"] = [row["content"][0]] * columns
        estimators["content"] = [row]

    return change


def test_boosting_stages_wider_than_their_output_are_not_trusted(tmp_path):
    # `predict_stages` adds tree `estimators_[i, k]` to `out[:, k]` for every column `k`,
    # unchecked; `out` has the width of the init estimator's prediction (one column here).
    x, y = _data()
    data = sio.dumps(GradientBoostingRegressor(n_estimators=2, max_depth=2).fit(x, y))
    path = tmp_path / "wide_stage.skops"
    path.write_bytes(rewrite_archive(data, _widen_stage(2000)))
    assert rio.get_untrusted_types(file=path) == ["sklearn.tree._tree.Tree"]
    assert _run_under_skops(path, ["sklearn.tree._tree.Tree"], 3, 20000).returncode < 0
    # The real file, and one narrowed to a single stage, stay trusted.
    assert rio.get_untrusted_types(data=data) == []
    narrowed = tmp_path / "one_stage.skops"
    narrowed.write_bytes(rewrite_archive(data, _widen_stage(1)))
    assert rio.get_untrusted_types(file=narrowed) == []
    model = rio.load(narrowed)
    assert model.predict(x).shape == (60,)


def _drop_width_from_python(far: int) -> Callable[[dict[str, Any], Members], None]:
    """Makes the tree split on feature `far` with `n_features_in_` (and the tree's
    `n_features`) `far + 1`, and moves `n_features_in_` last with one `key_types` item short:
    skops zips the entries with `key_types`, so Python's estimator has no `n_features_in_`."""

    def change(schema: dict[str, Any], members: Members) -> None:
        state = schema["content"]
        width = dict(state["content"].pop("n_features_in_"), content=str(far + 1))
        width["__id__"] = 10**15 + 3
        state["content"]["n_features_in_"] = width
        state["key_types"]["content"].pop()
        tree = state["content"]["tree_"]
        arguments = tree["__reduce__"]["args"]["content"]
        arguments[0] = dict(arguments[0], content=str(far + 1), __id__=10**15 + 4)
        member = tree["content"]["content"]["nodes"]["file"]
        nodes = np.load(io.BytesIO(members[member]), allow_pickle=False)
        nodes["feature"][nodes["left_child"] != -1] = far
        out = io.BytesIO()
        np.save(out, nodes, allow_pickle=False)
        members[member] = out.getvalue()

    return change


def test_an_n_features_in_that_skops_drops_does_not_bound_the_tree(tmp_path):
    # The validators read the schema's entries; skops builds the dict from
    # `zip(key_types, entries)`, so an entry past the end of `key_types` is never set.
    x, y = _data()
    data = sio.dumps(DecisionTreeRegressor(max_depth=3, random_state=0).fit(x, y))
    # Within the width limit (`validate-width`): left to the caller's list.
    within = rewrite_archive(data, _drop_width_from_python(10**7))
    assert rio.get_untrusted_types(data=within) == ["sklearn.tree._tree.Tree"]
    model = rio.loads(within, trusted=["sklearn.tree._tree.Tree"])
    assert not hasattr(model, "n_features_in_")
    # Far enough to crash skops 0.16 reliably: beyond the width limit, refused outright.
    path = tmp_path / "dropped_width.skops"
    path.write_bytes(rewrite_archive(data, _drop_width_from_python(10**9)))
    assert _run_under_skops(path, ["sklearn.tree._tree.Tree"], 3, 5).returncode < 0
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=["sklearn.tree._tree.Tree"])
    assert info.value.kind == "validate-width"


BISECTING_TREE = "sklearn.cluster._bisect_k_means._BisectingTree"
KMEANS_SINGLE = "sklearn.cluster._kmeans._kmeans_single_lloyd"


def test_bisecting_kmeans_with_a_negative_thread_count_is_refused(tmp_path):
    # `predict` passes `_n_threads` to the k-means `prange` (`num_threads`): libgomp sizes
    # its pool by it, unsigned, and aborts the process on a negative count. The cluster tree
    # is then not trusted, and the k-means validator refuses the estimator outright (skops
    # trusts BisectingKMeans, and `score` reaches the same loops without the cluster tree).
    x, _ = _data()
    data = sio.dumps(BisectingKMeans(n_clusters=3, random_state=0).fit(x))
    assert rio.get_untrusted_types(data=data) == []

    def negative_threads(schema: dict[str, Any], _: Members) -> None:
        threads = schema["content"]["content"]["_n_threads"]
        threads.update(content="-1", __id__=10**15 + 9)

    path = tmp_path / "negative_threads.skops"
    path.write_bytes(rewrite_archive(data, negative_threads))
    with pytest.raises(SkopsFormatError) as info:
        rio.get_untrusted_types(file=path)
    assert info.value.kind == "validate-kmeans-state"
    # libgomp exits the interpreter itself (status 1, no Python traceback).
    result = _run_under_skops(path, [BISECTING_TREE, KMEANS_SINGLE], 3, 50000)
    assert result.returncode != 0
    assert "libgomp" in result.stderr
    assert "Traceback" not in result.stderr


def _shadow_the_width_check(far: int) -> Callable[[dict[str, Any], Members], None]:
    """Makes the tree split on feature `far` with `n_features_in_` `far + 1`, and adds a state
    entry `_validate_X_predict = numpy.fmax` (a ufunc skops trusts): the instance attribute
    replaces the method, so `predict` hands `X` to the tree unchecked."""

    def change(schema: dict[str, Any], members: Members) -> None:
        state = schema["content"]
        content = state["content"]
        content["n_features_in_"] = dict(
            content["n_features_in_"], content=str(far + 1), __id__=10**15 + 3
        )
        tree = content["tree_"]
        arguments = tree["__reduce__"]["args"]["content"]
        arguments[0] = dict(arguments[0], content=str(far + 1), __id__=10**15 + 4)
        member = tree["content"]["content"]["nodes"]["file"]
        nodes = np.load(io.BytesIO(members[member]), allow_pickle=False)
        nodes["feature"][nodes["left_child"] != -1] = far
        out = io.BytesIO()
        np.save(out, nodes, allow_pickle=False)
        members[member] = out.getvalue()
        _set_attribute(
            state,
            "_validate_X_predict",
            {
                "__class__": "fmax",
                "__module__": "numpy",
                "__loader__": "FunctionNode",
                "__id__": 10**15 + 5,
            },
        )

    return change


def test_a_callable_that_shadows_the_width_check_is_not_trusted(tmp_path):
    x, y = _data()
    data = sio.dumps(DecisionTreeRegressor(max_depth=3, random_state=0).fit(x, y))
    within = rewrite_archive(data, _shadow_the_width_check(10**7))
    assert rio.get_untrusted_types(data=within) == ["sklearn.tree._tree.Tree"]
    path = tmp_path / "shadowed_check.skops"
    path.write_bytes(rewrite_archive(data, _shadow_the_width_check(10**9)))
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=["sklearn.tree._tree.Tree"])
    assert info.value.kind == "validate-width"
    code = textwrap.dedent(
        f"""
        import numpy as np, skops.io as sio
        model = sio.load({str(path)!r}, trusted=["sklearn.tree._tree.Tree"])
        print(model.predict(np.zeros((5, 3), dtype=np.float32)))
        """
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=300)
    assert result.returncode < 0


def _shadow_the_link(schema: dict[str, Any], _: Members) -> None:
    """Gives the loss's `IdentityLink` the state `{"link": numpy.mean}`: the instance attribute
    replaces `IdentityLink.link`, so the init prediction collapses to one row."""
    link = schema["content"]["content"]["_loss"]["content"]["content"]["link"]
    str_type = {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
    link["content"] = {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "DictNode",
        "content": {
            "link": {
                "__class__": "mean",
                "__module__": "numpy",
                "__loader__": "FunctionNode",
                "__id__": 10**15 + 1,
            }
        },
        "key_types": {
            "__class__": "list",
            "__module__": "builtins",
            "__loader__": "ListNode",
            "content": [dict(str_type, __id__=10**15 + 2)],
            "__id__": 10**15 + 3,
        },
        "__id__": 10**15 + 4,
    }


def test_boosting_whose_link_is_shadowed_is_not_trusted(tmp_path):
    # `_init_raw_predictions` returns `loss.link.link(predictions).reshape(-1, 1)`: with
    # `link` shadowed by `numpy.mean` that is one row, and `predict_stages` writes one per
    # sample of `X` into it.
    x, y = _data()
    data = sio.dumps(GradientBoostingRegressor(n_estimators=1, max_depth=2).fit(x, y))
    path = tmp_path / "shadowed_link.skops"
    path.write_bytes(rewrite_archive(data, _shadow_the_link))
    assert rio.get_untrusted_types(file=path) == ["sklearn.tree._tree.Tree"]
    # skops 0.16 asks for `numpy.mean` too (skops_rs trusts it as a reviewed function).
    result = _run_under_skops(path, ["sklearn.tree._tree.Tree", "numpy.mean"], 3, 200000)
    assert result.returncode < 0
