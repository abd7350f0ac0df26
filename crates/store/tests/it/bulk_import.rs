//! Imports large enough to load empty tables directly (the PostgreSQL bulk path), on both
//! backends: all or nothing, logged in the change log, idempotent when repeated.

use super::{listing, org, tie};
use bridgehub_store::{ImportBatch, StoreError};
use bridgehub_testkit::backend_tests;

/// 1,200 organizations (past the direct-load minimum), a listing and a tie per pair.
fn big_batch() -> ImportBatch {
    let organizations: Vec<_> = (0..1_200).map(|i| org(&format!("bulk-o{i:05}"), if i % 2 == 0 { "VN" } else { "CN" })).collect();
    let listings = (0..1_200).map(|i| listing(&format!("bulk-l{i:05}"), &format!("bulk-o{i:05}"))).collect();
    let ties = (0..1_200).map(|i| tie(&format!("bulk-o{i:05}"), &format!("bulk-o{:05}", (i + 1) % 1_200))).collect();
    ImportBatch { organizations, listings, ties, ..Default::default() }
}

backend_tests! {
    fn a_large_first_import_is_logged_and_a_repeat_changes_nothing(db) {
        let store = db.store();
        let batch = big_batch();
        let first = store.import(&batch, &mut |_| {}).unwrap();
        assert_eq!((first.organizations.inserted, first.listings.inserted, first.ties.inserted), (1_200, 1_200, 1_200));
        let counts = store.counts().unwrap();
        assert_eq!((counts.organizations, counts.listings), (1_200, 1_200));
        let mut logged = Vec::new();
        let mut after = 0;
        loop {
            let page = store.changes_since(after, 1_000).unwrap();
            let Some(last) = page.last() else { break };
            after = last.seq;
            logged.extend(page);
        }
        assert_eq!(logged.len(), 3_600, "one change per record");
        assert_eq!(logged.iter().filter(|c| c.entity == "listing").count(), 1_200);
        assert_eq!(store.listing("bulk-l00007").unwrap().unwrap().version, 1);
        let second = store.import(&batch, &mut |_| {}).unwrap();
        assert_eq!((second.organizations.unchanged, second.listings.unchanged, second.ties.unchanged), (1_200, 1_200, 1_200));
        assert_eq!(store.counts().unwrap().listings, 1_200);
    }

    fn a_large_first_import_with_a_dangling_reference_stores_nothing(db) {
        let store = db.store();
        let mut batch = big_batch();
        batch.ties.push(tie("bulk-o00001", "ghost"));
        let err = store.import(&batch, &mut |_| {}).unwrap_err();
        assert!(matches!(err, StoreError::MissingReference { field: "to", .. }), "{err}");
        let counts = store.counts().unwrap();
        assert_eq!((counts.organizations, counts.listings), (0, 0), "everything was rolled back");
        assert!(store.changes_since(0, 10).unwrap().is_empty());
    }

    fn a_large_first_import_with_a_listing_of_an_unknown_owner_stores_nothing(db) {
        let store = db.store();
        let mut batch = big_batch();
        batch.ties.clear();
        batch.listings[600].owner = bridgehub_domain::EntityId::parse("ghost").unwrap();
        assert!(store.import(&batch, &mut |_| {}).is_err());
        let counts = store.counts().unwrap();
        assert_eq!((counts.organizations, counts.listings), (0, 0), "everything was rolled back");
        // The tables are still usable for a correct load.
        batch.listings[600].owner = bridgehub_domain::EntityId::parse("bulk-o00600").unwrap();
        assert_eq!(store.import(&batch, &mut |_| {}).unwrap().listings.inserted, 1_200);
    }
}
