//! `/api/v1` routes: sessions, accounts, introductions (double opt-in) and the signed-in
//! user's own data (issue #5).
//!
//! Authentication: the session cookie or `Authorization: Bearer <token>` (the token
//! `POST /session` returns). Unsafe requests authenticated by the cookie must carry the
//! session's CSRF token in `X-CSRF-Token` (see `crate::auth`).

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bridgehub_app::{
    AppError, Contact, Hub, IntroDirection, IntroductionRequest, IntroductionStatus,
    IntroductionView, NewOrganization, SessionUser, SignUp,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{OpenApi, ToSchema};

use super::blocking;
use crate::AppState;
use crate::auth::{ApiUser, ClientKey, clear_session_cookie, session_cookie, session_token};
use crate::error::{ApiError, ErrorBody};

/// The OpenAPI description of this module's routes (merged into the API's document).
#[derive(OpenApi)]
#[openapi(
    paths(log_in, log_out, sign_up, me, export_me, delete_me, list, request, accept, decline, withdraw, contact),
    components(schemas(
        LogInBody, SessionView, UserView, SignUpBody, NewOrganizationBody, DeleteAccountBody, IntroductionBody,
        IntroductionOut, ContactView
    )),
    tags(
        (name = "accounts", description = "Sign-up, sessions and the signed-in user's own data"),
        (name = "introductions", description = "Introductions between organizations (double opt-in) and the contacts they share"),
    )
)]
pub(crate) struct IntroductionsDoc;

/// This module's routes, nested under `/api/v1`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(log_in).delete(log_out))
        .route("/users", post(sign_up))
        .route("/me", get(me).delete(delete_me))
        .route("/me/export", get(export_me))
        .route("/introductions", get(list).post(request))
        .route("/introductions/{id}/accept", post(accept))
        .route("/introductions/{id}/decline", post(decline))
        .route("/introductions/{id}/withdraw", post(withdraw))
        .route("/organizations/{id}/contact", get(contact))
}

/// Log-in form.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct LogInBody {
    /// E-mail address.
    email: String,
    /// Password.
    password: String,
    /// Current code of the authenticator app, when the account has a second factor.
    #[serde(default)]
    totp_code: Option<String>,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct UserView {
    /// User id.
    id: String,
    /// E-mail address.
    email: String,
    /// Name shown to others.
    display_name: String,
    /// UI locale.
    locale: String,
    /// Hub administrator.
    is_admin: bool,
    /// Organizations the user is a member of.
    organizations: Vec<String>,
}

impl From<&SessionUser> for UserView {
    fn from(u: &SessionUser) -> Self {
        UserView {
            id: u.user_id.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            locale: u.locale.clone(),
            is_admin: u.is_admin,
            organizations: u.organizations.clone(),
        }
    }
}

/// A session: who, and the CSRF token for unsafe requests made with the cookie.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct SessionView {
    /// The signed-in user.
    user: UserView,
    /// Send as `X-CSRF-Token` with unsafe requests authenticated by the cookie.
    csrf_token: String,
    /// The session token (for `Authorization: Bearer`); only in the login response.
    #[serde(skip_serializing_if = "Option::is_none")]
    token: Option<String>,
}

/// Sign-up form.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct SignUpBody {
    /// E-mail address (the login).
    email: String,
    /// At least 12 characters.
    password: String,
    /// Name shown to others.
    display_name: String,
    /// UI locale (`en`, `zh-Hans`, `zh-Hant`).
    #[serde(default)]
    locale: Option<String>,
    /// An organization to create, owned by the new user.
    #[serde(default)]
    organization: Option<NewOrganizationBody>,
}

/// An organization made at sign-up.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct NewOrganizationBody {
    /// Name.
    name: String,
    /// Kind code.
    kind: String,
    /// ISO 3166-1 alpha-2.
    country: String,
    /// Sector codes.
    #[serde(default)]
    sectors: Vec<String>,
    /// Language tags.
    #[serde(default)]
    languages: Vec<String>,
    /// Private contact e-mail (shared only through accepted introductions).
    #[serde(default)]
    contact_email: Option<String>,
    /// Private contact telephone.
    #[serde(default)]
    contact_phone: Option<String>,
    /// Description.
    #[serde(default)]
    description: Option<String>,
}

/// Account deletion: the password again.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct DeleteAccountBody {
    /// The account's password.
    password: String,
}

/// An introduction request.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct IntroductionBody {
    /// The asking organization; may be left out when the user belongs to exactly one.
    #[serde(default)]
    from_org: Option<String>,
    /// The organization asked.
    to_org: String,
    /// The counterpart's listing it is about.
    #[serde(default)]
    about_listing: Option<String>,
    /// The asker's listing it is for.
    #[serde(default)]
    for_listing: Option<String>,
    /// A note to the other side.
    #[serde(default)]
    message: String,
}

/// Contact details shared through an accepted introduction.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ContactView {
    /// E-mail address.
    email: Option<String>,
    /// Telephone.
    phone: Option<String>,
}

impl From<Contact> for ContactView {
    fn from(c: Contact) -> Self {
        ContactView {
            email: c.email,
            phone: c.phone,
        }
    }
}

/// An introduction as one side sees it.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct IntroductionOut {
    /// Id.
    id: String,
    /// `incoming` or `outgoing`.
    direction: String,
    /// `requested`, `accepted`, `declined` or `withdrawn`.
    status: String,
    /// The asking organization.
    from_org: String,
    /// Its name.
    from_org_name: String,
    /// The organization asked.
    to_org: String,
    /// Its name.
    to_org_name: String,
    /// The counterpart's listing it is about.
    about_listing: Option<String>,
    /// The asker's listing it is for.
    for_listing: Option<String>,
    /// The asker's note.
    message: String,
    /// When it was asked.
    created_at: String,
    /// When it was answered or withdrawn.
    responded_at: Option<String>,
    /// The other side's contact: only while accepted.
    counterpart_contact: Option<ContactView>,
}

impl From<IntroductionView> for IntroductionOut {
    fn from(v: IntroductionView) -> Self {
        IntroductionOut {
            id: v.id,
            direction: match v.direction {
                IntroDirection::Incoming => "incoming".into(),
                IntroDirection::Outgoing => "outgoing".into(),
            },
            status: IntroductionStatus::code(v.status).into(),
            from_org: v.from_org,
            from_org_name: v.from_org_name,
            to_org: v.to_org,
            to_org_name: v.to_org_name,
            about_listing: v.about_listing,
            for_listing: v.for_listing,
            message: v.message,
            created_at: v.created_at,
            responded_at: v.responded_at,
            counterpart_contact: v.counterpart_contact.map(ContactView::from),
        }
    }
}

/// Log in: starts a new session, sets the session cookie, returns the user, the CSRF
/// token and the session token (for bearer use). Failed attempts are limited per
/// address and per client (429 `rate_limited` with `Retry-After`).
#[utoipa::path(post, path = "/api/v1/session", tag = "accounts", request_body = LogInBody,
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody),
        (status = 429, body = ErrorBody)))]
pub(crate) async fn log_in(
    State(hub): State<Hub>,
    ClientKey(client): ClientKey,
    headers: HeaderMap,
    body: Result<Json<LogInBody>, JsonRejection>,
) -> Response {
    let Json(body) = match body {
        Ok(body) => body,
        Err(rejection) => return ApiError::from(rejection).into_response(),
    };
    let previous = session_token(&headers).map(|(token, _)| token);
    let result = blocking(hub, move |hub| {
        let logged_in = hub.log_in(
            &body.email,
            &body.password,
            body.totp_code.as_deref(),
            &client,
        )?;
        // Rotation: the session this browser had before, if any, ends now.
        if let Some(previous) = previous {
            hub.log_out(&previous)?;
        }
        Ok(logged_in)
    })
    .await;
    match result {
        Ok(logged_in) => {
            let view = SessionView {
                user: UserView::from(&logged_in.session),
                csrf_token: logged_in.session.csrf_token.clone(),
                token: Some(logged_in.token.clone()),
            };
            (
                [
                    (header::SET_COOKIE, session_cookie(&logged_in.token)),
                    (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                ],
                Json(view),
            )
                .into_response()
        }
        Err(err) => err.into_response(),
    }
}

/// Log out: the session ends (its token never works again) and the cookie is cleared.
#[utoipa::path(delete, path = "/api/v1/session", tag = "accounts",
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn log_out(
    State(hub): State<Hub>,
    _user: ApiUser,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    if let Some((token, _)) = session_token(&headers) {
        blocking(hub, move |hub| hub.log_out(&token)).await?;
    }
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_session_cookie())],
    )
        .into_response())
}

/// Sign up: creates the account (and its organization, when given). Log in afterwards.
#[utoipa::path(post, path = "/api/v1/users", tag = "accounts", request_body = SignUpBody,
    responses((status = 201, body = UserView), (status = 422, body = ErrorBody)))]
pub(crate) async fn sign_up(
    State(hub): State<Hub>,
    body: Result<Json<SignUpBody>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(b) = body?;
    let form = SignUp {
        email: b.email,
        password: b.password,
        display_name: b.display_name,
        locale: b.locale.unwrap_or_default(),
        organization: b.organization.map(|o| NewOrganization {
            name: o.name,
            kind: o.kind,
            country: o.country,
            sectors: o.sectors,
            languages: o.languages,
            contact_email: o.contact_email,
            contact_phone: o.contact_phone,
            description: o.description,
        }),
    };
    let user = blocking(hub, move |hub| hub.sign_up(&form)).await?;
    Ok((StatusCode::CREATED, Json(UserView::from(&user))))
}

/// The signed-in user and the session's CSRF token.
#[utoipa::path(get, path = "/api/v1/me", tag = "accounts",
    responses((status = 200, body = SessionView), (status = 401, body = ErrorBody)))]
pub(crate) async fn me(ApiUser(user): ApiUser) -> impl IntoResponse {
    (
        [(header::CACHE_CONTROL, "no-store")],
        Json(SessionView {
            user: UserView::from(&user),
            csrf_token: user.csrf_token.clone(),
            token: None,
        }),
    )
}

/// Everything the hub keeps about the signed-in user, as JSON.
#[utoipa::path(get, path = "/api/v1/me/export", tag = "accounts",
    responses((status = 200, body = Object), (status = 401, body = ErrorBody)))]
pub(crate) async fn export_me(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
) -> Result<impl IntoResponse, ApiError> {
    let actor = user.actor();
    let data: Value = blocking(hub, move |hub| hub.export_my_data(&actor)).await?;
    Ok((
        [
            (header::CACHE_CONTROL, "no-store"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"bridgehub-my-data.json\"",
            ),
        ],
        Json(data),
    ))
}

/// Delete the signed-in user's account (password required). Consent records stay,
/// anonymised.
#[utoipa::path(delete, path = "/api/v1/me", tag = "accounts", request_body = DeleteAccountBody,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn delete_me(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    body: Result<Json<DeleteAccountBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    blocking(hub, move |hub| hub.delete_account(&actor, &body.password)).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, clear_session_cookie())],
    )
        .into_response())
}

/// Introductions to and from the user's organizations, newest first.
#[utoipa::path(get, path = "/api/v1/introductions", tag = "introductions",
    responses((status = 200, body = Vec<IntroductionOut>), (status = 401, body = ErrorBody)))]
pub(crate) async fn list(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
) -> Result<Json<Vec<IntroductionOut>>, ApiError> {
    let actor = user.actor();
    let views = blocking(hub, move |hub| hub.introductions_for(&actor)).await?;
    Ok(Json(views.into_iter().map(IntroductionOut::from).collect()))
}

/// Ask another organization for an introduction.
#[utoipa::path(post, path = "/api/v1/introductions", tag = "introductions", request_body = IntroductionBody,
    responses((status = 201, body = IntroductionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn request(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    body: Result<Json<IntroductionBody>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(b) = body?;
    let from_org = match (b.from_org, user.organizations.as_slice()) {
        (Some(from), _) => from,
        (None, [only]) => only.clone(),
        (None, _) => {
            return Err(ApiError::App(AppError::Validation(vec![
                bridgehub_domain::FieldError::new(
                    "from_org",
                    "is required (you belong to several organizations, or none)",
                ),
            ])));
        }
    };
    let request = IntroductionRequest {
        from_org,
        to_org: b.to_org,
        about_listing: b.about_listing,
        for_listing: b.for_listing,
        message: b.message,
    };
    let actor = user.actor();
    let view = blocking(hub, move |hub| hub.request_introduction(&actor, &request)).await?;
    Ok((StatusCode::CREATED, Json(IntroductionOut::from(view))))
}

/// Accept an introduction (the organization asked): both sides consent to share their
/// contacts, and a tie is recorded.
#[utoipa::path(post, path = "/api/v1/introductions/{id}/accept", tag = "introductions",
    params(("id" = String, Path, description = "Introduction id")),
    responses((status = 200, body = IntroductionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn accept(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<IntroductionOut>, ApiError> {
    let actor = user.actor();
    let view = blocking(hub, move |hub| hub.respond_introduction(&actor, &id, true)).await?;
    Ok(Json(view.into()))
}

/// Decline an introduction (the organization asked).
#[utoipa::path(post, path = "/api/v1/introductions/{id}/decline", tag = "introductions",
    params(("id" = String, Path, description = "Introduction id")),
    responses((status = 200, body = IntroductionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn decline(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<IntroductionOut>, ApiError> {
    let actor = user.actor();
    let view = blocking(hub, move |hub| hub.respond_introduction(&actor, &id, false)).await?;
    Ok(Json(view.into()))
}

/// Withdraw an introduction (either side): consents are revoked, contacts hidden again.
#[utoipa::path(post, path = "/api/v1/introductions/{id}/withdraw", tag = "introductions",
    params(("id" = String, Path, description = "Introduction id")),
    responses((status = 200, body = IntroductionOut), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn withdraw(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Json<IntroductionOut>, ApiError> {
    let actor = user.actor();
    let view = blocking(hub, move |hub| hub.withdraw_introduction(&actor, &id)).await?;
    Ok(Json(view.into()))
}

/// An organization's contact: for its members, administrators and organizations it is
/// connected to by an accepted introduction; 403 `forbidden` for everyone else.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/contact", tag = "introductions",
    params(("id" = String, Path, description = "Organization id")),
    responses((status = 200, body = ContactView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)))]
pub(crate) async fn contact(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<impl IntoResponse, ApiError> {
    let actor = user.actor();
    let contact = blocking(hub, move |hub| hub.organization_contact(Some(&actor), &id)).await?;
    match contact {
        Some(contact) => Ok(([(header::CACHE_CONTROL, "private, no-store")], Json(ContactView::from(contact)))),
        None => Err(ApiError::App(AppError::Forbidden(
            "contact details are shared only between organizations connected by an accepted introduction".into(),
        ))),
    }
}
