//! RedisStore's store-wide calls (`ids`, `length`, `clear`): `SCAN cursor MATCH <prefix>{*} COUNT
//! 1000 TYPE hash` on the one server, or on every master of a Cluster in turn (each holds its own
//! keys, and a scan sees one node). Never KEYS, which blocks Redis for the whole keyspace at once,
//! nor FLUSHDB, which would take other data in the database with it: only this store's key names
//! are touched.
//!
//! SCAN's guarantee is the calls' own: a key that exists from the start of a full scan to its end
//! is returned (possibly twice: ids are deduplicated); one written or removed meanwhile may or may
//! not be. So concurrent writes never fail a call. Each round trip is bounded by `commandTimeout`;
//! the call as a whole is not, since it lasts as long as the keyspace takes to walk.

use std::collections::HashSet;
use std::future::Future;
use std::time::Duration;

use redis::RedisResult;

use super::fields::REVOKED;
use super::keys::{id_in, pattern};
use super::link::{Link, Node};
use super::near_cache::NearCache;
use crate::operation::is_internal_id;

/// Keys asked of SCAN per round trip (a hint to Redis, which may return more or fewer).
const SCAN_COUNT: usize = 1000;

/// What a store-wide call needs of the engine.
pub struct Scope<'a> {
  pub link: &'a Link,
  pub prefix: &'a str,
  /// The bound of each round trip (commandTimeout).
  pub step: Duration,
}

/// The ids (as stored) of the live sessions: hashes holding a field and no tombstone (Redis
/// drops expired keys itself, and SCAN never returns one), internal records left out.
pub async fn live_ids(scope: &Scope<'_>) -> RedisResult<Vec<String>> {
  let mut ids = HashSet::new();
  let mut pages = Pages::start(scope).await?;
  while let Some((node, keys)) = pages.next().await? {
    let found: Vec<(&str, &str)> = keys
      .iter()
      .filter_map(|key| Some((id_in(scope.prefix, key)?, key.as_str())))
      .filter(|(id, _)| !is_internal_id(id.as_bytes()))
      .collect();
    if found.is_empty() {
      continue;
    }
    // HLEN: 0 once the key has gone since the scan; HEXISTS: a tombstone.
    let mut pipe = redis::pipe();
    for (_, key) in &found {
      pipe.cmd("HLEN").arg(*key);
      pipe.cmd("HEXISTS").arg(*key).arg(REVOKED);
    }
    let answers: Vec<i64> = step(scope, scope.link.clone().query_on(&node, &pipe)).await?;
    for ((id, _), answer) in found.iter().zip(answers.chunks(2)) {
      if answer.first() > Some(&0) && answer.get(1) == Some(&0) {
        ids.insert((*id).to_owned());
      }
    }
  }
  Ok(ids.into_iter().collect())
}

/// Removes every key of this store (sessions, tombstones, internal records), one UNLINK per key
/// (a Cluster refuses several keys of different slots in one), then forgets the near-cache.
pub async fn clear(scope: &Scope<'_>, near: Option<&NearCache>) -> RedisResult<()> {
  let cleared = unlink_all(scope).await;
  // Whatever was removed before a failure is gone too.
  if let Some(near) = near {
    near.forget_everything();
  }
  cleared
}

async fn unlink_all(scope: &Scope<'_>) -> RedisResult<()> {
  let mut pages = Pages::start(scope).await?;
  while let Some((node, keys)) = pages.next().await? {
    let mine: Vec<&String> = keys.iter().filter(|key| id_in(scope.prefix, key).is_some()).collect();
    if mine.is_empty() {
      continue;
    }
    let mut pipe = redis::pipe();
    if !scope.link.is_cluster() {
      // Behind a reply, so other processes' invalidations go out first (src/redis/scripts.rs).
      pipe.cmd("PING");
    }
    for key in mine {
      pipe.cmd("UNLINK").arg(key);
    }
    step(scope, scope.link.clone().query_on::<redis::Value>(&node, &pipe)).await?;
  }
  Ok(())
}

/// The pages of key names SCAN returns, node after node.
struct Pages<'a> {
  scope: &'a Scope<'a>,
  pattern: String,
  nodes: std::vec::IntoIter<Node>,
  /// The node being scanned, and the cursor to go on from.
  at: Option<(Node, u64)>,
}

impl<'a> Pages<'a> {
  async fn start(scope: &'a Scope<'a>) -> RedisResult<Pages<'a>> {
    let nodes = step(scope, scope.link.clone().masters()).await?;
    let mut nodes = nodes.into_iter();
    let at = nodes.next().map(|node| (node, 0));
    Ok(Pages { scope, pattern: pattern(scope.prefix), nodes, at })
  }

  async fn next(&mut self) -> RedisResult<Option<(Node, Vec<String>)>> {
    let Some((node, cursor)) = self.at.take() else { return Ok(None) };
    let mut scan = redis::pipe();
    scan.cmd("SCAN").arg(cursor).arg("MATCH").arg(&self.pattern).arg("COUNT").arg(SCAN_COUNT).arg("TYPE").arg("hash");
    let ((next, keys),): ((u64, Vec<Vec<u8>>),) =
      step(self.scope, self.scope.link.clone().query_on(&node, &scan)).await?;
    // A name that is not UTF-8 is no key of this store's (their ids are text).
    let keys = keys.into_iter().filter_map(|key| String::from_utf8(key).ok()).collect();
    self.at = match next {
      0 => self.nodes.next().map(|node| (node, 0)),
      next => Some((node.clone(), next)),
    };
    Ok(Some((node, keys)))
  }
}

/// One round trip, within commandTimeout; a timeout drops the connection as any operation's does.
async fn step<T>(scope: &Scope<'_>, work: impl Future<Output = RedisResult<T>>) -> RedisResult<T> {
  match tokio::time::timeout(scope.step, work).await {
    Ok(result) => result,
    Err(_) => {
      scope.link.timed_out();
      Err(std::io::Error::from(std::io::ErrorKind::TimedOut).into())
    }
  }
}
