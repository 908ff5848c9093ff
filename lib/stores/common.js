'use strict'

// What this package's stores share: how they read the Store API's `value` and `expire`
// arguments, the default callback, the closed error, native errors made plain, and callable
// constructors.

// A session's idle lifetime when nobody says otherwise: 2 weeks, as the originals. options.js
// (the `expire` option, in seconds) and MemoryStore (`cache.maxAge`) default to it too.
const DEFAULT_EXPIRE_MS = 1000 * 60 * 60 * 24 * 7 * 2

function noop () {}

// The `expire` argument as the stores that keep expiries read it (LevelStore, LevelStore({ db }),
// RedisStore): a positive number of milliseconds, or the default.
function expireMs (expire) {
  return typeof expire === 'number' && expire > 0 ? expire : DEFAULT_EXPIRE_MS
}

// set() as every store here does it: JSON.stringify(value), then `write(json)`. A value JSON cannot
// carry (a BigInt, a cycle) is refused with its TypeError and nothing changes; one JSON leaves out
// of objects (undefined, a function) removes the key, through the store's own del.
function setAsJson (store, id, key, value, expire, callback, write) {
  let json
  try {
    json = JSON.stringify(value)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  if (json === undefined) return store.del(id, key, expire, callback)
  write(json)
}

// A store-wide call (ids, length, clear) in both forms: `run(done)` calls `done(err, value)` once;
// with a callback that is the callback, without one the call returns a Promise of the value (as
// listSessions does). A callback that is not a function throws at once.
function callbackOrPromise (callback, run) {
  if (callback === undefined || callback === null) {
    return new Promise((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value))))
  }
  if (typeof callback !== 'function') throw new TypeError('callback must be a function')
  run(callback)
}

// What every call after close() gets.
function closedError (storeName) {
  return new Error(`${storeName} is closed`)
}

// An error the native side threw, as this package's own: napi-rs gives each one a `code` naming an
// N-API status ('GenericFailure' for ours), which says nothing to users and is no code of this
// package to match on. Same message, no code; anything else (errors made in JavaScript) as is.
function plainError (err) {
  if (!(err instanceof Error) || typeof err.code !== 'string' || Object.getPrototypeOf(err) !== Error.prototype) return err
  return new Error(err.message)
}

// `Class` as a function that makes instances with or without `new`, as the originals' store
// factories do; `instanceof` holds for what it makes. `make` builds the instance (by default
// `new Class(...args)`); `name` is the factory's name (by default the class's).
function callable (Class, { name = Class.name, make = (...args) => new Class(...args) } = {}) {
  const Factory = function (...args) {
    return make(...args)
  }
  Object.defineProperty(Factory, 'name', { value: name })
  Factory.prototype = Class.prototype
  Object.defineProperty(Class.prototype, 'constructor', { value: Factory, writable: true, configurable: true })
  return Factory
}

module.exports = { DEFAULT_EXPIRE_MS, noop, expireMs, setAsJson, callbackOrPromise, closedError, plainError, callable }
