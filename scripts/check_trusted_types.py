"""Check that `crates/skops-trust/data/trusted-types.json` matches the live environment.

Usage: `python scripts/check_trusted_types.py`. Regenerates the file into a temporary location
with `gen_trusted_types.py` and diffs it against the committed one; exits 1 on any drift (for
example after upgrading skops, scikit-learn, numpy or scipy), printing the diff and the fix.
"""

import difflib
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = ROOT / "crates" / "skops-trust" / "data" / "trusted-types.json"
GENERATOR = ROOT / "scripts" / "gen_trusted_types.py"


def main() -> int:
    """Return 0 when the committed file is current, 1 when it drifted, 2 on errors."""
    with tempfile.TemporaryDirectory() as tmp:
        fresh_path = Path(tmp) / "trusted-types.json"
        # A separate interpreter: the generator's import order (experimental sklearn modules
        # before skops.io) must not depend on what this process imported.
        result = subprocess.run(
            [sys.executable, str(GENERATOR), "--out", str(fresh_path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            sys.stderr.write(result.stdout + result.stderr)
            print(f"error: {GENERATOR.name} failed with exit code {result.returncode}")
            return 2
        fresh = fresh_path.read_text(encoding="utf-8")
    try:
        committed = COMMITTED.read_text(encoding="utf-8")
    except FileNotFoundError:
        committed = ""
    if fresh == committed:
        print(f"{COMMITTED.relative_to(ROOT)} is up to date")
        return 0
    sys.stdout.writelines(
        difflib.unified_diff(
            committed.splitlines(keepends=True),
            fresh.splitlines(keepends=True),
            fromfile=f"{COMMITTED.relative_to(ROOT)} (committed)",
            tofile="live environment",
        )
    )
    print(
        f"\nerror: {COMMITTED.relative_to(ROOT)} drifted; run: python {GENERATOR.relative_to(ROOT)}"
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
