"""The persistence benchmark runs end to end on its small zoo and writes its JSON report."""

import json
import subprocess
import sys
from pathlib import Path

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "persistence.py"
MODELS = {"logreg_digits", "gradient_boosting_200", "column_transformer_hgb", "tfidf_sgd"}
TIMINGS = ("load_path_s", "load_bytes_s", "dump_path_s", "dump_bytes_s")
AUDITED = {"skops", "skops_rs", "skops_rs-deflate"}
MAPPED = {"skops_rs", "joblib-0"}


def test_smoke_benchmark_runs_and_reports(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [sys.executable, str(BENCHMARK), "--smoke", "--budget", "3", "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["results"]) == MODELS
    assert report["skops_rs"] == "available", report["skops_rs_missing_reason"]
    assert {"pickle", "joblib-0", "joblib-3"} | AUDITED == set(report["peers"])
    for model, by_peer in report["results"].items():
        assert set(by_peer) == set(report["peers"]), model
        for peer, entry in by_peer.items():
            assert entry["ok"], (model, peer, entry)
            assert entry["size"] > 0, (model, peer)
            for timing in TIMINGS:
                assert entry[timing] > 0, (model, peer, timing)
                assert 1 <= entry["runs"][timing] <= 3, (model, peer, timing)
            # Only the skops peers have an audit to time, only skops_rs an unsynced dump.
            assert ("audit_s" in entry) == (peer in AUDITED), (model, peer)
            unsynced = peer.startswith("skops_rs")
            assert ("dump_path_unsynced_s" in entry) == unsynced, (model, peer)
            # Memory-mapped loads: skops_rs (stored) and joblib without compression.
            assert ("load_mmap_s" in entry) == (peer in MAPPED), (model, peer)
            if peer == "skops_rs-deflate":
                # Level 9 alone per member: at most our (level 6) file, up to zlib noise.
                assert 0 < entry["floor"] <= 1.01 * entry["size"], (model, entry)
    assert len(report["targets"]) == 9
    for verdict in report["targets"].values():
        assert verdict.split(" ")[0] in {"PASS", "MISS"}, verdict
    for title in ("Load from a path", "Load from bytes", "Audit alone", "Dump to a path"):
        assert title in result.stdout
    for title in ("Dump to bytes", "File size", "memory-mapped", "size floor", "Targets"):
        assert title in result.stdout


INFERENCE = Path(__file__).resolve().parent.parent / "benchmarks" / "inference.py"


def test_quick_inference_benchmark_runs_and_reports(tmp_path):
    out = tmp_path / "inference.json"
    result = subprocess.run(
        [sys.executable, str(INFERENCE), "--quick", "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["threads"] == 1
    for row in report["results"].values():
        assert row["cold_start_ms"]["pickle_loads"] > 0
    for name, row in report["results"].items():
        assert row["sklearn"]["latency_us"][0] > 0, name
        # Every peer either ran (with timings and an agreement line) or says why not.
        for peer in ("native", "onnxruntime"):
            entry = row[peer]
            assert ("latency_us" in entry and "agreement" in entry) or entry["unsupported"], (
                name,
                peer,
            )
        assert row["sklearn"]["batch_all_cores_ms"] > 0, name
        # The native engine is also timed from Rust (the latency example): latency, both
        # batch sizes of the thread pool and cold start.
        if "latency_us" in row["native"]:
            rust = row["native"]["rust"]
            for key in ("single_row_median_us", "batch_1_thread_ms", "batch_all_cores_ms"):
                assert rust[key] > 0, (name, key)
            assert rust["cold_start_ms"] > 0, name
            assert rust["batch_rows"] == 1000, name
    for title in ("Single row", "all ", "Exactness against scikit-learn", "Cold start", "Targets"):
        assert title in result.stdout


SERVING = Path(__file__).resolve().parent.parent / "benchmarks" / "serving.py"


def test_quick_serving_load_test_runs_against_mlserver(tmp_path):
    """The load test, bounded: each server (skops-rs serve and MLServer with its sklearn
    runtime) answers one request as scikit-learn does, then takes 1 s of wrk load per model
    and row count, and skops-rs serve a 3 s soak with memory samples."""
    out = tmp_path / "serving.json"
    command = [sys.executable, str(SERVING), "--quick", "--duration", "1", "--connections", "8"]
    result = subprocess.run(
        [*command, "--soak", "3", "--json", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert set(report["models"]) == {"pipe_logreg", "rf20"}
    for name, entry in report["models"].items():
        # The forest's probabilities are scikit-learn's bits; the linear pipeline's are within
        # the engine's bound. MLServer runs scikit-learn itself.
        assert entry["skops-rs"]["exact"] == ("bits" if name == "rf20" else "within"), name
        assert entry["mlserver"]["exact"] == "bits", name
        for peer in ("skops-rs", "mlserver"):
            for rows in ("1-row", "100-row"):
                load = entry[peer][rows]
                assert load["requests"] > 0 and load["non_2xx"] == 0, (name, peer, rows, load)
                assert 0 < load["p50_us"] <= load["p99_us"], (name, peer, rows)
    soak = report["soak"]
    assert soak["non_2xx"] == 0 and len(soak["rss_kib_samples"]) >= 2
    assert soak["rss_kib_peak"] > 0
    assert "Targets" in result.stdout
