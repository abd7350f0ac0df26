//! API integration tests: the real server on 127.0.0.1:0 over a fresh database (every
//! test runs on SQLite and again on PostgreSQL), spoken to over real HTTP. One test
//! binary for the whole crate.

mod analytics;
mod api;
mod events;
mod introductions;
mod web;

use bridgehub_app::{Actor, Hub, NewOrganization, SignUp};
use bridgehub_http::BackgroundServer;
use bridgehub_testkit::TestDb;
use serde_json::{json, Value};
use ureq::Agent;

/// A running server with its own database, stopped when dropped. `get*` calls are
/// anonymous; `post`, `post_raw`, `put` and `delete` carry the bearer token of an
/// administrator made at start (the API refuses anonymous writes), `*_as` another one's.
pub struct TestApp {
    pub base: String,
    pub agent: Agent,
    pub hub: Hub,
    /// The administrator's bearer token.
    pub admin_token: String,
    /// Stops the server when the test app is dropped.
    _server: BackgroundServer,
}

impl TestApp {
    /// Starts a server over `db` and waits until it answers.
    pub fn spawn(db: &TestDb) -> TestApp {
        let hub = Hub::open(&db.url).expect("open hub");
        let server = BackgroundServer::start(hub.clone(), "127.0.0.1:0").expect("start the server");
        let agent: Agent = Agent::config_builder().http_status_as_error(false).build().into();
        let admin_token = administrator(&hub);
        TestApp { base: format!("http://{}", server.addr()), agent, hub, admin_token, _server: server }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> (u16, Value) {
        let mut response = self.agent.get(&self.url(path)).call().expect("GET");
        let status = response.status().as_u16();
        (status, read_json(&mut response))
    }

    pub fn get_text(&self, path: &str) -> (u16, String) {
        let mut response = self.agent.get(&self.url(path)).call().expect("GET");
        let status = response.status().as_u16();
        (status, response.body_mut().read_to_string().unwrap_or_default())
    }

    pub fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        self.post_as(Some(&self.admin_token), path, body)
    }

    /// POST with `token` as bearer, or anonymously.
    pub fn post_as(&self, token: Option<&str>, path: &str, body: &Value) -> (u16, Value) {
        let mut request = self.agent.post(&self.url(path));
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = request.send_json(body).expect("POST");
        let status = response.status().as_u16();
        (status, read_json(&mut response))
    }

    pub fn post_raw(&self, path: &str, body: &str) -> (u16, Value) {
        let mut response = self
            .agent
            .post(&self.url(path))
            .header("Authorization", &format!("Bearer {}", self.admin_token))
            .header("content-type", "application/json")
            .send(body)
            .expect("POST");
        let status = response.status().as_u16();
        (status, read_json(&mut response))
    }

    pub fn put(&self, path: &str, body: &Value, if_match: Option<i64>) -> (u16, Value) {
        let mut request = self.agent.put(&self.url(path)).header("Authorization", &format!("Bearer {}", self.admin_token));
        if let Some(version) = if_match {
            request = request.header("If-Match", &format!("\"{version}\""));
        }
        let mut response = request.send_json(body).expect("PUT");
        let status = response.status().as_u16();
        (status, read_json(&mut response))
    }

    pub fn delete(&self, path: &str) -> u16 {
        self.delete_as(Some(&self.admin_token), path)
    }

    /// DELETE with `token` as bearer, or anonymously.
    pub fn delete_as(&self, token: Option<&str>, path: &str) -> u16 {
        let mut request = self.agent.delete(&self.url(path));
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        request.call().expect("DELETE").status().as_u16()
    }
}

/// Makes an administrator account and returns a session token for it.
fn administrator(hub: &Hub) -> String {
    // One per server: several servers may share a database (multi-node tests).
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let form = SignUp {
        email: format!("admin-{n}@hub.example"),
        password: "correct horse battery staple".into(),
        display_name: "Hub administrator".into(),
        ..SignUp::default()
    };
    let user = hub.sign_up(&form).expect("sign up the administrator");
    hub.set_admin(&Actor::operator(), &user.user_id, true).expect("make them an administrator");
    hub.log_in(&form.email, &form.password, None, "test-setup").expect("log in the administrator").token
}

/// Signs up a user who is a member of a new organization `org` (as at sign-up) and
/// returns (their token, the organization's id).
pub fn member(app: &TestApp, email: &str, country: &str) -> (String, String) {
    let form = SignUp {
        email: email.into(),
        password: "correct horse battery staple".into(),
        display_name: email.into(),
        organization: Some(NewOrganization {
            name: format!("Org of {email}"),
            kind: "enterprise".into(),
            country: country.into(),
            ..NewOrganization::default()
        }),
        ..SignUp::default()
    };
    let user = app.hub.sign_up(&form).expect("sign up");
    let org = user.organizations.first().cloned().expect("the new organization");
    let token = app.hub.log_in(&form.email, &form.password, None, "test-setup").expect("log in").token;
    (token, org)
}

fn read_json(response: &mut ureq::http::Response<ureq::Body>) -> Value {
    let text = response.body_mut().read_to_string().unwrap_or_default();
    if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) }
}

/// An organization body in the exchange format.
pub fn org_body(id: &str, country: &str) -> Value {
    json!({
        "id": id, "name": format!("Org {id}"), "names": {"zh-Hans": "测试机构"}, "kind": "enterprise",
        "country": country, "city": "Ho Chi Minh City", "sectors": ["logistics", "agrifood"],
        "languages": ["vi", "en"], "description": "Cold storage and fruit transport",
        "website": "https://example.org", "contact": {"email": format!("{id}@secret.example"), "phone": "+84 28 3822 0000"}
    })
}

/// A listing body in the exchange format.
pub fn listing_body(id: &str, owner: &str) -> Value {
    json!({
        "id": id, "owner": owner, "direction": "offer", "category": "service",
        "title": "Kho lạnh và vận chuyển trái cây xuất khẩu sang Trung Quốc",
        "body": "Kho lạnh, vận chuyển sầu riêng", "language": "vi", "sectors": ["logistics"],
        "target_countries": ["CN"], "target_groups": [], "expires": null
    })
}
