//! Synthetic records for the import benchmark (`bridgehub bench import`): valid
//! exchange-format JSON Lines with realistic field sizes and a fixed mix of types.

use std::io::Write;

use bridgehub_domain::{reference, Category, OrgKind, Sector};
use bridgehub_exchange::{write_jsonl, ContactRecord, ListingRecord, OrganizationRecord, PersonRecord, Record, TieRecord};

/// How many records of each type were generated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GeneratedCounts {
    /// Organizations (20 %).
    pub organizations: u64,
    /// People (10 %).
    pub people: u64,
    /// Listings (40 %).
    pub listings: u64,
    /// Ties (30 %).
    pub ties: u64,
}

const WORDS: &[&str] = &[
    "cold", "chain", "logistics", "partner", "distributor", "investment", "research", "exchange", "programme",
    "halal", "certification", "solar", "port", "warehouse", "durian", "export", "import", "fintech", "university",
    "冷链", "物流", "合作", "投资", "ลงทุน", "โลจิสติกส์", "kerjasama", "pelaburan", "استثمار", "شراكة", "vận chuyển",
];

fn sentence(rng: &mut fastrand::Rng, n_words: usize) -> String {
    (0..n_words).map(|_| *rng.choice(WORDS).unwrap_or(&"trade")).collect::<Vec<_>>().join(" ")
}

/// Writes `n` records: organizations first, then people, listings and ties that refer to them.
pub fn generate_records(n: u64, seed: u64, out: &mut dyn Write) -> std::io::Result<GeneratedCounts> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let countries: Vec<&str> = reference::reference().countries().iter().filter(|c| !c.region.is_empty()).map(|c| c.code.as_str()).collect();
    let n_orgs = (n / 5).max(2);
    let n_people = n / 10;
    let n_ties = n * 3 / 10;
    let n_listings = n.saturating_sub(n_orgs + n_people + n_ties);
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    for idx in 0..n_orgs {
        let country = *rng.choice(&countries).unwrap_or(&"SG");
        let record = OrganizationRecord {
            id: format!("bo-{idx:07}"),
            name: format!("Bench Organization {idx} {}", sentence(&mut rng, 2)),
            names: Default::default(),
            kind: rng.choice(OrgKind::ALL).map(|k| k.code()).unwrap_or("enterprise").into(),
            country: country.into(),
            city: Some("Metropolis".into()),
            sectors: vec![rng.choice(Sector::ALL).map(|s| s.code()).unwrap_or("trade").into()],
            languages: vec!["en".into()],
            description: Some(sentence(&mut rng, 20)),
            website: Some(format!("https://bo-{idx}.example")),
            contact: Some(ContactRecord { email: Some(format!("info@bo-{idx}.example")), phone: Some("+65 6000 0000".into()) }),
            verified: false,
        };
        write_jsonl(&mut out, &Record::Organization(record))?;
    }
    for idx in 0..n_people {
        let record = PersonRecord {
            id: format!("bp-{idx:07}"),
            name: format!("Bench Person {idx}"),
            names: Default::default(),
            affiliation: Some(format!("bo-{:07}", rng.u64(..n_orgs))),
            title: Some("Director".into()),
            country: Some(rng.choice(&countries).copied().unwrap_or("SG").into()),
            expertise: vec![sentence(&mut rng, 2)],
            sectors: vec![],
            languages: vec!["en".into()],
            bio: None,
            contact: Some(ContactRecord { email: Some(format!("p{idx}@bench.example")), phone: None }),
        };
        write_jsonl(&mut out, &Record::Person(record))?;
    }
    for idx in 0..n_listings {
        let record = ListingRecord {
            id: format!("bl-{idx:07}"),
            owner: format!("bo-{:07}", rng.u64(..n_orgs)),
            direction: if rng.bool() { "offer" } else { "seek" }.into(),
            category: rng.choice(Category::ALL).map(|c| c.code()).unwrap_or("other").into(),
            title: sentence(&mut rng, 6),
            body: sentence(&mut rng, 40),
            language: "en".into(),
            sectors: vec![rng.choice(Sector::ALL).map(|s| s.code()).unwrap_or("trade").into()],
            target_countries: if rng.u8(..4) == 0 { vec![rng.choice(&countries).copied().unwrap_or("VN").into()] } else { vec![] },
            target_groups: if rng.u8(..4) == 0 { vec!["asean".into()] } else { vec![] },
            expires: if rng.bool() { Some("2027-06-30".into()) } else { None },
            status: "active".into(),
        };
        write_jsonl(&mut out, &Record::Listing(record))?;
    }
    for idx in 0..n_ties {
        let from = rng.u64(..n_orgs);
        let to = (from + 1 + rng.u64(..n_orgs - 1)) % n_orgs;
        let record = TieRecord {
            id: format!("bt-{idx:07}"),
            from: format!("bo-{from:07}"),
            to: format!("bo-{to:07}"),
            kind: "met".into(),
            date: format!("{}-{:02}-15", 2015 + rng.u16(..11), 1 + rng.u8(..12)),
            source: Some("bench".into()),
            evidence: None,
        };
        write_jsonl(&mut out, &Record::Tie(record))?;
    }
    out.flush()?;
    Ok(GeneratedCounts { organizations: n_orgs, people: n_people, listings: n_listings, ties: n_ties })
}
