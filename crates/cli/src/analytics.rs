//! `bridgehub analytics thin-ties`, `bridgehub path`, `bridgehub coi` and
//! `bridgehub brokers`: flags, then one `bridgehub_app` use case, then JSON or a table.

use std::path::PathBuf;

use anyhow::{Context, Result};
use bridgehub_app::{Hub, ThinBy};
use clap::{Args, Subcommand, ValueEnum};

/// `bridgehub analytics ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum AnalyticsCommand {
    /// Where ties are thin: observed ties per cell pair against an expectation
    /// proportional to the organization pairs, with a 95 % exact Poisson interval.
    ThinTies(ThinTiesArgs),
}

/// Cells of the thin-tie map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ByArg {
    /// UN M49 sub-region.
    Region,
    /// Grouping (ASEAN, GCC, BRI, ...).
    Group,
    /// Sector.
    Sector,
    /// Organization kind.
    Kind,
}

/// Flags of `analytics thin-ties`.
#[derive(Debug, Args)]
pub(crate) struct ThinTiesArgs {
    /// What the cells are.
    #[arg(long, value_enum, default_value_t = ByArg::Region)]
    by: ByArg,
    /// Print JSON: {"cells": [{"a", "b", "observed", "expected", "ratio", "low", "high", "verdict"}]}.
    #[arg(long)]
    json: bool,
    /// Also write the cells as CSV to this file.
    #[arg(long, value_name = "FILE")]
    csv: Option<PathBuf>,
    /// Also write an SVG heat map to this file.
    #[arg(long, value_name = "FILE")]
    svg: Option<PathBuf>,
}

/// Flags of `path`.
#[derive(Debug, Args)]
pub(crate) struct PathArgs {
    /// The organization or person asking.
    #[arg(long, value_name = "ID")]
    from: String,
    /// The organization or person to reach.
    #[arg(long, value_name = "ID")]
    to: String,
    /// At most this many hops (1 to 3).
    #[arg(long, default_value_t = 3)]
    max_hops: usize,
    /// At most this many paths.
    #[arg(long, default_value_t = 5)]
    limit: usize,
    /// Print JSON: {"paths": [{"nodes": [ID, ...], "score": F, "hops": [...]}]}.
    #[arg(long)]
    json: bool,
}

/// Flags of `coi`.
#[derive(Debug, Args)]
pub(crate) struct CoiArgs {
    /// Neutrals (judges, evaluators, mediators), comma-separated ids.
    #[arg(long, value_name = "ID,ID", value_delimiter = ',', required = true)]
    neutrals: Vec<String>,
    /// Parties, comma-separated ids.
    #[arg(long, value_name = "ID,ID", value_delimiter = ',', required = true)]
    parties: Vec<String>,
    /// Look-back window for ties, in years.
    #[arg(long, default_value_t = 5)]
    years: u32,
    /// Print JSON: {"conflicts": [{"neutral", "party", "kind", "path", "evidence"}]}.
    #[arg(long)]
    json: bool,
}

/// Flags of `brokers`.
#[derive(Debug, Args)]
pub(crate) struct BrokersArgs {
    /// Only brokers between two UN M49 regions, e.g. `035,145`.
    #[arg(long, value_name = "REGION,REGION", value_delimiter = ',', num_args = 1)]
    between: Option<Vec<String>>,
    /// How many brokers.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// Runs `bridgehub analytics ...`.
pub(crate) fn run_analytics(hub: &Hub, command: AnalyticsCommand) -> Result<()> {
    match command {
        AnalyticsCommand::ThinTies(args) => {
            let by = match args.by {
                ByArg::Region => ThinBy::Region,
                ByArg::Group => ThinBy::Group,
                ByArg::Sector => ThinBy::Sector,
                ByArg::Kind => ThinBy::Kind,
            };
            let map = hub.thin_ties(by)?;
            if let Some(path) = &args.csv {
                std::fs::write(path, map.to_csv()).with_context(|| format!("cannot write {}", path.display()))?;
            }
            if let Some(path) = &args.svg {
                std::fs::write(path, map.to_svg()).with_context(|| format!("cannot write {}", path.display()))?;
            }
            if args.json {
                return print_json(&map);
            }
            println!(
                "thin-tie map by {} ({} expectation, {:.0} % intervals): {} organizations, {} ties counted, {} skipped",
                map.by,
                map.model,
                map.confidence * 100.0,
                map.organizations,
                map.counted,
                map.skipped
            );
            println!("{:<28} {:<28} {:>9} {:>10} {:>7} {:>15}  verdict", "a", "b", "observed", "expected", "ratio", "interval");
            for cell in &map.cells {
                println!(
                    "{:<28} {:<28} {:>9} {:>10.1} {:>7.2} [{:>5.2}, {:>5.2}]  {}",
                    truncate(&format!("{} {}", cell.a, by.label(&cell.a)), 28),
                    truncate(&format!("{} {}", cell.b, by.label(&cell.b)), 28),
                    cell.observed,
                    cell.expected,
                    cell.ratio,
                    cell.low,
                    cell.high,
                    serde_json::to_value(cell.verdict)?.as_str().unwrap_or("")
                );
            }
            Ok(())
        }
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width { text.to_owned() } else { text.chars().take(width - 1).collect::<String>() + "…" }
}

/// Runs `bridgehub path`.
pub(crate) fn run_path(hub: &Hub, args: PathArgs) -> Result<()> {
    let report = hub.paths(&args.from, &args.to, args.max_hops, args.limit)?;
    if args.json {
        return print_json(&report);
    }
    if report.paths.is_empty() {
        println!("no path of at most {} hops from {} to {}", args.max_hops, args.from, args.to);
    }
    for path in &report.paths {
        let hops: Vec<String> = path
            .hops
            .iter()
            .map(|hop| {
                let kinds: Vec<&str> = hop.ties.iter().map(|t| t.kind).collect();
                format!("{} ({} {:.2})", hop.to, kinds.join("+"), hop.strength)
            })
            .collect();
        println!("{:.4}  {} → {}", path.score, args.from, hops.join(" → "));
    }
    Ok(())
}

/// Runs `bridgehub coi`.
pub(crate) fn run_coi(hub: &Hub, args: CoiArgs) -> Result<()> {
    let report = hub.conflicts(&args.neutrals, &args.parties, args.years)?;
    if args.json {
        return print_json(&report);
    }
    if report.conflicts.is_empty() {
        println!("no conflict within {} years of {}", report.years, report.today);
    }
    for conflict in &report.conflicts {
        let kind = serde_json::to_value(conflict.kind)?;
        println!("{} – {}: {} via {}", conflict.neutral, conflict.party, kind.as_str().unwrap_or(""), conflict.path.join(" – "));
        for evidence in &conflict.evidence {
            println!(
                "    {} {} {}–{} {}{}",
                evidence.tie,
                evidence.kind,
                evidence.from,
                evidence.to,
                evidence.date.as_deref().unwrap_or("current"),
                evidence.evidence.as_deref().map(|e| format!(" ({e})")).unwrap_or_default()
            );
        }
    }
    Ok(())
}

/// Runs `bridgehub brokers`.
pub(crate) fn run_brokers(hub: &Hub, args: BrokersArgs) -> Result<()> {
    let between = match args.between.as_deref() {
        None => None,
        Some([a, b]) => Some((a.trim(), b.trim())),
        Some(other) => anyhow::bail!("--between takes two region codes, e.g. 035,145; got {}", other.join(",")),
    };
    let report = hub.brokers(between, args.top)?;
    if args.json {
        return print_json(&report);
    }
    let scope = between.map(|(a, b)| format!("between {a} and {b}")).unwrap_or_else(|| "overall".into());
    let how = if report.exact { "exact".to_owned() } else { format!("sampled, {} sources", report.sources) };
    println!("brokers {scope} ({how} betweenness; constraint weighted by tie strength)");
    println!("{:<24} {:<12} {:>7} {:>12} {:>10} {:>7}  bridges", "id", "kind", "region", "betweenness", "constraint", "degree");
    for broker in &report.brokers {
        let bridges: Vec<String> = broker.bridges.iter().map(|b| format!("{}×{}:{}", b.a, b.b, b.pairs)).collect();
        println!(
            "{:<24} {:<12} {:>7} {:>12.6} {:>10} {:>7}  {}",
            broker.id,
            broker.kind,
            broker.region.as_deref().unwrap_or("-"),
            broker.betweenness,
            broker.constraint.map(|c| format!("{c:.4}")).unwrap_or_else(|| "-".into()),
            broker.degree,
            bridges.join(" ")
        );
    }
    Ok(())
}
