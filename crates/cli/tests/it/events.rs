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
    }
}
