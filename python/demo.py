"""Demo: save a model with skops_rs, inspect and audit it, load it back, and load it in skops too.

Usage: `python python/demo.py` (run by `scripts/demo.sh` inside the project's venv).

1. Trains a pipeline (scaler + random forest) on a synthetic classification task.
2. Saves it with `skops_rs.io.dump` into `demo-output/` (and, for comparison, with skops 0.16).
3. Runs `skops-rs inspect` and `skops-rs audit` on the file: the forest's trees are trusted
   because their validator checked them (`[validated: tree]`), so the audit passes (exit 0)
   where skops 0.16 asks for `trusted=["sklearn.tree._tree.Tree"]`.
4. Loads the file with `skops_rs.io.load` and no trusted list; it predicts what the original
   predicts. A copy with one tree node pointing outside the tree is refused, naming the node
   (skops 0.16 loads such a file once the tree type is trusted, and predict then crashes).
5. Loads the same file with skops 0.16 (`skops.io.load`), and a file skops wrote with skops_rs.
6. Writes a model card for the saved model with `skops_rs.card` (skops' template, hyperparameters,
   model diagram, evaluation on the held-out rows with its metrics and plots drawn without
   matplotlib, metadata bound to the file's sha256), then edits one section with
   `skops-rs card set` and shows that `skops-rs card check` passes.

Exits 2 if a step fails (a command errors, or a loaded model predicts something else).
"""

from __future__ import annotations

import io
import os
import shlex
import subprocess
import sys
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import numpy as np
import skops.io as skops_io
import skops_rs.io as sio
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skops_rs.card import Card
from skops_rs.exceptions import SkopsFormatError

ROOT = Path(__file__).resolve().parent.parent
#: Where the files go; `SKOPS_RS_DEMO_OUT` overrides it (the demo test uses a temporary folder).
OUT = Path(os.environ.get("SKOPS_RS_DEMO_OUT", ROOT / "demo-output"))
#: Exit code of a failed step (bad usage, an error, a wrong result), as opposed to 1 (a finding).
EXIT_ERROR = 2
T = TypeVar("T")


class DemoFailed(Exception):
    """A step of the demo did not do what it should."""


def skops_rs_executable() -> Path:
    """The `skops-rs` console script installed next to this Python interpreter."""
    bin_dir = Path(sys.executable).parent
    name = "skops-rs.exe" if os.name == "nt" else "skops-rs"
    return bin_dir / name


def section(title: str) -> None:
    print(f"\n=== {title}", flush=True)


def shown(path: Path) -> str:
    """`path` relative to the working directory when it is below it (shorter to read)."""
    return str(path.relative_to(Path.cwd())) if path.is_relative_to(Path.cwd()) else str(path)


def train() -> tuple[Pipeline, np.ndarray, np.ndarray]:
    """A fitted scaler + random forest pipeline, and held-out rows and labels to evaluate on."""
    X, y = make_classification(n_samples=3000, n_features=20, n_informative=8, random_state=0)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    model = Pipeline(
        [
            ("scaler", StandardScaler()),
            ("forest", RandomForestClassifier(n_estimators=50, max_depth=8, random_state=0)),
        ]
    ).fit(X_train, y_train)
    print(f"trained {model}")
    print(f"held-out accuracy: {model.score(X_test, y_test):.3f}")
    return model, X_test, y_test


def timed(action: Callable[[], T]) -> tuple[T, float]:
    """`action()` and the seconds it took."""
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def run_cli(args: list[str], expected: int, max_lines: int | None = None) -> None:
    """Run one skops-rs command with a header; fail unless it exits with `expected`. With
    `max_lines`, only the first lines of the output are shown, two validated nodes, and a
    count of the rest."""
    print(f"\n$ skops-rs {shlex.join(args)}", flush=True)
    if max_lines is None:
        completed = subprocess.run([str(skops_rs_executable()), *args], check=False)
    else:
        completed = subprocess.run(
            [str(skops_rs_executable()), *args], check=False, capture_output=True, text=True
        )
        lines = completed.stdout.splitlines()
        print("\n".join(lines[:max_lines]))
        validated = [line for line in lines if "[validated: " in line]
        print("...")
        print("\n".join(validated[:2]))
        print(
            f"... {len(lines) - max_lines - 2} more lines; {len(validated)} nodes [validated: ...]"
        )
        sys.stderr.write(completed.stderr)
    print(f"[exit code {completed.returncode}]", flush=True)
    if completed.returncode != expected:
        raise DemoFailed(f"skops-rs {args[0]} exited {completed.returncode}, not {expected}")


def with_a_tree_child_out_of_range(data: bytes) -> bytes:
    """A copy of the archive `data` whose first tree's root points past the end of the tree."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    text = members["schema.json"].decode()
    # The first tree's `nodes` array: the member named right after `"nodes"` in the schema.
    after = text[text.index('"nodes"') :]
    member = after[after.index('"file": "') + len('"file": "') :].split('"', 1)[0]
    nodes = np.load(io.BytesIO(members[member]), allow_pickle=False).copy()
    nodes["left_child"][0] = 10**9
    out = io.BytesIO()
    np.save(out, nodes, allow_pickle=False)
    members[member] = out.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@contextmanager
def working_directory(folder: Path) -> Iterator[None]:
    """Run the block inside `folder` (`contextlib.chdir` needs Python 3.11)."""
    previous = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(previous)


def write_card(model: Pipeline, model_file: Path, X_test: np.ndarray, y_test: np.ndarray) -> Path:
    """A full model card for `model_file` in its folder, with the evaluation plots next to it."""
    card = Card(model)
    card.add(
        folded=False,
        **{
            "Model description": "A random forest on standardised features, trained on a "
            "synthetic binary classification task (`make_classification`, 20 features).",
            "Model description/Intended uses & limitations": "A demo of skops-rs; not for "
            "real decisions.",
        },
    )
    # Inside the card's folder, so that the card links its plots by relative paths.
    with working_directory(model_file.parent):
        card.add_evaluation(X_test, y_test, plot_dir=".", dataset_name="held-out split")
        card.bind_model(model_file.name)
        card.save("README.md")
    readme = model_file.parent / "README.md"
    print(f"wrote {shown(readme)}: {readme.stat().st_size} bytes")
    for plot in sorted(model_file.parent.glob("*.png")):
        print(f"plot {shown(plot)}: {plot.stat().st_size} bytes (and {plot.stem}.svg)")
    return readme


def check_same_predictions(name: str, loaded: object, model: Pipeline, X: np.ndarray) -> None:
    expected = model.predict_proba(X)
    got = loaded.predict_proba(X)  # type: ignore[attr-defined]
    if not np.array_equal(expected, got):
        raise DemoFailed(f"{name}: predict_proba differs from the original model's")
    print(f"{name}: predict_proba on {len(X)} rows identical to the original model's")


def demo() -> None:
    OUT.mkdir(exist_ok=True)
    section("1. train")
    model, X_test, y_test = train()

    section("2. save with skops_rs (and with skops 0.16, to compare)")
    ours = OUT / "forest_pipeline.skops"
    theirs = OUT / "forest_pipeline.by-skops.skops"
    _, ours_seconds = timed(lambda: sio.dump(model, ours))
    _, theirs_seconds = timed(lambda: skops_io.dump(model, theirs))
    print(f"skops_rs.io.dump -> {shown(ours)}: {ours.stat().st_size} bytes, {ours_seconds:.4f} s")
    print(
        f"skops.io.dump    -> {shown(theirs)}: {theirs.stat().st_size} bytes, "
        f"{theirs_seconds:.4f} s ({theirs_seconds / ours_seconds:.1f}x the time)"
    )

    section("3. inspect and audit without running anything from the file")
    run_cli(["inspect", "--show", "trusted", shown(ours)], expected=0, max_lines=12)
    run_cli(["audit", shown(ours)], expected=0)
    print(f"skops 0.16 get_untrusted_types: {skops_io.get_untrusted_types(file=ours)}")

    section("4. load with skops_rs: no trusted list needed; a tampered tree is refused")
    loaded, seconds = timed(lambda: sio.load(ours))
    print(f"load(file) took {seconds:.4f} s")
    check_same_predictions("skops_rs load", loaded, model, X_test)
    tampered = OUT / "forest_pipeline.tampered.skops"
    tampered.write_bytes(with_a_tree_child_out_of_range(ours.read_bytes()))
    try:
        sio.load(tampered, trusted=["sklearn.tree._tree.Tree"])
    except SkopsFormatError as exc:
        print(f"load(tampered copy) refused: SkopsFormatError(kind={exc.kind!r}):\n  {exc}")
    else:
        raise DemoFailed("the tampered file loaded")
    run_cli(["audit", shown(tampered)], expected=2)

    section("5. skops 0.16 reads our file, and we read skops' file")
    by_skops = skops_io.load(ours, trusted=skops_io.get_untrusted_types(file=ours))
    check_same_predictions("skops 0.16 load of the skops_rs file", by_skops, model, X_test)
    from_skops = sio.load(theirs)
    check_same_predictions("skops_rs load of the skops 0.16 file", from_skops, model, X_test)

    section("6. a model card for the saved model, checked against the file")
    readme = write_card(model, ours, X_test, y_test)
    run_cli(["card", "show", shown(readme)], expected=0)
    run_cli(
        [
            "card",
            "set",
            shown(readme),
            "Model Card Authors",
            "--text",
            "The skops-rs demo, edited with `skops-rs card set`.",
        ],
        expected=0,
    )
    run_cli(["card", "check", shown(readme), shown(ours)], expected=0)


def main() -> int:
    if not skops_rs_executable().exists():
        print(f"error: {skops_rs_executable()} missing; run bash scripts/setup.sh", file=sys.stderr)
        return EXIT_ERROR
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            demo()
    except DemoFailed as exc:
        print(f"\nerror: {exc}", file=sys.stderr)
        return EXIT_ERROR
    print("\ndemo finished: every step did what it should")
    return 0


if __name__ == "__main__":
    sys.exit(main())
