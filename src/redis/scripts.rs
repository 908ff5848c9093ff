//! RedisStore's Lua scripts (`revoke`, and `move` in its two forms), and how they are sent.
//!
//! Ordering, for other processes' near-caches. Redis writes the replies and pushes it has pending
//! at the end of each turn of its event loop, the client most recently given something first. A
//! change pushes its invalidations to the clients tracking the key while it runs, and its own
//! reply comes after; so the changing client, given its reply last, got it written first, and a
//! process it answered could ask another process, whose invalidation was still on its way, for
//! the old data (test/redis-near-cache.test.js caught it, about one destroy() in a thousand). A
//! command that has a reply before the change runs (MULTI's +OK, or a PING in the same write) puts
//! the changing client in line before the tracking ones, so their invalidations are written
//! first. Every change goes so: writes in MULTI (src/redis/engine.rs), scripts behind a PING.

use redis::{ErrorKind, FromRedisValue, RedisResult, Script, ServerErrorKind};

use super::link::Link;

/// A script, and its text, for loading it where it is missing.
pub struct Lua {
  script: Script,
  code: String,
}

impl Lua {
  fn new(code: String) -> Self {
    Lua { script: Script::new(&code), code }
  }

  /// Runs the script with `keys` and `args`. On one server it goes behind a PING, in one write
  /// (see the module's docs), and is loaded first if the server does not have it. A Cluster has
  /// no near-cache, and the redis crate's invocation finds the key's node.
  pub async fn run<T: FromRedisValue>(&self, link: &mut Link, keys: &[&str], args: &[&str]) -> RedisResult<T> {
    if link.is_cluster() {
      let mut invocation = self.script.prepare_invoke();
      for key in keys {
        invocation.key(*key);
      }
      for arg in args {
        invocation.arg(*arg);
      }
      return link.invoke(&invocation).await;
    }
    let mut pipe = redis::pipe();
    pipe.cmd("PING").ignore();
    pipe.cmd("EVALSHA").arg(self.script.get_hash()).arg(keys.len()).arg(keys).arg(args);
    match link.query::<(T,)>(&pipe).await {
      Err(err) if err.kind() == ErrorKind::Server(ServerErrorKind::NoScript) => {
        let mut load = redis::pipe();
        load.cmd("SCRIPT").arg("LOAD").arg(&self.code);
        link.query::<(String,)>(&load).await?;
        Ok(link.query::<(T,)>(&pipe).await?.0 .0)
      }
      replied => Ok(replied?.0 .0),
    }
  }
}

/// The scripts. Their ARGV start with the tombstone's field name (REVOKED) and end with the
/// tombstone's lifetime when the session had none left (ms).
pub struct Scripts {
  /// KEYS[1] the hash; ARGV REVOKED, tombstone ms. Returns the id a move took the data to, if the
  /// hash is a tombstone that names one (which it keeps as it is).
  pub revoke: Lua,
  /// KEYS[1] the hash, KEYS[2] the target's hash; ARGV REVOKED, target id, expire ms, tombstone
  /// ms. One step on one server.
  pub move_whole: Lua,
  /// A Cluster's first step, on the source's node: KEYS[1] the hash; ARGV REVOKED, target id,
  /// tombstone ms. Returns the data it took (nil: nothing to move), which the engine then writes
  /// to the target's node.
  pub move_out: Lua,
}

// A tombstone lasts as long as the session had left (at least), so it outlives any write that
// was racing it. Lines the scripts share: `ttl` is set, `moved` is the tombstone's value.
const TOMBSTONE_TTL: &str = "local ttl = redis.call('PTTL', KEYS[1]) if ttl <= 0 then ttl = tonumber(ARGV[#ARGV]) end ";
const LEAVE_TOMBSTONE: &str =
  "redis.call('DEL', KEYS[1]) redis.call('HSET', KEYS[1], revoked, moved) redis.call('PEXPIRE', KEYS[1], ttl) ";
const TAKE_DATA: &str = "if redis.call('HEXISTS', KEYS[1], revoked) == 1 then return false end \
  local data = redis.call('HGETALL', KEYS[1]) if #data == 0 then return false end ";

impl Default for Scripts {
  fn default() -> Self {
    Scripts {
      revoke: Lua::new(format!(
        "local revoked = ARGV[1] local moved = '1' \
         local found = redis.call('HGET', KEYS[1], revoked) \
         if found then if found == '1' then return false end return found end \
         {TOMBSTONE_TTL}{LEAVE_TOMBSTONE}return false"
      )),
      // HSET in slices: Lua's unpack has a limit on how many values it spreads.
      move_whole: Lua::new(format!(
        "local revoked = ARGV[1] local moved = ARGV[2] {TAKE_DATA}{TOMBSTONE_TTL} \
         redis.call('DEL', KEYS[2]) \
         for i = 1, #data, 1000 do redis.call('HSET', KEYS[2], unpack(data, i, math.min(i + 999, #data))) end \
         redis.call('PEXPIRE', KEYS[2], ARGV[3]) {LEAVE_TOMBSTONE}return 1"
      )),
      move_out: Lua::new(format!(
        "local revoked = ARGV[1] local moved = ARGV[2] {TAKE_DATA}{TOMBSTONE_TTL}{LEAVE_TOMBSTONE}return data"
      )),
    }
  }
}
