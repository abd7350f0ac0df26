//! Mode `max_weight`: a greedy start guided by the LP bound's solution, then an
//! ejection-chain search that inserts unscheduled requests by moving blockers to other
//! slots or evicting lighter ones, then the breaks phase ([`super::breaks`]).
//!
//! The held weight never decreases: an ejection is accepted only when the evicted weight
//! is smaller than the inserted one, or equal (a plateau move, for diversity, guarded by a
//! short tabu list so that it does not undo itself at once).

use fastrand::Rng;

use super::ProgressInfo;
use super::board::{Board, Facts, NONE};
use super::breaks;
use super::clock::Clock;
use crate::model::{Problem, SlotSet, slots_of};

/// Share of the time limit the weight phase may use before the breaks phase starts.
const WEIGHT_TIME_SHARE: f64 = 0.6;
/// Rounds over the unscheduled requests without a weight gain before the phase stops.
const STALL_ROUNDS: u32 = 40;
/// Probability of taking an equal-weight ejection.
const PLATEAU_PROBABILITY: f32 = 0.3;
/// Moves during which a request placed by an ejection cannot be evicted by a plateau move.
const TABU_TENURE: u64 = 64;
/// Members of a full slot sampled when one must leave it.
const SLOT_SAMPLE: usize = 8;

/// Solves in mode `max_weight`; `halves` is the LP solution (0, 1 or 2 halves per request).
pub(super) fn solve(
    problem: &Problem,
    halves: &[u8],
    previous: Option<&[Option<usize>]>,
    clock: &mut Clock,
    rng: &mut Rng,
    progress: &mut dyn FnMut(&ProgressInfo),
) -> Option<Vec<Option<usize>>> {
    let mut facts = Facts::new(problem);
    let mut board = Board::new(&facts, problem.participants.len());
    for (m, request) in problem.requests.iter().enumerate() {
        if let Some(t) = request.fixed {
            if board.free_slots(&facts, m as u32) & (1 << t) == 0 {
                return None;
            }
            board.place(&facts, m as u32, t);
        }
    }
    if let Some(previous) = previous {
        keep_previous(&mut facts, &mut board, previous);
    }
    let mut order: Vec<u32> = (0..problem.requests.len() as u32)
        .filter(|&m| board.slot_of[m as usize] == NONE && facts.weight[m as usize] > 0)
        .collect();
    rng.shuffle(&mut order);
    order.sort_by_key(|&m| {
        std::cmp::Reverse((
            halves.get(m as usize).copied().unwrap_or(0),
            facts.weight[m as usize],
        ))
    });
    for &m in &order {
        insert_free(&facts, &mut board, m, rng);
    }
    let ceiling = upper_weight(halves, &facts.weight);
    let mut search = Search {
        facts: &facts,
        board,
        rng,
        placed_at: vec![0; facts.ends.len()],
        moves: 0,
    };
    search.run(clock, ceiling, progress);
    let mut board = search.board;
    breaks::improve(&facts, &mut board, clock, rng, progress);
    Some(board.slots())
}

/// The integer part of the LP bound.
fn upper_weight(halves: &[u8], weight: &[u64]) -> u64 {
    halves
        .iter()
        .zip(weight)
        .map(|(&h, &w)| u64::from(h) * w)
        .sum::<u64>()
        / 2
}

/// Places the previous schedule's meetings that are still allowed and freezes them.
fn keep_previous(facts: &mut Facts, board: &mut Board, previous: &[Option<usize>]) {
    for (m, slot) in previous.iter().enumerate().take(facts.ends.len()) {
        let Some(t) = *slot else { continue };
        let m32 = m as u32;
        if t >= facts.n_slots || board.slot_of[m] != NONE {
            continue;
        }
        if board.free_slots(facts, m32) & (1 << t) != 0 && board.order_ok(facts, m32, t) {
            board.place(facts, m32, t);
            // Kept: no move takes it elsewhere, except an order repair (`reorder_into`),
            // so that keeping an old slot never costs the weight of a request that has to
            // come before or after it.
            facts.frozen[m] = true;
        }
    }
}

/// The slots of `set` below `n_slots` (at least 1) in order from a random one, wrapping
/// around, so that a search does not favour the early slots.
fn from_random_start(set: SlotSet, n_slots: usize, rng: &mut Rng) -> impl Iterator<Item = usize> + use<> {
    let rotation = rng.u32(..n_slots as u32);
    slots_of(set.rotate_right(rotation))
        .map(move |shifted| (shifted + rotation as usize) % 128)
        .filter(move |&t| t < n_slots)
}

/// Slots of `set` that respect `m`'s precedences.
fn ordered(facts: &Facts, board: &Board, m: u32, set: SlotSet) -> SlotSet {
    if facts.preds[m as usize].is_empty() && facts.succs[m as usize].is_empty() {
        return set;
    }
    slots_of(set)
        .filter(|&t| board.order_ok(facts, m, t))
        .fold(0, |acc, t| acc | 1 << t)
}

/// The slot of `set` that adds the fewest breaks (ties broken at random).
fn best_slot(facts: &Facts, board: &Board, m: u32, set: SlotSet, rng: &mut Rng) -> Option<usize> {
    let mut best = None;
    let mut best_key = (i64::MAX, u32::MAX);
    for t in slots_of(set) {
        let key = (board.breaks_delta_add(facts, m, t), rng.u32(..));
        if key < best_key {
            best_key = key;
            best = Some(t);
        }
    }
    best
}

/// Places `m` in a free slot if there is one.
pub(super) fn insert_free(facts: &Facts, board: &mut Board, m: u32, rng: &mut Rng) -> bool {
    let set = ordered(facts, board, m, board.free_slots(facts, m));
    match best_slot(facts, board, m, set, rng) {
        Some(t) => {
            board.place(facts, m, t);
            true
        }
        None => false,
    }
}

/// Slots request `x` could go to now without moving anything (a held request's own slot
/// is excluded; an unheld one must also fit its participants' caps).
fn relocation_slots(facts: &Facts, board: &Board, x: u32) -> SlotSet {
    let (a, b) = facts.ends[x as usize];
    let held = board.slot_of[x as usize] != NONE;
    if !held
        && (board.count[a as usize] >= facts.cap[a as usize]
            || board.count[b as usize] >= facts.cap[b as usize])
    {
        return 0;
    }
    let set =
        facts.domain[x as usize] & !board.mask[a as usize] & !board.mask[b as usize] & !board.full;
    ordered(facts, board, x, set)
}

struct Search<'a, 'r> {
    facts: &'a Facts,
    board: Board,
    rng: &'r mut Rng,
    placed_at: Vec<u64>,
    moves: u64,
}

impl Search<'_, '_> {
    fn run(&mut self, clock: &mut Clock, ceiling: u64, progress: &mut dyn FnMut(&ProgressInfo)) {
        let budget = clock.phase_budget();
        let mut stall = 0;
        let mut last_weight = self.board.weight;
        let mut pending: Vec<u32> = Vec::new();
        'rounds: while self.board.weight < ceiling && stall < STALL_ROUNDS {
            pending.clear();
            pending.extend((0..self.facts.ends.len() as u32).filter(|&m| {
                self.board.slot_of[m as usize] == NONE
                    && self.facts.weight[m as usize] > 0
                    && self.facts.domain[m as usize] != 0
            }));
            if pending.is_empty() {
                break;
            }
            self.rng.shuffle(&mut pending);
            pending.sort_by_key(|&m| std::cmp::Reverse(self.facts.weight[m as usize]));
            for &m in &pending {
                if self.board.slot_of[m as usize] != NONE {
                    continue;
                }
                self.moves += 1;
                clock.count(1);
                if self.moves >= budget || clock.past(WEIGHT_TIME_SHARE) {
                    break 'rounds;
                }
                self.insert(m);
            }
            if self.board.weight > last_weight {
                last_weight = self.board.weight;
                stall = 0;
            } else {
                stall += 1;
            }
            progress(&ProgressInfo {
                fraction: clock.time_fraction(),
                iterations: clock.total_iterations(),
                weight: self.board.weight,
                breaks: self.board.breaks,
            });
        }
    }

    /// Tries to hold `m`: free slot, then moving blockers, then moving the requests whose
    /// order is in the way, then an ejection.
    fn insert(&mut self, m: u32) {
        if insert_free(self.facts, &mut self.board, m, self.rng)
            || self.relocate_into(m)
            || self.reorder_into(m)
        {
            return;
        }
        if let Some(evicted) = self.eject_into(m) {
            for x in evicted {
                if !insert_free(self.facts, &mut self.board, x, self.rng) {
                    self.relocate_into(x);
                }
            }
        }
    }

    /// Holds `m` in a slot that only its precedences keep it from: the held requests it
    /// must follow (held at or after that slot) or precede (held at or before it) move to
    /// other free slots that keep every order. Nothing is evicted, so the held weight grows
    /// by `m`'s; when a request in the way cannot move, everything goes back. Kept meetings
    /// of a previous schedule may move here (fixed ones never): the order comes first.
    fn reorder_into(&mut self, m: u32) -> bool {
        let facts = self.facts;
        let (preds, succs) = (&facts.preds[m as usize], &facts.succs[m as usize]);
        if (preds.is_empty() && succs.is_empty()) || facts.n_slots == 0 {
            return false;
        }
        // Any slot of its domain: a request in the way may also be what occupies the slot.
        for t in from_random_start(facts.domain[m as usize], facts.n_slots, self.rng) {
            let at = |x: u32| self.board.slot_of[x as usize];
            // Those to go earlier first, latest first; then those to go later, earliest first.
            let mut before: Vec<u32> = preds.iter().copied().filter(|&x| at(x) != NONE && at(x) as usize >= t).collect();
            let mut after: Vec<u32> = succs.iter().copied().filter(|&x| at(x) != NONE && at(x) as usize <= t).collect();
            before.sort_by_key(|&x| std::cmp::Reverse(at(x)));
            after.sort_by_key(|&x| at(x));
            // A request on both sides (an order cycle) cannot be moved out of the way.
            if before.iter().any(|x| after.contains(x)) {
                continue;
            }
            let in_way: Vec<u32> = before.into_iter().chain(after).collect();
            if in_way.is_empty() || in_way.len() > 4 || in_way.iter().any(|&x| facts.pinned[x as usize]) {
                continue;
            }
            let old: Vec<(u32, usize)> = in_way.iter().map(|&x| (x, self.board.remove(facts, x))).collect();
            if self.board.free_slots(facts, m) & (1 << t) != 0 && self.board.order_ok(facts, m, t) {
                self.board.place(facts, m, t);
                let mut moved = Vec::with_capacity(in_way.len());
                for &x in &in_way {
                    if !insert_free(facts, &mut self.board, x, self.rng) {
                        break;
                    }
                    moved.push(x);
                }
                if moved.len() == in_way.len() {
                    return true;
                }
                for &x in &moved {
                    self.board.remove(facts, x);
                }
                self.board.remove(facts, m);
            }
            for &(x, slot) in &old {
                self.board.place(facts, x, slot);
            }
        }
        false
    }

    /// Holds `m` in some slot by moving the requests in the way to other free slots.
    fn relocate_into(&mut self, m: u32) -> bool {
        let facts = self.facts;
        let (a, b) = facts.ends[m as usize];
        let domain = facts.domain[m as usize];
        let n_slots = facts.n_slots as u32;
        if domain == 0 || n_slots == 0 {
            return false;
        }
        for t in from_random_start(domain, facts.n_slots, self.rng) {
            if !self.board.order_ok(facts, m, t) {
                continue;
            }
            if self.try_relocate_at(m, a, b, t) {
                return true;
            }
        }
        false
    }

    fn try_relocate_at(&mut self, m: u32, a: u32, b: u32, t: usize) -> bool {
        let facts = self.facts;
        let board = &mut self.board;
        let xa = board.busy(a, t);
        let xb = board.busy(b, t);
        if [xa, xb]
            .iter()
            .any(|&x| x != NONE && facts.frozen[x as usize])
        {
            return false;
        }
        if (board.count[a as usize] >= facts.cap[a as usize] && xa == NONE)
            || (board.count[b as usize] >= facts.cap[b as usize] && xb == NONE)
        {
            return false;
        }
        let mut blockers = [NONE; 2];
        let mut n_blockers = 0;
        for x in [xa, xb] {
            if x != NONE && !blockers[..n_blockers].contains(&x) {
                blockers[n_blockers] = x;
                n_blockers += 1;
            }
        }
        for &x in &blockers[..n_blockers] {
            board.remove(facts, x);
        }
        // Make room in a full slot by moving one of its meetings elsewhere.
        let mut mover = None;
        if board.load[t] >= facts.tables {
            let members = board.members(t);
            let sample = members.len().min(SLOT_SAMPLE);
            for _ in 0..sample {
                let x = members[self.rng.usize(..members.len())];
                if facts.frozen[x as usize] {
                    continue;
                }
                let set = relocation_slots(facts, board, x);
                if let Some(t2) = best_relocation(facts, board, x, set, self.rng) {
                    board.remove(facts, x);
                    board.place(facts, x, t2);
                    mover = Some((x, t2));
                    break;
                }
            }
            if mover.is_none() {
                for &x in &blockers[..n_blockers] {
                    board.place(facts, x, t);
                }
                return false;
            }
        }
        board.place(facts, m, t);
        let mut placed = [NONE; 2];
        let mut ok = true;
        for (k, &x) in blockers[..n_blockers].iter().enumerate() {
            let set = relocation_slots(facts, board, x);
            match best_slot(facts, board, x, set, self.rng) {
                Some(t2) => {
                    board.place(facts, x, t2);
                    placed[k] = x;
                }
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return true;
        }
        for &x in placed.iter().filter(|&&x| x != NONE) {
            board.remove(facts, x);
        }
        board.remove(facts, m);
        if let Some((x, _)) = mover {
            board.remove(facts, x);
            board.place(facts, x, t);
        }
        for &x in &blockers[..n_blockers] {
            board.place(facts, x, t);
        }
        false
    }

    /// Evicts lighter (or, sometimes, equal) weight to hold `m`; returns the evicted.
    fn eject_into(&mut self, m: u32) -> Option<Vec<u32>> {
        let facts = self.facts;
        let (a, b) = facts.ends[m as usize];
        let weight = facts.weight[m as usize];
        let mut best: Option<(u64, u32, usize, [u32; 3])> = None;
        for t in slots_of(facts.domain[m as usize]) {
            if !self.board.order_ok(facts, m, t) {
                continue;
            }
            let xa = self.board.busy(a, t);
            let xb = self.board.busy(b, t);
            if [xa, xb]
                .iter()
                .any(|&x| x != NONE && facts.frozen[x as usize])
            {
                continue;
            }
            if (self.board.count[a as usize] >= facts.cap[a as usize] && xa == NONE)
                || (self.board.count[b as usize] >= facts.cap[b as usize] && xb == NONE)
            {
                continue;
            }
            let mut evicted = [NONE; 3];
            let mut loss = 0;
            let mut n = 0;
            for x in [xa, xb] {
                if x != NONE && !evicted[..n].contains(&x) {
                    evicted[n] = x;
                    n += 1;
                    loss += facts.weight[x as usize];
                }
            }
            if self.board.load[t] as usize - n >= facts.tables as usize {
                let Some(extra) = self.lightest_member(t, &evicted[..n]) else {
                    continue;
                };
                evicted[n] = extra;
                loss += facts.weight[extra as usize];
            }
            if loss > weight {
                continue;
            }
            let key = (loss, self.rng.u32(..));
            if best.is_none_or(|(l, r, _, _)| key < (l, r)) {
                best = Some((loss, key.1, t, evicted));
            }
        }
        let (loss, _, t, evicted) = best?;
        let evicted: Vec<u32> = evicted.into_iter().filter(|&x| x != NONE).collect();
        if loss == weight {
            let recent = evicted
                .iter()
                .any(|&x| self.placed_at[x as usize] + TABU_TENURE > self.moves);
            if recent || self.rng.f32() >= PLATEAU_PROBABILITY || evicted.is_empty() {
                return None;
            }
        }
        for &x in &evicted {
            self.board.remove(facts, x);
        }
        self.board.place(facts, m, t);
        self.placed_at[m as usize] = self.moves;
        Some(evicted)
    }

    /// The lightest movable member of slot `t` among a sample, not in `skip`.
    fn lightest_member(&mut self, t: usize, skip: &[u32]) -> Option<u32> {
        let members = self.board.members(t);
        let mut best: Option<u32> = None;
        for _ in 0..members.len().min(SLOT_SAMPLE) {
            let x = members[self.rng.usize(..members.len())];
            if self.facts.frozen[x as usize] || skip.contains(&x) {
                continue;
            }
            if best.is_none_or(|y| self.facts.weight[x as usize] < self.facts.weight[y as usize]) {
                best = Some(x);
            }
        }
        best
    }
}

/// The slot of `set` that changes breaks least when held request `x` moves there.
fn best_relocation(
    facts: &Facts,
    board: &Board,
    x: u32,
    set: SlotSet,
    rng: &mut Rng,
) -> Option<usize> {
    let mut best = None;
    let mut best_key = (i64::MAX, u32::MAX);
    for t in slots_of(set) {
        let key = (board.breaks_delta_move(facts, x, t), rng.u32(..));
        if key < best_key {
            best_key = key;
            best = Some(t);
        }
    }
    best
}
