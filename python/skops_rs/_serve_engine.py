"""The Python engine of ``python -m skops_rs serve``: models the native engine does not evaluate.

The server (Rust, in this process) audits each model first; only a model whose audit passed
and that the native engine refuses as unsupported comes here. It is loaded with the audited
loader (:func:`skops_rs.io.loads`, trusting exactly what the server's audit trusted) and its
methods are called by scikit-learn itself. The server calls :func:`load` once per model at
start-up and :func:`run` per request, holding the GIL only for those calls.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from skops_rs.io import loads

# The methods a served model may have, as the server names its outputs.
METHODS = (
    "predict",
    "predict_proba",
    "predict_log_proba",
    "decision_function",
    "transform",
    "score_samples",
    "apply",
)


class UnservableOutputError(RuntimeError):
    """A method answered something the server cannot send (not a 1-D or 2-D array)."""


def load(data: bytes, trusted: list[str]) -> dict[str, Any]:
    """Load a model with the audited loader and describe it for the server."""
    estimator = loads(data, trusted=trusted or None)
    cls = type(estimator)
    classes = getattr(estimator, "classes_", None)
    names = getattr(estimator, "feature_names_in_", None)
    n_features = getattr(estimator, "n_features_in_", None)
    return {
        "estimator": estimator,
        "type_name": f"{cls.__module__}.{cls.__name__}",
        "methods": [name for name in METHODS if hasattr(estimator, name)],
        "classes": None if classes is None else _labels(np.asarray(classes)),
        "n_features_in": int(n_features) if isinstance(n_features, (int, np.integer)) else None,
        "feature_names_in": None if names is None else [str(name) for name in names],
        "takes_text": _takes_text(estimator),
    }


def _takes_text(estimator: Any) -> bool:
    """Whether the model's first step is a text vectorizer (it takes an iterable of texts)."""
    from sklearn.feature_extraction.text import _VectorizerMixin
    from sklearn.pipeline import Pipeline

    while isinstance(estimator, Pipeline) and estimator.steps:
        estimator = estimator.steps[0][1]
    return isinstance(estimator, _VectorizerMixin)


def _labels(classes: np.ndarray) -> tuple[str, list[Any]] | None:
    """``classes_`` as ``(kind, items)``, ``None`` when it is not one flat list of labels."""
    if classes.ndim != 1:
        return None
    try:
        return _values(classes)
    except UnservableOutputError:
        return None


def run(model: dict[str, Any], method: str, x: Any) -> tuple[str, list[int], list[Any]]:
    """Call ``method`` on ``x``; answer ``(kind, shape, flat items)``.

    ``x`` is a float64 array, a list of ``(name, column)`` (a column is a float64 array or a
    list of strings and ``None``; names may be ``None``), or, for a text model, a list of texts.
    """
    answer = getattr(model["estimator"], method)(_batch(x))
    if hasattr(answer, "toarray"):
        raise UnservableOutputError(f"`{method}` answered a sparse matrix, which is not served")
    answer = np.asarray(answer)
    if answer.ndim not in (1, 2):
        raise UnservableOutputError(f"`{method}` answered an array of shape {answer.shape}")
    kind, items = _values(answer.reshape(-1))
    return kind, list(answer.shape), items


def _batch(x: Any) -> Any:
    """The request's batch as scikit-learn takes it."""
    if isinstance(x, np.ndarray) or not x or isinstance(x[0], str):
        return x  # A matrix, or texts.
    names = [name for name, _ in x]
    if all(name is not None for name in names):
        import pandas as pd

        return pd.DataFrame(
            {name: column if isinstance(column, np.ndarray) else _strings(column)
             for name, column in x},
            columns=names,
        )  # fmt: skip
    columns = [column for _, column in x]
    if all(isinstance(column, np.ndarray) for column in columns):
        return np.column_stack(columns)
    return np.column_stack(
        [column.astype(object) if isinstance(column, np.ndarray) else _strings(column)
         for column in columns]
    )  # fmt: skip


def _strings(column: list[str | None]) -> np.ndarray:
    """A column of strings as pandas and numpy hold them: objects, missing cells ``nan``."""
    return np.array([np.nan if cell is None else cell for cell in column], dtype=object)


def _values(flat: np.ndarray) -> tuple[str, list[Any]]:
    """A 1-D array's items as the server's output kinds: f64, i64, bool or str."""
    kind = flat.dtype.kind
    if kind == "f":
        return "f64", flat.astype(np.float64).tolist()
    if kind in "iu":
        if kind == "u" and flat.size and flat.max() > np.iinfo(np.int64).max:
            raise UnservableOutputError("an unsigned integer beyond int64 is not served")
        return "i64", flat.astype(np.int64).tolist()
    if kind == "b":
        return "bool", flat.tolist()
    if kind in "US":
        return "str", [str(item) for item in flat.tolist()]
    if kind == "O":
        items = flat.tolist()
        if all(isinstance(item, str) for item in items):
            return "str", items
        if all(isinstance(item, (bool, np.bool_)) for item in items):
            return "bool", [bool(item) for item in items]
        if all(isinstance(item, (int, np.integer)) for item in items):
            return "i64", [int(item) for item in items]
        if all(isinstance(item, (int, float, np.integer, np.floating)) for item in items):
            return "f64", [float(item) for item in items]
    raise UnservableOutputError(f"values of dtype {flat.dtype} are not served")
