"""Native prediction of kernel SVMs, nearest neighbors and multi-layer perceptrons against
scikit-learn (the Case pattern of `test_infer_parity.py`): every case is exact, within its
bound (`docs/inference.md`) or a mismatch, which fails. Labels must be identical.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp
from _infer import EPS, DataSet, compare, dense, predictor
from _infer import save as sio_dumps
from sklearn.exceptions import ConvergenceWarning
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.svm import SVC, SVR, NuSVC, NuSVR, OneClassSVM
from skops_rs.exceptions import InferenceInputError, InferenceMethodError, UnsupportedModelError
from skops_rs.infer import Predictor

# How far a float result may be from scikit-learn's, per method: ulps, or a function of
# (estimator, batch, expected) giving an elementwise bound.
Bound = int | Callable[[Any, np.ndarray, np.ndarray], np.ndarray]


@dataclass
class Case:
    """One estimator configuration and how its outputs compare."""

    id: str
    make: Callable[[], Any]
    # "y_reg", "y_bin", "y_multi", "y_str", "y_str_unicode" or None (unsupervised)
    target: str | None
    methods: dict[str, Bound] = field(default_factory=dict)
    data: tuple[Callable[[], DataSet], ...] = (dense,)


def relative(scale: float) -> Callable[[Any, np.ndarray, np.ndarray], np.ndarray]:
    """A bound of `scale * (1 + |expected|)`: results of long chains of dot products and
    transcendental functions, where scikit-learn's BLAS may sum in another order."""
    return lambda _est, _X, expected: scale * (1 + np.abs(expected))


# SVM decision values: each kernel value is within a few ulps of libsvm's (its BLAS `ddot`
# sums in another order from 16 features on), and the sum over support vectors adds
# `n_sv * eps` relative error of the sum of magnitudes; 1e-12 relative covers both here.
SVM_BOUND = relative(1e-12)


def _svc(**kwargs: Any) -> Callable[[], Any]:
    return lambda: SVC(**kwargs)


SVM_CLASSIFIER_METHODS: dict[str, Bound] = {"predict": 0, "decision_function": SVM_BOUND}
SVM_PROBA_METHODS: dict[str, Bound] = {
    **SVM_CLASSIFIER_METHODS,
    "predict_proba": SVM_BOUND,
    "predict_log_proba": SVM_BOUND,
}


def _euclidean_slack(est: Any, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn's neighbors and distances of `X`, and how far each distance may be from
    the exact one: its brute euclidean path computes `sqrt(max(‖x‖² - 2x·y + ‖y‖², 0))`,
    whose rounding error is at most `c·eps·(‖x‖² + ‖y‖²)` in the square."""
    dist, ind = est.kneighbors(X)
    if est._fit_method != "brute" or est.effective_metric_ != "euclidean":
        return dist, np.zeros_like(dist)
    err_sq = (
        8
        * (X.shape[1] + 2)
        * EPS
        * ((X**2).sum(axis=1)[:, None] + (est._fit_X**2).sum(axis=1)[ind])
    )
    return dist, np.sqrt(dist**2 + err_sq) - dist + np.sqrt(err_sq) * (dist**2 < err_sq)


def knn_bound(est: Any, X: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Distance-weighted results are ratios of sums of `1/dist`: their relative error is
    twice the largest relative error of a distance (a distance that may be zero makes the
    result as uncertain as its weight is large)."""
    dist, slack = _euclidean_slack(est, np.asarray(X, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(slack == 0, 0.0, slack / np.maximum(dist - slack, 0))
    rel = np.nan_to_num(rel.max(axis=1), posinf=1.0)
    scale = np.abs(expected) if expected.ndim == 1 else np.ones_like(expected)
    rel = rel if expected.ndim == 1 else rel[:, None]
    return np.minimum(4 * rel, 1.0) * np.maximum(scale, 1.0) + 8 * EPS * np.abs(expected)


HIDDEN = {
    "identity": lambda v: v,
    "relu": lambda v: np.maximum(v, 0),
    "tanh": np.tanh,
    "logistic": lambda v: 1 / (1 + np.exp(-v)),
}


def mlp_bound(est: Any, X: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """An absolute bound on each output unit, propagated layer by layer: the error carried in
    (times `|W|`: the activations are 1-Lipschitz) plus the dot product's own
    `2·eps·Σ|aᵢwᵢ|` and a few ulps per activation. A softmax or logistic output then moves
    by at most `2·max|Δz|` relatively, its log by that much absolutely."""
    a = np.asarray(X, dtype=float)
    err = np.zeros_like(a)
    for i, (W, b) in enumerate(zip(est.coefs_, est.intercepts_, strict=True)):
        z = a @ W + b
        err = err @ np.abs(W) + 2 * EPS * (np.abs(a) @ np.abs(W) + np.abs(b)) + 2 * EPS * np.abs(z)
        a = z
        if i != est.n_layers_ - 2:
            a = HIDDEN[est.activation](a)
            err = err + 4 * EPS * np.abs(a)
    if est.out_activation_ == "identity":
        return err.reshape(expected.shape) + 4 * EPS * np.abs(expected)
    dz = 2 * err.max(axis=1, keepdims=True) + 16 * EPS
    if expected.ndim == 1:
        return np.zeros_like(expected)
    # Probabilities are >= 0 (relative bound); log-probabilities are <= 0 (absolute bound).
    return np.where(expected <= 0, dz, dz * expected)


def wide() -> DataSet:
    """24 features: BLAS `ddot` (libsvm's kernels) sums in SIMD lanes from 16 on."""
    data = dense(d=24, seed=5)
    data.name = "wide"
    return data


CASES = [
    *(
        Case(f"svc-{kernel}-{target}", _svc(kernel=kernel), target, SVM_CLASSIFIER_METHODS)
        for kernel in ("linear", "rbf", "poly", "sigmoid")
        for target in ("y_bin", "y_multi", "y_str_unicode")
    ),
    Case("svc-rbf-wide", _svc(), "y_multi", SVM_CLASSIFIER_METHODS, (wide,)),
    Case("svc-linear-wide", _svc(kernel="linear"), "y_bin", SVM_CLASSIFIER_METHODS, (wide,)),
    Case("svr-poly-wide", lambda: SVR(kernel="poly"), "y_reg", {"predict": SVM_BOUND}, (wide,)),
    Case("svc-ovo", _svc(decision_function_shape="ovo"), "y_multi", SVM_CLASSIFIER_METHODS),
    Case("svc-break-ties", _svc(break_ties=True), "y_str_unicode", SVM_CLASSIFIER_METHODS),
    Case(
        "svc-poly-degree-coef0",
        _svc(kernel="poly", degree=4, coef0=0.5, gamma=0.01),
        "y_multi",
        SVM_CLASSIFIER_METHODS,
    ),
    Case("svc-gamma-auto", _svc(gamma="auto", C=3.0), "y_bin", SVM_CLASSIFIER_METHODS),
    Case("svc-proba-bin", _svc(probability=True, random_state=0), "y_bin", SVM_PROBA_METHODS),
    Case(
        "svc-proba-multi",
        _svc(probability=True, random_state=0),
        "y_str_unicode",
        SVM_PROBA_METHODS,
    ),
    Case("nusvc-rbf", lambda: NuSVC(nu=0.3), "y_multi", SVM_CLASSIFIER_METHODS),
    Case("nusvc-linear-bin", lambda: NuSVC(kernel="linear"), "y_bin", SVM_CLASSIFIER_METHODS),
    Case(
        "nusvc-proba",
        lambda: NuSVC(probability=True, random_state=0),
        "y_multi",
        SVM_PROBA_METHODS,
    ),
    *(
        Case(
            f"svr-{kernel}",
            lambda kernel=kernel: SVR(kernel=kernel),
            "y_reg",
            {"predict": SVM_BOUND},
        )
        for kernel in ("linear", "rbf", "poly", "sigmoid")
    ),
    Case("nusvr-rbf", lambda: NuSVR(nu=0.4, C=10.0), "y_reg", {"predict": SVM_BOUND}),
    *(
        Case(
            f"one-class-{kernel}",
            lambda kernel=kernel: OneClassSVM(kernel=kernel, nu=0.2),
            None,
            {"predict": 0, "decision_function": SVM_BOUND, "score_samples": SVM_BOUND},
        )
        for kernel in ("linear", "rbf", "poly", "sigmoid")
    ),
    # Nearest neighbors: kd_tree (the default here), ball_tree and brute, every metric.
    *(
        Case(
            f"knn-{algorithm}-{metric}-{weights}",
            lambda algorithm=algorithm, metric=metric, weights=weights: KNeighborsClassifier(
                algorithm=algorithm, metric=metric, weights=weights
            ),
            "y_str",
            {"predict": 0, "predict_proba": knn_bound},
        )
        for algorithm in ("kd_tree", "ball_tree", "brute")
        for metric in ("euclidean", "manhattan", "chebyshev")
        for weights in ("uniform", "distance")
    ),
    Case(
        "knn-minkowski-p3",
        lambda: KNeighborsClassifier(p=3, n_neighbors=7),
        "y_multi",
        {"predict": 0, "predict_proba": knn_bound},
    ),
    Case(
        "knn-minkowski-p1.5-distance",
        lambda: KNeighborsClassifier(p=1.5, weights="distance", algorithm="brute"),
        "y_bin",
        {"predict": 0, "predict_proba": knn_bound},
    ),
    Case(
        "knn-k12-distance",
        lambda: KNeighborsClassifier(n_neighbors=12, weights="distance"),
        "y_multi",
        {"predict": 0, "predict_proba": knn_bound},
    ),
    *(
        Case(
            f"knn-regressor-{algorithm}-{weights}",
            lambda algorithm=algorithm, weights=weights: KNeighborsRegressor(
                algorithm=algorithm, weights=weights, n_neighbors=10
            ),
            "y_reg",
            {"predict": knn_bound},
        )
        for algorithm in ("kd_tree", "brute")
        for weights in ("uniform", "distance")
    ),
    Case(
        "knn-regressor-manhattan",
        lambda: KNeighborsRegressor(metric="manhattan"),
        "y_reg",
        {"predict": knn_bound},
    ),
    Case(
        "knn-brute-wide-distance",
        lambda: KNeighborsClassifier(algorithm="brute", weights="distance"),
        "y_multi",
        {"predict": 0, "predict_proba": knn_bound},
        (wide,),
    ),
    Case(
        "mlp-wide",
        lambda: MLPClassifier(hidden_layer_sizes=(40,), max_iter=200, random_state=0),
        "y_multi",
        {"predict": 0, "predict_proba": mlp_bound, "predict_log_proba": mlp_bound},
        (wide,),
    ),
    # Multi-layer perceptrons: every hidden activation, binary / multiclass / strings.
    *(
        Case(
            f"mlp-{activation}-{target}",
            lambda activation=activation: MLPClassifier(
                hidden_layer_sizes=(20, 10), activation=activation, max_iter=300, random_state=0
            ),
            target,
            {"predict": 0, "predict_proba": mlp_bound, "predict_log_proba": mlp_bound},
        )
        for activation in ("identity", "logistic", "tanh", "relu")
        for target in ("y_bin", "y_multi", "y_str")
    ),
    *(
        Case(
            f"mlp-regressor-{activation}",
            lambda activation=activation: MLPRegressor(
                hidden_layer_sizes=(16,), activation=activation, max_iter=300, random_state=0
            ),
            "y_reg",
            {"predict": mlp_bound},
        )
        for activation in ("identity", "logistic", "tanh", "relu")
    ),
]


def _fit(case: Case, data: DataSet) -> Any:
    estimator = case.make()
    with warnings.catch_warnings():
        # `probability=True` is deprecated in scikit-learn 1.9 (fitted files still have it);
        # small MLPs stop before converging.
        warnings.simplefilter("ignore", FutureWarning)
        warnings.simplefilter("ignore", ConvergenceWarning)
        if case.target is None:
            return estimator.fit(data.X)
        if case.target == "y_str_unicode":
            # skops-trust's libsvm validator refuses an object-dtype `classes_` (reported):
            # SVMs are checked on numpy unicode labels.
            return estimator.fit(data.X, data.y_str.astype(str))
        return estimator.fit(data.X, getattr(data, case.target))


def _equal_infinities_zeroed(expected: Any, got: Any) -> tuple[Any, Any]:
    """Equal infinities (`log(0)` in both) set to 0 in both: `compare`'s bound check takes
    differences, and `inf - inf` is NaN."""
    expected, got = np.asarray(expected), np.asarray(got)
    if expected.dtype.kind != "f" or got.shape != expected.shape:
        return expected, got
    same = np.isinf(expected) & (expected == got)
    if not same.any():
        return expected, got
    return np.where(same, 0.0, expected), np.where(same, 0.0, got)


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_native_outputs_equal_scikit_learn(case: Case) -> None:
    for make_data in case.data:
        data = make_data()
        estimator = _fit(case, data)
        native = predictor(estimator)
        for method, how in case.methods.items():
            for batch in data.batches():
                expected = getattr(estimator, method)(batch)
                got = getattr(native, method)(batch)
                if callable(how):
                    expected, got = _equal_infinities_zeroed(expected, got)
                    outcome = compare(
                        estimator, method, expected, got, bound=how(estimator, batch, expected)
                    )
                else:
                    outcome = compare(estimator, method, expected, got, ulps=how)
                assert outcome != "mismatch", (case.id, data.name, method)


BAD_INPUT_ESTIMATORS = [
    ("svc", lambda d: SVC().fit(d.X, d.y_multi)),
    ("svr", lambda d: SVR().fit(d.X, d.y_reg)),
    ("one-class", lambda d: OneClassSVM().fit(d.X)),
    ("knn", lambda d: KNeighborsClassifier().fit(d.X, d.y_str)),
    ("knn-regressor", lambda d: KNeighborsRegressor().fit(d.X, d.y_reg)),
    ("mlp", lambda d: MLPClassifier(max_iter=20, random_state=0).fit(d.X, d.y_multi)),
]


@pytest.mark.parametrize(
    ("name", "fit"), BAD_INPUT_ESTIMATORS, ids=lambda v: v if isinstance(v, str) else ""
)
def test_bad_input_is_refused_where_scikit_learn_refuses(name: str, fit: Callable) -> None:
    data = dense()
    estimator = fit(data)
    native = predictor(estimator)
    narrow = data.X[:3, :-1]
    with pytest.raises(ValueError):
        estimator.predict(narrow)
    with pytest.raises(InferenceInputError, match="columns"):
        native.predict(narrow)
    for bad in (np.nan, np.inf):
        X = data.X[:3].copy()
        X[1, 2] = bad
        with pytest.raises(ValueError):
            estimator.predict(X)
        with pytest.raises(InferenceInputError):
            native.predict(X)


def test_svm_methods_follow_scikit_learn() -> None:
    data = dense()
    ovo = SVC(break_ties=True, decision_function_shape="ovo").fit(data.X, data.y_multi)
    with pytest.raises(ValueError, match="break_ties"):
        ovo.predict(data.X)
    with pytest.raises(UnsupportedModelError, match="break_ties"):
        predictor(ovo).predict(data.X)
    expected = ovo.decision_function(data.X)
    assert (
        compare(
            ovo,
            "decision_function",
            expected,
            predictor(ovo).decision_function(data.X),
            bound=SVM_BOUND(ovo, data.X, expected),
        )
        != "mismatch"
    )
    native = predictor(SVC().fit(data.X, data.y_bin))
    assert not hasattr(SVC().fit(data.X, data.y_bin), "predict_proba")
    with pytest.raises(InferenceMethodError):
        native.predict_proba(data.X)
    with pytest.raises(InferenceMethodError):
        predictor(SVR().fit(data.X, data.y_reg)).decision_function(data.X)


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda d: SVC(kernel="precomputed").fit(d.X @ d.X.T, d.y_bin), "kernel='precomputed'"),
        (lambda d: SVC().fit(sp.csr_matrix(d.X), d.y_bin), "sparse"),
        (lambda d: SVR().fit(sp.csr_matrix(d.X), d.y_reg), "sparse"),
        (lambda d: OneClassSVM(kernel="precomputed").fit(d.X @ d.X.T), "kernel='precomputed'"),
    ],
    ids=["svc-precomputed", "svc-sparse", "svr-sparse", "one-class-precomputed"],
)
def test_unsupported_svms_are_refused_with_their_path(make: Callable, match: str) -> None:
    estimator = make(dense(n=60))
    with pytest.raises(UnsupportedModelError, match=match) as error:
        predictor(estimator)
    assert "(root)" in str(error.value)


def _manhattan(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).sum())


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda d: KNeighborsClassifier(metric="cosine").fit(d.X, d.y_bin), "metric='cosine'"),
        (lambda d: KNeighborsClassifier(metric=_manhattan).fit(d.X, d.y_bin), "metric"),
        (
            lambda d: KNeighborsClassifier(weights=lambda dist: 1 / (1 + dist)).fit(d.X, d.y_bin),
            "weights",
        ),
        (
            lambda d: KNeighborsRegressor(metric_params={"w": np.ones(6)}).fit(d.X, d.y_reg),
            "metric_params",
        ),
        (
            lambda d: KNeighborsRegressor().fit(d.X, np.c_[d.y_reg, d.y_reg]),
            "several outputs",
        ),
        (
            lambda d: MLPClassifier(max_iter=5, random_state=0).fit(
                d.X, np.c_[d.y_bin, 1 - d.y_bin]
            ),
            "multilabel",
        ),
    ],
    ids=[
        "knn-cosine",
        "knn-callable-metric",
        "knn-callable-weights",
        "knn-metric-params",
        "knn-2d-y",
        "mlp-multilabel",
    ],
)
def test_unsupported_neighbors_and_mlps_are_refused(make: Callable, match: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator = make(dense(n=60))
    try:
        data = sio_dumps(estimator)
    except Exception as error:  # skops may refuse to write a lambda: nothing to predict then
        pytest.skip(f"cannot be saved: {error}")
    with pytest.raises(UnsupportedModelError, match=match) as error:
        Predictor.from_bytes(data)
    assert "(root)" in str(error.value)


@pytest.mark.parametrize(
    "make",
    [
        lambda d: SVC(kernel="poly").fit(d.X, d.y_multi),
        lambda d: KNeighborsRegressor(weights="distance", algorithm="brute").fit(d.X, d.y_reg),
        lambda d: MLPRegressor(hidden_layer_sizes=(8,), max_iter=50, random_state=0).fit(
            d.X, d.y_reg
        ),
    ],
    ids=["svc", "knn", "mlp"],
)
def test_batch_split_does_not_change_bits(make: Callable) -> None:
    data = dense(n=3000, seed=7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        native = predictor(make(data))
    whole = native.predict(data.X)
    pieces = np.concatenate([native.predict(data.X[i : i + 333]) for i in range(0, 3000, 333)])
    assert whole.tobytes() == pieces.tobytes()
