//! Building answers: JSON bodies, HF-style errors (`X-Error-Code`, `X-Error-Message`, JSON
//! `{"error": ...}`), the base URL of links, and request bodies read within a limit.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;

use crate::error::{ConflictError, Error, RequestError, Result};

/// A JSON answer.
pub fn json(status: u16, value: &serde_json::Value) -> Response {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Sets `key` of a JSON object (nothing for another value).
pub fn set(object: &mut serde_json::Value, key: &str, value: serde_json::Value) {
    if let Some(map) = object.as_object_mut() {
        map.insert(key.to_owned(), value);
    }
}

/// `text` as a header value: printable ASCII only, at most 1000 characters.
pub fn header_text(text: &str) -> HeaderValue {
    let clean: String = text
        .chars()
        .take(1000)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect();
    HeaderValue::from_str(&clean).unwrap_or_else(|_| HeaderValue::from_static("error"))
}

/// The answer to a failed request, as the Hub gives it.
pub fn error(error: &Error) -> Response {
    let message = error.to_string();
    let mut body = serde_json::json!({ "error": message, "kind": error.kind() });
    if let Error::Conflict(ConflictError::RepoExists { url, .. }) = error {
        set(&mut body, "url", serde_json::Value::String(url.clone()));
    }
    let mut response = json(error.status(), &body);
    let headers = response.headers_mut();
    if let Some(code) = error.error_code() {
        headers.insert("x-error-code", HeaderValue::from_static(code));
    }
    headers.insert("x-error-message", header_text(&message));
    response
}

/// The URL this hub is reached at, from the request's `Host` (the client checks that the URLs
/// it gets back are on its endpoint's host).
pub fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .filter(|host| {
            !host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ':' | '-' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"https"));
    format!("{}://{host}", if https { "https" } else { "http" })
}

/// The whole body, refused past `limit` bytes.
pub async fn read_body(body: Body, limit: u64) -> Result<Bytes> {
    let mut stream = body.into_data_stream();
    let mut out = Vec::new();
    while let Some(piece) = stream.next().await {
        let piece = piece.map_err(|error| RequestError::Interrupted {
            message: error.to_string(),
        })?;
        if (out.len() + piece.len()) as u64 > limit {
            return Err(RequestError::BodyTooLarge { limit }.into());
        }
        out.extend_from_slice(&piece);
    }
    Ok(out.into())
}

/// The body as a JSON object (an empty body is an empty object).
pub async fn read_json(body: Body, limit: u64) -> Result<serde_json::Value> {
    let bytes = read_body(body, limit).await?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(serde_json::Value::Object(serde_json::Map::new()));
    }
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|error| RequestError::BadJson {
            message: error.to_string(),
        })?;
    if !value.is_object() {
        return Err(RequestError::BadJson {
            message: "expected a JSON object".to_owned(),
        }
        .into());
    }
    Ok(value)
}

/// A string field of a JSON object (absent or `null` is `None`).
pub fn text_field<'a>(value: &'a serde_json::Value, name: &str) -> Result<Option<&'a str>> {
    match value.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(RequestError::BadJson {
            message: format!("`{name}` must be a string"),
        }
        .into()),
    }
}

/// A boolean field of a JSON object.
pub fn bool_field(value: &serde_json::Value, name: &str) -> Result<Option<bool>> {
    match value.get(name) {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Bool(flag)) => Ok(Some(*flag)),
        Some(_) => Err(RequestError::BadJson {
            message: format!("`{name}` must be true or false"),
        }
        .into()),
    }
}

/// A query-string boolean: `true`/`True`/`1` (httpx and requests-era clients differ).
pub fn query_bool(query: &[(String, String)], name: &str) -> Result<bool> {
    match query.iter().rev().find(|(key, _)| key == name) {
        None => Ok(false),
        Some((_, value)) => match value.to_ascii_lowercase().as_str() {
            "true" | "1" | "" => Ok(true),
            "false" | "0" => Ok(false),
            _ => Err(RequestError::BadQuery {
                name: name.to_owned(),
                message: "expected true or false".to_owned(),
            }
            .into()),
        },
    }
}

/// A query-string number (a page cursor).
pub fn query_number(query: &[(String, String)], name: &str) -> Result<Option<usize>> {
    match query.iter().rev().find(|(key, _)| key == name) {
        None => Ok(None),
        Some((_, value)) => value.parse().map(Some).map_err(|_| {
            RequestError::BadQuery {
                name: name.to_owned(),
                message: "expected a whole number".to_owned(),
            }
            .into()
        }),
    }
}
