//! Card operations for command-line tools: a new card for a `.skops` file, a summary, setting
//! a section's text, and checking a card against its model file.

use std::path::Path;

use crate::binding::{MODEL_FILE_KEY, MODEL_SHA256_KEY, Mismatch, SKLEARN_VERSION_KEY};
use crate::model_file::{ModelFile, inspect};
use crate::template::HYPERPARAMETERS_SECTION;
use crate::{Card, Result, Value};

/// A skops-template card for a model file: the hyperparameter table (read from the file),
/// and metadata binding the card to the file (`library_name`, `tags`, `model_file`,
/// `model_sha256`, `sklearn_version`).
pub fn new_card(model: &ModelFile) -> Result<Card> {
    let mut card = Card::with_skops_template();
    card.add_hyperparams(HYPERPARAMETERS_SECTION, None, &model.hyperparameters)?;
    let metadata = card.metadata_mut();
    metadata.set("library_name", "sklearn");
    metadata.set(
        "tags",
        Value::List(vec![Value::from("sklearn"), Value::from("skops")]),
    );
    metadata.set(MODEL_FILE_KEY, model.file_name.clone());
    metadata.set(MODEL_SHA256_KEY, model.sha256.clone());
    if let Some(version) = &model.sklearn_version {
        metadata.set(SKLEARN_VERSION_KEY, version.clone());
    }
    Ok(card)
}

/// A new card for the `.skops` file at `path`.
pub fn new_card_for_file(path: &Path) -> Result<Card> {
    new_card(&inspect(path)?)
}

/// A summary of a card: its metadata as YAML, then its table of contents.
pub fn show(card: &Card) -> String {
    let mut out = String::new();
    if !card.metadata().is_empty() {
        out.push_str("metadata:\n");
        for line in card.metadata().to_yaml().lines() {
            out.push_str("  ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str("sections:\n");
    for line in card.toc().lines() {
        out.push_str("  ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Sets the text of the section at `key`: its content if it exists (the description of a
/// plot or table), else a new text section.
pub fn set_section(card: &mut Card, key: &str, text: &str) -> Result<()> {
    match card.select_mut(key) {
        Ok(section) => {
            section.content = text.to_owned();
            Ok(())
        }
        Err(_) => card.add(key, text, false),
    }
}

/// How a card no longer matches the `.skops` file at `path` (its sha256, and the
/// scikit-learn version recorded in the file). Empty when it matches.
pub fn check_file(card: &Card, path: &Path) -> Result<Vec<Mismatch>> {
    let model = inspect(path)?;
    crate::binding::check(card, path, model.sklearn_version.as_deref())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_and_show() {
        let mut card = Card::new();
        set_section(&mut card, "A/B", "text").unwrap();
        set_section(&mut card, "A/B", "other").unwrap();
        card.metadata_mut().set("license", "mit");
        assert_eq!(card.select("A/B").unwrap().content, "other");
        assert_eq!(
            show(&card),
            "metadata:\n  license: mit\nsections:\n  - A\n    - B\n"
        );
    }
}
