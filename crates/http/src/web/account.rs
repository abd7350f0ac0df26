//! Account pages: sign up, log in (with optional TOTP), log out, the account page (TOTP,
//! data export, delete); the introductions inbox; the administration pages; rate limits
//! and contact visibility. Every decision is a `Hub` use case taking the viewer's `Actor`.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bridgehub_app::{
    AppError, Hub, ImportOptions, ImportSource, IntroDirection, IntroductionRequest,
    IntroductionStatus, IntroductionView, NewOrganization, NoProgress, SignUp, TotpSetup,
    UserSummary,
};
use bridgehub_domain::{OrgKind, Sector};
use serde::Deserialize;

use super::context::{Ctx, Viewer};
use super::i18n;
use super::pages::{
    FormData, administrator, app_error, error_page, form_problem, render, run, see_other, to_login,
};
use crate::AppState;

pub(crate) use crate::auth::SESSION_COOKIE;

/// Requests per window one client may make to browsing pages (anti-scraping).
pub(crate) const BROWSE_LIMIT: u32 = 120;
/// The browsing window, seconds.
pub(crate) const BROWSE_WINDOW_SECS: u64 = 60;

/// Counts one browsing request of this client against its limit (anti-scraping).
pub(crate) async fn limit_browsing(hub: &Hub, ctx: &Ctx) -> Result<(), AppError> {
    let key = format!("browse:{}", ctx.client);
    run(hub, move |hub| {
        hub.rate_limit(&key, BROWSE_LIMIT, BROWSE_WINDOW_SECS)
    })
    .await
}

/// The contact of `org_id` if the viewer may see it: (e-mail, phone).
pub(crate) fn contact_for(
    hub: &Hub,
    ctx: &Ctx,
    org_id: &str,
) -> Result<Option<(String, String)>, AppError> {
    let actor = ctx.viewer.as_ref().map(Viewer::actor);
    let contact = hub.organization_contact(actor.as_ref(), org_id)?;
    Ok(contact
        .filter(|c| !c.is_empty())
        .map(|c| (c.email.unwrap_or_default(), c.phone.unwrap_or_default())))
}

/// The signed-in user behind a session token.
pub(crate) fn viewer_of(hub: &Hub, token: &str) -> Option<Viewer> {
    match hub.session(token) {
        Ok(Some(user)) => Some(Viewer {
            locale: i18n::parse_locale(&user.locale),
            user_id: user.user_id,
            display_name: user.display_name,
            email: user.email,
            is_admin: user.is_admin,
            organizations: user.organizations,
            csrf_token: user.csrf_token,
            session_token: token.to_owned(),
        }),
        Ok(None) => None,
        Err(err) => {
            tracing::warn!(error = %err, "session lookup failed");
            None
        }
    }
}

fn session_cookie(token: &str) -> Option<HeaderValue> {
    Some(crate::auth::session_cookie(token))
}

fn clear_session_cookie() -> HeaderValue {
    crate::auth::clear_session_cookie()
}

/// A local address to go back to after logging in (never another site).
fn safe_next(next: &str) -> String {
    if next.starts_with('/')
        && !next.starts_with("//")
        && !next.starts_with("/\\")
        && !next.contains(['\r', '\n'])
    {
        next.to_owned()
    } else {
        "/".to_owned()
    }
}

fn with_cookie(mut response: Response, cookie: Option<HeaderValue>) -> Response {
    if let Some(cookie) = cookie {
        response.headers_mut().append(header::SET_COOKIE, cookie);
    }
    response
}

/// The refused fields, each problem in the page's language when it has a code.
fn problems(ctx: &Ctx, err: &AppError) -> Vec<(String, String)> {
    match err {
        AppError::Validation(errors) => errors
            .iter()
            .map(|e| (super::pages::field_label(ctx, &e.field), super::pages::problem_text(ctx, e)))
            .collect(),
        other => vec![(other.field().unwrap_or("").to_owned(), super::pages::uncoded(ctx, &other.to_string()))],
    }
}

// ---------------------------------------------------------------- sign up

#[derive(Debug, Default, Clone)]
pub(crate) struct SignUpForm {
    email: String,
    display_name: String,
    locale: String,
    org_name: String,
    org_kind: String,
    org_country: String,
    org_sectors: Vec<String>,
    org_languages: String,
    contact_email: String,
    contact_phone: String,
    description: String,
}

#[derive(Template)]
#[template(path = "signup.html")]
struct SignUpPage<'a> {
    ctx: &'a Ctx,
    form: SignUpForm,
    errors: Vec<(String, String)>,
    kinds: Vec<(String, String, bool)>,
    countries: Vec<(String, String, bool)>,
    sectors: Vec<(String, String, bool)>,
    locales: Vec<(String, String, bool)>,
}

fn signup_page(ctx: &Ctx, form: SignUpForm, errors: Vec<(String, String)>) -> Response {
    let kinds = OrgKind::ALL
        .iter()
        .map(|k| {
            (
                k.code().to_owned(),
                ctx.vocab("kind", k.code()),
                k.code() == form.org_kind,
            )
        })
        .collect();
    let mut countries: Vec<(String, String, bool)> = bridgehub_domain::reference::reference()
        .countries()
        .iter()
        .map(|c| {
            (
                c.code.to_string(),
                c.names.get(ctx.locale).to_owned(),
                c.code.as_str() == form.org_country,
            )
        })
        .collect();
    countries.sort_by(|a, b| a.1.cmp(&b.1));
    let sectors = Sector::ALL
        .iter()
        .map(|s| {
            (
                s.code().to_owned(),
                ctx.sector(s.code()),
                form.org_sectors.iter().any(|x| x == s.code()),
            )
        })
        .collect();
    let chosen = if form.locale.is_empty() {
        ctx.lang().to_owned()
    } else {
        form.locale.clone()
    };
    let locales = i18n::SWITCHER
        .iter()
        .map(|(l, label)| (l.tag().to_owned(), label.to_string(), l.tag() == chosen))
        .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    (
        status,
        render(&SignUpPage {
            ctx,
            form,
            errors,
            kinds,
            countries,
            sectors,
            locales,
        }),
    )
        .into_response()
}

/// `GET /signup`.
pub(crate) async fn signup_form(Extension(ctx): Extension<Ctx>) -> Response {
    if ctx.signed_in() {
        return see_other("/account");
    }
    signup_page(&ctx, SignUpForm::default(), Vec::new())
}

/// `POST /signup`: creates the account (and its organization), then logs in.
pub(crate) async fn signup(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let data = FormData::parse(&body);
    let form = SignUpForm {
        email: data.get("email"),
        display_name: data.get("display_name"),
        locale: data.get("locale"),
        org_name: data.get("org_name"),
        org_kind: data.get("org_kind"),
        org_country: data.get("org_country"),
        org_sectors: data.all("org_sectors"),
        org_languages: data.get("org_languages"),
        contact_email: data.get("contact_email"),
        contact_phone: data.get("contact_phone"),
        description: data.get("description"),
    };
    let password = data
        .0
        .iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let organization = (!form.org_name.is_empty()).then(|| NewOrganization {
        name: form.org_name.clone(),
        kind: form.org_kind.clone(),
        country: form.org_country.clone(),
        sectors: form.org_sectors.clone(),
        languages: form
            .org_languages
            .split([',', ' ', ';'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        contact_email: Some(form.contact_email.clone()).filter(|v| !v.is_empty()),
        contact_phone: Some(form.contact_phone.clone()).filter(|v| !v.is_empty()),
        description: Some(form.description.clone()).filter(|v| !v.is_empty()),
    });
    let request = SignUp {
        email: form.email.clone(),
        password: password.clone(),
        display_name: form.display_name.clone(),
        locale: form.locale.clone(),
        organization,
    };
    let client = ctx.client.clone();
    let follower = state.follower.clone();
    let result = run(&state.hub, move |hub| {
        let user = hub.sign_up(&request)?;
        follower.poll()?;
        hub.log_in(&user.email, &password, None, &client)
    })
    .await;
    match result {
        Ok(logged_in) => with_cookie(see_other("/account"), session_cookie(&logged_in.token)),
        Err(err) if form_problem(&err) => signup_page(&ctx, form, problems(&ctx, &err)),
        Err(err) => app_error(&ctx, err),
    }
}

// ---------------------------------------------------------------- log in, log out

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage<'a> {
    ctx: &'a Ctx,
    email: String,
    next: String,
    error: String,
}

/// `?next=` of the log-in page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct NextParam {
    next: Option<String>,
}

/// `GET /login`.
pub(crate) async fn login_form(
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<NextParam>, QueryRejection>,
) -> Response {
    let next = safe_next(
        params
            .ok()
            .and_then(|Query(p)| p.next)
            .as_deref()
            .unwrap_or("/"),
    );
    render(&LoginPage {
        ctx: &ctx,
        email: String::new(),
        next,
        error: String::new(),
    })
}

/// `POST /login`: a new session (the old one, if any, ends: rotation on login).
pub(crate) async fn login(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let data = FormData::parse(&body);
    let email = data.get("email");
    let password = data
        .0
        .iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let totp = data.opt("totp_code");
    let next = safe_next(&data.get("next"));
    let client = ctx.client.clone();
    let old = ctx.viewer.as_ref().map(|v| v.session_token.clone());
    let who = email.clone();
    let result = run(&state.hub, move |hub| {
        let logged_in = hub.log_in(&who, &password, totp.as_deref(), &client)?;
        if let Some(old) = old {
            hub.log_out(&old)?;
        }
        Ok(logged_in)
    })
    .await;
    match result {
        Ok(logged_in) => with_cookie(see_other(&next), session_cookie(&logged_in.token)),
        Err(err) => {
            let (status, error) = match &err {
                AppError::Unauthenticated => (StatusCode::UNAUTHORIZED, ctx.t("login-failed")),
                AppError::RateLimited { .. } => {
                    (StatusCode::TOO_MANY_REQUESTS, ctx.t("error-rate-limited"))
                }
                AppError::Validation(_) => {
                    (StatusCode::UNPROCESSABLE_ENTITY, ctx.t("field-totp-help"))
                }
                _ => return app_error(&ctx, err),
            };
            (
                status,
                render(&LoginPage {
                    ctx: &ctx,
                    email,
                    next,
                    error,
                }),
            )
                .into_response()
        }
    }
}

/// `POST /logout`: the session ends on the server and the cookie is cleared.
pub(crate) async fn logout(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    if let Some(viewer) = &ctx.viewer {
        let token = viewer.session_token.clone();
        if let Err(err) = run(&state.hub, move |hub| hub.log_out(&token)).await {
            return app_error(&ctx, err);
        }
    }
    with_cookie(see_other("/"), Some(clear_session_cookie()))
}

// ---------------------------------------------------------------- account

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage<'a> {
    ctx: &'a Ctx,
    email: String,
    orgs: Vec<(String, String)>,
    totp_enabled: bool,
    setup: Option<TotpSetup>,
    notice: String,
    errors: Vec<(String, String)>,
}

/// `?done=` of the account page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneParam {
    done: Option<String>,
}

async fn account_page(
    state: &AppState,
    ctx: &Ctx,
    setup: Option<TotpSetup>,
    notice: String,
    errors: Vec<(String, String)>,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(ctx);
    };
    let c = ctx.clone();
    let actor = viewer.actor();
    let result = run(&state.hub, move |hub| {
        let data = hub.export_my_data(&actor)?;
        let totp = data["account"]["totp_enabled"].as_bool().unwrap_or(false);
        Ok((super::pages::own_org_names(hub, &c, None), totp))
    })
    .await;
    match result {
        Ok((orgs, totp_enabled)) => {
            let status = if errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            (
                status,
                render(&AccountPage {
                    ctx,
                    email: viewer.email.clone(),
                    orgs,
                    totp_enabled,
                    setup,
                    notice,
                    errors,
                }),
            )
                .into_response()
        }
        Err(err) => app_error(ctx, err),
    }
}

/// `GET /account`.
pub(crate) async fn account(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<DoneParam>, QueryRejection>,
) -> Response {
    let notice = match params.ok().and_then(|Query(p)| p.done).as_deref() {
        Some("totp-on") => ctx.t("account-totp-on"),
        Some("totp-off") => ctx.t("account-totp-off"),
        _ => String::new(),
    };
    account_page(&state, &ctx, None, notice, Vec::new()).await
}

/// `POST /account/totp/begin`: a new secret to add to an authenticator app.
pub(crate) async fn totp_begin(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let actor = viewer.actor();
    match run(&state.hub, move |hub| hub.begin_totp(&actor)).await {
        Ok(setup) => account_page(&state, &ctx, Some(setup), String::new(), Vec::new()).await,
        Err(err) if form_problem(&err) || matches!(err, AppError::InvalidState(_)) => {
            account_page(&state, &ctx, None, String::new(), problems(&ctx, &err)).await
        }
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /account/totp/confirm` and `/account/totp/disable`.
pub(crate) async fn totp_change(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(action): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let code = FormData::parse(&body).get("code");
    let actor = viewer.actor();
    let enable = action == "confirm";
    let result = run(&state.hub, move |hub| {
        if enable {
            hub.confirm_totp(&actor, &code)
        } else {
            hub.disable_totp(&actor, &code)
        }
    })
    .await;
    match result {
        Ok(()) => see_other(if enable {
            "/account?done=totp-on"
        } else {
            "/account?done=totp-off"
        }),
        Err(err) if form_problem(&err) || matches!(err, AppError::InvalidState(_)) => {
            account_page(&state, &ctx, None, String::new(), problems(&ctx, &err)).await
        }
        Err(err) => app_error(&ctx, err),
    }
}

/// `GET /account/export.json`: everything the hub holds about the viewer, as a download.
pub(crate) async fn export(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let actor = viewer.actor();
    match run(&state.hub, move |hub| hub.export_my_data(&actor)).await {
        Ok(data) => (
            [
                (header::CONTENT_TYPE, "application/json"),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"bridgehub-my-data.json\"",
                ),
                (header::CACHE_CONTROL, "no-store"),
            ],
            serde_json::to_string_pretty(&data).unwrap_or_default(),
        )
            .into_response(),
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /account/delete`: needs the password; ends every session.
pub(crate) async fn delete(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let password = FormData::parse(&body)
        .0
        .into_iter()
        .find(|(k, _)| k == "password")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let actor = viewer.actor();
    match run(&state.hub, move |hub| hub.delete_account(&actor, &password)).await {
        Ok(()) => {
            let mut anonymous = ctx.clone();
            anonymous.viewer = None;
            let response = error_page(&anonymous, StatusCode::OK, "account-deleted");
            with_cookie(response, Some(clear_session_cookie()))
        }
        Err(err) if form_problem(&err) => {
            account_page(&state, &ctx, None, String::new(), problems(&ctx, &err)).await
        }
        Err(err) => app_error(&ctx, err),
    }
}

// ---------------------------------------------------------------- introductions

pub(crate) struct IntroCard {
    id: String,
    status: String,
    status_code: &'static str,
    from_org: String,
    from_name: String,
    to_org: String,
    to_name: String,
    about_listing: String,
    message: String,
    created_at: String,
    contact_email: String,
    contact_phone: String,
    can_answer: bool,
    can_withdraw: bool,
}

fn intro_card(ctx: &Ctx, view: &IntroductionView) -> IntroCard {
    let status_key = match view.status {
        IntroductionStatus::Requested => "intro-state-pending",
        IntroductionStatus::Accepted => "intro-state-accepted",
        IntroductionStatus::Declined => "intro-state-declined",
        IntroductionStatus::Withdrawn => "intro-state-withdrawn",
    };
    let contact = view.counterpart_contact.clone().unwrap_or_default();
    let open = matches!(
        view.status,
        IntroductionStatus::Requested | IntroductionStatus::Accepted
    );
    IntroCard {
        id: view.id.clone(),
        status: ctx.t(status_key),
        status_code: view.status.code(),
        from_org: view.from_org.clone(),
        from_name: view.from_org_name.clone(),
        to_org: view.to_org.clone(),
        to_name: view.to_org_name.clone(),
        about_listing: view.about_listing.clone().unwrap_or_default(),
        message: view.message.clone(),
        created_at: view.created_at.chars().take(10).collect(),
        contact_email: contact.email.unwrap_or_default(),
        contact_phone: contact.phone.unwrap_or_default(),
        can_answer: view.direction == IntroDirection::Incoming
            && view.status == IntroductionStatus::Requested,
        can_withdraw: open
            && !(view.direction == IntroDirection::Incoming
                && view.status == IntroductionStatus::Requested),
    }
}

#[derive(Template)]
#[template(path = "introductions.html")]
struct IntroductionsPage<'a> {
    ctx: &'a Ctx,
    incoming: Vec<IntroCard>,
    outgoing: Vec<IntroCard>,
    notice: String,
}

/// `GET /introductions`: the inbox, incoming and outgoing.
pub(crate) async fn introductions(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<DoneParam>, QueryRejection>,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let actor = viewer.actor();
    let notice = if params.ok().and_then(|Query(p)| p.done).as_deref() == Some("sent") {
        ctx.t("intro-sent")
    } else {
        String::new()
    };
    match run(&state.hub, move |hub| hub.introductions_for(&actor)).await {
        Ok(views) => {
            let (incoming, outgoing): (Vec<_>, Vec<_>) = views
                .iter()
                .partition(|v| v.direction == IntroDirection::Incoming);
            render(&IntroductionsPage {
                incoming: incoming.into_iter().map(|v| intro_card(&ctx, v)).collect(),
                outgoing: outgoing.into_iter().map(|v| intro_card(&ctx, v)).collect(),
                notice,
                ctx: &ctx,
            })
        }
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /introductions`: ask for an introduction.
pub(crate) async fn request_introduction(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let data = FormData::parse(&body);
    let request = IntroductionRequest {
        from_org: data.get("from_org"),
        to_org: data.get("to_org"),
        about_listing: data.opt("about_listing"),
        for_listing: data.opt("for_listing"),
        message: data.get("message"),
    };
    let actor = viewer.actor();
    match run(&state.hub, move |hub| {
        hub.request_introduction(&actor, &request)
    })
    .await
    {
        Ok(_) => see_other("/introductions?done=sent"),
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /introductions/{id}/{accept|decline|withdraw}`.
pub(crate) async fn answer_introduction(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, action)): Path<(String, String)>,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let actor = viewer.actor();
    let follower = state.follower.clone();
    let result = run(&state.hub, move |hub| {
        match action.as_str() {
            "accept" => hub.respond_introduction(&actor, &id, true)?,
            "decline" => hub.respond_introduction(&actor, &id, false)?,
            "withdraw" => hub.withdraw_introduction(&actor, &id)?,
            _ => {
                return Err(AppError::NotFound {
                    kind: "action",
                    id: action,
                });
            }
        };
        follower.poll()?;
        Ok(())
    })
    .await;
    match result {
        Ok(()) => see_other("/introductions"),
        Err(err) => app_error(&ctx, err),
    }
}

// ---------------------------------------------------------------- administration

pub(crate) struct ImportResult {
    stored: bool,
    summary: String,
    errors: Vec<String>,
    warnings: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage<'a> {
    ctx: &'a Ctx,
    users: Vec<UserSummary>,
    result: Option<ImportResult>,
}

async fn admin_page(state: &AppState, ctx: &Ctx, result: Option<ImportResult>) -> Response {
    let viewer = match administrator(ctx) {
        Ok(viewer) => viewer,
        Err(answer) => return answer,
    };
    let actor = viewer.actor();
    match run(&state.hub, move |hub| hub.list_users(&actor)).await {
        Ok(users) => render(&AdminPage { ctx, users, result }),
        Err(err) => app_error(ctx, err),
    }
}

/// `GET /admin`: import and users.
pub(crate) async fn admin(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
) -> Response {
    admin_page(&state, &ctx, None).await
}

/// Largest import file accepted through the web page.
const MAX_IMPORT_BYTES: usize = 64 << 20;

/// `POST /admin/import` (multipart): preview (dry run) or import a file.
pub(crate) async fn import(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    mut multipart: Multipart,
) -> Response {
    if !ctx.is_admin() {
        return error_page(&ctx, StatusCode::FORBIDDEN, "error-forbidden");
    }
    let (mut file_name, mut content, mut preview, mut skip_invalid) =
        (String::new(), Vec::new(), true, false);
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => {
                let name = field.name().unwrap_or("").to_owned();
                match name.as_str() {
                    "file" => {
                        file_name = field.file_name().unwrap_or("upload.jsonl").to_owned();
                        match field.bytes().await {
                            Ok(bytes) if bytes.len() <= MAX_IMPORT_BYTES => {
                                content = bytes.to_vec()
                            }
                            _ => {
                                return error_page(
                                    &ctx,
                                    StatusCode::PAYLOAD_TOO_LARGE,
                                    "error-internal",
                                );
                            }
                        }
                    }
                    "action" => preview = field.text().await.map(|t| t != "import").unwrap_or(true),
                    "skip_invalid" => skip_invalid = true,
                    _ => {}
                }
            }
            Ok(None) => break,
            Err(_) => return error_page(&ctx, StatusCode::BAD_REQUEST, "error-internal"),
        }
    }
    let extension = if file_name.to_ascii_lowercase().ends_with(".csv") {
        "csv"
    } else {
        "jsonl"
    };
    let shown = file_name.replace(['/', '\\'], "_");
    let follower = state.follower.clone();
    let c = ctx.clone();
    let result = run(&state.hub, move |hub| {
        let path = std::env::temp_dir().join(format!(
            "bridgehub-import-{}.{extension}",
            super::security::new_token()
        ));
        std::fs::write(&path, &content)
            .map_err(|e| AppError::Io(format!("cannot keep the upload: {e}")))?;
        let source = ImportSource::new(&path);
        let outcome = hub.import(
            &[source],
            ImportOptions {
                skip_invalid,
                dry_run: preview,
            },
            &NoProgress,
        );
        let _ = std::fs::remove_file(&path);
        let rename = |text: String| text.replace(&path.display().to_string(), &shown);
        Ok(match outcome {
            Ok(report) => {
                if report.stored {
                    follower.poll()?;
                }
                let n = if report.stored {
                    report.records_stored
                } else {
                    report.records_read
                };
                ImportResult {
                    stored: report.stored,
                    summary: c.tn(
                        if report.stored {
                            "admin-import-stored"
                        } else {
                            "admin-import-dry"
                        },
                        "n",
                        n,
                    ),
                    errors: report
                        .errors
                        .iter()
                        .map(|e| rename(super::pages::line_error_text(&c, e)))
                        .collect(),
                    warnings: report.warnings.into_iter().map(rename).collect(),
                }
            }
            Err(AppError::ImportRejected { errors, .. }) => ImportResult {
                stored: false,
                summary: c.t("admin-import-errors"),
                errors: errors.iter().map(|e| rename(super::pages::line_error_text(&c, e))).collect(),
                warnings: Vec::new(),
            },
            Err(err) if err.code() == bridgehub_app::ErrorCode::Io => ImportResult {
                stored: false,
                summary: rename(err.to_string()),
                errors: Vec::new(),
                warnings: Vec::new(),
            },
            Err(err) => return Err(err),
        })
    })
    .await;
    match result {
        Ok(result) => admin_page(&state, &ctx, Some(result)).await,
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /admin/users/{id}/admin`: grant (`admin=on`) or remove the administrator role.
pub(crate) async fn set_admin(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let on = FormData::parse(&body).get("admin") == "on";
    let actor = viewer.actor();
    match run(&state.hub, move |hub| hub.set_admin(&actor, &id, on)).await {
        Ok(()) => see_other("/admin"),
        Err(err) => app_error(&ctx, err),
    }
}
