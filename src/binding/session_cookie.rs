use napi::bindgen_prelude::{Buffer, Error, Result, Status};
use napi_derive::napi;

use crate::cookie::keygrip::Keygrip;
use crate::cookie::set_cookie::CookieAttributes;
use crate::cookie::SessionCookie;

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

  /// The whole per-request step in one call. Returns the Set-Cookie values and then the token,
  /// joined by `\n` (which none of them can contain): one JavaScript string and a `split` cost
  /// half of what building an array through N-API does.
  #[napi]
  pub fn begin(&self, cookie_header: Option<String>, now_ms: f64, secure: bool) -> String {
    join(self.inner.begin(cookie_header.as_deref(), now_ms, secure, false))
  }

  /// `begin` for lazy sessions: a new token comes back with no Set-Cookie values before it (the
  /// text starts with `\n`); the cookie is written with `issue` on the session's first write.
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

/// Set-Cookie values, then the token, joined by `\n`.
fn join(begun: crate::cookie::Begun) -> String {
  let mut out = begun.set_cookies.join("\n");
  out.push('\n');
  out.push_str(&begun.token);
  out
}
