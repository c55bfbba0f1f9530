#!/usr/bin/env bash
# Installs Chromium and chromedriver from the distribution's packages when either is missing:
# python/tests/test_hub_pages_browser.py drives them (it fails, never skips, without them).
# Idempotent and quick when both are there. Used by test.sh (the demo needs no browser).
set -euo pipefail

if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup_browser: no apt-get here: install Chromium and chromedriver by hand" >&2
    exit 1
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
# `apt-get update` only when the package lists do not offer both packages yet.
policy="$(apt-cache policy chromium chromium-driver 2>/dev/null || true)"
if [ "$(grep -c 'Candidate: [0-9]' <<<"$policy")" != 2 ]; then
    $SUDO apt-get update -qq
fi
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
command -v chromium >/dev/null && command -v chromedriver >/dev/null
