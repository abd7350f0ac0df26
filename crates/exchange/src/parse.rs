//! Reading records: a JSON object in, a checked domain record out, or every problem
//! with the field it concerns. The API's request bodies use the same functions.

use std::collections::BTreeMap;

use bridgehub_domain::{
    parse_date, text, Category, Contact, CountryCode, Direction, EntityId, GroupCode, LangTag,
    Listing, ListingStatus, OrgKind, Organization, Person, Problem, Problems, Sector, Tie, TieKind,
    MAX_BODY_LEN, MAX_NAME_LEN, MAX_TEXT_LEN,
};
use serde_json::{Map, Value};

/// A record read from the exchange format, checked and typed.
#[derive(Debug, Clone, PartialEq)]
pub enum Parsed {
    /// An organization.
    Organization(Organization),
    /// A person.
    Person(Person),
    /// A listing.
    Listing(Listing),
    /// A tie.
    Tie(Tie),
}

impl Parsed {
    /// The record's external key.
    pub fn id(&self) -> &EntityId {
        match self {
            Parsed::Organization(r) => &r.id,
            Parsed::Person(r) => &r.id,
            Parsed::Listing(r) => &r.id,
            Parsed::Tie(r) => &r.id,
        }
    }

    /// The record's `type`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Parsed::Organization(_) => "organization",
            Parsed::Person(_) => "person",
            Parsed::Listing(_) => "listing",
            Parsed::Tie(_) => "tie",
        }
    }
}

/// The outcome of reading one record: the record and non-fatal warnings (unknown fields).
#[derive(Debug, Clone, PartialEq)]
pub struct ParseOutcome {
    /// The record.
    pub record: Parsed,
    /// Fields that were present but are not part of the format; they are ignored.
    pub warnings: Vec<String>,
}

const ORG_FIELDS: &[&str] = &[
    "type", "id", "name", "names", "kind", "country", "city", "sectors", "languages", "description",
    "website", "contact", "verified",
];
const PERSON_FIELDS: &[&str] = &[
    "type", "id", "name", "names", "affiliation", "title", "country", "expertise", "sectors", "languages",
    "bio", "contact",
];
const LISTING_FIELDS: &[&str] = &[
    "type", "id", "owner", "direction", "category", "title", "body", "language", "sectors",
    "target_countries", "target_groups", "expires", "status",
];
const TIE_FIELDS: &[&str] = &["type", "id", "from", "to", "kind", "date", "source", "evidence"];

/// Reads any record from a JSON object with a `"type"`.
pub fn parse_record(value: &Value) -> Result<ParseOutcome, Problems> {
    let Some(map) = value.as_object() else {
        let mut problems = Problems::default();
        problems.push("(record)", format!("must be a JSON object, got {}", type_name(value)));
        return Err(problems);
    };
    match map.get("type") {
        Some(Value::String(t)) if t == "organization" => parse_organization(map, None),
        Some(Value::String(t)) if t == "person" => parse_person(map, None),
        Some(Value::String(t)) if t == "listing" => parse_listing(map, None),
        Some(Value::String(t)) if t == "tie" => parse_tie(map),
        Some(Value::String(t)) => Err(single("type", format!(
            "\"{t}\" is not a record type; expected one of: organization, person, listing, tie"
        ))),
        Some(other) => Err(single("type", format!("must be a string, got {}", type_name(other)))),
        None => Err(single("type", "is required (organization, person, listing or tie)")),
    }
}

fn single(field: &str, problem: impl Into<Problem>) -> Problems {
    let mut problems = Problems::default();
    problems.push(field, problem);
    problems
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Field access that records what is wrong under the field's name.
struct Fields<'a> {
    map: &'a Map<String, Value>,
    problems: Problems,
}

impl<'a> Fields<'a> {
    fn new(map: &'a Map<String, Value>) -> Self {
        Fields { map, problems: Problems::default() }
    }

    fn warnings(&self, known: &[&str]) -> Vec<String> {
        self.map
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|k| format!("{k}: unknown field, ignored"))
            .collect()
    }

    /// A string field; `None` when absent or null.
    fn opt_str(&mut self, key: &str) -> Option<&'a str> {
        match self.map.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.as_str()),
            Some(other) => {
                self.problems.push(key, format!("must be a string, got {}", type_name(other)));
                None
            }
        }
    }

    fn req_str(&mut self, key: &str) -> Option<&'a str> {
        let present = matches!(self.map.get(key), Some(v) if !v.is_null());
        let value = self.opt_str(key);
        if !present {
            self.problems.push(key, text::missing());
        }
        value
    }

    fn required_text(&mut self, key: &str, max: usize) -> Option<String> {
        let value = self.req_str(key)?;
        self.problems.take(key, text::required(value, max))
    }

    fn optional_text(&mut self, key: &str, max: usize) -> Option<String> {
        let value = self.opt_str(key);
        self.problems.take(key, text::optional(value, max)).flatten()
    }

    /// A list of strings; absent or null is empty; each bad item is reported as `key[i]`.
    fn str_list(&mut self, key: &str) -> Vec<(String, &'a str)> {
        match self.map.get(key) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => {
                let mut out = Vec::with_capacity(items.len());
                for (idx, item) in items.iter().enumerate() {
                    match item {
                        Value::String(s) => out.push((format!("{key}[{idx}]"), s.as_str())),
                        other => self.problems.push(format!("{key}[{idx}]"), format!("must be a string, got {}", type_name(other))),
                    }
                }
                out
            }
            Some(other) => {
                self.problems.push(key, format!("must be a list of strings, got {}", type_name(other)));
                Vec::new()
            }
        }
    }

    fn parsed_list<T: PartialEq, E: Into<Problem>>(&mut self, key: &str, parse: impl Fn(&str) -> Result<T, E>) -> Vec<T> {
        let mut out: Vec<T> = Vec::new();
        for (field, item) in self.str_list(key) {
            if let Some(value) = self.problems.take(&field, parse(item))
                && !out.contains(&value) {
                    out.push(value);
                }
        }
        out
    }

    fn names(&mut self, key: &str) -> BTreeMap<LangTag, String> {
        let mut out = BTreeMap::new();
        match self.map.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Object(entries)) => {
                for (lang, name) in entries {
                    let field = format!("{key}.{lang}");
                    let tag = self.problems.take(&field, LangTag::parse(lang));
                    let name = match name {
                        Value::String(s) => self.problems.take(&field, text::required(s, MAX_NAME_LEN)),
                        other => {
                            self.problems.push(&field, format!("must be a string, got {}", type_name(other)));
                            None
                        }
                    };
                    if let (Some(tag), Some(name)) = (tag, name) {
                        out.insert(tag, name);
                    }
                }
            }
            Some(other) => self.problems.push(key, format!("must be an object of language tag to name, got {}", type_name(other))),
        }
        out
    }

    fn contact(&mut self) -> Contact {
        let mut contact = Contact::default();
        match self.map.get("contact") {
            None | Some(Value::Null) => {}
            Some(Value::Object(entries)) => {
                for (key, value) in entries {
                    let field = format!("contact.{key}");
                    let text_value = match value {
                        Value::Null => continue,
                        Value::String(s) if s.trim().is_empty() => continue,
                        Value::String(s) => s.as_str(),
                        other => {
                            self.problems.push(&field, format!("must be a string, got {}", type_name(other)));
                            continue;
                        }
                    };
                    match key.as_str() {
                        "email" => contact.email = self.problems.take(&field, text::email(text_value)),
                        "phone" => contact.phone = self.problems.take(&field, text::phone(text_value)),
                        _ => self.problems.push(&field, "unknown contact field; expected email or phone"),
                    }
                }
            }
            Some(other) => self.problems.push("contact", format!("must be an object with email and phone, got {}", type_name(other))),
        }
        contact
    }

    fn id(&mut self, key: &str, rule: Option<&EntityId>) -> Option<EntityId> {
        match (self.opt_str(key), rule) {
            (Some(text), _) => self.problems.take(key, EntityId::parse(text)),
            (None, Some(default)) if !self.map.contains_key(key) || self.map.get(key).is_some_and(Value::is_null) => {
                Some(default.clone())
            }
            (None, _) => {
                if self.map.get(key).is_none_or(|v| v.is_null()) {
                    self.problems.push(key, text::missing());
                }
                None
            }
        }
    }

    fn bool_opt(&mut self, key: &str) -> bool {
        match self.map.get(key) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                self.problems.push(key, format!("must be true or false, got {}", type_name(other)));
                false
            }
        }
    }

    fn parsed<T, E: Into<Problem>>(&mut self, key: &str, required: bool, parse: impl Fn(&str) -> Result<T, E>) -> Option<T> {
        let value = if required { self.req_str(key) } else { self.opt_str(key) };
        let text_value = value?;
        self.problems.take(key, parse(text_value))
    }
}

/// Reads an organization. `default_id` fills a missing `id` (API create); `None` requires it.
pub fn parse_organization(map: &Map<String, Value>, default_id: Option<&EntityId>) -> Result<ParseOutcome, Problems> {
    organization(map, default_id).map(|(org, warnings)| ParseOutcome { record: Parsed::Organization(org), warnings })
}

/// Reads an organization, typed; with the warnings.
pub fn organization(map: &Map<String, Value>, default_id: Option<&EntityId>) -> Result<(Organization, Vec<String>), Problems> {
    let mut f = Fields::new(map);
    let id = f.id("id", default_id);
    let name = f.required_text("name", MAX_NAME_LEN);
    let names = f.names("names");
    let kind = f.parsed("kind", true, OrgKind::parse);
    let country = f.parsed("country", true, CountryCode::parse);
    let city = f.optional_text("city", MAX_TEXT_LEN);
    let sectors = f.parsed_list("sectors", Sector::parse);
    let languages = f.parsed_list("languages", LangTag::parse);
    let description = f.optional_text("description", MAX_BODY_LEN);
    let website = f.parsed("website", false, |s| if s.trim().is_empty() { Ok(None) } else { text::url(s).map(Some) }).flatten();
    let contact = f.contact();
    let verified = f.bool_opt("verified");
    let warnings = f.warnings(ORG_FIELDS);
    match (f.problems.is_empty(), id, name, kind, country) {
        (true, Some(id), Some(name), Some(kind), Some(country)) => Ok((
            Organization { id, name, names, kind, country, city, sectors, languages, description, website, contact, verified },
            warnings,
        )),
        _ => Err(f.problems),
    }
}

/// Reads a person.
pub fn parse_person(map: &Map<String, Value>, default_id: Option<&EntityId>) -> Result<ParseOutcome, Problems> {
    let mut f = Fields::new(map);
    let id = f.id("id", default_id);
    let name = f.required_text("name", MAX_NAME_LEN);
    let names = f.names("names");
    let affiliation = f.parsed("affiliation", false, EntityId::parse);
    let title = f.optional_text("title", MAX_TEXT_LEN);
    let country = f.parsed("country", false, CountryCode::parse);
    let expertise = f.parsed_list("expertise", |s| text::required(s, MAX_NAME_LEN));
    let sectors = f.parsed_list("sectors", Sector::parse);
    let languages = f.parsed_list("languages", LangTag::parse);
    let bio = f.optional_text("bio", MAX_BODY_LEN);
    let contact = f.contact();
    let warnings = f.warnings(PERSON_FIELDS);
    match (f.problems.is_empty(), id, name) {
        (true, Some(id), Some(name)) => Ok(ParseOutcome {
            record: Parsed::Person(Person {
                id, name, names, affiliation, title, country, expertise, sectors, languages, bio, contact,
            }),
            warnings,
        }),
        _ => Err(f.problems),
    }
}

/// Reads a listing.
pub fn parse_listing(map: &Map<String, Value>, default_id: Option<&EntityId>) -> Result<ParseOutcome, Problems> {
    listing(map, default_id).map(|(listing, warnings)| ParseOutcome { record: Parsed::Listing(listing), warnings })
}

/// Reads a listing, typed; with the warnings.
pub fn listing(map: &Map<String, Value>, default_id: Option<&EntityId>) -> Result<(Listing, Vec<String>), Problems> {
    let mut f = Fields::new(map);
    let id = f.id("id", default_id);
    let owner = f.parsed("owner", true, EntityId::parse);
    let direction = f.parsed("direction", true, Direction::parse);
    let category = f.parsed("category", true, Category::parse);
    let title = f.required_text("title", MAX_NAME_LEN);
    let body = f.required_text("body", MAX_BODY_LEN);
    let language = f.parsed("language", true, LangTag::parse);
    let sectors = f.parsed_list("sectors", Sector::parse);
    let target_countries = f.parsed_list("target_countries", CountryCode::parse);
    let target_groups = f.parsed_list("target_groups", GroupCode::parse);
    let expires = f.parsed("expires", false, parse_date);
    let status = f.parsed("status", false, ListingStatus::parse).unwrap_or(ListingStatus::Active);
    let warnings = f.warnings(LISTING_FIELDS);
    match (f.problems.is_empty(), id, owner, direction, category, title, body, language) {
        (true, Some(id), Some(owner), Some(direction), Some(category), Some(title), Some(body), Some(language)) => {
            Ok((
                Listing {
                    id, owner, direction, category, title, body, language, sectors, target_countries,
                    target_groups, expires, status,
                },
                warnings,
            ))
        }
        _ => Err(f.problems),
    }
}

/// Reads a tie; a missing `id` is derived from its parties, kind and date.
pub fn parse_tie(map: &Map<String, Value>) -> Result<ParseOutcome, Problems> {
    let mut f = Fields::new(map);
    let explicit_id = f.parsed("id", false, EntityId::parse);
    let from = f.parsed("from", true, EntityId::parse);
    let to = f.parsed("to", true, EntityId::parse);
    let kind = f.parsed("kind", true, TieKind::parse);
    let date = f.parsed("date", true, parse_date);
    let source = f.optional_text("source", MAX_TEXT_LEN);
    let evidence = f.optional_text("evidence", MAX_TEXT_LEN);
    if let (Some(from), Some(to)) = (&from, &to)
        && from == to {
            f.problems.push("to", "a tie must join two different parties");
        }
    let warnings = f.warnings(TIE_FIELDS);
    match (f.problems.is_empty(), from, to, kind, date) {
        (true, Some(from), Some(to), Some(kind), Some(date)) => {
            let id = match explicit_id {
                Some(id) => id,
                None => Tie::derived_id(&from, &to, kind, date).map_err(|e| single("id", e))?,
            };
            Ok(ParseOutcome { record: Parsed::Tie(Tie { id, from, to, kind, date, source, evidence }), warnings })
        }
        _ => Err(f.problems),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn problems_of(value: Value) -> Vec<String> {
        parse_record(&value).unwrap_err().0.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_match_dev_organization_parses() {
        let value = json!({"type": "organization", "id": "org-d6ac09762f", "name": "华港争议解决律师事务所",
            "names": {"en": "Huagang Dispute Resolution Solicitors"}, "kind": "enterprise", "country": "HK",
            "city": "Hong Kong", "sectors": ["legal"], "languages": ["zh-Hans", "zh-Hant", "en"],
            "description": "香港律师事务所", "contact": {"email": "arb@huagang-law.example", "phone": "+852 2815 3307"}});
        let outcome = parse_record(&value).unwrap();
        let Parsed::Organization(org) = outcome.record else { panic!("not an organization") };
        assert_eq!(org.country.as_str(), "HK");
        assert_eq!(org.contact.phone.as_deref(), Some("+852 2815 3307"));
        assert!(outcome.warnings.is_empty());
    }

    #[test]
    fn every_bad_field_is_named_with_its_problem() {
        let problems = problems_of(json!({"type": "listing", "id": "l1", "owner": "o1", "direction": "sell",
            "category": "service", "title": "", "body": "b", "language": "en",
            "sectors": ["logistics", "cooking"], "target_countries": ["VN", "XX"], "target_groups": ["asean", "mars"],
            "expires": "2026-13-01"}));
        assert_eq!(problems, vec![
            "direction: \"sell\" is not a known direction; expected one of: offer, seek".to_string(),
            "title: must not be empty".to_string(),
            format!("sectors[1]: {}", Sector::parse("cooking").unwrap_err()),
            "target_countries[1]: \"XX\" is not an ISO 3166-1 alpha-2 country code".to_string(),
            format!("target_groups[1]: {}", GroupCode::parse("mars").unwrap_err()),
            "expires: \"2026-13-01\" is not a valid date of the form YYYY-MM-DD".to_string(),
        ]);
    }

    #[test]
    fn missing_and_mistyped_fields_are_reported() {
        let problems = problems_of(json!({"type": "organization", "name": 5, "kind": "ngo", "sectors": "health"}));
        assert_eq!(problems, vec![
            "id: is required".to_string(),
            "name: must be a string, got a number".to_string(),
            "country: is required".to_string(),
            "sectors: must be a list of strings, got a string".to_string(),
        ]);
        assert_eq!(problems_of(json!({"id": "x"})), vec!["type: is required (organization, person, listing or tie)"]);
        assert_eq!(problems_of(json!([1])), vec!["(record): must be a JSON object, got a list"]);
    }

    #[test]
    fn unknown_fields_are_warnings_not_errors() {
        let outcome = parse_record(&json!({"type": "tie", "from": "a", "to": "b", "kind": "met", "date": "2024-05-01", "weight": 3})).unwrap();
        assert_eq!(outcome.warnings, vec!["weight: unknown field, ignored"]);
        assert_eq!(outcome.record.id().as_str(), "tie:a:b:met:2024-05-01");
    }

    #[test]
    fn a_tie_cannot_join_a_party_to_itself() {
        let problems = problems_of(json!({"type": "tie", "from": "a", "to": "a", "kind": "met", "date": "2024-05-01"}));
        assert_eq!(problems, vec!["to: a tie must join two different parties"]);
    }

    #[test]
    fn api_creates_may_omit_the_id() {
        let map = json!({"name": "Acme", "kind": "enterprise", "country": "SG"});
        let default = EntityId::parse("org-new").unwrap();
        let outcome = parse_organization(map.as_object().unwrap(), Some(&default)).unwrap();
        assert_eq!(outcome.record.id(), &default);
    }
}
