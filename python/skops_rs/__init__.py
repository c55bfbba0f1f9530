"""skops-rs: secure, fast persistence of scikit-learn models (a Rust drop-in for skops)."""

from skops_rs._skops_rs import __version__

__all__ = ["__version__"]
