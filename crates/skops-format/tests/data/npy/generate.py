"""Regenerate the `.npy` reference corpus: run with numpy 2.4 / scikit-learn 1.9.

    /work/main/.venv/bin/python crates/skops-format/tests/data/npy/generate.py

Writes one `<name>.npy` per case (exactly `np.save(..., allow_pickle=False)` output) and
`manifest.tsv` with, per file: name, format version, descr repr, fortran_order, shape
(comma-separated), and the SHA-256 of the data bytes (the file's last `nbytes`).
"""

import hashlib
import io
import warnings
from pathlib import Path

import numpy as np
from sklearn.datasets import make_classification
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.tree import DecisionTreeClassifier

HERE = Path(__file__).parent
rng = np.random.default_rng(0)


def cases():
    yield "bool", np.array([True, False, True])
    for dt in ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]:
        info = np.iinfo(dt)
        yield dt, np.array([info.min, 0, 1, info.max], dtype=dt)
    for dt in ["float16", "float32", "float64", "longdouble"]:
        yield dt, np.array([-1.5, 0.0, np.pi, np.inf, np.nan], dtype=dt)
    for dt in ["complex64", "complex128", "clongdouble"]:
        yield dt, np.array([1 + 2j, -0.5j, np.nan], dtype=dt)
    yield "unicode", np.array(["a", "bé", "日本"])
    yield "bytes", np.array([b"abc", b"", b"x\x00y"])
    yield "datetime_ns", np.array(["2024-01-02T03:04:05.123456789", "NaT"], dtype="M8[ns]")
    yield "datetime_day", np.array(["2024-01-02", "1970-01-01"], dtype="M8[D]")
    yield "datetime_25s", np.array([0, 1, 2], dtype="M8[25s]")
    yield "datetime_generic", np.array(["NaT", "NaT"], dtype="M8")
    yield "timedelta_s", np.array([1, -2, 3], dtype="m8[s]")
    yield "timedelta_us", np.array([7], dtype="m8[us]")
    yield "scalar_float64", np.float64(2.5)
    yield "scalar_int64", np.int64(-7)
    yield "scalar_str", np.str_("hello")
    yield "scalar_bool", np.bool_(True)
    yield "empty_1d", np.zeros(0)
    yield "empty_2d", np.zeros((0, 3), dtype=np.int32)
    yield "empty_f", np.asfortranarray(np.zeros((3, 0)))
    yield "c_2d", np.arange(12, dtype=np.float64).reshape(3, 4)
    yield "f_2d", np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4))
    yield "f_3d", np.asfortranarray(np.arange(24, dtype=np.int16).reshape(2, 3, 4))
    yield "f_wide", np.asfortranarray(np.ones((2, 123456), dtype=np.uint8)[:, :100])
    yield "big_first_axis", np.zeros((1234567890123, 0), dtype=np.uint8)
    yield "big_endian_f8", np.arange(4, dtype=">f8")
    yield "big_endian_i4", np.arange(4, dtype=">i4").reshape(2, 2)
    yield "big_endian_u2", np.arange(3, dtype=">u2")
    yield "big_endian_c8", np.array([1 + 1j], dtype=">c8")
    yield "big_endian_unicode", np.array(["ab"], dtype=">U2")

    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    tree = DecisionTreeClassifier(max_depth=4, random_state=0).fit(X, y)
    state = tree.tree_.__getstate__()
    yield "sklearn_tree_nodes", state["nodes"]
    yield "sklearn_tree_values", state["values"]
    hgb = HistGradientBoostingClassifier(max_iter=2, max_depth=3, random_state=0).fit(X, y)
    yield "sklearn_hgb_nodes", hgb._predictors[0][0].nodes

    yield "struct_aligned", np.zeros(2, dtype=np.dtype([("a", "u1"), ("b", "<f8")], align=True))
    yield "struct_subarray", np.zeros(2, dtype=[("x", "<f8", (2, 3)), ("y", "<i4", (2,))])
    yield "struct_nested", np.zeros(
        2, dtype=[("p", [("a", "<i4"), ("b", "|S2")]), ("q", [("r", "<u2")], (2,))]
    )
    titled = np.dtype({"names": ["a", "b"], "formats": ["<f8", "<i4"], "titles": ["Title A", None]})
    yield "struct_titles", np.zeros(2, dtype=titled)
    yield "struct_latin1_name", np.ones(2, dtype=[("é", "<f8"), ("it's", "|u1")])
    yield "struct_empty", np.zeros(3, dtype=[])
    yield "struct_f_order", np.asfortranarray(np.zeros((2, 3), dtype=[("a", "<i2")]))
    yield "v3_non_latin1_name", np.array([(1,), (2,), (3,)], dtype=[("αβγ", "<i8")])
    yield "v3_escaped_name", np.zeros(1, dtype=[("tab\there\u200b", "<i2"), ("日本", "|b1")])
    many = np.dtype([(f"feature_{i:012d}", "|u1") for i in range(2200)])
    yield "v2_large_header", np.zeros(1, dtype=many)


def main():
    lines = []
    for name, value in cases():
        buf = io.BytesIO()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            np.save(buf, value, allow_pickle=False)
        raw = buf.getvalue()
        (HERE / f"{name}.npy").write_bytes(raw)
        arr = np.load(io.BytesIO(raw), allow_pickle=False, max_header_size=10**6)
        version = f"{raw[6]}.{raw[7]}"
        fortran = arr.flags.f_contiguous and not arr.flags.c_contiguous
        header_len = int.from_bytes(raw[8:10] if raw[6] == 1 else raw[8:12], "little")
        header_text = raw[(10 if raw[6] == 1 else 12):][:header_len].decode(
            "utf8" if raw[6] == 3 else "latin1"
        )
        import ast

        descr = repr(ast.literal_eval(header_text)["descr"])
        # Padding bytes of structured dtypes (sklearn's tree nodes) are not reproduced by
        # `tobytes`, so the data is the file's last `nbytes`, checked field by field.
        data = raw[len(raw) - arr.nbytes :]
        if arr.dtype.names is None:
            assert data == arr.tobytes(order="F" if fortran else "C"), name
        shape = ",".join(str(d) for d in arr.shape)
        digest = hashlib.sha256(data).hexdigest()
        lines.append("\t".join([name, version, descr, str(fortran), shape, digest]))
    (HERE / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf8")


main()
