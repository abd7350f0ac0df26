//! `bridgehub event create|list|show|import-requests|schedule|agenda|ics`: events stored in the
//! hub, driven from the command line by whoever holds the database (an administrator:
//! the CLI acts with administrator rights, as `Actor::operator()`).

use std::io::{BufRead, Write as _};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bridgehub_app::{Actor, EventSetup, Hub, MeetingRequestImport, ScheduleMode, ScheduleOptions};
use clap::{Args, Subcommand, ValueEnum};

/// `bridgehub event ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum EventCommand {
    /// Create an event from a JSON setup file: `{"event": {"title", "kind", "time_zone",
    /// "starts_on", "ends_on", ...}, "sessions": [{"day", "part", "starts", "ends",
    /// "slot_minutes"}], "slots": [{"day", "starts", "ends"}], "tables": [{"name",
    /// "capacity"}], "rules": {...}}` (the API's bodies; see docs/events.md). Everything
    /// is checked before anything is stored. Prints the event's details (JSON).
    Create {
        /// The setup file.
        file: PathBuf,
        /// The organizer: the e-mail address of an existing account.
        #[arg(long)]
        organizer: String,
    },
    /// List events (JSON Lines).
    List {
        /// At most this many.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// One event with its slots, tables, rules and latest run (JSON).
    Show {
        /// Event id.
        event: String,
    },
    /// Register parties and store their meeting requests from a JSON Lines file: one
    /// `{"from", "to", "priority"?: "must"|"should"|"nice", "note"?, "accepted"?: bool}`
    /// per line (`accepted` defaults to true: organizers importing agreed meetings),
    /// `"slot"?: SLOT-ID` to fix the meeting to one of the event's slots, `"session"?:
    /// "am"|"pm"` to hold it only then, and `"after"?: [{"from", "to"}]` naming requests of
    /// the event (earlier lines or stored ones) that must be held before it.
    ImportRequests {
        /// Event id.
        event: String,
        /// The JSON Lines file.
        file: PathBuf,
    },
    /// Run the scheduler for an event now (queued as a job and run in this process),
    /// keeping confirmed meetings where possible; prints the run's summary (JSON).
    Schedule(EventScheduleArgs),
    /// A party's agenda, in the event's time zone and in `--tz`.
    Agenda {
        /// Event id.
        event: String,
        /// Organization or person id.
        #[arg(long)]
        party: String,
        /// The viewer's IANA time zone [default: the event's].
        #[arg(long)]
        tz: Option<String>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// A party's iCalendar feed (or the whole event's without `--party`).
    Ics {
        /// Event id.
        event: String,
        /// Organization or person id.
        #[arg(long)]
        party: Option<String>,
        /// Write here instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// Flags of `bridgehub event schedule`.
#[derive(Debug, Args)]
pub(crate) struct EventScheduleArgs {
    /// Event id.
    event: String,
    /// Mode.
    #[arg(long, value_enum, default_value_t = ModeArg::MaxWeight)]
    mode: ModeArg,
    /// Wall-clock limit in seconds.
    #[arg(long, default_value_t = 10)]
    time_limit: u64,
    /// Seed.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// Scheduler mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModeArg {
    /// Choose which requests happen, maximising priority weight.
    MaxWeight,
    /// Every accepted request must happen.
    All,
}

pub(crate) fn run(hub: &Hub, command: EventCommand) -> Result<()> {
    let actor = Actor::operator();
    let mut out = std::io::stdout().lock();
    match command {
        EventCommand::Create { file, organizer } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let setup: EventSetup = serde_json::from_str(&text)
                .with_context(|| format!("{}: not an event setup", file.display()))?;
            let Some(user) = hub.find_user_by_email(&actor, &organizer)? else {
                bail!("--organizer: no account has the e-mail address {organizer}; create one with `bridgehub user create`");
            };
            let organizer = Actor { user_id: user.id, organizations: Vec::new(), is_admin: false };
            let details = hub
                .create_event_with_setup(&organizer, &setup)
                .with_context(|| format!("{}: the event was not created", file.display()))?;
            writeln!(out, "{}", serde_json::to_string_pretty(&details)?)?;
        }
        EventCommand::List { limit } => {
            let mut after: Option<String> = None;
            let mut left = limit;
            while left > 0 {
                let page = hub.list_events(after.as_deref(), Some(left.min(200)))?;
                for event in &page {
                    writeln!(out, "{}", serde_json::to_string(&event.record)?)?;
                }
                left = left.saturating_sub(page.len() as u32);
                match page.last() {
                    Some(last) if page.len() == 200 => after = Some(last.record.id.clone()),
                    _ => break,
                }
            }
        }
        EventCommand::Show { event } => {
            writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&hub.event_details(&event)?)?
            )?;
        }
        EventCommand::ImportRequests { event, file } => {
            let reader = std::io::BufReader::new(
                std::fs::File::open(&file)
                    .with_context(|| format!("cannot read {}", file.display()))?,
            );
            let (mut stored, mut problems) = (0u64, 0u64);
            for (n, line) in reader.lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                // Each line is stored whole, in one transaction, or not at all.
                let result = serde_json::from_str::<MeetingRequestImport>(&line)
                    .map_err(anyhow::Error::from)
                    .and_then(|r| hub.import_meeting_request(&actor, &event, &r).map_err(anyhow::Error::from));
                match result {
                    Ok(_) => stored += 1,
                    Err(err) => {
                        problems += 1;
                        eprintln!("{}:{}: {err}", file.display(), n + 1);
                    }
                }
            }
            writeln!(
                out,
                "{}",
                serde_json::json!({ "requests_stored": stored, "problems": problems })
            )?;
            if problems > 0 {
                bail!("{problems} line(s) could not be imported");
            }
        }
        EventCommand::Schedule(args) => {
            let options = ScheduleOptions {
                mode: match args.mode {
                    ModeArg::MaxWeight => ScheduleMode::MaxWeight,
                    ModeArg::All => ScheduleMode::All,
                },
                time_limit_secs: Some(args.time_limit),
                seed: Some(args.seed),
                max_iterations: None,
            };
            let job = hub.schedule_event(&actor, &args.event, &options)?;
            let worker = format!("cli-{}", std::process::id());
            loop {
                let status = hub.schedule_job(&actor, &args.event, job)?;
                match status.status.as_str() {
                    "done" | "failed" => {
                        writeln!(out, "{}", serde_json::to_string_pretty(&status)?)?;
                        if status.status == "failed" {
                            bail!("the scheduler run failed");
                        }
                        break;
                    }
                    // Another node holds it: wait for it.
                    "running" => std::thread::sleep(Duration::from_millis(200)),
                    _ => {
                        if hub.run_jobs_once(&worker)?.is_none() {
                            std::thread::sleep(Duration::from_millis(200));
                        }
                    }
                }
            }
        }
        EventCommand::Agenda {
            event,
            party,
            tz,
            json,
        } => {
            let agenda = hub.agenda(&actor, &event, &party, tz.as_deref())?;
            if json {
                writeln!(out, "{}", serde_json::to_string_pretty(&agenda)?)?;
            } else {
                writeln!(
                    out,
                    "{} — {} (event zone {}, shown also in {})",
                    agenda.title, agenda.party, agenda.event_time_zone, agenda.viewer_time_zone
                )?;
                for m in &agenda.meetings {
                    writeln!(
                        out,
                        "{}–{} {}  |  {} {}  |  {:<10} {:<12} {} ({})",
                        m.start.local,
                        m.end.local.get(11..).unwrap_or(""),
                        m.start.offset,
                        m.viewer_start.local,
                        m.viewer_start.offset,
                        m.status.code(),
                        m.table,
                        m.with_name,
                        m.with
                    )?;
                }
            }
        }
        EventCommand::Ics {
            event,
            party,
            out: path,
        } => {
            let text = match party {
                Some(party) => hub.agenda_ics(&actor, &event, &party)?,
                None => hub.event_ics(&actor, &event)?,
            };
            match path {
                Some(path) => std::fs::write(&path, text)
                    .with_context(|| format!("cannot write {}", path.display()))?,
                None => out.write_all(text.as_bytes())?,
            }
        }
    }
    Ok(())
}
