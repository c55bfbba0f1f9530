//! The frame every page shares (head, style sheet, header) and the response headers that keep
//! a hostile card harmless even if something slipped past the sanitiser: a Content-Security-
//! Policy without scripts, `nosniff`, no referrer, no framing.
//!
//! Pages are written with maud: every `(value)` in a template is HTML-escaped, so text from
//! requests and files (repository names, paths, type names, YAML values, error messages)
//! cannot become markup. The one exception is the card, already sanitised by
//! [`super::markdown`], inserted with an explicit `PreEscaped`.

use std::sync::LazyLock;

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use base64::Engine;
use maud::{DOCTYPE, Markup, html};
use sha2::{Digest, Sha256};

use crate::auth::Access;
use crate::error::Error;
use crate::http::reply::header_text;

/// The style sheet of every page, inline (one request per page); the policy allows this exact
/// text by its hash and no other style element.
const STYLE: &str = "
:root { color-scheme: light; --line: #d8dde3; --dim: #57606a; --bad: #b42318; --good: #1a7f37; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, 'Segoe UI', sans-serif; color: #1f2328; background: #f6f8fa; }
header.top { background: #fff; border-bottom: 1px solid var(--line); padding: 10px 24px; display: flex; gap: 16px; align-items: baseline; }
header.top a.home { font-weight: 700; color: #1f2328; text-decoration: none; }
header.top .who { margin-left: auto; color: var(--dim); font-size: 13px; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; }
h1 { font-size: 24px; margin: 8px 0; word-break: break-all; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 15px; margin: 0 0 6px; word-break: break-all; }
a { color: #0969da; }
code, .mono { font-family: ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace; font-size: 13px; }
.dim { color: var(--dim); }
.badge { display: inline-block; border: 1px solid var(--line); border-radius: 12px; padding: 0 8px; font-size: 12px; background: #fff; margin-right: 4px; }
.badge.private { border-color: #9a6700; color: #9a6700; }
.bad { color: var(--bad); }
.good { color: var(--good); }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
td.sha { word-break: break-all; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; border: 1px solid var(--line); padding: 8px 12px; margin: 0; }
dl.meta dt { color: var(--dim); }
dl.meta dd { margin: 0; word-break: break-all; }
section.card { background: #fff; border: 1px solid var(--line); padding: 4px 20px; overflow-x: auto; }
section.card img { max-width: 100%; }
article.audit { background: #fff; border: 1px solid var(--line); padding: 10px 14px; margin: 0 0 12px; }
article.audit ul { margin: 4px 0; padding-left: 22px; }
article.audit p { margin: 4px 0; }
";

/// The `Content-Security-Policy` of every page: nothing may load or run but images from this
/// hub (plots in cards) and the style sheet above (allowed by its sha256): no script, no
/// frame, no form, no plugin, no `<base>`, and no page may frame this one. Images from other
/// sites are not loaded either (a card cannot track its readers); `data:` images are not
/// needed, since the sanitiser drops `data:` URLs.
static CSP: LazyLock<String> = LazyLock::new(|| {
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    format!(
        "default-src 'none'; img-src 'self'; style-src 'sha256-{digest}'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
});

/// The policy of a model page with the widget (`--serve-models`, a model that is served):
/// the page's policy, plus this hub's own script (`/static/widget.js`, the only one), its
/// style sheet (`/static/widget.css`) and requests to this hub (the widget's `infer` call).
/// Still no inline script, no other site, no frame, no form.
static WIDGET_CSP: LazyLock<String> = LazyLock::new(|| {
    let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
    format!(
        "default-src 'none'; img-src 'self'; style-src 'self' 'sha256-{digest}'; \
         script-src 'self'; connect-src 'self'; \
         base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )
});

/// The policy pages are served with (also for tests to compare).
pub fn content_security_policy() -> &'static str {
    CSP.as_str()
}

/// The policy of a model page that carries the widget.
pub fn widget_content_security_policy() -> &'static str {
    WIDGET_CSP.as_str()
}

/// A whole page: the header (with who is asking), `title`, and `body`.
pub fn layout(title: &str, access: &Access, body: Markup) -> Markup {
    frame(title, access, body, false)
}

/// A whole page with the widget: [`layout`] plus the widget's style sheet and script (served
/// with [`respond_with_widget`]).
pub fn widget_layout(title: &str, access: &Access, body: Markup) -> Markup {
    frame(title, access, body, true)
}

fn frame(title: &str, access: &Access, body: Markup, widget: bool) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · skops-rs hub" }
                style { (maud::PreEscaped(STYLE)) }
                @if widget {
                    link rel="stylesheet" href="/static/widget.css";
                }
            }
            body {
                header.top {
                    a.home href="/" { "skops-rs hub" }
                    span.dim { "models with their audits" }
                    span.who {
                        @match access {
                            Access::Anonymous => "anonymous: public repositories only",
                            Access::Token(record) => { "signed in as " (record.name) }
                        }
                    }
                }
                main { (body) }
                @if widget {
                    script src="/static/widget.js" {}
                }
            }
        }
    }
}

/// An HTML answer with `status` and the headers of every page.
pub fn respond(status: u16, page: Markup) -> Response {
    respond_with(status, page, content_security_policy())
}

/// An HTML answer for a page with the widget: [`respond`]'s headers, with the policy widened
/// to the widget's script and requests ([`widget_content_security_policy`]).
pub fn respond_with_widget(status: u16, page: Markup) -> Response {
    respond_with(status, page, widget_content_security_policy())
}

fn respond_with(status: u16, page: Markup, policy: &str) -> Response {
    let mut response = Response::new(Body::from(page.into_string()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // What a page shows depends on the token: never from a shared cache.
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    headers.insert(header::VARY, HeaderValue::from_static("Authorization"));
    response
}

/// The page of a failed page request: the error's status, `X-Error-Code` and
/// `X-Error-Message` as the API gives them (so scripts can tell a missing repository from a
/// missing revision), and its message and kind, escaped.
pub fn error_page(error: &Error) -> Response {
    let status = error.status();
    let title = match error.error_code() {
        Some("RepoNotFound") => "Repository not found",
        Some("RevisionNotFound") => "Revision not found",
        _ if status == 404 => "Not found",
        _ => "Error",
    };
    let message = error.to_string();
    let page = layout(
        title,
        &Access::Anonymous,
        html! {
            h1 { (status) " · " (title) }
            p { (message) }
            p.dim { "kind: " code { (error.kind()) } }
            p { a href="/" { "All repositories" } }
        },
    );
    let mut response = respond(status, page);
    let headers = response.headers_mut();
    if let Some(code) = error.error_code() {
        headers.insert("x-error-code", HeaderValue::from_static(code));
    }
    headers.insert("x-error-message", header_text(&message));
    response
}

/// A size for people: `1.2 MB` (decimal units, as the Hub shows them), bytes below 1 kB.
pub fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if bytes < 1000 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64 / 1000.0;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS.get(unit).copied().unwrap_or("PB"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_like_the_hub_shows_them() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(999), "999 B");
        assert_eq!(human_size(1000), "1.0 kB");
        assert_eq!(human_size(1_234_567), "1.2 MB");
        assert_eq!(human_size(u64::MAX), "18446.7 PB");
    }

    #[test]
    fn the_policy_allows_the_style_sheet_by_hash_and_no_script() {
        let policy = content_security_policy();
        assert!(policy.starts_with("default-src 'none';"));
        assert!(!policy.contains("script-src"));
        assert!(!policy.contains("unsafe"));
        let digest = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(STYLE));
        assert!(policy.contains(&format!("'sha256-{digest}'")));
        // The widget's pages: this hub's script and requests, nothing inline, no other site.
        let widget = widget_content_security_policy();
        assert!(widget.contains("script-src 'self';"));
        assert!(widget.contains("connect-src 'self';"));
        assert!(widget.contains(&format!("style-src 'self' 'sha256-{digest}';")));
        assert!(!widget.contains("unsafe") && !widget.contains("http"));
    }

    #[test]
    fn layout_escapes_what_it_is_given() {
        let page = layout(
            "<script>alert(1)</script>",
            &Access::Anonymous,
            html! { p { ("a & <b>") } },
        )
        .into_string();
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt; · skops-rs hub"));
        assert!(page.contains("<p>a &amp; &lt;b&gt;</p>"));
        assert!(!page.contains("<script"));
    }
}
