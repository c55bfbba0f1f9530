//! Fuzz target: arbitrary bytes -> open as a `.skops` file -> audit. Must never panic, hang or
//! allocate past the limits; any `Err` is a correct answer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use skops_format::{Limits, SkopsFile};

fuzz_target!(|data: &[u8]| {
    if let Ok(file) = SkopsFile::open(data, &Limits::default()) {
        let _report = file.audit(&[]);
    }
});
