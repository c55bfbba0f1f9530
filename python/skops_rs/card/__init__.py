"""Model cards: a drop-in for ``skops.card`` (skops 0.16), with lossless editing of existing
cards and metadata.

:class:`Card` takes the same arguments, has the same methods and renders the same markdown,
byte for byte, as skops' ``Card``. The section tree, tables, rendering, markdown parsing and
YAML metadata live in the native module; this module handles the model (loading it,
``get_params``, scikit-learn's HTML diagram) and the arguments.

Differences from skops, all additions or on the safe side:

- :func:`parse_modelcard` needs no pandoc. It keeps every byte: an unchanged parsed card
  renders back identical to its file, and editing one section changes only that section's
  bytes. The YAML front matter is kept as :attr:`Card.metadata` (skops 0.16 drops it).
- :attr:`Card.metadata` is written as YAML front matter (only when not empty, so cards
  without metadata render exactly like skops').
- :meth:`Card.save` is atomic: a failure leaves an existing file untouched.
- :meth:`Card.select` returns live views: changing a view's ``content`` changes the card.
- A table whose columns differ in length is refused when it is added (skops fails later,
  when rendering).

Errors: where skops raises an exception for a problem, skops-rs raises the same one
(``KeyError`` for a missing section, ...). Everything skops does not check is a
:class:`~skops_rs.exceptions.CardError` (a ``ValueError``) whose ``kind`` names the problem:
malformed front matter, a card or metadata past a limit (including YAML aliases counted at
their expanded size), a card path that is a symbolic link or not a regular file, a file
resolving outside the folder it is read from, a section name holding a line break, a string
holding a lone surrogate, an integer too large for the metadata. ``docs/cards.md`` lists them.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from skops_rs import _skops_rs
from skops_rs.card._sections import PlotSection, Section, TableSection, _view
from skops_rs.exceptions import CardError

__all__ = [
    "Card",
    "CardError",
    "PlotSection",
    "Section",
    "TableSection",
    "metadata_from_config",
    "parse_modelcard",
]

CONTENT_PLACEHOLDER = "[More Information Needed]"
_HYPERPARAMS_SECTION = "Model description/Training Procedure/Hyperparameters"
_MODEL_PLOT_SECTION = "Model description/Training Procedure/Model Plot"
_METRICS_SECTION = "Model description/Evaluation Results"
_PICKLE_REFUSED = (
    "Model file is not a skops file, and allow_pickle is set to False. "
    "Please set allow_pickle=True to load the model."
    "This may lead to security issues if the model file is not trustworthy."
)
_UNSET = object()


def _load_model(model: Any, trusted: Any = None, allow_pickle: bool = False) -> Any:
    """The model itself, or the model loaded from a file path (skops' ``_load_model``)."""
    if not isinstance(model, (Path, str)):
        return model
    model_path = Path(model)
    if not model_path.exists():
        raise FileNotFoundError(f"File is not present: {model_path}")
    if trusted and allow_pickle:
        raise ValueError(
            "`allow_pickle` cannot be `True` if `trusted` is not empty. "
            "Pickles cannot be trusted or checked for security issues."
        )
    msg = ""
    try:
        if zipfile.is_zipfile(model_path):
            from skops_rs.io import load

            return load(model_path, trusted=trusted)
        if allow_pickle:
            import joblib  # only when the caller opted in to pickle

            return joblib.load(model_path)
        msg = _PICKLE_REFUSED
        raise RuntimeError(msg)
    except Exception as ex:
        if not msg:
            msg = f'"{type(ex).__name__}" occurred during model loading.'
        raise RuntimeError(msg) from ex


def _import_or_raise(module: str, feature_name: str) -> Any:
    """Import an optional dependency, with skops' message when it is missing."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as e:
        package = module.split(".")[0]
        raise ModuleNotFoundError(
            f"{feature_name.capitalize()} requires {package} to be installed. In order"
            f" to use {feature_name}, you need to install the package in your current"
            " python environment."
        ) from e


def _macro(metric: Any, y_true: Any, y_pred: Any) -> float:
    """A classification metric averaged over classes, 0 where a class is never predicted."""
    return float(metric(y_true, y_pred, average="macro", zero_division=0))


def _feature_importances(model: Any) -> Any:
    """``feature_importances_`` of the model (or of a pipeline's last step), if any."""
    final = model[-1] if hasattr(model, "steps") else model
    return getattr(final, "feature_importances_", None)


def _feature_names(model: Any, X: Any, count: int) -> list[str]:
    """Names of the features the importances refer to: the model's or the data's column
    names when they match in number, else ``x0``, ``x1``, ..."""
    for names in (getattr(model, "feature_names_in_", None), getattr(X, "columns", None)):
        if names is not None and len(names) == count:
            return [str(n) for n in names]
    return [f"x{i}" for i in range(count)]


def _evaluation_scores(
    model: Any, y_test: Any, y_pred: Any
) -> tuple[str, list[tuple[str, str, str, Any]]]:
    """The model's task and its standard scores, each as ``(metric type, table label,
    model-index name, value)``."""
    from sklearn import metrics as skm
    from sklearn.base import is_classifier

    if is_classifier(model):
        return "tabular-classification", [
            ("accuracy", "accuracy", "Accuracy", skm.accuracy_score(y_test, y_pred)),
            ("f1", "f1 score (macro)", "F1 (macro)", _macro(skm.f1_score, y_test, y_pred)),
            (
                "precision",
                "precision (macro)",
                "Precision (macro)",
                _macro(skm.precision_score, y_test, y_pred),
            ),
            (
                "recall",
                "recall (macro)",
                "Recall (macro)",
                _macro(skm.recall_score, y_test, y_pred),
            ),
        ]
    return "tabular-regression", [
        ("r2", "r2", "R2", skm.r2_score(y_test, y_pred)),
        ("mae", "mean absolute error", "MAE", skm.mean_absolute_error(y_test, y_pred)),
        (
            "rmse",
            "root mean squared error",
            "RMSE",
            skm.root_mean_squared_error(y_test, y_pred),
        ),
    ]


def _evaluation_charts(
    model: Any, X_test: Any, y_test: Any, y_pred: Any, folder: Path
) -> list[tuple[str, str]]:
    """Draw the evaluation charts into ``folder`` (PNG and SVG, by the native module); return
    each one's title and file stem."""
    from sklearn import metrics as skm
    from sklearn.base import is_classifier

    folder.mkdir(parents=True, exist_ok=True)
    plots: list[tuple[str, str]] = []
    if is_classifier(model):
        labels = list(getattr(model, "classes_", sorted(set(y_test) | set(y_pred))))
        counts = skm.confusion_matrix(y_test, y_pred, labels=labels)
        _skops_rs.card_confusion_matrix_chart(
            os.fspath(folder), "confusion_matrix", [str(c) for c in labels], counts.tolist()
        )
        plots.append(("Confusion matrix", "confusion_matrix"))
    else:
        _skops_rs.card_predicted_vs_true_chart(
            os.fspath(folder),
            "predicted_vs_true",
            [float(v) for v in y_test],
            [float(v) for v in y_pred],
        )
        plots.append(("Predicted vs true", "predicted_vs_true"))
    importances = _feature_importances(model)
    if importances is not None:
        names = _feature_names(model, X_test, len(importances))
        _skops_rs.card_feature_importances_chart(
            os.fspath(folder), "feature_importances", names, [float(v) for v in importances]
        )
        plots.append(("Feature importances", "feature_importances"))
    return plots


def _section_spec(section: Any) -> dict[str, Any]:
    """A section object (ours or skops' dataclasses) as the native module's spec dict."""
    spec: dict[str, Any] = {
        "title": str(section.title),
        "content": str(section.content),
        "visible": bool(getattr(section, "visible", True)),
        "folded": bool(getattr(section, "folded", False)),
        "kind": "text",
        "subsections": [
            (str(key), _section_spec(sub))
            for key, sub in (getattr(section, "subsections", None) or {}).items()
        ],
    }
    if hasattr(section, "path"):
        spec.update(kind="plot", path=str(section.path), alt_text=str(section.alt_text or ""))
    elif hasattr(section, "table"):
        spec.update(kind="table", table=_columns(section.table))
    return spec


def _columns(table: Any) -> list[tuple[str, list[str]]]:
    """A dict of lists or a pandas DataFrame as ``[(str(header), [str(cell), ...]), ...]``."""
    return [(str(key), [str(value) for value in values]) for key, values in table.items()]


class Card:
    """A model card, as skops' ``Card`` (see the skops 0.16 documentation).

    Parameters
    ----------
    model : estimator, str or pathlib.Path
        The model, or the path of its file (a ``.skops`` file is loaded with
        :func:`skops_rs.io.load`; a pickle only with ``allow_pickle=True``).
    model_format : "pickle", "skops" or None
        Stored, unused (as in skops 0.12+).
    model_diagram : bool, "auto" or str
        Where to put scikit-learn's HTML diagram of the model (see skops).
    template : "skops", dict or None
        The skops template, a ``{section: content}`` template, or no template.
    trusted : list of str or type, optional
        Passed to :func:`skops_rs.io.load` when ``model`` is a ``.skops`` path.
    allow_pickle : bool
        Allow loading a pickled model file with ``joblib`` (unsafe for untrusted files).
    """

    def __init__(
        self,
        model: Any,
        model_format: Literal["pickle", "skops"] | None = None,
        model_diagram: bool | Literal["auto"] | str = "auto",
        template: Literal["skops"] | dict[str, str] | None = "skops",
        trusted: Sequence[str | type[Any]] | None = None,
        allow_pickle: bool = False,
    ) -> None:
        self.model = model
        self.model_format = model_format
        self.template = template
        self.trusted = trusted
        self.allow_pickle = allow_pickle
        self._model_hash = ""
        self._cached_model: Any = _UNSET
        if isinstance(template, str) and template != "skops":
            _skops_rs.CardCore(template)  # raises skops' ValueError
        self._core = _skops_rs.CardCore("skops" if template == "skops" else None)
        self.metadata: dict[str, Any] = {}
        self._populate_template(model_diagram)

    def _populate_template(self, model_diagram: bool | str) -> None:
        if self.template == "skops":
            self.add_hyperparams()
            if model_diagram is True or model_diagram == "auto":
                self.add_model_plot()
            elif isinstance(model_diagram, str):
                self.add_model_plot(section=model_diagram)
            return
        if isinstance(self.template, Mapping):
            self.add(folded=False, **self.template)
        if isinstance(model_diagram, str) and model_diagram != "auto":
            self.add_model_plot(section=model_diagram)
        elif model_diagram is True:
            self.add_model_plot()

    # ----- the model -------------------------------------------------------------------

    def get_model(self) -> Any:
        """The model; a model given as a path is loaded, and reloaded when the file changes."""
        if isinstance(self.model, (str, Path)) and self._cached_model is not _UNSET:
            model_hash = _skops_rs.card_file_sha256(os.fspath(self.model))
            if model_hash != self._model_hash:
                self._cached_model = _UNSET
                self._model_hash = model_hash
        if self._cached_model is _UNSET:
            self._cached_model = _load_model(self.model, self.trusted, self.allow_pickle)
        return self._cached_model

    # ----- sections --------------------------------------------------------------------

    def add(self, folded: bool = False, **kwargs: str) -> Card:
        """Add or overwrite sections: ``card.add(**{"Section/Subsection": "content"})``."""
        for key, value in kwargs.items():
            if isinstance(value, str):
                self._core.add(key, value, folded)
            else:
                # A section object (skops allows them, undocumented): copied into the card.
                self._core.add_spec(key, _section_spec(value))
        return self

    @property
    def _data(self) -> dict[str, Section]:
        """The top-level sections by key (read-only views; skops' internal ``_data``)."""
        return {key: _view(self._core, [key]) for key in self._core.keys()}

    def select(self, key: str) -> Section:
        """The section at ``key`` (``"Section/Subsection"``); ``KeyError`` if missing."""
        return _view(self._core, self._core.resolve(key))

    def delete(self, key: str | list[str]) -> None:
        """Remove the section at ``key`` (a path, or a list of section names)."""
        if not key:
            raise KeyError(f"Section name cannot be empty but got '{key}'")
        parts = _skops_rs.card_split_path(key) if isinstance(key, str) else list(key)
        self._core.delete(str(key), parts)

    def add_plot(
        self,
        *,
        description: str | None = None,
        alt_text: str | None = None,
        folded: bool = False,
        **kwargs: str | Path,
    ) -> Card:
        """Add image sections: ``card.add_plot(**{"Section/Plot": "plot.png"})``."""
        plots = [(key, str(path)) for key, path in kwargs.items()]
        self._core.add_plots(plots, description, alt_text, folded)
        return self

    def add_table(
        self,
        *,
        description: str | None = None,
        folded: bool = False,
        **kwargs: Any,
    ) -> Card:
        """Add tables (dicts of lists or pandas DataFrames) as sections."""
        for key, table in kwargs.items():
            self._core.add_table(key, _columns(table), description, folded)
        return self

    def add_metrics(
        self,
        section: str = _METRICS_SECTION,
        description: str | None = None,
        **kwargs: str | int | float,
    ) -> Card:
        """Add metric values; all metrics so far are shown in one table."""
        metrics = [(str(name), str(value)) for name, value in kwargs.items()]
        self._core.add_metrics(section, description, metrics)
        return self

    @property
    def _metrics(self) -> dict[str, str]:
        return dict(self._core.metrics())

    def add_hyperparams(
        self, section: str = _HYPERPARAMS_SECTION, description: str | None = None
    ) -> Card:
        """Add the model's ``get_params(deep=True)`` as a folded table."""
        params = self.get_model().get_params(deep=True)
        rows = [(str(name), str(value)) for name, value in params.items()]
        self._core.add_hyperparams(section, description, rows)
        return self

    def add_model_plot(
        self, section: str = _MODEL_PLOT_SECTION, description: str | None = None
    ) -> Card:
        """Add scikit-learn's HTML diagram of the model."""
        from sklearn.utils import estimator_html_repr

        html = str(estimator_html_repr(self.get_model()))
        self._core.add_model_plot(section, description, html)
        return self

    def add_permutation_importances(
        self,
        permutation_importances: Any,
        columns: Any,
        plot_file: str | Path = "permutation_importances.png",
        plot_name: str = "Permutation Importances",
        overwrite: bool = False,
        description: str | None = None,
    ) -> Card:
        """Plot permutation importances (matplotlib required, as in skops) and add the plot."""
        plt = _import_or_raise("matplotlib.pyplot", "permutation importance")
        if Path(plot_file).exists() and overwrite is False:
            raise ValueError(
                f"{plot_file!s} already exists. Set `overwrite` to `True` or pass a"
                " different filename for the plot."
            )
        order = permutation_importances.importances_mean.argsort()
        _, ax = plt.subplots()
        ax.boxplot(
            permutation_importances.importances[order].T,
            tick_labels=columns[order],
            orientation="horizontal",
        )
        ax.set_title(plot_name)
        ax.set_xlabel("Decrease in Score")
        plt.savefig(plot_file)
        plots: dict[str, Any] = {plot_name: plot_file}
        self.add_plot(description=description, alt_text=None, **plots)
        return self

    def add_fairlearn_metric_frame(
        self,
        metric_frame: Any,
        table_name: str = "Fairlearn MetricFrame Table",
        transpose: bool = True,
        description: str | None = None,
    ) -> Card:
        """Add a fairlearn ``MetricFrame`` (difference, group max/min, ratio) as a table."""
        frame_dict: Any = {
            "difference": metric_frame.difference(),
            "group_max": metric_frame.group_max(),
            "group_min": metric_frame.group_min(),
            "ratio": metric_frame.ratio(),
        }
        if transpose is True:
            pd = _import_or_raise("pandas", "Pandas is used to pivot the table.")
            frame_dict = pd.DataFrame(frame_dict).T
        tables: dict[str, Any] = {table_name: frame_dict}
        return self.add_table(folded=True, description=description, **tables)

    def add_evaluation(
        self,
        X_test: Any,
        y_test: Any,
        *,
        section: str = _METRICS_SECTION,
        plot_dir: str | Path = ".",
        dataset_name: str = "test set",
        dataset_type: str = "tabular",
        model_name: str | None = None,
        description: str | None = None,
    ) -> Card:
        """Evaluate the model on ``(X_test, y_test)`` and document the results.

        Computes scikit-learn's standard metrics for the model's task (accuracy and macro F1,
        precision and recall for classifiers; R², MAE and RMSE for regressors), adds them with
        :meth:`add_metrics`, writes them as ``model-index`` metadata (what the Hub shows as
        evaluation results), and draws the plots people look at: the confusion matrix for a
        classifier, predicted against true values for a regressor, and feature importances
        when the model has them. Plots are written as PNG and SVG into ``plot_dir`` by the
        native module (no matplotlib) and added as plot sections under ``section``.
        """
        from sklearn.base import is_classifier, is_regressor

        model = self.get_model()
        if not (is_classifier(model) or is_regressor(model)):
            raise TypeError(
                f"add_evaluation needs a classifier or a regressor, got {type(model).__name__}"
            )
        y_pred = model.predict(X_test)
        task, scores = _evaluation_scores(model, y_test, y_pred)
        table = {label: round(float(value), 4) for _, label, _, value in scores}
        self.add_metrics(section=section, description=description, **table)
        name = model_name or type(model).__name__
        self._add_model_index(name, task, dataset_type, dataset_name, scores)
        folder = Path(plot_dir)
        plots = _evaluation_charts(model, X_test, y_test, y_pred, folder)
        for title, stem in plots:
            png = str(folder / f"{stem}.png")
            svg = str(folder / f"{stem}.svg")
            self.add_plot(
                description=f"Also as [SVG]({svg}).",
                alt_text=title,
                **{f"{section}/{title}": png},
            )
        return self

    def _add_model_index(
        self,
        name: str,
        task: str,
        dataset_type: str,
        dataset_name: str,
        scores: list[tuple[str, str, str, Any]],
    ) -> None:
        """Write the scores as ``model-index`` metadata, with the task's tags."""
        self._sync_metadata()
        index = [(kind, label, round(float(v), 4)) for kind, _, label, v in scores]
        self._core.set_model_index(name, task, task, dataset_type, dataset_name, index)
        self.metadata = self._core.metadata()
        self.metadata.setdefault("library_name", "sklearn")
        self.metadata.setdefault("pipeline_tag", task)
        tags = self.metadata.setdefault("tags", [])
        if isinstance(tags, list):
            tags.extend(t for t in ("sklearn", "skops", task) if t not in tags)

    # ----- output ----------------------------------------------------------------------

    def get_toc(self) -> str:
        """The table of contents, one ``- title`` line per visible section."""
        return str(self._core.toc())

    def _sync_metadata(self) -> None:
        self._core.set_metadata(self.metadata)

    def render(self) -> str:
        """The card as markdown (front matter first when :attr:`metadata` is not empty)."""
        self._sync_metadata()
        return str(self._core.render())

    def save(self, path: str | Path, copy_files: bool = False) -> None:
        """Write the card to ``path`` (UTF-8, atomically); with ``copy_files``, copy the
        plots next to it first."""
        self._sync_metadata()
        self._core.save(os.fspath(path), copy_files)

    def bind_model(self, model_path: str | Path) -> Card:
        """Record the model file's name and sha256, and the installed scikit-learn version,
        in :attr:`metadata` (see :meth:`check_model`)."""
        import sklearn

        self._sync_metadata()
        self._core.bind_model(os.fspath(model_path), sklearn.__version__)
        self.metadata = self._core.metadata()
        return self

    def check_model(self, model_path: str | Path) -> list[str]:
        """How the card no longer matches the model file (an empty list when it matches)."""
        import sklearn

        self._sync_metadata()
        problems: list[str] = self._core.check_model(os.fspath(model_path), sklearn.__version__)
        return problems

    def __repr__(self) -> str:
        model = getattr(self, "model", None)
        model_repr = repr(self.get_model()) if model else None
        return str(self._core.repr(model_repr))

    def __str__(self) -> str:
        return self.__repr__()


def parse_modelcard(path: str | Path) -> Card:
    """Read a model card file into a :class:`Card` (no pandoc needed).

    The card keeps every byte of the file: rendered unchanged it is identical to the file,
    and editing a section changes only that section. YAML front matter becomes
    :attr:`Card.metadata`. Raises :class:`~skops_rs.exceptions.CardError` (a ``ValueError``)
    for malformed front matter, a file that is not UTF-8, a card or metadata past a limit, and
    a path that is a symbolic link or not a regular file (a directory, FIFO or device);
    ``FileNotFoundError`` for a missing file.
    """
    card = Card.__new__(Card)
    card.model = None
    card.model_format = None
    card.template = None
    card.trusted = None
    card.allow_pickle = False
    card._model_hash = ""
    card._cached_model = _UNSET
    card._core = _skops_rs.CardCore.parse_file(os.fspath(path))
    card.metadata = card._core.metadata()
    return card


def metadata_from_config(config_path: str | Path) -> dict[str, Any]:
    """Hub metadata from a model's ``config.json`` (a file, or a folder holding one).

    ``library_name: sklearn``, tags ``sklearn``, ``skops`` and the task, ``model_format``,
    ``model_file``, and for tabular tasks a ``widget`` with the example input. Assign the
    result to :attr:`Card.metadata`.
    """
    # `config.json` of a folder is read only from inside it (not through a link leading
    # elsewhere), and only from a regular file of bounded size (CardError otherwise).
    text: str = _skops_rs.card_read_config(os.fspath(config_path))
    # Validate like `json.load` so that a broken file raises the familiar error.
    json.loads(text)
    metadata: dict[str, Any] = _skops_rs.card_metadata_from_config(text)
    return metadata
