"""`skops-rs serve OWNER/NAME[@REVISION]`: models downloaded from a hub into the Hugging Face
cache, against a real ``skops-rs hub serve`` filled by the official ``huggingface_hub`` client
(through ``skops_rs.hub_utils.push``).

Checked: predictions equal scikit-learn's; the files land in the shared cache layout
(``huggingface_hub.scan_cache_dir`` and ``try_to_load_from_cache`` find them); a commit id pins
the old model after a newer push while ``@main`` serves the new one; ``--model-name`` and
``hf://`` name them; a repository without ``config.json`` but one ``.skops`` file is served;
``HF_HUB_OFFLINE=1`` serves from the cache; an unknown repository or revision, and a private
repository without the token, stop the start-up with exit code 2 and the reason.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
import skops_rs.hub_utils as hub_utils
import skops_rs.io as sio
from huggingface_hub import scan_cache_dir, try_to_load_from_cache
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
from test_hub_utils_e2e import Hub, anonymous_env, run, skops_rs_with
from test_serve import Server, get, post

#: Seconds a refused start-up may take (the client retries a failing hub a few times).
REFUSAL_TIMEOUT = 120


@pytest.fixture(scope="module")
def binary() -> str:
    found, why = skops_rs_with("serve")
    if found is None or skops_rs_with("hub", "serve")[0] is None:
        pytest.skip(f"`skops-rs serve` and `hub serve` are not available: {why}")
    return found


@pytest.fixture(scope="module")
def hub(binary: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    server = Hub(binary, tmp_path_factory.mktemp("hub") / "data")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def iris() -> tuple[pd.DataFrame, Any]:
    data = load_iris(as_frame=True)
    return data.data, data.target


def _env(hub: Hub, home: Path, *, token: bool = True) -> dict[str, str]:
    """A clean environment pointing at the hub, with its own cache."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HF_", "HUGGING_FACE_"))
    }
    env.update(HF_ENDPOINT=hub.url, HF_HOME=str(home), HF_HUB_DISABLE_TELEMETRY="1")
    if token:
        env["HF_TOKEN"] = hub.token
    else:
        env["HF_HUB_DISABLE_IMPLICIT_TOKEN"] = "1"
    return env


def _push(env: dict[str, str], tmp: Path, repo_id: str, model: Any, x: pd.DataFrame, **kw) -> str:
    """Push `model` as a repository folder (``hub_utils.init``); the new commit id."""
    tmp.mkdir(parents=True, exist_ok=True)
    source = tmp / "model.skops"
    sio.dump(model, source)
    folder = tmp / "repo"
    hub_utils.init(
        model=source,
        requirements=['scikit-learn="1.9.1"'],
        dst=folder,
        task="tabular-classification",
        data=x.head(3),
    )
    (folder / "README.md").write_text("---\nlibrary_name: sklearn\n---\n# Iris from the hub\n")
    return run(
        env,
        f"""
        hub_utils.push(repo_id={repo_id!r}, source={str(folder)!r}, create_remote=True,
                       **{kw!r})
        from huggingface_hub import HfApi
        result = HfApi().model_info({repo_id!r}).sha
        """,
    )


def _predictions(server: Server, name: str, x: pd.DataFrame) -> list:
    """The legacy route's answer for the rows of `x` (the model's columns by name)."""
    data = {column: x[column].tolist() for column in x.columns}
    status, answer = post(f"{server.url}/models/{name}", {"inputs": {"data": data}})
    assert status == 200, answer
    return answer


def _serve(binary: str, args: list[str], env: dict[str, str], tmp: Path) -> Server:
    return Server(binary, args, tmp / f"serve-{len(list(tmp.glob('serve-*')))}.log", env=env)


def _refused(binary: str, args: list[str], env: dict[str, str]) -> str:
    """Exit code 2 at start-up; the standard error."""
    done = subprocess.run(
        [binary, "serve", *args, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=REFUSAL_TIMEOUT,
        env=env,
        check=False,
    )
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stderr.startswith("error:"), done.stderr
    return done.stderr


def test_a_hub_repository_is_served_from_the_cache_layout(binary, hub, iris, tmp_path):
    x, y = iris
    writer = _env(hub, tmp_path / "writer-home")
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y)
    commit = _push(writer, tmp_path / "v1", "alice/iris-cached", model, x)
    home = tmp_path / "serve-home"
    server = _serve(binary, ["alice/iris-cached"], _env(hub, home), tmp_path)
    try:
        assert _predictions(server, "alice/iris-cached", x) == model.predict(x).tolist()
        status, metadata = get(f"{server.url}/v2/models/{quote('alice/iris-cached', safe='')}")
        assert status == 200, metadata
        assert metadata["parameters"]["source"] == {
            "repo_id": "alice/iris-cached",
            "revision": "main",
            "commit": commit,
        }
        status, page = get(f"{server.url}/models/alice/iris-cached")
        assert status == 200
        assert "Iris from the hub" in page
        assert commit in page
    finally:
        code, _ = server.stop()
    assert code == 0

    # huggingface_hub sees the files where it would have put them.
    cache = home / "hub"
    (repo,) = [repo for repo in scan_cache_dir(cache).repos if repo.repo_id == "alice/iris-cached"]
    (revision,) = repo.revisions
    assert revision.commit_hash == commit
    assert "main" in revision.refs
    names = {file.file_name for file in revision.files}
    assert {"config.json", "README.md", "model.skops"} <= names
    cached = try_to_load_from_cache("alice/iris-cached", "model.skops", cache_dir=cache)
    assert isinstance(cached, str)
    assert Path(cached).read_bytes() == (tmp_path / "v1" / "model.skops").read_bytes()

    # Offline: no request at all, the cache answers.
    offline = _env(hub, home)
    offline["HF_ENDPOINT"] = "http://127.0.0.1:9"
    offline["HF_HUB_OFFLINE"] = "1"
    server = _serve(binary, ["alice/iris-cached"], offline, tmp_path)
    try:
        assert _predictions(server, "alice/iris-cached", x) == model.predict(x).tolist()
    finally:
        server.stop()
    assert "not in the cache" in _refused(binary, ["alice/never-cached"], offline)


def test_a_commit_pins_the_old_model_and_main_serves_the_new(binary, hub, iris, tmp_path):
    x, y = iris
    writer = _env(hub, tmp_path / "writer-home")
    old = DecisionTreeClassifier(max_depth=1, random_state=0).fit(x, y)
    new = DecisionTreeClassifier(max_depth=4, random_state=0).fit(x, y)
    assert old.predict(x).tolist() != new.predict(x).tolist()
    first = _push(writer, tmp_path / "v1", "alice/iris-versions", old, x)
    second = _push(writer, tmp_path / "v2", "alice/iris-versions", new, x)
    assert first != second
    args = [
        f"alice/iris-versions@{first}",
        "--model-name",
        "latest=alice/iris-versions@main",
        "--model-name",
        f"pinned=hf://alice/iris-versions@{first}",
    ]
    server = _serve(binary, args, _env(hub, tmp_path / "home"), tmp_path)
    try:
        assert _predictions(server, "alice/iris-versions", x) == old.predict(x).tolist()
        assert _predictions(server, "pinned", x) == old.predict(x).tolist()
        assert _predictions(server, "latest", x) == new.predict(x).tolist()
        status, metadata = get(f"{server.url}/v2/models/latest")
        assert status == 200, metadata
        assert metadata["parameters"]["source"]["commit"] == second, metadata
    finally:
        server.stop()


def test_a_repository_with_one_skops_file_and_no_config(binary, hub, iris, tmp_path):
    x, y = iris
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(x, y)
    source = tmp_path / "bare.skops"
    sio.dump(model, source)
    run(
        _env(hub, tmp_path / "writer-home"),
        f"""
        from huggingface_hub import HfApi
        api = HfApi()
        api.create_repo("alice/iris-bare")
        api.upload_file(path_or_fileobj={str(source)!r}, path_in_repo="iris.skops",
                        repo_id="alice/iris-bare")
        """,
    )
    server = _serve(binary, ["alice/iris-bare"], _env(hub, tmp_path / "home"), tmp_path)
    try:
        # Fitted on named columns: the legacy route takes them by name.
        assert _predictions(server, "alice/iris-bare", x) == model.predict(x).tolist()
    finally:
        server.stop()


def test_unknown_repositories_and_revisions_stop_the_start_up(binary, hub, iris, tmp_path):
    x, y = iris
    writer = _env(hub, tmp_path / "writer-home")
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(x, y)
    _push(writer, tmp_path / "v1", "alice/iris-known", model, x)
    env = _env(hub, tmp_path / "home")
    said = _refused(binary, ["alice/no-such-repo"], env)
    assert "alice/no-such-repo" in said and "not found" in said, said
    said = _refused(binary, ["alice/iris-known@no-such-branch"], env)
    assert "has no revision `no-such-branch`" in said, said
    said = _refused(binary, ["alice/iris-known@" + "0" * 40], env)
    assert "has no revision" in said, said
    # A hub that cannot be reached.
    unreachable = dict(env, HF_ENDPOINT="http://127.0.0.1:9")
    assert "cannot be reached" in _refused(binary, ["alice/iris-known"], unreachable)
    # A local path that exists is a path, even when it looks like OWNER/NAME: here a file that
    # is not a .skops file, refused as such (the hub, which cannot be reached, is not asked).
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "iris-known").write_text("not a model")
    done = subprocess.run(
        [binary, "serve", "alice/iris-known", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=REFUSAL_TIMEOUT,
        env=unreachable,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "alice/iris-known" in done.stderr and "hub" not in done.stderr, done.stderr


def test_a_private_repository_needs_the_token(binary, hub, iris, tmp_path):
    x, y = iris
    writer = _env(hub, tmp_path / "writer-home")
    model = DecisionTreeClassifier(max_depth=3, random_state=1).fit(x, y)
    _push(writer, tmp_path / "v1", "alice/iris-private", model, x, private=True)
    server = _serve(binary, ["alice/iris-private"], _env(hub, tmp_path / "home"), tmp_path)
    try:
        assert _predictions(server, "alice/iris-private", x) == model.predict(x).tolist()
    finally:
        server.stop()
    anonymous = anonymous_env(_env(hub, tmp_path / "home"), tmp_path)
    said = _refused(binary, ["alice/iris-private"], anonymous)
    assert "not found" in said and "HF_TOKEN" in said, said
    # A token the hub does not know: 401.
    wrong = dict(_env(hub, tmp_path / "wrong-home"), HF_TOKEN="skh_not-a-token")
    said = _refused(binary, ["alice/iris-private"], wrong)
    assert "not authorized" in said, said
