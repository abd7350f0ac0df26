//! Account, session, rate-limit and introduction use cases (issue #5).
//!
//! - Passwords: Argon2id PHC strings (`argon2` crate, its default parameters). Unknown
//!   e-mail addresses are checked against a dummy hash, so a failed login costs the same
//!   whether or not the account exists.
//! - Sessions: a random 32-byte token goes to the client; the store keeps only its
//!   SHA-256. Every login makes a new session (rotation); logout deletes it. A session
//!   ends after [`AccountPolicy::session_idle_secs`] without requests or
//!   [`AccountPolicy::session_absolute_secs`] after login, whichever comes first.
//! - Rate limits: fixed-window counters in the database, so every node shares them.
//! - Introductions (double opt-in): a member of one organization asks; a member of the
//!   other accepts or declines. Acceptance stores one consent record per side and a tie
//!   (kind `introduced`) in one transaction; either side can withdraw, which revokes the
//!   consents. Contacts are shown only under a live consent (or to members and admins).

use std::sync::LazyLock;

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use bridgehub_domain::{text, Contact, EntityId, FieldError, LangTag, Problem, Tie, TieKind};
use bridgehub_store::{IntroductionRecord, NewUser, StoreError, Transition, UserRecord};
use serde::Serialize;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::{Actor, AppError, AppResult, Hub};

/// Session lifetimes and login limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AccountPolicy {
    /// A session ends after this long without a request (default 30 min).
    pub session_idle_secs: u64,
    /// A session ends this long after login whatever happens (default 12 h).
    pub session_absolute_secs: u64,
    /// Failed logins allowed per e-mail address per window (default 10).
    pub login_attempts_per_email: u32,
    /// Failed logins allowed per client (address) per window (default 30).
    pub login_attempts_per_client: u32,
    /// The login-limit window (default 15 min).
    pub login_window_secs: u64,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        AccountPolicy {
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 3600,
            login_attempts_per_email: 10,
            login_attempts_per_client: 30,
            login_window_secs: 15 * 60,
        }
    }
}

/// Shortest password accepted, in characters.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// How long rate-limit counters are kept at least (see [`Hub::sweep_expired`]).
const COUNTERS_KEPT_SECS: u64 = 24 * 3600;
const MAX_PASSWORD_CHARS: usize = 1_024;
const MAX_DISPLAY_NAME_CHARS: usize = 100;
const MAX_MESSAGE_CHARS: usize = 2_000;
const TOTP_ISSUER: &str = "Bridgehub";

/// A sign-up form.
#[derive(Debug, Clone, Default)]
pub struct SignUp {
    /// E-mail address (the login; stored lower-cased).
    pub email: String,
    /// At least 12 characters.
    pub password: String,
    /// Name shown to others.
    pub display_name: String,
    /// UI locale (`en`, `zh-Hans`, `zh-Hant`, ...); empty means `en`.
    pub locale: String,
    /// An organization to create, with the new user as its owner.
    pub organization: Option<NewOrganization>,
}

/// The organization made at sign-up (checked like any organization in the exchange format).
#[derive(Debug, Clone, Default)]
pub struct NewOrganization {
    /// Name in its own language.
    pub name: String,
    /// Organization kind code (`enterprise`, `university`, ...).
    pub kind: String,
    /// ISO 3166 alpha-2 country code.
    pub country: String,
    /// Sector codes.
    pub sectors: Vec<String>,
    /// Language tags.
    pub languages: Vec<String>,
    /// Private contact e-mail (shown only to connected organizations).
    pub contact_email: Option<String>,
    /// Private contact telephone.
    pub contact_phone: Option<String>,
    /// What it does.
    pub description: Option<String>,
}

/// The signed-in user as transports see it. Carries no secret but the CSRF token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionUser {
    /// User id.
    pub user_id: String,
    /// E-mail address.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// UI locale.
    pub locale: String,
    /// Hub administrator.
    pub is_admin: bool,
    /// Organizations the user is a member of.
    pub organizations: Vec<String>,
    /// The session's CSRF token: unsafe requests authenticated by cookie must carry it.
    pub csrf_token: String,
}

impl SessionUser {
    /// Who is acting, for use cases.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id.clone(),
            organizations: self.organizations.clone(),
            is_admin: self.is_admin,
        }
    }
}

/// A successful login: the session token (give it to the client once; it is not
/// stored) and the session's user.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// The session token.
    pub token: String,
    /// Who signed in.
    pub session: SessionUser,
}

/// A TOTP second factor being set up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TotpSetup {
    /// The shared secret, base32.
    pub secret: String,
    /// `otpauth://totp/...` for authenticator apps (as a link or a QR code).
    pub otpauth_url: String,
}

/// An account as administrators see it (no hash, no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserSummary {
    /// User id.
    pub id: String,
    /// E-mail address.
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// UI locale.
    pub locale: String,
    /// Hub administrator.
    pub is_admin: bool,
    /// Whether a TOTP second factor is on.
    pub totp_enabled: bool,
    /// When the account was made.
    pub created_at: String,
    /// Organizations the user is a member of.
    pub organizations: Vec<String>,
}

/// An introduction request.
#[derive(Debug, Clone, Default)]
pub struct IntroductionRequest {
    /// The asking organization (the actor must act for it).
    pub from_org: String,
    /// The organization asked.
    pub to_org: String,
    /// The counterpart's listing it is about (must belong to `to_org`).
    pub about_listing: Option<String>,
    /// The asker's own listing it is for (must belong to `from_org`).
    pub for_listing: Option<String>,
    /// A note to the other side.
    pub message: String,
}

/// Where an introduction stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntroductionStatus {
    /// Waiting for the other side.
    Requested,
    /// Both sides consented; contacts are shown.
    Accepted,
    /// The other side said no.
    Declined,
    /// One side withdrew (consent revoked).
    Withdrawn,
}

impl IntroductionStatus {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            IntroductionStatus::Requested => "requested",
            IntroductionStatus::Accepted => "accepted",
            IntroductionStatus::Declined => "declined",
            IntroductionStatus::Withdrawn => "withdrawn",
        }
    }

    fn parse(code: &str) -> AppResult<Self> {
        Ok(match code {
            "requested" => IntroductionStatus::Requested,
            "accepted" => IntroductionStatus::Accepted,
            "declined" => IntroductionStatus::Declined,
            "withdrawn" => IntroductionStatus::Withdrawn,
            other => {
                return Err(AppError::Store(StoreError::Decode(format!(
                    "unknown introduction status {other:?}"
                ))));
            }
        })
    }
}

/// Whether the viewer asked or was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IntroDirection {
    /// Another organization asked one of the viewer's.
    Incoming,
    /// One of the viewer's organizations asked.
    Outgoing,
}

/// An introduction as one side sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct IntroductionView {
    /// `int-…`.
    pub id: String,
    /// Incoming or outgoing, for the viewer.
    pub direction: IntroDirection,
    /// Where it stands.
    pub status: IntroductionStatus,
    /// The asking organization.
    pub from_org: String,
    /// Its name.
    pub from_org_name: String,
    /// The organization asked.
    pub to_org: String,
    /// Its name.
    pub to_org_name: String,
    /// The listing it is about.
    pub about_listing: Option<String>,
    /// The asker's listing it is for.
    pub for_listing: Option<String>,
    /// The asker's note.
    pub message: String,
    /// When it was asked.
    pub created_at: String,
    /// When it was answered or withdrawn.
    pub responded_at: Option<String>,
    /// The other side's organization contact: only while accepted (and not withdrawn).
    pub counterpart_contact: Option<Contact>,
}

/// `bytes` random bytes from the operating system, as hex (tokens, secrets).
pub fn random_hex(bytes: usize) -> AppResult<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| AppError::Io(format!("no randomness available: {e}")))?;
    Ok(hex(&buf))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
            let _ = write!(out, "{b:02x}");
            out
        })
}

/// Hex SHA-256 of a session token: what the store keeps.
fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

fn random_id(prefix: &str) -> AppResult<String> {
    let mut buf = [0u8; 8];
    getrandom::fill(&mut buf).map_err(|e| AppError::Io(format!("no randomness available: {e}")))?;
    Ok(EntityId::generated(prefix, u64::from_le_bytes(buf)).to_string())
}

fn hash_password(password: &str) -> AppResult<String> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| AppError::Io(format!("password hashing failed: {e}")))
}

/// Checks a password against a PHC string; false on any mismatch or unreadable hash.
fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Verified against when the e-mail address is unknown, so that the answer takes as long.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("not a real password; only for timing").unwrap_or_default());

fn field(name: &str, problem: impl Into<Problem>) -> FieldError {
    problem.into().at(name)
}

/// "must be at most {max} characters long".
fn too_long(max: usize) -> Problem {
    Problem::coded("too-long", &[("max", &max.to_string())], format!("must be at most {max} characters long"))
}

/// Lower-cases and checks an e-mail address.
fn normalise_email(email: &str) -> Result<String, FieldError> {
    let email = email.trim().to_lowercase();
    let bad = || field("email", Problem::coded("email-shape", &[], "is not an e-mail address (name@example.org)"));
    if email.is_empty() {
        return Err(field("email", text::missing()));
    }
    if email.chars().count() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
    {
        return Err(bad());
    }
    Ok(email)
}

fn check_password(password: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        Err(field(
            "password",
            Problem::coded(
                "too-short",
                &[("min", &MIN_PASSWORD_CHARS.to_string())],
                format!("must be at least {MIN_PASSWORD_CHARS} characters long"),
            ),
        ))
    } else if n > MAX_PASSWORD_CHARS {
        Err(field("password", too_long(MAX_PASSWORD_CHARS)))
    } else {
        Ok(())
    }
}

fn organization_body(org: &NewOrganization) -> Map<String, Value> {
    let mut map = Map::new();
    map.insert("name".into(), json!(org.name.trim()));
    map.insert("kind".into(), json!(org.kind.trim()));
    map.insert("country".into(), json!(org.country.trim()));
    map.insert("sectors".into(), json!(org.sectors));
    map.insert("languages".into(), json!(org.languages));
    if let Some(d) = org
        .description
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
    {
        map.insert("description".into(), json!(d));
    }
    let email = org
        .contact_email
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let phone = org
        .contact_phone
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    if email.is_some() || phone.is_some() {
        map.insert("contact".into(), json!({"email": email, "phone": phone}));
    }
    map
}

fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn totp_for(secret_b32: &str) -> AppResult<totp_rs::Totp> {
    let secret = totp_rs::Secret::try_from_base32(secret_b32).map_err(|_| {
        AppError::Store(StoreError::Decode(
            "stored TOTP secret is not base32".into(),
        ))
    })?;
    totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .map_err(|e| {
            AppError::Store(StoreError::Decode(format!(
                "stored TOTP secret is unusable: {e}"
            )))
        })
}

/// The time step a current code belongs to, if it is one.
fn totp_step(secret_b32: &str, code: &str) -> AppResult<Option<u64>> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    Ok(totp_for(secret_b32)?.check_current(&code))
}

#[cfg(test)]
fn totp_ok(secret_b32: &str, code: &str) -> AppResult<bool> {
    Ok(totp_step(secret_b32, code)?.is_some())
}

fn forbidden(why: &str) -> AppError {
    AppError::Forbidden(why.to_owned())
}

fn intro_not_found(id: &str) -> AppError {
    AppError::NotFound {
        kind: "introduction",
        id: id.to_owned(),
    }
}

fn transition_result(id: &str, outcome: Transition, verb: &str) -> AppResult<IntroductionRecord> {
    match outcome {
        Transition::Done(record) => Ok(record),
        Transition::NotFound => Err(intro_not_found(id)),
        Transition::WrongState(record) => Err(AppError::InvalidState(format!(
            "introduction {id} is {}; it cannot be {verb}",
            record.status
        ))),
    }
}

impl Hub {
    /// The same hub with other session lifetimes and login limits.
    pub fn with_account_policy(mut self, policy: AccountPolicy) -> Hub {
        self.policy = policy;
        self
    }

    /// Session lifetimes and login limits in force.
    pub fn account_policy(&self) -> AccountPolicy {
        self.policy
    }

    /// Creates an account, and with it an organization the user owns, in one transaction
    /// (the organization enters the change log like any other). Every problem names its
    /// field (`email`, `password`, `display_name`, `locale`, `organization.<field>`).
    pub fn sign_up(&self, form: &SignUp) -> AppResult<SessionUser> {
        let mut problems = Vec::new();
        let email = normalise_email(&form.email)
            .map_err(|e| problems.push(e))
            .ok();
        if let Err(e) = check_password(&form.password) {
            problems.push(e);
        }
        let display_name = form.display_name.trim();
        if display_name.is_empty() {
            problems.push(field("display_name", text::missing()));
        } else if display_name.chars().count() > MAX_DISPLAY_NAME_CHARS {
            problems.push(field("display_name", too_long(MAX_DISPLAY_NAME_CHARS)));
        }
        let locale = match form.locale.trim() {
            "" => Some("en".to_owned()),
            text => LangTag::parse(text)
                .map(|t| t.to_string())
                .map_err(|p| problems.push(field("locale", p)))
                .ok(),
        };
        let organization = match &form.organization {
            None => None,
            Some(org) => {
                let id = EntityId::parse(&random_id("org")?).map_err(|e| AppError::Io(e.to_string()))?;
                match bridgehub_exchange::parse::organization(&organization_body(org), Some(&id)) {
                    Ok((org, _)) => Some(org),
                    Err(found) => {
                        problems.extend(
                            found
                                .0
                                .into_iter()
                                .map(|e| FieldError { field: format!("organization.{}", e.field), ..e }),
                        );
                        None
                    }
                }
            }
        };
        let (Some(email), Some(locale), true) = (email, locale, problems.is_empty()) else {
            return Err(AppError::Validation(problems));
        };
        let user = UserRecord {
            id: random_id("usr")?,
            email,
            display_name: display_name.to_owned(),
            password_hash: hash_password(&form.password)?,
            locale,
            is_admin: false,
            totp_secret: None,
            totp_enabled: false,
            created_at: String::new(),
        };
        let stored = match self.store.create_user(&NewUser { user, organization }) {
            Err(StoreError::IdTaken { kind: "email", .. }) => {
                return Err(AppError::Validation(vec![field(
                    "email",
                    Problem::coded("email-registered", &[], "is already registered; log in instead"),
                )]));
            }
            other => other?,
        };
        tracing::info!("account created");
        self.session_user(&stored, String::new())
    }

    fn session_user(&self, user: &UserRecord, csrf_token: String) -> AppResult<SessionUser> {
        let organizations = self
            .store
            .memberships(&user.id)?
            .into_iter()
            .map(|m| m.organization_id)
            .collect();
        Ok(SessionUser {
            user_id: user.id.clone(),
            email: user.email.clone(),
            display_name: user.display_name.clone(),
            locale: user.locale.clone(),
            is_admin: user.is_admin,
            organizations,
            csrf_token,
        })
    }

    /// Checks the password (and the TOTP code when the account has a second factor) and
    /// starts a new session. Failed attempts are counted per e-mail address and per
    /// `client_key` (e.g. the client's address) in the database, shared by all nodes;
    /// past the limit every attempt fails with [`AppError::RateLimited`], even a right one.
    /// A wrong e-mail or password is [`AppError::Unauthenticated`]; a missing TOTP code
    /// is a validation error on `totp_code`.
    pub fn log_in(
        &self,
        email: &str,
        password: &str,
        totp_code: Option<&str>,
        client_key: &str,
    ) -> AppResult<LoggedIn> {
        let policy = self.policy;
        let email = email.trim().to_lowercase();
        let email_key = format!("login:email:{}", token_hash(&email));
        let client_key = format!("login:client:{client_key}");
        // Every key over its limit is waited for: the retry must pass them all.
        let mut wait: Option<u64> = None;
        for (key, limit) in [
            (&email_key, policy.login_attempts_per_email),
            (&client_key, policy.login_attempts_per_client),
        ] {
            let window = self.store.rate_limit_peek(key, policy.login_window_secs)?;
            if window.count >= limit {
                let secs = window.secs_until_at_most(limit.saturating_sub(1));
                wait = Some(wait.map_or(secs, |w| w.max(secs)));
            }
        }
        if let Some(retry_after_secs) = wait {
            tracing::warn!("login rate limit reached");
            return Err(AppError::RateLimited { retry_after_secs });
        }
        let fail = || -> AppResult<AppError> {
            self.store
                .rate_limit_hit(&email_key, policy.login_window_secs)?;
            self.store
                .rate_limit_hit(&client_key, policy.login_window_secs)?;
            Ok(AppError::Unauthenticated)
        };
        let user = self.store.user_by_email(&email)?;
        let Some(user) = user else {
            verify_password(password, &DUMMY_HASH);
            return Err(fail()?);
        };
        if !verify_password(password, &user.password_hash) {
            return Err(fail()?);
        }
        if user.totp_enabled
            && let Some(secret) = &user.totp_secret
        {
            match totp_code.map(str::trim).filter(|c| !c.is_empty()) {
                None => {
                    return Err(AppError::Validation(vec![field(
                        "totp_code",
                        Problem::coded(
                            "second-factor-needed",
                            &[],
                            "this account has a second factor; enter the code from your authenticator app",
                        ),
                    )]));
                }
                Some(code) if !self.totp_fresh(&user.id, secret, code)? => return Err(fail()?),
                Some(_) => {}
            }
        }
        let token = random_hex(32)?;
        let csrf = random_hex(32)?;
        let session = self.store.create_session(
            &token_hash(&token),
            &user.id,
            &csrf,
            policy.session_absolute_secs,
        )?;
        tracing::info!("session started");
        Ok(LoggedIn {
            token,
            session: self.session_user(&user, session.csrf_token)?,
        })
    }

    /// The live session of `token`, or `None` when it is unknown, ended, idle for too long
    /// or past its absolute end (then it is deleted). Moves its last-seen time to now.
    pub fn session(&self, token: &str) -> AppResult<Option<SessionUser>> {
        if token.is_empty() || token.len() > 256 {
            return Ok(None);
        }
        let Some(session) = self
            .store
            .touch_session(&token_hash(token), self.policy.session_idle_secs)?
        else {
            return Ok(None);
        };
        let Some(user) = self.store.user(&session.user_id)? else {
            return Ok(None);
        };
        Ok(Some(self.session_user(&user, session.csrf_token)?))
    }

    /// Ends the session of `token`: the token never works again. Unknown tokens are fine.
    pub fn log_out(&self, token: &str) -> AppResult<()> {
        self.store.delete_session(&token_hash(token))?;
        Ok(())
    }

    /// Housekeeping, run by `serve` every few minutes on every node: deletes sessions past
    /// their absolute end or idle past the policy's limit (they could never be used again),
    /// and rate-limit counters of windows that started more than a day ago, or twice the
    /// login window when that is longer (a sliding window reads the current and the
    /// previous fixed window only, so none of them is still read).
    pub fn sweep_expired(&self) -> AppResult<bridgehub_store::Swept> {
        let counters_secs = COUNTERS_KEPT_SECS.max(self.policy.login_window_secs.saturating_mul(2));
        let swept = self.store.sweep_expired(self.policy.session_idle_secs, counters_secs)?;
        if swept != bridgehub_store::Swept::default() {
            tracing::info!(sessions = swept.sessions, counters = swept.counters, "expired sessions and rate-limit counters removed");
        }
        Ok(swept)
    }

    /// Counts one request on `key` (e.g. `directory:<client>`) and fails with
    /// [`AppError::RateLimited`] once more than `limit` were made in the last `window_secs`
    /// (a sliding window, estimated from two fixed-window counters: see
    /// [`bridgehub_store::RateWindow`]). Counters live in the database, shared by every node;
    /// [`Hub::sweep_expired`] removes those older than a day, so a window may be at most 12
    /// hours long.
    pub fn rate_limit(&self, key: &str, limit: u32, window_secs: u64) -> AppResult<()> {
        let window = self.store.rate_limit_hit(key, window_secs)?;
        if window.count > limit {
            return Err(AppError::RateLimited {
                retry_after_secs: window.secs_until_at_most(limit.saturating_sub(1)),
            });
        }
        Ok(())
    }

    /// Whether `code` is current for `secret` and its time step was not used before
    /// (each code works once, RFC 6238 §5.2); records the step.
    fn totp_fresh(&self, user_id: &str, secret: &str, code: &str) -> AppResult<bool> {
        match totp_step(secret, code)? {
            Some(step) => Ok(self
                .store
                .use_totp_step(user_id, i64::try_from(step).unwrap_or(i64::MAX))?),
            None => Ok(false),
        }
    }

    fn user_of(&self, actor: &Actor) -> AppResult<UserRecord> {
        self.store
            .user(&actor.user_id)?
            .ok_or(AppError::Unauthenticated)
    }

    /// Starts setting up a TOTP second factor: a new secret, not required at login until
    /// [`Hub::confirm_totp`] succeeds.
    pub fn begin_totp(&self, actor: &Actor) -> AppResult<TotpSetup> {
        let user = self.user_of(actor)?;
        if user.totp_enabled {
            return Err(AppError::InvalidState(
                "a second factor is already on; turn it off first".into(),
            ));
        }
        let mut bytes = [0u8; 20];
        getrandom::fill(&mut bytes)
            .map_err(|e| AppError::Io(format!("no randomness available: {e}")))?;
        let secret = totp_rs::Secret::from(bytes.to_vec()).to_base32();
        self.store.set_totp(&user.id, Some(&secret), false)?;
        let label = percent_encode(&format!("{TOTP_ISSUER}:{}", user.email));
        let otpauth_url = format!(
            "otpauth://totp/{label}?secret={secret}&issuer={TOTP_ISSUER}&algorithm=SHA1&digits=6&period=30"
        );
        Ok(TotpSetup {
            secret,
            otpauth_url,
        })
    }

    /// Turns the second factor on once the user shows a current code for the new secret.
    pub fn confirm_totp(&self, actor: &Actor, code: &str) -> AppResult<()> {
        let user = self.user_of(actor)?;
        let Some(secret) = user.totp_secret.as_deref().filter(|_| !user.totp_enabled) else {
            return Err(AppError::InvalidState(
                "no second factor is being set up".into(),
            ));
        };
        if !self.totp_fresh(&user.id, secret, code)? {
            return Err(AppError::Validation(vec![field(
                "code",
                Problem::coded("not-current-code", &[], "is not the current code; check the device's clock"),
            )]));
        }
        self.store.set_totp(&user.id, Some(secret), true)?;
        Ok(())
    }

    /// Turns the second factor off; needs a current code (or the account's password).
    pub fn disable_totp(&self, actor: &Actor, code_or_password: &str) -> AppResult<()> {
        let user = self.user_of(actor)?;
        let by_code = match user.totp_secret.as_deref() {
            Some(secret) if user.totp_enabled => {
                self.totp_fresh(&user.id, secret, code_or_password)?
            }
            Some(_) => false,
            None => false,
        };
        if !by_code && !verify_password(code_or_password, &user.password_hash) {
            return Err(AppError::Validation(vec![field(
                "code",
                Problem::coded("neither-code-nor-password", &[], "is neither a current code nor the password"),
            )]));
        }
        self.store.set_totp(&user.id, None, false)?;
        Ok(())
    }

    fn org_name(&self, id: &str) -> AppResult<String> {
        Ok(self
            .store
            .organization(id)?
            .map(|o| o.record.name)
            .unwrap_or_else(|| id.to_owned()))
    }

    /// Asks `to_org` for an introduction on behalf of `from_org` (the actor must act for
    /// it). Refused towards the actor's own organizations and while another request
    /// between the two is open or accepted.
    pub fn request_introduction(
        &self,
        actor: &Actor,
        request: &IntroductionRequest,
    ) -> AppResult<IntroductionView> {
        let from = request.from_org.trim();
        let to = request.to_org.trim();
        if from.is_empty() {
            return Err(AppError::Validation(vec![field("from_org", text::missing())]));
        }
        if !actor.acts_for(from) {
            return Err(forbidden("you are not a member of the asking organization"));
        }
        if to.is_empty() {
            return Err(AppError::Validation(vec![field("to_org", text::missing())]));
        }
        if to == from || actor.organizations.iter().any(|o| o == to) {
            return Err(AppError::Validation(vec![field(
                "to_org",
                Problem::coded("own-organization", &[], "is one of your own organizations"),
            )]));
        }
        let message = request.message.trim();
        if message.chars().count() > MAX_MESSAGE_CHARS {
            return Err(AppError::Validation(vec![field("message", too_long(MAX_MESSAGE_CHARS))]));
        }
        if self.store.organization(to)?.is_none() {
            return Err(AppError::NotFound {
                kind: "organization",
                id: to.to_owned(),
            });
        }
        let clean = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let about = clean(&request.about_listing);
        let for_listing = clean(&request.for_listing);
        for (name, listing, owner) in [
            ("about_listing", &about, to),
            ("for_listing", &for_listing, from),
        ] {
            if let Some(id) = listing {
                match self.store.listing(id)? {
                    None => {
                        return Err(AppError::Validation(vec![field(
                            name,
                            Problem::coded("no-such-listing", &[("value", id)], format!("listing \"{id}\" does not exist")),
                        )]));
                    }
                    Some(l) if l.record.owner.as_str() != owner => {
                        return Err(AppError::Validation(vec![field(
                            name,
                            Problem::coded(
                                "listing-not-theirs",
                                &[("value", id), ("owner", owner)],
                                format!("listing \"{id}\" is not {owner}'s"),
                            ),
                        )]));
                    }
                    Some(_) => {}
                }
            }
        }
        let record = IntroductionRecord {
            id: random_id("int")?,
            requester_user: Some(actor.user_id.clone()),
            from_org: from.to_owned(),
            to_org: to.to_owned(),
            about_listing: about,
            for_listing,
            message: message.to_owned(),
            status: IntroductionStatus::Requested.code().into(),
            created_at: String::new(),
            responded_at: None,
            responder_user: None,
        };
        match self.store.insert_introduction(&record)? {
            Ok(stored) => self.intro_view(actor, stored),
            Err(open) => Err(AppError::InvalidState(format!(
                "an introduction between these organizations is already open ({open})"
            ))),
        }
    }

    fn intro_for_actor(&self, actor: &Actor, id: &str) -> AppResult<IntroductionRecord> {
        let record = self
            .store
            .introduction(id)?
            .ok_or_else(|| intro_not_found(id))?;
        if !actor.acts_for(&record.from_org) && !actor.acts_for(&record.to_org) {
            // Not one of the two sides: as if it did not exist.
            return Err(intro_not_found(id));
        }
        Ok(record)
    }

    /// Accepts (`accept = true`) or declines an introduction; the actor must act for the
    /// organization asked, and only a `requested` one can be answered. Acceptance stores,
    /// in one transaction, the new status, one `contact` consent per side and a tie of
    /// kind `introduced` (source `introduction`, evidence the introduction id, dated
    /// today) that enters the change log.
    pub fn respond_introduction(
        &self,
        actor: &Actor,
        id: &str,
        accept: bool,
    ) -> AppResult<IntroductionView> {
        let record = self.intro_for_actor(actor, id)?;
        if !actor.acts_for(&record.to_org) {
            return Err(forbidden(
                "only the organization asked can answer an introduction",
            ));
        }
        let outcome = if accept {
            let from = EntityId::parse(&record.from_org)
                .map_err(|p| AppError::Store(StoreError::Decode(p.to_string())))?;
            let to = EntityId::parse(&record.to_org)
                .map_err(|p| AppError::Store(StoreError::Decode(p.to_string())))?;
            let tie_id = EntityId::parse(&format!("tie-{}", record.id))
                .map_err(|p| AppError::Store(StoreError::Decode(p.to_string())))?;
            let tie = Tie {
                id: tie_id,
                from,
                to,
                kind: TieKind::Introduced,
                date: crate::today(),
                source: Some("introduction".into()),
                evidence: Some(record.id.clone()),
            };
            transition_result(
                id,
                self.store.accept_introduction(id, &actor.user_id, &tie)?,
                "accepted",
            )?
        } else {
            transition_result(
                id,
                self.store.decline_introduction(id, &actor.user_id)?,
                "declined",
            )?
        };
        tracing::info!(accepted = accept, "introduction answered");
        self.intro_view(actor, outcome)
    }

    /// Withdraws an introduction (either side): a request is cancelled, an accepted one
    /// loses its consents (`revoked_at` is set) and the contacts are hidden again. The tie
    /// stays: the two were introduced.
    pub fn withdraw_introduction(&self, actor: &Actor, id: &str) -> AppResult<IntroductionView> {
        self.intro_for_actor(actor, id)?;
        let record = transition_result(
            id,
            self.store.withdraw_introduction(id, &actor.user_id)?,
            "withdrawn",
        )?;
        self.intro_view(actor, record)
    }

    /// One introduction, for one of its two sides.
    pub fn introduction(&self, actor: &Actor, id: &str) -> AppResult<IntroductionView> {
        let record = self.intro_for_actor(actor, id)?;
        self.intro_view(actor, record)
    }

    /// Introductions to and from the actor's organizations, newest first.
    pub fn introductions_for(&self, actor: &Actor) -> AppResult<Vec<IntroductionView>> {
        if actor.organizations.is_empty() {
            return Ok(Vec::new());
        }
        self.store
            .introductions_for_orgs(&actor.organizations)?
            .into_iter()
            .map(|record| self.intro_view(actor, record))
            .collect()
    }

    fn intro_view(&self, actor: &Actor, r: IntroductionRecord) -> AppResult<IntroductionView> {
        let status = IntroductionStatus::parse(&r.status)?;
        let outgoing = actor.organizations.contains(&r.from_org)
            || (!actor.organizations.contains(&r.to_org) && actor.is_admin);
        let direction = if outgoing {
            IntroDirection::Outgoing
        } else {
            IntroDirection::Incoming
        };
        let counterpart = if outgoing { &r.to_org } else { &r.from_org };
        let counterpart_contact = if status == IntroductionStatus::Accepted {
            self.organization_contact(Some(actor), counterpart)?
        } else {
            None
        };
        Ok(IntroductionView {
            from_org_name: self.org_name(&r.from_org)?,
            to_org_name: self.org_name(&r.to_org)?,
            id: r.id,
            direction,
            status,
            from_org: r.from_org,
            to_org: r.to_org,
            about_listing: r.about_listing,
            for_listing: r.for_listing,
            message: r.message,
            created_at: r.created_at,
            responded_at: r.responded_at,
            counterpart_contact,
        })
    }

    /// An organization's private contact, for a viewer allowed to see it: a member of it,
    /// an administrator, or a member of an organization it consented to (through an
    /// accepted, unwithdrawn introduction). `None` for everyone else (and for no viewer).
    pub fn organization_contact(
        &self,
        viewer: Option<&Actor>,
        org_id: &str,
    ) -> AppResult<Option<Contact>> {
        let org = self
            .store
            .organization(org_id)?
            .ok_or_else(|| AppError::NotFound {
                kind: "organization",
                id: org_id.into(),
            })?;
        let Some(viewer) = viewer else {
            return Ok(None);
        };
        let allowed = viewer.acts_for(org_id)
            || (!viewer.organizations.is_empty()
                && self
                    .store
                    .contact_consented(org_id, &viewer.organizations)?);
        Ok(allowed.then_some(org.record.contact))
    }

    /// Everything the hub keeps about the actor, as JSON: the account (without password
    /// hash or TOTP secret), memberships, introductions of their organizations and
    /// consent records given by them or concerning their organizations.
    pub fn export_my_data(&self, actor: &Actor) -> AppResult<Value> {
        let user = self.user_of(actor)?;
        let memberships = self.store.memberships(&user.id)?;
        let orgs: Vec<String> = memberships
            .iter()
            .map(|m| m.organization_id.clone())
            .collect();
        let introductions = if orgs.is_empty() {
            Vec::new()
        } else {
            self.store.introductions_for_orgs(&orgs)?
        };
        let consents = self.store.consents_for(&user.id, &orgs)?;
        Ok(json!({
            "format": "bridgehub-personal-data/1",
            "exported_at": jiff::Timestamp::now().to_string(),
            "account": {
                "id": user.id, "email": user.email, "display_name": user.display_name, "locale": user.locale,
                "is_admin": user.is_admin, "totp_enabled": user.totp_enabled, "created_at": user.created_at,
            },
            "memberships": memberships.iter().map(|m| json!({
                "organization_id": m.organization_id, "role": m.role,
            })).collect::<Vec<_>>(),
            "introductions": introductions.iter().map(|i| json!({
                "id": i.id, "requested_by_me": i.requester_user.as_deref() == Some(user.id.as_str()),
                "from_org": i.from_org, "to_org": i.to_org, "about_listing": i.about_listing,
                "for_listing": i.for_listing, "message": i.message, "status": i.status,
                "created_at": i.created_at, "responded_at": i.responded_at,
                "answered_by_me": i.responder_user.as_deref() == Some(user.id.as_str()),
            })).collect::<Vec<_>>(),
            "consents": consents.iter().map(|c| json!({
                "id": c.id, "introduction_id": c.introduction_id,
                "given_by_me": c.user_id.as_deref() == Some(user.id.as_str()),
                "organization_id": c.organization_id, "granted_to_organization": c.granted_to_organization,
                "what": c.what, "granted_at": c.granted_at, "revoked_at": c.revoked_at,
            })).collect::<Vec<_>>(),
        }))
    }

    /// Deletes the actor's account after checking the password: sessions, memberships and
    /// the user record are removed. Consent records and introductions are kept, because
    /// the other organization relied on them, but their reference to the user is set to
    /// NULL (anonymised). Organizations the user made stay (they belong to the directory).
    pub fn delete_account(&self, actor: &Actor, password: &str) -> AppResult<()> {
        let user = self.user_of(actor)?;
        if !verify_password(password, &user.password_hash) {
            return Err(AppError::Validation(vec![field(
                "password",
                Problem::coded("wrong-password", &[], "is not this account's password"),
            )]));
        }
        self.store.delete_user(&user.id)?;
        tracing::info!("account deleted");
        Ok(())
    }

    fn require_admin(actor: &Actor) -> AppResult<()> {
        crate::actor::require_admin(actor, "only administrators may do this")
    }

    /// Every account (administrators only).
    pub fn list_users(&self, actor: &Actor) -> AppResult<Vec<UserSummary>> {
        Self::require_admin(actor)?;
        self.store
            .list_users()?
            .into_iter()
            .map(|u| {
                let organizations = self
                    .store
                    .memberships(&u.id)?
                    .into_iter()
                    .map(|m| m.organization_id)
                    .collect();
                Ok(UserSummary {
                    id: u.id,
                    email: u.email,
                    display_name: u.display_name,
                    locale: u.locale,
                    is_admin: u.is_admin,
                    totp_enabled: u.totp_enabled,
                    created_at: u.created_at,
                    organizations,
                })
            })
            .collect()
    }

    /// Makes a user an administrator or not (administrators only).
    pub fn set_admin(&self, actor: &Actor, user_id: &str, is_admin: bool) -> AppResult<()> {
        Self::require_admin(actor)?;
        if !self.store.set_admin(user_id, is_admin)? {
            return Err(AppError::NotFound {
                kind: "user",
                id: user_id.into(),
            });
        }
        Ok(())
    }

    /// Makes a user a member of an organization (administrators only).
    pub fn add_membership(&self, actor: &Actor, user_id: &str, org_id: &str) -> AppResult<()> {
        Self::require_admin(actor)?;
        match self.store.add_membership(user_id, org_id, "member") {
            Err(StoreError::MissingReference {
                kind: "user", id, ..
            }) => Err(AppError::NotFound { kind: "user", id }),
            Err(StoreError::MissingReference {
                kind: "organization",
                id,
                ..
            }) => Err(AppError::NotFound {
                kind: "organization",
                id,
            }),
            other => Ok(other?),
        }
    }

    /// The account with this e-mail address, for operators (the CLI); no secrets.
    pub fn find_user_by_email(&self, actor: &Actor, email: &str) -> AppResult<Option<UserSummary>> {
        Self::require_admin(actor)?;
        let email = email.trim().to_lowercase();
        Ok(self
            .list_users(actor)?
            .into_iter()
            .find(|u| u.email == email))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            normalise_email("  Ana@Example.ORG ").unwrap(),
            "ana@example.org"
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "a na@example.org",
            "a@b@c.org",
        ] {
            assert!(normalise_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_twelve_characters() {
        assert_eq!(check_password("short").unwrap_err().field, "password");
        assert!(check_password("correct horse battery").is_ok());
        // Characters, not bytes: twelve Chinese characters are enough.
        assert!(check_password("一二三四五六七八九十一二").is_ok());
    }

    #[test]
    fn password_hashes_are_argon2id_phc_strings_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterx", &hash));
        assert!(!verify_password("anything", "not a hash"));
    }

    #[test]
    fn token_hashes_are_sha256_hex() {
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let a = random_hex(32).unwrap();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_hex(32).unwrap());
    }

    #[test]
    fn totp_codes_from_the_secret_are_accepted() {
        let secret = totp_rs::Secret::from(vec![7u8; 20]).to_base32();
        let code = totp_for(&secret).unwrap().generate_current();
        assert!(totp_ok(&secret, &code.to_string()).unwrap());
        assert!(!totp_ok(&secret, "000000x").unwrap());
    }
}
