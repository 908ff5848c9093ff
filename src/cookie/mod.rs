//! The request path, in one call per request: the Cookie header ([`header`]) → the token, its
//! signature verified ([`keygrip`]) or a new one made ([`token`]) → the Set-Cookie lines
//! ([`set_cookie`], dated by [`http_date`]). [`base64`] is the encoding of tokens and signatures.

pub mod base64;
pub mod header;
pub mod http_date;
pub mod keygrip;
pub mod set_cookie;
pub mod token;

use std::cell::RefCell;

use keygrip::Keygrip;
use set_cookie::{CookieAttributes, Template};

/// How one session cookie is read and written: its name, its lifetime and, when cookies are
/// signed, the keys.
pub struct SessionCookie {
  name: String,
  sig_name: String,
  expire_ms: f64,
  keygrip: Option<Keygrip>,
  template: Template,
  /// The last `expires` written, by second: every request in the same second shares it.
  last_expires: RefCell<(i64, String)>,
}

/// What a request's session cookie step produced.
#[derive(Debug)]
pub struct Begun {
  /// The session token: the request's own when it carried a valid one, else a new one.
  pub token: String,
  /// The response's `Set-Cookie` values: the cookie, then its `.sig` when signed.
  pub set_cookies: Vec<String>,
  /// What the request carried, which is why the token is its own or a new one.
  pub carried: Carried,
}

/// What a request's session cookie was. Anything but [`Carried::Token`] starts a new session;
/// [`Carried::Malformed`] and [`Carried::BadSignature`] are the rejections the
/// `generic-session:rejected` channel reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carried {
  /// A token, validly signed when cookies are.
  Token,
  /// No session cookie, or an empty one (what a client may send back after `destroy()`).
  Nothing,
  /// A value that is not a token ([`token::is_plausible`]).
  Malformed,
  /// A token whose `.sig` is missing or verifies under none of the keys.
  BadSignature,
}

/// When a cookie cleared by `destroy()` expired: the epoch.
const EPOCH: &str = "Thu, 01 Jan 1970 00:00:00 GMT";

impl SessionCookie {
  /// A cookie called `name` that lives `expire_ms` from each request, signed when `keygrip` is set,
  /// written with `attributes`.
  pub fn new(name: &str, expire_ms: f64, keygrip: Option<Keygrip>, attributes: &CookieAttributes) -> Self {
    SessionCookie {
      name: name.to_owned(),
      sig_name: format!("{name}.sig"),
      expire_ms,
      keygrip,
      template: Template::new(attributes),
      last_expires: RefCell::new((0, EPOCH.to_owned())),
    }
  }

  /// Reads the request's token or makes a new one, and writes the cookie for the response.
  ///
  /// A missing, malformed or badly signed cookie is no cookie: a new token. A signature by an
  /// older key is accepted and the cookie re-signed with the newest. `lazy`: a new token gets no
  /// cookie yet (the session writes it with [`Self::issue`] on its first write).
  pub fn begin(&self, cookie_header: Option<&str>, now_ms: f64, secure: bool, lazy: bool) -> Begun {
    let read = cookie_header.map_or(Err(Carried::Nothing), |header| self.verified_token(header));
    let (token, signature, carried) = match read {
      // Signed by the newest key: the signature it came with is the one to send back.
      Ok((token, Some((0, signature)))) => (token.to_owned(), Some(signature.to_owned()), Carried::Token),
      Ok((token, _)) => (token.to_owned(), self.sign(token), Carried::Token),
      Err(carried) if lazy => return Begun { token: token::generate(), set_cookies: Vec::new(), carried },
      Err(carried) => {
        let token = token::generate();
        let signature = self.sign(&token);
        (token, signature, carried)
      }
    };
    let set_cookies = self.lines(&token, signature.as_deref(), self.expires_at(now_ms), secure);
    Begun { token, set_cookies, carried }
  }

  /// The cookie for `token`, signed with the newest key when signing, as written at `now_ms`
  /// (`session.regenerate()` writes its new token with it).
  pub fn issue(&self, token: &str, now_ms: f64, secure: bool) -> Vec<String> {
    self.lines(token, self.sign(token).as_deref(), self.expires_at(now_ms), secure)
  }

  /// The lines that make the client drop the cookie: an empty value that expired in 1970, signed
  /// when cookies are, as `destroy()` sends them.
  pub fn clearing(&self, secure: bool) -> Vec<String> {
    self.lines("", self.sign("").as_deref(), 0, secure)
  }

  /// The cookie's raw value and its `.sig` value, for signing done outside (a Keygrip-like
  /// object from JavaScript). Implausible values are dropped here already.
  pub fn raw<'h>(&self, cookie_header: &'h str) -> (Option<&'h str>, Option<&'h str>) {
    let value = header::find(cookie_header, &self.name).filter(|v| token::is_plausible(v));
    let signature = value.and_then(|_| header::find(cookie_header, &self.sig_name));
    (value, signature)
  }

  /// When a cookie written at `now_ms` expires, in whole seconds (as `Date#toUTCString` rounds).
  pub fn expires_at(&self, now_ms: f64) -> i64 {
    ((now_ms + self.expire_ms) / 1000.0).floor() as i64
  }

  /// The `Set-Cookie` values for `token` and, when given, its signature, expiring at
  /// `expires_at` (seconds since the epoch; 0 for a cleared cookie).
  pub fn lines(&self, token: &str, signature: Option<&str>, expires_at: i64, secure: bool) -> Vec<String> {
    let mut cached = self.last_expires.borrow_mut();
    if cached.0 != expires_at {
      *cached = (expires_at, http_date::format(expires_at));
    }
    let mut lines = Vec::with_capacity(2);
    lines.push(self.template.serialize(&self.name, token, &cached.1, secure));
    if let Some(signature) = signature {
      lines.push(self.template.serialize(&self.sig_name, signature, &cached.1, secure));
    }
    lines
  }

  /// The cookie's value as the request carries it, token or not (`None` without the cookie).
  pub fn claimed<'h>(&self, cookie_header: &'h str) -> Option<&'h str> {
    header::find(cookie_header, &self.name)
  }

  /// The token in the header, if plausible and (when signing) validly signed, with the index of
  /// the key that signed it and the signature; else what the header carried instead.
  #[allow(clippy::type_complexity)]
  fn verified_token<'h>(&self, header: &'h str) -> Result<(&'h str, Option<(usize, &'h str)>), Carried> {
    let value = match self.claimed(header) {
      None | Some("") => return Err(Carried::Nothing),
      Some(value) if !token::is_plausible(value) => return Err(Carried::Malformed),
      Some(value) => value,
    };
    let Some(keygrip) = &self.keygrip else { return Ok((value, None)) };
    let signature = header::find(header, &self.sig_name).ok_or(Carried::BadSignature)?;
    let index = keygrip.index(&self.signed_parts(value), signature).ok_or(Carried::BadSignature)?;
    Ok((value, Some((index, signature))))
  }

  fn sign(&self, value: &str) -> Option<String> {
    self.keygrip.as_ref().map(|keygrip| keygrip.sign(&self.signed_parts(value)))
  }

  /// What Keygrip signs for a cookie: `name=value`.
  fn signed_parts<'a>(&'a self, value: &'a str) -> [&'a [u8]; 3] {
    [self.name.as_bytes(), b"=", value.as_bytes()]
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const NOW_MS: f64 = 1_700_000_000_000.0;

  fn signed(keys: &[&str]) -> SessionCookie {
    SessionCookie::new("s", 3_600_000.0, Keygrip::new(keys), &CookieAttributes::default())
  }

  fn sign(key: &str, data: &str) -> String {
    Keygrip::new(&[key]).unwrap().sign(&[data.as_bytes()])
  }

  #[test]
  fn keeps_a_carried_token() {
    let cookie = SessionCookie::new("s", 3_600_000.0, None, &CookieAttributes::default());
    let begun = cookie.begin(Some("a=1; s=abcd"), NOW_MS, false, false);
    assert_eq!(begun.token, "abcd");
    assert_eq!(begun.set_cookies, vec!["s=abcd; path=/; expires=Tue, 14 Nov 2023 23:13:20 GMT; httponly"]);
  }

  #[test]
  fn refreshes_expires_as_time_passes() {
    let cookie = SessionCookie::new("s", 3_600_000.0, None, &CookieAttributes::default());
    cookie.begin(Some("s=abcd"), NOW_MS, false, false);
    let later = cookie.begin(Some("s=abcd"), NOW_MS + 1000.0, false, false);
    assert_eq!(later.set_cookies, vec!["s=abcd; path=/; expires=Tue, 14 Nov 2023 23:13:21 GMT; httponly"]);
  }

  #[test]
  fn makes_a_token_when_there_is_none() {
    let cookie = SessionCookie::new("s", 1000.0, None, &CookieAttributes::default());
    let begun = cookie.begin(None, NOW_MS, false, false);
    assert_eq!(begun.token.len(), 40);
    assert!(begun.set_cookies[0].starts_with(&format!("s={}; path=/", begun.token)));
  }

  #[test]
  fn replaces_garbage_with_a_new_token() {
    let cookie = SessionCookie::new("s", 1000.0, None, &CookieAttributes::default());
    for header in ["s=", "s=a b", "s=\u{1}\u{2}", &format!("s={}", "A".repeat(9000))] {
      assert_eq!(cookie.begin(Some(header), NOW_MS, false, false).token.len(), 40, "{header:?}");
    }
  }

  #[test]
  fn accepts_a_valid_signature_and_sends_it_back() {
    let cookie = signed(&["k1"]);
    let first = cookie.begin(None, NOW_MS, false, false);
    let sig = first.set_cookies[1].split(';').next().unwrap().to_owned();
    let header = format!("s={}; {}", first.token, sig);
    let again = cookie.begin(Some(&header), NOW_MS, false, false);
    assert_eq!(again.token, first.token);
    assert_eq!(again.set_cookies, first.set_cookies);
  }

  #[test]
  fn rejects_a_tampered_or_unsigned_cookie() {
    let cookie = signed(&["k1"]);
    let sig = sign("k1", "s=abcd");
    assert_ne!(cookie.begin(Some(&format!("s=abce; s.sig={sig}")), NOW_MS, false, false).token, "abce");
    assert_ne!(cookie.begin(Some("s=abcd"), NOW_MS, false, false).token, "abcd");
    assert_eq!(cookie.begin(Some(&format!("s=abcd; s.sig={sig}")), NOW_MS, false, false).token, "abcd");
  }

  #[test]
  fn re_signs_with_the_newest_key() {
    let old_sig = sign("old", "s=abcd");
    let new_sig = sign("new", "s=abcd");
    let begun = signed(&["new", "old"]).begin(Some(&format!("s=abcd; s.sig={old_sig}")), NOW_MS, false, false);
    assert_eq!(begun.token, "abcd");
    assert!(begun.set_cookies[1].starts_with(&format!("s.sig={new_sig};")));
  }

  #[test]
  fn clearing_expires_in_1970_and_is_signed() {
    let lines = signed(&["k1"]).clearing(true);
    let sig = sign("k1", "s=");
    assert_eq!(lines[0], "s=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; secure; httponly");
    assert_eq!(lines[1], format!("s.sig={sig}; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; secure; httponly"));
  }

  #[test]
  fn issue_signs_a_given_token_with_the_newest_key() {
    let cookie = signed(&["new", "old"]);
    let lines = cookie.issue("tok", 0.0, false);
    assert!(lines[0].starts_with("s=tok; path=/; expires="));
    assert!(lines[1].starts_with(&format!("s.sig={}; ", sign("new", "s=tok"))));
  }

  #[test]
  fn says_what_the_request_carried() {
    let cookie = signed(&["new", "old"]);
    let carried = |header: Option<&str>| cookie.begin(header, NOW_MS, false, false).carried;
    let old_sig = sign("old", "s=abcd");
    assert_eq!(carried(Some(&format!("s=abcd; s.sig={}", sign("new", "s=abcd")))), Carried::Token);
    assert_eq!(carried(Some(&format!("s=abcd; s.sig={old_sig}"))), Carried::Token, "an older key's signature");
    assert_eq!(carried(None), Carried::Nothing);
    assert_eq!(carried(Some("other=1")), Carried::Nothing);
    assert_eq!(
      carried(Some(&format!("s=; s.sig={}", sign("new", "s=")))),
      Carried::Nothing,
      "the cookie destroy() clears"
    );
    assert_eq!(carried(Some("s=a b")), Carried::Malformed);
    assert_eq!(carried(Some(&format!("s={}", "A".repeat(257)))), Carried::Malformed);
    assert_eq!(carried(Some("s=abcd")), Carried::BadSignature, "no .sig");
    assert_eq!(carried(Some(&format!("s=abce; s.sig={old_sig}"))), Carried::BadSignature);
    let unsigned = SessionCookie::new("s", 1000.0, None, &CookieAttributes::default());
    assert_eq!(unsigned.begin(Some("s=abcd"), NOW_MS, false, true).carried, Carried::Token);
    assert_eq!(unsigned.begin(Some("s=\"x\""), NOW_MS, false, true).carried, Carried::Malformed, "lazy too");
  }

  #[test]
  fn claimed_is_the_value_whatever_it_is() {
    let cookie = signed(&["k"]);
    assert_eq!(cookie.claimed("a=1; s=a b"), Some("a b"));
    assert_eq!(cookie.claimed("a=1"), None);
  }

  #[test]
  fn lazy_writes_no_cookie_for_a_new_token_but_refreshes_a_carried_one() {
    let cookie = signed(&["k"]);
    let fresh = cookie.begin(None, NOW_MS, false, true);
    assert_eq!(fresh.token.len(), 40);
    assert!(fresh.set_cookies.is_empty());
    let header = format!("s=abcd; s.sig={}", sign("k", "s=abcd"));
    let carried = cookie.begin(Some(&header), NOW_MS, false, true);
    assert_eq!(carried.token, "abcd");
    assert_eq!(carried.set_cookies.len(), 2);
  }
}
