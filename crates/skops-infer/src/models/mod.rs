//! The estimators, one module per family.

pub mod mlp;
pub mod neighbors;
pub mod scalers;
pub mod svm;
