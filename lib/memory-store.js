'use strict'

// MemoryStore: the Store API over the native in-process LRU store (src/memory_store.rs).
//
// Each operation is one synchronous native call, and its callback is deferred with
// process.nextTick: a thread hop would cost some 30 times the work. So callbacks are never
// synchronous, and operations apply in the order they are called.

const { MemoryStoreCore } = require('./native')
const { kKeepsContract } = require('./store-contract')
const { noop } = require('./pending')

const DEFAULT_MAX_BYTES = 64 * 1024 * 1024 // a truck-load, as the original
const DEFAULT_MAX_AGE_MS = 1000 * 60 * 60 * 24 * 7 * 2 // 2 weeks

// MemoryStore([options]): callable with or without `new`.
function MemoryStore (options) {
  if (!(this instanceof MemoryStore)) return new MemoryStore(options)
  const { max, maxAge } = readCacheOptions(options)
  Object.defineProperty(this, '_core', { value: new MemoryStoreCore(max, maxAge) })
}

MemoryStore.prototype[kKeepsContract] = true

// The `expire` argument is ignored: idle expiry is options.cache.maxAge (as in the original).
MemoryStore.prototype.get = function get (id, key, expire, callback) {
  let value
  try {
    const json = this._core.get(id, String(key))
    value = json == null ? undefined : JSON.parse(json)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  process.nextTick(callback, null, value)
}

MemoryStore.prototype.getAll = function getAll (id, expire, callback) {
  let all
  try {
    all = JSON.parse(this._core.getAll(id))
  } catch (err) {
    return process.nextTick(callback, err)
  }
  process.nextTick(callback, null, all)
}

// Stores JSON.stringify(value). A value JSON cannot carry (a BigInt, a cycle) is refused with the
// TypeError JSON.stringify throws, and nothing changes. One that JSON leaves out of an object
// (undefined, a function) removes the key, as it would from the original's stored object.
MemoryStore.prototype.set = function set (id, key, value, expire, callback = noop) {
  try {
    const json = JSON.stringify(value)
    if (json === undefined) this._core.del(id, String(key))
    else this._core.set(id, String(key), json)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  process.nextTick(callback, null)
}

MemoryStore.prototype.del = function del (id, key, expire, callback = noop) {
  try {
    this._core.del(id, String(key))
  } catch (err) {
    return process.nextTick(callback, err)
  }
  process.nextTick(callback, null)
}

MemoryStore.prototype.delAll = function delAll (id, callback = noop) {
  try {
    this._core.delAll(id)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  process.nextTick(callback, null)
}

// delAll, leaving a tombstone: a write still in flight cannot bring the session back.
MemoryStore.prototype.revoke = function revoke (id, callback = noop) {
  try {
    this._core.revoke(id)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  process.nextTick(callback, null)
}

MemoryStore.prototype.extend = function extend (id, expire, callback = noop) {
  try {
    this._core.extend(id)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  process.nextTick(callback, null)
}

// Sessions held (idle ones not yet swept included).
Object.defineProperty(MemoryStore.prototype, 'size', { get () { return this._core.size } })

// Bytes of stored JSON, as counted against options.cache.max.
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
  return { max, maxAge }
}

module.exports = MemoryStore
