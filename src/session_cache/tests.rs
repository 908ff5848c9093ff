use super::*;

const DAY: u64 = 24 * 3600 * 1000;
const NOW: u64 = 1_000_000_000_000;

fn cache() -> Arc<SessionCache> {
  SessionCache::new(1 << 20, 100)
}

#[test]
fn a_created_session_answers_every_key() {
  let c = cache();
  c.created("a", NOW + DAY, "k", b"1");
  assert_eq!(c.peek("a", "k", DAY, NOW), Peek::Found("1".into()));
  assert_eq!(c.peek("a", "other", DAY, NOW), Peek::Absent);
  assert_eq!(c.peek_all("a", DAY, NOW), Peek::Found(r#"{"k":1}"#.into()));
}

#[test]
fn a_session_read_in_part_misses_what_it_has_not_seen() {
  let c = cache();
  c.read("a", NOW + DAY, "k", Some(b"\"v\""));
  c.read("a", NOW + DAY, "gone", None);
  assert_eq!(c.peek("a", "k", DAY, NOW), Peek::Found("\"v\"".into()));
  assert_eq!(c.peek("a", "gone", DAY, NOW), Peek::Absent);
  assert_eq!(c.peek("a", "unseen", DAY, NOW), Peek::Miss);
  assert_eq!(c.peek_all("a", DAY, NOW), Peek::Miss);
  assert_eq!(c.known("a", "unseen"), None);
  assert_eq!(c.known("a", "gone"), Some(None));
}

#[test]
fn changes_to_an_uncached_session_cache_nothing() {
  let c = cache();
  c.changed("a", "k", Some(b"1"));
  c.expiry("a", NOW + DAY);
  assert_eq!(c.peek("a", "k", DAY, NOW), Peek::Miss);
  assert!(c.is_empty());
}

#[test]
fn a_read_that_must_refresh_the_expiry_misses() {
  let c = cache();
  c.created("a", NOW + DAY, "k", b"1");
  // Within 1/100 of a day of the expiry the read would set: answered.
  assert_eq!(c.peek("a", "k", DAY, NOW + DAY / 100), Peek::Found("1".into()));
  // Past it, the read rewrites the expiry: the owner thread does that.
  assert_eq!(c.peek("a", "k", DAY, NOW + DAY / 100 + 1), Peek::Miss);
  // A different expire moves the wanted expiry too.
  assert_eq!(c.peek("a", "k", 2 * DAY, NOW), Peek::Miss);
}

#[test]
fn an_expired_removed_or_stopped_session_misses() {
  let c = cache();
  c.created("a", NOW + 10, "k", b"1");
  assert_eq!(c.peek("a", "k", 10, NOW + 10), Peek::Miss);
  c.created("b", NOW + DAY, "k", b"1");
  c.removed("b");
  assert_eq!(c.peek("b", "k", DAY, NOW), Peek::Miss);
  c.created("c", NOW + DAY, "k", b"1");
  c.stop();
  assert_eq!(c.peek("c", "k", DAY, NOW), Peek::Miss);
  assert_eq!(c.peek_all("c", DAY, NOW), Peek::Miss);
}

#[test]
fn a_deleted_key_is_known_absent() {
  let c = cache();
  c.read_all("a", NOW + DAY, [(&b"k"[..], &b"1"[..]), (&b"j"[..], &b"2"[..])].into_iter());
  c.changed("a", "k", None);
  assert_eq!(c.peek("a", "k", DAY, NOW), Peek::Absent);
  assert_eq!(c.peek_all("a", DAY, NOW), Peek::Found(r#"{"j":2}"#.into()));
}

#[test]
fn the_bound_holds() {
  let c = SessionCache::new(64 << 10, 100);
  for i in 0..10_000 {
    let id = format!("session:{i}");
    c.created(&id, NOW + DAY, "profile", br#"{"user":1,"name":"someone"}"#);
  }
  let weight = c.entries.as_ref().unwrap().weight();
  assert!(weight <= 64 << 10, "{weight}");
  assert!(c.len() > 100 && c.len() < 10_000, "{}", c.len());
}

#[test]
fn a_zero_size_caches_nothing() {
  let c = SessionCache::new(0, 100);
  c.created("a", NOW + DAY, "k", b"1");
  assert_eq!(c.peek_all("a", DAY, NOW), Peek::Miss);
  assert_eq!(c.known("a", "k"), None);
}
