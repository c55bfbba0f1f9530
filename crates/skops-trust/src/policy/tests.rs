//! Unit tests of trust policies: the documented form round-trips, everything else is refused
//! with its own error.

use super::*;
use crate::error::PolicyError;

const DIGEST: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

fn sample() -> TrustPolicy {
    TrustPolicy::new(
        DIGEST,
        vec![
            "mymodule.MyTransformer".to_owned(),
            "sklearn.tree._tree.Tree".to_owned(),
        ],
        "alice",
        "2026-11-30T13:45:00Z",
        Some("reviewed in PR 42\nlooks fine".to_owned()),
    )
    .unwrap()
}

/// The sample as JSON with `key` replaced by `value` (a JSON text), or removed when `None`.
fn with_key(key: &str, value: Option<&str>) -> Vec<u8> {
    let mut object = Object::new();
    let parsed = json::parse(sample().to_json().as_bytes(), 64).unwrap();
    for (name, old) in parsed.as_object().unwrap().iter() {
        if name != key {
            object.push(name, old.clone());
        } else if let Some(text) = value {
            object.push(name, json::parse(text.as_bytes(), 64).unwrap());
        }
    }
    json::to_string_pretty(&Value::Object(object)).into_bytes()
}

#[test]
fn a_policy_round_trips_through_its_json() {
    let policy = sample();
    let text = policy.to_json();
    assert!(
        text.starts_with("{\n  \"version\": 1,\n  \"sha256\": \""),
        "{text}"
    );
    assert!(text.ends_with("}\n"));
    assert_eq!(TrustPolicy::parse(text.as_bytes()).unwrap(), policy);
}

#[test]
fn the_note_is_optional_and_may_be_null() {
    let without = with_key("note", None);
    assert_eq!(TrustPolicy::parse(&without).unwrap().note(), None);
    let null = with_key("note", Some("null"));
    assert_eq!(TrustPolicy::parse(&null).unwrap().note(), None);
    assert!(
        !TrustPolicy::parse(&without)
            .unwrap()
            .to_json()
            .contains("note")
    );
}

#[test]
fn unknown_versions_are_refused() {
    for version in ["2", "0", "\"1\"", "1.5", "-1"] {
        let error = TrustPolicy::parse(&with_key("version", Some(version))).unwrap_err();
        assert!(
            matches!(&error, Error::Policy(PolicyError::UnsupportedVersion { found, supported: 1 }) if found == version),
            "{version}: {error:?}"
        );
    }
}

#[test]
fn malformed_digests_are_refused() {
    let upper = DIGEST.to_uppercase();
    for digest in [
        &DIGEST[..63],
        &format!("{DIGEST}0"),
        &upper,
        &DIGEST.replace('a', "g"),
        "",
    ] {
        let error =
            TrustPolicy::parse(&with_key("sha256", Some(&format!("\"{digest}\"")))).unwrap_err();
        assert!(
            matches!(error, Error::Policy(PolicyError::MalformedDigest { .. })),
            "{digest}: {error:?}"
        );
    }
    let error = TrustPolicy::parse(&with_key("sha256", Some("12"))).unwrap_err();
    assert!(
        matches!(error, Error::Policy(PolicyError::Invalid { .. })),
        "{error:?}"
    );
}

#[test]
fn duplicate_types_are_refused() {
    let error =
        TrustPolicy::parse(&with_key("types", Some(r#"["a.B", "c.D", "a.B"]"#))).unwrap_err();
    assert!(
        matches!(&error, Error::Policy(PolicyError::DuplicateType { name }) if name == "a.B"),
        "{error:?}"
    );
}

#[test]
fn bad_type_lists_are_refused() {
    for types in [
        r#""a.B""#,
        r#"["a.B", 3]"#,
        r#"[""]"#,
        r#"["a B"]"#,
        r#"["a.B\u001b"]"#,
        "null",
    ] {
        let error = TrustPolicy::parse(&with_key("types", Some(types))).unwrap_err();
        assert!(
            matches!(error, Error::Policy(PolicyError::Invalid { .. })),
            "{types}: {error:?}"
        );
    }
    // An empty list approves nothing, which is valid.
    assert!(
        TrustPolicy::parse(&with_key("types", Some("[]")))
            .unwrap()
            .types()
            .is_empty()
    );
}

#[test]
fn missing_unknown_and_repeated_keys_are_refused() {
    for key in ["version", "sha256", "types", "approved_by", "approved_at"] {
        let error = TrustPolicy::parse(&with_key(key, None)).unwrap_err();
        assert!(
            matches!(&error, Error::Policy(PolicyError::Invalid { reason }) if reason == &format!("missing key `{key}`")),
            "{key}: {error:?}"
        );
    }
    let mut text = sample().to_json();
    text.insert_str(1, "\n  \"trust_everything\": true,");
    let error = TrustPolicy::parse(text.as_bytes()).unwrap_err();
    assert!(
        matches!(&error, Error::Policy(PolicyError::Invalid { reason }) if reason.contains("trust_everything"))
    );
    let mut text = sample().to_json();
    text.insert_str(1, &format!("\n  \"sha256\": \"{}\",", "f".repeat(64)));
    let error = TrustPolicy::parse(text.as_bytes()).unwrap_err();
    assert!(
        matches!(&error, Error::Policy(PolicyError::Invalid { reason }) if reason.contains("more than once"))
    );
}

#[test]
fn bad_approvers_notes_and_timestamps_are_refused() {
    for approver in [r#""""#, r#""  ""#, r#""a\nb""#, "7"] {
        let error = TrustPolicy::parse(&with_key("approved_by", Some(approver))).unwrap_err();
        assert!(
            matches!(error, Error::Policy(PolicyError::Invalid { .. })),
            "{approver}: {error:?}"
        );
    }
    for note in [r#""\u0007""#, "[]"] {
        let error = TrustPolicy::parse(&with_key("note", Some(note))).unwrap_err();
        assert!(
            matches!(error, Error::Policy(PolicyError::Invalid { .. })),
            "{note}: {error:?}"
        );
    }
    for stamp in [
        "2026-11-30 13:45:00Z",
        "2026-11-30T13:45:00",
        "2026-11-30T13:45:00+00:00",
        "2026-02-29T00:00:00Z",
        "2026-13-01T00:00:00Z",
        "2026-04-31T00:00:00Z",
        "2026-01-01T24:00:00Z",
        "2026-01-01T00:60:00Z",
        "２026-01-01T00:00:00Z",
    ] {
        let error = TrustPolicy::parse(&with_key("approved_at", Some(&format!("\"{stamp}\""))))
            .unwrap_err();
        assert!(
            matches!(error, Error::Policy(PolicyError::MalformedTimestamp { .. })),
            "{stamp}: {error:?}"
        );
    }
    assert!(check_timestamp("2024-02-29T23:59:59Z").is_ok());
}

#[test]
fn documents_that_are_not_policies_are_refused() {
    let error = TrustPolicy::parse(b"{\"version\": 1,").unwrap_err();
    assert!(
        matches!(error, Error::Policy(PolicyError::Syntax { .. })),
        "{error:?}"
    );
    let error = TrustPolicy::parse(b"[1]").unwrap_err();
    assert!(
        matches!(error, Error::Policy(PolicyError::Invalid { .. })),
        "{error:?}"
    );
    let big = vec![b' '; usize::try_from(MAX_POLICY_SIZE).unwrap() + 1];
    let error = TrustPolicy::parse(&big).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Format(skops_format::Error::LimitExceeded {
                limit: MAX_POLICY_SIZE,
                ..
            })
        ),
        "{error:?}"
    );
}

#[test]
fn a_policy_approves_only_the_data_it_was_made_for() {
    let data = b"the bytes of a model".to_vec();
    let policy = TrustPolicy::for_data(&data, vec!["a.B".to_owned()], Some("bob"), None).unwrap();
    assert_eq!(policy.sha256(), sha256_hex(&data));
    assert_eq!(policy.trusted_types_for(&data).unwrap(), ["a.B"]);
    let mut changed = data.clone();
    changed[0] ^= 1;
    let error = policy.trusted_types_for(&changed).unwrap_err();
    assert!(
        matches!(&error, Error::Policy(PolicyError::DigestMismatch { policy: p, file }) if p == &sha256_hex(&data) && file == &sha256_hex(&changed)),
        "{error:?}"
    );
    assert!(error.to_string().contains(&sha256_hex(&changed)));
}

#[test]
fn sha256_is_lowercase_hex() {
    // The digest of the empty string, from FIPS 180-2.
    assert_eq!(
        sha256_hex(b""),
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn utc_timestamps_are_formatted_as_documented() {
    assert_eq!(format_utc(0), "1970-01-01T00:00:00Z");
    assert_eq!(format_utc(951_782_400), "2000-02-29T00:00:00Z");
    assert_eq!(format_utc(1_798_761_599), "2026-12-31T23:59:59Z");
    assert!(check_timestamp(&utc_now()).is_ok());
}

#[test]
fn policies_are_written_atomically_and_read_back() {
    let folder = std::env::temp_dir().join(format!("skops-policy-test-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("policy.json");
    std::fs::write(&path, "old").unwrap();
    sample().write_path(&path).unwrap();
    assert_eq!(TrustPolicy::read_path(&path).unwrap(), sample());
    let leftovers: Vec<_> = std::fs::read_dir(&folder).unwrap().collect();
    assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    let error = sample()
        .write_path(&folder.join("missing/policy.json"))
        .unwrap_err();
    assert!(matches!(
        error,
        Error::Format(skops_format::Error::Io { .. })
    ));
    std::fs::remove_dir_all(&folder).unwrap();
}

mod properties {
    use proptest::prelude::*;

    use super::super::*;

    proptest! {
        #[test]
        fn parsing_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = TrustPolicy::parse(&bytes);
        }

        #[test]
        fn every_valid_policy_round_trips(
            data in proptest::collection::vec(any::<u8>(), 0..64),
            types in proptest::collection::btree_set("[a-z_][a-z0-9_.]{0,20}", 0..8),
            approver in "[a-zA-Z][a-zA-Z0-9 ._-]{0,20}",
            note in proptest::option::of("[ -~\n\t]{0,40}"),
            seconds in 0u64..4_102_444_800,
        ) {
            let policy = TrustPolicy::new(
                &sha256_hex(&data),
                types.into_iter().collect(),
                &approver,
                &format_utc(seconds),
                note,
            )
            .unwrap();
            prop_assert_eq!(TrustPolicy::parse(policy.to_json().as_bytes()).unwrap(), policy.clone());
            prop_assert_eq!(policy.trusted_types_for(&data).unwrap(), policy.types());
        }
    }
}
