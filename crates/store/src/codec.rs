//! Turning domain records into column values and rows back into records, for every
//! backend: a backend implements [`Columns`] for its row type and selects list and name
//! columns as JSON text.

use std::collections::BTreeMap;

use bridgehub_domain::{
    parse_date, Category, Contact, CountryCode, Direction, EntityId, GroupCode, LangTag, Listing,
    ListingStatus, OrgKind, Organization, Person, Sector, Tie, TieKind,
};
use crate::{StoreError, Versioned};

/// Typed access to the columns of one result row, by name.
pub(crate) trait Columns {
    /// A text column.
    fn text(&self, name: &str) -> Result<String, StoreError>;
    /// A nullable text column.
    fn opt_text(&self, name: &str) -> Result<Option<String>, StoreError>;
    /// An integer column.
    fn int(&self, name: &str) -> Result<i64, StoreError>;
    /// A boolean column.
    fn flag(&self, name: &str) -> Result<bool, StoreError>;
}

impl Columns for rusqlite::Row<'_> {
    fn text(&self, name: &str) -> Result<String, StoreError> {
        Ok(self.get(name)?)
    }
    fn opt_text(&self, name: &str) -> Result<Option<String>, StoreError> {
        Ok(self.get(name)?)
    }
    fn int(&self, name: &str) -> Result<i64, StoreError> {
        Ok(self.get(name)?)
    }
    fn flag(&self, name: &str) -> Result<bool, StoreError> {
        Ok(self.get::<_, i64>(name)? != 0)
    }
}

/// `seconds` from now, in the same text form as [`now`].
pub(crate) fn later(seconds: u32) -> String {
    let at = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(i64::from(seconds));
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// The columns of `jobs`, in the order [`job`] reads them.
pub(crate) const JOB_COLUMNS: &str = "id, kind, payload, status, locked_by, locked_until, attempts, result";

/// Refuses a write based on a stale read: `expected` is the version the caller had.
pub(crate) fn check_version(kind: &'static str, id: &str, expected: Option<i64>, actual: i64) -> Result<(), StoreError> {
    match expected {
        Some(expected) if expected != actual => Err(StoreError::VersionConflict { kind, id: id.to_owned(), expected, actual }),
        _ => Ok(()),
    }
}

pub(crate) fn change(row: &impl Columns) -> Result<crate::Change, StoreError> {
    Ok(crate::Change { seq: row.int("seq")?, entity: row.text("entity")?, id: row.text("id")?, op: row.text("op")?, at: row.text("at")? })
}

pub(crate) fn job(row: &impl Columns) -> Result<crate::Job, StoreError> {
    Ok(crate::Job {
        id: row.int("id")?,
        kind: row.text("kind")?,
        payload: row.text("payload")?,
        status: row.text("status")?,
        locked_by: row.opt_text("locked_by")?,
        locked_until: row.opt_text("locked_until")?,
        attempts: row.int("attempts")?,
        result: row.opt_text("result")?,
    })
}

/// Now, as the RFC 3339 UTC text stored in `created_at` / `updated_at`.
pub(crate) fn now() -> String {
    jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

pub(crate) fn list_json<T: ToString>(items: &[T]) -> String {
    let strings: Vec<String> = items.iter().map(ToString::to_string).collect();
    serde_json::to_string(&strings).unwrap_or_else(|_| "[]".into())
}

pub(crate) fn names_json(names: &BTreeMap<LangTag, String>) -> String {
    let map: BTreeMap<&str, &str> = names.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    serde_json::to_string(&map).unwrap_or_else(|_| "{}".into())
}

fn decode_err(what: &str, err: impl std::fmt::Display) -> StoreError {
    StoreError::Decode(format!("{what}: {err}"))
}

fn strings(text: &str, what: &str) -> Result<Vec<String>, StoreError> {
    serde_json::from_str(text).map_err(|e| decode_err(what, e))
}

fn parsed_list<T, E: std::fmt::Display>(text: &str, what: &str, parse: impl Fn(&str) -> Result<T, E>) -> Result<Vec<T>, StoreError> {
    strings(text, what)?.iter().map(|s| parse(s).map_err(|e| decode_err(what, e))).collect()
}

fn names(text: &str) -> Result<BTreeMap<LangTag, String>, StoreError> {
    let map: BTreeMap<String, String> = serde_json::from_str(text).map_err(|e| decode_err("names", e))?;
    map.into_iter()
        .map(|(k, v)| LangTag::parse(&k).map(|tag| (tag, v)).map_err(|e| decode_err("names", e)))
        .collect()
}

fn id(text: &str) -> Result<EntityId, StoreError> {
    EntityId::parse(text).map_err(|e| decode_err("id", e))
}

fn versioned<T>(row: &impl Columns, record: T) -> Result<Versioned<T>, StoreError> {
    Ok(Versioned {
        record,
        version: row.int("version")?,
        created_at: row.text("created_at")?,
        updated_at: row.text("updated_at")?,
    })
}

fn contact(row: &impl Columns) -> Result<Contact, StoreError> {
    Ok(Contact { email: row.opt_text("contact_email")?, phone: row.opt_text("contact_phone")? })
}

pub(crate) fn organization(row: &impl Columns) -> Result<Versioned<Organization>, StoreError> {
    let org = Organization {
        id: id(&row.text("id")?)?,
        name: row.text("name")?,
        names: names(&row.text("names")?)?,
        kind: OrgKind::parse(&row.text("kind")?).map_err(|e| decode_err("kind", e))?,
        country: CountryCode::parse(&row.text("country")?).map_err(|e| decode_err("country", e))?,
        city: row.opt_text("city")?,
        sectors: parsed_list(&row.text("sectors")?, "sectors", Sector::parse)?,
        languages: parsed_list(&row.text("languages")?, "languages", LangTag::parse)?,
        description: row.opt_text("description")?,
        website: row.opt_text("website")?,
        contact: contact(row)?,
        verified: row.flag("verified")?,
    };
    versioned(row, org)
}

pub(crate) fn person(row: &impl Columns) -> Result<Versioned<Person>, StoreError> {
    let affiliation = row.opt_text("affiliation")?;
    let country = row.opt_text("country")?;
    let person = Person {
        id: id(&row.text("id")?)?,
        name: row.text("name")?,
        names: names(&row.text("names")?)?,
        affiliation: affiliation.as_deref().map(id).transpose()?,
        title: row.opt_text("title")?,
        country: country.as_deref().map(CountryCode::parse).transpose().map_err(|e| decode_err("country", e))?,
        expertise: strings(&row.text("expertise")?, "expertise")?,
        sectors: parsed_list(&row.text("sectors")?, "sectors", Sector::parse)?,
        languages: parsed_list(&row.text("languages")?, "languages", LangTag::parse)?,
        bio: row.opt_text("bio")?,
        contact: contact(row)?,
    };
    versioned(row, person)
}

pub(crate) fn listing(row: &impl Columns) -> Result<Versioned<Listing>, StoreError> {
    let expires = row.opt_text("expires")?;
    let listing = Listing {
        id: id(&row.text("id")?)?,
        owner: id(&row.text("owner")?)?,
        direction: Direction::parse(&row.text("direction")?).map_err(|e| decode_err("direction", e))?,
        category: Category::parse(&row.text("category")?).map_err(|e| decode_err("category", e))?,
        title: row.text("title")?,
        body: row.text("body")?,
        language: LangTag::parse(&row.text("language")?).map_err(|e| decode_err("language", e))?,
        sectors: parsed_list(&row.text("sectors")?, "sectors", Sector::parse)?,
        target_countries: parsed_list(&row.text("target_countries")?, "target_countries", CountryCode::parse)?,
        target_groups: parsed_list(&row.text("target_groups")?, "target_groups", GroupCode::parse)?,
        expires: expires.as_deref().map(parse_date).transpose().map_err(|e| decode_err("expires", e))?,
        status: ListingStatus::parse(&row.text("status")?).map_err(|e| decode_err("status", e))?,
    };
    versioned(row, listing)
}

pub(crate) fn tie(row: &impl Columns) -> Result<Versioned<Tie>, StoreError> {
    let tie = Tie {
        id: id(&row.text("id")?)?,
        from: id(&row.text("from_id")?)?,
        to: id(&row.text("to_id")?)?,
        kind: TieKind::parse(&row.text("kind")?).map_err(|e| decode_err("kind", e))?,
        date: parse_date(&row.text("date")?).map_err(|e| decode_err("date", e))?,
        source: row.opt_text("source")?,
        evidence: row.opt_text("evidence")?,
    };
    versioned(row, tie)
}
