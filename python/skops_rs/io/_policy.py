"""Trust policies: approvals of untrusted types bound to the sha256 of one exact file.

A list of trusted type names kept next to a model approves whatever file sits there next: a
crafted model can ship the list approving its own dangerous types (mlflow advisory
GHSA-w582-9x45-8mpx). A :class:`TrustPolicy` records the sha256 of the file it was reviewed
for; :func:`skops_rs.io.load` accepts it only for those very bytes. Reading, validating and
writing the JSON document is done by the same Rust code as ``skops-rs audit --policy``; see
``docs/trust.md`` for the format and the threat model.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from skops_rs import _skops_rs

__all__ = ["TrustPolicy"]


@dataclass(frozen=True)
class TrustPolicy:
    """Type names approved for the one file whose sha256 is ``sha256``.

    Build one with :meth:`for_file` (after reviewing the file's untrusted types), or read one
    with :meth:`read`; pass it as ``trusted=`` to :func:`skops_rs.io.load` or
    :func:`skops_rs.io.loads`. The fields are validated on construction (64 lowercase hex
    digits, distinct non-empty type names, a ``YYYY-MM-DDTHH:MM:SSZ`` timestamp); a bad value
    raises :class:`skops_rs.exceptions.SkopsFormatError` with a ``policy-*`` kind.

    Attributes
    ----------
    sha256 : str
        The sha256 of the whole ``.skops`` file, lowercase hex.
    types : tuple of str
        The approved type names.
    approved_by : str
        Who approved them.
    approved_at : str
        When, in UTC (``YYYY-MM-DDTHH:MM:SSZ``).
    note : str or None
        The approver's note.
    """

    sha256: str
    types: tuple[str, ...]
    approved_by: str
    approved_at: str
    note: str | None = None
    _json: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", tuple(self.types))
        text = _skops_rs.policy_to_json(
            self.sha256, list(self.types), self.approved_by, self.approved_at, self.note
        )
        object.__setattr__(self, "_json", text)

    @classmethod
    def _from_fields(cls, fields: dict[str, Any]) -> TrustPolicy:
        return cls(
            sha256=fields["sha256"],
            types=tuple(fields["types"]),
            approved_by=fields["approved_by"],
            approved_at=fields["approved_at"],
            note=fields["note"],
        )

    @classmethod
    def read(cls, path: str | os.PathLike[str]) -> TrustPolicy:
        """Read and validate the policy file at ``path``."""
        return cls._from_fields(_skops_rs.policy_read(os.fspath(path)))

    @classmethod
    def from_json(cls, text: str | bytes) -> TrustPolicy:
        """Parse and validate a policy document."""
        data = text.encode() if isinstance(text, str) else bytes(text)
        return cls._from_fields(_skops_rs.policy_from_json(data))

    @classmethod
    def for_file(
        cls,
        file: str | Path | BinaryIO,
        *,
        types: list[str] | None = None,
        approved_by: str | None = None,
        note: str | None = None,
    ) -> TrustPolicy:
        """A policy approving types in ``file``, and only in that file, approved now.

        Parameters
        ----------
        file : str, path-like or binary file object
            The ``.skops`` file the approval is for.
        types : list of str, default=None
            The types to approve; by default all of the file's untrusted types (review them
            first, e.g. with :func:`skops_rs.io.get_untrusted_types`).
        approved_by : str, default=None
            Who approves; by default the user name from the environment.
        note : str, default=None
            A note to record (e.g. where the review is).
        """
        from skops_rs.io import _read_source, get_untrusted_types

        data = _read_source(file)
        if types is None:
            types = get_untrusted_types(data=data)
        return cls._from_fields(_skops_rs.policy_for_data(data, list(types), approved_by, note))

    def to_json(self) -> str:
        """The policy as its JSON document."""
        return self._json

    def write(self, path: str | os.PathLike[str]) -> None:
        """Write the policy to ``path`` atomically (a temporary file renamed over it)."""
        from skops_rs.io import _write_atomically

        _write_atomically(path, self._json.encode())

    def trusted_types_for(self, data: bytes) -> list[str]:
        """The approved types, if ``data`` is the file this policy is for.

        Raises
        ------
        skops_rs.exceptions.SkopsFormatError
            With ``kind="policy-digest-mismatch"`` when ``data`` is another file (or the same
            file changed by even one byte); the message names both digests.
        """
        _skops_rs.policy_check(data, self.sha256)
        return list(self.types)
