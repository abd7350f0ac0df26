//! What every page knows about its request: the UI locale, the signed-in user (if any),
//! the CSRF token its forms carry, and the address for the language switcher. Built once
//! per web request by [`web_context`], which also refuses state-changing requests
//! without a valid CSRF token and sets the cookies the request needs.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use bridgehub_app::Actor;
use bridgehub_domain::CountryCode;
use bridgehub_domain::reference::{Locale, reference};

use super::i18n::{self, LANG_COOKIE};
use super::security::{self, CSRF_COOKIE, CsrfRefusal};
use crate::AppState;

/// The signed-in user as pages see them.
#[derive(Debug, Clone)]
pub(crate) struct Viewer {
    /// User id.
    pub(crate) user_id: String,
    /// Name shown in the header.
    pub(crate) display_name: String,
    /// E-mail (shown on the account page only).
    pub(crate) email: String,
    /// Preferred UI locale.
    pub(crate) locale: Option<Locale>,
    /// Hub administrator.
    pub(crate) is_admin: bool,
    /// Organizations the user is a member of.
    pub(crate) organizations: Vec<String>,
    /// The session's synchronizer token.
    pub(crate) csrf_token: String,
    /// The raw session token (to log out).
    pub(crate) session_token: String,
}

impl Viewer {
    /// The use cases' view of this user.
    pub(crate) fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id.clone(),
            organizations: self.organizations.clone(),
            is_admin: self.is_admin,
        }
    }

    /// Whether the user may act for `organization`.
    pub(crate) fn acts_for(&self, organization: &str) -> bool {
        self.actor().acts_for(organization)
    }
}

/// The per-request page context (in the request's extensions for web routes).
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// UI locale.
    pub(crate) locale: Locale,
    /// The signed-in user.
    pub(crate) viewer: Option<Viewer>,
    /// The token this page's forms carry.
    pub(crate) csrf: String,
    /// Path and query of this request without `lang` (for the switcher and `next`).
    pub(crate) here: String,
    /// The client's address (rate limits); never logged.
    pub(crate) client: String,
}

impl Ctx {
    /// A translated message.
    pub(crate) fn t(&self, key: &str) -> String {
        i18n::text(self.locale, key, None)
    }

    /// A translated message with one number argument.
    pub(crate) fn tn(&self, key: &str, name: &str, value: u64) -> String {
        i18n::text1(self.locale, key, name, value)
    }

    /// The locale's BCP-47 tag (the page's `lang`).
    pub(crate) fn lang(&self) -> &'static str {
        self.locale.tag()
    }

    /// Whether someone is signed in.
    pub(crate) fn signed_in(&self) -> bool {
        self.viewer.is_some()
    }

    /// Whether the viewer administers the hub.
    pub(crate) fn is_admin(&self) -> bool {
        self.viewer.as_ref().is_some_and(|v| v.is_admin)
    }

    /// The signed-in user's name.
    pub(crate) fn user_name(&self) -> &str {
        self.viewer
            .as_ref()
            .map(|v| v.display_name.as_str())
            .unwrap_or("")
    }

    /// Whether the viewer may act for `organization`.
    pub(crate) fn acts_for(&self, organization: &str) -> bool {
        self.viewer
            .as_ref()
            .is_some_and(|v| v.acts_for(organization))
    }

    /// This page in another UI language.
    pub(crate) fn switch_url(&self, tag: &str) -> String {
        let sep = if self.here.contains('?') { '&' } else { '?' };
        format!("{}{}lang={}", self.here, sep, tag)
    }

    /// The switcher's entries: (tag, label, current).
    pub(crate) fn switcher(&self) -> Vec<(&'static str, &'static str, bool)> {
        i18n::SWITCHER
            .iter()
            .map(|(l, label)| (l.tag(), *label, *l == self.locale))
            .collect()
    }

    /// A country's name in the UI language.
    pub(crate) fn country(&self, code: &str) -> String {
        CountryCode::parse(code)
            .ok()
            .and_then(|c| reference().country(c))
            .map(|c| c.names.get(self.locale).to_owned())
            .unwrap_or_else(|| code.to_owned())
    }

    /// A sector's label in the UI language.
    pub(crate) fn sector(&self, code: &str) -> String {
        bridgehub_domain::Sector::parse(code)
            .map(|s| reference().sector_label(s, self.locale).to_owned())
            .unwrap_or_else(|_| code.to_owned())
    }

    /// A language's name in the UI language.
    pub(crate) fn language(&self, tag: &str) -> String {
        reference()
            .language_name(tag, self.locale)
            .map(str::to_owned)
            .unwrap_or_else(|| tag.to_owned())
    }

    /// A grouping's name in the UI language.
    pub(crate) fn grouping(&self, code: &str) -> String {
        reference()
            .grouping(code)
            .map(|g| g.name(self.locale).to_owned())
            .unwrap_or_else(|| code.to_owned())
    }

    /// A vocabulary label (`kind-enterprise`, `category-service`, ...).
    pub(crate) fn vocab(&self, prefix: &str, code: &str) -> String {
        i18n::text(
            self.locale,
            &format!("{prefix}-{}", code.replace('_', "-")),
            None,
        )
    }
}

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_owned())
}

/// The session behind a session cookie, if it is valid.
async fn resolve_viewer(state: &AppState, headers: &HeaderMap) -> Option<Viewer> {
    let token = cookie_value(headers, super::account::SESSION_COOKIE).filter(|t| !t.is_empty())?;
    let hub = state.hub.clone();
    tokio::task::spawn_blocking(move || super::account::viewer_of(&hub, &token))
        .await
        .ok()
        .flatten()
}

/// A context for a page drawn without the web layer (the router's not-found fallback): the
/// locale the request asks for, no viewer, no form token.
pub(crate) fn anonymous(headers: &HeaderMap, uri: &axum::http::Uri) -> Ctx {
    let locale = uri
        .query()
        .and_then(|q| security::form_value(q.as_bytes(), "lang"))
        .and_then(|tag| i18n::parse_locale(&tag))
        .or_else(|| cookie_value(headers, LANG_COOKIE).and_then(|t| i18n::parse_locale(&t)))
        .or_else(|| headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).and_then(i18n::from_accept_language))
        .unwrap_or(Locale::En);
    Ctx { locale, viewer: None, csrf: String::new(), here: strip_lang(uri.path(), uri.query()), client: String::new() }
}

fn strip_lang(path: &str, query: Option<&str>) -> String {
    let kept: Vec<(String, String)> = query
        .map(|q| {
            form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| k != "lang")
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    if kept.is_empty() {
        path.to_owned()
    } else {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(kept)
            .finish();
        format!("{path}?{encoded}")
    }
}

/// The client's key for rate limits, as the API computes it ([`crate::auth::client_key`]):
/// behind the cluster's balancer on loopback, the address it forwarded.
fn client_of(request: &Request) -> String {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    crate::auth::client_key(peer, request.headers())
}

/// Builds the [`Ctx`] of a web request, refuses state-changing requests without a valid
/// CSRF token (403), and sets the CSRF and language cookies when they change.
pub(crate) async fn web_context(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let headers = request.headers().clone();
    let viewer = resolve_viewer(&state, &headers).await;
    let query_lang = request
        .uri()
        .query()
        .and_then(|q| security::form_value(q.as_bytes(), "lang"))
        .and_then(|tag| i18n::parse_locale(&tag));
    let locale = query_lang
        .or_else(|| cookie_value(&headers, LANG_COOKIE).and_then(|t| i18n::parse_locale(&t)))
        .or_else(|| viewer.as_ref().and_then(|v| v.locale))
        .or_else(|| {
            headers
                .get(header::ACCEPT_LANGUAGE)
                .and_then(|v| v.to_str().ok())
                .and_then(i18n::from_accept_language)
        })
        .unwrap_or(Locale::En);
    let (csrf, new_cookie) = match &viewer {
        Some(v) => (v.csrf_token.clone(), None),
        None => match cookie_value(&headers, CSRF_COOKIE).filter(|t| security::well_formed(t)) {
            Some(token) => (token, None),
            None => {
                let token = security::new_token();
                (token.clone(), Some(token))
            }
        },
    };
    let here = strip_lang(request.uri().path(), request.uri().query());
    let client = client_of(&request);
    let ctx = Ctx {
        locale,
        viewer,
        csrf: csrf.clone(),
        here,
        client,
    };
    let mut request = request;
    if security::is_unsafe(request.method()) {
        // An anonymous client without a cookie cannot have a matching double-submit token.
        let expected = if new_cookie.is_some() {
            ""
        } else {
            csrf.as_str()
        };
        request = match security::check(request, expected).await {
            Ok(request) => request,
            Err(refusal) => {
                tracing::warn!(reason = ?refusal, "state-changing web request refused: CSRF token missing or wrong");
                let status = match refusal {
                    CsrfRefusal::BadToken => StatusCode::FORBIDDEN,
                    CsrfRefusal::BadBody => StatusCode::PAYLOAD_TOO_LARGE,
                };
                let mut response =
                    super::pages::error_page(&ctx, status, "error-csrf").into_response();
                set_cookies(response.headers_mut(), new_cookie.as_deref(), query_lang);
                return response;
            }
        };
    }
    request.extensions_mut().insert(ctx);
    let mut response = next.run(request).await;
    set_cookies(response.headers_mut(), new_cookie.as_deref(), query_lang);
    response
}

fn set_cookies(headers: &mut HeaderMap, csrf: Option<&str>, lang: Option<Locale>) {
    if let Some(token) = csrf
        && let Ok(value) = HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={token}; Path=/; Secure; HttpOnly; SameSite=Strict"
        ))
    {
        headers.append(header::SET_COOKIE, value);
    }
    if let Some(locale) = lang
        && let Ok(value) = HeaderValue::from_str(&format!(
            "{LANG_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax",
            locale.tag()
        ))
    {
        headers.append(header::SET_COOKIE, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_switcher_keeps_the_query_but_not_the_language() {
        assert_eq!(
            strip_lang("/directory", Some("q=cold+chain&lang=en&country=VN")),
            "/directory?q=cold+chain&country=VN"
        );
        assert_eq!(strip_lang("/", Some("lang=zh-Hans")), "/");
        assert_eq!(strip_lang("/", None), "/");
    }
}
