'use strict'

// One request's session: the original's methods with all their argument forms, over any store.
// With a callback a method returns nothing; without one it returns a Promise of the result.

const { noop } = require('./stores/common')
const { CREATED, storeKey, applicationData } = require('./session-keys')
const { SessionUser } = require('./users/session-user')
const { USER } = require('./users/records')
const { REJECTED, sessionCreated, sessionRegenerated, sessionRejected } = require('./events')
const { cookieRead, destroyedThen } = require('./session-events')
const { CARRIED } = require('./session-cookie')
const { kRemoteReads } = require('./store-contract')
const { callTexts } = require('./stores/texts')

// Strict sessions and sessions with a maxLifetime: the carried token is checked against the
// store before the first store step.
const READY = 0
const UNCHECKED = 1

class Session {
  #store
  #cookie
  #idPrefix
  #lazy
  // lazy: a new session that has not been written yet (no cookie sent, nothing stored).
  #unsaved = false
  // Made in this request and not yet written through this session: nothing is stored under its
  // id, and until the response's headers (its cookie) go out nobody else knows the id, so a read
  // needs no round trip. Only on stores whose reads cost one (RedisStore): every other store is
  // asked as before. Any method but get and getAll ends it (a write made to the store itself
  // under this id, not through the session, is not seen by these reads).
  #blank = false
  #strict
  // strict or maxLifetime: READY, UNCHECKED, or the steps waiting for the check (#check).
  #tokenCheck = READY
  // maxLifetime (ms) or null; the session's creation time, and whether it still has to be stored.
  #maxLifetimeMs
  #createdMs
  #createdUnsaved = false
  // options.users: this request's side of its user's sessions (lib/users/), or null.
  #users = null

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
    this.#store = operations
    this.#cookie = config.cookie
    this.#idPrefix = config.idPrefix
    this.#lazy = config.lazy
    this.#strict = config.strict
    this.#maxLifetimeMs = config.maxLifetimeMs
    if (config.users) {
      this.#users = new SessionUser(operations, store, {
        expireMs: config.expireMs,
        maxSessions: config.maxSessions,
        // maxLifetime: the index entry says when the session ends for good, so listing drops it
        // then (the stores drop it then too), not an idle lifetime later.
        endsAt: () => (this.#maxLifetimeMs === null ? undefined : this.#createdMs + this.#maxLifetimeMs)
      })
    }
    let fresh
    if (config.lazy || config.strict || config.maxLifetimeMs !== null || config.users) {
      // start() writes the cookie for a carried token only; a new one is written here unless lazy.
      const started = config.cookie.start(req, res, nowMs)
      const token = started.token
      fresh = started.fresh
      this.token = token
      if (fresh && !config.lazy) config.cookie.write(req, res, token, nowMs)
      this.#unsaved = fresh && config.lazy
      this.#tokenCheck = fresh ? READY : UNCHECKED
      if (fresh) this.#startClock(nowMs)
    } else {
      this.token = config.cookie.begin(req, res, nowMs)
      fresh = config.cookie.outcome !== CARRIED.TOKEN
    }
    this.id = config.idPrefix + this.token
    cookieRead(config, req, this.id, !this.#unsaved)
    this.#blank = fresh && !this.#unsaved && store?.[kRemoteReads] === true
  }

  // get(key, cb); get(cb), get(null or '', cb) mean getAll(cb).
  get (key, callback) {
    if (typeof key === 'function' || !key) return this.getAll(key || callback)
    const done = settle(callback)
    this.#whenReady(done.callback, () => {
      if (this.#unsaved) return process.nextTick(done.callback, null, undefined)
      if (this.#unknown()) {
        // A bad key is the error the store would have called back with.
        if (callTexts(done.callback, this.id, storeKey(key), 'key') !== null) process.nextTick(done.callback, null, undefined)
        return
      }
      this.#store.get(this.id, storeKey(key), this.#storeExpireMs(), done.callback)
    })
    return done.promise
  }

  getAll (callback) {
    const done = settle(callback)
    this.#whenReady(done.callback, () => {
      if (this.#unsaved || this.#unknown()) return process.nextTick(done.callback, null, {})
      this.#store.getAll(this.id, this.#storeExpireMs(), (err, data) => done.callback(err, err ? undefined : applicationData(data)))
    })
    return done.promise
  }

  // set(key, value[, cb]); set(key, cb) and set(key) store null.
  set (key, value, callback) {
    this.#blank = false
    if (typeof value === 'function') {
      callback = value
      value = null
    } else if (arguments.length < 2) {
      value = null
    }
    const done = settle(callback)
    this.#whenReady(done.callback, () => {
      const unsaved = this.#saveCookie()
      if (unsaved) return process.nextTick(done.callback, unsaved)
      if (!this.#createdUnsaved) return this.#store.set(this.id, storeKey(key), value, this.#storeExpireMs(), done.callback)
      // The session's first write also records when it was created (maxLifetime).
      this.#createdUnsaved = false
      this.#store.set(this.id, CREATED, this.#createdMs, this.#storeExpireMs(), (err) => {
        if (err) {
          this.#createdUnsaved = true
          return done.callback(err)
        }
        this.#store.set(this.id, storeKey(key), value, this.#storeExpireMs(), done.callback)
      })
    })
    return done.promise
  }

  // del(key[, cb]); del(cb) and del() mean delAll (as in the original: beware).
  del (key, callback) {
    this.#blank = false
    if (typeof key === 'function') return this.delAll(key)
    if (!key && !callback) return this.delAll()
    const done = settle(callback)
    this.#whenReady(done.callback, () => {
      if (this.#unsaved) return process.nextTick(done.callback, null)
      this.#store.del(this.id, storeKey(key), this.#storeExpireMs(), done.callback)
    })
    return done.promise
  }

  delAll (callback) {
    this.#blank = false
    const done = settle(callback)
    this.#whenReady(done.callback, () => {
      if (this.#unsaved) return process.nextTick(done.callback, null)
      this.#beforeUnbind((stored) => {
        this.#store.delAll(this.id, (err) => (err ? done.callback(err) : this.#unbind(stored, done.callback)))
      })
    })
    return done.promise
  }

  // delAll, then tell the client to drop the cookie (even when delAll failed, as the original:
  // the client's session ends either way, and the error still reaches the callback). Stores that
  // can (all of this package's) revoke rather than delete: they keep a tombstone, so a write still
  // in flight from another request cannot bring the session back.
  destroy (callback) {
    this.#blank = false
    const done = settle(callback)
    this.#whenReady(done.callback, () => {
      const cleared = (err) => done.callback(err || this.#clearCookie())
      if (this.#unsaved) return process.nextTick(cleared, null)
      this.#beforeUnbind((stored) => {
        revoke(this.#store, this.id, destroyedThen(this.id, (err) => (err ? cleared(err) : this.#unbind(stored, cleared))))
      })
    })
    return done.promise
  }

  // A new token for this session's data: the data is copied to the new id, the old id is emptied,
  // and the cookie now carries the new token. Call it when privileges change (at login): a token
  // an attacker planted before (session fixation) then names an empty session. If anything fails
  // the session keeps its old token and the error reaches the callback.
  regenerate (callback) {
    this.#blank = false
    const done = settle(callback)
    if (this.response.headersSent) {
      process.nextTick(done.callback, new Error('session.regenerate: the response headers were already sent, so the new cookie could not go out'))
      return done.promise
    }
    this.#whenReady(done.callback, () => {
      if (this.#unsaved) {
        // Nothing stored and no cookie sent yet: a new token is all it takes.
        this.token = this.#cookie.newToken()
        this.id = this.#idPrefix + this.token
        return process.nextTick(done.callback, null)
      }
      this.#moveTo(this.#cookie.newToken(), done.callback)
    })
    return done.promise
  }

  // Moves the data to `token`'s id and revokes the old id, then writes the new cookie. This
  // package's stores (and custom stores with a `move`) do it in one step, so a destroy() racing it
  // on the old token ends the session whichever comes first: the move finds a tombstone and moves
  // nothing, or the destroy finds the tombstone the move left, which names the new id, and
  // revokes that too. Other custom stores get the old three steps (getAll, copy, revoke), where a
  // destroy() between the read and the copy leaves the data alive under the new token.
  #moveTo (token, callback) {
    const oldId = this.id
    const newId = this.#idPrefix + token
    const moved = (err) => {
      if (err) return callback(err)
      if (this.response.headersSent) {
        return callback(new Error('session.regenerate: the response headers were sent meanwhile, so the new cookie could not go out'))
      }
      try {
        this.#cookie.write(this.request, this.response, token, Date.now())
      } catch (err) {
        return callback(err)
      }
      this.token = token
      this.id = newId
      sessionRegenerated(newId, oldId)
      if (this.#users === null) return callback(null)
      this.#users.moved(newId).then(() => callback(null), callback)
    }
    const move = () => {
      if (typeof this.#store.move === 'function') return this.#store.move(oldId, newId, this.#storeExpireMs(), moved)
      this.#store.getAll(oldId, this.#storeExpireMs(), (err, data) => {
        if (err) return callback(err)
        copyAll(this.#store, newId, data || {}, this.#storeExpireMs(), (err) => {
          if (err) return callback(err)
          revoke(this.#store, oldId, moved)
        })
      })
    }
    if (this.#users === null) return move()
    this.#users.moving(oldId).then(move)
  }

  // --- sessions of a user (options.users; lib/users/) ---

  // setUser(userId[, info][, cb]): binds this session to a user (call it after regenerate() at
  // login); `info` (a small object) is shown in listings.
  setUser (userId, info, callback) {
    this.#blank = false
    if (typeof info === 'function') {
      callback = info
      info = undefined
    }
    return this.#userStep('session.setUser', callback, (users) => {
      const unsaved = this.#saveCookie()
      if (unsaved) return Promise.reject(unsaved)
      return users.bind(this.id, userId, info, this.#storeExpireMs())
    })
  }

  // getUser([cb]) -> the user id, or undefined.
  getUser (callback) {
    this.#blank = false
    return this.#userStep('session.getUser', callback, async (users) => (users.binding ? users.binding.user : undefined), false)
  }

  // listSessions([cb]) -> [{ id, current, created, lastSeen, info }] of this session's user.
  listSessions (callback) {
    this.#blank = false
    return this.#userStep('session.listSessions', callback, (users) => users.list())
  }

  // revokeOtherSessions([cb]) -> how many of the user's other sessions were ended.
  revokeOtherSessions (callback) {
    this.#blank = false
    return this.#userStep('session.revokeOtherSessions', callback, (users) => users.revokeOthers(this.id, this.#storeExpireMs()))
  }

  // Runs `work(users)` (a Promise) once the session is checked; fails without options.users, or,
  // when `needsIndex`, with a store that lacks the index methods.
  #userStep (what, callback, work, needsIndex = true) {
    const done = settle(callback)
    const users = this.#users
    if (users === null) {
      process.nextTick(done.callback, new Error(`${what} needs the users option: middleware(store, { users: true })`))
      return done.promise
    }
    const missing = needsIndex ? users.missingMethods(what) : null
    if (missing) {
      process.nextTick(done.callback, missing)
      return done.promise
    }
    this.#whenReady(done.callback, () => {
      let running
      try {
        running = work(users)
      } catch (err) {
        return process.nextTick(done.callback, err)
      }
      running.then((value) => done.callback(null, value), (err) => done.callback(err))
    })
    return done.promise
  }

  // Before destroy or delAll empties the session: with users, its binding as stored now, which a
  // setUser of another request may have written after this request loaded its own (so that its
  // entry goes too); `next(stored)`.
  #beforeUnbind (next) {
    if (this.#users === null) return next(undefined)
    this.#users.stored(this.id, this.#storeExpireMs()).then(next)
  }

  // The session left its user (destroy, delAll): its entry goes, then `callback(err)`.
  #unbind (stored, callback) {
    if (this.#users === null) return callback(null)
    this.#users.unbind(stored).then(() => callback(null), callback)
  }

  // Runs a store step now or, for a strict session whose token is not checked yet, after the
  // check; `callback` is the step's own, for the check's failure.
  #whenReady (callback, step) {
    if (this.#tokenCheck === READY) return step()
    if (this.#tokenCheck === UNCHECKED) {
      this.#tokenCheck = [[callback, step]]
      return this.#check()
    }
    this.#tokenCheck.push([callback, step])
  }

  // The check before the first store step (strict, maxLifetime, users). strict: a token no store
  // knows (its session is empty) is replaced by a fresh one, so a token made up, planted or revoked
  // never becomes a session. maxLifetime: a session created longer ago than that is deleted and
  // replaced, an empty one is replaced too, and one with data but no creation time (made before
  // maxLifetime was set) starts its clock now. users: a session bound to a user whose sessions
  // were revoked since is revoked and replaced. A failed read lets the steps run: they reach the
  // store themselves and report its error. With users, a failed read or user check fails them: a
  // session that may be revoked is not used (the read that failed is the one that would have found
  // its binding, and a step's own read may well succeed), and getUser, listSessions and
  // revokeOtherSessions would otherwise answer as for an unbound session (undefined, [], 0), as if
  // nothing had failed.
  #check () {
    this.#store.getAll(this.id, this.expireMs, (err, data) => {
      if (err) return this.#checked(this.#users === null ? null : err)
      const id = this.id
      this.#judge(data || {}, Date.now())
      if (this.#users === null || this.id !== id) return this.#checked(null)
      this.#users.revokedIn(id, data || {}, this.#storeExpireMs()).then((revoked) => {
        if (revoked) this.#replaceToken(Date.now())
        this.#checked(null)
      }, (err) => this.#checked(err))
    })
  }

  #checked (err) {
    const waiting = this.#tokenCheck
    this.#tokenCheck = READY
    for (const [callback, step] of waiting) {
      if (err) callback(err)
      else step()
    }
  }

  #judge (data, nowMs) {
    const created = data[CREATED]
    const known = Object.keys(data).some((key) => key !== CREATED)
    if (this.#maxLifetimeMs !== null && typeof created === 'number' && created + this.#maxLifetimeMs <= nowMs) {
      revoke(this.#store, this.id, noop) // past its absolute lifetime: gone for good
      sessionRejected(this.id, REJECTED.MAX_LIFETIME)
      if (this.#users !== null) this.#users.forget(data[USER])
      return this.#replaceToken(nowMs)
    }
    // An empty session under maxLifetime may be one its store expired at the end of its lifetime:
    // its token is not used again.
    if (!known && (this.#strict || this.#maxLifetimeMs !== null)) {
      sessionRejected(this.id, REJECTED.UNKNOWN_TOKEN)
      return this.#replaceToken(nowMs)
    }
    if (this.#maxLifetimeMs === null) return
    if (typeof created === 'number') {
      this.#createdMs = created
    } else {
      // Its clock starts now, recorded at once (a failure is retried at the next visit).
      this.#createdMs = nowMs
      this.#store.set(this.id, CREATED, nowMs, this.#storeExpireMs(), noop)
    }
  }

  // maxLifetime: this session was created at `nowMs`; its first write records it.
  #startClock (nowMs) {
    if (this.#maxLifetimeMs === null) return
    this.#createdMs = nowMs
    this.#createdUnsaved = true
  }

  // Whether the store certainly holds nothing for this session (#blank): once the headers are out,
  // another request may have written it.
  #unknown () {
    if (this.#blank && this.response.headersSent) this.#blank = false
    return this.#blank
  }

  // What the store is told the session's expiry is: `expire` from now, but never past the end of
  // its maxLifetime, so stores that expire sessions (LevelStore, RedisStore) drop it then.
  #storeExpireMs () {
    if (this.#maxLifetimeMs === null) return this.expireMs
    return Math.max(1, Math.min(this.expireMs, this.#createdMs + this.#maxLifetimeMs - Date.now()))
  }

  #replaceToken (nowMs) {
    this.token = this.#cookie.newToken()
    this.id = this.#idPrefix + this.token
    this.#startClock(nowMs)
    if (this.#lazy) {
      this.#unsaved = true
      return
    }
    if (this.response.headersSent) return
    try {
      this.#cookie.write(this.request, this.response, this.token, Date.now())
    } catch (_) {
      // The cookie could not be replaced: this request still uses the fresh id, and the next one
      // is checked again.
      return
    }
    sessionCreated(this.id)
  }

  // lazy: the first write sends the cookie. An error when it cannot (headers already sent): the
  // data would be stored under a token the client never gets.
  #saveCookie () {
    if (!this.#unsaved) return null
    if (this.response.headersSent) {
      return new Error('lazy session: the first write came after the response headers were sent, so the session cookie could not be set')
    }
    try {
      this.#cookie.write(this.request, this.response, this.token, Date.now())
    } catch (err) {
      return err
    }
    this.#unsaved = false
    sessionCreated(this.id)
    return null
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

// store.revoke(id, cb) where the store has it (this package's stores; custom stores may add it),
// else delAll.
function revoke (store, id, callback) {
  if (typeof store.revoke === 'function') store.revoke(id, callback)
  else store.delAll(id, callback)
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

// A callback paired with the Promise it settles: what a Session method returns when it is called
// without a callback.
function pending () {
  let callback
  const promise = new Promise((resolve, reject) => {
    callback = (err, value) => (err ? reject(err) : resolve(value))
  })
  // A caller who neither awaits nor catches did what the original allowed (fire and forget):
  // the rejection must not surface as an unhandledRejection and end the process.
  promise.catch(noop)
  return { promise, callback }
}

module.exports = { Session }
