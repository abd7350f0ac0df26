//! Writes a planted graph as exchange-format JSON Lines (organizations, people, ties) and
//! what was planted in it as JSON, for end-to-end runs of the analytics commands:
//! `bridgehub import FILE.jsonl`, then `analytics thin-ties`, `path`, `coi`, `brokers`.
//!
//! Usage: `planted_jsonl OUT.jsonl PLANTED.json [--orgs N] [--ties N] [--seed N]`.

use std::io::Write;

use bridgehub_graph::NodeKind;
use bridgehub_graph::generate::{PlantedParams, planted};
use serde_json::json;

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (Some(out), Some(planted_out)) = (args.get(1), args.get(2)) else {
        return Err(
            "usage: planted_jsonl OUT.jsonl PLANTED.json [--orgs N] [--ties N] [--seed N]".into(),
        );
    };
    let today = bridgehub_domain::parse_date("2026-11-25")?;
    let params = PlantedParams::new(
        arg("--orgs", 2_000) as usize,
        arg("--ties", 20_000) as usize,
        today,
        arg("--seed", 1),
    );
    let generated = planted(&params);
    let mut file = std::io::BufWriter::new(std::fs::File::create(out)?);
    for node in &generated.nodes {
        let record = match node.kind {
            NodeKind::Organization => json!({
                "type": "organization",
                "id": node.id.as_str(),
                "name": format!("Organization {}", node.id),
                "kind": node.org_kind.map(|k| k.code()).unwrap_or("enterprise"),
                "country": node.country.map(|c| c.to_string()).unwrap_or_else(|| "SG".into()),
                "sectors": node.sectors.iter().map(|s| s.code()).collect::<Vec<_>>(),
                "languages": ["en"],
            }),
            NodeKind::Person => json!({
                "type": "person",
                "id": node.id.as_str(),
                "name": format!("Person {}", node.id),
                "affiliation": node.affiliation.as_ref().map(|a| a.as_str()),
                "country": node.country.map(|c| c.to_string()),
                "languages": ["en"],
            }),
        };
        writeln!(file, "{record}")?;
    }
    for tie in &generated.ties {
        let record = json!({
            "type": "tie",
            "id": tie.id.as_str(),
            "from": tie.from.as_str(),
            "to": tie.to.as_str(),
            "kind": tie.kind.code(),
            "date": tie.date.to_string(),
            "source": tie.source,
            "evidence": format!("generated record {}", tie.id),
        });
        writeln!(file, "{record}")?;
    }
    file.flush()?;
    let planted = json!({
        "thin": generated.thin,
        "thick": generated.thick,
        "neutrals": generated.neutrals.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        "parties": generated.parties.iter().map(|n| n.as_str()).collect::<Vec<_>>(),
        "conflicts": generated.conflicts.iter().map(|c| json!({"neutral": c.neutral.as_str(), "party": c.party.as_str(), "kind": format!("{:?}", c.kind)})).collect::<Vec<_>>(),
    });
    std::fs::write(planted_out, serde_json::to_string_pretty(&planted)? + "\n")?;
    eprintln!(
        "wrote {} nodes and {} ties to {out}",
        generated.nodes.len(),
        generated.ties.len()
    );
    Ok(())
}
