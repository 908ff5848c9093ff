//! Moving an old rusty-leveldb database found in the location into the fjall engine, on open,
//! so that a deployment upgrades without logging anyone out.
//!
//! Two old layouts, possibly mixed (0.2.0 upgraded level-session directories in place, and an
//! interrupted upgrade leaves both):
//!
//! - level-session 0.3.4 with level-ttl: `ÿ<id>ÿ<key>` (the `ÿ` UTF-8 encoded) → the value's
//!   JSON; `!ttl!<record>` → that record's expiry (decimal ms); an index under `!ttl!x!`. A session
//!   gets the latest expiry of its keys, or [`LEGACY_EXPIRE_MS`] from now if none has one.
//! - this package's 0.2.0 LevelStore: the `d`/`m`/`x` layout of [`super::keys`], which the new
//!   engine keeps. Live sessions move with their expiry, live tombstones move (so a destroyed
//!   session stays destroyed), expired ones are dropped, the `x` index is rebuilt.
//!
//! The old database is read **only through its iterator** (`DB::new_iter`, `seek`, `advance`),
//! never with `DB::get`: rusty-leveldb 4.0.2's `get` misses records its iterator shows
//! (dermesser/leveldb-rs#58). Expiries and meta records are found by seeking a second iterator.
//!
//! Steps, each safe to interrupt:
//!
//! 1. One pass in key order; sessions go over in batches of about [`BATCH_ITEMS`] records, each
//!    batch carrying a progress record (`migrate-from` in the control keyspace: the last old key
//!    done). A killed migration resumes after that key at the next open; anything written past it
//!    is written again, identically.
//! 2. The journal is fsynced; then the marker (`migrated`) is committed and fsynced.
//! 3. The old database is closed and its files deleted, `CURRENT` last; the location is fsynced.
//! 4. The marker is deleted.
//!
//! On open: `CURRENT` and no marker → migrate (or resume); a marker → the move is complete, only
//! the deletion is left: finish it (never reading the old files again). Without a marker nothing
//! old is ever deleted.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::Path;

use fjall::PersistMode;
use rusty_leveldb::{LdbIterator, DB};

use super::engine::{panic_text, Engine, Result, StoreError};
use super::keys;

/// `ÿ` in UTF-8: level-session's separator.
const LEGACY_SEP: &[u8] = &[0xC3, 0xBF];
/// level-ttl's namespace, and the key just past it.
const TTL_PREFIX: &[u8] = b"!ttl!";
const PAST_TTL: &[u8] = b"!ttl\"";

const MARKER: &[u8] = b"migrated";
const PROGRESS: &[u8] = b"migrate-from";
/// The expiry given to a migrated level-session record that carries none: its default, 2 weeks.
pub const LEGACY_EXPIRE_MS: u64 = 14 * 24 * 60 * 60 * 1000;

/// Records per batch written to the new engine.
const BATCH_ITEMS: usize = 2_000;

/// Where a test makes the migration "crash" (return an error, as if the process died there).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stop {
  Never,
  /// After this many batches have been written.
  AfterBatches(usize),
  /// After every session is written, before the marker.
  BeforeMarker,
  /// After the marker, before any old file is deleted.
  BeforeDelete,
}

fn crashed(at: &str) -> StoreError {
  StoreError(format!("migration stopped {at} (simulated crash)"))
}

/// Whether `name` is a file of a LevelDB database.
fn is_leveldb_file(name: &str) -> bool {
  if matches!(name, "CURRENT" | "LOCK" | "LOG" | "LOG.old") || name.starts_with("MANIFEST-") {
    return true;
  }
  match name.rsplit_once('.') {
    Some((stem, ext)) => {
      matches!(ext, "log" | "ldb" | "sst" | "dbtmp") && !stem.is_empty() && stem.bytes().all(|b| b.is_ascii_digit())
    }
    None => false,
  }
}

/// What one migration did.
#[derive(Debug, Default, PartialEq)]
pub struct Report {
  pub sessions: usize,
  pub tombstones: usize,
  pub dropped: usize,
}

/// Migrates (or finishes migrating) an old database in the engine's location.
pub(crate) fn run(engine: &mut Engine, now_ms: u64, stop: Stop) -> Result<Report> {
  let location = engine.location().to_owned();
  let control = engine.control.clone();
  let marker = control.get(MARKER).map_err(|e| engine.error(e))?;
  let current = location.join("CURRENT");
  let mut report = Report::default();
  if marker.is_none() {
    if !current.exists() {
      return Ok(report);
    }
    let resume = control.get(PROGRESS).map_err(|e| engine.error(e))?.map(|v| v.to_vec());
    let mut old = open_old(&location)?;
    let moved = panic::catch_unwind(AssertUnwindSafe(|| copy_sessions(engine, &mut old, resume, now_ms, stop)));
    report = match moved {
      Ok(result) => result?,
      Err(payload) => {
        return Err(StoreError(format!(
          "{:?}: the old database panicked while being read ({}); it may be damaged",
          location,
          panic_text(&*payload)
        )))
      }
    };
    engine.db.persist(PersistMode::SyncAll).map_err(|e| engine.error(e))?;
    if stop == Stop::BeforeMarker {
      return Err(crashed("before the marker"));
    }
    let mut batch = engine.batch();
    batch.put(&control, MARKER.to_vec(), format!("{}", report.sessions).as_bytes());
    batch.delete(&control, PROGRESS.to_vec());
    engine.write(batch)?;
    engine.db.persist(PersistMode::SyncAll).map_err(|e| engine.error(e))?;
    if stop == Stop::BeforeDelete {
      return Err(crashed("before deleting the old files"));
    }
    drop(old);
  }
  delete_old_files(&location)?;
  control.remove(MARKER.to_vec()).map_err(|e| engine.error(e))?;
  engine.db.persist(PersistMode::SyncAll).map_err(|e| engine.error(e))?;
  Ok(report)
}

fn open_old(location: &Path) -> Result<DB> {
  let opts = rusty_leveldb::Options { create_if_missing: false, ..rusty_leveldb::Options::default() };
  let opened = panic::catch_unwind(AssertUnwindSafe(|| DB::open(location, opts)));
  match opened {
    Ok(Ok(db)) => Ok(db),
    Ok(Err(status)) if status.code == rusty_leveldb::StatusCode::LockError => Err(StoreError(format!(
      "{:?}: the old LevelDB database there is open in another process (an older version of this package?)",
      location
    ))),
    Ok(Err(status)) => Err(StoreError(format!("{:?}: cannot read the old LevelDB database: {}", location, status))),
    Err(payload) => {
      Err(StoreError(format!("{:?}: the old LevelDB database panicked on open ({})", location, panic_text(&*payload))))
    }
  }
}

fn old_error(status: rusty_leveldb::Status) -> StoreError {
  StoreError(format!("cannot read the old LevelDB database: {status}"))
}

/// A session gathered from the old database, ready to go over.
struct Pending {
  id: String,
  records: Vec<(Vec<u8>, Vec<u8>)>,
  expires: Option<u64>,
}

/// The single pass over the old database.
fn copy_sessions(
  engine: &mut Engine,
  old: &mut DB,
  resume: Option<Vec<u8>>,
  now_ms: u64,
  stop: Stop,
) -> Result<Report> {
  let mut report = Report::default();
  let mut iter = old.new_iter().map_err(old_error)?;
  let mut side = old.new_iter().map_err(old_error)?;
  let mut writer = Writer { batch: engine.batch(), batches: 0, stop };
  match &resume {
    Some(key) => {
      iter.seek(key);
      if iter.current().is_some_and(|(k, _)| k.as_ref() == key.as_slice()) {
        iter.advance();
      }
    }
    None => iter.seek_to_first(),
  }
  // The session being gathered, and the old key its records share.
  let mut group: Option<(Vec<u8>, Pending)> = None;
  let mut last_key: Option<Vec<u8>> = None;
  while let Some((record, value)) = iter.current() {
    let (record, value) = (record.to_vec(), value.to_vec());
    let session_prefix = session_of(&record);
    if let Some((prefix, _)) = &group {
      if session_prefix.as_deref() != Some(prefix.as_slice()) {
        let (_, pending) = group.take().expect("checked");
        writer.add_session(engine, pending, now_ms, &mut report, last_key.as_deref())?;
      }
    }
    if record.first() == Some(&keys::INDEX) {
      // The 0.2.0 expiry index is rebuilt from the meta records: skip it whole.
      last_key = Some(record);
      iter.seek(&[keys::INDEX + 1]);
      continue;
    }
    if record.starts_with(b"!ttl") {
      // level-ttl's records are read by seeking `side`; skip them here.
      last_key = Some(record);
      iter.seek(PAST_TTL);
      continue;
    }
    match (session_prefix, &mut group) {
      (Some(prefix), Some((_, pending))) => {
        pending.records.push((session_key(&record, prefix.len()).to_vec(), value.to_vec()));
        if record.starts_with(LEGACY_SEP) {
          pending.expires = pending.expires.max(legacy_expiry(&mut side, &record));
        }
      }
      (Some(prefix), None) => {
        let mut pending = Pending { id: String::new(), records: Vec::new(), expires: None };
        if record.starts_with(LEGACY_SEP) {
          let (id, _) = split_legacy(&record).expect("classified as legacy");
          pending.id = String::from_utf8_lossy(id).into_owned();
          pending.expires = legacy_expiry(&mut side, &record);
          pending.records.push((session_key(&record, prefix.len()).to_vec(), value.to_vec()));
        } else {
          let id = &prefix[5..];
          pending.id = String::from_utf8_lossy(id).into_owned();
          pending.expires = match meta_of(&mut side, id) {
            Some((expires, false)) => Some(expires),
            // No meta record, or a tombstone (a revoked session keeps no data): not live.
            _ => Some(0),
          };
          pending.records.push((session_key(&record, prefix.len()).to_vec(), value.to_vec()));
        }
        group = Some((prefix, pending));
      }
      (None, _) => {
        if record.first() == Some(&keys::META) {
          // A live tombstone goes over, so a destroyed session stays destroyed.
          if let Some((until, true)) = keys::decode_meta(&value) {
            if until > now_ms {
              let id = String::from_utf8_lossy(&record[1..]).into_owned();
              writer.add_tombstone(engine, &id, until, &record)?;
              report.tombstones += 1;
            }
          }
        }
      }
    }
    last_key = Some(record);
    if !iter.advance() {
      break;
    }
  }
  if let Some((_, pending)) = group.take() {
    writer.add_session(engine, pending, now_ms, &mut report, last_key.as_deref())?;
  }
  writer.flush(engine, last_key.as_deref())?;
  Ok(report)
}

struct Writer {
  batch: super::engine::Batch,
  batches: usize,
  stop: Stop,
}

impl Writer {
  fn add_session(
    &mut self,
    engine: &mut Engine,
    pending: Pending,
    now_ms: u64,
    report: &mut Report,
    last_key: Option<&[u8]>,
  ) -> Result<()> {
    let expires = pending.expires.unwrap_or(now_ms + LEGACY_EXPIRE_MS);
    if expires <= now_ms {
      report.dropped += 1;
      return Ok(());
    }
    for (key, value) in &pending.records {
      let mut record = keys::data_prefix(&pending.id);
      record.extend_from_slice(key);
      self.batch.put(&engine.ks, record, value);
    }
    self.batch.put_meta(&engine.ks, &pending.id, expires, false);
    self.batch.put(&engine.ks, keys::index(expires, &pending.id), b"");
    report.sessions += 1;
    if self.batch.len() >= BATCH_ITEMS {
      self.flush(engine, last_key)?;
    }
    Ok(())
  }

  fn add_tombstone(&mut self, engine: &mut Engine, id: &str, until: u64, record: &[u8]) -> Result<()> {
    self.batch.put_meta(&engine.ks, id, until, true);
    self.batch.put(&engine.ks, keys::index(until, id), b"");
    if self.batch.len() >= BATCH_ITEMS {
      self.flush(engine, Some(record))?;
    }
    Ok(())
  }

  /// Writes what is gathered, with the progress record: every old key up to `last_key` is done.
  fn flush(&mut self, engine: &mut Engine, last_key: Option<&[u8]>) -> Result<()> {
    if self.batch.len() == 0 {
      return Ok(());
    }
    let mut batch = std::mem::replace(&mut self.batch, engine.batch());
    if let Some(key) = last_key {
      batch.put(&engine.control, PROGRESS.to_vec(), key);
    }
    engine.write(batch)?;
    engine.db.persist(PersistMode::Buffer).map_err(|e| engine.error(e))?;
    self.batches += 1;
    if self.stop == Stop::AfterBatches(self.batches) {
      return Err(crashed("mid-way"));
    }
    Ok(())
  }
}

/// The prefix all records of the record's session share, for the two data layouts.
fn session_of(record: &[u8]) -> Option<Vec<u8>> {
  if record.starts_with(LEGACY_SEP) {
    let (id, _) = split_legacy(record)?;
    return Some(record[..LEGACY_SEP.len() * 2 + id.len()].to_vec());
  }
  if record.first() == Some(&keys::DATA) && record.len() >= 5 {
    let len = u32::from_be_bytes(record[1..5].try_into().ok()?) as usize;
    if record.len() >= 5 + len {
      return Some(record[..5 + len].to_vec());
    }
  }
  None
}

fn session_key(record: &[u8], prefix_len: usize) -> &[u8] {
  &record[prefix_len..]
}

/// (id, key) of `ÿ<id>ÿ<key>`.
fn split_legacy(record: &[u8]) -> Option<(&[u8], &[u8])> {
  let rest = record.strip_prefix(LEGACY_SEP)?;
  let at = rest.windows(2).position(|w| w == LEGACY_SEP)?;
  Some((&rest[..at], &rest[at + 2..]))
}

/// The value at exactly `key`, found by seeking the iterator (never `DB::get`).
fn seek_exact(side: &mut rusty_leveldb::DBIterator, key: &[u8]) -> Option<Vec<u8>> {
  side.seek(key);
  match side.current() {
    Some((k, v)) if k.as_ref() == key => Some(v.to_vec()),
    _ => None,
  }
}

/// level-ttl's expiry for a legacy record, if it kept one.
fn legacy_expiry(side: &mut rusty_leveldb::DBIterator, record: &[u8]) -> Option<u64> {
  let value = seek_exact(side, &[TTL_PREFIX, record].concat())?;
  std::str::from_utf8(&value).ok()?.trim().parse().ok()
}

/// A 0.2.0 session's meta record.
fn meta_of(side: &mut rusty_leveldb::DBIterator, id: &[u8]) -> Option<(u64, bool)> {
  let value = seek_exact(side, &[&[keys::META][..], id].concat())?;
  keys::decode_meta(&value)
}

/// Deletes the old database's files, `CURRENT` last, and makes the deletions durable.
fn delete_old_files(location: &Path) -> Result<()> {
  let io = |e: std::io::Error| StoreError(format!("{:?}: cannot remove the old database: {e}", location));
  let mut names: Vec<String> = Vec::new();
  for entry in fs::read_dir(location).map_err(io)? {
    let entry = entry.map_err(io)?;
    if entry.file_type().map_err(io)?.is_file() {
      if let Some(name) = entry.file_name().to_str() {
        if is_leveldb_file(name) && name != "CURRENT" {
          names.push(name.to_owned());
        }
      }
    }
  }
  for name in names {
    match fs::remove_file(location.join(&name)) {
      Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
      _ => {}
    }
  }
  match fs::remove_file(location.join("CURRENT")) {
    Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(io(e)),
    _ => {}
  }
  fs::File::open(location).and_then(|d| d.sync_all()).map_err(io)?;
  Ok(())
}

#[cfg(test)]
mod tests;
