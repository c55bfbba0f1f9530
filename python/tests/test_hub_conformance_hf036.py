"""`skops-rs hub serve` against huggingface_hub 0.36.2, the last client built on `requests`
(1.0 moved to httpx), unmodified: the flows of test_hub_conformance.py that skops' own
`hub_utils` (0.11) and older tooling use. This client differs on the wire: `create_repo` sends
`"private": bool`, booleans in query strings are `True`/`False`, `snapshot_download` lists
files from the repo info's `siblings` (no tree call), visibility changes go through
`update_repo_visibility`, and errors are `requests` exceptions.

The client is installed by scripts/setup_hf036.sh into `.venv-hf036` (a `pip --target` folder
put first on the path of the client's interpreter, shadowing .venv's huggingface_hub 2.4); the
fixture runs the script when the folder is missing.
"""

from __future__ import annotations

import subprocess
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_hub_conformance import README, Hub, access_log, client, make_token, start_hub, stop_hub

ROOT = Path(__file__).resolve().parent.parent.parent
CLIENT = ROOT / ".venv-hf036"
VERSION = "0.36.2"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    if not (CLIENT / ".requirements-installed").exists():
        subprocess.run(["bash", str(ROOT / "scripts" / "setup_hf036.sh")], check=True)
    data = tmp_path_factory.mktemp("hub036") / "data"
    write_token = make_token(data, "alice", write=True)
    read_token = make_token(data, "bob", write=False)
    process, url = start_hub(data)
    hub = Hub(url, data, write_token, read_token, process)
    yield hub
    assert stop_hub(process) == 0
    log = access_log(hub)
    # This client, too, never turned to LFS or Xet, and no request made the server fail.
    assert not [line for line in log if "xet-" in line.lower() or ".git/info/lfs" in line]
    assert not [line for line in log if line.endswith("-> 500")]


def client036(hub: Hub, code: str, tmp_path: Path, token: str | None = "write") -> dict:
    """`client` of test_hub_conformance with huggingface_hub 0.36.2; checks the version."""
    report = client(
        hub,
        textwrap.dedent(code) + '\nreport["version"] = hh.__version__\n',
        tmp_path,
        token=token,
        python_path=CLIENT,
    )
    assert report.pop("version") == VERSION
    return report


def test_round_trip_with_the_requests_based_client(hub: Hub, tmp_path: Path) -> None:
    folder = tmp_path / "repo"
    folder.mkdir()
    (folder / "README.md").write_text(README)
    (folder / "config.json").write_text('{"sklearn": {"model": {"file": "model.skops"}}}')
    (folder / "model.skops").write_bytes(bytes(range(256)) * 2000)
    report = client036(
        hub,
        f"""
        report["requests"] = [c.__module__ for c in errors.HfHubHTTPError.__mro__][1]
        report["url"] = str(api.create_repo("alice/old", exist_ok=True))
        report["url_again"] = str(api.create_repo("alice/old", exist_ok=True))
        report["exists"] = raises(lambda: api.create_repo("alice/old"))
        first = api.upload_file(path_or_fileobj=b"hello\\n", path_in_repo="hello.txt",
                                repo_id="alice/old")
        report["first"] = first.oid
        report["second"] = api.upload_folder(folder_path={str(folder)!r}, repo_id="alice/old").oid
        report["files"] = sorted(api.list_repo_files("alice/old"))
        info = api.model_info("alice/old")
        report["sha"] = info.sha
        report["pipeline_tag"] = info.pipeline_tag
        report["card_data"] = info.card_data.to_dict() if info.card_data else None
        report["siblings"] = sorted(s.rfilename for s in info.siblings)
        path = hf_hub_download("alice/old", "model.skops")
        report["download"] = open(path, "rb").read() == open({str(folder / "model.skops")!r},
                                                             "rb").read()
        snap = snapshot_download("alice/old")
        report["snapshot_sha"] = os.path.basename(snap)
        report["snapshot"] = sorted(
            os.path.relpath(os.path.join(d, f), snap) for d, _, fs in os.walk(snap) for f in fs)
        report["old_snapshot"] = sorted(os.listdir(snapshot_download("alice/old",
                                                                     revision=first.oid)))
        api.delete_file("hello.txt", "alice/old")
        report["after_delete"] = sorted(api.list_repo_files("alice/old"))
        report["titles"] = [c.title for c in api.list_repo_commits("alice/old")]
        api.delete_repo("alice/old")
        report["deleted"] = raises(lambda: api.model_info("alice/old"))
        """,
        tmp_path,
    )
    assert report["requests"] == "requests.exceptions"
    assert report["url"] == report["url_again"] == f"{hub.url}/alice/old"
    assert report["exists"][0] == "HfHubHTTPError"
    assert report["files"] == ["README.md", "config.json", "hello.txt", "model.skops"]
    assert report["sha"] == report["second"]
    assert report["pipeline_tag"] == "tabular-classification"
    assert report["card_data"]["model_file"] == "model.skops"
    assert report["siblings"] == report["files"]
    assert report["download"] is True
    assert report["snapshot_sha"] == report["second"]
    assert report["snapshot"] == report["files"]
    assert report["old_snapshot"] == ["hello.txt"]
    assert report["after_delete"] == ["README.md", "config.json", "model.skops"]
    assert len(report["titles"]) == 4 and report["titles"][-1] == "initial commit"
    assert report["deleted"][0] == "RepositoryNotFoundError"
    log = access_log(hub)
    # What makes this client different on the wire reached the server and was answered.
    assert any("/api/validate-yaml -> 200" in line for line in log)
    assert any("/revision/main" in line and line.endswith("-> 200") for line in log)


def test_errors_raise_the_clients_own_exception_classes(hub: Hub, tmp_path: Path) -> None:
    report = client036(
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
        api.delete_repo("alice/errors")
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
    assert report["delete_again"][0] == "RepositoryNotFoundError"


def test_private_repositories_with_and_without_a_token(hub: Hub, tmp_path: Path) -> None:
    report = client036(
        hub,
        """
        api.create_repo("alice/secret", private=True, exist_ok=True)
        api.upload_file(path_or_fileobj=b"s", path_in_repo="s.txt", repo_id="alice/secret")
        report["private"] = api.model_info("alice/secret").private
        """,
        tmp_path,
    )
    assert report["private"] is True
    anonymous = client036(
        hub,
        """
        report["info"] = raises(lambda: api.model_info("alice/secret"))
        report["download"] = raises(lambda: hf_hub_download("alice/secret", "s.txt"))
        """,
        tmp_path / "anonymous",
        token=None,
    )
    assert anonymous["info"][0] == "RepositoryNotFoundError"
    assert anonymous["download"][0] == "RepositoryNotFoundError"
    reader = client036(
        hub,
        """
        report["secret"] = open(hf_hub_download("alice/secret", "s.txt")).read()
        report["write"] = raises(lambda: api.upload_file(
            path_or_fileobj=b"x", path_in_repo="x", repo_id="alice/secret"))
        """,
        tmp_path / "reader",
        token="read",
    )
    assert reader["secret"] == "s"
    assert "HfHubHTTPError" in reader["write"][1]
    # skops 0.11's push changed visibility with `update_repo_visibility` (removed in 1.0).
    opened = client036(
        hub,
        """
        api.update_repo_visibility("alice/secret", private=False)
        report["private"] = api.model_info("alice/secret").private
        """,
        tmp_path / "settings",
    )
    assert opened["private"] is False
    public = client036(
        hub,
        'report["s"] = open(hf_hub_download("alice/secret", "s.txt")).read()',
        tmp_path / "anonymous-again",
        token=None,
    )
    assert public == {"s": "s"}
