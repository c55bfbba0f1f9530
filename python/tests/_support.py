"""Helpers shared by the test modules (imported as a plain module: pytest puts this folder on
``sys.path``)."""

from __future__ import annotations

import collections
import datetime as dt
import functools
import importlib.util
import io
import json
import operator
import subprocess
import sys
import types
import warnings
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any, Generic, TypeVar

import numpy as np
import pytest
from scipy import sparse

T = TypeVar("T")


class BuiltOnce(Generic[T]):
    """Builds each named case on first use (fitting, dumping...) and keeps it for the session.

    A case the environment cannot build (an optional library missing, say) is remembered with
    the reason, and every test that asks for it is skipped with that reason. Warnings and numpy
    floating-point complaints of the build are silenced: the tests check results, not noise.
    """

    def __init__(self, build: Callable[[str], T], failure: str) -> None:
        self._build = build
        self._failure = failure
        self._done: dict[str, T] = {}
        self._unbuildable: dict[str, str] = {}

    def get(self, name: str) -> T:
        if name not in self._done and name not in self._unbuildable:
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    self._done[name] = self._build(name)
            except Exception as exc:  # recorded, and reported as the skip reason
                self._unbuildable[name] = f"{type(exc).__name__}: {exc}"
        if name in self._unbuildable:
            pytest.skip(f"{name} {self._failure}: {self._unbuildable[name]}")
        return self._done[name]


def import_generator() -> ModuleType:
    """The fixture generator module, imported once under a fixed name.

    Importing it imports sklearn's experimental modules, which must happen before skops.io is
    imported (see the generator's docstring), so test modules call this first.
    """
    name = "skops_rs_fixture_generate"
    if name in sys.modules:
        return sys.modules[name]
    path = Path(__file__).resolve().parent / "fixtures" / "generate.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# The types skops_rs trusts by default once their validator passed (`skops_trust::validate`),
# one line per type, each added together with its validator and its tests.
VALIDATED_TYPES: frozenset[str] = frozenset(
    {
        "sklearn.tree._tree.Tree",
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor",
        "sklearn.cluster._bisect_k_means._BisectingTree",
        # validate/reviewed.rs: pure-Python helpers, in their plain form.
        "sklearn.calibration._CalibratedClassifier",
        "sklearn.calibration._SigmoidCalibration",
        "sklearn.gaussian_process._gpc._BinaryGaussianProcessClassifierLaplace",
        "sklearn.gaussian_process.kernels.ConstantKernel",
        "sklearn.gaussian_process.kernels.Product",
        "sklearn.gaussian_process.kernels.RBF",
        "sklearn.model_selection._split.StratifiedKFold",
        "sklearn.metrics._scorer._PassthroughScorer",
        "sklearn.metrics._scorer._Scorer",
        "sklearn.metrics._scorer._CurveScorer",
        "sklearn.utils._metadata_requests.MetadataRequest",
        "sklearn.utils._metadata_requests.MethodMetadataRequest",
        "sklearn.utils._bunch.Bunch",
        "sklearn.impute._iterative._ImputerTriplet",
        "sklearn.multiclass._ConstantPredictor",
        "sklearn.neural_network._stochastic_optimizers.AdamOptimizer",
        "sklearn.feature_selection._univariate_selection.f_classif",
        "sklearn.metrics._classification.balanced_accuracy_score",
        # ... and where scikit-learn calls it (reviewed.rs HELD_FUNCTIONS).
        "sklearn.cluster._kmeans._kmeans_single_lloyd",
        "numpy.mean",
        "numpy.dtype",
        "scipy.sparse._bsr.bsr_array",
        "scipy.sparse._bsr.bsr_matrix",
        "scipy.sparse._coo.coo_array",
        "scipy.sparse._coo.coo_matrix",
        "scipy.sparse._csc.csc_array",
        "scipy.sparse._csc.csc_matrix",
        "scipy.sparse._csr.csr_array",
        "scipy.sparse._csr.csr_matrix",
        "sklearn._loss.loss.HalfTweedieLoss",
        "sklearn._loss.loss.HalfTweedieLossIdentity",
        "scipy._lib.array_api_compat.numpy._aliases.asarray",
        "scipy.interpolate._bsplines.BSpline",
        # validate/binary_tree.rs, dist_metric.rs: KD/ball trees and their metrics.
        "sklearn.metrics._dist_metrics.BrayCurtisDistance64",
        "sklearn.metrics._dist_metrics.CanberraDistance64",
        "sklearn.metrics._dist_metrics.ChebyshevDistance64",
        "sklearn.metrics._dist_metrics.DiceDistance64",
        "sklearn.metrics._dist_metrics.EuclideanDistance64",
        "sklearn.metrics._dist_metrics.HammingDistance64",
        "sklearn.metrics._dist_metrics.HaversineDistance64",
        "sklearn.metrics._dist_metrics.JaccardDistance64",
        "sklearn.metrics._dist_metrics.KulsinskiDistance64",
        "sklearn.metrics._dist_metrics.MahalanobisDistance64",
        "sklearn.metrics._dist_metrics.ManhattanDistance64",
        "sklearn.metrics._dist_metrics.MatchingDistance64",
        "sklearn.metrics._dist_metrics.MinkowskiDistance64",
        "sklearn.metrics._dist_metrics.RogersTanimotoDistance64",
        "sklearn.metrics._dist_metrics.RussellRaoDistance64",
        "sklearn.metrics._dist_metrics.SEuclideanDistance64",
        "sklearn.metrics._dist_metrics.SokalMichenerDistance64",
        "sklearn.metrics._dist_metrics.SokalSneathDistance64",
        "sklearn.neighbors._ball_tree.BallTree",
        "sklearn.neighbors._kd_tree.KDTree",
    }
)

# Fixtures holding a node of a VALIDATED_TYPES type that its validator checks but leaves to the
# caller's list (the validator trusts only part of what the type can hold), with those types.
DECLINED_BY_VALIDATORS: dict[str, frozenset[str]] = {
    # A structured dtype: the dtype validator trusts plain dtypes only.
    "objects/dtype_structured.skops": frozenset({"numpy.dtype"}),
}


# ----- crafted files and crash demos ------------------------------------------------------------


def rewrite_archive(
    data: bytes,
    change: Callable[[dict[str, Any], dict[str, bytes]], None],
    *,
    deflated: bool = False,
    drop_unnamed: bool = False,
) -> bytes:
    """The `.skops` archive `data` with its parsed schema and members changed in place by
    `change(schema, members)`, written back as a new archive (deflated if asked; with
    `drop_unnamed`, members the schema no longer names are left out)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    change(schema, members)
    text = json.dumps(schema)
    members["schema.json"] = text.encode()
    out = io.BytesIO()
    compression = zipfile.ZIP_DEFLATED if deflated else zipfile.ZIP_STORED
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, content in members.items():
            if drop_unnamed and name != "schema.json" and f'"{name}"' not in text:
                continue
            archive.writestr(name, content)
    return out.getvalue()


def array_node(
    members: dict[str, bytes], array: np.ndarray, cls: str = "ndarray"
) -> dict[str, Any]:
    """A new NdArrayNode of class `numpy.<cls>` holding `array` in a new member of `members`."""
    node_id = fresh_id()
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    members[f"{node_id}.npy"] = buffer.getvalue()
    return {
        "__class__": cls,
        "__module__": "numpy",
        "__loader__": "NdArrayNode",
        "type": "numpy",
        "file": f"{node_id}.npy",
        "__id__": node_id,
    }


def masked_node(data: dict[str, Any], mask: dict[str, Any]) -> dict[str, Any]:
    """A MaskedArrayNode of the nodes `data` and `mask`."""
    return {
        "__class__": "MaskedArray",
        "__module__": "numpy.ma",
        "__loader__": "MaskedArrayNode",
        "content": {"data": data, "mask": mask},
        "__id__": fresh_id(),
    }


def run_python(code: str, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    """Runs `code` in a fresh interpreter of this environment, with `args` as `sys.argv[1:]`
    (crash demos run there: a segfault must not take the test process down)."""
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def assert_dies_after_loading(result: subprocess.CompletedProcess[str]) -> None:
    """The child printed `loaded` (skops 0.16 accepted the file), then died from a signal."""
    assert result.stdout.startswith("loaded"), result.stderr
    assert result.returncode < 0, (result.returncode, result.stdout, result.stderr)


# A fresh `__id__` for each node a test writes: skops (and skops_rs) keep the first node of an
# id, and small ints share one, so an edited value must not reuse the original's.
_FRESH_IDS = iter(range(10**15, 10**16))


def fresh_id() -> int:
    """An `__id__` no node of a skops-written file has, and no other test node gets."""
    return next(_FRESH_IDS)


def json_node(value: Any) -> dict[str, Any]:
    """A JsonNode holding `value`, under a fresh `__id__`."""
    return {
        "__class__": type(value).__name__,
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(value),
        "is_json": True,
        "__id__": fresh_id(),
    }


def edit_array(
    members: dict[str, bytes], member: str, change: Callable[[np.ndarray], np.ndarray]
) -> None:
    """Replaces the `.npy` member `member` of `members` by `change(a copy of its array)`."""
    array = np.load(io.BytesIO(members[member]), allow_pickle=False)
    out = io.BytesIO()
    np.save(out, change(array.copy()), allow_pickle=False)
    members[member] = out.getvalue()


def set_attribute(state: dict[str, Any], key: str, node: dict[str, Any]) -> None:
    """Sets entry `key` of the DictNode `state` (an object's state) to `node`; a new key gets a
    `str` key type, as skops writes one, so that skops sets the attribute (an entry past the
    end of `key_types` is dropped by skops' `zip`)."""
    if key not in state["content"]:
        state["key_types"]["content"].append(
            {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
        )
    state["content"][key] = node


# ----- a strict recursive comparison ----------------------------------------------------------

#: Types whose instances may be distinct objects with equal values in the two loads.
_VALUE_TYPES = (int, float, complex, str, bytes, bool, type(None), tuple, np.generic, np.dtype)


class Same:
    """Asserts that two objects are the same: types, values and sharing (the one comparison of
    the test suite).

    ``seen`` maps ``id(a)`` to ``b`` for every mutable object compared, so an object shared in
    one load must be shared at the same places in the other.
    """

    def __init__(self, layout: bool = True) -> None:
        self.layout = layout
        self.seen: dict[int, Any] = {}
        self.keep: list[Any] = []  # keeps compared objects alive, so ids stay unique

    def __call__(self, a: Any, b: Any, path: str = "obj") -> None:
        assert type(a) is type(b), f"{path}: {type(a)} != {type(b)}"
        if not isinstance(a, _VALUE_TYPES) and not callable(a):
            if id(a) in self.seen:
                assert self.seen[id(a)] is b, f"{path}: shared in one load only"
                return
            self.seen[id(a)] = b
            self.keep.append(a)
        self._compare(a, b, path)

    def _compare(self, a: Any, b: Any, path: str) -> None:
        if isinstance(a, np.ma.MaskedArray):
            self(a.data, b.data, f"{path}.data")
            self(np.ma.getmaskarray(a), np.ma.getmaskarray(b), f"{path}.mask")
        elif isinstance(a, np.ndarray):
            self._array(a, b, path)
        elif isinstance(a, np.generic):
            assert a.dtype == b.dtype, path
            assert a.tobytes() == b.tobytes(), f"{path}: {a!r} != {b!r}"
        elif isinstance(a, np.dtype):
            assert a == b and a.str == b.str and a.names == b.names, f"{path}: {a} != {b}"
            assert a.descr == b.descr, path
        elif sparse.issparse(a):
            assert a.shape == b.shape and a.dtype == b.dtype and a.format == b.format, path
            assert (a != b).nnz == 0, path
        elif isinstance(a, float):
            assert repr(a) == repr(b), f"{path}: {a!r} != {b!r}"
        elif isinstance(a, (int, str, bytes, bytearray, bool, type(None), complex)):
            assert a == b, f"{path}: {a!r} != {b!r}"
        elif isinstance(a, collections.defaultdict):
            assert a.default_factory is b.default_factory, path
            self._dict(a, b, path)
        elif isinstance(a, dict):
            self._dict(a, b, path)
        elif isinstance(a, (list, tuple)):
            assert len(a) == len(b), f"{path}: length {len(a)} != {len(b)}"
            for index, (x, y) in enumerate(zip(a, b, strict=True)):
                self(x, y, f"{path}[{index}]")
        elif isinstance(a, (set, frozenset)):
            assert a == b, f"{path}: {a!r} != {b!r}"
        elif isinstance(a, (types.FunctionType, types.BuiltinFunctionType, type, np.ufunc)):
            assert a is b, f"{path}: {a!r} is not {b!r}"
        elif isinstance(a, types.MethodType):
            assert a.__func__ is b.__func__, path
            self(a.__self__, b.__self__, f"{path}.__self__")
        elif isinstance(a, functools.partial):
            assert a.func is b.func, path
            self(a.args, b.args, f"{path}.args")
            self(a.keywords, b.keywords, f"{path}.keywords")
            self(a.__dict__, b.__dict__, f"{path}.__dict__")
        elif isinstance(a, (operator.attrgetter, operator.itemgetter, operator.methodcaller)):
            self(a.__reduce__()[1:], b.__reduce__()[1:], f"{path}.__reduce__()")
        elif isinstance(a, np.random.RandomState):
            self(a.get_state(legacy=False), b.get_state(legacy=False), f"{path}.get_state()")
        elif isinstance(a, np.random.Generator):
            assert type(a.bit_generator) is type(b.bit_generator), path
            self(a.bit_generator.state, b.bit_generator.state, f"{path}.bit_generator.state")
            seeds = (a.bit_generator.seed_seq, b.bit_generator.seed_seq)
            self(seeds[0].state, seeds[1].state, f"{path}.seed_seq.state")
        elif isinstance(a, (dt.date, dt.time, dt.timedelta, dt.tzinfo, range)):
            assert a == b and repr(a) == repr(b), f"{path}: {a!r} != {b!r}"
        elif hasattr(a, "__dict__") and not hasattr(type(a), "__reduce_cython__"):
            self(vars(a), vars(b), f"{path}.__dict__")
        else:
            # Cython objects (sklearn's Tree, losses, KDTree...): their pickled state.
            self(a.__reduce__()[1:], b.__reduce__()[1:], f"{path}.__reduce__()")

    def _dict(self, a: dict[Any, Any], b: dict[Any, Any], path: str) -> None:
        assert list(a) == list(b), f"{path}: keys {list(a)} != {list(b)}"
        for (key_a, x), (key_b, y) in zip(a.items(), b.items(), strict=True):
            assert type(key_a) is type(key_b), f"{path}: key {key_a!r}"
            self(x, y, f"{path}[{key_a!r}]")

    def _array(self, a: np.ndarray, b: np.ndarray, path: str) -> None:
        assert a.dtype == b.dtype and a.dtype.descr == b.dtype.descr, f"{path}: dtype"
        assert a.shape == b.shape, f"{path}: shape {a.shape} != {b.shape}"
        # The memory order always; how the buffer is held only between two loads.
        flags = ("C_CONTIGUOUS", "F_CONTIGUOUS")
        if self.layout:
            flags += ("OWNDATA", "WRITEABLE", "ALIGNED")
            assert type(a.base) is type(b.base), f"{path}: base {type(a.base)}"
        for flag in flags:
            assert a.flags[flag] == b.flags[flag], f"{path}: flag {flag}"
        if a.dtype.hasobject:
            for index in np.ndindex(a.shape):
                self(a[index], b[index], f"{path}[{index}]")
        elif a.dtype.names is None:
            np.testing.assert_array_equal(a, b, err_msg=path, strict=True)
        else:
            assert a.tobytes() == b.tobytes() or all(
                np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind in "fc")
                for name in a.dtype.names
            ), path


def assert_same(a: Any, b: Any, *, layout: bool = True) -> None:
    """`a` and `b` are the same object graph (see `Same`); with `layout=False` arrays may hold
    their buffers differently (an object compared with its loaded copy)."""
    Same(layout)(a, b)


def assert_same_error(expected: BaseException, got: BaseException) -> None:
    """`got` is the error skops 0.16 raised as `expected`: the same builtin type (or, for
    skops' own classes, a class of the same name and builtin bases) and the same message."""
    if type(expected).__module__ == "builtins":
        assert type(got) is type(expected), (expected, got)
    else:  # skops' own classes: ours have the same name and builtin bases
        assert type(got).__name__ == type(expected).__name__, (expected, got)
        assert type(got).__bases__ == type(expected).__bases__
    assert str(got) == str(expected)
