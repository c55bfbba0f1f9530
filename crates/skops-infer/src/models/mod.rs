//! The estimators, one module per family.

pub mod compose;
pub mod decomposition;
pub mod encoders;
pub mod impute;
pub mod polynomial;
pub mod scalers;
