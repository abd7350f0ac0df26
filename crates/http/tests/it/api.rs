//! The JSON API's contract: CRUD, filters and paging, error shape and codes, privacy.

use serde_json::{json, Value};

use bridgehub_testkit::backend_tests;

use crate::{listing_body, member, org_body, TestApp};

backend_tests! {
    fn health_and_readiness_answer(db) {
        let app = TestApp::spawn(&db);
        let backend = if db.url.starts_with("postgres") { "postgres" } else { "sqlite" };
        let (status, health) = app.get("/api/health");
        assert_eq!((status, health["status"].as_str(), health["backend"].as_str()), (200, Some("ok"), Some(backend)));
        assert!(health["followed_change"].is_i64());
        assert_eq!(app.get("/api/ready").0, 200);
    }

    fn openapi_describes_every_route(db) {
        let app = TestApp::spawn(&db);
        let (status, doc) = app.get("/api/openapi.json");
        assert_eq!(status, 200);
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        for (path, methods) in [
            ("/api/health", vec!["get"]),
            ("/api/ready", vec!["get"]),
            ("/api/v1/stats", vec!["get"]),
            ("/api/v1/changes", vec!["get"]),
            ("/api/v1/organizations", vec!["get", "post"]),
            ("/api/v1/organizations/{id}", vec!["get", "put", "delete"]),
            ("/api/v1/listings", vec!["get", "post"]),
            ("/api/v1/listings/{id}", vec!["get", "put", "delete"]),
            ("/api/v1/listings/{id}/withdraw", vec!["post"]),
            ("/api/v1/session", vec!["post", "delete"]),
            ("/api/v1/introductions", vec!["get", "post"]),
        ("/api/v1/listings/{id}/matches", vec!["get"]),
        ("/api/v1/organizations/{id}/recommendations", vec!["get"]),
            ("/api/v1/people", vec!["get"]),
            ("/api/v1/people/{id}", vec!["get"]),
            ("/api/v1/ties", vec!["get"]),
            ("/api/v1/reference/countries", vec!["get"]),
            ("/api/v1/reference/regions", vec!["get"]),
            ("/api/v1/reference/groupings", vec!["get"]),
            ("/api/v1/reference/languages", vec!["get"]),
            ("/api/v1/reference/vocabulary", vec!["get"]),
        ] {
            let entry = paths.get(path).unwrap_or_else(|| panic!("{path} is described"));
            for method in methods {
                assert!(entry.get(method).is_some(), "{method} {path} is described");
            }
        }
        assert!(doc["components"]["schemas"]["ErrorBody"].is_object());
    }

    fn an_organization_is_created_read_updated_and_deleted(db) {
        let app = TestApp::spawn(&db);
        let (status, created) = app.post("/api/v1/organizations", &org_body("org-vn-1", "VN"));
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["id"], "org-vn-1");
        assert_eq!(created["version"], 1);
        assert_eq!(created["names"]["zh-Hans"], "测试机构");

        let (status, fetched) = app.get("/api/v1/organizations/org-vn-1");
        assert_eq!(status, 200);
        assert_eq!(fetched["sectors"], json!(["logistics", "agrifood"]));

        let mut changed = org_body("org-vn-1", "VN");
        changed["name"] = json!("Saigon Cold Chain");
        let (status, updated) = app.put("/api/v1/organizations/org-vn-1", &changed, Some(1));
        assert_eq!(status, 200, "{updated}");
        assert_eq!((updated["name"].as_str(), updated["version"].as_i64()), (Some("Saigon Cold Chain"), Some(2)));

        assert_eq!(app.delete("/api/v1/organizations/org-vn-1"), 204);
        let (status, body) = app.get("/api/v1/organizations/org-vn-1");
        assert_eq!(status, 404);
        assert_eq!(body["error"]["code"], "organization_not_found");
        assert_eq!(app.delete("/api/v1/organizations/org-vn-1"), 404);
    }

    fn a_created_organization_without_id_gets_one(db) {
        let app = TestApp::spawn(&db);
        let mut body = org_body("x", "SG");
        body.as_object_mut().unwrap().remove("id");
        let (status, created) = app.post("/api/v1/organizations", &body);
        assert_eq!(status, 201, "{created}");
        let id = created["id"].as_str().unwrap();
        assert!(id.starts_with("org-"));
        assert_eq!(app.get(&format!("/api/v1/organizations/{id}")).0, 200);
    }

    fn validation_errors_name_the_field_and_store_nothing(db) {
        let app = TestApp::spawn(&db);
        let mut body = org_body("org-bad", "XX");
        body["sectors"] = json!(["logistics", "cooking"]);
        let (status, error) = app.post("/api/v1/organizations", &body);
        assert_eq!(status, 422);
        assert_eq!(error["error"]["code"], "validation_failed");
        assert_eq!(error["error"]["field"], "country");
        assert!(error["error"]["message"].as_str().unwrap().contains("\"XX\" is not an ISO 3166-1 alpha-2 country code"));
        let details: Vec<&str> = error["error"]["details"].as_array().unwrap().iter().map(|d| d["field"].as_str().unwrap()).collect();
        assert_eq!(details, vec!["country", "sectors[1]"]);
        // Coded problems carry their code and values, for clients in other languages.
        let country = &error["error"]["details"][0];
        assert_eq!((country["code"].as_str(), country["args"]["value"].as_str()), (Some("not-a-country"), Some("XX")));
        assert!(error["error"]["details"][1].get("code").is_none(), "an uncoded problem has no code: {error}");
        assert_eq!(app.get("/api/v1/organizations/org-bad").0, 404);
        // One problem: its code at the top level.
        let (status, error) = app.post("/api/v1/organizations", &org_body("org-bad", "XX"));
        assert_eq!(status, 422);
        assert_eq!((error["error"]["problem_code"].as_str(), error["error"]["problem_args"]["value"].as_str()), (Some("not-a-country"), Some("XX")), "{error}");
    }

    fn malformed_json_and_bad_queries_get_json_errors(db) {
        let app = TestApp::spawn(&db);
        let (status, error) = app.post_raw("/api/v1/organizations", "{not json");
        assert_eq!(status, 400);
        assert_eq!(error["error"]["code"], "invalid_json");
        let (status, error) = app.get("/api/v1/organizations?limit=0");
        assert_eq!(status, 400);
        assert_eq!((error["error"]["code"].as_str(), error["error"]["field"].as_str()), (Some("invalid_query"), Some("limit")));
        let (status, error) = app.get("/api/v1/organizations?group=mars");
        assert_eq!((status, error["error"]["field"].as_str()), (400, Some("group")));
        assert_eq!(error["error"]["problem_code"].as_str(), Some("not-a-grouping"), "{error}");
        let (status, error) = app.get("/api/v1/organizations?limit=abc");
        assert_eq!((status, error["error"]["code"].as_str()), (400, Some("invalid_query")));
        let (status, error) = app.get("/api/v1/organizations?cursor=zz");
        assert_eq!((status, error["error"]["field"].as_str()), (400, Some("cursor")));
        let (status, error) = app.get("/api/v1/nothing-here");
        assert_eq!((status, error["error"]["code"].as_str()), (404, Some("route_not_found")));
    }

    fn concurrent_edits_never_lose_an_update(db) {
        let app = TestApp::spawn(&db);
        app.post("/api/v1/organizations", &org_body("org-1", "TH"));
        let mut first = org_body("org-1", "TH");
        first["name"] = json!("First edit");
        let mut second = org_body("org-1", "TH");
        second["name"] = json!("Second edit");
        assert_eq!(app.put("/api/v1/organizations/org-1", &first, Some(1)).0, 200);
        let (status, error) = app.put("/api/v1/organizations/org-1", &second, Some(1));
        assert_eq!(status, 409);
        assert_eq!(error["error"]["code"], "version_conflict");
        assert_eq!(app.get("/api/v1/organizations/org-1").1["name"], "First edit");
        // The version may also travel in the body.
        second["version"] = json!(2);
        assert_eq!(app.put("/api/v1/organizations/org-1", &second, None).0, 200);
    }

    fn an_id_in_the_body_cannot_rename_a_record(db) {
        let app = TestApp::spawn(&db);
        app.post("/api/v1/organizations", &org_body("org-1", "TH"));
        let (status, error) = app.put("/api/v1/organizations/org-1", &org_body("org-2", "TH"), None);
        assert_eq!((status, error["error"]["field"].as_str()), (422, Some("id")));
        assert_eq!(app.post("/api/v1/organizations", &org_body("org-1", "TH")).1["error"]["code"], "id_taken");
    }

    fn listings_need_an_existing_owner_and_can_be_withdrawn(db) {
        let app = TestApp::spawn(&db);
        let (status, error) = app.post("/api/v1/listings", &listing_body("lst-1", "org-ghost"));
        assert_eq!((status, error["error"]["code"].as_str(), error["error"]["field"].as_str()), (422, Some("reference_not_found"), Some("owner")));
        app.post("/api/v1/organizations", &org_body("org-vn", "VN"));
        let (status, created) = app.post("/api/v1/listings", &listing_body("lst-1", "org-vn"));
        assert_eq!(status, 201, "{created}");
        assert_eq!(app.get("/api/v1/listings").1["items"].as_array().unwrap().len(), 1);

        let (status, withdrawn) = app.post("/api/v1/listings/lst-1/withdraw", &json!({}));
        assert_eq!((status, withdrawn["status"].as_str()), (200, Some("withdrawn")));
        assert!(app.get("/api/v1/listings").1["items"].as_array().unwrap().is_empty(), "withdrawn listings are not listed");
        assert_eq!(app.get("/api/v1/listings?include_inactive=true").1["items"].as_array().unwrap().len(), 1);
        assert_eq!(app.delete("/api/v1/listings/lst-1"), 204);
    }

    fn directory_writes_need_a_session_and_membership(db) {
        let app = TestApp::spawn(&db);
        let (ana, ana_org) = member(&app, "ana@vn.example", "VN");
        let (bo, bo_org) = member(&app, "bo@th.example", "TH");

        // Anonymous writes are refused before anything is read or stored.
        let (status, error) = app.post_as(None, "/api/v1/organizations", &org_body("org-anon", "VN"));
        assert_eq!((status, error["error"]["code"].as_str()), (401, Some("unauthenticated")));
        let (status, error) = app.post_as(None, "/api/v1/listings", &listing_body("lst-anon", &ana_org));
        assert_eq!((status, error["error"]["code"].as_str()), (401, Some("unauthenticated")));
        assert_eq!(app.get("/api/v1/organizations/org-anon").0, 404);

        // Organizations are made at sign-up or by administrators.
        let (status, error) = app.post_as(Some(&ana), "/api/v1/organizations", &org_body("org-ana-2", "VN"));
        assert_eq!((status, error["error"]["code"].as_str()), (403, Some("forbidden")));

        // A member posts for their own organization, not for someone else's.
        let (status, created) = app.post_as(Some(&ana), "/api/v1/listings", &listing_body("lst-ana", &ana_org));
        assert_eq!(status, 201, "{created}");
        let (status, error) = app.post_as(Some(&ana), "/api/v1/listings", &listing_body("lst-fake", &bo_org));
        assert_eq!((status, error["error"]["code"].as_str()), (403, Some("forbidden")));
        assert_eq!(app.get("/api/v1/listings/lst-fake").0, 404);

        // Another organization's member can neither withdraw, change nor delete it.
        let (status, _) = app.post_as(Some(&bo), "/api/v1/listings/lst-ana/withdraw", &json!({}));
        assert_eq!(status, 403);
        assert_eq!(app.delete_as(Some(&bo), "/api/v1/listings/lst-ana"), 403);
        assert_eq!(app.delete_as(None, "/api/v1/listings/lst-ana"), 401);
        assert_eq!(app.delete_as(Some(&ana), &format!("/api/v1/organizations/{ana_org}")), 403, "only administrators delete organizations");
        let (status, listing) = app.get("/api/v1/listings/lst-ana");
        assert_eq!((status, listing["status"].as_str(), listing["version"].as_i64()), (200, Some("active"), Some(1)), "nothing changed");

        // Its own member can.
        let (status, withdrawn) = app.post_as(Some(&ana), "/api/v1/listings/lst-ana/withdraw", &json!({}));
        assert_eq!((status, withdrawn["status"].as_str()), (200, Some("withdrawn")));
        assert_eq!(app.delete_as(Some(&ana), "/api/v1/listings/lst-ana"), 204);
    }

    fn filters_and_cursor_paging_walk_the_whole_directory(db) {
        let app = TestApp::spawn(&db);
        for i in 0..12 {
            let country = ["VN", "TH", "AE", "FR"][i % 4];
            app.post("/api/v1/organizations", &org_body(&format!("org-{i:02}"), country));
        }
        let mut ids = Vec::new();
        let mut path = "/api/v1/organizations?limit=5".to_string();
        loop {
            let (status, page) = app.get(&path);
            assert_eq!(status, 200);
            ids.extend(page["items"].as_array().unwrap().iter().map(|o| o["id"].as_str().unwrap().to_owned()));
            match page["next_cursor"].as_str() {
                Some(cursor) => path = format!("/api/v1/organizations?limit=5&cursor={cursor}"),
                None => break,
            }
        }
        assert_eq!(ids.len(), 12);
        let count = |query: &str| app.get(&format!("/api/v1/organizations?{query}")).1["items"].as_array().unwrap().len();
        assert_eq!(count("group=asean"), 6);
        assert_eq!(count("group=gcc"), 3);
        assert_eq!(count("country=VN,FR"), 6);
        assert_eq!(count("country=VN&group=gcc"), 0);
        assert_eq!(count("sector=agrifood&language=vi"), 12);
        assert_eq!(count("q=cold%20storage"), 12);
        assert_eq!(count("kind=ngo"), 0);
    }

    fn contact_details_are_never_returned(db) {
        let app = TestApp::spawn(&db);
        app.post("/api/v1/organizations", &org_body("org-secret", "HK"));
        app.post("/api/v1/listings", &listing_body("lst-secret", "org-secret"));
        for path in [
            "/api/v1/organizations", "/api/v1/organizations/org-secret", "/api/v1/listings",
            "/api/v1/listings/lst-secret", "/api/v1/people", "/api/v1/ties",
        ] {
            let (_, text) = app.get_text(path);
            assert!(!text.contains("secret.example"), "{path} leaks an e-mail");
            assert!(!text.contains("3822 0000"), "{path} leaks a phone number");
        }
        assert_eq!(app.get("/api/v1/organizations/org-secret").1["has_contact"], Value::Bool(true));
    }

    fn reference_data_lists_countries_groupings_and_labelled_sectors(db) {
        let app = TestApp::spawn(&db);
        let (_, countries) = app.get("/api/v1/reference/countries");
        let hk = countries.as_array().unwrap().iter().find(|c| c["code"] == "HK").unwrap();
        assert_eq!(hk["subregion"], "030");
        assert!(hk["groupings"].as_array().unwrap().contains(&json!("greater_bay_area")));
        let (_, groupings) = app.get("/api/v1/reference/groupings");
        assert_eq!(groupings.as_array().unwrap().len(), 14);
        let (_, vocabulary) = app.get("/api/v1/reference/vocabulary");
        assert_eq!(vocabulary["sectors"].as_array().unwrap().len(), 24);
        assert_eq!(app.get("/api/v1/stats").1["organizations"], 0);
    }

    fn the_change_log_lists_committed_changes_in_order(db) {
        let app = TestApp::spawn(&db);
        app.post("/api/v1/organizations", &org_body("org-1", "VN"));
        app.post("/api/v1/listings", &listing_body("lst-1", "org-1"));
        assert_eq!(app.delete("/api/v1/listings/lst-1"), 204);
        let (status, changes) = app.get("/api/v1/changes?after=0");
        assert_eq!(status, 200);
        let ops: Vec<(String, String)> = changes
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["id"].as_str().unwrap().to_owned(), c["op"].as_str().unwrap().to_owned()))
            .collect();
        assert_eq!(ops, vec![("org-1".into(), "upsert".into()), ("lst-1".into(), "upsert".into()), ("lst-1".into(), "delete".into())]);
        let first = changes[0]["seq"].as_i64().unwrap();
        assert_eq!(app.get(&format!("/api/v1/changes?after={first}&limit=1")).1.as_array().unwrap().len(), 1);
    }

    fn matches_follow_new_listings_and_honour_both_sides_targets(db) {
        let app = TestApp::spawn(&db);
        let mut seeker = org_body("org-sz", "CN");
        seeker["languages"] = json!(["zh-Hans", "en"]);
        app.post("/api/v1/organizations", &seeker);
        app.post("/api/v1/organizations", &org_body("org-hcmc", "VN"));
        app.post("/api/v1/organizations", &org_body("org-paris", "FR"));
        let seek = json!({"id": "seek-1", "owner": "org-sz", "direction": "seek", "category": "service",
            "title": "Cold storage and fruit transport partner in Vietnam", "body": "Cold storage warehousing and transport of durian",
            "language": "en", "sectors": ["logistics"], "target_groups": ["asean"]});
        assert_eq!(app.post("/api/v1/listings", &seek).0, 201);
        let mut offer = listing_body("offer-vn", "org-hcmc");
        offer["title"] = json!("Cold storage and fruit transport to China");
        offer["body"] = json!("Cold storage warehousing and transport of durian and other fruit");
        offer["language"] = json!("en");
        offer["target_countries"] = json!(["CN"]);
        assert_eq!(app.post("/api/v1/listings", &offer).0, 201);
        let mut outside = listing_body("offer-fr", "org-paris");
        outside["title"] = json!("Cold storage and fruit transport");
        outside["language"] = json!("en");
        outside["target_countries"] = json!([]);
        assert_eq!(app.post("/api/v1/listings", &outside).0, 201);
        // Created after the server started: the node picks them up from the change log.
        // Wait until both offers are in the index (with the target rules lifted, both match).
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let (status, body) = app.get("/api/v1/listings/seek-1/matches?relax=true");
            if status == 200 && body["matches"].as_array().unwrap().len() == 2 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the new listings never reached the match index: {body}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let (status, matches) = app.get("/api/v1/listings/seek-1/matches?limit=5");
        assert_eq!(status, 200, "{matches}");
        let found: Vec<&str> = matches["matches"].as_array().unwrap().iter().map(|m| m["listing"].as_str().unwrap()).collect();
        assert_eq!(found, vec!["offer-vn"], "the French offer is outside the seek's ASEAN target");
        let top = &matches["matches"][0];
        assert_eq!(top["organization"], "org-hcmc");
        assert!(top["explanation"]["en"].as_str().unwrap().contains("Same sector: Logistics"), "{top}");
        assert!(top["reasons"].as_array().unwrap().iter().any(|r| r["signal"] == "targets_you"), "{top}");
        let relaxed = app.get("/api/v1/listings/seek-1/matches?relax=true").1;
        assert_eq!(relaxed["matches"].as_array().unwrap().len(), 2);
        // A withdrawal disappears from the matches.
        app.post("/api/v1/listings/offer-vn/withdraw", &json!({}));
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while !app.get("/api/v1/listings/seek-1/matches").1["matches"].as_array().unwrap().is_empty() {
            assert!(std::time::Instant::now() < deadline, "the withdrawal never reached the match index");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let (status, recs) = app.get("/api/v1/organizations/org-sz/recommendations");
        assert_eq!(status, 200, "{recs}");
        assert_eq!(app.get("/api/v1/listings/nope/matches").0, 404);
        assert_eq!(app.get("/api/v1/organizations/nope/recommendations").0, 404);
    }
}
