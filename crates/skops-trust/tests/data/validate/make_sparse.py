"""Writes sparse.skops: a dict of small scipy sparse matrices and arrays (csr, csc, bsr, coo,
dia), saved by skops 0.16, for the sparse validator tests
(the sparse table, sparse.json). Each has int32 indices and float64 data."""

import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import skops.io as sio

dense = np.array(
    [
        [1.0, 0.0, 2.0, 0.0],
        [0.0, 0.0, 3.0, 0.0],
        [4.0, 5.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 6.0],
        [0.0, 7.0, 0.0, 0.0],
        [0.0, 0.0, 0.0, 0.0],
    ]
)
matrices = {
    "csr": sp.csr_matrix(dense),
    "csc": sp.csc_matrix(dense),
    "bsr": sp.bsr_matrix(dense, blocksize=(2, 2)),
    "coo": sp.coo_matrix(dense),
    "csr_array": sp.csr_array(dense),
    "dia": sp.dia_matrix(dense),
}
sio.dump(
    matrices, Path(__file__).with_name("sparse.skops"), compression=zipfile.ZIP_DEFLATED
)
