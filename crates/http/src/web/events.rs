//! Event pages: list, detail (register, request meetings, answer requests), and a party's
//! agenda with every meeting in the event's time zone and in the viewer's, plus the
//! calendar subscription link. Organizer tools (slots, tables, the scheduler) are in the API.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use bridgehub_app::{AppError, MeetingRequestInput, RegistrationInput, RequestAnswer};
use bridgehub_store::{Event, Priority, RegistrationStatus, RequestStatus};
use serde::Deserialize;

use super::context::Ctx;
use super::pages::{FormData, app_error, org_names, render, run, see_other, to_login};
use crate::AppState;

pub(crate) struct EventCard {
    id: String,
    title: String,
    kind: String,
    place: String,
    dates: String,
    time_zone: String,
    status: String,
}

fn event_card(ctx: &Ctx, e: &Event) -> EventCard {
    let place = [e.venue.as_str(), e.city.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    let country = if e.country.is_empty() {
        String::new()
    } else {
        ctx.country(&e.country)
    };
    EventCard {
        id: e.id.clone(),
        title: e.title.clone(),
        kind: ctx.vocab("event-kind", e.kind.code()),
        place: [place, country]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" · "),
        dates: if e.starts_on == e.ends_on {
            e.starts_on.clone()
        } else {
            format!("{} – {}", e.starts_on, e.ends_on)
        },
        time_zone: e.time_zone.clone(),
        status: ctx.vocab("event-status", e.status.code()),
    }
}

#[derive(Template)]
#[template(path = "events.html")]
struct EventsPage<'a> {
    ctx: &'a Ctx,
    events: Vec<EventCard>,
    next_url: String,
}

/// `?after=` paging of the event list.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListParams {
    after: Option<String>,
}

const PAGE: u32 = 20;

/// `GET /events`.
pub(crate) async fn list(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Response {
    let after = params
        .ok()
        .and_then(|Query(p)| p.after)
        .filter(|a| !a.is_empty());
    match run(&state.hub, move |hub| {
        hub.list_events(after.as_deref(), Some(PAGE))
    })
    .await
    {
        Ok(events) => {
            let next_url = match events.last() {
                Some(last) if events.len() == PAGE as usize => {
                    format!(
                        "/events?after={}",
                        form_urlencoded::byte_serialize(last.record.id.as_bytes())
                            .collect::<String>()
                    )
                }
                _ => String::new(),
            };
            render(&EventsPage {
                events: events.iter().map(|e| event_card(&ctx, &e.record)).collect(),
                next_url,
                ctx: &ctx,
            })
        }
        Err(err) => app_error(&ctx, err),
    }
}

pub(crate) struct RequestRow {
    id: String,
    from: String,
    to: String,
    status: String,
    note: String,
    can_answer: bool,
    can_cancel: bool,
}

#[derive(Template)]
#[template(path = "event.html")]
struct EventPage<'a> {
    ctx: &'a Ctx,
    event: EventCard,
    description: String,
    slots: usize,
    registered: usize,
    open: bool,
    /// Own organizations not registered yet: (id, name).
    can_register: Vec<(String, String)>,
    /// Own registered parties: (id, name).
    mine: Vec<(String, String)>,
    requests: Vec<RequestRow>,
    notice: String,
}

/// `?done=` after a form.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneParam {
    done: Option<String>,
}

/// `GET /events/{id}`.
pub(crate) async fn detail(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    params: Result<Query<DoneParam>, QueryRejection>,
) -> Response {
    let notice = match params.ok().and_then(|Query(p)| p.done).as_deref() {
        Some("registered") => ctx.t("event-registered"),
        Some("requested") => ctx.t("event-request-sent"),
        _ => String::new(),
    };
    let c = ctx.clone();
    let result = run(&state.hub, move |hub| {
        let details = hub.event_details(&id)?;
        let (mut can_register, mut mine, mut requests) = (Vec::new(), Vec::new(), Vec::new());
        if let Some(viewer) = &c.viewer {
            let actor = viewer.actor();
            let registrations = hub.event_registrations(&actor, &id)?;
            let name = |party: &str| {
                hub.organization(party)
                    .map(|o| org_names(&o.record, c.locale).0)
                    .unwrap_or_else(|_| party.to_owned())
            };
            for org in &viewer.organizations {
                let registered = registrations
                    .iter()
                    .any(|r| r.party_id == *org && r.status == RegistrationStatus::Registered);
                if registered {
                    mine.push((org.clone(), name(org)))
                } else {
                    can_register.push((org.clone(), name(org)))
                }
            }
            for r in hub.meeting_requests(&actor, &id)? {
                let incoming = viewer.acts_for(&r.to_party) && !viewer.acts_for(&r.from_party);
                requests.push(RequestRow {
                    can_answer: incoming && r.status == RequestStatus::Requested,
                    can_cancel: viewer.acts_for(&r.from_party)
                        && matches!(r.status, RequestStatus::Requested | RequestStatus::Accepted),
                    status: c.vocab("request-status", r.status.code()),
                    from: name(&r.from_party),
                    to: name(&r.to_party),
                    note: r.note,
                    id: r.id,
                });
            }
        }
        Ok((details, can_register, mine, requests))
    })
    .await;
    match result {
        Ok((details, can_register, mine, requests)) => render(&EventPage {
            event: event_card(&ctx, &details.event),
            description: details.event.description.clone(),
            slots: details.slots.len(),
            registered: details.registered,
            open: details.event.status == bridgehub_store::EventStatus::Open,
            can_register,
            mine,
            requests,
            notice,
            ctx: &ctx,
        }),
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /events/{id}/register`: registers one of the viewer's organizations.
pub(crate) async fn register(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let party = FormData::parse(&body).get("party");
    let actor = viewer.actor();
    let event = id.clone();
    match run(&state.hub, move |hub| {
        hub.register_for_event(
            &actor,
            &event,
            &RegistrationInput {
                party,
                unavailable: Vec::new(),
            },
        )
    })
    .await
    {
        Ok(_) => see_other(&format!("/events/{id}?done=registered")),
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /events/{id}/meetings`: asks another registered party for a meeting.
pub(crate) async fn request_meeting(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = FormData::parse(&body);
    let input = MeetingRequestInput {
        from: form.get("from"),
        to: form.get("to"),
        priority: Priority::parse(&form.get("priority")),
        note: form.get("note"),
    };
    let actor = viewer.actor();
    let event = id.clone();
    match run(&state.hub, move |hub| {
        hub.request_meeting(&actor, &event, &input)
    })
    .await
    {
        Ok(_) => see_other(&format!("/events/{id}?done=requested")),
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /events/{id}/requests/{request}/{accept|decline|cancel}`.
pub(crate) async fn answer(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, request, action)): Path<(String, String, String)>,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let answer = match action.as_str() {
        "accept" => RequestAnswer::Accept,
        "decline" => RequestAnswer::Decline,
        "cancel" => RequestAnswer::Cancel,
        _ => {
            return app_error(
                &ctx,
                AppError::NotFound {
                    kind: "action",
                    id: action,
                },
            );
        }
    };
    let actor = viewer.actor();
    let event = id.clone();
    match run(&state.hub, move |hub| {
        hub.answer_meeting_request(&actor, &event, &request, answer)
    })
    .await
    {
        Ok(_) => see_other(&format!("/events/{id}")),
        Err(err) => app_error(&ctx, err),
    }
}

pub(crate) struct AgendaRow {
    event_time: String,
    viewer_time: String,
    with_id: String,
    with_name: String,
    table: String,
    status: String,
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage<'a> {
    ctx: &'a Ctx,
    event_id: String,
    title: String,
    party: String,
    party_name: String,
    event_zone: String,
    viewer_zone: String,
    rows: Vec<AgendaRow>,
    feed_url: String,
}

/// `?party=&tz=` of the agenda.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AgendaParams {
    party: Option<String>,
    tz: Option<String>,
}

fn span(start: &bridgehub_app::ZonedTime, end: &bridgehub_app::ZonedTime) -> String {
    let end_time = end.local.rsplit(' ').next().unwrap_or(&end.local);
    format!("{}–{} (UTC{})", start.local, end_time, start.offset)
}

/// `GET /events/{id}/agenda?party=&tz=`: a party's meetings in both time zones.
pub(crate) async fn agenda(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    params: Result<Query<AgendaParams>, QueryRejection>,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let p = params.ok().map(|Query(p)| p).unwrap_or_default();
    let Some(party) = p
        .party
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| viewer.organizations.first().cloned())
    else {
        return super::pages::error_page(&ctx, axum::http::StatusCode::NOT_FOUND, "event-no-party");
    };
    let tz = p.tz.clone().filter(|t| !t.trim().is_empty());
    let actor = viewer.actor();
    let c = ctx.clone();
    let event = id.clone();
    let result = run(&state.hub, move |hub| {
        let agenda = hub.agenda(&actor, &event, &party, tz.as_deref())?;
        let token = hub
            .event_registrations(&actor, &event)?
            .into_iter()
            .find(|r| r.party_id == party && r.status == RegistrationStatus::Registered)
            .map(|r| r.feed_token)
            .unwrap_or_default();
        let party_name = hub
            .organization(&party)
            .map(|o| org_names(&o.record, c.locale).0)
            .unwrap_or_else(|_| party.clone());
        Ok((agenda, token, party_name))
    })
    .await;
    match result {
        Ok((agenda, token, party_name)) => render(&AgendaPage {
            event_id: id.clone(),
            title: agenda.title.clone(),
            party: agenda.party.clone(),
            party_name,
            event_zone: agenda.event_time_zone.clone(),
            viewer_zone: agenda.viewer_time_zone.clone(),
            rows: agenda
                .meetings
                .iter()
                .map(|m| AgendaRow {
                    event_time: span(&m.start, &m.end),
                    viewer_time: span(&m.viewer_start, &m.viewer_end),
                    with_id: m.with.clone(),
                    with_name: m.with_name.clone(),
                    table: m.table.clone(),
                    status: ctx.vocab("meeting-status", m.status.code()),
                })
                .collect(),
            feed_url: if token.is_empty() {
                String::new()
            } else {
                format!(
                    "/api/v1/events/{id}/agenda.ics?token={}",
                    form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
                )
            },
            ctx: &ctx,
        }),
        Err(err) => app_error(&ctx, err),
    }
}
