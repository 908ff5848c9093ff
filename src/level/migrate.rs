//! Upgrading a database written by level-session 0.3.4 (with level-ttl) in place, on open, so
//! that a deployment switches packages without logging anyone out.
//!
//! level-session kept each session key as `ÿ<id>ÿ<key>` (the `ÿ` UTF-8 encoded) holding the
//! value's JSON, and level-ttl kept `!ttl!<record>` → expiry (decimal ms) plus an index under
//! `!ttl!x!`. Each session becomes this store's layout (see [`super::keys`]) with the latest
//! expiry of its keys; sessions already expired are dropped; every legacy record is deleted. Each
//! session moves in one atomic batch, so a crash mid-way leaves every session in one layout or the
//! other, and the next open carries on.

use rusty_leveldb::{LdbIterator, WriteBatch, DB};

use super::keys;

/// `ÿ` in UTF-8: level-session's separator.
const LEGACY_SEP: &[u8] = &[0xC3, 0xBF];
/// level-ttl's namespace.
const TTL_PREFIX: &[u8] = b"!ttl";

/// One legacy session: its id, its (key, JSON) records, and its legacy record names.
struct LegacySession {
  id: Vec<u8>,
  records: Vec<(Vec<u8>, Vec<u8>)>,
  legacy_keys: Vec<Vec<u8>>,
}

/// Migrates every legacy session; returns how many were carried over.
pub fn migrate(db: &mut DB, now_ms: u64, default_expire_ms: u64) -> rusty_leveldb::Result<usize> {
  let sessions = read_legacy_sessions(db)?;
  let mut migrated = 0;
  for session in sessions {
    let mut batch = WriteBatch::default();
    let expires = session
      .legacy_keys
      .iter()
      .filter_map(|record| legacy_expiry(db, record))
      .max()
      .unwrap_or(now_ms + default_expire_ms);
    for record in &session.legacy_keys {
      batch.delete(record);
      batch.delete(&[TTL_PREFIX, b"!", record].concat());
    }
    if expires > now_ms {
      let id = String::from_utf8_lossy(&session.id).into_owned();
      for (key, value) in &session.records {
        batch.put(&[keys::data_prefix(&id), key.clone()].concat(), value);
      }
      batch.put(&keys::meta(&id), &keys::encode_expiry(expires));
      batch.put(&keys::index(expires, &id), b"");
      migrated += 1;
    }
    db.write(batch, false)?;
  }
  remove_ttl_namespace(db)?;
  db.flush()?;
  Ok(migrated)
}

/// Groups the legacy data records by session, in key order (so each session's are adjacent).
fn read_legacy_sessions(db: &mut DB) -> rusty_leveldb::Result<Vec<LegacySession>> {
  let mut sessions: Vec<LegacySession> = Vec::new();
  let mut iter = db.new_iter()?;
  iter.seek(LEGACY_SEP);
  while let Some((record, value)) = iter.current() {
    if !record.starts_with(LEGACY_SEP) {
      break;
    }
    if let Some((id, key)) = split_legacy(&record) {
      match sessions.last_mut() {
        Some(session) if session.id == id => {}
        _ => sessions.push(LegacySession { id: id.to_vec(), records: Vec::new(), legacy_keys: Vec::new() }),
      }
      let session = sessions.last_mut().expect("just pushed");
      session.records.push((key.to_vec(), value.to_vec()));
      session.legacy_keys.push(record.to_vec());
    }
    if !iter.advance() {
      break;
    }
  }
  Ok(sessions)
}

/// (id, key) of `ÿ<id>ÿ<key>`.
fn split_legacy(record: &[u8]) -> Option<(&[u8], &[u8])> {
  let rest = record.strip_prefix(LEGACY_SEP)?;
  let at = rest.windows(2).position(|w| w == LEGACY_SEP)?;
  Some((&rest[..at], &rest[at + 2..]))
}

/// level-ttl's expiry for a record, if it kept one.
fn legacy_expiry(db: &mut DB, record: &[u8]) -> Option<u64> {
  let value = db.get(&[TTL_PREFIX, b"!", record].concat())?;
  std::str::from_utf8(&value).ok()?.trim().parse().ok()
}

/// Deletes whatever is left under `!ttl` (its index, stray entries).
fn remove_ttl_namespace(db: &mut DB) -> rusty_leveldb::Result<()> {
  let mut stale = Vec::new();
  {
    let mut iter = db.new_iter()?;
    iter.seek(TTL_PREFIX);
    while let Some((record, _)) = iter.current() {
      if !record.starts_with(TTL_PREFIX) {
        break;
      }
      stale.push(record.to_vec());
      if !iter.advance() {
        break;
      }
    }
  }
  for chunk in stale.chunks(1000) {
    let mut batch = WriteBatch::default();
    for record in chunk {
      batch.delete(record);
    }
    db.write(batch, false)?;
  }
  Ok(())
}

#[cfg(test)]
mod tests {
  use super::*;
  use rusty_leveldb::Options;

  fn legacy_db(name: &str) -> (DB, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("gs-migrate-{}-{}", name, std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    (DB::open(&dir, Options::default()).unwrap(), dir)
  }

  fn legacy_record(id: &str, key: &str) -> Vec<u8> {
    [LEGACY_SEP, id.as_bytes(), LEGACY_SEP, key.as_bytes()].concat()
  }

  #[test]
  fn moves_sessions_with_their_expiry_and_drops_the_old_records() {
    let (mut db, dir) = legacy_db("moves");
    let foo = legacy_record("session:abc", "foo");
    db.put(&foo, br#"{"bar":[1,2]}"#).unwrap();
    db.put(&[TTL_PREFIX, b"!", &foo].concat(), b"2000").unwrap();
    db.put(&[b"!ttl!x!2000!".as_slice(), &foo].concat(), &foo).unwrap();
    db.put(&legacy_record("session:abc", "n"), b"5").unwrap();
    db.put(&legacy_record("session:old", "k"), b"1").unwrap();
    db.put(&[TTL_PREFIX, b"!", &legacy_record("session:old", "k")].concat(), b"500").unwrap();

    assert_eq!(migrate(&mut db, 1000, 10_000).unwrap(), 1);

    assert_eq!(db.get(&keys::data("session:abc", "foo")).unwrap().as_ref(), br#"{"bar":[1,2]}"#);
    assert_eq!(db.get(&keys::data("session:abc", "n")).unwrap().as_ref(), b"5");
    assert_eq!(keys::decode_meta(&db.get(&keys::meta("session:abc")).unwrap()), Some((2000, false)));
    assert!(db.get(&keys::meta("session:old")).is_none(), "expired sessions are not carried over");
    let mut iter = db.new_iter().unwrap();
    while iter.advance() {
      let (record, _) = iter.current().unwrap();
      assert!(!record.starts_with(LEGACY_SEP) && !record.starts_with(TTL_PREFIX), "left {record:?}");
    }
    drop(iter);
    drop(db);
    std::fs::remove_dir_all(dir).unwrap();
  }

  #[test]
  fn a_second_run_finds_nothing_to_do() {
    let (mut db, dir) = legacy_db("again");
    db.put(&legacy_record("session:abc", "k"), b"1").unwrap();
    assert_eq!(migrate(&mut db, 1000, 10_000).unwrap(), 1);
    assert_eq!(migrate(&mut db, 1000, 10_000).unwrap(), 0);
    assert_eq!(keys::decode_meta(&db.get(&keys::meta("session:abc")).unwrap()), Some((11_000, false)));
    drop(db);
    std::fs::remove_dir_all(dir).unwrap();
  }
}
