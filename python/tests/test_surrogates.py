"""Lone surrogates in `schema.json`: skops_rs loads, dumps and shows them as skops 0.16 does.

Python's `json` reads `"\\ud800"` as the `str` `'\\ud800'`, and `json.loads(bytes)` decodes with
`surrogatepass`, so the bytes `ED A0 80` in a string are that surrogate too. skops 0.16 writes
such strings (`json.dumps` escapes a lone surrogate) and loads them; so must skops_rs, giving the
same `str` objects (compared with `==`, and with `repr`, which tells `'\\ud800\\udc00'` from
`'\\U00010000'`).
"""

from __future__ import annotations

import collections
import io
import json
import re
import zipfile
from typing import Any

import pytest
import skops.io as sio
import skops_rs.io as rio
from _support import assert_same, fresh_id, rewrite_archive
from hypothesis import given
from hypothesis import strategies as st
from sklearn.preprocessing import FunctionTransformer
from skops_rs import _skops_rs
from skops_rs.exceptions import SkopsFormatError

OBJECTS = {
    "str": "a\ud800b",
    "each_end_of_the_range": ["\ud800", "\udbff", "\udc00", "\udfff"],
    # json.dumps writes a high then a low surrogate as a pair: read back as one character.
    "pair_of_lone_surrogates": "\ud800\udc00",
    "low_then_high": "\udc00\ud800",
    "dict_keys": {"\ud800": 1, "k\udfff": {"\udbff": "\udc00"}, "é": "\ud800é"},
    "ordered_dict_keys": collections.OrderedDict([("\udfff", 2), ("a", 1)]),
    "tuple_and_set": ("\ud800", frozenset({"\udc00", "x"})),
    "estimator_params": FunctionTransformer(kw_args={"\ud800": "\udfff"}),
}


def skops_load(data: bytes) -> Any:
    return sio.loads(data, trusted=sio.get_untrusted_types(data=data))


def rs_load(data: bytes) -> Any:
    return rio.loads(data, trusted=rio.get_untrusted_types(data=data))


@pytest.mark.parametrize("name", OBJECTS)
def test_skops_files_load_as_skops_loads_them(name):
    data = sio.dumps(OBJECTS[name])
    assert_same(skops_load(data), rs_load(data), layout=False)
    assert rio.get_untrusted_types(data=data) == sio.get_untrusted_types(data=data)


@pytest.mark.parametrize("name", OBJECTS)
def test_files_round_trip_both_ways(name):
    obj = OBJECTS[name]
    theirs, ours = sio.dumps(obj), rio.dumps(obj)
    with zipfile.ZipFile(io.BytesIO(theirs)) as a, zipfile.ZipFile(io.BytesIO(ours)) as b:
        their_schema, our_schema = a.read("schema.json"), b.read("schema.json")
    # The same surrogate escapes as skops writes (ids differ between two dumps).
    escapes = re.compile(rb"\\+ud[89a-f][0-9a-f]{2}")
    assert sorted(escapes.findall(our_schema)) == sorted(escapes.findall(their_schema))
    assert our_schema.isascii()
    expected = skops_load(theirs)
    assert_same(expected, skops_load(ours), layout=False)
    assert_same(expected, rs_load(ours), layout=False)


_code_points = st.lists(
    st.one_of(st.integers(0xD800, 0xDFFF), st.integers(0, 0x10FFFF)), max_size=8
).map(lambda points: "".join(map(chr, points)))


@given(st.dictionaries(_code_points, st.lists(_code_points, max_size=3), max_size=4))
def test_any_strings_load_and_dump_as_in_skops(obj):
    data = sio.dumps(obj)
    expected = sio.loads(data)
    assert_same(expected, rio.loads(data), layout=False)
    assert_same(expected, sio.loads(rio.dumps(obj)), layout=False)


# ----- files skops does not write but loads ---------------------------------------------------


def _craft(obj: Any, change) -> bytes:
    return rewrite_archive(sio.dumps(obj), lambda schema, members: change(schema))


def _json_text(text: str) -> dict[str, Any]:
    """A JsonNode whose content is `text` (JSON), under a fresh id."""
    return {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": text,
        "is_json": True,
        "__id__": fresh_id(),
    }


def _surrogatepass_schema(data: bytes, damage: bytes = b"") -> bytes:
    """`data` with `schema.json` written without escapes: surrogates as `surrogatepass` bytes
    (the first one cut to its first two bytes followed by `damage`, when given)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    text = json.dumps(schema, indent=2, ensure_ascii=False).encode("utf-8", "surrogatepass")
    if damage:
        text = text.replace(b"\xed\xa0\x80", b"\xed\xa0" + damage, 1)
    members["schema.json"] = text
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return out.getvalue()


CRAFTED = {
    # The JSON text of a JsonNode holds the surrogate itself, not an escape of it.
    "raw_surrogate_in_json_text": lambda: _craft(
        {"a": 1}, lambda s: s["content"].update(a=_json_text('"\ud800"'))
    ),
    # A raw high surrogate, then an escaped low one: two code points, not one character.
    "raw_high_then_escaped_low": lambda: _craft(
        {"a": 1}, lambda s: s["content"].update(a=_json_text('["\ud800\\udc00", {"\udfff": 1}]'))
    ),
    "skops_version": lambda: _craft({"a": 1}, lambda s: s.update(_skops_version="0.16\ud800")),
    "unknown_keys_of_a_node": lambda: _craft(
        {"a": 1}, lambda s: s["content"]["a"].update({"\ud800": "\udc00"})
    ),
    "slice_bounds": lambda: _craft(
        slice(1, 2),
        lambda s: s["content"].update(start="\ud800", stop=["\udfff", {"\udbff": None}]),
    ),
    "encoded_in_the_bytes": lambda: _surrogatepass_schema(
        sio.dumps({"\ud800": ["x\udfff"], "k": "\udbff\udc00"})
    ),
}


@pytest.mark.parametrize("name", CRAFTED)
def test_crafted_files_load_as_skops_loads_them(name):
    data = CRAFTED[name]()
    assert_same(skops_load(data), rs_load(data), layout=False)


def test_json_text_surrogates_stay_apart():
    data = CRAFTED["raw_high_then_escaped_low"]()
    loaded = rs_load(data)["a"]
    assert [len(loaded[0]), *loaded[1]] == [2, "\udfff"]


# ----- names ----------------------------------------------------------------------------------


def test_a_name_with_a_lone_surrogate_is_refused_where_skops_fails_too():
    def rename(schema: dict[str, Any]) -> None:
        schema["content"]["a"].update(__class__="Evil\ud800", __loader__="ObjectNode")
        schema["content"]["a"].pop("content")

    data = _craft({"a": 1}, rename)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == ["builtins.Evil\ud800"]
    with pytest.raises(AttributeError):  # `builtins` has no such class
        sio.loads(data, trusted=untrusted)
    with pytest.raises(SkopsFormatError) as raised:
        rio.get_untrusted_types(data=data)
    assert raised.value.kind == "schema-lone-surrogate"
    assert '"Evil\\ud800"' in str(raised.value)


def test_bytes_surrogatepass_refuses_are_refused():
    damaged = _surrogatepass_schema(sio.dumps({"\ud800": 1}), damage=b"(")
    with pytest.raises(UnicodeDecodeError):
        sio.loads(damaged)
    with pytest.raises(SkopsFormatError) as raised:
        rio.loads(damaged)
    assert raised.value.kind == "json-not-utf8"


# ----- visualize ------------------------------------------------------------------------------


def _rows(visualize, data: bytes) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []

    def sink(nodes: Any, show: str, **kwargs: Any) -> None:
        rows.extend((n.level, n.key, n.val, n.is_self_safe, n.is_safe, n.is_last) for n in nodes)

    visualize(data, sink=sink)
    return rows


@pytest.mark.parametrize("name", ["raw_surrogate_in_json_text", "encoded_in_the_bytes"])
def test_visualize_rows_hold_the_same_strs(name):
    data = CRAFTED[name]()
    expected = _rows(sio.visualize, data)
    assert any("\ud800" in key or "\ud800" in val for _, key, val, *_ in expected)
    assert _rows(rio.visualize, data) == expected
    assert _skops_rs.tree_nodes(data, []) == expected
