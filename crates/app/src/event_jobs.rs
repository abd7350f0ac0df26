//! Scheduler runs as background jobs: [`Hub::schedule_event`] queues a `schedule_event`
//! job; [`Hub::run_jobs_once`] (called by every serving node's worker loop, or by the
//! CLI) claims one under a lease, builds the scheduling problem from the event's
//! registrations and accepted requests, runs `bridgehub-schedule` with progress written
//! into the job, checks the result with the independent checker, and stores it so that
//! meetings confirmed before keep their slot and table where possible (the diff of
//! added / moved / cancelled meetings is the job's result). The queue's leases make each
//! job run once however many nodes work it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use bridgehub_schedule as engine;
use bridgehub_store::{
    DayPart, EventSnapshot, MeetingStatus, Placement, RegistrationStatus, RequestStatus,
    ScheduleDiff, ScheduleRun,
};
use serde::{Deserialize, Serialize};

use crate::events::{invalid, new_id, organizes, priority_weight};
use crate::{Actor, AppError, AppResult, Hub};

/// The job kind of scheduler runs.
pub const SCHEDULE_JOB: &str = "schedule_event";
const LEASE_SECONDS: u32 = 60;

/// Scheduler mode for an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScheduleMode {
    /// Choose which accepted requests happen, maximising priority weight.
    #[default]
    MaxWeight,
    /// Every accepted request must happen (fails with a reason when impossible).
    All,
}

/// Options of a scheduler run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleOptions {
    /// Mode (default `max_weight`).
    #[serde(default)]
    pub mode: ScheduleMode,
    /// Wall-clock limit in seconds (1 to 600, default 10).
    #[serde(default)]
    pub time_limit_secs: Option<u64>,
    /// Seed (default 1).
    #[serde(default)]
    pub seed: Option<u64>,
    /// A per-phase move budget (deterministic runs; tests).
    #[serde(default)]
    pub max_iterations: Option<u64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Payload {
    event: String,
    options: ScheduleOptions,
    requested_by: String,
}

/// A scheduler job as its event's organizers see it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleJob {
    /// Job id.
    pub id: i64,
    /// The event.
    pub event: String,
    /// `queued`, `running`, `done` or `failed`.
    pub status: String,
    /// While running: progress (`fraction`, `weight`, `breaks`); when done: the run's
    /// summary with `added`, `moved`, `cancelled`; when failed: `{"error": message}`.
    pub result: Option<serde_json::Value>,
}

/// What one scheduler run did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleSummary {
    /// The stored run.
    pub run_id: Option<String>,
    /// Mode.
    pub mode: ScheduleMode,
    /// `optimal`, `feasible`, `infeasible` or `unknown`.
    pub status: String,
    /// Why nothing was stored (infeasible / unknown).
    pub reason: Option<String>,
    /// Total priority weight held.
    pub weight: u64,
    /// The LP upper bound on the weight.
    pub upper_bound: f64,
    /// Total idle gaps between participants' meetings.
    pub breaks: u64,
    /// Max − min breaks over participants.
    pub fairness_spread: u32,
    /// Meetings scheduled.
    pub meetings_scheduled: usize,
    /// Accepted requests between registered parties.
    pub meetings_requested: usize,
    /// Participants with at least one accepted request but no meeting.
    pub participants_without_meetings: usize,
    /// Milliseconds in the solver.
    pub elapsed_ms: u64,
    /// What changed against the meetings stored before.
    pub changes: ScheduleDiff,
}

impl Hub {
    /// Queues a scheduler run for the event (organizers only); returns the job id. A
    /// worker ([`Hub::run_jobs_once`]) runs it.
    pub fn schedule_event(
        &self,
        actor: &Actor,
        event_id: &str,
        options: &ScheduleOptions,
    ) -> AppResult<i64> {
        let snapshot = self.snapshot(event_id)?;
        if !organizes(actor, &snapshot) {
            return Err(AppError::Forbidden(
                "only the event's organizers may run the scheduler".into(),
            ));
        }
        if let Some(limit) = options.time_limit_secs
            && !(1..=600).contains(&limit)
        {
            return Err(invalid("time_limit_secs", "must be between 1 and 600"));
        }
        if snapshot.slots.is_empty() {
            return Err(AppError::InvalidState(
                "the event has no meeting slots yet".into(),
            ));
        }
        if snapshot.tables.is_empty() {
            return Err(AppError::InvalidState("the event has no tables yet".into()));
        }
        let payload = Payload {
            event: event_id.to_owned(),
            options: options.clone(),
            requested_by: actor.user_id.clone(),
        };
        let text = serde_json::to_string(&payload).map_err(|e| AppError::Io(e.to_string()))?;
        let id = self.store.enqueue_job(SCHEDULE_JOB, &text)?;
        tracing::info!(event = event_id, job = id, "scheduler run queued");
        Ok(id)
    }

    /// A scheduler job of this event (organizers only).
    pub fn schedule_job(
        &self,
        actor: &Actor,
        event_id: &str,
        job_id: i64,
    ) -> AppResult<ScheduleJob> {
        let snapshot = self.snapshot(event_id)?;
        if !organizes(actor, &snapshot) {
            return Err(AppError::Forbidden(
                "only the event's organizers may see scheduler runs".into(),
            ));
        }
        let not_found = || AppError::NotFound {
            kind: "job",
            id: job_id.to_string(),
        };
        let job = self.store.job(job_id)?.ok_or_else(not_found)?;
        let payload: Payload = serde_json::from_str(&job.payload).map_err(|_| not_found())?;
        if job.kind != SCHEDULE_JOB || payload.event != event_id {
            return Err(not_found());
        }
        let result = job.result.as_deref().map(|text| {
            serde_json::from_str(text).unwrap_or_else(|_| serde_json::json!({ "error": text }))
        });
        Ok(ScheduleJob {
            id: job.id,
            event: payload.event,
            status: job.status,
            result,
        })
    }

    /// Claims and runs at most one queued scheduler job as `worker`; returns its id, or
    /// `None` when there was nothing to do.
    pub fn run_jobs_once(&self, worker: &str) -> AppResult<Option<i64>> {
        let Some(job) = self
            .store
            .claim_job(worker, &[SCHEDULE_JOB], LEASE_SECONDS)?
        else {
            return Ok(None);
        };
        let outcome = serde_json::from_str::<Payload>(&job.payload)
            .map_err(|e| AppError::Io(format!("bad job payload: {e}")))
            .and_then(|payload| {
                // Hold the job for its whole time limit (progress reports renew it too).
                let limit = payload.options.time_limit_secs.unwrap_or(10).clamp(1, 600) as u32;
                self.store
                    .renew_job(job.id, worker, limit + LEASE_SECONDS)?;
                self.run_schedule(&payload.event, &payload.options, Some((job.id, worker)))
            });
        let finished = match &outcome {
            Ok(summary) => {
                let text = serde_json::to_string(summary).unwrap_or_else(|_| "{}".into());
                self.store.finish_job(job.id, worker, Ok(&text))?
            }
            Err(err) => {
                let text =
                    serde_json::json!({ "error": err.to_string(), "code": err.code().as_str() })
                        .to_string();
                self.store.finish_job(job.id, worker, Err(&text))?
            }
        };
        if !finished {
            tracing::warn!(job = job.id, "scheduler job lease lost before it finished");
        }
        tracing::info!(job = job.id, ok = outcome.is_ok(), "scheduler job ran");
        Ok(Some(job.id))
    }

    /// Runs scheduler jobs until `stop` is set, sleeping `idle` when the queue is empty.
    pub fn work_jobs(&self, worker: &str, stop: &AtomicBool, idle: Duration) -> AppResult<()> {
        while !stop.load(Ordering::Relaxed) {
            if self.run_jobs_once(worker)?.is_none() {
                std::thread::sleep(idle);
            }
        }
        Ok(())
    }

    /// Runs the scheduler for an event now, in this thread, and stores the result
    /// (what a job does; `job` = `(id, worker)` to record progress and keep the lease).
    fn run_schedule(
        &self,
        event_id: &str,
        options: &ScheduleOptions,
        job: Option<(i64, &str)>,
    ) -> AppResult<ScheduleSummary> {
        let snapshot = self.snapshot(event_id)?;
        let built = build_problem(&snapshot, options.mode)?;
        let params = engine::Params {
            seed: options.seed.unwrap_or(1),
            time_limit: Some(Duration::from_secs(
                options.time_limit_secs.unwrap_or(10).clamp(1, 600),
            )),
            max_iterations: options.max_iterations,
            previous: Some(built.previous.clone()),
        };
        let lease = params.time_limit.map_or(600, |d| d.as_secs()).min(600) as u32 + LEASE_SECONDS;
        let mut last_report = Instant::now();
        let mut report = |info: &engine::ProgressInfo| {
            if let Some((id, worker)) = job
                && last_report.elapsed() >= Duration::from_millis(500)
            {
                last_report = Instant::now();
                let progress = serde_json::json!({
                    "phase": "solving", "fraction": info.fraction, "weight": info.weight,
                    "breaks": if info.breaks == u64::MAX { None } else { Some(info.breaks) },
                })
                .to_string();
                if let Err(err) = self.store.record_job_progress(id, worker, &progress) {
                    tracing::warn!(job = id, error = %err, "could not record scheduler progress");
                }
                let _ = self.store.renew_job(id, worker, lease);
            }
        };
        let outcome = engine::solve_with_progress(&built.problem, &params, &mut report);
        let mut summary = ScheduleSummary {
            run_id: None,
            mode: options.mode,
            status: outcome.status.as_str().to_owned(),
            reason: outcome.reason.clone(),
            weight: outcome.weight,
            upper_bound: outcome.upper_bound,
            breaks: outcome.breaks,
            fairness_spread: outcome.fairness_spread,
            meetings_scheduled: outcome.assignments.len(),
            meetings_requested: built.problem.requests.len(),
            participants_without_meetings: 0,
            elapsed_ms: outcome.elapsed.as_millis() as u64,
            changes: ScheduleDiff::default(),
        };
        if matches!(
            outcome.status,
            engine::Status::Infeasible | engine::Status::Unknown
        ) {
            // Nothing valid to store: the meetings stay as they were.
            return Ok(summary);
        }
        let report = engine::check(&built.problem, &outcome.assignments);
        if !report.violations.is_empty() {
            return Err(AppError::InvalidState(format!(
                "the scheduler produced an invalid schedule ({} violations); nothing was stored",
                report.violations.len()
            )));
        }
        let placements = assign_tables(&snapshot, &built, &outcome.assignments);
        let mut busy = vec![false; built.problem.participants.len()];
        let mut wanted = vec![false; built.problem.participants.len()];
        for request in &built.problem.requests {
            wanted[request.a] = true;
            wanted[request.b] = true;
        }
        for a in &outcome.assignments {
            let request = &built.problem.requests[a.request];
            busy[request.a] = true;
            busy[request.b] = true;
        }
        summary.participants_without_meetings = wanted
            .iter()
            .zip(&busy)
            .filter(|(w, b)| **w && !**b)
            .count();
        let run_id = new_id("run");
        summary.run_id = Some(run_id.clone());
        let run = ScheduleRun {
            id: run_id,
            job_id: job.map(|(id, _)| id),
            summary: serde_json::to_string(&summary).unwrap_or_else(|_| "{}".into()),
            created_at: String::new(),
        };
        summary.changes = self.store.apply_schedule(event_id, &run, &placements)?;
        Ok(summary)
    }
}

/// The engine's problem built from an event, with the index maps back.
pub(crate) struct BuiltProblem {
    pub(crate) problem: engine::Problem,
    /// Slot index → slot id.
    pub(crate) slot_ids: Vec<String>,
    /// Request index → request id.
    pub(crate) request_ids: Vec<String>,
    /// Request index → slot index of its confirmed meeting.
    pub(crate) previous: Vec<Option<usize>>,
}

pub(crate) fn build_problem(
    snapshot: &EventSnapshot,
    mode: ScheduleMode,
) -> AppResult<BuiltProblem> {
    if snapshot.slots.is_empty() {
        return Err(AppError::InvalidState(
            "the event has no meeting slots yet".into(),
        ));
    }
    if snapshot.slots.len() > engine::MAX_SLOTS {
        return Err(AppError::InvalidState(format!(
            "the event has more than {} slots",
            engine::MAX_SLOTS
        )));
    }
    let tables: usize = snapshot.tables.iter().map(|t| t.capacity as usize).sum();
    if tables == 0 {
        return Err(AppError::InvalidState("the event has no tables yet".into()));
    }
    // The snapshot lists slots by day and start: time order.
    let slot_index: HashMap<&str, usize> = snapshot
        .slots
        .iter()
        .enumerate()
        .map(|(n, s)| (s.id.as_str(), n))
        .collect();
    let slots = snapshot
        .slots
        .iter()
        .map(|s| match s.part {
            DayPart::Am => engine::Session::Am,
            DayPart::Pm => engine::Session::Pm,
        })
        .collect();
    let mut party_index = HashMap::new();
    let mut participants = Vec::new();
    for registration in snapshot
        .registrations
        .iter()
        .filter(|r| r.status == RegistrationStatus::Registered)
    {
        let mut unavailable: engine::SlotSet = 0;
        for slot in &registration.unavailable {
            if let Some(&t) = slot_index.get(slot.as_str()) {
                unavailable |= 1u128 << t;
            }
        }
        party_index.insert(registration.party_id.as_str(), participants.len());
        participants.push(engine::Participant {
            unavailable,
            max_meetings: snapshot.rules.max_meetings.map(|cap| cap as usize),
        });
    }
    let meeting_slot: HashMap<&str, usize> = snapshot
        .meetings
        .iter()
        .filter(|m| m.status == MeetingStatus::Confirmed)
        .filter_map(|m| {
            slot_index
                .get(m.slot_id.as_str())
                .map(|&t| (m.request_id.as_str(), t))
        })
        .collect();
    let mut requests = Vec::new();
    let mut request_ids = Vec::new();
    let mut previous = Vec::new();
    for request in snapshot
        .requests
        .iter()
        .filter(|r| r.status == RequestStatus::Accepted)
    {
        let (Some(&a), Some(&b)) = (
            party_index.get(request.from_party.as_str()),
            party_index.get(request.to_party.as_str()),
        ) else {
            continue;
        };
        requests.push(engine::Request {
            a,
            b,
            weight: priority_weight(request.priority),
            session: match request.session {
                None => engine::SessionRule::Any,
                Some(DayPart::Am) => engine::SessionRule::Am,
                Some(DayPart::Pm) => engine::SessionRule::Pm,
            },
            // An organizer's fixed slot (one of this event's, checked when it was set).
            fixed: request.fixed_slot.as_deref().and_then(|slot| slot_index.get(slot).copied()),
        });
        request_ids.push(request.id.clone());
        previous.push(meeting_slot.get(request.id.as_str()).copied());
    }
    // An organizer's "held after" links between requests that are both scheduled.
    let request_index: HashMap<&str, usize> =
        request_ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let precedences = snapshot
        .requests
        .iter()
        .filter_map(|r| request_index.get(r.id.as_str()).map(|&later| (r, later)))
        .flat_map(|(r, later)| {
            r.after
                .iter()
                .filter_map(|id| request_index.get(id.as_str()).map(|&earlier| (earlier, later)))
                .collect::<Vec<_>>()
        })
        .collect();
    let problem = engine::Problem {
        slots,
        tables,
        participants,
        requests,
        precedences,
        mode: match mode {
            ScheduleMode::MaxWeight => engine::Mode::MaxWeight,
            ScheduleMode::All => engine::Mode::All {
                fairness: engine::DEFAULT_FAIRNESS,
            },
        },
    };
    problem
        .validate()
        .map_err(|e| AppError::InvalidState(format!("cannot schedule: {e}")))?;
    Ok(BuiltProblem {
        problem,
        slot_ids: snapshot.slots.iter().map(|s| s.id.clone()).collect(),
        request_ids,
        previous,
    })
}

/// Gives each scheduled meeting a table: a meeting that keeps its slot keeps its table
/// when that table still has room; the others fill the remaining capacity in table order.
pub(crate) fn assign_tables(
    snapshot: &EventSnapshot,
    built: &BuiltProblem,
    assignments: &[engine::Assignment],
) -> Vec<Placement> {
    let previous_table: HashMap<&str, (&str, &str)> = snapshot
        .meetings
        .iter()
        .filter(|m| m.status == MeetingStatus::Confirmed)
        .map(|m| {
            (
                m.request_id.as_str(),
                (m.slot_id.as_str(), m.table_id.as_str()),
            )
        })
        .collect();
    let capacity: HashMap<&str, u32> = snapshot
        .tables
        .iter()
        .map(|t| (t.id.as_str(), t.capacity))
        .collect();
    let mut used: HashMap<(usize, &str), u32> = HashMap::new();
    let mut table_of: Vec<Option<&str>> = vec![None; assignments.len()];
    for (n, a) in assignments.iter().enumerate() {
        let request = built.request_ids[a.request].as_str();
        if let Some(&(slot, table)) = previous_table.get(request)
            && slot == built.slot_ids[a.slot]
            && let Some(&cap) = capacity.get(table)
        {
            let count = used.entry((a.slot, table)).or_default();
            if *count < cap {
                *count += 1;
                table_of[n] = Some(table);
            }
        }
    }
    for (n, a) in assignments.iter().enumerate() {
        if table_of[n].is_some() {
            continue;
        }
        for table in &snapshot.tables {
            let count = used.entry((a.slot, table.id.as_str())).or_default();
            if *count < table.capacity {
                *count += 1;
                table_of[n] = Some(table.id.as_str());
                break;
            }
        }
    }
    assignments
        .iter()
        .zip(table_of)
        .filter_map(|(a, table)| {
            table.map(|table| Placement {
                request_id: built.request_ids[a.request].clone(),
                slot_id: built.slot_ids[a.slot].clone(),
                table_id: table.to_owned(),
            })
        })
        .collect()
}
