//! The LevelStore engine: sessions on rusty-leveldb, one record per session key (layout in
//! [`super::keys`]). Plain synchronous code over a `DB` that only its owner thread touches
//! ([`super::thread`]); time comes in as an argument so tests can move it.
//!
//! Durability: rusty-leveldb appends each write to its log through an in-process buffer and never
//! fsyncs. [`Engine::commit`] pushes that buffer to the operating system (then a `kill -9` loses
//! nothing) and, with `sync`, fsyncs the log too (then power loss loses nothing). The owner thread
//! commits once per group of queued operations and acknowledges none before.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use rusty_leveldb::{LdbIterator, Options, StatusCode, WriteBatch, DB};

use super::keys;
use crate::json_text;
use crate::operation::TOMBSTONE_MS;

/// How far the stored expiry may lag before a read rewrites it: 1/100 of the session's `expire`.
/// A read therefore costs a disk write at most once per 1% of `expire` (every 3.4 hours for the
/// 2-week default), and a session can expire at most 1% of `expire` before its nominal time.
pub const EXPIRY_SLACK_DIVISOR: u64 = 100;

/// Where a session stands.
enum State {
  Live(u64),
  /// Revoked by [`Engine::revoke`]; its tombstone has not expired.
  Revoked,
  Absent,
}

/// The expiry given to a migrated level-session record that carries none: its default, 2 weeks.
const LEGACY_EXPIRE_MS: u64 = 14 * 24 * 60 * 60 * 1000;

/// Milliseconds since the Unix epoch: the clock expiries are kept in.
pub(crate) fn now_ms() -> u64 {
  std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

const WRITE_BUFFER_BYTES: usize = 16 << 20;
const BLOCK_CACHE_BYTES: usize = 64 << 20;

/// After this many removed records, the sweeper compacts the data range to give the space back.
const COMPACT_AFTER_REMOVALS: usize = 50_000;
/// ...or after this many, once the sweeper has caught up with expiry.
const COMPACT_WHEN_DRAINED: usize = 1_000;
/// ...or when the directory has doubled since the last compaction, counting from at least this.
const COMPACT_MIN_BYTES: u64 = 64 << 20;

pub struct Engine {
  db: DB,
  location: PathBuf,
  sync: bool,
  removed_since_compaction: usize,
  /// The directory's size after the last compaction: growing far past it means overwritten
  /// records are piling up (see [`Engine::compact`]).
  size_after_compaction: u64,
}

/// A larger write buffer means fewer level-0 files for a read to check, and the block cache keeps
/// a large store's hot blocks in memory.
fn db_options() -> Options {
  Options {
    create_if_missing: true,
    write_buffer_size: WRITE_BUFFER_BYTES,
    block_cache_capacity_bytes: BLOCK_CACHE_BYTES,
    ..Options::default()
  }
}

/// Bytes in a directory.
fn files_size(dir: &Path) -> Result<u64> {
  let mut total = 0;
  for entry in fs::read_dir(dir)? {
    total += entry?.metadata()?.len();
  }
  Ok(total)
}

/// Why a location could not be opened.
#[derive(Debug)]
pub enum OpenError {
  /// Another process (or another store in this one) holds the directory's LOCK.
  Locked(PathBuf),
  /// Anything else: not a directory, not writable, corrupt.
  Failed(PathBuf, String),
}

impl fmt::Display for OpenError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      OpenError::Locked(path) => write!(
        f,
        "LevelStore: {:?} is in use: its lock is held by another process or another open LevelStore (close that one first)",
        path
      ),
      OpenError::Failed(path, why) => write!(f, "LevelStore: cannot open {:?}: {}", path, why),
    }
  }
}

/// A failed operation on an open store.
#[derive(Debug)]
pub struct StoreError(pub String);

impl From<rusty_leveldb::Status> for StoreError {
  fn from(status: rusty_leveldb::Status) -> Self {
    StoreError(format!("LevelStore: {}", status))
  }
}

impl From<std::io::Error> for StoreError {
  fn from(err: std::io::Error) -> Self {
    StoreError(format!("LevelStore: {}", err))
  }
}

type Result<T> = std::result::Result<T, StoreError>;

impl Engine {
  /// Opens (creating if needed) the database directory at `location`.
  pub fn open(location: &Path, sync: bool) -> std::result::Result<Engine, OpenError> {
    let failed = |why: String| OpenError::Failed(location.to_owned(), why);
    fs::create_dir_all(location).map_err(|e| failed(e.to_string()))?;
    let mut db = DB::open(location, db_options()).map_err(|status| match status.code {
      StatusCode::LockError => OpenError::Locked(location.to_owned()),
      _ => failed(status.err),
    })?;
    // A directory written by level-session 0.3.4 is upgraded in place: same ids, same data.
    super::migrate::migrate(&mut db, now_ms(), LEGACY_EXPIRE_MS).map_err(|status| failed(status.err))?;
    let size_after_compaction = files_size(location).map_err(|e| failed(e.0))?;
    Ok(Engine { db, location: location.to_owned(), sync, removed_since_compaction: 0, size_after_compaction })
  }

  /// The JSON text under `key`, refreshing the session's expiry.
  pub fn get(&mut self, id: &str, key: &str, expire_ms: u64, now_ms: u64) -> Result<Option<Vec<u8>>> {
    let Some(expires) = self.live_expiry(id, now_ms)? else {
      return Ok(None);
    };
    let value = self.db.get(&keys::data(id, key)).map(|v| v.to_vec());
    self.touch(id, Some(expires), expire_ms, now_ms)?;
    Ok(value)
  }

  /// The whole session as one JSON object text, refreshing its expiry.
  pub fn get_all(&mut self, id: &str, expire_ms: u64, now_ms: u64) -> Result<String> {
    let Some(expires) = self.live_expiry(id, now_ms)? else {
      return Ok("{}".to_owned());
    };
    let records = self.session_records(id)?;
    self.touch(id, Some(expires), expire_ms, now_ms)?;
    let texts: Vec<(String, String)> = records
      .into_iter()
      .map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), String::from_utf8_lossy(&v).into_owned()))
      .collect();
    Ok(json_text::object(texts.iter().map(|(k, v)| (k.as_str(), v.as_str())), 64))
  }

  /// Stores the JSON text `json` under `key`.
  /// A write to a revoked session (see [`Self::del_all`]) is dropped.
  pub fn set(&mut self, id: &str, key: &str, json: &[u8], expire_ms: u64, now_ms: u64) -> Result<()> {
    let expires = match self.state(id, now_ms)? {
      State::Revoked => return Ok(()),
      State::Live(expires) => Some(expires),
      State::Absent => None,
    };
    let mut batch = WriteBatch::default();
    batch.put(&keys::data(id, key), json);
    self.add_touch(&mut batch, id, expires, expire_ms, now_ms);
    self.db.write(batch, false)?;
    Ok(())
  }

  /// Removes `key` from the session, refreshing its expiry.
  pub fn del(&mut self, id: &str, key: &str, expire_ms: u64, now_ms: u64) -> Result<()> {
    let Some(expires) = self.live_expiry(id, now_ms)? else {
      return Ok(());
    };
    let mut batch = WriteBatch::default();
    batch.delete(&keys::data(id, key));
    self.add_touch(&mut batch, id, Some(expires), expire_ms, now_ms);
    self.db.write(batch, false)?;
    Ok(())
  }

  /// Removes the whole session (`session.delAll()`: the session may be written again).
  pub fn del_all(&mut self, id: &str) -> Result<()> {
    let expires = self.stored_expiry(id);
    self.remove_session(id, expires)
  }

  /// Removes the whole session (`session.destroy()`) and leaves a tombstone until it would have
  /// expired (or for [`TOMBSTONE_MS`] if it had no expiry): writes still in flight for it are
  /// dropped, so a destroyed session stays destroyed.
  pub fn revoke(&mut self, id: &str, now_ms: u64) -> Result<()> {
    let expires = self.stored_expiry(id);
    self.remove_session(id, expires)?;
    let until = expires.filter(|&at| at > now_ms).unwrap_or(now_ms + TOMBSTONE_MS);
    let mut batch = WriteBatch::default();
    batch.put(&keys::meta(id), &keys::encode_tombstone(until));
    batch.put(&keys::index(until, id), b"");
    self.db.write(batch, false)?;
    Ok(())
  }

  /// Refreshes the session's expiry, if it is live.
  pub fn extend(&mut self, id: &str, expire_ms: u64, now_ms: u64) -> Result<()> {
    if let Some(expires) = self.live_expiry(id, now_ms)? {
      self.touch(id, Some(expires), expire_ms, now_ms)?;
    }
    Ok(())
  }

  /// Makes every write so far survive the process (and, with `sync`, the machine) dying.
  pub fn commit(&mut self) -> Result<()> {
    self.db.flush()?;
    if self.sync {
      if let Some(log) = self.current_log()? {
        fs::OpenOptions::new().append(true).open(log)?.sync_data()?;
      }
    }
    Ok(())
  }

  /// Deletes up to `limit` sessions that expired before `now_ms`, reading only the expiry index.
  /// Returns how many it deleted; compacts once enough records have gone, so disk space returns.
  pub fn sweep(&mut self, now_ms: u64, limit: usize) -> Result<usize> {
    let mut expired = Vec::new();
    {
      let mut iter = self.db.new_iter()?;
      iter.seek(&[keys::INDEX]);
      while let Some((record, _)) = iter.current() {
        let Some((expires, id)) = keys::parse_index(&record) else {
          break;
        };
        if expires > now_ms || expired.len() >= limit {
          break;
        }
        expired.push((expires, String::from_utf8_lossy(id).into_owned()));
        if !iter.advance() {
          break;
        }
      }
    }
    for (expires, id) in &expired {
      // The index may be stale (the session was touched since): trust the meta record.
      match self.stored_expiry(id) {
        Some(current) if current > now_ms => {
          let mut batch = WriteBatch::default();
          batch.delete(&keys::index(*expires, id));
          self.db.write(batch, false)?;
        }
        current => self.remove_session_with_index(id, current, Some(*expires))?,
      }
    }
    // Compact once a lot has gone, when a wave of expiry has been swept to the end, and when
    // overwritten records have doubled the directory, so the space comes back.
    let drained = expired.len() < limit;
    if self.removed_since_compaction >= COMPACT_AFTER_REMOVALS
      || (drained && self.removed_since_compaction >= COMPACT_WHEN_DRAINED)
      || (drained && files_size(&self.location)? > 2 * self.size_after_compaction.max(COMPACT_MIN_BYTES))
    {
      self.compact()?;
    }
    Ok(expired.len())
  }

  /// Compacts the whole key space, dropping deleted and overwritten records from disk.
  ///
  /// rusty-leveldb 4.0.2 never drops them once a snapshot has existed in the database's lifetime
  /// (every iterator takes one): `SnapshotList::empty()` tests a field that is never reset, and
  /// `oldest()` returns snapshot handles instead of sequence numbers, so compaction believes a
  /// snapshot at sequence ~1 is alive. A freshly opened database has no snapshot history: so the
  /// database is reopened (lock released and taken again, a moment in which another process could
  /// take the directory) and compacted at once, twice (the first pass pushes deletions down to the
  /// level holding what they delete, the second drops both). Measured: 50,000 deleted sessions,
  /// 6.4 MB on disk, went to 2 KB this way and stayed at 6.4 MB without the reopen.
  pub fn compact(&mut self) -> Result<()> {
    self.db.close()?;
    self.db = DB::open(&self.location, db_options())?;
    for _ in 0..2 {
      self.db.compact_range(&[keys::DATA], &[keys::INDEX + 1])?;
    }
    self.removed_since_compaction = 0;
    self.size_after_compaction = files_size(&self.location)?;
    Ok(())
  }

  /// Flushes and releases the directory lock.
  pub fn close(mut self) -> Result<()> {
    self.db.close()?;
    Ok(())
  }

  /// The expiry recorded for the session (or its tombstone), live or not.
  fn stored_expiry(&mut self, id: &str) -> Option<u64> {
    self.db.get(&keys::meta(id)).and_then(|v| keys::decode_meta(&v)).map(|(expires, _)| expires)
  }

  /// Whether the session is live, revoked or absent at `now_ms`. An expired session or tombstone
  /// is removed first, so nothing of it can be read or extended.
  fn state(&mut self, id: &str, now_ms: u64) -> Result<State> {
    match self.db.get(&keys::meta(id)).and_then(|v| keys::decode_meta(&v)) {
      Some((expires, revoked)) if expires > now_ms => Ok(if revoked { State::Revoked } else { State::Live(expires) }),
      Some((expires, _)) => {
        self.remove_session(id, Some(expires))?;
        Ok(State::Absent)
      }
      None => Ok(State::Absent),
    }
  }

  /// The session's expiry if it is live at `now_ms` (not expired, not revoked).
  fn live_expiry(&mut self, id: &str, now_ms: u64) -> Result<Option<u64>> {
    Ok(match self.state(id, now_ms)? {
      State::Live(expires) => Some(expires),
      State::Revoked | State::Absent => None,
    })
  }

  fn touch(&mut self, id: &str, expires: Option<u64>, expire_ms: u64, now_ms: u64) -> Result<()> {
    let mut batch = WriteBatch::default();
    if self.add_touch(&mut batch, id, expires, expire_ms, now_ms) {
      self.db.write(batch, false)?;
    }
    Ok(())
  }

  /// Adds the expiry rewrite to `batch` when the stored expiry lags by more than the slack (or
  /// there is none yet). Returns whether it added anything.
  fn add_touch(&self, batch: &mut WriteBatch, id: &str, expires: Option<u64>, expire_ms: u64, now_ms: u64) -> bool {
    let wanted = now_ms + expire_ms;
    if let Some(current) = expires {
      if wanted.abs_diff(current) <= expire_ms / EXPIRY_SLACK_DIVISOR {
        return false;
      }
      batch.delete(&keys::index(current, id));
    }
    batch.put(&keys::meta(id), &keys::encode_expiry(wanted));
    batch.put(&keys::index(wanted, id), b"");
    true
  }

  fn remove_session(&mut self, id: &str, expires: Option<u64>) -> Result<()> {
    self.remove_session_with_index(id, expires, None)
  }

  fn remove_session_with_index(&mut self, id: &str, expires: Option<u64>, stale_index: Option<u64>) -> Result<()> {
    let mut batch = WriteBatch::default();
    let records = self.session_records(id)?;
    let prefix = keys::data_prefix(id);
    for (key, _) in &records {
      let mut record = prefix.clone();
      record.extend_from_slice(key);
      batch.delete(&record);
    }
    batch.delete(&keys::meta(id));
    for at in expires.iter().chain(stale_index.iter()) {
      batch.delete(&keys::index(*at, id));
    }
    self.removed_since_compaction += records.len() + 2;
    self.db.write(batch, false)?;
    Ok(())
  }

  /// (key, JSON value) of every record of the session, in key order.
  fn session_records(&mut self, id: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let prefix = keys::data_prefix(id);
    let mut records = Vec::new();
    let mut iter = self.db.new_iter()?;
    iter.seek(&prefix);
    while let Some((record, value)) = iter.current() {
      if !record.starts_with(&prefix) {
        break;
      }
      records.push((keys::data_key(&record, prefix.len()).to_vec(), value.to_vec()));
      if !iter.advance() {
        break;
      }
    }
    Ok(records)
  }

  /// Bytes in the database directory.
  pub fn disk_size(&self) -> Result<u64> {
    files_size(&self.location)
  }

  /// The log file rusty-leveldb is appending to: the highest-numbered `*.log`.
  fn current_log(&self) -> Result<Option<PathBuf>> {
    let mut best: Option<(u64, PathBuf)> = None;
    for entry in fs::read_dir(&self.location)? {
      let path = entry?.path();
      let number = path
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".log"))
        .and_then(|n| n.parse::<u64>().ok());
      if let Some(number) = number {
        if best.as_ref().is_none_or(|(b, _)| number > *b) {
          best = Some((number, path));
        }
      }
    }
    Ok(best.map(|(_, path)| path))
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const HOUR: u64 = 3_600_000;
  const T0: u64 = 1_700_000_000_000;

  fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("gs-engine-{}-{}", name, std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    dir
  }

  fn engine(name: &str) -> (Engine, PathBuf) {
    let dir = temp_dir(name);
    (Engine::open(&dir, false).unwrap(), dir)
  }

  #[test]
  fn set_get_and_get_all() {
    let (mut e, dir) = engine("basic");
    e.set("s1", "b", b"1", HOUR, T0).unwrap();
    e.set("s1", "a", b"{\"x\":[2]}", HOUR, T0).unwrap();
    e.set("s2", "a", b"3", HOUR, T0).unwrap();
    assert_eq!(e.get("s1", "a", HOUR, T0).unwrap().as_deref(), Some(&b"{\"x\":[2]}"[..]));
    assert_eq!(e.get("s1", "zz", HOUR, T0).unwrap(), None);
    assert_eq!(e.get_all("s1", HOUR, T0).unwrap(), r#"{"a":{"x":[2]},"b":1}"#);
    assert_eq!(e.get_all("nobody", HOUR, T0).unwrap(), "{}");
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn del_and_del_all() {
    let (mut e, dir) = engine("del");
    e.set("s1", "a", b"1", HOUR, T0).unwrap();
    e.set("s1", "b", b"2", HOUR, T0).unwrap();
    e.del("s1", "a", HOUR, T0).unwrap();
    assert_eq!(e.get_all("s1", HOUR, T0).unwrap(), r#"{"b":2}"#);
    e.del_all("s1").unwrap();
    assert_eq!(e.get_all("s1", HOUR, T0).unwrap(), "{}");
    e.set("s1", "c", b"3", HOUR, T0).unwrap();
    assert_eq!(e.get_all("s1", HOUR, T0).unwrap(), r#"{"c":3}"#, "delAll leaves a session that can be written again");
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn a_revoked_session_stays_revoked_until_it_would_have_expired() {
    let (mut e, dir) = engine("tombstone");
    e.set("s1", "a", b"1", HOUR, T0).unwrap();
    e.revoke("s1", T0 + 10).unwrap();
    // A write still in flight from another request lands after the delAll: it is dropped.
    e.set("s1", "late", b"2", HOUR, T0 + 20).unwrap();
    assert_eq!(e.get("s1", "late", HOUR, T0 + 30).unwrap(), None);
    assert_eq!(e.get_all("s1", HOUR, T0 + 30).unwrap(), "{}");
    // Once the session would have expired, the tombstone goes and the id is an ordinary new one.
    assert_eq!(e.sweep(T0 + HOUR + 1, 100).unwrap(), 1);
    e.set("s1", "again", b"3", HOUR, T0 + HOUR + 2).unwrap();
    assert_eq!(e.get("s1", "again", HOUR, T0 + HOUR + 3).unwrap(), Some(b"3".to_vec()));
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn revoking_an_unknown_session_blocks_it_for_the_tombstone_time() {
    let (mut e, dir) = engine("tombstone-unknown");
    e.revoke("never", T0).unwrap();
    e.set("never", "k", b"1", HOUR, T0 + 1).unwrap();
    assert_eq!(e.get_all("never", HOUR, T0 + 2).unwrap(), "{}");
    e.set("never", "k", b"1", HOUR, T0 + TOMBSTONE_MS + 1).unwrap();
    assert_eq!(e.get_all("never", HOUR, T0 + TOMBSTONE_MS + 2).unwrap(), r#"{"k":1}"#);
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn sessions_expire_after_their_last_access() {
    let (mut e, dir) = engine("expiry");
    e.set("kept", "k", b"1", HOUR, T0).unwrap();
    e.set("idle", "k", b"1", HOUR, T0).unwrap();
    e.extend("kept", HOUR, T0 + HOUR / 2).unwrap();
    let later = T0 + HOUR + 1;
    assert_eq!(e.get("kept", "k", HOUR, later).unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(e.get("idle", "k", HOUR, later).unwrap(), None);
    // Writing to an expired session starts it empty: old keys do not come back.
    e.set("idle", "new", b"2", HOUR, later).unwrap();
    assert_eq!(e.get_all("idle", HOUR, later).unwrap(), r#"{"new":2}"#);
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn reads_rewrite_the_expiry_only_past_the_slack() {
    let (mut e, dir) = engine("slack");
    e.set("s", "k", b"1", HOUR, T0).unwrap();
    let stored = |e: &mut Engine| e.db.get(&keys::meta("s")).and_then(|v| keys::decode_meta(&v)).unwrap().0;
    e.get("s", "k", HOUR, T0 + HOUR / 200).unwrap();
    assert_eq!(stored(&mut e), T0 + HOUR, "within the slack: no write");
    e.get("s", "k", HOUR, T0 + HOUR / 50).unwrap();
    assert_eq!(stored(&mut e), T0 + HOUR / 50 + HOUR, "past the slack: rewritten");
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn sweep_removes_only_expired_sessions() {
    let (mut e, dir) = engine("sweep");
    for i in 0..100 {
      e.set(&format!("old{i}"), "k", b"1", HOUR, T0).unwrap();
    }
    e.set("young", "k", b"1", HOUR, T0 + HOUR).unwrap();
    assert_eq!(e.sweep(T0 + HOUR + 1, 1000).unwrap(), 100);
    assert_eq!(e.sweep(T0 + HOUR + 1, 1000).unwrap(), 0);
    assert_eq!(e.get("young", "k", HOUR, T0 + HOUR + 1).unwrap().as_deref(), Some(&b"1"[..]));
    let mut iter = e.db.new_iter().unwrap();
    let mut remaining = 0;
    while iter.advance() {
      remaining += 1;
    }
    assert_eq!(remaining, 3, "the young session's data, meta and index records");
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn sweeping_mass_expiry_gives_the_disk_space_back() {
    let (mut e, dir) = engine("reclaim");
    let value = [b'x'; 200];
    for i in 0..20_000 {
      e.set(&format!("session:{i}"), "k", &value, HOUR, T0).unwrap();
    }
    e.commit().unwrap();
    e.compact().unwrap();
    let peak = e.disk_size().unwrap();
    let mut swept = 0;
    loop {
      let n = e.sweep(T0 + HOUR + 1, 1000).unwrap();
      swept += n;
      if n < 1000 {
        break;
      }
    }
    assert_eq!(swept, 20_000);
    let after = e.disk_size().unwrap();
    assert!(after * 10 <= peak, "{after} bytes left of {peak}");
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn a_touched_session_survives_a_sweep_of_its_old_index_entry() {
    let (mut e, dir) = engine("stale");
    e.set("s", "k", b"1", HOUR, T0).unwrap();
    e.extend("s", HOUR, T0 + HOUR / 2).unwrap();
    assert_eq!(e.sweep(T0 + HOUR + 1, 1000).unwrap(), 0);
    assert_eq!(e.get("s", "k", HOUR, T0 + HOUR + 1).unwrap().as_deref(), Some(&b"1"[..]));
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn data_survives_close_and_reopen_and_the_lock_is_exclusive() {
    let (mut e, dir) = engine("reopen");
    e.set("s", "k", b"\"v\"", HOUR, T0).unwrap();
    e.commit().unwrap();
    assert!(matches!(Engine::open(&dir, false), Err(OpenError::Locked(_))));
    e.close().unwrap();
    let mut again = Engine::open(&dir, false).unwrap();
    assert_eq!(again.get("s", "k", HOUR, T0).unwrap().as_deref(), Some(&b"\"v\""[..]));
    again.close().unwrap();
    fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn an_unwritable_location_names_the_path() {
    let file = temp_dir("file");
    fs::write(&file, b"not a directory").unwrap();
    let err = Engine::open(&file.join("db"), false).err().unwrap().to_string();
    assert!(err.contains(file.to_str().unwrap()), "{err}");
    fs::remove_file(file).unwrap();
  }
}
