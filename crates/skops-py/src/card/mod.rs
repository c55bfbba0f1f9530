//! `skops_rs.card`'s native core: the `CardCore` class wrapping a `skops_card::Card`.
//!
//! Python keeps what needs Python (the model, `get_params`, `str()` of values, scikit-learn's
//! HTML diagram); the tree, tables, rendering, parsing and metadata are Rust. Sections are
//! addressed by their key path (a list of keys), so Python section objects are live views.

mod convert;
mod error;

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyModule};
use skops_card::section::SectionKind;
use skops_card::{Card, Section, Table};

use convert::{metadata_from_py, metadata_to_py};
use error::to_py_err;

/// Adds `CardCore` and the card helper functions to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CardCore>()?;
    m.add_function(wrap_pyfunction!(card_file_sha256, m)?)?;
    m.add_function(wrap_pyfunction!(card_metadata_from_config, m)?)?;
    m.add_function(wrap_pyfunction!(card_split_path, m)?)?;
    m.add_function(wrap_pyfunction!(card_confusion_matrix_chart, m)?)?;
    m.add_function(wrap_pyfunction!(card_predicted_vs_true_chart, m)?)?;
    m.add_function(wrap_pyfunction!(card_feature_importances_chart, m)?)?;
    Ok(())
}

/// Writes `<stem>.png` and `<stem>.svg` of a confusion matrix into `folder`; returns the
/// image size.
#[pyfunction]
fn card_confusion_matrix_chart(
    py: Python<'_>,
    folder: PathBuf,
    stem: &str,
    labels: Vec<String>,
    counts: Vec<Vec<u64>>,
) -> PyResult<(u32, u32)> {
    let chart = skops_card::chart::confusion_matrix(&labels, &counts);
    py.detach(|| chart.save(&folder, stem)).map_err(to_py_err)?;
    Ok((chart.width, chart.height))
}

/// Writes a predicted-vs-true scatter plot (PNG and SVG); returns the image size.
#[pyfunction]
fn card_predicted_vs_true_chart(
    py: Python<'_>,
    folder: PathBuf,
    stem: &str,
    y_true: Vec<f64>,
    y_pred: Vec<f64>,
) -> PyResult<(u32, u32)> {
    let chart = skops_card::chart::predicted_vs_true(&y_true, &y_pred);
    py.detach(|| chart.save(&folder, stem)).map_err(to_py_err)?;
    Ok((chart.width, chart.height))
}

/// Writes a feature-importance bar chart (PNG and SVG); returns the image size.
#[pyfunction]
fn card_feature_importances_chart(
    py: Python<'_>,
    folder: PathBuf,
    stem: &str,
    names: Vec<String>,
    values: Vec<f64>,
) -> PyResult<(u32, u32)> {
    let chart = skops_card::chart::feature_importances(&names, &values);
    py.detach(|| chart.save(&folder, stem)).map_err(to_py_err)?;
    Ok((chart.width, chart.height))
}

/// skops' `split_subsection_names`: the parts of a `/` path (`\/` is a literal slash).
#[pyfunction]
fn card_split_path(key: &str) -> Vec<String> {
    skops_card::path::split(key)
}

/// sha256 (hex) of a file, read in 1 MiB chunks.
#[pyfunction]
fn card_file_sha256(py: Python<'_>, path: PathBuf) -> PyResult<String> {
    py.detach(|| skops_card::binding::file_sha256(&path))
        .map_err(to_py_err)
}

/// Hub metadata for a model from the text of its `config.json` (skops 0.11's
/// `metadata_from_config`).
#[pyfunction]
fn card_metadata_from_config<'py>(
    py: Python<'py>,
    config_json: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let metadata = skops_card::metadata::from_config(config_json).map_err(to_py_err)?;
    metadata_to_py(py, &metadata)
}

/// Deepest nesting of section specs accepted from Python.
const MAX_SPEC_DEPTH: usize = 64;

/// A section built from a spec dict (see `CardCore.add_spec`).
fn section_from_spec(spec: &Bound<'_, PyDict>, depth: usize) -> PyResult<Section> {
    if depth > MAX_SPEC_DEPTH {
        return Err(pyo3::exceptions::PyValueError::new_err(
            "sections are nested too deeply",
        ));
    }
    let get = |name: &str| -> PyResult<Bound<'_, PyAny>> {
        spec.get_item(name)?.ok_or_else(|| {
            pyo3::exceptions::PyKeyError::new_err(format!("section spec has no `{name}`"))
        })
    };
    let title: String = get("title")?.extract()?;
    let content: String = get("content")?.extract()?;
    let kind: String = get("kind")?.extract()?;
    let mut section = match kind.as_str() {
        "plot" => Section::plot(
            title,
            content,
            get("path")?.extract::<String>()?,
            get("alt_text")?.extract::<String>()?,
        )
        .map_err(to_py_err)?,
        "table" => {
            let columns: Columns = get("table")?.extract()?;
            Section::table(
                title,
                content,
                Table::from_columns(columns).map_err(to_py_err)?,
            )
        }
        _ => Section::text(title, content),
    };
    section.visible = get("visible")?.is_truthy()?;
    section.folded = get("folded")?.is_truthy()?;
    let subsections: Vec<(String, Bound<'_, PyDict>)> = get("subsections")?.extract()?;
    for (key, sub) in subsections {
        section
            .subsections
            .push(section_from_spec(&sub, depth + 1)?.with_key(key));
    }
    Ok(section)
}

/// A model card (the native half of `skops_rs.card.Card`).
#[pyclass(module = "skops_rs._skops_rs")]
pub(crate) struct CardCore {
    card: Card,
}

/// Cell text of a table given as `[(header, [cell, ...]), ...]`.
type Columns = Vec<(String, Vec<String>)>;

impl CardCore {
    /// skops' checks before selecting or deleting: the leaf name must not be empty, every
    /// parent must exist, then the leaf.
    fn check_path(&self, key_repr: &str, parts: &[String]) -> PyResult<()> {
        let empty = || {
            pyo3::exceptions::PyKeyError::new_err(format!(
                "Section name cannot be empty but got '{key_repr}'"
            ))
        };
        let Some((leaf, parents)) = parts.split_last() else {
            return Err(empty());
        };
        if key_repr.is_empty() || leaf.is_empty() {
            return Err(empty());
        }
        for depth in 1..=parents.len() {
            let prefix = parts.get(..depth).unwrap_or_default();
            if self.card.select_parts(prefix).is_err() {
                let name = prefix.last().map(String::as_str).unwrap_or_default();
                return Err(pyo3::exceptions::PyKeyError::new_err(format!(
                    "Section {name} does not exist"
                )));
            }
        }
        if self.card.select_parts(parts).is_err() {
            return Err(pyo3::exceptions::PyKeyError::new_err(leaf.clone()));
        }
        Ok(())
    }
}

#[pymethods]
impl CardCore {
    /// An empty card, or the skops template when `template` is `"skops"`.
    #[new]
    #[pyo3(signature = (template=None))]
    fn new(template: Option<&str>) -> PyResult<Self> {
        let card = match template {
            None => Card::new(),
            Some("skops") => Card::with_skops_template(),
            Some(other) => {
                return Err(to_py_err(skops_card::Error::UnknownTemplate {
                    name: other.to_owned(),
                }));
            }
        };
        Ok(CardCore { card })
    }

    /// A skops-template card for a `.skops` file, built without loading it (hyperparameters
    /// read from the file; metadata binding the card to the file).
    #[staticmethod]
    fn for_model_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let card = py
            .detach(|| skops_card::ops::new_card_for_file(&path))
            .map_err(to_py_err)?;
        Ok(CardCore { card })
    }

    /// How the card no longer matches a `.skops` file (sha256 and the scikit-learn version
    /// recorded in the file), read without loading it.
    fn check_model_file(&self, py: Python<'_>, path: PathBuf) -> PyResult<Vec<String>> {
        let problems = py
            .detach(|| skops_card::ops::check_file(&self.card, &path))
            .map_err(to_py_err)?;
        Ok(problems.iter().map(ToString::to_string).collect())
    }

    /// The summary `skops-rs card show` prints: metadata, then the table of contents.
    fn show(&self) -> String {
        skops_card::ops::show(&self.card)
    }

    /// A copy (`copy.copy`).
    fn __copy__(&self) -> Self {
        CardCore {
            card: self.card.clone(),
        }
    }

    /// A copy (`copy.deepcopy`; the card holds no Python objects).
    fn __deepcopy__(&self, _memo: &Bound<'_, PyAny>) -> Self {
        self.__copy__()
    }

    /// Parses markdown text.
    #[staticmethod]
    fn parse(text: &str) -> PyResult<Self> {
        Ok(CardCore {
            card: skops_card::parse(text).map_err(to_py_err)?,
        })
    }

    /// Reads and parses a card file.
    #[staticmethod]
    fn parse_file(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        let card = py
            .detach(|| skops_card::parse_file(&path))
            .map_err(to_py_err)?;
        Ok(CardCore { card })
    }

    /// `Card.add` for one text section.
    fn add(&mut self, key: &str, content: &str, folded: bool) -> PyResult<()> {
        self.card.add(key, content, folded).map_err(to_py_err)
    }

    /// `Card.add` with a section object (skops allows them, undocumented), given as a spec:
    /// a dict with `title`, `content`, `visible`, `folded`, `kind` ("text", "plot", "table"),
    /// `path`/`alt_text` or `table` (`[(header, [cells])]`), and `subsections`
    /// (`[(key, spec)]`).
    fn add_spec(&mut self, key: &str, spec: &Bound<'_, PyDict>) -> PyResult<()> {
        let section = section_from_spec(spec, 0)?;
        self.card.add_section(key, section).map_err(to_py_err)
    }

    /// `Card.add_plot` for one call (alt text reuse included).
    fn add_plots(
        &mut self,
        plots: Vec<(String, String)>,
        description: Option<&str>,
        alt_text: Option<&str>,
        folded: bool,
    ) -> PyResult<()> {
        self.card
            .add_plots(plots, description, alt_text, folded)
            .map_err(to_py_err)
    }

    /// `Card.add_table` for one table.
    fn add_table(
        &mut self,
        key: &str,
        columns: Columns,
        description: Option<&str>,
        folded: bool,
    ) -> PyResult<()> {
        let table = Table::from_columns(columns).map_err(to_py_err)?;
        self.card
            .add_table(key, table, description, folded)
            .map_err(to_py_err)
    }

    /// `Card.add_metrics`: metric names and `str()` of the values.
    fn add_metrics(
        &mut self,
        section: &str,
        description: Option<&str>,
        metrics: Vec<(String, String)>,
    ) -> PyResult<()> {
        self.card
            .add_metrics(section, description, metrics)
            .map_err(to_py_err)
    }

    /// `Card.add_hyperparams`: parameter names and `str()` of the values.
    fn add_hyperparams(
        &mut self,
        section: &str,
        description: Option<&str>,
        params: Vec<(String, String)>,
    ) -> PyResult<()> {
        self.card
            .add_hyperparams(section, description, &params)
            .map_err(to_py_err)
    }

    /// `Card.add_model_plot`, given scikit-learn's HTML representation of the model.
    fn add_model_plot(
        &mut self,
        section: &str,
        description: Option<&str>,
        html: &str,
    ) -> PyResult<()> {
        self.card
            .add_model_plot(section, description, html)
            .map_err(to_py_err)
    }

    /// The key path of the section at `key`, with skops' `KeyError`s: an empty leaf name,
    /// a missing parent (`"Section X does not exist"`) or a missing leaf (`KeyError(leaf)`).
    fn resolve(&self, key: &str) -> PyResult<Vec<String>> {
        let parts = skops_card::path::split(key);
        self.check_path(key, &parts)?;
        Ok(parts)
    }

    /// Whether a section exists at the key path.
    fn exists(&self, parts: Vec<String>) -> bool {
        self.card.select_parts(&parts).is_ok()
    }

    /// Removes a section by key path, with skops' `KeyError`s (see `resolve`).
    fn delete(&mut self, key_repr: &str, parts: Vec<String>) -> PyResult<()> {
        self.check_path(key_repr, &parts)?;
        self.card.delete_parts(&parts).map_err(to_py_err)
    }

    /// Fields of the section at `parts`: `kind` ("text", "plot", "table"), `title`, `content`,
    /// `visible`, `folded`, `keys` (of the subsections), and `path`/`alt_text` for plots,
    /// `table`/`shape` for tables.
    fn section<'py>(&self, py: Python<'py>, parts: Vec<String>) -> PyResult<Bound<'py, PyDict>> {
        let section = self.card.select_parts(&parts).map_err(to_py_err)?;
        let info = PyDict::new(py);
        info.set_item("title", &section.title)?;
        info.set_item("content", &section.content)?;
        info.set_item("visible", section.visible)?;
        info.set_item("folded", section.folded)?;
        let keys: Vec<&str> = section.subsections.iter().map(|s| s.key.as_str()).collect();
        info.set_item("keys", keys)?;
        match &section.kind {
            SectionKind::Text => info.set_item("kind", "text")?,
            SectionKind::Plot { path, alt_text } => {
                info.set_item("kind", "plot")?;
                info.set_item("path", path)?;
                info.set_item("alt_text", alt_text)?;
            }
            SectionKind::Table(table) => {
                info.set_item("kind", "table")?;
                let columns = PyDict::new(py);
                for (index, header) in table.headers().iter().enumerate() {
                    columns.set_item(header, PyList::new(py, table.column(index))?)?;
                }
                info.set_item("table", columns)?;
                info.set_item("shape", (table.n_rows(), table.n_columns()))?;
            }
        }
        Ok(info)
    }

    /// Sets one field of a section: `title`, `content`, `visible`, `folded`, `path` or
    /// `alt_text` (the last two for plots).
    fn set_field(
        &mut self,
        parts: Vec<String>,
        field: &str,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let section: &mut Section = self.card.select_parts_mut(&parts).map_err(to_py_err)?;
        match field {
            "title" => section.title = value.extract()?,
            "content" => section.content = value.extract()?,
            "visible" => section.visible = value.is_truthy()?,
            "folded" => section.folded = value.is_truthy()?,
            "path" | "alt_text" => match &mut section.kind {
                SectionKind::Plot { path, alt_text } => {
                    let text: String = value.extract()?;
                    if field == "path" {
                        *path = text;
                    } else {
                        *alt_text = text;
                    }
                }
                _ => {
                    return Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                        "only plot sections have a `{field}`"
                    )));
                }
            },
            other => {
                return Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                    "sections have no settable field `{other}`"
                )));
            }
        }
        Ok(())
    }

    /// The formatted content of a section (skops' `Section.format()`).
    fn format(&self, parts: Vec<String>) -> PyResult<String> {
        Ok(self.card.select_parts(&parts).map_err(to_py_err)?.format())
    }

    /// Keys of the top-level sections.
    fn keys(&self) -> Vec<String> {
        self.card.sections.iter().map(|s| s.key.clone()).collect()
    }

    /// The metrics added so far, in order.
    fn metrics(&self) -> Vec<(String, String)> {
        self.card.metrics.clone()
    }

    /// `Card.get_toc()`.
    fn toc(&self) -> String {
        self.card.toc()
    }

    /// `Card.render()`.
    fn render(&self) -> String {
        self.card.render()
    }

    /// `Card.__repr__` given the model's `repr` (or `None` for no model line).
    fn repr(&self, model_repr: Option<&str>) -> String {
        skops_card::repr::card_repr(&self.card, model_repr)
    }

    /// Paths of the plots the rendered card shows.
    fn plot_paths(&self) -> Vec<String> {
        self.card
            .rendered_plot_paths()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// `Card.save(path, copy_files)`, atomically.
    fn save(&self, py: Python<'_>, path: PathBuf, copy_files: bool) -> PyResult<()> {
        py.detach(|| self.card.save(&path, copy_files))
            .map_err(to_py_err)
    }

    /// The metadata (front matter) as a new dict.
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        metadata_to_py(py, self.card.metadata())
    }

    /// Replaces the metadata with a mapping of YAML-compatible values.
    fn set_metadata(&mut self, metadata: &Bound<'_, PyAny>) -> PyResult<()> {
        let metadata = metadata_from_py(metadata)?;
        self.card.front_matter.set_metadata(metadata);
        Ok(())
    }

    /// Sets the `model-index` metadata: one result of `model_name` on a dataset, with
    /// `(type, name, value)` metrics.
    #[allow(clippy::too_many_arguments)]
    fn set_model_index(
        &mut self,
        model_name: &str,
        task_type: &str,
        task_name: &str,
        dataset_type: &str,
        dataset_name: &str,
        metrics: Vec<(String, String, f64)>,
    ) {
        use skops_card::metadata::{EvalMetric, EvalResult};
        let result = EvalResult {
            task_type: task_type.to_owned(),
            task_name: task_name.to_owned(),
            dataset_type: dataset_type.to_owned(),
            dataset_name: dataset_name.to_owned(),
            metrics: metrics
                .into_iter()
                .map(|(metric_type, name, value)| EvalMetric {
                    metric_type,
                    value: skops_card::Value::Float(value),
                    name: Some(name),
                })
                .collect(),
        };
        self.card.metadata_mut().set_model_index(model_name, result);
    }

    /// Records a model file's name and sha256 (and the scikit-learn version) in the metadata.
    #[pyo3(signature = (model_path, sklearn_version=None))]
    fn bind_model(
        &mut self,
        py: Python<'_>,
        model_path: PathBuf,
        sklearn_version: Option<&str>,
    ) -> PyResult<()> {
        let card = &mut self.card;
        py.detach(|| skops_card::binding::bind(card, &model_path, sklearn_version))
            .map_err(to_py_err)
    }

    /// Ways the card no longer matches its model file (empty when it matches).
    #[pyo3(signature = (model_path, sklearn_version=None))]
    fn check_model(
        &self,
        py: Python<'_>,
        model_path: PathBuf,
        sklearn_version: Option<&str>,
    ) -> PyResult<Vec<String>> {
        let problems = py
            .detach(|| skops_card::binding::check(&self.card, &model_path, sklearn_version))
            .map_err(to_py_err)?;
        Ok(problems.iter().map(ToString::to_string).collect())
    }
}
