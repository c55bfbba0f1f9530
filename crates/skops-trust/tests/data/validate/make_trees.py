"""Writes trees.skops: a list of fitted tree models and ensembles saved by skops 0.16, for the
tree and widths tables (tree.json, widths.json): [0] a DecisionTreeClassifier (depth 3, 3
classes, 60 samples of 3 features); on 80 samples of 3 features, the ensembles whose trees are
checked against the `X` they see: [1] a RandomForestClassifier, [2] an ExtraTreesRegressor,
[3] a RandomTreesEmbedding, [4] an IsolationForest, [5] a GradientBoostingClassifier, [6] a
BaggingClassifier, [7] one drawing 2 features, [8] an AdaBoostClassifier, [9] a
DecisionTreeClassifier; [10] a GradientBoostingRegressor of 3 stages; on the 60 samples, [11] a
RandomForestClassifier, [12] a DummyClassifier, [13] a HistGradientBoostingClassifier, [14] a
multi-output DecisionTreeClassifier; [15] a HistGradientBoostingRegressor and [16] a
GridSearchCV of a LogisticRegression (its scorer and splitter are reviewed types)."""

import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import (
    AdaBoostClassifier,
    BaggingClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomTreesEmbedding,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.tree import DecisionTreeClassifier

rng = np.random.default_rng(0)
x60 = rng.normal(size=(60, 3))
y60 = (x60[:, 0] > 0).astype(int) + (x60[:, 1] > 0.5)
rng = np.random.default_rng(0)
x80 = rng.normal(size=(80, 3))
y80 = (x80[:, 0] + x80[:, 1] > 0).astype(int)
small = {"n_estimators": 3, "random_state": 0}
ensembles = [
    RandomForestClassifier(max_depth=3, **small),
    ExtraTreesRegressor(max_depth=3, **small),
    RandomTreesEmbedding(max_depth=3, **small),
    IsolationForest(**small),
    GradientBoostingClassifier(max_depth=2, **small),
    BaggingClassifier(DecisionTreeClassifier(max_depth=3), **small),
    BaggingClassifier(DecisionTreeClassifier(max_depth=3), max_features=2, **small),
    AdaBoostClassifier(DecisionTreeClassifier(max_depth=2), **small),
    DecisionTreeClassifier(max_depth=3, random_state=0),
]
two = (x60[:, 0] > 0).astype(int)
models = [
    DecisionTreeClassifier(max_depth=3, random_state=0).fit(x60, y60),
    *(model.fit(x80, y80) for model in ensembles),
    GradientBoostingRegressor(n_estimators=3, max_depth=2, random_state=0).fit(
        x80, x80[:, 0] + x80[:, 2]
    ),
    RandomForestClassifier(n_estimators=2, random_state=0).fit(x60, two),
    DummyClassifier(strategy="uniform").fit(x60, two),
    HistGradientBoostingClassifier(max_iter=2, random_state=0).fit(x60, two),
    DecisionTreeClassifier(random_state=0).fit(x60, np.column_stack([two, 1 - two])),
    HistGradientBoostingRegressor(max_iter=3, random_state=0).fit(x80, x80[:, 0] + x80[:, 1]),
    GridSearchCV(LogisticRegression(), {"C": [0.5, 1.0]}).fit(x80, y80),
]
sio.dump(models, Path(__file__).with_name("trees.skops"), compression=zipfile.ZIP_DEFLATED)
