"""Widths scikit-learn sizes predict-time arrays by, read from the state alone, are bounded
(`skops_format::limits::MAX_N_FEATURES` and the limits after it): a consistent but enormous
`n_features`, `n_classes`, `n_outputs`, `n_classes_`, `n_outputs_` or `n_trees_per_iteration_`
is refused with `validate-width` before anything is built (the `widths` table,
`test_validate_tables.py`), where skops 0.16 loads the file and the first `predict_proba` asks
for gigabytes."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import json_node, rewrite_archive, run_python
from sklearn.ensemble import RandomForestClassifier
from skops_rs.exceptions import SkopsFormatError

TREE = "sklearn.tree._tree.Tree"
PREDICTOR = "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"
MAX_N_FEATURES = 1 << 24

_RNG = np.random.default_rng(0)
X = _RNG.normal(size=(60, 3))
Y = (X[:, 0] > 0).astype(int)


def _root_attribute(key: str, value: Any) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    def change(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        schema["content"]["content"][key] = json_node(value)

    return change


def _refused(data: bytes, attribute: str) -> None:
    with pytest.raises(SkopsFormatError) as info:
        rio.loads(data, trusted=[TREE, PREDICTOR])
    assert info.value.kind == "validate-width"
    assert f"`{attribute}`" in str(info.value)


def test_skops_loads_a_forest_whose_predict_proba_asks_for_gigabytes(tmp_path):
    """skops 0.16 loads a forest with `n_classes_ = 10**10` and `predict_proba` allocates
    `(n_samples, n_classes_)` doubles: 80 GB for one sample (here stopped by an address-space
    limit of 4 GiB as `MemoryError`); skops_rs refuses the file."""
    data = sio.dumps(RandomForestClassifier(n_estimators=2, random_state=0).fit(X, Y))
    path = tmp_path / "wide_forest.skops"
    path.write_bytes(rewrite_archive(data, _root_attribute("n_classes_", 10**10)))
    code = textwrap.dedent(
        f"""
        import resource, numpy as np, skops.io as sio
        model = sio.load({str(path)!r}, trusted={[TREE]!r})
        print("loaded", flush=True)
        resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
        try:
            model.predict_proba(np.zeros((1, 3)))
        except MemoryError as error:
            print("MemoryError", error, flush=True)
        """
    )
    result = run_python(code)
    assert result.stdout.startswith("loaded"), result.stderr
    assert "MemoryError" in result.stdout, (result.stdout, result.stderr)
    _refused(path.read_bytes(), "n_classes_")
