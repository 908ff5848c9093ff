//! A current-thread tokio runtime driven by a thread of its own: RedisStore's network work runs
//! there, never on the JavaScript thread.
//!
//! Current-thread rather than a one-worker multi-thread runtime: the multi-thread scheduler runs
//! a task woken by the running one next (its LIFO slot), so the Redis connection's writer ran
//! after every operation and each command went out in a write of its own. Here the operations
//! started together all queue their commands first, and one write sends them.
//!
//! The runtime also keeps one timer armed at all times (see [`RuntimeThread::start`]): every
//! operation has a deadline, and tokio wakes its own driver (a write to an eventfd, and a spurious
//! turn of the loop) whenever a timer is set while no timer was armed when the driver last went to
//! sleep. Under a closed loop of requests that was every deadline of a batch that found the runtime
//! idle, two per request (ours and the redis crate's response timeout): about 2 µs of the
//! Redis thread per request.

use std::io;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use tokio::runtime::{Handle, Runtime};
use tokio::sync::oneshot;

pub struct RuntimeThread {
  runtime: Arc<Runtime>,
  thread: JoinHandle<()>,
  stop: oneshot::Sender<()>,
}

impl RuntimeThread {
  /// Starts the runtime on a thread called `name`. `tick` should be shorter than the deadlines
  /// its tasks set: a timer of that period stays armed, so setting a later one never wakes the
  /// driver (only a cost: any period is correct).
  pub fn start(name: &str, tick: Duration) -> io::Result<Self> {
    let runtime = Arc::new(tokio::runtime::Builder::new_current_thread().enable_all().build()?);
    runtime.spawn(async move {
      loop {
        tokio::time::sleep(tick).await;
      }
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let driving = runtime.clone();
    // Ends when told to, or when the sender is dropped with this struct (a store collected
    // without close): either way the driver lets go of its runtime.
    let thread = std::thread::Builder::new().name(name.into()).spawn(move || {
      let _ = driving.block_on(stopped);
    })?;
    Ok(RuntimeThread { runtime, thread, stop })
  }

  pub fn handle(&self) -> &Handle {
    self.runtime.handle()
  }

  /// Stops the driving thread and the runtime, dropping its tasks. Blocks: not for the
  /// JavaScript thread.
  pub fn stop(self) {
    let _ = self.stop.send(());
    let _ = self.thread.join();
    // The driving thread has let go of its clone, so this is the last one.
    if let Ok(runtime) = Arc::try_unwrap(self.runtime) {
      runtime.shutdown_timeout(Duration::from_secs(1));
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn runs_what_is_spawned_from_outside_and_stops() {
    let runtime = RuntimeThread::start("test-runtime", Duration::from_millis(50)).unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    runtime.handle().spawn(async move {
      tokio::time::sleep(Duration::from_millis(5)).await;
      tx.send(std::thread::current().name().map(str::to_owned)).unwrap();
    });
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)).unwrap().as_deref(), Some("test-runtime"));
    runtime.stop();
  }

  #[test]
  fn stop_drops_tasks_that_never_end() {
    let runtime = RuntimeThread::start("test-runtime", Duration::from_millis(50)).unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<()>();
    runtime.handle().spawn(async move {
      let _keep = tx;
      std::future::pending::<()>().await;
    });
    runtime.stop();
    // The task, and the sender it held, are gone (not merely quiet: that would be a Timeout).
    assert_eq!(rx.recv_timeout(Duration::from_secs(5)), Err(std::sync::mpsc::RecvTimeoutError::Disconnected));
  }
}
