//! `bridgehub schedule` and `bridgehub schedule-gen`: the scheduler engine on files.
//! Reads a JAIR `.dzn` or a Bridgehub JSON instance, solves it, checks the result with the
//! independent checker and writes the result JSON; or writes a generated instance.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bridgehub_schedule::formats::{instance_to_json, outcome_to_json, parse_dzn, parse_json};
use bridgehub_schedule::generate::{GenParams, generate};
use bridgehub_schedule::{Params, check, solve};

/// Arguments of `bridgehub schedule`.
#[derive(Debug, clap::Args)]
pub(crate) struct ScheduleArgs {
    /// Instance: a JAIR MiniZinc data file (`.dzn`, solved in mode `all`, d = 2) or a
    /// Bridgehub JSON instance (`.json`).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Stop searching after this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 10.0)]
    time_limit: f64,
    /// Seed of the search.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Stop each search phase after this many moves (deterministic runs).
    #[arg(long, value_name = "N")]
    max_iterations: Option<u64>,
    /// Where to write the result JSON.
    #[arg(long, value_name = "OUT.json")]
    out: PathBuf,
}

/// Arguments of `bridgehub schedule-gen`.
#[derive(Debug, clap::Args)]
pub(crate) struct ScheduleGenArgs {
    /// Participants N.
    #[arg(long, default_value_t = 200)]
    participants: usize,
    /// Slots T (the first half are morning slots).
    #[arg(long, default_value_t = 16)]
    slots: usize,
    /// Tables ratio τ: tables = ⌈τ·N/2⌉.
    #[arg(long, value_name = "TAU", default_value_t = 0.6)]
    tables_ratio: f64,
    /// Share of buyers, 0 to 0.5 (0 = open brokerage: anyone may request anyone).
    #[arg(long, value_name = "SHARE", default_value_t = 0.0)]
    buyers: f64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Where to write the instance JSON.
    #[arg(long, value_name = "FILE.json")]
    out: PathBuf,
}

/// Runs `bridgehub schedule`.
pub(crate) fn run_schedule(args: ScheduleArgs) -> Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("cannot read {}", args.file.display()))?;
    let is_dzn = args
        .file
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("dzn"));
    let instance = if is_dzn {
        parse_dzn(&text).with_context(|| format!("cannot parse {}", args.file.display()))?
    } else {
        parse_json(&text).with_context(|| format!("cannot parse {}", args.file.display()))?
    };
    if !(args.time_limit.is_finite() && args.time_limit >= 0.0) {
        bail!("--time-limit must be a non-negative number of seconds");
    }
    let params = Params {
        seed: args.seed,
        time_limit: Some(Duration::from_secs_f64(args.time_limit)),
        max_iterations: args.max_iterations,
        previous: instance.previous.clone(),
    };
    let outcome = solve(&instance.problem, &params);
    let report = check(&instance.problem, &outcome.assignments);
    if !outcome.assignments.is_empty() && !report.is_valid() {
        bail!(
            "internal error: the schedule breaks a rule: {}",
            report.violations[0]
        );
    }
    let json = outcome_to_json(&instance, &outcome);
    write_json(&args.out, &json)?;
    eprintln!(
        "{}: {} meetings of {}, weight {} (upper bound {}), {} breaks, spread {}, {:.2} s",
        outcome.status.as_str(),
        outcome.assignments.len(),
        instance.problem.requests.len(),
        outcome.weight,
        outcome.upper_bound,
        outcome.breaks,
        outcome.fairness_spread,
        outcome.elapsed.as_secs_f64(),
    );
    if let Some(reason) = &outcome.reason {
        eprintln!("reason: {reason}");
    }
    Ok(())
}

/// Runs `bridgehub schedule-gen`.
pub(crate) fn run_schedule_gen(args: ScheduleGenArgs) -> Result<()> {
    if !(0.0..=0.5).contains(&args.buyers) {
        bail!("--buyers must be between 0 and 0.5");
    }
    if args.slots == 0 || args.slots > bridgehub_schedule::MAX_SLOTS {
        bail!(
            "--slots must be between 1 and {}",
            bridgehub_schedule::MAX_SLOTS
        );
    }
    let params = GenParams {
        participants: args.participants,
        slots: args.slots,
        tables_ratio: args.tables_ratio,
        buyers: args.buyers,
        seed: args.seed,
        ..GenParams::default()
    };
    let instance = generate(&params);
    write_json(&args.out, &instance_to_json(&instance))?;
    eprintln!(
        "{} participants, {} slots, {} tables, {} requests",
        instance.problem.participants.len(),
        instance.problem.n_slots(),
        instance.problem.tables,
        instance.problem.requests.len()
    );
    Ok(())
}

fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
    }
    let text = serde_json::to_string_pretty(value).context("cannot serialize the JSON")?;
    std::fs::write(path, text + "\n").with_context(|| format!("cannot write {}", path.display()))
}
