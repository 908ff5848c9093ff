'use strict'

// The Store API methods shared by the native stores whose operations finish on another thread
// (LevelStore, RedisStore). Each store provides `_core` (the native half, taking a ticket first)
// and `_submit(callback, send)`; values cross as JSON text both ways.

const { noop } = require('./pending')

const DEFAULT_EXPIRE_MS = 1000 * 60 * 60 * 24 * 7 * 2 // 2 weeks, when a caller passes none

const ticketedStoreMethods = {
  get (id, key, expire, callback) {
    this._submit(callback, (ticket) => this._core.get(ticket, id, String(key), expireMs(expire)))
  },

  getAll (id, expire, callback) {
    this._submit(callback, (ticket) => this._core.getAll(ticket, id, expireMs(expire)))
  },

  // As MemoryStore: JSON.stringify(value); a value JSON cannot carry is refused with its TypeError
  // and nothing changes; one JSON leaves out of objects (undefined, a function) removes the key.
  set (id, key, value, expire, callback = noop) {
    let json
    try {
      json = JSON.stringify(value)
    } catch (err) {
      return process.nextTick(callback, err)
    }
    if (json === undefined) return this.del(id, key, expire, callback)
    this._submit(callback, (ticket) => this._core.set(ticket, id, String(key), json, expireMs(expire)))
  },

  del (id, key, expire, callback = noop) {
    this._submit(callback, (ticket) => this._core.del(ticket, id, String(key), expireMs(expire)))
  },

  delAll (id, callback = noop) {
    this._submit(callback, (ticket) => this._core.delAll(ticket, id))
  },

  // delAll, leaving a tombstone: a write still in flight cannot bring the session back.
  revoke (id, callback = noop) {
    this._submit(callback, (ticket) => this._core.revoke(ticket, id))
  },

  extend (id, expire, callback = noop) {
    this._submit(callback, (ticket) => this._core.extend(ticket, id, expireMs(expire)))
  }
}

function expireMs (expire) {
  return typeof expire === 'number' && expire > 0 ? expire : DEFAULT_EXPIRE_MS
}

module.exports = { ticketedStoreMethods }
