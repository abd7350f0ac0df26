//! `bridgehub analytics thin-ties`, `bridgehub path`, `bridgehub coi` and
//! `bridgehub brokers`: flags, then one `bridgehub_app` use case, then JSON or a table.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result};
use bridgehub_app::{Hub, ThinBy, ThinModel};
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

/// Expectation model of the thin-tie map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ModelArg {
    /// Proportional to the number of organization pairs between the cells.
    Uniform,
    /// Gravity-style: proportional to the product of the cells' tie activity.
    Degree,
}

/// Flags of `analytics thin-ties`.
#[derive(Debug, Args)]
pub(crate) struct ThinTiesArgs {
    /// What the cells are.
    #[arg(long, value_enum, default_value_t = ByArg::Region)]
    by: ByArg,
    /// Expectation model (named `--expectation`: `--model` is the global sentence-model flag).
    #[arg(long, value_enum, default_value_t = ModelArg::Uniform)]
    expectation: ModelArg,
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
    #[arg(
        long,
        value_name = "REGION,REGION",
        value_delimiter = ',',
        num_args = 1
    )]
    between: Option<Vec<String>>,
    /// How many brokers.
    #[arg(long, default_value_t = 20)]
    top: usize,
    /// Estimate betweenness from this many random sources [default: exact while it is
    /// affordable, sampled on large graphs].
    #[arg(long, value_name = "N")]
    samples: Option<usize>,
    /// Print JSON.
    #[arg(long)]
    json: bool,
}

/// Writes the command's output in one go; a closed pipe (`| head`) is not an error.
fn emit(text: &str) -> Result<()> {
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other.context("cannot write to stdout")?),
    }
}

/// Runs `bridgehub analytics ...`.
pub(crate) fn run_analytics(hub: &Hub, command: AnalyticsCommand) -> Result<()> {
    let mut out = String::new();
    match command {
        AnalyticsCommand::ThinTies(args) => {
            let by = match args.by {
                ByArg::Region => ThinBy::Region,
                ByArg::Group => ThinBy::Group,
                ByArg::Sector => ThinBy::Sector,
                ByArg::Kind => ThinBy::Kind,
            };
            let model = match args.expectation {
                ModelArg::Uniform => ThinModel::Uniform,
                ModelArg::Degree => ThinModel::Degree,
            };
            let map = hub.thin_ties_model(by, model)?;
            if let Some(path) = &args.csv {
                std::fs::write(path, map.to_csv())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if let Some(path) = &args.svg {
                std::fs::write(path, map.to_svg())
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if args.json {
                writeln!(out, "{}", serde_json::to_string_pretty(&map)?)?;
                return emit(&out);
            }
            writeln!(
                out,
                "thin-tie map by {} ({} expectation, {:.0} % intervals): {} organizations, {} ties counted, {} skipped",
                map.by,
                map.model,
                map.confidence * 100.0,
                map.organizations,
                map.counted,
                map.skipped
            )?;
            writeln!(
                out,
                "{:<28} {:<28} {:>9} {:>10} {:>7} {:>15}  verdict",
                "a", "b", "observed", "expected", "ratio", "interval"
            )?;
            for cell in &map.cells {
                writeln!(
                    out,
                    "{:<28} {:<28} {:>9} {:>10.1} {:>7.2} [{:>5.2}, {:>5.2}]  {}",
                    truncate(&format!("{} {}", cell.a, by.label(&cell.a)), 28),
                    truncate(&format!("{} {}", cell.b, by.label(&cell.b)), 28),
                    cell.observed,
                    cell.expected,
                    cell.ratio,
                    cell.low,
                    cell.high,
                    serde_json::to_value(cell.verdict)?.as_str().unwrap_or("")
                )?;
            }
            emit(&out)
        }
    }
}

fn truncate(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_owned()
    } else {
        text.chars().take(width - 1).collect::<String>() + "…"
    }
}

/// Runs `bridgehub path`.
pub(crate) fn run_path(hub: &Hub, args: PathArgs) -> Result<()> {
    let mut out = String::new();
    let report = hub.paths(&args.from, &args.to, args.max_hops, args.limit)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return emit(&out);
    }
    if report.paths.is_empty() {
        writeln!(
            out,
            "no path of at most {} hops from {} to {}",
            args.max_hops, args.from, args.to
        )?;
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
        writeln!(
            out,
            "{:.4}  {} → {}",
            path.score,
            args.from,
            hops.join(" → ")
        )?;
    }
    emit(&out)
}

/// Runs `bridgehub coi`.
pub(crate) fn run_coi(hub: &Hub, args: CoiArgs) -> Result<()> {
    let mut out = String::new();
    let report = hub.conflicts(&args.neutrals, &args.parties, args.years)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return emit(&out);
    }
    if report.conflicts.is_empty() {
        writeln!(
            out,
            "no conflict within {} years of {}",
            report.years, report.today
        )?;
    }
    for conflict in &report.conflicts {
        let kind = serde_json::to_value(conflict.kind)?;
        writeln!(
            out,
            "{} – {}: {} via {}",
            conflict.neutral,
            conflict.party,
            kind.as_str().unwrap_or(""),
            conflict.path.join(" – ")
        )?;
        for evidence in &conflict.evidence {
            writeln!(
                out,
                "    {} {} {}–{} {}{}",
                evidence.tie,
                evidence.kind,
                evidence.from,
                evidence.to,
                evidence.date.as_deref().unwrap_or("current"),
                evidence
                    .evidence
                    .as_deref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default()
            )?;
        }
    }
    emit(&out)
}

/// Runs `bridgehub brokers`.
pub(crate) fn run_brokers(hub: &Hub, args: BrokersArgs) -> Result<()> {
    let mut out = String::new();
    let between = match args.between.as_deref() {
        None => None,
        Some([a, b]) => Some((a.trim(), b.trim())),
        Some(other) => anyhow::bail!(
            "--between takes two region codes, e.g. 035,145; got {}",
            other.join(",")
        ),
    };
    let report = hub.brokers(between, args.top, args.samples)?;
    if args.json {
        writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?;
        return emit(&out);
    }
    let scope = between
        .map(|(a, b)| format!("between {a} and {b}"))
        .unwrap_or_else(|| "overall".into());
    let how = if report.exact {
        "exact".to_owned()
    } else {
        format!("sampled, {} sources", report.sources)
    };
    writeln!(
        out,
        "brokers {scope} ({how} betweenness; constraint weighted by tie strength)"
    )?;
    writeln!(
        out,
        "{:<24} {:<12} {:>7} {:>12} {:>10} {:>7}  bridges",
        "id", "kind", "region", "betweenness", "constraint", "degree"
    )?;
    for broker in &report.brokers {
        let bridges: Vec<String> = broker
            .bridges
            .iter()
            .map(|b| format!("{}×{}:{}", b.a, b.b, b.pairs))
            .collect();
        writeln!(
            out,
            "{:<24} {:<12} {:>7} {:>12.6} {:>10} {:>7}  {}",
            broker.id,
            broker.kind,
            broker.region.as_deref().unwrap_or("-"),
            broker.betweenness,
            broker
                .constraint
                .map(|c| format!("{c:.4}"))
                .unwrap_or_else(|| "-".into()),
            broker.degree,
            bridges.join(" ")
        )?;
    }
    emit(&out)
}
