'use strict'

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
  if (sameSite === 'none' && secure === false) {
    throw new TypeError("options.sameSite 'none' needs options.secure true or 'auto': browsers drop SameSite=None cookies without Secure")
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

function describe (value) {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

module.exports = { readCookieOptions, isEncrypted }
