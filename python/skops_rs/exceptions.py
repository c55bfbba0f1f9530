"""Exceptions of skops-rs, compatible with ``skops.io.exceptions``.

The classes keep skops' names and bases (``TypeError``), so code that catches skops'
exceptions keeps working, and add structured attributes so nobody has to parse a message.
``SkopsFormatError`` (a ``ValueError``) reports a file that is malformed or hostile; its
``kind`` attribute names the problem (e.g. ``"zip-crc-mismatch"``; ``"validate-tree-..."`` for
a ``sklearn.tree._tree.Tree`` whose state fails skops-rs' validator, such as
``"validate-tree-child-out-of-range"``, even when the type is trusted).

Where skops 0.16 raises a ``TypeError`` or an ``AttributeError`` for a bad file, the error is a
subclass of ``SkopsFormatError`` that is also that builtin (`SkopsFormatTypeError`,
`SkopsFormatAttributeError`), so both ``except SkopsFormatError`` and the ``except`` clause
written for skops catch it.
"""

from __future__ import annotations

from collections.abc import Iterable

from skops_rs import _skops_rs

__all__ = [
    "UNTRUSTED_TYPE_REASONS",
    "CardError",
    "InferenceEndpointError",
    "InferenceError",
    "InferenceInputError",
    "InferenceMethodError",
    "SkopsFormatAttributeError",
    "SkopsFormatError",
    "SkopsFormatTypeError",
    "UnsupportedModelError",
    "UnsupportedTypeException",
    "UntrustedTypesFoundException",
]

# Why skops 0.16 refuses to trust these types by default (shown in its messages; same text,
# read from the trust tables embedded in the native module).
UNTRUSTED_TYPE_REASONS: dict[str, str] = dict(_skops_rs.untrusted_type_reasons())


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


class SkopsFormatTypeError(SkopsFormatError, TypeError):
    """A `SkopsFormatError` for a problem skops 0.16 reports with a ``TypeError``.

    A ``protocol`` in ``schema.json`` that is not an integer (``kind="schema-invalid-protocol"``),
    a node whose loader skops does not know (``kind="schema-unknown-loader"``), and a value
    that ``visualize`` cannot show as a node (``kind="visualize-not-a-node"``).
    """


class SkopsFormatAttributeError(SkopsFormatError, AttributeError):
    """A `SkopsFormatError` for a problem skops 0.16 reports with an ``AttributeError``.

    A protocol 0 ``numpy.random.Generator`` whose raw state (a non-empty list or dict) skops
    cannot audit (``kind="audit-raw-generator-state"``).
    """


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


class InferenceEndpointError(RuntimeError):
    """Raised by ``hub_utils.get_model_output`` when no inference endpoint gives an answer.

    No endpoint configured (``HF_INFERENCE_ENDPOINT`` unset: the Hub's own legacy inference
    API is gone, so there is no default), none reachable at the configured URL (connection
    refused, unknown host, time-out), or an answer that is not the inference API's (a
    body that is not JSON). A ``RuntimeError``, like the errors skops 0.11 raised for a failed
    inference, so one ``except RuntimeError`` catches both.

    Attributes
    ----------
    url : str or None
        The URL the request went to (``None`` when no endpoint is configured).
    status : int or None
        The HTTP status of the answer, if one came.
    """

    def __init__(self, message: str, *, url: str | None = None, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.status = status


class InferenceError(ValueError):
    """Raised by native prediction (``skops_rs.infer``) for a model or an input it refuses.

    Attributes
    ----------
    kind : str
        A short, stable name of the problem (``"infer-..."``, ``docs/errors.md``).
    """

    def __init__(self, message: str, *, kind: str):
        super().__init__(message)
        self.kind = kind


class UnsupportedModelError(InferenceError):
    """The model, or one of its steps, is not evaluated natively: a class the engine does not
    support (``kind="infer-unsupported"``), an option it does not evaluate
    (``"infer-unsupported-option"``) or a state it cannot read (``"infer-malformed-state"``).
    The message names the class and its node path. Load the model with ``skops_rs.io.load``
    instead.
    """


class InferenceInputError(InferenceError):
    """The batch does not fit the model: the wrong number of columns, values scikit-learn
    refuses (infinity, values beyond float32 range for trees), missing or renamed columns,
    strings where numbers belong, unknown categories (``kind="infer-input-..."``). A
    ``ValueError``, as scikit-learn raises for the same inputs.
    """


class InferenceMethodError(InferenceError, AttributeError):
    """The model has no such method (``kind="infer-no-method"``); an ``AttributeError`` too,
    as scikit-learn's estimator has no such attribute.
    """
