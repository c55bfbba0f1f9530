"""Native prediction of linear models and GaussianNB against scikit-learn.

On CSR input scikit-learn (scipy) sums each row's stored entries in order, as the native
engine does: every output is bit-exact (softmax within 1 ulp, `np.exp` being host-dependent).
On dense input scikit-learn goes through BLAS, whose order is not its own across batch
shapes: scores are compared within `dot_bound` (2 eps sum |x_i w_i|), probabilities within
that bound carried through expit/softmax, labels exactly. GaussianNB does not use BLAS and is
bit-exact on dense input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from _infer import EPS, DataSet, compare, dense, dot_bound, predictor, sparse
from sklearn.linear_model import (
    ElasticNet,
    ElasticNetCV,
    Lasso,
    LassoCV,
    LinearRegression,
    LogisticRegression,
    LogisticRegressionCV,
    Perceptron,
    Ridge,
    RidgeClassifier,
    RidgeClassifierCV,
    RidgeCV,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.multiclass import OneVsRestClassifier
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import LinearSVC, LinearSVR
from skops_rs.exceptions import InferenceInputError, InferenceMethodError, UnsupportedModelError

SCORES = ("predict_reg", "decision_function")
CLASSIFIER = ("predict", "decision_function")
PROBA = ("predict", "decision_function", "predict_proba", "predict_log_proba")
OVR = ("predict", "decision_function", "predict_proba")


@dataclass
class Case:
    """One estimator configuration, its target and the methods it has."""

    id: str
    make: Callable[[], Any]
    target: str  # "y_reg", "y_reg2" (two outputs), "y_bin", "y_multi", "y_ten" or "y_str"
    methods: tuple[str, ...]
    data: tuple[Callable[[], DataSet], ...] = (dense, sparse)
    ulps: int = 0  # allowed on the probabilities (softmax goes through np.exp)


def _target(data: DataSet, name: str) -> np.ndarray:
    if name == "y_reg2":
        return np.c_[data.y_reg, 2 * data.y_reg - data.y_multi]
    if name == "y_ten":
        # Ten classes: softmax and one-vs-rest sums go through numpy's 8-lane pairwise sum.
        return np.digitize(data.y_reg, np.quantile(data.y_reg, np.linspace(0.1, 0.9, 9)))
    return getattr(data, name)


def _wide() -> DataSet:
    return dense(d=20, seed=5)


def _sgd(**kwargs: Any) -> Callable[[], Any]:
    return lambda: SGDClassifier(random_state=0, max_iter=50, tol=None, **kwargs)


CASES = [
    Case("linear-regression", LinearRegression, "y_reg", ("predict_reg",)),
    Case("linear-regression-2-outputs", LinearRegression, "y_reg2", ("predict_reg",)),
    Case(
        "linear-regression-no-intercept",
        lambda: LinearRegression(fit_intercept=False),
        "y_reg",
        ("predict_reg",),
    ),
    Case("ridge", lambda: Ridge(alpha=0.5), "y_reg", ("predict_reg",)),
    Case("ridge-2-outputs", Ridge, "y_reg2", ("predict_reg",)),
    Case("ridge-cv", RidgeCV, "y_reg", ("predict_reg",)),
    Case("lasso", lambda: Lasso(alpha=0.01), "y_reg", ("predict_reg",)),
    Case("lasso-2-outputs", lambda: Lasso(alpha=0.01), "y_reg2", ("predict_reg",)),
    Case("lasso-cv", lambda: LassoCV(cv=3), "y_reg", ("predict_reg",)),
    Case("elastic-net", lambda: ElasticNet(alpha=0.01), "y_reg", ("predict_reg",)),
    Case("elastic-net-cv", lambda: ElasticNetCV(cv=3), "y_reg", ("predict_reg",)),
    Case(
        "sgd-regressor",
        lambda: SGDRegressor(random_state=0, max_iter=50, tol=None),
        "y_reg",
        ("predict_reg",),
    ),
    Case("linear-svr", lambda: LinearSVR(random_state=0, max_iter=5000), "y_reg", ("predict_reg",)),
    Case("logistic-binary", LogisticRegression, "y_bin", PROBA),
    Case("logistic-multinomial", LogisticRegression, "y_multi", PROBA, ulps=1),
    Case("logistic-strings", LogisticRegression, "y_str", PROBA, ulps=1),
    Case("logistic-cv", lambda: LogisticRegressionCV(cv=3), "y_multi", PROBA, ulps=1),
    Case("logistic-ten-classes", LogisticRegression, "y_ten", PROBA, ulps=1),
    Case("sgd-hinge-binary", _sgd(), "y_bin", CLASSIFIER),
    Case("sgd-hinge-multiclass", _sgd(), "y_str", CLASSIFIER),
    Case("sgd-log-binary", _sgd(loss="log_loss"), "y_bin", PROBA),
    Case("sgd-log-multiclass", _sgd(loss="log_loss"), "y_multi", PROBA),
    Case("sgd-log-ten-classes", _sgd(loss="log_loss"), "y_ten", PROBA),
    Case("sgd-huber-binary", _sgd(loss="modified_huber"), "y_bin", PROBA),
    Case("sgd-huber-multiclass", _sgd(loss="modified_huber"), "y_str", PROBA),
    Case("perceptron", lambda: Perceptron(random_state=0), "y_multi", CLASSIFIER),
    Case("linear-svc-binary", lambda: LinearSVC(random_state=0), "y_bin", CLASSIFIER),
    Case("linear-svc-multiclass", lambda: LinearSVC(random_state=0), "y_str", CLASSIFIER),
    Case("ridge-classifier-binary", RidgeClassifier, "y_bin", CLASSIFIER),
    Case("ridge-classifier-multiclass", RidgeClassifier, "y_multi", CLASSIFIER),
    Case("ridge-classifier-cv", RidgeClassifierCV, "y_str", CLASSIFIER),
    Case(
        "gaussian-nb",
        GaussianNB,
        "y_str",
        ("predict", "predict_proba", "predict_log_proba"),
        (dense,),
    ),
    Case(
        "gaussian-nb-wide-ten-classes",
        GaussianNB,
        "y_ten",
        ("predict", "predict_proba", "predict_log_proba"),
        (_wide,),
    ),
    Case("ovr-logistic", lambda: OneVsRestClassifier(LogisticRegression()), "y_str", OVR),
    Case("ovr-logistic-binary", lambda: OneVsRestClassifier(LogisticRegression()), "y_bin", OVR),
    Case(
        "ovr-linear-svc",
        lambda: OneVsRestClassifier(LinearSVC(random_state=0)),
        "y_multi",
        CLASSIFIER,
    ),
    Case(
        "gaussian-nb-binary-priors",
        lambda: GaussianNB(priors=[0.3, 0.7]),
        "y_bin",
        ("predict", "predict_proba", "predict_log_proba"),
        (dense,),
    ),
]


def _bounds(estimator: Any, batch: np.ndarray, method: str, expected: np.ndarray) -> Any:
    """The elementwise bound of a dense case: `dot_bound` on scores; carried through expit
    (slope <= 1/4) and softmax (each probability moves by at most twice the largest score
    error) for probabilities; through `log` by dividing by the probability."""
    if isinstance(estimator, GaussianNB):
        return None
    coef = (
        np.vstack([e.coef_ for e in estimator.estimators_])
        if isinstance(estimator, OneVsRestClassifier)
        else estimator.coef_
    )
    # The native dense score is the exact score rounded once (`accurate_score`), so it is
    # off from scikit-learn's by scikit-learn's own rounding: its BLAS dot product (within
    # `dot_bound`, 2 eps sum|x_i w_i|) and its addition of the intercept (eps |score|).
    scores = dot_bound(batch, coef) + 2 * EPS * np.abs(
        estimator.decision_function(batch)
        if hasattr(estimator, "decision_function")
        else estimator.predict(batch)
    )
    if method in ("predict_reg", "decision_function"):
        return scores
    worst = np.max(np.atleast_2d(scores).reshape(len(batch), -1), axis=1)[:, None]
    proba_bound = 2 * worst + 8 * EPS
    if method == "predict_proba":
        return proba_bound
    # predict_log_proba: d log p = dp / p, plus the rounding of log itself.
    return proba_bound / np.exp(expected) + 8 * EPS * np.abs(expected)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_native_outputs_equal_scikit_learn(case: Case) -> None:
    for make_data in case.data:
        data = make_data()
        estimator = case.make().fit(data.X, _target(data, case.target))
        native = predictor(estimator)
        for method in case.methods:
            name = "predict" if method == "predict_reg" else method
            for batch in data.batches():
                expected = getattr(estimator, name)(batch)
                got = getattr(native, name)(batch)
                exact_input = sp.issparse(batch) or isinstance(estimator, GaussianNB)
                labels = name == "predict" and method != "predict_reg"
                if exact_input or labels:
                    ulps = case.ulps if method.startswith("predict_") and not labels else 0
                    if name == "predict_log_proba":
                        ulps = 2 * case.ulps
                    outcome = compare(estimator, name, expected, got, ulps=ulps)
                    allowed = ("exact",) if ulps == 0 else ("exact", "within")
                else:
                    bound = np.broadcast_to(
                        _bounds(estimator, batch, method, expected), expected.shape
                    )
                    # A probability of exactly 0 (modified Huber, or expit rounding to 1)
                    # has log -inf on both sides; the bound applies to the finite logs.
                    infinite = np.isinf(expected)
                    assert np.array_equal(expected[infinite], np.asarray(got)[infinite])
                    outcome = compare(
                        estimator,
                        name,
                        expected[~infinite],
                        np.asarray(got)[~infinite],
                        bound=bound[~infinite],
                    )
                    allowed = ("exact", "within")
                assert outcome in allowed, (case.id, data.name, method, type(batch).__name__)


def test_bad_input_is_refused_as_scikit_learn_refuses_it() -> None:
    data = dense()
    for estimator in (
        LogisticRegression().fit(data.X, data.y_multi),
        Ridge().fit(data.X, data.y_reg),
        GaussianNB().fit(data.X, data.y_str),
    ):
        native = predictor(estimator)
        narrow = data.X[:5, :4]
        with pytest.raises(ValueError):
            estimator.predict(narrow)
        with pytest.raises(InferenceInputError, match="columns"):
            native.predict(narrow)
        for bad in (np.nan, np.inf):
            X = data.X[:5].copy()
            X[2, 3] = bad
            with pytest.raises(ValueError):
                estimator.predict(X)
            with pytest.raises(InferenceInputError, match=r"row 2, column 3"):
                native.predict(X)
    sparse_data = sparse()
    estimator = LogisticRegression().fit(sparse_data.X, sparse_data.y_bin)
    native = predictor(estimator)
    X = sparse_data.X[:5].copy()
    X.data[1] = np.nan
    with pytest.raises(ValueError):
        estimator.predict(X)
    with pytest.raises(InferenceInputError, match="NaN"):
        native.predict(X)
    wide = sp.hstack([sparse_data.X[:5], sparse_data.X[:5]]).tocsr()
    with pytest.raises(ValueError):
        estimator.predict(wide)
    with pytest.raises(InferenceInputError, match="columns"):
        native.predict(wide)
    # GaussianNB takes dense input only.
    nb = GaussianNB().fit(sparse_data.X.toarray(), sparse_data.y_bin)
    with pytest.raises(TypeError):
        nb.predict(sparse_data.X)
    with pytest.raises(InferenceInputError, match="dense input only"):
        predictor(nb).predict(sparse_data.X)


def test_methods_scikit_learn_lacks_are_refused() -> None:
    data = dense()
    for estimator in (
        LinearSVC().fit(data.X, data.y_bin),
        SGDClassifier().fit(data.X, data.y_bin),
        RidgeClassifier().fit(data.X, data.y_bin),
    ):
        assert not hasattr(estimator, "predict_proba")
        native = predictor(estimator)
        assert "predict_proba" not in native.methods
        with pytest.raises(InferenceMethodError):
            native.predict_proba(data.X)
    ridge = predictor(Ridge().fit(data.X, data.y_reg))
    assert ridge.methods == ["predict"]
    with pytest.raises(InferenceMethodError):
        ridge.decision_function(data.X)


def test_multilabel_ridge_classifier_is_refused_with_its_path() -> None:
    data = dense()
    y = np.c_[data.y_bin, 1 - data.y_bin * (data.y_multi > 1)]
    estimator = RidgeClassifier().fit(data.X, y)
    with pytest.raises(UnsupportedModelError, match=r"multilabel.*|.*\(root\).*multilabel"):
        predictor(estimator)


def test_sparse_batches_split_into_chunks_give_the_same_bits() -> None:
    data = sparse(n=6000, seed=7)
    estimator = LogisticRegression().fit(data.X, data.y_multi)
    native = predictor(estimator)
    whole = native.predict_proba(data.X)
    pieces = np.concatenate(
        [native.predict_proba(data.X[i : i + 999]) for i in range(0, 6000, 999)]
    )
    assert whole.tobytes() == pieces.tobytes()
    scores = native.decision_function(data.X)
    assert scores.tobytes() == estimator.decision_function(data.X).tobytes()


def test_a_sparsified_coef_is_refused_with_its_path() -> None:
    data = dense()
    estimator = SGDClassifier(random_state=0).fit(data.X, data.y_bin).sparsify()
    with pytest.raises(UnsupportedModelError, match=r"coef_.*\(root\)|\(root\).*coef_"):
        predictor(estimator)
