//! Conflict tests: the rules on hand-built cases, and planted conflicts against brute force.

use std::collections::BTreeSet;

use bridgehub_domain::{EntityId, TieKind};

use super::*;
use crate::StrengthParams;
use crate::generate::{PlantedParams, planted};
use crate::graph::tests::{date, empty, org, tie};
use crate::model::NodeInput;

fn nodes(graph: &TieGraph, ids: &[&str]) -> Vec<NodeIdx> {
    ids.iter().map(|id| graph.node(id).unwrap()).collect()
}

#[test]
fn direct_ties_count_only_inside_the_window() {
    let mut graph = empty();
    graph
        .upsert_tie(tie("recent", "judge", "acme", TieKind::Met, "2024-05-01"))
        .unwrap();
    graph
        .upsert_tie(tie("old", "judge", "bolt", TieKind::Contract, "2019-05-01"))
        .unwrap();
    let rules = CoiRules::new(date("2026-01-01"));
    let found = conflicts(
        &graph,
        &nodes(&graph, &["judge"]),
        &nodes(&graph, &["acme", "bolt"]),
        &rules,
    )
    .unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].party, "acme");
    assert_eq!(found[0].kind, ConflictKind::Direct);
    assert_eq!(found[0].evidence[0].tie, "recent");
    let mut longer = rules.clone();
    longer.years = 10;
    let found = conflicts(
        &graph,
        &nodes(&graph, &["judge"]),
        &nodes(&graph, &["acme", "bolt"]),
        &longer,
    )
    .unwrap();
    assert_eq!(found.len(), 2);
}

#[test]
fn employer_contracts_and_shared_affiliations_are_indirect_but_casual_links_are_not() {
    let mut graph = empty();
    graph.upsert_node(org("uni", "SG"));
    graph.upsert_node(NodeInput::person(
        EntityId::parse("judge").unwrap(),
        None,
        Some(EntityId::parse("uni").unwrap()),
    ));
    graph
        .upsert_tie(tie("c1", "uni", "acme", TieKind::Contract, "2025-01-01"))
        .unwrap();
    graph
        .upsert_tie(tie("m1", "bolt", "uni", TieKind::MemberOf, "2024-01-01"))
        .unwrap();
    graph
        .upsert_tie(tie("x1", "uni", "casual", TieKind::Met, "2025-01-01"))
        .unwrap();
    let parties = nodes(&graph, &["acme", "bolt", "casual"]);
    let found = conflicts(
        &graph,
        &nodes(&graph, &["judge"]),
        &parties,
        &CoiRules::new(date("2026-01-01")),
    )
    .unwrap();
    let summary: Vec<(&str, ConflictKind, Vec<String>)> = found
        .iter()
        .map(|c| (c.party.as_str(), c.kind, c.path.clone()))
        .collect();
    assert_eq!(
        summary,
        vec![
            (
                "acme",
                ConflictKind::Indirect,
                vec!["judge".into(), "uni".into(), "acme".into()]
            ),
            (
                "bolt",
                ConflictKind::Indirect,
                vec!["judge".into(), "uni".into(), "bolt".into()]
            ),
        ]
    );
    assert_eq!(
        found[0].evidence.len(),
        2,
        "the affiliation and the contract"
    );
    assert_eq!(
        found[0].evidence[0].source.as_deref(),
        Some(crate::AFFILIATION_SOURCE)
    );
}

#[test]
fn a_neutral_who_is_a_party_is_flagged() {
    let mut graph = empty();
    graph.upsert_node(org("uni", "SG"));
    let uni = graph.node("uni").unwrap();
    let found = conflicts(&graph, &[uni], &[uni], &CoiRules::new(date("2026-01-01"))).unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].path, ["uni"]);
}

/// Every (neutral, party, kind, via) the rules allow, by scanning all ties.
fn brute_force(
    graph: &TieGraph,
    neutrals: &[NodeIdx],
    parties: &[NodeIdx],
    rules: &CoiRules,
) -> BTreeSet<(String, String, String)> {
    let cutoff = years_before(rules.today, rules.years);
    let window = |t: &TieData| t.date.is_none_or(|d| day_number(d) >= cutoff);
    let mut out = BTreeSet::new();
    let all: Vec<(&TieData, NodeIdx, NodeIdx)> = graph.ties().collect();
    for &n in neutrals {
        for &p in parties {
            if n == p {
                out.insert((
                    graph.node_id(n).to_string(),
                    graph.node_id(p).to_string(),
                    "self".into(),
                ));
                continue;
            }
            for (t, a, b) in &all {
                if ((*a == n && *b == p) || (*a == p && *b == n))
                    && window(t)
                    && rules.direct_kinds.contains(&t.kind)
                {
                    out.insert((
                        graph.node_id(n).to_string(),
                        graph.node_id(p).to_string(),
                        "direct".into(),
                    ));
                }
            }
            for (t1, a1, b1) in &all {
                let x = if *a1 == n {
                    *b1
                } else if *b1 == n {
                    *a1
                } else {
                    continue;
                };
                if x == p || !rules.indirect_kinds.contains(&t1.kind) || !window(t1) {
                    continue;
                }
                for (t2, a2, b2) in &all {
                    let hit = (*a2 == x && *b2 == p) || (*a2 == p && *b2 == x);
                    if hit && rules.indirect_kinds.contains(&t2.kind) && window(t2) {
                        out.insert((
                            graph.node_id(n).to_string(),
                            graph.node_id(p).to_string(),
                            format!("via {}", graph.node_id(x)),
                        ));
                    }
                }
            }
        }
    }
    out
}

#[test]
fn every_planted_conflict_is_reported_and_nothing_beyond_the_rules() {
    let today = date("2026-11-25");
    for seed in 1..4 {
        let mut params = PlantedParams::new(300, 1500, today, seed);
        params.neutrals = 10;
        params.parties = 60;
        params.conflicts = 30;
        let generated = planted(&params);
        let mut graph = TieGraph::new(StrengthParams::new(today)).unwrap();
        for node in generated.nodes.clone() {
            graph.upsert_node(node);
        }
        for tie in generated.ties.clone() {
            graph.upsert_tie(tie).unwrap();
        }
        let neutrals: Vec<NodeIdx> = generated
            .neutrals
            .iter()
            .map(|id| graph.node(id.as_str()).unwrap())
            .collect();
        let parties: Vec<NodeIdx> = generated
            .parties
            .iter()
            .map(|id| graph.node(id.as_str()).unwrap())
            .collect();
        let rules = CoiRules::new(today);
        let found = conflicts(&graph, &neutrals, &parties, &rules).unwrap();
        let reported: BTreeSet<(String, String, String)> = found
            .iter()
            .map(|c| {
                let how = match (c.kind, c.path.len()) {
                    (ConflictKind::Direct, 1) => "self".to_owned(),
                    (ConflictKind::Direct, _) => "direct".to_owned(),
                    (ConflictKind::Indirect, _) => format!("via {}", c.path[1]),
                };
                (c.neutral.clone(), c.party.clone(), how)
            })
            .collect();
        assert_eq!(reported.len(), found.len(), "no duplicates");
        assert_eq!(
            reported,
            brute_force(&graph, &neutrals, &parties, &rules),
            "seed {seed}"
        );
        let flagged: BTreeSet<(&str, &str)> = found
            .iter()
            .map(|c| (c.neutral.as_str(), c.party.as_str()))
            .collect();
        for planted in &generated.conflicts {
            assert!(
                flagged.contains(&(planted.neutral.as_str(), planted.party.as_str())),
                "{planted:?}"
            );
        }
        // No flagged party is further than two hops from its neutral.
        for conflict in &found {
            let n = graph.node(&conflict.neutral).unwrap();
            let p = graph.node(&conflict.party).unwrap();
            let near = n == p
                || graph
                    .neighbors(n)
                    .any(|(x, _)| x == p || graph.neighbors(x).any(|(y, _)| y == p));
            assert!(near, "{conflict:?}");
        }
    }
}
