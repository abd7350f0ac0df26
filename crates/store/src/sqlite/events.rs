//! [`crate::EventStore`] on the sqlite backend: the shared SQL of `crate::events` run over
//! a rusqlite transaction (`$n` placeholders become `?n`).

use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, Value, ValueRef};

use super::SqliteStore;
use crate::events::{EventDb, Val, impl_event_store};
use crate::{Result, StoreError};

struct Db<'c>(&'c Connection);

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self {
            Val::Text(Some(text)) => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
            Val::Int(Some(value)) => ToSqlOutput::Owned(Value::Integer(*value)),
            Val::Text(None) | Val::Int(None) => ToSqlOutput::Owned(Value::Null),
        })
    }
}

fn sql(text: &str) -> String {
    text.replace('$', "?")
}

impl EventDb for Db<'_> {
    fn exec(&mut self, text: &str, params: &[Val]) -> Result<u64> {
        let mut stmt = self.0.prepare_cached(&sql(text))?;
        Ok(stmt.execute(rusqlite::params_from_iter(params.iter()))? as u64)
    }

    fn rows(&mut self, text: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
        let mut stmt = self.0.prepare_cached(&sql(text))?;
        let columns = stmt.column_count();
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut values = Vec::with_capacity(columns);
            for c in 0..columns {
                values.push(match row.get_ref(c)? {
                    ValueRef::Null => Val::Text(None),
                    ValueRef::Integer(value) => Val::Int(Some(value)),
                    ValueRef::Real(value) => Val::Text(Some(value.to_string())),
                    ValueRef::Text(bytes) => Val::Text(Some(
                        String::from_utf8(bytes.to_vec())
                            .map_err(|e| StoreError::Decode(e.to_string()))?,
                    )),
                    ValueRef::Blob(_) => return Err(StoreError::Decode("unexpected blob".into())),
                });
            }
            out.push(values);
        }
        Ok(out)
    }
}

impl SqliteStore {
    fn event_tx<T>(
        &self,
        write: bool,
        work: impl FnOnce(&mut dyn EventDb) -> Result<T>,
    ) -> Result<T> {
        if write {
            self.with_writer(|conn| {
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let result = work(&mut Db(&tx))?;
                tx.commit()?;
                Ok(result)
            })
        } else {
            self.with_reader(|conn| {
                // One read transaction: a consistent snapshot.
                conn.execute_batch("BEGIN")?;
                let result = work(&mut Db(conn));
                conn.execute_batch("COMMIT")?;
                result
            })
        }
    }
}

impl_event_store!(SqliteStore);
