"""Writes transformers.skops: a list of fitted transformers saved by skops 0.16 (which trusts
them all by default), for the encoders, vocabulary and polynomial tables and the degree and
item-size cases of the svm_bspline and dtype tables: [0] a OneHotEncoder of four digits (one
column), [1] a CountVectorizer, [2] a TfidfVectorizer, [3] a DictVectorizer, [4] a
MultiLabelBinarizer that transformed once (it keeps its label table), [5] a PolynomialFeatures
of interactions on sparse data, [6] a one-feature SplineTransformer, [7] a KBinsDiscretizer."""

import warnings
import zipfile
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import skops.io as sio
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import (
    KBinsDiscretizer,
    MultiLabelBinarizer,
    OneHotEncoder,
    PolynomialFeatures,
    SplineTransformer,
)

documents = ["red green blue", "green blue yellow", "blue blue red"]
records = [{"colour": "red", "size": 2.0}, {"colour": "blue", "weight": 1.5}]
labels = [["red", "green"], ["blue"]]
binarizer = MultiLabelBinarizer().fit(labels)
binarizer.transform(labels)
X = np.random.default_rng(0).normal(size=(40, 3))
models = [
    OneHotEncoder(sparse_output=False, handle_unknown="ignore").fit(np.arange(4).reshape(-1, 1)),
    CountVectorizer().fit(documents),
    TfidfVectorizer().fit(documents),
    DictVectorizer(sparse=False).fit(records),
    binarizer,
    PolynomialFeatures(degree=2, interaction_only=True).fit(
        sp.random(40, 6, density=0.5, format="csr", random_state=0)
    ),
    SplineTransformer(n_knots=5, degree=3).fit(X[:, :1]),
    KBinsDiscretizer(n_bins=3, encode="ordinal", quantile_method="averaged_inverted_cdf").fit(X),
]
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    sio.dump(
        models, Path(__file__).with_name("transformers.skops"), compression=zipfile.ZIP_DEFLATED
    )
