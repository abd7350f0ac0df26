//! Writing to PostgreSQL: batched `INSERT ... SELECT FROM unnest(...) ON CONFLICT` upserts
//! (thousands of rows per statement) that bump the version only when content changed.

use bridgehub_domain::{Listing, Organization, Person};
use postgres::types::ToSql;
use postgres::{Client, GenericClient};
use serde_json::Value;

use crate::codec::now;
use crate::{ImportBatch, ImportCounts, KindCounts, PartyKind, Result, StoreError, TypedTie};

const BATCH: usize = 5_000;

type Param = Box<dyn ToSql + Sync>;

/// `(column, SQL array element type)`; the first column is the key `id`.
const ORG: &[(&str, &str)] = &[
    ("id", "text"), ("name", "text"), ("names", "jsonb"), ("kind", "text"), ("country", "text"), ("city", "text"),
    ("sectors", "jsonb"), ("languages", "jsonb"), ("description", "text"), ("website", "text"),
    ("contact_email", "text"), ("contact_phone", "text"), ("verified", "bool"),
];
const PERSON: &[(&str, &str)] = &[
    ("id", "text"), ("name", "text"), ("names", "jsonb"), ("affiliation", "text"), ("title", "text"), ("country", "text"),
    ("expertise", "jsonb"), ("sectors", "jsonb"), ("languages", "jsonb"), ("bio", "text"), ("contact_email", "text"),
    ("contact_phone", "text"),
];
const LISTING: &[(&str, &str)] = &[
    ("id", "text"), ("owner", "text"), ("direction", "text"), ("category", "text"), ("title", "text"), ("body", "text"),
    ("language", "text"), ("sectors", "jsonb"), ("target_countries", "jsonb"), ("target_groups", "jsonb"),
    ("expires", "text"), ("status", "text"),
];
const TIE: &[(&str, &str)] = &[
    ("id", "text"), ("from_id", "text"), ("from_type", "text"), ("to_id", "text"), ("to_type", "text"), ("kind", "text"),
    ("date", "text"), ("source", "text"), ("evidence", "text"),
];

/// How a batch statement treats an existing id.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnConflict {
    /// Update it when something changed.
    Update,
    /// Leave it (the caller reports `IdTaken`).
    Nothing,
}

fn batch_sql(table: &str, columns: &[(&str, &str)], on_conflict: OnConflict) -> String {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let arrays: Vec<String> = columns.iter().enumerate().map(|(i, (_, t))| format!("${}::{t}[]", i + 1)).collect();
    let now = columns.len() + 1;
    let conflict = match on_conflict {
        OnConflict::Nothing => "DO NOTHING".to_owned(),
        OnConflict::Update => {
            let sets: Vec<String> = names[1..].iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
            let old: Vec<String> = names[1..].iter().map(|c| format!("{table}.{c}")).collect();
            let new: Vec<String> = names[1..].iter().map(|c| format!("EXCLUDED.{c}")).collect();
            format!(
                "DO UPDATE SET {}, version = {table}.version + 1, updated_at = EXCLUDED.updated_at WHERE ({}) IS DISTINCT FROM ({})",
                sets.join(", "),
                old.join(", "),
                new.join(", ")
            )
        }
    };
    format!(
        "INSERT INTO {table} ({cols}, version, created_at, updated_at) \
         SELECT u.*, 1, ${now}, ${now} FROM unnest({arrays}) AS u({cols}) ON CONFLICT (id) {conflict} RETURNING version",
        cols = names.join(", "),
        arrays = arrays.join(", "),
    )
}

fn texts<T>(rows: &[T], f: impl Fn(&T) -> String) -> Param {
    Box::new(rows.iter().map(f).collect::<Vec<String>>())
}

fn opt_texts<T>(rows: &[T], f: impl Fn(&T) -> Option<String>) -> Param {
    Box::new(rows.iter().map(f).collect::<Vec<Option<String>>>())
}

fn jsons<T>(rows: &[T], f: impl Fn(&T) -> Value) -> Param {
    Box::new(rows.iter().map(f).collect::<Vec<Value>>())
}

fn list<T: ToString>(items: &[T]) -> Value {
    Value::Array(items.iter().map(|i| Value::String(i.to_string())).collect())
}

fn org_params(rows: &[Organization]) -> Vec<Param> {
    vec![
        texts(rows, |o| o.id.to_string()),
        texts(rows, |o| o.name.clone()),
        jsons(rows, |o| Value::Object(o.names.iter().map(|(k, v)| (k.to_string(), Value::String(v.clone()))).collect())),
        texts(rows, |o| o.kind.code().into()),
        texts(rows, |o| o.country.to_string()),
        opt_texts(rows, |o| o.city.clone()),
        jsons(rows, |o| list(&o.sectors)),
        jsons(rows, |o| list(&o.languages)),
        opt_texts(rows, |o| o.description.clone()),
        opt_texts(rows, |o| o.website.clone()),
        opt_texts(rows, |o| o.contact.email.clone()),
        opt_texts(rows, |o| o.contact.phone.clone()),
        Box::new(rows.iter().map(|o| o.verified).collect::<Vec<bool>>()),
    ]
}

fn person_params(rows: &[Person]) -> Vec<Param> {
    vec![
        texts(rows, |p| p.id.to_string()),
        texts(rows, |p| p.name.clone()),
        jsons(rows, |p| Value::Object(p.names.iter().map(|(k, v)| (k.to_string(), Value::String(v.clone()))).collect())),
        opt_texts(rows, |p| p.affiliation.as_ref().map(ToString::to_string)),
        opt_texts(rows, |p| p.title.clone()),
        opt_texts(rows, |p| p.country.map(|c| c.to_string())),
        jsons(rows, |p| list(&p.expertise)),
        jsons(rows, |p| list(&p.sectors)),
        jsons(rows, |p| list(&p.languages)),
        opt_texts(rows, |p| p.bio.clone()),
        opt_texts(rows, |p| p.contact.email.clone()),
        opt_texts(rows, |p| p.contact.phone.clone()),
    ]
}

fn listing_params(rows: &[Listing]) -> Vec<Param> {
    vec![
        texts(rows, |l| l.id.to_string()),
        texts(rows, |l| l.owner.to_string()),
        texts(rows, |l| l.direction.code().into()),
        texts(rows, |l| l.category.code().into()),
        texts(rows, |l| l.title.clone()),
        texts(rows, |l| l.body.clone()),
        texts(rows, |l| l.language.to_string()),
        jsons(rows, |l| list(&l.sectors)),
        jsons(rows, |l| list(&l.target_countries)),
        jsons(rows, |l| list(&l.target_groups)),
        opt_texts(rows, |l| l.expires.map(|d| d.to_string())),
        texts(rows, |l| l.status.code().into()),
    ]
}

fn tie_params(rows: &[TypedTie]) -> Vec<Param> {
    vec![
        texts(rows, |t| t.tie.id.to_string()),
        texts(rows, |t| t.tie.from.to_string()),
        texts(rows, |t| t.from_kind.code().into()),
        texts(rows, |t| t.tie.to.to_string()),
        texts(rows, |t| t.to_kind.code().into()),
        texts(rows, |t| t.tie.kind.code().into()),
        texts(rows, |t| t.tie.date.to_string()),
        opt_texts(rows, |t| t.tie.source.clone()),
        opt_texts(rows, |t| t.tie.evidence.clone()),
    ]
}

/// Runs one batch statement; returns the versions of the rows it wrote.
fn run(client: &mut impl GenericClient, sql: &str, mut params: Vec<Param>, now: &str) -> Result<Vec<i64>> {
    params.push(Box::new(now.to_owned()));
    let refs: Vec<&(dyn ToSql + Sync)> = params.iter().map(|p| p.as_ref() as &(dyn ToSql + Sync)).collect();
    let rows = client.query(sql, &refs).map_err(map_constraint)?;
    Ok(rows.iter().map(|row| row.get::<_, i64>(0)).collect())
}

/// A foreign-key failure becomes a missing reference naming the field.
fn map_constraint(err: postgres::Error) -> StoreError {
    if let Some(db) = err.as_db_error() {
        if *db.code() == postgres::error::SqlState::FOREIGN_KEY_VIOLATION {
            let field = if db.constraint().is_some_and(|c| c.contains("affiliation")) { "affiliation" } else { "owner" };
            let id = db.detail().and_then(|d| d.split('(').nth(2)).and_then(|rest| rest.split(')').next()).unwrap_or("?").to_owned();
            return StoreError::MissingReference { field, kind: "organization", id };
        }
    }
    StoreError::Postgres(err)
}

fn tally(versions: &[i64], batch_len: usize, counts: &mut KindCounts) {
    let inserted = versions.iter().filter(|v| **v == 1).count() as u64;
    counts.inserted += inserted;
    counts.updated += versions.len() as u64 - inserted;
    counts.unchanged += (batch_len - versions.len()) as u64;
}

pub(crate) fn upsert_organizations(client: &mut impl GenericClient, rows: &[Organization], now: &str) -> Result<Vec<i64>> {
    run(client, &batch_sql("organizations", ORG, OnConflict::Update), org_params(rows), now)
}

pub(crate) fn upsert_listings(client: &mut impl GenericClient, rows: &[Listing], now: &str) -> Result<Vec<i64>> {
    run(client, &batch_sql("listings", LISTING, OnConflict::Update), listing_params(rows), now)
}

/// Inserts one organization; false when its id is taken.
pub(crate) fn insert_organization(client: &mut impl GenericClient, org: &Organization) -> Result<bool> {
    let written = run(client, &batch_sql("organizations", ORG, OnConflict::Nothing), org_params(std::slice::from_ref(org)), &now())?;
    Ok(!written.is_empty())
}

/// Inserts one listing; false when its id is taken.
pub(crate) fn insert_listing(client: &mut impl GenericClient, listing: &Listing) -> Result<bool> {
    let written = run(client, &batch_sql("listings", LISTING, OnConflict::Nothing), listing_params(std::slice::from_ref(listing)), &now())?;
    Ok(!written.is_empty())
}

/// Both ends of every tie in `rows` must exist as the kind of party the tie says.
fn check_parties(client: &mut impl GenericClient, rows: &[TypedTie]) -> Result<()> {
    for (field, kind, table) in [
        ("from", PartyKind::Organization, "organizations"),
        ("from", PartyKind::Person, "people"),
        ("to", PartyKind::Organization, "organizations"),
        ("to", PartyKind::Person, "people"),
    ] {
        let ids: Vec<&str> = rows
            .iter()
            .filter_map(|t| {
                let (id, k) = if field == "from" { (&t.tie.from, t.from_kind) } else { (&t.tie.to, t.to_kind) };
                (k == kind).then_some(id.as_str())
            })
            .collect();
        if ids.is_empty() {
            continue;
        }
        let missing = client.query_opt(
            &format!("SELECT u.id FROM unnest($1::text[]) AS u(id) WHERE NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = u.id) LIMIT 1"),
            &[&ids],
        )?;
        if let Some(row) = missing {
            return Err(StoreError::MissingReference { field, kind: kind.code(), id: row.get(0) });
        }
    }
    Ok(())
}

/// Writes a whole batch in one transaction, parents before children.
pub(crate) fn import(client: &mut Client, batch: &ImportBatch, progress: &mut dyn FnMut(u64)) -> Result<ImportCounts> {
    let now = now();
    let mut tx = client.transaction()?;
    let mut counts = ImportCounts::default();
    let mut written: u64 = 0;
    let org_sql = batch_sql("organizations", ORG, OnConflict::Update);
    for chunk in batch.organizations.chunks(BATCH) {
        tally(&run(&mut tx, &org_sql, org_params(chunk), &now)?, chunk.len(), &mut counts.organizations);
        written += chunk.len() as u64;
        progress(written);
    }
    let person_sql = batch_sql("people", PERSON, OnConflict::Update);
    for chunk in batch.people.chunks(BATCH) {
        tally(&run(&mut tx, &person_sql, person_params(chunk), &now)?, chunk.len(), &mut counts.people);
        written += chunk.len() as u64;
        progress(written);
    }
    let listing_sql = batch_sql("listings", LISTING, OnConflict::Update);
    for chunk in batch.listings.chunks(BATCH) {
        tally(&run(&mut tx, &listing_sql, listing_params(chunk), &now)?, chunk.len(), &mut counts.listings);
        written += chunk.len() as u64;
        progress(written);
    }
    let tie_sql = batch_sql("ties", TIE, OnConflict::Update);
    for chunk in batch.ties.chunks(BATCH) {
        check_parties(&mut tx, chunk)?;
        tally(&run(&mut tx, &tie_sql, tie_params(chunk), &now)?, chunk.len(), &mut counts.ties);
        written += chunk.len() as u64;
        progress(written);
    }
    tx.commit()?;
    Ok(counts)
}
