"""Red-team cases of the adversarial review (issue 9) against the lookup tables of classes skops
0.16 trusts by default (`CountVectorizer`, `TfidfVectorizer`, `DictVectorizer`: `vocabulary_`;
`MultiLabelBinarizer`: `_cached_dict`, kept once it transformed): `transform` looks each
feature up in the table and builds a CSR array of `len(table)` columns from the indices it
finds, unchecked, and `toarray()` writes each entry at its column. A value past the table's
length segfaults the process (no trusted list needed); skops_rs now refuses it
(`validate-vocabulary`: the cases of the `vocabulary` table, `test_validate_tables.py`), and
real models still load and transform as fitted."""

from __future__ import annotations

import textwrap
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import assert_dies_after_loading, json_node, rewrite_archive, run_python
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.preprocessing import MultiLabelBinarizer
from skops_rs.exceptions import SkopsFormatError

Schema = dict[str, Any]
Members = dict[str, bytes]

DOCUMENTS = ["red green blue", "green blue yellow", "blue blue red"]
RECORDS = [{"colour": "red", "size": 2.0}, {"colour": "blue", "weight": 1.5}]


def _dumps(model: Any) -> bytes:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sio.dumps(model)


def _table(state: dict[str, Any]) -> str:
    return "_cached_dict" if "_cached_dict" in state else "vocabulary_"


def _set_column(value: Any) -> Callable[[Schema, Members], None]:
    """Sets the table's first entry to the JsonNode `value`."""

    def change(schema: Schema, _: Members) -> None:
        state = schema["content"]["content"]
        table = state[_table(state)]["content"]
        table[next(iter(table))] = json_node(value)

    return change


def _binarizer(labels: list[list[Any]]) -> MultiLabelBinarizer:
    """A MultiLabelBinarizer that transformed once: it keeps its label table."""
    binarizer = MultiLabelBinarizer().fit(labels)
    binarizer.transform(labels)
    return binarizer


LABELS = [["red", "green"], ["blue"]]

MODELS: dict[str, Callable[[], Any]] = {
    "count": lambda: CountVectorizer().fit(DOCUMENTS),
    "tfidf": lambda: TfidfVectorizer().fit(DOCUMENTS),
    "dict": lambda: DictVectorizer(sparse=False).fit(RECORDS),
    "labels": lambda: _binarizer(LABELS),
}


@pytest.mark.parametrize(
    ("model", "call"),
    [
        ("dict", "m.transform([{'colour': 'blue'}] * 2000)"),
        ("count", "m.transform(['red green blue yellow'] * 2000).toarray()"),
        ("labels", "m.transform([['blue', 'green', 'red']] * 2000)"),
    ],
)
def test_a_far_column_segfaults_skops_and_is_refused_here(model, call, tmp_path):
    """skops 0.16 loads the model with no trusted list; `transform`'s sparse output (turned
    dense by DictVectorizer and MultiLabelBinarizer themselves, by the caller for
    CountVectorizer) is written a million columns past its rows."""
    path = tmp_path / "vocabulary.skops"
    path.write_bytes(rewrite_archive(_dumps(MODELS[model]()), _set_column(10**6)))
    assert sio.get_untrusted_types(file=path) == []
    code = textwrap.dedent(
        f"""
        import sys, skops.io as sio
        m = sio.load(sys.argv[1])
        print("loaded", flush=True)
        {call}
        """
    )
    assert_dies_after_loading(run_python(code, str(path)))
    with pytest.raises(SkopsFormatError) as info:
        rio.load(path)
    assert info.value.kind == "validate-vocabulary"


# ----- real vectorizers load and transform as fitted --------------------------------------------

REAL: dict[str, tuple[Callable[[], Any], Any]] = {
    "count": (lambda: CountVectorizer().fit(DOCUMENTS), DOCUMENTS),
    # `max_features` re-numbers the vocabulary with numpy integers.
    "count-max-features": (lambda: CountVectorizer(max_features=2).fit(DOCUMENTS), DOCUMENTS),
    "count-bigrams": (lambda: CountVectorizer(ngram_range=(1, 2)).fit(DOCUMENTS), DOCUMENTS),
    "tfidf-min-df": (lambda: TfidfVectorizer(min_df=2).fit(DOCUMENTS), DOCUMENTS),
    "count-fixed": (
        lambda: CountVectorizer(vocabulary={"red": 1, "blue": 0}).fit(DOCUMENTS),
        DOCUMENTS,
    ),
    "dict": (lambda: DictVectorizer().fit(RECORDS), RECORDS),
    "dict-dense-sorted": (lambda: DictVectorizer(sparse=False, sort=False).fit(RECORDS), RECORDS),
    # Feature names that are ints: `int` key types, distinct by value.
    "dict-int-names": (lambda: DictVectorizer().fit([{1: 1.0, 2: 2.0}, {3: 0.5}]), [{3: 1.0}]),
    "labels-strings": (lambda: _binarizer(LABELS), LABELS),
    # Integer labels: the table's keys are numpy integers.
    "labels-ints": (lambda: _binarizer([[3, 1], [2]]), [[1, 2, 3]]),
    "labels-unused": (lambda: MultiLabelBinarizer().fit(LABELS), LABELS),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_vectorizers_load_and_transform_as_fitted(name):
    build, inputs = REAL[name]
    data = _dumps(build())
    ours, theirs = rio.loads(data), sio.loads(data)
    mine, fitted = ours.transform(inputs), theirs.transform(inputs)
    dense = [value.toarray() if hasattr(value, "toarray") else value for value in (mine, fitted)]
    np.testing.assert_array_equal(*dense)
