use std::time::{Duration, Instant};

use napi_derive::napi;

use crate::expiries::Reporter;
use crate::memory_store::{Limits, MemoryStore};

/// The native half of `MemoryStore`: synchronous, on the JavaScript thread; `lib/stores/memory.js`
/// turns it into the callback-style Store API.
#[napi(js_name = "MemoryStoreCore")]
pub struct JsMemoryStore {
  inner: MemoryStore,
}

#[napi]
impl JsMemoryStore {
  /// `maxBytes`: bound on the memory the sessions take (as `src/memory_store.rs` counts it);
  /// `maxAgeMs`: idle lifetime. Validated by the caller.
  #[napi(constructor)]
  pub fn new(max_bytes: f64, max_age_ms: f64) -> Self {
    let limits = Limits { max_bytes: max_bytes as usize, max_age: Duration::from_secs_f64(max_age_ms / 1000.0) };
    JsMemoryStore { inner: MemoryStore::new(limits, Reporter::memory_store()) }
  }

  /// The stored JSON text, or `null`.
  #[napi]
  pub fn get(&mut self, id: String, key: String) -> Option<String> {
    self.inner.get(&id, &key, Instant::now()).map(str::to_owned)
  }

  /// The whole session as a JSON object text.
  #[napi]
  pub fn get_all(&mut self, id: String) -> String {
    self.inner.get_all(&id, Instant::now())
  }

  /// Stores a JSON text.
  #[napi]
  pub fn set(&mut self, id: String, key: String, json: String) {
    self.inner.set(&id, &key, json, Instant::now());
  }

  #[napi]
  pub fn del(&mut self, id: String, key: String) {
    self.inner.del(&id, &key, Instant::now());
  }

  #[napi]
  pub fn del_all(&mut self, id: String) {
    self.inner.del_all(&id);
  }

  #[napi]
  pub fn revoke(&mut self, id: String) {
    self.inner.revoke(&id, Instant::now());
  }

  /// Moves the session's data to `to` and revokes `id` (regenerate).
  #[napi(js_name = "move")]
  pub fn move_to(&mut self, id: String, to: String) {
    self.inner.move_to(&id, &to, Instant::now());
  }

  #[napi]
  pub fn extend(&mut self, id: String) {
    self.inner.extend(&id, Instant::now());
  }

  /// The ids of sessions found idle past `maxAgeMs` since the last call, or `null` for none;
  /// kept only while JavaScript listens (src/expiries.rs), which is when it asks.
  #[napi]
  pub fn take_expired(&mut self) -> Option<Vec<String>> {
    let ids = self.inner.take_expired();
    (!ids.is_empty()).then_some(ids)
  }

  /// The ids (as stored) of the live sessions (src/memory_store.rs says which).
  #[napi]
  pub fn ids(&self) -> Vec<String> {
    self.inner.ids(Instant::now())
  }

  /// How many ids `ids` would list.
  #[napi]
  pub fn live_count(&self) -> u32 {
    self.inner.live_count(Instant::now()) as u32
  }

  /// Forgets every session and tombstone.
  #[napi]
  pub fn clear(&mut self) {
    self.inner.clear();
  }

  /// Sessions held.
  #[napi(getter)]
  pub fn size(&self) -> u32 {
    self.inner.len() as u32
  }

  /// Bytes the sessions held take, as counted against `cache.max`.
  #[napi(getter)]
  pub fn used_bytes(&self) -> f64 {
    self.inner.used_bytes() as f64
  }
}
