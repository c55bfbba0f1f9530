"""Red-team cases of the adversarial review (issue 9) against `OneHotEncoder`, which skops 0.16
trusts by default and `RandomTreesEmbedding` holds as `one_hot_encoder_`: `transform` builds a
CSR array from column indices it derives from the state and never checks, and `toarray()`
writes each entry at its column. A state whose output widths do not hold its categories
corrupts the heap (no trusted list needed); skops_rs now refuses it
(`validate-encoder-columns`, `validate-encoder-state`: the cases of the `encoders` table,
`test_validate_tables.py`), and real encoders of every option still load and transform as
fitted."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import (
    assert_dies_after_loading,
    fresh_id,
    json_node,
    rewrite_archive,
    run_python,
    set_attribute,
)
from sklearn.preprocessing import OneHotEncoder

Schema = dict[str, Any]
Members = dict[str, bytes]

ROWS = 100_000


def _list(values: list[int]) -> dict[str, Any]:
    return {
        "__class__": "list",
        "__module__": "builtins",
        "__loader__": "ListNode",
        "content": [json_node(value) for value in values],
        "__id__": fresh_id(),
    }


def _fit(encoder: OneHotEncoder, x: np.ndarray) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sio.dumps(encoder.fit(x))


DIGITS = np.arange(4).reshape(-1, 1)


def _narrow_outputs(schema: Schema, _: Members) -> None:
    # Four categories, one output column: categories 1..3 are written past each row.
    set_attribute(schema["content"], "_n_features_outs", _list([1]))


@pytest.fixture(scope="module")
def encoder() -> bytes:
    return _fit(OneHotEncoder(sparse_output=False, handle_unknown="ignore"), DIGITS)


def _transform_in_subprocess(path: Path, module: str) -> Any:
    code = textwrap.dedent(
        f"""
        import sys, numpy as np, {module} as io
        m = io.load(sys.argv[1])
        print("loaded", flush=True)
        m.transform(np.full(({ROWS}, 1), 3))
        """
    )
    return run_python(code, str(path))


def test_the_encoder_corrupts_the_heap_in_skops_and_is_refused_here(encoder, tmp_path):
    """skops 0.16 loads it with no trusted list; `transform` writes three columns past each
    one-column row and the allocator aborts the process. skops_rs refuses the file. (Unsorted
    categories write one item past the last row only: silent, refused all the same.)"""
    path = tmp_path / "encoder.skops"
    path.write_bytes(rewrite_archive(encoder, _narrow_outputs))
    assert_dies_after_loading(_transform_in_subprocess(path, "skops.io"))
    result = _transform_in_subprocess(path, "skops_rs.io")
    assert result.returncode == 1 and "validate" not in result.stdout
    assert "SkopsFormatError" in result.stderr


# ----- real encoders load and transform as fitted -----------------------------------------------

OBJECTS = np.array([["a", 1], ["b", 2], ["c", 3], ["a", 1], ["a", 2], ["b", 1]], dtype=object)
STRINGS = np.array([["b", "x"], ["a", "y"], ["c", "x"], ["a", "x"]])
FLOATS = np.array([[1.0, 2.0], [np.nan, 3.0], [2.0, 2.0], [0.5, np.nan], [1.0, 3.0]])
INTEGERS = np.random.default_rng(0).integers(0, 5, size=(30, 3))
# A column with one category: `drop="first"` leaves it no output column.
CONSTANT = np.array([[1, 5], [2, 5], [1, 5]])

INPUTS = {
    "objects": OBJECTS,
    "strings": STRINGS,
    "floats": FLOATS,
    "float32": FLOATS.astype(np.float32),
    "integers": INTEGERS,
    "constant": CONSTANT,
    "constant-last": CONSTANT[:, ::-1].copy(),
}
OPTIONS: dict[str, dict[str, Any]] = {
    "default": {},
    "drop-first": {"drop": "first"},
    "drop-if-binary": {"drop": "if_binary"},
    "max-categories": {"max_categories": 2, "handle_unknown": "infrequent_if_exist"},
    "min-frequency-drop": {
        "min_frequency": 2,
        "handle_unknown": "infrequent_if_exist",
        "drop": "first",
    },
    "ignore-dense": {"handle_unknown": "ignore", "sparse_output": False},
}


@pytest.mark.parametrize("options", sorted(OPTIONS))
@pytest.mark.parametrize("inputs", sorted(INPUTS))
def test_real_encoders_load_and_transform_as_fitted(inputs, options):
    x = INPUTS[inputs]
    try:
        data = _fit(OneHotEncoder(**OPTIONS[options]), x)
    except ValueError as error:  # an option the input does not allow (e.g. NaN with drop)
        pytest.skip(str(error))
    ours, theirs = rio.loads(data), sio.loads(data)
    mine, fitted = ours.transform(x), theirs.transform(x)
    dense = [value.toarray() if hasattr(value, "toarray") else value for value in (mine, fitted)]
    np.testing.assert_array_equal(*dense)
