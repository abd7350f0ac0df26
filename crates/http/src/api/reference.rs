//! `/api/v1/reference/*`: the reference data the hub validates against.

use std::collections::BTreeMap;

use axum::Json;
use bridgehub_domain::reference::{reference, Locale, Names};
use bridgehub_domain::{Category, Direction, OrgKind, Sector, TieKind};
use serde::Serialize;
use utoipa::ToSchema;

/// Names in the reference locales.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct NamesView {
    /// English.
    pub(crate) en: String,
    /// Simplified Chinese.
    #[serde(rename = "zh-Hans")]
    pub(crate) zh_hans: String,
    /// Traditional Chinese.
    #[serde(rename = "zh-Hant")]
    pub(crate) zh_hant: String,
}

impl From<&Names> for NamesView {
    fn from(n: &Names) -> Self {
        NamesView { en: n.get(Locale::En).into(), zh_hans: n.get(Locale::ZhHans).into(), zh_hant: n.get(Locale::ZhHant).into() }
    }
}

/// A country or territory.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CountryView {
    /// ISO 3166-1 alpha-2.
    pub(crate) code: String,
    /// UN M49 region.
    pub(crate) region: String,
    /// UN M49 sub-region.
    pub(crate) subregion: String,
    /// Display names.
    pub(crate) names: NamesView,
    /// Groupings it belongs to.
    pub(crate) groupings: Vec<String>,
}

/// A UN M49 region.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct RegionView {
    /// M49 code.
    pub(crate) code: String,
    /// `region`, `subregion` or `intermediate`.
    pub(crate) level: String,
    /// Containing code.
    pub(crate) parent: String,
    /// Display names.
    pub(crate) names: NamesView,
}

/// A grouping.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct GroupingView {
    /// Code.
    pub(crate) code: String,
    /// Names by locale.
    pub(crate) names: BTreeMap<String, String>,
    /// Members.
    pub(crate) members: Vec<String>,
    /// Official source.
    pub(crate) source: String,
    /// Date checked.
    pub(crate) as_of: String,
    /// Caveats.
    pub(crate) notes: String,
}

/// A labelled code.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct CodeView {
    /// Code.
    pub(crate) code: String,
    /// Labels.
    pub(crate) names: NamesView,
}

/// Closed vocabularies.
#[derive(Debug, Serialize, ToSchema)]
pub(crate) struct VocabularyView {
    /// Sectors with labels.
    pub(crate) sectors: Vec<CodeView>,
    /// Organization kinds.
    pub(crate) organization_kinds: Vec<String>,
    /// Listing directions.
    pub(crate) directions: Vec<String>,
    /// Listing categories.
    pub(crate) categories: Vec<String>,
    /// Tie kinds.
    pub(crate) tie_kinds: Vec<String>,
}

/// Every country with its UN M49 region and groupings.
#[utoipa::path(get, path = "/api/v1/reference/countries", tag = "reference", responses((status = 200, body = [CountryView])))]
pub(crate) async fn countries() -> Json<Vec<CountryView>> {
    let r = reference();
    Json(
        r.countries()
            .iter()
            .map(|c| CountryView {
                code: c.code.to_string(),
                region: c.region.clone(),
                subregion: c.subregion.clone(),
                names: (&c.names).into(),
                groupings: r.groupings_of(c.code).map(|g| g.code.clone()).collect(),
            })
            .collect(),
    )
}

/// UN M49 regions, sub-regions and intermediate regions.
#[utoipa::path(get, path = "/api/v1/reference/regions", tag = "reference", responses((status = 200, body = [RegionView])))]
pub(crate) async fn regions() -> Json<Vec<RegionView>> {
    Json(
        reference()
            .regions()
            .iter()
            .map(|r| RegionView { code: r.code.clone(), level: r.level.clone(), parent: r.parent.clone(), names: (&r.names).into() })
            .collect(),
    )
}

/// Groupings with members, official source and as-of date.
#[utoipa::path(get, path = "/api/v1/reference/groupings", tag = "reference", responses((status = 200, body = [GroupingView])))]
pub(crate) async fn groupings() -> Json<Vec<GroupingView>> {
    Json(
        reference()
            .groupings()
            .iter()
            .map(|g| GroupingView {
                code: g.code.clone(),
                names: g.names.clone(),
                members: g.members.clone(),
                source: g.source.clone(),
                as_of: g.as_of.clone(),
                notes: g.notes.clone(),
            })
            .collect(),
    )
}

/// Language tags with display names.
#[utoipa::path(get, path = "/api/v1/reference/languages", tag = "reference", responses((status = 200, body = [CodeView])))]
pub(crate) async fn languages() -> Json<Vec<CodeView>> {
    Json(reference().languages().iter().map(|(tag, names)| CodeView { code: tag.clone(), names: names.into() }).collect())
}

/// Sectors (labelled in en and zh), kinds, directions, categories and tie kinds.
#[utoipa::path(get, path = "/api/v1/reference/vocabulary", tag = "reference", responses((status = 200, body = VocabularyView)))]
pub(crate) async fn vocabulary() -> Json<VocabularyView> {
    let r = reference();
    Json(VocabularyView {
        sectors: Sector::ALL
            .iter()
            .map(|s| CodeView {
                code: s.code().into(),
                names: NamesView {
                    en: r.sector_label(*s, Locale::En).into(),
                    zh_hans: r.sector_label(*s, Locale::ZhHans).into(),
                    zh_hant: r.sector_label(*s, Locale::ZhHant).into(),
                },
            })
            .collect(),
        organization_kinds: OrgKind::ALL.iter().map(|k| k.code().into()).collect(),
        directions: Direction::ALL.iter().map(|d| d.code().into()).collect(),
        categories: Category::ALL.iter().map(|c| c.code().into()).collect(),
        tie_kinds: TieKind::ALL.iter().map(|t| t.code().into()).collect(),
    })
}
