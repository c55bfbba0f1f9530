#!/usr/bin/env bash
# Installs wrk, the load generator of python/benchmarks/serving.py (the serving load test and
# its smoke run in the tests), from the distribution's packages when it is missing. Idempotent.
# MLServer, the peer it is compared with, is installed by the script itself (.venv-mlserver).
set -euo pipefail

if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_loadtest: no apt-get here: install wrk by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
if ! apt-cache policy wrk 2>/dev/null | grep -q 'Candidate: [0-9]'; then
    $SUDO apt-get update -qq
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
command -v wrk >/dev/null
