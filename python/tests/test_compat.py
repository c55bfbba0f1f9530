"""Compatibility matrix with skops 0.16: every estimator, both directions.

For every fitted estimator of skops' own test list (``_tested_estimators``, via the fixture
generator), every composite, and extra cases (GradientBoosting / HistGradientBoosting with every
loss, random states and generators, ColumnTransformer on a pandas DataFrame), four columns:

- (a) dumped by skops_rs, loaded by skops (trusting what skops reports for that data);
- (b) dumped by skops, loaded by skops_rs (same trust);
- (c) skops_rs round trip (trusting what skops_rs reports);
- (d) ``skops_rs.io.get_untrusted_types`` equals skops' on the skops file and on the skops_rs
  file.

"Same" means what skops' own tests mean: ``assert_params_equal`` on ``__dict__`` and equal
outputs of predict / predict_proba / decision_function / transform / predict_log_proba
(``assert_method_outputs_equal``). Known differences go in ``KNOWN_INCOMPATIBLE`` (strict
xfail: fixing one makes its test fail until the entry is removed). The per-column counts are
printed at the end of the session (``pytest_terminal_summary`` in conftest.py).

Protocol 0 and 1 files, built as skops' ``test_persist_old.py`` builds them, are checked too.

Each estimator is fitted once per session, when a test first needs it.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
import skops_rs.io as rio
from _support import VALIDATED_TYPES, BuiltOnce, import_generator
from scipy import special
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils._testing import set_random_state
from skops_rs.exceptions import UntrustedTypesFoundException

generate = import_generator()

# isort: off
import skops.io as sio  # noqa: E402  (after the generator: see its docstring on import order)
from skops.io import _trusted_types  # noqa: E402
from skops.io._utils import get_module  # noqa: E402
from skops.io.tests import _utils as skops_test_utils  # noqa: E402
from skops.io.tests import test_persist, test_persist_old  # noqa: E402

# isort: on

#: Known differences: case name -> reason. A key may end with the columns it applies to, in
#: brackets (e.g. `"TSNE[ab]"`); without brackets it applies to all four columns.
KNOWN_INCOMPATIBLE: dict[str, str] = {}

COLUMNS = "abcd"


def _known(name: str, column: str) -> str | None:
    for key, reason in KNOWN_INCOMPATIBLE.items():
        case, _, columns = key.partition("[")
        if case == name and (not columns or column in columns.rstrip("]")):
            return reason
    return None


# ----- the cases ------------------------------------------------------------------------------


@dataclass
class Case:
    """One object to persist: how to build it fitted, and what to call on it."""

    name: str
    build: Callable[[], tuple[Any, Any]]  # -> (fitted object, X for the method outputs or None)
    check: Callable[[Any, Any], None] | None = None  # extra comparison (original, loaded)


def _fit_like_skops(estimator: Any) -> Callable[[], tuple[Any, Any]]:
    def build() -> tuple[Any, Any]:
        set_random_state(estimator, random_state=0)
        X, y = test_persist.get_input(estimator)
        if generate.get_tags(estimator).requires_fit:
            if y is not None:
                estimator.fit(X, y)
            else:
                estimator.fit(X)
        return estimator, X

    return build


def _data(problem: str) -> tuple[Any, Any]:
    """The datasets of skops' `test_gradient_boosting_estimators_trust_internals...`."""
    n, p = test_persist.N_SAMPLES, test_persist.N_FEATURES
    if problem == "binary":
        return make_classification(n_samples=n, n_features=p, n_informative=5, random_state=0)
    if problem == "multiclass":
        return make_classification(
            n_samples=140,
            n_features=p,
            n_classes=3,
            n_informative=8,
            n_clusters_per_class=1,
            random_state=0,
        )
    X, y = make_regression(n_samples=n, n_features=p, random_state=0)
    if problem == "positive_regression":
        y = np.abs(y) + 1
    return X, y


def _fit_on(estimator: Any, problem: str) -> Callable[[], tuple[Any, Any]]:
    def build() -> tuple[Any, Any]:
        set_random_state(estimator, random_state=0)
        X, y = _data(problem)
        return estimator.fit(X, y), X

    return build


BOOSTING: list[tuple[str, Any, str]] = [
    ("gb_classifier_log_loss_binary", GradientBoostingClassifier(n_estimators=5), "binary"),
    ("gb_classifier_log_loss_multiclass", GradientBoostingClassifier(n_estimators=5), "multiclass"),
    (
        "gb_classifier_exponential",
        GradientBoostingClassifier(loss="exponential", n_estimators=5),
        "binary",
    ),
    ("gb_regressor_squared_error", GradientBoostingRegressor(n_estimators=5), "regression"),
    (
        "gb_regressor_absolute_error",
        GradientBoostingRegressor(loss="absolute_error", n_estimators=5),
        "regression",
    ),
    ("gb_regressor_huber", GradientBoostingRegressor(loss="huber", n_estimators=5), "regression"),
    (
        "gb_regressor_quantile",
        GradientBoostingRegressor(loss="quantile", alpha=0.8, n_estimators=5),
        "regression",
    ),
    ("hgb_classifier_log_loss_binary", HistGradientBoostingClassifier(max_iter=5), "binary"),
    (
        "hgb_classifier_log_loss_multiclass",
        HistGradientBoostingClassifier(max_iter=5),
        "multiclass",
    ),
    ("hgb_regressor_squared_error", HistGradientBoostingRegressor(max_iter=5), "regression"),
    (
        "hgb_regressor_absolute_error",
        HistGradientBoostingRegressor(loss="absolute_error", max_iter=5),
        "regression",
    ),
    (
        "hgb_regressor_gamma",
        HistGradientBoostingRegressor(loss="gamma", max_iter=5),
        "positive_regression",
    ),
    (
        "hgb_regressor_poisson",
        HistGradientBoostingRegressor(loss="poisson", max_iter=5),
        "positive_regression",
    ),
    (
        "hgb_regressor_quantile",
        HistGradientBoostingRegressor(loss="quantile", quantile=0.3, max_iter=5),
        "regression",
    ),
]

RANDOM_STATES: list[tuple[str, Callable[[], Any]]] = [
    ("none", lambda: None),
    ("int", lambda: 0),
    ("random_state_42", lambda: np.random.RandomState(42)),
    ("default_rng", np.random.default_rng),
    ("generator_pcg64dxsm", lambda: np.random.Generator(np.random.PCG64DXSM(123))),
]


def _random_state_case(make: Callable[[], Any]) -> Callable[[], tuple[Any, Any]]:
    def build() -> tuple[Any, Any]:
        estimator = test_persist.RandomStateEstimator(random_state=make()).fit(None, None)
        estimator.random_state_.random(123)  # move away from the seeded state
        return estimator, None

    return build


def _same_random_stream(original: Any, loaded: Any) -> None:
    """The loaded generator continues the original's stream (drawn from copies)."""
    expected = copy.deepcopy(original.random_state_).random(100)
    np.testing.assert_equal(copy.deepcopy(loaded.random_state_).random(100), expected)
    if isinstance(original.random_state, np.random.Generator):
        # the same object twice in the original: shared in the loaded object too
        assert loaded.random_state is loaded.random_state_


def _mixed_frame(n: int = 80) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.RandomState(0)
    frame = pd.DataFrame(
        {
            "age": rng.normal(40, 10, n),
            "income": rng.lognormal(10, 1, n),
            "city": rng.choice(["paris", "oslo", "rome"], n),
            "plan": pd.Categorical(rng.choice(["free", "pro"], n)),
        }
    )
    y = (frame["age"] > 40).to_numpy().astype(int)
    return frame, y


def _column_transformer_pipeline() -> tuple[Any, Any]:
    X, y = _mixed_frame()
    columns = ColumnTransformer(
        [
            ("num", StandardScaler(), ["age", "income"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["city", "plan"]),
        ]
    )
    return Pipeline([("columns", columns), ("clf", LogisticRegression())]).fit(X, y), X


def _column_transformer_pandas_output() -> tuple[Any, Any]:
    X, _ = _mixed_frame()
    columns = ColumnTransformer(
        [
            ("cat", OneHotEncoder(sparse_output=False), ["city"]),
            ("num", StandardScaler(), ["age"]),
        ]
    ).set_output(transform="pandas")  # numeric output: skops' helper compares it with allclose
    return columns.fit(X), X


def _all_cases() -> list[Case]:
    estimators, composites = generate.tested_estimators()
    cases: list[Case] = []
    seen: dict[str, int] = {}
    for name, estimator in [*estimators, *composites]:
        seen[name] = seen.get(name, 0) + 1
        unique = name if seen[name] == 1 else f"{name}_{seen[name]}"
        cases.append(Case(unique, _fit_like_skops(estimator)))
    cases.extend(Case(name, _fit_on(est, problem)) for name, est, problem in BOOSTING)
    cases.extend(
        Case(f"random_state_estimator_{name}", _random_state_case(make), _same_random_stream)
        for name, make in RANDOM_STATES
    )
    cases.append(Case("column_transformer_pandas_pipeline", _column_transformer_pipeline))
    cases.append(Case("column_transformer_pandas_output", _column_transformer_pandas_output))
    return cases


CASES: dict[str, Case] = {case.name: case for case in _all_cases()}


@dataclass
class Fitted:
    """A fitted case and its two files, made once per session (`obj` is never mutated)."""

    obj: Any
    X: Any
    check: Callable[[Any, Any], None] | None
    skops_data: bytes
    _rs_data: bytes | None = field(default=None, repr=False)

    @property
    def rs_data(self) -> bytes:
        if self._rs_data is None:
            self._rs_data = rio.dumps(self.obj)
        return self._rs_data


def _fit_case(name: str) -> Fitted:
    case = CASES[name]
    obj, X = case.build()
    return Fitted(obj, X, case.check, sio.dumps(obj))


FittedCases = BuiltOnce[Fitted]


@pytest.fixture(scope="session")
def fitted_cases() -> FittedCases:
    return BuiltOnce(_fit_case, "cannot be fitted or dumped by skops here")


def _params(column: str) -> list[Any]:
    params = []
    for name in CASES:
        reason = _known(name, column)
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        params.append(pytest.param(name, id=name, marks=marks))
    return params


def assert_same_object(fitted: Fitted, loaded: Any) -> None:
    """Equal as skops' own tests compare: attributes, then the outputs of the methods.

    The comparison works on a copy of the fitted object: calling a method can change it
    (KDTree call counters, MultiLabelBinarizer's cache...), and the next column must still see
    the object as it was when it was dumped.
    """
    original = copy.deepcopy(fitted.obj)
    assert type(loaded) is type(original)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        if hasattr(original, "__dict__"):
            skops_test_utils.assert_params_equal(original.__dict__, loaded.__dict__)
        if fitted.X is not None:
            skops_test_utils.assert_method_outputs_equal(original, loaded, fitted.X)
    if fitted.check is not None:
        fitted.check(original, loaded)


# ----- the four columns ---------------------------------------------------------------------


@pytest.mark.parametrize("name", _params("a"))
def test_a_skops_rs_dump_skops_load(name, fitted_cases):
    fitted = fitted_cases.get(name)
    data = fitted.rs_data
    loaded = sio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert_same_object(fitted, loaded)


@pytest.mark.parametrize("name", _params("b"))
def test_b_skops_dump_skops_rs_load(name, fitted_cases):
    fitted = fitted_cases.get(name)
    data = fitted.skops_data
    loaded = rio.loads(data, trusted=sio.get_untrusted_types(data=data))
    assert_same_object(fitted, loaded)


@pytest.mark.parametrize("name", _params("c"))
def test_c_skops_rs_round_trip(name, fitted_cases):
    fitted = fitted_cases.get(name)
    data = fitted.rs_data
    loaded = rio.loads(data, trusted=rio.get_untrusted_types(data=data))
    assert_same_object(fitted, loaded)


#: Names trusted by default: skops_rs must never report one of them as untrusted.
DEFAULT_TRUSTED = {
    *_trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES,
    *_trusted_types.SCIPY_UFUNC_TYPE_NAMES,
    *_trusted_types.NUMPY_UFUNC_TYPE_NAMES,
    *_trusted_types.NUMPY_DTYPE_TYPE_NAMES,
}


@pytest.mark.parametrize("name", _params("d"))
def test_d_untrusted_types_agree(name, fitted_cases):
    fitted = fitted_cases.get(name)
    for data in (fitted.skops_data, fitted.rs_data):
        # skops' list minus the types skops_rs validated (and so trusts).
        skops_list = sio.get_untrusted_types(data=data)
        expected = [name for name in skops_list if name not in VALIDATED_TYPES]
        got = rio.get_untrusted_types(data=data)
        assert got == expected
        assert not DEFAULT_TRUSTED.intersection(got)


def test_zero_trust_count(fitted_cases, capsys):
    """How many fittable estimators, and composites, load with no `trusted` list: skops 0.16's
    count, and ours, which is higher by exactly the cases whose only untrusted types are
    validated (VALIDATED_TYPES); the cases still needing a list are printed with their types."""
    estimators, composites = generate.tested_estimators()
    for label, cases in (("estimators", estimators), ("composites", composites)):
        names = [name for name, _ in cases if name in CASES]
        skops_clean = rs_clean = fitted = expected_extra = 0
        still_untrusted: dict[str, list[str]] = {}
        for name in names:
            skops_list = _skops_list_or_none(fitted_cases, name)
            if skops_list is None:
                continue
            fitted += 1
            rs_list = rio.get_untrusted_types(data=fitted_cases.get(name).skops_data)
            skops_clean += not skops_list
            rs_clean += not rs_list
            if skops_list and set(skops_list) <= VALIDATED_TYPES:
                expected_extra += 1
                assert rs_list == [], name
            if rs_list:
                still_untrusted[name] = rs_list
        with capsys.disabled():
            print(
                f"\nzero-trust {label}: skops_rs {rs_clean} of {fitted}, "
                f"skops 0.16 {skops_clean} of {fitted}"
            )
            for name, types in still_untrusted.items():
                print(f"  still needs a trusted list: {name}: {types}")
        # Never fewer than skops; more by the cases whose only untrusted types are validated.
        assert rs_clean == skops_clean + expected_extra


def _skops_list_or_none(fitted_cases: FittedCases, name: str) -> list[str] | None:
    try:
        return sio.get_untrusted_types(data=fitted_cases.get(name).skops_data)
    except pytest.skip.Exception:
        return None


def test_generator_import_order_made_experimental_estimators_trusted():
    # Otherwise skops would report the Halving*SearchCV / IterativeImputer as untrusted and
    # column (d) would compare against the wrong reference.
    assert any(
        n.endswith(".HalvingGridSearchCV") for n in _trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES
    )
    assert any(n.endswith(".IterativeImputer") for n in _trusted_types.SKLEARN_ESTIMATOR_TYPE_NAMES)


# ----- protocol 0 and 1 files (as skops' test_persist_old.py builds them) ---------------------


def _old_function_state(func: Any) -> dict[str, Any]:
    """`function_get_state` as it was in protocol 0."""
    module = get_module(func)
    return {
        "__class__": func.__class__.__name__,
        "__module__": module,
        "__loader__": "FunctionNode",
        "content": {"module_path": module, "function": func.__name__},
    }


@pytest.mark.parametrize(
    "func",
    [np.sqrt, len, special.exp10, test_persist_old.dummy_func],
    ids=["np.sqrt", "len", "special.exp10", "module-function"],
)
def test_protocol_0_function_loads(func):
    from sklearn.preprocessing import FunctionTransformer

    estimator = FunctionTransformer(func=func).fit([0, 1], [2, 3])
    old = skops_test_utils.downgrade_state(
        data=sio.dumps(estimator),
        keys=["content", "content", "func"],
        old_state=_old_function_state(func),
        protocol=0,
    )
    trusted = sio.get_untrusted_types(data=old)
    assert rio.get_untrusted_types(data=old) == trusted
    loaded = rio.loads(old, trusted=trusted)
    skops_test_utils.assert_params_equal(estimator.__dict__, loaded.__dict__)
    skops_test_utils.assert_method_outputs_equal(estimator, loaded, [0, 1])


def _rng(kind: str) -> np.random.Generator:
    rng = (
        np.random.default_rng(0)
        if kind == "default_rng"
        else np.random.Generator(np.random.PCG64DXSM(seed=123))
    )
    rng.random(123)
    return rng


@pytest.mark.parametrize("kind", ["default_rng", "Generator"])
def test_protocol_1_generator_loads_and_continues_the_stream(kind):
    rng = _rng(kind)
    old = test_persist_old._dump_v1_generator(skops_test_utils.make_save_context(), rng)
    assert rio.get_untrusted_types(data=old) == sio.get_untrusted_types(data=old) == []
    loaded = rio.loads(old, trusted=[])
    np.testing.assert_equal(loaded.random(50), copy.deepcopy(rng).random(50))


@pytest.mark.parametrize("kind", ["default_rng", "Generator"])
def test_protocol_0_generator_is_refused(kind):
    # skops 0.16 cannot load these (its audit trips over the raw state dict: AttributeError);
    # skops_rs must refuse them too, with an error rather than an object.
    rng = _rng(kind)
    old_state = {
        "__class__": "Generator",
        "__module__": "numpy.random._generator",
        "__loader__": "RandomGeneratorNode",
        "content": {"bit_generator": rng.bit_generator.state},
    }
    old = skops_test_utils.downgrade_state(
        data=sio.dumps(rng), keys=None, old_state=old_state, protocol=0
    )
    with pytest.raises(AttributeError):
        sio.loads(old, trusted=[])
    with pytest.raises((AttributeError, TypeError, ValueError)):
        rio.loads(old, trusted=[])


def _tampered_v1(**kwargs: Any) -> bytes:
    rng = np.random.default_rng(42)
    rng.random(5)
    data = test_persist_old._dump_v1_generator(skops_test_utils.make_save_context(), rng)
    return test_persist_old._tamper_v1_bit_generator_name(data, **kwargs)


def test_protocol_1_smuggled_bit_generator_is_reported_and_refused():
    evil = _tampered_v1(new_name="set_bit_generator")
    assert rio.get_untrusted_types(data=evil) == ["numpy.random.set_bit_generator"]
    with pytest.raises(UntrustedTypesFoundException):
        rio.loads(evil)
    with pytest.raises(ValueError, match=r"Expected a numpy\.random bit generator"):
        rio.loads(evil, trusted=["numpy.random.set_bit_generator"])


def test_protocol_1_missing_bit_generator_name_is_refused():
    broken = _tampered_v1(drop=True)
    with pytest.raises(ValueError, match="Could not find the bit generator name"):
        rio.get_untrusted_types(data=broken)
