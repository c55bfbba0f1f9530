"""`load(path, mmap_mode="r")`: arrays are read-only views of a private mapping of the file.

- what loads is what `load` builds (same predictions), with the plain arrays views of the file
  and the others (compressed, unaligned, subclasses) copies, said by `MmapCopyWarning`;
- the file is checked, audited and validated before anything is built (every hostile file is
  refused with the kind the ordinary load refuses it with);
- replacing the file after the load (a `dump` over it) leaves the loaded arrays as they were;
- files written by `dump` (64-byte aligned members) stay readable by skops 0.16;
- several worker processes loading the same file share its arrays: their private memory
  grows by far less than one copy each.
"""

from __future__ import annotations

import copy
import json
import mmap
import multiprocessing
import warnings
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import assert_same
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException
from skops_rs.io import MmapCopyWarning

ROOT = Path(__file__).resolve().parent.parent.parent
MALICIOUS = ROOT / "testdata" / "malicious"


def _maps_the_file(array: np.ndarray) -> bool:
    """Whether `array` is, through its bases (arrays and memoryviews), a view of an
    `mmap.mmap`."""
    base: Any = array
    while isinstance(base, (np.ndarray, memoryview)):
        base = base.base if isinstance(base, np.ndarray) else base.obj
    return isinstance(base, mmap.mmap)


def _models() -> dict[str, Any]:
    from sklearn.datasets import make_classification
    from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = make_classification(n_samples=300, n_features=8, random_state=0)
    return {
        "X": X,
        "logreg": make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y),
        "forest": RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y),
        "hgb": HistGradientBoostingClassifier(max_iter=10, random_state=0).fit(X, y),
        "knn": KNeighborsClassifier(algorithm="brute").fit(X, y),
        "kd_tree": KNeighborsClassifier(algorithm="kd_tree").fit(X, y),
    }


@pytest.fixture(scope="module")
def models() -> dict[str, Any]:
    return _models()


@pytest.mark.parametrize("name", ["logreg", "forest", "hgb", "knn", "kd_tree"])
def test_mapped_load_predicts_as_the_ordinary_load(tmp_path, models, name):
    path = tmp_path / f"{name}.skops"
    rio.dump(models[name], path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MmapCopyWarning)  # a stored dump: no copy to report
        mapped = rio.load(path, mmap_mode="r")
    ordinary = rio.load(path)
    X = models["X"]
    np.testing.assert_array_equal(mapped.predict(X), ordinary.predict(X))
    np.testing.assert_array_equal(mapped.predict_proba(X), ordinary.predict_proba(X))


def test_mapped_arrays_are_read_only_views_of_the_file(tmp_path, models):
    path = tmp_path / "logreg.skops"
    rio.dump(models["logreg"], path)
    mapped = rio.load(path, mmap_mode="r")
    scaler, logreg = mapped[0], mapped[-1]
    for array in (scaler.mean_, scaler.scale_, logreg.coef_, logreg.intercept_):
        assert _maps_the_file(array)
        assert not array.flags.writeable
        assert array.flags.aligned
    with pytest.raises(ValueError, match="read-only"):
        logreg.coef_[0, 0] = 1.0
    # The ordinary load: writeable copies, as skops makes them.
    ordinary = rio.load(path)
    assert ordinary[-1].coef_.flags.writeable and not _maps_the_file(ordinary[-1].coef_)


def test_hgb_predictor_nodes_are_views(tmp_path, models):
    path = tmp_path / "hgb.skops"
    rio.dump(models["hgb"], path)
    mapped = rio.load(path, mmap_mode="r")
    nodes = [predictor.nodes for stage in mapped._predictors for predictor in stage]
    assert nodes and all(_maps_the_file(array) for array in nodes)


def test_compressed_members_are_copies_and_said_so(tmp_path, models):
    path = tmp_path / "deflated.skops"
    rio.dump(models["logreg"], path, compression=zipfile.ZIP_DEFLATED)
    with pytest.warns(MmapCopyWarning, match="compressed") as record:
        mapped = rio.load(path, mmap_mode="r")
    warning = record[0].message
    assert isinstance(warning, MmapCopyWarning)
    assert warning.viewed == 0 and warning.copies
    assert {reason for _, reason in warning.copies} == {"compressed"}
    assert "steps" in warning.copies[0][0]  # a node path into the pipeline
    assert mapped[-1].coef_.flags.writeable and not _maps_the_file(mapped[-1].coef_)
    X = models["X"]
    np.testing.assert_array_equal(mapped.predict(X), models["logreg"].predict(X))


def test_sparse_matrices_are_copies_and_said_so(tmp_path):
    import scipy.sparse as sp

    path = tmp_path / "mixed.skops"
    rio.dump({"m": sp.csr_matrix(np.eye(3)), "a": np.arange(10.0)}, path)
    with pytest.warns(MmapCopyWarning, match="1 sparse") as record:
        loaded = rio.load(path, mmap_mode="r")
    warning = record[0].message
    assert isinstance(warning, MmapCopyWarning)
    assert warning.copies == [('["m"]', "sparse")] and warning.viewed == 1
    assert _maps_the_file(loaded["a"])
    np.testing.assert_array_equal(loaded["m"].toarray(), np.eye(3))


def test_unaligned_members_are_copies_and_said_so(tmp_path, models):
    """skops 0.16 does not align members: the arrays whose data is not 64-byte aligned in its
    file are copies, listed as "unaligned", and the others views."""
    path = tmp_path / "skops.skops"
    sio.dump(models["logreg"], path)
    data = path.read_bytes()
    aligned = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith(".npy"):
                continue
            local = info.header_offset
            name_len = int.from_bytes(data[local + 26 : local + 28], "little")
            extra_len = int.from_bytes(data[local + 28 : local + 30], "little")
            start = local + 30 + name_len + extra_len
            assert data[start : start + 6] == b"\x93NUMPY"
            length_size = 2 if data[start + 6] == 1 else 4
            header = 8 + length_size
            header += int.from_bytes(data[start + 8 : start + 8 + length_size], "little")
            aligned += (start + header) % 64 == 0
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        mapped = rio.load(path, mmap_mode="r")
    copies = [w.message for w in record if isinstance(w.message, MmapCopyWarning)]
    assert len(copies) == 1, "skops' member offsets are not all multiples of 64"
    assert {reason for _, reason in copies[0].copies} == {"unaligned"}
    assert copies[0].viewed == aligned
    assert_same(sio.load(path), rio.load(path))
    X = models["X"]
    np.testing.assert_array_equal(mapped.predict(X), models["logreg"].predict(X))


def test_replacing_the_file_leaves_the_loaded_arrays(tmp_path, models):
    path = tmp_path / "model.skops"
    rio.dump(models["logreg"], path)
    mapped = rio.load(path, mmap_mode="r")
    before = mapped[-1].coef_.copy()
    replaced = copy.deepcopy(models["logreg"])
    replaced[-1].coef_ = replaced[-1].coef_ + 1.0
    rio.dump(replaced, path)  # atomic: a new file renamed over the mapped one
    np.testing.assert_array_equal(mapped[-1].coef_, before)
    np.testing.assert_array_equal(rio.load(path)[-1].coef_, before + 1.0)


def _cases() -> dict[str, dict[str, Any]]:
    return json.loads((MALICIOUS / "cases.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", sorted(_cases()))
def test_hostile_file_is_refused_as_the_ordinary_load_refuses_it(tmp_path, name):
    path = tmp_path / name
    path.write_bytes((MALICIOUS / name).read_bytes())
    expect = _cases()[name]["expect"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if expect == "ok":
            assert_same(rio.load(path), rio.load(path, mmap_mode="r"))
            return
        if expect == "untrusted":
            with pytest.raises(UntrustedTypesFoundException):
                rio.load(path, mmap_mode="r")
            return
        with pytest.raises(SkopsFormatError) as ordinary:
            rio.load(path)
        with pytest.raises(SkopsFormatError) as mapped:
            rio.load(path, mmap_mode="r")
    assert mapped.value.kind == ordinary.value.kind == expect


def test_trust_and_policies_apply(tmp_path):
    from sklearn.preprocessing import FunctionTransformer
    from skops_rs.exceptions import SkopsFormatError as PolicyError
    from skops_rs.io import TrustPolicy

    path = tmp_path / "untrusted.skops"
    rio.dump(FunctionTransformer(np.round), path)
    untrusted = rio.get_untrusted_types(file=path)
    assert untrusted == ["numpy.round"]
    with pytest.raises(UntrustedTypesFoundException):
        rio.load(path, mmap_mode="r")
    assert rio.load(path, trusted=untrusted, mmap_mode="r").func is np.round
    policy = TrustPolicy.for_file(path)
    assert rio.load(path, trusted=policy, mmap_mode="r").func is np.round
    other = tmp_path / "other.skops"
    rio.dump(FunctionTransformer(np.floor), other)
    with pytest.raises(PolicyError) as mismatch:
        rio.load(other, trusted=policy, mmap_mode="r")
    assert mismatch.value.kind == "policy-digest-mismatch"


def test_mmap_mode_arguments(tmp_path, models):
    path = tmp_path / "model.skops"
    rio.dump(models["logreg"], path)
    with pytest.raises(ValueError, match="mmap_mode"):
        rio.load(path, mmap_mode="r+")  # type: ignore[arg-type]
    with open(path, "rb") as handle, pytest.raises(ValueError, match="path"):
        rio.load(handle, mmap_mode="r")
    empty = tmp_path / "empty.skops"
    empty.write_bytes(b"")
    with pytest.raises(SkopsFormatError) as mapped:
        rio.load(empty, mmap_mode="r")
    with pytest.raises(SkopsFormatError) as ordinary:
        rio.load(empty)
    assert mapped.value.kind == ordinary.value.kind


def test_aligned_files_load_in_skops(tmp_path, models):
    """The alignment padding (a zipalign extra field) is invisible to skops 0.16."""
    for name in ("logreg", "forest", "hgb", "kd_tree"):
        path = tmp_path / f"{name}.skops"
        rio.dump(models[name], path)
        untrusted = sio.get_untrusted_types(file=path)
        loaded = sio.load(path, trusted=untrusted)
        X = models["X"]
        np.testing.assert_array_equal(loaded.predict(X), models[name].predict(X))
        with zipfile.ZipFile(path) as archive:
            assert archive.testzip() is None


# ----- worker processes share one mapped model ------------------------------------------------

#: The model the workers load: a brute-force neighbours classifier keeps its training data
#: as it is (`_fit_X`), so its 64 MB are one array the workers can share.
SHARED_ROWS, SHARED_FEATURES = 80_000, 100


def _private_bytes() -> int:
    """This process's private memory (Private_Clean + Private_Dirty of smaps_rollup)."""
    fields = {}
    for line in Path("/proc/self/smaps_rollup").read_text().splitlines()[1:]:
        key, value = line.split(":", 1)
        fields[key] = int(value.split()[0]) * 1024
    return fields["Private_Clean"] + fields["Private_Dirty"]


def _worker(
    path: str, warm_up: str, mmap_mode: str | None, barrier: Any, queries: Any, out: Any
) -> None:
    import sklearn.neighbors  # noqa: F401  (imported before the baseline)
    import skops_rs.io as worker_io

    # A first small load sets up what every load needs once (allocator arenas, numpy and
    # scikit-learn state), so the baseline leaves only what this model costs.
    worker_io.load(warm_up, mmap_mode=mmap_mode)
    before = _private_bytes()
    model = worker_io.load(path, mmap_mode=mmap_mode)
    barrier.wait()  # every worker holds the model: shared pages are counted as shared
    after = _private_bytes()
    out.put((after - before, model.predict(queries).tolist()))
    barrier.wait()


def _run_workers(
    path: Path, warm_up: Path, mmap_mode: str | None, queries: np.ndarray, workers: int
):
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(workers), context.Queue()
    arguments = (str(path), str(warm_up), mmap_mode, barrier, queries, out)
    processes = [context.Process(target=_worker, args=arguments) for _ in range(workers)]
    for process in processes:
        process.start()
    results = [out.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0
    return [growth for growth, _ in results], [labels for _, labels in results]


@pytest.mark.skipif(not Path("/proc/self/smaps_rollup").exists(), reason="Linux only")
def test_worker_processes_share_one_mapped_model(tmp_path):
    from sklearn.neighbors import KNeighborsClassifier

    rng = np.random.default_rng(0)
    X = rng.standard_normal((SHARED_ROWS, SHARED_FEATURES))
    y = (X[:, 0] > 0).astype(np.int64)
    model = KNeighborsClassifier(n_neighbors=3, algorithm="brute").fit(X, y)
    path = tmp_path / "knn.skops"
    rio.dump(model, path)
    warm_up = tmp_path / "small.skops"
    rio.dump(KNeighborsClassifier(n_neighbors=1, algorithm="brute").fit(X[:5], y[:5]), warm_up)
    one_copy = X.nbytes
    queries = rng.standard_normal((20, SHARED_FEATURES))
    expected = model.predict(queries).tolist()
    workers = 3

    mapped_growth, mapped_labels = _run_workers(path, warm_up, "r", queries, workers)
    copied_growth, copied_labels = _run_workers(path, warm_up, None, queries, workers)
    assert mapped_labels == copied_labels == [expected] * workers
    # Copies: each worker holds its own. Mapped: each holds a small fraction of one (its
    # objects, the allocator's pages), all of them together less than one.
    assert min(copied_growth) > 0.9 * one_copy, copied_growth
    assert max(mapped_growth) < 0.2 * one_copy, (mapped_growth, one_copy)
    assert sum(mapped_growth) < one_copy, (mapped_growth, one_copy)
