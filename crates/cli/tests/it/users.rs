//! `bridgehub user create|make-admin|list` on both backends.

use std::io::Write;
use std::process::Stdio;

use bridgehub_testkit::backend_tests;

use super::{bin, run, stderr, stdout};

backend_tests! {
    fn users_are_created_listed_and_made_administrators(db) {
        let mut child = bin()
            .args(["--db", &db.url, "user", "create", "--email", "Ana@Example.org", "--name", "Ana", "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run bridgehub");
        child.stdin.take().expect("stdin").write_all(b"a long enough password\n").expect("write password");
        let created = child.wait_with_output().expect("wait");
        assert!(created.status.success(), "{}", stderr(&created));
        let id = stdout(&created).trim().to_owned();
        assert!(id.starts_with("usr-"), "{id}");

        // No password on the command line: refused, with a clear message.
        let refused = run(&db.url, &["user", "create", "--email", "bo@example.org", "--name", "Bo"]);
        assert!(!refused.status.success());
        assert!(stderr(&refused).contains("--password-stdin"), "{}", stderr(&refused));
        let short = bin()
            .args(["--db", &db.url, "user", "create", "--email", "bo@example.org", "--name", "Bo"])
            .env("BRIDGEHUB_USER_PASSWORD", "short")
            .output()
            .expect("run bridgehub");
        assert!(stderr(&short).contains("password"), "{}", stderr(&short));

        let made = run(&db.url, &["user", "make-admin", "ana@example.org"]);
        assert!(made.status.success(), "{}", stderr(&made));
        let listed = run(&db.url, &["user", "list", "--json"]);
        let users: Vec<serde_json::Value> =
            stdout(&listed).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect();
        assert_eq!(users.len(), 1);
        assert_eq!(users[0]["id"], id.as_str());
        assert_eq!(users[0]["email"], "ana@example.org");
        assert_eq!(users[0]["is_admin"], true);
        assert!(!stdout(&listed).contains("argon2"));
        assert!(!run(&db.url, &["user", "make-admin", "nobody@example.org"]).status.success());
    }
}
