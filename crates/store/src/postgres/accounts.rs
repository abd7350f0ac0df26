//! [`crate::AccountStore`] on the postgres backend.

use bridgehub_domain::Tie;
use postgres::{GenericClient, Row};

use super::{PgStore, write};
use crate::accounts::{
    ConsentRecord, IntroductionRecord, MembershipRecord, NewUser, RateWindow, SessionRecord, Slide,
    Transition, UserRecord,
};
use crate::codec::now;
use crate::{AccountStore, Result, StoreError};

const USER_COLUMNS: &str = "id, email, display_name, password_hash, locale, is_admin, totp_secret, totp_enabled, created_at";
const SESSION_COLUMNS: &str =
    "token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at";
const INTRO_COLUMNS: &str = "id, requester_user, from_org, to_org, about_listing, for_listing, message, status, created_at, responded_at, responder_user";
const CONSENT_COLUMNS: &str = "id, introduction_id, user_id, organization_id, granted_to_organization, what, granted_at, revoked_at";

fn user_row(row: &Row) -> Result<UserRecord> {
    Ok(UserRecord {
        id: row.try_get(0)?,
        email: row.try_get(1)?,
        display_name: row.try_get(2)?,
        password_hash: row.try_get(3)?,
        locale: row.try_get(4)?,
        is_admin: row.try_get(5)?,
        totp_secret: row.try_get(6)?,
        totp_enabled: row.try_get(7)?,
        created_at: row.try_get(8)?,
    })
}

fn session_row(row: &Row) -> Result<SessionRecord> {
    Ok(SessionRecord {
        token_hash: row.try_get(0)?,
        user_id: row.try_get(1)?,
        csrf_token: row.try_get(2)?,
        created_at: row.try_get(3)?,
        last_seen_at: row.try_get(4)?,
        expires_at: row.try_get(5)?,
    })
}

fn intro_row(row: &Row) -> Result<IntroductionRecord> {
    Ok(IntroductionRecord {
        id: row.try_get(0)?,
        requester_user: row.try_get(1)?,
        from_org: row.try_get(2)?,
        to_org: row.try_get(3)?,
        about_listing: row.try_get(4)?,
        for_listing: row.try_get(5)?,
        message: row.try_get(6)?,
        status: row.try_get(7)?,
        created_at: row.try_get(8)?,
        responded_at: row.try_get(9)?,
        responder_user: row.try_get(10)?,
    })
}

fn consent_row(row: &Row) -> Result<ConsentRecord> {
    Ok(ConsentRecord {
        id: row.try_get(0)?,
        introduction_id: row.try_get(1)?,
        user_id: row.try_get(2)?,
        organization_id: row.try_get(3)?,
        granted_to_organization: row.try_get(4)?,
        what: row.try_get(5)?,
        granted_at: row.try_get(6)?,
        revoked_at: row.try_get(7)?,
    })
}

fn user_where(
    client: &mut impl GenericClient,
    clause: &str,
    value: &str,
) -> Result<Option<UserRecord>> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE {clause}");
    client
        .query_opt(&sql, &[&value])?
        .as_ref()
        .map(user_row)
        .transpose()
}

fn intro(
    client: &mut impl GenericClient,
    id: &str,
    lock: bool,
) -> Result<Option<IntroductionRecord>> {
    let sql = format!(
        "SELECT {INTRO_COLUMNS} FROM introductions WHERE id = $1{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    client
        .query_opt(&sql, &[&id])?
        .as_ref()
        .map(intro_row)
        .transpose()
}

fn exists(client: &mut impl GenericClient, table: &str, id: &str) -> Result<bool> {
    Ok(client
        .query_opt(&format!("SELECT 1 FROM {table} WHERE id = $1"), &[&id])?
        .is_some())
}

fn require(
    client: &mut impl GenericClient,
    table: &str,
    field: &'static str,
    kind: &'static str,
    id: &str,
) -> Result<()> {
    if exists(client, table, id)? {
        Ok(())
    } else {
        Err(StoreError::MissingReference {
            field,
            kind,
            id: id.to_owned(),
        })
    }
}

fn is_unique_violation(err: &postgres::Error) -> bool {
    err.as_db_error()
        .is_some_and(|db| *db.code() == postgres::error::SqlState::UNIQUE_VIOLATION)
}

/// Inserts the tie an accepted introduction makes, with its change-log row.
fn insert_tie(client: &mut impl GenericClient, tie: &Tie, now: &str) -> Result<()> {
    let date = tie.date.to_string();
    let inserted = client.execute(
        "INSERT INTO ties (id, from_id, from_type, to_id, to_type, kind, date, source, evidence, version, created_at, updated_at) \
         VALUES ($1, $2, 'organization', $3, 'organization', $4, $5, $6, $7, 1, $8, $8) ON CONFLICT (id) DO NOTHING",
        &[&tie.id.as_str(), &tie.from.as_str(), &tie.to.as_str(), &tie.kind.code(), &date, &tie.source, &tie.evidence, &now],
    )?;
    if inserted > 0 {
        write::log_change(client, "tie", tie.id.as_str(), "upsert", now)?;
    }
    Ok(())
}

/// A transition from one of `allowed` states to `to`, stamped with `user` (row locked).
fn transition(
    client: &mut impl GenericClient,
    id: &str,
    allowed: &[&str],
    to: &str,
    user: &str,
    now: &str,
) -> Result<std::result::Result<IntroductionRecord, Transition>> {
    let Some(current) = intro(client, id, true)? else {
        return Ok(Err(Transition::NotFound));
    };
    if !allowed.contains(&current.status.as_str()) {
        return Ok(Err(Transition::WrongState(current)));
    }
    client.execute(
        "UPDATE introductions SET status = $1, responded_at = $2, responder_user = $3 WHERE id = $4",
        &[&to, &now, &user, &id],
    )?;
    let updated = intro(client, id, false)?
        .ok_or_else(|| StoreError::Decode("introduction vanished".into()))?;
    Ok(Ok(updated))
}

impl AccountStore for PgStore {
    fn create_user(&self, new: &NewUser) -> Result<UserRecord> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let u = &new.user;
            if user_where(&mut tx, "lower(email) = lower($1)", &u.email)?.is_some() {
                return Err(StoreError::IdTaken { kind: "email", id: u.email.clone() });
            }
            let now = now();
            if let Some(org) = &new.organization {
                if !write::insert_organization(&mut tx, org)? {
                    return Err(StoreError::IdTaken { kind: "organization", id: org.id.to_string() });
                }
                write::log_change(&mut tx, "organization", org.id.as_str(), "upsert", &now)?;
            }
            let inserted = tx.execute(
                &format!("INSERT INTO users ({USER_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"),
                &[&u.id, &u.email, &u.display_name, &u.password_hash, &u.locale, &u.is_admin, &u.totp_secret, &u.totp_enabled, &now],
            );
            match inserted {
                Ok(_) => {}
                // A concurrent sign-up with the same address won the race.
                Err(err) if is_unique_violation(&err) => {
                    return Err(StoreError::IdTaken { kind: "email", id: u.email.clone() });
                }
                Err(err) => return Err(err.into()),
            }
            if let Some(org) = &new.organization {
                tx.execute(
                    "INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, 'owner')",
                    &[&u.id, &org.id.as_str()],
                )?;
            }
            let stored = user_where(&mut tx, "id = $1", &u.id)?;
            tx.commit()?;
            stored.ok_or_else(|| StoreError::Decode("inserted user vanished".into()))
        })
    }

    fn user(&self, id: &str) -> Result<Option<UserRecord>> {
        self.with_client(|client| user_where(client, "id = $1", id))
    }

    fn user_by_email(&self, email: &str) -> Result<Option<UserRecord>> {
        self.with_client(|client| user_where(client, "lower(email) = lower($1)", email))
    }

    fn list_users(&self) -> Result<Vec<UserRecord>> {
        self.with_client(|client| {
            client
                .query(
                    &format!("SELECT {USER_COLUMNS} FROM users ORDER BY email COLLATE \"C\""),
                    &[],
                )?
                .iter()
                .map(user_row)
                .collect()
        })
    }

    fn set_admin(&self, user_id: &str, is_admin: bool) -> Result<bool> {
        self.with_client(|client| {
            Ok(client.execute(
                "UPDATE users SET is_admin = $1 WHERE id = $2",
                &[&is_admin, &user_id],
            )? > 0)
        })
    }

    fn set_totp(&self, user_id: &str, secret: Option<&str>, enabled: bool) -> Result<bool> {
        self.with_client(|client| {
            Ok(client.execute(
                "UPDATE users SET totp_secret = $1, totp_enabled = $2 WHERE id = $3",
                &[&secret, &enabled, &user_id],
            )? > 0)
        })
    }

    fn use_totp_step(&self, user_id: &str, step: i64) -> Result<bool> {
        self.with_client(|client| {
            Ok(client.execute(
                "UPDATE users SET totp_last_step = $1 WHERE id = $2 AND (totp_last_step IS NULL OR totp_last_step < $1)",
                &[&step, &user_id],
            )? > 0)
        })
    }

    fn delete_user(&self, user_id: &str) -> Result<bool> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            tx.execute("DELETE FROM sessions WHERE user_id = $1", &[&user_id])?;
            tx.execute("DELETE FROM memberships WHERE user_id = $1", &[&user_id])?;
            tx.execute(
                "UPDATE consents SET user_id = NULL WHERE user_id = $1",
                &[&user_id],
            )?;
            tx.execute(
                "UPDATE introductions SET requester_user = NULL WHERE requester_user = $1",
                &[&user_id],
            )?;
            tx.execute(
                "UPDATE introductions SET responder_user = NULL WHERE responder_user = $1",
                &[&user_id],
            )?;
            let deleted = tx.execute("DELETE FROM users WHERE id = $1", &[&user_id])? > 0;
            tx.commit()?;
            Ok(deleted)
        })
    }

    fn memberships(&self, user_id: &str) -> Result<Vec<MembershipRecord>> {
        self.with_client(|client| {
            client
                .query("SELECT user_id, organization_id, role FROM memberships WHERE user_id = $1 ORDER BY organization_id", &[&user_id])?
                .iter()
                .map(|row| {
                    Ok(MembershipRecord { user_id: row.try_get(0)?, organization_id: row.try_get(1)?, role: row.try_get(2)? })
                })
                .collect()
        })
    }

    fn add_membership(&self, user_id: &str, organization_id: &str, role: &str) -> Result<()> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            require(&mut tx, "users", "user_id", "user", user_id)?;
            require(
                &mut tx,
                "organizations",
                "organization_id",
                "organization",
                organization_id,
            )?;
            tx.execute(
                "INSERT INTO memberships (user_id, organization_id, role) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, organization_id) DO UPDATE SET role = EXCLUDED.role",
                &[&user_id, &organization_id, &role],
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
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let now = now();
            let expires = crate::accounts::after(absolute_secs);
            tx.execute("DELETE FROM sessions WHERE expires_at <= $1", &[&now])?;
            let row = tx.query_one(
                &format!("INSERT INTO sessions ({SESSION_COLUMNS}) VALUES ($1, $2, $3, $4, $4, $5) RETURNING {SESSION_COLUMNS}"),
                &[&token_hash, &user_id, &csrf_token, &now, &expires],
            )?;
            let stored = session_row(&row)?;
            tx.commit()?;
            Ok(stored)
        })
    }

    fn touch_session(&self, token_hash: &str, idle_secs: u64) -> Result<Option<SessionRecord>> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let now = now();
            let idle_since = crate::accounts::before(idle_secs);
            let found = tx
                .query_opt(
                    &format!(
                        "SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1 FOR UPDATE"
                    ),
                    &[&token_hash],
                )?
                .as_ref()
                .map(session_row)
                .transpose()?;
            let result = match found {
                None => None,
                Some(s) if s.expires_at <= now || s.last_seen_at < idle_since => {
                    tx.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])?;
                    None
                }
                Some(mut s) => {
                    tx.execute(
                        "UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2",
                        &[&now, &token_hash],
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
        self.with_client(|client| {
            Ok(client.execute("DELETE FROM sessions WHERE token_hash = $1", &[&token_hash])? > 0)
        })
    }

    fn sweep_expired(&self, idle_secs: u64, counters_secs: u64) -> Result<crate::accounts::Swept> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let sessions = tx.execute(
                "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at < $2",
                &[&now(), &crate::accounts::before(idle_secs)],
            )?;
            let counters = tx.execute("DELETE FROM rate_limits WHERE window_start < $1", &[&crate::accounts::unix_secs_before(counters_secs)])?;
            tx.commit()?;
            Ok(crate::accounts::Swept { sessions: usize::try_from(sessions).unwrap_or(usize::MAX), counters: usize::try_from(counters).unwrap_or(usize::MAX) })
        })
    }

    fn rate_limit_hit(&self, key: &str, window_secs: u64) -> Result<RateWindow> {
        let slide = Slide::now(window_secs);
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            tx.execute("DELETE FROM rate_limits WHERE key = $1 AND window_start < $2", &[&key, &slide.previous])?;
            let count: i64 = tx
                .query_one(
                    "INSERT INTO rate_limits (key, window_start, count) VALUES ($1, $2, 1) \
                     ON CONFLICT (key, window_start) DO UPDATE SET count = rate_limits.count + 1 RETURNING count",
                    &[&key, &slide.start],
                )?
                .try_get(0)?;
            let previous: Option<i64> = tx
                .query_opt("SELECT count FROM rate_limits WHERE key = $1 AND window_start = $2", &[&key, &slide.previous])?
                .map(|row| row.try_get(0))
                .transpose()?;
            tx.commit()?;
            Ok(slide.window(count, previous.unwrap_or(0)))
        })
    }

    fn rate_limit_peek(&self, key: &str, window_secs: u64) -> Result<RateWindow> {
        let slide = Slide::now(window_secs);
        self.with_client(|client| {
            let mut counts = (0_i64, 0_i64);
            for row in client.query(
                "SELECT window_start, count FROM rate_limits WHERE key = $1 AND window_start >= $2",
                &[&key, &slide.previous],
            )? {
                let (start, count): (i64, i64) = (row.try_get(0)?, row.try_get(1)?);
                if start == slide.start {
                    counts.0 = count;
                } else if start == slide.previous {
                    counts.1 = count;
                }
            }
            Ok(slide.window(counts.0, counts.1))
        })
    }

    fn insert_introduction(
        &self,
        i: &IntroductionRecord,
    ) -> Result<std::result::Result<IntroductionRecord, String>> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            // Serialise requests between the same pair so two nodes cannot both insert one.
            let (a, b) = if i.from_org <= i.to_org { (&i.from_org, &i.to_org) } else { (&i.to_org, &i.from_org) };
            tx.execute("SELECT pg_advisory_xact_lock(hashtext($1))", &[&format!("intro:{a}:{b}")])?;
            require(&mut tx, "organizations", "from_org", "organization", &i.from_org)?;
            require(&mut tx, "organizations", "to_org", "organization", &i.to_org)?;
            if let Some(l) = &i.about_listing {
                require(&mut tx, "listings", "about_listing", "listing", l)?;
            }
            if let Some(l) = &i.for_listing {
                require(&mut tx, "listings", "for_listing", "listing", l)?;
            }
            let open = tx.query_opt(
                "SELECT id FROM introductions WHERE status IN ('requested', 'accepted') \
                 AND ((from_org = $1 AND to_org = $2) OR (from_org = $2 AND to_org = $1)) LIMIT 1",
                &[&i.from_org, &i.to_org],
            )?;
            if let Some(row) = open {
                return Ok(Err(row.try_get(0)?));
            }
            let now = now();
            tx.execute(
                &format!("INSERT INTO introductions ({INTRO_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 'requested', $8, NULL, NULL)"),
                &[&i.id, &i.requester_user, &i.from_org, &i.to_org, &i.about_listing, &i.for_listing, &i.message, &now],
            )?;
            let stored = intro(&mut tx, &i.id, false)?;
            tx.commit()?;
            stored.map(Ok).ok_or_else(|| StoreError::Decode("inserted introduction vanished".into()))
        })
    }

    fn introduction(&self, id: &str) -> Result<Option<IntroductionRecord>> {
        self.with_client(|client| intro(client, id, false))
    }

    fn introductions_for_orgs(&self, org_ids: &[String]) -> Result<Vec<IntroductionRecord>> {
        self.with_client(|client| {
            client
                .query(
                    &format!(
                        "SELECT {INTRO_COLUMNS} FROM introductions WHERE from_org = ANY($1) OR to_org = ANY($1) \
                         ORDER BY created_at DESC, id"
                    ),
                    &[&org_ids],
                )?
                .iter()
                .map(intro_row)
                .collect()
        })
    }

    fn accept_introduction(&self, id: &str, responder: &str, tie: &Tie) -> Result<Transition> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let now = now();
            let updated = match transition(&mut tx, id, &["requested"], "accepted", responder, &now)? {
                Ok(updated) => updated,
                Err(outcome) => return Ok(outcome),
            };
            let sql = format!("INSERT INTO consents ({CONSENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'contact', $6, NULL)");
            // The responder shows the asking side their organization's contact; by asking,
            // the requester consented to show theirs.
            let responder_owned = Some(responder.to_owned());
            tx.execute(&sql, &[&format!("cns-{id}-to"), &id, &responder_owned, &updated.to_org, &updated.from_org, &now])?;
            tx.execute(&sql, &[&format!("cns-{id}-from"), &id, &updated.requester_user, &updated.from_org, &updated.to_org, &now])?;
            insert_tie(&mut tx, tie, &now)?;
            tx.commit()?;
            Ok(Transition::Done(updated))
        })
    }

    fn decline_introduction(&self, id: &str, responder: &str) -> Result<Transition> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let outcome =
                match transition(&mut tx, id, &["requested"], "declined", responder, &now())? {
                    Ok(updated) => Transition::Done(updated),
                    Err(outcome) => outcome,
                };
            tx.commit()?;
            Ok(outcome)
        })
    }

    fn withdraw_introduction(&self, id: &str, user: &str) -> Result<Transition> {
        self.with_client(|client| {
            let mut tx = client.transaction()?;
            let now = now();
            let outcome = match transition(&mut tx, id, &["requested", "accepted"], "withdrawn", user, &now)? {
                Ok(updated) => {
                    tx.execute(
                        "UPDATE consents SET revoked_at = $1 WHERE introduction_id = $2 AND revoked_at IS NULL",
                        &[&now, &id],
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
        self.with_client(|client| {
            Ok(client
                .query_opt(
                    "SELECT 1 FROM consents WHERE organization_id = $1 AND what = 'contact' AND revoked_at IS NULL \
                     AND granted_to_organization = ANY($2) LIMIT 1",
                    &[&org_id, &viewer_orgs],
                )?
                .is_some())
        })
    }

    fn consents_for(&self, user_id: &str, org_ids: &[String]) -> Result<Vec<ConsentRecord>> {
        self.with_client(|client| {
            client
                .query(
                    &format!(
                        "SELECT {CONSENT_COLUMNS} FROM consents WHERE user_id = $1 OR organization_id = ANY($2) \
                         OR granted_to_organization = ANY($2) ORDER BY granted_at, id"
                    ),
                    &[&user_id, &org_ids],
                )?
                .iter()
                .map(consent_row)
                .collect()
        })
    }
}
