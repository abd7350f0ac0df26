//! `bridgehub match` and `bridgehub eval match`.

use std::path::PathBuf;

use anyhow::{bail, Result};
use bridgehub_app::{evaluate_matching, Hub, Match, MatchMode};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

use crate::progress::BarProgress;

/// `bridgehub match`.
#[derive(Debug, Args)]
pub(crate) struct MatchArgs {
    /// Listings to find counterparts for (exchange-format ids).
    #[arg(long = "listing", num_args = 1.., value_name = "ID", conflicts_with = "org")]
    listings: Vec<String>,
    /// An organization: listings and organizations recommended to it.
    #[arg(long, value_name = "ID")]
    org: Option<String>,
    /// Matches per query.
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Lift the target rules (show counterparts outside either side's targets).
    #[arg(long)]
    relax: bool,
    /// One JSON object per line per query.
    #[arg(long)]
    json: bool,
}

/// `bridgehub eval ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum EvalCommand {
    /// Imports DIR (exchange-format *.jsonl) into a fresh database, ranks every offer for
    /// each query of DIR/gold.tsv and prints recall@1, recall@10 and MRR, overall and by
    /// language pair, for the full engine and the lexical-only, semantic-only and latent-only
    /// baselines.
    Match {
        /// The folder with the cases and gold.tsv.
        dir: PathBuf,
        /// Print the figures as JSON.
        #[arg(long)]
        json: bool,
        /// Keep the evaluation database here (stored embeddings are reused on the next run)
        /// [default: a temporary folder, removed afterwards].
        #[arg(long, value_name = "DIR")]
        work_dir: Option<PathBuf>,
        /// Candidates each retriever gives the `retrieval` row, which measures the full
        /// engine with its pool taken from the retrievers as above 20,000 listings [default:
        /// the share of the set that 300 are of 100,000 listings, at least 5].
        #[arg(long, value_name = "K")]
        pool: Option<usize>,
    },
}

pub(crate) fn reasons_json(m: &Match) -> Value {
    Value::Array(
        m.reasons
            .iter()
            .map(|r| json!({"signal": r.signal.code(), "value": r.value, "contribution": r.contribution, "en": r.en, "zh": r.zh, "zh_hant": r.zh_hant}))
            .collect(),
    )
}

pub(crate) fn match_json(m: &Match) -> Value {
    json!({
        "listing": m.listing_id,
        "organization": m.organization_id,
        "score": m.score,
        "reasons": reasons_json(m),
        "explanation": {"en": m.line_en, "zh": m.line_zh, "zh_hant": m.line_zh_hant},
    })
}

pub(crate) fn run_match(hub: &Hub, args: MatchArgs, quiet: bool) -> Result<()> {
    if args.listings.is_empty() && args.org.is_none() {
        bail!("say what to match: --listing ID [ID ...] or --org ID");
    }
    let matcher = hub.build_matcher(&BarProgress::new(quiet || args.json))?;
    if let Some(org) = &args.org {
        let (listings, orgs) = matcher.for_organization(org, args.limit)?;
        if args.json {
            let orgs: Vec<Value> = orgs.iter().map(|(id, score)| json!({"organization": id, "score": score})).collect();
            println!("{}", json!({"organization": org, "listings": listings.iter().map(match_json).collect::<Vec<_>>(), "organizations": orgs}));
        } else {
            println!("Listings recommended to {org}:");
            for (rank, m) in listings.iter().enumerate() {
                println!("{:>3}. {} ({}) score {:.3} — {}", rank + 1, m.listing_id, m.organization_id, m.score, m.line_en);
            }
            println!("Organizations:");
            for (rank, (id, score)) in orgs.iter().enumerate() {
                println!("{:>3}. {id} score {score:.3}", rank + 1);
            }
        }
        return Ok(());
    }
    for listing in &args.listings {
        let matches = matcher.matches(listing, args.limit, args.relax, MatchMode::Full)?;
        if args.json {
            println!("{}", json!({"listing": listing, "matches": matches.iter().map(match_json).collect::<Vec<_>>()}));
        } else {
            println!("Matches for {listing}:");
            for (rank, m) in matches.iter().enumerate() {
                println!("{:>3}. {} ({}) score {:.3}\n     {}\n     {}", rank + 1, m.listing_id, m.organization_id, m.score, m.line_en, m.line_zh);
            }
        }
    }
    Ok(())
}

pub(crate) fn run_eval(command: EvalCommand, embedder: std::sync::Arc<dyn bridgehub_app::TextEmbedder>, quiet: bool) -> Result<()> {
    match command {
        EvalCommand::Match { dir, json, work_dir, pool } => {
            let keep = work_dir.is_some();
            let work = work_dir.unwrap_or_else(|| std::env::temp_dir().join(format!("bridgehub-eval-{}", std::process::id())));
            std::fs::create_dir_all(&work)?;
            let report = evaluate_matching(&dir, &work, Some(embedder), pool, &BarProgress::new(quiet || json));
            if !keep {
                let _ = std::fs::remove_dir_all(&work);
            }
            let report = report?;
            let fig = |f: &bridgehub_app::EvalFigures| json!({"queries": f.queries, "recall_at_1": f.recall_at_1, "recall_at_10": f.recall_at_10, "mrr": f.mrr});
            if json {
                let mut out = serde_json::Map::new();
                for (name, overall) in &report.overall {
                    let pairs: serde_json::Map<String, Value> =
                        report.by_pair[name].iter().map(|(k, v)| (k.clone(), fig(v))).collect();
                    let crossing: serde_json::Map<String, Value> =
                        report.by_crossing[name].iter().map(|(k, v)| (k.clone(), fig(v))).collect();
                    out.insert(name.clone(), json!({"overall": fig(overall), "by_crossing": crossing, "by_pair": pairs}));
                }
                out.insert("retrieval_pool".into(), json!(report.retrieval_pool));
                println!("{}", serde_json::to_string_pretty(&Value::Object(out))?);
            } else {
                println!("{:<10} {:>8} {:>10} {:>11} {:>7}", "engine", "queries", "recall@1", "recall@10", "MRR");
                for (name, f) in &report.overall {
                    println!("{name:<10} {:>8} {:>10.3} {:>11.3} {:>7.3}", f.queries, f.recall_at_1, f.recall_at_10, f.mrr);
                    for (crossing, f) in &report.by_crossing[name] {
                        println!("  {crossing:<16} {:>4} {:>10.3} {:>11.3} {:>7.3}", f.queries, f.recall_at_1, f.recall_at_10, f.mrr);
                    }
                }
                println!(
                    "\nretrieval: the full engine with its pool from the retrievers, {} candidates each (--pool)",
                    report.retrieval_pool
                );
                println!("\nby language pair (full engine):");
                if let Some(pairs) = report.by_pair.get("full") {
                    for (pair, f) in pairs {
                        println!("  {pair:<18} {:>3} {:>10.3} {:>11.3} {:>7.3}", f.queries, f.recall_at_1, f.recall_at_10, f.mrr);
                    }
                }
            }
            Ok(())
        }
    }
}
