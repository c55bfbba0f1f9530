#!/usr/bin/env bash
# The main demo: train a model, save it with skops_rs, inspect and audit it, load it back
# with no trusted list, load the same file with skops 0.16, write its model card (evaluation
# and plots, bound to the file) that `skops-rs card check` passes, then push it to a local
# `skops-rs hub serve` with skops_rs.hub_utils, download it into a fresh folder, load it with
# no trusted list, and print its model page's URL and the audit shown there.
# Usage: bash scripts/demo.sh        (from a fresh clone; creates .venv on first use)
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python python/demo.py "$@"
