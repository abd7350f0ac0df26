//! Tie strength by kind and recency.
//!
//! A tie's strength is `base(kind) · 2^(−age / half_life)`, in [0, 1]. Affiliations
//! (`member_of`) do not decay by default: membership is a standing relation. Parallel ties
//! between the same pair combine as a noisy-or, `1 − Π(1 − sᵢ)`: each tie is an independent
//! chance that the pair would act on the relation, so a second tie always adds strength
//! but never past 1, and a pair is never weaker than its strongest tie.

use bridgehub_domain::{Date, TieKind};

use crate::{GraphError, TieOutcome, day_number};

/// How tie strength is computed; see the module documentation.
#[derive(Debug, Clone, PartialEq)]
pub struct StrengthParams {
    /// The day ages are measured from.
    pub today: Date,
    /// Half-life of a tie, in days (default 3 years = 1,095.75 days).
    pub half_life_days: f64,
    /// Base strength of each kind, in [0, 1], indexed like [`TieKind::ALL`].
    pub base: [f64; 7],
    /// Whether `member_of` ties decay too (default: no).
    pub decay_affiliations: bool,
    /// Factor a recorded outcome multiplies the base strength by, indexed like
    /// [`crate::Outcome::ALL`] (default: no follow-up 0.5, follow-up 1.5, MoU 2, deal 3); the
    /// product is capped at 1.
    pub outcome_factor: [f64; 4],
}

/// Default base strengths, in the order of [`TieKind::ALL`]:
/// met 0.2, introduced 0.3, mou 0.7, partnership 0.9, member_of 0.6, co_organized 0.5, contract 0.9.
pub const DEFAULT_BASE: [f64; 7] = [0.2, 0.3, 0.7, 0.9, 0.6, 0.5, 0.9];

/// Default outcome factors, in the order of [`crate::Outcome::ALL`]:
/// no follow-up 0.5, follow-up 1.5, MoU 2, deal 3.
pub const DEFAULT_OUTCOME_FACTOR: [f64; 4] = [0.5, 1.5, 2.0, 3.0];

/// Default half-life: three years.
pub const DEFAULT_HALF_LIFE_DAYS: f64 = 3.0 * 365.25;

impl StrengthParams {
    /// Defaults, measured from `today`.
    pub fn new(today: Date) -> Self {
        StrengthParams {
            today,
            half_life_days: DEFAULT_HALF_LIFE_DAYS,
            base: DEFAULT_BASE,
            decay_affiliations: false,
            outcome_factor: DEFAULT_OUTCOME_FACTOR,
        }
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), GraphError> {
        if !(self.half_life_days.is_finite() && self.half_life_days > 0.0) {
            return Err(GraphError::param(
                "half_life_days",
                "must be a positive number of days",
            ));
        }
        if let Some(bad) = self.base.iter().find(|b| !(0.0..=1.0).contains(*b)) {
            return Err(GraphError::param(
                "base",
                format!("{bad} is outside [0, 1]"),
            ));
        }
        if let Some(bad) = self
            .outcome_factor
            .iter()
            .find(|f| !(f.is_finite() && **f >= 0.0))
        {
            return Err(GraphError::param(
                "outcome_factor",
                format!("{bad} is not a non-negative number"),
            ));
        }
        Ok(())
    }

    /// The base strength of a kind.
    pub fn base_of(&self, kind: TieKind) -> f64 {
        let idx = TieKind::ALL.iter().position(|k| *k == kind).unwrap_or(0);
        self.base[idx]
    }

    /// Sets the base strength of a kind.
    pub fn set_base(&mut self, kind: TieKind, value: f64) {
        if let Some(idx) = TieKind::ALL.iter().position(|k| *k == kind) {
            self.base[idx] = value;
        }
    }

    /// The strength of one tie of `kind` made on `date` (`None`: current, age 0).
    /// Ties dated in the future count as made today.
    pub fn tie_strength(&self, kind: TieKind, date: Option<Date>) -> f64 {
        let base = self.base_of(kind);
        if kind == TieKind::MemberOf && !self.decay_affiliations {
            return base;
        }
        let age_days = date
            .map(|d| (day_number(self.today) - day_number(d)).max(0))
            .unwrap_or(0);
        base * (-(age_days as f64) / self.half_life_days).exp2()
    }

    /// The strength of one tie with its recorded outcome: `min(1, base(kind) ·
    /// factor(outcome)) · 2^(−age / half_life)`, the age counted from the later of the
    /// tie's date and the outcome's (a follow-up renews the tie). Without an outcome it is
    /// [`StrengthParams::tie_strength`]. Affiliations keep their rule (no decay by default).
    pub fn tie_strength_with(
        &self,
        kind: TieKind,
        date: Option<Date>,
        outcome: Option<TieOutcome>,
    ) -> f64 {
        let Some(outcome) = outcome else {
            return self.tie_strength(kind, date);
        };
        let base = (self.base_of(kind) * self.outcome_factor[outcome.outcome.index()]).min(1.0);
        if kind == TieKind::MemberOf && !self.decay_affiliations {
            return base;
        }
        let from = match date {
            Some(d) if d > outcome.date => d,
            _ => outcome.date,
        };
        let age_days = (day_number(self.today) - day_number(from)).max(0);
        base * (-(age_days as f64) / self.half_life_days).exp2()
    }
}

/// Combines the strengths of parallel ties between one pair (noisy-or).
pub fn combine(strengths: impl IntoIterator<Item = f64>) -> f64 {
    let miss: f64 = strengths
        .into_iter()
        .map(|s| 1.0 - s.clamp(0.0, 1.0))
        .product();
    1.0 - miss
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Outcome;

    fn date(text: &str) -> Date {
        bridgehub_domain::parse_date(text).unwrap()
    }

    #[test]
    fn strength_halves_every_half_life() {
        let params = StrengthParams {
            half_life_days: 365.0,
            ..StrengthParams::new(date("2026-01-01"))
        };
        let fresh = params.tie_strength(TieKind::Partnership, Some(date("2026-01-01")));
        let old = params.tie_strength(TieKind::Partnership, Some(date("2025-01-01")));
        assert!((fresh - 0.9).abs() < 1e-12);
        assert!((old - 0.45).abs() < 1e-12);
    }

    #[test]
    fn affiliations_do_not_decay_by_default_and_future_ties_count_as_today() {
        let params = StrengthParams::new(date("2026-01-01"));
        assert_eq!(
            params.tie_strength(TieKind::MemberOf, Some(date("2000-01-01"))),
            0.6
        );
        assert_eq!(
            params.tie_strength(TieKind::Met, Some(date("2030-01-01"))),
            0.2
        );
    }

    #[test]
    fn outcomes_scale_the_base_and_renew_the_tie() {
        let params = StrengthParams::new(date("2026-01-01"));
        let met = Some(date("2023-01-01"));
        let plain = params.tie_strength(TieKind::Met, met);
        let outcome = |o, on| {
            Some(TieOutcome {
                outcome: o,
                date: date(on),
            })
        };
        let none = params.tie_strength_with(
            TieKind::Met,
            met,
            outcome(Outcome::NoFollowUp, "2023-01-01"),
        );
        let deal =
            params.tie_strength_with(TieKind::Met, met, outcome(Outcome::Deal, "2023-01-01"));
        assert!((none - plain * 0.5).abs() < 1e-12);
        assert!((deal - plain * 3.0).abs() < 1e-12);
        // A later outcome counts the age from its own date.
        let renewed =
            params.tie_strength_with(TieKind::Met, met, outcome(Outcome::FollowUp, "2026-01-01"));
        assert!((renewed - 0.3).abs() < 1e-12);
        // Capped at 1.
        let capped = params.tie_strength_with(
            TieKind::Contract,
            Some(date("2026-01-01")),
            outcome(Outcome::Deal, "2026-01-01"),
        );
        assert_eq!(capped, 1.0);
        assert_eq!(params.tie_strength_with(TieKind::Met, met, None), plain);
    }

    #[test]
    fn the_weaker_of_two_records_is_agreed() {
        let rec = |o, on| TieOutcome {
            outcome: o,
            date: date(on),
        };
        let agreed = TieOutcome::agreed([
            rec(Outcome::Deal, "2025-01-01"),
            rec(Outcome::FollowUp, "2024-01-01"),
        ]);
        assert_eq!(agreed, Some(rec(Outcome::FollowUp, "2024-01-01")));
        assert_eq!(TieOutcome::agreed([]), None);
        assert_eq!(Outcome::parse("mou"), Some(Outcome::Mou));
        assert_eq!(Outcome::parse("MoU"), None);
    }

    #[test]
    fn parallel_ties_combine_as_noisy_or() {
        assert!((combine([0.2, 0.2]) - 0.36).abs() < 1e-12);
        assert_eq!(combine([]), 0.0);
        assert!(combine([0.9, 0.1]) >= 0.9);
    }

    #[test]
    fn parameters_out_of_range_are_named() {
        let mut params = StrengthParams::new(date("2026-01-01"));
        params.half_life_days = 0.0;
        assert!(
            params
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("half_life_days")
        );
        params.half_life_days = 10.0;
        params.set_base(TieKind::Met, 1.5);
        assert!(params.validate().unwrap_err().to_string().contains("1.5"));
    }
}
