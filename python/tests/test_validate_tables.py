"""The validator tables (`crates/skops-trust/tests/data/validate/*.json`, format in the README.md
there), through the Python package: each case's edited file is refused by
`get_untrusted_types`, `loads` and `loads` with every type trusted, with the case's error kind;
or leaves exactly the case's types untrusted. Each base file, as it is and rewritten with no
edit, is audited as its table says. The Rust test `validate_tables.rs` runs the same cases."""

from __future__ import annotations

from typing import Any

import pytest
import skops.io as sio
import skops_rs.io as rio
from _tables import FOLDER, all_types, edited, tables
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException

TABLES = tables()
CASES = [
    pytest.param(family, case, id=f"{family}:{case['name']}")
    for family, table in TABLES.items()
    for case in table["cases"]
]
BASES = [
    pytest.param(family, name, id=f"{family}:{name}")
    for family, table in TABLES.items()
    for name in table["files"]
]


@pytest.mark.parametrize("family,case", CASES)
def test_each_case(family: str, case: dict[str, Any]):
    data = edited(TABLES[family], case["file"], case["edit"])
    if "kind" in case:
        for call in (
            lambda: rio.get_untrusted_types(data=data),
            lambda: rio.loads(data),
            lambda: rio.loads(data, trusted=all_types(data)),
        ):
            with pytest.raises(SkopsFormatError) as info:
                call()
            assert info.value.kind == case["kind"], str(info.value)
            assert case.get("message", "") in str(info.value)
    else:
        assert rio.get_untrusted_types(data=data) == case["untrusted"]
        if case["untrusted"]:
            with pytest.raises(UntrustedTypesFoundException):
                rio.loads(data)
        else:
            rio.loads(data)


@pytest.mark.parametrize("family,name", BASES)
def test_each_base_file(family: str, name: str):
    expected = TABLES[family]["files"][name]["untrusted"]
    assert rio.get_untrusted_types(file=FOLDER / name) == expected
    assert rio.get_untrusted_types(data=edited(TABLES[family], name, [])) == expected


@pytest.mark.parametrize(
    "family,name", [("binary_tree", "root-is-leaf"), ("svm_bspline", "rbf-support-vectors-rows")]
)
def test_skops_loads_a_crafted_file_it_has_no_reason_to_refuse(family: str, name: str):
    """The edits write files as skops writes them: skops 0.16 loads one whose broken invariant
    it does not check."""
    (case,) = [case for case in TABLES[family]["cases"] if case["name"] == name]
    data = edited(TABLES[family], case["file"], case["edit"])
    sio.loads(data, trusted=sio.get_untrusted_types(data=data))
