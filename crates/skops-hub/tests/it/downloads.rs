//! Downloads as clients need them: exact headers on `HEAD`, `Range` answers, commit-id
//! revisions that keep old content, and paginated listings.

use skops_hub::Limits;
use skops_hub::objects::git_blob_id;

use crate::support::{ndjson, start};

#[test]
fn resolve_answers_with_exact_headers_and_ranges() {
    let server = start(Limits::default());
    server.create("iris", false);
    let content = b"0123456789";
    let commit = server.commit("iris", &ndjson(None, &[("dir/data.bin", content)]));
    let commit_id = commit.json()["commitOid"].as_str().unwrap().to_owned();
    let head = server.request(
        "HEAD",
        "/alice/iris/resolve/main/dir/data.bin",
        None,
        &[],
        b"",
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some("10"));
    assert_eq!(head.header("x-repo-commit"), Some(commit_id.as_str()));
    let etag = format!("\"{}\"", git_blob_id(content));
    assert_eq!(head.header("etag"), Some(etag.as_str()));
    assert_eq!(head.header("accept-ranges"), Some("bytes"));
    assert!(head.header("x-xet-hash").is_none());
    assert!(head.body.is_empty());

    let get = server.get("/alice/iris/resolve/main/dir/data.bin", None);
    assert_eq!(get.body, content);
    let partial = server.request(
        "GET",
        "/alice/iris/resolve/main/dir/data.bin",
        None,
        &[("Range", "bytes=0-0")],
        b"",
    );
    assert_eq!(partial.status, 206);
    assert_eq!(partial.header("content-range"), Some("bytes 0-0/10"));
    assert_eq!(partial.body, b"0");
    let tail = server.request(
        "GET",
        "/alice/iris/resolve/main/dir/data.bin",
        None,
        &[("Range", "bytes=7-")],
        b"",
    );
    assert_eq!((tail.status, tail.body.as_slice()), (206, &b"789"[..]));
    let beyond = server.request(
        "GET",
        "/alice/iris/resolve/main/dir/data.bin",
        None,
        &[("Range", "bytes=10-")],
        b"",
    );
    assert_eq!(
        (beyond.status, beyond.header("content-range")),
        (416, Some("bytes */10"))
    );
}

#[test]
fn commit_revisions_keep_their_content() {
    let server = start(Limits::default());
    server.create("iris", false);
    let first = server
        .commit("iris", &ndjson(None, &[("a.txt", b"one")]))
        .json();
    let first = first["commitOid"].as_str().unwrap().to_owned();
    let second = server.commit("iris", &ndjson(Some(&first), &[("a.txt", b"two")]));
    assert_eq!(second.status, 200);
    assert_eq!(
        server.get("/alice/iris/resolve/main/a.txt", None).body,
        b"two"
    );
    let old = server.get(&format!("/alice/iris/resolve/{first}/a.txt"), None);
    assert_eq!(
        (old.body.as_slice(), old.header("x-repo-commit")),
        (&b"one"[..], Some(first.as_str()))
    );
    let info = server
        .get(&format!("/api/models/alice/iris/revision/{first}"), None)
        .json();
    assert_eq!(info["sha"], first.as_str());
    // A commit id never moves: committing to one is refused.
    let response = server.request(
        "POST",
        &format!("/api/models/alice/iris/commit/{first}"),
        Some(&server.write),
        &[],
        ndjson(None, &[("b", b"b")]).as_bytes(),
    );
    assert_eq!(response.kind(), "request-unsupported");
}

#[test]
fn listings_are_paginated_with_link_headers() {
    let server = start(Limits {
        page_size: 2,
        ..Limits::default()
    });
    server.create("iris", false);
    let files: Vec<(String, Vec<u8>)> = (0..5).map(|i| (format!("f{i}"), vec![i])).collect();
    let refs: Vec<(&str, &[u8])> = files
        .iter()
        .map(|(p, c)| (p.as_str(), c.as_slice()))
        .collect();
    assert_eq!(server.commit("iris", &ndjson(None, &refs)).status, 200);
    let mut url = "/api/models/alice/iris/tree/main?recursive=true".to_owned();
    let mut seen = Vec::new();
    loop {
        let page = server.get(&url, None);
        for entry in page.json().as_array().unwrap() {
            seen.push(entry["path"].as_str().unwrap().to_owned());
        }
        let Some(link) = page.header("link") else {
            break;
        };
        let next = link.trim_start_matches('<').split('>').next().unwrap();
        url = next
            .split_once(&server.addr.to_string())
            .unwrap()
            .1
            .to_owned();
    }
    assert_eq!(seen, ["f0", "f1", "f2", "f3", "f4"]);
}
