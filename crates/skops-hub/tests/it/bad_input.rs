//! Bad input gets a specific HF-style error (never a 500) and leaves repositories as they were.

use std::io::Write;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use skops_hub::Limits;

use crate::support::{ndjson, start};

const HEADER: &str = r#"{"key":"header","value":{"summary":"s"}}"#;

#[test]
fn malformed_commit_bodies_are_refused_and_change_nothing() {
    let server = start(Limits::default());
    server.create("iris", false);
    let before = server.head("iris");
    let cases = [
        ("not json at all\n".to_owned(), "request-bad-ndjson"),
        (
            format!(
                "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"aGk\",\"path\":\"a\"}}}}\n"
            ),
            "request-bad-base64",
        ),
        (
            format!(
                "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"a$k=\",\"path\":\"a\"}}}}\n"
            ),
            "request-bad-base64",
        ),
        (
            format!(
                "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"aGk=\",\"path\":\"../x\"}}}}\n"
            ),
            "path-dot-segment",
        ),
        (
            format!(
                "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"aGk=\",\"path\":\"/etc/x\"}}}}\n"
            ),
            "path-absolute",
        ),
        (
            format!(
                "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"aGk=\",\"path\":\"a\\\\b\"}}}}\n"
            ),
            "path-backslash",
        ),
        (
            format!(
                "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"aGk=\",\"path\":\"a\\u0000b\"}}}}\n"
            ),
            "path-control-character",
        ),
        (
            format!(
                "{HEADER}\n{{\"key\":\"file\",\"value\":{{\"content\":\"aGk=\",\"path\":\"a//b\"}}}}\n"
            ),
            "path-empty-segment",
        ),
        (
            format!(
                "{HEADER}\n{{\"key\":\"deletedFile\",\"value\":{{\"path\":\"missing.txt\"}}}}\n"
            ),
            "entry-not-found",
        ),
        (
            format!(
                "{HEADER}\n{{\"key\":\"lfsFile\",\"value\":{{\"path\":\"m\",\"algo\":\"sha256\",\"oid\":\"{}\"}}}}\n",
                "ab".repeat(32)
            ),
            "request-unsupported",
        ),
    ];
    for (body, kind) in cases {
        let response = server.commit("iris", &body);
        assert!(
            (400..500).contains(&response.status),
            "{body}: {}",
            response.status
        );
        assert_eq!(response.kind(), kind, "{body}");
        assert!(response.json()["error"].is_string());
    }
    assert_eq!(server.head("iris"), before);
    assert_eq!(server.staged(), 0);
}

#[test]
fn bad_urls_get_specific_errors() {
    let server = start(Limits::default());
    server.create("iris", false);
    let cases = [
        (
            "/api/foos/alice/iris",
            400,
            "request-unknown-repo-type",
            None,
        ),
        (
            "/api/models/alice/nope",
            404,
            "repo-not-found",
            Some("RepoNotFound"),
        ),
        (
            "/api/models/alice/iris/revision/nope",
            404,
            "revision-not-found",
            Some("RevisionNotFound"),
        ),
        (
            "/api/models/alice/iris/revision/0123456789012345678901234567890123456789",
            404,
            "revision-not-found",
            Some("RevisionNotFound"),
        ),
        (
            "/alice/iris/resolve/main/missing.txt",
            404,
            "entry-not-found",
            Some("EntryNotFound"),
        ),
        (
            "/alice/iris/resolve/main/a/../b",
            400,
            "path-dot-segment",
            None,
        ),
        (
            "/alice/iris/resolve/main/a%5Cb",
            400,
            "path-backslash",
            None,
        ),
        (
            "/alice/iris/resolve/main/a%00b",
            400,
            "path-control-character",
            None,
        ),
        (
            "/alice/iris/resolve/main/%2Fetc/passwd",
            400,
            "path-absolute",
            None,
        ),
        (
            "/alice/iris/resolve/main/a//b",
            400,
            "path-empty-segment",
            None,
        ),
        (
            "/api/models/al..ice/iris",
            400,
            "request-bad-repo-name",
            None,
        ),
        (
            "/api/models/alice/iris/tree/main?recursive=maybe",
            400,
            "request-bad-query",
            None,
        ),
        ("/nothing", 404, "route-not-found", None),
    ];
    for (path, status, kind, code) in cases {
        let response = server.get(path, None);
        assert_eq!(
            (response.status, response.kind().as_str()),
            (status, kind),
            "{path}"
        );
        assert_eq!(response.header("x-error-code"), code, "{path}");
    }
    let response = server.request("PUT", "/api/whoami-v2", None, &[], b"");
    assert_eq!(
        (response.status, response.kind().as_str()),
        (405, "request-method-not-allowed")
    );
    let response = server.post_json(
        "/api/repos/create",
        Some(&server.write),
        &serde_json::json!({"name": "x", "type": "widget"}),
    );
    assert_eq!(response.kind(), "request-unknown-repo-type");
    let response = server.request(
        "POST",
        "/api/repos/create",
        Some(&server.write),
        &[],
        b"{not json",
    );
    assert_eq!(
        (response.status, response.kind().as_str()),
        (400, "request-bad-json")
    );
}

#[test]
fn conflicts_bad_revisions_and_bad_metadata_get_their_kinds() {
    let server = start(Limits::default());
    server.create("iris", false);
    let again = server.post_json(
        "/api/repos/create",
        Some(&server.write),
        &serde_json::json!({"name": "iris", "organization": "alice", "type": "model"}),
    );
    assert_eq!(
        (again.status, again.kind().as_str()),
        (409, "conflict-repo-exists")
    );
    let first = server.head("iris");
    let landed = server.commit("iris", &ndjson(Some(&first), &[("a.txt", b"a")]));
    assert_eq!(landed.status, 200);
    let second = server.head("iris");
    let stale = server.commit("iris", &ndjson(Some(&first), &[("b.txt", b"b")]));
    assert_eq!(
        (stale.status, stale.kind().as_str()),
        (412, "conflict-parent-mismatch")
    );
    assert_eq!(server.head("iris"), second);
    let revision = server.get("/api/models/alice/iris/tree/a%01b", None);
    assert_eq!(
        (revision.status, revision.kind().as_str()),
        (400, "request-bad-revision")
    );
    // An over-long revision is refused without echoing all of it.
    let long = server.get(
        &format!("/api/models/alice/iris/tree/{}", "r".repeat(5000)),
        None,
    );
    assert_eq!(
        (long.status, long.kind().as_str()),
        (400, "request-bad-revision")
    );
    let message = long.json()["error"].as_str().unwrap_or_default().to_owned();
    assert!(long.body.len() < 400, "{message}");
    assert!(message.contains("5000 bytes long"), "{message}");
    let metadata = server.post_json(
        "/api/validate-yaml",
        None,
        &serde_json::json!({"content": "---\nlicense: [mit\n---\n# Card\n"}),
    );
    assert_eq!(
        (metadata.status, metadata.kind().as_str()),
        (400, "request-bad-metadata")
    );
}

#[test]
fn oversized_bodies_are_refused_with_413() {
    let server = start(Limits {
        commit_body_bytes: 64 << 10,
        json_body_bytes: 1 << 10,
        ..Limits::default()
    });
    server.create("iris", false);
    let before = server.head("iris");
    let big = vec![7u8; 100 << 10];
    let response = server.commit("iris", &ndjson(None, &[("big.bin", &big)]));
    assert_eq!(
        (response.status, response.kind().as_str()),
        (413, "request-body-too-large")
    );
    let response = server.post_json(
        "/api/validate-yaml",
        None,
        &serde_json::json!({"content": "x".repeat(2000)}),
    );
    assert_eq!(response.status, 413);
    assert_eq!(server.head("iris"), before);
    wait_for(|| server.staged() == 0);
}

#[test]
fn a_client_killed_mid_upload_leaves_the_repository_unchanged() {
    let server = start(Limits::default());
    server.create("iris", false);
    let before = server.head("iris");
    let body = ndjson(
        None,
        &[("a.txt", b"complete"), ("big.bin", &vec![1u8; 1 << 20])],
    );
    let mut stream = TcpStream::connect(server.addr).unwrap();
    write!(
        stream,
        "POST /api/models/alice/iris/commit/main HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nContent-Type: application/x-ndjson\r\nContent-Length: {}\r\n\r\n",
        server.addr,
        server.write,
        body.len()
    )
    .unwrap();
    // The first file line whole, half of the second: then the client dies.
    stream
        .write_all(&body.as_bytes()[..body.len() / 2])
        .unwrap();
    stream.flush().unwrap();
    std::thread::sleep(Duration::from_millis(200));
    drop(stream);
    wait_for(|| server.staged() == 0);
    assert_eq!(server.head("iris"), before);
    let files = server.get("/api/models/alice/iris/tree/main?recursive=true", None);
    assert_eq!(files.json(), serde_json::json!([]));
}

#[test]
fn private_repositories_need_a_token_and_writes_a_write_token() {
    let server = start(Limits::default());
    server.create("secret", true);
    let body = ndjson(None, &[("a.txt", b"hi")]);
    assert_eq!(server.commit("secret", &body).status, 200);
    for path in [
        "/api/models/alice/secret",
        "/alice/secret/resolve/main/a.txt",
        "/api/models/alice/secret/tree/main",
    ] {
        let anonymous = server.get(path, None);
        assert_eq!(
            (anonymous.status, anonymous.header("x-error-code")),
            (404, Some("RepoNotFound")),
            "{path}"
        );
        assert_eq!(server.get(path, Some(&server.read)).status, 200, "{path}");
    }
    let invalid = server.get("/api/models/alice/secret", Some("skh_forged"));
    assert_eq!(
        (invalid.status, invalid.kind().as_str()),
        (401, "auth-invalid-token")
    );
    let read_only = server.request(
        "POST",
        "/api/models/alice/secret/commit/main",
        Some(&server.read),
        &[],
        body.as_bytes(),
    );
    assert_eq!(
        (read_only.status, read_only.kind().as_str()),
        (403, "auth-read-only-token")
    );
    let anonymous = server.request(
        "POST",
        "/api/models/alice/secret/commit/main",
        None,
        &[],
        body.as_bytes(),
    );
    assert_eq!(
        (anonymous.status, anonymous.kind().as_str()),
        (401, "auth-token-required")
    );
    assert_eq!(server.get("/api/whoami-v2", None).status, 401);
    // Made public, anyone reads it.
    let response = server.request(
        "PUT",
        "/api/models/alice/secret/settings",
        Some(&server.write),
        &[],
        br#"{"private": false}"#,
    );
    assert_eq!(response.status, 200);
    assert_eq!(server.get("/api/models/alice/secret", None).status, 200);
}

/// Waits (at most 10 s) until `done`.
fn wait_for(done: impl Fn() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < Duration::from_secs(10), "timed out");
        std::thread::sleep(Duration::from_millis(20));
    }
}
