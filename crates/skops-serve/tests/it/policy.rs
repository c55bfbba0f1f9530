//! Trust policies at start-up (`--policy`): a policy for the model file's sha256 admits the
//! untrusted types it approves (all of them, or the model stays refused), shows in the
//! metadata and the page, and a policy for no served file stops the start-up.
//!
//! `dated.skops` (`make_models.py`) is a decision tree with an attribute of its own, a
//! `datetime.date`: skops' defaults do not trust that type, and the native engine evaluates
//! the tree (it reads only the attributes it needs).

use std::path::PathBuf;

use skops_serve::policy::Policies;
use skops_serve::{ModelSpec, Models, oip, pages};
use skops_trust::policy::{TrustPolicy, sha256_hex};

use crate::data;

const UNTRUSTED: &str = "datetime.date";

fn model() -> (PathBuf, Vec<u8>) {
    let path = data("dated.skops");
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

/// A policy approving `types` in the file `bytes`, written to `dir/name`.
fn write_policy(dir: &tempfile::TempDir, name: &str, bytes: &[u8], types: &[&str]) -> PathBuf {
    let types = types.iter().map(|name| (*name).to_owned()).collect();
    let policy = TrustPolicy::for_data(bytes, types, Some("alice"), None).unwrap();
    let path = dir.path().join(name);
    policy.write_path(&path).unwrap();
    path
}

fn load(policies: &[PathBuf]) -> skops_serve::Result<Models> {
    let (path, _) = model();
    Models::load_with(&[ModelSpec::path(path)], &Policies::read(policies)?, None)
}

#[test]
fn without_a_policy_the_model_is_refused_with_its_sha256() {
    let (_, bytes) = model();
    let error = load(&[]).unwrap_err();
    assert_eq!(error.kind(), "serve-untrusted-types");
    let message = error.to_string();
    assert!(message.contains(UNTRUSTED), "{message}");
    assert!(message.contains(&sha256_hex(&bytes)), "{message}");
    assert!(message.contains("--policy"), "{message}");
}

#[test]
fn a_policy_for_the_file_admits_its_approved_types() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = model();
    let policy = write_policy(&dir, "dated.policy.json", &bytes, &[UNTRUSTED]);
    let models = load(std::slice::from_ref(&policy)).unwrap();
    let served = models.get("dated").unwrap();
    let admission = served.admitted_by.as_ref().unwrap();
    assert_eq!(admission.policy, policy);
    assert_eq!(admission.sha256, sha256_hex(&bytes));
    assert_eq!(admission.approved_by, "alice");
    assert_eq!(admission.types, [UNTRUSTED]);

    let metadata = oip::model_metadata(&served);
    let shown = &metadata["parameters"]["trust_policy"];
    assert_eq!(shown["policy"], "dated.policy.json", "{metadata}");
    assert_eq!(shown["sha256"], sha256_hex(&bytes));
    assert_eq!(shown["approved_by"], "alice");
    assert_eq!(shown["types"], serde_json::json!([UNTRUSTED]));
    // The page names the policy's file, never its server path.
    let page = pages::model_page(&served).into_string();
    assert!(page.contains("dated.policy.json"), "{page}");
    assert!(page.contains(UNTRUSTED), "{page}");
    assert!(!page.contains(&dir.path().display().to_string()), "{page}");
}

#[test]
fn a_policy_approving_too_little_is_named_in_the_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = model();
    let policy = write_policy(&dir, "short.json", &bytes, &["numpy.exp"]);
    let error = load(&[policy]).unwrap_err();
    assert_eq!(error.kind(), "serve-untrusted-types");
    let message = error.to_string();
    assert!(message.contains(UNTRUSTED), "{message}");
    assert!(message.contains("short.json"), "{message}");
}

#[test]
fn a_policy_for_another_file_admits_nothing_and_is_unused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, mut bytes) = model();
    // The same review for a file differing by one byte.
    if let Some(last) = bytes.last_mut() {
        *last ^= 1;
    }
    let other = write_policy(&dir, "other.json", &bytes, &[UNTRUSTED]);
    assert_eq!(
        load(std::slice::from_ref(&other)).unwrap_err().kind(),
        "serve-untrusted-types"
    );
    // With the model's own policy too, the other one is for no served file.
    let (_, bytes) = model();
    let own = write_policy(&dir, "own.json", &bytes, &[UNTRUSTED]);
    let error = load(&[own, other]).unwrap_err();
    assert_eq!(error.kind(), "serve-unused-policy");
    assert!(error.to_string().contains("other.json"), "{error}");
    // A policy for a model whose audit is clean is used (it names a served file) but admits
    // nothing.
    let tree = std::fs::read(data("tree.skops")).unwrap();
    let clean = write_policy(&dir, "clean.json", &tree, &[UNTRUSTED]);
    let models = Models::load_with(
        &[ModelSpec::path(data("tree.skops"))],
        &Policies::read(&[clean]).unwrap(),
        None,
    )
    .unwrap();
    assert!(models.get("tree").unwrap().admitted_by.is_none());
}

#[test]
fn bad_and_repeated_policies_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_, bytes) = model();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"version\": 1,").unwrap();
    let error = Policies::read(&[broken]).unwrap_err();
    assert_eq!(error.kind(), "serve-bad-policy");
    assert!(error.to_string().contains("broken.json"), "{error}");
    let missing = Policies::read(&[dir.path().join("missing.json")]).unwrap_err();
    assert_eq!(missing.kind(), "serve-bad-policy");
    let first = write_policy(&dir, "first.json", &bytes, &[UNTRUSTED]);
    let second = write_policy(&dir, "second.json", &bytes, &[UNTRUSTED]);
    let error = Policies::read(&[first, second]).unwrap_err();
    assert_eq!(error.kind(), "serve-bad-policy");
    assert!(error.to_string().contains("first.json"), "{error}");
}
