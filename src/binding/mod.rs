//! The N-API surface: converts JavaScript values to the core's types and back, and nothing more.
//! Loaded from JavaScript through the loader `napi build` generates (`binding.js`).

mod level_store;
mod memory_store;
mod session_cookie;
