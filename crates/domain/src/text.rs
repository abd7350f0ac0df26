//! Text rules shared by every way into the hub: lengths, e-mail, phone and URL shapes.

/// Checks a required text: trimmed, non-empty, at most `max` characters, no control characters.
pub fn required(value: &str, max: usize) -> Result<String, String> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err("must not be empty".into());
    }
    optional_inner(trimmed, max)
}

/// Checks an optional text; blank becomes `None`.
pub fn optional(value: Option<&str>, max: usize) -> Result<Option<String>, String> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => optional_inner(text, max).map(Some),
    }
}

fn optional_inner(text: &str, max: usize) -> Result<String, String> {
    let n_chars = text.chars().count();
    if n_chars > max {
        return Err(format!("is {n_chars} characters long; at most {max} are allowed"));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err("contains control characters".into());
    }
    Ok(text.to_owned())
}

/// Checks the shape of an e-mail address (one `@`, a dotted domain, no spaces).
pub fn email(value: &str) -> Result<String, String> {
    let text = value.trim();
    let Some((local, domain)) = text.split_once('@') else {
        return Err(format!("\"{text}\" is not an e-mail address (no @)"));
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if local.is_empty() || domain.contains('@') || !domain_ok || text.chars().any(char::is_whitespace) || text.len() > 254 {
        return Err(format!("\"{text}\" is not an e-mail address"));
    }
    Ok(text.to_owned())
}

/// Checks a telephone number: digits with optional `+`, spaces, dashes, dots and parentheses,
/// 6 to 20 digits in all.
pub fn phone(value: &str) -> Result<String, String> {
    let text = value.trim();
    let n_digits = text.chars().filter(char::is_ascii_digit).count();
    let shape_ok = text.chars().all(|c| c.is_ascii_digit() || " +-.()/".contains(c))
        && text.chars().filter(|&c| c == '+').count() <= 1
        && (!text.contains('+') || text.starts_with('+'));
    if !shape_ok || !(6..=20).contains(&n_digits) {
        return Err(format!("\"{text}\" is not a telephone number (digits, optional leading +, 6 to 20 digits)"));
    }
    Ok(text.to_owned())
}

/// Checks a web address: `http://` or `https://` followed by a host.
pub fn url(value: &str) -> Result<String, String> {
    let text = value.trim();
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !text.chars().any(char::is_whitespace) && text.len() <= 2_000 => {
            Ok(text.to_owned())
        }
        _ => Err(format!("\"{text}\" is not a web address starting with http:// or https://")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("  Acme ", 10).unwrap(), "Acme");
        assert_eq!(required("   ", 10).unwrap_err(), "must not be empty");
        assert!(required("abcdef", 5).unwrap_err().contains("at most 5"));
        assert!(required("a\u{0}b", 5).unwrap_err().contains("control"));
        assert_eq!(optional(Some(" "), 5).unwrap(), None);
    }

    #[test]
    fn contact_shapes_are_checked() {
        assert!(email("arb@huagang-law.example").is_ok());
        assert!(email("no-at.example").is_err());
        assert!(email("a@b").is_err());
        assert!(phone("+852 2815 3307").is_ok());
        assert!(phone("12").is_err());
        assert!(phone("call me").is_err());
        assert!(url("https://chenabhealth.example").is_ok());
        assert!(url("ftp://x").is_err());
    }
}
