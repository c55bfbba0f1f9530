//! `audit --write-policy` and `audit --policy`: a trust policy approves the untrusted types of
//! the one file it was written for, and refuses any other file, even one differing by a byte.

use std::path::{Path, PathBuf};

use insta::assert_snapshot;
use skops_trust::policy::{TrustPolicy, sha256_hex};

use crate::common::{Run, skops_rs};

const VISUALIZE: &str = "crates/skops-format/tests/data/visualize";

/// A copy of a committed `.skops` file in a fresh folder, so the policy can sit next to it.
struct Workspace {
    folder: tempfile::TempDir,
}

impl Workspace {
    fn new() -> Self {
        Self {
            folder: tempfile::tempdir().expect("temporary folder"),
        }
    }

    fn copy(&self, name: &str, as_name: &str) -> PathBuf {
        let source = crate::common::workspace()
            .join(VISUALIZE)
            .join(format!("{name}.skops"));
        let target = self.folder.path().join(as_name);
        std::fs::copy(source, &target).expect("copy the fixture");
        target
    }

    fn path(&self, name: &str) -> PathBuf {
        self.folder.path().join(name)
    }

    /// `run`'s transcript with the folder, the digests of `files` and the policy's timestamp
    /// replaced by placeholders.
    fn redact(&self, run: &Run, files: &[(&Path, &str)], policy: Option<&Path>) -> String {
        let mut text = run.transcript();
        for (file, label) in files {
            let digest = sha256_hex(&std::fs::read(file).expect("file readable"));
            text = text.replace(&digest, &format!("[sha256 of {label}]"));
        }
        if let Some(policy) = policy {
            let approved_at = TrustPolicy::read_path(policy)
                .expect("policy")
                .approved_at()
                .to_owned();
            text = text.replace(&approved_at, "[time]");
        }
        text.replace(&self.folder.path().display().to_string(), "[tmp]")
    }
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

#[test]
fn a_written_policy_approves_its_file() {
    let ws = Workspace::new();
    let model = ws.copy("function_partial", "a.skops");
    let policy = ws.path("a.policy.json");
    let before = skops_rs(["audit", &arg(&model)]);
    assert_eq!(before.code, 1, "{}", before.transcript());

    let write = skops_rs([
        "audit",
        &arg(&model),
        "--write-policy",
        &arg(&policy),
        "--approved-by",
        "alice",
        "--note",
        "reviewed: numpy.round in a partial",
    ]);
    assert_eq!(write.code, 0, "{}", write.transcript());
    assert_snapshot!(
        "policy_write",
        ws.redact(&write, &[(&model, "a.skops")], Some(&policy))
    );

    let written = TrustPolicy::read_path(&policy).expect("the policy reads back");
    assert_eq!(
        written.sha256(),
        sha256_hex(&std::fs::read(&model).unwrap())
    );
    assert_eq!(written.types(), ["functools.partial", "numpy.round"]);
    assert_eq!(written.approved_by(), "alice");
    assert_eq!(written.note(), Some("reviewed: numpy.round in a partial"));
    let leftovers = std::fs::read_dir(ws.folder.path()).unwrap().count();
    assert_eq!(leftovers, 2, "the model and the policy, no temporary file");

    let check = skops_rs(["audit", &arg(&model), "--policy", &arg(&policy)]);
    assert_eq!(check.code, 0, "{}", check.transcript());
    assert_snapshot!(
        "policy_check_clean",
        ws.redact(&check, &[(&model, "a.skops")], Some(&policy))
    );
}

#[test]
fn a_policy_leaves_other_untrusted_types_untrusted() {
    let ws = Workspace::new();
    let model = ws.copy("function_partial", "a.skops");
    let policy = ws.path("p.json");
    let write = skops_rs([
        "audit",
        &arg(&model),
        "--trusted",
        "numpy.round",
        "--write-policy",
        &arg(&policy),
    ]);
    assert_eq!(write.code, 0, "{}", write.transcript());
    let written = TrustPolicy::read_path(&policy).unwrap();
    assert_eq!(
        written.types(),
        ["functools.partial"],
        "only what --trusted left"
    );

    let check = skops_rs(["audit", &arg(&model), "--policy", &arg(&policy)]);
    assert_eq!(check.code, 1, "{}", check.transcript());
    assert!(check.stdout.contains("numpy.round"), "{}", check.stdout);
    let json = skops_rs(["audit", "--json", &arg(&model), "--policy", &arg(&policy)]);
    assert_eq!(json.code, 1);
    assert!(
        json.stdout.contains("\"functools.partial\""),
        "trusted by the policy: {}",
        json.stdout
    );
}

#[test]
fn a_policy_for_one_file_refuses_another() {
    let ws = Workspace::new();
    let model = ws.copy("function_partial", "a.skops");
    let other = ws.copy("function_numpy", "b.skops");
    let policy = ws.path("a.policy.json");
    let write = skops_rs(["audit", &arg(&model), "--write-policy", &arg(&policy)]);
    assert_eq!(write.code, 0, "{}", write.transcript());

    let run = skops_rs(["audit", &arg(&other), "--policy", &arg(&policy)]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stdout.is_empty());
    for file in [&model, &other] {
        let digest = sha256_hex(&std::fs::read(file).unwrap());
        assert!(
            run.stderr.contains(&digest),
            "names both digests: {}",
            run.stderr
        );
    }
    assert_snapshot!(
        "policy_other_file",
        ws.redact(&run, &[(&model, "a.skops"), (&other, "b.skops")], None)
    );
}

#[test]
fn a_policy_refuses_its_file_changed_by_one_byte() {
    let ws = Workspace::new();
    let model = ws.copy("function_partial", "a.skops");
    let policy = ws.path("a.policy.json");
    let write = skops_rs(["audit", &arg(&model), "--write-policy", &arg(&policy)]);
    assert_eq!(write.code, 0, "{}", write.transcript());

    let mut bytes = std::fs::read(&model).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let changed = ws.path("a-changed.skops");
    std::fs::write(&changed, &bytes).unwrap();
    let run = skops_rs(["audit", &arg(&changed), "--policy", &arg(&policy)]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(
        run.stderr
            .contains("the trust policy is for the file with sha256"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains(&sha256_hex(&bytes)), "{}", run.stderr);
}

#[test]
fn a_policy_stored_inside_the_model_folder_cannot_approve_a_replaced_model() {
    // The GHSA-w582-9x45-8mpx pattern: whoever can replace the model can replace the list
    // next to it, but cannot make an old policy match new bytes.
    let ws = Workspace::new();
    let model = ws.copy("function_partial", "model.skops");
    let policy = ws.path("model.policy.json");
    assert_eq!(
        skops_rs(["audit", &arg(&model), "--write-policy", &arg(&policy)]).code,
        0
    );
    std::fs::copy(ws.copy("method", "evil.skops"), &model).unwrap();
    let run = skops_rs(["audit", &arg(&model), "--policy", &arg(&policy)]);
    assert_eq!(run.code, 2, "{}", run.transcript());
}

#[test]
fn invalid_policies_are_errors() {
    let ws = Workspace::new();
    let model = ws.copy("function_partial", "a.skops");
    let cases = [
        ("unsupported_version", "{\"version\": 2}".to_owned()),
        ("not_json", "{\"version\": 1,".to_owned()),
        (
            "duplicate_type",
            format!(
                "{{\"version\": 1, \"sha256\": \"{}\", \"types\": [\"a.B\", \"a.B\"], \
                 \"approved_by\": \"x\", \"approved_at\": \"2026-01-01T00:00:00Z\"}}",
                "0".repeat(64)
            ),
        ),
    ];
    for (name, text) in cases {
        let policy = ws.path(&format!("{name}.json"));
        std::fs::write(&policy, text).unwrap();
        let run = skops_rs(["audit", &arg(&model), "--policy", &arg(&policy)]);
        assert_eq!(run.code, 2, "{}", run.transcript());
        assert_snapshot!(format!("policy_error_{name}"), ws.redact(&run, &[], None));
    }
}

#[test]
fn a_policy_is_never_written_over_its_model() {
    let ws = Workspace::new();
    let model = ws.copy("function_partial", "a.skops");
    let before = std::fs::read(&model).unwrap();
    let run = skops_rs(["audit", &arg(&model), "--write-policy", &arg(&model)]);
    assert_eq!(run.code, 2, "{}", run.transcript());
    assert!(run.stderr.contains("is the model file"), "{}", run.stderr);
    assert_eq!(std::fs::read(&model).unwrap(), before);
}

#[test]
fn policy_flags_are_checked() {
    let conflicting = skops_rs([
        "audit",
        "m.skops",
        "--policy",
        "p.json",
        "--write-policy",
        "q.json",
    ]);
    assert_eq!(conflicting.code, 2);
    let orphan = skops_rs(["audit", "m.skops", "--approved-by", "alice"]);
    assert_eq!(orphan.code, 2);
    assert!(
        orphan.stderr.contains("--write-policy"),
        "{}",
        orphan.stderr
    );
}
