'use strict'

// levelSession(location | options): the level-session filter, a generic-session middleware on
// a LevelStore, with close(cb). Options other than the store's go to genericSession.

const LevelStore = require('./level-store')
const { middleware } = require('./middleware')

function levelSession (options) {
  const store = LevelStore(options)
  const filter = middleware(store, typeof options === 'string' ? undefined : options)
  filter.store = store
  filter.close = (callback) => store.close(callback)
  return filter
}

levelSession.LevelStore = LevelStore

module.exports = levelSession
