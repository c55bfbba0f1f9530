#!/usr/bin/env bash
# cargo-fuzz helper. `bash scripts/fuzz.sh check` type-checks every target without cargo-fuzz
# or a sanitizer build (CI does this: the instrumented build costs minutes and catches nothing
# more about the targets' code); `bash scripts/fuzz.sh build` builds them instrumented;
# `bash scripts/fuzz.sh run SECONDS` runs `open_and_audit` for that long, seeded with the
# fixtures written by skops and the hostile files in testdata/malicious;
# `bash scripts/fuzz.sh cards SECONDS` runs `card_round_trip` (parse -> render -> parse of
# model cards) for that long, seeded with skops' example cards and the committed test cards.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-build}" = check ]; then
    exec cargo check --manifest-path fuzz/Cargo.toml --locked --bins -q
fi
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain accept them.
export RUSTC_BOOTSTRAP=1
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    cargo install --locked cargo-fuzz@0.13.2
fi
case "${1:-build}" in
    build)
        cargo fuzz build --fuzz-dir fuzz -O
        ;;
    run)
        seconds="${2:-60}"
        corpus=fuzz/corpus/open_and_audit
        mkdir -p "$corpus"
        # Seed with small real files (the fuzzer mutates from there).
        find testdata/malicious testdata/generated crates/skops-trust/tests/data/validate \
            -name '*.skops' -size -64k 2>/dev/null \
            | head -450 | xargs -r -I{} cp {} "$corpus"/ 2>/dev/null || true
        cargo fuzz run --fuzz-dir fuzz -O open_and_audit "$corpus" -- \
            -max_total_time="$seconds" -max_len=262144 -rss_limit_mb=2048 -timeout=10
        ;;
    cards)
        seconds="${2:-60}"
        corpus=fuzz/corpus/card_round_trip
        mkdir -p "$corpus"
        # Seed with real cards (skops' examples, in the venv if set up; the CLI's test cards)
        # and fuzz/seeds/cards (every line-ending convention, anchors, duplicate headings).
        find .venv/lib/*/site-packages/skops/card/tests/examples crates/skops-cli/tests/data/card \
            fuzz/seeds/cards -name '*.md' -size -64k 2>/dev/null \
            | xargs -r -I{} cp {} "$corpus"/ 2>/dev/null || true
        cargo fuzz run --fuzz-dir fuzz -O card_round_trip "$corpus" -- \
            -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=10
        ;;
    *)
        echo "usage: scripts/fuzz.sh build | run SECONDS | cards SECONDS" >&2
        exit 2
        ;;
esac
