//! Completions waiting to cross to the JavaScript thread. Operations finish one by one on other
//! threads; each crossing costs microseconds, so whatever finished before JavaScript got around to
//! it crosses together: only the completion that finds the outbox empty asks for a crossing, and
//! the crossing takes everything queued by then.

use std::sync::{Arc, Mutex};

use crate::completion::Completion;

/// Asks for one call of [`Outbox::take`] on the JavaScript thread. It is handed the outbox itself,
/// to carry along: the outbox then lives until that call has taken what was queued, even if every
/// other handle to it is gone by then (the last completion of a closing store).
pub type Wake = Box<dyn Fn(Arc<Outbox>) + Send + Sync>;

pub struct Outbox {
  queue: Mutex<Vec<Completion>>,
  wake: Wake,
}

impl Outbox {
  pub fn new(wake: Wake) -> Arc<Self> {
    Arc::new(Outbox { queue: Mutex::new(Vec::new()), wake })
  }

  pub fn push(self: &Arc<Self>, completion: Completion) {
    let was_empty = {
      let mut queue = self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
      queue.push(completion);
      queue.len() == 1
    };
    // Outside the lock: waking may take a while, and pushes from other threads need not wait.
    // The empty check and `take` share the lock, so no completion is ever left without a wake.
    if was_empty {
      (self.wake)(self.clone());
    }
  }

  /// Everything queued, in the order it was pushed.
  pub fn take(&self) -> Vec<Completion> {
    std::mem::take(&mut *self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner()))
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use crate::completion::Outcome;
  use std::sync::atomic::{AtomicUsize, Ordering};

  fn done(ticket: u32) -> Completion {
    Completion { ticket, outcome: Outcome::Done }
  }

  #[test]
  fn wakes_once_per_batch() {
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    let outbox = Outbox::new(Box::new(move |_| {
      counter.fetch_add(1, Ordering::SeqCst);
    }));
    outbox.push(done(1));
    outbox.push(done(2));
    assert_eq!(wakes.load(Ordering::SeqCst), 1);
    let batch: Vec<u32> = outbox.take().iter().map(|c| c.ticket).collect();
    assert_eq!(batch, vec![1, 2]);
    outbox.push(done(3));
    assert_eq!(wakes.load(Ordering::SeqCst), 2);
  }

  #[test]
  fn no_completion_is_lost_across_threads() {
    let wakes = Arc::new(AtomicUsize::new(0));
    let counter = wakes.clone();
    let outbox = Outbox::new(Box::new(move |_| {
      counter.fetch_add(1, Ordering::SeqCst);
    }));
    let writers: Vec<_> = (0..4)
      .map(|t| {
        let outbox = outbox.clone();
        std::thread::spawn(move || (0..1000).for_each(|i| outbox.push(done(t * 1000 + i))))
      })
      .collect();
    let mut seen = 0;
    while writers.iter().any(|w| !w.is_finished()) {
      seen += outbox.take().len();
    }
    seen += outbox.take().len();
    assert_eq!(seen, 4000);
    assert!(wakes.load(Ordering::SeqCst) >= 1);
  }
}
