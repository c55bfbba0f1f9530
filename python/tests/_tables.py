"""The validator tables of `crates/skops-trust/tests/data/validate/` (format in the README.md
there): reading them, and applying a case's edit to its base file (as
`crates/skops-trust/tests/it/table_edit.rs` does in Rust)."""

from __future__ import annotations

import ast
import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

FOLDER = Path(__file__).resolve().parent.parent.parent / "crates/skops-trust/tests/data/validate"


def tables() -> dict[str, dict[str, Any]]:
    """Every table, by family name."""
    return {path.stem: json.loads(path.read_text()) for path in sorted(FOLDER.glob("*.json"))}


def json_objects(value: Any) -> Iterator[dict[str, Any]]:
    """Every JSON object in a parsed JSON value, in document order (depth first)."""
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from json_objects(item)
    elif isinstance(value, list):
        for item in value:
            yield from json_objects(item)


def all_types(data: bytes) -> list[str]:
    """Every type the file's schema names: trusting them all leaves only the validators."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = json.loads(archive.read("schema.json"))
    names = {
        f"{node['__module__']}.{node['__class__']}"
        for node in json_objects(schema)
        if "__module__" in node and "__class__" in node
    }
    return sorted(names)


class Edited:
    """A `.skops` archive opened for editing: its parsed schema and its members."""

    # Above every `__id__` skops writes (CPython addresses are below 2**47).
    _next_id = 10**15

    def __init__(self, data: bytes, aliases: dict[str, str]) -> None:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            self.members = {name: archive.read(name) for name in archive.namelist()}
        self.schema = json.loads(self.members["schema.json"])
        self.aliases = aliases

    def apply(self, edit: list[dict[str, Any]]) -> Edited:
        for operation in edit:
            if "array" in operation:
                self._edit_array(self._path(operation["array"]), operation)
            else:
                self._edit_schema(operation)
        return self

    def to_bytes(self) -> bytes:
        self.members["schema.json"] = json.dumps(self.schema, indent=2).encode()
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, content in self.members.items():
                archive.writestr(name, content)
        return out.getvalue()

    def _path(self, text: str) -> list[str]:
        if text.startswith("@"):
            name, _, rest = text[1:].partition("/")
            text = self.aliases[name] + (f"/{rest}" if rest else "")
        return text.split("/")

    def _get(self, path: list[str]) -> Any:
        value = self.schema
        for step in path:
            value = value[int(step)] if isinstance(value, list) else value[step]
        return value

    def _fresh_id(self) -> int:
        Edited._next_id += 1
        return Edited._next_id

    def _fresh_ids(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, child in value.items():
                if key == "__id__" and child == "fresh":
                    out[key] = self._fresh_id()
                elif key == "file" and child == "fresh":
                    out[key] = f"{self._fresh_id()}.npy"
                else:
                    out[key] = self._fresh_ids(child)
            return out
        if isinstance(value, list):
            return [self._fresh_ids(item) for item in value]
        return value

    def _put(self, path: list[str], value: Any) -> None:
        *parent_path, key = path
        parent = self._get(parent_path)
        if isinstance(parent, list):
            if int(key) == len(parent):
                parent.append(value)
            else:
                parent[int(key)] = value
            return
        if key not in parent and parent_path and parent_path[-1] == "content":
            # A new key of a DictNode: skops drops entries past the end of `key_types`.
            key_types = self._get(parent_path[:-1]).get("key_types")
            if key_types is not None:
                key_types["content"].append(
                    {"__class__": "str", "__module__": "builtins", "__loader__": "TypeNode"}
                )
        parent[key] = value

    def _edit_schema(self, operation: dict[str, Any]) -> None:
        if "set" in operation:
            path, value = self._path(operation["set"]), operation["value"]
            if path[-1] == "__id__" and value == "fresh":
                value = self._fresh_id()
            self._put(path, self._fresh_ids(value))
        elif "json" in operation:
            json.loads(operation["content"])  # a table holds valid JSON text
            node = {
                "__class__": "str",
                "__module__": "builtins",
                "__loader__": "JsonNode",
                "content": operation["content"],
                "is_json": True,
                "__id__": self._fresh_id(),
            }
            self._put(self._path(operation["json"]), node)
        elif "remove" in operation:
            *parent_path, key = self._path(operation["remove"])
            parent = self._get(parent_path)
            del parent[int(key) if isinstance(parent, list) else key]
        elif "wrap" in operation:
            path = self._path(operation["wrap"])
            outer = self._fresh_ids(operation["in"])
            *at, last = operation["at"].split("/")
            place = outer
            for step in at:
                place = place[int(step)] if isinstance(place, list) else place[step]
            place[int(last) if isinstance(place, list) else last] = self._get(path)
            self._put(path, outer)
        elif "copy" in operation:
            value = json.loads(json.dumps(self._get(self._path(operation["copy"]))))
            self._put(self._path(operation["to"]), value)
        else:
            raise ValueError(f"unknown operation {operation}")

    def _edit_array(self, path: list[str], operation: dict[str, Any]) -> None:
        member = self._get(path)["file"]
        if "npz" not in operation:
            # A new array node (`"file": "fresh"`) gets its member from `replace`.
            self.members[member] = _edit_npy(self.members.get(member, b""), operation)
            return
        inner = f"{operation['npz']}.npy"
        with zipfile.ZipFile(io.BytesIO(self.members[member])) as npz:
            arrays = {name: npz.read(name) for name in npz.namelist()}
        arrays[inner] = _edit_npy(arrays[inner], operation)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as npz:
            for name, content in arrays.items():
                npz.writestr(name, content)
        self.members[member] = out.getvalue()


def _dtype(descr: str) -> np.dtype:
    """The dtype of a descr as a `.npy` header writes it."""
    return np.lib.format.descr_to_dtype(ast.literal_eval(descr))


def _number(value: Any) -> Any:
    return {"nan": np.nan, "inf": np.inf, "-inf": -np.inf}.get(value, value)


def _replace_in_header(npy: bytes, old: str, new: str) -> bytes:
    """A version 1 `.npy` with the first `old` of its header text replaced by `new`, padded
    again: any text, even one `np.save` refuses (an object descr)."""
    assert npy[:8] == b"\x93NUMPY\x01\x00"
    length = int.from_bytes(npy[8:10], "little")
    header = npy[10 : 10 + length].decode("latin-1").rstrip()
    assert old in header, (old, header)
    header = header.replace(old, new, 1)
    header += " " * ((-(10 + len(header) + 1)) % 64) + "\n"
    return (
        npy[:8] + len(header).to_bytes(2, "little") + header.encode("latin-1") + npy[10 + length :]
    )


def _edit_npy(npy: bytes, operation: dict[str, Any]) -> bytes:
    if "header" in operation:
        return _replace_in_header(npy, *operation["header"])
    if "replace" in operation:
        spec = operation["replace"]
        dtype = _dtype(spec["descr"])
        if "values" in spec:
            array = np.array([_number(v) for v in spec["values"]], dtype=dtype)
        elif "linspace" in spec:
            array = np.linspace(*spec["linspace"], num=int(np.prod(spec["shape"])), dtype=dtype)
        elif int(np.prod(spec["shape"])) == 0:
            array = np.empty(spec["shape"], dtype=dtype)  # (`full` is slow for huge items)
        else:
            array = np.full(spec["shape"], _number(spec["fill"]), dtype=dtype)
        array = array.reshape(spec["shape"])
        out = io.BytesIO()
        np.save(out, array, allow_pickle=False)
        return out.getvalue()
    array = np.load(io.BytesIO(npy), allow_pickle=False).copy()
    if "item" in operation:
        target = array if "field" not in operation else array[operation["field"]]
        item = operation["item"]
        target[tuple(item) if isinstance(item, list) else item] = _number(operation["value"])
    elif "slice" in operation:
        index = tuple(slice(None) if r is None else slice(*r) for r in operation["slice"])
        array = array[index].copy()
    elif "reshape" in operation:
        array = array.reshape(operation["reshape"]).copy()
    elif "astype" in operation:
        target = operation["astype"]
        if isinstance(target, dict):
            names = array.dtype.names
            target = [(name, target.get(name, array.dtype[name].str)) for name in names]
        array = array.astype(target)
    elif "view" in operation:
        array = array.view(_dtype(operation["view"]))
    elif "fortran" in operation:
        array = np.asfortranarray(array)
    else:
        raise ValueError(f"unknown array operation {operation}")
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def edited(table: dict[str, Any], file: str, edit: list[dict[str, Any]]) -> bytes:
    """The base file `file` of `table` with `edit` applied."""
    data = (FOLDER / file).read_bytes()
    return Edited(data, table.get("aliases", {})).apply(edit).to_bytes()
