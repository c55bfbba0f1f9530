"""Hub transfer benchmark: a 200 MB model file through the official client and `skops-rs hub serve`.

Usage::

    .venv/bin/python python/benchmarks/hub_transfer.py [--size-mb 200] [--repeat 3]
        [--store local|s3] [--binary target/release/skops-rs] [--workdir DIR]

The model is a ``KNeighborsClassifier`` (brute force) fitted on random float64 data: it keeps
its training data, so its ``.skops`` file, written by ``skops_rs.io.dump``, is ``--size-mb``
megabytes of arrays (incompressible, as trained weights are). Each repetition starts a fresh
server (a release build; built with cargo if missing), then:

- **upload**: ``HfApi.upload_file`` of the file (the client hashes it, asks ``preupload``, which
  answers ``regular``, and sends it base64-encoded inside the NDJSON commit body);
- **download**: ``hf_hub_download`` into an empty cache (``HEAD`` then ``GET`` of ``resolve``);
- **copy**: ``shutil.copyfile`` of the same file on the same disk (the working folder holds
  the model, the hub's data and the caches);
- **server alone**, to tell the server's share from the client's: a commit body like the
  client's for a file of the same size (other bytes: the store keeps each blob once; built
  once, on disk) POSTed with ``http.client`` in 1 MiB blocks, and a ``GET`` of that file from
  ``resolve`` read in 1 MiB blocks and dropped.

While the upload runs, the server's resident memory (``VmRSS`` in ``/proc/PID/status``) is
polled; its peak since start (``VmHWM``) is read after the upload, before the download. The
figures printed are medians over the repetitions: MB/s (1 MB = 10^6 bytes) for each transfer,
their ratios to the copy, and the server's peak memory. The downloaded file is compared with
the original (sha256).

``--store s3`` serves a bucket of moto's S3-compatible server (``moto_server``, started here on
127.0.0.1) instead of a local folder. Linux only (``/proc``). Not a test: nothing here fails on
a slow machine; the script exits 1 only if a transfer gives wrong bytes or memory is not
bounded (for a file of 100 MB or more, a peak above half the file's size).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import skops_rs.io as sio
from sklearn.neighbors import KNeighborsClassifier
from tqdm import tqdm

ROOT = Path(__file__).resolve().parent.parent.parent
MB = 1_000_000
#: Columns of the training data; rows follow from the size asked for.
FEATURES = 50
#: How often the server's memory is read during an upload, in seconds.
POLL_INTERVAL = 0.005
#: Bucket for `--store s3`.
BUCKET = "hub-transfer-bench"
REPO_ID = "bench/knn"


@dataclass
class Run:
    """One repetition: seconds for each transfer, and the server's memory in kB."""

    upload: float
    download: float
    copy: float
    raw_upload: float
    raw_download: float
    peak_rss_kb: int  # the highest VmRSS seen while polling during the upload
    hwm_kb: int  # VmHWM after the upload: the peak since the server started
    idle_rss_kb: int  # VmRSS before the upload


def release_binary(path: Path) -> Path:
    """`path` if it exists; the default release binary is built with cargo when missing."""
    if path.is_file():
        return path
    if path != ROOT / "target" / "release" / "skops-rs":
        sys.exit(f"error: {path} does not exist")
    print(f"{path} missing: cargo build --release -p skops-cli", flush=True)
    subprocess.run(
        ["cargo", "build", "--release", "-p", "skops-cli", "--bin", "skops-rs"],
        cwd=ROOT,
        check=True,
    )
    return path


def write_model(path: Path, size_mb: int) -> None:
    """A fitted KNeighborsClassifier whose .skops file is about `size_mb` MB."""
    rows = size_mb * MB // (FEATURES * 8)
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, FEATURES))
    y = rng.integers(0, 2, rows)
    model = KNeighborsClassifier(algorithm="brute").fit(X, y)
    sio.dump(model, path)


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def status_kb(pid: int, field: str) -> int:
    """`VmRSS`, `VmHWM`... of process `pid`, in kB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/{pid}/status has no {field}")


class MemoryPoller:
    """Polls a process's VmRSS in a thread; `peak` is the highest value seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, status_kb(self.pid, "VmRSS"))
            time.sleep(POLL_INTERVAL)

    def __enter__(self) -> MemoryPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def moto_server(log: Path) -> Iterator[dict[str, str]]:
    """moto's S3 server on a free port of 127.0.0.1 with an empty bucket; the `AWS_*`
    variables that point the hub at it."""
    import boto3

    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    with log.open("w") as out:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError(f"moto did not start: {log.read_text()}") from None
                time.sleep(0.1)
        credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
        boto3.client(
            "s3", endpoint_url=endpoint, region_name="us-east-1", **credentials
        ).create_bucket(Bucket=BUCKET)
        yield {
            "AWS_ENDPOINT": endpoint,
            "AWS_ALLOW_HTTP": "true",
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": "us-east-1",
        }
    finally:
        server.terminate()
        server.wait(timeout=30)


@dataclass
class Server:
    url: str
    token: str
    process: subprocess.Popen[str]


@contextmanager
def hub_server(binary: Path, store: list[str], env: dict[str, str], log: Path) -> Iterator[Server]:
    """A fresh `skops-rs hub serve` on a free port with a write token; stopped afterwards."""
    full_env = {**os.environ, **env}
    token = subprocess.run(
        [str(binary), "hub", "token", "add", "bench", "--write", *store],
        capture_output=True,
        text=True,
        check=True,
        env=full_env,
    ).stdout.strip()
    with log.open("a") as out:
        process = subprocess.Popen(
            [str(binary), "hub", "serve", *store, "--addr", "127.0.0.1:0"],
            stdout=subprocess.PIPE,
            stderr=out,
            text=True,
            env=full_env,
        )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if " at http://" not in line:
            raise RuntimeError(f"the hub did not start: {line!r} {log.read_text()}")
        yield Server(line.strip().rsplit(" at ", 1)[1], token, process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


#: Random bytes per base64 block when the commit body is built (a multiple of 3,
#: so that the blocks' encodings concatenate into the encoding of the whole).
BASE64_BLOCK = 3 << 20
#: Bytes per socket write or read of the server-alone transfers.
RAW_BLOCK = 1 << 20


def write_commit_body(size: int, path_in_repo: str, body: Path) -> None:
    """An NDJSON commit like the client's for a file of `size` random bytes: a header line and
    a file line with the bytes in base64, written block by block. Not the model's bytes: the
    store keeps a blob once, so the same content would not be written again."""
    rng = np.random.default_rng(1)
    header = {"key": "header", "value": {"summary": "server-alone upload"}}
    with body.open("wb") as out:
        out.write(json.dumps(header).encode() + b"\n")
        out.write(b'{"key":"file","value":{"path":' + json.dumps(path_in_repo).encode())
        out.write(b',"encoding":"base64","content":"')
        for start in range(0, size, BASE64_BLOCK):
            out.write(base64.b64encode(rng.bytes(min(BASE64_BLOCK, size - start))))
        out.write(b'"}}\n')


def connection(server: Server) -> http.client.HTTPConnection:
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    return http.client.HTTPConnection(host, int(port), timeout=600)


def raw_upload(server: Server, body: Path) -> None:
    """POST the commit body `body` to the server with the standard library, streamed."""
    conn = connection(server)
    conn.putrequest("POST", f"/api/models/{REPO_ID}/commit/main")
    conn.putheader("Authorization", f"Bearer {server.token}")
    conn.putheader("Content-Type", "application/x-ndjson")
    conn.putheader("Content-Length", str(body.stat().st_size))
    conn.endheaders()
    with body.open("rb") as source:
        while block := source.read(RAW_BLOCK):
            conn.send(block)
    response = conn.getresponse()
    answer = response.read()
    conn.close()
    if response.status != 200:
        raise RuntimeError(f"server-alone upload: {response.status} {answer[:500]!r}")


def raw_download(server: Server, path_in_repo: str, size: int) -> None:
    """GET the file from `resolve` with the standard library, dropping the bytes."""
    conn = connection(server)
    conn.request("GET", f"/{REPO_ID}/resolve/main/{path_in_repo}")
    response = conn.getresponse()
    received = 0
    while block := response.read(RAW_BLOCK):
        received += len(block)
    conn.close()
    if response.status != 200 or received != size:
        raise RuntimeError(f"server-alone download: {response.status}, {received} bytes")


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def one_run(
    index: int,
    model: Path,
    expected_sha: str,
    body: Path,
    work: Path,
    binary: Path,
    args: argparse.Namespace,
) -> Run:
    from huggingface_hub import HfApi, hf_hub_download

    run_dir = work / f"run-{index}"
    run_dir.mkdir()
    copy_target = run_dir / "copy.skops"
    copy_seconds = timed(lambda: shutil.copyfile(model, copy_target))
    copy_target.unlink()

    with store_for_run(args, run_dir) as (store, env):
        with hub_server(binary, store, env, work / "hub.log") as server:
            api = HfApi(endpoint=server.url, token=server.token)
            api.create_repo(REPO_ID)
            pid = server.process.pid
            idle = status_kb(pid, "VmRSS")
            with MemoryPoller(pid) as poller:
                upload_seconds = timed(
                    lambda: api.upload_file(
                        path_or_fileobj=str(model), path_in_repo=model.name, repo_id=REPO_ID
                    )
                )
            hwm = status_kb(pid, "VmHWM")
            cache = run_dir / "cache"
            downloaded: list[str] = []
            download_seconds = timed(
                lambda: downloaded.append(
                    hf_hub_download(
                        REPO_ID,
                        model.name,
                        endpoint=server.url,
                        token=server.token,
                        cache_dir=cache,
                    )
                )
            )
            if sha256(Path(downloaded[0])) != expected_sha:
                raise SystemExit(f"error: run {index}: the downloaded file differs")
            size = model.stat().st_size
            raw_up = timed(lambda: raw_upload(server, body))
            raw_down = timed(lambda: raw_download(server, "raw.skops", size))
    shutil.rmtree(run_dir)
    return Run(
        upload_seconds, download_seconds, copy_seconds, raw_up, raw_down, poller.peak, hwm, idle
    )


@contextmanager
def store_for_run(
    args: argparse.Namespace, run_dir: Path
) -> Iterator[tuple[list[str], dict[str, str]]]:
    """The `--data`/`--store` arguments of the hub for one run, and its extra environment."""
    if args.store == "local":
        yield ["--data", str(run_dir / "hub-data")], {}
        return
    with moto_server(run_dir / "moto.log") as env:
        yield ["--store", f"s3://{BUCKET}/hub"], env


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory = status_meminfo("MemTotal")
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {memory // 1024} MiB RAM, load average {load}; "
        f"{platform.platform()}; Python {platform.python_version()}"
    )


def status_meminfo(field: str) -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size-mb", type=int, default=200, help="model file size (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--store", choices=("local", "s3"), default="local")
    parser.add_argument(
        "--binary",
        type=Path,
        default=ROOT / "target" / "release" / "skops-rs",
        help="the skops-rs binary (default: the release build, built if missing)",
    )
    parser.add_argument(
        "--workdir", type=Path, default=None, help="where the files go (default: a temp folder)"
    )
    args = parser.parse_args()
    if not Path("/proc/self/status").exists():
        sys.exit("error: this benchmark reads /proc (Linux only)")
    binary = release_binary(args.binary)

    import huggingface_hub

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="hub-transfer-", dir=args.workdir) as temporary:
        work = Path(temporary)
        model = work / "knn.skops"
        print(f"writing a {args.size_mb} MB model (KNeighborsClassifier, brute force)...")
        write_model(model, args.size_mb)
        size = model.stat().st_size
        expected = sha256(model)
        print(f"{model.name}: {size / MB:.1f} MB, sha256 {expected[:16]}...")
        body = work / "commit.ndjson"
        write_commit_body(size, "raw.skops", body)
        print(f"server: {binary} ({args.store} store); workdir {work}")
        print(f"client: huggingface_hub {huggingface_hub.__version__}")
        runs = []
        for index in tqdm(range(args.repeat), desc="repetitions", unit="run"):
            runs.append(one_run(index, model, expected, body, work, binary, args))

    def rate(seconds: float) -> float:
        return size / MB / seconds

    print(f"\nmachine: {machine()}")
    print(f"file: {size / MB:.1f} MB; {len(runs)} repetitions, fresh server and cache each\n")
    columns = ("run", "upload", "download", "copy", "server up", "server down", "peak RSS")
    widths = (5, 12, 12, 12, 12, 12, 11)
    print(" ".join(f"{name:>{width}}" for name, width in zip(columns, widths, strict=True)))
    for index, run in enumerate(runs):
        cells = [rate(s) for s in (run.upload, run.download, run.copy)]
        cells += [rate(run.raw_upload), rate(run.raw_download)]
        print(
            f"{index:>5} "
            + " ".join(f"{cell:>7.1f} MB/s" for cell in cells)
            + f" {run.peak_rss_kb / 1024:>7.1f} MiB"
        )

    def median_rate(seconds: list[float]) -> float:
        return statistics.median(rate(s) for s in seconds)

    upload = median_rate([r.upload for r in runs])
    download = median_rate([r.download for r in runs])
    copy = median_rate([r.copy for r in runs])
    raw_up = median_rate([r.raw_upload for r in runs])
    raw_down = median_rate([r.raw_download for r in runs])
    peak = statistics.median(r.peak_rss_kb for r in runs) / 1024
    hwm = statistics.median(r.hwm_kb for r in runs) / 1024
    idle = statistics.median(r.idle_rss_kb for r in runs) / 1024
    print(
        f"\nmedian: upload {upload:.1f} MB/s ({upload / copy:.3f}x copy), "
        f"download {download:.1f} MB/s ({download / copy:.3f}x copy), copy {copy:.1f} MB/s"
    )
    print(
        f"server alone (stdlib client): upload {raw_up:.1f} MB/s ({raw_up / copy:.3f}x copy), "
        f"download {raw_down:.1f} MB/s ({raw_down / copy:.3f}x copy)"
    )
    print(
        f"server memory during the upload: peak RSS {peak:.1f} MiB (VmHWM {hwm:.1f} MiB; "
        f"{idle:.1f} MiB idle before it), for a {size / MB:.0f} MB file"
    )
    # Below ~100 MB the server's fixed footprint (~7 MiB idle) and its bounded buffers are
    # the same size as the file: the comparison says nothing there.
    if size < 100 * MB:
        print("bounded memory: not judged (a file under 100 MB)")
        return 0
    bounded = max(r.hwm_kb for r in runs) * 1024 < size / 2
    print(f"bounded memory (peak below half the file size): {'yes' if bounded else 'NO'}")
    return 0 if bounded else 1


if __name__ == "__main__":
    sys.exit(main())
