use std::path::PathBuf;
use std::time::Duration;

use napi::bindgen_prelude::{Error, Function, Result, Status};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::millis;

use crate::completion::encode;
use crate::level_thread::{Op, StoreThread};

/// Called on the JavaScript thread with each group's completions as one JSON text
/// (crate::completion::encode).
type Deliver = ThreadsafeFunction<String, (), String, Status, false, true>;

/// The native half of `LevelStore`: operations are queued to the owner thread and answered through
/// `deliver`; `lib/level-store.js` matches answers to callbacks by ticket.
#[napi(js_name = "LevelStoreCore")]
pub struct JsLevelStore {
  thread: Option<StoreThread>,
}

#[napi]
impl JsLevelStore {
  /// Opens `location` (synchronously: errors throw here, naming the path).
  #[napi(constructor)]
  pub fn new(location: String, sync: bool, sweep_interval_ms: f64, deliver: Function<String, ()>) -> Result<Self> {
    // Weak: an idle store must not keep the process alive; lib/level-store.js holds a ref'd
    // handle while operations are pending.
    let deliver: Deliver = deliver.build_threadsafe_function().weak::<true>().callee_handled::<false>().build()?;
    let interval = Duration::from_millis(sweep_interval_ms.max(1.0) as u64);
    let thread = StoreThread::spawn(PathBuf::from(location), sync, interval, move |completions| {
      deliver.call(encode(&completions), ThreadsafeFunctionCallMode::NonBlocking);
    })
    .map_err(|err| Error::new(Status::GenericFailure, err.to_string()))?;
    Ok(JsLevelStore { thread: Some(thread) })
  }

  #[napi]
  pub fn get(&self, ticket: u32, id: String, key: String, expire_ms: f64) -> bool {
    self.submit(ticket, Op::Get { id, key, expire_ms: millis(expire_ms) })
  }

  #[napi]
  pub fn get_all(&self, ticket: u32, id: String, expire_ms: f64) -> bool {
    self.submit(ticket, Op::GetAll { id, expire_ms: millis(expire_ms) })
  }

  #[napi]
  pub fn set(&self, ticket: u32, id: String, key: String, json: String, expire_ms: f64) -> bool {
    self.submit(ticket, Op::Set { id, key, json: json.into_bytes(), expire_ms: millis(expire_ms) })
  }

  #[napi]
  pub fn del(&self, ticket: u32, id: String, key: String, expire_ms: f64) -> bool {
    self.submit(ticket, Op::Del { id, key, expire_ms: millis(expire_ms) })
  }

  #[napi]
  pub fn del_all(&self, ticket: u32, id: String) -> bool {
    self.submit(ticket, Op::DelAll { id })
  }

  #[napi]
  pub fn revoke(&self, ticket: u32, id: String) -> bool {
    self.submit(ticket, Op::Revoke { id })
  }

  #[napi]
  pub fn extend(&self, ticket: u32, id: String, expire_ms: f64) -> bool {
    self.submit(ticket, Op::Extend { id, expire_ms: millis(expire_ms) })
  }

  /// Queues the close; its completion comes like any other.
  #[napi]
  pub fn close(&self, ticket: u32) -> bool {
    self.submit(ticket, Op::Close)
  }
}

impl JsLevelStore {
  /// `false` when the thread has ended: the caller answers with the closed error.
  fn submit(&self, ticket: u32, op: Op) -> bool {
    self.thread.as_ref().is_some_and(|thread| thread.submit(ticket, op))
  }
}
