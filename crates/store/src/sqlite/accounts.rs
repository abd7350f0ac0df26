//! [`crate::AccountStore`] on the sqlite backend.

use bridgehub_domain::Tie;
use rusqlite::{Connection, OptionalExtension, Row, TransactionBehavior, params};

use super::{SqliteStore, query, write};
use crate::accounts::{
    ConsentRecord, IntroductionRecord, MembershipRecord, NewUser, RateWindow, SessionRecord, Slide,
    Transition, UserRecord,
};
use crate::{AccountStore, Result, StoreError};

const USER_COLUMNS: &str = "id, email, display_name, password_hash, locale, is_admin, totp_secret, totp_enabled, created_at";
const SESSION_COLUMNS: &str =
    "token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at";
const INTRO_COLUMNS: &str = "id, requester_user, from_org, to_org, about_listing, for_listing, message, status, created_at, responded_at, responder_user";
const CONSENT_COLUMNS: &str = "id, introduction_id, user_id, organization_id, granted_to_organization, what, granted_at, revoked_at";

fn user_row(row: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: row.get(0)?,
        email: row.get(1)?,
        display_name: row.get(2)?,
        password_hash: row.get(3)?,
        locale: row.get(4)?,
        is_admin: row.get::<_, i64>(5)? != 0,
        totp_secret: row.get(6)?,
        totp_enabled: row.get::<_, i64>(7)? != 0,
        created_at: row.get(8)?,
    })
}

fn session_row(row: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: row.get(0)?,
        user_id: row.get(1)?,
        csrf_token: row.get(2)?,
        created_at: row.get(3)?,
        last_seen_at: row.get(4)?,
        expires_at: row.get(5)?,
    })
}

fn intro_row(row: &Row<'_>) -> rusqlite::Result<IntroductionRecord> {
    Ok(IntroductionRecord {
        id: row.get(0)?,
        requester_user: row.get(1)?,
        from_org: row.get(2)?,
        to_org: row.get(3)?,
        about_listing: row.get(4)?,
        for_listing: row.get(5)?,
        message: row.get(6)?,
        status: row.get(7)?,
        created_at: row.get(8)?,
        responded_at: row.get(9)?,
        responder_user: row.get(10)?,
    })
}

fn consent_row(row: &Row<'_>) -> rusqlite::Result<ConsentRecord> {
    Ok(ConsentRecord {
        id: row.get(0)?,
        introduction_id: row.get(1)?,
        user_id: row.get(2)?,
        organization_id: row.get(3)?,
        granted_to_organization: row.get(4)?,
        what: row.get(5)?,
        granted_at: row.get(6)?,
        revoked_at: row.get(7)?,
    })
}

fn user_where(conn: &Connection, clause: &str, value: &str) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([value], user_row)
        .optional()?)
}

fn intro(conn: &Connection, id: &str) -> Result<Option<IntroductionRecord>> {
    let sql = format!("SELECT {INTRO_COLUMNS} FROM introductions WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], intro_row)
        .optional()?)
}

fn exists(conn: &Connection, table: &str, id: &str) -> Result<bool> {
    let sql = format!("SELECT 1 FROM {table} WHERE id = ?1");
    Ok(conn
        .prepare_cached(&sql)?
        .query_row([id], |_| Ok(()))
        .optional()?
        .is_some())
}

fn require(
    conn: &Connection,
    table: &str,
    field: &'static str,
    kind: &'static str,
    id: &str,
) -> Result<()> {
    if exists(conn, table, id)? {
        Ok(())
    } else {
        Err(StoreError::MissingReference {
            field,
            kind,
            id: id.to_owned(),
        })
    }
}

/// Inserts the tie an accepted introduction makes, with its change-log row (both ends
/// are organizations; an existing tie with the same id is left as it is).
fn insert_tie(conn: &Connection, tie: &Tie, now: &str) -> Result<()> {
    let inserted = conn
        .prepare_cached(
            "INSERT INTO ties (id, from_id, from_type, to_id, to_type, kind, date, source, evidence, version, created_at, updated_at) \
             VALUES (?1, ?2, 'organization', ?3, 'organization', ?4, ?5, ?6, ?7, 1, ?8, ?8) ON CONFLICT (id) DO NOTHING",
        )?
        .execute(params![
            tie.id.as_str(), tie.from.as_str(), tie.to.as_str(), tie.kind.code(), tie.date.to_string(), tie.source,
            tie.evidence, now
        ])?;
    if inserted > 0 {
        write::log_change(conn, "tie", tie.id.as_str(), "upsert", now)?;
    }
    Ok(())
}

/// A transition `from` one of `allowed` states to `to`, stamped with `user`.
fn transition(
    conn: &Connection,
    id: &str,
    allowed: &[&str],
    to: &str,
    user: &str,
    now: &str,
) -> Result<std::result::Result<IntroductionRecord, Transition>> {
    let Some(current) = intro(conn, id)? else {
        return Ok(Err(Transition::NotFound));
    };
    if !allowed.contains(&current.status.as_str()) {
        return Ok(Err(Transition::WrongState(current)));
    }
    conn.execute(
        "UPDATE introductions SET status = ?1, responded_at = ?2, responder_user = ?3 WHERE id = ?4",
        params![to, now, user, id],
    )?;
    let updated =
        intro(conn, id)?.ok_or_else(|| StoreError::Decode("introduction vanished".into()))?;
    Ok(Ok(updated))
}

impl AccountStore for SqliteStore {
    fn create_user(&self, new: &NewUser) -> Result<UserRecord> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let u = &new.user;
            if user_where(&tx, "email = ?1", &u.email)?.is_some() {
                return Err(StoreError::IdTaken { kind: "email", id: u.email.clone() });
            }
            if exists(&tx, "users", &u.id)? {
                return Err(StoreError::IdTaken { kind: "user", id: u.id.clone() });
            }
            let now = write::now();
            if let Some(org) = &new.organization {
                if query::organization(&tx, org.id.as_str())?.is_some() {
                    return Err(StoreError::IdTaken { kind: "organization", id: org.id.to_string() });
                }
                write::upsert_organization(&tx, org, &now)?;
            }
            tx.execute(
                &format!("INSERT INTO users ({USER_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"),
                params![u.id, u.email, u.display_name, u.password_hash, u.locale, u.is_admin as i64, u.totp_secret, u.totp_enabled as i64, now],
            )?;
            if let Some(org) = &new.organization {
                tx.execute(
                    "INSERT INTO memberships (user_id, organization_id, role) VALUES (?1, ?2, 'owner')",
                    params![u.id, org.id.as_str()],
                )?;
            }
            let stored = user_where(&tx, "id = ?1", &u.id)?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("inserted user vanished".into()))
        })
    }

    fn user(&self, id: &str) -> Result<Option<UserRecord>> {
        self.with_reader(|conn| user_where(conn, "id = ?1", id))
    }

    fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        self.with_reader(|conn| user_where(conn, "email = ?1", email))
    }

    fn list_users(&self) -> Result<Vec<UserRecord>> {
        self.with_reader(|conn| {
            let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY email");
            let rows = conn
                .prepare(&sql)?
                .query_map([], user_row)?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    fn set_admin(&self, user_id: &str, is_admin: bool) -> Result<bool> {
        self.with_writer(|conn| {
            Ok(conn.execute(
                "UPDATE users SET is_admin = ?1 WHERE id = ?2",
                params![is_admin as i64, user_id],
            )? > 0)
        })
    }

    fn set_totp(&self, user_id: &str, secret: Option<&str>, enabled: bool) -> Result<bool> {
        self.with_writer(|conn| {
            Ok(conn.execute(
                "UPDATE users SET totp_secret = ?1, totp_enabled = ?2 WHERE id = ?3",
                params![secret, enabled as i64, user_id],
            )? > 0)
        })
    }

    fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool> {
        self.with_writer(|conn| {
            Ok(conn.execute(
                "UPDATE users SET totp_last_step = ?1 WHERE id = ?2 AND (totp_last_step IS NULL OR totp_last_step < ?1)",
                params![step, user_id],
            )? > 0)
        })
    }

    fn delete_user(&self, user_id: &str) -> Result<bool> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM sessions WHERE user_id = ?1", [user_id])?;
            tx.execute("DELETE FROM memberships WHERE user_id = ?1", [user_id])?;
            tx.execute(
                "UPDATE consents SET user_id = NULL WHERE user_id = ?1",
                [user_id],
            )?;
            tx.execute(
                "UPDATE introductions SET requester_user = NULL WHERE requester_user = ?1",
                [user_id],
            )?;
            tx.execute(
                "UPDATE introductions SET responder_user = NULL WHERE responder_user = ?1",
                [user_id],
            )?;
            let deleted = tx.execute("DELETE FROM users WHERE id = ?1", [user_id])? > 0;
            tx.commit()?;
            Ok(deleted)
        })
    }

    fn memberships(&self, user_id: &str) -> Result<Vec<MembershipRecord>> {
        self.with_reader(|conn| {
            let rows = conn
                .prepare_cached("SELECT user_id, organization_id, role FROM memberships WHERE user_id = ?1 ORDER BY organization_id")?
                .query_map([user_id], |row| {
                    Ok(MembershipRecord { user_id: row.get(0)?, organization_id: row.get(1)?, role: row.get(2)? })
                })?
                .collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    fn add_membership(&self, user_id: &str, organization_id: &str, role: &str) -> Result<()> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            require(&tx, "users", "user_id", "user", user_id)?;
            require(
                &tx,
                "organizations",
                "organization_id",
                "organization",
                organization_id,
            )?;
            tx.execute(
                "INSERT INTO memberships (user_id, organization_id, role) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (user_id, organization_id) DO UPDATE SET role = excluded.role",
                params![user_id, organization_id, role],
            )?;
            tx.commit()?;
            Ok(())
        })
    }

    fn create_session(
        &self,
        token_hash: &str,
        user_id: &str,
        csrf_token: &str,
        absolute_secs: u64,
    ) -> Result<SessionRecord> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = write::now();
            let expires = crate::accounts::after(absolute_secs);
            tx.execute("DELETE FROM sessions WHERE expires_at <= ?1", [&now])?;
            tx.execute(
                &format!(
                    "INSERT INTO sessions ({SESSION_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?4, ?5)"
                ),
                params![token_hash, user_id, csrf_token, now, expires],
            )?;
            let stored = tx
                .prepare_cached(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1"
                ))?
                .query_row([token_hash], session_row)
                .optional()?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("inserted session vanished".into()))
        })
    }

    fn touch_session(&self, token_hash: &str, idle_secs: u64) -> Result<Option<SessionRecord>> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = write::now();
            let idle_since = crate::accounts::before(idle_secs);
            let found = tx
                .prepare_cached(&format!(
                    "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = ?1"
                ))?
                .query_row([token_hash], session_row)
                .optional()?;
            let result = match found {
                None => None,
                Some(s) if s.expires_at <= now || s.last_seen_at < idle_since => {
                    tx.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])?;
                    None
                }
                Some(mut s) => {
                    tx.execute(
                        "UPDATE sessions SET last_seen_at = ?1 WHERE token_hash = ?2",
                        params![now, token_hash],
                    )?;
                    s.last_seen_at = now;
                    Some(s)
                }
            };
            tx.commit()?;
            Ok(result)
        })
    }

    fn delete_session(&self, token_hash: &str) -> Result<bool> {
        self.with_writer(|conn| {
            Ok(conn.execute("DELETE FROM sessions WHERE token_hash = ?1", [token_hash])? > 0)
        })
    }

    fn sweep_expired(&self, idle_secs: u64, counters_secs: u64) -> Result<crate::accounts::Swept> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let sessions = tx.execute(
                "DELETE FROM sessions WHERE expires_at <= ?1 OR last_seen_at < ?2",
                params![write::now(), crate::accounts::before(idle_secs)],
            )?;
            let counters = tx.execute("DELETE FROM rate_limits WHERE window_start < ?1", [crate::accounts::unix_secs_before(counters_secs)])?;
            tx.commit()?;
            Ok(crate::accounts::Swept { sessions, counters })
        })
    }

    fn rate_limit_hit(&self, key: &str, window_secs: u64) -> Result<RateWindow> {
        let slide = Slide::now(window_secs);
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            tx.execute("DELETE FROM rate_limits WHERE key = ?1 AND window_start < ?2", params![key, slide.previous])?;
            let count: i64 = tx.query_row(
                "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1) \
                 ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count",
                params![key, slide.start],
                |row| row.get(0),
            )?;
            let previous: Option<i64> = tx
                .query_row(
                    "SELECT count FROM rate_limits WHERE key = ?1 AND window_start = ?2",
                    params![key, slide.previous],
                    |row| row.get(0),
                )
                .optional()?;
            tx.commit()?;
            Ok(slide.window(count, previous.unwrap_or(0)))
        })
    }

    fn rate_limit_peek(&self, key: &str, window_secs: u64) -> Result<RateWindow> {
        let slide = Slide::now(window_secs);
        self.with_reader(|conn| {
            let mut statement = conn.prepare_cached("SELECT count FROM rate_limits WHERE key = ?1 AND window_start = ?2")?;
            let current: Option<i64> = statement.query_row(params![key, slide.start], |row| row.get(0)).optional()?;
            let previous: Option<i64> = statement.query_row(params![key, slide.previous], |row| row.get(0)).optional()?;
            Ok(slide.window(current.unwrap_or(0), previous.unwrap_or(0)))
        })
    }

    fn insert_introduction(
        &self,
        i: &IntroductionRecord,
    ) -> Result<std::result::Result<IntroductionRecord, String>> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            require(&tx, "organizations", "from_org", "organization", &i.from_org)?;
            require(&tx, "organizations", "to_org", "organization", &i.to_org)?;
            if let Some(l) = &i.about_listing {
                require(&tx, "listings", "about_listing", "listing", l)?;
            }
            if let Some(l) = &i.for_listing {
                require(&tx, "listings", "for_listing", "listing", l)?;
            }
            let open: Option<String> = tx
                .prepare_cached(
                    "SELECT id FROM introductions WHERE status IN ('requested', 'accepted') \
                     AND ((from_org = ?1 AND to_org = ?2) OR (from_org = ?2 AND to_org = ?1)) LIMIT 1",
                )?
                .query_row(params![i.from_org, i.to_org], |row| row.get(0))
                .optional()?;
            if let Some(open) = open {
                return Ok(Err(open));
            }
            let now = write::now();
            tx.execute(
                &format!("INSERT INTO introductions ({INTRO_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'requested', ?8, NULL, NULL)"),
                params![i.id, i.requester_user, i.from_org, i.to_org, i.about_listing, i.for_listing, i.message, now],
            )?;
            let stored = intro(&tx, &i.id)?;
            tx.commit()?;
            stored.map(Ok).ok_or_else(|| StoreError::Decode("inserted introduction vanished".into()))
        })
    }

    fn introduction(&self, id: &str) -> Result<Option<IntroductionRecord>> {
        self.with_reader(|conn| intro(conn, id))
    }

    fn introductions_for_orgs(&self, org_ids: &[String]) -> Result<Vec<IntroductionRecord>> {
        let ids = serde_json::to_string(org_ids).unwrap_or_else(|_| "[]".into());
        self.with_reader(|conn| {
            let sql = format!(
                "SELECT {INTRO_COLUMNS} FROM introductions WHERE from_org IN (SELECT value FROM json_each(?1)) \
                 OR to_org IN (SELECT value FROM json_each(?1)) ORDER BY created_at DESC, id"
            );
            let rows = conn.prepare_cached(&sql)?.query_map([ids], intro_row)?.collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }

    fn accept_introduction(&self, id: &str, responder: &str, tie: &Tie) -> Result<Transition> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = write::now();
            let updated = match transition(&tx, id, &["requested"], "accepted", responder, &now)? {
                Ok(updated) => updated,
                Err(outcome) => return Ok(outcome),
            };
            let mut stmt = tx.prepare_cached(&format!(
                "INSERT INTO consents ({CONSENT_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, 'contact', ?6, NULL)"
            ))?;
            // The responder shows the asking side their organization's contact; by asking,
            // the requester consented to show theirs.
            stmt.execute(params![format!("cns-{id}-to"), id, responder, updated.to_org, updated.from_org, now])?;
            stmt.execute(params![format!("cns-{id}-from"), id, updated.requester_user, updated.from_org, updated.to_org, now])?;
            drop(stmt);
            insert_tie(&tx, tie, &now)?;
            tx.commit()?;
            Ok(Transition::Done(updated))
        })
    }

    fn decline_introduction(&self, id: &str, responder: &str) -> Result<Transition> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let outcome = match transition(
                &tx,
                id,
                &["requested"],
                "declined",
                responder,
                &write::now(),
            )? {
                Ok(updated) => Transition::Done(updated),
                Err(outcome) => outcome,
            };
            tx.commit()?;
            Ok(outcome)
        })
    }

    fn withdraw_introduction(&self, id: &str, user: &str) -> Result<Transition> {
        self.with_writer(|conn| {
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let now = write::now();
            let outcome = match transition(&tx, id, &["requested", "accepted"], "withdrawn", user, &now)? {
                Ok(updated) => {
                    tx.execute(
                        "UPDATE consents SET revoked_at = ?1 WHERE introduction_id = ?2 AND revoked_at IS NULL",
                        params![now, id],
                    )?;
                    Transition::Done(updated)
                }
                Err(outcome) => outcome,
            };
            tx.commit()?;
            Ok(outcome)
        })
    }

    fn contact_consented(&self, org_id: &str, viewer_orgs: &[String]) -> Result<bool> {
        let ids = serde_json::to_string(viewer_orgs).unwrap_or_else(|_| "[]".into());
        self.with_reader(|conn| {
            Ok(conn
                .prepare_cached(
                    "SELECT 1 FROM consents WHERE organization_id = ?1 AND what = 'contact' AND revoked_at IS NULL \
                     AND granted_to_organization IN (SELECT value FROM json_each(?2)) LIMIT 1",
                )?
                .query_row(params![org_id, ids], |_| Ok(()))
                .optional()?
                .is_some())
        })
    }

    fn consents_for(&self, user_id: &str, org_ids: &[String]) -> Result<Vec<ConsentRecord>> {
        let ids = serde_json::to_string(org_ids).unwrap_or_else(|_| "[]".into());
        self.with_reader(|conn| {
            let sql = format!(
                "SELECT {CONSENT_COLUMNS} FROM consents WHERE user_id = ?1 \
                 OR organization_id IN (SELECT value FROM json_each(?2)) \
                 OR granted_to_organization IN (SELECT value FROM json_each(?2)) ORDER BY granted_at, id"
            );
            let rows = conn.prepare_cached(&sql)?.query_map(params![user_id, ids], consent_row)?.collect::<rusqlite::Result<_>>()?;
            Ok(rows)
        })
    }
}
