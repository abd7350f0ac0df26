//! Accounts, sessions, rate-limit counters, introductions and consent records (issue #5;
//! also what several app nodes share, issue #8). Types and the [`AccountStore`] trait;
//! each backend implements it in its own `accounts` module.
//!
//! Timestamps are RFC 3339 UTC text in one fixed shape (`2026-01-02T03:04:05.000000Z`),
//! so they compare correctly as text on both backends. E-mail addresses are stored as
//! the caller gives them; the app lower-cases them first, and both schemas refuse two
//! addresses that differ only in case.

use bridgehub_domain::{Organization, Tie};

use crate::Result;

/// A stored user. `password_hash` and `totp_secret` never leave the app layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// `usr-…`.
    pub id: String,
    /// Lower-cased e-mail address (unique).
    pub email: String,
    /// Name shown to others.
    pub display_name: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// Preferred UI locale (`en`, `zh-Hans`, `zh-Hant`, ...).
    pub locale: String,
    /// Hub administrator.
    pub is_admin: bool,
    /// TOTP secret (base32), set once a second factor is being set up.
    pub totp_secret: Option<String>,
    /// Whether the TOTP second factor is confirmed and required at login.
    pub totp_enabled: bool,
    /// When the account was made.
    pub created_at: String,
}

/// A user's membership of an organization.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipRecord {
    /// The user.
    pub user_id: String,
    /// The organization.
    pub organization_id: String,
    /// `owner` (made it at sign-up) or `member`.
    pub role: String,
}

/// A login session. Only the SHA-256 of its token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    /// Hex SHA-256 of the session token.
    pub token_hash: String,
    /// The user.
    pub user_id: String,
    /// The session's CSRF token (sent back with unsafe requests).
    pub csrf_token: String,
    /// When it was made.
    pub created_at: String,
    /// Last request seen.
    pub last_seen_at: String,
    /// Absolute end.
    pub expires_at: String,
}

/// An introduction request (double opt-in) between two organizations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IntroductionRecord {
    /// `int-…`.
    pub id: String,
    /// Who asked (`None` once that account was deleted).
    pub requester_user: Option<String>,
    /// The asking organization.
    pub from_org: String,
    /// The organization asked.
    pub to_org: String,
    /// The counterpart's listing it is about, if any.
    pub about_listing: Option<String>,
    /// The asker's own listing it is for, if any.
    pub for_listing: Option<String>,
    /// The asker's message.
    pub message: String,
    /// `requested`, `accepted`, `declined` or `withdrawn`.
    pub status: String,
    /// When it was asked.
    pub created_at: String,
    /// When it was accepted, declined or withdrawn.
    pub responded_at: Option<String>,
    /// Who accepted, declined or withdrew it (`None` once that account was deleted).
    pub responder_user: Option<String>,
}

/// A consent record: `organization_id`'s contact may be shown to `granted_to_organization`,
/// given by `user_id` at `granted_at`, until `revoked_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// `cns-…`.
    pub id: String,
    /// The introduction it came from.
    pub introduction_id: String,
    /// Who consented (`None` once that account was deleted: the record is kept, anonymised).
    pub user_id: Option<String>,
    /// Whose contact.
    pub organization_id: String,
    /// To whom it may be shown.
    pub granted_to_organization: String,
    /// What: `contact`.
    pub what: String,
    /// When.
    pub granted_at: String,
    /// When it was withdrawn.
    pub revoked_at: Option<String>,
}

/// A new user, with the organization made at sign-up (if any).
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The user row (`created_at` is set by the store).
    pub user: UserRecord,
    /// An organization to create in the same transaction (it enters the change log);
    /// the user becomes its `owner`.
    pub organization: Option<Organization>,
}

/// What [`AccountStore::sweep_expired`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Swept {
    /// Sessions past their end.
    pub sessions: usize,
    /// Rate-limit counters of old windows.
    pub counters: usize,
}

/// Unix seconds `seconds` ago (the clock of the rate-limit windows).
pub(crate) fn unix_secs_before(seconds: u64) -> i64 {
    let seconds = i64::try_from(seconds).unwrap_or(i64::MAX / 2).min(100 * 365 * 86_400);
    jiff::Timestamp::now().as_second() - seconds
}

/// Counter state of one rate-limit window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateWindow {
    /// Hits in the sliding window that ends now (including this one for a hit): the
    /// current fixed window's hits plus the previous window's, weighted by the share of
    /// the previous window that the sliding window still covers. So a burst across a
    /// window boundary is counted, not forgotten at the boundary.
    pub count: u32,
    /// Seconds until the current fixed window ends.
    pub resets_in_secs: u64,
    /// Hits in the current fixed window and in the previous one.
    pub current: u32,
    /// See `current`.
    pub previous: u32,
    /// The window's length and how far the current fixed window has run, in milliseconds.
    pub window_ms: i64,
    /// See `window_ms`.
    pub elapsed_ms: i64,
}

impl RateWindow {
    /// Seconds (at least 1) until the sliding count falls to `allowed` or below if no
    /// more hits come: what `Retry-After` should say to a client refused at this count.
    /// The previous window's share shrinks as the window slides; once the current fixed
    /// window ends, its hits become the previous window's and shrink in turn.
    pub fn secs_until_at_most(&self, allowed: u32) -> u64 {
        let (c, p, a) = (f64::from(self.current), f64::from(self.previous), f64::from(allowed));
        let (w, e) = (self.window_ms.max(1) as f64, self.elapsed_ms.clamp(0, self.window_ms.max(1)) as f64);
        let ms = if c <= a {
            // Within the current fixed window: p·(1 − (e+t)/w) ≤ a − c.
            if p <= a - c { 0.0 } else { (w * (1.0 - (a - c) / p) - e).max(0.0) }
        } else {
            // After it: its c hits weigh c·(1 − s/w) ≤ a, s after the roll-over at w − e.
            (w - e) + w * (1.0 - a / c)
        };
        ((ms / 1000.0).ceil() as u64).max(1)
    }
}

/// Where a sliding rate-limit window stands at one moment: the fixed windows it spans
/// (each stored as a counter row) and how much of the previous one it still covers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Slide {
    /// Start (Unix seconds) of the current fixed window.
    pub(crate) start: i64,
    /// Start of the previous one.
    pub(crate) previous: i64,
    /// Share of the previous window inside the sliding window, 0 to 1.
    pub(crate) previous_weight: f64,
    /// Seconds until the current fixed window ends (at least 1).
    pub(crate) resets_in_secs: u64,
    /// The window's length and how far the current fixed window has run, in milliseconds.
    pub(crate) window_ms: i64,
    pub(crate) elapsed_ms: i64,
}

impl Slide {
    /// The windows of `window_secs` at `now_ms` (Unix milliseconds).
    pub(crate) fn at(now_ms: i64, window_secs: u64) -> Slide {
        let size = i64::try_from(window_secs.max(1)).unwrap_or(i64::MAX / 4_000).min(i64::MAX / 4_000);
        let now = now_ms.div_euclid(1000);
        let start = now - now.rem_euclid(size);
        let elapsed_ms = now_ms - start * 1000;
        Slide {
            start,
            previous: start - size,
            previous_weight: (1.0 - elapsed_ms as f64 / (size * 1000) as f64).clamp(0.0, 1.0),
            resets_in_secs: (start + size - now).max(1) as u64,
            window_ms: size * 1000,
            elapsed_ms,
        }
    }

    /// The windows of `window_secs` now.
    pub(crate) fn now(window_secs: u64) -> Slide {
        Slide::at(jiff::Timestamp::now().as_millisecond(), window_secs)
    }

    /// The sliding count from the two fixed windows' counters.
    pub(crate) fn window(&self, current: i64, previous: i64) -> RateWindow {
        // Rounded up (a part of a hit counts as a hit: the limit is never exceeded by the
        // rounding), less a hair so that float noise on an exact count does not add one.
        let weighted = current.max(0) as f64 + previous.max(0) as f64 * self.previous_weight;
        let clamp = |n: i64| n.clamp(0, i64::from(u32::MAX)) as u32;
        RateWindow {
            count: (weighted - 1e-9).ceil().clamp(0.0, f64::from(u32::MAX)) as u32,
            resets_in_secs: self.resets_in_secs,
            current: clamp(current),
            previous: clamp(previous),
            window_ms: self.window_ms,
            elapsed_ms: self.elapsed_ms,
        }
    }
}

#[cfg(test)]
mod slide_tests {
    use super::Slide;

    #[test]
    fn the_previous_window_counts_by_the_share_still_covered() {
        // 60-second windows; 15 s into the window that starts at 120 s.
        let slide = Slide::at(135_000, 60);
        assert_eq!((slide.start, slide.previous, slide.resets_in_secs), (120, 60, 45));
        assert!((slide.previous_weight - 0.75).abs() < 1e-9);
        assert_eq!(slide.window(10, 100).count, 85);
        assert_eq!(Slide::at(135_000, 60).window(10, 3).count, 13, "2.25 of the previous 3 count as 3");
        // At the boundary the whole previous window still counts; at its end almost none.
        assert_eq!(Slide::at(120_000, 60).window(1, 100).count, 101);
        assert_eq!(Slide::at(179_999, 60).window(1, 100).count, 2);
        assert_eq!(Slide::at(179_999, 60).window(1, 0).count, 1);
        assert_eq!(Slide::at(179_999, 60).resets_in_secs, 1);
    }

    #[test]
    fn retry_after_is_when_the_sliding_count_has_fallen_far_enough() {
        // 15 s into a 60 s window, 10 hits now and 100 before: 85 counted.
        let window = Slide::at(135_000, 60).window(10, 100);
        assert_eq!(window.secs_until_at_most(85), 1, "already there");
        // Down to 60: the previous window must weigh 50, half of it, 30 s in: 15 s on.
        assert_eq!(window.secs_until_at_most(60), 15);
        // Down to 5 (below the current 10): 45 s to the roll-over, then 10·(1 − s/60) ≤ 5, s = 30.
        assert_eq!(window.secs_until_at_most(5), 75);
        // Down to 0: both windows gone, 45 + 60 s.
        assert_eq!(window.secs_until_at_most(0), 105);
        // The claims, by sliding: 15 s later the count is 60; 75 s later it is 5.
        assert_eq!(Slide::at(150_000, 60).window(10, 100).count, 60);
        assert_eq!(Slide::at(210_000, 60).window(0, 10).count, 5);
    }
}

/// The outcome of an accept, decline or withdraw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    /// Done; the introduction as it is now.
    Done(IntroductionRecord),
    /// No such introduction.
    NotFound,
    /// Not allowed from its current state; the introduction as it is.
    WrongState(IntroductionRecord),
}

/// What the hub keeps about users, their sessions and introductions.
///
/// Every write is one transaction. Times are taken from the store's clock.
pub trait AccountStore {
    /// Creates a user (and the organization and membership of [`NewUser`]) in one
    /// transaction. Fails with [`crate::StoreError::IdTaken`] (kind `email`) when the
    /// e-mail address is registered, or (kind `organization`) when the organization id is taken.
    fn create_user(&self, new: &NewUser) -> Result<UserRecord>;
    /// One user by id.
    fn user(&self, id: &str) -> Result<Option<UserRecord>>;
    /// One user by (lower-cased) e-mail address.
    fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>>;
    /// Every user, by e-mail address.
    fn list_users(&self) -> Result<Vec<UserRecord>>;
    /// Sets or clears the administrator flag; false when there is no such user.
    fn set_admin(&self, user_id: &str, is_admin: bool) -> Result<bool>;
    /// Sets the TOTP secret and whether it is required; false when there is no such user.
    fn set_totp(&self, user_id: &str, secret: Option<&str>, enabled: bool) -> Result<bool>;
    /// Records that the TOTP code of time step `step` was used; false when that step (or a
    /// later one) was used already, so each code works only once.
    fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool>;
    /// Deletes a user: sessions and memberships go; consent records and introductions stay
    /// with the user reference set to NULL (anonymised). False when there was none.
    fn delete_user(&self, user_id: &str) -> Result<bool>;

    /// A user's memberships, by organization id.
    fn memberships(&self, user_id: &str) -> Result<Vec<MembershipRecord>>;
    /// Adds (or changes the role of) a membership. Fails with
    /// [`crate::StoreError::MissingReference`] when the user or organization is missing.
    fn add_membership(&self, user_id: &str, organization_id: &str, role: &str) -> Result<()>;

    /// Stores a new session lasting at most `absolute_secs`; also removes expired sessions.
    fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        csrf_token: &str,
        absolute_secs: u64,
    ) -> Result<SessionRecord>;
    /// The live session with this token hash, its `last_seen_at` moved to now. A session
    /// past its absolute end, or idle for more than `idle_secs`, is deleted and `None` returned.
    fn touch_session(&self, token_hash: &str, idle_secs: u64) -> Result<Option<SessionRecord>>;
    /// Ends a session; false when there was none.
    fn delete_session(&self, token_hash: &str) -> Result<bool>;

    /// Housekeeping: deletes sessions past their absolute end or idle for more than
    /// `idle_secs` (touching them would delete them anyway), and rate-limit counters of
    /// windows that started more than `counters_secs` ago (keys that are never hit again,
    /// such as one client's address, would otherwise stay for ever). One transaction.
    fn sweep_expired(&self, idle_secs: u64, counters_secs: u64) -> Result<Swept>;

    /// Counts one hit on `key` in the current fixed window of `window_secs`.
    fn rate_limit_hit(&self, key: &str, window_secs: u64) -> Result<RateWindow>;
    /// The current window's count without counting a hit.
    fn rate_limit_peek(&self, key: &str, window_secs: u64) -> Result<RateWindow>;

    /// Stores a new introduction (status `requested`) unless one between the same two
    /// organizations (either direction) is `requested` or `accepted`: then `Err(that id)`.
    /// Fails with [`crate::StoreError::MissingReference`] when an organization or listing is missing.
    fn insert_introduction(
        &self,
        intro: &IntroductionRecord,
    ) -> Result<std::result::Result<IntroductionRecord, String>>;
    /// One introduction.
    fn introduction(&self, id: &str) -> Result<Option<IntroductionRecord>>;
    /// Introductions from or to any of these organizations, newest first.
    fn introductions_for_orgs(&self, org_ids: &[String]) -> Result<Vec<IntroductionRecord>>;
    /// Accepts a `requested` introduction in one transaction: status `accepted`, one
    /// `contact` consent per side (`requester` for the asking side, `responder` for the
    /// other), and `tie` inserted (with its change-log row).
    fn accept_introduction(&self, id: &str, responder: &str, tie: &Tie) -> Result<Transition>;
    /// Declines a `requested` introduction.
    fn decline_introduction(&self, id: &str, responder: &str) -> Result<Transition>;
    /// Withdraws a `requested` or `accepted` introduction and revokes its consents.
    fn withdraw_introduction(&self, id: &str, user: &str) -> Result<Transition>;
    /// Whether a live (unrevoked) `contact` consent lets any of `viewer_orgs` see `org_id`'s contact.
    fn contact_consented(&self, org_id: &str, viewer_orgs: &[String]) -> Result<bool>;
    /// Consent records given by this user, or concerning any of these organizations.
    fn consents_for(&self, user_id: &str, org_ids: &[String]) -> Result<Vec<ConsentRecord>>;
}

fn stamp(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// `seconds` from now, in the stored timestamp shape.
pub(crate) fn after(seconds: u64) -> String {
    let seconds = i64::try_from(seconds)
        .unwrap_or(i64::MAX / 2)
        .min(100 * 365 * 86_400);
    stamp(jiff::Timestamp::now() + jiff::SignedDuration::from_secs(seconds))
}

/// `seconds` ago, in the stored timestamp shape.
pub(crate) fn before(seconds: u64) -> String {
    let seconds = i64::try_from(seconds)
        .unwrap_or(i64::MAX / 2)
        .min(100 * 365 * 86_400);
    stamp(jiff::Timestamp::now() - jiff::SignedDuration::from_secs(seconds))
}
