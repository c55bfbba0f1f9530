"""Command-line entry point: runs the Rust `skops-rs` tool inside this process."""

import signal
import sys

from skops_rs._skops_rs import run_cli


def main() -> None:
    """Run `skops-rs` with the process arguments and exit with its code."""
    # Ctrl-C as for the binary: it ends the tool (`serve` and `hub serve` catch it themselves
    # and stop after the requests in flight). Python's own handler would only set a flag that
    # no Python code checks while the tool runs, then raise KeyboardInterrupt once it returned.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(run_cli(["skops-rs", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
