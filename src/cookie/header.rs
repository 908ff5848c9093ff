//! Reading one cookie out of a `Cookie` request header.

/// The value of the first cookie called `name` in a `Cookie` header.
///
/// Matches the `cookies` package the original used (`/(?:^|;) *name=([^;]*)/`): pairs are split
/// on `;`, leading spaces are skipped, the value runs to the next `;` and is not decoded.
///
/// ```
/// use generic_session::cookie::header::find;
/// assert_eq!(find("a=1; s=abc; s=def", "s"), Some("abc"));
/// assert_eq!(find("as=1", "s"), None);
/// ```
pub fn find<'h>(header: &'h str, name: &str) -> Option<&'h str> {
  header.split(';').find_map(|pair| {
    let pair = pair.trim_start_matches(' ');
    pair.strip_prefix(name)?.strip_prefix('=')
  })
}

#[cfg(test)]
mod tests {
  use super::find;

  #[test]
  fn finds_a_cookie_among_others() {
    assert_eq!(find("x=1; s=tok; y=2", "s"), Some("tok"));
  }

  #[test]
  fn takes_the_first_of_duplicates() {
    assert_eq!(find("s=first;s=second", "s"), Some("first"));
  }

  #[test]
  fn does_not_match_a_longer_name() {
    assert_eq!(find("ss=1; s.sig=2", "s"), None);
    assert_eq!(find("ss=1; s.sig=2", "s.sig"), Some("2"));
  }

  #[test]
  fn keeps_an_empty_value_and_inner_spaces() {
    assert_eq!(find("s=", "s"), Some(""));
    assert_eq!(find("s=a b ;t=1", "s"), Some("a b "));
  }

  #[test]
  fn missing_cookie_is_none() {
    assert_eq!(find("", "s"), None);
    assert_eq!(find(";;;", "s"), None);
  }
}
