//! The flow bound equals a generic LP (a small dense simplex written here) on random
//! tiny instances.

use super::*;
use crate::model::{Mode, Participant, Request, Session};

/// Maximises c·x subject to A x ≤ b, x ≥ 0, with b ≥ 0 (Bland's rule, dense tableau).
fn simplex(a: &[Vec<f64>], b: &[f64], c: &[f64]) -> f64 {
    let rows = a.len();
    let cols = c.len();
    let width = cols + rows + 1;
    let mut tab = vec![vec![0.0; width]; rows + 1];
    for i in 0..rows {
        tab[i][..cols].copy_from_slice(&a[i]);
        tab[i][cols + i] = 1.0;
        tab[i][width - 1] = b[i];
    }
    for j in 0..cols {
        tab[rows][j] = -c[j];
    }
    let mut basis: Vec<usize> = (cols..cols + rows).collect();
    while let Some(enter) = (0..width - 1).find(|&j| tab[rows][j] < -1e-9) {
        let mut leave = None;
        let mut best = f64::INFINITY;
        for i in 0..rows {
            if tab[i][enter] > 1e-9 {
                let ratio = tab[i][width - 1] / tab[i][enter];
                if ratio < best - 1e-12
                    || (ratio < best + 1e-12 && leave.is_some_and(|l: usize| basis[i] < basis[l]))
                {
                    best = ratio;
                    leave = Some(i);
                }
            }
        }
        let Some(leave) = leave else {
            return f64::INFINITY;
        };
        let pivot = tab[leave][enter];
        for value in tab[leave].iter_mut() {
            *value /= pivot;
        }
        for i in 0..=rows {
            if i != leave {
                let factor = tab[i][enter];
                if factor != 0.0 {
                    let pivot_row = tab[leave].clone();
                    for (value, pivot_value) in tab[i].iter_mut().zip(&pivot_row) {
                        *value -= factor * pivot_value;
                    }
                }
            }
        }
        basis[leave] = enter;
    }
    tab[rows][width - 1]
}

fn lp_bound(problem: &Problem) -> f64 {
    let n_m = problem.requests.len();
    let am = problem.session_slots(SessionRule::Am);
    let pm = problem.session_slots(SessionRule::Pm);
    let mut a = Vec::new();
    let mut b = Vec::new();
    for p in 0..problem.participants.len() {
        let avail = problem.available(p);
        let rows = [
            (
                None,
                (avail.count_ones() as usize).min(problem.cap(p)) as f64,
            ),
            (Some(SessionRule::Am), f64::from((avail & am).count_ones())),
            (Some(SessionRule::Pm), f64::from((avail & pm).count_ones())),
        ];
        for (rule, rhs) in rows {
            let row = (0..n_m)
                .map(|m| {
                    let r = &problem.requests[m];
                    let incident = r.a == p || r.b == p;
                    let matches = rule.is_none_or(|rule| r.session == rule);
                    if incident && matches { 1.0 } else { 0.0 }
                })
                .collect();
            a.push(row);
            b.push(rhs);
        }
    }
    a.push(vec![1.0; n_m]);
    b.push((problem.n_slots() * problem.tables) as f64);
    for m in 0..n_m {
        let mut row = vec![0.0; n_m];
        row[m] = 1.0;
        a.push(row);
        b.push(if problem.domain(m) == 0 { 0.0 } else { 1.0 });
    }
    let c: Vec<f64> = problem.requests.iter().map(|r| r.weight as f64).collect();
    simplex(&a, &b, &c)
}

fn random_problem(rng: &mut fastrand::Rng) -> Problem {
    let n_slots = rng.usize(1..6);
    let slots = (0..n_slots)
        .map(|t| {
            if t < n_slots / 2 {
                Session::Am
            } else {
                Session::Pm
            }
        })
        .collect();
    let n_p = rng.usize(2..7);
    let participants = (0..n_p)
        .map(|_| Participant {
            unavailable: rng.u128(..) & rng.u128(..),
            max_meetings: if rng.bool() {
                Some(rng.usize(0..4))
            } else {
                None
            },
        })
        .collect();
    let requests = (0..rng.usize(0..14))
        .map(|_| {
            let a = rng.usize(0..n_p);
            let b = (a + rng.usize(1..n_p)) % n_p;
            let session = [SessionRule::Any, SessionRule::Am, SessionRule::Pm][rng.usize(0..3)];
            Request {
                a,
                b,
                weight: rng.u64(1..6),
                session,
                fixed: None,
            }
        })
        .collect();
    Problem {
        slots,
        tables: rng.usize(1..4),
        participants,
        requests,
        precedences: vec![],
        mode: Mode::MaxWeight,
    }
}

#[test]
fn flow_bound_equals_the_simplex_lp_on_random_small_instances() {
    let mut rng = fastrand::Rng::with_seed(7);
    for round in 0..400 {
        let problem = random_problem(&mut rng);
        let flow = upper_bound(&problem);
        let lp = lp_bound(&problem);
        assert!(
            (flow.value - lp).abs() < 1e-6,
            "round {round}: flow {} vs lp {lp}: {problem:?}",
            flow.value
        );
        let from_halves: u64 = problem
            .requests
            .iter()
            .zip(&flow.halves)
            .map(|(r, &h)| r.weight * u64::from(h))
            .sum();
        assert_eq!(from_halves, flow.twice_value);
    }
}
