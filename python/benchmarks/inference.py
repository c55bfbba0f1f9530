"""Prediction benchmark: skops_rs.infer (native, from the .skops file) against scikit-learn and
onnxruntime (skl2onnx graph) on a zoo of models, in one run.

Usage::

    .venv/bin/python python/benchmarks/inference.py [--quick] [--json OUT] [--threads N]

For each model: single-row latency (median and p90 of many calls on distinct rows) and the
time of one 10,000-row batch (median of a few calls), for each peer, plus how exact each peer
is against scikit-learn on the batch (native: bits equal or within its bound, labels equal;
onnxruntime: float32, label agreement and max relative error). Everything runs with one
thread by default (OpenMP, OpenBLAS, onnxruntime intra-op, rayon).

The native engine is measured twice: from Python (`skops_rs.infer.Predictor`) and from Rust
(the `latency` example of crates/skops-infer, built by this script with cargo, timing
`Predictor::run` without a Python call around it). The batch is also timed on all cores:
scikit-learn under threadpoolctl with `n_jobs` set where the estimator has it, onnxruntime
with intra-op threads = cores, the native engine on a rayon pool of `cores` threads (Rust).

A model the native engine does not support is reported as such (that is a result, not an
error); so is a model skl2onnx cannot convert.

Cold start: `pickle.loads` of the pickled model against `Predictor.from_bytes` of its `.skops`
bytes (open, validate, build), from Python and from Rust.

Targets (printed as PASS/MISS), from issue 12: native single-row (from Python) faster than
onnxruntime (from Python); native 10k batch on one thread at most min(scikit-learn,
onnxruntime); native cold start no slower than `pickle.loads`.
"""

from __future__ import annotations

import argparse
import os
import sys

# Threads are fixed before numpy, onnxruntime or the native module start their pools.
_THREADS = "1"
for _index, _arg in enumerate(sys.argv):
    if _arg == "--threads" and _index + 1 < len(sys.argv):
        _THREADS = sys.argv[_index + 1]
for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "RAYON_NUM_THREADS"):
    os.environ[_name] = _THREADS

import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import pickle  # noqa: E402
import platform  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import sklearn  # noqa: E402
import skops_rs.io as sio  # noqa: E402
from sklearn.base import is_classifier  # noqa: E402
from sklearn.datasets import load_digits, make_classification, make_regression  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.ensemble import (  # noqa: E402
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402
from sklearn.tree import DecisionTreeClassifier  # noqa: E402
from skops_rs.exceptions import UnsupportedModelError  # noqa: E402
from skops_rs.infer import Predictor  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

BATCH_ROWS = 10_000
REPO = Path(__file__).resolve().parents[2]
CORES = os.cpu_count() or 1


@dataclass
class Model:
    """A zoo entry: name, method, how to build data and the fitted estimator."""

    name: str
    method: str
    make: Callable[[bool], tuple[Any, np.ndarray]]  # quick -> (fitted estimator, X to predict)


def _classification(n_features: int, n_informative: int, seed: int, n: int = 3000):
    return make_classification(
        n_samples=n, n_features=n_features, n_informative=n_informative, random_state=seed
    )


def _batch(X: np.ndarray, seed: int) -> np.ndarray:
    """A 10k-row batch drawn from the rows of X with small noise (distinct rows)."""
    rng = np.random.default_rng(seed)
    rows = X[rng.integers(0, len(X), BATCH_ROWS)]
    return rows + rng.normal(scale=1e-3, size=rows.shape) * rows.std(axis=0)


def _logreg_digits(quick: bool):
    X, y = load_digits(return_X_y=True)
    return LogisticRegression(max_iter=200 if quick else 2000).fit(X, y), _batch(X, 1)


def _ridge(quick: bool):
    X, y = make_regression(n_samples=2000, n_features=100, noise=1.0, random_state=2)
    return Ridge().fit(X, y), _batch(X, 2)


def _pipe_scaler_logreg(quick: bool):
    X, y = _classification(30, 10, 3)
    return make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y), _batch(X, 3)


def _dtree(quick: bool):
    X, y = _classification(20, 10, 4)
    return DecisionTreeClassifier(random_state=0).fit(X, y), _batch(X, 4)


def _rf300(quick: bool):
    X, y = _classification(20, 10, 5)
    n = 10 if quick else 300
    return RandomForestClassifier(n_estimators=n, random_state=0).fit(X, y), _batch(X, 5)


def _etr100(quick: bool):
    X, y = make_regression(n_samples=3000, n_features=20, noise=1.0, random_state=6)
    n = 5 if quick else 100
    return ExtraTreesRegressor(n_estimators=n, random_state=0).fit(X, y), _batch(X, 6)


def _gbc200(quick: bool):
    X, y = _classification(20, 10, 7)
    n = 10 if quick else 200
    return GradientBoostingClassifier(n_estimators=n, random_state=0).fit(X, y), _batch(X, 7)


def _hgbr300(quick: bool):
    X, y = make_regression(n_samples=5000, n_features=20, noise=1.0, random_state=8)
    n = 10 if quick else 300
    return HistGradientBoostingRegressor(max_iter=n, random_state=0).fit(X, y), _batch(X, 8)


def _svc_rbf(quick: bool):
    X, y = _classification(20, 10, 9, n=500 if quick else 3000)
    return SVC(kernel="rbf").fit(X, y), _batch(X, 9)


def _mlp(quick: bool):
    X, y = _classification(20, 10, 10)
    iters = 20 if quick else 200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = MLPClassifier(hidden_layer_sizes=(100,), max_iter=iters, random_state=0)
        return model.fit(X, y), _batch(X, 10)


def _pca(quick: bool):
    X, _ = _classification(50, 20, 11)
    return PCA(n_components=10).fit(X), _batch(X, 11)


ZOO = [
    Model("logreg_digits", "predict_proba", _logreg_digits),
    Model("ridge", "predict", _ridge),
    Model("pipe_scaler_logreg", "predict_proba", _pipe_scaler_logreg),
    Model("dtree", "predict_proba", _dtree),
    Model("rf300", "predict_proba", _rf300),
    Model("etr100", "predict", _etr100),
    Model("gbc200", "predict_proba", _gbc200),
    Model("hgbr300", "predict", _hgbr300),
    Model("svc_rbf", "decision_function", _svc_rbf),
    Model("mlp", "predict_proba", _mlp),
    Model("pca", "transform", _pca),
]


def _latency(call: Callable[[np.ndarray], Any], X: np.ndarray, calls: int) -> tuple[float, float]:
    """Median and p90 of single-row calls on distinct rows, in µs."""
    times = []
    gc.disable()
    try:
        for index in range(calls):
            row = X[index % len(X) : index % len(X) + 1]
            start = time.perf_counter()
            call(row)
            times.append(time.perf_counter() - start)
    finally:
        gc.enable()
    times.sort()
    return times[len(times) // 2] * 1e6, times[int(len(times) * 0.9)] * 1e6


def _batch_time(call: Callable[[np.ndarray], Any], X: np.ndarray, repeats: int) -> float:
    """Median time of one call on the whole batch, in ms."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call(X)
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2] * 1e3


def _onnx_session(model: Any, X: np.ndarray, threads: int):
    """An onnxruntime session over skl2onnx's float32 graph, and the output index of the
    method; or the reason there is none."""
    try:
        import onnx.helper
        import onnxruntime as ort
        from skl2onnx import to_onnx
    except ImportError as error:
        return None, f"not installed ({error.name})"
    original = onnx.helper.make_attribute

    def make_attribute(key, value, *args, **kwargs):
        # skl2onnx 1.20 writes Python bools into `ints` attributes of the HGB converter, which
        # onnx 1.23 rejects; the same values as ints mean the same thing.
        if isinstance(value, list | tuple) and any(isinstance(v, bool) for v in value):
            value = [int(v) for v in value]
        return original(key, value, *args, **kwargs)

    onnx.helper.make_attribute = make_attribute
    try:
        options = {id(model): {"zipmap": False}} if is_classifier(model) else None
        graph = to_onnx(model, X[:1].astype(np.float32), options=options)
    except Exception as error:
        return None, f"conversion failed: {type(error).__name__}: {str(error)[:80]}"
    finally:
        onnx.helper.make_attribute = original
    settings = ort.SessionOptions()
    settings.intra_op_num_threads = threads
    settings.inter_op_num_threads = threads
    session = ort.InferenceSession(
        graph.SerializeToString(), settings, providers=["CPUExecutionProvider"]
    )
    return session, None


def _onnx_call(session, method: str) -> Callable[[np.ndarray], Any]:
    name = session.get_inputs()[0].name
    outputs = [output.name for output in session.get_outputs()]
    # Classifiers: [label, probabilities]; SVC decision: [label, scores]; regressors and
    # transformers: one output.
    index = 0 if method in ("predict", "transform") or len(outputs) == 1 else 1

    def call(X: np.ndarray):
        return session.run([outputs[index]], {name: X.astype(np.float32)})[0]

    return call


def _agreement(expected: np.ndarray, got: np.ndarray) -> str:
    """How close `got` is to scikit-learn's `expected`."""
    expected = np.asarray(expected)
    got = np.asarray(got)
    if got.size == expected.size:
        got = got.reshape(expected.shape)
    if got.shape != expected.shape:
        return f"shape {got.shape} vs {expected.shape}"
    if expected.dtype.kind == "f":
        equal_bits = np.mean(
            expected.astype(np.float64).view(np.uint64) == got.astype(np.float64).view(np.uint64)
        )
        scale = max(float(np.max(np.abs(expected))), 1e-300)
        error = float(np.max(np.abs(expected - got.astype(np.float64)))) / scale
        labels = ""
        if expected.ndim == 2 and expected.shape[1] > 1:
            same = np.mean(expected.argmax(axis=1) == got.argmax(axis=1))
            labels = f", argmax agreement {same:.2%}"
        return f"bits equal {equal_bits:.2%}, max err/max ref {error:.1e}{labels}"
    return f"label agreement {np.mean(expected == got):.2%}"


def _rust_harness() -> tuple[Path | None, str]:
    """Builds the Rust timing harness (crates/skops-infer/examples/latency.rs); its path, or
    None and why not."""
    command = ["cargo", "build", "--release", "-q", "-p", "skops-infer", "--example", "latency"]
    try:
        subprocess.run(command, cwd=REPO, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        return None, "cargo not found"
    except subprocess.CalledProcessError as error:
        return None, f"build failed: {error.stderr.strip()[-200:]}"
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "release" / "examples" / "latency", ""


def _rust_timings(harness: Path, skops_bytes: bytes, X: np.ndarray, method: str, calls: int):
    """Cold start, single-row latency and batch times measured inside Rust."""
    with tempfile.TemporaryDirectory() as folder:
        model_path, rows_path = Path(folder, "model.skops"), Path(folder, "rows.npy")
        model_path.write_bytes(skops_bytes)
        np.save(rows_path, np.ascontiguousarray(X, dtype=np.float64))
        done = subprocess.run(
            [str(harness), str(model_path), str(rows_path), method, str(calls)],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(done.stdout)


def _all_cores_sklearn(model: Any, method: str, X: np.ndarray, repeats: int) -> float:
    """scikit-learn's batch time with every core: BLAS/OpenMP pools and `n_jobs`."""
    jobs = {key: CORES for key in model.get_params() if key.endswith("n_jobs")}
    previous = {key: model.get_params()[key] for key in jobs}
    model.set_params(**jobs)
    try:
        with threadpool_limits(limits=CORES):
            return _batch_time(getattr(model, method), X, repeats)
    finally:
        model.set_params(**previous)


def run(quick: bool, threads: int) -> dict[str, Any]:
    calls = 200 if quick else 2000
    repeats = 1 if quick else 5
    harness, why_not = _rust_harness()
    if harness is None:
        print(f"  Rust harness unavailable ({why_not}): no Rust timings", file=sys.stderr)
    results: dict[str, Any] = {}
    for entry in ZOO:
        model, X = entry.make(quick)
        if quick:
            X = X[:1000]
        reference = getattr(model, entry.method)
        expected = reference(X)
        row: dict[str, Any] = {"method": entry.method}
        row["sklearn"] = {
            "latency_us": _latency(reference, X, calls),
            "batch_ms": _batch_time(reference, X, repeats),
            "batch_all_cores_ms": _all_cores_sklearn(model, entry.method, X, repeats),
        }
        pickled, skops_bytes = pickle.dumps(model, protocol=5), sio.dumps(model)
        row["cold_start_ms"] = {
            "pickle_loads": _batch_time(lambda _, data=pickled: pickle.loads(data), X, repeats * 3),
        }
        try:
            row["cold_start_ms"]["native_from_bytes"] = _batch_time(
                lambda _, data=skops_bytes: Predictor.from_bytes(data), X, repeats * 3
            )
        except UnsupportedModelError:
            pass
        try:
            native = Predictor.from_bytes(skops_bytes)
            call = getattr(native, entry.method)
            got = call(X)
            row["native"] = {
                "latency_us": _latency(call, X, calls),
                "batch_ms": _batch_time(call, X, repeats),
                "agreement": _agreement(expected, got),
                "bits_equal": bool(np.array_equal(np.asarray(expected), got)),
            }
            if harness is not None:
                row["native"]["rust"] = _rust_timings(harness, skops_bytes, X, entry.method, calls)
        except UnsupportedModelError as error:
            row["native"] = {"unsupported": str(error)}
        session, reason = _onnx_session(model, X, threads)
        if session is None:
            row["onnxruntime"] = {"unsupported": reason}
        else:
            call = _onnx_call(session, entry.method)
            row["onnxruntime"] = {
                "latency_us": _latency(call, X, calls),
                "batch_ms": _batch_time(call, X, repeats),
                "agreement": _agreement(expected, call(X)),
            }
            wide, _ = _onnx_session(model, X, CORES)
            row["onnxruntime"]["batch_all_cores_ms"] = _batch_time(
                _onnx_call(wide, entry.method), X, repeats
            )
        results[entry.name] = row
        print(f"  {entry.name}: done", file=sys.stderr, flush=True)
    return results


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x"


def _cell(value: float | None, digits: int) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _table(header: list[str], rows: list[list[str]]) -> None:
    print("| " + " | ".join(header) + " |")
    print("|---|---|" + "---:|" * (len(header) - 2))
    for cells in rows:
        print("| " + " | ".join(cells) + " |")


def report(results: dict[str, Any], rows: int) -> list[dict[str, Any]]:
    """Prints the tables and targets; returns the targets."""
    targets: list[dict[str, Any]] = []

    def target(model: str, text: str, passed: bool) -> None:
        targets.append({"model": model, "target": text, "pass": passed})

    single, batch, wide, cold = [], [], [], []
    for name, row in results.items():
        sk, ort, nat = row["sklearn"], row["onnxruntime"], row["native"]
        rust = nat.get("rust", {})
        ort_1 = ort["latency_us"][0] if "latency_us" in ort else None
        nat_1 = nat["latency_us"][0] if "latency_us" in nat else None
        rust_1 = rust.get("single_row_median_us")
        single.append(
            [
                name,
                row["method"],
                _cell(sk["latency_us"][0], 1),
                _cell(ort_1, 1),
                _cell(nat_1, 1),
                _cell(rust_1, 1),
                _ratio(sk["latency_us"][0], nat_1) if nat_1 else "n/a",
                _ratio(ort_1, nat_1) if ort_1 and nat_1 else "n/a",
            ]
        )
        if ort_1 and nat_1:
            target(name, "single-row: native faster than onnxruntime", nat_1 < ort_1)
        peers_best = min(x for x in (sk["batch_ms"], ort.get("batch_ms")) if x is not None)
        nat_b = nat.get("batch_ms")
        batch.append(
            [
                name,
                row["method"],
                _cell(sk["batch_ms"], 2),
                _cell(ort.get("batch_ms"), 2),
                _cell(nat_b, 2),
                _cell(rust.get("batch_1_thread_ms"), 2),
                _ratio(peers_best, nat_b) if nat_b else "n/a",
            ]
        )
        if nat_b:
            target(
                name,
                "10k batch, 1 thread: native <= min(sklearn, onnxruntime)",
                nat_b <= peers_best,
            )
        rust_wide = rust.get("batch_all_cores_ms")
        wide.append(
            [
                name,
                row["method"],
                _cell(sk.get("batch_all_cores_ms"), 2),
                _cell(ort.get("batch_all_cores_ms"), 2),
                _cell(rust_wide, 2),
                _ratio(rust["batch_1_thread_ms"], rust_wide) if rust_wide else "n/a",
            ]
        )
        pickled = row["cold_start_ms"]["pickle_loads"]
        native_cold = row["cold_start_ms"].get("native_from_bytes")
        cold.append(
            [
                name,
                row["method"],
                _cell(pickled, 3),
                _cell(native_cold, 3),
                _cell(rust.get("cold_start_ms"), 3),
                _ratio(native_cold, pickled) if native_cold else "n/a",
            ]
        )
        if native_cold:
            target(name, "cold start: native no slower than pickle.loads", native_cold <= pickled)

    print("\nSingle row, median µs (one thread)\n")
    _table(
        [
            "model",
            "method",
            "sklearn",
            "onnxruntime",
            "native (Python)",
            "native (Rust)",
            "sklearn/native",
            "onnxruntime/native",
        ],
        single,
    )
    print(f"\nBatch of {rows} rows, one thread, median ms\n")
    _table(
        [
            "model",
            "method",
            "sklearn",
            "onnxruntime",
            "native (Python)",
            "native (Rust)",
            "min(sklearn, onnxruntime)/native",
        ],
        batch,
    )
    print(f"\nBatch of {rows} rows, all {CORES} cores, median ms\n")
    _table(
        ["model", "method", "sklearn", "onnxruntime", "native (Rust)", "native 1 thread/all cores"],
        wide,
    )
    print("\nExactness against scikit-learn on the batch\n")
    print("| model | native | onnxruntime (float32) |")
    print("|---|---|---|")
    for name, row in results.items():
        nat = row["native"].get("agreement") or "unsupported: " + row["native"]["unsupported"][:60]
        ort = row["onnxruntime"].get("agreement") or row["onnxruntime"]["unsupported"]
        print(f"| {name} | {nat} | {ort} |")
    print("\nCold start: file bytes to a ready model, median ms\n")
    _table(
        [
            "model",
            "method",
            "pickle.loads",
            "Predictor.from_bytes (Python)",
            "Predictor::from_bytes (Rust)",
            "native/pickle",
        ],
        cold,
    )
    print("\nTargets\n")
    for entry in targets:
        status = "PASS" if entry["pass"] else "MISS"
        print(f"- {status}: {entry['model']}: {entry['target']}")
    supported = [row for row in results.values() if "latency_us" in row["native"]]
    if supported:
        geo = math.exp(
            sum(
                math.log(row["sklearn"]["latency_us"][0] / row["native"]["latency_us"][0])
                for row in supported
            )
            / len(supported)
        )
        print(
            f"\nGeometric mean sklearn/native single-row: {geo:.1f}x over {len(supported)} models"
        )
    return targets


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small models, few calls (CI smoke)")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--threads", type=int, default=1, help="threads of every peer (default 1)")
    args = parser.parse_args()
    results = run(args.quick, args.threads)
    targets = report(results, 1000 if args.quick else BATCH_ROWS)
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "quick": args.quick,
                    "threads": args.threads,
                    "sklearn": sklearn.__version__,
                    "numpy": np.__version__,
                    "machine": platform.machine(),
                    "results": results,
                    "targets": targets,
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
