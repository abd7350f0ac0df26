//! Reasons: each signal's value and contribution, and one readable line in en, zh (Simplified)
//! and zh-Hant (Traditional).

use bridgehub_domain::reference::{reference, Locale};
use bridgehub_domain::{Category, CountryCode, GroupCode, LangTag, Sector};

/// The signals a score is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Signal {
    /// Cosine similarity of the two texts' embeddings (any language pair).
    Semantic,
    /// Overlap of the two texts' latent terms (the sparse features of the embedding model;
    /// any language pair).
    Latent,
    /// BM25 score of the shared terms, relative to the best candidate.
    Lexical,
    /// Names and codes both texts hold (acronyms, model and standard numbers, Latin words
    /// in texts of other scripts), which read the same in any language; rarer ones count
    /// more.
    Codes,
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
            Signal::Latent => "latent",
            Signal::Lexical => "lexical",
            Signal::Codes => "codes",
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
    /// The reason in Chinese (Simplified).
    pub zh: String,
    /// The reason in Chinese (Traditional).
    pub zh_hant: String,
}

/// Which Chinese script a phrase is written in.
#[derive(Clone, Copy)]
enum Script {
    Hans,
    Hant,
}

impl Script {
    fn locale(self) -> Locale {
        match self {
            Script::Hans => Locale::ZhHans,
            Script::Hant => Locale::ZhHant,
        }
    }

    /// The phrase in this script: (Simplified, Traditional).
    fn pick(self, hans: &'static str, hant: &'static str) -> &'static str {
        match self {
            Script::Hans => hans,
            Script::Hant => hant,
        }
    }
}

const SCRIPTS: [Script; 2] = [Script::Hans, Script::Hant];

/// The Chinese reason in both scripts from one function of the script.
fn both(make: impl Fn(Script) -> String) -> (String, String) {
    (make(SCRIPTS[0]), make(SCRIPTS[1]))
}

pub(crate) fn sector_reason(shared: &[Sector], value: f64, contribution: f64) -> Reason {
    let r = reference();
    let en: Vec<&str> = shared.iter().map(|s| r.sector_label(*s, Locale::En)).collect();
    let (zh, zh_hant) = both(|script| {
        let names: Vec<&str> = shared.iter().map(|s| r.sector_label(*s, script.locale())).collect();
        format!("{}{}", script.pick("同一行业：", "同一行業："), names.join("、"))
    });
    Reason { signal: Signal::Sector, value, contribution, en: format!("Same sector: {}", en.join(", ")), zh, zh_hant }
}

pub(crate) fn category_reason(query: Category, candidate: Category, value: f64, contribution: f64) -> Reason {
    let en = if query == candidate {
        format!("Same kind of opportunity: {}", query.code().replace('_', " "))
    } else {
        format!("Complementary: {} ↔ {}", query.code().replace('_', " "), candidate.code().replace('_', " "))
    };
    let (zh, zh_hant) = both(|script| {
        if query == candidate {
            format!("{}{}", script.pick("合作类型相同：", "合作類型相同："), category_zh(query, script))
        } else {
            format!(
                "{}{} ↔ {}",
                script.pick("合作类型互补：", "合作類型互補："),
                category_zh(query, script),
                category_zh(candidate, script)
            )
        }
    });
    Reason { signal: Signal::Category, value, contribution, en, zh, zh_hant }
}

fn category_zh(category: Category, script: Script) -> &'static str {
    match category {
        Category::Investment => script.pick("投资", "投資"),
        Category::Distribution => script.pick("分销", "分銷"),
        Category::Supply => script.pick("供应", "供應"),
        Category::Service => script.pick("服务", "服務"),
        Category::Research => script.pick("科研合作", "科研合作"),
        Category::Exchange => script.pick("交流项目", "交流項目"),
        Category::Talent => script.pick("人才", "人才"),
        Category::EventPartner => script.pick("活动合作", "活動合作"),
        Category::Other => script.pick("其他", "其他"),
    }
}

pub(crate) fn language_reason(shared: &LangTag, contribution: f64) -> Reason {
    let r = reference();
    let en = r.language_name(shared.as_str(), Locale::En).unwrap_or(shared.as_str()).to_owned();
    let (zh, zh_hant) = both(|script| {
        let name = r.language_name(shared.as_str(), script.locale()).unwrap_or(shared.as_str());
        format!("{}{name}", script.pick("双方均使用", "雙方均使用"))
    });
    Reason { signal: Signal::Language, value: 1.0, contribution, en: format!("Both work in {en}"), zh, zh_hant }
}

pub(crate) fn targets_reason(country: Option<CountryCode>, group: Option<&GroupCode>, contribution: f64) -> Reason {
    let name = |locale: Locale| match (group, country) {
        (Some(group), _) => group.grouping().name(locale).to_owned(),
        (None, Some(country)) => country.country().map(|c| c.names.get(locale).to_owned()).unwrap_or_else(|| country.to_string()),
        (None, None) => String::new(),
    };
    let (zh, zh_hant) = both(|script| {
        format!("{}{}{}", script.pick("对方的目标地区", "對方的目標地區"), name(script.locale()), script.pick("包括您", "包括您"))
    });
    Reason {
        signal: Signal::TargetsYou,
        value: 1.0,
        contribution,
        en: format!("Their target {} includes you", name(Locale::En)),
        zh,
        zh_hant,
    }
}

pub(crate) fn similarity_reason(signal: Signal, value: f64, contribution: f64) -> Reason {
    let en = match signal {
        Signal::Lexical => format!("Shared keywords {value:.2}"),
        Signal::Latent => format!("Shared concepts {value:.2}"),
        _ => format!("Text similarity {value:.2}"),
    };
    let (zh, zh_hant) = both(|script| {
        let label = match signal {
            Signal::Lexical => script.pick("关键词相似度", "關鍵詞相似度"),
            Signal::Latent => script.pick("概念相似度", "概念相似度"),
            _ => script.pick("文本相似度", "文本相似度"),
        };
        format!("{label} {value:.2}")
    });
    Reason { signal, value, contribution, en, zh, zh_hant }
}

pub(crate) fn codes_reason(names: &[&str], value: f64, contribution: f64) -> Reason {
    let (zh, zh_hant) = both(|script| format!("{}{}", script.pick("双方都提到：", "雙方都提到："), names.join("、")));
    Reason { signal: Signal::Codes, value, contribution, en: format!("Both name {}", names.join(", ")), zh, zh_hant }
}

fn region_name(country: CountryCode, locale: Locale) -> String {
    let code = country.subregion();
    match reference().region(code) {
        Some(region) => region.names.get(locale).to_owned(),
        None => code.to_owned(),
    }
}

pub(crate) fn thin_tie_reason(a: CountryCode, b: CountryCode, ratio: f64, value: f64, contribution: f64) -> Reason {
    let within = a.subregion() == b.subregion();
    let (a_en, b_en) = (region_name(a, Locale::En), region_name(b, Locale::En));
    let en = if within {
        format!("Ties within {a_en} are thin ({ratio:.2} of expected): a new bridge")
    } else {
        format!("Ties between {a_en} and {b_en} are thin ({ratio:.2} of expected): a new bridge")
    };
    let (zh, zh_hant) = both(|script| {
        let (a_zh, b_zh) = (region_name(a, script.locale()), region_name(b, script.locale()));
        let thin = script.pick("联系薄弱（为预期的", "聯繫薄弱（為預期的");
        let bridge = script.pick("）：可搭建新桥梁", "）：可搭建新橋樑");
        if within {
            format!("{a_zh}{}{thin} {ratio:.2}{bridge}", script.pick("内部", "內部"))
        } else {
            format!("{a_zh}{}{b_zh}{}{thin} {ratio:.2}{bridge}", script.pick("与", "與"), script.pick("之间", "之間"))
        }
    });
    Reason { signal: Signal::ThinTie, value, contribution, en, zh, zh_hant }
}

pub(crate) fn warm_intro_reason(intro: &crate::WarmIntro) -> Reason {
    Reason {
        signal: Signal::WarmIntroduction,
        value: intro.score,
        contribution: 0.0,
        en: format!("Warm introduction available via {}", intro.broker_name),
        zh: format!("可经由{}引荐", intro.broker_name),
        zh_hant: format!("可經由{}引薦", intro.broker_name),
    }
}

/// The language of a reasons line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineLanguage {
    /// English.
    En,
    /// Chinese, Simplified.
    Zh,
    /// Chinese, Traditional.
    ZhHant,
}

/// The reasons as one line, most important first (`Same sector: logistics · ...`).
pub(crate) fn line(reasons: &[Reason], language: LineLanguage) -> String {
    reasons
        .iter()
        .map(|r| match language {
            LineLanguage::En => r.en.as_str(),
            LineLanguage::Zh => r.zh.as_str(),
            LineLanguage::ZhHant => r.zh_hant.as_str(),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}
