//! Closed vocabularies: organization kinds, sectors, listing directions and categories, tie kinds.
//!
//! Each is an enum with a stable snake_case code (the exchange-format value), parsed with
//! an error that lists the accepted codes.

use std::fmt;

macro_rules! vocab {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $code, "`")]
                $variant,
            )+
        }

        impl $name {
            /// Every value, in the documented order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in the exchange format, the API and the database.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code,)+
                }
            }

            /// Parses a code; the error lists the accepted codes.
            pub fn parse(text: &str) -> Result<Self, String> {
                match text {
                    $($code => Ok($name::$variant),)+
                    other => Err(format!(
                        "\"{}\" is not a known {}; expected one of: {}",
                        other,
                        $what,
                        Self::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", ")
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = String;
            fn from_str(text: &str) -> Result<Self, String> {
                Self::parse(text)
            }
        }
    };
}

vocab!(
    /// What kind of body an organization is.
    OrgKind, "organization kind", {
        Enterprise => "enterprise",
        University => "university",
        ResearchInstitute => "research_institute",
        ThinkTank => "think_tank",
        Ngo => "ngo",
        ProfessionalBody => "professional_body",
        Chamber => "chamber",
        GovernmentAgency => "government_agency",
        InternationalOrganization => "international_organization",
        Investor => "investor",
    }
);

vocab!(
    /// The 24 sectors of the hub; labels in en/zh are in `reference::sector_label`.
    Sector, "sector", {
        Finance => "finance",
        AssetManagement => "asset_management",
        Trade => "trade",
        Shipping => "shipping",
        Aviation => "aviation",
        Logistics => "logistics",
        Technology => "technology",
        Legal => "legal",
        IntellectualProperty => "intellectual_property",
        ArtsCulture => "arts_culture",
        ProfessionalServices => "professional_services",
        Education => "education",
        Research => "research",
        Tourism => "tourism",
        Sports => "sports",
        Exhibitions => "exhibitions",
        Media => "media",
        Health => "health",
        PublicWelfare => "public_welfare",
        Manufacturing => "manufacturing",
        Agrifood => "agrifood",
        EnergyEnvironment => "energy_environment",
        Infrastructure => "infrastructure",
        RetailConsumer => "retail_consumer",
    }
);

vocab!(
    /// Whether a listing offers something or seeks it.
    Direction, "direction", {
        Offer => "offer",
        Seek => "seek",
    }
);

vocab!(
    /// What a listing is about.
    Category, "category", {
        Investment => "investment",
        Distribution => "distribution",
        Supply => "supply",
        Service => "service",
        Research => "research",
        Exchange => "exchange",
        Talent => "talent",
        EventPartner => "event_partner",
        Other => "other",
    }
);

vocab!(
    /// How two parties are tied.
    TieKind, "tie kind", {
        Met => "met",
        Introduced => "introduced",
        Mou => "mou",
        Partnership => "partnership",
        MemberOf => "member_of",
        CoOrganized => "co_organized",
        Contract => "contract",
    }
);

impl Direction {
    /// The direction a listing's counterpart has.
    pub fn opposite(self) -> Self {
        match self {
            Direction::Offer => Direction::Seek,
            Direction::Seek => Direction::Offer,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips() {
        for sector in Sector::ALL {
            assert_eq!(Sector::parse(sector.code()), Ok(*sector));
        }
        for kind in OrgKind::ALL {
            assert_eq!(kind.code().parse::<OrgKind>(), Ok(*kind));
        }
        assert_eq!(Sector::ALL.len(), 24);
        assert_eq!(OrgKind::ALL.len(), 10);
        assert_eq!(Category::ALL.len(), 9);
        assert_eq!(TieKind::ALL.len(), 7);
    }

    #[test]
    fn unknown_codes_name_the_accepted_ones() {
        let err = Direction::parse("sell").unwrap_err();
        assert_eq!(err, "\"sell\" is not a known direction; expected one of: offer, seek");
    }
}
