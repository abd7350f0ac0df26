//! Browser tests (issue #5): the real server (fresh SQLite database, the real sentence
//! model) driven by Debian's headless Chromium through chromedriver (WebDriver, with
//! `fantoccini`). Screenshots of the main pages are written as PNG files into
//! `$BRIDGEHUB_ARTIFACTS` (default: `<target dir>/browser-artifacts`).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver` (or `CHROMEDRIVER`,
//! `CHROMIUM`) and the model (`BRIDGEHUB_MODEL`); without them the test fails and says so.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use bridgehub_app::{
    Actor, EventInput, Hub, NewOrganization, RegistrationInput, RequestAnswer, ScheduleOptions,
    SignUp, SlotInput, TableInput,
};
use bridgehub_http::BackgroundServer;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

const PASSWORD: &str = "durian season 2026!";
const A_EMAIL: &str = "li.wei@yunnan-fruit.example";
const A_CONTACT: &str = "trade@yunnan-fruit.example";
const B_EMAIL: &str = "minh@saigon-cold.example";
const B_CONTACT: &str = "partners@saigon-cold.example";
const B_LISTING: &str = "lst-saigon-coldchain";

fn artifacts_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("BRIDGEHUB_ARTIFACTS") {
        return PathBuf::from(dir);
    }
    // The test binary lives in <target>/debug/deps/.
    let exe = std::env::current_exe().expect("test binary path");
    let target = exe
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("target"));
    target.join("browser-artifacts")
}

fn tool(env: &str, default: &str) -> PathBuf {
    let path = std::env::var_os(env)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(default));
    assert!(
        path.exists(),
        "{} is missing: the browser tests need Debian's chromium and chromium-driver packages \
         (`apt-get install chromium chromium-driver`; .ci/run installs them), or {env} naming the program",
        path.display()
    );
    path
}

/// The hub with B's organization and offer, and a few other listings, seeded through use cases.
fn seed(hub: &Hub) -> (String, Actor) {
    let b = hub
        .sign_up(&SignUp {
            email: B_EMAIL.into(),
            password: PASSWORD.into(),
            display_name: "Tran Minh".into(),
            locale: "en".into(),
            organization: Some(NewOrganization {
                name: "Saigon Cold Chain Logistics".into(),
                kind: "enterprise".into(),
                country: "VN".into(),
                sectors: vec!["logistics".into(), "agrifood".into()],
                languages: vec!["vi".into(), "en".into()],
                contact_email: Some(B_CONTACT.into()),
                contact_phone: Some("+84 28 3999 1234".into()),
                description: Some(
                    "Refrigerated warehouses and reefer trucking in Ho Chi Minh City.".into(),
                ),
            }),
        })
        .expect("sign up B");
    let b_org = b.organizations[0].clone();
    let listing = |id: &str,
                   owner: &str,
                   direction: &str,
                   title: &str,
                   body: &str,
                   language: &str,
                   sectors: &[&str]| {
        json!({"id": id, "owner": owner, "direction": direction, "category": "service", "title": title, "body": body,
               "language": language, "sectors": sectors, "target_countries": [], "target_groups": [], "expires": null})
    };
    hub.create_listing(&Actor::operator(), &listing(
        B_LISTING,
        &b_org,
        "offer",
        "Cold-chain warehouse and reefer transport in Vietnam",
        "Temperature-controlled warehouse in Ho Chi Minh City with refrigerated trucks; we store and move durian and other tropical fruit for importers.",
        "en",
        &["logistics", "agrifood"],
    ))
    .expect("B's offer");
    for (id, country, title, body, sectors) in [
        (
            "org-ke-uni",
            "KE",
            "Exchange semester for engineering students in Nairobi",
            "Our university offers an exchange semester in civil engineering.",
            ["education", "research"],
        ),
        (
            "org-ae-fin",
            "AE",
            "Islamic finance advisory for infrastructure projects",
            "Advisory on sukuk structuring for infrastructure investors.",
            ["finance", "infrastructure"],
        ),
    ] {
        hub.create_organization(&Actor::operator(), &json!({"id": id, "name": format!("Org {id}"), "kind": "enterprise", "country": country, "sectors": sectors}))
            .expect("other organization");
        hub.create_listing(&Actor::operator(), &listing(
            &format!("lst-{id}"),
            id,
            "offer",
            title,
            body,
            "en",
            &sectors,
        ))
        .expect("other listing");
    }
    (b_org, b.actor())
}

/// B organizes a matchmaking event in Ho Chi Minh City (zone Asia/Ho_Chi_Minh) with two
/// meeting slots and a table, and registers its own organization.
fn seed_event(hub: &Hub, b: &Actor, b_org: &str) -> String {
    let input: EventInput = serde_json::from_value(json!({
        "title": "ASEAN–China Cold Chain Matchmaking", "kind": "brokerage", "venue": "SECC", "city": "Ho Chi Minh City",
        "country": "VN", "time_zone": "Asia/Ho_Chi_Minh", "starts_on": "2026-12-01", "ends_on": "2026-12-01",
        "description": "Meet importers and logistics providers.", "status": "open"
    }))
    .expect("event input");
    let event = hub.create_event(b, &input).expect("create event").record.id;
    let slots: Vec<SlotInput> = serde_json::from_value(json!([
        {"day": "2026-12-01", "starts": "09:00", "ends": "09:30"}, {"day": "2026-12-01", "starts": "09:30", "ends": "10:00"}
    ]))
    .expect("slots");
    hub.add_event_slots(b, &event, &slots).expect("slots");
    hub.add_event_tables(
        b,
        &event,
        &[TableInput {
            name: "Table 1".into(),
            capacity: 1,
        }],
    )
    .expect("table");
    hub.register_for_event(
        b,
        &event,
        &RegistrationInput {
            party: b_org.into(),
            unavailable: vec![],
        },
    )
    .expect("register B");
    event
}

/// B accepts A's meeting request and the scheduler places the meeting.
fn accept_and_schedule(hub: &Hub, b: &Actor, event: &str) {
    let request = hub
        .meeting_requests(b, event)
        .expect("requests")
        .into_iter()
        .next()
        .expect("A asked B for a meeting");
    hub.answer_meeting_request(b, event, &request.id, RequestAnswer::Accept)
        .expect("accept");
    let options: ScheduleOptions = serde_json::from_value(json!({})).expect("options");
    hub.schedule_event(b, event, &options)
        .expect("queue the scheduler");
    // The server's own worker or this one runs it, whichever claims it first.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while hub.event_details(event).expect("event").last_run.is_none() {
        hub.run_jobs_once("browser-test").expect("run the scheduler");
        assert!(std::time::Instant::now() < deadline, "the scheduler run never finished");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The server's base URL as the browser sees it: `localhost` (not 127.0.0.1) is a secure
/// context, so the browser keeps `__Host-` cookies over http.
fn browser_base(server: &BackgroundServer) -> String {
    format!("http://localhost:{}", server.addr().port())
}

struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_chromedriver() -> (Driver, u16) {
    let program = tool("CHROMEDRIVER", "/usr/bin/chromedriver");
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let child = Command::new(program)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver(child);
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (driver, port);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("chromedriver did not listen on port {port}");
}

async fn browser(port: u16) -> Client {
    let chromium = tool("CHROMIUM", "/usr/bin/chromium");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium.display().to_string(),
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--window-size=1280,1600", "--lang=en-US", "--no-first-run", "--disable-extensions"],
            "prefs": {"intl.accept_languages": "en-US,en"}
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with headless Chromium")
}

struct Ui {
    client: Client,
    base: String,
    shots: PathBuf,
}

impl Ui {
    async fn go(&self, path: &str) {
        self.client
            .goto(&format!("{}{}", self.base, path))
            .await
            .unwrap_or_else(|e| panic!("open {path}: {e}"));
    }

    async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .map(|u| u.path().to_owned())
            .unwrap_or_default()
    }

    async fn fill(&self, id: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("field #{id}: {e}"));
        field.clear().await.ok();
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }

    async fn choose(&self, id: &str, value: &str) {
        let select = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("select #{id}: {e}"));
        select
            .select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in #{id}: {e}"));
    }

    async fn click(&self, css: &str) {
        let element = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"));
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    async fn text(&self, css: &str) -> String {
        let element = self
            .client
            .wait()
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("wait for {css}: {e}"));
        element.text().await.unwrap_or_default()
    }

    async fn source(&self) -> String {
        self.client.source().await.unwrap_or_default()
    }

    /// The page's source once it contains `needle` (a submitted form was answered), or as
    /// it is after ten seconds.
    async fn source_with(&self, needle: &str) -> String {
        let mut source = String::new();
        for _ in 0..200 {
            source = self.source().await;
            if source.contains(needle) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        source
    }

    /// Waits until the page's path is `path` (the form was submitted and answered).
    async fn arrive(&self, path: &str) {
        for _ in 0..200 {
            if self.path().await == path {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!(
            "expected to arrive at {path}, still at {} ({})",
            self.path().await,
            self.source().await
        );
    }

    async fn shot(&self, name: &str) {
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("screenshot {name}: {e}"));
        assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
        std::fs::write(self.shots.join(name), png).unwrap_or_else(|e| panic!("write {name}: {e}"));
    }

    async fn log_in(&self, email: &str) {
        self.go("/login").await;
        self.fill("email", email).await;
        self.fill("password", PASSWORD).await;
        self.click("#login-submit").await;
        self.arrive("/").await;
        assert!(
            self.client
                .wait()
                .for_element(Locator::Id("logout"))
                .await
                .is_ok(),
            "{email} is signed in"
        );
    }

    async fn log_out(&self) {
        self.click("#logout").await;
        self.arrive("/").await;
        assert!(
            self.client
                .wait()
                .for_element(Locator::Id("login-link"))
                .await
                .is_ok(),
            "signed out"
        );
    }
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

async fn flows(ui: &Ui, hub: &Hub, b: &Actor, b_org: &str) {
    // Home, anonymous.
    ui.go("/").await;
    assert!(ui.source().await.contains("<html lang=\"en\">"));
    ui.shot("01-home.png").await;

    // A signs up with an organization in China.
    ui.click("#signup-link").await;
    ui.arrive("/signup").await;
    ui.fill("email", A_EMAIL).await;
    ui.fill("password", PASSWORD).await;
    ui.fill("display_name", "Li Wei").await;
    ui.choose("locale", "en").await;
    ui.fill("org_name", "云南果业进口有限公司").await;
    ui.choose("org_kind", "enterprise").await;
    ui.choose("org_country", "CN").await;
    ui.click("input[name=org_sectors][value=agrifood]").await;
    ui.click("input[name=org_sectors][value=logistics]").await;
    ui.fill("org_languages", "zh, en").await;
    ui.fill("contact_email", A_CONTACT).await;
    ui.fill("contact_phone", "+86 871 6000 0001").await;
    ui.shot("02-signup.png").await;
    ui.click("#signup-submit").await;
    ui.arrive("/account").await;
    assert!(
        ui.text(".my-org").await.contains("云南果业"),
        "A is a member of the new organization"
    );
    ui.shot("03-account.png").await;

    // A posts a seek in Chinese and sees B's English offer among its matches, with reasons.
    ui.go("/listings/new").await;
    ui.click("input[name=direction][value=seek]").await;
    ui.choose("category", "service").await;
    ui.fill("title", "寻求越南冷链物流伙伴").await;
    ui.fill("body", "寻求越南冷链物流伙伴，负责榴莲进口的仓储和运输")
        .await;
    ui.choose("language", "zh").await;
    ui.click("input[name=sectors][value=logistics]").await;
    ui.fill("target_countries", "VN").await;
    ui.click("#listing-submit").await;
    for _ in 0..200 {
        if ui.path().await.starts_with("/listings/lst") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let a_listing = ui.path().await;
    assert!(
        a_listing.starts_with("/listings/"),
        "the seek was posted: {}",
        ui.source().await
    );
    let title = ui.text("h1").await;
    assert_eq!(title, "寻求越南冷链物流伙伴");
    let cards = ui
        .client
        .find_all(Locator::Css("li.match"))
        .await
        .expect("match cards");
    let mut card = None;
    for c in cards {
        if c.html(false)
            .await
            .unwrap_or_default()
            .contains(&format!("/listings/{B_LISTING}\""))
        {
            card = Some(c);
            break;
        }
    }
    let Some(card) = card else {
        panic!("B's offer is among the matches: {}", ui.source().await)
    };
    let reasons = card
        .find_all(Locator::Css("li.reason"))
        .await
        .expect("reasons");
    assert!(!reasons.is_empty(), "the match has reasons");
    let why = card
        .find(Locator::Css(".explanation"))
        .await
        .expect("explanation")
        .text()
        .await
        .unwrap_or_default();
    assert!(
        !why.trim().is_empty() && !has_cjk(&why),
        "the reasons are in English for an English UI: {why}"
    );
    ui.shot("04-listing-matches.png").await;

    // A requests an introduction from that match.
    card.find(Locator::Css("button.request-intro"))
        .await
        .expect("request button")
        .click()
        .await
        .expect("click request");
    ui.arrive("/introductions").await;
    let outgoing = ui.text("#outgoing li.intro").await;
    assert!(outgoing.contains("Saigon Cold Chain"), "{outgoing}");
    assert!(
        !ui.source().await.contains(B_CONTACT),
        "no contact before acceptance"
    );
    ui.shot("05-introduction-requested.png").await;
    ui.go(&format!("/organizations/{b_org}")).await;
    assert!(
        !ui.source().await.contains(B_CONTACT),
        "B's profile hides the contact from A"
    );
    ui.shot("06-organization-contact-hidden.png").await;
    ui.log_out().await;

    // B logs in, accepts, and sees A's contact.
    ui.log_in(B_EMAIL).await;
    ui.go("/introductions").await;
    ui.click("#incoming button.accept").await;
    ui.arrive("/introductions").await;
    let shown = ui.text("#incoming .contact-email").await;
    assert_eq!(shown, A_CONTACT, "B sees A's contact after accepting");
    ui.shot("07-introduction-accepted.png").await;
    ui.log_out().await;

    // A sees B's contact, in the inbox and on B's profile.
    ui.log_in(A_EMAIL).await;
    ui.go("/introductions").await;
    assert_eq!(
        ui.text("#outgoing .contact-email").await,
        B_CONTACT,
        "A sees B's contact"
    );
    ui.go(&format!("/organizations/{b_org}")).await;
    assert_eq!(ui.text("#contact .contact-email").await, B_CONTACT);
    ui.shot("08-organization-contact-shown.png").await;

    // Events: A registers for B's event, asks B for a meeting; B accepts and the
    // scheduler places it; A's agenda shows it in the event's zone and in A's own.
    ui.go("/account").await;
    let a_org = ui
        .client
        .find(Locator::Css(".my-org"))
        .await
        .expect("A's organization")
        .attr("href")
        .await
        .ok()
        .flatten()
        .and_then(|h| h.strip_prefix("/organizations/").map(str::to_owned))
        .expect("A's organization id");
    let event = seed_event(hub, b, b_org);
    ui.go("/events").await;
    ui.click(&format!("a[href='/events/{event}']")).await;
    ui.arrive(&format!("/events/{event}")).await;
    ui.click("#register-submit").await;
    ui.text("#meeting-form").await;
    ui.fill("to", b_org).await;
    ui.choose("priority", "must").await;
    ui.fill("note", "想谈谈榴莲冷链").await;
    ui.click("#meeting-submit").await;
    assert!(
        ui.text(".meeting-request h3")
            .await
            .contains("Saigon Cold Chain"),
        "the request is listed"
    );
    ui.shot("12-event.png").await;
    accept_and_schedule(hub, b, &event);
    ui.go(&format!(
        "/events/{event}/agenda?party={a_org}&tz=Asia/Shanghai"
    ))
    .await;
    let event_time = ui.text("#agenda .event-time").await;
    let viewer_time = ui.text("#agenda .viewer-time").await;
    assert!(
        event_time.starts_with("2026-12-01 09:") && event_time.contains("UTC+07:00"),
        "event zone: {event_time}"
    );
    assert!(
        viewer_time.starts_with("2026-12-01 10:") && viewer_time.contains("UTC+08:00"),
        "viewer zone: {viewer_time}"
    );
    let feed = ui
        .client
        .find(Locator::Id("calendar-link"))
        .await
        .expect("calendar link")
        .attr("href")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(feed.contains("/agenda.ics?token="), "{feed}");
    ui.shot("13-agenda-two-zones.png").await;
    // A cannot meet in the slot the meeting landed in after all: A marks it, and the
    // agenda says the meeting moves at the next scheduler run.
    let held = event_time.split(' ').nth(1).unwrap_or_default().to_owned();
    let tick = format!("//form[@id='availability-form']//label[contains(., '{held}')]/input");
    ui.client
        .find(Locator::XPath(&tick))
        .await
        .unwrap_or_else(|e| panic!("the checkbox of {held}: {e}"))
        .click()
        .await
        .expect("tick it");
    ui.click("#availability-submit").await;
    assert!(
        ui.text("#availability-conflicts").await.contains("1 of your meetings"),
        "the meeting is flagged"
    );
    assert!(ui.text("#availability-count").await.contains("Not available in 1 slot."));
    assert!(ui.text("#agenda .conflict-flag").await.contains("not available"));
    ui.shot("13b-availability.png").await;

    // Administration: A becomes an administrator; an import preview lists every
    // problem with its line and field and stores nothing.
    let root = Actor::operator();
    let a_user = hub
        .find_user_by_email(&root, A_EMAIL)
        .expect("users")
        .expect("A's account")
        .id;
    hub.set_admin(&root, &a_user, true)
        .expect("make A an administrator");
    let upload = ui.shots.join("members.jsonl");
    std::fs::write(
        &upload,
        concat!(
            r#"{"type":"organization","id":"org-import-ok","name":"Penang Port Services","kind":"enterprise","country":"MY","sectors":["shipping"]}"#,
            "\n",
            r#"{"type":"organization","id":"org-import-bad","name":"Bad Row","kind":"spaceship","country":"ZZ"}"#,
            "\n"
        ),
    )
    .expect("write the upload");
    ui.go("/admin").await;
    let file = ui
        .client
        .find(Locator::Id("file"))
        .await
        .expect("file field");
    file.send_keys(&upload.display().to_string())
        .await
        .expect("choose the file");
    ui.click("button[value=preview]").await;
    let problems = ui.text("#import-result .import-errors").await;
    assert!(
        problems.contains("members.jsonl:2: kind"),
        "the preview names line and field: {problems}"
    );
    assert!(
        hub.organization("org-import-ok").is_err(),
        "a preview stores nothing"
    );
    ui.shot("14-admin-import-preview.png").await;
    let _ = std::fs::remove_file(&upload);

    // The conflict-of-interest check, reached from the admin page: an unknown id is named
    // above the form, which keeps what was typed.
    ui.go("/admin").await;
    ui.click("#coi-link").await;
    ui.arrive("/admin/conflicts").await;
    ui.fill("neutrals", "no-such-neutral").await;
    ui.fill("parties", "no-such-party").await;
    ui.click("#coi-form button[type=submit]").await;
    let checked = ui.source_with("id=\"coi-problem\"").await;
    assert!(checked.contains("no-such-neutral") && checked.contains("id=\"coi-problem\""), "{checked}");
    ui.shot("17-conflict-check.png").await;

    // The organizer page, reached from the event (A now administers, so organizes it too):
    // the meeting is fixed to the other slot, the scheduler runs, and the page shows it there.
    ui.go(&format!("/events/{event}")).await;
    ui.click("#organize-link").await;
    ui.arrive(&format!("/events/{event}/organize")).await;
    let request = hub.meeting_requests(b, &event).expect("requests").into_iter().next().expect("the request").id;
    let held = hub.event_meetings(b, &event).expect("meetings").into_iter().find(|m| m.request_id == request).expect("scheduled").slot_id;
    let other = hub.event_details(&event).expect("event").slots.into_iter().find(|s| s.id != held).expect("another slot");
    ui.choose(&format!("slot-{request}"), &other.id).await;
    ui.click(&format!("li[data-id='{request}'] .slot-form button")).await;
    ui.source_with("The next scheduler run keeps it").await;
    let last_run = || hub.event_details(&event).expect("event").last_run.and_then(|run| run["run_id"].as_str().map(str::to_owned));
    let before = last_run();
    ui.click("#schedule-submit").await;
    let queued = ui.source_with("id=\"job-status\"").await;
    // The server's own worker or this one runs it, whichever claims it first.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while last_run() == before {
        hub.run_jobs_once("browser-test").expect("run the scheduler");
        assert!(std::time::Instant::now() < deadline, "the scheduler run never finished: {queued}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ui.go(&format!("/events/{event}/organize")).await;
    let scheduled = ui.text(&format!("li[data-id='{request}'] .scheduled")).await;
    assert!(scheduled.contains(&format!("{} {}", other.day, other.starts)), "moved to the fixed slot: {scheduled}");
    ui.shot("18-organize-event.png").await;

    // The thin-tie map page embeds the analytics SVG.
    ui.go("/thin-ties").await;
    let src = ui
        .client
        .find(Locator::Id("thin-ties-map"))
        .await
        .expect("map")
        .attr("src")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    assert!(
        src.starts_with("/api/v1/analytics/thin-ties.svg?by=region"),
        "{src}"
    );
    ui.shot("15-thin-ties.png").await;

    // From the map to who bridges regions, asked for one pair of regions through the form.
    ui.click("#brokers-link").await;
    ui.arrive("/brokers").await;
    ui.choose("brokers-a", "030").await;
    ui.choose("brokers-b", "035").await;
    ui.click("#brokers-form button[type=submit]").await;
    let asked = ui.source_with("Between: Eastern Asia").await;
    assert!(asked.contains("Between: Eastern Asia – Southeast Asia"), "{asked}");
    assert!(asked.contains("<option value=\"035\" selected"), "the form keeps the pair asked about");
    ui.shot("16-brokers.png").await;

    // The UI in Chinese: the switcher, then the listing with its reasons in Chinese.
    ui.go("/").await;
    ui.click("a[data-lang=zh-Hans]").await;
    assert_eq!(
        ui.text("html[lang=zh-Hans] header nav a[href='/directory']")
            .await,
        "名录"
    );
    ui.shot("09-home-zh-Hans.png").await;
    ui.go(&a_listing).await;
    let why = ui.text("li.match .explanation").await;
    assert!(has_cjk(&why), "reasons in Chinese: {why}");
    ui.shot("10-listing-matches-zh-Hans.png").await;
    ui.click("a[data-lang=zh-Hant]").await;
    assert_eq!(
        ui.text("html[lang=zh-Hant] header nav a[href='/directory']")
            .await,
        "名錄"
    );
    ui.go("/directory").await;
    ui.shot("11-directory-zh-Hant.png").await;
    ui.click("a[data-lang=en]").await;
    assert_eq!(
        ui.text("html[lang=en] header nav a[href='/directory']")
            .await,
        "Directory"
    );
}

#[test]
fn the_main_flows_work_in_a_real_browser() {
    let shots = artifacts_dir();
    std::fs::create_dir_all(&shots).expect("artifacts folder");
    let (_driver, port) = start_chromedriver();
    let embedder = bridgehub_app::load_embedder(None).unwrap_or_else(|e| {
        panic!("the browser tests use the real sentence model (set BRIDGEHUB_MODEL): {e}")
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let db = dir.path().join("browser.db");
    let hub = Hub::open(&db.display().to_string())
        .expect("open hub")
        .with_embedder(embedder);
    let (b_org, b) = seed(&hub);
    let server = BackgroundServer::start(hub.clone(), "127.0.0.1:0").expect("start the server");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let client = browser(port).await;
        let closer = client.clone();
        let ui = Ui {
            client,
            base: browser_base(&server),
            shots: shots.clone(),
        };
        // Close the browser session even when a step fails, then report the failure.
        let outcome = tokio::spawn(async move { flows(&ui, &hub, &b, &b_org).await }).await;
        let _ = closer.close().await;
        if let Err(err) = outcome {
            std::panic::resume_unwind(err.into_panic());
        }
    });
    eprintln!("browser screenshots: {}", shots.display());
}
