//! The web UI (issue #5): server-rendered pages (askama templates, auto-escaped) in
//! English, Simplified and Traditional Chinese (Fluent), with CSRF protection on every
//! form and security headers on every response. See docs/web.md.

mod account;
mod analytics;
mod context;
mod events;
mod i18n;
pub(crate) mod pages;
mod security;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::routing::{get, post};

pub(crate) use security::security_headers;

use crate::AppState;

/// The web UI's routes, at the site root; every one runs through [`context::web_context`]
/// (locale, session, CSRF check).
pub(crate) fn routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/directory", get(pages::directory))
        .route("/listings", get(pages::listings))
        .route(
            "/listings/new",
            get(pages::new_listing).post(pages::create_listing),
        )
        .route("/listings/{id}", get(pages::listing))
        .route(
            "/listings/{id}/edit",
            get(pages::edit_listing).post(pages::update_listing),
        )
        .route("/listings/{id}/withdraw", post(pages::withdraw_listing))
        .route("/organizations/{id}", get(pages::organization))
        .route("/signup", get(account::signup_form).post(account::signup))
        .route("/login", get(account::login_form).post(account::login))
        .route("/logout", post(account::logout))
        .route("/account", get(account::account))
        .route("/account/totp/begin", post(account::totp_begin))
        .route("/account/totp/{action}", post(account::totp_change))
        .route("/account/export.json", get(account::export))
        .route("/account/delete", post(account::delete))
        .route(
            "/introductions",
            get(account::introductions).post(account::request_introduction),
        )
        .route(
            "/introductions/{id}/{action}",
            post(account::answer_introduction),
        )
        .route("/events", get(events::list))
        .route("/events/new", get(events::new_event).post(events::create_event))
        .route("/events/{id}", get(events::detail))
        .route("/events/{id}/register", post(events::register))
        .route("/events/{id}/meetings", post(events::request_meeting))
        .route(
            "/events/{id}/requests/{request}/{action}",
            post(events::answer),
        )
        .route("/events/{id}/agenda", get(events::agenda))
        .route("/events/{id}/availability", post(events::availability))
        .route("/events/{id}/organize", get(events::organize))
        .route("/events/{id}/organize/slot/{request}", post(events::organize_slot))
        .route("/events/{id}/organize/order/{request}", post(events::organize_order))
        .route("/events/{id}/organize/schedule", post(events::organize_schedule))
        .route("/events/{id}/organize/session", post(events::organize_session))
        .route("/events/{id}/organize/status", post(events::organize_status))
        .route("/events/{id}/organize/tables", post(events::organize_tables))
        .route("/events/{id}/organize/rules", post(events::organize_rules))
        .route("/events/{id}/organize/one-slot", post(events::organize_one_slot))
        .route("/thin-ties", get(pages::thin_ties))
        .route("/brokers", get(analytics::brokers))
        .route("/admin", get(account::admin))
        .route("/admin/conflicts", get(analytics::conflicts))
        .route("/admin/import", post(account::import))
        .route("/admin/users/{id}/admin", post(account::set_admin))
        .layer(from_fn_with_state(state, context::web_context))
        .route("/static/style.css", get(pages::style))
        .route("/static/app.js", get(pages::script))
}
