use std::cell::RefCell;
use std::sync::Arc;
use std::time::Duration;

use napi::bindgen_prelude::{Either, Error, Function, Result, Status};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use super::{operation, StoreCall};

use crate::completion::{encode, Completion, Outcome};
use crate::redis::engine::{Config, Engine, Job};
use crate::redis::link::{Sentinel, Target, Tls};
use crate::redis::outbox::Outbox;
use crate::redis::runtime::RuntimeThread;

/// Connection settings, as `lib/stores/redis.js` has checked them.
#[napi(object)]
pub struct RedisCoreOptions {
  /// `redis://` or `rediss://` URLs: one server, a cluster's seed nodes, or the sentinels.
  pub urls: Vec<String>,
  pub cluster: bool,
  pub sentinel: Option<RedisSentinelOptions>,
  pub tls: Option<RedisTlsOptions>,
  pub prefix: String,
  pub connect_timeout_ms: u32,
  pub command_timeout_ms: u32,
  /// Names the server(s) in error messages, without credentials.
  pub label: String,
  /// Bytes the near-cache may hold; 0: no near-cache.
  pub near_cache_bytes: f64,
}

/// Sentinel's master: its name, and its credentials.
#[napi(object)]
pub struct RedisSentinelOptions {
  pub name: String,
  pub username: Option<String>,
  pub password: Option<String>,
  pub db: u32,
}

/// `tls`, its certificates as PEM text.
#[napi(object)]
pub struct RedisTlsOptions {
  pub ca: Option<String>,
  pub cert: Option<String>,
  pub key: Option<String>,
  pub reject_unauthorized: bool,
}

/// The native half of `RedisStore`: each operation runs as a task on the store's own tokio runtime;
/// finished operations cross back to JavaScript in batches (src/redis/outbox.rs) as one JSON text, which
/// `lib/stores/ticketed.js` matches to callbacks by ticket.
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
    // Half the shortest deadline the store sets, but no busier than 20 times a second.
    let tick = Duration::from_millis((options.command_timeout_ms.min(options.connect_timeout_ms) / 2).max(50).into());
    let runtime = RuntimeThread::start("generic-session-redis", tick)
      .map_err(|err| Error::new(Status::GenericFailure, err.to_string()))?;
    let target = Target {
      urls: options.urls,
      cluster: options.cluster,
      sentinel: options.sentinel.map(|s| Sentinel {
        name: s.name,
        username: s.username,
        password: s.password,
        db: s.db.into(),
      }),
      tls: options.tls.map(|t| Tls {
        ca: t.ca.map(String::into_bytes),
        cert: t.cert.map(String::into_bytes),
        key: t.key.map(String::into_bytes),
        reject_unauthorized: t.reject_unauthorized,
      }),
      connect_timeout: Duration::from_millis(options.connect_timeout_ms.into()),
      command_timeout: Duration::from_millis(options.command_timeout_ms.into()),
    };
    let config = Config {
      target,
      prefix: options.prefix,
      label: options.label,
      // Checked in JavaScript; `as` maps anything odd (NaN, negative) to 0, off.
      near_cache_bytes: options.near_cache_bytes as u64,
    };
    let engine = {
      let _context = runtime.handle().enter();
      Engine::connect(config).map_err(|message| Error::new(Status::InvalidArg, message))?
    };
    // The crossing takes whatever is queued when it runs, not when it was asked for. Weak: an idle
    // store must not keep the process alive (lib/stores/ticketed.js holds a ref'd handle while
    // operations are pending).
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

  /// Queues one Store API call (src/binding/mod.rs) for the next `flush`. `false` after close:
  /// the caller answers with the closed error.
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
    let Some(running) = &self.running else {
      return Ok(false);
    };
    running.inbox.borrow_mut().push(running.engine.job(ticket, op));
    Ok(true)
  }

  /// Starts every operation called since the last flush. lib/stores/redis.js calls it once per
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

  /// A `get` (with `key`) or `getAll` (without) answered from the near-cache on this thread
  /// (src/binding/mod.rs).
  #[napi]
  pub fn peek(&self, id: String, key: Option<String>, expire_ms: f64) -> Either<String, bool> {
    super::peek(self.running.as_ref().and_then(|running| running.engine.cached()), &id, key.as_deref(), expire_ms)
  }

  /// Drops the connections and stops the runtime, then answers `ticket`. lib/stores/redis.js calls
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
