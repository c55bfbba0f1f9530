"""The loss validator: TweedieRegressor's `_base_loss` (`HalfTweedieLoss`,
`HalfTweedieLossIdentity`, which skops 0.16 leaves untrusted) loads with no `trusted` list and
predicts and scores like skops' load; a loss whose Cython loss, parameters or link are not the
ones its class builds is refused with that invariant's kind, even when the class is trusted; a
state sklearn would not write stays untrusted."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import fresh_id, rewrite_archive, set_attribute
from sklearn.linear_model import TweedieRegressor
from skops_rs.exceptions import SkopsFormatError, UntrustedTypesFoundException

IDENTITY = "sklearn._loss.loss.HalfTweedieLossIdentity"
LOG = "sklearn._loss.loss.HalfTweedieLoss"


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3))
    y = np.exp(x @ np.array([0.3, -0.2, 0.1])) + rng.uniform(size=40)
    return x, y


@pytest.fixture(scope="module", params=[0.0, 1.5], ids=["identity", "log"])
def model_file(request) -> bytes:
    x, y = _data()
    return sio.dumps(TweedieRegressor(power=request.param, max_iter=20).fit(x, y))


def _json(content: str) -> dict[str, Any]:
    return {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": content,
        "is_json": True,
        "__id__": fresh_id(),
    }


def _rewrite(data: bytes, change: Callable[[dict[str, Any]], None]) -> bytes:
    """`data` with the `_base_loss` state dict (its `content`) changed by `change`."""
    return rewrite_archive(
        data,
        lambda schema, _: change(schema["content"]["content"]["_base_loss"]["content"]["content"]),
    )


def _closs_class(name: str) -> Callable[[dict[str, Any]], None]:
    def change(state: dict[str, Any]) -> None:
        state["closs"]["__class__"] = name

    return change


def _power(content: str) -> Callable[[dict[str, Any]], None]:
    def change(state: dict[str, Any]) -> None:
        state["closs"]["__reduce__"]["args"]["content"] = [_json(content)]

    return change


def _no_arguments(state: dict[str, Any]) -> None:
    state["closs"]["__reduce__"]["args"]["content"] = []


def _swap_link(state: dict[str, Any]) -> None:
    link = state["link"]
    link["__class__"] = "LogLink" if link["__class__"] == "IdentityLink" else "IdentityLink"


def _drop_closs(state: dict[str, Any]) -> None:
    del state["closs"]


# case: (change, expected kind)
CASES: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "closs-squared-error": (_closs_class("CyHalfSquaredError"), "validate-loss-component"),
    "closs-multinomial": (_closs_class("CyHalfMultinomialLoss"), "validate-loss-component"),
    "power-nan": (_power("NaN"), "validate-loss-parameter"),
    "power-infinite": (_power("-Infinity"), "validate-loss-parameter"),
    "power-string": (_power('"1.5"'), "validate-loss-parameter"),
    "power-missing": (_no_arguments, "validate-loss-parameter"),
    "link-swapped": (_swap_link, "validate-loss-component"),
    "closs-missing": (_drop_closs, "validate-loss-state"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_broken_invariant_is_refused_with_its_kind(case, model_file):
    change, kind = CASES[case]
    data = _rewrite(model_file, change)
    for call in (
        lambda: rio.get_untrusted_types(data=data),
        lambda: rio.loads(data),
        lambda: rio.loads(data, trusted=[IDENTITY, LOG]),
    ):
        with pytest.raises(SkopsFormatError) as info:
            call()
        assert info.value.kind == kind, str(info.value)
        assert "_base_loss" in str(info.value)


def test_sound_losses_load_with_no_trusted_list(model_file):
    x, y = _data()
    (expected_type,) = sio.get_untrusted_types(data=model_file)
    assert expected_type in (IDENTITY, LOG)
    assert rio.get_untrusted_types(data=model_file) == []
    expected = sio.loads(model_file, trusted=[expected_type])
    loaded = rio.loads(model_file)
    np.testing.assert_array_equal(loaded.predict(x), expected.predict(x))
    assert loaded.score(x, y) == expected.score(x, y)


def test_a_state_sklearn_would_not_write_stays_untrusted(model_file):
    """A key that would shadow `BaseLoss.loss` is not refused (it is not provably unsound) but
    leaves the loss to the caller's list."""

    def shadow_loss(schema: dict[str, Any], _: dict[str, bytes]) -> None:
        set_attribute(schema["content"]["content"]["_base_loss"]["content"], "loss", _json("1"))

    data = rewrite_archive(model_file, shadow_loss)
    (expected_type,) = sio.get_untrusted_types(data=model_file)
    assert rio.get_untrusted_types(data=data) == [expected_type]
    with pytest.raises(UntrustedTypesFoundException):
        rio.loads(data)


def test_real_tweedie_regressor_loads_with_no_trusted_list(fixtures_dir):
    path = fixtures_dir / "estimators" / "TweedieRegressor.skops"
    assert sio.get_untrusted_types(file=path) == [IDENTITY]
    assert rio.get_untrusted_types(file=path) == []
    expected = sio.load(path, trusted=[IDENTITY])
    loaded = rio.load(path)
    x = np.random.default_rng(0).normal(size=(6, expected.n_features_in_))
    np.testing.assert_array_equal(loaded.predict(x), expected.predict(x))
