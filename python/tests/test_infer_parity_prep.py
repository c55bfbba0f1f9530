"""Native prediction of preprocessing and composition against scikit-learn: scalers,
imputers, encoders, `Pipeline`, `ColumnTransformer`, `FeatureUnion`, `FunctionTransformer`,
decompositions. Each case is exact, within its bound (`docs/inference.md`) or a mismatch;
a mismatch fails. Refusals (unsupported steps and options, unknown categories) are tested
with the path they name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pytest
from _infer import EPS, DataSet, compare, dense, dot_bound, predictor, with_nan
from sklearn.compose import ColumnTransformer
from sklearn.decomposition import PCA, IncrementalPCA, TruncatedSVD
from sklearn.impute import MissingIndicator, SimpleImputer
from sklearn.pipeline import FeatureUnion, make_pipeline
from sklearn.preprocessing import (
    Binarizer,
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    OneHotEncoder,
    OrdinalEncoder,
    PolynomialFeatures,
    RobustScaler,
    StandardScaler,
)
from skops_rs.exceptions import InferenceInputError, UnsupportedModelError


@dataclass
class Case:
    """One estimator configuration and how its outputs compare."""

    id: str
    make: Callable[[], Any]
    target: str | None  # "y_reg", "y_bin", "y_multi", "y_str" or None (unsupervised)
    methods: dict[str, int] = field(default_factory=dict)  # method -> ulps allowed (0: exact)
    data: tuple[Callable[[], DataSet], ...] = (dense,)


def wide() -> DataSet:
    """Twenty columns: row reductions take numpy's pairwise and SIMD paths."""
    return dense(d=20, seed=5)


def empty_column() -> DataSet:
    """`with_nan` whose column 2 is missing everywhere at fit."""
    data = with_nan()
    data.X = data.X.copy()
    data.X[:, 2] = np.nan
    return data


def rounded() -> DataSet:
    """Few distinct values per column (categories), NaN among them."""
    data = with_nan()
    data.X = np.round(data.X / 5)
    data.probes = [data.X[::7]]
    return data


def rounded_unknown() -> DataSet:
    """`rounded`, probed with values not seen at fit."""
    data = rounded()
    data.probes = [data.X[::7] + np.array([0, 100, 0, 0.5, 0, 0])]
    return data


T = {"transform": 0}

CASES = [
    Case("min-max", MinMaxScaler, None, T, (dense, with_nan)),
    Case(
        "min-max-range-clip", lambda: MinMaxScaler((-2, 3), clip=True), None, T, (dense, with_nan)
    ),
    Case("max-abs", MaxAbsScaler, None, T, (dense, with_nan)),
    Case("max-abs-clip", lambda: MaxAbsScaler(clip=True), None, T),
    Case("robust", RobustScaler, None, T, (dense, with_nan)),
    Case("robust-no-center", lambda: RobustScaler(with_centering=False), None, T),
    Case("robust-no-scale", lambda: RobustScaler(with_scaling=False), None, T),
    Case("binarizer", Binarizer, None, T),
    Case("binarizer-threshold", lambda: Binarizer(threshold=1.5), None, T),
    Case("normalizer-l2", Normalizer, None, T, (dense, wide)),
    Case("normalizer-l1", lambda: Normalizer("l1"), None, T, (dense, wide)),
    Case("normalizer-max", lambda: Normalizer("max"), None, T, (dense, wide)),
    Case(
        "pipeline-scalers",
        lambda: make_pipeline(StandardScaler(), "passthrough", MinMaxScaler(), None, Normalizer()),
        None,
        T,
    ),
    Case("imputer-mean", SimpleImputer, None, T, (with_nan,)),
    Case("imputer-median", lambda: SimpleImputer(strategy="median"), None, T, (with_nan,)),
    Case(
        "imputer-most-frequent-indicator",
        lambda: SimpleImputer(strategy="most_frequent", add_indicator=True),
        None,
        T,
        (with_nan,),
    ),
    Case(
        "imputer-constant-keep-empty",
        lambda: SimpleImputer(strategy="constant", fill_value=-1.5, keep_empty_features=True),
        None,
        T,
        (with_nan, empty_column),
    ),
    Case("imputer-drops-empty", SimpleImputer, None, T, (empty_column,)),
    Case("missing-indicator", MissingIndicator, None, T, (with_nan,)),
    Case("missing-indicator-all", lambda: MissingIndicator(features="all"), None, T, (with_nan,)),
    Case("ordinal-numbers", OrdinalEncoder, None, T, (rounded,)),
    Case(
        "ordinal-unknown-value",
        lambda: OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-7),
        None,
        T,
        (rounded_unknown,),
    ),
    Case("one-hot-numbers", lambda: OneHotEncoder(sparse_output=False), None, T, (rounded,)),
    Case(
        "one-hot-ignore-drop-first",
        lambda: OneHotEncoder(sparse_output=False, handle_unknown="ignore", drop="first"),
        None,
        T,
        (rounded_unknown,),
    ),
    Case(
        "one-hot-if-binary",
        lambda: OneHotEncoder(sparse_output=False, drop="if_binary"),
        None,
        T,
        (rounded,),
    ),
    Case("function-identity", FunctionTransformer, None, T, (dense, with_nan)),
    Case(
        "function-abs-sqrt",
        lambda: make_pipeline(FunctionTransformer(np.abs), FunctionTransformer(np.sqrt)),
        None,
        T,
    ),
    Case(
        "function-log1p",
        lambda: make_pipeline(FunctionTransformer(np.abs), FunctionTransformer(np.log1p)),
        None,
        {"transform": 1},
    ),
    Case(
        "function-exp",
        lambda: make_pipeline(MinMaxScaler(), FunctionTransformer(np.exp)),
        None,
        {"transform": 1},
    ),
    Case(
        "function-log",
        lambda: make_pipeline(MinMaxScaler((1, 2)), FunctionTransformer(np.log)),
        None,
        {"transform": 1},
    ),
    Case(
        "feature-union-weights",
        lambda: FeatureUnion(
            [
                ("s", StandardScaler()),
                ("drop", "drop"),
                ("p", "passthrough"),
                ("m", MinMaxScaler()),
            ],
            transformer_weights={"s": 2.5, "p": 0.5},
        ),
        None,
        T,
    ),
    Case(
        "column-transformer-indices",
        lambda: ColumnTransformer(
            [("s", StandardScaler(), [0, 2]), ("m", MinMaxScaler(), slice(3, 5))],
            remainder="passthrough",
        ),
        None,
        T,
    ),
    Case(
        "column-transformer-mask-remainder-estimator",
        lambda: ColumnTransformer(
            [("r", RobustScaler(), np.array([True, False, True, False, False, True]))],
            remainder=MaxAbsScaler(),
            transformer_weights={"r": 3.0},
        ),
        None,
        T,
    ),
    Case("poly-2", PolynomialFeatures, None, T),
    Case("poly-3-interaction", lambda: PolynomialFeatures(3, interaction_only=True), None, T),
    Case("poly-2-4-no-bias", lambda: PolynomialFeatures((2, 4), include_bias=False), None, T),
    Case("poly-2-3-bias", lambda: PolynomialFeatures((2, 3)), None, T),
    Case(
        "pipeline-passthrough-last", lambda: make_pipeline(RobustScaler(), "passthrough"), None, T
    ),
]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_native_outputs_equal_scikit_learn(case: Case) -> None:
    for make_data in case.data:
        data = make_data()
        estimator = case.make()
        if case.target is None:
            estimator.fit(data.X)
        else:
            estimator.fit(data.X, getattr(data, case.target))
        native = predictor(estimator)
        for method, ulps in case.methods.items():
            for batch in data.batches():
                expected = getattr(estimator, method)(batch)
                got = getattr(native, method)(batch)
                outcome = compare(estimator, method, expected, got, ulps=ulps)
                assert outcome != "mismatch", (case.id, data.name, method)


def test_pipeline_methods_are_the_last_steps() -> None:
    data = dense()
    native = predictor(make_pipeline(StandardScaler(), MinMaxScaler()).fit(data.X))
    assert native.methods == ["transform"]
    with pytest.raises(Exception, match="predict"):
        native.predict(data.X)


def test_pipeline_with_an_unsupported_step_names_its_path() -> None:
    from sklearn.cluster import KMeans

    data = dense()
    pipe = make_pipeline(StandardScaler(), KMeans(n_clusters=2, n_init=1, random_state=0))
    pipe.fit(data.X)
    with pytest.raises(UnsupportedModelError) as error:
        predictor(pipe)
    assert error.value.kind == "infer-unsupported"
    assert "sklearn.cluster._kmeans.KMeans" in str(error.value)
    assert "steps[1][1]" in str(error.value)


def test_scalers_refuse_infinity_and_wrong_width() -> None:
    data = dense()
    native = predictor(MinMaxScaler().fit(data.X))
    bad = data.X[:3].copy()
    bad[1, 2] = np.inf
    with pytest.raises(ValueError):
        MinMaxScaler().fit(data.X).transform(bad)
    with pytest.raises(InferenceInputError):
        native.transform(bad)
    with pytest.raises(InferenceInputError):
        native.transform(data.X[:, :3])
    normalizer = predictor(Normalizer().fit(data.X))
    nan = data.X[:3].copy()
    nan[0, 0] = np.nan
    with pytest.raises(InferenceInputError):
        normalizer.transform(nan)


def frame(seed: int = 0, n: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "x": rng.normal(size=n) * 3,
            "city": rng.choice(["paris", "lyon", "nice", "\u00e9vry"], size=n).astype(object),
            "y": rng.normal(size=n),
            "size": rng.choice(["S", "M", "L"], size=n).astype(object),
            "z": rng.integers(0, 4, size=n).astype(float),
        }
    )


def _ct(handle_unknown: str = "ignore") -> ColumnTransformer:
    return ColumnTransformer(
        [
            ("oh", OneHotEncoder(handle_unknown=handle_unknown), ["city", "size"]),
            ("ord", OrdinalEncoder(), ["size"]),
            ("num", StandardScaler(), [0, 2]),
            ("z", OneHotEncoder(sparse_output=False, drop="first"), slice("z", "z")),
        ],
        remainder="drop",
        sparse_threshold=0.0,
    )


def test_column_transformer_on_string_columns() -> None:
    train, probe = frame(0), frame(1)
    for estimator in [_ct(), make_pipeline(_ct(), MinMaxScaler())]:
        estimator.fit(train)
        native = predictor(estimator)
        for batch in [train, probe, train.iloc[:1]]:
            outcome = compare(
                estimator, "transform", estimator.transform(batch), native.transform(batch)
            )
            assert outcome == "exact"


def test_unknown_category_is_an_input_error_as_in_scikit_learn() -> None:
    train = frame(0)
    probe = frame(1).iloc[:5].copy()
    probe.loc[probe.index[2], "city"] = "brest"
    estimator = _ct("error").fit(train)
    native = predictor(estimator)
    with pytest.raises(ValueError, match="unknown categor"):
        estimator.transform(probe)
    with pytest.raises(InferenceInputError, match="brest"):
        native.transform(probe)
    ignoring = _ct("ignore").fit(train)
    assert (
        compare(
            ignoring, "transform", ignoring.transform(probe), predictor(ignoring).transform(probe)
        )
        == "exact"
    )


def test_column_transformer_needs_its_named_columns() -> None:
    train = frame(0)
    native = predictor(_ct().fit(train))
    with pytest.raises(InferenceInputError):
        native.transform(train.drop(columns=["city"]))
    with pytest.raises(InferenceInputError):
        native.transform(train[["x", "y", "z"]].to_numpy())


def test_one_hot_encoder_sparse_output_is_refused_alone() -> None:
    data = rounded()
    with pytest.raises(UnsupportedModelError, match="sparse_output"):
        predictor(OneHotEncoder().fit(data.X))


def test_function_transformer_refuses_other_functions() -> None:
    data = dense()
    with pytest.raises(UnsupportedModelError, match=r"numpy\.sinc"):
        predictor(FunctionTransformer(np.sinc).fit(data.X))
    with pytest.raises(UnsupportedModelError, match="kw_args"):
        predictor(FunctionTransformer(np.sqrt, kw_args={"where": True}).fit(np.abs(data.X)))


@pytest.mark.parametrize(
    "make",
    [
        lambda: PCA(n_components=4),
        lambda: PCA(n_components=3, whiten=True),
        lambda: TruncatedSVD(n_components=3, random_state=0),
        lambda: IncrementalPCA(n_components=2, whiten=True),
    ],
    ids=["pca", "pca-whiten", "truncated-svd", "incremental-pca"],
)
def test_projections_are_within_the_dot_product_bound(make: Callable[[], Any]) -> None:
    data = dense()
    estimator = make().fit(data.X)
    native = predictor(estimator)
    components = estimator.components_
    mean = getattr(estimator, "mean_", np.zeros(components.shape[1]))
    scale = np.ones(len(components))
    if getattr(estimator, "whiten", False):
        scale = np.maximum(np.sqrt(estimator.explained_variance_), EPS)
    for batch in data.batches():
        bound = (
            4 * EPS * (np.abs(batch) @ np.abs(components).T + np.abs(mean) @ np.abs(components).T)
        )
        bound = bound / scale
        expected = estimator.transform(batch)
        got = native.transform(batch)
        assert compare(estimator, "transform", expected, got, bound=bound) != "mismatch"


def test_column_transformer_large_batch_in_chunks() -> None:
    train, probe = frame(0), frame(2, n=9000)
    estimator = make_pipeline(
        ColumnTransformer(
            [
                ("oh", OneHotEncoder(sparse_output=False), ["city", "size"]),
                (
                    "ord",
                    OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1),
                    ["city"],
                ),
                ("num", make_pipeline(SimpleImputer(), PolynomialFeatures(2)), ["x", "y"]),
            ],
            remainder=StandardScaler(),
        ),
        MaxAbsScaler(),
    ).fit(train)
    native = predictor(estimator)
    expected = estimator.transform(probe)
    got = native.transform(probe)
    assert compare(estimator, "transform", expected, got) == "exact"


def test_column_transformer_with_a_sparse_output_is_refused() -> None:
    train = frame(0)
    estimator = ColumnTransformer([("oh", OneHotEncoder(), ["city", "size"])]).fit(train)
    assert estimator.sparse_output_
    with pytest.raises(UnsupportedModelError, match="sparse"):
        predictor(estimator)


def test_encoders_refuse_wrong_width_infinity_and_strings_for_numbers() -> None:
    data = rounded()
    native = predictor(OrdinalEncoder().fit(data.X))
    with pytest.raises(InferenceInputError):
        native.transform(data.X[:, :4])
    bad = data.X[:2].copy()
    bad[0, 1] = np.inf
    with pytest.raises(ValueError):
        OrdinalEncoder().fit(data.X).transform(bad)
    with pytest.raises(InferenceInputError):
        native.transform(bad)
    strings = pd.DataFrame({f"c{i}": ["a", "b"] for i in range(6)})
    with pytest.raises(InferenceInputError):
        native.transform(strings)


def test_unknown_numeric_category_is_an_input_error() -> None:
    data = rounded()
    estimator = OneHotEncoder(sparse_output=False).fit(data.X)
    native = predictor(estimator)
    probe = data.X[:3] + 1000
    with pytest.raises(ValueError):
        estimator.transform(probe)
    with pytest.raises(InferenceInputError):
        native.transform(probe)


@pytest.mark.parametrize(
    "options",
    [
        {"func": np.log1p, "inverse_func": np.expm1},
        {"transformer": StandardScaler()},
        {},
    ],
    ids=["log1p-expm1", "standard-scaler", "identity"],
)
def test_transformed_target_regressor(options: dict[str, Any]) -> None:
    from sklearn.compose import TransformedTargetRegressor
    from sklearn.linear_model import LinearRegression

    data = dense()
    y = np.abs(data.y_reg)
    estimator = TransformedTargetRegressor(LinearRegression(), **options).fit(data.X, y)
    try:
        native = predictor(estimator)
    except UnsupportedModelError as error:
        # The regressor is another family's; until it lands only the path is checked.
        assert "regressor_" in str(error)
        pytest.skip("LinearRegression is not supported in this build")
    for batch in data.batches():
        expected = estimator.predict(batch)
        got = native.predict(batch)
        # The regressor's dot-product bound, carried through the inverse transform.
        z = estimator.regressor_.predict(batch)
        inner = dot_bound(batch, estimator.regressor_.coef_) + 4 * EPS * np.abs(z)
        if "inverse_func" in options:
            slope = np.exp(z)
        elif "transformer" in options:
            slope = estimator.transformer_.scale_[0]
        else:
            slope = 1.0
        bound = inner * slope + 4 * EPS * np.abs(expected)
        assert compare(estimator, "predict", expected, got, bound=bound) != "mismatch"


def test_pipeline_and_column_transformer_refuse_other_column_names() -> None:
    train = frame(0)
    native = predictor(make_pipeline(_ct(), StandardScaler()).fit(train))
    renamed = train.rename(columns={"city": "town"})
    with pytest.raises(InferenceInputError):
        native.transform(renamed)


def test_row_reductions_do_not_depend_on_the_batch_split() -> None:
    data = dense(n=9000, d=20, seed=4)
    estimator = make_pipeline(SimpleImputer(), Normalizer("l1"), PolynomialFeatures(2)).fit(data.X)
    native = predictor(estimator)
    whole = native.transform(data.X)
    pieces = np.concatenate([native.transform(data.X[i : i + 1000]) for i in range(0, 9000, 1000)])
    assert whole.tobytes() == pieces.tobytes()
    assert compare(estimator, "transform", estimator.transform(data.X), whole) == "exact"
