//! Writing JSON text by hand where the values are already JSON: a stored session is a list of
//! (key, JSON value) records, and `getAll` joins them into one object text for `JSON.parse`.

use std::fmt::Write;

/// Appends `key` as a JSON string literal, escaped as `JSON.stringify` escapes it.
pub fn push_string(out: &mut String, key: &str) {
  out.push('"');
  for c in key.chars() {
    match c {
      '"' => out.push_str("\\\""),
      '\\' => out.push_str("\\\\"),
      '\n' => out.push_str("\\n"),
      '\r' => out.push_str("\\r"),
      '\t' => out.push_str("\\t"),
      '\u{8}' => out.push_str("\\b"),
      '\u{c}' => out.push_str("\\f"),
      c if c < ' ' => {
        let _ = write!(out, "\\u{:04x}", c as u32);
      }
      c => out.push(c),
    }
  }
  out.push('"');
}

/// The length `push_string` would add for `key`, without writing it.
pub fn string_len(key: &str) -> usize {
  2 + key
    .chars()
    .map(|c| match c {
      '"' | '\\' | '\n' | '\r' | '\t' | '\u{8}' | '\u{c}' => 2,
      c if c < ' ' => 6,
      c => c.len_utf8(),
    })
    .sum::<usize>()
}

/// `["a","b"]`: the texts as a JSON array of strings.
pub fn string_array<'a>(texts: impl Iterator<Item = &'a str>, capacity: usize) -> String {
  let mut out = String::with_capacity(capacity);
  out.push('[');
  for (i, text) in texts.enumerate() {
    if i > 0 {
      out.push(',');
    }
    push_string(&mut out, text);
  }
  out.push(']');
  out
}

/// `{"k1":v1,"k2":v2}` from records whose values are JSON texts already.
pub fn object<'a>(entries: impl Iterator<Item = (&'a str, &'a str)>, capacity: usize) -> String {
  let mut out = String::with_capacity(capacity);
  out.push('{');
  for (i, (key, value)) in entries.enumerate() {
    if i > 0 {
      out.push(',');
    }
    push_string(&mut out, key);
    out.push(':');
    out.push_str(value);
  }
  out.push('}');
  out
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn escapes_like_json_stringify() {
    let key = "a\"b\\c\nd\u{1}é";
    let mut out = String::new();
    push_string(&mut out, key);
    assert_eq!(out, serde_json::to_string(key).unwrap());
    assert_eq!(string_len(key), out.len());
  }

  #[test]
  fn joins_records_into_an_object() {
    let text = object([("a", "1"), ("b", "{\"c\":[true]}")].into_iter(), 0);
    assert_eq!(text, r#"{"a":1,"b":{"c":[true]}}"#);
    assert_eq!(object(std::iter::empty(), 0), "{}");
  }
}
