//! The estimators, one module per family.

pub mod compose;
pub mod decomposition;
pub mod encoders;
pub mod gb;
pub mod hgb;
pub mod iforest;
pub mod impute;
pub mod linear;
pub mod linear_math;
pub mod linear_ovr;
pub mod mlp;
pub mod naive_bayes;
pub mod neighbors;
pub mod polynomial;
pub mod scalers;
pub mod svm;
pub mod tree_walk;
pub mod trees;
pub mod wide;
