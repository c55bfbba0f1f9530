"""Write `docs/errors.md`: every error kind of the crates, by family, with what it means.

Usage: `python scripts/gen_error_docs.py [--check]`.

The kinds are the one vocabulary of errors (`kind()` in Rust, `SkopsFormatError.kind` and
`CardError.kind` in Python, test expectations, `testdata/malicious/cases.json`). This script
reads them from the crates' `error.rs` (each variant's first doc line, and the kind its
`ErrorKind::name`/`kind()` gives), so the page cannot drift from the code: with `--check` it
fails when the page is not what it would write (`python/tests/test_error_kinds.py` runs that).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "errors.md"
CRATES = [
    ("skops-format", "the file format (Python: `SkopsFormatError`)"),
    ("skops-trust", "the audit, validators and policies (Python: `SkopsFormatError`)"),
    ("skops-card", "model cards (Python: `CardError`)"),
]

_FAMILY = re.compile(r"^    // ----- (.+?) -+$")
_VARIANT = re.compile(r"^    ([A-Z][A-Za-z0-9]*)\b")
_KIND = re.compile(r'(?:Self|Error)::([A-Z][A-Za-z0-9]*)\b[^=\n]*=> (?:Some\()?"([a-z0-9-]+)"')


def variants(source: str) -> list[tuple[str, str, str]]:
    """`(family, variant, first doc line)` for each variant of `pub enum Error`."""
    body = source[source.index("pub enum Error {") :]
    body = body[: body.index("\n}\n")]
    family, doc, out = "", [], []
    for line in body.splitlines()[1:]:
        if match := _FAMILY.match(line):
            family = match.group(1)
        elif line.startswith("    /// "):
            doc.append(line[8:])
        elif match := _VARIANT.match(line):
            first = " ".join(doc).split(". ")[0].rstrip(".") if doc else ""
            out.append((family, match.group(1), first))
            doc = []
        elif not line.startswith(("        ", "    #[", "    )")):
            doc = []
    return out


def kinds(source: str) -> dict[str, str]:
    """Variant name -> kind, from the `name`/`kind` match arms (multi-line arms included)."""
    flat = re.sub(r'=>\s*\{?\s*(Some\()?"', r'=> \1"', source)
    return {variant: kind for variant, kind in _KIND.findall(flat)}


def render() -> str:
    lines = [
        "# Error kinds",
        "",
        "Every refusal has a stable, kebab-case kind: `kind()` of the Rust error, `kind` of the",
        "Python exception (`SkopsFormatError`, `CardError`), the `expect` of",
        "`testdata/malicious/cases.json`. The CLI shows the message and a hint. Written by",
        "`scripts/gen_error_docs.py` from the crates' `error.rs`; do not edit by hand.",
        "",
        "A wrapper that only adds where a problem is (`FileMemberInvalid`, `NpzMember`) has the",
        "kind of what it wraps; a trust error of the file format (`Format`) keeps the format's.",
    ]
    for crate, what in CRATES:
        source = (ROOT / "crates" / crate / "src" / "error.rs").read_text(encoding="utf-8")
        names = kinds(source)
        lines += ["", f"## `{crate}`: {what}", ""]
        family = None
        for group, variant, doc in variants(source):
            kind = names.get(variant)
            if kind is None:
                continue
            if group != family:
                family = group
                lines += ["", f"### {group}" if group else "### (general)", ""]
                lines += ["| kind | meaning |", "|---|---|"]
            meaning = doc.replace("|", "\\|")
            lines.append(f"| `{kind}` | {meaning} |")
    return "\n".join(line for line in _squeeze(lines)) + "\n"


def _squeeze(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if line == "" and out and out[-1] == "":
            continue
        out.append(line)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the page is stale")
    args = parser.parse_args()
    text = render()
    if args.check:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is stale: run python scripts/gen_error_docs.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
