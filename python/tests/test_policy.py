"""Trust policies: approvals bound to one file's sha256, from Python and on real skops files.

The files are written by skops 0.16 itself (a pipeline with a ``numpy.round`` function, which
needs trust, and a decision tree, which skops 0.16 asks to trust and skops_rs validates), and
the policy must approve what is untrusted and nothing else: another file, or the same file
changed by one byte, is refused before anything is built.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from sklearn.datasets import load_iris
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.tree import DecisionTreeClassifier
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException
from skops_rs.io import TrustPolicy


def _model(depth: int):
    X, y = load_iris(return_X_y=True)
    steps = [FunctionTransformer(np.round), DecisionTreeClassifier(max_depth=depth, random_state=0)]
    return make_pipeline(*steps).fit(X, y), X


@pytest.fixture
def files(tmp_path):
    """Two different models written by skops 0.16: ``a.skops`` and ``b.skops``."""
    paths = {}
    for name, depth in [("a", 2), ("b", 3)]:
        model, X = _model(depth)
        path = tmp_path / f"{name}.skops"
        sio.dump(model, path)
        paths[name] = path
    return paths, X


def test_a_policy_for_the_file_loads_it(files, tmp_path):
    paths, X = files
    untrusted = rio.get_untrusted_types(file=paths["a"])
    assert sio.get_untrusted_types(file=paths["a"]) == ["numpy.round", "sklearn.tree._tree.Tree"]
    assert untrusted == ["numpy.round"]
    with pytest.raises(UntrustedTypesFoundException):
        rio.load(paths["a"])

    policy = TrustPolicy.for_file(paths["a"], approved_by="alice", note="reviewed")
    assert list(policy.types) == untrusted
    assert policy.sha256 == hashlib.sha256(paths["a"].read_bytes()).hexdigest()
    assert (policy.approved_by, policy.note) == ("alice", "reviewed")

    loaded = rio.load(paths["a"], trusted=policy)
    expected = sio.load(paths["a"], trusted=sio.get_untrusted_types(file=paths["a"]))
    np.testing.assert_array_equal(loaded.predict(X), expected.predict(X))
    with open(paths["a"], "rb") as f:
        assert rio.load(f, trusted=policy).predict(X).tolist() == expected.predict(X).tolist()
    data = paths["a"].read_bytes()
    assert rio.loads(data, trusted=policy).predict(X).tolist() == expected.predict(X).tolist()


def test_a_policy_round_trips_through_its_file(files, tmp_path):
    paths, _ = files
    policy = TrustPolicy.for_file(paths["a"], approved_by="bob")
    target = tmp_path / "a.policy.json"
    policy.write(target)
    assert TrustPolicy.read(target) == policy
    document = json.loads(target.read_text())
    assert document["version"] == 1
    assert document["sha256"] == policy.sha256
    assert sorted(document) == ["approved_at", "approved_by", "sha256", "types", "version"]
    assert TrustPolicy.from_json(target.read_text()) == policy
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_the_cli_and_python_write_the_same_policy(files, tmp_path):
    from skops_rs import _skops_rs

    paths, _ = files
    target = tmp_path / "cli.json"
    code = _skops_rs.run_cli(
        ["skops-rs", "audit", str(paths["a"]), "--write-policy", str(target), "--approved-by", "c"]
    )
    assert code == 0
    from_cli = TrustPolicy.read(target)
    from_python = TrustPolicy.for_file(paths["a"], approved_by="c")
    assert (from_cli.sha256, from_cli.types) == (from_python.sha256, from_python.types)
    assert rio.load(paths["a"], trusted=from_cli) is not None


def test_a_policy_for_one_file_refuses_another(files):
    paths, _ = files
    policy = TrustPolicy.for_file(paths["a"])
    with pytest.raises(SkopsFormatError) as info:
        rio.load(paths["b"], trusted=policy)
    assert info.value.kind == "policy-digest-mismatch"
    digest_b = hashlib.sha256(paths["b"].read_bytes()).hexdigest()
    assert policy.sha256 in str(info.value) and digest_b in str(info.value)
    with pytest.raises(SkopsFormatError, match="sha256") as info:
        rio.loads(paths["b"].read_bytes(), trusted=policy)
    assert info.value.kind == "policy-digest-mismatch"


def test_a_policy_refuses_its_file_changed_by_one_byte(files, tmp_path):
    paths, _ = files
    policy = TrustPolicy.for_file(paths["a"])
    data = bytearray(paths["a"].read_bytes())
    data[len(data) // 2] ^= 0x01
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(bytes(data), trusted=policy)
    assert info.value.kind == "policy-digest-mismatch"


def test_a_policy_next_to_a_replaced_model_approves_nothing(files, tmp_path):
    """GHSA-w582-9x45-8mpx: whoever replaces the model can replace what sits next to it, but
    cannot make a policy written for the reviewed bytes approve new ones."""
    paths, _ = files
    policy_path = tmp_path / "model.policy.json"
    TrustPolicy.for_file(paths["a"]).write(policy_path)
    paths["a"].write_bytes(paths["b"].read_bytes())
    with pytest.raises(SkopsFormatError) as info:
        rio.load(paths["a"], trusted=TrustPolicy.read(policy_path))
    assert info.value.kind == "policy-digest-mismatch"


def test_a_policy_approving_less_leaves_the_rest_untrusted(files):
    paths, _ = files
    untrusted = rio.get_untrusted_types(file=paths["a"])
    policy = TrustPolicy.for_file(paths["a"], types=["numpy.round"])
    rest = [name for name in untrusted if name != "numpy.round"]
    if rest:
        with pytest.raises(UntrustedTypesFoundException) as info:
            rio.load(paths["a"], trusted=policy)
        assert sorted(info.value.types) == rest
    else:
        assert rio.load(paths["a"], trusted=policy) is not None
    with pytest.raises(UntrustedTypesFoundException):
        rio.load(paths["a"], trusted=TrustPolicy.for_file(paths["a"], types=[]))


def test_plain_lists_work_as_before(files):
    paths, X = files
    untrusted = sio.get_untrusted_types(file=paths["a"])
    assert rio.load(paths["a"], trusted=untrusted).predict(X).shape == (len(X),)
    with pytest.raises(TypeError):
        rio.load(paths["a"], trusted=True)


@pytest.mark.parametrize(
    ("change", "kind"),
    [
        ({"version": 2}, "policy-unsupported-version"),
        ({"sha256": "ABC"}, "policy-malformed-digest"),
        ({"types": ["a.B", "a.B"]}, "policy-duplicate-type"),
        ({"approved_at": "yesterday"}, "policy-malformed-timestamp"),
        ({"extra": True}, "policy-invalid"),
        ({"types": "a.B"}, "policy-invalid"),
    ],
)
def test_invalid_policies_are_refused(files, change, kind):
    paths, _ = files
    document = json.loads(TrustPolicy.for_file(paths["a"]).to_json())
    document.update(change)
    with pytest.raises(SkopsFormatError) as info:
        TrustPolicy.from_json(json.dumps(document))
    assert info.value.kind == kind


def test_invalid_fields_are_refused_on_construction():
    with pytest.raises(SkopsFormatError) as info:
        TrustPolicy("0" * 63, ("a.B",), "x", "2026-01-01T00:00:00Z")
    assert info.value.kind == "policy-malformed-digest"
    with pytest.raises(SkopsFormatError) as info:
        TrustPolicy.from_json(b"{")
    assert info.value.kind == "policy-syntax"


def test_visualize_takes_a_policy_for_its_file_only(files):
    paths, _ = files
    # visualize marks what skops' visualize marks (the tree too), so approve skops' whole list.
    policy = TrustPolicy.for_file(paths["a"], types=sio.get_untrusted_types(file=paths["a"]))
    seen = []
    rio.visualize(paths["a"], trusted=policy, sink=lambda nodes, show: seen.extend(nodes))
    assert seen and all(node.is_safe for node in seen)
    with pytest.raises(SkopsFormatError) as info:
        rio.visualize(paths["b"], trusted=policy, sink=lambda nodes, show: list(nodes))
    assert info.value.kind == "policy-digest-mismatch"
