//! Health, readiness, statistics.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use bridgehub_app::Hub;

use super::blocking;
use crate::dto::{HealthView, StatsView};
use crate::error::{ApiError, ErrorBody};

/// Liveness: the process answers.
#[utoipa::path(get, path = "/api/health", tag = "system", responses((status = 200, body = HealthView)))]
pub(crate) async fn health(State(hub): State<Hub>) -> Json<HealthView> {
    Json(HealthView { status: "ok".into(), backend: hub.backend().into() })
}

/// Readiness: the database answers a query.
#[utoipa::path(get, path = "/api/ready", tag = "system", responses((status = 200, body = HealthView), (status = 503, body = ErrorBody)))]
pub(crate) async fn ready(State(hub): State<Hub>) -> Result<(StatusCode, Json<HealthView>), ApiError> {
    let backend = hub.backend();
    blocking(hub, |hub| hub.counts()).await?;
    Ok((StatusCode::OK, Json(HealthView { status: "ok".into(), backend: backend.into() })))
}

/// How many records the hub holds.
#[utoipa::path(get, path = "/api/v1/stats", tag = "system", responses((status = 200, body = StatsView)))]
pub(crate) async fn stats(State(hub): State<Hub>) -> Result<Json<StatsView>, ApiError> {
    let counts = blocking(hub, |hub| hub.counts()).await?;
    Ok(Json(StatsView {
        organizations: counts.organizations,
        people: counts.people,
        listings: counts.listings,
        ties: counts.ties,
    }))
}
