//! LevelStore: sessions in a directory of their own, surviving restarts and `kill -9`.
//!
//! - [`thread`]: the owner thread, the only code that touches the database; call order is apply
//!   order, and each group of queued calls is committed once before any of it is acknowledged.
//! - [`engine`]: the Store API operations, expiry, revocation, the sweep and the directory's lock,
//!   on fjall.
//! - [`engine_dir`]: making fjall's folder so that a kill while making it leaves nothing behind.
//! - the session cache (src/session_cache/), kept coherent by the owner thread and read by any
//!   thread (the JavaScript thread answers reads from it).
//! - [`keys`]: the record layout.
//! - [`open`]: how an engine is opened: fjall, then the migration, then the memory index.
//! - [`migrate`]: the in-place upgrade of a directory written by level-session 0.3.4 or by this
//!   package's 0.2.0 (rusty-leveldb, read through its iterator only).

pub mod engine;
mod engine_dir;
pub mod keys;
pub mod migrate;
mod open;
pub mod thread;
