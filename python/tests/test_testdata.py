"""The committed hostile files and the generated fixtures are complete and consistent."""

import json
import zipfile
from pathlib import Path

from skops_rs._skops_rs import error_kinds

ROOT = Path(__file__).resolve().parent.parent.parent
MALICIOUS = ROOT / "testdata" / "malicious"
#: What `cases.json` may expect: an error kind of the crates, the clean control, or untrusted.
EXPECTED = {*error_kinds(), "ok", "untrusted"}


def test_every_malicious_file_has_a_case_and_is_small():
    cases = json.loads((MALICIOUS / "cases.json").read_text(encoding="utf-8"))
    files = {path.name for path in MALICIOUS.glob("*.skops")}
    assert files == set(cases)
    for name, case in cases.items():
        assert case["expect"] in EXPECTED, name
        assert case["problem"], name
        assert (MALICIOUS / name).stat().st_size < 100_000, name


def test_malicious_readme_lists_every_file():
    readme = (MALICIOUS / "README.md").read_text(encoding="utf-8")
    for path in MALICIOUS.glob("*.skops"):
        assert f"`{path.name}`" in readme


def test_skops_itself_refuses_every_hostile_file_it_can_notice():
    # Recorded by make_malicious.py; the control must load, the untrusted ones must be refused.
    cases = json.loads((MALICIOUS / "cases.json").read_text(encoding="utf-8"))
    assert cases["baseline.skops"]["python_skops"] == "loads"
    for name, case in cases.items():
        if case["expect"] == "untrusted":
            assert case["python_skops"] == "UntrustedTypesFoundException", name


def test_fixture_manifest_matches_the_files(fixtures_dir):
    manifest = json.loads((fixtures_dir / "manifest.json").read_text(encoding="utf-8"))
    kinds = {entry["kind"] for entry in manifest["files"]}
    assert kinds == {"estimator", "composite", "object"}
    for entry in manifest["files"]:
        with zipfile.ZipFile(fixtures_dir / entry["path"]) as archive:
            schema = json.loads(archive.read("schema.json"))
        assert schema["protocol"] == 2, entry["path"]
        assert sum(entry["loader_counts"].values()) >= 1, entry["path"]
    names = {entry["name"] for entry in manifest["files"]}
    for expected in ("LogisticRegression", "HistGradientBoostingClassifier", "IterativeImputer"):
        assert expected in names
