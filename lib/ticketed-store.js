'use strict'

// The Store API methods shared by the native stores whose operations finish on another thread
// (LevelStore, RedisStore). Each store provides `_core` (the native half, taking a ticket first)
// and `_submit(callback, send)`; values cross as JSON text both ways.

const { noop } = require('./pending')
const { expireMs, setAsJson } = require('./store-values')

const ticketedStoreMethods = {
  get (id, key, expire, callback) {
    this._submit(callback, (ticket) => this._core.get(ticket, id, String(key), expireMs(expire)))
  },

  getAll (id, expire, callback) {
    this._submit(callback, (ticket) => this._core.getAll(ticket, id, expireMs(expire)))
  },

  set (id, key, value, expire, callback = noop) {
    setAsJson(this, id, key, value, expire, callback, (json) =>
      this._submit(callback, (ticket) => this._core.set(ticket, id, String(key), json, expireMs(expire))))
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

module.exports = { ticketedStoreMethods }
