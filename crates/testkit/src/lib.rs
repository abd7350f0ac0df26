//! Test support: [`TestDb`] gives each test its own database, a SQLite file in a
//! temporary folder or a PostgreSQL database created on the server named by
//! `BRIDGEHUB_TEST_PG` (default `postgres://postgres@127.0.0.1:5432/test`, trust auth)
//! and dropped when the test ends. A missing PostgreSQL server fails the test with a
//! clear message; it is never skipped.
//!
//! [`backend_tests!`] runs one test body on both backends.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bridgehub_store::{PgStore, SqliteStore, Store};

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An SQLite file.
    Sqlite,
    /// A PostgreSQL database.
    Postgres,
}

/// The administrative connection used to create and drop test databases.
pub fn admin_url() -> String {
    std::env::var("BRIDGEHUB_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

fn admin_check() {
    let url = admin_url();
    if let Err(err) = postgres::Client::connect(&url, postgres::NoTls) {
        panic!(
            "PostgreSQL is required for the test suite but {url} cannot be reached ({err}); \
             start it (e.g. `pg_ctlcluster 15 main start`) or set BRIDGEHUB_TEST_PG"
        );
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A database that lives as long as the test.
pub struct TestDb {
    /// What to pass as `--db` / `Hub::open`: a file path or a `postgres://` URL.
    pub url: String,
    /// The backend.
    pub backend: Backend,
    dir: tempfile::TempDir,
    pg_database: Option<String>,
}

impl TestDb {
    /// A fresh, empty database on `backend`.
    pub fn new(backend: Backend) -> TestDb {
        let dir = tempfile::tempdir().expect("temporary folder");
        match backend {
            Backend::Sqlite => {
                let url = dir.path().join("hub.db").display().to_string();
                TestDb { url, backend, dir, pg_database: None }
            }
            Backend::Postgres => {
                let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
                let name = format!("bh_test_{}_{}_{nanos}", std::process::id(), COUNTER.fetch_add(1, Ordering::Relaxed));
                admin_check();
                let url = bridgehub_store::create_database(&admin_url(), &name)
                    .unwrap_or_else(|err| panic!("cannot create test database {name}: {err}"));
                TestDb { url, backend, dir, pg_database: Some(name) }
            }
        }
    }

    /// A folder for the test's other files.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Opens the store.
    pub fn store(&self) -> Arc<dyn Store> {
        match self.backend {
            Backend::Sqlite => Arc::new(SqliteStore::open(&self.url).expect("open SQLite store")),
            Backend::Postgres => Arc::new(PgStore::open(&self.url).expect("open PostgreSQL store")),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(name) = &self.pg_database {
            let _ = bridgehub_store::drop_database(&admin_url(), name);
        }
    }
}

/// Defines each test twice, in modules `sqlite` and `postgres`: the body gets a fresh
/// [`TestDb`] of that backend.
///
/// ```text
/// backend_tests! {
///     fn records_round_trip(db) { let store = db.store(); ... }
/// }
/// ```
#[macro_export]
macro_rules! backend_tests {
    ($(fn $name:ident($db:ident) $body:block)*) => {
        mod sqlite {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $name() {
                    let $db = $crate::TestDb::new($crate::Backend::Sqlite);
                    $body
                }
            )*
        }
        mod postgres {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $name() {
                    let $db = $crate::TestDb::new($crate::Backend::Postgres);
                    $body
                }
            )*
        }
    };
}
