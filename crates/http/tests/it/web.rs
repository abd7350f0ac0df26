//! The web UI over real HTTP (no browser): the contact-leak crawl, CSRF refusals,
//! security headers, language choice, browsing rate limit.

use std::collections::{BTreeSet, HashMap, VecDeque};

use bridgehub_app::{Actor, IntroductionRequest, NewOrganization, SignUp};
use bridgehub_testkit::backend_tests;
use serde_json::{Value, json};
use ureq::Agent;

use crate::{TestApp, listing_body, org_body};

pub(crate) const PASSWORD: &str = "correct horse battery staple";

/// A cookie-keeping client that does not follow redirects.
pub(crate) struct Client {
    base: String,
    agent: Agent,
    cookies: HashMap<String, String>,
}

pub(crate) struct Reply {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    pub(crate) fn new(app: &TestApp) -> Client {
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        Client {
            base: app.base.clone(),
            agent,
            cookies: HashMap::new(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take(&mut self, mut response: ureq::http::Response<ureq::Body>) -> Reply {
        let status = response.status().as_u16();
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        for (name, value) in &headers {
            if name == "set-cookie" {
                let pair = value.split(';').next().unwrap_or("");
                if let Some((k, v)) = pair.split_once('=') {
                    if v.is_empty() || value.contains("Max-Age=0") {
                        self.cookies.remove(k);
                    } else {
                        self.cookies.insert(k.to_owned(), v.to_owned());
                    }
                }
            }
        }
        let body = response.body_mut().read_to_string().unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub(crate) fn get(&mut self, path: &str) -> Reply {
        let response = self
            .agent
            .get(&format!("{}{}", self.base, path))
            .header("cookie", &self.cookie_header())
            .call()
            .expect("GET");
        self.take(response)
    }

    fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        let response = self
            .agent
            .post(&format!("{}{}", self.base, path))
            .header("cookie", &self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .send(body.as_str())
            .expect("POST");
        self.take(response)
    }

    /// A `multipart/form-data` POST: text fields, then one file field `file`.
    fn post_file(&mut self, path: &str, fields: &[(&str, &str)], file_name: &str, content: &str) -> Reply {
        let boundary = "bridgehub-test-boundary-7c1d";
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!("--{boundary}\r\ncontent-disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"));
        }
        body.push_str(&format!(
            "--{boundary}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\ncontent-type: application/octet-stream\r\n\r\n{content}\r\n--{boundary}--\r\n"
        ));
        let response = self
            .agent
            .post(&format!("{}{}", self.base, path))
            .header("cookie", &self.cookie_header())
            .header("content-type", &format!("multipart/form-data; boundary={boundary}"))
            .send(body.as_str())
            .expect("POST");
        self.take(response)
    }

    /// The CSRF token of the forms on `path` (the page is fetched).
    fn token(&mut self, path: &str) -> String {
        let page = self.get(path);
        hidden_value(&page.body, "_csrf")
            .unwrap_or_else(|| panic!("{path} has a form with a CSRF token"))
    }

    pub(crate) fn log_in(&mut self, email: &str) {
        let token = self.token("/login");
        let reply = self.post(
            "/login",
            &[
                ("_csrf", &token),
                ("email", email),
                ("password", PASSWORD),
                ("next", "/"),
            ],
        );
        assert_eq!(reply.status, 303, "log in as {email}: {}", reply.body);
    }
}

fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

fn unescape(text: &str) -> String {
    text.replace("&amp;", "&")
        .replace("&#x2f;", "/")
        .replace("&#47;", "/")
        .replace("&quot;", "\"")
}

/// Values of `attr="..."` in an HTML page.
fn attributes(html: &str, attr: &str) -> Vec<String> {
    let marker = format!("{attr}=\"");
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(&marker) {
        rest = &rest[i + marker.len()..];
        if let Some(end) = rest.find('"') {
            out.push(unescape(&rest[..end]));
            rest = &rest[end..];
        }
    }
    out
}

/// Paths of the POST forms on a page.
fn post_forms(html: &str) -> Vec<String> {
    html.split("<form")
        .skip(1)
        .filter(|f| {
            f.split('>')
                .next()
                .unwrap_or("")
                .contains("method=\"post\"")
        })
        .filter_map(|f| {
            attributes(f.split('>').next().unwrap_or(""), "action")
                .into_iter()
                .next()
        })
        .map(|a| a.split('?').next().unwrap_or("").to_owned())
        .collect()
}

struct Seeded {
    orgs: Vec<String>,
    listings: Vec<String>,
    people: Vec<String>,
    introductions: Vec<String>,
    events: Vec<String>,
    secrets: Vec<String>,
    member_email: String,
    member_listing: String,
}

/// Organizations with contacts (through the API and through sign-up), listings, a
/// person with a contact, and an accepted introduction between two members (who can
/// then see each other's contacts; nobody else may).
fn seed(app: &TestApp) -> Seeded {
    let mut secrets = vec!["+84 28 3822 0000".to_owned()];
    let mut orgs = Vec::new();
    let mut listings = Vec::new();
    for (i, country) in ["VN", "TH", "AE", "KE"].iter().enumerate() {
        let id = format!("org-leak-{i}");
        let (status, body) = app.post("/api/v1/organizations", &org_body(&id, country));
        assert_eq!(status, 201, "{body}");
        secrets.push(format!("{id}@secret.example"));
        let listing = format!("lst-leak-{i}");
        let (status, body) = app.post("/api/v1/listings", &listing_body(&listing, &id));
        assert_eq!(status, 201, "{body}");
        orgs.push(id);
        listings.push(listing);
    }
    let (status, body) = app.post(
        "/api/v1/people",
        &json!({"id": "per-leak-1", "name": "Nguyen Van A", "affiliation": "org-leak-0", "country": "VN",
                "contact": {"email": "person-secret@secret.example", "phone": "+84 90 111 2222"}}),
    );
    // People may be read-only over the API; then the import use case seeds them.
    if status != 201 {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("people.jsonl");
        std::fs::write(
            &file,
            json!({"type": "person", "id": "per-leak-1", "name": "Nguyen Van A", "affiliation": "org-leak-0", "country": "VN",
                   "contact": {"email": "person-secret@secret.example", "phone": "+84 90 111 2222"}})
            .to_string(),
        )
        .expect("write people");
        app.hub
            .import(
                &[bridgehub_app::ImportSource::new(&file)],
                bridgehub_app::ImportOptions::default(),
                &bridgehub_app::NoProgress,
            )
            .unwrap_or_else(|e| panic!("seed a person ({body}): {e}"));
    }
    secrets.push("person-secret@secret.example".into());
    secrets.push("+84 90 111 2222".into());
    let mut members = Vec::new();
    for (name, country, email, phone) in [
        (
            "Kunming Fruit Import",
            "CN",
            "kunming-contact@secret.example",
            "+86 871 6000 1234",
        ),
        (
            "Saigon Cold Store",
            "VN",
            "saigon-contact@secret.example",
            "+84 28 7777 6543",
        ),
    ] {
        let login = format!("{}@member.example", name.to_lowercase().replace(' ', "."));
        let user = app
            .hub
            .sign_up(&SignUp {
                email: login.clone(),
                password: PASSWORD.into(),
                display_name: name.into(),
                locale: "en".into(),
                organization: Some(NewOrganization {
                    name: name.into(),
                    kind: "enterprise".into(),
                    country: country.into(),
                    sectors: vec!["logistics".into()],
                    languages: vec!["en".into()],
                    contact_email: Some(email.into()),
                    contact_phone: Some(phone.into()),
                    description: None,
                }),
            })
            .expect("sign up a member");
        secrets.push(email.into());
        secrets.push(phone.into());
        orgs.extend(user.organizations.iter().cloned());
        members.push((login, user));
    }
    let (a, b) = (&members[0].1, &members[1].1);
    let a_org = a.organizations[0].clone();
    let member_listing = "lst-leak-member".to_owned();
    let mut body = listing_body(&member_listing, &a_org);
    body["direction"] = json!("seek");
    body["target_countries"] = json!([]);
    let (status, created) = app.post("/api/v1/listings", &body);
    assert_eq!(status, 201, "{created}");
    listings.push(member_listing.clone());
    // The node indexes listings from the change log (embedding each with the real model):
    // wait until the last one, the member's seek, has its matches, so that pages crawled
    // next show them (and the introduction forms beside them) however loaded the machine.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let (status, body) = app.get(&format!("/api/v1/listings/{member_listing}/matches"));
        if status == 200 && body["matches"].as_array().is_some_and(|m| !m.is_empty()) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "the seeded listings never reached the match index: {status} {body}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let intro = app
        .hub
        .request_introduction(
            &a.actor(),
            &IntroductionRequest {
                from_org: a_org.clone(),
                to_org: b.organizations[0].clone(),
                message: "Hello".into(),
                ..Default::default()
            },
        )
        .expect("request an introduction");
    app.hub
        .respond_introduction(&b.actor(), &intro.id, true)
        .expect("accept it");
    // An event A organizes, with both members registered (their agendas are private).
    let input: bridgehub_app::EventInput = serde_json::from_value(json!({
        "title": "Leak test fair", "kind": "brokerage", "city": "Kunming", "country": "CN", "time_zone": "Asia/Shanghai",
        "starts_on": "2026-12-01", "ends_on": "2026-12-01", "status": "open"
    }))
    .expect("event input");
    let event = app
        .hub
        .create_event(&a.actor(), &input)
        .expect("event")
        .record
        .id;
    for member in [a, b] {
        let party = member.organizations[0].clone();
        app.hub
            .register_for_event(
                &member.actor(),
                &event,
                &bridgehub_app::RegistrationInput {
                    party,
                    unavailable: vec![],
                },
            )
            .expect("register");
    }
    Seeded {
        orgs,
        listings,
        people: vec!["per-leak-1".into()],
        introductions: vec![intro.id],
        events: vec![event],
        secrets,
        member_email: members[0].0.clone(),
        member_listing,
    }
}

fn assert_clean(what: &str, body: &str, secrets: &[String]) {
    for secret in secrets {
        assert!(
            !body.contains(secret.as_str()),
            "{what} shows the contact {secret}"
        );
    }
}

/// Every GET route of the OpenAPI document, with path and required query parameters
/// filled from the seeded ids.
fn api_paths(seeded: &Seeded) -> Vec<String> {
    let doc = serde_json::to_value(bridgehub_http::api_doc()).expect("openapi");
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        let Some(get) = item.get("get") else { continue };
        let mut filled = String::new();
        let mut previous = "";
        for segment in path.split('/').filter(|s| !s.is_empty()) {
            let value = if segment.starts_with('{') {
                match previous {
                    "listings" => seeded.listings[0].as_str(),
                    "people" => seeded.people[0].as_str(),
                    "introductions" => seeded.introductions[0].as_str(),
                    "events" => seeded.events[0].as_str(),
                    _ => seeded.orgs[0].as_str(),
                }
            } else {
                segment
            };
            filled.push('/');
            filled.push_str(value);
            previous = segment;
        }
        let required: Vec<String> = get["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "query" && p["required"] == Value::Bool(true))
                    .filter_map(|p| p["name"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        if !required.is_empty() {
            let pairs: Vec<String> = required
                .iter()
                .enumerate()
                .map(|(i, name)| format!("{name}={}", seeded.orgs[i % seeded.orgs.len()]))
                .collect();
            filled = format!("{filled}?{}", pairs.join("&"));
        }
        out.push(filled);
        // Every seeded id, for the routes about one record.
        if path.contains('{') {
            let ids: &[String] = if path.starts_with("/api/v1/listings") {
                &seeded.listings
            } else if path.starts_with("/api/v1/organizations") {
                &seeded.orgs
            } else {
                &[]
            };
            for id in ids {
                out.push(path.replace("{id}", id));
            }
        }
    }
    out
}

/// Every page reachable from the home page (links, not forms), at most `limit`.
fn crawl(client: &mut Client, secrets: &[String], limit: usize) -> (usize, BTreeSet<String>) {
    let mut queue: VecDeque<String> = VecDeque::from(vec!["/".to_owned()]);
    let mut seen: BTreeSet<String> = queue.iter().cloned().collect();
    let mut forms = BTreeSet::new();
    let mut visited = 0;
    while let Some(path) = queue.pop_front() {
        if visited >= limit {
            break;
        }
        visited += 1;
        let reply = client.get(&path);
        assert!(reply.status < 500, "{path}: {}", reply.status);
        assert_clean(&path, &reply.body, secrets);
        assert_clean(
            &format!("{path} (Location)"),
            reply.header("location").unwrap_or(""),
            secrets,
        );
        forms.extend(post_forms(&reply.body));
        for href in attributes(&reply.body, "href")
            .into_iter()
            .chain(attributes(&reply.body, "src"))
        {
            let local = href.starts_with('/') && !href.starts_with("//");
            if local
                && !href.contains("lang=")
                && !href.starts_with("/static/")
                && seen.insert(href.clone())
            {
                queue.push_back(href);
            }
        }
    }
    (visited, forms)
}

backend_tests! {
    fn no_page_or_api_route_shows_a_contact_to_an_unconnected_user(db) {
        let app = TestApp::spawn(&db);
        let seeded = seed(&app);
        // Anonymous, then a signed-in user of no organization and no introduction.
        let mut anonymous = Client::new(&app);
        let mut member = Client::new(&app);
        // A refused sign-up on a Chinese page says its problems in Chinese.
        let token = member.token("/signup?lang=zh-Hans");
        let reply = member.post("/signup", &[("_csrf", &token), ("email", "lonely@"), ("password", "short"), ("display_name", " "), ("locale", "en")]);
        assert_eq!(reply.status, 422, "{}", reply.body);
        for problem in ["<strong>电子邮件</strong>: 不是电子邮件地址（如 name@example.org）", "<strong>密码</strong>: 至少 12 个字符</li>", "<strong>您的姓名</strong>: 为必填项"] {
            assert!(reply.body.contains(problem), "{problem}: {}", reply.body);
        }
        let token = member.token("/signup?lang=en");
        let reply = member.post("/signup", &[("_csrf", &token), ("email", "lonely@member.example"), ("password", PASSWORD), ("display_name", "Lonely"), ("locale", "en")]);
        assert_eq!(reply.status, 303, "sign up: {}", reply.body);
        assert!(member.cookies.contains_key("__Host-bridgehub-session"));
        for client in [&mut anonymous, &mut member] {
            let (visited, _) = crawl(client, &seeded.secrets, 400);
            assert!(visited >= 10, "the crawl reached the pages ({visited})");
            for id in &seeded.orgs {
                let page = client.get(&format!("/organizations/{id}"));
                assert_eq!(page.status, 200);
                assert_clean(id, &page.body, &seeded.secrets);
            }
            let mut routes = 0;
            for path in api_paths(&seeded) {
                let reply = client.get(&path);
                assert!(reply.status < 500, "{path}: {} {}", reply.status, reply.body);
                assert_clean(&path, &reply.body, &seeded.secrets);
                routes += 1;
            }
            assert!(routes >= 20, "every API route was asked ({routes})");
            eprintln!("leak crawl: {visited} pages, {routes} API requests, {} secrets", seeded.secrets.len());
        }
        // The check can fail: a connected member does see the other side's contact.
        let mut connected = Client::new(&app);
        connected.log_in(&seeded.member_email);
        let inbox = connected.get("/introductions");
        assert!(inbox.body.contains("saigon-contact@secret.example"), "the accepted introduction shows the contact");
    }

    fn every_form_refuses_a_request_without_a_valid_csrf_token(db) {
        let app = TestApp::spawn(&db);
        let seeded = seed(&app);
        let mut admin_login = Client::new(&app);
        admin_login.log_in(&seeded.member_email);
        let admin_id = app.hub.session(admin_login.cookies.get("__Host-bridgehub-session").expect("session")).expect("session").expect("live").user_id;
        // Make the member an administrator to reach every form.
        let root = Actor::operator();
        app.hub.set_admin(&root, &admin_id, true).expect("make admin");
        let mut client = Client::new(&app);
        client.log_in(&seeded.member_email);
        let (_, mut forms) = crawl(&mut client, &[], 200);
        for page in ["/account", "/admin", &format!("/listings/{}", seeded.member_listing), &format!("/organizations/{}", seeded.orgs[0])] {
            forms.extend(post_forms(&client.get(page).body));
        }
        forms.extend(post_forms(&client.get(&format!("/events/{}", seeded.events[0])).body));
        forms.extend(post_forms(&client.get(&format!("/events/{}/organize", seeded.events[0])).body));
        let meetings = format!("/events/{}/meetings", seeded.events[0]);
        let schedule = format!("/events/{}/organize/schedule", seeded.events[0]);
        for expected in ["/logout", "/listings/new", "/account/delete", "/account/totp/begin", "/admin/import", "/introductions", &meetings, &schedule] {
            assert!(forms.contains(expected), "the crawl found the form {expected}: {forms:?}");
        }
        forms.extend(["/signup".to_owned(), "/login".to_owned(), format!("/listings/{}/edit", seeded.member_listing),
            format!("/introductions/{}/withdraw", seeded.introductions[0]), "/account/totp/confirm".to_owned(),
            format!("/events/{}/register", seeded.events[0]), format!("/events/{}/requests/x/accept", seeded.events[0]),
            format!("/events/{}/availability", seeded.events[0]),
            format!("/events/{}/organize/slot/x", seeded.events[0]), format!("/events/{}/organize/order/x", seeded.events[0]),
            "/events/new".to_owned(), format!("/events/{}/organize/rules", seeded.events[0]), format!("/events/{}/organize/one-slot", seeded.events[0]),
            format!("/events/{}/organize/session", seeded.events[0]), format!("/events/{}/organize/status", seeded.events[0]), format!("/events/{}/organize/tables", seeded.events[0])]);
        let good = client.token("/account");
        for form in &forms {
            for pairs in [vec![("title", "x")], vec![("_csrf", "0".repeat(64).as_str()), ("title", "x")]] {
                let reply = client.post(form, &pairs);
                assert_eq!(reply.status, 403, "POST {form} {pairs:?} is refused");
            }
            let mut anonymous = Client::new(&app);
            anonymous.get("/");
            assert_eq!(anonymous.post(form, &[("_csrf", &good)]).status, 403, "POST {form} with someone else's token is refused");
        }
        // The same request with the right token goes through (so the refusals above mean something).
        let withdraw = format!("/listings/{}/withdraw", seeded.member_listing);
        assert_eq!(client.post(&withdraw, &[("_csrf", &good)]).status, 303);
        assert_eq!(client.post("/logout", &[("_csrf", &good)]).status, 303);
        assert!(client.get("/account").status == 303, "logged out for real");
    }

    fn an_organizer_fixes_orders_and_schedules_meetings_from_the_organizer_page(db) {
        let app = TestApp::spawn(&db);
        let seeded = seed(&app);
        let event = seeded.events[0].clone();
        let page = format!("/events/{event}/organize");
        let root = Actor::operator();
        // Before the event has slots, a scheduler run is refused on the page, saying why.
        let mut early = Client::new(&app);
        early.log_in(&seeded.member_email);
        let token = early.token(&page);
        let reply = early.post(&format!("/events/{event}/organize/schedule"), &[("_csrf", &token), ("mode", "all")]);
        assert!(reply.status == 422 && reply.body.contains("the event has no meeting slots yet"), "{} {}", reply.status, reply.body);
        let slots = app.hub.add_event_slots(&root, &event, &[
            serde_json::from_value(json!({"day": "2026-12-01", "starts": "09:00", "ends": "09:30"})).expect("slot"),
            serde_json::from_value(json!({"day": "2026-12-01", "starts": "14:00", "ends": "14:30"})).expect("slot"),
        ]).expect("slots");
        app.hub.add_event_tables(&root, &event, &[serde_json::from_value(json!({"name": "T1"})).expect("table")]).expect("tables");
        let parties: Vec<String> = app.hub.event_registrations(&root, &event).expect("registrations").into_iter().map(|r| r.party_id).collect();
        let request = app.hub.request_meeting(&root, &event, &serde_json::from_value(json!({"from": parties[0], "to": parties[1], "priority": "must"})).expect("request")).expect("request");
        app.hub.answer_meeting_request(&root, &event, &request.id, bridgehub_app::RequestAnswer::Accept).expect("accept");

        // Visitors log in; members who do not organize the event get 403 and no link.
        let mut visitor = Client::new(&app);
        let reply = visitor.get(&page);
        assert_eq!(reply.status, 303, "{}", reply.body);
        let mut member = Client::new(&app);
        member.log_in("saigon.cold.store@member.example");
        assert_eq!(member.get(&page).status, 403);
        assert!(!member.get(&format!("/events/{event}")).body.contains("id=\"organize-link\""));

        let mut organizer = Client::new(&app);
        organizer.log_in(&seeded.member_email);
        assert!(organizer.get(&format!("/events/{event}")).body.contains(&format!("href=\"/events/{event}/organize\"")));
        let shown = organizer.get(&page);
        assert_eq!(shown.status, 200, "{}", shown.body);
        assert!(shown.body.contains(&format!("data-id=\"{}\"", request.id)) && shown.body.contains("Kunming Fruit Import"), "{}", shown.body);
        let token = hidden_value(&shown.body, "_csrf").expect("a form token");

        // Fix the request to the afternoon slot.
        let afternoon = slots.iter().find(|s| s.starts == "14:00").expect("afternoon slot").id.clone();
        let reply = organizer.post(&format!("/events/{event}/organize/slot/{}", request.id), &[("_csrf", &token), ("slot", &afternoon)]);
        assert_eq!((reply.status, reply.header("location")), (303, Some(format!("{page}?done=saved").as_str())));
        let stored = |hub: &bridgehub_app::Hub| hub.meeting_requests(&root, &event).expect("requests").into_iter().find(|r| r.id == request.id).expect("request");
        assert_eq!(stored(&app.hub).fixed_slot.as_deref(), Some(afternoon.as_str()));

        // A bad part of the day: the page again, naming the problem; nothing stored.
        let order = format!("/events/{event}/organize/order/{}", request.id);
        let reply = organizer.post(&order, &[("_csrf", &token), ("session", "noon"), ("after", "")]);
        assert_eq!(reply.status, 422, "{}", reply.body);
        assert!(reply.body.contains("id=\"form-errors\"") && reply.body.contains("&#34;noon&#34; is not a part of the day"), "{}", reply.body);
        assert!(stored(&app.hub).session.is_none());
        // The morning would contradict the fixed afternoon slot: refused too.
        assert_eq!(organizer.post(&order, &[("_csrf", &token), ("session", "am")]).status, 422);
        let reply = organizer.post(&order, &[("_csrf", &token), ("session", "pm"), ("after", "")]);
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(stored(&app.hub).session, Some(bridgehub_app::DayPart::Pm));

        // Run the scheduler from the page: queued, then its result and the meeting's slot shown.
        let reply = organizer.post(&format!("/events/{event}/organize/schedule"), &[("_csrf", &token), ("mode", "max_weight")]);
        let queued = reply.header("location").unwrap_or_default().to_owned();
        assert!(reply.status == 303 && queued.starts_with(&format!("{page}?done=queued&job=")), "{} {queued}", reply.status);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
        let done = loop {
            let shown = organizer.get(&queued);
            if shown.body.contains("id=\"last-run\"") {
                assert!(shown.body.contains("id=\"job-status\""), "{}", shown.body);
                break shown;
            }
            assert!(std::time::Instant::now() < deadline, "the scheduler run never finished: {}", shown.body);
            std::thread::sleep(std::time::Duration::from_millis(100));
        };
        assert!(done.body.contains("Scheduled: 2026-12-01 14:00–14:30"), "scheduled in the fixed slot: {}", done.body);
        assert!(done.body.contains("Meetings scheduled / requested</dt><dd dir=\"auto\">1 / 1"), "{}", done.body);
        assert!(done.body.contains(">optimal<") && done.body.contains(" · done<"), "the solver's and the job's status: {}", done.body);
        let zh = organizer.get(&format!("{queued}&lang=zh-Hans"));
        assert!(zh.body.contains(">最优<") && zh.body.contains(" · 已完成<"), "{}", zh.body);
        organizer.get(&format!("{page}?lang=en"));
        assert_eq!(organizer.get(&format!("{page}?job=999999")).status, 200, "an unknown job is not reported on");

        // A large event's requests come 40 to a page; a form sends the organizer back to its page.
        let mut parties = parties.clone();
        for n in 0..6 {
            let id = format!("org-plan-{n}");
            let (status, body) = app.post("/api/v1/organizations", &org_body(&id, "TH"));
            assert_eq!(status, 201, "{body}");
            app.hub.register_for_event(&root, &event, &bridgehub_app::RegistrationInput { party: id.clone(), unavailable: vec![] }).expect("register");
            parties.push(id);
        }
        let mut made = 1;
        'pairs: for from in &parties {
            for to in &parties {
                if from != to && !(from == &parties[0] && to == &parties[1]) {
                    let input = serde_json::from_value(json!({"from": from, "to": to})).expect("request");
                    app.hub.request_meeting(&root, &event, &input).expect("request");
                    made += 1;
                    if made == 45 {
                        break 'pairs;
                    }
                }
            }
        }
        let first = organizer.get(&page);
        assert!(first.body.contains("1–40 / 45") && first.body.contains(&format!("href=\"{page}?page=1#plan-h\"")), "{}", first.body);
        let second = organizer.get(&format!("{page}?page=1"));
        assert!(second.body.contains("41–45 / 45") && second.body.contains(&format!("href=\"{page}?page=0#plan-h\"")), "{}", second.body);
        assert_eq!(second.body.matches("class=\"card plan-request\"").count(), 5);
        let on_second = second.body.split("data-id=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a request on page 2").to_owned();
        let reply = organizer.post(&format!("/events/{event}/organize/slot/{on_second}"), &[("_csrf", &token), ("slot", ""), ("page", "1")]);
        assert_eq!((reply.status, reply.header("location")), (303, Some(format!("{page}?done=saved&page=1").as_str())));
        // Filters: the accepted requests the latest schedule does not hold, and those with
        // a fixed slot, a part of the day or an order; a form sends the organizer back to it.
        let all = app.hub.meeting_requests(&root, &event).expect("requests");
        let waiting: Vec<String> = all.iter().filter(|r| r.id != request.id).take(2).map(|r| r.id.clone()).collect();
        for id in &waiting {
            app.hub.answer_meeting_request(&root, &event, id, bridgehub_app::RequestAnswer::Accept).expect("accept");
        }
        let shown = organizer.get(&format!("{page}?show=unscheduled"));
        assert!(shown.body.contains("Accepted, not scheduled (2)") && shown.body.contains("All (45)") && shown.body.contains("Fixed, timed or ordered (1)"), "{}", shown.body);
        assert!(shown.body.contains("aria-current=\"page\" class=\"current\" data-show=\"unscheduled\""), "{}", shown.body);
        let listed: Vec<&str> = shown.body.split("class=\"card plan-request\" data-id=\"").skip(1).filter_map(|rest| rest.split('"').next()).collect();
        assert_eq!(listed, waiting.iter().map(String::as_str).collect::<Vec<_>>());
        let shown = organizer.get(&format!("{page}?show=constrained"));
        assert_eq!(shown.body.matches("class=\"card plan-request\"").count(), 1);
        assert!(shown.body.contains(&format!("data-id=\"{}\"", request.id)));
        let reply = organizer.post(&format!("/events/{event}/organize/order/{}", waiting[0]), &[("_csrf", &token), ("session", "am"), ("show", "unscheduled")]);
        assert_eq!((reply.status, reply.header("location")), (303, Some(format!("{page}?done=saved&show=unscheduled").as_str())));
        assert!(organizer.get(&format!("{page}?show=constrained")).body.contains("Fixed, timed or ordered (2)"));
        let zh = organizer.get(&format!("{page}?lang=zh-Hans"));
        assert!(zh.body.contains("活动管理") && zh.body.contains("已排程"), "{}", zh.body);
    }

    fn a_participant_marks_slots_unavailable_and_the_next_schedule_moves_their_meeting(db) {
        let app = TestApp::spawn(&db);
        let seeded = seed(&app);
        let event = seeded.events[0].clone();
        let root = Actor::operator();
        let (a_org, b_org) = (seeded.orgs[4].clone(), seeded.orgs[5].clone());
        let agenda = format!("/events/{event}/agenda?party={a_org}");
        let mut a = Client::new(&app);
        a.log_in(&seeded.member_email);
        // No slots yet: nothing to mark.
        let shown = a.get(&agenda);
        assert!(shown.status == 200 && !shown.body.contains("id=\"availability-form\""), "{}", shown.body);

        let slots = app.hub.add_event_slots(&root, &event, &[
            serde_json::from_value(json!({"day": "2026-12-01", "starts": "09:00", "ends": "09:30"})).expect("slot"),
            serde_json::from_value(json!({"day": "2026-12-01", "starts": "14:00", "ends": "14:30"})).expect("slot"),
        ]).expect("slots");
        app.hub.add_event_tables(&root, &event, &[serde_json::from_value(json!({"name": "T1"})).expect("table")]).expect("tables");
        let request = app.hub.request_meeting(&root, &event, &serde_json::from_value(json!({"from": a_org, "to": b_org, "priority": "must"})).expect("request")).expect("request");
        app.hub.answer_meeting_request(&root, &event, &request.id, bridgehub_app::RequestAnswer::Accept).expect("accept");
        let run_scheduler = || {
            let options = serde_json::from_value(json!({"mode": "all", "time_limit_secs": 5})).expect("options");
            let job = app.hub.schedule_event(&root, &event, &options).expect("queue");
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(120);
            while app.hub.schedule_job(&root, &event, job).expect("job").status != "done" {
                app.hub.run_jobs_once("test").expect("run");
                assert!(std::time::Instant::now() < deadline, "the scheduler run never finished");
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let meetings = app.hub.event_meetings(&root, &event).expect("meetings");
            let held: Vec<_> = meetings.iter().filter(|m| m.status == bridgehub_store::MeetingStatus::Confirmed).collect();
            assert_eq!(held.len(), 1, "{meetings:?}");
            held[0].slot_id.clone()
        };
        let first = run_scheduler();
        let other = slots.iter().map(|s| s.id.clone()).find(|s| *s != first).expect("the other slot");
        let registration = |party: &str| app.hub.event_registrations(&root, &event).expect("registrations").into_iter().find(|r| r.party_id == party).expect("registered");
        let token_before = registration(&a_org).feed_token;

        // The form lists both slots, none ticked.
        let shown = a.get(&agenda);
        assert!(shown.body.contains("id=\"availability-form\"") && shown.body.contains("2026-12-01 · Morning") && shown.body.contains("14:00–14:30"), "{}", shown.body);
        assert!(shown.body.contains("id=\"calendar-link\"") && shown.body.contains(&token_before), "the party's own calendar feed is linked");
        assert_eq!(shown.body.matches("name=\"unavailable\"").count(), 2);
        assert!(!shown.body.contains(" checked>") && !shown.body.contains("id=\"availability-conflicts\""), "{}", shown.body);
        let token = hidden_value(&shown.body, "_csrf").expect("a form token");

        // A marks the meeting's slot unavailable: stored, the feed kept, the meeting flagged.
        let reply = a.post(&format!("/events/{event}/availability"), &[("_csrf", &token), ("party", &a_org), ("tz", "Asia/Dubai"), ("unavailable", &first)]);
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(reply.header("location"), Some(format!("/events/{event}/agenda?party={a_org}&tz=Asia%2FDubai&done=availability#availability-h").as_str()));
        assert_eq!(registration(&a_org).unavailable, vec![first.clone()]);
        assert_eq!(registration(&a_org).feed_token, token_before, "the calendar feed survives");
        let shown = a.get(&format!("{agenda}&done=availability"));
        assert!(shown.body.contains("Your availability was saved") && shown.body.contains("id=\"availability-conflicts\"") && shown.body.contains("conflict-flag"), "{}", shown.body);
        assert!(shown.body.contains(&format!("value=\"{first}\" checked>")), "{}", shown.body);
        assert!(a.get(&format!("{agenda}&lang=zh-Hans")).body.contains("我的可约时间"));
        a.get(&format!("{agenda}&lang=en"));

        // Someone who does not act for A is refused; a slot of no event is refused by name;
        // neither changes what is stored.
        let mut b = Client::new(&app);
        b.log_in("saigon.cold.store@member.example");
        let b_token = b.token(&format!("/events/{event}/agenda?party={b_org}"));
        assert_eq!(b.post(&format!("/events/{event}/availability"), &[("_csrf", &b_token), ("party", &a_org)]).status, 403);
        let reply = b.post(&format!("/events/{event}/availability"), &[("_csrf", &b_token), ("party", &b_org), ("unavailable", "slot-nowhere")]);
        assert!(reply.status == 422 && reply.body.contains("unavailable[0]"), "{} {}", reply.status, reply.body);
        assert_eq!(registration(&a_org).unavailable, vec![first.clone()]);
        assert!(registration(&b_org).unavailable.is_empty());

        // The next run moves the meeting out of that slot, and the warning goes.
        assert_eq!(run_scheduler(), other);
        let shown = a.get(&agenda);
        assert!(!shown.body.contains("id=\"availability-conflicts\"") && !shown.body.contains("conflict-flag"), "{}", shown.body);

        // Nothing ticked frees every slot.
        assert_eq!(a.post(&format!("/events/{event}/availability"), &[("_csrf", &token), ("party", &a_org)]).status, 303);
        assert!(registration(&a_org).unavailable.is_empty());
        // A slot the organizer fixed the meeting to cannot be marked (no schedule could
        // then be made); once freed, it can.
        app.hub.fix_meeting_request(&root, &event, &request.id, Some(&first)).expect("fix");
        let reply = a.post(&format!("/events/{event}/availability"), &[("_csrf", &token), ("party", &a_org), ("unavailable", &first)]);
        assert!(reply.status == 422 && reply.body.contains("has fixed the meeting with"), "{} {}", reply.status, reply.body);
        // The same refusal on a Chinese page, in Chinese.
        a.get(&format!("{agenda}&lang=zh-Hans"));
        let reply = a.post(&format!("/events/{event}/availability"), &[("_csrf", &token), ("party", &a_org), ("unavailable", &first)]);
        assert!(reply.status == 422 && reply.body.contains("主办方已把与") && reply.body.contains(&format!("“{b_org}”")), "{}", reply.body);
        a.get(&format!("{agenda}&lang=en"));
        assert!(registration(&a_org).unavailable.is_empty());
        app.hub.fix_meeting_request(&root, &event, &request.id, None).expect("free");
        assert_eq!(a.post(&format!("/events/{event}/availability"), &[("_csrf", &token), ("party", &a_org), ("unavailable", &first)]).status, 303);
        assert_eq!(registration(&a_org).unavailable, vec![first.clone()]);
        assert_eq!(a.post(&format!("/events/{event}/availability"), &[("_csrf", &token), ("party", &a_org)]).status, 303);

        // Once the event is closed, participants see their availability but cannot change it.
        app.hub.set_event_status(&root, &event, bridgehub_store::EventStatus::Closed).expect("close");
        let shown = b.get(&format!("/events/{event}/agenda?party={b_org}"));
        assert!(!shown.body.contains("id=\"availability-form\"") && shown.body.contains("no longer takes changes"), "{}", shown.body);
        let reply = b.post(&format!("/events/{event}/availability"), &[("_csrf", &b_token), ("party", &b_org), ("unavailable", &first)]);
        assert_eq!(reply.status, 409, "{}", reply.body);
        // On a Chinese page the refusal, which has no message of its own, gets a Chinese lead-in.
        b.get(&format!("/events/{event}/agenda?party={b_org}&lang=zh-Hans"));
        let reply = b.post(&format!("/events/{event}/availability"), &[("_csrf", &b_token), ("party", &b_org), ("unavailable", &first)]);
        assert!(reply.status == 409 && reply.body.contains("无法完成此操作："), "{}", reply.body);
        b.get(&format!("/events/{event}/agenda?party={b_org}&lang=en"));
        assert!(registration(&b_org).unavailable.is_empty());

        // A party that has withdrawn is shown no form, and a late save does not register it again.
        app.hub.set_event_status(&root, &event, bridgehub_store::EventStatus::Open).expect("reopen");
        app.hub.unregister_from_event(&root, &event, &b_org).expect("withdraw");
        let shown = b.get(&format!("/events/{event}/agenda?party={b_org}"));
        assert!(!shown.body.contains("id=\"availability-form\"") && !shown.body.contains("id=\"calendar-link\""), "no form and no feed: {}", shown.body);
        let reply = b.post(&format!("/events/{event}/availability"), &[("_csrf", &b_token), ("party", &b_org), ("unavailable", &first)]);
        assert_eq!(reply.status, 404, "{}", reply.body);
        assert_eq!(registration(&b_org).status, bridgehub_store::RegistrationStatus::Cancelled);
    }

    fn a_member_creates_an_event_and_sets_up_its_slots_and_tables_on_the_web(db) {
        let app = TestApp::spawn(&db);
        let seeded = seed(&app);
        let mut visitor = Client::new(&app);
        assert_eq!(visitor.get("/events/new").status, 303, "visitors log in first");
        assert!(!visitor.get("/events").body.contains("id=\"new-event-link\""));

        let mut member = Client::new(&app);
        member.log_in("saigon.cold.store@member.example");
        assert!(member.get("/events").body.contains("href=\"/events/new\""));
        let token = member.token("/events/new");
        // A bad time zone and an end before the start: the form again, as typed, with both named.
        let mut fields = vec![
            ("_csrf", token.as_str()),
            ("title", "Mekong Delta Seafood Buyers' Meet"),
            ("kind", "brokerage"),
            ("city", "Can Tho"),
            ("country", "vn"),
            ("time_zone", "Mekong/Delta"),
            ("starts_on", "2027-05-12"),
            ("ends_on", "2027-05-11"),
            ("status", "open"),
        ];
        let refused = member.post("/events/new", &fields);
        assert_eq!(refused.status, 422, "{}", refused.body);
        assert!(refused.body.contains("<strong>time_zone</strong>") && refused.body.contains("<strong>ends_on</strong>") && refused.body.contains("Mekong Delta Seafood Buyers&#39; Meet"), "{}", refused.body);
        assert_eq!(app.hub.list_events(None, None).expect("events").len(), 1, "nothing stored");
        fields[5] = ("time_zone", "Asia/Ho_Chi_Minh");
        fields[7] = ("ends_on", "2027-05-12");
        let created = member.post("/events/new", &fields);
        assert_eq!(created.status, 303, "{}", created.body);
        let organize = created.header("location").unwrap_or_default().to_owned();
        assert!(organize.starts_with("/events/evt-") && organize.ends_with("/organize?done=created"), "{organize}");
        let event = organize.trim_start_matches("/events/").split('/').next().unwrap_or_default().to_owned();
        let details = app.hub.event_details(&event).expect("the event");
        assert_eq!((details.event.country.as_str(), details.event.time_zone.as_str()), ("VN", "Asia/Ho_Chi_Minh"));
        assert!(member.get(&organize).body.contains("The event was created"));

        // A morning of 30-minute slots and five tables; a bad session is refused on the page.
        let base = format!("/events/{event}/organize");
        let reply = member.post(&format!("{base}/session"), &[("_csrf", &token), ("day", "2027-05-12"), ("part", "pm"), ("starts", "11:00"), ("ends", "09:00"), ("slot_minutes", "45")]);
        assert_eq!(reply.status, 422, "{}", reply.body);
        // The problem names the form's field by its label, and the form keeps what was typed.
        assert!(reply.body.contains("<strong>Ends</strong>: must be after starts"), "{}", reply.body);
        assert!(reply.body.contains("name=\"starts\" type=\"time\" value=\"11:00\"") && reply.body.contains("value=\"45\"")
            && reply.body.contains("<option value=\"pm\" selected>") && reply.body.contains("value=\"2027-05-12\""), "{}", reply.body);
        // A morning that starts after noon, and slots longer than the session, are refused too.
        let reply = member.post(&format!("{base}/session"), &[("_csrf", &token), ("day", "2027-05-12"), ("part", "am"), ("starts", "13:00"), ("ends", "15:00"), ("slot_minutes", "30")]);
        assert!(reply.status == 422 && reply.body.contains("<strong>Part of the day</strong>: a morning cannot start at 13:00"), "{}", reply.body);
        let reply = member.post(&format!("{base}/session"), &[("_csrf", &token), ("day", "2027-05-12"), ("part", "am"), ("starts", "09:00"), ("ends", "09:20"), ("slot_minutes", "30")]);
        assert!(reply.status == 422 && reply.body.contains("<strong>Minutes per meeting</strong>: is longer than the session (20 minutes)"), "{}", reply.body);
        let reply = member.post(&format!("{base}/tables"), &[("_csrf", &token), ("count", "3"), ("capacity", "0"), ("name", "Booth")]);
        assert!(reply.status == 422 && reply.body.contains("<strong>Meetings at a table at once</strong>") && reply.body.contains("value=\"Booth\""), "{}", reply.body);
        assert!(app.hub.event_details(&event).expect("the event").slots.is_empty() && app.hub.event_details(&event).expect("the event").tables.is_empty());
        let reply = member.post(&format!("{base}/session"), &[("_csrf", &token), ("day", "2027-05-12"), ("part", "am"), ("starts", "09:00"), ("ends", "11:00"), ("slot_minutes", "30")]);
        assert_eq!((reply.status, reply.header("location")), (303, Some(format!("{base}?done=slots").as_str())), "{}", reply.body);
        let reply = member.post(&format!("{base}/tables"), &[("_csrf", &token), ("count", "5"), ("capacity", "2"), ("name", "Booth")]);
        assert_eq!(reply.status, 303, "{}", reply.body);
        assert_eq!(member.post(&format!("{base}/tables"), &[("_csrf", &token), ("count", "0"), ("capacity", "2")]).status, 422);
        let details = app.hub.event_details(&event).expect("the event");
        assert_eq!(details.slots.len(), 4);
        let names: Vec<&str> = details.tables.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["Booth 1", "Booth 2", "Booth 3", "Booth 4", "Booth 5"]);
        // Other names are numbered on their own.
        assert_eq!(member.post(&format!("{base}/tables"), &[("_csrf", &token), ("count", "1"), ("capacity", "1"), ("name", "VIP")]).status, 303);
        assert_eq!(member.post(&format!("{base}/tables"), &[("_csrf", &token), ("count", "1"), ("capacity", "1"), ("name", "Booth")]).status, 303);
        let names: std::collections::BTreeSet<String> = app.hub.event_details(&event).expect("the event").tables.into_iter().map(|t| t.name).collect();
        assert!(names.contains("VIP 1") && names.contains("Booth 6") && names.len() == 7, "{names:?}");
        assert!(details.tables.iter().all(|t| t.capacity == 2));
        // A single slot beside the sessions; one that ends before it starts is refused by label.
        assert_eq!(member.post(&format!("{base}/one-slot"), &[("_csrf", &token), ("one_day", "2027-05-12"), ("one_starts", "12:30"), ("one_ends", "13:00")]).status, 303);
        let reply = member.post(&format!("{base}/one-slot"), &[("_csrf", &token), ("one_day", "2027-05-12"), ("one_starts", "13:00"), ("one_ends", "12:40")]);
        assert!(reply.status == 422 && reply.body.contains("<strong>Ends</strong>: must be after starts") && reply.body.contains("value=\"12:40\""), "{}", reply.body);
        let lunch = app.hub.event_details(&event).expect("the event").slots.into_iter().filter(|s| s.starts == "12:30").collect::<Vec<_>>();
        assert!(lunch.len() == 1 && lunch[0].part == bridgehub_app::DayPart::Pm, "{lunch:?}");
        // Rules: saved, shown back; a cap of 0 or a word is refused by label, keeping the form.
        let reply = member.post(&format!("{base}/rules"), &[("_csrf", &token), ("cross_country_only", "1"), ("max_requests", ""), ("max_meetings", "6")]);
        assert_eq!((reply.status, reply.header("location")), (303, Some(format!("{base}?done=rules").as_str())), "{}", reply.body);
        let rules = app.hub.event_details(&event).expect("the event").rules;
        assert_eq!(rules, bridgehub_app::EventRules { cross_country_only: true, cross_kind_only: false, max_requests: None, max_meetings: Some(6) });
        let shown = member.get(&format!("{base}?done=rules"));
        assert!(shown.body.contains("The rules were saved") && shown.body.contains("name=\"cross_country_only\" value=\"1\" checked>")
            && shown.body.contains("name=\"max_meetings\" type=\"number\" min=\"1\" max=\"128\" value=\"6\""), "{}", shown.body);
        let reply = member.post(&format!("{base}/rules"), &[("_csrf", &token), ("cross_kind_only", "1"), ("max_requests", "many"), ("max_meetings", "0")]);
        assert!(reply.status == 422 && reply.body.contains("<strong>Open requests a participant may send</strong>: must be a whole number"), "{}", reply.body);
        assert!(reply.body.contains("value=\"many\"") && reply.body.contains("name=\"cross_kind_only\" value=\"1\" checked>"), "{}", reply.body);
        let reply = member.post(&format!("{base}/rules"), &[("_csrf", &token), ("max_meetings", "0")]);
        assert!(reply.status == 422 && reply.body.contains("<strong>Meetings per participant</strong>: must be between 1 and 128"), "{}", reply.body);
        assert_eq!(app.hub.event_details(&event).expect("the event").rules, rules, "refused rules change nothing");
        // Another member cannot set up someone else's event.
        let mut other = Client::new(&app);
        other.log_in(&seeded.member_email);
        let other_token = other.token("/events");
        // The organizer closes the event (and could open a draft); an unknown status is refused.
        assert_eq!(member.post(&format!("{base}/status"), &[("_csrf", &token), ("status", "someday")]).status, 422);
        assert_eq!(member.post(&format!("{base}/status"), &[("_csrf", &token), ("status", "closed")]).status, 303);
        assert_eq!(app.hub.event_details(&event).expect("the event").event.status, bridgehub_app::EventStatus::Closed);
        for (form, pairs) in [
            ("status", vec![("status", "cancelled")]),
            ("tables", vec![("count", "1"), ("capacity", "1")]),
            ("session", vec![("day", "2027-05-12"), ("part", "pm"), ("starts", "14:00"), ("ends", "15:00"), ("slot_minutes", "30")]),
            ("schedule", vec![("mode", "all")]),
            ("rules", vec![("max_meetings", "2")]),
            ("one-slot", vec![("one_day", "2027-05-12"), ("one_starts", "16:00"), ("one_ends", "16:30")]),
        ] {
            let mut pairs = pairs;
            pairs.push(("_csrf", other_token.as_str()));
            assert_eq!(other.post(&format!("{base}/{form}"), &pairs).status, 403, "{form}");
        }
        assert_eq!(other.get(&base).status, 403);
        let kept = app.hub.event_details(&event).expect("the event");
        assert_eq!((kept.slots.len(), kept.event.status, kept.rules), (5, bridgehub_app::EventStatus::Closed, rules), "nothing changed");
        // On a Chinese page the problems are in Chinese too, fields named by their labels.
        let shown = member.get(&format!("{base}?lang=zh-Hans"));
        assert!(shown.body.contains("id=\"tables-name\" name=\"name\" value=\"桌\""), "tables are named in the page's language: {}", shown.body);
        let reply = member.post(&format!("{base}/session"), &[("_csrf", &token), ("day", "2027-05-12"), ("part", "am"), ("starts", "13:00"), ("ends", "12:00"), ("slot_minutes", "30")]);
        assert!(reply.status == 422 && reply.body.contains("<strong>结束</strong>: 须晚于开始时间"), "{}", reply.body);
        let reply = member.post(&format!("{base}/session"), &[("_csrf", &token), ("day", "2027-05-12"), ("part", "am"), ("starts", "13:00"), ("ends", "15:00"), ("slot_minutes", "30")]);
        assert!(reply.status == 422 && reply.body.contains("上午场次不能在 13:00 开始（已过中午）"), "{}", reply.body);
        let reply = member.post(&format!("{base}/rules"), &[("_csrf", &token), ("max_meetings", "0")]);
        assert!(reply.status == 422 && reply.body.contains("须为 1 到 128 之间的数（或留空）"), "{}", reply.body);
        let mut bad = fields.clone();
        bad[4] = ("country", "XQ");
        let reply = member.post("/events/new", &bad);
        assert!(reply.status == 422 && reply.body.contains("“XQ”不是 ISO 3166 国家代码"), "{}", reply.body);
    }

    fn pages_carry_security_headers_and_speak_the_chosen_language(db) {
        let app = TestApp::spawn(&db);
        let mut client = Client::new(&app);
        for path in ["/", "/directory", "/listings", "/login", "/signup", "/no-such-page", "/api/v1/stats"] {
            let reply = client.get(path);
            let csp = reply.header("content-security-policy").unwrap_or_default();
            assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-inline"), "{path}: no inline script or style");
            assert_eq!(reply.header("x-content-type-options"), Some("nosniff"), "{path}");
            assert_eq!(reply.header("x-frame-options"), Some("DENY"), "{path}");
            assert_eq!(reply.header("referrer-policy"), Some("same-origin"), "{path}");
            assert!(reply.header("strict-transport-security").is_some_and(|h| h.contains("max-age=")), "{path}");
        }
        let home = client.get("/");
        assert!(home.body.contains("<html lang=\"en\">") && home.body.contains(">Directory<"));
        assert!(!home.body.contains("<script>"), "no inline script");
        let zh = client.get("/?lang=zh-Hans");
        assert!(zh.body.contains("<html lang=\"zh-Hans\">") && zh.body.contains(">名录<"), "{}", zh.body);
        assert_eq!(client.cookies.get("bridgehub-lang").map(String::as_str), Some("zh-Hans"));
        let again = client.get("/directory");
        assert!(again.body.contains(">名录<"), "the choice is kept in a cookie");
        let hant = client.get("/directory?lang=zh-Hant");
        assert!(hant.body.contains(">名錄<"));
        // An address no page serves: the not-found page in the chosen language; under /api
        // the API's JSON answer.
        let missing = client.get("/no-such-page?lang=zh-Hans");
        assert!(missing.status == 404 && missing.body.contains("此地址没有内容"), "{}", missing.body);
        for path in ["/api/v1/no-such-route", "/api/no-such-route"] {
            let api = client.get(path);
            assert!(api.status == 404 && api.body.contains("\"route_not_found\""), "{path}: {}", api.body);
        }
        // Any other method at an unknown address gets the JSON answer too, CSRF token or not
        // (an API client's typo is not a refused form).
        for path in ["/api/v1/no-such-route", "/no-such-page"] {
            let reply = client.agent.post(&format!("{}{}", client.base, path)).header("content-type", "application/json").send("{}").expect("POST");
            let status = reply.status().as_u16();
            let body = reply.into_body().read_to_string().unwrap_or_default();
            assert!(status == 404 && body.contains("\"route_not_found\""), "{path}: {status} {body}");
        }
        // A bad filter value is said in Chinese too.
        let bad = client.get("/directory?country=XQ&lang=zh-Hans");
        assert!(bad.body.contains("“XQ”不是 ISO 3166 国家代码"), "{}", bad.body);
        client.get("/directory?lang=zh-Hant");
        let mut fresh = Client::new(&app);
        let response = fresh
            .agent
            .get(&format!("{}/", app.base))
            .header("accept-language", "zh-TW,zh;q=0.9,en;q=0.5")
            .call()
            .expect("GET");
        let reply = fresh.take(response);
        assert!(reply.body.contains("<html lang=\"zh-Hant\">"), "Accept-Language is followed");
        // Arabic content is laid out right to left.
        let (status, _) = app.post("/api/v1/organizations", &org_body("org-ae-1", "AE"));
        assert_eq!(status, 201);
        let mut arabic = listing_body("lst-ar-1", "org-ae-1");
        arabic["language"] = json!("ar");
        arabic["title"] = json!("شريك لوجستي للتبريد في دبي");
        arabic["target_countries"] = json!([]);
        let (status, body) = app.post("/api/v1/listings", &arabic);
        assert_eq!(status, 201, "{body}");
        let page = client.get("/listings/lst-ar-1");
        assert!(page.body.contains("lang=\"ar\" dir=\"rtl\">شريك"), "{}", page.body);
    }

    fn directory_browsing_is_rate_limited_per_client(db) {
        let app = TestApp::spawn(&db);
        let mut client = Client::new(&app);
        let mut statuses = Vec::new();
        for _ in 0..125 {
            statuses.push(client.get("/directory").status);
        }
        assert!(statuses[..100].iter().all(|s| *s == 200), "{statuses:?}");
        assert_eq!(statuses.last(), Some(&429), "past the limit the directory answers 429");
    }

    fn only_members_edit_or_withdraw_a_listing(db) {
        let app = TestApp::spawn(&db);
        let seeded = seed(&app);
        let listing = format!("/listings/{}", seeded.member_listing);
        // A member of another organization (Saigon Cold Store) may not edit it.
        let mut other = Client::new(&app);
        other.log_in("saigon.cold.store@member.example");
        let page = other.get(&listing);
        assert!(!page.body.contains(&format!("{listing}/edit")), "no edit button for others");
        let token = other.token("/account");
        assert_eq!(other.get(&format!("{listing}/edit")).status, 403);
        let reply = other.post(&format!("{listing}/edit"), &[("_csrf", &token), ("owner", "org-leak-0"), ("title", "Taken over")]);
        assert_eq!(reply.status, 403);
        assert_eq!(other.post(&format!("{listing}/withdraw"), &[("_csrf", &token)]).status, 403);
        // Anonymous visitors are sent to log in.
        let mut anonymous = Client::new(&app);
        assert_eq!(anonymous.get("/listings/new").status, 303);
        // The owner's member edits it (a bad field is shown on the form), then withdraws it.
        let mut member = Client::new(&app);
        member.log_in(&seeded.member_email);
        let form = member.get(&format!("{listing}/edit"));
        assert_eq!(form.status, 200);
        let token = hidden_value(&form.body, "_csrf").expect("token");
        let version = hidden_value(&form.body, "version").expect("version");
        let owner_org = app.hub.listing(&seeded.member_listing).expect("listing").record.owner.to_string();
        let mut fields = vec![("_csrf", token.as_str()), ("version", version.as_str()), ("owner", owner_org.as_str()),
            ("direction", "seek"), ("category", "service"), ("title", "Cold storage wanted in Kunming"),
            ("body", "We need a cold store for durian."), ("language", "en"), ("sectors", "logistics"), ("sectors", "agrifood")];
        let bad = member.post(&format!("{listing}/edit"), &[fields.clone(), vec![("target_countries", "XX")]].concat());
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains("<strong>Target countries</strong>"), "the field is named by its label: {}", bad.body);
        // On a Chinese page the same problems are in Chinese.
        member.get(&format!("{listing}/edit?lang=zh-Hans"));
        let mut blank = fields.clone();
        blank[5] = ("title", " ");
        let bad = member.post(&format!("{listing}/edit"), &[blank, vec![("target_countries", "XX")]].concat());
        assert_eq!(bad.status, 422, "{}", bad.body);
        assert!(bad.body.contains("<strong>目标国家</strong>: “XX”不是 ISO 3166 国家代码") && bad.body.contains("<strong>标题</strong>: 不能为空"), "{}", bad.body);
        member.get(&format!("{listing}/edit?lang=en"));
        fields.push(("target_countries", "VN, th"));
        let saved = member.post(&format!("{listing}/edit"), &fields);
        assert_eq!(saved.status, 303, "{}", saved.body);
        let stored = app.hub.listing(&seeded.member_listing).expect("listing").record;
        assert_eq!(stored.title, "Cold storage wanted in Kunming");
        assert_eq!(stored.sectors.len(), 2);
        assert_eq!(stored.target_countries.iter().map(|c| c.to_string()).collect::<Vec<_>>(), ["VN", "TH"]);
        assert_eq!(member.post(&format!("{listing}/withdraw"), &[("_csrf", &token)]).status, 303);
        assert!(!app.hub.listing(&seeded.member_listing).expect("listing").record.is_live(bridgehub_app::today()));
    }

    fn an_import_preview_names_lines_and_says_coded_problems_in_chinese(db) {
        let app = TestApp::spawn(&db);
        let seeded = seed(&app);
        let mut admin = Client::new(&app);
        admin.log_in(&seeded.member_email);
        let user = app.hub.session(admin.cookies.get("__Host-bridgehub-session").expect("session")).expect("session").expect("live").user_id;
        app.hub.set_admin(&Actor::operator(), &user, true).expect("make admin");
        let upload = concat!(
            r#"{"type":"organization","id":"org-import-ok","name":"Penang Port Services","kind":"enterprise","country":"MY","sectors":["shipping"]}"#,
            "\n",
            r#"{"type":"organization","id":"org-import-bad","name":"Bad Row","kind":"enterprise","country":"ZZ"}"#,
            "\n"
        );
        for (lang, expected) in [("en", "members.jsonl:2: country: &#34;ZZ&#34; is not an ISO 3166-1 alpha-2 country code"), ("zh-Hans", "members.jsonl:2: country: “ZZ”不是 ISO 3166 国家代码")] {
            let token = admin.token(&format!("/admin?lang={lang}"));
            let reply = admin.post_file(&format!("/admin/import?_csrf={token}"), &[("action", "preview")], "members.jsonl", upload);
            assert_eq!(reply.status, 200, "{}", reply.body);
            assert!(reply.body.contains(expected), "{lang}: {}", reply.body);
        }
        assert!(app.hub.organization("org-import-ok").is_err(), "a preview stores nothing");
    }

    fn an_account_downloads_its_data_and_is_deleted(db) {
        let app = TestApp::spawn(&db);
        let seeded = seed(&app);
        let mut member = Client::new(&app);
        member.log_in(&seeded.member_email);
        let export = member.get("/account/export.json");
        assert_eq!(export.status, 200);
        assert!(export.header("content-disposition").is_some_and(|d| d.contains("attachment")));
        let data: Value = serde_json::from_str(&export.body).expect("JSON");
        assert_eq!(data["account"]["email"], seeded.member_email.as_str());
        assert!(!export.body.contains("password"), "no password hash in the export");
        let token = member.token("/account");
        let wrong = member.post("/account/delete", &[("_csrf", &token), ("password", "not the password at all")]);
        assert_eq!(wrong.status, 422);
        let deleted = member.post("/account/delete", &[("_csrf", &token), ("password", PASSWORD)]);
        assert_eq!(deleted.status, 200, "{}", deleted.body);
        assert!(deleted.body.contains("Your account was deleted.") && !deleted.body.contains("status-200"), "{}", deleted.body);
        assert!(!member.cookies.contains_key("__Host-bridgehub-session"), "the cookie is cleared");
        let mut again = Client::new(&app);
        let token = again.token("/login");
        let reply = again.post("/login", &[("_csrf", &token), ("email", &seeded.member_email), ("password", PASSWORD)]);
        assert_eq!(reply.status, 401, "the account is gone");
    }
}
