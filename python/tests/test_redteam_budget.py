"""Adversarial review (issue 9): constructions that made a load allocate far more than the
file's members, past the materialisation budget (`skops_format::budget`), and NdArrayNodes
that convert their array on load (`skops_format::file`).

- 20 `MaskedArray` nodes over one 50 MB `data` node, each with `mask=True`: each makes its
  own 50 MB mask (1 GB from a 50 KB file);
- a 2-D object array listing one 1M-element array 10 times: `np.array(items, dtype=object)`
  makes every number a Python object, 10 times (460 MB from an 8 KB file);
- 3,000 neighbors classifiers sharing one sparse `_fit_X`: the validators read it once per
  owner (an audit of hours when the owners are hundreds of thousands), now stopped past
  `MAX_VALIDATION_READ_FACTOR` times the file's members (`file-validation-budget`);
- an NdArrayNode of class `numpy.clongdouble` over a 100 MB int8 member: loading converts the
  whole array, 32 times its size (skops 0.16: `MemoryError` for 3 GiB under 4 GiB); the same
  conversion changes values (`numpy.int16` wraps a label of 40,000 to -25,536) behind the
  validators' back.

Files skops writes (masked arrays with and without a mask, object arrays of arrays, numpy
scalars of every type skops trusts) still load as skops loads them.
"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import array_node, fresh_id, json_node, masked_node, run_python
from skops_rs.exceptions import SkopsFormatError


def _archive(root: dict[str, Any], members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("schema.json", json.dumps({**root, "protocol": 2}))
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


def _ref(node: dict[str, Any]) -> dict[str, Any]:
    """A reference to `node` by its `__id__` alone (skops resolves it to the same object)."""
    return {
        "__class__": node["__class__"],
        "__module__": node["__module__"],
        "__loader__": "CachedNode",
        "__id__": node["__id__"],
    }


def _list(items: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "__class__": "list",
        "__module__": "builtins",
        "__loader__": "ListNode",
        "content": items,
        "__id__": fresh_id(),
    }


def _refused(data: bytes, kind: str) -> str:
    for call in (lambda: rio.get_untrusted_types(data=data), lambda: rio.loads(data)):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == kind, str(info.value)
    return str(info.value)


# ----- masked arrays sharing one data node -------------------------------------------------


def _masked_arrays(count: int, cells: int, mask: Any = True) -> bytes:
    members: dict[str, bytes] = {}
    data = array_node(members, np.zeros(cells, dtype=np.int8))
    items = [
        masked_node(data if index == 0 else _ref(data), json_node(mask)) for index in range(count)
    ]
    return _archive(_list(items), members)


def test_masked_arrays_each_making_a_mask_of_one_data_node_are_refused():
    assert "materialise" in _refused(_masked_arrays(20, 50_000_000), "file-materialisation-budget")


@pytest.mark.parametrize("mask", [True, False])
def test_one_masked_array_making_its_mask_loads(mask):
    loaded = rio.loads(_masked_arrays(1, 50_000_000, mask))
    assert loaded[0].mask.shape == (50_000_000,)


def test_a_few_masks_of_a_small_array_stay_within_the_allowance():
    assert len(rio.loads(_masked_arrays(100, 100_000))) == 100


@pytest.mark.parametrize("mask", [np.ma.nomask, "full"])
def test_masked_arrays_skops_writes_load_as_in_skops(mask):
    data = np.arange(3_000_000, dtype=np.float64)
    array = np.ma.MaskedArray(data, data % 3 == 0 if mask == "full" else mask)
    file = sio.dumps([array, array[::2]])
    ours, theirs = rio.loads(file), sio.loads(file, trusted=sio.get_untrusted_types(data=file))
    for got, expected in zip(ours, theirs, strict=True):
        np.testing.assert_array_equal(got.data, expected.data)
        np.testing.assert_array_equal(got.mask, expected.mask)


# ----- object arrays expanding one array many times ----------------------------------------


def _object_array(references: int, cells: int, shape: list[int]) -> bytes:
    members: dict[str, bytes] = {}
    array = array_node(members, np.zeros(cells))
    items = [array if index == 0 else _ref(array) for index in range(references)]
    root = {
        "__class__": "ndarray",
        "__module__": "numpy",
        "__loader__": "NdArrayNode",
        "type": "json",
        "content": items,
        "shape": json_node(shape),
        "__id__": fresh_id(),
    }
    return _archive(root, members)


def test_an_object_array_expanding_one_array_many_times_is_refused():
    _refused(_object_array(10, 1_000_000, [10, 1_000_000]), "file-materialisation-budget")


def test_the_same_items_in_a_one_dimensional_object_array_are_only_referenced():
    loaded = rio.loads(_object_array(10, 1_000_000, [10]))
    assert loaded.shape == (10,) and loaded[0] is loaded[9]


def test_an_object_array_expanding_a_large_array_once_loads():
    assert rio.loads(_object_array(1, 1_000_000, [1, 1_000_000])).shape == (1, 1_000_000)


def test_object_arrays_of_arrays_skops_writes_load_as_in_skops():
    cells = np.empty((3, 2), dtype=object)
    for index in np.ndindex(cells.shape):
        cells[index] = np.full(200_000, float(sum(index)))
    file = sio.dumps(cells)
    ours, theirs = rio.loads(file), sio.loads(file, trusted=sio.get_untrusted_types(data=file))
    # skops expands the arrays into the object array (3, 2, 200000): so do we.
    assert ours.shape == theirs.shape == (3, 2, 200_000)
    np.testing.assert_array_equal(ours.astype(float), theirs.astype(float))


# ----- numpy scalar types over arrays ------------------------------------------------------


def _scalar_node(array: np.ndarray, cls: str) -> bytes:
    members: dict[str, bytes] = {}
    return _archive(_list([array_node(members, array, cls)]), members)


@pytest.mark.parametrize(
    ("array", "cls"),
    [
        (np.zeros(100_000_000, dtype=np.int8), "clongdouble"),
        (np.full(50, 40_000), "int16"),
        (np.zeros((2, 2)), "float64"),
        # 0-d, but of another kind: `numpy.int64(1e12)` makes an integer the width checks
        # read as a float.
        (np.array(1e12), "int64"),
        (np.array(300), "bool"),
    ],
)
def test_a_scalar_type_over_anything_but_its_own_scalar_is_refused(array, cls):
    message = _refused(_scalar_node(array, cls), "file-scalar-array")
    assert f"numpy.{cls}" in message


def _scalars_skops_writes() -> list[Any]:
    from skops.io._trusted_types import NUMPY_DTYPE_TYPE_NAMES

    values = []
    for name in NUMPY_DTYPE_TYPE_NAMES:
        scalar_type = getattr(np, name.removeprefix("numpy."))
        if scalar_type is np.object_:
            continue  # `np.object_(x)` returns `x`: there is no object scalar
        if scalar_type is np.void:
            values.append(np.zeros(1, dtype=[("a", "<i4"), ("b", "<f8")])[0])
        elif scalar_type in (np.datetime64, np.timedelta64):
            values.append(scalar_type(5, "s"))
        elif scalar_type in (np.str_, np.bytes_):
            values.append(scalar_type("ab"))
        else:
            values.append(scalar_type(1))
    return values


def test_numpy_scalars_of_every_trusted_type_load_as_in_skops():
    values = _scalars_skops_writes()
    assert len(values) == 23
    file = sio.dumps(values)
    # skops writes `numpy.bytes_` as a BytesNode, which trusts only `bytes`.
    untrusted = sio.get_untrusted_types(data=file)
    assert rio.get_untrusted_types(data=file) == untrusted == ["numpy.bytes_"]
    ours, theirs = rio.loads(file, trusted=untrusted), sio.loads(file, trusted=untrusted)
    for got, expected in zip(ours, theirs, strict=True):
        assert type(got) is type(expected) and got == expected


_LOAD_WITH_SKOPS = textwrap.dedent(
    r"""
    import re, resource, sys
    import skops.io as sio

    # 2 GiB beyond what the interpreter mapped for its imports: the int8 member takes 100 MB.
    with open("/proc/self/status") as status:
        mapped = int(re.search(r"VmSize:\s+(\d+)", status.read()).group(1)) * 1024
    resource.setrlimit(resource.RLIMIT_AS, (mapped + (2 << 30), mapped + (2 << 30)))
    try:
        sio.load(sys.argv[1])
        print("loaded")
    except MemoryError as error:
        print("MemoryError", error)
    """
)


def test_skops_converts_an_int8_array_to_clongdouble_until_memory_runs_out(tmp_path):
    path = tmp_path / "convert.skops"
    path.write_bytes(_scalar_node(np.zeros(100_000_000, dtype=np.int8), "clongdouble"))
    assert path.stat().st_size < 200_000
    result = run_python(_LOAD_WITH_SKOPS, str(path))
    assert result.stdout.startswith("MemoryError"), result.stdout + result.stderr
    assert "complex256" in result.stdout
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "file-scalar-array"


# ----- validators reading one member once per owner ----------------------------------------


def _classifiers_sharing_fit_x(owners: int, rows: int) -> bytes:
    """`owners` brute-force neighbors classifiers whose `_fit_X` is one sparse node (the
    first one's) of `rows` rows."""
    import scipy.sparse as sp
    from sklearn.neighbors import KNeighborsClassifier

    x = sp.csr_matrix(np.eye(rows, 3))
    model = KNeighborsClassifier(algorithm="brute").fit(x, np.arange(rows) % 2)
    with zipfile.ZipFile(io.BytesIO(sio.dumps(model))) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    first = json.loads(members.pop("schema.json"))
    for key in ("protocol", "_skops_version"):
        first.pop(key)
    entries = first["content"]["content"]
    fit_x = entries["_fit_X"]
    items = [first]
    for _ in range(owners - 1):
        state = {
            **first["content"],
            "content": {**entries, "_fit_X": _ref(fit_x)},
            "__id__": fresh_id(),
        }
        items.append({**first, "content": state, "__id__": fresh_id()})
    return _archive(_list(items), members)


def test_many_owners_of_one_large_member_stop_the_validators():
    data = _classifiers_sharing_fit_x(3000, 400_000)
    assert len(data) < 2_000_000
    message = _refused(data, "file-validation-budget")
    assert "share one large member" in message


def test_a_few_owners_of_one_member_load():
    loaded = rio.loads(_classifiers_sharing_fit_x(20, 400_000))
    assert len(loaded) == 20 and loaded[0]._fit_X is loaded[19]._fit_X
