//! The in-process session store: one record per session key, LRU-bounded by the memory its
//! sessions take, with an idle lifetime refreshed on every access.
//!
//! It lives on the JavaScript thread and every operation is a plain synchronous call: a thread hop
//! would cost far more than the work. Call order is therefore apply order.
//!
//! # What counts against `max_bytes`
//!
//! A session is charged the heap it holds, block by block, as mimalloc (the global allocator, see
//! `lib.rs`) hands blocks out: [`allocated`] rounds each request up to mimalloc's size class. The
//! JSON text length alone let 1-byte values under 40-character ids take some 450 bytes of RSS for
//! each 7 bytes counted (issue 13). Charged, per session ([`Session::cost`]):
//!
//! - its id, the LRU key's text (exactly the id's length);
//! - each record's key and value texts, by capacity: a value arrives from napi with one byte more
//!   than its text (room for a C terminator), which can move it up a size class;
//! - its record list: capacity × [`RECORD_SLOT`] (48 bytes: two `String`s);
//! - [`SESSION_OVERHEAD`] (135 bytes): the LRU's node, boxed on its own (key `String`, [`Session`]
//!   and two links: 88 bytes, a 96-byte block), and the session's share of the LRU's hash table
//!   ([`TABLE_SLOT`]).
//!
//! So `{ k: 1 }` under a 40-character id is charged 247 bytes (its JSON is 7). `store.bytes` in
//! JavaScript is this count. Not charged: tombstones (bounded by [`MAX_TOMBSTONES`] on their own),
//! the allocator's partly filled pages, and the hash table beyond [`TABLE_SLOT`]: the table never
//! shrinks, so once many small sessions have given way to fewer large ones it stays sized for the
//! peak, at most [`TABLE_SLOT`] bytes for each of the smallest sessions `max_bytes` can hold (about
//! a fifth of it). The test of the whole (test/memory-bound.test.js) holds RSS within twice
//! `max_bytes` of its baseline, for 1-byte and for 10 KB values.

use std::time::{Duration, Instant};

use lru::LruCache;

use crate::expiries::{Expiries, Reporter};
use crate::json_text;
use crate::operation::{is_internal_id, MAX_MOVES_FOLLOWED};

/// Limits of a [`MemoryStore`].
#[derive(Clone, Copy, Debug)]
pub struct Limits {
  /// Bound on the memory the stored sessions take, each charged [`Session::cost`] (module docs).
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
  /// Sessions dropped for being idle past `max_age`, for the `expired` event and metrics.
  expired: Expiries,
}

/// At most this many tombstones are kept (about 150 bytes each with 40-character ids: the LRU's
/// 64-byte node, the id and a table slot; not counted against `max_bytes`): a write can only be in
/// flight for so long, and the newest revocations are the ones it can race.
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
  /// What the session is charged against `max_bytes`: [`Session::cost`] as of its last change.
  cost: usize,
  touched: Instant,
}

/// A record's slot in its session's list: the key and value `String`s (their texts are apart).
const RECORD_SLOT: usize = size_of::<(String, String)>();

/// The session's share of the LRU's hash table (hashbrown): a bucket holds a pointer to the key and
/// one to the node, plus a control byte, 17 bytes. The table doubles when 7/8 full, so right after
/// it grows it is 7/16 full: 17 × 16/7, rounded up, is what each session may stand for then.
const TABLE_SLOT: usize = (2 * size_of::<usize>() + 1) * 16 / 7 + 1;

/// What a session costs before its texts and record list: the LRU's boxed node (lru's `LruEntry`:
/// the key `String`, the [`Session`], and the previous and next links) and its [`TABLE_SLOT`].
const SESSION_OVERHEAD: usize =
  allocated(size_of::<String>() + size_of::<Session>() + 2 * size_of::<usize>()) + TABLE_SLOT;

/// The bytes mimalloc (v3, release build) gives a request of `size` bytes. Up to 512 KiB that is
/// its size class, as `mi_good_size` says: 8 bytes, then steps of 16 up to 64 (it keeps 16-byte
/// alignment past one word), then four classes per doubling (at most 12.5% over). Past 512 KiB the
/// block gets a page of its own, taken in 64 KiB slices with the page's header at the front
/// (counted as one 4 KiB OS page). 0 for nothing: an empty `String` or `Vec` allocates nothing.
const fn allocated(size: usize) -> usize {
  const WORD: usize = size_of::<usize>();
  const LARGEST_CLASS: usize = 512 * 1024;
  const SLICE: usize = 64 * 1024;
  const PAGE_HEADER: usize = 4 * 1024;
  if size == 0 {
    return 0;
  }
  let words = size.div_ceil(WORD);
  if words == 1 {
    return WORD;
  }
  if words <= 8 {
    return words.next_multiple_of(2) * WORD;
  }
  if size > LARGEST_CLASS {
    return (size + PAGE_HEADER).next_multiple_of(SLICE);
  }
  // The class of `words` is set by its top three bits below the highest: round up to a multiple
  // of a quarter of the highest bit's value (of `words - 1`, so that 16 stays 16, not 20).
  let highest_bit = usize::BITS - 1 - (words - 1).leading_zeros();
  let step = 1 << (highest_bit - 2);
  ((words - 1) / step + 1) * step * WORD
}

impl Session {
  fn new(now: Instant) -> Self {
    Session { records: Vec::new(), cost: 0, touched: now }
  }

  fn position(&self, key: &str) -> Option<usize> {
    self.records.iter().position(|(k, _)| k == key)
  }

  /// What the session under `id` takes in memory, as charged against `max_bytes` (module docs).
  fn cost(&self, id: &str) -> usize {
    let texts: usize = self.records.iter().map(|(k, v)| allocated(k.capacity()) + allocated(v.capacity())).sum();
    SESSION_OVERHEAD + allocated(id.len()) + allocated(self.records.capacity() * RECORD_SLOT) + texts
  }

  /// Brings `cost` up to date after a change: (the charge before, the charge now).
  fn recharge(&mut self, id: &str) -> (usize, usize) {
    let before = self.cost;
    self.cost = self.cost(id);
    (before, self.cost)
  }

  /// Adds a record, growing the list by half its length (at least one) rather than by `Vec`'s
  /// doubling from four: most sessions hold one to a few keys, and four 48-byte slots would be most
  /// of a small session's cost. Still geometric, so a session with many keys is not copied per key.
  fn push(&mut self, key: &str, json: String) {
    if self.records.len() == self.records.capacity() {
      self.records.reserve_exact(self.records.len() / 2 + 1);
    }
    self.records.push((key.to_owned(), json));
  }

  /// Room for the session's JSON object text (`getAll`): `{}` and each `"key":value,`.
  fn json_capacity(&self) -> usize {
    2 + self.records.iter().map(|(k, v)| json_text::string_len(k) + v.len() + 2).sum::<usize>()
  }
}

impl MemoryStore {
  /// `reporter`: where sessions found idle past `max_age` are counted (and, while JavaScript
  /// listens, their ids kept for [`MemoryStore::take_expired`]).
  pub fn new(limits: Limits, reporter: Reporter) -> Self {
    MemoryStore {
      sessions: LruCache::unbounded(),
      tombstones: LruCache::unbounded(),
      limits,
      used_bytes: 0,
      expired: Expiries::new(reporter),
    }
  }

  /// The ids of the sessions found idle past `max_age` since the last call (kept only while
  /// [`crate::expiries::LISTENING`] says so). Evictions over the byte bound are not expiries.
  pub fn take_expired(&mut self) -> Vec<String> {
    self.expired.take()
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
        json_text::object(session.records.iter().map(|(k, v)| (k.as_str(), v.as_str())), session.json_capacity())
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
    }
    let session = self.sessions.get_mut(id).expect("just ensured");
    match session.position(key) {
      Some(index) => session.records[index].1 = json,
      None => session.push(key, json),
    }
    let (before, after) = session.recharge(id);
    self.used_bytes = self.used_bytes + after - before;
    if after > self.limits.max_bytes {
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
    session.records.remove(index);
    // The list keeps its capacity, so the session is still charged for the slot.
    let (before, after) = session.recharge(id);
    self.used_bytes = self.used_bytes + after - before;
  }

  /// Removes the whole session.
  pub fn del_all(&mut self, id: &str) {
    if let Some(session) = self.sessions.pop(id) {
      self.used_bytes -= session.cost;
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
    let mut session = self.sessions.pop(id).expect("just found live");
    self.del_all(to);
    self.tombstones.pop(to);
    // Charged again under its new id, which may be longer.
    let (before, after) = session.recharge(to);
    self.used_bytes = self.used_bytes - before + after;
    self.sessions.put(to.to_owned(), session);
    self.bury(id.to_owned(), Tombstone { at: now, moved_to: Some(to.to_owned()) });
    self.evict_over_bound();
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

  /// The ids of the live sessions: holding at least one record and not idle past `max_age`
  /// (revoked ids are tombstones, kept apart, and never listed), internal records left out
  /// ([`is_internal_id`]). Reads without touching: no
  /// session is refreshed or reordered, and idle ones are left for the next write's sweep.
  pub fn ids(&self, now: Instant) -> Vec<String> {
    self.live_sessions(now).map(|(id, _)| id.clone()).collect()
  }

  /// How many ids [`MemoryStore::ids`] would list, without copying them.
  pub fn live_count(&self, now: Instant) -> usize {
    self.live_sessions(now).count()
  }

  fn live_sessions(&self, now: Instant) -> impl Iterator<Item = (&String, &Session)> {
    let max_age = self.limits.max_age;
    self.sessions.iter().filter(move |(id, session)| {
      !session.records.is_empty()
        && now.saturating_duration_since(session.touched) <= max_age
        && !is_internal_id(id.as_bytes())
    })
  }

  /// Forgets everything: every session and every tombstone.
  pub fn clear(&mut self) {
    self.sessions.clear();
    self.tombstones.clear();
    self.used_bytes = 0;
  }

  /// Number of sessions held (idle ones not yet swept included).
  pub fn len(&self) -> usize {
    self.sessions.len()
  }

  pub fn is_empty(&self) -> bool {
    self.sessions.is_empty()
  }

  /// What the sessions held are charged against `max_bytes`, in all (module docs).
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
      self.expired.note(id);
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
      let (id, session) = self.sessions.pop_lru().expect("just peeked");
      self.used_bytes -= session.cost;
      self.expired.note_owned(id);
    }
  }

  fn evict_over_bound(&mut self) {
    while self.used_bytes > self.limits.max_bytes && self.pop_lru() {}
  }

  fn pop_lru(&mut self) -> bool {
    match self.sessions.pop_lru() {
      Some((_, session)) => {
        self.used_bytes -= session.cost;
        true
      }
      None => false,
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::atomic::{AtomicBool, AtomicU64};

  fn store(max_bytes: usize, max_age_ms: u64) -> MemoryStore {
    MemoryStore::new(Limits { max_bytes, max_age: Duration::from_millis(max_age_ms) }, reporter())
  }

  /// The tests' own count and flag, never the process's, and listening: each test's store keeps
  /// the ids it finds expired.
  fn reporter() -> Reporter {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    static ON: AtomicBool = AtomicBool::new(true);
    Reporter::new(&COUNT, &ON)
  }

  /// The charge for a session holding one record, worked out by hand from the module docs (the
  /// texts here are made from `&str`, so their capacity is their length).
  fn one_record_cost(id: &str, key: &str, json: &str) -> usize {
    SESSION_OVERHEAD + allocated(id.len()) + allocated(RECORD_SLOT) + allocated(key.len()) + allocated(json.len())
  }

  const ID40: &str = "session:0123456789abcdefABCDEF0123456789";

  extern "C" {
    // mimalloc's own answer, from the allocator linked in as the global one (lib.rs).
    fn mi_usable_size(p: *const std::ffi::c_void) -> usize;
  }

  fn usable_size_of_a_block_of(size: usize) -> usize {
    let block: Vec<u8> = Vec::with_capacity(size);
    unsafe { mi_usable_size(block.as_ptr().cast()) }
  }

  #[test]
  fn allocated_is_what_mimalloc_gives_up_to_its_largest_size_class() {
    let sizes = (1..=4096).chain((4097..=512 * 1024).step_by(61)).chain([512 * 1024 - 1, 512 * 1024]);
    for size in sizes {
      assert_eq!(allocated(size), usable_size_of_a_block_of(size), "a block of {size} bytes");
    }
    assert_eq!(allocated(0), 0);
  }

  #[test]
  fn allocated_covers_a_block_on_a_page_of_its_own() {
    for size in [512 * 1024 + 1, 600_000, 1 << 20, 3 << 20] {
      let charged = allocated(size);
      assert!(charged >= usable_size_of_a_block_of(size), "a block of {size} bytes");
      assert!(charged >= size + 4096 && charged - size <= 68 * 1024, "{size}: {charged}");
    }
  }

  #[test]
  #[cfg(target_pointer_width = "64")]
  fn a_session_is_charged_its_lru_node_and_table_slot_on_top_of_its_texts() {
    // node: String 24 + Session 48 + two links 16 = 88, a 96-byte block; table: 17 × 16/7 → 39
    assert_eq!(size_of::<Session>(), 48);
    assert_eq!(TABLE_SLOT, 39);
    assert_eq!(SESSION_OVERHEAD, 96 + 39);
    assert_eq!(RECORD_SLOT, 48);
  }

  #[test]
  #[cfg(target_pointer_width = "64")]
  fn a_one_byte_value_under_a_40_character_id_is_charged_247_bytes() {
    let mut s = store(1 << 20, 60_000);
    s.set(ID40, "k", "1".into(), Instant::now());
    // 135 overhead + id 48 (40 bytes) + one record slot 48 + key 8 + value 8; its JSON, {"k":1}, is 7
    assert_eq!(s.used_bytes(), 247);
    assert_eq!(s.used_bytes(), one_record_cost(ID40, "k", "1"));
  }

  #[test]
  fn a_large_value_is_charged_its_size_class() {
    let mut s = store(1 << 20, 60_000);
    let json = format!("\"{}\"", "x".repeat(10 * 1024)); // 10,242 bytes: a 12 KiB block
    s.set("id", "k", json.clone(), Instant::now());
    assert_eq!(allocated(json.len()), 12 * 1024);
    assert_eq!(s.used_bytes(), one_record_cost("id", "k", &json));
  }

  #[test]
  fn used_bytes_follows_every_change_of_a_session() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("id", "k", "1".into(), now);
    assert_eq!(s.used_bytes(), one_record_cost("id", "k", "1"));
    let big = format!("\"{}\"", "y".repeat(1000));
    s.set("id", "k", big.clone(), now);
    assert_eq!(s.used_bytes(), one_record_cost("id", "k", &big));
    s.set("id", "k", "2".into(), now);
    assert_eq!(s.used_bytes(), one_record_cost("id", "k", "2"));
    s.set("other", "k", "3".into(), now);
    assert_eq!(s.used_bytes(), one_record_cost("id", "k", "2") + one_record_cost("other", "k", "3"));
    s.del_all("id");
    assert_eq!(s.used_bytes(), one_record_cost("other", "k", "3"));
    s.revoke("other", now);
    assert_eq!(s.used_bytes(), 0);
  }

  #[test]
  fn a_deleted_key_gives_back_its_texts_but_not_its_slot() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("id", "a", "1".into(), now);
    s.set("id", "b", "2".into(), now);
    let two_slots = SESSION_OVERHEAD + allocated(2) + allocated(2 * RECORD_SLOT);
    assert_eq!(s.used_bytes(), two_slots + 4 * allocated(1));
    s.del("id", "a", now);
    assert_eq!(s.used_bytes(), two_slots + 2 * allocated(1));
  }

  #[test]
  fn the_record_list_grows_by_half_its_length() {
    let mut session = Session::new(Instant::now());
    let capacities: Vec<usize> = (0..8)
      .map(|i| {
        session.push(&format!("k{i}"), "1".into());
        session.records.capacity()
      })
      .collect();
    assert_eq!(capacities, [1, 2, 4, 4, 7, 7, 7, 11]);
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
  fn get_all_keeps_insertion_order() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("id", "b", "1".into(), now);
    s.set("id", "a", "[2]".into(), now);
    s.set("id", "b", "3".into(), now);
    assert_eq!(s.get_all("id", now), r#"{"b":3,"a":[2]}"#);
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
    s.del("id", "b", now);
    assert_eq!(s.get_all("id", now), "{}");
    s.del_all("id");
    assert_eq!(s.get_all("id", now), "{}");
    assert_eq!(s.used_bytes(), 0);
    assert!(s.is_empty());
  }

  #[test]
  fn evicts_least_recently_used_sessions_over_the_byte_bound() {
    let each = one_record_cost("old", "k", "\"0123456789\"");
    let mut s = store(each * 3 / 2, 60_000);
    let now = Instant::now();
    s.set("old", "k", "\"0123456789\"".into(), now);
    s.set("new", "k", "\"0123456789\"".into(), now); // two do not fit: "old" goes
    assert_eq!(s.get("old", "k", now), None);
    assert_eq!(s.get("new", "k", now), Some("\"0123456789\""));
    assert_eq!(s.len(), 1);
    assert_eq!(s.used_bytes(), each);
  }

  #[test]
  fn reading_a_session_saves_it_from_eviction() {
    let small = one_record_cost("a", "k", "1");
    let mut s = store(small * 2 + small / 2, 60_000);
    let now = Instant::now();
    s.set("a", "k", "1".into(), now);
    s.set("b", "k", "1".into(), now);
    s.get("a", "k", now);
    s.set("c", "k", "1".into(), now);
    assert_eq!(s.get("a", "k", now), Some("1"));
    assert_eq!(s.get("b", "k", now), None);
    assert_eq!(s.get("c", "k", now), Some("1"));
  }

  #[test]
  fn a_session_over_the_bound_on_its_own_goes_alone() {
    let mut s = store(1000, 60_000);
    let now = Instant::now();
    s.set("small", "k", "1".into(), now);
    s.set("huge", "k", format!("\"{}\"", "x".repeat(1000)), now);
    assert_eq!(s.get("huge", "k", now), None);
    assert_eq!(s.get("small", "k", now), Some("1"));
    assert_eq!(s.used_bytes(), one_record_cost("small", "k", "1"));
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
    assert_eq!(s.used_bytes(), one_record_cost("fresh", "k", "1"));
  }

  #[test]
  fn idle_sessions_are_reported_expired_once_whether_read_or_swept() {
    let mut s = store(1 << 20, 100);
    let t0 = Instant::now();
    s.set("read", "k", "1".into(), t0);
    s.set("swept", "k", "1".into(), t0);
    s.set("kept", "k", "1".into(), t0 + Duration::from_millis(90));
    let later = t0 + Duration::from_millis(150);
    assert_eq!(s.get("read", "k", later), None);
    assert_eq!(s.take_expired(), ["read"]);
    s.set("new", "k", "1".into(), later); // a write sweeps the cold end
    assert_eq!(s.take_expired(), ["swept"]);
    assert_eq!(s.get("read", "k", later), None);
    assert!(s.take_expired().is_empty(), "each expiry once");
  }

  #[test]
  fn evictions_and_destroys_are_not_expiries() {
    let each = one_record_cost("a", "k", "1");
    let mut s = store(each * 3 / 2, 60_000);
    let now = Instant::now();
    s.set("a", "k", "1".into(), now);
    s.set("b", "k", "1".into(), now); // "a" is evicted
    s.revoke("b", now);
    s.del_all("b");
    assert!(s.take_expired().is_empty());
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
    assert_eq!(s.used_bytes(), one_record_cost("b", "k", "1"), "charged under its new id");
    s.set("a", "late", "2".into(), now);
    assert_eq!(s.get_all("a", now), "{}", "the old id is revoked");
    s.revoke("a", now);
    assert_eq!(s.get_all("b", now), "{}");
    s.move_to("b", "c", now);
    assert_eq!(s.get_all("c", now), "{}", "a revoked session moves nothing");
    assert_eq!(s.used_bytes(), 0);
  }

  #[test]
  fn ids_lists_live_sessions_with_records_only() {
    let mut s = store(1 << 20, 100);
    let t0 = Instant::now();
    s.set("old", "k", "1".into(), t0);
    let later = t0 + Duration::from_millis(60);
    for id in ["a", "b", "emptied", "revoked", "moved", "\u{0}user:alice"] {
      s.set(id, "k", "1".into(), later);
    }
    s.del("emptied", "k", later);
    s.revoke("revoked", later);
    s.move_to("moved", "moved-to", later);
    let now = t0 + Duration::from_millis(120); // "old" is idle past max_age, not yet swept
    let mut ids = s.ids(now);
    ids.sort();
    assert_eq!(ids, ["a", "b", "moved-to"]);
    assert_eq!(s.live_count(now), 3);
    assert_eq!(s.len(), 6, "nothing was swept or dropped by listing");
    assert_eq!(s.get("old", "k", now), None);
  }

  #[test]
  fn clear_forgets_sessions_and_tombstones() {
    let mut s = store(1 << 20, 60_000);
    let now = Instant::now();
    s.set("a", "k", "1".into(), now);
    s.set("b", "k", "1".into(), now);
    s.revoke("b", now);
    s.clear();
    assert!(s.ids(now).is_empty());
    assert_eq!(s.used_bytes(), 0);
    assert_eq!(s.get_all("a", now), "{}");
    s.set("b", "k", "2".into(), now);
    assert_eq!(s.get("b", "k", now), Some("2"), "a cleared tombstone no longer drops writes");
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
