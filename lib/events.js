'use strict'

// Sessions' lifecycle, as it happens: counted for metrics() (./metrics.js), always, and published
// on node:diagnostics_channel when, and only when, a channel has subscribers.
//
//   generic-session:created      { id }            a new session's cookie was first written
//   generic-session:regenerated  { id, from }      regenerate() moved the session to a new id
//   generic-session:destroyed    { id }            destroy() revoked it in its store
//   generic-session:expired      { id, store }     a store found it expired and removed it
//   generic-session:rejected     { id, reason }    a request's cookie or token was refused
//
// Each message may carry `user` too, when the caller knows whose session it is. `id` is never the
// session id nor the token: it is idHash(id), a keyed hash (below), so subscribers can follow one
// session from event to event without holding anything that opens it.
//
// With nobody subscribed a publish is one `hasSubscribers` check: no message is built and no hash
// computed (test/events.test.js counts hashes through idHashes() to show it).

const crypto = require('crypto')
const diagnosticsChannel = require('diagnostics_channel')
const { listenForExpiries } = require('./native')
const { counts } = require('./metrics')

const CHANNELS = Object.freeze({
  created: 'generic-session:created',
  regenerated: 'generic-session:regenerated',
  destroyed: 'generic-session:destroyed',
  expired: 'generic-session:expired',
  rejected: 'generic-session:rejected'
})

// Why a session was refused (the rejected message's `reason`).
const REJECTED = Object.freeze({
  BAD_SIGNATURE: 'bad signature', // a signed cookie whose .sig is missing or verifies under no key
  MALFORMED: 'malformed', // a cookie value that is not a token
  UNKNOWN_TOKEN: 'unknown token', // strict (or maxLifetime): a token no store knows, replaced
  MAX_LIFETIME: 'maxLifetime', // past its maxLifetime, revoked and replaced
  REVOKED_USER: 'revoked user' // a session of a user whose sessions were revoked
})

const created = diagnosticsChannel.channel(CHANNELS.created)
const regenerated = diagnosticsChannel.channel(CHANNELS.regenerated)
const destroyed = diagnosticsChannel.channel(CHANNELS.destroyed)
const expired = diagnosticsChannel.channel(CHANNELS.expired)
const rejected = diagnosticsChannel.channel(CHANNELS.rejected)

// --- what the Session and the stores call ---

function sessionCreated (id, user) {
  counts.created++
  if (created.hasSubscribers) created.publish(message(id, user))
}

function sessionRegenerated (id, from, user) {
  counts.regenerated++
  if (regenerated.hasSubscribers) regenerated.publish(message(id, user, 'from', idHash(from)))
}

function sessionDestroyed (id, user) {
  counts.destroyed++
  if (destroyed.hasSubscribers) destroyed.publish(message(id, user))
}

// A session `store` (a store's kind: 'RedisStore', ...) found expired: counted and published.
// The native stores count their own (src/expiries.rs) and call announceExpired instead.
function sessionExpired (id, store, user) {
  counts.expired.set(store, (counts.expired.get(store) || 0) + 1)
  announceExpired(id, store, user)
}

function announceExpired (id, store, user) {
  if (expired.hasSubscribers) expired.publish(message(id, user, 'store', store))
}

// `id` as a string, or a function giving it: a rejected cookie's id costs a native call to read,
// made only for subscribers.
function sessionRejected (id, reason, user) {
  counts.rejected.set(reason, (counts.rejected.get(reason) || 0) + 1)
  if (rejected.hasSubscribers) rejected.publish(message(typeof id === 'function' ? id() : id, user, 'reason', reason))
}

function message (id, user, field, value) {
  const out = { id: idHash(id) }
  if (field !== undefined) out[field] = value
  if (user !== undefined) out.user = user
  return Object.freeze(out)
}

// Whether the native stores are to keep the ids of the sessions they find expired
// (src/expiries.rs): told to them when that changes, which each store call checks. Returns it.
let expiriesHeard = false

function expiryListening () {
  const listening = expired.hasSubscribers
  if (listening !== expiriesHeard) {
    expiriesHeard = listening
    listenForExpiries(listening)
  }
  return listening
}

// --- the id hash ---

// HMAC-SHA256 of the session id, truncated to 16 bytes (32 hex digits): 128 bits, collisions out
// of reach, and no way back to the id without the key. The key is fixed at the first hash:
//
// - derived from the newest signing key of the first options with `keys` this process read (an
//   HMAC of a fixed label under it, so the hashes reveal nothing of the signing key and are no
//   cookie signature: the label has no '=', and every signed cookie text has one). Processes
//   sharing keys, as the processes sharing one RedisStore do, then hash one session alike, and
//   their events can be joined. A key rotation changes the hashes.
// - else random, once per process: one session still hashes alike in every event of the process.
//
// Why not per middleware: a store's expiry has no options to draw a key from, and one session must
// hash the same in every event.
const ID_KEY_LABEL = 'generic-session: event id hash key'

let idKey = null
let offeredKeys = null
let hashes = 0

// options.js offers each config's signing keys (an array of secrets or a Keygrip-like object);
// the first is kept, and derived from only at the first hash.
function offerSigningKeys (keys) {
  if (idKey === null && offeredKeys === null) offeredKeys = keys
}

function idHash (id) {
  hashes++
  if (idKey === null) idKey = keyFrom(offeredKeys)
  return crypto.createHmac('sha256', idKey).update(String(id)).digest('hex').slice(0, 32)
}

function keyFrom (keys) {
  if (Array.isArray(keys)) return crypto.createHmac('sha256', keys[0]).update(ID_KEY_LABEL).digest()
  if (keys) {
    try {
      const signature = keys.sign(ID_KEY_LABEL)
      if (typeof signature === 'string' && signature !== '') return crypto.createHash('sha256').update(signature).digest()
    } catch (_) {
      // A Keygrip-like object that cannot sign this: the process's own key below.
    }
  }
  return crypto.randomBytes(32)
}

// How many ids have been hashed in this process: for the test that nothing is hashed for nobody.
function idHashes () {
  return hashes
}

// Marks a store that reports its expiries itself (MemoryStore, LevelStore), so that the sessions of
// a user (lib/users/) do not report them again when they find an expired session in an index.
const kReportsExpiry = Symbol('generic-session.reportsExpiry')

module.exports = {
  kReportsExpiry,
  CHANNELS,
  REJECTED,
  sessionCreated,
  sessionRegenerated,
  sessionDestroyed,
  sessionExpired,
  announceExpired,
  sessionRejected,
  expiryListening,
  offerSigningKeys,
  idHash,
  idHashes
}
