'use strict'

// What a Session tells ./events.js at the points where it cannot say it in one call: what its
// cookie step found, and a destroy() that reached its store.

const { CARRIED } = require('./session-cookie')
const { REJECTED, sessionCreated, sessionRejected, sessionDestroyed } = require('./events')

// The rejection each CARRIED code stands for (none for a token, or for no cookie at all).
const REJECTION = [null, null, REJECTED.MALFORMED, REJECTED.BAD_SIGNATURE]

// After the cookie step of a session now at `id`: a refused cookie is rejected (its message names
// what the cookie claimed, idPrefix + its value, read only for subscribers), and a new session whose
// cookie went out with this response (`written`) is created. A lazy session's cookie goes out at
// its first write, which reports it then.
function cookieRead (config, req, id, written) {
  const carried = config.cookie.outcome
  if (carried === CARRIED.TOKEN) return
  const reason = REJECTION[carried]
  if (reason) sessionRejected(() => config.idPrefix + config.cookie.claimed(req), reason)
  if (written) sessionCreated(id)
}

// `callback` of a destroy()'s revoke of `id`: the session is destroyed once its store says so.
function destroyedThen (id, callback) {
  return (err) => {
    if (!err) sessionDestroyed(id)
    callback(err)
  }
}

module.exports = { cookieRead, destroyedThen }
