//! The engine's plain inputs (nodes and ties) and the tie data it keeps.
//!
//! Inputs are built from the domain records (`From<&Organization>`, `From<&Person>`,
//! `From<&Tie>`) or directly by generators and tests.

use bridgehub_domain::{
    CountryCode, Date, EntityId, OrgKind, Organization, Person, Sector, Tie, TieKind,
};

/// The `source` of the implicit `member_of` tie that a person's affiliation stands for.
pub const AFFILIATION_SOURCE: &str = "person.affiliation";

/// Whether a node is an organization or a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    /// An organization.
    Organization,
    /// A person.
    Person,
}

/// One organization or person, reduced to what the analytics use.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInput {
    /// External id.
    pub id: EntityId,
    /// Organization or person.
    pub kind: NodeKind,
    /// The organization's kind (people: none).
    pub org_kind: Option<OrgKind>,
    /// Jurisdiction or country of residence.
    pub country: Option<CountryCode>,
    /// Sectors.
    pub sectors: Vec<Sector>,
    /// A person's organization; it stands for a current `member_of` tie.
    pub affiliation: Option<EntityId>,
}

impl NodeInput {
    /// An organization.
    pub fn organization(
        id: EntityId,
        org_kind: OrgKind,
        country: CountryCode,
        sectors: Vec<Sector>,
    ) -> Self {
        NodeInput {
            id,
            kind: NodeKind::Organization,
            org_kind: Some(org_kind),
            country: Some(country),
            sectors,
            affiliation: None,
        }
    }

    /// A person.
    pub fn person(
        id: EntityId,
        country: Option<CountryCode>,
        affiliation: Option<EntityId>,
    ) -> Self {
        NodeInput {
            id,
            kind: NodeKind::Person,
            org_kind: None,
            country,
            sectors: Vec::new(),
            affiliation,
        }
    }
}

impl From<&Organization> for NodeInput {
    fn from(org: &Organization) -> Self {
        NodeInput::organization(org.id.clone(), org.kind, org.country, org.sectors.clone())
    }
}

impl From<&Person> for NodeInput {
    fn from(person: &Person) -> Self {
        NodeInput {
            id: person.id.clone(),
            kind: NodeKind::Person,
            org_kind: None,
            country: person.country,
            sectors: person.sectors.clone(),
            affiliation: person.affiliation.clone(),
        }
    }
}

/// One recorded tie, as the domain defines it.
pub type TieInput = Tie;

/// A tie as the graph keeps it; visibility predicates and evidence lists see this.
#[derive(Debug, Clone, PartialEq)]
pub struct TieData {
    /// External id (`affiliation:<person>` for the tie a person's affiliation stands for).
    pub id: EntityId,
    /// One party.
    pub from: EntityId,
    /// The other party.
    pub to: EntityId,
    /// How they are tied.
    pub kind: TieKind,
    /// When the tie was made; `None` for a current affiliation.
    pub date: Option<Date>,
    /// Where the record comes from.
    pub source: Option<String>,
    /// Evidence.
    pub evidence: Option<String>,
    /// What came of the tie, as its parties recorded it (see [`TieOutcome::agreed`]).
    pub outcome: Option<TieOutcome>,
    /// The tie's own strength in [0, 1] under the graph's [`crate::StrengthParams`].
    pub strength: f64,
}

/// What came of a meeting or an introduction, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    /// Nothing followed.
    NoFollowUp,
    /// The parties followed up (a second meeting, an exchange of proposals).
    FollowUp,
    /// They signed a memorandum of understanding.
    Mou,
    /// They closed a deal.
    Deal,
}

impl Outcome {
    /// Every outcome, weakest first (the order of [`crate::StrengthParams::outcome_factor`]).
    pub const ALL: [Outcome; 4] = [
        Outcome::NoFollowUp,
        Outcome::FollowUp,
        Outcome::Mou,
        Outcome::Deal,
    ];

    /// Stable code: `no_follow_up`, `follow_up`, `mou`, `deal`.
    pub fn code(self) -> &'static str {
        match self {
            Outcome::NoFollowUp => "no_follow_up",
            Outcome::FollowUp => "follow_up",
            Outcome::Mou => "mou",
            Outcome::Deal => "deal",
        }
    }

    /// Parses a code.
    pub fn parse(code: &str) -> Option<Outcome> {
        Outcome::ALL.into_iter().find(|o| o.code() == code)
    }

    /// Position in [`Outcome::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The outcome a tie counts with, and the day it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TieOutcome {
    /// The outcome.
    pub outcome: Outcome,
    /// When it happened; a tie's age counts from the later of its own date and this.
    pub date: Date,
}

impl TieOutcome {
    /// The outcome of a tie from its parties' records (one per party): when both sides
    /// recorded one, the weaker counts (a deal one side reports and the other denies is
    /// not a deal), dated by that record; ties in rank take the later date. `None` when
    /// nobody recorded one.
    pub fn agreed(records: impl IntoIterator<Item = TieOutcome>) -> Option<TieOutcome> {
        records
            .into_iter()
            .min_by(|a, b| a.outcome.cmp(&b.outcome).then_with(|| b.date.cmp(&a.date)))
    }
}

impl TieData {
    /// True for the implicit tie of a person's affiliation field.
    pub fn is_affiliation_field(&self) -> bool {
        self.source.as_deref() == Some(AFFILIATION_SOURCE) && self.date.is_none()
    }
}
