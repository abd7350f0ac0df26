//! The wire shape of exchange format v1 records, used for writing (export) and for
//! describing the API's request bodies. Reading goes through [`crate::parse`], which
//! checks every field and names the one that is wrong.

use std::collections::BTreeMap;

use bridgehub_domain::{Contact, Listing, Organization, Person, Tie};
use serde::Serialize;

/// Contact details as written in the exchange format.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactRecord {
    /// E-mail address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Telephone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

impl From<&Contact> for ContactRecord {
    fn from(contact: &Contact) -> Self {
        ContactRecord { email: contact.email.clone(), phone: contact.phone.clone() }
    }
}

/// `{"type": "organization", ...}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrganizationRecord {
    /// External key.
    pub id: String,
    /// Name in its own language.
    pub name: String,
    /// Names in other languages: `{"en": "...", "zh-Hant": "..."}`.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    /// One of the organization kinds.
    pub kind: String,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    /// City.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    /// Sector codes.
    pub sectors: Vec<String>,
    /// BCP-47 tags.
    pub languages: Vec<String>,
    /// Description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Web site.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub website: Option<String>,
    /// Private contact details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRecord>,
    /// Verified by a hub operator.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub verified: bool,
}

impl From<&Organization> for OrganizationRecord {
    fn from(org: &Organization) -> Self {
        OrganizationRecord {
            id: org.id.to_string(),
            name: org.name.clone(),
            names: org.names.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            kind: org.kind.code().into(),
            country: org.country.to_string(),
            city: org.city.clone(),
            sectors: org.sectors.iter().map(|s| s.code().into()).collect(),
            languages: org.languages.iter().map(|l| l.to_string()).collect(),
            description: org.description.clone(),
            website: org.website.clone(),
            contact: (!org.contact.is_empty()).then(|| ContactRecord::from(&org.contact)),
            verified: org.verified,
        }
    }
}

/// `{"type": "person", ...}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PersonRecord {
    /// External key.
    pub id: String,
    /// Full name.
    pub name: String,
    /// Names in other languages or scripts.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub names: BTreeMap<String, String>,
    /// Id of the organization the person belongs to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affiliation: Option<String>,
    /// Job title.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// ISO 3166-1 alpha-2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Expertise keywords.
    pub expertise: Vec<String>,
    /// Sector codes.
    pub sectors: Vec<String>,
    /// BCP-47 tags.
    pub languages: Vec<String>,
    /// Short biography.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bio: Option<String>,
    /// Private contact details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactRecord>,
}

impl From<&Person> for PersonRecord {
    fn from(person: &Person) -> Self {
        PersonRecord {
            id: person.id.to_string(),
            name: person.name.clone(),
            names: person.names.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            affiliation: person.affiliation.as_ref().map(ToString::to_string),
            title: person.title.clone(),
            country: person.country.map(|c| c.to_string()),
            expertise: person.expertise.clone(),
            sectors: person.sectors.iter().map(|s| s.code().into()).collect(),
            languages: person.languages.iter().map(|l| l.to_string()).collect(),
            bio: person.bio.clone(),
            contact: (!person.contact.is_empty()).then(|| ContactRecord::from(&person.contact)),
        }
    }
}

/// `{"type": "listing", ...}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ListingRecord {
    /// External key.
    pub id: String,
    /// Id of the organization that posted it.
    pub owner: String,
    /// `offer` or `seek`.
    pub direction: String,
    /// One of the listing categories.
    pub category: String,
    /// Title.
    pub title: String,
    /// Body.
    pub body: String,
    /// BCP-47 tag of title and body.
    pub language: String,
    /// Sector codes.
    pub sectors: Vec<String>,
    /// ISO 3166-1 alpha-2 codes the owner targets.
    pub target_countries: Vec<String>,
    /// Grouping codes the owner targets.
    pub target_groups: Vec<String>,
    /// Last live day, `YYYY-MM-DD`, or null.
    pub expires: Option<String>,
    /// `active` (default) or `withdrawn`.
    #[serde(skip_serializing_if = "is_active")]
    pub status: String,
}

fn is_active(status: &str) -> bool {
    status == "active"
}

impl From<&Listing> for ListingRecord {
    fn from(listing: &Listing) -> Self {
        ListingRecord {
            id: listing.id.to_string(),
            owner: listing.owner.to_string(),
            direction: listing.direction.code().into(),
            category: listing.category.code().into(),
            title: listing.title.clone(),
            body: listing.body.clone(),
            language: listing.language.to_string(),
            sectors: listing.sectors.iter().map(|s| s.code().into()).collect(),
            target_countries: listing.target_countries.iter().map(ToString::to_string).collect(),
            target_groups: listing.target_groups.iter().map(ToString::to_string).collect(),
            expires: listing.expires.map(|d| d.to_string()),
            status: listing.status.code().into(),
        }
    }
}

/// `{"type": "tie", ...}`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TieRecord {
    /// External key.
    pub id: String,
    /// Id of one party (organization or person).
    pub from: String,
    /// Id of the other party.
    pub to: String,
    /// One of the tie kinds.
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub date: String,
    /// Where the record comes from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Evidence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence: Option<String>,
}

impl From<&Tie> for TieRecord {
    fn from(tie: &Tie) -> Self {
        TieRecord {
            id: tie.id.to_string(),
            from: tie.from.to_string(),
            to: tie.to.to_string(),
            kind: tie.kind.code().into(),
            date: tie.date.to_string(),
            source: tie.source.clone(),
            evidence: tie.evidence.clone(),
        }
    }
}

/// Any record, tagged by `"type"`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// An organization.
    Organization(OrganizationRecord),
    /// A person.
    Person(PersonRecord),
    /// A listing.
    Listing(ListingRecord),
    /// A tie.
    Tie(TieRecord),
}
