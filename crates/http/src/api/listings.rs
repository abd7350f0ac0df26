//! `/api/v1/listings`.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use bridgehub_app::{Hub, ListingFilter};
use serde_json::Value;

use super::{blocking, if_match};
use crate::auth::ApiUser;
use crate::dto::{ListingPage, ListingParams, ListingView};
use crate::error::{ApiError, ErrorBody};

/// List listings; live ones only unless `include_inactive=true`.
#[utoipa::path(get, path = "/api/v1/listings", tag = "listings", params(ListingParams),
    responses((status = 200, body = ListingPage), (status = 400, body = ErrorBody)))]
pub(crate) async fn list(
    State(hub): State<Hub>,
    params: Result<Query<ListingParams>, QueryRejection>,
) -> Result<Json<ListingPage>, ApiError> {
    let Query(p) = params?;
    let filter = ListingFilter {
        owner: p.owner,
        country: p.country,
        group: p.group,
        sector: p.sector,
        language: p.language,
        direction: p.direction,
        category: p.category,
        q: p.q,
        include_inactive: p.include_inactive.unwrap_or(false),
        cursor: p.cursor,
        limit: p.limit,
    };
    let page = blocking(hub, move |hub| hub.list_listings(&filter)).await?;
    Ok(Json(page.into()))
}

/// One listing.
#[utoipa::path(get, path = "/api/v1/listings/{id}", tag = "listings",
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, body = ListingView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(State(hub): State<Hub>, Path(id): Path<String>) -> Result<Json<ListingView>, ApiError> {
    let listing = blocking(hub, move |hub| hub.listing(&id)).await?;
    Ok(Json(listing.into()))
}

/// Post a listing (exchange-format fields; `id` is made when absent; `owner` must exist).
#[utoipa::path(post, path = "/api/v1/listings", tag = "listings",
    request_body = bridgehub_exchange::ListingRecord,
    responses((status = 201, body = ListingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    let listing = blocking(hub, move |hub| hub.create_listing(&actor, &body)).await?;
    let location = format!("/api/v1/listings/{}", listing.record.id);
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], Json(ListingView::from(listing))))
}

/// Replace a listing (`If-Match` or body `version` guard as for organizations).
#[utoipa::path(put, path = "/api/v1/listings/{id}", tag = "listings",
    params(("id" = String, Path, description = "Listing id")),
    request_body = bridgehub_exchange::ListingRecord,
    responses((status = 200, body = ListingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<Value>, JsonRejection>,
) -> Result<Json<ListingView>, ApiError> {
    let Json(body) = body?;
    let version = if_match(&headers)?;
    let actor = user.actor();
    let listing = blocking(hub, move |hub| hub.update_listing(&actor, &id, &body, version)).await?;
    Ok(Json(listing.into()))
}

/// Withdraw a listing: kept on record, never shown or matched again.
#[utoipa::path(post, path = "/api/v1/listings/{id}/withdraw", tag = "listings",
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 200, body = ListingView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn withdraw(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Json<ListingView>, ApiError> {
    let version = if_match(&headers)?;
    let actor = user.actor();
    let listing = blocking(hub, move |hub| hub.withdraw_listing(&actor, &id, version)).await?;
    Ok(Json(listing.into()))
}

/// Delete a listing.
#[utoipa::path(delete, path = "/api/v1/listings/{id}", tag = "listings",
    params(("id" = String, Path, description = "Listing id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn delete(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = user.actor();
    blocking(hub, move |hub| hub.delete_listing(&actor, &id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
