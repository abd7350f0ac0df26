//! Events (issue #4): create and edit events, slots and tables, register parties,
//! request / accept / decline meetings under the organizer's rules, and queue scheduler
//! runs (see `event_jobs`). Every method that acts for someone takes an [`Actor`] and
//! checks permissions here, server-side.
//!
//! Permissions: organizers (the creator and those added) and hub administrators manage
//! an event; a user acts for a party when the party is one of their organizations (or
//! they organize the event); the requested side accepts or declines, the requesting side
//! cancels.

use std::collections::HashMap;

use bridgehub_domain::{CountryCode, EntityId, FieldError};
use bridgehub_store::{
    DayPart, Event, EventKind, EventRules, EventSession, EventSnapshot, EventStatus, EventTable,
    Meeting, MeetingRequest, MeetingStatus, Priority, Registration, RegistrationStatus,
    RequestStatus, ScheduleRun, Slot, Versioned,
};
use serde::{Deserialize, Serialize};

use crate::{Actor, AppError, AppResult, Hub};

/// The most slots an event may have (the scheduler's limit).
pub const MAX_EVENT_SLOTS: usize = bridgehub_schedule::MAX_SLOTS;

/// What a caller sends to create or replace an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventInput {
    /// Title.
    pub title: String,
    /// `conference`, `exhibition`, `seminar`, `forum` or `brokerage`.
    pub kind: EventKind,
    /// Venue.
    #[serde(default)]
    pub venue: String,
    /// City.
    #[serde(default)]
    pub city: String,
    /// ISO 3166-1 alpha-2 country code (optional).
    #[serde(default)]
    pub country: String,
    /// IANA time zone of the venue, e.g. `Asia/Ho_Chi_Minh`.
    pub time_zone: String,
    /// First day, `YYYY-MM-DD`.
    pub starts_on: String,
    /// Last day, `YYYY-MM-DD`.
    pub ends_on: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// `draft`, `open` (default), `closed` or `cancelled`.
    #[serde(default)]
    pub status: Option<EventStatus>,
}

/// An event with everything an organizer sets up front (`bridgehub event create FILE`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventSetup {
    /// The event.
    pub event: EventInput,
    /// Half-day sessions to cut into equal slots.
    #[serde(default)]
    pub sessions: Vec<SessionTemplate>,
    /// Single slots.
    #[serde(default)]
    pub slots: Vec<SlotInput>,
    /// Tables or booths.
    #[serde(default)]
    pub tables: Vec<TableInput>,
    /// Organizer rules.
    #[serde(default)]
    pub rules: Option<EventRules>,
}

/// One slot to add, in the event's local time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotInput {
    /// Day, `YYYY-MM-DD`.
    pub day: String,
    /// Local start, `HH:MM`.
    pub starts: String,
    /// Local end, `HH:MM`.
    pub ends: String,
    /// `am` or `pm`; by default from the start time (before 12:00 is `am`).
    #[serde(default)]
    pub part: Option<DayPart>,
}

/// A half-day session to cut into equal slots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionTemplate {
    /// Day, `YYYY-MM-DD`.
    pub day: String,
    /// `am` or `pm`.
    pub part: DayPart,
    /// Local start, `HH:MM`.
    pub starts: String,
    /// Local end, `HH:MM`.
    pub ends: String,
    /// Minutes per meeting slot (5 to 240).
    pub slot_minutes: u32,
}

/// The organizer page's view of an event ([`Hub::event_plan`]).
#[derive(Debug, Clone)]
pub struct EventPlan {
    /// The event's details.
    pub details: EventDetails,
    /// Every meeting request.
    pub requests: Vec<MeetingRequest>,
    /// Every meeting, confirmed and cancelled.
    pub meetings: Vec<Meeting>,
}

/// The event page's view of an event for one viewer ([`Hub::event_view`]).
#[derive(Debug, Clone)]
pub struct EventView {
    /// The event's details (public).
    pub details: EventDetails,
    /// Whether the viewer organizes the event.
    pub organizer: bool,
    /// The registrations the viewer may see (all for organizers, else their parties').
    pub registrations: Vec<Registration>,
    /// The meeting requests the viewer may see (likewise).
    pub requests: Vec<MeetingRequest>,
}

/// A table or booth to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableInput {
    /// Name (`Table 4`).
    pub name: String,
    /// Meetings it can hold at once (default 1).
    #[serde(default = "one")]
    pub capacity: u32,
}

fn one() -> u32 {
    1
}

/// What a caller sends to register a party.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistrationInput {
    /// Organization or person id.
    pub party: String,
    /// Slot ids the party cannot meet in.
    #[serde(default)]
    pub unavailable: Vec<String>,
}

/// One meeting request as an organizer imports it (a line of `bridgehub event
/// import-requests`; see [`Hub::import_meeting_request`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRequestImport {
    /// The requesting party (registered with the request if it is not yet).
    pub from: String,
    /// The requested party (likewise).
    pub to: String,
    /// `must`, `should` (default) or `nice`.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// A note to the other side.
    #[serde(default)]
    pub note: String,
    /// Whether the other side has accepted already (default true: organizers import
    /// agreed meetings).
    #[serde(default)]
    pub accepted: Option<bool>,
    /// A slot id of the event to fix the meeting to (the scheduler keeps it there).
    #[serde(default)]
    pub slot: Option<String>,
    /// `am` or `pm`: the meeting is held only in that part of a day.
    #[serde(default)]
    pub session: Option<String>,
    /// Requests of this event, by their parties, that must be held before this one.
    #[serde(default)]
    pub after: Vec<RequestPair>,
}

/// A meeting request named by its parties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestPair {
    /// The requesting party.
    pub from: String,
    /// The requested party.
    pub to: String,
}

/// What a caller sends to request a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRequestInput {
    /// The requesting party (one the caller acts for).
    pub from: String,
    /// The requested party.
    pub to: String,
    /// `must`, `should` (default) or `nice`.
    #[serde(default)]
    pub priority: Option<Priority>,
    /// Note to the other side.
    #[serde(default)]
    pub note: String,
}

/// An organizer's ordering rules for one meeting request (they replace the previous ones).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestOrderInput {
    /// `am` or `pm`: the meeting is held only in that part of a day; absent or `null`: any slot.
    #[serde(default)]
    pub session: Option<String>,
    /// Ids of requests of the same event that must be held before this one (when both are
    /// held); empty: none.
    #[serde(default)]
    pub after: Vec<String>,
}

/// An answer to a meeting request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RequestAnswer {
    /// The requested side agrees.
    Accept,
    /// The requested side refuses.
    Decline,
    /// The requesting side withdraws.
    Cancel,
}

/// An event with its public set-up: sessions, slots, tables and rules.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventDetails {
    /// The event.
    pub event: Event,
    /// Version (for `If-Match`).
    pub version: i64,
    /// Sessions.
    pub sessions: Vec<EventSession>,
    /// Slots in time order.
    pub slots: Vec<Slot>,
    /// Tables.
    pub tables: Vec<EventTable>,
    /// Organizer rules.
    pub rules: EventRules,
    /// Registered parties.
    pub registered: usize,
    /// Meetings confirmed by the latest schedule.
    pub confirmed_meetings: usize,
    /// Summary of the latest scheduler run (JSON), if any.
    pub last_run: Option<serde_json::Value>,
}

pub(crate) fn invalid(field: &str, problem: impl Into<bridgehub_domain::Problem>) -> AppError {
    AppError::Validation(vec![FieldError::new(field, problem)])
}

/// [`invalid`] with the problem's stable name and values ([`FieldError::coded`]), which
/// the web pages say in the reader's language.
pub(crate) fn invalid_coded(field: &str, code: &'static str, args: &[(&'static str, &str)], problem: impl Into<String>) -> AppError {
    AppError::Validation(vec![FieldError::coded(field, code, args, problem)])
}

pub(crate) fn new_id(prefix: &str) -> String {
    EntityId::generated(prefix, fastrand::u64(..)).to_string()
}

fn feed_token() -> AppResult<String> {
    let mut bytes = [0u8; 24];
    getrandom::fill(&mut bytes)
        .map_err(|e| AppError::Io(format!("no randomness for a feed token: {e}")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

pub(crate) fn parse_day(field: &str, text: &str) -> AppResult<jiff::civil::Date> {
    text.parse::<jiff::civil::Date>()
        .map_err(|_| invalid_coded(field, "not-a-date", &[("value", text)], format!("\"{text}\" is not a date (YYYY-MM-DD)")))
}

pub(crate) fn parse_time(field: &str, text: &str) -> AppResult<jiff::civil::Time> {
    let bad = || invalid_coded(field, "not-a-time", &[("value", text)], format!("\"{text}\" is not a time (HH:MM)"));
    let (h, m) = text.split_once(':').ok_or_else(bad)?;
    if h.len() != 2 || m.len() != 2 {
        return Err(bad());
    }
    let h: i8 = h.parse().map_err(|_| bad())?;
    let m: i8 = m.parse().map_err(|_| bad())?;
    jiff::civil::Time::new(h, m, 0, 0).map_err(|_| bad())
}

fn hhmm(time: jiff::civil::Time) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// The time zone named `name` (IANA), or a validation error on `field`.
pub(crate) fn zone(field: &str, name: &str) -> AppResult<jiff::tz::TimeZone> {
    if name.trim().is_empty() {
        return Err(invalid_coded(field, "no-time-zone", &[], "must name an IANA time zone such as Asia/Ho_Chi_Minh"));
    }
    jiff::tz::TimeZone::get(name)
        .map_err(|_| invalid_coded(field, "unknown-time-zone", &[("value", name)], format!("\"{name}\" is not a known IANA time zone")))
}

fn check_event(input: &EventInput) -> AppResult<()> {
    let mut problems = Vec::new();
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        problems.push(FieldError::coded("title", "length", &[("min", "1"), ("max", "200")], "must be 1 to 200 characters"));
    }
    if !input.country.is_empty()
        && let Err(e) = CountryCode::parse(&input.country)
    {
        problems.push(e.at("country"));
    }
    if let Err(AppError::Validation(mut e)) = zone("time_zone", &input.time_zone) {
        problems.append(&mut e);
    }
    match (
        parse_day("starts_on", &input.starts_on),
        parse_day("ends_on", &input.ends_on),
    ) {
        (Ok(start), Ok(end)) if end < start => {
            problems.push(FieldError::coded("ends_on", "last-day-before-first", &[], "is before starts_on"))
        }
        (Ok(_), Ok(_)) => {}
        (a, b) => {
            for result in [a, b] {
                if let Err(AppError::Validation(mut e)) = result {
                    problems.append(&mut e);
                }
            }
        }
    }
    for (field, text, max) in [
        ("venue", &input.venue, 200),
        ("city", &input.city, 100),
        ("description", &input.description, 10_000),
    ] {
        if text.chars().count() > max {
            problems.push(FieldError::coded(field, "too-long", &[("max", &max.to_string())], format!("must be at most {max} characters")));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(problems))
    }
}

fn event_record(id: String, input: &EventInput) -> Event {
    Event {
        id,
        title: input.title.trim().to_owned(),
        kind: input.kind,
        venue: input.venue.trim().to_owned(),
        city: input.city.trim().to_owned(),
        country: input.country.trim().to_ascii_uppercase(),
        time_zone: input.time_zone.trim().to_owned(),
        starts_on: input.starts_on.clone(),
        ends_on: input.ends_on.clone(),
        description: input.description.clone(),
        status: input.status.unwrap_or(EventStatus::Open),
    }
}

/// Whether `actor` organizes the event (or administers the hub).
pub(crate) fn organizes(actor: &Actor, snapshot: &EventSnapshot) -> bool {
    actor.is_admin || snapshot.organizers.contains(&actor.user_id)
}

/// Whether `actor` may act for `party` in this event.
pub(crate) fn acts_for_party(actor: &Actor, snapshot: &EventSnapshot, party: &str) -> bool {
    actor.acts_for(party) || organizes(actor, snapshot)
}

fn require_organizer(actor: &Actor, snapshot: &EventSnapshot) -> AppResult<()> {
    if organizes(actor, snapshot) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "only the event's organizers may do this".into(),
        ))
    }
}

/// An event's details from its snapshot.
fn details_of(s: EventSnapshot) -> EventDetails {
    EventDetails {
        version: s.event.version,
        event: s.event.record,
        sessions: s.sessions,
        slots: s.slots,
        tables: s.tables,
        rules: s.rules,
        registered: s
            .registrations
            .iter()
            .filter(|r| r.status == RegistrationStatus::Registered)
            .count(),
        confirmed_meetings: s
            .meetings
            .iter()
            .filter(|m| m.status == MeetingStatus::Confirmed)
            .count(),
        last_run: s
            .last_run
            .and_then(|run: ScheduleRun| serde_json::from_str(&run.summary).ok()),
    }
}

/// Whether `party` is registered for the event (and has not withdrawn).
pub(crate) fn is_registered(snapshot: &EventSnapshot, party: &str) -> bool {
    snapshot.registrations.iter().any(|r| r.party_id == party && r.status == RegistrationStatus::Registered)
}

/// The registrations `viewer` may see: every one for an organizer, else those of the
/// parties the viewer acts for.
fn visible_registrations(snapshot: &EventSnapshot, viewer: &Actor, organizer: bool) -> Vec<Registration> {
    snapshot.registrations.iter().filter(|r| organizer || viewer.acts_for(&r.party_id)).cloned().collect()
}

/// The meeting requests `viewer` may see: every one for an organizer, else those sent or
/// received by the parties the viewer acts for.
fn visible_requests(requests: Vec<MeetingRequest>, viewer: &Actor, organizer: bool) -> Vec<MeetingRequest> {
    requests
        .into_iter()
        .filter(|r| organizer || viewer.acts_for(&r.from_party) || viewer.acts_for(&r.to_party))
        .collect()
}

/// A new registration of `party` (of `kind`) by `actor`, with its own feed token.
fn new_registration(event_id: &str, party: &str, kind: &str, unavailable: Vec<String>, actor: &Actor) -> AppResult<Registration> {
    Ok(Registration {
        id: new_id("reg"),
        event_id: event_id.to_owned(),
        party_id: party.to_owned(),
        party_kind: kind.to_owned(),
        unavailable,
        status: RegistrationStatus::Registered,
        feed_token: feed_token()?,
        registered_by: actor.user_id.clone(),
    })
}

/// An event may have at most [`MAX_EVENT_SLOTS`] slots (field `slots`); `total` is what it
/// would have.
fn check_slot_count(total: usize) -> AppResult<()> {
    if total > MAX_EVENT_SLOTS {
        return Err(invalid_coded(
            "slots",
            "too-many-slots",
            &[("max", &MAX_EVENT_SLOTS.to_string()), ("total", &total.to_string())],
            format!("an event may have at most {MAX_EVENT_SLOTS} slots; this would make {total}"),
        ));
    }
    Ok(())
}

/// The event's meeting request `request_id`.
fn find_request<'a>(snapshot: &'a EventSnapshot, request_id: &str) -> AppResult<&'a MeetingRequest> {
    snapshot.requests.iter().find(|r| r.id == request_id).ok_or_else(|| AppError::NotFound {
        kind: "meeting request",
        id: request_id.to_owned(),
    })
}

/// When `earlier` must come before `later` and both are fixed to slots that do not keep
/// that order: the problem on `field`, naming both (coded `fixed-out-of-order`).
fn fixed_out_of_order(snapshot: &EventSnapshot, field: &str, earlier: &MeetingRequest, later: &MeetingRequest) -> Option<FieldError> {
    let position = |slot: &Option<String>| slot.as_deref().and_then(|id| snapshot.slots.iter().position(|s| s.id == id));
    match (position(&earlier.fixed_slot), position(&later.fixed_slot)) {
        (Some(first), Some(second)) if first >= second => {
            let (earlier_slot, later_slot) =
                (earlier.fixed_slot.as_deref().unwrap_or_default(), later.fixed_slot.as_deref().unwrap_or_default());
            Some(FieldError::coded(
                field,
                "fixed-out-of-order",
                &[("earlier", &earlier.id), ("earlier_slot", earlier_slot), ("later", &later.id), ("later_slot", later_slot)],
                format!(
                    "\"{}\" is fixed to slot \"{earlier_slot}\", which is not before slot \"{later_slot}\" of \"{}\"",
                    earlier.id, later.id
                ),
            ))
        }
        _ => None,
    }
}

fn part_name(part: DayPart) -> &'static str {
    match part {
        DayPart::Am => "morning",
        DayPart::Pm => "afternoon",
    }
}

/// Whether `request` may be fixed to `slot_id` (field `slot`): a slot of the event, in the
/// request's part of the day, in order with the fixed requests it follows or precedes,
/// and one at which both sides are available.
fn check_fixed_slot(snapshot: &EventSnapshot, request: &MeetingRequest, slot_id: &str) -> AppResult<()> {
    let Some(slot) = snapshot.slots.iter().find(|s| s.id == slot_id) else {
        return Err(invalid_coded("slot", "not-a-slot", &[("value", slot_id)], format!("\"{slot_id}\" is not a slot of this event")));
    };
    if let Some(part) = request.session
        && slot.part != part
    {
        return Err(invalid_coded("slot", "request-held-only-in", &[("part", part.code())], format!("the request is held only in the {}", part_name(part))));
    }
    // Its order with other fixed requests, as if it were fixed there.
    let mut fixed = request.clone();
    fixed.fixed_slot = Some(slot_id.to_owned());
    for other in &snapshot.requests {
        let problem = if fixed.after.contains(&other.id) {
            fixed_out_of_order(snapshot, "slot", other, &fixed)
        } else if other.after.contains(&fixed.id) {
            fixed_out_of_order(snapshot, "slot", &fixed, other)
        } else {
            None
        };
        if let Some(problem) = problem {
            return Err(AppError::Validation(vec![problem]));
        }
    }
    for party in [&request.from_party, &request.to_party] {
        if let Some(registration) = snapshot.registrations.iter().find(|r| &r.party_id == party)
            && registration.unavailable.iter().any(|s| s == slot_id)
        {
            return Err(invalid_coded("slot", "party-unavailable", &[("party", party), ("slot", slot_id)], format!("\"{party}\" is not available at slot \"{slot_id}\"")));
        }
    }
    Ok(())
}

/// The part of the day and the requests to hold before `request` that `input` asks for,
/// checked (fields `session` and `after`): a known part in which the event has slots and
/// that of the request's fixed slot; requests of this event other than itself, without a
/// cycle and in order with fixed slots. Repeated ids count once.
fn checked_order(
    snapshot: &EventSnapshot,
    request: &MeetingRequest,
    input: &RequestOrderInput,
) -> AppResult<(Option<DayPart>, Vec<String>)> {
    let mut errors = Vec::new();
    let session = match input.session.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(code) => match DayPart::parse(code) {
            Some(part) => Some(part),
            None => {
                errors.push(FieldError::coded("session", "not-a-part", &[("value", code)], format!("\"{code}\" is not a part of the day; use am or pm")));
                None
            }
        },
    };
    if let Some(part) = session {
        if !snapshot.slots.iter().any(|s| s.part == part) {
            errors.push(FieldError::coded("session", "no-slots-in-part", &[("part", part.code())], format!("the event has no {} slots", part_name(part))));
        } else if let Some(fixed) = &request.fixed_slot
            && let Some(slot) = snapshot.slots.iter().find(|s| &s.id == fixed)
            && slot.part != part
        {
            errors.push(FieldError::coded(
                "session",
                "request-fixed-in",
                &[("slot", fixed.as_str()), ("part", slot.part.code())],
                format!("the request is fixed to slot \"{fixed}\", in the {}", part_name(slot.part)),
            ));
        }
    }
    let follows: HashMap<&str, &[String]> =
        snapshot.requests.iter().map(|r| (r.id.as_str(), r.after.as_slice())).collect();
    let mut after: Vec<String> = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for id in &input.after {
        let id = id.trim();
        if seen.contains(&id) {
            continue;
        }
        seen.push(id);
        if id == request.id {
            errors.push(FieldError::coded("after", "after-itself", &[], "a request cannot be held after itself"));
        } else if !snapshot.requests.iter().any(|r| r.id == id) {
            errors.push(FieldError::coded("after", "not-a-request", &[("value", id)], format!("\"{id}\" is not a meeting request of this event")));
        } else if let Some(chain) = bridgehub_store::events::order_chain(|r| follows.get(r).copied(), id, &request.id) {
            errors.push(FieldError::coded(
                "after",
                "order-cycle",
                &[("value", id), ("chain", &chain.join(" ← "))],
                bridgehub_store::events::cycle_problem(id, &chain),
            ));
        } else if let Some(problem) = snapshot
            .requests
            .iter()
            .find(|r| r.id == id)
            .and_then(|earlier| fixed_out_of_order(snapshot, "after", earlier, request))
        {
            errors.push(problem);
        } else {
            after.push(id.to_owned());
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((session, after))
}

/// The organizer's meeting cap when `party` accepts one more request: the scheduler
/// enforces the cap; accepting far beyond it (twice) only wastes hopes.
fn check_accept_cap(snapshot: &EventSnapshot, party: &str) -> AppResult<()> {
    if let Some(cap) = snapshot.rules.max_meetings {
        let accepted = snapshot
            .requests
            .iter()
            .filter(|r| r.status == RequestStatus::Accepted && (r.from_party == party || r.to_party == party))
            .count();
        if accepted >= 2 * cap as usize {
            return Err(AppError::Forbidden(format!("organizer rule: at most {cap} meetings per participant")));
        }
    }
    Ok(())
}

/// Slot ids `party` cannot meet in, each a slot of the event (field `unavailable[n]`),
/// sorted and without repeats. A slot an organizer fixed one of the party's live requests
/// to is refused: the scheduler could then place nothing at all.
fn checked_unavailable(snapshot: &EventSnapshot, party: &str, slots: &[String]) -> AppResult<Vec<String>> {
    for (n, slot) in slots.iter().enumerate() {
        if !snapshot.slots.iter().any(|s| s.id == *slot) {
            return Err(invalid_coded(
                &format!("unavailable[{n}]"),
                "not-a-slot",
                &[("value", slot.as_str())],
                format!("\"{slot}\" is not a slot of this event"),
            ));
        }
        if let Some(fixed) = snapshot.requests.iter().find(|r| {
            r.fixed_slot.as_deref() == Some(slot.as_str())
                && (r.from_party == party || r.to_party == party)
                && matches!(r.status, RequestStatus::Requested | RequestStatus::Accepted)
        }) {
            let other = if fixed.from_party == party { &fixed.to_party } else { &fixed.from_party };
            return Err(invalid_coded(
                &format!("unavailable[{n}]"),
                "meeting-fixed-there",
                &[("party", other.as_str()), ("slot", slot.as_str())],
                format!("the organizer has fixed the meeting with \"{other}\" to slot \"{slot}\"; ask them to move it first"),
            ));
        }
    }
    let mut unavailable = slots.to_vec();
    unavailable.sort();
    unavailable.dedup();
    Ok(unavailable)
}

/// Whether `actor` may change registrations and requests now (open events; organizers
/// also while the event is a draft or closed).
pub(crate) fn may_register(snapshot: &EventSnapshot, actor: &Actor) -> bool {
    require_open(snapshot, actor).is_ok()
}

fn require_open(snapshot: &EventSnapshot, actor: &Actor) -> AppResult<()> {
    match snapshot.event.record.status {
        EventStatus::Open => Ok(()),
        EventStatus::Draft | EventStatus::Closed if organizes(actor, snapshot) => Ok(()),
        status => Err(AppError::InvalidState(format!(
            "the event is {}; it takes no registrations or requests",
            status.code()
        ))),
    }
}

/// Weight of a priority in the scheduler's objective.
pub fn priority_weight(priority: Priority) -> u64 {
    match priority {
        Priority::Must => 4,
        Priority::Should => 2,
        Priority::Nice => 1,
    }
}

impl Hub {
    pub(crate) fn snapshot(&self, event_id: &str) -> AppResult<EventSnapshot> {
        self.store
            .event_snapshot(event_id)?
            .ok_or_else(|| AppError::NotFound {
                kind: "event",
                id: event_id.to_owned(),
            })
    }

    /// Creates an event; the actor becomes its organizer.
    pub fn create_event(&self, actor: &Actor, input: &EventInput) -> AppResult<Versioned<Event>> {
        check_event(input)?;
        let event = event_record(new_id("evt"), input);
        let stored = self.store.insert_event(&event, &actor.user_id)?;
        tracing::info!(event = %stored.record.id, "event created");
        Ok(stored)
    }

    /// Creates an event with its sessions, slots, tables and rules (what an organizer's
    /// setup file holds); the actor becomes its organizer. Every part is checked before
    /// anything is written, so bad input stores nothing. Returns the event's details.
    pub fn create_event_with_setup(&self, actor: &Actor, setup: &EventSetup) -> AppResult<EventDetails> {
        check_event(&setup.event)?;
        let (sessions, mut slots) = sessions_from(&setup.sessions)?;
        slots.extend(slots_from(&setup.slots)?);
        check_slot_count(slots.len())?;
        check_slot_days(&setup.event.starts_on, &setup.event.ends_on, &slots)?;
        let tables = tables_from(&setup.tables)?;
        if let Some(rules) = &setup.rules {
            check_rule_caps(rules)?;
        }
        let event = self.create_event(actor, &setup.event)?;
        let id = event.record.id.clone();
        if !slots.is_empty() {
            self.store.add_event_slots(&id, &sessions, &slots)?;
        }
        if !tables.is_empty() {
            self.store.add_event_tables(&id, &tables)?;
        }
        if let Some(rules) = &setup.rules {
            self.store.set_event_rules(&id, rules)?;
        }
        self.event_details(&id)
    }

    /// Replaces an event's fields (organizers only); `expected_version` guards against
    /// lost updates.
    pub fn update_event(
        &self,
        actor: &Actor,
        event_id: &str,
        input: &EventInput,
        expected_version: Option<i64>,
    ) -> AppResult<Versioned<Event>> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        check_event(input)?;
        let mut event = event_record(event_id.to_owned(), input);
        if input.status.is_none() {
            event.status = snapshot.event.record.status;
        }
        Ok(self.store.update_event(&event, expected_version)?)
    }

    /// Sets the event's status (organizers): `draft`, `open` for registration and requests,
    /// `closed`, or `cancelled` (called off). Everything else is kept.
    pub fn set_event_status(&self, actor: &Actor, event_id: &str, status: EventStatus) -> AppResult<Versioned<Event>> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        let mut event = snapshot.event.record.clone();
        event.status = status;
        Ok(self.store.update_event(&event, Some(snapshot.event.version))?)
    }

    /// Adds a co-organizer (organizers only).
    pub fn add_event_organizer(
        &self,
        actor: &Actor,
        event_id: &str,
        user_id: &str,
    ) -> AppResult<()> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        Ok(self.store.add_event_organizer(event_id, user_id)?)
    }

    /// One event (public).
    pub fn event(&self, event_id: &str) -> AppResult<Versioned<Event>> {
        self.store
            .event(event_id)?
            .ok_or_else(|| AppError::NotFound {
                kind: "event",
                id: event_id.to_owned(),
            })
    }

    /// Events by id after `after` (a page of at most `limit`, 1 to 200).
    pub fn list_events(
        &self,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> AppResult<Vec<Versioned<Event>>> {
        let limit = limit.unwrap_or(50);
        if !(1..=200).contains(&limit) {
            return Err(AppError::query("limit", "must be between 1 and 200"));
        }
        Ok(self.store.list_events(after, limit)?)
    }

    /// An event with its sessions, slots, tables and rules (public).
    pub fn event_details(&self, event_id: &str) -> AppResult<EventDetails> {
        Ok(details_of(self.snapshot(event_id)?))
    }

    /// What the event page shows `viewer` (`None`: a visitor), from one snapshot: the
    /// details, whether the viewer organizes it, and the registrations and requests the
    /// viewer may see, as [`Hub::event_registrations`] and [`Hub::meeting_requests`] filter
    /// them.
    pub fn event_view(&self, viewer: Option<&Actor>, event_id: &str) -> AppResult<EventView> {
        let mut snapshot = self.snapshot(event_id)?;
        let organizer = viewer.is_some_and(|actor| organizes(actor, &snapshot));
        let (registrations, requests) = match viewer {
            None => (Vec::new(), Vec::new()),
            Some(actor) => (
                visible_registrations(&snapshot, actor, organizer),
                visible_requests(std::mem::take(&mut snapshot.requests), actor, organizer),
            ),
        };
        Ok(EventView { details: details_of(snapshot), organizer, registrations, requests })
    }

    /// What the organizer page shows, from one snapshot (organizers only): the event's
    /// details, every meeting request and every meeting.
    pub fn event_plan(&self, actor: &Actor, event_id: &str) -> AppResult<EventPlan> {
        let mut snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        let requests = std::mem::take(&mut snapshot.requests);
        let meetings = snapshot.meetings.clone();
        Ok(EventPlan { details: details_of(snapshot), requests, meetings })
    }

    /// Adds `count` tables named `{prefix} N`, numbered on from the highest such number the
    /// event has (organizers only). Returns every table of the event.
    pub fn add_numbered_tables(
        &self,
        actor: &Actor,
        event_id: &str,
        prefix: &str,
        count: usize,
        capacity: u32,
    ) -> AppResult<Vec<EventTable>> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        if !(1..=200).contains(&count) {
            return Err(invalid_coded("count", "number-between", &[("min", "1"), ("max", "200")], "must be a number from 1 to 200"));
        }
        let prefix = match prefix.trim() {
            "" => "Table",
            prefix => prefix,
        };
        let first = snapshot
            .tables
            .iter()
            .filter_map(|t| t.name.strip_prefix(prefix)?.trim().parse::<usize>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        let inputs: Vec<TableInput> =
            (first..first + count).map(|n| TableInput { name: format!("{prefix} {n}"), capacity }).collect();
        self.add_event_tables(actor, event_id, &inputs)
    }

    /// Sets the organizer rules (organizers only).
    pub fn set_event_rules(
        &self,
        actor: &Actor,
        event_id: &str,
        rules: &EventRules,
    ) -> AppResult<EventRules> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        check_rule_caps(rules)?;
        self.store.set_event_rules(event_id, rules)?;
        Ok(rules.clone())
    }

    /// Adds meeting slots (organizers only). Returns every slot of the event.
    pub fn add_event_slots(
        &self,
        actor: &Actor,
        event_id: &str,
        inputs: &[SlotInput],
    ) -> AppResult<Vec<Slot>> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        let slots = slots_from(inputs)?;
        self.store_slots(&snapshot, &[], &slots)
    }

    /// Cuts half-day sessions into equal slots and adds them (organizers only). Returns
    /// every slot of the event.
    pub fn generate_event_slots(
        &self,
        actor: &Actor,
        event_id: &str,
        templates: &[SessionTemplate],
    ) -> AppResult<Vec<Slot>> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        let (sessions, slots) = sessions_from(templates)?;
        self.store_slots(&snapshot, &sessions, &slots)
    }

    fn store_slots(
        &self,
        snapshot: &EventSnapshot,
        sessions: &[EventSession],
        slots: &[Slot],
    ) -> AppResult<Vec<Slot>> {
        check_slot_count(snapshot.slots.len() + slots.len())?;
        let event = &snapshot.event.record;
        check_slot_days(&event.starts_on, &event.ends_on, slots)?;
        self.store.add_event_slots(&event.id, sessions, slots)?;
        Ok(self.snapshot(&event.id)?.slots)
    }

    /// Adds tables or booths (organizers only). Returns every table of the event.
    pub fn add_event_tables(
        &self,
        actor: &Actor,
        event_id: &str,
        inputs: &[TableInput],
    ) -> AppResult<Vec<EventTable>> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        let tables = tables_from(inputs)?;
        // Names are unique within the event (the store checks again in its transaction).
        for (n, table) in tables.iter().enumerate() {
            if snapshot.tables.iter().any(|t| t.name == table.name) {
                return Err(invalid_coded(
                    &format!("tables[{n}].name"),
                    "table-exists",
                    &[("value", table.name.as_str())],
                    format!("\"{}\" is already a table of this event", table.name),
                ));
            }
        }
        self.store.add_event_tables(event_id, &tables)?;
        Ok(self.snapshot(event_id)?.tables)
    }

    /// Registers a party the actor acts for (organizers may register anyone), or
    /// updates its availability. The result carries the party's calendar feed token.
    pub fn register_for_event(
        &self,
        actor: &Actor,
        event_id: &str,
        input: &RegistrationInput,
    ) -> AppResult<Registration> {
        let snapshot = self.snapshot(event_id)?;
        require_open(&snapshot, actor)?;
        if !acts_for_party(actor, &snapshot, &input.party) {
            return Err(AppError::Forbidden(format!(
                "you do not act for \"{}\"",
                input.party
            )));
        }
        let kinds = self.store.party_kinds(&[input.party.as_str()])?;
        let Some((_, kind)) = kinds.into_iter().next() else {
            return Err(AppError::Store(
                bridgehub_store::StoreError::MissingReference {
                    field: "party",
                    kind: "organization or person",
                    id: input.party.clone(),
                },
            ));
        };
        let unavailable = checked_unavailable(&snapshot, &input.party, &input.unavailable)?;
        let registration = new_registration(event_id, &input.party, kind.code(), unavailable, actor)?;
        Ok(self.store.upsert_registration(&registration)?)
    }

    /// Replaces the slots a registered party cannot meet in (the party's users, or an
    /// organizer), keeping its registration and calendar feed. Unlike
    /// [`Hub::register_for_event`] it never registers: a party that is not registered, or
    /// has withdrawn, is refused. Meetings already scheduled in a slot now marked
    /// unavailable stay until the scheduler runs again.
    pub fn set_availability(
        &self,
        actor: &Actor,
        event_id: &str,
        party: &str,
        unavailable: &[String],
    ) -> AppResult<Registration> {
        let snapshot = self.snapshot(event_id)?;
        if !acts_for_party(actor, &snapshot, party) {
            return Err(AppError::Forbidden(format!("you do not act for \"{party}\"")));
        }
        require_open(&snapshot, actor)?;
        let not_registered = || AppError::NotFound { kind: "registration", id: party.to_owned() };
        if !is_registered(&snapshot, party) {
            return Err(not_registered());
        }
        let unavailable = checked_unavailable(&snapshot, party, unavailable)?;
        // Only a registration that is still `registered` is changed (a withdrawal at the
        // same moment stands).
        self.store.set_registration_unavailable(event_id, party, &unavailable)?.ok_or_else(not_registered)
    }

    /// Withdraws a party's registration (the party or an organizer).
    pub fn unregister_from_event(
        &self,
        actor: &Actor,
        event_id: &str,
        party: &str,
    ) -> AppResult<Registration> {
        let snapshot = self.snapshot(event_id)?;
        if !acts_for_party(actor, &snapshot, party) {
            return Err(AppError::Forbidden(format!(
                "you do not act for \"{party}\""
            )));
        }
        let mut registration = snapshot
            .registrations
            .iter()
            .find(|r| r.party_id == party)
            .cloned()
            .ok_or_else(|| AppError::NotFound {
                kind: "registration",
                id: party.to_owned(),
            })?;
        registration.status = RegistrationStatus::Cancelled;
        Ok(self.store.upsert_registration(&registration)?)
    }

    /// The registrations the actor may see: all for organizers, else those of parties
    /// the actor acts for.
    pub fn event_registrations(
        &self,
        actor: &Actor,
        event_id: &str,
    ) -> AppResult<Vec<Registration>> {
        let snapshot = self.snapshot(event_id)?;
        Ok(visible_registrations(&snapshot, actor, organizes(actor, &snapshot)))
    }

    /// Asks another registered party for a meeting, under the organizer's rules.
    pub fn request_meeting(
        &self,
        actor: &Actor,
        event_id: &str,
        input: &MeetingRequestInput,
    ) -> AppResult<MeetingRequest> {
        let snapshot = self.snapshot(event_id)?;
        require_open(&snapshot, actor)?;
        if !acts_for_party(actor, &snapshot, &input.from) {
            return Err(AppError::Forbidden(format!(
                "you do not act for \"{}\"",
                input.from
            )));
        }
        self.check_new_request(&snapshot, input)?;
        let request = MeetingRequest {
            id: new_id("req"),
            event_id: event_id.to_owned(),
            from_party: input.from.clone(),
            to_party: input.to.clone(),
            priority: input.priority.unwrap_or(Priority::Should),
            note: input.note.clone(),
            status: RequestStatus::Requested,
            requested_by: actor.user_id.clone(),
            fixed_slot: None,
            session: None,
            after: Vec::new(),
        };
        Ok(self.store.insert_meeting_request(&request)?)
    }

    /// Stores one meeting request as an organizer imports it (a line of `bridgehub event
    /// import-requests`): its parties registered if they never were (a party that withdrew
    /// is refused), the request accepted
    /// unless the line says otherwise, fixed to a slot, kept to a part of the day and
    /// held after the requests it names by their parties, all in one transaction. Every
    /// check of [`Hub::register_for_event`], [`Hub::request_meeting`],
    /// [`Hub::fix_meeting_request`] and [`Hub::order_meeting_request`] applies, on the event
    /// as it would be with the line stored; a refused line stores nothing.
    pub fn import_meeting_request(
        &self,
        actor: &Actor,
        event_id: &str,
        line: &MeetingRequestImport,
    ) -> AppResult<MeetingRequest> {
        let mut snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        require_open(&snapshot, actor)?;
        let mut registrations: Vec<Registration> = Vec::new();
        for (field, party) in [("from", &line.from), ("to", &line.to)] {
            if is_registered(&snapshot, party) {
                continue;
            }
            // A party that withdrew stays withdrawn: an import does not undo that.
            if snapshot.registrations.iter().any(|r| r.party_id == *party) {
                return Err(invalid(field, format!("\"{party}\" has withdrawn from this event; register it again first")));
            }
            let Some((_, kind)) = self.store.party_kinds(&[party.as_str()])?.into_iter().next() else {
                return Err(invalid(field, format!("\"{party}\" is not an organization or person of this hub")));
            };
            let registration = new_registration(event_id, party, kind.code(), Vec::new(), actor)?;
            snapshot.registrations.retain(|r| r.party_id != *party);
            snapshot.registrations.push(registration.clone());
            registrations.push(registration);
        }
        let input = MeetingRequestInput {
            from: line.from.clone(),
            to: line.to.clone(),
            priority: line.priority,
            note: line.note.clone(),
        };
        self.check_new_request(&snapshot, &input)?;
        if let Some(taken) = snapshot.requests.iter().find(|r| r.from_party == line.from && r.to_party == line.to) {
            return Err(invalid(
                "to",
                format!("\"{}\" has asked \"{}\" already (request \"{}\")", line.from, line.to, taken.id),
            ));
        }
        let accepted = line.accepted.unwrap_or(true);
        if accepted {
            check_accept_cap(&snapshot, &line.to)?;
        }
        let mut request = MeetingRequest {
            id: new_id("req"),
            event_id: event_id.to_owned(),
            from_party: line.from.clone(),
            to_party: line.to.clone(),
            priority: line.priority.unwrap_or(Priority::Should),
            note: line.note.clone(),
            status: if accepted { RequestStatus::Accepted } else { RequestStatus::Requested },
            requested_by: actor.user_id.clone(),
            fixed_slot: None,
            session: None,
            after: Vec::new(),
        };
        if let Some(slot) = &line.slot {
            check_fixed_slot(&snapshot, &request, slot)?;
            request.fixed_slot = Some(slot.clone());
        }
        let mut after = Vec::new();
        let mut errors = Vec::new();
        for pair in &line.after {
            match snapshot.requests.iter().find(|r| r.from_party == pair.from && r.to_party == pair.to) {
                Some(earlier) => after.push(earlier.id.clone()),
                None => errors.push(FieldError::new(
                    "after",
                    format!("no request from \"{}\" to \"{}\" in this event (name it on an earlier line)", pair.from, pair.to),
                )),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Validation(errors));
        }
        if line.session.is_some() || !after.is_empty() {
            let (session, after) =
                checked_order(&snapshot, &request, &RequestOrderInput { session: line.session.clone(), after })?;
            request.session = session;
            request.after = after;
        }
        Ok(self.store.import_meeting_request(&registrations, &request)?)
    }

    /// A new request's own checks on the event as `snapshot` holds it: two different
    /// registered parties, a note of at most 2000 characters, and the organizer's rules.
    fn check_new_request(&self, snapshot: &EventSnapshot, input: &MeetingRequestInput) -> AppResult<()> {
        if input.from == input.to {
            return Err(invalid_coded("to", "meeting-with-itself", &[], "a party cannot request a meeting with itself"));
        }
        if input.note.chars().count() > 2000 {
            return Err(invalid_coded("note", "too-long", &[("max", "2000")], "must be at most 2000 characters"));
        }
        for (field, party) in [("from", &input.from), ("to", &input.to)] {
            if !is_registered(snapshot, party) {
                return Err(invalid_coded(
                    field,
                    "not-registered",
                    &[("value", party.as_str())],
                    format!("\"{party}\" is not registered for this event"),
                ));
            }
        }
        self.check_rules(snapshot, &input.from, &input.to)
    }

    /// Fixes a meeting request to one of the event's slots, or frees it (`None`)
    /// (organizers): the next schedule keeps a fixed request in that slot (for an accepted
    /// request; a request not accepted is not scheduled either way). The slot must be one
    /// at which both sides are available; the scheduler refuses a schedule whose fixed
    /// meetings cannot all be kept, naming the problem.
    pub fn fix_meeting_request(
        &self,
        actor: &Actor,
        event_id: &str,
        request_id: &str,
        slot_id: Option<&str>,
    ) -> AppResult<MeetingRequest> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        let request = find_request(&snapshot, request_id)?;
        if let Some(slot_id) = slot_id {
            check_fixed_slot(&snapshot, request, slot_id)?;
        }
        Ok(self.store.set_request_fixed_slot(event_id, request_id, slot_id)?)
    }

    /// Restricts a meeting request to the morning or the afternoon and names the requests
    /// of the event that must be held before it (organizers); both replace what was set. The
    /// next schedule keeps them for accepted requests (a precedence binds only when both
    /// meetings are held). Refused, naming the field: an unknown day part or one in which
    /// the event has no slot, a part other than that of the request's fixed slot, a request
    /// that is not another of this event, and an order that would make a cycle.
    pub fn order_meeting_request(
        &self,
        actor: &Actor,
        event_id: &str,
        request_id: &str,
        input: &RequestOrderInput,
    ) -> AppResult<MeetingRequest> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        let request = find_request(&snapshot, request_id)?;
        let (session, after) = checked_order(&snapshot, request, input)?;
        Ok(self.store.set_request_order(event_id, request_id, session, &after)?)
    }

    fn party_profile(&self, party: &str) -> AppResult<(Option<String>, String)> {
        if let Some(org) = self.store.organization(party)? {
            return Ok((
                Some(org.record.country.to_string()),
                org.record.kind.code().to_owned(),
            ));
        }
        if let Some(person) = self.store.person(party)? {
            return Ok((
                person.record.country.map(|c| c.to_string()),
                "person".to_owned(),
            ));
        }
        Ok((None, String::new()))
    }

    fn check_rules(&self, snapshot: &EventSnapshot, from: &str, to: &str) -> AppResult<()> {
        let rules = &snapshot.rules;
        if rules.cross_country_only || rules.cross_kind_only {
            let (from_country, from_kind) = self.party_profile(from)?;
            let (to_country, to_kind) = self.party_profile(to)?;
            if rules.cross_country_only && from_country.is_some() && from_country == to_country {
                return Err(AppError::Forbidden(
                    "organizer rule: meetings only between parties of different countries".into(),
                ));
            }
            if rules.cross_kind_only && from_kind == to_kind {
                return Err(AppError::Forbidden(
                    "organizer rule: meetings only between parties of different kinds".into(),
                ));
            }
        }
        if let Some(cap) = rules.max_requests {
            let open = snapshot
                .requests
                .iter()
                .filter(|r| {
                    r.from_party == from
                        && matches!(r.status, RequestStatus::Requested | RequestStatus::Accepted)
                })
                .count();
            if open >= cap as usize {
                return Err(AppError::Forbidden(format!(
                    "organizer rule: at most {cap} open requests per participant"
                )));
            }
        }
        Ok(())
    }

    /// The meeting requests the actor may see: all for organizers, else those sent or
    /// received by parties the actor acts for.
    pub fn meeting_requests(
        &self,
        actor: &Actor,
        event_id: &str,
    ) -> AppResult<Vec<MeetingRequest>> {
        let snapshot = self.snapshot(event_id)?;
        let organizer = organizes(actor, &snapshot);
        Ok(visible_requests(snapshot.requests, actor, organizer))
    }

    /// Accepts or declines (the requested side) or cancels (the requesting side) a
    /// meeting request. Declining or cancelling a scheduled meeting cancels it.
    pub fn answer_meeting_request(
        &self,
        actor: &Actor,
        event_id: &str,
        request_id: &str,
        answer: RequestAnswer,
    ) -> AppResult<MeetingRequest> {
        let snapshot = self.snapshot(event_id)?;
        let request = find_request(&snapshot, request_id)?;
        let (side, allowed_from, status): (&str, &[RequestStatus], RequestStatus) = match answer {
            RequestAnswer::Accept => (
                &request.to_party,
                &[RequestStatus::Requested, RequestStatus::Declined],
                RequestStatus::Accepted,
            ),
            RequestAnswer::Decline => (
                &request.to_party,
                &[RequestStatus::Requested, RequestStatus::Accepted],
                RequestStatus::Declined,
            ),
            RequestAnswer::Cancel => (
                &request.from_party,
                &[RequestStatus::Requested, RequestStatus::Accepted],
                RequestStatus::Cancelled,
            ),
        };
        if !acts_for_party(actor, &snapshot, side) {
            return Err(AppError::Forbidden(match answer {
                RequestAnswer::Cancel => "only the requesting side may cancel a request".into(),
                _ => "only the requested side may accept or decline a request".into(),
            }));
        }
        if !allowed_from.contains(&request.status) {
            return Err(AppError::InvalidState(format!(
                "the request is {}",
                request.status.code()
            )));
        }
        if answer == RequestAnswer::Accept {
            check_accept_cap(&snapshot, &request.to_party)?;
        }
        Ok(self
            .store
            .set_request_status(event_id, request_id, status)?)
    }

    /// Every meeting of the event (organizers only), confirmed and cancelled.
    pub fn event_meetings(&self, actor: &Actor, event_id: &str) -> AppResult<Vec<Meeting>> {
        let snapshot = self.snapshot(event_id)?;
        require_organizer(actor, &snapshot)?;
        Ok(snapshot.meetings)
    }
}

/// Checked slots from the caller's list (new ids; the part from the start time unless given).
fn slots_from(inputs: &[SlotInput]) -> AppResult<Vec<Slot>> {
    let mut slots = Vec::new();
    for (n, input) in inputs.iter().enumerate() {
        let day = parse_day(&format!("slots[{n}].day"), &input.day)?;
        let starts = parse_time(&format!("slots[{n}].starts"), &input.starts)?;
        let ends = parse_time(&format!("slots[{n}].ends"), &input.ends)?;
        if ends <= starts {
            return Err(invalid_coded(&format!("slots[{n}].ends"), "ends-before-start", &[], "must be after starts"));
        }
        if let Some(part) = input.part {
            check_part(&format!("slots[{n}].part"), part, starts, ends)?;
        }
        slots.push(Slot {
            id: new_id("slt"),
            session_id: None,
            day: day.to_string(),
            starts: hhmm(starts),
            ends: hhmm(ends),
            part: input.part.unwrap_or(if starts.hour() < 12 {
                DayPart::Am
            } else {
                DayPart::Pm
            }),
        });
    }
    Ok(slots)
}

/// A morning starts before noon and an afternoon ends after it (a span across noon may
/// be either), so that the scheduler's session rules mean what the organizer sees.
fn check_part(field: &str, part: DayPart, starts: jiff::civil::Time, ends: jiff::civil::Time) -> AppResult<()> {
    let noon = jiff::civil::time(12, 0, 0, 0);
    match part {
        DayPart::Am if starts >= noon => Err(invalid_coded(
            field,
            "morning-after-noon",
            &[("time", &hhmm(starts))],
            format!("a morning cannot start at {} (after noon)", hhmm(starts)),
        )),
        DayPart::Pm if ends <= noon => Err(invalid_coded(
            field,
            "afternoon-before-noon",
            &[("time", &hhmm(ends))],
            format!("an afternoon cannot end at {} (before noon)", hhmm(ends)),
        )),
        _ => Ok(()),
    }
}

/// Half-day sessions cut into equal slots: (sessions, slots), checked.
fn sessions_from(templates: &[SessionTemplate]) -> AppResult<(Vec<EventSession>, Vec<Slot>)> {
    let mut sessions = Vec::new();
    let mut slots = Vec::new();
    for (n, template) in templates.iter().enumerate() {
        let field = |name: &str| format!("sessions[{n}].{name}");
        let day = parse_day(&field("day"), &template.day)?;
        let starts = parse_time(&field("starts"), &template.starts)?;
        let ends = parse_time(&field("ends"), &template.ends)?;
        if !(5..=240).contains(&template.slot_minutes) {
            return Err(invalid_coded(&field("slot_minutes"), "number-between", &[("min", "5"), ("max", "240")], "must be between 5 and 240"));
        }
        if ends <= starts {
            return Err(invalid_coded(&field("ends"), "ends-before-start", &[], "must be after starts"));
        }
        check_part(&field("part"), template.part, starts, ends)?;
        let length = ends.duration_since(starts).as_mins();
        if length < i64::from(template.slot_minutes) {
            return Err(invalid_coded(
                &field("slot_minutes"),
                "longer-than-session",
                &[("minutes", &length.to_string())],
                format!("is longer than the session ({length} minutes), which would hold no slot"),
            ));
        }
        let session = EventSession {
            id: new_id("ses"),
            day: day.to_string(),
            part: template.part,
            starts: hhmm(starts),
            ends: hhmm(ends),
            slot_minutes: template.slot_minutes,
        };
        let step = jiff::SignedDuration::from_mins(i64::from(template.slot_minutes));
        let mut at = starts;
        while let Ok(next) = at.checked_add(step) {
            if next > ends || next <= at {
                break;
            }
            slots.push(Slot {
                id: new_id("slt"),
                session_id: Some(session.id.clone()),
                day: session.day.clone(),
                starts: hhmm(at),
                ends: hhmm(next),
                part: template.part,
            });
            at = next;
        }
        sessions.push(session);
    }
    Ok((sessions, slots))
}

/// Checked tables from the caller's list (new ids); a name given twice is refused.
fn tables_from(inputs: &[TableInput]) -> AppResult<Vec<EventTable>> {
    let mut tables: Vec<EventTable> = Vec::new();
    for (n, input) in inputs.iter().enumerate() {
        let name = input.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(invalid_coded(
                &format!("tables[{n}].name"),
                "length",
                &[("min", "1"), ("max", "100")],
                "must be 1 to 100 characters",
            ));
        }
        if tables.iter().any(|t| t.name == name) {
            return Err(invalid_coded(&format!("tables[{n}].name"), "given-twice", &[("value", name)], format!("\"{name}\" is given twice")));
        }
        if !(1..=100).contains(&input.capacity) {
            return Err(invalid_coded(
                &format!("tables[{n}].capacity"),
                "number-between",
                &[("min", "1"), ("max", "100")],
                "must be between 1 and 100",
            ));
        }
        tables.push(EventTable {
            id: new_id("tbl"),
            name: name.to_owned(),
            capacity: input.capacity,
        });
    }
    Ok(tables)
}

/// Caps, when set, allow at least one request or meeting (`max_meetings` at most the
/// slots an event may have). (`Hub::check_rules` checks a request against the rules.)
fn check_rule_caps(rules: &EventRules) -> AppResult<()> {
    if let Some(cap) = rules.max_requests
        && !(1..=10_000).contains(&cap)
    {
        return Err(invalid_coded("rules.max_requests", "number-between-or-none", &[("min", "1"), ("max", "10000")], "must be between 1 and 10000 (or none)"));
    }
    if let Some(cap) = rules.max_meetings
        && !(1..=MAX_EVENT_SLOTS as u32).contains(&cap)
    {
        return Err(invalid_coded(
            "rules.max_meetings",
            "number-between-or-none",
            &[("min", "1"), ("max", &MAX_EVENT_SLOTS.to_string())],
            format!("must be between 1 and {MAX_EVENT_SLOTS} (or none)"),
        ));
    }
    Ok(())
}

/// Every slot falls on one of the event's days.
fn check_slot_days(starts_on: &str, ends_on: &str, slots: &[Slot]) -> AppResult<()> {
    let first = parse_day("starts_on", starts_on)?;
    let last = parse_day("ends_on", ends_on)?;
    for slot in slots {
        let day = parse_day("day", &slot.day)?;
        if day < first || day > last {
            return Err(invalid_coded(
                "day",
                "outside-event-days",
                &[("value", slot.day.as_str()), ("first", &first.to_string()), ("last", &last.to_string())],
                format!("{} is outside the event's days ({first} to {last})", slot.day),
            ));
        }
    }
    Ok(())
}
