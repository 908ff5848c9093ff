'use strict'

// The session cookie of one request: read the token (verifying its signature) or make one, and
// write the cookie back. Three ways to do it, chosen once per options object:
//
// - nativeCookie: keys absent or an array of secrets. Parsing, verifying, signing and writing the
//   cookie are one native call per request.
// - keygripCookie: keys is a Keygrip-like object. Its sign/index do the signing; the rest is native.
// - managedCookie: options.cookies is a Cookies-compatible object, which then owns the headers.
//
// Each returns { begin(req, res, nowMs) -> token, clear(req, res), newToken(),
// write(req, res, token, nowMs) } (the last two for regenerate).

const { SessionCookie, newToken } = require('./native')
const { setCookies } = require('./response-cookies')

function nativeCookie ({ cookieName, expireMs, keys, attributes, secureFor }) {
  const core = new SessionCookie(cookieName, expireMs, keys ? keys.map((key) => Buffer.from(key)) : undefined, attributes)
  const names = [cookieName, cookieName + '.sig']
  return {
    begin (req, res, nowMs) {
      // One native call: "cookie\ntoken" or, when signed, "cookie\nsignature cookie\ntoken".
      const out = core.begin(req.headers.cookie, nowMs, secureFor(req))
      const last = out.lastIndexOf('\n')
      const first = out.indexOf('\n')
      setCookies(res, first === last ? [out.slice(0, last)] : [out.slice(0, first), out.slice(first + 1, last)], names)
      return out.slice(last + 1)
    },
    clear (req, res) {
      setCookies(res, core.clearing(secureFor(req)), names)
    },
    newToken,
    write (req, res, token, nowMs) {
      setCookies(res, core.issue(token, nowMs, secureFor(req)), names)
    }
  }
}

function keygripCookie ({ cookieName, expireMs, keys, attributes, secureFor }) {
  const core = new SessionCookie(cookieName, expireMs, undefined, attributes)
  const names = [cookieName, cookieName + '.sig']
  const signedData = (value) => cookieName + '=' + value
  return {
    begin (req, res, nowMs) {
      let token = null
      let signature = null
      const header = req.headers.cookie
      if (header) {
        const [value, remote] = core.raw(header)
        const index = value && remote ? keys.index(signedData(value), remote) : -1
        if (index >= 0) {
          token = value
          // Re-sign when an older key matched (key rotation).
          signature = index === 0 ? remote : keys.sign(signedData(value))
        }
      }
      if (token === null) {
        token = newToken()
        signature = keys.sign(signedData(token))
      }
      setCookies(res, core.lines(token, signature, nowMs + expireMs, secureFor(req)), names)
      return token
    },
    clear (req, res) {
      setCookies(res, core.lines('', keys.sign(signedData('')), 0, secureFor(req)), names)
    },
    newToken,
    write (req, res, token, nowMs) {
      setCookies(res, core.lines(token, keys.sign(signedData(token)), nowMs + expireMs, secureFor(req)), names)
    }
  }
}

// Calls the Cookies object as the original did, with the cookie's attributes added to the options
// (`secure` only when set to true or false: with 'auto' the Cookies object decides, as before).
function managedCookie ({ cookieName, expireMs, keys, attributes, secure }, cookies) {
  const signed = Boolean(keys)
  const fixed = { signed, path: attributes.path, httpOnly: attributes.httpOnly }
  if (attributes.domain !== undefined) fixed.domain = attributes.domain
  if (attributes.sameSite !== undefined) fixed.sameSite = attributes.sameSite
  if (attributes.priority !== undefined) fixed.priority = attributes.priority
  if (attributes.partitioned) fixed.partitioned = true
  if (secure !== 'auto') fixed.secure = secure
  return {
    begin (req, res, nowMs) {
      const opts = Object.assign({ expires: new Date(nowMs + expireMs) }, fixed)
      let token = cookies.get(cookieName, opts)
      if (typeof token !== 'string' || token === '') token = newToken()
      cookies.set(cookieName, token, opts)
      return token
    },
    clear () {
      cookies.set(cookieName, '', Object.assign({}, fixed, { expires: new Date(0) }))
    },
    newToken,
    write (req, res, token, nowMs) {
      cookies.set(cookieName, token, Object.assign({ expires: new Date(nowMs + expireMs) }, fixed))
    }
  }
}

module.exports = { nativeCookie, keygripCookie, managedCookie }
