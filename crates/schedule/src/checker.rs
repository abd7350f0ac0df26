//! The independent checker: validates a schedule against every hard rule of a
//! [`Problem`] and recomputes its figures (weight, breaks, fairness spread).
//!
//! It is written apart from the solver and shares none of its code beyond the
//! problem model's plain fields: breaks are counted slot by slot, not with bit tricks.

use std::collections::HashMap;
use std::fmt;

use crate::model::{Mode, Problem, Session, SessionRule};

/// A meeting placed in a slot at a table (tables are numbered from 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Assignment {
    /// Request index.
    pub request: usize,
    /// Slot index.
    pub slot: usize,
    /// Table number, `1..=tables`.
    pub table: usize,
}

/// A broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
#[allow(missing_docs)] // the fields are named for what they hold
pub enum Violation {
    /// The assignment names a request that does not exist.
    UnknownRequest(usize),
    /// The assignment names a slot that does not exist.
    UnknownSlot { request: usize, slot: usize },
    /// A request is scheduled more than once.
    ScheduledTwice(usize),
    /// A participant has two meetings in one slot.
    DoubleBooked { participant: usize, slot: usize },
    /// A participant meets in a slot it is unavailable in.
    Unavailable { participant: usize, slot: usize },
    /// A session-bound meeting is held in the other session.
    WrongSession { request: usize, slot: usize },
    /// A table number outside `1..=tables`.
    BadTable { request: usize, table: usize },
    /// Two meetings at one table in one slot.
    TableTaken { slot: usize, table: usize },
    /// More meetings in a slot than tables.
    OverCapacity { slot: usize, meetings: usize },
    /// A fixed meeting is missing or elsewhere.
    FixedMoved { request: usize },
    /// A precedence is not respected.
    PrecedenceBroken { before: usize, after: usize },
    /// Mode `all`: a request is not scheduled.
    Unscheduled(usize),
    /// A participant has more meetings than its cap.
    OverCap { participant: usize, meetings: usize },
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownRequest(m) => write!(f, "request {m} does not exist"),
            Self::UnknownSlot { request, slot } => {
                write!(f, "request {request}: slot {slot} does not exist")
            }
            Self::ScheduledTwice(m) => write!(f, "request {m} is scheduled twice"),
            Self::DoubleBooked { participant, slot } => {
                write!(
                    f,
                    "participant {participant} is double-booked in slot {slot}"
                )
            }
            Self::Unavailable { participant, slot } => {
                write!(f, "participant {participant} is unavailable in slot {slot}")
            }
            Self::WrongSession { request, slot } => {
                write!(f, "request {request}: slot {slot} is in the wrong session")
            }
            Self::BadTable { request, table } => {
                write!(f, "request {request}: table {table} does not exist")
            }
            Self::TableTaken { slot, table } => {
                write!(f, "slot {slot}: table {table} is used twice")
            }
            Self::OverCapacity { slot, meetings } => write!(
                f,
                "slot {slot} holds {meetings} meetings, more than the tables"
            ),
            Self::FixedMoved { request } => write!(f, "fixed request {request} is not in its slot"),
            Self::PrecedenceBroken { before, after } => {
                write!(f, "request {before} must be held before request {after}")
            }
            Self::Unscheduled(m) => write!(f, "request {m} is not scheduled (mode all)"),
            Self::OverCap {
                participant,
                meetings,
            } => {
                write!(
                    f,
                    "participant {participant} has {meetings} meetings, over its cap"
                )
            }
        }
    }
}

/// What the checker found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckReport {
    /// Every broken rule (empty = valid).
    pub violations: Vec<Violation>,
    /// Total weight of the scheduled requests.
    pub weight: u64,
    /// Number of scheduled requests.
    pub scheduled: usize,
    /// Breaks per participant.
    pub breaks: Vec<u32>,
    /// Sum of breaks.
    pub total_breaks: u64,
    /// Max − min breaks over all participants.
    pub spread: u32,
}

impl CheckReport {
    /// True when no rule is broken.
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }
}

/// Checks `assignments` against `problem`.
pub fn check(problem: &Problem, assignments: &[Assignment]) -> CheckReport {
    let n_slots = problem.slots.len();
    let mut violations = Vec::new();
    let mut slot_of: Vec<Option<usize>> = vec![None; problem.requests.len()];
    let mut weight = 0u64;
    let mut scheduled = 0usize;
    // participant -> list of slots it meets in
    let mut busy: Vec<Vec<usize>> = vec![Vec::new(); problem.participants.len()];
    let mut per_slot: Vec<usize> = vec![0; n_slots];
    let mut tables_used: HashMap<(usize, usize), usize> = HashMap::new();

    for assignment in assignments {
        let Some(request) = problem.requests.get(assignment.request) else {
            violations.push(Violation::UnknownRequest(assignment.request));
            continue;
        };
        if assignment.slot >= n_slots {
            violations.push(Violation::UnknownSlot {
                request: assignment.request,
                slot: assignment.slot,
            });
            continue;
        }
        if slot_of[assignment.request].is_some() {
            violations.push(Violation::ScheduledTwice(assignment.request));
            continue;
        }
        slot_of[assignment.request] = Some(assignment.slot);
        weight += request.weight;
        scheduled += 1;
        per_slot[assignment.slot] += 1;
        if assignment.table == 0 || assignment.table > problem.tables {
            violations.push(Violation::BadTable {
                request: assignment.request,
                table: assignment.table,
            });
        }
        let count = tables_used
            .entry((assignment.slot, assignment.table))
            .or_insert(0);
        *count += 1;
        if *count == 2 {
            violations.push(Violation::TableTaken {
                slot: assignment.slot,
                table: assignment.table,
            });
        }
        let session = problem.slots[assignment.slot];
        let session_ok = match request.session {
            SessionRule::Any => true,
            SessionRule::Am => session == Session::Am,
            SessionRule::Pm => session == Session::Pm,
        };
        if !session_ok {
            violations.push(Violation::WrongSession {
                request: assignment.request,
                slot: assignment.slot,
            });
        }
        for participant in [request.a, request.b] {
            if participant >= busy.len() {
                continue;
            }
            let unavailable = problem.participants[participant].unavailable;
            if unavailable
                .checked_shr(assignment.slot as u32)
                .is_some_and(|bits| bits & 1 == 1)
            {
                violations.push(Violation::Unavailable {
                    participant,
                    slot: assignment.slot,
                });
            }
            if busy[participant].contains(&assignment.slot) {
                violations.push(Violation::DoubleBooked {
                    participant,
                    slot: assignment.slot,
                });
            }
            busy[participant].push(assignment.slot);
        }
    }
    for (slot, &meetings) in per_slot.iter().enumerate() {
        if meetings > problem.tables {
            violations.push(Violation::OverCapacity { slot, meetings });
        }
    }
    for (m, request) in problem.requests.iter().enumerate() {
        if let Some(fixed) = request.fixed
            && slot_of[m] != Some(fixed)
        {
            violations.push(Violation::FixedMoved { request: m });
        }
        if matches!(problem.mode, Mode::All { .. }) && slot_of[m].is_none() {
            violations.push(Violation::Unscheduled(m));
        }
    }
    for &(before, after) in &problem.precedences {
        let (Some(Some(first)), Some(Some(second))) = (slot_of.get(before), slot_of.get(after))
        else {
            continue;
        };
        if first >= second {
            violations.push(Violation::PrecedenceBroken { before, after });
        }
    }
    for (participant, slots) in busy.iter().enumerate() {
        if let Some(cap) = problem.participants[participant].max_meetings
            && slots.len() > cap
        {
            violations.push(Violation::OverCap {
                participant,
                meetings: slots.len(),
            });
        }
    }
    let breaks: Vec<u32> = busy
        .iter()
        .map(|slots| count_breaks(slots, n_slots))
        .collect();
    let total_breaks = breaks.iter().map(|&b| u64::from(b)).sum();
    let spread = match (breaks.iter().max(), breaks.iter().min()) {
        (Some(max), Some(min)) => max - min,
        _ => 0,
    };
    CheckReport {
        violations,
        weight,
        scheduled,
        breaks,
        total_breaks,
        spread,
    }
}

/// Counts maximal idle runs strictly between the first and the last busy slot.
fn count_breaks(slots: &[usize], n_slots: usize) -> u32 {
    let mut is_busy = vec![false; n_slots];
    for &slot in slots {
        is_busy[slot] = true;
    }
    let mut breaks = 0;
    let mut seen_meeting = false;
    let mut idle_since_meeting = false;
    for &busy in &is_busy {
        if busy {
            if seen_meeting && idle_since_meeting {
                breaks += 1;
            }
            seen_meeting = true;
            idle_since_meeting = false;
        } else if seen_meeting {
            idle_since_meeting = true;
        }
    }
    breaks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Participant, Request};

    fn problem() -> Problem {
        Problem {
            slots: vec![Session::Am, Session::Am, Session::Pm],
            tables: 1,
            participants: vec![Participant::default(); 3],
            requests: vec![
                Request {
                    a: 0,
                    b: 1,
                    weight: 2,
                    session: SessionRule::Any,
                    fixed: None,
                },
                Request {
                    a: 0,
                    b: 2,
                    weight: 1,
                    session: SessionRule::Pm,
                    fixed: None,
                },
            ],
            precedences: vec![(0, 1)],
            mode: Mode::All { fairness: 2 },
        }
    }

    #[test]
    fn a_valid_schedule_passes_and_counts_breaks() {
        let report = check(
            &problem(),
            &[
                Assignment {
                    request: 0,
                    slot: 0,
                    table: 1,
                },
                Assignment {
                    request: 1,
                    slot: 2,
                    table: 1,
                },
            ],
        );
        assert!(report.is_valid(), "{:?}", report.violations);
        assert_eq!(report.weight, 3);
        assert_eq!(report.breaks, vec![1, 0, 0]);
        assert_eq!(report.total_breaks, 1);
        assert_eq!(report.spread, 1);
    }

    #[test]
    fn every_kind_of_violation_is_found() {
        let report = check(
            &problem(),
            &[
                Assignment {
                    request: 0,
                    slot: 1,
                    table: 1,
                },
                Assignment {
                    request: 1,
                    slot: 1,
                    table: 1,
                },
            ],
        );
        let v = &report.violations;
        assert!(v.contains(&Violation::DoubleBooked {
            participant: 0,
            slot: 1
        }));
        assert!(v.contains(&Violation::WrongSession {
            request: 1,
            slot: 1
        }));
        assert!(v.contains(&Violation::TableTaken { slot: 1, table: 1 }));
        assert!(v.contains(&Violation::OverCapacity {
            slot: 1,
            meetings: 2
        }));
        assert!(v.contains(&Violation::PrecedenceBroken {
            before: 0,
            after: 1
        }));
        let report = check(
            &problem(),
            &[Assignment {
                request: 0,
                slot: 0,
                table: 2,
            }],
        );
        assert!(report.violations.contains(&Violation::Unscheduled(1)));
        assert!(report.violations.contains(&Violation::BadTable {
            request: 0,
            table: 2
        }));
    }

    #[test]
    fn breaks_are_idle_runs_not_idle_slots() {
        assert_eq!(count_breaks(&[0, 3], 5), 1);
        assert_eq!(count_breaks(&[0, 2, 4], 5), 2);
        assert_eq!(count_breaks(&[1, 2], 5), 0);
        assert_eq!(count_breaks(&[], 5), 0);
    }
}
