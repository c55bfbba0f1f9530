#!/usr/bin/env bash
# The main demo: train a model, save it with skops_rs, inspect and audit it, load it back
# with a reviewed trusted list, load the same file with skops 0.16, and write its model card
# (evaluation and plots, bound to the file) that `skops-rs card check` passes.
# Usage: bash scripts/demo.sh        (from a fresh clone; creates .venv on first use)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python python/demo.py "$@"
