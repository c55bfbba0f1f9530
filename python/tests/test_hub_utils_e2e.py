"""``hub_utils.push`` and ``download`` end to end: the official ``huggingface_hub`` client
against ``skops-rs hub serve``.

The server is the first ``skops-rs`` whose ``hub serve --help`` succeeds among
``$SKOPS_RS_BIN``, ``target/debug/skops-rs``, ``target/release/skops-rs`` and the ``skops-rs``
console script of this interpreter; without one (the hub not built yet) every test here is
skipped, saying so. Each test runs ``hub_utils`` in a fresh interpreter, because
huggingface_hub reads ``HF_ENDPOINT`` when it is imported: the environment variables are the
interface under test (``HF_ENDPOINT``, ``HF_TOKEN``, ``HF_HOME`` for the cache).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import skops_rs.hub_utils as hub_utils

ROOT = Path(__file__).resolve().parent.parent.parent
#: Seconds for the server to accept connections after it starts.
STARTUP_TIMEOUT = 60.0
IRIS = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [4.0, 5.0, 6.0]})
WARNINGS_ARE_ERRORS = ("-W", "error::FutureWarning", "-W", "error::DeprecationWarning")
README = "---\nlibrary_name: sklearn\ntags:\n- sklearn\n- skops\n---\n# A model\n"


def _candidates() -> list[str]:
    found = []
    if os.environ.get("SKOPS_RS_BIN"):
        found.append(os.environ["SKOPS_RS_BIN"])
    suffix = ".exe" if os.name == "nt" else ""
    for profile in ("debug", "release"):
        found.append(str(ROOT / "target" / profile / f"skops-rs{suffix}"))
    found.append(str(Path(sys.executable).parent / f"skops-rs{suffix}"))
    return found


def skops_rs_with(*command: str) -> tuple[str | None, str]:
    """The first ``skops-rs`` that has `command` (e.g. ``hub serve``), or why there is none."""
    tried = []
    shown = " ".join(command)
    for candidate in _candidates():
        if not Path(candidate).is_file():
            tried.append(f"{candidate}: missing")
            continue
        result = subprocess.run(
            [candidate, *command, "--help"],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        if result.returncode == 0:
            return candidate, ""
        tried.append(f"{candidate}: `{shown} --help` exited {result.returncode}")
    return None, "; ".join(tried)


def _hub_binary() -> tuple[str | None, str]:
    """The first ``skops-rs`` that has ``hub serve``, or why there is none."""
    return skops_rs_with("hub", "serve")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Hub:
    """A running ``skops-rs hub serve`` with a write token for user ``alice``."""

    def __init__(self, binary: str, data: Path) -> None:
        added = subprocess.run(
            [binary, "hub", "token", "add", "alice", "--write", "--data", str(data)],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        # The token is printed once: the word with the hub's token prefix, else the last word.
        words = added.stdout.split()
        self.token = next((word for word in words if word.startswith("skh_")), words[-1])
        port = _free_port()
        self.url = f"http://127.0.0.1:{port}"
        self._log = (data.parent / "hub.log").open("wb")
        self.process = subprocess.Popen(
            [binary, "hub", "serve", "--data", str(data), "--addr", f"127.0.0.1:{port}"],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"hub exited with {self.process.returncode}: {self.log()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"hub did not start: {self.log()}") from None
                time.sleep(0.1)

    def log(self) -> str:
        self._log.flush()
        return Path(self._log.name).read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self._log.close()


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    binary, why = _hub_binary()
    if binary is None:
        pytest.skip(f"`skops-rs hub serve` is not available (the hub is not built): {why}")
    server = Hub(binary, tmp_path_factory.mktemp("hub") / "data")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def client_env(hub: Hub, tmp_path: Path) -> dict[str, str]:
    """The environment of a client with the write token and its own cache."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HF_", "HUGGING_FACE_"))
    }
    env.update(
        HF_ENDPOINT=hub.url,
        HF_TOKEN=hub.token,
        HF_HOME=str(tmp_path / "hf-home"),
        HF_HUB_DISABLE_TELEMETRY="1",
    )
    return env


def anonymous_env(env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """A client without a token, and with a cache of its own: huggingface_hub answers from
    its cache when the Hub refuses, so a shared cache would hide the refusal."""
    anonymous = {key: value for key, value in env.items() if key != "HF_TOKEN"}
    anonymous["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
    anonymous["HF_HOME"] = str(tmp_path / "anonymous-hf-home")
    return anonymous


def run(env: dict[str, str], code: str) -> Any:
    """Run `code` in a fresh interpreter; what it assigned to ``result``, through JSON.

    Deprecation warnings are errors there: skops 0.11's ``push`` warned, ours must not, and
    neither may the huggingface_hub calls it makes (a removed API would break it next)."""
    script = (
        "import json\nimport skops_rs.hub_utils as hub_utils\nresult = None\n"
        + textwrap.dedent(code)
        + "\nprint(json.dumps(result))\n"
    )
    done = subprocess.run(
        [sys.executable, *WARNINGS_ARE_ERRORS, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def make_repo(tmp_path: Path, name: str = "repo", model: bytes = b"model bytes") -> Path:
    source = tmp_path / f"{name}.skops"
    source.write_bytes(model)
    dst = tmp_path / name
    hub_utils.init(
        model=source,
        requirements=['scikit-learn="1.9.1"'],
        dst=dst,
        task="tabular-classification",
        data=IRIS,
    )
    (dst / "README.md").write_text(README)
    return dst


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def test_push_then_download_gives_the_same_files(client_env, tmp_path):
    repo = make_repo(tmp_path)
    out = tmp_path / "out"
    sha = run(
        client_env,
        f"""
        hub_utils.push(repo_id="alice/iris", source={str(repo)!r}, create_remote=True,
                       commit_message="first version")
        hub_utils.download(repo_id="alice/iris", dst={str(out)!r})
        from huggingface_hub import HfApi
        result = HfApi().model_info("alice/iris").sha
        """,
    )
    assert files_of(out) == files_of(repo)
    assert len(sha) == 40 and int(sha, 16) >= 0


def test_download_a_commit_after_a_newer_push(client_env, tmp_path):
    repo = make_repo(tmp_path, "versions")
    old, new = tmp_path / "old", tmp_path / "new"
    first = run(
        client_env,
        f"""
        hub_utils.push(repo_id="alice/versions", source={str(repo)!r}, create_remote=True)
        from huggingface_hub import HfApi
        result = HfApi().model_info("alice/versions").sha
        """,
    )
    hub_utils.update_env(path=repo, requirements=["scikit-learn>=1.9"])
    run(
        client_env,
        f"""
        hub_utils.push(repo_id="alice/versions", source={str(repo)!r})
        hub_utils.download(repo_id="alice/versions", dst={str(old)!r}, revision={first!r})
        hub_utils.download(repo_id="alice/versions", dst={str(new)!r})
        """,
    )
    assert hub_utils.get_requirements(old) == ['scikit-learn="1.9.1"']
    assert hub_utils.get_requirements(new) == ["scikit-learn>=1.9"]


def test_push_to_a_missing_repo_without_create_remote_fails(client_env, tmp_path):
    repo = make_repo(tmp_path)
    error = run(
        client_env,
        f"""
        from huggingface_hub.errors import RepositoryNotFoundError
        try:
            hub_utils.push(repo_id="alice/never-created", source={str(repo)!r})
        except RepositoryNotFoundError as e:
            result = type(e).__name__
        """,
    )
    assert error == "RepositoryNotFoundError"


def test_a_private_repo_needs_the_token(client_env, tmp_path):
    repo = make_repo(tmp_path)
    run(
        client_env,
        f"""
        hub_utils.push(repo_id="alice/secret", source={str(repo)!r}, create_remote=True,
                       private=True)
        hub_utils.download(repo_id="alice/secret", dst={str(tmp_path / "mine")!r})
        """,
    )
    assert files_of(tmp_path / "mine") == files_of(repo)
    anonymous = anonymous_env(client_env, tmp_path)
    error = run(
        anonymous,
        f"""
        from huggingface_hub.errors import RepositoryNotFoundError
        try:
            hub_utils.download(repo_id="alice/secret", dst={str(tmp_path / "theirs")!r})
        except RepositoryNotFoundError as e:
            result = type(e).__name__
        """,
    )
    assert error == "RepositoryNotFoundError"
    assert not (tmp_path / "theirs").exists()


def test_private_false_makes_a_repo_public(client_env, tmp_path):
    repo = make_repo(tmp_path)
    push = f"""
        hub_utils.push(repo_id="alice/opened", source={str(repo)!r}, create_remote=True,
                       private={{private}})
        """
    run(client_env, push.format(private=True))
    run(client_env, push.format(private=False))
    anonymous = anonymous_env(client_env, tmp_path)
    run(anonymous, f'hub_utils.download(repo_id="alice/opened", dst={str(tmp_path / "o")!r})')
    assert files_of(tmp_path / "o") == files_of(repo)


def test_download_keep_cache_false_empties_the_cache(client_env, tmp_path):
    repo = make_repo(tmp_path, model=b"a model of some size " * 1000)
    out = tmp_path / "out"
    cache = Path(client_env["HF_HOME"]) / "hub" / "models--alice--cached"
    run(
        client_env,
        f"""
        hub_utils.push(repo_id="alice/cached", source={str(repo)!r}, create_remote=True)
        hub_utils.download(repo_id="alice/cached", dst={str(out)!r}, keep_cache=False)
        """,
    )
    assert files_of(out) == files_of(repo)
    assert list((cache / "blobs").iterdir()) == []
    assert list((cache / "snapshots").iterdir()) == []


def test_download_keeps_the_cache_by_default(client_env, tmp_path):
    repo = make_repo(tmp_path)
    run(
        client_env,
        f"""
        hub_utils.push(repo_id="alice/kept", source={str(repo)!r}, create_remote=True)
        hub_utils.download(repo_id="alice/kept", dst={str(tmp_path / "out")!r})
        """,
    )
    blobs = Path(client_env["HF_HOME"]) / "hub" / "models--alice--kept" / "blobs"
    assert sorted(path.read_bytes() for path in blobs.iterdir()) == sorted(files_of(repo).values())
    shutil.rmtree(tmp_path / "out")
