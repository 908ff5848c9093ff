'use strict'

// The store methods an expressStore needs beyond what a Session calls: extend (touch), and ids,
// length and clear (all, length, clear), which the Store API leaves optional. They are called
// through the Session's operations (../store-contract.js): this package's stores as they are, a
// custom store's guarded as its other calls are (its callback reaches us once and never
// synchronously, a throw becomes the error, a Promise may answer instead), and all of them timed
// for metrics().

// A function (...args, callback) calling `name` of `store`, or null when the store has none.
function optionalMethod (store, operations, name) {
  return typeof store[name] === 'function' && typeof operations[name] === 'function' ? operations[name] : null
}

module.exports = { optionalMethod }
