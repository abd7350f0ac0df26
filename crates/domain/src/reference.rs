//! Reference data compiled into the binary: ISO 3166-1 countries with their UN M49
//! regions and names in en / zh-Hans / zh-Hant, the groupings (ASEAN, GCC, BRI, ...)
//! with members, official source and `as_of` date, BCP-47 language names, sector labels.
//!
//! Membership is data (`data/groupings.json`), not code: changing who is in a grouping
//! is an edit of that file. `data/SOURCES.md` gives source and licence of each file.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::{Problem, Sector};

const COUNTRIES_TSV: &str = include_str!("../data/countries.tsv");
const REGIONS_TSV: &str = include_str!("../data/regions.tsv");
const LANGUAGES_TSV: &str = include_str!("../data/languages.tsv");
const SECTORS_TSV: &str = include_str!("../data/sectors.tsv");
const GROUPINGS_JSON: &str = include_str!("../data/groupings.json");

/// A display locale of the hub's reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Locale {
    /// English.
    En,
    /// Simplified Chinese.
    ZhHans,
    /// Traditional Chinese.
    ZhHant,
}

impl Locale {
    /// Every locale with names in the reference data.
    pub const ALL: [Locale; 3] = [Locale::En, Locale::ZhHans, Locale::ZhHant];

    /// The BCP-47 tag of the locale.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::En => "en",
            Locale::ZhHans => "zh-Hans",
            Locale::ZhHant => "zh-Hant",
        }
    }

    /// Picks the closest locale for a BCP-47 tag (`zh-TW` → zh-Hant, `zh` → zh-Hans, others → en).
    pub fn for_tag(tag: &str) -> Locale {
        let lower = tag.to_ascii_lowercase();
        if lower.starts_with("zh") {
            if lower.contains("hant") || lower.ends_with("-tw") || lower.ends_with("-hk") || lower.ends_with("-mo") {
                Locale::ZhHant
            } else {
                Locale::ZhHans
            }
        } else {
            Locale::En
        }
    }
}

/// Names of one thing in the three reference locales.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    /// English.
    pub en: String,
    /// Simplified Chinese.
    pub zh_hans: String,
    /// Traditional Chinese.
    pub zh_hant: String,
}

impl Names {
    /// The name in a locale, falling back to English when that name is missing.
    pub fn get(&self, locale: Locale) -> &str {
        let name = match locale {
            Locale::En => &self.en,
            Locale::ZhHans => &self.zh_hans,
            Locale::ZhHant => &self.zh_hant,
        };
        if name.is_empty() { &self.en } else { name }
    }
}

/// One country or territory of ISO 3166-1.
#[derive(Debug, Clone)]
pub struct Country {
    /// ISO 3166-1 alpha-2 code.
    pub code: CountryCode,
    /// ISO 3166-1 alpha-3 code.
    pub alpha3: String,
    /// UN M49 numeric code of the country itself.
    pub m49: String,
    /// UN M49 region (`142` Asia), empty for Antarctica.
    pub region: String,
    /// UN M49 sub-region (`030` Eastern Asia).
    pub subregion: String,
    /// UN M49 intermediate region, where the UN defines one (`014` Eastern Africa).
    pub intermediate: String,
    /// Display names.
    pub names: Names,
}

/// One UN M49 region, sub-region or intermediate region.
#[derive(Debug, Clone)]
pub struct Region {
    /// Three-digit M49 code.
    pub code: String,
    /// `region`, `subregion` or `intermediate`.
    pub level: String,
    /// The containing M49 code.
    pub parent: String,
    /// Display names.
    pub names: Names,
}

/// A grouping of countries (ASEAN, GCC, BRI, ...), with its source.
#[derive(Debug, Clone, Deserialize)]
pub struct Grouping {
    /// Stable code, e.g. `asean`.
    pub code: String,
    /// Names keyed by locale tag (`en`, `zh-Hans`, `zh-Hant`).
    pub names: BTreeMap<String, String>,
    /// Member countries, ISO alpha-2.
    pub members: Vec<String>,
    /// The official page the membership was taken from.
    pub source: String,
    /// The date the membership was last checked against the source.
    pub as_of: String,
    /// Caveats about the definition.
    #[serde(default)]
    pub notes: String,
    /// `members` as a set of bits indexed by [`country_bit`] (membership is asked for every
    /// candidate a match query looks at).
    #[serde(skip)]
    member_bits: [u64; 11],
}

/// A bit number for each two-letter code (26 × 26 < 11 × 64).
fn country_bit(code: [u8; 2]) -> Option<usize> {
    let [a, b] = code;
    (a.is_ascii_uppercase() && b.is_ascii_uppercase()).then(|| usize::from(a - b'A') * 26 + usize::from(b - b'A'))
}

impl Grouping {
    /// The grouping's name in a locale, falling back to English.
    pub fn name(&self, locale: Locale) -> &str {
        self.names
            .get(locale.tag())
            .or_else(|| self.names.get("en"))
            .map(String::as_str)
            .unwrap_or(self.code.as_str())
    }

    /// Whether a country belongs to the grouping.
    pub fn contains(&self, country: CountryCode) -> bool {
        country_bit(country.0).is_some_and(|bit| self.member_bits[bit / 64] & (1 << (bit % 64)) != 0)
    }
}

/// All reference tables, loaded once.
pub struct Reference {
    countries: Vec<Country>,
    country_idx: HashMap<[u8; 2], usize>,
    regions: Vec<Region>,
    groupings: Vec<Grouping>,
    languages: BTreeMap<String, Names>,
    sectors: HashMap<&'static str, Names>,
    groups_of_country: HashMap<[u8; 2], Vec<usize>>,
    grouping_idx: HashMap<String, usize>,
}

static REFERENCE: LazyLock<Reference> = LazyLock::new(Reference::load);

/// The compiled-in reference data.
pub fn reference() -> &'static Reference {
    &REFERENCE
}

fn tsv_rows(text: &'static str) -> impl Iterator<Item = Vec<&'static str>> {
    text.lines().skip(1).filter(|l| !l.trim().is_empty()).map(|l| l.split('\t').collect())
}

fn names_at(row: &[&str], start: usize) -> Names {
    let cell = |i: usize| row.get(i).copied().unwrap_or("").to_owned();
    Names { en: cell(start), zh_hans: cell(start + 1), zh_hant: cell(start + 2) }
}

impl Reference {
    #[allow(clippy::expect_used)] // The data files are compiled in and checked by unit tests.
    fn load() -> Self {
        let mut countries = Vec::new();
        let mut country_idx = HashMap::new();
        for row in tsv_rows(COUNTRIES_TSV) {
            let bytes = row[0].as_bytes();
            if bytes.len() != 2 {
                continue;
            }
            let code = CountryCode([bytes[0], bytes[1]]);
            country_idx.insert(code.0, countries.len());
            countries.push(Country {
                code,
                alpha3: row.get(1).copied().unwrap_or("").to_owned(),
                m49: row.get(2).copied().unwrap_or("").to_owned(),
                region: row.get(3).copied().unwrap_or("").to_owned(),
                subregion: row.get(4).copied().unwrap_or("").to_owned(),
                intermediate: row.get(5).copied().unwrap_or("").to_owned(),
                names: names_at(&row, 6),
            });
        }
        let regions = tsv_rows(REGIONS_TSV)
            .map(|row| Region {
                code: row[0].to_owned(),
                level: row.get(1).copied().unwrap_or("").to_owned(),
                parent: row.get(2).copied().unwrap_or("").to_owned(),
                names: names_at(&row, 3),
            })
            .collect();
        let languages = tsv_rows(LANGUAGES_TSV).map(|row| (row[0].to_owned(), names_at(&row, 1))).collect();
        let mut sectors = HashMap::new();
        for row in tsv_rows(SECTORS_TSV) {
            if let Ok(sector) = Sector::parse(row[0]) {
                sectors.insert(sector.code(), names_at(&row, 1));
            }
        }
        let mut groupings: Vec<Grouping> =
            serde_json::from_str(GROUPINGS_JSON).expect("data/groupings.json is valid");
        let mut groups_of_country: HashMap<[u8; 2], Vec<usize>> = HashMap::new();
        for (idx, group) in groupings.iter_mut().enumerate() {
            for member in &group.members {
                let bytes = member.as_bytes();
                if bytes.len() == 2 {
                    groups_of_country.entry([bytes[0], bytes[1]]).or_default().push(idx);
                    if let Some(bit) = country_bit([bytes[0], bytes[1]]) {
                        group.member_bits[bit / 64] |= 1 << (bit % 64);
                    }
                }
            }
        }
        let grouping_idx = groupings.iter().enumerate().map(|(idx, g)| (g.code.clone(), idx)).collect();
        Reference { countries, country_idx, regions, groupings, languages, sectors, groups_of_country, grouping_idx }
    }

    /// Every country, in code order.
    pub fn countries(&self) -> &[Country] {
        &self.countries
    }

    /// The country with this code.
    pub fn country(&self, code: CountryCode) -> Option<&Country> {
        self.country_idx.get(&code.0).map(|&idx| &self.countries[idx])
    }

    /// Every UN M49 region, sub-region and intermediate region in use.
    pub fn regions(&self) -> &[Region] {
        &self.regions
    }

    /// The region with this M49 code.
    pub fn region(&self, code: &str) -> Option<&Region> {
        self.regions.iter().find(|r| r.code == code)
    }

    /// Every grouping.
    pub fn groupings(&self) -> &[Grouping] {
        &self.groupings
    }

    /// The grouping with this code.
    pub fn grouping(&self, code: &str) -> Option<&Grouping> {
        self.grouping_idx.get(code).map(|&idx| &self.groupings[idx])
    }

    /// The groupings a country belongs to.
    pub fn groupings_of(&self, country: CountryCode) -> impl Iterator<Item = &Grouping> {
        self.groups_of_country
            .get(&country.0)
            .into_iter()
            .flatten()
            .map(|&idx| &self.groupings[idx])
    }

    /// Every language with display names, keyed by BCP-47 tag.
    pub fn languages(&self) -> &BTreeMap<String, Names> {
        &self.languages
    }

    /// The display name of a language tag, trying the tag and then its primary subtag.
    pub fn language_name(&self, tag: &str, locale: Locale) -> Option<&str> {
        self.languages
            .get(tag)
            .or_else(|| tag.split('-').next().and_then(|primary| self.languages.get(primary)))
            .map(|names| names.get(locale))
    }

    /// The label of a sector.
    pub fn sector_label(&self, sector: Sector, locale: Locale) -> &str {
        self.sectors.get(sector.code()).map(|n| n.get(locale)).unwrap_or(sector.code())
    }
}

/// An ISO 3166-1 alpha-2 country code known to the reference data (CN, HK, MO, TW are distinct).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    /// Parses a code; lower case is accepted and upper-cased.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let upper = text.trim().to_ascii_uppercase();
        let bytes = upper.as_bytes();
        if bytes.len() != 2 || !bytes.iter().all(u8::is_ascii_uppercase) {
            return Err(Problem::coded(
                "not-a-country",
                &[("value", text)],
                format!("\"{text}\" is not an ISO 3166-1 alpha-2 country code (two letters, e.g. HK)"),
            ));
        }
        let code = CountryCode([bytes[0], bytes[1]]);
        if reference().country(code).is_none() {
            return Err(Problem::coded("not-a-country", &[("value", text)], format!("\"{text}\" is not an ISO 3166-1 alpha-2 country code")));
        }
        Ok(code)
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        // The bytes are ASCII upper-case letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("??")
    }

    /// The reference entry of the country.
    pub fn country(self) -> Option<&'static Country> {
        reference().country(self)
    }

    /// The UN M49 sub-region (or the region, where there is none).
    pub fn subregion(self) -> &'static str {
        self.country().map(|c| if c.subregion.is_empty() { c.region.as_str() } else { c.subregion.as_str() }).unwrap_or("")
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The code of a grouping known to `data/groupings.json`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupCode(String, usize);

impl GroupCode {
    /// Parses a grouping code.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let code = text.trim().to_ascii_lowercase();
        if let Some(&idx) = reference().grouping_idx.get(&code) {
            Ok(GroupCode(code, idx))
        } else {
            let known: Vec<&str> = reference().groupings().iter().map(|g| g.code.as_str()).collect();
            let known = known.join(", ");
            Err(Problem::coded(
                "not-a-grouping",
                &[("value", text), ("known", &known)],
                format!("\"{text}\" is not a known grouping; expected one of: {known}"),
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The grouping itself.
    /// (A GroupCode is only made by `parse`, which found the grouping and kept its place.)
    pub fn grouping(&self) -> &'static Grouping {
        &reference().groupings[self.1]
    }
}

impl fmt::Display for GroupCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A well-formed BCP-47 language tag whose primary language is a known ISO 639 language,
/// kept in canonical case (`zh-Hant`, `pt-BR`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LangTag(String);

impl LangTag {
    /// Parses and normalises a tag.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        let trimmed = text.trim();
        let tag = language_tags::LanguageTag::parse(trimmed).map_err(|err| {
            Problem::coded("not-a-language", &[("value", text)], format!("\"{text}\" is not a well-formed BCP-47 language tag ({err})"))
        })?;
        let primary = tag.primary_language().to_ascii_lowercase();
        let known = reference().languages.contains_key(&primary) || KNOWN_THREE_LETTER.contains(&primary.as_str());
        if !known {
            return Err(Problem::coded("not-a-language", &[("value", text)], format!("\"{text}\": \"{primary}\" is not a known ISO 639 language")));
        }
        // Canonical case: language lower, script title, region upper.
        let canonical: Vec<String> = trimmed
            .split('-')
            .enumerate()
            .map(|(idx, part)| {
                if idx == 0 {
                    part.to_ascii_lowercase()
                } else if part.len() == 4 && part.chars().all(|c| c.is_ascii_alphabetic()) {
                    let mut s = part.to_ascii_lowercase();
                    s[..1].make_ascii_uppercase();
                    s
                } else if part.len() == 2 && part.chars().all(|c| c.is_ascii_alphabetic()) {
                    part.to_ascii_uppercase()
                } else {
                    part.to_ascii_lowercase()
                }
            })
            .collect();
        Ok(LangTag(canonical.join("-")))
    }

    /// The tag as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The primary language subtag (`zh` for `zh-Hant`).
    pub fn primary(&self) -> &str {
        self.0.split('-').next().unwrap_or(&self.0)
    }
}

impl fmt::Display for LangTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Three-letter ISO 639 codes that have no two-letter code but appear in the hub's regions.
const KNOWN_THREE_LETTER: &[&str] = &["fil", "yue", "haw", "ceb", "hmn", "nan", "hak", "wuu", "sgn", "und", "mul"];

/// Countries in a grouping, or an empty set for an unknown code.
pub fn members(group: &str) -> BTreeSet<CountryCode> {
    reference()
        .grouping(group)
        .map(|g| g.members.iter().filter_map(|m| CountryCode::parse(m).ok()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn china_hong_kong_macao_and_taiwan_are_separate_codes_with_regions() {
        for code in ["CN", "HK", "MO", "TW"] {
            let cc = CountryCode::parse(code).unwrap();
            let country = cc.country().unwrap();
            assert_eq!(country.subregion, "030", "{code} is in Eastern Asia");
            assert!(!country.names.zh_hans.is_empty(), "{code} has a Chinese name");
            assert!(!country.names.zh_hant.is_empty(), "{code} has a Traditional Chinese name");
        }
        assert_ne!(CountryCode::parse("HK"), CountryCode::parse("CN"));
    }

    #[test]
    fn country_codes_are_checked_against_iso_3166() {
        assert_eq!(CountryCode::parse("vn").unwrap().as_str(), "VN");
        assert!(CountryCode::parse("XX").unwrap_err().text.contains("not an ISO 3166-1 alpha-2"));
        assert!(CountryCode::parse("VNM").is_err());
        assert!(reference().countries().len() >= 240);
    }

    #[test]
    fn every_required_grouping_exists_with_source_and_valid_members() {
        let required = [
            "asean", "gcc", "eu", "rcep", "cptpp", "brics", "bri", "mainland_china", "greater_bay_area",
            "middle_east", "africa", "latin_america", "central_asia", "south_asia",
        ];
        for code in required {
            let group = reference().grouping(code).unwrap_or_else(|| panic!("grouping {code} missing"));
            assert!(group.source.starts_with("https://"), "{code} cites an official source");
            assert!(parse_date_ok(&group.as_of), "{code} has an as_of date");
            assert!(!group.members.is_empty(), "{code} has members");
            for member in &group.members {
                assert!(CountryCode::parse(member).is_ok(), "{code} member {member} is a country");
            }
            // The membership bits agree with the member list, for every country.
            for country in reference().countries() {
                let listed = group.members.iter().any(|m| m == country.code.as_str());
                assert_eq!(group.contains(country.code), listed, "{} in {}", country.code.as_str(), group.code);
            }
        }
        assert!(members("gcc").contains(&CountryCode::parse("SA").unwrap()));
        assert!(members("asean").contains(&CountryCode::parse("VN").unwrap()));
        assert_eq!(members("eu").len(), 27);
    }

    fn parse_date_ok(text: &str) -> bool {
        crate::parse_date(text).is_ok()
    }

    #[test]
    fn language_tags_are_normalised_and_checked() {
        assert_eq!(LangTag::parse("zh-hant").unwrap().as_str(), "zh-Hant");
        assert_eq!(LangTag::parse("PT-br").unwrap().as_str(), "pt-BR");
        assert_eq!(LangTag::parse("ms").unwrap().primary(), "ms");
        assert!(LangTag::parse("zz").unwrap_err().text.contains("not a known ISO 639 language"));
        assert!(LangTag::parse("en--x").unwrap_err().text.contains("well-formed"));
    }

    #[test]
    fn every_sector_has_labels_in_english_and_chinese() {
        for sector in Sector::ALL {
            let en = reference().sector_label(*sector, Locale::En);
            let zh = reference().sector_label(*sector, Locale::ZhHans);
            assert_ne!(en, sector.code(), "{sector} has an English label");
            assert!(zh.chars().any(|c| c as u32 > 0x2E80), "{sector} has a Chinese label, got {zh}");
        }
    }

    #[test]
    fn names_follow_the_locale() {
        let hk = CountryCode::parse("HK").unwrap().country().unwrap();
        assert!(hk.names.get(Locale::En).contains("Hong Kong"));
        assert!(hk.names.get(Locale::ZhHant).contains('香'));
        assert_eq!(Locale::for_tag("zh-TW"), Locale::ZhHant);
        assert_eq!(Locale::for_tag("zh-CN"), Locale::ZhHans);
        assert_eq!(Locale::for_tag("ar"), Locale::En);
    }
}
