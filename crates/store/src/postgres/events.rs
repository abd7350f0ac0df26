//! [`crate::EventStore`] on the postgres backend: the shared SQL of `crate::events` run
//! over a PostgreSQL transaction (repeatable read for snapshots).

use postgres::Transaction;
use postgres::types::{ToSql, Type};

use super::PgStore;
use crate::Result;
use crate::events::{EventDb, Val, impl_event_store};

struct Db<'t, 'c>(&'t mut Transaction<'c>);

fn boxed(params: &[Val]) -> Vec<Box<dyn ToSql + Sync>> {
    params
        .iter()
        .map(|value| -> Box<dyn ToSql + Sync> {
            match value {
                Val::Text(text) => Box::new(text.clone()),
                Val::Int(int) => Box::new(*int),
            }
        })
        .collect()
}

impl EventDb for Db<'_, '_> {
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64> {
        let owned = boxed(params);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        Ok(self.0.execute(sql, &refs)?)
    }

    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>> {
        let owned = boxed(params);
        let refs: Vec<&(dyn ToSql + Sync)> = owned.iter().map(|b| b.as_ref()).collect();
        let rows = self.0.query(sql, &refs)?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let mut values = Vec::with_capacity(row.len());
            for (c, column) in row.columns().iter().enumerate() {
                let ty = column.type_();
                values.push(if *ty == Type::INT8 {
                    Val::Int(row.try_get::<_, Option<i64>>(c)?)
                } else if *ty == Type::INT4 {
                    Val::Int(row.try_get::<_, Option<i32>>(c)?.map(i64::from))
                } else {
                    Val::Text(row.try_get::<_, Option<String>>(c)?)
                });
            }
            out.push(values);
        }
        Ok(out)
    }
}

impl PgStore {
    fn event_tx<T>(
        &self,
        write: bool,
        work: impl FnOnce(&mut dyn EventDb) -> Result<T>,
    ) -> Result<T> {
        self.with_client(|client| {
            let mut tx = if write {
                client.transaction()?
            } else {
                client
                    .build_transaction()
                    .isolation_level(postgres::IsolationLevel::RepeatableRead)
                    .read_only(true)
                    .start()?
            };
            let result = work(&mut Db(&mut tx))?;
            tx.commit()?;
            Ok(result)
        })
    }
}

impl_event_store!(PgStore);
