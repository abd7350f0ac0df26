//! `bridgehub event create` on both backends: a setup file becomes an event with its
//! slots, tables and rules; a bad file stores nothing and names the field.

use bridgehub_testkit::backend_tests;

use super::{bin, run, stderr, stdout};

fn organizer(db: &str) {
    let created = bin()
        .args(["--db", db, "user", "create", "--email", "org@example.org", "--name", "Organizer"])
        .env("BRIDGEHUB_USER_PASSWORD", "a long enough password")
        .output()
        .expect("run bridgehub");
    assert!(created.status.success(), "{}", stderr(&created));
}

fn setup(slot_day: &str) -> serde_json::Value {
    serde_json::json!({
        "event": {"title": "ASEAN Cold Chain Brokerage", "kind": "brokerage", "time_zone": "Asia/Ho_Chi_Minh",
                  "starts_on": "2027-03-01", "ends_on": "2027-03-02", "city": "Ho Chi Minh City", "country": "VN"},
        "sessions": [{"day": "2027-03-01", "part": "am", "starts": "09:00", "ends": "12:00", "slot_minutes": 30}],
        "slots": [{"day": slot_day, "starts": "14:00", "ends": "14:30"}],
        "tables": [{"name": "Table 1", "capacity": 2}, {"name": "Booth A"}],
        "rules": {"cross_country_only": true, "max_meetings": 8}
    })
}

backend_tests! {
    fn an_event_is_created_from_a_setup_file_or_not_at_all(db) {
        organizer(&db.url);
        let file = db.dir().join("event.json");

        // A slot outside the event's days: refused, naming the field; nothing is stored.
        std::fs::write(&file, setup("2027-04-01").to_string()).unwrap();
        let refused = run(&db.url, &["event", "create", file.to_str().unwrap(), "--organizer", "org@example.org"]);
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("outside the event's days"), "{}", stderr(&refused));
        assert_eq!(stdout(&run(&db.url, &["event", "list"])).trim(), "", "nothing was stored");

        // An unknown organizer is refused with a hint.
        std::fs::write(&file, setup("2027-03-02").to_string()).unwrap();
        let nobody = run(&db.url, &["event", "create", file.to_str().unwrap(), "--organizer", "nobody@example.org"]);
        assert!(stderr(&nobody).contains("user create"), "{}", stderr(&nobody));

        let created = run(&db.url, &["event", "create", file.to_str().unwrap(), "--organizer", "org@example.org"]);
        assert!(created.status.success(), "{}", stderr(&created));
        let details: serde_json::Value = serde_json::from_str(&stdout(&created)).expect("JSON details");
        let id = details["event"]["id"].as_str().expect("the event's id").to_owned();
        let shown: serde_json::Value =
            serde_json::from_str(&stdout(&run(&db.url, &["event", "show", &id]))).expect("JSON");
        assert_eq!(shown["slots"].as_array().map(Vec::len), Some(7), "6 half-hour slots in the morning and one single slot");
        assert_eq!(shown["tables"].as_array().map(Vec::len), Some(2));
        let booth = shown["tables"].as_array().unwrap().iter().find(|t| t["name"] == "Booth A").expect("the booth");
        assert_eq!(booth["capacity"], 1, "capacity defaults to 1");
        assert_eq!(shown["rules"]["max_meetings"], 8);
        assert_eq!(shown["sessions"].as_array().map(Vec::len), Some(1));

        // Agreed meetings imported with a fixed slot: the afternoon one, which the
        // scheduler keeps. A line naming a slot of no event is refused and stores nothing.
        let afternoon = shown["slots"].as_array().unwrap().iter().find(|s| s["starts"] == "14:00").expect("the single slot")["id"].as_str().unwrap().to_owned();
        let orgs = db.dir().join("orgs.jsonl");
        std::fs::write(&orgs, [
            r#"{"type": "organization", "id": "saigon-cold", "name": "Saigon Cold Chain", "kind": "enterprise", "country": "VN"}"#,
            r#"{"type": "organization", "id": "sz-fresh", "name": "Shenzhen Fresh", "kind": "enterprise", "country": "CN"}"#,
            r#"{"type": "organization", "id": "gz-fruit", "name": "Guangzhou Fruit", "kind": "enterprise", "country": "CN"}"#,
        ].join("\n")).unwrap();
        assert!(run(&db.url, &["import", orgs.to_str().unwrap()]).status.success());
        let requests = db.dir().join("requests.jsonl");
        std::fs::write(&requests, [
            format!(r#"{{"from": "sz-fresh", "to": "saigon-cold", "priority": "must", "slot": "{afternoon}"}}"#),
            r#"{"from": "gz-fruit", "to": "saigon-cold", "slot": "slot-nowhere"}"#.to_owned(),
        ].join("\n")).unwrap();
        let imported = run(&db.url, &["event", "import-requests", &id, requests.to_str().unwrap()]);
        assert!(stderr(&imported).contains(":2: slot: \"slot-nowhere\""), "{}", stderr(&imported));
        let registered: Vec<String> = stdout(&run(&db.url, &["event", "show", &id])).lines().map(str::to_owned).collect();
        assert!(registered.join("\n").contains("\"registered\": 2"), "gz-fruit was not registered: {registered:?}");
        let scheduled = run(&db.url, &["event", "schedule", &id, "--time-limit", "2"]);
        assert!(scheduled.status.success(), "{}", stderr(&scheduled));
        let agenda: serde_json::Value =
            serde_json::from_str(&stdout(&run(&db.url, &["event", "agenda", &id, "--party", "sz-fresh", "--json"]))).expect("JSON agenda");
        let start = agenda["meetings"][0]["start"]["at"].as_str().unwrap_or_default().to_owned();
        assert!(start.starts_with("2027-03-02T14:00"), "the meeting keeps its fixed slot: {agenda}");
    }

    fn imported_requests_keep_their_session_and_order(db) {
        organizer(&db.url);
        let file = db.dir().join("event.json");
        std::fs::write(&file, setup("2027-03-02").to_string()).unwrap();
        let created = run(&db.url, &["event", "create", file.to_str().unwrap(), "--organizer", "org@example.org"]);
        assert!(created.status.success(), "{}", stderr(&created));
        let details: serde_json::Value = serde_json::from_str(&stdout(&created)).expect("JSON details");
        let id = details["event"]["id"].as_str().expect("the event's id").to_owned();
        let orgs = db.dir().join("orgs.jsonl");
        std::fs::write(&orgs, [
            r#"{"type": "organization", "id": "saigon-cold", "name": "Saigon Cold Chain", "kind": "enterprise", "country": "VN"}"#,
            r#"{"type": "organization", "id": "sz-fresh", "name": "Shenzhen Fresh", "kind": "enterprise", "country": "CN"}"#,
            r#"{"type": "organization", "id": "gz-fruit", "name": "Guangzhou Fruit", "kind": "enterprise", "country": "CN"}"#,
            r#"{"type": "organization", "id": "hk-trade", "name": "Hong Kong Trade House", "kind": "enterprise", "country": "HK"}"#,
        ].join("\n")).unwrap();
        assert!(run(&db.url, &["import", orgs.to_str().unwrap()]).status.success());
        // Saigon Cold Chain meets Hong Kong, then Shenzhen, then Guangzhou, all in the
        // morning (the event's one afternoon slot is on the next day). Lines that name an
        // unknown part of the day or a request not yet imported are refused whole.
        let requests = db.dir().join("requests.jsonl");
        std::fs::write(&requests, [
            r#"{"from": "hk-trade", "to": "saigon-cold", "session": "am"}"#,
            r#"{"from": "gz-fruit", "to": "saigon-cold", "session": "am", "after": [{"from": "sz-fresh", "to": "saigon-cold"}]}"#,
            r#"{"from": "sz-fresh", "to": "saigon-cold", "session": "am", "after": [{"from": "hk-trade", "to": "saigon-cold"}]}"#,
            r#"{"from": "gz-fruit", "to": "saigon-cold", "session": "am", "after": [{"from": "sz-fresh", "to": "saigon-cold"}]}"#,
            r#"{"from": "gz-fruit", "to": "hk-trade", "session": "noon"}"#,
        ].join("\n")).unwrap();
        let imported = run(&db.url, &["event", "import-requests", &id, requests.to_str().unwrap()]);
        let problems = stderr(&imported);
        assert!(problems.contains(":2: after: no request from \"sz-fresh\" to \"saigon-cold\""), "{problems}");
        assert!(problems.contains(":5: session: \"noon\""), "{problems}");
        assert!(stdout(&imported).contains("\"requests_stored\":3"), "{}", stdout(&imported));
        let scheduled = run(&db.url, &["event", "schedule", &id, "--time-limit", "2"]);
        assert!(scheduled.status.success(), "{}", stderr(&scheduled));
        let agenda: serde_json::Value =
            serde_json::from_str(&stdout(&run(&db.url, &["event", "agenda", &id, "--party", "saigon-cold", "--json"]))).expect("JSON agenda");
        let meetings: Vec<(String, String)> = agenda["meetings"]
            .as_array()
            .expect("meetings")
            .iter()
            .map(|m| (m["with"].as_str().unwrap_or_default().to_owned(), m["start"]["at"].as_str().unwrap_or_default().to_owned()))
            .collect();
        let with: Vec<&str> = meetings.iter().map(|(w, _)| w.as_str()).collect();
        assert_eq!(with, ["hk-trade", "sz-fresh", "gz-fruit"], "in the imported order: {agenda}");
        assert!(meetings.iter().all(|(_, at)| at.starts_with("2027-03-01T") && at[11..13] < *"12"), "all in the morning: {meetings:?}");
    }
}
