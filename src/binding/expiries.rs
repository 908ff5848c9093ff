use std::sync::atomic::Ordering;

use napi_derive::napi;

use crate::expiries::{LEVEL_STORE_EXPIRED, LISTENING, MEMORY_STORE_EXPIRED};

/// Sessions the native stores found expired since the process started (src/expiries.rs).
#[napi(object)]
pub struct ExpiredCounts {
  pub memory_store: f64,
  pub level_store: f64,
}

/// Whether anyone subscribes to `generic-session:expired`: while true, the native stores keep the
/// ids of the sessions they find expired, for JavaScript to publish (lib/events.js).
#[napi]
pub fn listen_for_expiries(listening: bool) {
  LISTENING.store(listening, Ordering::Relaxed);
}

#[napi]
pub fn expired_counts() -> ExpiredCounts {
  ExpiredCounts {
    memory_store: MEMORY_STORE_EXPIRED.load(Ordering::Relaxed) as f64,
    level_store: LEVEL_STORE_EXPIRED.load(Ordering::Relaxed) as f64,
  }
}
