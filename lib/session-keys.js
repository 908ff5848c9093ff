'use strict'

// The keys a Session stores: the application's, and its own records (the creation time that
// maxLifetime needs). Its own records start with one NUL; an application key that starts with a
// NUL is stored with one more in front. So no key the application picks can read, overwrite or
// hide one of the Session's records, in any store, custom ones included, and getAll shows the
// application's keys only, as it gave them.

const NUL = '\u0000'

// The session's creation time (ms since the epoch), kept in the session itself when maxLifetime is
// set, so that every store keeps it and regenerate carries it over.
const CREATED = NUL + 'created'

// The key the store is given for the application's `key`. Anything but a string goes as it is, for
// the store to take (a number) or refuse.
function storeKey (key) {
  return typeof key === 'string' && key.charCodeAt(0) === 0 ? NUL + key : key
}

// Whether a stored key is one of the Session's own records.
function isOwnRecord (key) {
  return key.charCodeAt(0) === 0 && key.charCodeAt(1) !== 0
}

// A getAll result as the application sees it: its own keys, unescaped, and none of the Session's
// records. The object itself when there is nothing to change.
function applicationData (data) {
  if (data === null || typeof data !== 'object') return data
  let plain = true
  for (const key in data) {
    if (key.charCodeAt(0) === 0) {
      plain = false
      break
    }
  }
  if (plain) return data
  const out = {}
  for (const key of Object.keys(data)) {
    if (isOwnRecord(key)) continue
    const name = key.charCodeAt(0) === 0 ? key.slice(1) : key
    // defineProperty: a key named __proto__ is data, as JSON.parse makes it.
    Object.defineProperty(out, name, { value: data[key], enumerable: true, writable: true, configurable: true })
  }
  return out
}

module.exports = { CREATED, storeKey, applicationData }
