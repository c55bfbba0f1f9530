"""`skops-rs serve MODEL --policy POLICY.json`: a model whose audit leaves untrusted types is
served when the policy ``skops-rs audit --write-policy`` wrote for its file approves them, and
refused (exit code 2, the reason) without it or with a policy for another file.

The model is a decision tree carrying an attribute of its own, a ``datetime.date``: a type
skops' defaults do not trust, in a model the native engine evaluates.
"""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

import pytest
import skops.io
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
from test_hub_utils_e2e import skops_rs_with
from test_serve import Server, get, post


@pytest.fixture(scope="module")
def binary() -> str:
    found, why = skops_rs_with("serve")
    if found is None:
        pytest.skip(f"`skops-rs serve` is not available: {why}")
    return found


def _exit_2(binary: str, args: list[str]) -> str:
    done = subprocess.run(
        [binary, "serve", *args, "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, (done.stdout, done.stderr)
    return done.stderr


def test_a_written_policy_admits_the_model_it_was_written_for(binary, tmp_path):
    x, y = load_iris(return_X_y=True, as_frame=True)
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(x, y)
    model.reviewed_on_ = datetime.date(2026, 12, 7)
    path = tmp_path / "dated.skops"
    skops.io.dump(model, path)
    assert skops.io.get_untrusted_types(file=path) == [
        "datetime.date",
        "sklearn.tree._tree.Tree",
    ]

    said = _exit_2(binary, [str(path)])
    assert "datetime.date" in said and "--policy" in said, said

    policy = tmp_path / "dated.policy.json"
    done = subprocess.run(
        [binary, "audit", str(path), "--write-policy", str(policy)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    server = Server(binary, [str(path), "--policy", str(policy)], tmp_path / "serve.log")
    try:
        status, metadata = get(f"{server.url}/v2/models/dated")
        assert status == 200, metadata
        admitted = metadata["parameters"]["trust_policy"]
        assert admitted["policy"] == "dated.policy.json"
        assert admitted["types"] == ["datetime.date"]
        assert admitted["sha256"] == metadata["parameters"]["sha256"]
        data = {column: x[column].tolist() for column in x.columns}
        status, answer = post(f"{server.url}/models/dated", {"inputs": {"data": data}})
        assert status == 200, answer
        assert answer == model.predict(x).tolist()
    finally:
        code, _ = server.stop()
    assert code == 0

    # The same policy for another model's file: that model is not admitted, and the policy,
    # for no served file, stops the start-up.
    other = tmp_path / "other.skops"
    model.reviewed_on_ = datetime.date(2026, 12, 8)
    skops.io.dump(model, other)
    said = _exit_2(binary, [str(other), "--policy", str(policy)])
    assert "datetime.date" in said, said
    clean = tmp_path / "clean.skops"
    del model.reviewed_on_
    skops.io.dump(model, clean)
    said = _exit_2(binary, [str(clean), "--policy", str(policy)])
    assert "dated.policy.json" in said and "no served model" in said, said


def test_a_broken_policy_stops_the_start_up(binary, tmp_path: Path):
    policy = tmp_path / "broken.json"
    policy.write_text('{"version": 1')
    said = _exit_2(binary, ["whatever.skops", "--policy", str(policy)])
    assert "broken.json" in said, said
