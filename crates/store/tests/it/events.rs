//! Event store tests (issue #4), on both backends.

use bridgehub_store::{
    DayPart, Event, EventKind, EventRules, EventSession, EventStatus, EventTable, MeetingRequest,
    MeetingStatus, Placement, Priority, Registration, RegistrationStatus, RequestStatus,
    ScheduleRun, Slot, Store, StoreError,
};
use bridgehub_store::{NewUser, UserRecord};
use bridgehub_testkit::backend_tests;

fn user(store: &dyn Store, id: &str) {
    store
        .create_user(&NewUser {
            user: UserRecord {
                id: id.into(),
                email: format!("{id}@example.org"),
                display_name: id.into(),
                password_hash: "x".into(),
                locale: "en".into(),
                is_admin: false,
                totp_secret: None,
                totp_enabled: false,
                created_at: String::new(),
            },
            organization: None,
        })
        .unwrap();
}

fn event(id: &str) -> Event {
    Event {
        id: id.into(),
        title: "ASEAN brokerage day".into(),
        kind: EventKind::Brokerage,
        venue: "Expo hall".into(),
        city: "Ho Chi Minh City".into(),
        country: "VN".into(),
        time_zone: "Asia/Ho_Chi_Minh".into(),
        starts_on: "2026-12-01".into(),
        ends_on: "2026-12-02".into(),
        description: String::new(),
        status: EventStatus::Open,
    }
}

fn slot(id: &str, starts: &str) -> Slot {
    Slot {
        id: id.into(),
        session_id: Some("s1".into()),
        day: "2026-12-01".into(),
        starts: starts.into(),
        ends: "23:59".into(),
        part: DayPart::Am,
    }
}

fn registration(id: &str, party: &str, token: &str) -> Registration {
    Registration {
        id: id.into(),
        event_id: "e1".into(),
        party_id: party.into(),
        party_kind: "organization".into(),
        unavailable: vec!["t2".into()],
        status: RegistrationStatus::Registered,
        feed_token: token.into(),
        registered_by: "u1".into(),
    }
}

fn request(id: &str, from: &str, to: &str) -> MeetingRequest {
    MeetingRequest {
        id: id.into(),
        event_id: "e1".into(),
        from_party: from.into(),
        to_party: to.into(),
        priority: Priority::Must,
        note: "hello".into(),
        status: RequestStatus::Requested,
        requested_by: "u1".into(),
        fixed_slot: None,
        session: None,
        after: Vec::new(),
    }
}

fn run(id: &str) -> ScheduleRun {
    ScheduleRun {
        id: id.into(),
        job_id: Some(7),
        summary: "{}".into(),
        created_at: String::new(),
    }
}

fn place(request: &str, slot: &str, table: &str) -> Placement {
    Placement {
        request_id: request.into(),
        slot_id: slot.into(),
        table_id: table.into(),
    }
}

fn set_up(store: &dyn Store) {
    user(store, "u1");
    store.insert_event(&event("e1"), "u1").unwrap();
    let session = EventSession {
        id: "s1".into(),
        day: "2026-12-01".into(),
        part: DayPart::Am,
        starts: "09:00".into(),
        ends: "10:00".into(),
        slot_minutes: 20,
    };
    store
        .add_event_slots(
            "e1",
            &[session],
            &[
                slot("t1", "09:00"),
                slot("t2", "09:20"),
                slot("t3", "09:40"),
            ],
        )
        .unwrap();
    store
        .add_event_tables(
            "e1",
            &[
                EventTable {
                    id: "a".into(),
                    name: "A".into(),
                    capacity: 1,
                },
                EventTable {
                    id: "b".into(),
                    name: "B".into(),
                    capacity: 2,
                },
            ],
        )
        .unwrap();
    for (n, party) in ["p1", "p2", "p3"].iter().enumerate() {
        store
            .upsert_registration(&registration(
                &format!("r{n}"),
                party,
                &format!("token-{party}-0123456789"),
            ))
            .unwrap();
    }
    store
        .insert_meeting_request(&request("q1", "p1", "p2"))
        .unwrap();
    store
        .insert_meeting_request(&request("q2", "p1", "p3"))
        .unwrap();
}

backend_tests! {
    fn events_read_back_with_organizer_version_and_everything_set_up(db) {
        let store = db.store();
        set_up(store.as_ref());
        let stored = store.event("e1").unwrap().unwrap();
        assert_eq!((stored.record.clone(), stored.version), (event("e1"), 1));
        assert!(matches!(store.insert_event(&event("e1"), "u1"), Err(StoreError::IdTaken { .. })));
        assert!(matches!(store.insert_event(&event("e2"), "nobody"), Err(StoreError::MissingReference { field: "organizer", .. })));
        assert!(store.event("e2").unwrap().is_none(), "the failed insert was rolled back");
        let mut renamed = event("e1");
        renamed.title = "Renamed".into();
        assert_eq!(store.update_event(&renamed, Some(1)).unwrap().version, 2);
        assert!(matches!(store.update_event(&renamed, Some(1)), Err(StoreError::VersionConflict { .. })));
        store.set_event_rules("e1", &EventRules { cross_country_only: true, cross_kind_only: false, max_requests: Some(3), max_meetings: None }).unwrap();

        let snap = store.event_snapshot("e1").unwrap().unwrap();
        assert_eq!(snap.organizers, vec!["u1".to_string()]);
        assert_eq!(snap.rules.max_requests, Some(3));
        assert!(snap.rules.cross_country_only && snap.rules.max_meetings.is_none());
        assert_eq!(snap.sessions.len(), 1);
        assert_eq!(snap.slots.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(), ["t1", "t2", "t3"]);
        assert_eq!(snap.tables.iter().map(|t| (t.id.as_str(), t.capacity)).collect::<Vec<_>>(), [("a", 1), ("b", 2)]);
        assert_eq!(snap.registrations.len(), 3);
        assert_eq!(snap.registrations[0].unavailable, vec!["t2".to_string()]);
        assert_eq!(snap.requests.len(), 2);
        assert!(snap.meetings.is_empty() && snap.last_run.is_none());
        assert_eq!(store.list_events(None, 10).unwrap().len(), 1);
        assert!(store.list_events(Some("e1"), 10).unwrap().is_empty());
    }

    fn a_request_keeps_its_session_and_the_requests_it_follows(db) {
        let store = db.store();
        set_up(store.as_ref());
        let stored = store.set_request_order("e1", "q2", Some(DayPart::Pm), &["q1".to_string()]).unwrap();
        assert_eq!((stored.session, stored.after.clone()), (Some(DayPart::Pm), vec!["q1".to_string()]));
        let snap = store.event_snapshot("e1").unwrap().unwrap();
        let q2 = snap.requests.iter().find(|r| r.id == "q2").unwrap();
        assert_eq!((q2.session, q2.after.as_slice()), (Some(DayPart::Pm), ["q1".to_string()].as_slice()));
        let q1 = snap.requests.iter().find(|r| r.id == "q1").unwrap();
        assert!(q1.session.is_none() && q1.after.is_empty(), "untouched requests read back empty");

        // An unknown request, or the request itself, is refused and changes nothing.
        for bad in ["q9", "q2"] {
            let refused = store.set_request_order("e1", "q2", None, &["q1".to_string(), bad.to_string()]);
            assert!(matches!(refused, Err(StoreError::MissingReference { field: "after", .. })), "{bad}: {refused:?}");
        }
        let kept = store.event_snapshot("e1").unwrap().unwrap();
        let q2 = kept.requests.iter().find(|r| r.id == "q2").unwrap();
        assert_eq!((q2.session, q2.after.as_slice()), (Some(DayPart::Pm), ["q1".to_string()].as_slice()));
        assert!(matches!(store.set_request_order("e1", "q9", None, &[]), Err(StoreError::NotFound { .. })));

        // q1 after q2 would close a cycle with q2 after q1: refused by the store itself.
        let cycle = store.set_request_order("e1", "q1", None, &["q2".to_string()]);
        assert!(matches!(cycle, Err(StoreError::Invalid { field: "after", .. })), "{cycle:?}");
        assert!(store.event_snapshot("e1").unwrap().unwrap().requests.iter().all(|r| r.id != "q1" || r.after.is_empty()));

        let cleared = store.set_request_order("e1", "q2", None, &[]).unwrap();
        assert!(cleared.session.is_none() && cleared.after.is_empty());
    }

    fn table_names_are_unique_within_an_event(db) {
        let store = db.store();
        set_up(store.as_ref());
        let table = |id: &str, name: &str| EventTable { id: id.into(), name: name.into(), capacity: 1 };
        // A name the event has, or one repeated in the list: refused, and nothing added.
        for list in [vec![table("c", "C"), table("a2", "A")], vec![table("c", "C"), table("c2", "C")]] {
            let refused = store.add_event_tables("e1", &list);
            assert!(matches!(refused, Err(StoreError::Invalid { field: "name", .. })), "{refused:?}");
        }
        let names = |store: &dyn Store| store.event_snapshot("e1").unwrap().unwrap().tables.into_iter().map(|t| t.name).collect::<Vec<_>>();
        assert_eq!(names(store.as_ref()).len(), 2);
        store.add_event_tables("e1", &[table("c", "C")]).unwrap();
        assert_eq!(names(store.as_ref()).len(), 3);

        // Two organizers adding the same name at the same moment (two connections): one
        // wins, the other is refused after reading the first's table.
        for round in 0..5 {
            let name = format!("Race {round}");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
            let racers: Vec<_> = (0..2)
                .map(|n| {
                    let (store, barrier, name) = (db.store(), barrier.clone(), name.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        store.add_event_tables("e1", &[EventTable { id: format!("race-{round}-{n}"), name, capacity: 1 }])
                    })
                })
                .collect();
            let results: Vec<_> = racers.into_iter().map(|r| r.join().expect("racer")).collect();
            assert_eq!(results.iter().filter(|r| r.is_ok()).count(), 1, "{results:?}");
            assert!(results.iter().any(|r| matches!(r, Err(StoreError::Invalid { field: "name", .. }))), "{results:?}");
            assert_eq!(names(store.as_ref()).iter().filter(|n| **n == name).count(), 1);
        }
    }

    fn only_a_registered_party_gets_its_unavailable_slots_replaced(db) {
        let store = db.store();
        set_up(store.as_ref());
        let changed = store.set_registration_unavailable("e1", "p1", &["t1".to_string(), "t3".to_string()]).unwrap().unwrap();
        assert_eq!((changed.unavailable.as_slice(), changed.feed_token.as_str()), (["t1".to_string(), "t3".to_string()].as_slice(), "token-p1-0123456789"));
        assert!(store.set_registration_unavailable("e1", "nobody", &[]).unwrap().is_none());
        // A withdrawn party stays withdrawn, with its slots as they were.
        let mut withdrawn = registration("r1", "p2", "token-p2-0123456789");
        withdrawn.status = RegistrationStatus::Cancelled;
        store.upsert_registration(&withdrawn).unwrap();
        assert!(store.set_registration_unavailable("e1", "p2", &[]).unwrap().is_none());
        let p2 = store.event_snapshot("e1").unwrap().unwrap().registrations.into_iter().find(|r| r.party_id == "p2").unwrap();
        assert_eq!((p2.status, p2.unavailable), (RegistrationStatus::Cancelled, vec!["t2".to_string()]));
    }

    fn registrations_upsert_by_party_and_keep_their_feed_token(db) {
        let store = db.store();
        set_up(store.as_ref());
        let mut again = registration("other-id", "p1", "another-token-0123456789");
        again.unavailable = vec![];
        let stored = store.upsert_registration(&again).unwrap();
        assert_eq!((stored.id.as_str(), stored.feed_token.as_str()), ("r0", "token-p1-0123456789"));
        assert!(stored.unavailable.is_empty());
        let found = store.registration_by_feed_token("token-p2-0123456789").unwrap().unwrap();
        assert_eq!(found.party_id, "p2");
        assert!(store.registration_by_feed_token("nope").unwrap().is_none());
    }

    fn a_pair_is_requested_once_and_declining_cancels_its_meeting(db) {
        let store = db.store();
        set_up(store.as_ref());
        assert!(matches!(store.insert_meeting_request(&request("q9", "p1", "p2")), Err(StoreError::IdTaken { .. })));
        store.set_request_status("e1", "q1", RequestStatus::Accepted).unwrap();
        store.apply_schedule("e1", &run("run1"), &[place("q1", "t1", "a")]).unwrap();
        let declined = store.set_request_status("e1", "q1", RequestStatus::Declined).unwrap();
        assert_eq!(declined.status, RequestStatus::Declined);
        let meeting = store.event_snapshot("e1").unwrap().unwrap().meetings.remove(0);
        assert_eq!((meeting.status, meeting.sequence), (MeetingStatus::Cancelled, 1));
        assert!(matches!(store.set_request_status("e1", "ghost", RequestStatus::Accepted), Err(StoreError::NotFound { .. })));
    }

    fn applying_schedules_keeps_uids_bumps_sequences_and_reports_changes(db) {
        let store = db.store();
        set_up(store.as_ref());
        let first = store.apply_schedule("e1", &run("run1"), &[place("q1", "t1", "a"), place("q2", "t3", "b")]).unwrap();
        assert_eq!((first.added.len(), first.moved.len(), first.cancelled.len(), first.unchanged), (2, 0, 0, 0));
        let before = store.event_snapshot("e1").unwrap().unwrap();
        assert_eq!(before.last_run.as_ref().map(|r| (r.id.as_str(), r.job_id)), Some(("run1", Some(7))));
        // q1 stays, q2 moves to t2, then q2 is dropped and comes back.
        let second = store.apply_schedule("e1", &run("run2"), &[place("q1", "t1", "a"), place("q2", "t2", "b")]).unwrap();
        assert_eq!(second.unchanged, 1);
        assert_eq!(second.moved, vec![("q2".to_string(), "t3".to_string(), "t2".to_string())]);
        let third = store.apply_schedule("e1", &run("run3"), &[place("q1", "t1", "a")]).unwrap();
        assert_eq!(third.cancelled, vec!["q2".to_string()]);
        let after = store.event_snapshot("e1").unwrap().unwrap();
        let q2 = after.meetings.iter().find(|m| m.request_id == "q2").unwrap();
        let q2_before = before.meetings.iter().find(|m| m.request_id == "q2").unwrap();
        assert_eq!(q2.uid, q2_before.uid, "the calendar UID never changes");
        assert_eq!((q2.status, q2.sequence, q2.slot_id.as_str()), (MeetingStatus::Cancelled, 2, "t2"));
        let q1 = after.meetings.iter().find(|m| m.request_id == "q1").unwrap();
        assert_eq!((q1.status, q1.sequence), (MeetingStatus::Confirmed, 0));
        let mut moved_zone = event("e1");
        moved_zone.time_zone = "Asia/Bangkok".into();
        store.update_event(&moved_zone, None).unwrap();
        let bumped = store.event_snapshot("e1").unwrap().unwrap();
        let q1_after = bumped.meetings.iter().find(|m| m.request_id == "q1").unwrap();
        assert_eq!((q1_after.status, q1_after.sequence), (MeetingStatus::Confirmed, 1), "a new zone moves every meeting");
        let fourth = store.apply_schedule("e1", &run("run4"), &[place("q1", "t1", "a"), place("q2", "t1", "b")]).unwrap();
        assert_eq!(fourth.added, vec!["q2".to_string()]);
        let mut called_off = moved_zone.clone();
        called_off.status = EventStatus::Cancelled;
        store.update_event(&called_off, None).unwrap();
        let off = store.event_snapshot("e1").unwrap().unwrap();
        assert!(off.meetings.iter().all(|m| m.status == MeetingStatus::Cancelled), "{:?}", off.meetings);
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }

    fn job_progress_is_written_only_by_the_worker_holding_the_job(db) {
        let store = db.store();
        let id = store.enqueue_job("schedule_event", "{}").unwrap();
        store.claim_job("w1", &["schedule_event"], 60).unwrap().unwrap();
        assert!(store.record_job_progress(id, "w1", r#"{"fraction":0.5}"#).unwrap());
        assert!(!store.record_job_progress(id, "w2", "{}").unwrap());
        assert_eq!(store.job(id).unwrap().unwrap().result.as_deref(), Some(r#"{"fraction":0.5}"#));
    }
}
