'use strict'

// A store's index methods, over its Store API (records.js says what is stored where):
//
//   store.listSessions(userId[, options], cb)   cb(err, [{ id, created, lastSeen, info }]), oldest first
//   store.revokeSessions(userId[, options], cb) cb(err, how many were ended)
//
// `id` is the session's handle, never its store id (which holds the cookie token). options:
// { except } (a handle: the session to keep), { expire } (ms: the sessions' idle lifetime, when
// it is not the default). Every store of this package has them; a custom store
// gets them with Object.assign(MyStore.prototype, genericSession.userIndexMethods), or
// implements them itself.

const { operationsFor } = require('../store-contract')
const { DEFAULT_EXPIRE_MS } = require('../stores/common')
const { USER, EPOCH, LEAVING, indexId, newEpoch, epochOf, bindingHolds, isBinding, entryExpired, userIdText, indexExpireMs } = require('./records')
const { publishExpired } = require('./events')

// A Store API call as a Promise.
function call (store, method, ...args) {
  return new Promise((resolve, reject) => {
    store[method](...args, (err, value) => (err ? reject(err) : resolve(value)))
  })
}

// The user's live entries, by handle, and the epoch; entries whose session has expired, or which
// a revoke left behind (an older epoch), are removed as they are found.
async function liveEntries (store, user, expireMs) {
  const index = indexId(user)
  const all = (await call(store, 'getAll', index, indexExpireMs(expireMs))) || {}
  const epoch = all[EPOCH]
  const live = new Map()
  const now = Date.now()
  const stale = []
  for (const handle of Object.keys(all)) {
    if (handle === EPOCH) continue
    const entry = all[handle]
    const valid = entry && typeof entry === 'object' && typeof entry.sid === 'string'
    if (valid && !entryExpired(entry, now) && bindingHolds(entry, epoch)) {
      live.set(handle, entry)
      continue
    }
    if (valid && !entryExpired(entry, now)) {
      stale.push([handle, entry])
      continue
    }
    if (valid && bindingHolds(entry, epoch)) publishExpired(store, entry.sid, user)
    store.del(index, handle, indexExpireMs(expireMs), () => {})
  }
  // An entry on an older epoch is usually one a revoke left behind, but it may be a kept session's:
  // a lastSeen write of the kept session that a request made before revokeOtherSessions moved it
  // onto the new epoch, landing after the revoke rewrote its entry, puts back the old epoch. The
  // session's own binding says which: one that holds is listed (and its entry mended), any other
  // entry goes. An entry LEAVING (records.js) that is not listed stays until it expires: its
  // session's destroy or regenerate may be under way, and its own write of the entry must not be
  // overtaken by this one's removal.
  await Promise.all(stale.map(async ([handle, entry]) => {
    const binding = await call(store, 'get', entry.sid, USER, typeof entry.expire === 'number' && entry.expire > 0 ? entry.expire : expireMs)
    if (isBinding(binding) && binding.user === user && binding.handle === handle && bindingHolds(binding, epoch)) {
      const mended = { ...entry, epoch: epochOf(epoch) }
      live.set(handle, mended)
      store.set(index, handle, mended, indexExpireMs(expireMs), () => {})
      return
    }
    if (entry.epoch !== LEAVING) store.del(index, handle, indexExpireMs(expireMs), () => {})
  }))
  return { index, epoch, live }
}

async function listSessions (store, user, { expire } = {}) {
  const { live } = await liveEntries(store, user, expire)
  return [...live].map(([handle, entry]) => ({
    id: handle, created: entry.created, lastSeen: entry.seen, info: entry.info
  })).sort((a, b) => a.created - b.created)
}

// Ends every session of the user but `except`: a new epoch first (so a session the index lost is
// ended too: its next request finds its epoch gone), then each listed session is revoked and its
// entry removed. The kept session holds through the change: it is told the next epoch before the
// epoch changes, and moved onto it after.
async function revokeSessions (store, user, { except, expire } = {}) {
  const expireMs = typeof expire === 'number' && expire > 0 ? expire : DEFAULT_EXPIRE_MS
  const { index, epoch: old, live } = await liveEntries(store, user, expireMs)
  const epoch = newEpoch()
  const kept = except === undefined ? undefined : live.get(except)
  let binding
  if (kept) {
    binding = await call(store, 'get', kept.sid, USER, expireMs)
    if (binding && binding.handle === except && bindingHolds(binding, old)) {
      await call(store, 'set', kept.sid, USER, { ...binding, nextEpoch: epoch }, expireMs)
    } else {
      binding = undefined
    }
  }
  await call(store, 'set', index, EPOCH, epoch, indexExpireMs(expireMs))
  let ended = 0
  await Promise.all([...live].map(async ([handle, entry]) => {
    if (handle === except) return
    // An entry may outlive its session's binding: a lastSeen write issued before the session was
    // bound to another user (setUser) can land after that bind removed the entry. Such a session
    // is not this user's: its entry goes, the session stays. (Any session still bound to this
    // user, or whose binding cannot be read here, is ended; the new epoch ends the rest.)
    const binding = await call(store, 'get', entry.sid, USER, expireMs)
    if (isBinding(binding) && binding.user !== user) {
      await call(store, 'del', index, handle, indexExpireMs(expireMs))
      return
    }
    await call(store, typeof store.revoke === 'function' ? 'revoke' : 'delAll', entry.sid)
    await call(store, 'del', index, handle, indexExpireMs(expireMs))
    ended++
  }))
  if (binding) {
    // The kept session may have been ended while this ran (another revoke, a destroy): then its
    // entry goes, rather than be put back on the new epoch, listed for a session that is gone.
    // Read before the writes (a store without revoke would take the binding's write as a new
    // session) and after them (a revoked session drops the write, not the entry's).
    const stillKept = async () => {
      const now = await call(store, 'get', kept.sid, USER, expireMs)
      return isBinding(now) && now.user === user && now.handle === except
    }
    if (!await stillKept()) {
      await call(store, 'del', index, except, indexExpireMs(expireMs))
      return ended
    }
    // The entry before the binding: a setUser of the kept session racing this revoke may write
    // the binding back on the old epoch after this; it then finds this entry on the new epoch,
    // and follows it (session-user.js, #settle).
    const { nextEpoch, ...rest } = binding
    await call(store, 'set', index, except, { ...kept, epoch }, indexExpireMs(expireMs))
    await call(store, 'set', kept.sid, USER, { ...rest, epoch }, expireMs)
    if (!await stillKept()) await call(store, 'del', index, except, indexExpireMs(expireMs))
  }
  return ended
}

// (userId[, options], cb): the callback form every store method has; the work on the store behind
// the Store contract, so a custom store's callbacks are made safe too.
// Without a callback, a Promise of the result, as the Session's methods.
function method (work) {
  return function (userId, options, callback) {
    if (typeof options === 'function') {
      callback = options
      options = undefined
    }
    if (callback === undefined || callback === null) {
      return new Promise((resolve, reject) => run(this, work, userId, options, (err, value) => (err ? reject(err) : resolve(value))))
    }
    if (typeof callback !== 'function') throw new TypeError('callback must be a function')
    run(this, work, userId, options, callback)
  }
}

function run (store, work, userId, options, callback) {
  let user
  try {
    user = userIdText(userId)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  work(operationsFor(store), user, options || {}).then((value) => callback(null, value), (err) => callback(err))
}

const userIndexMethods = Object.freeze({
  listSessions: method(listSessions),
  revokeSessions: method(revokeSessions)
})

module.exports = { userIndexMethods, call }
