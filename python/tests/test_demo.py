"""The README's demo command runs to the end: every step checks its own result."""

import os
import subprocess
import sys
from pathlib import Path

DEMO = Path(__file__).resolve().parent.parent / "demo.py"


def test_demo_runs_every_step(tmp_path):
    env = {**os.environ, "SKOPS_RS_DEMO_OUT": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, env=env, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "demo finished: every step did what it should" in completed.stdout
    # The steps that matter to a user: refused first, then loaded by both libraries.
    assert "UntrustedTypesFoundException" in completed.stdout
    assert "skops 0.16 load of the skops_rs file: predict_proba" in completed.stdout
    assert {p.name for p in tmp_path.iterdir()} >= {
        "forest_pipeline.skops",
        "forest_pipeline.by-skops.skops",
    }
