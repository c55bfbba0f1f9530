"""Demo: write real `.skops` files with skops 0.16, then inspect and audit them with skops-rs.

Usage: `python python/demo.py` (run by `scripts/demo.sh` inside the project's venv).

Trains three small models on iris, saves each with `skops.io.dump` into `demo-output/`, then
runs `skops-rs inspect FILE`, `skops-rs audit FILE` and
`skops-rs audit --trusted sklearn.tree._tree.Tree FILE` on each. `audit` exits 1 when it finds
untrusted types (a finding, shown and not an error); exit code 2 means the command failed, and
makes this script exit 2 once every command has run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import warnings
from pathlib import Path

import skops.io as sio
from sklearn.datasets import load_iris
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "demo-output"
#: Exit code of a failed command (bad usage or an error), as opposed to 1 (a finding).
EXIT_ERROR = 2


def skops_rs_executable() -> Path:
    """The `skops-rs` console script installed next to this Python interpreter."""
    bin_dir = Path(sys.executable).parent
    name = "skops-rs.exe" if os.name == "nt" else "skops-rs"
    return bin_dir / name


def train_models() -> dict[str, object]:
    """Three small fitted models: a linear one, a pipeline with a tree, a boosted ensemble."""
    X, y = load_iris(return_X_y=True)
    models: dict[str, object] = {
        "logistic_regression": LogisticRegression(max_iter=500),
        "scaler_tree_pipeline": Pipeline(
            [("scaler", StandardScaler()), ("tree", DecisionTreeClassifier(max_depth=3))]
        ),
        "hist_gradient_boosting": HistGradientBoostingClassifier(max_iter=20, random_state=0),
    }
    for name, model in models.items():
        model.fit(X, y)
        print(f"trained {name}: training accuracy {model.score(X, y):.3f}")
    return models


def write_models(models: dict[str, object]) -> list[Path]:
    """Dump each model with skops 0.16 and show what skops itself reports as untrusted."""
    OUT.mkdir(exist_ok=True)
    paths = []
    for name, model in models.items():
        path = OUT / f"{name}.skops"
        sio.dump(model, path)
        untrusted = sio.get_untrusted_types(file=path)
        print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size} bytes)")
        print(f"  skops 0.16 get_untrusted_types: {untrusted}")
        paths.append(path)
    return paths


def run(executable: Path, args: list[str]) -> int:
    """Run one skops-rs command with a header; return its exit code."""
    shown = " ".join(["skops-rs", *args])
    print(f"\n$ {shown}", flush=True)
    try:
        completed = subprocess.run([str(executable), *args], check=False)
    except OSError as exc:
        print(f"error: could not run {executable}: {exc}", file=sys.stderr)
        return EXIT_ERROR
    if completed.returncode not in (0, 1):
        print(f"[exit code {completed.returncode}]", flush=True)
    return completed.returncode


def main() -> int:
    """Train, write, then inspect and audit every file; exit 2 if any command failed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        paths = write_models(train_models())

    executable = skops_rs_executable()
    if not executable.exists():
        print(
            f"\nerror: {executable} does not exist; build and install the package first "
            "(bash scripts/setup.sh)",
            file=sys.stderr,
        )
        return EXIT_ERROR

    failed = []
    for path in paths:
        relative = (
            str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)
        )
        for args in (
            ["inspect", relative],
            ["audit", relative],
            ["audit", "--trusted", "sklearn.tree._tree.Tree", relative],
        ):
            code = run(executable, args)
            if code not in (0, 1):
                failed.append((" ".join(args), code))

    if failed:
        print(f"\n{len(failed)} command(s) failed:", file=sys.stderr)
        for command, code in failed:
            print(f"  skops-rs {command} (exit code {code})", file=sys.stderr)
        return EXIT_ERROR
    print("\ndemo finished: every command ran")
    return 0


if __name__ == "__main__":
    sys.exit(main())
