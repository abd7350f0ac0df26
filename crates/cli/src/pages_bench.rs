//! `bridgehub bench pages`: how long the web UI's pages take on a real database (e.g. the
//! demo hub). Starts the real server on 127.0.0.1 in this process, requests every main
//! page over HTTP (anonymously and, for the signed-in pages, as a temporary
//! administrator made for the run and deleted after it) and reports per-page p50, p95
//! and max. The time is measured at the client over loopback, so it bounds the server
//! time from above.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use bridgehub_app::{Actor, Hub, ListingFilter, OrgFilter, SignUp, percentile, random_hex};
use serde_json::{Value, json};

/// The page-time goal of issue #5, in milliseconds.
const GOAL_MS: f64 = 50.0;

/// Runs the benchmark over the hub at `db` and returns the figures.
pub(crate) fn run(db: &str, requests: usize, quiet: bool) -> Result<Value> {
    if requests == 0 {
        bail!("--requests must be at least 1");
    }
    let embedder = bridgehub_app::load_embedder(None)?;
    let hub = Hub::open(db).with_context(|| format!("cannot open the database {db}"))?.with_embedder(embedder);
    let counts = hub.counts()?;

    // Pages with ids from the database itself.
    let first_org = hub
        .list_organizations(&OrgFilter { limit: Some(1), ..OrgFilter::default() })?
        .items
        .into_iter()
        .next()
        .map(|o| o.record.id.to_string());
    let first_listing = hub
        .list_listings(&ListingFilter { limit: Some(1), ..ListingFilter::default() })?
        .items
        .into_iter()
        .next()
        .map(|l| l.record.id.to_string());
    let first_event = hub.list_events(None, Some(1))?.into_iter().next().map(|e| e.record.id.to_string());
    let mut anonymous = vec![
        ("home", "/".to_owned()),
        ("directory", "/directory".to_owned()),
        ("directory, filtered", "/directory?group=asean&sector=logistics".to_owned()),
        ("directory, search", "/directory?q=university".to_owned()),
        ("people", "/directory?what=people".to_owned()),
        ("opportunities", "/listings".to_owned()),
        ("opportunities, filtered", "/listings?direction=offer&sector=agrifood".to_owned()),
        ("events", "/events".to_owned()),
        ("thin-tie map", "/thin-ties?by=region".to_owned()),
        ("thin-tie map's SVG", "/api/v1/analytics/thin-ties.svg?by=region".to_owned()),
        ("log in", "/login".to_owned()),
        ("sign up", "/signup".to_owned()),
    ];
    if let Some(org) = &first_org {
        anonymous.push(("organization profile", format!("/organizations/{org}")));
    }
    if let Some(listing) = &first_listing {
        anonymous.push(("listing with matches", format!("/listings/{listing}")));
    }
    if let Some(event) = &first_event {
        anonymous.push(("event detail", format!("/events/{event}")));
    }
    let mut signed_in = vec![
        ("account", "/account".to_owned()),
        ("introductions inbox", "/introductions".to_owned()),
        ("post a listing", "/listings/new".to_owned()),
        ("admin", "/admin".to_owned()),
    ];
    if let Some(event) = &first_event {
        // The administrator organizes every event, and so acts for its parties.
        signed_in.push(("event organizer page", format!("/events/{event}/organize")));
        signed_in.push(("event organizer page, unscheduled", format!("/events/{event}/organize?show=unscheduled")));
        if let Some(party) = hub.event_registrations(&Actor::operator(), event)?.into_iter().next() {
            signed_in.push(("agenda with availability", format!("/events/{event}/agenda?party={}&tz=Europe/London", party.party_id)));
        }
    }

    // A temporary administrator for the signed-in pages.
    let password = format!("bench-{}", random_hex(16)?);
    let email = format!("bench-pages-{}@bridgehub.invalid", random_hex(8)?);
    let user = hub.sign_up(&SignUp {
        email: email.clone(),
        password: password.clone(),
        display_name: "Page benchmark".into(),
        ..SignUp::default()
    })?;
    hub.set_admin(&Actor::operator(), &user.user_id, true)?;
    // A member of the first organization, so the member-only pages (post a listing) render;
    // the membership goes with the account at the end.
    let mut organizations = Vec::new();
    if let Some(org) = &first_org {
        hub.add_membership(&Actor::operator(), &user.user_id, org)?;
        organizations.push(org.clone());
    }
    let token = hub.log_in(&email, &password, None, "bench-pages")?.token;
    let actor = Actor { user_id: user.user_id.clone(), organizations, is_admin: true };

    if !quiet {
        eprintln!("page benchmark: starting the server on {db} (building the match index) ...");
    }
    let result = (|| -> Result<Value> {
        let server = bridgehub_http::BackgroundServer::start(hub.clone(), "127.0.0.1:0")
            .context("cannot start the server")?;
        let base = format!("http://{}", server.addr());
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        let cookie = format!("{}={token}", bridgehub_http::auth::SESSION_COOKIE);
        let mut pages = Vec::new();
        let mut client = 0u32;
        let all = anonymous.iter().map(|(n, p)| (*n, p.clone(), false)).chain(signed_in.iter().map(|(n, p)| (*n, p.clone(), true)));
        for (name, path, with_session) in all {
            let url = format!("{base}{path}");
            let mut times = Vec::with_capacity(requests);
            let mut bytes = 0usize;
            // Two warm-up requests, then the timed ones.
            for i in 0..requests + 2 {
                // Each request looks like another client (anti-scraping limits are per client).
                client += 1;
                let mut request = agent
                    .get(&url)
                    .header("X-Forwarded-For", &format!("198.18.{}.{}", (client >> 8) & 0xff, client & 0xff));
                if with_session {
                    request = request.header("Cookie", &cookie);
                }
                let started = Instant::now();
                let mut response = request.call().with_context(|| format!("GET {path}"))?;
                let body = response.body_mut().read_to_string().unwrap_or_default();
                let elapsed = started.elapsed().as_secs_f64() * 1e3;
                let status = response.status().as_u16();
                if status != 200 {
                    bail!("GET {path} answered {status}; the benchmark needs every page to render");
                }
                if i >= 2 {
                    times.push(elapsed);
                    bytes = body.len();
                }
            }
            times.sort_by(f64::total_cmp);
            let (p50, p95, max) = (percentile(&times, 50.0), percentile(&times, 95.0), percentile(&times, 100.0));
            if !quiet {
                eprintln!("  {name:<26} p50 {p50:6.1} ms  p95 {p95:6.1} ms  max {max:6.1} ms  ({bytes} bytes)");
            }
            pages.push(json!({
                "page": name, "path": path, "signed_in": with_session, "bytes": bytes,
                "ms": {"p50": p50, "p95": p95, "max": max},
                "meets_goal_p50": p50 <= GOAL_MS,
            }));
        }
        drop(server);
        let worst_p50 = pages.iter().filter_map(|p| p["ms"]["p50"].as_f64()).fold(0.0, f64::max);
        Ok(json!({
            "benchmark": "pages",
            "backend": hub.backend(),
            "database": {"organizations": counts.organizations, "people": counts.people, "listings": counts.listings, "ties": counts.ties},
            "requests_per_page": requests,
            "measured": "client-side over loopback (an upper bound of the server time), after two warm-up requests",
            "goal_ms": GOAL_MS,
            "worst_p50_ms": worst_p50,
            "all_pages_meet_goal_p50": worst_p50 <= GOAL_MS,
            "pages": pages,
        }))
    })();
    // The temporary account goes, whatever happened.
    if let Err(e) = hub.delete_account(&actor, &password) {
        eprintln!("warning: could not delete the benchmark's account {email}: {e}");
    }
    result
}
