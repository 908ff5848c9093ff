'use strict'

// levelSession(location | options): the level-session filter, a generic-session middleware on
// a LevelStore, with close(cb). Options other than the store's go to genericSession.

const LevelStore = require('./stores/level')
const { middleware } = require('./middleware')
const { readOptions } = require('./options')

function levelSession (options) {
  const sessionOptions = typeof options === 'string' ? undefined : options
  // Bad session options throw before the store opens, so no directory is left locked.
  readOptions(sessionOptions)
  const store = LevelStore(options)
  const filter = middleware(store, sessionOptions)
  filter.store = store
  filter.close = (callback) => store.close(callback)
  return filter
}

levelSession.LevelStore = LevelStore

module.exports = levelSession
