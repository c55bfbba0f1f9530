"""The local half of ``hub_utils``: a model repository folder and its ``config.json``.

Same behaviour as skops 0.11's ``skops/hub_utils/_hf_hub.py`` for ``init``, ``add_files``,
``update_env``, ``get_config`` and ``get_requirements``: same checks in the same order, same
exceptions and messages, and a ``config.json`` with the same bytes (``json`` with
``sort_keys=True, indent=4``, no trailing newline). The model file is copied, never opened:
skops 0.11 read nothing from the model either (the config holds the file name, the format
from the extension, the task and the example data), so neither a pickle nor a ``.skops`` file
is loaded, and no code in either can run.

Differences, on the safe side: ``config.json`` is written atomically (``skops_format::atomic``),
so a value that cannot be serialised leaves the previous file intact where skops 0.11 left a
truncated one; it is read as UTF-8 whatever the locale.
"""

from __future__ import annotations

import collections
import itertools
import json
import os
import shutil
from collections.abc import MutableMapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from skops_rs import _skops_rs

SUPPORTED_TASKS = [
    "tabular-classification",
    "tabular-regression",
    "text-classification",
    "text-regression",
]

Task = Literal[
    "tabular-classification",
    "tabular-regression",
    "text-classification",
    "text-regression",
]
ModelFormat = Literal["skops", "pickle", "auto"]

_NOT_TABULAR = (
    "The data is not a pandas.DataFrame, a 2D numpy.ndarray or a "
    "list/tuple that can be converted to a 2D numpy.ndarray."
)
_PICKLE_EXTENSIONS = (".pkl", ".pickle", ".joblib")


def _check_array(data: Any) -> np.ndarray:
    """scikit-learn's ``check_array(data, ensure_2d=True)``, as skops 0.11 called it.

    The same function, not a copy, so that every refusal (1D or 3D input, NaN or infinity,
    strings, no rows) raises scikit-learn's own ``ValueError``. scikit-learn is imported only
    here: a DataFrame or text data needs none.
    """
    try:
        from sklearn.utils import check_array
    except ImportError as e:
        raise ModuleNotFoundError(
            "hub_utils needs scikit-learn to check array data (a pandas.DataFrame does not); "
            "install it with `pip install skops-rs[sklearn]`."
        ) from e
    result: np.ndarray = check_array(data, ensure_2d=True)
    return result


def _is_dataframe(data: Any) -> bool:
    try:
        import pandas as pd
    except ImportError:
        # pandas is not installed, the data cannot be a pandas DataFrame
        return False
    return isinstance(data, pd.DataFrame)


def _get_example_input_from_tabular_data(data: Any) -> dict[Any, list[Any]]:
    """The first 3 rows of `data` as ``{column: [v1, v2, v3]}`` (``x0``... for arrays)."""
    if _is_dataframe(data):
        return {x: data[x][:3].to_list() for x in data.columns}
    if isinstance(data, (np.ndarray, list, tuple)):
        data_slice_array = _check_array(data[:3])
        return {f"x{x}": data_slice_array[:, x].tolist() for x in range(data_slice_array.shape[1])}
    raise ValueError(_NOT_TABULAR)


def _get_example_input_from_text_data(data: Sequence[str]) -> dict[str, Any]:
    """The first 3 strings of `data` as ``{"data": [s1, s2, s3]}``."""

    def _head(data: Any, n: int) -> Any:
        # A slice keeps the sequence's own type (a tuple stays a tuple, an array an array),
        # exactly as skops 0.11 stored it; iterators are cut with islice.
        if hasattr(data, "__getitem__"):
            return data[:n]
        return list(itertools.islice(data, n))

    def _is_sequence_of_strings(data: Any) -> bool:
        return not isinstance(data, str) and all(isinstance(x, str) for x in data)

    error_message = "The data needs to be a sequence of strings."
    try:
        data_head = _head(data, n=3)
        if _is_sequence_of_strings(data_head):
            return {"data": data_head}
        raise ValueError(error_message)
    except TypeError as e:
        raise ValueError(error_message) from e


def _get_column_names(data: Any) -> list[Any]:
    """The columns of `data`, in order (``x0`` to ``x{n-1}`` for arrays)."""
    if _is_dataframe(data):
        return list(data.columns)
    if isinstance(data, (np.ndarray, list, tuple)):
        # The whole data, not only the example rows, as skops 0.11 checked it.
        data_array = _check_array(data)
        return [f"x{x}" for x in range(data_array.shape[1])]
    raise ValueError(_NOT_TABULAR)


def _config_text(config: Any) -> str:
    """``config.json``'s text: skops 0.11's ``json.dump(config, f, sort_keys=True, indent=4)``."""
    return json.dumps(config, sort_keys=True, indent=4)


def _write_config(folder: str | Path, config: Any) -> None:
    """Serialise first, then replace ``config.json`` all at once (see the module docstring)."""
    text = _config_text(config)
    # `ensure_ascii` (json's default) makes the text ASCII: the bytes are the same in any
    # encoding skops 0.11's `open(path, "w")` could have used.
    _skops_rs.write_atomic(os.fspath(Path(folder) / "config.json"), text.encode("utf-8"))


def _read_config(folder: str | Path) -> Any:
    with open(Path(folder) / "config.json", encoding="utf-8") as f:
        return json.load(f)


def _resolve_model_format(model_path: str | Path, model_format: str) -> str:
    if model_format == "auto":
        extension = Path(model_path).suffix
        if extension in _PICKLE_EXTENSIONS:
            model_format = "pickle"
        elif extension == ".skops":
            model_format = "skops"
    if model_format not in ["skops", "pickle"]:
        raise ValueError(
            "Cannot determine the input file format. Please indicate the format using"
            " the `model_format` argument."
        )
    return model_format


def _create_config(
    *,
    model_path: str | Path,
    requirements: list[str],
    dst: str | Path,
    task: Task,
    data: Any,
    model_format: ModelFormat = "auto",
) -> None:
    """Write ``config.json`` into the existing folder `dst`."""

    # Nested keys spring into existence on first use, as in skops 0.11; `json` writes a
    # defaultdict exactly like a dict.
    def recursively_default_dict() -> MutableMapping[str, Any]:
        return collections.defaultdict(recursively_default_dict)

    resolved_format = _resolve_model_format(model_path, model_format)

    config = recursively_default_dict()
    config["sklearn"]["model"]["file"] = str(model_path)
    config["sklearn"]["environment"] = requirements
    config["sklearn"]["task"] = task
    config["sklearn"]["model_format"] = resolved_format

    if "tabular" in task:
        config["sklearn"]["example_input"] = _get_example_input_from_tabular_data(data)
        config["sklearn"]["columns"] = _get_column_names(data)
    elif "text" in task:
        config["sklearn"]["example_input"] = _get_example_input_from_text_data(data)

    _write_config(dst, config)


def _check_model_file(path: str | Path) -> Path:
    """The model path, after checking that the file exists and is not empty."""
    if not os.path.exists(path):
        raise OSError(f"Model file '{path}' does not exist.")
    if os.path.getsize(path) == 0:
        raise RuntimeError(f"Model file '{path}' is empty.")
    return Path(path)


def _is_non_empty_dir(path: Path) -> bool:
    # `iterdir` on a file raises NotADirectoryError, as in skops 0.11.
    return path.exists() and bool(next(path.iterdir(), None))


def init(
    *,
    model: str | Path,
    requirements: list[str],
    dst: str | Path,
    task: Task,
    data: Any,
    model_format: ModelFormat = "auto",
) -> None:
    """Initialize a scikit-learn based Hugging Face repo.

    Given a model file and a set of required packages, this function initializes a folder to
    be a valid Hugging Face scikit-learn based repo: it copies the model file into `dst` and
    writes ``config.json``. The model file is only copied: it is never loaded or parsed, so
    a pickle's code does not run.

    Parameters
    ----------
    model : str, or Path
        The path to a model file (``.skops``, or a pickle).

    requirements : list of str
        A list of required packages, stored verbatim as the environment in ``config.json``
        (e.g. ``['scikit-learn="1.9.1"']``).

    dst : str, or Path
        The path to a non-existing or empty folder which is to be initialized.

    task : str
        The task of the model, which determines the input and output type of the model. It
        can be one of: ``tabular-classification``, ``tabular-regression``,
        ``text-classification``, ``text-regression``.

    data : array-like
        The input to the model. This is used for two purposes:

            1. Save an example input to the model, which is used by the Hub's inference
               backend and shown in the widget of the model's page.
            2. Store the columns and their order of the input, which is used by the
               inference backend to pass the data in the right form to the model.

        The first 3 input values are used as example inputs.

        If ``task`` is ``"tabular-classification"`` or ``"tabular-regression"``, the data
        needs to be a :class:`pandas.DataFrame` or a :class:`numpy.ndarray`. If ``task`` is
        ``"text-classification"`` or ``"text-regression"``, the data needs to be a ``list``
        of strings.

    model_format : str (default="auto")
        The format the model was persisted in. Can be ``"auto"``, ``"skops"`` or
        ``"pickle"``. ``"auto"`` relies on the file extension: ``.skops`` is ``"skops"``;
        ``.pkl``, ``.pickle`` and ``.joblib`` are ``"pickle"``.

    Raises
    ------
    OSError
        If `dst` is a folder that is not empty, or the model file does not exist.
    ValueError
        For an unknown task or model format, or data that does not suit the task.
    RuntimeError
        If the model file is empty.

    On any failure after `dst` was created, `dst` is removed.
    """
    dst = Path(dst)
    if _is_non_empty_dir(dst):
        raise OSError("None-empty dst path already exists!")

    if task not in SUPPORTED_TASKS:
        raise ValueError(f"Task {task} not supported. Supported tasks are: {SUPPORTED_TASKS}")

    model = _check_model_file(model)

    dst.mkdir(parents=True, exist_ok=True)

    try:
        shutil.copy2(src=model, dst=dst)
        _create_config(
            model_path=model.name,
            requirements=requirements,
            dst=dst,
            task=task,
            data=data,
            model_format=model_format,
        )
    except Exception:
        shutil.rmtree(dst)
        raise


def add_files(*files: str | Path, dst: str | Path, exist_ok: bool = False) -> None:
    """Add files to an initialized repo.

    After having called :func:`init`, use this function to add arbitrary files to be
    uploaded in addition to the model and model card, for example the script that produced
    them: ``hub_utils.add_files(__file__, dst=...)``. Each file is copied into `dst` under
    its own name.

    Parameters
    ----------
    *files : str or Path
        The files to be added.

    dst : str or Path
        Path to the initialized repo, same as used during :func:`init`.

    exist_ok : bool (default=False)
        Whether it's okay or not to add a file that already exists. If ``True``, override
        the files, otherwise raise a ``FileExistsError``.

    Raises
    ------
    FileNotFoundError
        When the target folder or the files to be added are not found.

    FileExistsError
        When a file is added that already exists at the target location and
        ``exist_ok=False``.
    """
    dst = Path(dst)
    if not dst.exists():
        # The message names skops' function, as skops 0.11 did: code may match on it.
        msg = f"Could not find '{dst}', did you run 'skops.hub_utils.init' first?"
        raise FileNotFoundError(msg)

    src_files = [Path(file) for file in files]
    for file in src_files:
        if not file.exists():
            msg = f"File '{file}' could not be found."
            raise FileNotFoundError(msg)

    dst_files = [dst / Path(file).name for file in files]
    for src_file, dst_file in zip(src_files, dst_files, strict=True):
        if dst_file.exists() and not exist_ok:
            msg = f"File '{src_file.name}' already found at '{dst}'."
            raise FileExistsError(msg)
        shutil.copy2(src_file, dst_file)


def update_env(*, path: str | Path, requirements: list[str] | None = None) -> None:
    """Update the environment requirements of a repo.

    Sets the environment in the repo's ``config.json`` to `requirements`.

    Parameters
    ----------
    path : str, or Path
        The path to an existing local repo.

    requirements : list of str, optional
        The list of required packages for the model. As in skops 0.11, leaving it out stores
        ``null`` (skops' docstring promised to keep the existing list; its code did not).
    """
    config = _read_config(path)
    config["sklearn"]["environment"] = requirements
    _write_config(path, config)


def get_config(path: str | Path) -> dict[str, Any]:
    """Returns the configuration of a project.

    Parameters
    ----------
    path : str
        The path to the directory holding the project and its ``config.json`` configuration
        file.

    Returns
    -------
    config : dict
        A dictionary which holds the configs of the project.
    """
    config: dict[str, Any] = _read_config(path)
    return config


def get_requirements(path: str | Path) -> list[str]:
    """Returns the requirements of a project.

    Parameters
    ----------
    path : str
        The path to the directory holding the project and its ``config.json`` configuration
        file.

    Returns
    -------
    requirements : list of str
        The list of requirements which can be passed to the package manager to be installed
        (``[]`` when the configuration has none).
    """
    config = get_config(path)
    requirements: list[str] = config.get("sklearn", {}).get("environment", [])
    return requirements
