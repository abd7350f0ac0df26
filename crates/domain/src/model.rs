//! The records of the hub. Fields are typed, so a value of these types has already
//! passed the vocabulary and reference checks; text rules are in [`crate::text`].

use std::collections::BTreeMap;

use crate::{
    Category, CountryCode, Date, Direction, EntityId, GroupCode, LangTag, OrgKind, Sector, TieKind,
};

/// Longest name or title accepted, in characters.
pub const MAX_NAME_LEN: usize = 300;
/// Longest short text (city, website, title of a person, a source note), in characters.
pub const MAX_TEXT_LEN: usize = 2_000;
/// Longest description or listing body, in characters.
pub const MAX_BODY_LEN: usize = 20_000;

/// Private contact details: never shown to anyone who is not connected.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    /// E-mail address.
    pub email: Option<String>,
    /// Telephone number, free form with an international prefix.
    pub phone: Option<String>,
}

impl Contact {
    /// True when no detail is set.
    pub fn is_empty(&self) -> bool {
        self.email.is_none() && self.phone.is_none()
    }
}

/// An enterprise, university, NGO, chamber, agency, ... in one jurisdiction.
#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    /// External key.
    pub id: EntityId,
    /// Name in its own language.
    pub name: String,
    /// Names in other languages, keyed by language tag.
    pub names: BTreeMap<LangTag, String>,
    /// What kind of body it is.
    pub kind: OrgKind,
    /// Jurisdiction.
    pub country: CountryCode,
    /// City.
    pub city: Option<String>,
    /// Sectors it works in.
    pub sectors: Vec<Sector>,
    /// Working languages.
    pub languages: Vec<LangTag>,
    /// What it does.
    pub description: Option<String>,
    /// Web site.
    pub website: Option<String>,
    /// Private contact details.
    pub contact: Contact,
    /// Whether a hub operator has verified the organization.
    pub verified: bool,
}

/// A professional: expertise, languages, affiliation.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// External key.
    pub id: EntityId,
    /// Full name.
    pub name: String,
    /// Names in other languages or scripts.
    pub names: BTreeMap<LangTag, String>,
    /// The organization the person belongs to, if any.
    pub affiliation: Option<EntityId>,
    /// Job title or role.
    pub title: Option<String>,
    /// Country of residence.
    pub country: Option<CountryCode>,
    /// Fields of expertise, free text keywords.
    pub expertise: Vec<String>,
    /// Sectors.
    pub sectors: Vec<Sector>,
    /// Working languages.
    pub languages: Vec<LangTag>,
    /// Short biography.
    pub bio: Option<String>,
    /// Private contact details.
    pub contact: Contact,
}

/// Whether a listing is live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListingStatus {
    /// Shown and matched (until it expires).
    Active,
    /// Taken down by its owner; never shown or matched.
    Withdrawn,
}

impl ListingStatus {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            ListingStatus::Active => "active",
            ListingStatus::Withdrawn => "withdrawn",
        }
    }

    /// Parses a code.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text {
            "active" => Ok(ListingStatus::Active),
            "withdrawn" => Ok(ListingStatus::Withdrawn),
            other => Err(format!("\"{other}\" is not a known status; expected one of: active, withdrawn")),
        }
    }
}

/// An offer or a seek: an investment project, distributors wanted, a research partner, ...
#[derive(Debug, Clone, PartialEq)]
pub struct Listing {
    /// External key.
    pub id: EntityId,
    /// The organization that posted it.
    pub owner: EntityId,
    /// Offer or seek.
    pub direction: Direction,
    /// What it is about.
    pub category: Category,
    /// Title, in `language`.
    pub title: String,
    /// Body, in `language`.
    pub body: String,
    /// The language of title and body.
    pub language: LangTag,
    /// Sectors.
    pub sectors: Vec<Sector>,
    /// Countries the owner wants a counterpart in (empty: anywhere).
    pub target_countries: Vec<CountryCode>,
    /// Groupings the owner wants a counterpart in (empty: anywhere).
    pub target_groups: Vec<GroupCode>,
    /// Last day the listing is live.
    pub expires: Option<Date>,
    /// Active or withdrawn.
    pub status: ListingStatus,
}

impl Listing {
    /// Whether the listing is live on `today`: active and not past its expiry.
    pub fn is_live(&self, today: Date) -> bool {
        self.status == ListingStatus::Active && self.expires.is_none_or(|expires| expires >= today)
    }

    /// Whether a counterpart in `country` is inside the listing's targets (no targets: anyone).
    pub fn accepts_country(&self, country: CountryCode) -> bool {
        if self.target_countries.is_empty() && self.target_groups.is_empty() {
            return true;
        }
        self.target_countries.contains(&country) || self.target_groups.iter().any(|g| g.grouping().contains(country))
    }
}

/// One end of a tie: an organization or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TieEndpoint {
    /// An organization.
    Organization,
    /// A person.
    Person,
}

impl TieEndpoint {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            TieEndpoint::Organization => "organization",
            TieEndpoint::Person => "person",
        }
    }
}

/// A recorded relation between two parties, dated and sourced.
#[derive(Debug, Clone, PartialEq)]
pub struct Tie {
    /// External key (derived from its content when the source gives none).
    pub id: EntityId,
    /// One party.
    pub from: EntityId,
    /// The other party.
    pub to: EntityId,
    /// How they are tied.
    pub kind: TieKind,
    /// When the tie was made.
    pub date: Date,
    /// Where the record comes from (an event, an import, an introduction).
    pub source: Option<String>,
    /// Evidence: a document reference, a URL, a note.
    pub evidence: Option<String>,
}

impl Tie {
    /// The id a tie gets when its record has none: stable, so re-imports update it.
    pub fn derived_id(from: &EntityId, to: &EntityId, kind: TieKind, date: Date) -> Result<EntityId, crate::Problem> {
        let text = format!("tie:{}:{}:{}:{}", from, to, kind.code(), date);
        if text.len() <= crate::MAX_ID_LEN {
            EntityId::parse(&text)
        } else {
            // Fall back to a hash when two long ids do not fit.
            Ok(EntityId::generated("tie", fnv1a(&text)))
        }
    }
}

/// The 64-bit FNV-1a hash of a text: stable across runs and platforms, for derived
/// keys and content fingerprints (not for security).
pub fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listing() -> Listing {
        Listing {
            id: EntityId::parse("l1").unwrap(),
            owner: EntityId::parse("o1").unwrap(),
            direction: Direction::Seek,
            category: Category::Service,
            title: "t".into(),
            body: "b".into(),
            language: LangTag::parse("en").unwrap(),
            sectors: vec![],
            target_countries: vec![],
            target_groups: vec![],
            expires: None,
            status: ListingStatus::Active,
        }
    }

    #[test]
    fn listings_without_targets_accept_everyone() {
        assert!(listing().accepts_country(CountryCode::parse("BR").unwrap()));
    }

    #[test]
    fn targets_by_country_and_grouping_are_both_honoured() {
        let mut l = listing();
        l.target_countries = vec![CountryCode::parse("AE").unwrap()];
        l.target_groups = vec![GroupCode::parse("asean").unwrap()];
        assert!(l.accepts_country(CountryCode::parse("AE").unwrap()));
        assert!(l.accepts_country(CountryCode::parse("VN").unwrap()));
        assert!(!l.accepts_country(CountryCode::parse("FR").unwrap()));
    }

    #[test]
    fn expired_and_withdrawn_listings_are_not_live() {
        let today = crate::parse_date("2026-11-25").unwrap();
        let mut l = listing();
        assert!(l.is_live(today));
        l.expires = Some(crate::parse_date("2026-11-25").unwrap());
        assert!(l.is_live(today), "the expiry day itself is still live");
        l.expires = Some(crate::parse_date("2026-11-24").unwrap());
        assert!(!l.is_live(today));
        l.expires = None;
        l.status = ListingStatus::Withdrawn;
        assert!(!l.is_live(today));
    }

    #[test]
    fn derived_tie_ids_are_stable_and_bounded() {
        let a = EntityId::parse("a").unwrap();
        let b = EntityId::parse(&"b".repeat(120)).unwrap();
        let date = crate::parse_date("2024-01-02").unwrap();
        let short = Tie::derived_id(&a, &a, TieKind::Met, date).unwrap();
        assert_eq!(short.as_str(), "tie:a:a:met:2024-01-02");
        let long1 = Tie::derived_id(&a, &b, TieKind::Met, date).unwrap();
        let long2 = Tie::derived_id(&a, &b, TieKind::Met, date).unwrap();
        assert_eq!(long1, long2);
        assert!(long1.as_str().len() <= crate::MAX_ID_LEN);
    }
}
