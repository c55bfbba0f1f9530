"""The remote half of ``hub_utils``: ``push`` and ``download`` through ``huggingface_hub``.

The official client does the HTTP, so everything it honours applies: ``HF_ENDPOINT`` (any
Hub-compatible server, ``skops-rs hub serve`` included), ``HF_TOKEN`` or the stored login, its
cache (``HF_HOME``, ``HF_HUB_CACHE``), offline mode and its progress bars
(``HF_HUB_DISABLE_PROGRESS_BARS``). It is an optional dependency (``skops-rs[hub]``), imported
only when one of these two functions runs.

``push`` uploads whatever way the server asks for: a server answering ``uploadMode: regular``
(``skops-rs hub serve`` does, for every file) gets the bytes inside the commit itself, never
through LFS or Xet.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

_HUB_MISSING = (
    "hub_utils.{function} needs the huggingface_hub package; install it with "
    "`pip install skops-rs[hub]`."
)


def _huggingface_hub(function: str) -> Any:
    """The `huggingface_hub` module, or an error naming the extra that installs it."""
    try:
        import huggingface_hub
    except ImportError as e:
        raise ModuleNotFoundError(_HUB_MISSING.format(function=function)) from e
    return huggingface_hub


def _client_identity() -> dict[str, str]:
    """``library_name`` and ``library_version`` for huggingface_hub: its user agent then names
    skops-rs (``skops-rs/<version>; hf_hub/<version>; python/...``), as it does other libraries."""
    from skops_rs import __version__

    return {"library_name": "skops-rs", "library_version": __version__}


def _validate_folder(path: str | Path) -> None:
    """Check that `path` is a model repository folder; ``TypeError`` if not (as skops 0.11).

    A folder, with a ``config.json`` naming a model file that is in the folder.
    """
    path = Path(path)
    if not path.is_dir():
        raise TypeError("The given path is not a directory.")

    config_path = path / "config.json"
    if not config_path.exists():
        raise TypeError("Configuration file `config.json` missing.")

    with open(config_path, encoding="utf-8") as f:
        config = json.load(f)

    model_path = config.get("sklearn", {}).get("model", {}).get("file", None)
    if not model_path:
        raise TypeError(
            "Model file not configured in the configuration file. It should be stored"
            " in the hf_hub.sklearn.model key."
        )

    if not (path / model_path).exists():
        raise TypeError(f"Model file {model_path} does not exist.")


def push(
    *,
    repo_id: str,
    source: str | Path,
    token: str | None = None,
    commit_message: str | None = None,
    create_remote: bool = False,
    private: bool | None = None,
) -> None:
    """Pushes the contents of a model repo to a Hugging Face Hub.

    This function validates the contents of the folder before pushing it to the Hub at
    ``HF_ENDPOINT`` (by default https://huggingface.co; ``skops-rs hub serve`` for a hub of
    your own).

    Parameters
    ----------
    repo_id : str
        The ID of the destination repository in the form of ``OWNER/REPO_NAME``.

    source : str or Path
        A folder where the contents of the model repo are located.

    token : str, optional
        A token to push to the Hub. If not provided, ``HF_TOKEN`` or the token stored by
        ``hf auth login`` is used.

    commit_message : str, optional
        The commit message to be used when pushing to the repo.

    create_remote : bool, default=False
        Whether to create the remote repository if it doesn't exist. If the remote
        repository doesn't exist and this parameter is ``False``, it raises an error.
        Otherwise it checks if the remote repository exists, and would create it if it
        doesn't.

    private : bool, default=None
        Whether the remote repository should be public or private. If ``True`` or ``False``
        is passed, this method will set the private/public status of the remote repository,
        regardless of it already existing or not. If ``None``, no change is applied.

    Raises
    ------
    TypeError
        If the contents of the source folder do not make a valid scikit-learn based
        repository (checked before any network call).
    huggingface_hub.errors.HfHubHTTPError
        And its subclasses (``RepositoryNotFoundError``...), for what the Hub refuses.
    """
    _validate_folder(path=source)
    hub = _huggingface_hub("push")
    client = hub.HfApi(**_client_identity())

    if create_remote:
        client.create_repo(repo_id=repo_id, token=token, repo_type="model", exist_ok=True)

    if private is not None:
        # skops 0.11 called `update_repo_visibility`, which huggingface_hub 1.0 removed.
        client.update_repo_settings(repo_id=repo_id, private=private, token=token)

    client.upload_folder(
        repo_id=repo_id,
        path_in_repo=".",
        folder_path=source,
        commit_message=commit_message,
        commit_description=None,
        token=token,
        repo_type=None,
        revision=None,
        create_pr=False,
    )


def _linked_blobs(snapshot: Path) -> set[Path]:
    """The blob files the links of one cached snapshot point to."""
    return {path.resolve() for path in snapshot.rglob("*") if path.is_symlink()}


def _remove_cached_revision(cached_folder: Path) -> None:
    """Delete the cached snapshot `cached_folder`, with the files no other revision uses.

    skops 0.11 removed the snapshot folder only, which holds links: the files themselves
    (``blobs/``) stayed in the cache. Here the blobs of the repository's own ``blobs/`` folder
    that no other snapshot of the repository links to go too, and so do the refs naming the
    revision and its cached listings (``trees/<sha>.json``, ``.no_exist/<sha>``). Nothing
    outside this repository's cache folder is touched: another repository cached at the same
    commit (a duplicate) keeps its copy, and so does the cache-wide Xet blob store. A folder
    outside the cache layout (a ``local_dir=`` download) is removed whole, as skops 0.11 did.
    """
    snapshots = cached_folder.parent
    repo_cache = snapshots.parent
    blobs = repo_cache / "blobs"
    if snapshots.name != "snapshots" or not blobs.is_dir():
        shutil.rmtree(path=cached_folder)
        return
    sha = cached_folder.name
    used_elsewhere: set[Path] = set()
    for snapshot in snapshots.iterdir():
        if snapshot.is_dir() and snapshot.name != sha:
            used_elsewhere |= _linked_blobs(snapshot)
    only_here = _linked_blobs(cached_folder) - used_elsewhere
    shutil.rmtree(path=cached_folder)
    own_blobs = blobs.resolve()
    for blob in only_here:
        if blob.parent == own_blobs:
            blob.unlink(missing_ok=True)
    refs = repo_cache / "refs"
    if refs.is_dir():
        for ref in refs.rglob("*"):
            if ref.is_file() and ref.read_text(encoding="utf-8").strip() == sha:
                ref.unlink()
    (repo_cache / "trees" / f"{sha}.json").unlink(missing_ok=True)
    no_exist = repo_cache / ".no_exist" / sha
    if no_exist.is_dir():
        shutil.rmtree(no_exist)


def download(
    *,
    repo_id: str,
    dst: str | Path,
    revision: str | None = None,
    token: str | None = None,
    keep_cache: bool = True,
    **kwargs: Any,
) -> None:
    """Download a repository into a directory.

    The directory needs to be an empty or a non-existing one. The files come from the Hub at
    ``HF_ENDPOINT`` through ``huggingface_hub.snapshot_download``, into its cache, and are
    then copied into `dst`.

    Parameters
    ----------
    repo_id : str
        The ID of the Hugging Face Hub repository in the form of ``OWNER/REPO_NAME``.

    dst : str, or Path
        The directory to which the files are downloaded.

    revision : str, optional
        The revision of the project to download. This can be a git tag, branch, or a git
        commit hash. By default the latest revision of the default branch is downloaded.

    token : str, optional
        The token to be used to download the files. Only required if the repository is
        private (``HF_TOKEN`` or the stored login otherwise).

    keep_cache : bool, default=True
        Whether the cached data should be kept or removed after download. If ``False``, the
        downloaded revision is removed from the cache after the contents are copied (with
        the files no other cached revision uses).

    kwargs : dict
        Other parameters to be passed to :func:`huggingface_hub.snapshot_download`.

    Raises
    ------
    OSError
        If `dst` is a folder that is not empty.
    huggingface_hub.errors.HfHubHTTPError
        And its subclasses (``RepositoryNotFoundError``, ``RevisionNotFoundError``...).
    """
    dst = Path(dst)
    if dst.exists() and bool(next(dst.iterdir(), None)):
        raise OSError("None-empty dst path already exists!")
    hub = _huggingface_hub("download")

    # remove the folder only if it's empty and it exists
    if dst.exists():
        dst.rmdir()

    # skops 0.11 passed `use_auth_token`, which huggingface_hub no longer accepts.
    cached_folder = hub.snapshot_download(repo_id=repo_id, revision=revision, token=token, **kwargs)
    shutil.copytree(cached_folder, dst)
    if not keep_cache:
        _remove_cached_revision(Path(cached_folder))
