#!/usr/bin/env bash
# The main demo: build, write real .skops files with skops 0.16, inspect and audit them.
# Usage: bash scripts/demo.sh        (from a fresh clone; creates .venv on first use)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python python/demo.py "$@"
