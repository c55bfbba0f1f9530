"""Writes loss.skops: a dict of two fitted TweedieRegressors, one with the identity link
(`HalfTweedieLossIdentity`, power 0) and one with the log link (`HalfTweedieLoss`, power 1.5),
saved by skops 0.16, for the loss table (loss.json)."""

import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.linear_model import TweedieRegressor

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y = np.exp(X @ np.array([0.3, -0.2, 0.1])) + rng.uniform(size=40)
models = {
    "identity": TweedieRegressor(power=0.0, max_iter=20).fit(X, y),
    "log": TweedieRegressor(power=1.5, max_iter=20).fit(X, y),
}
sio.dump(models, Path(__file__).with_name("loss.skops"), compression=zipfile.ZIP_DEFLATED)
