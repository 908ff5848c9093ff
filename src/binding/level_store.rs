use std::path::PathBuf;
use std::time::Duration;

use napi::bindgen_prelude::{Either, Error, Function, Result, Status};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::{operation, StoreCall};

use crate::completion::encode;
use crate::level::engine::Options;
use crate::level::thread::StoreThread;

/// Called on the JavaScript thread with each group's completions as one JSON text
/// (crate::completion::encode).
type Deliver = ThreadsafeFunction<String, (), String, Status, false, true>;

/// The native half of `LevelStore`: operations are queued to the owner thread and answered through
/// `deliver`; `lib/stores/ticketed.js` matches answers to callbacks by ticket.
#[napi(js_name = "LevelStoreCore")]
pub struct JsLevelStore {
  thread: Option<StoreThread>,
}

#[napi]
impl JsLevelStore {
  /// Opens `location` (synchronously: errors throw here, naming the path; lib/stores/ticketed.js
  /// rethrows them as plain Errors, without the `code` napi-rs gives them from their Status).
  #[napi(constructor)]
  pub fn new(
    location: String,
    sync: bool,
    sweep_interval_ms: f64,
    cache_bytes: f64,
    deliver: Function<String, ()>,
  ) -> Result<Self> {
    // Weak: an idle store must not keep the process alive; lib/stores/ticketed.js holds a
    // ref'd handle while operations are pending.
    let deliver: Deliver = deliver.build_threadsafe_function().weak::<true>().callee_handled::<false>().build()?;
    let interval = Duration::from_millis(sweep_interval_ms.max(1.0) as u64);
    let options = Options { sync, cache_bytes: cache_bytes.max(0.0) as u64, ..Options::default() };
    let thread = StoreThread::spawn(PathBuf::from(location), options, interval, move |completions| {
      deliver.call(encode(&completions), ThreadsafeFunctionCallMode::NonBlocking);
    })
    .map_err(|err| Error::new(Status::GenericFailure, err.to_string()))?;
    Ok(JsLevelStore { thread: Some(thread) })
  }

  /// Queues one Store API call (src/binding/mod.rs). `false` once the thread has ended: the
  /// caller answers with the closed error.
  #[napi]
  pub fn submit(
    &self,
    ticket: u32,
    call: StoreCall,
    id: String,
    key: Option<String>,
    json: Option<String>,
    expire_ms: f64,
  ) -> Result<bool> {
    let op = operation(call, id, key, json, expire_ms)?;
    Ok(self.thread.as_ref().is_some_and(|thread| thread.submit(ticket, op)))
  }

  /// A `get` (with `key`) or `getAll` (without) answered from the session cache on this thread
  /// (src/binding/mod.rs).
  #[napi]
  pub fn peek(&self, id: String, key: Option<String>, expire_ms: f64) -> Either<String, bool> {
    super::peek(self.thread.as_ref().map(|thread| thread.cache()), &id, key.as_deref(), expire_ms)
  }

  /// Queues the close; its completion comes like any other.
  #[napi]
  pub fn close(&self, ticket: u32) -> bool {
    self.thread.as_ref().is_some_and(|thread| thread.close(ticket))
  }
}
