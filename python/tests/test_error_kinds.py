"""The error kinds are one vocabulary: defined once in the crates (`kind()`), listed in
`docs/errors.md` (written from the crates by `scripts/gen_error_docs.py`), every kind a test,
`testdata/malicious/cases.json`, a doc page or the code names is one of them, and every kind
the crates define is expected by some test: no kind appears in only one place."""

from __future__ import annotations

import functools
import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from skops_rs._skops_rs import error_kinds

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs" / "errors.md"
THIS = Path(__file__).resolve()

# A kind of the format, trust and hub layers and of the command line, as code writes it: a
# quoted literal with a family prefix (cards' kinds are checked against the card section of
# the page). The hub's route `validate-yaml` is no kind.
_FORMAT_LITERAL = re.compile(
    r"[\"'`]((?!validate-yaml[\"'`])(?:io|limit-exceeded|(?:zip|json|npy|npz|schema|file|audit|policy|validate|"
    r"visualize|request|path|auth|conflict|store|page|cli|infer)-[a-z0-9-]+|"
    r"(?:repo|revision|entry|route)-not-found))[\"'`]"
)
CRATES = (
    "skops-format",
    "skops-trust",
    "skops-card",
    "skops-hub",
    "skops-infer",
    "skops-serve",
    "skops-cli",
)
_CARD_KIND = re.compile(r"(?:value|error|exc|err)\.kind\s*==\s*[\"']([a-z0-9-]+)[\"']")


def _documented(section: str) -> list[str]:
    text = DOCS.read_text(encoding="utf-8")
    start = text.index(f"## `{section}`")
    end = text.find("\n## ", start + 1)
    body = text[start : end if end != -1 else len(text)]
    return re.findall(r"^\| `([a-z0-9-]+)` \|", body, flags=re.M)


def test_the_page_of_kinds_is_written_from_the_crates():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_error_docs.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_every_kind_is_documented_once_and_nothing_else():
    kinds = error_kinds()
    assert len(kinds) == len(set(kinds))
    documented = _documented("skops-format") + _documented("skops-trust")
    assert sorted(documented) == sorted(kinds)


def _test_sources() -> list[Path]:
    """The Python and Rust tests (integration tests, and unit tests inside the crates), the
    validator tables, the hostile files' cases and the CLI snapshots."""
    paths = [
        *(path for path in (ROOT / "python" / "tests").glob("*.py") if path != THIS),
        *(ROOT / "crates").glob("*/tests/**/*.rs"),
        *(ROOT / "crates").glob("*/tests/**/*.snap"),
        *(ROOT / "crates").glob("*/tests/**/*.txt"),
        *(ROOT / "crates" / "skops-trust" / "tests" / "data" / "validate").glob("*.json"),
        ROOT / "testdata" / "malicious" / "cases.json",
        *(path for path in (ROOT / "crates").glob("*/src/**/*.rs") if _unit_tests(path)),
    ]
    return sorted(path for path in paths if path.is_file())


def _unit_tests(path: Path) -> str:
    """The unit tests of a crate's source file: a `tests.rs`, or what follows its
    `#[cfg(test)]` (a module's tests come last)."""
    text = path.read_text(encoding="utf-8")
    if path.name == "tests.rs":
        return text
    start = text.find("#[cfg(test)]")
    return text[start:] if start != -1 else ""


def _test_text(path: Path) -> str:
    return _unit_tests(path) if "src" in path.relative_to(ROOT).parts else path.read_text("utf-8")


def _sources_naming_kinds() -> list[Path]:
    """The tests, the Python package, the crates' code and the doc pages: every place that
    may write a kind by hand."""
    paths = [
        *_test_sources(),
        *(ROOT / "python" / "skops_rs").rglob("*.py"),
        *(ROOT / "crates").glob("*/src/**/*.rs"),
        *(path for path in (ROOT / "docs").glob("*.md") if path != DOCS),
    ]
    return sorted({path for path in paths if path.is_file()})


def test_every_kind_a_test_expects_exists():
    kinds = (
        set(error_kinds())
        | set(_documented("skops-hub"))
        | set(_documented("skops-infer"))
        | set(_documented("skops-cli"))
    )
    card_kinds = set(_documented("skops-card"))
    unknown = []
    sources = _sources_naming_kinds()
    assert any(path.suffix == ".rs" for path in sources)
    assert any(path.suffix == ".json" for path in sources)
    assert any(path.suffix == ".md" for path in sources)
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for match in _FORMAT_LITERAL.finditer(text):
            if match.group(1) not in kinds and match.group(1) not in card_kinds:
                unknown.append(f"{path.relative_to(ROOT)}: {match.group(1)}")
        if "card" in path.name:
            for match in _CARD_KIND.finditer(text):
                if match.group(1) not in card_kinds | kinds:
                    unknown.append(f"{path.name}: {match.group(1)}")
    assert not unknown, unknown


def test_every_hostile_file_expects_a_kind():
    cases = json.loads((ROOT / "testdata" / "malicious" / "cases.json").read_text("utf-8"))
    allowed = {*error_kinds(), "ok", "untrusted"}
    assert {case["expect"] for case in cases.values()} <= allowed


# Kinds no test can provoke, and why. The test below fails when one of them is expected by a
# test after all (it then leaves this table) or is no longer defined.
UNPROVOKED = {
    "zip-allocation": "the allocator refusing a buffer of a size the limits allow",
    "zip-compression": "the deflate compressor failing while it writes into memory",
    "npy-header-too-large": "writing an `.npy` header of more than 4 GiB",
    "request-interrupted": "the client is gone: no answer reaches anybody",
    "conflict-contention": "a store losing every compare-and-swap of a commit's retries",
    "page-audit-aborted": "a model page's audit task panicking (a bug) or being cancelled",
    "page-build-aborted": "a served model's build task panicking (a bug) or being cancelled",
    # Not provokable yet: no class the engine supports today has such an option or encoder;
    # the families that bring one test it (and then remove it from here).
    "infer-unsupported-option": "a supported class with an option the engine refuses",
    "serve-internal": "a prediction task panicking (a bug) or being cancelled",
    "serve-bind": "the address in use or not allowed: the CLI reports it as text, no kind",
}


@functools.cache
def _test_texts() -> dict[Path, str]:
    return {path: _test_text(path) for path in _test_sources()}


@functools.cache
def _generator() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_error_docs", ROOT / "scripts" / "gen_error_docs.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _variants(crate: str) -> dict[str, list[str]]:
    """Each kind of `crate` with its Rust variants (`ZipError::CrcMismatch`), as
    `scripts/gen_error_docs.py` reads them from the crate."""
    generator = _generator()
    out: dict[str, list[str]] = {}
    for source in generator.crate_sources(crate):
        for enum, variants in generator.kinds(source).items():
            if enum.endswith("Error"):
                for variant, kind in variants.items():
                    out.setdefault(kind, []).append(f"{enum}::{variant}")
    return out


def _expected_by_a_test(crate: str, kind: str, variants: list[str], texts: dict[Path, str]) -> bool:
    """Whether a test names `kind` (a quoted literal), or a Rust test of the crate matches one
    of its variants (a plain `Error::` only counts inside the crate: every crate has one)."""
    literal = re.compile(rf"[\"'`]{re.escape(kind)}[\"'`]")
    patterns = [re.compile(rf"\b{re.escape(variant)}\b") for variant in variants]
    for path, text in texts.items():
        if literal.search(text):
            return True
        if path.suffix == ".rs":
            inside = path.is_relative_to(ROOT / "crates" / crate)
            for variant, pattern in zip(variants, patterns, strict=True):
                if (inside or not variant.startswith("Error::")) and pattern.search(text):
                    return True
    return False


def test_every_kind_is_expected_by_a_test_and_documented():
    texts = _test_texts()
    assert any("cases.json" in path.name for path in texts)
    assert any(path.name == "tests.rs" for path in texts)
    untested, documented = [], set()
    for crate in CRATES:
        variants = _variants(crate)
        documented.update(_documented(crate))
        assert sorted(variants) == sorted(_documented(crate)), crate
        for kind, names in sorted(variants.items()):
            if not _expected_by_a_test(crate, kind, names, texts) and kind not in UNPROVOKED:
                untested.append(f"{crate}: {kind} ({', '.join(names)})")
    assert not untested, untested
    for kind in UNPROVOKED:
        assert kind in documented, kind


@pytest.mark.parametrize("kind", sorted(UNPROVOKED))
def test_an_unprovoked_kind_is_tested_nowhere(kind):
    texts = _test_texts()
    crate = next(crate for crate in CRATES if kind in _documented(crate))
    assert not _expected_by_a_test(crate, kind, _variants(crate)[kind], texts), (
        f"{kind} is expected by a test now: remove it from UNPROVOKED"
    )
