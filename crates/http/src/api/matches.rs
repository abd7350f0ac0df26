//! `/api/v1/listings/{id}/matches` and `/api/v1/organizations/{id}/recommendations`.

use std::sync::Arc;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::Json;
use bridgehub_app::{AppError, Match, MatchMode, Matcher};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{ApiError, ErrorBody};

/// Paging of matches.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct MatchParams {
    /// How many (1 to 100, default 10).
    pub(crate) limit: Option<usize>,
    /// Lift the target rules.
    pub(crate) relax: Option<bool>,
}

/// One reason of a match.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ReasonView {
    /// `semantic`, `latent`, `lexical`, `codes`, `sector`, `category`, `language`, `targets_you`,
    /// `thin_tie` or `warm_introduction`.
    pub(crate) signal: String,
    /// The signal's value, 0 to 1.
    pub(crate) value: f64,
    /// What it added to the score.
    pub(crate) contribution: f64,
    /// In English.
    pub(crate) en: String,
    /// In Chinese (Simplified).
    pub(crate) zh: String,
    /// In Chinese (Traditional).
    pub(crate) zh_hant: String,
}

/// The reasons as one readable line.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ExplanationView {
    /// In English.
    pub(crate) en: String,
    /// In Chinese (Simplified).
    pub(crate) zh: String,
    /// In Chinese (Traditional).
    pub(crate) zh_hant: String,
}

/// A recommended counterpart.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct MatchView {
    /// The counterpart listing.
    pub(crate) listing: String,
    /// Its organization.
    pub(crate) organization: String,
    /// Score, higher is better.
    pub(crate) score: f64,
    /// Reasons, largest contribution first.
    pub(crate) reasons: Vec<ReasonView>,
    /// The reasons as one line in en, zh and zh-Hant.
    pub(crate) explanation: ExplanationView,
}

impl From<Match> for MatchView {
    fn from(m: Match) -> Self {
        MatchView {
            listing: m.listing_id,
            organization: m.organization_id,
            score: m.score,
            reasons: m
                .reasons
                .into_iter()
                .map(|r| ReasonView { signal: r.signal.code().into(), value: r.value, contribution: r.contribution, en: r.en, zh: r.zh, zh_hant: r.zh_hant })
                .collect(),
            explanation: ExplanationView { en: m.line_en, zh: m.line_zh, zh_hant: m.line_zh_hant },
        }
    }
}

/// Matches of one listing.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct ListingMatches {
    /// The query listing.
    pub(crate) listing: String,
    /// Best first.
    pub(crate) matches: Vec<MatchView>,
}

/// Recommendations for an organization.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OrgRecommendations {
    /// The organization.
    pub(crate) organization: String,
    /// Counterpart listings, best first.
    pub(crate) listings: Vec<MatchView>,
    /// Counterpart organizations by their best listing.
    pub(crate) organizations: Vec<OrgScore>,
}

/// An organization and its best score.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct OrgScore {
    /// Organization id.
    pub(crate) organization: String,
    /// Best score of its listings.
    pub(crate) score: f64,
}

async fn run<T: Send + 'static>(
    matcher: Arc<Matcher>,
    work: impl FnOnce(&Matcher) -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(move || work(&matcher)).await.map_err(|_| ApiError::Internal)?.map_err(ApiError::from)
}

fn limit(params: &MatchParams) -> Result<usize, ApiError> {
    match params.limit {
        None => Ok(10),
        Some(n) if (1..=100).contains(&n) => Ok(n),
        Some(n) => Err(ApiError::App(AppError::InvalidQuery(bridgehub_domain::FieldError::new("limit", format!("{n} is out of range; use 1 to 100"))))),
    }
}

/// Recommended counterparts of a listing with their reasons; never one that either
/// side's targets exclude (unless `relax=true`), never an expired or withdrawn one.
#[utoipa::path(get, path = "/api/v1/listings/{id}/matches", tag = "matching", params(("id" = String, Path, description = "Listing id"), MatchParams),
    responses((status = 200, body = ListingMatches), (status = 404, body = ErrorBody)))]
pub(crate) async fn for_listing(
    State(matcher): State<Arc<Matcher>>,
    Path(id): Path<String>,
    params: Result<Query<MatchParams>, QueryRejection>,
) -> Result<Json<ListingMatches>, ApiError> {
    let Query(p) = params?;
    let limit = limit(&p)?;
    let relax = p.relax.unwrap_or(false);
    let listing = id.clone();
    let matches = run(matcher, move |m| m.matches(&id, limit, relax, MatchMode::Full)).await?;
    Ok(Json(ListingMatches { listing, matches: matches.into_iter().map(MatchView::from).collect() }))
}

/// Listings and organizations recommended to an organization, from its live listings.
#[utoipa::path(get, path = "/api/v1/organizations/{id}/recommendations", tag = "matching", params(("id" = String, Path, description = "Organization id"), MatchParams),
    responses((status = 200, body = OrgRecommendations), (status = 404, body = ErrorBody)))]
pub(crate) async fn for_organization(
    State(matcher): State<Arc<Matcher>>,
    Path(id): Path<String>,
    params: Result<Query<MatchParams>, QueryRejection>,
) -> Result<Json<OrgRecommendations>, ApiError> {
    let Query(p) = params?;
    let limit = limit(&p)?;
    let organization = id.clone();
    let (listings, orgs) = run(matcher, move |m| m.for_organization(&id, limit)).await?;
    Ok(Json(OrgRecommendations {
        organization,
        listings: listings.into_iter().map(MatchView::from).collect(),
        organizations: orgs.into_iter().map(|(organization, score)| OrgScore { organization, score }).collect(),
    }))
}
