//! RedisStore: sessions in Redis or Valkey (one server, a Cluster or behind Sentinel), shared by
//! every process.
//!
//! - [`engine`]: the Store API operations as Redis commands, each within `commandTimeout`.
//! - [`link`]: the connection: one server, a Cluster or Sentinel's master, over TCP or TLS.
//! - [`kept_link`]: a connection kept until it fails (one server, or the master Sentinel names,
//!   found again after a failover).
//! - [`near_cache`]: sessions read recently, answered from memory, kept coherent by Redis.
//! - [`watched`]: the near-cache's socket, which says whether it holds unhandled pushes.
//! - [`enumerate`]: the store-wide calls (ids, length, clear), a SCAN of every master.
//! - [`keys`]: key names (the session id is the Cluster hash tag).
//! - [`fields`]: field names in a session's hash (no session key can take the tombstone's).
//! - [`lanes`]: one session's operations run in call order, different sessions' at once.
//! - [`runtime`]: the tokio runtime, on a thread of its own.
//! - [`scripts`]: the Lua scripts (revoke, move), sent so that other processes hear of a change first.
//! - [`outbox`]: finished operations wait there to cross to JavaScript in batches.

pub mod engine;
pub mod enumerate;
pub mod fields;
pub mod kept_link;
pub mod keys;
pub mod lanes;
pub mod link;
pub mod near_cache;
pub mod outbox;
pub mod runtime;
pub mod scripts;
pub mod watched;
