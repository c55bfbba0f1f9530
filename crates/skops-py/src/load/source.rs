//! A one-entry cache that lets `loads` reuse the file `get_untrusted_types` has just opened.
//!
//! skops' documented way to load a file is `loads(data, trusted=get_untrusted_types(data=data))`:
//! two calls on the same `bytes` object, and opening a file (parsing and checking its schema
//! and every member) is most of the work. `get_untrusted_types` therefore keeps what it opened
//! (the parsed schema and the `.npy` headers, plus a reference to the `bytes` object itself),
//! and a `loads` of the same content takes it instead of opening the file again. The same
//! content is the very object (`bytes` are immutable), or bytes equal to the kept ones: the
//! path form `load(path, trusted=get_untrusted_types(file=path))` reads the file twice into two
//! objects, and comparing them is one `memcmp`, far cheaper than opening and validating again;
//! what was checked depends on the content only. Either way the reused schema is the one that
//! was checked for these exact bytes; the archive directory itself is parsed again (cheap,
//! `ModelFile::reopen`) from the bytes `loads` was given, whose members the built arrays may
//! view. `loads` always empties the cache, so after the usual pair of calls nothing is kept; a
//! `get_untrusted_types` without a `loads` keeps its `bytes` alive until the next call of
//! either.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use skops_trust::CheckedModel as CheckedFile;

/// The file `get_untrusted_types` opened last, with the `bytes` object it came from.
struct Entry {
    data: Py<PyBytes>,
    checked: CheckedFile,
}

static LAST_OPENED: Mutex<Option<Entry>> = Mutex::new(None);

/// Keeps `checked` for a `loads` of the same `data` object.
pub(super) fn remember(data: &Bound<'_, PyBytes>, checked: CheckedFile) {
    let entry = Entry {
        data: data.clone().unbind(),
        checked,
    };
    // A poisoned lock only means another thread panicked while holding it: the entry is a
    // plain value and still sound to replace.
    let mut slot = LAST_OPENED
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    *slot = Some(entry);
}

/// Empties the cache; returns the entry if it was made from this very `data` object or from
/// bytes equal to it.
pub(super) fn take(data: &Bound<'_, PyBytes>) -> Option<CheckedFile> {
    let entry = {
        let mut slot = LAST_OPENED
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        slot.take()
    };
    let entry = entry?;
    let same = entry.data.is(data) || entry.data.bind(data.py()).as_bytes() == data.as_bytes();
    same.then_some(entry.checked)
}
