//! RedisStore's engine: Store API operations as Redis commands, on a tokio runtime so that no
//! network wait touches the JavaScript thread.
//!
//! Layout: one hash per session (src/redis/keys.rs), one field per session key, each value the
//! key's JSON text. Every operation that refreshes the idle expiry sends PEXPIRE in the same round
//! trip: reads pipeline it after HMGET/HGETALL; writes send it with the write in one MULTI/EXEC, so
//! a hash never exists without its expiry. `revoke` leaves a tombstone (see [`REVOKED`]).
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

use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;

use redis::{RedisResult, Script};

use super::keys::session_key;
use super::lanes::Lanes;
use super::link::{Link, Target};
use super::outbox::Outbox;
use crate::completion::{Completion, Outcome};
use crate::json_text;
use crate::operation::{Op, TOMBSTONE_MS};

/// Where and how to connect, and what to call the server(s).
#[derive(Debug, Clone)]
pub struct Config {
  pub target: Target,
  /// Put in front of every key (see src/redis/keys.rs).
  pub prefix: String,
  /// Names the server(s) in error messages, without credentials.
  pub label: String,
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
/// expires with the tombstone).
pub const REVOKED: &str = "\u{0}revoked";

/// The one Lua script, `revoke`: KEYS[1] hash; ARGV tombstone ms, REVOKED.
struct Scripts {
  revoke: Script,
}

impl Scripts {
  fn new() -> Self {
    Scripts {
      // The tombstone lasts as long as the session had left (at least), so it outlives any write
      // that was racing it.
      revoke: Script::new(
        "local ttl = redis.call('PTTL', KEYS[1]) if ttl <= 0 then ttl = tonumber(ARGV[1]) end \
         redis.call('DEL', KEYS[1]) redis.call('HSET', KEYS[1], ARGV[2], '1') redis.call('PEXPIRE', KEYS[1], ttl) return 1",
      ),
    }
  }
}

pub struct Engine {
  link: Link,
  scripts: Scripts,
  /// Jobs waiting behind their session's running operation.
  lanes: Lanes<Job>,
  prefix: String,
  command_timeout: Duration,
  label: String,
}

impl Engine {
  /// Prepares the connection without waiting for it: a server that is down at start is not an
  /// error here, only for the operations that run while it is down. Must run inside the tokio
  /// runtime's context. Fails only on a URL that cannot be read.
  pub fn connect(config: Config) -> Result<Engine, String> {
    let link = Link::connect(&config.target)?;
    Ok(Engine {
      link,
      scripts: Scripts::new(),
      lanes: Lanes::default(),
      prefix: config.prefix,
      command_timeout: config.target.command_timeout,
      label: config.label,
    })
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
    let lane = job.op.id().to_owned();
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
    let mut link = self.link.clone();
    let outcome = tokio::time::timeout_at(deadline, self.apply(&mut link, op)).await;
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

  async fn apply(&self, link: &mut Link, op: Op) -> RedisResult<Outcome> {
    match op {
      Op::Get { id, key, expire_ms } => {
        let hash = session_key(&self.prefix, &id);
        let mut pipe = redis::pipe();
        pipe.cmd("HMGET").arg(&hash).arg(REVOKED).arg(&key);
        pipe.cmd("PEXPIRE").arg(&hash).arg(expire_ms).ignore();
        let ((revoked, value),): (Pair,) = link.query(&pipe).await?;
        Ok(Outcome::Value(if revoked.is_some() { None } else { value }))
      }
      Op::GetAll { id, expire_ms } => {
        let hash = session_key(&self.prefix, &id);
        let mut pipe = redis::pipe();
        pipe.cmd("HGETALL").arg(&hash);
        pipe.cmd("PEXPIRE").arg(&hash).arg(expire_ms).ignore();
        let (fields,): (Vec<(String, String)>,) = link.query(&pipe).await?;
        if fields.iter().any(|(k, _)| k == REVOKED) {
          return Ok(Outcome::Object("{}".into()));
        }
        let capacity = fields.iter().map(|(k, v)| k.len() + v.len() + 4).sum::<usize>() + 2;
        Ok(Outcome::Object(json_text::object(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())), capacity)))
      }
      Op::Set { id, key, json, expire_ms } => {
        let hash = session_key(&self.prefix, &id);
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("HSET").arg(&hash).arg(&key).arg(&json).ignore();
        pipe.cmd("PEXPIRE").arg(&hash).arg(expire_ms).ignore();
        link.query::<()>(&pipe).await?;
        Ok(Outcome::Done)
      }
      Op::Del { id, key, expire_ms } => {
        let hash = session_key(&self.prefix, &id);
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("HDEL").arg(&hash).arg(&key).ignore();
        pipe.cmd("PEXPIRE").arg(&hash).arg(expire_ms).ignore();
        link.query::<()>(&pipe).await?;
        Ok(Outcome::Done)
      }
      Op::DelAll { id } => {
        let mut pipe = redis::pipe();
        pipe.cmd("DEL").arg(session_key(&self.prefix, &id)).ignore();
        link.query::<()>(&pipe).await?;
        Ok(Outcome::Done)
      }
      Op::Revoke { id } => {
        let hash = session_key(&self.prefix, &id);
        link.invoke::<i64>(self.scripts.revoke.key(&hash).arg(TOMBSTONE_MS).arg(REVOKED)).await?;
        Ok(Outcome::Done)
      }
      Op::Extend { id, expire_ms } => {
        let mut pipe = redis::pipe();
        pipe.cmd("PEXPIRE").arg(session_key(&self.prefix, &id)).arg(expire_ms).ignore();
        link.query::<()>(&pipe).await?;
        Ok(Outcome::Done)
      }
    }
  }
}
