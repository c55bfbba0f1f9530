"""The `numpy.dtype` validator: plain dtypes (and the estimators storing them) load with no
`trusted` list and equal what skops 0.16 builds; structured dtypes stay untrusted; a DTypeNode
whose content is not an array is refused, and an object descr is refused by the `.npy` reader,
even when `numpy.dtype` is trusted."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException

DTYPE = "numpy.dtype"


@pytest.mark.parametrize("name", ["dtype_float64", "dtype_big_endian"])
def test_plain_dtypes_load_with_no_trusted_list(name, fixtures_dir):
    path = fixtures_dir / "objects" / f"{name}.skops"
    assert sio.get_untrusted_types(file=path) == [DTYPE]
    assert rio.get_untrusted_types(file=path) == []
    assert rio.load(path) == sio.load(path, trusted=[DTYPE])


def test_structured_dtype_stays_untrusted(fixtures_dir):
    path = fixtures_dir / "objects" / "dtype_structured.skops"
    assert rio.get_untrusted_types(file=path) == [DTYPE]
    with pytest.raises(UntrustedTypesFoundException):
        rio.load(path)
    assert rio.load(path, trusted=[DTYPE]) == sio.load(path, trusted=[DTYPE])


@pytest.mark.parametrize("name", ["SimpleImputer", "KBinsDiscretizer"])
def test_estimators_storing_a_dtype_load_with_no_trusted_list(name, fixtures_dir):
    path = fixtures_dir / "estimators" / f"{name}.skops"
    assert sio.get_untrusted_types(file=path) == [DTYPE]
    assert rio.get_untrusted_types(file=path) == []
    expected = sio.load(path, trusted=[DTYPE])
    loaded = rio.load(path)
    x = np.random.default_rng(0).normal(size=(6, expected.n_features_in_))
    got, want = loaded.transform(x), expected.transform(x)
    if hasattr(want, "toarray"):  # KBinsDiscretizer's default one-hot encoding
        got, want = got.toarray(), want.toarray()
    np.testing.assert_array_equal(got, want)


def test_iterative_imputer_no_longer_lists_the_dtype(fixtures_dir):
    path = fixtures_dir / "estimators" / "IterativeImputer.skops"
    assert DTYPE in sio.get_untrusted_types(file=path)
    assert DTYPE not in rio.get_untrusted_types(file=path)


def _dtype_file(content: dict, members: dict[str, bytes]) -> bytes:
    schema = {
        "__class__": "dtype",
        "__module__": "numpy",
        "__loader__": "DTypeNode",
        "content": content,
        "__id__": 1,
        "protocol": 2,
        "_skops_version": "0.16.0",
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr("schema.json", json.dumps(schema))
    return out.getvalue()


def test_a_content_that_is_not_an_array_is_refused():
    content = {
        "__class__": "int",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": "5",
        "is_json": True,
        "__id__": 2,
    }
    data = _dtype_file(content, {})
    for call in (
        lambda: rio.get_untrusted_types(data=data),
        lambda: rio.loads(data),
        lambda: rio.loads(data, trusted=[DTYPE]),
    ):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == "validate-dtype-content", str(info.value)


def test_an_object_descr_is_refused():
    """An empty object array carries no Python objects, but skops writes object dtypes as JSON
    arrays, never as `.npy`: the `.npy` reader refuses the descr whatever is trusted."""
    npy = io.BytesIO()
    np.save(npy, np.empty(0, dtype=object), allow_pickle=True)
    content = {
        "__class__": "ndarray",
        "__module__": "numpy",
        "__loader__": "NdArrayNode",
        "type": "numpy",
        "file": "2.npy",
        "__id__": 2,
    }
    data = _dtype_file(content, {"2.npy": npy.getvalue()})
    for call in (lambda: rio.loads(data), lambda: rio.loads(data, trusted=[DTYPE])):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == "npy-object-dtype", str(info.value)
