"""State of types skops 0.16 trusts by default, refused where it would crash the interpreter:
skops 0.16 loads these files with no trusted list and the process dies on `predict`; skops_rs
refuses them with the validator's error kind. Real models still load."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import assert_dies_after_loading, json_node, rewrite_archive
from sklearn.cluster import BisectingKMeans, KMeans, MiniBatchKMeans
from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
from skops_rs.exceptions import SkopsFormatError


def _predict_with_skops(path: Path, width: int) -> subprocess.CompletedProcess[str]:
    """Loads `path` with skops 0.16 and NO trusted list, then predicts."""
    code = textwrap.dedent(
        f"""
        import numpy as np, skops.io as sio
        model = sio.load({str(path)!r})
        print("loaded", flush=True)
        model.predict(np.zeros((50, {width})))
        print("predicted", flush=True)
        """
    )
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(80, 3))
    return x, (x[:, 0] + x[:, 1] > 0).astype(int)


@pytest.mark.parametrize("estimator", [GradientBoostingRegressor, GradientBoostingClassifier])
def test_real_gradient_boosting_loads(estimator):
    x, y = _data()
    model = estimator(n_estimators=3, max_depth=2, random_state=0).fit(x, y)
    np.testing.assert_array_equal(rio.loads(sio.dumps(model)).predict(x), model.predict(x))


def _first_tree_is_none(schema: dict[str, Any], _: dict[str, bytes]) -> None:
    stage = schema["content"]["content"]["estimators_"]["content"][0]["content"][0]
    stage["content"]["content"]["tree_"] = json_node(None)


def test_a_boosting_stage_whose_tree_is_none_crashes_skops_and_is_refused(tmp_path):
    """With its only tree replaced by `None`, the file holds no tree type at all: skops 0.16
    loads it with no trusted list, and `predict_stages` dereferences the `None`."""
    x, y = _data()
    model = GradientBoostingRegressor(n_estimators=1, max_depth=2, random_state=0).fit(x, y)
    data = rewrite_archive(sio.dumps(model), _first_tree_is_none)
    assert sio.get_untrusted_types(data=data) == []
    path = tmp_path / "none_tree.skops"
    path.write_bytes(data)
    result = _predict_with_skops(path, 3)
    assert_dies_after_loading(result)
    for call in (lambda: rio.get_untrusted_types(data=data), lambda: rio.load(path)):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == "validate-boosting-stage"
        assert "estimators_[0, 0].tree_" in str(info.value)


@pytest.mark.parametrize("estimator", [KMeans, MiniBatchKMeans, BisectingKMeans])
def test_real_k_means_load(estimator):
    x, _ = _data()
    model = estimator(n_clusters=3, random_state=0).fit(x)
    np.testing.assert_array_equal(rio.loads(sio.dumps(model)).predict(x), model.predict(x))


def _threads(value: Any) -> Callable[[dict[str, Any], dict[str, bytes]], None]:
    def change(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        schema["content"]["content"]["_n_threads"] = json_node(value)

    return change


def test_a_negative_k_means_thread_count_aborts_skops_and_is_refused(tmp_path):
    """`predict` hands `_n_threads` to OpenMP as the thread count; libgomp aborts the process
    (status 1, no Python traceback) on a negative one. skops 0.16 trusts KMeans."""
    x, _ = _data()
    data = rewrite_archive(sio.dumps(KMeans(n_clusters=3, random_state=0).fit(x)), _threads(-1))
    path = tmp_path / "negative_threads.skops"
    path.write_bytes(data)
    result = _predict_with_skops(path, 3)
    assert result.stdout.startswith("loaded"), result.stderr
    assert result.returncode != 0
    assert "libgomp" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-kmeans-state"
