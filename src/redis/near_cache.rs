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
    let name = std::str::from_utf8(name).ok()?;
    name.strip_prefix(self.prefix.as_str())?.strip_prefix('{')?.strip_suffix('}')
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
