//! Native prediction of scikit-learn models from `.skops` files: the validated state is read
//! into Rust models that compute what scikit-learn computes, in scikit-learn's order of
//! operations, so that results equal scikit-learn's to the bit wherever its own arithmetic
//! is deterministic (trees, forests, boosting, preprocessing, sparse linear), and within a
//! stated bound elsewhere (`docs/inference.md`). Nothing is imported or executed: a class the
//! registry does not list is refused with its node path.
//!
//! ```no_run
//! use skops_infer::{Data, Matrix, Method, Predictor};
//! let bytes = std::fs::read("model.skops")?;
//! let predictor = Predictor::from_bytes(&bytes)?;
//! let x = Matrix::new(1, 4, vec![5.1, 3.5, 1.4, 0.2])?;
//! let labels = predictor.run(Method::Predict, &Data::from(x))?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod data;
pub mod error;
pub mod model;
pub mod models;
pub mod output;
pub mod predictor;
pub mod read;
pub mod registry;
pub mod support;

pub use data::{Column, Csr, Data, Matrix, Table};
pub use error::{Error, Result};
pub use model::{InputKind, Method, Model};
pub use output::{Labels, Output, Values};
pub use predictor::Predictor;
