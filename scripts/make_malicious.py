"""Write the hostile `.skops` files of `testdata/malicious/`, with `cases.json` and README.md.

Usage: `python scripts/make_malicious.py [--out DIR] [--no-python]`.

Every file is built by hand (a small zip writer over `struct`, so headers can disagree, lie or
overlap, which `zipfile` refuses to write) with fixed timestamps and ids: the output is the
same on every run. Files stay small (< 100 KB); bombs only DECLARE huge sizes or inflate to
at most ~10 MB.

`cases.json` maps each file name to:

- `problem`: what is wrong with it, one sentence;
- `expect`: the error kind (`kind()` of the Rust error, `SkopsFormatError.kind` in Python) a
  reader must refuse it with, e.g. `zip-crc-mismatch`; or `ok` (the control file, which must
  load) or `untrusted` (loads only if the user trusts the type named);
- `python_skops`: what skops 0.16 itself does with `skops.io.load(file)` (default trust):
  `loads` or the exception type (recorded in a child process with a 4 GiB address-space
  limit; skipped with `--no-python`, keeping the values already in cases.json).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import struct
import subprocess
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = ROOT / "testdata" / "malicious"
MAX_FILE_SIZE = 100_000

# ----- zip writer ---------------------------------------------------------------------------

LOCAL_SIG = 0x04034B50
CENTRAL_SIG = 0x02014B50
EOCD_SIG = 0x06054B50
STORED = 0
DEFLATED = 8
#: 1980-01-01 00:00:00 in DOS format: fixed so every run writes the same bytes.
DOS_DATE = (0 << 9) | (1 << 5) | 1
DOS_TIME = 0
#: "version made by": Unix, zip 2.0, as Python's zipfile writes it.
MADE_BY = (3 << 8) | 20
#: Unix mode 0o600 regular file, in the high half of the external attributes.
EXTERNAL_ATTR = (0o100600 << 16) & 0xFFFFFFFF


def deflate(data: bytes, level: int = 9) -> bytes:
    """Raw deflate (no zlib header), as zip members store it."""
    compressor = zlib.compressobj(level, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


@dataclass
class Member:
    """One zip member; the `central_*`/`local_*` overrides make the two headers lie."""

    name: bytes
    data: bytes
    method: int = STORED
    #: Written instead of the compressed `data` when set (e.g. a bomb stream).
    payload: bytes | None = None
    crc: int | None = None
    declared_size: int | None = None
    local_name: bytes | None = None
    local_size: int | None = None
    local_method: int | None = None
    in_central: bool = True
    in_local: bool = True
    #: Central directory offset of the local header, when it must point elsewhere.
    central_offset: int | None = None

    def compressed(self) -> bytes:
        if self.payload is not None:
            return self.payload
        return deflate(self.data) if self.method == DEFLATED else self.data


def local_header(member: Member, payload: bytes) -> bytes:
    """The local file header and the member's bytes."""
    name = member.local_name if member.local_name is not None else member.name
    crc = member.crc if member.crc is not None else zlib.crc32(member.data)
    size = member.declared_size if member.declared_size is not None else len(member.data)
    if member.local_size is not None:
        size = member.local_size
    method = member.local_method if member.local_method is not None else member.method
    header = struct.pack(
        "<IHHHHHIIIHH",
        LOCAL_SIG,
        20,
        0,
        method,
        DOS_TIME,
        DOS_DATE,
        crc,
        len(payload),
        size,
        len(name),
        0,
    )
    return header + name + payload


def central_header(member: Member, offset: int, payload: bytes) -> bytes:
    """The central directory entry of a member whose local header is at `offset`."""
    crc = member.crc if member.crc is not None else zlib.crc32(member.data)
    size = member.declared_size if member.declared_size is not None else len(member.data)
    header = struct.pack(
        "<IHHHHHHIIIHHHHHII",
        CENTRAL_SIG,
        MADE_BY,
        20,
        0,
        member.method,
        DOS_TIME,
        DOS_DATE,
        crc,
        len(payload),
        size,
        len(member.name),
        0,
        0,
        0,
        0,
        EXTERNAL_ATTR,
        member.central_offset if member.central_offset is not None else offset,
    )
    return header + member.name


def build_zip(members: list[Member]) -> bytes:
    """A zip archive of `members` in order: local headers, central directory, end record."""
    out = bytearray()
    central = bytearray()
    count = 0
    for member in members:
        payload = member.compressed()
        offset = len(out)
        if member.in_local:
            out += local_header(member, payload)
        if member.in_central:
            central += central_header(member, offset, payload)
            count += 1
    central_offset = len(out)
    out += central
    out += struct.pack("<IHHHHIIH", EOCD_SIG, 0, 0, count, count, len(central), central_offset, 0)
    return bytes(out)


# ----- schema and npy helpers ---------------------------------------------------------------

_next_id = [1000]


def new_id() -> int:
    """A fresh `__id__` (deterministic: a counter, reset per file by `reset_ids`)."""
    _next_id[0] += 1
    return _next_id[0]


def reset_ids() -> None:
    _next_id[0] = 1000


def json_node(value: Any) -> dict[str, Any]:
    return {
        "__class__": "str",
        "__module__": "builtins",
        "__loader__": "JsonNode",
        "content": json.dumps(value),
        "is_json": True,
        "__id__": new_id(),
    }


def type_node(module: str, name: str) -> dict[str, Any]:
    return {"__class__": name, "__module__": module, "__loader__": "TypeNode", "__id__": new_id()}


def list_node(items: list[dict[str, Any]], loader: str = "ListNode") -> dict[str, Any]:
    cls = {"ListNode": "list", "TupleNode": "tuple", "SetNode": "set"}[loader]
    return {
        "__class__": cls,
        "__module__": "builtins",
        "__loader__": loader,
        "content": items,
        "__id__": new_id(),
    }


def dict_node(items: dict[str, dict[str, Any]]) -> dict[str, Any]:
    str_type = type_node("builtins", "str")
    return {
        "__class__": "dict",
        "__module__": "builtins",
        "__loader__": "DictNode",
        "content": items,
        "key_types": list_node([str_type for _ in items]),
        "__id__": new_id(),
    }


def ndarray_node(file: str) -> dict[str, Any]:
    return {
        "__class__": "ndarray",
        "__module__": "numpy",
        "__loader__": "NdArrayNode",
        "type": "numpy",
        "file": file,
        "__id__": new_id(),
    }


def object_node(module: str, name: str, attrs: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {
        "__class__": name,
        "__module__": module,
        "__loader__": "ObjectNode",
        "content": dict_node(attrs),
        "__id__": new_id(),
    }


def root(state: dict[str, Any], protocol: Any = 2) -> dict[str, Any]:
    """Add the root-only keys, as skops writes them (at the end)."""
    return {**state, "protocol": protocol, "_skops_version": "0.16.0"}


def schema_bytes(schema: Any) -> bytes:
    return json.dumps(schema, indent=2).encode("utf-8")


def npy(array: np.ndarray) -> bytes:
    """An `.npy` file as numpy writes it."""
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=True)
    return buffer.getvalue()


def npy_raw(header: str, data: bytes, *, header_len: int | None = None) -> bytes:
    """An `.npy` v1.0 file with a hand-written header dict (padded as numpy pads it)."""
    text = header + " "
    total = 10 + len(text) + 1
    text += " " * (-total % 64) + "\n"
    length = len(text) if header_len is None else header_len
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", length) + text.encode("latin1") + data


ARRAY = np.array([1.0, 2.0, 3.0])


def baseline_schema() -> dict[str, Any]:
    """A valid schema: a dict holding a string and a float64 array in member `1.npy`."""
    reset_ids()
    return root(dict_node({"name": json_node("baseline"), "x": ndarray_node("1.npy")}))


def baseline_members(schema: Any = None) -> list[Member]:
    data = schema_bytes(baseline_schema() if schema is None else schema)
    return [Member(b"1.npy", npy(ARRAY)), Member(b"schema.json", data)]


def with_schema(schema: Any, extra: list[Member] | None = None, *, method: int = STORED) -> bytes:
    """The baseline archive with another schema (and optionally other data members)."""
    members = extra if extra is not None else [Member(b"1.npy", npy(ARRAY))]
    raw = schema if isinstance(schema, bytes) else schema_bytes(schema)
    return build_zip([*members, Member(b"schema.json", raw, method)])


def array_schema(file: str = "1.npy") -> dict[str, Any]:
    reset_ids()
    return root(dict_node({"x": ndarray_node(file)}))


# ----- the cases ----------------------------------------------------------------------------


def cases() -> dict[str, tuple[bytes, str, str]]:
    """File name -> (bytes, problem, expect)."""
    out: dict[str, tuple[bytes, str, str]] = {}

    def add(name: str, data: bytes, problem: str, expect: str) -> None:
        out[f"{name}.skops"] = (data, problem, expect)

    valid = build_zip(baseline_members())
    add("baseline", valid, "none: the valid control file all other cases are cut from", "ok")

    # ----- container: truncation, checksums, bombs
    eocd = valid.rindex(struct.pack("<I", EOCD_SIG))
    central = valid.index(struct.pack("<I", CENTRAL_SIG))
    add("truncated_in_end_record", valid[: eocd + 10], "cut inside the end record", "zip-truncated")
    add(
        "truncated_in_central",
        valid[: central + 20],
        "cut inside the central directory",
        "zip-truncated",
    )
    add(
        "truncated_in_data",
        valid[: central // 2],
        "cut inside the first member's data",
        "zip-truncated",
    )
    add(
        "truncated_after_local_header",
        valid[:30],
        "only the first local header is left",
        "zip-truncated",
    )
    add("empty_file", b"", "zero bytes", "zip-not-an-archive")
    add(
        "truncated_central_claims_more",
        valid[:eocd] + struct.pack("<IHHHHIIH", EOCD_SIG, 0, 0, 9, 9, 10_000, central, 0),
        "the end record declares 9 entries and a 10 kB central directory past the end",
        "zip-inconsistent",
    )

    npy_data = npy(ARRAY)
    flipped = bytearray(npy_data)
    flipped[-1] ^= 0xFF
    add(
        "bad_crc_data",
        build_zip(
            [Member(b"1.npy", bytes(flipped), crc=zlib.crc32(npy_data)), *baseline_members()[1:]]
        ),
        "a data byte of `1.npy` was changed after its CRC-32 was computed",
        "zip-crc-mismatch",
    )
    add(
        "bad_crc_field",
        build_zip([Member(b"1.npy", npy_data, crc=0xDEADBEEF), *baseline_members()[1:]]),
        "the CRC-32 of `1.npy` is wrong in both headers",
        "zip-crc-mismatch",
    )

    bomb_data = b"\x00" * 10_000_000
    add(
        "bomb_inflates_past_declared_size",
        build_zip(
            [
                Member(
                    b"1.npy", bomb_data, DEFLATED, payload=deflate(bomb_data), declared_size=200
                ),
                *baseline_members()[1:],
            ]
        ),
        "`1.npy` declares 200 bytes but its deflate stream inflates to 10 MB",
        "zip-member-too-long",
    )
    small_bomb = deflate(b"\x00" * 4_000_000)
    add(
        "bomb_huge_declared_size",
        build_zip(
            [
                Member(
                    b"1.npy",
                    b"\x00" * 4_000_000,
                    DEFLATED,
                    payload=small_bomb,
                    declared_size=0xFFFF_FFF0,
                ),
                *baseline_members()[1:],
            ]
        ),
        f"`1.npy` declares ~4 GiB from {len(small_bomb)} compressed bytes (ratio > 10^6)",
        "limit-exceeded",
    )

    # ----- container: names
    for label, name, what in (
        ("name_parent_dir", "../x.npy", "a relative path leaving the archive"),
        ("name_absolute", "/abs.npy", "an absolute path"),
        ("name_windows_drive", "C:\\x.npy", "a Windows drive path with a backslash"),
        ("name_backslash_parent", "..\\x.npy", "a Windows relative path leaving the archive"),
    ):
        reset_ids()
        add(
            label,
            with_schema(array_schema(name), [Member(name.encode(), npy_data)]),
            f"the array member is named `{name}`: {what}",
            "zip-invalid-name",
        )
    nul = Member(b"x.npy\x00evil", npy_data)
    add(
        "name_nul",
        with_schema(array_schema("x.npy"), [nul]),
        "a member name holds a NUL byte (`x.npy\\0evil`); the schema references `x.npy`",
        "zip-invalid-name",
    )
    add(
        "name_not_utf8",
        with_schema(array_schema("x.npy"), [Member(b"x\xff\xfe.npy", npy_data)]),
        "a member name is not UTF-8 (and the UTF-8 flag is not set)",
        "file-member-missing",
    )

    # ----- container: duplicates and overlaps
    add(
        "duplicate_member",
        with_schema(
            array_schema(),
            [Member(b"1.npy", npy_data), Member(b"1.npy", npy(np.array([666.0])))],
        ),
        "two members are named `1.npy` with different contents",
        "zip-duplicate-member",
    )
    reset_ids()
    evil_schema = root(dict_node({"evil": json_node("second schema")}))
    add(
        "duplicate_schema",
        build_zip(
            [
                *baseline_members(),
                Member(b"schema.json", schema_bytes(evil_schema)),
            ]
        ),
        "two `schema.json` members: which one a reader takes decides what loads",
        "zip-duplicate-member",
    )

    # overlap: member `0.bin` (stored) contains the whole local header + data of `1.npy`,
    # and the central directory lists both, so their byte ranges overlap
    inner = local_header(Member(b"1.npy", npy_data), npy_data)
    reset_ids()
    overlap_schema = root(
        dict_node(
            {
                "b": {
                    "__class__": "bytes",
                    "__module__": "builtins",
                    "__loader__": "BytesNode",
                    "file": "0.bin",
                    "__id__": new_id(),
                },
                "x": ndarray_node("1.npy"),
            }
        )
    )
    outer_name = b"0.bin"
    add(
        "overlapping_members",
        build_zip(
            [
                Member(outer_name, inner),
                Member(b"1.npy", npy_data, in_local=False, central_offset=30 + len(outer_name)),
                Member(b"schema.json", schema_bytes(overlap_schema)),
            ]
        ),
        "the bytes of `1.npy` lie inside the bytes of `0.bin` (two entries, one range)",
        "zip-overlapping-members",
    )
    add(
        "overlapping_same_offset",
        build_zip(
            [
                Member(b"1.npy", npy_data),
                Member(b"2.npy", npy_data, in_local=False, central_offset=0),
                Member(b"schema.json", schema_bytes(array_schema("2.npy"))),
            ]
        ),
        "central entries `1.npy` and `2.npy` point at the same local header",
        "zip-local-name-mismatch",
    )

    # ----- container: central directory vs local header
    add(
        "mismatch_name",
        with_schema(array_schema(), [Member(b"1.npy", npy_data, local_name=b"9.npy")]),
        "the central directory says `1.npy`, the local header says `9.npy`",
        "zip-local-name-mismatch",
    )
    add(
        "mismatch_size",
        with_schema(array_schema(), [Member(b"1.npy", npy_data, local_size=len(npy_data) + 64)]),
        "the local header declares 64 more uncompressed bytes than the central directory",
        "zip-local-header-mismatch",
    )
    add(
        "mismatch_method",
        with_schema(array_schema(), [Member(b"1.npy", npy_data, local_method=DEFLATED)]),
        "the central directory says stored, the local header says deflate",
        "zip-local-header-mismatch",
    )
    add(
        "unknown_compression_method",
        with_schema(array_schema(), [Member(b"1.npy", npy_data, method=99)]),
        "`1.npy` uses compression method 99, which does not exist",
        "zip-unsupported-compression",
    )

    # ----- schema.json
    add(
        "schema_missing",
        build_zip([Member(b"1.npy", npy_data)]),
        "there is no `schema.json`",
        "file-schema-missing",
    )
    add(
        "schema_not_utf8",
        with_schema(schema_bytes(baseline_schema()).replace(b"baseline", b"caf\xe9", 1)),
        "`schema.json` holds a Latin-1 byte (0xE9) that is not valid UTF-8",
        "json-not-utf8",
    )
    add(
        "schema_utf8_bom",
        with_schema(b"\xef\xbb\xbf" + schema_bytes(baseline_schema())),
        "`schema.json` starts with a UTF-8 byte order mark, which JSON does not allow",
        "json-syntax",
    )
    add(
        "schema_not_json",
        with_schema(b"{'protocol': 2, this is not json"),
        "`schema.json` is not JSON",
        "json-syntax",
    )
    add(
        "schema_trailing_garbage",
        with_schema(schema_bytes(baseline_schema()) + b"\n{}"),
        "a second JSON value follows the schema",
        "json-syntax",
    )
    add(
        "schema_root_list",
        with_schema(b"[1, 2, 3]"),
        "the schema root is a list",
        "schema-node-not-object",
    )
    add(
        "schema_root_string",
        with_schema(b'"schema"'),
        "the schema root is a string",
        "schema-node-not-object",
    )
    add(
        "schema_depth_json",
        with_schema(b'{"x": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", method=DEFLATED),
        "`schema.json` (deflated) nests 100 000 JSON arrays",
        "json-too-deep",
    )
    # Built as text: json.dumps itself recurses once per level.
    opening = (
        '{"__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": ['
    )
    leaf = json.dumps(json_node(0))
    closings = "".join(f'], "__id__": {2000 + level}}}' for level in range(5_000))
    deep = opening * 5_000 + leaf + closings
    deep = deep[:-1] + ', "protocol": 2, "_skops_version": "0.16.0"}'
    add(
        "schema_depth_nodes",
        with_schema(deep.encode(), method=DEFLATED),
        "`schema.json` (deflated): 5 000 ListNodes nested in each other (JSON depth 10 000)",
        "json-too-deep",
    )
    reset_ids()
    no_loader = root(dict_node({"x": json_node(1)}))
    del no_loader["content"]["x"]["__loader__"]
    add(
        "node_missing_loader",
        with_schema(no_loader),
        "a node has no `__loader__`",
        "schema-missing-key",
    )
    reset_ids()
    add(
        "loader_unknown",
        with_schema(
            root(
                dict_node(
                    {
                        "x": {
                            "__class__": "Evil",
                            "__module__": "evil",
                            "__loader__": "EvilNode",
                            "__id__": new_id(),
                        }
                    }
                )
            )
        ),
        "a node names the loader `EvilNode`, which does not exist",
        "schema-unknown-loader",
    )
    for label, protocol, kind in (
        ("3", 3, "schema-protocol-too-new"),
        ("minus_1", -1, "schema-protocol-negative"),
        ("string_0", "0", "schema-invalid-protocol"),
        ("float_1", 1.0, "schema-invalid-protocol"),
        ("true", True, "schema-invalid-protocol"),
        ("null", None, "schema-invalid-protocol"),
    ):
        schema = baseline_schema()
        schema["protocol"] = protocol
        add(f"protocol_{label}", with_schema(schema), f"`protocol` is {json.dumps(protocol)}", kind)
    schema = baseline_schema()
    del schema["protocol"]
    add("protocol_missing", with_schema(schema), "`protocol` is missing", "schema-invalid-protocol")

    # ----- npy members
    add(
        "npy_shape_2_pow_40",
        with_schema(
            array_schema(),
            [Member(b"1.npy", npy_raw(_header("<f8", "(1099511627776,)"), b"\x00" * 8))],
        ),
        "`1.npy` declares shape (2**40,) float64 (8 TiB) but holds 8 bytes",
        "npy-data-length",
    )
    add(
        "npy_shape_2_pow_31_squared",
        with_schema(
            array_schema(),
            [Member(b"1.npy", npy_raw(_header("<f8", "(2147483648, 2147483648)"), b"\x00" * 8))],
        ),
        "`1.npy` declares shape (2**31, 2**31): the element count overflows 62 bits of bytes",
        "npy-size-overflow",
    )
    add(
        "npy_shape_negative",
        with_schema(array_schema(), [Member(b"1.npy", npy_raw(_header("<f8", "(-1,)"), b""))]),
        "`1.npy` declares a negative dimension",
        "npy-invalid-header",
    )
    add(
        "npy_data_short",
        with_schema(
            array_schema(), [Member(b"1.npy", npy_raw(_header("<f8", "(1000,)"), b"\x00" * 8))]
        ),
        "`1.npy` declares 1000 float64 but holds 8 bytes of data",
        "npy-data-length",
    )
    add(
        "npy_header_past_end",
        with_schema(
            array_schema(),
            [Member(b"1.npy", npy_raw(_header("<f8", "(3,)"), b"", header_len=60_000))],
        ),
        "`1.npy` declares a 60 000-byte header in a ~130-byte member",
        "npy-truncated-header",
    )
    add(
        "npy_bad_magic",
        with_schema(array_schema(), [Member(b"1.npy", b"\x93NUMPZ" + npy_data[6:])]),
        "`1.npy` does not start with the npy magic",
        "npy-bad-magic",
    )
    call_header = "{'descr': __import__('os').getcwd(), 'fortran_order': False, 'shape': (3,), }"
    add(
        "npy_header_not_literal",
        with_schema(
            array_schema(),
            [Member(b"1.npy", npy_raw(call_header, b"\x00" * 24))],
        ),
        "the npy header dict holds a function call instead of literals",
        "npy-header-syntax",
    )
    object_npy = npy(np.array([1, "a", None], dtype=object))
    add(
        "npy_object_dtype",
        with_schema(array_schema(), [Member(b"1.npy", object_npy)]),
        "`1.npy` has object dtype (`|O`): its data is a pickle (a harmless one here)",
        "npy-object-dtype",
    )

    # ----- node graph
    reset_ids()
    ancestor = list_node([])
    child = list_node([{**list_node([]), "__id__": ancestor["__id__"]}])
    ancestor["content"] = [child]
    add(
        "id_cycle",
        with_schema(root(ancestor)),
        "a grandchild state reuses its grandparent's `__id__` (the tree becomes a cycle)",
        "schema-id-cycle",
    )
    reset_ids()
    add(
        "cached_node_unknown_id",
        with_schema(
            root(
                dict_node(
                    {
                        "x": {
                            "__class__": "list",
                            "__module__": "builtins",
                            "__loader__": "CachedNode",
                            "__id__": 999_999,
                        }
                    }
                )
            )
        ),
        "a CachedNode refers to `__id__` 999999, which no node has",
        "schema-cached-node-unknown-id",
    )
    reset_ids()
    method = {
        "__class__": "StandardScaler",
        "__module__": "sklearn.preprocessing._data",
        "__loader__": "MethodNode",
        "content": {
            "func": "transform",
            "obj": object_node("sklearn.linear_model._logistic", "LogisticRegression", {}),
        },
        "__id__": new_id(),
    }
    add(
        "method_class_mismatch",
        with_schema(root(method)),
        "a MethodNode says StandardScaler.transform but its obj is a LogisticRegression",
        "schema-method-type-mismatch",
    )
    reset_ids()
    operator_os = {
        "__class__": "system",
        "__module__": "os",
        "__loader__": "OperatorFuncNode",
        "attrs": list_node([json_node("echo pwned")], "TupleNode"),
        "__id__": new_id(),
    }
    add(
        "operator_module_os",
        with_schema(root(operator_os)),
        "an OperatorFuncNode names module `os` (class `system`) instead of `operator`",
        "schema-operator-module",
    )
    add(
        "member_missing",
        with_schema(array_schema("404.npy")),
        "the schema references `404.npy`, which the archive does not hold",
        "file-member-missing",
    )
    reset_ids()
    add(
        "untrusted_os_system",
        with_schema(
            root(
                {
                    "__class__": "system",
                    "__module__": "os",
                    "__loader__": "FunctionNode",
                    "__id__": new_id(),
                }
            )
        ),
        "a FunctionNode names `os.system`, untrusted by default",
        "untrusted",
    )
    reset_ids()
    add(
        "untrusted_popen_object",
        with_schema(root(object_node("subprocess", "Popen", {"args": json_node(["id"])}))),
        "an ObjectNode of `subprocess.Popen`, untrusted by default",
        "untrusted",
    )
    # One 10 MiB array (deflated to ~10 KB) named by 1,000 NdArrayNodes with their own
    # `__id__`s: skops never writes this (a shared array is one `__id__`); a loader that
    # materialises each node allocates 10 GiB.
    reset_ids()
    big = npy(np.zeros(10 * 1024 * 1024 // 8))
    many = root(list_node([ndarray_node("1.npy") for _ in range(1_000)]))
    add(
        "member_named_by_many_nodes",
        with_schema(many, [Member(b"1.npy", big, DEFLATED)], method=DEFLATED),
        "1,000 nodes with their own `__id__` name one 10 MiB `1.npy`: 10 GiB if each is loaded",
        "file-materialisation-budget",
    )
    return out


def _header(descr: str, shape: str) -> str:
    return f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"


# ----- what skops itself does ---------------------------------------------------------------

_PROBE = r"""
import json, resource, sys, warnings
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
sys.setrecursionlimit(3000)
warnings.simplefilter("ignore")
from sklearn.experimental import enable_halving_search_cv, enable_iterative_imputer
import skops.io as sio
results = {}
for path in sys.argv[1:]:
    try:
        sio.load(path)
        results[path] = "loads"
    except BaseException as exc:
        results[path] = type(exc).__name__
print(json.dumps(results))
"""


def python_outcomes(paths: list[Path]) -> dict[str, str]:
    """What `skops.io.load(path)` does for each file, in a child process (memory-limited)."""
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, *map(str, paths)],
        capture_output=True,
        text=True,
        check=False,
        env=env,
        timeout=600,
    )
    if result.returncode != 0:
        raise RuntimeError(f"skops probe failed:\n{result.stderr[-3000:]}")
    raw = json.loads(result.stdout.strip().splitlines()[-1])
    return {Path(path).name: outcome for path, outcome in raw.items()}


def write(out: Path, *, probe_python: bool = True) -> dict[str, dict[str, str]]:
    """Write every case, cases.json and README.md into `out`; return the cases table."""
    out.mkdir(parents=True, exist_ok=True)
    built = cases()
    for stale in out.glob("*.skops"):
        if stale.name not in built:
            stale.unlink()
    for name, (data, _, _) in built.items():
        if len(data) >= MAX_FILE_SIZE:
            raise RuntimeError(f"{name} is {len(data)} bytes, over the {MAX_FILE_SIZE} limit")
        (out / name).write_bytes(data)

    previous: dict[str, Any] = {}
    if (out / "cases.json").exists():
        previous = json.loads((out / "cases.json").read_text(encoding="utf-8"))
    if probe_python:
        outcomes = python_outcomes([out / name for name in built])
    else:
        outcomes = {name: previous.get(name, {}).get("python_skops", "unknown") for name in built}

    table = {
        name: {"problem": problem, "expect": expect, "python_skops": outcomes[name]}
        for name, (_, problem, expect) in sorted(built.items())
    }
    (out / "cases.json").write_text(json.dumps(table, indent=2) + "\n", encoding="utf-8")

    lines = [
        "# Hostile `.skops` files",
        "",
        "Written by `scripts/make_malicious.py` (deterministic; do not edit by hand). Each file",
        "must be refused with the error kind `expect` in `cases.json` (`baseline.skops` is the",
        "valid control; `untrusted_*` load only when the named type is trusted). The column",
        "`python_skops` of `cases.json` records what skops 0.16 itself does with each file.",
        "",
    ]
    lines += [f"- `{name}` ({info['expect']}): {info['problem']}" for name, info in table.items()]
    (out / "README.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return table


def main(argv: list[str] | None = None) -> int:
    """Command line: write the files and print one line per case."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--no-python", action="store_true", help="do not run skops on the files (keeps old values)"
    )
    args = parser.parse_args(argv)
    table = write(args.out, probe_python=not args.no_python)
    for name, info in table.items():
        size = (args.out / name).stat().st_size
        print(f"{name:45} {size:>7} B  expect {info['expect']:16} skops: {info['python_skops']}")
    print(f"wrote {len(table)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
