use super::*;

const HOUR: u64 = 3_600_000;
const T0: u64 = 1_700_000_000_000;

pub(crate) fn temp_dir(name: &str) -> PathBuf {
  let dir = std::env::temp_dir().join(format!("le-engine-{}-{}", name, std::process::id()));
  let _ = fs::remove_dir_all(&dir);
  dir
}

fn with_index() -> Options {
  Options::default()
}

fn without_index() -> Options {
  Options { memory_index: false, ..Options::default() }
}

fn engine(name: &str, opts: Options) -> (Engine, PathBuf) {
  let dir = temp_dir(name);
  (Engine::open_with(&dir, opts).unwrap(), dir)
}

fn stored_expiry(e: &Engine, id: &str) -> u64 {
  keys::decode_meta(&e.ks.get(keys::meta(id)).unwrap().unwrap()).unwrap().0
}

fn set_get_and_get_all(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  e.set("s1", "b", b"1", HOUR, T0).unwrap();
  e.set("s1", "a", b"{\"x\":[2]}", HOUR, T0).unwrap();
  e.set("s2", "a", b"3", HOUR, T0).unwrap();
  assert_eq!(e.get("s1", "a", HOUR, T0).unwrap().as_deref(), Some(&b"{\"x\":[2]}"[..]));
  assert_eq!(e.get("s1", "zz", HOUR, T0).unwrap(), None);
  assert_eq!(e.get_all("s1", HOUR, T0).unwrap(), r#"{"a":{"x":[2]},"b":1}"#);
  assert_eq!(e.get_all("nobody", HOUR, T0).unwrap(), "{}");
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

fn del_and_del_all(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  e.set("s1", "a", b"1", HOUR, T0).unwrap();
  e.set("s1", "b", b"2", HOUR, T0).unwrap();
  e.del("s1", "a", HOUR, T0).unwrap();
  assert_eq!(e.get_all("s1", HOUR, T0).unwrap(), r#"{"b":2}"#);
  e.del_all("s1").unwrap();
  assert_eq!(e.get_all("s1", HOUR, T0).unwrap(), "{}");
  e.set("s1", "c", b"3", HOUR, T0).unwrap();
  assert_eq!(e.get_all("s1", HOUR, T0).unwrap(), r#"{"c":3}"#, "delAll leaves a session that can be written again");
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

fn a_revoked_session_stays_revoked(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  e.set("s1", "a", b"1", HOUR, T0).unwrap();
  e.revoke("s1", T0 + 10).unwrap();
  e.set("s1", "late", b"2", HOUR, T0 + 20).unwrap();
  assert_eq!(e.get("s1", "late", HOUR, T0 + 30).unwrap(), None);
  assert_eq!(e.get_all("s1", HOUR, T0 + 30).unwrap(), "{}");
  // The tombstone also survives a reopen.
  e.commit().unwrap();
  drop(e);
  let mut e = Engine::open_with(&dir, Options { memory_index: true, ..Options::default() }).unwrap();
  e.set("s1", "late", b"2", HOUR, T0 + 40).unwrap();
  assert_eq!(e.get_all("s1", HOUR, T0 + 50).unwrap(), "{}");
  assert_eq!(e.sweep(T0 + HOUR + 1, 100).unwrap(), 1);
  e.set("s1", "again", b"3", HOUR, T0 + HOUR + 2).unwrap();
  assert_eq!(e.get("s1", "again", HOUR, T0 + HOUR + 3).unwrap(), Some(b"3".to_vec()));
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

fn revoking_an_unknown_session(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  e.revoke("never", T0).unwrap();
  e.set("never", "k", b"1", HOUR, T0 + 1).unwrap();
  assert_eq!(e.get_all("never", HOUR, T0 + 2).unwrap(), "{}");
  e.set("never", "k", b"1", HOUR, T0 + TOMBSTONE_MS + 1).unwrap();
  assert_eq!(e.get_all("never", HOUR, T0 + TOMBSTONE_MS + 2).unwrap(), r#"{"k":1}"#);
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

fn sessions_expire_after_their_last_access(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  e.set("kept", "k", b"1", HOUR, T0).unwrap();
  e.set("idle", "k", b"1", HOUR, T0).unwrap();
  e.extend("kept", HOUR, T0 + HOUR / 2).unwrap();
  let later = T0 + HOUR + 1;
  assert_eq!(e.get("kept", "k", HOUR, later).unwrap().as_deref(), Some(&b"1"[..]));
  assert_eq!(e.get("idle", "k", HOUR, later).unwrap(), None);
  e.set("idle", "new", b"2", HOUR, later).unwrap();
  assert_eq!(e.get_all("idle", HOUR, later).unwrap(), r#"{"new":2}"#, "writing to an expired session starts it empty");
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

fn reads_rewrite_the_expiry_only_past_the_slack(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  e.set("s", "k", b"1", HOUR, T0).unwrap();
  e.get("s", "k", HOUR, T0 + HOUR / 200).unwrap();
  assert_eq!(stored_expiry(&e, "s"), T0 + HOUR, "within the slack: no write");
  e.get("s", "k", HOUR, T0 + HOUR / 50).unwrap();
  assert_eq!(stored_expiry(&e, "s"), T0 + HOUR / 50 + HOUR, "past the slack: rewritten");
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

fn sweep_removes_only_expired_sessions(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  for i in 0..100 {
    e.set(&format!("old{i}"), "k", b"1", HOUR, T0).unwrap();
  }
  e.set("young", "k", b"1", HOUR, T0 + HOUR).unwrap();
  assert_eq!(e.sweep(T0 + HOUR + 1, 1000).unwrap(), 100);
  assert_eq!(e.sweep(T0 + HOUR + 1, 1000).unwrap(), 0);
  assert_eq!(e.get("young", "k", HOUR, T0 + HOUR + 1).unwrap().as_deref(), Some(&b"1"[..]));
  assert_eq!(e.ks.iter().count(), 3, "the young session's data, meta and index records");
  e.wait_for_reclaim().unwrap();
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

fn a_touched_session_survives_a_sweep_of_its_old_index_entry(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  e.set("s", "k", b"1", HOUR, T0).unwrap();
  e.extend("s", HOUR, T0 + HOUR / 2).unwrap();
  assert_eq!(e.sweep(T0 + HOUR + 1, 1000).unwrap(), 0);
  assert_eq!(e.get("s", "k", HOUR, T0 + HOUR + 1).unwrap().as_deref(), Some(&b"1"[..]));
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

/// Options whose engine keeps the ids it finds expired (its own count and flag, not the process's).
fn listening(opts: Options) -> Options {
  use std::sync::atomic::{AtomicBool, AtomicU64};
  static COUNT: AtomicU64 = AtomicU64::new(0);
  static ON: AtomicBool = AtomicBool::new(true);
  Options { expiries: crate::expiries::Reporter::new(&COUNT, &ON), ..opts }
}

fn expired_sessions_are_reported_once_by_sweep_or_by_the_call_that_meets_them(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, listening(opts));
  for id in ["swept", "met", "destroyed", "touched"] {
    e.set(id, "k", b"1", HOUR, T0).unwrap();
  }
  e.revoke("destroyed", T0).unwrap();
  e.extend("touched", HOUR, T0 + HOUR / 2).unwrap();
  let later = T0 + HOUR + 1;
  assert_eq!(e.get("met", "k", HOUR, later).unwrap(), None);
  assert_eq!(e.take_expired(), ["met"], "a read that meets an expired session removes it");
  e.sweep(later, 1000).unwrap();
  assert_eq!(e.take_expired(), ["swept"], "the sweep: not the tombstone, nor the touched session's old index entry");
  e.sweep(T0 + 2 * HOUR, 1000).unwrap();
  assert_eq!(e.take_expired(), ["touched"]);
  e.set("met", "k", b"2", HOUR, later).unwrap();
  e.sweep(T0 + 3 * HOUR, 1000).unwrap();
  assert_eq!(e.take_expired(), ["met"], "written again, it expires again");
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

macro_rules! both {
  ($($name:ident),*) => {
    mod with_memory_index { $( #[test] fn $name() { super::$name(super::with_index(), concat!("m-", stringify!($name))) } )* }
    mod without_memory_index { $( #[test] fn $name() { super::$name(super::without_index(), concat!("d-", stringify!($name))) } )* }
  };
}

both!(
  set_get_and_get_all,
  del_and_del_all,
  a_revoked_session_stays_revoked,
  revoking_an_unknown_session,
  sessions_expire_after_their_last_access,
  reads_rewrite_the_expiry_only_past_the_slack,
  sweep_removes_only_expired_sessions,
  a_touched_session_survives_a_sweep_of_its_old_index_entry,
  expired_sessions_are_reported_once_by_sweep_or_by_the_call_that_meets_them
);

#[test]
fn sweeping_mass_expiry_gives_the_disk_space_back() {
  let (mut e, dir) = engine("reclaim", with_index());
  let value = [b'x'; 200];
  for i in 0..20_000 {
    e.set(&format!("session:{i}"), "k", &value, HOUR, T0).unwrap();
  }
  e.commit().unwrap();
  e.compact().unwrap();
  // Tables only: fjall's active journal is kept until it reaches 64 MB (not configurable), so
  // in a store this small the journal dominates the directory (see the benchmark for 1M).
  let peak = e.table_bytes();
  assert!(peak > 500_000);
  let mut swept = 0;
  loop {
    let n = e.sweep(T0 + HOUR + 1, 1000).unwrap();
    swept += n;
    if n < 1000 {
      break;
    }
  }
  assert_eq!(swept, 20_000);
  e.wait_for_reclaim().unwrap();
  let after = e.table_bytes();
  assert!(after * 10 <= peak, "{after} bytes left of {peak}");
  assert!(e.disk_size().unwrap() < 64 << 20);
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

#[test]
fn data_survives_close_and_reopen_and_the_lock_is_exclusive() {
  let (mut e, dir) = engine("reopen", with_index());
  e.set("s", "k", b"\"v\"", HOUR, T0).unwrap();
  e.commit().unwrap();
  match Engine::open(&dir, false) {
    Err(OpenError::Locked(path, holder)) => {
      assert_eq!(path, dir);
      assert_eq!(holder, Some(Holder::ThisProcess));
    }
    other => panic!("expected Locked, got {:?}", other.map(|_| ())),
  }
  let text = Engine::open(&dir, false).err().unwrap().to_string();
  assert!(text.contains(dir.to_str().unwrap()) && text.contains(&std::process::id().to_string()), "{text}");
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

/// Every live session reads back through `get` and `get_all`.
fn check_long_lived(e: &mut Engine, n: usize, now: u64) {
  let mut missing_get = 0;
  let mut missing_all = 0;
  for i in 0..n {
    let id = format!("long:{i}");
    let want = format!("{{\"user\":{i}}}");
    if e.get(&id, "profile", 30 * 24 * HOUR, now).unwrap().as_deref() != Some(want.as_bytes()) {
      missing_get += 1;
    }
    if e.get_all(&id, 30 * 24 * HOUR, now).unwrap() != format!("{{\"profile\":{want},\"seen\":{i}}}") {
      missing_all += 1;
    }
  }
  assert_eq!((missing_get, missing_all), (0, 0), "live sessions unreadable through get / getAll");
}

fn fill_long_lived(e: &mut Engine, n: usize) {
  for i in 0..n {
    let id = format!("long:{i}");
    e.set(&id, "profile", format!("{{\"user\":{i}}}").as_bytes(), 30 * 24 * HOUR, T0).unwrap();
    e.set(&id, "seen", format!("{i}").as_bytes(), 30 * 24 * HOUR, T0).unwrap();
  }
  e.commit().unwrap();
}

fn sweep_all(e: &mut Engine, now: u64) -> usize {
  let mut swept = 0;
  loop {
    let n = e.sweep(now, 1000).unwrap();
    e.commit().unwrap();
    swept += n;
    if n < 1000 {
      return swept;
    }
  }
}

/// The issue's scenario: 3,000 long-lived sessions, then 48,000 short ones that expire and are
/// swept (compactions included); every long-lived one reads back, also after reopening.
/// Closes `e`, reopens its directory and checks the 3,000 long-lived sessions are all there, and
/// nothing else; then removes the directory.
fn reopen_and_check_long_lived(e: Engine, dir: &Path, opts: Options, now: u64) {
  e.close().unwrap();
  let mut e = Engine::open_with(dir, opts).unwrap();
  check_long_lived(&mut e, 3_000, now);
  assert_eq!(e.ks.prefix([keys::META]).count(), 3_000);
  e.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}

#[test]
fn live_sessions_survive_mass_expiry_and_sweep() {
  for opts in [with_index(), without_index()] {
    let dir = temp_dir(&format!("bug-expiry-{}", opts.memory_index));
    let mut e = Engine::open_with(&dir, opts.clone()).unwrap();
    fill_long_lived(&mut e, 3_000);
    for i in 0..48_000 {
      e.set(&format!("short:{i}"), "profile", b"{\"user\":\"short\"}", HOUR, T0 + 1).unwrap();
      if i % 100 == 0 {
        e.commit().unwrap();
      }
    }
    e.commit().unwrap();
    let now = T0 + 2 * HOUR;
    assert_eq!(sweep_all(&mut e, now), 48_000);
    e.wait_for_reclaim().unwrap();
    check_long_lived(&mut e, 3_000, now);
    e.compact().unwrap();
    check_long_lived(&mut e, 3_000, now);
    reopen_and_check_long_lived(e, &dir, opts, now);
  }
}

/// The same with 40,000 other sessions destroyed (half revoked, half `del_all`).
#[test]
fn live_sessions_survive_mass_destruction() {
  for opts in [with_index(), without_index()] {
    let dir = temp_dir(&format!("bug-destroy-{}", opts.memory_index));
    let mut e = Engine::open_with(&dir, opts.clone()).unwrap();
    fill_long_lived(&mut e, 3_000);
    for i in 0..40_000 {
      e.set(&format!("other:{i}"), "profile", b"{\"user\":\"other\"}", HOUR, T0 + 1).unwrap();
    }
    e.commit().unwrap();
    e.compact().unwrap();
    for i in 0..40_000 {
      let id = format!("other:{i}");
      if i % 2 == 0 {
        e.revoke(&id, T0 + 2).unwrap()
      } else {
        e.del_all(&id).unwrap()
      }
      if i % 100 == 0 {
        e.commit().unwrap();
      }
    }
    e.commit().unwrap();
    check_long_lived(&mut e, 3_000, T0 + 3);
    // The tombstones expire with the sessions they stood for, and are swept.
    let now = T0 + 2 * HOUR;
    assert_eq!(sweep_all(&mut e, now), 20_000);
    e.wait_for_reclaim().unwrap();
    check_long_lived(&mut e, 3_000, now);
    reopen_and_check_long_lived(e, &dir, opts, now);
  }
}

#[test]
fn a_lock_file_names_its_holder_and_whether_it_runs() {
  assert_eq!(Holder::from_lock_text(&format!("{}\n", std::process::id())), Some(Holder::ThisProcess));
  // pid 1 always runs; no pid reaches i32::MAX (Linux's pid_max is at most 2^22).
  assert_eq!(Holder::from_lock_text("1\n"), Some(Holder::Other(1, Some(true))));
  assert_eq!(Holder::from_lock_text("2147483647"), Some(Holder::Other(2147483647, Some(false))));
  for unreadable in ["", "\n", "0\n", "-5\n", "2147483648\n", "pid\n"] {
    assert_eq!(Holder::from_lock_text(unreadable), None, "{unreadable:?}");
  }
}

#[test]
fn the_in_use_error_says_who_holds_the_lock() {
  let text = |holder| OpenError::Locked(PathBuf::from("/data/s"), holder).to_string();
  assert_eq!(
    text(Some(Holder::ThisProcess)),
    format!(
      "LevelStore: \"/data/s\" is in use: its lock is held by this process ({}): another LevelStore on this \
       location is open in it (close that one first)",
      std::process::id()
    )
  );
  assert!(text(Some(Holder::Other(1234, Some(true)))).contains("held by process 1234, which is still running"));
  assert!(text(Some(Holder::Other(1234, Some(false)))).contains("names process 1234, which is not running"));
  assert!(text(Some(Holder::Other(1234, None))).contains("held by process 1234 (close its store first)"));
  assert!(text(None).contains("held by another process"));
}

/// A second open, from this process or another, is refused with the holder's pid while the
/// first is open: before, during and after a sweep that compacts.
#[test]
fn the_lock_holds_through_sweeps_and_compactions() {
  use std::sync::atomic::{AtomicBool, Ordering};
  let dir = temp_dir("lock-sweep");
  let mut e = Engine::open(&dir, false).unwrap();
  for i in 0..60_000 {
    e.set(&format!("s:{i}"), "profile", b"{\"user\":1}", HOUR, T0).unwrap();
  }
  e.commit().unwrap();
  let done = Arc::new(AtomicBool::new(false));
  let prober = {
    let (dir, done) = (dir.clone(), done.clone());
    std::thread::spawn(move || {
      let (mut locked, mut other) = (0, Vec::new());
      while !done.load(Ordering::Relaxed) {
        match Engine::open(&dir, false) {
          Err(OpenError::Locked(_, Some(Holder::ThisProcess))) => locked += 1,
          Err(err) => other.push(err.to_string()),
          Ok(_) => other.push("opened!".into()),
        }
      }
      (locked, other)
    })
  };
  let child_before = child_open(&dir);
  let now = T0 + 2 * HOUR;
  let swept = sweep_all(&mut e, now);
  let child_during = child_open(&dir);
  e.compact().unwrap();
  e.wait_for_reclaim().unwrap();
  let child_after = child_open(&dir);
  done.store(true, Ordering::Relaxed);
  let (locked, other) = prober.join().unwrap();
  assert_eq!(swept, 60_000);
  assert!(locked > 0 && other.is_empty(), "{locked} refused, others: {:?}", &other[..other.len().min(3)]);
  for outcome in [child_before, child_during, child_after] {
    assert_eq!(outcome, format!("locked {} running Some(true)", std::process::id()));
  }
  e.close().unwrap();
  assert_eq!(child_open(&dir), "opened");
  fs::remove_dir_all(dir).unwrap();
}

/// Runs [`child_probe`] in a child process: what another process gets when it opens `dir`.
fn child_open(dir: &Path) -> String {
  let out = std::process::Command::new(std::env::current_exe().unwrap())
    .args(["--exact", "level::engine::tests::child_probe", "--ignored", "--nocapture", "--test-threads=1"])
    .env("LE_PROBE_DIR", dir)
    .output()
    .unwrap();
  let text = String::from_utf8_lossy(&out.stdout).into_owned();
  text.lines().find_map(|l| l.split_once("PROBE: ").map(|(_, rest)| rest)).unwrap_or("no answer").to_owned()
}

#[test]
#[ignore]
fn child_probe() {
  let Ok(dir) = std::env::var("LE_PROBE_DIR") else { return };
  let outcome = match Engine::open(Path::new(&dir), false) {
    Ok(e) => {
      drop(e);
      "opened".to_owned()
    }
    Err(OpenError::Locked(_, Some(Holder::Other(pid, running)))) => format!("locked {pid} running {running:?}"),
    Err(OpenError::Locked(_, other)) => format!("locked {other:?}"),
    Err(err) => format!("failed {err}"),
  };
  println!("PROBE: {outcome}");
}

/// What opening and reading a damaged copy gives.
#[derive(Debug)]
enum Damage {
  /// Open refused, with this message.
  OpenFailed(String),
  /// A read failed with this message.
  ReadFailed(String),
  /// Everything read back.
  Intact,
  /// Reads succeeded but some sessions came back wrong or missing.
  Lost(usize),
  /// A panic escaped the engine (must never happen).
  Panicked(String),
}

fn copy_tree(from: &Path, to: &Path) {
  fs::create_dir_all(to).unwrap();
  for entry in fs::read_dir(from).unwrap() {
    let entry = entry.unwrap();
    let target = to.join(entry.file_name());
    if entry.file_type().unwrap().is_dir() {
      copy_tree(&entry.path(), &target);
    } else {
      fs::copy(entry.path(), target).unwrap();
    }
  }
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
  for entry in fs::read_dir(dir).unwrap() {
    let entry = entry.unwrap();
    if entry.file_type().unwrap().is_dir() {
      files_under(&entry.path(), out);
    } else {
      out.push(entry.path());
    }
  }
}

fn probe_damaged(dir: &Path, n: usize) -> Damage {
  let outcome = panic::catch_unwind(AssertUnwindSafe(|| {
    let mut e = match Engine::open(dir, false) {
      Ok(e) => e,
      Err(err) => return Damage::OpenFailed(err.to_string()),
    };
    let mut lost = 0;
    for i in 0..n {
      let id = format!("s:{i}");
      match e.get(&id, "profile", HOUR, T0 + 1) {
        Ok(Some(v)) if v == format!("{{\"user\":{i}}}").into_bytes() => {}
        Ok(_) => lost += 1,
        Err(err) => return Damage::ReadFailed(err.0),
      }
    }
    if let Err(err) = e.sweep(T0 + 2 * HOUR, 1000) {
      return Damage::ReadFailed(err.0);
    }
    let _ = e.close();
    if lost == 0 {
      Damage::Intact
    } else {
      Damage::Lost(lost)
    }
  }));
  outcome.unwrap_or_else(|payload| Damage::Panicked(panic_text(&*payload)))
}

/// What damage to `file` may do: an error names the store's path; sessions go missing only when
/// the journal is damaged (fjall replays it up to the first bad entry: fjall-rs/fjall#311).
fn check_damage(outcome: &Damage, dir: &Path, file: &Path) {
  match outcome {
    Damage::OpenFailed(why) | Damage::ReadFailed(why) => {
      assert!(why.contains(dir.to_str().unwrap()), "{}: the error names the path: {why}", file.display())
    }
    Damage::Lost(count) => {
      assert!(file.extension().is_some_and(|ext| ext == "jnl"), "{}: {count} sessions lost", file.display())
    }
    Damage::Intact | Damage::Panicked(_) => {}
  }
}

/// Each file of a closed store, truncated to half or with its tail garbled: opening and reading
/// gives an error or the data, never a panic out of the engine. Prints what each case gave.
#[test]
fn damaged_files_give_errors_not_panics() {
  let pristine = temp_dir("damage-pristine");
  let n = 5_000;
  {
    let mut e = Engine::open(&pristine, false).unwrap();
    for i in 0..n {
      e.set(&format!("s:{i}"), "profile", format!("{{\"user\":{i}}}").as_bytes(), HOUR, T0).unwrap();
    }
    e.commit().unwrap();
    // Tables on disk (flushed and compacted), then a few more writes left in the journal.
    e.compact().unwrap();
    for i in 0..50 {
      e.set(&format!("s:{i}"), "seen", b"1", HOUR, T0).unwrap();
    }
    e.close().unwrap();
  }
  let mut files = Vec::new();
  files_under(&pristine.join(ENGINE_DIR), &mut files);
  files.sort();
  let mut panicked = Vec::new();
  let mut lines = Vec::new();
  for file in &files {
    let rel = file.strip_prefix(&pristine).unwrap().to_owned();
    // A journal is a sparse 64 MiB file: damage what was written (up to its last non-zero byte).
    let bytes = fs::read(file).unwrap();
    let len = bytes.iter().rposition(|&b| b != 0).map(|p| p as u64 + 1).unwrap_or(0);
    drop(bytes);
    if len == 0 {
      continue;
    }
    for how in ["truncated", "garbled", "middle"] {
      let copy = temp_dir("damage-copy");
      copy_tree(&pristine, &copy);
      let target = copy.join(&rel);
      let f = fs::OpenOptions::new().write(true).open(&target).unwrap();
      if how == "truncated" {
        f.set_len(len / 2).unwrap();
      } else if how == "middle" {
        let junk: Vec<u8> = (0..64u64.min(len)).map(|i| (i as u8) ^ 0xA5).collect();
        std::os::unix::fs::FileExt::write_all_at(&f, &junk, len / 2).unwrap();
      } else {
        let from = len - (len / 4).max(1);
        let junk: Vec<u8> = (from..len).map(|i| (i as u8).wrapping_mul(151).wrapping_add(7)).collect();
        std::os::unix::fs::FileExt::write_all_at(&f, &junk, from).unwrap();
      }
      drop(f);
      let outcome = probe_damaged(&copy, n);
      check_damage(&outcome, &copy, &rel);
      if let Damage::Panicked(why) = &outcome {
        panicked.push(format!("{} {}: {}", how, rel.display(), why));
      }
      lines.push(format!("{:<50} {:>8} B {:<9} -> {:?}", rel.display().to_string(), len, how, outcome));
      let _ = fs::remove_dir_all(&copy);
    }
  }
  // The same for a journal holding writes not yet flushed to any table.
  let journal_only = temp_dir("damage-journal");
  {
    let mut e = Engine::open(&journal_only, false).unwrap();
    for i in 0..n {
      e.set(&format!("s:{i}"), "profile", format!("{{\"user\":{i}}}").as_bytes(), HOUR, T0).unwrap();
    }
    e.close().unwrap();
  }
  let journal = journal_only.join(ENGINE_DIR).join("0.jnl");
  let bytes = fs::read(&journal).unwrap();
  let len = bytes.iter().rposition(|&b| b != 0).map(|p| p as u64 + 1).unwrap_or(0);
  for how in ["truncated", "garbled", "middle"] {
    let copy = temp_dir("damage-copy");
    copy_tree(&journal_only, &copy);
    let f = fs::OpenOptions::new().write(true).open(copy.join(ENGINE_DIR).join("0.jnl")).unwrap();
    match how {
      "truncated" => f.set_len(len / 2).unwrap(),
      "middle" => std::os::unix::fs::FileExt::write_all_at(&f, &[0xA5; 64], len / 2).unwrap(),
      _ => std::os::unix::fs::FileExt::write_all_at(&f, &vec![0x5A; (len / 4) as usize], len - len / 4).unwrap(),
    }
    drop(f);
    let outcome = probe_damaged(&copy, n);
    check_damage(&outcome, &copy, Path::new("fjall3/0.jnl"));
    if let Damage::Panicked(why) = &outcome {
      panicked.push(format!("{} unflushed journal: {}", how, why));
    }
    lines.push(format!("{:<50} {:>8} B {:<9} -> {:?}", "fjall3/0.jnl (nothing flushed)", len, how, outcome));
    let _ = fs::remove_dir_all(&copy);
  }
  let _ = fs::remove_dir_all(&journal_only);
  println!("DAMAGE REPORT\n{}", lines.join("\n"));
  fs::remove_dir_all(&pristine).unwrap();
  assert!(panicked.is_empty(), "panics escaped: {panicked:?}");
}

/// A panic inside an engine call becomes an error, for that call and every later one.
#[test]
fn a_caught_panic_fails_every_later_call() {
  let (mut e, dir) = engine("panic", with_index());
  let err = e.guarded(|_| -> Result<()> { panic!("boom") }).unwrap_err();
  assert!(err.0.contains("boom") && err.0.contains(dir.to_str().unwrap()), "{}", err.0);
  assert_eq!(e.get("s", "k", HOUR, T0).unwrap_err(), err);
  assert!(e.commit().is_err());
  // Nothing is answered from the cache either: reads go to the engine, which answers the error.
  assert_eq!(e.cache().peek_all("s", HOUR, T0), crate::session_cache::Peek::Miss);
  drop(e);
  fs::remove_dir_all(dir).unwrap();
}

/// The session cache answers exactly what the engine does. Random calls on a few sessions (so
/// they collide: expiry, revocation, deletion, sweeps, a cache small enough to evict) go to an
/// engine with the cache and to one without; every answer must match, and so must every read the
/// cache answers by itself (as the JavaScript thread's peeks do), checked against the uncached
/// engine after each call.
#[test]
fn the_session_cache_answers_what_the_engine_does() {
  use crate::session_cache::Peek;
  use rand::{rngs::StdRng, Rng, SeedableRng};
  let (mut cached, cached_dir) = engine("cache-on", Options { cache_bytes: 4 << 10, ..Options::default() });
  let (mut plain, plain_dir) = engine("cache-off", Options { cache_bytes: 0, ..Options::default() });
  let cache = cached.cache();
  let mut rng = StdRng::seed_from_u64(7);
  let keys = ["a", "b", "c"];
  let expires = [HOUR, 1000, 50];
  let mut now = T0;
  let mut answered_from_memory = 0;
  for step in 0..20_000 {
    now += rng.gen_range(0..20);
    // Mostly each session's own expire, as a server's calls have; sometimes another.
    let n = rng.gen_range(0..40);
    let id = format!("s{n}");
    let key = keys[rng.gen_range(0..keys.len())];
    let expire = if rng.gen_ratio(1, 10) { expires[rng.gen_range(0..3)] } else { expires[n % 3] };
    let value = format!("{step}");
    match rng.gen_range(0..100) {
      0..=29 => assert_eq!(cached.get(&id, key, expire, now), plain.get(&id, key, expire, now), "step {step}"),
      30..=44 => assert_eq!(cached.get_all(&id, expire, now), plain.get_all(&id, expire, now), "step {step}"),
      45..=79 => {
        cached.set(&id, key, value.as_bytes(), expire, now).unwrap();
        plain.set(&id, key, value.as_bytes(), expire, now).unwrap();
      }
      80..=87 => {
        cached.del(&id, key, expire, now).unwrap();
        plain.del(&id, key, expire, now).unwrap();
      }
      88..=90 => {
        cached.del_all(&id).unwrap();
        plain.del_all(&id).unwrap();
      }
      91..=93 => {
        cached.revoke(&id, now).unwrap();
        plain.revoke(&id, now).unwrap();
      }
      94..=96 => {
        cached.extend(&id, expire, now).unwrap();
        plain.extend(&id, expire, now).unwrap();
      }
      _ => assert_eq!(cached.sweep(now, 5).unwrap(), plain.sweep(now, 5).unwrap(), "step {step}"),
    }
    // A read the cache answers must be what the engine answers (a read it answers leaves the
    // expiry as it is, so the uncached engine's read changes nothing the next steps see).
    let n = rng.gen_range(0..40);
    let probe = format!("s{n}");
    let expire = expires[n % 3];
    match cache.peek(&probe, key, expire, now) {
      Peek::Found(text) => {
        answered_from_memory += 1;
        assert_eq!(plain.get(&probe, key, expire, now).unwrap(), Some(text.into_bytes()), "step {step}");
      }
      Peek::Absent => assert_eq!(plain.get(&probe, key, expire, now).unwrap(), None, "step {step}"),
      Peek::Miss => {}
    }
    if let Peek::Found(text) = cache.peek_all(&probe, expire, now) {
      assert_eq!(plain.get_all(&probe, expire, now).unwrap(), text, "step {step}");
    }
  }
  assert!(answered_from_memory > 1000, "the cache answered only {answered_from_memory} reads");
  drop(cached);
  drop(plain);
  fs::remove_dir_all(cached_dir).unwrap();
  fs::remove_dir_all(plain_dir).unwrap();
}

/// What fjall 3 leaves when killed while creating its folder in place: `lock`, a preallocated
/// `0.jnl`, an empty `keyspaces/`, no `version`.
fn leave_an_interrupted_creation(folder: &Path) {
  fs::create_dir_all(folder.join("keyspaces")).unwrap();
  fs::write(folder.join("lock"), b"").unwrap();
  fs::File::create(folder.join("0.jnl")).unwrap().set_len(1 << 20).unwrap();
}

#[test]
fn a_creation_killed_midway_is_made_again_at_the_next_open() {
  for leftover in [ENGINE_DIR, "fjall3.making"] {
    let dir = temp_dir(&format!("interrupted-{leftover}"));
    leave_an_interrupted_creation(&dir.join(leftover));
    let mut e = Engine::open(&dir, false).unwrap_or_else(|err| panic!("{leftover}: {err}"));
    e.set("s", "k", b"1", HOUR, T0).unwrap();
    e.close().unwrap();
    let mut again = Engine::open(&dir, false).unwrap();
    assert_eq!(again.get("s", "k", HOUR, T0).unwrap().as_deref(), Some(&b"1"[..]));
    again.close().unwrap();
    assert!(!dir.join("fjall3.making").exists());
    fs::remove_dir_all(dir).unwrap();
  }
}

#[test]
fn a_folder_with_data_but_no_version_file_is_reported_not_removed() {
  let (mut e, dir) = engine("no-version", with_index());
  e.set("s", "k", b"1", HOUR, T0).unwrap();
  e.close().unwrap();
  fs::remove_file(dir.join(ENGINE_DIR).join("version")).unwrap();
  let before = {
    let mut files = Vec::new();
    files_under(&dir.join(ENGINE_DIR), &mut files);
    files.len()
  };
  assert!(Engine::open(&dir, false).is_err());
  let mut after = Vec::new();
  files_under(&dir.join(ENGINE_DIR), &mut after);
  assert_eq!(after.len(), before, "nothing of the damaged database is deleted");
  fs::remove_dir_all(dir).unwrap();
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
  ids.sort();
  ids
}

fn ids_list_live_sessions_only(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  e.set("a", "k", b"1", HOUR, T0).unwrap();
  e.set("b", "k1", b"1", HOUR, T0).unwrap();
  e.set("b", "k2", b"2", HOUR, T0).unwrap();
  e.set("emptied", "k", b"1", HOUR, T0).unwrap();
  e.del("emptied", "k", HOUR, T0).unwrap();
  e.set("revoked", "k", b"1", HOUR, T0).unwrap();
  e.revoke("revoked", T0).unwrap();
  e.set("moved", "k", b"1", HOUR, T0).unwrap();
  e.move_to("moved", "moved-to", HOUR, T0).unwrap();
  e.set("short", "k", b"1", 1_000, T0).unwrap();
  e.set("\u{0}user:alice", "h", b"{}", HOUR, T0).unwrap();
  let later = T0 + 2_000; // "short" has expired and no sweep has run
  assert_eq!(sorted(e.ids(later).unwrap()), ["a", "b", "moved-to"]);
  assert_eq!(e.live_count(later).unwrap(), 3);
  assert_eq!(sorted(e.ids(T0).unwrap()), ["a", "b", "moved-to", "short"], "before its expiry it is listed");
  e.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}

#[test]
fn ids_list_live_sessions_only_with_the_memory_index() {
  ids_list_live_sessions_only(with_index(), "ids-index");
}

#[test]
fn ids_list_live_sessions_only_without_the_memory_index() {
  ids_list_live_sessions_only(without_index(), "ids-no-index");
}

fn clear_removes_everything(opts: Options, name: &str) {
  let (mut e, dir) = engine(name, opts);
  for i in 0..25_000 {
    e.set(&format!("s{i}"), "k", b"1", HOUR, T0).unwrap();
  }
  e.revoke("s0", T0).unwrap();
  e.clear().unwrap();
  e.commit().unwrap();
  assert!(e.ids(T0).unwrap().is_empty());
  assert_eq!(e.ks.iter().count(), 0, "no record is left: data, meta or index");
  assert_eq!(e.get("s1", "k", HOUR, T0).unwrap(), None);
  assert_eq!(e.indexed_sessions().unwrap_or(0), 0);
  e.set("s0", "k", b"2", HOUR, T0).unwrap();
  assert_eq!(e.get("s0", "k", HOUR, T0).unwrap().as_deref(), Some(&b"2"[..]), "the tombstone went too");
  e.close().unwrap();
  let mut again = Engine::open_with(&dir, Options { sync: false, ..Options::default() }).unwrap();
  assert_eq!(again.ids(T0).unwrap(), ["s0"], "the clear is durable");
  again.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}

#[test]
fn clear_removes_everything_with_the_memory_index() {
  clear_removes_everything(with_index(), "clear-index");
}

#[test]
fn clear_removes_everything_without_the_memory_index() {
  clear_removes_everything(without_index(), "clear-no-index");
}

#[test]
fn clear_empties_the_session_cache() {
  let (mut e, dir) = engine("clear-cache", with_index());
  e.set("s", "k", b"1", HOUR, T0).unwrap();
  assert!(!e.cache().is_empty());
  e.clear().unwrap();
  assert!(e.cache().is_empty());
  e.close().unwrap();
  fs::remove_dir_all(dir).unwrap();
}
