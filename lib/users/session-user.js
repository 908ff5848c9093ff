'use strict'

// One request's side of a user's sessions (records.js says what is stored where): the binding it
// loaded or made, the check every request of a bound session makes against its user's epoch, and
// the index writes that follow the session (login, lastSeen, regenerate, destroy). lib/session.js
// calls it; every step goes through the Store contract, so any store works for these writes, and
// listing and revoking go through the store's index methods (store-methods.js).

const { USER, SEEN, EPOCH, SEEN_DIVISOR, indexId, newHandle, bindingHolds, entryOf, userText, indexExpireMs } = require('./records')
const { call } = require('./store-methods')
const { publishRevoked } = require('./events')

// `info` shown in listings: a small JSON object.
const MAX_INFO_CHARS = 1024

const INDEX_METHODS = ['listSessions', 'revokeSessions']

class SessionUser {
  #store // behind the Store contract
  #rawStore // as the application gave it: its index methods
  #expireMs
  #maxSessions
  binding = null

  constructor (store, rawStore, { expireMs, maxSessions }) {
    this.#store = store
    this.#rawStore = rawStore
    this.#expireMs = expireMs
    this.#maxSessions = maxSessions
  }

  // The index methods the store lacks, as an Error (or null).
  missingMethods (what) {
    const missing = INDEX_METHODS.filter((name) => typeof this.#rawStore[name] !== 'function')
    if (missing.length === 0) return null
    return new TypeError(`${what}: the store has no ${missing.join(' or ')}: sessions of a user need its index methods ` +
      '(every store of this package has them; for a custom store, Object.assign(MyStore.prototype, genericSession.userIndexMethods))')
  }

  // The check of a carried session's stored `data` (a getAll): resolves to true when it is bound
  // to a user whose sessions were revoked since (its data is then revoked too), else false. A
  // binding that holds is kept, and the session's lastSeen refreshed if it is stale.
  async revokedIn (id, data, storeExpireMs) {
    const binding = data[USER]
    if (!binding || typeof binding !== 'object' || typeof binding.user !== 'string') return false
    const index = indexId(binding.user)
    const epoch = await call(this.#store, 'get', index, EPOCH, indexExpireMs(this.#expireMs))
    if (!bindingHolds(binding, epoch)) {
      publishRevoked(id, binding.user)
      this.#store.revoke(id, () => {})
      this.#store.del(index, binding.handle, indexExpireMs(this.#expireMs), () => {})
      return true
    }
    this.binding = binding
    const now = Date.now()
    const seen = data[SEEN]
    if (typeof seen !== 'number' || now - seen > this.#expireMs / SEEN_DIVISOR) this.#seen(id, now, storeExpireMs)
    return false
  }

  // Records that the session was seen now, in it and in its entry (not waited for: a failure
  // leaves lastSeen older, and the next request tries again).
  #seen (id, now, storeExpireMs) {
    const binding = this.binding
    this.#store.set(id, SEEN, now, storeExpireMs, () => {})
    this.#store.set(indexId(binding.user), binding.handle, entryOf(id, binding, now, this.#expireMs), indexExpireMs(this.#expireMs), () => {})
  }

  // Binds session `id` to `userId`: its index entry first, then the binding, so that no binding
  // is ever without its entry; then, with maxSessions, the oldest sessions beyond it are revoked.
  async bind (id, userId, info, storeExpireMs) {
    const user = userText(userId)
    if (info !== undefined && (info === null || typeof info !== 'object' || Array.isArray(info))) {
      throw new TypeError('session.setUser: info must be a plain object (shown in listings), or left out')
    }
    const infoText = info === undefined ? undefined : JSON.stringify(info)
    if (infoText !== undefined && infoText.length > MAX_INFO_CHARS) {
      throw new RangeError(`session.setUser: info must be at most ${MAX_INFO_CHARS} characters of JSON, got ${infoText.length}`)
    }
    const previous = this.binding
    const index = indexId(user)
    const now = Date.now()
    if (previous && previous.user !== user) await this.unbind()
    const same = previous && previous.user === user
    const epoch = await call(this.#store, 'get', index, EPOCH, indexExpireMs(this.#expireMs))
    const binding = {
      user,
      handle: same ? previous.handle : newHandle(),
      epoch: epoch === undefined || epoch === null ? '' : epoch,
      created: same ? previous.created : now,
      info: infoText === undefined ? undefined : JSON.parse(infoText)
    }
    await call(this.#store, 'set', index, binding.handle, entryOf(id, binding, now, this.#expireMs), indexExpireMs(this.#expireMs))
    await call(this.#store, 'set', id, USER, binding, storeExpireMs)
    await call(this.#store, 'set', id, SEEN, now, storeExpireMs)
    this.binding = binding
    if (this.#maxSessions !== null) await this.#cap(user, binding.handle)
  }

  // maxSessions: the user's sessions beyond it, oldest first, are revoked (never this one).
  async #cap (user, keep) {
    const sessions = await call(this.#rawStore, 'listSessions', user, { expire: this.#expireMs })
    const others = sessions.filter((s) => s.id !== keep).sort((a, b) => b.created - a.created)
    const extra = others.slice(Math.max(0, this.#maxSessions - 1))
    const index = indexId(user)
    await Promise.all(extra.map(async (entry) => {
      const found = await call(this.#store, 'get', index, entry.id, indexExpireMs(this.#expireMs))
      if (!found || typeof found.sid !== 'string') return
      await call(this.#store, 'revoke', found.sid)
      await call(this.#store, 'del', index, entry.id, indexExpireMs(this.#expireMs))
    }))
  }

  // The session left its user (destroy, delAll): its entry goes.
  async unbind () {
    const binding = this.binding
    if (!binding) return
    this.binding = null
    await call(this.#store, 'del', indexId(binding.user), binding.handle, indexExpireMs(this.#expireMs))
  }

  // A session ended by the Session itself (maxLifetime), bound as its stored `binding` says: its
  // entry goes (not waited for: an entry a failure leaves is pruned once its age says its session
  // is gone).
  forget (binding) {
    if (!binding || typeof binding !== 'object' || typeof binding.user !== 'string') return
    this.#store.del(indexId(binding.user), binding.handle, indexExpireMs(this.#expireMs), () => {})
  }

  // regenerate moved the session (its binding with it) to `id`: the entry follows.
  async moved (id) {
    const binding = this.binding
    if (!binding) return
    const index = indexId(binding.user)
    await call(this.#store, 'set', index, binding.handle, entryOf(id, binding, Date.now(), this.#expireMs), indexExpireMs(this.#expireMs))
  }

  async list () {
    const binding = this.binding
    if (!binding) return []
    const sessions = await call(this.#rawStore, 'listSessions', binding.user, { expire: this.#expireMs })
    return sessions.map((s) => ({ id: s.id, current: s.id === binding.handle, created: s.created, lastSeen: s.lastSeen, info: s.info }))
  }

  async revokeOthers (id, storeExpireMs) {
    const binding = this.binding
    if (!binding) return 0
    const ended = await call(this.#rawStore, 'revokeSessions', binding.user, { except: binding.handle, expire: this.#expireMs })
    // The kept session's binding moved to the new epoch: read it back for the rest of the request.
    const now = await call(this.#store, 'get', id, USER, storeExpireMs)
    if (now && typeof now === 'object') this.binding = now
    return ended
  }
}

module.exports = { SessionUser }
