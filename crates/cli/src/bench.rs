//! `bridgehub bench ...`: benchmarks that print and write their figures as JSON.

use std::io::BufWriter;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bridgehub_app::{generate_records, Hub, ImportOptions, ImportSource, NoProgress};
use clap::Subcommand;
use serde_json::json;

#[derive(Debug, Subcommand)]
pub(crate) enum BenchCommand {
    /// Import throughput into a fresh SQLite database: generates N valid records
    /// (20 % organizations, 10 % people, 40 % listings, 30 % ties), then times
    /// `import` on them (reading, checking and writing in one transaction).
    Import {
        /// Number of records.
        #[arg(long, default_value_t = 1_000_000)]
        records: u64,
        /// Seed of the generated records.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Working folder for the generated file and database [default: a temporary folder].
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Benchmark PostgreSQL instead of SQLite: a scratch database is created on the server
        /// of this URL (e.g. postgres://postgres@127.0.0.1:5432/test) and dropped afterwards.
        #[arg(long, value_name = "ADMIN_URL")]
        postgres: Option<String>,
        /// Where to write the JSON result.
        #[arg(long, value_name = "FILE", default_value = "bench/results/import.json")]
        out: PathBuf,
    },
    /// Match-query latency with the full engine: fills a fresh database with LISTINGS
    /// listings made from the base hub's real listings and their stored embeddings (copies
    /// beyond the first carry small noise), builds the match index from the stored vectors
    /// and times random match queries.
    Match {
        /// Listings to generate.
        #[arg(long, default_value_t = 10_000)]
        listings: usize,
        /// Queries to time.
        #[arg(long, default_value_t = 500)]
        queries: usize,
        /// Matches per query.
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A hub whose listings have stored embeddings (e.g. one `serve --demo` filled).
        #[arg(long, value_name = "DB")]
        base_db: String,
        /// Working folder for the SQLite database [default: a temporary folder].
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Benchmark PostgreSQL instead of SQLite (a scratch database on this server).
        #[arg(long, value_name = "ADMIN_URL")]
        postgres: Option<String>,
        /// Where to write the JSON result.
        #[arg(long, value_name = "FILE", default_value = "bench/results/match.json")]
        out: PathBuf,
    },
    /// Vector retrieval alone: N vectors from the base hub's real embeddings (with noise),
    /// the HNSW graph built from them, query latency on the graph and on the exact scan,
    /// and the graph's recall@10.
    Vectors {
        /// Vectors to index.
        #[arg(long, default_value_t = 1_000_000)]
        vectors: usize,
        /// Queries to time.
        #[arg(long, default_value_t = 200)]
        queries: usize,
        /// Seed.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// A hub whose listings have stored embeddings.
        #[arg(long, value_name = "DB")]
        base_db: String,
        /// Time the exact scan alone (no graph is built).
        #[arg(long)]
        exact_only: bool,
        /// Where to write the JSON result.
        #[arg(long, value_name = "FILE", default_value = "bench/results/vectors.json")]
        out: PathBuf,
    },
    /// Web UI page times on a real database (e.g. the demo hub): the real server on
    /// 127.0.0.1, every main page requested over HTTP, p50/p95/max per page.
    Pages {
        /// The hub to serve (e.g. the demo database `serve --demo` built).
        #[arg(long, value_name = "DB")]
        base_db: String,
        /// Timed requests per page (after two warm-up requests).
        #[arg(long, default_value_t = 50)]
        requests: usize,
        /// Where to write the JSON result.
        #[arg(long, value_name = "FILE", default_value = "bench/results/pages.json")]
        out: PathBuf,
    },
    /// Mixed read/write load on a running hub (e.g. the cluster behind its balancer):
    /// workers create organizations with their own ids and read the directory; at the end
    /// every acknowledged write is read back. Failures are logged with their time.
    Load {
        /// Base URL of the hub.
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        /// Seconds of load.
        #[arg(long, default_value_t = 20)]
        duration: u64,
        /// Concurrent workers.
        #[arg(long, default_value_t = 8)]
        workers: usize,
        /// Share of requests that are writes, 0 to 1.
        #[arg(long, default_value_t = 0.3)]
        write_share: f64,
        /// Session token of an administrator (`POST /api/v1/session`), sent as bearer
        /// with the writes (creating organizations is for administrators).
        #[arg(long, env = "BRIDGEHUB_TOKEN", hide_env_values = true)]
        token: Option<String>,
        /// Where to write the JSON result.
        #[arg(long, value_name = "FILE", default_value = "bench/results/cluster-load.json")]
        out: PathBuf,
    },
}

fn write_result(out: &PathBuf, result: &serde_json::Value) -> Result<()> {
    if let Some(parent) = out.parent() {
        std::fs::create_dir_all(parent).ok();
    }
    std::fs::write(out, serde_json::to_string_pretty(result)? + "\n").with_context(|| format!("cannot write {}", out.display()))?;
    println!("{}", serde_json::to_string_pretty(result)?);
    Ok(())
}

pub(crate) fn run(command: BenchCommand, quiet: bool) -> Result<()> {
    match command {
        BenchCommand::Match { listings, queries, limit, seed, base_db, work_dir, postgres, out } => {
            let base = Hub::open(&base_db)?;
            let dir = match work_dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                    dir
                }
                None => tempdir()?,
            };
            let scratch = format!("bh_match_{}", std::process::id());
            let target = match &postgres {
                Some(admin) => bridgehub_app::create_scratch_database(admin, &scratch)?,
                None => {
                    let db = dir.join(format!("match-{listings}.db"));
                    for suffix in ["", "-wal", "-shm"] {
                        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
                    }
                    db.display().to_string()
                }
            };
            if !quiet {
                eprintln!("match benchmark: {listings} listings into {} ...", if postgres.is_some() { "PostgreSQL" } else { "SQLite" });
            }
            let options = bridgehub_app::MatchBenchOptions { listings, queries, limit, seed };
            let result = Hub::open(&target).map_err(anyhow::Error::from).and_then(|hub| Ok(bridgehub_app::match_bench(&hub, &base, &options)?));
            if let Some(admin) = &postgres {
                bridgehub_app::drop_scratch_database(admin, &scratch)?;
            }
            write_result(&out, &result?)
        }
        BenchCommand::Vectors { vectors, queries, seed, base_db, exact_only, out } => {
            let base = Hub::open(&base_db)?;
            if !quiet {
                eprintln!("vector benchmark: {vectors} vectors ...");
            }
            let result = bridgehub_app::vector_bench(&base, &bridgehub_app::VectorBenchOptions { vectors, queries, seed, graph: !exact_only })?;
            write_result(&out, &result)
        }
        BenchCommand::Pages { base_db, requests, out } => {
            let result = crate::pages_bench::run(&base_db, requests, quiet)?;
            write_result(&out, &result)
        }
        BenchCommand::Load { url, duration, workers, write_share, token, out } => {
            if write_share > 0.0 && token.is_none() {
                anyhow::bail!("--token (or BRIDGEHUB_TOKEN) is required for writes: log in as an administrator with POST /api/v1/session and pass its token, or use --write-share 0");
            }
            let result = crate::load::run(&url, Duration::from_secs(duration), workers, write_share, token, quiet)?;
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent).ok();
            }
            std::fs::write(&out, serde_json::to_string_pretty(&result)? + "\n")
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", serde_json::to_string_pretty(&result)?);
            if result["lost_writes"].as_u64().unwrap_or(1) > 0 {
                anyhow::bail!("acknowledged writes were lost");
            }
            Ok(())
        }
        BenchCommand::Import { records, seed, work_dir, postgres, out } => {
            let temp;
            let dir = match work_dir {
                Some(dir) => {
                    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
                    dir
                }
                None => {
                    temp = tempdir()?;
                    temp.clone()
                }
            };
            let input = dir.join("bench-records.jsonl");
            let db = dir.join("bench.db");
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
            }
            if !quiet {
                eprintln!("generating {records} records into {} ...", input.display());
            }
            let file = std::fs::File::create(&input).with_context(|| format!("cannot create {}", input.display()))?;
            let generated = generate_records(records, seed, &mut BufWriter::new(file))?;
            let input_bytes = std::fs::metadata(&input).map(|m| m.len()).unwrap_or(0);
            let scratch = format!("bh_bench_{}", std::process::id());
            let target = match &postgres {
                Some(admin) => bridgehub_app::create_scratch_database(admin, &scratch)?,
                None => db.display().to_string(),
            };
            let hub = Hub::open(&target)?;
            if !quiet {
                eprintln!("importing ...");
            }
            let started = Instant::now();
            let report = hub.import(&[ImportSource::new(&input)], ImportOptions::default(), &NoProgress)?;
            let elapsed = started.elapsed().as_secs_f64();
            let db_bytes = std::fs::metadata(&db).map(|m| m.len()).unwrap_or(0);
            drop(hub);
            if let Some(admin) = &postgres {
                bridgehub_app::drop_scratch_database(admin, &scratch)?;
            }
            let result = json!({
                "benchmark": "import",
                "backend": if postgres.is_some() { "postgres" } else { "sqlite" },
                "records": report.records_stored,
                "generated": {
                    "organizations": generated.organizations, "people": generated.people,
                    "listings": generated.listings, "ties": generated.ties,
                },
                "seconds": elapsed,
                "records_per_second": report.records_stored as f64 / elapsed,
                "read_and_check_seconds": report.read_time.as_secs_f64(),
                "write_seconds": report.write_time.as_secs_f64(),
                "input_bytes": input_bytes,
                "database_bytes": db_bytes,
                "durability": if postgres.is_some() { "PostgreSQL defaults (synchronous_commit=on)" } else { "SQLite WAL, synchronous=FULL" },
                "threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
                "profile": if cfg!(debug_assertions) { "debug" } else { "release" },
            });
            if let Some(parent) = out.parent() {
                std::fs::create_dir_all(parent).ok();
            }
            std::fs::write(&out, serde_json::to_string_pretty(&result)? + "\n")
                .with_context(|| format!("cannot write {}", out.display()))?;
            println!("{}", serde_json::to_string_pretty(&result)?);
            Ok(())
        }
    }
}

fn tempdir() -> Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("bridgehub-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(dir)
}
