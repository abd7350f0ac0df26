//! SQLite-only store tests (pragmas, schema versions); the backend-independent ones are
//! in `tests/it`, run on SQLite and PostgreSQL.

use super::SqliteStore;

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
