//! Conflicts of interest for neutral roles (judges, evaluators, mediators, arbitrators).
//!
//! Rules (all configurable in [`CoiRules`]):
//! - **direct**: a tie of a `direct_kinds` kind (default: every kind) between a neutral and
//!   a party, dated within the look-back window (default 5 years before `today`; ties dated
//!   after `today` and current affiliations count as inside it);
//! - **indirect**: a two-hop link neutral – x – party where both hops have a tie of an
//!   `indirect_kinds` kind (default partnership, contract, member_of) inside the window
//!   (unless `window_applies_to_indirect` is off). That covers a shared affiliation (both
//!   `member_of` the same organization), the neutral's organization having a contract or
//!   partnership with the party, and a partner's partner.
//!
//! Each conflict carries the ties that establish it as evidence. A record that is both a
//! neutral and a party is reported as a direct conflict with the one-node path `[id]`.

use std::collections::HashMap;

use bridgehub_domain::{Date, TieKind};
use serde::Serialize;

use crate::graph::{NodeIdx, TieGraph, other_end};
use crate::model::TieData;
use crate::{GraphError, day_number, years_before};

/// Which ties make a conflict.
#[derive(Debug, Clone, PartialEq)]
pub struct CoiRules {
    /// The day the look-back window ends.
    pub today: Date,
    /// Look-back window in years (default 5).
    pub years: u32,
    /// Kinds that make a direct conflict.
    pub direct_kinds: Vec<TieKind>,
    /// Kinds that make each hop of an indirect conflict.
    pub indirect_kinds: Vec<TieKind>,
    /// Whether indirect hops must fall in the window too (default yes).
    pub window_applies_to_indirect: bool,
}

impl CoiRules {
    /// The default rules, as of `today`.
    pub fn new(today: Date) -> Self {
        CoiRules {
            today,
            years: 5,
            direct_kinds: TieKind::ALL.to_vec(),
            indirect_kinds: vec![TieKind::Partnership, TieKind::Contract, TieKind::MemberOf],
            window_applies_to_indirect: true,
        }
    }
}

/// Direct or two-hop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// A tie between neutral and party.
    Direct,
    /// A two-hop link.
    Indirect,
}

/// One tie given as evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    /// Tie id.
    pub tie: String,
    /// One party of the tie.
    pub from: String,
    /// The other party.
    pub to: String,
    /// Tie kind.
    pub kind: &'static str,
    /// Date (absent for a current affiliation).
    pub date: Option<String>,
    /// Where the record comes from.
    pub source: Option<String>,
    /// The record's evidence.
    pub evidence: Option<String>,
}

impl From<&TieData> for Evidence {
    fn from(tie: &TieData) -> Self {
        Evidence {
            tie: tie.id.to_string(),
            from: tie.from.to_string(),
            to: tie.to.to_string(),
            kind: tie.kind.code(),
            date: tie.date.map(|d| d.to_string()),
            source: tie.source.clone(),
            evidence: tie.evidence.clone(),
        }
    }
}

/// One conflict.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The neutral.
    pub neutral: String,
    /// The party.
    pub party: String,
    /// Direct or indirect.
    pub kind: ConflictKind,
    /// Neutral, intermediary (indirect only), party.
    pub path: Vec<String>,
    /// The ties that make the conflict.
    pub evidence: Vec<Evidence>,
}

/// Finds every conflict between the neutrals and the parties, in neutral then party order.
pub fn conflicts(
    graph: &TieGraph,
    neutrals: &[NodeIdx],
    parties: &[NodeIdx],
    rules: &CoiRules,
) -> Result<Vec<Conflict>, GraphError> {
    let bound = graph.node_count();
    if let Some(bad) = neutrals.iter().chain(parties).find(|n| n.index() >= bound) {
        return Err(GraphError::UnknownNode(format!("node #{}", bad.index())));
    }
    let cutoff = years_before(rules.today, rules.years);
    let in_window = |tie: &TieData| tie.date.is_none_or(|d| day_number(d) >= cutoff);
    let direct_ok = |tie: &TieData| rules.direct_kinds.contains(&tie.kind) && in_window(tie);
    let hop_ok = |tie: &TieData| {
        rules.indirect_kinds.contains(&tie.kind)
            && (!rules.window_applies_to_indirect || in_window(tie))
    };
    let mut party_rank: HashMap<NodeIdx, usize> = HashMap::new();
    for (rank, party) in parties.iter().enumerate() {
        party_rank.entry(*party).or_insert(rank);
    }
    let id = |n: NodeIdx| graph.node_id(n).to_string();
    let mut out = Vec::new();
    let mut seen_neutrals = std::collections::HashSet::new();
    for &neutral in neutrals {
        if !seen_neutrals.insert(neutral) {
            continue;
        }
        let mut found: Vec<(usize, ConflictKind, Option<NodeIdx>, Conflict)> = Vec::new();
        if let Some(rank) = party_rank.get(&neutral) {
            let conflict = Conflict {
                neutral: id(neutral),
                party: id(neutral),
                kind: ConflictKind::Direct,
                path: vec![id(neutral)],
                evidence: Vec::new(),
            };
            found.push((*rank, ConflictKind::Direct, None, conflict));
        }
        for edge in graph.graph.edges(neutral) {
            let x = other_end(&edge, neutral);
            let ties: Vec<&TieData> = graph.pair_ties(edge.weight()).collect();
            if let Some(rank) = party_rank.get(&x) {
                let evidence: Vec<Evidence> = ties
                    .iter()
                    .filter(|t| direct_ok(t))
                    .map(|t| Evidence::from(*t))
                    .collect();
                if !evidence.is_empty() {
                    let conflict = Conflict {
                        neutral: id(neutral),
                        party: id(x),
                        kind: ConflictKind::Direct,
                        path: vec![id(neutral), id(x)],
                        evidence,
                    };
                    found.push((*rank, ConflictKind::Direct, None, conflict));
                }
            }
            let first: Vec<&TieData> = ties.iter().copied().filter(|t| hop_ok(t)).collect();
            if first.is_empty() {
                continue;
            }
            for second_edge in graph.graph.edges(x) {
                let party = other_end(&second_edge, x);
                if party == neutral {
                    continue;
                }
                let Some(rank) = party_rank.get(&party) else {
                    continue;
                };
                let second: Vec<&TieData> = graph
                    .pair_ties(second_edge.weight())
                    .filter(|t| hop_ok(t))
                    .collect();
                if second.is_empty() {
                    continue;
                }
                let evidence = first
                    .iter()
                    .chain(&second)
                    .map(|t| Evidence::from(*t))
                    .collect();
                let conflict = Conflict {
                    neutral: id(neutral),
                    party: id(party),
                    kind: ConflictKind::Indirect,
                    path: vec![id(neutral), id(x), id(party)],
                    evidence,
                };
                found.push((*rank, ConflictKind::Indirect, Some(x), conflict));
            }
        }
        found.sort_by(|a, b| {
            (
                a.0,
                a.1 == ConflictKind::Indirect,
                a.2.map(|x| graph.node_id(x)),
            )
                .cmp(&(
                    b.0,
                    b.1 == ConflictKind::Indirect,
                    b.2.map(|x| graph.node_id(x)),
                ))
        });
        out.extend(found.into_iter().map(|f| f.3));
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
