//! The zip archive of a dump: data members in the order skops writes them, `schema.json` last.

use skops_format::container::{ArchiveWriter, WriteCompression};

use super::address_map::IdSet;
use super::error::DumpResult;

/// zlib's default level, what `zipfile` uses for `ZIP_DEFLATED` without a `compresslevel`.
pub(crate) const DEFAULT_DEFLATE_LEVEL: u32 = 6;

/// Unix time of 1980-01-01 00:00:00, the time stamp `np.savez` gives the members of a `.npz`.
const NPZ_MEMBER_TIME: u64 = 315_532_800;

/// The archive being written.
pub(crate) struct Archive {
    writer: ArchiveWriter,
    /// Ids whose `<id>.npy` / `<id>.npz` member is written (skops writes one per object).
    written_ids: IdSet,
}

impl Archive {
    pub(crate) fn new(compression: WriteCompression) -> Self {
        Self {
            writer: ArchiveWriter::new(compression),
            written_ids: IdSet::default(),
        }
    }

    /// Whether the member of the object with this id is written already.
    pub(crate) fn has_id(&self, id: u64) -> bool {
        self.written_ids.contains(&id)
    }

    /// Adds `<id>.<extension>` (once per id).
    pub(crate) fn add_for_id(&mut self, id: u64, extension: &str, data: &[u8]) -> DumpResult<()> {
        if self.written_ids.insert(id) {
            self.writer.add(&format!("{id}.{extension}"), data)?;
        }
        Ok(())
    }

    pub(crate) fn add(&mut self, name: &str, data: &[u8]) -> DumpResult<()> {
        self.writer.add(name, data)?;
        Ok(())
    }

    /// Appends `schema.json` and returns the archive's bytes.
    pub(crate) fn finish(mut self, schema: &str) -> DumpResult<Vec<u8>> {
        self.writer.add("schema.json", schema.as_bytes())?;
        Ok(self.writer.finish()?)
    }
}

/// The inner zip of a `.npz` member, as `np.savez_compressed` writes it: deflated members
/// (`<name>.npy`) dated 1980-01-01.
pub(crate) fn npz_writer() -> ArchiveWriter {
    ArchiveWriter::new(WriteCompression::Deflated {
        level: DEFAULT_DEFLATE_LEVEL,
    })
    .with_modification_time(NPZ_MEMBER_TIME)
}
