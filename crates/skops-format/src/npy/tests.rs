//! Tests of the `.npy` reader and writer against the numpy-made corpus in `tests/data/npy`.

use std::path::PathBuf;

use proptest::prelude::*;
use sha2::{Digest, Sha256};

use super::*;
use crate::error::NpyError;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/npy")
}

struct Case {
    name: String,
    version: (u8, u8),
    descr: String,
    fortran_order: bool,
    shape: Vec<u64>,
    data_sha256: String,
}

fn corpus() -> Vec<Case> {
    let manifest = std::fs::read_to_string(corpus_dir().join("manifest.tsv")).unwrap();
    manifest
        .lines()
        .map(|line| {
            let parts: Vec<&str> = line.split('\t').collect();
            let [name, version, descr, fortran, shape, digest] = parts.as_slice() else {
                panic!("bad manifest line {line:?}")
            };
            let (major, minor) = version.split_once('.').unwrap();
            Case {
                name: (*name).to_owned(),
                version: (major.parse().unwrap(), minor.parse().unwrap()),
                descr: (*descr).to_owned(),
                fortran_order: *fortran == "True",
                shape: shape
                    .split(',')
                    .filter(|dim| !dim.is_empty())
                    .map(|dim| dim.parse().unwrap())
                    .collect(),
                data_sha256: (*digest).to_owned(),
            }
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

#[test]
fn corpus_reads_and_rewrites_bit_identically() {
    let cases = corpus();
    assert!(cases.len() >= 50, "corpus has {} cases", cases.len());
    for case in cases {
        let bytes = std::fs::read(corpus_dir().join(format!("{}.npy", case.name))).unwrap();
        let view = read_npy(&bytes, &Limits::default())
            .unwrap_or_else(|error| panic!("{}: {error}", case.name));
        assert_eq!(view.version, case.version, "{}", case.name);
        assert_eq!(
            view.header.descr.to_python_repr(),
            case.descr,
            "{}",
            case.name
        );
        assert_eq!(
            view.header.fortran_order, case.fortran_order,
            "{}",
            case.name
        );
        assert_eq!(view.header.shape, case.shape, "{}", case.name);
        assert_eq!(
            hex(&Sha256::digest(view.data)),
            case.data_sha256,
            "{}",
            case.name
        );
        assert_eq!(
            (bytes.len() - view.data.len()) % ARRAY_ALIGN,
            0,
            "{}",
            case.name
        );
        let rewritten = write_npy(&view.header, view.data).unwrap();
        assert!(rewritten == bytes, "{}: rewrite differs", case.name);
    }
}

#[test]
fn sklearn_tree_nodes_have_padding_field() {
    let bytes = std::fs::read(corpus_dir().join("sklearn_tree_nodes.npy")).unwrap();
    let view = read_npy(&bytes, &Limits::default()).unwrap();
    let Descr::Structured(fields) = &view.header.descr else {
        panic!("structured expected")
    };
    let names: Vec<&str> = fields.iter().map(|field| field.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "left_child",
            "right_child",
            "feature",
            "threshold",
            "impurity",
            "n_node_samples",
            "weighted_n_node_samples",
            "missing_go_to_left",
            ""
        ]
    );
    assert_eq!(view.header.descr.itemsize(), Some(64));
    assert_eq!(view.data.len() as u64, view.header.shape[0] * 64);
}

/// A `.npy` file with arbitrary header text (padded as numpy pads it) and data.
fn raw_npy(text: &str, version: (u8, u8), data: &[u8]) -> Vec<u8> {
    let encoded = if version.0 >= 3 {
        text.as_bytes().to_vec()
    } else {
        encode_latin1(text).unwrap()
    };
    let mut bytes = wrap_header(&encoded, version).unwrap();
    bytes.extend_from_slice(data);
    bytes
}

fn read(bytes: &[u8]) -> Result<NpyView<'_>> {
    read_npy(bytes, &Limits::default())
}

#[test]
fn huge_shapes_overflow_before_anything_is_allocated() {
    let bytes = raw_npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }",
        (1, 0),
        &[],
    );
    let error = read(&bytes).unwrap_err();
    assert!(
        matches!(&error, Error::Npy(NpyError::SizeOverflow { shape, itemsize: 8 }) if shape.len() == 2),
        "{error}"
    );
    let bytes = raw_npy(
        "{'descr': '<U4611686018427387904', 'fortran_order': False, 'shape': (1,), }",
        (1, 0),
        &[],
    );
    assert!(matches!(
        read(&bytes),
        Err(Error::Npy(NpyError::SizeOverflow { .. }))
    ));
    // Fits in u64 but is far more than the bytes present.
    let bytes = raw_npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }",
        (1, 0),
        &[0; 16],
    );
    let error = read(&bytes).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Npy(NpyError::DataLength {
                expected: 8_000_000_000_000,
                actual: 16
            })
        ),
        "{error}"
    );
    assert_eq!(
        error.to_string(),
        "`.npy` data is 16 bytes, but the header declares 8000000000000"
    );
}

#[test]
fn data_length_must_be_exact() {
    let text = "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }";
    assert!(read(&raw_npy(text, (1, 0), &[0; 12])).is_ok());
    for actual in [0usize, 11, 13, 100] {
        let error = read(&raw_npy(text, (1, 0), &vec![0; actual])).unwrap_err();
        assert!(
            matches!(error, Error::Npy(NpyError::DataLength { expected: 12, actual: found }) if found == actual as u64),
            "{error}"
        );
    }
    let header = NpyHeader {
        descr: Descr::parse("'<i4'").unwrap(),
        fortran_order: false,
        shape: vec![3],
    };
    assert!(matches!(
        write_npy(&header, &[0; 8]),
        Err(Error::Npy(NpyError::DataLength {
            expected: 12,
            actual: 8
        }))
    ));
}

#[test]
fn wrong_magic_and_versions() {
    assert!(matches!(read(b""), Err(Error::Npy(NpyError::BadMagic))));
    assert!(matches!(
        read(b"\x93NUMPZ\x01\x00"),
        Err(Error::Npy(NpyError::BadMagic))
    ));
    assert!(matches!(
        read(b"PK\x03\x04"),
        Err(Error::Npy(NpyError::BadMagic))
    ));
    assert!(matches!(
        read(b"\x93NUMPY"),
        Err(Error::Npy(NpyError::TruncatedHeader {
            needed: 8,
            available: 6
        }))
    ));
    assert!(matches!(
        read(b"\x93NUMPY\x04\x00\x00\x00"),
        Err(Error::Npy(NpyError::UnsupportedVersion {
            major: 4,
            minor: 0
        }))
    ));
    assert!(matches!(
        read(b"\x93NUMPY\x01\x01\x00\x00"),
        Err(Error::Npy(NpyError::UnsupportedVersion {
            major: 1,
            minor: 1
        }))
    ));
    assert!(matches!(
        read(b"\x93NUMPY\x02\x00\x00"),
        Err(Error::Npy(NpyError::TruncatedHeader {
            needed: 12,
            available: 9
        }))
    ));
}

#[test]
fn header_length_past_end_or_limit() {
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&1000u16.to_le_bytes());
    bytes.extend_from_slice(b"{'descr': '<f8'");
    assert!(matches!(
        read(&bytes),
        Err(Error::Npy(NpyError::TruncatedHeader {
            needed: 1010,
            available: 25
        }))
    ));
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    let error = read(&bytes).unwrap_err();
    assert!(
        matches!(
            error,
            Error::LimitExceeded {
                value: 4_294_967_295,
                ..
            }
        ),
        "{error}"
    );
    let limits = Limits {
        max_npy_header_size: 100,
        ..Limits::default()
    };
    let file = raw_npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
        (1, 0),
        &[0; 8],
    );
    let error = read_npy(&file, &limits).unwrap_err();
    assert!(
        matches!(
            error,
            Error::LimitExceeded {
                value: 118,
                limit: 100,
                ..
            }
        ),
        "{error}"
    );
}

#[test]
fn deep_nesting_is_refused() {
    let depth = 10_000;
    let text = format!(
        "{{'descr': {}'<f8'{}, 'fortran_order': False, 'shape': (), }}",
        "[('a', ".repeat(depth),
        ")]".repeat(depth)
    );
    let error = read(&raw_npy(&text, (2, 0), &[])).unwrap_err();
    assert!(matches!(error, Error::LimitExceeded { .. }), "{error}");
    assert!(error.to_string().contains("nesting depth"), "{error}");
}

#[test]
fn object_dtype_is_refused_anywhere() {
    for descr in [
        "'|O'",
        "[('a', '<f8'), ('b', '|O')]",
        "[('a', [('b', '|O8')], (2,))]",
    ] {
        let text = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': (1,), }}");
        let error = read(&raw_npy(&text, (1, 0), &[0; 64])).unwrap_err();
        assert!(
            matches!(error, Error::Npy(NpyError::ObjectDtype)),
            "{descr}: {error}"
        );
    }
    let header = NpyHeader {
        descr: Descr::parse("'|O'").unwrap(),
        fortran_order: false,
        shape: vec![],
    };
    assert!(matches!(
        write_npy(&header, &[0; 8]),
        Err(Error::Npy(NpyError::ObjectDtype))
    ));
}

#[test]
fn bad_headers_are_refused() {
    for text in [
        "{'descr': '<f7', 'fortran_order': False, 'shape': (1,), }",
        "{'descr': 'f8', 'fortran_order': False, 'shape': (1,), }",
        "{'descr': '<f8[ns]', 'fortran_order': False, 'shape': (1,), }",
        "{'descr': [('a',)], 'fortran_order': False, 'shape': (1,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}",
        "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8', 'fortran_order': 'no', 'shape': (1,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-8,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1.0,), }",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), } junk",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), ",
        "['descr', 'fortran_order', 'shape']",
        "__import__('os')",
    ] {
        assert!(
            read(&raw_npy(text, (1, 0), &[0; 8])).is_err(),
            "{text:?} should be refused"
        );
    }
    let mut bytes = raw_npy(
        "{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
        (3, 0),
        &[0; 8],
    );
    bytes[12] = 0xff;
    assert!(matches!(
        read(&bytes),
        Err(Error::Npy(NpyError::HeaderEncoding { encoding: "UTF-8" }))
    ));
}

#[test]
fn readers_accept_what_numpy_accepts() {
    // Key order, double quotes, no trailing comma, no padding, Python 2 long suffixes.
    let text = "{\"shape\": (2L, 1L), \"fortran_order\": True, \"descr\": \"<i2\"}";
    let bytes = raw_npy(text, (1, 0), &[0; 4]);
    let view = read(&bytes).unwrap();
    assert_eq!(view.header.shape, vec![2, 1]);
    assert!(view.header.fortran_order);
    // Version 3 headers do not take the Python 2 suffix (numpy does not filter them).
    assert!(read(&raw_npy(text, (3, 0), &[0; 4])).is_err());
}

#[test]
fn writer_chooses_versions_like_numpy() {
    let header = |name: &str, count: usize| NpyHeader {
        descr: Descr::Structured(
            (0..count)
                .map(|index| Field {
                    name: format!("{name}{index}"),
                    title: None,
                    descr: Descr::parse("'|u1'").unwrap(),
                    shape: vec![],
                })
                .collect(),
        ),
        fortran_order: false,
        shape: vec![1],
    };
    let version = |header: &NpyHeader| {
        let bytes = write_header(header).unwrap();
        assert_eq!(bytes.len() % ARRAY_ALIGN, 0);
        assert_eq!(bytes.last(), Some(&b'\n'));
        (bytes[6], bytes[7])
    };
    assert_eq!(version(&header("é", 3)), (1, 0));
    assert_eq!(version(&header("α", 3)), (3, 0));
    assert_eq!(version(&header("f", 4000)), (2, 0));
    assert_eq!(version(&header("α", 4000)), (3, 0));
}

fn arb_type_str() -> impl Strategy<Value = TypeStr> {
    let order = prop_oneof![
        Just(ByteOrder::Little),
        Just(ByteOrder::Big),
        Just(ByteOrder::NotApplicable),
        Just(ByteOrder::Native)
    ];
    let kind_size = prop_oneof![
        Just(('b', 1u64, None)),
        (
            prop_oneof![Just('i'), Just('u')],
            prop_oneof![Just(1u64), Just(2), Just(4), Just(8)]
        )
            .prop_map(|(kind, size)| (kind, size, None)),
        prop_oneof![Just(2u64), Just(4), Just(8), Just(16)].prop_map(|size| ('f', size, None)),
        prop_oneof![Just(8u64), Just(16), Just(32)].prop_map(|size| ('c', size, None)),
        (prop_oneof![Just('U'), Just('S'), Just('V')], 0u64..20)
            .prop_map(|(kind, size)| (kind, size, None)),
        (
            prop_oneof![Just('M'), Just('m')],
            proptest::option::of(prop_oneof![
                Just("ns".to_owned()),
                Just("s".to_owned()),
                Just("25s".to_owned()),
                Just("D".to_owned())
            ])
        )
            .prop_map(|(kind, unit)| (kind, 8, unit)),
    ];
    (order, kind_size).prop_map(|(byte_order, (kind, size, unit))| TypeStr {
        byte_order,
        kind,
        size,
        unit,
    })
}

fn arb_descr() -> impl Strategy<Value = Descr> {
    let leaf = arb_type_str().prop_map(Descr::Simple);
    leaf.prop_recursive(3, 12, 4, |inner| {
        proptest::collection::vec(
            (
                "[a-z\u{e9}\u{3b1}'\" \\\\]{0,6}",
                proptest::option::of("[A-Za-z ]{1,5}"),
                inner,
                proptest::collection::vec(1u64..4, 0..3),
            ),
            0..4,
        )
        .prop_map(|fields| {
            // Field names must be unique; prefix each with its index.
            Descr::Structured(
                fields
                    .into_iter()
                    .enumerate()
                    .map(|(index, (name, title, descr, shape))| Field {
                        name: format!("{index}{name}"),
                        title,
                        descr,
                        shape,
                    })
                    .collect(),
            )
        })
    })
}

proptest! {
    #[test]
    fn random_headers_round_trip(
        descr in arb_descr(),
        fortran_order in any::<bool>(),
        shape in proptest::collection::vec(0u64..4, 0..4),
    ) {
        let header = NpyHeader { descr, fortran_order, shape };
        let data_len = usize::try_from(header.data_len().unwrap()).unwrap();
        let data: Vec<u8> = (0..data_len).map(|index| index as u8).collect();
        let bytes = write_npy(&header, &data).unwrap();
        let view = read(&bytes).unwrap();
        prop_assert_eq!(&view.header, &header);
        prop_assert_eq!(view.data, data.as_slice());
        prop_assert_eq!((bytes.len() - data.len()) % ARRAY_ALIGN, 0);
        prop_assert_eq!(write_npy(&view.header, view.data).unwrap(), bytes);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = read(&bytes);
        let mut with_magic = b"\x93NUMPY\x01\x00".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = read(&with_magic);
    }

    #[test]
    fn mutated_files_never_panic(
        position in 0usize..128,
        value in any::<u8>(),
        cut in 0usize..200,
    ) {
        let mut bytes = std::fs::read(corpus_dir().join("struct_nested.npy")).unwrap();
        let index = position % bytes.len();
        bytes[index] = value;
        let _ = read(&bytes);
        bytes.truncate(cut);
        let _ = read(&bytes);
    }
}

#[test]
fn reading_with_a_parsed_header_is_reading_it_again() {
    for case in corpus() {
        let bytes = std::fs::read(corpus_dir().join(format!("{}.npy", case.name))).unwrap();
        let view = read_npy(&bytes, &Limits::default()).unwrap();
        let again = read_npy_with_header(&bytes, &view.header).unwrap();
        assert_eq!(again, view, "{}", case.name);
    }
}

#[test]
fn reading_with_a_parsed_header_checks_magic_and_length() {
    let header = NpyHeader {
        descr: Descr::parse("'<f8'").unwrap(),
        fortran_order: false,
        shape: vec![4],
    };
    let bytes = write_npy(&header, &[0; 32]).unwrap();
    let shorter = bytes.get(..bytes.len() - 8).unwrap();
    assert!(matches!(
        read_npy_with_header(shorter, &header),
        Err(Error::Npy(NpyError::DataLength { expected: 32, .. }))
    ));
    assert!(matches!(
        read_npy_with_header(b"not an npy", &header),
        Err(Error::Npy(NpyError::BadMagic))
    ));
    let cut_in_header = bytes.get(..100).unwrap();
    assert!(matches!(
        read_npy_with_header(cut_in_header, &header),
        Err(Error::Npy(NpyError::TruncatedHeader { .. }))
    ));
    let view = read_npy_with_header(&bytes, &header).unwrap();
    assert_eq!(view.data.len(), 32);
}
