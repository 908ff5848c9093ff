//! Sessions a store found expired and removed (MemoryStore's idle ones, LevelStore's past their
//! expiry), for JavaScript's events and metrics (lib/events.js, lib/metrics.js). Each is counted,
//! always: one relaxed atomic add per expired session, which `metrics()` reads. Its id is kept for
//! the `generic-session:expired` channel only while JavaScript says someone subscribes
//! ([`LISTENING`]), so that nobody pays for ids nobody reads.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// Whether anyone subscribes to `generic-session:expired`. JavaScript sets it when that changes
/// (checked at each store call); the stores read it only when a session expires.
pub static LISTENING: AtomicBool = AtomicBool::new(false);

/// Sessions MemoryStore found idle past `cache.maxAge`, since the process started.
pub static MEMORY_STORE_EXPIRED: AtomicU64 = AtomicU64::new(0);

/// Sessions LevelStore (on a location) removed past their expiry, since the process started.
pub static LEVEL_STORE_EXPIRED: AtomicU64 = AtomicU64::new(0);

/// Where a store reports: the count it adds to, and the flag that says whether to keep ids.
#[derive(Clone, Copy, Debug)]
pub struct Reporter {
  count: &'static AtomicU64,
  listening: &'static AtomicBool,
}

impl Reporter {
  /// MemoryStore's, as the addon reports it.
  pub fn memory_store() -> Self {
    Reporter { count: &MEMORY_STORE_EXPIRED, listening: &LISTENING }
  }

  /// LevelStore's, as the addon reports it.
  pub fn level_store() -> Self {
    Reporter { count: &LEVEL_STORE_EXPIRED, listening: &LISTENING }
  }

  /// Another count and flag: tests, which must not share the process's.
  pub fn new(count: &'static AtomicU64, listening: &'static AtomicBool) -> Self {
    Reporter { count, listening }
  }
}

/// One store's expired sessions whose ids JavaScript has not taken yet.
#[derive(Debug)]
pub struct Expiries {
  reporter: Reporter,
  ids: Vec<String>,
}

impl Expiries {
  pub fn new(reporter: Reporter) -> Self {
    Expiries { reporter, ids: Vec::new() }
  }

  /// The session `id` expired and is gone.
  pub fn note(&mut self, id: &str) {
    self.reporter.count.fetch_add(1, Ordering::Relaxed);
    if self.reporter.listening.load(Ordering::Relaxed) {
      self.ids.push(id.to_owned());
    }
  }

  /// [`Expiries::note`] for an id the store no longer needs: kept without a copy.
  pub fn note_owned(&mut self, id: String) {
    self.reporter.count.fetch_add(1, Ordering::Relaxed);
    if self.reporter.listening.load(Ordering::Relaxed) {
      self.ids.push(id);
    }
  }

  /// The ids noted since the last call, oldest first.
  pub fn take(&mut self) -> Vec<String> {
    std::mem::take(&mut self.ids)
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn counts_always_and_keeps_ids_only_while_listening() {
    static COUNT: AtomicU64 = AtomicU64::new(0);
    static ON: AtomicBool = AtomicBool::new(false);
    let mut expiries = Expiries::new(Reporter::new(&COUNT, &ON));
    expiries.note("a");
    ON.store(true, Ordering::Relaxed);
    expiries.note("b");
    expiries.note_owned("c".to_owned());
    ON.store(false, Ordering::Relaxed);
    expiries.note("d");
    assert_eq!(COUNT.load(Ordering::Relaxed), 4);
    assert_eq!(expiries.take(), ["b", "c"]);
    assert!(expiries.take().is_empty());
  }
}
