//! Text analysis for every language the hub sees: charabia segments (Chinese words with
//! jieba, Thai, Khmer, Latin, Arabic, ...) and normalises (case, width, diacritics,
//! Traditional → Simplified Chinese); Snowball stems the words of languages that have a
//! stemmer. The same analysis runs on documents and queries.

use charabia::Tokenize;
use rust_stemmers::{Algorithm, Stemmer};

fn stemmer_for(language: &str) -> Option<Stemmer> {
    let primary = language.split('-').next().unwrap_or("").to_ascii_lowercase();
    let algorithm = match primary.as_str() {
        "en" => Algorithm::English,
        "fr" => Algorithm::French,
        "es" => Algorithm::Spanish,
        "pt" => Algorithm::Portuguese,
        "de" => Algorithm::German,
        "it" => Algorithm::Italian,
        "nl" => Algorithm::Dutch,
        "ru" => Algorithm::Russian,
        "tr" => Algorithm::Turkish,
        "ar" => Algorithm::Arabic,
        "sv" => Algorithm::Swedish,
        "ro" => Algorithm::Romanian,
        "hu" => Algorithm::Hungarian,
        "fi" => Algorithm::Finnish,
        "da" => Algorithm::Danish,
        "no" | "nb" | "nn" => Algorithm::Norwegian,
        "el" => Algorithm::Greek,
        "ta" => Algorithm::Tamil,
        _ => return None,
    };
    Some(Stemmer::create(algorithm))
}

/// Splits `text` (written in `language`, a BCP-47 tag) into normalised, stemmed terms.
/// Punctuation and separators are dropped; terms never contain whitespace.
pub fn analyze(text: &str, language: &str) -> Vec<String> {
    let stemmer = stemmer_for(language);
    let mut terms = Vec::new();
    for token in text.tokenize() {
        if !token.is_word() {
            continue;
        }
        let lemma = token.lemma();
        if lemma.chars().all(|c| c.is_whitespace()) {
            continue;
        }
        let lemma: String = lemma.split_whitespace().collect::<Vec<_>>().join("_");
        let term = match &stemmer {
            Some(stemmer) if lemma.chars().any(|c| c.is_alphabetic()) => stemmer.stem(&lemma).into_owned(),
            _ => lemma,
        };
        terms.push(term);
    }
    terms
}

/// A name or code in a text that reads the same in any language: an acronym (`ISM`,
/// `BIMCO`), a model or standard number (`A320neo`, `IP67`, `CO2`), or, in a text written
/// mostly in another script, a word in Latin letters (`Kafka` in a Korean text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// Lowercased: what two texts are compared on.
    pub key: String,
    /// As first written in the text.
    pub display: String,
}

/// The names and codes of `text` (see [`Code`]), each once, in order of appearance.
/// Words are charabia's; a code is made of ASCII letters and digits, at least two
/// characters, not only digits (years and quantities coincide by chance), and either
/// holds a digit and a letter, or two capitals, or is a Latin word in a text whose words
/// are mostly in another script (by letters). Such tokens survive translation, so two texts in
/// different languages that share rare ones very likely speak of the same thing.
pub fn codes(text: &str) -> Vec<Code> {
    let words: Vec<(charabia::Script, &str)> = text
        .tokenize()
        .filter(|t| t.is_word())
        .filter_map(|t| text.get(t.byte_start..t.byte_end).map(|original| (t.script, original)))
        .collect();
    let letters = |word: &str| word.chars().filter(|c| c.is_alphabetic()).count();
    let latin: usize = words.iter().filter(|(script, _)| *script == charabia::Script::Latin).map(|(_, w)| letters(w)).sum();
    let all: usize = words.iter().map(|(_, w)| letters(w)).sum();
    // Fewer than half the letters Latin: the text is in another script, and every Latin
    // word in it was written as is (a product, a standard, a place's Latin name).
    let other_script = latin * 2 < all;
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (_, word) in words {
        if word.len() < 2 || !word.bytes().all(|b| b.is_ascii_alphanumeric()) || word.bytes().all(|b| b.is_ascii_digit()) {
            continue;
        }
        let digit = word.bytes().any(|b| b.is_ascii_digit());
        let capitals = word.bytes().filter(u8::is_ascii_uppercase).count();
        if (digit || capitals >= 2 || other_script) && seen.insert(word.to_ascii_lowercase()) {
            out.push(Code { key: word.to_ascii_lowercase(), display: word.to_owned() });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(text: &str) -> Vec<String> {
        codes(text).into_iter().map(|c| c.key).collect()
    }

    #[test]
    fn codes_are_acronyms_model_numbers_and_latin_words_in_other_scripts() {
        assert_eq!(
            keys("Gestion technique sous certification ISM, ISPS et ISO 9001 ; contrats BIMCO SHIPMAN, A320neo et IP67 en 2027."),
            vec!["ism", "isps", "iso", "bimco", "shipman", "a320neo", "ip67"]
        );
        // Ordinary capitalised words of a Latin-script text are not codes.
        assert!(keys("Kho lạnh và vận chuyển trái cây Việt Nam").is_empty());
        // In a text in another script every Latin word counts, each once.
        assert_eq!(
            keys("홍콩에 아시아 IT 허브를 구축하면서 클라우드 엔지니어(AWS·Azure, 쿠버네티스)와 데이터 엔지니어(Spark, Kafka, dbt) 약 25명을 채용할 계획입니다. Azure"),
            vec!["it", "aws", "azure", "spark", "kafka", "dbt"]
        );
        assert_eq!(keys("需要SRT字幕制作"), vec!["srt"]);
        let first = codes("IPO 和 ipo");
        assert_eq!((first.len(), first[0].display.as_str()), (1, "IPO"));
    }

    #[test]
    fn chinese_is_segmented_into_words() {
        let terms = analyze("寻求越南冷链物流伙伴", "zh-Hans");
        assert!(terms.iter().any(|t| t == "越南"), "{terms:?}");
        assert!(terms.iter().any(|t| t.contains("物流")), "{terms:?}");
    }

    #[test]
    fn english_and_french_words_are_stemmed_and_lowercased() {
        assert_eq!(analyze("Distributors wanted", "en"), vec!["distributor", "want"]);
        let fr = analyze("Partenaires logistiques", "fr");
        assert_eq!(fr, analyze("partenaire logistique", "fr"));
    }

    #[test]
    fn thai_and_vietnamese_yield_terms() {
        assert!(!analyze("มองหาโอกาสการลงทุน", "th").is_empty());
        let vi = analyze("Kho lạnh và vận chuyển", "vi");
        assert!(vi.len() >= 4, "{vi:?}");
    }

    #[test]
    fn punctuation_disappears() {
        assert_eq!(analyze("logistics, (cold-chain)!", "en"), analyze("logistics cold chain", "en"));
    }
}
