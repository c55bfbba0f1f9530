"""Write the `schema.json` of real skops 0.16 dumps of a varied set of objects.

Run with the project's pinned Python: `/work/main/.venv/bin/python make_schemas.py`.
Only the schema texts are kept (`<name>.json`); the array members are not needed by the tests.
"""

import datetime
import io
import operator
import pathlib
import zipfile
from collections import defaultdict
from functools import partial

import numpy as np
import skops.io as sio
from scipy.sparse import csr_matrix
from sklearn.datasets import load_iris
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

HERE = pathlib.Path(__file__).parent
X, y = load_iris(return_X_y=True)


def objects():
    yield "logistic_regression", LogisticRegression(max_iter=200).fit(X, y)
    yield "pipeline_tree", Pipeline(
        [("scaler", StandardScaler()), ("tree", DecisionTreeClassifier(max_depth=2, random_state=0))]
    ).fit(X, y)
    yield "dict_int_keys", {"a": 1.5, 2: np.array([1.0, 2.0]), "t": ("x", None), 3: [1, {4: "é"}]}
    yield "defaultdict", defaultdict(list, {"k": [1], "j": []})
    yield "partial_add", partial(np.add, 1)
    yield "ufunc_sqrt", np.sqrt
    yield "builtin_len", len
    yield "attrgetter", operator.attrgetter("real", "imag")
    yield "random_state", np.random.RandomState(0)
    yield "default_rng", np.random.default_rng(0)
    yield "object_array", np.array(["a", None, 1, 2.5], dtype=object)
    yield "object_array_2d", np.array([["a", "b"], ["c", None]], dtype=object)
    yield "masked_array", np.ma.MaskedArray([1.0, 2.0, 3.0], mask=[False, True, False])
    yield "dtype", np.dtype("float32")
    yield "csr_matrix", csr_matrix(np.eye(3))
    yield "bytes", {"b": b"\x00\x01abc", "ba": bytearray(b"xyz")}
    yield "datetime", datetime.datetime(2020, 1, 2, 3, 4, 5)
    yield "slice", [slice(1, 10, 2), slice(None, 5, None)]
    lr = LogisticRegression().fit(X, y)
    # skops 0.16 refuses to load this one: `predict` is defined in another module than the class.
    yield "bound_method_other_module", lr.predict
    yield "bound_method", DecisionTreeClassifier(max_depth=1).fit(X, y).predict_proba
    yield "count_vectorizer", CountVectorizer().fit(["the cat sat", "the dog ran", "a cat and a dog"])
    yield "hist_gradient_boosting", HistGradientBoostingClassifier(max_iter=3, random_state=0).fit(X, y)
    yield "sgd_classifier", SGDClassifier(max_iter=5, tol=None, random_state=0).fit(X, y)
    shared = np.arange(3)
    yield "shared_objects", {"x": shared, "y": shared, "l": [shared, shared], "s": {1, 2}, "f": frozenset({3})}
    yield "scalars", [np.float64(2.0), np.int64(7), float("nan"), float("inf"), 2**100, 1e-5, True, "naïve ☃"]


def main():
    for name, obj in objects():
        data = sio.dumps(obj)
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            schema = archive.read("schema.json")
        (HERE / f"{name}.json").write_bytes(schema)
        print(name, len(schema))


main()
