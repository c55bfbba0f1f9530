"""Write `crates/skops-trust/data/trusted-types.json` from the live skops 0.16 environment.

Usage: `python scripts/gen_trusted_types.py [--out PATH]` (default: the committed file).

What it holds, all read from skops itself rather than copied by hand:

- `lists`: every list of type names in `skops.io._trusted_types` (PRIMITIVE_TYPE_NAMES,
  CONTAINER_TYPE_NAMES, SKLEARN_ESTIMATOR_TYPE_NAMES, ... whatever the module defines),
  plus `ALLOWED_LOSSES` of `skops.io._sklearn` (LossNode's defaults).
- `node_defaults`: for each node class (`__loader__` name), the names that node trusts when the
  user passes no `trusted` list. They are read from real nodes: representative objects are
  dumped with skops, the tree is built with `trusted=None`, and each node's `trusted`
  attribute is collected (skipping the children of reduce nodes, which inherit the reduce
  node's list). Old-protocol loaders (`protocol_0`, `protocol_1`) are read the same
  way from the loaders skops keeps for them.
- `loaders`: every (`__loader__`, protocol) pair skops can load.
- `untrusted_type_reasons`: `skops.io.exceptions.UNTRUSTED_TYPE_REASONS`.
- `environment`: the versions, and the experimental sklearn modules imported before skops
  (they add HalvingGridSearchCV, HalvingRandomSearchCV and IterativeImputer to
  SKLEARN_ESTIMATOR_TYPE_NAMES, because skops computes that list at import time).

The output is deterministic: sorted lists, sorted keys, no timestamps.
"""

# isort: off
# Must run before skops.io is imported (see the module docstring).
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.experimental import enable_iterative_imputer  # noqa: F401

import skops.io as sio

# isort: on

import argparse
import collections
import io
import json
import operator
import platform
import sys
import zipfile
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import scipy
import sklearn
import skops
from scipy import sparse
from sklearn.datasets import make_classification
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model._sgd_fast import Hinge
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier
from skops.io import _sklearn, _trusted_types
from skops.io._audit import NODE_TYPE_MAPPING, Node, get_tree
from skops.io._sklearn import ReduceNode
from skops.io._utils import LoadContext, get_type_name
from skops.io.exceptions import UNTRUSTED_TYPE_REASONS
from skops.io.old import _general_v0, _numpy_v1

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "crates" / "skops-trust" / "data" / "trusted-types.json"

EXPERIMENTAL_IMPORTS = [
    "sklearn.experimental.enable_halving_search_cv",
    "sklearn.experimental.enable_iterative_imputer",
]


def type_name_lists() -> dict[str, list[str]]:
    """Every module-level list of type-name strings in `skops.io._trusted_types`."""
    lists = {}
    for name in dir(_trusted_types):
        value = getattr(_trusted_types, name)
        if (
            name.isupper()
            and isinstance(value, list)
            and value
            and all(isinstance(item, str) for item in value)
        ):
            lists[name] = sorted(set(value))
    lists["ALLOWED_LOSSES"] = sorted(get_type_name(loss) for loss in _sklearn.ALLOWED_LOSSES)
    return lists


def representative_objects() -> dict[str, Any]:
    """Objects that make skops write every node kind it has (fitted where needed)."""
    X, y = make_classification(n_samples=40, n_features=4, random_state=0)
    default = collections.defaultdict(list)
    default["k"].append(1)
    return {
        "dict": {1: "a"},
        "ordered": collections.OrderedDict(a=1),
        "default": default,
        "list": [1],
        "set": {1},
        "tuple": (1,),
        "ufunc": np.sqrt,
        "partial": partial(np.add, 1),
        "type": np.float64,
        "slice": slice(1, 2),
        "reduce": range(3),
        "method": StandardScaler().fit(X).transform,
        "bytes": b"x",
        "bytearray": bytearray(b"x"),
        "operator": operator.attrgetter("real"),
        "array": np.arange(3),
        "object_array": np.array([1, "a"], dtype=object),
        "masked": np.ma.array([1, 2], mask=[0, 1]),
        "random_state": np.random.RandomState(0),
        "generator": np.random.default_rng(0),
        "dtype": np.dtype("f8"),
        "sparse": sparse.csr_array(np.eye(2)),
        "tree": DecisionTreeClassifier(max_depth=1, random_state=0).fit(X, y),
        "gb_loss": GradientBoostingClassifier(n_estimators=1, random_state=0).fit(X, y),
        "sgd_loss": Hinge(1.0),
    }


def iter_nodes(root: Node) -> Iterator[Node]:
    """Every node of a tree, but not the children of reduce nodes (iterative).

    skops' ReduceNode (TreeNode, LossNode) hands its own trusted list down to its children, so
    the nodes below it do not show their class defaults.
    """
    stack: list[Any] = [root]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            if id(item) in seen:
                continue
            seen.add(id(item))
            yield item
            if not isinstance(item, ReduceNode):
                stack.extend(item.children.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())


def trusted_by_node(schema: dict[str, Any], data: bytes, protocol: int) -> dict[str, list[str]]:
    """Node class name -> the names it trusts by default, from a tree built with no trust."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        context = LoadContext(src=archive, protocol=protocol)
        tree = get_tree(schema, context, trusted=None)
        found: dict[str, list[str]] = {}
        for node in iter_nodes(tree):
            names = sorted(set(node.trusted or []))
            previous = found.setdefault(type(node).__name__, names)
            if previous != names:
                raise RuntimeError(f"{type(node).__name__} nodes trust different names")
    return dict(sorted(found.items()))


def node_defaults() -> dict[str, dict[str, list[str]]]:
    """Default trusted names per node class, for the current and the old protocols."""
    data = sio.dumps(representative_objects())
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
    result = {f"protocol_{schema['protocol']}": trusted_by_node(schema, data, schema["protocol"])}

    # Protocol 0 FunctionNode and protocol 1 RandomGeneratorNode: the old loaders skops keeps.
    function_v0 = _general_v0.FunctionNode(
        {
            "__class__": "ufunc",
            "__module__": "numpy",
            "__loader__": "FunctionNode",
            "content": {"module_path": "numpy", "function": "sqrt"},
        },
        LoadContext(src=zipfile.ZipFile(io.BytesIO(data)), protocol=0),
        trusted=None,
    )
    result["protocol_0"] = {"FunctionNode": sorted(set(function_v0.trusted))}
    generator_state = schema["content"]["generator"]
    generator_v1 = _numpy_v1.RandomGeneratorNode(
        generator_state,
        LoadContext(src=zipfile.ZipFile(io.BytesIO(data)), protocol=1),
        trusted=None,
    )
    result["protocol_1"] = {"RandomGeneratorNode": sorted(set(generator_v1.trusted))}
    return result


def build() -> dict[str, Any]:
    """The whole document written to trusted-types.json."""
    return {
        "environment": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__,
            "skops": skops.__version__,
            "experimental_imports": EXPERIMENTAL_IMPORTS,
            "note": (
                "generated by scripts/gen_trusted_types.py; the experimental modules were "
                "imported before skops.io, so SKLEARN_ESTIMATOR_TYPE_NAMES includes the "
                "estimators they enable"
            ),
        },
        "lists": type_name_lists(),
        # Every (`__loader__`, protocol) pair skops 0.16 can load. Loaders missing from
        # node_defaults (CachedNode, QuantileForestNode without the quantile-forest package,
        # the unloadable protocol 0 RandomGeneratorNode) trust nothing of their own here.
        "loaders": sorted([name, protocol] for name, protocol in NODE_TYPE_MAPPING),
        "node_defaults": node_defaults(),
        "untrusted_type_reasons": dict(sorted(UNTRUSTED_TYPE_REASONS.items())),
    }


def render() -> str:
    """The JSON text, deterministic."""
    return json.dumps(build(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: write the file (default: the committed one)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="file to write")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(), encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
