//! The supported scikit-learn classes: one line per class, its `module.class` (as skops
//! writes `__module__` and `__class__`) and the function that builds it from its state.
//!
//! Adding a class:
//! 1. write its builder and `Model` in the module of its family (`models/<family>.rs`), reading
//!    state only through `read::Obj` (every error then names the node path);
//! 2. add its line here;
//! 3. add its cases to `python/tests/test_infer_parity.py` (fitted on the shared data sets,
//!    compared with scikit-learn for every method it has) and its row to `docs/inference.md`.

use crate::error::{ModelError, Result};
use crate::model::Model;
use crate::models;
use crate::read::Obj;

/// Builds a model from an object's state.
pub type Build = fn(&Obj<'_, '_>) -> Result<Box<dyn Model>>;

/// Every supported class: `(module.class, builder)`.
// One line per class, so a new class is one added line (rustfmt would split long ones).
#[rustfmt::skip]
pub static SUPPORTED: &[(&str, Build)] = &[
    // Preprocessing and composition (models/scalers.rs, ...).
    ("sklearn.preprocessing._data.StandardScaler", models::scalers::standard_scaler),
    //
    // Trees, forests and boosting (models/trees*.rs, ...).
    ("sklearn.tree._classes.DecisionTreeClassifier", models::trees::tree_classifier),
    ("sklearn.tree._classes.DecisionTreeRegressor", models::trees::tree_regressor),
    ("sklearn.tree._classes.ExtraTreeClassifier", models::trees::tree_classifier),
    ("sklearn.tree._classes.ExtraTreeRegressor", models::trees::tree_regressor),
    ("sklearn.ensemble._forest.RandomForestClassifier", models::trees::forest_classifier),
    ("sklearn.ensemble._forest.RandomForestRegressor", models::trees::forest_regressor),
    ("sklearn.ensemble._forest.ExtraTreesClassifier", models::trees::forest_classifier),
    ("sklearn.ensemble._forest.ExtraTreesRegressor", models::trees::forest_regressor),
    ("sklearn.ensemble._gb.GradientBoostingClassifier", models::gb::gb_classifier),
    ("sklearn.ensemble._gb.GradientBoostingRegressor", models::gb::gb_regressor),
    ("sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingClassifier", models::hgb::hgb_classifier),
    ("sklearn.ensemble._hist_gradient_boosting.gradient_boosting.HistGradientBoostingRegressor", models::hgb::hgb_regressor),
    ("sklearn.ensemble._iforest.IsolationForest", models::iforest::isolation_forest),
    //
    // Linear models and naive Bayes (models/linear*.rs, ...).
    //
    // SVMs, neighbors and neural networks (models/svm.rs, ...).
    //
];

/// Builds the model of object `obj` (a step of a pipeline, an estimator of a forest, ...),
/// or names it as unsupported.
pub fn build(obj: &Obj<'_, '_>) -> Result<Box<dyn Model>> {
    match SUPPORTED.iter().find(|(name, _)| *name == obj.type_name()) {
        Some((_, build)) => build(obj),
        None => Err(ModelError::Unsupported {
            type_name: obj.type_name().to_owned(),
            path: obj.path(),
        }
        .into()),
    }
}

/// Whether objects of `type_name` are evaluated natively (when their state is sound and
/// their parameters supported).
pub fn is_supported(type_name: &str) -> bool {
    SUPPORTED.iter().any(|(name, _)| *name == type_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_listed_once() {
        let mut names: Vec<&str> = SUPPORTED.iter().map(|(name, _)| *name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len());
    }
}
