"""Type stubs of the native module `skops_rs._skops_rs` (checked by mypy.stubtest)."""

__version__: str

def run_cli(argv: list[str]) -> int: ...
