'use strict'

// An express-session (or @fastify/session) session as this package's stores hold it: each
// top-level property is one key, `cookie` included, so a save can write the properties that
// changed and nothing else. And the session's lifetime, which its cookie says.

const { MAX_EXPIRE_MS } = require('./options')

// What a store's getAll gave, as the session express-session and @fastify/session expect, or null:
// nothing stored, or no `cookie` key (what a write that raced a destroy may leave in a store
// without revoke: not a session).
function sessionOf (record) {
  if (!record || typeof record !== 'object' || record.cookie === null || typeof record.cookie !== 'object') return null
  return record
}

// Milliseconds the session has left by its cookie (expires, else maxAge), or `fallbackMs` for a
// cookie without either (a browser-session cookie). 0 or less: it has expired.
function lifetimeMs (cookie, fallbackMs) {
  let ms = fallbackMs
  if (cookie && typeof cookie === 'object') {
    const expires = cookie.expires instanceof Date ? cookie.expires.getTime() : typeof cookie.expires === 'string' ? Date.parse(cookie.expires) : NaN
    if (Number.isFinite(expires)) ms = expires - Date.now()
    else if (typeof cookie.maxAge === 'number' && Number.isFinite(cookie.maxAge)) ms = cookie.maxAge
  }
  return Math.min(Math.ceil(ms), MAX_EXPIRE_MS)
}

// Each key's JSON text (a key JSON leaves out, such as a function's, is not there), or the error
// JSON.stringify threw (a BigInt, a cycle).
function textsOf (session) {
  const texts = new Map()
  for (const key of Object.keys(session)) {
    const text = JSON.stringify(session[key])
    if (text !== undefined) texts.set(key, text)
  }
  return texts
}

// What a save must do: keys to write (new or changed since `read`) and keys to remove (read, and
// gone now). Without `read` (see ./read-marks.js) every key is written and none removed.
function changes (texts, read) {
  const writes = [...texts.keys()].filter((key) => !read || read.get(key) !== texts.get(key))
  const removals = read ? [...read.keys()].filter((key) => !texts.has(key)) : []
  return { writes, removals }
}

module.exports = { sessionOf, lifetimeMs, textsOf, changes }
