//! Seeded random graphs for tests and benchmarks: organizations spread evenly over the UN
//! M49 sub-regions with heavy-tailed activity, ties of every kind over the last twelve
//! years, planted thin region pairs (most of their ties removed), planted thick region
//! pairs (a share of all ties forced between them), people affiliated with organizations,
//! and planted conflicts of interest with decoys that must not be flagged.

use bridgehub_domain::{CountryCode, Date, EntityId, OrgKind, Sector, TieKind, reference};

use crate::model::{NodeInput, TieInput};
use crate::{GraphError, StrengthParams, TieGraph, date_from_day_number, day_number};

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedParams {
    /// Organizations.
    pub organizations: usize,
    /// Ties between organizations (planted conflict ties come on top).
    pub ties: usize,
    /// People, each affiliated with an organization; the first `neutrals` are the neutrals.
    pub people: usize,
    /// Region pairs whose ties are thinned.
    pub thin_pairs: usize,
    /// Region pairs that get extra ties.
    pub thick_pairs: usize,
    /// Share of the ties of a thin pair that are kept.
    pub thin_keep: f64,
    /// Share of all ties forced into the thick pairs.
    pub thick_share: f64,
    /// Cap on an organization's activity relative to the least active (default 50; the
    /// activity is Pareto-distributed with α = 2.5, so a higher cap makes bigger hubs).
    pub max_activity: f64,
    /// Neutrals (people).
    pub neutrals: usize,
    /// Parties (organizations).
    pub parties: usize,
    /// Planted conflicts.
    pub conflicts: usize,
    /// The day the dates are relative to.
    pub today: Date,
    /// Seed.
    pub seed: u64,
}

impl PlantedParams {
    /// A graph of the given size with the default plantings.
    pub fn new(organizations: usize, ties: usize, today: Date, seed: u64) -> Self {
        PlantedParams {
            organizations,
            ties,
            people: (organizations / 20).max(60),
            thin_pairs: 2,
            thick_pairs: 2,
            thin_keep: 0.1,
            thick_share: 0.05,
            max_activity: 50.0,
            neutrals: 50,
            parties: 500.min(organizations / 2),
            conflicts: 40,
            today,
            seed,
        }
    }
}

/// How a planted conflict is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlantedKind {
    /// A recent tie between neutral and party.
    Direct,
    /// The neutral's organization has a recent contract or partnership with the party.
    EmployerTie,
    /// The party is a member of the neutral's organization.
    SharedAffiliation,
}

/// One planted conflict.
#[derive(Debug, Clone, PartialEq)]
pub struct PlantedConflict {
    /// The neutral.
    pub neutral: EntityId,
    /// The party.
    pub party: EntityId,
    /// How.
    pub kind: PlantedKind,
}

/// A generated graph with what was planted in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Generated {
    /// Organizations, then people.
    pub nodes: Vec<NodeInput>,
    /// Ties.
    pub ties: Vec<TieInput>,
    /// Thin sub-region pairs, codes in order.
    pub thin: Vec<(String, String)>,
    /// Thick sub-region pairs.
    pub thick: Vec<(String, String)>,
    /// Neutrals.
    pub neutrals: Vec<EntityId>,
    /// Parties.
    pub parties: Vec<EntityId>,
    /// Planted conflicts.
    pub conflicts: Vec<PlantedConflict>,
}

impl Generated {
    /// Loads everything into a new graph with default strengths as of `today`.
    pub fn to_graph(&self, today: Date) -> Result<TieGraph, GraphError> {
        let mut graph = TieGraph::new(StrengthParams::new(today))?;
        for node in &self.nodes {
            graph.upsert_node(node.clone());
        }
        for tie in &self.ties {
            graph.upsert_tie(tie.clone())?;
        }
        Ok(graph)
    }
}

fn entity(prefix: &str, idx: usize) -> EntityId {
    EntityId::parse(&format!("{prefix}-{idx:06}"))
        .unwrap_or_else(|_| EntityId::generated(prefix, idx as u64))
}

fn date_back(today: Date, rng: &mut fastrand::Rng, max_days: i64) -> Date {
    days_before(today, rng.i64(0..max_days.max(1)))
}

fn days_before(today: Date, days: i64) -> Date {
    date_from_day_number(day_number(today) - days).unwrap_or(today)
}

const KIND_MIX: [(TieKind, u32); 7] = [
    (TieKind::Met, 40),
    (TieKind::Introduced, 15),
    (TieKind::CoOrganized, 10),
    (TieKind::Mou, 10),
    (TieKind::Partnership, 12),
    (TieKind::Contract, 8),
    (TieKind::MemberOf, 5),
];

fn random_kind(rng: &mut fastrand::Rng) -> TieKind {
    let mut pick = rng.u32(0..100);
    for (kind, weight) in KIND_MIX {
        if pick < weight {
            return kind;
        }
        pick -= weight;
    }
    TieKind::Met
}

/// Generates a graph; deterministic for a given `params`.
pub fn planted(params: &PlantedParams) -> Generated {
    let mut rng = fastrand::Rng::with_seed(params.seed);
    let reference = reference::reference();
    // Sub-regions with their countries.
    let mut regions: Vec<(String, Vec<CountryCode>)> = Vec::new();
    for country in reference.countries() {
        let code = country.code.subregion();
        if code.is_empty() {
            continue;
        }
        match regions.iter_mut().find(|(r, _)| r == code) {
            Some((_, list)) => list.push(country.code),
            None => regions.push((code.to_owned(), vec![country.code])),
        }
    }
    regions.sort_by(|a, b| a.0.cmp(&b.0));
    let n_regions = regions.len();
    // Organizations, evenly over regions, with heavy-tailed activity.
    let n_orgs = params.organizations.max(2);
    let mut region_of = Vec::with_capacity(n_orgs);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); n_regions];
    let mut nodes = Vec::with_capacity(n_orgs + params.people);
    let mut cumulative = Vec::with_capacity(n_orgs);
    let mut total = 0.0;
    for idx in 0..n_orgs {
        let region = idx % n_regions;
        region_of.push(region);
        members[region].push(idx);
        let country = regions[region].1[rng.usize(..regions[region].1.len())];
        let mut sectors = vec![Sector::ALL[rng.usize(..Sector::ALL.len())]];
        if rng.u8(..3) == 0 {
            let extra = Sector::ALL[rng.usize(..Sector::ALL.len())];
            if extra != sectors[0] {
                sectors.push(extra);
            }
        }
        let kind = OrgKind::ALL[rng.usize(..OrgKind::ALL.len())];
        nodes.push(NodeInput::organization(
            entity("o", idx),
            kind,
            country,
            sectors,
        ));
        let activity = (1.0 - rng.f64())
            .powf(-1.0 / 2.5)
            .min(params.max_activity.max(1.0));
        total += activity;
        cumulative.push(total);
    }
    let pick_org = |rng: &mut fastrand::Rng| {
        let x = rng.f64() * total;
        cumulative.partition_point(|c| *c < x).min(n_orgs - 1)
    };
    // Planted pairs: distinct off-diagonal region pairs.
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    while pairs.len()
        < (params.thin_pairs + params.thick_pairs).min(n_regions * (n_regions - 1) / 2)
    {
        let (a, b) = (rng.usize(..n_regions), rng.usize(..n_regions));
        let pair = (a.min(b), a.max(b));
        if a != b && !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    let thin_set: Vec<(usize, usize)> = pairs[..params.thin_pairs.min(pairs.len())].to_vec();
    let thick_set: Vec<(usize, usize)> = pairs[thin_set.len()..].to_vec();
    let mut ties = Vec::with_capacity(params.ties + params.people + params.conflicts * 2);
    let twelve_years = 12 * 365;
    let add_tie =
        |ties: &mut Vec<TieInput>, from: EntityId, to: EntityId, kind: TieKind, date: Date| {
            let id = entity("t", ties.len());
            ties.push(TieInput {
                id,
                from,
                to,
                kind,
                date,
                source: Some("generated".into()),
                evidence: None,
            });
        };
    while ties.len() < params.ties {
        let (u, v) = if !thick_set.is_empty() && rng.f64() < params.thick_share {
            let (a, b) = thick_set[rng.usize(..thick_set.len())];
            (
                members[a][rng.usize(..members[a].len())],
                members[b][rng.usize(..members[b].len())],
            )
        } else {
            let (u, v) = (pick_org(&mut rng), pick_org(&mut rng));
            let (ra, rb) = (region_of[u], region_of[v]);
            if thin_set.contains(&(ra.min(rb), ra.max(rb))) && rng.f64() >= params.thin_keep {
                continue;
            }
            (u, v)
        };
        if u == v {
            continue;
        }
        let date = date_back(params.today, &mut rng, twelve_years);
        add_tie(
            &mut ties,
            entity("o", u),
            entity("o", v),
            random_kind(&mut rng),
            date,
        );
    }
    // People, affiliated; a few casual ties each.
    let mut affiliation = Vec::with_capacity(params.people);
    for idx in 0..params.people.max(params.neutrals) {
        let org = rng.usize(..n_orgs);
        affiliation.push(org);
        let country = nodes[org].country;
        nodes.push(NodeInput::person(
            entity("p", idx),
            country,
            Some(entity("o", org)),
        ));
    }
    let n_people = affiliation.len();
    // Neutrals and parties.
    let neutrals: Vec<EntityId> = (0..params.neutrals.min(n_people))
        .map(|i| entity("p", i))
        .collect();
    let mut party_idx: Vec<usize> = Vec::new();
    while party_idx.len() < params.parties.min(n_orgs) {
        let org = rng.usize(..n_orgs);
        if !party_idx.contains(&org) {
            party_idx.push(org);
        }
    }
    let parties: Vec<EntityId> = party_idx.iter().map(|o| entity("o", *o)).collect();
    let mut conflicts = Vec::new();
    if !neutrals.is_empty() && !party_idx.is_empty() {
        let recent = 4 * 365;
        for idx in 0..params.conflicts {
            let n = rng.usize(..neutrals.len());
            let party = party_idx[rng.usize(..party_idx.len())];
            let employer = affiliation[n];
            let kind = match idx % 3 {
                0 => PlantedKind::Direct,
                1 => PlantedKind::EmployerTie,
                _ => PlantedKind::SharedAffiliation,
            };
            let kind = if party == employer {
                PlantedKind::Direct
            } else {
                kind
            };
            let date = date_back(params.today, &mut rng, recent);
            match kind {
                PlantedKind::Direct => add_tie(
                    &mut ties,
                    entity("p", n),
                    entity("o", party),
                    random_kind(&mut rng),
                    date,
                ),
                PlantedKind::EmployerTie => {
                    let k = if rng.bool() {
                        TieKind::Contract
                    } else {
                        TieKind::Partnership
                    };
                    add_tie(
                        &mut ties,
                        entity("o", employer),
                        entity("o", party),
                        k,
                        date,
                    )
                }
                PlantedKind::SharedAffiliation => add_tie(
                    &mut ties,
                    entity("o", party),
                    entity("o", employer),
                    TieKind::MemberOf,
                    date,
                ),
            }
            conflicts.push(PlantedConflict {
                neutral: neutrals[n].clone(),
                party: entity("o", party),
                kind,
            });
            // Decoys: an old direct tie and a casual two-hop link to another party.
            let decoy = party_idx[rng.usize(..party_idx.len())];
            if decoy != employer {
                let old = days_before(params.today, 8 * 365 + rng.i64(0..365));
                add_tie(
                    &mut ties,
                    entity("p", n),
                    entity("o", decoy),
                    TieKind::Met,
                    old,
                );
            }
        }
    }
    let code = |r: usize| regions[r].0.clone();
    Generated {
        nodes,
        ties,
        thin: thin_set.iter().map(|(a, b)| (code(*a), code(*b))).collect(),
        thick: thick_set
            .iter()
            .map(|(a, b)| (code(*a), code(*b)))
            .collect(),
        neutrals,
        parties,
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_sized() {
        let today = bridgehub_domain::parse_date("2026-11-25").unwrap();
        let params = PlantedParams::new(500, 3000, today, 7);
        let a = planted(&params);
        let b = planted(&params);
        assert_eq!(a, b);
        assert_eq!(
            a.nodes
                .iter()
                .filter(|n| n.kind == crate::NodeKind::Organization)
                .count(),
            500
        );
        assert!(a.ties.len() >= 3000);
        assert_eq!(a.thin.len(), 2);
        assert_eq!(a.thick.len(), 2);
        assert!(a.ties.iter().all(|t| t.from != t.to && t.date <= today));
    }

    #[test]
    fn planted_thin_and_thick_region_pairs_rank_lowest_and_highest() {
        use crate::thin::{By, Expectation, ThinParams, thin_tie_map};
        let today = bridgehub_domain::parse_date("2026-11-25").unwrap();
        for seed in 1..4 {
            let generated = planted(&PlantedParams::new(3000, 40_000, today, seed));
            let graph = generated.to_graph(today).unwrap();
            for expectation in [Expectation::Uniform, Expectation::Degree] {
                let mut params = ThinParams::new(By::Region);
                params.expectation = expectation;
                let map = thin_tie_map(&graph, &params).unwrap();
                let pairs = |cells: Vec<&crate::thin::Cell>| {
                    let mut v: Vec<(String, String)> =
                        cells.iter().map(|c| (c.a.clone(), c.b.clone())).collect();
                    v.sort();
                    v
                };
                let mut thin = generated.thin.clone();
                thin.sort();
                let mut thick = generated.thick.clone();
                thick.sort();
                assert_eq!(
                    pairs(map.thinnest(2).iter().collect()),
                    thin,
                    "seed {seed} {expectation:?}"
                );
                assert_eq!(pairs(map.thickest(2)), thick, "seed {seed} {expectation:?}");
                for cell in map.thinnest(2) {
                    assert_eq!(cell.verdict, crate::thin::Verdict::Thin);
                }
            }
        }
    }
}
