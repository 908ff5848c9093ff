'use strict'

// The expressStore class: express-session's Store contract (get, set, destroy, touch, all, length,
// clear) over any store of this package's Store API. One class per base (express-session's Store,
// or a bare EventEmitter where express-session cannot be had: ./base-class.js).

const { sessionOf, lifetimeMs, textsOf, changes } = require('./session-record')
const { markRead, cookieMark, keepMark, readTexts, markWritten } = require('./read-marks')
const { optionalMethod } = require('./store-calls')
const { runAll, runLimited } = require('./steps')

function noop () {}

const classes = new WeakMap() // base -> its expressStore class

function expressStoreClass (Base) {
  let ExpressStore = classes.get(Base)
  if (ExpressStore === undefined) {
    ExpressStore = defineClass(Base)
    classes.set(Base, ExpressStore)
  }
  return ExpressStore
}

function defineClass (Base) {
  class ExpressStore extends Base {
    #operations
    #prefix
    #expireMs
    #extend
    #ids
    #length
    #clear

    // `operations`: what a Session would call for `store` (../store-contract.js, timed).
    constructor (store, operations, { prefix, expireMs }) {
      super()
      this.#operations = operations
      this.#prefix = prefix
      this.#expireMs = expireMs
      this.#extend = optionalMethod(store, operations, 'extend')
      this.#ids = optionalMethod(store, operations, 'ids')
      this.#length = optionalMethod(store, operations, 'length')
      this.#clear = optionalMethod(store, operations, 'clear')
    }

    get (sid, callback) {
      const done = callbackOf(callback)
      const id = this.#idOf(sid, done)
      if (id !== null) this.#read(id, sid, done)
    }

    // Writes the keys that changed since this request read the session (./read-marks.js), removes
    // the ones it deleted, with the cookie's lifetime; an expired cookie destroys the session.
    set (sid, session, callback) {
      const done = callbackOf(callback)
      const id = this.#idOf(sid, done)
      if (id === null) return
      if (session === null || typeof session !== 'object') return process.nextTick(done, new TypeError(`expressStore: set() needs a session object, got ${session === null ? 'null' : typeof session}`))
      // What JSON cannot carry (a BigInt, a cycle) and getters that throw (the cookie's, a
      // property's) are the callback's error, not a throw into express-session's caller.
      let ms, texts, read
      try {
        ms = lifetimeMs(session.cookie, this.#expireMs)
        if (ms > 0) {
          texts = textsOf(session)
          read = readTexts(session, sid)
        }
      } catch (err) {
        return process.nextTick(done, err)
      }
      if (ms <= 0) return this.#operations.revoke(id, done)
      const { writes, removals } = changes(texts, read)
      const steps = [
        ...writes.map((key) => (cb) => this.#operations.set(id, key, session[key], ms, cb)),
        ...removals.map((key) => (cb) => this.#operations.del(id, key, ms, cb))
      ]
      // Nothing changed: the save still extends the session.
      if (steps.length === 0) steps.push((cb) => this.#refresh(id, ms, cb))
      runAll(steps, (err) => {
        if (!err) markWritten(session, sid, texts)
        done(err)
      })
    }

    // The store's revoke: a write still in flight from another request cannot bring it back.
    destroy (sid, callback) {
      const done = callbackOf(callback)
      const id = this.#idOf(sid, done)
      if (id !== null) this.#operations.revoke(id, done)
    }

    // Extends the session by its cookie's lifetime, writing the cookie and nothing else: the
    // stored cookie is the expiry a read goes by, so a touch that left it as it was would not keep
    // a rolling session alive past the cookie of its last save.
    touch (sid, session, callback) {
      const done = callbackOf(callback)
      const id = this.#idOf(sid, done)
      if (id === null) return
      let cookie, ms
      try {
        cookie = session && session.cookie
        ms = lifetimeMs(cookie, this.#expireMs)
      } catch (err) {
        return process.nextTick(done, err) // as set() does
      }
      if (ms <= 0) return this.#operations.revoke(id, done)
      if (cookie === null || typeof cookie !== 'object') return this.#refresh(id, ms, done)
      this.#operations.set(id, 'cookie', cookie, ms, done)
    }

    // { sid: session } of every live session under the prefix.
    all (callback) {
      this.#sessions('all', callbackOf(callback))
    }

    // With prefix '', the store's own count; else how many sessions all() gives: an id whose
    // session's cookie has expired is no session (the store may hold it till its own expiry, which
    // a MemoryStore does not take from the cookie), as express-session's MemoryStore counts.
    length (callback) {
      const done = callbackOf(callback)
      if (this.#prefix === '') return this.#whole('length', this.#length, done)
      this.#sessions('length', (err, sessions) => done(err, err ? undefined : Object.keys(sessions).length))
    }

    // With prefix '', the store's own clear (everything it holds); else each session under the
    // prefix is revoked, 64 at a time.
    clear (callback) {
      const done = callbackOf(callback)
      if (this.#prefix === '') return this.#whole('clear', this.#clear, (err) => done(err))
      this.#sids('clear', (err, sids) => {
        if (err) return done(err)
        runLimited(sids, (sid, cb) => this.#operations.revoke(this.#prefix + sid, cb), done)
      })
    }

    #idOf (sid, done) {
      if (typeof sid !== 'string' || sid === '') {
        process.nextTick(done, new TypeError(`expressStore: the session id must be a non-empty string, got ${typeof sid === 'string' ? 'an empty string' : typeof sid}`))
        return null
      }
      const id = this.#prefix + sid
      if (id.startsWith('\u0000')) {
        process.nextTick(done, new TypeError('expressStore: a session id must not start with \\u0000 (ids that do are the package\'s internal records); give expressStore a prefix'))
        return null
      }
      return id
    }

    // The session `id` holds, or null; the read refreshes its expiry (as every getAll does) by
    // the fallback lifetime, then, if its cookie has longer to live, extends it by that.
    #read (id, sid, done) {
      this.#operations.getAll(id, this.#expireMs, (err, record) => {
        if (err) return done(err)
        const session = sessionOf(record)
        if (session === null) return done(null, null)
        // A custom store may answer what JSON cannot carry (a cycle, a BigInt) or a getter that
        // throws: the error is the answer, where a throw here would escape the store's callback.
        let ms
        try {
          ms = lifetimeMs(session.cookie, this.#expireMs)
          if (ms > 0) markRead(session.cookie, sid, textsOf(session))
        } catch (err) {
          return done(err)
        }
        if (ms <= 0) return this.#operations.revoke(id, (err) => done(err, null))
        if (ms <= this.#expireMs) return done(null, session)
        this.#refresh(id, ms, (err) => done(err, err ? undefined : session))
      })
    }

    // The store's extend; for a store without one, a getAll, which refreshes the expiry too.
    #refresh (id, ms, done) {
      if (this.#extend) this.#extend(id, ms, (err) => done(err))
      else this.#operations.getAll(id, ms, (err) => done(err))
    }

    // { sid: session } of every live session under the prefix: one read of each, 64 at a time.
    #sessions (what, done) {
      this.#sids(what, (err, sids) => {
        if (err) return done(err)
        const sessions = Object.create(null)
        runLimited(sids, (sid, cb) => this.#read(this.#prefix + sid, sid, (err, session) => {
          if (session) sessions[sid] = session
          cb(err)
        }), (err) => done(err, err ? undefined : sessions))
      })
    }

    // The sids under the prefix, from the store's ids().
    #sids (what, done) {
      if (!this.#ids) return process.nextTick(done, missing(what, 'ids'))
      this.#ids((err, ids) => {
        if (err) return done(err)
        if (!Array.isArray(ids)) return done(new TypeError(`expressStore: the store's ids() answered ${ids === null ? 'null' : typeof ids}, not an array of ids`))
        const prefix = this.#prefix
        const sids = []
        for (const id of ids) {
          if (typeof id === 'string' && id.startsWith(prefix) && !id.startsWith('\u0000') && id.length > prefix.length) sids.push(id.slice(prefix.length))
        }
        done(null, sids)
      })
    }

    #whole (what, method, done) {
      if (!method) return process.nextTick(done, missing(what, what))
      method(done)
    }
  }

  // express-session's createSession rebuilds the cookie, which drops the read mark: it moves to
  // the new Session (./read-marks.js).
  if (typeof Base.prototype.createSession === 'function') {
    const createSession = Base.prototype.createSession
    ExpressStore.prototype.createSession = function (req, data) {
      const mark = cookieMark(data)
      const session = createSession.call(this, req, data)
      if (mark) keepMark(session, mark)
      return session
    }
  }
  return ExpressStore
}

function callbackOf (callback) {
  return typeof callback === 'function' ? callback : noop
}

function missing (what, method) {
  return new TypeError(`expressStore: ${what}() needs the store's ${method}() method, which this store does not have ` +
    `(the Store API leaves ${method} optional; this package's stores have it)`)
}

module.exports = { expressStoreClass }
