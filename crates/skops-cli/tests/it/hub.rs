//! `skops-rs hub token add` and `hub serve`'s errors (serving itself is tested against the
//! official client in python/tests/test_hub_conformance.py).

use crate::common::skops_rs;

#[test]
fn token_add_prints_a_token_the_store_keeps_only_hashed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let data_arg = data.to_str().unwrap();
    let run = skops_rs([
        "hub", "token", "add", "alice", "--write", "--data", data_arg,
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let token = run.stdout.trim();
    assert!(token.starts_with("skh_") && token.len() > 40, "{token}");
    let stored: Vec<_> = std::fs::read_dir(data.join("tokens")).unwrap().collect();
    assert_eq!(stored.len(), 1);
    let record = std::fs::read_to_string(stored[0].as_ref().unwrap().path()).unwrap();
    assert!(
        record.contains("\"write\"") && !record.contains(token),
        "{record}"
    );
    let again = skops_rs(["hub", "token", "add", "alice", "--data", data_arg]);
    assert_ne!(again.stdout.trim(), token);
    let bad = skops_rs(["hub", "token", "add", "no/slash", "--data", data_arg]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr
            .starts_with("error: hub: invalid repository name"),
        "{}",
        bad.stderr
    );
}

#[test]
fn serve_on_an_address_it_cannot_use_fails_with_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("hub");
    let run = skops_rs([
        "hub",
        "serve",
        "--addr",
        "not-an-address",
        "--data",
        data.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .starts_with("error: hub: cannot serve on `not-an-address`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("hint: pass another `--addr"),
        "{}",
        run.stderr
    );
    let run = skops_rs(["hub", "serve", "--store", "ftp://host/x"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr
            .contains("expected a folder, `file://` or `s3://"),
        "{}",
        run.stderr
    );
}
