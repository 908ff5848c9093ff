'use strict'

// LevelStore: sessions in a database directory of their own that survive restarts and crashes
// (src/level/, on the store's own thread).
//
// Each operation is queued to the store's thread with a ticket; the thread applies what queued up
// as one group, makes it durable against a process crash (kill -9), and sends the group's answers
// back as one JSON text, matched to callbacks by ticket (../ticketed.js). Call order is apply order.
// A read of a recently used session with none of its calls in flight is answered here instead, from
// the session cache the store's thread keeps coherent (src/level/cache.rs): no hop, no disk.
//
// LevelStore({ db }) is another store: the same Store API in JavaScript over the application's own
// levelup or abstract-level database (./app-db.js), still a LevelStore (instanceof).

const path = require('path')
const { LevelStoreCore } = require('../../native')
const { kKeepsContract } = require('../../store-contract')
const { kStoreKind } = require('../../measured-store')
const { kReportsExpiry } = require('../../events')
const { TicketedStore } = require('../ticketed')
const { callable } = require('../common')
const AppDbStore = require('./app-db')

const DEFAULT_SWEEP_INTERVAL_MS = 60 * 1000
// The session cache's default bound (src/level/engine.rs says why).
const DEFAULT_CACHE_SIZE = 256 * 1024 * 1024

// The store on a directory of its own.
class DirectoryStore extends TicketedStore {
  constructor ({ location, sync, sweepInterval, cacheSize }) {
    // Opens synchronously: a bad or locked location throws here, naming the path. Reads of
    // recently used sessions are answered from the store's cache on this thread (peeks).
    super('LevelStore', (deliver) => new LevelStoreCore(location, sync, sweepInterval, cacheSize, deliver), { peeks: true })
    Object.defineProperty(this, 'location', { value: location, enumerable: true })
  }
}

DirectoryStore.prototype[kKeepsContract] = true
// LevelStore({ db }) inherits it too (below).
DirectoryStore.prototype[kStoreKind] = 'LevelStore'
DirectoryStore.prototype[kReportsExpiry] = true

// LevelStore(location | { location, sync, sweepInterval, cacheSize } | { db, sync, sweepInterval }): callable
// with or without `new`; either store is a LevelStore (instanceof).
const LevelStore = callable(DirectoryStore, {
  name: 'LevelStore',
  make (options) {
    const settings = readLevelOptions(options)
    return settings.db !== undefined ? new AppDbStore(settings) : new DirectoryStore(settings)
  }
})

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
  // options.db itself is checked by the store on it (./adapter.js).
  if (options.db !== undefined) {
    if (options.cacheSize !== undefined) {
      throw new TypeError('LevelStore options.cacheSize is for a directory of its own (options.location); a store on options.db reads through the application\'s database')
    }
    return { db: options.db, sync, sweepInterval }
  }
  const cacheSize = options.cacheSize === undefined ? DEFAULT_CACHE_SIZE : options.cacheSize
  if (typeof cacheSize !== 'number' || !Number.isSafeInteger(cacheSize) || cacheSize < 0) {
    throw new RangeError('LevelStore options.cacheSize must be a whole number of bytes (0 turns the session cache off)')
  }
  if (typeof options.location !== 'string' || options.location === '') {
    throw new TypeError('LevelStore needs a location: options.location must be a directory path')
  }
  return { location: path.resolve(options.location), sync, sweepInterval, cacheSize }
}

// A store on { db } is a LevelStore: instanceof holds, and it keeps the contract (kKeepsContract).
Object.setPrototypeOf(AppDbStore.prototype, LevelStore.prototype)

module.exports = LevelStore
