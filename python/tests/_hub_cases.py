"""Cases run by both skops 0.11's ``skops.hub_utils`` and ``skops_rs.hub_utils``.

Each case is a function ``case(hub, tmp)`` that calls the module `hub` on files under the empty
folder `tmp` and returns a value (or ``None``). :func:`run_case` records what happened: the
exception (type and message, with `tmp` replaced by ``<tmp>``), the ``repr`` of the value, and
every file and folder left under `tmp` with its bytes. The reference side runs in its own
interpreter (``fixtures/hub_utils_reference.py``, with skops 0.11 first on ``sys.path``); the
test side runs in pytest; ``test_hub_utils_parity.py`` compares the records.

Only numpy and pandas here, no skops_rs: both sides import this module.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

Case = Callable[[Any, Path], Any]
CASES: dict[str, Case] = {}

#: Cases where skops_rs deliberately differs from skops 0.11 in the files it leaves (the
#: error is still compared), with the reason; test_hub_utils_parity.py checks what we do.
FILES_DIFFER = {
    "update_env_not_serialisable": "skops 0.11 leaves a truncated config.json; ours is intact",
    "update_env_not_serialisable_nested": "skops 0.11 leaves a truncated config.json",
}

REQUIREMENTS = ['scikit-learn="1.9.1"', "numpy"]
# Not a real model: `init` never reads the file (both implementations only copy it).
MODEL_BYTES = b"PK\x03\x04 not read by init"
IRIS = pd.DataFrame(
    {
        "sepal length (cm)": [5.1, 4.9, 4.7, 4.6, 5.0],
        "sepal width (cm)": [3.5, 3.0, 3.2, 3.1, 3.6],
        "petal length (cm)": [1.4, 1.4, 1.3, 1.5, 1.4],
        "petal width (cm)": [0.2, 0.2, 0.2, 0.2, 0.2],
    }
)
TEXTS = ["a good film", "a bad film", "so-so", "brilliant"]


def case(function: Case) -> Case:
    CASES[function.__name__.removeprefix("case_")] = function
    return function


def model(tmp: Path, name: str = "model.skops", content: bytes = MODEL_BYTES) -> Path:
    path = tmp / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def init(hub: Any, tmp: Path, *, data: Any = IRIS, name: str = "model.skops", **kwargs: Any):
    arguments = {
        "model": model(tmp, name),
        "requirements": REQUIREMENTS,
        "dst": tmp / "repo",
        "task": "tabular-classification",
        "data": data,
    }
    arguments.update(kwargs)
    hub.init(**arguments)


def config_file(tmp: Path, content: str) -> Path:
    repo = tmp / "repo"
    repo.mkdir(exist_ok=True)
    (repo / "config.json").write_text(content, encoding="utf-8")
    return repo


# ----- init: model formats -----------------------------------------------------------------


@case
def case_init_dataframe_skops(hub, tmp):
    init(hub, tmp)


@case
def case_init_pkl(hub, tmp):
    init(hub, tmp, name="model.pkl")


@case
def case_init_pickle(hub, tmp):
    init(hub, tmp, name="model.pickle")


@case
def case_init_joblib(hub, tmp):
    init(hub, tmp, name="model.joblib")


@case
def case_init_explicit_pickle_on_skops_name(hub, tmp):
    init(hub, tmp, model_format="pickle")


@case
def case_init_explicit_skops_on_other_name(hub, tmp):
    init(hub, tmp, name="model.bin", model_format="skops")


@case
def case_init_auto_unknown_extension(hub, tmp):
    init(hub, tmp, name="model.bin")


@case
def case_init_auto_no_extension(hub, tmp):
    init(hub, tmp, name="model")


@case
def case_init_upper_case_extension(hub, tmp):
    init(hub, tmp, name="model.SKOPS")


@case
def case_init_unknown_model_format(hub, tmp):
    init(hub, tmp, model_format="onnx")


# ----- init: tabular data ------------------------------------------------------------------


@case
def case_init_ndarray_float(hub, tmp):
    init(hub, tmp, data=IRIS.to_numpy())


@case
def case_init_ndarray_int(hub, tmp):
    init(hub, tmp, data=np.arange(12).reshape(4, 3))


@case
def case_init_list_of_lists(hub, tmp):
    init(hub, tmp, data=[[1, 2.5], [3, 4], [5, 6], [7, 8]])


@case
def case_init_tuple_of_tuples(hub, tmp):
    init(hub, tmp, data=((1.0, 2.0), (3.0, 4.0)))


@case
def case_init_ndarray_one_row(hub, tmp):
    init(hub, tmp, data=np.array([[1.0, 2.0, 3.0]]))


@case
def case_init_ndarray_1d(hub, tmp):
    init(hub, tmp, data=np.array([1.0, 2.0, 3.0]))


@case
def case_init_ndarray_3d(hub, tmp):
    init(hub, tmp, data=np.zeros((2, 2, 2)))


@case
def case_init_ndarray_nan_after_example_rows(hub, tmp):
    data = np.ones((6, 2))
    data[5, 1] = np.nan
    init(hub, tmp, data=data)


@case
def case_init_ndarray_inf(hub, tmp):
    init(hub, tmp, data=np.array([[1.0, np.inf], [2.0, 3.0]]))


@case
def case_init_ndarray_strings(hub, tmp):
    init(hub, tmp, data=np.array([["a", "b"], ["c", "d"]]))


@case
def case_init_ndarray_object_numbers(hub, tmp):
    init(hub, tmp, data=np.array([[1, 2.5], [3, 4]], dtype=object))


@case
def case_init_ndarray_no_rows(hub, tmp):
    init(hub, tmp, data=np.zeros((0, 3)))


@case
def case_init_ndarray_no_columns(hub, tmp):
    init(hub, tmp, data=np.zeros((3, 0)))


@case
def case_init_ragged_list(hub, tmp):
    init(hub, tmp, data=[[1, 2], [3]])


@case
def case_init_dict_data(hub, tmp):
    init(hub, tmp, data={"a": [1, 2, 3]})


@case
def case_init_none_data(hub, tmp):
    init(hub, tmp, data=None)


@case
def case_init_dataframe_int_column_names(hub, tmp):
    init(hub, tmp, data=pd.DataFrame({0: [1, 2, 3, 4], 1: [5.0, 6.0, 7.0, 8.0]}))


@case
def case_init_dataframe_mixed_column_names(hub, tmp):
    init(hub, tmp, data=pd.DataFrame({"a": [1, 2], 1: [3, 4]}))


@case
def case_init_dataframe_nan(hub, tmp):
    init(hub, tmp, data=pd.DataFrame({"a": [1.0, np.nan, 3.0], "b": [None, "x", "y"]}))


@case
def case_init_dataframe_datetime(hub, tmp):
    init(hub, tmp, data=pd.DataFrame({"when": pd.date_range("2026-01-01", periods=3)}))


@case
def case_init_dataframe_mixed_dtypes(hub, tmp):
    frame = pd.DataFrame(
        {
            "z": ["u", "v", "w", "x"],
            "a": [True, False, True, False],
            "m": pd.Categorical(["p", "q", "p", "q"]),
            "n": np.array([1, 2, 3, 4], dtype=np.int32),
        }
    )
    init(hub, tmp, data=frame)


@case
def case_init_dataframe_custom_index(hub, tmp):
    init(hub, tmp, data=IRIS.set_axis([40, 30, 20, 10, 0]))


@case
def case_init_dataframe_non_ascii(hub, tmp):
    init(hub, tmp, data=pd.DataFrame({"température °C": [20.5, 21.0], "naïve": ["é", "ü"]}))


@case
def case_init_tabular_regression(hub, tmp):
    init(hub, tmp, task="tabular-regression")


# ----- init: text data ---------------------------------------------------------------------


def init_text(hub: Any, tmp: Path, data: Any, task: str = "text-classification") -> None:
    init(hub, tmp, data=data, task=task)


@case
def case_init_text_list(hub, tmp):
    init_text(hub, tmp, TEXTS)


@case
def case_init_text_tuple(hub, tmp):
    init_text(hub, tmp, tuple(TEXTS))


@case
def case_init_text_generator(hub, tmp):
    init_text(hub, tmp, (text for text in TEXTS))


@case
def case_init_text_regression(hub, tmp):
    init_text(hub, tmp, TEXTS, task="text-regression")


@case
def case_init_text_two_strings(hub, tmp):
    init_text(hub, tmp, TEXTS[:2])


@case
def case_init_text_empty(hub, tmp):
    init_text(hub, tmp, [])


@case
def case_init_text_one_string(hub, tmp):
    init_text(hub, tmp, "a single string")


@case
def case_init_text_not_strings(hub, tmp):
    init_text(hub, tmp, ["a", 2, "c"])


@case
def case_init_text_not_iterable(hub, tmp):
    init_text(hub, tmp, 42)


@case
def case_init_text_ndarray(hub, tmp):
    init_text(hub, tmp, np.array(TEXTS))


@case
def case_init_text_series(hub, tmp):
    init_text(hub, tmp, pd.Series(TEXTS))


@case
def case_init_text_dataframe(hub, tmp):
    init_text(hub, tmp, IRIS)


# ----- init: other arguments ---------------------------------------------------------------


@case
def case_init_requirements_empty(hub, tmp):
    init(hub, tmp, requirements=[])


@case
def case_init_requirements_none(hub, tmp):
    init(hub, tmp, requirements=None)


@case
def case_init_requirements_non_ascii(hub, tmp):
    init(hub, tmp, requirements=["naïve-package>=1", 'scikit-learn="1.9.1"'])


@case
def case_init_requirements_not_serialisable(hub, tmp):
    init(hub, tmp, requirements=[object()])


@case
def case_init_unknown_task(hub, tmp):
    init(hub, tmp, task="image-classification")


@case
def case_init_task_none(hub, tmp):
    init(hub, tmp, task=None)


@case
def case_init_unknown_task_and_missing_model(hub, tmp):
    hub.init(
        model=tmp / "missing.skops",
        requirements=REQUIREMENTS,
        dst=tmp / "repo",
        task="image-classification",
        data=IRIS,
    )


@case
def case_init_dst_not_empty(hub, tmp):
    (tmp / "repo").mkdir()
    (tmp / "repo" / "keep.txt").write_text("kept")
    init(hub, tmp)


@case
def case_init_dst_not_empty_and_unknown_task(hub, tmp):
    (tmp / "repo").mkdir()
    (tmp / "repo" / "keep.txt").write_text("kept")
    init(hub, tmp, task="image-classification")


@case
def case_init_dst_empty_folder(hub, tmp):
    (tmp / "repo").mkdir()
    init(hub, tmp)


@case
def case_init_dst_is_a_file(hub, tmp):
    (tmp / "repo").write_text("a file")
    init(hub, tmp)


@case
def case_init_dst_nested(hub, tmp):
    init(hub, tmp, dst=tmp / "a" / "b" / "repo")


@case
def case_init_dst_as_str(hub, tmp):
    init(hub, tmp, dst=str(tmp / "repo"))


@case
def case_init_model_missing(hub, tmp):
    init(hub, tmp, model=tmp / "missing.skops")


@case
def case_init_model_missing_as_str(hub, tmp):
    init(hub, tmp, model=str(tmp / "missing.skops"))


@case
def case_init_model_empty(hub, tmp):
    init(hub, tmp, model=model(tmp, "empty.skops", b""))


@case
def case_init_model_is_a_folder(hub, tmp):
    folder = tmp / "folder.skops"
    folder.mkdir()
    (folder / "inside").write_text("x")
    init(hub, tmp, model=folder)


@case
def case_init_model_in_subfolder(hub, tmp):
    init(hub, tmp, model=model(tmp, "models/v1/clf.pkl"))


@case
def case_init_then_config(hub, tmp):
    init(hub, tmp)
    return hub.get_config(tmp / "repo")


# ----- add_files ---------------------------------------------------------------------------


def files(tmp: Path, *names: str) -> list[Path]:
    paths = []
    for name in names:
        path = tmp / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"content of {name}")
        paths.append(path)
    return paths


@case
def case_add_files_one(hub, tmp):
    init(hub, tmp)
    hub.add_files(*files(tmp, "train.py"), dst=tmp / "repo")


@case
def case_add_files_several_str_and_path(hub, tmp):
    init(hub, tmp)
    first, second = files(tmp, "a.txt", "b.txt")
    hub.add_files(str(first), second, dst=str(tmp / "repo"))


@case
def case_add_files_none(hub, tmp):
    init(hub, tmp)
    hub.add_files(dst=tmp / "repo")


@case
def case_add_files_dst_missing(hub, tmp):
    hub.add_files(*files(tmp, "a.txt"), dst=tmp / "nowhere")


@case
def case_add_files_source_missing(hub, tmp):
    init(hub, tmp)
    (present,) = files(tmp, "a.txt")
    hub.add_files(present, tmp / "src" / "missing.txt", dst=tmp / "repo")


@case
def case_add_files_exists(hub, tmp):
    init(hub, tmp)
    first, second = files(tmp, "a.txt", "b.txt")
    (tmp / "repo" / "b.txt").write_text("already there")
    hub.add_files(first, second, dst=tmp / "repo")


@case
def case_add_files_exists_ok(hub, tmp):
    init(hub, tmp)
    (first,) = files(tmp, "config.json")
    hub.add_files(first, dst=tmp / "repo", exist_ok=True)


@case
def case_add_files_same_name_twice(hub, tmp):
    init(hub, tmp)
    (first,) = files(tmp, "a.txt")
    (tmp / "other").mkdir()
    second = tmp / "other" / "a.txt"
    second.write_text("other a")
    hub.add_files(first, second, dst=tmp / "repo")


@case
def case_add_files_a_folder(hub, tmp):
    init(hub, tmp)
    (tmp / "src").mkdir()
    hub.add_files(tmp / "src", dst=tmp / "repo")


# ----- update_env --------------------------------------------------------------------------


@case
def case_update_env(hub, tmp):
    init(hub, tmp)
    hub.update_env(path=tmp / "repo", requirements=["scikit-learn", "pandas>=2"])
    return hub.get_requirements(tmp / "repo")


@case
def case_update_env_default(hub, tmp):
    init(hub, tmp)
    hub.update_env(path=str(tmp / "repo"))
    return hub.get_requirements(tmp / "repo")


@case
def case_update_env_missing_config(hub, tmp):
    (tmp / "repo").mkdir()
    hub.update_env(path=tmp / "repo", requirements=[])


@case
def case_update_env_no_sklearn_key(hub, tmp):
    repo = config_file(tmp, '{"other": 1}')
    hub.update_env(path=repo, requirements=[])


@case
def case_update_env_sklearn_is_a_list(hub, tmp):
    repo = config_file(tmp, '{"sklearn": []}')
    hub.update_env(path=repo, requirements=[])


@case
def case_update_env_invalid_json(hub, tmp):
    repo = config_file(tmp, '{"sklearn": ')
    hub.update_env(path=repo, requirements=[])


@case
def case_update_env_keeps_unknown_keys(hub, tmp):
    repo = config_file(tmp, '{"z": [1, 2], "sklearn": {"b": 1, "environment": ["x"]}, "a": {}}')
    hub.update_env(path=repo, requirements=["y"])


@case
def case_update_env_not_serialisable(hub, tmp):
    init(hub, tmp)
    hub.update_env(path=tmp / "repo", requirements=[np.int64(1)])


@case
def case_update_env_not_serialisable_nested(hub, tmp):
    init(hub, tmp)
    hub.update_env(path=tmp / "repo", requirements=[{"set": {1, 2}}])


# ----- get_config and get_requirements ----------------------------------------------------


@case
def case_get_config_missing(hub, tmp):
    return hub.get_config(tmp)


@case
def case_get_config_invalid_json(hub, tmp):
    return hub.get_config(config_file(tmp, "not json"))


@case
def case_get_config_not_an_object(hub, tmp):
    return hub.get_config(config_file(tmp, "[1, 2]"))


@case
def case_get_config_non_ascii(hub, tmp):
    return hub.get_config(config_file(tmp, '{"sklearn": {"environment": ["ü"]}}'))


@case
def case_get_requirements(hub, tmp):
    init(hub, tmp)
    return hub.get_requirements(str(tmp / "repo"))


@case
def case_get_requirements_no_sklearn_key(hub, tmp):
    return hub.get_requirements(config_file(tmp, "{}"))


@case
def case_get_requirements_no_environment(hub, tmp):
    return hub.get_requirements(config_file(tmp, '{"sklearn": {}}'))


@case
def case_get_requirements_null_environment(hub, tmp):
    return hub.get_requirements(config_file(tmp, '{"sklearn": {"environment": null}}'))


@case
def case_get_requirements_sklearn_is_a_list(hub, tmp):
    return hub.get_requirements(config_file(tmp, '{"sklearn": []}'))


@case
def case_get_requirements_missing(hub, tmp):
    return hub.get_requirements(tmp / "nowhere")


# ----- running and recording ---------------------------------------------------------------


def _tree(tmp: Path) -> dict[str, str | None]:
    """Every folder (``None``) and file (its bytes, base64) under `tmp`, by relative path."""
    tree: dict[str, str | None] = {}
    for path in sorted(tmp.rglob("*")):
        relative = path.relative_to(tmp).as_posix()
        tree[relative] = None if path.is_dir() else base64.b64encode(path.read_bytes()).decode()
    return tree


def run_case(hub: Any, name: str, tmp: Path) -> dict[str, Any]:
    """Run one case in the empty folder `tmp` and record what happened (JSON-able)."""
    error = None
    result = None
    try:
        result = CASES[name](hub, tmp)
    except Exception as exc:
        error = [type(exc).__qualname__, str(exc).replace(str(tmp), "<tmp>")]
    return {"error": error, "result": repr(result), "tree": _tree(tmp)}


def run_all(hub: Any, root: Path) -> dict[str, dict[str, Any]]:
    records = {}
    for name in CASES:
        tmp = root / name
        tmp.mkdir()
        records[name] = run_case(hub, name, tmp)
    return records


def dumps(records: Any) -> str:
    return json.dumps(records, sort_keys=True)
