'use strict'

// LevelStore: sessions in a LevelDB directory that survive restarts and crashes
// (src/level_store.rs, on its own thread: src/level_thread.rs).
//
// Each operation is queued to the store's thread with a ticket; the thread applies what queued up
// as one group, makes it durable against a process crash (kill -9), and sends the group's answers
// back as one JSON text, which _deliver matches to callbacks by ticket. Call order is apply order.
//
// LevelStore({ db }) is another store: the same Store API in JavaScript over the application's own
// levelup or abstract-level database (lib/level-db-store.js), still a LevelStore (instanceof).

const path = require('path')
const { LevelStoreCore } = require('./native')
const LevelDbStore = require('./level-db-store')
const { kKeepsContract } = require('./store-contract')
const { noop } = require('./pending')

const DEFAULT_SWEEP_INTERVAL_MS = 60 * 1000
const DEFAULT_EXPIRE_MS = 1000 * 60 * 60 * 24 * 7 * 2 // 2 weeks, when a caller passes none
const MAX_TICKET = 0xffffffff

// LevelStore(location | { location, sync, sweepInterval } | { db, sync, sweepInterval }): callable
// with or without `new`.
function LevelStore (options) {
  if (!(this instanceof LevelStore)) return new LevelStore(options)
  const settings = readLevelOptions(options)
  if (settings.db !== undefined) return new LevelDbStore(settings)
  const { location, sync, sweepInterval } = settings
  Object.defineProperties(this, {
    location: { value: location, enumerable: true },
    _pending: { value: new Map() }, // ticket -> callback
    _ticket: { value: 0, writable: true },
    _closed: { value: false, writable: true },
    // Opens synchronously: a bad or locked location throws here, naming the path.
    _core: { value: new LevelStoreCore(location, sync, sweepInterval, (text) => this._deliver(text)) },
    // The store's thread must not keep an idle process alive, but a pending callback must: this
    // timer is ref'd exactly while operations are pending.
    _keepAlive: { value: setInterval(noop, 0x7fffffff).unref() }
  })
}

LevelStore.prototype[kKeepsContract] = true

LevelStore.prototype.get = function get (id, key, expire, callback) {
  this._submit(callback, (ticket) => this._core.get(ticket, id, String(key), expireMs(expire)))
}

LevelStore.prototype.getAll = function getAll (id, expire, callback) {
  this._submit(callback, (ticket) => this._core.getAll(ticket, id, expireMs(expire)))
}

// As MemoryStore: JSON.stringify(value); a value JSON cannot carry is refused with its TypeError
// and nothing changes; one JSON leaves out of objects (undefined, a function) removes the key.
LevelStore.prototype.set = function set (id, key, value, expire, callback = noop) {
  let json
  try {
    json = JSON.stringify(value)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  if (json === undefined) return this.del(id, key, expire, callback)
  this._submit(callback, (ticket) => this._core.set(ticket, id, String(key), json, expireMs(expire)))
}

LevelStore.prototype.del = function del (id, key, expire, callback = noop) {
  this._submit(callback, (ticket) => this._core.del(ticket, id, String(key), expireMs(expire)))
}

LevelStore.prototype.delAll = function delAll (id, callback = noop) {
  this._submit(callback, (ticket) => this._core.delAll(ticket, id))
}

LevelStore.prototype.extend = function extend (id, expire, callback = noop) {
  this._submit(callback, (ticket) => this._core.extend(ticket, id, expireMs(expire)))
}

// Flushes, releases the directory lock and calls back; the location can then be opened again.
// Operations after close call back with an error; a second close calls back at once.
LevelStore.prototype.close = function close (callback = noop) {
  if (this._closed) return process.nextTick(callback, null)
  this._submit((err) => {
    clearInterval(this._keepAlive)
    callback(err)
  }, (ticket) => this._core.close(ticket))
  this._closed = true
}

LevelStore.prototype._submit = function _submit (callback, send) {
  if (this._closed) return process.nextTick(callback, closedError())
  this._ticket = this._ticket === MAX_TICKET ? 1 : this._ticket + 1
  const ticket = this._ticket
  let sent
  try {
    sent = send(ticket)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  if (!sent) return process.nextTick(callback, closedError())
  this._pending.set(ticket, callback)
  if (this._pending.size === 1) this._keepAlive.ref()
}

// One group's answers: [[ticket], [ticket, null, value], [ticket, "error message"]].
LevelStore.prototype._deliver = function _deliver (text) {
  let answers
  try {
    answers = JSON.parse(text)
  } catch (err) {
    // Only a value corrupted on disk can break the text; fail what is pending rather than hang.
    answers = Array.from(this._pending.keys(), (ticket) => [ticket, `LevelStore: unreadable stored data (${err.message})`])
  }
  for (const [ticket, message, value] of answers) {
    const callback = this._pending.get(ticket)
    if (callback === undefined) continue
    this._pending.delete(ticket)
    try {
      callback(message == null ? null : new Error(message), value)
    } catch (err) {
      // A throwing callback is the application's bug: let it surface as usual, after the rest
      // of the group has been answered.
      process.nextTick(() => { throw err })
    }
  }
  if (this._pending.size === 0) this._keepAlive.unref()
}

function closedError () {
  return new Error('LevelStore is closed')
}

function expireMs (expire) {
  return typeof expire === 'number' && expire > 0 ? expire : DEFAULT_EXPIRE_MS
}

function readLevelOptions (options) {
  if (typeof options === 'string') options = { location: options }
  if (!options || typeof options !== 'object') {
    throw new TypeError('LevelStore needs a location: LevelStore(\'/path/to/dir\'), LevelStore({ location }) or LevelStore({ db })')
  }
  if (options.db !== undefined && options.location !== undefined) {
    throw new TypeError('LevelStore takes options.location (a directory of its own) or options.db (a database to share), not both')
  }
  const sync = options.sync === undefined ? false : options.sync
  if (typeof sync !== 'boolean') throw new TypeError('LevelStore options.sync must be true or false')
  const sweepInterval = options.sweepInterval === undefined ? DEFAULT_SWEEP_INTERVAL_MS : options.sweepInterval
  if (typeof sweepInterval !== 'number' || !(sweepInterval > 0) || !Number.isFinite(sweepInterval)) {
    throw new RangeError('LevelStore options.sweepInterval must be a positive number of milliseconds')
  }
  // options.db itself is checked by the store on it (lib/level-db-adapter.js).
  if (options.db !== undefined) return { db: options.db, sync, sweepInterval }
  if (typeof options.location !== 'string' || options.location === '') {
    throw new TypeError('LevelStore needs a location: options.location must be a directory path')
  }
  return { location: path.resolve(options.location), sync, sweepInterval }
}

// A store on { db } is a LevelStore: instanceof holds, and it keeps the contract (kKeepsContract).
Object.setPrototypeOf(LevelDbStore.prototype, LevelStore.prototype)

module.exports = LevelStore
