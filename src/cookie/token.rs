//! Session tokens: 30 bytes from a cryptographically secure generator, standard base64 (40 chars).

use rand::RngCore;

/// Bytes of randomness in a token: 240 bits, as the original.
pub const TOKEN_BYTES: usize = 30;

/// The longest cookie value accepted as a token. Real tokens are 40 characters; the slack admits
/// tokens made by other managers sharing the store, and the cap keeps hostile headers cheap.
pub const MAX_TOKEN_LEN: usize = 256;

/// A new random token.
///
/// `thread_rng` is a ChaCha CSPRNG seeded (and periodically reseeded) from the operating system,
/// so a token costs no system call.
pub fn generate() -> String {
  let mut bytes = [0u8; TOKEN_BYTES];
  rand::thread_rng().fill_bytes(&mut bytes);
  super::base64::encode_standard(&bytes)
}

/// Whether a cookie value can be a token: 1 to [`MAX_TOKEN_LEN`] base64 characters (either
/// alphabet). Anything else (garbage bytes, separators, oversized values) means "no session".
pub fn is_plausible(value: &str) -> bool {
  (1..=MAX_TOKEN_LEN).contains(&value.len())
    && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn tokens_are_40_base64_chars_and_differ() {
    let a = generate();
    let b = generate();
    assert_eq!(a.len(), 40);
    assert!(is_plausible(&a));
    assert_ne!(a, b);
  }

  #[test]
  fn implausible_values_are_refused() {
    assert!(!is_plausible(""));
    assert!(!is_plausible("abc def"));
    assert!(!is_plausible("abc\u{0}"));
    assert!(!is_plausible("ü"));
    assert!(!is_plausible(&"A".repeat(MAX_TOKEN_LEN + 1)));
    assert!(is_plausible(&"A".repeat(MAX_TOKEN_LEN)));
  }
}
