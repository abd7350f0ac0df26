//! Account, session, rate-limit and introduction use cases (issue #5) on both backends.

use bridgehub_app::{
    AccountPolicy, Actor, AppError, Hub, IntroDirection, IntroductionRequest, IntroductionStatus,
    NewOrganization, SessionUser, SignUp,
};
use bridgehub_testkit::backend_tests;

const PASSWORD: &str = "correct horse battery";

fn form(email: &str, org_name: Option<&str>) -> SignUp {
    SignUp {
        email: email.into(),
        password: PASSWORD.into(),
        display_name: format!("User {email}"),
        locale: "zh-Hans".into(),
        organization: org_name.map(|name| NewOrganization {
            name: name.into(),
            kind: "enterprise".into(),
            country: "VN".into(),
            sectors: vec!["logistics".into()],
            languages: vec!["vi".into(), "en".into()],
            contact_email: Some(format!(
                "contact@{}.example",
                name.to_lowercase().replace(' ', "-")
            )),
            contact_phone: Some("+84 28 3822 0000".into()),
            description: Some("Cold chain".into()),
        }),
    }
}

fn signed_up(hub: &Hub, email: &str, org_name: &str) -> SessionUser {
    hub.sign_up(&form(email, Some(org_name))).unwrap()
}

fn fields(err: &AppError) -> Vec<String> {
    match err {
        AppError::Validation(errors) => errors.iter().map(|e| e.field.clone()).collect(),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

backend_tests! {
    fn sign_up_checks_every_field_and_names_it(db) {
        let hub = Hub::with_store(db.store());
        let mut bad = form("not-an-email", Some(""));
        bad.password = "short".into();
        bad.display_name = " ".into();
        if let Some(org) = bad.organization.as_mut() {
            org.country = "XX".into();
        }
        let err = hub.sign_up(&bad).unwrap_err();
        let named = fields(&err);
        for field in ["email", "password", "display_name", "organization.name", "organization.country"] {
            assert!(named.iter().any(|f| f == field), "{field} missing in {named:?}");
        }
        assert_eq!(hub.counts().unwrap().organizations, 0);
    }

    fn sign_up_makes_the_user_a_member_of_a_new_organization(db) {
        let hub = Hub::with_store(db.store());
        let user = signed_up(&hub, "  Ana@Example.org ", "Saigon Cold");
        assert_eq!(user.email, "ana@example.org");
        assert_eq!(user.locale, "zh-Hans");
        assert_eq!(user.organizations.len(), 1);
        let org = hub.organization(&user.organizations[0]).unwrap();
        assert_eq!(org.record.name, "Saigon Cold");
        assert_eq!(org.record.contact.email.as_deref(), Some("contact@saigon-cold.example"));
        let again = hub.sign_up(&form("ANA@example.org", None)).unwrap_err();
        assert_eq!(fields(&again), ["email"]);
    }

    fn login_rotates_sessions_and_logout_really_ends_them(db) {
        let hub = Hub::with_store(db.store());
        signed_up(&hub, "ana@example.org", "Saigon Cold");
        let first = hub.log_in("ana@example.org", PASSWORD, None, "10.0.0.1").unwrap();
        let second = hub.log_in("ANA@example.org", PASSWORD, None, "10.0.0.1").unwrap();
        assert_ne!(first.token, second.token);
        assert_ne!(first.session.csrf_token, second.session.csrf_token);
        assert_eq!(first.token.len(), 64);
        let seen = hub.session(&second.token).unwrap().unwrap();
        assert_eq!(seen.user_id, second.session.user_id);
        assert_eq!(seen.csrf_token, second.session.csrf_token);
        hub.log_out(&second.token).unwrap();
        assert!(hub.session(&second.token).unwrap().is_none());
        assert!(hub.session(&first.token).unwrap().is_some());
        assert!(hub.session("not-a-token").unwrap().is_none());
        assert!(matches!(hub.log_in("ana@example.org", "wrong password!!", None, "c").unwrap_err(), AppError::Unauthenticated));
        assert!(matches!(hub.log_in("nobody@example.org", PASSWORD, None, "c").unwrap_err(), AppError::Unauthenticated));
    }

    fn idle_and_absolute_timeouts_end_sessions(db) {
        let store = db.store();
        signed_up(&Hub::with_store(store.clone()), "ana@example.org", "Saigon Cold");
        let idle = Hub::with_store(store.clone())
            .with_account_policy(AccountPolicy { session_idle_secs: 0, ..AccountPolicy::default() });
        let token = idle.log_in("ana@example.org", PASSWORD, None, "c").unwrap().token;
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(idle.session(&token).unwrap().is_none());
        // Once ended, it stays ended even under a longer idle limit.
        assert!(Hub::with_store(store.clone()).session(&token).unwrap().is_none());
        let absolute = Hub::with_store(store)
            .with_account_policy(AccountPolicy { session_absolute_secs: 0, ..AccountPolicy::default() });
        let token = absolute.log_in("ana@example.org", PASSWORD, None, "c").unwrap().token;
        assert!(absolute.session(&token).unwrap().is_none());
    }

    fn the_sweep_ends_idle_sessions_and_keeps_live_ones_and_recent_counters(db) {
        let store = db.store();
        let hub = Hub::with_store(store.clone());
        signed_up(&hub, "ana@example.org", "Saigon Cold");
        let live = hub.log_in("ana@example.org", PASSWORD, None, "c").unwrap().token;
        // A failed log-in counts against the address and the client.
        assert!(hub.log_in("ana@example.org", "wrong password!!", None, "c").is_err());
        let swept = hub.sweep_expired().unwrap();
        assert_eq!(swept.counters, 0, "counters of the login window are kept");
        assert!(hub.session(&live).unwrap().is_some());
        // Under a policy of no idle time, the session has been idle too long: swept without
        // being touched, and the counters stay (they are minutes old, not a day).
        let strict = Hub::with_store(store).with_account_policy(AccountPolicy { session_idle_secs: 0, ..AccountPolicy::default() });
        std::thread::sleep(std::time::Duration::from_millis(5));
        let swept = strict.sweep_expired().unwrap();
        assert!(swept.sessions >= 1 && swept.counters == 0, "{swept:?}");
        assert!(hub.session(&live).unwrap().is_none());
    }

    fn failed_logins_are_limited_per_address_and_per_client(db) {
        let hub = Hub::with_store(db.store());
        signed_up(&hub, "ana@example.org", "Saigon Cold");
        let limit = AccountPolicy::default().login_attempts_per_email;
        for i in 0..limit {
            let err = hub.log_in("ana@example.org", "wrong password!!", None, &format!("client-{i}")).unwrap_err();
            assert!(matches!(err, AppError::Unauthenticated), "{err:?}");
        }
        // Past the limit even the right password is refused, from any client.
        let err = hub.log_in("ana@example.org", PASSWORD, None, "fresh-client").unwrap_err();
        assert!(matches!(err, AppError::RateLimited { retry_after_secs } if retry_after_secs > 0), "{err:?}");
        // Per client: many addresses from one client.
        let per_client = Hub::with_store(db.store())
            .with_account_policy(AccountPolicy { login_attempts_per_client: 3, ..AccountPolicy::default() });
        for i in 0..3 {
            assert!(matches!(per_client.log_in(&format!("x{i}@example.org"), PASSWORD, None, "bot").unwrap_err(), AppError::Unauthenticated));
        }
        assert!(matches!(per_client.log_in("y@example.org", PASSWORD, None, "bot").unwrap_err(), AppError::RateLimited { .. }));
        // The generic limiter.
        for _ in 0..3 {
            hub.rate_limit("directory:1.2.3.4", 3, 60).unwrap();
        }
        assert!(matches!(hub.rate_limit("directory:1.2.3.4", 3, 60).unwrap_err(), AppError::RateLimited { .. }));
        hub.rate_limit("directory:5.6.7.8", 3, 60).unwrap();

        // Retry-After waits for every key over its limit. Limits 3 per address and 2 per
        // client, a 15-minute window (a refused attempt is not counted): an address alone
        // at 3 failures needs the rest of the fixed window and a third of a window; with
        // the client also at its 2, the rest and a half, 150 s more.
        let strict = Hub::with_store(db.store()).with_account_policy(AccountPolicy {
            login_attempts_per_email: 3,
            login_attempts_per_client: 2,
            login_window_secs: 900,
            ..AccountPolicy::default()
        });
        let wait = |err: AppError| match err {
            AppError::RateLimited { retry_after_secs } => retry_after_secs,
            other => panic!("{other:?}"),
        };
        for client in ["p", "q", "r"] {
            assert!(matches!(strict.log_in("e1@example.org", "wrong password!!", None, client).unwrap_err(), AppError::Unauthenticated));
        }
        let address_only = wait(strict.log_in("e1@example.org", PASSWORD, None, "s").unwrap_err());
        for client in ["x", "x", "y"] {
            assert!(matches!(strict.log_in("e2@example.org", "wrong password!!", None, client).unwrap_err(), AppError::Unauthenticated));
        }
        let both = wait(strict.log_in("e2@example.org", PASSWORD, None, "x").unwrap_err());
        assert!(both >= address_only + 100, "{both} s against {address_only} s");
    }

    fn totp_is_required_once_confirmed(db) {
        let hub = Hub::with_store(db.store());
        let user = signed_up(&hub, "ana@example.org", "Saigon Cold");
        let actor = user.actor();
        let setup = hub.begin_totp(&actor).unwrap();
        assert!(setup.otpauth_url.starts_with("otpauth://totp/Bridgehub%3Aana%40example.org?secret="), "{}", setup.otpauth_url);
        // Not required until confirmed.
        hub.log_in("ana@example.org", PASSWORD, None, "c").unwrap();
        let totp = totp_rs::Builder::new()
            .with_secret(totp_rs::Secret::try_from_base32(&setup.secret).unwrap())
            .build()
            .unwrap();
        assert_eq!(fields(&hub.confirm_totp(&actor, "12345x").unwrap_err()), ["code"]);
        let confirm_code = totp.generate_current().to_string();
        hub.confirm_totp(&actor, &confirm_code).unwrap();
        assert_eq!(fields(&hub.log_in("ana@example.org", PASSWORD, None, "c").unwrap_err()), ["totp_code"]);
        // Each code works once: the one just used to confirm is refused, the next step's is taken.
        assert!(matches!(hub.log_in("ana@example.org", PASSWORD, Some(&confirm_code), "c").unwrap_err(), AppError::Unauthenticated));
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
        let next = totp.generate(now + 30).to_string();
        hub.log_in("ana@example.org", PASSWORD, Some(&next), "c").unwrap();
        assert!(matches!(hub.log_in("ana@example.org", PASSWORD, Some(&next), "c").unwrap_err(), AppError::Unauthenticated));
        hub.disable_totp(&actor, PASSWORD).unwrap();
        hub.log_in("ana@example.org", PASSWORD, None, "c").unwrap();
    }

    fn introductions_are_double_opt_in_and_contacts_follow_consent(db) {
        let hub = Hub::with_store(db.store());
        let ana = signed_up(&hub, "ana@example.org", "Saigon Cold");
        let bo = signed_up(&hub, "bo@example.org", "Kunming Fruit");
        let cy = signed_up(&hub, "cy@example.org", "Third Party");
        let (a, b, c) = (ana.actor(), bo.actor(), cy.actor());
        let (org_a, org_b) = (a.organizations[0].clone(), b.organizations[0].clone());

        // Nobody unconnected sees a contact; members do.
        assert!(hub.organization_contact(None, &org_b).unwrap().is_none());
        assert!(hub.organization_contact(Some(&a), &org_b).unwrap().is_none());
        assert!(hub.organization_contact(Some(&b), &org_b).unwrap().is_some());

        let ask = |from: &str, to: &str| IntroductionRequest {
            from_org: from.into(),
            to_org: to.into(),
            message: "We ship durian to Kunming".into(),
            ..Default::default()
        };
        // Only for one's own organization, never to it.
        assert!(matches!(hub.request_introduction(&c, &ask(&org_a, &org_b)).unwrap_err(), AppError::Forbidden(_)));
        assert_eq!(fields(&hub.request_introduction(&a, &ask(&org_a, &org_a)).unwrap_err()), ["to_org"]);
        let sent = hub.request_introduction(&a, &ask(&org_a, &org_b)).unwrap();
        assert_eq!((sent.direction, sent.status), (IntroDirection::Outgoing, IntroductionStatus::Requested));
        assert_eq!(sent.to_org_name, "Kunming Fruit");
        assert!(matches!(hub.request_introduction(&b, &ask(&org_b, &org_a)).unwrap_err(), AppError::InvalidState(_)));

        let inbox = hub.introductions_for(&b).unwrap();
        assert_eq!(inbox.len(), 1);
        assert_eq!(inbox[0].direction, IntroDirection::Incoming);
        assert!(inbox[0].counterpart_contact.is_none());
        // Only the organization asked may answer; outsiders do not even see it.
        assert!(matches!(hub.respond_introduction(&a, &sent.id, true).unwrap_err(), AppError::Forbidden(_)));
        assert!(matches!(hub.respond_introduction(&c, &sent.id, true).unwrap_err(), AppError::NotFound { .. }));

        let ties_before = hub.counts().unwrap().ties;
        let accepted = hub.respond_introduction(&b, &sent.id, true).unwrap();
        assert_eq!(accepted.status, IntroductionStatus::Accepted);
        assert_eq!(accepted.counterpart_contact.as_ref().and_then(|c| c.email.as_deref()), Some("contact@saigon-cold.example"));
        assert_eq!(hub.counts().unwrap().ties, ties_before + 1);
        let outbox = hub.introductions_for(&a).unwrap();
        assert_eq!(outbox[0].counterpart_contact.as_ref().and_then(|c| c.email.as_deref()), Some("contact@kunming-fruit.example"));
        assert!(hub.organization_contact(Some(&a), &org_b).unwrap().is_some());
        assert!(hub.organization_contact(Some(&b), &org_a).unwrap().is_some());
        assert!(hub.organization_contact(Some(&c), &org_a).unwrap().is_none());
        assert!(matches!(hub.respond_introduction(&b, &sent.id, false).unwrap_err(), AppError::InvalidState(_)));

        // Either side withdraws: contacts are hidden again.
        let withdrawn = hub.withdraw_introduction(&b, &sent.id).unwrap();
        assert_eq!(withdrawn.status, IntroductionStatus::Withdrawn);
        assert!(withdrawn.counterpart_contact.is_none());
        assert!(hub.organization_contact(Some(&a), &org_b).unwrap().is_none());
        assert!(hub.organization_contact(Some(&b), &org_a).unwrap().is_none());
        assert!(hub.introductions_for(&a).unwrap()[0].counterpart_contact.is_none());

        // A new request after a withdrawal; declined this time.
        let again = hub.request_introduction(&b, &ask(&org_b, &org_a)).unwrap();
        let declined = hub.respond_introduction(&a, &again.id, false).unwrap();
        assert_eq!(declined.status, IntroductionStatus::Declined);
        assert!(hub.organization_contact(Some(&b), &org_a).unwrap().is_none());
    }

    fn users_export_their_data_and_delete_their_account(db) {
        let hub = Hub::with_store(db.store());
        let ana = signed_up(&hub, "ana@example.org", "Saigon Cold");
        let bo = signed_up(&hub, "bo@example.org", "Kunming Fruit");
        let (a, b) = (ana.actor(), bo.actor());
        let request = IntroductionRequest {
            from_org: a.organizations[0].clone(),
            to_org: b.organizations[0].clone(),
            message: "Hello".into(),
            ..Default::default()
        };
        let intro = hub.request_introduction(&a, &request).unwrap();
        hub.respond_introduction(&b, &intro.id, true).unwrap();
        let data = hub.export_my_data(&a).unwrap();
        assert_eq!(data["account"]["email"], "ana@example.org");
        let text = data.to_string();
        assert!(!text.contains("argon2"), "the password hash must not be exported");
        assert_eq!(data["memberships"].as_array().unwrap().len(), 1);
        assert_eq!(data["introductions"].as_array().unwrap().len(), 1);
        assert_eq!(data["consents"].as_array().unwrap().len(), 2);

        let token = hub.log_in("ana@example.org", PASSWORD, None, "c").unwrap().token;
        assert_eq!(fields(&hub.delete_account(&a, "wrong password!!").unwrap_err()), ["password"]);
        hub.delete_account(&a, PASSWORD).unwrap();
        assert!(hub.session(&token).unwrap().is_none());
        assert!(matches!(hub.log_in("ana@example.org", PASSWORD, None, "c2").unwrap_err(), AppError::Unauthenticated));
        // The other side's record of the consent is kept (anonymised).
        let kept = hub.export_my_data(&b).unwrap();
        assert_eq!(kept["consents"].as_array().unwrap().len(), 2);
        assert_eq!(kept["introductions"][0]["status"], "accepted");
    }

    fn administrators_manage_users_and_memberships(db) {
        let hub = Hub::with_store(db.store());
        let ana = signed_up(&hub, "ana@example.org", "Saigon Cold");
        let bo = hub.sign_up(&form("bo@example.org", None)).unwrap();
        let member = ana.actor();
        assert!(matches!(hub.list_users(&member).unwrap_err(), AppError::Forbidden(_)));
        assert!(matches!(hub.set_admin(&member, &ana.user_id, true).unwrap_err(), AppError::Forbidden(_)));
        let operator = Actor::operator();
        hub.set_admin(&operator, &ana.user_id, true).unwrap();
        assert!(matches!(hub.set_admin(&operator, "usr-none", true).unwrap_err(), AppError::NotFound { .. }));
        let admin = hub.log_in("ana@example.org", PASSWORD, None, "c").unwrap().session;
        assert!(admin.is_admin);
        hub.add_membership(&admin.actor(), &bo.user_id, &ana.organizations[0]).unwrap();
        assert!(matches!(hub.add_membership(&admin.actor(), &bo.user_id, "org-none").unwrap_err(), AppError::NotFound { kind: "organization", .. }));
        let users = hub.list_users(&admin.actor()).unwrap();
        assert_eq!(users.len(), 2);
        let listed_bo = users.iter().find(|u| u.email == "bo@example.org").unwrap();
        assert_eq!(listed_bo.organizations, ana.organizations);
        // Bo now acts for the organization and sees its contact.
        let bo_now = hub.log_in("bo@example.org", PASSWORD, None, "c").unwrap().session;
        assert!(hub.organization_contact(Some(&bo_now.actor()), &ana.organizations[0]).unwrap().is_some());
    }
}
