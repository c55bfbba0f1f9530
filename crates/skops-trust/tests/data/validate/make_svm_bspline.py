"""Writes svm_bspline.skops: a list of small fitted models saved by skops 0.16 for the SVM and
BSpline validator tests (the svm_bspline table, svm_bspline.json): [0] a 3-class rbf
SVC with probabilities, [1] a precomputed-kernel SVC, [2] a NuSVR, [3] a OneClassSVM, [4] an
SVC fitted on sparse data, [5] a SplineTransformer, [6] an SVC with a callable kernel."""

import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import skops.io as sio
from sklearn.metrics.pairwise import rbf_kernel
from sklearn.preprocessing import SplineTransformer
from sklearn.svm import SVC, NuSVR, OneClassSVM

rng = np.random.default_rng(0)
X = rng.normal(size=(30, 3))
y3 = np.digitize(X[:, 0], [-0.5, 0.5])
y2 = (X[:, 1] > 0).astype(int)
models = [
    SVC(probability=True, random_state=0).fit(X, y3),
    SVC(kernel="precomputed").fit(X @ X.T, y2),
    NuSVR().fit(X, X[:, 2]),
    OneClassSVM().fit(X),
    SVC(kernel="linear").fit(sp.csr_array(np.where(np.abs(X) > 0.5, X, 0.0)), y2),
    SplineTransformer(n_knots=4, degree=3).fit(X),
    SVC(kernel=rbf_kernel).fit(X, y2),
]
sio.dump(
    models,
    Path(__file__).with_name("svm_bspline.skops"),
    compression=zipfile.ZIP_DEFLATED,
)
