"""The `numpy.dtype` validator: plain dtypes (and the estimators storing them) load with no
`trusted` list and equal what skops 0.16 builds; structured dtypes stay untrusted. What it
refuses is in the `dtype` table (`test_validate_tables.py`)."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from skops_rs.exceptions import UntrustedTypesFoundException

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
