"""Writes svm_objects.skops: SVMs with object-dtype string labels saved by skops 0.16 for the
SVM table (svm_bspline.json), whose `classes_` skops stores as JSON items (an object array),
not a `.npy` member: [0] a 3-class rbf SVC with probabilities, [1] a 2-class NuSVC with a
polynomial kernel, each fitted on 30 samples of 3 features."""

import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio
from sklearn.svm import SVC, NuSVC

rng = np.random.default_rng(0)
X = rng.normal(size=(30, 3))
labels = np.array(["low", "mid", "high"], dtype=object)
y3 = labels[np.digitize(X[:, 0], [-0.5, 0.5])]
y2 = labels[(X[:, 1] > 0).astype(int)]
models = [
    SVC(probability=True, random_state=0).fit(X, y3),
    NuSVC(kernel="poly").fit(X, y2),
]
sio.dump(models, Path(__file__).with_name("svm_objects.skops"), compression=zipfile.ZIP_DEFLATED)
