//! LevelStore: sessions in a directory of their own, surviving restarts and `kill -9`.
//!
//! - [`thread`]: the owner thread, the only code that touches the database; call order is apply
//!   order, and each group of queued calls is committed once before any of it is acknowledged.
//! - [`engine`]: the Store API operations, expiry, revocation and the sweep, on the database.
//! - [`keys`]: the record layout.
//! - [`migrate`]: the in-place upgrade of a directory written by level-session 0.3.4.

pub mod engine;
pub mod keys;
pub mod migrate;
pub mod thread;
