'use strict'

// What sessions of a user tell the lifecycle channels: a bound session that a revoke of its user
// ended, and an indexed session found expired when its user's sessions are listed. (Wired to
// lib/events.js when it lands; until then nothing is published.)

function publishExpired (sid, user) {}

function publishRejected (sid, user, reason) {}

module.exports = { publishExpired, publishRejected }
