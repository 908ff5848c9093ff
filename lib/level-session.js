'use strict'

// levelSession(location | options): the level-session filter, a generic-session middleware on
// a LevelStore, with close(cb). Options other than the store's go to genericSession.

const LevelStore = require('./stores/level')
const { filterOf } = require('./middleware')
const { readOptions } = require('./options')
const { operationsFor } = require('./store-contract')

// LevelStore's own options (lib/stores/level/index.js), which come in the same object: known
// here, so genericSession's warning about options it does not read leaves them out.
const STORE_OPTIONS = new Set(['location', 'db', 'sync', 'sweepInterval', 'cacheSize'])

function levelSession (options) {
  const sessionOptions = typeof options === 'string' ? undefined : options
  // Bad session options throw before the store opens, so no directory is left locked.
  const config = readOptions(sessionOptions, STORE_OPTIONS)
  const store = LevelStore(options)
  const filter = filterOf(store, operationsFor(store), config)
  filter.store = store
  filter.close = (callback) => store.close(callback)
  return filter
}

levelSession.LevelStore = LevelStore

module.exports = levelSession
