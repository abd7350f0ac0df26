//! `/api/v1` routes: Events, registrations, meeting requests, schedules, agendas and calendar feeds (issue #4).
//!
//! Reads of an event's public set-up need no session; everything else acts as the
//! signed-in user ([`ApiUser`]: bearer token, or cookie plus `X-CSRF-Token` on writes),
//! and the `Hub` use cases check what that user may do. Calendar apps fetch a party's
//! feed with its secret `token` instead of a session.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use bridgehub_app::{
    AppError, EventInput, EventRules, Hub, MeetingRequestInput, RegistrationInput, RequestAnswer, RequestOrderInput,
    ScheduleOptions, SessionTemplate, SlotInput, TableInput,
};
use serde::Deserialize;
use serde_json::json;
use utoipa::OpenApi;

use super::{blocking, if_match};
use crate::AppState;
use crate::auth::{ApiUser, MaybeUser};
use crate::error::{ApiError, ErrorBody};

/// The OpenAPI description of this module's routes (merged into the API's document).
#[derive(OpenApi)]
#[openapi(
    paths(
        list, create, get_event, update, add_organizer, set_rules, add_slots, add_tables, registrations, register, unregister,
        set_unavailable, requests, request_meeting, answer, fix_slot, order, schedule, job, meetings, agenda, agenda_ics, event_ics,
    ),
    tags((name = "events", description = "Events, registrations, meeting requests, the scheduler, agendas and calendar feeds"))
)]
pub(crate) struct EventsDoc;

/// This module's routes, nested under `/api/v1`.
pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/events", get(list).post(create))
        .route("/events/{id}", get(get_event).put(update))
        .route("/events/{id}/organizers", post(add_organizer))
        .route("/events/{id}/rules", put(set_rules))
        .route("/events/{id}/slots", post(add_slots))
        .route("/events/{id}/tables", post(add_tables))
        .route(
            "/events/{id}/registrations",
            get(registrations).post(register),
        )
        .route(
            "/events/{id}/registrations/{party}",
            axum::routing::delete(unregister),
        )
        .route("/events/{id}/registrations/{party}/unavailable", put(set_unavailable))
        .route("/events/{id}/requests", get(requests).post(request_meeting))
        .route("/events/{id}/requests/{request}/{answer}", post(answer))
        .route("/events/{id}/requests/{request}/slot", put(fix_slot))
        .route("/events/{id}/requests/{request}/order", put(order))
        .route("/events/{id}/schedule", post(schedule))
        .route("/events/{id}/jobs/{job}", get(job))
        .route("/events/{id}/meetings", get(meetings))
        .route("/events/{id}/agenda", get(agenda))
        .route("/events/{id}/agenda.ics", get(agenda_ics))
        .route("/events/{id}/calendar.ics", get(event_ics))
}

/// Paging of the event list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct ListParams {
    /// Events with ids after this one (the last id of the previous page).
    after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    limit: Option<u32>,
}

/// Events by id (public).
#[utoipa::path(get, path = "/api/v1/events", tag = "events", params(ListParams),
    responses((status = 200, description = "`{\"items\": [event], \"next_after\"}`; each event has id, title, kind, venue, city, country, time_zone, starts_on, ends_on, description, status, version", body = Object),
        (status = 400, body = ErrorBody)))]
pub(crate) async fn list(
    State(hub): State<Hub>,
    params: Result<Query<ListParams>, QueryRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Query(p) = params?;
    let limit = p.limit;
    let events = blocking(hub, move |hub| hub.list_events(p.after.as_deref(), limit)).await?;
    let full = events.len() as u32 == limit.unwrap_or(50);
    let next = if full {
        events.last().map(|e| e.record.id.clone())
    } else {
        None
    };
    let items: Vec<serde_json::Value> = events
        .into_iter()
        .map(|e| versioned(&e.record, e.version))
        .collect();
    Ok(Json(json!({ "items": items, "next_after": next })))
}

fn versioned(event: &bridgehub_app::Event, version: i64) -> serde_json::Value {
    let mut value = serde_json::to_value(event).unwrap_or_default();
    if let Some(map) = value.as_object_mut() {
        map.insert("version".into(), json!(version));
    }
    value
}

/// Create an event; the caller becomes its organizer. Body: title, kind
/// (conference|exhibition|seminar|forum|brokerage), venue, city, country, time_zone (IANA),
/// starts_on, ends_on (YYYY-MM-DD), description, status (draft|open|closed|cancelled).
#[utoipa::path(post, path = "/api/v1/events", tag = "events", request_body = Object,
    responses((status = 201, body = Object), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn create(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    body: Result<Json<EventInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let actor = user.actor();
    let event = blocking(hub, move |hub| hub.create_event(&actor, &input)).await?;
    let location = format!("/api/v1/events/{}", event.record.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(versioned(&event.record, event.version)),
    )
        .into_response())
}

/// One event with its sessions, slots (local times in the event's zone), tables, rules,
/// registration count and the latest scheduler run's summary (public).
#[utoipa::path(get, path = "/api/v1/events/{id}", tag = "events",
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, body = Object), (status = 404, body = ErrorBody)))]
pub(crate) async fn get_event(
    State(hub): State<Hub>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let details = blocking(hub, move |hub| hub.event_details(&id)).await?;
    let etag = format!("\"{}\"", details.version);
    Ok(([(header::ETAG, etag)], Json(details)).into_response())
}

/// Replace an event's fields (organizers; `If-Match: "version"` guards lost updates).
#[utoipa::path(put, path = "/api/v1/events/{id}", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn update(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Result<Json<EventInput>, JsonRejection>,
) -> Result<Json<serde_json::Value>, ApiError> {
    let Json(input) = body?;
    let expected = if_match(&headers)?;
    let actor = user.actor();
    let event = blocking(hub, move |hub| {
        hub.update_event(&actor, &id, &input, expected)
    })
    .await?;
    Ok(Json(versioned(&event.record, event.version)))
}

/// A co-organizer to add.
#[derive(Debug, Deserialize)]
pub(crate) struct OrganizerBody {
    user_id: String,
}

/// Add a co-organizer (organizers): `{"user_id"}`. 204.
#[utoipa::path(post, path = "/api/v1/events/{id}/organizers", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_organizer(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<OrganizerBody>, JsonRejection>,
) -> Result<StatusCode, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    blocking(hub, move |hub| {
        hub.add_event_organizer(&actor, &id, &body.user_id)
    })
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Set the organizer rules: `cross_country_only`, `cross_kind_only`, `max_requests`
/// (open requests sent per participant), `max_meetings` (per participant). Organizers.
#[utoipa::path(put, path = "/api/v1/events/{id}/rules", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub(crate) async fn set_rules(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<EventRules>, JsonRejection>,
) -> Result<Json<EventRules>, ApiError> {
    let Json(rules) = body?;
    let actor = user.actor();
    Ok(Json(
        blocking(hub, move |hub| hub.set_event_rules(&actor, &id, &rules)).await?,
    ))
}

/// Slots to add: explicit `slots` or half-day `sessions` to cut into equal slots.
#[derive(Debug, Deserialize)]
pub(crate) struct SlotsBody {
    #[serde(default)]
    slots: Vec<SlotInput>,
    #[serde(default)]
    sessions: Vec<SessionTemplate>,
}

/// Add meeting slots (organizers): `{"slots": [{"day", "starts", "ends", "part"?}]}` or
/// `{"sessions": [{"day", "part": "am"|"pm", "starts", "ends", "slot_minutes"}]}`, local
/// times `HH:MM` in the event's zone. Returns every slot of the event.
#[utoipa::path(post, path = "/api/v1/events/{id}/slots", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 201, body = [Object]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_slots(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<SlotsBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    let slots = blocking(hub, move |hub| {
        if !body.slots.is_empty() {
            hub.add_event_slots(&actor, &id, &body.slots)?;
        }
        hub.generate_event_slots(&actor, &id, &body.sessions)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(slots)).into_response())
}

/// Tables to add.
#[derive(Debug, Deserialize)]
pub(crate) struct TablesBody {
    tables: Vec<TableInput>,
}

/// Add tables or booths (organizers): `{"tables": [{"name", "capacity"}]}`; capacity is
/// how many meetings the table holds at once. Returns every table.
#[utoipa::path(post, path = "/api/v1/events/{id}/tables", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 201, body = [Object]), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_tables(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<TablesBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    let tables = blocking(hub, move |hub| {
        hub.add_event_tables(&actor, &id, &body.tables)
    })
    .await?;
    Ok((StatusCode::CREATED, Json(tables)).into_response())
}

/// Registrations the caller may see (all for organizers, else their parties'), each with
/// its secret `feed_token` for calendar subscriptions.
#[utoipa::path(get, path = "/api/v1/events/{id}/registrations", tag = "events",
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, body = [Object]), (status = 401, body = ErrorBody)))]
pub(crate) async fn registrations(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    let list = blocking(hub, move |hub| hub.event_registrations(&actor, &id)).await?;
    Ok(Json(list).into_response())
}

/// Register a party the caller acts for (or update its `unavailable` slot ids):
/// `{"party", "unavailable": [slot id]}`.
#[utoipa::path(post, path = "/api/v1/events/{id}/registrations", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn register(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<RegistrationInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let actor = user.actor();
    let registration =
        blocking(hub, move |hub| hub.register_for_event(&actor, &id, &input)).await?;
    Ok((StatusCode::CREATED, Json(registration)).into_response())
}

/// Withdraw a party's registration (the party or an organizer).
#[utoipa::path(delete, path = "/api/v1/events/{id}/registrations/{party}", tag = "events",
    params(("id" = String, Path, description = "Event id"), ("party" = String, Path, description = "Organization or person id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn unregister(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path((id, party)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    let registration = blocking(hub, move |hub| {
        hub.unregister_from_event(&actor, &id, &party)
    })
    .await?;
    Ok(Json(registration).into_response())
}

/// The slots a registered party cannot meet in.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub(crate) struct UnavailableBody {
    /// Slot ids of the event (replacing the list; empty frees every slot).
    unavailable: Vec<String>,
}

/// Replace the slots a registered party cannot meet in: `{"unavailable": [slot id]}`. Keeps
/// the registration and its feed token, and never registers (404 for a party that is not
/// registered or has withdrawn); 422 (`unavailable[n]`) for a slot not of this event, or one an
/// organizer fixed one of the party's meetings to; 409 once the event no longer takes
/// changes (organizers may still). Meetings already scheduled move at the next run.
#[utoipa::path(put, path = "/api/v1/events/{id}/registrations/{party}/unavailable", tag = "events",
    request_body = UnavailableBody,
    params(("id" = String, Path, description = "Event id"), ("party" = String, Path, description = "Organization or person id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn set_unavailable(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path((id, party)): Path<(String, String)>,
    body: Result<Json<UnavailableBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    let registration =
        blocking(hub, move |hub| hub.set_availability(&actor, &id, &party, &body.unavailable)).await?;
    Ok(Json(registration).into_response())
}

/// Meeting requests the caller may see (all for organizers, else those of their parties).
#[utoipa::path(get, path = "/api/v1/events/{id}/requests", tag = "events",
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, body = [Object]), (status = 401, body = ErrorBody)))]
pub(crate) async fn requests(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    Ok(Json(blocking(hub, move |hub| hub.meeting_requests(&actor, &id)).await?).into_response())
}

/// Request a meeting: `{"from", "to", "priority": "must"|"should"|"nice", "note"}`; the
/// organizer's rules are enforced (403 with the rule in the message).
#[utoipa::path(post, path = "/api/v1/events/{id}/requests", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 201, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn request_meeting(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<MeetingRequestInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(input) = body?;
    let actor = user.actor();
    let request = blocking(hub, move |hub| hub.request_meeting(&actor, &id, &input)).await?;
    Ok((StatusCode::CREATED, Json(request)).into_response())
}

/// Answer a request: `accept` or `decline` (the requested side), `cancel` (the
/// requester). Declining or cancelling a scheduled meeting cancels it in the calendars.
#[utoipa::path(post, path = "/api/v1/events/{id}/requests/{request}/{answer}", tag = "events",
    params(("id" = String, Path, description = "Event id"), ("request" = String, Path, description = "Request id"),
        ("answer" = String, Path, description = "accept, decline or cancel")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn answer(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path((id, request, answer)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    let answer = match answer.as_str() {
        "accept" => RequestAnswer::Accept,
        "decline" => RequestAnswer::Decline,
        "cancel" => RequestAnswer::Cancel,
        _ => return Err(ApiError::RouteNotFound),
    };
    let actor = user.actor();
    Ok(Json(
        blocking(hub, move |hub| {
            hub.answer_meeting_request(&actor, &id, &request, answer)
        })
        .await?,
    )
    .into_response())
}

/// Which slot a request is fixed to.
#[derive(Debug, Deserialize)]
pub(crate) struct FixedSlotBody {
    /// A slot id of the event, or `null` to free the request.
    slot: Option<String>,
}

/// Fix a meeting request to one of the event's slots, or free it with `{"slot": null}`
/// (organizers): the scheduler keeps a fixed, accepted request in its slot. Refused
/// (422, field `slot`) for a slot of another event or one where a side is unavailable.
#[utoipa::path(put, path = "/api/v1/events/{id}/requests/{request}/slot", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id"), ("request" = String, Path, description = "Request id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn fix_slot(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path((id, request)): Path<(String, String)>,
    body: Result<Json<FixedSlotBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    Ok(Json(
        blocking(hub, move |hub| {
            hub.fix_meeting_request(&actor, &id, &request, body.slot.as_deref())
        })
        .await?,
    )
    .into_response())
}

/// Restrict a meeting request to the morning or the afternoon and name the requests that
/// must be held before it (organizers): `{"session": "am"|"pm"|null, "after": [request
/// id, ...]}`, replacing what was set. The scheduler keeps both for accepted requests (an
/// order binds when both meetings are held). Refused (422, naming `session` or `after`)
/// for a part of the day without slots or other than that of the request's fixed slot, a
/// request that is not another of this event, and an order that would make a cycle.
#[utoipa::path(put, path = "/api/v1/events/{id}/requests/{request}/order", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id"), ("request" = String, Path, description = "Request id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn order(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path((id, request)): Path<(String, String)>,
    body: Result<Json<RequestOrderInput>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(body) = body?;
    let actor = user.actor();
    Ok(Json(blocking(hub, move |hub| hub.order_meeting_request(&actor, &id, &request, &body)).await?).into_response())
}

/// Run the scheduler in the background (organizers): `{"mode": "max_weight"|"all",
/// "time_limit_secs", "seed"}`. 202 with `{"job", "status_url"}`; poll the job.
#[utoipa::path(post, path = "/api/v1/events/{id}/schedule", tag = "events", request_body = Object,
    params(("id" = String, Path, description = "Event id")),
    responses((status = 202, body = Object), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn schedule(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    body: Result<Json<ScheduleOptions>, JsonRejection>,
) -> Result<Response, ApiError> {
    let Json(options) = body?;
    let actor = user.actor();
    let event = id.clone();
    let job = blocking(hub, move |hub| hub.schedule_event(&actor, &event, &options)).await?;
    let url = format!("/api/v1/events/{id}/jobs/{job}");
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, url.clone())],
        Json(json!({ "job": job, "status_url": url })),
    )
        .into_response())
}

/// A scheduler job (organizers): `status` queued|running|done|failed and `result`
/// (progress while running; the run's summary with added / moved / cancelled when done).
#[utoipa::path(get, path = "/api/v1/events/{id}/jobs/{job}", tag = "events",
    params(("id" = String, Path, description = "Event id"), ("job" = i64, Path, description = "Job id")),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn job(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path((id, job)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    Ok(Json(blocking(hub, move |hub| hub.schedule_job(&actor, &id, job)).await?).into_response())
}

/// Every meeting of the event, confirmed and cancelled (organizers).
#[utoipa::path(get, path = "/api/v1/events/{id}/meetings", tag = "events",
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, body = [Object]), (status = 403, body = ErrorBody)))]
pub(crate) async fn meetings(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    Ok(Json(blocking(hub, move |hub| hub.event_meetings(&actor, &id)).await?).into_response())
}

/// Agenda parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct AgendaParams {
    /// Organization or person id.
    party: String,
    /// The viewer's IANA time zone (e.g. the browser's); default the event's.
    tz: Option<String>,
}

/// A party's agenda with every time in the event's zone and in the viewer's `tz`, as
/// ISO 8601 with offset and zone name (`2026-12-01T09:00:00+07:00[Asia/Ho_Chi_Minh]`).
#[utoipa::path(get, path = "/api/v1/events/{id}/agenda", tag = "events",
    params(("id" = String, Path, description = "Event id"), AgendaParams),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn agenda(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
    params: Result<Query<AgendaParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params?;
    let actor = user.actor();
    Ok(Json(
        blocking(hub, move |hub| {
            hub.agenda(&actor, &id, &p.party, p.tz.as_deref())
        })
        .await?,
    )
    .into_response())
}

/// Feed parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub(crate) struct FeedParams {
    /// The registration's secret feed token (calendar apps); or sign in and name `party`.
    token: Option<String>,
    /// Organization or person id (with a session).
    party: Option<String>,
}

fn calendar(text: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response()
}

/// A party's iCalendar feed: stable UIDs, `SEQUENCE` bumped on every change, cancelled
/// meetings kept as `STATUS:CANCELLED`, times in UTC. With `token` no session is needed.
#[utoipa::path(get, path = "/api/v1/events/{id}/agenda.ics", tag = "events",
    params(("id" = String, Path, description = "Event id"), FeedParams),
    responses((status = 200, description = "text/calendar"), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn agenda_ics(
    State(hub): State<Hub>,
    MaybeUser(user): MaybeUser,
    Path(id): Path<String>,
    params: Result<Query<FeedParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(p) = params?;
    let text = match (p.token, user, p.party) {
        (Some(token), _, _) => blocking(hub, move |hub| hub.feed_ics(&id, &token)).await?,
        (None, Some(user), Some(party)) => {
            let actor = user.actor();
            blocking(hub, move |hub| hub.agenda_ics(&actor, &id, &party)).await?
        }
        (None, Some(_), None) => {
            return Err(ApiError::App(AppError::InvalidQuery(
                bridgehub_domain::FieldError::new("party", "name the party"),
            )));
        }
        (None, None, _) => return Err(ApiError::App(AppError::Unauthenticated)),
    };
    Ok(calendar(text))
}

/// The whole event's iCalendar feed (organizers).
#[utoipa::path(get, path = "/api/v1/events/{id}/calendar.ics", tag = "events",
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, description = "text/calendar"), (status = 403, body = ErrorBody)))]
pub(crate) async fn event_ics(
    State(hub): State<Hub>,
    ApiUser(user): ApiUser,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = user.actor();
    Ok(calendar(
        blocking(hub, move |hub| hub.event_ics(&actor, &id)).await?,
    ))
}
