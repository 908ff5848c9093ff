//! What a Store API call asks of an off-thread store (LevelStore's owner thread, RedisStore's
//! runtime): one [`Op`] per call. The store answers each with a [`crate::completion::Completion`]
//! carrying the caller's ticket. A new off-thread store takes these and nothing else; its binding
//! turns `submit(ticket, call, id, key, json, expireMs)` into an `Op` (src/binding/mod.rs), and
//! lib/stores/ticketed.js holds the JavaScript half of the contract.

/// How long a tombstone lasts when the revoked session had no expiry left: long enough to outlive
/// any write that was racing the revoke. (A session with time left keeps its tombstone that long.)
pub const TOMBSTONE_MS: u64 = 10 * 60 * 1000;

/// A Store API call. `expire_ms` is the session's idle lifetime, as the Store API passes it; `json`
/// is the value's JSON text.
#[derive(Debug, PartialEq)]
pub enum Op {
  Get {
    id: String,
    key: String,
    expire_ms: u64,
  },
  GetAll {
    id: String,
    expire_ms: u64,
  },
  Set {
    id: String,
    key: String,
    json: String,
    expire_ms: u64,
  },
  Del {
    id: String,
    key: String,
    expire_ms: u64,
  },
  DelAll {
    id: String,
  },
  /// `delAll` leaving a tombstone, so that a write still in flight cannot bring the session back.
  Revoke {
    id: String,
  },
  Extend {
    id: String,
    expire_ms: u64,
  },
  /// `regenerate()`'s one step: the session's data goes to `to` (a new id) with a fresh expiry,
  /// and `id` is revoked, its tombstone naming `to`, so that a revoke of `id` that comes later
  /// (a `destroy()` racing the regenerate) revokes `to` as well. A revoked or absent session moves
  /// nothing.
  Move {
    id: String,
    to: String,
    expire_ms: u64,
  },
  /// The ids of every live session: holding a key, not revoked, not expired, not an internal
  /// record ([`is_internal_id`]). Answered with a JSON array of the ids as stored.
  Ids,
  /// How many ids [`Op::Ids`] would list. Answered with the count as JSON.
  Length,
  /// Removes everything the store holds: sessions, tombstones, internal records.
  Clear,
}

/// Whether a stored id is one of the package's own records rather than a session: ids that start
/// with NUL (lib/users/records.js keeps each user's index under `\0user:<id>`; no session id can
/// start so). The stores' enumeration (`ids`, `length`) leaves them out; `clear` removes them too.
pub fn is_internal_id(id: &[u8]) -> bool {
  id.first() == Some(&0)
}

/// At most this many moves are followed from a revoked session to the one its data went to (each
/// `regenerate()` of a session adds one): past that, a revoke stops following.
pub const MAX_MOVES_FOLLOWED: usize = 16;

impl Op {
  /// The session the call is about; `None` for the calls about the whole store.
  pub fn id(&self) -> Option<&str> {
    match self {
      Op::Get { id, .. } | Op::GetAll { id, .. } | Op::Set { id, .. } | Op::Del { id, .. } => Some(id),
      Op::DelAll { id } | Op::Revoke { id } | Op::Extend { id, .. } | Op::Move { id, .. } => Some(id),
      Op::Ids | Op::Length | Op::Clear => None,
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn every_call_names_its_session() {
    let id = || "s1".to_string();
    let calls = [
      Op::Get { id: id(), key: "k".into(), expire_ms: 1 },
      Op::GetAll { id: id(), expire_ms: 1 },
      Op::Set { id: id(), key: "k".into(), json: "1".into(), expire_ms: 1 },
      Op::Del { id: id(), key: "k".into(), expire_ms: 1 },
      Op::DelAll { id: id() },
      Op::Revoke { id: id() },
      Op::Extend { id: id(), expire_ms: 1 },
      Op::Move { id: id(), to: "s2".into(), expire_ms: 1 },
    ];
    assert!(calls.iter().all(|op| op.id() == Some("s1")));
    assert!([Op::Ids, Op::Length, Op::Clear].iter().all(|op| op.id().is_none()));
  }

  #[test]
  fn ids_that_start_with_nul_are_internal() {
    assert!(is_internal_id(b"\0user:alice"));
    assert!(!is_internal_id(b"session:abc"));
    assert!(!is_internal_id(b""));
  }
}
