//! A whole `.skops` file opened, parsed and cross-checked in one step.
//!
//! [`SkopsFile::open`] does everything skops 0.16's `get_tree` does before anything is
//! constructed, and more: the zip archive is validated ([`Archive::parse`]), `schema.json` is
//! size-checked before it is read and then parsed ([`Schema`]), and every member a node
//! references must exist and be what the node needs: a `.npy` array whose data matches its
//! header for an NdArrayNode, a sparse `.npz` (itself a zip) with the members scipy writes for
//! a SparseMatrixNode, bytes with a correct CRC-32 for a BytesNode. Each referenced member is
//! decompressed once and dropped after its check, so memory stays bounded by the largest
//! member; only the parsed `.npy` headers are kept. Then what loading will materialise from the
//! members is held to the [`budget`]: one copy of each distinct member, plus a small
//! allowance.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::budget::{self, Form, Plan};
use crate::container::{Archive, Entry};
use crate::error::{FileError, JsonError, ZipError};
use crate::json::Text;
use crate::limits::Limits;
use crate::npy::{Descr, NpyHeader, read_npy};
use crate::npz::Sparse;
use crate::schema::{NdArrayStorage, NodeId, NodeKind, Schema};
use crate::{Error, Result};

/// The member holding the schema.
pub const SCHEMA_MEMBER: &str = "schema.json";

/// The UTF-8 byte order mark.
const UTF8_BOM: &[u8] = b"\xef\xbb\xbf";

/// A `.skops` file whose archive, schema and referenced members have been checked.
#[derive(Debug, Clone)]
pub struct SkopsFile<'a> {
    data: &'a [u8],
    archive: Archive<'a>,
    schema: Schema,
    /// The header of each `.npy` member an NdArrayNode references, by member name.
    array_headers: HashMap<String, NpyHeader>,
    /// Stored members whose CRC-32 `open` checked: [`SkopsFile::member`] lends them without
    /// hashing them again (on a file of large arrays that second pass was 20% of a load).
    crc_checked: HashSet<String>,
    /// The limits the file was opened with (the validators read members with them).
    limits: Limits,
    /// What loading materialises from the members (checked against the budget at open).
    plan: Plan,
    /// The bytes the validators decompressed from members in the current run, and the first
    /// member read past the budget (see [`SkopsFile::validation_member`]).
    validation_reads: Arc<ValidationReads>,
}

/// What the validators decompressed from members during one run.
#[derive(Debug, Default)]
struct ValidationReads {
    bytes: AtomicU64,
    /// The member whose read took the total over the budget.
    culprit: Mutex<Option<String>>,
}

/// What [`SkopsFile::open`] checked about a file, detached from its bytes.
///
/// [`SkopsFile::reopen`] attaches it to the same bytes again without parsing the schema or
/// checking the members a second time (a caller that audits a file and then builds it, from
/// two calls, opens it once).
#[derive(Debug, Clone)]
pub struct CheckedFile {
    schema: Schema,
    array_headers: HashMap<String, NpyHeader>,
    crc_checked: HashSet<String>,
    plan: Plan,
}

/// What the nodes referencing one member need it to be.
#[derive(Debug, Default, Clone, Copy)]
struct Uses {
    array: bool,
    sparse: bool,
    /// The first node referencing the member, for error messages.
    first_node: Option<NodeId>,
}

impl<'a> SkopsFile<'a> {
    /// Opens the `.skops` file in `data` (the whole file) and checks it against `limits`.
    ///
    /// Fails with the `Zip*` errors for a bad archive, [`FileError::SchemaMissing`],
    /// [`Error::LimitExceeded`] for a too large `schema.json`, the `Json*` and `Schema*` errors
    /// for a bad schema, [`FileError::MemberMissing`] for a member a node references but the
    /// archive lacks, and [`FileError::MemberInvalid`] (wrapping the `Npy*`/`Npz*`/`Zip*`
    /// error) for a member that is not what its node needs, and
    /// [`FileError::MaterialisationBudget`] when nodes with different `__id__`s name the same
    /// member so often that loading would materialise more than the [`budget`] allows.
    pub fn open(data: &'a [u8], limits: &Limits) -> Result<Self> {
        let archive = Archive::parse(data, limits)?;
        let schema_entry = archive
            .entry(SCHEMA_MEMBER)
            .ok_or(Error::File(FileError::SchemaMissing))?;
        Limits::check(
            "`schema.json` size",
            schema_entry.uncompressed_size,
            limits.max_schema_size,
        )?;
        let schema = {
            let schema_bytes = read_member(&archive, schema_entry)?;
            // Python's `json.loads(bytes)` skips a byte order mark; skops never writes one, and
            // RFC 8259 forbids it, so a `.skops` file with one is refused.
            if schema_bytes.starts_with(UTF8_BOM) {
                return Err(Error::Json(JsonError::Syntax {
                    offset: 0,
                    reason: "`schema.json` starts with a UTF-8 byte order mark",
                }));
            }
            Schema::from_json(&schema_bytes, limits)?
        };
        let Checked {
            array_headers,
            crc_checked,
            plan,
        } = check_members(&archive, &schema, limits)?;
        Ok(Self {
            data,
            archive,
            schema,
            array_headers,
            crc_checked,
            limits: *limits,
            plan,
            validation_reads: Arc::default(),
        })
    }

    /// Detaches what `open` checked from the bytes (see [`SkopsFile::reopen`]).
    pub fn into_checked(self) -> CheckedFile {
        CheckedFile {
            schema: self.schema,
            array_headers: self.array_headers,
            crc_checked: self.crc_checked,
            plan: self.plan,
        }
    }

    /// Attaches `checked` to `data` again; only the archive directory is parsed anew.
    ///
    /// `data` must be the very bytes `checked` was made from (e.g. the same immutable Python
    /// `bytes` object): the schema and the members are not checked again. As a guard against
    /// a mix-up, every member the schema references must still be in the archive.
    pub fn reopen(data: &'a [u8], checked: CheckedFile, limits: &Limits) -> Result<Self> {
        let archive = Archive::parse(data, limits)?;
        let missing = checked
            .array_headers
            .keys()
            .chain(&checked.crc_checked)
            .find(|name| archive.entry(name).is_none());
        if let Some(name) = missing {
            return Err(Error::File(FileError::MemberMissing {
                member: name.clone(),
                path: String::new(),
            }));
        }
        Ok(Self {
            data,
            archive,
            schema: checked.schema,
            array_headers: checked.array_headers,
            crc_checked: checked.crc_checked,
            limits: *limits,
            plan: checked.plan,
            validation_reads: Arc::default(),
        })
    }

    /// Reads the file at `path` into `buffer` and opens it with [`SkopsFile::open`].
    ///
    /// The caller owns the bytes (the returned file borrows them); [`Error::Io`] names the
    /// path, and a file larger than `limits.max_total_size` is refused before it is read.
    pub fn open_path(
        path: impl AsRef<Path>,
        limits: &Limits,
        buffer: &'a mut Vec<u8>,
    ) -> Result<SkopsFile<'a>> {
        *buffer = read_path(path.as_ref(), limits)?;
        SkopsFile::open(buffer.as_slice(), limits)
    }

    /// The parsed schema.
    pub fn schema(&self) -> &Schema {
        &self.schema
    }

    /// The validated archive.
    pub fn archive(&self) -> &Archive<'a> {
        &self.archive
    }

    /// The limits the file was opened with (the validators read members with them).
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Starts a new run of reads against the validation budget (see
    /// [`SkopsFile::validation_member`]): the count of bytes read goes back to 0.
    pub fn begin_validation_reads(&self) {
        self.validation_reads.bytes.store(0, Ordering::Relaxed);
        if let Ok(mut culprit) = self.validation_reads.culprit.lock() {
            *culprit = None;
        }
    }

    /// What loading the file materialises from its archive members, and what it needs: equal
    /// for every file skops writes (see [`budget`]).
    pub fn materialisation(&self) -> Plan {
        self.plan
    }

    /// The SHA-256 of the whole file, as lowercase hex.
    pub fn sha256(&self) -> String {
        let digest = Sha256::digest(self.data);
        let mut hex = String::with_capacity(digest.len() * 2);
        for byte in digest {
            hex.push_str(&format!("{byte:02x}"));
        }
        hex
    }

    /// The decompressed bytes of member `name`: borrowed from the file when it is stored,
    /// decompressed otherwise; size and CRC-32 checked (at `open` for the members the schema
    /// references, else now).
    pub fn member(&self, name: &str) -> Result<Cow<'a, [u8]>> {
        let entry = self.archive.entry(name).ok_or_else(|| {
            Error::Zip(ZipError::MemberNotFound {
                member: name.to_owned(),
            })
        })?;
        if self.crc_checked.contains(name) {
            if let Some(bytes) = self.archive.stored_data_crc_checked(entry) {
                return Ok(Cow::Borrowed(bytes));
            }
        }
        read_member(&self.archive, entry)
    }

    /// [`SkopsFile::member`] for a validator: the bytes decompressed count against a budget of
    /// `limits.max_validation_read_factor` times what the file honestly needs
    /// ([`Plan::needed`]) plus `limits.max_validation_reread_size`.
    ///
    /// The validators read an array once per object that owns it, so a file whose thousands
    /// of objects share one large deflated member would have them decompress it thousands of
    /// times (hours of audit for a file of a few MB). Past the budget every read fails, so the
    /// validators stop quickly, and the trust layer's validation fails with
    /// [`FileError::ValidationBudget`] (see [`SkopsFile::validation_budget_error`]).
    pub fn validation_member(&self, name: &str) -> Result<Cow<'a, [u8]>> {
        if let Some(error) = self.validation_budget_error() {
            return Err(error);
        }
        let bytes = self.member(name)?;
        if let Cow::Owned(owned) = &bytes {
            self.charge_validation_read(owned.len() as u64, name)?;
        }
        Ok(bytes)
    }

    /// Counts `bytes` a validator decompressed from (or inside) member `member`; fails once
    /// the run's total is past the budget (see [`SkopsFile::validation_member`]).
    pub fn charge_validation_read(&self, bytes: u64, member: &str) -> Result<()> {
        let total = self
            .validation_reads
            .bytes
            .fetch_add(bytes, Ordering::Relaxed)
            .saturating_add(bytes);
        if total <= self.validation_budget() {
            return Ok(());
        }
        if let Ok(mut culprit) = self.validation_reads.culprit.lock() {
            culprit.get_or_insert_with(|| member.to_owned());
        }
        Err(self
            .validation_budget_error()
            .unwrap_or(Error::File(FileError::ValidationBudget {
                member: member.to_owned(),
                read: total,
                budget: self.validation_budget(),
            })))
    }

    /// What the validators may decompress in one run.
    fn validation_budget(&self) -> u64 {
        self.plan
            .needed
            .saturating_mul(self.limits.max_validation_read_factor)
            .saturating_add(self.limits.max_validation_reread_size)
    }

    /// The budget error, when the current run has read past the budget.
    pub fn validation_budget_error(&self) -> Option<Error> {
        let read = self.validation_reads.bytes.load(Ordering::Relaxed);
        let budget = self.validation_budget();
        (read > budget).then(|| {
            Error::File(FileError::ValidationBudget {
                member: self
                    .validation_reads
                    .culprit
                    .lock()
                    .ok()
                    .and_then(|culprit| culprit.clone())
                    .unwrap_or_default(),
                read,
                budget,
            })
        })
    }

    /// The `.npy` header of NdArrayNode `id` (stored as a `.npy` member), checked at open.
    pub fn array_header(&self, id: NodeId) -> Option<&NpyHeader> {
        match &self.schema.node(id).kind {
            NodeKind::NdArray(NdArrayStorage::Numpy { file }) => self.array_headers.get(file),
            _ => None,
        }
    }

    /// The schema's protocol (0, 1 or 2).
    pub fn protocol(&self) -> i64 {
        self.schema.protocol
    }

    /// The skops version that wrote the file (`_skops_version`), if recorded: any string, as
    /// skops never reads it.
    pub fn skops_version(&self) -> Option<&Text> {
        self.schema.skops_version.as_ref()
    }
}

/// Reads a whole file, refusing one larger than `limits.max_total_size` before reading it.
fn read_path(path: &Path, limits: &Limits) -> Result<Vec<u8>> {
    let io_error = |source| Error::Io {
        path: path.display().to_string(),
        source,
    };
    let size = std::fs::metadata(path).map_err(io_error)?.len();
    Limits::check("file size", size, limits.max_total_size)?;
    std::fs::read(path).map_err(io_error)
}

/// The numpy kind of each scalar type skops trusts on an NdArrayNode
/// (`NUMPY_DTYPE_TYPE_NAMES`), by class name in module `numpy`.
pub const SCALAR_KINDS: [(&str, char); 24] = [
    ("bool", 'b'),
    ("bytes_", 'S'),
    ("clongdouble", 'c'),
    ("complex128", 'c'),
    ("complex64", 'c'),
    ("datetime64", 'M'),
    ("float16", 'f'),
    ("float32", 'f'),
    ("float64", 'f'),
    ("int16", 'i'),
    ("int32", 'i'),
    ("int64", 'i'),
    ("int8", 'i'),
    ("longdouble", 'f'),
    ("longlong", 'i'),
    ("object_", 'O'),
    ("str_", 'U'),
    ("timedelta64", 'm'),
    ("uint16", 'u'),
    ("uint32", 'u'),
    ("uint64", 'u'),
    ("uint8", 'u'),
    ("ulonglong", 'u'),
    ("void", 'V'),
];

/// Refuses an NdArrayNode that names one of skops' trusted numpy scalar types
/// ([`SCALAR_KINDS`]) and holds anything but a 0-d array of that type's kind. skops writes
/// such a node only for a numpy scalar (`np.save` of the scalar); loading calls the type on
/// the array, which converts all of it: a copy of another size (an int8 member becomes 32
/// times larger as `clongdouble`) and of other values (`int16` wraps 40000 to -25536, `int64`
/// makes an integer of a float the width checks do not read as one) than the member the
/// validators and the budget read. Within a kind the item size may differ (`longdouble` is 8
/// bytes on some platforms).
fn check_scalar_arrays(schema: &Schema, headers: &HashMap<String, NpyHeader>) -> Result<()> {
    for (id, node) in schema.nodes() {
        let NodeKind::NdArray(NdArrayStorage::Numpy { file }) = &node.kind else {
            continue;
        };
        if node.module != "numpy" {
            continue;
        }
        let Some(&(_, kind)) = SCALAR_KINDS.iter().find(|(class, _)| *class == node.class) else {
            continue;
        };
        let Some(header) = headers.get(file.as_str()) else {
            continue;
        };
        let same_kind = match &header.descr {
            Descr::Simple(type_str) => type_str.kind == kind,
            // A structured scalar is a `numpy.void`.
            Descr::Structured(_) => kind == 'V',
        };
        if header.shape.is_empty() && same_kind {
            continue;
        }
        return Err(Error::File(FileError::ScalarArray {
            path: crate::schema::path::node_path(schema, id),
            class: node.type_name(),
            dtype: header.descr.to_python_repr(),
            shape: header.shape.clone(),
        }));
    }
    Ok(())
}

/// A member's bytes: borrowed when stored (and its CRC-32 matches), decompressed otherwise.
fn read_member<'a>(archive: &Archive<'a>, entry: &Entry) -> Result<Cow<'a, [u8]>> {
    match archive.stored_data(entry) {
        Some(bytes) => Ok(Cow::Borrowed(bytes)),
        None => archive.read_entry(entry).map(Cow::Owned),
    }
}

/// What [`check_members`] learnt about the members.
struct Checked {
    /// The `.npy` headers by member name.
    array_headers: HashMap<String, NpyHeader>,
    /// The stored members whose CRC-32 matched.
    crc_checked: HashSet<String>,
    /// What loading materialises from the members.
    plan: Plan,
}

/// Checks every member the schema references, then what loading will materialise from them.
fn check_members(archive: &Archive<'_>, schema: &Schema, limits: &Limits) -> Result<Checked> {
    // Members in the order nodes reference them, each with what its nodes need.
    let mut order: Vec<&str> = Vec::new();
    let mut uses: HashMap<&str, Uses> = HashMap::new();
    for (id, node) in schema.nodes() {
        let Some((file, form)) = budget::named_member(&node.kind) else {
            continue;
        };
        let slot = uses.entry(file).or_insert_with(|| {
            order.push(file);
            Uses::default()
        });
        slot.first_node.get_or_insert(id);
        match form {
            Form::Array => slot.array = true,
            Form::Sparse => slot.sparse = true,
            // Bytes members need nothing beyond being readable (CRC-32 checked below).
            Form::Bytes => {}
        }
    }

    // Paths are only needed for errors; the build order is computed then.
    let path_of = |id: Option<NodeId>| -> String {
        id.map(|id| crate::schema::path::node_path(schema, id))
            .unwrap_or_default()
    };
    let mut headers = HashMap::new();
    let mut crc_checked = HashSet::new();
    // The uncompressed size of each member, and of the members inside each sparse one.
    let mut sizes: HashMap<&str, u64> = HashMap::new();
    let mut inner_sizes: HashMap<&str, u64> = HashMap::new();
    for member in order {
        let Some(&use_) = uses.get(member) else {
            continue;
        };
        let entry = archive.entry(member).ok_or_else(|| {
            Error::File(FileError::MemberMissing {
                member: member.to_owned(),
                path: path_of(use_.first_node),
            })
        })?;
        // Zip errors (CRC, corrupt stream) name the member themselves.
        let bytes = read_member(archive, entry)?;
        if matches!(bytes, Cow::Borrowed(_)) {
            crc_checked.insert(member.to_owned());
        }
        let invalid = |source: Error| {
            Error::File(FileError::MemberInvalid {
                member: member.to_owned(),
                path: path_of(use_.first_node),
                source: Box::new(source),
            })
        };
        if use_.array {
            let view = read_npy(&bytes, limits).map_err(invalid)?;
            headers.insert(member.to_owned(), view.header);
        }
        if use_.sparse {
            let inner = check_sparse(&bytes, limits).map_err(invalid)?;
            inner_sizes.insert(member, inner);
        }
        sizes.insert(member, entry.uncompressed_size);
    }
    check_scalar_arrays(schema, &headers)?;
    // Sizes were all read above; a member missing from the maps cannot occur.
    let plan = budget::check(
        schema,
        |member, form| {
            let size = sizes.get(member).copied().unwrap_or(0);
            match form {
                Form::Sparse => size.saturating_add(inner_sizes.get(member).copied().unwrap_or(0)),
                Form::Array | Form::Bytes => size,
            }
        },
        |member| {
            headers
                .get(member)
                .and_then(NpyHeader::element_count)
                .unwrap_or(0)
        },
        limits,
    )?;
    Ok(Checked {
        array_headers: headers,
        crc_checked,
        plan,
    })
}

/// Opens a sparse `.npz` member (a zip of `.npy` members) and checks its structure; returns
/// the sum of its members' uncompressed sizes (what loading it decompresses and copies).
fn check_sparse(bytes: &[u8], limits: &Limits) -> Result<u64> {
    let inner = Archive::parse(bytes, limits)?;
    let mut members: Vec<(&str, Cow<'_, [u8]>)> = Vec::with_capacity(inner.entries().len());
    let mut total = 0u64;
    for entry in inner.entries() {
        members.push((entry.name.as_str(), read_member(&inner, entry)?));
        total = total.saturating_add(entry.uncompressed_size);
    }
    let borrowed = members
        .iter()
        .map(|(name, bytes)| (*name, bytes.as_ref()))
        .collect();
    Sparse::from_members(borrowed, limits)?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{NpyError, NpzError};

    use crate::container::{ArchiveWriter, WriteCompression};

    fn npy(shape: &[u64], data_len: usize) -> Vec<u8> {
        let mut bytes = crate::npy::write_header(&header("'<f8'", shape)).unwrap();
        bytes.extend(std::iter::repeat_n(0u8, data_len));
        bytes
    }

    fn schema_with(body: &str) -> String {
        format!(r#"{{{body}, "protocol": 2, "_skops_version": "0.16.0"}}"#)
    }

    const ARRAY_ROOT: &str = r#""__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "1.npy", "__id__": 1"#;

    fn archive(members: &[(&str, &[u8])], compression: WriteCompression) -> Vec<u8> {
        let mut writer = ArchiveWriter::new(compression);
        for (name, bytes) in members {
            writer.add(name, bytes).unwrap();
        }
        writer.finish().unwrap()
    }

    #[test]
    fn reopen_attaches_what_open_checked_to_the_same_bytes() {
        let schema = schema_with(ARRAY_ROOT);
        let array = npy(&[2], 16);
        let bytes = archive(
            &[("1.npy", &array), ("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        let checked = SkopsFile::open(&bytes, &Limits::default())
            .unwrap()
            .into_checked();
        let file = SkopsFile::reopen(&bytes, checked.clone(), &Limits::default()).unwrap();
        assert_eq!(
            file.array_header(file.schema().root()).unwrap().shape,
            vec![2]
        );
        assert_eq!(&*file.member("1.npy").unwrap(), array.as_slice());

        // Other bytes that lack a member the schema references are refused.
        let other = archive(
            &[("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        assert!(matches!(
            SkopsFile::reopen(&other, checked, &Limits::default()),
            Err(Error::File(FileError::MemberMissing { member, .. })) if member == "1.npy"
        ));
    }

    #[test]
    fn opens_a_small_file_and_reads_members() {
        let schema = schema_with(ARRAY_ROOT);
        let array = npy(&[2], 16);
        for compression in [
            WriteCompression::Stored,
            WriteCompression::Deflated { level: 6 },
        ] {
            let bytes = archive(
                &[("1.npy", &array), ("schema.json", schema.as_bytes())],
                compression,
            );
            let file = SkopsFile::open(&bytes, &Limits::default()).unwrap();
            assert_eq!(file.protocol(), 2);
            assert_eq!(file.skops_version().unwrap(), "0.16.0");
            let header = file.array_header(file.schema().root()).unwrap();
            assert_eq!(header.shape, vec![2]);
            let member = file.member("1.npy").unwrap();
            assert_eq!(&*member, array.as_slice());
            assert_eq!(
                matches!(member, Cow::Borrowed(_)),
                compression == WriteCompression::Stored
            );
            assert!(matches!(
                file.member("2.npy"),
                Err(Error::Zip(ZipError::MemberNotFound { member })) if member == "2.npy"
            ));
            assert_eq!(file.sha256().len(), 64);
            assert_eq!(file.archive().entries().len(), 2);
        }
    }

    #[test]
    fn sha256_is_of_the_whole_file() {
        let schema = schema_with(ARRAY_ROOT);
        let bytes = archive(
            &[("1.npy", &npy(&[1], 8)), ("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        let file = SkopsFile::open(&bytes, &Limits::default()).unwrap();
        let expected: String = Sha256::digest(&bytes)
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        assert_eq!(file.sha256(), expected);
    }

    #[test]
    fn refuses_a_schema_with_a_byte_order_mark() {
        let schema = format!("\u{feff}{}", schema_with(ARRAY_ROOT));
        let bytes = archive(
            &[("1.npy", &npy(&[1], 8)), ("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        assert!(matches!(
            SkopsFile::open(&bytes, &Limits::default()),
            Err(Error::Json(JsonError::Syntax { offset: 0, .. }))
        ));
    }

    #[test]
    fn refuses_missing_schema_and_oversized_schema() {
        let bytes = archive(&[("1.npy", &npy(&[1], 8))], WriteCompression::Stored);
        assert!(matches!(
            SkopsFile::open(&bytes, &Limits::default()),
            Err(Error::File(FileError::SchemaMissing))
        ));
        let schema = schema_with(ARRAY_ROOT);
        let bytes = archive(
            &[("1.npy", &npy(&[1], 8)), ("schema.json", schema.as_bytes())],
            WriteCompression::Deflated { level: 6 },
        );
        let limits = Limits {
            max_schema_size: 10,
            ..Limits::default()
        };
        assert!(matches!(
            SkopsFile::open(&bytes, &limits),
            Err(Error::LimitExceeded { what, limit: 10, .. }) if what.contains("schema.json")
        ));
    }

    #[test]
    fn refuses_missing_and_invalid_members_naming_the_node() {
        let schema = schema_with(
            r#""__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [
                {"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "1.npy", "__id__": 2},
                {"__class__": "bytes", "__module__": "builtins", "__loader__": "BytesNode", "file": "b.bin", "__id__": 3}
            ], "__id__": 1"#,
        );
        let missing = archive(
            &[("1.npy", &npy(&[1], 8)), ("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        match SkopsFile::open(&missing, &Limits::default()) {
            Err(Error::File(FileError::MemberMissing { member, path })) => {
                assert_eq!(member, "b.bin");
                assert_eq!(path, "[1]");
            }
            other => panic!("{other:?}"),
        }
        let short = archive(
            &[
                ("1.npy", &npy(&[4], 8)),
                ("b.bin", b"x"),
                ("schema.json", schema.as_bytes()),
            ],
            WriteCompression::Stored,
        );
        match SkopsFile::open(&short, &Limits::default()) {
            Err(Error::File(FileError::MemberInvalid {
                member,
                path,
                source,
            })) => {
                assert_eq!(member, "1.npy");
                assert_eq!(path, "[0]");
                assert!(
                    matches!(*source, Error::Npy(NpyError::DataLength { .. })),
                    "{source:?}"
                );
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn checks_sparse_members() {
        let schema = schema_with(
            r#""__class__": "csr_matrix", "__module__": "scipy.sparse._csr", "__loader__": "SparseMatrixNode", "type": "scipy", "file": "1.npz", "__id__": 1"#,
        );
        let (indices, indptr, data) = (
            header("'<i4'", &[1]),
            header("'<i4'", &[2]),
            header("'<f8'", &[1]),
        );
        let members = crate::npz::sparse_to_members(
            crate::npz::SparseFormat::Csr,
            (1, 1),
            false,
            &[
                ("indices", indices, &0i32.to_le_bytes()),
                ("indptr", indptr, &[0, 0, 0, 0, 1, 0, 0, 0]),
                ("data", data, &1.0f64.to_le_bytes()),
            ],
        )
        .unwrap();
        let refs: Vec<(&str, &[u8])> = members
            .iter()
            .map(|(name, bytes)| (name.as_str(), bytes.as_slice()))
            .collect();
        let npz = archive(&refs, WriteCompression::Deflated { level: 6 });
        let good = archive(
            &[("1.npz", &npz), ("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        let file = SkopsFile::open(&good, &Limits::default()).unwrap();
        // Loading a sparse matrix materialises the `.npz` and every member inside it.
        let inner: u64 = Archive::parse(&npz, &Limits::default())
            .unwrap()
            .entries()
            .iter()
            .map(|entry| entry.uncompressed_size)
            .sum();
        let expected = npz.len() as u64 + inner;
        assert_eq!(
            file.materialisation(),
            Plan {
                planned: expected,
                needed: expected
            }
        );
        let broken_npz = archive(&refs[..1], WriteCompression::Deflated { level: 6 });
        let bad = archive(
            &[("1.npz", &broken_npz), ("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        match SkopsFile::open(&bad, &Limits::default()) {
            Err(Error::File(FileError::MemberInvalid { member, source, .. })) => {
                assert_eq!(member, "1.npz");
                assert!(
                    matches!(*source, Error::Npz(NpzError::MissingMember { .. })),
                    "{source:?}"
                );
            }
            other => panic!("{other:?}"),
        }
        let not_zip = archive(
            &[("1.npz", b"not a zip"), ("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        assert!(matches!(
            SkopsFile::open(&not_zip, &Limits::default()),
            Err(Error::File(FileError::MemberInvalid { source, .. })) if matches!(*source, Error::Zip(ZipError::NotAnArchive))
        ));
    }

    #[test]
    fn refuses_a_member_named_by_many_nodes_past_the_allowance() {
        // Ten nodes with their own `__id__` name one 1,000-element array: ten copies of 8,128
        // bytes where the file needs one; `__id__` 2 again is the same node and costs nothing.
        let item = |id: u64| {
            format!(
                r#"{{"__class__": "ndarray", "__module__": "numpy", "__loader__": "NdArrayNode", "type": "numpy", "file": "1.npy", "__id__": {id}}}"#
            )
        };
        let mut items: Vec<String> = (2..12).map(item).collect();
        items.insert(1, item(2));
        let schema = schema_with(&format!(
            r#""__class__": "list", "__module__": "builtins", "__loader__": "ListNode", "content": [{}], "__id__": 1"#,
            items.join(", ")
        ));
        let array = npy(&[1000], 8000);
        let size = array.len() as u64;
        let bytes = archive(
            &[("1.npy", &array), ("schema.json", schema.as_bytes())],
            WriteCompression::Deflated { level: 6 },
        );
        let file = SkopsFile::open(&bytes, &Limits::default()).unwrap();
        assert_eq!(
            file.materialisation(),
            Plan {
                planned: 10 * size,
                needed: size
            }
        );
        let strict = Limits {
            max_rematerialised_size: 8 * size,
            ..Limits::default()
        };
        match SkopsFile::open(&bytes, &strict) {
            Err(Error::File(FileError::MaterialisationBudget {
                member,
                path,
                planned,
                budget,
            })) => {
                assert_eq!(member, "1.npy");
                // The tenth distinct node (list item 10: item 1 repeats item 0) is the ninth
                // repeat, the one past eight.
                assert_eq!(path, "[10]");
                assert_eq!((planned, budget), (10 * size, 9 * size));
            }
            other => panic!("{other:?}"),
        }
        // Checked once at open: a reopened file keeps the plan.
        let checked = file.into_checked();
        let reopened = SkopsFile::reopen(&bytes, checked, &Limits::default()).unwrap();
        assert_eq!(reopened.materialisation().planned, 10 * size);
    }

    fn header(descr: &str, shape: &[u64]) -> NpyHeader {
        NpyHeader {
            descr: crate::npy::Descr::parse(descr).unwrap(),
            fortran_order: false,
            shape: shape.to_vec(),
        }
    }

    #[test]
    fn open_path_reads_the_file_and_names_a_missing_path() {
        let schema = schema_with(ARRAY_ROOT);
        let bytes = archive(
            &[("1.npy", &npy(&[1], 8)), ("schema.json", schema.as_bytes())],
            WriteCompression::Stored,
        );
        let folder = tempfile::tempdir().unwrap();
        let dir = folder.path();
        let path = dir.join("a.skops");
        std::fs::write(&path, &bytes).unwrap();
        let mut buffer = Vec::new();
        let file = SkopsFile::open_path(&path, &Limits::default(), &mut buffer).unwrap();
        assert_eq!(file.protocol(), 2);
        let missing = dir.join("missing.skops");
        let mut buffer = Vec::new();
        match SkopsFile::open_path(&missing, &Limits::default(), &mut buffer) {
            Err(Error::Io { path, .. }) => assert!(path.ends_with("missing.skops")),
            other => panic!("{other:?}"),
        }
    }
}
