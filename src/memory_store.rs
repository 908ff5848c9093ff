//! The in-process session store: one record per session key, LRU-bounded by bytes of stored JSON,
//! with an idle lifetime refreshed on every access.
//!
//! It lives on the JavaScript thread and every operation is a plain synchronous call: a thread hop
//! would cost far more than the work. Call order is therefore apply order.

use std::time::{Duration, Instant};

use lru::LruCache;

use crate::json_text;
use crate::operation::MAX_MOVES_FOLLOWED;

/// Limits of a [`MemoryStore`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
  /// Bound on the total size of stored sessions, each counted as the length of its JSON text.
  pub max_bytes: usize,
  /// How long a session may go unused before it is gone.
  pub max_age: Duration,
}

/// Sessions by id, least recently used first out.
pub struct MemoryStore {
  sessions: LruCache<String, Session>,
  /// Revoked ids (see [`MemoryStore::revoke`]); the oldest go first past the bound.
  tombstones: LruCache<String, Tombstone>,
  limits: Limits,
  used_bytes: usize,
}

/// At most this many tombstones are kept (about 100 bytes each): a write can only be in flight
/// for so long, and the newest revocations are the ones it can race.
const MAX_TOMBSTONES: usize = 100_000;

/// A revoked id: when, and the id its data went to if a move (`regenerate()`) revoked it.
struct Tombstone {
  at: Instant,
  moved_to: Option<String>,
}

/// One session's records, in insertion order (the order `getAll` gives them back).
struct Session {
  /// (key, value as JSON text). Sessions hold a handful of keys, where a scan beats hashing.
  records: Vec<(String, String)>,
  /// Length of the session's JSON object text: `{` + each `"key":value,` (the last comma is `}`).
  bytes: usize,
  touched: Instant,
}

impl Session {
  fn new(now: Instant) -> Self {
    Session { records: Vec::new(), bytes: 1, touched: now }
  }

  fn position(&self, key: &str) -> Option<usize> {
    self.records.iter().position(|(k, _)| k == key)
  }

  fn record_bytes(key: &str, value: &str) -> usize {
    json_text::string_len(key) + value.len() + 2
  }
}

impl MemoryStore {
  pub fn new(limits: Limits) -> Self {
    MemoryStore { sessions: LruCache::unbounded(), tombstones: LruCache::unbounded(), limits, used_bytes: 0 }
  }

  /// The JSON text stored under `key`, refreshing the session's idle time.
  pub fn get(&mut self, id: &str, key: &str, now: Instant) -> Option<&str> {
    let session = self.live(id, now)?;
    let index = session.position(key)?;
    Some(&session.records[index].1)
  }

  /// The whole session as one JSON object text (`{}` when it holds nothing).
  pub fn get_all(&mut self, id: &str, now: Instant) -> String {
    match self.live(id, now) {
      Some(session) => {
        json_text::object(session.records.iter().map(|(k, v)| (k.as_str(), v.as_str())), session.bytes + 1)
      }
      None => "{}".to_owned(),
    }
  }

  /// Stores `json` (a JSON text) under `key`, then evicts least recently used sessions while the
  /// store is over its byte bound. A session larger than the bound on its own is dropped whole.
  /// A write to a revoked session is dropped.
  pub fn set(&mut self, id: &str, key: &str, json: String, now: Instant) {
    self.sweep_idle(now);
    if self.is_revoked(id, now) {
      return;
    }
    if self.live(id, now).is_none() {
      self.sessions.put(id.to_owned(), Session::new(now));
      self.used_bytes += 1;
    }
    let session = self.sessions.get_mut(id).expect("just ensured");
    let added = Session::record_bytes(key, &json);
    let removed = match session.position(key) {
      Some(index) => {
        let old = std::mem::replace(&mut session.records[index].1, json);
        Session::record_bytes(key, &old)
      }
      None => {
        session.records.push((key.to_owned(), json));
        0
      }
    };
    session.bytes = session.bytes + added - removed;
    self.used_bytes = self.used_bytes + added - removed;
    if session.bytes > self.limits.max_bytes {
      // A session that alone exceeds the bound is dropped by itself, as lru-cache dropped an
      // oversized entry: evicting everyone else first would not make it fit.
      self.del_all(id);
      return;
    }
    self.evict_over_bound();
  }

  /// Removes `key` from the session, refreshing its idle time.
  pub fn del(&mut self, id: &str, key: &str, now: Instant) {
    self.sweep_idle(now);
    let Some(session) = self.live(id, now) else { return };
    let Some(index) = session.position(key) else { return };
    let (key, value) = session.records.remove(index);
    let removed = Session::record_bytes(&key, &value);
    session.bytes -= removed;
    self.used_bytes -= removed;
  }

  /// Removes the whole session.
  pub fn del_all(&mut self, id: &str) {
    if let Some(session) = self.sessions.pop(id) {
      self.used_bytes -= session.bytes;
    }
  }

  /// `revoke` (`session.destroy()`): removes the session and remembers the id for `max_age`, so
  /// that a write still in flight from another request cannot bring a destroyed session back. A
  /// session a move took elsewhere (`regenerate()`) has that one revoked too, down the moves.
  pub fn revoke(&mut self, id: &str, now: Instant) {
    let mut next = Some(id.to_owned());
    for _ in 0..=MAX_MOVES_FOLLOWED {
      let Some(id) = next.take() else { break };
      if self.is_revoked(&id, now) {
        next = self.tombstones.peek(&id).and_then(|tombstone| tombstone.moved_to.clone());
        continue;
      }
      self.del_all(&id);
      self.bury(id, Tombstone { at: now, moved_to: None });
    }
  }

  /// `regenerate()`'s step: the session's records go to `to` (a new id: whatever was there goes),
  /// and `id` is revoked with a tombstone naming `to`. A revoked or absent session moves nothing.
  pub fn move_to(&mut self, id: &str, to: &str, now: Instant) {
    if id == to || self.is_revoked(id, now) || self.live(id, now).is_none() {
      return;
    }
    let session = self.sessions.pop(id).expect("just found live");
    self.del_all(to);
    self.tombstones.pop(to);
    self.sessions.put(to.to_owned(), session);
    self.bury(id.to_owned(), Tombstone { at: now, moved_to: Some(to.to_owned()) });
  }

  fn bury(&mut self, id: String, tombstone: Tombstone) {
    self.tombstones.put(id, tombstone);
    if self.tombstones.len() > MAX_TOMBSTONES {
      self.tombstones.pop_lru();
    }
  }

  fn is_revoked(&mut self, id: &str, now: Instant) -> bool {
    if self.tombstones.is_empty() {
      return false;
    }
    match self.tombstones.peek(id) {
      Some(tombstone) if now.saturating_duration_since(tombstone.at) <= self.limits.max_age => true,
      Some(_) => {
        self.tombstones.pop(id);
        false
      }
      None => false,
    }
  }

  /// Refreshes the session's idle time.
  pub fn extend(&mut self, id: &str, now: Instant) {
    self.live(id, now);
  }

  /// Number of sessions held (idle ones not yet swept included).
  pub fn len(&self) -> usize {
    self.sessions.len()
  }

  pub fn is_empty(&self) -> bool {
    self.sessions.is_empty()
  }

  /// Total size of the sessions held, as counted against `max_bytes`.
  pub fn used_bytes(&self) -> usize {
    self.used_bytes
  }

  /// The session, made most recently used and touched now, unless it is missing or idle too long
  /// (then it is dropped).
  fn live(&mut self, id: &str, now: Instant) -> Option<&mut Session> {
    let max_age = self.limits.max_age;
    let idle = now.saturating_duration_since(self.sessions.get_mut(id)?.touched) > max_age;
    if idle {
      self.del_all(id);
      return None;
    }
    let session = self.sessions.get_mut(id)?;
    session.touched = now;
    Some(session)
  }

  /// Drops sessions idle longer than `max_age`. Recency order is touch order, so they are all at
  /// the cold end and each write pays only for what has actually expired.
  fn sweep_idle(&mut self, now: Instant) {
    while let Some((_, session)) = self.sessions.peek_lru() {
      if now.saturating_duration_since(session.touched) <= self.limits.max_age {
        break;
      }
      self.pop_lru();
    }
  }

  fn evict_over_bound(&mut self) {
    while self.used_bytes > self.limits.max_bytes && self.pop_lru() {}
  }

  fn pop_lru(&mut self) -> bool {
    match self.sessions.pop_lru() {
      Some((_, session)) => {
        self.used_bytes -= session.bytes;
        true
      }
      None => false,
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn store(max_bytes: usize, max_age_ms: u64) -> MemoryStore {
    MemoryStore::new(Limits { max_bytes, max_age: Duration::from_millis(max_age_ms) })
  }

  #[test]
  fn set_then_get_returns_the_json() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("id", "k", "\"v\"".into(), now);
    assert_eq!(s.get("id", "k", now), Some("\"v\""));
    assert_eq!(s.get("id", "other", now), None);
    assert_eq!(s.get("nobody", "k", now), None);
  }

  #[test]
  fn get_all_keeps_insertion_order_and_counts_bytes_exactly() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("id", "b", "1".into(), now);
    s.set("id", "a", "[2]".into(), now);
    s.set("id", "b", "3".into(), now);
    let all = s.get_all("id", now);
    assert_eq!(all, r#"{"b":3,"a":[2]}"#);
    assert_eq!(s.used_bytes(), all.len());
    assert_eq!(s.get_all("nobody", now), "{}");
  }

  #[test]
  fn del_removes_one_key_and_del_all_the_session() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("id", "a", "1".into(), now);
    s.set("id", "b", "2".into(), now);
    s.del("id", "a", now);
    assert_eq!(s.get_all("id", now), r#"{"b":2}"#);
    assert_eq!(s.used_bytes(), r#"{"b":2}"#.len());
    s.del_all("id");
    assert_eq!(s.get_all("id", now), "{}");
    assert_eq!(s.used_bytes(), 0);
    assert!(s.is_empty());
  }

  #[test]
  fn evicts_least_recently_used_sessions_over_the_byte_bound() {
    let mut s = store(30, 60_000);
    let now = Instant::now();
    s.set("old", "k", "\"0123456789\"".into(), now); // 19 bytes
    s.set("new", "k", "\"0123456789\"".into(), now); // 38 in all: "old" goes
    assert_eq!(s.get("old", "k", now), None);
    assert_eq!(s.get("new", "k", now), Some("\"0123456789\""));
    assert_eq!(s.len(), 1);
  }

  #[test]
  fn reading_a_session_saves_it_from_eviction() {
    let mut s = store(40, 60_000);
    let now = Instant::now();
    s.set("a", "k", "1".into(), now);
    s.set("b", "k", "1".into(), now);
    s.get("a", "k", now);
    s.set("c", "k", "\"01234567890123456789\"".into(), now);
    assert_eq!(s.get("a", "k", now), Some("1"));
    assert_eq!(s.get("b", "k", now), None);
  }

  #[test]
  fn a_session_over_the_bound_on_its_own_goes_alone() {
    let mut s = store(30, 60_000);
    let now = Instant::now();
    s.set("small", "k", "1".into(), now);
    s.set("huge", "k", format!("\"{}\"", "x".repeat(100)), now);
    assert_eq!(s.get("huge", "k", now), None);
    assert_eq!(s.get("small", "k", now), Some("1"));
    assert_eq!(s.used_bytes(), r#"{"k":1}"#.len());
  }

  #[test]
  fn idle_sessions_expire_and_access_refreshes_them() {
    let mut s = store(1 << 20, 100);
    let t0 = Instant::now();
    s.set("kept", "k", "1".into(), t0);
    s.set("idle", "k", "1".into(), t0);
    s.extend("kept", t0 + Duration::from_millis(80));
    assert_eq!(s.get("kept", "k", t0 + Duration::from_millis(150)), Some("1"));
    assert_eq!(s.get("idle", "k", t0 + Duration::from_millis(150)), None);
  }

  #[test]
  fn writes_sweep_expired_sessions() {
    let mut s = store(1 << 20, 100);
    let t0 = Instant::now();
    for i in 0..10 {
      s.set(&format!("s{i}"), "k", "1".into(), t0);
    }
    s.set("fresh", "k", "1".into(), t0 + Duration::from_millis(200));
    assert_eq!(s.len(), 1);
    assert_eq!(s.used_bytes(), r#"{"k":1}"#.len());
  }

  #[test]
  fn a_revoked_session_is_not_brought_back_by_a_late_write() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("id", "k", "1".into(), now);
    s.revoke("id", now);
    s.set("id", "late", "2".into(), now + Duration::from_millis(5));
    assert_eq!(s.get_all("id", now), "{}");
    assert_eq!(s.len(), 0);
    // after max_age the id is an ordinary new one again
    let later = now + Duration::from_millis(60_001);
    s.set("id", "new", "3".into(), later);
    assert_eq!(s.get("id", "new", later), Some("3"));
  }

  #[test]
  fn a_move_takes_the_data_and_a_later_revoke_follows_it() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("a", "k", "1".into(), now);
    s.move_to("a", "b", now);
    assert_eq!(s.get_all("a", now), "{}");
    assert_eq!(s.get_all("b", now), r#"{"k":1}"#);
    s.set("a", "late", "2".into(), now);
    assert_eq!(s.get_all("a", now), "{}", "the old id is revoked");
    s.revoke("a", now);
    assert_eq!(s.get_all("b", now), "{}");
    s.move_to("b", "c", now);
    assert_eq!(s.get_all("c", now), "{}", "a revoked session moves nothing");
    assert_eq!(s.used_bytes(), 0);
  }

  #[test]
  fn tombstones_are_bounded() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    for i in 0..MAX_TOMBSTONES + 10 {
      s.revoke(&format!("id{i}"), now);
    }
    assert_eq!(s.tombstones.len(), MAX_TOMBSTONES);
  }
}
