//! External identifiers: the `id` of the exchange format, kept as the key everywhere.

use std::fmt;

use crate::Problem;

/// The longest id accepted.
pub const MAX_ID_LEN: usize = 128;

/// The external key of an organization, person, listing or tie (`org-d6ac09762f`).
///
/// Ids are 1 to 128 characters of ASCII letters, digits and `-_.:@`, so they are safe
/// in URLs, CSV cells and file names without escaping.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EntityId(String);

impl EntityId {
    /// Parses and checks an id.
    pub fn parse(text: &str) -> Result<Self, Problem> {
        if text.is_empty() {
            return Err(crate::text::empty());
        }
        // The characters first: a valid id is ASCII, so its length in bytes is its length in
        // characters, as the length problem says.
        if let Some(bad) = text.chars().find(|c| !(c.is_ascii_alphanumeric() || "-_.:@".contains(*c))) {
            return Err(Problem::coded(
                "id-characters",
                &[("value", text), ("character", &bad.to_string())],
                format!("\"{text}\" contains {bad:?}; ids may use only ASCII letters, digits and - _ . : @"),
            ));
        }
        if text.len() > MAX_ID_LEN {
            return Err(crate::text::too_long(text.len(), MAX_ID_LEN));
        }
        Ok(Self(text.to_owned()))
    }

    /// Makes a fresh random-looking id with a prefix, from caller-supplied entropy.
    pub fn generated(prefix: &str, entropy: u64) -> Self {
        Self(format!("{prefix}-{entropy:016x}"))
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EntityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_accept_the_exchange_format_shapes() {
        assert!(EntityId::parse("org-d6ac09762f").is_ok());
        assert!(EntityId::parse("tie:a:b:2024-01-01").is_ok());
    }

    #[test]
    fn ids_reject_empty_long_and_unsafe_text() {
        assert_eq!(EntityId::parse("").unwrap_err(), "must not be empty");
        assert!(EntityId::parse(&"x".repeat(129)).unwrap_err().text.contains("129 characters"));
        assert!(EntityId::parse("a b").unwrap_err().text.contains("' '"));
        assert!(EntityId::parse("a/b").is_err());
    }
}
