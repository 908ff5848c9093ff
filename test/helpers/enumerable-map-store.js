'use strict'

// The custom Map store (./map-store.js) with the optional enumeration methods, written as a user
// would: ids([cb]) (the ids of live sessions), length([cb]) (their count) and clear([cb])
// (everything goes), each calling back or, without a callback, answering with a Promise.

const MapStore = require('./map-store')

class EnumerableMapStore extends MapStore {
  #liveIds () {
    const now = Date.now()
    return [...this.sessions].filter(([, s]) => s.expiresAt >= now && Object.keys(s.data).length > 0).map(([id]) => id)
  }

  ids (cb) {
    return answer(cb, () => this.#liveIds())
  }

  length (cb) {
    return answer(cb, () => this.#liveIds().length)
  }

  clear (cb) {
    return answer(cb, () => { this.sessions.clear() })
  }
}

function answer (cb, work) {
  const value = work()
  if (typeof cb !== 'function') return new Promise((resolve) => setImmediate(resolve, value))
  setImmediate(cb, null, value)
}

module.exports = EnumerableMapStore
