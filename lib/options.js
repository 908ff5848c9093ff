'use strict'

// Options are read once, up front, into a frozen config; bad ones throw here, naming the option,
// so that nothing can throw inside a request.

const { nativeCookie, keygripCookie, managedCookie } = require('./session-cookie')
const { readCookieOptions } = require('./cookie-options')

const DEFAULTS = Object.freeze({
  expire: 60 * 60 * 24 * 7 * 2, // 2 weeks, in seconds
  cookieName: 's',
  idPrefix: 'session:'
})

// Cookies outlive nothing useful past this, and Date cannot represent much further out.
const MAX_EXPIRE_SECONDS = 100 * 365 * 24 * 60 * 60

// RFC 6265 cookie-name: an RFC 7230 token.
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/

// Configs by options object, so `genericSession(req, res, store, sameOptions)` validates once.
const configs = new WeakMap()
let defaultConfig

function readOptions (options) {
  // Falsy means defaults, as the original's `options || {}`.
  if (!options) return defaultConfig || (defaultConfig = buildConfig({}))
  if (typeof options !== 'object') throw new TypeError('options must be an object')
  let config = configs.get(options)
  if (config === undefined) {
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
  const cookies = readCookies(merged.cookies)
  const { attributes, secure, secureFor } = readCookieOptions(merged, cookieName)
  const settings = { cookieName, expireMs: expire * 1000, keys, attributes, secure, secureFor }

  let cookie
  if (cookies) cookie = managedCookie(settings, cookies)
  else if (keys && !Array.isArray(keys)) cookie = keygripCookie(settings)
  else cookie = nativeCookie(settings)

  const lazy = readFlag(merged, 'lazy')
  const strict = readFlag(merged, 'strict')
  const maxLifetimeMs = merged.maxLifetime === undefined ? null : readSeconds(merged.maxLifetime, 'maxLifetime') * 1000
  return Object.freeze({ options: merged, expireMs: settings.expireMs, idPrefix, cookie, lazy, strict, maxLifetimeMs })
}

// Seconds, as a number or a numeric string (the original multiplied whatever it got by 1000, so
// `expire: process.env.SESSION_SECONDS` worked).
function readExpire (option) {
  return readSeconds(option, 'expire')
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

function readIdPrefix (prefix) {
  if (typeof prefix !== 'string') throw new TypeError(`options.idPrefix must be a string, got ${describe(prefix)}`)
  return prefix
}

// An array of secrets (strings or Buffers), or a Keygrip-like object used as is; falsy means
// unsigned cookies, as in the original. The message is the original's, which callers may match.
function readKeys (keys) {
  if (!keys) return null
  if (Array.isArray(keys)) {
    if (keys.length === 0 || !keys.every(isSecret)) throw new Error('invalid keys provided')
    return keys.slice()
  }
  if (typeof keys.sign === 'function' && typeof keys.verify === 'function' && typeof keys.index === 'function') {
    return keys
  }
  throw new Error('invalid keys provided')
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

function readFlag (options, name) {
  const value = options[name]
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw new TypeError(`options.${name} must be true or false, got ${describe(value)}`)
  return value
}

function describe (value) {
  if (typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'bigint') return `${value}n`
  return String(value)
}

module.exports = { readOptions, DEFAULTS }
