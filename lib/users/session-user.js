'use strict'

// One request's side of a user's sessions (records.js says what is stored where): the binding it
// loaded or made, the check every request of a bound session makes against its user's epoch, and
// the index writes that follow the session (login, lastSeen, regenerate, destroy). lib/session.js
// calls it; every step goes through the Store contract, so any store works for these writes, and
// listing and revoking go through the store's index methods (store-methods.js).

const { USER, SEEN, EPOCH, LEAVING, SEEN_DIVISOR, indexId, newHandle, epochOf, bindingHolds, isBinding, entryOf, userIdText, indexExpireMs } = require('./records')
const { call } = require('./store-methods')
const { publishRevoked } = require('./events')
const { SessionQueues } = require('../session-queues')

// `info` shown in listings: a small JSON object.
const MAX_INFO_CHARS = 1024

const INDEX_METHODS = ['listSessions', 'revokeSessions']

// store -> its sessions' binds in this process, one at a time per session (see #bind).
const bindsByStore = new WeakMap()

function bindsOf (store) {
  let binds = bindsByStore.get(store)
  if (binds === undefined) bindsByStore.set(store, (binds = new SessionQueues()))
  return binds
}

class SessionUser {
  #store // behind the Store contract
  #rawStore // as the application gave it: its index methods
  #expireMs
  #indexMs // the lifetime every use of an index gives it (records.js)
  #maxSessions
  #endsAt // () -> when the session's maxLifetime ends (ms), or undefined
  binding = null

  constructor (store, rawStore, { expireMs, maxSessions, endsAt = () => undefined }) {
    this.#store = store
    this.#rawStore = rawStore
    this.#expireMs = expireMs
    this.#indexMs = indexExpireMs(expireMs)
    this.#maxSessions = maxSessions
    this.#endsAt = endsAt
  }

  // This session's index entry, last seen at `seen`.
  #entry (id, binding, seen) {
    return entryOf(id, binding, seen, this.#expireMs, this.#endsAt())
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
    if (!isBinding(binding)) return false
    const index = indexId(binding.user)
    const epoch = await call(this.#store, 'get', index, EPOCH, this.#indexMs)
    if (!bindingHolds(binding, epoch)) {
      // The binding was read before the epoch: a revokeOtherSessions of this very session may
      // have moved it onto the new epoch in between (it tells the kept session first, then changes
      // the epoch). Read it again, now that the epoch is known: a kept session holds, a revoked
      // one still does not.
      const again = await call(this.#store, 'get', id, USER, storeExpireMs)
      if (isBinding(again) && again.user === binding.user && again.handle === binding.handle && bindingHolds(again, epoch)) {
        return this.#held(id, again, data, storeExpireMs)
      }
      publishRevoked(id, binding.user)
      this.#store.revoke(id, () => {})
      this.#store.del(index, binding.handle, this.#indexMs, () => {})
      return true
    }
    return this.#held(id, binding, data, storeExpireMs)
  }

  #held (id, binding, data, storeExpireMs) {
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
    this.#store.set(indexId(binding.user), binding.handle, this.#entry(id, binding, now), this.#indexMs, () => {})
  }

  // Binds session `id` to `userId`: its index entry first, then the binding, so that no binding
  // is ever without its entry; then, with maxSessions, the oldest sessions beyond it are revoked.
  async bind (id, userId, info, storeExpireMs) {
    const user = userIdText(userId)
    if (info !== undefined && (info === null || typeof info !== 'object' || Array.isArray(info))) {
      throw new TypeError('session.setUser: info must be a plain object (shown in listings), or left out')
    }
    const infoText = info === undefined ? undefined : JSON.stringify(info)
    if (infoText !== undefined && infoText.length > MAX_INFO_CHARS) {
      throw new RangeError(`session.setUser: info must be at most ${MAX_INFO_CHARS} characters of JSON, got ${infoText.length}`)
    }
    // An object whose JSON is not an object (a Date, anything with a toJSON) would be listed as
    // a string or a number: refused like any other info that is not an object.
    const infoJson = infoText === undefined ? undefined : JSON.parse(infoText)
    if (infoText !== undefined && (infoJson === null || typeof infoJson !== 'object' || Array.isArray(infoJson))) {
      throw new TypeError('session.setUser: info must be a plain object (shown in listings), or left out; its JSON is not an object')
    }
    const binding = await bindsOf(this.#rawStore).run(id, () => this.#bind(id, user, infoJson, storeExpireMs))
    this.binding = binding
    if (this.#maxSessions !== null) await this.#cap(user, binding.handle)
  }

  // bind's writes, one bind of session `id` at a time in this process. It starts from the binding
  // the session holds now, not the one this request loaded: another request of the session may
  // have bound it since. Without both, two requests binding it at once could each read their own
  // binding back before the other's write, and the loser's entry stayed listed, bound to nobody.
  async #bind (id, user, infoJson, storeExpireMs) {
    const index = indexId(user)
    const now = Date.now()
    const stored = await call(this.#store, 'get', id, USER, storeExpireMs)
    const previous = isBinding(stored) ? stored : null
    const same = previous !== null && previous.user === user
    // The entries of the bindings this one replaces: the one stored, and the one this request
    // loaded (a destroy or another bind may have replaced it since).
    const replaced = this.#leaving(previous).filter((old) => !(same && old.handle === previous.handle))
    this.binding = null
    await Promise.all(replaced.map((old) => call(this.#store, 'del', indexId(old.user), old.handle, this.#indexMs)))
    const epoch = await call(this.#store, 'get', index, EPOCH, this.#indexMs)
    const binding = {
      user,
      handle: same ? previous.handle : newHandle(),
      epoch: epochOf(epoch),
      created: same ? previous.created : now,
      info: infoJson
    }
    await call(this.#store, 'set', index, binding.handle, this.#entry(id, binding, now), this.#indexMs)
    await call(this.#store, 'set', id, USER, binding, storeExpireMs)
    await call(this.#store, 'set', id, SEEN, now, storeExpireMs)
    await this.#settle(id, binding, storeExpireMs)
    return binding
  }

  // After the binding's write: what happened meanwhile. A destroy() (or a revoke) of this session
  // by another request may have landed between the entry's write and the binding's, leaving an
  // entry for a session that is gone: it goes, and setUser fails. And a revokeOtherSessions of this
  // very session may have landed between the read of the epoch and the binding's write, which
  // then put back the old epoch, logging the kept session out: the revoke writes the kept entry
  // on the new epoch before the binding, so an entry on the current epoch says this session was
  // the one kept, and the binding follows it.
  async #settle (id, binding, storeExpireMs) {
    const index = indexId(binding.user)
    const stored = await call(this.#store, 'get', id, USER, storeExpireMs)
    if (!stored || typeof stored !== 'object' || stored.handle !== binding.handle) {
      await call(this.#store, 'del', index, binding.handle, this.#indexMs)
      throw new Error('session.setUser: the session was ended (destroyed, revoked or rebound) while it was being bound')
    }
    const epoch = await call(this.#store, 'get', index, EPOCH, this.#indexMs)
    if (bindingHolds(binding, epoch)) return
    const entry = await call(this.#store, 'get', index, binding.handle, this.#indexMs)
    const current = epochOf(epoch)
    if (entry && typeof entry === 'object' && entry.epoch === current) {
      binding.epoch = current
      delete binding.nextEpoch
      await call(this.#store, 'set', id, USER, binding, storeExpireMs)
    }
  }

  // maxSessions: the user's sessions beyond it, oldest first, are revoked (never this one).
  async #cap (user, keep) {
    const sessions = await call(this.#rawStore, 'listSessions', user, { expire: this.#expireMs })
    const others = sessions.filter((s) => s.id !== keep).sort((a, b) => b.created - a.created)
    const extra = others.slice(Math.max(0, this.#maxSessions - 1))
    const index = indexId(user)
    await Promise.all(extra.map(async (entry) => {
      const found = await call(this.#store, 'get', index, entry.id, this.#indexMs)
      if (!found || typeof found.sid !== 'string') return
      // LEAVING first (records.js): a crash before the entry's removal leaves it unlisted.
      await call(this.#store, 'set', index, entry.id, { ...found, epoch: LEAVING }, this.#indexMs)
      await call(this.#store, 'revoke', found.sid)
      await call(this.#store, 'del', index, entry.id, this.#indexMs)
    }))
  }

  // The session left its user (destroy, delAll): its entry goes. `stored` is its binding as read
  // just before it was emptied (stored()), which another request may have made after this one
  // loaded its own: that entry goes too, or it would be listed (and counted by maxSessions) for a
  // session that is gone.
  async unbind (stored) {
    const bindings = this.#leaving(stored)
    this.binding = null
    await Promise.all(bindings.map((binding) =>
      call(this.#store, 'del', indexId(binding.user), binding.handle, this.#indexMs)))
  }

  // The bindings whose entries go when the session leaves: the one this request loaded, and the
  // one `stored`, if another.
  #leaving (stored) {
    const bindings = this.binding ? [this.binding] : []
    if (isBinding(stored) &&
        !(this.binding && this.binding.user === stored.user && this.binding.handle === stored.handle)) bindings.push(stored)
    return bindings
  }

  // The session's binding as stored now (for unbind); undefined when it has none or the read
  // failed (the entry this request loaded still goes). Its entries are then marked LEAVING
  // (records.js) before the session is emptied: a crash between the emptying and unbind would
  // otherwise leave them listed, on the user's epoch, for a session that is gone. A failed mark
  // is passed over.
  async stored (id, storeExpireMs) {
    const stored = await call(this.#store, 'get', id, USER, storeExpireMs).catch(() => undefined)
    const now = Date.now()
    await Promise.all(this.#leaving(stored).map((binding) => call(this.#store, 'set', indexId(binding.user), binding.handle,
      this.#entry(id, { ...binding, epoch: LEAVING }, now), this.#indexMs))).catch(() => {})
    return stored
  }

  // A session ended by the Session itself (maxLifetime), bound as its stored `binding` says: its
  // entry goes (not waited for: an entry a failure leaves is pruned once its age says its session
  // is gone).
  forget (binding) {
    if (!isBinding(binding)) return
    this.#store.del(indexId(binding.user), binding.handle, this.#indexMs, () => {})
  }

  // Before regenerate moves the session from `id`: its entry is marked LEAVING (records.js), so
  // that a crash between the move and moved() leaves no entry listed for the old id, which is gone
  // (and the new one with it: the client never got its cookie). A failed mark is passed over.
  async moving (id) {
    const binding = this.binding
    if (!binding) return
    await call(this.#store, 'set', indexId(binding.user), binding.handle, this.#entry(id, { ...binding, epoch: LEAVING }, Date.now()), this.#indexMs)
      .catch(() => {})
  }

  // regenerate moved the session (its binding with it) to `id`: the entry follows.
  async moved (id) {
    const binding = this.binding
    if (!binding) return
    const index = indexId(binding.user)
    await call(this.#store, 'set', index, binding.handle, this.#entry(id, binding, Date.now()), this.#indexMs)
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
    // This session's entry first: the revoke keeps only a session it finds listed, and the index
    // may have lost this one (an eviction, a crash between two writes); a session that asks to end
    // the others must not end itself. (Its epoch is the one it holds: if a revoke ended it since its
    // check, the entry is stale and the revoke ends it too.)
    await call(this.#store, 'set', indexId(binding.user), binding.handle, this.#entry(id, binding, Date.now()), this.#indexMs)
    const ended = await call(this.#rawStore, 'revokeSessions', binding.user, { except: binding.handle, expire: this.#expireMs })
    // The kept session's binding moved to the new epoch: read it back for the rest of the request.
    const now = await call(this.#store, 'get', id, USER, storeExpireMs)
    if (now && typeof now === 'object') this.binding = now
    return ended
  }
}

module.exports = { SessionUser }
