//! Reasons: each signal's value and contribution, and one readable line in en and zh.

use bridgehub_domain::reference::{reference, Locale};
use bridgehub_domain::{Category, CountryCode, GroupCode, LangTag, Sector};

/// The signals a score is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Cosine similarity of the two texts' embeddings (any language pair).
    Semantic,
    /// BM25 score of the shared terms, relative to the best candidate.
    Lexical,
    /// Sectors both listings name.
    Sector,
    /// Categories that go together (a distributor wanted ↔ distribution offered).
    Category,
    /// A working language both organizations use.
    Language,
    /// The candidate's own targets name the query owner's country or grouping.
    TargetsYou,
    /// Ties between the two sides' regions are thinner than expected (the thin-tie boost).
    ThinTie,
    /// A broker tied to both sides can introduce them (informational; adds nothing).
    WarmIntroduction,
}

impl Signal {
    /// Stable code.
    pub fn code(self) -> &'static str {
        match self {
            Signal::Semantic => "semantic",
            Signal::Lexical => "lexical",
            Signal::Sector => "sector",
            Signal::Category => "category",
            Signal::Language => "language",
            Signal::TargetsYou => "targets_you",
            Signal::ThinTie => "thin_tie",
            Signal::WarmIntroduction => "warm_introduction",
        }
    }
}

/// One reason of a match.
#[derive(Debug, Clone, PartialEq)]
pub struct Reason {
    /// The signal.
    pub signal: Signal,
    /// Its value, 0 to 1.
    pub value: f64,
    /// What it added to the score.
    pub contribution: f64,
    /// The reason in English.
    pub en: String,
    /// The reason in Chinese.
    pub zh: String,
}

pub(crate) fn sector_reason(shared: &[Sector], value: f64, contribution: f64) -> Reason {
    let r = reference();
    let en: Vec<&str> = shared.iter().map(|s| r.sector_label(*s, Locale::En)).collect();
    let zh: Vec<&str> = shared.iter().map(|s| r.sector_label(*s, Locale::ZhHans)).collect();
    Reason {
        signal: Signal::Sector,
        value,
        contribution,
        en: format!("Same sector: {}", en.join(", ")),
        zh: format!("同一行业：{}", zh.join("、")),
    }
}

pub(crate) fn category_reason(query: Category, candidate: Category, value: f64, contribution: f64) -> Reason {
    let (en, zh) = if query == candidate {
        (format!("Same kind of opportunity: {}", query.code().replace('_', " ")), format!("合作类型相同：{}", category_zh(query)))
    } else {
        (
            format!("Complementary: {} ↔ {}", query.code().replace('_', " "), candidate.code().replace('_', " ")),
            format!("合作类型互补：{} ↔ {}", category_zh(query), category_zh(candidate)),
        )
    };
    Reason { signal: Signal::Category, value, contribution, en, zh }
}

fn category_zh(category: Category) -> &'static str {
    match category {
        Category::Investment => "投资",
        Category::Distribution => "分销",
        Category::Supply => "供应",
        Category::Service => "服务",
        Category::Research => "科研合作",
        Category::Exchange => "交流项目",
        Category::Talent => "人才",
        Category::EventPartner => "活动合作",
        Category::Other => "其他",
    }
}

pub(crate) fn language_reason(shared: &LangTag, contribution: f64) -> Reason {
    let r = reference();
    let en = r.language_name(shared.as_str(), Locale::En).unwrap_or(shared.as_str()).to_owned();
    let zh = r.language_name(shared.as_str(), Locale::ZhHans).unwrap_or(shared.as_str()).to_owned();
    Reason { signal: Signal::Language, value: 1.0, contribution, en: format!("Both work in {en}"), zh: format!("双方均使用{zh}") }
}

pub(crate) fn targets_reason(country: Option<CountryCode>, group: Option<&GroupCode>, contribution: f64) -> Reason {
    let r = reference();
    let (en_name, zh_name) = match (group, country) {
        (Some(group), _) => (group.grouping().name(Locale::En).to_owned(), group.grouping().name(Locale::ZhHans).to_owned()),
        (None, Some(country)) => (
            country.country().map(|c| c.names.get(Locale::En).to_owned()).unwrap_or_else(|| country.to_string()),
            country.country().map(|c| c.names.get(Locale::ZhHans).to_owned()).unwrap_or_else(|| country.to_string()),
        ),
        (None, None) => (String::new(), String::new()),
    };
    let _ = r;
    Reason {
        signal: Signal::TargetsYou,
        value: 1.0,
        contribution,
        en: format!("Their target {en_name} includes you"),
        zh: format!("对方的目标地区{zh_name}包括您"),
    }
}

pub(crate) fn similarity_reason(signal: Signal, value: f64, contribution: f64) -> Reason {
    let (en, zh) = match signal {
        Signal::Lexical => (format!("Shared keywords {value:.2}"), format!("关键词相似度 {value:.2}")),
        _ => (format!("Text similarity {value:.2}"), format!("文本相似度 {value:.2}")),
    };
    Reason { signal, value, contribution, en, zh }
}

fn region_names(country: CountryCode) -> (String, String) {
    let code = country.subregion();
    match reference().region(code) {
        Some(region) => (region.names.get(Locale::En).to_owned(), region.names.get(Locale::ZhHans).to_owned()),
        None => (code.to_owned(), code.to_owned()),
    }
}

pub(crate) fn thin_tie_reason(a: CountryCode, b: CountryCode, ratio: f64, value: f64, contribution: f64) -> Reason {
    let (a_en, a_zh) = region_names(a);
    let (b_en, b_zh) = region_names(b);
    let (en, zh) = if a.subregion() == b.subregion() {
        (
            format!("Ties within {a_en} are thin ({ratio:.2} of expected): a new bridge"),
            format!("{a_zh}内部联系薄弱（为预期的 {ratio:.2}）：可搭建新桥梁"),
        )
    } else {
        (
            format!("Ties between {a_en} and {b_en} are thin ({ratio:.2} of expected): a new bridge"),
            format!("{a_zh}与{b_zh}之间联系薄弱（为预期的 {ratio:.2}）：可搭建新桥梁"),
        )
    };
    Reason { signal: Signal::ThinTie, value, contribution, en, zh }
}

pub(crate) fn warm_intro_reason(intro: &crate::WarmIntro) -> Reason {
    Reason {
        signal: Signal::WarmIntroduction,
        value: intro.score,
        contribution: 0.0,
        en: format!("Warm introduction available via {}", intro.broker_name),
        zh: format!("可经由{}引荐", intro.broker_name),
    }
}

/// The reasons as one line, most important first (`Same sector: logistics · ...`).
pub(crate) fn line(reasons: &[Reason], chinese: bool) -> String {
    reasons
        .iter()
        .map(|r| if chinese { r.zh.as_str() } else { r.en.as_str() })
        .collect::<Vec<_>>()
        .join(" · ")
}
