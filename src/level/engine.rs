//! The LevelStore engine on fjall 3: sessions as one record per session key (layout in
//! [`super::keys`]), plain synchronous code over a database that only its owner thread writes.
//! Time comes in as an argument so tests can move it.
//!
//! On disk, inside the store's `location`:
//!
//! - `generic-session.lock`: our lock file, `flock`ed (through `File::try_lock`) for the engine's
//!   whole life and holding the owner's pid. Taken before anything else is touched (migration
//!   included) and released only when the engine is dropped; nothing ever closes and reopens.
//! - `fjall3/`: the fjall database (fjall also locks `fjall3/lock` for as long as it is open),
//!   made as `fjall3.making/` and renamed, so that it exists only complete ([`super::engine_dir`]).
//! - possibly an old rusty-leveldb database (`CURRENT`, `MANIFEST-*`, `*.ldb`, `*.log`, `LOCK`),
//!   moved into `fjall3/` and then removed on open (src/level/open.rs runs the migration).
//!
//! Durability: each operation goes to fjall's journal through an in-process buffer, as one atomic
//! batch, without a flush. [`Engine::commit`] flushes that buffer to the operating system
//! (`PersistMode::Buffer`: a `kill -9` then loses nothing) or, with `sync`, also fsyncs it
//! (`PersistMode::SyncAll`: power loss then loses nothing). The owner thread commits once per
//! group of operations and acknowledges none before.
//!
//! Panics: fjall and lsm-tree use `expect` on poisoned locks and some invariants, and a panic on a
//! background worker poisons locks that later calls then trip over. Every public method runs
//! under `catch_unwind`; a caught panic becomes a [`StoreError`] and marks the engine failed, so
//! every later call answers that error at once instead of running on a half-updated state.

use std::collections::HashMap;
use std::fmt;
use std::fs;
use std::io::{Read, Seek, Write};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use fjall::{Database, Keyspace, KeyspaceCreateOptions, OwnedWriteBatch, PersistMode};

use super::keys;
use crate::expiries::{Expiries, Reporter};
use crate::id_hash::{BuildPassThrough, IdHash, IdHasher};
use crate::json_text;
pub use crate::operation::TOMBSTONE_MS;
use crate::operation::{is_internal_id, MAX_MOVES_FOLLOWED};
use crate::session_cache::{expiry_is_fresh, SessionCache};

/// How far the stored expiry may lag before a read rewrites it: 1/100 of the session's `expire`.
pub const EXPIRY_SLACK_DIVISOR: u64 = 100;

/// Our lock file, in the location.
pub const LOCK_FILE: &str = "generic-session.lock";
/// The fjall database, a subfolder of the location (the major version in the name lets a future
/// engine sit beside it during its own migration, as this one sits beside rusty-leveldb's files).
pub const ENGINE_DIR: &str = "fjall3";

/// The keyspace holding the sessions (`d`/`m`/`x` records).
const SESSIONS: &str = "sessions";
/// The keyspace holding the engine's own records (migration state).
const CONTROL: &str = "control";

/// After this many removed records, the sweeper compacts to give the space back...
const COMPACT_AFTER_REMOVALS: usize = 50_000;
/// ...or after this many, once the sweeper has caught up with expiry and they are at least a
/// quarter of what is left (a major compaction rewrites everything that is left).
const COMPACT_WHEN_DRAINED: usize = 1_000;

pub use crate::session_cache::now_ms;

/// `clear` commits its deletions this many records at a time.
const CLEAR_BATCH: usize = 10_000;

/// How the engine is opened. [`Engine::open`] takes the defaults but `sync`; tests also run
/// without the memory index, the slower path it replaces.
#[derive(Clone, Debug)]
pub struct Options {
  pub sync: bool,
  /// Keep every session's expiry (and tombstone flag) in memory, so a request reads no meta record.
  pub memory_index: bool,
  /// The session cache's bound in bytes (0: none); it needs the memory index.
  pub cache_bytes: u64,
  /// Where sessions removed past their expiry are counted (and their ids kept while JavaScript
  /// listens, for [`Engine::take_expired`]).
  pub expiries: Reporter,
}

/// The session cache's default bound: about a million small sessions (bench/README.md).
pub const DEFAULT_CACHE_BYTES: u64 = 256 << 20;

impl Default for Options {
  fn default() -> Self {
    Options { sync: false, memory_index: true, cache_bytes: DEFAULT_CACHE_BYTES, expiries: Reporter::level_store() }
  }
}

/// fjall's block cache. 512 MB instead served no faster at 1,000,000 sessions: blocks come from
/// the OS page cache, and decoding them is the cost (bench/README.md).
const CACHE_BYTES: u64 = 64 << 20;

/// The sessions keyspace's memtable. 4, 8, 64 and 128 MB were each slower in the mix at 1,000,000
/// sessions (smaller flushes and compacts more often; larger has a deeper skiplist to insert into).
const MEMTABLE_BYTES: u64 = 32 << 20;

/// Why a location could not be opened.
#[derive(Debug)]
pub enum OpenError {
  /// Another process (or another store in this one) holds the location's lock; who, when its
  /// lock file says.
  Locked(PathBuf, Option<Holder>),
  /// Anything else: not a directory, not writable, damaged.
  Failed(PathBuf, String),
}

/// The process a refused lock file names, as seen when the lock was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holder {
  /// This process: another store in it has the location open.
  ThisProcess,
  /// Another process, by pid, and whether a process with that pid runs on this machine (`None`:
  /// it could not be told). One that does not is in another pid namespace (a container) or on
  /// another host, or has just locked and not yet written its pid over its predecessor's.
  Other(u32, Option<bool>),
}

impl Holder {
  /// The holder named by a lock file's text (a pid and a newline), if it names one.
  fn from_lock_text(text: &str) -> Option<Holder> {
    let pid = text.trim().parse::<u32>().ok().filter(|&pid| pid > 0 && pid <= i32::MAX as u32)?;
    Some(if pid == std::process::id() { Holder::ThisProcess } else { Holder::Other(pid, process_running(pid)) })
  }
}

/// Whether a process with this pid exists on this machine (`kill(pid, 0)`: it may be another
/// user's, which still counts), or `None` when that cannot be told.
fn process_running(pid: u32) -> Option<bool> {
  // SAFETY: signal 0 only checks that the process exists and may be signalled; nothing is sent.
  // `pid` is positive (Holder::from_lock_text), so it never names a process group.
  if unsafe { libc::kill(pid as libc::pid_t, 0) } == 0 {
    return Some(true);
  }
  match std::io::Error::last_os_error().raw_os_error() {
    Some(libc::EPERM) => Some(true),
    Some(libc::ESRCH) => Some(false),
    _ => None,
  }
}

impl fmt::Display for OpenError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      OpenError::Locked(path, holder) => {
        write!(f, "LevelStore: {:?} is in use: its lock is held by ", path)?;
        match holder {
          Some(Holder::ThisProcess) => write!(
            f,
            "this process ({}): another LevelStore on this location is open in it (close that one first)",
            std::process::id()
          ),
          Some(Holder::Other(pid, Some(true))) => write!(
            f,
            "process {pid}, which is still running (stop it or close its store first; one process at a time \
             may open a location: for several, use RedisStore)"
          ),
          Some(Holder::Other(pid, Some(false))) => write!(
            f,
            "another process (the lock file names process {pid}, which is not running on this machine: the \
             holder may be in another container or on another host sharing the directory, or opening it this \
             very moment)"
          ),
          Some(Holder::Other(pid, None)) => write!(f, "process {pid} (close its store first)"),
          None => write!(f, "another process (close its store first)"),
        }
      }
      OpenError::Failed(path, why) => write!(f, "LevelStore: cannot open {:?}: {}", path, why),
    }
  }
}

/// A failed operation on an open store.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreError(pub String);

impl fmt::Display for StoreError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    f.write_str(&self.0)
  }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// The error of a fjall call, naming the database's folder.
pub(crate) fn fjall_error(dir: &Path, err: fjall::Error) -> StoreError {
  StoreError(format!("LevelStore: {:?}: {}", dir, describe(&err)))
}

fn describe(err: &fjall::Error) -> String {
  match err {
    fjall::Error::Io(e) => format!("I/O error: {e}"),
    fjall::Error::Poisoned => {
      "a previous write to the journal failed; the store accepts no more writes (reopen it)".into()
    }
    other => format!("{other:?}"),
  }
}

/// The text of a caught panic.
pub(crate) fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
  if let Some(s) = payload.downcast_ref::<&str>() {
    (*s).to_owned()
  } else if let Some(s) = payload.downcast_ref::<String>() {
    s.clone()
  } else {
    "unknown panic".to_owned()
  }
}

/// The in-memory expiry index: hash of the id ([`super::id_hash`]) → expiry << 1 | revoked; 10M
/// sessions cost ~24 bytes each.
type ExpiryMap = HashMap<IdHash, u64, BuildPassThrough>;

fn pack(expires: u64, revoked: bool) -> u64 {
  expires << 1 | revoked as u64
}

fn unpack(packed: u64) -> (u64, bool) {
  (packed >> 1, packed & 1 == 1)
}

/// Where a session stands.
enum State {
  Live(u64),
  /// Revoked by `revoke`; its tombstone has not expired.
  Revoked,
  Absent,
}

/// One atomic write, plus the changes it makes to the meta records (applied to the in-memory
/// index once the batch is in the journal).
pub(crate) struct Batch {
  inner: OwnedWriteBatch,
  /// Session id → its new expiry (packed with the revoked flag), or `None`: the session is gone.
  meta: Vec<(String, Option<u64>)>,
}

impl Batch {
  pub(crate) fn put(&mut self, ks: &Keyspace, key: Vec<u8>, value: &[u8]) {
    self.inner.insert(ks, key, value.to_vec());
  }
  pub(crate) fn delete(&mut self, ks: &Keyspace, key: Vec<u8>) {
    self.inner.remove(ks, key);
  }
  pub(crate) fn put_meta(&mut self, ks: &Keyspace, id: &str, expires: u64, revoked: bool) {
    let value: Vec<u8> =
      if revoked { keys::encode_tombstone(expires).to_vec() } else { keys::encode_expiry(expires).to_vec() };
    self.inner.insert(ks, keys::meta(id), value);
    self.meta.push((id.to_owned(), Some(pack(expires, revoked))));
  }
  /// The tombstone of a session whose data went to session `to`.
  pub(crate) fn put_moved(&mut self, ks: &Keyspace, id: &str, until: u64, to: &str) {
    self.inner.insert(ks, keys::meta(id), keys::encode_moved(until, to));
    self.meta.push((id.to_owned(), Some(pack(until, true))));
  }
  pub(crate) fn delete_meta(&mut self, ks: &Keyspace, id: &str) {
    self.inner.remove(ks, keys::meta(id));
    self.meta.push((id.to_owned(), None));
  }
  pub(crate) fn len(&self) -> usize {
    self.inner.len()
  }
}

/// A major compaction running on its own thread, so the owner thread keeps answering.
struct Reclaim {
  handle: JoinHandle<()>,
}

pub struct Engine {
  pub(crate) db: Database,
  pub(crate) ks: Keyspace,
  pub(crate) control: Keyspace,
  location: PathBuf,
  dir: PathBuf,
  sync: bool,
  /// Held (locked) for the engine's whole life.
  _lock: fs::File,
  expiry: Option<ExpiryMap>,
  /// Hashes ids for the expiry index.
  ids: IdHasher,
  /// Recently used sessions, which other threads read too ([`super::cache`]); changed only here,
  /// in step with the database.
  cache: Arc<SessionCache>,
  removed_since_compaction: usize,
  /// Where the next sweep pass starts reading the index (see [`Engine::sweep`]).
  sweep_cursor: Option<Vec<u8>>,
  reclaim: Option<Reclaim>,
  /// A compaction was asked for while one ran.
  reclaim_pending: bool,
  /// Tells a running compaction to stop waiting and end (close, drop).
  reclaim_stop: Arc<AtomicBool>,
  /// The last background compaction's failure (the sweeper starts the next one all the same),
  /// reported by `close`.
  reclaim_error: Arc<Mutex<Option<String>>>,
  /// Set once a panic has been caught: the engine answers only this from then on.
  failed: Option<String>,
  /// Live sessions removed past their expiry (by the sweep, or by a call that met one), for the
  /// `expired` event and metrics. Tombstones running out are not sessions expiring.
  expired: Expiries,
}

/// Takes the location's lock file, writing our pid into it.
fn take_lock(location: &Path) -> std::result::Result<fs::File, OpenError> {
  let path = location.join(LOCK_FILE);
  let failed = |e: std::io::Error| OpenError::Failed(location.to_owned(), format!("{:?}: {e}", path));
  let mut file =
    fs::OpenOptions::new().read(true).write(true).create(true).truncate(false).open(&path).map_err(failed)?;
  match file.try_lock() {
    Ok(()) => {}
    Err(fs::TryLockError::WouldBlock) => {
      let mut text = String::new();
      let holder = file.read_to_string(&mut text).ok().and_then(|_| Holder::from_lock_text(&text));
      return Err(OpenError::Locked(location.to_owned(), holder));
    }
    Err(fs::TryLockError::Error(e)) => return Err(failed(e)),
  }
  file.set_len(0).map_err(failed)?;
  file.rewind().map_err(failed)?;
  file.write_all(format!("{}\n", std::process::id()).as_bytes()).map_err(failed)?;
  file.flush().map_err(failed)?;
  Ok(file)
}

fn sessions_options() -> KeyspaceCreateOptions {
  KeyspaceCreateOptions::default().manual_journal_persist(true).max_memtable_size(MEMTABLE_BYTES)
}

/// Disk space used under a directory, recursively (files that vanish while counting are
/// skipped): allocated bytes, not lengths, since fjall's active journal is created as a 64 MiB
/// sparse file (`set_len`) and filled as it goes.
pub fn tree_size(dir: &Path) -> std::io::Result<u64> {
  use std::os::unix::fs::MetadataExt;
  let mut allocated = 0;
  let entries = match fs::read_dir(dir) {
    Ok(entries) => entries,
    Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(0),
    Err(e) => return Err(e),
  };
  for entry in entries {
    let Ok(entry) = entry else { continue };
    let Ok(meta) = entry.metadata() else { continue };
    allocated += if meta.is_dir() { tree_size(&entry.path())? } else { meta.blocks() * 512 };
  }
  Ok(allocated)
}

impl Engine {
  /// The session cache, for readers on other threads.
  pub fn cache(&self) -> Arc<SessionCache> {
    self.cache.clone()
  }

  /// Opens (creating if needed) the fjall database at `location`, its lock taken, as it is: an
  /// old database beside it not yet moved in and the memory index not yet loaded (both are
  /// [`super::open`]'s, which is how everyone opens an engine).
  pub(super) fn open_unmigrated(location: &Path, opts: &Options) -> std::result::Result<Engine, OpenError> {
    let failed = |why: String| OpenError::Failed(location.to_owned(), why);
    fs::create_dir_all(location).map_err(|e| failed(e.to_string()))?;
    let lock = take_lock(location)?;
    let dir = location.join(ENGINE_DIR);
    let opened =
      panic::catch_unwind(AssertUnwindSafe(|| -> std::result::Result<(Database, Keyspace, Keyspace), String> {
        super::engine_dir::ensure_complete(&dir, |making| {
          let made = Database::builder(making).cache_size(CACHE_BYTES).manual_journal_persist(true).open();
          made.map(drop).map_err(|e| format!("{:?}: {}", making, describe(&e)))
        })?;
        let db =
          Database::builder(&dir).cache_size(CACHE_BYTES).manual_journal_persist(true).open().map_err(|e| match e {
            fjall::Error::Locked => "fjall's own lock is held".to_owned(),
            e => format!("{:?}: {}", dir, describe(&e)),
          })?;
        let ks = db.keyspace(SESSIONS, sessions_options).map_err(|e| format!("{:?}: {}", dir, describe(&e)))?;
        let control = db
          .keyspace(CONTROL, || KeyspaceCreateOptions::default().manual_journal_persist(true))
          .map_err(|e| format!("{:?}: {}", dir, describe(&e)))?;
        Ok((db, ks, control))
      }));
    let (db, ks, control) = match opened {
      Ok(Ok(parts)) => parts,
      Ok(Err(why)) => return Err(failed(why)),
      Err(payload) => {
        return Err(failed(format!("{:?}: the engine panicked while opening: {}", dir, panic_text(&*payload))))
      }
    };
    let engine = Engine {
      db,
      ks,
      control,
      location: location.to_owned(),
      dir,
      sync: opts.sync,
      _lock: lock,
      expiry: None,
      ids: IdHasher::new(),
      cache: SessionCache::new(if opts.memory_index { opts.cache_bytes } else { 0 }, EXPIRY_SLACK_DIVISOR),
      removed_since_compaction: 0,
      sweep_cursor: None,
      reclaim: None,
      reclaim_pending: false,
      reclaim_stop: Arc::new(AtomicBool::new(false)),
      reclaim_error: Arc::new(Mutex::new(None)),
      failed: None,
      expired: Expiries::new(opts.expiries),
    };
    Ok(engine)
  }

  /// Reads every meta record into the in-memory index.
  pub(super) fn load_expiry_index(&mut self) -> Result<()> {
    self.guarded(|e| {
      let mut map = ExpiryMap::with_capacity_and_hasher(e.ks.approximate_len() / 2, Default::default());
      for item in e.ks.prefix([keys::META]) {
        let (record, value) = item.into_inner().map_err(|err| e.error(err))?;
        if let Some((expires, revoked)) = keys::decode_meta(&value) {
          map.insert(e.ids.of(&record[1..]), pack(expires, revoked));
        }
      }
      e.expiry = Some(map);
      Ok(())
    })
  }

  pub(crate) fn error(&self, err: fjall::Error) -> StoreError {
    fjall_error(&self.dir, err)
  }

  /// Runs `f`, turning a panic into an error that this and every later call returns.
  fn guarded<T>(&mut self, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
    if let Some(why) = &self.failed {
      return Err(StoreError(why.clone()));
    }
    match panic::catch_unwind(AssertUnwindSafe(|| f(self))) {
      Ok(result) => result,
      Err(payload) => {
        let why =
          format!("LevelStore: {:?}: the engine panicked ({}); reopen the store", self.dir, panic_text(&*payload));
        self.failed = Some(why.clone());
        self.cache.stop();
        Err(StoreError(why))
      }
    }
  }

  pub(crate) fn batch(&self) -> Batch {
    Batch { inner: self.db.batch(), meta: Vec::new() }
  }

  /// Appends the batch to the journal (and memtable), then mirrors its meta changes in memory: in
  /// the expiry index and in the session cache.
  pub(crate) fn write(&mut self, batch: Batch) -> Result<()> {
    let Batch { inner, meta } = batch;
    inner.commit().map_err(|e| self.error(e))?;
    for (id, change) in meta {
      match change.map(unpack) {
        Some((expires, false)) => self.cache.expiry(&id, expires),
        Some((_, true)) | None => self.cache.removed(&id),
      }
      if let Some(map) = &mut self.expiry {
        match change {
          Some(packed) => map.insert(self.ids.of(id.as_bytes()), packed),
          None => map.remove(&self.ids.of(id.as_bytes())),
        };
      }
    }
    Ok(())
  }

  /// The JSON text under `key`, refreshing the session's expiry.
  pub fn get(&mut self, id: &str, key: &str, expire_ms: u64, now_ms: u64) -> Result<Option<Vec<u8>>> {
    self.guarded(|e| {
      let Some(expires) = e.live_expiry(id, now_ms)? else { return Ok(None) };
      let value = match e.cache.known(id, key) {
        Some(value) => value,
        None => {
          let value = e.ks.get(keys::data(id, key)).map_err(|err| e.error(err))?.map(|v| v.to_vec());
          e.cache.read(id, expires, key, value.as_deref());
          value
        }
      };
      e.touch(id, Some(expires), expire_ms, now_ms)?;
      Ok(value)
    })
  }

  /// The whole session as one JSON object text, refreshing its expiry.
  pub fn get_all(&mut self, id: &str, expire_ms: u64, now_ms: u64) -> Result<String> {
    self.guarded(|e| {
      let Some(expires) = e.live_expiry(id, now_ms)? else { return Ok("{}".to_owned()) };
      let records = e.session_records(id)?;
      e.cache.read_all(id, expires, records.iter().map(|(k, v)| (&k[..], &v[..])));
      e.touch(id, Some(expires), expire_ms, now_ms)?;
      let texts: Vec<(String, String)> = records
        .into_iter()
        .map(|(k, v)| (String::from_utf8_lossy(&k).into_owned(), String::from_utf8_lossy(&v).into_owned()))
        .collect();
      Ok(json_text::object(texts.iter().map(|(k, v)| (k.as_str(), v.as_str())), 64))
    })
  }

  /// Stores the JSON text `json` under `key`. A write to a revoked session is dropped; a write to
  /// an expired one starts it empty.
  pub fn set(&mut self, id: &str, key: &str, json: &[u8], expire_ms: u64, now_ms: u64) -> Result<()> {
    self.guarded(|e| {
      let expires = match e.state(id, now_ms)? {
        State::Revoked => return Ok(()),
        State::Live(expires) => Some(expires),
        State::Absent => None,
      };
      let mut batch = e.batch();
      batch.put(&e.ks, keys::data(id, key), json);
      e.add_touch(&mut batch, id, expires, expire_ms, now_ms);
      e.write(batch)?;
      match expires {
        // A new session: the cache knows all of it.
        None => e.cache.created(id, now_ms + expire_ms, key, json),
        Some(_) => e.cache.changed(id, key, Some(json)),
      }
      Ok(())
    })
  }

  /// Removes `key` from the session, refreshing its expiry.
  pub fn del(&mut self, id: &str, key: &str, expire_ms: u64, now_ms: u64) -> Result<()> {
    self.guarded(|e| {
      let Some(expires) = e.live_expiry(id, now_ms)? else { return Ok(()) };
      let mut batch = e.batch();
      batch.delete(&e.ks, keys::data(id, key));
      e.add_touch(&mut batch, id, Some(expires), expire_ms, now_ms);
      e.write(batch)?;
      e.cache.changed(id, key, None);
      Ok(())
    })
  }

  /// Removes the whole session (`session.delAll()`: the session may be written again).
  pub fn del_all(&mut self, id: &str) -> Result<()> {
    self.guarded(|e| {
      let expires = e.stored_meta(id)?.map(|(at, _)| at);
      e.remove_session(id, expires, None, None)
    })
  }

  /// Removes the whole session (`session.destroy()`) and leaves a tombstone until it would have
  /// expired (or for [`TOMBSTONE_MS`] if it had no expiry): writes still in flight for it are
  /// dropped, so a destroyed session stays destroyed. A session whose data a move took elsewhere
  /// (`regenerate()`) has that session revoked too, and so on down the moves.
  pub fn revoke(&mut self, id: &str, now_ms: u64) -> Result<()> {
    self.guarded(|e| {
      let mut next = Some(id.to_owned());
      for _ in 0..=MAX_MOVES_FOLLOWED {
        let Some(id) = next.take() else { break };
        next = e.revoke_one(&id, now_ms)?;
      }
      Ok(())
    })
  }

  /// Revokes one session; returns the id its tombstone says its data was moved to, if any. A live
  /// tombstone is kept as it is.
  fn revoke_one(&mut self, id: &str, now_ms: u64) -> Result<Option<String>> {
    let stored = self.stored_meta(id)?;
    if let Some((until, true)) = stored {
      if until > now_ms {
        let meta = self.ks.get(keys::meta(id)).map_err(|e| self.error(e))?;
        return Ok(meta.as_deref().and_then(keys::moved_to).map(|to| String::from_utf8_lossy(to).into_owned()));
      }
    }
    let expires = stored.map(|(at, _)| at);
    let until = expires.filter(|&at| at > now_ms).unwrap_or(now_ms + TOMBSTONE_MS);
    self.remove_session(id, expires, None, Some(until))?;
    Ok(None)
  }

  /// `regenerate()`'s step, in one batch: the session's records go to session `to` with a fresh
  /// expiry, and `id` becomes a tombstone (until it would have expired) that names `to`. A revoked
  /// or absent session moves nothing. `to` is a new id; anything already stored under it is
  /// removed first.
  pub fn move_to(&mut self, id: &str, to: &str, expire_ms: u64, now_ms: u64) -> Result<()> {
    self.guarded(|e| {
      if id == to {
        return Ok(());
      }
      let Some(expires) = e.live_expiry(id, now_ms)? else { return Ok(()) };
      if let Some((at, _)) = e.stored_meta(to)? {
        e.remove_session(to, Some(at), None, None)?;
      }
      let records = e.session_records(id)?;
      let mut batch = e.batch();
      let to_expires = now_ms + expire_ms;
      for (key, value) in &records {
        batch.put(&e.ks, keys::data_of(to, key), value);
        batch.delete(&e.ks, keys::data_of(id, key));
      }
      batch.put_meta(&e.ks, to, to_expires, false);
      batch.put(&e.ks, keys::index(to_expires, to), b"");
      // The tombstone keeps the session's expiry, so its index record stays as it is.
      batch.put_moved(&e.ks, id, expires, to);
      e.removed_since_compaction += records.len();
      e.write(batch)?;
      Ok(())
    })
  }

  /// Refreshes the session's expiry, if it is live.
  pub fn extend(&mut self, id: &str, expire_ms: u64, now_ms: u64) -> Result<()> {
    self.guarded(|e| {
      if let Some(expires) = e.live_expiry(id, now_ms)? {
        e.touch(id, Some(expires), expire_ms, now_ms)?;
      }
      Ok(())
    })
  }

  /// The ids (as stored) of the live sessions at `now_ms`: a scan of the meta records, leaving out
  /// tombstones, sessions past their expiry (swept or not), sessions holding no key (one probe of
  /// their data records each) and internal records ([`is_internal_id`]). Writes nothing.
  pub fn ids(&mut self, now_ms: u64) -> Result<Vec<String>> {
    self.guarded(|e| {
      let mut ids = Vec::new();
      e.each_live_id(now_ms, |id| ids.push(String::from_utf8_lossy(id).into_owned()))?;
      Ok(ids)
    })
  }

  /// How many ids [`Engine::ids`] would list, without making them.
  pub fn live_count(&mut self, now_ms: u64) -> Result<usize> {
    self.guarded(|e| {
      let mut count = 0;
      e.each_live_id(now_ms, |_| count += 1)?;
      Ok(count)
    })
  }

  fn each_live_id(&self, now_ms: u64, mut found: impl FnMut(&[u8])) -> Result<()> {
    for item in self.ks.prefix([keys::META]) {
      let (record, value) = item.into_inner().map_err(|err| self.error(err))?;
      let id = &record[1..];
      let live = matches!(keys::decode_meta(&value), Some((expires, false)) if expires > now_ms);
      if live && !is_internal_id(id) && self.holds_a_key(id)? {
        found(id);
      }
    }
    Ok(())
  }

  /// Whether the session (its id as stored) has at least one data record.
  fn holds_a_key(&self, id: &[u8]) -> Result<bool> {
    let Ok(id) = std::str::from_utf8(id) else { return Ok(false) };
    match self.ks.prefix(keys::data_prefix(id)).next() {
      Some(item) => item.key().map(|_| true).map_err(|err| self.error(err)),
      None => Ok(false),
    }
  }

  /// Removes everything in the sessions keyspace (sessions, tombstones, the expiry index, internal
  /// records), committing every [`CLEAR_BATCH`] records, then starts over in memory: the session
  /// cache emptied, the expiry index read back (empty, unless a write failed half-way). The space
  /// returns with the sweeper's next compaction.
  pub fn clear(&mut self) -> Result<()> {
    self.guarded(|e| {
      let removed = e.remove_everything();
      e.cache.clear();
      e.sweep_cursor = None;
      if e.expiry.is_some() {
        e.load_expiry_index()?;
      }
      removed
    })
  }

  fn remove_everything(&mut self) -> Result<()> {
    let mut batch = self.db.batch();
    for item in self.ks.iter() {
      let record = item.key().map_err(|err| self.error(err))?;
      batch.remove(&self.ks, record);
      if batch.len() >= CLEAR_BATCH {
        self.removed_since_compaction += batch.len();
        std::mem::replace(&mut batch, self.db.batch()).commit().map_err(|err| self.error(err))?;
      }
    }
    self.removed_since_compaction += batch.len();
    batch.commit().map_err(|err| self.error(err))
  }

  /// Makes every write so far survive the process (and, with `sync`, the machine) dying.
  pub fn commit(&mut self) -> Result<()> {
    self.guarded(|e| {
      let mode = if e.sync { PersistMode::SyncAll } else { PersistMode::Buffer };
      e.db.persist(mode).map_err(|err| e.error(err))
    })
  }

  /// Deletes up to `limit` sessions (and tombstones) that expired before `now_ms`, reading only
  /// the expiry index. Returns how many it deleted. Once enough has gone, starts a major
  /// compaction on a thread of its own, so the disk space returns while requests go on.
  pub fn sweep(&mut self, now_ms: u64, limit: usize) -> Result<usize> {
    self.guarded(|e| {
      let mut expired = Vec::new();
      // Start where the last pass stopped: the front of the index is where the sweeper's own
      // deletions pile up as tombstones until compaction drops them, and seeking past them on
      // every pass made sweeping quadratic. The cursor is dropped once a pass drains, so entries
      // written behind it are still found by the next full pass.
      let start = e.sweep_cursor.clone().unwrap_or_else(|| vec![keys::INDEX]);
      for item in e.ks.range(start..) {
        if expired.len() >= limit {
          break;
        }
        let record = item.key().map_err(|err| e.error(err))?;
        let Some((expires, id)) = keys::parse_index(&record) else { break };
        if expires > now_ms {
          break;
        }
        expired.push((expires, String::from_utf8_lossy(id).into_owned()));
      }
      for (expires, id) in &expired {
        // The index may be stale (the session was touched since): trust the meta record.
        match e.stored_meta(id)? {
          Some((current, _)) if current > now_ms => {
            let mut batch = e.batch();
            batch.delete(&e.ks, keys::index(*expires, id));
            e.write(batch)?;
          }
          meta => {
            e.remove_session(id, meta.map(|(at, _)| at), Some(*expires), None)?;
            // A live session's meta record, not a tombstone's nor a leftover index entry's.
            if let Some((_, false)) = meta {
              e.expired.note(id);
            }
          }
        }
      }
      if e.reclaim_pending && !e.reclaim_running() {
        e.start_reclaim();
      }
      let drained = expired.len() < limit;
      e.sweep_cursor = match expired.last() {
        Some((expires, id)) if !drained => Some(keys::index(*expires, id)),
        _ => None,
      };
      let live = e.live_estimate();
      if e.removed_since_compaction >= COMPACT_AFTER_REMOVALS.max(live)
        || (drained && e.removed_since_compaction >= COMPACT_WHEN_DRAINED && e.removed_since_compaction * 4 >= live)
      {
        e.start_reclaim();
      }
      Ok(expired.len())
    })
  }

  /// The ids of the sessions removed past their expiry since the last call (kept only while
  /// [`crate::expiries::LISTENING`] says so).
  pub fn take_expired(&mut self) -> Vec<String> {
    self.expired.take()
  }

  /// Roughly how many records are live (for deciding whether a compaction pays).
  fn live_estimate(&self) -> usize {
    match &self.expiry {
      Some(map) => map.len() * 3,
      None => self.ks.approximate_len(),
    }
  }

  /// Starts a background major compaction unless one is running.
  fn start_reclaim(&mut self) {
    if let Some(running) = &self.reclaim {
      if !running.handle.is_finished() {
        // Deletions made since it started may not be covered: run again once it ends.
        self.reclaim_pending = true;
        return;
      }
    }
    self.reclaim_pending = false;
    if let Some(done) = self.reclaim.take() {
      let _ = done.handle.join();
    }
    self.removed_since_compaction = 0;
    let ks = self.ks.clone();
    let control = self.control.clone();
    let dir = self.dir.clone();
    let report = self.reclaim_error.clone();
    let stop = self.reclaim_stop.clone();
    let spawned = std::thread::Builder::new().name("generic-session-compact".into()).spawn(move || {
      let outcome = panic::catch_unwind(AssertUnwindSafe(|| reclaim(&ks, &control, &stop)));
      let why = match outcome {
        Ok(Ok(())) => return,
        Ok(Err(err)) => format!("LevelStore: {:?}: compaction failed: {}", dir, describe(&err)),
        Err(payload) => format!("LevelStore: {:?}: compaction panicked: {}", dir, panic_text(&*payload)),
      };
      if let Ok(mut slot) = report.lock() {
        *slot = Some(why);
      }
    });
    if let Ok(handle) = spawned {
      self.reclaim = Some(Reclaim { handle });
    }
  }

  /// Whether a background compaction is running.
  pub fn reclaim_running(&self) -> bool {
    self.reclaim.as_ref().is_some_and(|r| !r.handle.is_finished())
  }

  /// Waits for a background compaction to end (tests, the benchmark, close).
  pub fn wait_for_reclaim(&mut self) -> Result<()> {
    if let Some(running) = self.reclaim.take() {
      let _ = running.handle.join();
    }
    if self.reclaim_pending && self.failed.is_none() {
      self.start_reclaim();
      if let Some(running) = self.reclaim.take() {
        let _ = running.handle.join();
      }
    }
    match self.reclaim_error.lock().map(|mut g| g.take()).unwrap_or(None) {
      Some(why) => Err(StoreError(why)),
      None => Ok(()),
    }
  }

  /// Compacts everything now, on this thread, and drops what the compaction made obsolete.
  pub fn compact(&mut self) -> Result<()> {
    self.wait_for_reclaim()?;
    self.guarded(|e| {
      e.removed_since_compaction = 0;
      reclaim(&e.ks, &e.control, &AtomicBool::new(false)).map_err(|err| e.error(err))
    })
  }

  /// Stops a running compaction (it ends at its next step) and waits for it; starts none.
  fn stop_reclaim(&mut self) {
    self.reclaim_stop.store(true, Ordering::Relaxed);
    if let Some(running) = self.reclaim.take() {
      let _ = running.handle.join();
    }
  }

  /// Flushes, syncs and releases the directory lock (dropping the engine does the same). A
  /// compaction running is stopped, not waited for: closing never takes a whole compaction.
  pub fn close(mut self) -> Result<()> {
    self.stop_reclaim();
    let waited = match self.reclaim_error.lock().map(|mut g| g.take()).unwrap_or(None) {
      Some(why) => Err(StoreError(why)),
      None => Ok(()),
    };
    let persisted = self.guarded(|e| e.db.persist(PersistMode::SyncAll).map_err(|err| e.error(err)));
    // Dropping fjall joins its workers; a poisoned lock can make that panic, so catch it too.
    let dir = self.dir.clone();
    let dropped = panic::catch_unwind(AssertUnwindSafe(move || drop(self))).map_err(|payload| {
      StoreError(format!("LevelStore: {:?}: the engine panicked while closing: {}", dir, panic_text(&*payload)))
    });
    waited.and(persisted).and(dropped)
  }

  /// Disk space the location uses (allocated bytes, see [`tree_size`]: the engine's folder, and old files still
  /// waiting for migration).
  pub fn disk_size(&self) -> Result<u64> {
    tree_size(&self.location).map_err(|e| StoreError(format!("LevelStore: {:?}: {e}", self.location)))
  }

  /// Bytes in the sessions keyspace's tables (fjall's count; excludes the journal).
  pub fn table_bytes(&self) -> u64 {
    self.ks.disk_space()
  }

  pub fn location(&self) -> &Path {
    &self.location
  }

  /// What a caught panic left: once set, every call answers it (see `guarded`).
  pub fn failure(&self) -> Option<&str> {
    self.failed.as_deref()
  }

  /// Number of sessions (and tombstones) the in-memory index holds, if there is one.
  pub fn indexed_sessions(&self) -> Option<usize> {
    self.expiry.as_ref().map(|m| m.len())
  }

  /// The expiry recorded for the session (or its tombstone), live or not.
  fn stored_meta(&self, id: &str) -> Result<Option<(u64, bool)>> {
    if let Some(map) = &self.expiry {
      return Ok(map.get(&self.ids.of(id.as_bytes())).map(|&p| unpack(p)));
    }
    Ok(self.ks.get(keys::meta(id)).map_err(|e| self.error(e))?.and_then(|v| keys::decode_meta(&v)))
  }

  /// Whether the session is live, revoked or absent at `now_ms`. An expired session or tombstone
  /// is removed first, so nothing of it can be read or extended.
  fn state(&mut self, id: &str, now_ms: u64) -> Result<State> {
    match self.stored_meta(id)? {
      Some((expires, revoked)) if expires > now_ms => Ok(if revoked { State::Revoked } else { State::Live(expires) }),
      Some((expires, revoked)) => {
        self.remove_session(id, Some(expires), None, None)?;
        if !revoked {
          self.expired.note(id);
        }
        Ok(State::Absent)
      }
      None => Ok(State::Absent),
    }
  }

  fn live_expiry(&mut self, id: &str, now_ms: u64) -> Result<Option<u64>> {
    Ok(match self.state(id, now_ms)? {
      State::Live(expires) => Some(expires),
      State::Revoked | State::Absent => None,
    })
  }

  fn touch(&mut self, id: &str, expires: Option<u64>, expire_ms: u64, now_ms: u64) -> Result<()> {
    let mut batch = self.batch();
    if self.add_touch(&mut batch, id, expires, expire_ms, now_ms) {
      self.write(batch)?;
    }
    Ok(())
  }

  /// Adds the expiry rewrite to `batch` when the stored expiry lags by more than the slack (or
  /// there is none yet). Returns whether it added anything.
  fn add_touch(&self, batch: &mut Batch, id: &str, expires: Option<u64>, expire_ms: u64, now_ms: u64) -> bool {
    let wanted = now_ms + expire_ms;
    if let Some(current) = expires {
      if expiry_is_fresh(current, expire_ms, now_ms, EXPIRY_SLACK_DIVISOR) {
        return false;
      }
      batch.delete(&self.ks, keys::index(current, id));
    }
    batch.put_meta(&self.ks, id, wanted, false);
    batch.put(&self.ks, keys::index(wanted, id), b"");
    true
  }

  /// Deletes every record of the session, its meta record and index entries (`expires`, and a
  /// stale one the sweeper found), in one batch; with `tombstone`, leaves a revoked meta record
  /// and its index entry instead, in the same batch.
  fn remove_session(
    &mut self,
    id: &str,
    expires: Option<u64>,
    stale_index: Option<u64>,
    tombstone: Option<u64>,
  ) -> Result<()> {
    let records = self.session_record_keys(id)?;
    let mut batch = self.batch();
    for record in records {
      batch.delete(&self.ks, record);
    }
    // A batch must not name a key twice (its items share one sequence number).
    let mut dead: Vec<u64> =
      expires.iter().chain(stale_index.iter()).copied().filter(|at| Some(*at) != tombstone).collect();
    dead.dedup();
    for at in dead {
      batch.delete(&self.ks, keys::index(at, id));
    }
    match tombstone {
      Some(until) => {
        batch.put_meta(&self.ks, id, until, true);
        batch.put(&self.ks, keys::index(until, id), b"");
      }
      None => batch.delete_meta(&self.ks, id),
    }
    self.removed_since_compaction += batch.len();
    self.write(batch)
  }

  /// The full record names of the session's data records.
  fn session_record_keys(&self, id: &str) -> Result<Vec<Vec<u8>>> {
    let prefix = keys::data_prefix(id);
    let mut out = Vec::new();
    for item in self.ks.prefix(&prefix) {
      out.push(item.key().map_err(|e| self.error(e))?.to_vec());
    }
    Ok(out)
  }

  /// (key, JSON value) of every record of the session, in key order.
  fn session_records(&self, id: &str) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
    let prefix = keys::data_prefix(id);
    let mut records = Vec::new();
    for item in self.ks.prefix(&prefix) {
      let (record, value) = item.into_inner().map_err(|e| self.error(e))?;
      records.push((keys::data_key(&record, prefix.len()).to_vec(), value.to_vec()));
    }
    Ok(records)
  }
}

/// Flushes the memtable (so its deletions reach the tables), merges every table into the last
/// level (where lsm-tree drops tombstones and what they shadow: it drops them nowhere else, see
/// fjall-rs/lsm-tree#125), then makes fjall retire the replaced versions so their table files are
/// deleted: old tables are only unlinked when the version history is garbage-collected, which
/// happens on a memtable rotation, so one tiny write to the control keyspace is rotated out.
/// Gives up (quietly: the next compaction tries again) once `stop` is set.
fn reclaim(ks: &Keyspace, control: &Keyspace, stop: &AtomicBool) -> fjall::Result<()> {
  if !flush_memtable(ks, stop)? {
    return Ok(());
  }
  // `major_compact` does nothing if a background compaction holds some table: retry briefly.
  for _ in 0..50 {
    if stop.load(Ordering::Relaxed) {
      return Ok(());
    }
    let before = ks.table_count();
    ks.major_compact()?;
    if ks.table_count() <= 1 || ks.table_count() < before || before == 0 {
      break;
    }
    std::thread::sleep(std::time::Duration::from_millis(100));
  }
  for _ in 0..2 {
    control.insert(b"gc".to_vec(), now_ms().to_be_bytes().to_vec())?;
    if !flush_memtable(control, stop)? {
      return Ok(());
    }
  }
  Ok(())
}

/// Seals the keyspace's memtable and waits until fjall has flushed it to a table: `true` once it
/// has, `false` when `stop` was set or a minute went by first. (fjall's own
/// `rotate_memtable_and_wait` waits without end, and a flush that failed is never retried.)
fn flush_memtable(ks: &Keyspace, stop: &AtomicBool) -> fjall::Result<bool> {
  ks.rotate_memtable()?;
  let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
  while ks.sealed_memtable_count() > 0 {
    if stop.load(Ordering::Relaxed) || std::time::Instant::now() > deadline {
      return Ok(false);
    }
    std::thread::sleep(std::time::Duration::from_millis(10));
  }
  Ok(true)
}

impl Drop for Engine {
  fn drop(&mut self) {
    self.cache.stop();
    self.stop_reclaim();
  }
}

#[cfg(test)]
mod tests;
