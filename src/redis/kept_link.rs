//! A connection kept until it fails: to one server, or to the master Redis Sentinel names (found
//! again after a failover).
//!
//! The connection is kept until it fails in a way that says it may be gone or the master may have
//! changed (it dropped or was refused, no answer in time, or the server now says it is a read-only
//! replica); the next operation then connects again (for Sentinel, asking the sentinels first),
//! one connection attempt at a time, the others waiting for its outcome. Sentinel itself verifies,
//! on discovery, that the server it names calls itself master. An operation while the server is
//! away fails (within `commandTimeout`, as every operation does); nothing is retried behind the
//! caller's back.
//!
//! With the near-cache (src/redis/near_cache.rs) each connection speaks RESP3, runs over a watched
//! socket (src/redis/watched.rs) and turns tracking on before it is used; its pushes go straight
//! to the near-cache, and the near-cache hears of every connection that is forgotten, since it may
//! have missed invalidations. A connection over TLS cannot be watched: it does not track, and the
//! near-cache stays empty.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use redis::aio::MultiplexedConnection;
use redis::sentinel::SentinelClient;
use redis::{AsyncConnectionConfig, ErrorKind, PushInfo, RedisError, RedisResult, ServerErrorKind};

use super::near_cache::NearCache;
use super::watched;

/// Where connections come from.
pub enum Source {
  Server(redis::Client),
  Sentinel(SentinelClient),
}

/// A connection, and its number (which replies and pushes it carried, for the near-cache).
#[derive(Clone)]
pub struct Kept {
  pub number: u64,
  pub connection: MultiplexedConnection,
}

pub struct KeptLink {
  /// Locked while connecting: one attempt at a time.
  source: tokio::sync::Mutex<Source>,
  /// Shared with the connection's push handler, which forgets it when it drops.
  current: Arc<Mutex<Option<Kept>>>,
  settings: AsyncConnectionConfig,
  connect_timeout: std::time::Duration,
  near: Option<Arc<NearCache>>,
  numbers: AtomicU64,
}

fn lock(current: &Mutex<Option<Kept>>) -> MutexGuard<'_, Option<Kept>> {
  current.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl KeptLink {
  /// `source`'s clients must speak RESP3 when there is a `near` cache.
  pub fn new(
    source: Source,
    settings: AsyncConnectionConfig,
    connect_timeout: std::time::Duration,
    near: Option<Arc<NearCache>>,
  ) -> Self {
    KeptLink {
      source: tokio::sync::Mutex::new(source),
      current: Arc::default(),
      settings,
      connect_timeout,
      near,
      numbers: AtomicU64::new(1),
    }
  }

  fn current(&self) -> Option<Kept> {
    lock(&self.current).clone()
  }

  /// The connection, making one when there is none.
  pub async fn connection(&self) -> RedisResult<Kept> {
    if let Some(kept) = self.current() {
      return Ok(kept);
    }
    // On the heap: inline, connecting's state (the redis crate's, the sentinels') made every
    // operation's future kilobytes larger, copied at each spawn although almost none connects.
    Box::pin(self.connect()).await
  }

  async fn connect(&self) -> RedisResult<Kept> {
    let mut source = self.source.lock().await;
    // Another operation may have connected while this one waited.
    if let Some(kept) = self.current() {
      return Ok(kept);
    }
    let number = self.numbers.fetch_add(1, Ordering::Relaxed);
    let settings = match &self.near {
      Some(near) => {
        let near = near.clone();
        let current = Arc::downgrade(&self.current);
        self.settings.clone().set_push_sender(move |push: PushInfo| {
          near.pushed(number, &push);
          if push.kind == redis::PushKind::Disconnection {
            if let Some(current) = current.upgrade() {
              forget(&current, number);
            }
          }
          Ok::<(), std::convert::Infallible>(())
        })
      }
      None => self.settings.clone(),
    };
    let client = match &mut *source {
      Source::Server(client) => client.clone(),
      Source::Sentinel(sentinels) => sentinels.async_get_client().await?,
    };
    let connection = match &self.near {
      None => client.get_multiplexed_async_connection_with_config(&settings).await?,
      Some(near) => {
        let opened = tokio::time::timeout(self.connect_timeout, watched::open(client.get_connection_info(), &settings))
          .await
          .map_err(|_| RedisError::from(std::io::Error::from(std::io::ErrorKind::TimedOut)))??;
        match opened {
          Some((mut connection, watch)) => {
            // Before any read: a read without tracking could be cached and never invalidated.
            redis::cmd("CLIENT").arg("TRACKING").arg("ON").arg("NOLOOP").exec_async(&mut connection).await?;
            near.tracking(number, watch);
            connection
          }
          None => client.get_multiplexed_async_connection_with_config(&settings).await?,
        }
      }
    };
    let kept = Kept { number, connection };
    *lock(&self.current) = Some(kept.clone());
    Ok(kept)
  }

  /// Runs `f` on the connection, forgetting it when the failure says it may be gone.
  pub async fn on_connection<T>(
    &self,
    f: impl AsyncFnOnce(&mut MultiplexedConnection) -> RedisResult<T>,
  ) -> RedisResult<(T, u64)> {
    let mut kept = self.connection().await?;
    let result = f(&mut kept.connection).await;
    match result {
      Ok(value) => Ok((value, kept.number)),
      Err(err) => {
        self.failed(kept.number, Some(&err));
        Err(err)
      }
    }
  }

  /// An operation on connection `number` failed with `err` (`None`: it ran out of time): forget
  /// the connection when that may mean it is gone, or the master has changed.
  pub fn failed(&self, number: u64, err: Option<&RedisError>) {
    let gone = match err {
      None => true,
      Some(err) => {
        err.is_connection_dropped()
          || err.is_connection_refusal()
          || err.is_io_error()
          || err.is_timeout()
          || err.kind() == ErrorKind::Server(ServerErrorKind::ReadOnly)
      }
    };
    if gone {
      forget(&self.current, number);
      if let Some(near) = &self.near {
        near.lost(number);
      }
    }
  }

  /// The number of the connection in use, if any (an operation that timed out used it).
  pub fn current_number(&self) -> Option<u64> {
    self.current().map(|kept| kept.number)
  }
}

/// Forgets connection `number` if it is still the current one (a newer one stays).
fn forget(current: &Mutex<Option<Kept>>, number: u64) {
  let mut current = lock(current);
  if current.as_ref().is_some_and(|kept| kept.number == number) {
    *current = None;
  }
}
