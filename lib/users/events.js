'use strict'

// What sessions of a user tell the lifecycle channels (lib/events.js): a bound session that a
// revoke of its user ended, and an indexed session found expired when its user's sessions are
// listed. MemoryStore and LevelStore report their expiries themselves, as they happen; for the
// others (RedisStore, custom stores), which cannot, the index is where an expiry shows.

const { REJECTED, sessionExpired, sessionRejected, kReportsExpiry } = require('../events')
const { kStoreKind } = require('../measured-store')

// `store` as the Session calls it (lib/store-contract.js), whose kind metrics name.
function publishExpired (store, sid, user) {
  if (store[kReportsExpiry] === true) return
  sessionExpired(sid, store[kStoreKind] || 'custom', user)
}

function publishRevoked (sid, user) {
  sessionRejected(sid, REJECTED.REVOKED_USER, user)
}

module.exports = { publishExpired, publishRevoked }
