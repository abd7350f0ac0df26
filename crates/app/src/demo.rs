//! `bridgehub demo`: a realistic, seeded hub. Real universities (Hipo
//! university-domains-list, MIT), a multilingual corpus of fictional organizations and
//! listings (see `data/demo/SOURCE.md`), and organizations, people and ties generated
//! here from the seed in every UN M49 region.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use bridgehub_domain::{
    parse_date, reference, Contact, CountryCode, EntityId, LangTag, OrgKind, Organization, Person, Sector, Tie,
    TieKind,
};
use bridgehub_exchange::{read_jsonl, ParseOutcome, Parsed, ReadReport, SourcedRecord};
use serde_json::Value;

use crate::{AppError, AppResult, Hub, ImportOptions, ImportReport, Progress};

const UNIVERSITIES: &str = include_str!("../../../data/demo/world_universities_and_domains.json");
const CORPUS: &str = include_str!("../../../data/demo/listings-corpus.jsonl");

/// How big a demo to build.
#[derive(Debug, Clone, Copy)]
pub struct DemoOptions {
    /// Seed of everything generated here.
    pub seed: u64,
    /// People to generate.
    pub people: usize,
}

impl Default for DemoOptions {
    fn default() -> Self {
        DemoOptions { seed: 42, people: 3_000 }
    }
}

/// What the demo build did.
#[derive(Debug, Clone)]
pub struct DemoReport {
    /// The import of everything.
    pub import: ImportReport,
    /// Real universities.
    pub universities: usize,
    /// Organizations generated per region.
    pub generated_organizations: usize,
    /// Organizations and listings from the multilingual corpus.
    pub corpus_records: usize,
    /// People generated.
    pub people: usize,
    /// Ties generated.
    pub ties: usize,
    /// Meeting requests of the demo event (0 when an earlier run made it).
    pub event_requests: usize,
    /// Meetings its scheduler run placed.
    pub event_meetings: usize,
    /// Wall time.
    pub elapsed: Duration,
}

fn sourced(file: &str, line: usize, record: Parsed) -> SourcedRecord {
    SourcedRecord { file: file.into(), line: line as u64 + 1, outcome: ParseOutcome { record, warnings: Vec::new() } }
}

fn id(text: &str) -> AppResult<EntityId> {
    EntityId::parse(text).map_err(|e| AppError::Io(format!("demo id {text}: {e}")))
}

/// A language tag from this file's constants (all in the compiled-in table).
fn lang(tag: &str) -> Option<LangTag> {
    LangTag::parse(tag).ok()
}

/// The main working languages of a country, for generated records (English is always added).
fn home_languages(country: &str) -> &'static [&'static str] {
    match country {
        "CN" | "SG" => &["zh-Hans"],
        "TW" | "HK" | "MO" => &["zh-Hant"],
        "MY" | "BN" => &["ms"],
        "ID" => &["id"],
        "TH" => &["th"],
        "VN" => &["vi"],
        "JP" => &["ja"],
        "KR" => &["ko"],
        "FR" | "SN" | "CI" | "CM" | "BE" | "MA" | "DZ" | "TN" | "CD" => &["fr"],
        "ES" | "MX" | "AR" | "CO" | "CL" | "PE" | "EC" | "UY" | "PY" | "BO" | "VE" | "CU" | "PA" | "CR" | "GT" | "DO" => &["es"],
        "BR" | "PT" | "AO" | "MZ" => &["pt"],
        "DE" | "AT" => &["de"],
        "RU" | "KZ" | "KG" | "BY" => &["ru"],
        "AE" | "SA" | "QA" | "KW" | "BH" | "OM" | "EG" | "JO" | "LB" | "IQ" | "SY" | "YE" | "LY" | "SD" => &["ar"],
        "TR" => &["tr"],
        "IN" => &["hi"],
        _ => &[],
    }
}

fn languages_for(country: &str) -> Vec<LangTag> {
    let mut tags: Vec<LangTag> = home_languages(country).iter().filter_map(|t| lang(t)).collect();
    tags.extend(lang("en"));
    tags.dedup();
    tags
}

fn slug(text: &str) -> String {
    let mut out = String::new();
    for ch in text.chars().flat_map(char::to_lowercase) {
        if ch.is_ascii_alphanumeric() {
            out.push(ch);
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    out.trim_end_matches('-').chars().take(60).collect()
}

fn universities(rng: &mut fastrand::Rng) -> AppResult<Vec<Organization>> {
    let entries: Vec<Value> = serde_json::from_str(UNIVERSITIES).map_err(|e| AppError::Io(format!("universities file: {e}")))?;
    let mut used = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let name = entry.get("name").and_then(Value::as_str).unwrap_or("").trim();
        let code = entry.get("alpha_two_code").and_then(Value::as_str).unwrap_or("");
        let Ok(country) = CountryCode::parse(code) else { continue };
        if name.is_empty() {
            continue;
        }
        let domain = entry.get("domains").and_then(|d| d.get(0)).and_then(Value::as_str).unwrap_or("");
        let base = if domain.is_empty() { slug(name) } else { domain.to_ascii_lowercase() };
        let mut key = format!("uni-{}", base.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '.' || *c == '-').collect::<String>());
        let mut n = 2;
        while !used.insert(key.clone()) {
            key = format!("uni-{base}-{n}");
            n += 1;
        }
        let website = entry
            .get("web_pages")
            .and_then(|w| w.get(0))
            .and_then(Value::as_str)
            .filter(|w| w.starts_with("http://") || w.starts_with("https://"))
            .map(|w| w.to_owned());
        let mail_domain = format!("{}.example", base.replace('.', "-"));
        let city = entry.get("state-province").and_then(Value::as_str).map(str::to_owned);
        let mut sectors = vec![Sector::Education, Sector::Research];
        if rng.u8(..10) < 3 {
            sectors.push(*rng.choice(Sector::ALL).unwrap_or(&Sector::Technology));
            sectors.dedup();
        }
        out.push(Organization {
            id: id(&key)?,
            name: name.chars().take(bridgehub_domain::MAX_NAME_LEN).collect(),
            names: BTreeMap::new(),
            kind: OrgKind::University,
            country,
            city,
            sectors,
            languages: languages_for(country.as_str()),
            description: Some(format!(
                "{name} is a university in {}; its international office looks for exchange and research partners.",
                country.country().map(|c| c.names.en.as_str()).unwrap_or(code)
            )),
            website,
            contact: Contact {
                email: Some(format!("international@{mail_domain}")),
                phone: Some(format!("+{} {:03} {:04}", 1 + rng.u16(..98), rng.u16(..1000), rng.u16(..10_000))),
            },
            verified: rng.u8(..10) < 4,
        });
    }
    Ok(out)
}

struct KindTemplate {
    kind: OrgKind,
    en: &'static str,
    zh: &'static str,
    sectors: &'static [Sector],
}

const GENERATED_KINDS: &[KindTemplate] = &[
    KindTemplate { kind: OrgKind::Chamber, en: "{} Chamber of Commerce and Industry", zh: "{}工商会", sectors: &[Sector::Trade, Sector::ProfessionalServices] },
    KindTemplate { kind: OrgKind::GovernmentAgency, en: "{} Investment and Trade Promotion Agency", zh: "{}投资贸易促进局", sectors: &[Sector::Trade, Sector::Finance] },
    KindTemplate { kind: OrgKind::ThinkTank, en: "{} Institute for International Cooperation", zh: "{}国际合作研究所", sectors: &[Sector::Research, Sector::PublicWelfare] },
    KindTemplate { kind: OrgKind::Ngo, en: "{} Development Foundation", zh: "{}发展基金会", sectors: &[Sector::PublicWelfare, Sector::Health] },
    KindTemplate { kind: OrgKind::Investor, en: "{} Growth Capital Partners", zh: "{}成长资本", sectors: &[Sector::AssetManagement, Sector::Finance] },
    KindTemplate { kind: OrgKind::Enterprise, en: "{} Logistics Group", zh: "{}物流集团", sectors: &[Sector::Logistics, Sector::Shipping] },
    KindTemplate { kind: OrgKind::Enterprise, en: "{} Agrifood Exporters", zh: "{}农产品出口公司", sectors: &[Sector::Agrifood, Sector::Trade] },
    KindTemplate { kind: OrgKind::ProfessionalBody, en: "{} Association of Engineers", zh: "{}工程师协会", sectors: &[Sector::Infrastructure, Sector::EnergyEnvironment] },
    KindTemplate { kind: OrgKind::ResearchInstitute, en: "{} Institute of Technology Research", zh: "{}技术研究院", sectors: &[Sector::Research, Sector::Technology] },
];

/// A chamber for every country with a region, and a few more bodies of other kinds.
fn generated_organizations(rng: &mut fastrand::Rng) -> AppResult<Vec<Organization>> {
    let mut out = Vec::new();
    for country in reference::reference().countries() {
        if country.region.is_empty() {
            continue;
        }
        let code = country.code.as_str();
        let n_more = 1 + rng.usize(..3);
        let mut picks = vec![0usize];
        for _ in 0..n_more {
            picks.push(1 + rng.usize(..GENERATED_KINDS.len() - 1));
        }
        picks.sort_unstable();
        picks.dedup();
        for pick in picks {
            let template = &GENERATED_KINDS[pick];
            let name = template.en.replace("{}", &country.names.en);
            let zh_name = template.zh.replace("{}", &country.names.zh_hans);
            let key = format!("gen-{}-{}", code.to_ascii_lowercase(), slug(&template.en.replace("{} ", "")));
            let mail = format!("contact@{}-{}.example", code.to_ascii_lowercase(), slug(&template.en.replace("{} ", "")));
            out.push(Organization {
                id: id(&key)?,
                name: name.chars().take(bridgehub_domain::MAX_NAME_LEN).collect(),
                names: lang("zh-Hans").map(|tag| (tag, zh_name)).into_iter().collect(),
                kind: template.kind,
                country: country.code,
                city: None,
                sectors: template.sectors.to_vec(),
                languages: languages_for(code),
                description: Some(format!("{name}: a {} working with partners abroad.", template.kind.code().replace('_', " "))),
                website: None,
                contact: Contact { email: Some(mail), phone: Some(format!("+{} {:04} {:04}", 1 + rng.u16(..98), rng.u16(..10_000), rng.u16(..10_000))) },
                verified: rng.bool(),
            });
        }
    }
    Ok(out)
}

const GIVEN: &[&str] = &[
    "Wei", "Li", "Mei", "Jun", "Aisha", "Omar", "Fatima", "Ahmad", "Siti", "Nur", "Budi", "Dewi", "Somchai", "Malee",
    "Minh", "Lan", "Amina", "Kwame", "Chinedu", "Zanele", "Lucía", "Mateo", "Camila", "João", "Sophie", "Luca", "Anna",
    "James", "Priya", "Arjun", "Yuki", "Hana", "Min-jun", "Ji-woo", "Aigerim", "Timur", "Layla", "Youssef", "Ines", "Karim",
];
const FAMILY: &[&str] = &[
    "Chen", "Wang", "Zhang", "Lim", "Tan", "Al-Rashid", "Haddad", "Abdullah", "Rahman", "Santoso", "Wijaya", "Srisuk",
    "Nguyen", "Tran", "Okafor", "Mensah", "Dlamini", "García", "Fernández", "Silva", "Dubois", "Rossi", "Müller", "Smith",
    "Sharma", "Patel", "Sato", "Kim", "Park", "Nurlanov", "Karimov", "Mansour", "Benali", "Ochieng",
];
const ZH_FAMILY: &[&str] = &["陈", "王", "张", "林", "李", "黄", "吴", "刘"];
const ZH_GIVEN: &[&str] = &["伟", "敏", "静", "军", "丽", "强", "磊", "洋", "艳", "杰"];
const EXPERTISE: &[&str] = &[
    "cold chain logistics", "cross-border e-commerce", "halal certification", "trade finance", "green bonds",
    "technology transfer", "student mobility", "arbitration", "intellectual property licensing", "port operations",
    "renewable energy projects", "public health", "digital payments", "exhibition management", "agritech",
];
const TITLES: &[&str] = &[
    "Director of International Cooperation", "Trade Commissioner", "Head of Partnerships", "Programme Officer",
    "Managing Partner", "Research Fellow", "Business Development Manager", "Dean of International Affairs",
];

fn people(rng: &mut fastrand::Rng, orgs: &[Organization], n: usize) -> AppResult<Vec<Person>> {
    let mut out = Vec::with_capacity(n);
    for idx in 0..n {
        let org = &orgs[rng.usize(..orgs.len())];
        let chinese = matches!(org.country.as_str(), "CN" | "HK" | "MO" | "TW" | "SG") && rng.bool();
        let (name, names) = if chinese {
            let family = rng.choice(ZH_FAMILY).copied().unwrap_or("陈");
            let given = rng.choice(ZH_GIVEN).copied().unwrap_or("伟");
            let roman = format!("{} {}", rng.choice(GIVEN).copied().unwrap_or("Wei"), rng.choice(FAMILY).copied().unwrap_or("Chen"));
            (format!("{family}{given}"), lang("en").map(|tag| (tag, roman)).into_iter().collect())
        } else {
            (format!("{} {}", rng.choice(GIVEN).copied().unwrap_or("Anna"), rng.choice(FAMILY).copied().unwrap_or("Smith")), BTreeMap::new())
        };
        let mut expertise: Vec<String> = (0..1 + rng.usize(..3)).map(|_| rng.choice(EXPERTISE).copied().unwrap_or("trade").to_owned()).collect();
        expertise.sort();
        expertise.dedup();
        out.push(Person {
            id: id(&format!("demo-person-{idx:05}"))?,
            name,
            names,
            affiliation: Some(org.id.clone()),
            title: rng.choice(TITLES).map(|t| (*t).to_owned()),
            country: Some(org.country),
            expertise,
            sectors: org.sectors.iter().take(2).copied().collect(),
            languages: org.languages.clone(),
            bio: None,
            contact: Contact {
                email: Some(format!("person{idx:05}@people.example")),
                phone: Some(format!("+{} {:04} {:04}", 1 + rng.u16(..98), rng.u16(..10_000), rng.u16(..10_000))),
            },
        });
    }
    Ok(out)
}

const TIE_KINDS: &[(TieKind, u32)] = &[
    (TieKind::Met, 40), (TieKind::Introduced, 15), (TieKind::Mou, 12), (TieKind::Partnership, 12),
    (TieKind::CoOrganized, 8), (TieKind::Contract, 8), (TieKind::MemberOf, 5),
];

fn tie_kind(rng: &mut fastrand::Rng) -> TieKind {
    let total: u32 = TIE_KINDS.iter().map(|(_, w)| w).sum();
    let mut pick = rng.u32(..total);
    for (kind, weight) in TIE_KINDS {
        if pick < *weight {
            return *kind;
        }
        pick -= weight;
    }
    TieKind::Met
}

/// Ties between organizations (more within a region than across, as today) and each
/// person's affiliation as a `member_of` tie.
fn ties(rng: &mut fastrand::Rng, orgs: &[Organization], people: &[Person]) -> AppResult<Vec<Tie>> {
    let mut by_region: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (idx, org) in orgs.iter().enumerate() {
        by_region.entry(org.country.country().map(|c| c.region.as_str()).unwrap_or("")).or_default().push(idx);
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (idx, org) in orgs.iter().enumerate() {
        // Most organizations have few ties; a few are hubs.
        let degree = if rng.u8(..100) < 3 { 10 + rng.usize(..20) } else { rng.usize(..3) };
        let region = org.country.country().map(|c| c.region.as_str()).unwrap_or("");
        for _ in 0..degree {
            let other = if rng.u8(..100) < 60 {
                by_region.get(region).and_then(|pool| rng.choice(pool)).copied().unwrap_or(idx)
            } else {
                rng.usize(..orgs.len())
            };
            if other == idx {
                continue;
            }
            let kind = tie_kind(rng);
            let date = parse_date(&format!("{}-{:02}-{:02}", 2012 + rng.u16(..15), 1 + rng.u8(..12), 1 + rng.u8(..28)))
                .map_err(|e| AppError::Io(e.to_string()))?;
            let (from, to) = (org.id.clone(), orgs[other].id.clone());
            if !seen.insert((from.clone(), to.clone(), kind)) {
                continue;
            }
            out.push(Tie {
                id: Tie::derived_id(&from, &to, kind, date).map_err(|e| AppError::Io(e.to_string()))?,
                from,
                to,
                kind,
                date,
                source: Some("demo".into()),
                evidence: None,
            });
        }
    }
    for person in people {
        if let Some(org) = &person.affiliation {
            let date = parse_date(&format!("{}-01-01", 2010 + rng.u16(..16))).map_err(|e| AppError::Io(e.to_string()))?;
            out.push(Tie {
                id: Tie::derived_id(&person.id, org, TieKind::MemberOf, date).map_err(|e| AppError::Io(e.to_string()))?,
                from: person.id.clone(),
                to: org.clone(),
                kind: TieKind::MemberOf,
                date,
                source: Some("demo: affiliation".into()),
                evidence: None,
            });
        }
    }
    Ok(out)
}

/// The demo's matchmaking event (found by this title when the demo is built again).
const DEMO_EVENT_TITLE: &str = "Greater Bay Area – ASEAN Agrifood & Cold Chain Matchmaking 2027";
/// The account that organizes it: nobody knows its password (administrators organize every
/// event anyway).
const DEMO_ORGANIZER: &str = "events-team@demo.bridgehub.invalid";

impl Hub {
    /// The demo's matchmaking event: two days of 20-minute slots in Shenzhen, participants
    /// from the Greater Bay Area and ASEAN in agrifood, logistics, trade and shipping,
    /// meeting requests between them (most accepted), and one scheduler run. Returns the
    /// requests made and the meetings placed; nothing when the event exists already.
    fn demo_event(&self, rng: &mut fastrand::Rng, orgs: &[Organization], progress: &dyn Progress) -> AppResult<(usize, usize)> {
        let mut after: Option<String> = None;
        loop {
            let page = self.list_events(after.as_deref(), Some(200))?;
            if page.iter().any(|e| e.record.title == DEMO_EVENT_TITLE) {
                return Ok((0, 0));
            }
            match page.last() {
                Some(last) if page.len() == 200 => after = Some(last.record.id.clone()),
                _ => break,
            }
        }
        progress.phase("demo event", None);
        let root = crate::Actor::operator();
        let organizer = match self.find_user_by_email(&root, DEMO_ORGANIZER)? {
            Some(user) => user.id,
            None => {
                self.sign_up(&crate::SignUp {
                    email: DEMO_ORGANIZER.into(),
                    password: crate::accounts::random_hex(24)?,
                    display_name: "Bridgehub events team".into(),
                    locale: "en".into(),
                    organization: None,
                })?
                .user_id
            }
        };
        let setup: crate::EventSetup = serde_json::from_value(serde_json::json!({
            "event": {"title": DEMO_EVENT_TITLE, "kind": "brokerage", "venue": "Shenzhen World Exhibition & Convention Center",
                      "city": "Shenzhen", "country": "CN", "time_zone": "Asia/Shanghai",
                      "starts_on": "2027-03-16", "ends_on": "2027-03-17", "status": "open",
                      "description": "One-to-one meetings between importers, distributors, cold-chain and logistics providers of the Greater Bay Area and ASEAN: durian, mangosteen and seafood supply, cold storage, customs and halal certification."},
            "sessions": [
                {"day": "2027-03-16", "part": "am", "starts": "09:00", "ends": "12:00", "slot_minutes": 20},
                {"day": "2027-03-16", "part": "pm", "starts": "14:00", "ends": "17:00", "slot_minutes": 20},
                {"day": "2027-03-17", "part": "am", "starts": "09:00", "ends": "12:00", "slot_minutes": 20}],
            "tables": (1..=12).map(|n| serde_json::json!({"name": format!("Table {n}")})).collect::<Vec<_>>(),
            "rules": {"cross_country_only": true, "max_meetings": 8}
        }))
        .map_err(|e| AppError::Io(format!("demo event setup: {e}")))?;
        let organizer_actor = crate::Actor { user_id: organizer, organizations: Vec::new(), is_admin: false };
        let details = self.create_event_with_setup(&organizer_actor, &setup)?;
        let event = details.event.id;
        let slots: Vec<String> = details.slots.into_iter().map(|s| s.id).collect();

        const COUNTRIES: [&str; 12] = ["CN", "HK", "MO", "VN", "TH", "MY", "ID", "PH", "SG", "KH", "LA", "MM"];
        const SECTORS: [&str; 4] = ["agrifood", "logistics", "trade", "shipping"];
        let mut candidates: Vec<&Organization> = orgs
            .iter()
            .filter(|o| COUNTRIES.contains(&o.country.as_str()))
            .filter(|o| o.sectors.iter().any(|s| SECTORS.contains(&s.code())))
            .collect();
        candidates.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
        rng.shuffle(&mut candidates);
        candidates.truncate(90);
        for org in &candidates {
            self.register_for_event(&root, &event, &crate::RegistrationInput { party: org.id.to_string(), unavailable: Vec::new() })?;
            // About one participant in eight is busy for three slots in a row (a talk, a site
            // visit; across the lunch break when they fall there) and says so, as
            // participants do on their agenda.
            if rng.u8(..8) == 0 && slots.len() >= 3 {
                let first = rng.usize(..slots.len() - 2);
                self.set_availability(&root, &event, org.id.as_str(), &slots[first..first + 3])?;
            }
        }
        let mut requests = 0;
        let mut pairs = std::collections::BTreeSet::new();
        for _ in 0..600 {
            if requests == 240 || candidates.len() < 2 {
                break;
            }
            let (a, b) = (candidates[rng.usize(..candidates.len())], candidates[rng.usize(..candidates.len())]);
            if a.country == b.country || !pairs.insert((a.id.as_str().min(b.id.as_str()), a.id.as_str().max(b.id.as_str()))) {
                continue;
            }
            let priority = [crate::Priority::Must, crate::Priority::Should, crate::Priority::Should, crate::Priority::Nice][rng.usize(..4)];
            let input = crate::MeetingRequestInput {
                from: a.id.to_string(),
                to: b.id.to_string(),
                priority: Some(priority),
                note: String::new(),
            };
            let request = self.request_meeting(&root, &event, &input)?;
            requests += 1;
            let answer = match rng.u8(..10) {
                0 => crate::RequestAnswer::Decline,
                1 => continue,
                _ => crate::RequestAnswer::Accept,
            };
            self.answer_meeting_request(&root, &event, &request.id, answer)?;
        }
        progress.finish();
        progress.phase("demo event: scheduling the meetings", None);
        let options = crate::ScheduleOptions { mode: crate::ScheduleMode::MaxWeight, time_limit_secs: Some(3), seed: None, max_iterations: None };
        let job = self.schedule_event(&root, &event, &options)?;
        // Jobs run oldest first: a database that had others queued runs those too.
        while self.schedule_job(&root, &event, job)?.status == "queued" && self.run_jobs_once("demo")?.is_some() {}
        progress.finish();
        let meetings = self
            .event_meetings(&root, &event)?
            .iter()
            .filter(|m| m.status == crate::MeetingStatus::Confirmed)
            .count();
        Ok((requests, meetings))
    }

    /// Builds the demo hub into this store (upserting, so it can be re-run).
    pub fn build_demo(&self, options: DemoOptions, progress: &dyn Progress) -> AppResult<DemoReport> {
        let started = Instant::now();
        let mut rng = fastrand::Rng::with_seed(options.seed);
        progress.phase("generating demo data", None);
        let mut read = ReadReport::default();
        read_jsonl("demo:listings-corpus.jsonl", CORPUS.as_bytes(), &mut read, &mut |_| {})
            .map_err(|e| AppError::Io(format!("demo corpus: {e}")))?;
        if !read.errors.is_empty() {
            return Err(AppError::ImportRejected { bad_lines: read.bad_lines, errors: read.errors });
        }
        let corpus_records = read.records.len();
        let mut orgs: Vec<Organization> = read
            .records
            .iter()
            .filter_map(|r| match &r.outcome.record {
                Parsed::Organization(o) => Some(o.clone()),
                _ => None,
            })
            .collect();
        let universities = universities(&mut rng)?;
        let generated = generated_organizations(&mut rng)?;
        let n_universities = universities.len();
        let n_generated = generated.len();
        orgs.extend(universities.iter().cloned());
        orgs.extend(generated.iter().cloned());
        let people = people(&mut rng, &orgs, options.people)?;
        let ties = ties(&mut rng, &orgs, &people)?;
        let n_people = people.len();
        let n_ties = ties.len();
        let records = &mut read.records;
        records.extend(universities.into_iter().enumerate().map(|(i, o)| sourced("demo:universities", i, Parsed::Organization(o))));
        records.extend(generated.into_iter().enumerate().map(|(i, o)| sourced("demo:generated", i, Parsed::Organization(o))));
        records.extend(people.into_iter().enumerate().map(|(i, p)| sourced("demo:people", i, Parsed::Person(p))));
        records.extend(ties.into_iter().enumerate().map(|(i, t)| sourced("demo:ties", i, Parsed::Tie(t))));
        progress.finish();
        let import = self.import_records(read, ImportOptions::default(), started, progress)?;
        let (event_requests, event_meetings) = self.demo_event(&mut rng, &orgs, progress)?;
        Ok(DemoReport {
            import,
            event_requests,
            event_meetings,
            universities: n_universities,
            generated_organizations: n_generated,
            corpus_records,
            people: n_people,
            ties: n_ties,
            elapsed: started.elapsed(),
        })
    }
}
