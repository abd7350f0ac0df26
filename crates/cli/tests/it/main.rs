//! The `bridgehub` binary as a user runs it: import, export, demo, check, serve.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use bridgehub_testkit::backend_tests;

mod events;
mod users;

fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bridgehub"));
    cmd.env_remove("BRIDGEHUB_DB").env_remove("BRIDGEHUB_CONFIG").env("BRIDGEHUB_LOG", "warn");
    cmd
}

fn run(db: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Output {
    bin().arg("--db").arg(db).args(args).output().expect("run bridgehub")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn match_dev() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/match-dev")
}

fn match_dev_files() -> Vec<String> {
    ["orgs_and_listings.jsonl", "distractors.jsonl"].iter().map(|f| match_dev().join(f).display().to_string()).collect()
}

/// (organizations, people, listings, ties) as `check` prints them.
fn counts(db: impl AsRef<std::ffi::OsStr>) -> (u64, u64, u64, u64) {
    let output = run(db, &["check"]);
    assert!(output.status.success(), "check failed: {}", stderr(&output));
    let text = stdout(&output);
    assert!(text.contains("integrity: ok"), "{text}");
    let numbers: Vec<u64> = text
        .lines()
        .find(|l| l.starts_with("organizations"))
        .unwrap_or("")
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    (numbers[0], numbers[1], numbers[2], numbers[3])
}

fn line_count(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().filter(|l| !l.trim().is_empty()).count()
}

#[test]
fn help_lists_every_command() {
    let output = bin().arg("--help").output().unwrap();
    let text = stdout(&output);
    for command in ["serve", "import", "export", "demo", "check", "bench", "--db"] {
        assert!(text.contains(command), "--help mentions {command}: {text}");
    }
}

#[test]
fn a_killed_import_leaves_a_consistent_database_and_a_rerun_completes_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let input = dir.path().join("big.jsonl");
    let n = 150_000;
    let mut file = std::io::BufWriter::new(std::fs::File::create(&input).unwrap());
    bridgehub_app::generate_records(n, 7, &mut file).unwrap();
    file.flush().unwrap();
    drop(file);
    // Create the schema first so the WAL file is the import's own work.
    assert_eq!(counts(&db), (0, 0, 0, 0));

    let mut child = bin().arg("--db").arg(&db).args(["--quiet", "import", input.to_str().unwrap()]).spawn().unwrap();
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    let started = Instant::now();
    // Kill it while it writes: once the write-ahead log has grown past 4 MB.
    loop {
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        if size > 4_000_000 {
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the import finished before it could be killed; raise n");
        assert!(started.elapsed() < Duration::from_secs(120), "the import never started writing");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();

    assert_eq!(counts(&db), (0, 0, 0, 0), "the uncommitted import left nothing behind");
    let output = run(&db, &["--quiet", "import", input.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (orgs, people, listings, ties) = counts(&db);
    assert_eq!(orgs + people + listings + ties, n);
}

#[test]
fn the_demo_covers_every_region_and_ten_listing_languages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let output = run(&db, &["demo", "--people", "500"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let (orgs, people, listings, ties) = counts(&db);
    assert!(orgs > 10_000, "universities and generated organizations: {orgs}");
    assert_eq!(people, 500);
    assert!(listings >= 5_000 && ties > 1_000);
    let conn = rusqlite::Connection::open(&db).unwrap();
    let languages: Vec<String> = conn
        .prepare("SELECT DISTINCT language FROM listings ORDER BY 1")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    for lang in ["zh-Hans", "zh-Hant", "en", "ar", "ms", "id", "th", "vi", "fr", "es"] {
        assert!(languages.iter().any(|l| l == lang), "listings in {lang}: {languages:?}");
    }
    let kinds: i64 = conn.query_row("SELECT count(DISTINCT kind) FROM organizations", [], |r| r.get(0)).unwrap();
    assert_eq!(kinds, 10, "every organization kind");
    let countries: i64 = conn.query_row("SELECT count(DISTINCT country) FROM organizations", [], |r| r.get(0)).unwrap();
    assert!(countries > 200, "organizations in {countries} countries");
    // One matchmaking event, its requests between parties of different countries, and a
    // schedule that holds many of them.
    let event_counts = |conn: &rusqlite::Connection| -> (i64, i64, i64, i64) {
        let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
        (
            count("SELECT count(*) FROM events"),
            count("SELECT count(*) FROM event_registrations"),
            count("SELECT count(*) FROM meeting_requests"),
            count("SELECT count(*) FROM meetings WHERE status = 'confirmed'"),
        )
    };
    let (events, registered, requests, meetings) = event_counts(&conn);
    assert_eq!(events, 1);
    assert!(registered >= 40 && requests >= 100 && meetings >= 50, "{registered} registered, {requests} requests, {meetings} meetings");
    // Some participants are busy for an hour; the schedule meets them, but never then.
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap();
    let busy_sides = "FROM meetings m JOIN meeting_requests q ON q.id = m.request_id \
        JOIN event_registrations r ON r.event_id = q.event_id AND r.party_id IN (q.from_party, q.to_party) \
        WHERE m.status = 'confirmed' AND r.unavailable <> '[]'";
    assert!(count("SELECT count(*) FROM event_registrations WHERE unavailable <> '[]'") >= 1);
    assert!(count(&format!("SELECT count(*) {busy_sides}")) >= 1, "busy participants have meetings too");
    assert_eq!(count(&format!("SELECT count(*) {busy_sides} AND r.unavailable LIKE '%\"' || m.slot_id || '\"%'")), 0, "none in a slot marked unavailable");
    // Re-running the same seed changes nothing.
    let output = run(&db, &["demo", "--people", "500"]);
    assert!(output.status.success());
    assert_eq!(counts(&db), (orgs, people, listings, ties));
    assert_eq!(event_counts(&conn), (events, registered, requests, meetings), "the event is not made twice");
}

#[test]
fn serve_prints_its_url_and_answers_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let (mut child, url) = serve_node(db.to_str().unwrap());
    let body = ureq::get(&format!("{url}/api/health")).call().unwrap().body_mut().read_to_string().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(body.starts_with(r#"{"status":"ok","backend":"sqlite","followed_change":"#), "{body}");
}

#[test]
fn a_missing_file_and_a_bad_config_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let output = run(&db, &["import", "/nonexistent/file.jsonl"]);
    assert!(!output.status.success());
    assert!(stderr(&output).contains("cannot open /nonexistent/file.jsonl"), "{}", stderr(&output));
    let config = dir.path().join("bridgehub.toml");
    std::fs::write(&config, "databse = \"x\"\n").unwrap();
    let output = bin().args(["--config", config.to_str().unwrap(), "check"]).output().unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("unknown field `databse`"), "{}", stderr(&output));
}

/// A file with the match-dev organizations, a few good listings and planted bad lines.
fn planted_file(dir: &Path) -> (PathBuf, usize, Vec<String>) {
    let source = std::fs::read_to_string(match_dev().join("orgs_and_listings.jsonl")).unwrap();
    let mut lines: Vec<String> = source.lines().map(str::to_owned).collect();
    let good = lines.len();
    let file = dir.join("planted.jsonl");
    lines.push(r#"{"type": "organization", "id": "bad-1", "name": "Atlantis Trading", "kind": "enterprise", "country": "XX"}"#.into());
    lines.push(r#"{"type": "listing", "id": "bad-2", "owner": "nobody-here", "direction": "offer", "category": "service", "title": "Ghost", "body": "b", "language": "en"}"#.into());
    lines.push(r#"{"type": "listing", "id": "bad-3", "owner": "org-d6ac09762f", "direction": "sell", "category": "service", "title": "", "body": "b", "language": "en"}"#.into());
    lines.push(r#"{"type": "organization", "id": "bad-4", "name": "Broken"#.into());
    std::fs::write(&file, lines.join("\n") + "\n").unwrap();
    let name = file.display().to_string();
    let expected = vec![
        format!("{name}:{}: country: \"XX\" is not an ISO 3166-1 alpha-2 country code", good + 1),
        format!("{name}:{}: owner: organization \"nobody-here\" does not exist", good + 2),
        format!("{name}:{}: direction: \"sell\" is not a known direction; expected one of: offer, seek", good + 3),
        format!("{name}:{}: title: must not be empty", good + 3),
    ];
    (file, good, expected)
}

fn export(db: impl AsRef<std::ffi::OsStr>, out: &Path) -> String {
    let output = run(db, &["export", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    std::fs::read_to_string(out).unwrap()
}

backend_tests! {
    fn the_match_dev_files_import_unchanged_and_completely(test_db) {
        let db = test_db.url.as_str();
        let files = match_dev_files();
        let mut args = vec!["import"];
        args.extend(files.iter().map(String::as_str));
        let output = run(&db, &args);
        assert!(output.status.success(), "{}", stderr(&output));
        let expected_records: usize = files.iter().map(|f| line_count(Path::new(f))).sum();
        let (orgs, people, listings, ties) = counts(&db);
        assert_eq!((orgs + people + listings + ties) as usize, expected_records);
        assert_eq!(listings, 2200);
        // Idempotent: a second run changes nothing.
        let output = run(&db, &args);
        assert!(stderr(&output).contains("listings +0 ~0 =2200"), "{}", stderr(&output));
        assert_eq!(counts(&db), (orgs, people, listings, ties));
    }

    

    fn planted_bad_lines_are_each_reported_and_nothing_is_stored(test_db) {
        let dir = test_db.dir();
        let db = test_db.url.as_str();
        let (file, _good, expected) = planted_file(dir);
        let output = run(&db, &["import", file.to_str().unwrap()]);
        assert!(!output.status.success());
        let err = stderr(&output);
        for message in &expected {
            assert!(err.lines().any(|l| l == message), "missing `{message}` in:\n{err}");
        }
        let json_error = err.lines().filter(|l| l.contains(": (json): not valid JSON")).count();
        assert_eq!(json_error, 1, "{err}");
        assert!(err.contains("import rejected: 4 bad line(s), nothing was stored"), "{err}");
        assert_eq!(counts(&db), (0, 0, 0, 0));
    }


    fn skip_invalid_stores_exactly_the_good_records(test_db) {
        let dir = test_db.dir();
        let db = test_db.url.as_str();
        let (file, good, _) = planted_file(dir);
        let output = run(&db, &["import", "--skip-invalid", file.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        let (orgs, people, listings, ties) = counts(&db);
        assert_eq!((orgs + people + listings + ties) as usize, good);
        assert_eq!((orgs, listings), (200, 200));
    }

    

    fn jsonl_and_csv_exports_reimport_to_the_same_data(test_db) {
        let dir = test_db.dir();
        let first = test_db.url.as_str();
        let mut args = vec!["import".to_string()];
        args.extend(match_dev_files());
        // Add people and ties so every record type travels.
        let extra = dir.join("extra.jsonl");
        std::fs::write(
            &extra,
            concat!(
                r#"{"type": "person", "id": "p-1", "name": "陈伟", "names": {"en": "Chen Wei"}, "affiliation": "org-d6ac09762f", "title": "Partner", "country": "HK", "expertise": ["arbitration", "construction, disputes"], "sectors": ["legal"], "languages": ["zh-Hant", "en"], "contact": {"email": "chen@huagang-law.example"}}"#, "\n",
                r#"{"type": "tie", "from": "p-1", "to": "org-d6ac09762f", "kind": "member_of", "date": "2020-01-01", "source": "import"}"#, "\n",
                r#"{"type": "tie", "id": "t-2", "from": "org-d6ac09762f", "to": "org-98cfe53b6e", "kind": "mou", "date": "2024-05-06", "evidence": "MoU; signed \"in Lahore\""}"#, "\n",
            ),
        )
        .unwrap();
        args.push(extra.display().to_string());
        let output = run(&first, &args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(output.status.success(), "{}", stderr(&output));
        let exported = export(&first, &dir.join("first.jsonl"));

        let second_db = bridgehub_testkit::TestDb::new(test_db.backend);
        let second = second_db.url.as_str();
        let output = run(&second, &["import", dir.join("first.jsonl").to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(export(&second, &dir.join("second.jsonl")), exported, "JSON Lines round trip");

        let csv_dir = dir.join("csv");
        let output = run(&first, &["export", "--format", "csv", "--out", csv_dir.to_str().unwrap()]);
        assert!(output.status.success(), "{}", stderr(&output));
        let third_db = bridgehub_testkit::TestDb::new(test_db.backend);
        let third = third_db.url.as_str();
        for (file, kind) in [("organizations.csv", "organization"), ("people.csv", "person"), ("listings.csv", "listing"), ("ties.csv", "tie")] {
            let output = run(&third, &["import", "--type", kind, csv_dir.join(file).to_str().unwrap()]);
            assert!(output.status.success(), "{file}: {}", stderr(&output));
        }
        assert_eq!(export(&third, &dir.join("third.jsonl")), exported, "CSV round trip");
    }


    fn a_csv_with_its_own_headers_imports_through_a_mapping(test_db) {
        let dir = test_db.dir();
        let db = test_db.url.as_str();
        let file = dir.join("members.csv");
        std::fs::write(
            &file,
            "Member ID,Organisation,Type,Nation,Fields,Working languages,E-mail\n\
             m-1,Kuala Lumpur Halal Exporters,enterprise,MY,agrifood;trade,ms;en,export@klhe.example\n\
             m-2,Riyadh Logistics Council,chamber,SA,logistics,ar;en,\n",
        )
        .unwrap();
        let output = run(&db, &[
            "import", "--type", "organization", "--map",
            "Member ID=id,Organisation=name,Type=kind,Nation=country,Fields=sectors,Working languages=languages,E-mail=contact.email",
            file.to_str().unwrap(),
        ]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert_eq!(counts(&db).0, 2);
        let exported = export(&db, &dir.join("out.jsonl"));
        assert!(exported.contains(r#""sectors":["agrifood","trade"]"#), "{exported}");
    }
}

#[test]
fn migrate_data_copies_a_whole_hub_from_sqlite_to_postgres() {
    let source = bridgehub_testkit::TestDb::new(bridgehub_testkit::Backend::Sqlite);
    let target = bridgehub_testkit::TestDb::new(bridgehub_testkit::Backend::Postgres);
    let output = run(&source.url, &["demo", "--people", "300"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = bin().args(["migrate-data", "--from", &source.url, "--to", &target.url]).output().unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("copied in"), "{}", stderr(&output));
    assert_eq!(counts(&target.url), counts(&source.url));
    let from = export(&source.url, &source.dir().join("from.jsonl"));
    let to = export(&target.url, &target.dir().join("to.jsonl"));
    assert!(from == to, "the PostgreSQL copy exports exactly what the SQLite hub exports");
}

/// Starts `serve` on `db` and returns the child and its base URL.
fn serve_node(db: &str) -> (std::process::Child, String) {
    let mut child = bin()
        .args(["--db", db, "serve", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let url = line.split_whitespace().find(|w| w.starts_with("http://")).unwrap().trim_end_matches('/').to_owned();
    (child, url)
}

fn followed(url: &str) -> i64 {
    let body = ureq::get(&format!("{url}/api/health")).call().unwrap().body_mut().read_to_string().unwrap();
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["followed_change"].as_i64().unwrap()
}

mod following {
    use super::*;

    backend_tests! {
        fn every_serving_node_follows_a_cli_import(test_db) {
            let db = test_db.url.as_str();
            assert_eq!(counts(db), (0, 0, 0, 0));
            let (mut node_a, url_a) = serve_node(db);
            let (mut node_b, url_b) = serve_node(db);
            let file = test_db.dir().join("one.jsonl");
            std::fs::write(
                &file,
                concat!(
                    r#"{"type": "organization", "id": "o-vn", "name": "Saigon Cold Chain", "kind": "enterprise", "country": "VN"}"#, "\n",
                    r#"{"type": "listing", "id": "l-vn", "owner": "o-vn", "direction": "offer", "category": "service", "title": "Kho lạnh", "body": "Kho lạnh và vận chuyển", "language": "vi"}"#, "\n",
                ),
            )
            .unwrap();
            let imported = Instant::now();
            let output = run(db, &["import", file.to_str().unwrap()]);
            assert!(output.status.success(), "{}", stderr(&output));
            let changes = ureq::get(&format!("{url_a}/api/v1/changes?after=0")).call().unwrap().body_mut().read_to_string().unwrap();
            let last = serde_json::from_str::<serde_json::Value>(&changes).unwrap().as_array().unwrap().last().unwrap()["seq"].as_i64().unwrap();
            for url in [&url_a, &url_b] {
                while followed(url) < last {
                    assert!(imported.elapsed() < Duration::from_secs(10), "{url} never followed the import");
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
            eprintln!("both nodes followed the CLI import {} ms after it started", imported.elapsed().as_millis());
            node_a.kill().unwrap();
            node_b.kill().unwrap();
            node_a.wait().unwrap();
            node_b.wait().unwrap();
        }
    }
}

#[test]
fn match_json_puts_the_cross_language_counterpart_first_and_never_an_excluded_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("hub.db");
    let file = dir.path().join("cases.jsonl");
    std::fs::write(
        &file,
        [
            r#"{"type": "organization", "id": "sz", "name": "深圳鲜果进口有限公司", "kind": "enterprise", "country": "CN", "sectors": ["agrifood", "logistics"], "languages": ["zh-Hans", "en"]}"#,
            r#"{"type": "organization", "id": "hcmc", "name": "Saigon Cold Chain", "kind": "enterprise", "country": "VN", "sectors": ["logistics"], "languages": ["vi", "en"]}"#,
            r#"{"type": "organization", "id": "paris", "name": "Froid Express", "kind": "enterprise", "country": "FR", "sectors": ["logistics"], "languages": ["fr", "en"]}"#,
            r#"{"type": "organization", "id": "gz", "name": "广州法律咨询", "kind": "enterprise", "country": "CN", "sectors": ["legal"], "languages": ["zh-Hans"]}"#,
            r#"{"type": "listing", "id": "seek", "owner": "sz", "direction": "seek", "category": "service", "title": "寻求越南冷链物流伙伴", "body": "寻求越南冷链物流伙伴，负责榴莲进口的仓储和运输", "language": "zh-Hans", "sectors": ["logistics"], "target_groups": ["asean"]}"#,
            r#"{"type": "listing", "id": "offer-vn", "owner": "hcmc", "direction": "offer", "category": "service", "title": "Kho lạnh và vận chuyển trái cây", "body": "Kho lạnh và vận chuyển trái cây xuất khẩu sang Trung Quốc", "language": "vi", "sectors": ["logistics"], "target_countries": ["CN"]}"#,
            r#"{"type": "listing", "id": "offer-fr", "owner": "paris", "direction": "offer", "category": "service", "title": "Entreposage frigorifique", "body": "Entreposage frigorifique et transport de fruits vers la Chine", "language": "fr", "sectors": ["logistics"]}"#,
        ]
        .join("\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("gold.tsv"), "query_listing_id\tgold_listing_id\tnote\nseek\toffer-vn\tzh-Hans->vi\n").unwrap();
    // The evaluation over the same folder: every engine row, the retrieval row with the pool
    // asked for, and the gold first for the full engine.
    let work = dir.path().join("eval-work");
    let output = run(dir.path().join("unused.db"), &["eval", "match", dir.path().to_str().unwrap(), "--json", "--pool", "2", "--work-dir", work.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    for row in ["full", "retrieval", "lexical", "semantic", "latent"] {
        assert_eq!(report[row]["overall"]["queries"], 1, "{row}: {report}");
        assert_eq!(report[row]["by_pair"]["zh-Hans->vi"]["queries"], 1, "{row}: {report}");
    }
    assert_eq!(report["retrieval_pool"], 2);
    assert_eq!(report["full"]["overall"]["recall_at_1"], 1.0, "{report}");
    assert_eq!(report["retrieval"]["overall"]["mrr"], 1.0, "{report}");
    let output = run(&db, &["import", file.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    let output = run(&db, &["match", "--listing", "seek", "--json"]);
    assert!(output.status.success(), "the sentence model is needed (scripts/fetch-model.sh): {}", stderr(&output));
    let line: serde_json::Value = serde_json::from_str(stdout(&output).lines().next().unwrap()).unwrap();
    assert_eq!(line["listing"], "seek");
    let matches = line["matches"].as_array().unwrap();
    let ids: Vec<&str> = matches.iter().map(|m| m["listing"].as_str().unwrap()).collect();
    assert_eq!(ids, vec!["offer-vn"], "the French offer is outside the seek's ASEAN target");
    assert_eq!(matches[0]["organization"], "hcmc");
    assert!(matches[0]["score"].as_f64().unwrap() > 0.0);
    let signals: Vec<&str> = matches[0]["reasons"].as_array().unwrap().iter().map(|r| r["signal"].as_str().unwrap()).collect();
    assert!(signals.contains(&"semantic") && signals.contains(&"sector") && signals.contains(&"targets_you"), "{signals:?}");
}
