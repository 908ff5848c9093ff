//! `Set-Cookie` header values, in the attribute order of the `cookies` package the original used.

/// Attributes of a session cookie.
#[derive(Clone, Copy, Debug)]
pub struct Attributes<'a> {
  /// `expires=`, already formatted as an HTTP date (see [`crate::http_date`]).
  pub expires: &'a str,
  /// `secure`: only when the request came over TLS (as `cookies` 0.5 decided).
  pub secure: bool,
}

/// `name=value; path=/; expires=<date>[; secure]; httponly`.
///
/// ```
/// use generic_session::set_cookie::{serialize, Attributes};
/// let line = serialize("s", "abc", Attributes { expires: "Thu, 01 Jan 1970 00:00:00 GMT", secure: false });
/// assert_eq!(line, "s=abc; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly");
/// ```
pub fn serialize(name: &str, value: &str, attributes: Attributes) -> String {
  let mut line = String::with_capacity(name.len() + value.len() + 72);
  line.push_str(name);
  line.push('=');
  line.push_str(value);
  line.push_str("; path=/; expires=");
  line.push_str(attributes.expires);
  if attributes.secure {
    line.push_str("; secure");
  }
  line.push_str("; httponly");
  line
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn adds_secure_before_httponly() {
    let line = serialize("s", "v", Attributes { expires: "Fri, 02 Jan 1970 00:00:00 GMT", secure: true });
    assert_eq!(line, "s=v; path=/; expires=Fri, 02 Jan 1970 00:00:00 GMT; secure; httponly");
  }
}
