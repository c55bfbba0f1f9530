"""The error kinds are one vocabulary: defined once in the crates (`kind()`), listed in
`docs/errors.md` (written from the crates by `scripts/gen_error_docs.py`), and every kind a
test or `testdata/malicious/cases.json` expects is one of them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from skops_rs._skops_rs import error_kinds

ROOT = Path(__file__).resolve().parent.parent.parent
DOCS = ROOT / "docs" / "errors.md"

# A kind of the format and trust layers, as tests write it: a quoted literal with a family
# prefix (cards' kinds are checked against the card section of the page).
_FORMAT_LITERAL = re.compile(
    r"[\"']((?:io|limit-exceeded|(?:zip|json|npy|npz|schema|file|audit|policy|validate|"
    r"visualize)-[a-z0-9-]+))[\"']"
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


def _sources_naming_kinds() -> list[Path]:
    """The Python and Rust tests, the validator tables, the Python package and the CLI
    snapshots: every place that may write a kind by hand."""
    paths = [
        *(ROOT / "python" / "tests").glob("*.py"),
        *(ROOT / "python" / "skops_rs").rglob("*.py"),
        *(ROOT / "crates").glob("*/tests/**/*.rs"),
        *(ROOT / "crates").glob("*/tests/**/*.snap"),
        *(ROOT / "crates").glob("*/tests/**/*.txt"),
        *(ROOT / "crates" / "skops-trust" / "tests" / "data" / "validate").glob("*.json"),
    ]
    return sorted(path for path in paths if path.is_file())


def test_every_kind_a_test_expects_exists():
    kinds = set(error_kinds())
    card_kinds = set(_documented("skops-card"))
    unknown = []
    sources = _sources_naming_kinds()
    assert any(path.suffix == ".rs" for path in sources)
    assert any(path.suffix == ".json" for path in sources)
    for path in sources:
        text = path.read_text(encoding="utf-8")
        for match in _FORMAT_LITERAL.finditer(text):
            if match.group(1) not in kinds and match.group(1) not in card_kinds:
                unknown.append(f"{path.name}: {match.group(1)}")
        if "card" in path.name:
            for match in _CARD_KIND.finditer(text):
                if match.group(1) not in card_kinds | kinds:
                    unknown.append(f"{path.name}: {match.group(1)}")
    assert not unknown, unknown


def test_every_hostile_file_expects_a_kind():
    cases = json.loads((ROOT / "testdata" / "malicious" / "cases.json").read_text("utf-8"))
    allowed = {*error_kinds(), "ok", "untrusted"}
    assert {case["expect"] for case in cases.values()} <= allowed
