//! The estimators, one module per family.

pub mod linear;
pub mod linear_math;
pub mod linear_ovr;
pub mod mlp;
pub mod naive_bayes;
pub mod neighbors;
pub mod scalers;
pub mod svm;
