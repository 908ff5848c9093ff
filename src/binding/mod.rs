//! The N-API surface: converts JavaScript values to the core's types and back, and nothing more.
//! Loaded from JavaScript through the loader `napi build` generates (`binding.js`).
//!
//! The off-thread stores (LevelStore, RedisStore) share one surface: `submit(ticket, call, id,
//! key, json, expireMs)` for every Store API call, turned into an [`Op`] by [`operation`], and
//! `close(ticket)`. A new store of that kind adds a class with those two methods, nothing per call.

mod expiries;
mod level_store;
mod memory_store;
mod redis_store;
mod session_cookie;

use napi::bindgen_prelude::{Either, Error, Result, Status};
use napi_derive::napi;

use crate::operation::Op;
use crate::session_cache::{now_ms, Peek, SessionCache};

/// The Store API call of a `submit` (JavaScript reads these codes from the binding, so the two
/// sides cannot disagree).
#[napi]
pub enum StoreCall {
  Get,
  GetAll,
  Set,
  Del,
  DelAll,
  Revoke,
  Extend,
  /// `key` holds the target id.
  Move,
  /// The calls about the whole store: their `id` is ignored.
  Ids,
  Length,
  Clear,
}

/// How long a revoked session's tombstone lasts when it had no expiry left, for
/// LevelStore({ db }), which keeps tombstones in JavaScript.
#[napi]
pub const TOMBSTONE_MS: u32 = crate::operation::TOMBSTONE_MS as u32;

/// The ticket of a delivered entry that answers no call but names sessions found expired
/// (src/completion.rs), for lib/stores/ticketed.js.
#[napi]
pub const EXPIRED_TICKET: u32 = crate::completion::EXPIRED_TICKET;

/// How many moves a revoke follows (see src/operation.rs), for LevelStore({ db }).
#[napi]
pub const MAX_MOVES_FOLLOWED: u32 = crate::operation::MAX_MOVES_FOLLOWED as u32;

/// The operation a `submit` asks for. `key` and `json` are absent for the calls without them; a
/// call missing one it needs is refused (lib/stores/ticketed.js always passes them).
fn operation(call: StoreCall, id: String, key: Option<String>, json: Option<String>, expire_ms: f64) -> Result<Op> {
  let expire_ms = millis(expire_ms);
  let key = || key.ok_or_else(|| Error::new(Status::InvalidArg, "the call needs a key"));
  Ok(match call {
    StoreCall::Get => Op::Get { id, key: key()?, expire_ms },
    StoreCall::GetAll => Op::GetAll { id, expire_ms },
    StoreCall::Set => {
      let json = json.ok_or_else(|| Error::new(Status::InvalidArg, "set needs a value"))?;
      Op::Set { id, key: key()?, json, expire_ms }
    }
    StoreCall::Del => Op::Del { id, key: key()?, expire_ms },
    StoreCall::DelAll => Op::DelAll { id },
    StoreCall::Revoke => Op::Revoke { id },
    StoreCall::Extend => Op::Extend { id, expire_ms },
    StoreCall::Move => Op::Move { id, to: key()?, expire_ms },
    StoreCall::Ids => Op::Ids,
    StoreCall::Length => Op::Length,
    StoreCall::Clear => Op::Clear,
  })
}

/// A JavaScript millisecond count as the core takes it: anything not positive and finite is 0.
fn millis(ms: f64) -> u64 {
  if ms.is_finite() && ms > 0.0 {
    ms as u64
  } else {
    0
  }
}

/// A `get` (with `key`) or `getAll` (without) answered from a session cache on the JavaScript
/// thread: the JSON text found, `true` for an absent key, or `false` when the read must be
/// submitted (lib/stores/ticketed.js peeks only at sessions with no call in flight).
fn peek(cache: Option<&SessionCache>, id: &str, key: Option<&str>, expire_ms: f64) -> Either<String, bool> {
  let Some(cache) = cache else { return Either::B(false) };
  let expire_ms = millis(expire_ms);
  let found = match key {
    Some(key) => cache.peek(id, key, expire_ms, now_ms()),
    None => cache.peek_all(id, expire_ms, now_ms()),
  };
  match found {
    Peek::Found(text) => Either::A(text),
    Peek::Absent => Either::B(true),
    Peek::Miss => Either::B(false),
  }
}
