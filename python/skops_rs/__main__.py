"""Command-line entry point: runs the Rust `skops-rs` tool inside this process."""

import sys

from skops_rs._skops_rs import run_cli


def main() -> None:
    """Run `skops-rs` with the process arguments and exit with its code."""
    sys.exit(run_cli(["skops-rs", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
