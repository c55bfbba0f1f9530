//! The `skops_rs._skops_rs` extension module: thin PyO3 wrappers over the pure-Rust crates.
// PyO3's macro expansions contain `unsafe` blocks; the code written here has none.
#![allow(unsafe_code)]

use pyo3::prelude::*;

/// Runs the `skops-rs` command-line tool with `argv` (program name first); returns the exit code.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| skops_cli::run(argv))
}

/// Native core of skops-rs.
#[pymodule(gil_used = false)]
mod _skops_rs {
    #[pymodule_export]
    use super::run_cli;

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        m.add("__version__", env!("CARGO_PKG_VERSION"))
    }
}
