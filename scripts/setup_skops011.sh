#!/usr/bin/env bash
# Installs skops 0.11.0 into .venv-skops011 (a `pip --target` folder, put first on PYTHONPATH
# by the hub_utils parity tests, so that it shadows the skops 0.16 of .venv there). Without
# dependencies: they come from .venv (see python/requirements-skops011.txt). Idempotent, cached
# by a stamp like setup.sh. Called by setup.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

target=.venv-skops011
stamp="$target/.requirements-installed"
if [ -f "$stamp" ] && cmp -s python/requirements-skops011.txt "$stamp"; then
    exit 0
fi
rm -rf "$target"
.venv/bin/pip install --disable-pip-version-check -q --no-deps --target "$target" \
    -r python/requirements-skops011.txt
cp python/requirements-skops011.txt "$stamp"
