"""Dump the rows of skops 0.16's `visualize` tree walk, for the Rust tests of `visualize.rs`.

skops' `visualize` feeds `walk_tree(get_tree(schema, trusted))` to a printer; each row is a
`NodeInfo(level, key, val, is_self_safe, is_safe, is_last)`. This script records those rows
(or the exception the walk raises) as JSON, for two trusted lists per file: none, and every
type `get_untrusted_types` reports (so user-trusted nodes are covered too).

Usage:
- `python dump_rows.py --make DIR`: write the small `.skops` files of `make_objects()` into
  DIR, with `DIR/rows.json` (what `crates/skops-trust/tests/it/visualize.rs` compares with;
  run from the repository root with `DIR=crates/skops-format/tests/data/visualize`).
- `python dump_rows.py --rows DIR OUT`: the rows of every `*.skops` under DIR into OUT
  (the Rust test runs this at test time over `$SKOPS_RS_FIXTURES`).

`rows.json` maps a file name (relative to DIR) to a list of cases
`{"trusted": [...] | null, "rows": [[level, key, val, is_self_safe, is_safe, is_last], ...]}`
or `{"trusted": ..., "error": "ExceptionName: message"}`.
"""

# isort: off
# As in python/tests/fixtures/generate.py: skops computes its default trusted list when
# `skops.io` is first imported, and these estimators are only listed once imported.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.experimental import enable_iterative_imputer  # noqa: F401

import skops.io as sio

# isort: on

import argparse
import collections
import datetime as dt
import functools
import json
import operator
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.linear_model import LogisticRegression, PoissonRegressor
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.tree import DecisionTreeClassifier
from skops.io._audit import get_tree
from skops.io._utils import read_schema
from skops.io._visualize import walk_tree


def _rows(data: bytes, trusted: list[str] | None) -> dict[str, Any]:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zip_file:
        try:
            schema, load_context = read_schema(zip_file)
            tree = get_tree(schema, load_context=load_context, trusted=trusted)
            rows = [
                [n.level, n.key, n.val, n.is_self_safe, n.is_safe, n.is_last]
                for n in walk_tree(tree)
            ]
        except Exception as error:  # any failure is a recorded outcome
            return {"trusted": trusted, "error": f"{type(error).__name__}: {error}"}
    return {"trusted": trusted, "rows": rows}


def cases(data: bytes) -> list[dict[str, Any]]:
    """The rows with no trusted list, and with every reported untrusted type trusted."""
    out = [_rows(data, None)]
    try:
        untrusted = sio.get_untrusted_types(data=data)
    except Exception:  # skops cannot audit it: the first case says why
        return out
    if untrusted:
        out.append(_rows(data, sorted(untrusted)))
    return out


class _Plain:
    """An object saved as an ObjectNode (its `__dict__`)."""

    def __init__(self) -> None:
        self.value = 1


def make_objects() -> dict[str, Any]:
    """Small objects covering every node kind `visualize` formats differently."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = (x[:, 0] > 0).astype(int)
    tree_pipeline = Pipeline(
        [("scale", StandardScaler()), ("tree", DecisionTreeClassifier(max_depth=2))]
    ).fit(x, y)
    shared = [1, 2]
    return {
        "pipeline_tree": tree_pipeline,
        "function_numpy": FunctionTransformer(np.log1p),
        "function_partial": FunctionTransformer(functools.partial(np.round, decimals=2)),
        "numpy_arrays": {
            "float": np.arange(6.0).reshape(2, 3),
            "object": np.array(["a", None, 3], dtype=object),
            "object_2d": np.array([["a", 1], [None, 2.5]], dtype=object),
            "scalar": np.float32(1.5),
            "dtype": np.dtype("int16"),
            "masked": np.ma.MaskedArray([1, 2, 3], mask=[0, 1, 0]),
        },
        "sparse": {"csr": sparse.csr_matrix(np.eye(3)), "coo": sparse.coo_array(np.eye(2))},
        "dict_int_keys": {1: "one", 2.5: [1, 2], "key_types": [3], "nested": {3: (4, 5)}},
        "containers": [
            (1, "a"),
            {1, 2},
            collections.OrderedDict(a=1),
            collections.defaultdict(list, {"k": [1]}),
            shared,
            shared,
            None,
            True,
            1.5,
        ],
        "bytes": {"b": b"\x00\x01'\"quote\n" * 5, "ba": bytearray(b"short"), "e": b""},
        "random": {
            "generator": np.random.default_rng(1),
            "state": np.random.RandomState(2),
        },
        "operator_func": operator.itemgetter(1, 2),
        "timezone": dt.timezone(dt.timedelta(hours=1)),
        "loss": PoissonRegressor(max_iter=300).fit(x, np.abs(x[:, 1])),
        "logistic": LogisticRegression().fit(x, y),
        "slice": {"s": slice(1, None, 2)},
        "method": {"m": _Plain().__init__},
        "plain_object": _Plain(),
        "empty_list_dict": {"list": [], "dict": {}, "tuple": ()},
        "dict_key_types_entry": {"key_types": 5},
    }


def _content(state: dict[str, Any], key: str) -> dict[str, Any]:
    """The state of entry `key` of a DictNode state."""
    return state["content"][key]


def _object_without_state(schema: dict[str, Any]) -> None:
    # What skops writes for an object with neither `__getstate__` nor `__dict__`.
    del _content(schema, "o")["content"]


def _untrusted_key_type(schema: dict[str, Any]) -> None:
    key_type = schema["key_types"]["content"][0]
    key_type["__module__"], key_type["__class__"] = "mymodule", "MyKey"


def _renamed_defaultdict(schema: dict[str, Any]) -> None:
    # A DefaultDictNode trusts only `collections.defaultdict`, whatever the caller trusts.
    _content(schema, "dd")["__class__"] = "MyDefaultDict"


def _protocol_1_generator(schema: dict[str, Any]) -> None:
    schema["protocol"] = 1
    del _content(schema, "g")["content"]["seed_seq"]


def _protocol_0_function(schema: dict[str, Any]) -> None:
    schema["protocol"] = 0
    schema["content"]["f"] = {
        "__class__": "function",
        "__module__": "builtins",
        "__loader__": "FunctionNode",
        "content": {"module_path": "numpy", "function": "log1p"},
    }


def _protocol_0_generator_empty_state(schema: dict[str, Any]) -> None:
    schema["protocol"] = 0
    _content(schema, "g")["content"] = {"bit_generator": {}}


def _slice_with_containers(schema: dict[str, Any]) -> None:
    # Walkable by skops only because every bound is an (empty) container.
    _content(schema, "s")["content"] = {"start": [], "stop": {}, "step": {"a": []}}


def crafted_files() -> dict[str, bytes]:
    """Files skops does not write but reads, each an edited schema of a file it wrote."""
    edits = {
        "crafted_object_without_state": ({"o": _Plain()}, _object_without_state),
        "crafted_untrusted_key_type": ({1: "a"}, _untrusted_key_type),
        "crafted_renamed_defaultdict": (
            {"dd": collections.defaultdict(list)},
            _renamed_defaultdict,
        ),
        "crafted_protocol_1_generator": (
            {"g": np.random.default_rng(3)},
            _protocol_1_generator,
        ),
        "crafted_protocol_0_function": ({"f": None}, _protocol_0_function),
        "crafted_protocol_0_generator": (
            {"g": np.random.default_rng(4)},
            _protocol_0_generator_empty_state,
        ),
        "crafted_slice_containers": ({"s": slice(1, 2)}, _slice_with_containers),
    }
    files = {}
    for name, (obj, edit) in edits.items():
        files[name] = _edit_schema(sio.dumps(obj), edit)
    return files


def _edit_schema(data: bytes, edit: Any) -> bytes:
    import io

    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as target,
    ):
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "schema.json":
                schema = json.loads(content)
                edit(schema)
                content = json.dumps(schema, indent=2).encode()
            target.writestr(info.filename, content)
    return out.getvalue()


def make(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rows: dict[str, Any] = {}
    files = {name: sio.dumps(obj) for name, obj in make_objects().items()}
    files.update(crafted_files())
    for name, data in files.items():
        path = out / f"{name}.skops"
        path.write_bytes(data)
        rows[path.name] = cases(data)
    (out / "rows.json").write_text(json.dumps(rows, indent=1, sort_keys=True) + "\n")


def dump(directory: Path, out: Path) -> None:
    rows = {
        str(path.relative_to(directory)): cases(path.read_bytes())
        for path in sorted(directory.rglob("*.skops"))
    }
    out.write_text(json.dumps(rows, sort_keys=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--make", type=Path, metavar="DIR")
    group.add_argument("--rows", type=Path, nargs=2, metavar=("DIR", "OUT"))
    args = parser.parse_args()
    if args.make is not None:
        make(args.make)
    else:
        dump(*args.rows)


if __name__ == "__main__":
    main()
