"""Exceptions of skops-rs, compatible with ``skops.io.exceptions``.

The classes keep skops' names and bases (``TypeError``), so code that catches skops'
exceptions keeps working, and add structured attributes so nobody has to parse a message.
``SkopsFormatError`` (a ``ValueError``) reports a file that is malformed or hostile; its
``kind`` attribute names the problem (e.g. ``"zip-crc-mismatch"``; ``"validate-tree-..."`` for
a ``sklearn.tree._tree.Tree`` whose state fails skops-rs' validator, such as
``"validate-tree-child-out-of-range"``, even when the type is trusted).
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "UNTRUSTED_TYPE_REASONS",
    "CardError",
    "SkopsFormatError",
    "UnsupportedTypeException",
    "UntrustedTypesFoundException",
]

# Why skops 0.16 refuses to trust these types by default (shown in its messages; same text).
UNTRUSTED_TYPE_REASONS: dict[str, str] = {
    "sklearn.tree._tree.Tree": (
        "sklearn.tree._tree.Tree (the shared node storage for DecisionTree*, "
        "RandomForest*, ExtraTrees*, and GradientBoosting* models) stores raw "
        "node indices (left_child, right_child, feature) that scikit-learn "
        "indexes into without bounds checking. A malicious file can set these "
        "to out-of-range values: skops loads the object successfully, but "
        "calling .predict() on it can then crash the process (segfault) or "
        "read out-of-bounds memory. If you created the file yourself or "
        "otherwise fully trust its source, you can load it with "
        'trusted=["sklearn.tree._tree.Tree"].'
    ),
    "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor": (
        "sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor "
        "(used by HistGradientBoosting* models) stores raw node indices "
        "(left, right, feature_idx) in its nodes array that scikit-learn "
        "indexes into without bounds checking. A malicious file can set "
        "these to out-of-range values: skops loads the object "
        "successfully, but calling .predict() on it can then crash the "
        "process (segfault) or read out-of-bounds memory. If you created "
        "the file yourself or otherwise fully trust its source, you can "
        "load it with trusted=["
        '"sklearn.ensemble._hist_gradient_boosting.predictor.TreePredictor"].'
    ),
}


class UnsupportedTypeException(TypeError):
    """Raised when an object cannot be persisted; the message says why.

    Attributes
    ----------
    type_name : str or None
        The fully qualified name of the type that cannot be saved.
    path : str or None
        Where the object sits inside the saved object, e.g. ``steps[0][1].func``.
    """

    def __init__(self, message: str, *, type_name: str | None = None, path: str | None = None):
        super().__init__(message)
        self.type_name = type_name
        self.path = path


class UntrustedTypesFoundException(TypeError):
    """Raised when a file holds types that are neither trusted by default nor by the caller.

    Attributes
    ----------
    types : list of str
        The untrusted type names, sorted (what ``get_untrusted_types`` reports).
    paths : dict of str to list of str
        For each untrusted type, the node paths where it occurs (empty if not known).
    """

    def __init__(self, unsafe: Iterable[str], paths: dict[str, list[str]] | None = None):
        types = sorted(unsafe)
        msg = f"Untrusted types found in the file: {types}."
        notes = [
            f"- {name}: {UNTRUSTED_TYPE_REASONS[name]}"
            for name in types
            if name in UNTRUSTED_TYPE_REASONS
        ]
        if notes:
            msg += "\n\n" + "\n\n".join(notes)
            msg += (
                "\n\nOnly add the specific types you have reviewed and trust "
                "to the `trusted` argument; avoid passing everything "
                "reported by get_untrusted_types() just to make a file load."
            )
        super().__init__(msg)
        self.types = types
        self.paths = dict(paths or {})


class SkopsFormatError(ValueError):
    """Raised when a file is not a valid ``.skops`` file (malformed, truncated or hostile).

    Attributes
    ----------
    kind : str
        A short, stable name of the problem, e.g. ``"truncated"`` or ``"limit-exceeded"``.
    """

    def __init__(self, message: str, *, kind: str):
        super().__init__(message)
        self.kind = kind


class CardError(ValueError):
    """Raised when a model card (or its metadata) cannot be read, built or written.

    A ``ValueError``, so code catching skops' ``ValueError`` keeps working. Where skops 0.16
    raises its own exception for the same problem (``KeyError`` for a missing section,
    ``TypeError`` for a plot without a path, ...), skops-rs raises that one instead.

    Attributes
    ----------
    kind : str
        A short, stable name of the problem, e.g. ``"limit-exceeded"`` (a card or its
        metadata past a limit of ``skops-card``'s ``limits``), ``"front-matter-syntax"``,
        ``"not-a-regular-file"``, ``"invalid-section-name"`` or ``"lone-surrogate"``
        (``docs/cards.md`` lists them all).
    """

    def __init__(self, message: str, *, kind: str):
        super().__init__(message)
        self.kind = kind
