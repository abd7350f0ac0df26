//! Who is calling: the session cookie or bearer token → [`SessionUser`], and the CSRF
//! rule. Used by the JSON API and the web UI alike.
//!
//! - The session token travels in the `__Host-bridgehub-session` cookie (Secure,
//!   HttpOnly, SameSite=Lax, Path=/, no Domain) or, for API clients, in
//!   `Authorization: Bearer <token>`. A bearer header wins over a cookie.
//! - CSRF: unsafe requests authenticated by the cookie must present the session's CSRF
//!   token: the API in the `X-CSRF-Token` header ([`ApiUser`] checks it), forms in a
//!   field the page handler passes to [`check_csrf`]. Bearer requests need none (a
//!   browser never adds that header on its own).
//! - The session lookup (a store write: it moves the last-seen time) runs on the
//!   blocking pool.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method};
use bridgehub_app::{AppError, Hub, SessionUser};
use subtle::ConstantTimeEq;

use crate::api::blocking;
use crate::error::ApiError;

/// The session cookie's name (the `__Host-` prefix makes browsers insist on Secure,
/// Path=/ and no Domain).
pub const SESSION_COOKIE: &str = "__Host-bridgehub-session";

/// The header carrying the CSRF token on unsafe API requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// How the session token arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// The session cookie (a browser): unsafe requests need the CSRF token.
    Cookie,
    /// `Authorization: Bearer` (an API client).
    Bearer,
}

/// The session token of a request and how it came, if there is one.
pub fn session_token(headers: &HeaderMap) -> Option<(String, Via)> {
    if let Some(token) = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        return Some((token.to_owned(), Via::Bearer));
    }
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| cookie::Cookie::split_parse(v.to_owned()))
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE && !c.value().is_empty())
        .map(|c| (c.value().to_owned(), Via::Cookie))
}

/// The `Set-Cookie` value that stores a session token in the browser.
pub fn session_cookie(token: &str) -> HeaderValue {
    // The token is hex (from the app), so it is always a valid header value.
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Lax"
    ))
    .unwrap_or_else(|_| clear_session_cookie())
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie() -> HeaderValue {
    HeaderValue::from_static(
        "__Host-bridgehub-session=; Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0",
    )
}

/// Checks a presented CSRF token against the session's (constant-time compare):
/// `forbidden` when it is missing or wrong.
pub fn check_csrf(user: &SessionUser, presented: Option<&str>) -> Result<(), ApiError> {
    let expected = user.csrf_token.as_bytes();
    match presented {
        Some(token)
            if !expected.is_empty() && bool::from(token.trim().as_bytes().ct_eq(expected)) =>
        {
            Ok(())
        }
        _ => Err(ApiError::App(AppError::Forbidden(
            "missing or wrong CSRF token; reload the page and try again".into(),
        ))),
    }
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Looks the request's session up (on the blocking pool).
async fn lookup(parts: &Parts, hub: Hub) -> Result<Option<(SessionUser, Via)>, ApiError> {
    let Some((token, via)) = session_token(&parts.headers) else {
        return Ok(None);
    };
    let user = blocking(hub, move |hub| hub.session(&token)).await?;
    Ok(user.map(|u| (u, via)))
}

/// A signed-in user; otherwise the request is refused with 401 `unauthenticated`.
/// Does not check CSRF (page handlers check their form field with [`check_csrf`]).
#[derive(Debug, Clone)]
pub struct CurrentUser(pub SessionUser);

impl<S> FromRequestParts<S> for CurrentUser
where
    Hub: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match lookup(parts, Hub::from_ref(state)).await? {
            Some((user, _)) => Ok(CurrentUser(user)),
            None => Err(ApiError::App(AppError::Unauthenticated)),
        }
    }
}

/// The signed-in user, if any (never refuses).
#[derive(Debug, Clone)]
pub struct MaybeUser(pub Option<SessionUser>);

impl<S> FromRequestParts<S> for MaybeUser
where
    Hub: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(
            lookup(parts, Hub::from_ref(state))
                .await?
                .map(|(user, _)| user),
        ))
    }
}

/// A signed-in API caller: 401 `unauthenticated` without a session; for an unsafe
/// method authenticated by cookie, 403 `forbidden` unless `X-CSRF-Token` matches.
#[derive(Debug, Clone)]
pub struct ApiUser(pub SessionUser);

impl<S> FromRequestParts<S> for ApiUser
where
    Hub: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Some((user, via)) = lookup(parts, Hub::from_ref(state)).await? else {
            return Err(ApiError::App(AppError::Unauthenticated));
        };
        if via == Via::Cookie && !is_safe(&parts.method) {
            check_csrf(
                &user,
                parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()),
            )?;
        }
        Ok(ApiUser(user))
    }
}

/// Who the client is, for rate limits: the peer address, or behind a proxy on the same
/// machine (HAProxy, nginx on loopback) the last `X-Forwarded-For` entry, the one that
/// proxy added. Never fails (`unknown` when the server runs without connection info).
#[derive(Debug, Clone)]
pub struct ClientKey(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientKey {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(ClientKey(client_key(peer, &parts.headers)))
    }
}

/// The rate-limit key of a client (see [`ClientKey`]): the peer address, or for a peer on
/// this machine (a balancer on loopback) the last `X-Forwarded-For` entry, the one that
/// proxy added. Shared by the API and the web pages.
pub fn client_key(peer: Option<std::net::IpAddr>, headers: &HeaderMap) -> String {
    let forwarded = || {
        headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 64)
            .map(str::to_owned)
    };
    match peer {
        Some(ip) if ip.is_loopback() => forwarded().unwrap_or_else(|| ip.to_string()),
        Some(ip) => ip.to_string(),
        None => forwarded().unwrap_or_else(|| "unknown".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(csrf: &str) -> SessionUser {
        SessionUser {
            user_id: "usr-1".into(),
            email: "a@example.org".into(),
            display_name: "A".into(),
            locale: "en".into(),
            is_admin: false,
            organizations: vec![],
            csrf_token: csrf.into(),
        }
    }

    #[test]
    fn the_cookie_has_the_host_prefix_attributes() {
        let value = session_cookie("abc123");
        let text = value.to_str().unwrap();
        assert!(text.starts_with("__Host-bridgehub-session=abc123;"));
        for attribute in ["Path=/", "Secure", "HttpOnly", "SameSite=Lax"] {
            assert!(text.contains(attribute), "{text}");
        }
        assert!(!text.to_ascii_lowercase().contains("domain"));
        assert!(
            clear_session_cookie()
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
    }

    #[test]
    fn tokens_come_from_bearer_or_the_session_cookie() {
        let mut headers = HeaderMap::new();
        assert_eq!(session_token(&headers), None);
        headers.insert(
            COOKIE,
            HeaderValue::from_static("other=1; __Host-bridgehub-session=tok; x=2"),
        );
        assert_eq!(session_token(&headers), Some(("tok".into(), Via::Cookie)));
        headers.insert(AUTHORIZATION, HeaderValue::from_static("Bearer bearer-tok"));
        assert_eq!(
            session_token(&headers),
            Some(("bearer-tok".into(), Via::Bearer))
        );
    }

    #[test]
    fn the_client_key_trusts_forwarded_for_only_from_loopback() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_static("203.0.113.9, 198.51.100.7"));
        let loopback = Some(std::net::IpAddr::from([127, 0, 0, 1]));
        let remote = Some(std::net::IpAddr::from([192, 0, 2, 1]));
        assert_eq!(client_key(loopback, &headers), "198.51.100.7", "the entry our balancer added");
        assert_eq!(client_key(remote, &headers), "192.0.2.1", "a remote client cannot choose its key");
        assert_eq!(client_key(loopback, &HeaderMap::new()), "127.0.0.1");
    }

    #[test]
    fn csrf_tokens_must_match_exactly() {
        let u = user("secret-token");
        assert!(check_csrf(&u, Some("secret-token")).is_ok());
        assert!(check_csrf(&u, Some("secret-tokeN")).is_err());
        assert!(check_csrf(&u, Some("")).is_err());
        assert!(check_csrf(&u, None).is_err());
        assert!(check_csrf(&user(""), Some("")).is_err());
    }
}
