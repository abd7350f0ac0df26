//! The scheduler benchmark: every shipped JAIR `.dzn` instance (mode `all`, d = 2) and
//! generated instances at N = 200, 1000, 5000 (mode `max_weight`), each checked by the
//! independent checker; breaks are compared with the published optima and weight with the
//! upper bound. Writes a JSON file and prints a summary table.
//!
//! `cargo run --release -p bridgehub-schedule --example bench -- [--data DIR] [--out FILE]
//!  [--time-limit SECS] [--seeds K] [--sizes 200,1000,5000] [--skip-jair] [--skip-gen]
//!  [--write-instances DIR]`

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bridgehub_schedule::formats::{instance_to_json, parse_dzn};
use bridgehub_schedule::generate::{GenParams, generate};
use bridgehub_schedule::{Params, check, solve, upper_bound};
use clap::Parser;
use serde_json::{Value, json};

/// Published optima of the 20 JAIR originals (d = 2, JAIR Table 3).
const PUBLISHED: [(&str, u64); 20] = [
    ("forum-13", 0),
    ("forum-13crafb", 6),
    ("forum-13crafc", 1),
    ("forum-14", 2),
    ("forumt-14", 5),
    ("forumt-14crafc", 5),
    ("forumt-14crafd", 4),
    ("forumt-14crafe", 5),
    ("tic-12", 0),
    ("tic-12crafc", 0),
    ("tic-13", 0),
    ("tic-13crafb", 0),
    ("tic-13crafc", 4),
    ("tic-14crafa", 0),
    ("tic-14crafc", 0),
    ("tic-14crafd", 0),
    ("ticf-13crafa", 0),
    ("ticf-13crafb", 3),
    ("ticf-13crafc", 1),
    ("ticf-14crafa", 0),
];

#[derive(Debug, Parser)]
struct Args {
    /// Folder of `.dzn` files.
    #[arg(long, default_value = "../shared/data/b2b-instances")]
    data: PathBuf,
    /// Result JSON.
    #[arg(long, default_value = "bench/schedule/results.json")]
    out: PathBuf,
    /// Time limit per JAIR instance, seconds.
    #[arg(long, default_value_t = 10.0)]
    time_limit: f64,
    /// Seeds per generated size.
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// Generated sizes N (T = 16, 24, 32 and limits 1, 5, 30 s for 200, 1000, 5000).
    #[arg(long, value_delimiter = ',', default_value = "200,1000,5000")]
    sizes: Vec<usize>,
    #[arg(long)]
    skip_jair: bool,
    #[arg(long)]
    skip_gen: bool,
    /// Also write the generated instances here (for the CP-SAT peer).
    #[arg(long)]
    write_instances: Option<PathBuf>,
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn main() -> Result<()> {
    let args = Args::parse();
    let mut jair = Vec::new();
    if !args.skip_jair {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&args.data)
            .with_context(|| format!("cannot list {}", args.data.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "dzn"))
            .collect();
        files.sort();
        println!(
            "{:<34} {:>10} {:>6} {:>6} {:>7} {:>6}",
            "instance", "status", "breaks", "opt", "spread", "secs"
        );
        for path in files {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or("")
                .to_owned();
            let text = std::fs::read_to_string(&path)?;
            let instance = parse_dzn(&text).with_context(|| name.clone())?;
            let params = Params {
                time_limit: Some(Duration::from_secs_f64(args.time_limit)),
                ..Params::default()
            };
            let started = Instant::now();
            let outcome = solve(&instance.problem, &params);
            let seconds = started.elapsed().as_secs_f64();
            let report = check(&instance.problem, &outcome.assignments);
            // Without a schedule (infeasible / unknown) there is nothing to check.
            let valid =
                outcome.assignments.is_empty() && outcome.reason.is_some() || report.is_valid();
            let base = name.split('.').next().unwrap_or("");
            let original = name.ends_with(".original");
            let published = PUBLISHED
                .iter()
                .find(|(n, _)| *n == base)
                .map(|(_, b)| *b)
                .filter(|_| original);
            let scheduled = !outcome.assignments.is_empty();
            println!(
                "{:<34} {:>10} {:>6} {:>6} {:>7} {:>6.2}",
                name,
                outcome.status.as_str(),
                if scheduled {
                    outcome.breaks.to_string()
                } else {
                    "-".into()
                },
                published.map_or("".into(), |b| b.to_string()),
                outcome.fairness_spread,
                seconds
            );
            jair.push(json!({
                "instance": name, "status": outcome.status.as_str(), "valid": valid,
                "meetings": instance.problem.requests.len(), "scheduled": outcome.assignments.len(),
                "breaks": scheduled.then_some(outcome.breaks), "published_optimum": published,
                "at_optimum": published.map(|b| scheduled && outcome.breaks == b),
                "spread": outcome.fairness_spread, "seconds": seconds, "reason": outcome.reason,
            }));
        }
    }
    let mut generated = Vec::new();
    if !args.skip_gen {
        println!(
            "\n{:<8} {:>4} {:>5} {:>8} {:>9} {:>10} {:>7} {:>8} {:>7} {:>7} {:>8}",
            "N",
            "T",
            "seed",
            "requests",
            "weight",
            "bound",
            "%",
            "meetings",
            "breaks",
            "secs",
            "rss MB"
        );
        for &n in &args.sizes {
            let (slots, limit) = match n {
                0..=499 => (16, 1.0),
                500..=2999 => (24, 5.0),
                _ => (32, 30.0),
            };
            for seed in 1..=args.seeds {
                let instance = generate(&GenParams {
                    participants: n,
                    slots,
                    seed,
                    ..GenParams::default()
                });
                if let Some(dir) = &args.write_instances {
                    std::fs::create_dir_all(dir)?;
                    let path = dir.join(format!("gen-n{n}-t{slots}-s{seed}.json"));
                    std::fs::write(&path, instance_to_json(&instance).to_string())?;
                }
                let bound_started = Instant::now();
                let bound = upper_bound(&instance.problem);
                let bound_ms = bound_started.elapsed().as_secs_f64() * 1000.0;
                let params = Params {
                    seed,
                    time_limit: Some(Duration::from_secs_f64(limit)),
                    ..Params::default()
                };
                let started = Instant::now();
                let outcome = solve(&instance.problem, &params);
                let seconds = started.elapsed().as_secs_f64();
                let report = check(&instance.problem, &outcome.assignments);
                let ratio = outcome.weight as f64 / outcome.upper_bound.max(1.0);
                let rss = peak_rss_mb();
                println!(
                    "{:<8} {:>4} {:>5} {:>8} {:>9} {:>10} {:>6.2}% {:>8} {:>7} {:>7.2} {:>8.0}",
                    n,
                    slots,
                    seed,
                    instance.problem.requests.len(),
                    outcome.weight,
                    outcome.upper_bound,
                    100.0 * ratio,
                    outcome.assignments.len(),
                    outcome.breaks,
                    seconds,
                    rss.unwrap_or(0.0)
                );
                generated.push(json!({
                    "participants": n, "slots": slots, "seed": seed, "tables": instance.problem.tables,
                    "requests": instance.problem.requests.len(), "time_limit": limit,
                    "status": outcome.status.as_str(), "valid": report.is_valid(), "weight": outcome.weight,
                    "upper_bound": bound.value, "bound_ms": bound_ms, "ratio": ratio, "meetings": outcome.assignments.len(),
                    "breaks": outcome.breaks, "spread": outcome.fairness_spread, "seconds": seconds,
                    "peak_rss_mb": rss,
                }));
            }
        }
    }
    let valid = jair
        .iter()
        .chain(&generated)
        .all(|r| r["valid"] == json!(true));
    let at_optimum = jair
        .iter()
        .filter(|r| r["at_optimum"] == json!(true))
        .count();
    let originals = jair
        .iter()
        .filter(|r| !r["published_optimum"].is_null())
        .count();
    let summary = json!({
        "all_valid": valid, "originals_at_published_optimum": at_optimum, "originals": originals,
        "jair_infeasible": jair.iter().filter(|r| r["status"] == json!("infeasible")).count(),
        "jair_unknown": jair.iter().filter(|r| r["status"] == json!("unknown")).count(),
    });
    println!("\nsummary: {summary}");
    let result: Value = json!({ "summary": summary, "jair": jair, "generated": generated });
    if let Some(parent) = args.out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(&args.out, serde_json::to_string_pretty(&result)? + "\n")?;
    anyhow::ensure!(valid, "a schedule broke a rule");
    Ok(())
}
