//! Tie reads and tie outcomes on PostgreSQL.

use bridgehub_domain::Tie;
use postgres::{Client, GenericClient};

use super::query::TIE_COLUMNS;
use crate::{Result, StoreError, TieOutcome, Versioned, codec};

pub(crate) fn tie(
    client: &mut impl GenericClient,
    id: &str,
    for_update: bool,
) -> Result<Option<Versioned<Tie>>> {
    let lock = if for_update { " FOR UPDATE" } else { "" };
    let row = client.query_opt(
        &format!("SELECT {TIE_COLUMNS} FROM ties WHERE id = $1{lock}"),
        &[&id],
    )?;
    row.as_ref().map(codec::tie).transpose()
}

const OUTCOME_COLUMNS: &str =
    "tie_id, party, outcome, value, currency, note, recorded_by, recorded_on, recorded_at";

fn outcome_row(row: &postgres::Row) -> Result<TieOutcome> {
    Ok(TieOutcome {
        tie_id: row.try_get(0)?,
        party: row.try_get(1)?,
        outcome: row.try_get(2)?,
        value: row.try_get(3)?,
        currency: row.try_get(4)?,
        note: row.try_get(5)?,
        recorded_by: row.try_get(6)?,
        recorded_on: row.try_get(7)?,
        recorded_at: row.try_get(8)?,
    })
}

/// Records (or replaces) one party's outcome, bumps the tie's version and logs a tie
/// change, in one transaction (change log locked first, as every logged write does).
pub(crate) fn record_outcome(
    client: &mut Client,
    outcome: &TieOutcome,
) -> Result<(Versioned<Tie>, TieOutcome)> {
    let mut tx = client.transaction()?;
    super::write::lock_change_log(&mut tx)?;
    let now = codec::now();
    let Some(current) = tie(&mut tx, &outcome.tie_id, true)? else {
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
    tx.execute(
        &format!(
            "INSERT INTO tie_outcomes ({OUTCOME_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
             ON CONFLICT (tie_id, party) DO UPDATE SET outcome = excluded.outcome, value = excluded.value, \
             currency = excluded.currency, note = excluded.note, recorded_by = excluded.recorded_by, \
             recorded_on = excluded.recorded_on, recorded_at = excluded.recorded_at"
        ),
        &[
            &outcome.tie_id,
            &outcome.party,
            &outcome.outcome,
            &outcome.value,
            &outcome.currency,
            &outcome.note,
            &outcome.recorded_by,
            &outcome.recorded_on,
            &now,
        ],
    )?;
    tx.execute(
        "UPDATE ties SET version = version + 1, updated_at = $2 WHERE id = $1",
        &[&outcome.tie_id, &now],
    )?;
    super::write::log_change(&mut tx, "tie", &outcome.tie_id, "upsert", &now)?;
    let updated = tie(&mut tx, &outcome.tie_id, false)?.ok_or_else(|| StoreError::NotFound {
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
pub(crate) fn outcomes(
    client: &mut impl GenericClient,
    tie_ids: Option<&[&str]>,
) -> Result<Vec<TieOutcome>> {
    let rows = match tie_ids {
        None => client.query(
            &format!("SELECT {OUTCOME_COLUMNS} FROM tie_outcomes ORDER BY tie_id, party"),
            &[],
        )?,
        Some(ids) => {
            let ids: Vec<String> = ids.iter().map(|s| (*s).to_owned()).collect();
            client.query(
                &format!("SELECT {OUTCOME_COLUMNS} FROM tie_outcomes WHERE tie_id = ANY($1) ORDER BY tie_id, party"),
                &[&ids],
            )?
        }
    };
    rows.iter().map(outcome_row).collect()
}
