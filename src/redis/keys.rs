//! Redis key names. A session is one hash, `<prefix>{<id>}`: the braces are a Redis Cluster hash
//! tag, so every key that belongs to one session (the hash, and any companion key named
//! `<prefix>{<id>}:<suffix>`) hashes to the same slot, and multi-key steps on one session work in
//! a cluster. Standalone servers use the same names, so data moves between the two unchanged.

/// The hash that holds session `id`'s data, one field per session key.
pub fn session_key(prefix: &str, id: &str) -> String {
  let mut key = String::with_capacity(prefix.len() + id.len() + 2);
  key.push_str(prefix);
  key.push('{');
  key.push_str(id);
  key.push('}');
  key
}

/// The session id a key name holds, if it is one of this store's (`<prefix>{<id>}`).
pub fn id_in<'k>(prefix: &str, key: &'k str) -> Option<&'k str> {
  key.strip_prefix(prefix)?.strip_prefix('{')?.strip_suffix('}')
}

/// The SCAN pattern that matches this store's key names, and (with TYPE hash) nothing else but a
/// hash someone else named so: the prefix's glob characters escaped, then `{*}`.
pub fn pattern(prefix: &str) -> String {
  let mut out = String::with_capacity(prefix.len() + 3);
  for c in prefix.chars() {
    if matches!(c, '*' | '?' | '[' | ']' | '\\') {
      out.push('\\');
    }
    out.push(c);
  }
  out.push_str("{*}");
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_id_is_the_hash_tag() {
    assert_eq!(session_key("", "session:abc"), "{session:abc}");
    assert_eq!(session_key("app1:", "session:abc"), "app1:{session:abc}");
  }

  #[test]
  fn a_key_gives_back_its_id() {
    assert_eq!(id_in("app1:", &session_key("app1:", "session:a}b")), Some("session:a}b"));
    assert_eq!(id_in("app1:", "app2:{session:a}"), None);
    assert_eq!(id_in("", "plain"), None);
  }

  #[test]
  fn the_pattern_escapes_the_prefix() {
    assert_eq!(pattern(""), "{*}");
    assert_eq!(pattern("a*b?[c]\\:"), "a\\*b\\?\\[c\\]\\\\:{*}");
  }
}
