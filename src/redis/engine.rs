//! RedisStore's engine: Store API operations as Redis commands, on a tokio runtime so that no
//! network wait touches the JavaScript thread.
//!
//! Layout: one hash per session (src/redis/keys.rs), one field per session key, each value the
//! key's JSON text. Every operation that refreshes the idle expiry sends PEXPIRE in the same round
//! trip: reads pipeline it before HMGET/HGETALL; writes send it with the write in one MULTI/EXEC,
//! so a hash never exists without its expiry. `revoke` leaves a tombstone (see [`REVOKED`]).
//!
//! With the near-cache (src/redis/near_cache.rs, on by default but for a Cluster) a read of a
//! session this process has cached never gets here: the JavaScript thread answers it. What gets
//! here fills the cache from its reply, and each change updates the entry it finds. Redis stops
//! tracking a key for everyone once it changes, so a command that changes a cached session is
//! followed, in its MULTI, by PTTL (a read, so Redis tracks the key for this connection again),
//! and a read sends its PEXPIRE before its HMGET.
//!
//! Only `revoke` is a Lua script. Writes used to be scripts too (drop the write when the tombstone
//! is there), but EVALSHA costs Redis about 8 µs against 1.5 µs for HSET + PEXPIRE, which was a
//! fifth of the CPU a request cost Redis; reads already treat a tombstoned hash as empty, so a late
//! write into one is never seen, and it goes when the tombstone does.
//!
//! Faults: every operation ends within `command_timeout`, with Redis's error or a timeout message;
//! reconnecting is left to the redis crate (the connection manager for one server, the cluster
//! connection for a cluster), which retries on the next operation once a connection has failed,
//! and for Sentinel to src/redis/sentinel.rs, which asks the sentinels again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use redis::RedisResult;

use super::enumerate;
use super::fields::{self, field, key_of};
use super::keys::session_key;
use super::lanes::Lanes;
use super::link::{Link, Target};
use super::near_cache::NearCache;
use super::outbox::Outbox;
use super::scripts::Scripts;
use crate::completion::{ids_array, Completion, Outcome};
use crate::json_text;
use crate::operation::{Op, MAX_MOVES_FOLLOWED, TOMBSTONE_MS};
use crate::session_cache::{now_ms, Peek, SessionCache};

/// Where and how to connect, and what to call the server(s).
#[derive(Debug, Clone)]
pub struct Config {
  pub target: Target,
  /// Put in front of every key (see src/redis/keys.rs).
  pub prefix: String,
  /// Names the server(s) in error messages, without credentials.
  pub label: String,
  /// Bytes of sessions the near-cache may hold; 0: no near-cache. Ignored for a Cluster.
  pub near_cache_bytes: u64,
}

/// An operation on its way: its ticket, and the moment it must have ended by.
pub struct Job {
  ticket: u32,
  op: Op,
  deadline: Instant,
}

/// HMGET's answer for the tombstone field and one key.
type Pair = (Option<Vec<u8>>, Option<Vec<u8>>);

/// The field that marks a revoked session's hash (a tombstone): `revoke` (`session.destroy()`)
/// empties the hash down to it, and reads see nothing while it is there, so a write still in
/// flight from another request cannot bring a destroyed session back (it lands, unseen, and
/// expires with the tombstone). Its value is `1`, or the id the session's data was moved to
/// (`regenerate()`), which a later revoke revokes too. No session key is stored under this field
/// name (src/redis/fields.rs).
pub const REVOKED: &str = fields::REVOKED;

pub struct Engine {
  link: Link,
  near: Option<Arc<NearCache>>,
  scripts: Scripts,
  /// Jobs waiting behind their session's running operation.
  lanes: Lanes<Job>,
  /// `clear` calls entered and not yet ended: no read is answered from the near-cache meanwhile.
  clearing: AtomicUsize,
  prefix: String,
  command_timeout: Duration,
  label: String,
}

impl Engine {
  /// Prepares the connection without waiting for it: a server that is down at start is not an
  /// error here, only for the operations that run while it is down. Must run inside the tokio
  /// runtime's context. Fails only on a URL that cannot be read.
  pub fn connect(config: Config) -> Result<Engine, String> {
    let near = (config.near_cache_bytes > 0 && !config.target.cluster)
      .then(|| NearCache::new(config.near_cache_bytes, &config.prefix));
    let link = Link::connect(&config.target, near.clone())?;
    Ok(Engine {
      link,
      near,
      scripts: Scripts::default(),
      lanes: Lanes::default(),
      clearing: AtomicUsize::new(0),
      prefix: config.prefix,
      command_timeout: config.target.command_timeout,
      label: config.label,
    })
  }

  /// The near-cache's sessions when the JavaScript thread may answer a read from them now
  /// (`None`: no near-cache, or not now).
  pub fn cached(&self) -> Option<&SessionCache> {
    self.near.as_deref().and_then(NearCache::settled)
  }

  /// Operation `ticket`, stamped with the moment its callback is due by: the bound counts from
  /// the call, so time spent waiting (in the inbox, or behind the session's earlier operations)
  /// is part of it, and every callback comes within command_timeout of its call.
  pub fn job(&self, ticket: u32, op: Op) -> Job {
    Job { ticket, op, deadline: Instant::now() + self.command_timeout }
  }

  /// Starts `jobs` on `runtime` (each queued behind its session's running operation, if any) and
  /// pushes each completion to `outbox` when it ends. One wake of the runtime for the batch.
  pub fn start(self: &Arc<Self>, runtime: &tokio::runtime::Handle, jobs: Vec<Job>, outbox: &Arc<Outbox>) {
    let engine = self.clone();
    let outbox = outbox.clone();
    runtime.spawn(async move {
      for job in jobs {
        engine.enter(job, &outbox);
      }
    });
  }

  /// Runs on the runtime's thread (from `start`'s task).
  fn enter(self: &Arc<Self>, job: Job, outbox: &Arc<Outbox>) {
    let Some(lane) = job.op.id().map(str::to_owned) else {
      // A store-wide call takes no session's lane: it runs beside every session's operations.
      // Counted here, in call order, so that a read called after the clear sees it counted.
      let clear = matches!(job.op, Op::Clear);
      if clear {
        self.clearing.fetch_add(1, Ordering::SeqCst);
      }
      let engine = self.clone();
      let outbox = outbox.clone();
      tokio::spawn(async move {
        let outcome = engine.run(job.op, job.deadline).await;
        if clear {
          engine.clearing.fetch_sub(1, Ordering::SeqCst);
        }
        outbox.push(Completion { ticket: job.ticket, outcome });
      });
      return;
    };
    let Some(first) = self.lanes.enter(&lane, job) else {
      return;
    };
    let engine = self.clone();
    let outbox = outbox.clone();
    // Spawned from inside the runtime: onto its own queue, no wake-up.
    tokio::spawn(async move {
      let mut next = Some(first);
      while let Some(Job { ticket, op, deadline }) = next {
        let outcome = engine.run(op, deadline).await;
        outbox.push(Completion { ticket, outcome });
        next = engine.lanes.next(&lane);
      }
    });
  }

  /// Runs one operation to its end: its result, Redis's error, or a timeout at `deadline`.
  async fn run(&self, op: Op, deadline: Instant) -> Outcome {
    if let Some(outcome) = self.cached_read(&op) {
      return outcome;
    }
    let mut link = self.link.clone();
    let outcome = match op.id() {
      Some(_) => tokio::time::timeout_at(deadline, self.apply(&mut link, op)).await,
      // A store-wide call lasts as long as the keyspace takes to walk: each of its round trips
      // has the bound instead (src/redis/enumerate.rs).
      None => Ok(self.apply(&mut link, op).await),
    };
    if outcome.is_err() {
      link.timed_out();
    }
    match outcome {
      Ok(Ok(outcome)) => outcome,
      // The connection's own response timeout is the same bound; say so the same way.
      Ok(Err(err)) if !err.is_timeout() => Outcome::Failed(format!("RedisStore ({}): {err}", self.label)),
      _ => Outcome::Failed(format!(
        "RedisStore ({}): no answer within {} ms (commandTimeout)",
        self.label,
        self.command_timeout.as_millis()
      )),
    }
  }

  /// A read the JavaScript thread did not answer from memory, answered from the near-cache here if
  /// it can be now: its turn comes after every earlier operation of its session has ended (its
  /// lane), which is what a peek waits for (lib/stores/ticketed.js peeks only at sessions with no
  /// call in flight, so without this every read that overlaps a write of its session, as parallel
  /// requests of one session do, costs a round trip). The same conditions as a peek, checked now:
  /// nothing Redis sent is left unhandled, the entry is live with its expiry within the slack, and
  /// no `clear` is under way. `None`: the read goes to Redis.
  fn cached_read(&self, op: &Op) -> Option<Outcome> {
    if self.clearing.load(Ordering::SeqCst) > 0 {
      return None;
    }
    let cache = self.cached()?;
    let found = match op {
      Op::Get { id, key, expire_ms } => cache.peek(id, key, *expire_ms, now_ms()),
      Op::GetAll { id, expire_ms } => cache.peek_all(id, *expire_ms, now_ms()),
      _ => return None,
    };
    match (found, op) {
      (Peek::Found(text), Op::Get { .. }) => Some(Outcome::Value(Some(text.into_bytes()))),
      (Peek::Absent, Op::Get { .. }) => Some(Outcome::Value(None)),
      (Peek::Found(text), Op::GetAll { .. }) => Some(Outcome::Object(text)),
      _ => None,
    }
  }

  async fn apply(&self, link: &mut Link, op: Op) -> RedisResult<Outcome> {
    let near = self.near.as_deref();
    match op {
      Op::Get { id, key, expire_ms } => {
        let hash = session_key(&self.prefix, &id);
        let read = near.map(|near| near.begin_read(&id));
        let expires = now_ms() + expire_ms;
        let mut pipe = redis::pipe();
        pipe.cmd("PEXPIRE").arg(&hash).arg(expire_ms).ignore();
        pipe.cmd("HMGET").arg(&hash).arg(REVOKED).arg(&*field(&key));
        let (((revoked, value),), connection): ((Pair,), u64) = link.query(&pipe).await?;
        if let (Some(near), Some(read), None) = (near, read, &revoked) {
          near.fill(read, connection, |sessions| sessions.read(&id, expires, &key, value.as_deref()));
        }
        Ok(Outcome::Value(if revoked.is_some() { None } else { value }))
      }
      Op::GetAll { id, expire_ms } => {
        let hash = session_key(&self.prefix, &id);
        let read = near.map(|near| near.begin_read(&id));
        let expires = now_ms() + expire_ms;
        let mut pipe = redis::pipe();
        pipe.cmd("PEXPIRE").arg(&hash).arg(expire_ms).ignore();
        pipe.cmd("HGETALL").arg(&hash);
        let ((fields,), connection): ((Vec<(String, String)>,), u64) = link.query(&pipe).await?;
        if fields.iter().any(|(k, _)| k == REVOKED) {
          return Ok(Outcome::Object("{}".into()));
        }
        let fields: Vec<(&str, &str)> = fields.iter().filter_map(|(f, v)| Some((key_of(f)?, v.as_str()))).collect();
        if let (Some(near), Some(read)) = (near, read) {
          let records = fields.iter().map(|(k, v)| (k.as_bytes(), v.as_bytes()));
          near.fill(read, connection, |sessions| sessions.read_all(&id, expires, records));
        }
        let capacity = fields.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>() + 2;
        Ok(Outcome::Object(json_text::object(fields.iter().copied(), capacity)))
      }
      Op::Set { id, key, json, expire_ms } => {
        let mut pipe = redis::pipe();
        pipe.cmd("HSET").arg(session_key(&self.prefix, &id)).arg(&*field(&key)).arg(&json).ignore();
        let value = Some(json.as_bytes());
        self
          .change(link, pipe, &id, expire_ms, |sessions, expires| sessions.changed_until(&id, &key, value, expires))
          .await
      }
      Op::Del { id, key, expire_ms } => {
        let mut pipe = redis::pipe();
        pipe.cmd("HDEL").arg(session_key(&self.prefix, &id)).arg(&*field(&key)).ignore();
        self
          .change(link, pipe, &id, expire_ms, |sessions, expires| sessions.changed_until(&id, &key, None, expires))
          .await
      }
      // The other calls, in a future of their own on the heap: inline, their state (script
      // loads, SCAN walks) made every operation's future about 9 KB, copied at each spawn and poll.
      op => Box::pin(self.apply_rare(link, op)).await,
    }
  }

  /// [`Engine::apply`] for the calls that are neither a read nor a write of one key.
  async fn apply_rare(&self, link: &mut Link, op: Op) -> RedisResult<Outcome> {
    let near = self.near.as_deref();
    match op {
      Op::DelAll { id } => {
        // Never marked done: its entry goes when this ends, however it ends.
        let _gone = near.map(|near| near.begin_change(&id));
        let mut pipe = redis::pipe();
        if !link.is_cluster() {
          // Behind a reply, so other processes' invalidations go out first (src/redis/scripts.rs).
          pipe.cmd("PING").ignore();
        }
        pipe.cmd("DEL").arg(session_key(&self.prefix, &id)).ignore();
        link.query::<()>(&pipe).await?;
        Ok(Outcome::Done)
      }
      Op::Revoke { id } => {
        // Down the moves its tombstones name (a destroy() that came after a regenerate()).
        let tombstone = TOMBSTONE_MS.to_string();
        let mut next = Some(id);
        for _ in 0..=MAX_MOVES_FOLLOWED {
          let Some(id) = next.take() else { break };
          // As for DelAll: the entry goes when this ends.
          let _gone = near.map(|near| near.begin_change(&id));
          let hash = session_key(&self.prefix, &id);
          next = self.scripts.revoke.run(link, &[&hash], &[REVOKED, &tombstone]).await?;
        }
        Ok(Outcome::Done)
      }
      Op::Move { id, to, expire_ms } => {
        if id == to {
          return Ok(Outcome::Done);
        }
        let _gone = near.map(|near| (near.begin_change(&id), near.begin_change(&to)));
        let (hash, target) = (session_key(&self.prefix, &id), session_key(&self.prefix, &to));
        let tombstone = TOMBSTONE_MS.to_string();
        if !link.is_cluster() {
          let expire = expire_ms.to_string();
          let args = [REVOKED, &to, &expire, &tombstone];
          self.scripts.move_whole.run::<Option<i64>>(link, &[&hash, &target], &args).await?;
          return Ok(Outcome::Done);
        }
        // The two hashes are on different slots, so a Cluster moves in two steps: the data leaves
        // (a tombstone naming the target takes its place), then lands. A revoke that comes between
        // them finds the tombstone and revokes the target first, so the late landing is unseen.
        let data: Option<Vec<Vec<u8>>> = self.scripts.move_out.run(link, &[&hash], &[REVOKED, &to, &tombstone]).await?;
        let Some(data) = data else { return Ok(Outcome::Done) };
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("DEL").arg(&target).ignore();
        pipe.cmd("HSET").arg(&target).arg(&data).ignore();
        pipe.cmd("PEXPIRE").arg(&target).arg(expire_ms).ignore();
        link.query::<()>(&pipe).await?;
        Ok(Outcome::Done)
      }
      Op::Extend { id, expire_ms } => {
        self.change(link, redis::pipe(), &id, expire_ms, |sessions, expires| sessions.expiry(&id, expires)).await
      }
      Op::Ids => Ok(Outcome::Object(ids_array(&enumerate::live_ids(&self.scope(link)).await?))),
      Op::Length => Ok(Outcome::Object(enumerate::live_ids(&self.scope(link)).await?.len().to_string())),
      Op::Clear => {
        enumerate::clear(&self.scope(link), near).await?;
        Ok(Outcome::Done)
      }
      Op::Get { .. } | Op::GetAll { .. } | Op::Set { .. } | Op::Del { .. } => unreachable!("handled by apply"),
    }
  }

  fn scope<'a>(&'a self, link: &'a Link) -> enumerate::Scope<'a> {
    enumerate::Scope { link, prefix: &self.prefix, step: self.command_timeout }
  }

  /// Sends `pipe` (a change of session `id`, or nothing) with the PEXPIRE that refreshes its
  /// expiry, in one MULTI so that a hash never exists without its expiry (a lone PEXPIRE needs
  /// none); `apply(sessions, expires)` then mirrors the change in the near-cache's entry, if the
  /// session is cached.
  async fn change(
    &self,
    link: &mut Link,
    mut pipe: redis::Pipeline,
    id: &str,
    expire_ms: u64,
    apply: impl FnOnce(&SessionCache, u64),
  ) -> RedisResult<Outcome> {
    let hash = session_key(&self.prefix, id);
    let change = self.near.as_deref().map(|near| near.begin_change(id));
    let tracked = change.as_ref().is_some_and(|change| change.tracked());
    let expires = now_ms() + expire_ms;
    if tracked || !pipe.is_empty() {
      pipe.atomic();
    }
    pipe.cmd("PEXPIRE").arg(&hash).arg(expire_ms).ignore();
    if tracked {
      // The change ended the key's tracking; this read renews it.
      pipe.cmd("PTTL").arg(&hash).ignore();
    }
    let ((), connection) = link.query(&pipe).await?;
    if let Some(change) = change {
      change.done(connection, |sessions| apply(sessions, expires));
    }
    Ok(Outcome::Done)
  }
}
