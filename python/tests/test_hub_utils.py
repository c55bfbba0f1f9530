"""``skops_rs.hub_utils`` beyond the parity with skops 0.11 (test_hub_utils_parity.py).

The model file is never loaded; ``config.json``'s exact bytes; what ``push`` and ``download``
check before any network call; the cache clean-up of ``download(keep_cache=False)``; and
``get_model_output``'s request and errors, against a recording HTTP server in this file (it
tests our own client code: the body, the headers, the answers it understands).

The end-to-end tests of ``push`` and ``download`` with the official client are in
test_hub_utils_e2e.py (against ``skops-rs hub serve``).
"""

from __future__ import annotations

import http.server
import json
import os
import pickle
import socket
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import huggingface_hub
import huggingface_hub.constants
import numpy as np
import pandas as pd
import pytest
import skops_rs
import skops_rs.hub_utils as hub_utils
from skops_rs.exceptions import InferenceEndpointError
from skops_rs.hub_utils import _hub

IRIS = pd.DataFrame(
    {
        "sepal length (cm)": [5.1, 4.9, 4.7, 4.6],
        "sepal width (cm)": [3.5, 3.0, 3.2, 3.1],
        "petal length (cm)": [1.4, 1.4, 1.3, 1.5],
        "petal width (cm)": [0.2, 0.2, 0.2, 0.2],
    }
)


class _CreatesAFile:
    """Pickled as ``open(marker, "w")``: loading the pickle creates `marker`."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> Any:
        return (open, (str(self.marker), "w"))


def _init(tmp_path: Path, model: Path, **kwargs: Any) -> Path:
    dst = tmp_path / "repo"
    arguments = {
        "model": model,
        "requirements": ['scikit-learn="1.9.1"'],
        "dst": dst,
        "task": "tabular-classification",
        "data": IRIS,
    }
    arguments.update(kwargs)
    hub_utils.init(**arguments)
    return dst


# ----- init never loads the model ----------------------------------------------------------


@pytest.mark.parametrize("name", ["model.pkl", "model.joblib", "model.pickle"])
def test_init_copies_a_pickle_and_runs_none_of_it(tmp_path, name):
    marker = tmp_path / "code-ran"
    model = tmp_path / name
    model.write_bytes(pickle.dumps(_CreatesAFile(marker)))
    # The pickle is hostile indeed: loading it (in another process) creates the marker.
    probe = tmp_path / "probe.pkl"
    probe.write_bytes(pickle.dumps(_CreatesAFile(tmp_path / "probe-ran")))
    code = f"import pickle; pickle.loads(open({str(probe)!r}, 'rb').read())"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
    assert (tmp_path / "probe-ran").exists()

    dst = _init(tmp_path, model)

    assert not marker.exists()
    assert (dst / name).read_bytes() == model.read_bytes()
    assert hub_utils.get_config(dst)["sklearn"]["model_format"] == "pickle"


def test_init_copies_a_skops_file_without_reading_it(tmp_path, monkeypatch):
    import skops_rs.io

    def refuse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("init must not load the model")

    for name in ("load", "loads", "get_untrusted_types"):
        monkeypatch.setattr(skops_rs.io, name, refuse)
    model = tmp_path / "model.skops"
    model.write_bytes(b"not even a zip file")  # skops 0.11 copied it too

    dst = _init(tmp_path, model)

    assert (dst / "model.skops").read_bytes() == b"not even a zip file"
    assert hub_utils.get_config(dst)["sklearn"]["model_format"] == "skops"


def test_init_keeps_the_model_file_times(tmp_path):
    model = tmp_path / "model.skops"
    model.write_bytes(b"model")
    os.utime(model, ns=(1_000_000_000, 1_500_000_000_123))
    dst = _init(tmp_path, model)
    assert (dst / "model.skops").stat().st_mtime_ns == model.stat().st_mtime_ns


def test_config_json_bytes(tmp_path):
    """The iris example of skops' docs, byte for byte: sorted keys, 4-space indent, no final
    newline."""
    model = tmp_path / "model.skops"
    model.write_bytes(b"model")
    dst = _init(tmp_path, model, data=IRIS)
    expected = (
        "{\n"
        '    "sklearn": {\n'
        '        "columns": [\n'
        '            "sepal length (cm)",\n'
        '            "sepal width (cm)",\n'
        '            "petal length (cm)",\n'
        '            "petal width (cm)"\n'
        "        ],\n"
        '        "environment": [\n'
        '            "scikit-learn=\\"1.9.1\\""\n'
        "        ],\n"
        '        "example_input": {\n'
        '            "petal length (cm)": [\n'
        "                1.4,\n"
        "                1.4,\n"
        "                1.3\n"
        "            ],\n"
        '            "petal width (cm)": [\n'
        "                0.2,\n"
        "                0.2,\n"
        "                0.2\n"
        "            ],\n"
        '            "sepal length (cm)": [\n'
        "                5.1,\n"
        "                4.9,\n"
        "                4.7\n"
        "            ],\n"
        '            "sepal width (cm)": [\n'
        "                3.5,\n"
        "                3.0,\n"
        "                3.2\n"
        "            ]\n"
        "        },\n"
        '        "model": {\n'
        '            "file": "model.skops"\n'
        "        },\n"
        '        "model_format": "skops",\n'
        '        "task": "tabular-classification"\n'
        "    }\n"
        "}"
    )
    assert (dst / "config.json").read_bytes() == expected.encode()


def test_the_card_reads_the_config_init_writes(tmp_path):
    from skops_rs.card import metadata_from_config

    model = tmp_path / "model.skops"
    model.write_bytes(b"model")
    dst = _init(tmp_path, model)
    metadata = metadata_from_config(dst)
    assert metadata["model_file"] == "model.skops"
    assert "tabular-classification" in metadata["tags"]


def test_no_warnings(tmp_path):
    model = tmp_path / "model.skops"
    model.write_bytes(b"model")
    extra = tmp_path / "train.py"
    extra.write_text("print('train')")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        dst = _init(tmp_path, model)
        hub_utils.add_files(extra, dst=dst)
        hub_utils.update_env(path=dst, requirements=["scikit-learn"])
        assert hub_utils.get_requirements(dst) == ["scikit-learn"]


def test_public_names_are_skops_0_11s():
    assert sorted(hub_utils.__all__) == [
        "add_files",
        "download",
        "get_config",
        "get_model_output",
        "get_requirements",
        "init",
        "push",
        "update_env",
    ]
    assert hub_utils.SUPPORTED_TASKS == [
        "tabular-classification",
        "tabular-regression",
        "text-classification",
        "text-regression",
    ]


# ----- push and download: what is checked before any network call --------------------------


@pytest.fixture
def no_hub(monkeypatch):
    """An HfApi whose every use fails the test: nothing may reach a Hub."""

    class NoHub:
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            raise AssertionError("no Hub call expected")

    monkeypatch.setattr(huggingface_hub, "HfApi", NoHub)
    monkeypatch.setattr(huggingface_hub, "snapshot_download", NoHub)  # download's only network call


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "missing", "The given path is not a directory."),
        (lambda tmp: tmp, "Configuration file `config.json` missing."),
        (
            lambda tmp: (tmp / "config.json").write_text('{"sklearn": {}}') and tmp,
            "Model file not configured in the configuration file. It should be stored"
            " in the hf_hub.sklearn.model key.",
        ),
        (
            lambda tmp: (
                (tmp / "config.json").write_text('{"sklearn": {"model": {"file": "model.skops"}}}')
                and tmp
            ),
            "Model file model.skops does not exist.",
        ),
    ],
)
def test_push_refuses_a_folder_that_is_not_a_model_repo(tmp_path, no_hub, make, message):
    with pytest.raises(TypeError) as error:
        hub_utils.push(repo_id="alice/model", source=make(tmp_path))
    assert str(error.value) == message


def test_download_refuses_a_folder_that_is_not_empty(tmp_path, no_hub):
    (tmp_path / "kept.txt").write_text("kept")
    with pytest.raises(OSError, match="None-empty dst path already exists!"):
        hub_utils.download(repo_id="alice/model", dst=tmp_path)
    assert (tmp_path / "kept.txt").read_text() == "kept"


def test_push_without_huggingface_hub_names_the_extra(tmp_path, monkeypatch):
    model = tmp_path / "model.skops"
    model.write_bytes(b"model")
    dst = _init(tmp_path, model)
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # import fails
    with pytest.raises(ModuleNotFoundError, match=r"skops-rs\[hub\]"):
        hub_utils.push(repo_id="alice/model", source=dst)
    with pytest.raises(ModuleNotFoundError, match=r"skops-rs\[hub\]"):
        hub_utils.download(repo_id="alice/model", dst=tmp_path / "out")


# ----- download(keep_cache=False): the cache clean-up ----------------------------------------


def _cached_repo(cache: Path, name: str, snapshots: dict[str, dict[str, str]]) -> Path:
    """A repository in huggingface_hub's cache layout: ``blobs/<etag>`` and
    ``snapshots/<sha>/<file>`` links to them (file contents double as etags)."""
    repo = cache / f"models--alice--{name}"
    (repo / "blobs").mkdir(parents=True)
    for sha, files in snapshots.items():
        for file, etag in files.items():
            blob = repo / "blobs" / etag
            blob.write_text(etag)
            link = repo / "snapshots" / sha / file
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(os.path.relpath(blob, link.parent))
    return repo


def test_keep_cache_false_removes_the_revision_and_the_files_only_it_uses(tmp_path):
    old, new = "a" * 40, "b" * 40
    repo = _cached_repo(
        tmp_path,
        "model",
        {
            old: {"model.skops": "blob-old", "config.json": "blob-shared"},
            new: {
                "model.skops": "blob-new",
                "config.json": "blob-shared",
            },
        },
    )
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(new)
    (repo / "refs" / "v1").write_text(old)
    (repo / "trees").mkdir()
    (repo / "trees" / f"{new}.json").write_text("{}")
    (repo / ".no_exist" / new).mkdir(parents=True)
    # A duplicate repository cached at the same commit keeps its copy.
    twin = _cached_repo(tmp_path, "twin", {new: {"model.skops": "blob-new"}})

    _hub._remove_cached_revision(repo / "snapshots" / new)

    assert sorted(p.name for p in (repo / "blobs").iterdir()) == ["blob-old", "blob-shared"]
    assert sorted(p.name for p in (repo / "snapshots").iterdir()) == [old]
    assert sorted(p.name for p in (repo / "refs").iterdir()) == ["v1"]
    assert not (repo / "trees" / f"{new}.json").exists()
    assert not (repo / ".no_exist" / new).exists()
    assert (twin / "snapshots" / new / "model.skops").read_text() == "blob-new"


def test_keep_cache_false_outside_the_cache_removes_the_folder(tmp_path):
    local = tmp_path / "local"
    local.mkdir()
    (local / "model.skops").write_text("model")
    _hub._remove_cached_revision(local)
    assert not local.exists()


# ----- get_model_output: a recording server ------------------------------------------------


class _Recorder(http.server.BaseHTTPRequestHandler):
    """Answers the Hub's model info and the inference route; records every request."""

    requests: ClassVar[list[dict[str, Any]]] = []
    #: (status, content type, body) answered to the POSTs, in turn (the last one repeats).
    answers: ClassVar[list[tuple[int, str, bytes]]] = []
    pipeline_tag: ClassVar[str | None] = "tabular-classification"

    def _record(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        record = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": self.rfile.read(length),
        }
        self.requests.append(record)
        return record

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._record()
        repo_id = self.path.split("?")[0].removeprefix("/api/models/")
        info = {"id": repo_id, "pipeline_tag": self.pipeline_tag}
        self._send(200, "application/json", json.dumps(info).encode())

    def do_POST(self) -> None:
        self._record()
        answers = type(self).answers
        status, content_type, body = answers.pop(0) if len(answers) > 1 else answers[0]
        self._send(status, content_type, body)

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass


@pytest.fixture
def recorder(monkeypatch) -> Iterator[type[_Recorder]]:
    """A recording server as both the Hub (``HF_ENDPOINT``) and the inference endpoint."""
    handler = type("Recorder", (_Recorder,), {"requests": [], "answers": []})
    handler.answers.append((200, "application/json", b"[1, 0, 2]"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    # huggingface_hub reads HF_ENDPOINT at import; HfApi() takes it from here at each call.
    monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", url)
    monkeypatch.setenv("HF_INFERENCE_ENDPOINT", url + "/")
    monkeypatch.delenv("HF_TOKEN", raising=False)
    monkeypatch.setenv("HF_HUB_DISABLE_IMPLICIT_TOKEN", "1")
    handler.url = url
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def _posts(recorder: type[_Recorder]) -> list[dict[str, Any]]:
    return [r for r in recorder.requests if r["method"] == "POST"]


def test_get_model_output_posts_the_hub_inference_json(recorder):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        output = hub_utils.get_model_output("alice/iris", IRIS, token="hf_secret")

    assert isinstance(output, np.ndarray)
    np.testing.assert_array_equal(output, np.array([1, 0, 2]))
    # huggingface_hub may also ask the Hub about itself (2.4: `/api/agent-harnesses`, once per
    # HF_HOME); the one request of ours is the model info.
    (info,) = [r for r in recorder.requests if r["path"].startswith("/api/models/")]
    assert info["method"] == "GET"
    assert info["path"].split("?")[0] == "/api/models/alice/iris"
    assert info["headers"]["authorization"] == "Bearer hf_secret"
    (post,) = _posts(recorder)
    assert post["path"] == "/models/alice/iris"
    assert json.loads(post["body"]) == {"inputs": {"data": IRIS.to_dict(orient="list")}}
    assert post["headers"]["content-type"] == "application/json"
    assert post["headers"]["authorization"] == "Bearer hf_secret"
    assert post["headers"]["user-agent"].startswith(f"skops-rs/{skops_rs.__version__}; hf_hub/")


def test_get_model_output_names_array_columns_x0_x1(recorder):
    recorder.answers[:] = [(200, "application/json", b"[0.5, 1.5]")]
    data = np.array([[1.0, 2.0], [3.0, 4.0]])
    output = hub_utils.get_model_output("alice/reg", data)
    np.testing.assert_array_equal(output, [0.5, 1.5])
    (post,) = _posts(recorder)
    assert json.loads(post["body"]) == {"inputs": {"data": {"x0": [1.0, 3.0], "x1": [2.0, 4.0]}}}
    assert "authorization" not in post["headers"]


def test_get_model_output_uses_hf_token(recorder, monkeypatch):
    monkeypatch.setenv("HF_TOKEN", "hf_from_env")
    monkeypatch.delenv("HF_HUB_DISABLE_IMPLICIT_TOKEN")
    hub_utils.get_model_output("alice/iris", IRIS)
    (post,) = _posts(recorder)
    assert post["headers"]["authorization"] == "Bearer hf_from_env"


def test_no_inference_endpoint_is_a_clear_error_and_sends_nothing(recorder, monkeypatch):
    monkeypatch.delenv("HF_INFERENCE_ENDPOINT")
    with pytest.raises(InferenceEndpointError, match="HF_INFERENCE_ENDPOINT") as error:
        hub_utils.get_model_output("alice/iris", IRIS)
    assert error.value.url is None
    assert isinstance(error.value, RuntimeError)
    assert recorder.requests == []


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_an_endpoint_that_does_not_answer_is_a_clear_error(recorder, monkeypatch):
    url = f"http://127.0.0.1:{_closed_port()}"
    monkeypatch.setenv("HF_INFERENCE_ENDPOINT", url)
    with pytest.raises(InferenceEndpointError, match="no inference endpoint answered") as error:
        hub_utils.get_model_output("alice/iris", IRIS)
    assert error.value.url == f"{url}/models/alice/iris"
    assert error.value.status is None


def test_an_answer_that_is_not_json_is_an_endpoint_error(recorder):
    recorder.answers[:] = [(404, "text/html", b"<html>Not Found</html>")]
    with pytest.raises(InferenceEndpointError, match="not JSON") as error:
        hub_utils.get_model_output("alice/iris", IRIS)
    assert error.value.status == 404


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (200, {"error": "unexpected"}),
        (400, {"error": "There were warnings while running the model.", "warnings": ["w"]}),
        (500, {"error": "unknown error"}),
        (400, [1, 2]),  # a list with an error status is not a prediction
    ],
)
def test_errors_and_warnings_of_the_endpoint_raise_runtime_error(recorder, status, body):
    recorder.answers[:] = [(status, "application/json", json.dumps(body).encode())]
    with pytest.raises(RuntimeError) as error:
        hub_utils.get_model_output("alice/iris", IRIS)
    assert not isinstance(error.value, InferenceEndpointError)
    assert str(error.value) == f"There were errors or warnings during inference: {body}"


def test_a_loading_endpoint_is_asked_once_more_to_wait(recorder, monkeypatch):
    monkeypatch.setattr("skops_rs.hub_utils._inference.RETRY_DELAY", 0.0)
    recorder.answers[:] = [
        (503, "application/json", b'{"error": "loading", "estimated_time": 1}'),
        (200, "application/json", b"[2]"),
    ]
    np.testing.assert_array_equal(hub_utils.get_model_output("alice/iris", IRIS), [2])
    first, second = _posts(recorder)
    assert "x-wait-for-model" not in first["headers"]
    assert second["headers"]["x-wait-for-model"] == "1"
    assert second["body"] == first["body"]


def test_a_repo_without_a_task_is_refused_before_inference(recorder, monkeypatch):
    monkeypatch.setattr(recorder, "pipeline_tag", None)
    with pytest.raises(ValueError, match="has no pipeline tag"):
        hub_utils.get_model_output("alice/iris", IRIS)
    assert _posts(recorder) == []


def test_inference_endpoint_error_pickles():
    error = InferenceEndpointError("gone", url="http://x/models/a/b", status=502)
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.url, copy.status) == (
        InferenceEndpointError,
        "gone",
        "http://x/models/a/b",
        502,
    )
