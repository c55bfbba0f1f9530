"""Serving load test: `skops-rs serve` against MLServer + mlserver-sklearn on the same model,
same machine, same run, same load generator.

Usage::

    .venv/bin/python python/benchmarks/serving.py [--quick] [--json OUT] [--duration S]
        [--connections N] [--no-mlserver] [--soak S]

What it does, all on 127.0.0.1:

1. fits the models of the zoo (a scaler + logistic regression pipeline and a 100-tree random
   forest) and saves each twice: as `.skops` (skops_rs) for skops-rs, and as joblib with a
   `model-settings.json` for MLServer's sklearn runtime;
2. starts `skops-rs serve` on the `.skops` files, and MLServer (installed by this script into
   its own virtual environment, `.venv-mlserver`, the first time) on the joblib files;
3. checks both answer one request exactly as scikit-learn does (the native server: bits; MLServer
   runs scikit-learn itself);
4. drives each server with wrk (Debian's package: `apt-get install wrk`), a bounded number of
   connections for a bounded time, with Open Inference Protocol v2 requests of 1 row and of
   100 rows, and reports throughput and p50/p99 latency side by side;
5. with `--soak S`: drives skops-rs serve for S seconds more while sampling its resident memory
   every second, and reports the first, peak and last sample (flat memory = no leak).

Target (issue 13): at least 5x MLServer's throughput with a lower p99, exact outputs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import skops_rs.io as sio
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

REPO = Path(__file__).resolve().parents[2]
MLSERVER_VENV = REPO / ".venv-mlserver"
# The MLServer release measured (its sklearn runtime loads joblib files); pinned so runs compare.
# uvloop 0.22+ raises in `asyncio.get_event_loop()` where MLServer 1.7.1's workers call it, and
# every inference worker dies at start; 0.21 is the last release it works with.
MLSERVER_PACKAGES = ["mlserver==1.7.1", "mlserver-sklearn==1.7.1", "uvloop==0.21.0"]
# How long a server may take to answer its readiness probe before the run gives up.
START_TIMEOUT_S = 120.0
# Load-generator threads (wrk -t); the machine has few cores and the server needs them.
WRK_THREADS = 1


@dataclass
class ZooModel:
    name: str
    estimator: Any
    output: str  # the OIP output (MLServer's name of the method)


def _zoo(quick: bool) -> tuple[list[ZooModel], np.ndarray]:
    X, y = make_classification(n_samples=2000, n_features=20, n_informative=8, random_state=0)
    trees = 20 if quick else 100
    models = [
        ZooModel(
            "pipe_logreg",
            make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(X, y),
            "predict_proba",
        ),
        ZooModel(
            f"rf{trees}",
            RandomForestClassifier(n_estimators=trees, random_state=0).fit(X, y),
            "predict_proba",
        ),
    ]
    return models, X


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def _post(url: str, body: dict[str, Any], timeout: float = 30.0) -> dict[str, Any]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _wait_ready(base: str, process: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{what} exited with {process.returncode} before it was ready")
        try:
            status, _ = _get(base + "/v2/health/ready")
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{what} was not ready after {START_TIMEOUT_S:.0f} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _skops_rs_binary(quick: bool) -> Path:
    """`$SKOPS_RS_BIN`, else the CLI built (or brought up to date) by cargo: the release build,
    or for a smoke run the debug build (the one the test command has just made)."""
    if os.environ.get("SKOPS_RS_BIN"):
        return Path(os.environ["SKOPS_RS_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    profile = ["--release"] if not quick else []
    subprocess.run(["cargo", "build", *profile, "-q", "-p", "skops-cli"], cwd=REPO, check=True)
    return target / ("debug" if quick else "release") / "skops-rs"


def _mlserver_binary() -> Path:
    """MLServer in its own virtual environment (its pins differ from the test environment's)."""
    binary = MLSERVER_VENV / "bin" / "mlserver"
    stamp = MLSERVER_VENV / ".installed"
    wanted = " ".join(MLSERVER_PACKAGES)
    if binary.exists() and stamp.exists() and stamp.read_text() == wanted:
        return binary
    print("  installing MLServer into .venv-mlserver (once)", file=sys.stderr, flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(MLSERVER_VENV)], check=True)
    subprocess.run(
        [
            str(MLSERVER_VENV / "bin" / "pip"),
            "install",
            "-q",
            "--disable-pip-version-check",
            *MLSERVER_PACKAGES,
        ],
        check=True,
    )
    stamp.write_text(wanted)
    return binary


def _start_skops_rs(
    folder: Path, models: list[ZooModel], quick: bool
) -> tuple[subprocess.Popen, str]:
    port = _free_port()
    command = [str(_skops_rs_binary(quick)), "serve", "--host", "127.0.0.1", "--port", str(port)]
    command += [str(folder / f"{model.name}.skops") for model in models]
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=open(folder / "skops-rs.log", "wb")
    )
    base = f"http://127.0.0.1:{port}"
    _wait_ready(base, process, "skops-rs serve")
    return process, base


def _start_mlserver(folder: Path, models: list[ZooModel]) -> tuple[subprocess.Popen, str]:
    root = folder / "mlserver"
    port = _free_port()
    settings = {
        "host": "127.0.0.1",
        "http_port": port,
        "grpc_port": _free_port(),
        "metrics_port": _free_port(),
        "parallel_workers": os.cpu_count() or 1,
    }
    root.mkdir()
    (root / "settings.json").write_text(json.dumps(settings))
    for model in models:
        model_dir = root / model.name
        model_dir.mkdir()
        joblib.dump(model.estimator, model_dir / "model.joblib")
        (model_dir / "model-settings.json").write_text(
            json.dumps(
                {
                    "name": model.name,
                    "implementation": "mlserver_sklearn.SKLearnModel",
                    "parameters": {"uri": "./model.joblib", "version": "v1"},
                }
            )
        )
    process = subprocess.Popen(
        [str(_mlserver_binary()), "start", str(root)],
        stdout=subprocess.DEVNULL,
        stderr=open(folder / "mlserver.log", "wb"),
        cwd=root,
    )
    base = f"http://127.0.0.1:{port}"
    _wait_ready(base, process, "MLServer")
    # Readiness of the server is not readiness of every model.
    for model in models:
        deadline = time.monotonic() + START_TIMEOUT_S
        while _get(f"{base}/v2/models/{model.name}/ready")[0] != 200:
            if time.monotonic() > deadline:
                raise RuntimeError(f"MLServer did not load {model.name}")
            time.sleep(0.2)
    return process, base


def _infer_body(rows: np.ndarray, output: str) -> dict[str, Any]:
    return {
        "inputs": [
            {
                "name": "input-0",
                "shape": list(rows.shape),
                "datatype": "FP64",
                "data": rows.ravel().tolist(),
            }
        ],
        "outputs": [{"name": output}],
    }


def _answer(response: dict[str, Any], output: str, rows: int) -> np.ndarray:
    (tensor,) = [t for t in response["outputs"] if t["name"] == output]
    return np.asarray(tensor["data"], dtype=np.float64).reshape(rows, -1)


WRK_SCRIPT = textwrap.dedent(
    """
    wrk.method = "POST"
    wrk.headers["Content-Type"] = "application/json"
    local file = io.open(os.getenv("BODY_FILE"), "rb")
    wrk.body = file:read("*a")
    file:close()
    done = function(summary, latency, requests)
      local errors = summary.errors
      io.write(string.format(
        '{"requests": %d, "duration_us": %d, "socket_errors": %d, "non_2xx": %d, '
        .. '"p50_us": %d, "p99_us": %d, "mean_us": %.1f}\\n',
        summary.requests, summary.duration,
        errors.connect + errors.read + errors.write + errors.timeout, errors.status,
        latency:percentile(50), latency:percentile(99), latency.mean))
    end
    """
)


def _exactness(one, expected_one, batch, expected_batch) -> str:
    """`bits` when every value equals scikit-learn's, `within` when every value is within 1e-12
    relative and every row's argmax agrees (dense linear models: the engine's documented
    bound), else `differs`."""
    pairs = ((one, expected_one), (batch, expected_batch))
    if all(np.array_equal(got, want) for got, want in pairs):
        return "bits"
    for got, want in pairs:
        scale = max(float(np.max(np.abs(want))), 1e-300)
        if float(np.max(np.abs(got - want))) / scale > 1e-12:
            return "differs"
        if (
            got.ndim == 2
            and got.shape[1] > 1
            and not np.array_equal(got.argmax(axis=1), want.argmax(axis=1))
        ):
            return "differs"
    return "within"


def _wrk(url: str, body: dict[str, Any], folder: Path, duration: int, connections: int):
    body_file = folder / "body.json"
    body_file.write_text(json.dumps(body))
    script = folder / "report.lua"
    script.write_text(WRK_SCRIPT)
    done = subprocess.run(
        [
            "wrk",
            f"-t{WRK_THREADS}",
            f"-c{connections}",
            f"-d{duration}s",
            "--timeout",
            "10s",
            "-s",
            str(script),
            url,
        ],
        env={**os.environ, "BODY_FILE": str(body_file)},
        capture_output=True,
        text=True,
        check=True,
        timeout=duration + 60,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    report["rps"] = report["requests"] / (report["duration_us"] / 1e6)
    return report


def _rss_kib(pid: int) -> int:
    """Resident memory of a process and its children (MLServer's workers are processes)."""
    total = 0
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total


def _soak(process, url, body, folder, seconds: int, connections: int) -> dict[str, Any]:
    samples: list[int] = []
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            samples.append(_rss_kib(process.pid))
            stop.wait(1.0)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        load = _wrk(url, body, folder, seconds, connections)
    finally:
        stop.set()
        sampler.join()
    return {
        "seconds": seconds,
        "rps": load["rps"],
        "rss_kib_first": samples[0],
        "rss_kib_peak": max(samples),
        "rss_kib_last": samples[-1],
        "rss_kib_samples": samples,
        "non_2xx": load["non_2xx"],
        "socket_errors": load["socket_errors"],
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("error: wrk not found (apt-get install wrk)")
    models, X = _zoo(args.quick)
    results: dict[str, Any] = {"models": {}}
    with tempfile.TemporaryDirectory(prefix="skops-serve-bench-") as tmp:
        folder = Path(tmp)
        for model in models:
            sio.dump(model.estimator, folder / f"{model.name}.skops")
        servers = {"skops-rs": _start_skops_rs(folder, models, args.quick)}
        try:
            if not args.no_mlserver:
                servers["mlserver"] = _start_mlserver(folder, models)
            for model in models:
                entry: dict[str, Any] = {"output": model.output}
                expected_one = getattr(model.estimator, model.output)(X[:1])
                expected_batch = getattr(model.estimator, model.output)(X[:100])
                for peer, (_, base) in servers.items():
                    url = f"{base}/v2/models/{model.name}/infer"
                    one = _answer(_post(url, _infer_body(X[:1], model.output)), model.output, 1)
                    batch = _post(url, _infer_body(X[:100], model.output))
                    batch = _answer(batch, model.output, 100)
                    entry[peer] = {"exact": _exactness(one, expected_one, batch, expected_batch)}
                    for label, rows in (("1-row", X[:1]), ("100-row", X[:100])):
                        print(f"  {model.name} {peer} {label}", file=sys.stderr, flush=True)
                        entry[peer][label] = _wrk(
                            url,
                            _infer_body(rows, model.output),
                            folder,
                            args.duration,
                            args.connections,
                        )
                results["models"][model.name] = entry
            if args.soak:
                process, base = servers["skops-rs"]
                model = models[-1]
                print(f"  soak {args.soak} s on {model.name}", file=sys.stderr, flush=True)
                results["soak"] = _soak(
                    process,
                    f"{base}/v2/models/{model.name}/infer",
                    _infer_body(X[:10], model.output),
                    folder,
                    args.soak,
                    args.connections,
                )
        finally:
            for process, _ in servers.values():
                _stop(process)
    return results


def report(results: dict[str, Any], connections: int) -> None:
    peers = ["skops-rs", "mlserver"]
    print(f"\nOpen Inference Protocol v2 over HTTP, wrk with {connections} connections\n")
    print(
        "| model | rows | skops-rs req/s | MLServer req/s | throughput ratio "
        "| skops-rs p50 / p99 ms | MLServer p50 / p99 ms | vs sklearn (skops-rs / MLServer) |"
    )
    print("|---|---|---:|---:|---:|---|---|---|")
    for name, entry in results["models"].items():
        for label in ("1-row", "100-row"):
            cells = [name, label]
            loads = [entry.get(peer, {}).get(label) for peer in peers]
            cells += [f"{load['rps']:.0f}" if load else "n/a" for load in loads]
            ours, theirs = loads
            cells.append(f"{ours['rps'] / theirs['rps']:.1f}x" if ours and theirs else "n/a")
            for load in loads:
                cells.append(
                    f"{load['p50_us'] / 1e3:.2f} / {load['p99_us'] / 1e3:.2f}" if load else "n/a"
                )
            exact = [entry[peer]["exact"] if peer in entry else "n/a" for peer in peers]
            cells.append(" / ".join(exact))
            print("| " + " | ".join(cells) + " |")
            for load, peer in zip(loads, peers, strict=True):
                if load and (load["non_2xx"] or load["socket_errors"]):
                    print(
                        f"  warning: {peer} {name} {label}: {load['non_2xx']} non-2xx, "
                        f"{load['socket_errors']} socket errors"
                    )
    soak = results.get("soak")
    if soak:
        print(
            f"\nSoak: {soak['seconds']} s at {soak['rps']:.0f} req/s, skops-rs serve RSS "
            f"first {soak['rss_kib_first'] / 1024:.1f} MiB, peak "
            f"{soak['rss_kib_peak'] / 1024:.1f} MiB, last {soak['rss_kib_last'] / 1024:.1f} MiB"
        )
    print("\nTargets\n")
    for name, entry in results["models"].items():
        if "mlserver" not in entry:
            continue
        for label in ("1-row", "100-row"):
            ours, theirs = entry["skops-rs"][label], entry["mlserver"][label]
            passed = ours["rps"] >= 5 * theirs["rps"] and ours["p99_us"] < theirs["p99_us"]
            exact = entry["skops-rs"]["exact"] in ("bits", "within")
            status = "PASS" if passed and exact else "MISS"
            print(f"- {status}: {name} {label}: >= 5x MLServer's throughput, lower p99, exact")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small models, 2 s per load (CI)")
    parser.add_argument("--json", type=Path, help="write the results as JSON here")
    parser.add_argument("--duration", type=int, help="seconds per load (default 10, quick 2)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument("--no-mlserver", action="store_true", help="measure skops-rs serve only")
    parser.add_argument("--soak", type=int, default=0, help="soak seconds after the loads")
    parser.add_argument(
        "--install-only",
        action="store_true",
        help="install MLServer into .venv-mlserver, then stop (test.sh, while Rust compiles)",
    )
    args = parser.parse_args()
    if args.install_only:
        _mlserver_binary()
        return 0
    if args.duration is None:
        args.duration = 2 if args.quick else 10
    results = run(args)
    report(results, args.connections)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
