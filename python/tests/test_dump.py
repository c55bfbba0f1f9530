"""The native writer (`skops_rs.io.dumps`) against skops 0.16's own `dumps`.

For every object the fixture generator builds (the fitted estimators and composites of skops'
own test list, and the special objects of the format), and for extra cases below:

- both write the same ``schema.json`` (parsed, with ``__id__`` values and member file names
  renumbered by first appearance, so the sharing of ids must be identical too), and ours is
  exactly the text ``json.dumps(..., indent=2)`` writes; with one intended difference: a
  ``RandomState`` or ``Generator`` met again is a ``CachedNode`` naming the first occurrence's
  ``__id__`` in ours, where skops writes its whole state again (with a new key array member
  each time, which its loader never reads: it returns the node of the first occurrence);
- both write the same members in the same order, with the same bytes (for a ``.npz``: the same
  inner members);
- skops 0.16 loads our bytes, trusting what it reports, to an object equal to the original;
- where skops refuses an object, we raise the same exception with the same message;
- functions and classes that cannot be imported by name (lambdas, things defined inside a
  function or a class, ``NoneType`` as the type of a ``None`` key) are written as skops writes
  them, and fail to load in both the same way;
- where skops writes a file whose state it cannot rebuild (0-d object arrays), we refuse it
  with ``UnsupportedTypeException`` naming the type and the path.
"""

from __future__ import annotations

import collections
import copy
import functools
import io
import json
import operator
import re
import threading
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops_rs.io as rio
from _support import (
    BuiltOnce,
    assert_same,
    assert_same_error,
    fresh_id,
    import_generator,
    rewrite_archive,
)
from _tables import json_objects
from scipy import sparse
from sklearn.linear_model._sgd_fast import Hinge
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from skops_rs import _skops_rs
from skops_rs.exceptions import (
    SkopsFormatError,
    UnsupportedTypeException,
    UntrustedTypesFoundException,
)

generate = import_generator()

# isort: off
import skops.io as sio  # noqa: E402  (after the generator: see its docstring on import order)
from skops.io.tests import _utils as skops_test_utils  # noqa: E402
from skops.io.tests import test_persist  # noqa: E402

# isort: on


def rs_dumps(obj: Any, compression: int = zipfile.ZIP_STORED, level: int | None = None) -> bytes:
    return _skops_rs.dumps(obj, rio._writer_settings(compression, level))


# ----- comparing archives ---------------------------------------------------------------------


def _normalised(schema: str) -> tuple[str, dict[str, str]]:
    """`schema` with ids and file names renumbered by first appearance, and the name mapping."""
    ids: dict[int, int] = {}
    files: dict[str, str] = {}

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "__id__":
                    item = ids.setdefault(item, len(ids) + 1)
                elif key == "file" and isinstance(item, str):
                    suffix = item[item.rfind(".") :]
                    item = files.setdefault(item, f"member{len(files)}{suffix}")
                out[key] = walk(item)
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return json.dumps(walk(json.loads(schema)), indent=2), files


def _members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _npz_members(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


RANDOM_STATE_LOADERS = ("RandomStateNode", "RandomGeneratorNode")


def _files_named(node: Any) -> set[str]:
    if isinstance(node, dict):
        names = {node["file"]} if isinstance(node.get("file"), str) else set()
        return names.union(*(_files_named(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_files_named(value) for value in node))
    return set()


def _random_states_referenced(schema: Any) -> tuple[Any, set[str]]:
    """skops' `schema` as our writer writes it, and the members it no longer names.

    Our one intended difference: a `RandomState` / `Generator` written in full before (same
    `__id__`, in the order skops' loader builds the nodes) is a `CachedNode` naming it. skops
    writes the whole state again, with a fresh key array each time (`get_state()` returns a new
    one), and its loader never reads that copy: the `__id__` is looked up first. A copy first
    written inside a reduce node's `__reduce__` arguments (built after the node's `content`) is
    not referenced.
    """
    written: set[int] = set()
    dropped: list[Any] = []

    def walk(node: Any, built_late: bool) -> Any:
        if isinstance(node, list):
            return [walk(item, built_late) for item in node]
        if not isinstance(node, dict):
            return node
        if node.get("__loader__") in RANDOM_STATE_LOADERS:
            if node["__id__"] in written:
                dropped.append(node)
                return {
                    "__class__": node["__class__"],
                    "__module__": node["__module__"],
                    "__loader__": "CachedNode",
                    "__id__": node["__id__"],
                }
            if not built_late:
                written.add(node["__id__"])
        return {key: walk(value, built_late or key == "__reduce__") for key, value in node.items()}

    referenced = walk(schema, False)
    return referenced, _files_named(dropped) - _files_named(referenced)


def assert_same_archive(theirs: bytes, ours: bytes) -> None:
    """Same schema (up to ids and names), same members in the same order, same bytes; but for
    repeated random states, which we write as references (`_random_states_referenced`)."""
    their_members, our_members = _members(theirs), _members(ours)
    their_schema, unnamed = _random_states_referenced(json.loads(their_members["schema.json"]))
    their_members = {name: data for name, data in their_members.items() if name not in unnamed}
    their_schema = json.dumps(their_schema)
    our_schema = our_members["schema.json"].decode()
    assert our_schema == json.dumps(json.loads(our_schema), indent=2)
    expected, their_names = _normalised(their_schema)
    got, our_names = _normalised(our_schema)
    assert got == expected
    assert [our_names.get(name, name) for name in our_members] == [
        their_names.get(name, name) for name in their_members
    ]
    by_normal_name = {their_names.get(name, name): data for name, data in their_members.items()}
    for name, data in our_members.items():
        if name == "schema.json":
            continue
        expected_data = by_normal_name[our_names[name]]
        if name.endswith(".npz"):
            assert _npz_members(data) == _npz_members(expected_data), name
        else:
            assert data == expected_data, name


# ----- comparing objects ----------------------------------------------------------------------


# ----- the cases ------------------------------------------------------------------------------


@dataclass
class Case:
    """An object of the generator and how both libraries dump it (made once per session)."""

    obj: Any
    X: Any  # input of the method outputs compared for an estimator, else None
    theirs: bytes | BaseException
    ours: bytes | BaseException


def _estimator_builders() -> dict[str, Any]:
    estimators, composites = generate.tested_estimators()
    builders: dict[str, Any] = {}
    for name, estimator in [*estimators, *composites]:
        unique, count = name, 2
        while unique in builders:
            unique, count = f"{name}_{count}", count + 1
        builders[f"estimator:{unique}"] = (estimator, True)
    for estimator in test_persist._unsupported_estimators():
        builders[f"unsupported:{type(estimator).__name__}"] = (estimator, True)
    return builders


def _object_builders() -> dict[str, Any]:
    return {f"object:{name}": (factory, False) for name, factory in generate.special_objects()}


BUILDERS: dict[str, Any] = {**_estimator_builders(), **_object_builders()}


def _dump_both(obj: Any) -> tuple[bytes | BaseException, bytes | BaseException]:
    results: list[bytes | BaseException] = []
    for dumps in (sio.dumps, rs_dumps):
        try:
            results.append(dumps(obj))
        except Exception as exc:  # what each raises is compared
            results.append(exc)
    return results[0], results[1]


def _build_case(name: str) -> Case:
    made, is_estimator = BUILDERS[name]
    if is_estimator:
        obj = generate.fit_like_skops_tests(made)
        X, _ = test_persist.get_input(obj)
    else:
        obj, X = made(), None
    theirs, ours = _dump_both(obj)
    return Case(obj, X, theirs, ours)


Cases = BuiltOnce[Case]


@pytest.fixture(scope="session")
def cases() -> Cases:
    return BuiltOnce(_build_case, "cannot be built here")


def _loads_in_skops(data: bytes) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


def _assert_skops_cannot_load(data: bytes) -> None:
    with pytest.raises(Exception):  # noqa: B017  (any failure: the file is unusable)
        _loads_in_skops(data)


# ----- every object of the generator -----------------------------------------------------------


@pytest.mark.parametrize("name", list(BUILDERS))
def test_dumps_like_skops(name, cases):
    """Same archive as skops; or the same error; or a refusal of what skops cannot load."""
    case = cases.get(name)
    if isinstance(case.theirs, BaseException):
        assert isinstance(case.ours, BaseException), f"skops raised {case.theirs!r}"
        assert_same_error(case.theirs, case.ours)
        return
    if isinstance(case.ours, UnsupportedTypeException):
        # Refused on purpose: skops writes this object in a form it cannot load back.
        _assert_skops_cannot_load(case.theirs)
        assert case.ours.type_name and case.ours.path is not None
        return
    assert not isinstance(case.ours, BaseException), case.ours
    assert_same_archive(case.theirs, case.ours)


@pytest.mark.parametrize("name", list(BUILDERS))
def test_skops_loads_ours_as_the_original(name, cases):
    case = cases.get(name)
    if isinstance(case.ours, BaseException):
        pytest.skip("not dumped (see test_dumps_like_skops)")
    assert isinstance(case.theirs, bytes)
    loaded = _loads_in_skops(case.ours)
    original = copy.deepcopy(case.obj)
    try:
        assert_same(original, _loads_in_skops(case.theirs), layout=False)
    except AssertionError:
        # skops itself does not rebuild this object exactly ({True: .., False: ..} keys...):
        # ours must load as skops' own file does.
        expected = _loads_in_skops(case.theirs)
    else:
        expected = original
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        assert_same(expected, loaded, layout=False)
        if case.X is not None:
            skops_test_utils.assert_method_outputs_equal(original, loaded, case.X)


# ----- arrays: the `.npy` members are np.save's bytes ------------------------------------------

_BASE = np.arange(24.0).reshape(4, 6)

ARRAYS = {
    "c_order": _BASE,
    "f_order": np.asfortranarray(_BASE),
    "strided": _BASE[::2, ::3],
    "transposed_view": _BASE.T,
    "negative_stride": _BASE[::-1],
    "zero_d": np.array(3.5),
    "empty": np.zeros((0, 3)),
    "empty_f_order": np.asfortranarray(np.zeros((3, 0, 2))),
    "big_endian": np.arange(6, dtype=">i4").reshape(2, 3),
    "bool": np.array([True, False]),
    "complex": np.array([1 + 2j, -0.5j], dtype=np.complex64),
    "unicode": np.array(["a", "bé", "日本"]),
    "bytes": np.array([b"ab", b"c\x00"]),
    "datetime": np.array(["2020-01-01T10", "NaT"], dtype="M8[h]"),
    "timedelta": np.array([1, 2], dtype="m8[ms]"),
    "structured": np.array([(1, 2.0, b"ab")], dtype="i4,f8,S2"),
    "structured_padded": np.zeros(
        3, dtype=np.dtype({"names": ["a"], "formats": ["<i2"], "itemsize": 8})
    ),
    "subarray_field": np.zeros(2, dtype=[("a", "<f8", (2, 3)), ("b", "u1")]),
    "titled_field": np.zeros(1, dtype=[(("title", "a"), "<i8")]),
    "nested_structured": np.zeros(2, dtype=[("x", [("y", "<i2"), ("z", ">f4")])]),
    "record_array": np.rec.fromrecords([(1, "x")], names="a,b"),
    "matrix": np.asmatrix(_BASE),
    "float16": np.arange(3, dtype=np.float16),
    "large": np.random.RandomState(0).rand(300, 500),
    "three_d_f_order": np.asfortranarray(np.arange(24).reshape(2, 3, 4)),
    "void": np.zeros(2, dtype="V3"),
}


@pytest.mark.parametrize("name", list(ARRAYS))
def test_array_member_is_what_np_save_writes(name):
    array = ARRAYS[name]
    theirs, ours = sio.dumps(array), rs_dumps(array)
    assert_same_archive(theirs, ours)
    (member,) = [
        data for member_name, data in _members(ours).items() if member_name != "schema.json"
    ]
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    assert member == buffer.getvalue()
    try:
        skops_loaded = _loads_in_skops(theirs)
    except Exception:  # skops cannot rebuild some subclasses (recarray): nor can it ours
        _assert_skops_cannot_load(ours)
    else:
        assert_same(skops_loaded, _loads_in_skops(ours), layout=False)


@pytest.mark.parametrize(
    "scalar",
    [np.float64(2.5), np.int8(-3), np.bool_(False), np.str_("é"), np.datetime64("2021-02-03")],
    ids=repr,
)
def test_numpy_scalars(scalar):
    assert_same_archive(sio.dumps([scalar, scalar]), rs_dumps([scalar, scalar]))


def test_shared_array_is_written_once_and_shares_its_id():
    shared = np.arange(10.0)
    obj = {"a": shared, "b": [shared, shared.copy()], "c": StandardScaler().fit(shared[:, None])}
    obj["d"] = obj["c"]
    ours = rs_dumps(obj)
    assert_same_archive(sio.dumps(obj), ours)
    assert len([name for name in _members(ours) if name.endswith(".npy")]) == 1 + 1 + 4
    loaded = _loads_in_skops(ours)
    assert loaded["a"] is loaded["b"][0]
    assert loaded["c"] is loaded["d"]


# ----- JSON: numbers, strings and keys as json.dumps writes them ------------------------------

FLOATS = [
    0.0015344619750976562,  # an exact tie between two shortest decimal forms
    5e-324,
    1.7976931348623157e308,
    1e16,
    1e15,
    1e-05,
    0.0001,
    0.1 + 0.2,
    -0.0,
    2.5e-10,
    123456789.123,
    float("nan"),
    float("inf"),
    float("-inf"),
    *np.random.RandomState(1).standard_normal(200).tolist(),
    *(np.random.RandomState(2).rand(100) * 10.0 ** np.arange(-50, 50)).tolist(),
]

STRINGS = [
    "",
    "plain",
    'quote " backslash \\ slash /',
    "\n\r\t\b\f\x00\x1f\x7f",
    "é日本語🐍",
    "\ud800 lone surrogate",
    "\u2028\u2029",
]


def test_floats_are_python_reprs():
    obj = {"floats": FLOATS, "keys": {value: 1 for value in FLOATS[:14]}}
    assert_same_archive(sio.dumps(obj), rs_dumps(obj))


def test_strings_and_string_keys_are_escaped_like_json():
    obj = {"values": STRINGS, "keys": {text: text for text in STRINGS}}
    assert_same_archive(sio.dumps(obj), rs_dumps(obj))


class _Color(str):
    pass


def test_json_scalars_and_their_subclasses():
    obj = [
        2**100,
        -(2**64),
        -1,
        True,
        None,
        _Color("red"),
        collections.Counter(a=1),
        {2**70: "big key", -5: 1, 1.5: 2, False: 4},
    ]
    assert_same_archive(sio.dumps(obj), rs_dumps(obj))


def test_numpy_scalar_keys_become_items_but_keep_their_types():
    obj = {np.int64(3): "a", np.float32(0.1): "b", np.bool_(True): "c", np.str_("k"): "d"}
    assert_same_archive(sio.dumps(obj), rs_dumps(obj))


def test_dict_subclasses_keep_their_order_and_skip_properties():
    ordered = collections.OrderedDict([("b", 1), ("a", 2), ("c", 3)])
    ordered.move_to_end("b")
    with_property = {"x": 1, "p": property(lambda self: 1), "y": 2}
    for obj in (ordered, with_property, collections.defaultdict(int, {"k": 2})):
        assert_same_archive(sio.dumps(obj), rs_dumps(obj))


def test_dispatch_follows_the_mro():
    # dok_array lists `dict` before `sparray` in its MRO: skops writes it as a DictNode.
    obj = [sparse.dok_array((3, 3)), sparse.coo_array(np.ones((2, 2, 2)))]
    assert_same_archive(sio.dumps(obj), rs_dumps(obj))


def test_slices_write_their_bounds_raw():
    obj = [slice(1, 2), slice(None), slice(-1.5, "a", None), slice(True, 10**30, [1, [2]])]
    assert_same_archive(sio.dumps(obj), rs_dumps(obj))


# ----- generic objects: skops' __reduce__ / __getstate__ rules ---------------------------------


class WithReduce:
    def __init__(self, value: Any) -> None:
        self.value = value

    def __reduce__(self) -> Any:
        return (type(self), (self.value,), None, None)


class WithReduceState(WithReduce):
    def __reduce__(self) -> Any:
        return (type(self), (self.value,), {"state": 1})


class WithTupleState:
    def __init__(self) -> None:
        self.a, self.b = 1, [2]

    def __getstate__(self) -> Any:
        return (self.a, self.b)

    def __setstate__(self, state: Any) -> None:
        self.a, self.b = state


class WithSlotsAndState:
    __slots__ = ("a",)

    def __init__(self) -> None:
        self.a = 5

    def __getstate__(self) -> Any:
        return {"a": self.a}

    def __setstate__(self, state: Any) -> None:
        self.a = state["a"]


class Plain:
    def __init__(self) -> None:
        self.x = {"nested": [1, 2]}


class Empty:
    pass


class WithInstanceReduce:
    def __init__(self) -> None:
        self.__reduce__ = functools.partial(_reduce_to_plain, self)


def _reduce_to_plain(obj: Any) -> Any:
    return (WithInstanceReduce, ())


class WithAttributeHook:
    def __getattribute__(self, name: str) -> Any:
        if name == "__reduce__":
            return lambda: (WithAttributeHook, ())
        return super().__getattribute__(name)


class ReduceToString:
    def __reduce__(self) -> str:
        return "Plain"


@pytest.mark.parametrize(
    "make",
    [
        WithReduce,
        WithReduceState,
        WithTupleState,
        WithSlotsAndState,
        Plain,
        Empty,
        ReduceToString,
        WithInstanceReduce,
        WithAttributeHook,
    ],
    ids=lambda make: make.__name__,
)
def test_generic_objects(make):
    obj = make(3) if issubclass(make, WithReduce) else make()
    assert_same_archive(sio.dumps(obj), rs_dumps(obj))


def test_reduce_and_getstate_are_called_as_skops_calls_them():
    before = test_persist.reduce_calls
    obj = test_persist.CustomReduce(4)
    rs_dumps(obj)
    assert test_persist.reduce_calls == before + 1


# ----- errors: the same as skops ----------------------------------------------------------------


class Slotted:
    __slots__ = ("a",)

    def __init__(self) -> None:
        self.a = 1


def _self_referencing() -> list[Any]:
    items: list[Any] = []
    items.append(items)
    return items


SAME_ERRORS = {
    "tuple_key": lambda: {(1, 2): 1},
    "numpy_int_in_slice": lambda: slice(np.int64(1), 2),
    "int_too_long_for_str": lambda: 10**5000,
    "slots_without_getstate": Slotted,
    "complex": lambda: 1j,
    "lil_matrix": lambda: sparse.lil_matrix((2, 2)),
    "dok_with_tuple_keys": lambda: _dok_with_entry(),
    "object_field": lambda: np.zeros(2, dtype=[("a", "O")]),
    "string_dtype": lambda: np.array(["a"], dtype=np.dtypes.StringDType()),
    "birch_in_pipeline": lambda: Pipeline([("scale", StandardScaler()), ("birch", _birch())]),
    "bad_key_then_unsupported_value": lambda: {(1,): 1, "b": np.zeros(1, dtype=[("a", "O")])},
    "zoneinfo_from_file": lambda: _zoneinfo_from_file(),
}


def _dok_with_entry() -> Any:
    dok = sparse.dok_array((3, 3))
    dok[1, 2] = 4.0
    return dok


def _birch() -> Any:
    from sklearn.cluster import Birch

    return Birch(n_clusters=None).fit(np.arange(20.0).reshape(10, 2))


def _zoneinfo_from_file() -> Any:
    import zoneinfo

    key = "Europe/Paris"
    for root in zoneinfo.TZPATH:
        path = Path(root) / key
        if path.exists():
            with path.open("rb") as f:
                return zoneinfo.ZoneInfo.from_file(f, key=key)
    pytest.skip("no time zone data file")


@pytest.mark.parametrize("name", list(SAME_ERRORS))
def test_same_error_as_skops(name):
    obj = SAME_ERRORS[name]()
    theirs, ours = _dump_both(obj)
    assert isinstance(theirs, BaseException)
    assert isinstance(ours, BaseException)
    assert_same_error(theirs, ours)


def test_unsupported_type_names_the_type_and_the_path():
    with pytest.raises(UnsupportedTypeException) as info:
        rs_dumps(SAME_ERRORS["birch_in_pipeline"]())
    assert info.value.type_name == "sklearn.cluster._birch.Birch"
    assert info.value.path == "steps[1][1]"


def test_self_reference_is_a_recursion_error():
    with pytest.raises(RecursionError):
        sio.dumps(_self_referencing())
    with pytest.raises(RecursionError, match="contains itself"):
        rs_dumps(_self_referencing())


def test_deep_objects_on_a_small_thread_stack_do_not_crash():
    # The walk moves to a new stack segment when the thread's stack runs low.
    results: list[BaseException | bytes] = []

    def dump_all() -> None:
        for obj in (_self_referencing(), _nested_dicts(900)):
            try:
                results.append(rs_dumps(obj))
            except RecursionError as exc:
                results.append(exc)

    previous = threading.stack_size(256 * 1024)
    try:
        thread = threading.Thread(target=dump_all)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous)
    assert isinstance(results[0], RecursionError)
    assert isinstance(results[1], bytes)


def _nested_dicts(depth: int) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for _ in range(depth):
        nested = {"a": nested}
    return nested


def test_deep_nesting_within_the_limit_is_written():
    nested: list[Any] = []
    for _ in range(200):
        nested = [nested]
    assert_same_archive(sio.dumps(nested), rs_dumps(nested))


# ----- written by name, loaded by name ---------------------------------------------------------


def module_level(x: Any) -> Any:
    return x


def _local_function() -> Any:
    def local(x: Any) -> Any:
        return x

    return local


def _local_class_instance() -> Any:
    class Local:
        pass

    return Local()


class Outer:
    class Inner:
        pass


#: Things skops writes by `__name__` although `getattr(module, __name__)` does not give them
#: back: name -> (object, the untrusted name its file holds).
NOT_IMPORTABLE = {
    "lambda": (lambda: FunctionTransformer(lambda x: x), "test_dump.<lambda>"),
    "local_function": (lambda: FunctionTransformer(_local_function()), "test_dump.local"),
    "local_class": (lambda: {"obj": _local_class_instance()}, "test_dump.Local"),
    "nested_class": (lambda: [Outer.Inner()], "test_dump.Inner"),
    "nested_class_type": (lambda: [Outer.Inner], "test_dump.Inner"),
    "none_key": (lambda: {None: 1}, "builtins.NoneType"),
}


@pytest.mark.parametrize("name", list(NOT_IMPORTABLE))
def test_not_importable_names_are_written_as_skops_writes_them(name):
    make, untrusted = NOT_IMPORTABLE[name]
    obj = make()
    ours = rs_dumps(obj)
    assert_same_archive(sio.dumps(obj), ours)
    assert rio.get_untrusted_types(data=ours) == [untrusted]
    # Loading needs the name trusted, then fails in both as `getattr(module, name)` does.
    with pytest.raises(UntrustedTypesFoundException):
        rio.loads(ours)
    module, attribute = untrusted.rsplit(".", 1)
    message = f"module '{module}' has no attribute '{attribute}'"
    with pytest.raises(AttributeError, match=re.escape(message)):
        sio.loads(ours, trusted=[untrusted])
    with pytest.raises(AttributeError, match=re.escape(message)):
        rio.loads(ours, trusted=[untrusted])


# ----- refusals: what skops writes but cannot rebuild -----------------------------------------

REFUSED = {
    "object_array_0d": (lambda: [np.array({"a": 1}, dtype=object)], "[0]", "numpy.ndarray"),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_where_skops_writes_a_file_it_cannot_load(name):
    make, path, type_suffix = REFUSED[name]
    obj = make()
    with pytest.raises(UnsupportedTypeException) as info:
        rs_dumps(obj)
    assert info.value.path == path
    assert info.value.type_name.endswith(type_suffix)
    assert isinstance(info.value, TypeError)
    _assert_skops_cannot_load(sio.dumps(obj))


def test_module_level_functions_and_classes_are_written():
    obj = [FunctionTransformer(module_level), Plain, module_level, len, np.sqrt, operator.add]
    assert_same_archive(sio.dumps(obj), rs_dumps(obj))


# ----- compression ---------------------------------------------------------------------------


@pytest.mark.parametrize("level", [None, 0, 1, 6, 9])
def test_deflated_archives(level):
    obj = {"model": StandardScaler().fit(ARRAYS["large"]), "bytes": b"x" * 1000}
    data = rs_dumps(obj, zipfile.ZIP_DEFLATED, level)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {info.compress_type for info in archive.infolist()} == {zipfile.ZIP_DEFLATED}
    assert_same_archive(sio.dumps(obj, compression=zipfile.ZIP_DEFLATED), data)
    assert_same(obj, _loads_in_skops(data), layout=False)


def test_stored_archive_is_a_plain_zip():
    data = rs_dumps({"a": ARRAYS["large"], "b": b"\x00\xff"})
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        infos = archive.infolist()
        assert {info.compress_type for info in infos} == {zipfile.ZIP_STORED}
        assert infos[-1].filename == "schema.json"
        assert all(info.external_attr >> 16 == 0o600 for info in infos)


def test_native_writer_refuses_bad_levels():
    # `skops_rs.io` checks the arguments; a direct call still cannot write a level zlib lacks.
    with pytest.raises(SkopsFormatError) as raised:
        _skops_rs.dumps([1], 10)
    assert raised.value.kind == "zip-invalid-compression-level"
    with pytest.raises(OverflowError):
        _skops_rs.dumps([1], -1)


def test_ids_are_numbered_in_walk_order_so_dumps_are_reproducible():
    """`__id__`s are 1, 2, 3... (skops writes addresses): the same object gives the same schema
    and member names on every run, and a shared object keeps one id (and one member)."""
    shared = np.arange(6.0)
    obj = {"a": shared, "b": [shared, {"c": 1.5}], "d": np.ones((2, 2))}

    def contents(data: bytes) -> tuple[str, list[str]]:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return archive.read("schema.json").decode(), sorted(archive.namelist())

    data = rs_dumps(obj)
    schema, names = contents(data)
    assert (schema, names) == contents(rs_dumps(copy.deepcopy(obj)))
    ids: list[int] = []

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if "__id__" in node:
                ids.append(node["__id__"])
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(json.loads(schema))
    distinct = sorted(set(ids))
    assert distinct == list(range(1, len(distinct) + 1))
    assert len(ids) > len(distinct)  # the shared array's id appears twice
    assert len([name for name in names if name.endswith(".npy")]) == 2
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert loaded["a"] is loaded["b"][0]


# ----- random states: written once, then named --------------------------------------------------


def _random_state_nodes(schema: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The RandomState / Generator nodes written in full, and the CachedNodes, in file order
    (the order the loaders build them in, reduce arguments aside)."""
    nodes = list(json_objects(schema))
    full = [node for node in nodes if node.get("__loader__") in RANDOM_STATE_LOADERS]
    cached = [node for node in nodes if node.get("__loader__") == "CachedNode"]
    return full, cached


def _schema(data: bytes) -> Any:
    return json.loads(_members(data)["schema.json"])


def _key_members(data: bytes) -> int:
    """How many members hold an MT19937 key (624 uint32s)."""
    count = 0
    for name, member in _members(data).items():
        if name.endswith(".npy"):
            array = np.load(io.BytesIO(member), allow_pickle=False)
            count += array.dtype == np.uint32 and array.shape == (624,)
    return count


def _same_random_state(a: np.random.RandomState, b: np.random.RandomState) -> bool:
    (name_a, key_a, *rest_a), (name_b, key_b, *rest_b) = a.get_state(), b.get_state()
    return name_a == name_b and np.array_equal(key_a, key_b) and rest_a == rest_b


@pytest.fixture(scope="module")
def boosting() -> Any:
    from sklearn.datasets import make_classification
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    model = GradientBoostingClassifier(n_estimators=20, subsample=0.8, random_state=0)
    return model.fit(X, y), X


def test_a_gradient_boosting_random_state_is_written_once(boosting, tmp_path, capsys):
    """The ensemble shares one RandomState (`_rng`) with its 20 trees: skops writes it 21 times,
    each copy with its own key member; we write it once and name it 20 times. skops 0.16 and
    our loader read our file as skops' own: the same untrusted types, one RandomState shared by
    all the trees (as pickle rebuilds it), in the original's state, the same predictions."""
    model, X = boosting
    assert all(tree.random_state is model._rng for tree in model.estimators_.ravel())
    theirs, ours = sio.dumps(model), rs_dumps(model)
    assert _key_members(theirs) == 21
    assert _key_members(ours) == 1
    full, cached = _random_state_nodes(_schema(ours))
    assert len(full) == 1 and len(cached) == 20
    assert {(node["__class__"], node["__module__"], node["__id__"]) for node in cached} == {
        ("RandomState", "numpy.random.mtrand", full[0]["__id__"])
    }
    assert_same_archive(theirs, ours)

    untrusted = sio.get_untrusted_types(data=theirs)
    assert sio.get_untrusted_types(data=ours) == untrusted
    assert rio.get_untrusted_types(data=ours) == rio.get_untrusted_types(data=theirs) == []
    # `_rng`, a reference, shows the state it names, as in skops' file (visualize does not
    # show the items of object arrays, so not the trees).
    for visualize in (sio.visualize, rio.visualize):
        visualize(theirs)
        expected = capsys.readouterr().out
        visualize(ours)
        assert capsys.readouterr().out == expected
        assert "_rng: numpy.random.mtrand.RandomState\n" in expected
    path = tmp_path / "boosting.skops"
    path.write_bytes(ours)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loaded_by = {
            "skops loads": sio.loads(ours, trusted=untrusted),
            "skops load": sio.load(path, trusted=untrusted),
            "skops_rs loads": rio.loads(ours),
            "skops_rs load": rio.load(path),
        }
    for reader, loaded in loaded_by.items():
        assert all(tree.random_state is loaded._rng for tree in loaded.estimators_.ravel()), reader
        assert _same_random_state(loaded._rng, model._rng), reader
        np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    assert {loaded._rng.rand() for loaded in loaded_by.values()} == {model._rng.rand()}


def test_a_reference_to_a_random_state_not_built_before_is_refused(boosting):
    """A CachedNode naming an id no node has, or a node built only later (the full state moved
    after its references), is refused by skops 0.16 and by us."""
    model, _ = boosting
    ours = rs_dumps(model)

    def unknown_id(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        for node in _random_state_nodes(schema)[1]:
            node["__id__"] = fresh_id()

    def full_state_last(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        # `_rng`, a reference, comes after every tree's; the first tree holds the full state.
        [full], cached = _random_state_nodes(schema)
        full_copy, last_copy = copy.deepcopy(full), copy.deepcopy(cached[-1])
        full.clear()
        full.update(last_copy)
        cached[-1].clear()
        cached[-1].update(full_copy)

    for change in (unknown_id, full_state_last):
        data = rewrite_archive(ours, change)
        for reader in (sio.get_untrusted_types, sio.visualize):
            with pytest.raises(ValueError, match="A cached node refers to an unknown object id"):
                reader(data=data) if reader is sio.get_untrusted_types else reader(data)
        with pytest.raises(SkopsFormatError) as refused:
            rio.loads(data)
        assert refused.value.kind == "schema-cached-node-unknown-id", change.__name__
    # The file before either change loads (so the changes are what is refused).
    assert rio.loads(ours).n_estimators_ == 20


def test_generators_met_again_are_written_once():
    """A Generator met again is named too (an MT19937 one held a key member per copy, others
    repeat their whole state); RandomState and Generator are each named as what they are."""
    mt = np.random.Generator(np.random.MT19937(1))
    pcg = np.random.default_rng(2)
    legacy = np.random.RandomState(3)
    for rng in (mt, pcg, legacy):
        rng.random(5)  # away from the seeded state
    obj = {"mt": [mt, mt], "pcg": (pcg, {"again": pcg}), "legacy": legacy, "mt_again": mt}
    theirs, ours = sio.dumps(obj), rs_dumps(obj)
    # skops: three copies of the MT19937 generator's key and the RandomState's; ours: one each.
    assert (_key_members(theirs), _key_members(ours)) == (4, 2)
    full, cached = _random_state_nodes(_schema(ours))
    assert [node["__class__"] for node in full] == ["Generator", "Generator", "RandomState"]
    assert [(node["__class__"], node["__module__"]) for node in cached] == [
        ("Generator", "numpy.random._generator")
    ] * 3
    assert_same_archive(theirs, ours)
    assert sio.get_untrusted_types(data=ours) == rio.get_untrusted_types(data=ours) == []
    for loaded in (sio.loads(ours), rio.loads(ours)):
        assert loaded["mt"][0] is loaded["mt"][1] is loaded["mt_again"]
        assert loaded["pcg"][0] is loaded["pcg"][1]["again"]
        assert_same(loaded["mt"][0].bit_generator.state, mt.bit_generator.state)
        assert loaded["pcg"][0].bit_generator.state == pcg.bit_generator.state
        assert _same_random_state(loaded["legacy"], legacy)


def test_a_forest_with_a_random_state_object_is_written_as_skops_writes_it():
    """A forest given `random_state=RandomState(0)` hands its trees ints drawn from it: the
    RandomState occurs once, and the file is skops' own (no reference)."""
    from sklearn.ensemble import RandomForestClassifier

    X = np.random.RandomState(0).rand(60, 3)
    rng = np.random.RandomState(0)
    forest = RandomForestClassifier(n_estimators=4, random_state=rng).fit(X, X[:, 0] > 0.5)
    assert all(isinstance(tree.random_state, int) for tree in forest.estimators_)
    theirs, ours = sio.dumps(forest), rs_dumps(forest)
    assert _random_state_nodes(_schema(ours))[1] == []
    assert _key_members(ours) == 1
    assert_same_archive(theirs, ours)
    # Not only up to references: the very schema skops writes.
    assert (
        _normalised(_members(ours)["schema.json"].decode())[0]
        == _normalised(_members(theirs)["schema.json"].decode())[0]
    )
    assert _same_random_state(rio.loads(ours).random_state, rng)


class _LossHoldingARandomState(Hinge):
    """A loss whose reduce arguments and state hold the same RandomState."""

    def __init__(self, threshold: float = 1.0, rng: Any = None) -> None:
        self.rng = rng

    def __reduce__(self) -> Any:
        return (type(self), (1.0, self.rng), {"rng": self.rng})


def test_a_random_state_first_met_in_reduce_arguments_is_not_named_from_their_state():
    """A reduce node's `__reduce__` arguments are written before its `content` but built after
    it: a RandomState first written there and met again in `content` is written in full there
    too (a reference would name a node not built yet); a later one is named."""
    rng = np.random.RandomState(0)
    obj = [_LossHoldingARandomState(1.0, rng), rng]
    theirs, ours = sio.dumps(obj), rs_dumps(obj)
    full, cached = _random_state_nodes(_schema(ours))
    assert len(full) == 2 and len(cached) == 1
    assert_same_archive(theirs, ours)
    assert sio.get_untrusted_types(data=ours) == sio.get_untrusted_types(data=theirs)
    assert rio.get_untrusted_types(data=ours) == rio.get_untrusted_types(data=theirs)

    def content_refers_to_arguments(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        in_content = schema["content"][0]["content"]["content"]["rng"]
        in_content.clear()
        in_content.update(_random_state_nodes(schema)[1][0])

    # What the rule avoids: skops builds the loss' `content` first and refuses the reference.
    referring = rewrite_archive(ours, content_refers_to_arguments)
    with pytest.raises(ValueError, match="A cached node refers to an unknown object id"):
        sio.get_untrusted_types(data=referring)
    with pytest.raises(SkopsFormatError, match="unknown object id"):
        rio.get_untrusted_types(data=referring)


def test_a_random_state_under_keys_equal_in_json_is_not_named():
    """`1` and `"1"` are the same JSON key: the loaders build only the last value under it, so
    a RandomState first written under the first one is never built, and naming it later would
    make the file unloadable (red-team finding). Under keys that may be equal in JSON (not all
    plain `str`, or a dict subclass) a random state is written in full each time; the file then
    loads in skops 0.16 and in skops_rs exactly as skops' own file does."""
    rs = np.random.RandomState(0)
    gen = np.random.default_rng(1)
    cases = [
        {1: rs, "1": 0, "x": rs},
        {True: gen, "true": 1, "z": gen},
        {1: rs, "1": 0, "y": [rs]},
        collections.OrderedDict([("a", rs), ("b", rs)]),
    ]
    for obj in cases:
        theirs, ours = sio.dumps(obj), rs_dumps(obj)
        assert _random_state_nodes(_schema(ours))[1] == [], obj
        # The very schema skops writes, references and all.
        assert (
            _normalised(_members(ours)["schema.json"].decode())[0]
            == _normalised(_members(theirs)["schema.json"].decode())[0]
        )
        expected = sio.loads(theirs, trusted=sio.get_untrusted_types(data=theirs))
        for load, untrusted in (
            (sio.loads, sio.get_untrusted_types),
            (rio.loads, rio.get_untrusted_types),
        ):
            loaded = load(ours, trusted=untrusted(data=ours))
            assert list(loaded) == list(expected)
            for key, value in expected.items():
                got = loaded[key]
                if isinstance(value, np.random.RandomState):
                    assert _same_random_state(got, value)
                elif isinstance(value, np.random.Generator):
                    assert got.bit_generator.state == value.bit_generator.state
                elif isinstance(value, list):
                    assert _same_random_state(got[0], value[0])
                else:
                    assert got == value
    # A plain dict with `str` keys still names the repeated state.
    _, cached = _random_state_nodes(_schema(rs_dumps({"a": rs, "b": rs})))
    assert len(cached) == 1
