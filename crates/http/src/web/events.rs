//! Event pages: list, detail (register, request meetings, answer requests), and a party's
//! agenda with every meeting in the event's time zone and in the viewer's, plus the
//! calendar subscription link and the party's unavailable slots; creating an event; for
//! organizers, its status, sessions, single slots, tables and rules, the meeting requests
//! with their fixed slots, sessions and order, and the scheduler.

use askama::Template;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use bridgehub_app::{AppError, MeetingRequestInput, RegistrationInput, RequestAnswer, RequestOrderInput, ScheduleMode, ScheduleOptions};
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
    /// The viewer organizes the event (a link to the organizer page).
    organizer: bool,
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
        // One snapshot of the event for everything below.
        let actor = c.viewer.as_ref().map(|v| v.actor());
        let bridgehub_app::EventView { details, organizer, registrations, requests: visible } =
            hub.event_view(actor.as_ref(), &id)?;
        let (mut can_register, mut mine, mut requests) = (Vec::new(), Vec::new(), Vec::new());
        if let Some(viewer) = &c.viewer {
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
            for r in visible {
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
        Ok((details, can_register, mine, requests, organizer))
    })
    .await;
    match result {
        Ok((details, can_register, mine, requests, organizer)) => render(&EventPage {
            event: event_card(&ctx, &details.event),
            description: details.event.description.clone(),
            slots: details.slots.len(),
            registered: details.registered,
            open: details.event.status == bridgehub_store::EventStatus::Open,
            can_register,
            mine,
            requests,
            notice,
            organizer,
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
    /// Held in a slot the party has since marked unavailable.
    conflict: bool,
}

/// The slots of one day and part of the day, for the availability form.
pub(crate) struct AvailabilityGroup {
    label: String,
    /// (slot id, `09:00–09:20`, available).
    slots: Vec<(String, String, bool)>,
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
    notice: String,
    /// The warning about meetings held in slots now marked unavailable (empty: none).
    conflicts: String,
    availability: Vec<AvailabilityGroup>,
    /// How many slots are marked unavailable (empty: none), and whether the viewer may
    /// change them now.
    unavailable: String,
    editable: bool,
}

/// `?party=&tz=&done=` of the agenda.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct AgendaParams {
    party: Option<String>,
    tz: Option<String>,
    done: Option<String>,
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
        let token = agenda.feed_token.clone().unwrap_or_default();
        let party_name = hub
            .organization(&party)
            .map(|o| org_names(&o.record, c.locale).0)
            .unwrap_or_else(|_| party.clone());
        Ok((agenda, token, party_name))
    })
    .await;
    match result {
        Ok((agenda, token, party_name)) => {
            let mut availability: Vec<AvailabilityGroup> = Vec::new();
            for slot in &agenda.availability {
                let part = if slot.part == "am" { ctx.t("organize-morning") } else { ctx.t("organize-afternoon") };
                let label = format!("{} · {part}", slot.day);
                let entry = (slot.slot.clone(), format!("{}–{}", slot.starts, slot.ends), slot.available);
                // One group per day and part, in time order (a session across noon may put
                // a morning slot after an afternoon one).
                match availability.iter_mut().find(|g| g.label == label) {
                    Some(group) => group.slots.push(entry),
                    None => availability.push(AvailabilityGroup { label, slots: vec![entry] }),
                }
            }
            render(&AgendaPage {
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
                    conflict: m.in_unavailable_slot,
                })
                .collect(),
            notice: match p.done.as_deref() {
                Some("availability") => ctx.t("availability-saved"),
                _ => String::new(),
            },
            conflicts: match agenda.meetings.iter().filter(|m| m.in_unavailable_slot).count() {
                0 => String::new(),
                n => ctx.tn("availability-conflicts", "n", n as u64),
            },
            unavailable: match agenda.availability.iter().filter(|s| !s.available).count() {
                0 => String::new(),
                n => ctx.tn("availability-count", "n", n as u64),
            },
            availability,
            editable: agenda.availability_editable,
            feed_url: if token.is_empty() {
                String::new()
            } else {
                format!(
                    "/api/v1/events/{id}/agenda.ics?token={}",
                    form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
                )
            },
            ctx: &ctx,
        })
        }
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /events/{id}/availability`: the slots a registered party cannot meet in (every
/// `unavailable` checkbox ticked; none frees them all).
pub(crate) async fn availability(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = FormData::parse(&body);
    let party = form.get("party");
    let unavailable = form.all("unavailable");
    let actor = viewer.actor();
    let (event, who) = (id.clone(), party.clone());
    match run(&state.hub, move |hub| hub.set_availability(&actor, &event, &who, &unavailable)).await {
        // Back to the agenda, in the time zone it was shown in.
        Ok(_) => see_other(&format!(
            "/events/{id}/agenda?{}#availability-h",
            form_urlencoded::Serializer::new(String::new())
                .append_pair("party", &party)
                .append_pair("tz", form.get("tz").trim())
                .append_pair("done", "availability")
                .finish()
        )),
        Err(err) => app_error(&ctx, err),
    }
}

/// One meeting request on the organizer page.
pub(crate) struct PlanRow {
    id: String,
    from: String,
    to: String,
    priority: String,
    status: String,
    /// Where the latest schedule holds it, if it does.
    scheduled: String,
    fixed_slot: String,
    session: String,
    /// The requests it follows: ids, comma-separated (the form's value).
    after_ids: String,
    /// The same, named.
    after_names: Vec<String>,
}

#[derive(Template)]
#[template(path = "organize.html")]
struct OrganizePage<'a> {
    ctx: &'a Ctx,
    event: EventCard,
    /// (id, label) of every slot, in time order.
    slots: Vec<(String, String)>,
    rows: Vec<PlanRow>,
    /// The event's status code and (code, label) of each status.
    status: String,
    statuses: Vec<(String, String)>,
    /// Slots and tables so far, and the values of the forms that add them.
    slot_count: usize,
    table_count: usize,
    setup: SetupValues,
    /// This page of requests (from 0), its range (`41–80 / 240`) and its neighbours.
    page: usize,
    /// The filter shown (code), and (code, label with count, current) of each.
    show: &'static str,
    filters: Vec<(&'static str, String, bool)>,
    range: String,
    previous_page: Option<usize>,
    next_page: Option<usize>,
    /// The latest scheduler run's figures: (name, value).
    last_run: Vec<(String, String)>,
    /// The scheduler job just queued, if any: (name, value).
    job: Vec<(String, String)>,
    notice: String,
    errors: Vec<(String, String)>,
}

/// The figures of a scheduler run's summary (or a job's result) worth showing, labelled.
fn run_facts(ctx: &Ctx, run: &serde_json::Value) -> Vec<(String, String)> {
    let text = |key: &str| run.get(key).filter(|v| !v.is_null()).map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned));
    let mut facts = Vec::new();
    if let Some(status) = text("status") {
        // The solver's status in the page's language (an unknown code as it is).
        let shown = match status.as_str() {
            "optimal" | "feasible" | "infeasible" | "unknown" => ctx.vocab("solve-status", &status),
            _ => status,
        };
        facts.push((ctx.t("run-status"), shown));
    }
    if let (Some(weight), Some(bound)) = (text("weight"), run.get("upper_bound").and_then(|b| b.as_f64())) {
        facts.push((ctx.t("run-weight"), format!("{weight} / {bound:.1}")));
    }
    if let (Some(held), Some(asked)) = (text("meetings_scheduled"), text("meetings_requested")) {
        facts.push((ctx.t("run-meetings"), format!("{held} / {asked}")));
    }
    if let Some(breaks) = text("breaks") {
        facts.push((ctx.t("run-breaks"), breaks));
    }
    if let Some(without) = text("participants_without_meetings") {
        facts.push((ctx.t("run-without"), without));
    }
    if let Some(reason) = text("reason").or_else(|| text("error")) {
        facts.push((ctx.t("run-reason"), reason));
    }
    facts
}

fn slot_label(slot: &bridgehub_store::Slot) -> String {
    format!("{} {}–{}", slot.day, slot.starts, slot.ends)
}

/// `?done=&job=&page=&show=` of the organizer page.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct OrganizeParams {
    done: Option<String>,
    job: Option<i64>,
    page: Option<usize>,
    show: Option<String>,
}

/// Which meeting requests the organizer page lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum PlanFilter {
    /// Every request.
    #[default]
    All,
    /// Accepted, but the latest schedule does not hold it: the ones to look at.
    Unscheduled,
    /// Fixed to a slot, kept to a part of the day, or held after others.
    Constrained,
}

impl PlanFilter {
    const ALL: [PlanFilter; 3] = [PlanFilter::All, PlanFilter::Unscheduled, PlanFilter::Constrained];

    fn parse(code: &str) -> PlanFilter {
        PlanFilter::ALL.into_iter().find(|f| f.code() == code).unwrap_or_default()
    }

    fn code(self) -> &'static str {
        match self {
            PlanFilter::All => "all",
            PlanFilter::Unscheduled => "unscheduled",
            PlanFilter::Constrained => "constrained",
        }
    }

    fn keeps(self, request: &bridgehub_store::MeetingRequest, scheduled: bool) -> bool {
        match self {
            PlanFilter::All => true,
            PlanFilter::Unscheduled => request.status == RequestStatus::Accepted && !scheduled,
            PlanFilter::Constrained => request.fixed_slot.is_some() || request.session.is_some() || !request.after.is_empty(),
        }
    }
}

/// The organizer's view of the request list: which requests, which page of them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct PlanView {
    page: usize,
    show: PlanFilter,
}

impl PlanView {
    /// The view a per-request form was posted from (its hidden `page` and `show`).
    fn posted(form: &FormData) -> PlanView {
        PlanView { page: form.get("page").parse().unwrap_or(0), show: PlanFilter::parse(&form.get("show")) }
    }

    /// `&page=1&show=unscheduled`, leaving out defaults.
    fn query(self) -> String {
        let mut query = String::new();
        if self.page > 0 {
            query.push_str(&format!("&page={}", self.page));
        }
        if self.show != PlanFilter::All {
            query.push_str(&format!("&show={}", self.show.code()));
        }
        query
    }
}

/// Meeting requests per organizer page (a large event has hundreds).
const PLAN_ROWS: usize = 40;

/// What the session and tables forms show: their defaults, or what the organizer typed
/// when the form was refused.
#[derive(Clone)]
pub(crate) struct SetupValues {
    /// Empty: the event's first day.
    day: String,
    part: String,
    starts: String,
    ends: String,
    slot_minutes: String,
    count: String,
    capacity: String,
    table_name: String,
    /// The single-slot form.
    one_day: String,
    one_starts: String,
    one_ends: String,
    /// The rules form, as typed; `None`: the event's rules.
    rules: Option<RulesValues>,
}

/// The rules form's values.
#[derive(Clone, Default)]
pub(crate) struct RulesValues {
    cross_country_only: bool,
    cross_kind_only: bool,
    /// Empty: no cap.
    max_requests: String,
    max_meetings: String,
}

impl RulesValues {
    fn of(rules: &bridgehub_store::EventRules) -> RulesValues {
        RulesValues {
            cross_country_only: rules.cross_country_only,
            cross_kind_only: rules.cross_kind_only,
            max_requests: rules.max_requests.map(|n| n.to_string()).unwrap_or_default(),
            max_meetings: rules.max_meetings.map(|n| n.to_string()).unwrap_or_default(),
        }
    }

    fn posted(form: &FormData) -> RulesValues {
        RulesValues {
            cross_country_only: form.opt("cross_country_only").is_some(),
            cross_kind_only: form.opt("cross_kind_only").is_some(),
            max_requests: form.get("max_requests").trim().to_owned(),
            max_meetings: form.get("max_meetings").trim().to_owned(),
        }
    }

    /// The rules, or the fields that are not whole numbers.
    fn rules(&self) -> Result<bridgehub_store::EventRules, AppError> {
        let cap = |field: &str, text: &str| -> Result<Option<u32>, bridgehub_domain::FieldError> {
            match text {
                "" => Ok(None),
                text => text
                    .parse::<u32>()
                    .map(Some)
                    .map_err(|_| bridgehub_domain::FieldError::coded(field, "whole-number-or-empty", &[], "must be a whole number, or empty for no limit")),
            }
        };
        let (requests, meetings) = (cap("max_requests", &self.max_requests), cap("max_meetings", &self.max_meetings));
        match (requests, meetings) {
            (Ok(max_requests), Ok(max_meetings)) => Ok(bridgehub_store::EventRules {
                cross_country_only: self.cross_country_only,
                cross_kind_only: self.cross_kind_only,
                max_requests,
                max_meetings,
            }),
            (requests, meetings) => Err(AppError::Validation(
                [requests.err(), meetings.err()].into_iter().flatten().collect(),
            )),
        }
    }
}

impl Default for SetupValues {
    fn default() -> Self {
        SetupValues {
            day: String::new(),
            part: "am".into(),
            starts: "09:00".into(),
            ends: "12:00".into(),
            slot_minutes: "20".into(),
            count: "10".into(),
            capacity: "1".into(),
            // Filled in the page's language when the page is drawn (organize_page).
            table_name: String::new(),
            one_day: String::new(),
            one_starts: "12:30".into(),
            one_ends: "13:00".into(),
            rules: None,
        }
    }
}

impl SetupValues {
    /// The defaults with the posted fields of the session or tables form.
    fn posted(form: &FormData) -> SetupValues {
        let mut values = SetupValues::default();
        for (name, value) in [
            ("day", &mut values.day),
            ("part", &mut values.part),
            ("starts", &mut values.starts),
            ("ends", &mut values.ends),
            ("slot_minutes", &mut values.slot_minutes),
            ("count", &mut values.count),
            ("capacity", &mut values.capacity),
            ("name", &mut values.table_name),
            ("one_day", &mut values.one_day),
            ("one_starts", &mut values.one_starts),
            ("one_ends", &mut values.one_ends),
        ] {
            if let Some(posted) = form.opt(name) {
                *value = posted;
            }
        }
        values
    }
}

/// A refused field of an organizer form named by its label on the page: the use cases
/// name the session and table fields of their lists (`sessions[0].ends`, `tables[3].name`).
fn organize_field_label(ctx: &Ctx, field: &str) -> String {
    let bare = match field.split_once("].") {
        Some((list, name)) if ["sessions[", "tables[", "slots["].iter().any(|l| list.starts_with(l)) => name,
        _ => field.strip_prefix("rules.").unwrap_or(field),
    };
    let key = match bare {
        "day" => "organize-day",
        "part" => "organize-session",
        "starts" => "organize-starts",
        "ends" => "organize-ends",
        "slot_minutes" => "organize-slot-minutes",
        "count" => "organize-table-count",
        "capacity" => "organize-table-capacity",
        "name" => "organize-table-name",
        "slot" => "organize-fixed-slot",
        "session" => "organize-session",
        "after" => "organize-after",
        "status" => "event-meeting-status",
        "slots" => "event-slots",
        "max_requests" => "organize-max-requests",
        "max_meetings" => "organize-max-meetings",
        _ => return field.to_owned(),
    };
    ctx.t(key)
}

/// Builds the organizer page (403 for a signed-in non-organizer, login for visitors);
/// `job`: a scheduler job of this event to report on.
async fn organize_page(
    state: &AppState,
    ctx: &Ctx,
    id: String,
    notice: String,
    errors: Vec<(String, String)>,
    job: Option<i64>,
    view: PlanView,
    mut setup: SetupValues,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(ctx);
    };
    if setup.table_name.trim().is_empty() {
        setup.table_name = ctx.t("organize-table-default");
    }
    let actor = viewer.actor();
    let c = ctx.clone();
    let event = id.clone();
    let result = run(&state.hub, move |hub| {
        let bridgehub_app::EventPlan { details, requests, meetings } = hub.event_plan(&actor, &event)?;
        let mut names = std::collections::HashMap::new();
        let mut name = |party: &str| -> String {
            names
                .entry(party.to_owned())
                .or_insert_with(|| super::pages::node_label(hub, party, c.locale).1)
                .clone()
        };
        let labels: std::collections::HashMap<&str, String> =
            details.slots.iter().map(|s| (s.id.as_str(), slot_label(s))).collect();
        let pair: std::collections::HashMap<&str, (String, String)> = requests
            .iter()
            .map(|r| (r.id.as_str(), (r.from_party.clone(), r.to_party.clone())))
            .collect();
        // Where the latest schedule holds each request, found once for the filters and rows.
        let held: std::collections::HashMap<&str, &str> = meetings
            .iter()
            .filter(|m| m.status == bridgehub_store::MeetingStatus::Confirmed)
            .map(|m| (m.request_id.as_str(), m.slot_id.as_str()))
            .collect();
        let scheduled = |r: &bridgehub_store::MeetingRequest| held.contains_key(r.id.as_str());
        let counts: Vec<(PlanFilter, usize)> = PlanFilter::ALL
            .into_iter()
            .map(|f| (f, requests.iter().filter(|r| f.keeps(r, scheduled(r))).count()))
            .collect();
        let shown: Vec<&bridgehub_store::MeetingRequest> = requests.iter().filter(|r| view.show.keeps(r, scheduled(r))).collect();
        let total = shown.len();
        let page = view.page.min(total.saturating_sub(1) / PLAN_ROWS);
        let rows = shown
            .into_iter()
            .skip(page * PLAN_ROWS)
            .take(PLAN_ROWS)
            .map(|r| PlanRow {
                id: r.id.clone(),
                from: name(&r.from_party),
                to: name(&r.to_party),
                priority: c.t(&format!("priority-{}", r.priority.code())),
                status: c.vocab("request-status", r.status.code()),
                scheduled: held.get(r.id.as_str()).and_then(|slot| labels.get(slot).cloned()).unwrap_or_default(),
                fixed_slot: r.fixed_slot.clone().unwrap_or_default(),
                session: r.session.map(|p| p.code().to_owned()).unwrap_or_default(),
                after_ids: r.after.join(", "),
                after_names: r
                    .after
                    .iter()
                    .map(|a| match pair.get(a.as_str()) {
                        Some((from, to)) => format!("{} → {}", name(from), name(to)),
                        None => a.clone(),
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        // A job of another event or one no longer known is not reported on (not a 404).
        let job = match job.map(|job| hub.schedule_job(&actor, &event, job)).transpose() {
            Ok(job) => job,
            Err(AppError::NotFound { .. }) => None,
            Err(err) => return Err(err),
        };
        Ok((details, rows, job, page, total, counts))
    })
    .await;
    match result {
        Ok((details, rows, job, page, total, counts)) => {
            let last_run = details.last_run.as_ref().map(|run| run_facts(ctx, run)).unwrap_or_default();
            let status = if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
            if setup.day.is_empty() {
                setup.day = details.event.starts_on.clone();
            }
            if setup.one_day.is_empty() {
                setup.one_day = details.event.starts_on.clone();
            }
            if setup.rules.is_none() {
                setup.rules = Some(RulesValues::of(&details.rules));
            }
            let mut response = render(&OrganizePage {
                event: event_card(ctx, &details.event),
                slots: details.slots.iter().map(|s| (s.id.clone(), slot_label(s))).collect(),
                status: details.event.status.code().to_owned(),
                statuses: bridgehub_store::EventStatus::CODES
                    .iter()
                    .map(|code| ((*code).to_owned(), ctx.vocab("event-status", code)))
                    .collect(),
                slot_count: details.slots.len(),
                table_count: details.tables.len(),
                setup,
                range: if total == 0 {
                    String::new()
                } else {
                    format!("{}–{} / {total}", page * PLAN_ROWS + 1, (page * PLAN_ROWS + PLAN_ROWS).min(total))
                },
                previous_page: (page > 0).then(|| page - 1),
                next_page: ((page + 1) * PLAN_ROWS < total).then_some(page + 1),
                page,
                show: view.show.code(),
                filters: counts
                    .into_iter()
                    .map(|(f, n)| (f.code(), format!("{} ({n})", ctx.t(&format!("organize-show-{}", f.code()))), f == view.show))
                    .collect(),
                rows,
                last_run,
                job: job
                    .map(|job| {
                        let status = match job.status.as_str() {
                            "queued" | "running" | "done" | "failed" => ctx.vocab("job-status", &job.status),
                            other => other.to_owned(),
                        };
                        let mut facts = vec![(ctx.t("run-job"), format!("{} · {status}", job.id))];
                        facts.extend(job.result.as_ref().map(|r| run_facts(ctx, r)).unwrap_or_default());
                        facts
                    })
                    .unwrap_or_default(),
                notice,
                errors,
                ctx,
            });
            *response.status_mut() = status;
            response
        }
        Err(err) => app_error(ctx, err),
    }
}

/// `GET /events/{id}/organize`: the organizer's view of the meeting requests (where each
/// is scheduled, fixed slots, sessions and order) and the scheduler.
pub(crate) async fn organize(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    params: Result<Query<OrganizeParams>, QueryRejection>,
) -> Response {
    let params = params.map(|Query(p)| p).unwrap_or_default();
    let notice = match params.done.as_deref() {
        Some("saved") => ctx.t("organize-saved"),
        Some("queued") => ctx.t("organize-queued"),
        Some("created") => ctx.t("organize-created"),
        Some("slots") => ctx.t("organize-slots-added"),
        Some("tables") => ctx.t("organize-tables-added"),
        Some("status") => ctx.t("organize-status-saved"),
        Some("rules") => ctx.t("organize-rules-saved"),
        _ => String::new(),
    };
    let view = PlanView { page: params.page.unwrap_or(0), show: PlanFilter::parse(params.show.as_deref().unwrap_or_default()) };
    organize_page(&state, &ctx, id, notice, Vec::new(), params.job, view, SetupValues::default()).await
}

/// After an organizer's form: back to the page, or the page again with the problems.
async fn organize_answer(state: &AppState, ctx: &Ctx, id: String, view: PlanView, result: Result<String, AppError>) -> Response {
    organize_answer_with(state, ctx, id, view, result, SetupValues::default()).await
}

/// [`organize_answer`] for the session and tables forms, which come back with what was typed.
async fn organize_answer_with(
    state: &AppState,
    ctx: &Ctx,
    id: String,
    view: PlanView,
    result: Result<String, AppError>,
    setup: SetupValues,
) -> Response {
    match result {
        Ok(query) => see_other(&format!("/events/{id}/organize?{query}{}", view.query())),
        // A refused value, or a scheduler run the event is not ready for (no slots or tables).
        Err(err) if super::pages::form_problem(&err) || matches!(err, AppError::InvalidState(_)) => {
            let errors = super::pages::field_errors(ctx, &err)
                .into_iter()
                .map(|(field, problem)| (if field.is_empty() { field } else { organize_field_label(ctx, &field) }, problem))
                .collect();
            organize_page(state, ctx, id, String::new(), errors, None, view, setup).await
        }
        Err(err) => app_error(ctx, err),
    }
}

/// `POST /events/{id}/organize/slot/{request}`: fixes a request to a slot (empty: frees it).
pub(crate) async fn organize_slot(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, request)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = FormData::parse(&body);
    let view = PlanView::posted(&form);
    let slot = form.opt("slot").filter(|s| !s.trim().is_empty());
    let actor = viewer.actor();
    let event = id.clone();
    let result = run(&state.hub, move |hub| hub.fix_meeting_request(&actor, &event, &request, slot.as_deref())).await;
    organize_answer(&state, &ctx, id, view, result.map(|_| "done=saved".to_owned())).await
}

/// `POST /events/{id}/organize/order/{request}`: a request's session and the requests it
/// follows (ids, separated by commas or spaces).
pub(crate) async fn organize_order(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path((id, request)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = FormData::parse(&body);
    let view = PlanView::posted(&form);
    let input = RequestOrderInput {
        session: form.opt("session").filter(|s| !s.trim().is_empty()),
        after: form
            .get("after")
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
    };
    let actor = viewer.actor();
    let event = id.clone();
    let result = run(&state.hub, move |hub| hub.order_meeting_request(&actor, &event, &request, &input)).await;
    organize_answer(&state, &ctx, id, view, result.map(|_| "done=saved".to_owned())).await
}

/// `POST /events/{id}/organize/schedule`: queues a scheduler run (the server's worker runs it).
pub(crate) async fn organize_schedule(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let mode = match FormData::parse(&body).get("mode").as_str() {
        "all" => ScheduleMode::All,
        _ => ScheduleMode::MaxWeight,
    };
    let options = ScheduleOptions { mode, time_limit_secs: None, seed: None, max_iterations: None };
    let actor = viewer.actor();
    let event = id.clone();
    let result = run(&state.hub, move |hub| hub.schedule_event(&actor, &event, &options)).await;
    organize_answer(&state, &ctx, id, PlanView::default(), result.map(|job| format!("done=queued&job={job}"))).await
}

/// What the event form holds (kept as typed when it is shown again with problems).
#[derive(Debug, Default)]
pub(crate) struct EventForm {
    title: String,
    kind: String,
    venue: String,
    city: String,
    country: String,
    time_zone: String,
    starts_on: String,
    ends_on: String,
    description: String,
    status: String,
}

impl EventForm {
    fn from_form(form: &FormData) -> EventForm {
        EventForm {
            title: form.get("title"),
            kind: form.get("kind"),
            venue: form.get("venue"),
            city: form.get("city"),
            country: form.get("country").trim().to_uppercase(),
            time_zone: form.get("time_zone").trim().to_owned(),
            starts_on: form.get("starts_on"),
            ends_on: form.get("ends_on"),
            description: form.get("description"),
            status: form.get("status"),
        }
    }

    /// The use case's input, or the fields whose codes are unknown.
    fn input(&self) -> Result<bridgehub_app::EventInput, AppError> {
        let mut errors = Vec::new();
        let kind = bridgehub_store::EventKind::parse(&self.kind);
        if kind.is_none() {
            errors.push(bridgehub_domain::FieldError::coded(
                "kind",
                "not-an-event-kind",
                &[("value", self.kind.as_str())],
                format!("\"{}\" is not a kind of event", self.kind),
            ));
        }
        let status = match self.status.as_str() {
            "" => None,
            code => match status_field(code) {
                Ok(status) => Some(status),
                Err(problem) => {
                    errors.push(problem);
                    None
                }
            },
        };
        match kind {
            Some(kind) if errors.is_empty() => Ok(bridgehub_app::EventInput {
                title: self.title.clone(),
                kind,
                venue: self.venue.clone(),
                city: self.city.clone(),
                country: self.country.clone(),
                time_zone: self.time_zone.clone(),
                starts_on: self.starts_on.clone(),
                ends_on: self.ends_on.clone(),
                description: self.description.clone(),
                status,
            }),
            _ => Err(AppError::Validation(errors)),
        }
    }
}

/// An event status from a form field (field `status`, coded `not-a-status`).
fn status_field(code: &str) -> Result<bridgehub_store::EventStatus, bridgehub_domain::FieldError> {
    bridgehub_store::EventStatus::parse(code).ok_or_else(|| {
        bridgehub_domain::FieldError::coded("status", "not-a-status", &[("value", code)], format!("\"{code}\" is not an event status"))
    })
}

#[derive(Template)]
#[template(path = "event_form.html")]
struct EventFormPage<'a> {
    ctx: &'a Ctx,
    form: EventForm,
    /// (code, label) of each kind and status.
    kinds: Vec<(String, String)>,
    statuses: Vec<(String, String)>,
    errors: Vec<(String, String)>,
}

fn event_form_page(ctx: &Ctx, form: EventForm, errors: Vec<(String, String)>) -> Response {
    let kinds = ["brokerage", "conference", "exhibition", "seminar", "forum"]
        .iter()
        .map(|code| ((*code).to_owned(), ctx.vocab("event-kind", code)))
        .collect();
    let statuses = ["open", "draft"]
        .iter()
        .map(|code| ((*code).to_owned(), ctx.vocab("event-status", code)))
        .collect();
    let status = if errors.is_empty() { axum::http::StatusCode::OK } else { axum::http::StatusCode::UNPROCESSABLE_ENTITY };
    let mut response = render(&EventFormPage { ctx, form, kinds, statuses, errors });
    *response.status_mut() = status;
    response
}

/// `GET /events/new`: the form that creates an event (any signed-in user; they organize it).
pub(crate) async fn new_event(Extension(ctx): Extension<Ctx>) -> Response {
    if ctx.viewer.is_none() {
        return to_login(&ctx);
    }
    let form = EventForm { kind: "brokerage".into(), status: "open".into(), ..EventForm::default() };
    event_form_page(&ctx, form, Vec::new())
}

/// `POST /events/new`: creates the event, then its organizer page (to add slots and tables).
pub(crate) async fn create_event(State(state): State<AppState>, Extension(ctx): Extension<Ctx>, body: Bytes) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = EventForm::from_form(&FormData::parse(&body));
    let input = match form.input() {
        Ok(input) => input,
        Err(err) => {
            let errors = super::pages::field_errors(&ctx, &err);
            return event_form_page(&ctx, form, errors);
        }
    };
    let actor = viewer.actor();
    match run(&state.hub, move |hub| hub.create_event(&actor, &input)).await {
        Ok(event) => see_other(&format!("/events/{}/organize?done=created", event.record.id)),
        Err(err) if super::pages::form_problem(&err) => {
            let errors = super::pages::field_errors(&ctx, &err);
            event_form_page(&ctx, form, errors)
        }
        Err(err) => app_error(&ctx, err),
    }
}

/// `POST /events/{id}/organize/status`: drafts, opens, closes or calls off the event.
pub(crate) async fn organize_status(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let code = FormData::parse(&body).get("status");
    let actor = viewer.actor();
    let event = id.clone();
    let result = match status_field(&code) {
        Ok(status) => run(&state.hub, move |hub| hub.set_event_status(&actor, &event, status)).await,
        Err(problem) => Err(AppError::Validation(vec![problem])),
    };
    organize_answer(&state, &ctx, id, PlanView::default(), result.map(|_| "done=status".to_owned())).await
}

/// `POST /events/{id}/organize/session`: cuts a half-day session into slots.
pub(crate) async fn organize_session(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = FormData::parse(&body);
    let part = bridgehub_store::DayPart::parse(&form.get("part"));
    let minutes = form.get("slot_minutes").trim().parse::<u32>();
    let result = match (part, minutes) {
        (Some(part), Ok(slot_minutes)) => {
            let template = bridgehub_app::SessionTemplate {
                day: form.get("day"),
                part,
                starts: form.get("starts"),
                ends: form.get("ends"),
                slot_minutes,
            };
            let actor = viewer.actor();
            let event = id.clone();
            run(&state.hub, move |hub| hub.generate_event_slots(&actor, &event, &[template])).await
        }
        (None, _) => Err(AppError::Validation(vec![bridgehub_domain::FieldError::coded("part", "use-am-or-pm", &[], "use am or pm")])),
        (_, Err(_)) => Err(AppError::Validation(vec![bridgehub_domain::FieldError::coded(
            "slot_minutes",
            "whole-minutes",
            &[],
            "must be a whole number of minutes",
        )])),
    };
    organize_answer_with(&state, &ctx, id, PlanView::default(), result.map(|_| "done=slots".to_owned()), SetupValues::posted(&form)).await
}

/// `POST /events/{id}/organize/rules`: the event's rules (who may ask whom, and caps).
pub(crate) async fn organize_rules(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let values = RulesValues::posted(&FormData::parse(&body));
    let result = match values.rules() {
        Ok(rules) => {
            let actor = viewer.actor();
            let event = id.clone();
            run(&state.hub, move |hub| hub.set_event_rules(&actor, &event, &rules)).await
        }
        Err(err) => Err(err),
    };
    let setup = SetupValues { rules: Some(values), ..SetupValues::default() };
    organize_answer_with(&state, &ctx, id, PlanView::default(), result.map(|_| "done=rules".to_owned()), setup).await
}

/// `POST /events/{id}/organize/one-slot`: adds a single slot (a lunch meeting, an extra
/// hour); its part of the day follows from its start.
pub(crate) async fn organize_one_slot(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = FormData::parse(&body);
    let input = bridgehub_app::SlotInput {
        day: form.get("one_day"),
        starts: form.get("one_starts"),
        ends: form.get("one_ends"),
        part: None,
    };
    let actor = viewer.actor();
    let event = id.clone();
    let result = run(&state.hub, move |hub| hub.add_event_slots(&actor, &event, &[input])).await;
    organize_answer_with(&state, &ctx, id, PlanView::default(), result.map(|_| "done=slots".to_owned()), SetupValues::posted(&form)).await
}

/// `POST /events/{id}/organize/tables`: adds numbered tables (`Table 4`, `Table 5`, ...).
pub(crate) async fn organize_tables(
    State(state): State<AppState>,
    Extension(ctx): Extension<Ctx>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let Some(viewer) = ctx.viewer.clone() else {
        return to_login(&ctx);
    };
    let form = FormData::parse(&body);
    let count = form.get("count").trim().parse::<usize>().ok();
    let capacity = form.get("capacity").trim().parse::<u32>();
    let name = form.get("name").trim().to_owned();
    let actor = viewer.actor();
    let event = id.clone();
    let result = match (count, capacity) {
        (Some(count), Ok(capacity)) => {
            run(&state.hub, move |hub| hub.add_numbered_tables(&actor, &event, &name, count, capacity)).await
        }
        (None, _) => Err(AppError::Validation(vec![bridgehub_domain::FieldError::coded(
            "count",
            "number-between",
            &[("min", "1"), ("max", "200")],
            "must be a number from 1 to 200",
        )])),
        (_, Err(_)) => Err(AppError::Validation(vec![bridgehub_domain::FieldError::coded("capacity", "whole-number", &[], "must be a whole number")])),
    };
    organize_answer_with(&state, &ctx, id, PlanView::default(), result.map(|_| "done=tables".to_owned()), SetupValues::posted(&form)).await
}
