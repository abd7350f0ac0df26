//! Tie reads and tie outcomes on SQLite.

use bridgehub_domain::Tie;
use rusqlite::{Connection, TransactionBehavior, params};

use crate::{Result, StoreError, TieOutcome, Versioned, codec};

pub(crate) fn tie(conn: &Connection, id: &str) -> Result<Option<Versioned<Tie>>> {
    let mut stmt = conn.prepare_cached("SELECT * FROM ties WHERE id = ?1")?;
    let mut rows = stmt.query([id])?;
    match rows.next()? {
        Some(row) => Ok(Some(codec::tie(row)?)),
        None => Ok(None),
    }
}

const OUTCOME_COLUMNS: &str =
    "tie_id, party, outcome, value, currency, note, recorded_by, recorded_on, recorded_at";

fn outcome_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TieOutcome> {
    Ok(TieOutcome {
        tie_id: row.get(0)?,
        party: row.get(1)?,
        outcome: row.get(2)?,
        value: row.get(3)?,
        currency: row.get(4)?,
        note: row.get(5)?,
        recorded_by: row.get(6)?,
        recorded_on: row.get(7)?,
        recorded_at: row.get(8)?,
    })
}

/// Records (or replaces) one party's outcome, bumps the tie's version and logs a tie
/// change, in one IMMEDIATE transaction.
pub(crate) fn record_outcome(
    conn: &mut Connection,
    outcome: &TieOutcome,
) -> Result<(Versioned<Tie>, TieOutcome)> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let now = codec::now();
    let Some(current) = tie(&tx, &outcome.tie_id)? else {
        return Err(StoreError::NotFound {
            kind: "tie",
            id: outcome.tie_id.clone(),
        });
    };
    if current.record.from.as_str() != outcome.party && current.record.to.as_str() != outcome.party
    {
        return Err(StoreError::MissingReference {
            field: "party",
            kind: "party of the tie",
            id: outcome.party.clone(),
        });
    }
    tx.prepare_cached(&format!(
        "INSERT INTO tie_outcomes ({OUTCOME_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) \
         ON CONFLICT (tie_id, party) DO UPDATE SET outcome = excluded.outcome, value = excluded.value, \
         currency = excluded.currency, note = excluded.note, recorded_by = excluded.recorded_by, \
         recorded_on = excluded.recorded_on, recorded_at = excluded.recorded_at"
    ))?
    .execute(params![
        outcome.tie_id,
        outcome.party,
        outcome.outcome,
        outcome.value,
        outcome.currency,
        outcome.note,
        outcome.recorded_by,
        outcome.recorded_on,
        now
    ])?;
    tx.execute(
        "UPDATE ties SET version = version + 1, updated_at = ?2 WHERE id = ?1",
        params![outcome.tie_id, now],
    )?;
    super::write::log_change(&tx, "tie", &outcome.tie_id, "upsert", &now)?;
    let updated = tie(&tx, &outcome.tie_id)?.ok_or_else(|| StoreError::NotFound {
        kind: "tie",
        id: outcome.tie_id.clone(),
    })?;
    tx.commit()?;
    Ok((
        updated,
        TieOutcome {
            recorded_at: now,
            ..outcome.clone()
        },
    ))
}

/// Outcomes of these ties (`None`: of every tie), by tie and party.
pub(crate) fn outcomes(conn: &Connection, tie_ids: Option<&[&str]>) -> Result<Vec<TieOutcome>> {
    match tie_ids {
        None => {
            let mut stmt = conn.prepare(&format!(
                "SELECT {OUTCOME_COLUMNS} FROM tie_outcomes ORDER BY tie_id, party"
            ))?;
            let rows = stmt.query_map([], outcome_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        }
        Some(ids) => {
            let json = serde_json::to_string(ids).map_err(|e| StoreError::Decode(e.to_string()))?;
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {OUTCOME_COLUMNS} FROM tie_outcomes WHERE tie_id IN (SELECT value FROM json_each(?1)) ORDER BY tie_id, party"
            ))?;
            let rows = stmt.query_map([json], outcome_row)?;
            Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
        }
    }
}
