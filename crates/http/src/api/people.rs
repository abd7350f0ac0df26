//! `/api/v1/people` and `/api/v1/ties` (read-only; they are written by import).

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use bridgehub_app::{Hub, PersonFilter, TieFilter};

use super::blocking;
use crate::auth::MaybeUser;
use crate::dto::{PersonPage, PersonParams, PersonView, TieParams, TiePage};
use crate::error::{ApiError, ErrorBody};

/// List people with filters and cursor paging.
#[utoipa::path(get, path = "/api/v1/people", tag = "people", params(PersonParams),
    responses((status = 200, body = PersonPage), (status = 400, body = ErrorBody)))]
pub(crate) async fn list(
    State(hub): State<Hub>,
    params: Result<Query<PersonParams>, QueryRejection>,
) -> Result<Json<PersonPage>, ApiError> {
    let Query(p) = params?;
    let filter = PersonFilter {
        affiliation: p.affiliation,
        country: p.country,
        group: p.group,
        sector: p.sector,
        language: p.language,
        q: p.q,
        cursor: p.cursor,
        limit: p.limit,
    };
    let page = blocking(hub, move |hub| hub.list_people(&filter)).await?;
    Ok(Json(page.into()))
}

/// One person.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people",
    params(("id" = String, Path, description = "Person id")),
    responses((status = 200, body = PersonView), (status = 404, body = ErrorBody)))]
pub(crate) async fn get(State(hub): State<Hub>, Path(id): Path<String>) -> Result<Json<PersonView>, ApiError> {
    let person = blocking(hub, move |hub| hub.person(&id)).await?;
    Ok(Json(person.into()))
}

/// List ties, optionally those of one party. Ties with a person at an end are shown only
/// to administrators and to members of the organization at the other end (the rules of
/// the introduction paths); a page may therefore hold fewer items than `limit`.
#[utoipa::path(get, path = "/api/v1/ties", tag = "ties", params(TieParams),
    responses((status = 200, body = TiePage), (status = 400, body = ErrorBody)))]
pub(crate) async fn ties(
    State(hub): State<Hub>,
    MaybeUser(user): MaybeUser,
    params: Result<Query<TieParams>, QueryRejection>,
) -> Result<Json<TiePage>, ApiError> {
    let Query(p) = params?;
    let filter = TieFilter { party: p.party, cursor: p.cursor, limit: p.limit };
    let viewer = user.map(|u| u.actor());
    let page = blocking(hub, move |hub| hub.list_visible_ties(viewer.as_ref(), &filter)).await?;
    Ok(Json(page.into()))
}
