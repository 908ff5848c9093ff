//! One lane per session: operations on the same session run one after another, in call order,
//! while operations on different sessions run at the same time. Over a network a later request can
//! overtake an earlier one (while connecting or reconnecting, say); the Store API promises that
//! call order is apply order, and a session's own writes are the only ones whose order anyone can
//! see.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

pub struct Lanes<J> {
  /// Lanes with a job running, and the jobs waiting behind it.
  busy: Mutex<HashMap<String, VecDeque<J>>>,
}

impl<J> Default for Lanes<J> {
  fn default() -> Self {
    Lanes { busy: Mutex::new(HashMap::new()) }
  }
}

impl<J> Lanes<J> {
  /// Hands `job` back when its lane is free (the caller runs it now), or queues it behind the
  /// lane's running job and returns `None`.
  pub fn enter(&self, lane: &str, job: J) -> Option<J> {
    let mut busy = self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    match busy.get_mut(lane) {
      Some(waiting) => {
        waiting.push_back(job);
        None
      }
      None => {
        busy.insert(lane.to_owned(), VecDeque::new());
        Some(job)
      }
    }
  }

  /// Called when the lane's running job has finished: the next job to run, or `None`, which frees
  /// the lane.
  pub fn next(&self, lane: &str) -> Option<J> {
    let mut busy = self.busy.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let next = busy.get_mut(lane).and_then(VecDeque::pop_front);
    if next.is_none() {
      busy.remove(lane);
    }
    next
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_free_lane_runs_at_once_and_a_busy_one_queues_in_order() {
    let lanes = Lanes::default();
    assert_eq!(lanes.enter("a", 1), Some(1));
    assert_eq!(lanes.enter("a", 2), None);
    assert_eq!(lanes.enter("a", 3), None);
    assert_eq!(lanes.enter("b", 10), Some(10), "another session is not held up");
    assert_eq!(lanes.next("a"), Some(2));
    assert_eq!(lanes.next("a"), Some(3));
    assert_eq!(lanes.next("a"), None);
    assert_eq!(lanes.enter("a", 4), Some(4), "a drained lane is free again");
  }

  #[test]
  fn freed_lanes_are_forgotten() {
    let lanes = Lanes::default();
    for i in 0..1000 {
      let lane = format!("s{i}");
      assert_eq!(lanes.enter(&lane, i), Some(i));
      assert_eq!(lanes.next(&lane), None);
    }
    assert!(lanes.busy.lock().unwrap().is_empty());
  }
}
