"""Exceptions of `skops_rs.io`, under the same module path as ``skops.io.exceptions``.

Code written for skops imports ``from skops.io.exceptions import ...``; the same import from
``skops_rs.io.exceptions`` gives the classes of :mod:`skops_rs.exceptions`.
"""

from skops_rs.exceptions import (
    UNTRUSTED_TYPE_REASONS,
    SkopsFormatAttributeError,
    SkopsFormatError,
    SkopsFormatTypeError,
    UnsupportedTypeException,
    UntrustedTypesFoundException,
)

__all__ = [
    "UNTRUSTED_TYPE_REASONS",
    "SkopsFormatAttributeError",
    "SkopsFormatError",
    "SkopsFormatTypeError",
    "UnsupportedTypeException",
    "UntrustedTypesFoundException",
]
