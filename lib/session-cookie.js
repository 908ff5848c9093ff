'use strict'

// The session cookie of one request: read the token (verifying its signature) or make one, and
// write the cookie back. Three ways to do it, chosen once per options object:
//
// - nativeCookie: keys absent or an array of secrets. Parsing, verifying, signing and writing the
//   cookie are one native call per request.
// - keygripCookie: keys is a Keygrip-like object. Its sign/index do the signing; the rest is native.
// - managedCookie: options.cookies is a Cookies-compatible object, which then owns the headers.
//
// Each returns { begin(req, res, nowMs) -> token, clear(req, res) }.

const { SessionCookie, newToken } = require('./native')
const { setCookies, isEncrypted } = require('./response-cookies')

function nativeCookie ({ cookieName, expireMs, keys }) {
  const core = new SessionCookie(cookieName, expireMs, keys ? keys.map((key) => Buffer.from(key)) : undefined)
  const names = [cookieName, cookieName + '.sig']
  return {
    begin (req, res, nowMs) {
      // One native call: "cookie\ntoken" or, when signed, "cookie\nsignature cookie\ntoken".
      const out = core.begin(req.headers.cookie, nowMs, isEncrypted(req))
      const last = out.lastIndexOf('\n')
      const first = out.indexOf('\n')
      setCookies(res, first === last ? [out.slice(0, last)] : [out.slice(0, first), out.slice(first + 1, last)], names)
      return out.slice(last + 1)
    },
    clear (req, res) {
      setCookies(res, core.clearing(isEncrypted(req)), names)
    }
  }
}

function keygripCookie ({ cookieName, expireMs, keys }) {
  const core = new SessionCookie(cookieName, expireMs, undefined)
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
      setCookies(res, core.lines(token, signature, nowMs + expireMs, isEncrypted(req)), names)
      return token
    },
    clear (req, res) {
      setCookies(res, core.lines('', keys.sign(signedData('')), 0, isEncrypted(req)), names)
    }
  }
}

// Calls the Cookies object exactly as the original did, so any compatible manager keeps working.
function managedCookie ({ cookieName, expireMs, keys }, cookies) {
  const signed = Boolean(keys)
  return {
    begin (req, res, nowMs) {
      const opts = { expires: new Date(nowMs + expireMs), signed }
      let token = cookies.get(cookieName, opts)
      if (typeof token !== 'string' || token === '') token = newToken()
      cookies.set(cookieName, token, opts)
      return token
    },
    clear () {
      cookies.set(cookieName, '', { expires: new Date(0), signed })
    }
  }
}

module.exports = { nativeCookie, keygripCookie, managedCookie }
