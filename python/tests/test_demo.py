"""The README's demo command runs to the end: every step checks its own result."""

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from skops_rs.card import parse_modelcard

DEMO = Path(__file__).resolve().parent.parent / "demo.py"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_demo_runs_every_step(tmp_path):
    env = {**os.environ, "SKOPS_RS_DEMO_OUT": str(tmp_path)}
    completed = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, env=env, check=False
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    assert "demo finished: every step did what it should" in completed.stdout
    # The steps that matter to a user: the trees are validated, so the file loads with no
    # trusted list (skops 0.16 asks for one); a tampered tree is refused; both libraries load.
    assert "[validated: tree]" in completed.stdout
    assert "skops 0.16 get_untrusted_types: ['sklearn.tree._tree.Tree']" in completed.stdout
    assert "no untrusted types" in completed.stdout
    assert "kind='validate-tree-child-out-of-range'" in completed.stdout
    assert "skops 0.16 load of the skops_rs file: predict_proba" in completed.stdout
    assert {p.name for p in tmp_path.iterdir()} >= {
        "forest_pipeline.skops",
        "forest_pipeline.by-skops.skops",
        "README.md",
        "confusion_matrix.png",
        "confusion_matrix.svg",
        "feature_importances.png",
        "feature_importances.svg",
    }
    # Step 6: the card is bound to the saved file, edited in place, and `card check` passes.
    assert "README.md: matches `" in completed.stdout
    card = parse_modelcard(tmp_path / "README.md")
    assert card.metadata["model_file"] == "forest_pipeline.skops"
    assert card.metadata["model_sha256"] == sha256(tmp_path / "forest_pipeline.skops")
    assert card.metadata["model-index"][0]["results"][0]["metrics"][0]["type"] == "accuracy"
    assert "edited with `skops-rs card set`" in card.select("Model Card Authors").content
    # Plots are linked relative to the card, so the folder can be uploaded as it is.
    assert "](confusion_matrix.png)" in card.render()
    assert (tmp_path / "confusion_matrix.png").read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    assert card.check_model(tmp_path / "forest_pipeline.skops") == []
