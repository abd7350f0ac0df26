//! The directory use cases: read, create, update, delete and list organizations,
//! listings, people and ties. Filters arrive as text (from a query string or flags) and
//! are checked here, so the API and the CLI give the same errors.

use bridgehub_domain::{
    reference, Category, CountryCode, Direction, EntityId, FieldError, LangTag, Listing, ListingStatus, OrgKind,
    Organization, Person, Sector, Tie,
};
use bridgehub_exchange::parse;
use bridgehub_store::{Counts, ListingQuery, OrgQuery, Page, PersonQuery, TieQuery, Versioned};
use serde_json::{Map, Value};

use crate::actor::{require_acts_for, require_admin};
use crate::{Actor, AppError, AppResult, Hub};

/// Default page size.
pub const DEFAULT_LIMIT: u32 = 50;
/// Largest page size.
pub const MAX_LIMIT: u32 = 500;

/// Filters for listing organizations, as text.
#[derive(Debug, Clone, Default)]
pub struct OrgFilter {
    /// ISO alpha-2 codes, comma-separated.
    pub country: Option<String>,
    /// A grouping code.
    pub group: Option<String>,
    /// A sector code.
    pub sector: Option<String>,
    /// An organization kind.
    pub kind: Option<String>,
    /// A language tag.
    pub language: Option<String>,
    /// Free text.
    pub q: Option<String>,
    /// Only verified (true) or unverified (false) organizations.
    pub verified: Option<bool>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500.
    pub limit: Option<u32>,
}

/// Filters for listing listings, as text.
#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    /// Owner organization id.
    pub owner: Option<String>,
    /// Owner's country, ISO alpha-2 codes comma-separated.
    pub country: Option<String>,
    /// Owner's country in this grouping.
    pub group: Option<String>,
    /// A sector code.
    pub sector: Option<String>,
    /// The listing's language.
    pub language: Option<String>,
    /// `offer` or `seek`.
    pub direction: Option<String>,
    /// A category code.
    pub category: Option<String>,
    /// Free text in title and body.
    pub q: Option<String>,
    /// Also list withdrawn and expired listings.
    pub include_inactive: bool,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500.
    pub limit: Option<u32>,
}

/// Filters for listing people, as text.
#[derive(Debug, Clone, Default)]
pub struct PersonFilter {
    /// Affiliated organization id.
    pub affiliation: Option<String>,
    /// ISO alpha-2 codes, comma-separated.
    pub country: Option<String>,
    /// A grouping code.
    pub group: Option<String>,
    /// A sector code.
    pub sector: Option<String>,
    /// A language tag.
    pub language: Option<String>,
    /// Free text.
    pub q: Option<String>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500.
    pub limit: Option<u32>,
}

/// Filters for listing ties.
#[derive(Debug, Clone, Default)]
pub struct TieFilter {
    /// Ties with this party at either end.
    pub party: Option<String>,
    /// Cursor from the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 500.
    pub limit: Option<u32>,
}

fn non_empty(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn limit(value: Option<u32>) -> AppResult<u32> {
    match value {
        None => Ok(DEFAULT_LIMIT),
        Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
        Some(n) => Err(AppError::query("limit", format!("{n} is out of range; use 1 to {MAX_LIMIT}"))),
    }
}

fn parse_query<T, E: Into<bridgehub_domain::Problem>>(field: &str, value: &Option<String>, parse: impl Fn(&str) -> Result<T, E>) -> AppResult<Option<T>> {
    non_empty(value).map(|v| parse(v).map_err(|p| AppError::query(field, p))).transpose()
}

/// Countries from `country` (comma list) and `group`; both given means both must hold.
fn countries(country: &Option<String>, group: &Option<String>) -> AppResult<Option<Vec<CountryCode>>> {
    let listed: Option<Vec<CountryCode>> = match non_empty(country) {
        None => None,
        Some(list) => Some(
            list.split(',')
                .map(|c| CountryCode::parse(c).map_err(|p| AppError::query("country", p)))
                .collect::<AppResult<_>>()?,
        ),
    };
    let members: Option<Vec<CountryCode>> = match non_empty(group) {
        None => None,
        Some(code) => {
            let grouping = reference::reference()
                .grouping(&code.to_ascii_lowercase())
                .ok_or_else(|| AppError::query("group", bridgehub_domain::GroupCode::parse(code).err().unwrap_or_else(|| format!("\"{code}\" is not a known grouping").into())))?;
            Some(grouping.members.iter().filter_map(|m| CountryCode::parse(m).ok()).collect())
        }
    };
    Ok(match (listed, members) {
        (Some(listed), Some(members)) => Some(listed.into_iter().filter(|c| members.contains(c)).collect()),
        (listed, members) => listed.or(members),
    })
}

fn language(value: &Option<String>) -> AppResult<Option<String>> {
    Ok(parse_query("language", value, LangTag::parse)?.map(|tag| tag.to_string()))
}

fn body_object(body: &Value) -> AppResult<&Map<String, Value>> {
    body.as_object()
        .ok_or_else(|| AppError::Validation(vec![FieldError::new("(body)", "must be a JSON object")]))
}

/// Takes the optional `version` out of a body (the record parsers do not know it).
fn split_version(body: &Map<String, Value>) -> AppResult<(Map<String, Value>, Option<i64>)> {
    let mut map = body.clone();
    let version = match map.remove("version") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) if n.as_i64().is_some() => n.as_i64(),
        Some(_) => return Err(AppError::Validation(vec![FieldError::new("version", "must be a whole number")])),
    };
    Ok((map, version))
}

fn check_path_id(map: &mut Map<String, Value>, id: &str) -> AppResult<()> {
    match map.get("id") {
        Some(Value::String(body_id)) if body_id != id => Err(AppError::Validation(vec![FieldError::new(
            "id",
            format!("\"{body_id}\" differs from the id in the address, \"{id}\"; ids cannot be changed"),
        )])),
        _ => {
            map.insert("id".into(), Value::String(id.to_owned()));
            Ok(())
        }
    }
}

fn new_id(prefix: &str) -> EntityId {
    EntityId::generated(prefix, fastrand::u64(..))
}

fn validation(problems: bridgehub_domain::Problems) -> AppError {
    AppError::Validation(problems.0)
}

impl Hub {
    /// How many records are stored.
    pub fn counts(&self) -> AppResult<Counts> {
        Ok(self.store.counts()?)
    }

    /// One organization.
    pub fn organization(&self, id: &str) -> AppResult<Versioned<Organization>> {
        self.store.organization(id)?.ok_or_else(|| AppError::NotFound { kind: "organization", id: id.into() })
    }

    /// Creates an organization from an exchange-format object; `id` is made when absent.
    /// Administrators only (users create their own organization when they sign up).
    pub fn create_organization(&self, actor: &Actor, body: &Value) -> AppResult<Versioned<Organization>> {
        require_admin(actor, "only administrators may create organizations; a new user creates one when signing up")?;
        let (map, _) = split_version(body_object(body)?)?;
        let (org, _) = parse::organization(&map, Some(&new_id("org"))).map_err(validation)?;
        Ok(self.store.insert_organization(&org)?)
    }

    /// Replaces an organization. `expected_version` (or the body's `version`) guards
    /// against overwriting someone else's change.
    /// Members of the organization and administrators only.
    pub fn update_organization(
        &self,
        actor: &Actor,
        id: &str,
        body: &Value,
        expected_version: Option<i64>,
    ) -> AppResult<Versioned<Organization>> {
        require_acts_for(actor, id, "change this organization")?;
        let (mut map, body_version) = split_version(body_object(body)?)?;
        check_path_id(&mut map, id)?;
        let (org, _) = parse::organization(&map, None).map_err(validation)?;
        Ok(self.store.update_organization(&org, expected_version.or(body_version))?)
    }

    /// Deletes an organization with its listings and ties (administrators only: it also
    /// removes other organizations' ties to it).
    pub fn delete_organization(&self, actor: &Actor, id: &str) -> AppResult<()> {
        require_admin(actor, "only administrators may delete organizations")?;
        if self.store.delete_organization(id)? {
            Ok(())
        } else {
            Err(AppError::NotFound { kind: "organization", id: id.into() })
        }
    }

    /// A page of organizations.
    pub fn list_organizations(&self, filter: &OrgFilter) -> AppResult<Page<Versioned<Organization>>> {
        let query = OrgQuery {
            countries: countries(&filter.country, &filter.group)?,
            sector: parse_query("sector", &filter.sector, Sector::parse)?,
            kind: parse_query("kind", &filter.kind, OrgKind::parse)?,
            language: language(&filter.language)?,
            text: non_empty(&filter.q).map(str::to_owned),
            verified: filter.verified,
            cursor: non_empty(&filter.cursor).map(str::to_owned),
            limit: limit(filter.limit)?,
        };
        Ok(self.store.list_organizations(&query)?)
    }

    /// One listing.
    pub fn listing(&self, id: &str) -> AppResult<Versioned<Listing>> {
        self.store.listing(id)?.ok_or_else(|| AppError::NotFound { kind: "listing", id: id.into() })
    }

    /// Creates a listing; its owner must exist, and the actor must act for it.
    pub fn create_listing(&self, actor: &Actor, body: &Value) -> AppResult<Versioned<Listing>> {
        let (map, _) = split_version(body_object(body)?)?;
        // Permission before validation: a stranger learns nothing from the field checks.
        if let Some(owner) = map.get("owner").and_then(Value::as_str) {
            require_acts_for(actor, owner.trim(), "post listings for this organization")?;
        }
        let (listing, _) = parse::listing(&map, Some(&new_id("lst"))).map_err(validation)?;
        require_acts_for(actor, listing.owner.as_str(), "post listings for this organization")?;
        Ok(self.store.insert_listing(&listing)?)
    }

    /// Replaces a listing (members of its owner, and of the new owner when it changes).
    pub fn update_listing(
        &self,
        actor: &Actor,
        id: &str,
        body: &Value,
        expected_version: Option<i64>,
    ) -> AppResult<Versioned<Listing>> {
        // Permission before validation: a stranger learns nothing from the field checks.
        let current = self.listing(id)?;
        require_acts_for(actor, current.record.owner.as_str(), "change this listing")?;
        let (mut map, body_version) = split_version(body_object(body)?)?;
        check_path_id(&mut map, id)?;
        let (listing, _) = parse::listing(&map, None).map_err(validation)?;
        require_acts_for(actor, listing.owner.as_str(), "give a listing to this organization")?;
        Ok(self.store.update_listing(&listing, expected_version.or(body_version))?)
    }

    /// Withdraws a listing: it stays stored but is never shown or matched again.
    pub fn withdraw_listing(&self, actor: &Actor, id: &str, expected_version: Option<i64>) -> AppResult<Versioned<Listing>> {
        let current = self.listing(id)?;
        require_acts_for(actor, current.record.owner.as_str(), "withdraw this listing")?;
        let mut listing = current.record;
        listing.status = ListingStatus::Withdrawn;
        Ok(self.store.update_listing(&listing, Some(expected_version.unwrap_or(current.version)))?)
    }

    /// Deletes a listing (members of its owner and administrators).
    pub fn delete_listing(&self, actor: &Actor, id: &str) -> AppResult<()> {
        let current = self.listing(id)?;
        require_acts_for(actor, current.record.owner.as_str(), "delete this listing")?;
        if self.store.delete_listing(id)? {
            Ok(())
        } else {
            Err(AppError::NotFound { kind: "listing", id: id.into() })
        }
    }

    /// A page of listings; by default only live ones (active, not expired).
    pub fn list_listings(&self, filter: &ListingFilter) -> AppResult<Page<Versioned<Listing>>> {
        let query = ListingQuery {
            owner: non_empty(&filter.owner).map(str::to_owned),
            countries: countries(&filter.country, &filter.group)?,
            sector: parse_query("sector", &filter.sector, Sector::parse)?,
            language: language(&filter.language)?,
            direction: parse_query("direction", &filter.direction, Direction::parse)?,
            category: parse_query("category", &filter.category, Category::parse)?,
            text: non_empty(&filter.q).map(str::to_owned),
            live_on: (!filter.include_inactive).then(crate::today),
            cursor: non_empty(&filter.cursor).map(str::to_owned),
            limit: limit(filter.limit)?,
        };
        Ok(self.store.list_listings(&query)?)
    }

    /// One person.
    pub fn person(&self, id: &str) -> AppResult<Versioned<Person>> {
        self.store.person(id)?.ok_or_else(|| AppError::NotFound { kind: "person", id: id.into() })
    }

    /// A page of people.
    pub fn list_people(&self, filter: &PersonFilter) -> AppResult<Page<Versioned<Person>>> {
        let query = PersonQuery {
            affiliation: non_empty(&filter.affiliation).map(str::to_owned),
            countries: countries(&filter.country, &filter.group)?,
            sector: parse_query("sector", &filter.sector, Sector::parse)?,
            language: language(&filter.language)?,
            text: non_empty(&filter.q).map(str::to_owned),
            cursor: non_empty(&filter.cursor).map(str::to_owned),
            limit: limit(filter.limit)?,
        };
        Ok(self.store.list_people(&query)?)
    }

    /// A page of ties with the ones `viewer` may not see left out, by the rules of the
    /// introduction paths (`analytics::tie_visible`): ties between two organizations are
    /// public; a tie with a person at an end is shown only to administrators and to
    /// members of an organization at one of its ends. Decided from the store, so a tie
    /// is never shown early or late. The cursor still walks the whole list, so a page may
    /// hold fewer than `limit` items.
    pub fn list_visible_ties(&self, viewer: Option<&Actor>, filter: &TieFilter) -> AppResult<Page<Versioned<Tie>>> {
        let page = self.list_ties(filter)?;
        // Each end is looked up once per page.
        let mut is_org: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
        let mut items = Vec::with_capacity(page.items.len());
        for tie in page.items {
            let visible = crate::analytics::ends_visible(viewer, tie.record.from.as_str(), tie.record.to.as_str(), |end| {
                if let Some(known) = is_org.get(end) {
                    return Ok(*known);
                }
                let known = self.store.organization(end)?.is_some();
                is_org.insert(end.to_owned(), known);
                Ok::<_, AppError>(known)
            })?;
            if visible {
                items.push(tie);
            }
        }
        Ok(Page { items, next_cursor: page.next_cursor })
    }

    /// A page of every tie (operators: export, CLI).
    pub fn list_ties(&self, filter: &TieFilter) -> AppResult<Page<Versioned<Tie>>> {
        let query = TieQuery {
            party: non_empty(&filter.party).map(str::to_owned),
            cursor: non_empty(&filter.cursor).map(str::to_owned),
            limit: limit(filter.limit)?,
        };
        Ok(self.store.list_ties(&query)?)
    }
}
