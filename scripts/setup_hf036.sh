#!/usr/bin/env bash
# Installs huggingface_hub 0.36.2 (the last requests-based client) into .venv-hf036, a
# `pip --target` folder that the hub conformance tests of that client put first on PYTHONPATH,
# so that it shadows the huggingface_hub 2.4 of .venv there. Without dependencies: they come
# from .venv (see python/requirements-hf036.txt). Idempotent, cached by a stamp like setup.sh.
# Called by test.sh (and by the tests when the folder is missing).
set -euo pipefail
cd "$(dirname "$0")/.."

target=.venv-hf036
stamp="$target/.requirements-installed"
if [ -f "$stamp" ] && cmp -s python/requirements-hf036.txt "$stamp"; then
    exit 0
fi
rm -rf "$target"
.venv/bin/pip install --disable-pip-version-check -q --no-deps --target "$target" \
    -r python/requirements-hf036.txt
cp python/requirements-hf036.txt "$stamp"
