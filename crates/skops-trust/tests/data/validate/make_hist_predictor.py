"""Writes hist_gradient_boosting.skops: a small HistGradientBoostingClassifier with a
categorical feature (so its TreePredictors carry bitset rows), saved by skops 0.16, for the
TreePredictor validator tests (the hist_predictor table, hist_predictor.json)."""

import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.ensemble import HistGradientBoostingClassifier

rng = np.random.default_rng(0)
X = np.column_stack([rng.integers(0, 4, 200), rng.normal(size=200)]).astype(float)
y = ((X[:, 0] % 2 == 0) ^ (X[:, 1] > 0)).astype(int)
model = HistGradientBoostingClassifier(
    max_iter=2, max_leaf_nodes=4, categorical_features=[0], random_state=0
).fit(X, y)
sio.dump(
    model,
    Path(__file__).with_name("hist_gradient_boosting.skops"),
    compression=zipfile.ZIP_DEFLATED,
)
