'use strict'

// Options are read once, up front, into a frozen config; bad ones throw here, naming the option,
// so that nothing can throw inside a request. The session's own options first, then the cookie's
// attributes.

const { nativeCookie, keygripCookie, managedCookie } = require('./session-cookie')
const { DEFAULT_EXPIRE_MS } = require('./stores/common')
const { checkNames, warnOnce, NO_MORE_KNOWN } = require('./option-names')
const { offerSigningKeys } = require('./events')

const DEFAULTS = Object.freeze({
  expire: DEFAULT_EXPIRE_MS / 1000, // in seconds
  cookieName: 's',
  idPrefix: 'session:'
})

// Cookies outlive nothing useful past this, and Date cannot represent much further out.
const MAX_EXPIRE_SECONDS = 100 * 365 * 24 * 60 * 60
// Browsers cap a cookie's lifetime at 400 days (RFC 6265bis); a longer expire is most often
// milliseconds given where seconds are meant.
const BROWSER_MAX_EXPIRE_SECONDS = 400 * 24 * 60 * 60

// RFC 6265 cookie-name: an RFC 7230 token.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

// Configs by options object, so `genericSession(req, res, store, sameOptions)` validates once.
const configs = new WeakMap()
let defaultConfig

// `storeOptions`: names that are not this package's session options but are known where the
// options come from (levelSession's store options), so no warning names them.
function readOptions (options, storeOptions = NO_MORE_KNOWN) {
  // Falsy means defaults, as the original's `options || {}`.
  if (!options) return defaultConfig || (defaultConfig = buildConfig({}))
  if (typeof options !== 'object') throw new TypeError('options must be an object')
  let config = configs.get(options)
  if (config === undefined) {
    checkNames(options, storeOptions)
    config = buildConfig(options)
    // A Cookies object belongs to one request: caching it would only hold that request in memory.
    if (!options.cookies) configs.set(options, config)
  }
  return config
}

function buildConfig (options) {
  const merged = Object.assign({}, DEFAULTS, options)
  for (const name of Object.keys(DEFAULTS)) {
    if (merged[name] === undefined) merged[name] = DEFAULTS[name]
  }
  const expire = readExpire(merged.expire)
  const cookieName = readCookieName(merged.cookieName)
  const idPrefix = readIdPrefix(merged.idPrefix)
  const keys = readKeys(merged.keys)
  if (keys) offerSigningKeys(keys) // the events' id hash key may derive from them (./events.js)
  const cookies = readCookies(merged.cookies)
  const { attributes, secure, secureFor } = readCookieOptions(merged, cookieName)
  const settings = { cookieName, expireMs: expire * 1000, keys, attributes, secure, secureFor }

  let cookie
  if (cookies) cookie = managedCookie(settings, cookies)
  else if (keys && !Array.isArray(keys)) cookie = keygripCookie(settings)
  else cookie = nativeCookie(settings)

  const lazy = readBoolean(merged, 'lazy', false)
  const strict = readBoolean(merged, 'strict', false)
  const maxLifetimeMs = merged.maxLifetime === undefined ? null : readSeconds(merged.maxLifetime, 'maxLifetime') * 1000
  const maxSessions = readMaxSessions(merged.maxSessions)
  // maxSessions caps the sessions of a user, so it needs them.
  const users = readBoolean(merged, 'users', false) || maxSessions !== null
  return Object.freeze({ options: merged, expireMs: settings.expireMs, idPrefix, cookie, lazy, strict, maxLifetimeMs, users, maxSessions })
}

// Seconds, as a number or a numeric string (the original multiplied whatever it got by 1000, so
// `expire: process.env.SESSION_SECONDS` worked). Past what browsers keep it warns (once) rather
// than throws: 0.1.2 took any number.
function readExpire (option) {
  const seconds = readSeconds(option, 'expire')
  if (seconds > BROWSER_MAX_EXPIRE_SECONDS) {
    warnOnce('GENERIC_SESSION_EXPIRE_OVER_400_DAYS', `options.expire is ${seconds} seconds (${span(seconds)}): expire is in seconds, ` +
      'not milliseconds (1209600000 is a 38-year cookie; two weeks is 1209600). Browsers keep a cookie at most 400 days; ' +
      'the store would keep the session for the whole expire')
  }
  return seconds
}

// Seconds as days or years, for messages.
function span (seconds) {
  const days = seconds / 86400
  return days < 730 ? `${Math.round(days)} days` : `${Math.round(days / 365.25)} years`
}

function readSeconds (option, name) {
  const seconds = typeof option === 'string' && option.trim() !== '' ? Number(option) : option
  if (typeof seconds !== 'number' || !(seconds > 0) || seconds > MAX_EXPIRE_SECONDS) {
    throw new RangeError(`options.${name} must be a number of seconds above 0 and at most ${MAX_EXPIRE_SECONDS}, got ${describe(option)}`)
  }
  return seconds
}

function readCookieName (name) {
  if (typeof name !== 'string' || !COOKIE_NAME.test(name)) {
    throw new TypeError(`options.cookieName must be a non-empty cookie name (letters, digits and !#$%&'*+-.^_\`|~), got ${describe(name)}`)
  }
  return name
}

// A NUL first is kept for what is not a session (lib/users/records.js: users' indexes).
function readIdPrefix (prefix) {
  if (typeof prefix !== 'string') throw new TypeError(`options.idPrefix must be a string, got ${describe(prefix)}`)
  if (prefix.charCodeAt(0) === 0) throw new TypeError('options.idPrefix must not start with \\u0000 (kept for users\' indexes)')
  return prefix
}

function readMaxSessions (value) {
  if (value === undefined) return null
  if (!Number.isInteger(value) || value < 1) {
    throw new RangeError(`options.maxSessions must be a whole number of sessions per user, at least 1, got ${describe(value)}`)
  }
  return value
}

// An array of secrets (strings or Buffers), or a Keygrip-like object used as is; falsy means
// unsigned cookies, as in the original. Messages start with the original's, which callers may match.
const INVALID_KEYS = 'invalid keys provided: keys must be an array of secret strings or a Keygrip-like object'

function readKeys (keys) {
  if (!keys) return null
  if (Array.isArray(keys)) {
    if (keys.length === 0) throw new Error(`${INVALID_KEYS}; got an empty array`)
    const bad = keys.findIndex((key) => !isSecret(key))
    if (bad !== -1) throw new Error(`${INVALID_KEYS}; keys[${bad}] is ${describeKey(keys[bad])}, not a non-empty string or Buffer`)
    return keys.slice()
  }
  if (typeof keys.sign === 'function' && typeof keys.verify === 'function' && typeof keys.index === 'function') {
    return keys
  }
  // A lone secret string (express-session's `secret`, ported): the message alone, never the secret.
  if (typeof keys === 'string') throw new Error(INVALID_KEYS)
  throw new Error(`${INVALID_KEYS}; got ${describeKey(keys)}`)
}

// A bad key, described without showing what may be a secret.
function describeKey (key) {
  if (typeof key === 'string') return 'an empty string'
  if (Buffer.isBuffer(key)) return 'an empty Buffer'
  if (key === null) return 'null'
  if (Array.isArray(key)) return 'an array'
  return typeof key === 'object' ? 'an object without sign, verify and index methods' : `a ${typeof key}`
}

function isSecret (key) {
  return (typeof key === 'string' && key.length > 0) || (Buffer.isBuffer(key) && key.length > 0)
}

function readCookies (cookies) {
  if (!cookies) return null
  if (typeof cookies.get !== 'function' || typeof cookies.set !== 'function') {
    throw new TypeError('options.cookies must be a Cookies-compatible object with get(name, opts) and set(name, value, opts)')
  }
  return cookies
}

function describe (value) {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  return String(value)
}

// --- the cookie's attributes ---

// The session cookie's attributes, read once from the options: sameSite, secure (with trustProxy),
// domain, path, partitioned, priority, httpOnly, and what a __Host- or __Secure- cookie name
// demands. Bad values throw here, naming the option. The defaults add only `samesite=lax` to the
// original's cookie (`path=/`, `httponly`, `secure` when the request came over TLS).

const SAME_SITE = ['lax', 'strict', 'none']
const PRIORITY = ['low', 'medium', 'high']
// RFC 6265 domain-value (letters, digits, hyphens and dots; a leading dot is tolerated).
const DOMAIN = /^\.?[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/
// RFC 6265 path-value: any CHAR but controls and ';', and it must start with '/'.
const PATH = /^\/[\x20-\x3a\x3c-\x7e]*$/

function readCookieOptions (options, cookieName) {
  const sameSite = readSameSite(options.sameSite)
  let secure = readSecure(options.secure)
  const trustProxy = readBoolean(options, 'trustProxy', false)
  const httpOnly = readBoolean(options, 'httpOnly', true)
  const partitioned = readBoolean(options, 'partitioned', false)
  const domain = readDomain(options.domain)
  const path = readPath(options.path)
  const priority = readChoice(options, 'priority', PRIORITY)

  const prefix = cookieName.startsWith('__Host-') ? '__Host-' : cookieName.startsWith('__Secure-') ? '__Secure-' : null
  if (prefix) {
    if (secure === false) throw new TypeError(`options.secure cannot be false for a ${prefix} cookie (options.cookieName): browsers require Secure`)
    secure = true
  }
  if (prefix === '__Host-') {
    if (domain !== undefined) throw new TypeError('options.domain must not be set for a __Host- cookie (options.cookieName)')
    if (path !== '/') throw new TypeError(`options.path must be '/' for a __Host- cookie (options.cookieName), got ${JSON.stringify(path)}`)
  }
  // Not with 'auto' either: over plain http (or behind a TLS proxy without trustProxy) the cookie
  // would go without Secure, browsers would drop it, and every request would start a new session.
  if (sameSite === 'none' && secure !== true) {
    const why = secure === false
      ? 'browsers drop a SameSite=None cookie without Secure'
      : "browsers drop a SameSite=None cookie without Secure, which 'auto' leaves out over http: every request over http would start a new session"
    throw new TypeError(`options.sameSite 'none' needs options.secure: true, got ${describe(secure)}${options.secure === undefined ? ' (the default)' : ''}: ${why}`)
  }
  if (partitioned && secure === false) {
    throw new TypeError('options.partitioned needs options.secure true or \'auto\': browsers drop Partitioned cookies without Secure')
  }

  return {
    attributes: { path, domain, priority, sameSite, httpOnly, partitioned },
    secure,
    secureFor: secureDecider(secure, trustProxy)
  }
}

// Whether a response to `req` carries `secure`.
function secureDecider (secure, trustProxy) {
  if (secure === true) return () => true
  if (secure === false) return () => false
  return trustProxy ? (req) => isEncrypted(req) || forwardedHttps(req) : isEncrypted
}

// Whether the request came over TLS, as the `cookies` package the original used decided it
// (which is when it added `secure` to the cookie).
function isEncrypted (req) {
  if (req.protocol === 'https') return true
  const socket = req.socket || req.connection
  return Boolean(socket && socket.encrypted)
}

// X-Forwarded-Proto from the nearest proxy (the first value, as Express reads it).
function forwardedHttps (req) {
  const header = req.headers && req.headers['x-forwarded-proto']
  if (typeof header !== 'string') return false
  const comma = header.indexOf(',')
  return (comma === -1 ? header : header.slice(0, comma)).trim().toLowerCase() === 'https'
}

function readSameSite (value) {
  if (value === undefined) return 'lax'
  if (value === false) return undefined
  if (value === true) return 'strict'
  if (typeof value === 'string' && SAME_SITE.includes(value.toLowerCase())) return value.toLowerCase()
  throw new TypeError(`options.sameSite must be 'lax', 'strict', 'none', true (strict) or false (no attribute), got ${describe(value)}`)
}

function readSecure (value) {
  if (value === undefined || value === 'auto') return 'auto'
  if (typeof value === 'boolean') return value
  throw new TypeError(`options.secure must be true, false or 'auto', got ${describe(value)}`)
}

function readBoolean (options, name, fallback) {
  const value = options[name]
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') throw new TypeError(`options.${name} must be true or false, got ${describe(value)}`)
  return value
}

function readChoice (options, name, choices) {
  const value = options[name]
  if (value === undefined) return undefined
  if (typeof value === 'string' && choices.includes(value.toLowerCase())) return value.toLowerCase()
  throw new TypeError(`options.${name} must be one of ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`)
}

function readDomain (value) {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length > 253 || !DOMAIN.test(value)) {
    throw new TypeError(`options.domain must be a domain name such as 'example.com', got ${describe(value)}`)
  }
  return value
}

function readPath (value) {
  if (value === undefined) return '/'
  if (typeof value !== 'string' || !PATH.test(value)) {
    throw new TypeError(`options.path must start with '/' and contain no ';' or control characters, got ${describe(value)}`)
  }
  return value
}

module.exports = { readOptions }
