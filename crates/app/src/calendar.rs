//! Agendas and iCalendar feeds (issue #4 §4). Times are shown in the event's IANA time
//! zone and in the viewer's, both explicit: RFC 9557 / ISO 8601 with the UTC offset and
//! the zone name (`2026-12-01T09:00:00+07:00[Asia/Ho_Chi_Minh]`). Feeds keep cancelled
//! meetings (`STATUS:CANCELLED`) with the same UID and a higher `SEQUENCE`, so calendar
//! apps update their copy rather than add a second one; `DTSTART`/`DTEND` are in UTC.

use std::collections::HashMap;

use bridgehub_store::{EventSnapshot, MeetingStatus, Priority, RegistrationStatus};
use icalendar::{Calendar, Component, EventLike};
use serde::Serialize;

use crate::events::{acts_for_party, organizes, parse_day, parse_time, zone};
use crate::{Actor, AppError, AppResult, Hub};

/// One instant shown in one time zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZonedTime {
    /// RFC 9557 / ISO 8601 with offset and zone name, e.g.
    /// `2026-12-01T09:00:00+07:00[Asia/Ho_Chi_Minh]`.
    pub at: String,
    /// Local wall-clock time in that zone, `YYYY-MM-DD HH:MM`.
    pub local: String,
    /// UTC offset, `+07:00`.
    pub offset: String,
    /// IANA zone name.
    pub time_zone: String,
}

/// One meeting on a party's agenda.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaItem {
    /// Meeting id.
    pub meeting: String,
    /// Stable calendar UID.
    pub uid: String,
    /// Changes so far (iCalendar `SEQUENCE`).
    pub sequence: i64,
    /// `confirmed` or `cancelled`.
    pub status: MeetingStatus,
    /// The meeting request.
    pub request: String,
    /// The other party's id.
    pub with: String,
    /// The other party's name.
    pub with_name: String,
    /// Priority of the request.
    pub priority: Priority,
    /// Table or booth name.
    pub table: String,
    /// Start in the event's zone.
    pub start: ZonedTime,
    /// End in the event's zone.
    pub end: ZonedTime,
    /// Start in the viewer's zone.
    pub viewer_start: ZonedTime,
    /// End in the viewer's zone.
    pub viewer_end: ZonedTime,
    /// Start in UTC (RFC 3339).
    pub start_utc: String,
    /// The slot it is held in.
    pub slot: String,
    /// Whether the party has since marked that slot unavailable (the meeting stays
    /// until the scheduler runs again).
    pub in_unavailable_slot: bool,
}

/// One of the event's slots and whether the party can meet in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlotAvailability {
    /// Slot id.
    pub slot: String,
    /// Day (`2026-12-01`), in the event's zone.
    pub day: String,
    /// Local start and end (`09:00`, `09:20`), in the event's zone.
    pub starts: String,
    /// See `starts`.
    pub ends: String,
    /// Morning or afternoon (`am`, `pm`).
    pub part: String,
    /// False when the party has marked the slot unavailable.
    pub available: bool,
}

/// A party's agenda at an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Agenda {
    /// The event.
    pub event: String,
    /// Its title.
    pub title: String,
    /// The party.
    pub party: String,
    /// The event's IANA time zone.
    pub event_time_zone: String,
    /// The viewer's IANA time zone.
    pub viewer_time_zone: String,
    /// Meetings by start time (cancelled ones included, marked).
    pub meetings: Vec<AgendaItem>,
    /// Every slot of the event in time order, with the party's availability.
    pub availability: Vec<SlotAvailability>,
    /// Whether the caller may change that availability now: the party is registered, and
    /// the event is open (or the caller organizes it and it is a draft or closed).
    pub availability_editable: bool,
    /// The party's calendar feed token while it is registered (for the agenda page's
    /// subscription link; never serialized).
    #[serde(skip)]
    pub feed_token: Option<String>,
}

fn zoned_time(zoned: &jiff::Zoned, name: &str) -> ZonedTime {
    ZonedTime {
        at: zoned.to_string(),
        local: zoned.strftime("%Y-%m-%d %H:%M").to_string(),
        offset: zoned.strftime("%:z").to_string(),
        time_zone: name.to_owned(),
    }
}

struct Placed {
    item: AgendaItem,
    start: jiff::Timestamp,
    end: jiff::Timestamp,
    parties: (String, String),
}

impl Hub {
    fn party_name(&self, party: &str) -> AppResult<String> {
        if let Some(org) = self.store.organization(party)? {
            return Ok(org.record.name);
        }
        if let Some(person) = self.store.person(party)? {
            return Ok(person.record.name);
        }
        Ok(party.to_owned())
    }

    /// Every meeting of the snapshot (or of one party) with its times, by start.
    fn placed_meetings(
        &self,
        snapshot: &EventSnapshot,
        party: Option<&str>,
        viewer: &str,
    ) -> AppResult<Vec<Placed>> {
        let event = &snapshot.event.record;
        let event_zone = zone("time_zone", &event.time_zone)?;
        let viewer_zone = zone("tz", viewer)?;
        let slots: HashMap<&str, _> = snapshot.slots.iter().map(|s| (s.id.as_str(), s)).collect();
        let tables: HashMap<&str, &str> = snapshot
            .tables
            .iter()
            .map(|t| (t.id.as_str(), t.name.as_str()))
            .collect();
        let requests: HashMap<&str, _> = snapshot
            .requests
            .iter()
            .map(|r| (r.id.as_str(), r))
            .collect();
        let mut names: HashMap<String, String> = HashMap::new();
        let mut out = Vec::new();
        for meeting in &snapshot.meetings {
            let (Some(request), Some(slot)) = (
                requests.get(meeting.request_id.as_str()),
                slots.get(meeting.slot_id.as_str()),
            ) else {
                continue;
            };
            let with = match party {
                Some(p) if request.from_party == p => request.to_party.clone(),
                Some(p) if request.to_party == p => request.from_party.clone(),
                Some(_) => continue,
                None => request.to_party.clone(),
            };
            let day = parse_day("day", &slot.day)?;
            let to_zoned = |time: &str| -> AppResult<jiff::Zoned> {
                let time = parse_time("time", time)?;
                day.to_datetime(time)
                    .to_zoned(event_zone.clone())
                    .map_err(|e| {
                        AppError::InvalidState(format!(
                            "slot time cannot be placed in {}: {e}",
                            event.time_zone
                        ))
                    })
            };
            let start = to_zoned(&slot.starts)?;
            let end = to_zoned(&slot.ends)?;
            let viewer_start = start.with_time_zone(viewer_zone.clone());
            let viewer_end = end.with_time_zone(viewer_zone.clone());
            let with_name = match names.get(&with) {
                Some(name) => name.clone(),
                None => {
                    let name = self.party_name(&with)?;
                    names.insert(with.clone(), name.clone());
                    name
                }
            };
            out.push(Placed {
                start: start.timestamp(),
                end: end.timestamp(),
                parties: (request.from_party.clone(), request.to_party.clone()),
                item: AgendaItem {
                    meeting: meeting.id.clone(),
                    uid: meeting.uid.clone(),
                    sequence: meeting.sequence,
                    status: meeting.status,
                    request: request.id.clone(),
                    with,
                    with_name,
                    priority: request.priority,
                    table: tables
                        .get(meeting.table_id.as_str())
                        .map(|t| (*t).to_owned())
                        .unwrap_or_default(),
                    start: zoned_time(&start, &event.time_zone),
                    end: zoned_time(&end, &event.time_zone),
                    viewer_start: zoned_time(&viewer_start, viewer),
                    viewer_end: zoned_time(&viewer_end, viewer),
                    start_utc: start.timestamp().to_string(),
                    slot: slot.id.clone(),
                    in_unavailable_slot: false,
                },
            });
        }
        out.sort_by(|a, b| {
            a.start
                .cmp(&b.start)
                .then_with(|| a.item.meeting.cmp(&b.item.meeting))
        });
        Ok(out)
    }

    /// A party's agenda: its meetings with times in the event's zone and in `viewer_tz`
    /// (an IANA name; the event's zone when absent). For the party's users and organizers.
    pub fn agenda(
        &self,
        actor: &Actor,
        event_id: &str,
        party: &str,
        viewer_tz: Option<&str>,
    ) -> AppResult<Agenda> {
        let snapshot = self.snapshot(event_id)?;
        if !acts_for_party(actor, &snapshot, party) {
            return Err(AppError::Forbidden(format!(
                "you do not act for \"{party}\""
            )));
        }
        let mut agenda = self.agenda_of(&snapshot, party, viewer_tz)?;
        agenda.availability_editable =
            crate::events::is_registered(&snapshot, party) && crate::events::may_register(&snapshot, actor);
        Ok(agenda)
    }

    fn agenda_of(
        &self,
        snapshot: &EventSnapshot,
        party: &str,
        viewer_tz: Option<&str>,
    ) -> AppResult<Agenda> {
        let event = &snapshot.event.record;
        let Some(registration) = snapshot.registrations.iter().find(|r| r.party_id == party) else {
            return Err(AppError::NotFound {
                kind: "registration",
                id: party.to_owned(),
            });
        };
        let unavailable = |slot: &str| registration.unavailable.iter().any(|s| s == slot);
        let mut slots: Vec<_> = snapshot.slots.iter().collect();
        slots.sort_by(|a, b| (&a.day, &a.starts, &a.id).cmp(&(&b.day, &b.starts, &b.id)));
        let availability = slots
            .into_iter()
            .map(|s| SlotAvailability {
                slot: s.id.clone(),
                day: s.day.clone(),
                starts: s.starts.clone(),
                ends: s.ends.clone(),
                part: s.part.code().to_owned(),
                available: !unavailable(&s.id),
            })
            .collect();
        let viewer = viewer_tz
            .filter(|v| !v.is_empty())
            .unwrap_or(&event.time_zone)
            .to_owned();
        let meetings = self
            .placed_meetings(snapshot, Some(party), &viewer)?
            .into_iter()
            .map(|p| AgendaItem {
                in_unavailable_slot: p.item.status == MeetingStatus::Confirmed && unavailable(&p.item.slot),
                ..p.item
            })
            .collect();
        Ok(Agenda {
            event: event.id.clone(),
            title: event.title.clone(),
            party: party.to_owned(),
            event_time_zone: event.time_zone.clone(),
            viewer_time_zone: viewer,
            meetings,
            availability,
            availability_editable: false,
            feed_token: (registration.status == RegistrationStatus::Registered).then(|| registration.feed_token.clone()),
        })
    }

    /// A party's iCalendar feed (for the party's users and organizers).
    pub fn agenda_ics(&self, actor: &Actor, event_id: &str, party: &str) -> AppResult<String> {
        let snapshot = self.snapshot(event_id)?;
        if !acts_for_party(actor, &snapshot, party) {
            return Err(AppError::Forbidden(format!(
                "you do not act for \"{party}\""
            )));
        }
        self.ics(&snapshot, Some(party))
    }

    /// A party's iCalendar feed by its secret feed token (for calendar apps, which
    /// cannot sign in). An unknown token or a withdrawn registration is "not found".
    pub fn feed_ics(&self, event_id: &str, token: &str) -> AppResult<String> {
        let not_found = || AppError::NotFound {
            kind: "calendar feed",
            id: event_id.to_owned(),
        };
        if token.len() < 16 {
            return Err(not_found());
        }
        let registration = self
            .store
            .registration_by_feed_token(token)?
            .ok_or_else(not_found)?;
        if registration.event_id != event_id
            || registration.status != RegistrationStatus::Registered
        {
            return Err(not_found());
        }
        let snapshot = self.snapshot(event_id)?;
        self.ics(&snapshot, Some(&registration.party_id))
    }

    /// The whole event's iCalendar feed (organizers only).
    pub fn event_ics(&self, actor: &Actor, event_id: &str) -> AppResult<String> {
        let snapshot = self.snapshot(event_id)?;
        if !organizes(actor, &snapshot) {
            return Err(AppError::Forbidden(
                "only the event's organizers may see every meeting".into(),
            ));
        }
        self.ics(&snapshot, None)
    }

    fn ics(&self, snapshot: &EventSnapshot, party: Option<&str>) -> AppResult<String> {
        let event = &snapshot.event.record;
        let placed = self.placed_meetings(snapshot, party, &event.time_zone)?;
        let mut calendar = Calendar::new();
        calendar.name(&event.title);
        calendar.timezone(event.time_zone.as_str());
        let utc = |at: jiff::Timestamp| at.strftime("%Y%m%dT%H%M%SZ").to_string();
        for p in &placed {
            let item = &p.item;
            let summary = match party {
                Some(_) => format!("Meeting with {}", item.with_name),
                None => format!("Meeting: {} – {}", p.parties.0, p.parties.1),
            };
            let location = [event.venue.as_str(), item.table.as_str()]
                .iter()
                .filter(|s| !s.is_empty())
                .copied()
                .collect::<Vec<_>>()
                .join(", ");
            let place = if event.city.is_empty() {
                String::new()
            } else {
                format!(" ({})", event.city)
            };
            let description = format!(
                "{}{}. Local time: {} to {} {} ({}). Priority: {}.",
                event.title,
                place,
                item.start.local,
                item.end.local.get(11..).unwrap_or(&item.end.local),
                event.time_zone,
                item.start.offset,
                item.priority.code()
            );
            let mut vevent = icalendar::Event::new();
            vevent
                .uid(&item.uid)
                .sequence(u32::try_from(item.sequence).unwrap_or(u32::MAX))
                .summary(&summary)
                .description(&description)
                .location(&location)
                .add_property("DTSTART", utc(p.start))
                .add_property("DTEND", utc(p.end))
                .status(match item.status {
                    MeetingStatus::Confirmed => icalendar::EventStatus::Confirmed,
                    MeetingStatus::Cancelled => icalendar::EventStatus::Cancelled,
                });
            calendar.push(vevent.done());
        }
        Ok(calendar.done().to_string())
    }
}
