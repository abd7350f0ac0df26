//! Health, readiness, statistics.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::Json;
use bridgehub_app::{ChangeFollower, Hub};

use super::blocking;
use crate::dto::{ChangeParams, ChangeView, HealthView, StatsView};
use crate::error::{ApiError, ErrorBody};

/// Liveness: the process answers. `followed_change` is the last change-log entry this
/// node has applied.
#[utoipa::path(get, path = "/api/health", tag = "system", responses((status = 200, body = HealthView)))]
pub(crate) async fn health(State(hub): State<Hub>, State(follower): State<Arc<ChangeFollower>>) -> Json<HealthView> {
    Json(HealthView { status: "ok".into(), backend: hub.backend().into(), followed_change: follower.position() })
}

/// The change log: ids of records changed after `after`, in commit order (for nodes,
/// caches and external mirrors that follow the hub).
#[utoipa::path(get, path = "/api/v1/changes", tag = "system", params(ChangeParams),
    responses((status = 200, body = [ChangeView]), (status = 400, body = ErrorBody)))]
pub(crate) async fn changes(
    State(hub): State<Hub>,
    params: Result<Query<ChangeParams>, QueryRejection>,
) -> Result<Json<Vec<ChangeView>>, ApiError> {
    let Query(p) = params?;
    let limit = p.limit.unwrap_or(100).clamp(1, 10_000);
    let changes = blocking(hub, move |hub| hub.changes_since(p.after.unwrap_or(0), limit)).await?;
    Ok(Json(
        changes
            .into_iter()
            .map(|c| ChangeView { seq: c.seq, entity: c.entity, id: c.id, op: c.op, at: c.at })
            .collect(),
    ))
}

/// Readiness: the database answers a query.
#[utoipa::path(get, path = "/api/ready", tag = "system", responses((status = 200, body = HealthView), (status = 503, body = ErrorBody)))]
pub(crate) async fn ready(
    State(hub): State<Hub>,
    State(follower): State<Arc<ChangeFollower>>,
) -> Result<(StatusCode, Json<HealthView>), ApiError> {
    let backend = hub.backend();
    blocking(hub, |hub| hub.counts()).await?;
    Ok((StatusCode::OK, Json(HealthView { status: "ok".into(), backend: backend.into(), followed_change: follower.position() })))
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
