"""``skops_rs.hub_utils`` against real skops 0.11's ``skops.hub_utils``, case by case.

Each case of ``_hub_cases.py`` runs once with skops 0.11 (in its own interpreter, with
``.venv-skops011`` first on ``sys.path``; scripts/setup_skops011.sh installs it) and once with
skops_rs here. Both must raise the same exception with the same message, return the same value
and leave the same files with the same bytes: ``config.json`` byte for byte.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import _hub_cases
import pytest
import skops_rs.hub_utils

ROOT = Path(__file__).resolve().parent.parent.parent
REFERENCE = ROOT / ".venv-skops011"
RUNNER = Path(__file__).resolve().parent / "fixtures" / "hub_utils_reference.py"


@pytest.fixture(scope="session")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """What skops 0.11 did in every case (installed on first use, like setup.sh does)."""
    if not (REFERENCE / "skops" / "hub_utils").is_dir():
        subprocess.run(["bash", str(ROOT / "scripts" / "setup_skops011.sh")], check=True)
    root = tmp_path_factory.mktemp("skops011")
    env = {**os.environ, "PYTHONPATH": str(REFERENCE)}
    result = subprocess.run(
        [sys.executable, str(RUNNER), str(root)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    records: dict[str, dict[str, Any]] = json.loads(result.stdout)
    return records


def test_the_reference_is_skops_0_11_and_ran_every_case(reference):
    assert sorted(reference) == sorted(_hub_cases.CASES)
    # Cases that must fail in skops 0.11 did (so the comparison covers the error paths).
    failed = {name for name, record in reference.items() if record["error"]}
    assert {"init_dst_not_empty", "init_model_empty", "add_files_exists"} <= failed
    assert "init_dataframe_skops" not in failed


@pytest.mark.parametrize("name", sorted(_hub_cases.CASES))
def test_same_as_skops_0_11(name, reference, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no deprecation or other warning of our own
        ours = _hub_cases.run_case(skops_rs.hub_utils, name, tmp_path)
    theirs = reference[name]
    assert ours["error"] == theirs["error"]
    assert ours["result"] == theirs["result"]
    if name in _hub_cases.FILES_DIFFER:
        return  # checked by test_a_failed_update_env_keeps_the_config
    assert ours["tree"].keys() == theirs["tree"].keys()
    for path, content in ours["tree"].items():
        assert content == theirs["tree"][path], f"{path} differs"


@pytest.mark.parametrize("name", sorted(_hub_cases.FILES_DIFFER))
def test_a_failed_update_env_keeps_the_config(name, reference, tmp_path):
    """skops 0.11 truncates ``config.json`` when the new requirements cannot be serialised;
    skops_rs serialises first and replaces the file atomically, so it keeps the old one."""
    _hub_cases.run_case(skops_rs.hub_utils, name, tmp_path)
    config = json.loads((tmp_path / "repo" / "config.json").read_text(encoding="utf-8"))
    assert config["sklearn"]["environment"] == _hub_cases.REQUIREMENTS
    # The difference is real: skops 0.11 left a file that is not JSON.
    truncated = base64.b64decode(reference[name]["tree"]["repo/config.json"])
    with pytest.raises(ValueError):
        json.loads(truncated)
