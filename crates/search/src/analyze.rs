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

#[cfg(test)]
mod tests {
    use super::*;

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
