"""The loss validator: TweedieRegressor's `_base_loss` (`HalfTweedieLoss`,
`HalfTweedieLossIdentity`, which skops 0.16 leaves untrusted) loads with no `trusted` list and
predicts and scores like skops' load. What the validator refuses or leaves untrusted is in
the `loss` table (`test_validate_tables.py`)."""

from __future__ import annotations

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from sklearn.linear_model import TweedieRegressor

IDENTITY = "sklearn._loss.loss.HalfTweedieLossIdentity"
LOG = "sklearn._loss.loss.HalfTweedieLoss"


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = np.exp(x @ np.array([0.3, -0.2, 0.1])) + rng.uniform(size=40)
    return x, y


@pytest.fixture(scope="module", params=[0.0, 1.5], ids=["identity", "log"])
def model_file(request) -> bytes:
    x, y = _data()
    return sio.dumps(TweedieRegressor(power=request.param, max_iter=20).fit(x, y))


def test_sound_losses_load_with_no_trusted_list(model_file):
    x, y = _data()
    (expected_type,) = sio.get_untrusted_types(data=model_file)
    assert expected_type in (IDENTITY, LOG)
    assert rio.get_untrusted_types(data=model_file) == []
    expected = sio.loads(model_file, trusted=[expected_type])
    loaded = rio.loads(model_file)
    np.testing.assert_array_equal(loaded.predict(x), expected.predict(x))
    assert loaded.score(x, y) == expected.score(x, y)


def test_real_tweedie_regressor_loads_with_no_trusted_list(fixtures_dir):
    path = fixtures_dir / "estimators" / "TweedieRegressor.skops"
    assert sio.get_untrusted_types(file=path) == [IDENTITY]
    assert rio.get_untrusted_types(file=path) == []
    expected = sio.load(path, trusted=[IDENTITY])
    loaded = rio.load(path)
    x = np.random.default_rng(0).normal(size=(6, expected.n_features_in_))
    np.testing.assert_array_equal(loaded.predict(x), expected.predict(x))
