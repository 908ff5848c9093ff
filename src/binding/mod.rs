//! The N-API surface: converts JavaScript values to the core's types and back, and nothing more.
//! Loaded from JavaScript through the loader `napi build` generates (`binding.js`).

mod level_store;
mod memory_store;
mod session_cookie;
mod redis_store;

/// A JavaScript millisecond count as the core takes it: anything not positive and finite is 0.
fn millis(ms: f64) -> u64 {
  if ms.is_finite() && ms > 0.0 { ms as u64 } else { 0 }
}
