//! Engine tests: the product's own example, updates, and the hard rules as a property.

use bridgehub_domain::{
    parse_date, Category, CountryCode, Direction, EntityId, GroupCode, LangTag, Listing, ListingStatus, Sector,
};
use proptest::prelude::*;

use super::*;
use crate::Signal;

fn listing(id: &str, owner: &str, direction: Direction, title: &str, lang: &str, sectors: &[Sector]) -> Listing {
    Listing {
        id: EntityId::parse(id).unwrap(),
        owner: EntityId::parse(owner).unwrap(),
        direction,
        category: Category::Service,
        title: title.into(),
        body: title.into(),
        language: LangTag::parse(lang).unwrap(),
        sectors: sectors.to_vec(),
        target_countries: vec![],
        target_groups: vec![],
        expires: None,
        status: ListingStatus::Active,
    }
}

fn owner(id: &str, country: &str, langs: &[&str]) -> Owner {
    Owner {
        id: id.into(),
        country: CountryCode::parse(country).unwrap(),
        languages: langs.iter().map(|l| LangTag::parse(l).unwrap()).collect(),
    }
}

fn today() -> bridgehub_domain::Date {
    parse_date("2026-11-25").unwrap()
}

fn unit(v: &[f32]) -> Vec<f32> {
    let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt();
    v.iter().map(|x| x / norm).collect()
}

#[test]
fn the_vietnamese_cold_chain_offer_tops_the_shenzhen_seek_with_reasons() {
    let mut engine = Engine::new(3).unwrap();
    let mut seek = listing("seek", "sz", Direction::Seek, "寻求越南冷链物流伙伴，负责榴莲进口的仓储和运输", "zh-Hans", &[Sector::Logistics, Sector::Agrifood]);
    seek.target_countries = vec![CountryCode::parse("VN").unwrap()];
    let mut offer = listing("offer", "hcmc", Direction::Offer, "Kho lạnh và vận chuyển trái cây xuất khẩu sang Trung Quốc", "vi", &[Sector::Logistics]);
    offer.target_groups = vec![GroupCode::parse("mainland_china").unwrap()];
    let near = listing("near", "hanoi", Direction::Offer, "Dịch vụ pháp lý cho nhà đầu tư", "vi", &[Sector::Legal]);
    let excluded = listing("excluded", "bkk", Direction::Offer, "Cold storage and fruit transport", "en", &[Sector::Logistics]);
    engine.upsert(IndexedListing { latent: None, listing: seek, owner: owner("sz", "CN", &["zh-Hans", "en"]), embedding: Some(unit(&[1.0, 0.1, 0.0])) }).unwrap();
    engine.upsert(IndexedListing { latent: None, listing: offer, owner: owner("hcmc", "VN", &["vi", "en"]), embedding: Some(unit(&[0.9, 0.2, 0.1])) }).unwrap();
    engine.upsert(IndexedListing { latent: None, listing: near, owner: owner("hanoi", "VN", &["vi"]), embedding: Some(unit(&[0.2, 1.0, 0.0])) }).unwrap();
    engine.upsert(IndexedListing { latent: None, listing: excluded, owner: owner("bkk", "TH", &["en"]), embedding: Some(unit(&[1.0, 0.1, 0.0])) }).unwrap();
    engine.commit().unwrap();
    let query = Query { listing_id: "seek", today: today(), limit: 10, relax: false };
    let matches = engine.matches(&query, &MatchConfig::default()).unwrap();
    let ids: Vec<&str> = matches.iter().map(|m| m.listing_id.as_str()).collect();
    assert_eq!(ids, vec!["offer", "near"], "the Thai offer is outside the seek's targets");
    let top = &matches[0];
    assert_eq!(top.organization_id, "hcmc");
    assert!(top.line_en.contains("Same sector: Logistics"), "{}", top.line_en);
    assert!(top.line_en.contains("Their target") && top.line_en.contains("includes you"), "{}", top.line_en);
    assert!(top.line_en.contains("Both work in English"), "{}", top.line_en);
    assert!(top.line_en.contains("Text similarity"), "{}", top.line_en);
    assert!(top.line_zh.contains("同一行业"), "{}", top.line_zh);
    assert!(top.line_zh_hant.contains("同一行業"), "Traditional Chinese: {}", top.line_zh_hant);
    assert!(top.reasons.iter().all(|r| !r.zh_hant.is_empty()), "every reason has a Traditional line");
    let total: f64 = top.reasons.iter().map(|r| r.contribution).sum();
    assert!((total - top.score).abs() < 1e-9, "contributions add up to the score");
    // Relaxed, the Thai offer may appear.
    let relaxed = engine.matches(&Query { relax: true, ..query }, &MatchConfig::default()).unwrap();
    assert!(relaxed.iter().any(|m| m.listing_id == "excluded"));
}

#[test]
fn changes_show_after_commit_and_removed_listings_never_match() {
    let mut engine = Engine::new(2).unwrap();
    engine.upsert(IndexedListing { latent: None, listing: listing("s", "a", Direction::Seek, "durian logistics", "en", &[]), owner: owner("a", "CN", &["en"]), embedding: None }).unwrap();
    engine.upsert(IndexedListing { latent: None, listing: listing("o", "b", Direction::Offer, "durian logistics", "en", &[]), owner: owner("b", "VN", &["en"]), embedding: None }).unwrap();
    engine.commit().unwrap();
    let q = Query { listing_id: "s", today: today(), limit: 5, relax: false };
    assert_eq!(engine.matches(&q, &MatchConfig::default()).unwrap().len(), 1);
    let mut withdrawn = listing("o", "b", Direction::Offer, "durian logistics", "en", &[]);
    withdrawn.status = ListingStatus::Withdrawn;
    engine.upsert(IndexedListing { latent: None, listing: withdrawn, owner: owner("b", "VN", &["en"]), embedding: None }).unwrap();
    engine.commit().unwrap();
    assert!(engine.matches(&q, &MatchConfig::default()).unwrap().is_empty());
    engine.remove("o");
    engine.commit().unwrap();
    assert!(engine.matches(&q, &MatchConfig::default()).unwrap().is_empty());
    assert!(matches!(engine.matches(&Query { listing_id: "o", ..q }, &MatchConfig::default()), Err(MatchError::UnknownListing(_))));
}

/// A tie network for tests: CN–BR ties are thin (0.25 of expected), CN–VN ties as
/// expected; "broker" ties the Shenzhen seeker and the São Paulo offerer.
struct FakeNetwork;

impl crate::Network for FakeNetwork {
    fn region_ratio(&self, a: CountryCode, b: CountryCode) -> Option<f64> {
        let pair = [a.as_str(), b.as_str()];
        if pair.contains(&"CN") && pair.contains(&"BR") {
            Some(0.25)
        } else {
            Some(1.0)
        }
    }

    fn warm_introduction(&self, a: &str, b: &str) -> Option<crate::WarmIntro> {
        ((a, b) == ("sz", "sp")).then(|| crate::WarmIntro { broker_id: "broker".into(), broker_name: "Canton Fair Office".into(), score: 0.4 })
    }
}

fn two_offers() -> Engine {
    let mut engine = Engine::new(2).unwrap();
    let seek = listing("s", "sz", Direction::Seek, "durian logistics partner", "en", &[Sector::Logistics]);
    engine.upsert(IndexedListing { latent: None, listing: seek, owner: owner("sz", "CN", &["en"]), embedding: Some(unit(&[1.0, 0.0])) }).unwrap();
    // Equal offers (no embeddings, same text): the tie breaks by id, so "vn" leads.
    let vn = listing("vn", "hcmc", Direction::Offer, "durian logistics partner", "en", &[Sector::Logistics]);
    engine.upsert(IndexedListing { latent: None, listing: vn, owner: owner("hcmc", "VN", &["en"]), embedding: None }).unwrap();
    let br = listing("x-br", "sp", Direction::Offer, "durian logistics partner", "en", &[Sector::Logistics]);
    engine.upsert(IndexedListing { latent: None, listing: br, owner: owner("sp", "BR", &["en"]), embedding: None }).unwrap();
    engine.commit().unwrap();
    engine
}

#[test]
fn the_thin_tie_boost_is_off_by_default_and_lifts_thin_region_pairs_when_on() {
    let engine = two_offers();
    let q = Query { listing_id: "s", today: today(), limit: 5, relax: false };
    let plain = engine.matches(&q, &MatchConfig::default()).unwrap();
    let with_network = engine.matches_with(&q, &MatchConfig { warm_intro_top: 0, ..MatchConfig::default() }, Some(&FakeNetwork)).unwrap();
    assert_eq!(plain, with_network, "boost 0 and no warm introductions: exactly the plain ranking");
    assert_eq!(plain[0].listing_id, "vn");
    let boosted = engine.matches_with(&q, &MatchConfig { thin_tie_boost: 0.2, ..MatchConfig::default() }, Some(&FakeNetwork)).unwrap();
    assert_eq!(boosted[0].listing_id, "x-br", "CN–BR ties are thin: the Brazilian offer moves up");
    let reason = boosted[0].reasons.iter().find(|r| r.signal == Signal::ThinTie).unwrap();
    assert!((reason.contribution - 0.2 * 0.75).abs() < 1e-12);
    assert!(reason.en.contains("thin") && reason.en.contains("Eastern Asia and Latin America"), "{}", reason.en);
    assert!(reason.zh.contains("联系薄弱"), "{}", reason.zh);
    assert!(reason.zh_hant.contains("聯繫薄弱"), "{}", reason.zh_hant);
    let total: f64 = boosted[0].reasons.iter().map(|r| r.contribution).sum();
    assert!((total - boosted[0].score).abs() < 1e-9, "contributions still add up to the score");
    assert!(boosted.iter().find(|m| m.listing_id == "vn").unwrap().reasons.iter().all(|r| r.signal != Signal::ThinTie), "as expected: no boost");
}

#[test]
fn a_warm_introduction_is_a_reason_that_adds_nothing() {
    let engine = two_offers();
    let q = Query { listing_id: "s", today: today(), limit: 5, relax: false };
    let plain = engine.matches(&q, &MatchConfig::default()).unwrap();
    let matches = engine.matches_with(&q, &MatchConfig::default(), Some(&FakeNetwork)).unwrap();
    let br = matches.iter().find(|m| m.listing_id == "x-br").unwrap();
    let intro = br.reasons.iter().find(|r| r.signal == Signal::WarmIntroduction).unwrap();
    assert_eq!(intro.contribution, 0.0);
    assert_eq!(intro.en, "Warm introduction available via Canton Fair Office");
    assert!(br.line_zh.contains("可经由Canton Fair Office引荐"), "{}", br.line_zh);
    assert!(br.line_zh_hant.contains("可經由Canton Fair Office引薦"), "{}", br.line_zh_hant);
    let scores: Vec<(String, f64)> = matches.iter().map(|m| (m.listing_id.clone(), m.score)).collect();
    let plain_scores: Vec<(String, f64)> = plain.iter().map(|m| (m.listing_id.clone(), m.score)).collect();
    assert_eq!(scores, plain_scores, "ranking and scores unchanged");
    assert!(matches.iter().find(|m| m.listing_id == "vn").unwrap().reasons.iter().all(|r| r.signal != Signal::WarmIntroduction));
}

const COUNTRIES: &[&str] = &["CN", "HK", "VN", "TH", "AE", "SA", "FR", "BR", "KE", "US"];
const GROUPS: &[&str] = &["asean", "gcc", "eu", "africa", "latin_america", "mainland_china"];

fn arb_listing(idx: usize) -> impl Strategy<Value = (Listing, Owner)> {
    (
        any::<bool>(),
        0..COUNTRIES.len(),
        proptest::collection::vec(0..COUNTRIES.len(), 0..3),
        proptest::collection::vec(0..GROUPS.len(), 0..2),
        0..4u8,
        0..3usize,
    )
        .prop_map(move |(offer, country, targets, groups, state, words)| {
            let owner_id = format!("org{}", idx % 7);
            let mut l = listing(
                &format!("l{idx}"),
                &owner_id,
                if offer { Direction::Offer } else { Direction::Seek },
                ["cold chain logistics", "solar investment", "student exchange"][words],
                "en",
                &[Sector::Logistics],
            );
            l.target_countries = targets.iter().map(|t| CountryCode::parse(COUNTRIES[*t]).unwrap()).collect();
            l.target_groups = groups.iter().map(|g| GroupCode::parse(GROUPS[*g]).unwrap()).collect();
            match state {
                0 => l.status = ListingStatus::Withdrawn,
                1 => l.expires = Some(parse_date("2025-01-01").unwrap()),
                _ => {}
            }
            (l, owner(&owner_id, COUNTRIES[(country + idx) % COUNTRIES.len()], &["en"]))
        })
}

#[test]
fn candidates_at_their_language_mean_do_not_swamp_the_others() {
    // Nine French offers with one and the same text sit exactly at the French mean: their
    // centred vectors are (nearly) zero, which must give them no semantic credit rather
    // than a rounding error divided by a tiny norm.
    let dim = 16;
    let mut engine = Engine::new(dim).unwrap();
    let basis = |i: usize, j: usize| -> Vec<f32> {
        let mut v = vec![0.05_f32; dim];
        v[i] = 1.0;
        v[j] += 0.7;
        unit(&v)
    };
    let query = listing("seek", "q-org", Direction::Seek, "cold chain", "en", &[Sector::Logistics]);
    engine.upsert(IndexedListing { latent: None, listing: query, owner: owner("q-org", "CN", &["en"]), embedding: Some(basis(0, 1)) }).unwrap();
    for n in 0..9 {
        let id = format!("fr-{n}");
        let offer = listing(&id, &format!("fr-org-{n}"), Direction::Offer, "entrepôt frigorifique", "fr", &[Sector::Logistics]);
        engine.upsert(IndexedListing { latent: None, listing: offer, owner: owner(&format!("fr-org-{n}"), "FR", &["fr"]), embedding: Some(basis(5, 6)) }).unwrap();
    }
    // English listings spread around, so that the English mean is not the query itself.
    for n in 0..8 {
        let id = format!("en-{n}");
        let offer = listing(&id, &format!("en-org-{n}"), Direction::Offer, "services", "en", &[Sector::Logistics]);
        engine.upsert(IndexedListing { latent: None, listing: offer, owner: owner(&format!("en-org-{n}"), "GB", &["en"]), embedding: Some(basis(8 + n, 1)) }).unwrap();
    }
    let best = listing("best", "best-org", Direction::Offer, "cold chain partner", "es", &[Sector::Logistics]);
    engine.upsert(IndexedListing { latent: None, listing: best, owner: owner("best-org", "ES", &["es"]), embedding: Some(basis(0, 1)) }).unwrap();
    engine.commit().unwrap();
    let q = Query { listing_id: "seek", today: today(), limit: 20, relax: false };
    let matches = engine.matches(&q, &MatchConfig::default()).unwrap();
    assert_eq!(matches[0].listing_id, "best");
    for m in &matches {
        assert!(m.score.is_finite() && m.score <= 1.0 + 1e-9, "{} scored {}", m.listing_id, m.score);
    }
}

#[test]
fn the_vector_retriever_finds_a_counterpart_in_another_language() {
    // Each vector carries a large component of its language (axis 0 English, axis 1
    // Vietnamese) and one topic axis. Plain cosine puts every English offer (0.8) before
    // the Vietnamese offer on the query's own topic (0.2); a retriever asking with the
    // plain vector for a few candidates never hands that offer to scoring. Asked with the
    // query minus the English mean, it comes first.
    let dim = 24;
    let mut engine = Engine::new(dim).unwrap();
    let vector = |language: usize, topic: usize| {
        let mut v = vec![0.0_f32; dim];
        v[language] = 2.0;
        v[topic] = 1.0;
        unit(&v)
    };
    let seek = listing("seek", "q-org", Direction::Seek, "cold chain partner wanted", "en", &[Sector::Logistics]);
    engine.upsert(IndexedListing { latent: None, listing: seek, owner: owner("q-org", "CN", &["en"]), embedding: Some(vector(0, 2)) }).unwrap();
    for n in 0..10 {
        let id = format!("en-{n}");
        let offer = listing(&id, &format!("en-org-{n}"), Direction::Offer, "consulting", "en", &[Sector::Logistics]);
        engine.upsert(IndexedListing { latent: None, listing: offer, owner: owner(&format!("en-org-{n}"), "GB", &["en"]), embedding: Some(vector(0, 3 + n)) }).unwrap();
    }
    for n in 0..8 {
        let id = format!("vi-{n}");
        let offer = listing(&id, &format!("vi-org-{n}"), Direction::Offer, "tư vấn", "vi", &[Sector::Logistics]);
        engine.upsert(IndexedListing { latent: None, listing: offer, owner: owner(&format!("vi-org-{n}"), "VN", &["vi"]), embedding: Some(vector(1, 13 + n)) }).unwrap();
    }
    let gold = listing("gold", "gold-org", Direction::Offer, "kho lạnh", "vi", &[Sector::Logistics]);
    engine.upsert(IndexedListing { latent: None, listing: gold, owner: owner("gold-org", "VN", &["vi"]), embedding: Some(vector(1, 2)) }).unwrap();
    engine.commit().unwrap();
    let q = Query { listing_id: "seek", today: today(), limit: 5, relax: false };
    // The plain vector's three nearest are English.
    let plain = engine.vectors.top_k(&vector(0, 2), 3, |_| true);
    assert!(plain.iter().all(|(doc, _)| engine.entries[*doc as usize].as_ref().unwrap().listing.language.as_str() == "en"));
    let retrieval = MatchConfig { exhaustive_below: 0, candidates: 3, ..MatchConfig::default() };
    let matches = engine.matches(&q, &retrieval).unwrap();
    assert_eq!(matches.first().map(|m| m.listing_id.as_str()), Some("gold"), "{:?}", matches.iter().map(|m| &m.listing_id).collect::<Vec<_>>());
}

#[test]
fn shared_latent_terms_lift_a_counterpart_in_another_language_and_are_explained() {
    // The query and two offers with the same vector similarity; the Vietnamese offer shares
    // the query's latent features, the Chinese one only its language's background feature.
    let mut engine = Engine::new(3).unwrap();
    let seek = listing("seek", "sz", Direction::Seek, "冷链物流", "zh-Hans", &[Sector::Logistics]);
    let same_language = listing("zh-offer", "gz", Direction::Offer, "物流软件", "zh-Hans", &[Sector::Logistics]);
    let other_language = listing("vi-offer", "hcmc", Direction::Offer, "Kho lạnh", "vi", &[Sector::Logistics]);
    let terms = |features: &[u16]| Some(features.iter().map(|&f| (f, 1.0_f32)).collect::<Vec<_>>());
    let v = Some(unit(&[1.0, 0.2, 0.0]));
    engine.upsert(IndexedListing { listing: seek, owner: owner("sz", "CN", &["zh-Hans"]), embedding: v.clone(), latent: terms(&[0, 10, 11]) }).unwrap();
    engine.upsert(IndexedListing { listing: same_language, owner: owner("gz", "CN", &["zh-Hans"]), embedding: v.clone(), latent: terms(&[0, 20, 21]) }).unwrap();
    engine.upsert(IndexedListing { listing: other_language, owner: owner("hcmc", "VN", &["vi"]), embedding: v.clone(), latent: terms(&[1, 10, 11]) }).unwrap();
    // More listings of each language, so that a language's mean is not one listing.
    for (id, lang, features) in [("zh-seek-2", "zh-Hans", [0, 30]), ("vi-seek", "vi", [1, 40]), ("vi-seek-2", "vi", [1, 41])] {
        let other = listing(id, "other", Direction::Seek, "x", lang, &[Sector::Logistics]);
        engine.upsert(IndexedListing { listing: other, owner: owner("other", "SG", &["en"]), embedding: v.clone(), latent: terms(&features) }).unwrap();
    }
    engine.commit().unwrap();
    assert_eq!(engine.stats().with_latent_terms, 6);
    let query = Query { listing_id: "seek", today: today(), limit: 10, relax: false };
    let matches = engine.matches(&query, &MatchConfig { min_language_sample: 1, ..MatchConfig::default() }).unwrap();
    assert_eq!(matches.iter().map(|m| m.listing_id.as_str()).collect::<Vec<_>>(), vec!["vi-offer", "zh-offer"]);
    let reason = matches[0].reasons.iter().find(|r| r.signal == Signal::Latent).expect("a latent reason");
    assert!(reason.contribution > 0.0 && reason.en.starts_with("Shared concepts") && reason.zh.starts_with("概念相似度"), "{reason:?}");
    // The baselines: semantic-only cannot tell them apart (ties go by id); latent-only can.
    let latent_only = engine.matches(&query, &MatchConfig { mode: Mode::LatentOnly, min_language_sample: 1, ..MatchConfig::default() }).unwrap();
    assert_eq!(latent_only[0].listing_id, "vi-offer");
    assert!(latent_only[0].reasons.iter().all(|r| r.signal == Signal::Latent));
    // The same-language offer shares only its language's background: no latent reason.
    assert!(matches[1].reasons.iter().all(|r| r.signal != Signal::Latent), "{:?}", matches[1].reasons);
    // Removing the Vietnamese offer forgets its terms.
    engine.remove("vi-offer");
    engine.commit().unwrap();
    assert_eq!(engine.stats().with_latent_terms, 5);
}

#[test]
fn shared_codes_lift_a_counterpart_in_another_language_and_follow_changes() {
    // Two offers as close to the seek as each other by vector; the French one names the
    // standards and the contract form the Chinese seek asks for.
    let mut engine = Engine::new(3).unwrap();
    let v = Some(unit(&[1.0, 0.2, 0.0]));
    let seek = listing("seek", "sz", Direction::Seek, "寻求船舶管理：ISM/ISPS体系，BIMCO SHIPMAN合同", "zh-Hans", &[Sector::Shipping]);
    let zh = listing("zh-offer", "gz", Direction::Offer, "散货船买卖经纪服务", "zh-Hans", &[Sector::Shipping]);
    let fr = listing("fr-offer", "mc", Direction::Offer, "Gestion technique de vraquiers sous ISM et ISPS, contrats BIMCO SHIPMAN", "fr", &[Sector::Shipping]);
    engine.upsert(IndexedListing { listing: seek, owner: owner("sz", "CN", &["zh-Hans"]), embedding: v.clone(), latent: None }).unwrap();
    engine.upsert(IndexedListing { listing: zh, owner: owner("gz", "CN", &["zh-Hans"]), embedding: v.clone(), latent: None }).unwrap();
    engine.upsert(IndexedListing { listing: fr.clone(), owner: owner("mc", "MC", &["fr"]), embedding: v.clone(), latent: None }).unwrap();
    engine.commit().unwrap();
    let query = Query { listing_id: "seek", today: today(), limit: 10, relax: false };
    let matches = engine.matches(&query, &MatchConfig::default()).unwrap();
    assert_eq!(matches.iter().map(|m| m.listing_id.as_str()).collect::<Vec<_>>(), vec!["fr-offer", "zh-offer"]);
    let reason = matches[0].reasons.iter().find(|r| r.signal == Signal::Codes).expect("a codes reason");
    assert!(reason.value > 0.5 && reason.contribution > 0.0, "{reason:?}");
    for code in ["ISM", "ISPS", "BIMCO", "SHIPMAN"] {
        assert!(reason.en.contains(code) && reason.zh.contains(code), "{reason:?}");
    }
    assert!(reason.en.starts_with("Both name") && reason.zh.starts_with("双方都提到") && reason.zh_hant.starts_with("雙方都提到"), "{reason:?}");
    assert!(matches[0].line_en.contains("Both name"), "{}", matches[0].line_en);
    let total: f64 = matches[0].reasons.iter().map(|r| r.contribution).sum();
    assert!((total - matches[0].score).abs() < 1e-9, "contributions add up to the score");
    assert!(matches[1].reasons.iter().all(|r| r.signal != Signal::Codes));
    // The single-signal baselines leave it out.
    let semantic_only = engine.matches(&query, &MatchConfig { mode: Mode::SemanticOnly, ..MatchConfig::default() }).unwrap();
    assert!(semantic_only.iter().all(|m| m.reasons.iter().all(|r| r.signal != Signal::Codes)));
    // The French offer rewritten without the codes: it no longer shares any.
    let plain = Listing { title: "Gestion technique de vraquiers".into(), body: "Gestion technique de vraquiers".into(), ..fr };
    engine.upsert(IndexedListing { listing: plain, owner: owner("mc", "MC", &["fr"]), embedding: v.clone(), latent: None }).unwrap();
    engine.commit().unwrap();
    let matches = engine.matches(&query, &MatchConfig::default()).unwrap();
    assert!(matches.iter().all(|m| m.reasons.iter().all(|r| r.signal != Signal::Codes)), "{matches:?}");
    engine.remove("zh-offer");
    engine.remove("fr-offer");
    assert!(engine.codes.shared(0, 1).is_none() && engine.codes.shared(0, 2).is_none());
}

#[test]
fn latent_terms_follow_a_listing_that_changes_language_or_loses_them() {
    let mut engine = Engine::new(2).unwrap();
    let v = Some(unit(&[1.0, 0.5]));
    let terms = Some(vec![(4_u16, 1.0_f32), (9, 0.5)]);
    let offer = |lang: &str| listing("o", "b", Direction::Offer, "cold chain", lang, &[Sector::Logistics]);
    engine.upsert(IndexedListing { listing: offer("vi"), owner: owner("b", "VN", &["vi"]), embedding: v.clone(), latent: terms.clone() }).unwrap();
    assert_eq!(engine.latent.language_sums["vi"].1, 1);
    // The same listing, now in English: the Vietnamese sums are empty again.
    engine.upsert(IndexedListing { listing: offer("en"), owner: owner("b", "VN", &["vi"]), embedding: v.clone(), latent: terms.clone() }).unwrap();
    let vi = &engine.latent.language_sums["vi"];
    assert_eq!(vi.1, 0);
    assert!(vi.0.iter().all(|x| x.abs() < 1e-9), "{:?}", vi.0);
    assert_eq!((engine.latent.language_sums["en"].1, engine.stats().with_latent_terms), (1, 1));
    // Upserted without terms (an embedder without the sparse head): they are dropped.
    engine.upsert(IndexedListing { listing: offer("en"), owner: owner("b", "VN", &["vi"]), embedding: v.clone(), latent: None }).unwrap();
    assert_eq!((engine.latent.language_sums["en"].1, engine.stats().with_latent_terms), (0, 0));
    // A freed key reused by another listing starts clean.
    engine.upsert(IndexedListing { listing: offer("en"), owner: owner("b", "VN", &["vi"]), embedding: v.clone(), latent: terms.clone() }).unwrap();
    engine.remove("o");
    let other = listing("p", "c", Direction::Offer, "x", "fr", &[]);
    engine.upsert(IndexedListing { listing: other, owner: owner("c", "FR", &["fr"]), embedding: v, latent: None }).unwrap();
    assert_eq!(engine.stats().with_latent_terms, 0);
    assert_eq!(engine.latent.language_sums["en"].1, 0);
}

#[test]
fn an_owner_update_reaches_every_listing_and_identical_owners_are_shared() {
    let mut engine = Engine::new(2).unwrap();
    for id in ["a1", "a2"] {
        let l = listing(id, "a", Direction::Offer, "x", "en", &[]);
        engine.upsert(IndexedListing { listing: l, owner: owner("a", "VN", &["en"]), embedding: None, latent: None }).unwrap();
    }
    let owner_of = |engine: &Engine, id: &str| Arc::clone(&engine.entries[engine.by_id[id] as usize].as_ref().unwrap().owner);
    assert!(Arc::ptr_eq(&owner_of(&engine, "a1"), &owner_of(&engine, "a2")));
    engine.update_owner(&owner("a", "TH", &["th"]));
    for id in ["a1", "a2"] {
        assert_eq!(owner_of(&engine, id).country, CountryCode::parse("TH").unwrap());
    }
    // An update for an organization with no listing adds nothing.
    engine.update_owner(&owner("nobody", "FR", &["fr"]));
    assert!(!engine.owners.contains_key("nobody"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    #[test]
    fn the_hard_rules_are_never_broken(items in (0..40usize).prop_flat_map(|n| (0..n.max(2)).map(arb_listing).collect::<Vec<_>>())) {
        let mut engine = Engine::new(2).unwrap();
        for (l, o) in &items {
            engine.upsert(IndexedListing { latent: Some(vec![((l.id.as_str().len() % 7) as u16, 1.0), (3, 0.5)]), listing: l.clone(), owner: o.clone(), embedding: Some(unit(&[1.0, (l.id.as_str().len() % 3) as f32])) }).unwrap();
        }
        engine.commit().unwrap();
        let by_id: std::collections::HashMap<String, (Listing, Owner)> =
            items.iter().map(|(l, o)| (l.id.to_string(), (l.clone(), o.clone()))).collect();
        // Every counterpart scored (small index), and the pool from the two retrievers
        // (large index), where the rules act as the retrievers' filter.
        let retrieval = MatchConfig { exhaustive_below: 0, candidates: 5, ..MatchConfig::default() };
        for ((query, query_owner), config) in items.iter().flat_map(|item| [(item, MatchConfig::default()), (item, retrieval)]) {
            let q = Query { listing_id: query.id.as_str(), today: today(), limit: 100, relax: false };
            for m in engine.matches(&q, &config).unwrap() {
                let (candidate, candidate_owner) = &by_id[&m.listing_id];
                prop_assert_ne!(candidate.direction, query.direction);
                prop_assert!(candidate.is_live(today()));
                prop_assert!(query.accepts_country(candidate_owner.country), "the seeker's targets exclude the candidate");
                prop_assert!(candidate.accepts_country(query_owner.country), "the candidate's targets exclude the seeker");
                prop_assert_ne!(&candidate.owner, &query.owner);
            }
        }
    }
}
