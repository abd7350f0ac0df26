//! Events over HTTP (issue #4), on both backends: signed-in writes, the scheduler as a
//! background job run by the server's worker, agendas in two zones, and a calendar feed
//! fetched with its token and read back with the `ical` parser.

use std::time::{Duration, Instant};

use bridgehub_app::{NewOrganization, SignUp};
use bridgehub_testkit::backend_tests;
use serde_json::{Value, json};

use crate::TestApp;

struct User {
    token: String,
    org: Option<String>,
}

fn sign_up(app: &TestApp, name: &str, country: Option<&str>) -> User {
    let email = format!("{name}@example.org");
    let password = "correct horse battery staple";
    let session = app
        .hub
        .sign_up(&SignUp {
            email: email.clone(),
            password: password.into(),
            display_name: name.into(),
            locale: "en".into(),
            organization: country.map(|c| NewOrganization {
                name: format!("{name} Co"),
                kind: "enterprise".into(),
                country: c.into(),
                ..Default::default()
            }),
        })
        .unwrap();
    let logged_in = app
        .hub
        .log_in(&email, password, None, "events-test")
        .unwrap();
    User {
        token: logged_in.token,
        org: session.organizations.first().cloned(),
    }
}

fn call(
    app: &TestApp,
    method: &str,
    path: &str,
    user: Option<&User>,
    body: Option<&Value>,
) -> (u16, Value) {
    let url = app.url(path);
    let auth = user.map(|u| format!("Bearer {}", u.token));
    let mut response = match (method, body) {
        ("GET", _) => {
            let mut request = app.agent.get(&url);
            if let Some(auth) = &auth {
                request = request.header("Authorization", auth);
            }
            request.call()
        }
        ("DELETE", _) => {
            let mut request = app.agent.delete(&url);
            if let Some(auth) = &auth {
                request = request.header("Authorization", auth);
            }
            request.call()
        }
        ("PUT", body) => {
            let mut request = app.agent.put(&url);
            if let Some(auth) = &auth {
                request = request.header("Authorization", auth);
            }
            request.send_json(body.cloned().unwrap_or(json!({})))
        }
        (_, body) => {
            let mut request = app.agent.post(&url);
            if let Some(auth) = &auth {
                request = request.header("Authorization", auth);
            }
            request.send_json(body.cloned().unwrap_or(json!({})))
        }
    }
    .expect("HTTP call");
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

fn vevents(text: &str) -> Vec<std::collections::HashMap<String, String>> {
    let mut out = Vec::new();
    for calendar in ical::IcalParser::new(std::io::BufReader::new(text.as_bytes())) {
        for event in calendar.expect("valid iCalendar").events {
            out.push(
                event
                    .properties
                    .into_iter()
                    .map(|p| (p.name, p.value.unwrap_or_default()))
                    .collect(),
            );
        }
    }
    out
}

/// Queues a schedule run as `organizer` (202) and waits for the server's worker to finish
/// it; the job as last polled.
fn schedule(app: &TestApp, base: &str, organizer: &User) -> Value {
    let (status, queued) = call(app, "POST", &format!("{base}/schedule"), Some(organizer), Some(&json!({"time_limit_secs": 5})));
    assert_eq!(status, 202, "{queued}");
    let status_url = queued["status_url"].as_str().unwrap().to_owned();
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let (_, job) = call(app, "GET", &status_url, Some(organizer), None);
        if job["status"] == "done" || job["status"] == "failed" || Instant::now() > deadline {
            return job;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

backend_tests! {
    fn organizers_schedule_in_the_background_and_parties_subscribe_to_their_feed(db) {
        let app = TestApp::spawn(&db);
        let organizer = sign_up(&app, "organizer", None);
        let a = sign_up(&app, "alpha", Some("VN"));
        let b = sign_up(&app, "beta", Some("CN"));
        let (org_a, org_b) = (a.org.clone().unwrap(), b.org.clone().unwrap());

        let event_body = json!({"title": "Mekong brokerage", "kind": "brokerage", "city": "Can Tho", "country": "VN",
            "time_zone": "Asia/Ho_Chi_Minh", "starts_on": "2026-12-01", "ends_on": "2026-12-01"});
        assert_eq!(call(&app, "POST", "/api/v1/events", None, Some(&event_body)).0, 401);
        let (status, event) = call(&app, "POST", "/api/v1/events", Some(&organizer), Some(&event_body));
        assert_eq!(status, 201, "{event}");
        let id = event["id"].as_str().unwrap().to_owned();
        let base = format!("/api/v1/events/{id}");

        let sessions = json!({"sessions": [{"day": "2026-12-01", "part": "am", "starts": "09:00", "ends": "10:00", "slot_minutes": 30}]});
        assert_eq!(call(&app, "POST", &format!("{base}/slots"), Some(&a), Some(&sessions)).0, 403);
        let (status, slots) = call(&app, "POST", &format!("{base}/slots"), Some(&organizer), Some(&sessions));
        assert_eq!((status, slots.as_array().map(Vec::len)), (201, Some(2)));
        let tables = json!({"tables": [{"name": "Table 1", "capacity": 1}]});
        assert_eq!(call(&app, "POST", &format!("{base}/tables"), Some(&organizer), Some(&tables)).0, 201);

        assert_eq!(call(&app, "POST", &format!("{base}/registrations"), Some(&b), Some(&json!({"party": org_a}))).0, 403);
        let (status, reg_a) = call(&app, "POST", &format!("{base}/registrations"), Some(&a), Some(&json!({"party": org_a})));
        assert_eq!(status, 201, "{reg_a}");
        assert_eq!(call(&app, "POST", &format!("{base}/registrations"), Some(&b), Some(&json!({"party": org_b}))).0, 201);
        let feed_token = reg_a["feed_token"].as_str().unwrap().to_owned();

        let ask = json!({"from": org_a, "to": org_b, "priority": "must", "note": "cold chain"});
        let (status, request) = call(&app, "POST", &format!("{base}/requests"), Some(&a), Some(&ask));
        assert_eq!(status, 201, "{request}");
        let request_id = request["id"].as_str().unwrap().to_owned();
        assert_eq!(call(&app, "POST", &format!("{base}/requests/{request_id}/accept"), Some(&a), None).0, 403);
        let (status, accepted) = call(&app, "POST", &format!("{base}/requests/{request_id}/accept"), Some(&b), None);
        assert_eq!((status, accepted["status"].as_str()), (200, Some("accepted")));

        assert_eq!(call(&app, "POST", &format!("{base}/schedule"), Some(&a), Some(&json!({}))).0, 403);
        // The server's background worker runs the job; wait for it (not a timing assertion).
        let job = schedule(&app, &base, &organizer);
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(job["result"]["meetings_scheduled"], 1);

        let (status, agenda) = call(&app, "GET", &format!("{base}/agenda?party={org_a}&tz=Europe/Berlin"), Some(&a), None);
        assert_eq!(status, 200, "{agenda}");
        let meeting = &agenda["meetings"][0];
        assert!(meeting["start"]["at"].as_str().unwrap().ends_with("+07:00[Asia/Ho_Chi_Minh]"));
        assert!(meeting["viewer_start"]["at"].as_str().unwrap().ends_with("+01:00[Europe/Berlin]"));
        assert_eq!(call(&app, "GET", &format!("{base}/agenda?party={org_a}"), Some(&b), None).0, 403);

        // A calendar app: no session, just the token.
        let (status, text) = app.get_text(&format!("{base}/agenda.ics?token={feed_token}"));
        assert_eq!(status, 200);
        let before = vevents(&text);
        assert_eq!(before.len(), 1);
        assert_eq!((before[0]["SEQUENCE"].as_str(), before[0]["STATUS"].as_str()), ("0", "CONFIRMED"));
        assert_eq!(app.get_text(&format!("{base}/agenda.ics?token=wrong-token-wrong-token")).0, 404);
        assert_eq!(app.get_text(&format!("{base}/agenda.ics?party={org_a}")).0, 401);

        // b declines after all: the feed keeps the meeting, cancelled, same UID, next SEQUENCE.
        assert_eq!(call(&app, "POST", &format!("{base}/requests/{request_id}/decline"), Some(&b), None).0, 200);
        let after = vevents(&app.get_text(&format!("{base}/agenda.ics?token={feed_token}")).1);
        assert_eq!(after.len(), 1);
        assert_eq!(after[0]["UID"], before[0]["UID"]);
        assert_eq!((after[0]["SEQUENCE"].as_str(), after[0]["STATUS"].as_str()), ("1", "CANCELLED"));

        // A party's unavailable slots, replaced through their own route (the feed stays).
        let slot_ids: Vec<String> = slots.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
        let unavailable = format!("{base}/registrations/{org_a}/unavailable");
        let (status, updated) = call(&app, "PUT", &unavailable, Some(&a), Some(&json!({"unavailable": [slot_ids[1]]})));
        assert_eq!((status, updated["unavailable"].clone(), updated["feed_token"].as_str()), (200, json!([slot_ids[1]]), Some(feed_token.as_str())), "{updated}");
        assert_eq!(call(&app, "PUT", &unavailable, Some(&b), Some(&json!({"unavailable": []}))).0, 403);
        let (status, refused) = call(&app, "PUT", &unavailable, Some(&a), Some(&json!({"unavailable": ["slt-nowhere"]})));
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("unavailable[0]")), "{refused}");
        let (status, agenda) = call(&app, "GET", &format!("{base}/agenda?party={org_a}"), Some(&a), None);
        assert_eq!(status, 200);
        assert_eq!(agenda["availability"].as_array().map(|slots| slots.iter().filter(|s| s["available"] == false).count()), Some(1), "{agenda}");
        assert_eq!(call(&app, "DELETE", &format!("{base}/registrations/{org_b}"), Some(&b), None).0, 200);
        assert_eq!(call(&app, "PUT", &format!("{base}/registrations/{org_b}/unavailable"), Some(&b), Some(&json!({"unavailable": []}))).0, 404, "a withdrawn party stays withdrawn");

        let (_, details) = call(&app, "GET", &base, None, None);
        assert_eq!(details["registered"], 1);
        let (_, doc) = call(&app, "GET", "/api/openapi.json", None, None);
        assert!(doc["paths"]["/api/v1/events/{id}/registrations/{party}/unavailable"]["put"].is_object());
        assert!(doc["paths"]["/api/v1/events/{id}/schedule"]["post"].is_object());
        assert!(doc["paths"]["/api/v1/events/{id}/agenda.ics"]["get"].is_object());
    }

    fn an_organizer_fixes_a_meeting_to_a_slot_and_the_scheduler_keeps_it_there(db) {
        let app = TestApp::spawn(&db);
        let organizer = sign_up(&app, "organizer", None);
        let a = sign_up(&app, "alpha", Some("VN"));
        let b = sign_up(&app, "beta", Some("CN"));
        let (org_a, org_b) = (a.org.clone().unwrap(), b.org.clone().unwrap());
        let event_body = json!({"title": "Pearl River forum", "kind": "brokerage", "city": "Guangzhou", "country": "CN",
            "time_zone": "Asia/Shanghai", "starts_on": "2026-12-02", "ends_on": "2026-12-02"});
        let (_, event) = call(&app, "POST", "/api/v1/events", Some(&organizer), Some(&event_body));
        let base = format!("/api/v1/events/{}", event["id"].as_str().unwrap());
        let sessions = json!({"sessions": [{"day": "2026-12-02", "part": "am", "starts": "09:00", "ends": "10:00", "slot_minutes": 30}]});
        let (_, slots) = call(&app, "POST", &format!("{base}/slots"), Some(&organizer), Some(&sessions));
        let slot_ids: Vec<String> = slots.as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_owned()).collect();
        call(&app, "POST", &format!("{base}/tables"), Some(&organizer), Some(&json!({"tables": [{"name": "T1", "capacity": 1}]})));
        call(&app, "POST", &format!("{base}/registrations"), Some(&a), Some(&json!({"party": org_a})));
        call(&app, "POST", &format!("{base}/registrations"), Some(&b), Some(&json!({"party": org_b})));
        let (_, request) = call(&app, "POST", &format!("{base}/requests"), Some(&a), Some(&json!({"from": org_a, "to": org_b, "priority": "must"})));
        let request_id = request["id"].as_str().unwrap().to_owned();
        call(&app, "POST", &format!("{base}/requests/{request_id}/accept"), Some(&b), None);
        let slot_of_meeting = || -> String {
            let (_, meetings) = call(&app, "GET", &format!("{base}/meetings"), Some(&organizer), None);
            let confirmed: Vec<&Value> = meetings.as_array().unwrap().iter().filter(|m| m["status"] == "confirmed").collect();
            assert_eq!(confirmed.len(), 1, "{meetings}");
            confirmed[0]["slot_id"].as_str().unwrap().to_owned()
        };
        // Free: the scheduler picks a slot. Then the organizer fixes the meeting to the other.
        assert_eq!(schedule(&app, &base, &organizer)["status"], "done");
        let free = slot_of_meeting();
        let other = slot_ids.iter().find(|s| **s != free).unwrap().clone();
        let path = format!("{base}/requests/{request_id}/slot");
        assert_eq!(call(&app, "PUT", &path, Some(&a), Some(&json!({"slot": other}))).0, 403, "only organizers");
        let (status, refused) = call(&app, "PUT", &path, Some(&organizer), Some(&json!({"slot": "slot-of-another-event"})));
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("slot")), "{refused}");
        let (status, fixed) = call(&app, "PUT", &path, Some(&organizer), Some(&json!({"slot": other})));
        assert_eq!((status, fixed["fixed_slot"].as_str()), (200, Some(other.as_str())), "{fixed}");
        assert_eq!(schedule(&app, &base, &organizer)["status"], "done");
        assert_eq!(slot_of_meeting(), other, "the scheduler keeps the fixed slot");
        // Freed again: the request carries no fixed slot.
        let (status, freed) = call(&app, "PUT", &path, Some(&organizer), Some(&json!({"slot": null})));
        assert_eq!((status, freed["fixed_slot"].clone()), (200, Value::Null), "{freed}");
        let (_, doc) = call(&app, "GET", "/api/openapi.json", None, None);
        assert!(doc["paths"]["/api/v1/events/{id}/requests/{request}/slot"]["put"].is_object());
    }

    fn an_organizer_orders_meetings_by_session_and_precedence_and_the_scheduler_keeps_it(db) {
        let app = TestApp::spawn(&db);
        let organizer = sign_up(&app, "organizer", None);
        let a = sign_up(&app, "alpha", Some("VN"));
        let b = sign_up(&app, "beta", Some("CN"));
        let c = sign_up(&app, "gamma", Some("AE"));
        let (org_a, org_b, org_c) = (a.org.clone().unwrap(), b.org.clone().unwrap(), c.org.clone().unwrap());
        let event_body = json!({"title": "Gulf–ASEAN investment day", "kind": "brokerage", "city": "Shenzhen", "country": "CN",
            "time_zone": "Asia/Shanghai", "starts_on": "2026-12-03", "ends_on": "2026-12-03"});
        let (_, event) = call(&app, "POST", "/api/v1/events", Some(&organizer), Some(&event_body));
        let base = format!("/api/v1/events/{}", event["id"].as_str().unwrap());
        let sessions = json!({"sessions": [
            {"day": "2026-12-03", "part": "am", "starts": "09:00", "ends": "10:00", "slot_minutes": 30},
            {"day": "2026-12-03", "part": "pm", "starts": "14:00", "ends": "15:00", "slot_minutes": 30}]});
        let (_, slots) = call(&app, "POST", &format!("{base}/slots"), Some(&organizer), Some(&sessions));
        let starts: std::collections::HashMap<String, String> = slots
            .as_array()
            .unwrap()
            .iter()
            .map(|s| (s["id"].as_str().unwrap().to_owned(), s["starts"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(starts.len(), 4, "{slots}");
        call(&app, "POST", &format!("{base}/tables"), Some(&organizer), Some(&json!({"tables": [{"name": "T1", "capacity": 2}]})));
        for (user, org) in [(&a, &org_a), (&b, &org_b), (&c, &org_c)] {
            call(&app, "POST", &format!("{base}/registrations"), Some(user), Some(&json!({"party": org})));
        }
        let mut ids = Vec::new();
        for (to_user, to) in [(&b, &org_b), (&c, &org_c)] {
            let (_, request) = call(&app, "POST", &format!("{base}/requests"), Some(&a), Some(&json!({"from": org_a, "to": to, "priority": "must"})));
            let id = request["id"].as_str().unwrap().to_owned();
            call(&app, "POST", &format!("{base}/requests/{id}/accept"), Some(to_user), None);
            ids.push(id);
        }
        let (briefing, signing) = (ids[0].clone(), ids[1].clone());
        let times = || -> (String, String) {
            let (_, meetings) = call(&app, "GET", &format!("{base}/meetings"), Some(&organizer), None);
            let start = |request: &str| -> String {
                let meeting = meetings.as_array().unwrap().iter().find(|m| m["request_id"] == request && m["status"] == "confirmed");
                let slot = meeting.unwrap_or_else(|| panic!("{request} not scheduled: {meetings}"))["slot_id"].as_str().unwrap();
                starts[slot].clone()
            };
            (start(&briefing), start(&signing))
        };
        assert_eq!(schedule(&app, &base, &organizer)["status"], "done");
        let free = times();
        // Both meetings in one part of the day, the signing after the briefing: that leaves
        // one schedule. The part is the one the free schedule did not already use that way.
        let (part, expected) = if free == ("14:00".to_string(), "14:30".to_string()) {
            ("am", ("09:00".to_string(), "09:30".to_string()))
        } else {
            ("pm", ("14:00".to_string(), "14:30".to_string()))
        };
        assert_ne!(free, expected, "the test would prove nothing");

        let order = |request: &str| format!("{base}/requests/{request}/order");
        assert_eq!(call(&app, "PUT", &order(&briefing), Some(&a), Some(&json!({"session": part}))).0, 403, "only organizers");
        let (status, refused) = call(&app, "PUT", &order(&briefing), Some(&organizer), Some(&json!({"session": "noon"})));
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("session")), "{refused}");
        // A session other than that of the request's fixed slot is refused.
        let other_part = starts.iter().find(|(_, at)| (at.as_str() < "12:00") == (part == "pm")).map(|(id, _)| id.clone()).unwrap();
        let fix = format!("{base}/requests/{briefing}/slot");
        assert_eq!(call(&app, "PUT", &fix, Some(&organizer), Some(&json!({"slot": other_part}))).0, 200);
        let (status, refused) = call(&app, "PUT", &order(&briefing), Some(&organizer), Some(&json!({"session": part})));
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("session")), "{refused}");
        assert_eq!(call(&app, "PUT", &fix, Some(&organizer), Some(&json!({"slot": null}))).0, 200);
        let (status, ordered) = call(&app, "PUT", &order(&briefing), Some(&organizer), Some(&json!({"session": part})));
        assert_eq!((status, ordered["session"].as_str()), (200, Some(part)), "{ordered}");
        // And, the other way round, a fixed slot outside the request's session.
        let (status, refused) = call(&app, "PUT", &fix, Some(&organizer), Some(&json!({"slot": other_part})));
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("slot")), "{refused}");
        let (status, refused) = call(&app, "PUT", &order(&signing), Some(&organizer), Some(&json!({"after": ["no-such-request"]})));
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("after")), "{refused}");
        let (status, ordered) = call(&app, "PUT", &order(&signing), Some(&organizer), Some(&json!({"session": part, "after": [briefing]})));
        assert_eq!((status, ordered["after"].clone()), (200, json!([briefing])), "{ordered}");
        // The briefing after the signing would make a cycle: refused, and its session kept.
        let (status, refused) = call(&app, "PUT", &order(&briefing), Some(&organizer), Some(&json!({"session": part, "after": [signing]})));
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("after")), "{refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("cycle"), "{refused}");
        // Fixed slots that contradict the order are refused: the briefing fixed to the later
        // slot, then the signing to the earlier one.
        let slot_at = |time: &str| starts.iter().find(|(_, at)| at.as_str() == time).map(|(id, _)| id.clone()).unwrap();
        let (first, second) = (slot_at(&expected.0), slot_at(&expected.1));
        let fix = |request: &str| format!("{base}/requests/{request}/slot");
        assert_eq!(call(&app, "PUT", &fix(&briefing), Some(&organizer), Some(&json!({"slot": second}))).0, 200);
        let (status, refused) = call(&app, "PUT", &fix(&signing), Some(&organizer), Some(&json!({"slot": first})));
        assert_eq!((status, refused["error"]["field"].as_str()), (422, Some("slot")), "{refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("not before"), "{refused}");
        assert_eq!(call(&app, "PUT", &fix(&briefing), Some(&organizer), Some(&json!({"slot": null}))).0, 200);
        let (_, requests) = call(&app, "GET", &format!("{base}/requests"), Some(&organizer), None);
        let stored = requests.as_array().unwrap().iter().find(|r| r["id"] == briefing.as_str()).unwrap().clone();
        assert_eq!((stored["session"].as_str(), stored["after"].clone()), (Some(part), json!([])), "{stored}");

        let job = schedule(&app, &base, &organizer);
        assert_eq!(job["status"], "done", "{job}");
        assert_eq!(times(), expected, "both in the {part} session, the signing after the briefing: {job}");
        let (_, doc) = call(&app, "GET", "/api/openapi.json", None, None);
        assert!(doc["paths"]["/api/v1/events/{id}/requests/{request}/order"]["put"].is_object());
    }
}
