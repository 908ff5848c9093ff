//! Keygrip-compatible cookie signatures: HMAC-SHA1 over `name=value`, in Keygrip's base64 form.
//!
//! The first key signs; every key verifies, so keys can be rotated by putting a new one first.

use hmac::{Hmac, Mac};
use sha1::Sha1;

use super::base64;

type HmacSha1 = Hmac<Sha1>;

/// A list of signing keys, newest first.
pub struct Keygrip {
  /// Each key's HMAC state after absorbing the key, cloned per use to skip the key schedule.
  keyed: Vec<HmacSha1>,
}

impl Keygrip {
  /// Prepares the keys; `None` when the list is empty, which can sign nothing.
  pub fn new<K: AsRef<[u8]>>(keys: &[K]) -> Option<Self> {
    if keys.is_empty() {
      return None;
    }
    let keyed =
      keys.iter().map(|key| HmacSha1::new_from_slice(key.as_ref()).expect("HMAC takes keys of any length")).collect();
    Some(Keygrip { keyed })
  }

  /// The signature, with the newest key, of the data given as `parts` (concatenated; parts save
  /// building `name=value` just to sign it).
  ///
  /// ```
  /// let grip = generic_session::cookie::keygrip::Keygrip::new(&["secret"]).unwrap();
  /// // As `new (require('keygrip'))(['secret']).sign('s=abc')` gives it.
  /// assert_eq!(grip.sign(&[b"s=abc"]), grip.sign(&[b"s", b"=", b"abc"]));
  /// ```
  pub fn sign(&self, parts: &[&[u8]]) -> String {
    digest(&self.keyed[0], parts)
  }

  /// The position of the key that made `signature` for the data in `parts`, or `None` when none
  /// did. Each comparison takes the same time whatever the bytes, as Keygrip's does.
  pub fn index(&self, parts: &[&[u8]], signature: &str) -> Option<usize> {
    self.keyed.iter().position(|keyed| constant_time_eq(digest(keyed, parts).as_bytes(), signature.as_bytes()))
  }
}

fn digest(keyed: &HmacSha1, parts: &[&[u8]]) -> String {
  let mut mac = keyed.clone();
  for part in parts {
    mac.update(part);
  }
  base64::encode_keygrip(&mac.finalize().into_bytes())
}

/// Compares two byte strings in time that depends only on their lengths (which are public: every
/// valid signature has the same length).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
  if a.len() != b.len() {
    return false;
  }
  let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
  std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn signs_as_keygrip_does() {
    // `new Keygrip(['secret']).sign('s=abc')` with keygrip 1.1.0 and 1.0.3.
    let grip = Keygrip::new(&["secret"]).unwrap();
    assert_eq!(grip.sign(&[b"s=abc"]), "bWWcOB99GcsgMUBqWtWR95P091E");
  }

  #[test]
  fn index_finds_the_key_that_signed() {
    let old = Keygrip::new(&["old"]).unwrap();
    let rotated = Keygrip::new(&["new", "old"]).unwrap();
    let signature = old.sign(&[b"s=abc"]);
    assert_eq!(rotated.index(&[b"s=abc"], &signature), Some(1));
    assert_eq!(rotated.index(&[b"s=abc"], &rotated.sign(&[b"s=abc"])), Some(0));
  }

  #[test]
  fn index_rejects_tampering() {
    let grip = Keygrip::new(&["secret"]).unwrap();
    let signature = grip.sign(&[b"s=abc"]);
    assert_eq!(grip.index(&[b"s=abd"], &signature), None);
    assert_eq!(grip.index(&[b"s=abc"], &signature[1..]), None);
    assert_eq!(grip.index(&[b"s=abc"], ""), None);
  }

  #[test]
  fn an_empty_key_list_is_refused() {
    assert!(Keygrip::new::<&str>(&[]).is_none());
  }
}
