//! The estimators, one module per family.

pub mod scalers;
