'use strict'

// A callback paired with the Promise it settles: what a Session method returns when it is called
// without a callback.

function noop () {}

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

module.exports = { pending, noop }
