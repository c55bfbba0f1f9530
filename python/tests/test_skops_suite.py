"""The driver that runs skops' own io tests against skops_rs.io (`scripts/skops_suite.py`).

The suite itself runs as its own step of scripts/test.sh; these tests check that the driver
rebinds exactly skops' public API and that every intended difference is documented.
"""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def _load_driver() -> ModuleType:
    spec = importlib.util.spec_from_file_location("skops_suite", ROOT / "scripts/skops_suite.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


suite = _load_driver()


def test_public_imports_are_rebound_and_internals_kept():
    source = (
        "import skops\n"
        "import skops.io as sio\n"
        "from skops.io import dump, dumps, get_untrusted_types, load, loads, visualize\n"
        "from skops.io._audit import Node, get_tree\n"
        "from skops.io.exceptions import UntrustedTypesFoundException\n"
        "from skops.io.tests._utils import make_load_context\n"
        "def f():\n"
        "    from skops.io import (\n"
        "        loads,\n"
        "    )\n"
        "    return sio.dumps(1), skops.io._protocol.PROTOCOL\n"
    )
    rebound = suite.rebind(source, "test_x.py")
    lines = rebound.splitlines()
    assert lines[0].startswith("# skops 0.16.0's test_x.py, rewritten")
    assert lines[1:] == [
        "import skops",
        "import skops_rs.io as sio",
        "from skops_rs.io import dump, dumps, get_untrusted_types, load, loads, visualize",
        "from skops.io._audit import Node, get_tree",
        "from skops_rs.io.exceptions import UntrustedTypesFoundException",
        "from _utils import make_load_context",
        "def f():",
        "    from skops_rs.io import (",
        "        loads,",
        "    )",
        "    return sio.dumps(1), skops.io._protocol.PROTOCOL",
    ]


@pytest.mark.parametrize(
    "source",
    [
        "from skops.io import dumps, _persist\n",  # a private name from a rebound module
        "import skops.io as sio\nsio._persist.loads\n",  # the alias used for internals
        "import skops\nskops.io.loads(b'')\n",  # the public API reached around the imports
        "import skops.io\n",  # no alias to rebind
    ],
)
def test_rewrites_that_would_mix_both_apis_are_refused(source):
    with pytest.raises(SystemExit, match=r"^error: test_x\.py"):
        suite.rebind(source, "test_x.py")


def test_every_intended_difference_is_documented_with_a_reason():
    compat = (ROOT / "docs" / "compat.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `(test_[a-z_]+\.py::[^`]+)` \|", compat, re.MULTILINE))
    assert documented == set(suite.EXPECTED_FAILURES)
    assert all(reason.strip() for reason in suite.EXPECTED_FAILURES.values())
    assert {nodeid.split("::")[0] for nodeid in documented} <= set(suite.SUITE_FILES)
