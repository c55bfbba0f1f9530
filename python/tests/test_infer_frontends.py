"""The ways a `skops_rs.infer.Predictor` is fed and shipped: Arrow tables (float64 columns
read without a copy), pickling (the file's bytes and digest; a changed payload is refused),
and scoring on a local Dask cluster of worker processes with the same bits as one call."""

from __future__ import annotations

import os
import pickle

import numpy as np
import pyarrow as pa
import pytest
import skops_rs.io as sio
from sklearn.preprocessing import StandardScaler
from skops_rs.infer import Predictor, _arrow_column, _rebuild

X = np.random.default_rng(0).normal(size=(2_000, 4)) * [1.0, 10.0, 0.1, 1e3]
NAMES = ["a", "b", "c", "d"]


@pytest.fixture(scope="module")
def fitted() -> tuple[StandardScaler, Predictor]:
    scaler = StandardScaler().fit(X)
    return scaler, Predictor.from_bytes(sio.dumps(scaler))


def _same_bits(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()


def test_float64_arrow_columns_are_read_without_a_copy():
    table = pa.table({name: X[:, index] for index, name in enumerate(NAMES)})
    column = _arrow_column(table.column(0))
    buffer = table.column(0).chunk(0).buffers()[1]
    assert column.ctypes.data == buffer.address, "a view of Arrow's buffer"
    with_nulls = pa.chunked_array([pa.array([1.0, None, 3.0])])
    assert np.isnan(_arrow_column(with_nulls)).tolist() == [False, True, False]
    assert _arrow_column(pa.chunked_array([pa.array(["x", None])])) == ["x", None]


def test_arrow_tables_and_record_batches_give_numpys_result(fitted):
    scaler, predictor = fitted
    expected = scaler.transform(X)
    table = pa.table({name: X[:, index] for index, name in enumerate(NAMES)})
    assert _same_bits(predictor.transform(table), expected)
    batch = table.to_batches()[0]
    assert _same_bits(predictor.transform(batch), expected[: batch.num_rows])
    # Integers and nulls are cast as numpy casts them, nulls as NaN (scikit-learn passes NaN).
    ints = pa.table({name: pa.array([1, None, 3], pa.int32()) for name in NAMES})
    as_numpy = np.array([[1, np.nan, 3]] * 4).T
    assert _same_bits(predictor.transform(ints), scaler.transform(as_numpy))


def test_a_predictor_pickles_and_gives_the_same_bits(fitted):
    _, predictor = fitted
    copy = pickle.loads(pickle.dumps(predictor))
    assert copy.sha256 == predictor.sha256
    assert _same_bits(copy.transform(X), predictor.transform(X))


class _Swapped:
    """Pickles as a Predictor whose bytes were replaced but whose digest was kept."""

    def __init__(self, data: bytes, sha256: str):
        self.args = (data, sha256)

    def __reduce__(self):
        return (_rebuild, self.args)


def test_a_tampered_pickle_is_refused(fitted):
    _, predictor = fitted
    other = sio.dumps(StandardScaler().fit(X[:10]))
    with pytest.raises(ValueError, match="SHA-256"):
        pickle.loads(pickle.dumps(_Swapped(other, predictor.sha256)))
    # A byte of the model changed inside the pickle: the file no longer validates, or its
    # digest differs; either way nothing is built from it.
    payload = bytearray(pickle.dumps(predictor))
    data = predictor._data
    start = bytes(payload).find(data[len(data) // 2 : len(data) // 2 + 32])
    assert start > 0
    payload[start] ^= 0x01
    with pytest.raises(ValueError):
        pickle.loads(bytes(payload))


def test_scoring_on_a_local_cluster_of_processes_gives_the_bits_of_one_call(fitted):
    distributed = pytest.importorskip("distributed")
    # The cluster writes its workers' settings into this process's environment
    # (MALLOC_TRIM_THRESHOLD_, OMP_NUM_THREADS, ...), which every later subprocess of the
    # suite would inherit (the skops heap-corruption demo then stops crashing): restore it.
    saved = dict(os.environ)
    try:
        _score_on_a_local_cluster(distributed, fitted)
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _score_on_a_local_cluster(distributed, fitted) -> None:
    _, predictor = fitted
    chunks = np.array_split(X, 5)
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        futures = client.map(predictor.transform, chunks)
        parts = client.gather(futures)
        assert len(client.scheduler_info()["workers"]) == 2
    assert _same_bits(np.concatenate(parts), predictor.transform(X))
