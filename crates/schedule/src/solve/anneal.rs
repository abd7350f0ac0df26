//! Mode `all`: simulated annealing over complete assignments (every request has a slot
//! in its domain). Clashes, over-full slots, broken precedences and fairness excess are
//! penalised with an adaptive weight (strategic oscillation); breaks are the objective.
//! Moves: move one meeting (often next to its participants' other meetings), swap two
//! meetings of one participant, swap any two meetings, and Kempe chains between two slots.
//! Every counter is updated incrementally; a participant's breaks come from its busy mask.

use std::sync::atomic::{AtomicBool, Ordering};

use fastrand::Rng;

use super::ProgressInfo;
use super::board::Facts;
use super::clock::Clock;
use super::feasibility::breaks_lower_bound;
use crate::model::{Problem, SlotSet, breaks_of, slots_of};

/// Marks a request without a slot.
const UNSET: u8 = u8::MAX;
/// Temperatures (in breaks) of a cycle once a valid schedule is known.
const HOT: f64 = 0.3;
const COLD: f64 = 0.05;
/// Moves per cycle per movable request.
const CYCLE_PER_MEETING: u64 = 3_000;
/// Cycles without improvement before stopping (only when there is no time limit).
const STALL_CYCLES: u32 = 40;
/// Lowest adaptive penalty per violation.
const MIN_PENALTY: f64 = 0.6;
/// Temperatures and penalty while no valid schedule is known.
const FEASIBILITY_HOT: f64 = 3.0;
const FEASIBILITY_COLD: f64 = 0.3;
const FEASIBILITY_PENALTY: f64 = 10.0;
/// Cost, in breaks, of moving a meeting away from its previous slot (incremental runs).
const MOVE_COST: i64 = 3;
/// Share of moves (percent) that start from a meeting of a participant with breaks.
const TARGETED_PERCENT: u32 = 50;

struct State<'a> {
    facts: &'a Facts,
    n_slots: usize,
    fairness: i64,
    slot: Vec<u8>,
    count: Vec<u8>,
    mask: Vec<SlotSet>,
    breaks: Vec<u32>,
    histogram: Vec<u32>,
    /// Participants with at least one break, and each one's index in that list.
    with_breaks: Vec<u32>,
    with_breaks_index: Vec<u32>,
    load: Vec<i64>,
    anchor: Vec<u8>,
    conflicts: i64,
    overload: i64,
    precedence: i64,
    total_breaks: i64,
    moved: i64,
    /// Scratch space of the Kempe move: the chain and a visit stamp per request.
    chain: Vec<usize>,
    stamp: Vec<u32>,
    stamp_now: u32,
}

impl<'a> State<'a> {
    fn new(facts: &'a Facts, n_participants: usize, fairness: u32, anchor: Vec<u8>) -> Self {
        // A participant has at most ⌊(T − 1) / 2⌋ breaks.
        let mut histogram = vec![0; facts.n_slots / 2 + 2];
        histogram[0] = n_participants as u32;
        Self {
            facts,
            n_slots: facts.n_slots,
            fairness: i64::from(fairness),
            slot: vec![UNSET; facts.ends.len()],
            count: vec![0; n_participants * facts.n_slots],
            mask: vec![0; n_participants],
            breaks: vec![0; n_participants],
            histogram,
            with_breaks: Vec::new(),
            with_breaks_index: vec![u32::MAX; n_participants],
            load: vec![0; facts.n_slots],
            anchor,
            conflicts: 0,
            overload: 0,
            precedence: 0,
            total_breaks: 0,
            moved: 0,
            chain: Vec::new(),
            stamp: vec![0; facts.ends.len()],
            stamp_now: 0,
        }
    }

    fn spread_excess(&self) -> i64 {
        let max = self.histogram.iter().rposition(|&c| c > 0).unwrap_or(0) as i64;
        let min = self.histogram.iter().position(|&c| c > 0).unwrap_or(0) as i64;
        (max - min - self.fairness).max(0)
    }

    fn violations(&self) -> i64 {
        self.conflicts + self.overload + self.precedence + self.spread_excess()
    }

    fn cost(&self, penalty: f64) -> f64 {
        penalty * self.violations() as f64 + (self.total_breaks + MOVE_COST * self.moved) as f64
    }

    fn precedence_of(&self, m: usize) -> i64 {
        let t = self.slot[m];
        if t == UNSET {
            return 0;
        }
        let before = self.facts.preds[m].iter().filter(|&&i| {
            let s = self.slot[i as usize];
            s != UNSET && s >= t
        });
        let after = self.facts.succs[m].iter().filter(|&&j| {
            let s = self.slot[j as usize];
            s != UNSET && s <= t
        });
        (before.count() + after.count()) as i64
    }

    fn set_participant(&mut self, p: usize, mask: SlotSet) {
        let old = self.breaks[p];
        let new = breaks_of(mask);
        self.mask[p] = mask;
        if old != new {
            self.histogram[old as usize] -= 1;
            self.histogram[new as usize] += 1;
            self.breaks[p] = new;
            if old == 0 {
                self.with_breaks_index[p] = self.with_breaks.len() as u32;
                self.with_breaks.push(p as u32);
            } else if new == 0 {
                let index = self.with_breaks_index[p] as usize;
                self.with_breaks.swap_remove(index);
                if let Some(&moved) = self.with_breaks.get(index) {
                    self.with_breaks_index[moved as usize] = index as u32;
                }
                self.with_breaks_index[p] = u32::MAX;
            }
            self.total_breaks += i64::from(new) - i64::from(old);
        }
    }

    /// Moves request `m` to slot `t` (from wherever it is, or from nowhere).
    fn set_slot(&mut self, m: usize, t: u8) {
        let old = self.slot[m];
        if old == t {
            return;
        }
        let tables = i64::from(self.facts.tables);
        self.precedence -= self.precedence_of(m);
        let (a, b) = self.facts.ends[m];
        for p in [a as usize, b as usize] {
            let mut mask = self.mask[p];
            if old != UNSET {
                let index = p * self.n_slots + old as usize;
                self.count[index] -= 1;
                if self.count[index] >= 1 {
                    self.conflicts -= 1;
                } else {
                    mask &= !(1u128 << old);
                }
            }
            if t != UNSET {
                let index = p * self.n_slots + t as usize;
                if self.count[index] >= 1 {
                    self.conflicts += 1;
                }
                self.count[index] += 1;
                mask |= 1u128 << t;
            }
            self.set_participant(p, mask);
        }
        if old != UNSET {
            let load = &mut self.load[old as usize];
            if *load > tables {
                self.overload -= 1;
            }
            *load -= 1;
        }
        if t != UNSET {
            let load = &mut self.load[t as usize];
            *load += 1;
            if *load > tables {
                self.overload += 1;
            }
        }
        let anchor = self.anchor[m];
        if anchor != UNSET {
            self.moved += i64::from(t != anchor) - i64::from(old != anchor && old != UNSET);
        }
        self.slot[m] = t;
        self.precedence += self.precedence_of(m);
    }
}

/// Independent searches run side by side (a fixed number, whatever the machine's cores, so
/// that a run with a move budget gives the same schedule everywhere).
const WORKERS: usize = 2;

/// Solves in mode `all`; `None` when no valid schedule was found. [`WORKERS`] annealers
/// search from their own seeds (drawn from `rng`) on threads of their own, each under the
/// same budgets, and the best schedule wins (ties: the lower worker). Reaching the breaks
/// lower bound stops the others: with a time limit, whichever worker gets there; without
/// one (a move budget), only the first worker's success stops the others, and nothing stops
/// the first, so the winner never depends on how the threads were scheduled. Only the first
/// worker reports progress.
pub(super) fn solve(
    problem: &Problem,
    fairness: u32,
    domains: &[SlotSet],
    previous: Option<&[Option<usize>]>,
    clock: &mut Clock,
    rng: &mut Rng,
    progress: &mut dyn FnMut(&ProgressInfo),
) -> Option<Vec<Option<usize>>> {
    let seeds: Vec<u64> = (0..WORKERS).map(|_| rng.u64(..)).collect();
    let stop = AtomicBool::new(false);
    // With a time limit every worker may stop the others; with a move budget only the first.
    let shared = clock.has_time_limit();
    let start_total = clock.total_iterations();
    let results: Vec<(Option<(i64, Vec<u8>)>, u64)> = std::thread::scope(|scope| {
        let others: Vec<_> = seeds[1..]
            .iter()
            .map(|&seed| {
                let mut own_clock = clock.clone();
                let stop = Stop { flag: &stop, listens: true, tells: shared };
                scope.spawn(move || {
                    let found = search(problem, fairness, domains, previous, &mut own_clock, &mut Rng::with_seed(seed), &mut |_| {}, stop);
                    (found, own_clock.total_iterations() - start_total)
                })
            })
            .collect();
        let first_stop = Stop { flag: &stop, listens: shared, tells: true };
        let first = search(problem, fairness, domains, previous, clock, &mut Rng::with_seed(seeds[0]), progress, first_stop);
        let mut results = vec![(first, 0)];
        results.extend(others.into_iter().map(|h| h.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))));
        results
    });
    let mut best: Option<(i64, Vec<u8>)> = None;
    for (found, moves) in results {
        clock.count(moves);
        if let Some((score, slots)) = found
            && best.as_ref().is_none_or(|(s, _)| score < *s)
        {
            best = Some((score, slots));
        }
    }
    let (_, slots) = best?;
    Some(slots.iter().map(|&t| Some(usize::from(t))).collect())
}

/// A worker's view of the shared stop flag: whether it heeds it and whether its success
/// sets it.
#[derive(Clone, Copy)]
struct Stop<'a> {
    flag: &'a AtomicBool,
    listens: bool,
    tells: bool,
}

/// One annealer: the best valid schedule it found (breaks plus the cost of moves) and its
/// slots. Stops early when it heeds `stop` and another worker reached the lower bound, and
/// sets it when it does and may tell.
#[allow(clippy::too_many_arguments)]
fn search(
    problem: &Problem,
    fairness: u32,
    domains: &[SlotSet],
    previous: Option<&[Option<usize>]>,
    clock: &mut Clock,
    rng: &mut Rng,
    progress: &mut dyn FnMut(&ProgressInfo),
    stop: Stop<'_>,
) -> Option<(i64, Vec<u8>)> {
    let mut facts = Facts::new(problem);
    if domains.len() == facts.domain.len() {
        facts.domain = domains.to_vec();
    }
    let facts = facts;
    let n_requests = facts.ends.len();
    let anchor: Vec<u8> = (0..n_requests)
        .map(
            |m| match previous.and_then(|p| p.get(m).copied().flatten()) {
                Some(t) if facts.domain[m] & (1u128.checked_shl(t as u32).unwrap_or(0)) != 0 => {
                    t as u8
                }
                _ => UNSET,
            },
        )
        .collect();
    let mut state = State::new(&facts, problem.participants.len(), fairness, anchor);
    let lower_bound = breaks_lower_bound(problem, &vec![Some(0); n_requests]) as i64;
    construct(&mut state, rng);
    let movable: Vec<usize> = (0..n_requests)
        .filter(|&m| facts.domain[m].count_ones() > 1)
        .collect();
    let mut best: Option<(i64, Vec<u8>)> = None;
    let record = |state: &State, best: &mut Option<(i64, Vec<u8>)>| {
        if state.violations() == 0 {
            let score = state.total_breaks + MOVE_COST * state.moved;
            if best.as_ref().is_none_or(|(s, _)| score < *s) {
                *best = Some((score, state.slot.clone()));
            }
        }
    };
    record(&state, &mut best);
    let budget = clock.phase_budget();
    // Cycles long enough to cool slowly, but several of them within a move budget.
    let cycle_length = (CYCLE_PER_MEETING * movable.len() as u64)
        .max(100_000)
        .min((budget / 6).max(10_000));
    let mut penalty = 2.0f64;
    let mut was_searching = true;
    let mut undo: Vec<(usize, u8)> = Vec::new();
    let mut moves = 0u64;
    let mut stall = 0;
    let done =
        |best: &Option<(i64, Vec<u8>)>| best.as_ref().is_some_and(|(s, _)| *s <= lower_bound);
    let stall_limit = if clock.has_time_limit() {
        u32::MAX
    } else {
        STALL_CYCLES
    };
    'cycles: while !movable.is_empty() && !done(&best) && stall < stall_limit {
        let best_before = best.as_ref().map(|(s, _)| *s);
        if best_before.is_some() && was_searching {
            penalty = 2.0;
            was_searching = false;
        }
        // Until a valid schedule is known, search on the violations' scale with a fixed
        // penalty; afterwards on the breaks' scale with an adaptive one.
        let searching = best.is_none();
        let (hot, cold) = if searching {
            (FEASIBILITY_HOT, FEASIBILITY_COLD)
        } else {
            (HOT, COLD)
        };
        if searching {
            penalty = FEASIBILITY_PENALTY;
        }
        let mut cost = state.cost(penalty);
        let mut temperature = hot;
        for step in 0..cycle_length {
            moves += 1;
            if moves >= budget || clock.past(1.0) {
                break 'cycles;
            }
            if step % 256 == 0 {
                if stop.listens && stop.flag.load(Ordering::Relaxed) {
                    break 'cycles;
                }
                temperature = hot * (cold / hot).powf(step as f64 / cycle_length as f64);
            }
            let m = pick(&state, &movable, rng);
            random_move(&mut state, &movable, m, rng, &mut undo);
            if undo.is_empty() {
                continue;
            }
            let new_cost = state.cost(penalty);
            let delta = new_cost - cost;
            if delta <= 0.0 || rng.f64() < (-delta / temperature).exp() {
                cost = new_cost;
                if state.violations() == 0 {
                    record(&state, &mut best);
                    if done(&best) {
                        break 'cycles;
                    }
                }
            } else {
                for &(request, slot) in undo.iter().rev() {
                    state.set_slot(request, slot);
                }
            }
            if step % 1024 == 0 && !searching {
                penalty = if state.violations() > 0 {
                    (penalty * 1.05).min(50.0)
                } else {
                    (penalty * 0.97).max(MIN_PENALTY)
                };
                cost = state.cost(penalty);
            }
        }
        clock.count(cycle_length);
        progress(&ProgressInfo {
            fraction: clock.time_fraction(),
            iterations: clock.total_iterations(),
            weight: 0,
            breaks: best.as_ref().map_or(u64::MAX, |(s, _)| *s as u64),
        });
        let best_now = best.as_ref().map(|(s, _)| *s);
        if best_now.is_some() && best_now != best_before {
            stall = 0;
        } else {
            stall += 1;
        }
        if let Some((_, slots)) = &best
            && stall % 2 == 1
        {
            for (m, &t) in slots.iter().enumerate() {
                state.set_slot(m, t);
            }
        }
    }
    clock.count(moves % cycle_length.max(1));
    if done(&best) && stop.tells {
        stop.flag.store(true, Ordering::Relaxed);
    }
    best
}

/// A meeting to move: often one of a participant with breaks (when the schedule has
/// no clash), otherwise any movable one.
fn pick(state: &State, movable: &[usize], rng: &mut Rng) -> usize {
    if !state.with_breaks.is_empty() && rng.u32(..100) < TARGETED_PERCENT {
        let p = state.with_breaks[rng.usize(..state.with_breaks.len())] as usize;
        let list = &state.facts.by_participant[p];
        let m = list[rng.usize(..list.len())] as usize;
        if state.facts.domain[m].count_ones() > 1 {
            return m;
        }
    }
    movable[rng.usize(..movable.len())]
}

/// Greedy start: most constrained requests first, each to its cheapest slot.
fn construct(state: &mut State, rng: &mut Rng) {
    let facts = state.facts;
    let mut order: Vec<usize> = (0..facts.ends.len()).collect();
    rng.shuffle(&mut order);
    order.sort_by_key(|&m| {
        (
            facts.domain[m].count_ones(),
            std::cmp::Reverse(facts.preds[m].len()),
        )
    });
    for m in order {
        let anchor = state.anchor[m];
        if anchor != UNSET {
            state.set_slot(m, anchor);
            continue;
        }
        let mut best = (f64::INFINITY, UNSET);
        for t in slots_of(facts.domain[m]) {
            state.set_slot(m, t as u8);
            let cost = state.cost(10.0) + rng.f64() * 0.01;
            if cost < best.0 {
                best = (cost, t as u8);
            }
        }
        state.set_slot(m, best.1);
    }
}

/// Makes a random move involving `m`, recording in `undo` how to take it back (left
/// empty if nothing moved).
fn random_move(
    state: &mut State,
    movable: &[usize],
    m: usize,
    rng: &mut Rng,
    undo: &mut Vec<(usize, u8)>,
) {
    undo.clear();
    let facts = state.facts;
    let t1 = state.slot[m];
    let roll = rng.u32(..100);
    if !(30..60).contains(&roll) {
        let mut domain = facts.domain[m] & !(1u128 << t1);
        if rng.bool() {
            // Prefer slots next to the participants' other meetings: they close gaps.
            let (a, b) = facts.ends[m];
            let near = neighbours(state.mask[a as usize]) | neighbours(state.mask[b as usize]);
            if domain & near != 0 {
                domain &= near;
            }
        }
        let n = domain.count_ones() as usize;
        if n == 0 {
            return;
        }
        let Some(t) = slots_of(domain).nth(rng.usize(..n)) else {
            return;
        };
        if roll >= 60 {
            kempe(state, m, t1, t as u8, undo);
            return;
        }
        state.set_slot(m, t as u8);
        undo.push((m, t1));
        return;
    }
    let other = if roll < 55 {
        let (a, b) = facts.ends[m];
        let p = if rng.bool() { a } else { b };
        let list = &facts.by_participant[p as usize];
        list[rng.usize(..list.len())] as usize
    } else {
        movable[rng.usize(..movable.len())]
    };
    let t2 = state.slot[other];
    if other == m
        || t1 == t2
        || facts.domain[m] & (1u128 << t2) == 0
        || facts.domain[other] & (1u128 << t1) == 0
    {
        return;
    }
    state.set_slot(m, t2);
    state.set_slot(other, t1);
    undo.push((m, t1));
    undo.push((other, t2));
}

/// Slots next to a busy slot of `mask` that are idle themselves.
fn neighbours(mask: SlotSet) -> SlotSet {
    ((mask << 1) | (mask >> 1)) & !mask
}

/// Kempe-chain move: the meetings in slots `t1` and `t2` connected to `m` through shared
/// participants all swap between the two slots (if every domain allows it), which keeps a
/// clash-free schedule clash-free.
fn kempe(state: &mut State, m: usize, t1: u8, t2: u8, undo: &mut Vec<(usize, u8)>) {
    let facts = state.facts;
    state.stamp_now = state.stamp_now.wrapping_add(1);
    if state.stamp_now == 0 {
        state.stamp.iter_mut().for_each(|s| *s = 0);
        state.stamp_now = 1;
    }
    let now = state.stamp_now;
    let mut chain = std::mem::take(&mut state.chain);
    chain.clear();
    chain.push(m);
    state.stamp[m] = now;
    let mut head = 0;
    let mut ok = true;
    while head < chain.len() {
        let x = chain[head];
        head += 1;
        let target = if state.slot[x] == t1 { t2 } else { t1 };
        if chain.len() > 64 || facts.domain[x] & (1u128 << target) == 0 {
            ok = false;
            break;
        }
        let (a, b) = facts.ends[x];
        for p in [a, b] {
            for &y in &facts.by_participant[p as usize] {
                let y = y as usize;
                let s = state.slot[y];
                if (s == t1 || s == t2) && state.stamp[y] != now {
                    state.stamp[y] = now;
                    chain.push(y);
                }
            }
        }
    }
    if ok {
        for &x in &chain {
            let old = state.slot[x];
            let target = if old == t1 { t2 } else { t1 };
            state.set_slot(x, target);
            undo.push((x, old));
        }
    }
    state.chain = chain;
}
