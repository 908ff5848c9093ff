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

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn the_id_is_the_hash_tag() {
    assert_eq!(session_key("", "session:abc"), "{session:abc}");
    assert_eq!(session_key("app1:", "session:abc"), "app1:{session:abc}");
  }
}
