//! The Bridgehub JSON instance format (issue 4 §3) and the result format.
//!
//! Instance: `{"mode": "max_weight"|"all", "fairness": d?, "slots": [{"id", "session"}],
//! "tables": L, "participants": [{"id", "unavailable": [slot ids], "max_meetings"?}],
//! "requests": [{"id", "a", "b", "weight", "session": "am"|"pm"|"any", "fixed": slot id?}],
//! "precedences": [{"before": request id, "after": request id}]?,
//! "previous": [{"meeting": request id, "slot": slot id}]?}`. Ids are numbers or strings and
//! are echoed back in the same form.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use thiserror::Error;

use super::{Id, Instance};
use crate::model::{
    DEFAULT_FAIRNESS, MAX_SLOTS, Mode, Participant, Problem, Request, Session, SessionRule,
};
use crate::solve::Outcome;

/// A JSON instance that cannot be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum JsonError {
    /// Not JSON, or not the expected shape.
    #[error("invalid instance JSON: {0}")]
    Syntax(#[from] serde_json::Error),
    /// A field with a bad value.
    #[error("{field}: {problem}")]
    Field {
        /// Path of the field, e.g. `requests[3].a`.
        field: String,
        /// What is wrong.
        problem: String,
    },
}

#[derive(Deserialize, Serialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "snake_case")]
enum ModeName {
    #[default]
    MaxWeight,
    All,
}

#[derive(Deserialize, Serialize, Clone, Copy, PartialEq, Eq, Debug, Default)]
#[serde(rename_all = "snake_case")]
enum SessionName {
    #[default]
    Any,
    Am,
    Pm,
}

#[derive(Deserialize, Serialize, Debug)]
struct SlotJson {
    id: Id,
    #[serde(default)]
    session: SessionName,
}

#[derive(Deserialize, Serialize, Debug)]
struct ParticipantJson {
    id: Id,
    #[serde(default)]
    unavailable: Vec<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_meetings: Option<usize>,
}

fn one() -> u64 {
    1
}

#[derive(Deserialize, Serialize, Debug)]
struct RequestJson {
    id: Id,
    a: Id,
    b: Id,
    #[serde(default = "one")]
    weight: u64,
    #[serde(default)]
    session: SessionName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fixed: Option<Id>,
}

#[derive(Deserialize, Serialize, Debug)]
struct PrecedenceJson {
    before: Id,
    after: Id,
}

#[derive(Deserialize, Serialize, Debug)]
struct PreviousJson {
    meeting: Id,
    slot: Id,
}

#[derive(Deserialize, Serialize, Debug)]
struct InstanceJson {
    #[serde(default)]
    mode: ModeName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fairness: Option<u32>,
    slots: Vec<SlotJson>,
    tables: usize,
    participants: Vec<ParticipantJson>,
    requests: Vec<RequestJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    precedences: Vec<PrecedenceJson>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    previous: Vec<PreviousJson>,
}

fn index_of(ids: &[Id], what: &str) -> Result<HashMap<Id, usize>, JsonError> {
    let mut map = HashMap::with_capacity(ids.len());
    for (index, id) in ids.iter().enumerate() {
        if map.insert(id.clone(), index).is_some() {
            return Err(JsonError::Field {
                field: format!("{what}[{index}].id"),
                problem: format!("duplicate id {id}"),
            });
        }
    }
    Ok(map)
}

fn lookup(
    map: &HashMap<Id, usize>,
    id: &Id,
    field: String,
    what: &str,
) -> Result<usize, JsonError> {
    map.get(id).copied().ok_or_else(|| JsonError::Field {
        field,
        problem: format!("unknown {what} id {id}"),
    })
}

/// Parses a Bridgehub JSON instance.
pub fn parse_json(text: &str) -> Result<Instance, JsonError> {
    let raw: InstanceJson = serde_json::from_str(text)?;
    if raw.slots.is_empty() || raw.slots.len() > MAX_SLOTS {
        return Err(JsonError::Field {
            field: "slots".into(),
            problem: format!("between 1 and {MAX_SLOTS} slots are needed"),
        });
    }
    let slot_ids: Vec<Id> = raw.slots.iter().map(|s| s.id.clone()).collect();
    let participant_ids: Vec<Id> = raw.participants.iter().map(|p| p.id.clone()).collect();
    let request_ids: Vec<Id> = raw.requests.iter().map(|r| r.id.clone()).collect();
    let slot_index = index_of(&slot_ids, "slots")?;
    let participant_index = index_of(&participant_ids, "participants")?;
    let request_index = index_of(&request_ids, "requests")?;
    let mut slots = Vec::with_capacity(raw.slots.len());
    for (t, slot) in raw.slots.iter().enumerate() {
        slots.push(match slot.session {
            SessionName::Am => Session::Am,
            SessionName::Pm => Session::Pm,
            SessionName::Any => {
                return Err(JsonError::Field {
                    field: format!("slots[{t}].session"),
                    problem: "must be am or pm".into(),
                });
            }
        });
    }
    let mut participants = Vec::with_capacity(raw.participants.len());
    for (p, participant) in raw.participants.iter().enumerate() {
        let mut unavailable = 0u128;
        for (k, id) in participant.unavailable.iter().enumerate() {
            unavailable |= 1
                << lookup(
                    &slot_index,
                    id,
                    format!("participants[{p}].unavailable[{k}]"),
                    "slot",
                )?;
        }
        participants.push(Participant {
            unavailable,
            max_meetings: participant.max_meetings,
        });
    }
    let mut requests = Vec::with_capacity(raw.requests.len());
    for (m, request) in raw.requests.iter().enumerate() {
        let a = lookup(
            &participant_index,
            &request.a,
            format!("requests[{m}].a"),
            "participant",
        )?;
        let b = lookup(
            &participant_index,
            &request.b,
            format!("requests[{m}].b"),
            "participant",
        )?;
        if a == b {
            return Err(JsonError::Field {
                field: format!("requests[{m}].b"),
                problem: "a participant cannot meet itself".into(),
            });
        }
        let fixed = match &request.fixed {
            Some(id) => Some(lookup(
                &slot_index,
                id,
                format!("requests[{m}].fixed"),
                "slot",
            )?),
            None => None,
        };
        let session = match request.session {
            SessionName::Any => SessionRule::Any,
            SessionName::Am => SessionRule::Am,
            SessionName::Pm => SessionRule::Pm,
        };
        requests.push(Request {
            a,
            b,
            weight: request.weight,
            session,
            fixed,
        });
    }
    let mut precedences = Vec::with_capacity(raw.precedences.len());
    for (k, precedence) in raw.precedences.iter().enumerate() {
        let before = lookup(
            &request_index,
            &precedence.before,
            format!("precedences[{k}].before"),
            "request",
        )?;
        let after = lookup(
            &request_index,
            &precedence.after,
            format!("precedences[{k}].after"),
            "request",
        )?;
        precedences.push((before, after));
    }
    let previous = if raw.previous.is_empty() {
        None
    } else {
        let mut previous = vec![None; requests.len()];
        for (k, entry) in raw.previous.iter().enumerate() {
            let m = lookup(
                &request_index,
                &entry.meeting,
                format!("previous[{k}].meeting"),
                "request",
            )?;
            previous[m] = Some(lookup(
                &slot_index,
                &entry.slot,
                format!("previous[{k}].slot"),
                "slot",
            )?);
        }
        Some(previous)
    };
    let mode = match raw.mode {
        ModeName::MaxWeight => Mode::MaxWeight,
        ModeName::All => Mode::All {
            fairness: raw.fairness.unwrap_or(DEFAULT_FAIRNESS),
        },
    };
    let problem = Problem {
        slots,
        tables: raw.tables,
        participants,
        requests,
        precedences,
        mode,
    };
    Ok(Instance {
        problem,
        request_ids,
        slot_ids,
        participant_ids,
        previous,
    })
}

/// Writes `instance` in the JSON instance format.
pub fn instance_to_json(instance: &Instance) -> Value {
    let problem = &instance.problem;
    let slot_id = |t: usize| instance.slot_ids[t].clone();
    let raw = InstanceJson {
        mode: match problem.mode {
            Mode::MaxWeight => ModeName::MaxWeight,
            Mode::All { .. } => ModeName::All,
        },
        fairness: match problem.mode {
            Mode::All { fairness } => Some(fairness),
            Mode::MaxWeight => None,
        },
        slots: problem
            .slots
            .iter()
            .enumerate()
            .map(|(t, s)| SlotJson {
                id: slot_id(t),
                session: if *s == Session::Am {
                    SessionName::Am
                } else {
                    SessionName::Pm
                },
            })
            .collect(),
        tables: problem.tables,
        participants: problem
            .participants
            .iter()
            .enumerate()
            .map(|(p, participant)| ParticipantJson {
                id: instance.participant_ids[p].clone(),
                unavailable: crate::model::slots_of(participant.unavailable & problem.all_slots())
                    .map(slot_id)
                    .collect(),
                max_meetings: participant.max_meetings,
            })
            .collect(),
        requests: problem
            .requests
            .iter()
            .enumerate()
            .map(|(m, r)| RequestJson {
                id: instance.request_ids[m].clone(),
                a: instance.participant_ids[r.a].clone(),
                b: instance.participant_ids[r.b].clone(),
                weight: r.weight,
                session: match r.session {
                    SessionRule::Any => SessionName::Any,
                    SessionRule::Am => SessionName::Am,
                    SessionRule::Pm => SessionName::Pm,
                },
                fixed: r.fixed.map(slot_id),
            })
            .collect(),
        precedences: problem
            .precedences
            .iter()
            .map(|&(i, j)| PrecedenceJson {
                before: instance.request_ids[i].clone(),
                after: instance.request_ids[j].clone(),
            })
            .collect(),
        previous: Vec::new(),
    };
    serde_json::to_value(raw).unwrap_or(Value::Null)
}

/// The result JSON: `status`, `assignments` [{meeting, slot, table}], `weight`,
/// `upper_bound`, `breaks`, plus `fairness_spread`, `meetings_scheduled`,
/// `meetings_requested`, `breaks_lower_bound`, `elapsed_ms`, `iterations`, and `reason` /
/// `moved` when there is something to say.
pub fn outcome_to_json(instance: &Instance, outcome: &Outcome) -> Value {
    let assignments: Vec<Value> = outcome
        .assignments
        .iter()
        .map(|a| {
            json!({
                "meeting": instance.request_ids[a.request],
                "slot": instance.slot_ids[a.slot],
                "table": a.table,
            })
        })
        .collect();
    let mut value = json!({
        "status": outcome.status.as_str(),
        "assignments": assignments,
        "weight": outcome.weight,
        "upper_bound": outcome.upper_bound,
        "breaks": outcome.breaks,
        "breaks_lower_bound": outcome.breaks_lower_bound,
        "fairness_spread": outcome.fairness_spread,
        "meetings_scheduled": outcome.assignments.len(),
        "meetings_requested": instance.problem.requests.len(),
        "iterations": outcome.iterations,
        "elapsed_ms": outcome.elapsed.as_millis() as u64,
    });
    if let Some(reason) = &outcome.reason {
        value["reason"] = json!(reason);
    }
    if instance.previous.is_some() {
        value["moved"] = json!(
            outcome
                .moved
                .iter()
                .map(|&m| instance.request_ids[m].clone())
                .collect::<Vec<_>>()
        );
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{"mode": "max_weight",
        "slots": [{"id": 1, "session": "am"}, {"id": "s2", "session": "pm"}],
        "tables": 1,
        "participants": [{"id": "acme", "unavailable": ["s2"]}, {"id": 7}, {"id": 8}],
        "requests": [{"id": "r1", "a": "acme", "b": 7, "weight": 3, "session": "any"},
                     {"id": 2, "a": 7, "b": 8, "weight": 1, "session": "pm"}]}"#;

    #[test]
    fn ids_may_be_strings_or_numbers_and_come_back_as_given() -> Result<(), JsonError> {
        let instance = parse_json(SMALL)?;
        assert_eq!(instance.problem.participants[0].unavailable, 0b10);
        assert_eq!(instance.problem.requests[1].session, SessionRule::Pm);
        let params = crate::solve::Params {
            time_limit: None,
            max_iterations: Some(1000),
            ..Default::default()
        };
        let outcome = crate::solve::solve(&instance.problem, &params);
        let out = outcome_to_json(&instance, &outcome);
        assert_eq!(out["weight"], json!(4));
        assert_eq!(out["assignments"][0]["meeting"], json!("r1"));
        assert_eq!(out["assignments"][0]["slot"], json!(1));
        assert_eq!(out["assignments"][1]["meeting"], json!(2));
        assert_eq!(out["assignments"][1]["slot"], json!("s2"));
        let again = parse_json(&instance_to_json(&instance).to_string())?;
        assert_eq!(again.problem, instance.problem);
        Ok(())
    }

    #[test]
    fn an_unknown_participant_is_named_by_its_field() {
        let broken = SMALL.replace(r#""b": 8"#, r#""b": 9"#);
        let error = parse_json(&broken)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(error, "requests[1].b: unknown participant id 9");
    }
}
