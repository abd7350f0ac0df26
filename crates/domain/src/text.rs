//! Text rules shared by every way into the hub: lengths, e-mail, phone and URL shapes.

use crate::Problem;

/// "must not be empty".
pub fn empty() -> Problem {
    Problem::coded("empty", &[], "must not be empty")
}

/// "is {length} characters long; at most {max} are allowed".
pub fn too_long(length: usize, max: usize) -> Problem {
    Problem::coded(
        "too-many-characters",
        &[("length", &length.to_string()), ("max", &max.to_string())],
        format!("is {length} characters long; at most {max} are allowed"),
    )
}

/// "is required" (a field that is missing altogether).
pub fn missing() -> Problem {
    Problem::coded("required", &[], "is required")
}

/// Checks a required text: trimmed, non-empty, at most `max` characters, no control characters.
pub fn required(value: &str, max: usize) -> Result<String, Problem> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(empty());
    }
    optional_inner(trimmed, max)
}

/// Checks an optional text; blank becomes `None`.
pub fn optional(value: Option<&str>, max: usize) -> Result<Option<String>, Problem> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => optional_inner(text, max).map(Some),
    }
}

fn optional_inner(text: &str, max: usize) -> Result<String, Problem> {
    let n_chars = text.chars().count();
    if n_chars > max {
        return Err(too_long(n_chars, max));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t' && c != '\r') {
        return Err(Problem::coded("control-characters", &[], "contains control characters"));
    }
    Ok(text.to_owned())
}

/// Checks the shape of an e-mail address (one `@`, a dotted domain, no spaces).
pub fn email(value: &str) -> Result<String, Problem> {
    let text = value.trim();
    let not_email = |text: String| Problem::coded("not-an-email", &[("value", value.trim())], text);
    let Some((local, domain)) = text.split_once('@') else {
        return Err(not_email(format!("\"{text}\" is not an e-mail address (no @)")));
    };
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && domain.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    if local.is_empty() || domain.contains('@') || !domain_ok || text.chars().any(char::is_whitespace) || text.len() > 254 {
        return Err(not_email(format!("\"{text}\" is not an e-mail address")));
    }
    Ok(text.to_owned())
}

/// Checks a telephone number: digits with optional `+`, spaces, dashes, dots and parentheses,
/// 6 to 20 digits in all.
pub fn phone(value: &str) -> Result<String, Problem> {
    let text = value.trim();
    let n_digits = text.chars().filter(char::is_ascii_digit).count();
    let shape_ok = text.chars().all(|c| c.is_ascii_digit() || " +-.()/".contains(c))
        && text.chars().filter(|&c| c == '+').count() <= 1
        && (!text.contains('+') || text.starts_with('+'));
    if !shape_ok || !(6..=20).contains(&n_digits) {
        return Err(Problem::coded(
            "not-a-phone",
            &[("value", text)],
            format!("\"{text}\" is not a telephone number (digits, optional leading +, 6 to 20 digits)"),
        ));
    }
    Ok(text.to_owned())
}

/// Checks a web address: `http://` or `https://` followed by a host.
pub fn url(value: &str) -> Result<String, Problem> {
    let text = value.trim();
    let rest = text.strip_prefix("https://").or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(rest) if !rest.is_empty() && !rest.starts_with('/') && !text.chars().any(char::is_whitespace) && text.len() <= 2_000 => {
            Ok(text.to_owned())
        }
        _ => Err(Problem::coded("not-a-url", &[("value", text)], format!("\"{text}\" is not a web address starting with http:// or https://"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_is_trimmed_and_bounded() {
        assert_eq!(required("  Acme ", 10).unwrap(), "Acme");
        assert_eq!(required("   ", 10).unwrap_err(), "must not be empty");
        assert!(required("abcdef", 5).unwrap_err().text.contains("at most 5"));
        assert!(required("a\u{0}b", 5).unwrap_err().text.contains("control"));
        assert_eq!(optional(Some(" "), 5).unwrap(), None);
    }

    #[test]
    fn problems_carry_their_code_and_values_into_field_errors() {
        let long = required("abcdef", 5).unwrap_err();
        assert_eq!((long.code, long.args.clone()), (Some("too-many-characters"), vec![("length", "6".to_owned()), ("max", "5".to_owned())]));
        let date = crate::parse_date("2027-13-01").unwrap_err();
        assert_eq!((date.code, date.args[0].1.as_str()), (Some("not-a-date"), "2027-13-01"));
        let mut problems = crate::Problems::default();
        assert!(problems.take("contact.email", email("nobody")).is_none());
        problems.push("title", "is odd");
        let field = crate::FieldError::new("country", crate::CountryCode::parse("XQ").unwrap_err());
        assert_eq!((field.field.as_str(), field.code), ("country", Some("not-a-country")));
        assert_eq!((problems.0[0].code, problems.0[0].field.as_str()), (Some("not-an-email"), "contact.email"));
        assert_eq!(problems.0[1].code, None, "a plain text stays uncoded");
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
