//! Events, sessions, meeting slots, tables, registrations, meeting requests and
//! schedules (issue #4). Types and the [`EventStore`] trait; each backend implements it
//! in its own `events` module.
//!
//! The SQL is written once, here, against the small [`EventDb`] adapter (text and
//! integer values, `$n` placeholders) that both backends provide over a transaction,
//! so SQLite and PostgreSQL behave the same by construction.

use serde::{Deserialize, Serialize};

use crate::{Result, StoreError, Versioned};

macro_rules! code_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// The stable code, as stored and on the wire.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a code.
            pub fn parse(text: &str) -> Option<Self> {
                match text { $($code => Some($name::$variant),)+ _ => None }
            }

            /// Every code, for messages.
            pub const CODES: &'static [&'static str] = &[$($code),+];
        }
    };
}

code_enum!(
    /// What kind of event.
    EventKind {
        /// A conference.
        Conference = "conference",
        /// A trade fair or exhibition.
        Exhibition = "exhibition",
        /// A seminar.
        Seminar = "seminar",
        /// A forum or summit.
        Forum = "forum",
        /// A brokerage day of one-to-one meetings.
        Brokerage = "brokerage",
    }
);

code_enum!(
    /// Where an event stands.
    EventStatus {
        /// Being prepared; only organizers see changes matter.
        Draft = "draft",
        /// Open for registrations and meeting requests.
        Open = "open",
        /// Closed for new registrations and requests.
        Closed = "closed",
        /// Called off.
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// Morning or afternoon.
    DayPart {
        /// Morning.
        Am = "am",
        /// Afternoon.
        Pm = "pm",
    }
);

code_enum!(
    /// How much the requester wants a meeting.
    Priority {
        /// Must meet.
        Must = "must",
        /// Should meet.
        Should = "should",
        /// Nice to meet.
        Nice = "nice",
    }
);

code_enum!(
    /// Where a meeting request stands.
    RequestStatus {
        /// Waiting for the other side.
        Requested = "requested",
        /// The other side agreed: the scheduler may hold it.
        Accepted = "accepted",
        /// The other side said no.
        Declined = "declined",
        /// The requester withdrew it.
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// Where a scheduled meeting stands.
    MeetingStatus {
        /// Scheduled.
        Confirmed = "confirmed",
        /// Dropped by a later schedule or by its request; kept for calendar feeds.
        Cancelled = "cancelled",
    }
);

code_enum!(
    /// Whether a registration is live.
    RegistrationStatus {
        /// Taking part.
        Registered = "registered",
        /// Withdrawn.
        Cancelled = "cancelled",
    }
);

/// An event: a conference, exhibition, seminar, forum or brokerage day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Id (`evt-…`).
    pub id: String,
    /// Title.
    pub title: String,
    /// Kind.
    pub kind: EventKind,
    /// Venue.
    pub venue: String,
    /// City.
    pub city: String,
    /// ISO 3166-1 alpha-2 country code (may be empty).
    pub country: String,
    /// IANA time zone of the venue (`Asia/Ho_Chi_Minh`); slot times are local to it.
    pub time_zone: String,
    /// First day (`2026-12-01`).
    pub starts_on: String,
    /// Last day.
    pub ends_on: String,
    /// Description.
    pub description: String,
    /// Status.
    pub status: EventStatus,
}

/// Who may request whom, and caps per participant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventRules {
    /// Requests only between parties of different countries.
    #[serde(default)]
    pub cross_country_only: bool,
    /// Requests only between parties of different kinds (enterprise ↔ investor, ...).
    #[serde(default)]
    pub cross_kind_only: bool,
    /// At most this many open requests sent per participant.
    #[serde(default)]
    pub max_requests: Option<u32>,
    /// At most this many meetings per participant.
    #[serde(default)]
    pub max_meetings: Option<u32>,
}

/// A half-day session, the template its slots were made from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventSession {
    /// Id.
    pub id: String,
    /// Day (`2026-12-01`).
    pub day: String,
    /// Morning or afternoon.
    pub part: DayPart,
    /// Local start (`09:00`).
    pub starts: String,
    /// Local end (`12:00`).
    pub ends: String,
    /// Length of each meeting slot in minutes.
    pub slot_minutes: u32,
}

/// One meeting slot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Slot {
    /// Id.
    pub id: String,
    /// The session it belongs to, if made from one.
    pub session_id: Option<String>,
    /// Day (`2026-12-01`).
    pub day: String,
    /// Local start (`09:00`).
    pub starts: String,
    /// Local end (`09:20`).
    pub ends: String,
    /// Morning or afternoon.
    pub part: DayPart,
}

/// A table or booth.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventTable {
    /// Id.
    pub id: String,
    /// Name shown to participants (`Table 4`, `Booth B12`).
    pub name: String,
    /// Meetings it can hold at once.
    pub capacity: u32,
}

/// A party taking part in an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    /// Id.
    pub id: String,
    /// The event.
    pub event_id: String,
    /// Organization or person id.
    pub party_id: String,
    /// `organization` or `person`.
    pub party_kind: String,
    /// Slot ids the party cannot meet in.
    pub unavailable: Vec<String>,
    /// Status.
    pub status: RegistrationStatus,
    /// Secret that lets calendar apps fetch the party's feed without signing in.
    pub feed_token: String,
    /// The user who registered the party.
    pub registered_by: String,
}

/// A request from one party to meet another.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingRequest {
    /// Id.
    pub id: String,
    /// The event.
    pub event_id: String,
    /// The requesting party.
    pub from_party: String,
    /// The requested party.
    pub to_party: String,
    /// Priority.
    pub priority: Priority,
    /// Note to the other side.
    pub note: String,
    /// Status.
    pub status: RequestStatus,
    /// The user who sent it.
    pub requested_by: String,
    /// The slot an organizer fixed it to (the scheduler keeps it there), if any.
    #[serde(default)]
    pub fixed_slot: Option<String>,
    /// The day part an organizer restricted it to (the scheduler holds it only then), if any.
    #[serde(default)]
    pub session: Option<DayPart>,
    /// Requests of the same event that must be held before this one, when both are held.
    #[serde(default)]
    pub after: Vec<String>,
}

/// A scheduled (or cancelled) meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meeting {
    /// Id (`mtg-<request id>`).
    pub id: String,
    /// The request it holds.
    pub request_id: String,
    /// Slot.
    pub slot_id: String,
    /// Table.
    pub table_id: String,
    /// Status.
    pub status: MeetingStatus,
    /// Bumped on every change (iCalendar `SEQUENCE`).
    pub sequence: i64,
    /// Stable calendar UID.
    pub uid: String,
    /// The schedule run that last placed it.
    pub run_id: Option<String>,
}

/// One stored scheduler run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleRun {
    /// Id.
    pub id: String,
    /// The job that ran it, if any.
    pub job_id: Option<i64>,
    /// The run's summary, JSON text.
    pub summary: String,
    /// When it was stored (RFC 3339).
    pub created_at: String,
}

/// One meeting placed by a schedule run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The request.
    pub request_id: String,
    /// The slot.
    pub slot_id: String,
    /// The table.
    pub table_id: String,
}

/// What applying a schedule changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScheduleDiff {
    /// Requests newly scheduled.
    pub added: Vec<String>,
    /// Requests whose slot or table changed: `(request, old slot, new slot)`.
    pub moved: Vec<(String, String, String)>,
    /// Requests whose meeting was cancelled.
    pub cancelled: Vec<String>,
    /// Meetings that stayed as they were.
    pub unchanged: usize,
}

/// Everything about one event, read in one snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct EventSnapshot {
    /// The event.
    pub event: Versioned<Event>,
    /// Organizer user ids.
    pub organizers: Vec<String>,
    /// Rules.
    pub rules: EventRules,
    /// Sessions by day and start.
    pub sessions: Vec<EventSession>,
    /// Slots by day and start.
    pub slots: Vec<Slot>,
    /// Tables by name.
    pub tables: Vec<EventTable>,
    /// Registrations by party id.
    pub registrations: Vec<Registration>,
    /// Meeting requests by id.
    pub requests: Vec<MeetingRequest>,
    /// Meetings (confirmed and cancelled) by id.
    pub meetings: Vec<Meeting>,
    /// The newest schedule run.
    pub last_run: Option<ScheduleRun>,
}

/// What the hub keeps about events. Every write is one transaction.
pub trait EventStore {
    /// Adds an event with its first organizer (a user id).
    fn insert_event(&self, event: &Event, organizer: &str) -> Result<Versioned<Event>>;
    /// Replaces an event; see `Store::update_organization` for `expected_version`. A new
    /// time zone or venue bumps every meeting's sequence; cancelling the event cancels its
    /// confirmed meetings (calendar feeds then update).
    fn update_event(
        &self,
        event: &Event,
        expected_version: Option<i64>,
    ) -> Result<Versioned<Event>>;
    /// One event.
    fn event(&self, id: &str) -> Result<Option<Versioned<Event>>>;
    /// Events by id after `after`, at most `limit`.
    fn list_events(&self, after: Option<&str>, limit: u32) -> Result<Vec<Versioned<Event>>>;
    /// Everything about one event in one snapshot.
    fn event_snapshot(&self, id: &str) -> Result<Option<EventSnapshot>>;
    /// Adds an organizer (a user id).
    fn add_event_organizer(&self, event_id: &str, user_id: &str) -> Result<()>;
    /// Replaces the event's rules.
    fn set_event_rules(&self, event_id: &str, rules: &EventRules) -> Result<()>;
    /// Adds sessions and slots.
    fn add_event_slots(
        &self,
        event_id: &str,
        sessions: &[EventSession],
        slots: &[Slot],
    ) -> Result<()>;
    /// Adds tables; [`StoreError::Invalid`] (`name`) when a name is the event's already or
    /// repeats within the list, and then nothing is added.
    fn add_event_tables(&self, event_id: &str, tables: &[EventTable]) -> Result<()>;
    /// Registers a party, or updates its availability and status when it is registered
    /// already (its id and feed token stay). Returns the stored registration.
    fn upsert_registration(&self, registration: &Registration) -> Result<Registration>;
    /// Replaces the unavailable slots of a party that is registered (status `registered`),
    /// in one statement, so that a withdrawal at the same moment is not undone; `None`
    /// when the party is not registered (or has withdrawn).
    fn set_registration_unavailable(
        &self,
        event_id: &str,
        party_id: &str,
        unavailable: &[String],
    ) -> Result<Option<Registration>>;
    /// The registration a calendar feed token belongs to.
    fn registration_by_feed_token(&self, token: &str) -> Result<Option<Registration>>;
    /// Adds a meeting request; [`StoreError::IdTaken`] when the same pair exists already. A
    /// new request is stored free (no fixed slot, session or order): organizers set those
    /// with [`EventStore::set_request_fixed_slot`] and [`EventStore::set_request_order`].
    fn insert_meeting_request(&self, request: &MeetingRequest) -> Result<MeetingRequest>;
    /// Registers the parties given (as [`EventStore::upsert_registration`]) and adds the
    /// request with its status, fixed slot, part of the day and requests to follow (checked
    /// as by [`EventStore::set_request_fixed_slot`] and [`EventStore::set_request_order`]),
    /// all in one transaction: when any part fails nothing is stored.
    fn import_meeting_request(&self, registrations: &[Registration], request: &MeetingRequest) -> Result<MeetingRequest>;
    /// Fixes a request to one of its event's slots (`None`: frees it); the scheduler
    /// keeps a fixed request in its slot.
    fn set_request_fixed_slot(&self, event_id: &str, request_id: &str, slot_id: Option<&str>) -> Result<MeetingRequest>;
    /// Restricts a request to one day part (`None`: any slot) and sets the requests of its
    /// event that must be held before it (replacing the previous list);
    /// [`StoreError::MissingReference`] (`after`) for an id that is not another request of
    /// the event, [`StoreError::Invalid`] (`after`) for an order that would close a cycle.
    fn set_request_order(
        &self,
        event_id: &str,
        request_id: &str,
        session: Option<DayPart>,
        after: &[String],
    ) -> Result<MeetingRequest>;
    /// Sets a request's status; a declined or cancelled request also cancels its
    /// meeting (bumping its sequence).
    fn set_request_status(
        &self,
        event_id: &str,
        request_id: &str,
        status: RequestStatus,
    ) -> Result<MeetingRequest>;
    /// Stores a schedule run and makes the event's meetings match `placements`: unchanged
    /// meetings stay, moved ones get the new slot/table and a higher sequence, new ones are
    /// added, and confirmed meetings not placed are cancelled (sequence bumped).
    fn apply_schedule(
        &self,
        event_id: &str,
        run: &ScheduleRun,
        placements: &[Placement],
    ) -> Result<ScheduleDiff>;
    /// Records progress (JSON text) in the `result` of a running job this worker holds.
    fn record_job_progress(&self, job_id: i64, worker: &str, progress: &str) -> Result<bool>;
}

// ---------------------------------------------------------------------------------
// The shared implementation over a transaction.

/// A value passed to or read from SQL.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Val {
    /// Text (or NULL).
    Text(Option<String>),
    /// Integer (or NULL).
    Int(Option<i64>),
}

impl Val {
    fn text(&self) -> Result<String> {
        match self {
            Val::Text(Some(t)) => Ok(t.clone()),
            Val::Int(Some(i)) => Ok(i.to_string()),
            _ => Err(StoreError::Decode("unexpected NULL".into())),
        }
    }
    fn opt_text(&self) -> Option<String> {
        match self {
            Val::Text(t) => t.clone(),
            Val::Int(i) => i.map(|i| i.to_string()),
        }
    }
    fn int(&self) -> Result<i64> {
        self.opt_int()
            .ok_or_else(|| StoreError::Decode("expected an integer".into()))
    }
    fn opt_int(&self) -> Option<i64> {
        match self {
            Val::Int(i) => *i,
            Val::Text(t) => t.as_deref().and_then(|t| t.parse().ok()),
        }
    }
}

fn t(text: &str) -> Val {
    Val::Text(Some(text.to_owned()))
}
fn ot(text: Option<&str>) -> Val {
    Val::Text(text.map(str::to_owned))
}
fn i(value: i64) -> Val {
    Val::Int(Some(value))
}
fn oi(value: Option<i64>) -> Val {
    Val::Int(value)
}

/// The two operations the shared code needs from a backend's transaction. SQL uses `$n`
/// placeholders; integer columns are 64-bit on both backends.
pub(crate) trait EventDb {
    /// Runs a statement; returns the rows changed.
    fn exec(&mut self, sql: &str, params: &[Val]) -> Result<u64>;
    /// Runs a query; every row as values in column order.
    fn rows(&mut self, sql: &str, params: &[Val]) -> Result<Vec<Vec<Val>>>;
}

fn decode<T>(what: &str, text: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    parse(text).ok_or_else(|| StoreError::Decode(format!("unknown {what} \"{text}\"")))
}

const EVENT_COLUMNS: &str = "id, title, kind, venue, city, country, time_zone, starts_on, ends_on, description, status, version, created_at, updated_at";

fn event_row(row: &[Val]) -> Result<Versioned<Event>> {
    Ok(Versioned {
        record: Event {
            id: row[0].text()?,
            title: row[1].text()?,
            kind: decode("event kind", &row[2].text()?, EventKind::parse)?,
            venue: row[3].text()?,
            city: row[4].text()?,
            country: row[5].text()?,
            time_zone: row[6].text()?,
            starts_on: row[7].text()?,
            ends_on: row[8].text()?,
            description: row[9].text()?,
            status: decode("event status", &row[10].text()?, EventStatus::parse)?,
        },
        version: row[11].int()?,
        created_at: row[12].text()?,
        updated_at: row[13].text()?,
    })
}

pub(crate) fn event(db: &mut dyn EventDb, id: &str) -> Result<Option<Versioned<Event>>> {
    let rows = db.rows(
        &format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1"),
        &[t(id)],
    )?;
    rows.first().map(|row| event_row(row)).transpose()
}

fn require_event(db: &mut dyn EventDb, id: &str) -> Result<Versioned<Event>> {
    event(db, id)?.ok_or_else(|| StoreError::NotFound {
        kind: "event",
        id: id.to_owned(),
    })
}

pub(crate) fn list_events(
    db: &mut dyn EventDb,
    after: Option<&str>,
    limit: u32,
) -> Result<Vec<Versioned<Event>>> {
    let rows = db.rows(
        &format!("SELECT {EVENT_COLUMNS} FROM events WHERE id > $1 ORDER BY id LIMIT $2"),
        &[t(after.unwrap_or("")), i(i64::from(limit.clamp(1, 1000)))],
    )?;
    rows.iter().map(|row| event_row(row)).collect()
}

fn event_params(e: &Event) -> Vec<Val> {
    vec![
        t(&e.id),
        t(&e.title),
        t(e.kind.code()),
        t(&e.venue),
        t(&e.city),
        t(&e.country),
        t(&e.time_zone),
        t(&e.starts_on),
        t(&e.ends_on),
        t(&e.description),
        t(e.status.code()),
    ]
}

pub(crate) fn insert_event(
    db: &mut dyn EventDb,
    e: &Event,
    organizer: &str,
) -> Result<Versioned<Event>> {
    if event(db, &e.id)?.is_some() {
        return Err(StoreError::IdTaken {
            kind: "event",
            id: e.id.clone(),
        });
    }
    let now = crate::codec::now();
    let mut params = event_params(e);
    params.push(t(&now));
    db.exec(
        "INSERT INTO events (id, title, kind, venue, city, country, time_zone, starts_on, ends_on, description, status, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, $12, $12)",
        &params,
    )?;
    add_organizer(db, &e.id, organizer)?;
    db.exec(
        "INSERT INTO event_rules (event_id) VALUES ($1)",
        &[t(&e.id)],
    )?;
    require_event(db, &e.id)
}

pub(crate) fn update_event(
    db: &mut dyn EventDb,
    e: &Event,
    expected_version: Option<i64>,
) -> Result<Versioned<Event>> {
    let current = require_event(db, &e.id)?;
    crate::codec::check_version("event", &e.id, expected_version, current.version)?;
    let mut params = event_params(e);
    params.push(t(&crate::codec::now()));
    db.exec(
        "UPDATE events SET title = $2, kind = $3, venue = $4, city = $5, country = $6, time_zone = $7, starts_on = $8, \
         ends_on = $9, description = $10, status = $11, version = version + 1, updated_at = $12 WHERE id = $1",
        &params,
    )?;
    let now = crate::codec::now();
    if e.status == EventStatus::Cancelled && current.record.status != EventStatus::Cancelled {
        // Calendars drop the meetings of a cancelled event.
        db.exec(
            "UPDATE meetings SET status = 'cancelled', sequence = sequence + 1, updated_at = $2 \
             WHERE event_id = $1 AND status = 'confirmed'",
            &[t(&e.id), t(&now)],
        )?;
    } else if e.time_zone != current.record.time_zone || e.venue != current.record.venue {
        // Slot times are local to the zone: every meeting moved in absolute time (or place).
        db.exec(
            "UPDATE meetings SET sequence = sequence + 1, updated_at = $2 WHERE event_id = $1",
            &[t(&e.id), t(&now)],
        )?;
    }
    require_event(db, &e.id)
}

pub(crate) fn add_organizer(db: &mut dyn EventDb, event_id: &str, user_id: &str) -> Result<()> {
    if db
        .rows("SELECT id FROM users WHERE id = $1", &[t(user_id)])?
        .is_empty()
    {
        return Err(StoreError::MissingReference {
            field: "organizer",
            kind: "user",
            id: user_id.to_owned(),
        });
    }
    db.exec(
        "INSERT INTO event_organizers (event_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        &[t(event_id), t(user_id)],
    )?;
    Ok(())
}

pub(crate) fn set_rules(db: &mut dyn EventDb, event_id: &str, r: &EventRules) -> Result<()> {
    require_event(db, event_id)?;
    db.exec(
        "UPDATE event_rules SET cross_country_only = $2, cross_kind_only = $3, max_requests = $4, max_meetings = $5 WHERE event_id = $1",
        &[
            t(event_id),
            i(i64::from(r.cross_country_only)),
            i(i64::from(r.cross_kind_only)),
            oi(r.max_requests.map(i64::from)),
            oi(r.max_meetings.map(i64::from)),
        ],
    )?;
    Ok(())
}

pub(crate) fn add_slots(
    db: &mut dyn EventDb,
    event_id: &str,
    sessions: &[EventSession],
    slots: &[Slot],
) -> Result<()> {
    require_event(db, event_id)?;
    for s in sessions {
        db.exec(
            "INSERT INTO event_sessions (id, event_id, day, part, starts, ends, slot_minutes) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[t(&s.id), t(event_id), t(&s.day), t(s.part.code()), t(&s.starts), t(&s.ends), i(i64::from(s.slot_minutes))],
        )?;
    }
    for s in slots {
        db.exec(
            "INSERT INTO event_slots (id, event_id, session_id, day, starts, ends, part) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            &[t(&s.id), t(event_id), ot(s.session_id.as_deref()), t(&s.day), t(&s.starts), t(&s.ends), t(s.part.code())],
        )?;
    }
    Ok(())
}

/// Locks the event's row until the transaction ends (PostgreSQL; SQLite has one writer
/// anyway), so that a check of what the event holds and the write it allows are not
/// interleaved with another writer's.
fn lock_event(db: &mut dyn EventDb, event_id: &str) -> Result<()> {
    db.exec("UPDATE events SET version = version WHERE id = $1", &[t(event_id)])?;
    Ok(())
}

pub(crate) fn add_tables(
    db: &mut dyn EventDb,
    event_id: &str,
    tables: &[EventTable],
) -> Result<()> {
    require_event(db, event_id)?;
    // Names are unique within an event (participants find their table by it). The event's
    // row is locked first, so that two organizers adding tables at the same moment cannot
    // both take a name: the second waits, reads the first's tables and is refused.
    lock_event(db, event_id)?;
    let mut names = std::collections::HashSet::new();
    for row in db.rows("SELECT name FROM event_tables WHERE event_id = $1", &[t(event_id)])? {
        names.insert(row[0].text()?);
    }
    for table in tables {
        if !names.insert(table.name.clone()) {
            return Err(StoreError::Invalid {
                field: "name",
                problem: format!("\"{}\" is already a table of this event", table.name),
            });
        }
    }
    for table in tables {
        db.exec(
            "INSERT INTO event_tables (id, event_id, name, capacity) VALUES ($1, $2, $3, $4)",
            &[
                t(&table.id),
                t(event_id),
                t(&table.name),
                i(i64::from(table.capacity)),
            ],
        )?;
    }
    Ok(())
}

const REGISTRATION_COLUMNS: &str =
    "id, event_id, party_id, party_kind, unavailable, status, feed_token, registered_by";

fn registration_row(row: &[Val]) -> Result<Registration> {
    let unavailable: Vec<String> = serde_json::from_str(&row[4].text()?)
        .map_err(|e| StoreError::Decode(format!("unavailable slots: {e}")))?;
    Ok(Registration {
        id: row[0].text()?,
        event_id: row[1].text()?,
        party_id: row[2].text()?,
        party_kind: row[3].text()?,
        unavailable,
        status: decode(
            "registration status",
            &row[5].text()?,
            RegistrationStatus::parse,
        )?,
        feed_token: row[6].text()?,
        registered_by: row[7].text()?,
    })
}

pub(crate) fn upsert_registration(db: &mut dyn EventDb, r: &Registration) -> Result<Registration> {
    require_event(db, &r.event_id)?;
    let now = crate::codec::now();
    let unavailable = serde_json::to_string(&r.unavailable).unwrap_or_else(|_| "[]".into());
    db.exec(
        "INSERT INTO event_registrations (id, event_id, party_id, party_kind, unavailable, status, feed_token, registered_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         ON CONFLICT (event_id, party_id) DO UPDATE SET unavailable = excluded.unavailable, status = excluded.status, updated_at = excluded.updated_at",
        &[
            t(&r.id),
            t(&r.event_id),
            t(&r.party_id),
            t(&r.party_kind),
            t(&unavailable),
            t(r.status.code()),
            t(&r.feed_token),
            t(&r.registered_by),
            t(&now),
        ],
    )?;
    registration_of(db, &r.event_id, &r.party_id)?
        .ok_or_else(|| StoreError::Decode("stored registration vanished".into()))
}

/// The registration of `party_id` at the event, if any.
fn registration_of(db: &mut dyn EventDb, event_id: &str, party_id: &str) -> Result<Option<Registration>> {
    let rows = db.rows(
        &format!("SELECT {REGISTRATION_COLUMNS} FROM event_registrations WHERE event_id = $1 AND party_id = $2"),
        &[t(event_id), t(party_id)],
    )?;
    rows.first().map(|row| registration_row(row)).transpose()
}

pub(crate) fn set_registration_unavailable(
    db: &mut dyn EventDb,
    event_id: &str,
    party_id: &str,
    unavailable: &[String],
) -> Result<Option<Registration>> {
    let slots = serde_json::to_string(unavailable).unwrap_or_else(|_| "[]".into());
    let changed = db.exec(
        "UPDATE event_registrations SET unavailable = $3, updated_at = $4 \
         WHERE event_id = $1 AND party_id = $2 AND status = $5",
        &[t(event_id), t(party_id), t(&slots), t(&crate::codec::now()), t(RegistrationStatus::Registered.code())],
    )?;
    if changed == 0 {
        return Ok(None);
    }
    registration_of(db, event_id, party_id)
}

pub(crate) fn registration_by_token(
    db: &mut dyn EventDb,
    token: &str,
) -> Result<Option<Registration>> {
    let rows = db.rows(
        &format!("SELECT {REGISTRATION_COLUMNS} FROM event_registrations WHERE feed_token = $1"),
        &[t(token)],
    )?;
    rows.first().map(|row| registration_row(row)).transpose()
}

const REQUEST_COLUMNS: &str =
    "id, event_id, from_party, to_party, priority, note, status, requested_by, fixed_slot, session, after_requests";

fn request_row(row: &[Val]) -> Result<MeetingRequest> {
    Ok(MeetingRequest {
        id: row[0].text()?,
        event_id: row[1].text()?,
        from_party: row[2].text()?,
        to_party: row[3].text()?,
        priority: decode("priority", &row[4].text()?, Priority::parse)?,
        note: row[5].text()?,
        status: decode("request status", &row[6].text()?, RequestStatus::parse)?,
        requested_by: row[7].text()?,
        fixed_slot: row[8].opt_text(),
        session: row[9].opt_text().map(|code| decode("session", &code, DayPart::parse)).transpose()?,
        after: serde_json::from_str(&row[10].text()?)
            .map_err(|e| StoreError::Decode(format!("requests to follow: {e}")))?,
    })
}

fn request(db: &mut dyn EventDb, event_id: &str, id: &str) -> Result<Option<MeetingRequest>> {
    let rows = db.rows(
        &format!("SELECT {REQUEST_COLUMNS} FROM meeting_requests WHERE id = $1 AND event_id = $2"),
        &[t(id), t(event_id)],
    )?;
    rows.first().map(|row| request_row(row)).transpose()
}

fn require_request(db: &mut dyn EventDb, event_id: &str, id: &str) -> Result<MeetingRequest> {
    request(db, event_id, id)?.ok_or_else(|| StoreError::NotFound {
        kind: "meeting request",
        id: id.to_owned(),
    })
}

pub(crate) fn insert_request(db: &mut dyn EventDb, r: &MeetingRequest) -> Result<MeetingRequest> {
    require_event(db, &r.event_id)?;
    let taken = db.rows(
        "SELECT id FROM meeting_requests WHERE event_id = $1 AND from_party = $2 AND to_party = $3",
        &[t(&r.event_id), t(&r.from_party), t(&r.to_party)],
    )?;
    if let Some(row) = taken.first() {
        return Err(StoreError::IdTaken {
            kind: "meeting request",
            id: row[0].text()?,
        });
    }
    let now = crate::codec::now();
    db.exec(
        "INSERT INTO meeting_requests (id, event_id, from_party, to_party, priority, note, status, requested_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
        &[
            t(&r.id),
            t(&r.event_id),
            t(&r.from_party),
            t(&r.to_party),
            t(r.priority.code()),
            t(&r.note),
            t(r.status.code()),
            t(&r.requested_by),
            t(&now),
        ],
    )?;
    request(db, &r.event_id, &r.id)?
        .ok_or_else(|| StoreError::Decode("stored request vanished".into()))
}

pub(crate) fn import_request(
    db: &mut dyn EventDb,
    registrations: &[Registration],
    r: &MeetingRequest,
) -> Result<MeetingRequest> {
    for registration in registrations {
        upsert_registration(db, registration)?;
    }
    insert_request(db, r)?;
    if let Some(slot) = &r.fixed_slot {
        set_request_fixed_slot(db, &r.event_id, &r.id, Some(slot))?;
    }
    if r.session.is_some() || !r.after.is_empty() {
        return set_request_order(db, &r.event_id, &r.id, r.session, &r.after);
    }
    request(db, &r.event_id, &r.id)?.ok_or_else(|| StoreError::Decode("stored request vanished".into()))
}

pub(crate) fn set_request_fixed_slot(
    db: &mut dyn EventDb,
    event_id: &str,
    request_id: &str,
    slot_id: Option<&str>,
) -> Result<MeetingRequest> {
    require_request(db, event_id, request_id)?;
    if let Some(slot_id) = slot_id {
        let found = db.rows("SELECT id FROM event_slots WHERE id = $1 AND event_id = $2", &[t(slot_id), t(event_id)])?;
        if found.is_empty() {
            return Err(StoreError::NotFound { kind: "slot", id: slot_id.to_owned() });
        }
    }
    let now = crate::codec::now();
    db.exec(
        "UPDATE meeting_requests SET fixed_slot = $3, updated_at = $4 WHERE id = $1 AND event_id = $2",
        &[t(request_id), t(event_id), Val::Text(slot_id.map(str::to_owned)), t(&now)],
    )?;
    request(db, event_id, request_id)?.ok_or_else(|| StoreError::Decode("stored request vanished".into()))
}

/// The chain of "held after" links from request `from` back to request `to` (`[from, …,
/// to]`), if `to` must already come before `from`; `after_of` gives a request's list. Both
/// the use case (for its message) and [`EventStore::set_request_order`] (in its
/// transaction) ask it before storing an order, which would otherwise close a cycle.
pub fn order_chain<'a>(after_of: impl Fn(&str) -> Option<&'a [String]>, from: &'a str, to: &str) -> Option<Vec<String>> {
    let mut parent: std::collections::HashMap<&'a str, &'a str> = std::collections::HashMap::new();
    let mut queue = std::collections::VecDeque::from([from]);
    while let Some(id) = queue.pop_front() {
        if id == to {
            let mut path = vec![id.to_owned()];
            let mut at = id;
            while let Some(&previous) = parent.get(at) {
                path.push(previous.to_owned());
                at = previous;
            }
            path.reverse();
            return Some(path);
        }
        for next in after_of(id).unwrap_or_default() {
            if next != from && !parent.contains_key(next.as_str()) {
                parent.insert(next.as_str(), id);
                queue.push_back(next.as_str());
            }
        }
    }
    None
}

/// The message for an order refused because `id` is already held after the request
/// (`chain`, from [`order_chain`]).
pub fn cycle_problem(id: &str, chain: &[String]) -> String {
    format!("\"{id}\" is already held after this request ({}): the order would make a cycle", chain.join(" after "))
}

pub(crate) fn set_request_order(
    db: &mut dyn EventDb,
    event_id: &str,
    request_id: &str,
    session: Option<DayPart>,
    after: &[String],
) -> Result<MeetingRequest> {
    require_request(db, event_id, request_id)?;
    // The cycle check of the use case, again on what the transaction reads, so that two
    // organizers saving at the same moment cannot store a cycle between them: the event's
    // row is locked first (PostgreSQL; SQLite has one writer anyway), so a second order
    // waits and then reads the first.
    lock_event(db, event_id)?;
    let mut follows: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for row in db.rows("SELECT id, after_requests FROM meeting_requests WHERE event_id = $1", &[t(event_id)])? {
        let list: Vec<String> = serde_json::from_str(&row[1].text()?)
            .map_err(|e| StoreError::Decode(format!("requests to follow: {e}")))?;
        follows.insert(row[0].text()?, list);
    }
    for id in after {
        if id == request_id || !follows.contains_key(id) {
            return Err(StoreError::MissingReference { field: "after", kind: "meeting request", id: id.clone() });
        }
        if let Some(chain) = order_chain(|r| follows.get(r).map(Vec::as_slice), id, request_id) {
            return Err(StoreError::Invalid { field: "after", problem: cycle_problem(id, &chain) });
        }
    }
    let after = serde_json::to_string(after).map_err(|e| StoreError::Decode(format!("requests to follow: {e}")))?;
    let now = crate::codec::now();
    db.exec(
        "UPDATE meeting_requests SET session = $3, after_requests = $4, updated_at = $5 WHERE id = $1 AND event_id = $2",
        &[
            t(request_id),
            t(event_id),
            Val::Text(session.map(|part| part.code().to_owned())),
            t(&after),
            t(&now),
        ],
    )?;
    require_request(db, event_id, request_id)
}

pub(crate) fn set_request_status(
    db: &mut dyn EventDb,
    event_id: &str,
    request_id: &str,
    status: RequestStatus,
) -> Result<MeetingRequest> {
    require_request(db, event_id, request_id)?;
    let now = crate::codec::now();
    db.exec(
        "UPDATE meeting_requests SET status = $3, updated_at = $4 WHERE id = $1 AND event_id = $2",
        &[t(request_id), t(event_id), t(status.code()), t(&now)],
    )?;
    if matches!(status, RequestStatus::Declined | RequestStatus::Cancelled) {
        db.exec(
            "UPDATE meetings SET status = 'cancelled', sequence = sequence + 1, updated_at = $2 \
             WHERE request_id = $1 AND status = 'confirmed'",
            &[t(request_id), t(&now)],
        )?;
    }
    request(db, event_id, request_id)?
        .ok_or_else(|| StoreError::Decode("updated request vanished".into()))
}

const MEETING_COLUMNS: &str = "id, request_id, slot_id, table_id, status, sequence, uid, run_id";

fn meeting_row(row: &[Val]) -> Result<Meeting> {
    Ok(Meeting {
        id: row[0].text()?,
        request_id: row[1].text()?,
        slot_id: row[2].text()?,
        table_id: row[3].text()?,
        status: decode("meeting status", &row[4].text()?, MeetingStatus::parse)?,
        sequence: row[5].int()?,
        uid: row[6].text()?,
        run_id: row[7].opt_text(),
    })
}

fn run_row(row: &[Val]) -> Result<ScheduleRun> {
    Ok(ScheduleRun {
        id: row[0].text()?,
        job_id: row[1].opt_int(),
        summary: row[2].text()?,
        created_at: row[3].text()?,
    })
}

pub(crate) fn snapshot(db: &mut dyn EventDb, id: &str) -> Result<Option<EventSnapshot>> {
    let Some(event) = event(db, id)? else {
        return Ok(None);
    };
    let organizers = db
        .rows(
            "SELECT user_id FROM event_organizers WHERE event_id = $1 ORDER BY user_id",
            &[t(id)],
        )?
        .iter()
        .map(|row| row[0].text())
        .collect::<Result<_>>()?;
    let rules = db
        .rows(
            "SELECT cross_country_only, cross_kind_only, max_requests, max_meetings FROM event_rules WHERE event_id = $1",
            &[t(id)],
        )?
        .first()
        .map(|row| -> Result<EventRules> {
            Ok(EventRules {
                cross_country_only: row[0].int()? != 0,
                cross_kind_only: row[1].int()? != 0,
                max_requests: row[2].opt_int().map(|v| v.clamp(0, i64::from(u32::MAX)) as u32),
                max_meetings: row[3].opt_int().map(|v| v.clamp(0, i64::from(u32::MAX)) as u32),
            })
        })
        .transpose()?
        .unwrap_or_default();
    let sessions = db
        .rows(
            "SELECT id, day, part, starts, ends, slot_minutes FROM event_sessions WHERE event_id = $1 ORDER BY day, starts, id",
            &[t(id)],
        )?
        .iter()
        .map(|row| -> Result<EventSession> {
            Ok(EventSession {
                id: row[0].text()?,
                day: row[1].text()?,
                part: decode("day part", &row[2].text()?, DayPart::parse)?,
                starts: row[3].text()?,
                ends: row[4].text()?,
                slot_minutes: row[5].int()?.clamp(0, i64::from(u32::MAX)) as u32,
            })
        })
        .collect::<Result<_>>()?;
    let slots = db
        .rows(
            "SELECT id, session_id, day, starts, ends, part FROM event_slots WHERE event_id = $1 ORDER BY day, starts, id",
            &[t(id)],
        )?
        .iter()
        .map(|row| -> Result<Slot> {
            Ok(Slot {
                id: row[0].text()?,
                session_id: row[1].opt_text(),
                day: row[2].text()?,
                starts: row[3].text()?,
                ends: row[4].text()?,
                part: decode("day part", &row[5].text()?, DayPart::parse)?,
            })
        })
        .collect::<Result<_>>()?;
    let tables = db
        .rows(
            "SELECT id, name, capacity FROM event_tables WHERE event_id = $1 ORDER BY name, id",
            &[t(id)],
        )?
        .iter()
        .map(|row| -> Result<EventTable> {
            Ok(EventTable {
                id: row[0].text()?,
                name: row[1].text()?,
                capacity: row[2].int()?.clamp(0, i64::from(u32::MAX)) as u32,
            })
        })
        .collect::<Result<_>>()?;
    let registrations = db
        .rows(
            &format!("SELECT {REGISTRATION_COLUMNS} FROM event_registrations WHERE event_id = $1 ORDER BY party_id"),
            &[t(id)],
        )?
        .iter()
        .map(|row| registration_row(row))
        .collect::<Result<_>>()?;
    let requests = db
        .rows(
            &format!(
                "SELECT {REQUEST_COLUMNS} FROM meeting_requests WHERE event_id = $1 ORDER BY id"
            ),
            &[t(id)],
        )?
        .iter()
        .map(|row| request_row(row))
        .collect::<Result<_>>()?;
    let meetings = db
        .rows(
            &format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE event_id = $1 ORDER BY id"),
            &[t(id)],
        )?
        .iter()
        .map(|row| meeting_row(row))
        .collect::<Result<_>>()?;
    let last_run = db
        .rows(
            "SELECT id, job_id, summary, created_at FROM schedule_runs WHERE event_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1",
            &[t(id)],
        )?
        .first()
        .map(|row| run_row(row))
        .transpose()?;
    Ok(Some(EventSnapshot {
        event,
        organizers,
        rules,
        sessions,
        slots,
        tables,
        registrations,
        requests,
        meetings,
        last_run,
    }))
}

pub(crate) fn apply_schedule(
    db: &mut dyn EventDb,
    event_id: &str,
    run: &ScheduleRun,
    placements: &[Placement],
) -> Result<ScheduleDiff> {
    require_event(db, event_id)?;
    let now = crate::codec::now();
    db.exec(
        "INSERT INTO schedule_runs (id, event_id, job_id, summary, created_at) VALUES ($1, $2, $3, $4, $5)",
        &[t(&run.id), t(event_id), oi(run.job_id), t(&run.summary), t(&now)],
    )?;
    let existing: Vec<Meeting> = db
        .rows(
            &format!("SELECT {MEETING_COLUMNS} FROM meetings WHERE event_id = $1 ORDER BY id"),
            &[t(event_id)],
        )?
        .iter()
        .map(|row| meeting_row(row))
        .collect::<Result<_>>()?;
    let by_request: std::collections::HashMap<&str, &Meeting> = existing
        .iter()
        .map(|m| (m.request_id.as_str(), m))
        .collect();
    let mut diff = ScheduleDiff::default();
    let mut placed = std::collections::HashSet::new();
    for p in placements {
        placed.insert(p.request_id.as_str());
        match by_request.get(p.request_id.as_str()) {
            Some(m)
                if m.status == MeetingStatus::Confirmed
                    && m.slot_id == p.slot_id
                    && m.table_id == p.table_id =>
            {
                diff.unchanged += 1;
            }
            Some(m) => {
                db.exec(
                    "UPDATE meetings SET slot_id = $2, table_id = $3, status = 'confirmed', sequence = sequence + 1, run_id = $4, updated_at = $5 WHERE id = $1",
                    &[t(&m.id), t(&p.slot_id), t(&p.table_id), t(&run.id), t(&now)],
                )?;
                if m.status == MeetingStatus::Confirmed {
                    diff.moved
                        .push((p.request_id.clone(), m.slot_id.clone(), p.slot_id.clone()));
                } else {
                    diff.added.push(p.request_id.clone());
                }
            }
            None => {
                let id = format!("mtg-{}", p.request_id);
                let uid = format!("{id}.{event_id}@bridgehub");
                db.exec(
                    "INSERT INTO meetings (id, event_id, request_id, slot_id, table_id, status, sequence, uid, run_id, updated_at) \
                     VALUES ($1, $2, $3, $4, $5, 'confirmed', 0, $6, $7, $8)",
                    &[t(&id), t(event_id), t(&p.request_id), t(&p.slot_id), t(&p.table_id), t(&uid), t(&run.id), t(&now)],
                )?;
                diff.added.push(p.request_id.clone());
            }
        }
    }
    for m in &existing {
        if m.status == MeetingStatus::Confirmed && !placed.contains(m.request_id.as_str()) {
            db.exec(
                "UPDATE meetings SET status = 'cancelled', sequence = sequence + 1, run_id = $2, updated_at = $3 WHERE id = $1",
                &[t(&m.id), t(&run.id), t(&now)],
            )?;
            diff.cancelled.push(m.request_id.clone());
        }
    }
    Ok(diff)
}

pub(crate) fn record_job_progress(
    db: &mut dyn EventDb,
    job_id: i64,
    worker: &str,
    progress: &str,
) -> Result<bool> {
    Ok(db.exec(
        "UPDATE jobs SET result = $1, updated_at = $2 WHERE id = $3 AND locked_by = $4 AND status = 'running'",
        &[t(progress), t(&crate::codec::now()), i(job_id), t(worker)],
    )? > 0)
}

/// Implements [`EventStore`] for a backend that has `fn event_tx<T>(&self, write: bool,
/// work: impl FnOnce(&mut dyn EventDb) -> Result<T>) -> Result<T>`.
macro_rules! impl_event_store {
    ($store:ty) => {
        impl $crate::EventStore for $store {
            fn insert_event(
                &self,
                event: &$crate::events::Event,
                organizer: &str,
            ) -> $crate::Result<$crate::Versioned<$crate::events::Event>> {
                self.event_tx(true, |db| {
                    $crate::events::insert_event(db, event, organizer)
                })
            }
            fn update_event(
                &self,
                event: &$crate::events::Event,
                expected_version: Option<i64>,
            ) -> $crate::Result<$crate::Versioned<$crate::events::Event>> {
                self.event_tx(true, |db| {
                    $crate::events::update_event(db, event, expected_version)
                })
            }
            fn event(
                &self,
                id: &str,
            ) -> $crate::Result<Option<$crate::Versioned<$crate::events::Event>>> {
                self.event_tx(false, |db| $crate::events::event(db, id))
            }
            fn list_events(
                &self,
                after: Option<&str>,
                limit: u32,
            ) -> $crate::Result<Vec<$crate::Versioned<$crate::events::Event>>> {
                self.event_tx(false, |db| $crate::events::list_events(db, after, limit))
            }
            fn event_snapshot(
                &self,
                id: &str,
            ) -> $crate::Result<Option<$crate::events::EventSnapshot>> {
                self.event_tx(false, |db| $crate::events::snapshot(db, id))
            }
            fn add_event_organizer(&self, event_id: &str, user_id: &str) -> $crate::Result<()> {
                self.event_tx(true, |db| {
                    $crate::events::require_event_exists(db, event_id)?;
                    $crate::events::add_organizer(db, event_id, user_id)
                })
            }
            fn set_event_rules(
                &self,
                event_id: &str,
                rules: &$crate::events::EventRules,
            ) -> $crate::Result<()> {
                self.event_tx(true, |db| $crate::events::set_rules(db, event_id, rules))
            }
            fn add_event_slots(
                &self,
                event_id: &str,
                sessions: &[$crate::events::EventSession],
                slots: &[$crate::events::Slot],
            ) -> $crate::Result<()> {
                self.event_tx(true, |db| {
                    $crate::events::add_slots(db, event_id, sessions, slots)
                })
            }
            fn add_event_tables(
                &self,
                event_id: &str,
                tables: &[$crate::events::EventTable],
            ) -> $crate::Result<()> {
                self.event_tx(true, |db| $crate::events::add_tables(db, event_id, tables))
            }
            fn upsert_registration(
                &self,
                registration: &$crate::events::Registration,
            ) -> $crate::Result<$crate::events::Registration> {
                self.event_tx(true, |db| {
                    $crate::events::upsert_registration(db, registration)
                })
            }
            fn set_registration_unavailable(
                &self,
                event_id: &str,
                party_id: &str,
                unavailable: &[String],
            ) -> $crate::Result<Option<$crate::events::Registration>> {
                self.event_tx(true, |db| {
                    $crate::events::set_registration_unavailable(db, event_id, party_id, unavailable)
                })
            }
            fn registration_by_feed_token(
                &self,
                token: &str,
            ) -> $crate::Result<Option<$crate::events::Registration>> {
                self.event_tx(false, |db| $crate::events::registration_by_token(db, token))
            }
            fn insert_meeting_request(
                &self,
                request: &$crate::events::MeetingRequest,
            ) -> $crate::Result<$crate::events::MeetingRequest> {
                self.event_tx(true, |db| $crate::events::insert_request(db, request))
            }
            fn import_meeting_request(
                &self,
                registrations: &[$crate::events::Registration],
                request: &$crate::events::MeetingRequest,
            ) -> $crate::Result<$crate::events::MeetingRequest> {
                self.event_tx(true, |db| $crate::events::import_request(db, registrations, request))
            }
            fn set_request_fixed_slot(
                &self,
                event_id: &str,
                request_id: &str,
                slot_id: Option<&str>,
            ) -> $crate::Result<$crate::events::MeetingRequest> {
                self.event_tx(true, |db| $crate::events::set_request_fixed_slot(db, event_id, request_id, slot_id))
            }
            fn set_request_order(
                &self,
                event_id: &str,
                request_id: &str,
                session: Option<$crate::events::DayPart>,
                after: &[String],
            ) -> $crate::Result<$crate::events::MeetingRequest> {
                self.event_tx(true, |db| $crate::events::set_request_order(db, event_id, request_id, session, after))
            }
            fn set_request_status(
                &self,
                event_id: &str,
                request_id: &str,
                status: $crate::events::RequestStatus,
            ) -> $crate::Result<$crate::events::MeetingRequest> {
                self.event_tx(true, |db| {
                    $crate::events::set_request_status(db, event_id, request_id, status)
                })
            }
            fn apply_schedule(
                &self,
                event_id: &str,
                run: &$crate::events::ScheduleRun,
                placements: &[$crate::events::Placement],
            ) -> $crate::Result<$crate::events::ScheduleDiff> {
                self.event_tx(true, |db| {
                    $crate::events::apply_schedule(db, event_id, run, placements)
                })
            }
            fn record_job_progress(
                &self,
                job_id: i64,
                worker: &str,
                progress: &str,
            ) -> $crate::Result<bool> {
                self.event_tx(true, |db| {
                    $crate::events::record_job_progress(db, job_id, worker, progress)
                })
            }
        }
    };
}
pub(crate) use impl_event_store;

pub(crate) fn require_event_exists(db: &mut dyn EventDb, id: &str) -> Result<()> {
    require_event(db, id).map(|_| ())
}
