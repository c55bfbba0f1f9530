"""`skops_rs.io` handles its arguments exactly as `skops.io` 0.16 does, and writes atomically.

Most tests call both libraries with the same (mis)use and compare what happens: the same
result, or the same exception type with the same message.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops.io.exceptions as sio_exceptions
import skops_rs.io as rio
from _support import assert_same_error
from scipy import special
from sklearn.cluster import Birch
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import DistanceMetric
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from skops.io._utils import get_type_paths as skops_get_type_paths
from skops_rs import _skops_rs
from skops_rs import exceptions as rio_exceptions
from skops_rs.io import _visualize

TREE = "sklearn.tree._tree.Tree"
# What skops 0.16 leaves untrusted in a k-d tree nearest-neighbours model, and skops_rs too
# when the estimator shares the tree's metric object (see test_validate_binary_tree.py): the
# example of a model that needs a `trusted` list.
KD_TREE_TYPES = [
    "sklearn.metrics._dist_metrics.EuclideanDistance64",
    "sklearn.neighbors._kd_tree.KDTree",
]


def raised(call: Callable[[], Any]) -> BaseException:
    """The exception `call` raises (fails the test if it raises none)."""
    with pytest.raises(BaseException) as info:
        call()
    return info.value


def assert_raise_the_same(skops_call: Callable[[], Any], rs_call: Callable[[], Any]) -> None:
    """Both calls raise the same error (`_support.assert_same_error`)."""
    assert_same_error(raised(skops_call), raised(rs_call))


@pytest.fixture(scope="module")
def fitted_tree() -> DecisionTreeClassifier:
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    return DecisionTreeClassifier(random_state=0).fit(X, y)


@pytest.fixture(scope="module")
def fitted_kd_tree() -> KNeighborsClassifier:
    X, y = np.arange(40.0).reshape(20, 2), np.arange(20) % 2
    metric = DistanceMetric.get_metric("euclidean")
    return KNeighborsClassifier(algorithm="kd_tree", metric=metric).fit(X, y)


@pytest.fixture(scope="module")
def scaler() -> MinMaxScaler:
    return MinMaxScaler(feature_range=(-5, 12)).fit([[0.0], [1.0]])


@pytest.fixture
def capture_trusted(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Replace the native loaders by recorders of the `trusted` list they receive."""
    calls: list[list[str]] = []

    def fake_loads(data: bytes, trusted: list[str]) -> str:
        assert isinstance(data, bytes)
        calls.append(trusted)
        return "loaded"

    def fake_tree_nodes(data: bytes, trusted: list[str]) -> list[tuple]:
        calls.append(trusted)
        return [(0, "root", "builtins.list", True, True, False)]

    monkeypatch.setattr(_skops_rs, "loads", fake_loads, raising=False)
    monkeypatch.setattr(_skops_rs, "tree_nodes", fake_tree_nodes, raising=False)
    return calls


# ----- module surface ------------------------------------------------------------------------


def test_all_is_skops_all():
    assert sorted(rio.__all__) == sorted(sio.__all__)
    for name in rio.__all__:
        assert callable(getattr(rio, name))


def test_exception_module_mirrors_skops():
    from skops_rs.io import exceptions

    assert exceptions.UntrustedTypesFoundException is rio_exceptions.UntrustedTypesFoundException
    assert exceptions.UNTRUSTED_TYPE_REASONS == sio_exceptions.UNTRUSTED_TYPE_REASONS


#: Parameters skops_rs adds after skops' own, keyword-only with a default that behaves as
#: skops (or safer): every skops call is a skops_rs call.
ADDED_PARAMETERS = {"dump": ["durable"], "load": ["mmap_mode"]}


@pytest.mark.parametrize("name", ["dump", "dumps", "load", "loads", "get_untrusted_types"])
def test_signatures_match_skops(name):
    import inspect

    ours = inspect.signature(getattr(rio, name))
    theirs = inspect.signature(getattr(sio, name))
    added = ADDED_PARAMETERS.get(name, [])
    assert list(ours.parameters) == list(theirs.parameters) + added
    for extra in added:
        param = ours.parameters[extra]
        assert param.kind == param.KEYWORD_ONLY and param.default is not param.empty
    for param in ours.parameters.values():
        if param.name in added:
            continue
        other = theirs.parameters[param.name]
        assert (param.kind, param.default) == (other.kind, other.default), param.name


def test_visualize_signature_matches_skops():
    import inspect

    ours = inspect.signature(rio.visualize).parameters
    theirs = inspect.signature(sio.visualize).parameters
    assert list(ours) == list(theirs)
    assert ours["show"].default == theirs["show"].default == "all"
    assert ours["trusted"].default is None
    assert ours["sink"].default is _visualize.pretty_print_tree


# ----- misuse: same exception, same message ------------------------------------------------


def test_loads_str_is_refused_as_in_skops():
    assert_raise_the_same(lambda: sio.loads("not bytes"), lambda: rio.loads("not bytes"))


def test_loads_str_is_refused_before_looking_at_trusted():
    assert_raise_the_same(
        lambda: sio.loads("x", trusted=True), lambda: rio.loads("x", trusted=True)
    )


def test_trusted_true_is_refused_by_loads_as_in_skops():
    data = sio.dumps([1, 2])
    assert_raise_the_same(
        lambda: sio.loads(data, trusted=True), lambda: rio.loads(data, trusted=True)
    )
    message = str(raised(lambda: rio.loads(data, trusted=True)))
    assert "CVE-2024-37065" in message


def test_trusted_true_is_refused_by_load_as_in_skops(tmp_path):
    path = tmp_path / "list.skops"
    sio.dump([1, 2], path)
    assert_raise_the_same(
        lambda: sio.load(path, trusted=True), lambda: rio.load(path, trusted=True)
    )


def test_trusted_true_is_refused_before_the_file_is_opened(tmp_path):
    missing = tmp_path / "missing.skops"
    assert_raise_the_same(
        lambda: sio.load(missing, trusted=True), lambda: rio.load(missing, trusted=True)
    )


def test_trusted_true_in_visualize_fails_as_in_skops():
    data = sio.dumps([1, 2])
    assert_raise_the_same(
        lambda: sio.visualize(data, trusted=True), lambda: rio.visualize(data, trusted=True)
    )


@pytest.mark.parametrize("bad", [5, [5], [None]], ids=["int", "list-of-int", "list-of-none"])
def test_malformed_trusted_fails_as_in_skops(bad):
    data = sio.dumps([1, 2])
    assert_raise_the_same(
        lambda: sio.loads(data, trusted=bad), lambda: rio.loads(data, trusted=bad)
    )


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"data": None, "file": None}, {"data": b""}, {"file": ""}, {"data": b"", "file": None}],
    ids=["nothing", "both-none", "empty-data", "empty-file", "empty-data-none-file"],
)
def test_get_untrusted_types_needs_one_argument(kwargs):
    assert_raise_the_same(
        lambda: sio.get_untrusted_types(**kwargs), lambda: rio.get_untrusted_types(**kwargs)
    )
    assert str(raised(lambda: rio.get_untrusted_types(**kwargs))) == (
        "Exactly one of data or file should be passed."
    )


def test_get_untrusted_types_refuses_both_arguments(tmp_path):
    data = sio.dumps([1])
    assert_raise_the_same(
        lambda: sio.get_untrusted_types(data=data, file=tmp_path / "x.skops"),
        lambda: rio.get_untrusted_types(data=data, file=tmp_path / "x.skops"),
    )


def test_get_untrusted_types_arguments_are_keyword_only():
    data = sio.dumps([1])
    assert_raise_the_same(
        lambda: sio.get_untrusted_types(data),  # type: ignore[misc]
        lambda: rio.get_untrusted_types(data),  # type: ignore[misc]
    )


def test_dump_arguments_after_file_are_keyword_only(tmp_path):
    assert_raise_the_same(
        lambda: sio.dump([1], tmp_path / "a.skops", zipfile.ZIP_DEFLATED),  # type: ignore[misc]
        lambda: rio.dump([1], tmp_path / "b.skops", zipfile.ZIP_DEFLATED),  # type: ignore[misc]
    )


def test_load_missing_file_fails_as_in_skops(tmp_path):
    missing = tmp_path / "missing.skops"
    expected, got = raised(lambda: sio.load(missing)), raised(lambda: rio.load(missing))
    assert type(got) is type(expected) is FileNotFoundError


def test_unknown_compression_method_fails_as_in_skops():
    assert_raise_the_same(
        lambda: sio.dumps([1], compression=99), lambda: rio.dumps([1], compression=99)
    )


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_bzip2_and_lzma_are_refused_clearly(method, monkeypatch):
    # Checked before the native writer is called.
    monkeypatch.setattr(_skops_rs, "dumps", _must_not_be_called, raising=False)
    with pytest.raises(ValueError, match="writes only ZIP_STORED and ZIP_DEFLATED"):
        rio.dumps([1], compression=method)


@pytest.mark.parametrize("level", [10, -2])
def test_out_of_range_deflate_level_is_a_value_error_as_in_skops(level, monkeypatch):
    expected = raised(lambda: sio.dumps([1], compression=zipfile.ZIP_DEFLATED, compresslevel=level))
    monkeypatch.setattr(_skops_rs, "dumps", _must_not_be_called, raising=False)
    got = raised(lambda: rio.dumps([1], compression=zipfile.ZIP_DEFLATED, compresslevel=level))
    assert type(got) is type(expected) is ValueError
    assert "compresslevel" in str(got)


def test_compression_arguments_reach_the_native_writer(monkeypatch):
    calls = []

    def fake_dumps(obj, deflate_level):
        calls.append((obj, deflate_level))
        return b"archive"

    monkeypatch.setattr(_skops_rs, "dumps", fake_dumps, raising=False)
    assert rio.dumps("x") == b"archive"
    rio.dumps("x", compression=zipfile.ZIP_DEFLATED, compresslevel=9)
    rio.dumps("x", compression=zipfile.ZIP_DEFLATED, compresslevel=-1)
    rio.dumps("x", compression=zipfile.ZIP_STORED, compresslevel=9)  # ignored, as zipfile does
    # None: stored; -1 is zlib's default level, 6.
    assert calls == [("x", None), ("x", 9), ("x", 6), ("x", None)]


def _must_not_be_called(*args: Any, **kwargs: Any) -> bytes:
    raise AssertionError("the native writer must not be reached")


# ----- the trusted argument: strings, types, single values ----------------------------------


@pytest.mark.parametrize(
    "trusted",
    [
        None,
        [],
        False,
        "sklearn.tree._tree.Tree",
        ["a.b", "c.d"],
        LogisticRegression,
        [LogisticRegression, "x.Y", np.ndarray, np.random.RandomState],
        (StandardScaler, int, dict),
        [np.sqrt, special.erf, special.erfinv, len],
        [DecisionTreeClassifier().fit([[0], [1]], [0, 1]).tree_.__class__],
    ],
    ids=[
        "none",
        "empty",
        "false",
        "single-str",
        "strs",
        "single-type",
        "types-and-strs",
        "tuple",
        "functions-without-module",
        "cython-type",
    ],
)
def test_trusted_is_normalised_as_skops_does(trusted, capture_trusted):
    assert rio.loads(b"any bytes", trusted=trusted) == "loaded"
    assert capture_trusted == [skops_get_type_paths(trusted)]


def test_trusted_types_are_named_by_module_and_name(capture_trusted):
    rio.loads(b"x", trusted=[LogisticRegression, special.erf])
    names = capture_trusted[0]
    assert names[0] == "sklearn.linear_model._logistic.LogisticRegression"
    # scipy ufuncs have no `__module__`: found by scanning sys.modules, as skops does.
    assert names[1].startswith("scipy.special.") and names[1].endswith(".erf")


def test_load_and_visualize_normalise_trusted_too(tmp_path, capture_trusted, capsys):
    path = tmp_path / "x.skops"
    path.write_bytes(b"bytes")
    rio.load(path, trusted=LogisticRegression)
    rio.visualize(path, trusted=[np.ndarray, "a.b"])
    assert capture_trusted == [
        ["sklearn.linear_model._logistic.LogisticRegression"],
        ["numpy.ndarray", "a.b"],
    ]
    assert capsys.readouterr().out == "root: builtins.list\n"


def test_loads_accepts_bytes_like_objects_as_skops(capture_trusted):
    for data in (bytearray(b"abc"), memoryview(b"abc")):
        assert rio.loads(data) == "loaded"
    assert_raise_the_same(lambda: sio.loads(12), lambda: rio.loads(12))  # type: ignore[arg-type]


def test_load_reads_a_file_object_from_its_start_without_closing_it(monkeypatch):
    seen = []
    monkeypatch.setattr(_skops_rs, "loads", lambda data, trusted: seen.append(data), raising=False)
    stream = io.BytesIO(b"whole content")
    stream.seek(5)
    rio.load(stream)
    assert seen == [b"whole content"]
    assert not stream.closed


def test_load_refuses_bytes_with_a_pointer_to_loads():
    with pytest.raises(TypeError, match="loads"):
        rio.load(b"data")  # type: ignore[arg-type]


# ----- real round trips (need the native module) --------------------------------------------


def test_dump_and_load_with_str_and_path(tmp_path, scaler):
    for target in (str(tmp_path / "a.skops"), tmp_path / "b.skops"):
        rio.dump(scaler, target)
        loaded = rio.load(target)
        np.testing.assert_array_equal(loaded.transform([[0.5]]), scaler.transform([[0.5]]))
        assert sio.load(target).feature_range == (-5, 12)


def test_load_after_auditing_the_path_reads_it_once_while_unchanged(monkeypatch, tmp_path, scaler):
    """`load(path, trusted=get_untrusted_types(file=path))` reads the file once; a file
    changed after the audit is read again, so what loads is always what was audited or read
    by `load` itself."""
    import skops_rs.io as rio_module

    reads: list[object] = []
    real_read = rio_module._read_path

    def counting_read(file: Any) -> tuple[tuple[int, ...], bytes]:
        reads.append(file)
        return real_read(file)

    # Every read of a path goes through `_read_path`.
    monkeypatch.setattr(rio_module, "_read_path", counting_read)
    path = tmp_path / "model.skops"
    rio.dump(scaler, path)
    loaded = rio.load(path, trusted=rio.get_untrusted_types(file=path))
    assert loaded.feature_range == (-5, 12)
    assert len(reads) == 1
    # Changed after the audit (another model, another size): read again, the new one loads.
    rio.get_untrusted_types(file=path)
    rio.dump(MinMaxScaler(feature_range=(0, 3)).fit([[0.0], [1.0], [2.0]]), path)
    assert rio.load(path).feature_range == (0, 3)
    assert len(reads) == 3
    # What the audit read is used once: a second load reads the file.
    assert rio.load(path).feature_range == (0, 3)
    assert len(reads) == 4


def test_dump_and_load_with_file_objects(tmp_path, scaler):
    stream = io.BytesIO()
    rio.dump(scaler, stream)
    assert not stream.closed
    assert "schema.json" in zipfile.ZipFile(io.BytesIO(stream.getvalue())).namelist()
    # skops reads a stream whatever its position: here it is at the end.
    assert type(rio.load(stream)) is MinMaxScaler
    assert type(sio.load(stream)) is MinMaxScaler

    path = tmp_path / "scaler.skops"
    with open(path, "wb") as f:
        rio.dump(scaler, f)
        assert not f.closed
    with open(path, "rb") as f:
        assert type(rio.load(f)) is MinMaxScaler
        assert not f.closed
        assert rio.get_untrusted_types(file=f) == []


@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_dumps_writes_the_requested_compression(compression, scaler):
    data = rio.dumps(scaler, compression=compression, compresslevel=9 if compression else None)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert {info.compress_type for info in archive.infolist()} == {compression}
    assert type(sio.loads(data)) is MinMaxScaler


def test_untrusted_exception_matches_skops(fitted_kd_tree):
    data = sio.dumps(fitted_kd_tree)
    assert_raise_the_same(lambda: sio.loads(data), lambda: rio.loads(data))
    error = raised(lambda: rio.loads(data))
    assert isinstance(error, rio_exceptions.UntrustedTypesFoundException)
    assert error.types == KD_TREE_TYPES


def test_a_tree_loads_with_no_trusted_list_where_skops_needs_one(fitted_tree):
    # Validated and tied to the estimator's `n_features_in_` (see skops_trust::validate).
    data = sio.dumps(fitted_tree)
    assert isinstance(raised(lambda: sio.loads(data)), sio_exceptions.UntrustedTypesFoundException)
    for loaded in (rio.loads(data), rio.loads(data, trusted=[TREE])):
        np.testing.assert_array_equal(
            loaded.predict([[3.0, 4.0]]), fitted_tree.predict([[3.0, 4.0]])
        )


@pytest.mark.parametrize(
    "trusted",
    [[TREE], TREE, "tree-type", ["tree-type"]],
    ids=["list-of-str", "str", "type", "list-of-type"],
)
def test_trusted_by_name_or_type_loads(trusted, fitted_tree):
    if "tree-type" in trusted:
        tree_type = type(fitted_tree.tree_)
        trusted = tree_type if trusted == "tree-type" else [tree_type]
    for data in (sio.dumps(fitted_tree), rio.dumps(fitted_tree)):
        loaded = rio.loads(data, trusted=trusted)
        np.testing.assert_array_equal(
            loaded.predict([[3.0, 4.0]]), fitted_tree.predict([[3.0, 4.0]])
        )


def test_get_untrusted_types_from_data_path_and_str(tmp_path, pipeline):
    path = tmp_path / "pipeline.skops"
    rio.dump(pipeline, path)
    # skops lists the function and the tree; the tree is validated here.
    expected = [name for name in sio.get_untrusted_types(file=path) if name != TREE]
    assert expected == [f"{__name__}.unsafe_function"]
    assert rio.get_untrusted_types(file=path) == expected
    assert rio.get_untrusted_types(file=str(path)) == expected
    assert rio.get_untrusted_types(data=path.read_bytes()) == expected


def test_unsupported_type_matches_skops():
    birch = Birch(n_clusters=None).fit(np.arange(20.0).reshape(10, 2))
    assert_raise_the_same(lambda: sio.dumps(birch), lambda: rio.dumps(birch))


def unsafe_function(x: Any) -> Any:
    return x


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline(
        [
            ("scale", StandardScaler()),
            ("func", FunctionTransformer(unsafe_function)),
            ("tree", DecisionTreeClassifier(random_state=0, max_depth=2)),
        ]
    ).fit(np.arange(20.0).reshape(10, 2), np.arange(10) % 2)


@pytest.mark.parametrize("show", ["all", "untrusted", "trusted"])
@pytest.mark.parametrize(
    "kwargs",
    [{}, {"use_colors": False}, {"tag_safe": "[ok]", "tag_unsafe": "!!"}],
    ids=["default", "no-colors", "tags"],
)
def test_visualize_prints_what_skops_prints(show, kwargs, pipeline, capsys):
    data = sio.dumps(pipeline)
    sio.visualize(data, show=show, **kwargs)
    expected = capsys.readouterr().out
    rio.visualize(data, show=show, **kwargs)
    assert capsys.readouterr().out == expected
    assert "[UNSAFE]" in expected or "!!" in expected or show == "trusted"


def test_visualize_with_trusted_and_custom_sink(tmp_path, pipeline):
    path = tmp_path / "pipeline.skops"
    rio.dump(pipeline, path)
    trusted = [TREE, f"{__name__}.unsafe_function"]
    got: list[Any] = []

    def sink(nodes, show, **kwargs):
        got.append(
            (
                [(n.level, n.key, n.val, n.is_self_safe, n.is_safe, n.is_last) for n in nodes],
                show,
                kwargs,
            )
        )

    expected: list[Any] = []

    def skops_sink(nodes, show, **kwargs):
        expected.append(
            (
                [(n.level, n.key, n.val, n.is_self_safe, n.is_safe, n.is_last) for n in nodes],
                show,
                kwargs,
            )
        )

    rio.visualize(path, show="untrusted", trusted=trusted, sink=sink, extra=1)
    sio.visualize(path, show="untrusted", trusted=trusted, sink=skops_sink, extra=1)
    assert got == expected
    assert all(row[4] for row in got[0][0])  # everything trusted now


def test_pretty_print_tree_plain_text(monkeypatch, capsys):
    monkeypatch.setattr(_visualize, "_rich_is_installed", lambda: False)
    rows = [
        (0, "root", "a.Root", True, False, False),
        (1, "attrs", "builtins.dict", True, False, True),
        (2, "x", "json-type(1)", True, True, False),
        (2, "steps", "builtins.list", True, False, False),
        (3, "content", "bad.Type", False, False, True),
        (2, "y", "numpy.ndarray", True, True, True),
    ]
    _visualize.pretty_print_tree(iter(_visualize.NodeInfo(*r) for r in rows), "all")
    assert capsys.readouterr().out.splitlines() == [
        "root: a.Root",
        "└── attrs: builtins.dict",
        "    ├── x: json-type(1)",
        "    ├── steps: builtins.list",
        "    │   └── content: bad.Type [UNSAFE]",
        "    └── y: numpy.ndarray",
    ]
    _visualize.pretty_print_tree(iter(_visualize.NodeInfo(*r) for r in rows), "untrusted")
    assert capsys.readouterr().out.splitlines() == [
        "root: a.Root",
        "└── attrs: builtins.dict",
        "    ├── steps: builtins.list",
        "    │   └── content: bad.Type [UNSAFE]",
    ]


# ----- atomic dump to a path -----------------------------------------------------------------


def _leftovers(directory: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name not in keep)


@pytest.fixture
def old_file(tmp_path: Path) -> Path:
    path = tmp_path / "model.skops"
    path.write_bytes(b"old content")
    return path


def test_dump_replaces_the_file_atomically(monkeypatch, old_file):
    monkeypatch.setattr(_skops_rs, "dumps", lambda *args: b"new content", raising=False)
    old_file.chmod(0o640)
    rio.dump("obj", old_file)
    assert old_file.read_bytes() == b"new content"
    assert _leftovers(old_file.parent, {old_file.name}) == []
    if os.name == "posix":
        assert old_file.stat().st_mode & 0o777 == 0o640


def test_dump_not_durable_is_as_atomic(monkeypatch, old_file):
    """`durable=False` skips the flush to disk only: the same replacement, permissions kept,
    no temporary file left; the content is what a durable dump writes."""
    monkeypatch.setattr(_skops_rs, "dumps", lambda *args: b"new content", raising=False)
    old_file.chmod(0o640)
    rio.dump("obj", old_file, durable=False)
    assert old_file.read_bytes() == b"new content"
    assert _leftovers(old_file.parent, {old_file.name}) == []
    if os.name == "posix":
        assert old_file.stat().st_mode & 0o777 == 0o640
    with pytest.raises(TypeError):
        rio.dump("obj", old_file, 0, None, False)  # type: ignore[misc]


def test_dump_failing_in_the_writer_leaves_the_old_file(monkeypatch, old_file):
    def failing_dumps(*args: Any) -> bytes:
        raise rio_exceptions.UnsupportedTypeException("Objects of type X are not supported yet.")

    monkeypatch.setattr(_skops_rs, "dumps", failing_dumps, raising=False)
    with pytest.raises(rio_exceptions.UnsupportedTypeException):
        rio.dump("obj", old_file)
    assert old_file.read_bytes() == b"old content"
    assert _leftovers(old_file.parent, {old_file.name}) == []


@pytest.mark.skipif(os.name != "posix", reason="RLIMIT_FSIZE")
def test_dump_failing_mid_write_removes_the_temp_file(old_file):
    """The write fails half-way (the process may not write files over 1,000 bytes: EFBIG):
    the temporary file is removed and the old file is left as it was."""
    code = textwrap.dedent(
        f"""
        import resource, signal, sys
        from skops_rs import _skops_rs
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))
        try:
            _skops_rs.write_atomic({str(old_file)!r}, b"new content" * 1000)
        except OSError as error:
            print(type(error).__name__, error.errno, error.filename)
            sys.exit(0)
        sys.exit("no error")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    name, errno, filename = result.stdout.split()
    assert name == "OSError" and int(errno) == 27  # EFBIG
    assert Path(filename).parent == old_file.parent  # the temporary file, next to the target
    assert old_file.read_bytes() == b"old content"
    assert _leftovers(old_file.parent, {old_file.name}) == []


def test_dump_to_a_new_path_failing_leaves_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(_skops_rs, "dumps", lambda *args: b"new", raising=False)
    with pytest.raises(FileNotFoundError) as info:
        rio.dump("obj", tmp_path / "missing" / "new.skops")
    assert "missing" in str(info.value.filename)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.skipif(os.name != "posix", reason="symbolic links")
def test_dump_writes_through_a_symlink(monkeypatch, old_file):
    monkeypatch.setattr(_skops_rs, "dumps", lambda *args: b"new content", raising=False)
    link = old_file.parent / "link.skops"
    link.symlink_to(old_file.name)
    rio.dump("obj", link)
    assert link.is_symlink()
    assert old_file.read_bytes() == b"new content"


def test_dump_to_a_directory_fails_and_leaves_nothing(monkeypatch, tmp_path):
    monkeypatch.setattr(_skops_rs, "dumps", lambda *args: b"new", raising=False)
    target = tmp_path / "dir.skops"
    target.mkdir()
    with pytest.raises(OSError):
        rio.dump("obj", target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.skops"]


def test_a_dump_killed_mid_write_leaves_a_whole_file(tmp_path):
    """A process killed (SIGKILL) while `dump` writes a 40 MB model over an existing file
    leaves the target whole: the old model or the new one, never a torn file. What a kill
    leaves behind is only the hidden temporary file next to it (`.model.skops.*`), which no
    `load` of the target reads."""
    import signal
    import time

    path = tmp_path / "model.skops"
    rio.dump({"version": "old"}, path)
    writer = textwrap.dedent(
        f"""
        import sys
        import numpy as np
        import skops_rs.io as rio
        big = {{"version": "new", "data": np.arange(5_000_000, dtype=np.float64)}}
        while True:
            print("writing", flush=True)
            rio.dump(big, {str(path)!r})
        """
    )
    for delay in (0.0, 0.01, 0.03, 0.06, 0.1, 0.2):
        process = subprocess.Popen(
            [sys.executable, "-c", writer], stdout=subprocess.PIPE, text=True
        )
        assert process.stdout is not None
        assert process.stdout.readline() == "writing\n"
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        process.stdout.close()
        loaded = rio.load(path)
        assert loaded["version"] in ("old", "new")
        if loaded["version"] == "new":
            assert np.array_equal(loaded["data"], np.arange(5_000_000, dtype=np.float64))
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "model.skops"]
    assert all(name.startswith(".model.skops.") for name in leftovers), leftovers
