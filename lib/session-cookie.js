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
// write(req, res, token, nowMs), start(req, res, nowMs) -> { token, fresh }, outcome,
// claimed(req) }: write for regenerate and for lazy and strict sessions; start, for those, writes
// the cookie only for a token the request carried. After each begin or start, `outcome` says what
// the request carried (CARRIED; a field rather than part of the result, so the request path makes
// no object for it), and claimed(req) is the cookie's value however malformed (read only for the
// rejected event's subscribers).

const { SessionCookie, newToken } = require('./native')

// What a request's session cookie was; the native step gives the same codes (src/binding/session_cookie.rs).
const CARRIED = Object.freeze({ TOKEN: 0, NOTHING: 1, MALFORMED: 2, BAD_SIGNATURE: 3 })

function nativeCookie ({ cookieName, expireMs, keys, attributes, secureFor }) {
  const core = new SessionCookie(cookieName, expireMs, keys ? keys.map((key) => Buffer.from(key)) : undefined, attributes)
  const names = [cookieName, cookieName + '.sig']
  // Sets the Set-Cookie values of a native begin's text (after its CARRIED digit); returns its token.
  const written = (res, out) => {
    const last = out.lastIndexOf('\n')
    const first = out.indexOf('\n')
    setCookies(res, first === last ? [out.slice(1, last)] : [out.slice(1, first), out.slice(first + 1, last)], names)
    return out.slice(last + 1)
  }
  const cookie = {
    outcome: CARRIED.NOTHING,
    begin (req, res, nowMs) {
      // One native call: "<digit>cookie\ntoken" or, when signed, "<digit>cookie\nsignature cookie\ntoken".
      const out = core.begin(req.headers.cookie, nowMs, secureFor(req))
      cookie.outcome = out.charCodeAt(0) - 48
      return written(res, out)
    },
    start (req, res, nowMs) {
      // As begin, but a new token comes alone ("<digit>\ntoken"), its cookie not written.
      const out = core.beginLazy(req.headers.cookie, nowMs, secureFor(req))
      cookie.outcome = out.charCodeAt(0) - 48
      if (out.charCodeAt(1) === 10) return { token: out.slice(2), fresh: true }
      return { token: written(res, out), fresh: false }
    },
    claimed (req) {
      const header = req.headers.cookie
      return typeof header === 'string' ? core.claimed(header) : null
    },
    clear (req, res) {
      setCookies(res, core.clearing(secureFor(req)), names)
    },
    newToken,
    write (req, res, token, nowMs) {
      setCookies(res, core.issue(token, nowMs, secureFor(req)), names)
    }
  }
  return cookie
}

function keygripCookie ({ cookieName, expireMs, keys, attributes, secureFor }) {
  const core = new SessionCookie(cookieName, expireMs, undefined, attributes)
  const names = [cookieName, cookieName + '.sig']
  const signedData = (value) => cookieName + '=' + value
  // The request's validly signed token and the signature to send back, or null; cookie.outcome
  // says which.
  const carried = (req) => {
    const header = req.headers.cookie
    cookie.outcome = CARRIED.NOTHING
    if (!header) return null
    const [value, remote] = core.raw(header)
    if (!value) {
      // raw() gives plausible tokens only: anything else there is malformed.
      if (core.claimed(header)) cookie.outcome = CARRIED.MALFORMED
      return null
    }
    const index = remote ? keys.index(signedData(value), remote) : -1
    if (index < 0) {
      cookie.outcome = CARRIED.BAD_SIGNATURE
      return null
    }
    cookie.outcome = CARRIED.TOKEN
    // Re-sign when an older key matched (key rotation).
    return { token: value, signature: index === 0 ? remote : keys.sign(signedData(value)) }
  }
  const writeLines = (req, res, token, signature, nowMs) =>
    setCookies(res, core.lines(token, signature, nowMs + expireMs, secureFor(req)), names)
  const cookie = {
    outcome: CARRIED.NOTHING,
    begin (req, res, nowMs) {
      const found = carried(req)
      const token = found ? found.token : newToken()
      writeLines(req, res, token, found ? found.signature : keys.sign(signedData(token)), nowMs)
      return token
    },
    start (req, res, nowMs) {
      const found = carried(req)
      if (!found) return { token: newToken(), fresh: true }
      writeLines(req, res, found.token, found.signature, nowMs)
      return { token: found.token, fresh: false }
    },
    claimed (req) {
      const header = req.headers.cookie
      return typeof header === 'string' ? core.claimed(header) : null
    },
    clear (req, res) {
      setCookies(res, core.lines('', keys.sign(signedData('')), 0, secureFor(req)), names)
    },
    newToken,
    write (req, res, token, nowMs) {
      writeLines(req, res, token, keys.sign(signedData(token)), nowMs)
    }
  }
  return cookie
}

// A cookie value is a token only when it is 1 to 256 base64 characters, either alphabet: the rule
// of the native path (src/cookie/token.rs, is_plausible), applied here to what a Cookies object
// read. Anything else (an oversized value, spaces, quotes, backslashes) is no token: a new session.
const TOKEN = /^[A-Za-z0-9+/=_-]{1,256}$/

function carriedToken (value) {
  return typeof value === 'string' && TOKEN.test(value) ? value : null
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
  const optionsAt = (nowMs) => Object.assign({ expires: new Date(nowMs + expireMs) }, fixed)
  // The value as sent, unverified (the `cookies` package verifies by default when it has keys).
  const unverified = () => cookies.get(cookieName, { signed: false })
  // The request's token (as the Cookies object read it), or null; cookie.outcome says which.
  const carried = (opts) => {
    const value = cookies.get(cookieName, opts)
    const token = carriedToken(value)
    if (token !== null) cookie.outcome = CARRIED.TOKEN
    else if (typeof value === 'string' && value !== '') cookie.outcome = CARRIED.MALFORMED
    else cookie.outcome = signed ? unsignedOutcome(unverified()) : CARRIED.NOTHING
    return token
  }
  const cookie = {
    outcome: CARRIED.NOTHING,
    begin (req, res, nowMs) {
      const opts = optionsAt(nowMs)
      const token = carried(opts) || newToken()
      cookies.set(cookieName, token, opts)
      return token
    },
    start (req, res, nowMs) {
      const opts = optionsAt(nowMs)
      const token = carried(opts)
      if (token === null) return { token: newToken(), fresh: true }
      cookies.set(cookieName, token, opts)
      return { token, fresh: false }
    },
    claimed: unverified,
    clear () {
      cookies.set(cookieName, '', Object.assign({}, fixed, { expires: new Date(0) }))
    },
    newToken,
    write (req, res, token, nowMs) {
      cookies.set(cookieName, token, optionsAt(nowMs))
    }
  }
  return cookie
}

// What a signed cookie that did not verify was, from its value as sent: a token with a bad (or
// no) signature, something else, or nothing at all.
function unsignedOutcome (value) {
  if (typeof value !== 'string' || value === '') return CARRIED.NOTHING
  return carriedToken(value) === null ? CARRIED.MALFORMED : CARRIED.BAD_SIGNATURE
}

// Writing Set-Cookie values onto a response without losing what is already there.

// Sets `lines` as the response's Set-Cookie values (an array, as the original's `cookies` package
// wrote them). Values already set for other cookies are kept; an earlier value for one of `names`
// (this session's cookie and its .sig) is replaced.
function setCookies (res, lines, names) {
  const existing = res.getHeader('Set-Cookie')
  if (existing === undefined || existing === null) {
    res.setHeader('Set-Cookie', lines)
    return
  }
  const others = (Array.isArray(existing) ? existing : [String(existing)])
    .filter((line) => !names.some((name) => line.startsWith(name + '=')))
  res.setHeader('Set-Cookie', others.concat(lines))
}

module.exports = { CARRIED, nativeCookie, keygripCookie, managedCookie }
