//! Wire types of the API: what responses look like and which query parameters exist.
//!
//! Contact details are never part of a view: they are private until both sides of an
//! introduction agree to share them.

use std::collections::BTreeMap;

use bridgehub_domain::{Listing, Organization, Person, Tie};
use bridgehub_store::{Page, Versioned};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// An organization as the API shows it (without contact details).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationView {
    /// External key.
    pub id: String,
    /// Name in its own language.
    pub name: String,
    /// Names in other languages.
    pub names: BTreeMap<String, String>,
    /// Organization kind.
    pub kind: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// City.
    pub city: Option<String>,
    /// Sector codes.
    pub sectors: Vec<String>,
    /// BCP-47 tags.
    pub languages: Vec<String>,
    /// Description.
    pub description: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Verified by a hub operator.
    pub verified: bool,
    /// Whether contact details are on file (they are shared only through introductions).
    pub has_contact: bool,
    /// Version for optimistic concurrency: send it back with an update.
    pub version: i64,
    /// First stored.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<Versioned<Organization>> for OrganizationView {
    fn from(v: Versioned<Organization>) -> Self {
        let o = v.record;
        OrganizationView {
            id: o.id.to_string(),
            name: o.name,
            names: o.names.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            kind: o.kind.code().into(),
            country: o.country.to_string(),
            city: o.city,
            sectors: o.sectors.iter().map(|s| s.code().into()).collect(),
            languages: o.languages.iter().map(ToString::to_string).collect(),
            description: o.description,
            website: o.website,
            verified: o.verified,
            has_contact: !o.contact.is_empty(),
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// A person as the API shows them (without contact details).
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonView {
    /// External key.
    pub id: String,
    /// Name.
    pub name: String,
    /// Names in other languages or scripts.
    pub names: BTreeMap<String, String>,
    /// Affiliated organization id.
    pub affiliation: Option<String>,
    /// Job title.
    pub title: Option<String>,
    /// Country.
    pub country: Option<String>,
    /// Expertise keywords.
    pub expertise: Vec<String>,
    /// Sector codes.
    pub sectors: Vec<String>,
    /// BCP-47 tags.
    pub languages: Vec<String>,
    /// Short biography.
    pub bio: Option<String>,
    /// Version.
    pub version: i64,
}

impl From<Versioned<Person>> for PersonView {
    fn from(v: Versioned<Person>) -> Self {
        let p = v.record;
        PersonView {
            id: p.id.to_string(),
            name: p.name,
            names: p.names.into_iter().map(|(k, v)| (k.to_string(), v)).collect(),
            affiliation: p.affiliation.map(|a| a.to_string()),
            title: p.title,
            country: p.country.map(|c| c.to_string()),
            expertise: p.expertise,
            sectors: p.sectors.iter().map(|s| s.code().into()).collect(),
            languages: p.languages.iter().map(ToString::to_string).collect(),
            bio: p.bio,
            version: v.version,
        }
    }
}

/// A listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingView {
    /// External key.
    pub id: String,
    /// Owner organization id.
    pub owner: String,
    /// `offer` or `seek`.
    pub direction: String,
    /// Category.
    pub category: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// Language of title and body.
    pub language: String,
    /// Sector codes.
    pub sectors: Vec<String>,
    /// Target countries.
    pub target_countries: Vec<String>,
    /// Target groupings.
    pub target_groups: Vec<String>,
    /// Last live day.
    pub expires: Option<String>,
    /// `active` or `withdrawn`.
    pub status: String,
    /// Version.
    pub version: i64,
    /// First stored.
    pub created_at: String,
    /// Last changed.
    pub updated_at: String,
}

impl From<Versioned<Listing>> for ListingView {
    fn from(v: Versioned<Listing>) -> Self {
        let l = v.record;
        ListingView {
            id: l.id.to_string(),
            owner: l.owner.to_string(),
            direction: l.direction.code().into(),
            category: l.category.code().into(),
            title: l.title,
            body: l.body,
            language: l.language.to_string(),
            sectors: l.sectors.iter().map(|s| s.code().into()).collect(),
            target_countries: l.target_countries.iter().map(ToString::to_string).collect(),
            target_groups: l.target_groups.iter().map(ToString::to_string).collect(),
            expires: l.expires.map(|d| d.to_string()),
            status: l.status.code().into(),
            version: v.version,
            created_at: v.created_at,
            updated_at: v.updated_at,
        }
    }
}

/// A tie.
#[derive(Debug, Serialize, ToSchema)]
pub struct TieView {
    /// External key.
    pub id: String,
    /// One party.
    pub from: String,
    /// The other party.
    pub to: String,
    /// Tie kind.
    pub kind: String,
    /// Date.
    pub date: String,
    /// Source.
    pub source: Option<String>,
    /// Evidence.
    pub evidence: Option<String>,
}

impl From<Versioned<Tie>> for TieView {
    fn from(v: Versioned<Tie>) -> Self {
        let t = v.record;
        TieView {
            id: t.id.to_string(),
            from: t.from.to_string(),
            to: t.to.to_string(),
            kind: t.kind.code().into(),
            date: t.date.to_string(),
            source: t.source,
            evidence: t.evidence,
        }
    }
}

macro_rules! page_type {
    ($name:ident, $item:ty) => {
        /// A page of results; follow `next_cursor` for the next one.
        #[derive(Debug, Serialize, ToSchema)]
        pub struct $name {
            /// Items in id order.
            pub items: Vec<$item>,
            /// Pass as `cursor` to get the next page; null on the last page.
            pub next_cursor: Option<String>,
        }

        impl<T> From<Page<T>> for $name
        where
            $item: From<T>,
        {
            fn from(page: Page<T>) -> Self {
                $name { items: page.items.into_iter().map(<$item>::from).collect(), next_cursor: page.next_cursor }
            }
        }
    };
}

page_type!(OrganizationPage, OrganizationView);
page_type!(PersonPage, PersonView);
page_type!(ListingPage, ListingView);
page_type!(TiePage, TieView);

/// Filters for `GET /api/v1/organizations`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OrgParams {
    /// ISO 3166-1 alpha-2 codes, comma-separated (`VN,TH`).
    pub country: Option<String>,
    /// Grouping code (`asean`, `gcc`, `bri`, ...).
    pub group: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// Organization kind.
    pub kind: Option<String>,
    /// BCP-47 tag; `zh` matches `zh-Hans` and `zh-Hant`.
    pub language: Option<String>,
    /// Free text in names, city and description.
    pub q: Option<String>,
    /// Only verified (`true`) or unverified (`false`).
    pub verified: Option<bool>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// Filters for `GET /api/v1/listings`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListingParams {
    /// Owner organization id.
    pub owner: Option<String>,
    /// Owner's country, ISO alpha-2 codes comma-separated.
    pub country: Option<String>,
    /// Owner's country is in this grouping.
    pub group: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// Language of the listing.
    pub language: Option<String>,
    /// `offer` or `seek`.
    pub direction: Option<String>,
    /// Category code.
    pub category: Option<String>,
    /// Free text in title and body.
    pub q: Option<String>,
    /// Also list withdrawn and expired listings.
    pub include_inactive: Option<bool>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// Filters for `GET /api/v1/people`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PersonParams {
    /// Affiliated organization id.
    pub affiliation: Option<String>,
    /// ISO alpha-2 codes, comma-separated.
    pub country: Option<String>,
    /// Grouping code.
    pub group: Option<String>,
    /// Sector code.
    pub sector: Option<String>,
    /// BCP-47 tag.
    pub language: Option<String>,
    /// Free text in name, title, expertise, biography.
    pub q: Option<String>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// Filters for `GET /api/v1/ties`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TieParams {
    /// Ties with this organization or person at either end.
    pub party: Option<String>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
}

/// Counts of stored records.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatsView {
    /// Organizations.
    pub organizations: u64,
    /// People.
    pub people: u64,
    /// Listings, any status.
    pub listings: u64,
    /// Ties.
    pub ties: u64,
}

/// Liveness and readiness.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthView {
    /// `ok`.
    pub status: String,
    /// Storage backend.
    pub backend: String,
    /// The last change-log entry this node has applied.
    pub followed_change: i64,
}

/// One entry of the change log.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeView {
    /// Position, strictly increasing in commit order.
    pub seq: i64,
    /// `organization`, `person`, `listing` or `tie`.
    pub entity: String,
    /// The record's id.
    pub id: String,
    /// `upsert` or `delete`.
    pub op: String,
    /// Commit time.
    pub at: String,
}

/// Paging of `GET /api/v1/changes`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangeParams {
    /// Return changes after this `seq` (default 0).
    pub after: Option<i64>,
    /// At most this many (default 100, at most 10,000).
    pub limit: Option<u32>,
}
