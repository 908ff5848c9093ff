use napi::bindgen_prelude::{Buffer, Error, Result, Status};
use napi_derive::napi;

use crate::cookie::keygrip::Keygrip;
use crate::cookie::set_cookie::CookieAttributes;
use crate::cookie::{Begun, Carried, SessionCookie};

/// The cookie's fixed attributes, as `lib/options.js` has checked them.
#[napi(object)]
pub struct CookieAttributeOptions {
  pub path: String,
  pub domain: Option<String>,
  /// `low`, `medium` or `high`.
  pub priority: Option<String>,
  /// `lax`, `strict` or `none`; absent for no SameSite attribute.
  pub same_site: Option<String>,
  pub http_only: bool,
  pub partitioned: bool,
}

/// The session cookie's request step, configured once per options object.
#[napi(js_name = "SessionCookie")]
pub struct JsSessionCookie {
  inner: SessionCookie,
}

#[napi]
impl JsSessionCookie {
  /// `keys`: the signing keys, newest first; absent for unsigned cookies.
  #[napi(constructor)]
  pub fn new(
    name: String,
    expire_ms: f64,
    keys: Option<Vec<Buffer>>,
    attributes: CookieAttributeOptions,
  ) -> Result<Self> {
    let keygrip = match keys {
      None => None,
      Some(keys) => Some(Keygrip::new(&keys).ok_or_else(|| Error::new(Status::InvalidArg, "invalid keys provided"))?),
    };
    let attributes = CookieAttributes {
      path: attributes.path,
      domain: attributes.domain,
      priority: attributes.priority,
      same_site: attributes.same_site,
      http_only: attributes.http_only,
      partitioned: attributes.partitioned,
    };
    Ok(JsSessionCookie { inner: SessionCookie::new(&name, expire_ms, keygrip, &attributes) })
  }

  /// The whole per-request step in one call. Returns what the request carried (one digit, see
  /// [`join`]), the Set-Cookie values and then the token, joined by `\n` (which none of them can
  /// contain): one JavaScript string and a `split` cost half of what building an array through
  /// N-API does.
  #[napi]
  pub fn begin(&self, cookie_header: Option<String>, now_ms: f64, secure: bool) -> String {
    join(self.inner.begin(cookie_header.as_deref(), now_ms, secure, false))
  }

  /// `begin` for lazy sessions: a new token comes back with no Set-Cookie values before it (the
  /// digit is followed by `\n`); the cookie is written with `issue` on the session's first write.
  #[napi]
  pub fn begin_lazy(&self, cookie_header: Option<String>, now_ms: f64, secure: bool) -> String {
    join(self.inner.begin(cookie_header.as_deref(), now_ms, secure, true))
  }

  /// `Set-Cookie` values for `token`, signed when cookies are, written at `nowMs` (for
  /// `regenerate()`).
  #[napi]
  pub fn issue(&self, token: String, now_ms: f64, secure: bool) -> Vec<String> {
    self.inner.issue(&token, now_ms, secure)
  }

  /// `Set-Cookie` values that make the client drop the cookie (for `destroy()`).
  #[napi]
  pub fn clearing(&self, secure: bool) -> Vec<String> {
    self.inner.clearing(secure)
  }

  /// `[value, signature]` as the request carries them, for a Keygrip-like object to verify.
  #[napi]
  pub fn raw(&self, cookie_header: String) -> Vec<Option<String>> {
    let (value, signature) = self.inner.raw(&cookie_header);
    vec![value.map(str::to_owned), signature.map(str::to_owned)]
  }

  /// The cookie's value as the request carries it, token or not: what a rejected cookie claimed
  /// (lib/session-cookie.js asks only when someone listens for rejections).
  #[napi]
  pub fn claimed(&self, cookie_header: String) -> Option<String> {
    self.inner.claimed(&cookie_header).map(str::to_owned)
  }

  /// `Set-Cookie` values for `token` (and its signature, when given) expiring at `expiresAtMs`
  /// (milliseconds since the epoch; `0` clears the cookie).
  #[napi]
  pub fn lines(&self, token: String, signature: Option<String>, expires_at_ms: f64, secure: bool) -> Vec<String> {
    self.inner.lines(&token, signature.as_deref(), (expires_at_ms / 1000.0).floor() as i64, secure)
  }
}

/// A new session token: 30 random bytes from a CSPRNG, base64 (40 characters).
#[napi]
pub fn new_token() -> String {
  crate::cookie::token::generate()
}

/// What the request carried as one digit (lib/session-cookie.js reads the same codes): `0` a token,
/// `1` nothing, `2` a malformed value, `3` a bad signature; then the Set-Cookie values and the
/// token, joined by `\n`.
fn join(begun: Begun) -> String {
  let mut out = String::with_capacity(begun.set_cookies.iter().map(|line| line.len() + 1).sum::<usize>() + 42);
  out.push(match begun.carried {
    Carried::Token => '0',
    Carried::Nothing => '1',
    Carried::Malformed => '2',
    Carried::BadSignature => '3',
  });
  for line in &begun.set_cookies {
    out.push_str(line);
    out.push('\n');
  }
  if begun.set_cookies.is_empty() {
    out.push('\n');
  }
  out.push_str(&begun.token);
  out
}
