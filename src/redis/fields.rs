//! The field names of a session's hash: one per session key, and the tombstone's. Session keys
//! are the application's, any text at all, so the tombstone's field must be one no key can take:
//! a key that starts with NUL is stored with one more NUL in front, and the tombstone's field is a
//! single NUL and `revoked`. A field with a single NUL in front that is not the tombstone's was
//! written before keys were escaped, and reads back as the key it was.

use std::borrow::Cow;

/// The tombstone's field (see src/redis/engine.rs).
pub const REVOKED: &str = "\u{0}revoked";

const NUL: char = '\u{0}';

/// The field that holds session key `key`.
pub fn field(key: &str) -> Cow<'_, str> {
  if key.starts_with(NUL) {
    Cow::Owned(format!("{NUL}{key}"))
  } else {
    Cow::Borrowed(key)
  }
}

/// The session key that `field` holds, or `None` for the tombstone's field.
pub fn key_of(field: &str) -> Option<&str> {
  match field.strip_prefix(NUL) {
    None => Some(field),
    Some(_) if field == REVOKED => None,
    Some(escaped) if escaped.starts_with(NUL) => Some(escaped),
    Some(_) => Some(field),
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn every_key_has_a_field_of_its_own_and_reads_back() {
    for key in ["count", "", "\u{0}revoked", "\u{0}\u{0}revoked", "\u{0}", "\u{0}created", "a\u{0}b"] {
      let field = field(key);
      assert_ne!(field, REVOKED, "{key:?}");
      assert_eq!(key_of(&field), Some(key), "{key:?}");
    }
  }

  #[test]
  fn the_tombstone_field_is_no_key_and_old_fields_read_as_written() {
    assert_eq!(key_of(REVOKED), None);
    assert_eq!(key_of("\u{0}created"), Some("\u{0}created"));
  }
}
