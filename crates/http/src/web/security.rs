//! Web security: the headers every response carries, and CSRF protection of every
//! state-changing web request.
//!
//! CSRF: a signed-in user's forms carry the session's synchronizer token (`csrf_token`,
//! made at log-in and rotated with the session); anonymous forms (log in, sign up)
//! carry a double-submit token that is also set as the `__Host-bridgehub-csrf` cookie.
//! The token travels as the `_csrf` form field, the `X-CSRF-Token` header, or (for
//! `multipart/form-data` uploads only, which are not buffered) the `_csrf` query
//! parameter. Any POST/PUT/PATCH/DELETE to a web route without the right token is
//! refused with 403 before its handler runs.

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;
use subtle::ConstantTimeEq;

/// The double-submit cookie of anonymous forms.
pub(crate) const CSRF_COOKIE: &str = "__Host-bridgehub-csrf";

/// The form field that carries the token.
pub(crate) const CSRF_FIELD: &str = "_csrf";

/// The Content-Security-Policy of every response: nothing inline, nothing from elsewhere.
pub(crate) const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Largest urlencoded form body read for the CSRF check.
pub(crate) const MAX_FORM_BYTES: usize = 1 << 20;

fn set_if_absent(headers: &mut HeaderMap, name: header::HeaderName, value: &'static str) {
    if !headers.contains_key(&name) {
        headers.insert(name, HeaderValue::from_static(value));
    }
}

/// Adds the security headers to every response (a handler may set a stricter CSP of its own).
pub(crate) async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    set_if_absent(headers, header::CONTENT_SECURITY_POLICY, CSP);
    set_if_absent(
        headers,
        header::STRICT_TRANSPORT_SECURITY,
        "max-age=63072000; includeSubDomains",
    );
    set_if_absent(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set_if_absent(headers, header::X_FRAME_OPTIONS, "DENY");
    set_if_absent(headers, header::REFERRER_POLICY, "same-origin");
    response
}

/// A fresh random token: 32 bytes from the OS, hex.
pub(crate) fn new_token() -> String {
    let mut bytes = [0u8; 32];
    if getrandom::fill(&mut bytes).is_err() {
        // No OS randomness: refuse to make a guessable token (every form will then fail closed).
        return String::new();
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `token` looks like one of ours (64 hex digits).
pub(crate) fn well_formed(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Whether a request method changes state.
pub(crate) fn is_unsafe(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Compares two tokens in constant time; an empty expected token never matches.
pub(crate) fn tokens_match(expected: &str, presented: &str) -> bool {
    !expected.is_empty()
        && expected.len() == presented.len()
        && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// The value of `name` in a query string or urlencoded body.
pub(crate) fn form_value(encoded: &[u8], name: &str) -> Option<String> {
    form_urlencoded::parse(encoded)
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// The content type's essence (`application/x-www-form-urlencoded`, `multipart/form-data`, ...).
fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default()
}

/// Why a state-changing request was refused.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum CsrfRefusal {
    /// No token, or the wrong one.
    BadToken,
    /// The body was too large or could not be read.
    BadBody,
}

/// Checks the token of a state-changing request against `expected`; hands back the
/// request with its body intact (urlencoded bodies are read here and put back).
pub(crate) async fn check(request: Request, expected: &str) -> Result<Request, CsrfRefusal> {
    let (parts, body) = request.into_parts();
    let from_header = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let kind = content_type(&parts.headers);
    let (presented, body) = if let Some(token) = from_header {
        (Some(token), body)
    } else if kind == "application/x-www-form-urlencoded" {
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| CsrfRefusal::BadBody)?;
        (form_value(&bytes, CSRF_FIELD), Body::from(bytes))
    } else if kind == "multipart/form-data" {
        (
            parts
                .uri
                .query()
                .and_then(|q| form_value(q.as_bytes(), CSRF_FIELD)),
            body,
        )
    } else {
        (None, body)
    };
    match presented {
        Some(token) if tokens_match(expected, &token) => Ok(Request::from_parts(parts, body)),
        _ => Err(CsrfRefusal::BadToken),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_and_compared_exactly() {
        let a = new_token();
        let b = new_token();
        assert!(well_formed(&a) && well_formed(&b));
        assert_ne!(a, b);
        assert!(tokens_match(&a, &a.clone()));
        assert!(!tokens_match(&a, &b));
        assert!(!tokens_match(&a, &a[..63]));
        assert!(!tokens_match("", ""));
        assert!(!well_formed("xyz"));
    }

    #[test]
    fn form_values_are_decoded() {
        assert_eq!(
            form_value(b"a=1&_csrf=ab%20c&b=2", "_csrf").as_deref(),
            Some("ab c")
        );
        assert_eq!(form_value(b"a=1", "_csrf"), None);
    }

    #[tokio::test]
    async fn a_form_without_the_token_is_refused() {
        let token = new_token();
        let form = |body: String| {
            Request::builder()
                .method(Method::POST)
                .uri("/logout")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Body::from(body))
                .unwrap_or_default()
        };
        assert_eq!(
            check(form("a=1".into()), &token).await.err(),
            Some(CsrfRefusal::BadToken)
        );
        assert_eq!(
            check(form(format!("_csrf={}", new_token())), &token)
                .await
                .err(),
            Some(CsrfRefusal::BadToken)
        );
        let accepted = check(form(format!("a=1&_csrf={token}")), &token).await;
        let Ok(request) = accepted else {
            panic!("the right token is accepted")
        };
        let body = axum::body::to_bytes(request.into_body(), 1024)
            .await
            .unwrap_or_default();
        assert_eq!(&body[..3], b"a=1", "the body is handed on intact");
        let json = Request::builder()
            .method(Method::POST)
            .uri("/x")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from("{}"))
            .unwrap_or_default();
        assert_eq!(check(json, &token).await.err(), Some(CsrfRefusal::BadToken));
    }
}
