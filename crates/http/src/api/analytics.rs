//! `/api/v1` routes: network analytics (issue #7): the thin-tie map (JSON, CSV, SVG),
//! introduction paths, brokers, conflicts of interest, and tie outcomes.
//!
//! Every query reads the node's live [`TieNetwork`] (kept current from the change log),
//! never the store. Paths go only through the ties the caller may see
//! ([`bridgehub_app::tie_visible`]): ties between organizations for everyone, plus ties
//! touching the caller's organizations when signed in.

use std::sync::Arc;

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use bridgehub_app::{
    AppError, AppResult, BrokerReport, ConflictsReport, OutcomeInput, PathsReport, ThinBy,
    ThinModel, ThinTieMap, TieNetwork, TieOutcomeReport,
};
use serde::Deserialize;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::AppState;
use crate::auth::{ApiUser, MaybeUser};
use crate::error::{ApiError, ErrorBody};

/// The OpenAPI description of this module's routes (merged into the API's document).
#[derive(OpenApi)]
#[openapi(
    paths(thin_ties, thin_ties_svg, thin_ties_csv, paths, brokers, conflicts, record_outcome),
    tags((name = "analytics", description = "The tie network: thin ties, introduction paths, brokers, conflicts of interest")),
)]
pub(crate) struct AnalyticsDoc;

/// This module's routes, nested under `/api/v1`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/analytics/thin-ties", get(thin_ties))
        .route("/analytics/thin-ties.svg", get(thin_ties_svg))
        .route("/analytics/thin-ties.csv", get(thin_ties_csv))
        .route("/analytics/paths", get(paths))
        .route("/analytics/brokers", get(brokers))
        .route("/analytics/conflicts", post(conflicts))
        .route("/ties/{id}/outcome", post(record_outcome))
}

/// Runs a query on the node's tie network on the blocking pool.
async fn on_network<T: Send + 'static>(
    network: Arc<TieNetwork>,
    work: impl FnOnce(&TieNetwork) -> AppResult<T> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || work(&network))
        .await
        .map_err(|_| ApiError::Internal)?
        .map_err(ApiError::from)
}

/// Which thin-tie map.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct ThinParams {
    /// `region` (UN M49 sub-region pairs, the default), `group`, `sector` or `kind`.
    pub by: Option<String>,
    /// Expectation model: `uniform` (default) or `degree`.
    pub model: Option<String>,
}

fn thin_map(network: &TieNetwork, p: &ThinParams) -> AppResult<ThinTieMap> {
    let by = ThinBy::parse(p.by.as_deref().unwrap_or("region"))?;
    let model = match p.model.as_deref().unwrap_or("uniform") {
        "uniform" => ThinModel::Uniform,
        "degree" => ThinModel::Degree,
        other => {
            return Err(AppError::InvalidQuery(bridgehub_domain::FieldError::new(
                "model",
                format!("\"{other}\" is not uniform or degree"),
            )));
        }
    };
    network.thin_ties(by, model)
}

/// One cell pair of the thin-tie map.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct ThinCellDoc {
    /// One cell (the smaller code).
    a: String,
    /// The other cell.
    b: String,
    /// Observed ties.
    observed: u64,
    /// Expected ties under the model.
    expected: f64,
    /// observed / expected.
    ratio: f64,
    /// Lower end of the ratio's 95 % interval.
    low: f64,
    /// Upper end.
    high: f64,
    /// `thin`, `as_expected`, `thick` or `too_small`.
    verdict: String,
}

/// The thin-tie map (`docs/analytics.md`).
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct ThinTieMapDoc {
    /// `region`, `group`, `sector` or `kind`.
    by: String,
    /// `uniform` or `degree`.
    model: String,
    /// Confidence of the intervals.
    confidence: f64,
    /// Organizations with a cell.
    organizations: u64,
    /// Ties counted.
    counted: u64,
    /// Ties left out (an end without a cell).
    skipped: u64,
    /// Cells, the confidently thinnest first.
    cells: Vec<ThinCellDoc>,
}

/// The thin-tie map: observed ties per cell pair against an expectation, with intervals.
#[utoipa::path(get, path = "/api/v1/analytics/thin-ties", tag = "analytics", params(ThinParams),
    responses((status = 200, body = ThinTieMapDoc), (status = 400, body = ErrorBody)))]
pub(crate) async fn thin_ties(
    State(network): State<Arc<TieNetwork>>,
    params: Result<Query<ThinParams>, QueryRejection>,
) -> Result<Json<ThinTieMap>, ApiError> {
    let Query(p) = params?;
    Ok(Json(on_network(network, move |n| thin_map(n, &p)).await?))
}

/// The thin-tie map as an SVG heat map (log₂ ratio; red thin, blue thick, grey too small).
#[utoipa::path(get, path = "/api/v1/analytics/thin-ties.svg", tag = "analytics", params(ThinParams),
    responses((status = 200, content_type = "image/svg+xml", body = String), (status = 400, body = ErrorBody)))]
pub(crate) async fn thin_ties_svg(
    State(network): State<Arc<TieNetwork>>,
    params: Result<Query<ThinParams>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(p) = params?;
    let svg = on_network(network, move |n| thin_map(n, &p).map(|m| m.to_svg())).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "image/svg+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        svg,
    ))
}

/// The thin-tie map as CSV (`a,b,observed,expected,ratio,low,high,verdict`).
#[utoipa::path(get, path = "/api/v1/analytics/thin-ties.csv", tag = "analytics", params(ThinParams),
    responses((status = 200, content_type = "text/csv", body = String), (status = 400, body = ErrorBody)))]
pub(crate) async fn thin_ties_csv(
    State(network): State<Arc<TieNetwork>>,
    params: Result<Query<ThinParams>, QueryRejection>,
) -> Result<impl IntoResponse, ApiError> {
    let Query(p) = params?;
    let by = p.by.clone().unwrap_or_else(|| "region".into());
    let csv = on_network(network, move |n| thin_map(n, &p).map(|m| m.to_csv())).await?;
    let disposition = format!(
        "attachment; filename=\"thin-ties-{}.csv\"",
        by.replace(|c: char| !c.is_ascii_alphanumeric(), "")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    ))
}

/// Who can introduce us.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct PathParams {
    /// The asking organization or person.
    pub from: String,
    /// The one to reach.
    pub to: String,
    /// At most this many hops, 1 to 3 (default 3).
    pub max_hops: Option<usize>,
    /// At most this many paths, 1 to 100 (default 5).
    pub limit: Option<usize>,
}

/// One tie of a hop.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct HopTieDoc {
    /// Tie id.
    id: String,
    /// Tie kind.
    kind: String,
    /// Date (absent for a current affiliation).
    date: Option<String>,
    /// The recorded outcome, if any.
    outcome: Option<String>,
}

/// One hop.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct HopDoc {
    from: String,
    to: String,
    /// Combined strength of the visible ties of the pair.
    strength: f64,
    ties: Vec<HopTieDoc>,
}

/// One path.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct PathDoc {
    /// Ids from the asker to the target; those in between are the brokers.
    nodes: Vec<String>,
    /// Product of the hop strengths, 0 to 1.
    score: f64,
    hops: Vec<HopDoc>,
}

/// Introduction paths, best first.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct PathsDoc {
    paths: Vec<PathDoc>,
}

/// The best introduction paths (at most 3 hops), scored by tie strength, through the
/// ties the caller may see.
#[utoipa::path(get, path = "/api/v1/analytics/paths", tag = "analytics", params(PathParams),
    responses((status = 200, body = PathsDoc), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn paths(
    State(network): State<Arc<TieNetwork>>,
    MaybeUser(user): MaybeUser,
    params: Result<Query<PathParams>, QueryRejection>,
) -> Result<Json<PathsReport>, ApiError> {
    let Query(p) = params?;
    let actor = user.map(|u| u.actor());
    let report = on_network(network, move |n| {
        n.paths(
            actor.as_ref(),
            &p.from,
            &p.to,
            p.max_hops.unwrap_or(3),
            p.limit.unwrap_or(5),
        )
    })
    .await?;
    Ok(Json(report))
}

/// Which brokers.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct BrokerParams {
    /// Two UN M49 codes, comma-separated (`035,145`): brokers between these regions.
    pub between: Option<String>,
    /// How many, 1 to 1000 (default 20).
    pub top: Option<usize>,
    /// Estimate betweenness from this many sampled sources.
    pub samples: Option<usize>,
}

/// A broker.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct BrokerDoc {
    id: String,
    /// `organization` or `person`.
    kind: String,
    /// UN M49 sub-region.
    region: Option<String>,
    /// Betweenness (normalized; for a region pair, the pair-restricted sum).
    betweenness: f64,
    /// Burt's constraint (low: spans structural holes).
    constraint: Option<f64>,
    degree: u64,
    /// Region pairs its partners span most: `{"a", "b", "pairs"}`.
    bridges: Vec<serde_json::Value>,
}

/// Brokers report.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct BrokersDoc {
    between: Option<Vec<String>>,
    /// Exact or sampled betweenness.
    exact: bool,
    sources: u64,
    brokers: Vec<BrokerDoc>,
}

/// Who bridges regions: betweenness and Burt's constraint.
#[utoipa::path(get, path = "/api/v1/analytics/brokers", tag = "analytics", params(BrokerParams),
    responses((status = 200, body = BrokersDoc), (status = 400, body = ErrorBody)))]
pub(crate) async fn brokers(
    State(network): State<Arc<TieNetwork>>,
    params: Result<Query<BrokerParams>, QueryRejection>,
) -> Result<Json<BrokerReport>, ApiError> {
    let Query(p) = params?;
    let between = match p
        .between
        .as_deref()
        .map(str::trim)
        .filter(|b| !b.is_empty())
    {
        None => None,
        Some(text) => match text.split_once(',') {
            Some((a, b)) => Some((a.trim().to_owned(), b.trim().to_owned())),
            None => {
                return Err(ApiError::App(AppError::InvalidQuery(
                    bridgehub_domain::FieldError::new(
                        "between",
                        "give two UN M49 codes, comma-separated (035,145)",
                    ),
                )));
            }
        },
    };
    let report = on_network(network, move |n| {
        n.brokers(
            between.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
            p.top.unwrap_or(20),
            p.samples,
        )
    })
    .await?;
    Ok(Json(report))
}

/// A conflict-of-interest check.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct ConflictsBody {
    /// Neutrals (judges, evaluators, mediators, arbitrators): organization or person ids.
    pub neutrals: Vec<String>,
    /// Parties: organization or person ids.
    pub parties: Vec<String>,
    /// Look-back window in years (default 5).
    pub years: Option<u32>,
}

/// Conflicts found.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct ConflictsDoc {
    years: u32,
    today: String,
    /// `{"neutral", "party", "kind": "direct"|"indirect", "path": [...], "evidence": [...]}`.
    conflicts: Vec<serde_json::Value>,
}

/// Conflicts of interest: every direct tie within the window and every two-hop link
/// through a partnership, contract or shared affiliation, with the evidence. It reads
/// private ties, so administrators only.
#[utoipa::path(post, path = "/api/v1/analytics/conflicts", tag = "analytics", request_body = ConflictsBody,
    responses((status = 200, body = ConflictsDoc), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn conflicts(
    State(network): State<Arc<TieNetwork>>,
    ApiUser(user): ApiUser,
    body: Result<Json<ConflictsBody>, JsonRejection>,
) -> Result<Json<ConflictsReport>, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    let report = on_network(network, move |n| {
        n.conflicts(&actor, &body.neutrals, &body.parties, body.years.unwrap_or(5))
    })
    .await?;
    Ok(Json(report))
}

/// What came of a tie.
#[derive(Debug, Deserialize, ToSchema)]
pub(crate) struct OutcomeBody {
    /// The recording party; may be left out when you act for exactly one of the tie's ends.
    pub party: Option<String>,
    /// `no_follow_up`, `follow_up`, `mou` or `deal`.
    pub outcome: String,
    /// A deal's value (deals only).
    pub value: Option<f64>,
    /// The value's currency (ISO 4217), required with a value.
    pub currency: Option<String>,
    /// A note.
    pub note: Option<String>,
    /// The day it happened (`YYYY-MM-DD`; default today).
    pub date: Option<String>,
}

/// A tie's outcomes after the record.
#[derive(ToSchema)]
#[allow(dead_code)]
pub(crate) struct OutcomeReportDoc {
    tie: String,
    version: i64,
    /// The outcome the tie counts with (the weaker when both parties recorded one).
    outcome: Option<String>,
    /// The tie's own strength now, 0 to 1.
    strength: f64,
    /// Each party's record: `{"party", "outcome", "value", "currency", "note", "date", "recorded_at"}`.
    records: Vec<serde_json::Value>,
}

/// Record what came of a meeting or introduction, for a party of the tie you act for
/// (signed in; a cookie session also needs `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/ties/{id}/outcome", tag = "ties",
    params(("id" = String, Path, description = "Tie id")), request_body = OutcomeBody,
    responses((status = 200, body = OutcomeReportDoc), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn record_outcome(
    State(network): State<Arc<TieNetwork>>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<OutcomeBody>, JsonRejection>,
) -> Result<Json<TieOutcomeReport>, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    let input = OutcomeInput {
        party: body.party,
        outcome: body.outcome,
        value: body.value,
        currency: body.currency,
        note: body.note,
        date: body.date,
    };
    let report = on_network(network, move |n| n.record_outcome(&actor, &id, &input)).await?;
    Ok(Json(report))
}
