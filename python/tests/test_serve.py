"""``skops-rs serve`` end to end: the real binary on a free 127.0.0.1 port, serving models
saved by ``skops_rs.io`` from scikit-learn fits, answers what scikit-learn predicts (to the
bit for trees, forests and boosting) on the Open Inference Protocol v2 and on the legacy Hub
inference route (through ``skops_rs.hub_utils.get_model_output``), refuses bad input with a
JSON error and a specific status, refuses an untrusted model at start-up, and finishes a
request in flight when it is stopped.

The server is the first ``skops-rs`` whose ``serve --help`` succeeds among ``$SKOPS_RS_BIN``,
``target/debug/skops-rs``, ``target/release/skops-rs`` and the ``skops-rs`` console script of
this interpreter; without one every test here is skipped, saying so.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import pytest
import skops_rs.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_diabetes, load_iris
from sklearn.ensemble import HistGradientBoostingRegressor, RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder
from sklearn.tree import DecisionTreeClassifier
from test_hub_utils_e2e import skops_rs_with

ROOT = Path(__file__).resolve().parent.parent.parent
#: Seconds for the server to load its models and accept connections.
STARTUP_TIMEOUT = 60.0
#: The limits the shared server is started with (small, so the tests can pass them).
MAX_ROWS = 1_000
MAX_BODY_BYTES = 400_000


def _serve_binary() -> tuple[str | None, str]:
    """The first ``skops-rs`` that has ``serve``, or why there is none."""
    return skops_rs_with("serve")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """A running ``skops-rs serve``; its standard error (the JSON log) kept in a file."""

    def __init__(
        self, binary: str, args: list[str], log: Path, env: dict[str, str] | None = None
    ) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("wb")
        self.process = subprocess.Popen(
            [binary, "serve", *args, "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=self._log,
            env=env,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"serve exited with {self.process.returncode}: {self.log()}")
            try:
                status, _ = get(self.url + "/v2/health/ready")
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"serve did not start: {self.log()}")
            time.sleep(0.1)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> tuple[int, str]:
        """SIGTERM; the exit code and standard output."""
        self.process.send_signal(signal.SIGTERM)
        try:
            out, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            out, _ = self.process.communicate()
        self._log.close()
        return self.process.returncode, out.decode(errors="replace")


def request(method: str, url: str, body: bytes | None = None) -> tuple[int, Any]:
    """The status and the JSON (or text) of the answer, whatever the status."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    req = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            status, raw = int(response.status), response.read()
    except urllib.error.HTTPError as error:
        with error:
            status, raw = int(error.code), error.read()
    text = raw.decode()
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def get(url: str) -> tuple[int, Any]:
    return request("GET", url)


def post(url: str, value: Any) -> tuple[int, Any]:
    return request("POST", url, json.dumps(value).encode())


# ----- the models ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fits() -> dict[str, Any]:
    iris = load_iris(as_frame=True)
    x_iris, y_iris = iris.data, iris.target
    forest = RandomForestClassifier(n_estimators=15, max_depth=6, random_state=0)
    forest.fit(x_iris, y_iris)
    x_diabetes, y_diabetes = load_diabetes(return_X_y=True)
    hgb = HistGradientBoostingRegressor(max_iter=30, random_state=0).fit(x_diabetes, y_diabetes)
    rng = np.random.default_rng(0)
    colors = pd.DataFrame(
        {"color": rng.choice(["red", "blue", "green"], 80), "size": rng.uniform(0, 6, 80)}
    )
    labels = np.where((colors["color"] == "red") | (colors["size"] > 4), "yes", "no")
    encode = ColumnTransformer([("onehot", OneHotEncoder(), ["color"])], remainder="passthrough")
    pipe = make_pipeline(encode, DecisionTreeClassifier(random_state=0)).fit(colors, labels)
    return {
        "forest": forest,
        "x_iris": x_iris,
        "hgb": hgb,
        "x_diabetes": x_diabetes,
        "colors": pipe,
        "x_colors": colors,
    }


@pytest.fixture(scope="module")
def server(fits, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    import skops_rs.hub_utils as hub_utils

    binary, why = _serve_binary()
    if binary is None:
        pytest.skip(f"`skops-rs serve` is not available (the CLI is not built): {why}")
    folder = tmp_path_factory.mktemp("serve")
    for name in ("forest", "hgb", "colors"):
        sio.dump(fits[name], folder / f"{name}.skops")
    repo = folder / "iris"
    hub_utils.init(
        model=folder / "forest.skops",
        requirements=['scikit-learn="1.9.1"'],
        dst=repo,
        task="tabular-classification",
        data=fits["x_iris"].head(3),
    )
    args = [
        *(str(folder / f"{name}.skops") for name in ("forest", "hgb", "colors")),
        str(repo),
        "--max-rows",
        str(MAX_ROWS),
        "--max-body-bytes",
        str(MAX_BODY_BYTES),
    ]
    running = Server(binary, args, folder / "serve.log")
    try:
        yield running
    finally:
        running.stop()


def pd_inputs(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """One OIP tensor per column, as MLServer's pandas codec sends them."""
    inputs = []
    for name in frame.columns:
        column = frame[name]
        strings = not pd.api.types.is_numeric_dtype(column)
        inputs.append(
            {
                "name": name,
                "shape": [len(column)],
                "datatype": "BYTES" if strings else "FP64",
                "data": column.tolist(),
            }
        )
    return inputs


def outputs_by_name(answer: dict[str, Any]) -> dict[str, np.ndarray]:
    found = {}
    for output in answer["outputs"]:
        data = np.array(output["data"])
        found[output["name"]] = data.reshape(output["shape"])
    return found


# ----- OIP v2 ----------------------------------------------------------------------------------


def test_health_metadata_and_model_list(server, fits):
    assert get(server.url + "/v2/health/live") == (200, {"live": True})
    assert get(server.url + "/v2/health/ready") == (200, {"ready": True})
    assert get(server.url + "/v2/models/forest/ready") == (200, {"name": "forest", "ready": True})
    status, meta = get(server.url + "/v2/models/forest")
    assert status == 200, meta
    assert [i["name"] for i in meta["inputs"]] == list(fits["x_iris"].columns)
    outputs = {o["name"]: o for o in meta["outputs"]}
    assert outputs["predict_proba"]["shape"] == [-1, 3]
    assert outputs["predict"]["datatype"] == "INT64"
    status, meta = get(server.url + "/v2/models/hgb")
    assert meta["inputs"] == [{"name": "input-0", "datatype": "FP64", "shape": [-1, 10]}]
    status, listing = get(server.url + "/")
    assert sorted(m["name"] for m in listing["models"]) == ["colors", "forest", "hgb", "iris"]


def test_oip_pd_forest_equals_scikit_learn_to_the_bit(server, fits):
    forest, x = fits["forest"], fits["x_iris"]
    body = {
        "id": "iris-1",
        "parameters": {"content_type": "pd"},
        "inputs": pd_inputs(x),
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
    }
    status, answer = post(server.url + "/v2/models/forest/infer", body)
    assert status == 200, answer
    assert answer["model_name"] == "forest"
    assert answer["id"] == "iris-1"
    got = outputs_by_name(answer)
    np.testing.assert_array_equal(got["predict"][:, 0], forest.predict(x))
    expected = forest.predict_proba(x)
    assert got["predict_proba"].tobytes() == expected.tobytes()


def test_oip_np_boosting_equals_scikit_learn_to_the_bit(server, fits):
    hgb, x = fits["hgb"], fits["x_diabetes"][:200]
    body = {
        "inputs": [{"name": "x", "shape": list(x.shape), "datatype": "FP64", "data": x.tolist()}]
    }
    status, answer = post(server.url + "/v2/models/hgb/infer", body)
    assert status == 200, answer
    (output,) = answer["outputs"]
    assert (output["name"], output["datatype"], output["shape"]) == ("predict", "FP64", [200, 1])
    assert np.array(output["data"]).tobytes() == hgb.predict(x).tobytes()


def test_oip_string_columns_and_string_labels(server, fits):
    pipe, x = fits["colors"], fits["x_colors"]
    body = {
        "parameters": {"content_type": "pd"},
        "inputs": pd_inputs(x),
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
    }
    status, answer = post(server.url + "/v2/models/colors/infer", body)
    assert status == 200, answer
    got = outputs_by_name(answer)
    assert answer["outputs"][0]["datatype"] == "BYTES"
    assert got["predict"][:, 0].tolist() == pipe.predict(x).tolist()
    assert got["predict_proba"].tobytes() == pipe.predict_proba(x).tobytes()


# ----- the legacy route ----------------------------------------------------------------------


class _ModelInfo(http.server.BaseHTTPRequestHandler):
    """The Hub's model info, which ``get_model_output`` reads for the task first."""

    pipeline_tag: ClassVar[str] = "tabular-classification"

    def do_GET(self) -> None:
        repo_id = self.path.split("?")[0].removeprefix("/api/models/")
        body = json.dumps({"id": repo_id, "pipeline_tag": self.pipeline_tag}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def hub_info(server, monkeypatch) -> Iterator[str]:
    """A model-info Hub (``HF_ENDPOINT``) and the server as ``HF_INFERENCE_ENDPOINT``."""
    import huggingface_hub.constants

    hub = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _ModelInfo)
    thread = threading.Thread(target=hub.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{hub.server_address[1]}"
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", url)
    monkeypatch.setenv("HF_INFERENCE_ENDPOINT", server.url)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    try:
        yield url
    finally:
        hub.shutdown()
        hub.server_close()


def test_get_model_output_against_the_server(server, fits, hub_info):
    import skops_rs.hub_utils as hub_utils

    forest, x = fits["forest"], fits["x_iris"]
    # `alice/iris` finds the repository folder served as `iris`.
    got = hub_utils.get_model_output("alice/iris", x)
    np.testing.assert_array_equal(got, forest.predict(x))
    pipe, colors = fits["colors"], fits["x_colors"]
    assert hub_utils.get_model_output("colors", colors).tolist() == pipe.predict(colors).tolist()
    with pytest.raises(RuntimeError, match="serve-model-not-found"):
        hub_utils.get_model_output("alice/nothing", x)
    with pytest.raises(RuntimeError, match="infer-input-column"):
        hub_utils.get_model_output("alice/iris", x.iloc[:, :2])


def test_legacy_route_takes_string_cells_as_the_hub_widget_sent(server, fits):
    forest, x = fits["forest"], fits["x_iris"].iloc[::10]
    data = {name: [repr(v) for v in x[name]] for name in x.columns}
    status, answer = post(server.url + "/models/someone/forest", {"inputs": {"data": data}})
    assert status == 200, answer
    assert answer == forest.predict(x).tolist()
    # A regressor answers floats, to the bit.
    hgb, rows = fits["hgb"], fits["x_diabetes"][:20]
    data = {f"x{i}": rows[:, i].tolist() for i in range(rows.shape[1])}
    status, answer = post(server.url + "/models/hgb", {"inputs": {"data": data}})
    assert status == 200, answer
    assert np.array(answer).tobytes() == hgb.predict(rows).tobytes()


# ----- bad input -------------------------------------------------------------------------------


def _error(answer: tuple[int, Any], status: int, kind: str) -> None:
    got_status, body = answer
    assert got_status == status, body
    assert isinstance(body, dict) and body["kind"] == kind, body
    assert body["error"] and "Traceback" not in body["error"]


def test_bad_requests_get_json_errors(server, fits):
    infer = server.url + "/v2/models/hgb/infer"
    _error(request("POST", infer, b"{nope"), 400, "serve-bad-json")
    _error(post(infer, {"inputs": [{"name": "x"}]}), 400, "serve-bad-request")
    x = fits["x_diabetes"][:2]
    tensor = {"name": "x", "shape": [2, 10], "datatype": "FP64", "data": x.tolist()}
    _error(post(infer, {"inputs": [{**tensor, "shape": [2, 9]}]}), 400, "serve-bad-request")
    _error(post(infer, {"inputs": [{**tensor, "datatype": "STRING"}]}), 400, "serve-bad-datatype")
    narrow = {"name": "x", "shape": [2, 9], "datatype": "FP64", "data": x[:, :9].tolist()}
    _error(post(infer, {"inputs": [narrow]}), 422, "infer-input-width")
    _error(
        post(infer, {"inputs": [tensor], "outputs": [{"name": "nope"}]}),
        400,
        "serve-unknown-output",
    )
    _error(
        post(server.url + "/v2/models/nope/infer", {"inputs": [tensor]}),
        404,
        "serve-model-not-found",
    )
    _error(get(server.url + "/nowhere"), 404, "serve-route-not-found")
    columns = pd_inputs(fits["x_iris"].head(2))
    body = {"parameters": {"content_type": "pd"}, "inputs": columns[:3]}
    _error(post(server.url + "/v2/models/forest/infer", body), 422, "infer-input-column")
    body = {
        "parameters": {"content_type": "pd"},
        "inputs": [*columns, {**columns[0], "name": "extra"}],
    }
    _error(post(server.url + "/v2/models/forest/infer", body), 422, "infer-input-column")


def test_limits(server, fits):
    rows = np.zeros((MAX_ROWS + 1, 10))
    body = {
        "inputs": [
            {"name": "x", "shape": list(rows.shape), "datatype": "FP64", "data": rows.tolist()}
        ]
    }
    _error(post(server.url + "/v2/models/hgb/infer", body), 413, "serve-too-many-rows")
    big = b'{"inputs": {"data": {"a": [' + b"1.0," * (MAX_BODY_BYTES // 4) + b"1.0]}}}"
    _error(request("POST", server.url + "/models/hgb", big), 413, "serve-payload-too-large")


def test_metrics_and_json_log(server, fits):
    x = fits["x_diabetes"][:3]
    body = {"inputs": [{"name": "x", "shape": [3, 10], "datatype": "FP64", "data": x.tolist()}]}
    assert post(server.url + "/v2/models/hgb/infer", body)[0] == 200
    status, text = get(server.url + "/metrics")
    assert status == 200
    assert (
        'skops_serve_requests_total{model="hgb",route="/v2/models/{name}/infer",status="200"}'
        in text
    )
    assert "skops_serve_request_duration_seconds_bucket" in text
    lines = [json.loads(line) for line in server.log().splitlines() if line.startswith("{")]
    infer = [line for line in lines if line["route"] == "/v2/models/{name}/infer"]
    assert infer and {"time", "method", "path", "status", "model", "rows", "duration_ms"} <= set(
        infer[-1]
    )
    assert any(line["model"] == "hgb" and line["rows"] == 3 for line in infer)


# ----- start-up and shutdown -------------------------------------------------------------------


def test_untrusted_model_is_refused_at_start_up(tmp_path):
    binary, why = _serve_binary()
    if binary is None:
        pytest.skip(f"`skops-rs serve` is not available: {why}")
    x = np.random.default_rng(0).uniform(size=(10, 2))
    sio.dump(FunctionTransformer(functools.partial(np.add, 1.0)).fit(x), tmp_path / "log.skops")
    done = subprocess.run(
        [binary, "serve", str(tmp_path / "log.skops"), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stderr
    assert "untrusted types" in done.stderr and "functools.partial" in done.stderr, done.stderr


def test_port_from_env_and_graceful_shutdown_finishes_the_request_in_flight(fits, tmp_path):
    binary, why = _serve_binary()
    if binary is None:
        pytest.skip(f"`skops-rs serve` is not available: {why}")
    sio.dump(fits["hgb"], tmp_path / "hgb.skops")
    port = _free_port()
    env = {**os.environ, "PORT": str(port)}
    log = (tmp_path / "log").open("wb")
    process = subprocess.Popen(
        [binary, "serve", str(tmp_path / "hgb.skops")], stdout=subprocess.PIPE, stderr=log, env=env
    )
    try:
        first = process.stdout.readline().decode()
        assert f"127.0.0.1:{port}" in first, first
        rows = np.tile(fits["x_diabetes"], (40, 1))[:15_000]
        body = json.dumps(
            {
                "inputs": [
                    {
                        "name": "x",
                        "shape": list(rows.shape),
                        "datatype": "FP64",
                        "data": rows.tolist(),
                    }
                ]
            }
        ).encode()
        head = (
            "POST /v2/models/hgb/infer HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            "Content-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            sock.sendall(head + body)
            time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            answer = b""
            while chunk := sock.recv(1 << 16):
                answer += chunk
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line.startswith(b"HTTP/1.1 200"), answer[:300]
        payload = json.loads(rest.partition(b"\r\n\r\n")[2])
        got = np.array(payload["outputs"][0]["data"])
        assert got.tobytes() == fits["hgb"].predict(rows).tobytes()
        out, _ = process.communicate(timeout=30)
        assert process.returncode == 0
        assert b"stopped" in out
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        log.close()


def test_binary_decision_function_metadata_matches_its_answer(tmp_path):
    """A binary classifier's `decision_function` is one score per row: the metadata says
    `[-1, 1]` and the answer is `[n, 1]` with scikit-learn's values."""
    binary, why = _serve_binary()
    if binary is None:
        pytest.skip(f"`skops-rs serve` is not available: {why}")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    model = LogisticRegression().fit(X, (X[:, 0] > 0).astype(int))
    sio.dump(model, tmp_path / "binary.skops")
    server = Server(binary, [str(tmp_path / "binary.skops")], tmp_path / "log.jsonl")
    try:
        status, meta = get(f"{server.url}/v2/models/binary")
        assert status == 200, meta
        (declared,) = [o for o in meta["outputs"] if o["name"] == "decision_function"]
        assert declared["shape"] == [-1, 1]
        body = {
            "inputs": [{"name": "x", "shape": [5, 3], "datatype": "FP64", "data": X[:5].tolist()}],
            "outputs": [{"name": "decision_function"}],
        }
        status, answer = post(f"{server.url}/v2/models/binary/infer", body)
        assert status == 200, answer
        (tensor,) = answer["outputs"]
        assert tensor["shape"] == [5, 1]
        expected = model.decision_function(X[:5])
        np.testing.assert_allclose(np.ravel(tensor["data"]), expected, rtol=1e-12, atol=1e-15)
    finally:
        server.stop()


def test_fp32_and_fp16_tensors_are_rounded_as_mlserver_decodes_them(tmp_path):
    """An FP32 (FP16) tensor's values are the float32 (float16) numbers MLServer's numpy
    decoding makes of them: the answer equals scikit-learn's on those numbers as float64,
    and differs from the FP64 answer on the same JSON."""
    binary, why = _serve_binary()
    if binary is None:
        pytest.skip(f"`skops-rs serve` is not available: {why}")
    from sklearn.preprocessing import StandardScaler

    rng = np.random.default_rng(1)
    scaler = StandardScaler().fit(rng.normal(size=(50, 3)))
    sio.dump(scaler, tmp_path / "scaler.skops")
    rows = [[0.1, 1.0 / 3.0, 2.2], [-1.7, 0.3, 1e-3]]
    server = Server(binary, [str(tmp_path / "scaler.skops")], tmp_path / "log.jsonl")
    try:
        answers = {}
        for datatype in ("FP64", "FP32", "FP16"):
            body = {"inputs": [{"name": "x", "shape": [2, 3], "datatype": datatype, "data": rows}]}
            status, answer = post(f"{server.url}/v2/models/scaler/infer", body)
            assert status == 200, answer
            answers[datatype] = np.array(answer["outputs"][0]["data"]).reshape(2, 3)
        for datatype, dtype in (("FP64", np.float64), ("FP32", np.float32), ("FP16", np.float16)):
            seen = np.array(rows, dtype=dtype).astype(np.float64)
            np.testing.assert_array_equal(answers[datatype], scaler.transform(seen))
        assert not np.array_equal(answers["FP32"], answers["FP64"])
        assert not np.array_equal(answers["FP16"], answers["FP32"])
    finally:
        server.stop()
