"""The Python engine of ``python -m skops_rs serve``: models the native engine does not evaluate.

A text pipeline (``TfidfVectorizer`` + ``LogisticRegression``) and a tabular pipeline with a
``QuantileTransformer`` (neither is in the native engine) are saved with ``skops_rs.io.dump``
and served by ``python -m skops_rs serve`` (this interpreter, a free 127.0.0.1 port): the
OIP and legacy answers equal scikit-learn's, labels and probabilities exactly (JSON floats
round-trip); the legacy route answers text classification as the Hub's container did; the
metadata, the list of models and the pages say which engine serves each model; the widget
classifies texts in headless Chromium; a Python
exception in a request is a JSON error with its kind; SIGTERM and Ctrl-C stop the server
with exit 0.
The pure-Rust binary (``$SKOPS_RS_BIN``, ...) refuses those models at start-up with exit 2,
naming ``python -m skops_rs serve``.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops_rs.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, QuantileTransformer
from sklearn.tree import DecisionTreeClassifier
from test_hub_utils_e2e import skops_rs_with
from test_serve import STARTUP_TIMEOUT, _free_port, get, post, request

TEXTS = [
    "the movie was wonderful and moving",
    "a dull and boring film",
    "great acting, a wonderful story",
    "boring plot and terrible acting",
    "i loved every minute of it",
    "i hated it, a waste of time",
    "what a great and moving film",
    "terrible, dull, boring",
]
LABELS = ["pos", "neg", "pos", "neg", "pos", "neg", "pos", "neg"]


@pytest.fixture(scope="module")
def fits() -> dict[str, Any]:
    text = make_pipeline(TfidfVectorizer(), LogisticRegression(random_state=0)).fit(TEXTS, LABELS)
    rng = np.random.default_rng(0)
    x = pd.DataFrame(rng.normal(size=(60, 3)), columns=["a", "b", "c"])
    y = (x["a"] + x["b"] > 0).astype(int)
    quantile = make_pipeline(
        QuantileTransformer(n_quantiles=20), DecisionTreeClassifier(max_depth=3, random_state=0)
    ).fit(x, y)
    colors = pd.DataFrame(
        {"color": rng.choice(["red", "blue", "green"], 60), "size": rng.uniform(0, 6, 60)}
    )
    mixed = make_pipeline(
        ColumnTransformer(
            [
                ("onehot", OneHotEncoder(), ["color"]),
                ("q", QuantileTransformer(n_quantiles=10), ["size"]),
            ]
        ),
        LogisticRegression(),
    ).fit(colors, np.where(colors["color"] == "red", "warm", "cold"))
    return {"text": text, "quantile": quantile, "x": x, "mixed": mixed, "colors": colors}


@pytest.fixture(scope="module")
def folder(fits, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pyengine")
    sio.dump(fits["text"], folder / "text.skops")
    sio.dump(fits["quantile"], folder / "quantile.skops")
    sio.dump(fits["mixed"], folder / "mixed.skops")
    return folder


class PythonServer:
    """A running ``python -m skops_rs serve``; its standard error kept in a file."""

    def __init__(self, args: list[str], log: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "skops_rs", "serve", *args, "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=self._log,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}: {self.log()}")
            try:
                if get(self.url + "/v2/health/ready")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {self.log()}")
            time.sleep(0.1)

    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, stop: int = signal.SIGTERM) -> tuple[int, str]:
        """Stop it with `stop` (SIGTERM, or SIGINT as Ctrl-C); the exit code and standard output."""
        self.process.send_signal(stop)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        self._log.close()
        return self.process.returncode, out.decode(errors="replace")


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[PythonServer]:
    import skops_rs.hub_utils as hub_utils

    # The text model once more as a repository folder (its page's widget starts with the
    # example texts `hub_utils.init` writes).
    hub_utils.init(
        model=folder / "text.skops",
        requirements=["scikit-learn"],
        dst=folder / "sentiment",
        task="text-classification",
        data=TEXTS,
    )
    running = PythonServer(
        [
            str(folder / "text.skops"),
            str(folder / "quantile.skops"),
            str(folder / "mixed.skops"),
            "--model-name",
            f"alice/sentiment={folder / 'sentiment'}",
        ],
        folder / "serve.log",
    )
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()


def frame_inputs(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"name": name, "shape": [len(frame)], "datatype": "FP64", "data": frame[name].tolist()}
        for name in frame.columns
    ]


def test_tabular_model_answers_as_sklearn_over_oip_and_legacy(server, fits) -> None:
    model, x = fits["quantile"], fits["x"].head(12)
    status, body = post(
        server.url + "/v2/models/quantile/infer",
        {
            "parameters": {"content_type": "pd"},
            "inputs": frame_inputs(x),
            "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
        },
    )
    assert status == 200, body
    predict, proba = body["outputs"]
    assert predict["datatype"] == "INT64"
    assert predict["data"] == model.predict(x).tolist()
    assert proba["shape"] == [12, 2]
    assert proba["data"] == model.predict_proba(x).reshape(-1).tolist()
    # The legacy route, with every cell a string as the Hub widget sent them.
    cells = {name: [str(v) for v in x[name]] for name in x.columns}
    status, body = post(server.url + "/models/alice/quantile", {"inputs": {"data": cells}})
    assert status == 200, body
    assert body == model.predict(x).tolist()


def test_string_columns_go_to_sklearn_as_a_dataframe(server, fits) -> None:
    model, x = fits["mixed"], fits["colors"].head(9)
    status, body = post(
        server.url + "/v2/models/mixed/infer",
        {
            "parameters": {"content_type": "pd"},
            "inputs": [
                {"name": "color", "shape": [9], "datatype": "BYTES", "data": x["color"].tolist()},
                {"name": "size", "shape": [9], "datatype": "FP64", "data": x["size"].tolist()},
            ],
            "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
        },
    )
    assert status == 200, body
    assert body["outputs"][0]["data"] == model.predict(x).tolist()
    assert body["outputs"][1]["data"] == model.predict_proba(x).reshape(-1).tolist()
    # The legacy route with every cell a string (the Hub widget's form).
    cells = {"color": x["color"].tolist(), "size": [str(v) for v in x["size"]]}
    status, body = post(server.url + "/models/mixed", {"inputs": {"data": cells}})
    assert status == 200, body
    assert body == model.predict(x).tolist()
    # A category the encoder has not seen: scikit-learn's ValueError, as a JSON error.
    cells = {"color": ["purple"], "size": ["1.0"]}
    status, body = post(server.url + "/models/mixed", {"inputs": {"data": cells}})
    assert (status, body["kind"]) == (422, "serve-python-bad-input"), body
    assert "purple" in body["error"]


def test_text_model_answers_the_legacy_text_classification_format(server, fits) -> None:
    model = fits["text"]
    text = "a wonderful and moving story"
    status, body = post(server.url + "/models/alice/text", {"inputs": text})
    assert status == 200, body
    expected = [
        [
            {"label": str(label), "score": score}
            for label, score in zip(
                model.classes_, model.predict_proba([text])[0].tolist(), strict=True
            )
        ]
    ]
    assert body == expected
    texts = ["boring and dull", "great film"]
    status, body = post(server.url + "/models/text", {"inputs": texts})
    assert status == 200, body
    scores = [[entry["score"] for entry in row] for row in body]
    assert scores == model.predict_proba(texts).tolist()
    # A text model takes texts, a tabular model columns: each refuses the other with 400.
    status, body = post(server.url + "/models/text", {"inputs": {"data": {"a": [1]}}})
    assert (status, body["kind"]) == (400, "serve-bad-request"), body
    status, body = post(server.url + "/models/quantile", {"inputs": "some text"})
    assert (status, body["kind"]) == (400, "serve-bad-request"), body


def test_text_model_takes_a_bytes_tensor_over_oip(server, fits) -> None:
    model = fits["text"]
    texts = ["i loved it", "a waste of time", "boring"]
    status, body = post(
        server.url + "/v2/models/text/infer",
        {
            "inputs": [{"name": "text", "shape": [3], "datatype": "BYTES", "data": texts}],
            "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
        },
    )
    assert status == 200, body
    predict, proba = body["outputs"]
    assert (predict["datatype"], predict["data"]) == ("BYTES", model.predict(texts).tolist())
    assert proba["data"] == model.predict_proba(texts).reshape(-1).tolist()
    status, body = post(
        server.url + "/v2/models/text/infer",
        {"inputs": [{"name": "text", "shape": [1], "datatype": "FP64", "data": [1.0]}]},
    )
    assert (status, body["kind"]) == (400, "serve-bad-datatype"), body


def test_metadata_list_and_pages_say_the_engine(server) -> None:
    for name, sklearn_type in [
        ("text", "sklearn.pipeline.Pipeline"),
        ("quantile", "sklearn.pipeline.Pipeline"),
    ]:
        status, meta = get(server.url + f"/v2/models/{name}")
        assert status == 200, meta
        assert meta["parameters"]["engine"] == "python"
        assert meta["parameters"]["sklearn_type"] == sklearn_type
        status, page = request("GET", server.url + f"/models/{name}")
        assert status == 200
        assert "<dt>engine</dt><dd>python</dd>" in page
    status, meta = get(server.url + "/v2/models/text")
    assert meta["inputs"] == [{"name": "text", "datatype": "BYTES", "shape": [-1]}]
    status, meta = get(server.url + "/v2/models/quantile")
    assert [tensor["name"] for tensor in meta["inputs"]] == ["a", "b", "c"]
    status, listing = get(server.url + "/")
    assert {model["name"]: model["engine"] for model in listing["models"]} == {
        "alice/sentiment": "python",
        "mixed": "python",
        "quantile": "python",
        "text": "python",
    }


def test_the_widget_classifies_texts_as_scikit_learn(server, fits) -> None:
    from selenium.webdriver.common.by import By
    from test_hub_pages_browser import chromium_driver
    from test_serve_widget import compute, console_errors, input_rows, set_cell

    model = fits["text"]
    driver = chromium_driver(console_log=True)
    try:
        driver.get(server.url + "/models/alice/sentiment")
        meta = driver.find_element(By.CSS_SELECTOR, "dl.meta").text
        assert "python" in meta and "text-classification" in meta
        headers = [th.text for th in driver.find_elements(By.CSS_SELECTOR, ".widget-input th")]
        assert headers[:2] == ["#", "text"]
        assert [row[0] for row in input_rows(driver)] == TEXTS[:3]
        set_cell(driver, 1, 0, "what a wonderful film")
        texts = [row[0] for row in input_rows(driver)]
        shown = compute(driver)
        assert [row[0] for row in shown] == model.predict(texts).tolist()
        assert len(shown[0]) == 1 + len(model.classes_)
        assert console_errors(driver) == []
    finally:
        driver.quit()


def test_a_python_exception_is_a_json_error(server) -> None:
    # Four columns where the model takes three (no names): scikit-learn's ValueError.
    status, body = post(
        server.url + "/v2/models/quantile/infer",
        {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP64", "data": [1, 2, 3, 4]}]},
    )
    assert status == 422, body
    assert body["kind"] == "serve-python-bad-input"
    assert body["error"].startswith("the model refused the input: ValueError: ")
    assert "Traceback" not in body["error"]
    # A method the model does not have.
    status, body = post(
        server.url + "/v2/models/quantile/infer",
        {
            "parameters": {"content_type": "pd"},
            "inputs": [{"name": n, "shape": [1], "datatype": "FP64", "data": [0.5]} for n in "abc"],
            "outputs": [{"name": "transform"}],
        },
    )
    assert (status, body["kind"]) == (400, "infer-no-method"), body
    # The server still answers.
    assert get(server.url + "/v2/health/ready")[0] == 200


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_sigterm_and_ctrl_c_stop_the_python_run_server(folder: Path, stop: int) -> None:
    running = PythonServer([str(folder / "quantile.skops")], folder / f"stop-{stop}.log")
    code, out = running.stop(stop)
    assert code == 0, running.log()
    assert "skops-rs serve: stopped" in out
    assert "Traceback" not in running.log()  # no KeyboardInterrupt after the clean stop


def test_the_rust_binary_refuses_them_naming_the_python_server(folder: Path) -> None:
    binary, why = skops_rs_with("serve")
    if binary is None:
        pytest.skip(f"`skops-rs serve` is not available (the CLI is not built): {why}")
    for name in ("text", "quantile"):
        result = subprocess.run(
            [binary, "serve", str(folder / f"{name}.skops"), "--port", "0"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 2, result.stderr
        assert "native engine does not evaluate" in result.stderr
        assert "python -m skops_rs serve" in result.stderr
