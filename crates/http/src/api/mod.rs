//! `/api/v1` routes, one module per resource. Handlers are thin: extract, call one
//! `Hub` use case on a blocking thread, turn the result into a view.

pub(crate) mod analytics;
pub(crate) mod events;
pub(crate) mod introductions;
pub(crate) mod listings;
pub(crate) mod matches;
pub(crate) mod organizations;
pub(crate) mod people;
pub(crate) mod reference;
pub(crate) mod system;

use axum::http::HeaderMap;
use bridgehub_app::{AppResult, Hub};

use crate::error::ApiError;

/// Runs a use case on the blocking pool (the store is synchronous).
pub(crate) async fn blocking<T: Send + 'static>(
    hub: Hub,
    work: impl FnOnce(&Hub) -> AppResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || work(&hub)).await.map_err(|_| ApiError::Internal)?.map_err(ApiError::from)
}

/// The version in an `If-Match` header (`"3"` or `3`), if any.
pub(crate) fn if_match(headers: &HeaderMap) -> Result<Option<i64>, ApiError> {
    match headers.get(axum::http::header::IF_MATCH) {
        None => Ok(None),
        Some(value) => value
            .to_str()
            .ok()
            .map(|v| v.trim().trim_start_matches("W/").trim_matches('"'))
            .and_then(|v| v.parse::<i64>().ok())
            .map(Some)
            .ok_or_else(|| ApiError::InvalidQuery("If-Match must hold the record's version number".into())),
    }
}
