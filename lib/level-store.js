'use strict'

// LevelStore: sessions in a LevelDB directory that survive restarts and crashes
// (src/level_store.rs, on its own thread: src/level_thread.rs).
//
// Each operation is queued to the store's thread with a ticket; the thread applies what queued up
// as one group, makes it durable against a process crash (kill -9), and sends the group's answers
// back as one JSON text, matched to callbacks by ticket (lib/tickets.js). Call order is apply order.
//
// LevelStore({ db }) is another store: the same Store API in JavaScript over the application's own
// levelup or abstract-level database (lib/level-db-store.js), still a LevelStore (instanceof).

const path = require('path')
const { LevelStoreCore } = require('./native')
const LevelDbStore = require('./level-db-store')
const { kKeepsContract } = require('./store-contract')
const { ticketedStoreMethods } = require('./ticketed-store')
const { Tickets } = require('./tickets')
const { noop } = require('./pending')

const DEFAULT_SWEEP_INTERVAL_MS = 60 * 1000

// LevelStore(location | { location, sync, sweepInterval } | { db, sync, sweepInterval }): callable
// with or without `new`.
function LevelStore (options) {
  if (!(this instanceof LevelStore)) return new LevelStore(options)
  const settings = readLevelOptions(options)
  if (settings.db !== undefined) return new LevelDbStore(settings)
  const { location, sync, sweepInterval } = settings
  const tickets = new Tickets('LevelStore')
  Object.defineProperties(this, {
    location: { value: location, enumerable: true },
    _tickets: { value: tickets },
    _closed: { value: false, writable: true },
    // Opens synchronously: a bad or locked location throws here, naming the path.
    _core: { value: new LevelStoreCore(location, sync, sweepInterval, (text) => tickets.deliver(text)) }
  })
}

LevelStore.prototype[kKeepsContract] = true

Object.assign(LevelStore.prototype, ticketedStoreMethods)

// Flushes, releases the directory lock and calls back; the location can then be opened again.
// Operations after close call back with an error; a second close calls back at once.
LevelStore.prototype.close = function close (callback = noop) {
  if (this._closed) return process.nextTick(callback, null)
  this._tickets.issue((err) => {
    this._tickets.stop()
    callback(err)
  }, (ticket) => this._core.close(ticket), closedError)
  this._closed = true
}

LevelStore.prototype._submit = function _submit (callback, send) {
  if (this._closed) return process.nextTick(callback, closedError())
  this._tickets.issue(callback, send, closedError)
}

function closedError () {
  return new Error('LevelStore is closed')
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
