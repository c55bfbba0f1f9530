"""Type stubs of the native module `skops_rs._skops_rs` (checked by mypy.stubtest)."""

from typing import Any

__version__: str

def run_cli(argv: list[str]) -> int: ...
def dumps(obj: Any, compression: int, compresslevel: int | None) -> bytes:
    """Serialise `obj` to the bytes of a `.skops` archive (0 = stored, 8 = deflated)."""

def loads(data: bytes, trusted: list[str]) -> Any:
    """Audit then construct the object of a `.skops` archive; `trusted` holds type names."""

def get_untrusted_types(data: bytes) -> list[str]:
    """The sorted names of the types of the archive that are not trusted by default."""

def untrusted_type_paths(data: bytes) -> dict[str, list[str]]:
    """For each untrusted type name of the archive, the node paths where it occurs."""

def tree_nodes(data: bytes, trusted: list[str]) -> list[tuple[int, str, str, bool, bool, bool]]:
    """Depth-first `(level, key, val, is_self_safe, is_safe, is_last)` rows, as skops' walk."""
