use super::*;
use crate::level::engine::{now_ms, Options, ENGINE_DIR, LOCK_FILE};
use rusty_leveldb::Options as LdbOptions;
use std::path::PathBuf;

const HOUR: u64 = 3_600_000;

fn temp_dir(name: &str) -> PathBuf {
  let dir = std::env::temp_dir().join(format!("le-migrate-{}-{}", name, std::process::id()));
  let _ = fs::remove_dir_all(&dir);
  dir
}

fn legacy_record(id: &str, key: &str) -> Vec<u8> {
  [LEGACY_SEP, id.as_bytes(), LEGACY_SEP, key.as_bytes()].concat()
}

fn old_db(dir: &Path) -> DB {
  DB::open(dir, LdbOptions { create_if_missing: true, ..LdbOptions::default() }).unwrap()
}

fn old_files_left(dir: &Path) -> Vec<String> {
  fs::read_dir(dir)
    .unwrap()
    .filter_map(|e| e.ok()?.file_name().into_string().ok())
    .filter(|n| is_leveldb_file(n))
    .collect()
}

fn expiry_of(e: &Engine, id: &str) -> Option<(u64, bool)> {
  keys::decode_meta(&e.ks.get(keys::meta(id)).unwrap()?)
}

fn assert_migrated_and_clean(dir: &Path) {
  assert!(old_files_left(dir).is_empty(), "old files left: {:?}", old_files_left(dir));
  assert!(dir.join(ENGINE_DIR).is_dir() && dir.join(LOCK_FILE).is_file());
}

#[test]
fn file_names_of_leveldb() {
  for name in ["CURRENT", "LOCK", "LOG", "LOG.old", "MANIFEST-000004", "000005.log", "000007.ldb", "000009.sst"] {
    assert!(is_leveldb_file(name), "{name}");
  }
  for name in [LOCK_FILE, ENGINE_DIR, "notes.log", "x.ldb", "CURRENT.bak"] {
    assert!(!is_leveldb_file(name), "{name}");
  }
}

/// level-session 0.3.4 (level-ttl expiries): live sessions move with their data and latest
/// expiry, a session without expiry gets the default, expired ones go, old files are removed.
#[test]
fn moves_a_level_session_directory() {
  let dir = temp_dir("level-session");
  let now = now_ms();
  {
    let mut db = old_db(&dir);
    let foo = legacy_record("session:abc", "foo");
    db.put(&foo, br#"{"bar":[1,2]}"#).unwrap();
    db.put(&[TTL_PREFIX, &foo].concat(), (now + HOUR).to_string().as_bytes()).unwrap();
    db.put(&[b"!ttl!x!".as_slice(), (now + HOUR).to_string().as_bytes(), b"!", &foo].concat(), &foo).unwrap();
    let n = legacy_record("session:abc", "n");
    db.put(&n, b"5").unwrap();
    db.put(&[TTL_PREFIX, &n].concat(), (now + 2 * HOUR).to_string().as_bytes()).unwrap();
    db.put(&legacy_record("session:old", "k"), b"1").unwrap();
    db.put(&[TTL_PREFIX, &legacy_record("session:old", "k")].concat(), b"500").unwrap();
    db.put(&legacy_record("session:nottl", "k"), b"\"v\"").unwrap();
    db.flush().unwrap();
  }
  let mut e = Engine::open(&dir, false).unwrap();
  assert_eq!(expiry_of(&e, "session:abc"), Some((now + 2 * HOUR, false)), "the latest expiry of its keys");
  assert_eq!(e.get_all("session:abc", 2 * HOUR, now).unwrap(), r#"{"foo":{"bar":[1,2]},"n":5}"#);
  assert_eq!(e.get_all("session:old", HOUR, now).unwrap(), "{}", "expired sessions are not carried over");
  assert!(expiry_of(&e, "session:old").is_none());
  let (nottl, _) = expiry_of(&e, "session:nottl").unwrap();
  assert!(nottl >= now + LEGACY_EXPIRE_MS && nottl < now + LEGACY_EXPIRE_MS + 60_000);
  assert_eq!(e.get("session:nottl", "k", HOUR, now).unwrap().as_deref(), Some(&b"\"v\""[..]));
  assert_migrated_and_clean(&dir);
  e.close().unwrap();
  // A second open finds nothing to do and keeps the data.
  let mut e = Engine::open(&dir, false).unwrap();
  assert_eq!(e.get("session:abc", "n", HOUR, now).unwrap().as_deref(), Some(&b"5"[..]));
  e.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}

/// Writes a 0.2.0 LevelStore session (its `d`/`m`/`x` records) with rusty-leveldb.
fn put_v020(db: &mut DB, id: &str, records: &[(&str, &str)], expires: u64) {
  for (k, v) in records {
    db.put(&keys::data(id, k), v.as_bytes()).unwrap();
  }
  db.put(&keys::meta(id), &keys::encode_expiry(expires)).unwrap();
  db.put(&keys::index(expires, id), b"").unwrap();
}

/// This package's 0.2.0 layout: live sessions with their expiry, live tombstones carried,
/// expired sessions and tombstones dropped, the index rebuilt.
#[test]
fn moves_a_v020_directory() {
  let dir = temp_dir("v020");
  let now = now_ms();
  {
    let mut db = old_db(&dir);
    put_v020(&mut db, "live", &[("a", "1"), ("b", "{\"c\":true}")], now + HOUR);
    put_v020(&mut db, "gone", &[("a", "1")], now - 1);
    db.put(&keys::meta("revoked"), &keys::encode_tombstone(now + HOUR)).unwrap();
    db.put(&keys::index(now + HOUR, "revoked"), b"").unwrap();
    db.put(&keys::meta("revoked-old"), &keys::encode_tombstone(now - 1)).unwrap();
    // A data record without meta (should not exist): not live, dropped.
    db.put(&keys::data("orphan", "a"), b"1").unwrap();
    db.flush().unwrap();
  }
  let mut e = Engine::open(&dir, false).unwrap();
  assert_eq!(e.get_all("live", HOUR, now).unwrap(), r#"{"a":1,"b":{"c":true}}"#);
  assert_eq!(expiry_of(&e, "live"), Some((now + HOUR, false)));
  assert!(e.ks.get(keys::index(now + HOUR, "live")).unwrap().is_some(), "the index is rebuilt");
  assert_eq!(e.get_all("gone", HOUR, now).unwrap(), "{}");
  assert_eq!(expiry_of(&e, "revoked"), Some((now + HOUR, true)), "a live tombstone stays");
  e.set("revoked", "k", b"1", HOUR, now).unwrap();
  assert_eq!(e.get_all("revoked", HOUR, now).unwrap(), "{}", "writes to a revoked session are still dropped");
  assert!(expiry_of(&e, "revoked-old").is_none());
  assert_eq!(e.get_all("orphan", HOUR, now).unwrap(), "{}");
  assert_migrated_and_clean(&dir);
  e.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}

/// Both layouts in one directory (a 0.2.0 upgrade of a level-session directory interrupted).
#[test]
fn moves_a_mixed_directory() {
  let dir = temp_dir("mixed");
  let now = now_ms();
  {
    let mut db = old_db(&dir);
    put_v020(&mut db, "new-layout", &[("a", "1")], now + HOUR);
    let rec = legacy_record("old-layout", "b");
    db.put(&rec, b"2").unwrap();
    db.put(&[TTL_PREFIX, &rec].concat(), (now + HOUR).to_string().as_bytes()).unwrap();
    db.flush().unwrap();
  }
  let mut e = Engine::open(&dir, false).unwrap();
  assert_eq!(e.get_all("new-layout", HOUR, now).unwrap(), r#"{"a":1}"#);
  assert_eq!(e.get_all("old-layout", HOUR, now).unwrap(), r#"{"b":2}"#);
  assert_migrated_and_clean(&dir);
  e.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}

/// The rusty-leveldb bug's own scenario in a 0.2.0 directory: 3,000 long-lived sessions among
/// 48,000 deleted ones. The migration reads through the iterator and loses none; prints how many
/// `DB::get` would have missed.
#[test]
fn migration_reads_what_leveldb_get_misses() {
  let dir = temp_dir("ldb-bug");
  let now = now_ms();
  let long = 3_000;
  let get_misses;
  {
    let mut db = old_db(&dir);
    for i in 0..long {
      put_v020(&mut db, &format!("long:{i}"), &[("profile", &format!("{{\"user\":{i}}}"))], now + 24 * HOUR);
    }
    for i in 0..48_000 {
      put_v020(&mut db, &format!("short:{i}"), &[("profile", "{\"user\":\"short\"}")], now - HOUR);
    }
    let mut iter_snapshot = db.new_iter().unwrap();
    iter_snapshot.advance();
    drop(iter_snapshot);
    for i in 0..48_000 {
      let id = format!("short:{i}");
      let mut batch = rusty_leveldb::WriteBatch::default();
      batch.delete(&keys::data(&id, "profile"));
      batch.delete(&keys::meta(&id));
      batch.delete(&keys::index(now - HOUR, &id));
      db.write(batch, false).unwrap();
    }
    db.compact_range(&[keys::DATA], &[keys::INDEX + 1]).unwrap();
    get_misses = (0..long).filter(|i| db.get(&keys::meta(&format!("long:{i}"))).is_none()).count();
    db.flush().unwrap();
  }
  println!("rusty-leveldb DB::get missed {get_misses} of {long} live meta records");
  let mut e = Engine::open(&dir, false).unwrap();
  let missing = (0..long)
    .filter(|i| {
      e.get(&format!("long:{i}"), "profile", HOUR, now).unwrap() != Some(format!("{{\"user\":{i}}}").into_bytes())
    })
    .count();
  assert_eq!(missing, 0);
  assert_eq!(e.indexed_sessions(), Some(long));
  assert_migrated_and_clean(&dir);
  e.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}

fn fill_old(dir: &Path, now: u64, n: usize) {
  let mut db = old_db(dir);
  for i in 0..n {
    if i % 2 == 0 {
      put_v020(&mut db, &format!("v:{i}"), &[("a", &i.to_string()), ("b", "true")], now + HOUR);
    } else {
      let rec = legacy_record(&format!("l:{i}"), "a");
      db.put(&rec, i.to_string().as_bytes()).unwrap();
      db.put(&[TTL_PREFIX, &rec].concat(), (now + HOUR).to_string().as_bytes()).unwrap();
    }
  }
  db.flush().unwrap();
}

fn check_all(e: &mut Engine, now: u64, n: usize) {
  for i in 0..n {
    let (id, want) = if i % 2 == 0 {
      (format!("v:{i}"), format!("{{\"a\":{i},\"b\":true}}"))
    } else {
      (format!("l:{i}"), format!("{{\"a\":{i}}}"))
    };
    assert_eq!(e.get_all(&id, HOUR, now).unwrap(), want, "{id}");
  }
  assert_eq!(e.indexed_sessions(), Some(n));
}

/// A migration "killed" mid-way, before its marker, or before deleting the old files, completes
/// at the next open with every session and no old file left.
#[test]
fn an_interrupted_migration_resumes() {
  let n = 4_000;
  for stop in [Stop::AfterBatches(1), Stop::AfterBatches(3), Stop::BeforeMarker, Stop::BeforeDelete] {
    let dir = temp_dir("resume");
    let now = now_ms();
    fill_old(&dir, now, n);
    let first = Engine::open_inner(&dir, Options::default(), stop);
    assert!(
      matches!(&first, Err(crate::level::engine::OpenError::Failed(_, why)) if why.contains("simulated crash")),
      "{stop:?}"
    );
    drop(first);
    assert!(dir.join("CURRENT").exists(), "{stop:?}: nothing is deleted before the marker is durable");
    if let Stop::AfterBatches(_) = stop {
      // The progress record says how far it got.
      let e = Engine::open_inner(&dir, Options::default(), Stop::AfterBatches(usize::MAX));
      drop(e);
    }
    let mut e = Engine::open(&dir, false).unwrap();
    check_all(&mut e, now, n);
    assert_migrated_and_clean(&dir);
    assert!(e.control.get(PROGRESS).unwrap().is_none() && e.control.get(MARKER).unwrap().is_none());
    e.close().unwrap();
    fs::remove_dir_all(dir).unwrap();
  }
}

/// A real `kill -9` of a process in the middle of a migration: the next open completes it.
#[test]
fn a_killed_migration_resumes() {
  let n = 60_000;
  let dir = temp_dir("killed");
  let now = now_ms();
  fill_old(&dir, now, n);
  let mut child = std::process::Command::new(std::env::current_exe().unwrap())
    .args(["--exact", "level::migrate::tests::child_migrate", "--ignored", "--nocapture", "--test-threads=1"])
    .env("LE_MIGRATE_DIR", &dir)
    .stdout(std::process::Stdio::null())
    .stderr(std::process::Stdio::null())
    .spawn()
    .unwrap();
  // Kill it once it has written some progress (or after a while).
  let started = std::time::Instant::now();
  let engine_dir = dir.join(ENGINE_DIR);
  while started.elapsed() < std::time::Duration::from_secs(20) {
    if crate::level::engine::tree_size(&engine_dir).unwrap_or(0) > 300_000 {
      break;
    }
    std::thread::sleep(std::time::Duration::from_millis(2));
  }
  let _ = child.kill();
  let status = child.wait().unwrap();
  println!(
    "child killed after {:?} (status {status}), old files present: {}",
    started.elapsed(),
    dir.join("CURRENT").exists()
  );
  let mut e = Engine::open(&dir, false).unwrap();
  check_all(&mut e, now, n);
  assert_migrated_and_clean(&dir);
  e.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}

#[test]
#[ignore]
fn child_migrate() {
  let Ok(dir) = std::env::var("LE_MIGRATE_DIR") else { return };
  let e = Engine::open(Path::new(&dir), false);
  drop(e);
}
