#!/usr/bin/env bash
# Creates .venv inside the checkout with the pinned test environment and builds the extension
# into it. Idempotent: re-running only re-installs what changed. Used by demo.sh and test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# Skip pip when the pinned requirements are already installed (saves a minute per run).
stamp=.venv/.requirements-installed
if [ ! -f "$stamp" ] || ! cmp -s python/requirements-test.txt "$stamp"; then
    .venv/bin/pip install --disable-pip-version-check -q -r python/requirements-test.txt
    cp python/requirements-test.txt "$stamp"
fi
# skops 0.11, the reference of the hub_utils tests (its own folder, next to .venv).
bash scripts/setup_skops011.sh
# Build the extension module and the package into the venv (release: the benchmarks need it).
VIRTUAL_ENV="$PWD/.venv" .venv/bin/maturin develop --release -q --manifest-path crates/skops-py/Cargo.toml
