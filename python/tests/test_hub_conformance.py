"""`skops-rs hub serve` against the official, unmodified `huggingface_hub` client (pinned in
requirements-test.txt, with `hf_xet` installed): each scenario runs in a fresh Python process
whose `HF_ENDPOINT`, `HF_TOKEN` and `HF_HOME` point at a hub started by these tests on
127.0.0.1 (the client reads them at import time), and reports what it saw as JSON.

Also: a server killed mid-commit and restarted keeps its last complete commit.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent


def hub_binary() -> list[str]:
    """The newest `skops-rs` cargo built (`cargo test` builds the debug one), else the console
    script of the installed package; `SKOPS_RS_BIN` overrides both."""
    if os.environ.get("SKOPS_RS_BIN"):
        return [os.environ["SKOPS_RS_BIN"]]
    built = [ROOT / "target" / kind / "skops-rs" for kind in ("release", "debug")]
    built = [path for path in built if path.is_file()]
    if built:
        return [str(max(built, key=lambda path: path.stat().st_mtime))]
    return [str(Path(sys.executable).parent / "skops-rs")]


@dataclass
class Hub:
    url: str
    data: Path
    write_token: str
    read_token: str
    process: subprocess.Popen[str]


def make_token(data: Path, name: str, write: bool) -> str:
    args = [*hub_binary(), "hub", "token", "add", name, "--data", str(data)]
    if write:
        args.append("--write")
    result = subprocess.run(args, capture_output=True, text=True, check=True, timeout=60)
    return result.stdout.strip()


def start_hub(data: Path) -> tuple[subprocess.Popen[str], str]:
    """Starts a hub on a free port; its access log (one line per request) goes to
    `data/../access.log`, appended across restarts."""
    data.parent.mkdir(parents=True, exist_ok=True)
    with open(data.parent / "access.log", "a") as log:
        process = subprocess.Popen(
            [*hub_binary(), "hub", "serve", "--data", str(data), "--addr", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert " at http://127.0.0.1:" in line, line + (data.parent / "access.log").read_text()
    return process, line.strip().rsplit(" at ", 1)[1]


def access_log(hub: Hub) -> list[str]:
    return (hub.data.parent / "access.log").read_text().splitlines()


def stop_hub(process: subprocess.Popen[str]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=30)


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    data = tmp_path_factory.mktemp("hub") / "data"
    write_token = make_token(data, "alice", write=True)
    read_token = make_token(data, "bob", write=False)
    process, url = start_hub(data)
    hub = Hub(url, data, write_token, read_token, process)
    yield hub
    # SIGTERM stops it gracefully: exit code 0.
    assert stop_hub(process) == 0
    # Whatever the scenarios did, no client ever turned to LFS or Xet (preupload answers
    # `regular` for every file), and no request made the server fail.
    log = access_log(hub)
    assert any("/commit/main -> 200" in line for line in log)
    assert not [line for line in log if "xet" in line.lower() or ".git/info/lfs" in line]
    assert not [line for line in log if line.endswith("-> 500")]


def client(
    hub: Hub,
    code: str,
    tmp_path: Path,
    token: str | None = "write",
    python_path: Path | None = None,
) -> dict:
    """Runs `code` with the official client configured by the environment only; `report` (a
    dict) is printed as JSON and returned. `python_path` goes first on the interpreter's path
    (another client version, installed there)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HF_", "HUGGING"))}
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(tmp_path / "hf-home"),
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        HF_HUB_DISABLE_TELEMETRY="1",
    )
    if python_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(
            [str(python_path), *filter(None, [os.environ.get("PYTHONPATH")])]
        )
    if token is not None:
        env["HF_TOKEN"] = hub.write_token if token == "write" else hub.read_token
    prelude = textwrap.dedent(
        """
        import json, os
        import huggingface_hub as hh
        from huggingface_hub import HfApi, hf_hub_download, snapshot_download
        from huggingface_hub import errors
        api = HfApi()
        report = {}
        def raises(call):
            try:
                call()
            except Exception as error:
                return type(error).__name__, [c.__name__ for c in type(error).__mro__]
            return None, []
        """
    )
    script = prelude + textwrap.dedent(code) + "\nprint(json.dumps(report))\n"
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


README = """---
library_name: sklearn
license: mit
tags:
- skops
- tabular-classification
model_file: model.skops
---

# Iris model

A model card.
"""


def test_push_pull_round_trip_with_the_official_client(hub: Hub, tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    (folder / "sub").mkdir(parents=True)
    (folder / "README.md").write_text(README)
    (folder / "config.json").write_text('{"sklearn": {"model": {"file": "model.skops"}}}')
    model = os.urandom(300_000)
    (folder / "model.skops").write_bytes(model)
    (folder / "sub" / "notes.txt").write_text("notes\n")
    report = client(
        hub,
        f"""
        from huggingface_hub.utils._runtime import is_xet_available
        report["xet_installed"] = is_xet_available()
        report["whoami"] = api.whoami()["name"]
        report["url"] = str(api.create_repo("alice/iris", exist_ok=True))
        report["url_again"] = str(api.create_repo("alice/iris", exist_ok=True))
        report["exists"] = raises(lambda: api.create_repo("alice/iris"))
        first = api.upload_file(path_or_fileobj=b"hello\\n", path_in_repo="hello.txt",
                                repo_id="alice/iris")
        report["first"] = first.oid
        second = api.upload_folder(folder_path={str(folder)!r}, repo_id="alice/iris")
        report["second"] = second.oid
        report["files"] = api.list_repo_files("alice/iris")
        info = api.model_info("alice/iris")
        report["sha"] = info.sha
        report["card_data"] = info.card_data.to_dict() if info.card_data else None
        report["pipeline_tag"] = info.pipeline_tag
        report["library_name"] = info.library_name
        report["tags"] = info.tags
        report["siblings"] = sorted(s.rfilename for s in info.siblings)
        report["private"] = info.private
        tree = api.list_repo_tree("alice/iris", recursive=True)
        report["tree"] = sorted((e.path, type(e).__name__) for e in tree)
        path = hf_hub_download("alice/iris", "model.skops")
        expected = open({str(folder / "model.skops")!r}, "rb").read()
        report["download"] = open(path, "rb").read() == expected
        snap = snapshot_download("alice/iris")
        report["snapshot_sha"] = os.path.basename(snap)
        report["snapshot"] = sorted(
            os.path.relpath(os.path.join(d, f), snap) for d, _, fs in os.walk(snap) for f in fs)
        old = snapshot_download("alice/iris", revision=first.oid)
        report["old_snapshot"] = sorted(os.listdir(old))
        old_hello = hf_hub_download("alice/iris", "hello.txt", revision=first.oid)
        report["old_hello"] = open(old_hello).read()
        api.delete_file("hello.txt", "alice/iris")
        report["after_delete"] = api.list_repo_files("alice/iris")
        report["commits"] = [(c.commit_id, c.title) for c in api.list_repo_commits("alice/iris")]
        report["unchanged_again"] = api.upload_folder(folder_path={str(folder)!r},
                                                      repo_id="alice/iris").oid
        """,
        tmp_path,
    )
    assert report["xet_installed"] is True
    assert report["whoami"] == "alice"
    assert report["url"] == report["url_again"] == f"{hub.url}/alice/iris"
    assert report["exists"][0] == "HfHubHTTPError"
    assert sorted(report["files"]) == [
        "README.md",
        "config.json",
        "hello.txt",
        "model.skops",
        "sub/notes.txt",
    ]
    assert report["sha"] == report["second"]
    assert report["card_data"]["model_file"] == "model.skops"
    assert report["card_data"]["license"] == "mit"
    assert report["pipeline_tag"] == "tabular-classification"
    assert report["library_name"] == "sklearn"
    assert {"skops", "tabular-classification", "sklearn", "license:mit"} <= set(report["tags"])
    assert report["siblings"] == sorted(report["files"])
    assert report["private"] is False
    assert ("sub", "RepoFolder") in [tuple(e) for e in report["tree"]]
    assert report["download"] is True
    assert report["snapshot_sha"] == report["second"]
    assert sorted(report["snapshot"]) == sorted(report["files"])
    # A commit-id revision is the repository as it was then.
    assert report["old_snapshot"] == ["hello.txt"]
    assert report["old_hello"] == "hello\n"
    assert "hello.txt" not in report["after_delete"]
    titles = [title for _, title in report["commits"]]
    assert titles[-1] == "initial commit"
    assert len(titles) == 4
    assert report["commits"][2][0] == report["first"]
    # Every file unchanged: the client skips the commit (preupload's `oid`), head stays.
    assert report["unchanged_again"] == report["commits"][0][0]
    log = access_log(hub)
    assert any(line.startswith("POST /api/validate-yaml -> 200") for line in log)
    assert any("/preupload/main -> 200" in line for line in log)


def test_errors_raise_the_clients_own_exception_classes(hub: Hub, tmp_path: Path) -> None:
    report = client(
        hub,
        """
        api.create_repo("alice/errors", exist_ok=True)
        api.upload_file(path_or_fileobj=b"x", path_in_repo="x.txt", repo_id="alice/errors")
        report["repo"] = raises(lambda: api.model_info("alice/missing"))
        report["revision"] = raises(lambda: api.model_info("alice/errors", revision="nope"))
        report["entry"] = raises(lambda: hf_hub_download("alice/errors", "missing.txt"))
        report["commit_revision"] = raises(
            lambda: hf_hub_download("alice/errors", "x.txt", revision="0" * 40))
        report["delete_missing"] = raises(lambda: api.delete_file("missing.txt", "alice/errors"))
        report["upload_missing_repo"] = raises(
            lambda: api.upload_file(path_or_fileobj=b"x", path_in_repo="x", repo_id="alice/nope"))
        report["bad_yaml"] = raises(lambda: api.upload_file(
            path_or_fileobj=b"---\\ntags: [unclosed\\n---\\n", path_in_repo="README.md",
            repo_id="alice/errors"))
        report["bad_path"] = raises(lambda: api.upload_file(
            path_or_fileobj=b"x", path_in_repo="a\\\\b", repo_id="alice/errors"))
        api.delete_repo("alice/errors")
        report["deleted"] = raises(lambda: api.model_info("alice/errors"))
        report["delete_again"] = raises(lambda: api.delete_repo("alice/errors"))
        """,
        tmp_path,
    )
    assert report["repo"][0] == "RepositoryNotFoundError"
    assert report["revision"][0] == "RevisionNotFoundError"
    assert "EntryNotFoundError" in report["entry"][1]
    assert report["commit_revision"][0] == "RevisionNotFoundError"
    assert "EntryNotFoundError" in report["delete_missing"][1]
    assert report["upload_missing_repo"][0] == "RepositoryNotFoundError"
    assert report["bad_yaml"][0] == "ValueError"
    assert report["bad_path"][0] == "BadRequestError"
    assert report["deleted"][0] == "RepositoryNotFoundError"
    assert report["delete_again"][0] == "RepositoryNotFoundError"


def test_private_repositories_and_token_roles(hub: Hub, tmp_path: Path) -> None:
    report = client(
        hub,
        """
        api.create_repo("alice/secret", private=True, exist_ok=True)
        api.upload_file(path_or_fileobj=b"s", path_in_repo="s.txt", repo_id="alice/secret")
        report["private"] = api.model_info("alice/secret").private
        api.create_repo("alice/public", exist_ok=True)
        api.upload_file(path_or_fileobj=b"p", path_in_repo="p.txt", repo_id="alice/public")
        """,
        tmp_path,
    )
    assert report["private"] is True
    anonymous = client(
        hub,
        """
        report["info"] = raises(lambda: api.model_info("alice/secret"))
        report["download"] = raises(lambda: hf_hub_download("alice/secret", "s.txt"))
        report["public"] = open(hf_hub_download("alice/public", "p.txt")).read()
        report["write"] = raises(lambda: api.upload_file(
            path_or_fileobj=b"x", path_in_repo="x", repo_id="alice/public"))
        """,
        tmp_path / "anonymous",
        token=None,
    )
    assert anonymous["info"][0] == "RepositoryNotFoundError"
    assert anonymous["download"][0] == "RepositoryNotFoundError"
    assert anonymous["public"] == "p"
    assert "HfHubHTTPError" in anonymous["write"][1]
    reader = client(
        hub,
        """
        report["whoami"] = api.whoami()["name"]
        report["secret"] = open(hf_hub_download("alice/secret", "s.txt")).read()
        report["write"] = raises(lambda: api.upload_file(
            path_or_fileobj=b"x", path_in_repo="x", repo_id="alice/public"))
        report["create"] = raises(lambda: api.create_repo("bob/new"))
        """,
        tmp_path / "reader",
        token="read",
    )
    assert reader["whoami"] == "bob"
    assert reader["secret"] == "s"
    assert reader["write"][0] == "HfHubHTTPError"
    assert reader["create"][0] == "HfHubHTTPError"
    made_public = client(
        hub,
        """
        api.update_repo_settings("alice/secret", private=False)
        report["private"] = api.model_info("alice/secret").private
        """,
        tmp_path / "settings",
    )
    assert made_public["private"] is False


def test_downloads_carry_no_xet_headers(hub: Hub, tmp_path: Path) -> None:
    report = client(
        hub,
        """
        api.create_repo("alice/plain", exist_ok=True)
        big = os.urandom(11 * 1024 * 1024)
        report["oid"] = api.upload_file(path_or_fileobj=big, path_in_repo="big.bin",
                                        repo_id="alice/plain").oid
        """,
        tmp_path,
    )
    request = urllib.request.Request(f"{hub.url}/alice/plain/resolve/main/big.bin", method="HEAD")
    with urllib.request.urlopen(request, timeout=30) as head:
        assert head.status == 200
        assert head.headers["content-length"] == str(11 * 1024 * 1024)
        assert head.headers["x-repo-commit"] == report["oid"]
        assert not [name for name in head.headers if name.lower().startswith("x-xet")]
    with urllib.request.urlopen(f"{hub.url}/api/models/alice/plain/tree/main", timeout=30) as r:
        tree = json.load(r)
    assert "xetHash" not in tree[0] and "lfs" not in tree[0]


def test_a_server_killed_mid_commit_restarts_at_the_last_complete_commit(
    tmp_path: Path,
) -> None:
    data = tmp_path / "data"
    token = make_token(data, "alice", write=True)
    process, url = start_hub(data)
    port = int(url.rsplit(":", 1)[1])
    try:
        report = client(
            Hub(url, data, token, token, process),
            """
            api.create_repo("alice/crash")
            report["head"] = api.upload_file(path_or_fileobj=b"v1", path_in_repo="a.txt",
                                             repo_id="alice/crash").oid
            """,
            tmp_path,
        )
        header = json.dumps({"key": "header", "value": {"summary": "cut"}}) + "\n"
        line = b'{"key":"file","value":{"path":"a.txt","content":"' + b"QUFB" * 500_000
        body = header.encode() + line
        with socket.create_connection(("127.0.0.1", port)) as sock:
            sock.sendall(
                (
                    "POST /api/models/alice/crash/commit/main HTTP/1.1\r\n"
                    f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
                    "Content-Type: application/x-ndjson\r\n"
                    f"Content-Length: {len(body) + 10_000_000}\r\n\r\n"
                ).encode()
                + body
            )
            time.sleep(0.3)
            process.kill()
            process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    process, url = start_hub(data)
    try:
        # The staging folder is cleaned on start, and the branch is where it was.
        assert list((data / "tmp").iterdir()) == []
        after = client(
            Hub(url, data, token, token, process),
            """
            report["head"] = api.model_info("alice/crash").sha
            report["a"] = open(hf_hub_download("alice/crash", "a.txt")).read()
            """,
            tmp_path / "after",
        )
        assert after == {"head": report["head"], "a": "v1"}
    finally:
        assert stop_hub(process) == 0
