//! The `skops_rs._skops_rs` extension module: thin PyO3 wrappers over the pure-Rust crates.
// PyO3's macro expansions contain `unsafe` blocks; the code written here has none.
#![allow(unsafe_code)]

mod card;
mod dump;
mod errors;
mod files;
mod infer;
mod load;
mod policy;
mod serve;

use pyo3::prelude::*;

// The loader and the writer allocate many small objects; mimalloc is markedly faster at that
// than the system allocator and is what the benchmarks in docs/performance.md were run with.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Runs the `skops-rs` command-line tool with `argv` (program name first); returns the exit code.
/// `serve` serves the models the native engine does not evaluate with the Python engine
/// (`serve.rs`); the GIL is released while the tool runs.
#[pyfunction]
fn run_cli(py: Python<'_>, argv: Vec<String>) -> u8 {
    py.detach(|| skops_cli::run_with(argv, Some(&serve::PythonFallback)))
}

/// Native core of skops-rs.
#[pymodule(gil_used = false)]
mod _skops_rs {
    #[pymodule_export]
    use super::run_cli;

    #[pymodule_init]
    fn init(m: &pyo3::Bound<'_, pyo3::types::PyModule>) -> pyo3::PyResult<()> {
        use pyo3::types::PyModuleMethods;
        m.add("__version__", env!("CARGO_PKG_VERSION"))?;
        // Each side registers its own functions, so the writer and the loader stay apart.
        super::card::register(m)?;
        super::dump::register(m)?;
        super::files::register(m)?;
        super::infer::register(m)?;
        m.add_function(pyo3::wrap_pyfunction!(super::errors::error_kinds, m)?)?;
        super::load::register(m)?;
        super::policy::register(m)
    }
}
