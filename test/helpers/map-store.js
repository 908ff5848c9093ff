'use strict'

// A small custom store on a Map, written as a user of the Store API would write one: it shows
// that any JavaScript object with get/getAll/set/del/delAll/extend works as a store.

class MapStore {
  constructor () {
    this.sessions = new Map() // id -> { data: object, expiresAt: ms }
  }

  #live (id) {
    const session = this.sessions.get(id)
    if (session && session.expiresAt < Date.now()) {
      this.sessions.delete(id)
      return undefined
    }
    return session
  }

  #touch (id, expire) {
    let session = this.#live(id)
    if (!session) this.sessions.set(id, (session = { data: {} }))
    session.expiresAt = Date.now() + expire
    return session
  }

  get (id, key, expire, cb) {
    const session = this.#touch(id, expire)
    setImmediate(cb, null, session.data[key] === undefined ? undefined : JSON.parse(JSON.stringify(session.data[key])))
  }

  getAll (id, expire, cb) {
    const session = this.#touch(id, expire)
    setImmediate(cb, null, JSON.parse(JSON.stringify(session.data)))
  }

  set (id, key, value, expire, cb) {
    let copy
    try {
      copy = JSON.parse(JSON.stringify({ v: value })).v
    } catch (err) {
      return setImmediate(cb, err)
    }
    this.#touch(id, expire).data[key] = copy
    setImmediate(cb, null)
  }

  del (id, key, expire, cb) {
    delete this.#touch(id, expire).data[key]
    setImmediate(cb, null)
  }

  delAll (id, cb) {
    this.sessions.delete(id)
    setImmediate(cb, null)
  }

  extend (id, expire, cb) {
    if (this.#live(id)) this.#touch(id, expire)
    if (cb) setImmediate(cb, null)
  }
}

module.exports = MapStore
