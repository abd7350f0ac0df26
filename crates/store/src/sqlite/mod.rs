//! The SQLite backend: WAL journal, `synchronous=FULL`, foreign keys on, one writer
//! connection behind a mutex, a small pool of read connections, versioned migrations.


mod accounts;
mod events;
mod query;
mod ties;
mod write;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use bridgehub_domain::{Listing, Organization, Person, Tie};
use rusqlite::{Connection, OpenFlags, OptionalExtension};
use rusqlite_migration::{Migrations, M};

use crate::codec::JOB_COLUMNS;
use crate::{
    Change, Counts, ExportItem, Job, ImportBatch, ImportCounts, ListingQuery, OrgQuery, Page, PartyKind, PersonQuery,
    Result, Store, StoreError, TieQuery, Versioned,
};

const MAX_IDLE_READERS: usize = 8;

/// The schema, one script per version (`PRAGMA user_version` counts those applied).
const MIGRATIONS: [&str; 9] = [
    include_str!("../../migrations/sqlite/0001_init.sql"),
    include_str!("../../migrations/sqlite/0002_changes_jobs.sql"),
    include_str!("../../migrations/sqlite/0003_embeddings.sql"),
    include_str!("../../migrations/sqlite/0004_accounts.sql"),
    include_str!("../../migrations/sqlite/0005_events.sql"),
    include_str!("../../migrations/sqlite/0006_ties.sql"),
    include_str!("../../migrations/sqlite/0007_latent_terms.sql"),
    include_str!("../../migrations/sqlite/0008_fixed_slots.sql"),
    include_str!("../../migrations/sqlite/0009_request_order.sql"),
];

fn migrations() -> Migrations<'static> {
    Migrations::new(MIGRATIONS.iter().map(|sql| M::up(sql)).collect())
}

/// The embedded store: one SQLite file.
pub struct SqliteStore {
    path: PathBuf,
    // Readers are declared (so dropped) before the writer: the last connection to close
    // checkpoints the WAL, and read-only connections cannot.
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Connection>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.path).finish()
    }
}

/// Page cache of the writer: large imports write faster with more of the B-trees cached.
const WRITER_CACHE_KIB: i64 = 65_536;
/// Page cache of each read connection. Readers mostly look up rows by key or stream a
/// table once (building the match index), and the kernel's page cache holds the file
/// anyway; a 64 MiB cache per reader kept up to 64 MiB per pooled reader resident after a
/// start had read the whole hub.
const READER_CACHE_KIB: i64 = 8_192;

fn configure(conn: &Connection, cache_kib: i64) -> Result<()> {
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    Ok(())
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and brings its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        let mut writer = Connection::open(&path)?;
        let mode: String = writer.pragma_update_and_check(None, "journal_mode", "WAL", |row| row.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Corrupt(format!("could not switch {} to WAL mode (got {mode})", path.display())));
        }
        configure(&writer, WRITER_CACHE_KIB)?;
        let current: i64 = writer.pragma_query_value(None, "user_version", |row| row.get(0))?;
        let known = MIGRATIONS.len() as i64;
        if current > known {
            return Err(StoreError::Corrupt(format!(
                "{} has schema version {current}, newer than this program's {known}; upgrade bridgehub",
                path.display()
            )));
        }
        migrations().to_latest(&mut writer)?;
        tracing::debug!(path = %path.display(), "sqlite store open");
        Ok(SqliteStore { path, writer: Mutex::new(writer), readers: Mutex::new(Vec::new()) })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn with_writer<T>(&self, work: impl FnOnce(&mut Connection) -> Result<T>) -> Result<T> {
        let mut conn = self.writer.lock().map_err(|_| StoreError::Corrupt("writer lock poisoned".into()))?;
        work(&mut conn)
    }

    fn with_reader<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let pooled = self.readers.lock().ok().and_then(|mut pool| pool.pop());
        let conn = match pooled {
            Some(conn) => conn,
            None => {
                let conn = Connection::open_with_flags(
                    &self.path,
                    OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX | OpenFlags::SQLITE_OPEN_URI,
                )?;
                configure(&conn, READER_CACHE_KIB)?;
                conn
            }
        };
        let result = work(&conn);
        if let Ok(mut pool) = self.readers.lock()
            && pool.len() < MAX_IDLE_READERS {
                pool.push(conn);
            }
        result
    }
}

impl Store for SqliteStore {
    fn backend(&self) -> &'static str {
        "sqlite"
    }

    fn import(&self, batch: &ImportBatch, progress: &mut dyn FnMut(u64)) -> Result<ImportCounts> {
        self.with_writer(|conn| write::import(conn, batch, progress))
    }

    fn party_kinds(&self, ids: &[&str]) -> Result<Vec<(String, PartyKind)>> {
        self.with_reader(|conn| query::party_kinds(conn, ids))
    }

    fn existing_listing_ids(&self, ids: &[&str]) -> Result<Vec<String>> {
        self.with_reader(|conn| query::existing_ids(conn, "listings", ids))
    }

    fn organization(&self, id: &str) -> Result<Option<Versioned<Organization>>> {
        self.with_reader(|conn| query::organization(conn, id))
    }

    fn insert_organization(&self, org: &Organization) -> Result<Versioned<Organization>> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if query::organization(&tx, org.id.as_str())?.is_some() {
                return Err(StoreError::IdTaken { kind: "organization", id: org.id.to_string() });
            }
            let now = write::now();
            write::upsert_organization(&tx, org, &now)?;
            let stored = query::organization(&tx, org.id.as_str())?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("inserted organization vanished".into()))
        })
    }

    fn update_organization(&self, org: &Organization, expected_version: Option<i64>) -> Result<Versioned<Organization>> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current = query::organization(&tx, org.id.as_str())?
                .ok_or_else(|| StoreError::NotFound { kind: "organization", id: org.id.to_string() })?;
            crate::codec::check_version("organization", org.id.as_str(), expected_version, current.version)?;
            write::upsert_organization(&tx, org, &write::now())?;
            let stored = query::organization(&tx, org.id.as_str())?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("updated organization vanished".into()))
        })
    }

    fn delete_organization(&self, id: &str) -> Result<bool> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now = write::now();
            // The cascade removes listings and ties too: log each of them.
            for (entity, sql) in [
                ("listing", "SELECT id FROM listings WHERE owner = ?1"),
                ("tie", "SELECT id FROM ties WHERE from_id = ?1 OR to_id = ?1"),
            ] {
                let ids: Vec<String> = tx.prepare(sql)?.query_map([id], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
                for dependant in ids {
                    write::log_change(&tx, entity, &dependant, "delete", &now)?;
                }
            }
            tx.execute("DELETE FROM ties WHERE from_id = ?1 OR to_id = ?1", [id])?;
            let deleted = tx.execute("DELETE FROM organizations WHERE id = ?1", [id])?;
            if deleted > 0 {
                write::log_change(&tx, "organization", id, "delete", &now)?;
            }
            tx.commit()?;
            Ok(deleted > 0)
        })
    }

    fn list_organizations(&self, q: &OrgQuery) -> Result<Page<Versioned<Organization>>> {
        self.with_reader(|conn| query::list_organizations(conn, q))
    }

    fn person(&self, id: &str) -> Result<Option<Versioned<Person>>> {
        self.with_reader(|conn| query::person(conn, id))
    }

    fn list_people(&self, q: &PersonQuery) -> Result<Page<Versioned<Person>>> {
        self.with_reader(|conn| query::list_people(conn, q))
    }

    fn listing(&self, id: &str) -> Result<Option<Versioned<Listing>>> {
        self.with_reader(|conn| query::listing(conn, id))
    }

    fn insert_listing(&self, listing: &Listing) -> Result<Versioned<Listing>> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            if query::listing(&tx, listing.id.as_str())?.is_some() {
                return Err(StoreError::IdTaken { kind: "listing", id: listing.id.to_string() });
            }
            require_owner(&tx, listing)?;
            write::upsert_listing(&tx, listing, &write::now())?;
            let stored = query::listing(&tx, listing.id.as_str())?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("inserted listing vanished".into()))
        })
    }

    fn update_listing(&self, listing: &Listing, expected_version: Option<i64>) -> Result<Versioned<Listing>> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current = query::listing(&tx, listing.id.as_str())?
                .ok_or_else(|| StoreError::NotFound { kind: "listing", id: listing.id.to_string() })?;
            crate::codec::check_version("listing", listing.id.as_str(), expected_version, current.version)?;
            require_owner(&tx, listing)?;
            write::upsert_listing(&tx, listing, &write::now())?;
            let stored = query::listing(&tx, listing.id.as_str())?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("updated listing vanished".into()))
        })
    }

    fn delete_listing(&self, id: &str) -> Result<bool> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let deleted = tx.execute("DELETE FROM listings WHERE id = ?1", [id])? > 0;
            if deleted {
                write::log_change(&tx, "listing", id, "delete", &write::now())?;
            }
            tx.commit()?;
            Ok(deleted)
        })
    }

    fn list_listings(&self, q: &ListingQuery) -> Result<Page<Versioned<Listing>>> {
        self.with_reader(|conn| query::list_listings(conn, q))
    }

    fn list_ties(&self, q: &TieQuery) -> Result<Page<Versioned<Tie>>> {
        self.with_reader(|conn| query::list_ties(conn, q))
    }

    fn counts(&self) -> Result<Counts> {
        self.with_reader(|conn| {
            let count = |table: &str| -> Result<u64> {
                Ok(conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| row.get::<_, i64>(0))? as u64)
            };
            Ok(Counts {
                organizations: count("organizations")?,
                people: count("people")?,
                listings: count("listings")?,
                ties: count("ties")?,
            })
        })
    }

    fn for_each_record(&self, visit: &mut dyn FnMut(ExportItem) -> Result<()>) -> Result<()> {
        self.with_reader(|conn| {
            // One read transaction: the export is a consistent snapshot.
            conn.execute_batch("BEGIN")?;
            let result = query::for_each_record(conn, visit);
            conn.execute_batch("COMMIT")?;
            result
        })
    }

    fn integrity_check(&self) -> Result<String> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let lines: Vec<String> = stmt.query_map([], |row| row.get(0))?.collect::<rusqlite::Result<_>>()?;
            let fk: Option<String> = conn
                .query_row("PRAGMA foreign_key_check", [], |row| row.get::<_, String>(0))
                .optional()?;
            let mut report = lines.join("\n");
            if let Some(table) = fk {
                report.push_str(&format!("\nforeign key violation in {table}"));
            }
            Ok(report)
        })
    }

    fn changes_since(&self, after: i64, limit: u32) -> Result<Vec<Change>> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached("SELECT seq, entity, id, op, at FROM changes WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
            let mut rows = stmt.query(rusqlite::params![after, limit.clamp(1, 100_000)])?;
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(crate::codec::change(row)?);
            }
            Ok(out)
        })
    }

    fn last_change(&self) -> Result<i64> {
        self.with_reader(|conn| Ok(conn.query_row("SELECT COALESCE(max(seq), 0) FROM changes", [], |r| r.get(0))?))
    }

    fn enqueue_job(&self, kind: &str, payload: &str) -> Result<i64> {
        self.with_writer(|conn| {
            let now = write::now();
            conn.execute(
                "INSERT INTO jobs (kind, payload, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)",
                rusqlite::params![kind, payload, now],
            )?;
            Ok(conn.last_insert_rowid())
        })
    }

    fn claim_job(&self, worker: &str, kinds: &[&str], lease_seconds: u32) -> Result<Option<Job>> {
        self.with_writer(|conn| {
            // One writer: the IMMEDIATE transaction is the lock.
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now = write::now();
            let kinds_json = serde_json::to_string(kinds).unwrap_or_else(|_| "[]".into());
            let sql = format!(
                "UPDATE jobs SET status = 'running', locked_by = ?1, locked_until = ?2, attempts = attempts + 1, updated_at = ?3 \
                 WHERE id = (SELECT id FROM jobs WHERE kind IN (SELECT value FROM json_each(?4)) \
                 AND (status = 'queued' OR (status = 'running' AND locked_until < ?3)) ORDER BY id LIMIT 1) \
                 RETURNING {JOB_COLUMNS}"
            );
            let job = {
                let mut stmt = tx.prepare(&sql)?;
                let mut rows = stmt.query(rusqlite::params![worker, crate::codec::later(lease_seconds), now, kinds_json])?;
                match rows.next()? {
                    Some(row) => Some(crate::codec::job(row)?),
                    None => None,
                }
            };
            tx.commit()?;
            Ok(job)
        })
    }

    fn renew_job(&self, id: i64, worker: &str, lease_seconds: u32) -> Result<bool> {
        self.with_writer(|conn| {
            Ok(conn.execute(
                "UPDATE jobs SET locked_until = ?1, updated_at = ?2 WHERE id = ?3 AND locked_by = ?4 AND status = 'running'",
                rusqlite::params![crate::codec::later(lease_seconds), write::now(), id, worker],
            )? > 0)
        })
    }

    fn finish_job(&self, id: i64, worker: &str, outcome: std::result::Result<&str, &str>) -> Result<bool> {
        let (status, result) = match outcome {
            Ok(result) => ("done", result),
            Err(message) => ("failed", message),
        };
        self.with_writer(|conn| {
            Ok(conn.execute(
                "UPDATE jobs SET status = ?1, result = ?2, locked_until = NULL, updated_at = ?3 \
                 WHERE id = ?4 AND locked_by = ?5 AND status = 'running'",
                rusqlite::params![status, result, write::now(), id, worker],
            )? > 0)
        })
    }

    fn embeddings(&self, model: &str, listing_ids: &[&str]) -> Result<Vec<crate::StoredEmbedding>> {
        self.with_reader(|conn| {
            let ids = serde_json::to_string(listing_ids).unwrap_or_else(|_| "[]".into());
            let mut stmt = conn.prepare_cached(
                "SELECT listing_id, text_hash, vector, latent FROM embeddings WHERE model = ?1 AND listing_id IN (SELECT value FROM json_each(?2))",
            )?;
            let rows = stmt.query_map(rusqlite::params![model, ids], |row| {
                Ok(crate::StoredEmbedding {
                    listing_id: row.get(0)?,
                    text_hash: row.get(1)?,
                    vector: crate::vector_from_bytes(&row.get::<_, Vec<u8>>(2)?),
                    latent: row.get::<_, Option<Vec<u8>>>(3)?.as_deref().map(crate::latent_from_bytes),
                })
            })?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        })
    }

    fn put_embeddings(&self, model: &str, embeddings: &[crate::StoredEmbedding]) -> Result<()> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            {
                let mut stmt = tx.prepare_cached(
                    "INSERT INTO embeddings (listing_id, model, text_hash, dim, vector, latent) \
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6 WHERE EXISTS (SELECT 1 FROM listings WHERE id = ?1) \
                     ON CONFLICT (listing_id, model) DO UPDATE SET text_hash = excluded.text_hash, dim = excluded.dim, vector = excluded.vector, latent = excluded.latent",
                )?;
                for e in embeddings {
                    let latent = e.latent.as_deref().map(crate::latent_bytes);
                    stmt.execute(rusqlite::params![e.listing_id, model, e.text_hash, e.vector.len() as i64, crate::vector_bytes(&e.vector), latent])?;
                }
            }
            tx.commit()?;
            Ok(())
        })
    }

    fn tie(&self, id: &str) -> Result<Option<Versioned<Tie>>> {
        self.with_reader(|conn| ties::tie(conn, id))
    }

    fn record_tie_outcome(&self, outcome: &crate::TieOutcome) -> Result<(Versioned<Tie>, crate::TieOutcome)> {
        self.with_writer(|conn| ties::record_outcome(conn, outcome))
    }

    fn tie_outcomes(&self, tie_ids: Option<&[&str]>) -> Result<Vec<crate::TieOutcome>> {
        self.with_reader(|conn| ties::outcomes(conn, tie_ids))
    }

    fn job(&self, id: i64) -> Result<Option<Job>> {
        self.with_reader(|conn| {
            let mut stmt = conn.prepare_cached(&format!("SELECT {JOB_COLUMNS} FROM jobs WHERE id = ?1"))?;
            let mut rows = stmt.query([id])?;
            match rows.next()? {
                Some(row) => Ok(Some(crate::codec::job(row)?)),
                None => Ok(None),
            }
        })
    }
}

fn require_owner(conn: &Connection, listing: &Listing) -> Result<()> {
    if query::organization(conn, listing.owner.as_str())?.is_none() {
        return Err(StoreError::MissingReference { field: "owner", kind: "organization", id: listing.owner.to_string() });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
