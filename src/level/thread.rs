//! The LevelStore's owner thread: the only code that touches the database. Requests arrive over
//! a channel in call order; whatever queued up while the thread was busy is applied as one group,
//! committed with one flush (group commit), and only then acknowledged, in order, with one
//! delivery for the whole group. Between groups the thread sweeps expired sessions. The ids of
//! sessions found expired (kept only while JavaScript listens, src/expiries.rs) go in the next
//! delivery, as one more entry ([`crate::completion::EXPIRED_TICKET`]).
//!
//! A panic in the engine (a bug, or damage a library did not expect) never reaches Node and never
//! leaves a callback waiting: the thread catches it, drops the engine (releasing the directory),
//! and from then on answers every call, those of the group it was applying included, with an
//! error saying so, until it is closed.

use std::any::Any;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::engine::{now_ms, Engine, OpenError, Options};
use super::keys;
use crate::completion::{ids_array, Completion, Outcome};
use crate::operation::Op;
use crate::session_cache::SessionCache;

/// At most this many requests are applied before a commit, so acknowledgements keep flowing under
/// a flood of writes.
const MAX_GROUP: usize = 1024;

/// At most this many expired sessions are deleted per sweep pass; a pass that hits the limit is
/// followed by another as soon as the queue is empty.
const SWEEP_BATCH: usize = 1000;

/// What reaches the thread: a Store API call, or the close, each with its caller's ticket.
enum Message {
  Call(u32, Op),
  Close(u32),
}

impl Message {
  fn ticket(&self) -> u32 {
    match self {
      Message::Call(ticket, _) | Message::Close(ticket) => *ticket,
    }
  }
}

/// Handle to the owner thread. Dropping it ends the thread (closing the database).
pub struct StoreThread {
  sender: Option<Sender<Message>>,
  handle: Option<JoinHandle<()>>,
  /// The engine's session cache, which this (the caller's) thread may read.
  cache: Arc<SessionCache>,
}

/// The message of every operation after `close`.
pub const CLOSED: &str = "LevelStore is closed";

impl StoreThread {
  /// Opens the database on a new thread and returns once it is open (or failed to).
  /// `deliver` is called on that thread with each group's completions, in request order.
  pub fn spawn<D>(location: PathBuf, options: Options, sweep_interval: Duration, deliver: D) -> Result<Self, OpenError>
  where
    D: FnMut(Vec<Completion>) + Send + 'static,
  {
    let location_for_errors = location.clone();
    let (sender, receiver) = mpsc::channel();
    let (opened_tx, opened_rx) = mpsc::channel();
    let handle = std::thread::Builder::new()
      .name("generic-session-level".into())
      .spawn(move || {
        let opened = panic::catch_unwind(|| Engine::open_with(&location, options)).unwrap_or_else(|payload| {
          Err(OpenError::Failed(location.clone(), format!("internal error: {}", panic_message(&*payload))))
        });
        match opened {
          Ok(engine) => {
            let _ = opened_tx.send(Ok(engine.cache()));
            run(engine, &location, receiver, sweep_interval, deliver);
          }
          Err(err) => {
            let _ = opened_tx.send(Err(err));
          }
        }
      })
      .map_err(|e| OpenError::Failed(location_for_errors.clone(), e.to_string()))?;
    match opened_rx.recv() {
      Ok(Ok(cache)) => Ok(StoreThread { sender: Some(sender), handle: Some(handle), cache }),
      Ok(Err(err)) => {
        let _ = handle.join();
        Err(err)
      }
      Err(_) => Err(OpenError::Failed(location_for_errors, "the store thread died while opening".into())),
    }
  }

  /// Queues a call. `false` when the thread has ended (after `close`): the caller reports
  /// [`CLOSED`] itself.
  pub fn submit(&self, ticket: u32, op: Op) -> bool {
    self.send(Message::Call(ticket, op))
  }

  /// Queues the close: the database is closed once every call queued before it has been applied,
  /// and `ticket` is answered then. Calls queued after it fail with [`CLOSED`].
  pub fn close(&self, ticket: u32) -> bool {
    self.send(Message::Close(ticket))
  }

  /// The session cache: reads answered from memory on the calling thread, with no hand-off
  /// (the rules are in [`super::cache`]).
  pub fn cache(&self) -> &SessionCache {
    &self.cache
  }

  fn send(&self, message: Message) -> bool {
    self.sender.as_ref().is_some_and(|sender| sender.send(message).is_ok())
  }
}

impl Drop for StoreThread {
  fn drop(&mut self) {
    self.sender.take();
    if let Some(handle) = self.handle.take() {
      let _ = handle.join();
    }
  }
}

/// Serves calls until the close. Once the engine has failed for good (a panic, caught here or in
/// the engine), closes it (releasing the directory) and answers every call with the error.
fn run<D: FnMut(Vec<Completion>)>(
  engine: Engine,
  location: &Path,
  receiver: Receiver<Message>,
  sweep_interval: Duration,
  mut deliver: D,
) {
  let Some(Failure { engine, why, in_flight }) = serve(engine, &receiver, sweep_interval, &mut deliver) else { return };
  // The engine's close catches what its own shutdown may panic with.
  let _ = engine.close();
  let cause = format!(
    "LevelStore ({}): the store stopped after an internal error ({why}); close it, then open it again",
    location.display()
  );
  let failed = |ticket| Completion { ticket, outcome: Outcome::Failed(cause.clone()) };
  // The group that failed: its calls fail; a close among them is answered, and ends the thread.
  let mut answers = Vec::new();
  let mut closed = false;
  for (ticket, is_close) in in_flight {
    if closed {
      answers.push(Completion { ticket, outcome: Outcome::Failed(CLOSED.into()) });
    } else if is_close {
      closed = true;
      answers.push(Completion { ticket, outcome: Outcome::Done });
    } else {
      answers.push(failed(ticket));
    }
  }
  deliver(answers);
  // Calls still coming fail at once, in batches as they queue up, until the close.
  while !closed {
    let Ok(first) = receiver.recv() else { return };
    let mut answers = Vec::new();
    for message in std::iter::once(first).chain(std::iter::from_fn(|| receiver.try_recv().ok())).take(MAX_GROUP) {
      match message {
        Message::Call(ticket, _) if !closed => answers.push(failed(ticket)),
        Message::Close(ticket) if !closed => {
          closed = true;
          answers.push(Completion { ticket, outcome: Outcome::Done });
        }
        late => answers.push(Completion { ticket: late.ticket(), outcome: Outcome::Failed(CLOSED.into()) }),
      }
    }
    deliver(answers);
  }
}

/// How the engine failed: what it said, and the group it was applying (each ticket, and whether
/// it asked to close).
struct Failure {
  engine: Engine,
  why: String,
  in_flight: Vec<(u32, bool)>,
}

/// The thread's work while the engine is sound: groups of calls, and the sweep between them.
/// Returns `None` once closed, or the failure that ended it.
fn serve<D: FnMut(Vec<Completion>)>(
  mut engine: Engine,
  receiver: &Receiver<Message>,
  sweep_interval: Duration,
  deliver: &mut D,
) -> Option<Failure> {
  let mut next_sweep = Instant::now() + sweep_interval;
  loop {
    let wait = next_sweep.saturating_duration_since(Instant::now());
    let first = match receiver.recv_timeout(wait) {
      Ok(message) => message,
      Err(RecvTimeoutError::Timeout) => {
        match panic::catch_unwind(AssertUnwindSafe(|| sweep(&mut engine, sweep_interval))) {
          Ok(next) => next_sweep = next,
          Err(payload) => return Some(Failure { engine, why: panic_message(&*payload), in_flight: Vec::new() }),
        }
        deliver_expired(&mut engine, deliver);
        continue;
      }
      Err(RecvTimeoutError::Disconnected) => break,
    };
    let mut group = vec![first];
    while group.len() < MAX_GROUP {
      match receiver.try_recv() {
        Ok(message) => group.push(message),
        Err(_) => break,
      }
    }
    // What the group was, should applying it panic: its callers are answered all the same.
    let tickets: Vec<(u32, bool)> = group.iter().map(|m| (m.ticket(), matches!(m, Message::Close(_)))).collect();
    let (mut completions, close_at) = match panic::catch_unwind(AssertUnwindSafe(|| apply_group(&mut engine, group))) {
      Ok(applied) => applied,
      Err(payload) => return Some(Failure { engine, why: panic_message(&*payload), in_flight: tickets }),
    };
    if let Some(at) = close_at {
      completions[at].outcome = match engine.close() {
        Ok(()) => Outcome::Done,
        Err(err) => Outcome::Failed(err.0),
      };
      // Answer what queued behind the close; anything sent later finds the channel gone and is
      // answered by its caller (the JavaScript side sends nothing after close anyway).
      while let Ok(message) = receiver.try_recv() {
        completions.push(Completion { ticket: message.ticket(), outcome: Outcome::Failed(CLOSED.into()) });
      }
      deliver(completions);
      return None;
    }
    completions.extend(expired_entry(&mut engine));
    deliver(completions);
    // A panic the engine caught itself leaves it failed for good: answer as for one caught here.
    if let Some(why) = engine.failure() {
      let why = why.to_owned();
      return Some(Failure { engine, why, in_flight: Vec::new() });
    }
    if Instant::now() >= next_sweep {
      match panic::catch_unwind(AssertUnwindSafe(|| sweep(&mut engine, sweep_interval))) {
        Ok(next) => next_sweep = next,
        Err(payload) => return Some(Failure { engine, why: panic_message(&*payload), in_flight: Vec::new() }),
      }
      deliver_expired(&mut engine, deliver);
    }
  }
  let _ = engine.close();
  None
}

/// The entry naming the sessions found expired since the last delivery, if any were kept.
fn expired_entry(engine: &mut Engine) -> Option<Completion> {
  let ids = engine.take_expired();
  (!ids.is_empty()).then(|| Completion::expired(&ids))
}

/// A delivery of its own for what a sweep found expired (nothing when it kept no ids).
fn deliver_expired<D: FnMut(Vec<Completion>)>(engine: &mut Engine, deliver: &mut D) {
  if let Some(entry) = expired_entry(engine) {
    deliver(vec![entry]);
  }
}

/// What a panic said, for the error that replaces it.
fn panic_message(payload: &(dyn Any + Send)) -> String {
  match (payload.downcast_ref::<&str>(), payload.downcast_ref::<String>()) {
    (Some(text), _) => (*text).to_owned(),
    (_, Some(text)) => text.clone(),
    _ => "a panic".to_owned(),
  }
}

/// Applies one group in order and commits it. Returns the completions (in request order) and,
/// when the group asked to close, the position of the close request, whose outcome the caller
/// fills in once it has closed the engine: requests after it fail as closed.
fn apply_group(engine: &mut Engine, group: Vec<Message>) -> (Vec<Completion>, Option<usize>) {
  let now = now_ms();
  let mut completions = Vec::with_capacity(group.len());
  let mut close_at = None;
  for message in group {
    if close_at.is_some() {
      completions.push(Completion { ticket: message.ticket(), outcome: Outcome::Failed(CLOSED.into()) });
      continue;
    }
    let (ticket, op) = match message {
      Message::Close(ticket) => {
        close_at = Some(completions.len());
        completions.push(Completion { ticket, outcome: Outcome::Done });
        continue;
      }
      Message::Call(ticket, op) => (ticket, op),
    };
    // Tests stand in for a bug in the engine with this session id.
    #[cfg(test)]
    if op.id() == Some(tests::PANIC_ID) {
      panic!("the test's panic");
    }
    if let Some(why) = oversized(&op) {
      completions.push(Completion { ticket, outcome: Outcome::Failed(why) });
      continue;
    }
    let outcome = match op {
      Op::Get { id, key, expire_ms } => engine.get(&id, &key, expire_ms, now).map(Outcome::Value),
      Op::GetAll { id, expire_ms } => engine.get_all(&id, expire_ms, now).map(Outcome::Object),
      Op::Set { id, key, json, expire_ms } => {
        engine.set(&id, &key, json.as_bytes(), expire_ms, now).map(|_| Outcome::Done)
      }
      Op::Del { id, key, expire_ms } => engine.del(&id, &key, expire_ms, now).map(|_| Outcome::Done),
      Op::DelAll { id } => engine.del_all(&id).map(|_| Outcome::Done),
      Op::Revoke { id } => engine.revoke(&id, now).map(|_| Outcome::Done),
      Op::Extend { id, expire_ms } => engine.extend(&id, expire_ms, now).map(|_| Outcome::Done),
      Op::Move { id, to, expire_ms } => engine.move_to(&id, &to, expire_ms, now).map(|_| Outcome::Done),
      Op::Ids => engine.ids(now).map(|ids| Outcome::Object(ids_array(&ids))),
      Op::Length => engine.live_count(now).map(|count| Outcome::Object(count.to_string())),
      Op::Clear => engine.clear().map(|_| Outcome::Done),
    };
    completions.push(Completion { ticket, outcome: outcome.unwrap_or_else(|e| Outcome::Failed(e.0)) });
  }
  // Every operation may have written (reads refresh expiries), so the group is committed before
  // any of it is acknowledged; with nothing buffered the flush costs nothing.
  if let Err(err) = engine.commit() {
    for completion in &mut completions {
      completion.outcome = Outcome::Failed(err.0.clone());
    }
  }
  (completions, close_at)
}

/// Why `op` names a record too long for fjall (which would panic and stop the store), if it does:
/// that call fails alone, and the store goes on.
fn oversized(op: &Op) -> Option<String> {
  match op {
    Op::Get { id, key, .. } | Op::Set { id, key, .. } | Op::Del { id, key, .. } => keys::oversized(id, Some(key)),
    Op::Move { id, to, .. } => keys::oversized(id, None).or_else(|| keys::oversized(to, None)),
    _ => op.id().and_then(|id| keys::oversized(id, None)),
  }
}

fn sweep(engine: &mut Engine, interval: Duration) -> Instant {
  match engine.sweep(now_ms(), SWEEP_BATCH).and_then(|n| engine.commit().map(|_| n)) {
    Ok(n) if n >= SWEEP_BATCH => Instant::now(),
    _ => Instant::now() + interval,
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::sync::{Arc, Mutex};

  fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gs-thread-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
  }

  /// A store thread on `dir` with the default options and a sweep that never comes in a test.
  fn spawn<D: FnMut(Vec<Completion>) + Send + 'static>(dir: &Path, deliver: D) -> Result<StoreThread, OpenError> {
    StoreThread::spawn(dir.to_owned(), Options::default(), Duration::from_secs(60), deliver)
  }

  #[test]
  fn answers_in_order_and_closes() {
    let dir = temp_dir("order");
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    let thread = spawn(&dir, move |c| sink.lock().unwrap().extend(c)).unwrap();
    let id = || "s".to_string();
    assert!(thread.submit(1, Op::Set { id: id(), key: "k".into(), json: "1".into(), expire_ms: 60_000 }));
    assert!(thread.submit(2, Op::Get { id: id(), key: "k".into(), expire_ms: 60_000 }));
    assert!(thread.close(3));
    // Sent after close: answered as closed by the thread, or refused here if it has ended.
    let accepted = thread.submit(4, Op::DelAll { id: id() });
    drop(thread);
    let seen = seen.lock().unwrap();
    assert_eq!(seen[0].ticket, 1);
    assert_eq!(seen[1].outcome, Outcome::Value(Some(b"1".to_vec())));
    assert_eq!(seen[2].ticket, 3);
    assert_eq!(seen[2].outcome, Outcome::Done);
    match seen.get(3) {
      Some(late) => assert_eq!(late.outcome, Outcome::Failed(CLOSED.into())),
      None => assert!(!accepted),
    }
    std::fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn a_second_open_of_a_location_is_refused() {
    let dir = temp_dir("locked");
    let first = spawn(&dir, |_| {}).unwrap();
    let second = spawn(&dir, |_| {});
    assert!(matches!(second, Err(OpenError::Locked(..))));
    drop(first);
    assert!(spawn(&dir, |_| {}).is_ok());
    std::fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn a_sweep_delivers_the_expired_ids_under_their_own_ticket() {
    use std::sync::atomic::{AtomicBool, AtomicU64};
    static COUNT: AtomicU64 = AtomicU64::new(0);
    static ON: AtomicBool = AtomicBool::new(true);
    let dir = temp_dir("expired");
    let (tx, rx) = std::sync::mpsc::channel();
    let options = Options { expiries: crate::expiries::Reporter::new(&COUNT, &ON), ..Options::default() };
    let thread =
      StoreThread::spawn(dir.clone(), options, Duration::from_millis(5), move |c| tx.send(c).unwrap()).unwrap();
    assert!(thread.submit(1, Op::Set { id: "s".into(), key: "k".into(), json: "1".into(), expire_ms: 1 }));
    let mut found = None;
    for _ in 0..200 {
      let batch = rx.recv_timeout(Duration::from_secs(10)).unwrap();
      if let Some(entry) = batch.into_iter().find(|c| c.ticket == crate::completion::EXPIRED_TICKET) {
        found = Some(entry);
        break;
      }
    }
    assert_eq!(found.map(|entry| entry.outcome), Some(Outcome::Object(r#"["s"]"#.into())));
    drop(thread);
    std::fs::remove_dir_all(dir).unwrap();
  }

  pub(super) const PANIC_ID: &str = "\u{0}panic";

  #[test]
  fn a_panic_fails_every_call_until_close_and_releases_the_directory() {
    let dir = temp_dir("panic");
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = spawn(&dir, move |c| tx.send(c).unwrap()).unwrap();
    let next = || rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(thread.submit(1, Op::Set { id: "s".into(), key: "k".into(), json: "1".into(), expire_ms: 60_000 }));
    assert_eq!(next()[0].outcome, Outcome::Done);
    assert!(thread.submit(2, Op::Get { id: PANIC_ID.into(), key: "k".into(), expire_ms: 60_000 }));
    let failed = next();
    assert_eq!(failed[0].ticket, 2);
    let Outcome::Failed(message) = &failed[0].outcome else { panic!("{:?}", failed[0]) };
    assert!(
      message.contains("internal error (the test's panic)") && message.contains(dir.to_str().unwrap()),
      "{message}"
    );
    // Later calls fail with the same error, at once; the directory is free again.
    assert!(thread.submit(3, Op::Get { id: "s".into(), key: "k".into(), expire_ms: 60_000 }));
    assert_eq!(next()[0].outcome, Outcome::Failed(message.clone()));
    let again = spawn(&dir, |_| {}).unwrap();
    drop(again);
    assert!(thread.close(4));
    assert_eq!(next()[0].outcome, Outcome::Done);
    drop(thread);
    std::fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn a_close_queued_behind_a_panic_is_answered_and_ends_the_thread() {
    let dir = temp_dir("panic-close");
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = spawn(&dir, move |c| tx.send(c).unwrap()).unwrap();
    assert!(thread.submit(1, Op::Get { id: PANIC_ID.into(), key: "k".into(), expire_ms: 60_000 }));
    assert!(thread.close(2));
    let mut answers = Vec::new();
    while !answers.iter().any(|c: &Completion| c.ticket == 2) {
      answers.extend(rx.recv_timeout(Duration::from_secs(10)).unwrap());
    }
    assert!(matches!(answers[0].outcome, Outcome::Failed(_)), "{answers:?}");
    assert_eq!(answers.iter().find(|c| c.ticket == 2).unwrap().outcome, Outcome::Done);
    let handle = thread.handle.as_ref().unwrap();
    let started = Instant::now();
    while !handle.is_finished() && started.elapsed() < Duration::from_secs(10) {
      std::thread::sleep(Duration::from_millis(5));
    }
    assert!(handle.is_finished(), "the thread ended after answering the close");
    drop(thread);
    std::fs::remove_dir_all(dir).unwrap();
  }
}
