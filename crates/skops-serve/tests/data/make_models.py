"""Write the models of `skops-serve`'s Rust tests, and what scikit-learn predicts for the
rows the tests send (`expected.json`), so the tests compare with scikit-learn's own answers.
Run from this directory: `python make_models.py`.

- `tree.skops`: a `DecisionTreeClassifier` fitted on named columns `a`, `b` (integer classes);
- `array.skops`: a `DecisionTreeRegressor` fitted on an array of 3 columns (no names);
- `colors.skops`: a pipeline of a `OneHotEncoder` on the string column `color` and
  `size` passed through, then a `DecisionTreeClassifier` (string classes);
- `untrusted.skops`: a `FunctionTransformer(functools.partial(np.add, 1.0))`: `functools.partial`
  is not trusted.
- `dated.skops`: `tree.skops`'s tree with an attribute of its own, `reviewed_on_`, a
  `datetime.date`: a type skops' defaults do not trust, in a model the native engine evaluates
  (it reads only the attributes it needs): the trust policy tests (`tests/it/policy.rs`).
"""

import copy
import datetime
import functools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import skops.io as sio
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

ROWS = {"a": [-2.0, 2.5, 3.0], "b": [-1.0, -0.5, 3.0]}
ARRAY_ROWS = [[2.0, 0.0, -2.0], [-2.0, 0.5, 2.0]]
COLOR_ROWS = {"color": ["red", "blue", "green"], "size": [1.0, 5.0, 3.0]}


def main() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(60, 2)) * 2, columns=["a", "b"])
    y = (frame["a"] > 0).astype(int) + (frame["b"] > 1).astype(int)
    tree = DecisionTreeClassifier(max_depth=3, random_state=0).fit(frame, y)
    sio.dump(tree, Path("tree.skops"))

    x = rng.normal(size=(40, 3))
    array = DecisionTreeRegressor(max_depth=3, random_state=0).fit(x, x[:, 0] - x[:, 2])
    sio.dump(array, Path("array.skops"))

    colors = pd.DataFrame(
        {"color": rng.choice(["red", "blue", "green"], 50), "size": rng.uniform(0, 6, 50)}
    )
    labels = np.where((colors["color"] == "red") | (colors["size"] > 4), "yes", "no")
    encode = ColumnTransformer([("onehot", OneHotEncoder(), ["color"])], remainder="passthrough")
    pipe = make_pipeline(encode, DecisionTreeClassifier(random_state=0)).fit(colors, labels)
    sio.dump(pipe, Path("colors.skops"))

    sio.dump(FunctionTransformer(functools.partial(np.add, 1.0)).fit(x), Path("untrusted.skops"))
    write_dated(tree)

    rows = pd.DataFrame(ROWS)
    color_rows = pd.DataFrame(COLOR_ROWS)
    expected = {
        "tree": {
            "rows": ROWS,
            "predict": tree.predict(rows).tolist(),
            "predict_proba": tree.predict_proba(rows).tolist(),
            "classes": tree.classes_.tolist(),
        },
        "array": {
            "rows": ARRAY_ROWS,
            "predict": array.predict(np.array(ARRAY_ROWS)).tolist(),
        },
        "colors": {
            "rows": COLOR_ROWS,
            "predict": pipe.predict(color_rows).tolist(),
            "predict_proba": pipe.predict_proba(color_rows).tolist(),
            # The categories of `color` the widget offers (the encoder's `categories_`).
            "categories": pipe[0].named_transformers_["onehot"].categories_[0].tolist(),
        },
    }
    Path("expected.json").write_text(json.dumps(expected, indent=1) + "\n")


def write_dated(tree: DecisionTreeClassifier) -> None:
    dated = copy.deepcopy(tree)
    dated.reviewed_on_ = datetime.date(2026, 12, 7)
    sio.dump(dated, Path("dated.skops"))


if __name__ == "__main__":
    main()
