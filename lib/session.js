'use strict'

// One request's session: the original's methods with all their argument forms, over any store.
// With a callback a method returns nothing; without one it returns a Promise of the result.

const { pending } = require('./pending')

class Session {
  #store
  #cookie

  // `store` is what the caller passed; `operations` the same store behind the Store contract
  // (see store-contract.js); `config` comes from options.js.
  constructor (req, res, store, operations, config) {
    const nowMs = Date.now()
    this.request = req
    this.response = res
    this.store = store
    this.options = config.options
    this.expireMs = config.expireMs
    this.expire = new Date(nowMs + config.expireMs)
    this.token = config.cookie.begin(req, res, nowMs)
    this.id = config.idPrefix + this.token
    this.#store = operations
    this.#cookie = config.cookie
  }

  // get(key, cb); get(cb), get(null or '', cb) mean getAll(cb).
  get (key, callback) {
    if (typeof key === 'function' || !key) return this.getAll(key || callback)
    const done = settle(callback)
    this.#store.get(this.id, key, this.expireMs, done.callback)
    return done.promise
  }

  getAll (callback) {
    const done = settle(callback)
    this.#store.getAll(this.id, this.expireMs, done.callback)
    return done.promise
  }

  // set(key, value[, cb]); set(key, cb) and set(key) store null.
  set (key, value, callback) {
    if (typeof value === 'function') {
      callback = value
      value = null
    } else if (arguments.length < 2) {
      value = null
    }
    const done = settle(callback)
    this.#store.set(this.id, key, value, this.expireMs, done.callback)
    return done.promise
  }

  // del(key[, cb]); del(cb) and del() mean delAll (as in the original: beware).
  del (key, callback) {
    if (typeof key === 'function') return this.delAll(key)
    if (!key && !callback) return this.delAll()
    const done = settle(callback)
    this.#store.del(this.id, key, this.expireMs, done.callback)
    return done.promise
  }

  delAll (callback) {
    const done = settle(callback)
    this.#store.delAll(this.id, done.callback)
    return done.promise
  }

  // delAll, then tell the client to drop the cookie (even when delAll failed, as the original:
  // the client's session ends either way, and the error still reaches the callback).
  destroy (callback) {
    const done = settle(callback)
    this.#store.delAll(this.id, (err) => {
      const cookieErr = this.#clearCookie()
      done.callback(err || cookieErr)
    })
    return done.promise
  }

  // The clearing cookie can only go out while the headers have not: say so rather than throw.
  #clearCookie () {
    if (this.response.headersSent) {
      return new Error('session destroyed, but the response headers were already sent: the cookie could not be cleared')
    }
    try {
      this.#cookie.clear(this.request, this.response)
      return null
    } catch (err) {
      return err
    }
  }
}


// The callback a store operation reports to, and what the method returns: the caller's own
// callback and nothing, or a Promise.
function settle (callback) {
  if (callback === undefined || callback === null) return pending()
  if (typeof callback !== 'function') throw new TypeError('callback must be a function')
  return { callback, promise: undefined }
}

module.exports = { Session }
