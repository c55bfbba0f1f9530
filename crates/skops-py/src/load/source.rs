//! What building an object needs from an opened file, and a one-entry cache that lets `loads`
//! reuse the file `get_untrusted_types` has just opened.
//!
//! skops' documented way to load a file is `loads(data, trusted=get_untrusted_types(data=data))`:
//! two calls on the same `bytes` object, and opening a file (parsing and checking its schema
//! and every member) is most of the work. `get_untrusted_types` therefore keeps what it opened
//! (the parsed schema and the `.npy` headers, plus a reference to the `bytes` object itself),
//! and a `loads` of that very object takes it instead of opening the file again. Identity of a
//! `bytes` object is identity of its content (`bytes` are immutable), so the reused schema is
//! the one that was checked for these exact bytes; the archive itself is parsed again (cheap)
//! and members are read, CRC-checked, from it. `loads` always empties the cache, so after the
//! usual pair of calls nothing is kept; a `get_untrusted_types` without a `loads` keeps its
//! `bytes` alive until the next call of either.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use skops_format::container::Archive;
use skops_format::npy::NpyHeader;
use skops_format::schema::{NdArrayStorage, NodeId, NodeKind, Schema};
use skops_format::{Error, Limits, SkopsFile};

/// The parts of an opened file that building reads.
pub(super) trait FileSource {
    /// The checked schema.
    fn schema(&self) -> &Schema;
    /// The checked `.npy` header of NdArrayNode `id`.
    fn array_header(&self, id: NodeId) -> Option<&NpyHeader>;
    /// The bytes of member `name` (borrowed when stored, decompressed otherwise).
    fn member(&self, name: &str) -> Result<Cow<'_, [u8]>, Error>;
}

impl FileSource for SkopsFile<'_> {
    fn schema(&self) -> &Schema {
        SkopsFile::schema(self)
    }

    fn array_header(&self, id: NodeId) -> Option<&NpyHeader> {
        SkopsFile::array_header(self, id)
    }

    fn member(&self, name: &str) -> Result<Cow<'_, [u8]>, Error> {
        SkopsFile::member(self, name)
    }
}

/// A file opened before: its schema and array headers, checked for exactly these bytes.
pub(super) struct Opened {
    schema: Schema,
    headers: HashMap<NodeId, NpyHeader>,
}

impl Opened {
    /// Copies the parts of `file` building needs.
    pub(super) fn of(file: &SkopsFile<'_>) -> Self {
        let schema = file.schema().clone();
        let headers = schema
            .nodes()
            .filter(|(_, node)| {
                matches!(node.kind, NodeKind::NdArray(NdArrayStorage::Numpy { .. }))
            })
            .filter_map(|(id, _)| Some((id, file.array_header(id)?.clone())))
            .collect();
        Self { schema, headers }
    }
}

/// An [`Opened`] file with its archive parsed again from the same bytes.
pub(super) struct Reopened<'a> {
    archive: Archive<'a>,
    opened: Opened,
}

impl<'a> Reopened<'a> {
    /// Parses the archive of `data`, the bytes `opened` was made from.
    pub(super) fn new(data: &'a [u8], opened: Opened) -> Result<Self, Error> {
        let archive = Archive::parse(data, &Limits::default())?;
        Ok(Self { archive, opened })
    }
}

impl FileSource for Reopened<'_> {
    fn schema(&self) -> &Schema {
        &self.opened.schema
    }

    fn array_header(&self, id: NodeId) -> Option<&NpyHeader> {
        self.opened.headers.get(&id)
    }

    fn member(&self, name: &str) -> Result<Cow<'_, [u8]>, Error> {
        let entry = self
            .archive
            .entry(name)
            .ok_or_else(|| Error::ZipMemberNotFound {
                member: name.to_owned(),
            })?;
        match self.archive.stored_data(entry) {
            Some(bytes) => Ok(Cow::Borrowed(bytes)),
            None => self.archive.read_entry(entry).map(Cow::Owned),
        }
    }
}

/// The file `get_untrusted_types` opened last, with the `bytes` object it came from.
struct Entry {
    data: Py<PyBytes>,
    opened: Opened,
}

static LAST_OPENED: Mutex<Option<Entry>> = Mutex::new(None);

/// Keeps `opened` for a `loads` of the same `data` object.
pub(super) fn remember(data: &Bound<'_, PyBytes>, opened: Opened) {
    let entry = Entry {
        data: data.clone().unbind(),
        opened,
    };
    // A poisoned lock only means another thread panicked while holding it: the entry is a
    // plain value and still sound to replace.
    let mut slot = LAST_OPENED
        .lock()
        .unwrap_or_else(|poison| poison.into_inner());
    *slot = Some(entry);
}

/// Empties the cache; returns the entry if it was made from this very `data` object.
pub(super) fn take(data: &Bound<'_, PyBytes>) -> Option<Opened> {
    let entry = {
        let mut slot = LAST_OPENED
            .lock()
            .unwrap_or_else(|poison| poison.into_inner());
        slot.take()
    };
    let entry = entry?;
    entry.data.is(data).then_some(entry.opened)
}
