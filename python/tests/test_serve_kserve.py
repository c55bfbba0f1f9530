"""KServe's custom-runtime contract, run locally without Kubernetes: ``skops-rs serve`` started
with the arguments of ``deploy/kserve/cluster-serving-runtime.yaml`` (``{{.Name}}`` replaced by
the InferenceService's name from ``inference-service.yaml``) and the environment KServe sets
(``PORT``, ``STORAGE_URI``), on a folder laid out as the storage initializer fills
``/mnt/models`` (one ``.skops`` file; or a repository folder with ``config.json`` and
``README.md``). The probes are polled as the kubelet does, the model is reached through the
Open Inference Protocol v2 and answers what scikit-learn predicts, and SIGTERM stops the server
with exit code 0. ``deploy/Dockerfile``'s ENTRYPOINT + CMD (and + the runtime's arguments,
which replace CMD) are run as the container would run them.

Two things a pod gives that a test machine has not are mapped: the volume at ``/mnt/models``
(a temporary folder here) and the pod's own port 8080 (a free port here).
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops_rs.io as sio
import yaml
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from test_hub_utils_e2e import _candidates
from test_serve import _free_port, get, post

ROOT = Path(__file__).resolve().parent.parent.parent
DEPLOY = ROOT / "deploy"
MOUNT = "/mnt/models"
#: Seconds the kubelet-like probe loop waits for the server to become ready.
READY_TIMEOUT = 60.0
#: Seconds a SIGTERM may take to stop the server.
STOP_TIMEOUT = 5.0


def _kserve_binary() -> str:
    """The first ``skops-rs`` whose ``serve`` knows KServe's arguments, else skip."""
    for candidate in _candidates():
        if not Path(candidate).is_file():
            continue
        done = subprocess.run(
            [candidate, "serve", "--help"], capture_output=True, text=True, timeout=60
        )
        if done.returncode == 0 and "--model_dir" in done.stdout:
            return candidate
    pytest.skip("no `skops-rs` with `serve --model_dir` is built")


def _runtime_args(name: str, mount: Path, port: int) -> list[str]:
    """The ClusterServingRuntime's container arguments as KServe passes them."""
    runtime = yaml.safe_load((DEPLOY / "kserve" / "cluster-serving-runtime.yaml").read_text())
    (container,) = runtime["spec"]["containers"]
    assert container["name"] == "kserve-container"
    probes = {container[p]["httpGet"]["path"] for p in ("readinessProbe", "livenessProbe")}
    assert probes == {"/v2/health/ready", "/v2/health/live"}
    return [_pod(arg.replace("{{.Name}}", name), mount, port) for arg in container["args"]]


def _pod(arg: str, mount: Path, port: int) -> str:
    """An argument as it acts in the pod: the volume and the pod's port 8080 mapped."""
    return re.sub(r"^(--http_port=)8080$", rf"\g<1>{port}", arg.replace(MOUNT, str(mount)))


def _service_name() -> str:
    service = yaml.safe_load((DEPLOY / "kserve" / "inference-service.yaml").read_text())
    assert service["spec"]["predictor"]["model"]["modelFormat"]["name"] == "skops"
    return str(service["metadata"]["name"])


@pytest.fixture(scope="module")
def iris() -> tuple[RandomForestClassifier, Any]:
    x, y = load_iris(return_X_y=True, as_frame=True)
    return RandomForestClassifier(n_estimators=10, max_depth=5, random_state=0).fit(x, y), x


def _single_file(tmp: Path, model: Any) -> Path:
    mount = tmp / "mnt-models"
    mount.mkdir()
    sio.dump(model, mount / "model.skops")
    return mount


def _repository(tmp: Path, model: Any, x: Any) -> Path:
    import skops_rs.hub_utils as hub_utils

    sio.dump(model, tmp / "model.skops")
    mount = tmp / "mnt-models"
    hub_utils.init(
        model=tmp / "model.skops",
        requirements=['scikit-learn="1.9.1"'],
        dst=mount,
        task="tabular-classification",
        data=x.head(3),
    )
    (mount / "README.md").write_text("# iris\n")
    return mount


class Pod:
    """The server as KServe runs it: started, probed until ready, then stopped by SIGTERM."""

    def __init__(self, argv: list[str], port: int, env: dict[str, str], log: Path) -> None:
        self.url = f"http://127.0.0.1:{port}"
        self._log = log.open("wb")
        self.log_path = log
        self.process = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=self._log, env={**os.environ, **env}
        )

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def probe_until_ready(self) -> None:
        """As the kubelet does: a refused connection or a non-200 answer is "not yet"."""
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log()
            try:
                live, ready = get(self.url + "/v2/health/live"), get(self.url + "/v2/health/ready")
            except OSError:
                time.sleep(0.05)
                continue
            # Once the server answers at all, its models are loaded: ready at once.
            assert live == (200, {"live": True}), live
            assert ready == (200, {"ready": True}), ready
            return
        raise AssertionError(f"not ready within {READY_TIMEOUT} s: {self.log()}")

    def stop(self) -> int:
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self._log.close()


def _check_inference(pod: Pod, name: str, model: Any, x: Any) -> None:
    status, meta = get(f"{pod.url}/v2/models/{name}")
    assert status == 200 and meta["name"] == name, meta
    rows = x.to_numpy()[::7]
    body = {
        "inputs": [
            {"name": "x", "shape": list(rows.shape), "datatype": "FP64", "data": rows.tolist()}
        ],
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}],
    }
    status, answer = post(f"{pod.url}/v2/models/{name}/infer", body)
    assert status == 200, answer
    assert answer["model_name"] == name
    got = {out["name"]: np.asarray(out["data"]) for out in answer["outputs"]}
    frame = x.iloc[::7]
    assert got["predict"].tobytes() == model.predict(frame).astype(np.int64).tobytes()
    assert got["predict_proba"].tobytes() == model.predict_proba(frame).ravel().tobytes()
    status, missing = post(f"{pod.url}/v2/models/not-{name}/infer", body)
    assert status == 404 and missing["kind"] == "serve-model-not-found", missing


@pytest.mark.parametrize("layout", ["single-file", "repository"])
def test_runtime_contract(layout, iris, tmp_path):
    binary = _kserve_binary()
    model, x = iris
    mount = (
        _single_file(tmp_path, model)
        if layout == "single-file"
        else _repository(tmp_path, model, x)
    )
    name = _service_name()
    port = _free_port()
    argv = [binary, "serve", *_runtime_args(name, mount, port), "--host", "127.0.0.1"]
    # KServe also sets STORAGE_URI to the remote artifact the initializer downloaded:
    # `--model_dir` wins over it.
    env = {"PORT": str(port), "STORAGE_URI": "s3://models/iris-classifier/"}
    pod = Pod(argv, port, env, tmp_path / "log")
    try:
        pod.probe_until_ready()
        _check_inference(pod, name, model, x)
    finally:
        code = pod.stop()
    assert code == 0, pod.log_path.read_text(errors="replace")


def test_local_storage_uri_without_arguments(iris, tmp_path):
    binary = _kserve_binary()
    model, x = iris
    mount = _single_file(tmp_path, model)
    port = _free_port()
    env = {"PORT": str(port), "STORAGE_URI": mount.as_uri()}
    pod = Pod([binary, "serve", "--host", "127.0.0.1"], port, env, tmp_path / "log")
    try:
        pod.probe_until_ready()
        _check_inference(pod, "model", model, x)
    finally:
        code = pod.stop()
    assert code == 0


@pytest.mark.parametrize(
    ("argv", "env", "says"),
    [
        # hf:// is downloaded by the server itself (test_serve_hub_source.py): a hub that
        # cannot be reached stops the start-up.
        (
            [],
            {"STORAGE_URI": "hf://alice/iris", "HF_ENDPOINT": "http://127.0.0.1:9"},
            "cannot be reached",
        ),
        ([], {"STORAGE_URI": "gs://bucket/iris/"}, "storage initializer"),
        ([], {"STORAGE_URI": "s3://bucket/iris/"}, "/mnt/models"),
        (["--model_dir", "{several}"], {}, "a.skops, b.skops"),
        (["--model_dir", "{empty}"], {}, "no `.skops` file"),
        ([], {}, "--model_dir"),
    ],
)
def test_start_up_refusals(argv, env, says, iris, tmp_path):
    """Exit code 2 and the reason (the kinds are checked in crates/skops-serve/tests/it)."""
    binary = _kserve_binary()
    (tmp_path / "several").mkdir()
    (tmp_path / "empty").mkdir()
    for stem in ("a", "b"):
        sio.dump(iris[0], tmp_path / "several" / f"{stem}.skops")
    argv = [arg.format(several=tmp_path / "several", empty=tmp_path / "empty") for arg in argv]
    clean = {k: v for k, v in os.environ.items() if k != "STORAGE_URI"}
    done = subprocess.run(
        [binary, "serve", *argv, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        env={**clean, **env},
    )
    assert done.returncode == 2, done.stderr
    assert says in done.stderr, done.stderr


def _dockerfile() -> tuple[list[str], list[str]]:
    """The final stage's ENTRYPOINT and CMD (exec form)."""
    text = (DEPLOY / "Dockerfile").read_text()
    final = text.rsplit("\nFROM ", 1)[-1]
    found = {}
    for instruction in ("ENTRYPOINT", "CMD"):
        (line,) = re.findall(rf"^{instruction} (\[.*\])$", final, re.MULTILINE)
        found[instruction] = json.loads(line)
    return found["ENTRYPOINT"], found["CMD"]


@pytest.mark.parametrize("args", ["cmd", "runtime"])
def test_dockerfile_entrypoint_runs_the_contract(args, iris, tmp_path):
    """The container's argv (ENTRYPOINT + CMD, or + the runtime's args, which replace CMD)."""
    binary = _kserve_binary()
    model, x = iris
    mount = _single_file(tmp_path, model)
    entrypoint, cmd = _dockerfile()
    assert Path(entrypoint[0]).name == "skops-rs"
    port = _free_port()
    name = _service_name()
    tail = (
        [_pod(arg, mount, port) for arg in cmd]
        if args == "cmd"
        else _runtime_args(name, mount, port)
    )
    # The image listens on 0.0.0.0; here on loopback only (the same option, another value).
    head = ["127.0.0.1" if arg == "0.0.0.0" else arg for arg in entrypoint[1:]]
    pod = Pod([binary, *head, *tail], port, {"PORT": str(port)}, tmp_path / "log")
    try:
        pod.probe_until_ready()
        _check_inference(pod, "model" if args == "cmd" else name, model, x)
    finally:
        code = pod.stop()
    assert code == 0
