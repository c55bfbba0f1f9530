"""Shared pytest fixtures: the `.skops` files written by skops 0.16 itself."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
GENERATOR = Path(__file__).resolve().parent / "fixtures" / "generate.py"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Directory of generated fixtures (env `SKOPS_RS_FIXTURES`, default `testdata/generated`).

    Runs the generator when its manifest is missing (it is cheap when up to date, and does
    nothing then). The generator runs in its own interpreter because it must import sklearn's
    experimental modules before skops.io, which this process may already have imported.
    """
    directory = Path(os.environ.get("SKOPS_RS_FIXTURES", ROOT / "testdata" / "generated"))
    if not directory.is_absolute():
        directory = ROOT / directory
    manifest = directory / "manifest.json"
    if not manifest.exists():
        subprocess.run(
            [sys.executable, str(GENERATOR), "--out", str(directory), "--quiet"], check=True
        )
    json.loads(manifest.read_text(encoding="utf-8"))  # fails loudly if it is not complete
    return directory
