'use strict'

// Where a user's sessions are recorded, in any store, through the Store API alone:
//
// - In each bound session, under the Session's own records (lib/session-keys.js: no key the
//   application picks can take them): USER → { user, handle, epoch, nextEpoch?, created, info },
//   and SEEN → when it was last seen (ms), a record of its own so that refreshing it never
//   rewrites the binding.
// - One index per user, stored like a session under the id indexId(user): one key per session,
//   its handle (a random name that is not the cookie token) → { sid, epoch, created, seen,
//   expire, info }, and EPOCH → the user's epoch. One key per session: concurrent logins never
//   overwrite each other's entries.
//
// The epoch makes revocation exact even for a session the index lost (a crash between two
// writes, an index evicted or expired): revokeSessions writes a new random epoch before it ends
// the listed sessions, and every request of a bound session compares its binding's epoch with the
// user's, so a session bound before the revoke reads nothing again. An index with no epoch has the
// empty one, so concurrent first logins agree without writing it. Random values, not a counter:
// two revokes racing cannot move the epoch back to one a revoked session holds.

const { randomBytes } = require('crypto')

const USER = '\u0000user'
const SEEN = '\u0000seen'
const EPOCH = '\u0000epoch'
// Session ids are idPrefix + a base64 token, and idPrefix may not start with a NUL (options.js):
// no session id starts like this.
const INDEX_PREFIX = '\u0000user:'

function indexId (user) {
  return INDEX_PREFIX + user
}

function newHandle () {
  return randomBytes(12).toString('base64url')
}

function newEpoch () {
  return randomBytes(12).toString('base64url')
}

// The epoch of an index entry whose session is leaving it (destroy, delAll, regenerate): written
// before the session is emptied or moved, it is no user's epoch, so that an entry a crash leaves
// there is listed only once its session's binding is read and holds (store-methods.js).
const LEAVING = null

// The user's epoch, as the index's EPOCH record reads (`stored`): none yet is the empty one.
function epochOf (stored) {
  return stored === undefined || stored === null ? '' : stored
}

// Whether `binding` (a session's USER record) still holds under the user's stored epoch.
function bindingHolds (binding, stored) {
  const epoch = epochOf(stored)
  return binding.epoch === epoch || binding.nextEpoch === epoch
}

// Whether a stored USER record is a binding at all (stored data may be anything).
function isBinding (value) {
  return value !== null && typeof value === 'object' && typeof value.user === 'string'
}

// The index entry that stands for a bound session, last seen at `seen`, whose idle lifetime is
// `expireMs`, and which ends for good at `endsMs` (its maxLifetime), if it has one.
function entryOf (sid, binding, seen, expireMs, endsMs) {
  const entry = { sid, epoch: binding.epoch, created: binding.created, seen, expire: expireMs, info: binding.info }
  if (typeof endsMs === 'number') entry.ends = endsMs
  return entry
}

// Whether an entry's session has certainly expired by `now`: its activity rewrites `seen` at
// least every expire / SEEN_DIVISOR, so it expired by seen + expire + that; and a session with a
// maxLifetime is over at its end, whether or not it is used again (the stores drop it then, and
// the Session refuses it after), so listing drops it then, not an idle lifetime later.
function entryExpired (entry, now) {
  const expire = typeof entry.expire === 'number' ? entry.expire : 0
  if (typeof entry.ends === 'number' && entry.ends <= now) return true
  return typeof entry.seen !== 'number' || entry.seen + expire + Math.ceil(expire / SEEN_DIVISOR) < now
}

// A user id as given (a string or a number) made text, or a TypeError.
function userIdText (user, what = 'user id') {
  if (typeof user === 'number' && Number.isFinite(user)) return String(user)
  if (typeof user !== 'string' || user === '') {
    throw new TypeError(`the ${what} must be a non-empty string or a number, got ${user === null ? 'null' : typeof user}`)
  }
  return user
}

// A session's activity rewrites its SEEN record (and its index entry) at most every
// expire / SEEN_DIVISOR.
const SEEN_DIVISOR = 100

// How long an index lives past its last use: far longer than the sessions it lists (browsers keep
// no cookie past 400 days), so that it, and the epoch in it, never goes before them, whatever
// expire the caller passes. What it lists beyond its sessions' life is pruned when it is listed.
const INDEX_EXPIRE_MS = 400 * 24 * 60 * 60 * 1000
function indexExpireMs (expireMs = 0) {
  return Math.max(INDEX_EXPIRE_MS, Math.ceil(expireMs * 1.02))
}

module.exports = {
  USER, SEEN, EPOCH, LEAVING, SEEN_DIVISOR, indexId, newHandle, newEpoch, epochOf, bindingHolds, isBinding, entryOf, entryExpired, userIdText, indexExpireMs
}
