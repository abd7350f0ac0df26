//! The UI's translations: Project Fluent bundles for English, Simplified and Traditional
//! Chinese (`crates/http/i18n/*.ftl`, compiled in), and the choice of locale for a
//! request: `lang` query parameter, then the `bridgehub-lang` cookie, then the signed-in
//! user's locale, then `Accept-Language`, then English.

use std::sync::LazyLock;

use bridgehub_domain::reference::Locale;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};

/// The cookie that keeps the chosen UI language.
pub(crate) const LANG_COOKIE: &str = "bridgehub-lang";

const SOURCES: [(Locale, &str); 3] = [
    (Locale::En, include_str!("../../i18n/en.ftl")),
    (Locale::ZhHans, include_str!("../../i18n/zh-Hans.ftl")),
    (Locale::ZhHant, include_str!("../../i18n/zh-Hant.ftl")),
];

struct Bundles {
    en: FluentBundle<FluentResource>,
    zh_hans: FluentBundle<FluentResource>,
    zh_hant: FluentBundle<FluentResource>,
}

fn bundle(locale: Locale, source: &str) -> FluentBundle<FluentResource> {
    let tag: unic_langid::LanguageIdentifier = locale.tag().parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![tag]);
    // No Unicode isolation marks around arguments: templates escape and place them.
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(resource) => resource,
        Err((resource, errors)) => {
            tracing::error!(
                locale = locale.tag(),
                errors = errors.len(),
                "translation file has syntax errors"
            );
            resource
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::error!(
            locale = locale.tag(),
            errors = errors.len(),
            "translation file has duplicate messages"
        );
    }
    bundle
}

static BUNDLES: LazyLock<Bundles> = LazyLock::new(|| Bundles {
    en: bundle(Locale::En, SOURCES[0].1),
    zh_hans: bundle(Locale::ZhHans, SOURCES[1].1),
    zh_hant: bundle(Locale::ZhHant, SOURCES[2].1),
});

fn bundle_of(locale: Locale) -> &'static FluentBundle<FluentResource> {
    match locale {
        Locale::En => &BUNDLES.en,
        Locale::ZhHans => &BUNDLES.zh_hans,
        Locale::ZhHant => &BUNDLES.zh_hant,
    }
}

fn format(
    bundle: &FluentBundle<FluentResource>,
    key: &str,
    args: Option<&FluentArgs<'_>>,
) -> Option<String> {
    let pattern = bundle.get_message(key)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, args, &mut errors);
    Some(text.into_owned())
}

/// The message `key` in `locale` (falling back to English, then to the key itself).
pub(crate) fn text(locale: Locale, key: &str, args: Option<&FluentArgs<'_>>) -> String {
    format(bundle_of(locale), key, args)
        .or_else(|| format(bundle_of(Locale::En), key, args))
        .unwrap_or_else(|| key.to_owned())
}

/// The message `key` in `locale` itself (no fallback), if that catalogue has it.
pub(crate) fn text_if_any(locale: Locale, key: &str, args: Option<&FluentArgs<'_>>) -> Option<String> {
    format(bundle_of(locale), key, args)
}

/// The message `key` with one argument.
pub(crate) fn text1(
    locale: Locale,
    key: &str,
    name: &str,
    value: impl Into<FluentValue<'static>>,
) -> String {
    let mut args = FluentArgs::new();
    args.set(name.to_owned(), value.into());
    text(locale, key, Some(&args))
}

/// A supported UI locale from a tag (`en`, `zh-Hans`, `zh-Hant`, also `zh-TW`, `zh-CN`).
pub(crate) fn parse_locale(tag: &str) -> Option<Locale> {
    let tag = tag.trim();
    let lower = tag.to_ascii_lowercase();
    if lower == "en" || lower.starts_with("en-") || lower.starts_with("zh") {
        Some(Locale::for_tag(tag))
    } else {
        None
    }
}

/// The best supported locale for an `Accept-Language` header, if any is acceptable.
pub(crate) fn from_accept_language(header: &str) -> Option<Locale> {
    fluent_langneg::accepted_languages::parse(header)
        .into_iter()
        .find_map(|id| parse_locale(&id.to_string()))
}

/// The language switcher's entries: locale, its own name.
pub(crate) const SWITCHER: [(Locale, &str); 3] = [
    (Locale::En, "English"),
    (Locale::ZhHans, "中文(简)"),
    (Locale::ZhHant, "中文(繁)"),
];

/// Whether text in language `tag` is written right to left (Arabic, Hebrew, Persian, Urdu, ...).
pub(crate) fn is_rtl(tag: &str) -> bool {
    let primary = tag
        .split(['-', '_'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    matches!(
        primary.as_str(),
        "ar" | "he" | "iw" | "fa" | "ur" | "ps" | "sd" | "ug" | "yi" | "dv" | "ckb"
    )
}

/// The `dir` attribute value for user content in language `tag` (`auto` lets the browser
/// decide from the first strong character when the language is not a right-to-left one).
pub(crate) fn dir_of(tag: &str) -> &'static str {
    if is_rtl(tag) { "rtl" } else { "auto" }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
    }

    #[test]
    fn every_message_exists_in_every_locale_and_parses() {
        let english = ids(SOURCES[0].1);
        assert!(english.len() > 50, "the English file has its messages");
        for (locale, source) in SOURCES {
            assert!(
                FluentResource::try_new(source.to_owned()).is_ok(),
                "{} parses",
                locale.tag()
            );
            let own = ids(source);
            for id in &english {
                assert!(own.contains(id), "{} lacks {id}", locale.tag());
            }
            for id in &own {
                assert!(
                    english.contains(id),
                    "{} has {id}, which English lacks",
                    locale.tag()
                );
            }
        }
    }

    /// The codes of coded problems in a Rust source: a kebab-case string literal followed
    /// by the argument list, `"CODE", &[` (as `Problem::coded`, `FieldError::coded` and
    /// `invalid_coded` take them).
    fn problem_codes(source: &str) -> Vec<String> {
        let mut out = Vec::new();
        for (at, _) in source.match_indices("&[") {
            let before = source[..at].trim_end();
            let Some(before) = before.strip_suffix(',') else { continue };
            let Some(before) = before.trim_end().strip_suffix('"') else { continue };
            let Some(start) = before.rfind('"') else { continue };
            let code = &before[start + 1..];
            let kebab = code.starts_with(|c: char| c.is_ascii_lowercase())
                && code.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if kebab && !code.is_empty() {
                out.push(code.to_owned());
            }
        }
        out
    }

    fn rust_sources(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("a source folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                rust_sources(&path, out);
            } else if path.extension().is_some_and(|x| x == "rs") {
                out.push(path);
            }
        }
    }

    #[test]
    fn every_coded_problem_of_the_workspace_has_a_message() {
        let crates = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for name in ["domain", "exchange", "app", "http"] {
            rust_sources(&crates.join(name).join("src"), &mut files);
        }
        let mut codes: Vec<String> = files.iter().flat_map(|f| problem_codes(&std::fs::read_to_string(f).expect("readable"))).collect();
        codes.sort();
        codes.dedup();
        for code in ["empty", "not-a-date", "not-a-country", "required", "too-short", "second-factor-needed"] {
            assert!(codes.iter().any(|c| c == code), "the scan finds {code}: {codes:?}");
        }
        for (locale, source) in SOURCES {
            let own = ids(source);
            for code in &codes {
                assert!(own.contains(&format!("problem-{code}")), "{} lacks problem-{code}", locale.tag());
            }
        }
    }

    #[test]
    fn texts_are_translated_and_fall_back() {
        assert_eq!(text(Locale::En, "nav-directory", None), "Directory");
        assert_eq!(text(Locale::ZhHans, "nav-directory", None), "名录");
        assert_eq!(text(Locale::ZhHant, "nav-directory", None), "名錄");
        assert_eq!(text(Locale::ZhHans, "no-such-key", None), "no-such-key");
        assert_eq!(text1(Locale::En, "page-of", "n", 3), "Page 3");
    }

    #[test]
    fn accept_language_picks_a_supported_locale() {
        assert_eq!(
            from_accept_language("zh-TW,zh;q=0.9,en;q=0.8"),
            Some(Locale::ZhHant)
        );
        assert_eq!(
            from_accept_language("ar-SA,zh-CN;q=0.8"),
            Some(Locale::ZhHans)
        );
        assert_eq!(from_accept_language("fr-FR,en-GB;q=0.5"), Some(Locale::En));
        assert_eq!(from_accept_language("fr"), None);
        assert_eq!(parse_locale("zh-Hant"), Some(Locale::ZhHant));
        assert_eq!(parse_locale("de"), None);
    }

    #[test]
    fn right_to_left_languages_are_known() {
        assert_eq!(dir_of("ar"), "rtl");
        assert_eq!(dir_of("fa-IR"), "rtl");
        assert_eq!(dir_of("he"), "rtl");
        assert_eq!(dir_of("zh-Hans"), "auto");
        assert_eq!(dir_of("en"), "auto");
    }
}
