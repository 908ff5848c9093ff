//! Recently used sessions in memory, bounded in bytes, that one thread keeps coherent with a store
//! and that any thread may read: LevelStore's session cache and RedisStore's near-cache.
//!
//! Why: a read that crosses to the store's thread and back costs more than the read itself (and
//! for LevelStore at a million sessions, the engine's read costs several times what it costs at a
//! thousand; for RedisStore, a network round trip). A cached read costs a hash lookup, and the
//! JavaScript thread makes it itself (`peek`), without a thread hand-off. Nothing here touches a
//! file or a socket.
//!
//! Coherence is the store's: LevelStore's owner thread changes the cache in the same step that
//! changes the database (src/level/engine.rs); RedisStore's runtime changes it as replies come,
//! and drops what Redis says another client changed (src/redis/near_cache.rs). A reader on another
//! thread can still see a write applied but not yet acknowledged; so JavaScript peeks only at
//! sessions with no call of its own in flight (lib/stores/ticketed.js).
//!
//! An entry may hold only some of a session's keys (those read or written since it was cached):
//! a key it does not know is then a miss, not an absence. An entry filled by a `getAll` (or made
//! when LevelStore created the session) is complete: every key the session has is in it. Its
//! expiry is the one the store holds (LevelStore's record; for Redis, the PEXPIRE this process
//! last sent, measured from when it was sent, so never later than Redis's own).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use quick_cache::sync::Cache;
use quick_cache::Weighter;

use crate::id_hash::{BuildPassThrough, IdHash, IdHasher};

use crate::json_text;

/// One cached session, packed into one allocation so that a read costs one trip to memory for it
/// (at a million sessions every trip misses the CPU's caches, and that, not the lookup, is the
/// cost): the expiry (u64), a complete flag (u8), then per key its length (u32), the key, the
/// value's length (u32, [`ABSENT`] when the key is known to be absent) and the value's JSON text.
/// Never changed in place: the owner thread replaces it, so a reader holding one sees one state.
type Packed = Arc<[u8]>;

const ABSENT: u32 = u32::MAX;
const HEADER: usize = 9;

/// Packs a session; `keys` must come in byte order (the engine's, so a `getAll` lists them as the
/// engine would).
fn pack<'a>(expires: u64, complete: bool, keys: impl Iterator<Item = (&'a [u8], Option<&'a [u8]>)> + Clone) -> Packed {
  let size = HEADER + keys.clone().map(|(k, v)| 8 + k.len() + v.map_or(0, <[u8]>::len)).sum::<usize>();
  let mut out = Vec::with_capacity(size);
  out.extend_from_slice(&expires.to_le_bytes());
  out.push(complete as u8);
  for (key, value) in keys {
    out.extend_from_slice(&(key.len() as u32).to_le_bytes());
    out.extend_from_slice(key);
    match value {
      Some(value) => {
        out.extend_from_slice(&(value.len() as u32).to_le_bytes());
        out.extend_from_slice(value);
      }
      None => out.extend_from_slice(&ABSENT.to_le_bytes()),
    }
  }
  out.into()
}

/// `packed` with `key` holding `value` (`None`: known absent), in its place in the order, and
/// expiring at `expires`.
fn with_key(packed: &[u8], key: &[u8], value: Option<&[u8]>, expires: u64) -> Packed {
  let before = Entries::of(packed).take_while(move |(k, _)| *k < key);
  let after = Entries::of(packed).skip_while(move |(k, _)| *k <= key);
  pack(expires, packed[8] == 1, before.chain(std::iter::once((key, value))).chain(after))
}

/// `packed` with another expiry.
fn with_expiry(packed: &[u8], expires: u64) -> Packed {
  let mut out = packed.to_vec();
  out[..8].copy_from_slice(&expires.to_le_bytes());
  out.into()
}

fn expires_of(packed: &[u8]) -> u64 {
  u64::from_le_bytes(packed[..8].try_into().expect("a packed session has a header"))
}

/// The (key, value) pairs of a packed session.
#[derive(Clone)]
struct Entries<'a> {
  rest: &'a [u8],
}

impl<'a> Entries<'a> {
  fn of(packed: &'a [u8]) -> Self {
    Entries { rest: &packed[HEADER..] }
  }

  fn take_len(&mut self) -> u32 {
    let (len, rest) = self.rest.split_at(4);
    self.rest = rest;
    u32::from_le_bytes(len.try_into().expect("4 bytes"))
  }

  fn take(&mut self, len: usize) -> &'a [u8] {
    let (taken, rest) = self.rest.split_at(len);
    self.rest = rest;
    taken
  }
}

impl<'a> Iterator for Entries<'a> {
  type Item = (&'a [u8], Option<&'a [u8]>);
  fn next(&mut self) -> Option<Self::Item> {
    if self.rest.is_empty() {
      return None;
    }
    let key_len = self.take_len() as usize;
    let key = self.take(key_len);
    let value = match self.take_len() {
      ABSENT => None,
      len => Some(self.take(len as usize)),
    };
    Some((key, value))
  }
}

// Sessions are keyed by the hash of their id ([`crate::id_hash`]), so a lookup never reads the id.

/// Bytes a cached session is charged beyond its packed size: the table's slot and the allocation's
/// own header.
const ENTRY_OVERHEAD: u64 = 48;

#[derive(Clone)]
struct ByBytes;

impl Weighter<IdHash, Packed> for ByBytes {
  fn weight(&self, _id: &IdHash, session: &Packed) -> u64 {
    ENTRY_OVERHEAD + session.len() as u64
  }
}

/// What a cached read found.
#[derive(Debug, PartialEq)]
pub enum Peek {
  /// The value's JSON text (a `get`) or the whole session as a JSON object text (a `getAll`).
  Found(String),
  /// The key is known to be absent from a live session.
  Absent,
  /// Not answerable from memory: the session (or key) is not cached, has expired, or the read
  /// must refresh its expiry (a write). The read goes to the owner thread.
  Miss,
}

/// Whether a read at `now_ms` leaves the session's expiry as it is: the stored expiry is within
/// `expire_ms / slack_divisor` of the one the read would set.
pub fn expiry_is_fresh(current: u64, expire_ms: u64, now_ms: u64, slack_divisor: u64) -> bool {
  (now_ms + expire_ms).abs_diff(current) <= expire_ms / slack_divisor
}

/// Milliseconds since the Unix epoch: the clock expiries are kept in.
pub fn now_ms() -> u64 {
  std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// The average session is guessed at this many bytes to size the cache's table up front.
const GUESSED_SESSION_BYTES: u64 = 160;

pub struct SessionCache {
  /// `None` when the cache is off (size 0).
  entries: Option<Cache<IdHash, Packed, ByBytes, BuildPassThrough>>,
  /// Cleared when the engine stops (failure or close): from then on every read misses and goes
  /// to the owner thread, which answers with the engine's error.
  open: AtomicBool,
  slack_divisor: u64,
  ids: IdHasher,
}

impl SessionCache {
  /// A cache of at most `bytes` (0: no cache). `slack_divisor` is the engine's expiry slack.
  pub fn new(bytes: u64, slack_divisor: u64) -> Arc<SessionCache> {
    let entries = (bytes > 0).then(|| {
      let items = (bytes / GUESSED_SESSION_BYTES).clamp(16, 1 << 24) as usize;
      Cache::with(items, bytes, ByBytes, BuildPassThrough::default(), Default::default())
    });
    Arc::new(SessionCache { entries, open: AtomicBool::new(true), slack_divisor, ids: IdHasher::new() })
  }

  fn id_hash(&self, id: &str) -> IdHash {
    self.ids.of(id.as_bytes())
  }

  fn live(&self, id: &str, expire_ms: u64, now_ms: u64) -> Option<Packed> {
    if !self.open.load(Ordering::Acquire) {
      return None;
    }
    let session = self.entries.as_ref()?.get(&self.id_hash(id))?;
    let expires = expires_of(&session);
    (expires > now_ms && expiry_is_fresh(expires, expire_ms, now_ms, self.slack_divisor)).then_some(session)
  }

  /// `get(id, key)` from memory.
  pub fn peek(&self, id: &str, key: &str, expire_ms: u64, now_ms: u64) -> Peek {
    let Some(session) = self.live(id, expire_ms, now_ms) else { return Peek::Miss };
    match Entries::of(&session).find(|(k, _)| *k == key.as_bytes()) {
      Some((_, Some(value))) => Peek::Found(String::from_utf8_lossy(value).into_owned()),
      Some((_, None)) => Peek::Absent,
      None if session[8] == 1 => Peek::Absent,
      None => Peek::Miss,
    }
  }

  /// `getAll(id)` from memory.
  pub fn peek_all(&self, id: &str, expire_ms: u64, now_ms: u64) -> Peek {
    let Some(session) = self.live(id, expire_ms, now_ms) else { return Peek::Miss };
    if session[8] != 1 {
      return Peek::Miss;
    }
    let present: Vec<(&str, &str)> = Entries::of(&session)
      .filter_map(|(k, v)| Some((std::str::from_utf8(k).ok()?, std::str::from_utf8(v?).ok()?)))
      .collect();
    Peek::Found(json_text::object(present.into_iter(), 64))
  }

  /// The value of `key` if the cache knows it (the owner thread's read, which then needs no
  /// engine read): `Some(None)` when the key is known to be absent. Ignores expiry: the owner
  /// thread has checked it in its own index.
  pub fn known(&self, id: &str, key: &str) -> Option<Option<Vec<u8>>> {
    let session = self.entries.as_ref()?.peek(&self.id_hash(id))?;
    match Entries::of(&session).find(|(k, _)| *k == key.as_bytes()) {
      Some((_, value)) => Some(value.map(<[u8]>::to_vec)),
      None if session[8] == 1 => Some(None),
      None => None,
    }
  }

  // The owner thread's side: each change mirrors one the database has just taken.

  /// A session the engine has just created with `key` set to `value`: complete.
  pub(crate) fn created(&self, id: &str, expires: u64, key: &str, value: &[u8]) {
    if let Some(entries) = &self.entries {
      entries.insert(self.id_hash(id), pack(expires, true, std::iter::once((key.as_bytes(), Some(value)))));
    }
  }

  /// `key` now holds `value` (`None`: deleted) in a cached session; an uncached one stays so.
  pub(crate) fn changed(&self, id: &str, key: &str, value: Option<&[u8]>) {
    self.update(id, |packed| with_key(packed, key.as_bytes(), value, expires_of(packed)));
  }

  /// `changed`, the session now expiring at `expires` (one new entry for both).
  pub(crate) fn changed_until(&self, id: &str, key: &str, value: Option<&[u8]>, expires: u64) {
    self.update(id, |packed| with_key(packed, key.as_bytes(), value, expires));
  }

  /// `key`'s stored value, read from the store (`None`: absent) when the session expires at
  /// `expires`: remembered, caching the session if it was not.
  pub(crate) fn read(&self, id: &str, expires: u64, key: &str, value: Option<&[u8]>) {
    let Some(entries) = &self.entries else { return };
    let hash = self.id_hash(id);
    let session = match entries.peek(&hash) {
      Some(cached) => with_key(&cached, key.as_bytes(), value, expires),
      None => pack(expires, false, std::iter::once((key.as_bytes(), value))),
    };
    entries.insert(hash, session);
  }

  /// The whole session, read from the engine: cached complete.
  pub(crate) fn read_all<'a>(&self, id: &str, expires: u64, records: impl Iterator<Item = (&'a [u8], &'a [u8])>) {
    let Some(entries) = &self.entries else { return };
    let mut keys: Vec<(&[u8], Option<&[u8]>)> = records.map(|(k, v)| (k, Some(v))).collect();
    keys.sort_unstable_by(|a, b| a.0.cmp(b.0));
    entries.insert(self.id_hash(id), pack(expires, true, keys.into_iter()));
  }

  /// The session's expiry is now `expires`.
  pub(crate) fn expiry(&self, id: &str, expires: u64) {
    self.update(id, |packed| with_expiry(packed, expires));
  }

  /// Whether the session is cached (even if expired).
  pub(crate) fn contains(&self, id: &str) -> bool {
    self.entries.as_ref().is_some_and(|entries| entries.contains_key(&self.id_hash(id)))
  }

  /// The session is gone (deleted, revoked or expired).
  pub(crate) fn removed(&self, id: &str) {
    if let Some(entries) = &self.entries {
      entries.remove(&self.id_hash(id));
    }
  }

  fn update(&self, id: &str, change: impl FnOnce(&[u8]) -> Packed) {
    let Some(entries) = &self.entries else { return };
    let hash = self.id_hash(id);
    if let Some(cached) = entries.peek(&hash) {
      entries.insert(hash, change(&cached));
    }
  }

  /// The engine has stopped: every later read goes to the owner thread (which answers the error).
  pub(crate) fn stop(&self) {
    self.open.store(false, Ordering::Release);
    if let Some(entries) = &self.entries {
      entries.clear();
    }
  }

  /// Forgets every session, staying open (RedisStore, when it may have missed what others changed).
  pub(crate) fn clear(&self) {
    if let Some(entries) = &self.entries {
      entries.clear();
    }
  }

  /// Sessions cached now (tests, the benchmark).
  pub fn len(&self) -> usize {
    self.entries.as_ref().map_or(0, |entries| entries.len())
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
}

#[cfg(test)]
mod tests;
