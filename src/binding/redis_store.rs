use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Error, Function, Result, Status};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::millis;

use crate::completion::{encode, Completion, Outcome};
use crate::outbox::Outbox;
use crate::redis_store::{Config, Engine, Job, Op};
use crate::runtime_thread::RuntimeThread;

/// Connection settings, as `lib/redis-store.js` has checked them.
#[napi(object)]
pub struct RedisCoreOptions {
  /// `redis://` URLs: one server, or a cluster's seed nodes.
  pub urls: Vec<String>,
  pub cluster: bool,
  pub prefix: String,
  pub connect_timeout_ms: u32,
  pub command_timeout_ms: u32,
  /// Names the server(s) in error messages, without credentials.
  pub label: String,
}

/// The native half of `RedisStore`: each operation runs as a task on the store's own tokio runtime;
/// finished operations cross back to JavaScript in batches (src/outbox.rs) as one JSON text, which
/// `lib/tickets.js` matches to callbacks by ticket.
#[napi(js_name = "RedisStoreCore")]
pub struct JsRedisStore {
  running: Option<Running>,
}

struct Running {
  runtime: RuntimeThread,
  engine: Arc<Engine>,
  outbox: Arc<Outbox>,
  /// Operations called since the last `flush` (only the JavaScript thread touches it).
  inbox: RefCell<Vec<Job>>,
}

#[napi]
impl JsRedisStore {
  /// Prepares the connection; it is made on first use, so a server that is down is not an error
  /// here. Throws only for settings the redis crate cannot read.
  #[napi(constructor)]
  pub fn new(options: RedisCoreOptions, deliver: Function<String, ()>) -> Result<Self> {
    let runtime = RuntimeThread::start("generic-session-redis").map_err(|err| Error::new(Status::GenericFailure, err.to_string()))?;
    let config = Config {
      urls: options.urls,
      cluster: options.cluster,
      prefix: options.prefix,
      connect_timeout: Duration::from_millis(options.connect_timeout_ms.into()),
      command_timeout: Duration::from_millis(options.command_timeout_ms.into()),
      label: options.label,
    };
    let engine = {
      let _context = runtime.handle().enter();
      Engine::connect(config).map_err(|message| Error::new(Status::InvalidArg, message))?
    };
    // The crossing takes whatever is queued when it runs, not when it was asked for. Weak: an idle
    // store must not keep the process alive (lib/tickets.js holds a ref'd handle while operations
    // are pending).
    let deliver: ThreadsafeFunction<Arc<Outbox>, (), String, Status, false, true> = deliver
      .build_threadsafe_function::<Arc<Outbox>>()
      .weak::<true>()
      .callee_handled::<false>()
      .build_callback(|call| Ok(encode(&call.value.take())))?;
    let deliver = Arc::new(deliver);
    let outbox = Outbox::new(Box::new(move |outbox| match tokio::runtime::Handle::try_current() {
      // On the runtime's thread: cross once the tasks already queued have run. They are often
      // operations whose answers came in the same read from Redis, and they then cross together
      // instead of one crossing each.
      Ok(runtime) => {
        let deliver = deliver.clone();
        runtime.spawn(async move {
          deliver.call(outbox, ThreadsafeFunctionCallMode::NonBlocking);
        });
      }
      // close(), from its own thread.
      Err(_) => {
        deliver.call(outbox, ThreadsafeFunctionCallMode::NonBlocking);
      }
    }));
    Ok(JsRedisStore { running: Some(Running { runtime, engine: Arc::new(engine), outbox, inbox: RefCell::default() }) })
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
    self.submit(ticket, Op::Set { id, key, json, expire_ms: millis(expire_ms) })
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

  /// Starts every operation called since the last flush. lib/redis-store.js calls it once per
  /// turn of the event loop that called any: the runtime's thread then wakes once for all the
  /// requests of that turn, and their commands reach Redis in as few writes.
  #[napi]
  pub fn flush(&self) {
    let Some(running) = &self.running else {
      return;
    };
    let jobs = running.inbox.take();
    if !jobs.is_empty() {
      running.engine.start(running.runtime.handle(), jobs, &running.outbox);
    }
  }

  /// Drops the connections and stops the runtime, then answers `ticket`. lib/redis-store.js calls
  /// it once nothing is pending, so no operation is cut off.
  #[napi]
  pub fn close(&mut self, ticket: u32) -> bool {
    let Some(Running { runtime, engine, outbox, .. }) = self.running.take() else {
      return false;
    };
    // Not on the JavaScript thread: stopping a runtime waits for its threads.
    std::thread::spawn(move || {
      drop(engine);
      runtime.stop();
      outbox.push(Completion { ticket, outcome: Outcome::Done });
    });
    true
  }
}

impl JsRedisStore {
  /// Queues the operation for the next `flush`; `false` after close: the caller answers with
  /// the closed error.
  fn submit(&self, ticket: u32, op: Op) -> bool {
    let Some(running) = &self.running else {
      return false;
    };
    running.inbox.borrow_mut().push(running.engine.job(ticket, op));
    true
  }
}
