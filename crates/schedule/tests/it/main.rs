//! Integration tests of the scheduler: shipped JAIR instances, generated instances,
//! property tests on random small problems, incremental runs and infeasibility reports.
//! Every schedule goes through the independent checker.

use std::path::PathBuf;

use bridgehub_schedule::formats::{parse_dzn, parse_json};
use bridgehub_schedule::generate::{GenParams, generate};
use bridgehub_schedule::{
    Mode, Outcome, Params, Participant, Problem, Request, Session, SessionRule, Status, check,
    solve, upper_bound,
};
use proptest::prelude::*;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/b2b-instances")
}

fn params(max_iterations: u64) -> Params {
    Params {
        seed: 1,
        time_limit: None,
        max_iterations: Some(max_iterations),
        previous: None,
    }
}

/// Checks `outcome` against `problem` and that the outcome's figures are the checker's.
fn assert_valid(problem: &Problem, outcome: &Outcome) {
    let report = check(problem, &outcome.assignments);
    assert!(report.is_valid(), "violations: {:?}", report.violations);
    assert_eq!(report.weight, outcome.weight);
    assert_eq!(report.total_breaks, outcome.breaks);
    assert_eq!(report.spread, outcome.fairness_spread);
}

fn solve_dzn(name: &str, max_iterations: u64) -> (Problem, Outcome) {
    let path = data_dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let instance = parse_dzn(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let outcome = solve(&instance.problem, &params(max_iterations));
    (instance.problem, outcome)
}

#[test]
fn jair_originals_are_scheduled_completely_and_fairly() {
    for (name, iterations) in [
        ("tic-12.original.dzn", 200_000),
        ("tic-13crafb.original.dzn", 300_000),
        ("forumt-14crafd.original.dzn", 300_000),
    ] {
        let (problem, outcome) = solve_dzn(name, iterations);
        assert!(
            matches!(outcome.status, Status::Optimal | Status::Feasible),
            "{name}: {outcome:?}"
        );
        assert_eq!(outcome.assignments.len(), problem.requests.len(), "{name}");
        assert!(outcome.fairness_spread <= 2, "{name}");
        assert_valid(&problem, &outcome);
    }
}

#[test]
fn tic_12_reaches_its_published_optimum_of_zero_breaks() {
    let (problem, outcome) = solve_dzn("tic-12.original.dzn", 2_000_000);
    assert_eq!(outcome.breaks, 0);
    assert_eq!(outcome.status, Status::Optimal);
    assert_valid(&problem, &outcome);
}

#[test]
fn jair_variants_with_fixed_meetings_and_precedences_are_respected() {
    for name in [
        "tic-12.fixed020-Forb.dzn",
        "tic-12.prec25.dzn",
        "forum-13.prec15.dzn",
    ] {
        let (problem, outcome) = solve_dzn(name, 300_000);
        assert!(
            !problem.precedences.is_empty() || problem.requests.iter().any(|r| r.fixed.is_some())
        );
        match outcome.status {
            Status::Optimal | Status::Feasible => assert_valid(&problem, &outcome),
            other => panic!("{name}: {other:?} {:?}", outcome.reason),
        }
    }
}

#[test]
fn shipped_infeasible_variants_are_reported_with_a_reason() {
    for (name, reason) in [
        ("tic-12.forb0003.dzn", "distinct usable slots"),
        ("tic-12.fixed040-Forb.dzn", "distinct usable slots"),
        ("forum-13.prec25.dzn", "predecessors"),
    ] {
        let (_, outcome) = solve_dzn(name, 1000);
        assert_eq!(outcome.status, Status::Infeasible, "{name}");
        assert!(
            outcome.reason.as_deref().unwrap_or("").contains(reason),
            "{name}: {:?}",
            outcome.reason
        );
    }
}

#[test]
fn an_impossible_variant_is_reported_infeasible_with_a_reason() {
    let path = data_dir().join("tic-12.original.dzn");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut problem = parse_dzn(&text)
        .map(|i| i.problem)
        .unwrap_or_else(|e| panic!("{e}"));
    problem.tables = 10; // 125 meetings, 8 slots × 10 tables
    let outcome = solve(&problem, &params(1000));
    assert_eq!(outcome.status, Status::Infeasible);
    assert!(
        outcome
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("table-slots"),
        "{:?}",
        outcome.reason
    );
    assert!(outcome.assignments.is_empty());

    problem.tables = 21;
    problem.precedences = vec![(0, 1), (1, 2), (2, 0)];
    let outcome = solve(&problem, &params(1000));
    assert_eq!(outcome.status, Status::Infeasible);
    assert!(outcome.reason.as_deref().unwrap_or("").contains("cycle"));
}

#[test]
fn generated_max_weight_comes_close_to_the_upper_bound() {
    let instance = generate(&GenParams {
        participants: 200,
        slots: 16,
        ..GenParams::default()
    });
    let outcome = solve(&instance.problem, &params(150_000));
    assert_valid(&instance.problem, &outcome);
    let ratio = outcome.weight as f64 / outcome.upper_bound;
    assert!(
        ratio >= 0.97,
        "weight {} of bound {}",
        outcome.weight,
        outcome.upper_bound
    );
}

#[test]
fn the_same_seed_gives_the_same_schedule() {
    let instance = generate(&GenParams {
        participants: 60,
        slots: 8,
        ..GenParams::default()
    });
    let first = solve(&instance.problem, &params(20_000));
    let second = solve(&instance.problem, &params(20_000));
    assert_eq!(first.assignments, second.assignments);
}

#[test]
fn mode_all_under_a_move_budget_gives_the_same_schedule_every_time() {
    // Two annealers run on threads; under a move budget the winner must not depend on
    // how they were scheduled (tic-12 reaches its lower bound, so the stop flag is used).
    let runs: Vec<_> = (0..4).map(|_| solve_dzn("tic-12.original.dzn", 200_000).1).collect();
    for run in &runs[1..] {
        assert_eq!(run.assignments, runs[0].assignments);
        assert_eq!(run.breaks, runs[0].breaks);
    }
    let hard: Vec<_> = (0..2).map(|_| solve_dzn("forumt-14crafd.original.dzn", 100_000).1).collect();
    assert_eq!(hard[0].assignments, hard[1].assignments);
}

#[test]
fn an_incremental_run_keeps_the_previous_meetings_and_lists_what_moved() {
    let instance = generate(&GenParams {
        participants: 60,
        slots: 8,
        seed: 3,
        ..GenParams::default()
    });
    let first = solve(&instance.problem, &params(20_000));
    let mut previous = vec![None; instance.problem.requests.len()];
    for a in &first.assignments {
        previous[a.request] = Some(a.slot);
    }
    // A late change: the first held meeting's participant a becomes unavailable there.
    let mut changed = instance.problem.clone();
    let Some(first_held) = first.assignments.first().copied() else {
        panic!("nothing scheduled")
    };
    let person = changed.requests[first_held.request].a;
    changed.participants[person].unavailable |= 1 << first_held.slot;
    let rerun = solve(
        &changed,
        &Params {
            previous: Some(previous.clone()),
            ..params(20_000)
        },
    );
    assert_valid(&changed, &rerun);
    assert!(rerun.moved.contains(&first_held.request));
    let kept = rerun
        .assignments
        .iter()
        .filter(|a| previous[a.request] == Some(a.slot))
        .count();
    assert!(kept + 1 >= first.assignments.len() - rerun.moved.len());
    assert!(
        rerun.moved.len() <= first.assignments.len() / 10 + 1,
        "moved {:?}",
        rerun.moved
    );
}

#[test]
fn an_incremental_jair_run_keeps_every_meeting_when_nothing_changed() {
    let path = data_dir().join("tic-12.original.dzn");
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let problem = parse_dzn(&text)
        .map(|i| i.problem)
        .unwrap_or_else(|e| panic!("{e}"));
    let first = solve(&problem, &params(200_000));
    let mut previous = vec![None; problem.requests.len()];
    for a in &first.assignments {
        previous[a.request] = Some(a.slot);
    }
    let rerun = solve(
        &problem,
        &Params {
            previous: Some(previous),
            ..params(200_000)
        },
    );
    assert_valid(&problem, &rerun);
    assert!(rerun.moved.is_empty(), "moved {:?}", rerun.moved);
}

#[test]
fn json_instances_round_trip_through_the_solver() {
    let text = r#"{"mode": "all", "slots": [{"id": "t1", "session": "am"}, {"id": "t2", "session": "am"},
        {"id": "t3", "session": "pm"}], "tables": 2,
        "participants": [{"id": 1}, {"id": 2}, {"id": 3, "unavailable": ["t1"]}],
        "requests": [{"id": "x", "a": 1, "b": 2, "weight": 1, "session": "any"},
                     {"id": "y", "a": 1, "b": 3, "weight": 1, "session": "any"},
                     {"id": "z", "a": 2, "b": 3, "weight": 1, "session": "pm"}],
        "precedences": [{"before": "x", "after": "y"}]}"#;
    let instance = parse_json(text).unwrap_or_else(|e| panic!("{e}"));
    let outcome = solve(&instance.problem, &params(10_000));
    assert_valid(&instance.problem, &outcome);
    assert_eq!(outcome.assignments.len(), 3);
    // x before y, y next to z (afternoon) for participant 3: participant 2 must wait.
    assert_eq!(outcome.breaks, 1);
}

/// A random small problem and, for mode `all`, a schedule that proves it feasible.
fn random_problem(seed: u64, all: bool) -> Problem {
    let mut rng = fastrand::Rng::with_seed(seed);
    let n_slots = rng.usize(2..9);
    let slots: Vec<Session> = (0..n_slots)
        .map(|t| {
            if t < n_slots / 2 {
                Session::Am
            } else {
                Session::Pm
            }
        })
        .collect();
    let n_p = rng.usize(2..10);
    let tables = rng.usize(1..5);
    let mut participants: Vec<Participant> = (0..n_p)
        .map(|_| Participant {
            unavailable: rng.u128(..) & rng.u128(..) & rng.u128(..),
            max_meetings: None,
        })
        .collect();
    let mut requests = Vec::new();
    if all {
        // Build a valid schedule first, then forget the slots.
        participants.iter_mut().for_each(|p| p.unavailable = 0);
        let mut busy = vec![0u128; n_p];
        let mut load = vec![0usize; n_slots];
        for _ in 0..rng.usize(0..20) {
            let a = rng.usize(0..n_p);
            let b = (a + rng.usize(1..n_p)) % n_p;
            let t = rng.usize(0..n_slots);
            if busy[a] & (1 << t) != 0 || busy[b] & (1 << t) != 0 || load[t] >= tables {
                continue;
            }
            busy[a] |= 1 << t;
            busy[b] |= 1 << t;
            load[t] += 1;
            let session = match (rng.u8(0..4), slots[t]) {
                (0, Session::Am) => SessionRule::Am,
                (0, Session::Pm) => SessionRule::Pm,
                _ => SessionRule::Any,
            };
            let fixed = (rng.u8(0..10) == 0).then_some(t);
            requests.push(Request {
                a,
                b,
                weight: 1,
                session,
                fixed,
            });
        }
        for (p, participant) in participants.iter_mut().enumerate() {
            participant.unavailable =
                rng.u128(..) & rng.u128(..) & !busy[p] & ((1u128 << n_slots) - 1);
        }
    } else {
        for _ in 0..rng.usize(0..30) {
            let a = rng.usize(0..n_p);
            let b = (a + rng.usize(1..n_p)) % n_p;
            let session = [
                SessionRule::Any,
                SessionRule::Any,
                SessionRule::Am,
                SessionRule::Pm,
            ][rng.usize(0..4)];
            requests.push(Request {
                a,
                b,
                weight: rng.u64(1..6),
                session,
                fixed: None,
            });
        }
        for participant in participants.iter_mut() {
            if rng.u8(0..4) == 0 {
                participant.max_meetings = Some(rng.usize(0..4));
            }
        }
    }
    let mode = if all {
        Mode::All { fairness: 100 }
    } else {
        Mode::MaxWeight
    };
    Problem {
        slots,
        tables,
        participants,
        requests,
        precedences: vec![],
        mode,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]

    #[test]
    fn max_weight_schedules_are_valid_and_within_the_bound(seed in 0u64..1_000_000) {
        let problem = random_problem(seed, false);
        let outcome = solve(&problem, &params(3_000));
        let report = check(&problem, &outcome.assignments);
        prop_assert!(report.is_valid(), "{:?}", report.violations);
        prop_assert!(outcome.weight as f64 <= upper_bound(&problem).value + 1e-9);
        prop_assert_eq!(report.total_breaks, outcome.breaks);
    }

    #[test]
    fn mode_all_schedules_everything_on_feasible_instances(seed in 0u64..1_000_000) {
        let problem = random_problem(seed, true);
        let outcome = solve(&problem, &params(20_000));
        prop_assert!(matches!(outcome.status, Status::Optimal | Status::Feasible), "{:?}", outcome);
        let report = check(&problem, &outcome.assignments);
        prop_assert!(report.is_valid(), "{:?}", report.violations);
        prop_assert_eq!(outcome.assignments.len(), problem.requests.len());
    }
}

/// Two meetings of one participant, both in the afternoon, the second after the first:
/// one schedule holds both. Every previous placement and seed must find it, whichever of
/// the two the search places first.
#[test]
fn max_weight_moves_a_held_meeting_out_of_the_way_of_a_precedence() {
    let participant = Participant { unavailable: 0, max_meetings: None };
    let request = |b: usize| Request { a: 0, b, weight: 10, session: SessionRule::Pm, fixed: None };
    let problem = Problem {
        slots: vec![Session::Am, Session::Am, Session::Pm, Session::Pm],
        tables: 2,
        participants: vec![participant.clone(), participant.clone(), participant],
        requests: vec![request(1), request(2)],
        precedences: vec![(0, 1)],
        mode: Mode::MaxWeight,
    };
    let previous_schedules = [
        None,
        Some(vec![Some(0), Some(1)]),
        Some(vec![Some(3), Some(2)]),
        Some(vec![Some(3), None]),
        Some(vec![None, Some(2)]),
    ];
    for previous in previous_schedules {
        for seed in 0..8 {
            let outcome = solve(&problem, &Params { seed, previous: previous.clone(), ..params(10_000) });
            assert_valid(&problem, &outcome);
            let mut slots: Vec<(usize, usize)> = outcome.assignments.iter().map(|a| (a.request, a.slot)).collect();
            slots.sort_unstable();
            assert_eq!(slots, vec![(0, 2), (1, 3)], "previous {previous:?}, seed {seed}");
        }
    }
}

/// An order cycle or a pair given twice (a file can say either; a race between two
/// organizers could store a cycle) never breaks a `max_weight` run: its result is valid and
/// holds one meeting of the cycle.
#[test]
fn max_weight_survives_an_order_cycle_and_a_repeated_pair() {
    let participant = Participant { unavailable: 0, max_meetings: None };
    let request = |b: usize| Request { a: 0, b, weight: 10, session: SessionRule::Any, fixed: None };
    for precedences in [vec![(0, 1), (1, 0)], vec![(0, 1), (0, 1), (1, 0)], vec![(0, 1), (0, 1)]] {
        let problem = Problem {
            slots: vec![Session::Am, Session::Am, Session::Pm, Session::Pm],
            tables: 2,
            participants: vec![participant.clone(), participant.clone(), participant.clone()],
            requests: vec![request(1), request(2)],
            precedences: precedences.clone(),
            mode: Mode::MaxWeight,
        };
        let cycle = precedences.contains(&(1, 0));
        for previous in [None, Some(vec![Some(1), Some(0)]), Some(vec![Some(0), Some(1)])] {
            for seed in 0..4 {
                let outcome = solve(&problem, &Params { seed, previous: previous.clone(), ..params(5_000) });
                assert_valid(&problem, &outcome);
                let held = outcome.assignments.len();
                assert_eq!(held, if cycle { 1 } else { 2 }, "{precedences:?}, previous {previous:?}, seed {seed}");
            }
        }
    }
}
