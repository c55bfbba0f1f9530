//! The pages for people: `GET /` as an HTML list of the served models (for a client that
//! accepts `text/html`), and `GET /models/{name}` with the model's facts, its card (rendered
//! and sanitised as the hub renders cards) and the widget: an editable table of input rows
//! sent to the model's OIP v2 `infer` route by `/static/widget.js`, whose answer is shown as a
//! table and a bar chart.
//!
//! Pages are maud templates: every interpolated value is HTML-escaped. The card is the one
//! exception, inserted after [`card_html`] sanitised it. The widget's configuration is JSON in
//! a `<script type="application/json">` element, escaped so that no text of the model can close
//! it ([`script_json`]). The pages carry a Content-Security-Policy that lets only this server's
//! own script and style sheet run ([`CONTENT_SECURITY_POLICY`]), so even markup that slipped
//! past the sanitiser could not run or load anything.
//!
//! The card renderer copies skops-hub's policy (`skops_hub::pages::markdown`) rather than
//! depending on the hub: the hub is to embed this widget (it would depend on this crate), and
//! the hub brings its storage back ends with it. Relative URLs of a card are dropped here: the
//! server serves no repository files.

use std::collections::HashSet;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use pulldown_cmark::{Options, Parser};
use serde_json::{Value, json};
use skops_card::metadata::split_front_matter;
use skops_infer::{InputKind, Labels, Method};

use crate::load::{Models, ServedModel};
use crate::oip::default_method;

/// The widget's script, served at `/static/widget.js`.
pub const WIDGET_JS: &str = include_str!("../assets/widget.js");

/// The pages' and the widget's style sheet, served at `/static/widget.css`.
pub const WIDGET_CSS: &str = include_str!("../assets/widget.css");

/// The policy of every page: only this server's script and style sheet, requests to this
/// server only (the widget's `infer` call), images from this server only; no inline script or
/// style markup, no plugin, no frame, no form, no `<base>`, and no page may frame these.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; \
     form-action 'none'; frame-ancestors 'none'";

/// The most example rows the widget is pre-filled with.
pub const MAX_EXAMPLE_ROWS: usize = 10;

/// The most known categories of a string column offered as the widget's suggestions (a
/// column fitted on more, such as identifiers, offers the first ones; any text may be typed).
pub const MAX_WIDGET_CATEGORIES: usize = 1000;

/// Elements a card loses with everything inside them (as the hub drops them); other elements
/// outside ammonia's allow-list are unwrapped, their text kept as text.
const DROPPED_WITH_CONTENT: &[&str] = &[
    "script", "style", "iframe", "object", "embed", "template", "noscript",
];

/// Whether the client asked for HTML: `text/html` is among its `Accept` types, and
/// `application/json` not before it (no `Accept` is JSON, as the list always was).
pub fn wants_html(headers: &HeaderMap) -> bool {
    let Some(accept) = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
    else {
        return false;
    };
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim();
        let refused = parts.any(|param| {
            let param = param.trim().replace(' ', "");
            param == "q=0" || param == "q=0.0" || param == "q=0.00" || param == "q=0.000"
        });
        if refused {
            continue;
        }
        if media.eq_ignore_ascii_case("application/json") {
            return false;
        }
        if media.eq_ignore_ascii_case("text/html") {
            return true;
        }
    }
    false
}

/// An HTML answer with `status` and the security headers of every page.
pub fn respond(status: StatusCode, page: Markup) -> Response {
    let mut response = Response::new(Body::from(page.into_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// A static asset (`/static/widget.js`, `/static/widget.css`) with its content type.
pub fn asset(text: &'static str, content_type: &'static str) -> Response {
    let mut response = Response::new(Body::from(text));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// A whole page: the header, `title`, `body`, and (for a model page) the widget's script.
fn layout(title: &str, body: Markup, script: bool) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · skops-rs serve" }
                link rel="stylesheet" href="/static/widget.css";
            }
            body {
                header.top {
                    a.home href="/" { "skops-rs serve" }
                    span.dim { "models served by the native engine" }
                }
                main { (body) }
                @if script {
                    script src="/static/widget.js" {}
                }
            }
        }
    }
}

/// The URL of a model's page.
pub fn page_url(model: &ServedModel) -> String {
    format!("/models/{}", model.name)
}

/// The OIP v2 `infer` URL of a model (an `owner/name` is one path segment: `owner%2Fname`).
pub fn infer_url(model: &ServedModel) -> String {
    format!("/v2/models/{}/infer", model.name.replace('/', "%2F"))
}

fn method_names(model: &ServedModel) -> Vec<&'static str> {
    model
        .predictor
        .methods()
        .iter()
        .map(|method| method.name())
        .collect()
}

/// `GET /` for people: the served models with their type, engine and task.
pub fn index_page(models: &Models) -> Markup {
    layout(
        "Models",
        html! {
            h1 { "Models" }
            table.models {
                thead { tr { th { "name" } th { "type" } th { "engine" } th { "task" } th { "methods" } } }
                tbody {
                    @for model in models.iter() {
                        tr {
                            td { a href=(page_url(model)) { (model.name) } }
                            td.mono { (model.predictor.type_name()) }
                            td { (model.predictor.engine_name()) }
                            td { (model.task.as_deref().unwrap_or("")) }
                            td.mono { (method_names(model).join(", ")) }
                        }
                    }
                }
            }
            p.dim { "The same list as JSON: " code { "GET /" } " with " code { "Accept: application/json" } "." }
        },
        false,
    )
}

/// `GET /models/{name}`: the model's facts, the widget, and its card.
pub fn model_page(model: &ServedModel) -> Markup {
    let predictor = &model.predictor;
    let config = widget_config(model);
    layout(
        &model.name,
        html! {
            h1 { (model.name) }
            dl.meta {
                dt { "type" } dd.mono { (predictor.type_name()) }
                dt { "engine" } dd { (predictor.engine_name()) }
                @if let Some(task) = &model.task { dt { "task" } dd { (task) } }
                dt { "sha256" } dd.mono { (predictor.sha256()) }
                dt { "methods" } dd.mono { (method_names(model).join(", ")) }
                @if let Some(version) = predictor.sklearn_version() {
                    dt { "scikit-learn" } dd { (version) }
                }
                dt { "inference" } dd.mono { "POST " (infer_url(model)) }
                @if let Some(origin) = &model.origin {
                    dt { "source" } dd.mono { "hf://" (origin.repo_id) "@" (origin.revision) " (commit " (origin.commit) ")" }
                }
                @if let Some(admission) = &model.admitted_by {
                    dt { "trusted by" }
                    dd.mono {
                        "policy " (admission.policy_name()) " (approved by " (admission.approved_by)
                        " at " (admission.approved_at) "): " (admission.types.join(", "))
                    }
                }
            }
            h2 { "Try it" }
            div #widget {}
            script #widget-config type="application/json" { (PreEscaped(script_json(&config))) }
            @if let Some(card) = &model.card {
                h2 { "Model card" }
                section.card { (PreEscaped(card_html(card))) }
            }
        },
        true,
    )
}

/// A page for a page request that failed (a model not served).
pub fn error_page(status: StatusCode, message: &str, kind: &str) -> Markup {
    layout(
        "Not found",
        html! {
            h1 { (status.as_u16()) " · " (status.canonical_reason().unwrap_or("Error")) }
            p { (message) }
            p.dim { "kind: " code { (kind) } }
            p { a href="/" { "All models" } }
        },
        false,
    )
}

/// JSON to put inside a `<script>` element: `<`, `>` and `&` (which occur only inside JSON
/// strings) as `\u` escapes, so no text can close the element or open a comment.
pub fn script_json(value: &Value) -> String {
    let text = value.to_string();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            c => out.push(c),
        }
    }
    out
}

/// A column of the widget: its name, whether its cells are numbers or strings, and the
/// categories the model knows for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WidgetColumn {
    /// The column's name, as requests give it.
    pub name: String,
    /// Strings (`BYTES`) rather than numbers (`FP64`).
    pub strings: bool,
    /// The categories the model's encoder was fitted on (a string column inside a
    /// `ColumnTransformer`'s `OneHotEncoder` or `OrdinalEncoder`), at most
    /// [`MAX_WIDGET_CATEGORIES`]; empty when the model knows none.
    pub categories: Vec<String>,
}

/// The widget's columns: the model's input names (fitted `feature_names_in_`, else
/// `config.json`'s `sklearn.columns`), else `x0..x{n-1}` for a model fitted on an array;
/// strings where `sklearn.example_input` holds strings or where the model's encoders were
/// fitted on strings (so a `.skops` file served without `config.json` gets its string columns
/// right), else numbers.
pub fn widget_columns(model: &ServedModel) -> Vec<WidgetColumn> {
    if model.predictor.takes_text() {
        // A text classifier: one column of texts (its BYTES tensor).
        return vec![WidgetColumn {
            name: "text".to_owned(),
            strings: true,
            categories: Vec::new(),
        }];
    }
    let names: Vec<String> = match model.input_names() {
        Some(names) => names.to_vec(),
        None => (0..model.predictor.n_features_in().unwrap_or(0))
            .map(|index| format!("x{index}"))
            .collect(),
    };
    // The model's kinds are by input position: they apply when they cover every column.
    let kinds = model
        .predictor
        .input_kinds()
        .filter(|kinds| kinds.len() == names.len())
        .unwrap_or_default();
    names
        .into_iter()
        .enumerate()
        .map(|(index, name)| {
            let categories = match kinds.get(index) {
                Some(InputKind::Categories(values)) => {
                    values.iter().take(MAX_WIDGET_CATEGORIES).cloned().collect()
                }
                _ => Vec::new(),
            };
            let example_strings =
                example_cells(model, &name).is_some_and(|cells| cells.iter().any(Value::is_string));
            let strings =
                example_strings || matches!(kinds.get(index), Some(InputKind::Categories(_)));
            WidgetColumn {
                name,
                strings,
                categories,
            }
        })
        .collect()
}

fn example_cells<'a>(model: &'a ServedModel, name: &str) -> Option<&'a Vec<Value>> {
    let example = model.example_input.as_ref()?;
    if model.predictor.takes_text() {
        // `hub_utils.init` writes a text model's examples as `{"data": [texts]}`.
        return example.get("data")?.as_array();
    }
    example.get(name)?.as_array()
}

/// The rows the widget starts with: `sklearn.example_input` (at most [`MAX_EXAMPLE_ROWS`]
/// rows; a missing number is `nan`), else one row of zeros, with a string column's first
/// known category (empty when the model knows none).
pub fn widget_rows(model: &ServedModel, columns: &[WidgetColumn]) -> Vec<Vec<Value>> {
    let examples: Option<Vec<&Vec<Value>>> = columns
        .iter()
        .map(|column| example_cells(model, &column.name))
        .collect();
    let count = examples
        .as_ref()
        .and_then(|cells| cells.iter().map(|column| column.len()).min())
        .unwrap_or(0)
        .min(MAX_EXAMPLE_ROWS);
    if let (Some(examples), true) = (examples, count > 0) {
        return (0..count)
            .map(|row| {
                columns
                    .iter()
                    .zip(&examples)
                    .map(|(column, cells)| example_cell(column, cells.get(row)))
                    .collect()
            })
            .collect();
    }
    vec![
        columns
            .iter()
            .map(|column| match (column.strings, column.categories.first()) {
                (true, Some(first)) => json!(first),
                (true, None) => json!(""),
                (false, _) => json!(0),
            })
            .collect(),
    ]
}

/// An example cell as the widget shows it: numbers and strings as they are, a missing number
/// as `nan`, a boolean as 1 or 0 in a number column.
fn example_cell(column: &WidgetColumn, cell: Option<&Value>) -> Value {
    match (cell, column.strings) {
        (Some(Value::Number(number)), _) => Value::Number(number.clone()),
        (Some(Value::String(text)), _) => Value::String(text.clone()),
        (Some(Value::Bool(flag)), false) => json!(u8::from(*flag)),
        (Some(Value::Bool(flag)), true) => json!(if *flag { "True" } else { "False" }),
        (_, false) => json!("nan"),
        (_, true) => json!(""),
    }
}

/// The widget's configuration: `{model, infer_url, columns: [{name, kind, categories?}], rows,
/// outputs, classes}` (see `assets/widget.js`).
pub fn widget_config(model: &ServedModel) -> Value {
    let columns = widget_columns(model);
    let rows = widget_rows(model, &columns);
    let methods = model.predictor.methods();
    let mut outputs = vec![default_method(model).name()];
    if methods.contains(&Method::PredictProba) {
        outputs.push(Method::PredictProba.name());
    }
    let classes = model.predictor.classes().map(|labels| match labels {
        Labels::I64(items) => json!(items),
        Labels::F64(items) => json!(items),
        Labels::Str(items) => json!(items),
        Labels::Bool(items) => json!(items),
    });
    json!({
        "model": model.name,
        "infer_url": infer_url(model),
        "columns": columns
            .iter()
            .map(|column| {
                let mut entry = serde_json::Map::new();
                entry.insert("name".to_owned(), json!(column.name));
                let kind = if column.strings { "string" } else { "number" };
                entry.insert("kind".to_owned(), json!(kind));
                if !column.categories.is_empty() {
                    entry.insert("categories".to_owned(), json!(column.categories));
                }
                Value::Object(entry)
            })
            .collect::<Vec<_>>(),
        "rows": rows,
        "outputs": outputs,
        "classes": classes,
    })
}

/// The card (without its YAML front matter) as sanitised HTML: markdown through pulldown-cmark,
/// then ammonia's allow-list as the hub applies it (no script, style, frame, form or handler;
/// ordinary URL schemes only; links `rel="noopener noreferrer nofollow"`), and relative URLs
/// dropped.
pub fn card_html(text: &str) -> String {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let body = split_front_matter(text).map_or(text, |(_, _, _, rest)| rest);
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut unsafe_html = String::with_capacity(body.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut unsafe_html, Parser::new_ext(body, options));
    ammonia::Builder::default()
        .clean_content_tags(DROPPED_WITH_CONTENT.iter().copied().collect::<HashSet<_>>())
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_the_element() {
        let value = json!({"a": "</script><script>alert(1)</script><!-- & -->"});
        let text = script_json(&value);
        assert!(!text.contains('<') && !text.contains('>') && !text.contains('&'));
        let back: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, value);
    }

    #[test]
    fn cards_lose_scripts_handlers_and_relative_urls() {
        let html = card_html(concat!(
            "---\nlicense: mit\n---\n# Card\n\n",
            "<script>window.pwned = 1</script>\n\n",
            "<img src=\"x.png\" onerror=\"alert(2)\"> [js](javascript:alert(3))\n\n",
            "<a href=\"https://example.com\">out</a>\n",
        ));
        assert!(html.contains("<h1>Card</h1>"), "{html}");
        for banned in [
            "license",
            "<script",
            "pwned",
            "onerror",
            "javascript",
            "x.png",
        ] {
            assert!(!html.contains(banned), "{banned} in {html}");
        }
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }

    #[test]
    fn html_is_chosen_by_accept() {
        let accept = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
            wants_html(&headers)
        };
        assert!(!wants_html(&HeaderMap::new()));
        assert!(accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(!accept("application/json"));
        assert!(!accept("application/json, text/html"));
        assert!(!accept("text/html;q=0, application/json"));
        assert!(!accept("*/*"));
    }
}
