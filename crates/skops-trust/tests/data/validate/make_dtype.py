"""Writes dtype.skops: a dict of numpy dtypes (plain, big-endian, datetime, structured,
object), saved by skops 0.16, for the dtype validator tests
(the dtype table, dtype.json)."""

import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio

dtypes = {
    "float64": np.dtype("float64"),
    "big_endian": np.dtype(">i4"),
    "datetime": np.dtype("M8[ns]"),
    "structured": np.dtype([("a", "<f8"), ("b", "<i4")]),
    "object": np.dtype(object),
}
sio.dump(dtypes, Path(__file__).with_name("dtype.skops"), compression=zipfile.ZIP_DEFLATED)
