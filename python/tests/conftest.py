"""Shared pytest fixtures: the `.skops` files written by skops 0.16 itself.

Also prints the compatibility matrix of `test_compat.py` (per-column counts) at the end.
"""

# isort: off
# Before anything imports skops.io: skops computes its default trusted estimator list once, at
# import, and lists HalvingGridSearchCV, HalvingRandomSearchCV and IterativeImputer only if
# these two modules were imported first (see fixtures/generate.py). The tests compare with it.
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.experimental import enable_iterative_imputer  # noqa: F401

# isort: on

import collections
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parent.parent.parent
GENERATOR = Path(__file__).resolve().parent / "fixtures" / "generate.py"


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    """Directory of generated fixtures (env `SKOPS_RS_FIXTURES`, default `testdata/generated`).

    Runs the generator when its manifest is missing (it is cheap when up to date, and does
    nothing then). The generator runs in its own interpreter because it must import sklearn's
    experimental modules before skops.io, which this process may already have imported.
    """
    directory = Path(os.environ.get("SKOPS_RS_FIXTURES", ROOT / "testdata" / "generated"))
    if not directory.is_absolute():
        directory = ROOT / directory
    manifest = directory / "manifest.json"
    if not manifest.exists():
        subprocess.run(
            [sys.executable, str(GENERATOR), "--out", str(directory), "--quiet"], check=True
        )
    json.loads(manifest.read_text(encoding="utf-8"))  # fails loudly if it is not complete
    return directory


# The test command (scripts/test.sh, so CI) runs property tests with a fixed seed: a CI run
# fails for a change, not for a lucky draw. Run pytest without it to explore new examples;
# a failure found that way becomes an explicit test.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("HYPOTHESIS_PROFILE"):
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """OpenMP/BLAS on one thread: the fits are tiny, and the 2-core machine is shared."""
    with threadpool_limits(limits=1):
        yield


# ----- compatibility matrix summary (test_compat.py) -----------------------------------------

COMPAT_COLUMNS = {
    "a": "skops_rs dump -> skops load",
    "b": "skops dump -> skops_rs load",
    "c": "skops_rs round trip",
    "d": "get_untrusted_types agree",
}
_COMPAT_TEST = re.compile(r"test_compat\.py::test_([abcd])_")
_compat_counts: dict[str, collections.Counter[str]] = {
    column: collections.Counter() for column in COMPAT_COLUMNS
}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Count the outcome of each matrix cell (call phase, or a setup that did not pass)."""
    match = _COMPAT_TEST.search(report.nodeid)
    if match is None:
        return
    if report.when == "call" or (report.when == "setup" and not report.passed):
        if hasattr(report, "wasxfail"):
            outcome = "xfail" if report.skipped else "fail"  # a strict XPASS fails
        elif report.passed:
            outcome = "pass"
        elif report.skipped:
            outcome = "skip"
        else:
            outcome = "fail"
        _compat_counts[match.group(1)][outcome] += 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the per-column counts of the compatibility matrix and the native-prediction
    parity counts per estimator class, for what ran."""
    _parity_summary(terminalreporter)
    if not any(_compat_counts.values()):
        return
    terminalreporter.section("skops 0.16 compatibility matrix")
    terminalreporter.write_line(f"{'column':<36} {'pass':>6} {'fail':>6} {'xfail':>6} {'skip':>6}")
    for column, title in COMPAT_COLUMNS.items():
        counts = _compat_counts[column]
        terminalreporter.write_line(
            f"{f'({column}) {title}':<36} {counts['pass']:>6} {counts['fail']:>6} "
            f"{counts['xfail']:>6} {counts['skip']:>6}"
        )


def _parity_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Native prediction against scikit-learn: exact / within-bound / mismatch cases per
    estimator class (`_infer.compare`)."""
    from _infer import PARITY_COUNTS

    if not PARITY_COUNTS:
        return
    terminalreporter.section("native prediction parity with scikit-learn (cases)")
    terminalreporter.write_line(f"{'estimator':<36} {'exact':>7} {'within':>7} {'mismatch':>9}")
    total: collections.Counter[str] = collections.Counter()
    for name in sorted(PARITY_COUNTS):
        counts = PARITY_COUNTS[name]
        total.update(counts)
        terminalreporter.write_line(
            f"{name:<36} {counts['exact']:>7} {counts['within']:>7} {counts['mismatch']:>9}"
        )
    terminalreporter.write_line(
        f"{'total':<36} {total['exact']:>7} {total['within']:>7} {total['mismatch']:>9}"
    )
