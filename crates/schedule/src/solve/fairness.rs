//! Fairness in mode `max_weight` (the third objective, after weight and breaks): give
//! participants who were left without any meeting one of their requests by trading it
//! for a meeting of no greater weight whose other participants keep at least one meeting.
//!
//! A trade never lowers the total weight; at equal weight it is made only when the total
//! breaks do not grow. Fixed meetings, meetings kept from the previous schedule
//! (incremental runs) and requests in precedences are never traded. Each trade gives one
//! participant its first meeting and leaves nobody else without one, so the number of
//! participants with nothing strictly falls and the pass ends.

use crate::model::{Problem, breaks_of, slots_of};

/// Rewrites `slot_of` (slot per request) so fewer participants with requests are left
/// without a meeting. Returns the number of trades made.
pub(super) fn share_out(
    problem: &Problem,
    slot_of: &mut [Option<usize>],
    previous: Option<&[Option<usize>]>,
) -> usize {
    let n = problem.participants.len();
    let n_slots = problem.n_slots();
    let in_precedence = {
        let mut flags = vec![false; problem.requests.len()];
        for &(i, j) in &problem.precedences {
            flags[i] = true;
            flags[j] = true;
        }
        flags
    };
    let by_participant = problem.requests_by_participant();
    let mut count = vec![0usize; n];
    let mut busy = vec![0u128; n];
    let mut load = vec![0usize; n_slots];
    // The meetings held in each slot.
    let mut in_slot: Vec<Vec<usize>> = vec![Vec::new(); n_slots];
    for (m, slot) in slot_of.iter().enumerate() {
        if let Some(t) = *slot {
            let r = &problem.requests[m];
            for p in [r.a, r.b] {
                count[p] += 1;
                busy[p] |= 1 << t;
            }
            load[t] += 1;
            in_slot[t].push(m);
        }
    }
    let tradable = |m: usize, t: usize| -> bool {
        let r = &problem.requests[m];
        r.fixed.is_none()
            && !in_precedence[m]
            && previous.and_then(|p| p.get(m).copied().flatten()) != Some(t)
    };
    let mut trades = 0;
    for p in 0..n {
        if count[p] > 0 || problem.cap(p) == 0 {
            continue;
        }
        let mut wanted: Vec<usize> = by_participant[p]
            .iter()
            .copied()
            .filter(|&m| slot_of[m].is_none() && !in_precedence[m])
            .collect();
        wanted.sort_by(|&x, &y| {
            problem.requests[y]
                .weight
                .cmp(&problem.requests[x].weight)
                .then(x.cmp(&y))
        });
        'request: for m in wanted {
            let request = &problem.requests[m];
            let q = if request.a == p { request.b } else { request.a };
            let w = request.weight;
            for t in slots_of(problem.domain(m)) {
                let bit = 1u128 << t;
                // What has to go for m to fit in t: q's meeting at t, else (slot full) any one.
                let candidates: Vec<Option<usize>> = if busy[q] & bit != 0 {
                    in_slot[t]
                        .iter()
                        .copied()
                        .filter(|&x| {
                            let r = &problem.requests[x];
                            r.a == q || r.b == q
                        })
                        .map(Some)
                        .collect()
                } else if load[t] >= problem.tables {
                    in_slot[t].iter().copied().map(Some).collect()
                } else {
                    vec![None]
                };
                for out in candidates {
                    let gains_q = out.is_none_or(|x| {
                        let r = &problem.requests[x];
                        r.a != q && r.b != q
                    });
                    if gains_q && count[q] + 1 > problem.cap(q) {
                        continue;
                    }
                    let mut breaks_before = 0u64;
                    let mut breaks_after = 0u64;
                    let mut changed: Vec<(usize, u128)> = vec![(p, busy[p] | bit)];
                    if gains_q {
                        changed.push((q, busy[q] | bit));
                    }
                    if let Some(x) = out {
                        let r = &problem.requests[x];
                        if problem.requests[x].weight > w || !tradable(x, t) {
                            continue;
                        }
                        let losers: Vec<usize> =
                            [r.a, r.b].into_iter().filter(|&s| s != q).collect();
                        if losers.iter().any(|&s| count[s] < 2) {
                            continue;
                        }
                        for s in losers {
                            changed.push((s, busy[s] & !bit));
                        }
                    }
                    for &(s, mask) in &changed {
                        breaks_before += u64::from(breaks_of(busy[s]));
                        breaks_after += u64::from(breaks_of(mask));
                    }
                    let same_weight = out.is_some_and(|x| problem.requests[x].weight == w);
                    if same_weight && breaks_after > breaks_before {
                        continue;
                    }
                    // Trade.
                    if let Some(x) = out {
                        let r = &problem.requests[x];
                        slot_of[x] = None;
                        in_slot[t].retain(|&y| y != x);
                        load[t] -= 1;
                        for s in [r.a, r.b] {
                            count[s] -= 1;
                            busy[s] &= !bit;
                        }
                    }
                    slot_of[m] = Some(t);
                    in_slot[t].push(m);
                    load[t] += 1;
                    for s in [p, q] {
                        count[s] += 1;
                        busy[s] |= bit;
                    }
                    trades += 1;
                    break 'request;
                }
            }
        }
    }
    trades
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checker::{Assignment, check};
    use crate::model::{Mode, Participant, Request, Session, SessionRule};

    fn request(a: usize, b: usize) -> Request {
        Request {
            a,
            b,
            weight: 1,
            session: SessionRule::Any,
            fixed: None,
        }
    }

    fn problem() -> Problem {
        // A = 0 asks B = 1 and C = 2; D = 3 asks B. Two slots, one table: two meetings in
        // all, and only {A–C, D–B} leaves nobody out.
        Problem {
            slots: vec![Session::Am, Session::Am],
            tables: 1,
            participants: vec![Participant::default(); 4],
            requests: vec![request(0, 1), request(0, 2), request(3, 1)],
            precedences: vec![],
            mode: Mode::MaxWeight,
        }
    }

    fn without_meetings(problem: &Problem, slot_of: &[Option<usize>]) -> usize {
        let mut has = vec![false; problem.participants.len()];
        for (m, slot) in slot_of.iter().enumerate() {
            if slot.is_some() {
                has[problem.requests[m].a] = true;
                has[problem.requests[m].b] = true;
            }
        }
        has.iter().filter(|h| !**h).count()
    }

    #[test]
    fn a_participant_left_out_gets_a_meeting_at_equal_weight() {
        let problem = problem();
        for start in [
            vec![Some(0), Some(1), None],
            vec![Some(0), None, Some(1)],
            vec![Some(1), Some(0), None],
        ] {
            let mut slot_of = start.clone();
            assert_eq!(without_meetings(&problem, &slot_of), 1);
            assert_eq!(share_out(&problem, &mut slot_of, None), 1, "from {start:?}");
            assert_eq!(
                without_meetings(&problem, &slot_of),
                0,
                "from {start:?} to {slot_of:?}"
            );
            let assignments: Vec<Assignment> = slot_of
                .iter()
                .enumerate()
                .filter_map(|(m, t)| {
                    t.map(|slot| Assignment {
                        request: m,
                        slot,
                        table: 1,
                    })
                })
                .collect();
            let report = check(&problem, &assignments);
            assert!(report.violations.is_empty(), "{:?}", report.violations);
            assert_eq!(report.weight, 2, "weight is kept");
        }
    }

    #[test]
    fn kept_and_fixed_meetings_are_not_traded() {
        let problem = problem();
        let mut slot_of = vec![Some(0), Some(1), None];
        // Both of A's meetings were confirmed before in these slots: nothing moves.
        assert_eq!(
            share_out(&problem, &mut slot_of, Some(&[Some(0), Some(1), None])),
            0
        );
        assert_eq!(slot_of, vec![Some(0), Some(1), None]);
    }

    /// A random small problem and a valid schedule made greedily in a random order.
    fn random_case(seed: u64) -> (Problem, Vec<Option<usize>>, Option<Vec<Option<usize>>>) {
        let mut rng = fastrand::Rng::with_seed(seed);
        let n_slots = rng.usize(1..7);
        let n_p = rng.usize(2..9);
        let slots = (0..n_slots)
            .map(|t| {
                if t < n_slots / 2 {
                    Session::Am
                } else {
                    Session::Pm
                }
            })
            .collect();
        let participants = (0..n_p)
            .map(|_| Participant {
                unavailable: if rng.u8(0..3) == 0 {
                    rng.u128(..) & rng.u128(..)
                } else {
                    0
                },
                max_meetings: (rng.u8(0..4) == 0).then(|| rng.usize(0..3)),
            })
            .collect();
        let requests = (0..rng.usize(0..20))
            .map(|_| {
                let a = rng.usize(0..n_p);
                let b = (a + rng.usize(1..n_p)) % n_p;
                let session = [
                    SessionRule::Any,
                    SessionRule::Any,
                    SessionRule::Am,
                    SessionRule::Pm,
                ][rng.usize(0..4)];
                Request {
                    a,
                    b,
                    weight: rng.u64(1..4),
                    session,
                    fixed: None,
                }
            })
            .collect();
        let problem = Problem {
            slots,
            tables: rng.usize(1..4),
            participants,
            requests,
            precedences: vec![],
            mode: Mode::MaxWeight,
        };
        let mut slot_of = vec![None; problem.requests.len()];
        let mut order: Vec<usize> = (0..problem.requests.len()).collect();
        rng.shuffle(&mut order);
        let (mut busy, mut count, mut load) =
            (vec![0u128; n_p], vec![0usize; n_p], vec![0usize; n_slots]);
        for m in order {
            let r = &problem.requests[m];
            if count[r.a] >= problem.cap(r.a) || count[r.b] >= problem.cap(r.b) {
                continue;
            }
            let free = problem.domain(m) & !busy[r.a] & !busy[r.b];
            if let Some(t) = slots_of(free).find(|&t| load[t] < problem.tables) {
                slot_of[m] = Some(t);
                busy[r.a] |= 1 << t;
                busy[r.b] |= 1 << t;
                count[r.a] += 1;
                count[r.b] += 1;
                load[t] += 1;
            }
        }
        let previous =
            (rng.u8(0..3) == 0).then(|| slot_of.iter().map(|s| s.filter(|_| rng.bool())).collect());
        (problem, slot_of, previous)
    }

    fn assignments(slot_of: &[Option<usize>], tables: usize) -> Vec<Assignment> {
        let mut next = vec![1usize; 128];
        slot_of
            .iter()
            .enumerate()
            .filter_map(|(m, t)| {
                t.map(|slot| {
                    next[slot] += 1;
                    Assignment {
                        request: m,
                        slot,
                        table: (next[slot] - 1).min(tables.max(1)),
                    }
                })
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Trades keep the schedule valid, never lower the weight, never leave more
        /// participants with nothing, never raise breaks at equal weight, and never move
        /// a meeting kept from the previous schedule.
        #[test]
        fn trades_are_valid_and_only_improve_fairness(seed in 0u64..1_000_000) {
            let (problem, start, previous) = random_case(seed);
            let before = check(&problem, &assignments(&start, problem.tables));
            proptest::prop_assert!(before.violations.is_empty(), "start {:?}", before.violations);
            let mut slot_of = start.clone();
            let trades = share_out(&problem, &mut slot_of, previous.as_deref());
            let after = check(&problem, &assignments(&slot_of, problem.tables));
            proptest::prop_assert!(after.violations.is_empty(), "{:?}", after.violations);
            proptest::prop_assert!(after.weight >= before.weight);
            let (zero_before, zero_after) = (without_meetings(&problem, &start), without_meetings(&problem, &slot_of));
            proptest::prop_assert!(zero_after + trades <= zero_before, "{} trades: {} -> {}", trades, zero_before, zero_after);
            if after.weight == before.weight {
                proptest::prop_assert!(after.total_breaks <= before.total_breaks);
            }
            if let Some(previous) = &previous {
                for (m, kept) in previous.iter().enumerate() {
                    if kept.is_some() && start[m] == *kept {
                        proptest::prop_assert_eq!(slot_of[m], *kept);
                    }
                }
            }
        }
    }

    #[test]
    fn the_solver_leaves_nobody_out_when_a_trade_allows_it() {
        let outcome = crate::solve(
            &problem(),
            &crate::Params {
                max_iterations: Some(1_000),
                ..Default::default()
            },
        );
        let mut slot_of = vec![None; 3];
        for a in &outcome.assignments {
            slot_of[a.request] = Some(a.slot);
        }
        assert_eq!(outcome.weight, 2);
        assert_eq!(
            without_meetings(&problem(), &slot_of),
            0,
            "{:?}",
            outcome.assignments
        );
    }
}
