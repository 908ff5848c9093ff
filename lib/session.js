'use strict'

// One request's session: the original's methods with all their argument forms, over any store.
// With a callback a method returns nothing; without one it returns a Promise of the result.

const { pending } = require('./pending')

class Session {
  #store
  #cookie
  #idPrefix

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
    this.#idPrefix = config.idPrefix
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

  // A new token for this session's data: the data is copied to the new id, the old id is emptied,
  // and the cookie now carries the new token. Call it when privileges change (at login): a token
  // an attacker planted before (session fixation) then names an empty session. If anything fails
  // the session keeps its old token and the error reaches the callback.
  regenerate (callback) {
    const done = settle(callback)
    if (this.response.headersSent) {
      process.nextTick(done.callback, new Error('session.regenerate: the response headers were already sent, so the new cookie could not go out'))
      return done.promise
    }
    const oldId = this.id
    this.#store.getAll(oldId, this.expireMs, (err, data) => {
      if (err) return done.callback(err)
      const token = this.#cookie.newToken()
      const newId = this.#idPrefix + token
      copyAll(this.#store, newId, data || {}, this.expireMs, (err) => {
        if (err) return done.callback(err)
        this.#store.delAll(oldId, (err) => {
          if (err) return done.callback(err)
          if (this.response.headersSent) {
            return done.callback(new Error('session.regenerate: the response headers were sent meanwhile, so the new cookie could not go out'))
          }
          try {
            this.#cookie.write(this.request, this.response, token, Date.now())
          } catch (err) {
            return done.callback(err)
          }
          this.token = token
          this.id = newId
          done.callback(null)
        })
      })
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

// Sets every key of `data` under `id`, at once; calls back once, with the first error if any.
function copyAll (store, id, data, expireMs, callback) {
  const keys = Object.keys(data)
  let left = keys.length
  let failed = false
  if (left === 0) return process.nextTick(callback, null)
  for (const key of keys) {
    store.set(id, key, data[key], expireMs, (err) => {
      if (failed) return
      if (err) {
        failed = true
        return callback(err)
      }
      if (--left === 0) callback(null)
    })
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
