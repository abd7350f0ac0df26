//! Accounts, sessions, CSRF, rate limits and introductions over real HTTP, on both backends.

use bridgehub_testkit::backend_tests;
use serde_json::{Value, json};

use super::{TestApp, read_json};

const PASSWORD: &str = "correct horse battery";

/// A signed-in user: the bearer token, the CSRF token and the organization made at sign-up.
struct Session {
    token: String,
    csrf: String,
    org: String,
}

enum Auth<'a> {
    None,
    Bearer(&'a str),
    /// The session cookie, with the CSRF header when given.
    Cookie(&'a str, Option<&'a str>),
}

fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    auth: Auth<'_>,
    body: Option<&Value>,
) -> (u16, Value, Option<String>) {
    let url = app.url(path);
    let mut builder = ureq::http::Request::builder().method(method).uri(&url);
    match auth {
        Auth::None => {}
        Auth::Bearer(token) => builder = builder.header("Authorization", format!("Bearer {token}")),
        Auth::Cookie(token, csrf) => {
            builder = builder.header("Cookie", format!("__Host-bridgehub-session={token}"));
            if let Some(csrf) = csrf {
                builder = builder.header("X-CSRF-Token", csrf);
            }
        }
    }
    let result = match body {
        Some(body) => {
            let request = builder
                .header("content-type", "application/json")
                .body(body.to_string())
                .expect("request");
            app.agent.run(request)
        }
        None => app.agent.run(builder.body(()).expect("request")),
    };
    let mut response = result.expect("HTTP request");
    let status = response.status().as_u16();
    let cookie = response
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, read_json(&mut response), cookie)
}

fn sign_up(app: &TestApp, email: &str, org_name: &str) {
    let body = json!({
        "email": email, "password": PASSWORD, "display_name": org_name, "locale": "en",
        "organization": {
            "name": org_name, "kind": "enterprise", "country": "VN", "sectors": ["logistics"], "languages": ["en"],
            "contact_email": format!("{}@contact.example", org_name.to_lowercase().replace(' ', "-")),
            "contact_phone": "+84 28 3822 0000",
        }
    });
    let (status, user, _) = send(app, "POST", "/api/v1/users", Auth::None, Some(&body));
    assert_eq!(status, 201, "{user}");
    assert!(user.get("password_hash").is_none());
}

fn log_in(app: &TestApp, email: &str) -> Session {
    let (status, body, cookie) = send(
        app,
        "POST",
        "/api/v1/session",
        Auth::None,
        Some(&json!({"email": email, "password": PASSWORD})),
    );
    assert_eq!(status, 200, "{body}");
    let cookie = cookie.expect("Set-Cookie");
    let token = body["token"].as_str().expect("token").to_owned();
    assert!(
        cookie.starts_with(&format!("__Host-bridgehub-session={token};")),
        "{cookie}"
    );
    for attribute in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    Session {
        token,
        csrf: body["csrf_token"].as_str().expect("csrf").to_owned(),
        org: body["user"]["organizations"][0]
            .as_str()
            .expect("organization")
            .to_owned(),
    }
}

fn signed_up(app: &TestApp, email: &str, org_name: &str) -> Session {
    sign_up(app, email, org_name);
    log_in(app, email)
}

fn contact(app: &TestApp, who: &Session, org: &str) -> (u16, Value) {
    let (status, body, _) = send(
        app,
        "GET",
        &format!("/api/v1/organizations/{org}/contact"),
        Auth::Bearer(&who.token),
        None,
    );
    (status, body)
}

backend_tests! {
    fn an_accepted_introduction_shares_contacts_until_withdrawn(db) {
        let app = TestApp::spawn(&db);
        let ana = signed_up(&app, "ana@example.org", "Saigon Cold");
        let bo = signed_up(&app, "bo@example.org", "Kunming Fruit");
        let cy = signed_up(&app, "cy@example.org", "Third Party");

        // Not connected yet: 403, and the public profile never carries the contact.
        let (status, body) = contact(&app, &ana, &bo.org);
        assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")));
        let (_, profile) = app.get(&format!("/api/v1/organizations/{}", bo.org));
        assert!(!profile.to_string().contains("kunming-fruit@contact.example"));
        // Members see their own organization's contact.
        assert_eq!(contact(&app, &bo, &bo.org).0, 200);

        let ask = json!({"to_org": bo.org, "message": "We ship durian to Kunming"});
        let (status, sent, _) = send(&app, "POST", "/api/v1/introductions", Auth::Bearer(&ana.token), Some(&ask));
        assert_eq!(status, 201, "{sent}");
        assert_eq!((sent["direction"].as_str(), sent["status"].as_str()), (Some("outgoing"), Some("requested")));
        let id = sent["id"].as_str().unwrap().to_owned();
        let (status, again, _) = send(&app, "POST", "/api/v1/introductions", Auth::Bearer(&ana.token), Some(&ask));
        assert_eq!((status, again["error"]["code"].as_str()), (409, Some("invalid_state")));

        let (_, inbox, _) = send(&app, "GET", "/api/v1/introductions", Auth::Bearer(&bo.token), None);
        assert_eq!(inbox[0]["direction"], "incoming");
        assert_eq!(inbox[0]["counterpart_contact"], Value::Null);
        // The asking side cannot accept its own request; an outsider cannot see it.
        let accept = format!("/api/v1/introductions/{id}/accept");
        assert_eq!(send(&app, "POST", &accept, Auth::Bearer(&ana.token), None).0, 403);
        assert_eq!(send(&app, "POST", &accept, Auth::Bearer(&cy.token), None).0, 404);

        let (status, accepted, _) = send(&app, "POST", &accept, Auth::Bearer(&bo.token), None);
        assert_eq!(status, 200, "{accepted}");
        assert_eq!(accepted["status"], "accepted");
        assert_eq!(accepted["counterpart_contact"]["email"], "saigon-cold@contact.example");
        let (status, shared) = contact(&app, &ana, &bo.org);
        assert_eq!(status, 200, "{shared}");
        assert_eq!(shared["email"], "kunming-fruit@contact.example");
        assert_eq!(contact(&app, &bo, &ana.org).1["email"], "saigon-cold@contact.example");
        let (_, outbox, _) = send(&app, "GET", "/api/v1/introductions", Auth::Bearer(&ana.token), None);
        assert_eq!(outbox[0]["counterpart_contact"]["email"], "kunming-fruit@contact.example");
        // A third, unconnected user still gets 403.
        assert_eq!(contact(&app, &cy, &ana.org).0, 403);
        assert_eq!(contact(&app, &cy, &bo.org).0, 403);
        // The introduction became a tie.
        let (_, ties) = app.get(&format!("/api/v1/ties?party={}", ana.org));
        assert!(ties.to_string().contains(&id), "{ties}");

        // Withdrawing hides the contacts again, for both sides.
        let (status, withdrawn, _) =
            send(&app, "POST", &format!("/api/v1/introductions/{id}/withdraw"), Auth::Bearer(&ana.token), None);
        assert_eq!((status, withdrawn["status"].as_str()), (200, Some("withdrawn")));
        assert_eq!(contact(&app, &ana, &bo.org).0, 403);
        assert_eq!(contact(&app, &bo, &ana.org).0, 403);
        let (_, inbox, _) = send(&app, "GET", "/api/v1/introductions", Auth::Bearer(&bo.token), None);
        assert_eq!(inbox[0]["counterpart_contact"], Value::Null);
        assert!(!inbox.to_string().contains("@contact.example"));
    }

    fn cookie_requests_need_the_csrf_token_and_bearer_requests_do_not(db) {
        let app = TestApp::spawn(&db);
        let ana = signed_up(&app, "ana@example.org", "Saigon Cold");
        let bo = signed_up(&app, "bo@example.org", "Kunming Fruit");
        let ask = json!({"to_org": bo.org, "message": "Hello"});
        // Safe requests with the cookie need no token.
        let (status, me, _) = send(&app, "GET", "/api/v1/me", Auth::Cookie(&ana.token, None), None);
        assert_eq!((status, me["csrf_token"].as_str()), (200, Some(ana.csrf.as_str())));
        // Unsafe ones without it, or with a wrong one, are refused and change nothing.
        for csrf in [None, Some("wrong-token")] {
            let (status, body, _) = send(&app, "POST", "/api/v1/introductions", Auth::Cookie(&ana.token, csrf), Some(&ask));
            assert_eq!((status, body["error"]["code"].as_str()), (403, Some("forbidden")), "{body}");
        }
        // Another session's token does not fit this session.
        let (status, _, _) = send(&app, "POST", "/api/v1/introductions", Auth::Cookie(&ana.token, Some(&bo.csrf)), Some(&ask));
        assert_eq!(status, 403);
        let (_, inbox, _) = send(&app, "GET", "/api/v1/introductions", Auth::Bearer(&bo.token), None);
        assert_eq!(inbox, json!([]));
        let (status, _, _) = send(&app, "POST", "/api/v1/introductions", Auth::Cookie(&ana.token, Some(&ana.csrf)), Some(&ask));
        assert_eq!(status, 201);
        // Logging out by cookie needs it too.
        assert_eq!(send(&app, "DELETE", "/api/v1/session", Auth::Cookie(&ana.token, None), None).0, 403);
        assert_eq!(send(&app, "GET", "/api/v1/me", Auth::Bearer(&ana.token), None).0, 200);
    }

    fn logout_makes_the_token_useless(db) {
        let app = TestApp::spawn(&db);
        let ana = signed_up(&app, "ana@example.org", "Saigon Cold");
        let (status, body, _) = send(&app, "GET", "/api/v1/introductions", Auth::None, None);
        assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")));
        let (status, _, cookie) = send(&app, "DELETE", "/api/v1/session", Auth::Cookie(&ana.token, Some(&ana.csrf)), None);
        assert_eq!(status, 204);
        assert!(cookie.unwrap_or_default().contains("Max-Age=0"));
        for auth in [Auth::Bearer(&ana.token), Auth::Cookie(&ana.token, Some(&ana.csrf))] {
            let (status, body, _) = send(&app, "GET", "/api/v1/me", auth, None);
            assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")));
        }
        // Logging in again gives a different token.
        let again = log_in(&app, "ana@example.org");
        assert_ne!(again.token, ana.token);
    }

    fn repeated_failed_logins_get_429(db) {
        let app = TestApp::spawn(&db);
        sign_up(&app, "ana@example.org", "Saigon Cold");
        let wrong = json!({"email": "ana@example.org", "password": "not the password"});
        for _ in 0..10 {
            let (status, body, _) = send(&app, "POST", "/api/v1/session", Auth::None, Some(&wrong));
            assert_eq!((status, body["error"]["code"].as_str()), (401, Some("unauthenticated")));
        }
        let right = json!({"email": "ana@example.org", "password": PASSWORD});
        let mut response = app.agent.post(&app.url("/api/v1/session")).send_json(&right).expect("POST");
        let retry_after: u64 = response.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
        // Until 10 failures weigh at most 9 in the sliding 15-minute window: at most the
        // rest of the current fixed window (≤ 900 s) and a tenth of a window (90 s) more;
        // less when the failures straddled a window boundary.
        assert!((1..=990).contains(&retry_after), "{retry_after}");
        let body = read_json(&mut response);
        assert_eq!((response.status().as_u16(), body["error"]["code"].as_str()), (429, Some("rate_limited")), "{body}");
    }

    fn sign_up_errors_name_the_field_and_users_can_export_and_delete(db) {
        let app = TestApp::spawn(&db);
        let bad = json!({"email": "ana@example.org", "password": "short", "display_name": "Ana"});
        let (status, body, _) = send(&app, "POST", "/api/v1/users", Auth::None, Some(&bad));
        assert_eq!((status, body["error"]["field"].as_str()), (422, Some("password")), "{body}");
        let ana = signed_up(&app, "ana@example.org", "Saigon Cold");
        let (status, data, _) = send(&app, "GET", "/api/v1/me/export", Auth::Bearer(&ana.token), None);
        assert_eq!(status, 200);
        assert_eq!(data["account"]["email"], "ana@example.org");
        assert!(!data.to_string().contains("argon2"));
        let wrong = json!({"password": "not the password"});
        assert_eq!(send(&app, "DELETE", "/api/v1/me", Auth::Bearer(&ana.token), Some(&wrong)).0, 422);
        let right = json!({"password": PASSWORD});
        assert_eq!(send(&app, "DELETE", "/api/v1/me", Auth::Bearer(&ana.token), Some(&right)).0, 204);
        assert_eq!(send(&app, "GET", "/api/v1/me", Auth::Bearer(&ana.token), None).0, 401);
        let (status, _, _) =
            send(&app, "POST", "/api/v1/session", Auth::None, Some(&json!({"email": "ana@example.org", "password": PASSWORD})));
        assert_eq!(status, 401);
    }

    fn the_account_routes_are_described_in_openapi(db) {
        let app = TestApp::spawn(&db);
        let (_, doc) = app.get("/api/openapi.json");
        for path in [
            "/api/v1/session", "/api/v1/users", "/api/v1/me", "/api/v1/me/export", "/api/v1/introductions",
            "/api/v1/introductions/{id}/accept", "/api/v1/introductions/{id}/decline",
            "/api/v1/introductions/{id}/withdraw", "/api/v1/organizations/{id}/contact",
        ] {
            assert!(doc["paths"].get(path).is_some(), "{path} missing");
        }
    }
}
