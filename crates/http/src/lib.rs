//! Bridgehub's HTTP transport: the JSON API under `/api`, described by OpenAPI at
//! `/api/openapi.json`.
//!
//! Invariant: this is the only crate that knows axum, HTTP status codes and wire DTOs.
//! Handlers are thin; every decision is made by a `bridgehub_app::Hub` use case.

#![warn(missing_docs)]

mod api;
pub mod dto;
pub mod error;

use std::future::Future;
use std::net::SocketAddr;

use axum::extract::{MatchedPath, Request};
use axum::http::header;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use axum::{Json, Router};
use bridgehub_app::Hub;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

pub use error::{ErrorBody, ErrorDetail};

/// The OpenAPI description of every route.
#[derive(OpenApi)]
#[openapi(
    info(title = "Bridgehub API", version = "1", description = "Matchmaking hub for international exchange and cooperation. Errors are `{\"error\": {\"code\", \"message\", \"field\"}}` with stable codes; contact details are never returned."),
    paths(
        api::system::health, api::system::ready, api::system::stats,
        api::organizations::list, api::organizations::get, api::organizations::create,
        api::organizations::update, api::organizations::delete,
        api::listings::list, api::listings::get, api::listings::create, api::listings::update,
        api::listings::withdraw, api::listings::delete,
        api::people::list, api::people::get, api::people::ties,
        api::reference::countries, api::reference::regions, api::reference::groupings,
        api::reference::languages, api::reference::vocabulary,
    ),
    tags(
        (name = "organizations", description = "The directory of organizations"),
        (name = "listings", description = "Offers and seeks"),
        (name = "people", description = "Professionals"),
        (name = "ties", description = "Recorded relations"),
        (name = "reference", description = "Countries, regions, groupings, languages, vocabularies"),
        (name = "system", description = "Health and statistics"),
    )
)]
pub struct ApiDoc;

async fn openapi() -> impl IntoResponse {
    Json(ApiDoc::openapi())
}

async fn not_found() -> error::ApiError {
    error::ApiError::RouteNotFound
}

async fn index() -> impl IntoResponse {
    (
        [(header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'")],
        Html(include_str!("index.html")),
    )
}

/// The whole application as a router over `hub`.
pub fn router(hub: Hub) -> Router {
    let api = Router::new()
        .route("/organizations", get(api::organizations::list).post(api::organizations::create))
        .route(
            "/organizations/{id}",
            get(api::organizations::get).put(api::organizations::update).delete(api::organizations::delete),
        )
        .route("/listings", get(api::listings::list).post(api::listings::create))
        .route("/listings/{id}", get(api::listings::get).put(api::listings::update).delete(api::listings::delete))
        .route("/listings/{id}/withdraw", post(api::listings::withdraw))
        .route("/people", get(api::people::list))
        .route("/people/{id}", get(api::people::get))
        .route("/ties", get(api::people::ties))
        .route("/stats", get(api::system::stats))
        .route("/reference/countries", get(api::reference::countries))
        .route("/reference/regions", get(api::reference::regions))
        .route("/reference/groupings", get(api::reference::groupings))
        .route("/reference/languages", get(api::reference::languages))
        .route("/reference/vocabulary", get(api::reference::vocabulary));
    Router::new()
        .route("/", get(index))
        .route("/api/health", get(api::system::health))
        .route("/api/ready", get(api::system::ready))
        .route("/api/openapi.json", get(openapi))
        .nest("/api/v1", api)
        .fallback(not_found)
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            // Method and route template only: no query strings, ids or bodies in logs.
            let route = request.extensions().get::<MatchedPath>().map(MatchedPath::as_str).unwrap_or("(unmatched)");
            tracing::info_span!("http", method = %request.method(), route)
        }))
        .with_state(hub)
}

/// Serves the hub on `listener` until `shutdown` completes; requests in flight finish.
pub async fn serve(listener: TcpListener, hub: Hub, shutdown: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(listener, router(hub)).with_graceful_shutdown(shutdown).await
}

/// Binds `addr` (port 0 picks a free one) and returns the listener and its address.
pub async fn bind(addr: &str) -> std::io::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    Ok((listener, local))
}
