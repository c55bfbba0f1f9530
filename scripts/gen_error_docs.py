"""Write `docs/errors.md`: every error kind of the crates, by family, with what it means.

Usage: `python scripts/gen_error_docs.py [--check]`.

The kinds are the one vocabulary of errors (`kind()` in Rust, `SkopsFormatError.kind` and
`CardError.kind` in Python, the CLI's `--json` errors, test expectations,
`testdata/malicious/cases.json`). This script
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
    ("skops-hub", "the hub server (HTTP: the JSON `kind` of an error answer)"),
    (
        "skops-infer",
        "the native engine (Python: `UnsupportedModelError`, `InferenceInputError`, "
        "`InferenceMethodError`)",
    ),
    (
        "skops-serve",
        'the model server (HTTP: the `kind` of an `{"error", "kind"}` answer)',
    ),
    ("skops-cli", "the command line's own (`--json`: the `kind` of the `error` object)"),
]

_VARIANT = re.compile(r"^    ([A-Z][A-Za-z0-9]*)\b")
_TABLE = re.compile(r"error_kinds!\(\s*(\w+) / \w+ \{(.*?)\}", re.S)
_TABLE_ROW = re.compile(r"(\w+) => \"([a-z0-9-]+)\"")
_IMPL = re.compile(r"^impl (\w+) \{\n(.*?)^\}", re.M | re.S)
_ARM = re.compile(r"(?:Self|Error)::(\w+)(?: \{ \.\. \})? => \"([a-z0-9-]+)\"")


def enums(source: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """`(enum, its doc's first line, [(variant, first doc line)])` for each `pub enum`."""
    out = []
    lines = source.splitlines()
    for index, line in enumerate(lines):
        header = re.match(r"^pub enum (\w+) \{$", line)
        if not header:
            continue
        doc, back = [], index - 1
        while back >= 0 and lines[back].startswith(("#[", "///", "    ", ")")):
            if lines[back].startswith("///"):
                doc.insert(0, lines[back])
            back -= 1
        found, pending = [], []
        for body in lines[index + 1 :]:
            if body == "}":
                break
            if body.startswith("    /// "):
                pending.append(body[8:])
            elif variant := _VARIANT.match(body):
                found.append((variant.group(1), _first_line("\n".join(pending))))
                pending = []
            elif not body.startswith(("        ", "    #[", "    )")):
                pending = []
        out.append((header.group(1), _first_line("\n".join(doc)), found))
    return out


def _first_line(doc: str) -> str:
    text = " ".join(line.removeprefix("/// ").strip() for line in doc.splitlines())
    return text.split(". ")[0].rstrip(".") if text else ""


def kinds(source: str) -> dict[str, dict[str, str]]:
    """Enum -> variant -> kind, from `error_kinds!` tables and `kind()` match arms."""
    out: dict[str, dict[str, str]] = {}
    for match in _TABLE.finditer(source):
        out.setdefault(match.group(1), {}).update(_TABLE_ROW.findall(match.group(2)))
    for match in _IMPL.finditer(source):
        arms = _ARM.findall(match.group(2))
        if arms:
            out.setdefault(match.group(1), {}).update(arms)
    return out


def crate_sources(crate: str) -> list[str]:
    src = ROOT / "crates" / crate / "src"
    first = [src / "error.rs", src / "validate" / "error.rs"]
    rest = sorted(p for p in src.rglob("*.rs") if p not in first)
    return [p.read_text(encoding="utf-8") for p in first + rest if p.exists()]


def render() -> str:
    lines = [
        "# Error kinds",
        "",
        "Every refusal has a stable, kebab-case kind: `kind()` of the Rust error, `kind` of the",
        "Python exception (`SkopsFormatError`, `CardError`), the `expect` of",
        "`testdata/malicious/cases.json`. The CLI shows the message and a hint, and with",
        "`--json` the kind too (`docs/cli.md`). Written by `scripts/gen_error_docs.py` from the",
        "crates' error enums; do not edit by hand.",
        "",
        "A wrapper that only adds where a problem is (`FileError::MemberInvalid`,",
        "`NpzError::Member`) has the kind of what it wraps; a trust error of the file format",
        "(`Error::Format`) keeps the format's, and a CLI error about a file, card or hub",
        "(`CliError::File`, `Card`, `Hub`, `ServeModels`) the kind of the crate's error. The",
        "model server answers the engine's refusals of a model or a batch with the engine's",
        "`infer-*` kinds (HTTP statuses: `docs/serving.md`).",
    ]
    for crate, what in CRATES:
        lines += ["", f"## `{crate}`: {what}", ""]
        for source in crate_sources(crate):
            names = kinds(source)
            for enum, doc, found in enums(source):
                if not enum.endswith("Error"):
                    continue
                rows = [(v, d) for v, d in found if v in names.get(enum, {})]
                if not rows:
                    continue
                lines += ["", f"### `{enum}`: {doc}", "", "| kind | meaning |", "|---|---|"]
                for variant, meaning in rows:
                    meaning = meaning.replace("|", "\\|")
                    lines.append(f"| `{names[enum][variant]}` | {meaning} |")
    return "\n".join(_squeeze(lines)) + "\n"


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
