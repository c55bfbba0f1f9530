"""Red-team cases of the adversarial review (issue 9) against the ensembles: gradient-boosting
stages in forms numpy reads differently from the stage check, widths in forms the width check
did not read, and HistGradientBoosting predictor fields whose values numpy's cast changes.

Each file loaded with no `trusted` list in skops_rs before its fix (and in skops 0.16, with the
types it needs trusted); each is now refused (the `tree` and `widths` tables,
`test_validate_tables.py`). Where skops 0.16 loads it, a subprocess shows what happens there: a
segfault, a hang, a multi-terabyte allocation."""

from __future__ import annotations

import io
import subprocess
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
    fresh_id,
    json_node,
    rewrite_archive,
    run_python,
    set_attribute,
)
from sklearn.ensemble import (
    GradientBoostingRegressor,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from skops_rs.exceptions import SkopsFormatError

Schema = dict[str, Any]
Members = dict[str, bytes]

PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
STR_KEY = {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    return x, x[:, 0] + x[:, 2]


def _node(cls: str, module: str, loader: str, **fields: Any) -> dict[str, Any]:
    return {
        "__class__": cls,
        "__module__": module,
        "__loader__": loader,
        **fields,
        "__id__": fresh_id(),
    }


def _in_subprocess(path: Path, module: str, call: str, trusted: list[str] | None = None):
    """Loads `path` with `module` (`skops.io` or `skops_rs.io`) in a fresh interpreter capped
    at 4 GiB of address space, prints `loaded`, then runs `call` on the model `m`."""
    code = textwrap.dedent(
        f"""
        import resource, sys, warnings
        warnings.simplefilter("ignore")
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        import numpy as np
        import {module} as io
        m = io.load(sys.argv[1], trusted={trusted!r})
        print("loaded", flush=True)
        {call}
        """
    )
    return run_python(code, str(path), timeout=120)


# ----- gradient-boosting stages: what numpy builds from `estimators_` ---------------------------


def _stage_without_tree(row: dict[str, Any]) -> dict[str, Any]:
    """The row's one stage (a `DecisionTreeRegressor`), with its `tree_` set to `None`."""
    stage = row["content"][0]
    stage["content"]["content"]["tree_"] = json_node(None)
    return stage


def _rows_as_tuples(schema: Schema) -> None:
    # `np.array([(stage,), ...], dtype=object)` is the same grid as from lists.
    for row in schema["content"]["content"]["estimators_"]["content"]:
        _stage_without_tree(row)
        row.update(__class__="tuple", __loader__="TupleNode")


@pytest.fixture(scope="module")
def boosting() -> bytes:
    x, y = _data()
    return sio.dumps(GradientBoostingRegressor(n_estimators=3, max_depth=2).fit(x, y))


def test_a_real_gradient_boosting_file_is_trusted_and_predicts(boosting):
    assert rio.get_untrusted_types(data=boosting) == []
    x, _ = _data()
    np.testing.assert_array_equal(
        rio.loads(boosting).predict(x),
        sio.loads(boosting, trusted=["sklearn.tree._tree.Tree"]).predict(x),
    )


def test_tuple_rows_hide_a_missing_tree_from_nobody(boosting, tmp_path):
    """Stages in tuple rows, each `tree_` set to `None`: no tree is left, so skops 0.16 loads
    the file with no trusted list, and `predict_stages` dereferences the `None` (a segfault).
    The stage check read only list rows; skops_rs now refuses every other form."""
    data = rewrite_archive(boosting, lambda schema, _: _rows_as_tuples(schema))
    assert sio.get_untrusted_types(data=data) == []
    path = tmp_path / "tuple_rows.skops"
    path.write_bytes(data)
    assert_dies_after_loading(_in_subprocess(path, "skops.io", "m.predict(np.zeros((5, 3)))"))
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-boosting-estimators"


# ----- widths in every form numpy reads an integer from -----------------------------------------


def _numpy_scalar(members: Members, array: np.ndarray, cls: str = "int64") -> dict[str, Any]:
    """An NdArrayNode of class `numpy.<cls>` over `array` (skops builds `numpy.<cls>(array)`)."""
    name = f"{fresh_id()}.npy"
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    members[name] = out.getvalue()
    return _node(cls, "numpy", "NdArrayNode", type="numpy", file=name)


WIDE = 10**11

WIDTH_FORMS: dict[str, tuple[Callable[[Members], dict[str, Any]], str]] = {
    # `numpy.int64(np.array(1e11))` and `numpy.int64(np.array("100000000000"))` are integers.
    # Refused when the file is opened: a numpy scalar type over an array of another kind.
    "int64 of a float": (lambda m: _numpy_scalar(m, np.array(float(WIDE))), "file-scalar-array"),
    "int64 of a string": (lambda m: _numpy_scalar(m, np.array(str(WIDE))), "file-scalar-array"),
    # A forest iterates `np.atleast_1d(n_classes_)`: each item is a width.
    "json list": (lambda _: json_node([2, WIDE]), "validate-width"),
    "list of numpy scalars": (
        lambda m: _node("list", "builtins", "ListNode", content=[_numpy_scalar(m, np.array(WIDE))]),
        "validate-width",
    ),
}


@pytest.fixture(scope="module")
def forest() -> bytes:
    x, y = _data()
    return sio.dumps(RandomForestClassifier(n_estimators=2, max_depth=2).fit(x, y > 0))


def _wide_forest(forest: bytes, form: str) -> bytes:
    build, _ = WIDTH_FORMS[form]

    def change(schema: Schema, members: Members) -> None:
        set_attribute(schema["content"], "n_classes_", build(members))

    return rewrite_archive(forest, change)


def test_a_width_made_from_a_float_array_allocates_terabytes_in_skops(forest, tmp_path):
    """skops 0.16 loads the forest with no trusted list (it trusts neither `Tree` nor this
    check), and `predict_proba` asks numpy for `(n_samples, 10**11)` floats: stopped here only
    by the child's address-space cap."""
    path = tmp_path / "float_width.skops"
    path.write_bytes(_wide_forest(forest, "int64 of a float"))
    trusted = ["sklearn.tree._tree.Tree"]
    result = _in_subprocess(path, "skops.io", "m.predict_proba(np.zeros((5, 3)))", trusted)
    assert result.stdout.startswith("loaded"), result.stderr
    assert "Unable to allocate 3.64 TiB" in result.stderr, result.stderr
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "file-scalar-array"


def test_real_widths_in_their_numpy_forms_still_load(forest):
    # A single-output forest's `n_classes_` is a Python int; a tree's is a `numpy.int64`.
    model = rio.loads(forest)
    assert model.estimators_[0].n_classes_ == 2
    assert isinstance(model.estimators_[0].n_classes_, np.integer)


# ----- HistGradientBoosting predictor fields that numpy's cast rewrites -------------------------


@pytest.fixture(scope="module")
def hist_boosting() -> bytes:
    x, y = _data()
    return sio.dumps(HistGradientBoostingRegressor(max_iter=1, max_depth=3).fit(x, y))


def _boolean_children(schema: Schema, members: Members) -> None:
    """The first predictor's `nodes` with `left`/`right` as numpy bools: children 1 and 3 of
    node 0, 2 and 4 of node 1 (a sound tree as bytes), which `astype(PREDICTOR_RECORD_DTYPE)`
    in `TreePredictor.__setstate__` casts to 1 (node 1 loops on itself)."""
    predictors = schema["content"]["content"]["_predictors"]
    state = predictors["content"][0]["content"][0]["content"]["content"]
    member = state["nodes"]["file"]
    nodes = np.load(io.BytesIO(members[member]), allow_pickle=False)
    fields = [
        (name, "?" if name in ("left", "right") else nodes.dtype.fields[name][0])
        for name in nodes.dtype.names
    ]
    crafted = np.zeros(5, dtype=fields)
    crafted["is_leaf"] = [0, 0, 1, 1, 1]
    raw = crafted.view(np.uint8).reshape(5, -1)
    left, right = crafted.dtype.fields["left"][1], crafted.dtype.fields["right"][1]
    for node, (child_left, child_right) in enumerate([(1, 3), (2, 4)]):
        raw[node, left], raw[node, right] = child_left, child_right
    out = io.BytesIO()
    np.save(out, crafted, allow_pickle=False)
    members[member] = out.getvalue()


def test_boolean_children_that_numpy_casts_to_a_loop_are_refused(hist_boosting, tmp_path):
    """Bytes 2, 3, 4 in a numpy bool are all `True`: the validator walked a sound tree of
    bytes, sklearn predicts on the cast one and loops forever in `prange` (skops 0.16, with the
    predictor trusted: killed by the timeout). A boolean byte other than 0 or 1 now reads as no
    valid child."""
    assert rio.get_untrusted_types(data=hist_boosting) == []
    data = rewrite_archive(hist_boosting, _boolean_children)
    path = tmp_path / "boolean_children.skops"
    path.write_bytes(data)
    code = textwrap.dedent(
        """
        import sys, numpy as np, skops.io as sio
        m = sio.load(sys.argv[1], trusted=[sys.argv[2]])
        print("loaded", flush=True)
        m.predict(np.zeros((1, 3)))
        print("returned")
        """
    )
    with pytest.raises(subprocess.TimeoutExpired) as hung:
        run_python(code, str(path), PREDICTOR, timeout=15)
    output = hung.value.stdout or b""
    assert (output.encode() if isinstance(output, str) else output).startswith(b"loaded")
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-predictor-child-out-of-range"
