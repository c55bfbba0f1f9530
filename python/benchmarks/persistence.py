"""Persistence benchmark: skops_rs against skops 0.16, pickle and joblib on a zoo of models.

Usage::

    .venv/bin/python python/benchmarks/persistence.py [--quick] [--json OUT] [--budget SECONDS]

For each model of the zoo and each peer, measures the time to dump the fitted model to bytes,
the time to load it back, and the size of the bytes. The skops peers load the way a careful
caller does: ``loads(data, trusted=get_untrusted_types(data=data))``, so the audit is counted.
Everything happens in memory (no disk I/O in the timings). Each timing is the minimum over
repeated runs (garbage collector off during a run, as ``timeit`` does); the number of runs adapts
so that the whole timing phase stays within ``--budget`` seconds.

Peers: pickle (protocol 5), joblib (compress 0 and 3), skops 0.16, skops_rs (stored and
deflate). If skops_rs is not built (or its native module lacks the persistence functions) the
other peers are still measured, and the targets that need skops_rs are reported as n/a.

Targets (printed as PASS/MISS):

1. skops_rs dump is at least 10x faster than skops on every model;
2. skops_rs load is at least 10x faster than skops on every model;
3. skops_rs is no slower than pickle in geometric mean over the zoo (dump, and load);
4. the skops_rs deflate file is no larger than joblib's compress=3 file, on every model.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import math
import pickle
import platform
import string
import sys
import time
import warnings
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
import skops
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

SPEED_FACTOR = 10.0  # skops_rs must be this many times faster than skops (dump and load)
MAX_RUNS = 25  # never more runs than this per measurement
SKOPS_RS = "skops_rs"
SKOPS_RS_DEFLATE = "skops_rs-deflate"


# ----- skops_rs, if it is built ---------------------------------------------------------------


def import_skops_rs() -> tuple[Any, str | None]:
    """`skops_rs.io`, or None and why it cannot be used."""
    try:
        import skops_rs.io as rio
        from skops_rs import _skops_rs
    except ImportError as exc:
        return None, f"skops_rs is not importable ({exc}); build it with maturin first"
    missing = [
        name for name in ("dumps", "loads", "get_untrusted_types") if not hasattr(_skops_rs, name)
    ]
    if missing:
        return None, (
            f"the native module skops_rs._skops_rs lacks {', '.join(missing)}: rebuild "
            "skops_rs from a tree that has the persistence functions"
        )
    return rio, None


# ----- peers ----------------------------------------------------------------------------------


@dataclass
class Peer:
    """A way to turn an object into bytes and back."""

    name: str
    dump: Callable[[Any], bytes]
    load: Callable[[bytes], Any]


def _joblib_dump(compress: int) -> Callable[[Any], bytes]:
    def dump(obj: Any) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(obj, buffer, compress=compress)
        return buffer.getvalue()

    return dump


def _skops_load(module: Any) -> Callable[[bytes], Any]:
    def load(data: bytes) -> Any:
        return module.loads(data, trusted=module.get_untrusted_types(data=data))

    return load


def make_peers(rio: Any) -> list[Peer]:
    peers = [
        Peer("pickle", lambda obj: pickle.dumps(obj, protocol=5), pickle.loads),
        Peer("joblib-0", _joblib_dump(0), lambda data: joblib.load(io.BytesIO(data))),
        Peer("joblib-3", _joblib_dump(3), lambda data: joblib.load(io.BytesIO(data))),
        Peer("skops", sio.dumps, _skops_load(sio)),
    ]
    if rio is not None:
        peers.append(Peer(SKOPS_RS, rio.dumps, _skops_load(rio)))
        peers.append(
            Peer(
                SKOPS_RS_DEFLATE,
                lambda obj: rio.dumps(obj, compression=zipfile.ZIP_DEFLATED),
                _skops_load(rio),
            )
        )
    return peers


# ----- the zoo --------------------------------------------------------------------------------


@dataclass
class Model:
    name: str
    estimator: Any
    X: Any  # inputs for a prediction sanity check after loading


def _mixed_frame(n: int, rng: np.random.RandomState) -> tuple[pd.DataFrame, np.ndarray]:
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 12, n),
            "income": rng.lognormal(10, 1, n),
            "score": rng.uniform(0, 1, n),
            "city": rng.choice([f"city_{i}" for i in range(30)], n),
            "plan": rng.choice(["free", "basic", "pro", "enterprise"], n),
            "channel": rng.choice(["web", "mobile", "store"], n),
        }
    )
    logit = (frame["age"] - 40) / 12 + np.log(frame["income"]) - 10 + (frame["plan"] == "pro")
    return frame, (logit + rng.normal(0, 1, n) > 0).to_numpy().astype(int)


def _synthetic_text(n_docs: int, vocabulary: int, rng: np.random.RandomState) -> list[str]:
    letters = np.array(list(string.ascii_lowercase))
    words = ["".join(rng.choice(letters, size=rng.randint(3, 10))) for _ in range(vocabulary)]
    weights = 1.0 / np.arange(1, vocabulary + 1)  # Zipf-like word frequencies
    weights /= weights.sum()
    return [" ".join(rng.choice(words, size=rng.randint(20, 80), p=weights)) for _ in range(n_docs)]


def build_zoo(quick: bool) -> list[Model]:
    """Fit the models (smaller data and fewer trees with `quick`)."""
    rng = np.random.RandomState(0)
    scale = 0.1 if quick else 1.0
    zoo = []

    X_digits, y_digits = load_digits(return_X_y=True)
    zoo.append(
        Model(
            "logreg_digits",
            LogisticRegression(max_iter=200 if quick else 2000).fit(X_digits, y_digits),
            X_digits[:50],
        )
    )
    zoo.append(
        Model(
            "scaler_logreg_pipeline",
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(
                X_digits, y_digits
            ),
            X_digits[:50],
        )
    )

    frame, y_frame = _mixed_frame(int(20_000 * scale), rng)
    columns = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["city", "plan", "channel"]),
            ("num", StandardScaler(), ["age", "income", "score"]),
        ],
        sparse_threshold=0.0,
    )
    zoo.append(
        Model(
            "column_transformer_hgb",
            make_pipeline(
                columns, HistGradientBoostingClassifier(max_iter=30 if quick else 100)
            ).fit(frame, y_frame),
            frame.iloc[:50],
        )
    )

    X, y = make_classification(n_samples=int(20_000 * scale), n_features=20, random_state=0)
    zoo.append(
        Model(
            "random_forest_300",
            RandomForestClassifier(
                n_estimators=20 if quick else 300, n_jobs=-1, random_state=0
            ).fit(X, y),
            X[:50],
        )
    )

    Xr, yr = make_regression(n_samples=int(20_000 * scale), n_features=20, random_state=0)
    zoo.append(
        Model(
            "hgb_regressor_300",
            HistGradientBoostingRegressor(max_iter=30 if quick else 300, random_state=0).fit(
                Xr, yr
            ),
            Xr[:50],
        )
    )

    Xk, yk = make_classification(n_samples=int(50_000 * scale), n_features=20, random_state=1)
    zoo.append(Model("knn_50k", KNeighborsClassifier().fit(Xk, yk), Xk[:20]))

    docs = _synthetic_text(int(5_000 * scale), int(20_000 * scale), rng)
    labels = rng.randint(0, 4, len(docs))
    zoo.append(
        Model(
            "tfidf_sgd",
            make_pipeline(TfidfVectorizer(), SGDClassifier(random_state=0)).fit(docs, labels),
            docs[:50],
        )
    )
    return zoo


# ----- measuring ------------------------------------------------------------------------------


def time_once(func: Callable[[], Any]) -> tuple[float, Any]:
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        result = func()
        return time.perf_counter() - start, result
    finally:
        if enabled:
            gc.enable()


def best_time(func: Callable[[], Any], cell_budget: float) -> tuple[float, Any, int]:
    """Minimum over runs of `func`; as many runs as fit in `cell_budget` (at least 1)."""
    first, result = time_once(func)
    runs = max(1, min(MAX_RUNS, int(cell_budget / max(first, 1e-6))))
    best = first
    for _ in range(runs - 1):
        elapsed, _ = time_once(func)
        best = min(best, elapsed)
    return best, result, runs


def same_predictions(model: Model, loaded: Any) -> bool:
    method = "predict" if hasattr(model.estimator, "predict") else "transform"
    expected = getattr(model.estimator, method)(model.X)
    got = getattr(loaded, method)(model.X)
    return bool(np.array_equal(np.asarray(expected), np.asarray(got)))


def measure(zoo: list[Model], peers: list[Peer], budget: float) -> dict[str, dict[str, Any]]:
    """results[model][peer] = {dump_s, load_s, size, runs, ok} or {error}."""
    cell_budget = budget / max(1, 2 * len(zoo) * len(peers))
    results: dict[str, dict[str, Any]] = {}
    for model in zoo:
        results[model.name] = {}
        for peer in peers:
            try:
                dump_s, data, dump_runs = best_time(
                    lambda peer=peer, obj=model.estimator: peer.dump(obj), cell_budget
                )
                load_s, loaded, load_runs = best_time(
                    lambda peer=peer, data=data: peer.load(data), cell_budget
                )
                entry = {
                    "dump_s": dump_s,
                    "load_s": load_s,
                    "size": len(data),
                    "runs": [dump_runs, load_runs],
                    "ok": same_predictions(model, loaded),
                }
            except Exception as exc:  # one failing peer must not stop the benchmark
                entry = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
            results[model.name][peer.name] = entry
            status = (
                "error" if "error" in entry else f"{entry['dump_s']:.4f}s/{entry['load_s']:.4f}s"
            )
            print(f"  {model.name:<24} {peer.name:<18} {status}", flush=True)
    return results


# ----- reporting ------------------------------------------------------------------------------


def geomean(values: list[float]) -> float:
    values = [v for v in values if v > 0 and math.isfinite(v)]
    return math.exp(sum(map(math.log, values)) / len(values)) if values else math.nan


def _value(results: dict[str, Any], model: str, peer: str, metric: str) -> float:
    entry = results[model].get(peer, {})
    return float(entry[metric]) if metric in entry else math.nan


def _format(value: float, metric: str) -> str:
    if math.isnan(value):
        return "n/a"
    if metric == "size":
        return f"{value / 1024:.1f}K" if value < 1024**2 else f"{value / 1024**2:.2f}M"
    return f"{value * 1000:.2f}ms" if value < 1 else f"{value:.3f}s"


def print_table(results: dict[str, Any], peers: list[str], metric: str, title: str) -> None:
    models = list(results)
    ratios = [("skops/skops_rs", "skops", SKOPS_RS), ("skops_rs/pickle", SKOPS_RS, "pickle")]
    if metric == "size":
        ratios.append(("rs-deflate/joblib-3", SKOPS_RS_DEFLATE, "joblib-3"))
    header = ["model", *peers, *(name for name, _, _ in ratios)]
    rows = []
    for model in models:
        row = [model, *(_format(_value(results, model, p, metric), metric) for p in peers)]
        for _, top, bottom in ratios:
            ratio = _value(results, model, top, metric) / _value(results, model, bottom, metric)
            row.append("n/a" if math.isnan(ratio) else f"{ratio:.2f}x")
        rows.append(row)
    mean_row = ["geometric mean"]
    for p in peers:
        mean_row.append(_format(geomean([_value(results, m, p, metric) for m in models]), metric))
    for _, top, bottom in ratios:
        ratio = geomean(
            [_value(results, m, top, metric) / _value(results, m, bottom, metric) for m in models]
        )
        mean_row.append("n/a" if math.isnan(ratio) else f"{ratio:.2f}x")
    rows.append(mean_row)

    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    print(f"\n{title}")
    print(_line(header, widths))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(_line(row, widths))


def _line(cells: list[str], widths: list[int]) -> str:
    """First cell left-aligned, the others right-aligned."""
    padded = [cells[0].ljust(widths[0])]
    padded += [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
    return "  ".join(padded)


def check_targets(results: dict[str, Any], have_rs: bool) -> dict[str, str]:
    """PASS / MISS / n/a of each target, with the number that decided it."""
    models = list(results)
    targets: dict[str, str] = {}
    if not have_rs:
        return {
            name: "n/a (skops_rs not available)"
            for name in (
                "dump >= 10x faster than skops on every model",
                "load >= 10x faster than skops on every model",
                "dump no slower than pickle (geometric mean)",
                "load no slower than pickle (geometric mean)",
                "deflate file no larger than joblib compress=3 on every model",
            )
        }
    for op in ("dump", "load"):
        speedups = {
            m: _value(results, m, "skops", f"{op}_s") / _value(results, m, SKOPS_RS, f"{op}_s")
            for m in models
        }
        worst = min(speedups, key=lambda m: speedups[m] if not math.isnan(speedups[m]) else -1)
        ok = all(s >= SPEED_FACTOR for s in speedups.values())
        targets[f"{op} >= 10x faster than skops on every model"] = (
            f"{'PASS' if ok else 'MISS'} (slowest: {worst} {speedups[worst]:.1f}x)"
        )
    for op in ("dump", "load"):
        ratio = geomean(
            [
                _value(results, m, SKOPS_RS, f"{op}_s") / _value(results, m, "pickle", f"{op}_s")
                for m in models
            ]
        )
        ok = ratio <= 1.0
        targets[f"{op} no slower than pickle (geometric mean)"] = (
            f"{'PASS' if ok else 'MISS'} (skops_rs/pickle = {ratio:.2f}x)"
        )
    sizes = {
        m: _value(results, m, SKOPS_RS_DEFLATE, "size") / _value(results, m, "joblib-3", "size")
        for m in models
    }
    worst = max(sizes, key=lambda m: sizes[m] if not math.isnan(sizes[m]) else math.inf)
    ok = all(s <= 1.0 for s in sizes.values())
    targets["deflate file no larger than joblib compress=3 on every model"] = (
        f"{'PASS' if ok else 'MISS'} (largest: {worst} {sizes[worst]:.2f}x)"
    )
    return targets


def environment() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "skops": skops.__version__,
        "joblib": joblib.__version__,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small zoo, short budget (smoke)")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds for the timing phase (default 150, 10 with --quick)",
    )
    args = parser.parse_args(argv)
    budget = args.budget if args.budget is not None else (10.0 if args.quick else 150.0)

    rio, why_not = import_skops_rs()
    if why_not:
        print(f"NOTE: skops_rs is left out: {why_not}.", file=sys.stderr)
    peers = make_peers(rio)
    peer_names = [p.name for p in peers]

    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print(f"fitting the {'quick ' if args.quick else ''}zoo...", flush=True)
        zoo = build_zoo(args.quick)
        print(f"fitted in {time.perf_counter() - started:.1f}s; measuring (budget {budget:.0f}s)")
        results = measure(zoo, peers, budget)

    print_table(results, peer_names, "dump_s", "Dump time (min over runs; lower is better)")
    print_table(results, peer_names, "load_s", "Load time, incl. get_untrusted_types for skops*")
    print_table(results, peer_names, "size", "File size")
    failures = [
        f"{m}/{p}: {e.get('error', 'predictions differ after loading')}"
        for m, by_peer in results.items()
        for p, e in by_peer.items()
        if "error" in e or not e.get("ok", False)
    ]
    for failure in failures:
        print(f"PROBLEM {failure}")

    targets = check_targets(results, rio is not None)
    print("\nTargets")
    for name, verdict in targets.items():
        print(f"  {verdict.split(' ')[0]:<5} {name}: {verdict}")
    print(f"\ntotal {time.perf_counter() - started:.1f}s")

    if args.json:
        payload = {
            "environment": environment(),
            "quick": args.quick,
            "budget_s": budget,
            "skops_rs": None if why_not else "available",
            "skops_rs_missing_reason": why_not,
            "peers": peer_names,
            "results": results,
            "targets": targets,
            "problems": failures,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
