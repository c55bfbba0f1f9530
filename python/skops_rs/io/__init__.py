"""Secure persistence of scikit-learn models: a drop-in for ``skops.io`` (skops 0.16).

The functions take the same arguments, return the same things and raise the same exceptions
with the same messages as skops'; files written by one load with the other. The work (walking
the object, the zip archive, the audit of the types in a file) is done by the native module
``skops_rs._skops_rs``; this module handles the arguments.

Differences from skops, all on the safe side:

- :func:`dump` to a path is atomic: the file is written next to the target, flushed to disk and
  renamed over it, so an error never leaves a half-written or truncated file behind, and a
  dumped file survives a crash or power loss. ``durable=False`` keeps the atomic rename but
  skips the flush (a few milliseconds per file), for callers that write many files they can
  write again.
- :func:`load` takes ``mmap_mode="r"`` (an addition): the arrays become read-only views of a
  private memory mapping of the file, shared between processes (see ``docs/performance.md``).
- :func:`dump` writes each stored array 64-byte aligned in the file (an extra field every zip
  reader skips), so that a mapped load can view it.
- :func:`dump` and :func:`dumps` write ``ZIP_STORED`` and ``ZIP_DEFLATED`` archives only; they
  refuse ``ZIP_BZIP2`` and ``ZIP_LZMA`` with a ``ValueError`` (loading reads all four).
"""

from __future__ import annotations

import os
import sys
import warnings
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, BinaryIO, Literal

from skops_rs import _skops_rs
from skops_rs.io._policy import TrustPolicy
from skops_rs.io._visualize import NodeInfo, pretty_print_tree

# The names of skops.io; `TrustPolicy` is an addition, importable but not in `__all__`.
__all__ = ["dump", "dumps", "get_untrusted_types", "load", "loads", "visualize"]

#: Types the caller trusts: fully qualified names (as `get_untrusted_types` returns them) or
#: the type objects themselves.
TrustedTypes = Sequence[str | type[Any]]

_TRUSTED_IS_TRUE_MESSAGE = (
    "trusted must be a list of strings or types. Before version 0.10 "
    "trusted could be a boolean, but this is no longer supported, due to "
    "a reported CVE-2024-37065. You can pass the output of "
    "`get_untrusted_types` as trusted to load the data. Be sure to review "
    "the output of the function before passing it as trusted."
)

#: Methods `zipfile` knows but the native writer does not (it reads them).
_READ_ONLY_COMPRESSIONS = {zipfile.ZIP_BZIP2: "ZIP_BZIP2", zipfile.ZIP_LZMA: "ZIP_LZMA"}


# ----- type names (skops.io._utils.get_type_name rules) ------------------------------------


def _get_module(obj: Any) -> str:
    """The module of `obj` as skops names it (``pickle.whichmodule`` with skops' tweaks).

    ``obj.__module__`` if it is set; otherwise (scipy ufuncs, for one) the first module in
    ``sys.modules``, in import order, that has ``obj`` under ``obj.__name__``; else
    ``"__main__"``. The name is therefore import-order dependent exactly as in skops.
    """
    name = obj.__name__
    module_name = getattr(obj, "__module__", None)
    if module_name is not None:
        return str(module_name)
    with warnings.catch_warnings():
        # Touching deprecated modules (numpy.core...) warns; the scan is not the user's doing.
        warnings.simplefilter("ignore", DeprecationWarning)
        # A copy: a lazy module may import others while we look at it.
        for candidate_name, module in sys.modules.copy().items():
            if candidate_name in ("__main__", "__mp_main__") or module is None:
                continue
            try:
                found = getattr(module, name, None)
            except (AttributeError, ImportError):
                continue
            if found is obj:
                return candidate_name
    return "__main__"


def _get_type_name(t: Any) -> str:
    return f"{_get_module(t)}.{t.__name__}"


def _get_type_paths(types: Any) -> list[str]:
    """Normalise a ``trusted`` argument to a list of type-name strings, as skops does.

    Falsy means none; a single string or type is one entry; anything else is iterated, and
    each item that is not a string is named with the ``get_type_name`` rules.
    """
    if not types:
        return []
    items = [types] if isinstance(types, (str, type)) else types
    return [t if isinstance(t, str) else _get_type_name(t) for t in items]


def _trusted_names(trusted: Any) -> list[str]:
    """The ``trusted`` argument of `load`/`loads` as names; ``True`` is refused as in skops."""
    if trusted is True:
        raise TypeError(_TRUSTED_IS_TRUE_MESSAGE)
    return _get_type_paths(trusted)


def _load_with_policy(content: bytes, policy: TrustPolicy) -> Any:
    """Load `content` trusting `policy`'s types, only if the policy is for these very bytes.

    The digest is checked before the content is even parsed; nothing is built on a mismatch.
    """
    return _skops_rs.loads(content, policy.trusted_types_for(content))


# ----- inputs and outputs ------------------------------------------------------------------


def _as_bytes(data: Any) -> bytes:
    """`data` as ``bytes``; any bytes-like object is accepted, as ``io.BytesIO`` would."""
    if isinstance(data, bytes):
        return data
    try:
        return bytes(memoryview(data))
    except TypeError:
        raise TypeError(f"a bytes-like object is required, not '{type(data).__name__}'") from None


def _read_source(file: Any) -> bytes:
    """The whole content of a path or of a binary file object.

    A seekable file object is read from its start, because ``zipfile.ZipFile`` (what skops
    hands it to) looks at the whole stream whatever its current position is.
    """
    if isinstance(file, (str, os.PathLike)):
        return _read_path(file)[1]
    if isinstance(file, (bytes, bytearray, memoryview)):
        raise TypeError(
            "file must be a path or a binary file object, got bytes; use loads(data) "
            "or get_untrusted_types(data=...) for data in memory"
        )
    seekable = getattr(file, "seekable", None)
    if callable(seekable) and seekable():
        file.seek(0)
    content = file.read()
    if isinstance(content, str):
        raise TypeError("the file object returned str; open the file in binary mode ('rb')")
    return _as_bytes(content)


#: The path `get_untrusted_types(file=path)` read last: its identity on disk and its content.
#: ``load(path, trusted=get_untrusted_types(file=path))`` (skops' documented way to load a
#: file) then takes the content instead of reading the file a second time, when the file has
#: the same device, inode, size, modification and change times. Whatever happened to the file
#: in between, what is loaded is exactly the bytes that were audited (and the native module
#: reuses what it checked for them). Taken by the next `load` of any path.
_last_audited_path: tuple[tuple[int, ...], bytes] | None = None


def _identity(status: os.stat_result) -> tuple[int, ...]:
    return (
        status.st_dev,
        status.st_ino,
        status.st_size,
        status.st_mtime_ns,
        status.st_ctime_ns,
    )


def _file_identity(path: str | os.PathLike[str]) -> tuple[int, ...]:
    return _identity(os.stat(path))


def _read_path(path: str | os.PathLike[str]) -> tuple[tuple[int, ...], bytes]:
    """The identity on disk of the file at `path` when it was opened, and its whole content.

    Unbuffered: ``readall`` sizes its buffer from the file's size, and skipping the
    ``BufferedReader`` saves a third of the time it takes to read a small model.
    """
    with open(path, "rb", buffering=0) as f:
        identity = _identity(os.fstat(f.fileno()))
        return identity, f.readall()


def _read_path_audited(path: str | os.PathLike[str]) -> bytes:
    """The content of `path` for `get_untrusted_types`, remembered for the next `load`."""
    global _last_audited_path
    identity, content = _read_path(path)
    _last_audited_path = (identity, content)
    return content


def _read_path_to_load(path: str | os.PathLike[str]) -> bytes:
    """The content of `path` for `load`: the bytes `get_untrusted_types` just read from the
    same, unchanged file, else read now."""
    global _last_audited_path
    remembered, _last_audited_path = _last_audited_path, None
    if remembered is not None:
        try:
            unchanged = remembered[0] == _file_identity(path)
        except OSError:
            unchanged = False
        if unchanged:
            return remembered[1]
    return _read_source(path)


#: zlib's default level (``Z_DEFAULT_COMPRESSION``, -1), what ``zipfile`` deflates with when
#: ``compresslevel`` is None or -1.
_ZLIB_DEFAULT_LEVEL = 6


def _writer_settings(compression: int, compresslevel: int | None) -> int | None:
    """Check the compression arguments of :func:`dump` and :func:`dumps`, the one place they
    are checked, raising what ``zipfile`` (and so skops) raises or a clear ``ValueError``.

    Returns what the native writer takes: None for stored members, else the deflate level
    (0-9).
    """
    if compression == zipfile.ZIP_STORED:
        return None  # zipfile ignores the level of stored members
    if compression == zipfile.ZIP_DEFLATED:
        if compresslevel is None:
            return _ZLIB_DEFAULT_LEVEL
        if isinstance(compresslevel, bool) or not isinstance(compresslevel, int):
            raise TypeError(
                f"compresslevel must be an int or None, not {type(compresslevel).__name__}"
            )
        if not -1 <= compresslevel <= 9:
            raise ValueError(
                f"compresslevel must be between -1 and 9 for ZIP_DEFLATED, got {compresslevel}"
            )
        return _ZLIB_DEFAULT_LEVEL if compresslevel == -1 else compresslevel
    if compression in _READ_ONLY_COMPRESSIONS:
        raise ValueError(
            f"skops_rs writes only ZIP_STORED and ZIP_DEFLATED archives, not "
            f"{_READ_ONLY_COMPRESSIONS[compression]} (={compression}); it reads all four"
        )
    # What zipfile (and so skops) raises for a method it does not know.
    raise NotImplementedError("That compression method is not supported")


def _dumps(obj: Any, compression: int, compresslevel: int | None) -> bytes:
    return _skops_rs.dumps(obj, _writer_settings(compression, compresslevel))


def _write_atomically(path: str | os.PathLike[str], data: bytes, durable: bool = True) -> None:
    """Replace the file at `path` by `data`, all at once (`skops_format::atomic`).

    The bytes go to a new file in the same directory (so the rename stays on one file system),
    which is flushed to disk (unless not `durable`) and then renamed over the target, and the
    directory is synced. If anything fails, the new file is removed and the target is left as
    it was. A symbolic link is written through, like ``open(path, "wb")`` would; an existing
    target keeps its permission bits, a new one gets the usual ``0o666 & ~umask``.
    """
    _skops_rs.write_atomic(os.fspath(path), data, durable)


# ----- public API ---------------------------------------------------------------------------


def dump(
    obj: Any,
    file: str | Path | BinaryIO,
    *,
    compression: int = zipfile.ZIP_STORED,
    compresslevel: int | None = None,
    durable: bool = True,
) -> None:
    """Save an object in the skops format, to a file.

    The format stores the object's state as JSON plus ``.npy`` arrays inside a zip archive; it
    never stores code, so loading a file does not run anything from it (unlike :mod:`pickle`).

    Parameters
    ----------
    obj : object
        The object to save, usually a fitted scikit-learn estimator.
    file : str, path-like or binary file object
        Where to write. A path is written atomically: a temporary file in the same directory is
        written, flushed to disk and renamed over the target, so a failure leaves any existing
        file untouched. A file object gets the archive through its ``write`` method and is not
        closed. The usual extension is ``.skops`` (not enforced).
    compression : int, default=zipfile.ZIP_STORED
        ``zipfile.ZIP_STORED`` or ``zipfile.ZIP_DEFLATED``.
    compresslevel : int, default=None
        Deflate level, -1 (zlib's default) or 0 (fastest) to 9 (smallest); ignored for
        ``ZIP_STORED``.
    durable : bool, default=True
        For a path: flush the new file to disk before it replaces the target, so that once
        ``dump`` returns the file survives a crash or power loss. ``False`` keeps the write
        atomic (a failure still leaves the target untouched, and readers never see a partial
        file) but leaves the flush to the operating system: after a crash the target may hold
        the previous file or, on some file systems, be empty. It saves a few milliseconds per
        file (the disk's flush latency); worth it only for many files that can be written
        again. Ignored for a file object (skops_rs does not flush what it does not open). Not
        in skops 0.16, which never flushes.

    Raises
    ------
    skops_rs.exceptions.UnsupportedTypeException
        If ``obj`` holds something skops 0.16 refuses to save too (``Birch``, a numpy array
        of a dtype it cannot store, ...). Functions and classes are saved by
        module and ``__name__`` as skops saves them, even a lambda or one defined inside a
        function, which loading cannot import back.
    ValueError
        If ``compression`` is ``ZIP_BZIP2`` or ``ZIP_LZMA`` (readable but not written by
        skops_rs) or ``compresslevel`` is out of range.
    NotImplementedError
        If ``compression`` is not a zip compression method at all.

    See Also
    --------
    dumps : The same, returning the bytes.
    load : Load the object back.
    """
    data = _dumps(obj, compression, compresslevel)
    if isinstance(file, (str, os.PathLike)):
        _write_atomically(file, data, durable)
    else:
        file.write(data)


def dumps(
    obj: Any, *, compression: int = zipfile.ZIP_STORED, compresslevel: int | None = None
) -> bytes:
    """Save an object in the skops format, returning the archive as bytes.

    Parameters
    ----------
    obj : object
        The object to save, usually a fitted scikit-learn estimator.
    compression : int, default=zipfile.ZIP_STORED
        ``zipfile.ZIP_STORED`` or ``zipfile.ZIP_DEFLATED``.
    compresslevel : int, default=None
        Deflate level, -1 or 0 to 9; ignored for ``ZIP_STORED``.

    Returns
    -------
    bytes
        The content of a ``.skops`` file.

    Raises
    ------
    skops_rs.exceptions.UnsupportedTypeException
        If ``obj`` holds something the format cannot represent.
    ValueError
        If the compression method or level is not one skops_rs writes.
    NotImplementedError
        If ``compression`` is not a zip compression method at all.
    """
    return _dumps(obj, compression, compresslevel)


class MmapCopyWarning(UserWarning):
    """``load(path, mmap_mode="r")`` had to copy some arrays instead of viewing the file.

    ``.copies`` lists them: ``(node path, reason)`` pairs, the reason one of
    ``"compressed"`` (a ``ZIP_DEFLATED`` member: its bytes exist only decompressed),
    ``"unaligned"`` (a file not written by skops_rs' ``dump``: the array's data is not
    64-byte aligned in the file), ``"subclass"`` (an ``ndarray`` subclass, built from a copy
    as skops builds it) or ``"sparse"`` (a scipy sparse matrix); ``.viewed`` counts the arrays
    that are views of the file.
    """

    def __init__(self, viewed: int, copies: list[tuple[str, str]]) -> None:
        self.viewed = viewed
        self.copies = copies
        reasons: dict[str, int] = {}
        for _, reason in copies:
            reasons[reason] = reasons.get(reason, 0) + 1
        counted = ", ".join(f"{count} {reason}" for reason, count in sorted(reasons.items()))
        super().__init__(
            f"mmap_mode: {len(copies)} array(s) are copies, not views of the file ({counted}); "
            f"{viewed} are views. Write the file with skops_rs.io.dump(..., "
            "compression=ZIP_STORED) for views; `.copies` lists them."
        )


def _map_file(path: str | os.PathLike[str]) -> Any:
    """The bytes of `path` as a read-only ``uint8`` array over a private, read-only memory
    mapping (``MAP_PRIVATE``, ``PROT_READ``; read-only access where there is no
    ``MAP_PRIVATE``). The mapping lives as long as any view of it."""
    import mmap

    import numpy as np

    with open(path, "rb") as handle:
        if hasattr(mmap, "MAP_PRIVATE"):
            mapping = mmap.mmap(handle.fileno(), 0, flags=mmap.MAP_PRIVATE, prot=mmap.PROT_READ)
        else:  # pragma: no cover - Windows
            mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    return np.frombuffer(mapping, dtype=np.uint8)


def _load_mapped(file: str | os.PathLike[str], trusted: TrustedTypes | TrustPolicy | None) -> Any:
    """`load(path, mmap_mode="r")`: see :func:`load`."""
    global _last_audited_path
    _last_audited_path = None
    if isinstance(trusted, TrustPolicy):
        names, digest = list(trusted.types), trusted.sha256
    else:
        names, digest = _trusted_names(trusted), None
    if os.stat(file).st_size == 0:
        # mmap refuses empty files; the ordinary load fails on them as skops does.
        return _skops_rs.loads(b"", names)
    obj, viewed, copies = _skops_rs.loads_mapped(_map_file(file), names, digest)
    if copies:
        warnings.warn(MmapCopyWarning(viewed, copies), stacklevel=3)
    return obj


def load(
    file: str | Path | BinaryIO,
    trusted: TrustedTypes | TrustPolicy | None = None,
    *,
    mmap_mode: Literal["r"] | None = None,
) -> Any:
    """Load an object saved in the skops format, from a file.

    The file is audited before anything is built: every type it names must be trusted, by
    default (scikit-learn estimators, numpy arrays, builtin containers...) or because it is in
    ``trusted``. Otherwise nothing is imported or constructed and an exception lists the
    untrusted types. Review them (see :func:`get_untrusted_types`) before trusting them.

    Parameters
    ----------
    file : str, path-like or binary file object
        The file to read. A file object is read whole (from its start if it is seekable) and
        is not closed.
    trusted : list of str or type, or TrustPolicy, default=None
        Types to trust besides the default ones: fully qualified names as
        :func:`get_untrusted_types` returns them, or the types themselves. A single string or
        type is accepted too. ``True`` is refused (it used to mean "trust everything").
        Or a :class:`TrustPolicy`: its types are trusted only if its sha256 is the file's
        (a policy approves one exact file, see ``docs/trust.md``).
    mmap_mode : {None, "r"}, default=None
        ``"r"`` (a path only): map the file into memory instead of reading it, and make every
        array stored in it a read-only view of the file's pages, as ``joblib.load(...,
        mmap_mode="r")`` does: worker processes loading the same file share one copy of the
        arrays in the page cache. The file is opened, checked, audited and validated whole
        before any array is handed out. Only arrays stored 64-byte aligned and uncompressed
        (``dump`` writes them so) can be views; the others are copies, and a
        :class:`MmapCopyWarning` says which and why. The mapping is private and read-only: the
        loaded object never writes the file. Replacing the file (``dump``, ``mv``: a new file
        renamed over the old) does not change the loaded arrays; writing into the mapped file
        in place can, so do not (see ``docs/performance.md``). Not in skops 0.16.

    Returns
    -------
    object
        The loaded object.

    Raises
    ------
    skops_rs.exceptions.UntrustedTypesFoundException
        If the file holds types that are not trusted; ``.types`` lists them.
    skops_rs.exceptions.SkopsFormatError
        If the file is not a valid ``.skops`` file (a ``ValueError``), or ``trusted`` is a
        policy for another file (``kind="policy-digest-mismatch"``).
    TypeError
        If ``trusted`` is ``True``.
    ValueError
        If ``mmap_mode`` is not None or ``"r"``, or is ``"r"`` for a file object.
    """
    if mmap_mode is not None:
        if mmap_mode != "r":
            raise ValueError(f'mmap_mode must be None or "r", not {mmap_mode!r}')
        if not isinstance(file, (str, os.PathLike)):
            raise ValueError('mmap_mode="r" needs a path, not a file object')
        return _load_mapped(file, trusted)
    if isinstance(trusted, TrustPolicy):
        return _load_with_policy(_read_source(file), trusted)
    names = _trusted_names(trusted)
    is_path = isinstance(file, (str, os.PathLike))
    data = _read_path_to_load(file) if is_path else _read_source(file)
    return _skops_rs.loads(data, names)


def loads(data: bytes, trusted: TrustedTypes | TrustPolicy | None = None) -> Any:
    """Load an object saved in the skops format, from bytes.

    Parameters
    ----------
    data : bytes
        The content of a ``.skops`` file (any bytes-like object).
    trusted : list of str or type, or TrustPolicy, default=None
        Types to trust besides the default ones, as for :func:`load`; a
        :class:`TrustPolicy` only for the data whose sha256 it records.

    Returns
    -------
    object
        The loaded object.

    Raises
    ------
    skops_rs.exceptions.UntrustedTypesFoundException
        If the data holds types that are not trusted; ``.types`` lists them.
    skops_rs.exceptions.SkopsFormatError
        If the data is not a valid ``.skops`` file (a ``ValueError``), or ``trusted`` is a
        policy for other data (``kind="policy-digest-mismatch"``).
    TypeError
        If ``data`` is a ``str`` or ``trusted`` is ``True``.
    """
    if isinstance(data, str):
        raise TypeError("Can't load skops format from string, pass bytes")
    if isinstance(trusted, TrustPolicy):
        return _load_with_policy(_as_bytes(data), trusted)
    names = _trusted_names(trusted)
    content = _as_bytes(data)
    return _skops_rs.loads(content, names)


def get_untrusted_types(
    *, data: bytes | None = None, file: str | Path | BinaryIO | None = None
) -> list[str]:
    """List the types in a skops file that are not trusted by default.

    Nothing is imported or constructed. Review the list before passing (part of) it as
    ``trusted`` to :func:`load`.

    Parameters
    ----------
    data : bytes, default=None
        The content of a ``.skops`` file.
    file : str, path-like or binary file object, default=None
        The file to check.

    Returns
    -------
    list of str
        The untrusted type names, sorted. Besides classes this can hold functions
        (``module.function``) and methods (``module.Class.method``).

    Raises
    ------
    ValueError
        If neither or both of ``data`` and ``file`` are given.

    Notes
    -----
    Exactly one of ``data`` and ``file`` must be given (and not empty).
    """
    if data:
        if file:
            raise ValueError("Only one of data or file should be passed.")
        content = _as_bytes(data)
    elif file:
        is_path = isinstance(file, (str, os.PathLike))
        content = _read_path_audited(file) if is_path else _read_source(file)
    else:
        raise ValueError("Exactly one of data or file should be passed.")
    return list(_skops_rs.get_untrusted_types(content))


def visualize(
    file: Path | str | bytes | BinaryIO,
    *,
    show: Literal["all", "untrusted", "trusted"] = "all",
    trusted: TrustedTypes | TrustPolicy | None = None,
    sink: Callable[..., None] = pretty_print_tree,
    **kwargs: Any,
) -> None:
    """Show the content of a skops file as a tree, marking what is not trusted.

    Nothing is imported or constructed. A node is marked untrusted if its own type is; a node
    with an untrusted node below it is highlighted too (with colours, when ``rich`` is
    installed). The tree is a reading aid, not a security check: use
    :func:`get_untrusted_types` for that.

    Parameters
    ----------
    file : str, path-like, bytes or binary file object
        The file, or its content.
    show : {"all", "untrusted", "trusted"}, default="all"
        Print every node, only the nodes that are or contain something untrusted, or only the
        nodes whose own type is trusted. The root is always printed.
    trusted : list of str or type, or TrustPolicy, default=None
        Types to count as trusted besides the default ones, as for :func:`load` (a policy
        only for the file whose sha256 it records).
    sink : callable, default=pretty_print_tree
        Called as ``sink(nodes, show, **kwargs)`` where ``nodes`` iterates over
        :class:`~skops_rs.io._visualize.NodeInfo` (level, key, val, is_self_safe, is_safe,
        is_last), depth first. The default prints the tree; it takes ``tag_safe`` (default
        ``""``), ``tag_unsafe`` (default ``"[UNSAFE]"``), ``use_colors`` (default True),
        ``color_safe`` (default ``"cyan"``), ``color_unsafe`` (default ``"orange1"``) and
        ``color_child_unsafe`` (default ``"magenta"``); colours need ``rich``.
    **kwargs
        Passed on to ``sink``.
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        content = _as_bytes(file)
    else:
        content = _read_source(file)
    if isinstance(trusted, TrustPolicy):
        names = trusted.trusted_types_for(content)
    else:
        names = _get_type_paths(trusted)
    rows = _skops_rs.tree_nodes(content, names)
    nodes = (NodeInfo(*row) for row in rows)
    sink(nodes, show, **kwargs)
