//! `/api/v1/organizations`.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use bridgehub_app::{Hub, OrgFilter};
use serde_json::Value;

use super::{blocking, if_match};
use crate::auth::ApiUser;
use crate::dto::{OrgParams, OrganizationPage, OrganizationView};
use crate::error::{ApiError, ErrorBody};

/// List organizations with filters and cursor paging.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "organizations", params(OrgParams),
    responses((status = 200, body = OrganizationPage), (status = 400, body = ErrorBody)))]
pub(crate) async fn list(
    State(hub): State<Hub>,
    params: Result<Query<OrgParams>, QueryRejection>,
) -> Result<Json<OrganizationPage>, ApiError> {
    let Query(p) = params?;
    let filter = OrgFilter {
        country: p.country,
        group: p.group,
        sector: p.sector,
        kind: p.kind,
        language: p.language,
        q: p.q,
        verified: p.verified,
        cursor: p.cursor,
        limit: p.limit,
    };
    let page = blocking(hub, move |hub| hub.list_organizations(&filter)).await?;
    Ok(Json(page.into()))
}

/// One organization.
#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "Organization id")),
    responses((status = 200, body = OrganizationView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(State(hub): State<Hub>, Path(id): Path<String>) -> Result<Json<OrganizationView>, ApiError> {
    let org = blocking(hub, move |hub| hub.organization(&id)).await?;
    Ok(Json(org.into()))
}

/// Create an organization (exchange-format fields; `id` is made when absent).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "organizations",
    request_body = bridgehub_exchange::OrganizationRecord,
    responses((status = 201, body = OrganizationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    let org = blocking(hub, move |hub| hub.create_organization(&actor, &body)).await?;
    let location = format!("/api/v1/organizations/{}", org.record.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(OrganizationView::from(org))))
}

/// Replace an organization. Send the version you read as `If-Match` (or `version` in
/// the body) to be refused with `version_conflict` instead of overwriting a newer edit.
#[utoipa::path(put, path = "/api/v1/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "Organization id")),
    request_body = bridgehub_exchange::OrganizationRecord,
    responses((status = 200, body = OrganizationView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<OrganizationView>, ApiError> {
    let Json(body) = body?;
    let version = if_match(&headers)?;
    let actor = user.actor();
    let org = blocking(hub, move |hub| hub.update_organization(&actor, &id, &body, version)).await?;
    Ok(Json(org.into()))
}

/// Delete an organization with its listings and ties.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}", tag = "organizations",
    params(("id" = String, Path, description = "Organization id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = user.actor();
    blocking(hub, move |hub| hub.delete_organization(&actor, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
