//! Mode `max_weight`, second phase: fewer breaks for the same meetings. Simulated
//! annealing over valid schedules with two moves — move a meeting to another free slot,
//! and swap the slots of two meetings of one participant — restarted from the best
//! schedule in cycles. Unscheduled requests that come to fit are inserted (weight first).

use fastrand::Rng;

use super::ProgressInfo;
use super::board::{Board, Facts, NONE};
use super::clock::Clock;
use super::weight::insert_free;
use crate::model::{SlotSet, slots_of};

/// Starting and final temperature of a cycle, in breaks.
const HOT: f64 = 0.8;
const COLD: f64 = 0.05;
/// Moves per cycle per held meeting.
const CYCLE_PER_MEETING: u64 = 60;
/// Cycles without a better schedule before the phase stops.
const STALL_CYCLES: u32 = 4;

/// Improves `board` in place (never lowering its weight).
pub(super) fn improve(
    facts: &Facts,
    board: &mut Board,
    clock: &mut Clock,
    rng: &mut Rng,
    progress: &mut dyn FnMut(&ProgressInfo),
) {
    let budget = clock.phase_budget();
    let movable: Vec<u32> = (0..facts.ends.len() as u32)
        .filter(|&m| !facts.frozen[m as usize] && facts.domain[m as usize] != 0)
        .collect();
    if movable.is_empty() {
        return;
    }
    let cycle_length = (CYCLE_PER_MEETING * movable.len() as u64).max(10_000);
    let mut best = (board.weight, std::cmp::Reverse(board.breaks));
    let mut best_slots = board.slot_of.clone();
    let mut moves = 0u64;
    let mut stall = 0;
    'cycles: while stall < STALL_CYCLES {
        let improved_before = best;
        fill(facts, board, &movable, rng);
        for step in 0..cycle_length {
            moves += 1;
            if moves >= budget || clock.past(1.0) {
                break 'cycles;
            }
            let progress_share = step as f64 / cycle_length as f64;
            let temperature = HOT * (COLD / HOT).powf(progress_share);
            let m = movable[rng.usize(..movable.len())];
            if board.slot_of[m as usize] == NONE {
                continue;
            }
            if rng.bool() {
                relocate(facts, board, m, temperature, rng);
            } else {
                swap(facts, board, m, temperature, rng);
            }
            let key = (board.weight, std::cmp::Reverse(board.breaks));
            if key > best {
                best = key;
                best_slots.copy_from_slice(&board.slot_of);
            }
        }
        clock.count(cycle_length.min(moves));
        progress(&ProgressInfo {
            fraction: clock.time_fraction(),
            iterations: clock.total_iterations(),
            weight: best.0,
            breaks: best.1.0,
        });
        if best > improved_before {
            stall = 0;
        } else {
            stall += 1;
        }
        restore(facts, board, &best_slots);
    }
    restore(facts, board, &best_slots);
}

/// Inserts every unscheduled request that fits somewhere now.
fn fill(facts: &Facts, board: &mut Board, movable: &[u32], rng: &mut Rng) {
    for &m in movable {
        if board.slot_of[m as usize] == NONE && facts.weight[m as usize] > 0 {
            insert_free(facts, board, m, rng);
        }
    }
}

/// Resets `board` to `slots` (only the requests whose slot differs are touched).
fn restore(facts: &Facts, board: &mut Board, slots: &[u32]) {
    for (m, &slot) in slots.iter().enumerate() {
        if board.slot_of[m] != slot && board.slot_of[m] != NONE {
            board.remove(facts, m as u32);
        }
    }
    for (m, &t) in slots.iter().enumerate() {
        if t != NONE && board.slot_of[m] == NONE {
            board.place(facts, m as u32, t as usize);
        }
    }
}

fn accept(delta: i64, temperature: f64, rng: &mut Rng) -> bool {
    delta <= 0 || rng.f64() < (-(delta as f64) / temperature).exp()
}

fn random_slot(set: SlotSet, rng: &mut Rng) -> Option<usize> {
    let n = set.count_ones() as usize;
    if n == 0 {
        return None;
    }
    slots_of(set).nth(rng.usize(..n))
}

fn relocate(facts: &Facts, board: &mut Board, m: u32, temperature: f64, rng: &mut Rng) {
    let (a, b) = facts.ends[m as usize];
    let set =
        facts.domain[m as usize] & !board.mask[a as usize] & !board.mask[b as usize] & !board.full;
    let Some(t) = random_slot(set, rng) else {
        return;
    };
    let delta = board.breaks_delta_move(facts, m, t);
    if !accept(delta, temperature, rng) {
        return;
    }
    let old = board.remove(facts, m);
    if board.order_ok(facts, m, t) {
        board.place(facts, m, t);
    } else {
        board.place(facts, m, old);
    }
}

fn swap(facts: &Facts, board: &mut Board, m1: u32, temperature: f64, rng: &mut Rng) {
    let (a, b) = facts.ends[m1 as usize];
    let p = if rng.bool() { a } else { b };
    let list = &facts.by_participant[p as usize];
    let m2 = list[rng.usize(..list.len())];
    if m2 == m1 || facts.frozen[m2 as usize] || board.slot_of[m2 as usize] == NONE {
        return;
    }
    let t1 = board.slot_of[m1 as usize] as usize;
    let t2 = board.slot_of[m2 as usize] as usize;
    if facts.domain[m1 as usize] & (1 << t2) == 0 || facts.domain[m2 as usize] & (1 << t1) == 0 {
        return;
    }
    let x = if a == p { b } else { a };
    let (c, d) = facts.ends[m2 as usize];
    let y = if c == p { d } else { c };
    if x != y && (board.busy(x, t2) != NONE || board.busy(y, t1) != NONE) {
        return;
    }
    let before = board.breaks as i64;
    board.remove(facts, m1);
    board.remove(facts, m2);
    let mut ok = board.order_ok(facts, m1, t2);
    if ok {
        board.place(facts, m1, t2);
        ok = board.order_ok(facts, m2, t1);
        if ok {
            board.place(facts, m2, t1);
            ok = accept(board.breaks as i64 - before, temperature, rng);
            if !ok {
                board.remove(facts, m2);
            }
        }
        if !ok {
            board.remove(facts, m1);
        }
    }
    if !ok {
        board.place(facts, m1, t1);
        board.place(facts, m2, t2);
    }
}
