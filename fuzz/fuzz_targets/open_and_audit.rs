//! Fuzz target: arbitrary bytes -> open as a `.skops` file -> audit -> the visualize rows (what
//! `skops-rs inspect` and `skops_rs.io.visualize` show). Must never panic, hang or allocate past
//! the limits; any `Err` is a correct answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skops_format::Limits;
use skops_trust::{ModelFile, visualize};

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = ModelFile::open(data, &Limits::default()) {
        if let Ok(report) = file.audit(&[]) {
            let _rows = visualize::inspect_rows(&file, &report);
        }
        let _rows = visualize::tree_rows(&file, &[]);
    }
});
