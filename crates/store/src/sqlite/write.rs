//! Writing: upserts that bump the version only when content changed, and the import
//! transaction.

use std::sync::LazyLock;

use bridgehub_domain::{Listing, Organization, Person};
use rusqlite::{params, Connection, OptionalExtension, Transaction, TransactionBehavior};

use crate::codec::{list_json, names_json};
use crate::{ImportBatch, ImportCounts, KindCounts, PartyKind, Result, StoreError, TypedTie};

pub(crate) use crate::codec::now;

/// Builds `INSERT ... ON CONFLICT(id) DO UPDATE ... WHERE <something changed> RETURNING version`.
fn upsert_sql(table: &str, columns: &[&str]) -> String {
    let n = columns.len();
    let placeholders: Vec<String> = (1..=n).map(|i| format!("?{i}")).collect();
    let sets: Vec<String> = columns[1..].iter().map(|c| format!("{c} = excluded.{c}")).collect();
    let changed: Vec<String> = columns[1..].iter().map(|c| format!("{table}.{c} IS NOT excluded.{c}")).collect();
    format!(
        "INSERT INTO {table} ({cols}, version, created_at, updated_at) VALUES ({ph}, 1, ?{now}, ?{now}) \
         ON CONFLICT (id) DO UPDATE SET {sets}, version = {table}.version + 1, updated_at = excluded.updated_at \
         WHERE {changed} RETURNING version",
        cols = columns.join(", "),
        ph = placeholders.join(", "),
        now = n + 1,
        sets = sets.join(", "),
        changed = changed.join(" OR "),
    )
}

const ORG_COLUMNS: &[&str] = &[
    "id", "name", "names", "kind", "country", "city", "sectors", "languages", "description", "website",
    "contact_email", "contact_phone", "verified",
];
const PERSON_COLUMNS: &[&str] = &[
    "id", "name", "names", "affiliation", "title", "country", "expertise", "sectors", "languages", "bio",
    "contact_email", "contact_phone",
];
const LISTING_COLUMNS: &[&str] = &[
    "id", "owner", "direction", "category", "title", "body", "language", "sectors", "target_countries",
    "target_groups", "expires", "status",
];
const TIE_COLUMNS: &[&str] = &["id", "from_id", "from_type", "to_id", "to_type", "kind", "date", "source", "evidence"];

static ORG_UPSERT: LazyLock<String> = LazyLock::new(|| upsert_sql("organizations", ORG_COLUMNS));
static PERSON_UPSERT: LazyLock<String> = LazyLock::new(|| upsert_sql("people", PERSON_COLUMNS));
static LISTING_UPSERT: LazyLock<String> = LazyLock::new(|| upsert_sql("listings", LISTING_COLUMNS));
static TIE_UPSERT: LazyLock<String> = LazyLock::new(|| upsert_sql("ties", TIE_COLUMNS));

/// Page cache of the writer while it imports (the default is 64 MiB), in KiB.
const IMPORT_CACHE_KIB: i64 = 262_144;

/// Records a committed change (it commits with the caller's transaction).
pub(crate) fn log_change(conn: &Connection, entity: &str, id: &str, op: &str, now: &str) -> Result<()> {
    conn.prepare_cached("INSERT INTO changes (entity, id, op, at) VALUES (?1, ?2, ?3, ?4)")?.execute(params![entity, id, op, now])?;
    Ok(())
}

/// What an upsert did, read from `RETURNING version`.
fn outcome(version: Option<i64>, counts: &mut KindCounts) {
    match version {
        Some(1) => counts.inserted += 1,
        Some(_) => counts.updated += 1,
        None => counts.unchanged += 1,
    }
}

fn org_upsert(conn: &Connection, org: &Organization, now: &str) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(&ORG_UPSERT)?;
    Ok(stmt
        .query_row(
            params![
                org.id.as_str(), org.name, names_json(&org.names), org.kind.code(), org.country.as_str(), org.city,
                list_json(&org.sectors), list_json(&org.languages), org.description, org.website,
                org.contact.email, org.contact.phone, org.verified as i64, now
            ],
            |row| row.get(0),
        )
        .optional()?)
}

fn person_upsert(conn: &Connection, person: &Person, now: &str) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(&PERSON_UPSERT)?;
    Ok(stmt
        .query_row(
            params![
                person.id.as_str(), person.name, names_json(&person.names), person.affiliation.as_ref().map(|a| a.as_str()),
                person.title, person.country.map(|c| c.to_string()), serde_json::to_string(&person.expertise).unwrap_or_else(|_| "[]".into()),
                list_json(&person.sectors), list_json(&person.languages), person.bio, person.contact.email,
                person.contact.phone, now
            ],
            |row| row.get(0),
        )
        .optional()?)
}

fn listing_upsert(conn: &Connection, listing: &Listing, now: &str) -> Result<Option<i64>> {
    let mut stmt = conn.prepare_cached(&LISTING_UPSERT)?;
    Ok(stmt
        .query_row(
            params![
                listing.id.as_str(), listing.owner.as_str(), listing.direction.code(), listing.category.code(),
                listing.title, listing.body, listing.language.as_str(), list_json(&listing.sectors),
                list_json(&listing.target_countries), list_json(&listing.target_groups),
                listing.expires.map(|d| d.to_string()), listing.status.code(), now
            ],
            |row| row.get(0),
        )
        .optional()?)
}

fn require_party(conn: &Connection, field: &'static str, id: &str, kind: PartyKind) -> Result<()> {
    let sql = match kind {
        PartyKind::Organization => "SELECT 1 FROM organizations WHERE id = ?1",
        PartyKind::Person => "SELECT 1 FROM people WHERE id = ?1",
    };
    let found: Option<i64> = conn.prepare_cached(sql)?.query_row([id], |row| row.get(0)).optional()?;
    if found.is_none() {
        return Err(StoreError::MissingReference { field, kind: kind.code(), id: id.to_owned() });
    }
    Ok(())
}

fn tie_upsert(conn: &Connection, typed: &TypedTie, now: &str) -> Result<Option<i64>> {
    let tie = &typed.tie;
    // SQLite cannot hold a foreign key to one of two tables: check both parties here,
    // inside the writing transaction.
    require_party(conn, "from", tie.from.as_str(), typed.from_kind)?;
    require_party(conn, "to", tie.to.as_str(), typed.to_kind)?;
    let mut stmt = conn.prepare_cached(&TIE_UPSERT)?;
    Ok(stmt
        .query_row(
            params![
                tie.id.as_str(), tie.from.as_str(), typed.from_kind.code(), tie.to.as_str(), typed.to_kind.code(),
                tie.kind.code(), tie.date.to_string(), tie.source, tie.evidence, now
            ],
            |row| row.get(0),
        )
        .optional()?)
}

pub(crate) fn upsert_organization(tx: &Transaction<'_>, org: &Organization, now: &str) -> Result<()> {
    if org_upsert(tx, org, now)?.is_some() {
        log_change(tx, "organization", org.id.as_str(), "upsert", now)?;
    }
    Ok(())
}

pub(crate) fn upsert_listing(tx: &Transaction<'_>, listing: &Listing, now: &str) -> Result<()> {
    if listing_upsert(tx, listing, now)?.is_some() {
        log_change(tx, "listing", listing.id.as_str(), "upsert", now)?;
    }
    Ok(())
}

/// Writes a whole batch in one IMMEDIATE transaction, parents before children.
pub(crate) fn import(conn: &mut Connection, batch: &ImportBatch, progress: &mut dyn FnMut(u64)) -> Result<ImportCounts> {
    let now = now();
    conn.pragma_update(None, "cache_size", -IMPORT_CACHE_KIB)?;
    let result = import_in_transaction(conn, batch, progress, &now);
    conn.pragma_update(None, "cache_size", -65_536)?;
    result
}

fn import_in_transaction(conn: &mut Connection, batch: &ImportBatch, progress: &mut dyn FnMut(u64), now: &str) -> Result<ImportCounts> {
    let now = now.to_owned();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut counts = ImportCounts::default();
    let mut written: u64 = 0;
    let mut tick = |written: &mut u64| {
        *written += 1;
        if (*written).is_multiple_of(2_000) {
            progress(*written);
        }
    };
    for org in &batch.organizations {
        let version = org_upsert(&tx, org, &now)?;
        if version.is_some() {
            log_change(&tx, "organization", org.id.as_str(), "upsert", &now)?;
        }
        outcome(version, &mut counts.organizations);
        tick(&mut written);
    }
    for person in &batch.people {
        let version = person_upsert(&tx, person, &now)?;
        if version.is_some() {
            log_change(&tx, "person", person.id.as_str(), "upsert", &now)?;
        }
        outcome(version, &mut counts.people);
        tick(&mut written);
    }
    for listing in &batch.listings {
        let version = listing_upsert(&tx, listing, &now)?;
        if version.is_some() {
            log_change(&tx, "listing", listing.id.as_str(), "upsert", &now)?;
        }
        outcome(version, &mut counts.listings);
        tick(&mut written);
    }
    for tie in &batch.ties {
        let version = tie_upsert(&tx, tie, &now)?;
        if version.is_some() {
            log_change(&tx, "tie", tie.tie.id.as_str(), "upsert", &now)?;
        }
        outcome(version, &mut counts.ties);
        tick(&mut written);
    }
    tx.commit()?;
    progress(written);
    Ok(counts)
}
