//! Accounts, sessions, rate limits, introductions and consents, on both backends.

use bridgehub_domain::{EntityId, Tie, TieKind, parse_date};
use bridgehub_store::{IntroductionRecord, NewUser, StoreError, Transition, UserRecord};
use bridgehub_testkit::backend_tests;

use super::{listing, org};

fn user(id: &str, email: &str) -> UserRecord {
    UserRecord {
        id: id.into(),
        email: email.into(),
        display_name: format!("User {id}"),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA".into(),
        locale: "en".into(),
        is_admin: false,
        totp_secret: None,
        totp_enabled: false,
        created_at: String::new(),
    }
}

fn intro(id: &str, from: &str, to: &str, requester: &str) -> IntroductionRecord {
    IntroductionRecord {
        id: id.into(),
        requester_user: Some(requester.into()),
        from_org: from.into(),
        to_org: to.into(),
        about_listing: None,
        for_listing: None,
        message: "Hello".into(),
        status: "requested".into(),
        created_at: String::new(),
        responded_at: None,
        responder_user: None,
    }
}

fn intro_tie(intro_id: &str, from: &str, to: &str) -> Tie {
    Tie {
        id: EntityId::parse(&format!("tie-{intro_id}")).unwrap(),
        from: EntityId::parse(from).unwrap(),
        to: EntityId::parse(to).unwrap(),
        kind: TieKind::Introduced,
        date: parse_date("2026-01-05").unwrap(),
        source: Some("introduction".into()),
        evidence: Some(intro_id.into()),
    }
}

backend_tests! {
    fn sign_up_makes_user_organization_and_membership_in_one_go(db) {
        let store = db.store();
        let before = store.last_change().unwrap();
        let stored = store
            .create_user(&NewUser { user: user("usr-1", "ana@example.org"), organization: Some(org("org-a", "VN")) })
            .unwrap();
        assert_eq!(stored.email, "ana@example.org");
        assert!(!stored.created_at.is_empty());
        assert!(store.organization("org-a").unwrap().is_some());
        let changes = store.changes_since(before, 10).unwrap();
        assert!(changes.iter().any(|c| c.entity == "organization" && c.id == "org-a"), "{changes:?}");
        let m = store.memberships("usr-1").unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!((m[0].organization_id.as_str(), m[0].role.as_str()), ("org-a", "owner"));
        assert_eq!(store.user_by_email("ana@example.org").unwrap().unwrap().id, "usr-1");
    }

    fn emails_are_unique_ignoring_case_and_a_failed_sign_up_leaves_nothing(db) {
        let store = db.store();
        store.create_user(&NewUser { user: user("usr-1", "ana@example.org"), organization: None }).unwrap();
        let err = store
            .create_user(&NewUser { user: user("usr-2", "ANA@example.org"), organization: Some(org("org-b", "VN")) })
            .unwrap_err();
        assert!(matches!(err, StoreError::IdTaken { kind: "email", .. }), "{err:?}");
        // All or nothing: the organization of the refused sign-up was not kept.
        assert!(store.organization("org-b").unwrap().is_none());
        assert!(store.user("usr-2").unwrap().is_none());
    }

    fn admin_flag_totp_and_memberships_can_be_changed(db) {
        let store = db.store();
        store.create_user(&NewUser { user: user("usr-1", "a@example.org"), organization: None }).unwrap();
        store.insert_organization(&org("org-x", "CN")).unwrap();
        assert!(store.set_admin("usr-1", true).unwrap());
        assert!(!store.set_admin("usr-none", true).unwrap());
        assert!(store.set_totp("usr-1", Some("JBSWY3DPEHPK3PXP"), true).unwrap());
        let u = store.user("usr-1").unwrap().unwrap();
        assert!(u.is_admin && u.totp_enabled);
        assert_eq!(u.totp_secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
        // A time step is accepted once, and never an older one after a newer.
        assert!(store.use_totp_step("usr-1", 100).unwrap());
        assert!(!store.use_totp_step("usr-1", 100).unwrap());
        assert!(!store.use_totp_step("usr-1", 99).unwrap());
        assert!(store.use_totp_step("usr-1", 101).unwrap());
        store.add_membership("usr-1", "org-x", "member").unwrap();
        store.add_membership("usr-1", "org-x", "member").unwrap(); // idempotent
        assert_eq!(store.memberships("usr-1").unwrap().len(), 1);
        let err = store.add_membership("usr-1", "org-missing", "member").unwrap_err();
        assert!(matches!(err, StoreError::MissingReference { kind: "organization", .. }), "{err:?}");
        assert_eq!(store.list_users().unwrap().len(), 1);
        // Deleting the organization removes the membership (cascade).
        assert!(store.delete_organization("org-x").unwrap());
        assert!(store.memberships("usr-1").unwrap().is_empty());
    }

    fn sessions_live_until_deleted_idle_or_expired(db) {
        let store = db.store();
        store.create_user(&NewUser { user: user("usr-1", "a@example.org"), organization: None }).unwrap();
        let s = store.create_session("hash-1", "usr-1", "csrf-1", 3600).unwrap();
        assert_eq!(s.csrf_token, "csrf-1");
        assert!(s.expires_at > s.created_at);
        let touched = store.touch_session("hash-1", 600).unwrap().unwrap();
        assert!(touched.last_seen_at >= s.last_seen_at);
        assert!(store.touch_session("hash-unknown", 600).unwrap().is_none());
        assert!(store.delete_session("hash-1").unwrap());
        assert!(store.touch_session("hash-1", 600).unwrap().is_none());
        // Absolute end: a session lasting 0 s is over at once, and then gone.
        store.create_session("hash-2", "usr-1", "csrf-2", 0).unwrap();
        assert!(store.touch_session("hash-2", 600).unwrap().is_none());
        assert!(!store.delete_session("hash-2").unwrap());
        // Idle end: last seen more than 0 s ago (time moves on between the two calls).
        store.create_session("hash-3", "usr-1", "csrf-3", 3600).unwrap();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(store.touch_session("hash-3", 0).unwrap().is_none());
    }

    fn the_sweep_removes_ended_sessions_and_old_counters_only(db) {
        let store = db.store();
        store.create_user(&NewUser { user: user("usr-1", "a@example.org"), organization: None }).unwrap();
        store.create_session("live", "usr-1", "csrf-1", 3600).unwrap();
        store.create_session("ended", "usr-1", "csrf-2", 0).unwrap();
        // A window of a million seconds: it started well before now (but not ten years ago).
        store.rate_limit_hit("client:1", 1_000_000).unwrap();
        // Nothing idle for an hour, no counter of ten years ago: only the ended session goes.
        assert_eq!(store.sweep_expired(3600, 10 * 365 * 86_400).unwrap(), bridgehub_store::Swept { sessions: 1, counters: 0 });
        assert!(store.touch_session("live", 3600).unwrap().is_some());
        assert_eq!(store.rate_limit_peek("client:1", 1_000_000).unwrap().count, 1);
        // Idle for more than 0 s (time moves on), and counters of windows that started
        // before now: both go.
        std::thread::sleep(std::time::Duration::from_millis(5));
        let swept = store.sweep_expired(0, 0).unwrap();
        assert_eq!(swept.sessions, 1);
        assert!(swept.counters >= 1, "{swept:?}");
        assert!(store.touch_session("live", 3600).unwrap().is_none());
        assert_eq!(store.rate_limit_peek("client:1", 1_000_000).unwrap().count, 0);
        assert_eq!(store.sweep_expired(0, 0).unwrap(), bridgehub_store::Swept::default(), "nothing left");
    }

    fn rate_limit_counters_count_per_key(db) {
        let store = db.store();
        assert_eq!(store.rate_limit_peek("k", 600).unwrap().count, 0);
        for expected in 1..=3 {
            let w = store.rate_limit_hit("k", 600).unwrap();
            assert_eq!(w.count, expected);
            assert!(w.resets_in_secs >= 1 && w.resets_in_secs <= 600);
        }
        assert_eq!(store.rate_limit_peek("k", 600).unwrap().count, 3);
        assert_eq!(store.rate_limit_hit("other", 600).unwrap().count, 1);
    }

    fn accepting_an_introduction_writes_consents_and_a_logged_tie_together(db) {
        let store = db.store();
        store.create_user(&NewUser { user: user("usr-a", "a@example.org"), organization: Some(org("org-a", "VN")) }).unwrap();
        store.create_user(&NewUser { user: user("usr-b", "b@example.org"), organization: Some(org("org-b", "CN")) }).unwrap();
        store.insert_listing(&listing("lst-b", "org-b")).unwrap();
        let mut request = intro("int-1", "org-a", "org-b", "usr-a");
        request.about_listing = Some("lst-b".into());
        let stored = store.insert_introduction(&request).unwrap().unwrap();
        assert_eq!(stored.status, "requested");
        // No second open request between the same pair, in either direction.
        assert_eq!(store.insert_introduction(&intro("int-2", "org-b", "org-a", "usr-b")).unwrap(), Err("int-1".into()));
        let missing = store.insert_introduction(&intro("int-3", "org-a", "org-none", "usr-a")).unwrap_err();
        assert!(matches!(missing, StoreError::MissingReference { field: "to_org", .. }), "{missing:?}");
        assert!(!store.contact_consented("org-b", &["org-a".into()]).unwrap());

        let before = store.last_change().unwrap();
        let tie = intro_tie("int-1", "org-a", "org-b");
        let Transition::Done(accepted) = store.accept_introduction("int-1", "usr-b", &tie).unwrap() else { panic!("not accepted") };
        assert_eq!(accepted.status, "accepted");
        assert_eq!(accepted.responder_user.as_deref(), Some("usr-b"));
        assert!(store.contact_consented("org-b", &["org-a".into()]).unwrap());
        assert!(store.contact_consented("org-a", &["org-b".into()]).unwrap());
        assert!(!store.contact_consented("org-a", &["org-c".into()]).unwrap());
        let changes = store.changes_since(before, 10).unwrap();
        assert!(changes.iter().any(|c| c.entity == "tie" && c.id == "tie-int-1"), "{changes:?}");
        let ties = store.list_ties(&bridgehub_store::TieQuery { party: Some("org-a".into()), cursor: None, limit: 10 }).unwrap();
        assert_eq!(ties.items.len(), 1);
        assert_eq!(ties.items[0].record.evidence.as_deref(), Some("int-1"));
        // Only once, from `requested`.
        assert!(matches!(store.accept_introduction("int-1", "usr-b", &tie).unwrap(), Transition::WrongState(_)));
        assert!(matches!(store.decline_introduction("int-1", "usr-b").unwrap(), Transition::WrongState(_)));
        assert_eq!(store.accept_introduction("int-none", "usr-b", &tie).unwrap(), Transition::NotFound);

        let consents = store.consents_for("usr-a", &["org-a".into()]).unwrap();
        assert_eq!(consents.len(), 2);
        assert!(consents.iter().all(|c| c.what == "contact" && c.revoked_at.is_none()));

        // Withdrawing revokes both consents; the tie stays.
        let Transition::Done(withdrawn) = store.withdraw_introduction("int-1", "usr-a").unwrap() else { panic!("not withdrawn") };
        assert_eq!(withdrawn.status, "withdrawn");
        assert!(!store.contact_consented("org-b", &["org-a".into()]).unwrap());
        assert!(store.consents_for("usr-a", &[]).unwrap().iter().all(|c| c.revoked_at.is_some()));
        assert_eq!(store.introductions_for_orgs(&["org-b".into()]).unwrap().len(), 1);
        // A new request may follow a withdrawn one.
        assert!(store.insert_introduction(&intro("int-4", "org-b", "org-a", "usr-b")).unwrap().is_ok());
        let Transition::Done(declined) = store.decline_introduction("int-4", "usr-a").unwrap() else { panic!("not declined") };
        assert_eq!(declined.status, "declined");
    }

    fn deleting_a_user_keeps_consents_anonymised(db) {
        let store = db.store();
        store.create_user(&NewUser { user: user("usr-a", "a@example.org"), organization: Some(org("org-a", "VN")) }).unwrap();
        store.create_user(&NewUser { user: user("usr-b", "b@example.org"), organization: Some(org("org-b", "CN")) }).unwrap();
        store.insert_introduction(&intro("int-1", "org-a", "org-b", "usr-a")).unwrap().unwrap();
        store.accept_introduction("int-1", "usr-b", &intro_tie("int-1", "org-a", "org-b")).unwrap();
        store.create_session("hash-a", "usr-a", "csrf", 3600).unwrap();
        assert!(store.delete_user("usr-a").unwrap());
        assert!(!store.delete_user("usr-a").unwrap());
        assert!(store.user("usr-a").unwrap().is_none());
        assert!(store.touch_session("hash-a", 600).unwrap().is_none());
        let consents = store.consents_for("usr-b", &["org-a".into()]).unwrap();
        assert_eq!(consents.len(), 2);
        assert!(consents.iter().any(|c| c.user_id.is_none()));
        let kept = store.introduction("int-1").unwrap().unwrap();
        assert_eq!(kept.requester_user, None);
        assert_eq!(kept.status, "accepted");
    }
}
