//! The estimators, one module per family.

pub mod gb;
pub mod hgb;
pub mod iforest;
pub mod scalers;
pub mod trees;
