//! Tie outcomes (issue #7): what came of a meeting or an introduction, recorded by a party
//! of the tie. Each backend writes them in its own `ties` module.

/// The outcome codes the store accepts (the table's CHECK constraint says the same).
pub const OUTCOME_CODES: [&str; 4] = ["no_follow_up", "follow_up", "mou", "deal"];

/// One party's record of what came of a tie.
#[derive(Debug, Clone, PartialEq)]
pub struct TieOutcome {
    /// The tie.
    pub tie_id: String,
    /// The party recording it (one of the tie's two ends).
    pub party: String,
    /// `no_follow_up`, `follow_up`, `mou` or `deal` (see [`OUTCOME_CODES`]).
    pub outcome: String,
    /// A deal's value, if given (not negative).
    pub value: Option<f64>,
    /// The value's currency (ISO 4217, three letters).
    pub currency: Option<String>,
    /// A free note.
    pub note: Option<String>,
    /// The user who recorded it.
    pub recorded_by: Option<String>,
    /// The day the outcome happened (`YYYY-MM-DD`).
    pub recorded_on: String,
    /// When it was stored (RFC 3339; set by the store on write).
    pub recorded_at: String,
}
