"""Persistence benchmark: skops_rs against skops 0.16, pickle and joblib on a zoo of models.

Usage::

    .venv/bin/python python/benchmarks/persistence.py [--quick | --smoke] [--json OUT]
        [--budget SECONDS]

For each model of the zoo and each peer, measures, in one run, side by side:

- load from a path, as users call it (skops and skops_rs audit first:
  ``load(path, trusted=get_untrusted_types(file=path))``);
- load from bytes (``loads(data, trusted=get_untrusted_types(data=data))``);
- the audit alone (``get_untrusted_types(data=data)``; skops peers only);
- load from a path memory-mapped (skops_rs ``mmap_mode="r"`` with the reviewed trusted list,
  joblib ``mmap_mode="r"``);
- dump to a path (skops_rs writes atomically, see docs/performance.md; durable and not) and to
  bytes;
- the size of the file, and for skops_rs-deflate the floor of the format's layout (each
  member deflated alone at level 9, plus its zip records).

Files go to a temporary directory (warm page cache: the timings are CPU, not disk). Each
timing is the minimum over repeated runs (garbage collector off during a run, as ``timeit``
does); the number of runs adapts so that the timing phase stays near ``--budget`` seconds.
Loaded models must predict as the original.

Peers: pickle (protocol 5), joblib (compress 0 and 3), skops 0.16, skops_rs (stored and
deflate). If skops_rs is not built the other peers are still measured, and the targets are
reported as n/a.

Targets of issue 14 (printed as PASS/MISS): load from a path at least 10x faster than skops on
every model, at most 1.0x pickle in geometric mean and at most 2x pickle on every model; dump at
most 1.0x pickle in geometric mean (to a path, and to bytes); the deflate file no larger than
joblib compress=3 in geometric mean and within 1.2x of the format's floor on every model; a
memory-mapped load of the forest at most 0.2x pickle's load.

``--smoke`` (what CI runs) fits the small zoo, keeps four models and times each at most 3 times.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import io
import json
import math
import pickle
import platform
import string
import sys
import tempfile
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
from sklearn.cluster import KMeans
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_digits, make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.ensemble import (
    ExtraTreesClassifier,
    GradientBoostingClassifier,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.neighbors import KNeighborsClassifier
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

SPEED_FACTOR = 10.0  # skops_rs must load this many times faster than skops
MAX_LOAD_RATIO_TO_PICKLE = 2.0  # skops_rs must load at most this many times slower than pickle
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
    """A way to turn an object into bytes or a file and back, as its users call it.

    `audit` is what a careful skops user runs before loading (``get_untrusted_types``); peers
    without one (pickle, joblib) have None.
    """

    name: str
    dumps: Callable[[Any], bytes]
    loads: Callable[[bytes], Any]
    dump: Callable[[Any, Path], None]
    load: Callable[[Path], Any]
    audit: Callable[[bytes], Any] | None = None
    #: Dump to a path without waiting for the disk, for peers that offer it (skops_rs
    #: ``durable=False``; the others never flush).
    dump_unsynced: Callable[[Any, Path], None] | None = None
    #: Load from a path with the arrays memory-mapped (``mmap_mode="r"``), for peers that
    #: offer it; given the trusted list reviewed beforehand (a deployment reviews it once).
    load_mmap: Callable[[Path, list[str]], Any] | None = None


def _pickle_dump(obj: Any, path: Path) -> None:
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=5)


def _pickle_load(path: Path) -> Any:
    with open(path, "rb") as f:
        return pickle.load(f)


def _joblib_dumps(compress: int) -> Callable[[Any], bytes]:
    def dumps(obj: Any) -> bytes:
        buffer = io.BytesIO()
        joblib.dump(obj, buffer, compress=compress)
        return buffer.getvalue()

    return dumps


def _joblib_dump(compress: int) -> Callable[[Any, Path], None]:
    def dump(obj: Any, path: Path) -> None:
        joblib.dump(obj, path, compress=compress)

    return dump


def _skops_peer(name: str, module: Any, **dump_kwargs: Any) -> Peer:
    """skops or skops_rs, loading the way its documentation asks: audit, then load trusting
    what the audit listed (after review)."""

    def loads(data: bytes) -> Any:
        return module.loads(data, trusted=module.get_untrusted_types(data=data))

    def load(path: Path) -> Any:
        return module.load(path, trusted=module.get_untrusted_types(file=path))

    has_durable = "durable" in inspect.signature(module.dump).parameters
    has_mmap = "mmap_mode" in inspect.signature(module.load).parameters
    mapped = not dump_kwargs and has_mmap  # views need stored members

    def load_mmap(path: Path, trusted: list[str]) -> Any:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return module.load(path, trusted=trusted, mmap_mode="r")

    return Peer(
        name,
        dumps=lambda obj: module.dumps(obj, **dump_kwargs),
        loads=loads,
        dump=lambda obj, path: module.dump(obj, path, **dump_kwargs),
        load=load,
        audit=lambda data: module.get_untrusted_types(data=data),
        dump_unsynced=(
            (lambda obj, path: module.dump(obj, path, durable=False, **dump_kwargs))
            if has_durable
            else None
        ),
        load_mmap=load_mmap if mapped else None,
    )


def make_peers(rio: Any) -> list[Peer]:
    peers = [
        Peer(
            "pickle",
            lambda obj: pickle.dumps(obj, protocol=5),
            pickle.loads,
            _pickle_dump,
            _pickle_load,
        ),
        Peer(
            "joblib-0",
            _joblib_dumps(0),
            lambda data: joblib.load(io.BytesIO(data)),
            _joblib_dump(0),
            joblib.load,
            load_mmap=lambda path, _trusted: joblib.load(path, mmap_mode="r"),
        ),
        Peer(
            "joblib-3",
            _joblib_dumps(3),
            lambda data: joblib.load(io.BytesIO(data)),
            _joblib_dump(3),
            joblib.load,
        ),
        _skops_peer("skops", sio),
    ]
    if rio is not None:
        peers.append(_skops_peer(SKOPS_RS, rio))
        peers.append(_skops_peer(SKOPS_RS_DEFLATE, rio, compression=zipfile.ZIP_DEFLATED))
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

    # Issue 14's additions: many small trees, dense layers, clusters, a kernel machine.
    zoo.append(
        Model(
            "gradient_boosting_200",
            GradientBoostingClassifier(n_estimators=20 if quick else 200, random_state=0).fit(X, y),
            X[:50],
        )
    )
    zoo.append(
        Model(
            "extra_trees_100",
            ExtraTreesClassifier(n_estimators=10 if quick else 100, n_jobs=-1, random_state=0).fit(
                X, y
            ),
            X[:50],
        )
    )
    zoo.append(
        Model(
            "mlp_digits",
            MLPClassifier(
                hidden_layer_sizes=(100,), max_iter=20 if quick else 200, random_state=0
            ).fit(X_digits, y_digits),
            X_digits[:50],
        )
    )
    zoo.append(Model("kmeans_8", KMeans(n_clusters=8, n_init=1, random_state=0).fit(Xk), Xk[:50]))
    zoo.append(Model("pca_digits", PCA(n_components=32).fit(X_digits), X_digits[:50]))
    n_svc = int(5_000 * scale)
    zoo.append(Model("svc_rbf", SVC(kernel="rbf").fit(X[:n_svc], y[:n_svc]), X[:50]))
    return zoo


#: The models of `--smoke`: one of each shape of file (a small linear model, many trees, a
#: DataFrame pipeline, a large vocabulary).
SMOKE_MODELS = ("logreg_digits", "gradient_boosting_200", "column_transformer_hgb", "tfidf_sgd")


# ----- measuring ------------------------------------------------------------------------------

#: What is timed for each model and peer, with the heading of its table. `load_path_s` and
#: `dump_path_s` are the calls users make; the others isolate parts of them.
METRICS = {
    "load_path_s": "Load from a path (skops*: load(path, trusted=get_untrusted_types(file=path)))",
    "load_bytes_s": "Load from bytes (skops*: loads(data, trusted=get_untrusted_types(data=data)))",
    "load_mmap_s": "Load from a path, memory-mapped (mmap_mode='r'; skops_rs: reviewed list)",
    "audit_s": "Audit alone (get_untrusted_types(data=data))",
    "dump_path_s": "Dump to a path (skops_rs: durable, the default)",
    "dump_path_unsynced_s": "Dump to a path, skops_rs with durable=False (atomic, not synced)",
    "dump_bytes_s": "Dump to bytes",
    "size": "File size",
    "floor": "Deflate size floor of the one-member-per-array layout (skops_rs-deflate)",
}


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


def best_time(func: Callable[[], Any], cell_budget: float, max_runs: int) -> tuple[float, Any, int]:
    """Minimum over runs of `func`; as many runs as fit in `cell_budget` (at least 1)."""
    first, result = time_once(func)
    runs = max(1, min(max_runs, int(cell_budget / max(first, 1e-6))))
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


def measure_one(
    model: Model, peer: Peer, directory: Path, cell_budget: float, max_runs: int
) -> dict[str, Any]:
    """Every metric of one model and peer; the loaded models' predictions are checked."""
    path = directory / f"{model.name}.{peer.name}"
    obj = model.estimator
    entry: dict[str, Any] = {"runs": {}}

    def timed(metric: str, func: Callable[[], Any]) -> Any:
        entry[metric], result, entry["runs"][metric] = best_time(func, cell_budget, max_runs)
        return result

    data = timed("dump_bytes_s", lambda: peer.dumps(obj))
    timed("dump_path_s", lambda: peer.dump(obj, path))
    if peer.dump_unsynced is not None:
        dump_unsynced = peer.dump_unsynced
        timed("dump_path_unsynced_s", lambda: dump_unsynced(obj, path))
    from_bytes = timed("load_bytes_s", lambda: peer.loads(data))
    from_path = timed("load_path_s", lambda: peer.load(path))
    if peer.audit is not None:
        timed("audit_s", lambda: peer.audit(data))
    ok = same_predictions(model, from_bytes) and same_predictions(model, from_path)
    if peer.load_mmap is not None:
        load_mmap = peer.load_mmap
        reviewed = list(peer.audit(data)) if peer.audit is not None else []
        mapped = timed("load_mmap_s", lambda: load_mmap(path, reviewed))
        ok = ok and same_predictions(model, mapped)
    entry["size"] = len(data)
    if peer.name == SKOPS_RS_DEFLATE:
        entry["floor"] = deflate_floor(data)
    entry["ok"] = ok
    path.unlink(missing_ok=True)
    return entry


#: Bytes of zip records per member: local header (30) and central record (46), plus the name
#: twice; and the end record (22) once per archive.
ZIP_LOCAL_HEADER, ZIP_CENTRAL_RECORD, ZIP_END_RECORD = 30, 46, 22


def deflate_floor(archive_bytes: bytes) -> int:
    """The smallest a zip with these members can be while each member stays its own zip
    entry (the format's layout: one member per array, plus `schema.json`): each member
    deflated alone at level 9 (or stored, if smaller), its two header records with its
    name, and the end record. What one stream over all members (joblib) saves beyond this,
    the format cannot."""
    import zlib

    total = ZIP_END_RECORD
    with zipfile.ZipFile(io.BytesIO(archive_bytes)) as archive:
        for info in archive.infolist():
            content = archive.read(info)
            packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
            packed = len(packer.compress(content) + packer.flush())
            name = len(info.filename.encode())
            total += ZIP_LOCAL_HEADER + ZIP_CENTRAL_RECORD + 2 * name + min(packed, len(content))
    return total


def measure(
    zoo: list[Model], peers: list[Peer], budget: float, max_runs: int
) -> dict[str, dict[str, Any]]:
    """results[model][peer] = {metric: value, runs, ok} or {error}."""
    timed_metrics = len(METRICS) - 4  # size, floor: not timed; unsynced, mmap: some peers only
    cell_budget = budget / max(1, timed_metrics * len(zoo) * len(peers))
    results: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="skops-rs-bench-") as tmp:
        for model in zoo:
            results[model.name] = {}
            for peer in peers:
                try:
                    entry = measure_one(model, peer, Path(tmp), cell_budget, max_runs)
                except Exception as exc:  # one failing peer must not stop the benchmark
                    entry = {"error": f"{type(exc).__name__}: {str(exc)[:200]}"}
                results[model.name][peer.name] = entry
                status = (
                    "error"
                    if "error" in entry
                    else f"load {entry['load_path_s'] * 1000:.2f}ms "
                    f"dump {entry['dump_path_s'] * 1000:.2f}ms"
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


def _ratio(results: dict[str, Any], model: str, top: str, bottom: str, metric: str) -> float:
    return _value(results, model, top, metric) / _value(results, model, bottom, metric)


def _format(value: float, metric: str) -> str:
    if math.isnan(value):
        return "n/a"
    if metric in ("size", "floor"):
        return f"{value / 1024:.1f}K" if value < 1024**2 else f"{value / 1024**2:.2f}M"
    return f"{value * 1000:.2f}ms" if value < 1 else f"{value:.3f}s"


def print_table(results: dict[str, Any], peers: list[str], metric: str, title: str) -> None:
    models = list(results)
    peers = [p for p in peers if any(metric in results[m].get(p, {}) for m in models)]
    if not peers:
        print(f"\n{title}: not measured")
        return
    # (heading, (peer, metric) over (peer, metric)).
    ratios: list[tuple[str, tuple[str, str], tuple[str, str]]] = []
    if metric == "load_mmap_s":
        ratios.append(("rs-mmap/pickle", (SKOPS_RS, metric), ("pickle", "load_path_s")))
        ratios.append(("rs-mmap/joblib-mmap", (SKOPS_RS, metric), ("joblib-0", metric)))
    elif metric == "floor":
        ratios.append(("rs-deflate/floor", (SKOPS_RS_DEFLATE, "size"), (SKOPS_RS_DEFLATE, metric)))
    else:
        if "skops" in peers:
            ratios.append(("skops/skops_rs", ("skops", metric), (SKOPS_RS, metric)))
        if "pickle" in peers:
            ratios.append(("skops_rs/pickle", (SKOPS_RS, metric), ("pickle", metric)))
    if metric == "size":
        ratios.append(("rs-deflate/joblib-3", (SKOPS_RS_DEFLATE, metric), ("joblib-3", metric)))
    header = ["model", *peers, *(name for name, _, _ in ratios)]
    rows = []
    for model in models:
        row = [model, *(_format(_value(results, model, p, metric), metric) for p in peers)]
        for _, top, bottom in ratios:
            ratio = _value(results, model, *top) / _value(results, model, *bottom)
            row.append("n/a" if math.isnan(ratio) else f"{ratio:.2f}x")
        rows.append(row)
    mean_row = ["geometric mean"]
    for p in peers:
        mean_row.append(_format(geomean([_value(results, m, p, metric) for m in models]), metric))
    for _, top, bottom in ratios:
        ratio = geomean([_value(results, m, *top) / _value(results, m, *bottom) for m in models])
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


#: The model of the memory-mapped load target (the issue's "60 MB forest"); with `--smoke`, the
#: largest file of the run instead.
MMAP_MODEL = "random_forest_300"
MAX_MMAP_RATIO_TO_PICKLE = 0.2  # a mapped load at most this fraction of pickle's load
MAX_SIZE_OVER_FLOOR = 1.2  # the deflate file at most this many times the format's floor

#: Issue 14's targets, as one run checks them.
TARGETS = (
    "load from a path >= 10x faster than skops on every model",
    "load from a path <= 1.0x pickle (geometric mean)",
    "load from a path <= 2x pickle on every model",
    "dump to a path <= 1.0x pickle (geometric mean)",
    "dump to a path with durable=False <= 1.0x pickle (geometric mean)",
    "dump to bytes <= 1.0x pickle (geometric mean)",
    "deflate size <= joblib compress=3 (geometric mean)",
    "load memory-mapped <= 0.2x pickle's load (the ~60 MB forest)",
    "deflate size <= 1.2x the one-member-per-array floor on every model",
)


def check_targets(results: dict[str, Any], have_rs: bool) -> dict[str, str]:
    """PASS / MISS / n/a of each target, with the number that decided it."""
    if not have_rs:
        return {name: "n/a (skops_rs not available)" for name in TARGETS}
    models = list(results)

    def verdict(ok: bool, detail: str) -> str:
        return f"{'PASS' if ok else 'MISS'} ({detail})"

    def per_model(top: str, bottom: str, metric: str) -> dict[str, float]:
        ratios = {m: _ratio(results, m, top, bottom, metric) for m in models}
        return {m: r for m, r in ratios.items() if not math.isnan(r)}

    def mean(top: str, bottom: str, metric: str) -> float:
        return geomean(list(per_model(top, bottom, metric).values()))

    targets = {}
    speedups = per_model("skops", SKOPS_RS, "load_path_s")
    slowest = min(speedups, key=speedups.__getitem__)
    targets[TARGETS[0]] = verdict(
        len(speedups) == len(models) and speedups[slowest] >= SPEED_FACTOR,
        f"slowest: {slowest} {speedups[slowest]:.1f}x",
    )
    ratio = mean(SKOPS_RS, "pickle", "load_path_s")
    targets[TARGETS[1]] = verdict(ratio <= 1.0, f"skops_rs/pickle = {ratio:.2f}x")
    ratios = per_model(SKOPS_RS, "pickle", "load_path_s")
    worst = max(ratios, key=ratios.__getitem__)
    targets[TARGETS[2]] = verdict(
        len(ratios) == len(models) and ratios[worst] <= MAX_LOAD_RATIO_TO_PICKLE,
        f"worst: {worst} {ratios[worst]:.2f}x",
    )
    ratio = mean(SKOPS_RS, "pickle", "dump_path_s")
    targets[TARGETS[3]] = verdict(ratio <= 1.0, f"skops_rs/pickle = {ratio:.2f}x")
    unsynced = [
        _value(results, m, SKOPS_RS, "dump_path_unsynced_s")
        / _value(results, m, "pickle", "dump_path_s")
        for m in models
    ]
    ratio = geomean(unsynced)
    targets[TARGETS[4]] = (
        "n/a (this skops_rs has no durable=False)"
        if math.isnan(ratio)
        else verdict(ratio <= 1.0, f"skops_rs/pickle = {ratio:.2f}x")
    )
    ratio = mean(SKOPS_RS, "pickle", "dump_bytes_s")
    targets[TARGETS[5]] = verdict(ratio <= 1.0, f"skops_rs/pickle = {ratio:.2f}x")
    ratio = mean(SKOPS_RS_DEFLATE, "joblib-3", "size")
    targets[TARGETS[6]] = verdict(ratio <= 1.0, f"skops_rs-deflate/joblib-3 = {ratio:.2f}x")
    mmap_model = (
        MMAP_MODEL
        if MMAP_MODEL in results
        else max(models, key=lambda m: _value(results, m, SKOPS_RS, "size"))
    )
    ratio = _value(results, mmap_model, SKOPS_RS, "load_mmap_s") / _value(
        results, mmap_model, "pickle", "load_path_s"
    )
    size = _value(results, mmap_model, SKOPS_RS, "size") / 1024**2
    targets[TARGETS[7]] = (
        "n/a (this skops_rs has no mmap_mode)"
        if math.isnan(ratio)
        else verdict(
            ratio <= MAX_MMAP_RATIO_TO_PICKLE,
            f"{mmap_model} ({size:.0f} MB): skops_rs mmap/pickle = {ratio:.2f}x",
        )
    )
    over_floor = {
        m: _value(results, m, SKOPS_RS_DEFLATE, "size")
        / _value(results, m, SKOPS_RS_DEFLATE, "floor")
        for m in models
    }
    worst = max(over_floor, key=over_floor.__getitem__)
    targets[TARGETS[8]] = verdict(
        over_floor[worst] <= MAX_SIZE_OVER_FLOOR, f"worst: {worst} {over_floor[worst]:.2f}x"
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
    parser.add_argument("--quick", action="store_true", help="small models, short budget")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help=f"--quick on {len(SMOKE_MODELS)} models with at most 3 runs per timing (CI)",
    )
    parser.add_argument("--json", type=Path, metavar="OUT", help="write the results as JSON")
    parser.add_argument(
        "--budget",
        type=float,
        default=None,
        help="seconds for the timing phase (default 240, 20 with --quick, 5 with --smoke)",
    )
    args = parser.parse_args(argv)
    quick = args.quick or args.smoke
    default_budget = 5.0 if args.smoke else 20.0 if args.quick else 240.0
    budget = args.budget if args.budget is not None else default_budget
    max_runs = 3 if args.smoke else MAX_RUNS

    rio, why_not = import_skops_rs()
    if why_not:
        print(f"NOTE: skops_rs is left out: {why_not}.", file=sys.stderr)
    peers = make_peers(rio)
    peer_names = [p.name for p in peers]

    # scikit-learn's forests predict on joblib threads, which warn about its `delayed` once per
    # call whatever `catch_warnings` says: thousands of lines in the report otherwise.
    warnings.filterwarnings("ignore", message=".*sklearn.utils.parallel.delayed.*")
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        print(f"fitting the {'quick ' if quick else ''}zoo...", flush=True)
        zoo = build_zoo(quick)
        if args.smoke:
            zoo = [model for model in zoo if model.name in SMOKE_MODELS]
        print(f"fitted in {time.perf_counter() - started:.1f}s; measuring (budget {budget:.0f}s)")
        results = measure(zoo, peers, budget, max_runs)

    for metric, title in METRICS.items():
        print_table(results, peer_names, metric, title)
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
            "quick": quick,
            "smoke": args.smoke,
            "budget_s": budget,
            "skops_rs": None if why_not else "available",
            "skops_rs_missing_reason": why_not,
            "peers": peer_names,
            "metrics": list(METRICS),
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
