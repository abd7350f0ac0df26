//! Network analytics use cases (issue #7) on both backends: tie outcomes and who may
//! record them, strength by outcome, the live tie network following the change log,
//! tie visibility in paths, and warm introductions in matching.

use bridgehub_app::{
    Actor, AnalyticsSettings, AppError, ChangeFollower, ErrorCode, Hub, ImportOptions, ImportSource, MatchMode,
    MatchSignal, NoProgress, OutcomeInput, ThinBy, ThinModel,
};
use bridgehub_testkit::{backend_tests, TestDb};

const RECORDS: &[&str] = &[
    r#"{"type":"organization","id":"sz-import","name":"Shenzhen Importers","kind":"enterprise","country":"CN","sectors":["logistics"],"languages":["en"]}"#,
    r#"{"type":"organization","id":"sg-port","name":"SG Port","kind":"enterprise","country":"SG","sectors":["logistics"],"languages":["en"]}"#,
    r#"{"type":"organization","id":"hk-uni","name":"HK Uni","kind":"university","country":"HK","sectors":["education"],"languages":["en"]}"#,
    r#"{"type":"organization","id":"ae-fund","name":"AE Fund","kind":"investor","country":"AE","sectors":["finance"],"languages":["en"]}"#,
    r#"{"type":"person","id":"ana","name":"Ana","affiliation":"hk-uni","country":"HK","languages":["en"]}"#,
    r#"{"type":"tie","id":"t-sz-sg","from":"sz-import","to":"sg-port","kind":"met","date":"2024-01-10"}"#,
    r#"{"type":"tie","id":"t-sz-hk","from":"sz-import","to":"hk-uni","kind":"met","date":"2024-01-10"}"#,
    r#"{"type":"tie","id":"t-sg-ae","from":"sg-port","to":"ae-fund","kind":"met","date":"2024-01-10"}"#,
    r#"{"type":"tie","id":"t-hk-ae","from":"hk-uni","to":"ae-fund","kind":"met","date":"2024-01-10"}"#,
    r#"{"type":"tie","id":"t-ana-ae","from":"ana","to":"ae-fund","kind":"partnership","date":"2025-05-01"}"#,
];

fn import(hub: &Hub, db: &TestDb, name: &str, lines: &[&str]) {
    let path = db.dir().join(name);
    std::fs::write(&path, lines.join("\n")).unwrap();
    hub.import(&[ImportSource::new(&path)], ImportOptions::default(), &NoProgress).unwrap();
}

fn hub(db: &TestDb) -> Hub {
    let hub = Hub::with_store(db.store());
    import(&hub, db, "records.jsonl", RECORDS);
    hub
}

fn member(org: &str) -> Actor {
    Actor { user_id: format!("u-{org}"), organizations: vec![org.into()], is_admin: false }
}

fn admin() -> Actor {
    Actor { user_id: "u-admin".into(), organizations: vec![], is_admin: true }
}

fn says(outcome: &str) -> OutcomeInput {
    OutcomeInput { outcome: outcome.into(), ..OutcomeInput::default() }
}

fn fields(err: AppError) -> Vec<String> {
    match err {
        AppError::Validation(errors) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

backend_tests! {
    fn only_a_party_records_an_outcome_and_bad_input_names_its_field(db) {
        let hub = hub(&db);
        let err = hub.record_tie_outcome(&member("ae-fund"), "t-sz-sg", &says("deal")).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Forbidden);
        assert_eq!(hub.record_tie_outcome(&member("sg-port"), "nope", &says("deal")).unwrap_err().code(), ErrorCode::NotFound);
        assert_eq!(fields(hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &says("great")).unwrap_err()), ["outcome"]);
        let no_currency = OutcomeInput { value: Some(10.0), ..says("deal") };
        assert_eq!(fields(hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &no_currency).unwrap_err()), ["currency"]);
        let value_without_deal = OutcomeInput { value: Some(10.0), currency: Some("USD".into()), ..says("mou") };
        assert_eq!(fields(hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &value_without_deal).unwrap_err()), ["value"]);
        let bad_currency = OutcomeInput { value: Some(10.0), currency: Some("usd".into()), ..says("deal") };
        assert_eq!(fields(hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &bad_currency).unwrap_err()), ["currency"]);
        let before_the_tie = OutcomeInput { date: Some("2023-01-01".into()), ..says("follow_up") };
        assert_eq!(fields(hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &before_the_tie).unwrap_err()), ["date"]);
        let future = OutcomeInput { date: Some("2999-01-01".into()), ..says("follow_up") };
        assert_eq!(fields(hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &future).unwrap_err()), ["date"]);
        let stranger_party = OutcomeInput { party: Some("ae-fund".into()), ..says("deal") };
        assert_eq!(fields(hub.record_tie_outcome(&admin(), "t-sz-sg", &stranger_party).unwrap_err()), ["party"]);
        assert_eq!(fields(hub.record_tie_outcome(&admin(), "t-sz-sg", &says("deal")).unwrap_err()), ["party"], "an admin acts for both: name one");
        let other_side = OutcomeInput { party: Some("sz-import".into()), ..says("deal") };
        assert_eq!(hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &other_side).unwrap_err().code(), ErrorCode::Forbidden);
        // Nothing was stored by any of these.
        assert!(hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &says("follow_up")).unwrap().records.len() == 1);
    }

    fn a_deal_strengthens_the_tie_and_the_weaker_record_counts(db) {
        let hub = hub(&db);
        let deal = OutcomeInput {
            value: Some(2_500_000.0),
            currency: Some("CNY".into()),
            note: Some("cold-chain contract".into()),
            ..says("deal")
        };
        let report = hub.record_tie_outcome(&member("sg-port"), "t-sz-sg", &deal).unwrap();
        assert_eq!(report.outcome, Some("deal"));
        assert_eq!(report.version, 2);
        assert_eq!(report.records[0].party, "sg-port");
        assert_eq!(report.records[0].value, Some(2_500_000.0));
        // The deal makes the route through SG the best introduction from SZ to AE.
        let paths = hub.paths("sz-import", "ae-fund", 3, 5).unwrap();
        assert_eq!(paths.paths[0].nodes, ["sz-import", "sg-port", "ae-fund"]);
        assert_eq!(paths.paths[0].hops[0].ties[0].outcome, Some("deal"));
        // The other side says only follow-up: the weaker record counts, the strength falls.
        let later = hub.record_tie_outcome(&member("sz-import"), "t-sz-sg", &OutcomeInput { date: Some("2024-06-01".into()), ..says("follow_up") }).unwrap();
        assert_eq!(later.outcome, Some("follow_up"));
        assert!(later.strength < report.strength);
        assert_eq!(later.records.len(), 2);
        // A person party records through its organization.
        let ana = hub.record_tie_outcome(&member("hk-uni"), "t-ana-ae", &says("mou")).unwrap();
        assert_eq!(ana.records[0].party, "ana");
    }

    fn the_live_network_follows_the_change_log_and_matches_a_fresh_build(db) {
        let hub = hub(&db);
        let settings = AnalyticsSettings::default();
        let follower = ChangeFollower::start(hub.clone()).unwrap();
        let network = hub.build_tie_network(settings, &NoProgress).unwrap();
        follower.subscribe(network.clone());
        assert_eq!(network.stats().1, 6, "five ties and Ana's affiliation");
        // Broker reports are kept per state of the graph; asked twice, the same.
        let brokers_before = network.brokers(None, 10, None).unwrap();
        assert_eq!(network.brokers(None, 10, None).unwrap(), brokers_before);
        // Another process writes: a new organization and tie, an outcome, a deletion.
        import(&hub, &db, "more.jsonl", &[
            r#"{"type":"organization","id":"br-agri","name":"BR Agri","kind":"enterprise","country":"BR","sectors":["agrifood"],"languages":["pt"]}"#,
            r#"{"type":"tie","id":"t-br-ae","from":"br-agri","to":"ae-fund","kind":"contract","date":"2025-09-01"}"#,
        ]);
        hub.record_tie_outcome(&member("hk-uni"), "t-hk-ae", &says("no_follow_up")).unwrap();
        hub.delete_organization(&Actor::operator(), "sg-port").unwrap();
        assert!(network.tie("t-br-ae").unwrap().is_none(), "not before the poll");
        follower.poll().unwrap();
        let tie = network.tie("t-br-ae").unwrap().unwrap();
        assert_eq!(tie.kind.code(), "contract");
        assert_eq!(network.tie("t-hk-ae").unwrap().unwrap().outcome.map(|o| o.outcome.code()), Some("no_follow_up"));
        assert!(network.tie("t-sz-sg").unwrap().is_none(), "the deleted organization's ties are gone");
        let fresh = hub.build_tie_network(settings, &NoProgress).unwrap();
        assert_eq!(network.stats().1, fresh.stats().1);
        for by in [ThinBy::Region, ThinBy::Sector, ThinBy::Kind, ThinBy::Group] {
            assert_eq!(network.thin_ties(by, ThinModel::Uniform).unwrap(), fresh.thin_ties(by, ThinModel::Uniform).unwrap());
        }
        // The kept broker report went with the change, and the deleted organization's
        // placeholder node does not count.
        let brokers_after = network.brokers(None, 10, None).unwrap();
        assert_eq!(brokers_after, fresh.brokers(None, 10, None).unwrap());
        assert_ne!(brokers_after, brokers_before, "the graph changed");
        assert!(brokers_after.brokers.iter().all(|b| b.id != "sg-port"), "SG Port, deleted, brokers nothing");
        let live = network.paths(Some(&admin()), "sz-import", "br-agri", 3, 5).unwrap();
        assert_eq!(live, fresh.paths(Some(&admin()), "sz-import", "br-agri", 3, 5).unwrap());
        assert_eq!(live.paths[0].nodes, ["sz-import", "hk-uni", "ae-fund", "br-agri"]);
        // Ana's partnership with AE Fund and AE Fund's new contract with BR Agri: a conflict.
        let conflicts = network.conflicts(&Actor::operator(), &["ana".into()], &["br-agri".into()], 5).unwrap().conflicts;
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].path, ["ana", "ae-fund", "br-agri"]);
    }

    fn paths_use_only_the_ties_the_viewer_may_see(db) {
        let hub = hub(&db);
        // Ana (a person) is the only link to KE Coop.
        import(&hub, &db, "private.jsonl", &[
            r#"{"type":"organization","id":"ke-coop","name":"KE Coop","kind":"ngo","country":"KE","sectors":["agrifood"],"languages":["en"]}"#,
            r#"{"type":"tie","id":"t-ana-ke","from":"ana","to":"ke-coop","kind":"met","date":"2025-01-01"}"#,
        ]);
        let network = hub.build_tie_network(AnalyticsSettings::default(), &NoProgress).unwrap();
        // The public cannot route through a person's ties.
        assert!(network.paths(None, "hk-uni", "ke-coop", 3, 5).unwrap().paths.is_empty());
        assert!(network.paths(Some(&member("ae-fund")), "hk-uni", "ke-coop", 3, 5).unwrap().paths.is_empty());
        // HK Uni's members see ties touching HK Uni (Ana's affiliation) but not Ana's meeting in Kenya.
        assert!(network.paths(Some(&member("hk-uni")), "hk-uni", "ke-coop", 3, 5).unwrap().paths.is_empty());
        // KE Coop's members see their own tie with Ana, HK Uni's see the affiliation: neither alone has the path ...
        let both = Actor { user_id: "u-both".into(), organizations: vec!["hk-uni".into(), "ke-coop".into()], is_admin: false };
        let found = network.paths(Some(&both), "hk-uni", "ke-coop", 3, 5).unwrap();
        assert_eq!(found.paths[0].nodes, ["hk-uni", "ana", "ke-coop"]);
        assert_eq!(found.paths.len(), 1, "the route through AE Fund uses Ana's partnership, hidden from both");
        // ... and an administrator sees every tie.
        let all = network.paths(Some(&admin()), "hk-uni", "ke-coop", 3, 5).unwrap();
        assert_eq!(all.paths[0], found.paths[0]);
        assert_eq!(all.paths[1].nodes, ["hk-uni", "ae-fund", "ana", "ke-coop"]);
        // Public organization ties are open to everyone.
        let public = network.paths(None, "sz-import", "ae-fund", 3, 5).unwrap();
        assert_eq!(public.paths.len(), 2);
        assert!(public.paths.iter().all(|p| p.nodes.len() == 3));
    }

    fn recommendations_say_who_can_make_a_warm_introduction(db) {
        let hub = hub(&db);
        let listing = |id: &str, owner: &str, direction: &str| {
            serde_json::json!({"id": id, "owner": owner, "direction": direction, "category": "service",
                "title": "durian cold chain logistics", "body": "durian cold chain logistics", "language": "en"})
        };
        hub.create_listing(&Actor::operator(), &listing("seek-sz", "sz-import", "seek")).unwrap();
        hub.create_listing(&Actor::operator(), &listing("offer-ae", "ae-fund", "offer")).unwrap();
        let matcher = hub.build_matcher(&NoProgress).unwrap();
        let plain = matcher.matches("seek-sz", 10, false, MatchMode::Full).unwrap();
        assert!(plain[0].reasons.iter().all(|r| r.signal != MatchSignal::WarmIntroduction));
        matcher.set_network(hub.build_tie_network(AnalyticsSettings::default(), &NoProgress).unwrap());
        let warm = matcher.matches("seek-sz", 10, false, MatchMode::Full).unwrap();
        assert_eq!(warm[0].listing_id, "offer-ae");
        assert_eq!(warm[0].score, plain[0].score, "the reason adds nothing to the score");
        let reason = warm[0].reasons.iter().find(|r| r.signal == MatchSignal::WarmIntroduction).unwrap();
        assert!(
            reason.en == "Warm introduction available via HK Uni" || reason.en == "Warm introduction available via SG Port",
            "{}",
            reason.en
        );
        assert!(warm[0].line_zh.contains("引荐"), "{}", warm[0].line_zh);
    }
}
