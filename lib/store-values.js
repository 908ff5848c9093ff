'use strict'

// How this package's stores that keep JSON text read the Store API's `value` and `expire`
// arguments (LevelStore, LevelStore({ db }), RedisStore), so that they all read them alike.

const DEFAULT_EXPIRE_MS = 1000 * 60 * 60 * 24 * 7 * 2 // 2 weeks, when a caller passes none

function expireMs (expire) {
  return typeof expire === 'number' && expire > 0 ? expire : DEFAULT_EXPIRE_MS
}

// set() as MemoryStore does it: JSON.stringify(value), then `write(json)`. A value JSON cannot
// carry (a BigInt, a cycle) is refused with its TypeError and nothing changes; one JSON leaves out
// of objects (undefined, a function) removes the key, through the store's own del.
function setAsJson (store, id, key, value, expire, callback, write) {
  let json
  try {
    json = JSON.stringify(value)
  } catch (err) {
    return process.nextTick(callback, err)
  }
  if (json === undefined) return store.del(id, key, expire, callback)
  write(json)
}

module.exports = { expireMs, setAsJson }
