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
7. Shares the model through a hub of its own: starts `skops-rs hub serve` on a free port of
   127.0.0.1 (data in a temporary folder, a write token from `skops-rs hub token add`),
   `skops_rs.hub_utils.init`s a repository folder (the model file and `config.json`) with the
   card of step 6, `push`es it, `download`s it into a fresh folder as an anonymous client with
   an empty cache, loads the downloaded file with no trusted list and checks it predicts the
   same, then prints the model page's URL and the audit the page shows. The hub is stopped at
   the end, also when a step fails. `push` and `download` run the official `huggingface_hub`
   client in a fresh interpreter each, configured by `HF_ENDPOINT`, `HF_TOKEN` and `HF_HOME`
   only, as on another machine.

8. Evaluates the downloaded file with the native engine (`skops_rs.infer.Predictor`: the
   validated state read into Rust, no Python model object built) and with
   `skops-rs predict --proba` on a CSV of the held-out rows: both give scikit-learn's
   probabilities to the bit; prints the single-row latency of both.
9. Serves the downloaded repository folder with `skops-rs serve` on a free port of 127.0.0.1,
   reads the widget's configuration from the model page and sends the request its "Compute"
   button sends (the example rows of `config.json`, one tensor per column, Open Inference
   Protocol v2): prediction and class probabilities, scikit-learn's bits; then stops the
   server (SIGTERM, exit code 0).

Exits 2 if a step fails (a command errors, or a loaded model predicts something else).
"""

from __future__ import annotations

import io
import json
import os
import select
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import warnings
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TypeVar

import numpy as np
import sklearn
import skops.io as skops_io
import skops_rs.hub_utils as hub_utils
import skops_rs.io as sio
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from skops_rs.card import Card
from skops_rs.exceptions import SkopsFormatError
from skops_rs.infer import Predictor

ROOT = Path(__file__).resolve().parent.parent
#: Where the files go; `SKOPS_RS_DEMO_OUT` overrides it (the demo test uses a temporary folder).
OUT = Path(os.environ.get("SKOPS_RS_DEMO_OUT", ROOT / "demo-output"))
#: Exit code of a failed step (bad usage, an error, a wrong result), as opposed to 1 (a finding).
EXIT_ERROR = 2
#: The hub user the demo's token belongs to, and the repository it pushes.
HUB_USER = "demo"
REPO_ID = f"{HUB_USER}/forest-pipeline"
#: Seconds for `skops-rs hub serve` to print the URL it serves, and to stop when asked to.
HUB_START_TIMEOUT = 60.0
HUB_STOP_TIMEOUT = 30.0
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


@dataclass
class LocalHub:
    """A running `skops-rs hub serve`: its URL, a write token, the server process and its log."""

    url: str
    token: str
    process: subprocess.Popen[str]
    log: Path


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    """The first line `process` prints, or `""` if it exits or `timeout` passes first."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    return process.stdout.readline() if ready else ""


def stop_hub(process: subprocess.Popen[str]) -> int:
    """Stop the server (SIGTERM: it finishes requests in flight) and return its exit code;
    killed if it does not stop in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=HUB_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    if process.stdout is not None:
        process.stdout.close()
    return process.returncode


@contextmanager
def local_hub(folder: Path) -> Iterator[LocalHub]:
    """`skops-rs hub serve` on a free port of 127.0.0.1 with its data in `folder`, and a write
    token for the user `HUB_USER`. The server is stopped when the block ends, however it ends
    (an error, Ctrl-C): the demo never leaves a process behind."""
    data = folder / "hub-data"
    executable = str(skops_rs_executable())
    added = subprocess.run(
        [executable, "hub", "token", "add", HUB_USER, "--write", "--data", str(data)],
        capture_output=True,
        text=True,
        check=False,
    )
    if added.returncode != 0:
        raise DemoFailed(f"skops-rs hub token add exited {added.returncode}: {added.stderr}")
    token = added.stdout.strip()
    log = folder / "hub.log"
    # Port 0: the system picks a free port, and the server prints the URL it really serves.
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [executable, "hub", "serve", "--data", str(data), "--addr", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=log_file,
            text=True,
        )
    try:
        line = _first_line(process, HUB_START_TIMEOUT)
        if " at http://" not in line:
            raise DemoFailed(f"the hub did not start: {line!r}\n{log.read_text()}")
        url = line.strip().rsplit(" at ", 1)[1]
        print(f"$ skops-rs hub token add {HUB_USER} --write --data {shown(data)}")
        print(f"{token[:8]}... (a write token; the hub keeps only its SHA-256)")
        print(f"$ skops-rs hub serve --data {shown(data)} --addr 127.0.0.1:0")
        print(f"{line.strip()}   (pid {process.pid}; requests logged to {shown(log)})")
        yield LocalHub(url, token, process, log)
    finally:
        code = stop_hub(process)
        print(f"hub stopped: pid {process.pid}, exit code {code}", flush=True)


def hub_client(hub: LocalHub, call: str, hf_home: Path, token: bool) -> None:
    """Run `hub_utils.<call>` in a fresh interpreter configured like a client on another
    machine, by environment variables only (huggingface_hub reads `HF_ENDPOINT` when it is
    imported): `HF_HOME` is the client's own cache; without `token` it is anonymous."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING_FACE_"))}
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(hf_home), HF_HUB_DISABLE_TELEMETRY="1")
    variables = f"HF_ENDPOINT={hub.url} HF_HOME={shown(hf_home)}"
    if token:
        env["HF_TOKEN"] = hub.token
        variables += f" HF_TOKEN={hub.token[:8]}..."
    else:
        env["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
    lines = ["import skops_rs.hub_utils as hub_utils", f"hub_utils.{call}"]
    print(f"\n$ {variables} python")
    print("\n".join(f">>> {line}" for line in lines), flush=True)
    completed = subprocess.run([sys.executable, "-c", "\n".join(lines)], env=env, check=False)
    if completed.returncode != 0:
        # The hub's log goes with its temporary folder: show its end now.
        tail = "\n".join(hub.log.read_text().splitlines()[-20:])
        raise DemoFailed(f"the hub client exited {completed.returncode}; hub log ends:\n{tail}")


def get(url: str) -> tuple[int, bytes]:
    """Status and body of `GET url` (an error status too, rather than an exception)."""
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class AuditSection(HTMLParser):
    """The text of a model page's `<section id="audit">`: one `[file]` line per
    `<article class="audit" data-file="...">`, then its text, one line per block."""

    #: Tags that start a new line of text.
    BLOCKS = frozenset(
        "article br dd div dt h1 h2 h3 h4 h5 h6 li p pre section table tr ul ol".split()
    )

    def __init__(self) -> None:
        super().__init__()
        self.found = False
        self.lines: list[str] = []
        self._depth = 0  # nesting of <section> inside the audit section; 0 = outside
        self._line: list[str] = []

    def _break(self) -> None:
        text = " ".join("".join(self._line).split())
        if text:
            self.lines.append(text)
        self._line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if self._depth == 0:
            if tag == "section" and attributes.get("id") == "audit":
                self.found = True
                self._depth = 1
            return
        if tag == "section":
            self._depth += 1
        if tag in self.BLOCKS:
            self._break()
        if tag == "article" and "audit" in (attributes.get("class") or "").split():
            self.lines.append(f"[{attributes.get('data-file', '?')}]")
        elif tag in ("td", "th"):
            self._line.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._depth == 0:
            return
        if tag in self.BLOCKS:
            self._break()
        if tag == "section":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        if self._depth > 0:
            self._line.append(data)


def audit_on_page(html: str) -> list[str] | None:
    """The lines of text of the page's audit section; `None` if the page has none."""
    parser = AuditSection()
    parser.feed(html)
    parser.close()
    return parser.lines if parser.found else None


def files_in(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def share_through_a_hub(model: Pipeline, model_file: Path, X: np.ndarray) -> None:
    """Step 7: init a repository with the card of step 6, push it to a local hub, download it
    elsewhere, load it with no trusted list, and show the audit its model page shows."""
    repo = OUT / "forest-repo"
    downloaded = OUT / "forest-downloaded"
    for folder in (repo, downloaded):
        shutil.rmtree(folder, ignore_errors=True)
    hub_utils.init(
        model=model_file,
        requirements=[f'scikit-learn="{sklearn.__version__}"', "skops-rs"],
        dst=repo,
        task="tabular-classification",
        data=X,
    )
    # The card of step 6 and its plots: the card is bound to the model file's name and sha256,
    # which the copy in the repository shares.
    for path in model_file.parent.iterdir():
        if path.name == "README.md" or path.suffix in (".png", ".svg"):
            shutil.copy2(path, repo / path.name)
    print(f"hub_utils.init -> {shown(repo)}: {', '.join(sorted(files_in(repo)))}")
    config = json.loads((repo / "config.json").read_text())["sklearn"]
    print(
        f"config.json: model {config['model']['file']} ({config['model_format']}), "
        f"task {config['task']}, {len(config['columns'])} columns, "
        f"environment {config['environment']}"
    )

    with tempfile.TemporaryDirectory(prefix="skops-rs-demo-hub-") as temporary:
        folder = Path(temporary)
        with local_hub(folder) as hub:
            hub_client(
                hub,
                f"push(repo_id={json.dumps(REPO_ID)}, source={json.dumps(shown(repo))}, "
                'create_remote=True, commit_message="A forest from the skops-rs demo")',
                folder / "pusher-hf-home",
                token=True,
            )
            status, body = get(f"{hub.url}/api/models/{REPO_ID}")
            if status != 200:
                raise DemoFailed(f"GET /api/models/{REPO_ID} answered {status}: {body!r}")
            info = json.loads(body)
            print(
                f"on the hub: {info['id']} at commit {info['sha'][:12]}, "
                f"pipeline_tag {info.get('pipeline_tag')}, library {info.get('library_name')}, "
                f"{len(info['siblings'])} files"
            )

            # Another machine: no token (the repository is public), an empty cache.
            hub_client(
                hub,
                f"download(repo_id={json.dumps(REPO_ID)}, dst={json.dumps(shown(downloaded))})",
                folder / "downloader-hf-home",
                token=False,
            )
            if files_in(downloaded) != files_in(repo):
                raise DemoFailed(f"{downloaded} differs from the pushed folder {repo}")
            print(f"downloaded into {shown(downloaded)}: the same files as {shown(repo)}")
            loaded, seconds = timed(lambda: sio.load(downloaded / model_file.name))
            print(f"skops_rs.io.load(downloaded file) with no trusted list: {seconds:.4f} s")
            check_same_predictions("the downloaded model", loaded, model, X)
            run_cli(
                [
                    "card",
                    "check",
                    shown(downloaded / "README.md"),
                    shown(downloaded / model_file.name),
                ],
                expected=0,
            )

            page = f"{hub.url}/{REPO_ID}"
            print(f"\nmodel page: {page}")
            status, body = get(page)
            if status != 200:
                raise DemoFailed(f"GET {page} answered {status}")
            lines = audit_on_page(body.decode("utf-8", errors="replace"))
            if lines is None:
                raise DemoFailed(f'{page} has no <section id="audit">')
            print("audit shown on the model page:")
            print("\n".join(f"  {line}" for line in lines))


def predict_natively(model: Pipeline, model_file: Path, X: np.ndarray) -> None:
    """Step 8: the downloaded file evaluated by the native engine, from Python and from the
    command line: scikit-learn's probabilities to the bit, without building a Python model."""
    predictor, seconds = timed(lambda: Predictor.from_file(model_file))
    print(
        f"Predictor.from_file({shown(model_file)}): {predictor.type_name}, "
        f"methods {predictor.methods}, built in {seconds:.4f} s"
    )
    expected = model.predict_proba(X)
    if predictor.predict_proba(X).tobytes() != expected.tobytes():
        raise DemoFailed("native predict_proba differs from scikit-learn's")
    print(f"native predict_proba on {len(X)} rows: the same bits as scikit-learn's")

    def one_row_micros(call: Callable[[np.ndarray], object]) -> float:
        times = []
        for index in range(200):
            start = time.perf_counter()
            call(X[index % len(X) : index % len(X) + 1])
            times.append(time.perf_counter() - start)
        return sorted(times)[len(times) // 2] * 1e6

    ours, theirs = one_row_micros(predictor.predict_proba), one_row_micros(model.predict_proba)
    print(f"one row: scikit-learn {theirs:.0f} µs, native {ours:.1f} µs ({theirs / ours:.0f}x)")

    rows = OUT / "held-out.csv"
    header = ",".join(f"x{index}" for index in range(X.shape[1]))
    np.savetxt(rows, X, delimiter=",", header=header, comments="", fmt="%.17g")
    predictions = OUT / "held-out.predictions.csv"
    command = ["predict", shown(model_file), "--input", shown(rows), "--proba"]
    run_cli([*command, "--output", shown(predictions)], expected=0)
    lines = predictions.read_text(encoding="utf-8").splitlines()
    print("\n".join(f"  {line}" for line in lines[:3]) + f"\n  ... {len(lines) - 3} more rows")
    got = np.array([[float(cell) for cell in line.split(",")] for line in lines[1:]])
    if got.tobytes() != expected.tobytes():
        raise DemoFailed(f"{predictions} differs from scikit-learn's predict_proba")
    print(f"{shown(predictions)}: the same bits as scikit-learn's predict_proba")


class WidgetConfig(HTMLParser):
    """The JSON of the model page's `<script id="widget-config">`: what the widget shows."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = False
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.inside = tag == "script" and ("id", "widget-config") in attrs

    def handle_endtag(self, tag: str) -> None:
        self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside:
            self.text += data


def serve_and_use_the_widget(model: Pipeline, repo: Path) -> None:
    """Step 9: `skops-rs serve` on the downloaded repository folder; the model page's widget
    request (its example rows, as the browser sends them) answered with scikit-learn's bits."""
    executable = str(skops_rs_executable())
    command = [executable, "serve", "--port", "0", "--quiet", str(repo)]
    print(f"$ skops-rs serve --port 0 --quiet {shown(repo)}")
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = _first_line(process, HUB_START_TIMEOUT)
        if " at http://" not in line:
            raise DemoFailed(f"skops-rs serve did not start: {line!r}")
        print(line.strip())
        url = line.split(" at ", 1)[1].split()[0]
        name = repo.name
        page = f"{url}/models/{name}"
        status, body = get(page)
        if status != 200:
            raise DemoFailed(f"GET {page} answered {status}")
        parser = WidgetConfig()
        parser.feed(body.decode("utf-8"))
        config = json.loads(parser.text)
        print(f"model page with the widget: {page}")
        # The request widget.js sends when "Compute" is pressed: one tensor per column.
        request = {
            "parameters": {"content_type": "pd"},
            "inputs": [
                {
                    "name": column["name"],
                    "shape": [len(config["rows"])],
                    "datatype": "FP64" if column["kind"] == "number" else "BYTES",
                    "data": [row[index] for row in config["rows"]],
                }
                for index, column in enumerate(config["columns"])
            ],
            "outputs": [{"name": output} for output in config["outputs"]],
        }
        posted = urllib.request.Request(
            url + config["infer_url"]
            if config["infer_url"].startswith("/")
            else config["infer_url"],
            data=json.dumps(request).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(posted, timeout=30) as response:
            answer = json.loads(response.read())
        outputs = {output["name"]: output for output in answer["outputs"]}
        rows = np.array(config["rows"], dtype=np.float64)
        proba = np.array(outputs["predict_proba"]["data"], dtype=np.float64).reshape(len(rows), -1)
        labels = np.array(outputs["predict"]["data"]).reshape(-1)
        print(f"widget rows {len(rows)} x {rows.shape[1]} -> prediction, class probabilities:")
        for label, row in zip(labels, proba, strict=True):
            print(f"  {label}  " + "  ".join(f"{p:.4f}" for p in row))
        if proba.tobytes() != model.predict_proba(rows).tobytes():
            raise DemoFailed("the served probabilities differ from scikit-learn's")
        if not np.array_equal(labels.astype(model.classes_.dtype), model.predict(rows)):
            raise DemoFailed("the served labels differ from scikit-learn's")
        print("served over HTTP: the same bits as scikit-learn's predict_proba")
    finally:
        code = stop_hub(process)
        print(f"skops-rs serve stopped: pid {process.pid}, exit code {code}", flush=True)


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

    section("7. share it through a hub of our own: init, push, download, load, model page")
    share_through_a_hub(model, ours, X_test)

    section("8. predict natively from the downloaded file: scikit-learn's bits, no model object")
    predict_natively(model, OUT / "forest-downloaded" / ours.name, X_test)

    section("9. serve the downloaded repository: model page, widget, scikit-learn's bits")
    serve_and_use_the_widget(model, OUT / "forest-downloaded")


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
