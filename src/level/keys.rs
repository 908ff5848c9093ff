//! The LevelStore's key layout. Three kinds of record, each under its own first byte:
//!
//! - `d` + id length (u32, big-endian) + id + key → the value's JSON text: one record per session
//!   key, so writes to different keys of one session never touch each other's records. The length
//!   prefix makes `d` + length + id a prefix that matches exactly one session's records.
//! - `m` + id → the session's expiry (u64 ms since the epoch, big-endian); for a revoked session
//!   (a tombstone) the expiry, `R`, and the id its data was moved to by `regenerate()`, if it was.
//! - `x` + expiry (u64, big-endian) + id → empty: the expiry index, in time order, so the sweeper
//!   reads only what has expired and never scans live sessions.

pub const DATA: u8 = b'd';
pub const META: u8 = b'm';
pub const INDEX: u8 = b'x';

/// The prefix of every data record of session `id`.
pub fn data_prefix(id: &str) -> Vec<u8> {
  let mut out = Vec::with_capacity(5 + id.len());
  out.push(DATA);
  out.extend_from_slice(&(id.len() as u32).to_be_bytes());
  out.extend_from_slice(id.as_bytes());
  out
}

/// The data record of `key` in session `id`.
pub fn data(id: &str, key: &str) -> Vec<u8> {
  data_of(id, key.as_bytes())
}

/// The data record of `key` (as a record holds it) in session `id`.
pub fn data_of(id: &str, key: &[u8]) -> Vec<u8> {
  let mut out = data_prefix(id);
  out.extend_from_slice(key);
  out
}

/// The session key a data record holds, given the length of its session prefix.
pub fn data_key(record: &[u8], prefix_len: usize) -> &[u8] {
  &record[prefix_len..]
}

/// The expiry record of session `id`.
pub fn meta(id: &str) -> Vec<u8> {
  let mut out = Vec::with_capacity(1 + id.len());
  out.push(META);
  out.extend_from_slice(id.as_bytes());
  out
}

/// The index record of session `id` expiring at `expires_ms`.
pub fn index(expires_ms: u64, id: &str) -> Vec<u8> {
  let mut out = Vec::with_capacity(9 + id.len());
  out.push(INDEX);
  out.extend_from_slice(&expires_ms.to_be_bytes());
  out.extend_from_slice(id.as_bytes());
  out
}

/// (expiry, id) of an index record, or `None` if it is not one.
pub fn parse_index(record: &[u8]) -> Option<(u64, &[u8])> {
  if record.len() < 9 || record[0] != INDEX {
    return None;
  }
  let expires = u64::from_be_bytes(record[1..9].try_into().ok()?);
  Some((expires, &record[9..]))
}

/// An expiry value as stored in a meta record.
pub fn encode_expiry(expires_ms: u64) -> [u8; 8] {
  expires_ms.to_be_bytes()
}

/// What a meta record says: the expiry, and whether the session was revoked (`revoke`, which
/// `session.destroy()` calls, or a move, which `regenerate()` makes): a revoked session's meta
/// record stays until that expiry as a tombstone, so that a write still in flight cannot bring the
/// session back.
pub fn decode_meta(value: &[u8]) -> Option<(u64, bool)> {
  let expires = u64::from_be_bytes(value.get(..8)?.try_into().ok()?);
  match value.get(8) {
    None if value.len() == 8 => Some((expires, false)),
    Some(&TOMBSTONE) => Some((expires, true)),
    _ => None,
  }
}

/// The id a tombstone says the session's data was moved to, if it says one.
pub fn moved_to(value: &[u8]) -> Option<&[u8]> {
  match value.get(8) {
    Some(&TOMBSTONE) if value.len() > 9 => Some(&value[9..]),
    _ => None,
  }
}

/// The meta record of a revoked session expiring at `expires_ms`.
pub fn encode_tombstone(expires_ms: u64) -> [u8; 9] {
  let mut out = [TOMBSTONE; 9];
  out[..8].copy_from_slice(&expires_ms.to_be_bytes());
  out
}

/// The meta record of a session revoked at a move of its data to session `to`.
pub fn encode_moved(expires_ms: u64, to: &str) -> Vec<u8> {
  let mut out = encode_tombstone(expires_ms).to_vec();
  out.extend_from_slice(to.as_bytes());
  out
}

const TOMBSTONE: u8 = b'R';

/// The longest record name fjall takes: it panics on a longer one, which would stop the store.
pub const MAX_RECORD_NAME: usize = u16::MAX as usize;

/// Why a call about session `id` (and its `key`) cannot be stored, or `None` when it can: the
/// longest of its record names (the data record's, `d` + length + id + key, or the index
/// record's, `x` + expiry + id) would be past [`MAX_RECORD_NAME`].
pub fn oversized(id: &str, key: Option<&str>) -> Option<String> {
  let longest = (9 + id.len()).max(key.map_or(0, |key| 5 + id.len() + key.len()));
  (longest > MAX_RECORD_NAME).then(|| {
    let key = key.map_or(String::new(), |key| format!(" and a key of {} bytes", key.len()));
    format!(
      "LevelStore: a session id of {} bytes{key} is too long to store: an id may take {} bytes of UTF-8, an id and a key together {}",
      id.len(),
      MAX_RECORD_NAME - 9,
      MAX_RECORD_NAME - 5
    )
  })
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_session_prefix_matches_only_its_own_records() {
    let short = data("ab", "c");
    let long = data("abc", "");
    assert!(short.starts_with(&data_prefix("ab")));
    assert!(!long.starts_with(&data_prefix("ab")));
  }

  #[test]
  fn index_records_sort_by_expiry_and_parse_back() {
    let early = index(1_000, "zzz");
    let late = index(2_000, "aaa");
    assert!(early < late);
    assert_eq!(parse_index(&late), Some((2_000, &b"aaa"[..])));
    assert_eq!(parse_index(b"m123"), None);
  }

  #[test]
  fn meta_records_tell_live_from_revoked() {
    assert_eq!(decode_meta(&encode_expiry(42)), Some((42, false)));
    assert_eq!(decode_meta(&encode_tombstone(42)), Some((42, true)));
    assert_eq!(decode_meta(b"short"), None);
    assert_eq!(decode_meta(&encode_moved(42, "s2")), Some((42, true)));
    assert_eq!(moved_to(&encode_moved(42, "s2")), Some(&b"s2"[..]));
    assert_eq!(moved_to(&encode_tombstone(42)), None);
    assert_eq!(moved_to(&encode_expiry(42)), None);
  }

  #[test]
  fn oversized_names_the_calls_fjall_would_panic_on() {
    let id = "i".repeat(MAX_RECORD_NAME - 9);
    assert_eq!(oversized(&id, None), None);
    assert!(oversized(&format!("{id}i"), None).unwrap().contains("too long"));
    assert_eq!(oversized("id", Some(&"k".repeat(MAX_RECORD_NAME - 7))), None);
    assert!(oversized("id", Some(&"k".repeat(MAX_RECORD_NAME - 6))).is_some());
    assert_eq!(
      data("id", &"k".repeat(MAX_RECORD_NAME - 7)).len(),
      MAX_RECORD_NAME,
      "the longest data record that fits"
    );
  }

  #[test]
  fn data_key_strips_the_session_prefix() {
    let prefix = data_prefix("id");
    assert_eq!(data_key(&data("id", "k1"), prefix.len()), b"k1");
  }
}
