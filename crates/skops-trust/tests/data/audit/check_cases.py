"""Compare the Rust audit cases with skops 0.16 itself.

Usage (from the repository root):

    SKOPS_RS_EXPORT_AUDIT_CASES=/tmp/audit-cases \
        cargo test -p skops-format --lib export_cases_for_python -- --ignored
    python crates/skops-trust/tests/data/audit/check_cases.py /tmp/audit-cases

For each case, skops builds the tree with the case's `trusted` list and reports
`get_unsafe_set() - set(trusted)` (what `audit_tree` refuses); it must equal the `untrusted` list
of the Rust case. Exits non-zero listing every mismatch.
"""

import io
import json
import sys
import zipfile
from pathlib import Path

from skops.io._audit import get_tree
from skops.io._utils import LoadContext


def unsafe(path: Path, trusted: list[str]) -> list[str]:
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
        context = LoadContext(src=archive, protocol=schema["protocol"])
        tree = get_tree(schema, context, trusted=trusted or None)
        return sorted(tree.get_unsafe_set() - set(trusted))


def main() -> int:
    directory = Path(sys.argv[1])
    cases = json.loads((directory / "cases.json").read_text(encoding="utf-8"))
    failures = []
    for name, case in cases.items():
        try:
            found = unsafe(directory / f"{name}.skops", case["trusted"])
        except Exception as exc:  # reported as a mismatch
            found = f"{type(exc).__name__}: {exc}"
        if found != case["untrusted"]:
            failures.append(f"{name}: skops {found!r}, rust {case['untrusted']!r}")
    print(f"{len(cases) - len(failures)}/{len(cases)} cases agree with skops")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
