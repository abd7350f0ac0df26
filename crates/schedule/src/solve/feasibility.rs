//! Proofs of infeasibility (cheap necessary conditions) and a lower bound on breaks.

use crate::model::{Mode, Problem, SessionRule, SlotSet, full_mask, slots_of};

/// Returns a reason when `problem` provably has no valid schedule: fixed meetings that
/// clash or break a rule, and in mode `all` whatever [`reduce_domains`] finds.
pub fn prove_infeasible(problem: &Problem) -> Option<String> {
    match problem.mode {
        Mode::All { .. } => reduce_domains(problem).err(),
        Mode::MaxWeight => fixed_clashes(problem),
    }
}

/// Mode `all`: the slots each request can still take in some valid schedule, as far as
/// cheap reasoning shows, or why there is none: a request with no possible slot, more
/// meetings than table-slots, a precedence cycle, fixed meetings that force unfair breaks,
/// and a fixpoint of precedence windows (earliest/latest slot along chains) with
/// all-different consistency per participant (a slot is dropped from a request when the
/// participant's other meetings could then not all get distinct slots).
pub fn reduce_domains(problem: &Problem) -> Result<Vec<SlotSet>, String> {
    if let Some(reason) = fixed_clashes(problem) {
        return Err(reason);
    }
    let mut windows = Vec::with_capacity(problem.requests.len());
    for m in 0..problem.requests.len() {
        let domain = problem.domain(m);
        if domain == 0 {
            return Err(format!(
                "request {}: no slot suits both participants and its session",
                m + 1
            ));
        }
        windows.push(domain);
    }
    if let Some(reason) = capacity(problem) {
        return Err(reason);
    }
    let order = topological_order(problem)
        .map_err(|m| format!("the precedences form a cycle through request {}", m + 1))?;
    let by_participant = problem.requests_by_participant();
    if let Mode::All { fairness } = problem.mode
        && let Some(reason) = forced_unfairness(problem, &by_participant, fairness)
    {
        return Err(reason);
    }
    for (p, requests) in by_participant.iter().enumerate() {
        if requests.len() > problem.cap(p) {
            return Err(format!(
                "participant {} has {} requests, over its cap",
                p + 1,
                requests.len()
            ));
        }
    }
    let mut preds = vec![Vec::new(); problem.requests.len()];
    let mut succs = vec![Vec::new(); problem.requests.len()];
    for &(i, j) in &problem.precedences {
        preds[j].push(i);
        succs[i].push(j);
    }
    for _round in 0..64 {
        let before = windows.clone();
        precedence_windows(problem.n_slots(), &order, &preds, &succs, &mut windows)?;
        for (p, requests) in by_participant.iter().enumerate() {
            all_different(p, requests, &mut windows)?;
        }
        if windows == before {
            break;
        }
    }
    Ok(windows)
}

/// Earliest and latest slots along precedence chains.
fn precedence_windows(
    n_slots: usize,
    order: &[usize],
    preds: &[Vec<usize>],
    succs: &[Vec<usize>],
    windows: &mut [SlotSet],
) -> Result<(), String> {
    for &m in order {
        for &i in &preds[m] {
            let earliest = lowest(windows[i]).map_or(n_slots, |t| t + 1);
            windows[m] &= !full_mask(earliest);
        }
        if windows[m] == 0 {
            return Err(format!(
                "request {}: its predecessors leave no slot for it",
                m + 1
            ));
        }
    }
    for &m in order.iter().rev() {
        for &j in &succs[m] {
            let latest = highest(windows[j]).unwrap_or(0);
            windows[m] &= full_mask(latest);
        }
        if windows[m] == 0 {
            return Err(format!(
                "request {}: its successors leave no slot for it",
                m + 1
            ));
        }
    }
    Ok(())
}

/// Participants with more spare slots than this skip per-value pruning.
const SLACK_FOR_PRUNING: usize = 2;

/// All-different consistency for participant `p`'s requests.
fn all_different(p: usize, requests: &[usize], windows: &mut [SlotSet]) -> Result<(), String> {
    let mut domains: Vec<SlotSet> = requests.iter().map(|&m| windows[m]).collect();
    let n = domains.len();
    let matched = max_matching(&domains);
    if matched < n {
        return Err(format!(
            "participant {} has {n} meetings but only {matched} can get distinct usable slots",
            p + 1
        ));
    }
    // Pruning single values pays off only for participants with little slack; skipping it
    // elsewhere keeps large instances fast and is still sound (it only prunes less).
    let union = domains.iter().fold(0, |acc, d| acc | d);
    if n + SLACK_FOR_PRUNING < union.count_ones() as usize {
        return Ok(());
    }
    for i in 0..n {
        for t in slots_of(domains[i]) {
            let saved = domains[i];
            domains[i] = 1 << t;
            let ok = max_matching(&domains) == n;
            domains[i] = if ok { saved } else { saved & !(1u128 << t) };
        }
        if domains[i] == 0 {
            return Err(format!(
                "participant {}: request {} has no slot left",
                p + 1,
                requests[i] + 1
            ));
        }
    }
    for (i, &m) in requests.iter().enumerate() {
        windows[m] = domains[i];
    }
    Ok(())
}

/// Fairness that fixed meetings make impossible: when some participant has at most one
/// meeting (0 breaks), every participant must end with at most d breaks, but the gaps
/// between a participant's fixed meetings that its other meetings cannot fill are breaks.
fn forced_unfairness(
    problem: &Problem,
    by_participant: &[Vec<usize>],
    fairness: u32,
) -> Option<String> {
    if !by_participant.iter().any(|requests| requests.len() <= 1) {
        return None;
    }
    for (p, requests) in by_participant.iter().enumerate() {
        let fixed: SlotSet = requests
            .iter()
            .filter_map(|&m| problem.requests[m].fixed)
            .fold(0, |set, t| set | 1u128 << t);
        let forced = forced_breaks(fixed, problem.available(p), requests.len());
        if forced > fairness {
            return Some(format!(
                "participant {} has at least {forced} breaks forced by fixed meetings, but another has none and d = {fairness}",
                p + 1
            ));
        }
    }
    None
}

/// Breaks that fixed slots force on a participant with `n_meetings` meetings: gaps between
/// consecutive fixed slots stay breaks unless filled entirely with available slots, and the
/// free meetings fill the smallest fillable gaps first.
fn forced_breaks(fixed: SlotSet, available: SlotSet, n_meetings: usize) -> u32 {
    let slots: Vec<usize> = slots_of(fixed).collect();
    let mut spare = n_meetings.saturating_sub(slots.len());
    let mut fillable = Vec::new();
    let mut gaps = 0u32;
    for pair in slots.windows(2) {
        let (from, to) = (pair[0], pair[1]);
        if to == from + 1 {
            continue;
        }
        gaps += 1;
        let gap: SlotSet = full_mask(to) & !full_mask(from + 1);
        if gap & !available == 0 {
            fillable.push(to - from - 1);
        }
    }
    fillable.sort_unstable();
    for length in fillable {
        if length > spare {
            break;
        }
        spare -= length;
        gaps -= 1;
    }
    gaps
}

fn lowest(set: SlotSet) -> Option<usize> {
    (set != 0).then(|| set.trailing_zeros() as usize)
}

fn highest(set: SlotSet) -> Option<usize> {
    (set != 0).then(|| 127 - set.leading_zeros() as usize)
}

fn fixed_clashes(problem: &Problem) -> Option<String> {
    let n_slots = problem.n_slots();
    let mut per_slot = vec![0usize; n_slots];
    let mut busy = vec![0u128; problem.participants.len()];
    for (m, request) in problem.requests.iter().enumerate() {
        let Some(t) = request.fixed else { continue };
        if problem.domain(m) == 0 {
            return Some(format!(
                "request {} is fixed to slot {} where it is not allowed",
                m + 1,
                t + 1
            ));
        }
        per_slot[t] += 1;
        if per_slot[t] > problem.tables {
            return Some(format!(
                "slot {} has more fixed meetings than tables",
                t + 1
            ));
        }
        for p in [request.a, request.b] {
            if busy[p] & (1 << t) != 0 {
                return Some(format!(
                    "participant {} has two fixed meetings in slot {}",
                    p + 1,
                    t + 1
                ));
            }
            busy[p] |= 1 << t;
        }
    }
    for &(i, j) in &problem.precedences {
        if let (Some(ti), Some(tj)) = (problem.requests[i].fixed, problem.requests[j].fixed)
            && ti >= tj
        {
            return Some(format!(
                "fixed requests {} and {} break their precedence",
                i + 1,
                j + 1
            ));
        }
    }
    None
}

fn capacity(problem: &Problem) -> Option<String> {
    let tables = problem.tables;
    let checks = [
        (SessionRule::Any, problem.requests.len(), "all"),
        (
            SessionRule::Am,
            problem
                .requests
                .iter()
                .filter(|r| r.session == SessionRule::Am)
                .count(),
            "morning-only",
        ),
        (
            SessionRule::Pm,
            problem
                .requests
                .iter()
                .filter(|r| r.session == SessionRule::Pm)
                .count(),
            "afternoon-only",
        ),
    ];
    for (rule, count, what) in checks {
        let room = problem.session_slots(rule).count_ones() as usize * tables;
        if count > room {
            return Some(format!(
                "{count} {what} meetings but only {room} table-slots for them"
            ));
        }
    }
    None
}

/// Kahn's algorithm; `Err(m)` names a request on a cycle.
fn topological_order(problem: &Problem) -> Result<Vec<usize>, usize> {
    let n = problem.requests.len();
    let mut indegree = vec![0usize; n];
    let mut succs = vec![Vec::new(); n];
    for &(i, j) in &problem.precedences {
        indegree[j] += 1;
        succs[i].push(j);
    }
    let mut order: Vec<usize> = (0..n).filter(|&m| indegree[m] == 0).collect();
    let mut head = 0;
    while head < order.len() {
        let m = order[head];
        head += 1;
        for &j in &succs[m] {
            indegree[j] -= 1;
            if indegree[j] == 0 {
                order.push(j);
            }
        }
    }
    if order.len() < n {
        return Err((0..n).find(|&m| indegree[m] > 0).unwrap_or(0));
    }
    Ok(order)
}

/// Size of a maximum matching of items to distinct slots of their sets (Kuhn).
fn max_matching(domains: &[SlotSet]) -> usize {
    let mut owner = [usize::MAX; 128];
    let mut matched = 0;
    for item in 0..domains.len() {
        let mut seen: SlotSet = 0;
        if augment(item, domains, &mut owner, &mut seen) {
            matched += 1;
        }
    }
    matched
}

fn augment(item: usize, domains: &[SlotSet], owner: &mut [usize; 128], seen: &mut SlotSet) -> bool {
    for t in slots_of(domains[item] & !*seen) {
        *seen |= 1 << t;
        if owner[t] == usize::MAX || augment(owner[t], domains, owner, seen) {
            owner[t] = item;
            return true;
        }
    }
    false
}

/// A lower bound on total breaks of the meetings in `slot_of`: a participant holding k
/// meetings needs at least as many runs of consecutive available slots as it takes for
/// the longest runs to add up to k, and has one break fewer than runs.
pub fn breaks_lower_bound(problem: &Problem, slot_of: &[Option<usize>]) -> u64 {
    let mut held = vec![0usize; problem.participants.len()];
    for (m, slot) in slot_of.iter().enumerate() {
        if slot.is_some() {
            held[problem.requests[m].a] += 1;
            held[problem.requests[m].b] += 1;
        }
    }
    let mut total = 0u64;
    for (p, &k) in held.iter().enumerate() {
        if k < 2 {
            continue;
        }
        let mut runs = available_runs(problem.available(p), problem.n_slots());
        runs.sort_unstable_by(|x, y| y.cmp(x));
        let mut covered = 0;
        for (needed, run) in runs.iter().enumerate() {
            covered += run;
            if covered >= k {
                total += needed as u64;
                break;
            }
        }
    }
    total
}

fn available_runs(available: SlotSet, n_slots: usize) -> Vec<usize> {
    let mut runs = Vec::new();
    let mut length = 0;
    for t in 0..n_slots {
        if available & (1 << t) != 0 {
            length += 1;
        } else if length > 0 {
            runs.push(length);
            length = 0;
        }
    }
    if length > 0 {
        runs.push(length);
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Participant, Request, Session};

    fn all_mode(n_slots: usize, requests: Vec<(usize, usize)>) -> Problem {
        Problem {
            slots: vec![Session::Am; n_slots],
            tables: 10,
            participants: vec![Participant::default(); 4],
            requests: requests
                .into_iter()
                .map(|(a, b)| Request {
                    a,
                    b,
                    weight: 1,
                    session: SessionRule::Any,
                    fixed: None,
                })
                .collect(),
            precedences: vec![],
            mode: Mode::All { fairness: 2 },
        }
    }

    #[test]
    fn too_many_meetings_for_a_participant_is_infeasible() {
        let problem = all_mode(2, vec![(0, 1), (0, 2), (0, 3)]);
        let reason = prove_infeasible(&problem).unwrap_or_default();
        assert!(reason.contains("participant 1"), "{reason}");
        assert_eq!(
            prove_infeasible(&all_mode(3, vec![(0, 1), (0, 2), (0, 3)])),
            None
        );
    }

    #[test]
    fn a_precedence_cycle_is_infeasible() {
        let mut problem = all_mode(4, vec![(0, 1), (2, 3)]);
        problem.precedences = vec![(0, 1), (1, 0)];
        assert!(
            prove_infeasible(&problem)
                .unwrap_or_default()
                .contains("cycle")
        );
        problem.precedences = vec![(0, 1)];
        assert_eq!(prove_infeasible(&problem), None);
    }

    #[test]
    fn fixed_meetings_can_force_unfair_breaks() {
        assert_eq!(forced_breaks(0b1000101, u128::MAX, 3), 2);
        assert_eq!(forced_breaks(0b1000101, u128::MAX, 4), 1);
        assert_eq!(forced_breaks(0b1000101, !0b10, 9), 1);
        assert_eq!(forced_breaks(0b111, u128::MAX, 3), 0);
    }

    #[test]
    fn breaks_lower_bound_counts_forced_runs() {
        let mut problem = all_mode(5, vec![(0, 1), (0, 2), (0, 3)]);
        problem.participants[0].unavailable = 0b00100;
        assert_eq!(
            breaks_lower_bound(&problem, &[Some(0), Some(1), Some(3)]),
            1
        );
        problem.participants[0].unavailable = 0;
        assert_eq!(
            breaks_lower_bound(&problem, &[Some(0), Some(1), Some(3)]),
            0
        );
    }
}
