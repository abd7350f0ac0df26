//! `bridgehub`: the command-line edge of the hub. Parses flags, sets up logging and
//! progress bars, and calls `bridgehub_app` use cases; nothing else lives here.

/// mimalloc returns memory freed after the index build to the system (glibc kept ~50 MB of
/// it at 100k listings), and is quicker for the many small allocations of a match query.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod analytics;
mod bench;
mod events;
mod load;
mod matching;
mod pages_bench;
mod progress;
mod schedule;
mod users;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use bridgehub_app::{AppError, Config, DemoOptions, Hub, ImportOptions, ImportReport, ImportSource, InputFormat};
use clap::{Parser, Subcommand, ValueEnum};

use crate::progress::BarProgress;

/// Bridgehub — a matchmaking hub for international exchange and cooperation.
///
/// Keeps a directory of organizations and people, their offers and seeks, and the
/// ties between them, in one SQLite file (default ./bridgehub.db) or, for several app
/// nodes, in PostgreSQL (`--db postgres://user@host:port/database`).
#[derive(Debug, Parser)]
#[command(name = "bridgehub", version, propagate_version = true, max_term_width = 100)]
struct Cli {
    /// The database: a SQLite file path or a `postgres://` URL [default: ./bridgehub.db, or `db` in the config file]
    #[arg(long, global = true, env = "BRIDGEHUB_DB", value_name = "PATH")]
    db: Option<String>,

    /// Configuration file (TOML: `db`, `bind`) [default: ./bridgehub.toml if present]
    #[arg(long, global = true, env = "BRIDGEHUB_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,

    /// The sentence model file (e5-small-q4.bin) [default: $BRIDGEHUB_MODEL, $BRIDGEHUB_MODEL_DIR,
    /// `model` in the config file, then .cache/models/; fetch it with scripts/fetch-model.sh]
    #[arg(long, global = true, value_name = "FILE")]
    model: Option<PathBuf>,

    /// No progress bars or summaries, only errors.
    #[arg(long, short, global = true)]
    quiet: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the JSON API (and its OpenAPI description) over HTTP.
    Serve {
        /// Address to listen on; port 0 picks a free port [default: 127.0.0.1:8080]
        #[arg(long, env = "BRIDGEHUB_BIND", value_name = "ADDR")]
        bind: Option<String>,
        /// Build the demo data first when the database is empty.
        #[arg(long)]
        demo: bool,
    },
    /// Import exchange-format JSON Lines or CSV files (all or nothing by default).
    ///
    /// Every record is checked; each problem is reported as `file:line: field: problem`.
    /// Re-importing updates records by id.
    Import {
        /// Files to import; `.csv` files are read as CSV, anything else as JSON Lines.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
        /// Store the good records and report the bad ones, instead of storing nothing.
        #[arg(long)]
        skip_invalid: bool,
        /// Check everything, store nothing.
        #[arg(long)]
        dry_run: bool,
        /// Read every file in this format, whatever its name.
        #[arg(long, value_enum)]
        format: Option<FormatArg>,
        /// CSV: the record type of every row, when the file has no `type` column.
        #[arg(long = "type", value_name = "TYPE", value_parser = ["organization", "person", "listing", "tie"])]
        record_type: Option<String>,
        /// CSV: map a column header to a field, `"Org Name=name"` (repeat or comma-separate).
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        mapping: Vec<String>,
    },
    /// Export every record (JSON Lines to stdout or a file, or CSV files into a folder).
    Export {
        /// Output format.
        #[arg(long, value_enum, default_value_t = FormatArg::Jsonl)]
        format: FormatArg,
        /// File (JSON Lines) or folder (CSV); JSON Lines go to stdout when omitted.
        #[arg(long, short, value_name = "PATH")]
        out: Option<PathBuf>,
    },
    /// Build a realistic demo hub: ~10,000 real universities, multilingual organizations and
    /// listings, people and ties in every region.
    Demo {
        /// Seed of the generated parts.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Number of people to generate.
        #[arg(long, default_value_t = 3_000)]
        people: usize,
    },
    /// Check the database (SQLite integrity and foreign keys) and print the counts.
    Check,
    /// Copy a whole hub into another database (e.g. SQLite → PostgreSQL) and check the counts.
    MigrateData {
        /// Source database: a SQLite file path (or a PostgreSQL URL).
        #[arg(long, value_name = "DB")]
        from: String,
        /// Target database: a PostgreSQL URL `postgres://user@host:port/database` (or a SQLite file).
        #[arg(long, value_name = "DB")]
        to: String,
    },
    /// Recommended counterparts of listings or of an organization, with their reasons.
    Match(matching::MatchArgs),
    /// Evaluations against gold sets.
    Eval {
        #[command(subcommand)]
        which: matching::EvalCommand,
    },
    /// Schedule one-to-one meetings: a JAIR `.dzn` (mode all, d = 2) or a Bridgehub JSON instance → result JSON.
    Schedule(schedule::ScheduleArgs),
    /// Write a generated meeting-scheduling instance (scheduling.md §7).
    ScheduleGen(schedule::ScheduleGenArgs),
    /// Events stored in the hub: list, show, import requests, schedule, agendas, iCalendar.
    Event {
        #[command(subcommand)]
        which: events::EventCommand,
    },
    /// Network analytics over the tie graph (thin-tie map).
    Analytics {
        #[command(subcommand)]
        which: analytics::AnalyticsCommand,
    },
    /// Who can introduce us? The best paths of at most 3 hops, scored by tie strength.
    Path(analytics::PathArgs),
    /// Conflicts of interest between neutrals and parties (direct and two-hop ties).
    Coi(analytics::CoiArgs),
    /// Who bridges regions: betweenness and Burt's constraint.
    Brokers(analytics::BrokersArgs),
    /// Accounts: create, make-admin, list.
    User {
        #[command(subcommand)]
        which: users::UserCommand,
    },
    /// Benchmarks that write their figures as JSON.
    Bench {
        #[command(subcommand)]
        which: bench::BenchCommand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FormatArg {
    /// Exchange format v1, JSON Lines.
    Jsonl,
    /// CSV (one file per record type).
    Csv,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing(matches!(cli.command, Command::Serve { .. }));
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(serving: bool) {
    let default = if serving { "info" } else { "warn" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("BRIDGEHUB_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).init();
}

fn config(cli: &Cli) -> Result<Config> {
    let mut config = match &cli.config {
        Some(path) => Config::load(path, true)?,
        None => Config::load(std::path::Path::new("bridgehub.toml"), false)?,
    };
    if let Some(db) = &cli.db {
        config.db = db.clone();
    }
    if let Some(model) = &cli.model {
        config.model = Some(model.display().to_string());
    }
    Ok(config)
}

/// The hub with the sentence model loaded (serving and matching need it).
fn open_with_model(config: &Config) -> Result<Hub> {
    let embedder = bridgehub_app::load_embedder(config.model.as_deref().map(std::path::Path::new))?;
    Ok(open(config)?.with_embedder(embedder))
}

fn open(config: &Config) -> Result<Hub> {
    let policy = config.accounts.policy()?;
    Ok(Hub::open(&config.db)
        .with_context(|| format!("cannot open the database {}", config.db))?
        .with_account_policy(policy))
}

fn run(cli: Cli) -> Result<()> {
    let mut config = config(&cli)?;
    let quiet = cli.quiet;
    match cli.command {
        Command::Serve { bind, demo } => {
            if let Some(bind) = bind {
                config.bind = bind;
            }
            let hub = open_with_model(&config)?;
            if demo && hub.counts()?.organizations == 0 {
                eprintln!("building the demo data into {} ...", config.db);
                let report = hub.build_demo(DemoOptions::default(), &BarProgress::new(quiet))?;
                eprintln!("demo data ready: {} records in {:.1} s", report.import.records_stored, report.elapsed.as_secs_f64());
            }
            serve(hub, &config.bind)
        }
        Command::Import { files, skip_invalid, dry_run, format, record_type, mapping } => {
            let hub = open(&config)?;
            let mapping = bridgehub_exchange::parse_mapping(&mapping).map_err(anyhow::Error::msg)?;
            let sources: Vec<ImportSource> = files
                .into_iter()
                .map(|path| {
                    let mut source = ImportSource::new(path);
                    if let Some(format) = format {
                        source.format = match format {
                            FormatArg::Jsonl => InputFormat::Jsonl,
                            FormatArg::Csv => InputFormat::Csv,
                        };
                    }
                    source.csv_type = record_type.clone();
                    source.mapping = mapping.clone();
                    source
                })
                .collect();
            let options = ImportOptions { skip_invalid, dry_run };
            match hub.import(&sources, options, &BarProgress::new(quiet)) {
                Ok(report) => {
                    print_import(&report, quiet);
                    Ok(())
                }
                Err(AppError::ImportRejected { bad_lines, errors }) => {
                    for error in &errors {
                        eprintln!("{error}");
                    }
                    bail!("import rejected: {bad_lines} bad line(s), nothing was stored (use --skip-invalid to store the good records)")
                }
                Err(err) => Err(err.into()),
            }
        }
        Command::Export { format, out } => {
            let hub = open(&config)?;
            let progress = BarProgress::new(quiet || out.is_none());
            let counts = match (format, out) {
                (FormatArg::Jsonl, None) => hub.export_jsonl(&mut std::io::stdout().lock(), &progress)?,
                (FormatArg::Jsonl, Some(path)) => {
                    let mut file = std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
                    hub.export_jsonl(&mut file, &progress)?
                }
                (FormatArg::Csv, Some(dir)) => hub.export_csv(&dir, &progress)?,
                (FormatArg::Csv, None) => bail!("CSV export writes one file per record type: give a folder with --out"),
            };
            if !quiet {
                eprintln!(
                    "exported {} organizations, {} people, {} listings, {} ties",
                    counts.organizations, counts.people, counts.listings, counts.ties
                );
            }
            Ok(())
        }
        Command::Demo { seed, people } => {
            let hub = open(&config)?;
            let report = hub.build_demo(DemoOptions { seed, people }, &BarProgress::new(quiet))?;
            if !quiet {
                let size = std::fs::metadata(&config.db).map(|m| m.len()).unwrap_or(0);
                eprintln!(
                    "demo built in {:.1} s: {} universities, {} generated organizations, {} corpus records, {} people, {} ties, an event with {} meeting requests and {} meetings scheduled; {} records stored; database {} ({:.1} MB)",
                    report.elapsed.as_secs_f64(),
                    report.universities,
                    report.generated_organizations,
                    report.corpus_records,
                    report.people,
                    report.ties,
                    report.event_requests,
                    report.event_meetings,
                    report.import.records_stored,
                    config.db,
                    size as f64 / 1e6
                );
            }
            Ok(())
        }
        Command::Check => {
            let hub = open(&config)?;
            let report = hub.integrity_check()?;
            let counts = hub.counts()?;
            println!("integrity: {report}");
            println!(
                "organizations {} · people {} · listings {} · ties {}",
                counts.organizations, counts.people, counts.listings, counts.ties
            );
            if report != "ok" {
                bail!("the database failed its integrity check");
            }
            Ok(())
        }
        Command::MigrateData { from, to } => {
            let source = Hub::open(&from).with_context(|| format!("cannot open the source database {from}"))?;
            let target = Hub::open(&to).with_context(|| "cannot open the target database".to_string())?;
            let report = source.migrate_to(&target, &BarProgress::new(quiet))?;
            if !quiet {
                let (s, t) = (report.source, report.target);
                eprintln!(
                    "copied in {:.1} s — organizations {} → {}, people {} → {}, listings {} → {}, ties {} → {} (source → target)",
                    report.elapsed.as_secs_f64(),
                    s.organizations, t.organizations, s.people, t.people, s.listings, t.listings, s.ties, t.ties
                );
            }
            Ok(())
        }
        Command::Match(args) => {
            let hub = open_with_model(&config)?;
            matching::run_match(&hub, args, quiet)
        }
        Command::Eval { which } => {
            let embedder = bridgehub_app::load_embedder(config.model.as_deref().map(std::path::Path::new))?;
            matching::run_eval(which, embedder, quiet)
        }
        Command::Schedule(args) => schedule::run_schedule(args),
        Command::ScheduleGen(args) => schedule::run_schedule_gen(args),
        Command::Event { which } => events::run(&open(&config)?, which),
        Command::Analytics { which } => analytics::run_analytics(&open(&config)?, which),
        Command::Path(args) => analytics::run_path(&open(&config)?, args),
        Command::Coi(args) => analytics::run_coi(&open(&config)?, args),
        Command::Brokers(args) => analytics::run_brokers(&open(&config)?, args),
        Command::User { which } => users::run(&open(&config)?, which),
        Command::Bench { which } => bench::run(which, quiet),
    }
}

fn print_import(report: &ImportReport, quiet: bool) {
    for error in &report.errors {
        eprintln!("{error}");
    }
    if quiet {
        return;
    }
    for warning in report.warnings.iter().take(20) {
        eprintln!("warning: {warning}");
    }
    if report.warnings.len() > 20 {
        eprintln!("warning: ... and {} more", report.warnings.len() - 20);
    }
    let c = &report.counts;
    let verb = if report.stored { "stored" } else { "checked (dry run, nothing stored)" };
    eprintln!(
        "{verb}: {} records ({} bad lines skipped) in {:.2} s — organizations +{} ~{} ={}, people +{} ~{} ={}, listings +{} ~{} ={}, ties +{} ~{} ={}",
        report.records_stored,
        report.bad_lines,
        (report.read_time + report.write_time).as_secs_f64(),
        c.organizations.inserted, c.organizations.updated, c.organizations.unchanged,
        c.people.inserted, c.people.updated, c.people.unchanged,
        c.listings.inserted, c.listings.updated, c.listings.unchanged,
        c.ties.inserted, c.ties.updated, c.ties.unchanged,
    );
}

fn serve(hub: Hub, bind: &str) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("cannot start the runtime")?;
    runtime.block_on(async move {
        let (listener, addr) = bridgehub_http::bind(bind).await.with_context(|| format!("cannot listen on {bind}"))?;
        tracing::info!(%addr, backend = hub.backend(), "building the match index (the first start embeds every listing)");
        let ready = move || {
            println!("Bridgehub is serving http://{addr}/ (API: http://{addr}/api/v1, OpenAPI: http://{addr}/api/openapi.json)");
        };
        bridgehub_http::serve_with(listener, hub, shutdown_signal(), ready).await.context("server failed")?;
        tracing::info!("stopped");
        Ok(())
    })
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
