//! SQLite-only store tests (pragmas, schema versions); the backend-independent ones are
//! in `tests/it`, run on SQLite and PostgreSQL.

use super::{SqliteStore, MIGRATIONS};

fn store() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("hub.db")).unwrap();
    (dir, store)
}

#[test]
fn the_database_runs_in_wal_mode_with_full_sync_and_foreign_keys() {
    let (_dir, store) = store();
    store
        .with_writer(|conn| {
            let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
            let sync: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
            let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
            assert_eq!((mode.as_str(), sync, fk), ("wal", 2, 1));
            Ok(())
        })
        .unwrap();
}

#[test]
fn a_newer_schema_is_refused_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(err.to_string().contains("schema version 99, newer than this program's"), "{err}");
}

#[test]
fn a_database_of_the_previous_schema_upgrades_and_keeps_its_vectors() {
    use crate::Store;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hub.db");
    {
        // Schema 6 with one stored vector, as a hub before latent terms left it.
        let mut conn = rusqlite::Connection::open(&path).unwrap();
        rusqlite_migration::Migrations::new(MIGRATIONS[..6].iter().map(|sql| rusqlite_migration::M::up(sql)).collect()).to_latest(&mut conn).unwrap();
        conn.execute_batch(
            "INSERT INTO organizations (id, name, kind, country, created_at, updated_at) VALUES ('o1', 'O', 'enterprise', 'VN', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
             INSERT INTO listings (id, owner, direction, category, title, body, language, created_at, updated_at)
                 VALUES ('l1', 'o1', 'offer', 'service', 'T', 'B', 'vi', '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z');
             INSERT INTO embeddings (listing_id, model, text_hash, dim, vector) VALUES ('l1', 'e5', 'h', 1, x'0000803f');",
        )
        .unwrap();
    }
    let store = SqliteStore::open(&path).unwrap();
    let version: i64 = store.with_reader(|conn| Ok(conn.pragma_query_value(None, "user_version", |row| row.get(0))?)).unwrap();
    assert_eq!(version, MIGRATIONS.len() as i64);
    let stored = store.embeddings("e5", &["l1"]).unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!((stored[0].vector.as_slice(), stored[0].latent.as_ref()), (&[1.0_f32][..], None));
}
