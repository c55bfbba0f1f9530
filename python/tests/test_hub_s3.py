"""`skops-rs hub serve --store s3://bucket/prefix` against an S3-compatible server (moto's,
started here on 127.0.0.1): the official client round-trips through it, and two hub processes
serving one store never lose a commit (the branch moves by conditional put).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from test_hub_conformance import Hub, client, hub_binary, stop_hub

BUCKET = "skops-hub-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    boto3 = pytest.importorskip("boto3")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    endpoint = f"http://127.0.0.1:{port}"
    env = {
        "AWS_ENDPOINT": endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_REGION": "us-east-1",
    }
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.1)
        s3 = boto3.client(
            "s3",
            endpoint_url=endpoint,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
            region_name="us-east-1",
        )
        s3.create_bucket(Bucket=BUCKET)
        yield env
    finally:
        server.terminate()
        server.wait(timeout=30)


def start(store: str, env: dict[str, str], log: Path) -> tuple[subprocess.Popen[str], str]:
    with open(log, "a") as out:
        process = subprocess.Popen(
            [*hub_binary(), "hub", "serve", "--store", store, "--addr", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            env={**os.environ, **env},
        )
    assert process.stdout is not None
    line = process.stdout.readline()
    assert " at http://127.0.0.1:" in line, line + log.read_text()
    return process, line.strip().rsplit(" at ", 1)[1]


def test_two_hub_processes_share_one_object_store(s3_env: dict[str, str], tmp_path: Path) -> None:
    store = f"s3://{BUCKET}/hub"
    token = subprocess.run(
        [*hub_binary(), "hub", "token", "add", "alice", "--write", "--store", store],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        env={**os.environ, **s3_env},
    ).stdout.strip()
    (tmp_path / "data").mkdir()
    first, first_url = start(store, s3_env, tmp_path / "access.log")
    second, second_url = start(store, s3_env, tmp_path / "access.log")
    hubs = [
        Hub(url, tmp_path / "data", token, token, process)
        for url, process in ((first_url, first), (second_url, second))
    ]
    try:
        folder = tmp_path / "repo"
        folder.mkdir()
        (folder / "README.md").write_text("---\nlibrary_name: sklearn\n---\n# Card\n")
        (folder / "model.skops").write_bytes(os.urandom(6 * 1024 * 1024))
        pushed = client(
            hubs[0],
            f"""
            api.create_repo("alice/shared")
            report["oid"] = api.upload_folder(folder_path={str(folder)!r},
                                              repo_id="alice/shared").oid
            """,
            tmp_path / "push",
        )
        # Read back through the other process.
        pulled = client(
            hubs[1],
            f"""
            info = api.model_info("alice/shared")
            report["sha"] = info.sha
            report["library_name"] = info.library_name
            path = hf_hub_download("alice/shared", "model.skops")
            report["same"] = open(path, "rb").read() == open(
                {str(folder / "model.skops")!r}, "rb").read()
            """,
            tmp_path / "pull",
        )
        assert pulled == {"sha": pushed["oid"], "library_name": "sklearn", "same": True}

        # Concurrent commits through both processes: every one lands.
        def commit(i: int) -> str:
            return client(
                hubs[i % 2],
                f"""
                report["oid"] = api.upload_file(path_or_fileobj=b"{i}",
                                                path_in_repo="file-{i}.txt",
                                                repo_id="alice/shared").oid
                """,
                tmp_path / f"writer-{i}",
            )["oid"]

        with ThreadPoolExecutor(4) as pool:
            oids = list(pool.map(commit, range(4)))
        history = client(
            hubs[0],
            """
            report["files"] = sorted(api.list_repo_files("alice/shared"))
            report["commits"] = [c.commit_id for c in api.list_repo_commits("alice/shared")]
            """,
            tmp_path / "history",
        )
        assert [f"file-{i}.txt" for i in range(4)] == [
            f for f in history["files"] if f.startswith("file-")
        ]
        assert set(oids) <= set(history["commits"])
        assert len(history["commits"]) == 2 + 4
        deleted = client(
            hubs[1],
            """
            api.delete_repo("alice/shared")
            report["gone"] = raises(lambda: api.model_info("alice/shared"))[0]
            """,
            tmp_path / "delete",
        )
        assert deleted["gone"] == "RepositoryNotFoundError"
    finally:
        for process in (first, second):
            if process.poll() is None:
                assert stop_hub(process) == 0
    assert "-> 500" not in (tmp_path / "access.log").read_text()
