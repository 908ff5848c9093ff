//! Native core of `generic-session`. Nothing here knows of N-API but [`binding`], which converts
//! between JavaScript and these types and is the only place that does.
//!
//! The data path, top to bottom, one folder or file per step:
//!
//! - [`cookie`]: request → Cookie header → token (signature verified, or a new token) →
//!   Set-Cookie lines: one call per request (`cookie/mod.rs`), its steps in the files beside it.
//! - the stores, each in its own place:
//!   - [`memory_store`]: MemoryStore, an in-process LRU, called synchronously.
//!   - [`level`]: LevelStore, a database directory on an owner thread.
//!   - [`redis`]: RedisStore, Redis or a Cluster on a tokio runtime.
//! - what the off-thread stores (level, redis) share: [`operation`] (the call they are given) and
//!   [`completion`] (how it ended, and how a batch of endings crosses back to JavaScript);
//!   [`json_text`] builds the JSON texts that cross; [`session_cache`] holds recently used
//!   sessions in memory for the JavaScript thread to read (LevelStore's cache, RedisStore's
//!   near-cache), keyed by [`id_hash`].
//! - [`expiries`]: sessions the stores found expired, counted and (while JavaScript listens)
//!   named, for the `generic-session:expired` channel and `metrics()`.

pub mod completion;
pub mod cookie;
pub mod expiries;
pub mod id_hash;
pub mod json_text;
pub mod level;
pub mod memory_store;
pub mod operation;
pub mod redis;
pub mod session_cache;

// Compiled into the addon only: unit tests exercise the core directly.
#[cfg(not(test))]
mod binding;

/// The addon's own allocations (the LevelStore engine's many small ones above all) go to mimalloc:
/// measured in `npm run bench:scale`, 1,000,000 sessions were written 20% faster and the get+set
/// mix ran 8 to 17% faster than on glibc's malloc. JavaScript's memory is V8's, untouched.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
