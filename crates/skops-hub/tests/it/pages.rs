//! Model pages as a browser gets them: the list, a model's card, metadata, files and audits,
//! escaping of everything a repository holds, the sanitiser, private repositories, and error
//! pages (HTML, with the API's status and `X-Error-Code`).

use sha2::{Digest, Sha256};
use skops_hub::Limits;

use crate::support::{Response, Server, ndjson, start};

/// A file of `testdata/malicious` (written by `scripts/make_malicious.py`).
fn testdata(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/malicious/");
    std::fs::read(format!("{path}{name}")).unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A PNG's first bytes (enough for the test: the page links it, the test downloads it).
const PLOT: &[u8] = b"\x89PNG\r\n\x1a\n plot bytes";

fn text(response: &Response) -> String {
    String::from_utf8(response.body.clone()).unwrap()
}

/// Asserts the headers every page has, and returns its text.
fn page(response: &Response, status: u16) -> String {
    assert_eq!(response.status, status, "{}", text(response));
    assert_eq!(
        response.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let policy = response.header("content-security-policy").unwrap();
    assert!(policy.starts_with("default-src 'none';"), "{policy}");
    assert!(!policy.contains("script-src"), "{policy}");
    assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
    text(response)
}

/// The tags of `html`, each as its name and attributes (escaped text has no `<`, and every
/// attribute value is double-quoted, so this small reader is exact for these pages).
fn tags(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        if let Some(closing) = rest.strip_prefix('/') {
            rest = &closing[closing.find('>').unwrap()..];
            continue;
        }
        let name_end = rest.find([' ', '>', '/', '\n']).unwrap_or(rest.len());
        let name = rest[..name_end].to_ascii_lowercase();
        rest = &rest[name_end..];
        let mut attributes = Vec::new();
        loop {
            rest = rest.trim_start_matches([' ', '\n', '\t', '/']);
            if rest.is_empty() || rest.starts_with('>') {
                break;
            }
            let end = rest.find(['=', ' ', '>']).unwrap_or(rest.len());
            let attribute = rest[..end].to_ascii_lowercase();
            rest = &rest[end..];
            let mut value = String::new();
            if let Some(quoted) = rest.strip_prefix("=\"") {
                let close = quoted.find('"').unwrap();
                value = quoted[..close].to_owned();
                rest = &quoted[close + 1..];
            }
            attributes.push((attribute, value));
        }
        out.push((name, attributes));
    }
    out
}

/// Asserts that no tag of `html` could run code, restyle the page or load another site's
/// content; the page's own `<style>` is its only style element.
fn assert_inert(html: &str) {
    let tags = tags(html);
    for (name, attributes) in &tags {
        let banned = [
            "script", "iframe", "object", "embed", "form", "input", "base", "link", "svg", "frame",
            "template",
        ];
        assert!(!banned.contains(&name.as_str()), "<{name}> in {html}");
        for (attribute, value) in attributes {
            assert!(!attribute.starts_with("on"), "<{name} {attribute}=...>");
            assert_ne!(attribute, "style", "<{name} style=...>");
            let value = value.to_ascii_lowercase();
            assert!(
                !value.contains("javascript:"),
                "<{name} {attribute}={value}>"
            );
            if attribute == "src" || attribute == "href" {
                assert!(!value.starts_with("//"), "<{name} {attribute}={value}>");
            }
        }
    }
    let styles = tags.iter().filter(|(name, _)| name == "style").count();
    assert_eq!(styles, 1, "{html}");
    let metas: Vec<_> = tags.iter().filter(|(name, _)| name == "meta").collect();
    assert!(metas.iter().all(|(_, attributes)| {
        attributes
            .iter()
            .all(|(attribute, _)| ["charset", "name", "content"].contains(&attribute.as_str()))
    }));
}

/// The `<article class="audit">` of `file`, as HTML.
fn article<'a>(html: &'a str, file: &str) -> &'a str {
    let start = html
        .find(&format!("<article class=\"audit\" data-file=\"{file}\">"))
        .unwrap_or_else(|| panic!("no audit of `{file}` in {html}"));
    let rest = &html[start..];
    &rest[..rest.find("</article>").unwrap()]
}

fn commit(server: &Server, name: &str, files: &[(&str, &[u8])]) -> String {
    let response = server.commit(name, &ndjson(None, files));
    assert_eq!(response.status, 200, "{}", text(&response));
    response.json()["commitOid"].as_str().unwrap().to_owned()
}

#[test]
fn the_list_shows_public_repositories_and_private_ones_to_tokens() {
    let server = start(Limits::default());
    server.create("iris", false);
    server.create("secret", true);
    let anonymous = page(&server.get("/", None), 200);
    assert!(anonymous.contains("<a href=\"/alice/iris\">alice/iris</a>"));
    assert!(!anonymous.contains("secret"));
    let reader = page(&server.get("/", Some(&server.read)), 200);
    assert!(reader.contains("<a href=\"/alice/secret\">alice/secret</a>"));
    assert!(reader.contains("private"));
    assert!(reader.contains("signed in as bob"));
    // HEAD answers the same headers without a body.
    let head = server.request("HEAD", "/", None, &[], b"");
    assert!(page(&head, 200).is_empty());
    // A token the hub did not issue is refused, as on the API, with an HTML page.
    let bad = server.get("/", Some("skh_not_a_token"));
    assert!(page(&bad, 401).contains("auth-invalid-token"));
}

#[test]
fn a_model_page_shows_card_metadata_files_and_audits() {
    let server = start(Limits::default());
    server.create("iris", false);
    let model = testdata("baseline.skops");
    let card = format!(
        "---\nlibrary_name: sklearn\nlicense: mit\ntags:\n- skops\n- tabular-classification\n\
         model_file: model.skops\nmodel_sha256: {}\n---\n# Iris classifier\n\n\
         Trained on iris.\n\n![ROC curve](plot.png)\n",
        sha256(&model)
    );
    let config = br#"{"sklearn": {"environment": ["scikit-learn=1.9.1"], "model": {"file": "model.skops"}, "task": "tabular-classification"}}"#;
    let id = commit(
        &server,
        "iris",
        &[
            ("README.md", card.as_bytes()),
            ("config.json", config),
            ("model.skops", &model),
            ("plot.png", PLOT),
        ],
    );
    let html = page(&server.get("/alice/iris", None), 200);
    assert_inert(&html);
    // The card, without its front matter, its plot pointing to the file at this commit.
    assert!(html.contains("<h1>Iris classifier</h1>"), "{html}");
    assert!(!html.contains("model_sha256: "));
    let plot = format!("/alice/iris/resolve/{id}/plot.png");
    assert!(
        html.contains(&format!("<img src=\"{plot}\" alt=\"ROC curve\">")),
        "{html}"
    );
    assert_eq!(server.get(&plot, None).body, PLOT);
    // Metadata from the front matter and config.json.
    for expected in [
        "<dt>Task</dt><dd>tabular-classification</dd>",
        "<dt>Library</dt><dd>sklearn</dd>",
        "<span class=\"badge\">skops</span>",
        "<dt>scikit-learn</dt><dd>1.9.1</dd>",
        "<dt>Model file</dt><dd>model.skops</dd>",
        "<dt>License</dt><dd>mit</dd>",
    ] {
        assert!(html.contains(expected), "no `{expected}` in {html}");
    }
    // Files with size, sha256 and a download link.
    assert!(html.contains(&sha256(&model)));
    assert!(html.contains(&format!("href=\"/alice/iris/resolve/{id}/model.skops\"")));
    assert!(html.contains(&format!("title=\"{} bytes\"", model.len())));
    // The audit of the model file, and the card bound to it.
    let audit = article(&html, "model.skops");
    assert!(audit.contains("No untrusted types"), "{audit}");
    assert!(audit.contains("Card: bound to this file"), "{audit}");
    assert!(html.contains("<section id=\"audit\">"));
    // The same page at the commit id, and `main` at the next commit.
    let next = commit(&server, "iris", &[("other.txt", b"x")]);
    let old = page(&server.get(&format!("/alice/iris/tree/{id}"), None), 200);
    assert!(!old.contains("other.txt"));
    assert!(old.contains("back to main"));
    let main = page(&server.get("/alice/iris/tree/main", None), 200);
    assert!(main.contains("other.txt") && main.contains(&next));
}

#[test]
fn hostile_file_names_cards_and_yaml_are_escaped_or_removed() {
    let server = start(Limits::default());
    server.create("iris", false);
    let hostile_name = "<img src=x onerror=alert(1)>.skops";
    let card = concat!(
        "---\n",
        "tags:\n- \"<script>alert(0)</script>\"\n",
        "license: \"</dd><img src=x onerror=alert(2)>\"\n",
        "library_name: '\"><svg onload=alert(3)>'\n",
        "---\n",
        "# Card\n\n",
        "<script>window.pwned = 4</script>\n\n",
        "<img src=\"plot.png\" onerror=\"window.pwned = 5\">\n\n",
        "<iframe src=\"https://example.com/\"></iframe>\n\n",
        "<p style=\"width: expression(alert(6))\" onmouseover=\"alert(7)\">hover</p>\n\n",
        "[click](javascript:alert(8)) <a href=\"jAvAsCrIpT:alert(9)\">x</a>\n",
    );
    commit(
        &server,
        "iris",
        &[("README.md", card.as_bytes()), (hostile_name, b"not a zip")],
    );
    let html = page(&server.get("/alice/iris", None), 200);
    assert_inert(&html);
    assert!(!html.contains("pwned"), "{html}");
    assert!(!html.contains("expression("), "{html}");
    assert!(html.contains("hover"));
    // The name, tag and license are shown, as text.
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;.skops"));
    assert!(html.contains("&lt;/dd&gt;&lt;img src=x onerror=alert(2)&gt;"));
    assert!(html.contains("&quot;&gt;&lt;svg onload=alert(3)&gt;"));
    assert!(html.contains("&lt;script&gt;alert(0)&lt;/script&gt;"));
    let audit = article(&html, "&lt;img src=x onerror=alert(1)&gt;.skops");
    assert!(audit.contains("zip-not-an-archive"), "{audit}");
}

#[test]
fn private_repositories_are_not_found_without_a_token() {
    let server = start(Limits::default());
    server.create("secret", true);
    let hidden = server.get("/alice/secret", None);
    assert_eq!(hidden.header("x-error-code"), Some("RepoNotFound"));
    let html = page(&hidden, 404);
    assert!(html.contains("Repository not found") && html.contains("repo-not-found"));
    let shown = page(&server.get("/alice/secret", Some(&server.read)), 200);
    assert!(shown.contains("alice/secret") && shown.contains("private"));
}

#[test]
fn unknown_repositories_and_revisions_are_404_pages() {
    let server = start(Limits::default());
    server.create("iris", false);
    let cases = [
        ("/alice/nope", "RepoNotFound", "repo-not-found"),
        ("/nobody/iris/tree/main", "RepoNotFound", "repo-not-found"),
        (
            "/alice/iris/tree/dev",
            "RevisionNotFound",
            "revision-not-found",
        ),
        (
            "/alice/iris/tree/0000000000000000000000000000000000000000",
            "RevisionNotFound",
            "revision-not-found",
        ),
    ];
    for (path, code, kind) in cases {
        let response = server.get(path, None);
        assert_eq!(response.header("x-error-code"), Some(code), "{path}");
        assert!(page(&response, 404).contains(kind), "{path}");
    }
    // A name no repository may have: the API's 400, as a page, its text escaped.
    let bad = page(&server.get("/al%3Cice/iris", None), 400);
    assert!(bad.contains("request-bad-repo-name") && bad.contains("al&lt;ice"));
    // Not a page: the API's JSON error.
    let api = server.get("/alice/iris/tree/main/sub", None);
    assert_eq!((api.status, api.kind().as_str()), (404, "route-not-found"));
}

#[test]
fn audits_show_untrusted_types_with_paths_and_errors_by_kind() {
    let server = start(Limits::default());
    server.create("iris", false);
    commit(
        &server,
        "iris",
        &[
            ("evil.skops", &testdata("untrusted_os_system.skops")),
            ("popen.skops", &testdata("untrusted_popen_object.skops")),
            ("broken.skops", &testdata("bad_crc_data.skops")),
            ("empty.skops", b""),
        ],
    );
    let html = page(&server.get("/alice/iris", None), 200);
    let evil = article(&html, "evil.skops");
    assert!(evil.contains("<code>os.system</code> at <code>"), "{evil}");
    assert!(evil.contains("1 untrusted type"), "{evil}");
    let popen = article(&html, "popen.skops");
    assert!(
        popen.contains("<code>subprocess.Popen</code> at <code>"),
        "{popen}"
    );
    assert!(article(&html, "broken.skops").contains("<code>zip-crc-mismatch</code>"));
    assert!(article(&html, "empty.skops").contains("<code>zip-not-an-archive</code>"));
    // Without a card, nothing binds it.
    assert!(evil.contains("Card: none"));
}

#[test]
fn the_card_is_bound_to_one_exact_file() {
    let server = start(Limits::default());
    server.create("iris", false);
    let bound = testdata("baseline.skops");
    let other = testdata("untrusted_os_system.skops");
    let card = format!("---\nmodel_sha256: {}\n---\n# Card\n", sha256(&bound));
    commit(
        &server,
        "iris",
        &[
            ("README.md", card.as_bytes()),
            ("bound.skops", &bound),
            ("other.skops", &other),
        ],
    );
    let html = page(&server.get("/alice/iris", None), 200);
    assert!(article(&html, "bound.skops").contains("Card: bound to this file"));
    let unbound = article(&html, "other.skops");
    assert!(
        unbound.contains("Card: not bound to this file"),
        "{unbound}"
    );
    assert!(unbound.contains(&format!("the card records {}", sha256(&bound))));
    // A card that records no sha256 binds nothing.
    commit(&server, "iris", &[("README.md", b"# Card\n")]);
    let html = page(&server.get("/alice/iris", None), 200);
    assert!(article(&html, "bound.skops").contains("records no `model_sha256`"));
}

#[test]
fn files_above_the_audit_limit_are_listed_but_not_audited() {
    let server = start(Limits {
        audit_bytes: 100,
        ..Limits::default()
    });
    server.create("iris", false);
    let model = testdata("baseline.skops");
    assert!(model.len() > 100);
    commit(&server, "iris", &[("model.skops", &model)]);
    let html = page(&server.get("/alice/iris", None), 200);
    let audit = article(&html, "model.skops");
    assert!(audit.contains("page-audit-too-large"), "{audit}");
    assert!(audit.contains("too large to audit here"), "{audit}");
    assert!(html.contains(&sha256(&model)));
}
