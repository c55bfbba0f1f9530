"""The `skops-rs` console script on files skops 0.16 writes now: `audit` exit codes with and
without `--trusted`, its JSON report against `skops.io.get_untrusted_types`, and `inspect`.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import skops
import skops.io as sio
from sklearn.metrics import DistanceMetric
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier


def console_script() -> Path:
    return Path(sys.executable).parent / ("skops-rs.exe" if os.name == "nt" else "skops-rs")


def skops_rs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(console_script()), *args], capture_output=True, text=True, check=False, timeout=120
    )


@pytest.fixture(scope="module")
def tree_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pipeline with a decision tree, whose `Tree` skops does not trust by default."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    y = (x[:, 0] > 0).astype(int)
    model = Pipeline([("scale", StandardScaler()), ("tree", DecisionTreeClassifier())])
    path = tmp_path_factory.mktemp("cli") / "model.skops"
    sio.dump(model.fit(x, y), path)
    return path


@pytest.fixture(scope="module")
def knn_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A pipeline with a k-d tree, whose `KDTree` and metric neither skops nor skops-rs trust
    (skops-rs validates a k-d tree, but not one whose metric object the estimator shares)."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 3))
    y = (x[:, 0] > 0).astype(int)
    knn = KNeighborsClassifier(algorithm="kd_tree", metric=DistanceMetric.get_metric("euclidean"))
    model = Pipeline([("scale", StandardScaler()), ("knn", knn)])
    path = tmp_path_factory.mktemp("cli") / "knn.skops"
    sio.dump(model.fit(x, y), path)
    return path


def test_audit_of_a_tree_passes_where_skops_lists_it(tree_model: Path) -> None:
    # The tree's state is validated and tied to the estimator's `n_features_in_`: trusted,
    # where skops lists it; `inspect` names the validator.
    assert sio.get_untrusted_types(file=tree_model) == ["sklearn.tree._tree.Tree"]
    result = skops_rs("audit", str(tree_model))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.endswith("no untrusted types\n")
    inspected = skops_rs("inspect", str(tree_model))
    assert "tree_: sklearn.tree._tree.Tree [validated: tree]\n" in inspected.stdout


def test_audit_exits_1_while_types_are_untrusted(knn_model: Path) -> None:
    untrusted = sio.get_untrusted_types(file=knn_model)
    assert "sklearn.neighbors._kd_tree.KDTree" in untrusted
    result = skops_rs("audit", str(knn_model))
    assert result.returncode == 1, result.stderr
    assert "  sklearn.neighbors._kd_tree.KDTree\n    at steps[1][1]._tree\n" in result.stdout


def test_audit_exits_0_once_they_are_trusted(knn_model: Path) -> None:
    untrusted = sio.get_untrusted_types(file=knn_model)
    result = skops_rs("audit", *(f"--trusted={name}" for name in untrusted), str(knn_model))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.endswith("no untrusted types\n")
    # skops agrees: it loads with the same list.
    sio.load(knn_model, trusted=untrusted)


def test_audit_json_reports_what_skops_reports(knn_model: Path) -> None:
    result = skops_rs("audit", "--json", str(knn_model))
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert [entry["type"] for entry in report["untrusted_types"]] == sorted(
        sio.get_untrusted_types(file=knn_model)
    )
    assert report["clean"] is False
    assert report["protocol"] == 2
    assert report["skops_version"] == skops.__version__


def test_inspect_marks_untrusted_nodes(knn_model: Path) -> None:
    result = skops_rs("inspect", str(knn_model))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"file: {knn_model}\n")
    assert "_tree: sklearn.neighbors._kd_tree.KDTree [UNSAFE]" in result.stdout
    assert "root: sklearn.pipeline.Pipeline\n" in result.stdout


def test_errors_exit_2(tmp_path: Path) -> None:
    not_skops = tmp_path / "not_a_model.skops"
    not_skops.write_bytes(b"this is not a zip archive")
    result = skops_rs("audit", str(not_skops))
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: `{not_skops}`: not a zip archive")
    assert skops_rs("audit", "--no-such-flag").returncode == 2


def test_python_dash_m_runs_the_same_tool(knn_model: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "skops_rs", "audit", str(knn_model)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert "sklearn.neighbors._kd_tree.KDTree" in result.stdout


def test_predict_writes_scikit_learns_results_bit_for_bit(tmp_path: Path) -> None:
    """`skops-rs predict` on a CSV with missing cells and on the same rows as JSON lines,
    in batches of several sizes: every value is scikit-learn's `transform`, to the bit."""
    import pandas as pd
    import skops_rs.io as rio

    rng = np.random.default_rng(1)
    frame = pd.DataFrame(rng.normal(size=(257, 3)) * [1e-3, 1.0, 1e6], columns=["a", "b", "c"])
    model = StandardScaler().fit(frame)
    path = tmp_path / "scaler.skops"
    rio.dump(model, path)
    rows = frame.copy()
    rows.iloc[::7, 1] = np.nan
    rows.to_csv(tmp_path / "rows.csv", index=False, float_format="%.17g")
    with open(tmp_path / "rows.jsonl", "w", encoding="utf-8") as out:
        for record in rows.to_dict(orient="records"):
            clean = {key: None if np.isnan(value) else value for key, value in record.items()}
            out.write(json.dumps(clean) + "\n")
    # `%.17g` reads back as the same float64.
    expected = model.transform(rows)
    for batch in ("1", "100", "10000"):
        result = skops_rs(
            "predict", str(path), "--input", str(tmp_path / "rows.csv"),
            "--method", "transform", "--batch-rows", batch,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        lines = result.stdout.splitlines()
        assert lines[0] == "transform_0,transform_1,transform_2"
        got = np.array([[float(item) for item in line.split(",")] for line in lines[1:]])
        assert got.tobytes() == expected.tobytes()
    result = skops_rs(
        "predict", str(path), "--input", str(tmp_path / "rows.jsonl"), "--method", "transform"
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    got = np.array(
        [[np.nan if r[f"transform_{j}"] is None else r[f"transform_{j}"] for j in range(3)]
         for r in records]
    )  # fmt: skip
    assert got.tobytes() == expected.tobytes()


def test_predict_refuses_a_model_it_cannot_evaluate_with_its_kind(tmp_path: Path) -> None:
    from sklearn.cluster import KMeans

    x = np.random.default_rng(0).normal(size=(20, 2))
    path = tmp_path / "kmeans.skops"
    sio.dump(KMeans(n_clusters=2, n_init=1, random_state=0).fit(x), path)
    (tmp_path / "rows.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    result = skops_rs("predict", str(path), "--input", str(tmp_path / "rows.csv"), "--json")
    assert result.returncode == 2
    assert json.loads(result.stdout)["error"]["kind"] == "infer-unsupported"
    native = skops_rs("inspect", "--native", str(path))
    assert "KMeans [not native]" in native.stdout
