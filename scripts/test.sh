#!/usr/bin/env bash
# Runs every test: Rust (fmt, clippy, unit, integration, fixtures), fuzz targets, Python.
# Usage: bash scripts/test.sh        (from a fresh clone; creates .venv on first use)
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

# Each step prints the seconds the previous one took, so a slow CI run shows where time went.
start=$SECONDS
last=$SECONDS
step() {
    printf '\n(%ds; %ds in all)\n==> %s\n' "$((SECONDS - last))" "$((SECONDS - start))" "$*"
    last=$SECONDS
}
trap 'printf "\n(%ds; %ds in all)\n" "$((SECONDS - last))" "$((SECONDS - start))"' EXIT

step "set-up (venv, pinned packages, extension)"
bash scripts/setup.sh

step "set-up (Chromium and chromedriver for the model-page browser test)"
bash scripts/setup_browser.sh
step "set-up (wrk, the load generator of the serving load test)"
bash scripts/setup_loadtest.sh

# MLServer, the serving load test's peer, installs into its own venv while Rust compiles (pip
# waits on the network most of that time); pytest waits for it.
mkdir -p target
.venv/bin/python python/benchmarks/serving.py --install-only > target/mlserver-install.log 2>&1 &
mlserver_install=$!

step "cargo fmt"
cargo fmt --all -- --check

step "cargo clippy"
cargo clippy --workspace --all-targets -q -- -D warnings

step "cargo doc (no broken links)"
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps -q

step "fixtures written by skops 0.16 itself"
.venv/bin/python python/tests/fixtures/generate.py --out testdata/generated

step "cargo test"
SKOPS_RS_FIXTURES="$PWD/testdata/generated" SKOPS_RS_REQUIRE_FIXTURES=1 \
    cargo test --workspace -q 2>&1 | tee target/cargo-test.log
grep -q '^test result: ok' target/cargo-test.log

step "fuzz targets compile"
bash scripts/fuzz.sh check

step "ruff"
.venv/bin/ruff check python scripts
.venv/bin/ruff format --check python scripts

step "trusted-type tables match the pinned environment"
.venv/bin/python scripts/check_trusted_types.py

step "skops 0.16's own io tests against skops_rs.io (docs/compat.md)"
.venv/bin/python scripts/skops_suite.py -q --disable-warnings

step "huggingface_hub 0.36.2, the requests-based client, for the hub conformance tests"
bash scripts/setup_hf036.sh

step "pytest"
wait "$mlserver_install" || { cat target/mlserver-install.log; exit 1; }
# The `skops-rs` that `cargo test` has just built: a build of the CLI alone (`cargo build -p
# skops-cli`, what the benchmarks would run) resolves other dependency features and compiles
# most of the dependency tree a second time.
SKOPS_RS_FIXTURES="$PWD/testdata/generated" HYPOTHESIS_PROFILE=ci \
    SKOPS_RS_BIN="$PWD/target/debug/skops-rs" \
    .venv/bin/python -m pytest -q --durations=15 python/tests
