//! Keyset cursors and LIKE escaping, shared by every backend.

use crate::{Result, StoreError};

/// Cursors are the last id of the previous page, hex-encoded so they stay opaque.
pub(crate) fn encode_cursor(id: &str) -> String {
    id.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The id a cursor stands for, or [`StoreError::InvalidCursor`].
pub(crate) fn decode_cursor(cursor: &str) -> Result<String> {
    let bad = || StoreError::InvalidCursor(cursor.chars().take(40).collect());
    if !cursor.len().is_multiple_of(2) || cursor.len() > 512 {
        return Err(bad());
    }
    let bytes: Option<Vec<u8>> = (0..cursor.len())
        .step_by(2)
        .map(|i| cursor.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect();
    bytes.and_then(|b| String::from_utf8(b).ok()).ok_or_else(bad)
}

/// Escapes `%`, `_` and the backslash for a LIKE pattern whose escape character is the backslash.
pub(crate) fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let cursor = encode_cursor("org-ä1");
        assert_eq!(decode_cursor(&cursor).unwrap(), "org-ä1");
        assert!(matches!(decode_cursor("zz"), Err(StoreError::InvalidCursor(_))));
        assert!(matches!(decode_cursor("abc"), Err(StoreError::InvalidCursor(_))));
    }

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(like_escape("50%_a\\"), "50\\%\\_a\\\\");
    }
}
