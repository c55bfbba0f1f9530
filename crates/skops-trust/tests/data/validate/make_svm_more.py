"""Writes svm_more.skops: more models saved by skops 0.16 for the SVM table (svm_bspline.json),
beside those of svm_bspline.skops, each fitted on 40 samples of 3 features: [0] a 3-class
NuSVC with a polynomial kernel, [1] an SVR, [2] a NuSVR with a sigmoid kernel, [3] an SVR
fitted on sparse data, [4] a BSpline alone (no transformer ties it to a width)."""

import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import skops.io as sio
from scipy.interpolate import BSpline
from sklearn.svm import SVR, NuSVC, NuSVR

rng = np.random.default_rng(0)
X = rng.normal(size=(40, 3))
y3 = np.digitize(X[:, 0], [-0.5, 0.5])
y2 = (X[:, 1] > 0).astype(int)
models = [
    NuSVC(kernel="poly").fit(X, y3),
    SVR().fit(X, X[:, 2]),
    NuSVR(kernel="sigmoid").fit(X, X[:, 2]),
    SVR().fit(sp.csr_array(np.where(np.abs(X) > 0.5, X, 0.0)), y2),
    BSpline(np.arange(8.0), np.ones(4), 3),
]
sio.dump(models, Path(__file__).with_name("svm_more.skops"), compression=zipfile.ZIP_DEFLATED)
