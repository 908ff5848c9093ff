'use strict'

// expressStore's options, read once when the store is made; a bad one throws there, naming it.

const { DEFAULT_EXPIRE_MS } = require('../stores/common')

// Before express-session's sid in the store's id. Not this package's own idPrefix ('session:'),
// so a store shared with genericSession.middleware keeps express-session's sessions apart (all,
// length and clear see only theirs), and never empty by default, so no sid can start with the NUL
// that marks the package's internal records.
const DEFAULT_PREFIX = 'sess:'
const MAX_EXPIRE_SECONDS = 100 * 365 * 24 * 60 * 60

const KNOWN = ['prefix', 'expire', 'expressSession']
// What other stores call these, and what to use here.
const HINTS = {
  ttl: 'use expire, in seconds',
  maxAge: 'use expire, in seconds (the cookie\'s own maxAge comes first anyway)',
  idPrefix: 'use prefix'
}
// express-session's own options, easily given to the store beside its prefix.
for (const name of ['secret', 'cookie', 'resave', 'saveUninitialized', 'name', 'genid', 'rolling', 'store', 'proxy', 'unset']) {
  HINTS[name] = `an option of express-session's session({ store: expressStore(...), ${name} }), not of the store`
}

function readOptions (options) {
  if (options === undefined || options === null) options = {}
  if (typeof options !== 'object') throw new TypeError(`expressStore: options must be an object, got ${typeof options}`)
  const unknown = Object.keys(options).filter((name) => !KNOWN.includes(name) && options[name] !== undefined)
  if (unknown.length > 0) {
    const hints = unknown.filter((name) => Object.hasOwn(HINTS, name)).map((name) => `${name}: ${HINTS[name]}`)
    throw new TypeError(`expressStore: unknown option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` +
      `${hints.length ? ` (${hints.join('; ')})` : ''}; the known ones are ${KNOWN.join(', ')}`)
  }
  return {
    prefix: readPrefix(options.prefix),
    expireMs: readExpire(options.expire) * 1000,
    expressSession: readExpressSession(options.expressSession)
  }
}

function readPrefix (prefix = DEFAULT_PREFIX) {
  if (typeof prefix !== 'string') throw new TypeError(`expressStore: options.prefix must be a string, got ${prefix === null ? 'null' : typeof prefix}`)
  if (prefix.startsWith('\u0000')) throw new TypeError('expressStore: options.prefix must not start with \\u0000: ids that do are the package\'s internal records')
  return prefix
}

function readExpire (seconds = DEFAULT_EXPIRE_MS / 1000) {
  if (typeof seconds !== 'number' || !(seconds > 0) || seconds > MAX_EXPIRE_SECONDS) {
    throw new RangeError(`expressStore: options.expire must be a number of seconds above 0 and at most ${MAX_EXPIRE_SECONDS}, got ${String(seconds)}`)
  }
  return seconds
}

// The express-session module itself (require('express-session')), for where this package cannot
// require it (pnpm's strict layout, bundlers).
function readExpressSession (module) {
  if (module === undefined) return undefined
  if ((typeof module !== 'function' && typeof module !== 'object') || module === null || typeof module.Store !== 'function') {
    throw new TypeError('expressStore: options.expressSession must be the express-session module, require(\'express-session\') (its Store class is used)')
  }
  return module
}

module.exports = { readOptions, MAX_EXPIRE_MS: MAX_EXPIRE_SECONDS * 1000 }
