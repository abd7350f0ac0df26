//! Scoring a candidate that passed the hard rules: each signal in 0..1, weighted and
//! summed; the reasons keep each signal's value and contribution.

use bridgehub_domain::{Category, CountryCode, GroupCode, LangTag, Listing, Sector};

use crate::codes::{CodeIndex, Shared};
use crate::engine::Entry;
use crate::explain::{self, LineLanguage, Reason, Signal};

/// Which signals rank candidates (the baselines of the evaluation use one each).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Every signal.
    Full,
    /// BM25 only.
    LexicalOnly,
    /// Embedding cosine only.
    SemanticOnly,
    /// Latent-term cosine only.
    LatentOnly,
}

/// Weights and sizes. The defaults are documented in `docs/matching.md`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchConfig {
    /// Weight of the embedding similarity.
    pub semantic: f64,
    /// Weight of the latent-term similarity.
    pub latent: f64,
    /// Weight of the lexical score.
    pub lexical: f64,
    /// Weight of shared names and codes (acronyms, model numbers, Latin words in texts of
    /// other scripts: tokens that read the same in any language).
    pub codes: f64,
    /// Weight of sector overlap.
    pub sector: f64,
    /// Weight of category compatibility.
    pub category: f64,
    /// Weight of a shared working language.
    pub language: f64,
    /// Weight of "their targets name you".
    pub targets: f64,
    /// Minimum candidates of one language for its own cosine baseline (fewer: the pool's).
    pub min_language_sample: usize,
    /// Candidates taken from each retriever when the index is large.
    pub candidates: usize,
    /// Below this many listings every live counterpart is scored (exact).
    pub exhaustive_below: usize,
    /// Signals in use.
    pub mode: Mode,
    /// Weight of the thin-tie boost: a candidate whose owner's UN M49 sub-region is tied
    /// to the query owner's at a ratio r < 1 of the expected gains `thin_tie_boost ·
    /// (1 − r)`. Default 0 (off); needs a [`crate::Network`].
    pub thin_tie_boost: f64,
    /// How many of the best matches are checked for a warm introduction (needs a
    /// [`crate::Network`]; 0: none).
    pub warm_intro_top: usize,
}

impl Default for MatchConfig {
    fn default() -> Self {
        MatchConfig {
            semantic: 0.35,
            latent: 0.35,
            lexical: 0.05,
            codes: 0.15,
            sector: 0.10,
            category: 0.05,
            language: 0.05,
            targets: 0.05,
            min_language_sample: 8,
            candidates: 300,
            exhaustive_below: 20_000,
            mode: Mode::Full,
            thin_tie_boost: 0.0,
            warm_intro_top: 10,
        }
    }
}

/// One recommended counterpart.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The counterpart listing.
    pub listing_id: String,
    /// Its owner.
    pub organization_id: String,
    /// Combined score, higher is better.
    pub score: f64,
    /// Every contributing signal, largest contribution first.
    pub reasons: Vec<Reason>,
    /// The reasons as one line in English.
    pub line_en: String,
    /// The reasons as one line in Chinese (Simplified).
    pub line_zh: String,
    /// The reasons as one line in Chinese (Traditional).
    pub line_zh_hant: String,
}

fn sector_overlap(a: &[Sector], b: &[Sector]) -> (f64, Vec<Sector>) {
    let shared: Vec<Sector> = a.iter().filter(|s| b.contains(s)).copied().collect();
    let denominator = a.len().min(b.len());
    if denominator == 0 {
        return (0.0, shared);
    }
    (shared.len() as f64 / denominator as f64, shared)
}

/// How well two categories go together (same: 1; a known complement: 0.7).
fn category_fit(a: Category, b: Category) -> f64 {
    use Category::*;
    if a == b {
        return 1.0;
    }
    let pair = |x: Category, y: Category| (a == x && b == y) || (a == y && b == x);
    if pair(Distribution, Supply) || pair(Service, Other) || pair(EventPartner, Service) || pair(Research, Exchange) || pair(Talent, Exchange) {
        0.7
    } else {
        0.0
    }
}

/// Signal values of one candidate for one query.
pub(crate) struct Signals {
    /// Raw cosine (shown in the reason).
    pub(crate) semantic: Option<f64>,
    /// The cosine after language centering, scaled to 0..1 within the candidate pool.
    pub(crate) semantic_value: Option<f64>,
    /// BM25 relative to the best candidate.
    pub(crate) lexical: f64,
    /// Language-centred latent-term cosine (shown in the reason) and its value scaled
    /// within the pool.
    pub(crate) latent: Option<(f64, f64)>,
    /// The names and codes both texts hold.
    pub(crate) codes: Option<Shared>,
}

/// What each signal adds for one candidate: numbers, plus what its reason names. Ranking
/// reads only [`Contributions::total`]; the reasons and lines (the costly part: formatted
/// text in three languages) are written only for the matches returned.
pub(crate) struct Contributions {
    /// Raw cosine and contribution.
    semantic: Option<(f64, f64)>,
    /// Centred latent cosine and contribution.
    latent: Option<(f64, f64)>,
    /// Relative BM25 and contribution.
    lexical: Option<(f64, f64)>,
    /// Shared names and codes, and their contribution.
    codes: Option<(Shared, f64)>,
    /// Shared sectors, overlap and contribution.
    sector: Option<(Vec<Sector>, f64, f64)>,
    /// Category fit and contribution.
    category: Option<(f64, f64)>,
    /// The shared working language.
    language: Option<LangTag>,
    /// The candidate's target that names the query owner (a country or a grouping).
    targets: Option<TargetHit>,
    /// Sum of the contributions.
    pub(crate) total: f64,
}

enum TargetHit {
    Country(CountryCode),
    Group(GroupCode),
}

pub(crate) fn contributions(query: &Entry, candidate: &Entry, signals: Signals, config: &MatchConfig) -> Contributions {
    let mut c = Contributions { semantic: None, latent: None, lexical: None, codes: None, sector: None, category: None, language: None, targets: None, total: 0.0 };
    let use_semantic = matches!(config.mode, Mode::Full | Mode::SemanticOnly);
    let use_latent = matches!(config.mode, Mode::Full | Mode::LatentOnly);
    let use_lexical = matches!(config.mode, Mode::Full | Mode::LexicalOnly);
    let use_structure = config.mode == Mode::Full;
    if use_semantic
        && let (Some(cos), Some(value)) = (signals.semantic, signals.semantic_value)
    {
        let contribution = config.semantic * value;
        c.total += contribution;
        c.semantic = Some((cos, contribution));
    }
    // Shown when the two share more than their languages' background (a centred cosine
    // above 0); the value is that cosine.
    if use_latent
        && let Some((cos, value)) = signals.latent
        && cos > 0.0
    {
        let contribution = config.latent * value;
        c.total += contribution;
        c.latent = Some((cos, contribution));
    }
    if use_lexical && signals.lexical > 0.0 {
        let contribution = config.lexical * signals.lexical;
        c.total += contribution;
        c.lexical = Some((signals.lexical, contribution));
    }
    if use_structure
        && let Some(shared) = signals.codes
    {
        let contribution = config.codes * shared.value;
        c.total += contribution;
        c.codes = Some((shared, contribution));
    }
    if use_structure {
        let (overlap, shared) = sector_overlap(&query.listing.sectors, &candidate.listing.sectors);
        if overlap > 0.0 {
            let contribution = config.sector * overlap;
            c.total += contribution;
            c.sector = Some((shared, overlap, contribution));
        }
        let fit = category_fit(query.listing.category, candidate.listing.category);
        if fit > 0.0 {
            let contribution = config.category * fit;
            c.total += contribution;
            c.category = Some((fit, contribution));
        }
        if let Some(shared) = shared_language(query, candidate) {
            c.total += config.language;
            c.language = Some(shared);
        }
        if let Some(hit) = targets_you(&candidate.listing, query) {
            c.total += config.targets;
            c.targets = Some(hit);
        }
    }
    c
}

/// The match with its reasons and lines.
/// How the query writes each of its codes (key → as written), for the reasons.
pub(crate) type Spellings = std::collections::HashMap<String, String>;

pub(crate) fn explain(query: &Entry, candidate: &Entry, contributions: Contributions, config: &MatchConfig, codes: &CodeIndex, spellings: &Spellings) -> Match {
    let mut reasons: Vec<Reason> = Vec::new();
    if let Some((cos, contribution)) = contributions.semantic {
        reasons.push(explain::similarity_reason(Signal::Semantic, cos, contribution));
    }
    if let Some((value, contribution)) = contributions.latent {
        reasons.push(explain::similarity_reason(Signal::Latent, value, contribution));
    }
    if let Some((value, contribution)) = contributions.lexical {
        reasons.push(explain::similarity_reason(Signal::Lexical, value, contribution));
    }
    if let Some((shared, contribution)) = &contributions.codes {
        let names: Vec<&str> = shared
            .ids
            .iter()
            .take(5)
            .map(|id| codes.key(*id))
            .map(|key| spellings.get(key).map_or(key, String::as_str))
            .collect();
        reasons.push(explain::codes_reason(&names, shared.value, *contribution));
    }
    if let Some((shared, overlap, contribution)) = &contributions.sector {
        reasons.push(explain::sector_reason(shared, *overlap, *contribution));
    }
    if let Some((fit, contribution)) = contributions.category {
        reasons.push(explain::category_reason(query.listing.category, candidate.listing.category, fit, contribution));
    }
    if let Some(shared) = &contributions.language {
        reasons.push(explain::language_reason(shared, config.language));
    }
    match &contributions.targets {
        Some(TargetHit::Country(country)) => reasons.push(explain::targets_reason(Some(*country), None, config.targets)),
        Some(TargetHit::Group(group)) => reasons.push(explain::targets_reason(None, Some(group), config.targets)),
        None => {}
    }
    reasons.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
    let mut m = Match {
        listing_id: candidate.listing.id.to_string(),
        organization_id: candidate.owner.id.clone(),
        score: contributions.total,
        line_en: String::new(),
        line_zh: String::new(),
        line_zh_hant: String::new(),
        reasons,
    };
    write_lines(&mut m);
    m
}

fn write_lines(m: &mut Match) {
    m.line_en = explain::line(&m.reasons, LineLanguage::En);
    m.line_zh = explain::line(&m.reasons, LineLanguage::Zh);
    m.line_zh_hant = explain::line(&m.reasons, LineLanguage::ZhHant);
}

/// A language both sides work in: the owners' working languages and the listings' own.
fn shared_language(a: &Entry, b: &Entry) -> Option<LangTag> {
    let mut a_langs = a.owner.languages.clone();
    a_langs.push(a.listing.language.clone());
    let mut b_langs = b.owner.languages.clone();
    b_langs.push(b.listing.language.clone());
    // Prefer English as the lingua franca when both have it, then any exact match, then
    // the same primary language (zh-Hans and zh-Hant).
    let en = a_langs.iter().find(|l| l.primary() == "en" && b_langs.iter().any(|m| m.primary() == "en"));
    if let Some(en) = en {
        return Some(en.clone());
    }
    a_langs
        .iter()
        .find(|l| b_langs.contains(l))
        .or_else(|| a_langs.iter().find(|l| b_langs.iter().any(|m| m.primary() == l.primary())))
        .cloned()
}

/// "Their target ASEAN includes you": the candidate named the query owner's country or
/// one of its groupings.
fn targets_you(candidate: &Listing, query: &Entry) -> Option<TargetHit> {
    let country = query.owner.country;
    if candidate.target_countries.contains(&country) {
        return Some(TargetHit::Country(country));
    }
    candidate.target_groups.iter().find(|g| g.grouping().contains(country)).map(|g| TargetHit::Group(g.clone()))
}

/// The thin-tie boost for two owners' countries: `weight · (1 − r)` when their regions are
/// tied at a ratio r < 1 of the expected, with r and the value.
pub(crate) fn thin_tie_value(a: CountryCode, b: CountryCode, network: &dyn crate::Network, weight: f64) -> Option<(f64, f64, f64)> {
    let ratio = network.region_ratio(a, b).filter(|r| r.is_finite() && *r >= 0.0)?;
    if ratio >= 1.0 {
        return None;
    }
    let value = (1.0 - ratio).clamp(0.0, 1.0);
    Some((ratio, value, weight * value))
}

/// Adds the thin-tie boost (see [`thin_tie_value`]) to a match, with its reason.
pub(crate) fn thin_tie_boost(m: &mut Match, a: CountryCode, b: CountryCode, network: &dyn crate::Network, weight: f64) {
    let Some((ratio, value, contribution)) = thin_tie_value(a, b, network, weight) else { return };
    m.score += contribution;
    m.reasons.push(explain::thin_tie_reason(a, b, ratio, value, contribution));
    m.reasons.sort_by(|x, y| y.contribution.total_cmp(&x.contribution));
    write_lines(m);
}

/// Adds "warm introduction available via X" when a broker ties the two owners.
pub(crate) fn warm_introduction(m: &mut Match, query_owner: &str, network: &dyn crate::Network) {
    if query_owner == m.organization_id {
        return;
    }
    if let Some(intro) = network.warm_introduction(query_owner, &m.organization_id) {
        m.reasons.push(explain::warm_intro_reason(&intro));
        write_lines(m);
    }
}
