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
/// `BIMCO`), a model or standard number (`A320neo`, `IP67`, `5G`, `ISO 9001`), or, in a
/// text written mostly in another script, a word in Latin letters (`Kafka` in a Korean
/// text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Code {
    /// Lowercased: what two texts are compared on.
    pub key: String,
    /// As first written in the text.
    pub display: String,
}

/// ISO 4217 codes of the currencies listings quote most: followed by a number they make an
/// amount, not a standard's number.
const CURRENCIES: &[&str] = &[
    "AED", "AUD", "BDT", "BHD", "BRL", "CAD", "CHF", "CNH", "CNY", "EGP", "EUR", "GBP", "HKD", "IDR", "INR", "JPY", "KRW",
    "KWD", "KZT", "LKR", "MOP", "MXN", "MYR", "NGN", "NZD", "OMR", "PHP", "PKR", "QAR", "RMB", "RUB", "SAR", "SGD",
    "THB", "TRY", "TWD", "USD", "UZS", "VND", "ZAR",
];

/// A Latin letter: ASCII, or with diacritics (Latin-1 to Latin Extended-B, and the
/// Vietnamese block of Latin Extended Additional).
fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}')
}

/// The names and codes of `text` (see [`Code`]), each once, in order of appearance.
///
/// Words here are maximal runs of Latin letters and digits: identifiers are written in
/// ASCII in every language, and a run boundary falls wherever another script starts
/// (`支持5G` gives `5G`; a segmenter keeps the digit with the Chinese run). A code is a word
/// of ASCII letters and digits, at least two characters, that
/// - holds a digit and a capital or a longer word (`A320neo`, `IP67`, `5G`, `CO2`), but not
///   only digits (years, amounts) and not a number with a short lower-case unit or an
///   ordinal (`500kg`, `m2`, `1st`), which coincide by chance;
/// - or has two capitals (`ISM`, `DevOps`), unless it stands in a line written in
///   capitals (most of its Latin letters capitals, and almost no letters of other scripts:
///   a title in capitals);
/// - or is any word in a text whose letters are mostly of another script (there every
///   Latin word was written as is: a product, a standard, a place's Latin name).
///
/// An acronym followed by a number (`ISO 9001`, but not a currency: `USD 15`) gives the acronym and the pair. Such tokens
/// survive translation, so two texts in different languages that share rare ones very likely
/// speak of the same thing.
pub fn codes(text: &str) -> Vec<Code> {
    // (letters, Latin letters, Latin capitals) of a piece of text.
    let count = |piece: &str| {
        let (mut letters, mut latin, mut capitals) = (0_usize, 0_usize, 0_usize);
        for c in piece.chars().filter(|c| c.is_alphabetic()) {
            letters += 1;
            if is_latin(c) {
                latin += 1;
                capitals += usize::from(c.is_uppercase());
            }
        }
        (letters, latin, capitals)
    };
    let (letters, latin, _) = count(text);
    let other_script = latin * 2 < letters;
    // Byte ranges of the lines written in capitals.
    let mut shouted: Vec<std::ops::Range<usize>> = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let (letters, latin, capitals) = count(line);
        if capitals * 2 > latin && (letters - latin) * 10 < letters {
            shouted.push(line_start..line_start + line.len());
        }
        line_start += line.len();
    }
    let mut words: Vec<(usize, &str)> = Vec::new();
    let mut start: Option<usize> = None;
    for (at, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        match (start, is_latin(c) || c.is_ascii_digit()) {
            (None, true) => start = Some(at),
            (Some(from), false) => {
                words.push((from, &text[from..at]));
                start = None;
            }
            _ => {}
        }
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    let mut push = |display: String| {
        let key = display.to_ascii_lowercase();
        if seen.insert(key.clone()) {
            out.push(Code { key, display });
        }
    };
    for (i, &(at, word)) in words.iter().enumerate() {
        if word.len() < 2 || !word.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let digits = word.bytes().filter(u8::is_ascii_digit).count();
        let word_capitals = word.bytes().filter(u8::is_ascii_uppercase).count();
        let word_letters = word.len() - digits;
        if word_letters == 0 || (digits > 0 && word_capitals == 0 && word_letters <= 3) {
            continue;
        }
        let acronym = word_capitals >= 2 && !shouted.iter().any(|line| line.contains(&at));
        if digits > 0 || acronym || other_script {
            push(word.to_owned());
        }
        // "ISO 9001": the acronym, one space, a number of two digits or more (not an amount
        // after a currency: "USD 15" million).
        if word_capitals >= 2 && digits == 0
            && !CURRENCIES.contains(&word)
            && let Some(&(next_at, number)) = words.get(i + 1)
            && next_at == at + word.len() + 1
            && text[at + word.len()..].starts_with(' ')
            && number.len() >= 2
            && number.bytes().all(|b| b.is_ascii_digit())
        {
            push(format!("{word} {number}"));
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
            vec!["ism", "isps", "iso", "iso 9001", "bimco", "shipman", "a320neo", "ip67"]
        );
        // Digits next to another script stay with their letters.
        assert_eq!(keys("我们支持5G网络和3D打印，提供20GP集装箱和ISO 14001认证"), vec!["5g", "3d", "20gp", "iso", "iso 14001"]);
        // An amount is not a standard's number.
        assert_eq!(keys("A budget of USD 15 million for EPC works"), vec!["usd", "epc"]);
        // Quantities, units and ordinals are not codes; nor are the words of a title in capitals.
        assert!(keys("500kg of durian, 20 m2 of cold storage, shipped on the 1st of May").is_empty());
        assert_eq!(keys("COLD STORAGE FOR DURIAN IN A320 FREIGHTERS\nWe ship durian under HACCP rules."), vec!["a320", "haccp"]);
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
