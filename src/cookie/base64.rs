//! Base64 encoding, the two alphabets this crate needs.
//!
//! Tokens use the standard alphabet with padding (as Node's `toString('base64')`), signatures
//! Keygrip's URL-safe form without padding. Hand-written because it is a dozen lines and keeps the
//! dependency list to what the project agreed on.

const STANDARD: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const URL_SAFE: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Standard base64 with `=` padding: what `Buffer#toString('base64')` gives.
pub fn encode_standard(bytes: &[u8]) -> String {
  encode(bytes, STANDARD, true)
}

/// Keygrip's digest form: base64 with `+`→`-`, `/`→`_`, and no `=` padding.
pub fn encode_keygrip(bytes: &[u8]) -> String {
  encode(bytes, URL_SAFE, false)
}

fn encode(bytes: &[u8], alphabet: &[u8; 64], pad: bool) -> String {
  let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
  for chunk in bytes.chunks(3) {
    let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
    let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
    let sextets = [(n >> 18) & 63, (n >> 12) & 63, (n >> 6) & 63, n & 63];
    let used = chunk.len() + 1;
    for (i, s) in sextets.iter().enumerate() {
      if i < used {
        out.push(char::from(alphabet[*s as usize]));
      } else if pad {
        out.push('=');
      }
    }
  }
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn standard_matches_rfc4648_vectors() {
    let cases = [
      ("", ""),
      ("f", "Zg=="),
      ("fo", "Zm8="),
      ("foo", "Zm9v"),
      ("foob", "Zm9vYg=="),
      ("fooba", "Zm9vYmE="),
      ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in cases {
      assert_eq!(encode_standard(plain.as_bytes()), encoded);
    }
  }

  #[test]
  fn keygrip_form_is_url_safe_and_unpadded() {
    assert_eq!(encode_keygrip(&[0xfb, 0xff]), "-_8");
    assert_eq!(encode_standard(&[0xfb, 0xff]), "+/8=");
  }
}
