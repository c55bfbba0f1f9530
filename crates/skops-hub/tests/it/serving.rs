//! `--serve-models`: the widget on a model page (its configuration, the policy widened to the
//! widget's script on those pages only, the reason a page has none), and the `infer` route
//! (answers equal to scikit-learn's, from `skops-serve`'s test models and the predictions
//! `make_models.py` wrote with scikit-learn; bad input, unknown and private repositories).

use serde_json::{Value, json};
use skops_hub::Limits;

use crate::support::{Response, Server, ndjson, start, start_serving, start_with};

/// A file of `skops-serve`'s test data (models and scikit-learn's answers, written by its
/// `tests/data/make_models.py`).
fn serve_data(name: &str) -> Vec<u8> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../skops-serve/tests/data/");
    std::fs::read(format!("{path}{name}")).unwrap()
}

fn expected() -> Value {
    serde_json::from_slice(&serve_data("expected.json")).unwrap()
}

fn text(response: &Response) -> String {
    String::from_utf8(response.body.clone()).unwrap()
}

/// `config.json` as `hub_utils.init` writes it for the tree model (columns `a`, `b`).
fn tree_config() -> Vec<u8> {
    json!({"sklearn": {
        "columns": ["a", "b"],
        "example_input": {"a": [0.5, 1.0], "b": [1.0, 2.0]},
        "model": {"file": "model.skops"},
        "model_format": "skops",
        "task": "tabular-classification",
    }})
    .to_string()
    .into_bytes()
}

/// Creates `alice/<name>` with `files`; returns the commit id.
fn repo(server: &Server, name: &str, private: bool, files: &[(&str, &[u8])]) -> String {
    server.create(name, private);
    let response = server.commit(name, &ndjson(None, files));
    assert_eq!(response.status, 200, "{}", text(&response));
    response.json()["commitOid"].as_str().unwrap().to_owned()
}

/// The OIP v2 body the widget sends: one tensor per column (`pd`), predict and predict_proba.
fn pd_body(columns: &Value) -> Value {
    let inputs: Vec<Value> = columns
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, cells)| {
            let cells = cells.as_array().unwrap();
            let datatype = if cells[0].is_string() {
                "BYTES"
            } else {
                "FP64"
            };
            json!({"name": name, "shape": [cells.len()], "datatype": datatype, "data": cells})
        })
        .collect();
    json!({"parameters": {"content_type": "pd"}, "inputs": inputs,
        "outputs": [{"name": "predict"}, {"name": "predict_proba"}]})
}

/// Proba rows flattened, as OIP answers them.
fn flat(rows: &Value) -> Value {
    Value::Array(
        rows.as_array()
            .unwrap()
            .iter()
            .flat_map(|row| row.as_array().unwrap().clone())
            .collect(),
    )
}

/// The JSON of the page's `<script id="widget-config">` element.
fn widget_config(html: &str) -> Value {
    let open = "<script id=\"widget-config\" type=\"application/json\">";
    let start = html.find(open).unwrap() + open.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

fn policy(response: &Response) -> &str {
    response.header("content-security-policy").unwrap()
}

#[test]
fn model_pages_carry_the_widget_and_widen_the_policy_only_there() {
    let server = start_serving();
    let expected = expected();
    let commit = repo(
        &server,
        "iris",
        false,
        &[
            ("model.skops", &serve_data("tree.skops")),
            ("config.json", &tree_config()),
        ],
    );
    repo(
        &server,
        "evil",
        false,
        &[("model.skops", &serve_data("untrusted.skops"))],
    );
    repo(
        &server,
        "notes",
        false,
        &[("README.md", b"# No model here")],
    );

    let page = server.get("/alice/iris", None);
    assert_eq!(page.status, 200, "{}", text(&page));
    let html = text(&page);
    let widened = policy(&page);
    assert!(widened.contains("script-src 'self';"), "{widened}");
    assert!(widened.contains("connect-src 'self';"), "{widened}");
    assert!(html.contains("<div id=\"widget\"></div>"), "{html}");
    assert!(html.contains("<script src=\"/static/widget.js\"></script>"));
    assert!(html.contains("<link rel=\"stylesheet\" href=\"/static/widget.css\">"));
    let config = widget_config(&html);
    assert_eq!(config["model"], "alice/iris");
    assert_eq!(
        config["infer_url"],
        format!("/api/models/alice/iris/infer/{commit}")
    );
    assert_eq!(
        config["columns"],
        json!([{"name": "a", "kind": "number"}, {"name": "b", "kind": "number"}])
    );
    assert_eq!(config["rows"], json!([[0.5, 1.0], [1.0, 2.0]]));
    assert_eq!(config["classes"], expected["tree"]["classes"]);
    // The audit is still on the page, before the widget.
    assert!(html.find("id=\"audit\"").unwrap() < html.find("id=\"try\"").unwrap());

    // No widget, the strict policy and no script: an untrusted model (the page says why)...
    let evil = server.get("/alice/evil", None);
    assert_eq!(evil.status, 200);
    let html = text(&evil);
    assert!(!policy(&evil).contains("script-src"), "{}", policy(&evil));
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("id=\"widget-off\""), "{html}");
    assert!(html.contains("serve-untrusted-types"), "{html}");
    assert!(html.contains("functools.partial"), "{html}");
    // ... and a repository without a model.
    let notes = server.get("/alice/notes", None);
    let html = text(&notes);
    assert!(!policy(&notes).contains("script-src"));
    assert!(!html.contains("<script"), "{html}");
    assert!(html.contains("has no model to serve"), "{html}");

    // The assets, from skops-serve.
    let script = server.get("/static/widget.js", None);
    assert_eq!(script.status, 200);
    assert_eq!(
        script.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(text(&script).contains("widget-config"));
    let style = server.get("/static/widget.css", None);
    assert_eq!(
        style.header("content-type"),
        Some("text/css; charset=utf-8")
    );
}

#[test]
fn infer_answers_what_scikit_learn_answers() {
    let server = start_serving();
    let expected = expected();
    let commit = repo(
        &server,
        "iris",
        false,
        &[
            ("model.skops", &serve_data("tree.skops")),
            ("config.json", &tree_config()),
        ],
    );
    // A `.skops` file without config.json: its string column as the widget now sends it.
    repo(
        &server,
        "colors",
        false,
        &[("colors.skops", &serve_data("colors.skops"))],
    );
    let body = pd_body(&expected["tree"]["rows"]);
    for url in [
        "/api/models/alice/iris/infer".to_owned(),
        format!("/api/models/alice/iris/infer/{commit}"),
    ] {
        let answer = server.post_json(&url, None, &body);
        assert_eq!(answer.status, 200, "{}", text(&answer));
        let answer = answer.json();
        assert_eq!(answer["model_name"], "alice/iris");
        assert_eq!(answer["outputs"][0]["data"], expected["tree"]["predict"]);
        assert_eq!(
            answer["outputs"][1]["data"],
            flat(&expected["tree"]["predict_proba"])
        );
    }
    let answer = server.post_json(
        "/api/models/alice/colors/infer",
        None,
        &pd_body(&expected["colors"]["rows"]),
    );
    assert_eq!(answer.status, 200, "{}", text(&answer));
    assert_eq!(
        answer.json()["outputs"][0]["data"],
        expected["colors"]["predict"]
    );
    // The colors page: the encoder's string column, with its categories, no config needed.
    let config = widget_config(&text(&server.get("/alice/colors", None)));
    assert_eq!(
        config["columns"][0],
        json!({"name": "color", "kind": "string", "categories": expected["colors"]["categories"]})
    );
}

#[test]
fn infer_refuses_bad_requests_unknown_private_and_unserved_models() {
    let server = start_serving();
    let expected = expected();
    repo(
        &server,
        "iris",
        false,
        &[
            ("model.skops", &serve_data("tree.skops")),
            ("config.json", &tree_config()),
        ],
    );
    repo(
        &server,
        "secret",
        true,
        &[("model.skops", &serve_data("tree.skops"))],
    );
    repo(
        &server,
        "evil",
        false,
        &[("model.skops", &serve_data("untrusted.skops"))],
    );
    repo(&server, "notes", false, &[("README.md", b"# No model")]);
    let body = pd_body(&expected["tree"]["rows"]);
    let error = |response: &Response, status: u16, kind: &str| {
        assert_eq!(response.status, status, "{}", text(response));
        assert_eq!(
            response.header("content-type"),
            Some("application/json"),
            "{}",
            text(response)
        );
        assert_eq!(response.kind(), kind, "{}", text(response));
        assert!(
            response.json()["error"]
                .as_str()
                .is_some_and(|m| !m.is_empty())
        );
    };

    // The request's own errors are skops-serve's, as `skops-rs serve` answers them.
    let bad_json = server.request(
        "POST",
        "/api/models/alice/iris/infer",
        None,
        &[("Content-Type", "application/json")],
        b"{\"inputs\": [",
    );
    error(&bad_json, 400, "serve-bad-json");
    let wrong_columns = server.post_json(
        "/api/models/alice/iris/infer",
        None,
        &pd_body(&json!({"a": [1.0], "z": [2.0]})),
    );
    assert_eq!(wrong_columns.status, 422, "{}", text(&wrong_columns));
    // The hub's own: unknown repository or revision, private without a token, no model.
    error(
        &server.post_json("/api/models/alice/nope/infer", None, &body),
        404,
        "repo-not-found",
    );
    error(
        &server.post_json("/api/models/alice/iris/infer/nope", None, &body),
        404,
        "revision-not-found",
    );
    error(
        &server.post_json("/api/models/alice/secret/infer", None, &body),
        404,
        "repo-not-found",
    );
    let allowed = server.post_json("/api/models/alice/secret/infer", Some(&server.read), &body);
    assert_eq!(allowed.status, 200, "{}", text(&allowed));
    assert_eq!(
        allowed.json()["outputs"][0]["data"],
        expected["tree"]["predict"]
    );
    error(
        &server.post_json("/api/models/alice/evil/infer", None, &body),
        422,
        "page-model-not-served",
    );
    error(
        &server.post_json("/api/models/alice/notes/infer", None, &body),
        404,
        "page-no-model",
    );
    error(
        &server.post_json("/api/datasets/alice/iris/infer", None, &body),
        404,
        "route-not-found",
    );
    error(
        &server.get("/api/models/alice/iris/infer", None),
        405,
        "request-method-not-allowed",
    );
}

#[test]
fn without_serving_pages_have_no_widget_and_no_route() {
    let server = start(Limits::default());
    repo(
        &server,
        "iris",
        false,
        &[
            ("model.skops", &serve_data("tree.skops")),
            ("config.json", &tree_config()),
        ],
    );
    let page = server.get("/alice/iris", None);
    assert_eq!(page.status, 200);
    let html = text(&page);
    assert!(!policy(&page).contains("script-src"));
    assert!(
        !html.contains("<script") && !html.contains("id=\"try\""),
        "{html}"
    );
    let body = pd_body(&expected()["tree"]["rows"]);
    let refused = server.post_json("/api/models/alice/iris/infer", None, &body);
    assert_eq!(refused.status, 404, "{}", text(&refused));
    assert_eq!(refused.kind(), "page-serving-off");
    assert_eq!(server.get("/static/widget.js", None).status, 404);
}

#[test]
fn models_above_the_limit_are_not_read() {
    let server = start_with(
        Limits {
            served_model_bytes: 100,
            ..Limits::default()
        },
        true,
    );
    repo(
        &server,
        "iris",
        false,
        &[
            ("model.skops", &serve_data("tree.skops")),
            ("config.json", &tree_config()),
        ],
    );
    let page = server.get("/alice/iris", None);
    let html = text(&page);
    assert!(!policy(&page).contains("script-src"));
    assert!(html.contains("page-model-too-large"), "{html}");
    let body = pd_body(&expected()["tree"]["rows"]);
    let refused = server.post_json("/api/models/alice/iris/infer", None, &body);
    assert_eq!(refused.status, 413, "{}", text(&refused));
    assert_eq!(refused.kind(), "page-model-too-large");
}
