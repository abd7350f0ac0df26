//! Store tests, each on a fresh SQLite file and again on a fresh PostgreSQL database.

use bridgehub_domain::{
    parse_date, Category, Contact, CountryCode, Direction, EntityId, LangTag, Listing, ListingStatus, OrgKind,
    Organization, Sector, Tie, TieKind,
};

use bridgehub_store::{ImportBatch, ListingQuery, OrgQuery, PartyKind, StoreError, TieQuery, TypedTie};
use bridgehub_testkit::backend_tests;

mod accounts;
mod bulk_import;
mod events;
mod ties;

fn org(id: &str, country: &str) -> Organization {
    Organization {
        id: EntityId::parse(id).unwrap(),
        name: format!("Org {id}"),
        names: [(LangTag::parse("zh-Hans").unwrap(), format!("机构 {id}"))].into_iter().collect(),
        kind: OrgKind::Enterprise,
        country: CountryCode::parse(country).unwrap(),
        city: Some("City".into()),
        sectors: vec![Sector::Logistics, Sector::Trade],
        languages: vec![LangTag::parse("en").unwrap(), LangTag::parse("zh-Hant").unwrap()],
        description: Some("Cold chain logistics".into()),
        website: None,
        contact: Contact { email: Some(format!("{id}@example.org")), phone: None },
        verified: false,
    }
}

fn listing(id: &str, owner: &str) -> Listing {
    Listing {
        id: EntityId::parse(id).unwrap(),
        owner: EntityId::parse(owner).unwrap(),
        direction: Direction::Offer,
        category: Category::Service,
        title: format!("Listing {id}"),
        body: "Warehousing and transport of fruit".into(),
        language: LangTag::parse("vi").unwrap(),
        sectors: vec![Sector::Logistics],
        target_countries: vec![CountryCode::parse("CN").unwrap()],
        target_groups: vec![],
        expires: None,
        status: ListingStatus::Active,
    }
}

fn tie(from: &str, to: &str) -> TypedTie {
    let from = EntityId::parse(from).unwrap();
    let to = EntityId::parse(to).unwrap();
    let date = parse_date("2024-03-01").unwrap();
    TypedTie {
        tie: Tie {
            id: Tie::derived_id(&from, &to, TieKind::Met, date).unwrap(),
            from,
            to,
            kind: TieKind::Met,
            date,
            source: Some("test".into()),
            evidence: None,
        },
        from_kind: PartyKind::Organization,
        to_kind: PartyKind::Organization,
    }
}

backend_tests! {
    fn records_read_back_exactly_as_written(db) {
        let store = db.store();
        let written = org("o1", "VN");
        let stored = store.insert_organization(&written).unwrap();
        assert_eq!(stored.record, written);
        assert_eq!(stored.version, 1);
        let l = listing("l1", "o1");
        assert_eq!(store.insert_listing(&l).unwrap().record, l);
        assert_eq!(store.listing("l1").unwrap().unwrap().record, l);
    }

    fn reimport_updates_by_id_and_counts_what_changed(db) {
        let store = db.store();
        let mut batch = ImportBatch {
            organizations: vec![org("o1", "VN"), org("o2", "CN")],
            listings: vec![listing("l1", "o1")],
            ties: vec![tie("o1", "o2")],
            ..Default::default()
        };
        let first = store.import(&batch, &mut |_| {}).unwrap();
        assert_eq!(first.organizations.inserted, 2);
        assert_eq!(first.ties.inserted, 1);
        let second = store.import(&batch, &mut |_| {}).unwrap();
        assert_eq!(second.organizations.unchanged, 2);
        assert_eq!(second.listings.unchanged, 1);
        batch.organizations[0].name = "Renamed".into();
        let third = store.import(&batch, &mut |_| {}).unwrap();
        assert_eq!((third.organizations.updated, third.organizations.unchanged), (1, 1));
        let stored = store.organization("o1").unwrap().unwrap();
        assert_eq!((stored.record.name.as_str(), stored.version), ("Renamed", 2));
        assert_eq!(store.counts().unwrap().organizations, 2);
    }

    fn an_import_with_a_dangling_reference_stores_nothing(db) {
        let store = db.store();
        let batch = ImportBatch {
            organizations: vec![org("o1", "VN")],
            ties: vec![tie("o1", "ghost")],
            ..Default::default()
        };
        let err = store.import(&batch, &mut |_| {}).unwrap_err();
        assert!(matches!(err, StoreError::MissingReference { field: "to", .. }), "{err}");
        assert_eq!(store.counts().unwrap().organizations, 0, "the organization was rolled back too");
    }

    fn stale_versions_are_refused_so_no_update_is_lost(db) {
        let store = db.store();
        store.insert_organization(&org("o1", "VN")).unwrap();
        let mut edit_a = org("o1", "VN");
        edit_a.name = "A".into();
        let mut edit_b = org("o1", "VN");
        edit_b.name = "B".into();
        assert_eq!(store.update_organization(&edit_a, Some(1)).unwrap().version, 2);
        let err = store.update_organization(&edit_b, Some(1)).unwrap_err();
        assert!(matches!(err, StoreError::VersionConflict { expected: 1, actual: 2, .. }));
        assert_eq!(store.organization("o1").unwrap().unwrap().record.name, "A");
    }

    fn ids_are_unique_and_listings_need_an_owner(db) {
        let store = db.store();
        store.insert_organization(&org("o1", "VN")).unwrap();
        assert!(matches!(store.insert_organization(&org("o1", "VN")), Err(StoreError::IdTaken { .. })));
        assert!(matches!(
            store.insert_listing(&listing("l1", "nobody")),
            Err(StoreError::MissingReference { field: "owner", .. })
        ));
    }

    fn deleting_an_organization_removes_its_listings_and_ties(db) {
        let store = db.store();
        let batch = ImportBatch {
            organizations: vec![org("o1", "VN"), org("o2", "CN")],
            listings: vec![listing("l1", "o1")],
            ties: vec![tie("o1", "o2")],
            ..Default::default()
        };
        store.import(&batch, &mut |_| {}).unwrap();
        assert!(store.delete_organization("o1").unwrap());
        assert!(!store.delete_organization("o1").unwrap());
        let counts = store.counts().unwrap();
        assert_eq!((counts.organizations, counts.listings, counts.ties), (1, 0, 0));
        assert_eq!(store.integrity_check().unwrap(), "ok");
    }

    fn pages_follow_the_cursor_to_the_end_without_repeats(db) {
        let store = db.store();
        let orgs: Vec<Organization> = (0..25).map(|i| org(&format!("o{i:02}"), if i % 2 == 0 { "VN" } else { "CN" })).collect();
        store.import(&ImportBatch { organizations: orgs, ..Default::default() }, &mut |_| {}).unwrap();
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let page = store.list_organizations(&OrgQuery { cursor: cursor.clone(), limit: 10, ..Default::default() }).unwrap();
            seen.extend(page.items.iter().map(|o| o.record.id.to_string()));
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => break,
            }
        }
        assert_eq!(seen.len(), 25);
        let mut sorted = seen.clone();
        sorted.dedup();
        assert_eq!(sorted.len(), 25);
        let vn = store
            .list_organizations(&OrgQuery { countries: Some(vec![CountryCode::parse("VN").unwrap()]), limit: 100, ..Default::default() })
            .unwrap();
        assert_eq!(vn.items.len(), 13);
    }

    fn filters_combine_sector_language_text_and_liveness(db) {
        let store = db.store();
        let mut expired = listing("l2", "o1");
        expired.expires = Some(parse_date("2025-01-01").unwrap());
        let mut withdrawn = listing("l3", "o1");
        withdrawn.status = ListingStatus::Withdrawn;
        let mut seek = listing("l4", "o1");
        seek.direction = Direction::Seek;
        seek.title = "寻求越南冷链物流伙伴".into();
        seek.language = LangTag::parse("zh-Hans").unwrap();
        let batch = ImportBatch {
            organizations: vec![org("o1", "VN")],
            listings: vec![listing("l1", "o1"), expired, withdrawn, seek],
            ..Default::default()
        };
        store.import(&batch, &mut |_| {}).unwrap();
        let ids = |q: ListingQuery| -> Vec<String> {
            store.list_listings(&ListingQuery { limit: 50, ..q }).unwrap().items.into_iter().map(|l| l.record.id.to_string()).collect()
        };
        let today = parse_date("2026-11-25").unwrap();
        assert_eq!(ids(ListingQuery { live_on: Some(today), ..Default::default() }), vec!["l1", "l4"]);
        assert_eq!(ids(ListingQuery { language: Some("zh".into()), ..Default::default() }), vec!["l4"]);
        assert_eq!(ids(ListingQuery { text: Some("冷链".into()), ..Default::default() }), vec!["l4"]);
        assert_eq!(ids(ListingQuery { direction: Some(Direction::Offer), live_on: Some(today), ..Default::default() }), vec!["l1"]);
        assert_eq!(ids(ListingQuery { text: Some("100%".into()), ..Default::default() }), Vec::<String>::new());
        let orgs = store.list_organizations(&OrgQuery { language: Some("zh".into()), sector: Some(Sector::Trade), limit: 5, ..Default::default() }).unwrap();
        assert_eq!(orgs.items.len(), 1);
        let ties = store.list_ties(&TieQuery { party: Some("o1".into()), limit: 5, ..Default::default() }).unwrap();
        assert!(ties.items.is_empty());
    }

    fn every_committed_change_is_logged_in_order(db) {
        let store = db.store();
        let start = store.last_change().unwrap();
        store.insert_organization(&org("o1", "VN")).unwrap();
        store.insert_listing(&listing("l1", "o1")).unwrap();
        // Same content: no change to log.
        store.update_organization(&org("o1", "VN"), None).unwrap();
        let mut renamed = org("o1", "VN");
        renamed.name = "Renamed".into();
        store.update_organization(&renamed, None).unwrap();
        let batch = ImportBatch { organizations: vec![org("o2", "TH"), renamed.clone()], ties: vec![tie("o1", "o2")], ..Default::default() };
        store.import(&batch, &mut |_| {}).unwrap();
        store.delete_organization("o1").unwrap();
        let log: Vec<(String, String, String)> = store
            .changes_since(start, 100)
            .unwrap()
            .into_iter()
            .map(|c| (c.entity, c.id, c.op))
            .collect();
        let tie_id = tie("o1", "o2").tie.id.to_string();
        let expected: Vec<(String, String, String)> = [
            ("organization", "o1", "upsert"),
            ("listing", "l1", "upsert"),
            ("organization", "o1", "upsert"),
            ("organization", "o2", "upsert"),
            ("tie", tie_id.as_str(), "upsert"),
            ("listing", "l1", "delete"),
            ("tie", tie_id.as_str(), "delete"),
            ("organization", "o1", "delete"),
        ]
        .iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect();
        assert_eq!(log, expected);
        let all = store.changes_since(start, 100).unwrap();
        assert!(all.windows(2).all(|w| w[0].seq < w[1].seq));
        assert_eq!(store.last_change().unwrap(), all.last().unwrap().seq);
        assert_eq!(store.changes_since(all[5].seq, 2).unwrap().len(), 2);
    }

    fn a_job_is_claimed_by_one_worker_and_taken_over_when_its_lease_expires(db) {
        let store = db.store();
        let id = store.enqueue_job("schedule", r#"{"event":"e1"}"#).unwrap();
        let first = store.claim_job("node-a", &["schedule"], 0).unwrap().expect("a job to claim");
        assert_eq!((first.id, first.attempts, first.locked_by.as_deref()), (id, 1, Some("node-a")));
        std::thread::sleep(std::time::Duration::from_millis(5));
        // node-a's lease (0 s) has expired: node-b takes the job over.
        let second = store.claim_job("node-b", &["schedule"], 60).unwrap().expect("takeover");
        assert_eq!((second.id, second.attempts, second.locked_by.as_deref()), (id, 2, Some("node-b")));
        assert!(store.claim_job("node-c", &["schedule"], 60).unwrap().is_none(), "a live lease is not taken");
        assert!(!store.finish_job(id, "node-a", Ok("{}")).unwrap(), "the old worker lost the job");
        assert!(store.renew_job(id, "node-b", 60).unwrap());
        assert!(store.finish_job(id, "node-b", Ok(r#"{"meetings":3}"#)).unwrap());
        let done = store.job(id).unwrap().unwrap();
        assert_eq!((done.status.as_str(), done.result.as_deref()), ("done", Some(r#"{"meetings":3}"#)));
        assert!(store.claim_job("node-b", &["schedule"], 60).unwrap().is_none());
        assert!(store.claim_job("node-b", &["other"], 60).unwrap().is_none());
    }

    fn concurrent_workers_run_each_job_exactly_once(db) {
        let store = db.store();
        for n in 0..40 {
            store.enqueue_job("reindex", &format!("{{\"n\":{n}}}")).unwrap();
        }
        let claimed = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for worker in 0..4 {
                let (store, claimed) = (&store, &claimed);
                scope.spawn(move || {
                    let name = format!("worker-{worker}");
                    while let Some(job) = store.claim_job(&name, &["reindex"], 60).unwrap() {
                        claimed.lock().unwrap().push(job.id);
                        assert!(store.finish_job(job.id, &name, Ok("ok")).unwrap());
                    }
                });
            }
        });
        let mut ids = claimed.into_inner().unwrap();
        ids.sort_unstable();
        let n_claims = ids.len();
        ids.dedup();
        assert_eq!((n_claims, ids.len()), (40, 40));
    }

    fn embeddings_are_stored_per_listing_and_model_and_go_with_the_listing(db) {
        let store = db.store();
        store.insert_organization(&org("o1", "VN")).unwrap();
        store.insert_listing(&listing("l1", "o1")).unwrap();
        let e = |hash: &str, v: f32| bridgehub_store::StoredEmbedding { listing_id: "l1".into(), text_hash: hash.into(), vector: vec![v, -0.5, 0.25], latent: None };
        store.put_embeddings("e5", &[e("h1", 1.0)]).unwrap();
        let with_terms = bridgehub_store::StoredEmbedding { latent: Some(vec![(16383, 2.5), (0, 0.125)]), ..e("h2", 0.5) };
        store.put_embeddings("e5", &[with_terms.clone()]).unwrap();
        store.put_embeddings("e5", &[bridgehub_store::StoredEmbedding { listing_id: "ghost".into(), text_hash: "x".into(), vector: vec![1.0], latent: None }]).unwrap();
        assert_eq!(store.embeddings("e5", &["l1", "ghost"]).unwrap(), vec![with_terms]);
        // Written again without terms (an embedder without the sparse head): they are cleared.
        store.put_embeddings("e5", &[e("h3", 0.5)]).unwrap();
        assert_eq!(store.embeddings("e5", &["l1"]).unwrap(), vec![e("h3", 0.5)]);
        assert!(store.embeddings("other-model", &["l1"]).unwrap().is_empty());
        store.delete_listing("l1").unwrap();
        assert!(store.embeddings("e5", &["l1"]).unwrap().is_empty());
    }
}
