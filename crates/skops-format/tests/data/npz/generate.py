"""Regenerate the sparse `.npz` reference files: run with scipy 1.17.

    /work/main/.venv/bin/python crates/skops-format/tests/data/npz/generate.py

Each `<name>.npz` is exactly `scipy.sparse.save_npz(buf, matrix)` output (an inner zip of
deflated `.npy` members), as skops stores a sparse matrix.
"""

import io
from pathlib import Path

import numpy as np
import scipy.sparse as sp

HERE = Path(__file__).parent

dense = np.array(
    [
        [0.0, 1.5, 0.0, 0.0, 2.0, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        [3.0, 0.0, -4.0, 0.0, 0.0, 5.0],
        [0.0, 6.0, 0.0, 7.0, 0.0, 0.0],
    ]
)

cases = {
    "csr_matrix": sp.csr_matrix(dense),
    "csc_matrix": sp.csc_matrix(dense),
    "coo_matrix": sp.coo_matrix(dense),
    "bsr_matrix": sp.bsr_matrix(dense, blocksize=(2, 3)),
    "dia_matrix": sp.dia_matrix(dense),
    "csr_array": sp.csr_array(dense.astype(np.float32)),
    "coo_array_int": sp.coo_array(dense.astype(np.int64)),
    "csr_empty": sp.csr_matrix((3, 0)),
}

for name, matrix in cases.items():
    buf = io.BytesIO()
    sp.save_npz(buf, matrix)
    (HERE / f"{name}.npz").write_bytes(buf.getvalue())
    loaded = sp.load_npz(io.BytesIO(buf.getvalue()))
    assert (loaded != matrix).nnz == 0, name
