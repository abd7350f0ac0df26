//! Tie reads and tie outcomes (issue #7), on both backends.

use bridgehub_store::{ImportBatch, StoreError, TieOutcome};
use bridgehub_testkit::backend_tests;

use super::{org, tie};

fn outcome(tie_id: &str, party: &str, code: &str) -> TieOutcome {
    TieOutcome {
        tie_id: tie_id.into(),
        party: party.into(),
        outcome: code.into(),
        value: None,
        currency: None,
        note: None,
        recorded_by: Some("u1".into()),
        recorded_on: "2025-06-01".into(),
        recorded_at: String::new(),
    }
}

fn seeded(store: &dyn bridgehub_store::Store) -> String {
    let t = tie("a", "b");
    let id = t.tie.id.to_string();
    let batch = ImportBatch {
        organizations: vec![org("a", "VN"), org("b", "AE"), org("c", "BR")],
        ties: vec![t],
        ..Default::default()
    };
    store.import(&batch, &mut |_| {}).unwrap();
    id
}

backend_tests! {
    fn a_tie_reads_back_by_id(db) {
        let store = db.store();
        let id = seeded(store.as_ref());
        let t = store.tie(&id).unwrap().unwrap();
        assert_eq!(t.record.from.as_str(), "a");
        assert_eq!(t.version, 1);
        assert!(store.tie("nope").unwrap().is_none());
    }

    fn an_outcome_updates_the_tie_and_the_change_log(db) {
        let store = db.store();
        let id = seeded(store.as_ref());
        let before = store.last_change().unwrap();
        let mut deal = outcome(&id, "a", "deal");
        deal.value = Some(125_000.5);
        deal.currency = Some("EUR".into());
        deal.note = Some("first shipment".into());
        let (tie, stored) = store.record_tie_outcome(&deal).unwrap();
        assert_eq!(tie.version, 2, "the tie's version moves");
        assert!(!stored.recorded_at.is_empty());
        let changes = store.changes_since(before, 10).unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!((changes[0].entity.as_str(), changes[0].id.as_str(), changes[0].op.as_str()), ("tie", id.as_str(), "upsert"));
        // The other side records too; a party's second record replaces its first.
        store.record_tie_outcome(&outcome(&id, "b", "follow_up")).unwrap();
        store.record_tie_outcome(&outcome(&id, "b", "mou")).unwrap();
        let all = store.tie_outcomes(Some(&[id.as_str()])).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!((all[0].party.as_str(), all[0].outcome.as_str(), all[0].value), ("a", "deal", Some(125_000.5)));
        assert_eq!(all[0].currency.as_deref(), Some("EUR"));
        assert_eq!(all[0].note.as_deref(), Some("first shipment"));
        assert_eq!((all[1].party.as_str(), all[1].outcome.as_str()), ("b", "mou"));
        assert_eq!(store.tie_outcomes(None).unwrap(), all);
        assert_eq!(store.tie(&id).unwrap().unwrap().version, 4);
        assert!(store.tie_outcomes(Some(&["other"])).unwrap().is_empty());
    }

    fn outcomes_of_unknown_ties_or_strangers_are_refused_and_nothing_is_logged(db) {
        let store = db.store();
        let id = seeded(store.as_ref());
        let before = store.last_change().unwrap();
        assert!(matches!(
            store.record_tie_outcome(&outcome("missing", "a", "deal")),
            Err(StoreError::NotFound { kind: "tie", .. })
        ));
        assert!(matches!(
            store.record_tie_outcome(&outcome(&id, "c", "deal")),
            Err(StoreError::MissingReference { field: "party", .. })
        ));
        // The schema refuses codes outside the vocabulary.
        assert!(store.record_tie_outcome(&outcome(&id, "a", "maybe")).is_err());
        assert_eq!(store.last_change().unwrap(), before);
        assert!(store.tie_outcomes(None).unwrap().is_empty());
        assert_eq!(store.tie(&id).unwrap().unwrap().version, 1);
    }

    fn deleting_an_organization_takes_its_ties_outcomes_with_it(db) {
        let store = db.store();
        let id = seeded(store.as_ref());
        store.record_tie_outcome(&outcome(&id, "a", "follow_up")).unwrap();
        assert!(store.delete_organization("a").unwrap());
        assert!(store.tie(&id).unwrap().is_none());
        assert!(store.tie_outcomes(None).unwrap().is_empty());
    }
}
