//! RedisStore's near-cache: the sessions this process read recently, answered from its own memory
//! (the JavaScript thread peeks at them, src/session_cache/), kept coherent by Redis's
//! server-assisted client-side caching.
//!
//! How it stays coherent. The connection runs RESP3 with `CLIENT TRACKING ON NOLOOP`: Redis
//! remembers which keys this connection read, and when any other client changes one of them
//! (a write, a delete, an expiry, a revoke's script, FLUSHDB) it pushes an `invalidate` message
//! on this same connection, after the replies to everything this connection sent before. So:
//!
//! - A session is cached only from a read's reply ([`NearCache::begin_read`], [`NearCache::fill`]);
//!   an invalidation that comes while the read is out (the driver hands pushes over as it parses
//!   them, before the read's task runs) marks it dirty, and a dirty read caches nothing.
//! - Tracking holds for a key until the next change of it, by anyone: Redis then forgets every
//!   client that read it, this one included (NOLOOP only spares it the message). So each command
//!   this process sends that changes a cached session is followed, in the same MULTI, by a read of
//!   it (engine.rs), and a refreshing read sends PEXPIRE before HMGET, not after.
//! - This process's own writes update its entry as their replies come ([`NearCache::apply`]),
//!   only while the entry exists: an entry that an invalidation removed stays removed.
//! - Anything that may have lost a message drops the whole cache before the next read: a lost
//!   connection, an operation that timed out on it (src/redis/kept_link.rs), a new connection
//!   ([`NearCache::tracking`]). Replies from an older connection never fill it.
//!
//! Expiry: an entry holds the expiry this process last sent (measured from when it sent it, so it
//! is never later than Redis's), and a read is answered from memory only while that expiry is
//! within 1% of `expire` of the one the read would set; otherwise it goes to Redis, which
//! refreshes it. Another process's PEXPIRE is a change like any other (an invalidation).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use redis::{PushInfo, PushKind, Value};

use super::watched::Watch;
use crate::session_cache::SessionCache;

/// The expiry a cached read leaves alone may lag the one it would set by `expire` / this (1%):
/// the bound the README gives, as LevelStore's.
pub const EXPIRY_SLACK_DIVISOR: u64 = 100;

pub struct NearCache {
  pub sessions: Arc<SessionCache>,
  /// Key names are `<prefix>{<id>}` (src/redis/keys.rs).
  prefix: String,
  state: Mutex<State>,
}

#[derive(Default)]
struct State {
  /// The connection whose tracking Redis honours now; `None` while there is none (no fills).
  live: Option<u64>,
  /// Its socket, which says whether it has anything unhandled.
  watch: Option<Arc<Watch>>,
  /// Sessions with a read out, and whether an invalidation came for them since it was sent.
  reading: HashMap<String, bool>,
}

/// A read that may fill the cache with its reply. Dropping it (an error, a timeout) just ends it.
pub struct Read<'a> {
  near: &'a NearCache,
  id: &'a str,
}

impl Drop for Read<'_> {
  fn drop(&mut self) {
    self.near.state().reading.remove(self.id);
  }
}

/// A change of a session on its way. Unless it comes back done, the session's entry is dropped:
/// the change may or may not have landed.
pub struct Change<'a> {
  near: &'a NearCache,
  id: &'a str,
  tracked: bool,
  done: bool,
}

impl Change<'_> {
  /// Whether the session is cached, so that the change must renew its tracking.
  pub fn tracked(&self) -> bool {
    self.tracked
  }

  /// The change came back from Redis on `connection`: `apply` mirrors it in the cached entry.
  pub fn done(mut self, connection: u64, apply: impl FnOnce(&SessionCache)) {
    self.done = true;
    if self.tracked {
      self.near.apply(connection, apply);
    }
  }
}

impl Drop for Change<'_> {
  fn drop(&mut self) {
    if !self.done {
      self.near.sessions.removed(self.id);
    }
  }
}

impl NearCache {
  /// A near-cache of at most `bytes` of sessions whose keys are named with `prefix`.
  pub fn new(bytes: u64, prefix: &str) -> Arc<NearCache> {
    Arc::new(NearCache {
      sessions: SessionCache::new(bytes, EXPIRY_SLACK_DIVISOR),
      prefix: prefix.to_owned(),
      state: Mutex::new(State::default()),
    })
  }

  fn state(&self) -> MutexGuard<'_, State> {
    self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
  }

  /// Connection `connection` has tracking on: from now on its replies may fill the cache, which
  /// starts empty (what it held may have changed while no connection listened).
  pub fn tracking(&self, connection: u64, watch: Arc<Watch>) {
    let mut state = self.state();
    state.live = Some(connection);
    state.watch = Some(watch);
    Self::forget_all(&self.sessions, &mut state);
  }

  /// The sessions, when a read may be answered from them now (the JavaScript thread's peeks): a
  /// connection is tracking, and nothing Redis sent on it is left unhandled (src/redis/watched.rs).
  pub fn settled(&self) -> Option<&SessionCache> {
    let watch = self.state().watch.clone()?;
    watch.settled().then_some(&*self.sessions)
  }

  /// Connection `connection` is gone or may have missed messages: drop everything it cached.
  pub fn lost(&self, connection: u64) {
    let mut state = self.state();
    if state.live == Some(connection) {
      state.live = None;
      state.watch = None;
      Self::forget_all(&self.sessions, &mut state);
    }
  }

  /// This process removed every session (`clear`): Redis tells a connection nothing of its own
  /// changes (NOLOOP), so everything goes here, and reads in flight fill nothing.
  pub fn forget_everything(&self) {
    Self::forget_all(&self.sessions, &mut self.state());
  }

  fn forget_all(sessions: &SessionCache, state: &mut State) {
    sessions.clear();
    state.reading.values_mut().for_each(|dirty| *dirty = true);
  }

  /// A message Redis pushed on connection `connection` (called by its driver as it parses it).
  pub fn pushed(&self, connection: u64, push: &PushInfo) {
    match push.kind {
      PushKind::Invalidate => {
        let mut state = self.state();
        if state.live != Some(connection) {
          return;
        }
        match push.data.first() {
          Some(Value::Array(keys)) => {
            for key in keys {
              if let Some(id) = self.id_of(key) {
                self.sessions.removed(id);
                if let Some(dirty) = state.reading.get_mut(id) {
                  *dirty = true;
                }
              }
            }
          }
          // A null list: the whole database was flushed.
          _ => Self::forget_all(&self.sessions, &mut state),
        }
      }
      PushKind::Disconnection => self.lost(connection),
      _ => {}
    }
  }

  /// The session id a tracked key name holds, if it is one of this store's.
  fn id_of<'v>(&self, key: &'v Value) -> Option<&'v str> {
    let Value::BulkString(name) = key else { return None };
    super::keys::id_in(&self.prefix, std::str::from_utf8(name).ok()?)
  }

  /// Starts a read of session `id` whose reply may be cached.
  pub fn begin_read<'a>(&'a self, id: &'a str) -> Read<'a> {
    self.state().reading.insert(id.to_owned(), false);
    Read { near: self, id }
  }

  /// The read's reply came on `connection`: `fill` caches it, unless an invalidation came while
  /// it was out or the connection no longer counts.
  pub fn fill(&self, read: Read<'_>, connection: u64, fill: impl FnOnce(&SessionCache)) {
    let state = self.state();
    if state.live == Some(connection) && state.reading.get(read.id) == Some(&false) {
      fill(&self.sessions);
    }
    drop(state);
  }

  /// Starts a change of session `id`.
  pub fn begin_change<'a>(&'a self, id: &'a str) -> Change<'a> {
    Change { near: self, id, tracked: self.sessions.contains(id), done: false }
  }

  /// Mirrors a change this process made, which came back from Redis on `connection`, in the
  /// cache (the session functions only change entries that are there).
  fn apply(&self, connection: u64, apply: impl FnOnce(&SessionCache)) {
    let state = self.state();
    if state.live == Some(connection) {
      apply(&self.sessions);
    }
    drop(state);
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::redis::watched::Watched;
  use crate::session_cache::{now_ms, Peek};
  use std::os::unix::net::UnixStream;

  const HOUR: u64 = 3_600_000;

  fn invalidate(keys: &[&str]) -> PushInfo {
    let keys = keys.iter().map(|key| Value::BulkString(key.as_bytes().to_vec())).collect();
    PushInfo { kind: PushKind::Invalidate, data: vec![Value::Array(keys)] }
  }

  /// A near-cache tracking on connection 1, over one end of a socket pair (the other end is
  /// "Redis": what it writes is unhandled until read).
  fn tracking() -> (Arc<NearCache>, UnixStream, Watched<UnixStream>) {
    let near = NearCache::new(1 << 20, "p:");
    let (ours, redis) = UnixStream::pair().unwrap();
    let (watched, watch) = Watched::new(ours);
    near.tracking(1, watch);
    (near, redis, watched)
  }

  fn cache(near: &NearCache, id: &str, value: &str) {
    let read = near.begin_read(id);
    near.fill(read, 1, |sessions| sessions.read(id, now_ms() + HOUR, "k", Some(value.as_bytes())));
  }

  fn peek(near: &NearCache, id: &str) -> Peek {
    near.settled().map_or(Peek::Miss, |sessions| sessions.peek(id, "k", HOUR, now_ms()))
  }

  #[test]
  fn an_invalidation_removes_the_session_it_names_and_no_other() {
    let (near, _redis, _socket) = tracking();
    cache(&near, "session:a", "1");
    cache(&near, "session:b", "2");
    near.pushed(1, &invalidate(&["p:{session:a}", "other:{session:b}", "p:{session:b"]));
    assert_eq!(peek(&near, "session:a"), Peek::Miss);
    assert_eq!(peek(&near, "session:b"), Peek::Found("2".into()), "keys not of this store's shape are ignored");
  }

  #[test]
  fn a_read_invalidated_while_out_caches_nothing() {
    let (near, _redis, _socket) = tracking();
    let read = near.begin_read("session:a");
    near.pushed(1, &invalidate(&["p:{session:a}"]));
    near.fill(read, 1, |sessions| sessions.read("session:a", now_ms() + HOUR, "k", Some(b"old")));
    assert_eq!(peek(&near, "session:a"), Peek::Miss);
    cache(&near, "session:a", "new");
    assert_eq!(peek(&near, "session:a"), Peek::Found("new".into()), "the next read caches again");
  }

  #[test]
  fn a_flush_a_lost_connection_or_a_new_one_drops_everything() {
    let (near, _redis, _socket) = tracking();
    cache(&near, "session:a", "1");
    near.pushed(1, &PushInfo { kind: PushKind::Invalidate, data: vec![Value::Nil] });
    assert_eq!(peek(&near, "session:a"), Peek::Miss, "FLUSHDB");
    cache(&near, "session:a", "1");
    near.pushed(1, &PushInfo { kind: PushKind::Disconnection, data: vec![] });
    assert_eq!(peek(&near, "session:a"), Peek::Miss, "disconnected");
    cache(&near, "session:a", "1");
    assert_eq!(near.sessions.len(), 0, "no fills without a tracking connection");
    let (ours, _redis) = UnixStream::pair().unwrap();
    let (_socket, watch) = Watched::new(ours);
    near.tracking(2, watch);
    let read = near.begin_read("session:a");
    near.fill(read, 1, |sessions| sessions.read("session:a", now_ms() + HOUR, "k", Some(b"old")));
    assert_eq!(near.sessions.len(), 0, "a reply from an older connection fills nothing");
  }

  #[test]
  fn nothing_is_answered_while_the_socket_holds_unread_bytes() {
    use std::io::{Read, Write};
    let (near, mut redis, mut socket) = tracking();
    cache(&near, "session:a", "1");
    assert_eq!(peek(&near, "session:a"), Peek::Found("1".into()));
    redis.write_all(b">2\r\n").unwrap();
    assert_eq!(peek(&near, "session:a"), Peek::Miss, "a push may be waiting");
    let mut buf = [0u8; 8];
    socket.inner_mut().read_exact(&mut buf[..4]).unwrap();
    assert_eq!(peek(&near, "session:a"), Peek::Found("1".into()));
  }
}
