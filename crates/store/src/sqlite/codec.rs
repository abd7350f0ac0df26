//! Turning domain records into column values and rows back into records.

use std::collections::BTreeMap;

use bridgehub_domain::{
    parse_date, Category, Contact, CountryCode, Direction, EntityId, GroupCode, LangTag, Listing,
    ListingStatus, OrgKind, Organization, Person, Sector, Tie, TieKind,
};
use rusqlite::Row;

use crate::{StoreError, Versioned};

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

fn parsed_list<T>(text: &str, what: &str, parse: impl Fn(&str) -> Result<T, String>) -> Result<Vec<T>, StoreError> {
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

fn get<T: rusqlite::types::FromSql>(row: &Row<'_>, name: &str) -> Result<T, StoreError> {
    row.get(name).map_err(StoreError::from)
}

fn versioned<T>(row: &Row<'_>, record: T) -> Result<Versioned<T>, StoreError> {
    Ok(Versioned {
        record,
        version: get(row, "version")?,
        created_at: get(row, "created_at")?,
        updated_at: get(row, "updated_at")?,
    })
}

fn contact(row: &Row<'_>) -> Result<Contact, StoreError> {
    Ok(Contact { email: get(row, "contact_email")?, phone: get(row, "contact_phone")? })
}

pub(crate) fn organization(row: &Row<'_>) -> Result<Versioned<Organization>, StoreError> {
    let org = Organization {
        id: id(&get::<String>(row, "id")?)?,
        name: get(row, "name")?,
        names: names(&get::<String>(row, "names")?)?,
        kind: OrgKind::parse(&get::<String>(row, "kind")?).map_err(|e| decode_err("kind", e))?,
        country: CountryCode::parse(&get::<String>(row, "country")?).map_err(|e| decode_err("country", e))?,
        city: get(row, "city")?,
        sectors: parsed_list(&get::<String>(row, "sectors")?, "sectors", Sector::parse)?,
        languages: parsed_list(&get::<String>(row, "languages")?, "languages", LangTag::parse)?,
        description: get(row, "description")?,
        website: get(row, "website")?,
        contact: contact(row)?,
        verified: get::<i64>(row, "verified")? != 0,
    };
    versioned(row, org)
}

pub(crate) fn person(row: &Row<'_>) -> Result<Versioned<Person>, StoreError> {
    let affiliation: Option<String> = get(row, "affiliation")?;
    let country: Option<String> = get(row, "country")?;
    let person = Person {
        id: id(&get::<String>(row, "id")?)?,
        name: get(row, "name")?,
        names: names(&get::<String>(row, "names")?)?,
        affiliation: affiliation.as_deref().map(id).transpose()?,
        title: get(row, "title")?,
        country: country.as_deref().map(CountryCode::parse).transpose().map_err(|e| decode_err("country", e))?,
        expertise: strings(&get::<String>(row, "expertise")?, "expertise")?,
        sectors: parsed_list(&get::<String>(row, "sectors")?, "sectors", Sector::parse)?,
        languages: parsed_list(&get::<String>(row, "languages")?, "languages", LangTag::parse)?,
        bio: get(row, "bio")?,
        contact: contact(row)?,
    };
    versioned(row, person)
}

pub(crate) fn listing(row: &Row<'_>) -> Result<Versioned<Listing>, StoreError> {
    let expires: Option<String> = get(row, "expires")?;
    let listing = Listing {
        id: id(&get::<String>(row, "id")?)?,
        owner: id(&get::<String>(row, "owner")?)?,
        direction: Direction::parse(&get::<String>(row, "direction")?).map_err(|e| decode_err("direction", e))?,
        category: Category::parse(&get::<String>(row, "category")?).map_err(|e| decode_err("category", e))?,
        title: get(row, "title")?,
        body: get(row, "body")?,
        language: LangTag::parse(&get::<String>(row, "language")?).map_err(|e| decode_err("language", e))?,
        sectors: parsed_list(&get::<String>(row, "sectors")?, "sectors", Sector::parse)?,
        target_countries: parsed_list(&get::<String>(row, "target_countries")?, "target_countries", CountryCode::parse)?,
        target_groups: parsed_list(&get::<String>(row, "target_groups")?, "target_groups", GroupCode::parse)?,
        expires: expires.as_deref().map(parse_date).transpose().map_err(|e| decode_err("expires", e))?,
        status: ListingStatus::parse(&get::<String>(row, "status")?).map_err(|e| decode_err("status", e))?,
    };
    versioned(row, listing)
}

pub(crate) fn tie(row: &Row<'_>) -> Result<Versioned<Tie>, StoreError> {
    let tie = Tie {
        id: id(&get::<String>(row, "id")?)?,
        from: id(&get::<String>(row, "from_id")?)?,
        to: id(&get::<String>(row, "to_id")?)?,
        kind: TieKind::parse(&get::<String>(row, "kind")?).map_err(|e| decode_err("kind", e))?,
        date: parse_date(&get::<String>(row, "date")?).map_err(|e| decode_err("date", e))?,
        source: get(row, "source")?,
        evidence: get(row, "evidence")?,
    };
    versioned(row, tie)
}
