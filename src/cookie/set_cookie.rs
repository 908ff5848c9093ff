//! `Set-Cookie` header values, in the attribute order of the `cookies` package the original used:
//! `name=value; path=<p>; expires=<date>[; domain=<d>][; priority=<p>][; samesite=<s>][; secure]
//! [; httponly][; partitioned]`.

/// The attributes a session cookie is configured with once (options `path`, `domain`,
/// `priority`, `sameSite`, `httpOnly`, `partitioned`), already checked by `lib/options.js`.
#[derive(Clone, Debug, PartialEq)]
pub struct CookieAttributes {
  pub path: String,
  pub domain: Option<String>,
  /// `low`, `medium` or `high`.
  pub priority: Option<String>,
  /// `lax`, `strict` or `none`.
  pub same_site: Option<String>,
  pub http_only: bool,
  pub partitioned: bool,
}

impl Default for CookieAttributes {
  /// The original's cookie: `path=/` and `httponly`, nothing else.
  fn default() -> Self {
    CookieAttributes {
      path: "/".into(),
      domain: None,
      priority: None,
      same_site: None,
      http_only: true,
      partitioned: false,
    }
  }
}

/// The fixed text of a configured cookie around its two per-request parts (`expires` and `secure`).
#[derive(Clone, Debug)]
pub struct Template {
  /// `; path=<p>; expires=`
  before_expires: String,
  /// `[; domain=..][; priority=..][; samesite=..]`
  after_expires: String,
  /// `[; httponly][; partitioned]`
  after_secure: String,
}

impl Template {
  pub fn new(attributes: &CookieAttributes) -> Self {
    let mut after_expires = String::new();
    for (name, value) in
      [("domain", &attributes.domain), ("priority", &attributes.priority), ("samesite", &attributes.same_site)]
    {
      if let Some(value) = value {
        after_expires.push_str("; ");
        after_expires.push_str(name);
        after_expires.push('=');
        after_expires.push_str(value);
      }
    }
    let mut after_secure = String::new();
    if attributes.http_only {
      after_secure.push_str("; httponly");
    }
    if attributes.partitioned {
      after_secure.push_str("; partitioned");
    }
    Template { before_expires: format!("; path={}; expires=", attributes.path), after_expires, after_secure }
  }

  /// One `Set-Cookie` value. `expires` is an HTTP date (see [`super::http_date`]); `secure` is
  /// decided per request.
  ///
  /// ```
  /// use generic_session::cookie::set_cookie::{CookieAttributes, Template};
  /// let template = Template::new(&CookieAttributes::default());
  /// let line = template.serialize("s", "abc", "Thu, 01 Jan 1970 00:00:00 GMT", false);
  /// assert_eq!(line, "s=abc; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; httponly");
  /// ```
  pub fn serialize(&self, name: &str, value: &str, expires: &str, secure: bool) -> String {
    let mut line = String::with_capacity(
      name.len()
        + value.len()
        + self.before_expires.len()
        + expires.len()
        + self.after_expires.len()
        + self.after_secure.len()
        + 9,
    );
    line.push_str(name);
    line.push('=');
    line.push_str(value);
    line.push_str(&self.before_expires);
    line.push_str(expires);
    line.push_str(&self.after_expires);
    if secure {
      line.push_str("; secure");
    }
    line.push_str(&self.after_secure);
    line
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const DATE: &str = "Fri, 02 Jan 1970 00:00:00 GMT";

  #[test]
  fn adds_secure_before_httponly() {
    let line = Template::new(&CookieAttributes::default()).serialize("s", "v", DATE, true);
    assert_eq!(line, "s=v; path=/; expires=Fri, 02 Jan 1970 00:00:00 GMT; secure; httponly");
  }

  #[test]
  fn writes_every_attribute_in_the_order_of_the_cookies_package() {
    let attributes = CookieAttributes {
      path: "/app".into(),
      domain: Some("example.com".into()),
      priority: Some("high".into()),
      same_site: Some("strict".into()),
      http_only: true,
      partitioned: true,
    };
    let line = Template::new(&attributes).serialize("s", "v", DATE, true);
    assert_eq!(
      line,
      "s=v; path=/app; expires=Fri, 02 Jan 1970 00:00:00 GMT; domain=example.com; priority=high; samesite=strict; secure; httponly; partitioned"
    );
  }

  #[test]
  fn leaves_out_httponly_when_asked() {
    let attributes =
      CookieAttributes { http_only: false, same_site: Some("lax".into()), ..CookieAttributes::default() };
    let line = Template::new(&attributes).serialize("s", "v", DATE, false);
    assert_eq!(line, "s=v; path=/; expires=Fri, 02 Jan 1970 00:00:00 GMT; samesite=lax");
  }
}
