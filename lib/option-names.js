'use strict'

// Which option names the session options may hold: the ones this package reads; express-session's,
// which throw saying what to use instead (code ported from it passes them, and ignoring `secret`
// would silently mean unsigned cookies); and any other, which is ignored as the original did, with
// a warning. Warnings go out once per kind per process.

// The options this package reads (levelSession adds its store's). Anything else is ignored, as
// the original did, with a warning.
const KNOWN = new Set(['keys', 'cookies', 'expire', 'cookieName', 'idPrefix', 'sameSite', 'secure', 'trustProxy',
  'domain', 'path', 'partitioned', 'priority', 'httpOnly', 'lazy', 'strict', 'maxLifetime', 'users', 'maxSessions'])
const NO_MORE_KNOWN = new Set()

// express-session's options, which code ported from it passes: each has another name here or is
// not needed, and ignoring it would silently change what the application asked for (an ignored
// `secret` means unsigned cookies). They throw, saying what to do instead.
const EXPRESS_SESSION = {
  secret: 'use keys, an array of secrets, newest first: { keys: [\'a secret\'] } (secret alone would leave cookies unsigned)',
  cookie: 'the cookie\'s attributes are top-level options here: expire (seconds, where cookie.maxAge was milliseconds), path, domain, secure, sameSite, httpOnly',
  saveUninitialized: 'use lazy (saveUninitialized: false is lazy: true)',
  resave: 'not needed: only the keys a request sets are written; remove it',
  name: 'use cookieName',
  rolling: 'not needed: the expiry is refreshed on every request; remove it',
  genid: 'no equivalent: session ids are generated natively (30 random bytes); remove it',
  store: 'pass the store as the first argument: middleware(store, options), or genericSession(req, res, store, options)',
  unset: 'not an option here: to remove data, call session.del(key) or session.destroy(); remove it',
  proxy: 'use trustProxy'
}

// What a warning about an unknown option suggests for some common ones.
const UNKNOWN_HINTS = {
  maxAge: 'expire, in seconds',
  expires: 'expire, in seconds from each request',
  signed: 'keys (cookies are signed when keys are given)',
  prefix: 'idPrefix (what every session id starts with)'
}

// Warnings, once per kind (`code`) per process: for what code written for generic-session 0.1.2
// may pass, where throwing would break it.
const WARNED = new Set()
function warnOnce (code, message) {
  if (WARNED.has(code)) return
  WARNED.add(code)
  process.emitWarning(message, { type: 'GenericSessionWarning', code })
}

// Throws for express-session's options (all of them at once, each with what to do instead); warns
// once for any other name this package does not read.
function checkNames (options, storeOptions) {
  const given = Object.keys(options).filter((name) => options[name] !== undefined)
  const ported = given.filter((name) => Object.hasOwn(EXPRESS_SESSION, name))
  if (ported.length === 1) {
    throw new TypeError(`options.${ported[0]} is an express-session option: ${expressFix(ported[0], options)}`)
  }
  if (ported.length > 1) {
    throw new TypeError(`options ${ported.join(', ')} are express-session options:${ported.map((name) => `\n  ${name}: ${expressFix(name, options)}`).join('')}`)
  }
  const unknown = given.filter((name) => !KNOWN.has(name) && !storeOptions.has(name))
  if (unknown.length > 0) {
    const hints = unknown.map(unknownHint).filter(Boolean)
    warnOnce('GENERIC_SESSION_UNKNOWN_OPTION', `generic-session ignores option${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}` +
      `${hints.length ? ` (${hints.join('; ')})` : ''}; the options it reads are ${[...KNOWN, ...storeOptions].join(', ')}`)
  }
}

// The fix for express-session's option `name`; for `cookie`, also its attributes as options here.
function expressFix (name, options) {
  const fix = EXPRESS_SESSION[name]
  if (name !== 'cookie' || !options.cookie || typeof options.cookie !== 'object') return fix
  const cookie = options.cookie
  const here = []
  if (typeof cookie.maxAge === 'number' && cookie.maxAge > 0) here.push(`expire: ${Math.max(1, Math.round(cookie.maxAge / 1000))}`)
  for (const attribute of ['path', 'domain', 'secure', 'sameSite', 'httpOnly', 'priority', 'partitioned']) {
    const value = cookie[attribute]
    if (typeof value === 'string' || typeof value === 'boolean') here.push(`${attribute}: ${typeof value === 'string' ? `'${value}'` : value}`)
  }
  return here.length ? `${fix}; for this cookie: { ${here.join(', ')} }` : fix
}

function unknownHint (name) {
  if (Object.hasOwn(UNKNOWN_HINTS, name)) return `${name}: use ${UNKNOWN_HINTS[name]}`
  const lower = name.toLowerCase()
  const known = [...KNOWN].find((option) => option.toLowerCase() === lower)
  return known ? `${name}: did you mean ${known}?` : null
}

module.exports = { checkNames, warnOnce, NO_MORE_KNOWN }
