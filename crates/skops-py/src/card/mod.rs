//! `skops_rs.card`'s native core: the `CardCore` class wrapping a `skops_card::Card`.
//!
//! Python keeps what needs Python (the model, `get_params`, `str()` of values, scikit-learn's
//! HTML diagram); the tree, tables, rendering, parsing and metadata are Rust. Sections are
//! addressed by their key path (a list of keys), so Python section objects are live views.

mod convert;
mod error;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyModule};
use skops_card::section::SectionKind;
use skops_card::{Card, Section, Table};

use convert::{FilePath, Text, metadata_from_py, metadata_to_py};
use error::to_py_err;

/// Adds `CardCore` and the card helper functions to the extension module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<CardCore>()?;
    m.add_function(wrap_pyfunction!(card_file_sha256, m)?)?;
    m.add_function(wrap_pyfunction!(card_metadata_from_config, m)?)?;
    m.add_function(wrap_pyfunction!(card_read_config, m)?)?;
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
    folder: FilePath,
    stem: Text,
    labels: Vec<Text>,
    counts: Vec<Vec<u64>>,
) -> PyResult<(u32, u32)> {
    let chart = skops_card::chart::confusion_matrix(&texts(labels), &counts);
    py.detach(|| chart.save(&folder.0, &stem.0))
        .map_err(to_py_err)?;
    Ok((chart.width, chart.height))
}

/// Writes a predicted-vs-true scatter plot (PNG and SVG); returns the image size.
#[pyfunction]
fn card_predicted_vs_true_chart(
    py: Python<'_>,
    folder: FilePath,
    stem: Text,
    y_true: Vec<f64>,
    y_pred: Vec<f64>,
) -> PyResult<(u32, u32)> {
    let chart = skops_card::chart::predicted_vs_true(&y_true, &y_pred);
    py.detach(|| chart.save(&folder.0, &stem.0))
        .map_err(to_py_err)?;
    Ok((chart.width, chart.height))
}

/// Writes a feature-importance bar chart (PNG and SVG); returns the image size.
#[pyfunction]
fn card_feature_importances_chart(
    py: Python<'_>,
    folder: FilePath,
    stem: Text,
    names: Vec<Text>,
    values: Vec<f64>,
) -> PyResult<(u32, u32)> {
    let chart = skops_card::chart::feature_importances(&texts(names), &values);
    py.detach(|| chart.save(&folder.0, &stem.0))
        .map_err(to_py_err)?;
    Ok((chart.width, chart.height))
}

/// skops' `split_subsection_names`: the parts of a `/` path (`\/` is a literal slash).
#[pyfunction]
fn card_split_path(key: Text) -> Vec<String> {
    skops_card::path::split(&key.0)
}

/// sha256 (hex) of a file, read in 1 MiB chunks.
#[pyfunction]
fn card_file_sha256(py: Python<'_>, path: FilePath) -> PyResult<String> {
    py.detach(|| skops_card::binding::file_sha256(&path.0))
        .map_err(to_py_err)
}

/// Hub metadata for a model from the text of its `config.json` (skops 0.11's
/// `metadata_from_config`).
#[pyfunction]
fn card_metadata_from_config<'py>(
    py: Python<'py>,
    config_json: Text,
) -> PyResult<Bound<'py, PyDict>> {
    let metadata = skops_card::metadata::from_config(&config_json.0).map_err(to_py_err)?;
    metadata_to_py(py, &metadata)
}

/// The text of a model's `config.json`: `path` itself, or `config.json` inside the folder
/// `path` (never a file that resolves outside that folder); a regular file, bounded by
/// `MAX_CONFIG_SIZE`.
#[pyfunction]
fn card_read_config(py: Python<'_>, path: FilePath) -> PyResult<String> {
    use skops_card::file::{Links, read_in_folder, read_text};
    use skops_card::limits::MAX_CONFIG_SIZE;
    const WHAT: &str = "`config.json` size";
    let path = path.0;
    py.detach(|| {
        if path.is_dir() {
            read_in_folder(&path, "config.json", MAX_CONFIG_SIZE, WHAT)
        } else {
            read_text(&path, MAX_CONFIG_SIZE, WHAT, Links::Follow)
        }
    })
    .map_err(to_py_err)
}

/// `Text`s as `String`s.
fn texts(items: Vec<Text>) -> Vec<String> {
    items.into_iter().map(|t| t.0).collect()
}

/// An optional `Text` as an optional `&str`.
fn opt(text: &Option<Text>) -> Option<&str> {
    text.as_ref().map(|t| t.0.as_str())
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
    let title = get("title")?.extract::<Text>()?.0;
    let content = get("content")?.extract::<Text>()?.0;
    let kind = get("kind")?.extract::<Text>()?.0;
    let mut section = match kind.as_str() {
        "plot" => Section::plot(
            title,
            content,
            get("path")?.extract::<Text>()?.0,
            get("alt_text")?.extract::<Text>()?.0,
        )
        .map_err(to_py_err)?,
        "table" => {
            let columns: Columns = get("table")?.extract()?;
            Section::table(title, content, table_of(columns)?)
        }
        _ => Section::text(title, content),
    };
    section.visible = get("visible")?.is_truthy()?;
    section.folded = get("folded")?.is_truthy()?;
    let subsections: Vec<(Text, Bound<'_, PyDict>)> = get("subsections")?.extract()?;
    for (key, sub) in subsections {
        section
            .subsections
            .push(section_from_spec(&sub, depth + 1)?.with_key(key.0));
    }
    Ok(section)
}

/// A model card (the native half of `skops_rs.card.Card`).
#[pyclass(module = "skops_rs._skops_rs")]
pub(crate) struct CardCore {
    card: Card,
}

/// Cell text of a table given as `[(header, [cell, ...]), ...]`.
type Columns = Vec<(Text, Vec<Text>)>;

/// The table of `columns`.
fn table_of(columns: Columns) -> PyResult<Table> {
    let columns = columns
        .into_iter()
        .map(|(header, cells)| (header.0, texts(cells)));
    Table::from_columns(columns).map_err(to_py_err)
}

/// Key paths from Python as `String`s.
type Parts = Vec<Text>;

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
    fn new(template: Option<Text>) -> PyResult<Self> {
        let card = Card::with_template(opt(&template)).map_err(to_py_err)?;
        Ok(CardCore { card })
    }

    /// A skops-template card for a `.skops` file, built without loading it (hyperparameters
    /// read from the file; metadata binding the card to the file).
    #[staticmethod]
    fn for_model_file(py: Python<'_>, path: FilePath) -> PyResult<Self> {
        let card = py
            .detach(|| skops_card::ops::new_card_for_file(&path.0))
            .map_err(to_py_err)?;
        Ok(CardCore { card })
    }

    /// How the card no longer matches a `.skops` file (sha256 and the scikit-learn version
    /// recorded in the file), read without loading it.
    fn check_model_file(&self, py: Python<'_>, path: FilePath) -> PyResult<Vec<String>> {
        let problems = py
            .detach(|| skops_card::ops::check_file(&self.card, &path.0))
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
    fn parse(text: Text) -> PyResult<Self> {
        Ok(CardCore {
            card: skops_card::parse(&text.0).map_err(to_py_err)?,
        })
    }

    /// Reads and parses a card file.
    #[staticmethod]
    fn parse_file(py: Python<'_>, path: FilePath) -> PyResult<Self> {
        let card = py
            .detach(|| skops_card::parse_file(&path.0))
            .map_err(to_py_err)?;
        Ok(CardCore { card })
    }

    /// `Card.add` for one text section.
    fn add(&mut self, key: Text, content: Text, folded: bool) -> PyResult<()> {
        self.card.add(&key.0, content.0, folded).map_err(to_py_err)
    }

    /// `Card.add` with a section object (skops allows them, undocumented), given as a spec:
    /// a dict with `title`, `content`, `visible`, `folded`, `kind` ("text", "plot", "table"),
    /// `path`/`alt_text` or `table` (`[(header, [cells])]`), and `subsections`
    /// (`[(key, spec)]`).
    fn add_spec(&mut self, key: Text, spec: &Bound<'_, PyDict>) -> PyResult<()> {
        let section = section_from_spec(spec, 0)?;
        self.card.add_section(&key.0, section).map_err(to_py_err)
    }

    /// `Card.add_plot` for one call (alt text reuse included).
    fn add_plots(
        &mut self,
        plots: Vec<(Text, Text)>,
        description: Option<Text>,
        alt_text: Option<Text>,
        folded: bool,
    ) -> PyResult<()> {
        let plots = plots.into_iter().map(|(key, path)| (key.0, path.0));
        self.card
            .add_plots(plots, opt(&description), opt(&alt_text), folded)
            .map_err(to_py_err)
    }

    /// `Card.add_table` for one table.
    fn add_table(
        &mut self,
        key: Text,
        columns: Columns,
        description: Option<Text>,
        folded: bool,
    ) -> PyResult<()> {
        let table = table_of(columns)?;
        self.card
            .add_table(&key.0, table, opt(&description), folded)
            .map_err(to_py_err)
    }

    /// `Card.add_metrics`: metric names and `str()` of the values.
    fn add_metrics(
        &mut self,
        section: Text,
        description: Option<Text>,
        metrics: Vec<(Text, Text)>,
    ) -> PyResult<()> {
        let metrics = metrics.into_iter().map(|(name, value)| (name.0, value.0));
        self.card
            .add_metrics(&section.0, opt(&description), metrics)
            .map_err(to_py_err)
    }

    /// `Card.add_hyperparams`: parameter names and `str()` of the values.
    fn add_hyperparams(
        &mut self,
        section: Text,
        description: Option<Text>,
        params: Vec<(Text, Text)>,
    ) -> PyResult<()> {
        let params: Vec<(String, String)> = params
            .into_iter()
            .map(|(name, value)| (name.0, value.0))
            .collect();
        self.card
            .add_hyperparams(&section.0, opt(&description), &params)
            .map_err(to_py_err)
    }

    /// `Card.add_model_plot`, given scikit-learn's HTML representation of the model.
    fn add_model_plot(
        &mut self,
        section: Text,
        description: Option<Text>,
        html: Text,
    ) -> PyResult<()> {
        self.card
            .add_model_plot(&section.0, opt(&description), &html.0)
            .map_err(to_py_err)
    }

    /// The key path of the section at `key`, with skops' `KeyError`s: an empty leaf name,
    /// a missing parent (`"Section X does not exist"`) or a missing leaf (`KeyError(leaf)`).
    fn resolve(&self, key: Text) -> PyResult<Vec<String>> {
        let parts = skops_card::path::split(&key.0);
        self.check_path(&key.0, &parts)?;
        Ok(parts)
    }

    /// Whether a section exists at the key path.
    fn exists(&self, parts: Parts) -> bool {
        self.card.select_parts(&texts(parts)).is_ok()
    }

    /// Removes a section by key path, with skops' `KeyError`s (see `resolve`).
    fn delete(&mut self, key_repr: Text, parts: Parts) -> PyResult<()> {
        let parts = texts(parts);
        self.check_path(&key_repr.0, &parts)?;
        self.card.delete_parts(&parts).map_err(to_py_err)
    }

    /// Fields of the section at `parts`: `kind` ("text", "plot", "table"), `title`, `content`,
    /// `visible`, `folded`, `keys` (of the subsections), and `path`/`alt_text` for plots,
    /// `table`/`shape` for tables.
    fn section<'py>(&self, py: Python<'py>, parts: Parts) -> PyResult<Bound<'py, PyDict>> {
        let section = self.card.select_parts(&texts(parts)).map_err(to_py_err)?;
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
    fn set_field(&mut self, parts: Parts, field: Text, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let section: &mut Section = self
            .card
            .select_parts_mut(&texts(parts))
            .map_err(to_py_err)?;
        match field.0.as_str() {
            "title" => {
                let title = value.extract::<Text>()?.0;
                skops_card::section::check_title(&title).map_err(to_py_err)?;
                section.title = title;
            }
            "content" => section.content = value.extract::<Text>()?.0,
            "visible" => section.visible = value.is_truthy()?,
            "folded" => section.folded = value.is_truthy()?,
            "path" | "alt_text" => match &mut section.kind {
                SectionKind::Plot { path, alt_text } => {
                    let text = value.extract::<Text>()?.0;
                    if field.0 == "path" {
                        *path = text;
                    } else {
                        *alt_text = text;
                    }
                }
                _ => {
                    return Err(pyo3::exceptions::PyAttributeError::new_err(format!(
                        "only plot sections have a `{}`",
                        field.0
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
    fn format(&self, parts: Parts) -> PyResult<String> {
        Ok(self
            .card
            .select_parts(&texts(parts))
            .map_err(to_py_err)?
            .format())
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
    fn repr(&self, model_repr: Option<Text>) -> String {
        skops_card::repr::card_repr(&self.card, opt(&model_repr))
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
    fn save(&self, py: Python<'_>, path: FilePath, copy_files: bool) -> PyResult<()> {
        py.detach(|| self.card.save(&path.0, copy_files))
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
        model_name: Text,
        task_type: Text,
        task_name: Text,
        dataset_type: Text,
        dataset_name: Text,
        metrics: Vec<(Text, Text, f64)>,
    ) {
        use skops_card::metadata::{EvalMetric, EvalResult};
        let result = EvalResult {
            task_type: task_type.0,
            task_name: task_name.0,
            dataset_type: dataset_type.0,
            dataset_name: dataset_name.0,
            metrics: metrics
                .into_iter()
                .map(|(metric_type, name, value)| EvalMetric {
                    metric_type: metric_type.0,
                    value: skops_card::Value::Float(value),
                    name: Some(name.0),
                })
                .collect(),
        };
        self.card
            .metadata_mut()
            .set_model_index(&model_name.0, result);
    }

    /// Records a model file's name and sha256 (and the scikit-learn version) in the metadata.
    #[pyo3(signature = (model_path, sklearn_version=None))]
    fn bind_model(
        &mut self,
        py: Python<'_>,
        model_path: FilePath,
        sklearn_version: Option<Text>,
    ) -> PyResult<()> {
        let card = &mut self.card;
        let version = opt(&sklearn_version);
        py.detach(|| skops_card::binding::bind(card, &model_path.0, version))
            .map_err(to_py_err)
    }

    /// Ways the card no longer matches its model file (empty when it matches).
    #[pyo3(signature = (model_path, sklearn_version=None))]
    fn check_model(
        &self,
        py: Python<'_>,
        model_path: FilePath,
        sklearn_version: Option<Text>,
    ) -> PyResult<Vec<String>> {
        let version = opt(&sklearn_version);
        let problems = py
            .detach(|| skops_card::binding::check(&self.card, &model_path.0, version))
            .map_err(to_py_err)?;
        Ok(problems.iter().map(ToString::to_string).collect())
    }
}
