//! The PostgreSQL backend, for hubs that outgrow one machine: several app nodes on one
//! database. Same tables and semantics as SQLite's; versioned migrations in
//! `migrations/postgres`, applied under an advisory lock so that nodes starting together
//! migrate once; a small connection pool; imports in batched `unnest` upserts.

mod accounts;
mod events;
mod query;
mod ties;
mod write;

use std::sync::Mutex;

use bridgehub_domain::{Listing, Organization, Person, Tie};
use postgres::{Client, NoTls};

use crate::codec::{Columns, JOB_COLUMNS};
use crate::{
    Change, Counts, ExportItem, Job, ImportBatch, ImportCounts, ListingQuery, OrgQuery, Page, PartyKind, PersonQuery,
    Result, Store, StoreError, TieQuery, Versioned,
};

const MAX_IDLE: usize = 8;
const MIGRATION_LOCK: i64 = 0x4272_6964_6765; // "Bridge"

const MIGRATIONS: &[(i32, &str)] = &[
    (1, include_str!("../../migrations/postgres/0001_init.sql")),
    (2, include_str!("../../migrations/postgres/0002_changes_jobs.sql")),
    (3, include_str!("../../migrations/postgres/0003_embeddings.sql")),
    (4, include_str!("../../migrations/postgres/0004_accounts.sql")),
    (5, include_str!("../../migrations/postgres/0005_events.sql")),
    (6, include_str!("../../migrations/postgres/0006_ties.sql")),
    (7, include_str!("../../migrations/postgres/0007_latent_terms.sql")),
    (8, include_str!("../../migrations/postgres/0008_fixed_slots.sql")),
    (9, include_str!("../../migrations/postgres/0009_request_order.sql")),
];

impl Columns for postgres::Row {
    fn text(&self, name: &str) -> Result<String> {
        Ok(self.try_get(name)?)
    }
    fn opt_text(&self, name: &str) -> Result<Option<String>> {
        Ok(self.try_get(name)?)
    }
    fn int(&self, name: &str) -> Result<i64> {
        Ok(self.try_get(name)?)
    }
    fn flag(&self, name: &str) -> Result<bool> {
        Ok(self.try_get(name)?)
    }
}

/// A hub database on a PostgreSQL server.
pub struct PgStore {
    url: String,
    pool: Mutex<Vec<Client>>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("url", &redact(&self.url)).finish()
    }
}

/// The URL without its password, for messages and logs.
pub(crate) fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{}@{}", &url[..scheme + 3], user, &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// `url` with its database name replaced.
pub fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    format!("{base}/{database}{query}")
}

/// Creates an empty database named `name` on the server of `admin_url`; returns its URL.
/// For tests and benchmarks: `name` must be a plain identifier.
pub fn create_database(admin_url: &str, name: &str) -> Result<String> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(StoreError::Corrupt(format!("\"{name}\" is not a plain database name")));
    }
    connect(admin_url)?.batch_execute(&format!("CREATE DATABASE {name}"))?;
    Ok(with_database(admin_url, name))
}

/// Drops a database made by [`create_database`], closing its connections.
pub fn drop_database(admin_url: &str, name: &str) -> Result<()> {
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(StoreError::Corrupt(format!("\"{name}\" is not a plain database name")));
    }
    connect(admin_url)?.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))?;
    Ok(())
}

fn connect(url: &str) -> Result<Client> {
    let mut client = Client::connect(url, NoTls).map_err(|err| {
        StoreError::Corrupt(format!("cannot connect to PostgreSQL at {}: {err}", redact(url)))
    })?;
    // Imports stage rows in temporary tables; keep them in memory rather than on disk.
    client.batch_execute("SET temp_buffers = '256MB'")?;
    Ok(client)
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/database`) and brings the schema up to date.
    pub fn open(url: &str) -> Result<Self> {
        let mut client = connect(url)?;
        migrate(&mut client)?;
        tracing::debug!(url = %redact(url), "postgres store open");
        Ok(PgStore { url: url.to_owned(), pool: Mutex::new(vec![client]) })
    }

    fn with_client<T>(&self, work: impl FnOnce(&mut Client) -> Result<T>) -> Result<T> {
        let pooled = self.pool.lock().ok().and_then(|mut pool| pool.pop());
        let mut client = match pooled {
            Some(client) if !client.is_closed() => client,
            _ => connect(&self.url)?,
        };
        let result = work(&mut client);
        if !client.is_closed()
            && let Ok(mut pool) = self.pool.lock()
                && pool.len() < MAX_IDLE {
                    pool.push(client);
                }
        result
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // A `postgres::Client` closes its connection on its own small runtime; dropped on an
        // async runtime's thread it would panic. Close the pool on a plain thread instead.
        let clients = self.pool.get_mut().map(std::mem::take).unwrap_or_default();
        if !clients.is_empty() {
            let _ = std::thread::spawn(move || drop(clients)).join();
        }
    }
}

fn migrate(client: &mut Client) -> Result<()> {
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
    )?;
    let current: i32 = tx.query_one("SELECT COALESCE(max(version), 0) FROM schema_migrations", &[])?.get(0);
    let known = MIGRATIONS.last().map(|(v, _)| *v).unwrap_or(0);
    if current > known {
        return Err(StoreError::Corrupt(format!(
            "the database has schema version {current}, newer than this program's {known}; upgrade bridgehub"
        )));
    }
    for (version, sql) in MIGRATIONS.iter().filter(|(v, _)| *v > current) {
        tx.batch_execute(sql)?;
        tx.execute("INSERT INTO schema_migrations (version) VALUES ($1)", &[version])?;
    }
    tx.commit()?;
    Ok(())
}

impl Store for PgStore {
    fn backend(&self) -> &'static str {
        "postgres"
    }

    fn import(&self, batch: &ImportBatch, progress: &mut dyn FnMut(u64)) -> Result<ImportCounts> {
        self.with_client(|client| write::import(client, batch, progress))
    }

    fn party_kinds(&self, ids: &[&str]) -> Result<Vec<(String, PartyKind)>> {
        self.with_client(|client| query::party_kinds(client, ids))
    }

    fn existing_listing_ids(&self, ids: &[&str]) -> Result<Vec<String>> {
        self.with_client(|client| query::existing_ids(client, "listings", ids))
    }

    fn organization(&self, id: &str) -> Result<Option<Versioned<Organization>>> {
        self.with_client(|client| query::organization(client, id, false))
    }

    fn insert_organization(&self, org: &Organization) -> Result<Versioned<Organization>> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            if !write::insert_organization(&mut tx, org)? {
                return Err(StoreError::IdTaken { kind: "organization", id: org.id.to_string() });
            }
            write::log_change(&mut tx, "organization", org.id.as_str(), "upsert", &crate::codec::now())?;
            let stored = query::organization(&mut tx, org.id.as_str(), false)?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("inserted organization vanished".into()))
        })
    }

    fn update_organization(&self, org: &Organization, expected_version: Option<i64>) -> Result<Versioned<Organization>> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let current = query::organization(&mut tx, org.id.as_str(), true)?
                .ok_or_else(|| StoreError::NotFound { kind: "organization", id: org.id.to_string() })?;
            crate::codec::check_version("organization", org.id.as_str(), expected_version, current.version)?;
            let now = crate::codec::now();
            if write::upsert_organization(&mut tx, org)? {
                write::log_change(&mut tx, "organization", org.id.as_str(), "upsert", &now)?;
            }
            let stored = query::organization(&mut tx, org.id.as_str(), false)?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("updated organization vanished".into()))
        })
    }

    fn delete_organization(&self, id: &str) -> Result<bool> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            write::lock_change_log(&mut tx)?;
            let now = crate::codec::now();
            // The cascade removes listings and ties too: log each of them.
            tx.execute(
                "INSERT INTO changes (entity, id, op, at) SELECT 'listing', id, 'delete', $2 FROM listings WHERE owner = $1",
                &[&id, &now],
            )?;
            tx.execute(
                "WITH gone AS (DELETE FROM ties WHERE from_id = $1 OR to_id = $1 RETURNING id) \
                 INSERT INTO changes (entity, id, op, at) SELECT 'tie', id, 'delete', $2 FROM gone",
                &[&id, &now],
            )?;
            let deleted = tx.execute("DELETE FROM organizations WHERE id = $1", &[&id])?;
            if deleted > 0 {
                write::log_change(&mut tx, "organization", id, "delete", &now)?;
            }
            tx.commit()?;
            Ok(deleted > 0)
        })
    }

    fn list_organizations(&self, q: &OrgQuery) -> Result<Page<Versioned<Organization>>> {
        self.with_client(|client| query::list_organizations(client, q))
    }

    fn person(&self, id: &str) -> Result<Option<Versioned<Person>>> {
        self.with_client(|client| query::person(client, id))
    }

    fn list_people(&self, q: &PersonQuery) -> Result<Page<Versioned<Person>>> {
        self.with_client(|client| query::list_people(client, q))
    }

    fn listing(&self, id: &str) -> Result<Option<Versioned<Listing>>> {
        self.with_client(|client| query::listing(client, id, false))
    }

    fn insert_listing(&self, listing: &Listing) -> Result<Versioned<Listing>> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            require_owner(&mut tx, listing)?;
            if !write::insert_listing(&mut tx, listing)? {
                return Err(StoreError::IdTaken { kind: "listing", id: listing.id.to_string() });
            }
            write::log_change(&mut tx, "listing", listing.id.as_str(), "upsert", &crate::codec::now())?;
            let stored = query::listing(&mut tx, listing.id.as_str(), false)?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("inserted listing vanished".into()))
        })
    }

    fn update_listing(&self, listing: &Listing, expected_version: Option<i64>) -> Result<Versioned<Listing>> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let current = query::listing(&mut tx, listing.id.as_str(), true)?
                .ok_or_else(|| StoreError::NotFound { kind: "listing", id: listing.id.to_string() })?;
            crate::codec::check_version("listing", listing.id.as_str(), expected_version, current.version)?;
            require_owner(&mut tx, listing)?;
            let now = crate::codec::now();
            if write::upsert_listing(&mut tx, listing)? {
                write::log_change(&mut tx, "listing", listing.id.as_str(), "upsert", &now)?;
            }
            let stored = query::listing(&mut tx, listing.id.as_str(), false)?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("updated listing vanished".into()))
        })
    }

    fn delete_listing(&self, id: &str) -> Result<bool> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let deleted = tx.execute("DELETE FROM listings WHERE id = $1", &[&id])? > 0;
            if deleted {
                write::log_change(&mut tx, "listing", id, "delete", &crate::codec::now())?;
            }
            tx.commit()?;
            Ok(deleted)
        })
    }

    fn list_listings(&self, q: &ListingQuery) -> Result<Page<Versioned<Listing>>> {
        self.with_client(|client| query::list_listings(client, q))
    }

    fn list_ties(&self, q: &TieQuery) -> Result<Page<Versioned<Tie>>> {
        self.with_client(|client| query::list_ties(client, q))
    }

    fn counts(&self) -> Result<Counts> {
        self.with_client(|client| {
            let row = client.query_one(
                "SELECT (SELECT count(*) FROM organizations), (SELECT count(*) FROM people), \
                 (SELECT count(*) FROM listings), (SELECT count(*) FROM ties)",
                &[],
            )?;
            Ok(Counts {
                organizations: row.get::<_, i64>(0) as u64,
                people: row.get::<_, i64>(1) as u64,
                listings: row.get::<_, i64>(2) as u64,
                ties: row.get::<_, i64>(3) as u64,
            })
        })
    }

    fn for_each_record(&self, visit: &mut dyn FnMut(ExportItem) -> Result<()>) -> Result<()> {
        self.with_client(|client| query::for_each_record(client, visit))
    }

    fn integrity_check(&self) -> Result<String> {
        self.with_client(|client| {
            // The foreign keys hold by construction; ties' two-table references are checked here.
            let orphans: i64 = client
                .query_one(
                    "SELECT count(*) FROM ties t WHERE \
                     (t.from_type = 'organization' AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = t.from_id)) OR \
                     (t.from_type = 'person' AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = t.from_id)) OR \
                     (t.to_type = 'organization' AND NOT EXISTS (SELECT 1 FROM organizations o WHERE o.id = t.to_id)) OR \
                     (t.to_type = 'person' AND NOT EXISTS (SELECT 1 FROM people p WHERE p.id = t.to_id))",
                    &[],
                )?
                .get(0);
            Ok(if orphans == 0 { "ok".into() } else { format!("{orphans} tie(s) refer to missing parties") })
        })
    }

    fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>> {
        self.with_client(|client| {
            let rows = client.query(
                "SELECT seq, entity, id, op, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2",
                &[&after, &i64::from(limit.clamp(1, 100_000))],
            )?;
            rows.iter().map(crate::codec::change).collect()
        })
    }

    fn last_change(&self) -> Result<i64> {
        self.with_client(|client| Ok(client.query_one("SELECT COALESCE(max(seq), 0)::bigint FROM changes", &[])?.get(0)))
    }

    fn enqueue_job(&self, kind: &str, payload: &str) -> Result<i64> {
        self.with_client(|client| {
            let now = crate::codec::now();
            Ok(client
                .query_one(
                    "INSERT INTO jobs (kind, payload, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING id",
                    &[&kind, &payload, &now],
                )?
                .get(0))
        })
    }

    fn claim_job(&self, worker: &str, kinds: &[&str], lease_seconds: u32) -> Result<Option<Job>> {
        self.with_client(|client| {
            let kinds: Vec<&str> = kinds.to_vec();
            let row = client.query_opt(
                &format!(
                    "UPDATE jobs SET status = 'running', locked_by = $1, locked_until = $2, attempts = attempts + 1, updated_at = $3 \
                     WHERE id = (SELECT id FROM jobs WHERE kind = ANY($4) \
                     AND (status = 'queued' OR (status = 'running' AND locked_until < $3)) \
                     ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING {JOB_COLUMNS}"
                ),
                &[&worker, &crate::codec::later(lease_seconds), &crate::codec::now(), &kinds],
            )?;
            row.as_ref().map(crate::codec::job).transpose()
        })
    }

    fn renew_job(&self, id: i64, worker: &str, lease_seconds: u32) -> Result<bool> {
        self.with_client(|client| {
            Ok(client.execute(
                "UPDATE jobs SET locked_until = $1, updated_at = $2 WHERE id = $3 AND locked_by = $4 AND status = 'running'",
                &[&crate::codec::later(lease_seconds), &crate::codec::now(), &id, &worker],
            )? > 0)
        })
    }

    fn finish_job(&self, id: i64, worker: &str, outcome: std::result::Result<&str, &str>) -> Result<bool> {
        let (status, result) = match outcome {
            Ok(result) => ("done", result),
            Err(message) => ("failed", message),
        };
        self.with_client(|client| {
            Ok(client.execute(
                "UPDATE jobs SET status = $1, result = $2, locked_until = NULL, updated_at = $3 \
                 WHERE id = $4 AND locked_by = $5 AND status = 'running'",
                &[&status, &result, &crate::codec::now(), &id, &worker],
            )? > 0)
        })
    }

    fn embeddings(&self, model: &str, listing_ids: &[&str]) -> Result<Vec<crate::StoredEmbedding>> {
        self.with_client(|client| {
            let ids: Vec<&str> = listing_ids.to_vec();
            let rows = client.query(
                "SELECT listing_id, text_hash, vector, latent FROM embeddings WHERE model = $1 AND listing_id = ANY($2)",
                &[&model, &ids],
            )?;
            Ok(rows
                .iter()
                .map(|row| crate::StoredEmbedding {
                    listing_id: row.get(0),
                    text_hash: row.get(1),
                    vector: crate::vector_from_bytes(row.get::<_, &[u8]>(2)),
                    latent: row.get::<_, Option<&[u8]>>(3).map(crate::latent_from_bytes),
                })
                .collect())
        })
    }

    fn put_embeddings(&self, model: &str, embeddings: &[crate::StoredEmbedding]) -> Result<()> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let statement = tx.prepare(
                "INSERT INTO embeddings (listing_id, model, text_hash, dim, vector, latent) \
                 SELECT $1, $2, $3, $4, $5, $6 WHERE EXISTS (SELECT 1 FROM listings WHERE id = $1) \
                 ON CONFLICT (listing_id, model) DO UPDATE SET text_hash = EXCLUDED.text_hash, dim = EXCLUDED.dim, vector = EXCLUDED.vector, latent = EXCLUDED.latent",
            )?;
            for e in embeddings {
                let dim = e.vector.len() as i32;
                let latent = e.latent.as_deref().map(crate::latent_bytes);
                tx.execute(&statement, &[&e.listing_id, &model, &e.text_hash, &dim, &crate::vector_bytes(&e.vector), &latent])?;
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn tie(&self, id: &str) -> Result<Option<Versioned<Tie>>> {
        self.with_client(|client| ties::tie(client, id, false))
    }

    fn record_tie_outcome(&self, outcome: &crate::TieOutcome) -> Result<(Versioned<Tie>, crate::TieOutcome)> {
        self.with_client(|client| ties::record_outcome(client, outcome))
    }

    fn tie_outcomes(&self, tie_ids: Option<&[&str]>) -> Result<Vec<crate::TieOutcome>> {
        self.with_client(|client| ties::outcomes(client, tie_ids))
    }

    fn job(&self, id: i64) -> Result<Option<Job>> {
        self.with_client(|client| {
            let row = client.query_opt(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = $1"), &[&id])?;
            row.as_ref().map(crate::codec::job).transpose()
        })
    }
}

fn require_owner(tx: &mut postgres::Transaction<'_>, listing: &Listing) -> Result<()> {
    if query::organization(tx, listing.owner.as_str(), false)?.is_none() {
        return Err(StoreError::MissingReference { field: "owner", kind: "organization", id: listing.owner.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{redact, with_database};

    #[test]
    fn the_database_name_is_replaced_in_urls() {
        assert_eq!(with_database("postgres://postgres@127.0.0.1:5432/test", "x"), "postgres://postgres@127.0.0.1:5432/x");
        assert_eq!(with_database("postgres://u@h/test?sslmode=disable", "x"), "postgres://u@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://u@h", "x"), "postgres://u@h/x");
    }

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(redact("postgres://hub:s3cret@db:5432/hub"), "postgres://hub@db:5432/hub");
        assert_eq!(redact("postgres://postgres@127.0.0.1/test"), "postgres://postgres@127.0.0.1/test");
    }
}
