//! Event use cases (issue #4) on both backends: permissions, organizer rules, scheduler
//! jobs with incremental re-scheduling, agendas in two time zones, iCalendar feeds read
//! back with an independent parser (the `ical` crate).

use std::collections::HashMap;

use bridgehub_app::{
    Actor, AppError, DayPart, EventInput, EventKind, EventRules, Hub, MeetingRequestInput,
    Priority, RegistrationInput, RequestAnswer, ScheduleMode, ScheduleOptions, SessionTemplate,
    TableInput,
};
use bridgehub_domain::{Contact, CountryCode, EntityId, OrgKind, Organization};
use bridgehub_store::{NewUser, Store, UserRecord};
use bridgehub_testkit::backend_tests;

fn organizer() -> Actor {
    Actor {
        user_id: "u-org".into(),
        organizations: vec![],
        is_admin: false,
    }
}

fn member(org: &str) -> Actor {
    Actor {
        user_id: format!("u-{org}"),
        organizations: vec![org.into()],
        is_admin: false,
    }
}

fn org(id: &str, country: &str, kind: OrgKind) -> Organization {
    Organization {
        id: EntityId::parse(id).unwrap(),
        name: format!("Org {id}"),
        names: Default::default(),
        kind,
        country: CountryCode::parse(country).unwrap(),
        city: None,
        sectors: vec![],
        languages: vec![],
        description: None,
        website: None,
        contact: Contact::default(),
        verified: false,
    }
}

fn add_user(store: &dyn Store, id: &str) {
    let user = UserRecord {
        id: id.into(),
        email: format!("{id}@example.org"),
        display_name: id.into(),
        password_hash: "x".into(),
        locale: "en".into(),
        is_admin: false,
        totp_secret: None,
        totp_enabled: false,
        created_at: String::new(),
    };
    store
        .create_user(&NewUser {
            user,
            organization: None,
        })
        .unwrap();
}

fn input() -> EventInput {
    EventInput {
        title: "Mekong investment brokerage".into(),
        kind: EventKind::Brokerage,
        venue: "SECC".into(),
        city: "Ho Chi Minh City".into(),
        country: "VN".into(),
        time_zone: "Asia/Ho_Chi_Minh".into(),
        starts_on: "2026-12-01".into(),
        ends_on: "2026-12-01".into(),
        description: String::new(),
        status: None,
    }
}

/// An event with 3 AM + 3 PM slots of 20 minutes, one table for 2 meetings at once, and
/// parties a (VN enterprise), b (CN investor), c (TH investor), d (VN investor) registered.
fn set_up(hub: &Hub, store: &dyn Store) -> String {
    add_user(store, "u-org");
    for (id, country, kind) in [
        ("a", "VN", OrgKind::Enterprise),
        ("b", "CN", OrgKind::Investor),
        ("c", "TH", OrgKind::Investor),
        ("d", "VN", OrgKind::Investor),
    ] {
        store.insert_organization(&org(id, country, kind)).unwrap();
    }
    let event = hub.create_event(&organizer(), &input()).unwrap().record.id;
    let sessions = [
        SessionTemplate {
            day: "2026-12-01".into(),
            part: DayPart::Am,
            starts: "09:00".into(),
            ends: "10:00".into(),
            slot_minutes: 20,
        },
        SessionTemplate {
            day: "2026-12-01".into(),
            part: DayPart::Pm,
            starts: "14:00".into(),
            ends: "15:00".into(),
            slot_minutes: 20,
        },
    ];
    let slots = hub
        .generate_event_slots(&organizer(), &event, &sessions)
        .unwrap();
    assert_eq!(
        slots.iter().map(|s| s.starts.as_str()).collect::<Vec<_>>(),
        ["09:00", "09:20", "09:40", "14:00", "14:20", "14:40"]
    );
    hub.add_event_tables(
        &organizer(),
        &event,
        &[TableInput {
            name: "Table 1".into(),
            capacity: 2,
        }],
    )
    .unwrap();
    for party in ["a", "b", "c", "d"] {
        let registration = hub
            .register_for_event(
                &member(party),
                &event,
                &RegistrationInput {
                    party: party.into(),
                    unavailable: vec![],
                },
            )
            .unwrap();
        assert_eq!(registration.feed_token.len(), 48);
    }
    event
}

fn request(hub: &Hub, event: &str, from: &str, to: &str, priority: Priority) -> String {
    let input = MeetingRequestInput {
        from: from.into(),
        to: to.into(),
        priority: Some(priority),
        note: String::new(),
    };
    hub.request_meeting(&member(from), event, &input)
        .unwrap()
        .id
}

fn options() -> ScheduleOptions {
    ScheduleOptions {
        mode: ScheduleMode::MaxWeight,
        time_limit_secs: Some(20),
        seed: Some(1),
        max_iterations: Some(5_000),
    }
}

fn run_schedule(hub: &Hub, event: &str) -> serde_json::Value {
    let job = hub.schedule_event(&organizer(), event, &options()).unwrap();
    assert_eq!(hub.run_jobs_once("worker-1").unwrap(), Some(job));
    assert_eq!(
        hub.run_jobs_once("worker-1").unwrap(),
        None,
        "the job ran once"
    );
    let status = hub.schedule_job(&organizer(), event, job).unwrap();
    assert_eq!(status.status, "done", "{:?}", status.result);
    status.result.unwrap()
}

/// VEVENTs of an iCalendar text, parsed by the `ical` crate: UID → properties.
fn parse_ics(text: &str) -> HashMap<String, HashMap<String, String>> {
    let mut out = HashMap::new();
    for calendar in ical::IcalParser::new(std::io::BufReader::new(text.as_bytes())) {
        for event in calendar.expect("a valid iCalendar document").events {
            let props: HashMap<String, String> = event
                .properties
                .into_iter()
                .map(|p| (p.name, p.value.unwrap_or_default()))
                .collect();
            out.insert(props["UID"].clone(), props);
        }
    }
    out
}

fn forbidden<T: std::fmt::Debug>(result: Result<T, AppError>) -> bool {
    matches!(result, Err(AppError::Forbidden(_)))
}

backend_tests! {
    fn permissions_are_checked_for_every_write(db) {
        let store = db.store();
        let hub = Hub::with_store(store.clone());
        let event = set_up(&hub, store.as_ref());
        let stranger = member("z");
        assert!(forbidden(hub.add_event_tables(&stranger, &event, &[TableInput { name: "T".into(), capacity: 1 }])));
        assert!(forbidden(hub.update_event(&stranger, &event, &input(), None)));
        assert!(forbidden(hub.register_for_event(&stranger, &event, &RegistrationInput { party: "a".into(), unavailable: vec![] })));
        let ask = MeetingRequestInput { from: "a".into(), to: "b".into(), priority: None, note: String::new() };
        assert!(forbidden(hub.request_meeting(&member("b"), &event, &ask)), "b cannot request in a's name");
        let id = hub.request_meeting(&member("a"), &event, &ask).unwrap().id;
        assert!(matches!(hub.request_meeting(&member("a"), &event, &ask), Err(AppError::Store(_))), "asked once");
        assert!(forbidden(hub.answer_meeting_request(&member("a"), &event, &id, RequestAnswer::Accept)), "only the requested side accepts");
        assert!(forbidden(hub.answer_meeting_request(&member("b"), &event, &id, RequestAnswer::Cancel)), "only the requester cancels");
        hub.answer_meeting_request(&member("b"), &event, &id, RequestAnswer::Accept).unwrap();
        assert!(matches!(hub.answer_meeting_request(&member("b"), &event, &id, RequestAnswer::Accept), Err(AppError::InvalidState(_))));
        assert!(forbidden(hub.schedule_event(&member("a"), &event, &options())));
        assert!(forbidden(hub.agenda(&member("c"), &event, "a", None)));
        assert!(forbidden(hub.event_ics(&member("a"), &event)));
        assert_eq!(hub.meeting_requests(&member("c"), &event).unwrap().len(), 0, "c sees no one else's requests");
        assert_eq!(hub.meeting_requests(&member("b"), &event).unwrap().len(), 1);
        let regs = hub.event_registrations(&member("a"), &event).unwrap();
        assert_eq!(regs.iter().map(|r| r.party_id.as_str()).collect::<Vec<_>>(), ["a"], "feed tokens of others stay hidden");
        let mut bad = input();
        bad.time_zone = "Mars/Olympus".into();
        bad.ends_on = "2026-11-01".into();
        match hub.create_event(&organizer(), &bad) {
            Err(AppError::Validation(errors)) => {
                let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["time_zone", "ends_on"]);
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn set_up_checks_table_names_caps_and_parts_of_the_day_before_storing(db) {
        let store = db.store();
        let hub = Hub::with_store(store.clone());
        let event = set_up(&hub, store.as_ref());
        let field = |result: Result<_, AppError>| match result {
            Err(AppError::Validation(errors)) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {:?}", other.map(|_: Vec<bridgehub_app::EventTable>| ())),
        };
        let table = |name: &str| TableInput { name: name.into(), capacity: 1 };
        // "Table 1" is the event's already; a name twice in one list is refused too.
        assert_eq!(field(hub.add_event_tables(&organizer(), &event, &[table("Table 2"), table("Table 1")])), "tables[1].name");
        assert_eq!(field(hub.add_event_tables(&organizer(), &event, &[table("Table 2"), table("Table 2")])), "tables[1].name");
        assert_eq!(hub.event_details(&event).unwrap().tables.len(), 1, "nothing added");

        // Caps allow at least one; a morning starts before noon; a session holds a slot.
        for (rules, expected) in [
            (EventRules { max_meetings: Some(0), ..EventRules::default() }, "rules.max_meetings"),
            (EventRules { max_meetings: Some(500), ..EventRules::default() }, "rules.max_meetings"),
            (EventRules { max_requests: Some(0), ..EventRules::default() }, "rules.max_requests"),
        ] {
            match hub.set_event_rules(&organizer(), &event, &rules) {
                Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, expected),
                other => panic!("{rules:?}: {other:?}"),
            }
        }
        assert_eq!(hub.event_details(&event).unwrap().rules, EventRules::default());
        let session = |part: DayPart, starts: &str, ends: &str, minutes: u32| SessionTemplate {
            day: "2026-12-01".into(), part, starts: starts.into(), ends: ends.into(), slot_minutes: minutes,
        };
        for (template, expected) in [
            (session(DayPart::Am, "13:00", "15:00", 20), "sessions[0].part"),
            (session(DayPart::Pm, "08:00", "11:00", 20), "sessions[0].part"),
            (session(DayPart::Am, "09:00", "09:15", 20), "sessions[0].slot_minutes"),
        ] {
            match hub.generate_event_slots(&organizer(), &event, &[template]) {
                Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, expected),
                other => panic!("{expected}: {other:?}"),
            }
        }
        // A session across noon may be either part.
        hub.generate_event_slots(&organizer(), &event, &[session(DayPart::Pm, "11:30", "12:30", 30)]).unwrap();
        assert_eq!(hub.event_details(&event).unwrap().slots.len(), 8);

        // A setup file with a repeated table name stores no event at all.
        let before = hub.list_events(None, Some(100)).unwrap().len();
        let setup: bridgehub_app::EventSetup = serde_json::from_value(serde_json::json!({
            "event": serde_json::to_value(input()).unwrap(),
            "tables": [{"name": "A"}, {"name": "A"}],
        }))
        .unwrap();
        assert!(matches!(hub.create_event_with_setup(&organizer(), &setup), Err(AppError::Validation(_))));
        assert_eq!(hub.list_events(None, Some(100)).unwrap().len(), before);
    }

    fn the_event_view_shows_each_viewer_what_it_may_see(db) {
        let store = db.store();
        let hub = Hub::with_store(store.clone());
        let event = set_up(&hub, store.as_ref());
        request(&hub, &event, "a", "b", Priority::Must);
        request(&hub, &event, "c", "d", Priority::Nice);
        let visitor = hub.event_view(None, &event).unwrap();
        assert!(!visitor.organizer && visitor.registrations.is_empty() && visitor.requests.is_empty());
        assert_eq!(visitor.details.registered, 4);
        let b = hub.event_view(Some(&member("b")), &event).unwrap();
        assert!(!b.organizer);
        assert_eq!(b.registrations.iter().map(|r| r.party_id.as_str()).collect::<Vec<_>>(), ["b"]);
        assert_eq!(b.requests.iter().map(|r| (r.from_party.as_str(), r.to_party.as_str())).collect::<Vec<_>>(), [("a", "b")]);
        let organizer = hub.event_view(Some(&organizer()), &event).unwrap();
        assert!(organizer.organizer && organizer.registrations.len() == 4 && organizer.requests.len() == 2);
        // The same as the separate use cases say.
        assert_eq!(b.requests, hub.meeting_requests(&member("b"), &event).unwrap());
        assert_eq!(b.registrations, hub.event_registrations(&member("b"), &event).unwrap());
    }

    fn an_imported_request_is_stored_whole_or_not_at_all(db) {
        let store = db.store();
        let hub = Hub::with_store(store.clone());
        let event = set_up(&hub, store.as_ref());
        store.insert_organization(&org("e", "TH", OrgKind::Enterprise)).unwrap();
        let slots = hub.event_details(&event).unwrap().slots;
        let at = |time: &str| slots.iter().find(|s| s.starts == time).unwrap().id.clone();
        hub.set_availability(&member("a"), &event, "a", &[at("09:00")]).unwrap();
        let line = |value: serde_json::Value| -> bridgehub_app::MeetingRequestImport { serde_json::from_value(value).unwrap() };
        // a cannot meet at 09:00: the whole line is refused, e is not even registered.
        match hub.import_meeting_request(&organizer(), &event, &line(serde_json::json!({"from": "e", "to": "a", "slot": at("09:00")}))) {
            Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, "slot"),
            other => panic!("{other:?}"),
        }
        let stored = |hub: &Hub| (hub.event_registrations(&organizer(), &event).unwrap(), hub.meeting_requests(&organizer(), &event).unwrap());
        let (registrations, requests) = stored(&hub);
        assert!(registrations.iter().all(|r| r.party_id != "e") && requests.iter().all(|r| r.from_party != "e"));
        assert!(forbidden(hub.import_meeting_request(&member("e"), &event, &line(serde_json::json!({"from": "e", "to": "a"})))));

        // A good line: e registered, the request accepted, fixed to 09:20 in the morning.
        let first = hub.import_meeting_request(&organizer(), &event, &line(serde_json::json!({"from": "e", "to": "a", "priority": "must", "slot": at("09:20"), "session": "am"}))).unwrap();
        assert_eq!((first.status, first.fixed_slot.clone(), first.session), (bridgehub_store::RequestStatus::Accepted, Some(at("09:20")), Some(DayPart::Am)));
        assert!(stored(&hub).0.iter().any(|r| r.party_id == "e" && r.feed_token.len() == 48));
        // One after it, in the afternoon; the same pair again, or an unknown one to follow, is refused.
        let second = hub.import_meeting_request(&organizer(), &event, &line(serde_json::json!({"from": "c", "to": "a", "accepted": false, "session": "pm", "after": [{"from": "e", "to": "a"}]}))).unwrap();
        assert_eq!((second.status, second.after.clone()), (bridgehub_store::RequestStatus::Requested, vec![first.id.clone()]));
        let before = stored(&hub).1.len();
        for (bad, field) in [
            (serde_json::json!({"from": "e", "to": "a"}), "to"),
            (serde_json::json!({"from": "d", "to": "a", "after": [{"from": "b", "to": "a"}]}), "after"),
            (serde_json::json!({"from": "d", "to": "a", "session": "noon"}), "session"),
            (serde_json::json!({"from": "d", "to": "nobody"}), "to"),
        ] {
            match hub.import_meeting_request(&organizer(), &event, &line(bad.clone())) {
                Err(AppError::Validation(errors)) => assert_eq!(errors[0].field, field, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert_eq!(stored(&hub).1.len(), before, "refused lines store nothing");
        // A party that withdrew is not registered again by an import.
        hub.unregister_from_event(&organizer(), &event, "d").unwrap();
        match hub.import_meeting_request(&organizer(), &event, &line(serde_json::json!({"from": "d", "to": "b"}))) {
            Err(AppError::Validation(errors)) => assert!(errors[0].field == "from" && errors[0].problem.contains("withdrawn"), "{errors:?}"),
            other => panic!("{other:?}"),
        }
        assert!(stored(&hub).0.iter().any(|r| r.party_id == "d" && r.status == bridgehub_store::RegistrationStatus::Cancelled));
    }

    fn organizer_rules_are_enforced_server_side(db) {
        let store = db.store();
        let hub = Hub::with_store(store.clone());
        let event = set_up(&hub, store.as_ref());
        let rules = EventRules { cross_country_only: true, cross_kind_only: true, max_requests: Some(1), max_meetings: Some(1) };
        assert!(forbidden(hub.set_event_rules(&member("a"), &event, &rules)));
        hub.set_event_rules(&organizer(), &event, &rules).unwrap();
        let ask = |from: &str, to: &str| {
            hub.request_meeting(&member(from), &event, &MeetingRequestInput { from: from.into(), to: to.into(), priority: None, note: String::new() })
        };
        assert!(forbidden(ask("a", "d")), "same country (VN)");
        assert!(forbidden(ask("b", "c")), "same kind (investor)");
        ask("a", "b").unwrap();
        assert!(forbidden(ask("a", "c")), "a has used its one request");
        ask("c", "a").unwrap();
        assert!(matches!(ask("a", "zz"), Err(AppError::Validation(_))), "zz is not registered");
    }

    fn scheduling_runs_as_a_job_and_rescheduling_keeps_uids_and_bumps_sequences(db) {
        let store = db.store();
        let hub = Hub::with_store(store.clone());
        let event = set_up(&hub, store.as_ref());
        let ab = request(&hub, &event, "a", "b", Priority::Must);
        let ac = request(&hub, &event, "a", "c", Priority::Should);
        let bd = request(&hub, &event, "b", "d", Priority::Nice);
        for (id, who) in [(&ab, "b"), (&ac, "c"), (&bd, "d")] {
            hub.answer_meeting_request(&member(who), &event, id, RequestAnswer::Accept).unwrap();
        }
        let first = run_schedule(&hub, &event);
        assert_eq!(first["meetings_scheduled"], 3, "{first}");
        assert_eq!(first["changes"]["added"].as_array().unwrap().len(), 3);
        assert!(first["upper_bound"].as_f64().unwrap() >= 7.0);

        // a's agenda, viewed from New York: 09:00 in Ho Chi Minh City is 21:00 the day before.
        let agenda = hub.agenda(&member("a"), &event, "a", Some("America/New_York")).unwrap();
        assert_eq!((agenda.event_time_zone.as_str(), agenda.viewer_time_zone.as_str()), ("Asia/Ho_Chi_Minh", "America/New_York"));
        assert_eq!(agenda.meetings.len(), 2);
        for item in &agenda.meetings {
            assert!(item.start.at.ends_with("+07:00[Asia/Ho_Chi_Minh]"), "{}", item.start.at);
            assert!(item.viewer_start.at.ends_with("-05:00[America/New_York]"), "{}", item.viewer_start.at);
            let local: jiff::Zoned = item.start.at.parse().unwrap();
            let viewer: jiff::Zoned = item.viewer_start.at.parse().unwrap();
            assert_eq!(local.timestamp(), viewer.timestamp(), "the same instant in both zones");
            assert_eq!(item.table, "Table 1");
        }
        assert!(matches!(hub.agenda(&member("a"), &event, "a", Some("Nowhere/Land")), Err(AppError::Validation(_))));

        let registrations = hub.event_registrations(&member("a"), &event).unwrap();
        let token = registrations[0].feed_token.clone();
        let before = parse_ics(&hub.feed_ics(&event, &token).unwrap());
        assert_eq!(before.len(), 2);
        assert!(before.values().all(|p| p["SEQUENCE"] == "0" && p["STATUS"] == "CONFIRMED" && p["DTSTART"].ends_with('Z')));
        assert!(matches!(hub.feed_ics(&event, "not-a-real-token-at-all"), Err(AppError::NotFound { .. })));

        // b becomes unavailable at the slot of a–b: the re-run moves that meeting only.
        let snapshot_slot = hub.event_meetings(&organizer(), &event).unwrap().into_iter().find(|m| m.request_id == ab).unwrap();
        hub.register_for_event(&member("b"), &event, &RegistrationInput { party: "b".into(), unavailable: vec![snapshot_slot.slot_id.clone()] }).unwrap();
        let second = run_schedule(&hub, &event);
        let moved = second["changes"]["moved"].as_array().unwrap();
        assert_eq!(moved.len(), 1, "{second}");
        assert_eq!(moved[0][0], ab.as_str());
        assert_eq!(second["changes"]["unchanged"], 2, "the other meetings kept slot and table");

        // c declines: its meeting is cancelled and stays in the feed as CANCELLED.
        hub.answer_meeting_request(&member("c"), &event, &ac, RequestAnswer::Decline).unwrap();
        let after = parse_ics(&hub.feed_ics(&event, &token).unwrap());
        assert_eq!(after.len(), 2, "no duplicate entries: the UIDs are the same");
        for (uid, props) in &after {
            let old = &before[uid];
            let meeting = hub.event_meetings(&organizer(), &event).unwrap().into_iter().find(|m| &m.uid == uid).unwrap();
            if meeting.request_id == ab {
                assert_eq!(props["SEQUENCE"], "1");
                assert_ne!(props["DTSTART"], old["DTSTART"]);
                assert_eq!(props["STATUS"], "CONFIRMED");
            } else {
                assert_eq!(meeting.request_id, ac);
                assert_eq!((props["SEQUENCE"].as_str(), props["STATUS"].as_str()), ("1", "CANCELLED"));
            }
        }
        let third = run_schedule(&hub, &event);
        assert_eq!(third["meetings_scheduled"], 2);
        assert!(third["changes"]["cancelled"].as_array().unwrap().is_empty(), "already cancelled");
        let whole = parse_ics(&hub.event_ics(&organizer(), &event).unwrap());
        assert_eq!(whole.len(), 3);
    }

    fn mode_all_reports_infeasibility_and_keeps_the_stored_meetings(db) {
        let store = db.store();
        let hub = Hub::with_store(store.clone());
        let event = set_up(&hub, store.as_ref());
        let ab = request(&hub, &event, "a", "b", Priority::Must);
        hub.answer_meeting_request(&member("b"), &event, &ab, RequestAnswer::Accept).unwrap();
        run_schedule(&hub, &event);
        // b can now meet in no slot at all.
        let slots: Vec<String> = hub.event_details(&event).unwrap().slots.into_iter().map(|s| s.id).collect();
        hub.register_for_event(&member("b"), &event, &RegistrationInput { party: "b".into(), unavailable: slots }).unwrap();
        let options = ScheduleOptions { mode: ScheduleMode::All, ..options() };
        let job = hub.schedule_event(&organizer(), &event, &options).unwrap();
        hub.run_jobs_once("worker-2").unwrap();
        let result = hub.schedule_job(&organizer(), &event, job).unwrap().result.unwrap();
        assert_eq!(result["status"], "infeasible", "{result}");
        assert!(result["reason"].as_str().is_some_and(|r| !r.is_empty()));
        assert_eq!(hub.event_details(&event).unwrap().confirmed_meetings, 1, "nothing was stored");
        assert!(matches!(hub.schedule_job(&organizer(), &event, job + 100), Err(AppError::NotFound { .. })));
    }
}
