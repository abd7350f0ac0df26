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
    /// The tie's own strength in [0, 1] under the graph's [`crate::StrengthParams`].
    pub strength: f64,
}

impl TieData {
    /// True for the implicit tie of a person's affiliation field.
    pub fn is_affiliation_field(&self) -> bool {
        self.source.as_deref() == Some(AFFILIATION_SOURCE) && self.date.is_none()
    }
}
