'use strict'

// MemoryStore: the Store API over the native in-process LRU store (src/memory_store.rs).
//
// Each operation is one synchronous native call, and its callback is deferred with
// process.nextTick: a thread hop would cost some 30 times the work. So callbacks are never
// synchronous, and operations apply in the order they are called.

const { MemoryStoreCore } = require('../native')
const { kKeepsContract } = require('../store-contract')
const { kStoreKind } = require('../measured-store')
const { DEFAULT_EXPIRE_MS, noop, setAsJson, callbackOrPromise } = require('./common')
const { storedText, userText, userIds, userKeys } = require('./texts')
const { warnOnce } = require('../option-names')
const { userIndexMethods } = require('../users/store-methods')
const { expiryListening, announceExpired, kReportsExpiry } = require('../events')

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024 // a truck-load, as the original
const DEFAULT_MAX_AGE_MS = DEFAULT_EXPIRE_MS

// MemoryStore([options]): callable with or without `new`.
function MemoryStore (options) {
  if (!(this instanceof MemoryStore)) return new MemoryStore(options)
  const { max, maxAge } = readCacheOptions(options)
  Object.defineProperty(this, '_core', { value: new MemoryStoreCore(max, maxAge) })
}

MemoryStore.prototype[kKeepsContract] = true
MemoryStore.prototype[kStoreKind] = 'MemoryStore'

// The `expire` argument is ignored: idle expiry is options.cache.maxAge (as in the original).
// Ids and keys reach the core as stored text (./texts.js); a bad one fails through the callback.
MemoryStore.prototype.get = function get (id, key, expire, callback) {
  answer(this, callback, () => {
    const json = this._core.get(storedText(id, 'id'), storedText(key, 'key'))
    return json == null ? undefined : JSON.parse(json)
  }, true)
}

MemoryStore.prototype.getAll = function getAll (id, expire, callback) {
  answer(this, callback, () => userKeys(JSON.parse(this._core.getAll(storedText(id, 'id')))), true)
}

MemoryStore.prototype.set = function set (id, key, value, expire, callback = noop) {
  setAsJson(this, id, key, value, expire, callback, (json) => answer(this, callback, () => {
    this._core.set(storedText(id, 'id'), storedText(key, 'key'), json)
  }))
}

MemoryStore.prototype.del = function del (id, key, expire, callback = noop) {
  answer(this, callback, () => { this._core.del(storedText(id, 'id'), storedText(key, 'key')) })
}

MemoryStore.prototype.delAll = function delAll (id, callback = noop) {
  answer(this, callback, () => { this._core.delAll(storedText(id, 'id')) })
}

// delAll, leaving a tombstone: a write still in flight cannot bring the session back.
MemoryStore.prototype.revoke = function revoke (id, callback = noop) {
  answer(this, callback, () => { this._core.revoke(storedText(id, 'id')) })
}

MemoryStore.prototype.extend = function extend (id, expire, callback = noop) {
  answer(this, callback, () => { this._core.extend(storedText(id, 'id')) })
}

// Moves the session's data to `toId` (a new id) and revokes `id`, in one step (regenerate); a
// later revoke of `id` revokes `toId` too.
MemoryStore.prototype.move = function move (id, toId, expire, callback = noop) {
  answer(this, callback, () => { this._core.move(storedText(id, 'id'), storedText(toId, 'id')) })
}

// The store-wide calls: the ids of every live session (holding a key, not revoked, not idle past
// maxAge; never the users' index records), how many, and forgetting everything. Each is one pass
// over the sessions held, in memory; a callback, or without one a Promise.
MemoryStore.prototype.ids = function ids (callback) {
  return callbackOrPromise(callback, (done) => answer(this, done, () => userIds(this._core.ids()), true))
}

MemoryStore.prototype.length = function length (callback) {
  return callbackOrPromise(callback, (done) => answer(this, done, () => this._core.liveCount(), true))
}

MemoryStore.prototype.clear = function clear (callback) {
  return callbackOrPromise(callback, (done) => answer(this, done, () => { this._core.clear() }))
}

// Runs one synchronous native call and defers its answer: `callback(null)` (with the result for
// the reads), or the error it threw (a bad argument). While anyone listens for expiries, the
// sessions the call found idle past maxAge are announced (the core counts them itself).
function answer (store, callback, call, withValue = false) {
  const listening = expiryListening()
  let result
  let error = null
  try {
    result = call()
  } catch (err) {
    error = err
  }
  if (listening) announce(store._core.takeExpired())
  if (error !== null) process.nextTick(callback, error)
  else if (withValue) process.nextTick(callback, null, result)
  else process.nextTick(callback, null)
}

// listSessions and revokeSessions (sessions of a user, over this store's Store API).
Object.assign(MemoryStore.prototype, userIndexMethods)
MemoryStore.prototype[kReportsExpiry] = true
// The ids come as the core stores them (./texts.js); events name the ids sessions use.
function announce (ids) {
  if (ids === null) return
  for (const id of ids) announceExpired(userText(id), 'MemoryStore')
}

// Sessions held (idle ones not yet swept included).
Object.defineProperty(MemoryStore.prototype, 'size', { get () { return this._core.size } })

// Bytes the sessions held take in memory (ids, keys, values and the store's own structures, in
// the allocator's block sizes: src/memory_store.rs says what is counted), as bounded by
// options.cache.max.
Object.defineProperty(MemoryStore.prototype, 'bytes', { get () { return this._core.usedBytes } })

function readCacheOptions (options) {
  if (options === undefined || options === null) return { max: DEFAULT_MAX_BYTES, maxAge: DEFAULT_MAX_AGE_MS }
  if (typeof options !== 'object') throw new TypeError('MemoryStore options must be an object')
  const cache = options.cache === undefined || options.cache === null ? {} : options.cache
  if (typeof cache !== 'object') throw new TypeError('MemoryStore options.cache must be an object')
  const max = cache.max === undefined ? DEFAULT_MAX_BYTES : cache.max
  const maxAge = cache.maxAge === undefined ? DEFAULT_MAX_AGE_MS : cache.maxAge
  if (typeof max !== 'number' || !(max > 0) || !Number.isFinite(max)) {
    throw new RangeError(`MemoryStore options.cache.max must be a positive number of bytes, got ${String(max)}`)
  }
  if (typeof maxAge !== 'number' || !(maxAge > 0) || !Number.isFinite(maxAge)) {
    throw new RangeError(`MemoryStore options.cache.maxAge must be a positive number of milliseconds, got ${String(maxAge)}`)
  }
  warnOfIgnoredOptions(options)
  return { max, maxAge }
}

// Only options.cache is read, as in the original (0.1.2): code passing more must keep running, so
// other options are not an error. But `MemoryStore({ max })` for `{ cache: { max } }` is a common
// mistake that leaves the store at its 64 MiB default, so it is said once per process.
function warnOfIgnoredOptions (options) {
  const ignored = Object.keys(options).filter((name) => name !== 'cache' && options[name] !== undefined)
  if (ignored.length === 0) return
  warnOnce('GENERIC_SESSION_IGNORED_OPTION', `MemoryStore ignores option(s) ${ignored.join(', ')}: put max and maxAge under options.cache`)
}

module.exports = MemoryStore
