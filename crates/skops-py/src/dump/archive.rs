//! The zip archive of a dump: data members in the order skops writes them, `schema.json` last.
//!
//! Members are collected during the walk without copying their data: an array member keeps
//! the array (alive in the memo) and its `.npy` header, a bytes member the `bytes` object. At
//! the end, a stored archive is written in one pass straight into the returned `bytes` (see
//! `skops_format::container::StoredLayout`); a deflated one goes through its `ArchiveWriter`.

use std::mem::MaybeUninit;

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use skops_format::container::{ArchiveWriter, StoredMember, WriteCompression, layout};

use super::address_map::IdSet;
use super::error::DumpResult;
use super::npy::ContiguousArray;

/// zlib's default level, what `zipfile` uses for `ZIP_DEFLATED` without a `compresslevel`.
const DEFAULT_DEFLATE_LEVEL: u32 = 6;

/// Unix time of 1980-01-01 00:00:00, the time stamp `np.savez` gives the members of a `.npz`.
const NPZ_MEMBER_TIME: u64 = 315_532_800;

/// The bytes of a member after its prefix.
pub(crate) enum Body<'py> {
    Owned(Vec<u8>),
    Bytes(Bound<'py, PyBytes>),
    /// The memory of a contiguous array, read when the archive is written.
    Array(ContiguousArray<'py>),
}

impl Body<'_> {
    pub(crate) fn as_slice(&self) -> &[u8] {
        match self {
            Self::Owned(bytes) => bytes,
            Self::Bytes(bytes) => bytes.as_bytes(),
            Self::Array(array) => array.bytes(),
        }
    }
}

/// A member to write: `prefix` (a `.npy` header, or nothing) then `body`.
struct Member<'py> {
    name: String,
    prefix: Vec<u8>,
    body: Body<'py>,
}

/// The archive being collected.
pub(crate) struct Archive<'py> {
    compression: WriteCompression,
    members: Vec<Member<'py>>,
    /// Ids whose `<id>.npy` / `<id>.npz` member exists (skops writes one per object).
    written_ids: IdSet,
}

impl<'py> Archive<'py> {
    pub(crate) fn new(compression: WriteCompression) -> Self {
        Self {
            compression,
            members: Vec::new(),
            written_ids: IdSet::default(),
        }
    }

    /// Whether the member of the object with this id exists already.
    pub(crate) fn has_id(&self, id: u64) -> bool {
        self.written_ids.contains(&id)
    }

    /// Adds `<id>.<extension>` (once per id).
    pub(crate) fn add_for_id(
        &mut self,
        id: u64,
        extension: &str,
        prefix: Vec<u8>,
        body: Body<'py>,
    ) {
        if self.written_ids.insert(id) {
            self.add(format!("{id}.{extension}"), prefix, body);
        }
    }

    pub(crate) fn add(&mut self, name: String, prefix: Vec<u8>, body: Body<'py>) {
        self.members.push(Member { name, prefix, body });
    }

    /// Writes the members and `schema.json` and returns the archive as `bytes`.
    pub(crate) fn finish(self, py: Python<'py>, schema: &[u8]) -> DumpResult<Bound<'py, PyBytes>> {
        for member in &self.members {
            if let Body::Array(array) = &member.body {
                array.check_unchanged()?;
            }
        }
        let schema_member = Member {
            name: "schema.json".to_owned(),
            prefix: Vec::new(),
            body: Body::Owned(Vec::new()),
        };
        match self.compression {
            WriteCompression::Stored => {
                let stored: Vec<StoredMember<'_>> = self
                    .members
                    .iter()
                    .map(|member| StoredMember {
                        name: &member.name,
                        parts: [&member.prefix, member.body.as_slice()],
                    })
                    .chain(std::iter::once(StoredMember {
                        name: &schema_member.name,
                        parts: [schema, &[]],
                    }))
                    .collect();
                let layout = layout(&stored);
                let stamp = skops_format::container::now();
                let total = usize::try_from(layout.total()).map_err(|_| {
                    pyo3::exceptions::PyMemoryError::new_err("the archive does not fit in memory")
                })?;
                Ok(new_bytes(py, total, |out| {
                    layout.write(&stored, stamp, out)
                })?)
            }
            WriteCompression::Deflated { .. } => {
                let parts: Vec<(&str, &[u8], &[u8])> = self
                    .members
                    .iter()
                    .map(|member| {
                        (
                            member.name.as_str(),
                            &member.prefix[..],
                            member.body.as_slice(),
                        )
                    })
                    .collect();
                let compression = self.compression;
                // Deflate is most of a compressed dump's time: other Python threads run meanwhile
                // (the arrays stay alive in the memo, and only their bytes are read).
                let archive = py.detach(|| deflated_archive(compression, &parts, schema))?;
                Ok(PyBytes::new(py, &archive))
            }
        }
    }
}

/// A new `bytes` object of `length` bytes, all written by `fill`. Unlike
/// `PyBytes::new_with`, the memory is not zeroed first: for a large model that saves a pass
/// over hundreds of megabytes.
fn new_bytes<'py>(
    py: Python<'py>,
    length: usize,
    fill: impl FnOnce(&mut [MaybeUninit<u8>]),
) -> PyResult<Bound<'py, PyBytes>> {
    let size = pyo3::ffi::Py_ssize_t::try_from(length)
        .map_err(|_| pyo3::exceptions::PyMemoryError::new_err("the archive is too large"))?;
    // SAFETY: `PyBytes_FromStringAndSize(NULL, size)` returns a new reference to a bytes
    // object with `size` uninitialised bytes, or NULL with an exception set (checked by
    // `from_owned_ptr_or_err`). The object is ours alone until returned, so handing its
    // buffer out as `MaybeUninit` bytes for `fill` to initialise is sound; if `fill` panicked
    // the object would be dropped without its bytes ever being read.
    unsafe {
        let object = pyo3::ffi::PyBytes_FromStringAndSize(std::ptr::null(), size);
        let bytes = Bound::from_owned_ptr_or_err(py, object)?.cast_into_unchecked::<PyBytes>();
        let buffer = pyo3::ffi::PyBytes_AsString(bytes.as_ptr()).cast::<MaybeUninit<u8>>();
        fill(std::slice::from_raw_parts_mut(buffer, length));
        Ok(bytes)
    }
}

/// The deflated archive of `parts` (`(name, prefix, body)`, the member being prefix + body)
/// followed by `schema.json`; pure Rust, run without the GIL.
fn deflated_archive(
    compression: WriteCompression,
    parts: &[(&str, &[u8], &[u8])],
    schema: &[u8],
) -> skops_format::Result<Vec<u8>> {
    let capacity = parts
        .iter()
        .map(|(_, prefix, body)| prefix.len() + body.len() / 2)
        .sum::<usize>()
        + schema.len() / 4;
    let mut writer = ArchiveWriter::with_capacity(compression, capacity);
    let mut joined = Vec::new();
    for (name, prefix, body) in parts {
        if prefix.is_empty() {
            writer.add(name, body)?;
        } else {
            joined.clear();
            joined.extend_from_slice(prefix);
            joined.extend_from_slice(body);
            writer.add(name, &joined)?;
        }
    }
    writer.add("schema.json", schema)?;
    writer.finish()
}

/// The inner zip of a `.npz` member, as `np.savez_compressed` writes it: deflated members
/// (`<name>.npy`) dated 1980-01-01.
pub(crate) fn npz_writer() -> ArchiveWriter {
    ArchiveWriter::new(WriteCompression::Deflated {
        level: DEFAULT_DEFLATE_LEVEL,
    })
    .with_modification_time(NPZ_MEMBER_TIME)
}
