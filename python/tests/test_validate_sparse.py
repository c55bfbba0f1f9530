"""The sparse matrix validator: real skops-written sparse matrices (and the estimators holding
them) load with no `trusted` list and equal what skops 0.16 builds; skops 0.16 with the type
trusted loads a matrix with a far index and scipy's native code then crashes (shown in a
subprocess), while we refuse it. Each broken invariant is a case of the `sparse` table
(`test_validate_tables.py`)."""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
import skops_rs.io as rio
from _support import assert_dies_after_loading, rewrite_archive, run_python
from sklearn.random_projection import SparseRandomProjection
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException

SPARSE_OBJECTS = [
    "bsr_matrix",
    "coo_array",
    "coo_matrix",
    "csc_matrix",
    "csr_array",
    "csr_matrix",
    "csr_matrix.deflated",
    "csr_matrix_empty",
]

Members = dict[str, np.ndarray]


def _dense() -> np.ndarray:
    return np.array(
        [
            [1.0, 0.0, 2.0, 0.0],
            [0.0, 0.0, 3.0, 0.0],
            [4.0, 5.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 6.0],
            [0.0, 7.0, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.0],
        ]
    )


@pytest.fixture(scope="module")
def matrices_file() -> bytes:
    dense = _dense()
    return sio.dumps(
        {
            "csr": sp.csr_matrix(dense),
            "csc": sp.csc_array(dense),
            "bsr": sp.bsr_matrix(dense, blocksize=(2, 2)),
            "coo": sp.coo_matrix(dense),
            "dia": sp.dia_matrix(dense),
        }
    )


def _rewrite(data: bytes, key: str, change: Callable[[Members], None]) -> bytes:
    """`data` (a dumped dict of sparse matrices, or an estimator) with the `.npz` members of
    entry `key` (of the dict, or of the estimator's state) changed in place by `change`."""

    def edit(schema: dict[str, Any], members: dict[str, bytes]) -> None:
        entries = schema["content"]
        if entries.get("__loader__") == "DictNode":  # an estimator: its state dict
            entries = entries["content"]
        name = entries[key]["file"]
        with np.load(io.BytesIO(members[name]), allow_pickle=False) as npz:
            arrays = {member: npz[member] for member in npz.files}
        change(arrays)
        out = io.BytesIO()
        np.savez(out, **arrays)
        members[name] = out.getvalue()

    return rewrite_archive(data, edit)


def _set(name: str, index: int, value: int) -> Callable[[Members], None]:
    def change(arrays: Members) -> None:
        array = arrays[name].copy()
        array[index] = value
        arrays[name] = array

    return change


ALL_SPARSE = [
    "scipy.sparse._csr.csr_matrix",
    "scipy.sparse._csc.csc_array",
    "scipy.sparse._bsr.bsr_matrix",
    "scipy.sparse._coo.coo_matrix",
    "scipy.sparse._dia.dia_matrix",
]


def test_sound_matrices_load_without_trust_except_dia(matrices_file):
    assert rio.get_untrusted_types(data=matrices_file) == ["scipy.sparse._dia.dia_matrix"]
    with pytest.raises(UntrustedTypesFoundException):
        rio.loads(matrices_file)
    trusted = ["scipy.sparse._dia.dia_matrix"]
    expected = sio.loads(matrices_file, trusted=ALL_SPARSE)
    loaded = rio.loads(matrices_file, trusted=trusted)
    for key, matrix in expected.items():
        assert type(loaded[key]) is type(matrix)
        np.testing.assert_array_equal(loaded[key].toarray(), matrix.toarray())
        np.testing.assert_array_equal(loaded[key].toarray(), _dense())


@pytest.mark.parametrize("name", SPARSE_OBJECTS)
def test_real_sparse_objects_load_with_no_trusted_list(name, fixtures_dir):
    path = fixtures_dir / "objects" / f"{name}.skops"
    assert sio.get_untrusted_types(file=path)  # skops 0.16 asks for the class
    assert rio.get_untrusted_types(file=path) == []
    expected = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    loaded = rio.load(path)
    assert type(loaded) is type(expected)
    np.testing.assert_array_equal(loaded.toarray(), expected.toarray())


def test_real_dia_matrix_stays_untrusted(fixtures_dir):
    path = fixtures_dir / "objects" / "dia_matrix.skops"
    assert rio.get_untrusted_types(file=path) == ["scipy.sparse._dia.dia_matrix"]


@pytest.mark.parametrize("name", ["SparseRandomProjection", "SpectralEmbedding"])
def test_real_estimators_load_with_no_trusted_list(name, fixtures_dir):
    path = fixtures_dir / "estimators" / f"{name}.skops"
    assert sio.get_untrusted_types(file=path) == ["scipy.sparse._csr.csr_matrix"]
    assert rio.get_untrusted_types(file=path) == []
    expected = sio.load(path, trusted=["scipy.sparse._csr.csr_matrix"])
    loaded = rio.load(path)
    if name == "SparseRandomProjection":
        x = np.random.default_rng(0).normal(size=(5, expected.n_features_in_))
        np.testing.assert_array_equal(loaded.transform(x), expected.transform(x))
    else:
        np.testing.assert_array_equal(
            loaded.affinity_matrix_.toarray(), expected.affinity_matrix_.toarray()
        )


_TRANSFORM_WITH_SKOPS = textwrap.dedent(
    """
    import sys, numpy as np, skops.io as sio
    model = sio.load(sys.argv[1], trusted=["scipy.sparse._csr.csr_matrix"])
    print("loaded", flush=True)
    model.transform(np.zeros((4, model.n_features_in_)))
    print("transformed", flush=True)
    """
)


def test_skops_loads_a_crafted_projection_that_crashes_transform_and_we_refuse_it(
    tmp_path: Path,
):
    x = np.random.default_rng(0).normal(size=(20, 50))
    model = SparseRandomProjection(n_components=5, random_state=0).fit(x)
    data = sio.dumps(model)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
    assert schema["content"]["content"]["components_"]["__loader__"] == "SparseMatrixNode"

    def far_index(arrays: Members) -> None:
        _set("indices", 0, 10**9)(arrays)

    crafted = _rewrite(data, "components_", far_index)
    path = tmp_path / "crafted.skops"
    path.write_bytes(crafted)
    result = run_python(_TRANSFORM_WITH_SKOPS, str(path), timeout=120)
    # skops 0.16 loads it (scipy's constructor does not check indices); `X @ components_.T`
    # then reads far outside `X` in sparsetools and the process dies from a signal.
    assert_dies_after_loading(result)
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path, trusted=["scipy.sparse._csr.csr_matrix"])
    assert info.value.kind == "validate-sparse-index"
    assert "components_" in str(info.value)
