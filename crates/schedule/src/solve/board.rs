//! The schedule under construction in mode `max_weight`: which request sits in which
//! slot, who is busy when, and how full each slot is. Every change keeps it valid.

use crate::model::{Problem, SlotSet, breaks_of};

/// Marks "no request" / "not scheduled".
pub(super) const NONE: u32 = u32::MAX;

/// Static facts about the requests the searches consult constantly.
pub(super) struct Facts {
    pub(super) n_slots: usize,
    pub(super) tables: u32,
    pub(super) ends: Vec<(u32, u32)>,
    pub(super) weight: Vec<u64>,
    pub(super) domain: Vec<SlotSet>,
    /// Requests that may not move (fixed, or kept from a previous schedule).
    pub(super) frozen: Vec<bool>,
    /// Fixed requests: not even an order repair moves them (a kept one it may).
    pub(super) pinned: Vec<bool>,
    pub(super) cap: Vec<u32>,
    pub(super) by_participant: Vec<Vec<u32>>,
    /// Precedence lists per request: (predecessors, successors).
    pub(super) preds: Vec<Vec<u32>>,
    pub(super) succs: Vec<Vec<u32>>,
}

impl Facts {
    pub(super) fn new(problem: &Problem) -> Self {
        let n = problem.requests.len();
        let mut preds = vec![Vec::new(); n];
        let mut succs = vec![Vec::new(); n];
        for &(i, j) in &problem.precedences {
            // A pair given twice is one order.
            if !preds[j].contains(&(i as u32)) {
                preds[j].push(i as u32);
                succs[i].push(j as u32);
            }
        }
        Self {
            n_slots: problem.n_slots(),
            tables: problem.tables.min(u32::MAX as usize) as u32,
            ends: problem
                .requests
                .iter()
                .map(|r| (r.a as u32, r.b as u32))
                .collect(),
            weight: problem.requests.iter().map(|r| r.weight).collect(),
            domain: (0..n).map(|m| problem.domain(m)).collect(),
            frozen: problem.requests.iter().map(|r| r.fixed.is_some()).collect(),
            pinned: problem.requests.iter().map(|r| r.fixed.is_some()).collect(),
            cap: (0..problem.participants.len())
                .map(|p| problem.cap(p).min(u32::MAX as usize) as u32)
                .collect(),
            by_participant: problem
                .requests_by_participant()
                .into_iter()
                .map(|list| list.into_iter().map(|m| m as u32).collect())
                .collect(),
            preds,
            succs,
        }
    }
}

/// A valid partial schedule.
#[derive(Clone)]
pub(super) struct Board {
    n_slots: usize,
    pub(super) slot_of: Vec<u32>,
    busy: Vec<u32>,
    pub(super) mask: Vec<SlotSet>,
    pub(super) load: Vec<u32>,
    pub(super) full: SlotSet,
    members: Vec<Vec<u32>>,
    position: Vec<u32>,
    pub(super) count: Vec<u32>,
    pub(super) weight: u64,
    pub(super) breaks: u64,
}

impl Board {
    pub(super) fn new(facts: &Facts, n_participants: usize) -> Self {
        let n_slots = facts.n_slots;
        Self {
            n_slots,
            slot_of: vec![NONE; facts.ends.len()],
            busy: vec![NONE; n_participants * n_slots],
            mask: vec![0; n_participants],
            load: vec![0; n_slots],
            full: if facts.tables == 0 {
                crate::model::full_mask(n_slots)
            } else {
                0
            },
            members: vec![Vec::new(); n_slots],
            position: vec![NONE; facts.ends.len()],
            count: vec![0; n_participants],
            weight: 0,
            breaks: 0,
        }
    }

    /// The request participant `p` meets in slot `t`, or [`NONE`].
    pub(super) fn busy(&self, p: u32, t: usize) -> u32 {
        self.busy[p as usize * self.n_slots + t]
    }

    /// The requests held in slot `t`.
    pub(super) fn members(&self, t: usize) -> &[u32] {
        &self.members[t]
    }

    /// Slots where `m` could go right now without moving anything.
    pub(super) fn free_slots(&self, facts: &Facts, m: u32) -> SlotSet {
        let (a, b) = facts.ends[m as usize];
        if self.count[a as usize] >= facts.cap[a as usize]
            || self.count[b as usize] >= facts.cap[b as usize]
        {
            return 0;
        }
        facts.domain[m as usize] & !self.mask[a as usize] & !self.mask[b as usize] & !self.full
    }

    /// Change of total breaks if `m` (not held) were placed in `t`.
    pub(super) fn breaks_delta_add(&self, facts: &Facts, m: u32, t: usize) -> i64 {
        let (a, b) = facts.ends[m as usize];
        let bit = 1u128 << t;
        let mut delta = 0i64;
        for p in [a, b] {
            let mask = self.mask[p as usize];
            delta += i64::from(breaks_of(mask | bit)) - i64::from(breaks_of(mask));
        }
        delta
    }

    /// Change of total breaks if held request `m` moved to slot `t`.
    pub(super) fn breaks_delta_move(&self, facts: &Facts, m: u32, t: usize) -> i64 {
        let (a, b) = facts.ends[m as usize];
        let old = 1u128 << self.slot_of[m as usize];
        let new = 1u128 << t;
        let mut delta = 0i64;
        for p in [a, b] {
            let mask = self.mask[p as usize];
            delta += i64::from(breaks_of((mask & !old) | new)) - i64::from(breaks_of(mask));
        }
        delta
    }

    /// Holds `m` in `t`; the caller guarantees it is allowed.
    pub(super) fn place(&mut self, facts: &Facts, m: u32, t: usize) {
        debug_assert_eq!(self.slot_of[m as usize], NONE);
        let (a, b) = facts.ends[m as usize];
        let bit = 1u128 << t;
        for p in [a, b] {
            let p = p as usize;
            debug_assert_eq!(self.busy[p * self.n_slots + t], NONE);
            let before = breaks_of(self.mask[p]);
            self.mask[p] |= bit;
            self.breaks = self.breaks + u64::from(breaks_of(self.mask[p])) - u64::from(before);
            self.busy[p * self.n_slots + t] = m;
            self.count[p] += 1;
        }
        self.slot_of[m as usize] = t as u32;
        self.position[m as usize] = self.members[t].len() as u32;
        self.members[t].push(m);
        self.load[t] += 1;
        if self.load[t] >= facts.tables {
            self.full |= bit;
        }
        self.weight += facts.weight[m as usize];
    }

    /// Takes `m` out of its slot; returns the slot.
    pub(super) fn remove(&mut self, facts: &Facts, m: u32) -> usize {
        let t = self.slot_of[m as usize] as usize;
        let (a, b) = facts.ends[m as usize];
        let bit = 1u128 << t;
        for p in [a, b] {
            let p = p as usize;
            let before = breaks_of(self.mask[p]);
            self.mask[p] &= !bit;
            self.breaks = self.breaks + u64::from(breaks_of(self.mask[p])) - u64::from(before);
            self.busy[p * self.n_slots + t] = NONE;
            self.count[p] -= 1;
        }
        let index = self.position[m as usize] as usize;
        self.members[t].swap_remove(index);
        if let Some(&moved) = self.members[t].get(index) {
            self.position[moved as usize] = index as u32;
        }
        self.position[m as usize] = NONE;
        self.slot_of[m as usize] = NONE;
        self.load[t] -= 1;
        self.full &= !bit;
        self.weight -= facts.weight[m as usize];
        t
    }

    /// True when holding `m` in `t` respects its precedences with the held requests.
    pub(super) fn order_ok(&self, facts: &Facts, m: u32, t: usize) -> bool {
        let t = t as u32;
        facts.preds[m as usize].iter().all(|&i| {
            let s = self.slot_of[i as usize];
            s == NONE || s < t
        }) && facts.succs[m as usize].iter().all(|&j| {
            let s = self.slot_of[j as usize];
            s == NONE || s > t
        })
    }

    /// The schedule as a slot per request.
    pub(super) fn slots(&self) -> Vec<Option<usize>> {
        self.slot_of
            .iter()
            .map(|&t| (t != NONE).then_some(t as usize))
            .collect()
    }
}
