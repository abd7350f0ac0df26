//! Network analytics over HTTP (issue #7), on both backends: the thin-tie map as JSON,
//! CSV and SVG, paths through visible ties only, brokers, conflicts, and tie outcomes
//! recorded by a signed-in party, all read from the node's live tie graph as it follows
//! the change log.

use std::time::{Duration, Instant};

use bridgehub_app::{ImportOptions, ImportSource, NewOrganization, NoProgress, SignUp};
use bridgehub_testkit::{backend_tests, TestDb};
use serde_json::{json, Value};

use crate::TestApp;

fn sign_up(app: &TestApp, name: &str, country: &str) -> (String, String) {
    let email = format!("{name}@example.org");
    let password = "correct horse battery staple";
    let session = app
        .hub
        .sign_up(&SignUp {
            email: email.clone(),
            password: password.into(),
            display_name: name.into(),
            locale: "en".into(),
            organization: Some(NewOrganization {
                name: format!("{name} Co"),
                kind: "enterprise".into(),
                country: country.into(),
                ..Default::default()
            }),
        })
        .unwrap();
    let logged_in = app.hub.log_in(&email, password, None, "analytics-test").unwrap();
    (logged_in.token, session.organizations.first().cloned().unwrap())
}

fn call(app: &TestApp, method: &str, path: &str, token: Option<&str>, body: Option<&Value>) -> (u16, Value) {
    let url = app.url(path);
    // A fresh connection per call: a refused write is answered before its body is read,
    // after which the server closes the connection, and a pooled one could be stale.
    let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
    let mut response = if method == "GET" {
        let mut request = agent.get(&url);
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        request.call()
    } else {
        let mut request = agent.post(&url);
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        request.send_json(body.cloned().unwrap_or(json!({})))
    }
    .unwrap_or_else(|e| panic!("{method} {path}: {e:?}"));
    let status = response.status().as_u16();
    let text = response.body_mut().read_to_string().unwrap_or_default();
    (status, serde_json::from_str(&text).unwrap_or(Value::String(text)))
}

fn import(app: &TestApp, db: &TestDb, lines: &[String]) {
    let path = db.dir().join(format!("records-{}.jsonl", lines.len()));
    std::fs::write(&path, lines.join("\n")).unwrap();
    app.hub.import(&[ImportSource::new(&path)], ImportOptions::default(), &NoProgress).unwrap();
}

/// Waits until the node's graph shows what was written (it polls the change log).
fn until(app: &TestApp, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = app.get(path);
        if status == 200 && done(&body) {
            return body;
        }
        assert!(Instant::now() < deadline, "the node never showed the change: {status} {body}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// SZ and AE are tied through SG Port (organizations) and through Ana (a person).
fn seed(app: &TestApp, db: &TestDb, sz: &str) {
    let lines: Vec<String> = [
        r#"{"type":"organization","id":"sg-port","name":"SG Port","kind":"enterprise","country":"SG","sectors":["logistics"]}"#.to_owned(),
        r#"{"type":"organization","id":"ae-fund","name":"AE Fund","kind":"investor","country":"AE","sectors":["finance"]}"#.to_owned(),
        r#"{"type":"organization","id":"ke-coop","name":"KE Coop","kind":"ngo","country":"KE","sectors":["agrifood"]}"#.to_owned(),
        r#"{"type":"person","id":"ana","name":"Ana","affiliation":"ae-fund","country":"AE"}"#.to_owned(),
        format!(r#"{{"type":"tie","id":"t-sz-sg","from":"{sz}","to":"sg-port","kind":"met","date":"2025-01-10"}}"#),
        r#"{"type":"tie","id":"t-sg-ae","from":"sg-port","to":"ae-fund","kind":"partnership","date":"2025-03-01"}"#.to_owned(),
        r#"{"type":"tie","id":"t-ana-ke","from":"ana","to":"ke-coop","kind":"contract","date":"2025-06-01","evidence":"consultancy 2025/3"}"#.to_owned(),
    ]
    .into();
    import(app, db, &lines);
}

backend_tests! {
    fn the_thin_tie_map_comes_as_json_csv_and_svg(db) {
        let app = TestApp::spawn(&db);
        let (_, sz) = sign_up(&app, "shenzhen", "CN");
        seed(&app, &db, &sz);
        let map = until(&app, "/api/v1/analytics/thin-ties?by=region", |m| m["counted"] == 3);
        assert_eq!(map["by"], "region");
        let cell = map["cells"].as_array().unwrap().iter().find(|c| c["a"] == "030" && c["b"] == "035").unwrap();
        assert_eq!(cell["observed"], 1);
        for key in ["expected", "ratio", "low", "high"] {
            assert!(cell[key].is_number(), "{key}");
        }
        let mut svg = app.agent.get(&app.url("/api/v1/analytics/thin-ties.svg?by=region")).call().unwrap();
        assert_eq!(svg.status().as_u16(), 200);
        assert!(svg.headers().get("content-type").unwrap().to_str().unwrap().starts_with("image/svg+xml"));
        let text = svg.body_mut().read_to_string().unwrap();
        assert!(text.starts_with("<svg") || text.starts_with("<?xml"), "{}", &text[..40.min(text.len())]);
        let mut csv = app.agent.get(&app.url("/api/v1/analytics/thin-ties.csv?by=sector")).call().unwrap();
        assert!(csv.headers().get("content-type").unwrap().to_str().unwrap().starts_with("text/csv"));
        assert!(csv.body_mut().read_to_string().unwrap().starts_with("a,b,observed,expected,ratio,low,high,verdict\n"));
        let (status, body) = app.get("/api/v1/analytics/thin-ties?by=planet");
        assert_eq!(status, 400);
        assert_eq!(body["error"]["code"], "invalid_query");
        assert_eq!(body["error"]["field"], "by");
        let (_, doc) = app.get("/api/openapi.json");
        for path in ["/api/v1/analytics/thin-ties", "/api/v1/analytics/thin-ties.svg", "/api/v1/analytics/thin-ties.csv",
            "/api/v1/analytics/paths", "/api/v1/analytics/brokers", "/api/v1/analytics/conflicts", "/api/v1/ties/{id}/outcome"] {
            assert!(doc["paths"][path].is_object(), "{path} is documented");
        }
    }

    fn the_brokers_page_names_organizations_that_bridge_regions_and_never_people(db) {
        let app = TestApp::spawn(&db);
        let (_, sz) = sign_up(&app, "shenzhen", "CN");
        seed(&app, &db, &sz);
        until(&app, "/api/v1/analytics/brokers", |b| b["brokers"].as_array().is_some_and(|l| !l.is_empty()));
        let page = |path: &str| -> (u16, String) {
            let mut r = app.agent.get(&app.url(path)).call().unwrap();
            (r.status().as_u16(), r.body_mut().read_to_string().unwrap())
        };
        // SG Port sits between Shenzhen (Eastern Asia, 030) and AE Fund (Western Asia, 145).
        let (status, overall) = page("/brokers");
        assert_eq!(status, 200);
        assert!(overall.contains("<table id=\"brokers\">") && overall.contains("SG Port"), "{overall}");
        assert!(overall.contains("/organizations/sg-port"), "the broker links to its profile");
        let (_, pair) = page("/brokers?a=030&b=145");
        let rows = pair.split("<tbody>").nth(1).unwrap_or("");
        assert!(rows.contains("SG Port"), "{pair}");
        assert!(pair.contains("Eastern Asia – Western Asia"), "the pair asked about is named");
        // A person's ties are private: Ana bridges nothing named, and her name never shows.
        assert!(!overall.contains("Ana<") && !pair.contains("Ana<"));
        let (status, one) = page("/brokers?a=030");
        assert_eq!(status, 200);
        assert!(one.contains("Choose two regions"), "{one}");
        let (_, zh) = page("/brokers?lang=zh-Hans");
        assert!(zh.contains("谁在连接各地区") && zh.contains("SG Port"));
        let (_, thin) = page("/thin-ties?lang=en");
        assert!(thin.contains("href=\"/brokers\""), "the thin-tie map links to the brokers");
    }

    fn the_conflict_check_page_is_for_administrators_and_shows_the_evidence(db) {
        let app = TestApp::spawn(&db);
        let (_, sz) = sign_up(&app, "shenzhen", "CN");
        seed(&app, &db, &sz);
        until(&app, "/api/v1/analytics/brokers", |b| b["brokers"].as_array().is_some_and(|l| !l.is_empty()));
        let email = "coi-admin@hub.example";
        let form = SignUp { email: email.into(), password: crate::web::PASSWORD.into(), display_name: "Admin".into(), ..SignUp::default() };
        let user = app.hub.sign_up(&form).unwrap();
        let mut client = crate::web::Client::new(&app);
        // Not signed in: to the login page; signed in without the role: refused.
        assert_eq!(client.get("/admin/conflicts?neutrals=ana&parties=ke-coop").status, 303);
        client.log_in(email);
        assert_eq!(client.get("/admin/conflicts?neutrals=ana&parties=ke-coop").status, 403);
        app.hub.set_admin(&bridgehub_app::Actor::operator(), &user.user_id, true).unwrap();
        let admin = client.get("/admin");
        assert!(admin.body.contains("href=\"/admin/conflicts\""), "the admin page links to the check");
        // Ana (a person, AE Fund) has a contract with KE Coop: a direct conflict, with its evidence.
        let found = client.get("/admin/conflicts?neutrals=ana&parties=ke-coop%2C+sg-port&years=5");
        assert_eq!(found.status, 200);
        let rows = found.body.split("<tbody>").nth(1).unwrap_or_default().to_owned();
        assert!(rows.contains("Ana") && rows.contains("KE Coop") && rows.contains("Direct tie"), "{}", found.body);
        assert!(rows.contains("consultancy 2025/3"), "the record's evidence is shown");
        assert!(found.body.contains(">ke-coop, sg-port</textarea>"), "the form keeps what was asked");
        // Ana is within two hops of SG Port only through AE Fund's partnership: an indirect conflict.
        assert!(rows.contains("Through a partner") && rows.contains("Ana → AE Fund → SG Port"), "{rows}");
        // No tie within two hops: nothing is flagged.
        let clean = client.get("/admin/conflicts?neutrals=ke-coop&parties=sg-port");
        assert!(clean.body.contains("id=\"coi-none\""), "{}", clean.body);
        // An unknown id and a bad window are said above the form.
        let unknown = client.get("/admin/conflicts?neutrals=nobody&parties=ke-coop");
        assert_eq!(unknown.status, 200);
        assert!(unknown.body.contains("id=\"coi-problem\"") && unknown.body.contains("No organization or person of the tie graph has this id: nobody"), "{}", unknown.body);
        let bad = client.get("/admin/conflicts?neutrals=ana&parties=ke-coop&years=0");
        assert!(bad.body.contains("whole number of years"), "{}", bad.body);
        assert!(client.get("/admin/conflicts?neutrals=nobody&parties=ke-coop&lang=zh-Hans").body.contains("关系网络中没有此编号的机构或个人： nobody"));
    }

    fn the_tie_list_hides_a_persons_ties_from_the_public(db) {
        let app = TestApp::spawn(&db);
        let (_, sz) = sign_up(&app, "shenzhen", "CN");
        seed(&app, &db, &sz);
        until(&app, &format!("/api/v1/analytics/paths?from={sz}&to=ae-fund"), |b| !b["paths"].as_array().unwrap().is_empty());
        let ids = |body: &Value| -> Vec<String> {
            body["items"].as_array().unwrap().iter().map(|t| t["id"].as_str().unwrap().to_owned()).collect()
        };
        let (status, public) = app.get("/api/v1/ties?limit=100");
        assert_eq!(status, 200);
        assert_eq!(ids(&public), vec!["t-sg-ae".to_owned(), "t-sz-sg".to_owned()], "organization ties only: {public}");
        assert!(!public.to_string().contains("consultancy"), "no evidence of a person's tie");
        let (status, all) = call(&app, "GET", "/api/v1/ties?limit=100", Some(&app.admin_token), None);
        assert_eq!(status, 200);
        assert!(ids(&all).contains(&"t-ana-ke".to_owned()), "administrators see every tie: {all}");
    }

    fn the_organization_page_shows_who_can_introduce_you(db) {
        let app = TestApp::spawn(&db);
        let (token, sz) = sign_up(&app, "shenzhen", "CN");
        seed(&app, &db, &sz);
        until(&app, &format!("/api/v1/analytics/paths?from={sz}&to=ae-fund"), |b| !b["paths"].as_array().unwrap().is_empty());
        let page = |token: Option<&str>| {
            let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
            let mut request = agent.get(&app.url("/organizations/ae-fund"));
            if let Some(token) = token {
                request = request.header("Cookie", &format!("__Host-bridgehub-session={token}"));
            }
            let mut response = request.call().unwrap();
            assert_eq!(response.status().as_u16(), 200);
            response.body_mut().read_to_string().unwrap()
        };
        let signed_in = page(Some(&token));
        let section = signed_in.split("id=\"paths\"").nth(1).expect("the paths section").split("</section>").next().unwrap();
        assert!(section.contains("Who can introduce you?"), "{section}");
        let broker = section.find("href=\"/organizations/sg-port\"").expect("the broker, linked");
        let target = section.find("AE Fund").expect("the target");
        assert!(section.find(&format!("href=\"/organizations/{sz}\"")).expect("the asker") < broker && broker < target, "{section}");
        // Anonymous visitors get no paths section.
        assert!(!page(None).contains("id=\"paths\""));
    }

    fn paths_brokers_and_conflicts_read_the_live_graph(db) {
        let app = TestApp::spawn(&db);
        let (member, sz) = sign_up(&app, "shenzhen", "CN");
        seed(&app, &db, &sz);
        let path = format!("/api/v1/analytics/paths?from={sz}&to=ae-fund");
        let found = until(&app, &path, |b| !b["paths"].as_array().unwrap().is_empty());
        assert_eq!(found["paths"][0]["nodes"], json!([sz, "sg-port", "ae-fund"]));
        assert_eq!(found["paths"][0]["hops"][1]["ties"][0]["kind"], "partnership");
        // Ana's ties are a person's: the public gets no route to KE Coop through her.
        let (status, hidden) = app.get(&format!("/api/v1/analytics/paths?from={sz}&to=ke-coop"));
        assert_eq!(status, 200);
        assert_eq!(hidden["paths"], json!([]));
        let (status, body) = app.get(&format!("/api/v1/analytics/paths?from={sz}&to=nobody"));
        assert_eq!((status, body["error"]["code"].as_str()), (404, Some("organization_not_found")));
        let (status, body) = app.get(&format!("/api/v1/analytics/paths?from={sz}&to=ae-fund&max_hops=4"));
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some("max_hops")));
        let (status, brokers) = app.get("/api/v1/analytics/brokers?between=030,145");
        assert_eq!(status, 200);
        assert_eq!(brokers["brokers"][0]["id"], "sg-port", "SG Port bridges Eastern and Western Asia");
        let (status, body) = app.get("/api/v1/analytics/brokers?between=030");
        assert_eq!((status, body["error"]["field"].as_str()), (400, Some("between")));
        // A conflict check reads private ties (Ana's contract and its evidence): administrators only.
        let check = json!({"neutrals": ["ana"], "parties": ["ke-coop", "sg-port"]});
        let (status, body) = call(&app, "POST", "/api/v1/analytics/conflicts", None, Some(&check));
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")));
        let (status, body) = call(&app, "POST", "/api/v1/analytics/conflicts", Some(&member), Some(&check));
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")));
        assert!(!body.to_string().contains("consultancy"));
        let (status, report) = call(&app, "POST", "/api/v1/analytics/conflicts", Some(&app.admin_token), Some(&check));
        assert_eq!(status, 200);
        let conflicts = report["conflicts"].as_array().unwrap();
        assert_eq!(conflicts.len(), 2, "{report}");
        assert_eq!(conflicts[0]["party"], "ke-coop");
        assert_eq!(conflicts[0]["kind"], "direct");
        assert_eq!(conflicts[0]["evidence"][0]["evidence"], "consultancy 2025/3");
        assert_eq!(conflicts[1]["path"], json!(["ana", "ae-fund", "sg-port"]));
        let (status, body) = call(&app, "POST", "/api/v1/analytics/conflicts", Some(&app.admin_token), Some(&json!({"neutrals": [], "parties": ["x"]})));
        assert_eq!((status, body["error"]["code"].as_str()), (400, Some("invalid_query")));
    }

    fn a_signed_in_party_records_an_outcome_and_paths_follow_it(db) {
        let app = TestApp::spawn(&db);
        let (token, sz) = sign_up(&app, "shenzhen", "CN");
        let (stranger, _) = sign_up(&app, "stranger", "FR");
        seed(&app, &db, &sz);
        let path = format!("/api/v1/analytics/paths?from={sz}&to=ae-fund");
        let before = until(&app, &path, |b| !b["paths"].as_array().unwrap().is_empty());
        let body = json!({"outcome": "deal", "value": 1200000, "currency": "CNY", "note": "durian cold chain"});
        let (status, err) = call(&app, "POST", "/api/v1/ties/t-sz-sg/outcome", None, Some(&body));
        assert_eq!((status, err["error"]["code"].as_str()), (401, Some("unauthenticated")));
        let (status, err) = call(&app, "POST", "/api/v1/ties/t-sz-sg/outcome", Some(&stranger), Some(&body));
        assert_eq!((status, err["error"]["code"].as_str()), (403, Some("forbidden")));
        let (status, err) = call(&app, "POST", "/api/v1/ties/t-sz-sg/outcome", Some(&token), Some(&json!({"outcome": "deal", "value": 5})));
        assert_eq!((status, err["error"]["field"].as_str()), (422, Some("currency")));
        let (status, err) = call(&app, "POST", "/api/v1/ties/nope/outcome", Some(&token), Some(&body));
        assert_eq!(status, 404, "{err}");
        let (status, report) = call(&app, "POST", "/api/v1/ties/t-sz-sg/outcome", Some(&token), Some(&body));
        assert_eq!(status, 200, "{report}");
        assert_eq!(report["outcome"], "deal");
        assert_eq!(report["records"][0]["party"], sz);
        assert_eq!(report["records"][0]["currency"], "CNY");
        // This node's graph has it at once; the score of the path rises.
        let (_, after) = app.get(&path);
        assert_eq!(after["paths"][0]["hops"][0]["ties"][0]["outcome"], "deal");
        assert!(after["paths"][0]["score"].as_f64().unwrap() > before["paths"][0]["score"].as_f64().unwrap());
    }

    fn a_second_node_follows_an_outcome_recorded_on_the_first(db) {
        let first = TestApp::spawn(&db);
        let (token, sz) = sign_up(&first, "shenzhen", "CN");
        seed(&first, &db, &sz);
        let second = TestApp::spawn(&db);
        let path = format!("/api/v1/analytics/paths?from={sz}&to=ae-fund");
        until(&second, &path, |b| !b["paths"].as_array().unwrap().is_empty());
        let (status, _) = call(&first, "POST", "/api/v1/ties/t-sz-sg/outcome", Some(&token), Some(&json!({"outcome": "mou"})));
        assert_eq!(status, 200);
        let seen = until(&second, &path, |b| b["paths"][0]["hops"][0]["ties"][0]["outcome"] == "mou");
        let (_, on_first) = first.get(&path);
        assert_eq!(seen, on_first, "both nodes give the same answer");
    }
}
