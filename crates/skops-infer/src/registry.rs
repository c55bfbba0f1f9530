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
    ("sklearn.preprocessing._data.MinMaxScaler", models::scalers::min_max_scaler),
    ("sklearn.preprocessing._data.MaxAbsScaler", models::scalers::max_abs_scaler),
    ("sklearn.preprocessing._data.RobustScaler", models::scalers::robust_scaler),
    ("sklearn.preprocessing._data.Normalizer", models::scalers::normalizer),
    ("sklearn.preprocessing._data.Binarizer", models::scalers::binarizer),
    ("sklearn.pipeline.Pipeline", models::compose::pipeline),
    ("sklearn.pipeline.FeatureUnion", models::compose::feature_union),
    ("sklearn.compose._target.TransformedTargetRegressor", models::compose::transformed_target_regressor),
    ("sklearn.compose._column_transformer.ColumnTransformer", models::compose::column_transformer),
    ("sklearn.preprocessing._function_transformer.FunctionTransformer", models::compose::function_transformer),
    ("sklearn.impute._base.SimpleImputer", models::impute::simple_imputer),
    ("sklearn.impute._base.MissingIndicator", models::impute::missing_indicator),
    ("sklearn.preprocessing._encoders.OneHotEncoder", models::encoders::one_hot_encoder),
    ("sklearn.preprocessing._encoders.OrdinalEncoder", models::encoders::ordinal_encoder),
    ("sklearn.decomposition._pca.PCA", models::decomposition::pca),
    ("sklearn.decomposition._incremental_pca.IncrementalPCA", models::decomposition::pca),
    ("sklearn.preprocessing._polynomial.PolynomialFeatures", models::polynomial::polynomial_features),
    ("sklearn.decomposition._truncated_svd.TruncatedSVD", models::decomposition::truncated_svd),
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
    ("sklearn.linear_model._base.LinearRegression", models::linear::linear_regressor),
    ("sklearn.linear_model._ridge.Ridge", models::linear::linear_regressor),
    ("sklearn.linear_model._ridge.RidgeCV", models::linear::linear_regressor),
    ("sklearn.linear_model._coordinate_descent.Lasso", models::linear::linear_regressor),
    ("sklearn.linear_model._coordinate_descent.LassoCV", models::linear::linear_regressor),
    ("sklearn.linear_model._coordinate_descent.ElasticNet", models::linear::linear_regressor),
    ("sklearn.linear_model._coordinate_descent.ElasticNetCV", models::linear::linear_regressor),
    ("sklearn.linear_model._stochastic_gradient.SGDRegressor", models::linear::linear_regressor),
    ("sklearn.svm._classes.LinearSVR", models::linear::linear_regressor),
    ("sklearn.linear_model._logistic.LogisticRegression", models::linear::logistic_regression),
    ("sklearn.linear_model._logistic.LogisticRegressionCV", models::linear::logistic_regression),
    ("sklearn.linear_model._stochastic_gradient.SGDClassifier", models::linear::sgd_classifier),
    ("sklearn.linear_model._perceptron.Perceptron", models::linear::linear_classifier),
    ("sklearn.svm._classes.LinearSVC", models::linear::linear_classifier),
    ("sklearn.linear_model._ridge.RidgeClassifier", models::linear::ridge_classifier),
    ("sklearn.linear_model._ridge.RidgeClassifierCV", models::linear::ridge_classifier),
    ("sklearn.naive_bayes.GaussianNB", models::naive_bayes::gaussian_nb),
    ("sklearn.multiclass.OneVsRestClassifier", models::linear_ovr::one_vs_rest),
    //
    // SVMs, neighbors and neural networks (models/svm.rs, ...).
    ("sklearn.svm._classes.SVC", models::svm::svc),
    ("sklearn.svm._classes.NuSVC", models::svm::svc),
    ("sklearn.svm._classes.SVR", models::svm::svr),
    ("sklearn.svm._classes.NuSVR", models::svm::svr),
    ("sklearn.svm._classes.OneClassSVM", models::svm::one_class_svm),
    ("sklearn.neighbors._classification.KNeighborsClassifier", models::neighbors::k_neighbors_classifier),
    ("sklearn.neighbors._regression.KNeighborsRegressor", models::neighbors::k_neighbors_regressor),
    ("sklearn.neural_network._multilayer_perceptron.MLPClassifier", models::mlp::mlp_classifier),
    ("sklearn.neural_network._multilayer_perceptron.MLPRegressor", models::mlp::mlp_regressor),
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
