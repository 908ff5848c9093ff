//! A master found through Redis Sentinel, found again after a failover.
//!
//! The connection to the master is kept until it fails in a way that says the master may have
//! changed (the connection dropped or was refused, no answer in time, or the server now says it is
//! a read-only replica); the next operation then asks the sentinels again (one discovery at a time,
//! the others waiting for its outcome). Sentinel itself verifies, on discovery, that the server it
//! names calls itself master. An operation during the failover fails (within `commandTimeout`, as
//! every operation does); nothing is retried behind the caller's back.

use std::sync::Mutex;

use redis::aio::MultiplexedConnection;
use redis::sentinel::SentinelClient;
use redis::{AsyncConnectionConfig, ErrorKind, RedisError, RedisResult, ServerErrorKind};

pub struct SentinelLink {
  sentinels: tokio::sync::Mutex<SentinelClient>,
  master: Mutex<Option<MultiplexedConnection>>,
  settings: AsyncConnectionConfig,
}

impl SentinelLink {
  pub fn new(sentinels: SentinelClient, settings: AsyncConnectionConfig) -> Self {
    SentinelLink { sentinels: tokio::sync::Mutex::new(sentinels), master: Mutex::new(None), settings }
  }

  fn current(&self) -> Option<MultiplexedConnection> {
    self.master.lock().ok().and_then(|master| master.clone())
  }

  /// The connection to the master, asking the sentinels for it when there is none.
  pub async fn connection(&self) -> RedisResult<MultiplexedConnection> {
    if let Some(connection) = self.current() {
      return Ok(connection);
    }
    let mut sentinels = self.sentinels.lock().await;
    // Another operation may have found it while this one waited.
    if let Some(connection) = self.current() {
      return Ok(connection);
    }
    let client = sentinels.async_get_client().await?;
    let connection = client.get_multiplexed_async_connection_with_config(&self.settings).await?;
    if let Ok(mut master) = self.master.lock() {
      *master = Some(connection.clone());
    }
    Ok(connection)
  }

  /// Runs `f` on the master's connection, forgetting the master when the failure says it may
  /// have changed.
  pub async fn on_master<T>(
    &self,
    f: impl AsyncFnOnce(&mut MultiplexedConnection) -> RedisResult<T>,
  ) -> RedisResult<T> {
    let mut connection = self.connection().await?;
    let result = f(&mut connection).await;
    if let Err(err) = &result {
      self.failed(Some(err));
    }
    result
  }

  /// An operation on the master failed with `err` (`None`: it ran out of time): forget the master
  /// when that may mean it has changed.
  pub fn failed(&self, err: Option<&RedisError>) {
    let master_may_have_changed = match err {
      None => true,
      Some(err) => {
        err.is_connection_dropped()
          || err.is_connection_refusal()
          || err.is_io_error()
          || err.is_timeout()
          || err.kind() == ErrorKind::Server(ServerErrorKind::ReadOnly)
      }
    };
    if master_may_have_changed {
      if let Ok(mut master) = self.master.lock() {
        *master = None;
      }
    }
  }
}
