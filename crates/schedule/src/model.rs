//! The problem model: slots with a session, identical tables, participants with
//! unavailable slots and caps, weighted meeting requests, fixed meetings and
//! precedences. Everything is indexed from 0; the formats map their ids onto indices.

use thiserror::Error;

/// The most slots a problem may have (slot sets are 128-bit masks).
pub const MAX_SLOTS: usize = 128;

/// A set of slots as a bit mask: bit `t` is slot `t`.
pub type SlotSet = u128;

/// The half day a slot belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Session {
    /// Morning.
    Am,
    /// Afternoon.
    Pm,
}

/// The sessions a meeting may be held in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SessionRule {
    /// Any slot.
    #[default]
    Any,
    /// Morning slots only.
    Am,
    /// Afternoon slots only.
    Pm,
}

/// What the solver optimises.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Choose which requests happen: maximise total weight, then fewer breaks, then fairness.
    MaxWeight,
    /// Every request must happen: minimise total breaks with max − min breaks ≤ `fairness`.
    All {
        /// The largest allowed difference between participants' break counts (JAIR's d).
        fairness: u32,
    },
}

/// The default fairness bound d of mode `all`.
pub const DEFAULT_FAIRNESS: u32 = 2;

/// One participant (an organization or a person with one agenda).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Participant {
    /// Slots the participant cannot meet in.
    pub unavailable: SlotSet,
    /// At most this many meetings (organizer rule), if set.
    pub max_meetings: Option<usize>,
}

/// One requested meeting between participants `a` and `b`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// First participant (index).
    pub a: usize,
    /// Second participant (index).
    pub b: usize,
    /// Priority weight (≥ 1 in practice; 0 is allowed and never helps the objective).
    pub weight: u64,
    /// Session restriction.
    pub session: SessionRule,
    /// The slot this meeting must take, if fixed. A fixed meeting is always scheduled.
    pub fixed: Option<usize>,
}

/// A scheduling problem. Indices: slots `0..slots.len()`, participants and requests likewise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The session of each slot, in time order (consecutive slots are adjacent in time).
    pub slots: Vec<Session>,
    /// Identical tables: at most this many meetings per slot.
    pub tables: usize,
    /// Participants.
    pub participants: Vec<Participant>,
    /// Requested meetings.
    pub requests: Vec<Request>,
    /// `(i, j)`: request `i` must be held strictly before request `j` (when both are held).
    pub precedences: Vec<(usize, usize)>,
    /// The objective.
    pub mode: Mode,
}

/// A problem that does not make sense (an index out of range, too many slots, ...).
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ModelError {
    /// More than [`MAX_SLOTS`] slots.
    #[error("{0} slots given; at most {MAX_SLOTS} are supported")]
    TooManySlots(usize),
    /// No slots at all.
    #[error("the problem has no slots")]
    NoSlots,
    /// A request names a participant that does not exist.
    #[error("request {request}: participant index {participant} out of range")]
    UnknownParticipant {
        /// Request index.
        request: usize,
        /// The bad participant index.
        participant: usize,
    },
    /// A request between a participant and itself.
    #[error("request {0}: a participant cannot meet itself")]
    SelfMeeting(usize),
    /// A fixed slot that does not exist.
    #[error("request {request}: fixed slot index {slot} out of range")]
    FixedSlotOutOfRange {
        /// Request index.
        request: usize,
        /// The bad slot index.
        slot: usize,
    },
    /// A precedence names a request that does not exist.
    #[error("precedence {0}: request index out of range")]
    PrecedenceOutOfRange(usize),
}

impl Problem {
    /// Number of slots.
    pub fn n_slots(&self) -> usize {
        self.slots.len()
    }

    /// All slots as a set.
    pub fn all_slots(&self) -> SlotSet {
        full_mask(self.slots.len())
    }

    /// The slots a session rule allows.
    pub fn session_slots(&self, rule: SessionRule) -> SlotSet {
        let mut set = 0;
        for (t, session) in self.slots.iter().enumerate() {
            let allowed = match rule {
                SessionRule::Any => true,
                SessionRule::Am => *session == Session::Am,
                SessionRule::Pm => *session == Session::Pm,
            };
            if allowed {
                set |= 1 << t;
            }
        }
        set
    }

    /// The slots participant `p` can meet in.
    pub fn available(&self, p: usize) -> SlotSet {
        self.all_slots() & !self.participants[p].unavailable
    }

    /// The slots request `m` may take: both participants available, session allowed and,
    /// when fixed, only the fixed slot (empty if the fixed slot breaks another rule).
    pub fn domain(&self, m: usize) -> SlotSet {
        let request = &self.requests[m];
        let mut set = self.available(request.a)
            & self.available(request.b)
            & self.session_slots(request.session);
        if let Some(slot) = request.fixed {
            set &= 1u128.checked_shl(slot as u32).unwrap_or(0);
        }
        set
    }

    /// The per-participant meeting cap: the organizer's cap, if any.
    pub fn cap(&self, p: usize) -> usize {
        self.participants[p].max_meetings.unwrap_or(usize::MAX)
    }

    /// The requests of each participant.
    pub fn requests_by_participant(&self) -> Vec<Vec<usize>> {
        let mut by_participant = vec![Vec::new(); self.participants.len()];
        for (m, request) in self.requests.iter().enumerate() {
            by_participant[request.a].push(m);
            by_participant[request.b].push(m);
        }
        by_participant
    }

    /// Checks that every index is in range and that there are between 1 and
    /// [`MAX_SLOTS`] slots.
    pub fn validate(&self) -> Result<(), ModelError> {
        if self.slots.is_empty() {
            return Err(ModelError::NoSlots);
        }
        if self.slots.len() > MAX_SLOTS {
            return Err(ModelError::TooManySlots(self.slots.len()));
        }
        let n_participants = self.participants.len();
        for (m, request) in self.requests.iter().enumerate() {
            for participant in [request.a, request.b] {
                if participant >= n_participants {
                    return Err(ModelError::UnknownParticipant {
                        request: m,
                        participant,
                    });
                }
            }
            if request.a == request.b {
                return Err(ModelError::SelfMeeting(m));
            }
            if let Some(slot) = request.fixed
                && slot >= self.slots.len()
            {
                return Err(ModelError::FixedSlotOutOfRange { request: m, slot });
            }
        }
        for (k, &(i, j)) in self.precedences.iter().enumerate() {
            if i >= self.requests.len() || j >= self.requests.len() {
                return Err(ModelError::PrecedenceOutOfRange(k));
            }
        }
        Ok(())
    }
}

/// The set of slots `0..n`.
pub fn full_mask(n: usize) -> SlotSet {
    if n >= 128 {
        u128::MAX
    } else {
        (1u128 << n) - 1
    }
}

/// Number of breaks of a participant whose busy slots are `busy`: maximal runs of idle
/// slots between two meetings, i.e. the number of busy runs minus one.
pub fn breaks_of(busy: SlotSet) -> u32 {
    let runs = (busy & !(busy << 1)).count_ones();
    runs.saturating_sub(1)
}

/// Iterates the slots of a set in increasing order.
pub fn slots_of(set: SlotSet) -> impl Iterator<Item = usize> {
    let mut rest = set;
    std::iter::from_fn(move || {
        if rest == 0 {
            return None;
        }
        let t = rest.trailing_zeros() as usize;
        rest &= rest - 1;
        Some(t)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_count_idle_runs_between_meetings() {
        assert_eq!(breaks_of(0), 0);
        assert_eq!(breaks_of(0b1), 0);
        assert_eq!(breaks_of(0b111), 0);
        assert_eq!(breaks_of(0b101), 1);
        assert_eq!(breaks_of(0b1001), 1);
        assert_eq!(breaks_of(0b1010_0110), 2);
        assert_eq!(breaks_of(1u128 << 127 | 1), 1);
    }

    #[test]
    fn domain_combines_availability_session_and_fixed() {
        let problem = Problem {
            slots: vec![Session::Am, Session::Am, Session::Pm, Session::Pm],
            tables: 1,
            participants: vec![
                Participant {
                    unavailable: 0b0001,
                    max_meetings: None,
                },
                Participant {
                    unavailable: 0b1000,
                    max_meetings: None,
                },
            ],
            requests: vec![
                Request {
                    a: 0,
                    b: 1,
                    weight: 1,
                    session: SessionRule::Any,
                    fixed: None,
                },
                Request {
                    a: 0,
                    b: 1,
                    weight: 1,
                    session: SessionRule::Pm,
                    fixed: None,
                },
                Request {
                    a: 0,
                    b: 1,
                    weight: 1,
                    session: SessionRule::Any,
                    fixed: Some(0),
                },
            ],
            precedences: vec![],
            mode: Mode::MaxWeight,
        };
        assert_eq!(problem.domain(0), 0b0110);
        assert_eq!(problem.domain(1), 0b0100);
        assert_eq!(problem.domain(2), 0);
        assert_eq!(slots_of(0b1010).collect::<Vec<_>>(), vec![1, 3]);
    }
}
