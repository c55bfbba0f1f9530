"""Run skops 0.16's own io tests against `skops_rs.io` (a conformance check).

Usage: `python scripts/skops_suite.py [pytest arguments...]` (run by scripts/test.sh).

Fetches skops' source distribution from PyPI (pinned version and sha256; cached under
`target/skops-suite/`), extracts its io tests, rebinds skops' public API in them to skops_rs
and runs them with pytest. Rebinding rewrites only the import statements that name the public
API: `from skops.io import dump, ...`, `from skops.io.exceptions import ...` and
`import skops.io as sio` (whose uses must all be public names). The tests' other imports
(skops' internals: `_audit`, `_utils`, `get_state`...) stay skops', so those tests check that
files written by skops_rs are what skops' internals expect.

Tests that fail on a deliberate difference are listed in `EXPECTED_FAILURES` with the reason
(documented in docs/compat.md) and marked strict xfail: such a test that starts passing fails
the run, as does any other test that fails. Prints passed / xfailed / failed per file.
"""

from __future__ import annotations

import ast
import collections
import hashlib
import subprocess
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest
import tomllib

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "target" / "skops-suite"

SKOPS_VERSION = "0.16.0"
#: sha256 of skops-0.16.0.tar.gz as published on PyPI; a different file is refused.
SDIST_SHA256 = "58ddb63fed9f2a8545baa1a91c45c26d44cf65c83e2fd217541c41e411cf1d74"
SDIST_NAME = f"skops-{SKOPS_VERSION}.tar.gz"
PREFIX = f"skops-{SKOPS_VERSION}/"

#: The test files run, from `skops/io/tests/` in the sdist.
SUITE_FILES = ("test_persist.py", "test_audit.py", "test_visualize.py", "test_persist_old.py")
#: Support files copied as they are: sdist path -> name in the suite directory.
SUPPORT_FILES = {
    "skops/io/tests/_utils.py": "_utils.py",  # imported by the tests
    "skops/conftest.py": "conftest.py",  # fixtures such as `rich_not_installed`
}

#: skops' public API, rebound to skops_rs: module -> the names that may be imported from it.
PUBLIC_API = {
    "skops.io": {"dump", "dumps", "get_untrusted_types", "load", "loads", "visualize"},
    "skops.io.exceptions": {"UnsupportedTypeException", "UntrustedTypesFoundException"},
}
#: Modules renamed when rewriting imports (the test helpers are the sdist's own copy).
RENAMED_MODULES = {
    "skops.io": "skops_rs.io",
    "skops.io.exceptions": "skops_rs.io.exceptions",
    "skops.io.tests._utils": "_utils",
}

_TREES_VALIDATED = (
    "trusted by validation: skops_rs trusts a Tree / TreePredictor whose state its validator "
    "checked (docs/trust.md), so the file has no untrusted type where skops expects exactly one"
)
_TREES_LOAD = (
    "trusted by validation: loads(dumped) succeeds with no trusted list (the tree's state is "
    "validated, docs/trust.md), so there is no UntrustedTypesFoundException to explain the risk"
)

#: Tests of skops' suite that fail with skops_rs on purpose: node id -> why. Each is listed in
#: docs/compat.md; the run fails if one of them passes (strict xfail) or is not collected.
EXPECTED_FAILURES: dict[str, str] = {
    **{
        "test_persist.py::test_gradient_boosting_estimators_trust_internals_except_tree_types"
        f"[{case}]": _TREES_VALIDATED
        for case in (
            "GradientBoostingClassifier-log_loss-multiclass",
            "GradientBoostingClassifier-exponential",
            "GradientBoostingRegressor-squared_error",
            "GradientBoostingRegressor-absolute_error",
            "GradientBoostingRegressor-huber",
            "GradientBoostingRegressor-quantile",
            "HistGradientBoostingClassifier-log_loss",
            "HistGradientBoostingRegressor-gamma",
            "HistGradientBoostingRegressor-poisson",
        )
    },
    "test_persist.py::test_untrusted_tree_types_explain_the_risk"
    "[estimator0-sklearn.tree._tree.Tree]": _TREES_LOAD,
    "test_persist.py::test_untrusted_tree_types_explain_the_risk"
    "[estimator1-sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor]": _TREES_LOAD,
}


# ----- fetching and rewriting -----------------------------------------------------------------


def fetch_sdist() -> Path:
    """The pinned sdist, downloaded with pip into the cache when missing or not the pinned file."""
    target = CACHE / "sdist" / SDIST_NAME
    if not (target.exists() and _sha256(target) == SDIST_SHA256):
        target.unlink(missing_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--disable-pip-version-check",
                "-q",
                "--no-binary",
                ":all:",
                "--no-deps",
                f"skops=={SKOPS_VERSION}",
                "-d",
                str(target.parent),
            ],
            check=True,
        )
        digest = _sha256(target)
        if digest != SDIST_SHA256:
            raise SystemExit(f"error: {target} has sha256 {digest}, expected {SDIST_SHA256}")
    return target


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rebind(source: str, filename: str) -> str:
    """`source` with the imports of skops' public API pointed at skops_rs.

    Refuses (SystemExit) an import of a non-public name from a rebound module, and an
    `import skops.io as x` whose `x.name` uses are not all public, so a rewrite never mixes
    skops' and skops_rs' halves of one API silently.
    """
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []

    def edit(node: ast.stmt, old: str, new: str) -> None:
        start = offsets[node.lineno - 1] + node.col_offset
        end = offsets[node.end_lineno - 1] + node.end_col_offset  # type: ignore[operator]
        text = source[start:end]
        edits.append((start, end, text.replace(old, new, 1)))

    aliases: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in RENAMED_MODULES:
            allowed = PUBLIC_API.get(node.module)
            names = {alias.name for alias in node.names}
            if allowed is not None and not names <= allowed:
                raise SystemExit(
                    f"error: {filename}:{node.lineno} imports {sorted(names - allowed)} "
                    f"from {node.module}, which is not skops' public API"
                )
            edit(node, f"from {node.module} ", f"from {RENAMED_MODULES[node.module]} ")
        elif isinstance(node, ast.Import) and any(a.name == "skops.io" for a in node.names):
            if len(node.names) != 1 or node.names[0].asname is None:
                raise SystemExit(f"error: {filename}:{node.lineno}: unexpected import form")
            aliases.add(node.names[0].asname)
            edit(node, "import skops.io ", "import skops_rs.io ")
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        value = node.value
        if (
            isinstance(value, ast.Name)
            and value.id in aliases
            and node.attr not in PUBLIC_API["skops.io"]
        ):
            raise SystemExit(f"error: {filename}:{node.lineno} uses non-public {node.attr}")
        # `import skops` then `skops.io.dumps(...)` would bypass the rewritten imports.
        if (
            isinstance(value, ast.Attribute)
            and isinstance(value.value, ast.Name)
            and (value.value.id, value.attr) == ("skops", "io")
            and node.attr in PUBLIC_API["skops.io"] | {"exceptions"}
        ):
            raise SystemExit(f"error: {filename}:{node.lineno} uses skops.io.{node.attr}")
    for start, end, text in sorted(edits, reverse=True):
        source = source[:start] + text + source[end:]
    header = (
        f"# skops {SKOPS_VERSION}'s {filename}, rewritten by scripts/skops_suite.py: "
        "its public API is skops_rs.io.\n"
    )
    return header + source


def prepare() -> Path:
    """Write the rebound suite and its pytest configuration; return the suite directory."""
    sdist = fetch_sdist()
    suite = CACHE / "suite"
    suite.mkdir(parents=True, exist_ok=True)
    with tarfile.open(sdist) as archive:

        def read(member: str) -> str:
            extracted = archive.extractfile(PREFIX + member)
            if extracted is None:
                raise SystemExit(f"error: {member} is not a file in {sdist.name}")
            return extracted.read().decode("utf-8")

        for name in SUITE_FILES:
            text = rebind(read(f"skops/io/tests/{name}"), name)
            (suite / name).write_text(text, encoding="utf-8")
        for member, name in SUPPORT_FILES.items():
            text = read(member).replace("from skops.io.tests._utils ", "from _utils ")
            (suite / name).write_text(text, encoding="utf-8")
        config = tomllib.loads(read("pyproject.toml"))["tool"]["pytest"]["ini_options"]
    # skops' pytest settings (warnings as errors...) without its addopts (coverage, doctests).
    ini = ["[pytest]", "filterwarnings ="]
    ini.extend(f"    {entry}" for entry in config.get("filterwarnings", []))
    (suite / "pytest.ini").write_text("\n".join(ini) + "\n", encoding="utf-8")
    return suite


# ----- the pytest plugin: expected failures and the per-file tally -----------------------------


class Conformance:
    """Marks `EXPECTED_FAILURES` strict xfail and counts the outcomes per test file."""

    def __init__(self) -> None:
        self.counts: dict[str, collections.Counter[str]] = collections.defaultdict(
            collections.Counter
        )

    @pytest.hookimpl(tryfirst=True)  # before `-k`/`-m` deselect anything
    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        collected = {item.nodeid for item in items}
        files = {nodeid.split("::", 1)[0] for nodeid in collected}
        stale = sorted(
            nodeid
            for nodeid in set(EXPECTED_FAILURES) - collected
            if nodeid.split("::", 1)[0] in files
        )
        if stale:
            raise pytest.UsageError(f"EXPECTED_FAILURES names tests that do not exist: {stale}")
        for item in items:
            reason = EXPECTED_FAILURES.get(item.nodeid)
            if reason is not None:
                item.add_marker(pytest.mark.xfail(reason=reason, strict=True))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        """Count each test once: its failing phase, or its call phase, or a skip in setup."""
        if report.when != "call" and not (report.failed or report.skipped):
            return
        file = report.nodeid.split("::", 1)[0]
        if hasattr(report, "wasxfail"):
            # `xfailed`: one of ours; `skops xfail`: marked by skops itself, failing or not
            # (non-strict: skops' own run has one of them passing too).
            ours = report.nodeid in EXPECTED_FAILURES
            outcome = "xfailed" if ours and report.skipped else "skops xfail"
        elif report.failed:
            outcome = "failed"  # errors in setup/teardown and unexpected passes of ours too
        else:
            outcome = report.outcome
        self.counts[file][outcome] += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        columns = ("passed", "xfailed", "failed", "skipped", "skops xfail")
        terminalreporter.section(f"skops {SKOPS_VERSION} io tests against skops_rs.io")
        terminalreporter.line(f"{'file':<22}" + "".join(f"{c:>12}" for c in columns))
        for file in SUITE_FILES:
            counts = self.counts.get(file, collections.Counter())
            terminalreporter.line(f"{file:<22}" + "".join(f"{counts[c]:>12}" for c in columns))
        terminalreporter.line(
            "xfailed: intended differences (EXPECTED_FAILURES in scripts/skops_suite.py, "
            "docs/compat.md)"
        )


def main(argv: list[str]) -> int:
    """Run the suite; arguments naming a test (`test_audit.py`, `test_audit.py::test_x`) are
    taken in the suite directory, all others are passed to pytest as they are."""
    suite = prepare()
    args = ["-c", str(suite / "pytest.ini"), "--rootdir", str(suite), "-p", "no:cacheprovider"]
    selected = [str(suite / arg) for arg in argv if arg.split("::", 1)[0] in SUITE_FILES]
    options = [arg for arg in argv if arg.split("::", 1)[0] not in SUITE_FILES]
    # In file name order, as pytest collects skops' own run: test_persist.py's module fixture
    # `debug_dispatch_functions` leaves skops' node classes patched for test_audit.py.
    paths = selected or [str(suite / name) for name in sorted(SUITE_FILES)]
    return int(pytest.main([*args, *options, *paths], plugins=[Conformance()]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
