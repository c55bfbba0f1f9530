//! Tests of the container layer: Python-made reference archives, round trips through our
//! writer, hostile archives made by mutating valid bytes, and property tests.

use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::*;
use crate::error::ZipError;
use crate::limits::Limits;
use crate::{Error, Result};

/// The reference archives made by `tests/data/zip/make_zips.py`.
const REFERENCE_ARCHIVES: &[(&str, &[u8])] = &[
    (
        "stored.zip",
        include_bytes!("../../tests/data/zip/stored.zip"),
    ),
    (
        "deflated.zip",
        include_bytes!("../../tests/data/zip/deflated.zip"),
    ),
    (
        "bzip2.zip",
        include_bytes!("../../tests/data/zip/bzip2.zip"),
    ),
    ("lzma.zip", include_bytes!("../../tests/data/zip/lzma.zip")),
    (
        "zip64_stored.zip",
        include_bytes!("../../tests/data/zip/zip64_stored.zip"),
    ),
    (
        "zip64_deflated.zip",
        include_bytes!("../../tests/data/zip/zip64_deflated.zip"),
    ),
    (
        "descriptor_stored.zip",
        include_bytes!("../../tests/data/zip/descriptor_stored.zip"),
    ),
    (
        "descriptor_deflated.zip",
        include_bytes!("../../tests/data/zip/descriptor_deflated.zip"),
    ),
    (
        "descriptor_zip64.zip",
        include_bytes!("../../tests/data/zip/descriptor_zip64.zip"),
    ),
    (
        "comment.zip",
        include_bytes!("../../tests/data/zip/comment.zip"),
    ),
    (
        "unicode.zip",
        include_bytes!("../../tests/data/zip/unicode.zip"),
    ),
];

const MANIFEST: &str = include_str!("../../tests/data/zip/manifest.txt");

fn reference(name: &str) -> &'static [u8] {
    REFERENCE_ARCHIVES
        .iter()
        .find(|(archive, _)| *archive == name)
        .map(|(_, bytes)| *bytes)
        .unwrap()
}

fn parse(bytes: &[u8]) -> Result<Archive<'_>> {
    Archive::parse(bytes, &Limits::default())
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn write(compression: WriteCompression, members: &[(&str, &[u8])]) -> Vec<u8> {
    let mut writer = ArchiveWriter::new(compression);
    for (name, data) in members {
        writer.add(name, data).unwrap();
    }
    writer.finish().unwrap()
}

fn le16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes(bytes[at..at + 2].try_into().unwrap())
}

fn le32(bytes: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

fn set16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

fn set32(bytes: &mut [u8], at: usize, value: u32) {
    bytes[at..at + 4].copy_from_slice(&value.to_le_bytes());
}

/// Offset of the end of central directory record of an archive without comment.
fn end_record(bytes: &[u8]) -> usize {
    let at = bytes.len() - 22;
    assert_eq!(le32(bytes, at), 0x0605_4b50);
    at
}

/// Offsets of the central directory entries of an archive without comment or zip64 end.
fn central_entries(bytes: &[u8]) -> Vec<usize> {
    let end = end_record(bytes);
    let count = le16(bytes, end + 10);
    let mut at = le32(bytes, end + 16) as usize;
    let mut offsets = Vec::new();
    for _ in 0..count {
        offsets.push(at);
        at += 46
            + usize::from(le16(bytes, at + 28))
            + usize::from(le16(bytes, at + 30))
            + usize::from(le16(bytes, at + 32));
    }
    offsets
}

/// Offset of the local header of central directory entry `cd`.
fn local_of(bytes: &[u8], cd: usize) -> usize {
    le32(bytes, cd + 42) as usize
}

/// Replaces every occurrence of `from` by `to` (same length): names appear in both headers.
fn replace_all(bytes: &mut [u8], from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut count = 0;
    let mut at = 0;
    while at + from.len() <= bytes.len() {
        if &bytes[at..at + from.len()] == from {
            bytes[at..at + from.len()].copy_from_slice(to);
            count += 1;
            at += from.len();
        } else {
            at += 1;
        }
    }
    count
}

/// Parses and reads every member: the contract is "an error or the right bytes, no panic".
fn parse_and_read_all(bytes: &[u8]) -> Result<Vec<Vec<u8>>> {
    let archive = parse(bytes)?;
    archive
        .entries()
        .iter()
        .map(|entry| archive.read_entry(entry))
        .collect()
}

// ----- reference archives written by Python -----------------------------------------------

#[test]
fn reads_every_reference_archive_member_with_the_right_bytes() {
    let mut checked = 0;
    for (archive_name, bytes) in REFERENCE_ARCHIVES {
        let archive = parse(bytes).unwrap_or_else(|e| panic!("{archive_name}: {e}"));
        let expected: Vec<(&str, usize, &str)> = MANIFEST
            .lines()
            .filter_map(|line| {
                let fields: Vec<&str> = line.split('\t').collect();
                (fields[0] == *archive_name)
                    .then(|| (fields[1], fields[2].parse().unwrap(), fields[3]))
            })
            .collect();
        assert!(
            !expected.is_empty(),
            "{archive_name} is not in the manifest"
        );
        let names: Vec<&str> = archive.entries().iter().map(|e| e.name.as_str()).collect();
        let expected_names: Vec<&str> = expected.iter().map(|(name, _, _)| *name).collect();
        assert_eq!(names, expected_names, "{archive_name}");
        for (name, size, digest) in expected {
            let data = archive
                .read(name)
                .unwrap_or_else(|e| panic!("{archive_name}: {e}"));
            assert_eq!(data.len(), size, "{archive_name}/{name}");
            assert_eq!(sha256_hex(&data), digest, "{archive_name}/{name}");
            let entry = archive.entry(name).unwrap();
            assert_eq!(entry.uncompressed_size, size as u64);
            if entry.compression == Compression::Stored {
                assert_eq!(archive.stored_data(entry), Some(&data[..]));
            } else {
                assert_eq!(archive.stored_data(entry), None);
            }
            checked += 1;
        }
    }
    assert_eq!(checked, MANIFEST.lines().count());
}

#[test]
fn reference_archives_use_the_expected_compression() {
    for (archive_name, compression) in [
        ("stored.zip", Compression::Stored),
        ("deflated.zip", Compression::Deflated),
        ("bzip2.zip", Compression::Bzip2),
        ("lzma.zip", Compression::Lzma),
        ("descriptor_stored.zip", Compression::Stored),
        ("descriptor_zip64.zip", Compression::Deflated),
    ] {
        let archive = parse(reference(archive_name)).unwrap();
        for entry in archive.entries() {
            assert_eq!(
                entry.compression, compression,
                "{archive_name}/{}",
                entry.name
            );
        }
    }
}

#[test]
fn reads_the_archive_comment() {
    assert_eq!(
        parse(reference("comment.zip")).unwrap().comment(),
        b"made by make_zips.py"
    );
    assert_eq!(parse(reference("stored.zip")).unwrap().comment(), b"");
}

#[test]
fn looks_members_up_by_name() {
    let archive = parse(reference("unicode.zip")).unwrap();
    assert_eq!(archive.read("模型/schema.json").unwrap(), b"{}");
    assert_eq!(archive.entry("données.bin").unwrap().uncompressed_size, 100);
    assert!(archive.entry("donnees.bin").is_none());
    let error = archive.read("missing.npy").unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::MemberNotFound { member }) if member == "missing.npy"),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "zip archive has no member `missing.npy`");
}

// ----- writer -------------------------------------------------------------------------------

const SAMPLE: &[(&str, &[u8])] = &[
    (
        "140525243967568.npy",
        b"\x93NUMPY\x01\x00 array bytes array bytes array bytes",
    ),
    ("empty.bin", b""),
    ("données/模型.bin", b"non-ascii name"),
    ("schema.json", b"{\n  \"protocol\": 2\n}"),
];

#[test]
fn writer_output_round_trips_for_every_compression() {
    for compression in [
        WriteCompression::Stored,
        WriteCompression::Deflated { level: 0 },
        WriteCompression::Deflated { level: 1 },
        WriteCompression::Deflated { level: 6 },
        WriteCompression::Deflated { level: 9 },
    ] {
        let bytes = write(compression, SAMPLE);
        let archive = parse(&bytes).unwrap();
        let names: Vec<&str> = archive.entries().iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, SAMPLE.iter().map(|(n, _)| *n).collect::<Vec<_>>());
        for (name, data) in SAMPLE {
            assert_eq!(archive.read(name).unwrap(), *data, "{compression:?} {name}");
            let entry = archive.entry(name).unwrap();
            assert_eq!(entry.crc32, crc32fast::hash(data));
            let expected = match compression {
                WriteCompression::Stored => Compression::Stored,
                WriteCompression::Deflated { .. } => Compression::Deflated,
            };
            assert_eq!(entry.compression, expected);
        }
    }
}

#[test]
fn writer_sets_python_header_fields() {
    let bytes = write(WriteCompression::Stored, SAMPLE);
    for (cd, (name, _)) in central_entries(&bytes).into_iter().zip(SAMPLE) {
        assert_eq!(
            le16(&bytes, cd + 4),
            (3 << 8) | 20,
            "version made by: Unix, 2.0"
        );
        let utf8 = le16(&bytes, cd + 8) & (1 << 11) != 0;
        assert_eq!(
            utf8,
            !name.is_ascii(),
            "UTF-8 flag only for non-ASCII: {name}"
        );
        assert_eq!(le32(&bytes, cd + 38), 0o600 << 16, "external attributes");
        let local = local_of(&bytes, cd);
        assert_eq!(le16(&bytes, local + 6), le16(&bytes, cd + 8), "same flags");
    }
}

#[test]
fn writer_timestamps_in_dos_format() {
    // 2024-01-02 03:04:06 UTC.
    let mut writer =
        ArchiveWriter::new(WriteCompression::Stored).with_modification_time(1_704_164_646);
    writer.add("a", b"x").unwrap();
    let bytes = writer.finish().unwrap();
    let cd = central_entries(&bytes)[0];
    assert_eq!(le16(&bytes, cd + 12), (3 << 11) | (4 << 5) | 3);
    assert_eq!(le16(&bytes, cd + 14), ((2024 - 1980) << 9) | (1 << 5) | 2);
    // The same fields as the Python reference archive made at that time.
    let python = reference("stored.zip");
    let python_cd = central_entries(python)[0];
    assert_eq!(le16(python, python_cd + 12), le16(&bytes, cd + 12));
    assert_eq!(le16(python, python_cd + 14), le16(&bytes, cd + 14));
}

#[test]
fn dos_dates_are_clamped_and_computed() {
    assert_eq!(write::dos_date_time(0), (0, (1 << 5) | 1));
    // 2000-02-29 23:59:59 (a leap day).
    let (time, date) = write::dos_date_time(951_868_799);
    assert_eq!(time, (23 << 11) | (59 << 5) | 29);
    assert_eq!(date, (20 << 9) | (2 << 5) | 29);
}

#[test]
fn writer_refuses_bad_names_duplicates_and_levels() {
    let mut writer = ArchiveWriter::new(WriteCompression::Stored);
    writer.add("a.npy", b"1").unwrap();
    assert!(matches!(
        writer.add("a.npy", b"2"),
        Err(Error::Zip(ZipError::DuplicateMember { member })) if member == "a.npy"
    ));
    for name in ["", "../x", "/abs", "C:x", "a\\b", "nul\0"] {
        assert!(
            matches!(
                writer.add(name, b""),
                Err(Error::Zip(ZipError::InvalidName { .. }))
            ),
            "{name:?}"
        );
    }
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 10 });
    assert!(matches!(
        writer.add("a", b""),
        Err(Error::Zip(ZipError::InvalidCompressionLevel { level: 10 }))
    ));
}

#[test]
fn writer_deflate_compresses_repetitive_data() {
    let data = vec![7u8; 1 << 20];
    let bytes = write(
        WriteCompression::Deflated { level: 6 },
        &[("zeros.bin", &data)],
    );
    assert!(bytes.len() < 10_000, "{} bytes", bytes.len());
    assert_eq!(parse(&bytes).unwrap().read("zeros.bin").unwrap(), data);
}

#[test]
fn writer_uses_zip64_end_records_above_65535_members() {
    let mut writer = ArchiveWriter::with_capacity(WriteCompression::Stored, 8 << 20);
    let count: u32 = 70_000;
    for index in 0..count {
        writer
            .add(&format!("{index}.npy"), &index.to_le_bytes())
            .unwrap();
    }
    let bytes = writer.finish().unwrap();
    let end = bytes.len() - 22;
    assert_eq!(
        le16(&bytes, end + 10),
        0xFFFF,
        "count saturated in the classic record"
    );
    assert_eq!(
        le32(&bytes, end - 20),
        0x0706_4b50,
        "zip64 locator before it"
    );
    let archive = parse(&bytes).unwrap();
    assert_eq!(archive.entries().len(), count as usize);
    assert_eq!(archive.read("69999.npy").unwrap(), 69_999u32.to_le_bytes());
    assert_eq!(archive.entries()[12_345].name, "12345.npy");
}

// ----- names --------------------------------------------------------------------------------

#[test]
fn decodes_unflagged_names_as_cp437() {
    let mut bytes = write(WriteCompression::Stored, &[("caf_.bin", b"x")]);
    assert_eq!(replace_all(&mut bytes, b"caf_", b"caf\x82"), 2);
    let archive = parse(&bytes).unwrap();
    assert_eq!(archive.entries()[0].name, "café.bin");
    assert_eq!(archive.read("café.bin").unwrap(), b"x");
}

#[test]
fn refuses_invalid_utf8_in_flagged_names() {
    let mut bytes = write(WriteCompression::Stored, &[("é.bin", b"x")]);
    // "é" is C3 A9 in UTF-8; C3 28 is not valid UTF-8.
    assert_eq!(replace_all(&mut bytes, "é".as_bytes(), b"\xc3\x28"), 2);
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::InvalidName { .. }))
    ));
}

#[test]
fn refuses_path_traversal_and_absolute_names() {
    for bad in [&b"../x"[..], b"/etc", b"C:/x", b"a\\b", b"a\0bc"] {
        let placeholder = vec![b'q'; bad.len()];
        let name = String::from_utf8(placeholder.clone()).unwrap();
        let mut bytes = write(WriteCompression::Stored, &[(&name, b"data")]);
        assert_eq!(replace_all(&mut bytes, &placeholder, bad), 2);
        let error = parse(&bytes).unwrap_err();
        assert!(
            matches!(error, Error::Zip(ZipError::InvalidName { .. })),
            "{bad:?}: {error:?}"
        );
    }
}

#[test]
fn refuses_duplicate_names() {
    let mut bytes = write(
        WriteCompression::Stored,
        &[("m1.npy", b"one"), ("m2.npy", b"two")],
    );
    assert_eq!(replace_all(&mut bytes, b"m2.npy", b"m1.npy"), 2);
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::DuplicateMember { member }) if member == "m1.npy"),
        "{error:?}"
    );
}

// ----- hostile archives -----------------------------------------------------------------------

#[test]
fn every_truncation_is_an_error() {
    let bytes = write(WriteCompression::Deflated { level: 6 }, SAMPLE);
    for len in 0..bytes.len() {
        assert!(
            parse(&bytes[..len]).is_err(),
            "prefix of {len} bytes parsed"
        );
    }
    let error = parse(&bytes[..bytes.len() - 1]).unwrap_err();
    assert!(
        matches!(error, Error::Zip(ZipError::Truncated { .. })),
        "{error:?}"
    );
    assert!(matches!(
        parse(b"hello world"),
        Err(Error::Zip(ZipError::NotAnArchive))
    ));
    assert!(matches!(
        parse(b""),
        Err(Error::Zip(ZipError::NotAnArchive))
    ));
}

#[test]
fn truncated_member_data_is_reported_as_truncated() {
    let bytes = write(WriteCompression::Stored, &[("a.bin", &[1u8; 100])]);
    // Keep the central directory but claim a local header past the end of the file.
    let mut moved = bytes.clone();
    let cd = central_entries(&moved)[0];
    set32(&mut moved, cd + 42, 90);
    let error = parse(&moved).unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Zip(ZipError::BadSignature { .. }) | Error::Zip(ZipError::Truncated { .. })
        ),
        "{error:?}"
    );
    let mut far = bytes;
    set32(&mut far, cd + 42, 0x7FFF_0000);
    let error = parse(&far).unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::Truncated { what, .. }) if what.contains("a.bin")),
        "{error:?}"
    );
}

#[test]
fn bad_crc_is_detected_on_read() {
    let mut bytes = write(WriteCompression::Stored, &[("a.bin", b"payload bytes")]);
    assert_eq!(replace_all(&mut bytes, b"payload", b"PAYLOAD"), 1);
    let archive = parse(&bytes).unwrap();
    let entry = archive.entry("a.bin").unwrap();
    assert_eq!(archive.stored_data(entry), None);
    let error = archive.read("a.bin").unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::CrcMismatch { member, .. }) if member == "a.bin"),
        "{error:?}"
    );

    let mut bytes = write(
        WriteCompression::Deflated { level: 6 },
        &[("b.bin", &[3u8; 1000])],
    );
    let cd = central_entries(&bytes)[0];
    let local = local_of(&bytes, cd);
    let crc = le32(&bytes, cd + 16) ^ 1;
    set32(&mut bytes, cd + 16, crc);
    set32(&mut bytes, local + 14, crc);
    assert!(matches!(
        parse(&bytes).unwrap().read("b.bin"),
        Err(Error::Zip(ZipError::CrcMismatch { .. }))
    ));
}

/// Sets a member's declared uncompressed size in both its headers.
fn set_uncompressed_size(bytes: &mut [u8], index: usize, size: u32) {
    let cd = central_entries(bytes)[index];
    let local = local_of(bytes, cd);
    set32(bytes, cd + 24, size);
    set32(bytes, local + 22, size);
}

#[test]
fn inflating_past_the_declared_size_is_an_error() {
    let data = vec![5u8; 100_000];
    let mut bytes = write(
        WriteCompression::Deflated { level: 6 },
        &[("big.bin", &data)],
    );
    set_uncompressed_size(&mut bytes, 0, 1000);
    let error = parse(&bytes).unwrap().read("big.bin").unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::MemberTooLong { member, declared: 1000 }) if member == "big.bin"),
        "{error:?}"
    );
}

#[test]
fn ending_before_the_declared_size_is_an_error() {
    let mut bytes = write(
        WriteCompression::Deflated { level: 6 },
        &[("small.bin", &[1u8; 500])],
    );
    set_uncompressed_size(&mut bytes, 0, 600);
    let error = parse(&bytes).unwrap().read("small.bin").unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Zip(ZipError::MemberTooShort { member, declared: 600, found: 500 }) if member == "small.bin"
        ),
        "{error:?}"
    );
}

#[test]
fn other_methods_also_stop_at_the_declared_size() {
    for archive_name in ["bzip2.zip", "lzma.zip"] {
        let mut bytes = reference(archive_name).to_vec();
        // Member 0 is the 5,613-byte `.npy`.
        set_uncompressed_size(&mut bytes, 0, 1000);
        let error = parse(&bytes)
            .unwrap()
            .read("140525243967568.npy")
            .unwrap_err();
        assert!(
            matches!(error, Error::Zip(ZipError::MemberTooLong { .. })),
            "{archive_name}: {error:?}"
        );

        let mut bytes = reference(archive_name).to_vec();
        set_uncompressed_size(&mut bytes, 0, 6000);
        let error = parse(&bytes)
            .unwrap()
            .read("140525243967568.npy")
            .unwrap_err();
        assert!(
            matches!(error, Error::Zip(ZipError::MemberTooShort { .. })),
            "{archive_name}: {error:?}"
        );
    }
}

#[test]
fn corrupt_streams_are_errors() {
    for archive_name in ["deflated.zip", "bzip2.zip", "lzma.zip"] {
        let mut bytes = reference(archive_name).to_vec();
        let archive = parse(&bytes).unwrap();
        let entry = archive.entry("140525243967568.npy").unwrap().clone();
        let start = entry.data_offset;
        drop(archive);
        for byte in &mut bytes[start..start + 40] {
            *byte ^= 0x5A;
        }
        let archive = parse(&bytes).unwrap();
        let error = archive.read_entry(&entry).unwrap_err();
        assert_eq!(error.kind(), "zip-corrupt-data", "{archive_name}: {error}");
    }
}

#[test]
fn compression_bombs_are_refused_before_decompressing() {
    // A tiny member that claims to inflate to 1 GiB.
    let mut bytes = write(
        WriteCompression::Deflated { level: 9 },
        &[("bomb.bin", &[0u8; 100])],
    );
    set_uncompressed_size(&mut bytes, 0, 1 << 30);
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(&error, Error::LimitExceeded { what, .. } if what.contains("compression ratio")),
        "{error:?}"
    );

    // A real 2 MiB of zeros compresses about 1000:1: refused under a stricter limit.
    let zeros = vec![0u8; 2 << 20];
    let bytes = write(
        WriteCompression::Deflated { level: 9 },
        &[("zeros.bin", &zeros)],
    );
    parse(&bytes).unwrap();
    let strict = Limits {
        max_compression_ratio: 100,
        ..Limits::default()
    };
    assert!(matches!(
        Archive::parse(&bytes, &strict),
        Err(Error::LimitExceeded { .. })
    ));
}

#[test]
fn size_and_count_limits_are_enforced() {
    let bytes = write(
        WriteCompression::Stored,
        &[("a", &[1u8; 100]), ("b", &[2u8; 100])],
    );
    let check = |limits: Limits, needle: &str| {
        let error = Archive::parse(&bytes, &limits).unwrap_err();
        assert!(
            matches!(&error, Error::LimitExceeded { what, .. } if what.contains(needle)),
            "{needle}: {error:?}"
        );
    };
    check(
        Limits {
            max_members: 1,
            ..Limits::default()
        },
        "member count",
    );
    check(
        Limits {
            max_member_size: 99,
            ..Limits::default()
        },
        "uncompressed size of `a`",
    );
    check(
        Limits {
            max_total_size: 150,
            ..Limits::default()
        },
        "total uncompressed size",
    );
}

#[test]
fn huge_declared_counts_are_refused_before_allocating() {
    let mut bytes = write(WriteCompression::Stored, SAMPLE);
    let end = end_record(&bytes);
    set16(&mut bytes, end + 8, 0xFFFE);
    set16(&mut bytes, end + 10, 0xFFFE);
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(error, Error::Zip(ZipError::Inconsistent { .. })),
        "{error:?}"
    );

    // Zip64 end record claiming 2^60 members.
    let mut writer = ArchiveWriter::new(WriteCompression::Stored);
    for index in 0..65_536u32 {
        writer.add(&index.to_string(), b"").unwrap();
    }
    let mut bytes = writer.finish().unwrap();
    let locator = bytes.len() - 22 - 20;
    let record = u64::from_le_bytes(bytes[locator + 8..locator + 16].try_into().unwrap()) as usize;
    bytes[record + 24..record + 32].copy_from_slice(&(1u64 << 60).to_le_bytes());
    bytes[record + 32..record + 40].copy_from_slice(&(1u64 << 60).to_le_bytes());
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(&error, Error::LimitExceeded { what, .. } if what == "member count"),
        "{error:?}"
    );
}

#[test]
fn overlapping_members_are_refused() {
    // Member `a` claims 10 more bytes, reaching into the local header of `b`.
    let mut bytes = write(
        WriteCompression::Stored,
        &[("a", &[1u8; 50]), ("b", &[2u8; 50])],
    );
    let cd = central_entries(&bytes)[0];
    let local = local_of(&bytes, cd);
    for (header, offset) in [(cd, 20), (cd, 24), (local, 18), (local, 22)] {
        set32(&mut bytes, header + offset, 60);
    }
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::OverlappingMembers { member, other }) if member == "b" && other == "`a`"),
        "{error:?}"
    );

    // The last member reaching into the central directory.
    let mut bytes = write(WriteCompression::Stored, &[("a", &[1u8; 50])]);
    let cd = central_entries(&bytes)[0];
    let local = local_of(&bytes, cd);
    for (header, offset) in [(cd, 20), (cd, 24), (local, 18), (local, 22)] {
        set32(&mut bytes, header + offset, 60);
    }
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::OverlappingMembers { other, .. }) if other == "the central directory"),
        "{error:?}"
    );
}

#[test]
fn two_entries_sharing_one_local_header_are_refused() {
    // The classic overlapping bomb: many central entries pointing at the same data.
    let mut bytes = write(WriteCompression::Stored, &[("a", b"same"), ("b", b"same")]);
    let cds = central_entries(&bytes);
    let first_local = local_of(&bytes, cds[0]) as u32;
    set32(&mut bytes, cds[1] + 42, first_local);
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::LocalNameMismatch { member, local }) if member == "b" && local == "a"),
        "{error:?}"
    );
}

#[test]
fn local_headers_must_agree_with_the_central_directory() {
    let original = write(
        WriteCompression::Deflated { level: 6 },
        &[("m.npy", &[9u8; 300])],
    );
    let cd = central_entries(&original)[0];
    let local = local_of(&original, cd);
    for (offset, field) in [
        (14, "CRC-32"),
        (18, "compressed size"),
        (22, "uncompressed size"),
    ] {
        let mut bytes = original.clone();
        let value = le32(&bytes, local + offset) + 1;
        set32(&mut bytes, local + offset, value);
        let error = parse(&bytes).unwrap_err();
        let Error::Zip(ZipError::LocalHeaderMismatch { field: found, .. }) = error else {
            panic!("{field}: {error:?}");
        };
        assert_eq!(found, field);
    }
    let mut bytes = original.clone();
    set16(&mut bytes, local + 8, 0);
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::LocalHeaderMismatch {
            field: "compression method",
            ..
        }))
    ));
    let mut bytes = original.clone();
    set16(&mut bytes, local + 6, 1 << 3);
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::LocalHeaderMismatch {
            field: "flags",
            ..
        }))
    ));
    let mut bytes = original.clone();
    bytes[local + 30] = b'n';
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::LocalNameMismatch { .. }))
    ));
    let mut bytes = original;
    bytes[local] = b'X';
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::BadSignature { .. }))
    ));
}

#[test]
fn data_descriptors_must_match_the_central_directory() {
    let original = reference("descriptor_stored.zip");
    let archive = parse(original).unwrap();
    let entry = archive.entry("schema.json").unwrap();
    let descriptor = entry.data_offset + entry.compressed_size as usize;
    assert_eq!(le32(original, descriptor), 0x0807_4b50);
    let mut bytes = original.to_vec();
    bytes[descriptor + 4] ^= 1; // the CRC-32 in the descriptor
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(&error, Error::Zip(ZipError::DataDescriptorMismatch { member }) if member == "schema.json"),
        "{error:?}"
    );
}

#[test]
fn unsupported_features_have_specific_errors() {
    let original = write(WriteCompression::Stored, &[("m", b"data")]);
    let cd = central_entries(&original)[0];
    let local = local_of(&original, cd);

    let mut bytes = original.clone();
    set16(&mut bytes, cd + 8, 1);
    set16(&mut bytes, local + 6, 1);
    assert!(
        matches!(parse(&bytes), Err(Error::Zip(ZipError::Encrypted { member })) if member == "m")
    );

    let mut bytes = original.clone();
    set16(&mut bytes, cd + 10, 99);
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::UnsupportedCompression {
            method: 99,
            ..
        }))
    ));

    let mut bytes = original.clone();
    let end = end_record(&bytes);
    set16(&mut bytes, end + 4, 1);
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::MultiDisk))
    ));

    let mut bytes = original.clone();
    set32(&mut bytes, cd + 24, 5);
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::StoredSizeMismatch { .. }))
    ));

    // A zip64-saturated size with no zip64 extra field.
    let mut bytes = original.clone();
    set32(&mut bytes, cd + 20, u32::MAX);
    assert!(matches!(
        parse(&bytes),
        Err(Error::Zip(ZipError::BadExtraField { .. }))
    ));

    // An extra field whose declared length runs past the extra block.
    let mut bytes = original;
    bytes[cd + 46] = b'z'; // keep the entry's size: shorten the name, grow the extra
    set16(&mut bytes, cd + 28, 0);
    set16(&mut bytes, cd + 30, 1);
    assert!(parse(&bytes).is_err());
}

#[test]
fn malformed_extra_blocks_are_refused() {
    let data = b"data";
    let name = "abcdefgh";
    let mut bytes = write(WriteCompression::Stored, &[(name, data)]);
    let cd = central_entries(&bytes)[0];
    // Turn the last 4 name bytes into an extra field header that claims 100 bytes.
    set16(&mut bytes, cd + 28, 4);
    set16(&mut bytes, cd + 30, 4);
    set16(&mut bytes, cd + 46 + 4, 0x0001);
    set16(&mut bytes, cd + 46 + 6, 100);
    let error = parse(&bytes).unwrap_err();
    assert!(
        matches!(error, Error::Zip(ZipError::BadExtraField { .. })),
        "{error:?}"
    );
}

#[test]
fn error_messages_name_the_member() {
    let mut bytes = write(WriteCompression::Stored, &[("a.bin", b"payload")]);
    replace_all(&mut bytes, b"payload", b"PAYLOAD");
    let message = parse(&bytes)
        .unwrap()
        .read("a.bin")
        .unwrap_err()
        .to_string();
    assert!(
        message.starts_with("zip member `a.bin` has CRC-32 0x"),
        "{message}"
    );
}

// ----- property tests ---------------------------------------------------------------------------

fn member_name() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9_.é模-]{1,12}(/[a-zA-Z0-9_.-]{1,8})?".prop_filter("no `..` components", |name| {
        name.split('/').all(|component| component != "..")
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_and_read_all(&bytes);
    }

    #[test]
    fn mutated_archives_never_panic(
        archive in 0..REFERENCE_ARCHIVES.len(),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let mut bytes = REFERENCE_ARCHIVES[archive].1.to_vec();
        for (index, value) in flips {
            let at = index.index(bytes.len());
            bytes[at] = value;
        }
        if truncate {
            bytes.truncate(cut.index(bytes.len()));
        }
        if let Ok(members) = parse_and_read_all(&bytes) {
            // Whatever parses must still be internally consistent.
            let archive = parse(&bytes).unwrap();
            for (entry, data) in archive.entries().iter().zip(members) {
                prop_assert_eq!(data.len() as u64, entry.uncompressed_size);
                prop_assert_eq!(crc32fast::hash(&data), entry.crc32);
            }
        }
    }

    #[test]
    fn arbitrary_members_round_trip(
        members in proptest::collection::btree_map(
            member_name(),
            proptest::collection::vec(any::<u8>(), 0..300),
            0..8,
        ),
        deflate in any::<bool>(),
        level in 0u32..=9,
    ) {
        let compression = if deflate {
            WriteCompression::Deflated { level }
        } else {
            WriteCompression::Stored
        };
        let mut writer = ArchiveWriter::new(compression);
        for (name, data) in &members {
            writer.add(name, data).unwrap();
        }
        let bytes = writer.finish().unwrap();
        let archive = parse(&bytes).unwrap();
        prop_assert_eq!(archive.entries().len(), members.len());
        for (entry, (name, data)) in archive.entries().iter().zip(&members) {
            prop_assert_eq!(&entry.name, name);
            prop_assert_eq!(&archive.read(name).unwrap(), data);
        }
    }
}

#[test]
fn debug_output_leaves_the_file_bytes_out() {
    let data = vec![b'z'; 10_000];
    let bytes = write(WriteCompression::Stored, &[("big.bin", &data)]);
    let debug = format!("{:?}", parse(&bytes).unwrap());
    assert!(debug.contains("big.bin") && debug.len() < 1_000, "{debug}");
}

/// Rewrites a one-member stored archive to use a data descriptor after the data.
fn with_descriptor(bytes: &[u8], signature: bool) -> Vec<u8> {
    let cd = central_entries(bytes)[0];
    assert_eq!(local_of(bytes, cd), 0);
    let data_end =
        30 + usize::from(le16(bytes, 26)) + usize::from(le16(bytes, 28)) + le32(bytes, 18) as usize;
    let mut descriptor = Vec::new();
    if signature {
        descriptor.extend_from_slice(&0x0807_4b50u32.to_le_bytes());
    }
    descriptor.extend_from_slice(&bytes[14..26]); // CRC-32 and both sizes
    let mut out = bytes[..data_end].to_vec();
    out.extend_from_slice(&descriptor);
    out.extend_from_slice(&bytes[data_end..]);
    set16(&mut out, 6, 1 << 3);
    out[14..26].fill(0);
    let cd = cd + descriptor.len();
    set16(&mut out, cd + 8, 1 << 3);
    let end = out.len() - 22;
    let directory_offset = le32(&out, end + 16) + descriptor.len() as u32;
    set32(&mut out, end + 16, directory_offset);
    out
}

#[test]
fn reads_data_descriptors_with_and_without_signature() {
    let plain = write(WriteCompression::Stored, &[("m.npy", b"descriptor data")]);
    for signature in [true, false] {
        let bytes = with_descriptor(&plain, signature);
        let archive = parse(&bytes).unwrap_or_else(|e| panic!("{signature}: {e}"));
        assert_eq!(archive.read("m.npy").unwrap(), b"descriptor data");

        // A descriptor disagreeing with the central directory (uncompressed size).
        let mut bad = bytes.clone();
        let size_at = bytes.len() - 22 - 46 - 5 - 4;
        set32(&mut bad, size_at, 99);
        assert!(
            matches!(
                parse(&bad),
                Err(Error::Zip(ZipError::DataDescriptorMismatch { .. }))
            ),
            "{signature}"
        );
    }
}

#[test]
fn compression_method_ids_round_trip() {
    for compression in [
        Compression::Stored,
        Compression::Deflated,
        Compression::Bzip2,
        Compression::Lzma,
    ] {
        assert_eq!(
            Compression::from_method_id(compression.method_id()),
            Some(compression)
        );
    }
    assert_eq!(Compression::from_method_id(9), None);
}

#[test]
fn writer_aligns_stored_npy_members_only() {
    // Names of every length, so the unpadded data start falls on every residue mod 64.
    let names: Vec<String> = (0..70)
        .map(|n| format!("{}.npy", "a".repeat(n + 1)))
        .collect();
    let mut writer = ArchiveWriter::new(WriteCompression::Stored);
    for (index, name) in names.iter().enumerate() {
        writer.add(name, &vec![index as u8; index * 3]).unwrap();
        writer.add(&format!("{index}.json"), b"{}").unwrap();
    }
    let bytes = writer.finish().unwrap();
    let archive = Archive::parse(&bytes, &Limits::default()).unwrap();
    let offset_of = |name: &str| {
        let entry = archive.entry(name).unwrap();
        let data = archive.stored_data(entry).unwrap();
        (data.as_ptr() as usize - bytes.as_ptr() as usize, data.len())
    };
    for (index, name) in names.iter().enumerate() {
        let (offset, len) = offset_of(name);
        assert_eq!(offset % MEMBER_ALIGN, 0, "{name}");
        assert_eq!(len, index * 3);
        assert_eq!(archive.read(name).unwrap(), vec![index as u8; index * 3]);
        // Other members are not padded: their data follows name and header directly.
        let json = format!("{index}.json");
        let entry = archive.entry(&json).unwrap();
        let (offset, _) = offset_of(&json);
        let header = usize::try_from(entry.local_header_offset()).unwrap();
        assert_eq!(offset, header + record_size::LOCAL_HEADER + json.len());
    }
    // Deflated members are never padded (their data cannot be viewed anyway).
    let mut writer = ArchiveWriter::new(WriteCompression::Deflated { level: 6 });
    writer.add("x.npy", &[1; 100]).unwrap();
    let bytes = writer.finish().unwrap();
    assert_eq!(le16(&bytes, 28), 0, "no local extra field");
}
