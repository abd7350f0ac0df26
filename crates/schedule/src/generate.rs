//! The instance generator of `scheduling.md` §7: N participants, T slots (AM = T/2),
//! L = ⌈τ·N/2⌉ tables; requests per participant ~ negative binomial (mean 6, dispersion 2)
//! capped at T; targets by Zipf popularity (s = 1) over a random permutation; optional
//! buyer/seller split; priority 3/2/1 by the requester's rank thirds, a mutual request
//! becomes one meeting whose weight is the sum of both priorities; 30 % of participants
//! miss a contiguous block of ≤ T/4 slots at the start or end, plus 3 % random forbidden
//! slots; 10 % of meetings bound to AM or PM.

use std::collections::HashMap;

use fastrand::Rng;

use crate::formats::{Id, Instance};
use crate::model::{MAX_SLOTS, Mode, Participant, Problem, Request, Session, SessionRule};

/// Generator parameters (defaults are §7's).
#[derive(Debug, Clone, PartialEq)]
pub struct GenParams {
    /// Participants N.
    pub participants: usize,
    /// Slots T.
    pub slots: usize,
    /// Tables ratio τ: L = ⌈τ·N/2⌉.
    pub tables_ratio: f64,
    /// Share of buyers (0 = open brokerage graph; otherwise buyers request sellers and back).
    pub buyers: f64,
    /// Mean requests per participant.
    pub mean_requests: f64,
    /// Negative binomial dispersion (shape r).
    pub dispersion: f64,
    /// Zipf exponent of popularity.
    pub zipf: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for GenParams {
    fn default() -> Self {
        Self {
            participants: 200,
            slots: 16,
            tables_ratio: 0.6,
            buyers: 0.0,
            mean_requests: 6.0,
            dispersion: 2.0,
            zipf: 1.0,
            seed: 1,
        }
    }
}

/// Generates an instance (mode `max_weight`; ids are 1-based numbers).
pub fn generate(params: &GenParams) -> Instance {
    let mut rng = Rng::with_seed(params.seed);
    let n = params.participants.max(2);
    let n_slots = params.slots.clamp(1, MAX_SLOTS);
    let am = n_slots / 2;
    let slots: Vec<Session> = (0..n_slots)
        .map(|t| if t < am { Session::Am } else { Session::Pm })
        .collect();
    let tables = (params.tables_ratio * n as f64 / 2.0).ceil().max(1.0) as usize;
    // Popularity: Zipf weight by rank over a random permutation.
    let mut ranking: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut ranking);
    let mut popularity = vec![0.0; n];
    for (rank, &p) in ranking.iter().enumerate() {
        popularity[p] = 1.0 / ((rank + 1) as f64).powf(params.zipf);
    }
    let n_buyers = (params.buyers.clamp(0.0, 1.0) * n as f64).round() as usize;
    let mut sides: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut sides);
    let is_buyer: Vec<bool> = {
        let mut flags = vec![false; n];
        for &p in &sides[..n_buyers] {
            flags[p] = true;
        }
        flags
    };
    let split = n_buyers > 0 && n_buyers < n;
    // Cumulative popularity per side: index 0 = everyone / sellers, 1 = buyers.
    let pools: Vec<Vec<usize>> = if split {
        vec![
            (0..n).filter(|&p| !is_buyer[p]).collect(),
            (0..n).filter(|&p| is_buyer[p]).collect(),
        ]
    } else {
        vec![(0..n).collect()]
    };
    let cumulative: Vec<Vec<f64>> = pools
        .iter()
        .map(|pool| {
            let mut sum = 0.0;
            pool.iter()
                .map(|&p| {
                    sum += popularity[p];
                    sum
                })
                .collect()
        })
        .collect();
    let mut priority: HashMap<(usize, usize), u64> = HashMap::new();
    let mut order: Vec<(usize, usize)> = Vec::new();
    for (requester, &buyer) in is_buyer.iter().enumerate() {
        let pool_index = if split && !buyer { 1 } else { 0 };
        let pool = &pools[pool_index];
        let wanted = negative_binomial(&mut rng, params.mean_requests, params.dispersion)
            .min(n_slots)
            .min(pool.len().saturating_sub(usize::from(!split)));
        let mut targets = Vec::with_capacity(wanted);
        let mut attempts = 0;
        while targets.len() < wanted && attempts < 50 * wanted + 100 {
            attempts += 1;
            let total = cumulative[pool_index].last().copied().unwrap_or(0.0);
            let x = rng.f64() * total;
            let index = cumulative[pool_index]
                .partition_point(|&c| c <= x)
                .min(pool.len() - 1);
            let target = pool[index];
            if target != requester && !targets.contains(&target) {
                targets.push(target);
            }
        }
        let k = targets.len();
        for (rank, &target) in targets.iter().enumerate() {
            let level = 3 - (3 * rank / k.max(1)) as u64;
            let key = (requester.min(target), requester.max(target));
            match priority.get_mut(&key) {
                Some(weight) => *weight += level,
                None => {
                    priority.insert(key, level);
                    order.push(key);
                }
            }
        }
    }
    let participants = (0..n)
        .map(|_| {
            let mut unavailable = 0u128;
            if rng.f64() < 0.3 && n_slots >= 4 {
                let length = rng.usize(1..=(n_slots / 4).max(1));
                let block = (1u128 << length) - 1;
                unavailable |= if rng.bool() {
                    block
                } else {
                    block << (n_slots - length)
                };
            }
            for t in 0..n_slots {
                if rng.f64() < 0.03 {
                    unavailable |= 1 << t;
                }
            }
            Participant {
                unavailable,
                max_meetings: None,
            }
        })
        .collect();
    let requests: Vec<Request> = order
        .iter()
        .map(|&(a, b)| {
            let session = if rng.f64() < 0.1 {
                if rng.bool() {
                    SessionRule::Am
                } else {
                    SessionRule::Pm
                }
            } else {
                SessionRule::Any
            };
            Request {
                a,
                b,
                weight: priority[&(a, b)],
                session,
                fixed: None,
            }
        })
        .collect();
    let problem = Problem {
        slots,
        tables,
        participants,
        requests,
        precedences: vec![],
        mode: Mode::MaxWeight,
    };
    Instance {
        request_ids: (1..=problem.requests.len() as i64).map(Id::Num).collect(),
        slot_ids: (1..=n_slots as i64).map(Id::Num).collect(),
        participant_ids: (1..=n as i64).map(Id::Num).collect(),
        problem,
        previous: None,
    }
}

/// Negative binomial with the given mean and shape r: Poisson with a Gamma(r, mean/r) rate.
fn negative_binomial(rng: &mut Rng, mean: f64, shape: f64) -> usize {
    let rate = gamma(rng, shape) * mean / shape;
    poisson(rng, rate)
}

/// Gamma(shape, 1) by Marsaglia–Tsang (with the boost for shape < 1).
fn gamma(rng: &mut Rng, shape: f64) -> f64 {
    if shape < 1.0 {
        let u = rng.f64().max(f64::MIN_POSITIVE);
        return gamma(rng, shape + 1.0) * u.powf(1.0 / shape);
    }
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = (1.0 + c * x).powi(3);
        if v <= 0.0 {
            continue;
        }
        let u = rng.f64().max(f64::MIN_POSITIVE);
        if u.ln() < 0.5 * x * x + d - d * v + d * v.ln() {
            return d * v;
        }
    }
}

fn normal(rng: &mut Rng) -> f64 {
    let u1 = rng.f64().max(f64::MIN_POSITIVE);
    let u2 = rng.f64();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// Poisson by multiplication of uniforms (rates here are small; large ones are capped).
fn poisson(rng: &mut Rng, rate: f64) -> usize {
    if rate > 500.0 {
        return rate.round() as usize;
    }
    let limit = (-rate).exp();
    let mut k = 0;
    let mut product = rng.f64();
    while product > limit {
        k += 1;
        product *= rng.f64();
    }
    k
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_instances_have_the_section_7_shape() {
        let instance = generate(&GenParams {
            participants: 1000,
            slots: 24,
            ..GenParams::default()
        });
        let problem = &instance.problem;
        assert!(problem.validate().is_ok());
        assert_eq!(problem.tables, 300);
        assert_eq!(
            problem.slots.iter().filter(|s| **s == Session::Am).count(),
            12
        );
        let m = problem.requests.len() as f64;
        assert!((5.0 * 1000.0..6.5 * 1000.0).contains(&m), "{m} meetings");
        let bound = problem
            .requests
            .iter()
            .filter(|r| r.session != SessionRule::Any)
            .count() as f64;
        assert!((0.07..0.13).contains(&(bound / m)));
        let mut degree = vec![0usize; 1000];
        for r in &problem.requests {
            degree[r.a] += 1;
            degree[r.b] += 1;
        }
        let max = degree.iter().max().copied().unwrap_or(0);
        assert!(max > 250, "most popular participant in {max} requests");
        assert_eq!(
            generate(&GenParams::default()),
            generate(&GenParams::default())
        );
    }

    #[test]
    fn a_buyer_seller_split_gives_a_bipartite_graph() {
        let problem = generate(&GenParams {
            buyers: 0.4,
            ..GenParams::default()
        })
        .problem;
        let mut neighbours = vec![Vec::new(); 200];
        for r in &problem.requests {
            neighbours[r.a].push(r.b);
            neighbours[r.b].push(r.a);
        }
        let mut colour = [None; 200];
        for start in 0..200 {
            if colour[start].is_some() {
                continue;
            }
            colour[start] = Some(false);
            let mut stack = vec![start];
            while let Some(p) = stack.pop() {
                let here = colour[p] == Some(true);
                for &q in &neighbours[p] {
                    match colour[q] {
                        None => {
                            colour[q] = Some(!here);
                            stack.push(q);
                        }
                        Some(c) => assert_ne!(c, here, "request within one side"),
                    }
                }
            }
        }
        assert!(problem.requests.len() > 500);
    }
}
