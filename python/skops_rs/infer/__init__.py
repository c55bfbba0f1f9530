"""Native prediction: evaluate a ``.skops`` model in Rust, without unpickling or importing
anything, with scikit-learn's results (``docs/inference.md`` says how exact, per estimator).

>>> from skops_rs.infer import Predictor
>>> predictor = Predictor.from_file("model.skops")
>>> predictor.predict(X)            # numpy array, scipy.sparse matrix, DataFrame or Arrow table

A ``Predictor`` pickles as the file's bytes and their SHA-256, and is rebuilt (validated
again) when unpickled, so Dask, Spark and Ray can ship it to their workers.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from skops_rs import _skops_rs
from skops_rs.exceptions import InferenceInputError

__all__ = ["Predictor", "native_types"]


def native_types() -> list[str]:
    """The ``module.class`` of every class evaluated natively."""
    return list(_skops_rs.native_types())


class Predictor:
    """A scikit-learn model read from a ``.skops`` file and evaluated natively.

    Build it with `Predictor.from_file` or `Predictor.from_bytes`. Each method takes a 2-D
    batch (numpy array, scipy.sparse matrix or array, pandas DataFrame, pyarrow Table or
    RecordBatch) and returns what the
    estimator's method returns in scikit-learn: same shape, same labels. Methods run without
    the GIL, on several threads for large batches.
    """

    def __init__(self, data: bytes):
        self._data = bytes(data)
        self._native = _skops_rs.NativePredictor(self._data)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Predictor:
        """Reads, validates and builds the model in the file at ``path``."""
        with open(path, "rb") as file:
            return cls(file.read())

    @classmethod
    def from_bytes(cls, data: bytes) -> Predictor:
        """Validates and builds the model in ``data`` (the bytes of a ``.skops`` file)."""
        return cls(data)

    @property
    def type_name(self) -> str:
        """The root estimator's ``module.class``."""
        return self._native.type_name

    @property
    def methods(self) -> list[str]:
        """The methods the model has."""
        return list(self._native.methods)

    @property
    def n_features_in_(self) -> int | None:
        """The number of input columns, when the model says."""
        return self._native.n_features_in

    @property
    def feature_names_in_(self) -> np.ndarray | None:
        """The column names the model was fitted with, when it has them."""
        names = self._native.feature_names_in
        return None if names is None else np.asarray(names, dtype=object)

    @property
    def sha256(self) -> str:
        """The SHA-256 of the file (lowercase hex)."""
        return self._native.sha256

    @property
    def sklearn_version(self) -> str | None:
        """The scikit-learn version that wrote the file."""
        return self._native.sklearn_version

    def predict(self, X: Any) -> np.ndarray:
        """``estimator.predict(X)``."""
        return self._run("predict", X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """``estimator.predict_proba(X)``."""
        return self._run("predict_proba", X)

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """``estimator.predict_log_proba(X)``."""
        return self._run("predict_log_proba", X)

    def decision_function(self, X: Any) -> np.ndarray:
        """``estimator.decision_function(X)``."""
        return self._run("decision_function", X)

    def transform(self, X: Any) -> np.ndarray:
        """``estimator.transform(X)``."""
        return self._run("transform", X)

    def score_samples(self, X: Any) -> np.ndarray:
        """``estimator.score_samples(X)``."""
        return self._run("score_samples", X)

    def apply(self, X: Any) -> np.ndarray:
        """``estimator.apply(X)``: the leaf each row reaches in each tree."""
        return self._run("apply", X)

    def __reduce__(self):
        return (_rebuild, (self._data, self.sha256))

    def __repr__(self) -> str:
        return f"Predictor({self.type_name}, sha256={self.sha256[:12]}...)"

    def _run(self, method: str, X: Any) -> np.ndarray:
        if _has_narrow_floats(X) and not self.type_name.startswith(_FLOAT32_EXACT):
            raise InferenceInputError(
                f"a batch of float32 (or float16) values: {self.type_name} computes in that "
                "precision in scikit-learn, the native engine in float64; pass float64",
                kind="infer-input-type",
            )
        csr = _as_csr(X)
        if csr is not None:
            _check_rows(csr[3][0])
            shape, values = self._native.run_csr(method, *csr)
            return _shaped(shape, values)
        columns = _as_columns(X)
        if columns is None:
            matrix = _as_matrix(X)
            _check_rows(matrix.shape[0])
            shape, values = self._native.run_matrix(method, matrix)
        else:
            names, values_by_column = columns
            if values_by_column:
                _check_rows(len(values_by_column[0]))
            shape, values = self._native.run_columns(method, values_by_column, names)
        return _shaped(shape, values)


# Estimators whose scikit-learn prediction casts a float32 batch itself, to float32 (trees,
# forests, boosting, isolation forests) or to float64 (histogram boosting), so a float32 batch
# gives the engine's answer. Most others (scalers, linear models, networks, neighbors...) keep
# float32 and compute in it, and the engine does not: a narrow-float batch for them is refused.
_FLOAT32_EXACT = (
    "sklearn.tree.",
    "sklearn.ensemble._forest.",
    "sklearn.ensemble._gb.",
    "sklearn.ensemble._iforest.",
    "sklearn.ensemble._hist_gradient_boosting.",
)


def _has_narrow_floats(X: Any) -> bool:
    """Whether the batch holds float32 or float16 values (an array, a sparse matrix, a
    DataFrame column or an Arrow column)."""

    def narrow(dtype: Any) -> bool:
        return getattr(dtype, "kind", "") == "f" and getattr(dtype, "itemsize", 8) < 8

    if narrow(getattr(X, "dtype", None)):
        return True
    dtypes = getattr(X, "dtypes", None)
    if dtypes is not None and type(X).__module__.startswith("pandas"):
        return any(narrow(dtype) for dtype in dtypes)
    schema = getattr(X, "schema", None)
    if schema is not None and type(X).__module__.startswith("pyarrow"):
        import pyarrow as pa

        return any(
            pa.types.is_float32(field.type) or pa.types.is_float16(field.type) for field in schema
        )
    return False


def _check_rows(rows: int) -> None:
    """scikit-learn refuses a batch of no rows ("Found array with 0 sample(s)")."""
    if rows == 0:
        raise InferenceInputError(
            "a batch of 0 rows (scikit-learn requires at least 1)", kind="infer-input-shape"
        )


def _shaped(shape: list[int], values: Any) -> np.ndarray:
    if isinstance(values, list):
        out = np.empty(len(values), dtype=object)
        out[:] = values
        values = out
    return values.reshape(shape)


def _as_csr(X: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[int, int]] | None:
    """The CSR arrays (values, column indices, row offsets, shape) of a scipy.sparse matrix
    or array (other formats converted with ``tocsr()``, as scikit-learn does); ``None`` for
    anything else. Stored order and duplicates are kept: linear models sum entries in
    stored order, as scipy does."""
    if not type(X).__module__.startswith("scipy.sparse"):
        return None
    import scipy.sparse

    if not scipy.sparse.issparse(X):
        return None
    if X.ndim != 2:
        raise InferenceInputError(
            f"expected a 2-D sparse batch, got shape {X.shape}", kind="infer-input-shape"
        )
    if X.format != "csr":
        X = X.tocsr()
    if X.dtype.kind not in "fiub":
        raise InferenceInputError(
            f"a sparse matrix of dtype {X.dtype} where numbers belong", kind="infer-input-type"
        )
    return (
        np.ascontiguousarray(X.data, dtype=np.float64),
        np.ascontiguousarray(X.indices, dtype=np.int64),
        np.ascontiguousarray(X.indptr, dtype=np.int64),
        (int(X.shape[0]), int(X.shape[1])),
    )


def _rebuild(data: bytes, sha256: str) -> Predictor:
    predictor = Predictor(data)
    if predictor.sha256 != sha256:
        raise ValueError(f"the pickled model's bytes have SHA-256 {predictor.sha256}, not {sha256}")
    return predictor


def _as_matrix(X: Any) -> np.ndarray:
    try:
        array = np.asarray(X)
    except ValueError as error:  # ragged nested lists
        raise InferenceInputError(
            f"the batch is not a rectangular array: {error}", kind="infer-input-shape"
        ) from None
    if array.ndim != 2:
        raise InferenceInputError(
            f"expected a 2-D batch (rows x columns), got an array of shape {array.shape}; "
            "reshape a single row with X.reshape(1, -1)",
            kind="infer-input-shape",
        )
    if array.dtype.kind not in "fiub":
        raise InferenceInputError(
            f"an array of dtype {array.dtype} where numbers belong; pass a DataFrame for "
            "string columns",
            kind="infer-input-type",
        )
    return np.ascontiguousarray(array, dtype=np.float64)


def _as_columns(X: Any) -> tuple[list[str] | None, list[Any]] | None:
    """Columns of a DataFrame, an Arrow table/record batch or an object array; ``None`` for
    a plain numeric array."""
    module = type(X).__module__
    if module.startswith("pandas"):
        if not hasattr(X, "columns"):
            return None
        names = [str(name) for name in X.columns]
        named = all(isinstance(name, str) for name in X.columns)
        return (names if named else None), [_column(X[name]) for name in X.columns]
    if module.startswith("pyarrow") and hasattr(X, "column_names"):
        names = [str(name) for name in X.column_names]
        return names, [_arrow_column(X.column(index)) for index in range(len(names))]
    try:
        array = np.asarray(X) if not isinstance(X, np.ndarray) else X
    except ValueError as error:  # ragged nested lists
        raise InferenceInputError(
            f"the batch is not a rectangular array: {error}", kind="infer-input-shape"
        ) from None
    if array.ndim == 2 and array.dtype.kind in "OUS":
        return None, [_column(array[:, index]) for index in range(array.shape[1])]
    return None


def _column(values: Any) -> Any:
    """A float64 array, or a list of strings and ``None`` for a column of strings."""
    dtype = getattr(values, "dtype", None)
    if dtype is not None and getattr(dtype, "name", "") == "category":
        values = values.astype(object)
        dtype = values.dtype
    if dtype is not None and getattr(dtype, "kind", "O") in "fiub":
        if hasattr(values, "to_numpy"):
            # pandas' nullable integers and booleans: `pd.NA` becomes NaN, as scikit-learn
            # reads it.
            return np.ascontiguousarray(values.to_numpy(dtype=np.float64, na_value=np.nan))
        return np.ascontiguousarray(np.asarray(values, dtype=np.float64))
    items = list(values)
    if all(_is_missing(item) or isinstance(item, str) for item in items):
        return [None if _is_missing(item) else item for item in items]
    try:
        return np.asarray([np.nan if _is_missing(item) else float(item) for item in items])
    except (TypeError, ValueError):
        raise InferenceInputError(
            "a column holds values that are neither all strings nor all numbers",
            kind="infer-input-type",
        ) from None


def _arrow_column(column: Any) -> Any:
    """A column of an Arrow table or record batch, without pandas: a float64 column without
    nulls in one chunk is a read-only view of Arrow's buffer (no copy), other numbers are cast
    with nulls as NaN, strings become a list of ``str`` and ``None``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    kind = column.type
    if pa.types.is_dictionary(kind):
        column = pc.cast(column, kind.value_type)
        kind = column.type
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
        if pa.types.is_float64(kind) and column.null_count == 0 and len(chunks) == 1:
            return chunks[0].to_numpy(zero_copy_only=True)
        numbers = pc.fill_null(pc.cast(column, pa.float64()), float("nan"))
        return np.ascontiguousarray(numbers.to_numpy(), dtype=np.float64)
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_null(kind):
        return column.to_pylist()
    return _column(column.to_pandas())


def _is_missing(item: Any) -> bool:
    return item is None or (isinstance(item, float) and item != item)
