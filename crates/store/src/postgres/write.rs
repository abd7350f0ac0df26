//! Writing to PostgreSQL. Each record type has one column mapping (`*_row`, text fields):
//! imports stream it with COPY into a staging table and upsert from there in one
//! statement; single writes insert one row of it. Upserts bump the version only when
//! content changed.

use bridgehub_domain::{Listing, Organization, Person};
use postgres::types::ToSql;
use postgres::{Client, GenericClient};

use crate::codec::now;
use crate::{ImportBatch, ImportCounts, KindCounts, PartyKind, Result, StoreError, TypedTie};

/// `(column, SQL type)`; the first column is the key `id`.
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

/// How a write treats an existing id.
#[derive(Clone, Copy, PartialEq, Eq)]
enum OnConflict {
    /// Update it when something changed.
    Update,
    /// Leave it (the caller reports `IdTaken`).
    Nothing,
}

/// `ON CONFLICT (id) ...` for `table`: update every column but the key when something
/// changed, bumping the version, or do nothing.
fn conflict_clause(table: &str, names: &[&str], on_conflict: OnConflict) -> String {
    match on_conflict {
        OnConflict::Nothing => "ON CONFLICT (id) DO NOTHING".to_owned(),
        OnConflict::Update => {
            let sets: Vec<String> = names[1..].iter().map(|c| format!("{c} = EXCLUDED.{c}")).collect();
            let old: Vec<String> = names[1..].iter().map(|c| format!("{table}.{c}")).collect();
            let new: Vec<String> = names[1..].iter().map(|c| format!("EXCLUDED.{c}")).collect();
            format!(
                "ON CONFLICT (id) DO UPDATE SET {}, version = {table}.version + 1, updated_at = EXCLUDED.updated_at \
                 WHERE ({}) IS DISTINCT FROM ({})",
                sets.join(", "),
                old.join(", "),
                new.join(", ")
            )
        }
    }
}

/// Writes one record from its row (the column mapping the import's COPY uses, text
/// cast to each column's type); returns its new version, `None` when nothing was written.
fn write_row(
    client: &mut impl GenericClient,
    table: &str,
    columns: &[(&str, &str)],
    row: Vec<Option<String>>,
    on_conflict: OnConflict,
) -> Result<Option<i64>> {
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let values: Vec<String> = columns.iter().enumerate().map(|(i, (_, t))| format!("(${}::text)::{t}", i + 1)).collect();
    let now_param = columns.len() + 1;
    let sql = format!(
        "INSERT INTO {table} ({cols}, version, created_at, updated_at) VALUES ({values}, 1, ${now_param}, ${now_param}) \
         {conflict} RETURNING version",
        cols = names.join(", "),
        values = values.join(", "),
        conflict = conflict_clause(table, &names, on_conflict),
    );
    let now = now();
    let mut params: Vec<&(dyn ToSql + Sync)> = row.iter().map(|field| field as &(dyn ToSql + Sync)).collect();
    params.push(&now);
    let written = client.query_opt(&sql, &params).map_err(map_constraint)?;
    Ok(written.map(|r| r.get::<_, i64>(0)))
}

/// A foreign-key failure becomes a missing reference naming the field.
fn map_constraint(err: postgres::Error) -> StoreError {
    if let Some(db) = err.as_db_error()
        && *db.code() == postgres::error::SqlState::FOREIGN_KEY_VIOLATION {
            let field = if db.constraint().is_some_and(|c| c.contains("affiliation")) { "affiliation" } else { "owner" };
            let id = db.detail().and_then(|d| d.split('(').nth(2)).and_then(|rest| rest.split(')').next()).unwrap_or("?").to_owned();
            return StoreError::MissingReference { field, kind: "organization", id };
        }
    StoreError::Postgres(err)
}

/// Replaces an organization; false when its content did not change.
pub(crate) fn upsert_organization(client: &mut impl GenericClient, org: &Organization) -> Result<bool> {
    Ok(write_row(client, "organizations", ORG, org_row(org), OnConflict::Update)?.is_some())
}

/// Replaces a listing; false when its content did not change.
pub(crate) fn upsert_listing(client: &mut impl GenericClient, listing: &Listing) -> Result<bool> {
    Ok(write_row(client, "listings", LISTING, listing_row(listing), OnConflict::Update)?.is_some())
}

/// Inserts one organization; false when its id is taken.
pub(crate) fn insert_organization(client: &mut impl GenericClient, org: &Organization) -> Result<bool> {
    Ok(write_row(client, "organizations", ORG, org_row(org), OnConflict::Nothing)?.is_some())
}

/// Inserts one listing; false when its id is taken.
pub(crate) fn insert_listing(client: &mut impl GenericClient, listing: &Listing) -> Result<bool> {
    Ok(write_row(client, "listings", LISTING, listing_row(listing), OnConflict::Nothing)?.is_some())
}

/// One row of a COPY in PostgreSQL's text format: tab-separated, `\\N` for NULL.
fn copy_row(out: &mut Vec<u8>, fields: &[Option<&str>]) {
    for (idx, field) in fields.iter().enumerate() {
        if idx > 0 {
            out.push(b'\t');
        }
        match field {
            None => out.extend_from_slice(b"\\N"),
            Some(text) => {
                for byte in text.bytes() {
                    match byte {
                        b'\\' => out.extend_from_slice(b"\\\\"),
                        b'\t' => out.extend_from_slice(b"\\t"),
                        b'\n' => out.extend_from_slice(b"\\n"),
                        b'\r' => out.extend_from_slice(b"\\r"),
                        other => out.push(other),
                    }
                }
            }
        }
    }
    out.push(b'\n');
}

fn names_text(names: &std::collections::BTreeMap<bridgehub_domain::LangTag, String>) -> String {
    crate::codec::names_json(names)
}

fn org_row(o: &Organization) -> Vec<Option<String>> {
    vec![
        Some(o.id.to_string()), Some(o.name.clone()), Some(names_text(&o.names)), Some(o.kind.code().into()),
        Some(o.country.to_string()), o.city.clone(), Some(crate::codec::list_json(&o.sectors)),
        Some(crate::codec::list_json(&o.languages)), o.description.clone(), o.website.clone(),
        o.contact.email.clone(), o.contact.phone.clone(), Some(if o.verified { "t" } else { "f" }.into()),
    ]
}

fn person_row(p: &Person) -> Vec<Option<String>> {
    vec![
        Some(p.id.to_string()), Some(p.name.clone()), Some(names_text(&p.names)), p.affiliation.as_ref().map(ToString::to_string),
        p.title.clone(), p.country.map(|c| c.to_string()), Some(serde_json::to_string(&p.expertise).unwrap_or_else(|_| "[]".into())),
        Some(crate::codec::list_json(&p.sectors)), Some(crate::codec::list_json(&p.languages)), p.bio.clone(),
        p.contact.email.clone(), p.contact.phone.clone(),
    ]
}

fn listing_row(l: &Listing) -> Vec<Option<String>> {
    vec![
        Some(l.id.to_string()), Some(l.owner.to_string()), Some(l.direction.code().into()), Some(l.category.code().into()),
        Some(l.title.clone()), Some(l.body.clone()), Some(l.language.to_string()), Some(crate::codec::list_json(&l.sectors)),
        Some(crate::codec::list_json(&l.target_countries)), Some(crate::codec::list_json(&l.target_groups)),
        l.expires.map(|d| d.to_string()), Some(l.status.code().into()),
    ]
}

fn tie_row(t: &TypedTie) -> Vec<Option<String>> {
    vec![
        Some(t.tie.id.to_string()), Some(t.tie.from.to_string()), Some(t.from_kind.code().into()), Some(t.tie.to.to_string()),
        Some(t.to_kind.code().into()), Some(t.tie.kind.code().into()), Some(t.tie.date.to_string()), t.tie.source.clone(),
        t.tie.evidence.clone(),
    ]
}

/// Streams `rows` into a temporary table with COPY, then upserts them into `table` in one
/// statement; returns (inserted, updated).
#[allow(clippy::too_many_arguments)]
fn copy_upsert<T>(
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    entity: &str,
    columns: &[(&str, &str)],
    rows: &[T],
    to_row: fn(&T) -> Vec<Option<String>>,
    now: &str,
    before_upsert: impl FnOnce(&mut postgres::Transaction<'_>, &str) -> Result<()>,
) -> Result<(u64, u64)> {
    let started = std::time::Instant::now();
    let staging = format!("bh_in_{table}");
    let defs: Vec<String> = columns.iter().map(|(c, t)| format!("{c} {t}")).collect();
    tx.batch_execute(&format!("CREATE TEMP TABLE {staging} ({}) ON COMMIT DROP", defs.join(", ")))?;
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    {
        let mut writer = tx.copy_in(&format!("COPY {staging} ({}) FROM STDIN", names.join(", ")))?;
        let mut buffer = Vec::with_capacity(1 << 20);
        for row in rows {
            let fields = to_row(row);
            let refs: Vec<Option<&str>> = fields.iter().map(|f| f.as_deref()).collect();
            copy_row(&mut buffer, &refs);
            if buffer.len() >= 1 << 20 {
                std::io::Write::write_all(&mut writer, &buffer).map_err(|e| StoreError::Decode(format!("COPY failed: {e}")))?;
                buffer.clear();
            }
        }
        std::io::Write::write_all(&mut writer, &buffer).map_err(|e| StoreError::Decode(format!("COPY failed: {e}")))?;
        writer.finish()?;
    }
    let copied = started.elapsed();
    before_upsert(tx, &staging)?;
    lock_change_log(tx)?;
    let sql = format!(
        "WITH written AS (INSERT INTO {table} ({cols}, version, created_at, updated_at) \
         SELECT {cols}, 1, $1, $1 FROM {staging} {conflict} RETURNING id, version), \
         logged AS (INSERT INTO changes (entity, id, op, at) SELECT '{entity}', id, 'upsert', $1 FROM written) \
         SELECT count(*) FILTER (WHERE version = 1), count(*) FROM written",
        cols = names.join(", "),
        conflict = conflict_clause(table, &names, OnConflict::Update),
    );
    let row = tx.query_one(&sql, &[&now]).map_err(map_constraint)?;
    let (inserted, written): (i64, i64) = (row.get(0), row.get(1));
    tracing::debug!(table, rows = rows.len(), copy_s = copied.as_secs_f64(), total_s = started.elapsed().as_secs_f64(), "import: table written");
    Ok((inserted as u64, (written - inserted) as u64))
}

/// Change-log rows must appear in commit order: transactions that log changes take this
/// lock just before their first change row and hold it until they commit.
const CHANGE_LOG_LOCK: i64 = 0x4272_6964_6743; // "BridgC"

pub(crate) fn lock_change_log(client: &mut impl GenericClient) -> Result<()> {
    client.execute("SELECT pg_advisory_xact_lock($1)", &[&CHANGE_LOG_LOCK])?;
    Ok(())
}

/// Records a committed change (it commits with the caller's transaction).
pub(crate) fn log_change(client: &mut impl GenericClient, entity: &str, id: &str, op: &str, now: &str) -> Result<()> {
    lock_change_log(client)?;
    client.execute("INSERT INTO changes (entity, id, op, at) VALUES ($1, $2, $3, $4)", &[&entity, &id, &op, &now])?;
    Ok(())
}

fn count(counts: &mut KindCounts, total: usize, (inserted, updated): (u64, u64)) {
    counts.inserted += inserted;
    counts.updated += updated;
    counts.unchanged += total as u64 - inserted - updated;
}

/// Both ends of every staged tie must exist as the kind of party the tie says.
fn check_staged_parties(tx: &mut postgres::Transaction<'_>, staging: &str) -> Result<()> {
    for (field, column, kind, table) in [
        ("from", "from_id", "organization", "organizations"),
        ("from", "from_id", "person", "people"),
        ("to", "to_id", "organization", "organizations"),
        ("to", "to_id", "person", "people"),
    ] {
        let type_column = if column == "from_id" { "from_type" } else { "to_type" };
        let missing = tx.query_opt(
            &format!(
                "SELECT s.{column} FROM {staging} s WHERE s.{type_column} = '{kind}' \
                 AND NOT EXISTS (SELECT 1 FROM {table} t WHERE t.id = s.{column}) LIMIT 1"
            ),
            &[],
        )?;
        if let Some(row) = missing {
            let kind = if kind == "person" { PartyKind::Person } else { PartyKind::Organization };
            return Err(StoreError::MissingReference { field, kind: kind.code(), id: row.get(0) });
        }
    }
    Ok(())
}

/// Takes `table` for a bulk load when it is empty: locks it against other writers (readers
/// go on) and checks again. True when the rows can go straight in.
fn claim_empty(tx: &mut postgres::Transaction<'_>, table: &str) -> Result<bool> {
    let is_empty = |tx: &mut postgres::Transaction<'_>| -> Result<bool> {
        Ok(tx.query_one(&format!("SELECT NOT EXISTS (SELECT 1 FROM {table})"), &[])?.get(0))
    };
    if !is_empty(tx)? {
        return Ok(false);
    }
    tx.batch_execute(&format!("LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE"))?;
    is_empty(tx)
}

/// A foreign key of a bulk-loaded table: `(column, field named in errors)`, referencing
/// `organizations (id)`.
type OrgReference = (&'static str, &'static str);

/// How [`copy_fresh`] checks the foreign keys of the rows it loads.
#[derive(Clone, Copy, PartialEq, Eq)]
enum ReferenceCheck {
    /// Row by row, by PostgreSQL's own foreign-key triggers.
    Triggers,
    /// With the triggers off for the COPY (`session_replication_role = replica`, which only
    /// a superuser may set) and one anti-join per foreign key afterwards. The referenced
    /// table must be locked against deletes by the caller.
    SetBased,
}

/// Streams `rows` with COPY straight into `table`, which [`claim_empty`] took: every row
/// is new, so there is nothing to compare or update; returns (inserted, updated).
#[allow(clippy::too_many_arguments)]
fn copy_fresh<T>(
    tx: &mut postgres::Transaction<'_>,
    table: &str,
    entity: &str,
    columns: &[(&str, &str)],
    rows: &[T],
    to_row: fn(&T) -> Vec<Option<String>>,
    now: &str,
    references: (&[OrgReference], ReferenceCheck),
    after_copy: impl FnOnce(&mut postgres::Transaction<'_>, &str) -> Result<()>,
) -> Result<(u64, u64)> {
    let started = std::time::Instant::now();
    let names: Vec<&str> = columns.iter().map(|(c, _)| *c).collect();
    let set_based = references.1 == ReferenceCheck::SetBased && !references.0.is_empty();
    if set_based {
        tx.batch_execute("SET LOCAL session_replication_role = replica")?;
    }
    {
        let mut writer = tx.copy_in(&format!("COPY {table} ({}, version, created_at, updated_at) FROM STDIN", names.join(", ")))?;
        let mut buffer = Vec::with_capacity(1 << 20);
        for row in rows {
            let fields = to_row(row);
            let mut refs: Vec<Option<&str>> = fields.iter().map(|f| f.as_deref()).collect();
            refs.extend([Some("1"), Some(now), Some(now)]);
            copy_row(&mut buffer, &refs);
            if buffer.len() >= 1 << 20 {
                std::io::Write::write_all(&mut writer, &buffer).map_err(|e| StoreError::Decode(format!("COPY failed: {e}")))?;
                buffer.clear();
            }
        }
        std::io::Write::write_all(&mut writer, &buffer).map_err(|e| StoreError::Decode(format!("COPY failed: {e}")))?;
        writer.finish().map_err(map_constraint)?;
    }
    if set_based {
        tx.batch_execute("SET LOCAL session_replication_role = origin")?;
        for (column, field) in references.0 {
            let missing = tx.query_opt(
                &format!(
                    "SELECT t.{column} FROM {table} t WHERE t.{column} IS NOT NULL \
                     AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = t.{column}) LIMIT 1"
                ),
                &[],
            )?;
            if let Some(row) = missing {
                return Err(StoreError::MissingReference { field, kind: "organization", id: row.get(0) });
            }
        }
    }
    let copied = started.elapsed();
    after_copy(tx, table)?;
    lock_change_log(tx)?;
    tx.execute(&format!("INSERT INTO changes (entity, id, op, at) SELECT '{entity}', id, 'upsert', $1 FROM {table}"), &[&now])?;
    tracing::debug!(table, rows = rows.len(), copy_s = copied.as_secs_f64(), total_s = started.elapsed().as_secs_f64(), "import: empty table loaded");
    Ok((rows.len() as u64, 0))
}

/// Writes a whole batch in one transaction, parents before children. A record type whose
/// table is empty (a first load) is streamed with COPY straight into it, under a lock that
/// keeps other writers out until the commit; otherwise its rows are streamed with COPY
/// into a temporary table and upserted from there in one statement (re-imports).
pub(crate) fn import(client: &mut Client, batch: &ImportBatch, progress: &mut dyn FnMut(u64)) -> Result<ImportCounts> {
    let now = now();
    let mut tx = client.transaction()?;
    // The reference checks and upserts hash-join whole tables: let them do it in memory
    // (for this transaction only).
    tx.batch_execute("SET LOCAL work_mem = '128MB'")?;
    let mut counts = ImportCounts::default();
    let mut written: u64 = 0;
    // Claim the empty tables first, before the change-log lock, in the order other
    // writers take their locks (table, then change log).
    let mut fresh = [false; 4];
    for (slot, (table, len)) in fresh.iter_mut().zip([
        ("organizations", batch.organizations.len()),
        ("people", batch.people.len()),
        ("listings", batch.listings.len()),
        ("ties", batch.ties.len()),
    ]) {
        *slot = len >= FRESH_LOAD_MIN && claim_empty(&mut tx, table)?;
    }
    // Foreign keys of freshly loaded people and listings: checked set-based when we may
    // switch the row triggers off (superuser) and can keep the organizations from being
    // deleted until we commit (the table is ours already, or we lock it now, before the
    // change-log lock, like any writer).
    let superuser = tx.query_one("SELECT current_setting('is_superuser') = 'on'", &[])?.get::<_, bool>(0);
    let check = if superuser && (fresh[1] || fresh[2]) {
        if !fresh[0] {
            tx.batch_execute("LOCK TABLE organizations IN SHARE ROW EXCLUSIVE MODE")?;
        }
        ReferenceCheck::SetBased
    } else {
        ReferenceCheck::Triggers
    };
    let none = |_: &mut postgres::Transaction<'_>, _: &str| Ok(());
    if !batch.organizations.is_empty() {
        let done = if fresh[0] {
            copy_fresh(&mut tx, "organizations", "organization", ORG, &batch.organizations, org_row, &now, (&[], check), none)?
        } else {
            copy_upsert(&mut tx, "organizations", "organization", ORG, &batch.organizations, org_row, &now, none)?
        };
        count(&mut counts.organizations, batch.organizations.len(), done);
        written += batch.organizations.len() as u64;
        progress(written);
    }
    if !batch.people.is_empty() {
        let done = if fresh[1] {
            copy_fresh(&mut tx, "people", "person", PERSON, &batch.people, person_row, &now, (&[("affiliation", "affiliation")], check), none)?
        } else {
            copy_upsert(&mut tx, "people", "person", PERSON, &batch.people, person_row, &now, none)?
        };
        count(&mut counts.people, batch.people.len(), done);
        written += batch.people.len() as u64;
        progress(written);
    }
    if !batch.listings.is_empty() {
        let done = if fresh[2] {
            copy_fresh(&mut tx, "listings", "listing", LISTING, &batch.listings, listing_row, &now, (&[("owner", "owner")], check), none)?
        } else {
            copy_upsert(&mut tx, "listings", "listing", LISTING, &batch.listings, listing_row, &now, none)?
        };
        count(&mut counts.listings, batch.listings.len(), done);
        written += batch.listings.len() as u64;
        progress(written);
    }
    if !batch.ties.is_empty() {
        let done = if fresh[3] {
            copy_fresh(&mut tx, "ties", "tie", TIE, &batch.ties, tie_row, &now, (&[], check), check_staged_parties)?
        } else {
            copy_upsert(&mut tx, "ties", "tie", TIE, &batch.ties, tie_row, &now, check_staged_parties)?
        };
        count(&mut counts.ties, batch.ties.len(), done);
        written += batch.ties.len() as u64;
        progress(written);
    }
    let committing = std::time::Instant::now();
    tx.commit()?;
    tracing::debug!(commit_s = committing.elapsed().as_secs_f64(), "import: committed");
    Ok(counts)
}

/// Rows of one type from which an import into an empty table loads it directly (smaller
/// batches take the general path and leave the table open to other writers).
const FRESH_LOAD_MIN: usize = 1_000;
