"""Native prediction of trees, forests and boosting against scikit-learn (the Case pattern of
`test_infer_parity.py`). Besides the shared data sets, every fitted tree is probed one
float32 ulp and one float64 ulp either side of each split threshold, where the float32 cast
of the input decides the side.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
import sklearn.base
from _infer import DataSet, compare, dense, predictor, save, with_nan
from sklearn.ensemble import (
    ExtraTreesClassifier,
    ExtraTreesRegressor,
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
    IsolationForest,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import (
    DecisionTreeClassifier,
    DecisionTreeRegressor,
    ExtraTreeClassifier,
    ExtraTreeRegressor,
)
from skops_rs.exceptions import InferenceInputError, InferenceMethodError, UnsupportedModelError
from skops_rs.infer import Predictor


@dataclass
class Case:
    """One estimator configuration and how its outputs compare."""

    id: str
    make: Callable[[], Any]
    target: str | None  # "y_reg", "y_bin", "y_multi", "y_str", "y_2reg", "y_2cls" or None
    methods: dict[str, int] = field(default_factory=dict)  # method -> ulps allowed (0: exact)
    data: tuple[Callable[[], DataSet], ...] = (dense, with_nan)


CLASSIFIER = {"predict": 0, "predict_proba": 0, "predict_log_proba": 1, "apply": 0}
REGRESSOR = {"predict": 0, "apply": 0}
IFOREST = {"score_samples": 0, "decision_function": 0, "predict": 0}
GB_REG = {"predict": 0, "apply": 0}
GB_BIN = {
    "predict": 0,
    "decision_function": 0,
    "predict_proba": 0,
    "predict_log_proba": 1,
    "apply": 0,
}
# The multiclass init goes through numpy's log/exp (`log(p / gmean(p))`) and softmax.
GB_MULTI = {"predict": 0, "decision_function": 1, "predict_proba": 1, "predict_log_proba": 1}


def _small(n: int = 5) -> dict[str, Any]:
    return {"n_estimators": n, "random_state": 0}


def dense_only() -> tuple[Callable[[], DataSet], ...]:
    return (dense,)


CASES = [
    Case("dt-clf-bin", lambda: DecisionTreeClassifier(random_state=0), "y_bin", CLASSIFIER),
    Case("dt-clf-multi", lambda: DecisionTreeClassifier(random_state=0), "y_multi", CLASSIFIER),
    Case(
        "dt-clf-str-depth3",
        lambda: DecisionTreeClassifier(max_depth=3, random_state=0),
        "y_str",
        CLASSIFIER,
    ),
    Case(
        "dt-clf-best-first",
        lambda: DecisionTreeClassifier(max_leaf_nodes=12, random_state=0),
        "y_multi",
        CLASSIFIER,
    ),
    Case("dt-reg", lambda: DecisionTreeRegressor(random_state=0), "y_reg", REGRESSOR),
    Case(
        "dt-reg-multi-output",
        lambda: DecisionTreeRegressor(max_depth=6, random_state=0),
        "y_2reg",
        REGRESSOR,
    ),
    Case(
        "dt-clf-multi-output",
        lambda: DecisionTreeClassifier(max_depth=6, random_state=0),
        "y_2cls",
        {"predict": 0, "apply": 0},
    ),
    Case("et-clf", lambda: ExtraTreeClassifier(random_state=0), "y_multi", CLASSIFIER),
    Case("et-reg", lambda: ExtraTreeRegressor(random_state=0), "y_reg", REGRESSOR),
    Case(
        "et-clf-best-no-nan",
        lambda: ExtraTreeClassifier(splitter="best", random_state=0),
        "y_bin",
        CLASSIFIER,
        dense_only(),
    ),
    Case("rf-clf", lambda: RandomForestClassifier(**_small()), "y_multi", CLASSIFIER),
    Case("rf-clf-str", lambda: RandomForestClassifier(**_small(7)), "y_str", CLASSIFIER),
    Case("rf-reg", lambda: RandomForestRegressor(**_small()), "y_reg", REGRESSOR),
    Case("rf-reg-multi-output", lambda: RandomForestRegressor(**_small()), "y_2reg", REGRESSOR),
    Case(
        "rf-clf-multi-output",
        lambda: RandomForestClassifier(**_small()),
        "y_2cls",
        {"predict": 0, "apply": 0},
    ),
    Case(
        "rf-clf-multi-output-str",
        lambda: RandomForestClassifier(**_small(4)),
        "y_2str",
        {"predict": 0, "apply": 0},
    ),
    Case(
        "dt-clf-multi-output-str",
        lambda: DecisionTreeClassifier(max_depth=5, random_state=0),
        "y_2str",
        {"predict": 0},
    ),
    Case("ets-clf", lambda: ExtraTreesClassifier(**_small()), "y_bin", CLASSIFIER),
    Case("ets-reg", lambda: ExtraTreesRegressor(**_small()), "y_reg", REGRESSOR),
    Case("gb-reg", lambda: GradientBoostingRegressor(**_small(20)), "y_reg", GB_REG, dense_only()),
    Case(
        "gb-reg-huber-zero-init",
        lambda: GradientBoostingRegressor(loss="huber", init="zero", **_small(10)),
        "y_reg",
        GB_REG,
        dense_only(),
    ),
    Case(
        "gb-reg-absolute",
        lambda: GradientBoostingRegressor(loss="absolute_error", **_small(10)),
        "y_reg",
        GB_REG,
        dense_only(),
    ),
    Case(
        "gb-clf-bin",
        lambda: GradientBoostingClassifier(**_small(20)),
        "y_bin",
        GB_BIN,
        dense_only(),
    ),
    Case(
        "gb-clf-exponential",
        lambda: GradientBoostingClassifier(loss="exponential", **_small(10)),
        "y_bin",
        GB_BIN,
        dense_only(),
    ),
    Case(
        "gb-clf-multi",
        lambda: GradientBoostingClassifier(**_small(10)),
        "y_str",
        GB_MULTI,
        dense_only(),
    ),
    Case("hgb-reg", lambda: HistGradientBoostingRegressor(max_iter=20), "y_reg", {"predict": 0}),
    Case(
        "hgb-reg-poisson",
        lambda: HistGradientBoostingRegressor(loss="poisson", max_iter=20),
        "y_pos",
        {"predict": 1},
    ),
    Case(
        "hgb-reg-gamma",
        lambda: HistGradientBoostingRegressor(loss="gamma", max_iter=10),
        "y_pos",
        {"predict": 1},
    ),
    Case(
        "hgb-reg-absolute",
        lambda: HistGradientBoostingRegressor(loss="absolute_error", max_iter=10),
        "y_reg",
        {"predict": 0},
    ),
    Case(
        "hgb-clf-bin",
        lambda: HistGradientBoostingClassifier(max_iter=20),
        "y_bin",
        {"predict": 0, "predict_proba": 0, "decision_function": 0},
    ),
    Case(
        "hgb-clf-multi",
        lambda: HistGradientBoostingClassifier(max_iter=10),
        "y_str",
        {"predict": 0, "predict_proba": 1, "decision_function": 0},
    ),
    Case("iforest", lambda: IsolationForest(**_small(20)), None, IFOREST),
    Case(
        "iforest-feature-subsets",
        lambda: IsolationForest(max_features=0.5, max_samples=64, **_small(15)),
        None,
        IFOREST,
    ),
]


def _target(data: DataSet, target: str) -> np.ndarray:
    if target == "y_2reg":
        return np.column_stack([data.y_reg, np.abs(data.y_reg) ** 1.5])
    if target == "y_pos":
        return np.exp(data.y_reg / np.abs(data.y_reg).max())
    if target == "y_2str":
        return np.column_stack([data.y_str, np.where(data.y_bin == 1, "yes", "no")])
    if target == "y_2cls":
        return np.column_stack([data.y_multi, data.y_bin])
    return getattr(data, target)


def trees_of(estimator: Any) -> list[Any]:
    """The `Tree` objects of a tree, forest or boosting model."""
    if hasattr(estimator, "tree_"):
        return [estimator.tree_]
    if not hasattr(estimator, "estimators_"):
        return []
    return [tree.tree_ for tree in np.ravel(estimator.estimators_)]


def threshold_probes(estimator: Any, base: np.ndarray) -> np.ndarray:
    """Rows equal to `base` but for one feature, set at each split threshold, one float32
    ulp and one float64 ulp either side of it (at most 4000 rows)."""
    rows = []
    for hist_tree in [p for it in getattr(estimator, "_predictors", []) for p in it]:
        nodes = hist_tree.nodes[
            (hist_tree.nodes["is_leaf"] == 0) & (hist_tree.nodes["is_categorical"] == 0)
        ]
        for feature, threshold in zip(nodes["feature_idx"], nodes["num_threshold"], strict=True):
            for value in [
                threshold,
                np.nextafter(threshold, -np.inf),
                np.nextafter(threshold, np.inf),
            ]:
                if not np.isfinite(value):
                    continue
                row = base.copy()
                row[feature] = value
                rows.append(row)
    for tree in trees_of(estimator):
        split = tree.children_left != -1
        for feature, threshold in zip(tree.feature[split], tree.threshold[split], strict=True):
            t32 = np.float32(threshold)
            values = [
                threshold,
                np.nextafter(threshold, -np.inf),
                np.nextafter(threshold, np.inf),
                float(t32),
                float(np.nextafter(t32, np.float32(-np.inf))),
                float(np.nextafter(t32, np.float32(np.inf))),
            ]
            for value in values:
                # A split on missing values has an infinite threshold: nothing to probe.
                if not np.isfinite(np.float32(value)):
                    continue
                row = base.copy()
                row[feature] = value
                rows.append(row)
    if not rows:
        return base[None, :]
    return np.array(rows[:4000]).reshape(-1, len(base))


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.id)
def test_native_outputs_equal_scikit_learn(case: Case) -> None:
    for make_data in case.data:
        data = make_data()
        estimator = case.make()
        if case.target is None:
            estimator.fit(data.X)
        else:
            estimator.fit(data.X, _target(data, case.target))
        native = predictor(estimator)
        batches = [*data.batches(), threshold_probes(estimator, np.nan_to_num(data.X[0]))]
        for method, ulps in case.methods.items():
            for batch in batches:
                expected = getattr(estimator, method)(batch)
                got = getattr(native, method)(batch)
                outcome = compare(estimator, method, expected, got, ulps=ulps)
                assert outcome != "mismatch", (case.id, data.name, method)


@pytest.mark.parametrize(
    "make",
    [
        lambda: DecisionTreeRegressor(random_state=0),
        lambda: RandomForestClassifier(**_small()),
        lambda: ExtraTreeClassifier(splitter="best", random_state=0),
        lambda: IsolationForest(**_small(5)),
    ],
)
@pytest.mark.parametrize("bad", [np.inf, -np.inf, 1e300, -1e39, np.nan])
def test_values_scikit_learn_refuses_are_refused(make: Callable[[], Any], bad: float) -> None:
    data = dense()
    target = data.y_reg if "Regressor" in type(make()).__name__ else data.y_bin
    estimator = make()
    if isinstance(estimator, IsolationForest):
        estimator.fit(data.X)
    else:
        estimator.fit(data.X, target)
    native = predictor(estimator)
    X = data.X[:5].copy()
    X[2, 1] = bad
    try:
        estimator.predict(X)
    except ValueError:
        with pytest.raises(InferenceInputError):
            native.predict(X)
    else:
        # NaN (and for IsolationForest infinity) where the estimator allows it: the same
        # answer.
        assert np.isnan(bad) or isinstance(estimator, IsolationForest)
        assert np.array_equal(native.predict(X), estimator.predict(X))


def test_float32_boundaries() -> None:
    """Values that round into float32 range are accepted, as in scikit-learn."""
    data = dense()
    estimator = DecisionTreeRegressor(random_state=0).fit(data.X, data.y_reg)
    native = predictor(estimator)
    X = data.X[:4].copy()
    X[0, 0] = 3.4028235e38
    X[1, 0] = -3.4028235e38
    X[2, 0] = 1e-50
    X[3, 0] = -1e-320
    assert np.array_equal(native.predict(X), estimator.predict(X))


def test_wrong_width_and_missing_methods() -> None:
    data = dense()
    estimator = DecisionTreeRegressor(random_state=0).fit(data.X, data.y_reg)
    native = predictor(estimator)
    with pytest.raises(InferenceInputError):
        native.predict(data.X[:, :3])
    with pytest.raises(InferenceMethodError):
        native.predict_proba(data.X)


def test_multi_output_probabilities_are_refused_by_name() -> None:
    data = dense()
    estimator = DecisionTreeClassifier(max_depth=3, random_state=0)
    estimator.fit(data.X, _target(data, "y_2cls"))
    with pytest.raises(UnsupportedModelError, match="several outputs"):
        predictor(estimator).predict_proba(data.X)


def test_leaves_of_counts_are_normalised_for_old_files(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files from scikit-learn < 1.4 hold class counts in the leaves: they are normalised as
    scikit-learn then did (`proba / proba.sum(axis=1)`)."""
    data = dense()
    estimator = DecisionTreeClassifier(max_depth=4, random_state=0).fit(data.X, data.y_multi)
    expected = estimator.predict_proba(data.X)
    counts = estimator.tree_.n_node_samples[:, None] * estimator.tree_.value[:, 0, :]
    state = estimator.tree_.__getstate__()
    state["values"] = counts[:, None, :].copy()
    estimator.tree_.__setstate__(state)
    # `__getstate__` writes the running version: the file says 1.3.2, as an old one does.
    monkeypatch.setattr(sklearn.base, "__version__", "1.3.2")
    native = Predictor.from_bytes(save(estimator))
    monkeypatch.undo()
    got = native.predict_proba(data.X)
    assert np.allclose(got, expected, rtol=0, atol=4e-16)
    assert np.array_equal(native.predict(data.X), estimator.predict(data.X))


def test_batch_split_does_not_change_bits() -> None:
    data = dense(n=5000, seed=3)
    estimator = RandomForestRegressor(**_small()).fit(data.X, data.y_reg)
    native = predictor(estimator)
    whole = native.predict(data.X)
    pieces = np.concatenate([native.predict(data.X[i : i + 777]) for i in range(0, 5000, 777)])
    assert whole.tobytes() == pieces.tobytes() == estimator.predict(data.X).tobytes()


def _categorical_frame(n: int, seed: int) -> Any:
    import pandas as pd

    rng = np.random.default_rng(seed)
    colour = rng.choice(["red", "green", "blue", "teal"], size=n)
    size = rng.choice([-2, 3, 7, 11, 19], size=n)
    frame = pd.DataFrame(
        {
            "x0": rng.normal(size=n),
            "colour": pd.Categorical(colour),
            "x1": rng.normal(size=n) * 3,
            "size": pd.Categorical(size),
            "name": pd.Series(rng.choice(["a", "b", "c"], size=n), dtype="category"),
        }
    )
    y = (
        frame["x0"].to_numpy()
        + (colour == "red") * 2.0
        - (size == 7) * 1.5
        + (frame["name"].to_numpy() == "b") * 0.7
    )
    frame.loc[rng.random(n) < 0.1, "x1"] = np.nan
    frame.loc[rng.random(n) < 0.1, "colour"] = np.nan
    return frame, y


def _unknown_categories(frame: Any) -> Any:
    """The frame with unknown categories (strings and numbers, one negative) and missing
    values in its categorical columns."""
    import pandas as pd

    probe = frame.copy()
    colours = np.array(probe["colour"].astype(object).to_numpy(), dtype=object)
    colours[::5] = "purple"
    colours[1::7] = None
    sizes = np.array(probe["size"].astype(object).to_numpy(), dtype=object)
    sizes[::3] = -5
    sizes[1::4] = 1000
    probe["colour"] = pd.Categorical(colours)
    probe["size"] = pd.Categorical(sizes)
    return probe


@pytest.mark.parametrize(
    "make, methods",
    [
        (lambda: HistGradientBoostingRegressor(max_iter=20), {"predict": 0}),
        (
            lambda: HistGradientBoostingClassifier(max_iter=15),
            {"predict": 0, "predict_proba": 0, "decision_function": 0},
        ),
    ],
)
def test_hist_gradient_boosting_on_categorical_frames(
    make: Callable[[], Any], methods: dict
) -> None:
    frame, y = _categorical_frame(400, 0)
    estimator = make()
    estimator.fit(frame, y if isinstance(estimator, HistGradientBoostingRegressor) else y > 0.5)
    assert estimator.is_categorical_ is not None and estimator.is_categorical_.sum() == 3
    native = predictor(estimator)
    probes = [frame, _categorical_frame(100, 1)[0], _unknown_categories(frame)]
    for method, ulps in methods.items():
        for batch in probes:
            expected = getattr(estimator, method)(batch)
            got = getattr(native, method)(batch)
            outcome = compare(estimator, method, expected, got, ulps=ulps)
            assert outcome != "mismatch", method


def test_hist_gradient_boosting_with_categorical_indices_on_arrays() -> None:
    rng = np.random.default_rng(5)
    X = np.column_stack([rng.normal(size=300), rng.integers(0, 6, size=300), rng.normal(size=300)])
    y = X[:, 0] + (X[:, 1] == 2) * 3.0
    estimator = HistGradientBoostingRegressor(categorical_features=[1], max_iter=15).fit(X, y)
    native = predictor(estimator)
    probe = X.copy()
    probe[::4, 1] = 9  # unknown category
    probe[1::5, 1] = -1  # negative: unknown to the encoder
    probe[2::6, 1] = np.nan
    probe[3::7, 0] = np.inf
    for batch in (X, probe):
        assert (
            compare(estimator, "predict", estimator.predict(batch), native.predict(batch))
            == "exact"
        )


def test_gradient_boosting_refuses_nan_and_custom_init() -> None:
    data = dense()
    estimator = GradientBoostingRegressor(**_small(5)).fit(data.X, data.y_reg)
    native = predictor(estimator)
    X = data.X[:3].copy()
    X[1, 2] = np.nan
    with pytest.raises(ValueError):
        estimator.predict(X)
    with pytest.raises(InferenceInputError):
        native.predict(X)
    custom = GradientBoostingRegressor(init=DecisionTreeRegressor(max_depth=2), **_small(3))
    custom.fit(data.X, data.y_reg)
    with pytest.raises(UnsupportedModelError, match=r"init_"):
        predictor(custom)
