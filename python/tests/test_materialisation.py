"""The materialisation budget (`skops_format::budget`): a small file naming one large member
from many nodes (each with its own `__id__`) is refused when it is opened, before anything is
built, and the memory of a load stays flat; skops 0.16 copies the member once per node. So are
`Tree`s sharing one state, each of which would copy its arrays.

Peak memory is the high-water mark of a child process's resident set (`VmHWM`; not
`ru_maxrss`, which after `vfork` starts from the parent's), reset after the library is imported;
each child runs under an address-space limit of what it had mapped after the import plus
`HEADROOM`, so a regression fails with `MemoryError` instead of taking the machine's memory.
"""

from __future__ import annotations

import copy
import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import fresh_id, rewrite_archive
from skops_rs.exceptions import SkopsFormatError

#: The size of the one `.npy` member's data (float64 zeros: it deflates to ~32 KB).
MEMBER = 32 << 20
#: Nodes naming it in the hostile file: 8 GiB if each were materialised.
HOSTILE_NODES = 256
#: What a child may map beyond what it had after importing the library.
HEADROOM = 1 << 30

_CHILD = r"""
import importlib, json, re, resource, sys

def status(field):
    with open("/proc/self/status") as text:
        return int(re.search(field + r":\s+(\d+)", text.read()).group(1)) * 1024

module = importlib.import_module(sys.argv[1])
limit = status("VmSize") + int(sys.argv[3])
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
try:
    # Resets the high-water mark to the current RSS, so `peak` is the load's own.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
except OSError:
    pass
start = status("VmHWM")
try:
    module.load(sys.argv[2])
    outcome, message = "loads", ""
except BaseException as exc:
    kind = getattr(exc, "kind", None)
    outcome = type(exc).__name__ + (f":{kind}" if kind else "")
    message = str(exc)
print(json.dumps({"start": start, "peak": status("VmHWM"), "outcome": outcome, "message": message}))
"""


def _archive(array: np.ndarray, nodes: int) -> bytes:
    """A `.skops` file whose root list holds `nodes` NdArrayNodes, each with its own `__id__`,
    all naming the one deflated member `a.npy` holding `array`."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    items = [
        {
            "__class__": "ndarray",
            "__module__": "numpy",
            "__loader__": "NdArrayNode",
            "type": "numpy",
            "file": "a.npy",
            "__id__": 2 + index,
        }
        for index in range(nodes)
    ]
    schema = {
        "__class__": "list",
        "__module__": "builtins",
        "__loader__": "ListNode",
        "content": items,
        "__id__": 1,
        "protocol": 2,
        "_skops_version": "0.16.0",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("a.npy", buffer.getvalue())
        archive.writestr("schema.json", json.dumps(schema))
    return out.getvalue()


def _load_in_child(module: str, path: Path) -> dict[str, object]:
    """`{start, peak, outcome, message}` of `module.load(path)` in a fresh interpreter."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, module, str(path), str(HEADROOM)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    folder = tmp_path_factory.mktemp("materialisation")
    paths = {}
    for nodes in (1, 4, HOSTILE_NODES):
        paths[nodes] = folder / f"{nodes}.skops"
        paths[nodes].write_bytes(_archive(np.zeros(MEMBER // 8), nodes))
    return paths


def test_one_member_named_by_many_nodes_is_refused_with_flat_memory(files):
    one = _load_in_child("skops_rs.io", files[1])
    many = _load_in_child("skops_rs.io", files[HOSTILE_NODES])
    assert one["outcome"] == "loads"
    assert many["outcome"] == "SkopsFormatError:file-materialisation-budget", many
    # The message names the member and the node (an item of the root list).
    assert "`a.npy`" in many["message"] and "at `[" in many["message"], many
    # Refused before anything is built: no more than the file of one node needs to load.
    assert many["peak"] < one["peak"] + 2 * MEMBER, (one, many)


def test_skops_materialises_the_member_once_per_node(files):
    # What the budget prevents: skops 0.16 decompresses and copies the member for every node
    # (kept to four nodes here; the hostile file runs it into MemoryError).
    one = _load_in_child("skops.io", files[1])
    four = _load_in_child("skops.io", files[4])
    assert one["outcome"] == four["outcome"] == "loads"
    grown = (four["peak"] - four["start"]) - (one["peak"] - one["start"])
    assert grown > 3 * MEMBER, (one, four)


def test_a_member_named_by_a_few_nodes_loads_within_the_allowance():
    # Repeats within `MAX_REMATERIALISED_SIZE` (16 MiB) load: four nodes naming a 1 KB member
    # are four distinct arrays, as Python builds them.
    loaded = rio.loads(_archive(np.arange(128.0), 4))
    assert len(loaded) == 4 and len({id(array) for array in loaded}) == 4
    assert all(np.array_equal(array, np.arange(128.0)) for array in loaded)


def _ref(node: dict[str, object]) -> dict[str, object]:
    """A reference to `node` by its `__id__` (skops' reader returns the node it names)."""
    return {
        "__class__": node["__class__"],
        "__module__": node["__module__"],
        "__loader__": "CachedNode",
        "__id__": node["__id__"],
    }


def _trees_sharing_one_state(trees: int) -> bytes:
    """A list of `trees` DecisionTreeRegressors, each with its own estimator and `Tree` node,
    all sharing the first one's tree arguments and state (`nodes`, `values`) by `__id__`."""
    from sklearn.tree import DecisionTreeRegressor

    rng = np.random.default_rng(0)
    x = rng.normal(size=(20_000, 4))
    data = sio.dumps(DecisionTreeRegressor(random_state=0).fit(x, x[:, 0]))

    def share(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        first = copy.deepcopy(schema)
        protocol = first.pop("protocol")
        first.pop("_skops_version")
        attributes = first["content"]["content"]
        items = [first]
        for _ in range(trees - 1):
            tree = copy.deepcopy(attributes["tree_"])
            tree["__id__"] = fresh_id()
            tree["__reduce__"]["args"] = _ref(tree["__reduce__"]["args"])
            tree["content"] = _ref(tree["content"])
            state = {key: _ref(value) for key, value in attributes.items()}
            state["tree_"] = tree
            content = {**first["content"], "content": state, "__id__": fresh_id()}
            content["key_types"] = _ref(content["key_types"])
            items.append({**first, "content": content, "__id__": fresh_id()})
        schema.clear()
        schema.update(
            {
                "__class__": "list",
                "__module__": "builtins",
                "__loader__": "ListNode",
                "content": items,
                "__id__": fresh_id(),
                "protocol": protocol,
                "_skops_version": "0.16.0",
            }
        )

    return rewrite_archive(data, share)


def test_trees_sharing_one_state_are_refused_each_would_copy_it():
    # sklearn's Tree copies `nodes` and `values` in `__setstate__`: ten trees sharing one
    # state (2.9 MB of arrays) would hold ten copies. One tree loads and predicts.
    one = rio.loads(_trees_sharing_one_state(1))
    assert one[0].predict(np.zeros((1, 4))).shape == (1,)
    with pytest.raises(SkopsFormatError) as refused:
        rio.loads(_trees_sharing_one_state(10))
    assert refused.value.kind == "file-materialisation-budget"
    assert ".tree_` materialises member" in str(refused.value)
