"""Red-team files against the validators that trust types by default (sparse, binary trees,
dtype, loss, bspline, svm): each is state the validator once passed with no `trusted` list,
and that crashes sklearn (or reads out of bounds) on a normally shaped `X`. Each test shows
the file is now untrusted or refused, and, in a subprocess, what skops 0.16 does with it when
the type is trusted by hand; real files of the same models still load with no list. (The
crafted `_fit_X` cases are in the `neighbors` table, `test_validate_tables.py`.)"""

from __future__ import annotations

import io
import json
import textwrap
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
import skops.io as sio
import skops_rs.io as rio
from _support import assert_dies_after_loading, fresh_id, run_python
from sklearn.neighbors import (
    KNeighborsClassifier,
    KNeighborsTransformer,
    LocalOutlierFactor,
    NearestNeighbors,
    RadiusNeighborsRegressor,
)
from skops_rs.exceptions import SkopsFormatError

CSR = "scipy.sparse._csr.csr_matrix"


_SPARSE_X = sp.random(40, 5, density=0.5, format="csr", random_state=0)
_Y = np.arange(40) % 2


class Crafted:
    """A skops file opened for editing its schema and members."""

    def __init__(self, data: bytes) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.members = {name: archive.read(name) for name in archive.namelist()}
        self.schema = json.loads(self.members["schema.json"])

    @property
    def state(self) -> dict[str, Any]:
        """The root object's state dict."""
        return self.schema["content"]["content"]

    def sparse_members(self, node: dict[str, Any]) -> dict[str, np.ndarray]:
        with zipfile.ZipFile(io.BytesIO(self.members[node["file"]])) as archive:
            return {
                name: np.load(io.BytesIO(archive.read(name)), allow_pickle=False)
                for name in archive.namelist()
            }

    def set_sparse_members(self, node: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.save(buffer, array, allow_pickle=False)
                archive.writestr(name, buffer.getvalue())
        self.members[node["file"]] = out.getvalue()
        node["__id__"] = fresh_id()

    def to_bytes(self) -> bytes:
        self.members["schema.json"] = json.dumps(self.schema).encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as archive:
            for name, content in self.members.items():
                archive.writestr(name, content)
        return out.getvalue()


# Loads a file with skops 0.16 trusting the given types, then calls a method on a zero `X`
# of the model's width.
_CALL_WITH_SKOPS = textwrap.dedent(
    """
    import sys
    import numpy as np
    import skops.io as sio
    model = sio.load(sys.argv[1], trusted=sys.argv[4:])
    print("loaded", flush=True)
    X = np.zeros((int(sys.argv[3]), model.n_features_in_))
    getattr(model, sys.argv[2])(X)
    print("answered", flush=True)
    """
)


def _crash_with_skops(path: Path, method: str, rows: int, trusted: list[str]) -> None:
    """Asserts that skops 0.16 loads `path` when trusting `trusted` and that calling `method`
    then kills the process with a signal."""
    result = run_python(_CALL_WITH_SKOPS, str(path), method, str(rows), *trusted)
    assert_dies_after_loading(result)


# ----- a sparse `_fit_X` wider than `n_features_in_` ---------------------------------------

NEIGHBORS = {
    "knn-classifier": lambda: KNeighborsClassifier(algorithm="brute", n_neighbors=3).fit(
        _SPARSE_X, _Y
    ),
    "nearest-manhattan": lambda: NearestNeighbors(algorithm="brute", metric="manhattan").fit(
        _SPARSE_X
    ),
    "radius-regressor": lambda: RadiusNeighborsRegressor(algorithm="brute", radius=2.0).fit(
        _SPARSE_X, _Y.astype(float)
    ),
    "transformer": lambda: KNeighborsTransformer(n_neighbors=3).fit(_SPARSE_X),
    "lof": lambda: LocalOutlierFactor(novelty=True, n_neighbors=3).fit(_SPARSE_X),
}


@pytest.mark.parametrize("name", sorted(NEIGHBORS))
def test_a_sparse_fit_x_of_a_real_neighbors_model_is_trusted(name):
    model = NEIGHBORS[name]()
    data = sio.dumps(model)
    assert rio.get_untrusted_types(data=data) == []
    loaded = rio.loads(data)
    query = np.random.default_rng(1).normal(size=(7, 5))
    if hasattr(model, "kneighbors"):
        for ours, theirs in zip(loaded.kneighbors(query), model.kneighbors(query), strict=True):
            np.testing.assert_array_equal(ours, theirs)


def _widened_fit_x(model: Any, extra: int, *, samples: int = 0) -> bytes:
    """`model`'s file with its sparse `_fit_X` `extra` columns wider (indices shifted into
    the new columns: still a sound matrix) and `samples` rows more, the rest untouched."""
    crafted = Crafted(sio.dumps(model))
    node = crafted.state["_fit_X"]
    members = crafted.sparse_members(node)
    rows, cols = members["shape.npy"]
    members["shape.npy"] = np.array([rows + samples, cols + extra])
    members["indices.npy"] = members["indices.npy"] + np.int32(extra)
    if samples:
        last = members["indptr.npy"][-1]
        members["indptr.npy"] = np.concatenate(
            [members["indptr.npy"], np.full(samples, last, dtype=members["indptr.npy"].dtype)]
        )
    crafted.set_sparse_members(node, members)
    return crafted.to_bytes()


@pytest.mark.parametrize("method", ["kneighbors", "predict"])
def test_a_wide_sparse_fit_x_crashes_knn_in_skops_and_we_refuse_it(method, tmp_path):
    # The dense query is read at `j * _fit_X.shape[1] + indices[k]`: 10**8 columns past it.
    path = tmp_path / "wide-fit-x.skops"
    path.write_bytes(_widened_fit_x(NEIGHBORS["knn-classifier"](), 10**8))
    _crash_with_skops(path, method, 200, [CSR])
    for call in (
        lambda: rio.get_untrusted_types(data=path.read_bytes()),
        lambda: rio.load(path, trusted=[CSR]),
    ):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == "validate-neighbors-fit-x", str(info.value)
